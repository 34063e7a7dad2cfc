package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

const (
	cronJobFile = "kubernetes/cronjob.yaml"
	secretFile  = "kubernetes/secret.yaml"
	// waitingLine is what the CronJob's command prints when apply exits 3.
	waitingLine = "has steps left for a later run"
)

// k8s are the example's objects by kind.
type k8s struct {
	cronJob, configMap, secret, serviceAccount k8sObject
}

func loadK8s(t *testing.T) k8s {
	t.Helper()
	var k k8s
	for _, file := range []string{cronJobFile, secretFile} {
		for _, o := range decodeStrict[k8sObject](t, file) {
			switch o.Kind {
			case "CronJob":
				k.cronJob = o
			case "ConfigMap":
				k.configMap = o
			case "Secret":
				k.secret = o
			case "ServiceAccount":
				k.serviceAccount = o
			default:
				t.Errorf("%s: kind %q is not known to the test", file, o.Kind)
			}
		}
	}
	if k.cronJob.Spec == nil {
		t.Fatalf("%s: no CronJob with a spec", cronJobFile)
	}
	return k
}

func (k k8s) container(t *testing.T) container {
	t.Helper()
	cs := k.cronJob.Spec.JobTemplate.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%s: %d containers, want 1", cronJobFile, len(cs))
	}
	return cs[0]
}

func TestKubernetesStructure(t *testing.T) {
	k := loadK8s(t)
	spec := k.cronJob.Spec
	if k.cronJob.APIVersion != "batch/v1" || k.secret.APIVersion != "v1" || k.configMap.APIVersion != "v1" {
		t.Errorf("apiVersions: CronJob %q (want batch/v1), Secret %q, ConfigMap %q (want v1)", k.cronJob.APIVersion, k.secret.APIVersion, k.configMap.APIVersion)
	}
	if err := validCron(spec.Schedule); err != nil {
		t.Errorf("schedule: %v", err)
	}
	if spec.ConcurrencyPolicy != "Forbid" {
		t.Errorf("concurrencyPolicy %q, want Forbid: a run never overlaps the previous one", spec.ConcurrencyPolicy)
	}
	job := spec.JobTemplate.Spec
	pod := job.Template.Spec
	if job.BackoffLimit == nil || *job.BackoffLimit != 0 || pod.RestartPolicy != "Never" {
		t.Errorf("backoffLimit %v, restartPolicy %q: want 0 and Never (a failed step needs a person, not a retry)", job.BackoffLimit, pod.RestartPolicy)
	}
	if job.ActiveDeadlineSeconds == nil || *job.ActiveDeadlineSeconds <= 2*3600 {
		t.Errorf("activeDeadlineSeconds %v: want more than apply's --step-timeout (2h)", job.ActiveDeadlineSeconds)
	}
	if pod.ServiceAccountName != k.serviceAccount.Metadata.Name {
		t.Errorf("serviceAccountName %q, want the example's %q", pod.ServiceAccountName, k.serviceAccount.Metadata.Name)
	}
	c := k.container(t)
	if len(c.Command) != 2 || c.Command[0] != "/bin/sh" || c.Command[1] != "-c" || len(c.Args) != 1 {
		t.Fatalf("command %q args %d: want [/bin/sh -c] and one script", c.Command, len(c.Args))
	}
	for _, want := range []string{"rdsup apply ", "--state", "--plan-id", "--yes", "--no-wait"} {
		if !strings.Contains(joined(c.Args[0]), want) {
			t.Errorf("the CronJob's script has no rdsup command line with %q", want)
		}
	}
	if c.SecurityContext.ReadOnlyRootFilesystem {
		mounted := false
		for _, m := range c.VolumeMounts {
			mounted = mounted || m.MountPath == c.WorkingDir
		}
		if !mounted {
			t.Errorf("readOnlyRootFilesystem: workingDir %q must be a mounted volume", c.WorkingDir)
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			if _, ok := k.secret.StringData[r.Key]; r.Name != k.secret.Metadata.Name || !ok {
				t.Errorf("env %s: secret %s key %s is not in the Secret template %s", e.Name, r.Name, r.Key, secretFile)
			}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			if _, ok := k.configMap.Data[r.Key]; r.Name != k.configMap.Metadata.Name || !ok {
				t.Errorf("env %s: configmap %s key %s is not in the example's ConfigMap", e.Name, r.Name, r.Key)
			}
		default:
			t.Errorf("env %s: valueFrom without a key reference", e.Name)
		}
	}
}

// configMapDirs are the ConfigMaps the README has made from the
// repository, by name: the directory they are made from.
var configMapDirs = map[string]string{"rdsup-policies": "fleet/policies"}

// runCronJob runs the CronJob's container as a new pod would: the command
// and args as written, the env resolved from the Secret and ConfigMap
// (secret: key → value, the test's; an optional key left out is unset).
// Every volume is a new directory: an emptyDir empty, a ConfigMap volume
// laid out as the kubelet does (files linked through ..data to a hidden
// ..<timestamp> directory) from the repository directory it is made from.
// The working directory and env values that name a mount path are those
// directories. extra is added to the env (e.g. a proxy).
func runCronJob(t *testing.T, repo string, c *cloud, secret, configMap map[string]string, extra ...string) result {
	t.Helper()
	k := loadK8s(t)
	ct := k.container(t)
	mounts := map[string]string{} // mount path → directory
	for _, m := range ct.VolumeMounts {
		dir := t.TempDir()
		for _, v := range k.cronJob.Spec.JobTemplate.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil {
				src, ok := configMapDirs[v.ConfigMap.Name]
				if !ok {
					t.Fatalf("volume %s: ConfigMap %s is not known to the test", v.Name, v.ConfigMap.Name)
				}
				configMapVolume(t, filepath.Join(repo, src), dir)
			}
		}
		mounts[m.MountPath] = dir
	}
	pod, ok := mounts[ct.WorkingDir]
	if !ok {
		t.Fatalf("workingDir %s is not a volume", ct.WorkingDir)
	}
	env := append(baseEnv(t, c.bin), extra...)
	for _, e := range ct.Env {
		switch {
		case e.ValueFrom == nil:
			v := e.Value
			if dir, ok := mounts[v]; ok {
				v = dir
			}
			env = append(env, e.Name+"="+v)
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			v, ok := secret[r.Key]
			if !ok && !r.Optional {
				t.Fatalf("env %s: the test gives no secret key %s", e.Name, r.Key)
			}
			if ok {
				env = append(env, e.Name+"="+v)
			}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			env = append(env, e.Name+"="+configMap[e.ValueFrom.ConfigMapKeyRef.Key])
		}
	}
	return runShell(t, pod, env, append(append([]string(nil), ct.Command...), ct.Args...)...)
}

// configMapVolume lays out the files of src (not its subdirectories, as
// kubectl create configmap --from-file=DIR) in dst as the kubelet mounts
// a ConfigMap.
func configMapVolume(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	stamp := "..2026_12_01_00_00_00.000000001"
	if err := os.Mkdir(filepath.Join(dst, stamp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(stamp, filepath.Join(dst, "..data")); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		writeFile(t, filepath.Join(dst, stamp, e.Name()), readFile(t, filepath.Join(src, e.Name())), 0o644)
		if err := os.Symlink(filepath.Join("..data", e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// simSecret is the Secret as the test fills it in.
func simSecret(stateURL string) map[string]string {
	return map[string]string{"state-url": stateURL, "access-key-id": rdssimtest.AccessKeyID, "access-key-secret": rdssimtest.AccessKeySecret}
}

// runCronJobUntilDone runs the CronJob (each run a new pod) until a run
// finds nothing left to wait for, at most 40 times; the simulator's
// windows pass in seconds. The first run must leave work for later
// (MaintainTime upgrades scheduled): the resume is what is tested.
func runCronJobUntilDone(t *testing.T, repo string, c *cloud, secret, configMap map[string]string) int {
	t.Helper()
	for run := 1; run <= 40; run++ {
		r := runCronJob(t, repo, c, secret, configMap)
		if r.code != 0 {
			t.Fatalf("CronJob run %d: exit %d, want 0 (the Job succeeds on apply's 0 and 3)\n%s\n%s", run, r.code, r.stdout, r.stderr)
		}
		waiting := strings.Contains(r.stdout, waitingLine)
		if run == 1 && !waiting {
			t.Fatalf("CronJob run 1 left nothing for later; the example fleet has MaintainTime upgrades\n%s\n%s", r.stdout, r.stderr)
		}
		if !waiting {
			t.Logf("the CronJob finished the plan in %d runs", run)
			return run
		}
		time.Sleep(300 * time.Millisecond) // three simulated hours
	}
	t.Fatal("the CronJob did not finish the plan in 40 runs")
	return 0
}

// storePlan makes the example fleet's plan and stores it in PostgreSQL by
// applying it once (as the merge pipelines do), returning its id.
func storePlan(t *testing.T, repo string, c *cloud, stateURL string) string {
	t.Helper()
	env := append(baseEnv(t, c.bin), "ALIBABA_CLOUD_ACCESS_KEY_ID="+rdssimtest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+rdssimtest.AccessKeySecret)
	script := `set -e
rdsup state init --state "$1" >&2
rdsup plan -i fleet/fleet.yaml -p fleet/policies -o plan.json > /dev/null
rc=0; rdsup apply plan.json -p fleet/policies --state "$1" --yes --no-wait > /dev/null || rc=$?
[ "$rc" -eq 3 ] || { echo "apply exited $rc, want 3" >&2; exit 1; }
jq -r .id plan.json`
	r := runShell(t, repo, env, "bash", "-c", script, "bash", stateURL)
	if r.code != 0 {
		t.Fatalf("store the plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// requireState: the test runs an example that keeps its state in
// PostgreSQL (and its tools).
func requireState(t *testing.T) {
	t.Helper()
	if !hasStateFlag(t) {
		t.Fatal("rdsup apply has no --state: the examples keep their state in PostgreSQL")
	}
	needTools(t)
}

// The CronJob resumes the plan from PostgreSQL, each run in a new pod
// without any file of the last, until it is done: every instance upgraded
// by exactly one call (a run that lost the journal would send the
// scheduled upgrades again).
func TestKubernetesCronJobResumesFromPostgres(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	c := newCloud(t, repo)
	stateURL := stateDB(t)
	id := storePlan(t, repo, c, stateURL)
	runCronJobUntilDone(t, repo, c, simSecret(stateURL), map[string]string{"plan-id": id[:12]})
	assertUpgradedOnce(t, c.sim, repo)
}

// Exit 1 fails the Job: another plan id, or a step the cloud refuses.
func TestKubernetesCronJobFailures(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	c := newCloud(t, repo)
	stateURL := stateDB(t)
	id := storePlan(t, repo, c, stateURL)
	if r := runCronJob(t, repo, c, simSecret(stateURL), map[string]string{"plan-id": strings.Repeat("0", 12)}); r.code != 1 || !strings.Contains(r.stdout+r.stderr, "plan not stored") {
		t.Errorf("another plan id: exit %d, want 1, plan not stored\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	c.sim.SetRefusals(map[string]string{"rm-pay-primary": "InvalidSSLstatus"})
	for run := 1; run <= 40; run++ {
		r := runCronJob(t, repo, c, simSecret(stateURL), map[string]string{"plan-id": id})
		if r.code == 1 && strings.Contains(r.stdout+r.stderr, "InvalidSSLstatus") {
			return
		}
		if r.code != 0 || !strings.Contains(r.stdout, waitingLine) {
			t.Fatalf("run %d: exit %d, want 0 while waiting, then 1 for the refused primary\n%s\n%s", run, r.code, r.stdout, r.stderr)
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatal("the refused primary never failed the Job")
}
