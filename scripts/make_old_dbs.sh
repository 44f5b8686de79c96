#!/usr/bin/env bash
# Writes testdata/old-db/vN.db: a database of every shipped schema version (1..10, 12..29) holding the
# sample store and, where that version had them, users, a plan, QA rules and reviews. The
# upgrade tests (crates/kefu-store/tests/upgrade.rs) open each and compare with a fresh import.
#
# Versions whose code could write user-visible data through the CLI are written by the code of
# their time: the commit is checked out in a temporary worktree and built (one shared target
# directory, so dependencies are built once) and its `kefu` imports the sample, adds users and
# stores a plan. Data only the web app of that time could write (API tokens, rule sets,
# reviews) is added with sqlite3 in that version's own schema.
#
#   v3  92c54ea  users (web users came with 2, tokens with 3): the last version before settings
#   v7  7e8f5ae  plans, QA rule hits, reviews: everything before metric spec v2
#   v10 3ffd7c4  the last version before the frozen migrations
#
# The others are built from the frozen SQL (crates/kefu-store/migrations/NNNN.sql) over the
# raw data of the nearest written database: v1 and v2 from v3 (the code of v1 wrote message
# texts in an older block format that no later code reads, so a database of its own would only
# test that), v4..v6 from v7 (4..7 shipped together in 7e8f5ae: no code ever wrote 4, 5 or 6),
# v8 and v9 from v10 (8..10 shipped together). Migrations 8 and 9 add no user data of their own
# beyond what v10 carries (roster dates, plan stores), which the frozen path fills in.
#
# Usage: scripts/make_old_dbs.sh            (build what is missing, write every file)
#   KEFU_OLD_TARGET=dir  shared target directory (default /tmp/kefu-old-target)
#   KEFU_OLD_BIN_10=path use an already built kefu for a version instead of building it
set -euo pipefail

ROOT=$(git rev-parse --show-toplevel)
OUT="$ROOT/testdata/old-db"
SQL="$ROOT/crates/kefu-store/migrations"
TARGET=${KEFU_OLD_TARGET:-/tmp/kefu-old-target}
SAMPLE="$ROOT/testdata/sample/input"
STORE=晨光旗舰店
mkdir -p "$OUT"

declare -A COMMIT=([3]=92c54ea [7]=7e8f5ae [10]=3ffd7c4)

# kefu as of a commit: a temporary worktree, built into the shared target directory, the
# binary copied out (the next build overwrites target/release/kefu).
kefu_at() {
    local v=$1 commit=${COMMIT[$1]}
    local override="KEFU_OLD_BIN_$v"
    if [[ -n "${!override:-}" ]]; then
        echo "${!override}"
        return
    fi
    local bin="$TARGET/kefu-v$v"
    if [[ ! -x "$bin" ]]; then
        local wt
        wt=$(mktemp -d /tmp/kefu-old-wt.XXXXXX)
        git -C "$ROOT" worktree add --detach "$wt" "$commit" >&2
        CARGO_TARGET_DIR="$TARGET" cargo build --release --locked -p kefu-cli \
            --manifest-path "$wt/Cargo.toml" >&2
        cp "$TARGET/release/kefu" "$bin"
        git -C "$ROOT" worktree remove --force "$wt" >&2
    fi
    echo "$bin"
}

build_only=${1:-}
if [[ "$build_only" == "--build-only" ]]; then
    for v in "${!COMMIT[@]}"; do kefu_at "$v" >/dev/null; done
    exit 0
fi

PASSWORD=old-database-pw
users() {
    local kefu=$1 db=$2
    echo "$PASSWORD" | "$kefu" user add --db "$db" --role admin boss
    echo "$PASSWORD" | "$kefu" user add --db "$db" --role supervisor --store "$STORE" lead
    echo "$PASSWORD" | "$kefu" user add --db "$db" --role agent --account "$STORE/晨光旗舰店:小美" xiaomei
}

# Written by the code of the version: the sample store, users and (from 5) a plan with
# hand-entered scores, (from 6) rule hits.
written_by_code() {
    local v=$1 db=$OUT/v$1.db
    local kefu
    kefu=$(kefu_at "$v")
    rm -f "$db"
    "$kefu" import --db "$db" --store "$STORE" "$SAMPLE" >/dev/null
    users "$kefu" "$db"
    if (( v >= 5 )); then
        local plan scores
        plan=$(mktemp --suffix .toml)
        scores=$(mktemp --suffix .csv)
        git -C "$ROOT" show "${COMMIT[$v]}:plans/presale.toml" >"$plan"
        "$kefu" plan save --db "$db" --from 2026-11 "$plan" >/dev/null
        printf 'account,item,value\n晨光旗舰店:小美,qa_score,88\n' >"$scores"
        "$kefu" plan scores --db "$db" --month 2026-11 --id presale "$scores" >/dev/null
        rm -f "$plan" "$scores"
        "$kefu" qa run --db "$db" >/dev/null
    fi
    rm -f "$db.rejects.csv"
}

# What only the web app wrote in versions lo+1..v, in the schema of v.
web_data() {
    local lo=$1 v=$2 db=$OUT/v$2.db
    came() { (( $1 > lo && $1 <= v )); }
    if came 3; then
        sqlite3 "$db" "INSERT INTO api_tokens (key, user_id, secret_hash, created_at)
            SELECT '0123456789abcdef', id, '\$argon2id\$v=19\$m=19456,t=2,p=1\$c2FsdHNhbHQ\$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g', 1764000000
            FROM users WHERE name = 'boss';"
    fi
    if came 4; then
        sqlite3 "$db" "UPDATE users SET lang = 'en' WHERE name = 'lead';
            INSERT INTO store_settings (store_id, toml, updated_at, updated_by)
            SELECT id, 'slow_response_secs = 30
slow_response_rounds = 2
conversion_window_days = 2
service_hours = \"08:00-24:00\"
reminder_window_hours = 24', 1764000000, 'boss' FROM stores;"
    fi
    if came 5; then
        # what `kefu plan save` and `kefu plan scores` write (the code of 7 and 10 ran them)
        local plan
        plan=$(git -C "$ROOT" show "${COMMIT[7]}:plans/presale.toml" | sed "s/'/''/g")
        sqlite3 "$db" "INSERT INTO plan_versions (plan_id, valid_from, toml, saved_at, saved_by)
                SELECT 'presale', '2026-11', '$plan', 1764000000, NULL
                WHERE NOT EXISTS (SELECT 1 FROM plan_versions);
            INSERT OR IGNORE INTO plan_scores (store_id, month, plan_id, account_id, item, value)
                SELECT store_id, '2026-11', 'presale', account_id, 'qa_score', 8800
                FROM accounts WHERE name = '晨光旗舰店:小美';"
    fi
    if came 6; then
        local rules
        rules=$(git -C "$ROOT" show "${COMMIT[7]}:qa/rules.toml" | sed "s/'/''/g")
        sqlite3 "$db" "INSERT INTO qa_rule_sets (store_id, version, rules, author, created_at)
            SELECT id, 1, '$rules', 'boss', 1764000000 FROM stores;"
    fi
    if came 7; then
        local card
        card=$(git -C "$ROOT" show "${COMMIT[7]}:qa/scorecard.toml" | sed "s/'/''/g")
        # a review of the first flagged reception with an accepted appeal, and a case
        sqlite3 "$db" "
INSERT INTO qa_scorecards (id, card, version, kind, source, created_at)
    VALUES (1, 'weakness', 1, 'weakness', '$card', 1764000000);
INSERT INTO qa_periods (store_id, period) SELECT id, 'week' FROM stores;
INSERT INTO qa_assignments (id, store_id, period_from, period_to, reviewer_id, kind, account_id,
        buyer_id, day, signals, created_at)
    SELECT 1, h.store_id, h.day, h.day + 6, u.id, 'weakness', h.account_id, h.buyer_id, h.day,
        'flagged,low_rating', 1764000000
    FROM qa_reception_hits h, users u WHERE u.name = 'lead'
    ORDER BY h.day, h.account_id, h.buyer_id LIMIT 1;
INSERT INTO qa_goals (store_id, period_from, reviewer_id, goal)
    SELECT store_id, period_from, reviewer_id, 5 FROM qa_assignments;
INSERT INTO qa_reviews (id, assignment_id, store_id, account_id, buyer_id, day, kind,
        reviewer_id, scorecard_id, answers, score, failed_critical, note, training_topic,
        tags, calibration, created_at)
    SELECT 1, id, store_id, account_id, buyer_id, day, kind, reviewer_id, 1,
        'greeting=yes;polite=4;no_taboo=no', 0, 'no_taboo', '说了禁语 \"急什么\"', '话术',
        '学习标签,催付', 0, 1764000100
    FROM qa_assignments WHERE id = 1;
INSERT INTO qa_appeals (review_id, appellant_id, reason, status, decided_by,
        decision_comment, new_score, created_at, decided_at)
    SELECT 1, a.id, '买家先说的', 'accepted', b.id, '同意', 75.5, 1764000200, 1764000300
    FROM users a, users b WHERE a.name = 'xiaomei' AND b.name = 'lead';
INSERT INTO qa_cases (review_id, store_id, verdict, tags, note, created_by, created_at)
    SELECT 1, store_id, 'bad', '售前,禁语,\"引号\"', '反例', reviewer_id, 1764000400
    FROM qa_reviews WHERE id = 1;"
    fi
    if came 9; then
        sqlite3 "$db" "UPDATE accounts SET joined_on = 20400, left_on = NULL
            WHERE name = '晨光旗舰店:七七';"
    fi
    if came 10; then
        sqlite3 "$db" "UPDATE api_tokens SET expires_at = 1900000000, last_used_at = 1764000600;
            INSERT INTO store_visibility (store_id, agents_see_store_totals, agents_see_colleagues,
                updated_at, updated_by)
            SELECT id, 1, 0, 1764000000, 'boss' FROM stores;"
    fi
}

# A database of version `v` from the nearest written one of version `from` < v: the frozen
# migrations from+1..v (what they add, empty), then that version's web data.
frozen_up() {
    local from=$1 v=$2
    cp "$OUT/v$from.db" "$OUT/v$v.db"
    for ((m = from + 1; m <= v; m++)); do
        # a version number no migration has (11) is skipped; later files carry a name
        local f
        f=$(ls "$SQL/$(printf %04d "$m")"*.sql 2>/dev/null | head -n 1 || true)
        [[ -n "$f" ]] && sqlite3 "$OUT/v$v.db" <"$f"
    done
    sqlite3 "$OUT/v$v.db" "PRAGMA user_version = $v;"
}

# A database of version `v` < the version of the written `from`: its raw data and users
# copied into a fresh database of the frozen migrations 1..v.
frozen_down() {
    local from=$1 v=$2 db=$OUT/v$2.db
    rm -f "$db"
    for ((m = 1; m <= v; m++)); do
        sqlite3 "$db" <"$SQL/$(printf %04d "$m").sql"
    done
    local tables="stores store_names message_days orders refunds ratings imports"
    (( v >= 2 )) && tables="$tables users user_stores user_accounts audit_log"
    {
        echo "ATTACH '$OUT/v$from.db' AS src; BEGIN;"
        for t in $tables; do
            local cols
            cols=$(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('$t');")
            echo "INSERT INTO $t ($cols) SELECT $cols FROM src.$t;"
        done
        # the roster without the later columns
        echo "INSERT INTO accounts (store_id, account_id, name, display_name, grp, role, in_roster, is_bot)
              SELECT store_id, account_id, name, display_name, grp, role, in_roster, is_bot FROM src.accounts;"
        echo "COMMIT; PRAGMA user_version = $v;"
    } | sqlite3 "$db"
}

written_by_code 3
web_data 0 3
written_by_code 7
web_data 0 7
written_by_code 10
web_data 0 10
frozen_down 3 1
frozen_down 3 2
# 4..6 never shipped on their own (4..7 came together): v3 through the frozen SQL
for v in 4 5 6; do
    frozen_up 3 "$v"
    web_data 3 "$v"
done
# 8 and 9 neither (8..10 came together): v7 through the frozen SQL
for v in 8 9; do
    frozen_up 7 "$v"
    web_data 7 "$v"
done
# 12..29 came after the frozen migrations: v10 brought to each version by the frozen SQL, run
# by kefu's own SQLite (the `sqlite3` tool is too old for the SQL of 13): what the upgrade of a
# database of that schema must carry is what v10 holds
for v in 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29; do
    cp "$OUT/v10.db" "$OUT/v$v.db"
    cargo run -q --manifest-path "$ROOT/Cargo.toml" -p kefu-store --example migrate_to -- "$OUT/v$v.db" "$v"
done
for v in $(seq 1 10) 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29; do
    # small pages: kefu's 64 KiB pages would make each nearly empty table 64 KiB
    sqlite3 "$OUT/v$v.db" "PRAGMA page_size = 4096; VACUUM;"
done
ls -l "$OUT"
