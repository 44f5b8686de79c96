//! Deterministic synthetic demo store for kefu.
//!
//! [`write_files`] writes a realistic month of a Taobao/Tmall store's
//! customer-service data in kefu's canonical CSV formats
//! (`/work/shared/spec/formats.md`): `agents.csv`, one
//! `messages-YYYY-MM-DD.csv` per day, `orders.csv`, `refunds.csv` and
//! `ratings.csv`, every file with a `store` column.
//!
//! What the data contains (so that every metric has something to show):
//!
//! - a roster of people (`{store}:{name}`, about 70 % presale in 售前一组 /
//!   售前二组, the rest 售后组; 早班 08:00–16:00 and 晚班 16:00–24:00
//!   alternating within each group) plus the bot account `店小蜜`;
//! - buyers arriving on an hourly curve (peaks 10–11h, 14–16h, 20–22h), a
//!   promotion day (11-11 if in the period, else 06-18, else the middle day)
//!   with about 5× the volume, a midnight rush, a ramp on the days before,
//!   weekends a little busier;
//! - conversations of several rounds; `auto` greetings (and away / busy
//!   notices), the bot answering first for part of the buyers and handing
//!   over with a `system` message whose `transfer_to` is the person's
//!   account, unanswered rounds, impatient nudges, conversations running past
//!   midnight, messages left at night answered in the morning;
//! - agents with their own speed (median first response 15–150 s, heavy
//!   tail, 1.8× slower on the promotion day) and skill; the chance that an
//!   inquiry leads to an order falls with the first response time
//!   (× e^(−frt/300 s));
//! - orders paid at once or unpaid, then reminded (催付) by an agent and paid
//!   later or closed after 24 h; silent orders (buyers who never chat);
//!   next-day orders after an inquiry; after-sale questions hours after the
//!   payment (same or next day); refunds (a few % of paid orders, handled by
//!   an after-sale account, `success` / `closed` / `pending`); ratings 1–5,
//!   better for fast answers.
//!
//! Identifiers: message rows are sorted by time within their day file and
//! `msg_id` is `m{YYYYMMDD}-{n}` (n = row number in that file); `order_id` is
//! `{YYYYMMDD}{n:07}` with the date of the simulated day that caused the
//! order (orders placed after midnight keep the previous day's prefix);
//! `refund_id` is `R{order_id}` (at most one refund per order). Buyer nicks
//! (`tb…` or word + digits) are unique per buyer; a buyer comes back under
//! the same nick for reminders, after-sale questions and refunds.
//!
//! The output depends only on the [`DemoConfig`]: the same config writes
//! byte-identical files on every platform (own PRNG and float functions,
//! per-day PRNG streams, so days are generated in parallel in any order).
//! Anything that would happen after the end of the period is cut off as in a
//! real export taken at that moment (no message, order or refund after it;
//! later payments, closures and refund completions are left empty).

mod calendar;
mod out;
mod rng;
mod roster;
mod sim;
mod text;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;

use out::{Sink, csv_field};
use roster::{BOT_ACCOUNT, GROUP_BOT, Role};
use sim::{Ctx, DAY, DayOut, Sim, push_msg};

/// Header of the message files.
pub const MESSAGES_HEADER: &str = "time,buyer,account,sender,text,msg_id,transfer_to,store";
/// Header of `orders.csv`.
pub const ORDERS_HEADER: &str = "order_id,buyer,created_at,paid_at,closed_at,amount,items,store";
/// Header of `refunds.csv`.
pub const REFUNDS_HEADER: &str =
    "refund_id,order_id,buyer,requested_at,finished_at,status,amount,account,store";
/// Header of `ratings.csv`.
pub const RATINGS_HEADER: &str = "time,buyer,account,score,store";
/// Header of `agents.csv`.
pub const AGENTS_HEADER: &str = "account,name,group,role,store";

/// The bot account's name (`店小蜜`), as written in `account`.
pub const BOT: &str = BOT_ACCOUNT;

/// Messages per person and day when [`DemoConfig::messages_target`] is unset.
pub const DEFAULT_MESSAGES_PER_AGENT_DAY: u64 = sim::DEFAULT_MESSAGES_PER_AGENT_DAY;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoConfig {
    /// Store name (default `晨光旗舰店`); accounts are `{store}:{name}`.
    pub store: String,
    /// First day (year, month, day), default 2026-11-01.
    pub start: (i32, u32, u32),
    /// Number of days (1..=10000), default 30.
    pub days: u32,
    /// Number of people on the roster (the bot comes on top), default 20.
    pub agents: u32,
    /// PRNG seed, default 42.
    pub seed: u64,
    /// If set, arrivals are scaled so that the total number of messages is
    /// about this (within a few %). If unset: about
    /// [`DEFAULT_MESSAGES_PER_AGENT_DAY`] × agents × days.
    pub messages_target: Option<u64>,
    /// If set, only the days with an index (from 0) in `first..=last` are
    /// written: their message files and the orders, refunds and ratings they
    /// cause, byte for byte what the whole period writes for them. Windows
    /// that tile the period therefore continue one store (same roster, buyer
    /// nicks, order ids and volume plan), which is how a long period is
    /// generated and imported month by month without holding it all on disk.
    /// Default `None`: every day.
    pub only_days: Option<(u32, u32)>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            store: "晨光旗舰店".to_string(),
            start: (2026, 11, 1),
            days: 30,
            agents: 20,
            seed: 42,
            messages_target: None,
            only_days: None,
        }
    }
}

/// Day index (from 0) of `date` (year, month, day) in the period of `cfg`,
/// or `None` when the date is invalid or outside the period.
pub fn day_index(cfg: &DemoConfig, date: (i32, u32, u32)) -> Option<u32> {
    let (y, m, d) = date;
    let (sy, sm, sd) = cfg.start;
    if !calendar::is_valid_date(y, m, d) || !calendar::is_valid_date(sy, sm, sd) {
        return None;
    }
    let i = calendar::days_from_civil(y, m, d) - calendar::days_from_civil(sy, sm, sd);
    u32::try_from(i).ok().filter(|&i| i < cfg.days)
}

/// What [`write_files`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    /// Every file written: `agents.csv`, the message files in day order,
    /// `orders.csv`, `refunds.csv`, `ratings.csv`.
    pub files: Vec<PathBuf>,
    pub messages: u64,
    pub orders: u64,
    pub refunds: u64,
    pub ratings: u64,
    /// People on the roster (without the bot).
    pub agents: u32,
    /// `YYYY-MM-DD`.
    pub first_day: String,
    /// `YYYY-MM-DD`.
    pub last_day: String,
}

/// The promotion day (index from 0) the generator uses for a config:
/// 11-11 if it is in the period, else 06-18, else the middle day.
pub fn promotion_day(cfg: &DemoConfig) -> io::Result<u32> {
    Ok(Ctx::new_unplanned(cfg)?.promo)
}

/// Generate the demo store into `dir` (created if missing; existing files of
/// the same names are overwritten). `progress(done, total)` is called on the
/// calling thread after each day's message file is written.
///
/// Errors: invalid config (`InvalidInput`), or any I/O error.
pub fn write_files(
    cfg: &DemoConfig,
    dir: &Path,
    progress: &dyn Fn(u64, u64),
) -> io::Result<DemoSummary> {
    let ctx = Ctx::new(cfg)?;
    let (first, last) = match cfg.only_days {
        None => (0, ctx.days - 1),
        Some((first, last)) if first <= last && last < ctx.days => (first, last),
        Some((first, last)) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "days to write {first}..={last} are not within the {} days of the period",
                    ctx.days
                ),
            ));
        }
    };
    fs::create_dir_all(dir)?;
    let days = last - first + 1;
    // The first day's file starts with the previous day's spill past
    // midnight, so that day is simulated again (and not written).
    let simulate_from = first.saturating_sub(1);
    let mut files = Vec::with_capacity(days as usize + 4);

    // Roster.
    let path = dir.join("agents.csv");
    let mut agents = Sink::create(&path, AGENTS_HEADER)?;
    for (i, a) in ctx.agents.iter().enumerate() {
        let role = match a.role {
            Role::Presale => "presale",
            Role::Aftersale => "aftersale",
        };
        let line = format!(
            "{},{},{},{},{}\n",
            ctx.accounts[i + 1],
            csv_field(&a.name),
            a.group,
            role,
            ctx.store
        );
        agents.append(line.as_bytes())?;
    }
    let line = format!(
        "{},{},{},bot,{}\n",
        ctx.accounts[0],
        csv_field(BOT_ACCOUNT),
        GROUP_BOT,
        ctx.store
    );
    agents.append(line.as_bytes())?;
    agents.finish()?;
    files.push(path);

    let orders_path = dir.join("orders.csv");
    let refunds_path = dir.join("refunds.csv");
    let ratings_path = dir.join("ratings.csv");
    let mut orders = Sink::create(&orders_path, ORDERS_HEADER)?;
    let mut refunds = Sink::create(&refunds_path, REFUNDS_HEADER)?;
    let mut ratings = Sink::create(&ratings_path, RATINGS_HEADER)?;

    let mut summary = DemoSummary {
        files: Vec::new(),
        messages: 0,
        orders: 0,
        refunds: 0,
        ratings: 0,
        agents: cfg.agents,
        first_day: ctx.dates[first as usize].clone(),
        last_day: ctx.dates[last as usize].clone(),
    };

    let next_day = AtomicU32::new(simulate_from);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<DayOut>(2);
    let ctx_ref = &ctx;
    std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..2 {
            let tx = tx.clone();
            let (next_day, stop) = (&next_day, &stop);
            scope.spawn(move || {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let d = next_day.fetch_add(1, Ordering::Relaxed);
                    if d > last {
                        break;
                    }
                    let out = Sim::for_day(ctx_ref, d).run();
                    if tx.send(out).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);

        let mut write_all = || -> io::Result<()> {
            let mut pending: BTreeMap<u32, DayOut> = BTreeMap::new();
            let mut prev: Option<DayOut> = None;
            for d in simulate_from..=last {
                let cur = loop {
                    if let Some(o) = pending.remove(&d) {
                        break o;
                    }
                    let o = rx
                        .recv()
                        .map_err(|_| io::Error::other("demo generator thread failed"))?;
                    pending.insert(o.day, o);
                };
                if d < first {
                    prev = Some(cur);
                    continue;
                }
                let path = dir.join(format!("messages-{}.csv", ctx.dates[d as usize]));
                summary.messages += write_messages(&ctx, &path, prev.as_ref(), &cur)?;
                files.push(path);
                orders.append(&cur.orders_csv)?;
                refunds.append(&cur.refunds_csv)?;
                ratings.append(&cur.ratings_csv)?;
                summary.orders += cur.n_orders;
                summary.refunds += cur.n_refunds;
                summary.ratings += cur.n_ratings;
                let mut cur = cur;
                cur.today = Vec::new();
                cur.orders_csv = Vec::new();
                cur.refunds_csv = Vec::new();
                cur.ratings_csv = Vec::new();
                prev = Some(cur);
                progress(u64::from(d - first) + 1, u64::from(days));
            }
            Ok(())
        };
        let res = write_all();
        if res.is_err() {
            stop.store(true, Ordering::Relaxed);
            // Unblock senders: dropping the receiver makes `send` fail.
            drop(rx);
        }
        res
    })?;

    orders.finish()?;
    refunds.finish()?;
    ratings.finish()?;
    files.push(orders_path);
    files.push(refunds_path);
    files.push(ratings_path);
    summary.files = files;
    Ok(summary)
}

/// Write one day's message file: the previous day's spill merged by time
/// with the day's own messages. Returns the number of rows.
fn write_messages(ctx: &Ctx, path: &Path, prev: Option<&DayOut>, cur: &DayOut) -> io::Result<u64> {
    let d = cur.day as usize;
    let date = ctx.dates[d].as_bytes();
    let id_prefix = format!("m{}-", ctx.compact[d]);
    let id_prefix = id_prefix.as_bytes();
    let mut sink = Sink::create(path, crate::MESSAGES_HEADER)?;
    let empty = Vec::new();
    let (spill, spill_nicks) = match prev {
        Some(p) => (&p.spill, Some(&p.nicks)),
        None => (&empty, None),
    };
    let today = &cur.today;
    let (mut i, mut j) = (0, 0);
    let mut n = 0u64;
    let end = (cur.day + 1) * DAY;
    while i < spill.len() || j < today.len() {
        let take_spill = i < spill.len() && (j >= today.len() || spill[i].t() <= today[j].t());
        n += 1;
        if take_spill {
            let m = &spill[i];
            i += 1;
            debug_assert!(m.t() < end);
            push_msg(
                &mut sink.buf,
                ctx,
                spill_nicks.expect("spill has nicks"),
                m,
                date,
                id_prefix,
                n,
            );
        } else {
            push_msg(
                &mut sink.buf,
                ctx,
                &cur.nicks,
                &today[j],
                date,
                id_prefix,
                n,
            );
            j += 1;
        }
        sink.maybe_flush()?;
    }
    sink.finish()?;
    Ok(n)
}
