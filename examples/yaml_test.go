package examples_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rdsup/rdsup/planner"
)

// The shapes below are the parts of each platform's schema the examples
// use, under the platform's own field names. Files are decoded strictly:
// a misspelt or unknown key is an error, so a key the examples start to use
// must be added here on purpose.

// GitHub Actions workflow.
type workflow struct {
	Name string `yaml:"name"`
	On   struct {
		PullRequest *struct {
			Types []string `yaml:"types"`
			Paths []string `yaml:"paths"`
		} `yaml:"pull_request"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]ghJob  `yaml:"jobs"`
}

type ghJob struct {
	If          string   `yaml:"if"`
	RunsOn      string   `yaml:"runs-on"`
	Environment string   `yaml:"environment"`
	Steps       []ghStep `yaml:"steps"`
}

type ghStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// GitLab CI: the top-level keys, and jobs (any other top-level key).
type gitlabCI struct {
	Stages    []string          `yaml:"stages"`
	Variables map[string]string `yaml:"variables"`
	Default   struct {
		Image        string   `yaml:"image"`
		BeforeScript []string `yaml:"before_script"`
	} `yaml:"default"`
	Jobs map[string]gitlabJob `yaml:",inline"`
}

type gitlabJob struct {
	Stage string `yaml:"stage"`
	Rules []struct {
		If      string   `yaml:"if"`
		Changes []string `yaml:"changes"`
	} `yaml:"rules"`
	ResourceGroup string   `yaml:"resource_group"`
	Environment   string   `yaml:"environment"`
	Script        []string `yaml:"script"`
	Artifacts     *struct {
		When     string   `yaml:"when"`
		ExposeAs string   `yaml:"expose_as"`
		Paths    []string `yaml:"paths"`
		Reports  struct {
			JUnit string `yaml:"junit"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

// Kubernetes objects: one document each.
type k8sObject struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   k8sMeta           `yaml:"metadata"`
	Type       string            `yaml:"type"`       // Secret
	StringData map[string]string `yaml:"stringData"` // Secret
	Data       map[string]string `yaml:"data"`       // ConfigMap
	Spec       *cronJobSpec      `yaml:"spec"`       // CronJob
}

type k8sMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Annotations map[string]string `yaml:"annotations"`
}

type cronJobSpec struct {
	Schedule                   string `yaml:"schedule"`
	TimeZone                   string `yaml:"timeZone"`
	ConcurrencyPolicy          string `yaml:"concurrencyPolicy"`
	StartingDeadlineSeconds    *int   `yaml:"startingDeadlineSeconds"`
	SuccessfulJobsHistoryLimit *int   `yaml:"successfulJobsHistoryLimit"`
	FailedJobsHistoryLimit     *int   `yaml:"failedJobsHistoryLimit"`
	JobTemplate                struct {
		Spec struct {
			BackoffLimit          *int `yaml:"backoffLimit"`
			ActiveDeadlineSeconds *int `yaml:"activeDeadlineSeconds"`
			Template              struct {
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	} `yaml:"jobTemplate"`
}

type podSpec struct {
	ServiceAccountName            string `yaml:"serviceAccountName"`
	RestartPolicy                 string `yaml:"restartPolicy"`
	TerminationGracePeriodSeconds *int   `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot bool `yaml:"runAsNonRoot"`
		RunAsUser    int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string    `yaml:"name"`
		EmptyDir  *struct{} `yaml:"emptyDir"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type container struct {
	Name       string   `yaml:"name"`
	Image      string   `yaml:"image"`
	Command    []string `yaml:"command"`
	Args       []string `yaml:"args"`
	WorkingDir string   `yaml:"workingDir"`
	Env        []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type keyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional bool   `yaml:"optional"`
}

// decodeStrict decodes every YAML document of path into a new T each.
func decodeStrict[T any](t *testing.T, path string) []T {
	t.Helper()
	docs, err := decodeAll[T](readFile(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return docs
}

func decodeAll[T any](src string) ([]T, error) {
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	var docs []T
	for {
		var v T
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
}

// TestEveryYAMLFileIsKnownAndStrict walks examples/: every YAML file must
// be one the test knows how to read, and read strictly.
func TestEveryYAMLFileIsKnownAndStrict(t *testing.T) {
	var seen int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".yml" && filepath.Ext(path) != ".yaml") {
			return err
		}
		seen++
		switch dir := filepath.Dir(path); {
		case dir == "github-actions":
			for _, w := range decodeStrict[workflow](t, path) {
				if len(w.Jobs) == 0 {
					t.Errorf("%s: no jobs", path)
				}
			}
		case path == filepath.Join("gitlab-ci", ".gitlab-ci.yml"):
			decodeStrict[gitlabCI](t, path)
		case dir == "kubernetes":
			decodeStrict[k8sObject](t, path)
		case path == filepath.Join("fleet", "fleet.yaml"):
			if _, err := planner.Load(path); err != nil {
				t.Error(err)
			}
		default:
			t.Errorf("%s: a YAML file this test does not read; teach TestEveryYAMLFileIsKnownAndStrict its shape", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 6 {
		t.Errorf("found %d YAML files under examples/, want the 6 examples at least", seen)
	}
}

// The strict reading refuses what a typo makes: a misspelt key anywhere.
func TestStrictDecodeRefusesMisspeltKeys(t *testing.T) {
	tests := []struct {
		name, src string
		decode    func(string) error
	}{
		{"workflow step key", "jobs:\n  a:\n    runs-on: x\n    steps:\n      - rn: echo\n", func(s string) error { _, err := decodeAll[workflow](s); return err }},
		{"workflow job key", "jobs:\n  a:\n    runs_on: x\n", func(s string) error { _, err := decodeAll[workflow](s); return err }},
		{"gitlab job key", "plan:\n  scrpt: [echo]\n", func(s string) error { _, err := decodeAll[gitlabCI](s); return err }},
		{"gitlab junit report", "plan:\n  artifacts:\n    reports:\n      junits: a.xml\n", func(s string) error { _, err := decodeAll[gitlabCI](s); return err }},
		{"cronjob policy", "kind: CronJob\nspec:\n  concurencyPolicy: Forbid\n", func(s string) error { _, err := decodeAll[k8sObject](s); return err }},
		{"container env", "kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - env: [{name: A, valueFrom: {secretRef: {name: s}}}]\n", func(s string) error { _, err := decodeAll[k8sObject](s); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.decode(tt.src); err == nil {
				t.Errorf("decoded %q without an error", tt.src)
			}
		})
	}
}

// cronFields are the ranges of the five fields of a cron schedule.
var cronFields = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}

// validCron reports why a standard five-field cron schedule is invalid
// (nil when it is valid): *, n, a-b, */s, a-b/s, comma lists.
func validCron(s string) error {
	fields := strings.Fields(s)
	if len(fields) != 5 {
		return fmt.Errorf("%q: %d fields, want 5", s, len(fields))
	}
	for i, f := range fields {
		lo, hi := cronFields[i][0], cronFields[i][1]
		for _, part := range strings.Split(f, ",") {
			rng, step, stepped := strings.Cut(part, "/")
			if stepped {
				if n, err := strconv.Atoi(step); err != nil || n < 1 || n > hi {
					return fmt.Errorf("%q: field %d: bad step %q", s, i+1, step)
				}
			}
			if rng == "*" {
				continue
			}
			a, b, isRange := strings.Cut(rng, "-")
			if !isRange {
				b = a
			}
			x, err1 := strconv.Atoi(a)
			y, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || x < lo || y > hi || x > y {
				return fmt.Errorf("%q: field %d: %q is not in %d-%d", s, i+1, rng, lo, hi)
			}
		}
	}
	return nil
}

func TestValidCron(t *testing.T) {
	for _, s := range []string{"*/30 * * * *", "0 2 * * 1-5", "5,35 0-6/2 1 1,7 0"} {
		if err := validCron(s); err != nil {
			t.Errorf("validCron(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range []string{"*/30 * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "* * 0 * *", "5-1 * * * *", "@hourly", "a * * * *"} {
		if err := validCron(s); err == nil {
			t.Errorf("validCron(%q) = nil, want an error", s)
		}
	}
}

var usesPinned = regexp.MustCompile(`^[\w.-]+/[\w.-]+@v\d+$`)

var (
	continued = regexp.MustCompile(`\\\n\s*`)
	runsRdsup = regexp.MustCompile(`(^|[\s;|&(])rdsup\s`)
)

// rdsupLines are the lines of a shell script that run rdsup (continued
// lines joined), but for its installation.
func rdsupLines(script string) []string {
	var out []string
	script = continued.ReplaceAllString(script, " ")
	for _, line := range strings.Split(script, "\n") {
		if runsRdsup.MatchString(line) && !strings.Contains(line, "go install") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// joined is every rdsup line of the scripts, for structure checks.
func joined(scripts ...string) string {
	var b bytes.Buffer
	for _, s := range scripts {
		for _, l := range rdsupLines(s) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
