//! A tiny builder for hand-written stores in tests.

#![allow(dead_code)]

use kefu_core::engine::{self, Facts, StoreEvents};
use kefu_core::figures::{ACCOUNT_FIGURES, Counters, STORE_FIGURES, Value};
use kefu_core::model::{Message, Names, Order, Rating, Refund, RefundStatus, Sender};
use kefu_core::settings::MetricSettings;
use kefu_core::time::{Day, UtcOffset, parse_time};

#[derive(Default, Clone, Debug)]
pub struct Store {
    pub names: Names,
    pub messages: Vec<Message>,
    pub orders: Vec<Order>,
    pub refunds: Vec<Refund>,
    pub ratings: Vec<Rating>,
}

pub fn t(s: &str) -> i64 {
    parse_time(s, UtcOffset::SHANGHAI).expect(s)
}

pub fn day(s: &str) -> Day {
    Day::parse(s).expect(s)
}

impl Store {
    /// `msg("店:小美", "tom", "2026-11-11 09:00:00", "buyer")`
    pub fn msg(&mut self, account: &str, buyer: &str, time: &str, sender: &str) -> &mut Self {
        let seq = self.messages.len() as u64;
        let m = Message {
            time: t(time),
            buyer: self.names.intern(buyer),
            account: self.names.intern(account),
            sender: Sender::parse(sender).expect(sender),
            transfer_to: None,
            seq,
        };
        self.messages.push(m);
        self
    }
    pub fn transfer(&mut self, account: &str, buyer: &str, time: &str, to: &str) -> &mut Self {
        self.msg(account, buyer, time, "system");
        let to = self.names.intern(to);
        self.messages.last_mut().unwrap().transfer_to = Some(to);
        self
    }
    pub fn order(
        &mut self,
        id: &str,
        buyer: &str,
        created: &str,
        paid: Option<&str>,
        closed: Option<&str>,
        yuan: i64,
    ) -> &mut Self {
        let o = Order {
            order_id: id.into(),
            buyer: self.names.intern(buyer),
            created_at: t(created),
            paid_at: paid.map(t),
            closed_at: closed.map(t),
            amount: yuan * 100,
            items: 1,
            address: None,
            presale: None,
        };
        self.orders.push(o);
        self
    }
    pub fn rating(&mut self, account: &str, buyer: &str, time: &str, score: u8) -> &mut Self {
        let r = Rating {
            time: t(time),
            buyer: self.names.intern(buyer),
            account: self.names.intern(account),
            score,
        };
        self.ratings.push(r);
        self
    }
    pub fn refund(
        &mut self,
        account: Option<&str>,
        buyer: &str,
        requested: &str,
        finished: Option<&str>,
    ) -> &mut Self {
        let r = Refund {
            refund_id: format!("R{}", self.refunds.len()),
            order_id: "X".into(),
            buyer: self.names.intern(buyer),
            requested_at: t(requested),
            finished_at: finished.map(t),
            amount: 100,
            status: RefundStatus::default_for(finished.map(t)),
            account: account.map(|a| self.names.intern(a)),
        };
        self.refunds.push(r);
        self
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
    pub fn facts(&self, s: &MetricSettings) -> Facts {
        engine::compute(&self.view(), s)
    }
    /// Counters of one account summed over all days.
    pub fn account(&self, s: &MetricSettings, account: &str) -> Counters {
        let id = self.names.get(account).expect(account);
        self.facts(s)
            .accounts
            .iter()
            .filter(|((a, _), _)| *a == id)
            .map(|(_, c)| c)
            .sum()
    }
    /// Counters of the whole store over all days.
    pub fn store(&self, s: &MetricSettings) -> Counters {
        let f = self.facts(s);
        f.accounts.values().chain(f.store.values()).sum()
    }
}

/// A figure's value by key.
pub fn fig(c: &Counters, key: &str) -> Value {
    ACCOUNT_FIGURES
        .iter()
        .chain(STORE_FIGURES)
        .find(|f| f.key == key)
        .expect(key)
        .value(c)
}

pub fn count(c: &Counters, key: &str) -> i64 {
    match fig(c, key) {
        Value::Count(n) | Value::Money(n) => n,
        v => panic!("{key} is {v:?}"),
    }
}

pub fn ratio(c: &Counters, key: &str) -> Option<f64> {
    match fig(c, key) {
        Value::Ratio(r) => r,
        v => panic!("{key} is {v:?}"),
    }
}
