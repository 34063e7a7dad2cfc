package executor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The executor owns its cloud boundary: it defines Cloud and its types,
// executor/rdsapi implements them, and the Alibaba SDK stays out of the
// executor's imports.
func TestExecutorDoesNotImportTheSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v: %s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/aliyun/") || pkg == "github.com/rdsup/rdsup/executor/rdsapi" {
			t.Errorf("executor imports %s; the adapter must import the executor, not the reverse", pkg)
		}
	}
}
