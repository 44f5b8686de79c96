
-- metric settings saved from the web for one store, as the lines of a [metrics] section
-- (every key); they take the place of the configuration file's for that store
CREATE TABLE store_settings (
    store_id INTEGER PRIMARY KEY,
    toml TEXT NOT NULL,
    -- unix seconds
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
-- the language a user reads the pages in: 'zh', 'en', or NULL to follow the browser
ALTER TABLE users ADD COLUMN lang TEXT CHECK (lang IN ('zh', 'en'));
