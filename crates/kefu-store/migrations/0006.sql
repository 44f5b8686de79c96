
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
