//! Performance plans (绩效方案): KPIs with weights and scoring rules, manual items, gates,
//! commission and bonuses, grades (梯队) and rankings — as data, evaluated by pure functions.
//!
//! `parse` reads a plan from TOML and refuses an invalid one with the line and field at
//! fault; `evaluate` turns a month's per-agent counters, orders and refunds into payslips.
//! No I/O: the store gathers a [`PlanInput`], the CLI and the web app render the result.
//! The rules (rounding, clawback, ranking ties) are written down in `docs/plans.md`.

// Scores are hundredths of a point and are written that way: `87_50` is 87.50 points.
#![allow(clippy::inconsistent_digit_grouping)]

pub mod decimal;
mod eval;
pub mod form;
mod messages;
pub mod model;
pub mod month;
mod parse;
pub mod recovery;

pub use decimal::{Decimal, Exact, Overflow};
pub use eval::{
    AgentInput, ColumnWithoutData, EvalError, Explained, GateLine, KpiLine, LateRefund,
    LateRefundLine, Movement, OrderLine, PaidElsewhere, PaidOrder, PayLine, Payslip, PlanInput,
    PlanResult, SalesBase, UnpaidAccount, evaluate, is_active, weight_text,
};
pub use model::{Plan, QA_SCORE, TARGET_COMPLETION};
pub use month::Month;
pub use parse::{EditableNumber, PlanError, editable_numbers, parse, parse_all, replace_numbers};
pub use recovery::{AgentRecovery, RECOVERY_FIGURES, RecoveryFigure, recovery_figure};

/// The plans kefu ships (`plans/`), as (file name, text): the demo stores them, the web
/// editor starts a new plan from the first.
pub const SHIPPED: [(&str, &str); 3] = [
    ("presale.toml", include_str!("../../../plans/presale.toml")),
    (
        "sales-target.toml",
        include_str!("../../../plans/sales-target.toml"),
    ),
    (
        "aftersale.toml",
        include_str!("../../../plans/aftersale.toml"),
    ),
];

/// A hand-entered score (a manual item, the QA score) as hundredths of a point: 0 to 100 with
/// at most 2 decimals. A score is out of 100, so `90%` is 90 points (not 0.9); commas are
/// refused as in plans (`9,5` is not 9.5).
pub fn parse_score(text: &str) -> Option<i64> {
    let text = text.trim();
    let points = text.strip_suffix('%').unwrap_or(text).trim_end();
    if points.ends_with('%') {
        return None;
    }
    Decimal::parse(points)
        .ok()
        .and_then(|d| d.to_fixed(2))
        .filter(|h| (0..=100_00).contains(h))
}

/// Hundredths of a point as text: 8750 → `87.5`.
pub fn score_text(hundredths: i64) -> String {
    parse::score_text(hundredths)
}

#[cfg(test)]
mod tests {
    use super::parse_score;

    #[test]
    fn a_score_typed_as_a_percentage_is_its_points() {
        assert_eq!(parse_score("90%"), Some(90_00));
        assert_eq!(parse_score(" 95.5 % "), Some(95_50));
        assert_eq!(parse_score("90"), Some(90_00));
        assert_eq!(parse_score("0.9"), Some(90));
        for bad in ["101", "101%", "9,5", "90%%", "-1", "1.234", "", "%"] {
            assert_eq!(parse_score(bad), None, "{bad}");
        }
    }
}
