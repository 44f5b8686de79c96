//! The alert runner (issue 16): judges a store's [`LiveSnapshot`] by the store's alert rules
//! and delivers the alerts to its channels, off the caller's path.
//!
//! Entry points, all synchronous and non-blocking (a lock, a map insert and a wake-up; they
//! never wait for the database or the network):
//!
//! - [`AlertRunner::on_snapshot`]`(store_id, snapshot)`: judge this snapshot;
//! - [`AlertRunner::on_store_changed`]`(store_id)`: judge the store as the installed
//!   [`SnapshotSource`] sees it now (live ingest's "store changed" signal, an import).
//!
//! Snapshots of one store coalesce while the runner is busy: a snapshot is the whole store at
//! one instant, so the newest one says all an older one would (waits still waiting, ratings of
//! the last hour). One task evaluates, in arrival order of stores; each delivery (channel ×
//! message) runs on its own blocking thread, at most [`DELIVERIES`] at once, with the policy's
//! bounded retries. A channel that hangs costs its own delivery its time-outs and nothing else.
//!
//! Outcomes go to the store's alert log through one writer of their own, in batches, after the
//! delivery has given back its place: the log is a write to the database, which a live fold
//! or an import holds for seconds, and a delivery that kept its place until its log line was
//! written would stop every later alert behind that fold (issue 16: alerts under the ingest
//! load, docs/benchmark.md).

// The runner is the one place that acts for a store without a user (`access::RunnerStore`).
#![allow(clippy::disallowed_methods)]

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use kefu_core::alert::{AlertMemory, evaluate};
use kefu_core::live::LiveSnapshot;
use kefu_core::localized::Localized;
use kefu_notify::{Message, RetryPolicy, Sender};
use kefu_store::Db;
use kefu_store::alerts::{AlertLogEntry, StoredChannel};
use tokio::sync::{Notify, Semaphore};

use crate::WebError;
use crate::access::RunnerStore;

/// Deliveries running at once, all stores together.
pub const DELIVERIES: usize = 8;

/// Where [`AlertRunner::on_store_changed`] gets a store's snapshot: the live monitor's builder,
/// installed when the server starts.
pub trait SnapshotSource: Send + Sync {
    /// The store now; `None`: nothing to judge.
    fn snapshot(&self, db: &Db, store_id: i64) -> Result<Option<LiveSnapshot>, WebError>;
}

/// The alert runner of one server (cheap to clone: every clone is the same runner).
#[derive(Clone)]
pub struct AlertRunner {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    sender: Sender,
    /// Stores waiting to be judged, in arrival order, each with its newest snapshot (`None`:
    /// ask the source).
    pending: Mutex<Pending>,
    wake: Notify,
    memory: Mutex<HashMap<i64, AlertMemory>>,
    source: Mutex<Option<Arc<dyn SnapshotSource>>>,
    deliveries: Arc<Semaphore>,
    started: AtomicBool,
    /// Snapshots taken and deliveries not yet logged.
    busy: AtomicUsize,
    idle: Notify,
    pool: Mutex<Vec<Db>>,
    /// Outcomes waiting for the log writer, each with its store.
    logs: Mutex<Vec<(i64, AlertLogEntry)>>,
    /// Each store's settings as last read: judged by while the database is held.
    settings: Mutex<HashMap<i64, StoreSettings>>,
    log_wake: Notify,
}

/// A store's name (alert titles), rules and channels.
type StoreSettings = (String, kefu_core::alert::AlertRules, Vec<StoredChannel>);

/// Store `store_id`'s settings, read without waiting: while a fold or an import holds the
/// database (seconds) the ones last read are judged by (issue 16: a judgement waited up to
/// 10 s for a fold's commit). Saving settings needs the same lock, so only a save in the
/// instant before it is seen late; a store never read yet is waited for.
fn settings(
    inner: &Inner,
    db: &Db,
    store_id: i64,
    store: &RunnerStore,
) -> Result<Option<StoreSettings>, WebError> {
    let read = match db.without_waiting(|db| store.settings(db))? {
        Err(WebError::Store(e)) if e.is_busy() => {
            if let Some(known) = lock(&inner.settings).get(&store_id) {
                return Ok(Some(known.clone()));
            }
            store.settings(db)?
        }
        read => read?,
    };
    let mut known = lock(&inner.settings);
    match &read {
        Some(s) => known.insert(store_id, s.clone()),
        None => known.remove(&store_id),
    };
    Ok(read)
}

/// Stores in arrival order, and each one's newest snapshot.
type Pending = (VecDeque<i64>, HashMap<i64, Option<LiveSnapshot>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind: carry on with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AlertRunner {
    pub fn new(db_path: PathBuf, policy: RetryPolicy) -> AlertRunner {
        AlertRunner {
            inner: Arc::new(Inner {
                db_path,
                sender: Sender::new(policy),
                pending: Mutex::default(),
                wake: Notify::new(),
                memory: Mutex::default(),
                source: Mutex::new(None),
                deliveries: Arc::new(Semaphore::new(DELIVERIES)),
                started: AtomicBool::new(false),
                busy: AtomicUsize::new(0),
                idle: Notify::new(),
                pool: Mutex::default(),
                logs: Mutex::default(),
                settings: Mutex::default(),
                log_wake: Notify::new(),
            }),
        }
    }

    /// Installs where [`AlertRunner::on_store_changed`] takes snapshots from.
    pub fn set_snapshot_source(&self, source: Arc<dyn SnapshotSource>) {
        *lock(&self.inner.source) = Some(source);
    }

    /// Judges `snapshot` of store `store_id` soon; returns at once.
    pub fn on_snapshot(&self, store_id: i64, snapshot: LiveSnapshot) {
        self.push(store_id, Some(snapshot));
    }

    /// Judges store `store_id` soon, by the snapshot the installed source gives (nothing
    /// without a source); returns at once.
    pub fn on_store_changed(&self, store_id: i64) {
        self.push(store_id, None);
    }

    fn push(&self, store_id: i64, snapshot: Option<LiveSnapshot>) {
        if !self.ensure_started() {
            tracing::warn!(
                store_id,
                "alert runner outside a tokio runtime: snapshot dropped"
            );
            return;
        }
        {
            let mut pending = lock(&self.inner.pending);
            let (order, latest) = &mut *pending;
            match latest.get_mut(&store_id) {
                // A snapshot in hand is not replaced by a bare "changed".
                Some(slot) => {
                    if snapshot.is_some() {
                        *slot = snapshot;
                    }
                }
                None => {
                    self.inner.busy.fetch_add(1, Ordering::SeqCst);
                    order.push_back(store_id);
                    latest.insert(store_id, snapshot);
                }
            }
        }
        self.inner.wake.notify_one();
    }

    /// Starts the evaluating task and the log writer on the current runtime once; false
    /// outside a runtime.
    fn ensure_started(&self) -> bool {
        if self.inner.started.load(Ordering::SeqCst) {
            return true;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        if !self.inner.started.swap(true, Ordering::SeqCst) {
            handle.spawn(run(self.inner.clone()));
            handle.spawn(write_logs(self.inner.clone()));
        }
        true
    }

    /// Waits until every snapshot handed in has been judged and every delivery logged (tests
    /// and the latency bench).
    pub async fn idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            if self.inner.busy.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Inner {
    fn connection(&self) -> Result<Db, WebError> {
        match lock(&self.pool).pop() {
            Some(db) => Ok(db),
            None => Ok(Db::open(&self.db_path)?),
        }
    }

    fn give_back(&self, db: Db) {
        let mut pool = lock(&self.pool);
        if pool.len() < 2 {
            pool.push(db);
        }
    }

    fn done(&self) {
        if self.busy.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

async fn run(inner: Arc<Inner>) {
    loop {
        inner.wake.notified().await;
        loop {
            let next = {
                let mut pending = lock(&inner.pending);
                let (order, latest) = &mut *pending;
                order
                    .pop_front()
                    .map(|id| (id, latest.remove(&id).flatten()))
            };
            let Some((store_id, snapshot)) = next else {
                break;
            };
            judge(&inner, store_id, snapshot).await;
            inner.done();
        }
    }
}

/// Evaluates one store and starts its deliveries.
async fn judge(inner: &Arc<Inner>, store_id: i64, snapshot: Option<LiveSnapshot>) {
    let work = inner.clone();
    let evaluated = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let db = work.connection()?;
        let store = RunnerStore::for_runner(store_id);
        let out = (|| {
            let Some((name, rules, channels)) = settings(&work, &db, store_id, &store)? else {
                return Ok(None);
            };
            if !rules.rules.iter().any(|r| r.on) {
                return Ok(None);
            }
            let settings_at = started.elapsed();
            let snapshot = match snapshot {
                Some(s) => s,
                None => {
                    let source = lock(&work.source).clone();
                    match source
                        .map(|s| s.snapshot(&db, store_id))
                        .transpose()?
                        .flatten()
                    {
                        Some(s) => s,
                        None => return Ok(None),
                    }
                }
            };
            let mut memory = lock(&work.memory);
            let alerts = evaluate(&rules, &snapshot, memory.entry(store_id).or_default());
            tracing::debug!(
                store_id,
                settings_ms = settings_at.as_millis() as u64,
                judged_ms = started.elapsed().as_millis() as u64,
                alerts = alerts.len(),
                "judged a store's alert rules"
            );
            Ok::<_, WebError>(Some((name, alerts, channels)))
        })();
        work.give_back(db);
        out
    })
    .await;
    let (name, alerts, channels) = match evaluated {
        Ok(Ok(Some(found))) => found,
        Ok(Ok(None)) => return,
        Ok(Err(e)) => {
            tracing::warn!(store_id, error = %e, "alert evaluation failed");
            return;
        }
        Err(e) => {
            tracing::warn!(store_id, error = %e, "alert evaluation task failed");
            return;
        }
    };
    if alerts.is_empty() || channels.is_empty() {
        return;
    }
    let message = Message::of(&name, &alerts);
    let keys: Vec<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
    let joined = |zh: bool| {
        alerts
            .iter()
            .map(|a| {
                if zh {
                    a.text.zh.as_str()
                } else {
                    a.text.en.as_str()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let template = AlertLogEntry {
        sent_at: 0,
        keys: keys.join(","),
        title: message.title.clone(),
        text_zh: joined(true),
        text_en: joined(false),
        channel_id: None,
        channel_kind: String::new(),
        attempts: 0,
        error: None,
    };
    for channel in channels {
        inner.busy.fetch_add(1, Ordering::SeqCst);
        let (inner, message, entry) = (inner.clone(), message.clone(), template.clone());
        tokio::spawn(async move {
            // A queued outcome is the log writer's to count as done.
            if !deliver(&inner, store_id, channel, message, entry).await {
                inner.done();
            }
        });
    }
}

/// One message on one channel; its outcome is queued for the log writer (which calls
/// [`Inner::done`] for it once written). `false`: the delivery did not run, nothing queued.
async fn deliver(
    inner: &Arc<Inner>,
    store_id: i64,
    channel: StoredChannel,
    message: Message,
    mut entry: AlertLogEntry,
) -> bool {
    let queued = std::time::Instant::now();
    let Ok(permit) = inner.deliveries.clone().acquire_owned().await else {
        return false;
    };
    let work = inner.clone();
    let sent = tokio::task::spawn_blocking(move || {
        let sending = std::time::Instant::now();
        let delivery = work.sender.send(&channel.channel, &message);
        drop(permit);
        tracing::debug!(
            store_id,
            waited_ms = (sending - queued).as_millis() as u64,
            send_ms = sending.elapsed().as_millis() as u64,
            "delivered an alert message"
        );
        entry.sent_at = kefu_store::users::now_secs();
        entry.channel_id = Some(channel.id);
        entry.channel_kind = channel.channel.kind().to_string();
        entry.attempts = delivery.attempts;
        entry.error = delivery.result.err().map(|e| (e.zh(), e.to_string()));
        entry
    })
    .await;
    match sent {
        Ok(entry) => {
            lock(&inner.logs).push((store_id, entry));
            inner.log_wake.notify_one();
            true
        }
        Err(e) => {
            tracing::warn!(store_id, error = %e, "alert delivery task failed");
            false
        }
    }
}

/// Writes the queued outcomes, all that waited at once (one transaction per store), for as
/// long as the runner lives. A write that fails is logged and its lines dropped: the alerts
/// went out all the same.
async fn write_logs(inner: Arc<Inner>) {
    // A connection of its own: while a fold holds the database this one waits, and the
    // judgements keep the pool's.
    let own: Arc<Mutex<Option<Db>>> = Arc::default();
    loop {
        inner.log_wake.notified().await;
        loop {
            let queued = std::mem::take(&mut *lock(&inner.logs));
            if queued.is_empty() {
                break;
            }
            let count = queued.len();
            let (work, own) = (inner.clone(), own.clone());
            let written = tokio::task::spawn_blocking(move || {
                let mut per_store: std::collections::BTreeMap<i64, Vec<AlertLogEntry>> =
                    std::collections::BTreeMap::new();
                for (store_id, entry) in queued {
                    per_store.entry(store_id).or_default().push(entry);
                }
                let mut own = lock(&own);
                if own.is_none() {
                    match Db::open(&work.db_path) {
                        Ok(db) => *own = Some(db),
                        Err(e) => {
                            tracing::warn!(error = %e, "alert log not written");
                            return;
                        }
                    }
                }
                let Some(db) = own.as_ref() else { return };
                for (store_id, entries) in &per_store {
                    if let Err(e) = RunnerStore::for_runner(*store_id).record_log(db, entries) {
                        tracing::warn!(store_id, error = %e, "alert log not written");
                    }
                }
            })
            .await;
            if let Err(e) = written {
                tracing::warn!(error = %e, "alert log task failed");
            }
            for _ in 0..count {
                inner.done();
            }
        }
    }
}
