-- worklists and recovered sales (issue 16)
-- a presale (预售) order's deposit and balance window (formats.md); NULL: an ordinary order
ALTER TABLE orders ADD COLUMN deposit_cents INTEGER;
ALTER TABLE orders ADD COLUMN deposit_paid_at INTEGER;
ALTER TABLE orders ADD COLUMN balance_from INTEGER;
ALTER TABLE orders ADD COLUMN balance_to INTEGER;
-- a store's worklist settings as the TOML lines of every key; no row: the defaults
CREATE TABLE worklist_settings (
    store_id INTEGER PRIMARY KEY,
    toml TEXT NOT NULL,
    -- unix seconds
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
-- per store: the time the lists are as of (store-local ms), the import they were refreshed
-- after, and where round-robin ownership goes on
CREATE TABLE worklist_state (
    store_id INTEGER PRIMARY KEY,
    as_of INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0
);
-- the items of the lists. The computed columns are rewritten by every refresh; owner, status
-- and the contact noted by hand are set by people and never by a refresh (the owner is set
-- once by the store's rule when the item first appears). Times are store-local ms.
CREATE TABLE worklist_items (
    store_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lost_inquiry', 'unpaid', 'balance', 'refund')),
    buyer_id INTEGER NOT NULL,
    reference TEXT NOT NULL,
    serving_id INTEGER,
    opened_at INTEGER NOT NULL,
    due_at INTEGER,
    expires_at INTEGER,
    amount_cents INTEGER NOT NULL,
    reminders INTEGER NOT NULL,
    last_reminder_at INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('open', 'recovered', 'lost')),
    outcome_at INTEGER,
    recovered_order TEXT,
    recovered_cents INTEGER NOT NULL,
    counts_order INTEGER NOT NULL CHECK (counts_order IN (0, 1)),
    credited_id INTEGER,
    -- JSON: the account ids that contacted the buyer for the item, [id, …]
    contacts TEXT NOT NULL,
    owner_id INTEGER,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'contacted', 'lost', 'do_not_contact')),
    status_at INTEGER,
    status_by TEXT,
    -- the contact noted by hand (a phone call): which account, when
    marked_id INTEGER,
    marked_at INTEGER,
    PRIMARY KEY (store_id, key)
) WITHOUT ROWID;
CREATE INDEX worklist_items_by_opened ON worklist_items (store_id, opened_at);
CREATE INDEX worklist_items_by_owner ON worklist_items (store_id, owner_id, outcome);
