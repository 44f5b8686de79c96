#!/usr/bin/env bash
# Times `kefu plan run` for a month of a 300-agent demo store (docs/plans.md, "Speed").
# Usage: scripts/bench_plan.sh [AGENTS] [RUNS]
set -euo pipefail
agents=${1:-300}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -p kefu-cli --manifest-path "$root/Cargo.toml" >&2
kefu="$root/target/release/kefu"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/demo.db"
echo "building a demo store with $agents agents (30 days of November 2026)…" >&2
"$kefu" demo --db "$db" --agents "$agents" --days 30 >/dev/null
# `kefu demo` stores the three shipped plans as in force from its first month.
size=$(du -h "$db" | cut -f1)
echo "database: $size" >&2
timeit() {
  local label=$1; shift
  local best=999999 total=0
  for _ in $(seq "$runs"); do
    local start end ms
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    total=$(( total + ms ))
    (( ms < best )) && best=$ms
  done
  printf '%-58s best %5d ms  mean %5d ms  (%d runs)\n' "$label" "$best" $(( total / runs )) "$runs"
}
timeit "plan run --plan presale.toml (one plan, json)" \
  "$kefu" plan run --db "$db" --month 2026-11 --plan "$root/plans/presale.toml" --format json
timeit "plan run (3 stored plans + previous month, table)" \
  "$kefu" plan run --db "$db" --month 2026-11
timeit "plan run (3 stored plans, payroll xlsx)" \
  "$kefu" plan run --db "$db" --month 2026-11 --format xlsx --output "$work/payroll.xlsx"
