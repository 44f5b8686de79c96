//! Performance plans in the database: saved versions, hand-entered scores, and the month's
//! input of a plan gathered from counters, orders and refunds.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use kefu_core::figures::Counters;
use kefu_core::model::NameId;
use kefu_plan::{LateRefund, Month, PaidOrder};
use rusqlite::{OptionalExtension, params};
use rustc_hash::FxHashMap;

use crate::{AccountInfo, Db};

/// Hand-entered item holding a per-agent sales target (in cents) instead of a score.
pub const SALES_TARGET_ITEM: &str = "sales_target";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVersion {
    pub id: i64,
    pub plan_id: String,
    pub valid_from: Month,
    pub toml: String,
    /// Unix seconds.
    pub saved_at: i64,
    pub saved_by: Option<String>,
    /// The stores the plan runs in (a property of the plan id, the same for every version),
    /// by id.
    pub stores: Vec<i64>,
}

/// A payment is looked for among the attributions of receptions up to this many days before
/// its month (attribution windows are days long; Taobao closes an unpaid order in 72 hours).
const ATTRIBUTION_LOOKBACK_DAYS: i32 = 62;

/// A refund finishing in a month is looked for among those requested up to this many days
/// before the month.
const REFUND_LOOKBACK_DAYS: i32 = 180;

/// One store's month as every plan reads it ([`Db::month_data`]).
#[derive(Debug, Clone)]
pub struct MonthData {
    pub month: Month,
    pub accounts: Vec<AccountInfo>,
    pub counters: HashMap<NameId, Counters>,
    /// The whole store's counters of the month.
    pub store: Counters,
    /// QA scores of the month's reviews, hundredths, with the number of reviews each averages.
    pub qa: HashMap<NameId, (i64, u32)>,
    /// Attributed orders paid in the month, by account.
    pub orders: HashMap<NameId, Vec<PaidOrder>>,
    /// Refunds of earlier months' orders finished from the month's start on, by account.
    pub earlier_refunds: HashMap<NameId, Vec<LateRefund>>,
    /// The store's platform report figures whose period overlaps the month (a plan reads
    /// those within it: `kefu_core::platform::combine`).
    pub platform: Vec<crate::platform::StoredPlatformFigure>,
}

/// One hand-entered value: a score in hundredths of a point, or a target in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanScore {
    pub account_id: NameId,
    pub item: String,
    pub value: i64,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn version_row(r: &rusqlite::Row) -> rusqlite::Result<PlanVersion> {
    let valid_from: String = r.get(2)?;
    Ok(PlanVersion {
        id: r.get(0)?,
        plan_id: r.get(1)?,
        // Written by `save_plan_version` from a `Month`; a damaged row reads as 1970-01.
        valid_from: Month::parse(&valid_from).unwrap_or(Month {
            year: 1970,
            month: 1,
        }),
        toml: r.get(3)?,
        saved_at: r.get(4)?,
        saved_by: r.get(5)?,
        stores: r
            .get::<_, Option<String>>(6)?
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect(),
    })
}

/// The columns `version_row` reads, with the plan's stores as a comma-separated list.
const VERSION_COLUMNS: &str =
    "SELECT v.id, v.plan_id, v.valid_from, v.toml, v.saved_at, v.saved_by,
        (SELECT group_concat(store_id) FROM plan_stores s WHERE s.plan_id = v.plan_id)
     FROM plan_versions v";

impl Db {
    /// Stores a version of a plan, in force from `valid_from` until a later version, and makes
    /// `stores` the stores the plan runs in (every version's), in one transaction.
    pub fn save_plan_version(
        &mut self,
        plan_id: &str,
        valid_from: Month,
        toml: &str,
        saved_by: Option<&str>,
        stores: &[i64],
    ) -> crate::Result<i64> {
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO plan_versions (plan_id, valid_from, toml, saved_at, saved_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![plan_id, valid_from.to_string(), toml, now(), saved_by],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute("DELETE FROM plan_stores WHERE plan_id = ?1", [plan_id])?;
        for store in stores {
            tx.execute(
                "INSERT OR IGNORE INTO plan_stores (plan_id, store_id) VALUES (?1, ?2)",
                params![plan_id, store],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// The stores plan `plan_id` runs in, by id (empty for an unknown plan).
    pub fn plan_stores(&self, plan_id: &str) -> crate::Result<Vec<i64>> {
        let mut st = self.conn().prepare_cached(
            "SELECT store_id FROM plan_stores WHERE plan_id = ?1 ORDER BY store_id",
        )?;
        let rows = st.query_map([plan_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every saved version, by plan and then newest first.
    pub fn plan_versions(&self) -> crate::Result<Vec<PlanVersion>> {
        let mut st = self.conn().prepare(&format!(
            "{VERSION_COLUMNS} ORDER BY v.plan_id, v.valid_from DESC, v.id DESC"
        ))?;
        let rows = st.query_map([], version_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn plan_version(&self, id: i64) -> crate::Result<Option<PlanVersion>> {
        Ok(self
            .conn()
            .query_row(
                &format!("{VERSION_COLUMNS} WHERE v.id = ?1"),
                [id],
                version_row,
            )
            .optional()?)
    }

    /// The version in force for `month` of each plan that runs in `store_id`: the newest
    /// `valid_from` not after the month (the last saved, among versions of the same month).
    pub fn plans_in_force(&self, store_id: i64, month: Month) -> crate::Result<Vec<PlanVersion>> {
        let mut seen = std::collections::HashSet::new();
        Ok(self
            .plan_versions()?
            .into_iter()
            .filter(|v| v.stores.contains(&store_id))
            .filter(|v| v.valid_from <= month)
            .filter(|v| seen.insert(v.plan_id.clone()))
            .collect())
    }

    /// Sets one hand-entered value (replacing the previous one).
    pub fn set_plan_score(
        &self,
        store_id: i64,
        month: Month,
        plan_id: &str,
        score: &PlanScore,
    ) -> crate::Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO plan_scores (store_id, month, plan_id, account_id, item, value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                store_id,
                month.to_string(),
                plan_id,
                score.account_id,
                score.item,
                score.value
            ],
        )?;
        Ok(())
    }

    /// Sets many values in one transaction (an import): all or nothing.
    pub fn set_plan_scores(
        &mut self,
        store_id: i64,
        month: Month,
        plan_id: &str,
        scores: &[PlanScore],
    ) -> crate::Result<()> {
        let tx = self.conn_mut().transaction()?;
        {
            let mut st = tx.prepare(
                "INSERT OR REPLACE INTO plan_scores (store_id, month, plan_id, account_id, item, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in scores {
                st.execute(params![
                    store_id,
                    month.to_string(),
                    plan_id,
                    s.account_id,
                    s.item,
                    s.value
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn plan_scores(
        &self,
        store_id: i64,
        month: Month,
        plan_id: &str,
    ) -> crate::Result<Vec<PlanScore>> {
        let mut st = self.conn().prepare_cached(
            "SELECT account_id, item, value FROM plan_scores
             WHERE store_id = ?1 AND month = ?2 AND plan_id = ?3 ORDER BY account_id, item",
        )?;
        let rows = st.query_map(params![store_id, month.to_string(), plan_id], |r| {
            Ok(PlanScore {
                account_id: r.get(0)?,
                item: r.get(1)?,
                value: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Reads what any plan needs of one store's month, once: the roster, counters, QA
    /// scores, the attributed orders paid in the month with their successful refunds, and
    /// refunds of earlier months' orders that finished from the month's start to the end of
    /// the next month (a superset of every settlement window; the evaluation keeps those of
    /// its plan's window).
    pub fn month_data(&self, store_id: i64, month: Month) -> crate::Result<MonthData> {
        let (first, last) = (month.first_day(), month.last_day());
        let counters: HashMap<NameId, Counters> = self
            .counters_by_account(store_id, first, last)?
            .into_iter()
            .collect();
        let store = self.store_counters(store_id, first, last)?;
        let qa = self
            .qa_scores_counted(store_id, first, last)?
            .into_iter()
            .map(|(account, score, n)| (account, ((score * 100.0).round() as i64, n)))
            .collect();
        let start = first.start();
        let end = month.next().first_day().start();
        // The latest settlement of the month: day 31 is clamped to the next month's end.
        let refunds_end = month.settlement_end(31);

        // The attributions of the receptions that can have led to a payment in the month, and
        // the orders paid in the month: two covering index ranges (migration 5), joined here.
        let mut st = self.conn().prepare_cached(
            "SELECT order_id, account_id FROM order_facts
             WHERE store_id = ?1 AND reception_day BETWEEN ?2 AND ?3 AND account_id IS NOT NULL",
        )?;
        // Fx: a hundred thousand short keys per month; SipHash was a tenth of the run.
        let attributed: FxHashMap<String, NameId> = st
            .query_map(
                params![store_id, first.offset(-ATTRIBUTION_LOOKBACK_DAYS).0, last.0],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, NameId>(1)?)),
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = self.conn().prepare_cached(
            "SELECT order_id, paid_at, amount_cents FROM orders
             WHERE store_id = ?1 AND paid_at >= ?2 AND paid_at < ?3",
        )?;
        let paid = st.query_map(params![store_id, start, end], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut orders: HashMap<NameId, Vec<PaidOrder>> = HashMap::new();
        let mut order_slot: FxHashMap<String, (NameId, usize)> = FxHashMap::default();
        for row in paid {
            let (order_id, paid_at, amount_cents) = row?;
            if let Some(&account) = attributed.get(&order_id) {
                let list = orders.entry(account).or_default();
                order_slot.insert(order_id.clone(), (account, list.len()));
                list.push(PaidOrder {
                    order_id,
                    paid_at,
                    amount_cents,
                    refunds: Vec::new(),
                });
            }
        }

        // INDEXED BY: without statistics SQLite's planner walks the store's refunds by
        // primary key for every refund, not the order's few (quadratic).
        let mut st = self.conn().prepare_cached(
            "SELECT r.order_id, r.finished_at, r.amount_cents, o.paid_at, f.account_id,
                    o.amount_cents,
                    (SELECT COALESCE(SUM(p.amount_cents), 0) FROM refunds p INDEXED BY refunds_by_order
                     WHERE p.store_id = r.store_id AND p.order_id = r.order_id
                       AND p.status = 'success'
                       AND (p.finished_at < r.finished_at
                            OR (p.finished_at = r.finished_at AND p.refund_id < r.refund_id)))
             FROM refunds r
             JOIN orders o ON o.store_id = r.store_id AND o.order_id = r.order_id
             JOIN order_facts f ON f.store_id = r.store_id AND f.order_id = r.order_id
             WHERE r.store_id = ?1 AND r.status = 'success'
               AND r.requested_at >= ?5 AND r.requested_at < ?3 AND r.finished_at < ?3
               AND ((o.paid_at >= ?2 AND o.paid_at < ?4) OR (r.finished_at >= ?2 AND o.paid_at < ?2))
               AND f.account_id IS NOT NULL",
        )?;
        let requested_from = first.offset(-REFUND_LOOKBACK_DAYS).start();
        let rows = st.query_map(
            params![store_id, start, refunds_end, end, requested_from],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, NameId>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            },
        )?;
        let mut earlier_refunds: HashMap<NameId, Vec<LateRefund>> = HashMap::new();
        for row in rows {
            let (order_id, finished_at, amount_cents, paid_at, account, order_cents, before) = row?;
            if paid_at >= start {
                if let Some(&(a, i)) = order_slot.get(&order_id)
                    && let Some(o) = orders.get_mut(&a).and_then(|l| l.get_mut(i))
                {
                    o.refunds.push((finished_at, amount_cents));
                }
            } else {
                earlier_refunds
                    .entry(account)
                    .or_default()
                    .push(LateRefund {
                        order_id,
                        paid_at,
                        finished_at,
                        amount_cents,
                        order_amount_cents: order_cents,
                        refunded_before_cents: before,
                    });
            }
        }
        let store_name = self
            .stores()?
            .into_iter()
            .find(|s| s.id == store_id)
            .map(|s| s.name)
            .unwrap_or_default();
        Ok(MonthData {
            month,
            platform: self.platform_figures_of(store_id, &store_name, first, last)?,
            accounts: self.accounts(store_id)?,
            counters,
            store,
            qa,
            orders,
            earlier_refunds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn the_newest_version_not_after_the_month_is_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("p.db")).unwrap();
        db.save_plan_version("a", m("2026-10"), "a1", None, &[1])
            .unwrap();
        db.save_plan_version("a", m("2026-12"), "a2", Some("sup"), &[1])
            .unwrap();
        db.save_plan_version("b", m("2026-10"), "b1", None, &[1])
            .unwrap();
        // saved again for the same month: the later one wins
        db.save_plan_version("b", m("2026-10"), "b2", None, &[1, 2])
            .unwrap();
        db.save_plan_version("c", m("2026-10"), "c1", None, &[2])
            .unwrap();
        // a plan runs only in its stores
        let in_store_2: Vec<String> = db
            .plans_in_force(2, m("2026-11"))
            .unwrap()
            .into_iter()
            .map(|v| v.toml)
            .collect();
        assert_eq!(in_store_2, vec!["b2", "c1"]);
        assert_eq!(db.plan_stores("b").unwrap(), vec![1, 2]);
        let texts = |month: &str| -> Vec<String> {
            db.plans_in_force(1, m(month))
                .unwrap()
                .into_iter()
                .map(|v| v.toml)
                .collect()
        };
        assert!(texts("2026-09").is_empty());
        assert_eq!(texts("2026-11"), vec!["a1", "b2"]);
        assert_eq!(texts("2027-01"), vec!["a2", "b2"]);
        assert_eq!(db.plan_versions().unwrap().len(), 5);
        let newest = db.plan_version(2).unwrap().unwrap();
        assert_eq!(
            (newest.valid_from, newest.saved_by.as_deref()),
            (m("2026-12"), Some("sup"))
        );
    }

    #[test]
    fn scores_replace_by_item() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("p.db")).unwrap();
        let score = |item: &str, value| PlanScore {
            account_id: 3,
            item: item.into(),
            value,
        };
        db.set_plan_scores(1, m("2026-11"), "a", &[score("attitude", 80_00)])
            .unwrap();
        db.set_plan_score(1, m("2026-11"), "a", &score("attitude", 95_50))
            .unwrap();
        db.set_plan_score(1, m("2026-11"), "a", &score(SALES_TARGET_ITEM, 30_000_000))
            .unwrap();
        db.set_plan_score(1, m("2026-12"), "a", &score("attitude", 10_00))
            .unwrap();
        let nov = db.plan_scores(1, m("2026-11"), "a").unwrap();
        assert_eq!(
            nov,
            vec![
                score("attitude", 95_50),
                score(SALES_TARGET_ITEM, 30_000_000)
            ]
        );
        assert!(db.plan_scores(1, m("2026-11"), "b").unwrap().is_empty());
    }
}
