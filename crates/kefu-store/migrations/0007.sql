
-- scorecards as shipped or edited: every change is a new version; reviews keep the version
-- they were made with
CREATE TABLE qa_scorecards (
    id INTEGER PRIMARY KEY,
    card TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    -- the whole scorecard file the card was read from (TOML)
    source TEXT NOT NULL,
    -- unix seconds
    created_at INTEGER NOT NULL,
    UNIQUE (card, version)
);
-- week or month per store (淡季周 / 旺季月)
CREATE TABLE qa_periods (
    store_id INTEGER PRIMARY KEY,
    period TEXT NOT NULL CHECK (period IN ('week', 'month'))
);
-- a calibration session: several reviewers score the same receptions blind
CREATE TABLE qa_calibrations (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards (id),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
-- the reviews a reviewer owes in a period; a reception is (store, account, buyer, day)
CREATE TABLE qa_assignments (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    period_from INTEGER NOT NULL,
    period_to INTEGER NOT NULL,
    -- NULL once the reviewer's user is deleted: the assignment leaves every list, and its
    -- review (evidence in an agent's score) stays
    reviewer_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    -- why it was drawn: comma-separated signals (flagged, low_rating, …), empty when random
    signals TEXT NOT NULL DEFAULT '',
    calibration_id INTEGER REFERENCES qa_calibrations (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
-- a reviewer reads a reception once per kind, and once more in each calibration
CREATE UNIQUE INDEX qa_assignments_once ON qa_assignments
    (reviewer_id, store_id, account_id, buyer_id, day, kind, IFNULL(calibration_id, 0));
CREATE INDEX qa_assignments_by_period ON qa_assignments (store_id, period_from);
-- the goal of a reviewer for a period (reviews to do)
CREATE TABLE qa_goals (
    store_id INTEGER NOT NULL,
    period_from INTEGER NOT NULL,
    reviewer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    goal INTEGER NOT NULL,
    PRIMARY KEY (store_id, period_from, reviewer_id)
) WITHOUT ROWID;
CREATE TABLE qa_reviews (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL UNIQUE REFERENCES qa_assignments (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    reviewer_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards (id),
    -- item=answer;… (kefu_qa::review::encode_answers)
    answers TEXT NOT NULL,
    -- percent; NULL when no item applied
    score REAL,
    -- comma-separated ids of failed critical items
    failed_critical TEXT NOT NULL DEFAULT '',
    -- improvement note (劣势检验) or highlight (优势检验)
    note TEXT NOT NULL,
    training_topic TEXT,
    -- 学习标签 ('learn from this') and other tags, comma-separated
    tags TEXT NOT NULL DEFAULT '',
    -- calibration reviews never count in agents' scores
    calibration INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX qa_reviews_by_account ON qa_reviews (store_id, account_id, day);
-- at most one appeal per review; the score changes only when one is accepted
CREATE TABLE qa_appeals (
    review_id INTEGER PRIMARY KEY REFERENCES qa_reviews (id) ON DELETE CASCADE,
    appellant_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decision_comment TEXT,
    -- the corrected score of an accepted appeal
    new_score REAL,
    created_at INTEGER NOT NULL,
    decided_at INTEGER
);
-- 案例库: reviewed chats kept as good or bad examples for training
CREATE TABLE qa_cases (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES qa_reviews (id) ON DELETE CASCADE,
    store_id INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('good', 'bad')),
    -- scenario and product tags, comma-separated
    tags TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
