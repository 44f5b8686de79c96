//! Review summaries: QA periods (week or month, the store's choice), the QA score of a set of
//! reviews, their weakest and strongest items, and the trend over periods.
//!
//! QA score = the plain mean of the counted reviews' scores (each review weighs the same,
//! whatever its scorecard); a review without a score (nothing applicable) is left out.

use std::collections::BTreeMap;

use kefu_core::time::Day;

use crate::review::ReviewKind;

/// How a store groups reviews in time: weekly in the slow season, monthly in the busy one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodKind {
    #[default]
    Week,
    Month,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodKind> {
        match s {
            "week" => Some(PeriodKind::Week),
            "month" => Some(PeriodKind::Month),
            _ => None,
        }
    }
}

/// A week (Monday to Sunday) or a calendar month, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub from: Day,
    pub to: Day,
}

impl Period {
    /// The period of `kind` containing `day`.
    pub fn containing(kind: PeriodKind, day: Day) -> Period {
        match kind {
            PeriodKind::Week => {
                // Day 0 (1970-01-01) was a Thursday: Monday is 0 after shifting by 3.
                let monday = day.offset(-(day.0 + 3).rem_euclid(7));
                Period {
                    from: monday,
                    to: monday.offset(6),
                }
            }
            PeriodKind::Month => {
                let (y, m, _) = day.ymd();
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                // The first of a month always exists.
                let first = Day::from_ymd(y, m, 1).unwrap_or(day);
                let next = Day::from_ymd(ny, nm, 1).unwrap_or(day.offset(1));
                Period {
                    from: first,
                    to: next.offset(-1),
                }
            }
        }
    }

    /// The period of the same kind just before this one.
    pub fn previous(self, kind: PeriodKind) -> Period {
        Period::containing(kind, self.from.offset(-1))
    }

    pub fn contains(self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }
}

/// One counted review as the summaries need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFact {
    pub kind: ReviewKind,
    /// The day of the reviewed reception.
    pub day: Day,
    /// The score that counts (after an accepted appeal).
    pub score: Option<f64>,
    /// Each answered item's value on [0, 1] (N/A left out).
    pub items: Vec<(String, f64)>,
}

/// The mean of the scores; `None` without any.
pub fn qa_score<'a>(reviews: impl IntoIterator<Item = &'a ReviewFact>) -> Option<f64> {
    let (sum, n) = reviews
        .into_iter()
        .filter_map(|r| r.score)
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// An item's mean value over the reviews that answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemMean {
    pub item: String,
    pub mean: f64,
    pub answered: usize,
}

fn item_means<'a>(reviews: impl IntoIterator<Item = &'a ReviewFact>) -> Vec<ItemMean> {
    let mut sums: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for r in reviews {
        for (item, v) in &r.items {
            let e = sums.entry(item.as_str()).or_default();
            e.0 += v;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(item, (sum, n))| ItemMean {
            item: item.to_string(),
            mean: sum / n as f64,
            answered: n,
        })
        .collect()
}

/// The `top` weakest items of the weakness reviews (lowest mean first; items always
/// answered in full are no weakness), ties by item id.
pub fn weaknesses(reviews: &[ReviewFact], top: usize) -> Vec<ItemMean> {
    let mut m: Vec<ItemMean> =
        item_means(reviews.iter().filter(|r| r.kind == ReviewKind::Weakness))
            .into_iter()
            .filter(|i| i.mean < 1.0)
            .collect();
    m.sort_by(|a, b| a.mean.total_cmp(&b.mean).then(a.item.cmp(&b.item)));
    m.truncate(top);
    m
}

/// The `top` strongest items of the strength reviews (highest mean first; items never
/// earned are no strength), ties by item id.
pub fn strengths(reviews: &[ReviewFact], top: usize) -> Vec<ItemMean> {
    let mut m: Vec<ItemMean> =
        item_means(reviews.iter().filter(|r| r.kind == ReviewKind::Strength))
            .into_iter()
            .filter(|i| i.mean > 0.0)
            .collect();
    m.sort_by(|a, b| b.mean.total_cmp(&a.mean).then(a.item.cmp(&b.item)));
    m.truncate(top);
    m
}

/// The QA score of `current` and of the `back` periods before it, oldest first.
pub fn trend(
    reviews: &[ReviewFact],
    kind: PeriodKind,
    current: Period,
    back: usize,
) -> Vec<(Period, Option<f64>)> {
    let mut periods = vec![current];
    for _ in 0..back {
        let before = periods[periods.len() - 1].previous(kind);
        periods.push(before);
    }
    periods.reverse();
    periods
        .into_iter()
        .map(|p| (p, qa_score(reviews.iter().filter(|r| p.contains(r.day)))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    fn fact(kind: ReviewKind, d: &str, score: Option<f64>, items: &[(&str, f64)]) -> ReviewFact {
        ReviewFact {
            kind,
            day: day(d),
            score,
            items: items.iter().map(|(i, v)| (i.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2026-11-25 is a Wednesday.
        let w = Period::containing(PeriodKind::Week, day("2026-11-25"));
        assert_eq!((w.from, w.to), (day("2026-11-23"), day("2026-11-29")));
        assert_eq!(
            w.previous(PeriodKind::Week),
            Period {
                from: day("2026-11-16"),
                to: day("2026-11-22")
            }
        );
        let m = Period::containing(PeriodKind::Month, day("2024-02-10"));
        assert_eq!((m.from, m.to), (day("2024-02-01"), day("2024-02-29")));
        let d = Period::containing(PeriodKind::Month, day("2026-12-31"));
        assert_eq!((d.from, d.to), (day("2026-12-01"), day("2026-12-31")));
        assert_eq!(d.previous(PeriodKind::Month).from, day("2026-11-01"));
    }

    #[test]
    fn score_weak_strong_and_trend() {
        use ReviewKind::*;
        let r = vec![
            fact(
                Weakness,
                "2026-11-24",
                Some(80.0),
                &[("greeting", 1.0), ("polite", 0.5)],
            ),
            fact(
                Weakness,
                "2026-11-25",
                Some(60.0),
                &[("greeting", 0.0), ("polite", 0.75)],
            ),
            fact(Weakness, "2026-11-26", None, &[]),
            fact(
                Strength,
                "2026-11-17",
                Some(110.0),
                &[("warmth", 1.0), ("upsell", 1.0)],
            ),
            fact(
                Strength,
                "2026-11-18",
                Some(90.0),
                &[("warmth", 0.5), ("speed", 0.0)],
            ),
        ];
        // (80 + 60 + 110 + 90) / 4 = 85
        assert_eq!(qa_score(&r), Some(85.0));
        // greeting (1 + 0)/2 = 0.5, polite (0.5 + 0.75)/2 = 0.625
        let w = weaknesses(&r, 3);
        assert_eq!(
            w.iter()
                .map(|i| (i.item.as_str(), i.mean))
                .collect::<Vec<_>>(),
            vec![("greeting", 0.5), ("polite", 0.625)]
        );
        // upsell 1, warmth 0.75; speed 0 is no strength
        let s = strengths(&r, 3);
        assert_eq!(
            s.iter()
                .map(|i| (i.item.as_str(), i.mean))
                .collect::<Vec<_>>(),
            vec![("upsell", 1.0), ("warmth", 0.75)]
        );
        let now = Period::containing(PeriodKind::Week, day("2026-11-25"));
        let t = trend(&r, PeriodKind::Week, now, 2);
        assert_eq!(
            t.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            vec![None, Some(100.0), Some(70.0)]
        );
        assert_eq!(t[0].0.from, day("2026-11-09"));
    }
}
