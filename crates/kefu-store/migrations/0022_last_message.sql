-- the time of each store's latest message (store-local ms), written by every import that adds
-- messages, so that "data up to …" reads one column instead of decoding the last day's blob;
-- NULL until known: opening the database fills it in once for the stores that have messages
ALTER TABLE stores ADD COLUMN last_message_at INTEGER;
-- a random number written anew whenever the store's derived figures are written: readers that
-- keep what they computed from those figures (first response percentiles) key it on this
ALTER TABLE stores ADD COLUMN facts_version INTEGER NOT NULL DEFAULT 0;
