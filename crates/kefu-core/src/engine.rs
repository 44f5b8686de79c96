//! The metric engine: events + settings → rounds, receptions, attributions, reminders and
//! per-(account, day) counters, exactly as `metrics.md` defines them.
//!
//! Pure: no I/O, and the result does not depend on the order of the input rows (messages of
//! one stream with the same time keep their `seq` order, which the importer sets from file
//! order).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rayon::iter::{
    IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator,
    IntoParallelRefMutIterator, ParallelIterator,
};
use rayon::slice::{ParallelSlice, ParallelSliceMut};
use rustc_hash::FxHashMap;

use crate::figures::{C, Counters};
use crate::model::{Message, NameId, Names, Order, Rating, Refund, Sender};
use crate::settings::{Attribution, MetricSettings};
use crate::time::{Day, HOUR_MS, Millis, SECOND_MS, time_of_day};

/// The events of one store, ids pointing into `names`.
pub struct StoreEvents<'a> {
    pub names: &'a Names,
    pub messages: &'a [Message],
    pub orders: &'a [Order],
    pub refunds: &'a [Refund],
    pub ratings: &'a [Rating],
}

/// How a round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered at `at`; `by_bot` when the answering message came from a bot.
    Answered { at: Millis, by_bot: bool },
    /// Closed by a `system` message that handed the conversation to another account.
    Transferred { at: Millis, to: NameId },
    /// Still open when the data ends.
    Unanswered,
}

/// "The buyer asks, the store answers" (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub account: NameId,
    pub buyer: NameId,
    pub open: Millis,
    pub outcome: Outcome,
    /// The response time on the service clock (§1, v2) when answered; 0 otherwise.
    service_ms: i64,
    /// Index of the reception of the day the round opened on (the day it belongs to).
    pub reception: u32,
    /// The days with a buyer message in this round, as a range of `Analysis::touched_days`.
    touched: (u32, u32),
    /// The round starts a session (会话): it is the stream's first round, or it opened at
    /// least [`SESSION_GAP_MS`] after the stream's previous message (docs/metrics.md,
    /// "Platform profiles").
    pub starts_session: bool,
    /// Of a session's first round: some round of the session needs a person
    /// ([`Round::needs_human`]).
    session_needs_human: bool,
    /// Of a session's first round: every round of the session that needs a person was
    /// answered by an agent within [`THREE_MINUTES_MS`].
    session_human_in_3min: bool,
}

impl Round {
    /// The response time (service clock) of an answered round.
    pub fn response_ms(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Answered { .. } => Some(self.service_ms),
            _ => None,
        }
    }
    /// The wall-clock wait of an answered round.
    pub fn wait_ms(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Answered { at, .. } => Some(at - self.open),
            _ => None,
        }
    }
    /// Whether the round opened inside Taobao's 人工平响 window, 08:00-23:00 (wall clock).
    pub fn in_taobao_window(&self) -> bool {
        (8 * HOUR_MS..23 * HOUR_MS).contains(&time_of_day(self.open))
    }
    /// This round's part of Taobao's 人工平响 (§5): the wall-clock wait capped at 600 s, and
    /// 600 s for an unanswered or transferred round; `None` outside 08:00-23:00.
    pub fn taobao_wait_ms(&self) -> Option<i64> {
        self.in_taobao_window().then(|| {
            self.wait_ms()
                .map_or(TAOBAO_CAP_MS, |w| w.min(TAOBAO_CAP_MS))
        })
    }
    /// Whether the round opened 08:00-24:00 (wall clock), the three-minute rate's window.
    pub fn in_three_minute_window(&self) -> bool {
        time_of_day(self.open) >= 8 * HOUR_MS
    }
    /// Whether the round counts in `rounds` and the response figures: a transferred round
    /// was closed by a hand-over, not by an answer (§1), so it counts in none of them.
    pub fn counts(&self) -> bool {
        !self.is_transferred()
    }
    /// Answered (by an agent or a bot): the rounds `avg_response_secs` averages.
    pub fn is_answered(&self) -> bool {
        matches!(self.outcome, Outcome::Answered { .. })
    }
    /// The three-minute rate's denominator: counted rounds opened 08:00-24:00.
    pub fn in_three_minute_rate(&self) -> bool {
        self.counts() && self.in_three_minute_window()
    }
    /// The three-minute rate's numerator: of those, the ones answered within
    /// [`THREE_MINUTES_MS`] of wall-clock wait (the platform's rule ignores service hours).
    pub fn answered_within_three_minutes(&self) -> bool {
        self.in_three_minute_rate() && self.wait_ms().is_some_and(|ms| ms <= THREE_MINUTES_MS)
    }
    pub fn answer_time(&self) -> Option<Millis> {
        match self.outcome {
            Outcome::Answered { at, .. } => Some(at),
            _ => None,
        }
    }
    pub fn is_transferred(&self) -> bool {
        matches!(self.outcome, Outcome::Transferred { .. })
    }

    // The platform profiles' rules (docs/metrics.md, "Platform profiles"): human replies only,
    // wall clock, fixed windows that ignore `service_hours`.

    /// Whether the round opened in `[from_hour, to_hour)` of its day (wall clock).
    pub fn opened_between(&self, from_hour: i64, to_hour: i64) -> bool {
        (from_hour * HOUR_MS..to_hour * HOUR_MS).contains(&time_of_day(self.open))
    }
    /// The round needs a person's reply: it was not handed over (transferred) and not answered
    /// by a bot (a bot's answer is the robot's reception, before 转人工). Unanswered rounds need
    /// one.
    pub fn needs_human(&self) -> bool {
        !matches!(
            self.outcome,
            Outcome::Transferred { .. } | Outcome::Answered { by_bot: true, .. }
        )
    }
    /// The wall-clock wait of a round answered by an agent (a person).
    pub fn human_wait_ms(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Answered { at, by_bot: false } => Some(at - self.open),
            _ => None,
        }
    }
    /// 京东's 30秒应答率 denominator: sessions whose first round opened 09:00-23:00 and needs a
    /// person.
    pub fn in_jd_rate(&self) -> bool {
        self.starts_session && self.needs_human() && self.opened_between(9, 23)
    }
    /// Its numerator: of those, the ones an agent answered within [`THIRTY_SECONDS_MS`].
    pub fn jd_answered_within_30s(&self) -> bool {
        self.in_jd_rate()
            && self
                .human_wait_ms()
                .is_some_and(|ms| ms <= THIRTY_SECONDS_MS)
    }
    /// 抖店's 全天3分钟回复率 denominator: sessions (at their first round) with a round that needs
    /// a person.
    pub fn in_douyin_all_day_rate(&self) -> bool {
        self.starts_session && self.session_needs_human
    }
    /// 抖店's 工作时间3分钟回复率 denominator: of those, the sessions that started 08:00-23:00.
    pub fn in_douyin_work_rate(&self) -> bool {
        self.in_douyin_all_day_rate() && self.opened_between(8, 23)
    }
    /// Both 抖店 rates' numerator: a counted session whose every round that needs a person was
    /// answered by an agent within [`THREE_MINUTES_MS`].
    pub fn douyin_answered_within_3min(&self) -> bool {
        self.in_douyin_all_day_rate() && self.session_human_in_3min
    }
}

/// R(a, b, d) of §2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reception {
    pub account: NameId,
    pub buyer: NameId,
    pub day: Day,
    pub first_time: Millis,
    pub last_time: Millis,
    /// The buyer's first message of the day, when the buyer wrote that day.
    pub first_buyer_time: Option<Millis>,
    pub served: bool,
    /// v2 (§2): consulted, bought within `after_sale_days` before, and no attributed order.
    pub after_sale: bool,
    /// Some touched round was answered or transferred.
    pub handled: bool,
    pub inquiry: bool,
    /// Service-clock response time of the first round opened this day, if answered.
    pub first_response_ms: Option<i64>,
    /// Answered rounds opened this day slower than `slow_response_secs` (service clock).
    pub slow_rounds: u32,
    /// At least `slow_response_rounds` slow rounds.
    pub slow: bool,
    pub buyer_msgs: u32,
    pub agent_msgs: u32,
    pub bot_msgs: u32,
    pub auto_msgs: u32,
    /// Rounds that belong to this reception, as a range of `Analysis::rounds`.
    pub rounds: (u32, u32),
    /// Answer times of the answered rounds this reception touches, ascending, as a range of
    /// `Analysis::answer_times`.
    answers: (u32, u32),
    /// Orders attributed to this reception, and how many of them are paid.
    pub attributed_orders: u32,
    pub attributed_paid: u32,
    /// 拼多多's rule: the wait for a person's reply to the buyer's first question of the day
    /// that needs one — the first round opened this day, 08:00-23:00, that needs a person
    /// ([`Round::needs_human`]). `None`: no such round; `Some(None)`: no agent answered it.
    pub human_first_wait_ms: Option<Option<i64>>,
}

impl Reception {
    pub fn consulted(&self) -> bool {
        self.first_buyer_time.is_some()
    }
    pub fn unreplied(&self) -> bool {
        self.consulted() && !self.handled
    }
    pub fn duration_ms(&self) -> i64 {
        self.last_time - self.first_time
    }
    /// An inquiry with an attributed order (询单→下单).
    pub fn inquiry_ordered(&self) -> bool {
        self.inquiry && self.attributed_orders > 0
    }
    /// An inquiry with a paid attributed order (询单→最终付款).
    pub fn inquiry_paid(&self) -> bool {
        self.inquiry && self.attributed_paid > 0
    }
    /// The first round opened this day was answered: the receptions the first response
    /// figures (mean and percentiles) are taken over.
    pub fn has_first_response(&self) -> bool {
        self.first_response_ms.is_some()
    }
    /// The buyer or an agent wrote: the receptions whose messages the answer/question ratio
    /// adds (the others add nothing to it).
    pub fn has_buyer_or_agent_messages(&self) -> bool {
        self.buyer_msgs > 0 || self.agent_msgs > 0
    }
    /// 拼多多's 需要人工回复的咨询人数: the buyer asked something that needs a person, 08:00-23:00.
    pub fn needs_human_reply(&self) -> bool {
        self.human_first_wait_ms.is_some()
    }
    /// 拼多多's 3分钟人工回复率 numerator: an agent answered that first question within
    /// [`THREE_MINUTES_MS`].
    pub fn human_replied_within_3min(&self) -> bool {
        self.human_first_within(THREE_MINUTES_MS)
    }
    /// 拼多多's 30秒应答率 numerator: within [`THIRTY_SECONDS_MS`].
    pub fn human_replied_within_30s(&self) -> bool {
        self.human_first_within(THIRTY_SECONDS_MS)
    }
    fn human_first_within(&self, limit_ms: i64) -> bool {
        matches!(self.human_first_wait_ms, Some(Some(ms)) if ms <= limit_ms)
    }
}

/// Why an order went where it went (§3) and who reminded it (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderFact {
    /// The winning reception and the answer time that won it; `None` = silent.
    pub attributed: Option<(u32, Millis)>,
    /// Which of the order's times the attribution looked before (of a silent order: the last
    /// one looked before).
    pub attributed_by: AttributedBy,
    /// The account and time of the first reminder message.
    pub reminded: Option<(NameId, Millis)>,
}

/// The time of an order its last touch was looked for before (§3, the `attribution` setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AttributedBy {
    /// The order's creation time.
    #[default]
    Created,
    /// The order's payment time.
    Paid,
}

impl AttributedBy {
    /// The time of `order` this names (the creation when an unpaid order names its payment,
    /// which the engine never does).
    pub fn time(self, order: &Order) -> Millis {
        match self {
            AttributedBy::Created => order.created_at,
            AttributedBy::Paid => order.paid_at.unwrap_or(order.created_at),
        }
    }
}

impl OrderFact {
    /// The reception whose sales the order adds to: attributed and paid (§3).
    pub fn sale_reception(&self, order: &Order) -> Option<u32> {
        self.attributed
            .filter(|_| order.paid_at.is_some())
            .map(|(reception, _)| reception)
    }
    /// No reception won the order (静默下单).
    pub fn is_silent(&self) -> bool {
        self.attributed.is_none()
    }
}

/// Everything the engine derives from one store's events.
pub struct Analysis {
    pub rounds: Vec<Round>,
    pub receptions: Vec<Reception>,
    /// Parallel to the input orders.
    pub orders: Vec<OrderFact>,
    touched_days: Vec<Day>,
    answer_times: Vec<Millis>,
}

impl Analysis {
    pub fn touched_days(&self, r: &Round) -> &[Day] {
        &self.touched_days[r.touched.0 as usize..r.touched.1 as usize]
    }
    pub fn answer_times(&self, r: &Reception) -> &[Millis] {
        &self.answer_times[r.answers.0 as usize..r.answers.1 as usize]
    }
    pub fn rounds_of(&self, r: &Reception) -> &[Round] {
        &self.rounds[r.rounds.0 as usize..r.rounds.1 as usize]
    }
    /// The latest answer of a touched round at or before `t`.
    pub fn last_answer_before(&self, r: &Reception, t: Millis) -> Option<Millis> {
        let answers = self.answer_times(r);
        let n = answers.partition_point(|&a| a <= t);
        n.checked_sub(1).map(|i| answers[i])
    }
}

/// Per-(account, day) counters, and the store-level counters per day.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Facts {
    pub accounts: BTreeMap<(NameId, Day), Counters>,
    pub store: BTreeMap<Day, Counters>,
}

impl Facts {
    pub fn keep_days(&mut self, from: Day, to: Day) {
        self.accounts.retain(|&(_, d), _| d >= from && d <= to);
        self.store.retain(|&d, _| d >= from && d <= to);
    }
}

/// The cap of a round's wait in Taobao's 人工平响, and what an unanswered round counts.
pub const TAOBAO_CAP_MS: i64 = 600 * SECOND_MS;

/// The longest wall-clock wait the three-minute rate counts as answered in time (inclusive).
pub const THREE_MINUTES_MS: i64 = 180 * SECOND_MS;

/// The longest wall-clock wait the platforms' 30-second rates count as answered in time
/// (inclusive).
pub const THIRTY_SECONDS_MS: i64 = 30 * SECOND_MS;

/// A round opened at least this long after the stream's previous message starts a new
/// session (京东: a message more than 10 minutes after the session starts a new one).
pub const SESSION_GAP_MS: i64 = 600 * SECOND_MS;

/// Runs the whole engine: rounds, receptions, attribution, reminders.
pub fn analyze(ev: &StoreEvents<'_>, s: &MetricSettings) -> Analysis {
    let mut a = build_streams(ev, s);
    let rank = account_rank(ev, &a);
    a.orders = attribute(&mut a, ev.orders, s, &rank);
    // After attribution: a reception with an attributed order is an inquiry whatever the
    // buyer bought before.
    mark_inquiries(&mut a, ev.orders, s);
    remind(&mut a, ev, s, &rank);
    a
}

/// Analyzes and reduces to counters.
pub fn compute(ev: &StoreEvents<'_>, s: &MetricSettings) -> Facts {
    rollup(&analyze(ev, s), ev)
}

/// The order the engine walks messages in: stream by stream, each in (time, seq) order.
pub fn stream_key(m: &Message) -> (NameId, NameId, Millis, u64) {
    (m.account, m.buyer, m.time, m.seq)
}

/// Sorts messages into stream order in place. Callers that own their messages sort them with
/// this first; the engine then skips its own (indirect, slower) sort.
///
/// The messages are first moved into one bucket per account (a pass of swaps in place), then
/// each bucket is sorted by (buyer, time, seq) on its own, the buckets in parallel. A store
/// has few accounts against millions of messages, so a bucket's sort works within the cache,
/// where one sort of the whole slice went through all of memory at every level of its
/// partitioning (10M messages: the largest part of a recomputation after the analysis).
pub fn sort_streams(messages: &mut [Message]) {
    // Below this, buckets are not worth their two extra passes.
    const BUCKETED_FROM: usize = 1 << 16;
    if messages.len() < BUCKETED_FROM {
        messages.par_sort_unstable_by_key(stream_key);
        return;
    }
    let mut counts: FxHashMap<NameId, usize> = messages
        .par_chunks(BUCKETED_FROM)
        .fold(FxHashMap::default, |mut counts, chunk| {
            for m in chunk {
                *counts.entry(m.account).or_default() += 1;
            }
            counts
        })
        .reduce(FxHashMap::default, |mut a, b| {
            for (k, n) in b {
                *a.entry(k).or_default() += n;
            }
            a
        });
    let mut accounts: Vec<(NameId, usize)> = counts.drain().collect();
    accounts.sort_unstable();
    // Bucket of each account id, dense: ids are indices into the store's names.
    let top = accounts.last().map_or(0, |&(id, _)| id as usize);
    let mut bucket_of = vec![0u32; top + 1];
    let mut starts = Vec::with_capacity(accounts.len() + 1);
    let mut at = 0;
    for (b, &(id, n)) in accounts.iter().enumerate() {
        bucket_of[id as usize] = b as u32;
        starts.push(at);
        at += n;
    }
    starts.push(at);
    // American flag sort: each bucket's free slot takes the messages that belong there.
    let mut next: Vec<usize> = starts[..accounts.len()].to_vec();
    for b in 0..accounts.len() {
        let end = starts[b + 1];
        while next[b] < end {
            let to = bucket_of[messages[next[b]].account as usize] as usize;
            if to == b {
                next[b] += 1;
            } else {
                messages.swap(next[b], next[to]);
                next[to] += 1;
            }
        }
    }
    let mut buckets: Vec<&mut [Message]> = Vec::with_capacity(accounts.len());
    let mut rest = messages;
    for w in starts.windows(2) {
        let (bucket, tail) = rest.split_at_mut(w[1] - w[0]);
        buckets.push(bucket);
        rest = tail;
    }
    let whole = at;
    buckets.into_par_iter().for_each(|bucket| {
        let key = |m: &Message| (m.buyer, m.time, m.seq);
        // One account with most of the store's messages still sorts on every thread.
        if bucket.len() > whole / 4 {
            bucket.par_sort_unstable_by_key(key);
        } else {
            bucket.sort_unstable_by_key(key);
        }
    });
}

fn build_streams(ev: &StoreEvents<'_>, s: &MetricSettings) -> Analysis {
    let msgs = ev.messages;
    let sorted = msgs
        .windows(2)
        .all(|w| stream_key(&w[0]) <= stream_key(&w[1]));
    let order: Vec<u32> = if sorted {
        Vec::new()
    } else {
        let mut order: Vec<u32> = (0..msgs.len() as u32).collect();
        order.par_sort_unstable_by_key(|&i| stream_key(&msgs[i as usize]));
        order
    };
    let at = |k: usize| -> &Message {
        if sorted {
            &msgs[k]
        } else {
            &msgs[order[k] as usize]
        }
    };
    // Cut the messages into parts at stream boundaries and analyze the parts in parallel.
    let parts = (rayon::current_num_threads() * 4).max(1);
    let mut cuts = vec![0];
    for p in 1..parts {
        let mut k = msgs.len() * p / parts;
        let last = *cuts.last().unwrap_or(&0);
        if k <= last {
            continue;
        }
        while k < msgs.len()
            && k > 0
            && (at(k).account, at(k).buyer) == (at(k - 1).account, at(k - 1).buyer)
        {
            k += 1;
        }
        if k < msgs.len() {
            cuts.push(k);
        }
    }
    cuts.push(msgs.len());
    let slow_ms = s.slow_response_secs * SECOND_MS;
    let pieces: Vec<Analysis> = cuts
        .par_windows(2)
        .map(|w| {
            let mut a = Analysis::empty();
            let mut pending_answers: Vec<(u32, Millis)> = Vec::new();
            let mut start = w[0];
            while start < w[1] {
                let first = at(start);
                let mut end = start + 1;
                while end < w[1] && (at(end).account, at(end).buyer) == (first.account, first.buyer)
                {
                    end += 1;
                }
                one_stream(
                    &mut a,
                    (start..end).map(at),
                    s,
                    slow_ms,
                    &mut pending_answers,
                );
                start = end;
            }
            a
        })
        .collect();
    Analysis::concat(pieces)
}

impl Analysis {
    fn empty() -> Analysis {
        Analysis {
            rounds: Vec::new(),
            receptions: Vec::new(),
            orders: Vec::new(),
            touched_days: Vec::new(),
            answer_times: Vec::new(),
        }
    }

    /// Joins analyses of disjoint sets of streams, shifting their internal indices.
    fn concat(pieces: Vec<Analysis>) -> Analysis {
        let mut a = Analysis::empty();
        a.rounds
            .reserve(pieces.iter().map(|p| p.rounds.len()).sum());
        a.receptions
            .reserve(pieces.iter().map(|p| p.receptions.len()).sum());
        for p in pieces {
            let (rounds, recs, days, answers) = (
                a.rounds.len() as u32,
                a.receptions.len() as u32,
                a.touched_days.len() as u32,
                a.answer_times.len() as u32,
            );
            a.rounds.extend(p.rounds.into_iter().map(|mut r| {
                r.reception += recs;
                r.touched = (r.touched.0 + days, r.touched.1 + days);
                r
            }));
            a.receptions.extend(p.receptions.into_iter().map(|mut r| {
                // Empty ranges stay empty when shifted.
                r.rounds = (r.rounds.0 + rounds, r.rounds.1 + rounds);
                r.answers = (r.answers.0 + answers, r.answers.1 + answers);
                r
            }));
            a.touched_days.extend(p.touched_days);
            a.answer_times.extend(p.answer_times);
        }
        a
    }
}

/// Rounds and receptions of one stream S(a, b), messages in (time, seq) order.
fn one_stream<'m>(
    a: &mut Analysis,
    stream: impl Iterator<Item = &'m Message> + Clone,
    s: &MetricSettings,
    slow_ms: i64,
    pending_answers: &mut Vec<(u32, Millis)>,
) {
    let rec_base = a.receptions.len();
    let round_base = a.rounds.len();
    let mut open: Option<usize> = None;
    // The time of the stream's previous message (any sender), for the session split.
    let mut previous: Option<Millis> = None;
    for m in stream {
        let day = Day::of(m.time);
        let after_gap = previous.is_none_or(|t| m.time - t >= SESSION_GAP_MS);
        previous = Some(m.time);
        if a.receptions.len() == rec_base || a.receptions.last().map(|r| r.day) != Some(day) {
            a.receptions.push(Reception {
                account: m.account,
                buyer: m.buyer,
                day,
                first_time: m.time,
                last_time: m.time,
                first_buyer_time: None,
                served: false,
                after_sale: false,
                handled: false,
                inquiry: false,
                first_response_ms: None,
                slow_rounds: 0,
                slow: false,
                buyer_msgs: 0,
                agent_msgs: 0,
                bot_msgs: 0,
                auto_msgs: 0,
                rounds: (0, 0),
                answers: (0, 0),
                attributed_orders: 0,
                attributed_paid: 0,
                human_first_wait_ms: None,
            });
        }
        let rec_idx = a.receptions.len() - 1;
        let rec = &mut a.receptions[rec_idx];
        rec.last_time = m.time;
        match m.sender {
            Sender::Buyer => {
                rec.buyer_msgs += 1;
                rec.first_buyer_time.get_or_insert(m.time);
                match open {
                    None => {
                        let t = a.touched_days.len() as u32;
                        a.touched_days.push(day);
                        a.rounds.push(Round {
                            account: m.account,
                            buyer: m.buyer,
                            open: m.time,
                            outcome: Outcome::Unanswered,
                            service_ms: 0,
                            reception: rec_idx as u32,
                            touched: (t, t + 1),
                            starts_session: after_gap || a.rounds.len() == round_base,
                            session_needs_human: false,
                            session_human_in_3min: true,
                        });
                        open = Some(a.rounds.len() - 1);
                    }
                    Some(r) => {
                        if a.touched_days.last() != Some(&day) {
                            a.touched_days.push(day);
                            a.rounds[r].touched.1 += 1;
                        }
                    }
                }
            }
            Sender::Agent | Sender::Bot => {
                if m.sender == Sender::Agent {
                    rec.agent_msgs += 1;
                } else {
                    rec.bot_msgs += 1;
                }
                if let Some(r) = open.take() {
                    let round = &mut a.rounds[r];
                    round.outcome = Outcome::Answered {
                        at: m.time,
                        by_bot: m.sender == Sender::Bot,
                    };
                    round.service_ms = s.service_hours.service_ms(round.open, m.time);
                }
            }
            Sender::Auto => rec.auto_msgs += 1,
            Sender::System => {
                if let (Some(to), Some(r)) = (m.transfer_to, open) {
                    a.rounds[r].outcome = Outcome::Transferred { at: m.time, to };
                    open = None;
                }
            }
        }
    }

    // Each session's facts, kept on its first round.
    let mut session = round_base;
    for ri in round_base..a.rounds.len() {
        if a.rounds[ri].starts_session {
            session = ri;
        }
        let round = a.rounds[ri];
        if round.needs_human() {
            let in_time = round
                .human_wait_ms()
                .is_some_and(|ms| ms <= THREE_MINUTES_MS);
            let first = &mut a.rounds[session];
            first.session_needs_human = true;
            first.session_human_in_3min &= in_time;
        }
    }

    // Each round counts on the reception of its opening day and marks every day it touches.
    pending_answers.clear();
    let receptions = &mut a.receptions[rec_base..];
    let find = |day: Day, recs: &[Reception]| recs.binary_search_by_key(&day, |r| r.day).ok();
    let mut first_round_seen_for = usize::MAX;
    for ri in round_base..a.rounds.len() {
        let round = a.rounds[ri];
        let own = round.reception as usize - rec_base;
        let rec = &mut receptions[own];
        if rec.rounds.0 == rec.rounds.1 {
            rec.rounds = (ri as u32, ri as u32);
        }
        rec.rounds.1 = ri as u32 + 1;
        let response = round.response_ms();
        if first_round_seen_for != own {
            // Rounds come in time order, so the first one met for a reception is its first.
            first_round_seen_for = own;
            rec.first_response_ms = response;
        }
        if response.is_some_and(|ms| ms > slow_ms) {
            rec.slow_rounds += 1;
        }
        if rec.human_first_wait_ms.is_none() && round.needs_human() && round.opened_between(8, 23) {
            rec.human_first_wait_ms = Some(round.human_wait_ms());
        }
        let (t0, t1) = round.touched;
        for &day in &a.touched_days[t0 as usize..t1 as usize] {
            let Some(k) = find(day, receptions) else {
                continue;
            };
            let r = &mut receptions[k];
            match round.outcome {
                Outcome::Answered { at, .. } => {
                    r.served = true;
                    r.handled = true;
                    pending_answers.push(((rec_base + k) as u32, at));
                }
                Outcome::Transferred { .. } => r.handled = true,
                Outcome::Unanswered => {}
            }
        }
    }
    pending_answers.sort_unstable();
    let mut i = 0;
    while i < pending_answers.len() {
        let rec = pending_answers[i].0;
        let start = a.answer_times.len() as u32;
        while i < pending_answers.len() && pending_answers[i].0 == rec {
            a.answer_times.push(pending_answers[i].1);
            i += 1;
        }
        a.receptions[rec as usize].answers = (start, a.answer_times.len() as u32);
    }
    let min_slow = s.slow_response_rounds.max(1);
    for r in &mut a.receptions[rec_base..] {
        r.slow = r.slow_rounds >= min_slow;
    }
}

/// §2 after-sale and inquiry (v2): a consulted reception is after-sale when the buyer placed
/// an order on its day or one of the `after_sale_days` days before, before the first buyer
/// time, and no order is attributed to it; every other consulted reception is an inquiry.
fn mark_inquiries(a: &mut Analysis, orders: &[Order], s: &MetricSettings) {
    let mut placed: Vec<(NameId, Millis)> =
        orders.iter().map(|o| (o.buyer, o.created_at)).collect();
    placed.par_sort_unstable();
    let back = s.after_sale_days as i32;
    a.receptions.par_iter_mut().for_each(|r| {
        let Some(t) = r.first_buyer_time else {
            r.after_sale = false;
            r.inquiry = false;
            return;
        };
        let since = (r.buyer, r.day.offset(-back).start());
        let i = placed.partition_point(|&p| p < since);
        let bought_before = placed.get(i).is_some_and(|&(b, at)| b == r.buyer && at < t);
        r.after_sale = bought_before && r.attributed_orders == 0;
        r.inquiry = !r.after_sale;
    });
}

/// Position of each account name in byte order, for the spec's "smaller account name" ties.
/// Only accounts are ranked (buyers never tie-break), indexed by name id.
fn account_rank(ev: &StoreEvents<'_>, a: &Analysis) -> Vec<u32> {
    let mut is_account = vec![false; ev.names.len()];
    for r in &a.receptions {
        if let Some(slot) = is_account.get_mut(r.account as usize) {
            *slot = true;
        }
    }
    let mut ids: Vec<NameId> = (0..ev.names.len() as NameId)
        .filter(|&i| is_account[i as usize])
        .collect();
    ids.sort_unstable_by(|&x, &y| ev.names.name(x).as_bytes().cmp(ev.names.name(y).as_bytes()));
    let mut rank = vec![u32::MAX; ev.names.len()];
    for (pos, id) in ids.into_iter().enumerate() {
        rank[id as usize] = pos as u32;
    }
    rank
}

/// The buyers who placed one of `orders`, as a set over name ids.
struct Buyers(Vec<bool>);

impl Buyers {
    fn contains(&self, buyer: NameId) -> bool {
        self.0.get(buyer as usize).copied().unwrap_or(false)
    }
}

fn buyers_of(orders: &[Order]) -> Buyers {
    let top = orders
        .iter()
        .map(|o| o.buyer as usize + 1)
        .max()
        .unwrap_or(0);
    let mut set = vec![false; top];
    for o in orders {
        set[o.buyer as usize] = true;
    }
    Buyers(set)
}

fn rank_of(rank: &[u32], id: NameId) -> u32 {
    rank.get(id as usize).copied().unwrap_or(u32::MAX)
}

/// §3 last-touch attribution.
fn attribute(
    a: &mut Analysis,
    orders: &[Order],
    s: &MetricSettings,
    rank: &[u32],
) -> Vec<OrderFact> {
    // The receptions of buyers with an order (no other is ever a touch), keyed inline: the
    // sort and the searches read no reception they do not keep.
    let ordered = buyers_of(orders);
    let mut by_buyer: Vec<(NameId, Day, u32)> = a
        .receptions
        .par_iter()
        .enumerate()
        .filter(|(_, r)| ordered.contains(r.buyer))
        .map(|(i, r)| (r.buyer, r.day, i as u32))
        .collect();
    by_buyer.par_sort_unstable();
    let window = s.conversion_window_days.max(1) as i32;
    // The last touch at or before `t` among the buyer's receptions of the window ending on
    // `t`'s day.
    let last_touch = |buyer: NameId, t: Millis| -> Option<(u32, Millis)> {
        let last = Day::of(t);
        let first = last.offset(1 - window);
        let lo = by_buyer.partition_point(|&(b, d, _)| (b, d) < (buyer, first));
        let mut best: Option<(Millis, Day, u32, u32)> = None; // (answer, day, rank, reception)
        for &(b, day, ri) in &by_buyer[lo..] {
            if b != buyer || day > last {
                break;
            }
            let r = &a.receptions[ri as usize];
            let Some(at) = a.last_answer_before(r, t) else {
                continue;
            };
            let cand = (at, r.day, rank_of(rank, r.account), ri);
            let better = match best {
                None => true,
                Some(b) => match (cand.0, cand.1).cmp(&(b.0, b.1)) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal => cand.2 < b.2,
                },
            };
            if better {
                best = Some(cand);
            }
        }
        best.map(|(at, _, _, ri)| (ri, at))
    };
    let winners: Vec<(Option<(u32, Millis)>, AttributedBy)> = orders
        .par_iter()
        .map(|o| {
            let by_order = || (last_touch(o.buyer, o.created_at), AttributedBy::Created);
            let by_payment = || match o.paid_at {
                Some(p) => (last_touch(o.buyer, p), AttributedBy::Paid),
                None => by_order(),
            };
            match s.attribution {
                Attribution::Order => by_order(),
                Attribution::Payment => by_payment(),
                Attribution::OrderFirst => match by_order() {
                    (Some(w), by) => (Some(w), by),
                    (None, _) => by_payment(),
                },
            }
        })
        .collect();
    let mut facts = vec![OrderFact::default(); orders.len()];
    for ((fact, o), (winner, by)) in facts.iter_mut().zip(orders).zip(winners) {
        fact.attributed_by = by;
        if let Some((ri, at)) = winner {
            fact.attributed = Some((ri, at));
            let r = &mut a.receptions[ri as usize];
            r.attributed_orders += 1;
            if o.paid_at.is_some() {
                r.attributed_paid += 1;
            }
        }
    }
    facts
}

/// §4 payment reminders: the first agent message after the order was placed, before it was
/// paid or closed, within the reminder window.
fn remind(a: &mut Analysis, ev: &StoreEvents<'_>, s: &MetricSettings, rank: &[u32]) {
    // Only a buyer's own orders look at the buyer's agent messages: those of buyers without
    // an order are left out of the sort.
    let ordered = buyers_of(ev.orders);
    let mut agent_msgs: Vec<(NameId, Millis, u32, NameId)> = ev
        .messages
        .par_iter()
        .filter(|m| m.sender == Sender::Agent && ordered.contains(m.buyer))
        .map(|m| (m.buyer, m.time, rank_of(rank, m.account), m.account))
        .collect();
    agent_msgs.par_sort_unstable();
    let window_ms = s.reminder_window_hours * HOUR_MS;
    let reminded: Vec<Option<(NameId, Millis)>> = ev
        .orders
        .par_iter()
        .map(|o| {
            let i = agent_msgs.partition_point(|&(b, t, _, _)| (b, t) <= (o.buyer, o.created_at));
            let &(b, t, _, account) = agent_msgs.get(i)?;
            let before = |limit: Option<Millis>| limit.is_none_or(|l| t < l);
            (b == o.buyer
                && t - o.created_at <= window_ms
                && before(o.paid_at)
                && before(o.closed_at))
            .then_some((account, t))
        })
        .collect();
    for (fact, r) in a.orders.iter_mut().zip(reminded) {
        fact.reminded = r;
    }
}

/// Reduces an analysis to counters per (account, day) and store-level counters per day.
pub fn rollup(a: &Analysis, ev: &StoreEvents<'_>) -> Facts {
    type Sums = FxHashMap<(NameId, Day), Counters>;
    // Receptions reduce in parallel into small maps (one entry per account-day), merged after.
    let parts = (rayon::current_num_threads() * 4).max(1);
    let chunk = a.receptions.len().div_ceil(parts).max(1);
    let maps: Vec<Sums> = a
        .receptions
        .par_chunks(chunk)
        .map(|recs| reception_sums(a, recs))
        .collect();
    let mut sums = Sums::default();
    for m in maps {
        for (k, c) in m {
            *sums.entry(k).or_default() += &c;
        }
    }
    let mut f = Facts {
        accounts: sums.into_iter().collect(),
        ..Default::default()
    };
    for c in f.accounts.values_mut() {
        c.1.sort();
    }
    // A buyer served by the bot and then a person is one buyer of the store that day.
    let mut buyer_days: Vec<(Day, NameId)> = a
        .receptions
        .iter()
        .filter(|r| r.consulted())
        .map(|r| (r.day, r.buyer))
        .collect();
    buyer_days.par_sort_unstable();
    buyer_days.dedup();
    for (day, _) in buyer_days {
        f.store.entry(day).or_default().bump(C::buyers);
    }
    rollup_orders_ratings_refunds(a, ev, &mut f);
    f
}

fn reception_sums(a: &Analysis, recs: &[Reception]) -> FxHashMap<(NameId, Day), Counters> {
    let mut sums: FxHashMap<(NameId, Day), Counters> = FxHashMap::default();
    for r in recs {
        let c = sums.entry((r.account, r.day)).or_default();
        c.bump(C::receptions);
        if r.consulted() {
            c.bump(C::consulted);
        }
        if r.served {
            c.bump(C::served);
            c.add(C::served_duration_ms, r.duration_ms());
        }
        if r.unreplied() {
            c.bump(C::unreplied);
        }
        if r.after_sale {
            c.bump(C::after_sales);
        }
        if r.inquiry {
            c.bump(C::inquiries);
        }
        if r.inquiry_ordered() {
            c.bump(C::ordered);
        }
        if r.inquiry_paid() {
            c.bump(C::paid);
        }
        if r.attributed_paid > 0 {
            c.bump(C::paid_receptions);
        }
        if r.slow {
            c.bump(C::slow);
        }
        if let Some(t) = r.first_buyer_time {
            let hour = (time_of_day(t) / HOUR_MS) as usize;
            c.bump(C::consulted_at_hour(hour));
            if r.slow {
                c.bump(C::slow_at_hour(hour));
            }
        }
        if let Some(ms) = r.first_response_ms {
            c.add_first_response(ms);
        }
        c.add(C::buyer_msgs, r.buyer_msgs as i64);
        c.add(C::agent_msgs, r.agent_msgs as i64);
        c.add(C::bot_msgs, r.bot_msgs as i64);
        c.add(C::auto_msgs, r.auto_msgs as i64);
        if r.needs_human_reply() {
            c.bump(C::pdd_receptions);
        }
        if r.human_replied_within_3min() {
            c.bump(C::pdd_within_3min);
        }
        if r.human_replied_within_30s() {
            c.bump(C::pdd_within_30s);
        }
        for round in a.rounds_of(r) {
            if let Some(ms) = round.taobao_wait_ms() {
                c.bump(C::tb_rounds);
                c.add(C::tb_wait_ms, ms);
            }
            if round.in_jd_rate() {
                c.bump(C::jd_sessions);
            }
            if round.jd_answered_within_30s() {
                c.bump(C::jd_within_30s);
            }
            if round.in_douyin_all_day_rate() {
                c.bump(C::dy_sessions);
            }
            if round.douyin_answered_within_3min() {
                c.bump(C::dy_within_3min);
            }
            if round.in_douyin_work_rate() {
                c.bump(C::dy_work_sessions);
                if round.douyin_answered_within_3min() {
                    c.bump(C::dy_work_within_3min);
                }
            }
            if !round.counts() {
                continue;
            }
            c.bump(C::rounds);
            if round.in_three_minute_rate() {
                c.bump(C::rounds_0800);
            }
            if round.answered_within_three_minutes() {
                c.bump(C::rounds_0800_within_3min);
            }
            if let Some(ms) = round.response_ms() {
                c.add(C::response_ms, ms);
                c.bump(C::response_n);
            }
        }
    }
    sums
}

fn rollup_orders_ratings_refunds(a: &Analysis, ev: &StoreEvents<'_>, f: &mut Facts) {
    for (o, fact) in ev.orders.iter().zip(&a.orders) {
        if let Some(ri) = fact.sale_reception(o) {
            let r = &a.receptions[ri as usize];
            let c = f.accounts.entry((r.account, r.day)).or_default();
            c.add(C::sales_cents, o.amount);
            c.bump(C::paid_orders);
            c.add(C::items, o.items);
        }
        if let Some((account, t)) = fact.reminded {
            let c = f.accounts.entry((account, Day::of(t))).or_default();
            c.bump(C::reminded_orders);
            if o.paid_at.is_some() {
                c.bump(C::reminder_success);
                c.add(C::reminder_sales_cents, o.amount);
            }
        }
        if o.paid_at.is_some() {
            let c = f.store.entry(Day::of(o.created_at)).or_default();
            c.bump(C::total_orders);
            c.add(C::total_sales_cents, o.amount);
            if fact.is_silent() {
                c.bump(C::silent_orders);
                c.add(C::silent_sales_cents, o.amount);
            }
        }
    }
    for rt in ev.ratings {
        let c = f
            .accounts
            .entry((rt.account, Day::of(rt.time)))
            .or_default();
        c.bump(C::ratings);
        if rt.satisfied() {
            c.bump(C::ratings_satisfied);
        }
    }
    for rf in ev.refunds {
        let Some(account) = rf.account else { continue };
        let c = f
            .accounts
            .entry((account, Day::of(rf.requested_at)))
            .or_default();
        c.bump(C::refunds);
        if let Some(done) = rf.finished_at {
            c.add(C::refund_ms, done - rf.requested_at);
            c.bump(C::refunds_finished);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages in (time, seq) order, as a store's days load, over `accounts` accounts of
    /// which the first takes `heavy` of every 8 messages.
    fn loaded(n: usize, accounts: u32, heavy: u64) -> Vec<Message> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..n as u64)
            .map(|i| {
                let r = next();
                let account = if r % 8 < heavy {
                    7
                } else {
                    7 + (r >> 8) as u32 % accounts
                };
                Message {
                    // Several messages a millisecond: ties broken by seq.
                    time: (i / 3) as Millis,
                    buyer: 1000 + (r >> 24) as u32 % 5000,
                    account,
                    sender: if r & 1 == 0 {
                        Sender::Buyer
                    } else {
                        Sender::Agent
                    },
                    transfer_to: None,
                    seq: i,
                }
            })
            .collect()
    }

    #[test]
    fn bucketed_stream_sort_equals_one_sort_of_the_whole() {
        for (n, accounts, heavy) in [(200_000, 40, 0), (150_000, 3, 7), (70_000, 1, 0)] {
            let mut bucketed = loaded(n, accounts, heavy);
            let mut whole = bucketed.clone();
            sort_streams(&mut bucketed);
            whole.sort_by_key(stream_key);
            assert!(bucketed == whole, "{n} messages over {accounts} accounts");
        }
    }
}
