//! Review assignments (抽检): which receptions each reviewer reads in a period.
//!
//! Deterministic: the same candidates, reviewers and seed give the same assignments, whatever
//! the order they come in. Each candidate gets a key `u^(1/w)` from a seeded generator (`u`
//! uniform on (0, 1), `w` its weight); a reviewer takes the candidates with the largest keys
//! that they may review. That is weighted sampling without replacement (Efraimidis &
//! Spirakis, 2006): a candidate of weight 5 is drawn as if it were five of weight 1.
//!
//! Rules: nobody reviews a reception of their own chat accounts; with `cross_group` a
//! reviewer reads only receptions of other groups than their own; no reception is assigned
//! twice in one draw; each reviewer gets their goal when enough receptions qualify.

use std::collections::HashSet;

use kefu_core::model::NameId;
use kefu_core::time::Day;

/// One reception as the reviews address it: account, buyer and day of one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceptionKey {
    pub account: NameId,
    pub buyer: NameId,
    pub day: Day,
}

/// What makes a reception worth reading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    /// Automatic rules flagged it.
    pub flagged: bool,
    /// The buyer rated the agent 1–3 (一般 or worse).
    pub low_rating: bool,
    /// An inquiry that did not end in a paid order (流失询单).
    pub lost_inquiry: bool,
    /// The buyer asked for a refund of an order attributed to, or handled by, the agent.
    pub refund: bool,
}

impl Signals {
    /// The sampling weight under `mode`: every reception 1 when random; when weighted, each
    /// signal adds its `Weights` share.
    pub fn weight(self, mode: Mode) -> f64 {
        match mode {
            Mode::Random => 1.0,
            Mode::Weighted(w) => {
                1.0 + f64::from(u8::from(self.flagged)) * w.flagged
                    + f64::from(u8::from(self.low_rating)) * w.low_rating
                    + f64::from(u8::from(self.lost_inquiry)) * w.lost_inquiry
                    + f64::from(u8::from(self.refund)) * w.refund
            }
        }
    }

    /// The signals as short codes (what the assignment list shows): `flagged,low_rating,…`.
    pub fn codes(self) -> Vec<&'static str> {
        [
            (self.flagged, "flagged"),
            (self.low_rating, "low_rating"),
            (self.lost_inquiry, "lost_inquiry"),
            (self.refund, "refund"),
        ]
        .into_iter()
        .filter_map(|(on, code)| on.then_some(code))
        .collect()
    }
}

/// How much each signal adds to a reception's weight of 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub flagged: f64,
    pub low_rating: f64,
    pub lost_inquiry: f64,
    pub refund: f64,
}

impl Default for Weights {
    /// Automatic-rule hits first, then unhappy buyers, then lost sales and refunds.
    fn default() -> Self {
        Weights {
            flagged: 4.0,
            low_rating: 3.0,
            lost_inquiry: 2.0,
            refund: 2.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Random,
    Weighted(Weights),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: ReceptionKey,
    /// The group of the reception's account, if any.
    pub group: Option<String>,
    pub signals: Signals,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reviewer {
    pub user_id: i64,
    /// The chat accounts of the reviewer themselves (never reviewed by them).
    pub own_accounts: Vec<NameId>,
    /// The reviewer's group (of their chat accounts), for cross-group peer review.
    pub group: Option<String>,
    /// Receptions to review this period.
    pub goal: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub seed: u64,
    pub mode: Mode,
    /// Reviewers read only receptions of other groups than their own.
    pub cross_group: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub reviewer: i64,
    pub reception: ReceptionKey,
    pub signals: Signals,
}

/// SplitMix64: a tiny, well-mixed generator; enough for sampling, and stable across
/// platforms and versions (a dependency's generator might change its stream).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1): 53 random bits, never exactly 0.
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// Draws the assignments of one period. Reviewers are served in turns (one reception each
/// per turn, in user-id order), so when receptions run short every reviewer still gets a
/// fair share.
pub fn draw(candidates: &[Candidate], reviewers: &[Reviewer], plan: &Plan) -> Vec<Assignment> {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by_key(|c| c.key);
    sorted.dedup_by(|a, b| a.key == b.key);
    let mut rng = SplitMix(plan.seed);
    let mut keyed: Vec<(f64, &Candidate)> = sorted
        .into_iter()
        .map(|c| {
            let w = c.signals.weight(plan.mode).max(f64::MIN_POSITIVE);
            (rng.unit().powf(1.0 / w), c)
        })
        .collect();
    // Largest key first; ties (practically never) by reception for determinism.
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.key.cmp(&b.1.key)));
    let mut order: Vec<&Reviewer> = reviewers.iter().collect();
    order.sort_by_key(|r| r.user_id);
    let may_review = |r: &Reviewer, c: &Candidate| {
        !r.own_accounts.contains(&c.key.account)
            && (!plan.cross_group || r.group.is_none() || c.group != r.group)
    };
    let mut taken: HashSet<ReceptionKey> = HashSet::new();
    let mut got = vec![0usize; order.len()];
    let mut out = Vec::new();
    loop {
        let mut progressed = false;
        for (i, r) in order.iter().enumerate() {
            if got[i] >= r.goal {
                continue;
            }
            let pick = keyed
                .iter()
                .find(|(_, c)| !taken.contains(&c.key) && may_review(r, c));
            if let Some((_, c)) = pick {
                taken.insert(c.key);
                got[i] += 1;
                progressed = true;
                out.push(Assignment {
                    reviewer: r.user_id,
                    reception: c.key,
                    signals: c.signals,
                });
            }
        }
        if !progressed {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(n: u32) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                key: ReceptionKey {
                    account: i % 4,
                    buyer: 100 + i,
                    day: Day(20_000 + (i % 7) as i32),
                },
                group: Some(if i % 4 < 2 { "A" } else { "B" }.to_string()),
                signals: Signals {
                    flagged: i % 10 == 0,
                    low_rating: i % 13 == 0,
                    ..Signals::default()
                },
            })
            .collect()
    }

    fn reviewers() -> Vec<Reviewer> {
        vec![
            Reviewer {
                user_id: 7,
                own_accounts: vec![0],
                group: Some("A".into()),
                goal: 5,
            },
            Reviewer {
                user_id: 3,
                own_accounts: vec![2],
                group: Some("B".into()),
                goal: 5,
            },
            Reviewer {
                user_id: 9,
                own_accounts: vec![],
                group: None,
                goal: 3,
            },
        ]
    }

    fn plan(seed: u64) -> Plan {
        Plan {
            seed,
            mode: Mode::Weighted(Weights::default()),
            cross_group: false,
        }
    }

    #[test]
    fn never_self_and_goal_met() {
        let c = candidates(200);
        let r = reviewers();
        for seed in 0..50 {
            let a = draw(&c, &r, &plan(seed));
            for rev in &r {
                let mine: Vec<&Assignment> =
                    a.iter().filter(|x| x.reviewer == rev.user_id).collect();
                assert_eq!(mine.len(), rev.goal);
                assert!(
                    mine.iter()
                        .all(|x| !rev.own_accounts.contains(&x.reception.account))
                );
            }
            let distinct: HashSet<_> = a.iter().map(|x| x.reception).collect();
            assert_eq!(distinct.len(), a.len(), "a reception assigned twice");
        }
    }

    #[test]
    fn deterministic_by_seed_and_independent_of_input_order() {
        let c = candidates(120);
        let r = reviewers();
        let a = draw(&c, &r, &plan(42));
        let mut shuffled = c.clone();
        shuffled.reverse();
        let mut rr = r.clone();
        rr.reverse();
        assert_eq!(draw(&shuffled, &rr, &plan(42)), a);
        assert_ne!(draw(&c, &r, &plan(43)), a);
    }

    #[test]
    fn cross_group_reads_other_groups_only() {
        let c = candidates(100);
        let r = reviewers();
        let p = Plan {
            cross_group: true,
            ..plan(1)
        };
        for x in draw(&c, &r, &p) {
            let account_group = if x.reception.account < 2 { "A" } else { "B" };
            match x.reviewer {
                7 => assert_eq!(account_group, "B"),
                3 => assert_eq!(account_group, "A"),
                _ => {}
            }
        }
    }

    #[test]
    fn short_supply_is_shared_in_turns() {
        // 4 receptions, none of account 0 reviewable by user 7: turns give 7 → 2, 3 → 1, 9 → 1
        // or similar, but never more than there are and never one twice.
        let c = candidates(4);
        let a = draw(&c, &reviewers(), &plan(5));
        assert_eq!(a.len(), 4);
        let by = |id| a.iter().filter(|x| x.reviewer == id).count();
        assert!(by(7) >= 1 && by(3) >= 1 && by(9) >= 1);
    }

    #[test]
    fn weighting_prefers_signals() {
        // 1000 receptions, 100 flagged (weight 5 against 1): a draw of 100 should hold far
        // more than the 10 flagged a uniform draw would; over 20 seeds on average ≥ 25.
        let c = candidates(1000);
        let r = vec![Reviewer {
            user_id: 1,
            own_accounts: vec![],
            group: None,
            goal: 100,
        }];
        let mut flagged = 0;
        let mut random_flagged = 0;
        for seed in 0..20 {
            flagged += draw(&c, &r, &plan(seed))
                .iter()
                .filter(|a| a.signals.flagged)
                .count();
            let p = Plan {
                mode: Mode::Random,
                ..plan(seed)
            };
            random_flagged += draw(&c, &r, &p)
                .iter()
                .filter(|a| a.signals.flagged)
                .count();
        }
        assert!(flagged >= 25 * 20, "{flagged}");
        assert!(random_flagged <= 20 * 20, "{random_flagged}");
    }

    #[test]
    fn weights_and_codes() {
        let s = Signals {
            flagged: true,
            refund: true,
            ..Signals::default()
        };
        assert_eq!(s.weight(Mode::Random), 1.0);
        assert_eq!(s.weight(Mode::Weighted(Weights::default())), 7.0);
        assert_eq!(s.codes(), vec!["flagged", "refund"]);
    }
}
