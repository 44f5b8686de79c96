-- live ingest (issue 16): store-scoped tokens that may write events to one store through
-- POST /api/v1/events. The events themselves wait in the live file beside the database
-- (`<db>-live`, see kefu_store::live) until they are folded into the stored messages.
CREATE TABLE ingest_tokens (
    -- 64 random bits, hex: finds the row; the rest of the token is the secret
    key TEXT PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    -- what the token is for (the chat tool, the RPA job), as the manager named it
    label TEXT NOT NULL DEFAULT '',
    -- Argon2id of the secret, PHC string format
    secret_hash TEXT NOT NULL,
    -- unix seconds, and the user who created it
    created_at INTEGER NOT NULL,
    created_by TEXT,
    -- unix seconds of the last batch written with it (to the minute); NULL: never used
    last_used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX ingest_tokens_by_store ON ingest_tokens (store_id);
