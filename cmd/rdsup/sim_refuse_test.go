package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

func TestParseRefuse(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    map[string]string
		wantErr string
	}{
		{"none", nil, nil, ""},
		{"one", []string{"rm-1=InvalidSSLstatus"}, map[string]string{"rm-1": "InvalidSSLstatus"}, ""},
		{"repeated", []string{"rm-1=InvalidTDEstatus", "rr-2=UnsupportedFtsIndex", "rm-1=InvalidTDEstatus"},
			map[string]string{"rm-1": "InvalidTDEstatus", "rr-2": "UnsupportedFtsIndex"}, ""},
		{"locked", []string{"rm-1=IncorrectDBInstanceLockMode"}, map[string]string{"rm-1": "IncorrectDBInstanceLockMode"}, ""},
		{"no code", []string{"rm-1"}, nil, "want ID=CODE"},
		{"empty code", []string{"rm-1="}, nil, "want ID=CODE"},
		{"empty id", []string{"=InvalidSSLstatus"}, nil, "want ID=CODE"},
		{"unknown code", []string{"rm-1=SSLOn"}, nil, `unknown refusal code "SSLOn"; known codes: IncorrectDBInstanceLockMode,`},
		{"wrong case", []string{"rm-1=InvalidSSLStatus"}, nil, `unknown refusal code "InvalidSSLStatus"`},
		{"a wrong-state code is no refusal", []string{"rm-1=IncorrectDBInstanceState"}, nil, "unknown refusal code"},
		{"two codes for one instance", []string{"rm-1=InvalidSSLstatus", "rm-1=InvalidTDEstatus"}, nil, "already refuses with InvalidSSLstatus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRefuse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "--refuse") {
					t.Fatalf("err = %v, want one naming --refuse and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("parseRefuse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("parseRefuse(%q) = %v, want %v", tc.in, got, tc.want)
				}
			}
		})
	}
}

func TestSimRefuseUnknownInstance(t *testing.T) {
	var out, errb bytes.Buffer
	err := runSim(t.Context(), &out, &errb, &simOptions{inventory: exampleFleet, listen: "127.0.0.1:0", timeScale: 1,
		refuse: []string{"rm-nope=InvalidSSLstatus"}})
	if err == nil || !strings.Contains(err.Error(), "refuse rm-nope=InvalidSSLstatus: no instance rm-nope") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(out.String(), "endpoint:") {
		t.Fatalf("served a simulator despite the bad --refuse:\n%s", out.String())
	}
}

// TestSimRefuseFailsApply: `rdsup sim --refuse ID=CODE`, then `rdsup apply`
// against it: the refused step fails as not eligible with what to fix, its
// primary is blocked, the other cluster is upgraded, and apply exits 1.
func TestSimRefuseFailsApply(t *testing.T) {
	t.Setenv(envAccessKeyID, rdssimtest.AccessKeyID)
	t.Setenv(envAccessKeySecret, rdssimtest.AccessKeySecret)
	path, _ := planFile(t, exampleFleet)
	endpoint, _, stop := serveSim(t, &simOptions{inventory: exampleFleet, listen: "127.0.0.1:0", timeScale: 1, seed: 1,
		upgradeDuration: 30 * time.Millisecond, refuse: []string{"rr-shop-ro1=IncorrectEngineTypeMyisam"}})
	defer stop()
	out, stderr, code := runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms", "--keep-going")
	if code != exitError {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitError, out, stderr)
	}
	for _, want := range []string{"not eligible", "IncorrectEngineTypeMyisam", "convert them to InnoDB"} {
		if !strings.Contains(out+stderr, want) {
			t.Errorf("output does not say %q:\n%s\n%s", want, out, stderr)
		}
	}
	resp, err := http.Get(endpoint + "/_sim/instances")
	if err != nil {
		t.Fatal(err)
	}
	var inst []rdssim.InstanceView
	err = json.NewDecoder(resp.Body).Decode(&inst)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"rr-shop-ro1": "5.5", "rm-shop-db": "5.5", "rm-shop-dr": "5.6", "rm-crm-db": "5.6"}
	for _, in := range inst {
		if in.EngineVersion != want[in.ID] {
			t.Errorf("%s on %s, want %s", in.ID, in.EngineVersion, want[in.ID])
		}
		if in.ID == "rr-shop-ro1" && in.Refuse != "IncorrectEngineTypeMyisam" {
			t.Errorf("/_sim/instances shows refuse %q for rr-shop-ro1", in.Refuse)
		}
	}
}
