//! The figure definitions of `figures.rs` are consistent: unique keys, units that match the
//! values, and every figure documented in `docs/metrics.md`.

use std::collections::HashSet;

use kefu_core::figures::{
    ACCOUNT_FIGURES, Counters, Direction, STORE_FIGURES, Unit, Value, all_figures, figure,
    nearest_rank,
};

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
