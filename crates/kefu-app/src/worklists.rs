//! Worklists and recovered sales (issue 16): refreshing a store's lists from its events (after
//! every import, and on a read that finds them older than the last import), reading them,
//! working them (status, reassignment) and the measurements over them (recovered sales per
//! list and per agent, the reminder timing insight). The lists are computed by
//! `kefu_core::worklist`; the store keeps them with what people set on them.

use kefu_core::engine::{analyze, sort_streams};
use kefu_core::model::{NameId, Names, Role};
use kefu_core::settings::{Config, MetricSettings};
use kefu_core::time::{DAY_MS, Day, Millis, UtcOffset};
use kefu_core::worklist::summary::{Owned, Reminded, Summary, Timing, summarize, timing};
use kefu_core::worklist::{self, Inputs, Item, Outcome, OwnerMode, WorklistSettings};
use kefu_store::worklists::{ItemFilter, Status, StoredItem, WorklistState};
use kefu_store::{Db, Result, StoreInfo};
use rustc_hash::FxHashSet;

/// What a refresh did for one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub store: String,
    /// The time the lists are as of (store-local).
    pub as_of: Millis,
    /// Items computed, and how many of them appeared for the first time.
    pub items: usize,
    pub new: usize,
    /// The buyers recomputed by a refresh in part (`None`: every buyer was).
    pub buyers: Option<usize>,
}

/// The accounts that are bots (roster role or a bot message), by id.
fn bots(db: &Db, store_id: i64) -> Result<Vec<NameId>> {
    Ok(db
        .accounts(store_id)?
        .into_iter()
        .filter(|a| a.is_bot || a.role == Some(Role::Bot))
        .map(|a| a.id)
        .collect())
}

/// The people a round-robin deals new items to: the store's agents who are not bots (those in
/// the roster, when it has any), by account name.
fn agents(db: &Db, store_id: i64) -> Result<Vec<NameId>> {
    let all: Vec<_> = db
        .accounts(store_id)?
        .into_iter()
        .filter(|a| !a.is_bot && a.role != Some(Role::Bot))
        .collect();
    let rostered: Vec<NameId> = all.iter().filter(|a| a.in_roster).map(|a| a.id).collect();
    Ok(if rostered.is_empty() {
        all.iter().map(|a| a.id).collect()
    } else {
        rostered
    })
}

/// What an import changed in a store, for a refresh of the lists in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    /// The first day the import's new or replaced events fall on
    /// ([`kefu_store::TouchedDays`]).
    pub first_day: Day,
    /// The latest import before this one (0: none).
    pub previous_import: i64,
}

/// Recomputes one store's lists as of `at` (default: the time of its latest event) under the
/// settings in force `config`; `None` when the store has no events.
pub fn refresh_store(
    db: &mut Db,
    config: &Config,
    store: &StoreInfo,
    at: Option<Millis>,
) -> Result<Option<Refreshed>> {
    refresh_store_with(db, config, store, at, None, None)
}

/// Refreshes one store's lists after an import that changed it as `changed` says: only the
/// buyers whose items the import (or the time it moved the lists on by) can have changed
/// are recomputed, when the lists were current before it and computed under the same
/// settings; every buyer otherwise. The lists come out as a whole refresh makes them
/// (`docs/worklists` in `docs/metrics.md`; the test `refresh_in_part_equals_whole`).
/// Without `changed` (an import that only changed the roster, or a whole refresh asked
/// for), every buyer is recomputed. `names`: the store's names as the import committed them
/// ([`kefu_store::KeptNames`]), loaded when not given.
pub fn refresh_store_after_import(
    db: &mut Db,
    config: &Config,
    store: &StoreInfo,
    changed: Option<Changed>,
    names: Option<Names>,
) -> Result<Option<Refreshed>> {
    refresh_store_with(db, config, store, None, changed, names)
}

fn refresh_store_with(
    db: &mut Db,
    config: &Config,
    store: &StoreInfo,
    at: Option<Millis>,
    changed: Option<Changed>,
    names: Option<Names>,
) -> Result<Option<Refreshed>> {
    let mut phase = kefu_store::profile::Phase::start();
    let Some((_, last_day)) = db.day_span(store.id)? else {
        return Ok(None);
    };
    let settings = db.worklist_settings(store.id)?;
    let metrics = &config.store(&store.name).metrics;
    let to = at.map_or(last_day, Day::of);
    // The horizon, and before it what a list item of its first day looks back at: the
    // conversion window of an inquiry and a day of context.
    let back = settings.horizon_days as i32 + metrics.conversion_window_days as i32 + 1;
    let window = to.offset(-back);
    let bots = bots(db, store.id)?;
    let agents = match settings.owner {
        OwnerMode::RoundRobin => agents(db, store.id)?,
        _ => Vec::new(),
    };
    // What the lists are computed under, besides the events: kept with them, so that a
    // refresh in part knows the rest of the lists were computed the same way.
    let basis = format!("{settings:?}\n{metrics:?}\nbots {bots:?}\nagents {agents:?}");
    phase.done("worklists: settings");
    // A refresh in part needs every buyer's messages only from the time `t0` on (to find
    // the buyers to recompute); before it, only those buyers' messages, read when known.
    let start = match changed {
        Some(c) => part_start(db, store.id, c, &basis, window, &settings, metrics)?,
        None => None,
    };
    let messages_from = start.as_ref().map_or(window, |s| Day::of(s.t0));
    // Names handed on from an import may lack what another connection added since; loaded
    // here, they are the store's.
    let handed_on = names.is_some();
    let names = match names {
        Some(names) => names,
        None => db.names(store.id)?,
    };
    let mut ev = db.worklist_events(
        store.id,
        (window, to),
        messages_from,
        metrics.after_sale_days,
        names,
    )?;
    phase.done("worklists: load events");
    // The latest event: among those loaded, or the store's latest message when the
    // messages before `messages_from` were not read (it is in the window or not counted).
    let as_of = match at {
        Some(t) => t,
        None => {
            let latest = if messages_from > window {
                db.last_message_time(store.id)?
                    .filter(|&t| t >= window.start() && t < to.offset(1).start())
            } else {
                None
            };
            data_end(&ev)
                .max(latest)
                .unwrap_or(to.offset(1).start() - 1)
        }
    };
    worklist::cut_at(&mut ev.messages, &mut ev.orders, &mut ev.refunds, as_of);
    let from = as_of - settings.horizon_days as i64 * DAY_MS;
    let redo = match start {
        Some(start) if start.prev_as_of <= as_of => Some(buyers_to_redo(
            db,
            store.id,
            &start,
            &Part {
                window,
                as_of,
                from,
                settings: &settings,
                metrics,
            },
            &ev,
        )?),
        _ => None,
    };
    phase.done("worklists: buyers to redo");
    if let Some(redo) = &redo {
        // Each buyer's items follow from that buyer's events alone (`load_events_of_accounts`
        // says why for the engine; the lists' contacts, payments and credit are per buyer
        // too), so the others can be left out before the stream sort. Refunds and ratings
        // stay whole, as there.
        let keep = |b: &NameId| redo.contains(b);
        ev.messages.retain(|m| keep(&m.buyer));
        ev.orders.retain(|o| keep(&o.buyer));
    }
    let (mut messages, mut orders) = db.worklist_earlier(
        store.id,
        (window, to),
        messages_from,
        metrics.after_sale_days,
        redo.as_ref(),
    )?;
    worklist::cut_at(&mut messages, &mut orders, &mut Vec::new(), as_of);
    ev.messages.append(&mut messages);
    ev.orders.append(&mut orders);
    if handed_on && !ev.names_cover_ids() {
        ev.names = db.names(store.id)?;
    }
    // Orders in one order whichever way they were read (ties between payments are broken
    // by it): by creation, then id (unique in a store).
    ev.orders
        .sort_unstable_by(|a, b| (a.created_at, &a.order_id).cmp(&(b.created_at, &b.order_id)));
    phase.done("worklists: keep buyers");
    sort_streams(&mut ev.messages);
    phase.done("worklists: stream sort");
    let view = ev.view();
    let analysis = analyze(&view, metrics);
    phase.done("worklists: analyze");
    let marks = db.worklist_marks(store.id)?;
    let mut items = worklist::compute(&Inputs {
        events: &view,
        analysis: &analysis,
        metrics,
        settings: &settings,
        bots: &bots,
        from,
        as_of,
        marks: &marks,
    });
    if let Some(redo) = &redo {
        items.retain(|i| redo.contains(&i.buyer));
    }
    // Items that appeared before the horizon keep their stored state, unless still open or
    // decided inside it.
    items.retain(|i| {
        i.opened_at >= from
            || i.outcome == Outcome::Open
            || i.outcome.at().is_some_and(|t| t >= from)
    });
    // The events and their analysis are done with: their memory (most of the refresh's)
    // is not held through the write.
    drop(analysis);
    drop(ev);
    phase.done("worklists: compute");
    let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    let known = db.worklist_known(store.id, &keys)?;
    let state = db.worklist_state(store.id)?;
    phase.done("worklists: known items");
    let mut fresh: Vec<usize> = (0..items.len())
        .filter(|&i| !known.contains(&items[i].key))
        .collect();
    // By (opened_at, key): `items` are in key order, so a stable sort by time alone gives it
    // without comparing keys.
    debug_assert!(items.is_sorted_by(|a, b| a.key <= b.key));
    fresh.sort_by_key(|&i| items[i].opened_at);
    let mut owners: Vec<Option<NameId>> = vec![None; items.len()];
    let mut cursor = state.map_or(0, |s| s.cursor);
    match settings.owner {
        OwnerMode::Serving => {
            for &i in &fresh {
                owners[i] = items[i].serving;
            }
        }
        OwnerMode::RoundRobin => {
            let (dealt, next) = worklist::round_robin(fresh.len(), &agents, cursor);
            for (&i, o) in fresh.iter().zip(dealt) {
                owners[i] = o;
            }
            cursor = next;
        }
        OwnerMode::Manual => {}
    }
    let new = fresh.len();
    let n = items.len();
    let pairs: Vec<(Item, Option<NameId>)> = items.into_iter().zip(owners).collect();
    db.write_worklist(
        store.id,
        &pairs,
        from,
        WorklistState {
            as_of,
            import_id: db.last_import_id()?,
            cursor,
        },
        &format!("{}|{basis}", window.0),
        redo.as_ref(),
    )?;
    phase.done("worklists: known, owners, write");
    Ok(Some(Refreshed {
        store: store.name.clone(),
        as_of,
        items: n,
        new,
        buyers: redo.as_ref().map(FxHashSet::len),
    }))
}

/// What a refresh in part starts from, found before any event is loaded.
struct Start {
    /// The time the lists were as of before.
    prev_as_of: Millis,
    /// The first day of events the last refresh loaded.
    old_window: Day,
    /// From this time on, every buyer with an event is recomputed.
    t0: Millis,
}

/// Whether the lists can be refreshed in part after an import that changed the store as
/// `changed` says, and from what: `None` when every buyer must be recomputed (the lists were
/// not current before the import, or computed under other settings, bots or agents, or the
/// import reached back too far). The lists' time must also not move back
/// ([`Start::prev_as_of`]), which is judged once the events are loaded.
fn part_start(
    db: &Db,
    store_id: i64,
    changed: Changed,
    basis: &str,
    window: Day,
    settings: &WorklistSettings,
    metrics: &MetricSettings,
) -> Result<Option<Start>> {
    let Some(prev) = db.worklist_state(store_id)? else {
        return Ok(None);
    };
    if prev.import_id != changed.previous_import {
        return Ok(None);
    }
    let Some((old_window, old_basis)) = db.worklist_basis(store_id)?.and_then(|b| {
        let (w, rest) = b.split_once('|')?;
        Some((Day(w.parse().ok()?), rest.to_string()))
    }) else {
        return Ok(None);
    };
    if old_basis != basis || old_window > window {
        return Ok(None);
    }
    let t0 = changed
        .first_day
        .start()
        .min(prev.as_of - lag(settings, metrics));
    if t0 < window.start() {
        return Ok(None);
    }
    Ok(Some(Start {
        prev_as_of: prev.as_of,
        old_window,
        t0,
    }))
}

/// The longest an item appears after its buyer's event it is based on: a lost inquiry when
/// its conversion window ends, an unpaid order at its first reminder.
fn lag(settings: &WorklistSettings, metrics: &MetricSettings) -> Millis {
    let window_ms = metrics.conversion_window_days.max(1) as i64 * DAY_MS;
    let reminder_ms = settings.first_reminder.0.max(settings.first_reminder.1);
    window_ms.max(reminder_ms)
}

/// What a refresh in part is judged by.
struct Part<'a> {
    /// The first day of events loaded, and the lists' time and horizon start.
    window: Day,
    as_of: Millis,
    from: Millis,
    settings: &'a WorklistSettings,
    metrics: &'a MetricSettings,
}

/// The buyers a refresh after an import must recompute for its lists to equal a whole
/// refresh's, when [`part_start`] found it can be done in part. `ev`: the events of the
/// refresh's window, cut at its time, with every message from `start.t0` on.
///
/// A buyer none of whose events changed keeps the items it had, except by the passing of
/// time from the last refresh's time `t` to `as_of` and by the window moving on. So these
/// are recomputed: buyers with an event from `t0` on, the earlier of the first day changed
/// and `t` less the longest lag of an item behind its event (new events, and every item that
/// can appear after `t`: a lost inquiry when its conversion window ends, an unpaid order at
/// its first reminder, a balance when its window opens); buyers of open items whose window
/// ends by `as_of` (they become lost); of items
/// opened near the horizon's start, which moved (the items computed beside them, and so
/// the credit of a payment among them, change); of items with a contact noted by hand; and
/// of events loaded by the last refresh that this one no longer loads, or loads anew
/// (the days the window moved past, presale orders and pending refunds from before it).
fn buyers_to_redo(
    db: &Db,
    store_id: i64,
    start: &Start,
    p: &Part<'_>,
    ev: &kefu_store::LoadedEvents,
) -> Result<FxHashSet<NameId>> {
    let lag = lag(p.settings, p.metrics);
    let t0 = start.t0;
    let mut redo = db.worklist_buyers_to_redo(
        store_id,
        p.as_of,
        start.prev_as_of - p.settings.horizon_days as i64 * DAY_MS,
        p.from + lag + 1,
    )?;
    let first_order = p.window.offset(-(p.metrics.after_sale_days as i32)).start();
    let late = |t: Option<Millis>| t.is_some_and(|t| t >= t0);
    for m in &ev.messages {
        if m.time >= t0 {
            redo.insert(m.buyer);
        }
    }
    for o in &ev.orders {
        let presale = o.presale.is_some_and(|s| {
            s.balance_from >= t0 || late(s.deposit_paid_at) || o.created_at < first_order
        });
        if presale || late(Some(o.created_at)) || late(o.paid_at) || late(o.closed_at) {
            redo.insert(o.buyer);
        }
    }
    for r in &ev.refunds {
        if late(Some(r.requested_at)) || late(r.finished_at) || r.requested_at < p.window.start() {
            redo.insert(r.buyer);
        }
    }
    if start.old_window < p.window {
        // Only their buyers' ids are asked: no names.
        let gone = db.worklist_events(
            store_id,
            (start.old_window, p.window.offset(-1)),
            start.old_window,
            p.metrics.after_sale_days,
            Names::default(),
        )?;
        redo.extend(gone.messages.iter().map(|m| m.buyer));
        redo.extend(gone.orders.iter().map(|o| o.buyer));
        redo.extend(gone.refunds.iter().map(|r| r.buyer));
    }
    Ok(redo)
}

/// The time of the latest event loaded: a message, an order's creation, payment or close, a
/// refund's request or end.
fn data_end(ev: &kefu_store::LoadedEvents) -> Option<Millis> {
    let messages = ev.messages.iter().map(|m| m.time);
    let orders = ev
        .orders
        .iter()
        .flat_map(|o| [Some(o.created_at), o.paid_at, o.closed_at])
        .flatten();
    let refunds = ev
        .refunds
        .iter()
        .flat_map(|r| [Some(r.requested_at), r.finished_at])
        .flatten();
    messages.chain(orders).chain(refunds).max()
}

/// Refreshes the lists of the stores named (every store when `None`) under the settings in
/// force over `base`.
pub fn refresh(
    db: &mut Db,
    base: &Config,
    store: Option<&str>,
    at: Option<Millis>,
) -> Result<Vec<Refreshed>> {
    let config = crate::settings::in_force(db, base)?;
    let stores: Vec<StoreInfo> = match store {
        Some(name) => vec![db.store(name)?],
        None => db.stores()?,
    };
    let mut done = Vec::new();
    for s in &stores {
        if let Some(r) = refresh_store(db, &config, s, at)? {
            done.push(r);
        }
    }
    Ok(done)
}

/// Refreshes a store's lists when they are older than the latest import (or were never
/// computed): what every read of the lists calls first.
pub fn ensure_fresh(db: &mut Db, base: &Config, store: &StoreInfo) -> Result<()> {
    let last = db.last_import_id()?;
    if db
        .worklist_state(store.id)?
        .is_none_or(|s| s.import_id < last)
    {
        let config = crate::settings::in_force(db, base)?;
        refresh_store(db, &config, store, None)?;
    }
    Ok(())
}

/// The measurements over the items opened on the days `[from, to]`.
pub fn summary(db: &Db, store_id: i64, from: Day, to: Day) -> Result<Summary> {
    let items = db.worklist_items(
        store_id,
        &ItemFilter {
            opened: Some((from.start(), to.offset(1).start())),
            ..ItemFilter::default()
        },
    )?;
    Ok(summarize(items.iter().map(|s| Owned {
        item: &s.item,
        owner: s.owner,
    })))
}

/// The recovered sales per agent of the items decided (recovered or lost) on the days
/// `[from, to]` — a recovery belongs to the day of its payment (a refund's, of its close) —
/// tallied as the worklist report tallies them per agent ([`summarize`]: credit to the last
/// contact before the recovery, the rate over the decided items the agent contacted), over
/// every list and per list: the recovered-sales figures of plans. The lists as last
/// refreshed (every import refreshes them).
pub fn recovered_by_agent(
    db: &Db,
    store_id: i64,
    from: Day,
    to: Day,
) -> Result<std::collections::HashMap<NameId, kefu_plan::AgentRecovery>> {
    let items = db.worklist_items(
        store_id,
        &ItemFilter {
            decided: Some((from.start(), to.offset(1).start())),
            ..ItemFilter::default()
        },
    )?;
    let of = |kind: Option<worklist::Kind>| {
        summarize(
            items
                .iter()
                .filter(move |s| kind.is_none_or(|k| s.item.kind == k))
                .map(|s| Owned {
                    item: &s.item,
                    owner: s.owner,
                }),
        )
        .agents
    };
    let mut out: std::collections::HashMap<NameId, kefu_plan::AgentRecovery> =
        std::collections::HashMap::new();
    for (agent, tally) in of(None) {
        out.entry(agent).or_default().total = tally;
    }
    for kind in worklist::Kind::ALL {
        for (agent, tally) in of(Some(kind)) {
            out.entry(agent).or_default().lists.insert(kind, tally);
        }
    }
    Ok(out)
}

/// The reminder timing of the store's own history: orders created on `[from, to]` that were
/// reminded (§4).
pub fn reminder_timing(db: &Db, store_id: i64, from: Day, to: Day) -> Result<Timing> {
    let rows = db.reminded_orders(store_id, from.start(), to.offset(1).start())?;
    Ok(timing(rows.into_iter().map(
        |(created_at, reminded_at, paid_at)| Reminded {
            created_at,
            reminded_at,
            paid_at,
        },
    )))
}

/// What an item shows as its state: the data's outcome first (a recovery is measured, never
/// claimed), then what people set.
pub fn shown_status(item: &StoredItem) -> &'static str {
    match (item.item.outcome, item.status) {
        (Outcome::Recovered { .. }, _) => "recovered",
        (Outcome::Lost { .. }, _) | (_, Status::Lost) => "lost",
        (_, Status::DoNotContact) => "do_not_contact",
        (_, Status::Contacted) => "contacted",
        (Outcome::Open, Status::Open) if !item.item.contacts.is_empty() => "contacted",
        (Outcome::Open, Status::Open) => "open",
    }
}

/// Unpaid orders not reminded: open 下单未付款 items with no reminder sent and no contact
/// noted (shown as `open`), of the lists as last refreshed (every import refreshes them).
pub fn not_reminded(db: &Db, store_id: i64) -> Result<Vec<StoredItem>> {
    let filter = ItemFilter {
        kind: Some(worklist::Kind::Unpaid),
        open_only: true,
        ..Default::default()
    };
    let mut items = db.worklist_items(store_id, &filter)?;
    items.retain(|i| i.item.reminders == 0 && shown_status(i) == "open");
    Ok(items)
}

/// [`not_reminded`] counted: how many items and their amount in cents, of `owners`' items
/// only when given (the start page's attention line).
pub fn not_reminded_totals(
    db: &Db,
    store_id: i64,
    owners: Option<&[NameId]>,
) -> Result<(u64, i64)> {
    db.worklist_not_reminded_totals(store_id, owners)
}

impl ItemView {
    /// [`not_reminded`]'s rule for an item of a report.
    pub fn not_reminded(&self) -> bool {
        self.list == worklist::Kind::Unpaid.as_str() && self.reminders == 0 && self.status == "open"
    }
}

/// The wall clock now, in a store's local time.
pub fn now_local(tz: UtcOffset) -> Millis {
    let utc = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    utc + tz.0 as i64 * 60_000
}

/// What a worklist report shows.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub kind: Option<worklist::Kind>,
    /// Only items owned by these accounts (`None`: everyone's).
    pub owners: Option<Vec<NameId>>,
    /// Recovered and lost items too (default: open ones only).
    pub all: bool,
    /// The measurements over items opened on these days (default: the 30 days up to the
    /// lists' time).
    pub days: Option<(Day, Day)>,
}

/// One item as reports show it: names for ids, times as text, money in cents.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemView {
    pub key: String,
    pub list: &'static str,
    pub buyer: String,
    /// The order or refund id, or the inquiry's day.
    pub reference: String,
    pub owner: Option<String>,
    pub serving: Option<String>,
    /// `open`, `contacted`, `recovered`, `lost` or `do_not_contact` ([`shown_status`]).
    pub status: &'static str,
    pub opened_at: String,
    pub due_at: Option<String>,
    pub expires_at: Option<String>,
    pub amount_cents: i64,
    pub reminders: u32,
    pub last_reminder_at: Option<String>,
    pub recovered_at: Option<String>,
    pub recovered_order: Option<String>,
    pub recovered_cents: i64,
    pub credited: Option<String>,
    pub contacts: Vec<String>,
    pub time_to_recover_secs: Option<i64>,
}

/// A tally as reports show it, with its rate and mean time to recover.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TallyView {
    /// The list (`lost_inquiry`, …), the account, or `total` / `uncontacted`.
    pub name: String,
    pub items: u64,
    pub open: u64,
    pub recovered: u64,
    pub lost: u64,
    pub recovered_after_contact: u64,
    pub orders: u64,
    pub cents: i64,
    pub rate: Option<f64>,
    pub avg_recover_secs: Option<i64>,
}

impl TallyView {
    fn of(name: String, t: &kefu_core::worklist::summary::Tally, per_agent: bool) -> TallyView {
        TallyView {
            name,
            items: t.items,
            open: t.open,
            recovered: t.recovered,
            lost: t.lost,
            recovered_after_contact: t.recovered_after_contact,
            orders: t.orders,
            cents: t.cents,
            rate: t.rate(per_agent),
            avg_recover_secs: t.avg_recover_secs(),
        }
    }
}

/// One bucket of the timing insight.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BucketView {
    /// Minutes after creation the bucket starts at, or the hour of day.
    pub from: i64,
    pub reminded: u64,
    pub paid: u64,
    pub rate: Option<f64>,
}

/// A store's worklist report: the items asked for, the recovered sales over the measured
/// days, and the reminder timing of the same days.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub store: String,
    /// The time the lists are as of (none: never computed, no events).
    pub as_of: Option<String>,
    pub items: Vec<ItemView>,
    pub from: String,
    pub to: String,
    pub lists: Vec<TallyView>,
    pub total: TallyView,
    pub agents: Vec<TallyView>,
    pub uncontacted: TallyView,
    pub timing_by_delay: Vec<BucketView>,
    pub timing_by_hour: Vec<BucketView>,
}

/// Builds a store's report after bringing its lists up to date.
pub fn report(db: &mut Db, base: &Config, store: &StoreInfo, q: &Query) -> Result<Report> {
    ensure_fresh(db, base, store)?;
    let names = db.names(store.id)?;
    let name = |id: NameId| names.name(id).to_string();
    let state = db.worklist_state(store.id)?;
    let items = db.worklist_items(
        store.id,
        &ItemFilter {
            kind: q.kind,
            owners: q.owners.clone(),
            open_only: !q.all,
            ..ItemFilter::default()
        },
    )?;
    let mut items: Vec<StoredItem> = items;
    items.sort_by(|a, b| worklist::by_due(&a.item, &b.item));
    let time = kefu_core::time::format_time;
    let views = items
        .iter()
        .map(|s| {
            let i = &s.item;
            ItemView {
                key: i.key.clone(),
                list: i.kind.as_str(),
                buyer: name(i.buyer),
                reference: i.reference.clone(),
                owner: s.owner.map(name),
                serving: i.serving.map(name),
                status: shown_status(s),
                opened_at: time(i.opened_at),
                due_at: i.due_at.map(time),
                expires_at: i.expires_at.map(time),
                amount_cents: i.amount,
                reminders: i.reminders,
                last_reminder_at: i.last_reminder_at.map(time),
                recovered_at: match i.outcome {
                    Outcome::Recovered { at } => Some(time(at)),
                    _ => None,
                },
                recovered_order: i.recovered_order.clone(),
                recovered_cents: i.recovered_amount,
                credited: i.credited.map(name),
                contacts: i.contacts.iter().map(|&c| name(c)).collect(),
                time_to_recover_secs: i.time_to_recover().map(|ms| ms / 1000),
            }
        })
        .collect();
    let last = state.map_or(Day(0), |s| Day::of(s.as_of));
    let (from, to) = q.days.unwrap_or((last.offset(-29), last));
    let sum = summary(db, store.id, from, to)?;
    let lists = worklist::Kind::ALL
        .iter()
        .map(|k| {
            TallyView::of(
                k.as_str().to_string(),
                &sum.lists.get(k).cloned().unwrap_or_default(),
                false,
            )
        })
        .collect();
    let mut agents: Vec<TallyView> = sum
        .agents
        .iter()
        .map(|(&a, t)| TallyView::of(name(a), t, true))
        .collect();
    agents.sort_by(|a, b| a.name.cmp(&b.name));
    let tm = reminder_timing(db, store.id, from, to)?;
    let bucket = |from: i64, b: &kefu_core::worklist::summary::Bucket| BucketView {
        from,
        reminded: b.reminded,
        paid: b.paid,
        rate: b.rate(),
    };
    Ok(Report {
        store: store.name.clone(),
        as_of: state.map(|s| time(s.as_of)),
        items: views,
        from: from.to_string(),
        to: to.to_string(),
        lists,
        total: TallyView::of("total".into(), &sum.total, false),
        agents,
        // Only recoveries are counted there: a rate would always be 1.
        uncontacted: TallyView {
            rate: None,
            ..TallyView::of("uncontacted".into(), &sum.uncontacted, false)
        },
        timing_by_delay: kefu_core::worklist::summary::DELAY_BUCKETS_MIN
            .iter()
            .zip(&tm.by_delay)
            .map(|(&m, b)| bucket(m, b))
            .collect(),
        timing_by_hour: tm
            .by_hour
            .iter()
            .enumerate()
            .map(|(h, b)| bucket(h as i64, b))
            .collect(),
    })
}

/// Why a change to an item was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error("no worklist item `{0}` in this store")]
    NoItem(String),
    #[error("`recovered` is measured from the data, not set by hand")]
    Recovered,
    #[error("unknown status `{0}`: expected open, contacted, lost or do_not_contact")]
    Status(String),
    #[error(transparent)]
    Store(#[from] kefu_store::StoreError),
}

impl kefu_core::localized::Localized for WorkError {
    fn zh(&self) -> String {
        match self {
            WorkError::NoItem(k) => format!("本店铺没有工作清单项「{k}」"),
            WorkError::Recovered => "「已挽回」由数据判定，不能手动设置".to_string(),
            WorkError::Status(s) => {
                format!("未知状态「{s}」：应为 open、contacted、lost 或 do_not_contact")
            }
            WorkError::Store(e) => e.zh(),
        }
    }
}

/// Sets an item's status by its text; `contacted` notes a contact by `account` now (store
/// time), which can earn the account the credit of a later recovery.
pub fn set_status(
    db: &Db,
    store: &StoreInfo,
    tz: UtcOffset,
    key: &str,
    status: &str,
    by: &str,
    account: Option<NameId>,
) -> std::result::Result<(), WorkError> {
    let status = match Status::parse(status) {
        Some(s) => s,
        None if status.trim() == "recovered" => return Err(WorkError::Recovered),
        None => return Err(WorkError::Status(status.to_string())),
    };
    if db.set_worklist_status(store.id, key, status, by, now_local(tz), account)? {
        Ok(())
    } else {
        Err(WorkError::NoItem(key.to_string()))
    }
}

/// Gives an item to another owner (`None`: unassigned).
pub fn reassign(
    db: &Db,
    store: &StoreInfo,
    key: &str,
    owner: Option<NameId>,
) -> std::result::Result<(), WorkError> {
    if db.reassign_worklist_item(store.id, key, owner)? {
        Ok(())
    } else {
        Err(WorkError::NoItem(key.to_string()))
    }
}
