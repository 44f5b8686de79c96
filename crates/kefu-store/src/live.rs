//! The live file: where live events wait to be folded into the database, and the little the
//! live monitor keeps of the newest events.
//!
//! It is a SQLite file of its own beside the database (`kefu.db-live` for `kefu.db`,
//! [`live_path`]), in WAL mode, so that an ingest's commit locks this file only: a batch is
//! committed here (and answered 200) while the database itself is busy folding the previous
//! ones or serving reports. Folding (`kefu_app::live::fold`) reads the waiting batches, imports
//! them into the database in one import session and only then deletes them here: a crash in
//! between folds them again, which changes nothing (an import is idempotent).
//!
//! Tables:
//! - `tail`: the accepted lines of each batch (canonical JSON Lines, LZ4), in arrival order;
//! - `threads`: per (store, account, buyer) the last buyer and answer times and whether the
//!   buyer waits ([`ThreadState`]);
//! - `accounts`: per account the time of its last agent message;
//! - `slow` and `ratings`: late answers and ratings of the last hours.

use std::path::{Path, PathBuf};

use kefu_core::live::{RecentRating, SlowRound, ThreadState, WaitingBuyer};
use kefu_core::time::Millis;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::{Result, StoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tail (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    store TEXT NOT NULL,
    -- unix milliseconds
    received_at INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    -- the accepted lines, canonical JSON Lines, LZ4 with the length prepended
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS threads (
    store_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    buyer TEXT NOT NULL,
    last_buyer_at INTEGER,
    last_reply_at INTEGER,
    waiting_since INTEGER,
    PRIMARY KEY (store_id, account, buyer)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS threads_waiting ON threads (store_id, waiting_since)
    WHERE waiting_since IS NOT NULL;
CREATE TABLE IF NOT EXISTS accounts (
    store_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    last_sent_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, account)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slow (
    store_id INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,
    account TEXT NOT NULL,
    buyer TEXT NOT NULL,
    wait_ms INTEGER NOT NULL,
    PRIMARY KEY (store_id, answered_at, account, buyer)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ratings (
    store_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    account TEXT NOT NULL,
    buyer TEXT NOT NULL,
    score INTEGER NOT NULL,
    PRIMARY KEY (store_id, at, account, buyer, score)
) WITHOUT ROWID;
";

/// How long late answers and ratings are kept for the monitor (store-local milliseconds).
pub const KEEP_RECENT_MS: Millis = 2 * 3_600_000;
/// How long a thread nobody waits in is kept.
pub const KEEP_THREAD_MS: Millis = 24 * 3_600_000;
/// A store's old rows are pruned at most this often (store-local clock): finding the idle
/// threads reads every thread of the store, millions on a busy day.
pub const PRUNE_EVERY_MS: Millis = 10 * 60_000;
/// Idle threads deleted per write transaction: each holds the live file's one writer, which
/// ingests wait for, only briefly.
const PRUNE_CHUNK: usize = 1_000;

/// The live file of the database at `db`: `<db>-live`.
pub fn live_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-live");
    PathBuf::from(s)
}

/// One batch waiting to be folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailBatch {
    pub id: i64,
    pub store_id: i64,
    pub store: String,
    pub messages: u64,
    /// The accepted lines, canonical JSON Lines.
    pub body: String,
}

/// The live file, open.
pub struct LiveDb {
    conn: Connection,
    /// When each store was last pruned through this connection (store-local).
    pruned: std::collections::HashMap<i64, Millis>,
}

fn open_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    }
}

impl LiveDb {
    /// Opens (creating if needed) the live file of the database at `db`.
    pub fn open(db: &Path) -> Result<LiveDb> {
        let path = live_path(db);
        let err = open_err(&path);
        let conn = Connection::open(&path).map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(&err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        // FULL: a batch answered 200 survives a power cut too, not only a killed process.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&err)?;
        conn.execute_batch(SCHEMA).map_err(&err)?;
        Ok(LiveDb {
            conn,
            pruned: std::collections::HashMap::new(),
        })
    }

    /// Starts a write: everything done through it is committed together or not at all.
    pub fn write(&mut self) -> Result<LiveWrite<'_>> {
        Ok(LiveWrite {
            tx: self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?,
        })
    }

    /// The oldest waiting batches, at least one when there is one, up to `max_messages`
    /// messages in all.
    pub fn tail(&self, max_messages: u64) -> Result<Vec<TailBatch>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, store_id, store, messages, body FROM tail ORDER BY id LIMIT 10000",
        )?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        let mut total = 0u64;
        while let Some(r) = rows.next()? {
            let messages = r.get::<_, i64>(3)? as u64;
            if !out.is_empty() && total + messages > max_messages {
                break;
            }
            total += messages;
            let packed: Vec<u8> = r.get(4)?;
            let body = lz4_flex::decompress_size_prepended(&packed)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or(StoreError::LiveTail(r.get(0)?))?;
            out.push(TailBatch {
                id: r.get(0)?,
                store_id: r.get(1)?,
                store: r.get(2)?,
                messages,
                body,
            });
        }
        Ok(out)
    }

    /// Batches and messages waiting to be folded.
    pub fn waiting(&self) -> Result<(u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(messages), 0) FROM tail",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }

    /// Forgets the folded batches (ids up to `last`) and what the monitor no longer shows
    /// at `now` (store-local milliseconds, per store).
    pub fn folded(&mut self, last: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM tail WHERE id <= ?1", [last])?;
        Ok(())
    }

    /// Drops late answers and ratings older than [`KEEP_RECENT_MS`] and answered threads
    /// idle for [`KEEP_THREAD_MS`], before `now` (store-local) in store `store_id`; nothing
    /// when this connection pruned the store less than [`PRUNE_EVERY_MS`] before `now` (the
    /// monitor reads by time, so rows kept a little longer show nothing).
    ///
    /// The idle threads are found by a read, which does not hold up an ingest (WAL), and
    /// deleted [`PRUNE_CHUNK`] at a time, each delete checking again that the thread is still
    /// idle: one statement over every thread held the writer for seconds on a busy day, and
    /// every ingest, the events of alerts among them, waited for it (issue 16).
    pub fn prune(&mut self, store_id: i64, now: Millis) -> Result<()> {
        if self
            .pruned
            .get(&store_id)
            .is_some_and(|last| (0..PRUNE_EVERY_MS).contains(&(now - last)))
        {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM slow WHERE store_id = ?1 AND answered_at < ?2",
            params![store_id, now - KEEP_RECENT_MS],
        )?;
        tx.execute(
            "DELETE FROM ratings WHERE store_id = ?1 AND at < ?2",
            params![store_id, now - KEEP_RECENT_MS],
        )?;
        tx.commit()?;
        const IDLE: &str = "waiting_since IS NULL
             AND MAX(COALESCE(last_buyer_at, 0), COALESCE(last_reply_at, 0)) < ?2";
        let idle: Vec<(String, String)> = {
            let mut st = self.conn.prepare(&format!(
                "SELECT account, buyer FROM threads WHERE store_id = ?1 AND {IDLE}"
            ))?;
            let rows = st.query_map(params![store_id, now - KEEP_THREAD_MS], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for chunk in idle.chunks(PRUNE_CHUNK) {
            let tx = self.conn.transaction()?;
            {
                let mut st = tx.prepare_cached(&format!(
                    "DELETE FROM threads WHERE store_id = ?1 AND {IDLE}
                     AND account = ?3 AND buyer = ?4"
                ))?;
                for (account, buyer) in chunk {
                    st.execute(params![store_id, now - KEEP_THREAD_MS, account, buyer])?;
                }
            }
            tx.commit()?;
        }
        self.pruned.insert(store_id, now);
        Ok(())
    }

    /// Buyers waiting in store `store_id`, oldest wait first.
    pub fn waiting_buyers(&self, store_id: i64) -> Result<Vec<WaitingBuyer>> {
        let mut st = self.conn.prepare_cached(
            "SELECT account, buyer, waiting_since FROM threads
             WHERE store_id = ?1 AND waiting_since IS NOT NULL
             ORDER BY waiting_since, account, buyer",
        )?;
        let rows = st.query_map([store_id], |r| {
            Ok(WaitingBuyer {
                account: r.get(0)?,
                buyer: r.get(1)?,
                since: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Late answers in store `store_id` from `from` on, oldest first.
    pub fn slow_rounds(&self, store_id: i64, from: Millis) -> Result<Vec<SlowRound>> {
        let mut st = self.conn.prepare_cached(
            "SELECT account, buyer, answered_at, wait_ms FROM slow
             WHERE store_id = ?1 AND answered_at >= ?2 ORDER BY answered_at, account, buyer",
        )?;
        let rows = st.query_map(params![store_id, from], |r| {
            Ok(SlowRound {
                account: r.get(0)?,
                buyer: r.get(1)?,
                answered_at: r.get(2)?,
                wait_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ratings in store `store_id` from `from` on, oldest first.
    pub fn ratings(&self, store_id: i64, from: Millis) -> Result<Vec<RecentRating>> {
        let mut st = self.conn.prepare_cached(
            "SELECT account, buyer, at, score FROM ratings
             WHERE store_id = ?1 AND at >= ?2 ORDER BY at, account, buyer",
        )?;
        let rows = st.query_map(params![store_id, from], |r| {
            Ok(RecentRating {
                account: r.get(0)?,
                buyer: r.get(1)?,
                at: r.get(2)?,
                score: r.get::<_, i64>(3)?.clamp(1, 5) as u8,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Accounts of store `store_id` with an agent message from `from` on, by name.
    pub fn active_accounts(&self, store_id: i64, from: Millis) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT account FROM accounts WHERE store_id = ?1 AND last_sent_at >= ?2
             ORDER BY account",
        )?;
        let rows = st.query_map(params![store_id, from], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A write to the live file in progress ([`LiveDb::write`]).
pub struct LiveWrite<'a> {
    tx: Transaction<'a>,
}

impl LiveWrite<'_> {
    /// Queues a batch's accepted lines for folding.
    pub fn add_tail(
        &self,
        store_id: i64,
        store: &str,
        received_at: i64,
        lines: u64,
        messages: u64,
        body: &str,
    ) -> Result<i64> {
        let packed = lz4_flex::compress_prepend_size(body.as_bytes());
        self.tx
            .prepare_cached(
                "INSERT INTO tail (store_id, store, received_at, lines, messages, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                store_id,
                store,
                received_at,
                lines as i64,
                messages as i64,
                packed
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The state of one thread (default: never seen).
    pub fn thread(&self, store_id: i64, account: &str, buyer: &str) -> Result<ThreadState> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT last_buyer_at, last_reply_at, waiting_since FROM threads
                 WHERE store_id = ?1 AND account = ?2 AND buyer = ?3",
            )?
            .query_row(params![store_id, account, buyer], |r| {
                Ok(ThreadState {
                    last_buyer_at: r.get(0)?,
                    last_reply_at: r.get(1)?,
                    waiting_since: r.get(2)?,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    pub fn put_thread(
        &self,
        store_id: i64,
        account: &str,
        buyer: &str,
        t: &ThreadState,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO threads
                 (store_id, account, buyer, last_buyer_at, last_reply_at, waiting_since)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                store_id,
                account,
                buyer,
                t.last_buyer_at,
                t.last_reply_at,
                t.waiting_since
            ])?;
        Ok(())
    }

    /// Notes an agent message of `account` at `at`.
    pub fn account_sent(&self, store_id: i64, account: &str, at: Millis) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO accounts (store_id, account, last_sent_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store_id, account)
                 DO UPDATE SET last_sent_at = MAX(last_sent_at, excluded.last_sent_at)",
            )?
            .execute(params![store_id, account, at])?;
        Ok(())
    }

    pub fn add_slow(&self, store_id: i64, round: &SlowRound) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO slow (store_id, answered_at, account, buyer, wait_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                store_id,
                round.answered_at,
                round.account,
                round.buyer,
                round.wait_ms
            ])?;
        Ok(())
    }

    pub fn add_rating(&self, store_id: i64, rating: &RecentRating) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO ratings (store_id, at, account, buyer, score)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                store_id,
                rating.at,
                rating.account,
                rating.buyer,
                rating.score as i64
            ])?;
        Ok(())
    }

    /// Commits: the batch is durable once this returns.
    pub fn commit(self) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_wait_in_order_until_folded_and_threads_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        assert_eq!(live_path(&db), dir.path().join("k.db-live"));
        let mut live = LiveDb::open(&db).unwrap();
        let w = live.write().unwrap();
        let first = w.add_tail(1, "A", 0, 2, 2, "{\"a\":1}\n{\"a\":2}").unwrap();
        let second = w.add_tail(1, "A", 0, 1, 1, "{\"a\":3}").unwrap();
        let t = ThreadState {
            last_buyer_at: Some(5),
            last_reply_at: None,
            waiting_since: Some(5),
        };
        w.put_thread(1, "客服1", "买家", &t).unwrap();
        w.account_sent(1, "客服1", 10).unwrap();
        w.account_sent(1, "客服1", 7).unwrap();
        w.commit().unwrap();
        // At least one batch even over the limit; then as many as fit.
        assert_eq!(live.tail(1).unwrap().len(), 1);
        let both = live.tail(3).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[0].body, "{\"a\":1}\n{\"a\":2}");
        assert_eq!(live.waiting().unwrap(), (2, 3));
        live.folded(first).unwrap();
        assert_eq!(live.tail(100).unwrap()[0].id, second);
        let w = live.write().unwrap();
        assert_eq!(w.thread(1, "客服1", "买家").unwrap(), t);
        assert_eq!(
            w.thread(2, "客服1", "买家").unwrap(),
            ThreadState::default()
        );
        drop(w);
        assert_eq!(live.waiting_buyers(1).unwrap()[0].since, 5);
        assert_eq!(live.waiting_buyers(2).unwrap(), vec![]);
        assert_eq!(live.active_accounts(1, 10).unwrap(), vec!["客服1"]);
        assert_eq!(live.active_accounts(1, 11).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn prune_drops_idle_threads_and_old_rows_at_most_every_ten_minutes() {
        let dir = tempfile::tempdir().unwrap();
        let mut live = LiveDb::open(&dir.path().join("k.db")).unwrap();
        let day = KEEP_THREAD_MS;
        let answered = |at| ThreadState {
            last_buyer_at: Some(at),
            last_reply_at: Some(at + 1),
            waiting_since: None,
        };
        let waiting = ThreadState {
            last_buyer_at: Some(0),
            last_reply_at: None,
            waiting_since: Some(0),
        };
        let w = live.write().unwrap();
        // More idle threads than one delete takes, in two stores.
        for i in 0..PRUNE_CHUNK + 5 {
            w.put_thread(1, "k", &format!("old{i}"), &answered(0))
                .unwrap();
        }
        w.put_thread(2, "k", "other", &answered(0)).unwrap();
        w.put_thread(1, "k", "fresh", &answered(day)).unwrap();
        w.put_thread(1, "k", "waits", &waiting).unwrap();
        let rating = |at| RecentRating {
            account: "k".into(),
            buyer: "b".into(),
            at,
            score: 1,
        };
        w.add_rating(1, &rating(0)).unwrap();
        w.add_rating(1, &rating(day)).unwrap();
        w.commit().unwrap();
        let threads = |live: &LiveDb, store: i64| -> Vec<String> {
            let mut st = live
                .conn
                .prepare("SELECT buyer FROM threads WHERE store_id = ?1 ORDER BY buyer")
                .unwrap();
            st.query_map([store], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let now = day + 10;
        live.prune(1, now).unwrap();
        assert_eq!(threads(&live, 1), vec!["fresh", "waits"]);
        assert_eq!(threads(&live, 2), vec!["other"]);
        assert_eq!(live.ratings(1, 0).unwrap(), vec![rating(day)]);
        // Within ten minutes of the last prune nothing is pruned; after, again.
        let w = live.write().unwrap();
        w.put_thread(1, "k", "old-again", &answered(0)).unwrap();
        w.commit().unwrap();
        live.prune(1, now + PRUNE_EVERY_MS - 1).unwrap();
        assert_eq!(threads(&live, 1), vec!["fresh", "old-again", "waits"]);
        live.prune(1, now + PRUNE_EVERY_MS).unwrap();
        assert_eq!(threads(&live, 1), vec!["fresh", "waits"]);
    }
}
