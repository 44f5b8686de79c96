-- 19: a case of the library may be a chat nobody has reviewed (加入案例库 from a transcript):
-- the case names its reception itself, and its review is optional. SQLite cannot drop a NOT
-- NULL, so the table is rebuilt; existing cases take their review's reception.
CREATE TABLE qa_cases_new (
    id INTEGER PRIMARY KEY,
    -- NULL: added from a transcript, not from a review
    review_id INTEGER REFERENCES qa_reviews (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('good', 'bad')),
    -- JSON array of strings (migration 13)
    tags TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO qa_cases_new (id, review_id, store_id, account_id, buyer_id, day, verdict, tags,
                          note, created_by, created_at)
SELECT c.id, c.review_id, c.store_id, r.account_id, r.buyer_id, r.day, c.verdict, c.tags,
       c.note, c.created_by, c.created_at
FROM qa_cases c JOIN qa_reviews r ON r.id = c.review_id;
DROP TABLE qa_cases;
ALTER TABLE qa_cases_new RENAME TO qa_cases;
CREATE INDEX qa_cases_by_store ON qa_cases (store_id, created_at);
