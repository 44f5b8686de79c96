
-- Structured quality-inspection data: what was ad hoc text becomes JSON or rows of its own.

-- the hits of a flagged reception, one row per rule (was: qa_reception_hits.hits, entries
-- `;rule|severity|score|count|m,m|m.s.e,m.s.e` found with instr())
CREATE TABLE qa_rule_hits (
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    rule TEXT NOT NULL,
    -- the order the rules hit in (the rule set's order)
    position INTEGER NOT NULL,
    -- 0 low .. 3 critical
    severity INTEGER NOT NULL,
    score INTEGER NOT NULL,
    -- matches of the rule in the reception
    count INTEGER NOT NULL,
    -- JSON: the indexes of the reception's messages that triggered it, [m, …]
    messages TEXT NOT NULL,
    -- JSON: the matched text, [[message, start, end], …] (character offsets)
    spans TEXT NOT NULL,
    PRIMARY KEY (store_id, day, account_id, buyer_id, rule)
) WITHOUT ROWID;
-- the receptions one rule hit over a range
CREATE INDEX qa_rule_hits_by_rule ON qa_rule_hits (store_id, rule, day);

WITH RECURSIVE entries (store_id, day, account_id, buyer_id, position, entry, rest) AS (
    SELECT store_id, day, account_id, buyer_id, -1, '', hits || ';' FROM qa_reception_hits
    UNION ALL
    SELECT store_id, day, account_id, buyer_id, position + 1,
        substr(rest, 1, instr(rest, ';') - 1), substr(rest, instr(rest, ';') + 1)
    FROM entries WHERE rest <> ''
),
f1 (store_id, day, account_id, buyer_id, position, rule, r) AS (
    SELECT store_id, day, account_id, buyer_id, position,
        substr(entry, 1, instr(entry, '|') - 1), substr(entry, instr(entry, '|') + 1)
    FROM entries WHERE instr(entry, '|') > 1
),
f2 AS (
    SELECT *, substr(r, 1, instr(r, '|') - 1) AS severity, substr(r, instr(r, '|') + 1) AS r2
    FROM f1 WHERE instr(r, '|') > 0
),
f3 AS (
    SELECT *, substr(r2, 1, instr(r2, '|') - 1) AS score, substr(r2, instr(r2, '|') + 1) AS r3
    FROM f2 WHERE instr(r2, '|') > 0
),
f4 AS (
    SELECT *, substr(r3, 1, instr(r3, '|') - 1) AS count, substr(r3, instr(r3, '|') + 1) AS r4
    FROM f3 WHERE instr(r3, '|') > 0
),
f5 AS (
    SELECT *, substr(r4, 1, instr(r4, '|') - 1) AS messages, substr(r4, instr(r4, '|') + 1) AS spans
    FROM f4 WHERE instr(r4, '|') > 0
),
parsed AS (
    SELECT store_id, day, account_id, buyer_id, rule, position,
        CASE severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END
            AS severity,
        CAST(score AS INTEGER) AS score, CAST(count AS INTEGER) AS count,
        '[' || messages || ']' AS messages,
        CASE spans WHEN '' THEN '[]'
            ELSE '[[' || replace(replace(spans, ',', '],['), '.', ',') || ']]' END AS spans
    FROM f5
    -- what the reader skipped before (a damaged entry) is left out
    WHERE instr(spans, '|') = 0
        AND severity IN ('low', 'medium', 'high', 'critical')
        AND score <> '' AND score NOT GLOB '*[^0-9-]*'
        AND count <> '' AND count NOT GLOB '*[^0-9]*'
)
INSERT OR IGNORE INTO qa_rule_hits
    (store_id, day, account_id, buyer_id, rule, position, severity, score, count, messages, spans)
SELECT store_id, day, account_id, buyer_id, rule, position, severity, score, count,
    CASE WHEN json_valid(messages) THEN messages ELSE '[]' END,
    CASE WHEN json_valid(spans) THEN spans ELSE '[]' END
FROM parsed;

-- the number of rules that hit the reception takes the place of the text
ALTER TABLE qa_reception_hits ADD COLUMN rules INTEGER NOT NULL DEFAULT 0;
UPDATE qa_reception_hits SET rules = (
    SELECT COUNT(*) FROM qa_rule_hits r
    WHERE r.store_id = qa_reception_hits.store_id AND r.day = qa_reception_hits.day
        AND r.account_id = qa_reception_hits.account_id AND r.buyer_id = qa_reception_hits.buyer_id
);
ALTER TABLE qa_reception_hits DROP COLUMN hits;

-- Comma-separated lists become JSON arrays of strings, in their order, empty items dropped:
-- qa_assignments.signals, qa_reviews.failed_critical and tags, qa_cases.tags. The columns
-- keep their names (and their old default '', which the code never relies on).
CREATE TEMP TABLE list_items (tbl TEXT, row_id INTEGER, n INTEGER, item TEXT);
WITH RECURSIVE split (tbl, row_id, n, item, rest) AS (
    SELECT 'signals', id, 0, NULL, signals || ',' FROM qa_assignments
    UNION ALL SELECT 'failed_critical', id, 0, NULL, failed_critical || ',' FROM qa_reviews
    UNION ALL SELECT 'review_tags', id, 0, NULL, tags || ',' FROM qa_reviews
    UNION ALL SELECT 'case_tags', id, 0, NULL, tags || ',' FROM qa_cases
    UNION ALL
    SELECT tbl, row_id, n + 1, substr(rest, 1, instr(rest, ',') - 1),
        substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest <> ''
)
INSERT INTO list_items SELECT tbl, row_id, n, item FROM split WHERE item <> '';

UPDATE qa_assignments SET signals = (
    SELECT json_group_array(item ORDER BY n) FROM list_items
    WHERE tbl = 'signals' AND row_id = qa_assignments.id
);
UPDATE qa_reviews SET failed_critical = (
    SELECT json_group_array(item ORDER BY n) FROM list_items
    WHERE tbl = 'failed_critical' AND row_id = qa_reviews.id
), tags = (
    SELECT json_group_array(item ORDER BY n) FROM list_items
    WHERE tbl = 'review_tags' AND row_id = qa_reviews.id
);
UPDATE qa_cases SET tags = (
    SELECT json_group_array(item ORDER BY n) FROM list_items
    WHERE tbl = 'case_tags' AND row_id = qa_cases.id
);

-- Review answers `item=answer;…` become a JSON object {"item": "answer", …} in the
-- scorecard's item order.
DELETE FROM list_items;
WITH RECURSIVE split (row_id, n, item, rest) AS (
    SELECT id, 0, NULL, answers || ';' FROM qa_reviews
    UNION ALL
    SELECT row_id, n + 1, substr(rest, 1, instr(rest, ';') - 1),
        substr(rest, instr(rest, ';') + 1)
    FROM split WHERE rest <> ''
)
INSERT INTO list_items SELECT 'answers', row_id, n, item FROM split WHERE item <> '';
UPDATE qa_reviews SET answers = (
    SELECT json_group_object(
            CASE WHEN instr(item, '=') > 0 THEN substr(item, 1, instr(item, '=') - 1) ELSE item END,
            CASE WHEN instr(item, '=') > 0 THEN substr(item, instr(item, '=') + 1) ELSE '' END
            ORDER BY n)
    FROM list_items WHERE tbl = 'answers' AND row_id = qa_reviews.id
);
DROP TABLE list_items;
