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

/// What the live monitor keeps of one (account, buyer) conversation between events: enough
/// to say whether the buyer waits now and since when, updated one message at a time as
/// events arrive (`ThreadState::apply`), without reading the conversation back.
///
/// Events are expected roughly in time order. A message older than the thread's last answer
/// changes nothing but the last times; when an answer arrives that is older than the buyer's
/// latest message, the buyer is taken to wait since that latest message (the exact first
/// unanswered message is not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadState {
    pub last_buyer_at: Option<Millis>,
    pub last_reply_at: Option<Millis>,
    /// The buyer's first message after the last answer: waiting since then; `None`: not
    /// waiting.
    pub waiting_since: Option<Millis>,
}

/// What one message does to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadEvent {
    /// The buyer wrote.
    Buyer,
    /// An agent or a bot answered (an automatic reply does not answer: the figures' rule).
    Reply,
    /// The conversation was handed to another account: this one no longer owes an answer.
    TransferredAway,
}

impl ThreadState {
    /// Applies one message at `at`; when it answers a waiting buyer, the wait it ends:
    /// `(since, at)`. Applying the same message twice changes nothing the second time.
    pub fn apply(&mut self, event: ThreadEvent, at: Millis) -> Option<(Millis, Millis)> {
        match event {
            ThreadEvent::Buyer => {
                self.last_buyer_at = Some(self.last_buyer_at.map_or(at, |t| t.max(at)));
                if self.last_reply_at.is_none_or(|r| at > r) {
                    self.waiting_since = Some(self.waiting_since.map_or(at, |w| w.min(at)));
                }
                None
            }
            ThreadEvent::Reply | ThreadEvent::TransferredAway => {
                if event == ThreadEvent::Reply {
                    self.last_reply_at = Some(self.last_reply_at.map_or(at, |t| t.max(at)));
                }
                let since = self.waiting_since.filter(|w| *w <= at)?;
                self.waiting_since = self.last_buyer_at.filter(|b| *b > at);
                (event == ThreadEvent::Reply).then_some((since, at))
            }
        }
    }
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
    fn a_thread_waits_from_the_first_unanswered_message_until_an_answer() {
        let mut t = ThreadState::default();
        assert_eq!(t.apply(ThreadEvent::Buyer, 1_000), None);
        assert_eq!(t.apply(ThreadEvent::Buyer, 5_000), None);
        assert_eq!(t.waiting_since, Some(1_000));
        // The answer ends the wait that began at the first message.
        assert_eq!(t.apply(ThreadEvent::Reply, 9_000), Some((1_000, 9_000)));
        assert_eq!(t.waiting_since, None);
        // A second answer answers nothing.
        assert_eq!(t.apply(ThreadEvent::Reply, 9_500), None);
        // A new question opens a new wait.
        assert_eq!(t.apply(ThreadEvent::Buyer, 12_000), None);
        assert_eq!(t.waiting_since, Some(12_000));
        // A question older than the last answer, arriving late, does not.
        let mut late = t;
        late.waiting_since = None;
        assert_eq!(late.apply(ThreadEvent::Buyer, 8_000), None);
        assert_eq!(late.waiting_since, None);
    }

    #[test]
    fn the_same_messages_twice_change_nothing_more() {
        let events = [
            (ThreadEvent::Buyer, 1_000),
            (ThreadEvent::Reply, 4_000),
            (ThreadEvent::Buyer, 6_000),
        ];
        let mut once = ThreadState::default();
        let answered: Vec<_> = events
            .iter()
            .filter_map(|(e, t)| once.apply(*e, *t))
            .collect();
        let mut twice = once;
        let again: Vec<_> = events
            .iter()
            .filter_map(|(e, t)| twice.apply(*e, *t))
            .collect();
        assert_eq!(answered, vec![(1_000, 4_000)]);
        assert_eq!(again, vec![]);
        assert_eq!(once, twice);
        assert_eq!(twice.waiting_since, Some(6_000));
    }

    #[test]
    fn an_answer_older_than_the_latest_question_leaves_the_buyer_waiting_since_it() {
        let mut t = ThreadState::default();
        t.apply(ThreadEvent::Buyer, 1_000);
        t.apply(ThreadEvent::Buyer, 7_000);
        // The answer at 5 s arrives after the question of 7 s.
        assert_eq!(t.apply(ThreadEvent::Reply, 5_000), Some((1_000, 5_000)));
        assert_eq!(t.waiting_since, Some(7_000));
        // A transfer ends this account's wait without an answered round.
        assert_eq!(t.apply(ThreadEvent::TransferredAway, 8_000), None);
        assert_eq!(t.waiting_since, None);
        assert_eq!(t.last_reply_at, Some(5_000));
    }

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
