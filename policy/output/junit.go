package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/rdsup/rdsup/policy"
)

// junitRenderer writes a JUnit XML document: one test suite for the plan,
// one test case per step. A denied step is a failure (one line per deny);
// warnings go to the case's system-out.
type junitRenderer struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (junitRenderer) Render(w io.Writer, r *policy.Report) error {
	suite := junitSuite{
		Name:     "rdsup check " + r.PlanFile,
		Tests:    len(r.Steps),
		Failures: r.Denied,
		Properties: []junitProperty{
			{"planId", r.PlanID}, {"policyDigest", r.PolicyDigest}, {"at", r.At},
		},
		Cases: make([]junitCase, len(r.Steps)),
	}
	for i, s := range r.Steps {
		c := junitCase{Name: stepLabel(s.Step, s.Instance), ClassName: "rdsup.plan"}
		if len(s.Deny) > 0 {
			lines := make([]string, len(s.Deny))
			for j, f := range s.Deny {
				lines[j] = f.Rule + ": " + f.Message
			}
			c.Failure = &junitFailure{
				Message: fmt.Sprintf("%d policy denial(s)", len(s.Deny)),
				Type:    "deny",
				Text:    strings.Join(lines, "\n"),
			}
		}
		if len(s.Warn) > 0 {
			lines := make([]string, len(s.Warn))
			for j, f := range s.Warn {
				lines[j] = "warn " + f.Rule + ": " + f.Message
			}
			c.SystemOut = strings.Join(lines, "\n")
		}
		suite.Cases[i] = c
	}
	doc := junitSuites{Name: "rdsup", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("render junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
