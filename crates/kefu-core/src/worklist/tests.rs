//! Hand-computed worklists: the expected values below were written from `docs/metrics.md`
//! ("Worklists and recovered sales") before the code was run on them.

use rustc_hash::FxHashMap;

use super::summary::{Owned, Reminded, Tally, summarize, timing};
use super::*;
use crate::engine::{StoreEvents, analyze};
use crate::model::{Message, Names, Order, Presale, Refund, RefundStatus, Sender};
use crate::settings::MetricSettings;
use crate::time::{UtcOffset, parse_time};

const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

fn t(s: &str) -> Millis {
    parse_time(s, UtcOffset::SHANGHAI).expect(s)
}

#[derive(Default, Clone)]
struct Store {
    names: Names,
    messages: Vec<Message>,
    orders: Vec<Order>,
    refunds: Vec<Refund>,
}

impl Store {
    fn msg(&mut self, account: &str, buyer: &str, time: &str, sender: Sender) -> &mut Self {
        let m = Message {
            time: t(time),
            buyer: self.names.intern(buyer),
            account: self.names.intern(account),
            sender,
            transfer_to: None,
            seq: self.messages.len() as u64,
        };
        self.messages.push(m);
        self
    }
    fn order(
        &mut self,
        id: &str,
        buyer: &str,
        created: &str,
        paid: Option<&str>,
        closed: Option<&str>,
        cents: i64,
    ) -> &mut Self {
        let o = Order {
            order_id: id.into(),
            buyer: self.names.intern(buyer),
            created_at: t(created),
            paid_at: paid.map(t),
            closed_at: closed.map(t),
            amount: cents,
            items: 1,
            presale: None,
            address: None,
        };
        self.orders.push(o);
        self
    }
    fn refund(
        &mut self,
        id: &str,
        buyer: &str,
        requested: &str,
        finished: Option<(&str, RefundStatus)>,
        account: Option<&str>,
        cents: i64,
    ) -> &mut Self {
        let r = Refund {
            refund_id: id.into(),
            order_id: "X".into(),
            buyer: self.names.intern(buyer),
            requested_at: t(requested),
            finished_at: finished.map(|f| t(f.0)),
            amount: cents,
            status: finished.map_or(RefundStatus::Pending, |f| f.1),
            account: account.map(|a| self.names.intern(a)),
        };
        self.refunds.push(r);
        self
    }
    fn id(&self, name: &str) -> NameId {
        self.names.get(name).expect(name)
    }

    /// The lists as of `as_of`, every item from 2026-10-01 on, owner marks as given.
    fn lists(&self, as_of: &str, marks: &FxHashMap<String, Mark>) -> Vec<Item> {
        let mut s = self.clone();
        let as_of = t(as_of);
        cut_at(&mut s.messages, &mut s.orders, &mut s.refunds, as_of);
        crate::engine::sort_streams(&mut s.messages);
        let ev = StoreEvents {
            names: &s.names,
            messages: &s.messages,
            orders: &s.orders,
            refunds: &s.refunds,
            ratings: &[],
        };
        let metrics = MetricSettings::default();
        let analysis = analyze(&ev, &metrics);
        let bots = self.names.get(BOT).into_iter().collect::<Vec<_>>();
        compute(&Inputs {
            events: &ev,
            analysis: &analysis,
            metrics: &metrics,
            settings: &WorklistSettings::default(),
            bots: &bots,
            from: t("2026-10-01 00:00:00"),
            as_of,
            marks,
        })
    }
}

const A: &str = "店:小美";
const B: &str = "店:小王";
const BOT: &str = "店小蜜";

/// The store of the hand-computed example (`docs/metrics.md`).
fn example() -> Store {
    let mut s = Store::default();
    use Sender::{Agent, Bot, Buyer};
    // tom asks A on 11-11 and buys nothing that day: a lost inquiry. B and then A write to
    // him on 11-12; he buys at 16:00 and pays at 16:05.
    s.msg(A, "tom", "2026-11-11 10:00:00", Buyer)
        .msg(A, "tom", "2026-11-11 10:01:00", Agent)
        .msg(B, "tom", "2026-11-12 09:00:00", Agent)
        .msg(A, "tom", "2026-11-12 15:00:00", Agent)
        .order(
            "O-T",
            "tom",
            "2026-11-12 16:00:00",
            Some("2026-11-12 16:05:00"),
            None,
            399_900,
        );
    // jerry only talks to the bot: a lost inquiry nobody served.
    s.msg(BOT, "jerry", "2026-11-11 11:00:00", Buyer)
        .msg(BOT, "jerry", "2026-11-11 11:00:05", Bot);
    // amy orders after asking A and does not pay; A reminds her twice (12:30 and 12:35 are
    // one reminder, 15:00 the second). The order closes; she orders again and pays.
    s.msg(A, "amy", "2026-11-11 12:00:00", Buyer)
        .msg(A, "amy", "2026-11-11 12:02:00", Agent)
        .order(
            "O-A1",
            "amy",
            "2026-11-11 12:10:00",
            None,
            Some("2026-11-12 12:10:00"),
            19_900,
        )
        .msg(A, "amy", "2026-11-11 12:30:00", Agent)
        .msg(A, "amy", "2026-11-11 12:35:00", Agent)
        .msg(A, "amy", "2026-11-11 15:00:00", Agent)
        .order(
            "O-A2",
            "amy",
            "2026-11-12 20:00:00",
            Some("2026-11-12 20:30:00"),
            None,
            19_900,
        );
    // bob orders at 21:50 and never pays; nobody writes to him.
    s.order("O-B", "bob", "2026-11-15 21:50:00", None, None, 8_800);
    // cat's presale order: 100.00 deposit paid on 11-01, balance of 900.00 due 11-11 to 11-13.
    s.order("P1", "cat", "2026-11-01 10:00:00", None, None, 100_000);
    s.orders.last_mut().unwrap().presale = Some(Presale {
        deposit: 10_000,
        deposit_paid_at: Some(t("2026-11-01 10:01:00")),
        balance_from: t("2026-11-11 00:00:00"),
        balance_to: t("2026-11-13 23:59:59"),
    });
    s.msg(A, "cat", "2026-11-11 09:00:00", Agent);
    // Refunds: dan's waits on B; eve's is withdrawn after A writes to her.
    s.refund("R1", "dan", "2026-11-14 10:00:00", None, Some(B), 12_000);
    s.refund(
        "R2",
        "eve",
        "2026-11-13 09:00:00",
        Some(("2026-11-13 18:00:00", RefundStatus::Closed)),
        None,
        5_000,
    );
    s.msg(A, "eve", "2026-11-13 10:00:00", Agent);
    s
}

fn find<'a>(items: &'a [Item], key: &str) -> &'a Item {
    items.iter().find(|i| i.key == key).unwrap_or_else(|| {
        panic!(
            "{key} not in {:?}",
            items.iter().map(|i| &i.key).collect::<Vec<_>>()
        )
    })
}

#[test]
fn the_example_as_of_the_data_end() {
    let s = example();
    let items = s.lists("2026-11-16 00:00:00", &FxHashMap::default());
    let (a, b) = (s.id(A), s.id(B));
    let (tom, jerry) = (s.id("tom"), s.id("jerry"));
    let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    let lost_tom = format!("lost_inquiry:{tom}:2026-11-11");
    let lost_jerry = format!("lost_inquiry:{jerry}:2026-11-11");
    let mut want = vec![
        "balance:P1",
        lost_jerry.as_str(),
        lost_tom.as_str(),
        "refund:R1",
        "refund:R2",
        "unpaid:O-A1",
        "unpaid:O-A2",
        "unpaid:O-B",
    ];
    want.sort();
    assert_eq!(keys, want);

    let i = find(&items, &lost_tom);
    assert_eq!(i.opened_at, t("2026-11-12 00:00:00"));
    assert_eq!(i.serving, Some(a));
    assert_eq!(i.expires_at, Some(t("2026-11-15 00:00:00")));
    assert_eq!(
        i.outcome,
        Outcome::Recovered {
            at: t("2026-11-12 16:05:00")
        }
    );
    assert_eq!(i.recovered_order.as_deref(), Some("O-T"));
    assert_eq!((i.recovered_amount, i.counts_order), (399_900, true));
    // Two agents touched it: the last contact before the payment (A at 15:00) is credited.
    assert_eq!(i.credited, Some(a));
    let mut both = vec![a, b];
    both.sort();
    assert_eq!(i.contacts, both);
    assert_eq!(i.time_to_recover(), Some(16 * HOUR + 5 * MIN));
    assert_eq!(i.due_at, None, "no contact is due on a recovered item");

    let i = find(&items, &lost_jerry);
    assert_eq!(i.serving, None, "only the bot served jerry");
    assert_eq!(
        i.outcome,
        Outcome::Lost {
            at: t("2026-11-15 00:00:00")
        }
    );

    let i = find(&items, "unpaid:O-A1");
    assert_eq!(i.opened_at, t("2026-11-11 12:25:00"));
    assert_eq!(i.serving, Some(a));
    assert_eq!(
        (i.reminders, i.last_reminder_at),
        (2, Some(t("2026-11-11 15:00:00")))
    );
    assert_eq!(
        i.outcome,
        Outcome::Recovered {
            at: t("2026-11-12 20:30:00")
        }
    );
    assert_eq!(i.recovered_order.as_deref(), Some("O-A2"));
    // O-A2's payment counts on its own item, not here.
    assert_eq!((i.recovered_amount, i.counts_order), (0, false));
    assert_eq!(i.credited, Some(a));
    assert_eq!(i.time_to_recover(), Some(32 * HOUR + 5 * MIN));

    let i = find(&items, "unpaid:O-A2");
    assert_eq!(i.opened_at, t("2026-11-12 20:15:00"));
    assert_eq!(
        i.outcome,
        Outcome::Recovered {
            at: t("2026-11-12 20:30:00")
        }
    );
    assert_eq!(
        (i.recovered_amount, i.counts_order, i.credited),
        (19_900, true, None)
    );

    let i = find(&items, "unpaid:O-B");
    assert_eq!(i.outcome, Outcome::Open);
    assert_eq!(i.amount, 8_800);
    // Due 22:05, in the quiet hours: moved to 08:00, before the close at 21:50.
    assert_eq!(i.due_at, Some(t("2026-11-16 08:00:00")));
    assert_eq!(i.expires_at, Some(t("2026-11-18 22:05:00")));

    let i = find(&items, "balance:P1");
    assert_eq!((i.amount, i.reminders), (90_000, 1));
    assert_eq!(i.serving, None);
    assert_eq!(
        i.outcome,
        Outcome::Lost {
            at: t("2026-11-13 23:59:59")
        }
    );
    assert_eq!(i.contacts, vec![a]);

    let i = find(&items, "refund:R1");
    assert_eq!((i.outcome, i.serving), (Outcome::Open, Some(b)));
    assert_eq!(i.due_at, Some(t("2026-11-15 10:00:00")));
    let i = find(&items, "refund:R2");
    assert_eq!(
        i.outcome,
        Outcome::Recovered {
            at: t("2026-11-13 18:00:00")
        }
    );
    assert_eq!(
        (i.credited, i.recovered_amount, i.counts_order),
        (Some(a), 5_000, false)
    );

    // Owners are the serving agents.
    let sum = summarize(items.iter().map(|item| Owned {
        item,
        owner: item.serving,
    }));
    let list = |k| sum.lists.get(&k).cloned().unwrap_or_default();
    assert_eq!(
        list(Kind::LostInquiry),
        Tally {
            items: 2,
            open: 0,
            recovered: 1,
            lost: 1,
            recovered_after_contact: 1,
            orders: 1,
            cents: 399_900,
            recover_ms: 16 * HOUR + 5 * MIN,
            recover_n: 1,
            contacted_resolved: 0
        }
    );
    assert_eq!(
        list(Kind::Unpaid),
        Tally {
            items: 3,
            open: 1,
            recovered: 2,
            lost: 0,
            recovered_after_contact: 1,
            orders: 1,
            cents: 19_900,
            recover_ms: 32 * HOUR + 20 * MIN,
            recover_n: 2,
            contacted_resolved: 0
        }
    );
    assert_eq!(list(Kind::LostInquiry).rate(false), Some(0.5));
    assert_eq!(list(Kind::Unpaid).rate(false), Some(1.0));
    assert_eq!(
        (list(Kind::Balance).items, list(Kind::Balance).lost),
        (1, 1)
    );
    assert_eq!(
        (list(Kind::Refund).items, list(Kind::Refund).cents),
        (2, 5_000)
    );
    assert_eq!(sum.total.cents, 399_900 + 19_900 + 5_000);
    assert_eq!(sum.total.orders, 2);
    let agent = |id| sum.agents.get(&id).cloned().unwrap_or_default();
    // A owns tom's inquiry, O-A1 and O-A2 (A last answered amy before she placed it); is
    // credited with tom, O-A1 and R2; contacted four
    // resolved items (tom, O-A1, P1, R2).
    assert_eq!(
        agent(a),
        Tally {
            items: 3,
            open: 0,
            recovered: 3,
            lost: 0,
            recovered_after_contact: 3,
            orders: 1,
            cents: 404_900,
            recover_ms: (16 * HOUR + 5 * MIN) + (32 * HOUR + 5 * MIN) + 9 * HOUR,
            recover_n: 3,
            contacted_resolved: 4
        }
    );
    assert_eq!(agent(a).rate(true), Some(0.75));
    assert_eq!(
        agent(b),
        Tally {
            items: 1,
            open: 1,
            contacted_resolved: 1,
            ..Tally::default()
        }
    );
    assert_eq!(agent(b).rate(true), Some(0.0));
    assert_eq!(
        (sum.uncontacted.recovered, sum.uncontacted.cents),
        (1, 19_900)
    );
}

#[test]
fn the_example_as_of_the_first_midnight() {
    let s = example();
    let items = s.lists("2026-11-12 00:00:00", &FxHashMap::default());
    let tom = s.id("tom");
    let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    let i = find(&items, &format!("lost_inquiry:{tom}:2026-11-11"));
    assert_eq!(
        (i.outcome, i.due_at),
        (Outcome::Open, Some(t("2026-11-12 08:00:00")))
    );
    // Two reminders sent; the close (known then: 24 h after creation) is 11-12 12:10, so the
    // last one is due an hour before it.
    let i = find(&items, "unpaid:O-A1");
    assert_eq!((i.outcome, i.reminders), (Outcome::Open, 2));
    assert_eq!(i.due_at, Some(t("2026-11-12 11:10:00")));
    // The balance's last reminder (an hour before 23:59:59) falls in the quiet hours: moved
    // back to 21:59.
    let i = find(&items, "balance:P1");
    assert_eq!(i.due_at, Some(t("2026-11-13 21:59:00")), "{i:?}");
    assert_eq!(i.outcome, Outcome::Open);
}

#[test]
fn a_contact_noted_by_hand_is_a_contact() {
    let s = example();
    let tom = s.id("tom");
    let b = s.id(B);
    // B phoned jerry on 11-13 (noted on the item); jerry paid for an order on 11-14.
    let mut s2 = s.clone();
    s2.order(
        "O-J",
        "jerry",
        "2026-11-14 10:00:00",
        Some("2026-11-14 10:01:00"),
        None,
        5_000,
    );
    let mut marks = FxHashMap::default();
    let jerry = s2.id("jerry");
    marks.insert(
        format!("lost_inquiry:{jerry}:2026-11-11"),
        (b, t("2026-11-13 09:00:00")),
    );
    let items = s2.lists("2026-11-16 00:00:00", &marks);
    let i = find(&items, &format!("lost_inquiry:{jerry}:2026-11-11"));
    assert_eq!(
        i.outcome,
        Outcome::Recovered {
            at: t("2026-11-14 10:01:00")
        }
    );
    assert_eq!((i.credited, i.recovered_amount), (Some(b), 5_000));
    // A mark after the payment counts for nothing.
    marks.insert(
        format!("lost_inquiry:{tom}:2026-11-11"),
        (b, t("2026-11-12 17:00:00")),
    );
    let items = s2.lists("2026-11-16 00:00:00", &marks);
    assert_eq!(
        find(&items, &format!("lost_inquiry:{tom}:2026-11-11")).credited,
        Some(s.id(A))
    );
}

#[test]
fn of_two_contacts_at_the_same_time_the_smaller_account_name_is_credited() {
    // Names interned in another order than their names sort: 店:z first.
    use Sender::{Agent, Buyer};
    let mut s = Store::default();
    s.msg("店:z", "ann", "2026-11-11 10:00:00", Buyer)
        .msg("店:z", "ann", "2026-11-11 10:01:00", Agent)
        .msg("店:z", "ann", "2026-11-12 09:00:00", Agent)
        .msg("店:a", "ann", "2026-11-12 09:00:00", Agent)
        .order(
            "O-A",
            "ann",
            "2026-11-12 16:00:00",
            Some("2026-11-12 16:05:00"),
            None,
            3_000,
        );
    let key = format!("lost_inquiry:{}:2026-11-11", s.id("ann"));
    let items = s.lists("2026-11-16 00:00:00", &FxHashMap::default());
    assert_eq!(find(&items, &key).credited, Some(s.id("店:a")));
    // A contact noted by hand by an account with no message at all, at the same time, with
    // the smallest name of the three.
    let zero = s.names.intern("店:0");
    let marks = FxHashMap::from_iter([(key.clone(), (zero, t("2026-11-12 09:00:00")))]);
    let items = s.lists("2026-11-16 00:00:00", &marks);
    assert_eq!(find(&items, &key).credited, Some(zero));
}

#[test]
fn reminder_schedule_quiet_hours_and_the_per_buyer_cap() {
    let s = WorklistSettings::default();
    let c = t("2026-11-11 10:00:00");
    let close = c + 24 * HOUR;
    assert_eq!(next_reminder(&s, c, close, &[], &[]), Some(c + 15 * MIN));
    let first = c + 20 * MIN;
    assert_eq!(
        next_reminder(&s, c, close, &[first], &[first]),
        Some(first + 2 * HOUR)
    );
    let second = first + 2 * HOUR;
    assert_eq!(
        next_reminder(&s, c, close, &[first, second], &[first, second]),
        Some(close - HOUR)
    );
    assert_eq!(
        next_reminder(&s, c, close, &[first, second, close - HOUR], &[]),
        None
    );
    // Created at 21:00: the second reminder (23:15) moves to 08:00.
    let c = t("2026-11-11 21:00:00");
    let first = c + 15 * MIN;
    assert_eq!(
        next_reminder(&s, c, c + 24 * HOUR, &[first], &[first]),
        Some(t("2026-11-12 08:00:00"))
    );
    // The buyer had three reminders for other orders in the 24 h before: wait until the
    // oldest is a day old.
    let c = t("2026-11-11 10:00:00");
    let others = [c - 20 * HOUR, c - 10 * HOUR, c - HOUR];
    assert_eq!(
        next_reminder(&s, c, c + 24 * HOUR, &[], &others),
        Some(c - 20 * HOUR + 24 * HOUR)
    );
    let mut one = s.clone();
    one.set("max_reminders_per_day", "1").unwrap();
    // Capped past the close: no reminder left.
    assert_eq!(
        next_reminder(&one, c, c + 2 * HOUR, &[], &[c - 5 * MIN]),
        None
    );
}

#[test]
fn round_robin_cycles_by_name_and_keeps_its_place() {
    assert_eq!(
        round_robin(3, &[7, 9], 1),
        (vec![Some(9), Some(7), Some(9)], 0)
    );
    assert_eq!(round_robin(2, &[], 5), (vec![None, None], 5));
}

#[test]
fn timing_buckets_by_delay_and_hour() {
    let c = t("2026-11-11 10:00:00");
    let r = |after: i64, paid: Option<i64>| Reminded {
        created_at: c,
        reminded_at: c + after,
        paid_at: paid.map(|p| c + p),
    };
    let tm = timing([
        r(3 * MIN, Some(4 * MIN)),
        r(20 * MIN, Some(30 * MIN)),
        r(25 * MIN, None),
        r(3 * HOUR, Some(2 * HOUR)), // paid before the reminder: not a success
        r(30 * HOUR, Some(31 * HOUR)),
    ]);
    assert_eq!((tm.by_delay[0].reminded, tm.by_delay[0].paid), (1, 1));
    assert_eq!((tm.by_delay[2].reminded, tm.by_delay[2].paid), (2, 1));
    assert_eq!(tm.by_delay[2].rate(), Some(0.5));
    assert_eq!((tm.by_delay[5].reminded, tm.by_delay[5].paid), (1, 0));
    assert_eq!((tm.by_delay[8].reminded, tm.by_delay[8].paid), (1, 1));
    assert_eq!(tm.by_hour[10].reminded, 3);
    assert_eq!(tm.by_hour[13].reminded, 1);
    assert_eq!(tm.by_hour[16].reminded, 1);
    assert_eq!(tm.by_delay[1].rate(), None);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn store(rows: &[(u8, u8, u16, u8)], pays: &[(u8, u16, Option<u16>, bool)]) -> Store {
        let mut s = Store::default();
        let senders = [Sender::Buyer, Sender::Agent, Sender::Bot, Sender::Agent];
        let accounts = [A, B, BOT];
        for &(a, b, minute, who) in rows {
            let m = Message {
                time: t("2026-11-10 00:00:00") + minute as i64 * 7 * MIN,
                buyer: s.names.intern(&format!("b{}", b % 4)),
                account: s.names.intern(accounts[a as usize % 3]),
                sender: senders[who as usize % 4],
                transfer_to: None,
                seq: s.messages.len() as u64,
            };
            s.messages.push(m);
        }
        for (i, &(b, minute, paid, closed)) in pays.iter().enumerate() {
            let created = t("2026-11-10 00:00:00") + minute as i64 * 7 * MIN;
            let o = Order {
                order_id: format!("O{i}"),
                buyer: s.names.intern(&format!("b{}", b % 4)),
                created_at: created,
                paid_at: paid.map(|p| created + p as i64 * MIN),
                closed_at: closed.then_some(created + 30 * HOUR),
                amount: 100 + i as i64,
                items: 1,
                presale: None,
                address: None,
            };
            s.orders.push(o);
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any events: no panic, every paid order's cents count once, a recovery lies in its
        /// window, a due time is never quiet, and the lists do not depend on row order.
        #[test]
        fn lists_hold_their_invariants(
            rows in proptest::collection::vec((0u8..3, 0u8..4, 0u16..1500, 0u8..4), 0..60),
            pays in proptest::collection::vec((0u8..4, 0u16..1500, proptest::option::of(0u16..6000), any::<bool>()), 0..12),
            as_of_min in 0u16..2000,
        ) {
            let s = store(&rows, &pays);
            let as_of = crate::time::format_time(t("2026-11-10 00:00:00") + as_of_min as i64 * 7 * MIN);
            let items = s.lists(&as_of, &FxHashMap::default());
            let settings = WorklistSettings::default();
            let mut counted: Vec<&str> = items.iter().filter(|i| i.counts_order).filter_map(|i| i.recovered_order.as_deref()).collect();
            let n = counted.len();
            counted.sort_unstable();
            counted.dedup();
            prop_assert_eq!(n, counted.len());
            for i in &items {
                if let Some(due) = i.due_at {
                    prop_assert!(!settings.is_quiet(due) || i.kind == Kind::Refund, "{:?}", i);
                }
                if let (Outcome::Recovered { at }, Some(exp)) = (i.outcome, i.expires_at) {
                    prop_assert!(at <= exp, "{:?}", i);
                }
                prop_assert!(i.credited.is_none() || i.credited.is_some_and(|c| i.contacts.contains(&c)));
            }
            let mut rev = s.clone();
            // Rows in another order (each message keeping its import position).
            rev.messages.reverse();
            rev.orders.reverse();
            let again = rev.lists(&as_of, &FxHashMap::default());
            let brief = |v: &[Item]| v.iter().map(|i| (i.key.clone(), i.outcome, i.recovered_amount)).collect::<Vec<_>>();
            prop_assert_eq!(brief(&items), brief(&again));
        }

        /// `compute` runs its passes in parallel: on one thread and on four the lists are the
        /// same, item for item.
        #[test]
        fn lists_do_not_depend_on_the_threads(
            rows in proptest::collection::vec((0u8..3, 0u8..4, 0u16..1500, 0u8..4), 0..80),
            pays in proptest::collection::vec((0u8..4, 0u16..1500, proptest::option::of(0u16..6000), any::<bool>()), 0..16),
            as_of_min in 0u16..2000,
        ) {
            let s = store(&rows, &pays);
            let as_of = crate::time::format_time(t("2026-11-10 00:00:00") + as_of_min as i64 * 7 * MIN);
            let on = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| s.lists(&as_of, &FxHashMap::default()))
            };
            prop_assert_eq!(on(1), on(4));
        }
    }
}
