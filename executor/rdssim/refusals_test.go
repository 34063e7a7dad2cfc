package rdssim_test

import (
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim"
)

func TestRefuseInjectsTheServiceRefusal(t *testing.T) {
	status := map[string]int{
		"InvalidSSLstatus": 400, "InvalidTDEstatus": 400, "IncorrectEngineTypeMyisam": 403,
		"UnsupportedFtsIndex": 403, "InvalidAccountName.Format": 403, "IncorrectDBInstanceLockMode": 403,
	}
	if got := rdssim.RefusalCodes(); len(got) != len(status) {
		t.Fatalf("RefusalCodes() = %v, want the %d codes of this test", got, len(status))
	}
	for _, code := range rdssim.RefusalCodes() {
		t.Run(code, func(t *testing.T) {
			e := start(t, rdssim.Options{Refuse: map[string]string{"rm-crm": code}})
			_, err := e.upgrade("rm-crm", "5.6", "tok")
			wantCode(t, err, code, status[code])
			if _, err := e.upgrade("rm-crm", "5.6", "tok"); err == nil {
				t.Fatal("a repeated call was accepted: the refusal must hold")
			}
			if _, err := e.upgrade("rr-pay-1", "5.6", "other"); err != nil {
				t.Fatalf("another instance was refused too: %v", err)
			}
			if v, _ := e.sim.Instance("rm-crm"); v.Upgrades != 0 || v.Refuse != code || v.Status != "Running" {
				t.Fatalf("rm-crm = %+v, want untouched, refusing %s", v, code)
			}
			if a := e.attr(t, "rm-crm")[0]; (a.LockMode != "Unlock") != (code == "IncorrectDBInstanceLockMode") {
				t.Fatalf("rm-crm LockMode = %q with refusal %s", a.LockMode, code)
			}
		})
	}
}

func TestRefuseIsValidated(t *testing.T) {
	tests := []struct {
		name   string
		refuse map[string]string
		want   []string
	}{
		{"unknown instance", map[string]string{"rm-nope": "InvalidSSLstatus"}, []string{"rm-nope", "no instance"}},
		{"unknown code", map[string]string{"rm-crm": "InvalidSSLStatus"}, []string{"rm-crm", `unknown refusal code "InvalidSSLStatus"`, "InvalidSSLstatus, InvalidTDEstatus"}},
		{"empty code", map[string]string{"rm-crm": ""}, []string{"unknown refusal code"}},
		{"both, every problem reported", map[string]string{"rm-x": "Nope", "rm-y": "InvalidTDEstatus"}, []string{"no instance rm-x", `"Nope"`, "no instance rm-y"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rdssim.NewChecked(fleet(), rdssim.Options{Refuse: tc.refuse})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	s, err := rdssim.NewChecked(fleet(), rdssim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	state, err := s.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rdssim.Restore(state, rdssim.Options{Refuse: map[string]string{"rm-gone": "InvalidTDEstatus"}}); err == nil || !strings.Contains(err.Error(), "rm-gone") {
		t.Fatalf("Restore with a refusal of an unknown instance: %v", err)
	}
}
