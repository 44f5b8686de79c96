//! The receptions, rounds and orders behind one account's figures, as data: what `kefu
//! explain` prints and what the web app's drill-down pages show. One place decides which
//! messages open and answer rounds, and why an order went where it went.

use std::collections::HashMap;

use kefu_core::engine::{self, Analysis, Outcome, Reception};
use kefu_core::model::{NameId, Sender};
use kefu_core::settings::MetricSettings;
use kefu_core::time::{Day, Millis};
use kefu_store::{Db, LOOKBACK_DAYS, LoadedEvents, StoreInfo};

use crate::Result;

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
    pub in_service_hours: bool,
}

impl RoundView {
    pub fn response_ms(&self) -> Option<i64> {
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
    /// Placed on the reception's day before the buyer's first message: not an inquiry.
    pub before_question: bool,
    pub reason: Reason,
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
    let ev: LoadedEvents = db.load_events(
        store.id,
        scope.from.offset(-reach - LOOKBACK_DAYS),
        scope.to.offset(reach),
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
            db, store, &ev, &a, ri, r, orders, order_days, scope,
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
                            response_ms: at - round.open,
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
    let rounds = rounds
        .iter()
        .map(|round| RoundView {
            open: round.open,
            outcome: match round.outcome {
                Outcome::Answered { at, by_bot } => RoundOutcome::Answered { at, by_bot },
                Outcome::Transferred { at, to } => RoundOutcome::Transferred {
                    at,
                    to: ev.names.name(to).to_string(),
                },
                Outcome::Unanswered => RoundOutcome::Unanswered,
            },
            in_service_hours: round.in_service_hours,
        })
        .collect();
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
        let before_question = od == r.day && r.first_buyer_time.is_some_and(|t| o.created_at < t);
        let candidate_day = od >= r.day && od.0 - r.day.0 < order_days;
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
                    own_answer: a.last_answer_before(r, o.created_at),
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
