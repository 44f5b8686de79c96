//! No input makes a plan panic: mutated plan files are parsed or refused, and whatever
//! parses evaluates on arbitrary counters, orders and refunds.

use kefu_core::figures::{COUNTERS, Counters};
use kefu_plan::{AgentInput, LateRefund, Month, PaidOrder, PlanInput, evaluate, parse};
use proptest::prelude::*;

/// Characters that make plans interesting to break: digits, signs, quotes, brackets.
const ALPHABET: &[char] = &[
    '0', '1', '5', '9', '.', '-', '%', '"', '[', ']', '{', '}', '=', ',', '\n', ' ', 'x', '#',
];

fn counters() -> impl Strategy<Value = Counters> {
    proptest::collection::vec(0i64..5_000_000, COUNTERS).prop_map(|v| {
        let mut c = Counters::default();
        c.0.copy_from_slice(&v);
        c
    })
}

fn agent() -> impl Strategy<Value = AgentInput> {
    (
        counters(),
        proptest::option::of(0i64..12_000),
        proptest::collection::vec((0i64..10_000_000, 0i64..20_000_000, any::<bool>()), 0..4),
        proptest::option::of(-5i64..100_000_000),
    )
        .prop_map(|(counters, qa, orders, target)| {
            let nov = Month::parse("2026-11").unwrap();
            let start = nov.first_day().start();
            AgentInput {
                account: format!("a{}", counters.0[0]),
                counters,
                qa_score: qa,
                sales_target_cents: target,
                manual: [("attitude".to_string(), 77_00)].into(),
                orders: orders
                    .iter()
                    .enumerate()
                    .map(|(i, (amount, refund, late))| PaidOrder {
                        order_id: format!("o{i}"),
                        paid_at: start + i as i64 * 3_600_000,
                        amount_cents: *amount,
                        refunds: vec![(start + if *late { 40 } else { 3 } * 86_400_000, *refund)],
                    })
                    .collect(),
                earlier_refunds: vec![LateRefund {
                    order_id: "old".into(),
                    paid_at: start - 20 * 86_400_000,
                    finished_at: start + 10 * 86_400_000,
                    amount_cents: 12_345,
                    order_amount_cents: 10_000,
                    refunded_before_cents: 2_000,
                }],
                ..Default::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mutated_plans_parse_or_fail_cleanly(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..ALPHABET.len()), 1..4),
        agents in proptest::collection::vec(agent(), 0..5),
        store in counters(),
    ) {
        let mut chars: Vec<char> = kefu_plan::SHIPPED[which].1.chars().collect();
        for (at, c) in edits {
            let i = at.index(chars.len());
            chars[i] = ALPHABET[c];
        }
        let text: String = chars.into_iter().collect();
        match parse(&text) {
            Err(e) => prop_assert!(e.line >= 1 && e.line <= text.lines().count() + 1),
            Ok(plan) => {
                let input = PlanInput { store, agents };
                if let Ok(r) = evaluate(&plan, Month::parse("2026-11").unwrap(), &input) {
                    for p in &r.payslips {
                        prop_assert_eq!(p.total_score, p.kpis.iter().map(|k| k.points).sum::<i64>());
                        prop_assert_eq!(p.total_cents, p.pay.iter().map(|l| l.amount_cents).sum::<i64>());
                    }
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = parse(&text);
        let _ = kefu_plan::editable_numbers(&text);
    }
}
