#!/usr/bin/env bash
# What a small import costs in a store that holds many names (issue 11: cost must not grow with
# what is already stored). A year of a big store holds about 13 million names (buyer nicks and
# accounts); importing a one-row roster file into it used to load, hash and rewrite all of them.
#
#   KEFU_BIN=target/release/kefu bash scripts/bench_names.sh [NAMES]   # default 13000000
#
# Steps: the sample store imported into a new database; NAMES synthetic buyer names appended to
# its store's names (SQL, in whichever layout the binary wrote: `store_names` before schema 28,
# `store_name_chunks` from 28); then, each timed (GNU time: wall, user, sys, peak):
# a report (opens the database: a binary of schema 28 migrates an older one here), a one-row
# roster import of a known account, one of a new account, and one more new account.
set -euo pipefail
NAMES="${1:-13000000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEFU="${KEFU_BIN:-$ROOT/target/release/kefu}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DB="$WORK/names.db"
"$KEFU" import --db "$DB" "$ROOT/testdata/sample/input/" >/dev/null 2>&1
python3 - "$DB" "$NAMES" <<'PY'
import sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
name = lambda i: "tb_%09d_买家" % i
width = len(name(0).encode())
text = "".join(name(i) for i in range(n))
ends = bytes([width]) * n
tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
if "store_name_chunks" in tables:
    # each name's length is a varint: its last byte is the one below 128
    first = sum(sum(1 for b in bytes(e) if b < 128) for (e,) in con.execute("SELECT ends FROM store_name_chunks WHERE store_id = 1"))
    con.execute("INSERT INTO store_name_chunks (store_id, first_id, text, ends) VALUES (1, ?, ?, ?)", (first, text, ends))
else:
    old_text, old_ends = con.execute("SELECT text, ends FROM store_names WHERE store_id = 1").fetchone()
    con.execute("UPDATE store_names SET text = ?, ends = ? WHERE store_id = 1", (old_text + text, bytes(old_ends) + ends))
con.commit()
PY
printf 'account,name,group,role\n晨光旗舰店:小美,小美,售前一组,presale\n' >"$WORK/known.csv"
printf 'account,name,group,role\n晨光旗舰店:新人甲,新人甲,售前一组,presale\n' >"$WORK/new.csv"
printf 'account,name,group,role\n晨光旗舰店:新人乙,新人乙,售前一组,presale\n' >"$WORK/new2.csv"
t() { local what="$1"; shift; /usr/bin/time -f "$what: %e s wall, %U user + %S sys, %M KB peak" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }; tail -n 1 "$WORK/err"; }
echo "$NAMES names added; $(uptime)"
t "open + report (a database of schema 27 migrates)" "$KEFU" report --db "$DB" --from 2026-11-01 --to 2026-11-30 --by account
cp "$DB" "$WORK/base.db"
t "import: a known account" "$KEFU" import --db "$DB" "$WORK/known.csv"
cp "$WORK/base.db" "$DB"
t "import: a new account" "$KEFU" import --db "$DB" "$WORK/new.csv"
t "import: another new account" "$KEFU" import --db "$DB" "$WORK/new2.csv"
echo "$(uptime)"
