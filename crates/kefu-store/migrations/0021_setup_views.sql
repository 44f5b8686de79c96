-- first run and saved views (issue 14)
-- a store's time zone as set up in the browser (`+08:00`); NULL: the configuration's
ALTER TABLE stores ADD COLUMN timezone TEXT;
-- a user's saved choice of a page's columns (`ranking`: the `cols=` value of the picker)
CREATE TABLE user_views (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    page TEXT NOT NULL,
    cols TEXT NOT NULL,
    -- unix seconds
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, page)
) WITHOUT ROWID;
