//! Performance plans in the database: saved versions, hand-entered scores, and the month's
//! input of a plan gathered from counters, orders and refunds.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use kefu_core::figures::Counters;
use kefu_core::model::{NameId, Role};
use kefu_plan::{
    AgentInput, EvalError, LateRefund, Month, PaidOrder, Plan, PlanError, PlanInput, PlanResult,
};
use rusqlite::{OptionalExtension, params};
use rustc_hash::FxHashMap;

use crate::{AccountInfo, Db, StoreError};

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

#[derive(Debug, thiserror::Error)]
pub enum PlanRunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A stored version no longer parses (it did when it was saved).
    #[error("stored plan `{plan_id}` from {valid_from}: {source}")]
    Stored {
        plan_id: String,
        valid_from: Month,
        source: PlanError,
    },
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
    /// QA scores of the month's reviews, hundredths.
    pub qa: HashMap<NameId, i64>,
    /// Attributed orders paid in the month, by account.
    pub orders: HashMap<NameId, Vec<PaidOrder>>,
    /// Refunds of earlier months' orders finished from the month's start on, by account.
    pub earlier_refunds: HashMap<NameId, Vec<LateRefund>>,
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
            .qa_scores(store_id, first, last)?
            .into_iter()
            .map(|(account, score)| (account, (score * 100.0).round() as i64))
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
        Ok(MonthData {
            month,
            accounts: self.accounts(store_id)?,
            counters,
            store,
            qa,
            orders,
            earlier_refunds,
        })
    }

    /// What `plan` needs for `month`: the agents it applies to (people in the roster or with
    /// figures in the month) with their counters, QA scores (the month's reviews, or a
    /// hand-entered `qa_score`), hand-entered values, orders and refunds.
    pub fn plan_input(
        &self,
        store_id: i64,
        plan: &Plan,
        month: Month,
    ) -> crate::Result<(PlanInput, Vec<NameId>)> {
        let data = self.month_data(store_id, month)?;
        self.plan_input_from(store_id, plan, &data)
    }

    fn plan_input_from(
        &self,
        store_id: i64,
        plan: &Plan,
        data: &MonthData,
    ) -> crate::Result<(PlanInput, Vec<NameId>)> {
        self.plan_input_without(store_id, plan, data, &HashMap::new())
    }

    /// [`Db::plan_input_from`] without the agents of `paid_elsewhere` (paid by another plan).
    fn plan_input_without(
        &self,
        store_id: i64,
        plan: &Plan,
        data: &MonthData,
        paid_elsewhere: &HashMap<NameId, String>,
    ) -> crate::Result<(PlanInput, Vec<NameId>)> {
        let members: Vec<_> = matched(plan, data)
            .filter(|a| !paid_elsewhere.contains_key(&a.id))
            .collect();
        let index: HashMap<NameId, usize> =
            members.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let mut agents: Vec<AgentInput> = members
            .iter()
            .map(|a| AgentInput {
                account: a.name.clone(),
                display_name: a.display_name.clone(),
                counters: data.counters.get(&a.id).cloned().unwrap_or_default(),
                qa_score: data.qa.get(&a.id).copied(),
                orders: data.orders.get(&a.id).cloned().unwrap_or_default(),
                earlier_refunds: data.earlier_refunds.get(&a.id).cloned().unwrap_or_default(),
                ..Default::default()
            })
            .collect();
        // Hand-entered values; a QA score entered for the plan wins over the reviews'.
        for s in self.plan_scores(store_id, data.month, &plan.id)? {
            let Some(&i) = index.get(&s.account_id) else {
                continue;
            };
            match s.item.as_str() {
                kefu_plan::QA_SCORE => agents[i].qa_score = Some(s.value),
                SALES_TARGET_ITEM => agents[i].sales_target_cents = Some(s.value),
                _ => {
                    agents[i].manual.insert(s.item, s.value);
                }
            }
        }
        let ids = members.iter().map(|a| a.id).collect();
        Ok((
            PlanInput {
                store: data.store.clone(),
                agents,
            },
            ids,
        ))
    }

    /// Evaluates `plan` for `month`; movement between grades compares with `previous`
    /// evaluated for the month before (the version in force then, or the same plan), unless
    /// the store has no data in that month.
    pub fn run_plan(
        &self,
        store_id: i64,
        plan: &Plan,
        previous: Option<&Plan>,
        month: Month,
    ) -> Result<(PlanResult, Vec<NameId>), PlanRunError> {
        let data = self.month_data(store_id, month)?;
        let before = match previous {
            Some(_) => Some(self.month_data(store_id, month.prev())?),
            None => None,
        };
        self.run_plan_with(store_id, plan, previous.zip(before.as_ref()), &data)
    }

    fn run_plan_with(
        &self,
        store_id: i64,
        plan: &Plan,
        previous: Option<(&Plan, &MonthData)>,
        data: &MonthData,
    ) -> Result<(PlanResult, Vec<NameId>), PlanRunError> {
        self.run_plan_without(store_id, plan, previous, data, &HashMap::new())
    }

    fn run_plan_without(
        &self,
        store_id: i64,
        plan: &Plan,
        previous: Option<(&Plan, &MonthData)>,
        data: &MonthData,
        paid_elsewhere: &HashMap<NameId, String>,
    ) -> Result<(PlanResult, Vec<NameId>), PlanRunError> {
        let (mut input, ids) = self.plan_input_without(store_id, plan, data, paid_elsewhere)?;
        // A month without any data graded nobody: every agent is then new.
        if let Some((prev_plan, prev_data)) = previous.filter(|(_, d)| !d.store.is_zero()) {
            let (prev_input, _) = self.plan_input_from(store_id, prev_plan, prev_data)?;
            let prev = kefu_plan::evaluate(prev_plan, prev_data.month, &prev_input)?;
            let grades: HashMap<&str, &str> = prev
                .payslips
                .iter()
                .filter_map(|p| Some((p.account.as_str(), p.grade.as_deref()?)))
                .collect();
            for a in &mut input.agents {
                a.previous_grade = grades.get(a.account.as_str()).map(|g| g.to_string());
            }
        }
        let mut result = kefu_plan::evaluate(plan, data.month, &input)?;
        result.paid_by_other_plan = matched(plan, data)
            .filter_map(|a| {
                Some(kefu_plan::PaidElsewhere {
                    account: a.name.clone(),
                    plan_id: paid_elsewhere.get(&a.id)?.clone(),
                })
            })
            .collect();
        Ok((result, ids))
    }

    /// What-if for an edited `plan`: it evaluated for `month` (movement against the version
    /// of its id in force the month before, else itself), beside that id's version in force
    /// for `month` if one is (as [`Db::run_stored_plans`] gives it). Each month is read
    /// once for both.
    pub fn preview_plan(
        &self,
        store_id: i64,
        plan: &Plan,
        month: Month,
    ) -> Result<(PlanResult, Option<PlanResult>), PlanRunError> {
        let data = self.month_data(store_id, month)?;
        let before = self.month_data(store_id, month.prev())?;
        let stored_previous = self
            .stored_plan(store_id, &plan.id, month.prev())?
            .map(|(_, p)| p);
        let previous = stored_previous.as_ref().unwrap_or(plan);
        let (new, _) = self.run_plan_with(store_id, plan, Some((previous, &before)), &data)?;
        let in_force = match self.stored_plan(store_id, &plan.id, month)? {
            Some((_, current)) => {
                let previous = stored_previous.as_ref().map(|p| (p, &before));
                Some(self.run_plan_with(store_id, &current, previous, &data)?.0)
            }
            None => None,
        };
        Ok((new, in_force))
    }

    /// The stored version of `plan_id` in force for `month` in `store_id`, parsed; `None`
    /// when the plan does not run in the store.
    pub fn stored_plan(
        &self,
        store_id: i64,
        plan_id: &str,
        month: Month,
    ) -> Result<Option<(PlanVersion, Plan)>, PlanRunError> {
        let Some(v) = self
            .plans_in_force(store_id, month)?
            .into_iter()
            .find(|v| v.plan_id == plan_id)
        else {
            return Ok(None);
        };
        let plan = kefu_plan::parse(&v.toml).map_err(|source| PlanRunError::Stored {
            plan_id: v.plan_id.clone(),
            valid_from: v.valid_from,
            source,
        })?;
        Ok(Some((v, plan)))
    }

    /// Evaluates every stored plan of the store in force for `month` (only `id` when given), in the
    /// plans' id order; movement compares with the month before under the version in force
    /// then. Empty when no plan is in force.
    pub fn run_stored_plans(
        &self,
        store_id: i64,
        month: Month,
        id: Option<&str>,
    ) -> Result<Vec<PlanResult>, PlanRunError> {
        let versions: Vec<PlanVersion> = self.plans_in_force(store_id, month)?;
        if !versions.iter().any(|v| id.is_none_or(|id| v.plan_id == id)) {
            return Ok(Vec::new());
        }
        let mut plans = Vec::with_capacity(versions.len());
        for v in &versions {
            if let Some((_, plan)) = self.stored_plan(store_id, &v.plan_id, month)? {
                plans.push(plan);
            }
        }
        // Each month is read once for all plans.
        let data = self.month_data(store_id, month)?;
        let before = self.month_data(store_id, month.prev())?;
        let payer = payers(&plans, &data);
        let unpaid = unpaid_with_sales(&data, &payer);
        let mut results = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            if id.is_some_and(|id| plan.id != id) {
                continue;
            }
            let elsewhere: HashMap<NameId, String> = payer
                .iter()
                .filter(|(_, p)| **p != i)
                .filter_map(|(a, p)| Some((*a, plans.get(*p)?.id.clone())))
                .collect();
            let previous = self
                .stored_plan(store_id, &plan.id, month.prev())?
                .map(|(_, p)| p);
            let previous = previous.as_ref().map(|p| (p, &before));
            let mut result = self
                .run_plan_without(store_id, plan, previous, &data, &elsewhere)?
                .0;
            result.unpaid_with_sales = unpaid.clone();
            results.push(result);
        }
        Ok(results)
    }
}

/// The agents `plan` applies to in a month: not bots, admitted by `applies_to`, in the roster
/// or with figures in the month, and in the team on some day of the month by the roster's
/// joining and leaving dates.
fn matched<'a>(plan: &'a Plan, data: &'a MonthData) -> impl Iterator<Item = &'a AccountInfo> {
    let (first, last) = (data.month.first_day(), data.month.last_day());
    data.accounts
        .iter()
        .filter(|a| !a.is_bot && a.role != Some(Role::Bot))
        .filter(|a| plan.applies_to.admits(a.role, a.group.as_deref()))
        .filter(|a| a.in_roster || data.counters.contains_key(&a.id))
        .filter(move |a| a.employed_between(first, last))
}

/// The accounts (not bots) with sales in the month whom no plan pays, by account name.
fn unpaid_with_sales(
    data: &MonthData,
    payer: &HashMap<NameId, usize>,
) -> Vec<kefu_plan::UnpaidAccount> {
    let mut unpaid: Vec<kefu_plan::UnpaidAccount> = data
        .accounts
        .iter()
        .filter(|a| !a.is_bot && a.role != Some(Role::Bot) && !payer.contains_key(&a.id))
        .filter_map(|a| {
            let paid: i64 = data
                .orders
                .get(&a.id)
                .map_or(0, |o| o.iter().map(|o| o.amount_cents).sum());
            let figure = data
                .counters
                .get(&a.id)
                .map_or(0, |c| c.get(kefu_core::figures::C::sales_cents));
            let sales_cents = if paid > 0 { paid } else { figure };
            (sales_cents > 0).then(|| kefu_plan::UnpaidAccount {
                account: a.name.clone(),
                in_roster: a.in_roster,
                sales_cents,
            })
        })
        .collect();
    unpaid.sort_by(|a, b| a.account.cmp(&b.account));
    unpaid
}

/// Which of `plans` pays each agent matched by any: an agent matched by several is paid by
/// one only — the most specific `applies_to` (role and groups, groups, role, everyone), then
/// the smallest plan id. By index into `plans`.
fn payers(plans: &[Plan], data: &MonthData) -> HashMap<NameId, usize> {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (plans[i].applies_to.specificity(), plans[i].id.as_str());
        key(a).cmp(&key(b))
    });
    let mut payer = HashMap::new();
    for i in order {
        for a in matched(&plans[i], data) {
            payer.entry(a.id).or_insert(i);
        }
    }
    payer
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
