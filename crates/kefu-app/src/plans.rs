//! Running performance plans: the agents a plan applies to and what it needs of them, the
//! evaluation of a month (with last month's grades for movement), the what-if preview of an
//! edited plan, and the stored plans in force for a store, each agent paid by one plan only.
//! The store keeps the plans, the hand-entered scores and a month's figures
//! (`Db::month_data`); the rules of who is in a plan and which plan pays live here, once, for
//! the command line and the web app.

use std::collections::{BTreeMap, HashMap};

use kefu_core::model::{NameId, Role};
use kefu_core::platform::{self, Amount, FigureKind, Platform};
use kefu_core::time::Day;
use kefu_plan::{AgentInput, EvalError, Month, Plan, PlanError, PlanInput, PlanResult};
use kefu_store::plans::{MonthData, PlanVersion, SALES_TARGET_ITEM};
use kefu_store::{AccountInfo, Db, StoreError};

/// Why a plan could not be run.
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

/// What `plan` needs for `month`: the agents it applies to (people in the roster or with
/// figures in the month) with their counters, QA scores (the month's reviews, or a
/// hand-entered `qa_score`), hand-entered values, orders and refunds.
pub fn plan_input(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    month: Month,
) -> Result<(PlanInput, Vec<NameId>), StoreError> {
    let data = db.month_data(store_id, month)?;
    plan_input_from(db, store_id, plan, &data)
}

fn plan_input_from(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    data: &MonthData,
) -> Result<(PlanInput, Vec<NameId>), StoreError> {
    plan_input_without(db, store_id, plan, data, &HashMap::new())
}

/// [`plan_input_from`] without the agents of `paid_elsewhere` (paid by another plan).
fn plan_input_without(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    data: &MonthData,
    paid_elsewhere: &HashMap<NameId, String>,
) -> Result<(PlanInput, Vec<NameId>), StoreError> {
    let members: Vec<_> = matched(plan, data)
        .filter(|a| !paid_elsewhere.contains_key(&a.id))
        .collect();
    let index: HashMap<NameId, usize> =
        members.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let platform = platform_by_account(data);
    let mut agents: Vec<AgentInput> = members
        .iter()
        .map(|a| AgentInput {
            platform: platform_of(&platform, &a.name),
            account: a.name.clone(),
            display_name: a.display_name.clone(),
            employee_no: a.employee_no.clone(),
            group: a.group.clone(),
            department: a.department.clone(),
            counters: data.counters.get(&a.id).cloned().unwrap_or_default(),
            qa_score: data.qa.get(&a.id).map(|(score, _)| *score),
            qa_reviews: data.qa.get(&a.id).map(|(_, n)| *n),
            orders: data.orders.get(&a.id).cloned().unwrap_or_default(),
            earlier_refunds: data.earlier_refunds.get(&a.id).cloned().unwrap_or_default(),
            ..Default::default()
        })
        .collect();
    // Hand-entered values; a QA score entered for the plan wins over the reviews'.
    for s in db.plan_scores(store_id, data.month, &plan.id)? {
        let Some(&i) = index.get(&s.account_id) else {
            continue;
        };
        match s.item.as_str() {
            kefu_plan::QA_SCORE => {
                agents[i].qa_score = Some(s.value);
                agents[i].qa_reviews = None;
            }
            SALES_TARGET_ITEM => agents[i].sales_target_cents = Some(s.value),
            _ => {
                agents[i].manual.insert(s.item, s.value);
            }
        }
    }
    // Recovered sales of the month, only for a plan that reads them.
    if plan.reads_recovery() {
        let (first, last) = (data.month.first_day(), data.month.last_day());
        let mut recovered = crate::worklists::recovered_by_agent(db, store_id, first, last)?;
        for (a, input) in members.iter().zip(agents.iter_mut()) {
            input.recovery = recovered.remove(&a.id).unwrap_or_default();
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

/// A month's platform report figures per report account: each column over the whole month
/// by the reports' rules (`kefu_core::platform::combine`: counts and money add up, a rate only
/// from one value covering the month); only known values.
fn platform_by_account(data: &MonthData) -> HashMap<&str, BTreeMap<(Platform, String), f64>> {
    type Values = Vec<(Day, Day, Amount)>;
    let mut columns: BTreeMap<(&str, Platform, &str), (FigureKind, Values)> = BTreeMap::new();
    for s in &data.platform {
        let f = &s.figure;
        columns
            .entry((f.account.as_str(), s.platform, f.column.as_str()))
            .or_insert((f.kind, Vec::new()))
            .1
            .push((f.from, f.to, f.value));
    }
    let (first, last) = (data.month.first_day(), data.month.last_day());
    let mut out: HashMap<&str, BTreeMap<(Platform, String), f64>> = HashMap::new();
    for ((account, platform, column), (kind, values)) in columns {
        if let Some(x) = platform::combine(&values, kind, first, last) {
            out.entry(account)
                .or_default()
                .insert((platform, column.to_string()), x);
        }
    }
    out
}

/// The platform figures of the kefu account `name`: the report account of the same name, else
/// (a report that leaves out the shop) the name after the shop's prefix (`店铺:小美` → `小美`).
fn platform_of(
    by_account: &HashMap<&str, BTreeMap<(Platform, String), f64>>,
    name: &str,
) -> BTreeMap<(Platform, String), f64> {
    by_account
        .get(name)
        .or_else(|| by_account.get(platform::without_shop(name)?))
        .cloned()
        .unwrap_or_default()
}

/// Evaluates `plan` for `month`; movement between grades compares with `previous`
/// evaluated for the month before (the version in force then, or the same plan), unless
/// the store has no data in that month.
pub fn run_plan(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    previous: Option<&Plan>,
    month: Month,
) -> Result<(PlanResult, Vec<NameId>), PlanRunError> {
    let data = db.month_data(store_id, month)?;
    let before = match previous {
        Some(_) => Some(db.month_data(store_id, month.prev())?),
        None => None,
    };
    run_plan_with(db, store_id, plan, previous.zip(before.as_ref()), &data)
}

fn run_plan_with(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    previous: Option<(&Plan, &MonthData)>,
    data: &MonthData,
) -> Result<(PlanResult, Vec<NameId>), PlanRunError> {
    run_plan_without(db, store_id, plan, previous, data, &HashMap::new())
}

fn run_plan_without(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    previous: Option<(&Plan, &MonthData)>,
    data: &MonthData,
    paid_elsewhere: &HashMap<NameId, String>,
) -> Result<(PlanResult, Vec<NameId>), PlanRunError> {
    let (mut input, ids) = plan_input_without(db, store_id, plan, data, paid_elsewhere)?;
    // A month without any data graded nobody: every agent is then new.
    if let Some((prev_plan, prev_data)) =
        previous.filter(|(_, d)| !d.store.is_zero() || !d.platform.is_empty())
    {
        let (prev_input, _) = plan_input_from(db, store_id, prev_plan, prev_data)?;
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
/// for `month` if one is (as [`run_stored_plans`] gives it). Each month is read
/// once for both.
pub fn preview_plan(
    db: &Db,
    store_id: i64,
    plan: &Plan,
    month: Month,
) -> Result<(PlanResult, Option<PlanResult>), PlanRunError> {
    let data = db.month_data(store_id, month)?;
    let before = db.month_data(store_id, month.prev())?;
    let stored_previous = stored_plan(db, store_id, &plan.id, month.prev())?.map(|(_, p)| p);
    let previous = stored_previous.as_ref().unwrap_or(plan);
    let (new, _) = run_plan_with(db, store_id, plan, Some((previous, &before)), &data)?;
    let in_force = match stored_plan(db, store_id, &plan.id, month)? {
        Some((_, current)) => {
            let previous = stored_previous.as_ref().map(|p| (p, &before));
            Some(run_plan_with(db, store_id, &current, previous, &data)?.0)
        }
        None => None,
    };
    Ok((new, in_force))
}

/// The stored version of `plan_id` in force for `month` in `store_id`, parsed; `None`
/// when the plan does not run in the store.
pub fn stored_plan(
    db: &Db,
    store_id: i64,
    plan_id: &str,
    month: Month,
) -> Result<Option<(PlanVersion, Plan)>, PlanRunError> {
    let Some(v) = db
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
    db: &Db,
    store_id: i64,
    month: Month,
    id: Option<&str>,
) -> Result<Vec<PlanResult>, PlanRunError> {
    let versions: Vec<PlanVersion> = db.plans_in_force(store_id, month)?;
    if !versions.iter().any(|v| id.is_none_or(|id| v.plan_id == id)) {
        return Ok(Vec::new());
    }
    let mut plans = Vec::with_capacity(versions.len());
    for v in &versions {
        if let Some((_, plan)) = stored_plan(db, store_id, &v.plan_id, month)? {
            plans.push(plan);
        }
    }
    // Each month is read once for all plans.
    let data = db.month_data(store_id, month)?;
    let before = db.month_data(store_id, month.prev())?;
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
        let previous = stored_plan(db, store_id, &plan.id, month.prev())?.map(|(_, p)| p);
        let previous = previous.as_ref().map(|p| (p, &before));
        let mut result = run_plan_without(db, store_id, plan, previous, &data, &elsewhere)?.0;
        result.unpaid_with_sales = unpaid.clone();
        results.push(result);
    }
    Ok(results)
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

impl kefu_core::localized::Localized for PlanRunError {
    fn zh(&self) -> String {
        match self {
            PlanRunError::Store(e) => e.zh(),
            PlanRunError::Eval(e) => e.zh(),
            PlanRunError::Stored {
                plan_id,
                valid_from,
                source,
            } => format!("保存的方案 `{plan_id}`（{valid_from} 起）：{}", source.zh()),
        }
    }
}

#[cfg(test)]
mod tests {
    use kefu_core::localized::{Localized, has_chinese};

    use super::*;

    #[test]
    fn every_plan_run_error_reads_in_both_languages() {
        let mut all: Vec<Box<dyn Localized>> = Vec::new();
        let month = Month::parse("2026-11").unwrap();
        let runs = [
            PlanRunError::Store(StoreError::Names(1)),
            PlanRunError::Eval(kefu_plan::EvalError {
                component: "c".into(),
                account: "a".into(),
                source: kefu_plan::Overflow,
            }),
            PlanRunError::Stored {
                plan_id: "p".into(),
                valid_from: month,
                source: kefu_plan::PlanError {
                    line: 1,
                    field: "f".into(),
                    message: "m".into(),
                    message_zh: "错".into(),
                },
            },
        ];
        all.extend(runs.into_iter().map(|e| Box::new(e) as Box<dyn Localized>));
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty(), "{}", e.en());
        }
    }
}
