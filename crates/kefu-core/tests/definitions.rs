//! The spec's worked example and one hand-checked case per definition of `metrics.md`.

mod support;

use kefu_core::settings::{Attribution, MetricSettings, ServiceHours};
use support::*;

fn defaults() -> MetricSettings {
    MetricSettings::default()
}

/// §6, line by line.
fn worked_example() -> Store {
    let mut s = Store::default();
    s.msg("店:小美", "tom", "2026-11-11 09:00:00", "buyer")
        .msg("店:小美", "tom", "2026-11-11 09:00:20", "auto")
        .msg("店:小美", "tom", "2026-11-11 09:00:30", "buyer")
        .msg("店:小美", "tom", "2026-11-11 09:01:40", "agent")
        .msg("店:小美", "tom", "2026-11-11 09:02:00", "buyer")
        .msg("店:小美", "tom", "2026-11-11 09:02:30", "agent")
        .order(
            "O1",
            "tom",
            "2026-11-11 09:10:00",
            Some("2026-11-11 09:12:00"),
            None,
            3999,
        );
    s
}

#[test]
fn worked_example_figures() {
    let s = worked_example();
    let c = s.account(&defaults(), "店:小美");
    assert_eq!(count(&c, "consulted"), 1);
    assert_eq!(count(&c, "served"), 1);
    assert_eq!(count(&c, "inquiries"), 1);
    assert_eq!(ratio(&c, "avg_first_response_secs"), Some(100.0));
    assert_eq!(count(&c, "rounds"), 2);
    assert_eq!(ratio(&c, "avg_response_secs"), Some(65.0));
    assert_eq!(ratio(&c, "answer_question_ratio"), Some(2.0 / 3.0));
    assert_eq!(ratio(&c, "avg_duration_secs"), Some(150.0));
    assert_eq!(count(&c, "ordered"), 1);
    assert_eq!(count(&c, "paid"), 1);
    assert_eq!(count(&c, "sales"), 399_900);
    assert_eq!(count(&c, "slow"), 0);
    assert_eq!(ratio(&c, "reply_rate"), Some(1.0));
    let tight = MetricSettings {
        slow_response_secs: 90,
        ..defaults()
    };
    assert_eq!(count(&s.account(&tight, "店:小美"), "slow"), 1);
}

#[test]
fn worked_example_order_before_asking() {
    let mut s = worked_example();
    s.orders[0].created_at = t("2026-11-11 08:55:00");
    let c = s.account(&defaults(), "店:小美");
    assert_eq!(count(&c, "inquiries"), 0);
    assert_eq!(
        count(&c, "after_sales"),
        1,
        "v2: bought before, nothing attributed"
    );
    assert_eq!(count(&c, "sales"), 0);
    let store = s.store(&defaults());
    assert_eq!(count(&store, "silent_orders"), 1);
    assert_eq!(count(&store, "silent_sales"), 399_900);
    assert_eq!(count(&store, "total_sales"), 399_900);
}

/// §6 (v2): an order of ten days before does not make the reception after-sale when the
/// reception's own order is attributed to it.
#[test]
fn worked_example_bought_before_and_again() {
    let mut s = worked_example();
    s.order(
        "O0",
        "tom",
        "2026-11-01 12:00:00",
        Some("2026-11-01 12:01:00"),
        None,
        100,
    );
    let c = s.account(&defaults(), "店:小美");
    assert_eq!(count(&c, "inquiries"), 1);
    assert_eq!(count(&c, "after_sales"), 0);
    assert_eq!(count(&c, "paid"), 1);
}

/// §2 after-sale: the window of `after_sale_days` days, and what is not after-sale.
#[test]
fn after_sale_receptions() {
    let mut s = Store::default();
    // bought on the 1st, asks on the 22nd (21 days later) without buying: after-sale
    s.order(
        "O1",
        "b",
        "2026-11-01 23:00:00",
        Some("2026-11-01 23:01:00"),
        None,
        100,
    )
    .msg("a", "b", "2026-11-22 10:00:00", "buyer")
    .msg("a", "b", "2026-11-22 10:00:30", "agent")
    // asks again on the 23rd: 22 days later, an inquiry again
    .msg("a", "b", "2026-11-23 10:00:00", "buyer")
    .msg("a", "b", "2026-11-23 10:00:30", "agent");
    let f = s.facts(&defaults());
    let a = s.names.get("a").unwrap();
    let d22 = &f.accounts[&(a, day("2026-11-22"))];
    let d23 = &f.accounts[&(a, day("2026-11-23"))];
    assert_eq!((count(d22, "after_sales"), count(d22, "inquiries")), (1, 0));
    assert_eq!((count(d23, "after_sales"), count(d23, "inquiries")), (0, 1));
    // after_sale_days = 0 looks at the day itself only
    let same_day = MetricSettings {
        after_sale_days: 0,
        ..defaults()
    };
    let c = s.account(&same_day, "a");
    assert_eq!(count(&c, "after_sales"), 0);
    // An unpaid (or closed) order is an order placed all the same; an order at exactly the
    // first buyer time is not before it.
    let mut s = Store::default();
    s.order("O1", "b", "2026-11-11 09:00:00", None, None, 100)
        .order(
            "O2",
            "c",
            "2026-11-11 08:00:00",
            None,
            Some("2026-11-11 08:30:00"),
            100,
        )
        .msg("a", "b", "2026-11-11 09:00:00", "buyer")
        .msg("a", "b", "2026-11-11 09:00:30", "agent")
        .msg("a", "c", "2026-11-11 09:00:00", "buyer")
        .msg("a", "c", "2026-11-11 09:00:30", "agent");
    let c = s.account(&defaults(), "a");
    assert_eq!(count(&c, "after_sales"), 1);
    assert_eq!(count(&c, "inquiries"), 1);
}

/// §5 (v2): exact nearest-rank percentiles, Taobao's 人工平响 and the store's buyers.
#[test]
fn percentiles_taobao_response_and_store_buyers() {
    let mut s = Store::default();
    // first responses 10, 20, ..., 100 s for ten buyers of account a
    for i in 1..=10 {
        let buyer = format!("b{i}");
        s.msg("a", &buyer, "2026-11-11 10:00:00", "buyer");
        s.msg(
            "a",
            &buyer,
            &format!("2026-11-11 10:{:02}:{:02}", i * 10 / 60, i * 10 % 60),
            "agent",
        );
    }
    let c = s.account(&defaults(), "a");
    assert_eq!(ratio(&c, "first_response_p50_secs"), Some(50.0));
    assert_eq!(ratio(&c, "first_response_p90_secs"), Some(90.0));
    // Taobao: 08:00-23:00 on the wall clock; waits capped at 600 s, unanswered rounds 600 s,
    // transferred rounds 600 s.
    let mut s = Store::default();
    s.msg("a", "x", "2026-11-11 07:59:00", "buyer") // before 08:00: left out
        .msg("a", "x", "2026-11-11 08:30:00", "agent")
        .msg("a", "x", "2026-11-11 09:00:00", "buyer") // 1200 s → 600
        .msg("a", "x", "2026-11-11 09:20:00", "agent")
        .msg("a", "x", "2026-11-11 10:00:00", "buyer") // 60 s
        .msg("a", "x", "2026-11-11 10:01:00", "agent")
        .msg("a", "y", "2026-11-11 11:00:00", "buyer") // transferred: 600
        .transfer("a", "y", "2026-11-11 11:00:05", "b")
        .msg("a", "z", "2026-11-11 22:59:59", "buyer") // unanswered: 600
        .msg("a", "w", "2026-11-11 23:00:00", "buyer") // 23:00 excluded
        .msg("a", "w", "2026-11-11 23:00:10", "agent");
    let c = s.account(&defaults(), "a");
    assert_eq!(
        ratio(&c, "tb_avg_response_secs"),
        Some((600.0 + 60.0 + 600.0 + 600.0) / 4.0)
    );
    // buyers: a buyer passed from the bot to a person is one buyer of the store
    let mut s = Store::default();
    s.msg("店小蜜", "b", "2026-11-11 10:00:00", "buyer")
        .transfer("店小蜜", "b", "2026-11-11 10:00:10", "店:小美")
        .msg("店:小美", "b", "2026-11-11 10:00:12", "buyer")
        .msg("店:小美", "b", "2026-11-11 10:00:40", "agent")
        .msg("店:小美", "c", "2026-11-11 10:00:12", "buyer")
        .msg("店:小美", "b", "2026-11-12 10:00:12", "buyer");
    let store = s.store(&defaults());
    assert_eq!(count(&store, "consulted"), 4);
    assert_eq!(
        count(&store, "buyers"),
        3,
        "b on the 11th, c, b on the 12th"
    );
}

#[test]
fn round_across_midnight_belongs_to_its_opening_day() {
    let mut s = Store::default();
    s.msg("a", "b", "2026-11-10 23:59:00", "buyer")
        .msg("a", "b", "2026-11-11 00:00:30", "buyer")
        .msg("a", "b", "2026-11-11 00:01:00", "agent");
    let f = s.facts(&defaults());
    let a = s.names.get("a").unwrap();
    let d10 = &f.accounts[&(a, day("2026-11-10"))];
    let d11 = &f.accounts[&(a, day("2026-11-11"))];
    // The round opened on the 10th: its response and round count are the 10th's. The wait is
    // 120 s, of which 60 s lie in the default service hours (08:00-24:00).
    assert_eq!(count(d10, "rounds"), 1);
    assert_eq!(ratio(d10, "avg_first_response_secs"), Some(60.0));
    assert_eq!(count(d10, "served"), 1);
    // The 11th's reception touches the same round: served, not unreplied, but no round of its own.
    assert_eq!(count(d11, "rounds"), 0);
    assert_eq!(count(d11, "served"), 1);
    assert_eq!(count(d11, "unreplied"), 0);
    assert_eq!(ratio(d11, "avg_first_response_secs"), None);
    assert_eq!(count(d11, "consulted"), 1);
}

#[test]
fn transfer_closes_the_round_and_leaves_response_figures() {
    let mut s = Store::default();
    s.msg("店小蜜", "b", "2026-11-11 10:00:00", "buyer")
        .transfer("店小蜜", "b", "2026-11-11 10:00:10", "店:小美")
        .msg("店:小美", "b", "2026-11-11 10:00:12", "buyer")
        .msg("店:小美", "b", "2026-11-11 10:00:40", "agent");
    let bot = s.account(&defaults(), "店小蜜");
    assert_eq!(count(&bot, "consulted"), 1);
    assert_eq!(count(&bot, "served"), 0);
    assert_eq!(
        count(&bot, "unreplied"),
        0,
        "a transferred round is handled"
    );
    assert_eq!(count(&bot, "rounds"), 0);
    assert_eq!(ratio(&bot, "avg_response_secs"), None);
    assert_eq!(ratio(&bot, "answered_within_3min_rate"), None);
    let human = s.account(&defaults(), "店:小美");
    assert_eq!(ratio(&human, "avg_first_response_secs"), Some(28.0));
}

#[test]
fn auto_and_system_messages_never_answer() {
    let mut s = Store::default();
    s.msg("a", "b", "2026-11-11 10:00:00", "buyer")
        .msg("a", "b", "2026-11-11 10:00:01", "auto")
        .msg("a", "b", "2026-11-11 10:00:02", "system")
        .msg("a", "b", "2026-11-11 10:05:00", "bot");
    let c = s.account(&defaults(), "a");
    assert_eq!(ratio(&c, "avg_first_response_secs"), Some(300.0));
    assert_eq!(count(&c, "slow"), 1);
    assert_eq!(
        ratio(&c, "answer_question_ratio"),
        Some(0.0),
        "bot messages are not agent messages"
    );
}

#[test]
fn unanswered_round_makes_the_reception_unreplied() {
    let mut s = Store::default();
    s.msg("a", "b", "2026-11-11 10:00:00", "buyer")
        .msg("a", "b", "2026-11-11 10:00:05", "auto");
    let c = s.account(&defaults(), "a");
    assert_eq!(count(&c, "unreplied"), 1);
    assert_eq!(ratio(&c, "reply_rate"), Some(0.0));
    assert_eq!(count(&c, "rounds"), 1);
    assert_eq!(ratio(&c, "answered_within_3min_rate"), Some(0.0));
    assert_eq!(ratio(&c, "avg_duration_secs"), None, "not served");
}

/// §1 (v2): response times run on the service clock; no round is left out.
#[test]
fn response_times_run_on_the_service_clock() {
    let mut s = Store::default();
    s.msg("a", "b", "2026-11-11 07:00:00", "buyer")
        .msg("a", "b", "2026-11-11 07:10:00", "agent")
        .msg("a", "b", "2026-11-11 09:00:00", "buyer")
        .msg("a", "b", "2026-11-11 09:00:50", "agent")
        // 07:50 → 08:01: 60 s of service time (§6)
        .msg("a", "c", "2026-11-11 07:50:00", "buyer")
        .msg("a", "c", "2026-11-11 08:01:00", "agent")
        // 23:59:30 → 08:00:10 the next day: 40 s
        .msg("a", "d", "2026-11-10 23:59:30", "buyer")
        .msg("a", "d", "2026-11-11 08:00:10", "agent");
    let c = s.account(&defaults(), "a");
    assert_eq!(count(&c, "rounds"), 4);
    // first responses: b 0 s (all outside service hours), c 60 s, d 40 s
    assert_eq!(ratio(&c, "avg_first_response_secs"), Some(100.0 / 3.0));
    assert_eq!(ratio(&c, "avg_response_secs"), Some(150.0 / 4.0));
    assert_eq!(count(&c, "slow"), 0);
    // The three-minute rate has its own fixed 08:00-24:00 window on the wall clock.
    assert_eq!(ratio(&c, "answered_within_3min_rate"), Some(1.0 / 2.0));
    let all_day = MetricSettings {
        service_hours: ServiceHours::all_day(),
        ..defaults()
    };
    let c = s.account(&all_day, "a");
    assert_eq!(
        ratio(&c, "avg_first_response_secs"),
        Some((600.0 + 660.0 + 28_840.0) / 3.0)
    );
    assert_eq!(ratio(&c, "answered_within_3min_rate"), Some(1.0 / 2.0));
    assert_eq!(count(&c, "slow"), 3);
}

#[test]
fn slow_needs_enough_slow_rounds() {
    let mut s = Store::default();
    s.msg("a", "b", "2026-11-11 10:00:00", "buyer")
        .msg("a", "b", "2026-11-11 10:01:00", "agent")
        .msg("a", "b", "2026-11-11 10:02:00", "buyer")
        .msg("a", "b", "2026-11-11 10:03:00", "agent");
    let tight = MetricSettings {
        slow_response_secs: 30,
        slow_response_rounds: 2,
        ..defaults()
    };
    assert_eq!(count(&s.account(&tight, "a"), "slow"), 1);
    let three = MetricSettings {
        slow_response_rounds: 3,
        ..tight
    };
    assert_eq!(count(&s.account(&three, "a"), "slow"), 0);
}

#[test]
fn attribution_last_touch_window_and_ties() {
    let mut s = Store::default();
    // Day 10: a answers at 20:00. Day 11: b answers at 09:00 and c at 09:00 too (tie).
    s.msg("a", "x", "2026-11-10 19:59:00", "buyer")
        .msg("a", "x", "2026-11-10 20:00:00", "agent")
        .msg("c", "x", "2026-11-11 08:59:00", "buyer")
        .msg("c", "x", "2026-11-11 09:00:00", "agent")
        .msg("b", "x", "2026-11-11 08:58:00", "buyer")
        .msg("b", "x", "2026-11-11 09:00:00", "agent")
        .order(
            "O1",
            "x",
            "2026-11-11 09:00:00",
            Some("2026-11-11 09:30:00"),
            None,
            100,
        );
    // Same answer time: the smaller account name wins.
    assert_eq!(count(&s.account(&defaults(), "b"), "sales"), 10_000);
    assert_eq!(count(&s.account(&defaults(), "c"), "sales"), 0);
    // An order before any answer of the day is silent with a one-day window...
    let mut early = s.clone();
    early.orders[0].created_at = t("2026-11-11 08:00:00");
    assert_eq!(count(&early.store(&defaults()), "silent_orders"), 1);
    // ...and goes to the previous day's reception with a two-day window.
    let two = MetricSettings {
        conversion_window_days: 2,
        ..defaults()
    };
    assert_eq!(count(&early.account(&two, "a"), "sales"), 10_000);
    assert_eq!(count(&early.store(&two), "silent_orders"), 0);
}

/// §3 attribution modes: the worked example of `docs/metrics.md` ("Attribution modes").
fn attribution_modes_case() -> Store {
    let mut s = Store::default();
    s.msg("a", "x", "2026-11-10 19:59:00", "buyer")
        .msg("a", "x", "2026-11-10 20:00:00", "agent")
        .msg("b", "x", "2026-11-11 09:59:00", "buyer")
        .msg("b", "x", "2026-11-11 10:00:00", "agent")
        // Placed after a's answer, paid the next day after b's.
        .order(
            "O1",
            "x",
            "2026-11-10 21:00:00",
            Some("2026-11-11 10:30:00"),
            None,
            100,
        )
        // Placed before any answer of its day, paid after b's.
        .order(
            "O2",
            "x",
            "2026-11-11 09:00:00",
            Some("2026-11-11 10:30:00"),
            None,
            50,
        )
        // Unpaid: placed after b's answer; every mode attributes it by its creation.
        .order("O3", "x", "2026-11-11 11:00:00", None, None, 20);
    s
}

fn mode(attribution: Attribution) -> MetricSettings {
    MetricSettings {
        attribution,
        ..defaults()
    }
}

#[test]
fn attribution_mode_order_is_the_default() {
    let s = attribution_modes_case();
    assert_eq!(defaults().attribution, Attribution::Order);
    let m = mode(Attribution::Order);
    // O1 → a by its creation; O2 is silent; O3 → b (unpaid: no sales).
    assert_eq!(count(&s.account(&m, "a"), "sales"), 10_000);
    assert_eq!(count(&s.account(&m, "b"), "sales"), 0);
    assert_eq!(count(&s.account(&m, "a"), "paid_orders"), 1);
    assert_eq!(count(&s.store(&m), "silent_orders"), 1);
    assert_eq!(s.facts(&m), s.facts(&defaults()));
}

#[test]
fn attribution_mode_payment() {
    let s = attribution_modes_case();
    let m = mode(Attribution::Payment);
    // O1 and O2 → b by their payment time; O3 (unpaid) → b by its creation.
    assert_eq!(count(&s.account(&m, "a"), "sales"), 0);
    assert_eq!(count(&s.account(&m, "b"), "sales"), 15_000);
    assert_eq!(count(&s.account(&m, "b"), "paid_orders"), 2);
    assert_eq!(count(&s.store(&m), "silent_orders"), 0);
    // A paid order with no touch before its payment is silent, whatever its creation saw.
    let mut late = s.clone();
    for o in &mut late.orders {
        if o.paid_at.is_some() {
            o.paid_at = Some(t("2026-11-11 09:30:00"));
        }
    }
    assert_eq!(count(&late.store(&m), "silent_orders"), 2);
    assert_eq!(count(&late.account(&m, "a"), "sales"), 0);
}

#[test]
fn attribution_mode_order_first() {
    let s = attribution_modes_case();
    let m = mode(Attribution::OrderFirst);
    // O1 keeps its creation's result (a); O2 has none and takes its payment's (b).
    assert_eq!(count(&s.account(&m, "a"), "sales"), 10_000);
    assert_eq!(count(&s.account(&m, "b"), "sales"), 5_000);
    assert_eq!(count(&s.store(&m), "silent_orders"), 0);
}

#[test]
fn answer_shared_by_two_days_goes_to_the_later_day() {
    let mut s = Store::default();
    s.msg("a", "x", "2026-11-10 23:59:00", "buyer")
        .msg("a", "x", "2026-11-11 00:00:10", "buyer")
        .msg("a", "x", "2026-11-11 00:01:00", "agent")
        .order(
            "O1",
            "x",
            "2026-11-11 00:05:00",
            Some("2026-11-11 00:06:00"),
            None,
            50,
        );
    let two = MetricSettings {
        conversion_window_days: 2,
        ..defaults()
    };
    let f = s.facts(&two);
    let a = s.names.get("a").unwrap();
    assert_eq!(count(&f.accounts[&(a, day("2026-11-11"))], "sales"), 5_000);
    assert_eq!(count(&f.accounts[&(a, day("2026-11-10"))], "sales"), 0);
}

#[test]
fn inquiry_versus_after_sale() {
    let mut s = Store::default();
    s.order(
        "O0",
        "x",
        "2026-11-11 09:00:00",
        Some("2026-11-11 09:01:00"),
        None,
        10,
    )
    .msg("a", "x", "2026-11-11 09:00:00", "buyer")
    .msg("a", "x", "2026-11-11 09:00:30", "agent")
    .order(
        "O1",
        "y",
        "2026-11-11 08:00:00",
        Some("2026-11-11 08:01:00"),
        None,
        10,
    )
    .msg("a", "y", "2026-11-11 09:00:00", "buyer")
    .msg("a", "y", "2026-11-11 09:00:30", "agent");
    let c = s.account(&defaults(), "a");
    // x ordered at exactly the first buyer time: still an inquiry. y ordered before asking.
    assert_eq!(count(&c, "inquiries"), 1);
    assert_eq!(count(&c, "consulted"), 2);
}

#[test]
fn reminders() {
    let mut s = Store::default();
    s.order(
        "O1",
        "x",
        "2026-11-11 10:00:00",
        Some("2026-11-12 09:00:00"),
        None,
        20,
    )
    .msg("b", "x", "2026-11-11 10:00:00", "agent") // not after created_at
    .msg("b", "x", "2026-11-11 11:00:00", "agent")
    .msg("a", "x", "2026-11-11 11:00:00", "agent") // same time: smaller name wins
    .order(
        "O2",
        "y",
        "2026-11-11 10:00:00",
        None,
        Some("2026-11-11 12:00:00"),
        30,
    )
    .msg("a", "y", "2026-11-11 12:00:00", "agent") // not before closed_at
    .order("O3", "z", "2026-11-11 10:00:00", None, None, 40)
    .msg("a", "z", "2026-11-14 10:00:01", "agent") // outside 72 h
    .order("O4", "w", "2026-11-11 10:00:00", None, None, 40)
    .msg("b", "w", "2026-11-14 10:00:00", "agent"); // exactly 72 h: within
    let a = s.account(&defaults(), "a");
    assert_eq!(count(&a, "reminded_orders"), 1);
    assert_eq!(count(&a, "reminder_success"), 1);
    assert_eq!(count(&a, "reminder_sales"), 2_000);
    let b = s.account(&defaults(), "b");
    assert_eq!(count(&b, "reminded_orders"), 1);
    assert_eq!(count(&b, "reminder_success"), 0);
    let f = s.facts(&defaults());
    let bid = s.names.get("b").unwrap();
    assert_eq!(
        count(&f.accounts[&(bid, day("2026-11-14"))], "reminded_orders"),
        1,
        "counted on the reminder's day"
    );
}

#[test]
fn ratings_and_refunds() {
    let mut s = Store::default();
    s.rating("a", "x", "2026-11-11 10:00:00", 5)
        .rating("a", "y", "2026-11-11 11:00:00", 3)
        .refund(
            Some("a"),
            "x",
            "2026-11-11 10:00:00",
            Some("2026-11-11 12:00:00"),
        )
        .refund(Some("a"), "y", "2026-11-11 10:00:00", None)
        .refund(None, "z", "2026-11-11 10:00:00", None);
    let c = s.account(&defaults(), "a");
    assert_eq!(count(&c, "ratings"), 2);
    assert_eq!(ratio(&c, "satisfaction_rate"), Some(0.5));
    assert_eq!(count(&c, "refunds"), 2);
    assert_eq!(ratio(&c, "avg_refund_secs"), Some(7200.0));
    assert_eq!(
        count(&s.store(&defaults()), "refunds"),
        2,
        "unhandled refunds count for nobody"
    );
}

#[test]
fn undefined_rates_are_none() {
    let s = Store::default();
    let c = s.store(&defaults());
    for key in [
        "reply_rate",
        "inquiry_conversion",
        "avg_order_value",
        "avg_first_response_secs",
        "satisfaction_rate",
    ] {
        assert_eq!(ratio(&c, key), None, "{key}");
    }
}

/// Platform profiles: 拼多多's 3分钟人工回复率 and 30秒应答率 (8–23点), by person: each buyer-day's
/// first question of 08:00–23:00 that needs a person, answered by an agent within 180 s / 30 s.
#[test]
fn pdd_rates_take_each_buyers_first_question_for_a_person() {
    let mut s = Store::default();
    s.msg("a", "b1", "2026-11-11 07:30:00", "buyer") // before 08:00: not this rule's
        .msg("a", "b1", "2026-11-11 07:31:00", "agent")
        .msg("a", "b1", "2026-11-11 09:00:00", "buyer") // first in the window: 25 s
        .msg("a", "b1", "2026-11-11 09:00:25", "agent")
        .msg("a", "b2", "2026-11-11 10:00:00", "buyer") // the bot answers: no person needed
        .msg("a", "b2", "2026-11-11 10:00:05", "bot")
        .msg("a", "b2", "2026-11-11 10:01:00", "buyer") // first for a person: 120 s
        .msg("a", "b2", "2026-11-11 10:03:00", "agent")
        .msg("a", "b3", "2026-11-11 11:00:00", "buyer") // 240 s
        .msg("a", "b3", "2026-11-11 11:04:00", "agent")
        .msg("a", "b4", "2026-11-11 12:00:00", "buyer") // handed over: not a's to answer
        .transfer("a", "b4", "2026-11-11 12:00:10", "c")
        .msg("a", "b5", "2026-11-11 22:59:00", "buyer") // never answered
        .msg("a", "b6", "2026-11-11 23:00:00", "buyer") // 23:00 is outside
        .msg("a", "b6", "2026-11-11 23:00:10", "agent");
    let c = s.account(&defaults(), "a");
    // b1, b2, b3, b5 needed a person; b1 (25 s) and b2 (120 s) within 3 min, b1 within 30 s.
    assert_eq!(count(&c, "consulted"), 6);
    assert_eq!(ratio(&c, "pdd_3min_rate"), Some(2.0 / 4.0));
    assert_eq!(ratio(&c, "pdd_30s_rate"), Some(1.0 / 4.0));
    // The wall clock, whatever the service hours.
    let all_day = MetricSettings {
        service_hours: ServiceHours::all_day(),
        ..defaults()
    };
    assert_eq!(ratio(&s.account(&all_day, "a"), "pdd_3min_rate"), Some(0.5));
    // Nobody asked a person anything: undefined, not 0.
    let mut bot_only = Store::default();
    bot_only.msg("a", "x", "2026-11-11 10:00:00", "buyer").msg(
        "a",
        "x",
        "2026-11-11 10:00:02",
        "bot",
    );
    assert_eq!(
        ratio(&bot_only.account(&defaults(), "a"), "pdd_3min_rate"),
        None
    );
}

/// 京东's 30秒应答率: by session (a round opened at least 10 minutes after the stream's previous
/// message starts one), sessions started 09:00–23:00, the first answer by a person ≤ 30 s.
#[test]
fn jd_rate_counts_sessions_by_their_start() {
    let mut s = Store::default();
    s.msg("a", "x", "2026-11-11 08:56:00", "buyer") // started 08:56: not counted (JD's example)
        .msg("a", "x", "2026-11-11 09:01:00", "agent")
        .msg("a", "x", "2026-11-11 09:05:00", "buyer") // 4 min later: the same session
        .msg("a", "x", "2026-11-11 09:05:10", "agent")
        .msg("a", "x", "2026-11-11 09:30:00", "buyer") // 25 min later: a new session, 20 s
        .msg("a", "x", "2026-11-11 09:30:20", "agent")
        .msg("a", "y", "2026-11-11 10:00:00", "buyer") // 45 s
        .msg("a", "y", "2026-11-11 10:00:45", "agent")
        .msg("a", "y", "2026-11-11 10:05:00", "buyer") // same session
        .msg("a", "y", "2026-11-11 10:05:05", "agent")
        .msg("a", "z", "2026-11-11 11:00:00", "buyer") // the bot's session: no person needed
        .msg("a", "z", "2026-11-11 11:00:10", "bot")
        .msg("a", "w", "2026-11-11 22:59:50", "buyer") // never answered
        .msg("a", "v", "2026-11-11 23:00:00", "buyer") // 23:00 is outside
        .msg("a", "v", "2026-11-11 23:00:05", "agent");
    let c = s.account(&defaults(), "a");
    assert_eq!(ratio(&c, "jd_30s_rate"), Some(1.0 / 3.0));
    let a = kefu_core::engine::analyze(&s.view(), &defaults());
    let starts: Vec<bool> = a.rounds.iter().map(|r| r.starts_session).collect();
    // Streams in the order their names were first seen: x (08:56, 09:05, 09:30), y (10:00,
    // 10:05), z, w, v.
    assert_eq!(starts, [true, false, true, true, false, true, true, true]);
}

/// 抖店's 工作时间 (08:00–23:00) and 全天 3分钟回复率: by session, a session in time when every
/// round of it that needs a person was answered by an agent within 180 s.
#[test]
fn douyin_rates_need_every_round_of_a_session_in_time() {
    let mut s = Store::default();
    s.msg("a", "p", "2026-11-11 10:00:00", "buyer") // 120 s, then 240 s: the session fails
        .msg("a", "p", "2026-11-11 10:02:00", "agent")
        .msg("a", "p", "2026-11-11 10:03:00", "buyer")
        .msg("a", "p", "2026-11-11 10:07:00", "agent")
        .msg("a", "q", "2026-11-11 10:00:00", "buyer") // 30 s
        .msg("a", "q", "2026-11-11 10:00:30", "agent")
        .msg("a", "q", "2026-11-11 10:20:00", "buyer") // a new session: 60 s
        .msg("a", "q", "2026-11-11 10:21:00", "agent")
        .msg("a", "r", "2026-11-11 07:00:00", "buyer") // before working hours: all day only
        .msg("a", "r", "2026-11-11 07:01:00", "agent")
        .msg("a", "s", "2026-11-11 12:00:00", "buyer") // the bot's alone: not counted
        .msg("a", "s", "2026-11-11 12:00:05", "bot")
        .msg("a", "s", "2026-11-11 12:01:00", "buyer")
        .msg("a", "s", "2026-11-11 12:01:30", "bot")
        .msg("a", "u", "2026-11-11 13:00:00", "buyer") // the bot, then a person after 240 s
        .msg("a", "u", "2026-11-11 13:00:05", "bot")
        .msg("a", "u", "2026-11-11 13:01:00", "buyer")
        .msg("a", "u", "2026-11-11 13:05:00", "agent")
        .msg("a", "t", "2026-11-11 22:59:00", "buyer"); // never answered
    let c = s.account(&defaults(), "a");
    // working hours: p, q, q, u, t; in time: q, q
    assert_eq!(ratio(&c, "dy_3min_rate"), Some(2.0 / 5.0));
    // all day: and r, in time
    assert_eq!(ratio(&c, "dy_3min_rate_all_day"), Some(3.0 / 6.0));
}
