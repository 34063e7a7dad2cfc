package examples_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

const (
	prWorkflow    = "github-actions/rdsup-plan.yml"
	mergeWorkflow = "github-actions/rdsup-apply.yml"
	// commentLimit is the most a GitHub comment (and job summary) holds.
	commentLimit = 65536
)

// fakeGH is `gh` for the examples: `gh pr comment N --body-file F …`
// keeps F as the pull request's comment, `gh pr view N …` prints it back
// (as `--jq '… | .body'` would print the bot's comment bodies).
const fakeGH = `#!/bin/sh
echo "gh $*" >> "$FORGE/gh.log"
case "$1 $2" in
"pr comment")
	pr=$3; shift 3
	while [ $# -gt 0 ]; do
		case "$1" in --body-file) cp "$2" "$FORGE/pr-$pr-comment.md"; shift ;; esac
		shift
	done ;;
"pr view") cat "$FORGE/pr-$3-comment.md" ;;
*) echo "fake gh: not faked: $*" >&2; exit 1 ;;
esac
`

// github is a run of GitHub workflows on one pull request.
type github struct {
	repo, forge, fakes string
	cloud              *cloud
	stateURL           string
	outputs            map[string]string // steps.ID.outputs.KEY → value
	stepIDs            map[string]bool   // of the job being run
}

func newGitHub(t *testing.T, repo string, c *cloud, stateURL string) *github {
	t.Helper()
	g := &github{repo: repo, forge: t.TempDir(), fakes: t.TempDir(), cloud: c, stateURL: stateURL}
	writeFile(t, filepath.Join(g.fakes, "gh"), fakeGH, 0o755)
	return g
}

// githubContext are the expressions the examples may use, with the test's
// values; secrets are the simulator's key pair and the test's PostgreSQL.
func (g *github) githubContext(expr string) (string, bool) {
	switch expr {
	case "github.token":
		return "ghs_test_token", true
	case "github.event.pull_request.number":
		return "7", true
	case "github.event.pull_request.merge_commit_sha":
		return "0123456789abcdef0123456789abcdef01234567", true
	case "secrets.RDSUP_STATE":
		return g.stateURL, true
	case "secrets.ALIBABA_CLOUD_ACCESS_KEY_ID":
		return rdssimtest.AccessKeyID, true
	case "secrets.ALIBABA_CLOUD_ACCESS_KEY_SECRET":
		return rdssimtest.AccessKeySecret, true
	}
	if v, ok := g.outputs[expr]; ok {
		return v, true
	}
	// an output of a step that did not set it (or did not run) is empty
	id, _, _ := strings.Cut(strings.TrimPrefix(expr, "steps."), ".")
	return "", strings.HasPrefix(expr, "steps.") && g.stepIDs[id]
}

var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand replaces every ${{ expr }} of s; an unknown one fails the test.
func (g *github) expand(t *testing.T, where, s string) string {
	t.Helper()
	return expression.ReplaceAllStringFunc(s, func(m string) string {
		expr := expression.FindStringSubmatch(m)[1]
		v, ok := g.githubContext(expr)
		if !ok {
			t.Errorf("%s: ${{ %s }} is not known to the test (add it to githubContext)", where, expr)
		}
		return v
	})
}

// stepRun is what one step did.
type stepRun struct {
	result
	ran bool
}

// runJob runs the job's steps in order as the runner does (bash -e, one
// step after the other, the next only if all before succeeded or it says
// `if: always()`), and returns each step's result by id, and the summary.
func (g *github) runJob(t *testing.T, file string, w workflow, job string) (map[string]stepRun, string) {
	t.Helper()
	j, ok := w.Jobs[job]
	if !ok {
		t.Fatalf("%s has no job %q", file, job)
	}
	g.outputs, g.stepIDs = map[string]string{}, map[string]bool{}
	for _, s := range j.Steps {
		g.stepIDs[s.ID] = s.ID != ""
	}
	runs := map[string]stepRun{}
	summary := filepath.Join(t.TempDir(), "summary.md")
	failed := false
	for i, s := range j.Steps {
		where := file + ": job " + job + ": step " + s.ID
		if s.ID == "" && s.Uses == "" {
			t.Errorf("%s: step %d has no id", file, i+1)
		}
		for k, v := range s.With {
			s.With[k] = g.expand(t, where+": with."+k, v)
		}
		if s.Uses != "" || s.ID == "install" {
			continue // the test's checkout holds fleet/, rdsup is on PATH
		}
		switch s.If {
		case "":
			if failed {
				continue
			}
		case "always()":
		default:
			t.Fatalf("%s: if: %q is not known to the test", where, s.If)
		}
		out := filepath.Join(t.TempDir(), "output")
		writeFile(t, out, "", 0o644)
		env := append(baseEnv(t, g.cloud.bin, g.fakes), "FORGE="+g.forge, "GITHUB_STEP_SUMMARY="+summary, "GITHUB_OUTPUT="+out)
		for _, scope := range []map[string]string{w.Env, s.Env} {
			for k, v := range scope {
				env = append(env, k+"="+g.expand(t, where+": env."+k, v))
			}
		}
		script := filepath.Join(t.TempDir(), "step.sh")
		writeFile(t, script, g.expand(t, where+": run", s.Run), 0o644)
		r := runShell(t, g.repo, env, "bash", "-e", script)
		runs[s.ID] = stepRun{r, true}
		if r.code != 0 {
			failed = true
		}
		for _, line := range strings.Split(readFile(t, out), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				g.outputs["steps."+s.ID+".outputs."+k] = v
			}
		}
	}
	sum, _ := os.ReadFile(summary)
	return runs, string(sum)
}

func loadWorkflow(t *testing.T, file string) workflow {
	t.Helper()
	w := decodeStrict[workflow](t, file)
	if len(w) != 1 {
		t.Fatalf("%s: %d documents, want 1", file, len(w))
	}
	return w[0]
}

// The structure GitHub and the review flow rely on.
func TestGitHubWorkflowsStructure(t *testing.T) {
	pr, merge := loadWorkflow(t, prWorkflow), loadWorkflow(t, mergeWorkflow)
	for file, w := range map[string]workflow{prWorkflow: pr, mergeWorkflow: merge} {
		if w.On.PullRequest == nil || !slices.Contains(w.On.PullRequest.Paths, "fleet/**") {
			t.Errorf("%s: want on.pull_request.paths [fleet/**] (runs when the inventory or policies change)", file)
		}
		for name, j := range w.Jobs {
			if j.RunsOn == "" || len(j.Steps) == 0 {
				t.Errorf("%s: job %s needs runs-on and steps", file, name)
			}
			ids := map[string]bool{}
			for _, s := range j.Steps {
				if s.Uses != "" && !usesPinned.MatchString(s.Uses) {
					t.Errorf("%s: uses %q: pin an action to a major version (owner/name@vN)", file, s.Uses)
				}
				if s.Uses != "" && s.Run != "" {
					t.Errorf("%s: step %s has both uses and run", file, s.ID)
				}
				if s.ID != "" && ids[s.ID] {
					t.Errorf("%s: step id %s twice", file, s.ID)
				}
				ids[s.ID] = true
			}
		}
	}
	if pr.On.PullRequest != nil && len(pr.On.PullRequest.Types) != 0 {
		t.Errorf("%s: runs on the default pull_request events (opened, synchronize, reopened)", prWorkflow)
	}
	if pr.Permissions["pull-requests"] != "write" || pr.Permissions["contents"] != "read" {
		t.Errorf("%s: permissions %v, want contents: read and pull-requests: write (the comment)", prWorkflow, pr.Permissions)
	}
	if merge.On.PullRequest == nil || !slices.Contains(merge.On.PullRequest.Types, "closed") {
		t.Errorf("%s: want on.pull_request.types [closed]", mergeWorkflow)
	}
	if j := merge.Jobs["apply"]; j.If != "github.event.pull_request.merged == true" {
		t.Errorf("%s: job apply: if %q, want only merged pull requests", mergeWorkflow, j.If)
	}
	if merge.Concurrency.Group == "" || merge.Concurrency.CancelInProgress {
		t.Errorf("%s: want one concurrency group, never cancelling a running apply", mergeWorkflow)
	}
	prRuns, mergeRuns := prSteps(t), []string(nil)
	for _, s := range merge.Jobs["apply"].Steps {
		mergeRuns = append(mergeRuns, s.Run)
	}
	for _, want := range []string{"rdsup plan ", "--format markdown", "--max-bytes", "rdsup check ", "--format github"} {
		if !strings.Contains(joined(prRuns...), want) {
			t.Errorf("%s: no rdsup command line with %q", prWorkflow, want)
		}
	}
	for _, want := range []string{"rdsup apply ", "--plan-id", "--state", "--yes", "--no-wait"} {
		if !strings.Contains(joined(mergeRuns...), want) {
			t.Errorf("%s: no rdsup command line with %q", mergeWorkflow, want)
		}
	}
}

// annotation is a GitHub workflow command line: ::error|warning|notice,
// optional comma-separated key=value properties, ::, the message.
var annotation = regexp.MustCompile(`^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::\S.*$`)

// runPR runs the pull-request workflow on repo and checks what every run
// must give: a summary and a comment under GitHub's limit carrying the plan
// id, annotations only on the check's stdout.
func runPR(t *testing.T, repo string, c *cloud) (*github, map[string]stepRun, string) {
	t.Helper()
	needTools(t)
	g := newGitHub(t, repo, c, "")
	runs, summary := g.runJob(t, prWorkflow, loadWorkflow(t, prWorkflow), "plan")
	for _, id := range []string{"plan", "summary", "comment", "check"} {
		if !runs[id].ran {
			t.Fatalf("step %s did not run: %+v", id, runs)
		}
	}
	for _, id := range []string{"plan", "summary", "comment"} {
		if r := runs[id]; r.code != 0 {
			t.Fatalf("step %s: exit %d\n%s\n%s", id, r.code, r.stdout, r.stderr)
		}
	}
	comment := readFile(t, filepath.Join(g.forge, "pr-7-comment.md"))
	if len(comment) > commentLimit || len(summary) > commentLimit {
		t.Errorf("comment %d bytes, summary %d bytes: over GitHub's %d", len(comment), len(summary), commentLimit)
	}
	if !regexp.MustCompile(`(?m)^<!-- rdsup-plan id=[0-9a-f]{64} at=\S+Z -->$`).MatchString(comment) || !strings.Contains(summary, "## rdsup plan") {
		t.Errorf("comment lacks the plan marker or the summary the plan:\n%.500s\n---\n%.500s", comment, summary)
	}
	checkRoomForMarker(t, prWorkflow, joined(prSteps(t)...), comment)
	if log := readFile(t, filepath.Join(g.forge, "gh.log")); !strings.Contains(log, "--edit-last --create-if-none") {
		t.Errorf("gh calls %q: want one comment per pull request, updated", log)
	}
	lines := strings.Split(strings.TrimSpace(runs["check"].stdout), "\n")
	for _, l := range lines {
		if !annotation.MatchString(l) {
			t.Errorf("check stdout line %q is not a GitHub workflow command", l)
		}
	}
	return g, runs, comment
}

// A pull request with an applicable plan: everything passes, no
// credentials needed.
func TestGitHubPullRequest(t *testing.T) {
	repo := newRepo(t, nil)
	_, runs, _ := runPR(t, repo, newCloud(t, repo))
	if r := runs["check"]; r.code != 0 || !strings.Contains(r.stdout, "::notice title=rdsup check::5 steps checked, 0 steps denied") {
		t.Errorf("check: exit %d, want 0 and the notice\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// A pull request whose plan a team policy denies: plan and comment are
// still published, then the check fails the job (exit 2) with one
// ::error annotation per denied step.
func TestGitHubPullRequestDenied(t *testing.T) {
	repo := newRepo(t, func(s string) string {
		return strings.Replace(s, "tags: {env: staging, team: shop}", `tags: {env: staging, team: shop, freeze: "true"}`, 1)
	})
	_, runs, comment := runPR(t, repo, newCloud(t, repo))
	r := runs["check"]
	if r.code != 2 || strings.Count(r.stdout, "::error ") != 1 || !strings.Contains(r.stdout, "tagged freeze=true") {
		t.Errorf("check: exit %d, want 2 and one ::error for the frozen instance\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(comment, "tagged freeze=true") {
		t.Errorf("the comment does not show the denial:\n%.2000s", comment)
	}
}

// A large fleet: the comment (marker and Markdown) still fits GitHub's
// limit, cut with a note.
func TestGitHubPullRequestLargeFleetFitsComment(t *testing.T) {
	repo := newRepo(t, func(string) string {
		var b strings.Builder
		b.WriteString("defaults: {region: cn-hangzhou, engine: MySQL, targetVersion: \"5.6\", engineVersion: \"5.5\", status: Running, role: primary, effectiveTime: MaintainTime, maintainTime: \"02:00Z-06:00Z\"}\ninstances:\n")
		for i := range 3000 {
			fmt.Fprintf(&b, "  - id: rm-fleet-%04d\n", i)
		}
		return b.String()
	})
	_, runs, comment := runPR(t, repo, newCloud(t, repo))
	if runs["check"].code != 0 {
		t.Errorf("check: exit %d\n%s", runs["check"].code, runs["check"].stderr)
	}
	if len(comment) < commentLimit-4096 || !strings.Contains(comment, "not shown") {
		t.Errorf("comment of %d bytes, want it filled to near %d and cut with a note", len(comment), commentLimit)
	}
}

// prSteps are the scripts of the pull-request job.
func prSteps(t *testing.T) []string {
	var runs []string
	for _, s := range loadWorkflow(t, prWorkflow).Jobs["plan"].Steps {
		runs = append(runs, s.Run)
	}
	return runs
}

// checkRoomForMarker: the Markdown may take all of rdsup plan's
// --max-bytes (default 65536), and the comment adds the marker line (its
// first) to it; both must fit GitHub's limit whatever the fleet.
func checkRoomForMarker(t *testing.T, file, lines, comment string) {
	t.Helper()
	max := 65536
	if m := regexp.MustCompile(`rdsup plan .*--max-bytes[ =](\d+)`).FindStringSubmatch(lines); m != nil {
		max, _ = strconv.Atoi(m[1])
	}
	marker, _, _ := strings.Cut(comment, "\n")
	if n := len(marker) + 1 + max; n > commentLimit {
		t.Errorf("%s: the comment may be %d bytes (marker line %d + --max-bytes %d), over GitHub's %d", file, n, len(marker)+1, max, commentLimit)
	}
}

// The whole flow: the pull request is planned and commented, the merge
// applies the reviewed plan id into PostgreSQL (exit 3 is a success: steps
// wait for their windows), and the CronJob finishes it from there.
func TestGitHubMergeAppliesReviewedPlanThenCronJobFinishes(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	c := newCloud(t, repo)
	g, _, _ := runPR(t, repo, c)
	g.stateURL = stateDB(t)
	runs, summary := g.runJob(t, mergeWorkflow, loadWorkflow(t, mergeWorkflow), "apply")
	for _, id := range []string{"reviewed", "apply", "status"} {
		if r := runs[id]; !r.ran || r.code != 0 {
			t.Fatalf("step %s: ran %v, exit %d, want 0\n%s\n%s", id, r.ran, r.code, r.stdout, r.stderr)
		}
	}
	id := g.outputs["steps.reviewed.outputs.id"]
	if !strings.Contains(runs["apply"].stdout, "::notice::plan "+id) || !strings.Contains(summary, "scheduled") {
		t.Errorf("apply should leave MaintainTime upgrades scheduled (exit 3, a notice) and the summary show them\n%s\n---\n%s", runs["apply"].stdout, summary)
	}
	if log := readFile(t, filepath.Join(g.forge, "gh.log")); !strings.Contains(log, "gh pr view 7 --json comments") {
		t.Errorf("the merge did not read the reviewed id from the pull request: %s", log)
	}
	runCronJobUntilDone(t, repo, c, simSecret(g.stateURL), map[string]string{"plan-id": id})
	assertUpgradedOnce(t, c.sim, repo)
}

// A merge whose inventory is not the reviewed one (main moved on, or a
// push after the plan comment) is refused: nothing is upgraded.
func TestGitHubMergeRefusesUnreviewedPlan(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	c := newCloud(t, repo)
	g, _, _ := runPR(t, repo, c)
	fleet := filepath.Join(repo, "fleet", "fleet.yaml")
	writeFile(t, fleet, strings.Replace(readFile(t, fleet), `maintainTime: "18:00Z-22:00Z"`, `maintainTime: "19:00Z-22:00Z"`, 1), 0o644)
	g.stateURL = stateDB(t)
	runs, _ := g.runJob(t, mergeWorkflow, loadWorkflow(t, mergeWorkflow), "apply")
	if r := runs["apply"]; r.code != 1 || !strings.Contains(r.stderr, "only the plan approved in review may run") {
		t.Errorf("apply: exit %d, want 1 refusing the unreviewed plan\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if calls := upgradeCalls(c.sim); len(calls) != 0 {
		t.Errorf("upgrade calls %v, want none", calls)
	}

	// No plan comment at all: nothing was reviewed.
	g2 := newGitHub(t, repo, c, g.stateURL)
	runs, _ = g2.runJob(t, mergeWorkflow, loadWorkflow(t, mergeWorkflow), "apply")
	if r := runs["reviewed"]; r.code != 1 || !strings.Contains(r.stdout, "has no rdsup plan comment") || runs["apply"].ran {
		t.Errorf("without a plan comment: exit %d, want 1 and no apply\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
