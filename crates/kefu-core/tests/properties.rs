//! Engine invariants over random stores.

mod support;

use kefu_core::engine;
use kefu_core::figures::{ACCOUNT_FIGURES, C, Counters, STORE_FIGURES, Value};
use kefu_core::model::{Message, Order, Sender};
use kefu_core::settings::{Attribution, MetricSettings, ServiceHours};
use proptest::prelude::*;
use support::Store;

const BASE: i64 = 1_762_800_000_000; // 2025-11-10 18:40 local, so that streams cross midnight

fn arb_store() -> impl Strategy<Value = Store> {
    let msg = (0u32..3, 0u32..4, 0i64..3 * 86_400, 0u8..5, any::<bool>());
    let order = (
        0u32..4,
        0i64..3 * 86_400,
        prop::option::of(0i64..20_000),
        any::<bool>(),
        1i64..500_000,
    );
    (
        prop::collection::vec(msg, 0..60),
        prop::collection::vec(order, 0..8),
    )
        .prop_map(|(msgs, orders)| {
            let mut s = Store::default();
            let accounts: Vec<u32> = ["店:小美", "店:阿强", "店小蜜"]
                .iter()
                .map(|a| s.names.intern(a))
                .collect();
            let buyers: Vec<u32> = (0..4)
                .map(|b| s.names.intern(&format!("buyer{b}")))
                .collect();
            for (i, (a, b, secs, sender, transfer)) in msgs.into_iter().enumerate() {
                let sender = Sender::ALL[sender as usize];
                s.messages.push(Message {
                    // Coarse times so that ties within a stream happen.
                    time: BASE + secs / 30 * 30_000,
                    buyer: buyers[b as usize],
                    account: accounts[a as usize],
                    sender,
                    transfer_to: (sender == Sender::System && transfer).then_some(accounts[0]),
                    seq: i as u64,
                });
            }
            for (i, (b, secs, paid_after, closed, amount)) in orders.into_iter().enumerate() {
                let created = BASE + secs * 1000;
                s.orders.push(Order {
                    order_id: format!("O{i}"),
                    buyer: buyers[b as usize],
                    created_at: created,
                    paid_at: paid_after.map(|p| created + p * 1000),
                    closed_at: (closed && paid_after.is_none()).then_some(created + 3_600_000),
                    amount,
                    items: 1 + (amount % 3),
                    address: None,
                    presale: None,
                });
            }
            s
        })
}

fn arb_settings() -> impl Strategy<Value = MetricSettings> {
    (
        0i64..300,
        1u32..3,
        1u32..4,
        0usize..3,
        1i64..100,
        0u32..25,
        prop::sample::select(Attribution::ALL.to_vec()),
    )
        .prop_map(
            |(slow, rounds, window, hours, remind, after_sale, attribution)| MetricSettings {
                slow_response_secs: slow,
                slow_response_rounds: rounds,
                conversion_window_days: window,
                service_hours: ServiceHours::parse(
                    ["08:00-24:00", "00:00-24:00", "22:00-02:00,09:00-12:00"][hours],
                )
                .unwrap(),
                reminder_window_hours: remind,
                after_sale_days: after_sale,
                attribution,
                ..MetricSettings::default()
            },
        )
}

fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    let mut v = v.to_vec();
    let mut x = seed | 1;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

fn rates_in_unit_interval(c: &Counters) -> Result<(), TestCaseError> {
    for f in ACCOUNT_FIGURES.iter().chain(STORE_FIGURES) {
        if let Value::Ratio(Some(x)) = f.value(c) {
            prop_assert!(x.is_finite(), "{} = {x}", f.key);
            if f.key.ends_with("_rate") || f.key.ends_with("_conversion") {
                prop_assert!((0.0..=1.0).contains(&x), "{} = {x}", f.key);
            } else {
                prop_assert!(x >= 0.0, "{} = {x}", f.key);
            }
        }
    }
    Ok(())
}

/// p50 ≤ p90 ≤ the largest first response, both values of the set, and none without values.
fn percentiles_in_order(c: &Counters) -> Result<(), TestCaseError> {
    let v = c.first_responses().to_sorted_vec();
    let (p50, p90) = (
        c.first_responses().percentile_ms(50),
        c.first_responses().percentile_ms(90),
    );
    prop_assert_eq!(v.len() as i64, c.get(C::first_response_n));
    match (p50, p90) {
        (Some(a), Some(b)) => {
            prop_assert!(a <= b && Some(&b) <= v.iter().max());
            prop_assert!(v.contains(&a) && v.contains(&b));
        }
        (None, None) => prop_assert!(v.is_empty()),
        _ => prop_assert!(false, "one percentile without the other"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn row_order_changes_nothing(s in arb_store(), settings in arb_settings(), seed in any::<u64>()) {
        let expected = s.facts(&settings);
        let mut t = s.clone();
        t.messages = shuffled(&s.messages, seed);
        t.orders = shuffled(&s.orders, seed.rotate_left(7));
        prop_assert_eq!(t.facts(&settings), expected);
    }

    #[test]
    fn figures_stay_consistent(s in arb_store(), settings in arb_settings()) {
        let f = s.facts(&settings);
        for c in f.accounts.values() {
            rates_in_unit_interval(c)?;
            prop_assert!(c.get(C::served) + c.get(C::unreplied) <= c.get(C::consulted));
            prop_assert!(c.get(C::paid) <= c.get(C::ordered) && c.get(C::ordered) <= c.get(C::inquiries));
            prop_assert!(c.get(C::inquiries) <= c.get(C::consulted));
            prop_assert!(c.get(C::reminder_success) <= c.get(C::reminded_orders));
            // v2: every consulted reception is an inquiry or after-sale, never both
            prop_assert_eq!(c.get(C::inquiries) + c.get(C::after_sales), c.get(C::consulted));
            prop_assert!(c.get(C::tb_wait_ms) <= 600_000 * c.get(C::tb_rounds));
            // Platform profiles: numerators within denominators, at most one person per
            // consulted reception, one session per counted round.
            prop_assert!(c.get(C::pdd_within_30s) <= c.get(C::pdd_within_3min));
            prop_assert!(c.get(C::pdd_within_3min) <= c.get(C::pdd_receptions));
            prop_assert!(c.get(C::pdd_receptions) <= c.get(C::consulted));
            prop_assert!(c.get(C::jd_within_30s) <= c.get(C::jd_sessions));
            prop_assert!(c.get(C::jd_sessions) <= c.get(C::rounds));
            prop_assert!(c.get(C::dy_work_within_3min) <= c.get(C::dy_work_sessions));
            prop_assert!(c.get(C::dy_work_within_3min) <= c.get(C::dy_within_3min));
            prop_assert!(c.get(C::dy_within_3min) <= c.get(C::dy_sessions));
            prop_assert!(c.get(C::dy_work_sessions) <= c.get(C::dy_sessions));
            percentiles_in_order(c)?;
        }
        let store: Counters = f.accounts.values().chain(f.store.values()).sum();
        rates_in_unit_interval(&store)?;
        percentiles_in_order(&store)?;
        // a buyer-day is counted once however many accounts it wrote to
        prop_assert!(store.get(C::buyers) <= store.get(C::consulted));
        // Every paid order is either attributed to some reception or silent: account sales plus
        // silent sales make the store total (with a one-day window nothing spills out of range).
        if settings.conversion_window_days == 1 {
            prop_assert_eq!(store.get(C::paid_orders) + store.get(C::silent_orders), store.get(C::total_orders));
            prop_assert_eq!(store.get(C::sales_cents) + store.get(C::silent_sales_cents), store.get(C::total_sales_cents));
        }
        // An order is attributed to at most one reception.
        let a = engine::analyze(&s.view(), &settings);
        let attributed = a.orders.iter().filter(|o| o.attributed.is_some()).count() as u32;
        prop_assert_eq!(a.receptions.iter().map(|r| r.attributed_orders).sum::<u32>(), attributed);
    }

    /// The platform profiles' figures use fixed wall-clock windows and people's replies only:
    /// no setting changes them.
    #[test]
    fn platform_profile_figures_ignore_the_settings(s in arb_store(), settings in arb_settings()) {
        const PROFILE: [C; 9] = [
            C::pdd_receptions, C::pdd_within_3min, C::pdd_within_30s, C::jd_sessions,
            C::jd_within_30s, C::dy_sessions, C::dy_within_3min, C::dy_work_sessions,
            C::dy_work_within_3min,
        ];
        let (a, b) = (s.facts(&settings), s.facts(&MetricSettings::default()));
        let keys: std::collections::BTreeSet<_> = a.accounts.keys().chain(b.accounts.keys()).collect();
        for k in keys {
            let zero = Counters::default();
            let (x, y) = (a.accounts.get(k).unwrap_or(&zero), b.accounts.get(k).unwrap_or(&zero));
            for c in PROFILE {
                prop_assert_eq!(x.get(c), y.get(c), "{:?} {:?}", k, c);
            }
        }
    }

    #[test]
    fn store_figures_are_sums_of_days_and_of_accounts(s in arb_store(), settings in arb_settings()) {
        let f = s.facts(&settings);
        let by_account: Counters = f.accounts.values().sum();
        let mut by_day = std::collections::BTreeMap::new();
        for (&(_, d), c) in &f.accounts {
            *by_day.entry(d).or_insert_with(Counters::default) += c;
        }
        let summed: Counters = by_day.values().sum();
        prop_assert_eq!(summed, by_account);
    }
}
