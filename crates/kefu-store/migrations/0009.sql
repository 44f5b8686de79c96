
-- the stores a plan runs in; a plan without rows here runs nowhere. Plans were shared by
-- every store before: each keeps running in every store that existed then, so no payslip
-- changes (and a plan of several stores is then edited by admins only)
CREATE TABLE plan_stores (
    plan_id TEXT NOT NULL,
    store_id INTEGER NOT NULL,
    PRIMARY KEY (plan_id, store_id)
) WITHOUT ROWID;
INSERT INTO plan_stores (plan_id, store_id)
    SELECT DISTINCT v.plan_id, s.id FROM plan_versions v CROSS JOIN stores s;
-- the refunds of an order: what is left of it when a refund is deducted, and the import's
-- warnings about refunds larger than their order
CREATE INDEX refunds_by_order ON refunds (store_id, order_id);
-- roster: first and last day with the team (day numbers; NULL: open-ended)
ALTER TABLE accounts ADD COLUMN joined_on INTEGER;
ALTER TABLE accounts ADD COLUMN left_on INTEGER;
