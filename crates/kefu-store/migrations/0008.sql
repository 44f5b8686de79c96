
ALTER TABLE counters ADD COLUMN after_sales INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counters ADD COLUMN tb_rounds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counters ADD COLUMN tb_wait_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counters ADD COLUMN buyers INTEGER NOT NULL DEFAULT 0;
-- the first response times of the row's receptions (ms, service clock) as sorted (value, count)
-- runs of varint pairs: percentiles are not sums, so the values are kept whole
ALTER TABLE counters ADD COLUMN first_responses BLOB;
