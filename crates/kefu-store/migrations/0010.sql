
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
