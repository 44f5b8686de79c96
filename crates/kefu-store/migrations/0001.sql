
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
    account_id INTEGER NOT NULL,
    receptions INTEGER NOT NULL DEFAULT 0,
    consulted INTEGER NOT NULL DEFAULT 0,
    served INTEGER NOT NULL DEFAULT 0,
    unreplied INTEGER NOT NULL DEFAULT 0,
    inquiries INTEGER NOT NULL DEFAULT 0,
    ordered INTEGER NOT NULL DEFAULT 0,
    paid INTEGER NOT NULL DEFAULT 0,
    sales_cents INTEGER NOT NULL DEFAULT 0,
    paid_orders INTEGER NOT NULL DEFAULT 0,
    items INTEGER NOT NULL DEFAULT 0,
    paid_receptions INTEGER NOT NULL DEFAULT 0,
    first_response_ms INTEGER NOT NULL DEFAULT 0,
    first_response_n INTEGER NOT NULL DEFAULT 0,
    response_ms INTEGER NOT NULL DEFAULT 0,
    response_n INTEGER NOT NULL DEFAULT 0,
    slow INTEGER NOT NULL DEFAULT 0,
    rounds INTEGER NOT NULL DEFAULT 0,
    rounds_0800 INTEGER NOT NULL DEFAULT 0,
    rounds_0800_within_3min INTEGER NOT NULL DEFAULT 0,
    buyer_msgs INTEGER NOT NULL DEFAULT 0,
    agent_msgs INTEGER NOT NULL DEFAULT 0,
    bot_msgs INTEGER NOT NULL DEFAULT 0,
    auto_msgs INTEGER NOT NULL DEFAULT 0,
    served_duration_ms INTEGER NOT NULL DEFAULT 0,
    reminded_orders INTEGER NOT NULL DEFAULT 0,
    reminder_success INTEGER NOT NULL DEFAULT 0,
    reminder_sales_cents INTEGER NOT NULL DEFAULT 0,
    ratings INTEGER NOT NULL DEFAULT 0,
    ratings_satisfied INTEGER NOT NULL DEFAULT 0,
    refunds INTEGER NOT NULL DEFAULT 0,
    refund_ms INTEGER NOT NULL DEFAULT 0,
    refunds_finished INTEGER NOT NULL DEFAULT 0,
    total_orders INTEGER NOT NULL DEFAULT 0,
    total_sales_cents INTEGER NOT NULL DEFAULT 0,
    silent_orders INTEGER NOT NULL DEFAULT 0,
    silent_sales_cents INTEGER NOT NULL DEFAULT 0,
    consulted_h00 INTEGER NOT NULL DEFAULT 0,
    consulted_h01 INTEGER NOT NULL DEFAULT 0,
    consulted_h02 INTEGER NOT NULL DEFAULT 0,
    consulted_h03 INTEGER NOT NULL DEFAULT 0,
    consulted_h04 INTEGER NOT NULL DEFAULT 0,
    consulted_h05 INTEGER NOT NULL DEFAULT 0,
    consulted_h06 INTEGER NOT NULL DEFAULT 0,
    consulted_h07 INTEGER NOT NULL DEFAULT 0,
    consulted_h08 INTEGER NOT NULL DEFAULT 0,
    consulted_h09 INTEGER NOT NULL DEFAULT 0,
    consulted_h10 INTEGER NOT NULL DEFAULT 0,
    consulted_h11 INTEGER NOT NULL DEFAULT 0,
    consulted_h12 INTEGER NOT NULL DEFAULT 0,
    consulted_h13 INTEGER NOT NULL DEFAULT 0,
    consulted_h14 INTEGER NOT NULL DEFAULT 0,
    consulted_h15 INTEGER NOT NULL DEFAULT 0,
    consulted_h16 INTEGER NOT NULL DEFAULT 0,
    consulted_h17 INTEGER NOT NULL DEFAULT 0,
    consulted_h18 INTEGER NOT NULL DEFAULT 0,
    consulted_h19 INTEGER NOT NULL DEFAULT 0,
    consulted_h20 INTEGER NOT NULL DEFAULT 0,
    consulted_h21 INTEGER NOT NULL DEFAULT 0,
    consulted_h22 INTEGER NOT NULL DEFAULT 0,
    consulted_h23 INTEGER NOT NULL DEFAULT 0,
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
