-- a store's names, appended in chunks: an import writes the names new to the store as one more
-- chunk (merged with the chunks before it while they are no more than twice its size, so a
-- store keeps a few dozen chunks at most) instead of rewriting every name it ever saw.
-- A chunk holds the names with ids first_id, first_id + 1, …: their UTF-8 text, and each
-- name's length in bytes as a varint (see kefu_core::model::Names). A rowid table with the key
-- in its own index, as message_days: a seek in a WITHOUT ROWID table reads every row it
-- visits whole, and a year's first chunk is hundreds of megabytes.
CREATE TABLE store_name_chunks (
    store_id INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    text BLOB NOT NULL,
    ends BLOB NOT NULL,
    PRIMARY KEY (store_id, first_id)
);
INSERT INTO store_name_chunks (store_id, first_id, text, ends)
    SELECT store_id, 0, text, ends FROM store_names;
DROP TABLE store_names;
