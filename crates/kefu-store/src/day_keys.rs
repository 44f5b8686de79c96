//! What a live fold checks new messages against: the deduplication keys of the store-days it
//! appends to, kept in memory between folds, so that a fold's cost follows its batch and not
//! the size of the day (`db.rs`, `append_day`).
//!
//! A key is a 64-bit hash of what deduplication compares (the source id, else time, buyer,
//! account, sender and text): a new message whose key is not among the day's is certainly
//! new; one whose key is (a repeat, or a hash collision) sends the day to the exact merge,
//! which decodes the day and compares the messages themselves. The keys of a day are trusted
//! only while the day holds as many messages as when they were taken (messages are never
//! removed, so any other write to the day changes that count) and only after the fold that
//! took them committed.

use std::hash::{Hash, Hasher};

use kefu_core::model::Message;
use kefu_core::time::Day;
use rustc_hash::FxHashSet;

/// Store-days whose keys are kept: a live store appends to today (and a little to
/// yesterday around midnight).
const DAYS_KEPT: usize = 4;

/// The deduplication key of a message (see the module's note).
pub(crate) fn key(message: &Message, msg_id: Option<&str>, text: &str) -> u64 {
    // SipHash with fixed keys (kept in memory only, so the algorithm may change between
    // builds): well mixed for ids that differ in one digit.
    let mut h = std::hash::DefaultHasher::new();
    match msg_id {
        Some(id) => {
            0u8.hash(&mut h);
            id.hash(&mut h);
        }
        None => {
            1u8.hash(&mut h);
            (
                message.time,
                message.buyer,
                message.account,
                message.sender.code(),
            )
                .hash(&mut h);
            text.hash(&mut h);
        }
    }
    h.finish()
}

struct Entry {
    store_id: i64,
    day: Day,
    /// Messages the day held when `keys` were taken; `None` while a fold that changed them
    /// has not committed.
    messages: Option<u64>,
    keys: FxHashSet<u64>,
    /// Folds since the entry was last used, for eviction.
    age: u64,
}

/// The kept keys (see the module's note).
#[derive(Default)]
pub struct DayKeys {
    entries: Vec<Entry>,
    /// Entries changed by the open fold: (store, day, messages after it).
    pending: Vec<(i64, Day, u64)>,
}

impl DayKeys {
    /// The keys of `(store_id, day)` when they are known for a day of `messages` messages.
    pub(crate) fn get(
        &mut self,
        store_id: i64,
        day: Day,
        messages: u64,
    ) -> Option<&mut FxHashSet<u64>> {
        for e in &mut self.entries {
            e.age += 1;
        }
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.store_id == store_id && e.day == day && e.messages == Some(messages))?;
        e.age = 0;
        Some(&mut e.keys)
    }

    /// Keeps `keys` for `(store_id, day)`, taken from a day of `messages` messages, evicting
    /// the least recently used day beyond [`DAYS_KEPT`].
    pub(crate) fn put(&mut self, store_id: i64, day: Day, messages: u64, keys: FxHashSet<u64>) {
        self.forget(store_id, day);
        if self.entries.len() >= DAYS_KEPT
            && let Some(oldest) = (0..self.entries.len()).max_by_key(|&i| self.entries[i].age)
        {
            self.entries.swap_remove(oldest);
        }
        self.entries.push(Entry {
            store_id,
            day,
            messages: Some(messages),
            keys,
            age: 0,
        });
    }

    /// Notes that the open fold added keys to `(store_id, day)`, which then holds `messages`
    /// messages: the entry is not trusted until [`DayKeys::committed`].
    pub(crate) fn changed(&mut self, store_id: i64, day: Day, messages: u64) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.store_id == store_id && e.day == day)
        {
            e.messages = None;
            self.pending.retain(|p| !(p.0 == store_id && p.1 == day));
            self.pending.push((store_id, day, messages));
        }
    }

    /// Forgets the keys of `(store_id, day)` (the day was rewritten some other way).
    pub(crate) fn forget(&mut self, store_id: i64, day: Day) {
        self.entries
            .retain(|e| !(e.store_id == store_id && e.day == day));
        self.pending.retain(|p| !(p.0 == store_id && p.1 == day));
    }

    /// The fold committed: its entries are trusted again.
    pub(crate) fn committed(&mut self) {
        for (store_id, day, messages) in std::mem::take(&mut self.pending) {
            if let Some(e) = self
                .entries
                .iter_mut()
                .find(|e| e.store_id == store_id && e.day == day)
            {
                e.messages = Some(messages);
            }
        }
    }

    /// A fold failed before its commit: its entries stay untrusted (they are taken again).
    pub(crate) fn abandoned(&mut self) {
        for (store_id, day, _) in std::mem::take(&mut self.pending) {
            self.entries
                .retain(|e| !(e.store_id == store_id && e.day == day));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::model::Sender;

    fn m(time: i64) -> Message {
        Message {
            time,
            buyer: 1,
            account: 2,
            sender: Sender::Buyer,
            transfer_to: None,
            seq: 0,
        }
    }

    #[test]
    fn keys_tell_ids_and_contents_apart() {
        assert_eq!(key(&m(1), Some("a"), "x"), key(&m(2), Some("a"), "y"));
        assert_ne!(key(&m(1), Some("a"), "x"), key(&m(1), Some("b"), "x"));
        assert_eq!(key(&m(1), None, "x"), key(&m(1), None, "x"));
        assert_ne!(key(&m(1), None, "x"), key(&m(2), None, "x"));
        assert_ne!(key(&m(1), None, "x"), key(&m(1), None, "y"));
    }

    #[test]
    fn an_entry_is_trusted_for_its_count_and_after_the_commit_only() {
        let mut k = DayKeys::default();
        let d = Day(100);
        k.put(1, d, 10, [1, 2].into_iter().collect());
        assert!(k.get(1, d, 10).is_some());
        assert!(k.get(1, d, 11).is_none(), "another write changed the day");
        assert!(k.get(2, d, 10).is_none());
        if let Some(keys) = k.get(1, d, 10) {
            keys.insert(3);
        }
        k.changed(1, d, 11);
        assert!(k.get(1, d, 11).is_none(), "not committed yet");
        k.committed();
        assert!(k.get(1, d, 11).is_some());
        k.changed(1, d, 12);
        k.abandoned();
        assert!(k.get(1, d, 12).is_none());
        assert!(
            k.get(1, d, 11).is_none(),
            "a failed fold's keys are taken again"
        );
        for day in 0..10 {
            k.put(1, Day(day), 1, FxHashSet::default());
        }
        assert_eq!(k.entries.len(), DAYS_KEPT);
        assert!(k.get(1, Day(9), 1).is_some());
    }
}
