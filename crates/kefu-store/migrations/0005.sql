
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
