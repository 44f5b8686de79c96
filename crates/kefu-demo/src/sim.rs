//! The day simulation: arrivals, conversations, orders, refunds, ratings.
//!
//! Every day is simulated independently from its own PRNG stream (seeded from
//! the config seed and the day index), so days can be generated in parallel
//! and in any order with identical results. Everything a day causes later
//! (conversations running past midnight, reminders, next-day after-sale
//! questions) is produced by that day's simulation: messages up to the end of
//! the following day ("spill"), orders/refunds/ratings at any later time.

use std::io;

use crate::DemoConfig;
use crate::calendar::{civil_from_days, days_from_civil, is_valid_date, iso, weekday};
use crate::out::{csv_field, push_hms, push_money, push_padded, push_u64, push2};
use crate::rng::{Rng, exp, mix};
use crate::roster::{Agent, BOT_ACCOUNT, Role, Shift, roster};
use crate::text::{Cat, PRODUCTS, Texts};

pub(crate) const DAY: u32 = 86_400;
const H: u32 = 3_600;
const NONE: u32 = u32::MAX;

pub(crate) const S_BUYER: u8 = 0;
pub(crate) const S_AGENT: u8 = 1;
pub(crate) const S_BOT: u8 = 2;
pub(crate) const S_AUTO: u8 = 3;
pub(crate) const S_SYSTEM: u8 = 4;
pub(crate) const SENDERS: [&str; 5] = ["buyer", "agent", "bot", "auto", "system"];

/// Silent buyers (order without chatting) per chatting arrival.
const SILENT_PER_ARRIVAL: f64 = 0.16;
/// Messages per agent and day when no `messages_target` is given.
pub(crate) const DEFAULT_MESSAGES_PER_AGENT_DAY: u64 = 500;

/// Hourly arrival weights, normal day.
const HOURS_NORMAL: [f64; 24] = [
    1.2, 0.6, 0.3, 0.2, 0.15, 0.2, 0.4, 1.0, 2.5, 4.5, 6.0, 6.0, 4.0, 4.5, 5.5, 5.8, 5.0, 4.0, 3.8,
    4.5, 6.0, 6.5, 5.5, 3.0,
];
/// Hourly arrival weights on the promotion day (midnight rush).
const HOURS_PROMO: [f64; 24] = [
    16.0, 9.0, 3.0, 1.0, 0.5, 0.4, 0.6, 1.2, 3.0, 5.0, 6.5, 6.5, 5.0, 5.0, 6.0, 6.0, 5.5, 5.0, 5.0,
    6.0, 7.5, 8.0, 7.5, 6.0,
];

const NICK_WORDS: &[&str] = &[
    "爱吃鱼的猫",
    "快乐小熊",
    "晴天娃娃",
    "柠檬不萌",
    "追风少年",
    "小确幸",
    "奶茶续命",
    "早睡早起",
    "向日葵",
    "一只鹿",
    "橘子汽水",
    "云朵棉花糖",
    "星星点灯",
    "夏天的风",
    "南风知我意",
    "陈皮",
    "月半弯",
    "草莓味",
    "大白兔",
    "海盐芝士",
    "咸鱼翻身",
    "山有木兮",
    "熊猫君",
    "吃土少女",
    "打工人",
    "喵星人",
    "宝妈",
    "老张",
    "lily",
    "jack",
];

/// One chat message; `key` = time << 32 | generation sequence.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Msg {
    pub(crate) key: u64,
    pub(crate) buyer: u32,
    pub(crate) account: u32,
    pub(crate) text: u32,
    pub(crate) transfer: u32,
    pub(crate) sender: u8,
}

impl Msg {
    #[inline]
    pub(crate) fn t(&self) -> u32 {
        (self.key >> 32) as u32
    }
}

struct Order {
    buyer: u32,
    created: u32,
    paid: u32,
    closed: u32,
    cents: u64,
    items: u32,
}

struct Refund {
    order: usize,
    requested: u32,
    finished: u32,
    status: u8, // 0 success, 1 closed, 2 pending
    cents: u64,
    account: u32,
}

struct Rating {
    t: u32,
    buyer: u32,
    account: u32,
    score: u8,
}

/// Buyer nicks of one generating day.
pub(crate) struct Nicks {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl Nicks {
    #[inline]
    pub(crate) fn get(&self, i: u32) -> &[u8] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }
}

/// What one day's simulation produced.
pub(crate) struct DayOut {
    pub(crate) day: u32,
    /// Messages dated on `day`, sorted by (time, sequence).
    pub(crate) today: Vec<Msg>,
    /// Messages dated on `day + 1`, sorted.
    pub(crate) spill: Vec<Msg>,
    pub(crate) nicks: Nicks,
    pub(crate) orders_csv: Vec<u8>,
    pub(crate) refunds_csv: Vec<u8>,
    pub(crate) ratings_csv: Vec<u8>,
    pub(crate) n_orders: u64,
    pub(crate) n_refunds: u64,
    pub(crate) n_ratings: u64,
}

struct DutyList {
    agents: Vec<usize>,
    cum: Vec<f64>,
}

/// Everything shared (read-only) by the day simulations.
pub(crate) struct Ctx {
    pub(crate) seed: u64,
    pub(crate) days: u32,
    pub(crate) promo: u32,
    /// End of the period (seconds since its start): nothing at or after it is written.
    pub(crate) cutoff: u32,
    pub(crate) agents: Vec<Agent>,
    /// CSV-ready account names; 0 = the bot, i + 1 = agent i.
    pub(crate) accounts: Vec<String>,
    pub(crate) texts: Texts,
    /// CSV-ready store name.
    pub(crate) store: String,
    /// `YYYY-MM-DD` per day index (days + 2 entries).
    pub(crate) dates: Vec<String>,
    /// `YYYYMMDD` per day index.
    pub(crate) compact: Vec<String>,
    weights: Vec<f64>,
    product_cum: Vec<f64>,
    hours_normal: Vec<f64>,
    hours_promo: Vec<f64>,
    /// [role][shift]
    duty: [[DutyList; 2]; 2],
    pub(crate) arrivals: Vec<u32>,
    silent: Vec<u32>,
    offsets: Vec<u64>,
    nick_bits: u32,
    nick_digits: usize,
}

fn cumulative(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x;
            acc
        })
        .collect()
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl Ctx {
    /// The context with the planned volume.
    pub(crate) fn new(cfg: &DemoConfig) -> io::Result<Ctx> {
        let mut ctx = Ctx::new_unplanned(cfg)?;
        let target = cfg.messages_target.unwrap_or(
            u64::from(cfg.agents.max(1)) * u64::from(cfg.days) * DEFAULT_MESSAGES_PER_AGENT_DAY,
        );
        ctx.plan(target);
        Ok(ctx)
    }

    /// Everything but the volume plan.
    pub(crate) fn new_unplanned(cfg: &DemoConfig) -> io::Result<Ctx> {
        let (y, m, d) = cfg.start;
        if !is_valid_date(y, m, d) {
            return Err(invalid(format!("invalid start date {y:04}-{m:02}-{d:02}")));
        }
        if cfg.days == 0 || cfg.days > 10_000 {
            return Err(invalid(format!("days must be 1..=10000, got {}", cfg.days)));
        }
        if cfg.agents > 10_000 {
            return Err(invalid(format!(
                "agents must be at most 10000, got {}",
                cfg.agents
            )));
        }
        if cfg.store.trim().is_empty() {
            return Err(invalid("store name must not be empty".to_string()));
        }
        let days = cfg.days;
        let first = days_from_civil(y, m, d);
        let mut dates = Vec::new();
        let mut compact = Vec::new();
        let mut promo = None;
        let mut fallback_promo = None;
        for i in 0..days + 2 {
            let (yy, mm, dd) = civil_from_days(first + i as i64);
            dates.push(iso(yy, mm, dd));
            compact.push(format!("{yy:04}{mm:02}{dd:02}"));
            if i < days {
                if (mm, dd) == (11, 11) && promo.is_none() {
                    promo = Some(i);
                }
                if (mm, dd) == (6, 18) && fallback_promo.is_none() {
                    fallback_promo = Some(i);
                }
            }
        }
        let promo = promo.or(fallback_promo).unwrap_or(days / 2);

        let mut rng = Rng::derive(cfg.seed, &[0x5255_5354]);
        let agents = roster(cfg.agents, &mut rng);
        let mut accounts = vec![csv_field(BOT_ACCOUNT)];
        for a in &agents {
            accounts.push(csv_field(&format!("{}:{}", cfg.store, a.name)));
        }
        let names: Vec<String> = agents.iter().map(|a| a.name.clone()).collect();
        let texts = Texts::new(&cfg.store, &names);

        let weights = (0..days)
            .map(|i| {
                let base = match i as i64 - promo as i64 {
                    0 => 5.0,
                    -1 => 2.2,
                    -2 => 1.5,
                    -3 => 1.25,
                    1 => 2.0,
                    2 => 1.4,
                    _ => 1.0,
                };
                let weekend = if weekday(first + i as i64) >= 5 {
                    1.12
                } else {
                    1.0
                };
                let noise = 0.94 + 0.12 * Rng::derive(cfg.seed, &[0x4441_5957, i as u64]).f64();
                base * weekend * noise
            })
            .collect();

        let duty_list = |role: Role, shift: Shift| {
            let agents_idx: Vec<usize> = agents
                .iter()
                .enumerate()
                .filter(|(_, a)| a.role == role && a.shift == shift)
                .map(|(i, _)| i)
                .collect();
            let w: Vec<f64> = agents_idx.iter().map(|&i| agents[i].weight).collect();
            DutyList {
                agents: agents_idx,
                cum: cumulative(&w),
            }
        };
        let duty = [
            [
                duty_list(Role::Presale, Shift::Early),
                duty_list(Role::Presale, Shift::Late),
            ],
            [
                duty_list(Role::Aftersale, Shift::Early),
                duty_list(Role::Aftersale, Shift::Late),
            ],
        ];

        Ok(Ctx {
            seed: cfg.seed,
            days,
            promo,
            cutoff: days * DAY,
            agents,
            accounts,
            texts,
            store: csv_field(&cfg.store),
            dates,
            compact,
            weights,
            product_cum: cumulative(&PRODUCTS.iter().map(|p| p.weight).collect::<Vec<_>>()),
            hours_normal: cumulative(&HOURS_NORMAL),
            hours_promo: cumulative(&HOURS_PROMO),
            duty,
            arrivals: Vec::new(),
            silent: Vec::new(),
            offsets: Vec::new(),
            nick_bits: 16,
            nick_digits: 5,
        })
    }

    /// Decide the arrivals per day so that the total is about `target`
    /// messages: a small pilot simulation measures the messages per arrival of
    /// every day (same code path, separate PRNG streams).
    fn plan(&mut self, target: u64) {
        let days = self.days;
        let k = (18_000 / days).clamp(30, 400);
        let silent_k = (f64::from(k) * SILENT_PER_ARRIVAL).round() as u32;
        let mut expected = 0.0;
        for d in 0..days {
            let sim = Sim::new(self, d, k, silent_k, true);
            let n = sim.run_count();
            expected += self.weights[d as usize] * n as f64 / f64::from(k);
        }
        let base = if expected > 0.0 {
            target as f64 / expected
        } else {
            0.0
        };
        let mut offset = 0u64;
        for d in 0..days as usize {
            let a = (base * self.weights[d])
                .round()
                .min(f64::from(u32::MAX / 4)) as u32;
            let s = (f64::from(a) * SILENT_PER_ARRIVAL).round() as u32;
            self.arrivals.push(a);
            self.silent.push(s);
            self.offsets.push(offset);
            offset += u64::from(a) + u64::from(s);
        }
        let mut bits = 16;
        while bits < 40 && (1u64 << bits) < offset * 8 {
            bits += 1;
        }
        self.nick_bits = bits;
        self.nick_digits = ((1u64 << bits) - 1).to_string().len();
    }

    #[inline]
    fn is_promo(&self, t: u32) -> bool {
        t / DAY == self.promo
    }

    /// Duty windows (seconds of the day) of a shift on a day.
    fn windows(&self, shift: Shift, day: u32) -> [(u32, u32); 2] {
        match shift {
            Shift::Early => [(8 * H, 16 * H), (0, 0)],
            Shift::Late if day == self.promo => [(0, 2 * H), (16 * H, DAY)],
            Shift::Late => [(16 * H, DAY), (0, 0)],
        }
    }

    /// Earliest time ≥ t at which a shift is on duty.
    fn next_on_duty(&self, shift: Shift, t: u32) -> u32 {
        let first = t / DAY;
        for day in first..first + 3 {
            for (a, b) in self.windows(shift, day) {
                if a < b && t < day * DAY + b {
                    return t.max(day * DAY + a);
                }
            }
        }
        t
    }

    fn on_duty(&self, shift: Shift, t: u32) -> bool {
        self.next_on_duty(shift, t) == t
    }

    fn duty_list(&self, role: Role, shift: Shift) -> Option<&DutyList> {
        let r = match role {
            Role::Presale => 0,
            Role::Aftersale => 1,
        };
        let s = match shift {
            Shift::Early => 0,
            Shift::Late => 1,
        };
        let own = &self.duty[r][s];
        if !own.agents.is_empty() {
            return Some(own);
        }
        let other = &self.duty[1 - r][s];
        (!other.agents.is_empty()).then_some(other)
    }

    /// Buyer nick of a global buyer id: unique by construction (a bijection
    /// of the id is part of every nick).
    fn nick(&self, id: u64, out: &mut Vec<u8>) {
        let bits = self.nick_bits;
        let mask = (1u64 << bits) - 1;
        let mut x = (id ^ (self.seed & mask)) & mask;
        x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15 | 1) & mask;
        x ^= x >> (bits / 2);
        x = x.wrapping_mul(0xC2B2_AE3D_27D4_EB4F | 1) & mask;
        x ^= x >> (bits / 3 + 1);
        let h = mix(&[self.seed, id, 0x4E49_434B]);
        if h % 100 < 35 {
            // tb + a non-zero digit + the id bijection at fixed width.
            out.extend_from_slice(b"tb");
            out.push(b'1' + ((h >> 40) % 9) as u8);
            push_padded(out, x, self.nick_digits);
        } else {
            let w = NICK_WORDS[((h >> 8) % NICK_WORDS.len() as u64) as usize];
            out.extend_from_slice(w.as_bytes());
            push_u64(out, x);
        }
    }
}

#[derive(Clone, Copy)]
enum Topic {
    Presale(usize),
    After,
    Refund,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Plain,
    Greet,
    Busy,
    Away,
    Transfer,
}

#[derive(Clone, Copy)]
struct Session {
    account: u32,
    agent: Option<usize>,
    first_rt: Option<u32>,
    last_answer: Option<u32>,
    end: u32,
}

/// One day's simulation.
pub(crate) struct Sim<'a> {
    ctx: &'a Ctx,
    rng: Rng,
    day: u32,
    t0: u32,
    limit: u32,
    seq: u32,
    n_arrivals: u32,
    n_silent: u32,
    pilot: bool,
    msgs: Vec<Msg>,
    orders: Vec<Order>,
    refunds: Vec<Refund>,
    ratings: Vec<Rating>,
}

impl<'a> Sim<'a> {
    pub(crate) fn new(
        ctx: &'a Ctx,
        day: u32,
        n_arrivals: u32,
        n_silent: u32,
        pilot: bool,
    ) -> Sim<'a> {
        let label = if pilot { 0x5049_4C4F } else { 0x4441_5953 };
        Sim {
            ctx,
            rng: Rng::derive(ctx.seed, &[label, u64::from(day)]),
            day,
            t0: day * DAY,
            limit: ((day + 2) * DAY).min(ctx.cutoff),
            seq: 0,
            n_arrivals,
            n_silent,
            pilot,
            msgs: Vec::with_capacity(n_arrivals as usize * 12),
            orders: Vec::new(),
            refunds: Vec::new(),
            ratings: Vec::new(),
        }
    }

    /// A full day with the planned volume.
    pub(crate) fn for_day(ctx: &'a Ctx, day: u32) -> Sim<'a> {
        let d = day as usize;
        Sim::new(ctx, day, ctx.arrivals[d], ctx.silent[d], false)
    }

    fn simulate(&mut self) {
        let promo = self.day == self.ctx.promo;
        for i in 0..self.n_arrivals {
            let t = self.arrival_time(promo);
            self.arrival(i, t);
        }
        for j in 0..self.n_silent {
            let t = self.arrival_time(promo);
            let product = self.product();
            self.place_order(self.n_arrivals + j, t, product, None, 0.88);
        }
    }

    /// Number of messages the day writes (for the pilot).
    fn run_count(mut self) -> u64 {
        self.simulate();
        self.msgs.len() as u64
    }

    pub(crate) fn run(mut self) -> DayOut {
        self.simulate();
        let ctx = self.ctx;
        let mut msgs = std::mem::take(&mut self.msgs);
        msgs.sort_unstable_by_key(|m| m.key);
        let split = msgs.partition_point(|m| m.t() < self.t0 + DAY);
        let spill = msgs.split_off(split);

        let n_buyers = self.n_arrivals + self.n_silent;
        let mut nicks = Nicks {
            bytes: Vec::with_capacity(n_buyers as usize * 16),
            ends: Vec::with_capacity(n_buyers as usize),
        };
        if !self.pilot {
            let base = ctx.offsets[self.day as usize];
            for i in 0..n_buyers {
                ctx.nick(base + u64::from(i), &mut nicks.bytes);
                nicks.ends.push(nicks.bytes.len() as u32);
            }
        }

        let cutoff = ctx.cutoff;
        // Orders, sorted by creation; ids follow that order.
        let mut order_idx: Vec<usize> = (0..self.orders.len()).collect();
        order_idx.sort_unstable_by_key(|&i| (self.orders[i].created, i));
        let mut rank = vec![0u32; self.orders.len()];
        for (r, &i) in order_idx.iter().enumerate() {
            rank[i] = r as u32 + 1;
        }
        let compact = ctx.compact[self.day as usize].as_bytes();
        let push_order_id = |buf: &mut Vec<u8>, i: usize| {
            buf.extend_from_slice(compact);
            push_padded(buf, u64::from(rank[i]), 7);
        };
        let mut orders_csv = Vec::with_capacity(self.orders.len() * 110);
        let mut n_orders = 0;
        for &i in &order_idx {
            let o = &self.orders[i];
            if o.created >= cutoff {
                continue;
            }
            n_orders += 1;
            let b = &mut orders_csv;
            push_order_id(b, i);
            b.push(b',');
            b.extend_from_slice(nicks.get(o.buyer));
            b.push(b',');
            push_time(b, ctx, o.created);
            b.push(b',');
            if o.paid < cutoff {
                push_time(b, ctx, o.paid);
            }
            b.push(b',');
            if o.closed < cutoff {
                push_time(b, ctx, o.closed);
            }
            b.push(b',');
            push_money(b, o.cents);
            b.push(b',');
            push_u64(b, u64::from(o.items));
            b.push(b',');
            b.extend_from_slice(ctx.store.as_bytes());
            b.push(b'\n');
        }

        self.refunds
            .sort_unstable_by_key(|r| (r.requested, r.order));
        let mut refunds_csv = Vec::with_capacity(self.refunds.len() * 120);
        let mut n_refunds = 0;
        for r in &self.refunds {
            if r.requested >= cutoff {
                continue;
            }
            n_refunds += 1;
            let o = &self.orders[r.order];
            let b = &mut refunds_csv;
            b.push(b'R');
            push_order_id(b, r.order);
            b.push(b',');
            push_order_id(b, r.order);
            b.push(b',');
            b.extend_from_slice(nicks.get(o.buyer));
            b.push(b',');
            push_time(b, ctx, r.requested);
            b.push(b',');
            let status = if r.finished < cutoff {
                push_time(b, ctx, r.finished);
                r.status
            } else {
                2
            };
            b.push(b',');
            b.extend_from_slice(match status {
                0 => b"success".as_slice(),
                1 => b"closed",
                _ => b"pending",
            });
            b.push(b',');
            push_money(b, r.cents);
            b.push(b',');
            b.extend_from_slice(ctx.accounts[r.account as usize].as_bytes());
            b.push(b',');
            b.extend_from_slice(ctx.store.as_bytes());
            b.push(b'\n');
        }

        self.ratings
            .sort_unstable_by_key(|r| (r.t, r.buyer, r.account));
        let mut ratings_csv = Vec::with_capacity(self.ratings.len() * 80);
        let mut n_ratings = 0;
        for r in &self.ratings {
            if r.t >= cutoff {
                continue;
            }
            n_ratings += 1;
            let b = &mut ratings_csv;
            push_time(b, ctx, r.t);
            b.push(b',');
            b.extend_from_slice(nicks.get(r.buyer));
            b.push(b',');
            b.extend_from_slice(ctx.accounts[r.account as usize].as_bytes());
            b.push(b',');
            b.push(b'0' + r.score);
            b.push(b',');
            b.extend_from_slice(ctx.store.as_bytes());
            b.push(b'\n');
        }

        DayOut {
            day: self.day,
            today: msgs,
            spill,
            nicks,
            orders_csv,
            refunds_csv,
            ratings_csv,
            n_orders,
            n_refunds,
            n_ratings,
        }
    }

    // ---- primitives ------------------------------------------------------

    #[inline]
    fn push(&mut self, t: u32, buyer: u32, account: u32, sender: u8, text: u32) {
        self.push_full(t, buyer, account, sender, text, NONE);
    }

    #[inline]
    fn push_full(
        &mut self,
        t: u32,
        buyer: u32,
        account: u32,
        sender: u8,
        text: u32,
        transfer: u32,
    ) {
        if t >= self.limit {
            return;
        }
        self.seq += 1;
        self.msgs.push(Msg {
            key: (u64::from(t) << 32) | u64::from(self.seq),
            buyer,
            account,
            text,
            transfer,
            sender,
        });
    }

    #[inline]
    fn text(&mut self, cat: Cat) -> u32 {
        self.ctx.texts.pick(&mut self.rng, cat)
    }

    fn arrival_time(&mut self, promo: bool) -> u32 {
        let cum = if promo {
            &self.ctx.hours_promo
        } else {
            &self.ctx.hours_normal
        };
        let h = self.rng.pick_cum(cum) as u32;
        self.t0 + h * H + self.rng.below(H)
    }

    fn product(&mut self) -> usize {
        self.rng.pick_cum(&self.ctx.product_cum)
    }

    /// Pick an on-duty agent (by routing weight) for a role at time t.
    fn choose_on_duty(&mut self, role: Role, t: u32) -> Option<usize> {
        let ctx = self.ctx;
        let list = [Shift::Early, Shift::Late]
            .into_iter()
            .filter(|&s| ctx.on_duty(s, t))
            .find_map(|s| ctx.duty_list(role, s))?;
        Some(list.agents[self.rng.pick_cum(&list.cum)])
    }

    /// Pick the agent of the next shift to come on duty (for messages left
    /// outside working hours). Returns the agent and when they start.
    fn choose_next(&mut self, role: Role, t: u32) -> Option<(usize, u32)> {
        let ctx = self.ctx;
        let mut best: Option<(u32, &DutyList)> = None;
        for s in [Shift::Early, Shift::Late] {
            if let Some(list) = ctx.duty_list(role, s) {
                let start = ctx.next_on_duty(s, t);
                if best.is_none_or(|(b, _)| start < b) {
                    best = Some((start, list));
                }
            }
        }
        let (start, list) = best?;
        Some((list.agents[self.rng.pick_cum(&list.cum)], start))
    }

    fn rt(&mut self, agent: usize, t: u32, first: bool) -> u32 {
        let a = &self.ctx.agents[agent];
        let mut median = a.median_rt;
        if self.ctx.is_promo(t) {
            median *= 1.8;
        }
        if !first {
            median *= 0.75;
        }
        let mut rt = self.rng.lognormal(median, 0.8);
        if self.rng.chance(0.03) {
            // Distracted: a heavy tail of several minutes.
            rt += f64::from(self.rng.range(180, 900));
        }
        rt.clamp(3.0, 3_600.0) as u32
    }

    fn buyer_msgs(&mut self) -> u32 {
        let x = self.rng.f64();
        if x < 0.6 {
            1
        } else if x < 0.87 {
            2
        } else if x < 0.97 {
            3
        } else {
            4
        }
    }

    // ---- conversations ---------------------------------------------------

    fn route(&mut self, t: u32, buyer: u32, role: Role, topic: Topic) -> Session {
        if self.ctx.agents.is_empty() {
            return self.bot_session(t, buyer, topic, role).0;
        }
        let promo = self.ctx.is_promo(t);
        match self.choose_on_duty(role, t) {
            Some(agent) => {
                let p_bot = if promo { 0.6 } else { 0.4 };
                if self.rng.chance(p_bot) {
                    let (s, transfer) = self.bot_session(t, buyer, topic, role);
                    match transfer {
                        Some((at, to)) => {
                            let start = at + self.rng.range(3, 20);
                            self.human_session(start, buyer, to, topic, Open::Transfer, start)
                        }
                        None => s,
                    }
                } else {
                    let open = if self.rng.chance(0.5) {
                        Open::Greet
                    } else if promo && self.rng.chance(0.4) {
                        Open::Busy
                    } else {
                        Open::Plain
                    };
                    self.human_session(t, buyer, agent, topic, open, t)
                }
            }
            None => {
                if self.rng.chance(0.7) {
                    self.bot_session(t, buyer, topic, role).0
                } else {
                    match self.choose_next(role, t) {
                        Some((agent, start)) => {
                            self.human_session(t, buyer, agent, topic, Open::Away, start)
                        }
                        None => self.bot_session(t, buyer, topic, role).0,
                    }
                }
            }
        }
    }

    /// The bot answers; the buyer may ask for a human, who gets the
    /// conversation by a `system` transfer if one is on duty.
    fn bot_session(
        &mut self,
        start: u32,
        buyer: u32,
        topic: Topic,
        role: Role,
    ) -> (Session, Option<(u32, usize)>) {
        let mut t = start;
        let rounds = if self.rng.chance(0.3) { 2 } else { 1 };
        let mut first_rt = None;
        let mut last_answer = None;
        for r in 0..rounds {
            let open = t;
            let k = if self.rng.chance(0.7) { 1 } else { 2 };
            let mut q = NONE;
            for i in 0..k {
                if i > 0 {
                    t += self.rng.range(3, 15);
                }
                q = self.buyer_question(topic, r == 0 && i == 0 && k > 1);
                self.push(t, buyer, 0, S_BUYER, q);
            }
            t += self.rng.range(1, 3);
            let cat = match topic {
                Topic::Presale(_) => Cat::BotAnswer,
                _ => Cat::BotAfter,
            };
            let texts = &self.ctx.texts;
            let text = texts
                .bot_answer(q)
                .unwrap_or_else(|| texts.pick(&mut self.rng, cat));
            self.push(t, buyer, 0, S_BOT, text);
            first_rt.get_or_insert(t - open);
            last_answer = Some(t);
            if self.rng.chance(0.4) {
                t += 1;
                let text = self.text(Cat::BotMore);
                self.push(t, buyer, 0, S_BOT, text);
            }
            t += self.rng.lognormal(25.0, 0.7).clamp(3.0, 600.0) as u32;
        }
        let p_human = match topic {
            Topic::Presale(_) => 0.55,
            _ => 0.7,
        };
        let mut transfer = None;
        let mut end = t;
        if self.rng.chance(p_human) {
            let text = self.text(Cat::BuyerHuman);
            self.push(t, buyer, 0, S_BUYER, text);
            let at = t + self.rng.range(1, 3);
            match self.choose_on_duty(role, at) {
                Some(agent) => {
                    let text = self.ctx.texts.transfer[agent];
                    self.push_full(at, buyer, 0, S_SYSTEM, text, agent as u32 + 1);
                    transfer = Some((at, agent));
                }
                None => {
                    let text = self.text(Cat::BotOffHours);
                    self.push(at, buyer, 0, S_BOT, text);
                    last_answer = Some(at);
                }
            }
            end = at;
        }
        let s = Session {
            account: 0,
            agent: None,
            first_rt,
            last_answer,
            end,
        };
        (s, transfer)
    }

    fn buyer_question(&mut self, topic: Topic, opener: bool) -> u32 {
        if opener {
            return self.text(Cat::BuyerOpen);
        }
        match topic {
            Topic::Presale(p) => {
                let x = self.rng.f64();
                if x < 0.6 {
                    self.ctx.texts.product_question(&mut self.rng, p)
                } else if x < 0.88 {
                    self.text(Cat::BuyerGeneralQ)
                } else {
                    self.text(Cat::BuyerBargain)
                }
            }
            Topic::After => self.text(Cat::BuyerAfter),
            Topic::Refund => self.text(Cat::BuyerRefund),
        }
    }

    /// A human conversation in the stream S(agent, buyer). `available` is
    /// when the agent can first answer (later than `start` for messages left
    /// outside working hours).
    fn human_session(
        &mut self,
        start: u32,
        buyer: u32,
        agent: usize,
        topic: Topic,
        open: Open,
        available: u32,
    ) -> Session {
        let acc = agent as u32 + 1;
        let n_rounds = match topic {
            Topic::Presale(_) => {
                let x = self.rng.f64();
                if x < 0.22 {
                    1
                } else if x < 0.50 {
                    2
                } else if x < 0.72 {
                    3
                } else if x < 0.86 {
                    4
                } else if x < 0.94 {
                    5
                } else {
                    6
                }
            }
            _ => self.rng.range(1, 3),
        };
        let missed = self.rng.chance(0.012);
        let mut t = start;
        let mut end = start;
        let mut first_rt = None;
        let mut last_answer = None;
        for r in 0..n_rounds {
            let last = r + 1 == n_rounds;
            let ack = last && r > 0 && self.rng.chance(0.6);
            let bargain_round = !ack && matches!(topic, Topic::Presale(_)) && self.rng.chance(0.12);
            let open_t = t;
            let k = if ack { 1 } else { self.buyer_msgs() };
            let mut round_q = NONE;
            for i in 0..k {
                if i > 0 {
                    t += self.rng.range(3, 25);
                }
                let text = if ack {
                    self.text(Cat::BuyerAck)
                } else if bargain_round && i + 1 == k {
                    self.text(Cat::BuyerBargain)
                } else {
                    let opener = r == 0
                        && i == 0
                        && open != Open::Transfer
                        && (k > 1 || self.rng.chance(0.3));
                    self.buyer_question(topic, opener)
                };
                round_q = text;
                self.push(t, buyer, acc, S_BUYER, text);
                if r == 0 && i == 0 {
                    let auto = match open {
                        Open::Greet => Some(Cat::AutoGreet),
                        Open::Busy => Some(Cat::AutoBusy),
                        Open::Away => Some(Cat::AutoAway),
                        Open::Plain | Open::Transfer => None,
                    };
                    if let Some(cat) = auto {
                        let text = self.text(cat);
                        let at = t + self.rng.range(1, 2);
                        self.push(at, buyer, acc, S_AUTO, text);
                    }
                }
            }
            end = end.max(t);
            if missed && r == 0 {
                if self.rng.chance(0.5) {
                    let text = self.text(Cat::BuyerFollow);
                    t += self.rng.range(60, 300);
                    self.push(t, buyer, acc, S_BUYER, text);
                    end = t;
                }
                break;
            }
            if (r > 0 && self.rng.chance(0.03)) || (ack && self.rng.chance(0.35)) {
                break; // left unanswered
            }
            let rt = self.rt(agent, open_t, r == 0);
            let mut ans = (open_t + rt).max(t + self.rng.range(2, 8));
            if r == 0 && available > open_t {
                let backlog = self.rng.lognormal(600.0, 0.8).clamp(30.0, 5_400.0) as u32;
                ans = ans.max(available + backlog);
            }
            if ans - t > 150 && self.rng.chance(0.4) {
                // An impatient buyer nudges while waiting (same round).
                let nudge = t + self.rng.range(60, ans - t - 5);
                let text = self.text(Cat::BuyerFollow);
                self.push(nudge, buyer, acc, S_BUYER, text);
            }
            let texts = &self.ctx.texts;
            let reply = if ack {
                texts.pick(&mut self.rng, Cat::AgentAck)
            } else {
                let cat = match topic {
                    Topic::Presale(_) => Cat::AgentAnswer,
                    Topic::After => Cat::AgentAfter,
                    Topic::Refund => Cat::AgentRefund,
                };
                texts
                    .answer(round_q)
                    .unwrap_or_else(|| texts.pick(&mut self.rng, cat))
            };
            let lead = if r == 0 && available > open_t {
                Some(Cat::AgentNight)
            } else if !ack && self.rng.chance(0.12) {
                Some(Cat::AgentWait)
            } else {
                None
            };
            match lead {
                Some(cat) => {
                    let text = self.text(cat);
                    self.push(ans, buyer, acc, S_AGENT, text);
                    t = ans + self.rng.range(5, 40);
                    self.push(t, buyer, acc, S_AGENT, reply);
                }
                None => {
                    self.push(ans, buyer, acc, S_AGENT, reply);
                    t = ans;
                }
            }
            first_rt.get_or_insert(ans - open_t);
            last_answer = Some(ans);
            if !ack {
                let (p_extra, cat) = match topic {
                    Topic::Presale(_) => (0.45, Cat::AgentExtra),
                    _ => (0.25, Cat::AgentMore),
                };
                if self.rng.chance(p_extra) {
                    t += self.rng.range(5, 40);
                    let text = self.text(cat);
                    self.push(t, buyer, acc, S_AGENT, text);
                }
            }
            end = end.max(t);
            if !last {
                t += self.rng.lognormal(40.0, 0.9).clamp(3.0, 1_800.0) as u32;
            }
        }
        Session {
            account: acc,
            agent: Some(agent),
            first_rt,
            last_answer,
            end,
        }
    }

    // ---- outcomes --------------------------------------------------------

    fn arrival(&mut self, buyer: u32, t: u32) {
        let old_customer = self.rng.chance(0.12);
        let product = self.product();
        let (role, topic) = if old_customer {
            (Role::Aftersale, Topic::After)
        } else {
            (Role::Presale, Topic::Presale(product))
        };
        let s = self.route(t, buyer, role, topic);
        self.maybe_rate(&s, buyer);

        let promo_boost = if self.ctx.is_promo(t) { 1.3 } else { 1.0 };
        let Some(last) = s.last_answer else {
            return;
        };
        let frt = f64::from(s.first_rt.unwrap_or(600));
        let p = match (topic, s.agent) {
            (Topic::Presale(_), Some(a)) => 0.45 * self.ctx.agents[a].skill * exp(-frt / 300.0),
            (Topic::Presale(_), None) => 0.15,
            _ => 0.04,
        } * promo_boost;
        if self.rng.chance(p.min(0.95)) {
            let delay = self.rng.lognormal(120.0, 1.0).clamp(15.0, 3_600.0) as u32;
            let created = last.max(s.end) + delay;
            let p_pay = if self.ctx.is_promo(created) {
                0.82
            } else {
                0.72
            };
            self.place_order(buyer, created, product, s.agent, p_pay);
        } else if matches!(topic, Topic::Presale(_)) && self.rng.chance(0.04) {
            // Thinks it over and orders the next day without chatting.
            let next = self.t0 + DAY;
            let h = self.rng.range(8, 23);
            let created = next + h * H + self.rng.below(H);
            self.place_order(buyer, created, product, None, 0.9);
        }
    }

    fn maybe_rate(&mut self, s: &Session, buyer: u32) {
        if s.last_answer.is_none() {
            return;
        }
        let (p, quality) = match s.agent {
            Some(a) => (0.3, self.ctx.agents[a].skill),
            None => (0.06, 0.7),
        };
        if !self.rng.chance(p) {
            return;
        }
        let frt = f64::from(s.first_rt.unwrap_or(600));
        let p_good = (0.97 - frt / 400.0).clamp(0.3, 0.97) * (0.9 + 0.1 * quality);
        let score = if self.rng.chance(p_good) {
            if self.rng.chance(0.78) { 5 } else { 4 }
        } else {
            let x = self.rng.f64();
            if x < 0.5 {
                3
            } else if x < 0.75 {
                2
            } else {
                1
            }
        };
        let t = s.end + self.rng.range(10, 600);
        self.ratings.push(Rating {
            t,
            buyer,
            account: s.account,
            score,
        });
    }

    /// Place an order; `agent` is the agent of the conversation that led to
    /// it (who may send a payment reminder).
    fn place_order(
        &mut self,
        buyer: u32,
        created: u32,
        product: usize,
        agent: Option<usize>,
        p_pay: f64,
    ) {
        let p = &PRODUCTS[product];
        let items = if p.cents >= 100_000 {
            if self.rng.chance(0.06) { 2 } else { 1 }
        } else {
            let x = self.rng.f64();
            if x < 0.72 {
                1
            } else if x < 0.92 {
                2
            } else {
                3
            }
        };
        let mut cents = p.cents * u64::from(items);
        if self.ctx.is_promo(created) {
            cents = cents * 85 / 100 / 10 * 10;
        }
        if self.rng.chance(0.2) {
            let coupon = [500, 1_000, 2_000][self.rng.below(3) as usize];
            if cents > coupon * 10 {
                cents -= coupon;
            }
        }
        let mut paid = NONE;
        let mut closed = NONE;
        if self.rng.chance(p_pay) {
            paid = created + self.rng.range(10, 180);
        } else {
            // Unpaid: the conversation's agent may remind (催付), otherwise an
            // on-duty presale agent sometimes contacts the buyer proactively.
            let rem = created + self.rng.lognormal(600.0, 0.7).clamp(120.0, 5_400.0) as u32;
            let reminder = match agent {
                Some(a) => {
                    let skill = self.ctx.agents[a].skill;
                    self.rng
                        .chance(0.45 + 0.35 * (skill - 0.7) / 0.6)
                        .then_some(a)
                }
                None => {
                    if self.rng.chance(0.3) {
                        self.choose_on_duty(Role::Presale, rem)
                    } else {
                        None
                    }
                }
            };
            if let Some(a) = reminder {
                let acc = a as u32 + 1;
                let text = self.text(Cat::AgentReminder);
                self.push(rem, buyer, acc, S_AGENT, text);
                let mut after = rem;
                if self.rng.chance(0.5) {
                    let reply = rem + self.rng.lognormal(120.0, 1.0).clamp(10.0, 1_800.0) as u32;
                    let text = self.text(Cat::BuyerReminderReply);
                    self.push(reply, buyer, acc, S_BUYER, text);
                    let ans = reply + self.rt(a, reply, false);
                    let text = self.text(Cat::AgentReminderAck);
                    self.push(ans, buyer, acc, S_AGENT, text);
                    after = ans;
                }
                if self.rng.chance(0.62) {
                    paid = after + self.rng.lognormal(300.0, 1.0).clamp(30.0, 7_200.0) as u32;
                } else {
                    closed = created + DAY;
                }
            } else if self.rng.chance(0.3) {
                paid = created + self.rng.lognormal(3_600.0, 1.0).clamp(300.0, 36_000.0) as u32;
            } else {
                closed = created + DAY;
            }
        }
        let order = self.orders.len();
        self.orders.push(Order {
            buyer,
            created,
            paid,
            closed,
            cents,
            items,
        });
        if paid == NONE {
            return;
        }
        // After-sale question (shipping, installation …) hours later.
        if self.rng.chance(0.15) {
            let start = paid
                + self
                    .rng
                    .lognormal(4.0 * 3_600.0, 0.9)
                    .clamp(900.0, 30.0 * 3_600.0) as u32;
            if start < self.t0 + DAY + 22 * H {
                let s = self.route(start, buyer, Role::Aftersale, Topic::After);
                self.maybe_rate(&s, buyer);
            }
        }
        let p_refund = if self.ctx.is_promo(created) {
            0.06
        } else {
            0.04
        };
        if self.rng.chance(p_refund) {
            self.refund(order, buyer, paid, cents);
        }
    }

    fn refund(&mut self, order: usize, buyer: u32, paid: u32, cents: u64) {
        let requested = paid
            + self
                .rng
                .lognormal(18.0 * 3_600.0, 1.0)
                .clamp(1_800.0, 7.0 * 86_400.0) as u32;
        let mut account = None;
        if requested + 3 * H < self.t0 + 2 * DAY && self.rng.chance(0.6) {
            let start = requested + self.rng.range(60, 900);
            let s = self.route(start, buyer, Role::Aftersale, Topic::Refund);
            self.maybe_rate(&s, buyer);
            if s.agent.is_some() {
                account = Some(s.account);
            }
        }
        let account = match account {
            Some(a) => a,
            None => match self.choose_on_duty(Role::Aftersale, requested) {
                Some(a) => a as u32 + 1,
                None => match self.choose_next(Role::Aftersale, requested) {
                    Some((a, _)) => a as u32 + 1,
                    None => 0,
                },
            },
        };
        let x = self.rng.f64();
        let status = if x < 0.78 {
            0
        } else if x < 0.9 {
            1
        } else {
            2
        };
        let finished = if status == 2 {
            NONE
        } else {
            let f = requested
                + self
                    .rng
                    .lognormal(5.0 * 3_600.0, 1.0)
                    .clamp(600.0, 72.0 * 3_600.0) as u32;
            // Refunds are processed in working hours (08:00–24:00).
            if f % DAY < 8 * H {
                f - f % DAY + 8 * H + self.rng.below(2 * H)
            } else {
                f
            }
        };
        let amount = if self.rng.chance(0.85) || cents < 1_000 {
            cents
        } else {
            let part = cents * u64::from(self.rng.range(10, 60)) / 100 / 100 * 100;
            part.clamp(100, cents)
        };
        self.refunds.push(Refund {
            order,
            requested,
            finished,
            status,
            cents: amount,
            account,
        });
    }
}

/// `YYYY-MM-DD HH:MM:SS` of a time (seconds since the period start).
#[inline]
pub(crate) fn push_time(buf: &mut Vec<u8>, ctx: &Ctx, t: u32) {
    buf.extend_from_slice(ctx.dates[(t / DAY) as usize].as_bytes());
    buf.push(b' ');
    push_hms(buf, t % DAY);
}

/// Append one message row.
#[inline]
pub(crate) fn push_msg(
    buf: &mut Vec<u8>,
    ctx: &Ctx,
    nicks: &Nicks,
    m: &Msg,
    date: &[u8],
    id_prefix: &[u8],
    n: u64,
) {
    let t = m.t();
    buf.extend_from_slice(date);
    buf.push(b' ');
    let sod = t % DAY;
    push2(buf, sod / 3600);
    buf.push(b':');
    push2(buf, sod / 60 % 60);
    buf.push(b':');
    push2(buf, sod % 60);
    buf.push(b',');
    buf.extend_from_slice(nicks.get(m.buyer));
    buf.push(b',');
    buf.extend_from_slice(ctx.accounts[m.account as usize].as_bytes());
    buf.push(b',');
    buf.extend_from_slice(SENDERS[m.sender as usize].as_bytes());
    buf.push(b',');
    buf.extend_from_slice(ctx.texts.strings[m.text as usize].as_bytes());
    buf.push(b',');
    buf.extend_from_slice(id_prefix);
    push_u64(buf, n);
    buf.push(b',');
    if m.transfer != NONE {
        buf.extend_from_slice(ctx.accounts[m.transfer as usize].as_bytes());
    }
    buf.push(b',');
    buf.extend_from_slice(ctx.store.as_bytes());
    buf.push(b'\n');
}
