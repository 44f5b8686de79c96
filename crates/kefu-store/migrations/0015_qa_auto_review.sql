-- closing the loop (issue 15): review assignments opened by themselves after an import or a
-- rule run, per store: which triggers are on, the daily cap per reviewer and who reviews
CREATE TABLE qa_auto_review (
    store_id INTEGER PRIMARY KEY,
    -- a buyer rating of 1 or 2 for the reception (that day or the next morning)
    low_rating INTEGER NOT NULL DEFAULT 0 CHECK (low_rating IN (0, 1)),
    -- a refund of an order the reception won, or handled by the account, after it
    refund INTEGER NOT NULL DEFAULT 0 CHECK (refund IN (0, 1)),
    -- a hit of a rule of severity critical (高压线)
    critical INTEGER NOT NULL DEFAULT 0 CHECK (critical IN (0, 1)),
    -- at most this many automatic assignments per reviewer and reception day
    daily_cap INTEGER NOT NULL DEFAULT 5 CHECK (daily_cap BETWEEN 1 AND 1000),
    -- JSON: the user ids who receive them, [id, …]
    reviewers TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;
