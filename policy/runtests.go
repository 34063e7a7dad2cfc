package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule (test_*).
type TestResult struct {
	File     string // file the test is in, e.g. "builtin/state_test.rego"
	Line     int
	Name     string // data.rdsup.state_test.test_running_is_allowed
	Pass     bool
	Skip     bool
	Err      error // evaluation error, if any (the test fails)
	Output   string
	Duration time.Duration
}

// RunTests runs the *_test.rego tests of the built-in policies (unless
// opts.NoDefaults) and of opts.Dirs, with the policies' data loaded (the
// built-in defaults merged with opts.DataFiles). The results are sorted by
// file, then line. An error means the tests could not run (a file that does
// not parse or compile, a missing directory); failing tests are results.
func RunTests(ctx context.Context, opts Options) ([]TestResult, error) {
	files, data, _, err := loadSet(opts, true)
	if err != nil {
		return nil, err
	}
	modules, err := parseModules(files)
	if err != nil {
		return nil, err
	}
	if err := checkSandbox(modules); err != nil {
		return nil, err
	}
	store := inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false))
	runner := tester.NewRunner().
		SetStore(store).
		SetModules(modules).
		SetCompiler(newCompiler().WithEnablePrintStatements(true)).
		RaiseBuiltinErrors(true).
		SetDefaultRegoVersion(ast.RegoV1).
		CapturePrintOutput(true).
		SetTimeout(30 * time.Second)
	if opts.Workers > 0 {
		runner.SetParallel(opts.Workers)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("compile policy tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{
			Name:     r.Package + "." + r.Name,
			Pass:     r.Pass(),
			Skip:     r.Skip,
			Err:      r.Error,
			Output:   strings.TrimSpace(string(r.Output)),
			Duration: r.Duration,
		}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		out = append(out, tr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, nil
}
