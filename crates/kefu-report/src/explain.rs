//! The receptions, rounds and orders behind one account's figures, as data: what `kefu
//! explain` prints and what the web app's drill-down pages show. One place decides which
//! messages open and answer rounds, and why an order went where it went.
//!
//! [`list`] gives the items behind any one figure of a store, some of its accounts and some
//! days (the receptions a count counts, the rounds an average averages, the orders a sum
//! adds), a page at a time: the web app's `/list` page and `/api/v1/list`.

use std::collections::HashMap;

use kefu_core::engine::{self, Analysis, AttributedBy, Outcome, Reception};
use kefu_core::figures::{self, Behind};
use kefu_core::model::{NameId, Sender};
use kefu_core::settings::MetricSettings;
use kefu_core::time::{Day, HOUR_MS, Millis, time_of_day};
use kefu_store::{Db, LOOKBACK_DAYS, LoadedEvents, StoreInfo};

use crate::Result;
use crate::list_order::sort_by_key;
pub use crate::list_order::{ListFilter, ListSort};

/// Orders up to this many days after a reception are listed with it (or the conversion
/// window, when longer), so that an order won by a later reception shows why.
pub const ORDER_DAYS: i32 = 7;

/// What to explain: an account over `[from, to]`, optionally one buyer only.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub account: NameId,
    pub from: Day,
    pub to: Day,
    pub buyer: Option<NameId>,
    /// Read each reception's messages (one read per reception); off for lists.
    pub transcripts: bool,
}

/// The receptions of an account over some days, and the orders it reminded.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub store: String,
    pub account: String,
    pub from: Day,
    pub to: Day,
    /// In (day, first message, buyer) order.
    pub receptions: Vec<ReceptionView>,
    pub reminded: Vec<Reminded>,
}

/// One reception R(account, buyer, day) with its flags, numbers, messages, rounds and orders.
#[derive(Debug, Clone)]
pub struct ReceptionView {
    pub buyer_id: NameId,
    pub buyer: String,
    pub day: Day,
    pub first_time: Millis,
    pub consulted: bool,
    pub served: bool,
    pub unreplied: bool,
    pub inquiry: bool,
    /// After-sale (§2, v2): bought recently and no order attributed here.
    pub after_sale: bool,
    pub slow: bool,
    pub first_response_ms: Option<i64>,
    pub duration_ms: i64,
    pub buyer_msgs: u32,
    pub agent_msgs: u32,
    pub bot_msgs: u32,
    pub auto_msgs: u32,
    /// Orders attributed here, how many are paid, and their paid amount in cents.
    pub attributed_orders: u32,
    pub attributed_paid: u32,
    pub sales_cents: i64,
    /// The day's messages of the stream (empty unless transcripts were asked for).
    pub messages: Vec<Line>,
    /// The rounds opened this day, in time order.
    pub rounds: Vec<RoundView>,
    /// Answer times of the answered rounds this reception touches, ascending.
    pub answers: Vec<Millis>,
    pub orders: Vec<OrderView>,
}

impl ReceptionView {
    /// The rounds that count as rounds (transferred ones do not).
    pub fn counted_rounds(&self) -> usize {
        self.rounds
            .iter()
            .filter(|r| !matches!(r.outcome, RoundOutcome::Transferred { .. }))
            .count()
    }
}

/// One message of a transcript.
#[derive(Debug, Clone)]
pub struct Line {
    pub time: Millis,
    pub sender: Sender,
    pub text: String,
    /// The account a `system` message hands the conversation to.
    pub transfer_to: Option<String>,
    pub mark: Option<Mark>,
}

/// What a message does to the reception's rounds (rounds are numbered from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Opens { round: usize },
    Answers { round: usize, response_ms: i64 },
}

#[derive(Debug, Clone)]
pub struct RoundView {
    pub open: Millis,
    pub outcome: RoundOutcome,
    /// The response time on the service clock (§1), when answered.
    pub response_ms: Option<i64>,
}

impl RoundView {
    pub fn response_ms(&self) -> Option<i64> {
        self.response_ms
    }
    /// The wall-clock wait, when answered.
    pub fn wait_ms(&self) -> Option<i64> {
        match self.outcome {
            RoundOutcome::Answered { at, .. } => Some(at - self.open),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum RoundOutcome {
    Answered { at: Millis, by_bot: bool },
    Transferred { at: Millis, to: String },
    Unanswered,
}

/// An order of the buyer that this reception could win, or that decides its inquiry flag.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order_id: String,
    pub created_at: Millis,
    pub paid_at: Option<Millis>,
    pub amount: i64,
    /// Placed before the buyer's first message, on the reception's day or within
    /// `after_sale_days` before it: the reception is after-sale unless it wins an order.
    pub before_question: bool,
    pub reason: Reason,
    /// Which of the order's times the last touch was looked for before (the store's
    /// `attribution` setting, §3), and that time.
    pub by: AttributedBy,
    pub looked_before: Millis,
}

/// Why an order went where it went.
#[derive(Debug, Clone)]
pub enum Reason {
    /// Won by this reception with the answer at `answer`.
    Here { answer: Millis },
    /// Won by another reception; `own_answer` is this reception's last answer before the
    /// order, if any.
    Elsewhere {
        account: String,
        day: Day,
        answer: Millis,
        own_answer: Option<Millis>,
    },
    /// No answer before the order within the window.
    Silent,
}

/// An order the account reminded to pay.
#[derive(Debug, Clone)]
pub struct Reminded {
    pub order_id: String,
    /// The account whose message was the reminder.
    pub account: String,
    pub buyer: String,
    pub created_at: Millis,
    pub reminded_at: Millis,
    pub paid: bool,
    pub amount: i64,
}

/// A duration as the explanations write it: `12 s`, or `1.234 s` when not whole seconds.
pub fn format_secs(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.3} s", ms as f64 / 1000.0)
    }
}

/// The receptions of `account` on `day` (of one buyer, when given), transcripts included.
pub fn explain(
    db: &Db,
    store: &StoreInfo,
    account: NameId,
    day: Day,
    buyer: Option<NameId>,
    settings: &MetricSettings,
) -> Result<Explanation> {
    let scope = Scope {
        account,
        from: day,
        to: day,
        buyer,
        transcripts: true,
    };
    explain_scope(db, store, &scope, settings)
}

/// The receptions of an account over `[scope.from, scope.to]`.
pub fn explain_scope(
    db: &Db,
    store: &StoreInfo,
    scope: &Scope,
    settings: &MetricSettings,
) -> Result<Explanation> {
    let reach = settings.reach_days();
    let ev: LoadedEvents = db.load_events_of_accounts(
        store.id,
        scope.from.offset(-reach - LOOKBACK_DAYS),
        scope.to.offset(reach),
        settings.after_sale_days,
        &[scope.account],
    )?;
    let a = engine::analyze(&ev.view(), settings);
    let mut picked: Vec<(usize, &Reception)> = a
        .receptions
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.account == scope.account
                && r.day >= scope.from
                && r.day <= scope.to
                && scope.buyer.is_none_or(|b| r.buyer == b)
        })
        .collect();
    picked.sort_by_key(|(_, r)| (r.day, r.first_time, r.buyer));
    // The orders of the buyers concerned, by buyer.
    let mut by_buyer: HashMap<NameId, Vec<usize>> = HashMap::new();
    for (_, r) in &picked {
        by_buyer.entry(r.buyer).or_default();
    }
    for (i, o) in ev.orders.iter().enumerate() {
        if let Some(list) = by_buyer.get_mut(&o.buyer) {
            list.push(i);
        }
    }
    let order_days = ORDER_DAYS.max(settings.conversion_window_days as i32);
    let mut receptions = Vec::with_capacity(picked.len());
    for &(ri, r) in &picked {
        let orders = by_buyer.get(&r.buyer).map_or(&[][..], |v| v.as_slice());
        receptions.push(reception(
            db,
            store,
            &ev,
            &a,
            ri,
            r,
            orders,
            order_days,
            settings.after_sale_days,
            scope,
        )?);
    }
    let reminded = ev
        .orders
        .iter()
        .zip(&a.orders)
        .filter_map(|(o, f)| {
            let (acc, t) = f.reminded?;
            let d = Day::of(t);
            (acc == scope.account
                && d >= scope.from
                && d <= scope.to
                && scope.buyer.is_none_or(|b| b == o.buyer))
            .then(|| Reminded {
                order_id: o.order_id.clone(),
                account: ev.names.name(acc).to_string(),
                buyer: ev.names.name(o.buyer).to_string(),
                created_at: o.created_at,
                reminded_at: t,
                paid: o.paid_at.is_some(),
                amount: o.amount,
            })
        })
        .collect();
    Ok(Explanation {
        store: store.name.clone(),
        account: ev.names.name(scope.account).to_string(),
        from: scope.from,
        to: scope.to,
        receptions,
        reminded,
    })
}

#[allow(clippy::too_many_arguments)]
fn reception(
    db: &Db,
    store: &StoreInfo,
    ev: &LoadedEvents,
    a: &Analysis,
    ri: usize,
    r: &Reception,
    buyer_orders: &[usize],
    order_days: i32,
    after_sale_days: u32,
    scope: &Scope,
) -> Result<ReceptionView> {
    let rounds = a.rounds_of(r);
    let messages = if scope.transcripts {
        db.transcript(store.id, r.account, r.buyer, r.day, r.day)?
            .into_iter()
            .map(|m| {
                let e = &m.message;
                let mut mark = None;
                for (k, round) in rounds.iter().enumerate() {
                    if round.open == e.time && e.sender == Sender::Buyer && mark.is_none() {
                        mark = Some(Mark::Opens { round: k + 1 });
                    }
                    if let Outcome::Answered { at, .. } = round.outcome
                        && at == e.time
                        && matches!(e.sender, Sender::Agent | Sender::Bot)
                    {
                        mark = Some(Mark::Answers {
                            round: k + 1,
                            response_ms: round.response_ms().unwrap_or(at - round.open),
                        });
                    }
                }
                Line {
                    time: e.time,
                    sender: e.sender,
                    transfer_to: e.transfer_to.map(|t| ev.names.name(t).to_string()),
                    text: m.text,
                    mark,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let rounds = rounds.iter().map(|round| round_view(ev, round)).collect();
    let mut orders = Vec::new();
    let mut sales_cents = 0;
    for &i in buyer_orders {
        let (o, f) = (&ev.orders[i], &a.orders[i]);
        if let Some((w, _)) = f.attributed
            && w as usize == ri
            && o.paid_at.is_some()
        {
            sales_cents += o.amount;
        }
        let od = Day::of(o.created_at);
        let before_question = od >= r.day.offset(-(after_sale_days as i32))
            && r.first_buyer_time.is_some_and(|t| o.created_at < t);
        // The day of the time the last touch is looked for before (its payment's, by the
        // `attribution` setting), or of its creation.
        let candidate = |d: Day| d >= r.day && d.0 - r.day.0 < order_days;
        let candidate_day = candidate(od) || candidate(Day::of(f.attributed_by.time(o)));
        if !before_question && !candidate_day {
            continue;
        }
        let reason = match f.attributed {
            Some((w, at)) if w as usize == ri => Reason::Here { answer: at },
            Some((w, at)) => {
                let win = &a.receptions[w as usize];
                Reason::Elsewhere {
                    account: ev.names.name(win.account).to_string(),
                    day: win.day,
                    answer: at,
                    own_answer: a.last_answer_before(r, f.attributed_by.time(o)),
                }
            }
            None => Reason::Silent,
        };
        orders.push(OrderView {
            order_id: o.order_id.clone(),
            created_at: o.created_at,
            paid_at: o.paid_at,
            amount: o.amount,
            before_question,
            reason,
            by: f.attributed_by,
            looked_before: f.attributed_by.time(o),
        });
    }
    Ok(ReceptionView {
        buyer_id: r.buyer,
        buyer: ev.names.name(r.buyer).to_string(),
        day: r.day,
        first_time: r.first_time,
        consulted: r.consulted(),
        served: r.served,
        unreplied: r.unreplied(),
        inquiry: r.inquiry,
        after_sale: r.after_sale,
        slow: r.slow,
        first_response_ms: r.first_response_ms,
        duration_ms: r.duration_ms(),
        buyer_msgs: r.buyer_msgs,
        agent_msgs: r.agent_msgs,
        bot_msgs: r.bot_msgs,
        auto_msgs: r.auto_msgs,
        attributed_orders: r.attributed_orders,
        attributed_paid: r.attributed_paid,
        sales_cents,
        messages,
        rounds,
        answers: a.answer_times(r).to_vec(),
        orders,
    })
}

// ---------------------------------------------------------------------------------------
// Lists: the items behind one figure, for a store, some of its accounts and some days.

/// The kind of item a figure counts, and so the kind a list of it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Receptions,
    Rounds,
    Orders,
    Reminders,
    Ratings,
    Refunds,
}

/// The kind of item listed behind a figure.
fn kind(behind: Behind) -> ItemKind {
    match behind {
        Behind::Receptions(_) | Behind::StoreBuyers => ItemKind::Receptions,
        Behind::Rounds(_) => ItemKind::Rounds,
        Behind::AgentSales | Behind::StoreOrders { .. } => ItemKind::Orders,
        Behind::Reminders { .. } => ItemKind::Reminders,
        Behind::Ratings => ItemKind::Ratings,
        Behind::Refunds { .. } => ItemKind::Refunds,
    }
}

/// Which items to list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// A figure key (`consulted`, `sales`, …).
    pub figure: String,
    /// Only these accounts; `None`: every account of the store (and the store-level figures).
    pub accounts: Option<Vec<NameId>>,
    pub from: Day,
    pub to: Day,
    /// Only receptions whose buyer first wrote in this hour of the day (0–23).
    pub hour: Option<u32>,
    /// Only rounds with a response time in `[lower, upper)` milliseconds (no upper: open).
    pub response_ms: Option<(i64, Option<i64>)>,
    /// Only the items that pass this filter too (the kind must offer it: [`ItemKind::filters`]).
    pub only: Option<ListFilter>,
    /// The order of the whole list, before the page is cut (the kind must offer it:
    /// [`ItemKind::sorts`]); ties keep the time order.
    pub sort: ListSort,
    pub descending: bool,
    /// The page: items `offset..offset + limit` of the whole list.
    pub offset: usize,
    pub limit: usize,
}

/// One page of the items behind a figure.
#[derive(Debug, Clone)]
pub struct Listing {
    pub store: String,
    pub kind: ItemKind,
    /// How many items the whole list has (every page).
    pub total: usize,
    /// The sum of the listed amounts over every page (orders, reminders), in cents.
    pub amount_cents: i64,
    pub items: Items,
}

/// The items of one page, by kind.
#[derive(Debug, Clone)]
pub enum Items {
    Receptions(Vec<ListedReception>),
    Rounds(Vec<ListedRound>),
    Orders(Vec<ListedOrder>),
    Reminders(Vec<Reminded>),
    Ratings(Vec<ListedRating>),
    Refunds(Vec<ListedRefund>),
}

impl Items {
    pub fn len(&self) -> usize {
        match self {
            Items::Receptions(v) => v.len(),
            Items::Rounds(v) => v.len(),
            Items::Orders(v) => v.len(),
            Items::Reminders(v) => v.len(),
            Items::Ratings(v) => v.len(),
            Items::Refunds(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A reception in a list, with the numbers the figures count.
#[derive(Debug, Clone)]
pub struct ListedReception {
    pub account: String,
    pub buyer: String,
    pub day: Day,
    pub first_time: Millis,
    pub consulted: bool,
    pub served: bool,
    pub unreplied: bool,
    pub inquiry: bool,
    /// After-sale (§2, v2): bought recently and no order attributed here.
    pub after_sale: bool,
    pub slow: bool,
    pub first_response_ms: Option<i64>,
    pub duration_ms: i64,
    pub buyer_msgs: u32,
    pub agent_msgs: u32,
    /// Rounds opened this day that count (transferred ones do not).
    pub rounds: usize,
    pub attributed_orders: u32,
    pub attributed_paid: u32,
    /// Paid amount of the orders attributed here, in cents.
    pub sales_cents: i64,
    /// The platform profiles' person's reply (拼多多's rule): the wall-clock wait for an
    /// agent's answer to the day's first question for a person, 08:00–23:00; `None` when no
    /// such question or no agent answered it
    /// ([`engine::Reception::human_first_wait_ms`]).
    pub human_reply_ms: Option<i64>,
    /// The longest wall-clock wait of the reception's answered rounds.
    pub max_wait_ms: Option<i64>,
    /// How many quality rules the reception hit in the last run; `None` when the list did not
    /// read the hits (only a list filtered or sorted by them does).
    pub hits: Option<u32>,
}

/// A round in a list, with the reception it belongs to.
#[derive(Debug, Clone)]
pub struct ListedRound {
    pub account: String,
    pub buyer: String,
    /// The day of the reception the round belongs to (the day it opened).
    pub day: Day,
    pub round: RoundView,
    /// Counted in the three-minute rate and answered within 180 s of wall-clock wait (its
    /// numerator: [`engine::Round::answered_within_three_minutes`]).
    pub within_3min: bool,
    /// The round starts a session ([`engine::Round::starts_session`]).
    pub starts_session: bool,
    /// 京东's 30-second rate's numerator ([`engine::Round::jd_answered_within_30s`]).
    pub within_30s: bool,
    /// 抖店's 3-minute rates' numerator: every round of the session it starts that needed a
    /// person was answered by one within 180 s
    /// ([`engine::Round::douyin_answered_within_3min`]).
    pub session_within_3min: bool,
}

/// An order in a list, with the reception that won it (none: silent).
#[derive(Debug, Clone)]
pub struct ListedOrder {
    pub order_id: String,
    pub buyer: String,
    pub created_at: Millis,
    pub paid_at: Option<Millis>,
    pub amount: i64,
    pub items: i64,
    pub winner: Option<Winner>,
}

/// The reception an order is attributed to, and the answer that won it.
#[derive(Debug, Clone)]
pub struct Winner {
    pub account: String,
    pub day: Day,
    pub answer: Millis,
    /// Whether the winning reception is an inquiry (else the order counts in sales only).
    pub inquiry: bool,
}

#[derive(Debug, Clone)]
pub struct ListedRating {
    pub account: String,
    pub buyer: String,
    pub time: Millis,
    pub score: u8,
    /// Counts as satisfied (the satisfaction rate's numerator).
    pub satisfied: bool,
    /// Whether the account talked with the buyer that day (a transcript to show).
    pub reception: bool,
}

#[derive(Debug, Clone)]
pub struct ListedRefund {
    pub refund_id: String,
    pub order_id: String,
    pub account: String,
    pub buyer: String,
    pub requested_at: Millis,
    pub finished_at: Option<Millis>,
    pub amount: i64,
    pub status: &'static str,
}

/// The items behind `q.figure` in `store`, one page of them.
pub fn list(
    db: &Db,
    store: &StoreInfo,
    q: &ListQuery,
    settings: &MetricSettings,
) -> Result<Listing> {
    // What the list holds is the figure's own definition, the predicates the rollup counts
    // with: the list and the counter cannot disagree.
    let what = figures::figure(&q.figure)
        .ok_or_else(|| crate::ReportError::UnknownFigure {
            key: q.figure.clone(),
            known: figures::known_keys(),
        })?
        .behind;
    let listed_kind = kind(what);
    if q.only.is_some_and(|f| !listed_kind.filters().contains(&f))
        || !listed_kind.sorts().contains(&q.sort)
    {
        return Err(crate::ReportError::ListChoice {
            figure: q.figure.clone(),
            choice: match q.only.filter(|f| !listed_kind.filters().contains(f)) {
                Some(f) => format!("only={}", f.key()),
                None => format!("sort={}", q.sort.key()),
            },
        });
    }
    let reach = settings.reach_days();
    let (from, to) = (q.from.offset(-reach - LOOKBACK_DAYS), q.to.offset(reach));
    let ev: LoadedEvents = match &q.accounts {
        Some(ids) => {
            db.load_events_of_accounts(store.id, from, to, settings.after_sale_days, ids)?
        }
        None => db.load_events(store.id, from, to, settings.after_sale_days)?,
    };
    let a = engine::analyze(&ev.view(), settings);
    let sees = |account: NameId| q.accounts.as_ref().is_none_or(|ids| ids.contains(&account));
    let in_days = |d: Day| d >= q.from && d <= q.to;
    let name = |id: NameId| ev.names.name(id).to_string();
    let hour_ok = |r: &Reception| {
        q.hour.is_none_or(|h| {
            r.first_buyer_time
                .is_some_and(|t| time_of_day(t) / HOUR_MS == i64::from(h))
        })
    };
    let response_ok = |round: &engine::Round| {
        q.response_ms.is_none_or(|(lo, hi)| {
            round
                .response_ms()
                .is_some_and(|ms| ms >= lo && hi.is_none_or(|h| ms < h))
        })
    };
    let page = |n: usize| q.offset.min(n)..q.offset.saturating_add(q.limit).min(n);
    // What the filters and sort keys need besides the analysis, read only when asked for.
    let wants_hits = q.only == Some(ListFilter::RuleHits) || q.sort == ListSort::Hits;
    let hits: HashMap<(Day, NameId, NameId), u32> = if wants_hits {
        db.qa_flagged_receptions(store.id, q.from, q.to, None)?
            .into_iter()
            .map(|f| ((f.day, f.account, f.buyer), f.rules))
            .collect()
    } else {
        HashMap::new()
    };
    let low_rated: std::collections::HashSet<(NameId, NameId, Day)> = ev
        .ratings
        .iter()
        .filter(|rt| q.only == Some(ListFilter::LowRating) && !rt.satisfied())
        .map(|rt| (rt.account, rt.buyer, Day::of(rt.time)))
        .collect();
    let refunded: std::collections::HashSet<(NameId, Day)> = ev
        .refunds
        .iter()
        .filter(|_| q.only == Some(ListFilter::Refund))
        .map(|rf| (rf.buyer, Day::of(rf.requested_at)))
        .collect();
    let hits_of = |r: &Reception| hits.get(&(r.day, r.account, r.buyer)).copied();
    let reception_kept = |r: &Reception| match q.only {
        None => true,
        Some(ListFilter::Lost) => r.inquiry && r.attributed_orders == 0,
        Some(ListFilter::LowRating) => low_rated.contains(&(r.account, r.buyer, r.day)),
        Some(ListFilter::Refund) => refunded.contains(&(r.buyer, r.day)),
        Some(ListFilter::RuleHits) => hits_of(r).is_some_and(|n| n > 0),
    };
    let max_wait = |r: &Reception| {
        a.rounds_of(r)
            .iter()
            .filter(|x| !x.is_transferred())
            .filter_map(|x| x.wait_ms())
            .max()
    };
    let winner = |fact: &engine::OrderFact| {
        fact.attributed.map(|(w, answer)| {
            let r = &a.receptions[w as usize];
            Winner {
                account: name(r.account),
                day: r.day,
                answer,
                inquiry: r.inquiry,
            }
        })
    };
    let listed_order = |i: usize| {
        let o = &ev.orders[i];
        ListedOrder {
            order_id: o.order_id.clone(),
            buyer: name(o.buyer),
            created_at: o.created_at,
            paid_at: o.paid_at,
            amount: o.amount,
            items: o.items,
            winner: winner(&a.orders[i]),
        }
    };
    let (total, amount_cents, items) = match what {
        Behind::Receptions(_) | Behind::StoreBuyers => {
            let test = match what {
                Behind::Receptions(test) => test,
                _ => Reception::consulted,
            };
            let mut picked: Vec<usize> = (0..a.receptions.len())
                .filter(|&i| {
                    let r = &a.receptions[i];
                    sees(r.account) && in_days(r.day) && hour_ok(r) && test(r)
                })
                .collect();
            if let Behind::StoreBuyers = what {
                // One reception per buyer and day: the one the buyer wrote to first.
                picked.sort_by_key(|&i| {
                    let r = &a.receptions[i];
                    (r.day, r.buyer, r.first_buyer_time, r.account)
                });
                picked.dedup_by_key(|i| {
                    let r = &a.receptions[*i];
                    (r.day, r.buyer)
                });
            }
            picked.retain(|&i| reception_kept(&a.receptions[i]));
            picked.sort_by_key(|&i| {
                let r = &a.receptions[i];
                (r.day, r.first_time, r.account, r.buyer)
            });
            // Sales of the listed receptions: of every one when the list is ordered by them,
            // else of the page's.
            let sales_of = |which: &[usize]| {
                let mut sales: HashMap<u32, i64> = which.iter().map(|&i| (i as u32, 0)).collect();
                for (o, f) in ev.orders.iter().zip(&a.orders) {
                    if let (Some((w, _)), Some(_)) = (f.attributed, o.paid_at)
                        && let Some(s) = sales.get_mut(&w)
                    {
                        *s += o.amount;
                    }
                }
                sales
            };
            let mut sales = HashMap::new();
            let down = q.descending;
            match q.sort {
                ListSort::Amount => {
                    sales = sales_of(&picked);
                    sort_by_key(&mut picked, down, |&i| sales.get(&(i as u32)).copied());
                }
                ListSort::Wait => {
                    sort_by_key(&mut picked, down, |&i| a.receptions[i].first_response_ms)
                }
                ListSort::MaxWait => {
                    sort_by_key(&mut picked, down, |&i| max_wait(&a.receptions[i]))
                }
                ListSort::Duration => {
                    sort_by_key(&mut picked, down, |&i| Some(a.receptions[i].duration_ms()))
                }
                ListSort::Hits => sort_by_key(&mut picked, down, |&i| {
                    Some(hits_of(&a.receptions[i]).unwrap_or(0))
                }),
                ListSort::Time if down => picked.reverse(),
                ListSort::Time | ListSort::Score => {}
            }
            let shown = &picked[page(picked.len())];
            if q.sort != ListSort::Amount {
                sales = sales_of(shown);
            }
            let items = shown
                .iter()
                .map(|&i| {
                    let r = &a.receptions[i];
                    ListedReception {
                        account: name(r.account),
                        buyer: name(r.buyer),
                        day: r.day,
                        first_time: r.first_time,
                        consulted: r.consulted(),
                        served: r.served,
                        unreplied: r.unreplied(),
                        inquiry: r.inquiry,
                        after_sale: r.after_sale,
                        slow: r.slow,
                        first_response_ms: r.first_response_ms,
                        duration_ms: r.duration_ms(),
                        buyer_msgs: r.buyer_msgs,
                        agent_msgs: r.agent_msgs,
                        rounds: a
                            .rounds_of(r)
                            .iter()
                            .filter(|x| !x.is_transferred())
                            .count(),
                        attributed_orders: r.attributed_orders,
                        attributed_paid: r.attributed_paid,
                        sales_cents: sales.get(&(i as u32)).copied().unwrap_or(0),
                        human_reply_ms: r.human_first_wait_ms.flatten(),
                        max_wait_ms: max_wait(r),
                        hits: wants_hits.then(|| hits_of(r).unwrap_or(0)),
                    }
                })
                .collect();
            (picked.len(), 0, Items::Receptions(items))
        }
        Behind::Rounds(test) => {
            let mut picked: Vec<(usize, &engine::Round)> = Vec::new();
            for r in &a.receptions {
                if !(sees(r.account) && in_days(r.day)) {
                    continue;
                }
                let (start, _) = r.rounds;
                for (k, round) in a.rounds_of(r).iter().enumerate() {
                    if test(round) && response_ok(round) && reception_kept(r) {
                        picked.push((start as usize + k, round));
                    }
                }
            }
            picked.sort_by_key(|(i, round)| (round.open, round.account, round.buyer, *i));
            match q.sort {
                ListSort::Wait => sort_by_key(&mut picked, q.descending, |(_, x)| x.response_ms()),
                ListSort::MaxWait => sort_by_key(&mut picked, q.descending, |(_, x)| x.wait_ms()),
                ListSort::Time if q.descending => picked.reverse(),
                _ => {}
            }
            let items = picked[page(picked.len())]
                .iter()
                .map(|(_, round)| {
                    let r = &a.receptions[round.reception as usize];
                    ListedRound {
                        account: name(round.account),
                        buyer: name(round.buyer),
                        day: r.day,
                        within_3min: round.answered_within_three_minutes(),
                        starts_session: round.starts_session,
                        within_30s: round.jd_answered_within_30s(),
                        session_within_3min: round.douyin_answered_within_3min(),
                        round: round_view(&ev, round),
                    }
                })
                .collect();
            (picked.len(), 0, Items::Rounds(items))
        }
        Behind::AgentSales | Behind::StoreOrders { .. } => {
            let mut picked: Vec<usize> = (0..ev.orders.len())
                .filter(|&i| {
                    let (o, f) = (&ev.orders[i], &a.orders[i]);
                    match what {
                        Behind::AgentSales => f.sale_reception(o).is_some_and(|w| {
                            let r = &a.receptions[w as usize];
                            sees(r.account) && in_days(r.day)
                        }),
                        Behind::StoreOrders { silent_only } => {
                            o.paid_at.is_some()
                                && q.accounts.is_none()
                                && in_days(Day::of(o.created_at))
                                && (!silent_only || f.is_silent())
                        }
                        _ => false,
                    }
                })
                .collect();
            if q.only == Some(ListFilter::Refund) {
                let orders: std::collections::HashSet<&str> =
                    ev.refunds.iter().map(|rf| rf.order_id.as_str()).collect();
                picked.retain(|&i| orders.contains(ev.orders[i].order_id.as_str()));
            }
            picked.sort_by(|&x, &y| {
                let (x, y) = (&ev.orders[x], &ev.orders[y]);
                (x.created_at, &x.order_id).cmp(&(y.created_at, &y.order_id))
            });
            match q.sort {
                ListSort::Amount => {
                    sort_by_key(&mut picked, q.descending, |&i| Some(ev.orders[i].amount))
                }
                ListSort::Time if q.descending => picked.reverse(),
                _ => {}
            }
            let amount = picked.iter().map(|&i| ev.orders[i].amount).sum();
            let items = picked[page(picked.len())]
                .iter()
                .map(|&i| listed_order(i))
                .collect();
            (picked.len(), amount, Items::Orders(items))
        }
        Behind::Reminders { paid_only } => {
            let mut picked: Vec<(usize, NameId, Millis)> = ev
                .orders
                .iter()
                .zip(&a.orders)
                .enumerate()
                .filter_map(|(i, (o, f))| {
                    let (account, t) = f.reminded?;
                    (sees(account) && in_days(Day::of(t)) && (!paid_only || o.paid_at.is_some()))
                        .then_some((i, account, t))
                })
                .collect();
            picked.sort_by(|x, y| {
                (x.2, &ev.orders[x.0].order_id).cmp(&(y.2, &ev.orders[y.0].order_id))
            });
            match q.sort {
                ListSort::Amount => {
                    sort_by_key(&mut picked, q.descending, |x| Some(ev.orders[x.0].amount))
                }
                ListSort::Time if q.descending => picked.reverse(),
                _ => {}
            }
            let amount = picked.iter().map(|&(i, ..)| ev.orders[i].amount).sum();
            let items = picked[page(picked.len())]
                .iter()
                .map(|&(i, account, t)| {
                    let o = &ev.orders[i];
                    Reminded {
                        order_id: o.order_id.clone(),
                        account: name(account),
                        buyer: name(o.buyer),
                        created_at: o.created_at,
                        reminded_at: t,
                        paid: o.paid_at.is_some(),
                        amount: o.amount,
                    }
                })
                .collect();
            (picked.len(), amount, Items::Reminders(items))
        }
        Behind::Ratings => {
            let mut picked: Vec<&kefu_core::model::Rating> = ev
                .ratings
                .iter()
                .filter(|rt| sees(rt.account) && in_days(Day::of(rt.time)))
                .filter(|rt| q.only != Some(ListFilter::LowRating) || !rt.satisfied())
                .collect();
            picked.sort_by_key(|rt| (rt.time, rt.account, rt.buyer, rt.score));
            match q.sort {
                ListSort::Score => sort_by_key(&mut picked, q.descending, |rt| Some(rt.score)),
                ListSort::Time if q.descending => picked.reverse(),
                _ => {}
            }
            let shown = &picked[page(picked.len())];
            // The page's (account, buyer, day)s, and which of them are receptions.
            let mut wanted: Vec<(NameId, NameId, Day)> = shown
                .iter()
                .map(|rt| (rt.account, rt.buyer, Day::of(rt.time)))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let mut talked = vec![false; wanted.len()];
            for r in &a.receptions {
                if let Ok(i) = wanted.binary_search(&(r.account, r.buyer, r.day)) {
                    talked[i] = true;
                }
            }
            let items = shown
                .iter()
                .map(|rt| ListedRating {
                    account: name(rt.account),
                    buyer: name(rt.buyer),
                    time: rt.time,
                    score: rt.score,
                    satisfied: rt.satisfied(),
                    reception: wanted
                        .binary_search(&(rt.account, rt.buyer, Day::of(rt.time)))
                        .is_ok_and(|i| talked[i]),
                })
                .collect();
            (picked.len(), 0, Items::Ratings(items))
        }
        Behind::Refunds { finished_only } => {
            let mut picked: Vec<(&kefu_core::model::Refund, NameId)> = ev
                .refunds
                .iter()
                .filter_map(|rf| {
                    let account = rf.account?;
                    (sees(account)
                        && in_days(Day::of(rf.requested_at))
                        && (!finished_only || rf.finished_at.is_some()))
                    .then_some((rf, account))
                })
                .collect();
            picked.sort_by(|x, y| {
                (x.0.requested_at, &x.0.refund_id).cmp(&(y.0.requested_at, &y.0.refund_id))
            });
            match q.sort {
                ListSort::Amount => sort_by_key(&mut picked, q.descending, |x| Some(x.0.amount)),
                ListSort::Duration => sort_by_key(&mut picked, q.descending, |x| {
                    x.0.finished_at.map(|f| f - x.0.requested_at)
                }),
                ListSort::Time if q.descending => picked.reverse(),
                _ => {}
            }
            let amount = picked.iter().map(|(rf, _)| rf.amount).sum();
            let items = picked[page(picked.len())]
                .iter()
                .map(|&(rf, account)| ListedRefund {
                    refund_id: rf.refund_id.clone(),
                    order_id: rf.order_id.clone(),
                    account: name(account),
                    buyer: name(rf.buyer),
                    requested_at: rf.requested_at,
                    finished_at: rf.finished_at,
                    amount: rf.amount,
                    status: rf.status.as_str(),
                })
                .collect();
            (picked.len(), amount, Items::Refunds(items))
        }
    };
    Ok(Listing {
        store: store.name.clone(),
        kind: listed_kind,
        total,
        amount_cents,
        items,
    })
}

fn round_view(ev: &LoadedEvents, round: &engine::Round) -> RoundView {
    RoundView {
        open: round.open,
        outcome: match round.outcome {
            Outcome::Answered { at, by_bot } => RoundOutcome::Answered { at, by_bot },
            Outcome::Transferred { at, to } => RoundOutcome::Transferred {
                at,
                to: ev.names.name(to).to_string(),
            },
            Outcome::Unanswered => RoundOutcome::Unanswered,
        },
        response_ms: round.response_ms(),
    }
}
