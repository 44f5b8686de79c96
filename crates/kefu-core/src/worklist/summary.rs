//! Recovered sales, measured: tallies per list and per agent over stored items, and the
//! reminder timing of a store's own history (payment rate by delay after creation and by
//! hour of day). Pure arithmetic; `docs/metrics.md` states the rules.

use std::collections::BTreeMap;

use crate::model::NameId;
use crate::time::{HOUR_MS, Millis, time_of_day};

use super::{Item, Kind, Outcome};

/// An item as the tallies see it: the computed item and who owns it now.
#[derive(Debug, Clone, Copy)]
pub struct Owned<'a> {
    pub item: &'a Item,
    pub owner: Option<NameId>,
}

/// Counts over a set of items. Rates are formed only at the end; a zero denominator is
/// `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Items (on a list, or owned by the agent).
    pub items: u64,
    /// Of them, still open.
    pub open: u64,
    /// Recovered (per agent: credited to the agent).
    pub recovered: u64,
    /// Lost.
    pub lost: u64,
    /// Recovered items whose recovery is credited to someone's contact.
    pub recovered_after_contact: u64,
    /// Paid orders counted (each once, on one item) and their cents.
    pub orders: u64,
    pub cents: i64,
    /// Sum and number of the times to recover, in milliseconds.
    pub recover_ms: i64,
    pub recover_n: u64,
    /// Per agent: resolved items the agent contacted (the rate's denominator).
    pub contacted_resolved: u64,
}

impl Tally {
    fn add_recovery(&mut self, item: &Item) {
        self.recovered += 1;
        if item.credited.is_some() {
            self.recovered_after_contact += 1;
        }
        if item.counts_order {
            self.orders += 1;
        }
        self.cents += item.recovered_amount;
        if let Some(ms) = item.time_to_recover() {
            self.recover_ms += ms;
            self.recover_n += 1;
        }
    }

    /// Per list: recovered / (recovered + lost). Per agent: credited recoveries / the
    /// resolved items the agent contacted.
    pub fn rate(&self, per_agent: bool) -> Option<f64> {
        let den = if per_agent {
            self.contacted_resolved
        } else {
            self.recovered + self.lost
        };
        (den > 0).then(|| self.recovered as f64 / den as f64)
    }

    /// The mean time to recover, in whole seconds.
    pub fn avg_recover_secs(&self) -> Option<i64> {
        (self.recover_n > 0).then(|| self.recover_ms / self.recover_n as i64 / 1000)
    }
}

/// Tallies per list, per agent, and the recoveries no contact preceded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub lists: BTreeMap<Kind, Tally>,
    pub total: Tally,
    /// Per agent (name id): items owned, recoveries credited.
    pub agents: BTreeMap<NameId, Tally>,
    /// Recovered with no contact before: the buyer came back alone.
    pub uncontacted: Tally,
}

/// Adds up items. Per list every item counts; per agent an item counts in `items` for its
/// owner, and its recovery (orders, cents, time) for the person credited.
pub fn summarize<'a>(items: impl IntoIterator<Item = Owned<'a>>) -> Summary {
    let mut s = Summary::default();
    for Owned { item, owner } in items {
        let list = s.lists.entry(item.kind).or_default();
        for t in [&mut *list, &mut s.total] {
            t.items += 1;
            match item.outcome {
                Outcome::Open => t.open += 1,
                Outcome::Lost { .. } => t.lost += 1,
                Outcome::Recovered { .. } => t.add_recovery(item),
            }
        }
        if let Some(o) = owner {
            let t = s.agents.entry(o).or_default();
            t.items += 1;
            if item.outcome == Outcome::Open {
                t.open += 1;
            }
        }
        if item.outcome != Outcome::Open {
            for &who in &item.contacts {
                s.agents.entry(who).or_default().contacted_resolved += 1;
            }
        }
        match (item.outcome, item.credited) {
            (Outcome::Recovered { .. }, Some(who)) => {
                s.agents.entry(who).or_default().add_recovery(item)
            }
            (Outcome::Recovered { .. }, None) => s.uncontacted.add_recovery(item),
            (Outcome::Lost { .. }, _) => {
                if let Some(o) = owner {
                    s.agents.entry(o).or_default().lost += 1;
                }
            }
            _ => {}
        }
    }
    s
}

/// The delay buckets of the timing insight: reminders sent from this many minutes after the
/// order was created (each up to the next).
pub const DELAY_BUCKETS_MIN: [i64; 9] = [0, 5, 15, 30, 60, 120, 240, 720, 1440];

/// One bucket of the timing insight: reminded orders and how many of them were paid after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Bucket {
    pub reminded: u64,
    pub paid: u64,
}

impl Bucket {
    pub fn rate(&self) -> Option<f64> {
        (self.reminded > 0).then(|| self.paid as f64 / self.reminded as f64)
    }
}

/// The payment rate of reminded orders by the delay of the first reminder after creation
/// (one bucket per [`DELAY_BUCKETS_MIN`] entry) and by the reminder's hour of day (24).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    pub by_delay: [Bucket; DELAY_BUCKETS_MIN.len()],
    pub by_hour: [Bucket; 24],
}

/// One reminded order: created, first reminded (§4), paid (after the reminder, by §4's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminded {
    pub created_at: Millis,
    pub reminded_at: Millis,
    pub paid_at: Option<Millis>,
}

/// The timing insight over a store's reminded orders.
pub fn timing(orders: impl IntoIterator<Item = Reminded>) -> Timing {
    let mut t = Timing::default();
    for o in orders {
        let delay_min = (o.reminded_at - o.created_at).max(0) / 60_000;
        let b = DELAY_BUCKETS_MIN
            .partition_point(|&m| m <= delay_min)
            .saturating_sub(1);
        let hour = (time_of_day(o.reminded_at) / HOUR_MS) as usize;
        let paid = o.paid_at.is_some_and(|p| p > o.reminded_at);
        for bucket in [t.by_delay.get_mut(b), t.by_hour.get_mut(hour)]
            .into_iter()
            .flatten()
        {
            bucket.reminded += 1;
            if paid {
                bucket.paid += 1;
            }
        }
    }
    t
}
