#!/usr/bin/env bash
# Automatic quality rules benchmark: the full default rule set (qa/rules.toml) over every
# reception of a demo store.
#
#   bash scripts/bench_qa.sh [MESSAGES]     # default 10000000 (30 days, 200 agents)
#
# Uses bench-data/N.db when scripts/bench.sh left one, else generates the demo store. The run
# writes hits into a copy (bench-data/N.qa.db), so the benchmark's database stays as it was.
# Reports receptions, wall seconds, receptions per second, CPU seconds and peak RSS (GNU
# time). On a busy machine compare CPU seconds: wall time then measures the neighbours too.
#
# Environment: KEFU_BIN=path, BENCH_SKIP_BUILD=1, BENCH_DAYS, BENCH_AGENTS (demo size).
set -euo pipefail

N="${1:-10000000}"
DAYS="${BENCH_DAYS:-30}"
AGENTS="${BENCH_AGENTS:-200}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
KEFU="${KEFU_BIN:-$ROOT/target/release/kefu}"

if [ -z "${BENCH_SKIP_BUILD:-}" ] && [ -z "${KEFU_BIN:-}" ]; then
  cargo build --release -p kefu-cli
fi
mkdir -p bench-data
SOURCE="bench-data/$N.db"
if [ ! -f "$SOURCE" ]; then
  echo "generating $SOURCE ($N messages, $DAYS days, $AGENTS agents)"
  "$KEFU" demo --db "$SOURCE" --days "$DAYS" --agents "$AGENTS" --messages "$N" >/dev/null
fi
COPY="bench-data/$N.qa.db"
cp "$SOURCE" "$COPY"
# One untimed run first: it migrates the copy's schema and warms the page cache, so the timed
# run measures rule evaluation, not a first read of the file from disk.
"$KEFU" --lang en qa run --db "$COPY" --format csv >/dev/null 2>&1
LOG="$(mktemp)"
/usr/bin/time -v "$KEFU" --lang en qa run --db "$COPY" --format csv >/dev/null 2>"$LOG"
receptions="$(grep -oE '[0-9]+ receptions' "$LOG" | head -1 | grep -oE '[0-9]+' || echo 0)"
hits="$(grep -oE '[0-9]+ hits' "$LOG" | head -1 | grep -oE '[0-9]+' || echo 0)"
wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$LOG" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')"
peak_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$LOG")"
cpu="$(awk -F': ' '/Percent of CPU/ {print $2}' "$LOG")"
user_s="$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$LOG")"
sys_s="$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$LOG")"
echo "messages            $N"
echo "receptions          $receptions"
echo "hits                $hits"
echo "wall s              $wall"
awk -v r="$receptions" -v w="$wall" 'BEGIN { if (w > 0) printf "receptions/s        %.0f\ns per 1M receptions %.2f\n", r / w, w * 1000000 / r }'
echo "peak MB             $((peak_kb / 1024))"
echo "CPU                 $cpu (user $user_s s, system $sys_s s; other load on the machine shows as a lower share)"
uptime
grep -E 'days' "$LOG" | head -3
rm -f "$LOG"
