//! The SQLite store: raw events in, derived counters out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kefu_core::engine::{self, Facts, StoreEvents};
use kefu_core::figures::{C, COUNTERS, Counters};
use kefu_core::model::{
    Agent, ImportBatch, ImportedMessage, Message, NameId, Names, Order, Presale, Rating, Refund,
    RefundStatus, Role, Sender,
};
use kefu_core::settings::{Attribution, Config, MetricSettings};
use kefu_core::time::{DAY_MS, Day, Millis};
use rayon::iter::{
    IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator,
    IntoParallelRefMutIterator, ParallelIterator,
};
use rayon::slice::ParallelSliceMut;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::hash::{Hash, Hasher};

use crate::chunk::{self, ChunkError};
use crate::day_keys::{self, DayKeys};
use crate::{derived, percentiles, schema};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database: {0}")]
    Chunk(#[from] ChunkError),
    #[error("database: the names of store {0} are damaged")]
    Names(i64),
    #[error("live file: waiting batch {0} is damaged")]
    LiveTail(i64),
    #[error("the stored first response times of store {0} are corrupt; run `kefu recompute`")]
    Counters(i64),
    #[error(
        "database schema version {found} is newer than this kefu understands ({supported}); upgrade kefu"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("no store named `{0}` in the database")]
    UnknownStore(String),
    #[error("database: the saved settings of store `{store}` are not valid: {message}")]
    SavedSettings { store: String, message: String },
    #[error("database: stored scorecard {id} is not valid: {message}")]
    SavedScorecard { id: i64, message: String },
    #[error("database: saved rule set v{version} of store {store_id} is not valid: {message}")]
    SavedRules {
        store_id: i64,
        version: i64,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// Whether another connection's lock refused the statement (at once under
    /// [`Db::without_waiting`], otherwise after the 30 s a statement waits).
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sql(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
        )
    }
}

/// How far around a recomputed range events are loaded as context, so that a round opened
/// before the range and answered inside it (or opened inside and answered after) is seen
/// whole. A round left open longer than this is the one approximation of incremental
/// recomputation, and only in stores above [`FULL_RECOMPUTE_LIMIT`] messages; `kefu
/// recompute` is always exact.
pub const LOOKBACK_DAYS: i32 = 7;

/// Stores with at most this many messages are recomputed whole on every import: exact in
/// every case and still well under a second.
pub const FULL_RECOMPUTE_LIMIT: u64 = 1_000_000;

/// How long a statement waits for another connection's lock before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Set only by benchmarks: reports then read no first response times, so p50/p90 come out
/// empty. It measures what exact percentiles cost a page on the same build and machine
/// (`KEFU_BENCH_NO_PERCENTILES=1 kefu serve`, `docs/benchmark.md`).
static SKIP_FIRST_RESPONSES: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Turns the reading of first response times off (`true`) for the whole process: for
/// benchmarks only, figures are wrong while it is off.
pub fn skip_first_responses_for_benchmarks(skip: bool) {
    SKIP_FIRST_RESPONSES.store(skip, std::sync::atomic::Ordering::Relaxed);
}

fn skips_first_responses() -> bool {
    SKIP_FIRST_RESPONSES.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    pub id: NameId,
    pub name: String,
    pub display_name: Option<String>,
    pub group: Option<String>,
    pub role: Option<Role>,
    pub in_roster: bool,
    pub is_bot: bool,
    /// First and last day with the team, from the roster (none: open-ended).
    pub joined: Option<Day>,
    pub left: Option<Day>,
    /// 工号 and 部门, from the roster.
    pub employee_no: Option<String>,
    pub department: Option<String>,
}

impl AccountInfo {
    /// Whether the roster's dates put the agent in the team on some day from `first` to
    /// `last`.
    pub fn employed_between(&self, first: Day, last: Day) -> bool {
        self.joined.is_none_or(|j| j <= last) && self.left.is_none_or(|l| l >= first)
    }
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub stores: Vec<String>,
    pub messages_added: u64,
    pub messages_duplicate: u64,
    pub orders: u64,
    pub refunds: u64,
    pub ratings_added: u64,
    pub ratings_duplicate: u64,
    pub agents: u64,
    /// Store-days whose figures were recomputed.
    pub days_recomputed: u64,
    /// Per store written to, the first and last day its new events fall on (none when the
    /// import only changed the roster): what derived data such as rule hits must follow.
    pub touched: Vec<TouchedDays>,
    /// Refunds requested on the days the import touched whose order is unknown, or whose
    /// order's successful refunds add up to more than the order (plans cap them at it).
    pub refund_warnings: Vec<RefundWarning>,
    /// Days the automatic rules were re-run over, in the stores that use them, inside the
    /// import's transaction.
    pub rules_days: u32,
    /// Review assignments opened by themselves (`qa_auto`: the store's triggers), inside the
    /// import's transaction.
    pub auto_reviews: u64,
    /// Platform figures the import stored that were not there before.
    pub platform_added: u64,
    /// Platform figures whose stored value (or kind) the import replaced.
    pub platform_changed: u64,
    /// Platform figures the import found stored as they are: a re-import changes nothing.
    pub platform_unchanged: u64,
}

/// The names of the stores an import session wrote to, as it committed them
/// ([`ImportSession::finish_keeping_names`]).
#[derive(Debug, Default)]
pub struct KeptNames(Vec<(i64, Names)>);

impl KeptNames {
    /// The names of a store, taken out.
    pub fn take(&mut self, store_id: i64) -> Option<Names> {
        let k = self.0.iter().position(|(id, _)| *id == store_id)?;
        Some(self.0.swap_remove(k).1)
    }
}

/// A refund an import warns about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundWarning {
    pub store: String,
    pub order_id: String,
    /// `None`: no order of that id in the store; `Some((order, refunded))`: the order's amount
    /// and its successful refunds, which exceed it (cents).
    pub over: Option<(i64, i64)>,
    /// The refund (for an unknown order) or the first refund of the order.
    pub refund_id: String,
}

/// The days an import wrote events to in one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchedDays {
    pub store_id: i64,
    pub store: String,
    pub first: Day,
    pub last: Day,
}

/// One store's events over a range of days, ids pointing into `names`.
#[derive(Debug, Default)]
pub struct LoadedEvents {
    pub names: Names,
    pub messages: Vec<Message>,
    pub orders: Vec<Order>,
    pub refunds: Vec<Refund>,
    pub ratings: Vec<Rating>,
}

impl LoadedEvents {
    /// Whether every name id of the events is one of `names`: names handed on from an
    /// import can miss those another connection added since.
    pub fn names_cover_ids(&self) -> bool {
        let n = self.names.len();
        let known = |id: NameId| (id as usize) < n;
        self.messages
            .iter()
            .all(|m| known(m.buyer) && known(m.account) && m.transfer_to.is_none_or(known))
            && self.orders.iter().all(|o| known(o.buyer))
            && self
                .refunds
                .iter()
                .all(|r| known(r.buyer) && r.account.is_none_or(known))
            && self
                .ratings
                .iter()
                .all(|r| known(r.buyer) && known(r.account))
    }

    pub fn view(&self) -> StoreEvents<'_> {
        StoreEvents {
            names: &self.names,
            messages: &self.messages,
            orders: &self.orders,
            refunds: &self.refunds,
            ratings: &self.ratings,
        }
    }
}

/// A kefu database file.
pub struct Db {
    conn: Connection,
    full_recompute_limit: u64,
    /// The deduplication keys of the days live folds append to.
    day_keys: DayKeys,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Db> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Large pages: a day of messages is a few megabytes, read as one blob; small pages
        // would turn that into a long chain of overflow pages. Takes effect on new files only.
        conn.pragma_update(None, "page_size", 65_536)
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "cache_size", -65_536)
            .map_err(open_err)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_err)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        if found > schema::VERSION {
            return Err(StoreError::TooNew {
                found,
                supported: schema::VERSION,
            });
        }
        schema::migrate(&mut conn).map_err(open_err)?;
        let relaid = derived::ensure_layout(&mut conn).map_err(open_err)?;
        fill_last_message_at(&mut conn)?;
        let mut db = Db {
            conn,
            full_recompute_limit: FULL_RECOMPUTE_LIMIT,
            day_keys: DayKeys::default(),
        };
        if relaid {
            // The figures are back before anything reads them, under the settings saved in
            // the database; a configuration file's own settings recompute again on sync.
            // Saved settings that no longer read leave their stores to the next sync, which
            // reports them.
            if let Ok(config) = db.with_saved_settings(&Config::default()) {
                db.sync_settings(&config, None)?;
            }
        }
        Ok(db)
    }

    /// Overrides [`FULL_RECOMPUTE_LIMIT`] (tests use 0 to exercise incremental recomputation).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` without waiting for another connection's lock: what it reads or writes fails
    /// at once with a busy error ([`StoreError::is_busy`]) while a fold or an import holds the
    /// database, instead of waiting for up to 30 s. For work that has something better to do
    /// than wait (issue 16: an alert's event and its judgement waited seconds for folds).
    pub fn without_waiting<T>(&self, f: impl FnOnce(&Db) -> T) -> Result<T> {
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let out = f(self);
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(out)
    }

    /// Runs one write that may as well be skipped (a token's note of last use) at once, or not
    /// at all when another connection holds the lock; whether it ran. Waiting would hold the
    /// request up for as long as a fold or an import writes, and every request meanwhile would
    /// find the note still old and wait too.
    pub(crate) fn write_unless_busy(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<bool> {
        match self.without_waiting(|db| db.conn.execute(sql, params))? {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = StoreError::from(e);
                if e.is_busy() { Ok(false) } else { Err(e) }
            }
        }
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn set_full_recompute_limit(&mut self, messages: u64) {
        self.full_recompute_limit = messages;
    }

    pub fn stores(&self) -> Result<Vec<StoreInfo>> {
        let mut st = self
            .conn
            .prepare("SELECT id, name FROM stores ORDER BY name")?;
        let rows = st.query_map([], |r| {
            Ok(StoreInfo {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn store(&self, name: &str) -> Result<StoreInfo> {
        self.conn
            .query_row("SELECT id, name FROM stores WHERE name = ?1", [name], |r| {
                Ok(StoreInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .optional()?
            .ok_or_else(|| StoreError::UnknownStore(name.to_string()))
    }

    /// Every account of a store that is in the roster or has sent or received a message.
    pub fn accounts(&self, store_id: i64) -> Result<Vec<AccountInfo>> {
        let mut st = self.conn.prepare(
            "SELECT account_id, name, display_name, grp, role, in_roster, is_bot, joined_on, left_on,
                    employee_no, department
             FROM accounts WHERE store_id = ?1 ORDER BY name",
        )?;
        let rows = st.query_map([store_id], |r| {
            let role: Option<String> = r.get(4)?;
            Ok(AccountInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                display_name: r.get(2)?,
                group: r.get(3)?,
                role: role.as_deref().and_then(Role::parse),
                in_roster: r.get(5)?,
                is_bot: r.get(6)?,
                joined: r.get::<_, Option<i32>>(7)?.map(Day),
                left: r.get::<_, Option<i32>>(8)?.map(Day),
                employee_no: r.get(9)?,
                department: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The first and last day with any event of the store.
    pub fn day_span(&self, store_id: i64) -> Result<Option<(Day, Day)>> {
        day_span(&self.conn, store_id)
    }

    /// The time of the store's latest message (store-local), for "data up to …": the column
    /// every import that adds messages writes (one row read); decoded from the last day only
    /// while the column is not known.
    pub fn last_message_time(&self, store_id: i64) -> Result<Option<Millis>> {
        let stored: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT last_message_at FROM stores WHERE id = ?1",
                [store_id],
                |r| r.get(0),
            )
            .optional()?;
        match stored {
            Some(Some(t)) => Ok(Some(t)),
            _ => latest_message_time(&self.conn, store_id),
        }
    }

    /// Writes a batch and recomputes the figures it can change, atomically: a failure or a
    /// kill half-way leaves the database as it was.
    pub fn import(&mut self, batch: ImportBatch, config: &Config) -> Result<ImportSummary> {
        let mut session = self.begin_import()?;
        session.add(&batch)?;
        session.finish(config)
    }

    /// Starts an import that can take several batches (one file at a time keeps memory
    /// bounded). Nothing is visible to readers, or kept, until [`ImportSession::finish`].
    pub fn begin_import(&mut self) -> Result<ImportSession<'_>> {
        Ok(ImportSession {
            tx: self.conn.transaction()?,
            stores: Vec::new(),
            summary: ImportSummary::default(),
            full_recompute_limit: self.full_recompute_limit,
            live: None,
            buckets: Vec::new(),
            plain_room: PLAIN_STAGED_BYTES,
        })
    }

    /// An import session of a live fold: the new messages of a day that already has messages
    /// are appended to it as a part (`message_parts`), checked for repeats against the day's
    /// keys kept in memory ([`crate::day_keys`]), so the fold costs what its batch holds, not
    /// what the day holds. The figures are the same as [`Db::begin_import`]'s.
    pub fn begin_live_import(&mut self) -> Result<ImportSession<'_>> {
        // What a fold that failed before its commit left is not trusted.
        self.day_keys.abandoned();
        Ok(ImportSession {
            tx: self.conn.transaction()?,
            stores: Vec::new(),
            summary: ImportSummary::default(),
            full_recompute_limit: self.full_recompute_limit,
            live: Some(&mut self.day_keys),
            buckets: Vec::new(),
            plain_room: PLAIN_STAGED_BYTES,
        })
    }

    /// Recomputes every figure of the named stores (all when `None`) under `config`.
    pub fn recompute(&mut self, config: &Config, store: Option<&str>) -> Result<u64> {
        let tx = self.conn.transaction()?;
        let mut days = 0;
        for s in select_stores(&tx, store)? {
            let names = load_names(&tx, s.id)?;
            days += recompute_store(&tx, s.id, &config.store(&s.name).metrics, names)?.0;
        }
        tx.commit()?;
        Ok(days)
    }

    /// Brings stored figures in line with `config`: stores whose facts were computed under
    /// other settings are recomputed. Returns the names of the stores recomputed.
    pub fn sync_settings(&mut self, config: &Config, store: Option<&str>) -> Result<Vec<String>> {
        let mut stale = Vec::new();
        for s in select_stores(&self.conn, store)? {
            let fp: Option<String> =
                self.conn
                    .query_row("SELECT settings FROM stores WHERE id = ?1", [s.id], |r| {
                        r.get(0)
                    })?;
            if fp.as_deref() != Some(config.store(&s.name).metrics.fingerprint().as_str()) {
                stale.push(s.name);
            }
        }
        if !stale.is_empty() {
            let tx = self.conn.transaction()?;
            for name in &stale {
                let s = select_stores(&tx, Some(name))?;
                if let Some(s) = s.first() {
                    let names = load_names(&tx, s.id)?;
                    recompute_store(&tx, s.id, &config.store(name).metrics, names)?;
                }
            }
            tx.commit()?;
        }
        Ok(stale)
    }

    /// Each store with the settings fingerprint its stored figures were computed under
    /// (`None`: never computed), in name order.
    pub fn stored_fingerprints(&self) -> Result<Vec<(StoreInfo, Option<String>)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, name, settings FROM stores ORDER BY name")?;
        let rows = st.query_map([], |r| {
            Ok((
                StoreInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                },
                r.get(2)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Runs `read` over figures computed under `config` for the days `[from, to]` of the
    /// named stores (all when `None`), without keeping them: the counters are written inside
    /// a transaction that `read` sees and that is then rolled back, so the stored figures,
    /// their fingerprint and every other connection are untouched. This is how an ad-hoc
    /// report under other settings (`kefu report --config`) is answered.
    pub fn with_adhoc_figures<R>(
        &self,
        config: &Config,
        store: Option<&str>,
        (from, to): (Day, Day),
        read: impl FnOnce(&Db) -> R,
    ) -> Result<R> {
        // Unchecked: the transaction borrows the connection shared, so `read` can query it;
        // it is never committed (dropping it rolls back).
        let tx = self.conn.unchecked_transaction()?;
        for s in select_stores(&tx, store)? {
            let names = load_names(&tx, s.id)?;
            recompute_range(&tx, s.id, &config.store(&s.name).metrics, names, from, to)?;
        }
        let out = read(self);
        tx.rollback()?;
        Ok(out)
    }

    /// Counters summed per account over `[from, to]` (store-level rows excluded).
    pub fn counters_by_account(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
    ) -> Result<Vec<(NameId, Counters)>> {
        self.per_account(store_id, (from, to), false)
    }

    /// [`Db::counters_by_account`] with the hourly counters too (`consulted_h00`…), which the
    /// ranking has no use for: for the pages that chart a few accounts by hour (an agent's
    /// overview and start page).
    pub fn counters_by_account_hourly(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
    ) -> Result<Vec<(NameId, Counters)>> {
        self.per_account(store_id, (from, to), true)
    }

    /// Sums accounts' counters over `[from, to]` (as [`Db::counters_by_account`] returns them)
    /// into `groups` sums: `group[i]` is the group of `accounts[i]` (`None`: in none). Each
    /// group's first response times are settled, and kept like the accounts' (keyed on the
    /// range, the grouping and the store's `facts_version`), so a repeated range does not
    /// merge them again (the overview's teams).
    pub fn sum_groups(
        &self,
        store_id: i64,
        (from, to): (Day, Day),
        accounts: Vec<(NameId, Counters)>,
        group: &[Option<usize>],
        groups: usize,
    ) -> Result<Vec<Counters>> {
        let mut sums: Vec<Counters> = vec![Counters::default(); groups];
        let cache = if skips_first_responses() {
            None
        } else {
            let grouping: Vec<(NameId, usize)> = accounts
                .iter()
                .zip(group)
                .filter_map(|((id, _), g)| Some((*id, (*g)?)))
                .collect();
            percentiles::Key::of(
                &self.conn,
                store_id,
                from,
                to,
                &format!("groups {grouping:?}"),
            )?
        };
        let cached = cache.as_ref().and_then(percentiles::get);
        for ((_, mut c), g) in accounts.into_iter().zip(group) {
            let Some(sum) = g.and_then(|g| sums.get_mut(g)) else {
                continue;
            };
            if cached.is_some() {
                c.1 = Default::default();
            }
            *sum += &c;
        }
        match cached {
            Some(cached) => {
                for (g, times) in cached.iter() {
                    if let Some(sum) = sums.get_mut(*g as usize) {
                        sum.1 = times.clone();
                    }
                }
            }
            None => {
                for c in &mut sums {
                    c.1.settle();
                }
                if let Some(key) = cache {
                    percentiles::put(
                        key,
                        sums.iter()
                            .enumerate()
                            .map(|(g, c)| (g as i64, c.1.clone()))
                            .collect(),
                    );
                }
            }
        }
        Ok(sums)
    }

    /// Counters summed per account, the hourly ones only with `hours`.
    fn per_account(
        &self,
        store_id: i64,
        (from, to): (Day, Day),
        hours: bool,
    ) -> Result<Vec<(NameId, Counters)>> {
        let filter = "AND account_id >= 0";
        self.sum_counters(store_id, from, to, "account_id", filter, hours, true)
    }

    /// The whole store's counters over `[from, to]`: every account plus the store-level
    /// counters (the day total rows, summed; first response times from their blocks).
    pub fn store_counters(&self, store_id: i64, from: Day, to: Day) -> Result<Counters> {
        let mut rows = self.sum_counters(
            store_id,
            from,
            to,
            "account_id",
            "AND account_id = -1",
            true,
            true,
        )?;
        Ok(rows.pop().map(|(_, c)| c).unwrap_or_default())
    }

    /// Counters of the whole store per day over `[from, to]`: every account and the
    /// store-level counters (the day's total row).
    pub fn counters_by_day(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
    ) -> Result<Vec<(Day, Counters)>> {
        let rows = self.sum_counters(
            store_id,
            from,
            to,
            "day",
            "AND account_id = -1",
            true,
            false,
        )?;
        Ok(rows.into_iter().map(|(d, c)| (Day(d as i32), c)).collect())
    }

    /// Counters of `accounts` summed per day over `[from, to]`, hourly counters included (an
    /// agent's week by hour).
    pub fn counters_by_day_of_accounts(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        accounts: &[NameId],
    ) -> Result<Vec<(Day, Counters)>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        // Name ids are integers: the list is written into the statement as numbers.
        let ids: Vec<String> = accounts.iter().map(|a| a.to_string()).collect();
        let filter = format!("AND account_id IN ({})", ids.join(","));
        let rows = self.sum_counters(store_id, from, to, "day", &filter, true, false)?;
        Ok(rows.into_iter().map(|(d, c)| (Day(d as i32), c)).collect())
    }

    /// Sums the counters rows of `[from, to]` that pass `filter` by `key`. With `blocks` (a
    /// sum over the whole range per account, `key` = `account_id`), first response times
    /// come from `first_response_blocks`: the range's pieces of [`pieces`], a counters row's
    /// own runs only for the single days at its edges.
    #[allow(clippy::too_many_arguments)]
    fn sum_counters(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        key: &str,
        filter: &str,
        hours: bool,
        blocks: bool,
    ) -> Result<Vec<(NameId, Counters)>> {
        // The hourly counters are read only where they are shown (store and day rows); a
        // ranking sums two hundred accounts and has no use for them.
        let wanted: Vec<usize> = (0..COUNTERS)
            .filter(|&i| hours || !C::ALL[i].is_hourly())
            .collect();
        let columns: String = wanted
            .iter()
            .map(|&i| format!(", {}", C::ALL[i].column()))
            .collect();
        // Summed here rather than by GROUP BY: SQLite would sort the rows by key first, and
        // its SUM steps cost more than the additions (the ranking's hottest path).
        let cache = if skips_first_responses() {
            None
        } else {
            // the rows summed and how: the key column and the filter
            let rows = format!("{key} {filter}");
            percentiles::Key::of(&self.conn, store_id, from, to, &rows)?
        };
        let cached = cache.as_ref().and_then(percentiles::get);
        let times = if skips_first_responses() || cached.is_some() {
            "NULL"
        } else {
            "first_responses"
        };
        let sql = format!(
            "SELECT {key}, {times}, day{columns} FROM counters WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 {filter}"
        );
        let pieces = if blocks { pieces(from, to) } else { Vec::new() };
        // the days whose first response times are read from their counters rows
        let single_days: Vec<i64> = pieces.iter().filter(|p| p.0 == 0).map(|p| p.1).collect();
        let mut st = self.conn.prepare_cached(&sql)?;
        let mut rows = st.query(params![store_id, from.0, to.0])?;
        let mut sums: BTreeMap<i64, Counters> = BTreeMap::new();
        let mut scratch = Vec::new();
        while let Some(r) = rows.next()? {
            let c = sums.entry(r.get(0)?).or_default();
            if let rusqlite::types::ValueRef::Blob(b) = r.get_ref(1)?
                && (!blocks || single_days.contains(&r.get::<_, i64>(2)?))
            {
                decode_first_responses(b, &mut c.1, &mut scratch)
                    .ok_or(StoreError::Counters(store_id))?;
            }
            for (at, &i) in wanted.iter().enumerate() {
                c.0[i] += r.get::<_, i64>(at + 3)?;
            }
        }
        if let Some(cached) = cached {
            for (k, times) in cached.iter() {
                sums.entry(*k).or_default().1 = times.clone();
            }
        } else if !skips_first_responses() {
            let sql = format!(
                "SELECT account_id, runs FROM first_response_blocks WHERE store_id = ?1 AND level = ?2 AND start = ?3 {filter}"
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            for &(level, start) in pieces.iter().filter(|p| p.0 > 0) {
                let mut rows = st.query(params![store_id, level, start])?;
                while let Some(r) = rows.next()? {
                    let c = sums.entry(r.get(0)?).or_default();
                    let blob = blob_of(r.get_ref(1)?, store_id)?;
                    decode_first_responses(blob, &mut c.1, &mut scratch)
                        .ok_or(StoreError::Counters(store_id))?;
                }
            }
        }
        for c in sums.values_mut() {
            c.1.settle();
        }
        if let Some(key) = cache
            && !percentiles::has(&key)
        {
            percentiles::put(key, sums.iter().map(|(k, c)| (*k, c.1.clone())).collect());
        }
        Ok(sums.into_iter().map(|(k, c)| (k as NameId, c)).collect())
    }

    /// Loads a store's events for `[from, to]` (by message day, order creation, refund request
    /// and rating time), messages in the engine's stream order.
    ///
    /// Orders are loaded from `orders_back` days before `from`: whether a reception is
    /// after-sale depends on the buyer's orders of the `after_sale_days` before it (pass
    /// `settings.after_sale_days`), while no message that far back matters.
    pub fn load_events(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        orders_back: u32,
    ) -> Result<LoadedEvents> {
        load_events(
            &self.conn,
            store_id,
            load_names(&self.conn, store_id)?,
            (from, to),
            orders_back,
        )
    }

    /// The events over `[from, to]` of the buyers who wrote with one of `accounts`: their
    /// messages (with every account) and orders, and the store's refunds and ratings.
    ///
    /// The engine's facts about a buyer follow from that buyer's events alone: streams,
    /// rounds and receptions are per (account, buyer), an order competes only among its
    /// buyer's receptions, and a reminder is a message of a stream with the order's buyer
    /// (ties between accounts go by name, among messages this keeps). So these buyers'
    /// receptions, rounds, orders and reminders come out exactly as from the whole store,
    /// and an account's lists cost its buyers' share of the store. Filtering before the
    /// stream sort spares most of the loading time.
    pub fn load_events_of_accounts(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        orders_back: u32,
        accounts: &[NameId],
    ) -> Result<LoadedEvents> {
        let mut ev = load_unsorted_events(
            &self.conn,
            store_id,
            load_names(&self.conn, store_id)?,
            (from, to),
            orders_back,
            false,
        )?;
        // Name ids are small and dense (indexes of the store's names): a flag per id.
        let mut ours = vec![false; ev.names.len()];
        for m in &ev.messages {
            if accounts.contains(&m.account)
                && let Some(flag) = ours.get_mut(m.buyer as usize)
            {
                *flag = true;
            }
        }
        let keep = |b: NameId| ours.get(b as usize).copied().unwrap_or(false);
        ev.messages.retain(|m| keep(m.buyer));
        ev.orders.retain(|o| keep(o.buyer));
        engine::sort_streams(&mut ev.messages);
        Ok(ev)
    }

    /// The messages of one stream S(account, buyer) over `[from, to]`, texts included.
    pub fn transcript(
        &self,
        store_id: i64,
        account: NameId,
        buyer: NameId,
        from: Day,
        to: Day,
    ) -> Result<Vec<chunk::StoredMessage>> {
        let mut out = Vec::new();
        for day in stored_days(&self.conn, store_id, from, to)? {
            out.extend(
                day_messages(&self.conn, store_id, day)?
                    .into_iter()
                    .filter(|m| m.message.account == account && m.message.buyer == buyer),
            );
        }
        Ok(out)
    }

    /// The interned buyer and account names of a store.
    pub fn names(&self, store_id: i64) -> Result<Names> {
        load_names(&self.conn, store_id)
    }
}

/// Adds the warnings about refunds requested from `first` to `last` in a store: refunds of
/// unknown orders, and orders refunded (successfully) for more than their amount.
fn refund_warnings(
    tx: &rusqlite::Transaction,
    store_id: i64,
    store: &str,
    first: Day,
    last: Day,
    summary: &mut ImportSummary,
) -> Result<()> {
    // INDEXED BY: without statistics SQLite's planner walks the store's refunds by primary
    // key for every refund (18 s at 19k refunds), not the order's few.
    let mut st = tx.prepare_cached(
        "SELECT r.refund_id, r.order_id, o.amount_cents,
                (SELECT COALESCE(SUM(p.amount_cents), 0) FROM refunds p INDEXED BY refunds_by_order
                 WHERE p.store_id = r.store_id AND p.order_id = r.order_id
                   AND p.status = 'success')
         FROM refunds r
         LEFT JOIN orders o ON o.store_id = r.store_id AND o.order_id = r.order_id
         WHERE r.store_id = ?1 AND r.requested_at >= ?2 AND r.requested_at < ?3
         ORDER BY r.order_id, r.refund_id",
    )?;
    let rows = st.query_map(
        params![store_id, first.start(), last.offset(1).start()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        },
    )?;
    let mut last_order: Option<String> = None;
    for row in rows {
        let (refund_id, order_id, order_cents, refunded) = row?;
        let over = match order_cents {
            None => None,
            Some(amount) if refunded > amount => Some((amount, refunded)),
            Some(_) => continue,
        };
        // An order refunded too much is named once; each refund of an unknown order is.
        if over.is_some() && last_order.as_deref() == Some(order_id.as_str()) {
            continue;
        }
        last_order = Some(order_id.clone());
        summary.refund_warnings.push(RefundWarning {
            store: store.to_string(),
            order_id,
            over,
            refund_id,
        });
    }
    Ok(())
}

/// A store an import session has written to.
struct SessionStore {
    id: i64,
    name: String,
    /// Settings fingerprint of the stored facts when the session began.
    fingerprint: Option<String>,
    names: Names,
    /// How many names the database held for the store when the session began.
    names_saved: usize,
    /// Passes over every store name made instead of building its table ([`NameMap::how`]).
    scans: u32,
    next_seq: u64,
    touched: BTreeSet<Day>,
    /// New messages by day, written at the end of the session.
    parts: BTreeMap<Day, Vec<Part>>,
}

/// An import in progress: one transaction, any number of batches, figures recomputed once
/// at the end.
pub struct ImportSession<'a> {
    pub(crate) tx: Transaction<'a>,
    stores: Vec<SessionStore>,
    pub(crate) summary: ImportSummary,
    full_recompute_limit: u64,
    /// A live fold's day keys ([`Db::begin_live_import`]).
    live: Option<&'a mut DayKeys>,
    /// Where each batch's messages are copied by day ([`DayBucket`]), kept for the memory.
    buckets: Vec<DayBucket>,
    /// Bytes of text parts may still keep plain ([`PLAIN_STAGED_BYTES`]).
    plain_room: usize,
}

impl ImportSession<'_> {
    /// Writes the events of one batch. The batch's message `seq`s continue after those of
    /// earlier batches, so file order is kept between batches too.
    pub fn add(&mut self, batch: &ImportBatch) -> Result<()> {
        let mut store_ids: Vec<NameId> = batch
            .messages
            .iter()
            .map(|m| m.store)
            .chain(batch.orders.iter().map(|o| o.0))
            .chain(batch.refunds.iter().map(|o| o.0))
            .chain(batch.ratings.iter().map(|o| o.0))
            .chain(batch.agents.iter().map(|o| o.0))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        store_ids.sort_by(|a, b| batch.names.name(*a).cmp(batch.names.name(*b)));
        for bs in store_ids {
            let name = batch.names.name(bs);
            let k = match self.stores.iter().position(|s| s.name == name) {
                Some(k) => k,
                None => {
                    let (id, next_seq, fingerprint) = ensure_store(&self.tx, name)?;
                    let names = load_names(&self.tx, id)?;
                    self.stores.push(SessionStore {
                        id,
                        name: name.to_string(),
                        fingerprint,
                        names_saved: names.len(),
                        scans: 0,
                        names,
                        next_seq,
                        touched: BTreeSet::new(),
                        parts: BTreeMap::new(),
                    });
                    self.stores.len() - 1
                }
            };
            let st = &mut self.stores[k];
            let mut map = NameMap::new(batch);
            // Every name looked up before any is interned, so that the parallel parts of
            // staging only read the map.
            let how = NameMap::how(batch, &st.names, st.scans);
            map.look_up_known(batch, &st.names, how);
            st.scans += u32::from(how == LookUp::Scan);
            let tx = &self.tx;
            let summary = &mut self.summary;
            let added = stage_messages(
                tx,
                st.id,
                st.next_seq,
                batch,
                bs,
                &mut st.names,
                &mut map,
                &mut st.parts,
                &mut self.buckets,
                &mut self.plain_room,
                summary,
            )?;
            st.next_seq += added;
            write_others(
                tx,
                st.id,
                batch,
                bs,
                &mut st.names,
                &mut map,
                &mut st.touched,
                summary,
            )?;
        }
        Ok(())
    }

    /// Recomputes what the batches can have changed, re-runs the automatic rules over it
    /// (stores that use them) and commits: the figures and rule hits of the new events are
    /// committed with them, or nothing is.
    pub fn finish(self, config: &Config) -> Result<ImportSummary> {
        self.finish_keeping_names(config)
            .map(|(summary, _)| summary)
    }

    /// [`ImportSession::finish`], handing back the names of the stores written to as
    /// committed: what reads them next on this connection (the worklists' refresh) need not
    /// load them again, a store's whole name table (a year: 13 million names, 0.3 s).
    pub fn finish_keeping_names(mut self, config: &Config) -> Result<(ImportSummary, KeptNames)> {
        self.buckets = Vec::new();
        let tx = &self.tx;
        let mut phase = crate::profile::Phase::start();
        let mut kept = KeptNames::default();
        for mut st in std::mem::take(&mut self.stores) {
            let parts = std::mem::take(&mut st.parts);
            let last_written = merge_parts(
                tx,
                st.id,
                parts,
                &mut st.touched,
                &mut self.summary,
                self.live.as_deref_mut(),
            )?;
            phase.done("finish: merge staged days");
            if let Some(day) = last_written {
                // A day at or after the last one with messages was written: the latest
                // message may have changed (messages are never removed, so an earlier day
                // cannot change it).
                let (last_day, known): (Option<i32>, bool) = tx.query_row(
                    "SELECT (SELECT MAX(day) FROM message_days WHERE store_id = ?1),
                            (SELECT last_message_at IS NOT NULL FROM stores WHERE id = ?1)",
                    [st.id],
                    |r| Ok((r.get(0)?, r.get::<_, Option<bool>>(1)?.unwrap_or(false))),
                )?;
                if !known || last_day.is_some_and(|l| day.0 >= l) {
                    refresh_last_message_at(tx, st.id)?;
                }
            }
            phase.done("finish: latest message time");
            tx.execute(
                "UPDATE stores SET next_seq = ?2 WHERE id = ?1",
                params![st.id, st.next_seq as i64],
            )?;
            if st.names.len() > st.names_saved {
                save_names(tx, st.id, &st.names, st.names_saved)?;
            }
            if let (Some(first), Some(last)) = (st.touched.first(), st.touched.last()) {
                self.summary.touched.push(TouchedDays {
                    store_id: st.id,
                    store: st.name.clone(),
                    first: *first,
                    last: *last,
                });
            }
            phase.done("finish: names");
            if let (Some(first), Some(last)) = (st.touched.first(), st.touched.last()) {
                refund_warnings(tx, st.id, &st.name, *first, *last, &mut self.summary)?;
            }
            phase.done("finish: refund warnings");
            // The recomputation asks names by id only, and peaks in memory.
            st.names.drop_index();
            let settings = &config.store(&st.name).metrics;
            let stored: i64 = tx.query_row(
                "SELECT (SELECT COALESCE(SUM(messages), 0) FROM message_days WHERE store_id = ?1)
                      + (SELECT COALESCE(SUM(messages), 0) FROM message_parts WHERE store_id = ?1)",
                [st.id],
                |r| r.get(0),
            )?;
            // Attributed by payment time, an order reaches receptions as far from its own day
            // as it was paid after it: such stores are recomputed whole, which is exact.
            let small = stored as u64 <= self.full_recompute_limit
                || settings.attribution != Attribution::Order;
            let (days, names) =
                if small || st.fingerprint.as_deref() != Some(settings.fingerprint().as_str()) {
                    recompute_store(tx, st.id, settings, st.names)?
                } else {
                    recompute_days(tx, st.id, settings, st.names, &st.touched)?
                };
            self.summary.days_recomputed += days;
            kept.0.push((st.id, names));
            phase.done("finish: recompute figures");
            self.summary.stores.push(st.name);
        }
        self.summary.rules_days =
            crate::qa_rules::rerun_after_import(tx, &self.summary.touched, config)?;
        phase.done("finish: quality rules");
        // Then the review tasks the stores' triggers open (low ratings, refunds, critical
        // hits), over the touched days and their reach, as the rules.
        for t in &self.summary.touched {
            let settings = &config.store(&t.store).metrics;
            let reach = settings.reach_days();
            self.summary.auto_reviews += crate::qa_auto::auto_assign(
                tx,
                t.store_id,
                (t.first.offset(-reach), t.last.offset(reach)),
                settings,
            )? as u64;
        }
        phase.done("finish: review tasks");
        let s = &self.summary;
        tx.execute(
            "INSERT INTO imports (files, messages_added, messages_duplicate, orders, refunds, ratings, agents)
             VALUES ('', ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                s.messages_added as i64,
                s.messages_duplicate as i64,
                s.orders as i64,
                s.refunds as i64,
                s.ratings_added as i64,
                s.agents as i64
            ],
        )?;
        self.tx.commit()?;
        phase.done("finish: commit");
        if let Some(keys) = self.live {
            keys.committed();
        }
        Ok((self.summary, kept))
    }
}

/// The time of a store's latest message, decoded from its last day of messages.
fn latest_message_time(conn: &Connection, store_id: i64) -> Result<Option<Millis>> {
    let day: Option<i32> = conn.query_row(
        "SELECT MAX(day) FROM message_days WHERE store_id = ?1",
        [store_id],
        |r| r.get(0),
    )?;
    let Some(day) = day.map(Day) else {
        return Ok(None);
    };
    let mut messages = Vec::new();
    for (events, _) in day_blobs(conn, store_id, day)? {
        chunk::decode_messages(day, &events, &mut messages)?;
    }
    Ok(messages.iter().map(|m| m.time).max())
}

/// The days of `[from, to]` a store has messages on, in order.
pub(crate) fn stored_days(
    conn: &Connection,
    store_id: i64,
    from: Day,
    to: Day,
) -> Result<Vec<Day>> {
    let mut st = conn.prepare_cached(
        "SELECT day FROM message_days WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
    )?;
    Ok(st
        .query_map(params![store_id, from.0, to.0], |r| Ok(Day(r.get(0)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Writes `stores.last_message_at` from the store's last day of messages.
fn refresh_last_message_at(conn: &Connection, store_id: i64) -> Result<()> {
    let last = latest_message_time(conn, store_id)?;
    conn.execute(
        "UPDATE stores SET last_message_at = ?2 WHERE id = ?1",
        params![store_id, last],
    )?;
    Ok(())
}

/// Fills in `stores.last_message_at` for the stores with messages that do not have it yet
/// (databases from before schema 22), once.
fn fill_last_message_at(conn: &mut Connection) -> Result<()> {
    let missing: Vec<i64> = {
        let mut st = conn.prepare(
            "SELECT id FROM stores WHERE last_message_at IS NULL
               AND EXISTS (SELECT 1 FROM message_days WHERE store_id = stores.id)",
        )?;
        st.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    if missing.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for id in missing {
        refresh_last_message_at(&tx, id)?;
    }
    tx.commit()?;
    Ok(())
}

fn select_stores(conn: &Connection, store: Option<&str>) -> Result<Vec<StoreInfo>> {
    let mut st =
        conn.prepare("SELECT id, name FROM stores WHERE ?1 IS NULL OR name = ?1 ORDER BY name")?;
    let rows = st.query_map([store], |r| {
        Ok(StoreInfo {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    let v: Vec<StoreInfo> = rows.collect::<rusqlite::Result<_>>()?;
    if let (Some(name), true) = (store, v.is_empty()) {
        return Err(StoreError::UnknownStore(name.to_string()));
    }
    Ok(v)
}

pub(crate) fn ensure_store(tx: &Transaction, name: &str) -> Result<(i64, u64, Option<String>)> {
    tx.execute("INSERT OR IGNORE INTO stores (name) VALUES (?1)", [name])?;
    Ok(tx.query_row(
        "SELECT id, next_seq, settings FROM stores WHERE name = ?1",
        [name],
        |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?)),
    )?)
}

pub(crate) fn load_names(conn: &Connection, store_id: i64) -> Result<Names> {
    let mut st = conn.prepare_cached(
        "SELECT first_id, text, ends FROM store_name_chunks WHERE store_id = ?1 ORDER BY first_id",
    )?;
    let mut rows = st.query([store_id])?;
    let mut text = String::new();
    let mut offsets = Vec::new();
    while let Some(row) = rows.next()? {
        // Each chunk goes on where the one before it ended.
        let first: i64 = row.get(0)?;
        if first != offsets.len() as i64 {
            return Err(StoreError::Names(store_id));
        }
        let chunk = std::str::from_utf8(names_bytes(row.get_ref(1)?, store_id)?)
            .map_err(|_| StoreError::Names(store_id))?;
        let mut end = text.len();
        text.push_str(chunk);
        let lengths = names_bytes(row.get_ref(2)?, store_id)?;
        // A varint a name, most of one byte: room for them all at once, not by doubling.
        offsets.reserve(lengths.len());
        let mut r = chunk::Varints::new(lengths);
        for len in r.by_ref() {
            end = end.saturating_add(len as usize);
            offsets.push(end);
        }
        if r.failed() || end != text.len() {
            return Err(StoreError::Names(store_id));
        }
    }
    Names::from_parts(text, offsets).ok_or(StoreError::Names(store_id))
}

/// A column of a names chunk: the text is written as TEXT, the lengths as a BLOB.
fn names_bytes(v: rusqlite::types::ValueRef<'_>, store_id: i64) -> Result<&[u8]> {
    match v {
        rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => Ok(b),
        _ => Err(StoreError::Names(store_id)),
    }
}

/// Saves a store's names from id `saved` on (those before are stored) as one more chunk,
/// merged with the chunks before it while they hold no more than twice as many names: each
/// name is thus rewritten a few times over the store's life at most, and a store keeps a
/// chunk per halving of its size, not one per import.
fn save_names(tx: &Transaction, store_id: i64, names: &Names, saved: usize) -> Result<()> {
    let (text, ends) = names.parts();
    let firsts: Vec<usize> = tx
        .prepare_cached(
            "SELECT first_id FROM store_name_chunks WHERE store_id = ?1 ORDER BY first_id",
        )?
        .query_map([store_id], |r| r.get::<_, i64>(0))?
        .map(|f| f.map(|f| f.max(0) as usize))
        .collect::<rusqlite::Result<_>>()?;
    let mut first = saved.min(ends.len());
    for &before in firsts.iter().rev() {
        if before >= first {
            continue;
        }
        if first - before > 2 * (ends.len() - first) {
            break;
        }
        first = before;
    }
    let start = first
        .checked_sub(1)
        .map_or(Some(0), |i| ends.get(i).copied());
    let (Some(start), Some(new)) = (start, ends.get(first..)) else {
        return Err(StoreError::Names(store_id));
    };
    let chunk_text = text.get(start..).ok_or(StoreError::Names(store_id))?;
    let mut lengths = Vec::with_capacity(new.len() * 2);
    let mut at = start;
    for &end in new {
        chunk::put(&mut lengths, (end - at) as u64);
        at = end;
    }
    tx.prepare_cached("DELETE FROM store_name_chunks WHERE store_id = ?1 AND first_id >= ?2")?
        .execute(params![store_id, first as i64])?;
    tx.prepare_cached(
        "INSERT INTO store_name_chunks (store_id, first_id, text, ends) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![store_id, first as i64, chunk_text, lengths])?;
    Ok(())
}

/// Maps a batch's name ids to the store's.
struct NameMap {
    to_store: Vec<Option<NameId>>,
    /// Every batch name the store holds is mapped: a name not mapped is new to the store.
    complete: bool,
}

/// How a batch's names are looked up in the store's before they are interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LookUp {
    /// One by one as they are interned (few names: nothing to gain).
    OneByOne,
    /// In the store's table, in parallel.
    Table,
    /// By a pass over every store name, without building the store's table.
    Scan,
}

/// Passes over every store name one import session may make instead of building the store's
/// table: a pass costs a hash of each name, the table a hash and an insert into a table much
/// larger than the caches (several times a pass), so a few passes cost less and a session of
/// many batches builds the table once.
const SCANS_PER_SESSION: u32 = 4;

/// A batch naming at least this share of the store's names (1/N) builds the table at once
/// instead of passing over the names: it comes from a bulk import, whose batches of half a
/// million messages each name about as many buyers, and would pay the passes and then the
/// table (a month into a year's store: 0.4–0.6 s of reading). A day's import or a roster
/// names far fewer and still passes.
const SCAN_BELOW_SHARE: usize = 32;

impl NameMap {
    fn new(batch: &ImportBatch) -> NameMap {
        NameMap {
            to_store: vec![None; batch.names.len()],
            complete: false,
        }
    }

    /// How to look up a batch's names in a store's `names`, `scans` passes made so far.
    fn how(batch: &ImportBatch, names: &Names, scans: u32) -> LookUp {
        // Below this the store's table fits in cache and threads cost more than they save.
        const PARALLEL_FROM: usize = 1 << 14;
        // A store of a year holds millions of names; an import of a day or a roster names a
        // few thousand of them. Hashing every stored name into a table for those few cost
        // seconds (a whole year's names, for a one-row roster file).
        const SCAN_FROM: usize = 1 << 16;
        if !names.is_indexed()
            && names.len() >= SCAN_FROM
            && scans < SCANS_PER_SESSION
            && batch.names.len().saturating_mul(SCAN_BELOW_SHARE) < names.len()
        {
            LookUp::Scan
        } else if names.len() >= PARALLEL_FROM && batch.names.len() >= PARALLEL_FROM {
            LookUp::Table
        } else {
            LookUp::OneByOne
        }
    }

    /// Maps the batch's names the store already has. A shuffled file names nearly every
    /// buyer in every batch, and looking each up in a table of all the store's names (a cache
    /// miss or two a name) was two thirds of the session's own thread: the table is read on
    /// the pool. What [`NameMap::get`] then interns one by one, in the order the messages name
    /// them, are only the names new to the store, so the ids it hands out are the same as
    /// interning every name one by one gives.
    fn look_up_known(&mut self, batch: &ImportBatch, names: &Names, how: LookUp) {
        let found: Vec<Option<NameId>> = match how {
            LookUp::OneByOne => return,
            LookUp::Table => (0..batch.names.len() as NameId)
                .into_par_iter()
                .with_min_len(4096)
                .map(|id| names.get(batch.names.name(id)))
                .collect(),
            LookUp::Scan => {
                // Each slice of the store's ids finds the batch names in it; the first id of a
                // name wins, as the table's look-up gives (a name is stored once).
                const SLICE: usize = 1 << 16;
                let slices: Vec<Vec<(NameId, NameId)>> = (0..names.len().div_ceil(SLICE))
                    .into_par_iter()
                    .map(|k| {
                        let ids =
                            (k * SLICE) as NameId..((k + 1) * SLICE).min(names.len()) as NameId;
                        ids.filter_map(|id| batch.names.get(names.name(id)).map(|b| (b, id)))
                            .collect()
                    })
                    .collect();
                let mut found = vec![None; batch.names.len()];
                for (b, id) in slices.into_iter().flatten() {
                    if let Some(slot @ None) = found.get_mut(b as usize) {
                        *slot = Some(id);
                    }
                }
                found
            }
        };
        for (slot, found) in self.to_store.iter_mut().zip(found) {
            if slot.is_none() {
                *slot = found;
            }
        }
        self.complete = true;
    }

    fn get(&mut self, batch: &ImportBatch, names: &mut Names, id: NameId) -> NameId {
        if let Some(Some(s)) = self.to_store.get(id as usize) {
            return *s;
        }
        let name = batch.names.name(id);
        let s = if self.complete {
            names.push_new(name)
        } else {
            names.intern(name)
        };
        if let Some(slot) = self.to_store.get_mut(id as usize) {
            *slot = Some(s);
        }
        s
    }
}

/// A message to be written, borrowing its texts from the batch or from a decoded day.
struct Entry<'a> {
    message: Message,
    msg_id: Option<&'a str>,
    text: &'a str,
}

/// The new messages of one day from one batch, deduplicated among themselves, sorted by
/// (time, seq) and encoded: they wait for the end of the session to be merged with the
/// day's stored messages and with the other batches' parts of the day. A file that comes in
/// several batches, or in random order, thus writes each day once, not once per batch.
#[derive(Clone)]
struct Part {
    messages: usize,
    texts: Staged,
}

/// A part's blobs: plain while the session's room for plain texts lasts
/// ([`PLAIN_STAGED_BYTES`]), then compressed as stored.
#[derive(Clone)]
enum Staged {
    Plain(chunk::Plain),
    Compressed(chunk::Encoded),
}

/// Bytes of text an import session keeps uncompressed in its parts: a part's texts are
/// otherwise compressed when staged and decompressed again (and checked for UTF-8) when its
/// day is merged. A quarter of the texts of a shuffled file of ten million messages: twice
/// that raised the end of its reading from 0.9 to 1.3 GB, near the recompute's peak.
const PLAIN_STAGED_BYTES: usize = 128 << 20;

/// A batch's messages of one day, copied out of the batch in its order: a shuffled file's
/// batch spans every day, and sorting and encoding each day straight from the batch read it
/// at random, a cache miss or two a message; a day copied out is sorted and encoded within
/// the cache.
#[derive(Default)]
struct DayBucket {
    day: Day,
    messages: Vec<Copied>,
    /// Each message's id (when it has one), then its text.
    text: String,
    /// The messages and bytes of text the batch has for the day, counted before copying.
    size: (usize, usize),
}

/// A message in a [`DayBucket`]: its id is `text[start..split]` when it has one, its text
/// `text[split..end]`.
struct Copied {
    message: Message,
    has_id: bool,
    start: usize,
    split: usize,
    end: usize,
}

/// Days merged at a time at the end of a session: each is decoded whole, texts included.
const DAYS_PER_MERGE: usize = 4;

/// Whether a message was seen before: by its source id when it has one, else by its content.
struct Seen<'a> {
    by_id: FxHashSet<&'a str>,
    by_tuple: FxHashSet<(Millis, NameId, NameId, u8, &'a str)>,
}

impl<'a> Seen<'a> {
    /// Room for `n` messages in the table messages like the first go to (by id when it has
    /// one): grown step by step, each step rehashed every text seen so far, which was a
    /// twelfth of a sorted import's CPU while it read and staged the files.
    fn with_room(n: usize, first_has_id: Option<bool>) -> Self {
        let mut seen = Seen {
            by_id: FxHashSet::default(),
            by_tuple: FxHashSet::default(),
        };
        match first_has_id {
            Some(true) => seen.by_id.reserve(n),
            Some(false) => seen.by_tuple.reserve(n),
            None => {}
        }
        seen
    }

    /// What messages are told apart by: the source id when there is one, else the content.
    fn key<'e>(e: &Entry<'e>) -> SeenKey<'e> {
        let m = &e.message;
        match e.msg_id {
            Some(id) => SeenKey::Id(id),
            None => SeenKey::Content((m.time, m.buyer, m.account, m.sender.code(), e.text)),
        }
    }

    /// A hash of [`Seen::key`]: alike for two messages [`Seen::insert`] takes as one.
    fn key_hash(e: &Entry) -> u64 {
        let mut h = FxHasher::default();
        Seen::key(e).hash(&mut h);
        h.finish()
    }

    /// Notes `e`; false when it was seen already.
    fn insert(&mut self, e: &Entry<'a>) -> bool {
        match Seen::key(e) {
            SeenKey::Id(id) => self.by_id.insert(id),
            SeenKey::Content(content) => self.by_tuple.insert(content),
        }
    }
}

/// [`Seen::key`]: a message's source id, or its (time, buyer, account, sender, text).
#[derive(Hash)]
enum SeenKey<'a> {
    Id(&'a str),
    Content((Millis, NameId, NameId, u8, &'a str)),
}

/// The key hashes ([`Seen::key_hash`]) of `new` messages that another new message or an `old`
/// one has too: only messages of these hashes can repeat one another.
fn repeated_hashes(old: &[u64], new: &[u64]) -> FxHashSet<u64> {
    let mut sorted = new.to_vec();
    sorted.par_sort_unstable();
    let mut repeated: FxHashSet<u64> = sorted
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    let in_old: Vec<u64> = old
        .par_iter()
        .filter(|h| sorted.binary_search(h).is_ok())
        .copied()
        .collect();
    repeated.extend(in_old);
    repeated
}

/// Interns a batch's messages of store `bs` into the store's names, notes its accounts and
/// bots, and stages the messages as one [`Part`] per day. Returns how far the batch's `seq`s
/// go (the next batch's start after `next_seq`). `buckets` are kept between batches for
/// their memory; `plain_room` is what is left of [`PLAIN_STAGED_BYTES`].
#[allow(clippy::too_many_arguments)]
fn stage_messages(
    tx: &Transaction,
    store_id: i64,
    next_seq: u64,
    batch: &ImportBatch,
    bs: NameId,
    names: &mut Names,
    map: &mut NameMap,
    parts: &mut BTreeMap<Day, Vec<Part>>,
    buckets: &mut Vec<DayBucket>,
    plain_room: &mut usize,
    summary: &mut ImportSummary,
) -> Result<u64> {
    if !batch.messages.iter().any(|m| m.store == bs) {
        return Ok(0);
    }
    // Which batch names are accounts (2) or bots (3), by batch id: cheaper than a set per row.
    let mut role = vec![0u8; batch.names.len()];
    let mut max_seq = 0;
    let mine = || batch.messages.iter().filter(|m| m.store == bs);
    // A file in time order is staged straight from the batch, which it reads in order.
    let in_order = mine().map(|m| (m.message.time, m.message.seq)).is_sorted();
    // Otherwise into buckets by day in the order the batch first names each day, each sized
    // first: grown step by step, they held up to twice what they needed between batches.
    let mut bucket_of: FxHashMap<Day, usize> = FxHashMap::default();
    let mut bucket_ks: Vec<usize> = Vec::new();
    if !in_order {
        bucket_ks.reserve(batch.messages.len());
        for im in mine() {
            let day = Day::of(im.message.time);
            let used = bucket_of.len();
            let k = *bucket_of.entry(day).or_insert(used);
            if k == buckets.len() {
                buckets.push(DayBucket::default());
            }
            if let Some(b) = buckets.get_mut(k) {
                b.day = day;
                b.size.0 += 1;
                b.size.1 += im.msg_id.map_or(0, |r| r.len as usize) + im.text.len as usize;
            }
            bucket_ks.push(k);
        }
        for b in buckets.iter_mut().take(bucket_of.len()) {
            b.messages.reserve_exact(std::mem::take(&mut b.size.0));
            b.text.reserve_exact(std::mem::take(&mut b.size.1));
        }
    }
    let mut ks = bucket_ks.into_iter();
    // In order: the messages as the store has them, beside the batch's.
    let mut mapped: Vec<(Message, &ImportedMessage)> = Vec::new();
    for im in mine() {
        let mut m = im.message;
        // Interned in the order the messages name them, which decides the store's ids.
        m.buyer = map.get(batch, names, m.buyer);
        m.account = map.get(batch, names, im.message.account);
        m.transfer_to = m.transfer_to.map(|t| map.get(batch, names, t));
        if let Some(r) = role.get_mut(im.message.account as usize) {
            *r = (*r).max(if m.sender == Sender::Bot { 3 } else { 2 });
        }
        max_seq = max_seq.max(m.seq + 1);
        m.seq += next_seq;
        if in_order {
            mapped.push((m, im));
            continue;
        }
        let Some(b) = ks.next().and_then(|k| buckets.get_mut(k)) else {
            continue; // unreachable: every message got its bucket above
        };
        let start = b.text.len();
        if let Some(r) = im.msg_id {
            b.text.push_str(batch.text(r));
        }
        let split = b.text.len();
        b.text.push_str(batch.text(im.text));
        b.messages.push(Copied {
            message: m,
            has_id: im.msg_id.is_some(),
            start,
            split,
            end: b.text.len(),
        });
    }
    let store_id_of = |id: usize| map.to_store.get(id).copied().flatten();
    let accounts: BTreeSet<NameId> = role
        .iter()
        .enumerate()
        .filter(|(_, r)| **r >= 2)
        .filter_map(|(id, _)| store_id_of(id))
        .collect();
    let bots: BTreeSet<NameId> = role
        .iter()
        .enumerate()
        .filter(|(_, r)| **r == 3)
        .filter_map(|(id, _)| store_id_of(id))
        .collect();
    // A part stays plain only where its day has a part already: such a day is merged, and a
    // day's only part is compressed at once (plain, it would be compressed at the merge).
    let mut plain_for = |day: Day, bytes: usize| {
        let plain = parts.contains_key(&day) && bytes <= *plain_room;
        if plain {
            *plain_room -= bytes;
        }
        plain
    };
    let staged: Vec<(Day, Part, u64)> = if in_order {
        let days: Vec<_> = mapped
            .chunk_by(|a, b| Day::of(a.0.time) == Day::of(b.0.time))
            .map(|run| {
                let bytes = run
                    .iter()
                    .map(|(_, im)| im.msg_id.map_or(0, |r| r.len as usize) + im.text.len as usize)
                    .sum();
                // `chunk_by` makes no empty run.
                let day = Day::of(run[0].0.time);
                (day, run, plain_for(day, bytes))
            })
            .collect();
        days.par_iter()
            .map(|&(day, run, plain)| {
                let entries = run.iter().map(|&(message, im)| Entry {
                    message,
                    msg_id: im.msg_id.map(|r| batch.text(r)),
                    text: batch.text(im.text),
                });
                let (part, duplicates) = stage_entries(day, entries, run.len(), plain);
                (day, part, duplicates)
            })
            .collect()
    } else {
        let n = bucket_of.len().min(buckets.len());
        let used = &mut buckets[..n];
        used.sort_unstable_by_key(|b| b.day);
        let plain: Vec<bool> = used
            .iter()
            .map(|b| plain_for(b.day, b.text.len()))
            .collect();
        used.par_iter_mut()
            .zip(plain.par_iter())
            .map(|(b, &plain)| {
                let staged = stage_day(b, plain);
                b.messages.clear();
                b.text.clear();
                staged
            })
            .collect()
    };
    for (day, part, duplicates) in staged {
        summary.messages_duplicate += duplicates;
        parts.entry(day).or_default().push(part);
    }
    let mut acc = tx.prepare_cached(
        "INSERT OR IGNORE INTO accounts (store_id, account_id, name) VALUES (?1, ?2, ?3)",
    )?;
    for &a in &accounts {
        acc.execute(params![store_id, a, names.name(a)])?;
    }
    let mut bot = tx
        .prepare_cached("UPDATE accounts SET is_bot = 1 WHERE store_id = ?1 AND account_id = ?2")?;
    for b in &bots {
        bot.execute(params![store_id, b])?;
    }
    Ok(max_seq)
}

/// One batch's messages of a day copied out: sorted by (time, seq) and staged.
fn stage_day(b: &mut DayBucket, plain: bool) -> (Day, Part, u64) {
    // Stable: messages of equal (time, seq) keep the batch's order, as one batch of them all
    // would have them.
    b.messages.sort_by_key(|c| (c.message.time, c.message.seq));
    let text = &b.text;
    let entries = b.messages.iter().map(|c| Entry {
        message: c.message,
        msg_id: c.has_id.then(|| text.get(c.start..c.split).unwrap_or("")),
        text: text.get(c.split..c.end).unwrap_or(""),
    });
    let (part, duplicates) = stage_entries(b.day, entries, b.messages.len(), plain);
    (b.day, part, duplicates)
}

/// `n` messages of one batch and day, in (time, seq) order, deduplicated among themselves and
/// encoded as a [`Part`], with how many were dropped as duplicates.
fn stage_entries<'a>(
    day: Day,
    messages: impl Iterator<Item = Entry<'a>>,
    n: usize,
    plain: bool,
) -> (Part, u64) {
    let mut seen: Option<Seen> = None;
    let mut entries: Vec<Entry> = Vec::with_capacity(n);
    let mut duplicates = 0;
    for e in messages {
        let seen = seen.get_or_insert_with(|| Seen::with_room(n, Some(e.msg_id.is_some())));
        if seen.insert(&e) {
            entries.push(e);
        } else {
            duplicates += 1;
        }
    }
    drop(seen);
    let texts = if plain {
        Staged::Plain(chunk::Plain::encode(day, &entries))
    } else {
        Staged::Compressed(chunk::encode(day, &entries))
    };
    let part = Part {
        messages: entries.len(),
        texts,
    };
    (part, duplicates)
}

impl chunk::ToStore for Entry<'_> {
    fn message(&self) -> &Message {
        &self.message
    }
    fn msg_id(&self) -> Option<&str> {
        self.msg_id
    }
    fn text(&self) -> &str {
        self.text
    }
}

/// One day's messages after merging, ready to write.
struct DayOut {
    day: Day,
    messages: usize,
    added: u64,
    duplicates: u64,
    blobs: Option<chunk::Encoded>,
}

/// Writes the staged parts of a store's days: each day's stored messages are kept, the new
/// ones of all parts are taken in (time, seq) order, whatever batch they came in, and those
/// seen already are dropped. A new day of one part is written as it was staged. In a live fold
/// (`live`) a day that has messages gets the new ones appended as a part ([`append_day`]);
/// otherwise the day is rewritten whole, its parts merged into its row.
fn merge_parts(
    tx: &Transaction,
    store_id: i64,
    parts: BTreeMap<Day, Vec<Part>>,
    touched: &mut BTreeSet<Day>,
    summary: &mut ImportSummary,
    mut live: Option<&mut DayKeys>,
) -> Result<Option<Day>> {
    let mut last_written = None;
    let mut whole: BTreeMap<Day, Vec<Part>> = BTreeMap::new();
    for (day, day_parts) in parts {
        let Some(keys) = live.as_deref_mut() else {
            whole.insert(day, day_parts);
            continue;
        };
        let stored = stored_messages(tx, store_id, day)?;
        let appended = match stored {
            Some(stored) => append_day(tx, store_id, day, &day_parts, stored, keys)?,
            None => None,
        };
        match appended {
            Some(a) => {
                summary.messages_duplicate += a.duplicates;
                if a.added > 0 {
                    summary.messages_added += a.added;
                    touched.insert(day);
                    last_written = last_written.max(Some(day));
                }
            }
            None => {
                keys.forget(store_id, day);
                whole.insert(day, day_parts);
            }
        }
    }
    let mut load = tx.prepare_cached(
        "SELECT events, texts FROM message_days WHERE store_id = ?1 AND day = ?2
         UNION ALL SELECT events, texts FROM message_parts WHERE store_id = ?1 AND day = ?2",
    )?;
    let mut save = tx.prepare_cached(
        "INSERT OR REPLACE INTO message_days (store_id, day, messages, events, texts) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut drop_parts =
        tx.prepare_cached("DELETE FROM message_parts WHERE store_id = ?1 AND day = ?2")?;
    let mut days = whole.into_iter();
    // A round of days merges on the pool while the connection's thread writes the round
    // before it: writing a day's blobs costs about what merging its parts does, and one after
    // the other left the pool idle while the blobs were written.
    std::thread::scope(|scope| -> Result<()> {
        let mut running: Option<std::thread::ScopedJoinHandle<'_, Vec<Result<DayOut>>>> = None;
        loop {
            let round: Vec<(Day, Vec<Part>)> = days.by_ref().take(DAYS_PER_MERGE).collect();
            let next = if round.is_empty() {
                None
            } else {
                let mut existing = Vec::with_capacity(round.len());
                for (day, _) in &round {
                    let blobs = load
                        .query_map(params![store_id, day.0], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<rusqlite::Result<Vec<(Vec<u8>, Vec<u8>)>>>()?;
                    existing.push(blobs);
                }
                Some(scope.spawn(move || {
                    round
                        .into_par_iter()
                        .zip(existing.into_par_iter())
                        .map(|((day, mut parts), old)| merge_day(day, &mut parts, old))
                        .collect::<Vec<_>>()
                }))
            };
            if let Some(merging) = running.take() {
                // A panic while merging goes on as the pool's own would.
                let outs = merging
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for out in outs {
                    let out = out?;
                    summary.messages_duplicate += out.duplicates;
                    if let Some(blobs) = out.blobs {
                        if out.added > 0 {
                            summary.messages_added += out.added;
                            touched.insert(out.day);
                            last_written = last_written.max(Some(out.day));
                        }
                        save.execute(params![
                            store_id,
                            out.day.0,
                            out.messages as i64,
                            blobs.events,
                            blobs.texts
                        ])?;
                        drop_parts.execute(params![store_id, out.day.0])?;
                    }
                }
            }
            match next {
                Some(merging) => running = Some(merging),
                None => return Ok(()),
            }
        }
    })?;
    Ok(last_written)
}

/// Blobs decoded: the engine's messages and their texts, which [`entries_of`] reads in place
/// (no allocation per message).
type Decoded = (Vec<Message>, DecodedTexts);

enum DecodedTexts {
    /// A stored blob's text blocks, decompressed.
    Blocks(Vec<Vec<u8>>),
    /// A part staged plain, taken as it is.
    Plain(chunk::Plain),
}

fn decode_blobs(day: Day, events: &[u8], texts: &[u8]) -> Result<Decoded> {
    let mut messages = Vec::new();
    chunk::decode_messages(day, events, &mut messages)?;
    Ok((
        messages,
        DecodedTexts::Blocks(chunk::decompress_texts(day, texts)?),
    ))
}

fn decode_part(day: Day, part: Part) -> Result<Decoded> {
    match part.texts {
        Staged::Compressed(blobs) => decode_blobs(day, &blobs.events, &blobs.texts),
        Staged::Plain(plain) => {
            let mut messages = Vec::with_capacity(part.messages);
            chunk::decode_messages(day, &plain.events, &mut messages)?;
            Ok((messages, DecodedTexts::Plain(plain)))
        }
    }
}

/// The messages of decoded blobs, in the blobs' order, their texts borrowed.
fn entries_of(day: Day, decoded: &[Decoded]) -> Result<Vec<Entry<'_>>> {
    let mut all: Vec<Entry> = Vec::with_capacity(decoded.iter().map(|d| d.0.len()).sum());
    for (messages, texts) in decoded {
        let texts = match texts {
            DecodedTexts::Blocks(plain) => chunk::text_refs(day, plain, messages.len())?,
            DecodedTexts::Plain(plain) => plain.text_refs(day, messages.len())?,
        };
        all.extend(messages.iter().zip(texts).map(|(m, (msg_id, text))| Entry {
            message: *m,
            msg_id,
            text,
        }));
    }
    Ok(all)
}

/// Sorts entries by (time, seq), those alike kept in their order. In place: sorting keys
/// apart and moving each entry once cost three times as much in a shuffled import's merge,
/// its two new vectors' fresh pages included (freed memory goes back at once there).
fn in_time_order(entries: &mut [Entry<'_>]) {
    // Parts of a file in time order follow one another.
    if !entries.is_sorted_by_key(|e| (e.message.time, e.message.seq)) {
        entries.sort_by_key(|e| (e.message.time, e.message.seq));
    }
}

/// How many messages a store-day holds (its row and its parts); `None` when it has no row.
fn stored_messages(conn: &Connection, store_id: i64, day: Day) -> Result<Option<u64>> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT messages, (SELECT COALESCE(SUM(messages), 0) FROM message_parts
                               WHERE store_id = ?1 AND day = ?2)
             FROM message_days WHERE store_id = ?1 AND day = ?2",
        )?
        .query_row(params![store_id, day.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.map(|(a, b)| (a + b).max(0) as u64))
}

/// The stored blobs (events, texts) of a store-day: its row, then its parts.
pub(crate) fn day_blobs(
    conn: &Connection,
    store_id: i64,
    day: Day,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut st = conn.prepare_cached(
        "SELECT events, texts FROM message_days WHERE store_id = ?1 AND day = ?2
         UNION ALL SELECT events, texts FROM message_parts WHERE store_id = ?1 AND day = ?2",
    )?;
    Ok(st
        .query_map(params![store_id, day.0], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every stored message of a store-day, texts included, in (time, seq) order: the order of
/// a day written whole.
pub(crate) fn day_messages(
    conn: &Connection,
    store_id: i64,
    day: Day,
) -> Result<Vec<chunk::StoredMessage>> {
    let blobs = day_blobs(conn, store_id, day)?;
    let mut out = Vec::new();
    for (events, texts) in &blobs {
        out.extend(chunk::decode_full(day, events, texts)?);
    }
    if blobs.len() > 1 {
        out.sort_by_key(|m| (m.message.time, m.message.seq));
    }
    Ok(out)
}

/// Parts of one level merged into one of the next level: a day of F^n folds has at most
/// (F - 1) parts per level and n levels, and each message is rewritten once per level.
const PART_FANOUT: usize = 8;

/// What [`append_day`] did.
struct Appended {
    added: u64,
    duplicates: u64,
}

/// Appends the new messages of `parts` to a store-day that holds `stored` messages, as one
/// part of level 0, when the day's keys show none of them was stored before; `None` when one
/// may have been (then the day is merged whole, which decides exactly). The messages of the
/// batch are deduplicated among themselves in (time, seq) order as [`merge_day`] does.
fn append_day(
    tx: &Transaction,
    store_id: i64,
    day: Day,
    parts: &[Part],
    stored: u64,
    keys: &mut DayKeys,
) -> Result<Option<Appended>> {
    let mut decoded = Vec::with_capacity(parts.len());
    for part in parts {
        // A live fold's parts are small; they are kept for the whole-day merge.
        decoded.push(decode_part(day, part.clone())?);
    }
    let mut new = entries_of(day, &decoded)?;
    in_time_order(&mut new);
    let mut seen = Seen::with_room(new.len(), new.first().map(|e| e.msg_id.is_some()));
    let mut fresh: Vec<Entry> = Vec::with_capacity(new.len());
    let mut duplicates = 0;
    for e in new {
        if seen.insert(&e) {
            fresh.push(e);
        } else {
            duplicates += 1;
        }
    }
    drop(seen);
    let fresh_keys: Vec<u64> = fresh
        .iter()
        .map(|e| day_keys::key(&e.message, e.msg_id, e.text))
        .collect();
    if keys.get(store_id, day, stored).is_none() {
        let mut all = FxHashSet::default();
        for m in day_messages(tx, store_id, day)? {
            all.insert(day_keys::key(&m.message, m.msg_id.as_deref(), &m.text));
        }
        keys.put(store_id, day, stored, all);
    }
    let Some(known) = keys.get(store_id, day, stored) else {
        return Ok(None);
    };
    if fresh_keys.iter().any(|k| known.contains(k)) {
        return Ok(None);
    }
    if fresh.is_empty() {
        return Ok(Some(Appended {
            added: 0,
            duplicates,
        }));
    }
    known.extend(fresh_keys);
    let added = fresh.len() as u64;
    keys.changed(store_id, day, stored + added);
    let blobs = chunk::encode(day, &fresh);
    tx.prepare_cached(
        "INSERT INTO message_parts (store_id, day, level, messages, events, texts)
         VALUES (?1, ?2, 0, ?3, ?4, ?5)",
    )?
    .execute(params![
        store_id,
        day.0,
        added as i64,
        blobs.events,
        blobs.texts
    ])?;
    compact_parts(tx, store_id, day)?;
    Ok(Some(Appended { added, duplicates }))
}

/// Merges a store-day's parts of a level into one of the next level wherever a level holds
/// [`PART_FANOUT`] of them (the messages of parts are distinct: only their order is merged).
fn compact_parts(tx: &Transaction, store_id: i64, day: Day) -> Result<()> {
    for level in 0.. {
        let mut st = tx.prepare_cached(
            "SELECT id, events, texts FROM message_parts
             WHERE store_id = ?1 AND day = ?2 AND level = ?3 ORDER BY id",
        )?;
        let rows = st
            .query_map(params![store_id, day.0, level], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.len() < PART_FANOUT {
            return Ok(());
        }
        let mut decoded = Vec::with_capacity(rows.len());
        for (_, events, texts) in &rows {
            decoded.push(decode_blobs(day, events, texts)?);
        }
        let mut all = entries_of(day, &decoded)?;
        in_time_order(&mut all);
        let blobs = chunk::encode(day, &all);
        let mut delete = tx.prepare_cached("DELETE FROM message_parts WHERE id = ?1")?;
        for (id, _, _) in &rows {
            delete.execute([id])?;
        }
        tx.prepare_cached(
            "INSERT INTO message_parts (store_id, day, level, messages, events, texts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            store_id,
            day.0,
            level + 1,
            all.len() as i64,
            blobs.events,
            blobs.texts
        ])?;
    }
    Ok(())
}

fn merge_day(day: Day, parts: &mut Vec<Part>, old: Vec<(Vec<u8>, Vec<u8>)>) -> Result<DayOut> {
    if old.is_empty()
        && parts.len() == 1
        && let Some(part) = parts.pop()
    {
        // Already deduplicated and in order: as staged, compressed if it was not.
        let messages = part.messages;
        let blobs = match part.texts {
            Staged::Compressed(blobs) => blobs,
            plain @ Staged::Plain(_) => {
                let decoded = [decode_part(
                    day,
                    Part {
                        messages,
                        texts: plain,
                    },
                )?];
                chunk::encode(day, &entries_of(day, &decoded)?)
            }
        };
        return Ok(DayOut {
            day,
            messages,
            added: messages as u64,
            duplicates: 0,
            blobs: Some(blobs),
        });
    }
    // Every blob decoded first, then read in place: no allocation per message.
    let mut decoded: Vec<Decoded> = Vec::with_capacity(parts.len() + 1);
    // The day's row and its parts: distinct messages, each blob in (time, seq) order. A day
    // with parts is written whole even when nothing is added: its parts merge into its row.
    let with_parts = old.len() > 1;
    let mut old_len = 0;
    for (events, texts) in &old {
        let d = decode_blobs(day, events, texts)?;
        old_len += d.0.len();
        decoded.push(d);
    }
    drop(old);
    for part in parts.drain(..) {
        decoded.push(decode_part(day, part)?);
    }
    let mut all = entries_of(day, &decoded)?;
    // Batch by batch each part is in order; together they are put in the order one batch of
    // all of them would have had, so which of two duplicates is kept never depends on how
    // the input was cut into batches.
    let (mut entries, mut new) = if old_len == 0 {
        // A new day: nothing to split off (a copy of every entry).
        (Vec::new(), all)
    } else {
        let new = all.split_off(old_len);
        (all, new)
    };
    in_time_order(&mut new);
    // Only messages whose keys hash alike can repeat one another: the table of every key of
    // the day (a cache miss or two a message) is kept for those, usually none.
    let hashes = |of: &[Entry]| -> Vec<u64> { of.par_iter().map(Seen::key_hash).collect() };
    let (old_hashes, new_hashes) = (hashes(&entries), hashes(&new));
    let repeated = repeated_hashes(&old_hashes, &new_hashes);
    let before = entries.len();
    let fresh = new.len();
    if !repeated.is_empty() {
        let mut seen = Seen::with_room(0, None);
        for (e, h) in entries.iter().zip(&old_hashes) {
            if repeated.contains(h) {
                seen.insert(e);
            }
        }
        // Kept in place, each vector's pages touched once: a day allocates its entries afresh.
        let mut new_hashes = new_hashes.iter();
        new.retain(|e| !new_hashes.next().is_some_and(|h| repeated.contains(h)) || seen.insert(e));
    }
    let duplicates = (fresh - new.len()) as u64;
    if entries.is_empty() {
        entries = new;
    } else {
        entries.append(&mut new);
    }
    let added = (entries.len() - before) as u64;
    if added == 0 && !with_parts {
        return Ok(DayOut {
            day,
            messages: entries.len(),
            added,
            duplicates,
            blobs: None,
        });
    }
    if before > 0 {
        in_time_order(&mut entries);
    }
    Ok(DayOut {
        day,
        messages: entries.len(),
        added,
        duplicates,
        blobs: Some(chunk::encode(day, &entries)),
    })
}

#[allow(clippy::too_many_arguments)]
fn write_others(
    tx: &Transaction,
    store_id: i64,
    batch: &ImportBatch,
    bs: NameId,
    names: &mut Names,
    map: &mut NameMap,
    touched: &mut BTreeSet<Day>,
    summary: &mut ImportSummary,
) -> Result<()> {
    let had_orders: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE store_id = ?1)",
        [store_id],
        |r| r.get(0),
    )?;
    let mut old_order =
        tx.prepare_cached("SELECT created_at FROM orders WHERE store_id = ?1 AND order_id = ?2")?;
    let mut put_order = tx.prepare_cached(
        // A file without addresses keeps the address a former import stored.
        "INSERT INTO orders (store_id, order_id, buyer_id, created_at, paid_at, closed_at, amount_cents, items,
           deposit_cents, deposit_paid_at, balance_from, balance_to, address)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (store_id, order_id) DO UPDATE SET buyer_id = excluded.buyer_id,
           created_at = excluded.created_at, paid_at = excluded.paid_at,
           closed_at = excluded.closed_at, amount_cents = excluded.amount_cents,
           items = excluded.items, deposit_cents = excluded.deposit_cents,
           deposit_paid_at = excluded.deposit_paid_at, balance_from = excluded.balance_from,
           balance_to = excluded.balance_to, address = COALESCE(excluded.address, orders.address)",
    )?;
    for (_, o) in batch.orders.iter().filter(|o| o.0 == bs) {
        let buyer = map.get(batch, names, o.buyer);
        // A replaced order may move days: its old day must be recomputed too.
        let old: Option<Millis> = if had_orders {
            old_order
                .query_row(params![store_id, o.order_id], |r| r.get(0))
                .optional()?
        } else {
            None
        };
        if let Some(t) = old {
            touched.insert(Day::of(t));
        }
        touched.insert(Day::of(o.created_at));
        put_order.execute(params![
            store_id,
            o.order_id,
            buyer,
            o.created_at,
            o.paid_at,
            o.closed_at,
            o.amount,
            o.items,
            o.presale.map(|p| p.deposit),
            o.presale.and_then(|p| p.deposit_paid_at),
            o.presale.map(|p| p.balance_from),
            o.presale.map(|p| p.balance_to),
            o.address
        ])?;
        summary.orders += 1;
    }
    let mut old_refund = tx.prepare_cached(
        "SELECT requested_at FROM refunds WHERE store_id = ?1 AND refund_id = ?2",
    )?;
    let mut put_refund = tx.prepare_cached(
        "INSERT OR REPLACE INTO refunds (store_id, refund_id, order_id, buyer_id, requested_at, finished_at, amount_cents, status, account_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (_, r) in batch.refunds.iter().filter(|o| o.0 == bs) {
        let buyer = map.get(batch, names, r.buyer);
        let account = r.account.map(|a| map.get(batch, names, a));
        let old: Option<Millis> = old_refund
            .query_row(params![store_id, r.refund_id], |r| r.get(0))
            .optional()?;
        if let Some(t) = old {
            touched.insert(Day::of(t));
        }
        touched.insert(Day::of(r.requested_at));
        put_refund.execute(params![
            store_id,
            r.refund_id,
            r.order_id,
            buyer,
            r.requested_at,
            r.finished_at,
            r.amount,
            r.status.as_str(),
            account
        ])?;
        summary.refunds += 1;
    }
    let mut put_rating = tx.prepare_cached(
        "INSERT OR IGNORE INTO ratings (store_id, time, buyer_id, account_id, score) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut rated = BTreeSet::new();
    for (_, r) in batch.ratings.iter().filter(|o| o.0 == bs) {
        let buyer = map.get(batch, names, r.buyer);
        let account = map.get(batch, names, r.account);
        rated.insert(account);
        if put_rating.execute(params![store_id, r.time, buyer, account, r.score])? > 0 {
            summary.ratings_added += 1;
            touched.insert(Day::of(r.time));
        } else {
            summary.ratings_duplicate += 1;
        }
    }
    // Accounts known only from ratings or refunds are accounts too: reports list them.
    let mut known = tx.prepare_cached(
        "INSERT OR IGNORE INTO accounts (store_id, account_id, name) VALUES (?1, ?2, ?3)",
    )?;
    for (_, r) in batch.refunds.iter().filter(|o| o.0 == bs) {
        if let Some(a) = r.account {
            rated.insert(map.get(batch, names, a));
        }
    }
    for &a in &rated {
        known.execute(params![store_id, a, names.name(a)])?;
    }
    let mut put_agent = tx.prepare_cached(
        "INSERT INTO accounts (store_id, account_id, name, display_name, grp, role, in_roster, is_bot, joined_on, left_on,
                               employee_no, department)
         VALUES (?1, ?2, ?7, ?3, ?4, ?5, 1, ?6, ?8, ?9, ?10, ?11)
         ON CONFLICT (store_id, account_id) DO UPDATE SET display_name = excluded.display_name,
           grp = excluded.grp, role = excluded.role, in_roster = 1, is_bot = MAX(is_bot, excluded.is_bot),
           joined_on = excluded.joined_on, left_on = excluded.left_on,
           employee_no = excluded.employee_no, department = excluded.department",
    )?;
    for (_, a) in batch.agents.iter().filter(|o| o.0 == bs) {
        let Agent {
            account,
            name,
            group,
            role,
            joined,
            left,
            employee_no,
            department,
        } = a;
        let account = map.get(batch, names, *account);
        let is_bot = *role == Some(Role::Bot);
        put_agent.execute(params![
            store_id,
            account,
            name,
            group,
            role.map(Role::as_str),
            is_bot,
            names.name(account),
            joined.map(|d| d.0),
            left.map(|d| d.0),
            employee_no,
            department
        ])?;
        summary.agents += 1;
    }
    Ok(())
}

/// The first and last day with any event. Each MIN and MAX is its own subquery: only then
/// does SQLite answer it with one index seek instead of a scan.
fn day_span(conn: &Connection, store_id: i64) -> Result<Option<(Day, Day)>> {
    let q = |sql: &str| -> Result<(Option<i64>, Option<i64>)> {
        Ok(conn.query_row(sql, [store_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
    };
    let mut lo: Option<i32> = None;
    let mut hi: Option<i32> = None;
    let mut widen = |a: Option<i64>, b: Option<i64>, as_day: fn(i64) -> i32| {
        if let (Some(a), Some(b)) = (a, b) {
            lo = Some(lo.map_or(as_day(a), |l| l.min(as_day(a))));
            hi = Some(hi.map_or(as_day(b), |h| h.max(as_day(b))));
        }
    };
    let day_of = |t: i64| Day::of(t).0;
    let (a, b) = q(
        "SELECT (SELECT MIN(day) FROM message_days WHERE store_id = ?1), (SELECT MAX(day) FROM message_days WHERE store_id = ?1)",
    )?;
    widen(a, b, |d| d as i32);
    // Orders count on the day they were placed (or of the reception they went to, which has
    // messages): payment times never widen the span, and MIN/MAX here use the index.
    let (a, b) = q(
        "SELECT (SELECT MIN(created_at) FROM orders WHERE store_id = ?1), (SELECT MAX(created_at) FROM orders WHERE store_id = ?1)",
    )?;
    widen(a, b, day_of);
    let (a, b) = q(
        "SELECT (SELECT MIN(requested_at) FROM refunds WHERE store_id = ?1), (SELECT MAX(requested_at) FROM refunds WHERE store_id = ?1)",
    )?;
    widen(a, b, day_of);
    let (a, b) = q(
        "SELECT (SELECT MIN(time) FROM ratings WHERE store_id = ?1), (SELECT MAX(time) FROM ratings WHERE store_id = ?1)",
    )?;
    widen(a, b, day_of);
    Ok(lo.zip(hi).map(|(l, h)| (Day(l), Day(h))))
}

/// An order from the columns `order_id, buyer_id, created_at, paid_at, closed_at,
/// amount_cents, items, deposit_cents, deposit_paid_at, balance_from, balance_to`.
pub(crate) fn order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Order> {
    let deposit: Option<i64> = r.get(7)?;
    let window: (Option<Millis>, Option<Millis>) = (r.get(9)?, r.get(10)?);
    let presale = match (deposit, window) {
        (Some(deposit), (Some(balance_from), Some(balance_to))) => Some(Presale {
            deposit,
            deposit_paid_at: r.get(8)?,
            balance_from,
            balance_to,
        }),
        _ => None,
    };
    Ok(Order {
        order_id: r.get(0)?,
        buyer: r.get(1)?,
        created_at: r.get(2)?,
        paid_at: r.get(3)?,
        closed_at: r.get(4)?,
        amount: r.get(5)?,
        items: r.get(6)?,
        presale,
        // The figures do not read it: loaders leave it out.
        address: None,
    })
}

/// A refund from the columns `refund_id, order_id, buyer_id, requested_at, finished_at,
/// amount_cents, status, account_id`.
pub(crate) fn refund_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Refund> {
    let status: String = r.get(6)?;
    let finished_at: Option<Millis> = r.get(4)?;
    Ok(Refund {
        refund_id: r.get(0)?,
        order_id: r.get(1)?,
        buyer: r.get(2)?,
        requested_at: r.get(3)?,
        finished_at,
        amount: r.get(5)?,
        status: RefundStatus::parse(&status).unwrap_or(RefundStatus::default_for(finished_at)),
        account: r.get(7)?,
    })
}

/// [`Db::load_events`] on a connection (or an open transaction).
pub(crate) fn load_events_with_names(
    conn: &Connection,
    store_id: i64,
    days: (Day, Day),
    orders_back: u32,
) -> Result<LoadedEvents> {
    load_events(
        conn,
        store_id,
        load_names(conn, store_id)?,
        days,
        orders_back,
    )
}

fn load_events(
    conn: &Connection,
    store_id: i64,
    names: Names,
    days: (Day, Day),
    orders_back: u32,
) -> Result<LoadedEvents> {
    let mut ev = load_unsorted_events(conn, store_id, names, days, orders_back, false)?;
    // In stream order, which spares the engine its own indirect sort.
    engine::sort_streams(&mut ev.messages);
    Ok(ev)
}

/// The events over `[from, to]` (orders from `orders_back` days earlier), messages in day
/// order (not yet in stream order).
pub(crate) fn load_unsorted_events(
    conn: &Connection,
    store_id: i64,
    names: Names,
    (from, to): (Day, Day),
    orders_back: u32,
    by_payment: bool,
) -> Result<LoadedEvents> {
    load_unsorted_events_from(
        conn,
        store_id,
        names,
        (from, to),
        from,
        orders_back,
        by_payment,
    )
}

/// The messages of the days `[from, to]` of a store whose buyer is in `buyers`, in day
/// order, decoded a day per task in parallel.
pub(crate) fn load_messages_of_buyers(
    conn: &Connection,
    store_id: i64,
    (from, to): (Day, Day),
    buyers: &FxHashSet<NameId>,
) -> Result<Vec<Message>> {
    let days = event_blobs(conn, store_id, (from, to))?;
    let keep = |b: NameId| buyers.contains(&b);
    let parts = days
        .par_iter()
        .map(|(day, _, blob)| {
            let mut out = Vec::new();
            chunk::decode_buyers(*day, blob, &keep, &mut out).map(|()| out)
        })
        .collect::<std::result::Result<Vec<Vec<Message>>, ChunkError>>()?;
    Ok(parts.concat())
}

/// The events blobs of a store's days `[from, to]` with their message counts: each day's
/// row, then its parts (appended by live folds), in day order; each blob in (time, seq) order.
fn event_blobs(
    conn: &Connection,
    store_id: i64,
    (from, to): (Day, Day),
) -> Result<Vec<(Day, usize, Vec<u8>)>> {
    let mut days: Vec<(Day, usize, Vec<u8>)> = Vec::new();
    for table in [
        "SELECT day, messages, events FROM message_days WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3",
        "SELECT day, messages, events FROM message_parts WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3",
    ] {
        let mut st = conn.prepare_cached(table)?;
        let mut rows = st.query(params![store_id, from.0, to.0])?;
        while let Some(r) = rows.next()? {
            days.push((
                Day(r.get(0)?),
                r.get::<_, i64>(1)?.max(0) as usize,
                r.get(2)?,
            ));
        }
    }
    days.sort_by_key(|d| d.0);
    Ok(days)
}

/// The messages of a store's days `[from, to]`, in day order (time order within a day), each
/// day decoded in parallel into its own part of one vector, sized once.
pub(crate) fn load_messages(
    conn: &Connection,
    store_id: i64,
    (from, to): (Day, Day),
) -> Result<Vec<Message>> {
    decode_days(&event_blobs(conn, store_id, (from, to))?)
}

/// The messages of [`event_blobs`]' days, in their order.
fn decode_days(days: &[(Day, usize, Vec<u8>)]) -> Result<Vec<Message>> {
    // Each day decodes in parallel into its own part of one vector, sized once.
    let placeholder = Message {
        time: 0,
        buyer: 0,
        account: 0,
        sender: Sender::Buyer,
        transfer_to: None,
        seq: 0,
    };
    let mut messages = vec![placeholder; days.iter().map(|d| d.1).sum()];
    let mut parts: Vec<&mut [Message]> = Vec::with_capacity(days.len());
    let mut rest = messages.as_mut_slice();
    for (_, n, _) in days {
        let (part, tail) = rest.split_at_mut(*n);
        parts.push(part);
        rest = tail;
    }
    days.par_iter()
        .zip(parts.into_par_iter())
        .try_for_each(|((day, _, blob), part)| chunk::decode_into(*day, blob, part))?;
    Ok(messages)
}

/// [`load_unsorted_events`], with messages only from the day `messages_from` on (refunds and
/// ratings over the whole range). When that day is after `from` (and orders are attributed
/// by creation), orders too only where one of their times falls on or after it, and presale
/// orders: the worklists' refresh in part.
pub(crate) fn load_unsorted_events_from(
    conn: &Connection,
    store_id: i64,
    names: Names,
    (from, to): (Day, Day),
    messages_from: Day,
    orders_back: u32,
    by_payment: bool,
) -> Result<LoadedEvents> {
    let (t0, t1) = (from.start(), to.start() + DAY_MS - 1);
    let orders_t0 = from.offset(-(orders_back.min(366) as i32)).start();
    let days = event_blobs(conn, store_id, (messages_from.max(from), to))?;
    std::thread::scope(|scope| {
        // The days decode on the pool while this thread reads the orders, refunds and ratings.
        let decoding = scope.spawn(|| decode_days(&days));
        let messages = move || {
            // A panic while decoding goes on as the pool's own would.
            decoding
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        // Attributed by payment time (§3 `attribution`), an order placed long before the range can
        // still go to a reception in it: orders paid in the range are loaded too.
        let mut st = conn.prepare_cached(if by_payment {
            "SELECT order_id, buyer_id, created_at, paid_at, closed_at, amount_cents, items,
           deposit_cents, deposit_paid_at, balance_from, balance_to FROM orders
         WHERE store_id = ?1 AND (created_at BETWEEN ?2 AND ?3 OR paid_at BETWEEN ?4 AND ?3)"
        } else {
            "SELECT order_id, buyer_id, created_at, paid_at, closed_at, amount_cents, items,
           deposit_cents, deposit_paid_at, balance_from, balance_to FROM orders
         WHERE store_id = ?1 AND created_at BETWEEN ?2 AND ?3"
        })?;
        let by_creation = params![store_id, orders_t0, t1];
        let with_payment = params![store_id, orders_t0, t1, t0];
        if messages_from > from && !by_payment {
            // Only the orders with a time from `messages_from` on, and presale ones: the rest
            // are read for some buyers only (`Db::worklist_earlier`).
            let mut st = conn.prepare_cached(
                "SELECT order_id, buyer_id, created_at, paid_at, closed_at, amount_cents, items,
               deposit_cents, deposit_paid_at, balance_from, balance_to FROM orders
             WHERE store_id = ?1 AND created_at BETWEEN ?2 AND ?3
               AND (created_at >= ?4 OR paid_at >= ?4 OR closed_at >= ?4
                 OR deposit_cents IS NOT NULL)",
            )?;
            let orders = st
                .query_map(
                    params![store_id, orders_t0, t1, messages_from.start()],
                    order_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            return rest_of_events(conn, store_id, names, (t0, t1), messages, orders);
        }
        let orders = st
            .query_map(
                if by_payment {
                    with_payment
                } else {
                    by_creation
                },
                order_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rest_of_events(conn, store_id, names, (t0, t1), messages, orders)
    })
}

/// The events of [`load_unsorted_events_from`] with its orders: the refunds and ratings of
/// `[t0, t1]` added, then the messages taken (decoded meanwhile).
fn rest_of_events(
    conn: &Connection,
    store_id: i64,
    names: Names,
    (t0, t1): (Millis, Millis),
    messages: impl FnOnce() -> Result<Vec<Message>>,
    orders: Vec<Order>,
) -> Result<LoadedEvents> {
    let mut st = conn.prepare_cached(
        "SELECT refund_id, order_id, buyer_id, requested_at, finished_at, amount_cents, status, account_id FROM refunds
         WHERE store_id = ?1 AND requested_at BETWEEN ?2 AND ?3",
    )?;
    let refunds = st
        .query_map(params![store_id, t0, t1], refund_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut st = conn.prepare_cached(
        "SELECT time, buyer_id, account_id, score FROM ratings WHERE store_id = ?1 AND time BETWEEN ?2 AND ?3",
    )?;
    let ratings = st
        .query_map(params![store_id, t0, t1], |r| {
            Ok(Rating {
                time: r.get(0)?,
                buyer: r.get(1)?,
                account: r.get(2)?,
                score: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(LoadedEvents {
        names,
        messages: messages()?,
        orders,
        refunds,
        ratings,
    })
}

/// Recomputes the whole store and records the settings used. Hands the store's names back
/// with the days recomputed.
pub(crate) fn recompute_store(
    tx: &Transaction,
    store_id: i64,
    settings: &MetricSettings,
    mut names: Names,
) -> Result<(u64, Names)> {
    new_facts_version(tx, store_id)?;
    tx.execute("DELETE FROM counters WHERE store_id = ?1", [store_id])?;
    tx.execute(
        "DELETE FROM first_response_blocks WHERE store_id = ?1",
        [store_id],
    )?;
    tx.execute("DELETE FROM order_facts WHERE store_id = ?1", [store_id])?;
    let mut days = 0;
    if let Some((lo, hi)) = day_span(tx, store_id)? {
        (days, names) = recompute_range(tx, store_id, settings, names, lo, hi)?;
    }
    tx.execute(
        "UPDATE stores SET settings = ?2 WHERE id = ?1",
        params![store_id, settings.fingerprint()],
    )?;
    Ok((days, names))
}

/// Recomputes the days that changed events can reach, range by merged range. Hands the
/// store's names back with the days recomputed.
fn recompute_days(
    tx: &Transaction,
    store_id: i64,
    settings: &MetricSettings,
    mut names: Names,
    touched: &BTreeSet<Day>,
) -> Result<(u64, Names)> {
    let reach = settings.reach_days();
    // Forward further: an order turns the buyer's receptions of the next days after-sale.
    let ahead = settings.order_reach_days();
    let mut ranges: Vec<(Day, Day)> = Vec::new();
    for &d in touched {
        let (lo, hi) = (d.offset(-reach), d.offset(ahead));
        match ranges.last_mut() {
            // Ranges closer than the context they load are merged: loading once is cheaper.
            Some(last) if lo.0 <= last.1.0 + 2 * reach + LOOKBACK_DAYS => last.1 = hi,
            _ => ranges.push((lo, hi)),
        }
    }
    let mut days = 0;
    for (lo, hi) in ranges {
        let (n, back) = recompute_range(tx, store_id, settings, names, lo, hi)?;
        days += n;
        names = back;
    }
    Ok((days, names))
}

/// Messages analysed at once when recomputing. A range with more is analysed in groups of
/// buyers, one after another: a buyer's figures depend on that buyer's events alone (their
/// streams, orders, refunds and ratings), and counters add up, so the result is the same while
/// memory follows this number rather than the store's size (about 110 bytes a message: 12M
/// stay under 1.5 GB). Groups cost time (`kefu recompute` of 10M messages in 3 groups: 3.7 s
/// against 3.3 s, 2026-12-04), so they start only where memory needs them.
const MESSAGES_PER_ANALYSIS: usize = 12_000_000;

/// Recomputes the counters and order facts of the days `[lo, hi]` from events loaded with
/// enough context around them to make those days exact. Hands the store's names back.
fn recompute_range(
    tx: &Transaction,
    store_id: i64,
    settings: &MetricSettings,
    names: Names,
    lo: Day,
    hi: Day,
) -> Result<(u64, Names)> {
    let reach = settings.reach_days();
    let (ctx_lo, ctx_hi) = (
        lo.offset(-reach - LOOKBACK_DAYS),
        hi.offset(reach + LOOKBACK_DAYS),
    );
    let mut phase = crate::profile::Phase::start();
    let mut events = load_unsorted_events(
        tx,
        store_id,
        names,
        (ctx_lo, ctx_hi),
        settings.after_sale_days,
        settings.attribution != Attribution::Order,
    )?;
    let groups = events.messages.len().div_ceil(MESSAGES_PER_ANALYSIS).max(1);
    let window = Window {
        lo,
        hi,
        ctx_lo,
        ctx_hi,
        reach,
    };
    phase.done("recompute: load events");
    let (facts, mut orders, (lo, hi)) = analyze_in_groups(&mut events, settings, groups, window);
    phase.done("recompute: analyze");
    write_facts(tx, store_id, lo, hi, &facts)?;
    phase.done("recompute: counters and blocks");
    write_order_facts(tx, store_id, &mut orders)?;
    phase.done("recompute: order facts");
    Ok(((hi.0 - lo.0 + 1) as u64, events.names))
}

/// The days a recomputation writes, `[lo, hi]`, and the context loaded around them.
#[derive(Clone, Copy)]
struct Window {
    lo: Day,
    hi: Day,
    ctx_lo: Day,
    ctx_hi: Day,
    reach: i32,
}

/// What a recomputation writes of one order.
#[derive(Debug, PartialEq, Eq)]
struct OrderFactRow {
    order_id: String,
    placed: Day,
    /// The reception it is attributed to (account, day) and the answer time.
    attributed: Option<(NameId, Day, Millis)>,
    /// The account that reminded it, and when.
    reminded: Option<(NameId, Millis)>,
}

/// Analyses the events in `groups` groups of buyers and sums their facts; returns the facts of
/// the days written, the facts of the orders placed on them, and those days: the window
/// widened to the rounds that reach into it, as far as the loaded context keeps them exact.
fn analyze_in_groups(
    events: &mut LoadedEvents,
    settings: &MetricSettings,
    groups: usize,
    w: Window,
) -> (Facts, Vec<OrderFactRow>, (Day, Day)) {
    let (mut lo, mut hi) = (w.lo, w.hi);
    let mut facts = Facts::default();
    let mut orders = Vec::new();
    let mut one = |ev: StoreEvents<'_>, facts: &mut Facts| {
        let analysis = engine::analyze(&ev, settings);
        // A round that reaches into the range from outside (or out of it) changes the days it
        // spans: widen the range to them.
        for r in &analysis.rounds {
            let first = Day::of(r.open);
            let last = analysis.touched_days(r).last().copied().unwrap_or(first);
            if first <= w.hi && last >= w.lo {
                lo = lo.min(first).max(w.ctx_lo.offset(1));
                hi = hi.max(last).min(w.ctx_hi.offset(-w.reach));
            }
        }
        let part = engine::rollup(&analysis, &ev);
        for (k, c) in part.accounts {
            *facts.accounts.entry(k).or_default() += &c;
        }
        for (k, c) in part.store {
            *facts.store.entry(k).or_default() += &c;
        }
        orders.extend(ev.orders.iter().zip(&analysis.orders).map(|(o, f)| {
            let attributed = f.attributed.and_then(|(ri, at)| {
                analysis
                    .receptions
                    .get(ri as usize)
                    .map(|r| (r.account, r.day, at))
            });
            OrderFactRow {
                order_id: o.order_id.clone(),
                placed: Day::of(o.created_at),
                attributed,
                reminded: f.reminded,
            }
        }));
    };
    if groups <= 1 {
        let mut phase = crate::profile::Phase::start();
        engine::sort_streams(&mut events.messages);
        phase.done("recompute: stream sort");
        one(events.view(), &mut facts);
    } else {
        let group_of = |buyer: NameId| buyer as usize % groups;
        // Each group's messages are sorted and analysed where they lie: a copy of a group
        // beside all the messages was the recomputation's peak (a month into a store of a
        // year: 1.9 GB).
        let bounds = partition_in_place(&mut events.messages, groups, |m| group_of(m.buyer));
        for (g, span) in bounds.windows(2).enumerate() {
            let messages = &mut events.messages[span[0]..span[1]];
            engine::sort_streams(messages);
            let messages = &*messages;
            let orders: Vec<Order> = events
                .orders
                .iter()
                .filter(|o| group_of(o.buyer) == g)
                .cloned()
                .collect();
            let refunds: Vec<Refund> = events
                .refunds
                .iter()
                .filter(|r| group_of(r.buyer) == g)
                .cloned()
                .collect();
            let ratings: Vec<Rating> = events
                .ratings
                .iter()
                .filter(|r| group_of(r.buyer) == g)
                .copied()
                .collect();
            let ev = StoreEvents {
                names: &events.names,
                messages,
                orders: &orders,
                refunds: &refunds,
                ratings: &ratings,
            };
            one(ev, &mut facts);
        }
    }
    for c in facts.accounts.values_mut().chain(facts.store.values_mut()) {
        c.1.sort();
    }
    facts.keep_days(lo, hi);
    orders.retain(|o| o.placed >= lo && o.placed <= hi);
    (facts, orders, (lo, hi))
}

/// Reorders `items` by group, group 0 first, and returns where each group begins, then the
/// end (`groups + 1` places); the order within a group is not kept. A group past the last is
/// taken as the last.
fn partition_in_place<T>(
    items: &mut [T],
    groups: usize,
    group_of: impl Fn(&T) -> usize,
) -> Vec<usize> {
    let groups = groups.max(1);
    let of = |item: &T| group_of(item).min(groups - 1);
    let mut bounds = vec![0; groups + 1];
    for item in items.iter() {
        bounds[of(item) + 1] += 1;
    }
    for g in 0..groups {
        bounds[g + 1] += bounds[g];
    }
    // Each group's next place to fill; an item found out of its group is swapped into the
    // next place of its own, so every item moves at most once.
    let mut next = bounds[..groups].to_vec();
    for g in 0..groups {
        while next[g] < bounds[g + 1] {
            let k = of(&items[next[g]]);
            if k == g {
                next[g] += 1;
            } else {
                items.swap(next[g], next[k]);
                next[k] += 1;
            }
        }
    }
    bounds
}

/// Marks the store's derived figures as changed (`stores.facts_version`), for what readers
/// keep of them (`percentiles.rs`).
fn new_facts_version(tx: &Transaction, store_id: i64) -> Result<()> {
    tx.execute(
        "UPDATE stores SET facts_version = ?2 WHERE id = ?1",
        params![store_id, percentiles::new_version()],
    )?;
    Ok(())
}

fn write_facts(tx: &Transaction, store_id: i64, lo: Day, hi: Day, facts: &Facts) -> Result<()> {
    new_facts_version(tx, store_id)?;
    tx.execute(
        "DELETE FROM counters WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3",
        params![store_id, lo.0, hi.0],
    )?;
    let cols: String = C::ALL.iter().map(|c| format!(", {}", c.column())).collect();
    let marks: String = (0..COUNTERS).map(|i| format!(", ?{}", i + 5)).collect();
    let sql = format!(
        "INSERT INTO counters (store_id, day, account_id, first_responses{cols}) VALUES (?1, ?2, ?3, ?4{marks})"
    );
    let mut st = tx.prepare_cached(&sql)?;
    let mut put = |day: Day, account: i64, c: &Counters| -> Result<()> {
        if c.is_zero() {
            return Ok(());
        }
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(COUNTERS + 4);
        values.extend([store_id, day.0 as i64, account].map(rusqlite::types::Value::Integer));
        values.push(encode_first_responses(&c.1));
        values.extend(c.0.iter().map(|&v| rusqlite::types::Value::Integer(v)));
        st.execute(rusqlite::params_from_iter(values))?;
        Ok(())
    };
    // Row -1 of a day is the whole store: every account plus the store-level counters, so
    // that store and day figures read one row a day instead of one per account.
    let mut totals = facts.store.clone();
    for (&(_, day), c) in &facts.accounts {
        *totals.entry(day).or_default() += c;
    }
    // (the blob writer sorts and merges the runs itself)
    // In the table's key order, (day, account): each row goes at the end of the b-tree.
    let mut rows: Vec<(Day, i64, &Counters)> = facts
        .accounts
        .iter()
        .map(|(&(account, day), c)| (day, i64::from(account), c))
        .chain(totals.iter().map(|(&day, c)| (day, -1, c)))
        .collect();
    rows.sort_unstable_by_key(|&(day, account, _)| (day, account));
    for (day, account, c) in rows {
        put(day, account, c)?;
    }
    rebuild_blocks(tx, store_id, lo, hi)
}

/// Block levels of `first_response_blocks`: blocks of 2 to 512 days. Past the top level a
/// range reads one block per 512 days.
const BLOCK_LEVELS: u32 = 9;

/// `[from, to]` cut into aligned blocks, each as large as fits: (level, first day), a block
/// holding the 2^level days from its first, level 0 a single day (its counters row). The
/// sizes rise then fall along the range, so there are at most two pieces per level besides
/// the top-level ones, and at most one single day at each end.
fn pieces(from: Day, to: Day) -> Vec<(u32, i64)> {
    let (mut day, to) = (i64::from(from.0), i64::from(to.0));
    let mut out = Vec::new();
    while day <= to {
        let mut level = 0;
        while level < BLOCK_LEVELS {
            let size = 1i64 << (level + 1);
            if day.rem_euclid(size) != 0 || day + size - 1 > to {
                break;
            }
            level += 1;
        }
        out.push((level, day));
        day += 1i64 << level;
    }
    out
}

/// Rebuilds the blocks of first response times that hold a day of `[lo, hi]`, whose
/// counters rows were just rewritten: level 1 from the counters rows, each level above from
/// the two blocks below it.
fn rebuild_blocks(conn: &Connection, store_id: i64, lo: Day, hi: Day) -> Result<()> {
    use kefu_core::figures::FirstResponses;
    let (lo, hi) = (i64::from(lo.0), i64::from(hi.0));
    let mut delete = conn.prepare_cached(
        "DELETE FROM first_response_blocks WHERE store_id = ?1 AND level = ?2 AND start BETWEEN ?3 AND ?4",
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO first_response_blocks (store_id, level, start, account_id, runs) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut from_days = conn.prepare_cached(
        "SELECT day, account_id, first_responses FROM counters
         WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 AND first_responses IS NOT NULL",
    )?;
    let mut from_blocks = conn.prepare_cached(
        "SELECT start, account_id, runs FROM first_response_blocks
         WHERE store_id = ?1 AND level = ?4 AND start BETWEEN ?2 AND ?3",
    )?;
    let mut scratch = Vec::new();
    for level in 1..=BLOCK_LEVELS {
        let size = 1i64 << level;
        let (first, last) = (lo - lo.rem_euclid(size), hi - hi.rem_euclid(size));
        let mut merged: BTreeMap<(i64, i64), FirstResponses> = BTreeMap::new();
        let mut rows = if level == 1 {
            from_days.query(params![store_id, first, last + size - 1])?
        } else {
            from_blocks.query(params![store_id, first, last + size - 1, level - 1])?
        };
        while let Some(r) = rows.next()? {
            let day: i64 = r.get(0)?;
            let runs = merged
                .entry((day - day.rem_euclid(size), r.get(1)?))
                .or_default();
            decode_first_responses(blob_of(r.get_ref(2)?, store_id)?, runs, &mut scratch)
                .ok_or(StoreError::Counters(store_id))?;
        }
        drop(rows);
        delete.execute(params![store_id, level, first, last])?;
        for ((start, account), runs) in &merged {
            let blob = encode_first_responses(runs);
            if blob != rusqlite::types::Value::Null {
                insert.execute(params![store_id, level, start, account, blob])?;
            }
        }
    }
    Ok(())
}

fn write_order_facts(tx: &Transaction, store_id: i64, orders: &mut [OrderFactRow]) -> Result<()> {
    // In the table's key order: each row goes at the end of the b-tree, where rows in the
    // orders' time order each sought their page.
    orders.par_sort_unstable_by(|a, b| a.order_id.cmp(&b.order_id));
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO order_facts (store_id, order_id, account_id, reception_day, answer_at, reminded_by, reminded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for o in orders {
        st.execute(params![
            store_id,
            o.order_id,
            o.attributed.map(|(account, _, _)| account),
            o.attributed.map(|(_, day, _)| day.0),
            o.attributed.map(|(_, _, at)| at),
            o.reminded.map(|(acc, _)| acc),
            o.reminded.map(|(_, t)| t),
        ])?;
    }
    Ok(())
}

/// First response times as a blob: the sorted runs as varint pairs (value − previous value,
/// count); NULL when there are none.
fn encode_first_responses(f: &kefu_core::figures::FirstResponses) -> rusqlite::types::Value {
    let mut sorted = f.clone();
    sorted.sort();
    let runs = sorted.runs();
    if runs.is_empty() {
        return rusqlite::types::Value::Null;
    }
    let mut out = Vec::with_capacity(runs.len() * 3);
    let mut last = 0i64;
    for &(v, n) in runs {
        // Response times are never negative (the service clock is 0 for a reversed span).
        chunk::put(&mut out, (v - last).max(0) as u64);
        chunk::put(&mut out, n);
        last = v;
    }
    rusqlite::types::Value::Blob(out)
}

/// A column that must hold a blob of runs.
fn blob_of(v: rusqlite::types::ValueRef<'_>, store_id: i64) -> Result<&[u8]> {
    match v {
        rusqlite::types::ValueRef::Blob(b) => Ok(b),
        _ => Err(StoreError::Counters(store_id)),
    }
}

/// Decodes a blob of [`encode_first_responses`] into `runs` (cleared first): sorted by
/// value. `None` when the blob is corrupt.
///
/// A tight loop of its own: a ranking decodes every stored run of its range.
fn decode_runs(blob: &[u8], runs: &mut Vec<(i64, u64)>) -> Option<()> {
    runs.clear();
    let (mut i, mut last) = (0usize, 0i64);
    while i < blob.len() {
        let delta = varint(blob, &mut i)?;
        let count = varint(blob, &mut i)?;
        last = last.checked_add(i64::try_from(delta).ok()?)?;
        runs.push((last, count));
    }
    Some(())
}

/// Adds the runs of a blob of [`encode_first_responses`] to `out`, merged in value order
/// (`scratch`: a buffer kept between calls); `None` when the blob is corrupt.
fn decode_first_responses(
    blob: &[u8],
    out: &mut kefu_core::figures::FirstResponses,
    scratch: &mut Vec<(i64, u64)>,
) -> Option<()> {
    decode_runs(blob, scratch)?;
    out.merge_sorted(scratch);
    Some(())
}

/// The LEB128 varint at `*i`, moving `*i` past it; `None` when the bytes end inside it.
fn varint(blob: &[u8], i: &mut usize) -> Option<u64> {
    let (mut v, mut shift) = (0u64, 0u32);
    loop {
        let byte = *blob.get(*i)?;
        *i += 1;
        if shift > 63 {
            return None;
        }
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod first_response_blobs {
    use super::*;
    use kefu_core::figures::FirstResponses;

    #[test]
    fn runs_round_trip_and_a_cut_blob_is_refused() {
        let mut f = FirstResponses::default();
        for ms in [5_000, 0, 5_000, 123_456_789, 5_000, 7] {
            f.push(ms);
        }
        let rusqlite::types::Value::Blob(blob) = encode_first_responses(&f) else {
            panic!("a blob");
        };
        let (mut back, mut scratch) = (FirstResponses::default(), Vec::new());
        decode_first_responses(&blob, &mut back, &mut scratch).unwrap();
        assert_eq!(back, f);
        assert_eq!(
            back.to_sorted_vec(),
            vec![0, 7, 5_000, 5_000, 5_000, 123_456_789]
        );
        // three runs of 5 s: one pair
        assert_eq!(back.runs().len(), 4);
        let cut = &blob[..blob.len() - 1];
        assert!(
            decode_first_responses(&[cut, &[0x80]].concat(), &mut back, &mut scratch).is_none()
        );
        assert_eq!(
            encode_first_responses(&FirstResponses::default()),
            rusqlite::types::Value::Null
        );
    }

    /// The pieces of a range are aligned blocks that cover it exactly, in order, at most two
    /// per level below the top one and a single day at most at each end.
    #[test]
    fn pieces_cover_a_range_with_few_aligned_blocks() {
        for from in -40..600 {
            for len in [1, 2, 3, 7, 30, 31, 365, 1500] {
                let to = from + len - 1;
                let p = pieces(Day(from), Day(to));
                let mut next = i64::from(from);
                let mut per_level = [0; BLOCK_LEVELS as usize + 1];
                for &(level, start) in &p {
                    assert_eq!(start, next, "{from}+{len}: {p:?}");
                    assert_eq!(start.rem_euclid(1 << level), 0, "{from}+{len}: {p:?}");
                    next = start + (1 << level);
                    per_level[level as usize] += 1;
                }
                assert_eq!(next, i64::from(to) + 1, "{from}+{len}: {p:?}");
                assert!(per_level[..BLOCK_LEVELS as usize].iter().all(|&n| n <= 2));
                let singles: Vec<_> = p.iter().filter(|b| b.0 == 0).collect();
                assert!(
                    singles
                        .iter()
                        .all(|b| b.1 == i64::from(from) || b.1 == i64::from(to))
                );
            }
        }
    }
}

#[cfg(test)]
mod buyer_groups {
    use super::*;
    use kefu_core::model::ImportedMessage;

    /// A store of a few thousand messages, orders, refunds and ratings over ten days.
    fn store_batch(seed: u64) -> ImportBatch {
        let mut state = seed | 1;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut b = ImportBatch::default();
        let store = b.names.intern("店");
        let day0 = Day(20_400);
        for i in 0..4000u64 {
            let account = b.names.intern(&format!("店:{}", next(4)));
            let buyer = b.names.intern(&format!("b{}", next(60)));
            let text = b.push_text(&format!("t{i}"));
            let time = day0.start() + (next(10 * 86_400) * 1000) as i64;
            let transfer_to = (next(50) == 0).then(|| b.names.intern("店:0"));
            b.messages.push(ImportedMessage {
                store,
                message: Message {
                    time,
                    buyer,
                    account,
                    sender: Sender::ALL[next(5) as usize],
                    transfer_to,
                    seq: i,
                },
                text,
                msg_id: None,
            });
        }
        for i in 0..300u64 {
            let buyer = b.names.intern(&format!("b{}", next(60)));
            let created_at = day0.start() + (next(10 * 86_400) * 1000) as i64;
            let paid_at = (next(3) > 0).then_some(created_at + 60_000);
            b.orders.push((
                store,
                Order {
                    order_id: format!("O{i}"),
                    buyer,
                    created_at,
                    paid_at,
                    closed_at: None,
                    amount: 100 + i as i64,
                    items: 1,
                    address: None,
                    presale: None,
                },
            ));
            if next(5) == 0 {
                let account = Some(b.names.intern(&format!("店:{}", next(4))));
                b.refunds.push((
                    store,
                    Refund {
                        refund_id: format!("R{i}"),
                        order_id: format!("O{i}"),
                        buyer,
                        requested_at: created_at + 86_400_000,
                        finished_at: None,
                        amount: 50,
                        status: RefundStatus::Pending,
                        account,
                    },
                ));
            }
        }
        for _ in 0..200 {
            let rating = Rating {
                time: day0.start() + (next(10 * 86_400) * 1000) as i64,
                buyer: b.names.intern(&format!("b{}", next(60))),
                account: b.names.intern(&format!("店:{}", next(4))),
                score: 1 + next(5) as u8,
            };
            b.ratings.push((store, rating));
        }
        b
    }

    /// Analysing the buyers in groups gives the facts of analysing them all at once.
    #[test]
    fn groups_of_buyers_sum_to_the_whole() {
        let dir = tempfile::tempdir().unwrap();
        let settings = MetricSettings::default();
        for seed in [1, 2, 3] {
            let mut db = Db::open(&dir.path().join(format!("{seed}.db"))).unwrap();
            db.import(store_batch(seed), &Config::default()).unwrap();
            let s = db.store("店").unwrap();
            let (lo, hi) = db.day_span(s.id).unwrap().unwrap();
            let reach = settings.reach_days();
            let w = Window {
                lo,
                hi,
                ctx_lo: lo.offset(-reach - LOOKBACK_DAYS),
                ctx_hi: hi.offset(reach + LOOKBACK_DAYS),
                reach,
            };
            let load = || {
                let names = db.names(s.id).unwrap();
                load_unsorted_events(db.conn(), s.id, names, (w.ctx_lo, w.ctx_hi), 21, false)
                    .unwrap()
            };
            let whole = analyze_in_groups(&mut load(), &settings, 1, w);
            assert!(!whole.0.accounts.is_empty() && !whole.1.is_empty());
            for groups in [2, 3, 7] {
                let (facts, mut orders, days) =
                    analyze_in_groups(&mut load(), &settings, groups, w);
                assert_eq!(days, whole.2);
                assert_eq!(facts.accounts, whole.0.accounts);
                assert_eq!(facts.store, whole.0.store);
                orders.sort_by(|a, b| a.order_id.cmp(&b.order_id));
                let mut expected: Vec<_> = whole.1.iter().collect();
                expected.sort_by(|a, b| a.order_id.cmp(&b.order_id));
                assert_eq!(orders.iter().collect::<Vec<_>>(), expected);
            }
        }
    }

    /// Events tell when the names handed with them miss some of their ids; an import hands
    /// back the names it committed, which cover its events.
    #[test]
    fn events_tell_names_that_miss_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("n.db")).unwrap();
        let mut session = db.begin_import().unwrap();
        session.add(&store_batch(5)).unwrap();
        let (summary, mut kept) = session.finish_keeping_names(&Config::default()).unwrap();
        let s = db.store("店").unwrap();
        assert_eq!(summary.stores, ["店"]);
        let (lo, hi) = db.day_span(s.id).unwrap().unwrap();
        let load = |names| load_unsorted_events(db.conn(), s.id, names, (lo, hi), 21, false);
        let names = kept.take(s.id).unwrap();
        assert!(kept.take(s.id).is_none(), "taken once");
        assert_eq!(names.parts(), db.names(s.id).unwrap().parts());
        assert!(load(names).unwrap().names_cover_ids());
        assert!(!load(Names::default()).unwrap().names_cover_ids());
        // The first half of the names: the events name buyers and accounts of both halves.
        let all = db.names(s.id).unwrap();
        let (text, ends) = all.parts();
        let half = ends.len() / 2;
        let short = Names::from_parts(text[..ends[half - 1]].to_string(), ends[..half].to_vec());
        assert!(!load(short.unwrap()).unwrap().names_cover_ids());
    }

    proptest::proptest! {
        /// Partitioning keeps every item, each in its group's span, and a group past the
        /// last goes to the last.
        #[test]
        fn partition_keeps_every_item_in_its_groups_span(
            items in proptest::collection::vec(0usize..50, 0..300),
            groups in 1usize..9,
            past in 0usize..3,
        ) {
            // Up to `past` groups beyond the last are asked for.
            let group = |x: usize| x % (groups + past);
            let mut parted = items.clone();
            let bounds = partition_in_place(&mut parted, groups, |&x| group(x));
            proptest::prop_assert_eq!(bounds.len(), groups + 1);
            proptest::prop_assert_eq!(bounds[0], 0);
            proptest::prop_assert_eq!(bounds[groups], items.len());
            for (g, span) in bounds.windows(2).enumerate() {
                proptest::prop_assert!(span[0] <= span[1]);
                proptest::prop_assert!(parted[span[0]..span[1]]
                    .iter()
                    .all(|&x| group(x).min(groups - 1) == g));
            }
            let (mut before, mut after) = (items, parted);
            before.sort_unstable();
            after.sort_unstable();
            proptest::prop_assert_eq!(before, after);
        }
    }
}

#[cfg(test)]
mod name_map {
    use super::*;

    /// Maps every name of `batch` the way `stage_messages` does: the names looked up in
    /// parallel first (when `ahead`), then each interned in the order given.
    fn map_all(batch: &ImportBatch, store: &mut Names, how: LookUp) -> Vec<NameId> {
        let mut map = NameMap::new(batch);
        map.look_up_known(batch, store, how);
        // A walk in an order other than the batch's ids, as messages name them.
        (0..batch.names.len() as NameId)
            .rev()
            .map(|id| map.get(batch, store, id))
            .collect()
    }

    #[test]
    fn names_are_saved_in_few_chunks_and_load_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("n.db")).unwrap();
        let tx = db.conn_mut().transaction().unwrap();
        let mut names = Names::default();
        let mut saved = 0;
        let mut chunks = Vec::new();
        // Imports of uneven size, each bringing names new to the store.
        for import in 0..200usize {
            for i in 0..(import * 37 % 500 + 1) {
                names.intern(&format!("买家{import}-{i}"));
            }
            save_names(&tx, 7, &names, saved).unwrap();
            saved = names.len();
            let loaded = load_names(&tx, 7).unwrap();
            assert_eq!(loaded.parts(), names.parts(), "import {import}");
            let n: i64 = tx
                .query_row(
                    "SELECT count(*) FROM store_name_chunks WHERE store_id = 7",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            chunks.push(n);
        }
        // Each chunk holds more than twice the names of the one after it.
        let most = *chunks.iter().max().unwrap();
        assert!(
            most <= 2 + (names.len() as f64).log2() as i64,
            "{most} chunks"
        );
        assert_eq!(load_names(&tx, 8).unwrap().len(), 0);
        // A chunk missing in between: the names cannot be trusted.
        tx.execute(
            "DELETE FROM store_name_chunks WHERE store_id = 7 AND first_id = \
             (SELECT max(first_id) FROM store_name_chunks WHERE store_id = 7 AND first_id > 0)",
            [],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO store_name_chunks (store_id, first_id, text, ends)
             VALUES (7, 1000000, 'x', x'01')",
            [],
        )
        .unwrap();
        assert!(matches!(load_names(&tx, 7), Err(StoreError::Names(7))));
    }

    #[test]
    fn names_looked_up_ahead_get_the_ids_interning_one_by_one_gives() {
        let mut store = Names::default();
        // Enough names for the parallel look-up to run, every third one left out.
        for i in 0..60_000 {
            if i % 3 != 0 {
                store.intern(&format!("buyer{i}"));
            }
        }
        let mut batch = ImportBatch::default();
        for i in (0..60_000).step_by(2) {
            batch.names.intern(&format!("buyer{i}"));
        }
        batch.names.intern("一个新买家");
        // As loaded from the database: no table built yet, which the scan keeps so.
        let (text, ends) = store.parts();
        let loaded = Names::from_parts(text.to_string(), ends.to_vec()).unwrap();
        let (mut one_by_one, mut ahead, mut scanned) = (store.clone(), store, loaded);
        assert_eq!(
            NameMap::how(&batch, &scanned, 0),
            LookUp::Table,
            "too few to scan"
        );
        let plain = map_all(&batch, &mut one_by_one, LookUp::OneByOne);
        let looked_up = map_all(&batch, &mut ahead, LookUp::Table);
        let by_scan = map_all(&batch, &mut scanned, LookUp::Scan);
        assert!(!scanned.is_indexed());
        assert_eq!(plain, looked_up);
        assert_eq!(plain, by_scan);
        assert_eq!(one_by_one.parts(), ahead.parts());
        assert_eq!(one_by_one.parts(), scanned.parts());
        assert_eq!(ahead.len(), 40_000 + 10_000 + 1);
        // Each batch name maps to its own text in the store.
        for (id, name) in batch.names.iter() {
            let to = looked_up[looked_up.len() - 1 - id as usize];
            assert_eq!(ahead.name(to), name);
            assert_eq!(scanned.get(name), Some(to));
        }
    }

    #[test]
    fn a_big_store_is_scanned_a_few_times_a_session_then_looked_up_in_its_table() {
        let mut store = Names::default();
        for i in 0..70_000 {
            store.intern(&format!("buyer{i}"));
        }
        let (text, ends) = store.parts();
        let loaded = Names::from_parts(text.to_string(), ends.to_vec()).unwrap();
        let mut batch = ImportBatch::default();
        batch.names.intern("buyer5");
        let hows: Vec<LookUp> = (0..SCANS_PER_SESSION + 1)
            .map(|scans| NameMap::how(&batch, &loaded, scans))
            .collect();
        assert_eq!(hows[0], LookUp::Scan);
        assert_eq!(hows[SCANS_PER_SESSION as usize], LookUp::OneByOne);
        // A batch of a bulk import (a 32nd of the store's names or more) builds the table.
        let mut bulk = ImportBatch::default();
        for i in 0..70_000 / SCAN_BELOW_SHARE {
            bulk.names.intern(&format!("buyer{i}"));
        }
        assert_eq!(NameMap::how(&bulk, &loaded, 0), LookUp::Scan, "one short");
        bulk.names.intern("buyer99999");
        bulk.names.intern("buyer99998");
        assert_eq!(NameMap::how(&bulk, &loaded, 0), LookUp::OneByOne);
        loaded.get("buyer1");
        assert_eq!(NameMap::how(&batch, &loaded, 0), LookUp::OneByOne, "built");
    }
}

#[cfg(test)]
mod staging {
    use super::*;
    use kefu_core::model::ImportedMessage;
    use proptest::prelude::*;

    /// (day, second, buyer, account, sender, id, text): small ranges, so that messages repeat
    /// by id (at other times too) and by content.
    type Msg = (i32, i64, u8, u8, u8, Option<u8>, u8);

    const TEXTS: [&str; 4] = ["在吗", "", "好的👌", "ok"];

    /// A batch of `msgs`, their `seq`s their places in it.
    fn batch_of(msgs: &[Msg]) -> ImportBatch {
        let mut b = ImportBatch::default();
        let store = b.names.intern("店");
        for (seq, &(day, sec, buyer, account, sender, id, text)) in msgs.iter().enumerate() {
            let account = b.names.intern(&format!("店:{account}"));
            let buyer = b.names.intern(&format!("买家{buyer}"));
            let text = b.push_text(TEXTS[text as usize % TEXTS.len()]);
            let msg_id = id.map(|id| b.push_text(&format!("m{id}")));
            b.messages.push(ImportedMessage {
                store,
                message: Message {
                    time: Day(20_400 + day).start() + sec * 1000,
                    buyer,
                    account,
                    sender: Sender::ALL[sender as usize % 5],
                    transfer_to: (sender == 7).then_some(account),
                    seq: seq as u64,
                },
                text,
                msg_id,
            });
        }
        b
    }

    /// The stored days (day, messages, events, texts), the names (text, ends), and the
    /// messages added and dropped as duplicates.
    type Stored = (
        Vec<(i32, i64, Vec<u8>, Vec<u8>)>,
        (String, Vec<u8>),
        u64,
        u64,
    );

    /// Imports `msgs` in one session, cut before each of `cuts`, with `plain_room` bytes of
    /// plain parts; gives the stored days, the names and the counts of the summary.
    fn stored(path: &std::path::Path, msgs: &[Msg], cuts: &[usize], plain_room: usize) -> Stored {
        let mut db = Db::open(path).unwrap();
        let mut session = db.begin_import().unwrap();
        session.plain_room = plain_room;
        let mut at = 0;
        for &cut in cuts.iter().chain([&msgs.len()]) {
            let cut = cut.clamp(at, msgs.len());
            session.add(&batch_of(&msgs[at..cut])).unwrap();
            at = cut;
        }
        let summary = session.finish(&Config::default()).unwrap();
        let days = db
            .conn()
            .prepare("SELECT day, messages, events, texts FROM message_days ORDER BY day")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        // Every chunk of every store's names, in order.
        let names: (String, Vec<u8>) = db
            .conn()
            .prepare("SELECT text, ends FROM store_name_chunks ORDER BY store_id, first_id")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .fold((String::new(), Vec::new()), |(mut t, mut e), (ct, ce)| {
                t.push_str(&ct);
                e.extend(ce);
                (t, e)
            });
        (
            days,
            names,
            summary.messages_added,
            summary.messages_duplicate,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// However the input is cut into batches, and whether parts are staged plain or
        /// compressed, a session stores the same days, byte for byte, and counts the same
        /// duplicates: which of two is kept is decided in (time, seq) order over them all.
        #[test]
        fn batches_cut_anywhere_store_the_same_days(
            msgs in prop::collection::vec(
                (0..4i32, 0..40i64, 0..5u8, 0..3u8, 0..8u8, prop::option::of(0..40u8), 0..4u8),
                0..160,
            ),
            mut cuts in prop::collection::vec(0..160usize, 0..6),
            plain_room in prop_oneof![Just(0usize), 0..400usize, Just(usize::MAX)],
            in_time_order in any::<bool>(),
        ) {
            let mut msgs = msgs;
            if in_time_order {
                // Batches in order are staged straight from the batch, not copied out by day.
                msgs.sort_by_key(|m| (m.0, m.1));
            }
            cuts.sort_unstable();
            let dir = tempfile::tempdir().unwrap();
            let whole = stored(&dir.path().join("whole.db"), &msgs, &[], PLAIN_STAGED_BYTES);
            let cut = stored(&dir.path().join("cut.db"), &msgs, &cuts, plain_room);
            prop_assert_eq!(whole.2 + whole.3, msgs.len() as u64);
            prop_assert_eq!(cut, whole);
        }
    }
}
