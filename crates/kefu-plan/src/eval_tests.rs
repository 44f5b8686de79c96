//! Hand-computed payslips: every scoring rule and pay component, refunds after settlement,
//! gates and ties.

use super::*;
use crate::parse::parse;
use kefu_core::time::{Day, HOUR_MS};

const PLAN: &str = r#"
id = "t"
settlement_day = 5
sales_target = 100000

[[manual]]
key = "attitude"

[[kpi]]
key = "conv"
figure = "inquiry_conversion"
weight = 40
bands = [{ min = "50%", score = 100 }, { min = "40%", score = 80 }]
else = 50

[[kpi]]
key = "resp"
figure = "avg_response_secs"
weight = 30
linear = { floor = 60, target = 20 }

[[kpi]]
key = "vol"
figure = "served"
weight = 20
rank = { scores = [100, 90], else = 70 }

[[kpi]]
key = "att"
manual = "attitude"
weight = 10

[[gate]]
name = "qa"
figure = "qa_score"
below = 60
scale_pay = "50%"

[[gate]]
name = "slow"
figure = "slow"
above = 10
zero_kpi = ["resp"]

[[pay]]
key = "marginal"
tiered = { tiers = [{ from = 0, rate = "0.5%" }, { from = 100000, rate = "0.8%" }] }

[[pay]]
key = "whole"
tiered = { mode = "whole", tiers = [{ from = 0, rate = "0.5%" }, { from = 100000, rate = "0.8%" }] }

[[pay]]
pool = { share = "80%", rate = "1.5%" }

[[pay]]
rank_bonus = { amounts = [500, 300] }

[[pay]]
target_bonus = { bands = [{ min = "100%", amount = 1000 }, { min = "90%", amount = 500 }] }

[[pay]]
score_bonus = { amount = 2000 }

[[pay]]
fixed = { amount = 3000 }

[[grade]]
name = "金牌"
min_score = 90
pool_factor = "130%"

[[grade]]
name = "银牌"
min_score = 80
pool_factor = "110%"

[[grade]]
name = "铜牌"
min_score = 0
pool_factor = "50%"
"#;

fn at(day: &str) -> Millis {
    Day::parse(day).unwrap().start() + 10 * HOUR_MS
}

fn counters(inquiries: i64, paid: i64, response_secs: i64, served: i64, slow: i64) -> Counters {
    let mut c = Counters::default();
    c.add(C::inquiries, inquiries);
    c.add(C::paid, paid);
    c.add(C::response_ms, response_secs * 1000 * 10);
    c.add(C::response_n, 10);
    c.add(C::served, served);
    c.add(C::slow, slow);
    c
}

fn order(id: &str, day: &str, yuan: i64, refunds: &[(&str, i64)]) -> PaidOrder {
    PaidOrder {
        order_id: id.into(),
        paid_at: at(day),
        amount_cents: yuan,
        refunds: refunds.iter().map(|(d, a)| (at(d), *a)).collect(),
    }
}

fn input() -> PlanInput {
    let mut store = Counters::default();
    // 1,000,000.01 yuan
    store.add(C::total_sales_cents, 100_000_001);
    let a = AgentInput {
        account: "店:A".into(),
        counters: counters(100, 55, 40, 30, 0),
        manual: [("attitude".to_string(), 90_00)].into(),
        qa_score: Some(80_00),
        orders: vec![
            // refunded 2000.00 on 4 Dec: before November settles (end of 5 Dec)
            order("o1", "2026-11-03", 12_000_000, &[("2026-12-04", 200_000)]),
            // refunded 1000.00 on 10 Dec: after settlement, December's deduction
            order("o2", "2026-11-20", 3_000_000, &[("2026-12-10", 100_000)]),
        ],
        earlier_refunds: vec![
            // October order refunded 10 Nov, after October settled (end of 5 Nov): clawback
            LateRefund {
                order_id: "o0".into(),
                paid_at: at("2026-10-15"),
                finished_at: at("2026-11-10"),
                amount_cents: 50_000,
                order_amount_cents: 100_000_000,
                refunded_before_cents: 0,
            },
            // refunded 3 Nov, before October settled: it counted in October already
            LateRefund {
                order_id: "o-1".into(),
                paid_at: at("2026-10-20"),
                finished_at: at("2026-11-03"),
                amount_cents: 70_000,
                order_amount_cents: 100_000_000,
                refunded_before_cents: 0,
            },
        ],
        previous_grade: Some("金牌".into()),
        ..Default::default()
    };
    let b = AgentInput {
        account: "店:B".into(),
        counters: counters(100, 45, 20, 30, 11),
        qa_score: Some(50_00),
        sales_target_cents: Some(10_000_000),
        orders: vec![order("o3", "2026-11-05", 9_500_000, &[])],
        ..Default::default()
    };
    let c = AgentInput {
        account: "店:C".into(),
        counters: counters(0, 0, 70, 10, 0),
        manual: [("attitude".to_string(), 100_00)].into(),
        orders: vec![order("o4", "2026-11-06", 100, &[])],
        previous_grade: Some("铜牌".into()),
        ..Default::default()
    };
    PlanInput {
        store,
        agents: vec![c, b, a],
    }
}

fn run() -> PlanResult {
    let plan = parse(PLAN).unwrap();
    evaluate(&plan, Month::parse("2026-11").unwrap(), &input()).unwrap()
}

fn slip<'a>(r: &'a PlanResult, account: &str) -> &'a Payslip {
    r.payslips.iter().find(|p| p.account == account).unwrap()
}

fn pay(p: &Payslip, key: &str) -> (i64, String) {
    let l = p.pay.iter().find(|l| l.key == key).unwrap();
    (l.amount_cents, l.formula.clone())
}

#[test]
fn scores_by_every_rule() {
    let r = run();
    let a = slip(&r, "店:A");
    let scores: Vec<(i64, i64)> = a.kpis.iter().map(|k| (k.score, k.points)).collect();
    // conv 55% ≥ 50% → 100 × 40%; resp 0 + (40 − 60) ÷ (20 − 60) × 100 = 50 × 30%;
    // served 30 ties with B for rank 1 → 100 × 20%; attitude 90 × 10%
    assert_eq!(
        scores,
        vec![
            (100_00, 40_00),
            (50_00, 15_00),
            (100_00, 20_00),
            (90_00, 9_00)
        ]
    );
    assert_eq!(a.kpis[0].rule, "≥ 50% → 100");
    assert_eq!(a.kpis[0].value_text, "55.00%");
    assert_eq!(
        a.kpis[1].rule,
        "0 + (40.0 − 60) ÷ (20 − 60) × 100 = 50 → 50 (≥ 0, ≤ 100)"
    );
    assert_eq!(a.kpis[2].rule, "#1/3 → 100");
    assert_eq!(a.total_score, 84_00);
    assert_eq!(a.grade.as_deref(), Some("银牌"));
    assert_eq!(a.movement, Movement::Down);

    let b = slip(&r, "店:B");
    // conv 45% → 80; response 20 s would score 100 but 11 slow > 10 zeroes it; rank 1 (tie);
    // no attitude entered → 0
    let scores: Vec<i64> = b.kpis.iter().map(|k| k.score).collect();
    assert_eq!(scores, vec![80_00, 0, 100_00, 0]);
    assert_eq!(b.kpis[1].zeroed_by.as_deref(), Some("slow"));
    assert_eq!(b.kpis[3].rule, "– → 0");
    assert_eq!(b.total_score, 52_00);
    assert_eq!(b.movement, Movement::New);

    let c = slip(&r, "店:C");
    // no inquiries: conversion undefined → 0; 70 s is past the floor → 0; rank 3 → else 70
    let scores: Vec<i64> = c.kpis.iter().map(|k| k.score).collect();
    assert_eq!(scores, vec![0, 0, 70_00, 100_00]);
    assert_eq!(c.kpis[0].value_text, "–");
    assert_eq!(c.kpis[2].rule, "#3/3 → 70");
    assert_eq!(c.total_score, 24_00);
    assert_eq!(c.grade.as_deref(), Some("铜牌"));
    assert_eq!(c.movement, Movement::Same);

    let order: Vec<(&str, Option<usize>)> = r
        .payslips
        .iter()
        .map(|p| (p.account.as_str(), p.rank))
        .collect();
    assert_eq!(
        order,
        vec![("店:A", Some(1)), ("店:B", Some(2)), ("店:C", Some(3))]
    );
}

#[test]
fn clawback_by_settlement_date() {
    let r = run();
    assert_eq!(r.settlement_end, "2026-12-06 00:00:00");
    let s = &slip(&r, "店:A").sales;
    assert_eq!(s.gross_cents, 15_000_000);
    assert_eq!(s.refunded_cents, 200_000);
    let late: Vec<(&str, i64)> = s
        .late_refunds
        .iter()
        .map(|l| (l.order_id.as_str(), l.amount_cents))
        .collect();
    assert_eq!(late, vec![("o0", 50_000)]);
    // 150000.00 − 2000.00 − 500.00
    assert_eq!(s.net_cents, 14_750_000);

    // In December, o2's refund of 10 Dec is the deduction, named by its order.
    let plan = parse(PLAN).unwrap();
    let mut dec = input();
    let a = dec.agents.iter_mut().find(|a| a.account == "店:A").unwrap();
    a.earlier_refunds = vec![LateRefund {
        order_id: "o2".into(),
        paid_at: at("2026-11-20"),
        finished_at: at("2026-12-10"),
        amount_cents: 100_000,
        order_amount_cents: 100_000_000,
        refunded_before_cents: 0,
    }];
    a.orders.clear();
    let r = evaluate(&plan, Month::parse("2026-12").unwrap(), &dec).unwrap();
    let s = &slip(&r, "店:A").sales;
    assert_eq!(s.late_refunds[0].order_id, "o2");
    assert_eq!(s.net_cents, -100_000);
    // commission is never negative: it is computed on 0
    assert_eq!(pay(slip(&r, "店:A"), "marginal").0, 0);
}

#[test]
fn a_late_refund_takes_back_at_most_what_is_left_of_its_order() {
    let plan = parse(PLAN).unwrap();
    let mut nov = input();
    let a = nov.agents.iter_mut().find(|a| a.account == "店:A").unwrap();
    // A 100-yuan October order refunded 250 in November, and one of 100 refunded 30 in
    // October and 90 now.
    let late = |id: &str, amount_cents, refunded_before_cents| LateRefund {
        order_id: id.into(),
        paid_at: at("2026-10-15"),
        finished_at: at("2026-11-10"),
        amount_cents,
        order_amount_cents: 10_000,
        refunded_before_cents,
    };
    a.earlier_refunds = vec![late("o5", 25_000, 0), late("o6", 9_000, 3_000)];
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &nov).unwrap();
    let s = &slip(&r, "店:A").sales;
    let lines: Vec<(&str, i64, i64)> = s
        .late_refunds
        .iter()
        .map(|l| (l.order_id.as_str(), l.amount_cents, l.refund_cents))
        .collect();
    assert_eq!(lines, vec![("o5", 10_000, 25_000), ("o6", 7_000, 9_000)]);
    assert_eq!(s.late_refunds_cents, 17_000);
    assert_eq!(s.net_cents, 15_000_000 - 200_000 - 17_000);
}

#[test]
fn every_pay_component_by_hand() {
    let r = run();
    let a = slip(&r, "店:A");
    // net 147500.00: 100000 × 0.5% + 47500 × 0.8% = 500 + 380
    assert_eq!(
        pay(a, "marginal"),
        (88_000, "100000.00 × 0.5% + 47500.00 × 0.8% = 880.00".into())
    );
    assert_eq!(
        pay(a, "whole"),
        (118_000, "147500.00 × 0.8% = 1180.00".into())
    );
    // 1000000.01 × 80% × 1.5% ÷ 3 × 110% = 4400.000044 → 4400.00
    assert_eq!(
        pay(a, "pool"),
        (
            440_000,
            "1000000.01 × 80% × 1.5% ÷ 3 × 110% (银牌) = 4400.00".into()
        )
    );
    assert_eq!(pay(a, "rank_bonus"), (50_000, "#1 → 500.00".into()));
    assert_eq!(
        pay(a, "target_bonus"),
        (
            100_000,
            "147500.00 ÷ 100000.00 = 147.50% ≥ 100% → 1000.00".into()
        )
    );
    assert_eq!(
        pay(a, "score_bonus"),
        (168_000, "2000.00 × 84 ÷ 100 = 1680.00".into())
    );
    assert_eq!(pay(a, "fixed"), (300_000, "3000.00".into()));
    assert_eq!(a.total_cents, 1_264_000);
}

#[test]
fn gate_halves_pay_but_not_fixed() {
    let r = run();
    let b = slip(&r, "店:B");
    assert!(b.gates[0].fired && b.gates[1].fired);
    assert_eq!(
        pay(b, "marginal"),
        (23_750, "(95000.00 × 0.5%) × 50% [qa] = 237.50".into())
    );
    assert_eq!(pay(b, "whole").0, 23_750);
    // 1000000.01 × 0.8 × 0.015 ÷ 3 × 50% × 50% = 1000.00001 → 1000.00
    assert_eq!(pay(b, "pool").0, 100_000);
    assert_eq!(pay(b, "rank_bonus").0, 15_000);
    // own target 100000.00: 95% ≥ 90% → 500 × 50%
    assert_eq!(pay(b, "target_bonus").0, 25_000);
    assert_eq!(pay(b, "score_bonus").0, 52_000);
    assert_eq!(pay(b, "fixed").0, 300_000);
    assert_eq!(b.total_cents, 539_500);
    // C has no QA score: the gate does not fire
    let c = slip(&r, "店:C");
    assert!(!c.gates[0].fired);
    assert_eq!(c.gates[0].value_text, "–");
}

/// `qa_min_reviews = 3`: B's 50.00 from one review does not halve her pay (the gate shows
/// why it held back); from three reviews it does; a hand-entered score always applies.
#[test]
fn a_qa_gate_waits_for_enough_reviews() {
    let plan = parse(&PLAN.replace(
        "sales_target = 100000",
        "sales_target = 100000\nqa_min_reviews = 3",
    ))
    .unwrap();
    assert_eq!(plan.qa_min_reviews, 3);
    let month = Month::parse("2026-11").unwrap();
    let with_reviews = |n: Option<u32>| {
        let mut input = input();
        for a in &mut input.agents {
            a.qa_reviews = n;
        }
        evaluate(&plan, month, &input).unwrap()
    };
    let one = with_reviews(Some(1));
    let b = slip(&one, "店:B");
    assert!(!b.gates[0].fired);
    assert_eq!(b.gates[0].value_text, "50.00 (n = 1 < 3)");
    // Unhalved: 95000.00 × 0.5% = 475.00.
    assert_eq!(pay(b, "marginal").0, 47_500);
    for enough in [Some(3), None] {
        let r = with_reviews(enough);
        let b = slip(&r, "店:B");
        assert!(b.gates[0].fired, "{enough:?}");
        assert_eq!(pay(b, "marginal").0, 23_750);
    }
    // The default is one review: today's behaviour.
    assert_eq!(parse(PLAN).unwrap().qa_min_reviews, 1);
    let e = parse(&PLAN.replace(
        "sales_target = 100000",
        "sales_target = 100000\nqa_min_reviews = 0",
    ))
    .unwrap_err();
    assert_eq!(e.field, "qa_min_reviews");
}

#[test]
fn rounding_half_a_fen_up() {
    let r = run();
    let c = slip(&r, "店:C");
    // 1.00 × 0.5% = 0.5 fen → 0.01
    assert_eq!(pay(c, "marginal").0, 1);
    assert_eq!(pay(c, "rank_bonus").0, 0);
    assert_eq!(pay(c, "target_bonus").0, 0);
    assert_eq!(pay(c, "pool").0, 200_000);
    assert_eq!(pay(c, "score_bonus").0, 48_000);
    assert_eq!(c.total_cents, 1 + 1 + 200_000 + 48_000 + 300_000);
}

#[test]
fn ties_share_a_rank_and_its_bonus() {
    let plan = parse(PLAN).unwrap();
    let twin = |name: &str| AgentInput {
        account: name.into(),
        counters: counters(100, 55, 40, 30, 0),
        ..Default::default()
    };
    let mut third = twin("z");
    third.counters = counters(100, 10, 40, 30, 0);
    let input = PlanInput {
        store: Counters::default(),
        agents: vec![twin("y"), third, twin("x")],
    };
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &input).unwrap();
    let ranks: Vec<(&str, Option<usize>, i64)> = r
        .payslips
        .iter()
        .map(|p| (p.account.as_str(), p.rank, pay(p, "rank_bonus").0))
        .collect();
    // 1, 1, 3: both first get the first bonus, the third gets none (there is no third amount)
    assert_eq!(
        ranks,
        vec![
            ("x", Some(1), 50_000),
            ("y", Some(1), 50_000),
            ("z", Some(3), 0)
        ]
    );
    // no store sales: the pool is 0, not an error
    assert_eq!(pay(&r.payslips[0], "pool").0, 0);
}

#[test]
fn relative_to_store_and_linear_cap() {
    let plan = parse(
        r#"
id = "r"
[[kpi]]
key = "aov"
figure = "avg_order_value"
relative_to = "store"
weight = 50
bands = [{ min = 1.12, score = 100 }, { min = 1.08, score = 80 }, { min = 1.06, score = 60 }]
[[kpi]]
key = "conv"
figure = "inquiry_conversion"
weight = 50
linear = { floor = "20%", target = "40%", floor_score = 40, cap = 110 }
"#,
    )
    .unwrap();
    let mut own = Counters::default();
    own.add(C::sales_cents, 1_100_000);
    own.add(C::paid_receptions, 10);
    own.add(C::inquiries, 100);
    own.add(C::paid, 45);
    let mut store = Counters::default();
    store.add(C::sales_cents, 10_000_000);
    store.add(C::paid_receptions, 100);
    let input = PlanInput {
        store,
        agents: vec![AgentInput {
            account: "a".into(),
            counters: own,
            ..Default::default()
        }],
    };
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &input).unwrap();
    let p = &r.payslips[0];
    // AOV 1100.00 over the store's 1000.00 = 1.1 → ≥ 1.08 → 80
    assert_eq!(p.kpis[0].value_text, "1.100");
    assert_eq!(p.kpis[0].score, 80_00);
    // 40 + (45% − 20%) ÷ (40% − 20%) × 60 = 115 → capped at 110
    assert_eq!(p.kpis[1].score, 110_00);
    assert_eq!(
        p.kpis[1].rule,
        "40 + (45.00% − 20%) ÷ (40% − 20%) × 60 = 115 → 110 (≥ 40, ≤ 110)"
    );
    assert_eq!(p.total_score, 40_00 + 55_00);
    assert_eq!(p.grade, None);
    assert_eq!(p.movement, Movement::Out);
}

#[test]
fn agents_without_activity_are_not_ranked_or_paid() {
    let plan = parse(PLAN).unwrap();
    let idle = |name: &str| AgentInput {
        account: name.into(),
        manual: [("attitude".to_string(), 100_00)].into(),
        ..Default::default()
    };
    // A month without any data: nobody ties at rank 1, takes the rank bonus or a score
    // bonus from `missing` defaults; fixed pay stays.
    let empty = PlanInput {
        store: Counters::default(),
        agents: vec![idle("x"), idle("y")],
    };
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &empty).unwrap();
    assert!(r.empty_month);
    assert_eq!(r.headcount, 0);
    for p in &r.payslips {
        assert_eq!((p.rank, p.active, p.grade.as_deref()), (None, false, None));
        assert_eq!(p.total_cents, 300_000, "fixed pay only: {:?}", p.pay);
        assert_eq!(
            pay(p, "rank_bonus"),
            (0, "当月无活动 / no activity in the month = 0.00".into())
        );
    }

    // Beside active agents: the idle one is last, unranked, and not in the headcount.
    let mut month = input();
    month.agents.push(idle("店:D"));
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &month).unwrap();
    assert!(!r.empty_month);
    assert_eq!(r.headcount, 3);
    let last = r.payslips.last().unwrap();
    assert_eq!((last.account.as_str(), last.rank), ("店:D", None));
    assert_eq!(last.total_cents, 300_000);
    // … and changes nobody else's rank or pay (the pool's headcount is still 3)
    let others = |r: &PlanResult| -> Vec<(String, Option<usize>, i64)> {
        r.payslips
            .iter()
            .filter(|p| p.active)
            .map(|p| (p.account.clone(), p.rank, p.total_cents))
            .collect()
    };
    assert_eq!(others(&r), others(&run()));

    // … unless the plan says so
    let paid = parse(&format!("pay_inactive = true\n{PLAN}")).unwrap();
    let r = evaluate(&paid, Month::parse("2026-11").unwrap(), &empty).unwrap();
    assert_eq!(r.headcount, 2);
    assert!(r.payslips.iter().all(|p| p.rank == Some(1)));
    assert!(r.payslips.iter().all(|p| pay(p, "rank_bonus").0 == 50_000));
}

/// KPIs and a gate on platform report columns (a store with only platform reports), computed
/// by hand: the 3-minute rate 60% by bands (missing → 30), 客服销售额 40% linear to 20,000
/// yuan, more than 2 complaints zero the rate's KPI; 1,000 × score ÷ 100 plus 3,000 fixed.
const PLATFORM_PLAN: &str = include_str!("../../../testdata/platform/plan-pdd.toml");

fn platform_agent(account: &str, figures: &[(&str, f64)]) -> AgentInput {
    AgentInput {
        account: account.into(),
        platform: figures
            .iter()
            .map(|(c, v)| ((Platform::Pdd, c.to_string()), *v))
            .collect(),
        ..Default::default()
    }
}

#[test]
fn platform_columns_score_as_kpis_and_gates() {
    let plan = parse(PLATFORM_PLAN).unwrap();
    assert_eq!(plan.platform_columns.len(), 3);
    let rate = "3分钟人工回复率(8-23点)";
    let sales = "客服销售额(元)";
    let input = PlanInput {
        store: Counters::default(),
        agents: vec![
            platform_agent("A", &[(rate, 0.96), (sales, 15000.0), ("投诉数", 0.0)]),
            platform_agent("B", &[(rate, 0.92), (sales, 25000.0), ("投诉数", 3.0)]),
            // The rate is not known for the month (a mean of days is never taken).
            platform_agent("C", &[(sales, 5000.0)]),
            // A 投诉数 of another platform is not pdd's.
            AgentInput {
                account: "D".into(),
                platform: [((Platform::Taobao, rate.to_string()), 0.99)].into(),
                ..Default::default()
            },
            platform_agent("E", &[]),
        ],
    };
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &input).unwrap();
    assert!(!r.empty_month);
    let slip = |a: &str| r.payslips.iter().find(|p| p.account == a).unwrap();
    // A: 100 × 60% + 75 × 40% = 90 → 900 + 3000.
    let a = slip("A");
    assert_eq!(
        (a.total_score, a.total_cents, a.rank),
        (90_00, 3900_00, Some(1))
    );
    assert_eq!(a.kpis[0].value_text, "96.00%");
    assert_eq!(a.kpis[0].name, rate);
    // B: the rate's 80 zeroed by 3 complaints; sales capped at 100 × 40% = 40 → 400.
    let b = slip("B");
    assert_eq!((b.total_score, b.total_cents), (40_00, 3400_00));
    assert_eq!(b.kpis[0].zeroed_by.as_deref(), Some("投诉过多"));
    assert!(b.gates[0].fired);
    // C: rate missing → 30 × 60% = 18, sales 25 × 40% = 10 → 28 → 280; the gate's value
    // is missing, so it does not fire.
    let c = slip("C");
    assert_eq!((c.total_score, c.total_cents), (28_00, 3280_00));
    assert_eq!(c.kpis[0].value, None);
    assert!(!c.gates[0].fired);
    // D: a Taobao figure is activity, but none of the plan's columns: every KPI missing.
    let d = slip("D");
    assert!(d.active);
    assert_eq!((d.total_score, d.total_cents), (18_00, 3180_00));
    // E: no figure at all: no activity, fixed pay only.
    let e = slip("E");
    assert!(!e.active && e.rank.is_none());
    assert_eq!(e.total_cents, 3000_00);
    // Every column the plan reads has a figure for somebody: nothing to warn about.
    assert_eq!(r.columns_without_data, vec![]);
}

/// A misspelt column scores everybody the KPI's missing score; the result says so, with the
/// columns of that platform that do exist.
#[test]
fn a_column_nobody_has_is_reported_with_the_columns_present() {
    let plan =
        parse(&PLATFORM_PLAN.replace("3分钟人工回复率(8-23点)", "3分钟人工回复率（8-23点）"))
            .unwrap();
    let input = PlanInput {
        store: Counters::default(),
        agents: vec![
            platform_agent("A", &[("3分钟人工回复率(8-23点)", 0.96), ("投诉数", 0.0)]),
            AgentInput {
                account: "D".into(),
                platform: [((Platform::Taobao, "咨询人数".to_string()), 3.0)].into(),
                ..Default::default()
            },
        ],
    };
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &input).unwrap();
    let missing: Vec<(&str, &str)> = r
        .columns_without_data
        .iter()
        .map(|c| (c.platform.as_str(), c.column.as_str()))
        .collect();
    assert_eq!(
        missing,
        [
            ("pdd", "3分钟人工回复率（8-23点）"),
            ("pdd", "客服销售额(元)")
        ]
    );
    assert_eq!(
        r.columns_without_data[0].present,
        ["3分钟人工回复率(8-23点)", "投诉数"]
    );
    // No agent at all: no month to judge the columns by.
    let none = evaluate(
        &plan,
        Month::parse("2026-11").unwrap(),
        &PlanInput::default(),
    )
    .unwrap();
    assert!(none.columns_without_data.is_empty());
}

#[test]
fn platform_sources_are_checked() {
    let kpi = |body: &str| {
        format!("id = \"p\"\n[[kpi]]\n{body}\nweight = 100\nbands = [{{ min = 1, score = 100 }}]\n")
    };
    let err = |body: &str| parse(&kpi(body)).unwrap_err();
    let e = err("platform = \"amazon\"\ncolumn = \"x\"");
    assert_eq!(e.field, "kpi[kpi1].platform");
    assert!(e.message.contains("known: taobao, tmall, pdd"), "{e}");
    let e = err("platform = \"pdd\"");
    assert_eq!(e.field, "kpi[kpi1].column");
    let e = err("column = \"咨询人数\"");
    assert_eq!(e.field, "kpi[kpi1].platform");
    let e = err("figure = \"served\"\nplatform = \"pdd\"\ncolumn = \"咨询人数\"");
    assert!(e.message.contains("not several"), "{e}");
    let e = err("platform = \"pdd\"\ncolumn = \"咨询人数\"\nrelative_to = \"store\"");
    assert_eq!(e.field, "kpi[kpi1].relative_to");
    assert!(parse(&kpi("platform = \"jd\"\ncolumn = \"咨询人数\"")).is_ok());
}

/// Recovered-sales figures score, gate and explain like any figure, computed by hand on
/// `testdata/worklists/plan-recovery.toml`: 挽回金额 60% on a line to 500 yuan, 挽回率 40% by
/// bands (≥ 60% → 100, ≥ 30% → 60, else 20, undefined → 0), no recovered order halves the
/// variable pay; 1,000 × score ÷ 100 plus 3,000 fixed.
#[test]
fn recovery_figures_score_as_kpis_and_gates() {
    use kefu_core::worklist::summary::Tally;
    let plan = parse(include_str!(
        "../../../testdata/worklists/plan-recovery.toml"
    ))
    .unwrap();
    assert!(plan.reads_recovery());
    let agent = |name: &str, recovered: u64, orders: u64, cents: i64, contacted: u64| AgentInput {
        account: name.into(),
        // Activity: a reception.
        counters: {
            let mut c = Counters::default();
            c.bump(C::served);
            c
        },
        recovery: AgentRecovery {
            total: Tally {
                recovered,
                orders,
                cents,
                contacted_resolved: contacted,
                ..Tally::default()
            },
            lists: BTreeMap::new(),
        },
        ..Default::default()
    };
    let input = PlanInput {
        store: Counters::default(),
        agents: vec![
            // 250.00 → 50 × 60% = 30; 1 ÷ 4 = 25% → 20 × 40% = 8; 38 → 380 + 3000.
            agent("A", 1, 1, 250_00, 4),
            // 750.00 → capped 100 × 60% = 60; 3 ÷ 5 = 60% → 40; 100 → 1000 + 3000.
            agent("B", 3, 2, 750_00, 5),
            // Nothing decided: the rate is undefined → 0; no order: (0) × 50%; 3000.
            agent("C", 0, 0, 0, 0),
        ],
    };
    let r = evaluate(&plan, Month::parse("2026-11").unwrap(), &input).unwrap();
    let slip = |a: &str| r.payslips.iter().find(|p| p.account == a).unwrap();
    let a = slip("A");
    assert_eq!((a.total_score, a.total_cents), (38_00, 3380_00));
    assert_eq!(a.kpis[0].name, "挽回金额");
    assert_eq!(a.kpis[0].name_en, "Recovered amount");
    assert_eq!(a.kpis[0].value_text, "250.00");
    assert_eq!(a.kpis[0].recovery, Some("recovered_amount"));
    assert_eq!(a.kpis[0].figure, None);
    assert_eq!(a.kpis[1].value_text, "25.00%");
    assert_eq!(a.kpis[1].rule, "< 30% → 20");
    assert_eq!(
        a.kpis[1].value_explained(false),
        "25.00% (挽回 1 ÷ 本人联系过的已结项 4)"
    );
    assert_eq!(a.gates[0].condition, "recovered_orders < 1");
    assert_eq!(a.gates[0].condition_zh, "挽回订单数 < 1");
    assert_eq!(a.gates[0].condition_en, "Recovered orders < 1");
    assert!(!a.gates[0].fired);
    let b = slip("B");
    assert_eq!((b.total_score, b.total_cents), (100_00, 4000_00));
    assert_eq!(b.kpis[0].rule.split(" → ").last(), Some("100 (≥ 0, ≤ 100)"));
    let c = slip("C");
    assert_eq!(c.kpis[1].value, None);
    assert_eq!(c.kpis[1].value_text, "–");
    assert!(c.gates[0].fired);
    assert_eq!(
        c.gates[0].value_explained(true),
        "0 (0 paid orders of 0 recoveries (each order once))"
    );
    assert_eq!((c.total_score, c.total_cents), (0, 3000_00));
    assert_eq!(
        c.pay[0].formula,
        "(1000.00 × 0 ÷ 100) × 50% [没有挽回订单] = 0.00"
    );
}

/// A recovered-sales figure is named like any figure; it has no store value to compare with.
#[test]
fn recovery_figures_are_read_from_the_plan_file() {
    let kpi = |body: &str| {
        format!("id = \"r\"\n[[kpi]]\n{body}\nweight = 100\nbands = [{{ min = 1, score = 100 }}]\n")
    };
    let plan = parse(&kpi("figure = \"balance_recovery_minutes\"")).unwrap();
    assert!(
        matches!(plan.kpis[0].source, Source::Recovery(f) if f.key == "balance_recovery_minutes")
    );
    assert_eq!(plan.kpis[0].name, "预售尾款平均挽回用时（分钟）");
    let e = parse(&kpi(
        "figure = \"recovered_amount\"\nrelative_to = \"store\"",
    ))
    .unwrap_err();
    assert_eq!(e.field, "kpi[recovered_amount].relative_to");
    let e = parse(&kpi("figure = \"recoverd_amount\"")).unwrap_err();
    assert!(e.message.contains("recovered_amount, recovery_rate"), "{e}");
    assert!(e.message.contains("unpaid_recovered_amount"), "{e}");
    assert!(!parse(PLAN).unwrap().reads_recovery());
}
