package output

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
)

// report is a check of three steps: one denied twice (one finding with
// metadata), one warned, one clean.
func report() *policy.Report {
	p := &plans.Plan{
		ID: "4f1c2e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e",
		Inputs: plans.Inputs{
			PolicyDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			PolicyAt:     "2026-03-04T19:00:00Z",
		},
		Steps: []plans.Step{
			{ID: "rr-pay-ro1", InstanceID: "rr-pay-ro1", Policy: plans.Verdict{
				Warn: []plans.Finding{{Rule: "rdsup.window.warn", Message: `instance rr-pay-ro1 has no valid maintenance window (maintainTime "", expected HH:MMZ-HH:MMZ in UTC); set one so upgrades can be scheduled`}},
			}},
			{ID: "rm-pay-db", InstanceID: "rm-pay-db", Policy: plans.Verdict{
				Deny: []plans.Finding{
					{Rule: "rdsup.state.deny", Message: "instance rm-pay-db is Stopped, not Running; wait until it is Running (or fix it), then plan again"},
					{Rule: "rdsup.team.deny", Message: "payments freeze: 100% of <writes> & \"reads\" blocked,\nsee DBA-7", Metadata: map[string]any{"ticket": "DBA-7"}},
				},
			}},
			{ID: "rm-crm-db", InstanceID: "rm-crm-db"},
		},
	}
	return policy.NewReport("plans/pay.json", p)
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, format, report()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "report."+format), buf.Bytes())
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	err := Render(&bytes.Buffer{}, "yaml", report())
	if err == nil || !strings.Contains(err.Error(), `unknown output format "yaml"`) || !strings.Contains(err.Error(), "table, json, junit, github") {
		t.Errorf("err = %v", err)
	}
}

func TestJSONIsDocumentedShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, JSON, report()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		PlanID     string `json:"planId"`
		Applicable *bool  `json:"applicable"`
		Denied     int    `json:"denied"`
		Warnings   int    `json:"warnings"`
		Steps      []struct {
			Step string            `json:"step"`
			Deny []json.RawMessage `json:"deny"`
			Warn []json.RawMessage `json:"warn"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Applicable == nil || *doc.Applicable || doc.Denied != 1 || doc.Warnings != 1 || len(doc.Steps) != 3 {
		t.Errorf("doc = %+v", doc)
	}
	if doc.Steps[2].Deny == nil || doc.Steps[2].Warn == nil {
		t.Error("empty finding lists must be [], not null")
	}
}

func TestJUnitParses(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, JUnit, report()); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Suites[0]
	if s.Tests != 3 || s.Failures != 1 || s.Cases[1].Failure == nil || s.Cases[0].Failure != nil ||
		!strings.Contains(s.Cases[1].Failure.Text, `100% of <writes> & "reads"`) {
		t.Errorf("suite = %+v", s)
	}
}

func TestGitHubEscapes(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, GitHub, report()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 3 findings and a notice, got:\n%s", buf.String())
	}
	if !strings.Contains(lines[2], "100%25 of") || !strings.Contains(lines[2], "%0Asee DBA-7") || !strings.HasPrefix(lines[2], "::error file=plans/pay.json,title=rdsup.team.deny%3A rm-pay-db") {
		t.Errorf("not escaped: %s", lines[2])
	}
	if !strings.HasPrefix(lines[0], "::warning ") {
		t.Errorf("warn is not a ::warning: %s", lines[0])
	}
}
