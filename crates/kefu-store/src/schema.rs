//! Versioned schema migrations, applied in order and recorded in `PRAGMA user_version`.

use rusqlite::Connection;

/// The counter columns of migration 1.
const V1_COUNTERS: &[&str] = &[
    "receptions",
    "consulted",
    "served",
    "unreplied",
    "inquiries",
    "ordered",
    "paid",
    "sales_cents",
    "paid_orders",
    "items",
    "paid_receptions",
    "first_response_ms",
    "first_response_n",
    "response_ms",
    "response_n",
    "slow",
    "rounds",
    "rounds_0800",
    "rounds_0800_within_3min",
    "buyer_msgs",
    "agent_msgs",
    "bot_msgs",
    "auto_msgs",
    "served_duration_ms",
    "reminded_orders",
    "reminder_success",
    "reminder_sales_cents",
    "ratings",
    "ratings_satisfied",
    "refunds",
    "refund_ms",
    "refunds_finished",
    "total_orders",
    "total_sales_cents",
    "silent_orders",
    "silent_sales_cents",
    "consulted_h00",
    "consulted_h01",
    "consulted_h02",
    "consulted_h03",
    "consulted_h04",
    "consulted_h05",
    "consulted_h06",
    "consulted_h07",
    "consulted_h08",
    "consulted_h09",
    "consulted_h10",
    "consulted_h11",
    "consulted_h12",
    "consulted_h13",
    "consulted_h14",
    "consulted_h15",
    "consulted_h16",
    "consulted_h17",
    "consulted_h18",
    "consulted_h19",
    "consulted_h20",
    "consulted_h21",
    "consulted_h22",
    "consulted_h23",
];

/// Each entry upgrades the schema by one version; never edit one that has shipped.
pub(crate) fn migrations() -> Vec<String> {
    // Migration 1's counter columns, frozen as they shipped: a counter added later gets its
    // column in a migration of its own.
    let counter_columns: String = V1_COUNTERS
        .iter()
        .map(|c| format!(",\n    {c} INTEGER NOT NULL DEFAULT 0"))
        .collect();
    vec![
        format!(
            "
CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- fingerprint of the metric settings the stored facts were computed with
    settings TEXT,
    next_seq INTEGER NOT NULL DEFAULT 0
);
-- buyers and accounts of a store, interned (ids are dense per store): all names in one UTF-8
-- text, and the end offset of each as varints (see kefu_core::model::Names)
CREATE TABLE store_names (
    store_id INTEGER PRIMARY KEY,
    text BLOB NOT NULL,
    ends BLOB NOT NULL
);
CREATE TABLE accounts (
    store_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT,
    grp TEXT,
    role TEXT,
    in_roster INTEGER NOT NULL DEFAULT 0,
    is_bot INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, account_id)
) WITHOUT ROWID;
-- raw messages, packed per store-day (see chunk.rs): engine fields and compressed texts.
-- A rowid table with a separate key index: a seek in a WITHOUT ROWID table reads each visited
-- row whole, and these rows are megabytes.
CREATE TABLE message_days (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    events BLOB NOT NULL,
    texts BLOB NOT NULL,
    UNIQUE (store_id, day)
);
CREATE TABLE orders (
    store_id INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    buyer_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    paid_at INTEGER,
    closed_at INTEGER,
    amount_cents INTEGER NOT NULL,
    items INTEGER NOT NULL,
    PRIMARY KEY (store_id, order_id)
) WITHOUT ROWID;
CREATE INDEX orders_by_time ON orders (store_id, created_at);
CREATE TABLE refunds (
    store_id INTEGER NOT NULL,
    refund_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    buyer_id INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    finished_at INTEGER,
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    account_id INTEGER,
    PRIMARY KEY (store_id, refund_id)
) WITHOUT ROWID;
CREATE INDEX refunds_by_time ON refunds (store_id, requested_at);
CREATE TABLE ratings (
    store_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    score INTEGER NOT NULL,
    PRIMARY KEY (store_id, time, buyer_id, account_id, score)
) WITHOUT ROWID;
-- derived: additive counters per (store, day, account); account_id -1 is the day's whole
-- store: every account plus the store-level counters
CREATE TABLE counters (
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    account_id INTEGER NOT NULL{counter_columns},
    PRIMARY KEY (store_id, day, account_id)
) WITHOUT ROWID;
-- derived: where each order was attributed (NULL = silent) and who reminded it
CREATE TABLE order_facts (
    store_id INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    account_id INTEGER,
    reception_day INTEGER,
    answer_at INTEGER,
    reminded_by INTEGER,
    reminded_at INTEGER,
    PRIMARY KEY (store_id, order_id)
) WITHOUT ROWID;
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL DEFAULT (datetime('now')),
    files TEXT NOT NULL,
    messages_added INTEGER NOT NULL,
    messages_duplicate INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    refunds INTEGER NOT NULL,
    ratings INTEGER NOT NULL,
    agents INTEGER NOT NULL
);
"
        ),
        // 2: web users, their stores and chat accounts, sessions and the audit log
        "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'qa', 'agent')),
    -- Argon2id, PHC string format
    password_hash TEXT NOT NULL,
    -- unix seconds
    created_at INTEGER NOT NULL
);
-- the stores a supervisor (or qa) sees
CREATE TABLE user_stores (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, store_id)
) WITHOUT ROWID;
-- the chat accounts of an agent user
CREATE TABLE user_accounts (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, store_id, account_id)
) WITHOUT ROWID;
CREATE TABLE sessions (
    -- 256 random bits, hex
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    -- unix seconds
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    -- unix seconds
    time INTEGER NOT NULL,
    -- NULL: no user (e.g. a failed login of an unknown name)
    user_id INTEGER,
    user_name TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"
        .to_string(),
        // 3: personal API tokens
        "
CREATE TABLE api_tokens (
    -- 64 random bits, hex: finds the row; the rest of the token is the secret
    key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Argon2id of the secret, PHC string format
    secret_hash TEXT NOT NULL,
    -- unix seconds
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
"
        .to_string(),
        // 4: web-edited settings (per-store metric settings, user language)
        "
-- metric settings saved from the web for one store, as the lines of a [metrics] section
-- (every key); they take the place of the configuration file's for that store
CREATE TABLE store_settings (
    store_id INTEGER PRIMARY KEY,
    toml TEXT NOT NULL,
    -- unix seconds
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
-- the language a user reads the pages in: 'zh', 'en', or NULL to follow the browser
ALTER TABLE users ADD COLUMN lang TEXT CHECK (lang IN ('zh', 'en'));
"
        .to_string(),
        // 5: performance plans (versions, manual scores)
        "
-- every saved version of a plan; a month uses the newest version with valid_from <= month
CREATE TABLE plan_versions (
    id INTEGER PRIMARY KEY,
    plan_id TEXT NOT NULL,
    -- YYYY-MM
    valid_from TEXT NOT NULL,
    toml TEXT NOT NULL,
    -- unix seconds
    saved_at INTEGER NOT NULL,
    saved_by TEXT
);
CREATE INDEX plan_versions_by_plan ON plan_versions (plan_id, valid_from);
-- scores entered by hand (manual items, qa_score) in hundredths of a point, and per-agent
-- sales targets (item sales_target) in cents
CREATE TABLE plan_scores (
    store_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    item TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (store_id, month, plan_id, account_id, item)
) WITHOUT ROWID;
-- a month's paid orders and the attributions of its receptions, each one covering range
-- read (the order id is in every index of a WITHOUT ROWID table)
CREATE INDEX orders_by_payment ON orders (store_id, paid_at, amount_cents);
CREATE INDEX order_facts_by_reception ON order_facts (store_id, reception_day, account_id);
"
        .to_string(),
        // 6: quality inspection: automatic rule sets and hits
        "
-- rule sets per store, versioned (the latest applies); TOML as kefu_qa::rules reads it
CREATE TABLE qa_rule_sets (
    store_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    rules TEXT NOT NULL,
    author TEXT NOT NULL,
    -- unix seconds
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, version)
) WITHOUT ROWID;
-- derived: receptions evaluated per (store, day, account), the denominator of hits per 100
-- receptions; rules_version NULL = the shipped default or a rules file
CREATE TABLE qa_receptions (
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    receptions INTEGER NOT NULL,
    rules_version INTEGER,
    PRIMARY KEY (store_id, day, account_id)
) WITHOUT ROWID;
-- derived: receptions each rule hit, and the sum of its score, per (store, day, account)
CREATE TABLE qa_hit_counts (
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    rule TEXT NOT NULL,
    hits INTEGER NOT NULL,
    score INTEGER NOT NULL,
    PRIMARY KEY (store_id, day, account_id, rule)
) WITHOUT ROWID;
-- derived: the hits of each flagged reception (see kefu-store/src/qa_rules.rs for the
-- encoding of `hits`), score = sum of the rule scores, severity = the worst (0 low .. 3 critical)
CREATE TABLE qa_reception_hits (
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    score INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    hits TEXT NOT NULL,
    PRIMARY KEY (store_id, day, account_id, buyer_id)
) WITHOUT ROWID;
"
        .to_string(),
        // 7: quality inspection: scorecards, manual reviews, appeals, calibration, case library
        "
-- scorecards as shipped or edited: every change is a new version; reviews keep the version
-- they were made with
CREATE TABLE qa_scorecards (
    id INTEGER PRIMARY KEY,
    card TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    -- the whole scorecard file the card was read from (TOML)
    source TEXT NOT NULL,
    -- unix seconds
    created_at INTEGER NOT NULL,
    UNIQUE (card, version)
);
-- week or month per store (淡季周 / 旺季月)
CREATE TABLE qa_periods (
    store_id INTEGER PRIMARY KEY,
    period TEXT NOT NULL CHECK (period IN ('week', 'month'))
);
-- a calibration session: several reviewers score the same receptions blind
CREATE TABLE qa_calibrations (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards (id),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
-- the reviews a reviewer owes in a period; a reception is (store, account, buyer, day)
CREATE TABLE qa_assignments (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    period_from INTEGER NOT NULL,
    period_to INTEGER NOT NULL,
    -- NULL once the reviewer's user is deleted: the assignment leaves every list, and its
    -- review (evidence in an agent's score) stays
    reviewer_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    -- why it was drawn: comma-separated signals (flagged, low_rating, …), empty when random
    signals TEXT NOT NULL DEFAULT '',
    calibration_id INTEGER REFERENCES qa_calibrations (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
-- a reviewer reads a reception once per kind, and once more in each calibration
CREATE UNIQUE INDEX qa_assignments_once ON qa_assignments
    (reviewer_id, store_id, account_id, buyer_id, day, kind, IFNULL(calibration_id, 0));
CREATE INDEX qa_assignments_by_period ON qa_assignments (store_id, period_from);
-- the goal of a reviewer for a period (reviews to do)
CREATE TABLE qa_goals (
    store_id INTEGER NOT NULL,
    period_from INTEGER NOT NULL,
    reviewer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal INTEGER NOT NULL,
    PRIMARY KEY (store_id, period_from, reviewer_id)
) WITHOUT ROWID;
CREATE TABLE qa_reviews (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL UNIQUE REFERENCES qa_assignments (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    reviewer_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards (id),
    -- item=answer;… (kefu_qa::review::encode_answers)
    answers TEXT NOT NULL,
    -- percent; NULL when no item applied
    score REAL,
    -- comma-separated ids of failed critical items
    failed_critical TEXT NOT NULL DEFAULT '',
    -- improvement note (劣势检验) or highlight (优势检验)
    note TEXT NOT NULL,
    training_topic TEXT,
    -- 学习标签 ('learn from this') and other tags, comma-separated
    tags TEXT NOT NULL DEFAULT '',
    -- calibration reviews never count in agents' scores
    calibration INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX qa_reviews_by_account ON qa_reviews (store_id, account_id, day);
-- at most one appeal per review; the score changes only when one is accepted
CREATE TABLE qa_appeals (
    review_id INTEGER PRIMARY KEY REFERENCES qa_reviews (id) ON DELETE CASCADE,
    appellant_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decision_comment TEXT,
    -- the corrected score of an accepted appeal
    new_score REAL,
    created_at INTEGER NOT NULL,
    decided_at INTEGER
);
-- 案例库: reviewed chats kept as good or bad examples for training
CREATE TABLE qa_cases (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES qa_reviews (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('good', 'bad')),
    -- scenario and product tags, comma-separated
    tags TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
"
        .to_string(),
        // 8: metric spec v2 (new counters, first-response samples for exact percentiles)
        "
ALTER TABLE counters ADD COLUMN after_sales INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counters ADD COLUMN tb_rounds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counters ADD COLUMN tb_wait_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counters ADD COLUMN buyers INTEGER NOT NULL DEFAULT 0;
-- the first response times of the row's receptions (ms, service clock) as sorted (value, count)
-- runs of varint pairs: percentiles are not sums, so the values are kept whole
ALTER TABLE counters ADD COLUMN first_responses BLOB;
"
        .to_string(),
        // 9: plans belong to stores
        "
-- the stores a plan runs in; a plan without rows here runs nowhere. Plans were shared by
-- every store before: each keeps running in every store that existed then, so no payslip
-- changes (and a plan of several stores is then edited by admins only)
CREATE TABLE plan_stores (
    plan_id TEXT NOT NULL,
    store_id INTEGER NOT NULL,
    PRIMARY KEY (plan_id, store_id)
) WITHOUT ROWID;
INSERT INTO plan_stores (plan_id, store_id)
    SELECT DISTINCT v.plan_id, s.id FROM plan_versions v CROSS JOIN stores s;
-- the refunds of an order: what is left of it when a refund is deducted, and the import's
-- warnings about refunds larger than their order
CREATE INDEX refunds_by_order ON refunds (store_id, order_id);
-- roster: first and last day with the team (day numbers; NULL: open-ended)
ALTER TABLE accounts ADD COLUMN joined_on INTEGER;
ALTER TABLE accounts ADD COLUMN left_on INTEGER;
"
        .to_string(),
        // 10: API token expiry and last use; audit log filters; what agents may see per store
        "
-- unix seconds; NULL: the token does not expire
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
-- unix seconds of the last request made with the token (to the minute); NULL: never used
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
-- the audit log filtered by user or action, newest first
CREATE INDEX audit_log_by_user ON audit_log (user_name, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_time ON audit_log (time);
-- what the agents of a store may see beyond their own figures (no row: nothing)
CREATE TABLE store_visibility (
    store_id INTEGER PRIMARY KEY,
    -- store-level totals: the store's sales and orders (/list) and the pool line of payslips
    agents_see_store_totals INTEGER NOT NULL DEFAULT 0 CHECK (agents_see_store_totals IN (0, 1)),
    -- the names of colleagues credited with an order, in transcripts and order lists
    agents_see_colleagues INTEGER NOT NULL DEFAULT 0 CHECK (agents_see_colleagues IN (0, 1)),
    -- unix seconds
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
"
        .to_string(),
        MIGRATION_11.to_string(),
    ]
}

/// 11: first response times per block of days, so that a range's percentiles read a few
/// merged blocks per account instead of a row per day. Derived from `counters` and rebuilt
/// with them (`db.rs`, `rebuild_blocks`); a database migrated to 11 fills it on open.
pub(crate) const MIGRATION_11: &str = "
-- derived from counters: the first response times (ms, service clock) of the counters rows
-- of one account (-1: the store's total row) whose day falls in [start, start + 2^level),
-- merged into sorted (value, count) runs of varint pairs as counters.first_responses;
-- levels 1 to 9, start a multiple of 2^level. A range reads at most two blocks per level.
CREATE TABLE first_response_blocks (
    store_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    start INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    runs BLOB NOT NULL,
    PRIMARY KEY (store_id, level, start, account_id)
) WITHOUT ROWID;
";

/// The version whose migration adds `first_response_blocks`: opening a database from before
/// it fills the table from the stored counters.
pub(crate) const FIRST_RESPONSE_BLOCKS_VERSION: i64 = 11;

pub const VERSION: i64 = 11;

/// The SQL of migration `version` (1-based), for tests that rebuild one migration's effect on
/// a database of a later version; `None` past the last.
#[doc(hidden)]
pub fn migration_sql(version: usize) -> Option<String> {
    migrations().into_iter().nth(version.checked_sub(1)?)
}

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let all = migrations();
    if current >= all.len() as i64 {
        return Ok(current);
    }
    let tx = conn.transaction()?;
    for (i, sql) in all.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(all.len() as i64)
}
