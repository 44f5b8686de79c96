-- context for the off-platform rule (issue 15): the address an order holds (receiver, phone and
-- address as the imported file gives them) and the store's own return addresses; a phone number
-- in either is the buyer's or the store's own, and an agent writing it is not off-platform contact
ALTER TABLE orders ADD COLUMN address TEXT;
CREATE TABLE qa_context (
    store_id INTEGER PRIMARY KEY,
    -- the store's return addresses with their phones, one per line
    return_address TEXT NOT NULL DEFAULT '',
    -- unix seconds, and the user who saved it
    updated_at INTEGER NOT NULL,
    updated_by TEXT
) WITHOUT ROWID;
