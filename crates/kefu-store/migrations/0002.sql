
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
