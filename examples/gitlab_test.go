package examples_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

const gitlabFile = "gitlab-ci/.gitlab-ci.yml"

// gitlabAPI is the part of GitLab's REST API the example calls: notes of
// merge request 7 of project 42, and the merge requests of a commit.
type gitlabAPI struct {
	mu    sync.Mutex
	notes []string // newest last
}

const (
	gitlabToken = "glpat-test-token"
	gitlabSHA   = "0123456789abcdef0123456789abcdef01234567"
)

func (g *gitlabAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("PRIVATE-TOKEN") != gitlabToken {
		http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch p := r.URL.Path; {
	case r.Method == http.MethodPost && p == "/api/v4/projects/42/merge_requests/7/notes":
		body := r.FormValue("body") // multipart (curl --form) or urlencoded
		if body == "" {
			http.Error(w, `{"message":"body is missing"}`, http.StatusBadRequest)
			return
		}
		g.notes = append(g.notes, body)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": len(g.notes), "body": body})
	case r.Method == http.MethodGet && p == "/api/v4/projects/42/merge_requests/7/notes":
		if r.URL.Query().Get("sort") != "desc" {
			http.Error(w, `{"message":"the test serves sort=desc only"}`, http.StatusBadRequest)
			return
		}
		var out []map[string]any
		for i := len(g.notes) - 1; i >= 0; i-- {
			out = append(out, map[string]any{"id": i + 1, "body": g.notes[i], "author": map[string]any{"username": "project_42_bot"}})
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodGet && p == "/api/v4/projects/42/repository/commits/"+gitlabSHA+"/merge_requests":
		_ = json.NewEncoder(w).Encode([]map[string]any{{"iid": 7, "state": "merged"}})
	default:
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
	}
}

// gitlabEnv are the predefined and CI/CD variables the job sees.
func gitlabEnv(t *testing.T, api, stateURL string, c *cloud, ci gitlabCI) []string {
	env := append(baseEnv(t, c.bin),
		"CI_API_V4_URL="+api+"/api/v4", "CI_PROJECT_ID=42", "CI_MERGE_REQUEST_IID=7",
		"CI_COMMIT_SHA="+gitlabSHA, "CI_DEFAULT_BRANCH=main", "RDSUP_GITLAB_TOKEN="+gitlabToken,
		"RDSUP_STATE="+stateURL,
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+rdssimtest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+rdssimtest.AccessKeySecret)
	for k, v := range ci.Variables {
		env = append(env, k+"="+v)
	}
	return env
}

// runGitLabJob runs a job's script as the runner's bash does: one shell,
// -e and pipefail, the lines in order (default.before_script, which
// installs rdsup and jq, is not run: both are on PATH).
func runGitLabJob(t *testing.T, repo string, env []string, ci gitlabCI, job string) result {
	t.Helper()
	j, ok := ci.Jobs[job]
	if !ok {
		t.Fatalf("%s has no job %s", gitlabFile, job)
	}
	script := filepath.Join(t.TempDir(), "job.sh")
	writeFile(t, script, strings.Join(j.Script, "\n")+"\n", 0o644)
	return runShell(t, repo, env, "bash", "-eo", "pipefail", script)
}

func loadGitLab(t *testing.T) gitlabCI {
	t.Helper()
	docs := decodeStrict[gitlabCI](t, gitlabFile)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want 1", gitlabFile, len(docs))
	}
	return docs[0]
}

func TestGitLabCIStructure(t *testing.T) {
	ci := loadGitLab(t)
	plan, apply := ci.Jobs["rdsup-plan"], ci.Jobs["rdsup-apply"]
	for name, j := range ci.Jobs {
		if !slices.Contains(ci.Stages, j.Stage) || len(j.Script) == 0 {
			t.Errorf("job %s: stage %q (stages %v) and a script are required", name, j.Stage, ci.Stages)
		}
		if len(j.Rules) == 0 || !slices.Contains(j.Rules[0].Changes, "fleet/**/*") {
			t.Errorf("job %s: want rules with changes [fleet/**/*]", name)
		}
	}
	if len(plan.Rules) == 0 || plan.Rules[0].If != `$CI_PIPELINE_SOURCE == "merge_request_event"` {
		t.Errorf("rdsup-plan: want it in merge request pipelines")
	}
	if a := plan.Artifacts; a == nil || a.Reports.JUnit == "" || a.When != "always" || !slices.Contains(a.Paths, a.Reports.JUnit) {
		t.Errorf("rdsup-plan: want artifacts when: always with reports: junit (also kept as a path)")
	}
	if len(apply.Rules) == 0 || !strings.Contains(apply.Rules[0].If, "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH") || apply.ResourceGroup == "" {
		t.Errorf("rdsup-apply: want it on the default branch only, in a resource_group (one at a time)")
	}
	for _, want := range []string{"rdsup plan ", "--max-bytes", "rdsup check ", "--format junit"} {
		if !strings.Contains(joined(plan.Script...), want) {
			t.Errorf("rdsup-plan: no rdsup command line with %q", want)
		}
	}
	for _, want := range []string{"rdsup apply ", "--plan-id", "--state", "--yes", "--no-wait"} {
		if !strings.Contains(joined(apply.Script...), want) {
			t.Errorf("rdsup-apply: no rdsup command line with %q", want)
		}
	}
}

// junit is the JUnit XML GitLab reads.
type junit struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Text string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junit {
	t.Helper()
	var j junit
	if err := xml.Unmarshal([]byte(readFile(t, path)), &j); err != nil {
		t.Fatalf("%s is not JUnit XML: %v", path, err)
	}
	return j
}

// runMergeRequest runs rdsup-plan in a merge request pipeline.
func runMergeRequest(t *testing.T, repo string, api *gitlabAPI) (result, string) {
	t.Helper()
	needTools(t)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	ci := loadGitLab(t)
	r := runGitLabJob(t, repo, gitlabEnv(t, srv.URL, "", newCloud(t, repo), ci), ci, "rdsup-plan")
	if len(api.notes) != 1 {
		t.Fatalf("rdsup-plan posted %d notes, want 1 (exit %d)\n%s\n%s", len(api.notes), r.code, r.stdout, r.stderr)
	}
	checkRoomForMarker(t, gitlabFile, joined(ci.Jobs["rdsup-plan"].Script...), api.notes[0])
	if !strings.HasPrefix(api.notes[0], "<!-- rdsup-plan id=") || !strings.Contains(api.notes[0], "## rdsup plan") {
		t.Errorf("note lacks the marker or the plan:\n%.500s", api.notes[0])
	}
	return r, api.notes[0]
}

func TestGitLabMergeRequest(t *testing.T) {
	repo := newRepo(t, nil)
	r, _ := runMergeRequest(t, repo, &gitlabAPI{})
	if r.code != 0 {
		t.Fatalf("rdsup-plan: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if j := readJUnit(t, filepath.Join(repo, "rdsup-check.xml")); j.Tests != 5 || j.Failures != 0 {
		t.Errorf("JUnit: %d tests, %d failures; want 5 steps, none failing", j.Tests, j.Failures)
	}
}

func TestGitLabMergeRequestDenied(t *testing.T) {
	repo := newRepo(t, func(s string) string {
		return strings.Replace(s, "tags: {env: staging, team: shop}", `tags: {env: staging, team: shop, freeze: "true"}`, 1)
	})
	r, note := runMergeRequest(t, repo, &gitlabAPI{})
	if r.code != 2 {
		t.Fatalf("rdsup-plan: exit %d, want 2 (denied)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	j := readJUnit(t, filepath.Join(repo, "rdsup-check.xml"))
	var failed []string
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && strings.Contains(c.Failure.Text, "tagged freeze=true") {
				failed = append(failed, c.Name)
			}
		}
	}
	if j.Failures != 1 || len(failed) != 1 || failed[0] != "rm-shop-db" {
		t.Errorf("JUnit: %d failures %v, want the frozen rm-shop-db", j.Failures, failed)
	}
	if !strings.Contains(note, "tagged freeze=true") {
		t.Errorf("the note does not show the denial")
	}
}

// The merge request is planned and noted; the default-branch pipeline
// applies the reviewed plan into PostgreSQL; a changed inventory is refused.
func TestGitLabApplyReviewedPlan(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	api := &gitlabAPI{}
	if r, _ := runMergeRequest(t, repo, api); r.code != 0 {
		t.Fatalf("rdsup-plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	ci := loadGitLab(t)
	c := newCloud(t, repo)
	stateURL := stateDB(t)

	// main moved: the merged inventory is not the reviewed one
	fleet := filepath.Join(repo, "fleet", "fleet.yaml")
	reviewed := readFile(t, fleet)
	writeFile(t, fleet, strings.Replace(reviewed, `maintainTime: "18:00Z-22:00Z"`, `maintainTime: "19:00Z-22:00Z"`, 1), 0o644)
	r := runGitLabJob(t, repo, gitlabEnv(t, srv.URL, stateURL, c, ci), ci, "rdsup-apply")
	if r.code != 1 || !strings.Contains(r.stderr, "only the plan approved in review may run") || len(upgradeCalls(c.sim)) != 0 {
		t.Fatalf("unreviewed inventory: exit %d, want 1 and no upgrade\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	writeFile(t, fleet, reviewed, 0o644)
	r = runGitLabJob(t, repo, gitlabEnv(t, srv.URL, stateURL, c, ci), ci, "rdsup-apply")
	if r.code != 0 || !strings.Contains(r.stdout, "scheduled") {
		t.Fatalf("rdsup-apply: exit %d, want 0 with upgrades scheduled for their windows\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
