//! Hits per 100 receptions, by rule, for rows of any kind (accounts, groups, the store).

use super::Severity;

/// Hits of one rule on one row (an account, a group, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitCount {
    pub key: String,
    pub rule: String,
    /// Receptions the rule hit.
    pub hits: u64,
    /// Sum of the rule's score over those hits.
    pub score: i64,
}

/// One row of a hit table.
#[derive(Debug, Clone, PartialEq)]
pub struct HitRow {
    pub key: String,
    /// Receptions evaluated: the denominator.
    pub receptions: u64,
    /// Per rule of [`HitTable::rules`].
    pub hits: Vec<u64>,
    pub score: i64,
}

impl HitRow {
    /// Receptions hit by any rule counted once per rule.
    pub fn total_hits(&self) -> u64 {
        self.hits.iter().sum()
    }
}

/// Rows × rules.
#[derive(Debug, Clone, PartialEq)]
pub struct HitTable {
    pub rules: Vec<String>,
    pub rows: Vec<HitRow>,
}

/// Hits per 100 receptions; `None` without receptions (never 0 for "no data").
pub fn per_100(hits: u64, receptions: u64) -> Option<f64> {
    (receptions > 0).then(|| hits as f64 * 100.0 / receptions as f64)
}

impl HitTable {
    /// Builds the table: `receptions` per row key, `counts` per (key, rule); rows keep the
    /// order of `receptions`, rules the order given. Counts of keys without receptions and of
    /// unknown rules are dropped.
    pub fn build(
        rules: Vec<String>,
        receptions: &[(String, u64)],
        counts: &[HitCount],
    ) -> HitTable {
        let mut rows: Vec<HitRow> = receptions
            .iter()
            .map(|(key, n)| HitRow {
                key: key.clone(),
                receptions: *n,
                hits: vec![0; rules.len()],
                score: 0,
            })
            .collect();
        for c in counts {
            let (Some(row), Some(rule)) = (
                rows.iter_mut().find(|r| r.key == c.key),
                rules.iter().position(|r| *r == c.rule),
            ) else {
                continue;
            };
            row.hits[rule] += c.hits;
            row.score += c.score;
        }
        HitTable { rules, rows }
    }

    /// All rows summed into one, under `key`.
    pub fn total(&self, key: &str) -> HitRow {
        let mut t = HitRow {
            key: key.to_string(),
            receptions: 0,
            hits: vec![0; self.rules.len()],
            score: 0,
        };
        for r in &self.rows {
            t.receptions += r.receptions;
            t.score += r.score;
            for (a, b) in t.hits.iter_mut().zip(&r.hits) {
                *a += b;
            }
        }
        t
    }
}

/// One rule's line of a period: its hits and hits per 100 receptions, now and the period
/// before. Points (a rule's score) are not summed: a count per 100 receptions reads the same
/// for any number of receptions and rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRate {
    pub rule: String,
    pub severity: Severity,
    pub hits: u64,
    pub per_100: Option<f64>,
    pub previous_per_100: Option<f64>,
}

/// The rules of `table` (its [`HitTable::rules`] with their severities) over the rows of
/// `now` and `previous` (totals of the rows shown), most severe first, then the highest
/// rate, then the rule id: the order the pages list rules in.
pub fn by_rule(
    table: &HitTable,
    severity: impl Fn(&str) -> Severity,
    now: &HitRow,
    previous: &HitRow,
) -> Vec<RuleRate> {
    let mut out: Vec<RuleRate> = table
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let hits = now.hits.get(i).copied().unwrap_or(0);
            let before = previous.hits.get(i).copied().unwrap_or(0);
            RuleRate {
                rule: rule.clone(),
                severity: severity(rule),
                hits,
                per_100: per_100(hits, now.receptions),
                previous_per_100: per_100(before, previous.receptions),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(
                b.per_100
                    .unwrap_or(0.0)
                    .total_cmp(&a.per_100.unwrap_or(0.0)),
            )
            .then(a.rule.cmp(&b.rule))
    });
    out
}

/// Hits per 100 receptions of each severity (the hits of its rules), most severe first;
/// severities without a rule are left out.
pub fn by_severity(rates: &[RuleRate], receptions: u64) -> Vec<(Severity, u64, Option<f64>)> {
    Severity::ALL
        .into_iter()
        .rev()
        .filter(|s| rates.iter().any(|r| r.severity == *s))
        .map(|s| {
            let hits = rates
                .iter()
                .filter(|r| r.severity == s)
                .map(|r| r.hits)
                .sum();
            (s, hits, per_100(hits, receptions))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_ordered_by_severity_then_rate_and_never_by_points() {
        let table = HitTable::build(
            vec!["a".into(), "b".into(), "c".into(), "d".into()],
            &[("x".into(), 200)],
            &[
                HitCount {
                    key: "x".into(),
                    rule: "a".into(),
                    hits: 10,
                    score: -1000,
                },
                HitCount {
                    key: "x".into(),
                    rule: "b".into(),
                    hits: 30,
                    score: -3,
                },
                HitCount {
                    key: "x".into(),
                    rule: "c".into(),
                    hits: 2,
                    score: -2,
                },
                HitCount {
                    key: "x".into(),
                    rule: "d".into(),
                    hits: 4,
                    score: -4,
                },
            ],
        );
        let sev = |r: &str| match r {
            "c" => Severity::Critical,
            "a" | "b" => Severity::Low,
            _ => Severity::Medium,
        };
        let now = table.total("");
        let before = HitRow {
            key: String::new(),
            receptions: 100,
            hits: vec![5, 0, 0, 0],
            score: 0,
        };
        let rates = by_rule(&table, sev, &now, &before);
        let order: Vec<&str> = rates.iter().map(|r| r.rule.as_str()).collect();
        // critical first, then medium; among the low ones 30 hits before 10, whatever the points
        assert_eq!(order, ["c", "d", "b", "a"]);
        assert_eq!(rates[2].per_100, Some(15.0));
        assert_eq!(rates[3].previous_per_100, Some(5.0));
        assert_eq!(
            by_severity(&rates, now.receptions),
            vec![
                (Severity::Critical, 2, Some(1.0)),
                (Severity::Medium, 4, Some(2.0)),
                (Severity::Low, 40, Some(20.0)),
            ]
        );
        assert_eq!(by_rule(&table, sev, &before, &before)[0].hits, 0);
    }

    #[test]
    fn rows_sum_and_rates_form_at_the_end() {
        let counts = vec![
            HitCount {
                key: "a".into(),
                rule: "x".into(),
                hits: 3,
                score: -6,
            },
            HitCount {
                key: "b".into(),
                rule: "x".into(),
                hits: 1,
                score: -2,
            },
            HitCount {
                key: "b".into(),
                rule: "y".into(),
                hits: 2,
                score: 2,
            },
            HitCount {
                key: "zz".into(),
                rule: "x".into(),
                hits: 9,
                score: -9,
            },
        ];
        let t = HitTable::build(
            vec!["x".into(), "y".into()],
            &[("a".into(), 10), ("b".into(), 40)],
            &counts,
        );
        assert_eq!(t.rows[0].hits, vec![3, 0]);
        assert_eq!(t.rows[1].hits, vec![1, 2]);
        assert_eq!(t.rows[1].score, 0);
        let all = t.total("*");
        assert_eq!(
            (all.receptions, all.hits.clone(), all.score),
            (50, vec![4, 2], -6)
        );
        // 4 hits over 50 receptions: 8 per 100, not the mean of 30 and 2.5.
        assert_eq!(per_100(all.hits[0], all.receptions), Some(8.0));
        assert_eq!(per_100(1, 0), None);
    }
}
