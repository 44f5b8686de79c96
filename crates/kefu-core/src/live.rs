//! The store as it is right now: what the live monitor draws and what alert rules judge.
//!
//! A [`LiveSnapshot`] is built by the application layer from the newest events (live ingest
//! or the last import) and handed, read-only, to the monitor page and to the alert rules. It
//! is plain data so that both can be tested by hand-written snapshots, without a database or a
//! clock: "now" is a field, never read from the system here.

use crate::time::Millis;

/// A buyer whose last message has no answer yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingBuyer {
    /// The account the buyer wrote to (the serving agent's account name).
    pub account: String,
    pub buyer: String,
    /// Store-local time of the buyer's first unanswered message.
    pub since: Millis,
}

/// A round answered late (slower than the store's slow threshold), kept while recent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowRound {
    pub account: String,
    pub buyer: String,
    /// Store-local time of the late answer.
    pub answered_at: Millis,
    /// The wait in milliseconds as the figures count it (service clock).
    pub wait_ms: i64,
}

/// A rating that arrived recently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentRating {
    pub account: String,
    pub buyer: String,
    pub at: Millis,
    /// 1 (very dissatisfied) to 5.
    pub score: u8,
}

/// The store at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveSnapshot {
    /// Store-local "now" the snapshot was taken at.
    pub now: Millis,
    /// Buyers waiting now, oldest first.
    pub waiting: Vec<WaitingBuyer>,
    /// Late answers of the last hour, oldest first.
    pub slow_rounds: Vec<SlowRound>,
    /// Ratings of the last hour, oldest first.
    pub ratings: Vec<RecentRating>,
    /// Accounts that sent a message in the last 15 minutes.
    pub active_accounts: Vec<String>,
}

impl LiveSnapshot {
    /// How long `buyer` has waited at `self.now`, in milliseconds (never negative).
    pub fn wait_ms(&self, buyer: &WaitingBuyer) -> i64 {
        (self.now - buyer.since).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_measured_from_the_first_unanswered_message_and_never_negative() {
        let snap = LiveSnapshot {
            now: 10_000,
            ..Default::default()
        };
        let early = WaitingBuyer {
            account: "a".into(),
            buyer: "b".into(),
            since: 4_000,
        };
        let clock_skew = WaitingBuyer {
            since: 12_000,
            ..early.clone()
        };
        assert_eq!(snap.wait_ms(&early), 6_000);
        assert_eq!(snap.wait_ms(&clock_skew), 0);
    }
}
