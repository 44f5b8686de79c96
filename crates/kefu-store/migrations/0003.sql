
CREATE TABLE api_tokens (
    -- 64 random bits, hex: finds the row; the rest of the token is the secret
    key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Argon2id of the secret, PHC string format
    secret_hash TEXT NOT NULL,
    -- unix seconds
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
