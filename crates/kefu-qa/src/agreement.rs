//! Reviewer agreement: Krippendorff's alpha, for calibration sessions where several reviewers
//! score the same receptions blind.
//!
//! α = 1 − D_o / D_e, where over the *pairable* values (units with at least two values) the
//! coincidence matrix o_ck counts, for every unit u with m_u values, each ordered pair of
//! values (c, k) from different reviewers with weight 1 / (m_u − 1); n_c = Σ_k o_ck,
//! n = Σ_c n_c, and
//!
//! ```text
//! D_o = 1/n        · Σ_c Σ_k o_ck · δ²(c, k)
//! D_e = 1/(n(n−1)) · Σ_c Σ_k n_c · n_k · δ²(c, k)
//! ```
//!
//! δ² is the metric: nominal 0 if c = k else 1; interval (c − k)²; ordinal
//! (Σ_{g=c..k} n_g − (n_c + n_k)/2)² over the values g between c and k.
//! (Krippendorff, *Computing Krippendorff's Alpha-Reliability*, 2011.)

/// How different two values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Categories: equal or not (yes/no answers).
    Nominal,
    /// Ranks: the distance counts the values seen between them (1–5 ratings).
    Ordinal,
    /// Numbers: squared difference (points, review scores).
    Interval,
}

/// Alpha of `units`, each unit the values its reviewers gave (missing ones left out).
/// `None` when fewer than two pairable values exist or all values are the same (no variation
/// to agree on: D_e = 0).
pub fn alpha(units: &[Vec<f64>], metric: Metric) -> Option<f64> {
    let pairable: Vec<&Vec<f64>> = units.iter().filter(|u| u.len() >= 2).collect();
    let mut values: Vec<f64> = pairable
        .iter()
        .flat_map(|u| u.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    let index = |v: f64| values.binary_search_by(|x| x.total_cmp(&v)).ok();
    let k = values.len();
    if k == 0 {
        return None;
    }
    let mut o = vec![0.0; k * k];
    for u in &pairable {
        let m = u.len() as f64;
        for (i, &a) in u.iter().enumerate() {
            for (j, &b) in u.iter().enumerate() {
                if i != j
                    && let (Some(c), Some(d)) = (index(a), index(b))
                {
                    o[c * k + d] += 1.0 / (m - 1.0);
                }
            }
        }
    }
    let nc: Vec<f64> = (0..k).map(|c| (0..k).map(|d| o[c * k + d]).sum()).collect();
    let n: f64 = nc.iter().sum();
    if n < 2.0 {
        return None;
    }
    let delta = |c: usize, d: usize| -> f64 {
        match metric {
            Metric::Nominal => f64::from(u8::from(c != d)),
            Metric::Interval => (values[c] - values[d]).powi(2),
            Metric::Ordinal => {
                let (lo, hi) = (c.min(d), c.max(d));
                let between: f64 = nc[lo..=hi].iter().sum();
                (between - (nc[c] + nc[d]) / 2.0).powi(2)
            }
        }
    };
    let mut observed = 0.0;
    let mut expected = 0.0;
    for c in 0..k {
        for d in 0..k {
            let dd = delta(c, d);
            observed += o[c * k + d] * dd;
            expected += nc[c] * nc[d] * dd;
        }
    }
    let d_o = observed / n;
    let d_e = expected / (n * (n - 1.0));
    (d_e > 0.0).then(|| 1.0 - d_o / d_e)
}

/// The spread of one unit's values: (min, max).
pub fn spread(values: &[f64]) -> Option<(f64, f64)> {
    let min = values.iter().copied().reduce(f64::min)?;
    let max = values.iter().copied().reduce(f64::max)?;
    Some((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Krippendorff's (2011) example: 4 observers, 12 units, values 1–5, `.` missing.
    ///
    /// ```text
    /// unit  1 2 3 4 5 6 7 8 9 10 11 12
    /// A     1 2 3 3 2 1 4 1 2 .  .  .
    /// B     1 2 3 3 2 2 4 1 2 5  .  3
    /// C     . 3 3 3 2 3 4 2 2 5  1  .
    /// D     1 2 3 3 2 4 4 1 2 5  1  .
    /// ```
    fn example() -> Vec<Vec<f64>> {
        let rows: [[u8; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        (0..12)
            .map(|u| {
                rows.iter()
                    .map(|r| r[u])
                    .filter(|&v| v != 0)
                    .map(f64::from)
                    .collect()
            })
            .collect()
    }

    // By hand. Unit 12 has one value and drops out. Each unit adds, for each ordered pair of
    // its values, 1/(m−1):
    //   u1 (1,1,1)    m=3: o11 += 6·½ = 3
    //   u2 (2,2,3,2)  m=4: o22 += 6·⅓ = 2, o23 = o32 += 3·⅓ = 1
    //   u3 (3,3,3,3)  m=4: o33 += 12·⅓ = 4;   u4 the same: o33 += 4
    //   u5 (2,2,2,2)  m=4: o22 += 4
    //   u6 (1,2,3,4)  m=4: every off-diagonal pair of {1,2,3,4} += ⅓
    //   u7 (4,4,4,4)  m=4: o44 += 4
    //   u8 (1,1,2,1)  m=4: o11 += 2, o12 = o21 += 1
    //   u9 (2,2,2,2)  m=4: o22 += 4
    //   u10 (5,5,5)   m=3: o55 += 3
    //   u11 (1,1)     m=2: o11 += 2
    // Coincidences (rows/cols 1..5):
    //   1: [7, 4/3, 1/3, 1/3, 0]   n1 = 9
    //   2: [4/3, 10, 4/3, 1/3, 0]  n2 = 13
    //   3: [1/3, 4/3, 8, 1/3, 0]   n3 = 10
    //   4: [1/3, 1/3, 1/3, 4, 0]   n4 = 5
    //   5: [0, 0, 0, 0, 3]         n5 = 3          n = 40
    #[test]
    fn krippendorff_example_nominal() {
        // Off-diagonal sum Σ_{c≠k} o_ck = 2·(4/3 + 1/3 + 1/3 + 4/3 + 1/3 + 1/3) = 8,
        // D_o = 8/40 = 1/5.
        // Σ_{c≠k} n_c n_k = n² − Σ n_c² = 1600 − (81+169+100+25+9) = 1216,
        // D_e = 1216/(40·39) = 152/195.  α = 1 − (1/5)/(152/195) = 1 − 39/152 = 113/152
        let a = alpha(&example(), Metric::Nominal).unwrap();
        assert!((a - 113.0 / 152.0).abs() < 1e-12, "{a}"); // 0.743
    }

    #[test]
    fn krippendorff_example_interval() {
        // Σ o_ck (c−k)² = 2·[(4/3)·1 + (1/3)·4 + (1/3)·9 + (4/3)·1 + (1/3)·4 + (1/3)·1]
        //              = 2·(26/3) = 52/3,  D_o = (52/3)/40 = 13/30.
        // Σ n_c n_k (c−k)² = 2·[9·13·1 + 9·10·4 + 9·5·9 + 9·3·16 + 13·10·1 + 13·5·4
        //                  + 13·3·9 + 10·5·1 + 10·3·4 + 5·3·1]
        //                  = 2·(117 + 360 + 405 + 432 + 130 + 260 + 351 + 50 + 120 + 15)
        //                  = 2·2240 = 4480,  D_e = 4480/1560 = 112/39.
        // α = 1 − (13/30)/(112/39) = 1 − 507/3360 = 951/1120
        let a = alpha(&example(), Metric::Interval).unwrap();
        assert!((a - 951.0 / 1120.0).abs() < 1e-12, "{a}"); // 0.849
    }

    #[test]
    fn krippendorff_example_ordinal() {
        // δ²(c,k) = (Σ_{g=c..k} n_g − (n_c+n_k)/2)² with n = (9, 13, 10, 5, 3):
        //   δ²12 = (22 − 11)²   = 121     δ²13 = (32 − 9.5)²  = 506.25
        //   δ²14 = (37 − 7)²    = 900     δ²15 = (40 − 6)²    = 1156
        //   δ²23 = (23 − 11.5)² = 132.25  δ²24 = (28 − 9)²    = 361
        //   δ²25 = (31 − 8)²    = 529     δ²34 = (15 − 7.5)²  = 56.25
        //   δ²35 = (18 − 6.5)²  = 132.25  δ²45 = (8 − 4)²     = 16
        // Σ o δ² = 2·[(4/3)·121 + (1/3)·506.25 + (1/3)·900 + (4/3)·132.25 + (1/3)·361
        //        + (1/3)·56.25] = 2·945.5 = 1891,  D_o = 1891/40.
        // Σ n n δ² = 2·[117·121 + 90·506.25 + 45·900 + 27·1156 + 130·132.25 + 65·361
        //          + 39·529 + 50·56.25 + 30·132.25 + 15·16] = 2·199 740 = 399 480,
        // D_e = 399480/1560 = 3329/13.
        // α = 1 − (1891/40)/(3329/13) = 1 − 24583/133160 = 108577/133160
        let a = alpha(&example(), Metric::Ordinal).unwrap();
        assert!((a - 108_577.0 / 133_160.0).abs() < 1e-12, "{a}"); // 0.815
    }

    #[test]
    fn two_reviewers_three_yes_no_items() {
        // (yes, yes), (yes, no), (no, no): o11 = 2, o10 = o01 = 1, o00 = 2; n1 = n0 = 3, n = 6.
        // D_o = 2/6 = 1/3; D_e = 2·3·3/(6·5) = 3/5; α = 1 − (1/3)/(3/5) = 4/9
        let units = vec![vec![1.0, 1.0], vec![1.0, 0.0], vec![0.0, 0.0]];
        let a = alpha(&units, Metric::Nominal).unwrap();
        assert!((a - 4.0 / 9.0).abs() < 1e-12, "{a}");
    }

    #[test]
    fn perfect_and_degenerate() {
        let units = vec![vec![1.0, 1.0], vec![3.0, 3.0]];
        assert_eq!(alpha(&units, Metric::Interval), Some(1.0));
        // No variation at all: nothing to agree on.
        assert_eq!(alpha(&[vec![2.0, 2.0]], Metric::Nominal), None);
        // One value per unit: nothing pairable.
        assert_eq!(alpha(&[vec![2.0], vec![3.0]], Metric::Nominal), None);
        assert_eq!(alpha(&[], Metric::Ordinal), None);
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some((1.0, 3.0)));
        assert_eq!(spread(&[]), None);
    }
}
