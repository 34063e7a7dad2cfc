#!/usr/bin/env bash
# Baselines for the policy engine: what a script writer would do with the
# opa CLI, on the same step input documents and the same built-in policies
# and data that `rdsup plan` evaluates, next to rdsup itself.
#
# usage (from the repository root):
#   policy/bench/baseline.sh [N] [SAMPLE]
#     N       instances in the synthetic fleet (planner/fleetgen), default 10000
#     SAMPLE  documents timed one `opa eval` each, default 200; the
#             per-document total is extrapolated to all steps
#   OPA=/path/to/opa  use this opa binary instead of building one
#
# The opa CLI is built from the module cache into a temporary directory
# (never committed). Prints one line per measurement, in seconds.
set -euo pipefail
n=${1:-10000}
sample=${2:-200}
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

opa=${OPA:-}
if [ -z "$opa" ]; then
  mkdir -p "$work/opabuild"
  cat >"$work/opabuild/go.mod" <<MOD
module opabuild

go 1.26

require github.com/open-policy-agent/opa $(go list -m -f '{{.Version}}' github.com/open-policy-agent/opa)
MOD
  cp go.sum "$work/opabuild/"
  printf '//go:build tools\n\npackage opabuild\n\nimport _ "github.com/open-policy-agent/opa"\n' >"$work/opabuild/tools.go"
  (cd "$work/opabuild" && GOFLAGS=-mod=mod go build -o "$work/opa" github.com/open-policy-agent/opa)
  opa=$work/opa
fi
go build -o "$work/rdsup" ./cmd/rdsup
go run ./policy/bench/gen -n "$n" -o "$work/fleet.yaml" -inputs "$work/docs"
steps=$(wc -l <"$work/docs/inputs.jsonl")
echo "fleet: $n instances, $steps steps"

# The policies and their default data, as the opa CLI loads them. The
# window rule is left out: it calls rdsup's own built-ins (rdsup.window.*),
# which the opa CLI does not have.
mkdir -p "$work/policies"
cp policy/builtin/*.rego policy/builtin/data.yaml "$work/policies/"
rm -f "$work/policies/"*_test.rego "$work/policies/window.rego"
echo "note: the opa baselines leave out window.rego (rdsup built-ins); rdsup runs it"
query='state := data.rdsup.state.deny; version := data.rdsup.version.deny; replicas := data.rdsup.replicas.deny'

# 1. opa eval once per document (sampled, extrapolated).
head -n "$sample" "$work/docs/inputs.jsonl" >"$work/sample.jsonl"
start=$(date +%s.%N)
while IFS= read -r doc; do
  printf '%s' "$doc" | "$opa" eval --stdin-input -d "$work/policies" -f json "$query" >/dev/null
done <"$work/sample.jsonl"
end=$(date +%s.%N)
per=$(echo "($end - $start) / $sample" | bc -l)
printf 'opa per document: %.4f s/doc, extrapolated to %d steps: %.1f s\n' "$per" "$steps" "$(echo "$per * $steps" | bc -l)"

# 2. one batched opa eval over all documents.
batch='out := [o | some d in input.docs; o := {"state": data.rdsup.state.deny, "version": data.rdsup.version.deny, "replicas": data.rdsup.replicas.deny} with input as d]'
/usr/bin/time -o "$work/time" -f 'opa batched eval: %e s, %M KB peak' "$opa" eval -i "$work/docs/batch.json" -d "$work/policies" -f json "$batch" >"$work/batch.out"
cat "$work/time"

# 3. rdsup: the whole command, YAML to written plan with the built-in policies.
for flags in "" "--no-default-policies"; do
  /usr/bin/time -o "$work/time" -f "rdsup plan $flags: %e s, %M KB peak" \
    "$work/rdsup" plan -i "$work/fleet.yaml" -o "$work/plan.json" --format json --at 2026-01-02T19:00:00Z $flags >/dev/null 2>"$work/plan.err" ||
    { [ $? = 2 ] || cat "$work/plan.err"; }
  cat "$work/time"
done
