#!/usr/bin/env bash
# Heavy requests under load (issue 10, item 7): one user runs eight `/list` loops (the whole
# store's consulted receptions over every day: the heaviest list there is) against
# `kefu serve` on a 3M-message demo store while another user's `wrk` loads `/ranking` and `/`.
# Reports the server's peak RSS, the p50/p95/p99 of `/ranking` and `/` (alone first, then
# under the loops, each with its own wrk) and what the loops got (200 served, 503 busy).
#
#   bash scripts/bench_list_load.sh [DB]   (default: bench-data/list-3m.db, built when missing
#                                           with `kefu demo --messages 3000000`)
#
# Environment: BENCH_SKIP_BUILD=1 skips `cargo build --release`; LOAD_SECS the duration of
# the loaded run (default 30); LOOPS the number of list loops (default 8); RANKING_CONNS the
# wrk connections on each of `/ranking` and `/` (default 4); WEB_ADDR the address.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-bench-data/list-3m.db}
addr=${WEB_ADDR:-127.0.0.1:18081}
secs=${LOAD_SECS:-30}
loops=${LOOPS:-8}
conns=${RANKING_CONNS:-4}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
[ "${BENCH_SKIP_BUILD:-}" = 1 ] || cargo build --release --quiet -p kefu-cli
kefu=target/release/kefu
if [ ! -f "$db" ]; then
    mkdir -p "$(dirname "$db")"
    echo "building $db (kefu demo --messages 3000000)"
    "$kefu" demo --db "$db" --messages 3000000 --lang en >/dev/null
fi

from=$(sqlite3 "$db" "select date(min(day)*86400, 'unixepoch') from message_days")
to=$(sqlite3 "$db" "select date(max(day)*86400, 'unixepoch') from message_days")
messages=$(sqlite3 "$db" "select sum(messages) from message_days")
store=$(sqlite3 "$db" "select name from stores order by id limit 1")
enc_store=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$store")

# Two users: the one who loops on lists, and another who looks at the ranking.
stamp=$(date +%s%N)
password=bench-$stamp
for u in looper viewer; do
    printf '%s\n' "$password" | "$kefu" user add --db "$db" --role admin "$u$stamp" >/dev/null
done

"$kefu" serve --db "$db" --addr "$addr" >/tmp/kefu-bench-list.log 2>&1 &
server=$!
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -fs "http://$addr/login" >/dev/null && break; sleep 0.2; done

login() {
    local jar=$work/$1.jar form csrf
    form=$(curl -fs -c "$jar" "http://$addr/login")
    csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -fs -b "$jar" -c "$jar" -o /dev/null \
        --data-urlencode "csrf=$csrf" --data-urlencode "name=$1$stamp" \
        --data-urlencode "password=$password" "http://$addr/login"
    awk '$6 == "kefu_session" { print $7 }' "$jar"
}
loop_sid=$(login looper)
view_sid=$(login viewer)
[ -n "$loop_sid" ] && [ -n "$view_sid" ] || { echo "login failed" >&2; exit 1; }

list="/list?store=$enc_store&figure=consulted&from=$from&to=$to"
ranking="/ranking?from=$from&to=$to"
overview="/?from=$from&to=$to"
cat >"$work/p95.lua" <<'LUA'
done = function(summary, latency, requests)
    io.write(string.format("PCT %.1f %.1f %.1f %d %d\n", latency:percentile(50) / 1000,
        latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.requests,
        summary.errors.status + summary.errors.connect + summary.errors.read
        + summary.errors.timeout))
end
LUA
# wrk SECS PATH: "p50 p95 p99" in ms, requests, failed requests (non-2xx or errors).
light_wrk() {
    wrk -t1 -c"$conns" -d"$1s" --timeout 10s -s "$work/p95.lua" \
        -H "Cookie: kefu_session=$view_sid" "http://$addr$2" | awk '$1 == "PCT" { print $2, $3, $4, $5, $6 }'
}
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$server/status"; }

# Warm: one list and a few light pages, so the page cache holds the store; then one list
# alone, timed.
curl -s -o /dev/null -H "Cookie: kefu_session=$loop_sid" "http://$addr$list"
light_wrk 3 "$ranking" >/dev/null
light_wrk 3 "$overview" >/dev/null
single=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: kefu_session=$loop_sid" "http://$addr$list")
rss_single=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$server/status")
alone_r=$(light_wrk 10 "$ranking")
alone_o=$(light_wrk 10 "$overview")
rss_idle=$(rss_kb)

# The loops, one user, for LOAD_SECS plus the ranking's run.
end=$((SECONDS + secs + 5))
for i in $(seq "$loops"); do
    (
        while [ $SECONDS -lt $end ]; do
            curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 60 \
                -H "Cookie: kefu_session=$loop_sid" "http://$addr$list" >>"$work/out$i" || true
        done
    ) &
done
(while [ $SECONDS -lt $end ]; do rss_kb >>"$work/rss"; sleep 0.2; done) &
# Now and then the other user opens a list too: it waits behind at most the looper's one.
(
    sleep 4
    while [ $SECONDS -lt $((end - 5)) ]; do
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 60 \
            -H "Cookie: kefu_session=$view_sid" "http://$addr$list" >>"$work/viewer" || true
        sleep 3
    done
) &
sleep 3
light_wrk "$secs" "$overview" >"$work/overview" &
loaded_r=$(light_wrk "$secs" "$ranking")
wait $(jobs -p | grep -v "^$server\$") 2>/dev/null || true
peak=$(sort -n "$work/rss" | tail -1)
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$server/status")
cat "$work"/out* >"$work/all"
served=$(awk '$1 == 200' "$work/all" | wc -l)
busy=$(awk '$1 == 503' "$work/all" | wc -l)
other=$(awk '$1 != 200 && $1 != 503' "$work/all" | wc -l)
list_p50=$(awk '$1 == 200 { print $2 }' "$work/all" | sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.0f", a[int((NR + 1) / 2)] * 1000 }')

loaded_o=$(cat "$work/overview")
echo "database $db: $messages messages, $from..$to, store $store"
echo "loops: $loops × GET $list (one user), $secs s; /ranking and /: wrk -c$conns each (another user)"
printf '| measure | value |\n|---|---:|\n'
printf '| one list alone (warm) | %.0f ms |\n' "$(echo "$single * 1000" | bc -l)"
printf '| server VmHWM after warm-up and one list | %d MB |\n' $((rss_single / 1024))
printf '| server RSS idle (after warm-up) | %d MB |\n' $((rss_idle / 1024))
printf '| server RSS peak under load (sampled every 0.2 s) | %d MB |\n' $((peak / 1024))
printf '| server VmHWM (peak since start) | %d MB |\n' $((hwm / 1024))
pct() {
    read -r p50 p95 p99 n bad <<<"$1"
    printf '%s / %s / %s ms (%s requests, %s failed)' "$p50" "$p95" "$p99" "$n" "$bad"
}
printf '| `/ranking` alone p50 / p95 / p99 | %s |\n' "$(pct "$alone_r")"
printf '| `/` alone p50 / p95 / p99 | %s |\n' "$(pct "$alone_o")"
printf '| `/ranking` under the loops p50 / p95 / p99 | %s |\n' "$(pct "$loaded_r")"
printf '| `/` under the loops p50 / p95 / p99 | %s |\n' "$(pct "$loaded_o")"
printf '| list requests served (200), p50 | %d, %s ms |\n' "$served" "${list_p50:-n/a}"
printf '| list requests told busy (503) | %d |\n' "$busy"
printf '| list requests otherwise | %d |\n' "$other"
printf '| the other user'"'"'s lists meanwhile (status seconds) | %s |\n' "$(tr '\n' ' ' <"$work/viewer")"
if [ "$other" -gt 0 ]; then
    echo "other answers (curl code, count):"
    awk '$1 != 200 && $1 != 503 { print $1 }' "$work/all" | sort | uniq -c
fi
