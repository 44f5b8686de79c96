-- live folds append a store-day's new messages as parts beside its row of message_days
-- instead of rewriting the whole day (chunk.rs, db.rs `append_day`): readers take the day's
-- row and its parts together; parts of one level are merged into one of the next level, and
-- the next full import of the day merges them all into its row. A part exists only for a
-- store-day that has a row in message_days.
CREATE TABLE message_parts (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    level INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    events BLOB NOT NULL,
    texts BLOB NOT NULL
);
CREATE INDEX message_parts_by_day ON message_parts (store_id, day, level);
