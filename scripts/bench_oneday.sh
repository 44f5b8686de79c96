#!/usr/bin/env bash
# One more day (bench.sh step e) with the worklist refresh whole (as before issue 11's fourth
# round: KEFU_BENCH_WORKLIST_WHOLE=1) and in part, on copies of one database, twice; the two
# databases' worklist rows are compared after each pair. See docs/benchmark.md.
#
#   bash scripts/bench_oneday.sh [MESSAGES]      # default 1000000; needs target/release/kefu
set -euo pipefail
N="${1:-1000000}"
cd "$(dirname "$0")/.."
K=target/release/kefu; DIR=bench-data/$N
if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR" "$DIR.partial"; mkdir -p bench-data
  $K demo --write-files "$DIR.partial" --days 30 --agents 200 --messages "$N" >/dev/null
  mv "$DIR.partial" "$DIR"; touch "$DIR/.complete"
fi
MSGS=($(ls "$DIR"/messages-*.csv | sort)); LAST="${MSGS[-1]}"
OTHER=(); for f in agents orders refunds ratings; do [ -f "$DIR/$f.csv" ] && OTHER+=("$DIR/$f.csv"); done
BASE=bench-data/oneday-$N-base.db
if [ ! -f "$BASE.complete" ]; then
  rm -f "$BASE"*; $K import --db "$BASE" "${OTHER[@]}" "${MSGS[@]:0:${#MSGS[@]}-1}" >/dev/null; touch "$BASE.complete"
fi
for run in 1 2; do
  for mode in whole part; do
    D=bench-data/oneday-$N-$mode.db; rm -f "$D" "$D-wal" "$D-shm"; cp "$BASE" "$D"
    [ -f "$BASE-wal" ] && cp "$BASE-wal" "$D-wal"
    echo "run $run $mode: $(uptime | sed 's/.*load/load/')"
    if [ $mode = whole ]; then export KEFU_BENCH_WORKLIST_WHOLE=1; else unset KEFU_BENCH_WORKLIST_WHOLE; fi
    /usr/bin/time -f "   %e s wall, %U user + %S sys, %M KB" $K import --db "$D" "$LAST" >/dev/null
  done
  unset KEFU_BENCH_WORKLIST_WHOLE
  for mode in whole part; do
    sqlite3 bench-data/oneday-$N-$mode.db "select * from worklist_items order by store_id, key; select store_id, as_of, import_id, cursor, basis from worklist_state" > bench-data/oneday-$N-$mode.json
  done
  if cmp -s bench-data/oneday-$N-whole.json bench-data/oneday-$N-part.json; then echo "   lists: SAME ($(wc -l < bench-data/oneday-$N-part.json) rows)"; else echo "   lists: DIFFER"; fi
done
