// Command gen writes the inputs of the policy benchmarks: a synthetic
// inventory of N instances (planner/fleetgen), and, with -inputs, the
// input documents of every step of its plan exactly as the policies see
// them, for the opa CLI baselines (see ../baseline.sh).
//
//	go run ./policy/bench/gen -n 10000 -o fleet.yaml
//	go run ./policy/bench/gen -n 10000 -inputs DIR   # DIR/inputs.jsonl, DIR/batch.json
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/policy"
)

func main() {
	n := flag.Int("n", 10000, "instances")
	seed := flag.Int64("seed", 1, "generator seed")
	out := flag.String("o", "", "write the inventory YAML here")
	inputs := flag.String("inputs", "", "write step input documents into this directory")
	at := flag.String("at", "2026-01-02T19:00:00Z", "input.plan.at")
	flag.Parse()
	if err := run(*n, *seed, *out, *inputs, *at); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(n int, seed int64, out, inputs, atText string) error {
	yaml := fleetgen.YAML(n, seed)
	if out != "" {
		if err := os.WriteFile(out, yaml, 0o644); err != nil {
			return err
		}
	}
	if inputs == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, atText)
	if err != nil {
		return err
	}
	inv, err := planner.Parse("fleet.yaml", yaml)
	if err != nil {
		return err
	}
	p, err := planner.Build(inv)
	if err != nil {
		return err
	}
	docs, err := policy.InputJSON(p, at)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(inputs, 0o755); err != nil {
		return err
	}
	jl, err := os.Create(filepath.Join(inputs, "inputs.jsonl"))
	if err != nil {
		return err
	}
	defer jl.Close()
	w := bufio.NewWriter(jl)
	for _, d := range docs {
		w.Write(d)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	b, err := os.Create(filepath.Join(inputs, "batch.json"))
	if err != nil {
		return err
	}
	defer b.Close()
	bw := bufio.NewWriter(b)
	bw.WriteString(`{"docs":[`)
	for i, d := range docs {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(d)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}
