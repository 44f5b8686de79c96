#!/usr/bin/env bash
# A year of one big store, imported month by month into one growing database.
#
#   bash scripts/bench_year.sh                          # 100M messages over 2026 (the full run)
#   YEAR_MESSAGES=12000000 bash scripts/bench_year.sh   # a quick check at 1M a month
#
# For each month: `kefu demo --only-from/--only-to` writes that month of the year's store
# (the same roster, buyers and volume plan as if the whole year were generated at once),
# `kefu import --db` adds it to the database (timed: wall seconds and peak RSS), the database
# size is recorded, and the month's CSV files are deleted. Then the 12-month reports are
# timed: `kefu report --by account` and `--by store`, and the web API's /api/v1/report.
# See docs/benchmark.md ("A year of one big store").
#
# Environment:
#   YEAR_MESSAGES   messages over the year (default 100000000)
#   YEAR_AGENTS     people on the roster (default 500)
#   YEAR_START      first day (default 2026-01-01); the year is 12 calendar months from it
#   YEAR_RUNS       how many times each report is timed (default 5)
#   YEAR_KEEP_DB=1  keep the database afterwards (default: deleted)
#   YEAR_SKIP_WEB=1 skip the web API timing
#   KEFU_BIN=path, BENCH_SKIP_BUILD=1   use another kefu binary / skip the build
set -euo pipefail

N="${YEAR_MESSAGES:-100000000}"
AGENTS="${YEAR_AGENTS:-500}"
START="${YEAR_START:-2026-01-01}"
RUNS="${YEAR_RUNS:-5}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

case "$START" in
  ????-??-01) ;;
  *) echo "bench_year.sh: YEAR_START must be the first day of a month, got $START" >&2; exit 2 ;;
esac
END="$(date -d "$START +12 months -1 day" +%F)"
DAYS=$(( ($(date -ud "$END" +%s) - $(date -ud "$START" +%s)) / 86400 + 1 ))

if [ ! -x /usr/bin/time ]; then
  if command -v apt-get >/dev/null; then
    (apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; })
  fi
  [ -x /usr/bin/time ] || { echo "bench_year.sh: /usr/bin/time (GNU time) is missing" >&2; exit 1; }
fi

KEFU="${KEFU_BIN:-$ROOT/target/release/kefu}"
if [ -z "${KEFU_BIN:-}" ] && [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  cargo build --release --quiet -p kefu-cli
fi

WORK="bench-data/year-$N"
DB="$WORK/year.db"
MONTH_DIR="$WORK/month"
RESULTS="$WORK/results.txt"
TIMEFILE="$(mktemp)"
SERVER=""
cleanup() {
  rm -f "$TIMEFILE"
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$WORK"
mkdir -p "$WORK"

free_gb() { df -P --block-size=1G "$ROOT" | awk 'NR == 2 { print $4 }'; }
db_bytes() {
  local total=0 f
  for f in "$DB" "$DB-wal"; do
    [ -f "$f" ] && total=$((total + $(stat -c %s "$f")))
  done
  echo "$total"
}
# CSV of a month, estimated as in docs/benchmark.md: ~140 bytes a message.
need_gb=$(( N / 12 * 140 / 1000000000 + 2 ))
if [ "$(free_gb)" -lt $((need_gb + N / 1000000 * 60 / 1000 + 1)) ]; then
  echo "bench_year.sh: less than $((need_gb + N / 1000000 * 60 / 1000 + 1)) GB free on $(df -P "$ROOT" | awk 'NR == 2 { print $6 }')" >&2
  exit 1
fi

{
  echo "# A year of one big store: $N messages, $AGENTS agents, $START .. $END"
  echo "# $(date -u +%FT%TZ), $(nproc) cores, kefu $("$KEFU" --version 2>/dev/null || echo '?')"
} | tee "$RESULTS"

ROWS=()
LOADS=()
total_msgs=0
for k in $(seq 0 11); do
  from="$(date -d "$START +$k months" +%F)"
  to="$(date -d "$START +$((k + 1)) months -1 day" +%F)"
  rm -rf "$MONTH_DIR"
  gen_start=$(date +%s.%N)
  "$KEFU" demo --write-files "$MONTH_DIR" --start "$START" --days "$DAYS" \
    --agents "$AGENTS" --messages "$N" --only-from "$from" --only-to "$to" 2>/dev/null
  gen_s=$(echo "$(date +%s.%N) - $gen_start" | bc)
  files=("$MONTH_DIR/agents.csv")
  while IFS= read -r f; do files+=("$f"); done < <(ls "$MONTH_DIR"/messages-*.csv | sort)
  files+=("$MONTH_DIR/orders.csv" "$MONTH_DIR/refunds.csv" "$MONTH_DIR/ratings.csv")
  msgs=0
  for f in "$MONTH_DIR"/messages-*.csv; do
    msgs=$((msgs + $(wc -l <"$f") - 1))
  done
  csv_gb=$(du -sb "$MONTH_DIR" | awk '{ printf "%.2f", $1 / 1e9 }')
  if ! /usr/bin/time -f "%e %M %U %S" -o "$TIMEFILE" "$KEFU" import --db "$DB" "${files[@]}" >/dev/null; then
    echo "bench_year.sh: import of $from .. $to failed" >&2
    cat "$TIMEFILE" >&2
    exit 1
  fi
  read -r wall kb user sys < <(tail -n 1 "$TIMEFILE")
  load=$(cut -d' ' -f1 /proc/loadavg)
  LOADS+=("$load")
  rm -rf "$MONTH_DIR"
  total_msgs=$((total_msgs + msgs))
  bytes=$(db_bytes)
  row=$(awk -v m="${from:0:7}" -v n="$msgs" -v t="$total_msgs" -v w="$wall" -v kb="$kb" \
      -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" -v b="$bytes" -v g="$gen_s" -v l="$load" 'BEGIN {
    printf "| %s | %d | %.1f | %.1f | %.1f | %.2f | %d | 0 | %.2f | %.3f | %.1f | %s |",
      m, n, t / 1e6, w, cpu, (n > 0 ? cpu / (n / 1e6) : 0), kb / 1024, b / 1e9, (t > 0 ? b / 1e9 / (t / 1e6) : 0), g, l }')
  # (the ninth column is filled in below, once month 2's CPU seconds per million are known)
  ROWS+=("$row")
  echo "$row   (CSV ${csv_gb} GB)"
done

# CPU seconds (user + system) per million messages, relative to month 2 (month 1 starts from an
# empty database and has no earlier month around it to recompute): on a shared machine the
# wall time follows the load, the CPU time the work.
ref=$(printf '%s\n' "${ROWS[1]}" | awk -F'|' '{ print $7 }')
{
  echo
  echo "| month | messages | stored M | import s | CPU s | CPU s per M | peak MB | CPU per M vs month 2 | DB GB | GB per M stored | generate s | load 1 min |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    printf '%s\n' "$row" | awk -F'|' -v ref="$ref" 'BEGIN { OFS = "|" } {
      $9 = sprintf(" %.2f ", $7 / ref); print }'
  done
} | tee -a "$RESULTS"

# --- the 12-month reports -----------------------------------------------------------------
# time_runs LABEL CMD...: runs CMD RUNS times, prints each wall time and the median.
time_runs() {
  local label="$1"; shift
  local times=() cpus=() i
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M %U %S" -o "$TIMEFILE" "$@" >/dev/null
    read -r wall kb user sys < <(tail -n 1 "$TIMEFILE")
    times+=("$wall")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')")
  done
  local median cpu
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  printf '| %s | %s | %s | %s | %d |\n' "$label" "$median" "${times[*]}" "$cpu" "$((kb / 1024))"
}
{
  echo
  echo "12-month reports, $START .. $END, $RUNS runs each (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  echo "| command | median s | every run s | median CPU s | peak MB |"
  echo "|---|---:|---|---:|---:|"
  time_runs "kefu report --by account" "$KEFU" report --db "$DB" --from "$START" --to "$END" --by account
  time_runs "kefu report --by store" "$KEFU" report --db "$DB" --from "$START" --to "$END" --by store
  time_runs "kefu report --by account --format json" "$KEFU" report --db "$DB" --from "$START" --to "$END" --by account --format json
} | tee -a "$RESULTS"

if [ -z "${YEAR_SKIP_WEB:-}" ]; then
  addr="${WEB_ADDR:-127.0.0.1:18081}"
  user="bencher$(date +%s)"
  password="bench-$(date +%s%N)"
  printf '%s\n' "$password" | "$KEFU" user add --db "$DB" --role admin "$user" >/dev/null
  "$KEFU" serve --db "$DB" --addr "$addr" >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -fs "http://$addr/login" >/dev/null && break; sleep 0.2; done
  jar="$WORK/cookies"
  form=$(curl -fs -c "$jar" "http://$addr/login")
  csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode "name=$user" --data-urlencode "password=$password" \
    "http://$addr/login"
  sid=$(awk '$6 == "kefu_session" { print $7 }' "$jar")
  [ -n "$sid" ] || { echo "bench_year.sh: login failed" >&2; exit 1; }
  {
    for by in account store; do
      path="/api/v1/report?by=$by&from=$START&to=$END"
      times=()
      for _ in $(seq "$RUNS"); do
        times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Cookie: kefu_session=$sid" "http://$addr$path")")
      done
      median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
      printf '| GET %s | %s | %s | | |\n' "$path" "$median" "${times[*]}"
    done
  } | tee -a "$RESULTS"
  rm -f "$jar"
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
fi

echo "load average during the imports (1 min, after each month): ${LOADS[*]}" | tee -a "$RESULTS"
if [ -z "${YEAR_KEEP_DB:-}" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.rejects.csv"
  echo "database deleted (YEAR_KEEP_DB=1 keeps it); results in $RESULTS"
else
  echo "database kept: $DB; results in $RESULTS"
fi
