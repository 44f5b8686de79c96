//! Worklists and recovered sales (issue 16), pure: a store's events, the engine's analysis of
//! them and the worklist settings in; the items of four lists out — lost inquiries, unpaid
//! orders, presale balances due and refunds waiting on the store — each with its serving
//! agent, due time, the reminders already sent, and whether a later payment recovered it and
//! whose contact it is credited to. `docs/metrics.md` ("Worklists and recovered sales") states
//! every rule written here.
//!
//! Everything is "as of" one time: the caller passes only events at or before it
//! ([`cut_at`]), so the lists are what was known then.

pub mod settings;
pub mod summary;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::engine::{Analysis, StoreEvents};
use crate::model::{Message, NameId, Names, Order, Refund, RefundStatus, Sender};
use crate::settings::MetricSettings;
use crate::time::{Day, Millis};

pub use settings::{OwnerMode, WorklistSettings};

/// The four lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An inquiry with no order within the conversion window (询单流失).
    LostInquiry,
    /// An order created and not paid (催付).
    Unpaid,
    /// A presale order whose deposit is paid and whose balance is due (尾款).
    Balance,
    /// A refund request the store has not finished (退款待处理).
    Refund,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::LostInquiry, Kind::Unpaid, Kind::Balance, Kind::Refund];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LostInquiry => "lost_inquiry",
            Kind::Unpaid => "unpaid",
            Kind::Balance => "balance",
            Kind::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::LostInquiry => "询单流失",
            Kind::Unpaid => "下单未付款",
            Kind::Balance => "预售尾款",
            Kind::Refund => "退款待处理",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Kind::LostInquiry => "Lost inquiries",
            Kind::Unpaid => "Unpaid orders",
            Kind::Balance => "Presale balances due",
            Kind::Refund => "Refunds waiting",
        }
    }
}

/// What the data says became of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing yet: still within its window.
    Open,
    /// A payment (or, for a refund, its withdrawal) came within the window, at `at`.
    Recovered { at: Millis },
    /// The window ended without one (or the refund was paid out), at `at`.
    Lost { at: Millis },
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Open => "open",
            Outcome::Recovered { .. } => "recovered",
            Outcome::Lost { .. } => "lost",
        }
    }
    pub fn at(self) -> Option<Millis> {
        match self {
            Outcome::Open => None,
            Outcome::Recovered { at } | Outcome::Lost { at } => Some(at),
        }
    }
}

/// One item of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable across recomputations: `lost_inquiry:<buyer id>:<day>`, `unpaid:<order id>`,
    /// `balance:<order id>`, `refund:<refund id>` (buyer ids are a store's interned names,
    /// which never change).
    pub key: String,
    pub kind: Kind,
    pub buyer: NameId,
    /// The order or refund id, or the inquiry's day.
    pub reference: String,
    /// The person who served the buyer (the default owner); `None` when no person did.
    pub serving: Option<NameId>,
    /// When the item appeared on its list.
    pub opened_at: Millis,
    /// When the next contact is due; `None` when no more is planned.
    pub due_at: Option<Millis>,
    /// When its window ends (`None`: a refund, which ends when it is finished).
    pub expires_at: Option<Millis>,
    /// What is at stake, in cents: the order's amount, the balance, the refund (0 for an
    /// inquiry).
    pub amount: i64,
    /// Reminders already sent (runs of agent messages, §4's rule), and the last one's start.
    pub reminders: u32,
    pub last_reminder_at: Option<Millis>,
    pub outcome: Outcome,
    /// The order whose payment recovered the item.
    pub recovered_order: Option<String>,
    /// The cents of that payment credited to this item: each paid order counts once, on one
    /// item (its own first, else the buyer's earliest-opened one); 0 on the others.
    pub recovered_amount: i64,
    /// Whether that order counts here (it counts on one item only; a withdrawn refund
    /// recovers no order).
    pub counts_order: bool,
    /// The person whose contact the recovery is credited to: the last contact before it.
    pub credited: Option<NameId>,
    /// Everyone who contacted the buyer for the item (up to its outcome), by name id.
    pub contacts: Vec<NameId>,
}

impl Item {
    /// Milliseconds from appearing to being recovered.
    pub fn time_to_recover(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Recovered { at } => Some((at - self.opened_at).max(0)),
            _ => None,
        }
    }
}

/// A contact noted by hand (a phone call, a message outside the chat tool): who, when.
pub type Mark = (NameId, Millis);

/// What the lists are computed from.
pub struct Inputs<'a> {
    pub events: &'a StoreEvents<'a>,
    pub analysis: &'a Analysis,
    pub metrics: &'a MetricSettings,
    pub settings: &'a WorklistSettings,
    /// Bot accounts (never owners, never credited).
    pub bots: &'a [NameId],
    /// Items based before this time are not computed (their stored state stands).
    pub from: Millis,
    /// The time the lists are as of; no event after it may be in `events`.
    pub as_of: Millis,
    /// Contacts noted by hand, by item key.
    pub marks: &'a FxHashMap<String, Mark>,
}

/// Two agent messages this close are one reminder (one contact), not two.
pub const SAME_CONTACT_MS: Millis = 10 * 60_000;

/// Drops what happened after `as_of` (and what an order or refund had not yet become then),
/// so the lists computed from the rest are the lists as of that time.
pub fn cut_at(
    messages: &mut Vec<Message>,
    orders: &mut Vec<Order>,
    refunds: &mut Vec<Refund>,
    as_of: Millis,
) {
    messages.retain(|m| m.time <= as_of);
    orders.retain(|o| o.created_at <= as_of);
    let later = |t: &mut Option<Millis>| {
        if t.is_some_and(|t| t > as_of) {
            *t = None;
        }
    };
    for o in orders.iter_mut() {
        later(&mut o.paid_at);
        later(&mut o.closed_at);
        if let Some(p) = &mut o.presale {
            later(&mut p.deposit_paid_at);
        }
    }
    refunds.retain(|r| r.requested_at <= as_of);
    for r in refunds.iter_mut() {
        if r.finished_at.is_some_and(|t| t > as_of) {
            r.finished_at = None;
            r.status = RefundStatus::Pending;
        }
    }
}

/// The agent (person) messages of a store, by buyer and time, for contacts and reminders.
struct Contacts {
    /// (buyer, time, account rank, account)
    msgs: Vec<(NameId, Millis, u32, NameId)>,
}

impl Contacts {
    fn new(ev: &StoreEvents<'_>, bots: &[NameId], rank: &[u32]) -> Contacts {
        let mut msgs: Vec<_> = ev
            .messages
            .iter()
            .filter(|m| m.sender == Sender::Agent && !bots.contains(&m.account))
            .map(|m| (m.buyer, m.time, rank_of(rank, m.account), m.account))
            .collect();
        // Whole tuples compared: the order is the same however the sort splits the work.
        msgs.par_sort_unstable();
        Contacts { msgs }
    }

    /// The buyer's agent messages with `from < time <= to` (`strict`) or `from <= time <= to`.
    fn between(
        &self,
        buyer: NameId,
        from: Millis,
        to: Millis,
        strict: bool,
    ) -> &[(NameId, Millis, u32, NameId)] {
        let lo = self.msgs.partition_point(|&(b, t, _, _)| {
            (b, t) < (buyer, from) || (strict && (b, t) == (buyer, from))
        });
        let hi = self
            .msgs
            .partition_point(|&(b, t, _, _)| (b, t) <= (buyer, to));
        self.msgs.get(lo..hi.max(lo)).unwrap_or(&[])
    }
}

/// Starts of reminders among messages in time order: a message more than
/// [`SAME_CONTACT_MS`] after the start of the previous reminder starts a new one.
fn reminder_starts(msgs: &[(NameId, Millis, u32, NameId)]) -> Vec<Millis> {
    let mut starts: Vec<Millis> = Vec::new();
    for &(_, t, _, _) in msgs {
        if starts.last().is_none_or(|&s| t - s > SAME_CONTACT_MS) {
            starts.push(t);
        }
    }
    starts
}

/// The rank of each account by name (bytes), for the tie between two contacts at the same
/// time. Only the names that can be compared are ranked — the accounts of the messages and
/// of the contacts noted by hand — so their order among themselves is that of all names,
/// without sorting every buyer's name too (a store's names are mostly buyers').
fn account_rank(names: &Names, messages: &[Message], marks: &FxHashMap<String, Mark>) -> Vec<u32> {
    let mut seen = vec![false; names.len()];
    let accounts = messages.iter().map(|m| m.account);
    for id in accounts.chain(marks.values().map(|m| m.0)) {
        if let Some(s) = seen.get_mut(id as usize) {
            *s = true;
        }
    }
    let mut ids: Vec<NameId> = (0..names.len() as NameId)
        .filter(|&id| seen[id as usize])
        .collect();
    ids.sort_unstable_by(|&x, &y| names.name(x).as_bytes().cmp(names.name(y).as_bytes()));
    let mut rank = vec![u32::MAX; names.len()];
    for (pos, id) in ids.into_iter().enumerate() {
        rank[id as usize] = pos as u32;
    }
    rank
}

fn rank_of(rank: &[u32], id: NameId) -> u32 {
    rank.get(id as usize).copied().unwrap_or(u32::MAX)
}

/// Computes every list as of `inp.as_of`, for items based at or after `inp.from`, sorted by
/// key. The passes over receptions, orders and items run in parallel (rayon); each item
/// depends only on shared read-only tables, and the items come out in one order whatever the
/// threads did (collected in input order, then a stable sort by key), so the lists are the
/// same on any number of cores.
pub fn compute(inp: &Inputs<'_>) -> Vec<Item> {
    let ev = inp.events;
    let rank = account_rank(ev.names, ev.messages, inp.marks);
    let contacts = Contacts::new(ev, inp.bots, &rank);
    let mut items = Vec::new();
    lost_inquiries(inp, &mut items);
    orders(inp, &contacts, &mut items);
    refunds(inp, &mut items);
    recover(inp, &contacts, &rank, &mut items);
    items.par_sort_by(|a, b| a.key.cmp(&b.key));
    items
}

fn blank(kind: Kind, key: String, buyer: NameId, reference: String, opened_at: Millis) -> Item {
    Item {
        key,
        kind,
        buyer,
        reference,
        serving: None,
        opened_at,
        due_at: None,
        expires_at: None,
        amount: 0,
        reminders: 0,
        last_reminder_at: None,
        outcome: Outcome::Open,
        recovered_order: None,
        recovered_amount: 0,
        counts_order: false,
        credited: None,
        contacts: Vec::new(),
    }
}

/// Inquiry receptions of one buyer and day none of whose receptions ordered and with no order
/// of the buyer from that day's start to the end of the conversion window: one item per
/// buyer and day, opened when the window ends.
fn lost_inquiries(inp: &Inputs<'_>, items: &mut Vec<Item>) {
    let a = inp.analysis;
    let window = inp.metrics.conversion_window_days.max(1) as i32;
    // The consulted receptions by (buyer, day), each group in reception order (the index
    // is the last part of the key, so the order is the same however the sort splits).
    let mut groups: Vec<(NameId, Day, usize)> = a
        .receptions
        .iter()
        .enumerate()
        .filter(|(_, r)| r.consulted() && r.day.start() >= inp.from)
        .map(|(i, r)| (r.buyer, r.day, i))
        .collect();
    groups.par_sort_unstable();
    let mut placed: Vec<(NameId, Millis)> = inp
        .events
        .orders
        .iter()
        .map(|o| (o.buyer, o.created_at))
        .collect();
    placed.par_sort_unstable();
    let lost = groups
        .par_chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
        .filter_map(|group| {
            let (buyer, day) = (group[0].0, group[0].1);
            let recs = || group.iter().map(|&(_, _, i)| &a.receptions[i]);
            if !recs().any(|r| r.inquiry) || recs().any(|r| r.attributed_orders > 0) {
                return None;
            }
            let end = day.offset(window).start();
            if inp.as_of < end {
                return None;
            }
            let i = placed.partition_point(|&p| p < (buyer, day.start()));
            if placed.get(i).is_some_and(|&(b, t)| b == buyer && t < end) {
                return None;
            }
            // The person who served: of the buyer's receptions by people that day, the one a
            // person wrote in last; else the person the buyer wrote to.
            let person = |r: &&crate::engine::Reception| !inp.bots.contains(&r.account);
            let serving = recs()
                .filter(person)
                .filter(|r| r.agent_msgs > 0)
                .max_by_key(|r| r.last_time)
                .or_else(|| recs().filter(person).max_by_key(|r| r.last_time))
                .map(|r| r.account);
            let mut item = blank(
                Kind::LostInquiry,
                format!("lost_inquiry:{buyer}:{day}"),
                buyer,
                day.to_string(),
                end,
            );
            item.serving = serving;
            item.due_at = inp.settings.after_quiet(end);
            item.expires_at = Some(end + inp.settings.recovery_window_ms);
            Some(item)
        });
    items.par_extend(lost);
}

/// Unpaid orders (unpaid when their first reminder falls due) and presale balances (deposit
/// paid, balance unpaid when its window opens).
fn orders(inp: &Inputs<'_>, contacts: &Contacts, items: &mut Vec<Item>) {
    let s = inp.settings;
    let ev = inp.events;
    let buyer_reminders = buyer_reminders(inp, contacts);
    // The person who last answered the buyer before a time, for the serving agent.
    let mut answers: Vec<(NameId, Millis, NameId)> = Vec::new();
    for r in &inp.analysis.receptions {
        if inp.bots.contains(&r.account) || r.agent_msgs == 0 {
            continue;
        }
        for &at in inp.analysis.answer_times(r) {
            answers.push((r.buyer, at, r.account));
        }
    }
    answers.par_sort_unstable();
    let served_by = |buyer: NameId, t: Millis| -> Option<NameId> {
        let i = answers.partition_point(|&(b, at, _)| (b, at) <= (buyer, t));
        let &(b, _, account) = answers.get(i.checked_sub(1)?)?;
        (b == buyer).then_some(account)
    };
    let made = ev
        .orders
        .par_iter()
        .zip(&inp.analysis.orders)
        .filter_map(|(o, fact)| {
            if o.created_at < inp.from {
                return None;
            }
            let reminded_by = fact.reminded.map(|(account, _)| account);
            let deposit_paid = o.presale.and_then(|p| p.deposit_paid_at);
            match (o.presale, deposit_paid) {
                (Some(p), Some(_)) => {
                    // A balance: due when its window opens, if still unpaid then.
                    let open = p.balance_from.max(o.created_at);
                    if inp.as_of < open
                        || o.paid_at.is_some_and(|t| t < open)
                        || o.closed_at.is_some_and(|t| t < open)
                    {
                        return None;
                    }
                    let mut item = blank(
                        Kind::Balance,
                        format!("balance:{}", o.order_id),
                        o.buyer,
                        o.order_id.clone(),
                        open,
                    );
                    item.amount = p.balance(o.amount);
                    item.serving = served_by(o.buyer, open)
                        .or(reminded_by)
                        .filter(|a| !inp.bots.contains(a));
                    item.expires_at = Some(p.balance_to.max(open));
                    let end = unpaid_until(o, inp.as_of);
                    let starts = reminder_starts(contacts.between(o.buyer, open, end, false));
                    item.reminders = starts.len() as u32;
                    item.last_reminder_at = starts.last().copied();
                    let close = p.balance_to.max(open);
                    item.due_at = match starts.last() {
                        None => s.after_quiet(open).filter(|&t| t <= close),
                        Some(&last) => {
                            let fin = close - s.final_reminder_ms;
                            (starts.len() == 1 && fin > last)
                                .then(|| s.before_quiet(fin))
                                .flatten()
                                .filter(|&t| t > last && t <= close)
                        }
                    };
                    Some(item)
                }
                _ => {
                    let open = o.created_at + s.first_reminder.0;
                    if inp.as_of < open
                        || o.paid_at.is_some_and(|t| t <= open)
                        || o.closed_at.is_some_and(|t| t <= open)
                    {
                        return None;
                    }
                    let mut item = blank(
                        Kind::Unpaid,
                        format!("unpaid:{}", o.order_id),
                        o.buyer,
                        o.order_id.clone(),
                        open,
                    );
                    // A presale order whose deposit is not paid: the deposit is what is at stake.
                    item.amount = o.presale.map_or(o.amount, |p| p.deposit);
                    item.serving = served_by(o.buyer, o.created_at)
                        .or(reminded_by)
                        .filter(|a| !inp.bots.contains(a));
                    item.expires_at = Some(open + s.recovery_window_ms);
                    let close = o.closed_at.unwrap_or(o.created_at + s.close_after_ms);
                    let end = unpaid_until(o, inp.as_of);
                    let starts =
                        reminder_starts(contacts.between(o.buyer, o.created_at, end, true));
                    item.reminders = starts.len() as u32;
                    item.last_reminder_at = starts.last().copied();
                    let buyer_starts = buyer_reminders.get(&o.buyer).map_or(&[][..], Vec::as_slice);
                    item.due_at = if o.closed_at.is_some() {
                        None
                    } else {
                        next_reminder(s, o.created_at, close, &starts, buyer_starts)
                    };
                    Some(item)
                }
            }
        });
    items.par_extend(made);
}

/// When an order stopped being unpaid as of `as_of`: its payment or close, else `as_of`.
fn unpaid_until(o: &Order, as_of: Millis) -> Millis {
    [o.paid_at, o.closed_at, Some(as_of)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(as_of)
}

/// Each buyer's reminders over all their orders (agent messages while an order was unpaid,
/// §4), for the per-buyer cap.
fn buyer_reminders(inp: &Inputs<'_>, contacts: &Contacts) -> FxHashMap<NameId, Vec<Millis>> {
    let orders = inp.events.orders;
    let mut by_buyer: Vec<(NameId, usize)> = orders
        .iter()
        .enumerate()
        .map(|(i, o)| (o.buyer, i))
        .collect();
    by_buyer.par_sort_unstable();
    by_buyer
        .par_chunk_by(|x, y| x.0 == y.0)
        .map(|group| {
            let mut msgs = Vec::new();
            for &(_, i) in group {
                let o = &orders[i];
                let end = unpaid_until(o, inp.as_of);
                msgs.extend_from_slice(contacts.between(o.buyer, o.created_at, end, true));
            }
            msgs.sort_unstable();
            msgs.dedup();
            (group[0].0, reminder_starts(&msgs))
        })
        .collect()
}

/// When the next reminder of an unpaid order is due: the first 15–30 min after creation, the
/// second 2–4 h after the first, the last one `final_reminder` before the close; moved out of
/// the quiet hours and past the per-buyer cap; `None` when none is left before the close.
pub fn next_reminder(
    s: &WorklistSettings,
    created: Millis,
    close: Millis,
    sent: &[Millis],
    buyer_sent: &[Millis],
) -> Option<Millis> {
    let fin = close - s.final_reminder_ms;
    let (due, last_one) = match *sent {
        [] => (created + s.first_reminder.0, false),
        // A second reminder that would come after the final one's time is the final one.
        [first] if fin > first => {
            let second = first + s.second_reminder.0;
            if second < fin {
                (second, false)
            } else {
                (fin, true)
            }
        }
        [_, second] if fin > second => (fin, true),
        _ => return None,
    };
    // The per-buyer cap: when the buyer already had the most reminders in the 24 h up to
    // `due`, the time the oldest of them is 24 h old.
    let day = 24 * crate::time::HOUR_MS;
    let cap = s.max_reminders_per_day.max(1) as usize;
    let capped_until = |due: Millis| -> Option<Millis> {
        let recent: Vec<Millis> = buyer_sent
            .iter()
            .copied()
            .filter(|&t| t > due - day && t <= due)
            .collect();
        (recent.len() >= cap).then(|| recent[recent.len() - cap] + day)
    };
    if last_one {
        // Before the close: moved back out of the quiet hours, never past the cap.
        let due = s.before_quiet(due)?;
        let fits = sent.last().is_none_or(|&l| due > l) && capped_until(due).is_none();
        return (fits && due < close).then_some(due);
    }
    let mut due = due;
    for _ in 0..4 {
        due = s.after_quiet(due)?;
        match capped_until(due) {
            Some(later) => due = later,
            None => break,
        }
    }
    (due < close && !s.is_quiet(due) && capped_until(due).is_none()).then_some(due)
}

/// Refunds requested and not finished are open; a finished one is recovered when it was
/// closed (withdrawn or refused: the sale stands), lost when it was paid out.
fn refunds(inp: &Inputs<'_>, items: &mut Vec<Item>) {
    let a = inp.analysis;
    let mut served: Vec<(NameId, Millis, NameId)> = a
        .receptions
        .iter()
        .filter(|r| !inp.bots.contains(&r.account) && r.agent_msgs > 0)
        .map(|r| (r.buyer, r.last_time, r.account))
        .collect();
    served.sort_unstable();
    for r in inp.events.refunds {
        if r.requested_at < inp.from {
            continue;
        }
        let mut item = blank(
            Kind::Refund,
            format!("refund:{}", r.refund_id),
            r.buyer,
            r.refund_id.clone(),
            r.requested_at,
        );
        item.amount = r.amount;
        item.serving = r.account.filter(|a| !inp.bots.contains(a)).or_else(|| {
            let i = served.partition_point(|&(b, t, _)| (b, t) <= (r.buyer, r.requested_at));
            let &(b, _, account) = served.get(i.checked_sub(1)?)?;
            (b == r.buyer).then_some(account)
        });
        match (r.status, r.finished_at) {
            (RefundStatus::Closed, Some(at)) => item.outcome = Outcome::Recovered { at },
            (RefundStatus::Success, Some(at)) => item.outcome = Outcome::Lost { at },
            _ => item.due_at = Some(r.requested_at + inp.settings.refund_due_ms),
        }
        items.push(item);
    }
}

/// Outcomes and credit. A sale item is recovered by the first payment of its buyer within its
/// window: its own order's (an unpaid order, a balance), or any order the buyer placed after
/// the item's basis. Each paid order's cents go to one item. The credit goes to the last
/// contact before the recovery; the contacts are people's chat messages to the buyer and the
/// contacts noted by hand.
fn recover(inp: &Inputs<'_>, contacts: &Contacts, rank: &[u32], items: &mut [Item]) {
    let ev = inp.events;
    // Payments by buyer: (buyer, paid_at, created_at, order index).
    let mut paid: Vec<(NameId, Millis, Millis, usize)> = ev
        .orders
        .iter()
        .enumerate()
        .filter_map(|(i, o)| Some((o.buyer, o.paid_at?, o.created_at, i)))
        .collect();
    paid.par_sort_unstable();
    // Creation time by order id (the first order of an id, as a search in order would find):
    // one lookup per item, not a pass over every order.
    let mut created_at: FxHashMap<&str, Millis> = FxHashMap::default();
    created_at.reserve(ev.orders.len());
    for o in ev.orders {
        created_at
            .entry(o.order_id.as_str())
            .or_insert(o.created_at);
    }
    items.par_iter_mut().for_each(|item| {
        // Which orders can recover the item: those placed from `basis` on (an inquiry's day,
        // an unpaid order's creation); contacts count from `contact_from` (an unpaid order's
        // creation, §4; otherwise when the item appeared).
        let created = |id: &str| created_at.get(id).copied();
        let (basis, contact_from) = match item.kind {
            Kind::LostInquiry => (
                Day::parse(&item.reference).map_or(item.opened_at, Day::start),
                item.opened_at,
            ),
            Kind::Unpaid => {
                let c = created(&item.reference).unwrap_or(item.opened_at);
                (c, c)
            }
            Kind::Balance | Kind::Refund => (item.opened_at, item.opened_at),
        };
        if item.kind != Kind::Refund {
            let expires = item.expires_at.unwrap_or(item.opened_at);
            let lo = paid.partition_point(|&(b, t, _, _)| (b, t) < (item.buyer, basis));
            let found = paid[lo..]
                .iter()
                .take_while(|&&(b, t, _, _)| b == item.buyer && t <= expires)
                .find(|&&(_, t, created, i)| {
                    let own = ev.orders[i].order_id == item.reference;
                    match item.kind {
                        Kind::Balance => own && t >= item.opened_at,
                        Kind::Unpaid => own || created >= basis,
                        _ => created >= basis && t >= item.opened_at,
                    }
                });
            item.outcome = match found {
                Some(&(_, t, _, i)) => {
                    item.recovered_order = Some(ev.orders[i].order_id.clone());
                    Outcome::Recovered { at: t }
                }
                None if inp.as_of >= expires => Outcome::Lost { at: expires },
                None => Outcome::Open,
            };
        }
        if item.outcome != Outcome::Open {
            item.due_at = None;
        }
        // Contacts up to the outcome (or now).
        let end = item.outcome.at().unwrap_or(inp.as_of);
        let mut touches: Vec<(Millis, u32, NameId)> = contacts
            .between(item.buyer, contact_from, end, item.kind == Kind::Unpaid)
            .iter()
            .map(|&(_, t, r, a)| (t, r, a))
            .collect();
        if let Some(&(who, t)) = inp.marks.get(&item.key)
            && t >= contact_from
            && t <= end
            && !inp.bots.contains(&who)
        {
            touches.push((t, rank_of(rank, who), who));
        }
        // The last contact; of two at the same time, the smaller account name.
        let last = touches
            .iter()
            .max_by(|x, y| x.0.cmp(&y.0).then_with(|| y.1.cmp(&x.1)));
        if matches!(item.outcome, Outcome::Recovered { .. }) {
            item.credited = last.map(|&(_, _, a)| a);
        }
        let mut who: Vec<NameId> = touches.iter().map(|&(_, _, a)| a).collect();
        who.sort_unstable();
        who.dedup();
        item.contacts = who;
    });
    credit_cents(inp, items);
}

/// Each paid order's cents go to one item: the order's own item if it recovered it, else the
/// earliest-opened item it recovered (then the smaller key).
fn credit_cents(inp: &Inputs<'_>, items: &mut [Item]) {
    let amounts: FxHashMap<&str, i64> = inp
        .events
        .orders
        .iter()
        .map(|o| (o.order_id.as_str(), o.amount))
        .collect();
    // The items each order recovered, by order and then item (so each order's claimants
    // are in item order, as the tie of `min_by` below needs), without a copy of the ids.
    let mut claims: Vec<(&str, usize)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| Some((item.recovered_order.as_deref()?, i)))
        .collect();
    claims.par_sort_unstable();
    let winners: Vec<(usize, i64)> = claims
        .par_chunk_by(|x, y| x.0 == y.0)
        .filter_map(|claimants| {
            let order = claimants[0].0;
            let winner = claimants.iter().map(|&(_, i)| i).min_by(|&x, &y| {
                let own =
                    |i: usize| items[i].reference != order || items[i].kind == Kind::LostInquiry;
                own(x)
                    .cmp(&own(y))
                    .then(items[x].opened_at.cmp(&items[y].opened_at))
                    .then_with(|| items[x].key.cmp(&items[y].key))
            })?;
            Some((winner, amounts.get(order).copied().unwrap_or(0)))
        })
        .collect();
    for (w, amount) in winners {
        items[w].counts_order = true;
        items[w].recovered_amount = match items[w].kind {
            // A balance recovers the balance; the deposit was in before.
            Kind::Balance => items[w].amount.min(amount),
            _ => amount,
        };
    }
    // Refunds recovered keep their own amount: the money that stayed.
    for item in items.iter_mut() {
        if item.kind == Kind::Refund && matches!(item.outcome, Outcome::Recovered { .. }) {
            item.recovered_amount = item.amount;
        }
    }
}

/// Round-robin owners: `new` items (in the order given) each get the next of `agents` (by
/// name), starting after `cursor`; returns the owners and the cursor to store.
pub fn round_robin(new: usize, agents: &[NameId], cursor: u64) -> (Vec<Option<NameId>>, u64) {
    if agents.is_empty() {
        return (vec![None; new], cursor);
    }
    let n = agents.len() as u64;
    let owners = (0..new as u64)
        .map(|k| Some(agents[((cursor + k) % n) as usize]))
        .collect();
    (owners, (cursor + new as u64) % n)
}

/// Orders items for showing: open ones by due time (none last), then the rest by when they
/// ended, newest first.
pub fn by_due(a: &Item, b: &Item) -> Ordering {
    let open = |i: &Item| i.outcome == Outcome::Open;
    match (open(a), open(b)) {
        (true, true) => {
            (a.due_at.is_none(), a.due_at, &a.key).cmp(&(b.due_at.is_none(), b.due_at, &b.key))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => b
            .outcome
            .at()
            .cmp(&a.outcome.at())
            .then_with(|| a.key.cmp(&b.key)),
    }
}
