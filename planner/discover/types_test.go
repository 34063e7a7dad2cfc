package discover

import (
	"context"
	"strings"
	"testing"
)

// fakeAccount is one region's instances as a plain struct, for the cases
// the simulator does not produce (Temp instances, a guard that only its
// primary names, a type rdsup does not know).
type fakeAccount struct{ insts []Instance }

func (f *fakeAccount) Regions(context.Context) ([]string, error) { return []string{"cn-hangzhou"}, nil }
func (f *fakeAccount) ListInstances(_ context.Context, _ string, _ Filter, _ string) ([]Instance, string, error) {
	return f.insts, "", nil
}
func (f *fakeAccount) Describe(_ context.Context, _ string, ids []string) ([]Instance, error) {
	var out []Instance
	for _, in := range f.insts {
		for _, id := range ids {
			if in.ID == id {
				out = append(out, in)
			}
		}
	}
	return out, nil
}
func (f *fakeAccount) Tags(context.Context, string, []string, string) (map[string]map[string]string, string, error) {
	return map[string]map[string]string{"rm-a": {"env": "prod", "acs:rm:rgId": "rg-1", "aliyun-x": "y"}}, "", nil
}

func TestTypesAndLinks(t *testing.T) {
	base := Instance{Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.7", Status: "Running"}
	mk := func(id, typ, master, guard string) Instance {
		in := base
		in.ID, in.Type, in.Master, in.Guard = id, typ, master, guard
		return in
	}
	acct := &fakeAccount{insts: []Instance{
		mk("rm-a", "Primary", "", "rg-a"),
		mk("rg-a", "Guard", "", ""), // only its primary names it
		mk("rr-a", "Readonly", "rm-a", ""),
		mk("rt-a", "Temp", "rm-a", ""),
	}}
	res, err := Discover(t.Context(), acct, Options{Regions: []string{"cn-hangzhou"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range res.InventoryInstances() {
		got[in.ID] = in.Role + ">" + in.Primary
		if in.ID == "rm-a" && (len(in.Tags) != 1 || in.Tags["env"] != "prod") {
			t.Errorf("rm-a tags %v: want env=prod without the service's own tags", in.Tags)
		}
	}
	want := map[string]string{"rm-a": "primary>", "rg-a": "disaster-recovery>rm-a", "rr-a": "readonly>rm-a"}
	if len(got) != len(want) || got["rg-a"] != want["rg-a"] || got["rr-a"] != want["rr-a"] || got["rm-a"] != want["rm-a"] {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "skipped rt-a: a temporary instance") {
		t.Errorf("notes %q, want the Temp instance skipped", res.Notes)
	}

	acct.insts = append(acct.insts, mk("rx-a", "Shadow", "rm-a", ""), mk("rg-b", "Guard", "", ""))
	_, err = Discover(t.Context(), acct, Options{Regions: []string{"cn-hangzhou"}})
	for _, w := range []string{`instance rx-a (cn-hangzhou): unknown DBInstanceType "Shadow"`, "instance rg-b (cn-hangzhou, disaster-recovery): the API names no primary"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v, want %q", err, w)
		}
	}
}
