#!/usr/bin/env bash
# Times the web app under load: `kefu serve` (release) on a benchmark database, an admin
# logged in, `wrk` for 15 s per page, 30-day ranges (the whole-store list: the last day).
# The load generator runs on the same machine and takes CPU from the server, as it would on
# a 2-core box.
#
#   bash scripts/bench_web.sh [DB]        (default: bench-data/10000000.db from scripts/bench.sh)
#
# Environment: BENCH_SKIP_BUILD=1 skips `cargo build --release`; WEB_PAGES overrides the list
# of paths; WEB_SECS the duration per page; WEB_ADDR the address; KEFU_BENCH_NO_PERCENTILES=1
# serves without reading first response times (p50/p90 empty: only to measure what they cost).
#
# wrk's p95 comes from scripts/wrk_p95.lua (wrk prints p50/75/90/99 only); the last column is
# the body's size as a browser fetches it (gzip). Besides wrk's latencies, the table gives the server's CPU time per request (user + system
# time of the server process over the run, divided by the requests served): on a shared
# machine that number moves far less with other load than the latencies do.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-bench-data/10000000.db}
addr=${WEB_ADDR:-127.0.0.1:18080}
secs=${WEB_SECS:-15}
[ -f "$db" ] || { echo "no database at $db: run scripts/bench.sh 10000000 first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: sudo apt-get install -y wrk" >&2; exit 2; }
[ "${BENCH_SKIP_BUILD:-}" = 1 ] || cargo build --release --quiet
kefu=target/release/kefu

# The store's last day of data, so that the ranges are the 30 days that have data.
to=$(sqlite3 "$db" "select date(max(day)*86400, 'unixepoch') from message_days" 2>/dev/null || true)
[ -n "$to" ] || to=2026-11-30
from=$(date -d "$to -29 days" +%F)
store=$(sqlite3 "$db" "select name from stores order by id limit 1" 2>/dev/null || true)
enc_store=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$store")
account=$(sqlite3 "$db" "select name from accounts where in_roster = 1 and is_bot = 0 order by account_id limit 1" 2>/dev/null || true)
enc_account=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$account")

password=bench-$(date +%s%N)
user=bencher$(date +%s)
printf '%s\n' "$password" | "$kefu" user add --db "$db" --role admin "$user" >/dev/null

"$kefu" serve --db "$db" --addr "$addr" >/tmp/kefu-bench-web.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://$addr/login" >/dev/null && break; sleep 0.2; done

jar=$(mktemp)
form=$(curl -fs -c "$jar" "http://$addr/login")
csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode "name=$user" --data-urlencode "password=$password" \
    "http://$addr/login"
sid=$(awk '$6 == "kefu_session" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "login failed" >&2; exit 1; }

# "connections path": the dashboard pages with 20 users at once; the pages that recompute
# an agent's receptions from raw events (agent page, lists) with 2, as a supervisor drills.
pages=${WEB_PAGES:-"20 /ranking?from=$from&to=$to
20 /
20 /?days=30
20 /overview?from=$from&to=$to
20 /api/v1/report?by=account&from=$from&to=$to
2 /account?store=$enc_store&account=$enc_account&from=$from&to=$to
2 /list?store=$enc_store&account=$enc_account&figure=consulted&from=$from&to=$to
2 /list?store=$enc_store&figure=consulted&from=$to&to=$to"}

echo "database $db, $from..$to, store $store, account $account, $secs s per page"
# user + system CPU of the server so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
tick=$(getconf CLK_TCK)
printf '| page | connections | p50 | p90 | p95 | p99 | requests/s | CPU ms/request | non-2xx | KB gzip |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
while read -r conns page; do
    [ -n "$page" ] || continue
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: kefu_session=$sid" "http://$addr$page")
    # the body's size on the wire as a browser asks for it (gzip), in KB
    wire=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' \
        -H "Cookie: kefu_session=$sid" "http://$addr$page" | awk '{ printf "%.1f", $1 / 1024 }')
    threads=$((conns < 2 ? conns : 2))
    label=${page%%\?from*}; label=${label%%&from*}
    before=$(cpu_ticks)
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s scripts/wrk_p95.lua --latency -H "Cookie: kefu_session=$sid" "http://$addr$page")
    p50=$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')
    p90=$(printf '%s\n' "$out" | awk '$1 == "90%" { print $2 }')
    p99=$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')
    p95=$(printf '%s\n' "$out" | awk '$1 == "p95" { printf "%.2fms", $2 / 1000 }')
    rps=$(printf '%s\n' "$out" | awk '$1 == "Requests/sec:" { print $2 }')
    bad=$(printf '%s\n' "$out" | awk '/Non-2xx/ { print $NF }')
    requests=$(printf '%s\n' "$out" | awk '/requests in/ { print $1 }')
    cpu=$(awk -v t="$(($(cpu_ticks) - before))" -v hz="$tick" -v n="$requests" \
        'BEGIN { printf "%.1f", (n > 0 ? t * 1000 / hz / n : 0) }')
    printf '| `%s` (HTTP %s) | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$status" "$conns" "$p50" "$p90" "$p95" "$p99" "$rps" "$cpu" "${bad:-0}" "$wire"
done <<<"$pages"
rm -f "$jar"
