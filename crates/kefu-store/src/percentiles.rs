//! The first response times of a range as the reports sum them, kept in memory per process:
//! the ranking, the overview and the API read the same ranges again and again, and merging a
//! range's stored runs is most of what exact percentiles cost a page.
//!
//! An entry is keyed on the database file, the store, the range, the rows summed and the
//! store's `facts_version`, a random number every write of the store's figures replaces
//! (imports, recomputation, settings changes; in any process): an entry is never stale, it is
//! only no longer asked for. Reads inside a transaction (an uncommitted recomputation) neither
//! use nor fill the cache. The cache holds at most [`MAX_RUNS`] runs and is emptied whole when
//! a new entry would not fit.

use std::sync::{Arc, Mutex};

use kefu_core::figures::FirstResponses;
use kefu_core::time::Day;
use rusqlite::{Connection, OptionalExtension};
use rustc_hash::FxHashMap;

use crate::db::Result;

/// About 16 bytes a run: 64 MB.
const MAX_RUNS: usize = 4 << 20;

/// The settled first response times of each summed key (an account, −1 for the store's total,
/// or a day).
pub(crate) type Entry = Arc<Vec<(i64, FirstResponses)>>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    db: String,
    store_id: i64,
    from: i32,
    to: i32,
    filter: String,
    version: i64,
}

impl Key {
    /// The key of a sum over `[from, to]` of the rows `filter` names (the key column summed by
    /// and the condition); `None` when the result must not be cached: an in-memory database,
    /// or a read inside a transaction.
    pub(crate) fn of(
        conn: &Connection,
        store_id: i64,
        from: Day,
        to: Day,
        filter: &str,
    ) -> Result<Option<Key>> {
        let db = match conn.path() {
            Some(p) if !p.is_empty() => p.to_string(),
            _ => return Ok(None),
        };
        if !conn.is_autocommit() {
            return Ok(None);
        }
        let version: Option<i64> = conn
            .prepare_cached("SELECT facts_version FROM stores WHERE id = ?1")?
            .query_row([store_id], |r| r.get(0))
            .optional()?;
        Ok(version.map(|version| Key {
            db,
            store_id,
            from: from.0,
            to: to.0,
            filter: filter.to_string(),
            version,
        }))
    }
}

#[derive(Default)]
struct Cache {
    entries: FxHashMap<Key, Entry>,
    runs: usize,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Cache) -> T) -> T {
    // A panic while the lock was held leaves at worst a half-filled map of complete
    // entries: still correct, so a poisoned lock is taken over.
    let mut guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Cache::default))
}

pub(crate) fn get(key: &Key) -> Option<Entry> {
    with(|c| c.entries.get(key).cloned())
}

pub(crate) fn has(key: &Key) -> bool {
    with(|c| c.entries.contains_key(key))
}

pub(crate) fn put(key: Key, value: Vec<(i64, FirstResponses)>) {
    let runs: usize = value.iter().map(|(_, f)| f.runs().len()).sum();
    if runs > MAX_RUNS {
        return;
    }
    with(|c| {
        if c.runs + runs > MAX_RUNS {
            c.entries.clear();
            c.runs = 0;
        }
        if c.entries.insert(key, Arc::new(value)).is_none() {
            c.runs += runs;
        }
    });
}

/// A new version of a store's figures, written with them.
pub(crate) fn new_version() -> i64 {
    // Nanoseconds and a process-wide counter through a hash: distinct across writes in this
    // and other processes for all practical purposes, and never reused after a rollback.
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(nanos);
    h.write_u64(COUNT.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.finish() as i64
}
