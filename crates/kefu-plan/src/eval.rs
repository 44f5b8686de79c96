//! Evaluating a plan for a month: scores, gates, ranks, grades and pay, per agent.
//!
//! Scores are hundredths of a point (`8750` = 87.5). A KPI's weighted points are rounded
//! half up to hundredths on their own line, and the total score is the sum of those lines,
//! so a payslip adds up as printed. Money is exact until the end of each pay component,
//! where it is rounded half away from zero to the fen, once.

use std::collections::BTreeMap;

use kefu_core::figures::{C, Counters, Unit, Value};
use kefu_core::money::format_yuan;
use kefu_core::platform::Platform;
use kefu_core::time::{Millis, format_time};
use serde::Serialize;

use crate::decimal::{Decimal, Exact, Overflow};
use crate::model::*;
use crate::month::Month;
use crate::parse::{pct_text, score_text};
use crate::recovery::{AgentRecovery, Measure};

/// What a month's evaluation needs, gathered by an adapter (the store, a test).
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// The whole store's counters for the month (every account and the store-level ones).
    pub store: Counters,
    /// The plan's agents (bots excluded by the adapter).
    pub agents: Vec<AgentInput>,
}

#[derive(Debug, Clone, Default)]
pub struct AgentInput {
    /// The chat account, as stored (`店铺:小美`).
    pub account: String,
    pub display_name: Option<String>,
    /// 工号, group and 部门 from the roster, carried to the payslip for the payroll sheet.
    pub employee_no: Option<String>,
    pub group: Option<String>,
    pub department: Option<String>,
    /// The agent's counters for the month.
    pub counters: Counters,
    /// Manual scores by item key, in hundredths of a point.
    pub manual: BTreeMap<String, i64>,
    /// Quality-inspection score, hundredths of a point.
    pub qa_score: Option<i64>,
    /// How many reviews the QA score averages; `None` for a hand-entered score.
    pub qa_reviews: Option<u32>,
    /// Overrides the plan's `sales_target` for this agent.
    pub sales_target_cents: Option<i64>,
    /// Paid orders attributed to the agent whose payment falls in the month.
    pub orders: Vec<PaidOrder>,
    /// Refunds of orders attributed to the agent and paid before the month.
    pub earlier_refunds: Vec<LateRefund>,
    /// The grade of the previous month, if the agent had one.
    pub previous_grade: Option<String>,
    /// The agent's platform report figures over the month (`kefu_core::platform::combine`):
    /// rates as fractions, durations in seconds, money in yuan; only the known ones.
    pub platform: BTreeMap<(Platform, String), f64>,
    /// The agent's recovered sales of the month (`Source::Recovery`): gathered only for a
    /// plan that reads them ([`Plan::reads_recovery`]).
    pub recovery: AgentRecovery,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaidOrder {
    pub order_id: String,
    pub paid_at: Millis,
    pub amount_cents: i64,
    /// Successful refunds: (finished at, amount).
    pub refunds: Vec<(Millis, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LateRefund {
    pub order_id: String,
    pub paid_at: Millis,
    pub finished_at: Millis,
    pub amount_cents: i64,
    /// The order's amount.
    pub order_amount_cents: i64,
    /// The order's successful refunds that finished before this one: what is left of the
    /// order is `order_amount_cents − refunded_before_cents`.
    pub refunded_before_cents: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanResult {
    pub plan_id: String,
    pub plan_name: String,
    pub month: String,
    /// Refunds finished before this moment (store-local) count against the month.
    pub settlement_end: String,
    /// The agents active in the month (every agent when the plan pays inactive ones).
    pub headcount: usize,
    pub store_sales_cents: i64,
    /// The store has no data at all in the month.
    pub empty_month: bool,
    /// Best first; ties share a rank; agents without activity last, unranked.
    pub payslips: Vec<Payslip>,
    /// Agents this plan also matches who are paid by another plan in force (precedence of
    /// plans, see `docs/plans.md`); filled in when stored plans run together.
    pub paid_by_other_plan: Vec<PaidElsewhere>,
    /// The store's accounts with sales in the month that no plan in force pays (not in the
    /// roster, or matched by no plan's `applies_to`); filled in when stored plans run
    /// together, the same on every plan's result.
    pub unpaid_with_sales: Vec<UnpaidAccount>,
    /// Platform report columns the plan reads that no agent has a figure for in the month: a
    /// misspelt `column` (or a report not imported) would otherwise score everyone the KPI's
    /// `missing_score` without a word.
    pub columns_without_data: Vec<ColumnWithoutData>,
}

/// A platform column a plan names that none of its agents has a figure for in the month.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ColumnWithoutData {
    /// `taobao`, `pdd`, …
    pub platform: String,
    pub column: String,
    /// The columns of the same platform the agents do have, to spot a typo by.
    pub present: Vec<String>,
}

/// An account with sales in the month that no plan pays.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnpaidAccount {
    pub account: String,
    pub in_roster: bool,
    /// Attributed orders paid in the month, cents (else the `sales` figure of the month).
    pub sales_cents: i64,
}

/// An agent matched by a plan but paid by another one.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PaidElsewhere {
    pub account: String,
    pub plan_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Movement {
    Up,
    Down,
    Same,
    /// No grade last month.
    New,
    /// No grade this month.
    Out,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Payslip {
    pub account: String,
    pub display_name: Option<String>,
    /// 工号, group and 部门 from the roster.
    pub employee_no: Option<String>,
    pub group: Option<String>,
    pub department: Option<String>,
    /// Competition ranking: equal totals share a rank, the next rank skips (1, 1, 3). `None`:
    /// no activity in the month, not ranked (unless the plan pays inactive agents).
    pub rank: Option<usize>,
    /// Had receptions, messages or paid orders in the month (see [`is_active`]).
    pub active: bool,
    pub grade: Option<String>,
    pub previous_grade: Option<String>,
    pub movement: Movement,
    /// Hundredths of a point.
    pub total_score: i64,
    pub kpis: Vec<KpiLine>,
    pub gates: Vec<GateLine>,
    pub sales: SalesBase,
    pub pay: Vec<PayLine>,
    pub total_cents: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KpiLine {
    pub key: String,
    pub name: String,
    pub name_en: String,
    /// The figure behind the value (for drill-down), if it is one.
    pub figure: Option<&'static str>,
    /// The recovered-sales figure behind the value (drill-down: the worklists), if it is one.
    pub recovery: Option<&'static str>,
    /// How the value was computed, numbers filled in (recovered-sales figures), in Chinese
    /// and in English.
    pub computed_zh: Option<String>,
    pub computed_en: Option<String>,
    pub value: Option<f64>,
    pub value_text: String,
    /// How the value became the score, numbers filled in.
    pub rule: String,
    /// Hundredths of a point, after gates.
    pub score: i64,
    /// Hundredths of a percent.
    pub weight_bp: i64,
    /// score × weight, hundredths of a point, rounded half up.
    pub points: i64,
    /// The gate that set the score to 0.
    pub zeroed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GateLine {
    pub name: String,
    /// The condition in the plan file's terms (`qa_score < 60`).
    pub condition: String,
    /// The condition as people read it, in Chinese (`质检得分 < 60`) and in English.
    pub condition_zh: String,
    pub condition_en: String,
    pub value_text: String,
    /// How the value was computed, as on a KPI line.
    pub computed_zh: Option<String>,
    pub computed_en: Option<String>,
    pub fired: bool,
    /// What the gate does, in Chinese and in English.
    pub effect: String,
    pub effect_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub order_id: String,
    pub paid_at: String,
    pub amount_cents: i64,
    /// Refunded by the settlement date (capped at the order's amount).
    pub refunded_cents: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LateRefundLine {
    pub order_id: String,
    pub paid_at: String,
    pub finished_at: String,
    /// Deducted: the refund, capped at what was left of its order.
    pub amount_cents: i64,
    /// The refund as recorded (more than `amount_cents` when capped).
    pub refund_cents: i64,
}

/// The commissionable sales: orders paid in the month, minus their refunds finished by the
/// settlement date, minus refunds of earlier months' orders that finished after those
/// months settled (clawback).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SalesBase {
    pub orders: Vec<OrderLine>,
    pub gross_cents: i64,
    pub refunded_cents: i64,
    pub late_refunds: Vec<LateRefundLine>,
    pub late_refunds_cents: i64,
    /// gross − refunded − late refunds; may be negative, commission is then on 0.
    pub net_cents: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayLine {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub kind: &'static str,
    /// The formula with the numbers filled in, ending in `= amount`.
    pub formula: String,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pay component `{component}` of {account}: {source}")]
pub struct EvalError {
    pub component: String,
    pub account: String,
    pub source: Overflow,
}

/// The competition rank of each of `values` (higher first): 1 + how many are strictly better.
fn competition_ranks<T: PartialOrd>(values: &[T]) -> Vec<usize> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|o| *o > v).count())
        .collect()
}

/// Whether the source's values (and thresholds) read as percentages.
fn reads_as_percent(source: Source) -> bool {
    match source {
        Source::Figure {
            figure,
            relative_to_store: false,
        } => figure.unit == Unit::Percent,
        Source::TargetCompletion => true,
        Source::Platform { percent, .. } => percent,
        Source::Recovery(r) => r.percent(),
        _ => false,
    }
}

// Values are written as the figure writes them (`Figure::number_text`, as in every report),
// so that a payslip reads like a report.
fn number_text(source: Source, x: f64) -> String {
    match source {
        Source::Figure {
            figure,
            relative_to_store: false,
        } => figure.number_text(x),
        Source::Figure { .. } => format!("{x:.3}"),
        _ if reads_as_percent(source) => format!("{:.2}%", x * 100.0),
        Source::Recovery(r) => match r.measure {
            Measure::Items | Measure::Orders => format!("{x}"),
            Measure::Minutes => format!("{x:.1}"),
            Measure::Amount | Measure::Rate => format!("{x:.2}"),
        },
        _ => format!("{x:.2}"),
    }
}

fn threshold_text(source: Source, d: Decimal) -> String {
    if reads_as_percent(source) {
        d.percent()
    } else {
        d.to_string()
    }
}

fn source_value(
    source: Source,
    plan: &Plan,
    agent: &AgentInput,
    store: &Counters,
    net_cents: i64,
) -> Option<f64> {
    // Money in yuan, so thresholds are written in yuan.
    let number = Value::number;
    match source {
        Source::Figure {
            figure,
            relative_to_store,
        } => {
            let own = number(figure.value(&agent.counters))?;
            if relative_to_store {
                let s = number(figure.value(store))?;
                (s != 0.0).then(|| own / s)
            } else {
                Some(own)
            }
        }
        Source::TargetCompletion => {
            let target = agent.sales_target_cents.or(plan.sales_target_cents)?;
            (target > 0).then(|| net_cents as f64 / target as f64)
        }
        Source::QaScore => agent.qa_score.map(|s| s as f64 / 100.0),
        Source::Manual(i) => plan
            .manual
            .get(i)
            .and_then(|m| agent.manual.get(&m.key))
            .map(|s| *s as f64 / 100.0),
        Source::Platform { index, .. } => plan
            .platform_columns
            .get(index)
            .and_then(|c| agent.platform.get(&(c.platform, c.column.clone())).copied()),
        Source::Recovery(r) => agent.recovery.value(r),
    }
}

/// How a value was computed, in Chinese and in English, when the line should say so.
fn computed(source: Source, agent: &AgentInput) -> (Option<String>, Option<String>) {
    match source {
        Source::Recovery(r) => {
            let (zh, en) = agent.recovery.how(r);
            (Some(zh), Some(en))
        }
        _ => (None, None),
    }
}

/// Rounds a score to hundredths, half away from zero.
fn hundredths(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

fn sales_base(agent: &AgentInput, month: Month, settlement_day: u32) -> SalesBase {
    let end = month.settlement_end(settlement_day);
    let start = month.prev().settlement_end(settlement_day);
    let first = month.first_day().start();
    let mut orders: Vec<OrderLine> = agent
        .orders
        .iter()
        .map(|o| {
            let refunded: i64 = o
                .refunds
                .iter()
                .filter(|(at, _)| *at < end)
                .map(|(_, a)| *a)
                .sum();
            OrderLine {
                order_id: o.order_id.clone(),
                paid_at: format_time(o.paid_at),
                amount_cents: o.amount_cents,
                refunded_cents: refunded.clamp(0, o.amount_cents.max(0)),
            }
        })
        .collect();
    orders.sort_by(|a, b| (&a.paid_at, &a.order_id).cmp(&(&b.paid_at, &b.order_id)));
    let mut late: Vec<LateRefundLine> = agent
        .earlier_refunds
        .iter()
        .filter(|r| r.paid_at < first && r.finished_at >= start && r.finished_at < end)
        // A refund that finished before its own month settled already counted there.
        .filter(|r| {
            let paid_month = Month::of(kefu_core::time::Day::of(r.paid_at));
            r.finished_at >= paid_month.settlement_end(settlement_day)
        })
        .map(|r| {
            // Refunds of one order never take back more than the order brought.
            let left = (r.order_amount_cents - r.refunded_before_cents).max(0);
            LateRefundLine {
                order_id: r.order_id.clone(),
                paid_at: format_time(r.paid_at),
                finished_at: format_time(r.finished_at),
                amount_cents: r.amount_cents.clamp(0, left),
                refund_cents: r.amount_cents,
            }
        })
        .collect();
    late.sort_by(|a, b| (&a.finished_at, &a.order_id).cmp(&(&b.finished_at, &b.order_id)));
    let gross: i64 = orders.iter().map(|o| o.amount_cents).sum();
    let refunded: i64 = orders.iter().map(|o| o.refunded_cents).sum();
    let late_cents: i64 = late.iter().map(|r| r.amount_cents).sum();
    SalesBase {
        orders,
        gross_cents: gross,
        refunded_cents: refunded,
        late_refunds: late,
        late_refunds_cents: late_cents,
        net_cents: gross - refunded - late_cents,
    }
}

/// Scores one value under a rule that does not depend on the other agents.
fn score_alone(rule: &Rule, source: Source, v: f64) -> (i64, String) {
    let t = |d: Decimal| threshold_text(source, d);
    match rule {
        Rule::Bands {
            better,
            bands,
            otherwise,
        } => {
            let hit = bands.iter().find(|b| match better {
                Better::Higher => v >= b.threshold.to_f64(),
                Better::Lower => v <= b.threshold.to_f64(),
            });
            match hit {
                Some(b) => {
                    let op = if *better == Better::Higher {
                        "≥"
                    } else {
                        "≤"
                    };
                    (
                        b.score,
                        format!("{op} {} → {}", t(b.threshold), score_text(b.score)),
                    )
                }
                None => {
                    let last = bands.last().map(|b| t(b.threshold)).unwrap_or_default();
                    let op = if *better == Better::Higher { "<" } else { ">" };
                    (
                        *otherwise,
                        format!("{op} {last} → {}", score_text(*otherwise)),
                    )
                }
            }
        }
        Rule::Linear {
            floor,
            target,
            floor_score,
            target_score,
            cap,
        } => {
            let (f, g) = (floor.to_f64(), target.to_f64());
            let span = (*target_score - *floor_score) as f64 / 100.0;
            let raw = *floor_score as f64 / 100.0 + (v - f) / (g - f) * span;
            // max/min rather than clamp: no panic even for a hand-built rule with cap < floor score.
            let score = hundredths(raw).max(*floor_score).min(*cap);
            let shown = |x: f64| number_text(source, x);
            (
                score,
                format!(
                    "{} + ({} − {}) ÷ ({} − {}) × {} = {} → {} (≥ {}, ≤ {})",
                    score_text(*floor_score),
                    shown(v),
                    t(*floor),
                    t(*target),
                    t(*floor),
                    score_text(*target_score - *floor_score),
                    score_text(hundredths(raw)),
                    score_text(score),
                    score_text(*floor_score),
                    score_text(*cap),
                ),
            )
        }
        Rule::Direct => {
            let s = hundredths(v).clamp(0, 100_00);
            (s, format!("= {}", score_text(s)))
        }
        // Ranked separately, with every agent's value.
        Rule::Rank { .. } => (0, String::new()),
    }
}

fn yuan(c: i64) -> String {
    format_yuan(c)
}

/// Whether an agent did anything in the month: any counter (receptions, messages, ratings, …)
/// an attributed order paid in it, or a platform report figure other than 0 (`AgentInput::platform`).
/// Hand-entered scores are not activity.
pub fn is_active(agent: &AgentInput) -> bool {
    !agent.counters.is_zero()
        || !agent.orders.is_empty()
        || agent.platform.values().any(|x| *x != 0.0)
}

/// Evaluates `plan` for `month` over `input`.
pub fn evaluate(plan: &Plan, month: Month, input: &PlanInput) -> Result<PlanResult, EvalError> {
    let n = input.agents.len();
    let active: Vec<bool> = input.agents.iter().map(is_active).collect();
    // Who is ranked and paid: the active agents, or everyone when the plan says so.
    let counted: Vec<bool> = active.iter().map(|a| *a || plan.pay_inactive).collect();
    let headcount = counted.iter().filter(|c| **c).count();
    let bases: Vec<SalesBase> = input
        .agents
        .iter()
        .map(|a| sales_base(a, month, plan.settlement_day))
        .collect();

    // KPI lines, per agent.
    let mut lines: Vec<Vec<KpiLine>> = vec![Vec::with_capacity(plan.kpis.len()); n];
    for kpi in &plan.kpis {
        let values: Vec<Option<f64>> = input
            .agents
            .iter()
            .zip(&bases)
            .map(|(a, b)| source_value(kpi.source, plan, a, &input.store, b.net_cents))
            .collect();
        let ranks = if let Rule::Rank { better, .. } = kpi.rule {
            // Undefined values are not ranked; sort keys make "better" the larger one.
            let keys: Vec<f64> = values
                .iter()
                .zip(&counted)
                .map(|(v, counted)| match (v, better) {
                    (_, _) if !counted => f64::NEG_INFINITY,
                    (None, _) => f64::NEG_INFINITY,
                    (Some(x), Better::Higher) => *x,
                    (Some(x), Better::Lower) => -*x,
                })
                .collect();
            competition_ranks(&keys)
        } else {
            Vec::new()
        };
        let ranked = values
            .iter()
            .zip(&counted)
            .filter(|(v, c)| v.is_some() && **c)
            .count();
        for (i, v) in values.iter().enumerate() {
            // An agent who is not ranked is not ranked on a KPI either.
            let v = if counted[i] || !matches!(kpi.rule, Rule::Rank { .. }) {
                v
            } else {
                &None
            };
            let (score, rule) = match v {
                None => (
                    kpi.missing_score,
                    format!("– → {}", score_text(kpi.missing_score)),
                ),
                Some(x) => match &kpi.rule {
                    Rule::Rank {
                        scores, otherwise, ..
                    } => {
                        let r = ranks[i];
                        let s = scores.get(r - 1).copied().unwrap_or(*otherwise);
                        (s, format!("#{r}/{ranked} → {}", score_text(s)))
                    }
                    rule => score_alone(rule, kpi.source, *x),
                },
            };
            let figure = match kpi.source {
                Source::Figure { figure, .. } => Some(figure.key),
                _ => None,
            };
            let recovery = match kpi.source {
                Source::Recovery(r) => Some(r.key),
                _ => None,
            };
            let (computed_zh, computed_en) = computed(kpi.source, &input.agents[i]);
            lines[i].push(KpiLine {
                key: kpi.key.clone(),
                name: kpi.name.clone(),
                name_en: kpi.name_en.clone(),
                figure,
                recovery,
                computed_zh,
                computed_en,
                value: *v,
                value_text: v.map_or_else(|| "–".into(), |x| number_text(kpi.source, x)),
                rule,
                score,
                weight_bp: kpi.weight_bp,
                points: 0,
                zeroed_by: None,
            });
        }
    }

    // Gates.
    let mut gate_lines: Vec<Vec<GateLine>> = vec![Vec::new(); n];
    let mut pay_factor: Vec<Vec<(Decimal, String)>> = vec![Vec::new(); n];
    for gate in &plan.gates {
        let (op, th) = match gate.condition {
            Condition::Below(t) => ("<", t),
            Condition::Above(t) => (">", t),
        };
        let condition = format!(
            "{} {op} {}",
            gate_source_name(plan, gate.source),
            threshold_text(gate.source, th)
        );
        let named = |en: bool| {
            format!(
                "{} {op} {}",
                gate_source_label(plan, gate.source, en),
                threshold_text(gate.source, th)
            )
        };
        let (condition_zh, condition_en) = (named(false), named(true));
        for (i, (a, b)) in input.agents.iter().zip(&bases).enumerate() {
            let v = source_value(gate.source, plan, a, &input.store, b.net_cents);
            let (computed_zh, computed_en) = computed(gate.source, a);
            let too_few_reviews = matches!(gate.source, Source::QaScore)
                .then_some(a.qa_reviews)
                .flatten()
                .filter(|n| *n < plan.qa_min_reviews);
            let fired = too_few_reviews.is_none()
                && v.is_some_and(|x| match gate.condition {
                    Condition::Below(t) => x < t.to_f64(),
                    Condition::Above(t) => x > t.to_f64(),
                });
            let (effect, effect_en) = match &gate.action {
                GateAction::ZeroKpis(ks) => {
                    if fired {
                        for k in ks {
                            if let Some(line) = lines[i].get_mut(*k) {
                                line.score = 0;
                                line.zeroed_by = Some(gate.name.clone());
                            }
                        }
                    }
                    let names = |en: bool| {
                        ks.iter()
                            .filter_map(|k| plan.kpis.get(*k))
                            .map(|kpi| if en { &kpi.name_en } else { &kpi.name })
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    (
                        format!("{} 得分 → 0", names(false)),
                        format!("{} scores 0", names(true)),
                    )
                }
                GateAction::ScalePay(f) => {
                    if fired {
                        pay_factor[i].push((*f, gate.name.clone()));
                    }
                    (
                        format!("应发 × {}（固定部分除外）", f.percent()),
                        format!("pay × {} (fixed pay excepted)", f.percent()),
                    )
                }
            };
            gate_lines[i].push(GateLine {
                name: gate.name.clone(),
                condition: condition.clone(),
                condition_zh: condition_zh.clone(),
                condition_en: condition_en.clone(),
                value_text: match (v, too_few_reviews) {
                    (None, _) => "–".into(),
                    (Some(x), None) => number_text(gate.source, x),
                    (Some(x), Some(n)) => format!(
                        "{} (n = {n} < {})",
                        number_text(gate.source, x),
                        plan.qa_min_reviews
                    ),
                },
                computed_zh,
                computed_en,
                fired,
                effect,
                effect_en,
            });
        }
    }

    // Points, totals, ranks, grades.
    let mut totals = vec![0i64; n];
    for (i, agent_lines) in lines.iter_mut().enumerate() {
        for l in agent_lines.iter_mut() {
            let exact = Exact::int(l.score)
                .mul_int(l.weight_bp)
                .and_then(|x| x.div_int(100_00))
                .and_then(|x| x.round());
            l.points = exact.map_err(|source| EvalError {
                component: l.key.clone(),
                account: input.agents[i].account.clone(),
                source,
            })?;
            totals[i] += l.points;
        }
    }
    let rank_keys: Vec<i64> = totals
        .iter()
        .zip(&counted)
        .map(|(t, c)| if *c { *t } else { i64::MIN })
        .collect();
    let ranks: Vec<Option<usize>> = competition_ranks(&rank_keys)
        .into_iter()
        .zip(&counted)
        .map(|(r, c)| c.then_some(r))
        .collect();
    let grade_of = |total: i64| plan.grades.iter().find(|g| total >= g.min_score);

    let store_sales = input.store.get(C::total_sales_cents);
    let mut payslips = Vec::with_capacity(n);
    for (i, agent) in input.agents.iter().enumerate() {
        // Nobody is graded on a month they did not work.
        let grade = if counted[i] {
            grade_of(totals[i])
        } else {
            None
        };
        let cx = PayContext {
            plan,
            base: &bases[i],
            agent,
            total_score: totals[i],
            rank: ranks[i].unwrap_or(usize::MAX),
            grade,
            headcount,
            store_sales,
            factors: &pay_factor[i],
        };
        let mut pay = Vec::with_capacity(plan.pay.len());
        for component in &plan.pay {
            let line = if counted[i] || matches!(component.kind, PayKind::Fixed { .. }) {
                pay_line(&cx, component).map_err(|source| EvalError {
                    component: component.key.clone(),
                    account: agent.account.clone(),
                    source,
                })?
            } else {
                inactive_line(component)
            };
            pay.push(line);
        }
        let index = |name: &str| plan.grades.iter().position(|g| g.name == name);
        let movement = match (
            grade.and_then(|g| index(&g.name)),
            agent.previous_grade.as_deref().and_then(index),
        ) {
            (Some(_), None) => Movement::New,
            (None, _) => Movement::Out,
            (Some(now), Some(before)) if now < before => Movement::Up,
            (Some(now), Some(before)) if now > before => Movement::Down,
            _ => Movement::Same,
        };
        payslips.push(Payslip {
            account: agent.account.clone(),
            display_name: agent.display_name.clone(),
            employee_no: agent.employee_no.clone(),
            group: agent.group.clone(),
            department: agent.department.clone(),
            rank: ranks[i],
            active: active[i],
            grade: grade.map(|g| g.name.clone()),
            previous_grade: agent.previous_grade.clone(),
            movement,
            total_score: totals[i],
            kpis: std::mem::take(&mut lines[i]),
            gates: std::mem::take(&mut gate_lines[i]),
            sales: bases[i].clone(),
            total_cents: pay.iter().map(|p| p.amount_cents).sum(),
            pay,
        });
    }
    payslips.sort_by(|a, b| {
        let key = |p: &Payslip| (p.rank.is_none(), p.rank, p.account.clone());
        key(a).cmp(&key(b))
    });
    Ok(PlanResult {
        plan_id: plan.id.clone(),
        plan_name: plan.name.clone(),
        month: month.to_string(),
        settlement_end: format_time(month.settlement_end(plan.settlement_day)),
        headcount,
        store_sales_cents: store_sales,
        empty_month: input.store.is_zero() && input.agents.iter().all(|a| a.platform.is_empty()),
        payslips,
        paid_by_other_plan: Vec::new(),
        unpaid_with_sales: Vec::new(),
        columns_without_data: columns_without_data(plan, input),
    })
}

fn columns_without_data(plan: &Plan, input: &PlanInput) -> Vec<ColumnWithoutData> {
    if input.agents.is_empty() {
        return Vec::new();
    }
    plan.platform_columns
        .iter()
        .filter(|c| {
            let key = (c.platform, c.column.clone());
            !input.agents.iter().any(|a| a.platform.contains_key(&key))
        })
        .map(|c| {
            let present: std::collections::BTreeSet<&str> = input
                .agents
                .iter()
                .flat_map(|a| a.platform.keys())
                .filter(|(p, _)| *p == c.platform)
                .map(|(_, column)| column.as_str())
                .collect();
            ColumnWithoutData {
                platform: c.platform.as_str().to_string(),
                column: c.column.clone(),
                present: present.into_iter().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// A variable pay component of an agent without activity in the month: nothing.
fn inactive_line(component: &PayComponent) -> PayLine {
    let kind = match component.kind {
        PayKind::Tiered { .. } => "tiered",
        PayKind::Pool { .. } => "pool",
        PayKind::RankBonus { .. } => "rank_bonus",
        PayKind::TargetBonus { .. } => "target_bonus",
        PayKind::ScoreBonus { .. } => "score_bonus",
        PayKind::Fixed { .. } => "fixed",
    };
    PayLine {
        key: component.key.clone(),
        name: component.name.clone(),
        name_en: component.name_en.clone(),
        kind,
        formula: "当月无活动 / no activity in the month = 0.00".into(),
        amount_cents: 0,
    }
}

fn gate_source_name(plan: &Plan, source: Source) -> String {
    match source {
        Source::Figure { figure, .. } => figure.key.to_string(),
        Source::TargetCompletion => TARGET_COMPLETION.into(),
        Source::QaScore => QA_SCORE.into(),
        Source::Manual(i) => plan
            .manual
            .get(i)
            .map_or_else(String::new, |m| m.key.clone()),
        Source::Platform { index, .. } => plan
            .platform_columns
            .get(index)
            .map_or_else(String::new, |c| {
                format!("{}:{}", c.platform.as_str(), c.column)
            }),
        Source::Recovery(r) => r.key.to_string(),
    }
}

/// A gate's source as people read it: the figure's, KPI's or manual item's name, in Chinese
/// or (`en`) in English; a platform column by its name in the file.
fn gate_source_label(plan: &Plan, source: Source, en: bool) -> String {
    match source {
        Source::Figure { figure, .. } => if en { figure.en } else { figure.zh }.to_string(),
        Source::TargetCompletion => if en {
            "Target completion"
        } else {
            "目标完成率"
        }
        .into(),
        Source::QaScore => if en { "QA score" } else { "质检得分" }.into(),
        Source::Manual(i) => plan
            .manual
            .get(i)
            .map_or_else(String::new, |m| m.name.clone()),
        Source::Platform { index, .. } => plan
            .platform_columns
            .get(index)
            .map_or_else(String::new, |c| c.column.clone()),
        Source::Recovery(r) => if en { r.en } else { r.zh }.to_string(),
    }
}

/// What one agent's pay components are computed from.
struct PayContext<'a> {
    plan: &'a Plan,
    base: &'a SalesBase,
    agent: &'a AgentInput,
    total_score: i64,
    rank: usize,
    grade: Option<&'a Grade>,
    headcount: usize,
    store_sales: i64,
    /// The pay gates that fired: factor and gate name.
    factors: &'a [(Decimal, String)],
}

fn pay_line(cx: &PayContext, component: &PayComponent) -> Result<PayLine, Overflow> {
    let PayContext {
        plan,
        base,
        agent,
        total_score,
        rank,
        grade,
        headcount,
        store_sales,
        factors,
    } = *cx;
    let net = base.net_cents.max(0);
    let (kind, exact, expr): (&'static str, Exact, String) = match &component.kind {
        PayKind::Tiered {
            mode: TierMode::Marginal,
            tiers,
        } => {
            let mut sum = Exact::int(0);
            let mut parts = Vec::new();
            for (j, tier) in tiers.iter().enumerate() {
                let upper = tiers
                    .get(j + 1)
                    .map_or(net, |next| next.from_cents.min(net));
                let portion = upper - tier.from_cents;
                if portion <= 0 {
                    break;
                }
                sum = sum.plus(Exact::int(portion).mul_dec(tier.rate)?)?;
                parts.push(format!("{} × {}", yuan(portion), tier.rate.percent()));
            }
            if parts.is_empty() {
                let first = tiers.first().map_or(Decimal::ZERO, |t| t.rate);
                parts.push(format!("{} × {}", yuan(net), first.percent()));
            }
            ("tiered", sum, parts.join(" + "))
        }
        PayKind::Tiered {
            mode: TierMode::Whole,
            tiers,
        } => {
            // The first tier starts at 0 (validated), so some tier is always reached.
            let rate = tiers
                .iter()
                .rev()
                .find(|t| net >= t.from_cents)
                .map_or(Decimal::ZERO, |t| t.rate);
            (
                "tiered",
                Exact::int(net).mul_dec(rate)?,
                format!("{} × {}", yuan(net), rate.percent()),
            )
        }
        PayKind::Pool { share, rate } => {
            let factor = grade.and_then(|g| g.pool_factor).unwrap_or(Decimal::ZERO);
            let exact = Exact::int(store_sales)
                .mul_dec(*share)?
                .mul_dec(*rate)?
                .div_int(headcount.max(1) as i64)?
                .mul_dec(factor)?;
            let grade_name = grade.map_or("–", |g| g.name.as_str());
            (
                "pool",
                exact,
                format!(
                    "{} × {} × {} ÷ {} × {} ({grade_name})",
                    yuan(store_sales),
                    share.percent(),
                    rate.percent(),
                    headcount.max(1),
                    factor.percent()
                ),
            )
        }
        PayKind::RankBonus { amounts_cents } => {
            let amount = amounts_cents.get(rank - 1).copied().unwrap_or(0);
            (
                "rank_bonus",
                Exact::int(amount),
                format!("#{rank} → {}", yuan(amount)),
            )
        }
        PayKind::TargetBonus { bands } => {
            let target = agent.sales_target_cents.or(plan.sales_target_cents);
            match target.filter(|t| *t > 0) {
                None => (
                    "target_bonus",
                    Exact::int(0),
                    "no target → 0.00".to_string(),
                ),
                Some(target) => {
                    // completion ≥ min ⇔ net × 10^scale ≥ mantissa × target, exactly.
                    let reached = bands.iter().find(|b| {
                        let lhs = 10i128
                            .checked_pow(b.min_completion.scale)
                            .and_then(|p| (net as i128).checked_mul(p));
                        let rhs = b.min_completion.mantissa.checked_mul(target as i128);
                        matches!((lhs, rhs), (Some(l), Some(r)) if l >= r)
                    });
                    let completion = format!("{:.2}%", net as f64 / target as f64 * 100.0);
                    let (amount, cond) = match reached {
                        Some(b) => (b.amount_cents, format!("≥ {}", b.min_completion.percent())),
                        None => (
                            0,
                            format!(
                                "< {}",
                                bands
                                    .last()
                                    .map_or(String::new(), |b| b.min_completion.percent())
                            ),
                        ),
                    };
                    (
                        "target_bonus",
                        Exact::int(amount),
                        format!(
                            "{} ÷ {} = {completion} {cond} → {}",
                            yuan(net),
                            yuan(target),
                            yuan(amount)
                        ),
                    )
                }
            }
        }
        PayKind::ScoreBonus { amount_cents } => (
            "score_bonus",
            Exact::int(*amount_cents)
                .mul_int(total_score)?
                .div_int(100_00)?,
            format!(
                "{} × {} ÷ 100",
                yuan(*amount_cents),
                score_text(total_score)
            ),
        ),
        PayKind::Fixed { amount_cents } => {
            ("fixed", Exact::int(*amount_cents), yuan(*amount_cents))
        }
    };
    let mut exact = exact;
    let mut expr = expr;
    // Amounts picked from a table (rank, target, fixed) already show their result.
    let mut shows_result = matches!(kind, "rank_bonus" | "target_bonus" | "fixed");
    if kind != "fixed" {
        for (f, gate) in factors {
            exact = exact.mul_dec(*f)?;
            expr = format!("({expr}) × {} [{gate}]", f.percent());
            shows_result = false;
        }
    }
    let amount = exact.round()?;
    Ok(PayLine {
        key: component.key.clone(),
        name: component.name.clone(),
        name_en: component.name_en.clone(),
        kind,
        formula: if shows_result {
            expr
        } else {
            format!("{expr} = {}", yuan(amount))
        },
        amount_cents: amount,
    })
}

/// A line whose value may say how it was computed (a KPI's, a gate's).
pub trait Explained {
    /// The value as text, and how it was computed in Chinese and in English, if said.
    fn parts(&self) -> (&str, Option<&str>, Option<&str>);

    /// The value, and how it was computed when the line says so, in Chinese or English:
    /// `66.67% (2 recovered ÷ 3 decided items contacted)`.
    fn value_explained(&self, english: bool) -> String {
        let (value, zh, en) = self.parts();
        match if english { en } else { zh } {
            Some(how) => format!("{value} ({how})"),
            None => value.to_string(),
        }
    }
}

impl Explained for KpiLine {
    fn parts(&self) -> (&str, Option<&str>, Option<&str>) {
        let (zh, en) = (self.computed_zh.as_deref(), self.computed_en.as_deref());
        (&self.value_text, zh, en)
    }
}

impl Explained for GateLine {
    fn parts(&self) -> (&str, Option<&str>, Option<&str>) {
        let (zh, en) = (self.computed_zh.as_deref(), self.computed_en.as_deref());
        (&self.value_text, zh, en)
    }
}

/// The weight of a KPI as text (`35%`).
pub fn weight_text(bp: i64) -> String {
    pct_text(bp)
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
