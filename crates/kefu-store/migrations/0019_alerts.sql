-- alerts (issue 16): a store's alert rules, its channels, and the alerts it sent
-- the rules as the TOML lines of every key (kefu_core::alert::AlertRules); no row: all off
CREATE TABLE alert_settings (
    store_id INTEGER PRIMARY KEY,
    toml TEXT NOT NULL,
    -- unix seconds
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
-- a 钉钉 or 企业微信 robot or an e-mail channel, as JSON (kefu_core::alert::Channel) with its
-- secrets: the pages show them masked
CREATE TABLE alert_channels (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    config TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT
);
CREATE INDEX alert_channels_store ON alert_channels (store_id);
-- one row per message per channel: what was sent (one alert, several, or a test) and how the
-- delivery went; error NULL: delivered
CREATE TABLE alert_log (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    -- unix seconds
    sent_at INTEGER NOT NULL,
    -- the alerts' keys, comma-separated; 'test' for the settings page's test
    keys TEXT NOT NULL,
    title TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    channel_id INTEGER,
    channel_kind TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error_zh TEXT,
    error_en TEXT
);
CREATE INDEX alert_log_store ON alert_log (store_id, id);
