//! Hits per 100 receptions, by rule, for rows of any kind (accounts, groups, the store).

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

#[cfg(test)]
mod tests {
    use super::*;

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
