package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rdsup/rdsup/policy"
	"github.com/spf13/cobra"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test and show the Rego policies that check plan steps",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyTestCmd(), newPolicyShowCmd())
	return cmd
}

type policyTestOptions struct {
	dirs       []string
	data       []string
	noDefaults bool
	verbose    bool
	stdout     io.Writer
}

func newPolicyTestCmd() *cobra.Command {
	o := &policyTestOptions{}
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the *_test.rego tests of the built-in policies and of the given directories",
		Long: `Test runs the Rego unit tests (rules named test_*) in the *_test.rego files of
the built-in policies and of each directory given, with the policy data
loaded (built-in defaults merged with --data files), and prints PASS or
FAIL per test like ` + "`opa test`" + `.

Exit codes: 0 every test passed, 1 a test failed or the policies do not
compile.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dirs, o.stdout = args, cmd.OutOrStdout()
			return runPolicyTest(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.data, "data", nil, "YAML or JSON data file merged over the built-in policy data; repeatable")
	f.BoolVar(&o.noDefaults, "no-default-policies", false, "leave out the built-in policies and their tests")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print test durations and the print() output of passing tests too")
	return cmd
}

func runPolicyTest(ctx context.Context, o *policyTestOptions) error {
	results, err := policy.RunTests(ctx, policy.Options{Dirs: o.dirs, DataFiles: o.data, NoDefaults: o.noDefaults})
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return fmt.Errorf("no tests found: write rules named test_* in *_test.rego files")
	}
	failed, skipped, file := 0, 0, ""
	for _, r := range results {
		if r.File != file {
			file = r.File
			fmt.Fprintf(o.stdout, "%s:\n", file)
		}
		outcome := "PASS"
		switch {
		case r.Skip:
			outcome = "SKIPPED"
			skipped++
		case r.Err != nil:
			outcome = "ERROR"
			failed++
		case !r.Pass:
			outcome = "FAIL"
			failed++
		}
		line := fmt.Sprintf("%s: %s", r.Name, outcome)
		if o.verbose {
			line += fmt.Sprintf(" (%s)", r.Duration)
		}
		fmt.Fprintln(o.stdout, line)
		if r.Err != nil {
			fmt.Fprintf(o.stdout, "  %s:%d: %v\n", r.File, r.Line, r.Err)
		}
		if r.Output != "" && (outcome != "PASS" || o.verbose) {
			fmt.Fprintf(o.stdout, "  %s\n", r.Output)
		}
	}
	fmt.Fprintln(o.stdout, "--------------------------------------------------------------------------------")
	passed := len(results) - failed - skipped
	if failed > 0 {
		fmt.Fprintf(o.stdout, "PASS: %d/%d\nFAIL: %d/%d\n", passed, len(results), failed, len(results))
		return fmt.Errorf("%d of %d policy tests failed", failed, len(results))
	}
	fmt.Fprintf(o.stdout, "PASS: %d/%d\n", passed, len(results))
	return nil
}

func newPolicyShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print the built-in policies and their default data",
		Long: `Show prints every built-in policy module and the default data the built-in
policies read (override it with --data FILE), so a reviewer can see exactly
what is enforced.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPolicyShow(cmd.OutOrStdout())
		},
	}
}

func runPolicyShow(w io.Writer) error {
	for _, f := range append(policy.Builtin(false), policy.DefaultData()) {
		if _, err := fmt.Fprintf(w, "# ---- %s ----\n%s\n", f.Name, f.Data); err != nil {
			return err
		}
	}
	return nil
}
