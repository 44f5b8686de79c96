//! The figure definitions of `figures.rs` are consistent: unique keys, units that match the
//! values, lists that count what the counters count, and every figure documented in
//! `docs/metrics.md`.

mod support;

use std::collections::HashSet;

use kefu_core::engine;
use kefu_core::figures::{
    ACCOUNT_FIGURES, Behind, C, Counters, Direction, STORE_FIGURES, Unit, Value, all_figures,
    figure, nearest_rank,
};
use kefu_core::settings::{MetricSettings, ServiceHours};
use support::Store;

#[test]
fn keys_and_names_are_unique() {
    let mut keys = HashSet::new();
    let mut names = HashSet::new();
    for f in all_figures() {
        assert!(keys.insert(f.key), "{} twice", f.key);
        assert!(names.insert(f.zh), "{} twice", f.zh);
        assert!(names.insert(f.en), "{} twice", f.en);
        assert!(std::ptr::eq(figure(f.key).unwrap(), f));
        assert!(
            f.key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{}: keys are URL- and CSV-safe",
            f.key
        );
    }
}

#[test]
fn units_match_the_values() {
    for f in all_figures() {
        let ok = matches!(
            (f.unit, f.value(&Counters::default())),
            (Unit::Count, Value::Count(_))
                | (Unit::Yuan, Value::Money(_) | Value::Ratio(_))
                | (Unit::Percent | Unit::Seconds | Unit::Ratio, Value::Ratio(_))
        );
        assert!(ok, "{}: unit {:?}", f.key, f.unit);
    }
}

#[test]
fn store_level_figures_are_the_store_table() {
    assert!(ACCOUNT_FIGURES.iter().all(|f| !f.store_level()));
    assert!(STORE_FIGURES.iter().all(|f| f.store_level()));
}

/// The issue 14 review: volume figures are never coloured best or worst.
#[test]
fn volumes_are_neutral() {
    for key in ["consulted", "rounds", "avg_duration_secs", "buyers"] {
        assert_eq!(figure(key).unwrap().direction, Direction::Neutral, "{key}");
    }
    assert_eq!(
        figure("avg_first_response_secs").unwrap().direction,
        Direction::LowerIsBetter
    );
    assert_eq!(
        figure("reply_rate").unwrap().direction,
        Direction::HigherIsBetter
    );
}

#[test]
fn figures_are_written_by_unit() {
    let show = |key: &str, v: Value| figure(key).unwrap().display(v);
    assert_eq!(show("consulted", Value::Count(12)), "12");
    assert_eq!(show("sales", Value::Money(123_456)), "1234.56");
    assert_eq!(show("reply_rate", Value::Ratio(Some(0.5))), "50.00%");
    assert_eq!(
        show("avg_response_secs", Value::Ratio(Some(12.345))),
        "12.3"
    );
    assert_eq!(show("avg_order_value", Value::Ratio(Some(99.5))), "99.50");
    assert_eq!(
        show("answer_question_ratio", Value::Ratio(Some(2.0 / 3.0))),
        "0.67"
    );
    assert_eq!(show("reply_rate", Value::Ratio(None)), "-");
}

/// `docs/metrics.md` defines every figure: its key and its Chinese name appear there.
#[test]
fn every_figure_is_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/metrics.md");
    let doc = std::fs::read_to_string(path).unwrap();
    for f in all_figures() {
        assert!(doc.contains(f.key), "docs/metrics.md lacks `{}`", f.key);
        assert!(doc.contains(f.zh), "docs/metrics.md lacks {}", f.zh);
    }
}

#[test]
fn nearest_rank_percentiles() {
    let v = [15, 20, 35, 40, 50];
    assert_eq!(nearest_rank(&v, 30), Some(20));
    assert_eq!(nearest_rank(&v, 40), Some(20));
    assert_eq!(nearest_rank(&v, 50), Some(35));
    assert_eq!(nearest_rank(&v, 100), Some(50));
    assert_eq!(nearest_rank(&v, 0), Some(15));
    assert_eq!(nearest_rank(&[7], 95), Some(7));
    assert_eq!(nearest_rank(&[], 50), None);
}

/// The cases where a list could drift from its counter: a night's wait answered at 08:00
/// (wall clock against service clock), transfers, bots, unanswered rounds, after-sale and
/// attributed orders, a reception without a buyer message.
fn mixed_store() -> Store {
    let mut s = Store::default();
    s.msg("a", "tom", "2026-11-11 09:00:00", "buyer")
        .msg("a", "tom", "2026-11-11 09:01:40", "agent")
        .msg("a", "tom", "2026-11-11 09:02:00", "buyer")
        .msg("a", "tom", "2026-11-11 09:07:00", "agent")
        .order(
            "O1",
            "tom",
            "2026-11-11 09:10:00",
            Some("2026-11-11 09:12:00"),
            None,
            40,
        )
        .msg("a", "d", "2026-11-10 23:59:30", "buyer")
        .msg("a", "d", "2026-11-11 08:00:10", "agent")
        .msg("a", "c", "2026-11-11 07:50:00", "buyer")
        .msg("a", "c", "2026-11-11 08:01:00", "agent")
        .msg("a", "e", "2026-11-11 10:00:00", "buyer")
        .transfer("a", "e", "2026-11-11 10:01:00", "b")
        .msg("b", "e", "2026-11-11 10:02:00", "agent")
        .msg("bot", "f", "2026-11-11 11:00:00", "buyer")
        .msg("bot", "f", "2026-11-11 11:00:05", "bot")
        .msg("a", "g", "2026-11-11 12:00:00", "buyer")
        .order(
            "O2",
            "h",
            "2026-11-10 10:00:00",
            Some("2026-11-10 10:05:00"),
            None,
            50,
        )
        .msg("a", "h", "2026-11-11 09:30:00", "buyer")
        .msg("a", "h", "2026-11-11 09:30:30", "agent")
        .msg("a", "i", "2026-11-11 13:00:00", "agent");
    s
}

/// Counting a figure's reception or round list with its own predicate gives the counter the
/// figure names: the rollup and the lists use the same predicates, under any service hours.
#[test]
fn reception_and_round_lists_count_what_the_rollup_counts() {
    let s = mixed_store();
    let all_day = MetricSettings {
        service_hours: ServiceHours::all_day(),
        ..MetricSettings::default()
    };
    for settings in [MetricSettings::default(), all_day] {
        let a = engine::analyze(&s.view(), &settings);
        let c = s.store(&settings);
        let mut compared = 0;
        for f in all_figures() {
            let listed = match f.behind {
                Behind::Receptions(test) => a.receptions.iter().filter(|r| test(r)).count(),
                Behind::Rounds(test) => a.rounds.iter().filter(|r| test(r)).count(),
                _ => continue,
            };
            if let Some(counter) = f.listed_count {
                assert_eq!(listed as i64, c.get(counter), "{}", f.key);
                compared += 1;
            }
        }
        assert!(compared >= 15, "{compared}");
        // The list's within-3-minutes flag is the numerator's own predicate: the night's
        // wait (d) is 40 s of service time but 8 hours on the wall clock, and not counted.
        let within = a
            .rounds
            .iter()
            .filter(|r| r.answered_within_three_minutes())
            .count();
        assert_eq!(within as i64, c.get(C::rounds_0800_within_3min));
        assert!(c.get(C::rounds_0800_within_3min) < c.get(C::rounds_0800));
    }
}
