//! Additive counters and the figures of `metrics.md` §5 computed from them.
//!
//! Every figure is a count, a sum, or a ratio of two sums, so the engine reduces receptions
//! to per-(account, day) [`Counters`] once, and any period, group or store is a plain sum of
//! counters. Rates and means are formed only at the very end, in [`Figure::value`].
//!
//! A [`Figure`] is defined once, here: its key, names, unit, direction and what its list
//! shows (the engine's own predicates, see [`Behind`]). `docs/metrics.md` says how to add one.

use rustc_hash::FxHashMap;
use std::ops::AddAssign;
use std::sync::OnceLock;

use crate::engine::{Reception, Round};

macro_rules! counters {
    ($($name:ident),* $(,)?) => {
        /// Index of one counter in [`Counters`]; the names double as database columns.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(usize)]
        pub enum C { $($name),* }
        impl C {
            pub const ALL: &'static [C] = &[$(C::$name),*];
            pub fn column(self) -> &'static str {
                match self { $(C::$name => stringify!($name)),* }
            }
        }
    };
}

counters!(
    receptions,
    consulted,
    served,
    unreplied,
    inquiries,
    ordered,
    paid,
    sales_cents,
    paid_orders,
    items,
    paid_receptions,
    first_response_ms,
    first_response_n,
    response_ms,
    response_n,
    slow,
    rounds,
    rounds_0800,
    rounds_0800_within_3min,
    buyer_msgs,
    agent_msgs,
    bot_msgs,
    auto_msgs,
    served_duration_ms,
    reminded_orders,
    reminder_success,
    reminder_sales_cents,
    ratings,
    ratings_satisfied,
    refunds,
    refund_ms,
    refunds_finished,
    total_orders,
    total_sales_cents,
    silent_orders,
    silent_sales_cents,
    // Consulted receptions by the hour of day of the buyer's first message (hours 0..23).
    consulted_h00,
    consulted_h01,
    consulted_h02,
    consulted_h03,
    consulted_h04,
    consulted_h05,
    consulted_h06,
    consulted_h07,
    consulted_h08,
    consulted_h09,
    consulted_h10,
    consulted_h11,
    consulted_h12,
    consulted_h13,
    consulted_h14,
    consulted_h15,
    consulted_h16,
    consulted_h17,
    consulted_h18,
    consulted_h19,
    consulted_h20,
    consulted_h21,
    consulted_h22,
    consulted_h23,
    // v2
    after_sales,
    // Rounds opened 08:00-23:00 (Taobao's 人工平响 window) and their capped waits.
    tb_rounds,
    tb_wait_ms,
    // Store level: distinct buyer-days consulted in the store.
    buyers,
    // Platform profiles (docs/metrics.md): 拼多多's receptions needing a person 08:00-23:00
    // and those answered by one within 3 min / 30 s; 京东's sessions 09:00-23:00 and those
    // answered within 30 s; 抖店's sessions all day and in working hours, and those whose
    // every human round was answered within 3 min.
    pdd_receptions,
    pdd_within_3min,
    pdd_within_30s,
    jd_sessions,
    jd_within_30s,
    dy_sessions,
    dy_within_3min,
    dy_work_sessions,
    dy_work_within_3min,
);

pub const COUNTERS: usize = C::ALL.len();

impl C {
    /// The counter of consulted receptions whose first buyer message fell in `hour` (0..23;
    /// later hours count as 23).
    pub fn consulted_at_hour(hour: usize) -> C {
        C::ALL[C::consulted_h00 as usize + hour.min(23)]
    }
}

/// Additive counters for a set of receptions (and the orders, reminders, ratings and refunds
/// that count with them).
///
/// Percentiles are not sums, so beside the counts the first response times themselves are
/// kept (a multiset: adding two `Counters` joins them), which makes the percentile of any
/// group of receptions exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters(pub [i64; COUNTERS], pub FirstResponses);

/// The first response times (ms, service clock) of a set of receptions: a multiset, kept as
/// (value, count) runs in no set order until [`FirstResponses::sort`]; equal when they hold
/// the same values.
///
/// Runs, not single values: times are mostly whole seconds, so a store's month of first
/// responses has far fewer distinct values than receptions, and sums, storage and
/// percentiles work on the distinct ones. A page asks for the same percentiles many times (a
/// cell, its colour, its link), so p50 and p90 are computed once and kept until the values
/// change.
#[derive(Debug, Clone, Default)]
pub struct FirstResponses {
    runs: Vec<(i64, u64)>,
    p50_p90: OnceLock<(Option<i64>, Option<i64>)>,
}

impl PartialEq for FirstResponses {
    fn eq(&self, other: &Self) -> bool {
        compacted(&self.runs) == compacted(&other.runs)
    }
}

impl Eq for FirstResponses {}

/// Runs sorted by value with equal values merged.
fn compacted(runs: &[(i64, u64)]) -> Vec<(i64, u64)> {
    let mut v = runs.to_vec();
    compact(&mut v);
    v
}

fn compact(runs: &mut Vec<(i64, u64)>) {
    let stretches = 1 + runs.windows(2).filter(|w| w[1].0 < w[0].0).count();
    if stretches > MERGED_STRETCHES {
        // Many sorted stretches, such as a team summed from its agents: their values repeat
        // from agent to agent (mostly whole seconds), so counting them in a hash map leaves
        // few to sort, where merging would pass over every run once per halving.
        let mut counts: FxHashMap<i64, u64> = FxHashMap::default();
        for &(v, n) in runs.iter() {
            *counts.entry(v).or_insert(0) += n;
        }
        runs.clear();
        runs.extend(counts);
        runs.sort_unstable_by_key(|r| r.0);
    } else {
        // A few sorted stretches (stored blobs one after the other): the stable sort finds
        // them and merges them, where an unstable sort would sort from scratch.
        runs.sort_by_key(|r| r.0);
        runs.dedup_by(|later, kept| {
            if later.0 == kept.0 {
                kept.1 += later.1;
                true
            } else {
                false
            }
        });
    }
    runs.retain(|r| r.1 > 0);
}

/// Up to this many sorted stretches, [`compact`] merges them; past it, it counts values.
const MERGED_STRETCHES: usize = 16;

impl FirstResponses {
    /// How many values (receptions) there are.
    pub fn len(&self) -> u64 {
        self.runs.iter().map(|r| r.1).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The (value, count) runs, sorted by value once [`FirstResponses::sort`] has run.
    pub fn runs(&self) -> &[(i64, u64)] {
        &self.runs
    }
    /// Every value, one per reception, in ascending order (for tests and checks).
    pub fn to_sorted_vec(&self) -> Vec<i64> {
        compacted(&self.runs)
            .into_iter()
            .flat_map(|(v, n)| std::iter::repeat_n(v, n as usize))
            .collect()
    }
    pub fn push(&mut self, ms: i64) {
        self.push_run(ms, 1);
    }
    /// Adds `count` values `ms` (a stored run).
    pub fn push_run(&mut self, ms: i64, count: u64) {
        self.runs.push((ms, count));
        self.p50_p90.take();
    }
    /// Adds runs sorted by value (a stored blob's). When these runs are sorted too they are
    /// merged in one pass and stay sorted, so that summing a range's stored blobs leaves
    /// nothing to sort; otherwise the result is still the union, sorted later by
    /// [`FirstResponses::sort`] or a percentile.
    pub fn merge_sorted(&mut self, sorted: &[(i64, u64)]) {
        self.p50_p90.take();
        if self.runs.is_empty() {
            self.runs.extend_from_slice(sorted);
            return;
        }
        let (old, new) = (&self.runs, sorted);
        let mut out = Vec::with_capacity(old.len() + new.len());
        let (mut i, mut j) = (0, 0);
        while let (Some(&a), Some(&b)) = (old.get(i), new.get(j)) {
            if a.0 < b.0 {
                out.push(a);
                i += 1;
            } else if b.0 < a.0 {
                out.push(b);
                j += 1;
            } else {
                out.push((a.0, a.1 + b.1));
                i += 1;
                j += 1;
            }
        }
        out.extend_from_slice(&old[i..]);
        out.extend_from_slice(&new[j..]);
        self.runs = out;
    }
    pub fn extend(&mut self, other: &FirstResponses) {
        self.runs.extend_from_slice(&other.runs);
        self.p50_p90.take();
    }
    /// Sorts the runs and merges equal values.
    pub fn sort(&mut self) {
        compact(&mut self.runs);
    }

    /// The nearest-rank percentile (§5): the value at rank ⌈p/100 · n⌉ of the n sorted values;
    /// `None` when there are none.
    pub fn percentile_ms(&self, p: u32) -> Option<i64> {
        match p {
            50 => self.p50_p90().0,
            90 => self.p50_p90().1,
            _ => nearest_ranks(&compacted(&self.runs), &[p])[0],
        }
    }

    fn p50_p90(&self) -> (Option<i64>, Option<i64>) {
        *self.p50_p90.get_or_init(|| {
            let r = nearest_ranks(&compacted(&self.runs), &[50, 90]);
            (r[0], r[1])
        })
    }

    /// Compacts the runs and computes p50 and p90 now (no copy): for a set that is complete,
    /// such as a report row.
    pub fn settle(&mut self) {
        if self.p50_p90.get().is_none() {
            compact(&mut self.runs);
            let r = nearest_ranks(&self.runs, &[50, 90]);
            let _ = self.p50_p90.set((r[0], r[1]));
        }
    }
}

/// ⌈p·n/100⌉ in integers, at least 1 (for n > 0).
fn rank(p: u32, n: u64) -> u64 {
    (u64::from(p) * n).div_ceil(100).clamp(1, n.max(1))
}

/// The values at the nearest ranks of `ps` (ascending) over compacted runs.
fn nearest_ranks<const K: usize>(runs: &[(i64, u64)], ps: &[u32; K]) -> [Option<i64>; K] {
    let n: u64 = runs.iter().map(|r| r.1).sum();
    let mut out = [None; K];
    if n == 0 {
        return out;
    }
    let mut seen = 0u64;
    let mut k = 0;
    for &(v, count) in runs {
        seen += count;
        while k < K && rank(ps[k], n) <= seen {
            out[k] = Some(v);
            k += 1;
        }
        if k == K {
            break;
        }
    }
    out
}

impl Default for Counters {
    fn default() -> Self {
        Counters([0; COUNTERS], FirstResponses::default())
    }
}

impl Counters {
    pub fn get(&self, c: C) -> i64 {
        self.0[c as usize]
    }
    pub fn add(&mut self, c: C, v: i64) {
        self.0[c as usize] += v;
    }
    pub fn bump(&mut self, c: C) {
        self.0[c as usize] += 1;
    }
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0) && self.1.runs.is_empty()
    }
    pub fn first_responses(&self) -> &FirstResponses {
        &self.1
    }
    /// Records one reception's first response time (with its count and sum).
    pub fn add_first_response(&mut self, ms: i64) {
        self.add(C::first_response_ms, ms);
        self.bump(C::first_response_n);
        self.1.push(ms);
    }
}

impl AddAssign<&Counters> for Counters {
    fn add_assign(&mut self, rhs: &Counters) {
        for (a, b) in self.0.iter_mut().zip(rhs.0.iter()) {
            *a += b;
        }
        self.1.extend(&rhs.1);
    }
}

impl<'a> std::iter::Sum<&'a Counters> for Counters {
    fn sum<I: Iterator<Item = &'a Counters>>(iter: I) -> Self {
        let mut total = Counters::default();
        for c in iter {
            total += c;
        }
        // A sum is a finished set: its percentiles are taken in place, without a copy.
        total.1.settle();
        total
    }
}

/// The value of one figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(i64),
    /// Cents; shown as yuan.
    Money(i64),
    /// A rate or a mean; `None` when its denominator is zero.
    Ratio(Option<f64>),
}

impl Value {
    /// The value as a number to compare, sort and chart: money in yuan, `None` when undefined.
    pub fn number(self) -> Option<f64> {
        match self {
            Value::Count(n) => Some(n as f64),
            Value::Money(c) => Some(crate::money::yuan_f64(c)),
            Value::Ratio(r) => r,
        }
    }
}

/// What a figure's number is, and so how every screen, file and payslip writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// People, receptions, rounds, orders…: a whole number.
    Count,
    /// Yuan: a sum of cents ([`Value::Money`]) or a mean in yuan (客单价), two decimals.
    Yuan,
    /// A rate, written in percent with two decimals.
    Percent,
    /// A duration in seconds, one decimal.
    Seconds,
    /// A plain ratio such as 答问比, two decimals.
    Ratio,
}

/// Which way a figure is better, for the best/worst marks and the up/down colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// A volume (consulted, rounds, durations…): more is neither better nor worse, so it is
    /// never coloured.
    Neutral,
}

/// The items behind a figure — what its list (`/list`, `/api/v1/list`, `explain::list`)
/// shows — and which of them count: the same predicates the engine's rollup counts with, so
/// that a list and its counter cannot disagree. A rate or mean lists its denominator's items
/// (a reply rate the consulted receptions), so that it can be recomputed from its list.
#[derive(Clone, Copy)]
pub enum Behind {
    /// The receptions of the listed accounts and days that pass the test.
    Receptions(fn(&Reception) -> bool),
    /// The rounds of those receptions that pass the test.
    Rounds(fn(&Round) -> bool),
    /// The store's distinct buyer-days consulted: each buyer's first consulted reception of
    /// a day.
    StoreBuyers,
    /// Paid orders attributed to a reception of the listed accounts and days
    /// ([`crate::engine::OrderFact::sale_reception`]).
    AgentSales,
    /// Paid orders placed on the listed days (store level), only silent ones when set.
    StoreOrders {
        silent_only: bool,
    },
    /// Orders reminded by the listed accounts on the listed days, only paid ones when set.
    Reminders {
        paid_only: bool,
    },
    Ratings,
    /// Refunds handled by the listed accounts, only finished ones when set.
    Refunds {
        finished_only: bool,
    },
}

impl Behind {
    /// Whether only whole stores have the figure (no account or group does).
    pub fn store_level(self) -> bool {
        matches!(self, Behind::StoreBuyers | Behind::StoreOrders { .. })
    }
}

/// One figure of §5: the one place that says what it is. Reports, exports, the API and its
/// OpenAPI document, the web pages (names, colours, lists) and plans all read it from here.
pub struct Figure {
    /// The machine name: JSON keys, CSV headers, URLs, plan files.
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub unit: Unit,
    pub direction: Direction,
    /// What the figure's list shows.
    pub behind: Behind,
    /// The counter equal to the length of the list (for a rate or mean, its denominator);
    /// `None` when no counter counts the listed items.
    pub listed_count: Option<C>,
    pub compute: fn(&Counters) -> Value,
}

impl Figure {
    pub fn value(&self, c: &Counters) -> Value {
        (self.compute)(c)
    }

    /// The value as people read it: rates in percent, seconds with one decimal, yuan with
    /// two; `-` when undefined.
    pub fn display(&self, v: Value) -> String {
        match v {
            Value::Count(n) => n.to_string(),
            Value::Money(c) => crate::money::format_yuan(c),
            Value::Ratio(None) => "-".into(),
            Value::Ratio(Some(x)) => self.number_text(x),
        }
    }

    /// A number of this figure (a value, a threshold) as [`Figure::display`] writes it.
    pub fn number_text(&self, x: f64) -> String {
        match self.unit {
            Unit::Count => format!("{x}"),
            Unit::Seconds => format!("{x:.1}"),
            Unit::Yuan | Unit::Ratio => format!("{x:.2}"),
            Unit::Percent => format!("{:.2}%", x * 100.0),
        }
    }

    pub fn store_level(&self) -> bool {
        self.behind.store_level()
    }
}

fn ratio(num: i64, den: i64) -> Value {
    Value::Ratio((den != 0).then(|| num as f64 / den as f64))
}

/// A mean of milliseconds, in seconds.
fn mean_secs(sum_ms: i64, n: i64) -> Value {
    Value::Ratio((n != 0).then(|| sum_ms as f64 / 1000.0 / n as f64))
}

fn percentile_secs(c: &Counters, p: u32) -> Value {
    Value::Ratio(
        c.first_responses()
            .percentile_ms(p)
            .map(|ms| ms as f64 / 1000.0),
    )
}

/// The nearest-rank percentile of ascending `sorted` (the rule of §5 for any list of times,
/// such as a chart's response times): the value at rank ⌈p/100 · n⌉.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    let rank = rank(p, sorted.len() as u64);
    sorted.get((rank as usize).saturating_sub(1)).copied()
}

use Behind as B;
use C::*;
use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower, Neutral};
use Value::{Count, Money};

macro_rules! fig {
    (
        $key:literal, $zh:literal, $en:literal, $unit:ident, $direction:expr,
        $behind:expr, $listed:expr, |$c:ident| $body:expr $(,)?
    ) => {
        Figure {
            key: $key,
            zh: $zh,
            en: $en,
            unit: Unit::$unit,
            direction: $direction,
            behind: $behind,
            listed_count: $listed,
            compute: |$c: &Counters| $body,
        }
    };
}

// One line per figure: key, 中文, English, unit, direction, what its list shows and the
// counter that list's length equals, and the value from counters.
/// Every figure of an account (and of a group, day or store), in the spec's order.
#[rustfmt::skip]
pub const ACCOUNT_FIGURES: &[Figure] = &[
    fig!("consulted", "咨询人数", "Consulted", Count, Neutral,
        B::Receptions(Reception::consulted), Some(consulted),
        |c| Count(c.get(consulted))),
    fig!("served", "接待人数", "Served", Count, Neutral,
        B::Receptions(|r| r.served), Some(served),
        |c| Count(c.get(served))),
    fig!("unreplied", "未回复人数", "Unreplied", Count, Lower,
        B::Receptions(Reception::unreplied), Some(unreplied),
        |c| Count(c.get(unreplied))),
    fig!("reply_rate", "回复率", "Reply rate", Percent, Higher,
        B::Receptions(Reception::consulted), Some(consulted),
        |c| ratio(c.get(consulted) - c.get(unreplied), c.get(consulted))),
    fig!("inquiries", "询单人数", "Inquiries", Count, Neutral,
        B::Receptions(|r| r.inquiry), Some(inquiries),
        |c| Count(c.get(inquiries))),
    fig!("ordered", "询单→下单人数", "Inquiry → ordered", Count, Higher,
        B::Receptions(Reception::inquiry_ordered), Some(ordered),
        |c| Count(c.get(ordered))),
    fig!("paid", "询单→最终付款人数", "Inquiry → paid", Count, Higher,
        B::Receptions(Reception::inquiry_paid), Some(paid),
        |c| Count(c.get(paid))),
    fig!("inquiry_conversion", "询单→最终付款转化率", "Inquiry → paid conversion", Percent, Higher,
        B::Receptions(|r| r.inquiry), Some(inquiries),
        |c| ratio(c.get(paid), c.get(inquiries))),
    fig!("order_conversion", "询单→下单转化率", "Inquiry → order conversion", Percent, Higher,
        B::Receptions(|r| r.inquiry), Some(inquiries),
        |c| ratio(c.get(ordered), c.get(inquiries))),
    fig!("payment_rate", "下单→付款成功率", "Order → payment rate", Percent, Higher,
        B::Receptions(Reception::inquiry_ordered), Some(ordered),
        |c| ratio(c.get(paid), c.get(ordered))),
    fig!("sales", "客服销售额", "Agent sales", Yuan, Higher,
        B::AgentSales, Some(paid_orders),
        |c| Money(c.get(sales_cents))),
    fig!("paid_orders", "付款订单数", "Paid orders", Count, Higher,
        B::AgentSales, Some(paid_orders),
        |c| Count(c.get(paid_orders))),
    fig!("items", "销售件数", "Items sold", Count, Higher,
        B::AgentSales, Some(paid_orders),
        |c| Count(c.get(items))),
    fig!("avg_order_value", "客单价", "Average order value", Yuan, Higher,
        B::AgentSales, Some(paid_orders),
        |c| Value::Ratio((c.get(paid_receptions) != 0)
            .then(|| c.get(sales_cents) as f64 / 100.0 / c.get(paid_receptions) as f64))),
    fig!("after_sales", "售后接待人数", "After-sale receptions", Count, Neutral,
        B::Receptions(|r| r.after_sale), Some(after_sales),
        |c| Count(c.get(after_sales))),
    fig!("avg_first_response_secs", "平均首次响应时长", "Avg first response (s)", Seconds, Lower,
        B::Receptions(Reception::has_first_response), Some(first_response_n),
        |c| mean_secs(c.get(first_response_ms), c.get(first_response_n))),
    fig!("first_response_p50_secs", "首次响应中位数", "First response p50 (s)", Seconds, Lower,
        B::Receptions(Reception::has_first_response), Some(first_response_n),
        |c| percentile_secs(c, 50)),
    fig!("first_response_p90_secs", "首次响应P90", "First response p90 (s)", Seconds, Lower,
        B::Receptions(Reception::has_first_response), Some(first_response_n),
        |c| percentile_secs(c, 90)),
    fig!("avg_response_secs", "平均响应时长", "Avg response (s)", Seconds, Lower,
        B::Rounds(Round::is_answered), Some(response_n),
        |c| mean_secs(c.get(response_ms), c.get(response_n))),
    fig!("tb_avg_response_secs", "淘宝人工平响", "Taobao avg response (s)", Seconds, Lower,
        B::Rounds(Round::in_taobao_window), Some(tb_rounds),
        |c| mean_secs(c.get(tb_wait_ms), c.get(tb_rounds))),
    fig!("slow", "慢响应人数", "Slow responses", Count, Lower,
        B::Receptions(|r| r.slow), Some(slow),
        |c| Count(c.get(slow))),
    fig!("rounds", "对话轮次", "Rounds", Count, Neutral,
        B::Rounds(Round::counts), Some(rounds),
        |c| Count(c.get(rounds))),
    fig!("answered_within_3min_rate", "三分钟响应率", "Answered within 3 min", Percent, Higher,
        B::Rounds(Round::in_three_minute_rate), Some(rounds_0800),
        |c| ratio(c.get(rounds_0800_within_3min), c.get(rounds_0800))),
    fig!("answer_question_ratio", "答问比", "Answer/question ratio", Ratio, Higher,
        B::Receptions(Reception::has_buyer_or_agent_messages), None,
        |c| ratio(c.get(agent_msgs), c.get(buyer_msgs))),
    fig!("avg_duration_secs", "平均接待时长", "Avg reception duration (s)", Seconds, Neutral,
        B::Receptions(|r| r.served), Some(served),
        |c| mean_secs(c.get(served_duration_ms), c.get(served))),
    fig!("reminded_orders", "催付订单数", "Reminded orders", Count, Higher,
        B::Reminders { paid_only: false }, Some(reminded_orders),
        |c| Count(c.get(reminded_orders))),
    fig!("reminder_success", "催付成功数", "Successful reminders", Count, Higher,
        B::Reminders { paid_only: true }, Some(reminder_success),
        |c| Count(c.get(reminder_success))),
    fig!("reminder_sales", "催付成功金额", "Reminder sales", Yuan, Higher,
        B::Reminders { paid_only: true }, Some(reminder_success),
        |c| Money(c.get(reminder_sales_cents))),
    fig!("ratings", "评价数", "Ratings", Count, Neutral,
        B::Ratings, Some(ratings),
        |c| Count(c.get(ratings))),
    fig!("satisfaction_rate", "满意率", "Satisfaction rate", Percent, Higher,
        B::Ratings, Some(ratings),
        |c| ratio(c.get(ratings_satisfied), c.get(ratings))),
    fig!("refunds", "退款处理数", "Refunds handled", Count, Neutral,
        B::Refunds { finished_only: false }, Some(refunds),
        |c| Count(c.get(refunds))),
    fig!("avg_refund_secs", "平均退款时长", "Avg refund time (s)", Seconds, Lower,
        B::Refunds { finished_only: true }, Some(refunds_finished),
        |c| mean_secs(c.get(refund_ms), c.get(refunds_finished))),
    // The platform profiles' service figures (docs/metrics.md, "Platform profiles"), after
    // the spec's; Taobao's are `tb_avg_response_secs` and `answered_within_3min_rate` above.
    fig!("pdd_3min_rate", "3分钟人工回复率(8-23点)", "3-min human reply rate (8–23h)", Percent, Higher,
        B::Receptions(Reception::needs_human_reply), Some(pdd_receptions),
        |c| ratio(c.get(pdd_within_3min), c.get(pdd_receptions))),
    fig!("pdd_30s_rate", "30秒应答率(8-23点)", "30-s answer rate (8–23h)", Percent, Higher,
        B::Receptions(Reception::needs_human_reply), Some(pdd_receptions),
        |c| ratio(c.get(pdd_within_30s), c.get(pdd_receptions))),
    fig!("jd_30s_rate", "30秒应答率(按会话,9-23点)", "30-s answer rate (sessions, 9–23h)", Percent, Higher,
        B::Rounds(Round::in_jd_rate), Some(jd_sessions),
        |c| ratio(c.get(jd_within_30s), c.get(jd_sessions))),
    fig!("dy_3min_rate", "工作时间3分钟回复率", "3-min reply rate (working hours)", Percent, Higher,
        B::Rounds(Round::in_douyin_work_rate), Some(dy_work_sessions),
        |c| ratio(c.get(dy_work_within_3min), c.get(dy_work_sessions))),
    fig!("dy_3min_rate_all_day", "全天3分钟回复率", "3-min reply rate (all day)", Percent, Higher,
        B::Rounds(Round::in_douyin_all_day_rate), Some(dy_sessions),
        |c| ratio(c.get(dy_within_3min), c.get(dy_sessions))),
];

/// The store-level figures reported beside the account figures for a store or a day.
#[rustfmt::skip]
pub const STORE_FIGURES: &[Figure] = &[
    fig!("buyers", "店铺咨询人数", "Store buyers", Count, Neutral,
        B::StoreBuyers, Some(buyers),
        |c| Count(c.get(buyers))),
    fig!("total_orders", "付款订单总数", "Total paid orders", Count, Higher,
        B::StoreOrders { silent_only: false }, Some(total_orders),
        |c| Count(c.get(total_orders))),
    fig!("total_sales", "店铺销售额", "Total sales", Yuan, Higher,
        B::StoreOrders { silent_only: false }, Some(total_orders),
        |c| Money(c.get(total_sales_cents))),
    fig!("silent_orders", "静默下单数", "Silent orders", Count, Neutral,
        B::StoreOrders { silent_only: true }, Some(silent_orders),
        |c| Count(c.get(silent_orders))),
    fig!("silent_sales", "静默销售额", "Silent sales", Yuan, Neutral,
        B::StoreOrders { silent_only: true }, Some(silent_orders),
        |c| Money(c.get(silent_sales_cents))),
];

/// Every figure: the account figures, then the store-level ones.
pub fn all_figures() -> impl Iterator<Item = &'static Figure> {
    ACCOUNT_FIGURES.iter().chain(STORE_FIGURES)
}

pub fn figure(key: &str) -> Option<&'static Figure> {
    all_figures().find(|f| f.key == key)
}

/// The keys of every figure, for messages about an unknown one.
pub fn known_keys() -> String {
    all_figures().map(|f| f.key).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod percentile_tests {
    use super::*;

    /// Sums of few and of many sorted stretches (merged, or counted in a hash map) and merges
    /// of sorted blobs hold the pooled values.
    #[test]
    fn sums_of_sorted_stretches_hold_the_pooled_values() {
        let mut x: u64 = 11;
        for stretches in [1usize, 2, 5, MERGED_STRETCHES, MERGED_STRETCHES + 1, 200] {
            let (mut summed, mut merged, mut pooled) = (
                FirstResponses::default(),
                FirstResponses::default(),
                Vec::new(),
            );
            for _ in 0..stretches {
                let mut part = FirstResponses::default();
                for _ in 0..(x % 40) {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let v = ((x >> 40) % 300) as i64 * 1000;
                    part.push(v);
                    pooled.push(v);
                }
                part.sort();
                merged.merge_sorted(part.runs());
                summed.extend(&part);
            }
            pooled.sort_unstable();
            assert_eq!(summed.to_sorted_vec(), pooled, "{stretches}");
            assert_eq!(merged.to_sorted_vec(), pooled, "{stretches}");
            // merging sorted runs keeps them sorted and distinct
            assert!(merged.runs().windows(2).all(|w| w[0].0 < w[1].0));
            let mut settled = summed.clone();
            settled.settle();
            assert!(settled.runs().windows(2).all(|w| w[0].0 < w[1].0));
            for p in [50, 90] {
                let n = pooled.len();
                let want = (n > 0).then(|| pooled[(p * n).div_ceil(100).max(1) - 1]);
                assert_eq!(settled.percentile_ms(p as u32), want);
                assert_eq!(merged.percentile_ms(p as u32), want);
            }
        }
    }

    /// The cached p50/p90 and any other percentile equal the value at rank ⌈p·n/100⌉ of the
    /// sorted values, for every size up to 60 and values with ties.
    #[test]
    fn percentiles_are_the_nearest_rank_of_the_sorted_values() {
        let mut x: u64 = 7;
        for n in 0..60usize {
            let mut f = FirstResponses::default();
            for _ in 0..n {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                f.push((x >> 40) as i64 % 50);
            }
            let sorted = f.to_sorted_vec();
            let mut sorted = sorted.clone();
            for p in [1, 25, 50, 75, 90, 95, 99, 100] {
                let want = (n > 0).then(|| sorted[(p as usize * n).div_ceil(100).max(1) - 1]);
                assert_eq!(f.percentile_ms(p), want, "n={n} p={p}");
            }
            // settled in place: the same answers
            let mut settled = f.clone();
            settled.settle();
            assert_eq!(settled.percentile_ms(50), f.percentile_ms(50), "n={n}");
            assert_eq!(settled.percentile_ms(90), f.percentile_ms(90), "n={n}");
            assert_eq!(settled, f);
            // a change after a cached answer is seen
            f.push(1_000);
            sorted.push(1_000);
            let m = sorted.len();
            assert_eq!(
                f.percentile_ms(90),
                Some(sorted[(90 * m).div_ceil(100) - 1])
            );
        }
    }
}
