-- Platform figures: what a marketplace's own customer-service report says per account (or per
-- shop) and period, under the report's own column name. Kept apart from kefu's computed
-- counters: they are imported as the platform wrote them, never recomputed.
CREATE TABLE platform_figures (
    store_id INTEGER NOT NULL,
    -- taobao, tmall, pdd, douyin, kuaishou, jd, chitu
    platform TEXT NOT NULL,
    -- the agent's account as the report writes it; '' for a shop-level report
    account TEXT NOT NULL,
    -- the first and last day the value covers (days since 1970-01-01), both included
    day_from INTEGER NOT NULL,
    day_to INTEGER NOT NULL,
    -- the column's name exactly as in the file (a rate's window, 8-23点 or 全天, is part of it)
    name TEXT NOT NULL,
    -- how values over several periods combine: count, money, rate, average, duration
    kind TEXT NOT NULL,
    -- counts and averages as numbers, rates as fractions (0.985), durations in seconds;
    -- NULL for money and for values not known
    value REAL,
    -- money in cents (exact); NULL otherwise
    cents INTEGER,
    -- the kind of report it came from (pdd_agent, qianniu_agent, ...)
    report TEXT NOT NULL,
    PRIMARY KEY (store_id, platform, account, day_from, day_to, name)
) WITHOUT ROWID;
-- the figures of a range of days
CREATE INDEX platform_figures_by_day ON platform_figures (store_id, day_to, day_from);
