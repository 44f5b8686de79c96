#!/usr/bin/env bash
# kefu benchmark against an independent DuckDB peer (scripts/duckdb_figures.py).
#
#   bash scripts/bench.sh [MESSAGES]        # default 1000000; 10000000 for the big run
#
# See docs/benchmark.md. Steps (each timed: wall seconds and peak RSS, GNU time):
#   a. cargo build --release -p kefu-cli
#   b. kefu demo --write-files bench-data/N (once; 30 days, 200 agents, N messages)
#   c. kefu import (all files but the last day's messages) + kefu report over the period
#   d. kefu recompute (every figure again from the database)
#   e. kefu import of the held-back last day + report over the last 30 days
#   f. duckdb_figures.py over the same files as (c)
#   g. compare (c)'s report with DuckDB's figures
#   h. table and kefu/duckdb ratios
#
# Environment:
#   BENCH_SKIP_KEFU=1       only steps f-h (with BENCH_DATA=synthetic: no kefu binary needed)
#   BENCH_DATA=synthetic    generate data with scripts/gen_synthetic.py instead of kefu demo
#                           (into bench-data/synthetic-N), for trying the DuckDB side alone
#   BENCH_CHECK_FULL=1      also run DuckDB over all files and compare with (e)'s report
#                           (checks the incremental import)
#   BENCH_SHUFFLE=1         steps c and f read one message file in random row order instead of
#                           the per-day files: every day but the last, concatenated and put
#                           through `shuf` with a fixed seed (into bench-data/shuf-N, once),
#                           as real exports come (grouped by buyer, newest first, overlapping)
#   BENCH_DAYS, BENCH_AGENTS  demo size (default 30, 200)
#   KEFU_BIN=path, BENCH_SKIP_BUILD=1   use another kefu binary / skip step a
set -euo pipefail

N="${1:-1000000}"
DAYS="${BENCH_DAYS:-30}"
AGENTS="${BENCH_AGENTS:-200}"
STORE="晨光旗舰店"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\n== %s\n' "$*"; }

# --- tools ------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time"
  if command -v apt-get >/dev/null; then
    (apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; })
  fi
  [ -x /usr/bin/time ] || { echo "bench.sh: /usr/bin/time (GNU time) is missing" >&2; exit 1; }
fi
VENV="$ROOT/.venv-bench"
PY="$VENV/bin/python"
if ! "$PY" -c 'import duckdb' 2>/dev/null; then
  say "creating $VENV with duckdb"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb
fi

# --- timing -------------------------------------------------------------------------------------
RESULTS=()            # "step|wall|peak_kb"
declare -A WALL PEAK
TIMEFILE="$(mktemp)"
trap 'rm -f "$TIMEFILE"' EXIT

# timed NAME CMD...: runs CMD under GNU time, records wall seconds and peak RSS
timed() {
  local name="$1"; shift
  echo "-- $name: $*" | cut -c1-300
  if ! /usr/bin/time -f "%e %M" -o "$TIMEFILE" "$@"; then
    echo "bench.sh: step '$name' failed" >&2
    cat "$TIMEFILE" >&2
    exit 1
  fi
  local wall kb
  read -r wall kb < <(tail -n 1 "$TIMEFILE")
  WALL[$name]="$wall"; PEAK[$name]="$kb"
  RESULTS+=("$name|$wall|$kb")
  printf '   %s: %s s, %s MB peak\n' "$name" "$wall" "$((kb / 1024))"
}

KEFU="${KEFU_BIN:-$ROOT/target/release/kefu}"

# --- a. build -------------------------------------------------------------------------------------
if [ -z "${BENCH_SKIP_KEFU:-}" ] && [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  say "a. build"
  timed build cargo build --release -p kefu-cli
fi

# --- b. data ----------------------------------------------------------------------------------------
if [ "${BENCH_DATA:-}" = synthetic ]; then
  DIR="bench-data/synthetic-$N"
else
  DIR="bench-data/$N"
fi
say "b. data in $DIR"
if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR" "$DIR.partial"
  mkdir -p bench-data
  if [ "${BENCH_DATA:-}" = synthetic ]; then
    timed generate "$PY" scripts/gen_synthetic.py "$DIR.partial" --messages "$N" --days "$DAYS" --agents "$AGENTS"
  else
    timed generate "$KEFU" demo --write-files "$DIR.partial" --days "$DAYS" --agents "$AGENTS" --messages "$N"
  fi
  mv "$DIR.partial" "$DIR"
  touch "$DIR/.complete"
else
  echo "   present, reused"
fi

shopt -s nullglob
MSGS=("$DIR"/messages-*.csv)
[ "${#MSGS[@]}" -ge 2 ] || { echo "bench.sh: expected messages-YYYY-MM-DD.csv files in $DIR" >&2; exit 1; }
IFS=$'\n' MSGS=($(printf '%s\n' "${MSGS[@]}" | sort)); unset IFS
LAST_FILE="${MSGS[-1]}"
FIRST="$(basename "${MSGS[0]}" .csv)"; FIRST="${FIRST#messages-}"
LAST="$(basename "$LAST_FILE" .csv)"; LAST="${LAST#messages-}"
WIN_FROM="$(date -d "$LAST -29 days" +%F)"
OTHER=()
for f in agents orders refunds ratings; do
  [ -f "$DIR/$f.csv" ] && OTHER+=("$DIR/$f.csv")
done
BASE_FILES=("${OTHER[@]}" "${MSGS[@]:0:${#MSGS[@]}-1}")
echo "   ${#MSGS[@]} days of messages, $FIRST .. $LAST; held back: $(basename "$LAST_FILE")"
NAME="$(basename "$DIR")"

if [ -n "${BENCH_SHUFFLE:-}" ]; then
  # One file of every day but the last, rows in random order; the seed is fixed (GNU shuf's
  # documented way: a keyed stream of bytes) so that every run reads the same file.
  NAME="shuf-$NAME"
  SHUF_FILE="bench-data/$NAME/messages.csv"
  if [ ! -f "bench-data/$NAME/.complete" ]; then
    say "b'. shuffling the message files into $SHUF_FILE"
    rm -rf "bench-data/$NAME"
    mkdir -p "bench-data/$NAME"
    seeded() { openssl enc -aes-256-ctr -pass pass:kefu-bench -nosalt </dev/zero 2>/dev/null; }
    {
      head -n 1 "${MSGS[0]}"
      for f in "${MSGS[@]:0:${#MSGS[@]}-1}"; do tail -n +2 "$f"; done | shuf --random-source=<(seeded)
    } >"$SHUF_FILE.partial"
    mv "$SHUF_FILE.partial" "$SHUF_FILE"
    touch "bench-data/$NAME/.complete"
  else
    echo "   $SHUF_FILE present, reused"
  fi
  BASE_FILES=("${OTHER[@]}" "$SHUF_FILE")
fi

DB="bench-data/$NAME.db"
KEFU_JSON="bench-data/$NAME.kefu.json"
KEFU_INC_JSON="bench-data/$NAME.kefu-incremental.json"
DUCK_JSON="bench-data/$NAME.duckdb.json"

if [ -z "${BENCH_SKIP_KEFU:-}" ]; then
  # --- c. import + report -------------------------------------------------------------------------
  say "c. kefu import + report (all but the last day)"
  rm -f "$DB" "$DB-wal" "$DB-shm"
  timed kefu_import "$KEFU" import --db "$DB" "${BASE_FILES[@]}"
  timed kefu_report "$KEFU" report --db "$DB" --from "$FIRST" --to "$LAST" --by account --format json --output "$KEFU_JSON"

  # --- d. recompute -------------------------------------------------------------------------------
  say "d. kefu recompute"
  timed kefu_recompute "$KEFU" recompute --db "$DB"

  # --- e. one more day ----------------------------------------------------------------------------
  say "e. kefu incremental import of $LAST + report over $WIN_FROM .. $LAST"
  timed kefu_import_day "$KEFU" import --db "$DB" "$LAST_FILE"
  timed kefu_report_30d "$KEFU" report --db "$DB" --from "$WIN_FROM" --to "$LAST" --by account --format json --output "$KEFU_INC_JSON"
fi

# --- f. DuckDB --------------------------------------------------------------------------------------
say "f. DuckDB over the same files as (c)"
timed duckdb "$PY" scripts/duckdb_figures.py --store "$STORE" --from "$FIRST" --to "$LAST" --output "$DUCK_JSON" "${BASE_FILES[@]}"

# --- g. agreement -----------------------------------------------------------------------------------
AGREEMENT="not checked (kefu skipped)"
if [ -z "${BENCH_SKIP_KEFU:-}" ]; then
  say "g. kefu vs DuckDB"
  if "$PY" scripts/compare_figures.py "$KEFU_JSON" "$DUCK_JSON"; then AGREEMENT=AGREE; else AGREEMENT=DIFFER; fi
  # informational: every figure of metrics.md §5, tighter tolerance
  echo "   all figures:"
  if "$PY" scripts/compare_figures.py "$KEFU_JSON" "$DUCK_JSON" --keys all --rtol 1e-9 | sed 's/^/   /'; then
    AGREEMENT="$AGREEMENT (all figures agree within 1e-9)"
  else
    AGREEMENT="$AGREEMENT (some other figures differ, see above)"
  fi
  if [ -n "${BENCH_CHECK_FULL:-}" ]; then
    FULL_JSON="bench-data/$NAME.duckdb-full.json"
    timed duckdb_full "$PY" scripts/duckdb_figures.py --store "$STORE" --from "$WIN_FROM" --to "$LAST" --output "$FULL_JSON" "${OTHER[@]}" "${MSGS[@]}"
    if "$PY" scripts/compare_figures.py "$KEFU_INC_JSON" "$FULL_JSON" --keys all --rtol 1e-9; then
      AGREEMENT="$AGREEMENT; incremental AGREE"
    else
      AGREEMENT="$AGREEMENT; incremental DIFFER"
    fi
  fi
fi

# --- h. table -----------------------------------------------------------------------------------------
say "h. results: $N messages, $DAYS days, $AGENTS agents ($DIR${BENCH_SHUFFLE:+, one file in random order: $SHUF_FILE})"
TABLE="$(mktemp)"
{
  printf '%-28s %10s %10s\n' step "wall s" "peak MB"
  for r in "${RESULTS[@]}"; do
    IFS='|' read -r name wall kb <<<"$r"
    printf '%-28s %10s %10d\n' "$name" "$wall" "$((kb / 1024))"
  done
  if [ -z "${BENCH_SKIP_KEFU:-}" ]; then
    awk -v i="${WALL[kefu_import]}" -v r="${WALL[kefu_report]}" -v pi="${PEAK[kefu_import]}" -v pr="${PEAK[kefu_report]}" \
        -v d="${WALL[duckdb]}" -v dp="${PEAK[duckdb]}" -v rc="${WALL[kefu_recompute]}" -v rcp="${PEAK[kefu_recompute]}" \
        -v ei="${WALL[kefu_import_day]}" -v er="${WALL[kefu_report_30d]}" 'BEGIN {
      p = (pi > pr ? pi : pr)
      printf "%-28s %10.2f %10d\n", "kefu import+report (c)", i + r, p / 1024
      printf "\nratios kefu/duckdb:\n"
      printf "  import+report / duckdb      %6.2f  (target < 1)\n", (i + r) / d
      printf "  recompute / duckdb          %6.2f  (target <= 0.5)\n", rc / d
      printf "  peak memory (c) / duckdb    %6.2f\n", p / dp
      printf "  peak memory recompute/duckdb %5.2f\n", rcp / dp
      printf "\ntargets: one more day import %.2f s (< 2 s), 30-day report %.2f s (< 0.5 s)\n", ei, er
    }'
  fi
  printf '\nagreement (g): %s\n' "$AGREEMENT"
} | tee "$TABLE"
cp "$TABLE" "bench-data/$NAME.results.txt"
rm -f "$TABLE"
echo "(saved to bench-data/$NAME.results.txt)"
case "$AGREEMENT" in *DIFFER*) exit 1 ;; esac
