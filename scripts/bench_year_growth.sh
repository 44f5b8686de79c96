#!/usr/bin/env bash
# Does an import cost more because of what the store already holds? The year's store of
# scripts/bench_year.sh, measured month against month on the same machine state:
#
#   month 2 imported into a database of month 1, and month 12 into one of months 1..11,
#   each binary in turn on a fresh copy of the same base, ROUNDS times.
#
# Month 2 already pays everything a later month pays for being a later month (the previous
# month's last days loaded as context); what month 12 costs more per message is what grows
# with the stored data. Single year runs (bench_year.sh) are a poorer measure of that: the
# months run minutes apart and the machine's state moves their CPU seconds by up to 20 %.
#
#   bash scripts/bench_year_growth.sh BINARY...         # e.g. a main build and this build
#
# Environment: GROWTH_DIR (default bench-data/year-growth: the bases, ~4.5 GB, are kept and
# reused), GROWTH_ROUNDS (2), YEAR_MESSAGES (100000000), YEAR_AGENTS (500), BASE_BIN (the
# binary that writes the bases and the files; default the first BINARY).
set -euo pipefail
[ "$#" -ge 1 ] || { echo "usage: bench_year_growth.sh BINARY..." >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${GROWTH_DIR:-$ROOT/bench-data/year-growth}"
ROUNDS="${GROWTH_ROUNDS:-2}"
N="${YEAR_MESSAGES:-100000000}"
AGENTS="${YEAR_AGENTS:-500}"
BASE_BIN="${BASE_BIN:-$1}"
mkdir -p "$DIR"
cd "$DIR"

# month_files K: writes month K of the year (2026) into mK/ once, prints its files in the
# order bench_year.sh imports them
month_files() {
  local k=$1 from to
  from=$(date -d "2026-01-01 +$((k - 1)) months" +%F)
  to=$(date -d "2026-01-01 +$k months -1 day" +%F)
  if [ ! -f "m$k/.complete" ]; then
    rm -rf "m$k"
    "$BASE_BIN" demo --write-files "m$k" --start 2026-01-01 --days 365 --agents "$AGENTS" \
      --messages "$N" --only-from "$from" --only-to "$to" >/dev/null 2>&1
    touch "m$k/.complete"
  fi
  echo "m$k/agents.csv $(ls m$k/messages-*.csv | sort | tr '\n' ' ') m$k/orders.csv m$k/refunds.csv m$k/ratings.csv"
}

# base DB LAST: months 1..LAST imported one after another into DB, once
base() {
  local db=$1 last=$2 k
  [ -f "$db.complete" ] && return
  rm -f "$db" "$db-journal"
  for k in $(seq 1 "$last"); do
    # shellcheck disable=SC2046
    "$BASE_BIN" import --db "$db" $(month_files "$k") >/dev/null
    # keep only the months measured below
    [ "$k" -eq 2 ] || [ "$k" -eq 12 ] || rm -rf "m$k"
    echo "   base $db: month $k imported ($(date +%T))" >&2
  done
  touch "$db.complete"
}

base y1.db 1
base y11.db 11
M2=$(month_files 2)
M12=$(month_files 12)

printf '| round | binary | import | messages | wall s | user s | sys s | CPU s | CPU s per M | peak MB |\n'
printf '|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n'
for r in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do
    for pair in "y1.db:2:$M2" "y11.db:12:$M12"; do
      IFS=: read -r db month files <<<"$pair"
      cp "$db" t.db
      sync
      msgs=0
      for f in $files; do
        case "$f" in */messages-*) msgs=$((msgs + $(wc -l <"$f") - 1)) ;; esac
      done
      # shellcheck disable=SC2086
      read -r wall user sys kb < <(/usr/bin/time -f "%e %U %S %M" "$bin" import --db t.db $files 2>&1 >/dev/null | tail -n 1)
      cpu=$(printf '%.2f' "$(echo "$user + $sys" | bc)")
      printf '| %s | %s | month %s into months 1..%s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$r" "$(basename "$bin")" "$month" "$((month - 1))" "$msgs" "$wall" "$user" "$sys" "$cpu" \
        "$(printf '%.2f' "$(echo "scale=4; $cpu * 1000000 / $msgs" | bc)")" "$((kb / 1024))"
      rm -f t.db t.db-journal
    done
  done
done
