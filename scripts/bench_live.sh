#!/usr/bin/env bash
# Live ingest under load (issue 16): `kefu serve` (release) on a demo database, a store's
# ingest token, and the load generator (crates/kefu-cli/examples/bench_live.rs) on the same
# machine: senders POST batches of messages to /api/v1/events as fast as they are answered
# while 20 users read the ranking and the overview, and an alert probe sends alert-raising
# events of the same store (a 1-star rating and a buyer message stamped 40 s ago every 200 ms,
# a buyer message stamped now every second) and times each alert from the event to a signed
# 钉钉 robot inside the load generator (crates/kefu-cli/examples/alert_probe); at the end it
# waits until the server has folded every accepted message into the figures. Nothing is
# asserted: the numbers go to docs/benchmark.md ("Live ingest under load", "Live alerts under
# the ingest load") with `uptime` of the run.
#
#   bash scripts/bench_live.sh
#
# Environment: LIVE_SECS (default 60), LIVE_SENDERS (2), LIVE_BATCH (10000 messages), WINDOW (30 s),
# LIVE_READERS (20), LIVE_ADDR (127.0.0.1:18090), BENCH_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${LIVE_SECS:-60}
senders=${LIVE_SENDERS:-2}
batch=${LIVE_BATCH:-10000}
readers=${LIVE_READERS:-20}
addr=${LIVE_ADDR:-127.0.0.1:18090}
[ "${BENCH_SKIP_BUILD:-}" = 1 ] || cargo build --release --quiet -p kefu-cli --bin kefu --example bench_live
kefu=target/release/kefu
gen=target/release/examples/bench_live

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db=$work/live.db
# A store with a month of history (the pages have something to read), then the live store.
"$kefu" demo --db "$db" --days 30 >/dev/null 2>&1
token=$("$kefu" ingest-token create --db "$db" --store 店 --label bench 2>/dev/null)
password=bench-$(date +%s%N)
printf '%s\n' "$password" | "$kefu" user add --db "$db" --role admin bencher >/dev/null

"$kefu" serve --db "$db" --addr "$addr" >"${LIVE_SERVE_LOG:-$work/serve.log}" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://$addr/login" >/dev/null && break; sleep 0.2; done
jar=$work/jar
form=$(curl -fs -c "$jar" "http://$addr/login")
csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode "name=bencher" --data-urlencode "password=$password" \
    "http://$addr/login"
sid=$(awk '$6 == "kefu_session" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "login failed" >&2; exit 1; }

today=$(TZ=Asia/Shanghai date +%F)
echo "uptime before: $(uptime)"
"$gen" "$addr" "$token" "$sid" "$db-live" "$secs" "$senders" "$batch" "$readers" \
    "/ranking?from=2026-11-01&to=2026-11-30" "/?from=2026-11-01&to=2026-11-30" \
    "/ranking?store=%E5%BA%97&from=$today&to=$today" "/live?store=%E5%BA%97"
echo "uptime after: $(uptime)"
echo "stored messages of the live store: $(sqlite3 "$db" "select (select sum(messages) from message_days where store_id = (select id from stores where name = '店')) + (select coalesce(sum(messages), 0) from message_parts where store_id = (select id from stores where name = '店'))")"
