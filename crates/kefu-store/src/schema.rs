//! Versioned schema migrations, applied in order and recorded in `PRAGMA user_version`.

use kefu_core::figures::C;
use rusqlite::Connection;

/// Each entry upgrades the schema by one version; never edit one that has shipped.
pub(crate) fn migrations() -> Vec<String> {
    let counter_columns: String = C::ALL
        .iter()
        .map(|c| format!(",\n    {} INTEGER NOT NULL DEFAULT 0", c.column()))
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
-- reserved: the web settings work fills this in
"
        .to_string(),
        // 5: performance plans (versions, manual scores)
        "
-- reserved: the performance plans work fills this in
"
        .to_string(),
        // 6: quality inspection: automatic rule sets and hits
        "
-- reserved: the automatic quality rules work fills this in
"
        .to_string(),
        // 7: quality inspection: scorecards, manual reviews, appeals, calibration, case library
        "
-- reserved: the manual review work fills this in
"
        .to_string(),
    ]
}

pub const VERSION: i64 = 7;

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
