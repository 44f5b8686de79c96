use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::HashMap;

use super::*;
use crate::live::{RecentRating, SlowRound, WaitingBuyer};
use crate::time::Day;

/// 2026-12-03 at `h:m:s`, store-local.
fn at(h: i64, m: i64, s: i64) -> Millis {
    Day::from_ymd(2026, 12, 3).map_or(0, Day::start) + h * HOUR_MS + m * MINUTE_MS + s * SECOND_MS
}

fn waiting(account: &str, buyer: &str, since: Millis) -> WaitingBuyer {
    WaitingBuyer {
        account: account.into(),
        buyer: buyer.into(),
        since,
    }
}

fn slow(account: &str, answered_at: Millis) -> SlowRound {
    SlowRound {
        account: account.into(),
        buyer: "b".into(),
        answered_at,
        wait_ms: 200_000,
    }
}

fn rating(account: &str, buyer: &str, t: Millis, score: u8) -> RecentRating {
    RecentRating {
        account: account.into(),
        buyer: buyer.into(),
        at: t,
        score,
    }
}

/// Only `kind` on, with the given settings.
fn only(kind: RuleKind, edits: &[(&str, &str)]) -> AlertRules {
    let mut rules = AlertRules::default();
    rules.set(&format!("{kind}_on"), "true").unwrap();
    for (k, v) in edits {
        rules.set(&format!("{kind}_{k}"), v).unwrap();
    }
    rules
}

fn keys(alerts: &[Alert]) -> Vec<&str> {
    alerts.iter().map(|a| a.key.as_str()).collect()
}

#[test]
fn a_buyer_waiting_longer_than_n_seconds_alerts_once_per_cooldown() {
    // N = 180 s, cool-down 10 min. Buyer b1 wrote at 10:00:00, b2 at 10:02:00.
    let rules = only(
        RuleKind::Wait,
        &[("threshold", "180"), ("cooldown_minutes", "10")],
    );
    let mut memory = AlertMemory::default();
    let snap = |now| LiveSnapshot {
        now,
        waiting: vec![
            waiting("小美", "b1", at(10, 0, 0)),
            waiting("小美", "b2", at(10, 2, 0)),
        ],
        ..Default::default()
    };
    // 10:03:00: b1 has waited exactly 180 s: not more than N.
    assert!(evaluate(&rules, &snap(at(10, 3, 0)), &mut memory).is_empty());
    // 10:03:01: b1 181 s > 180: one alert; b2 61 s.
    let first = evaluate(&rules, &snap(at(10, 3, 1)), &mut memory);
    assert_eq!(keys(&first), ["wait:小美:b1"]);
    assert_eq!(
        first[0].text.zh,
        "买家 b1 已等待 3分01秒，仍未回复（客服账号 小美）"
    );
    assert_eq!(
        first[0].text.en,
        "Buyer b1 has waited 3 min 01 s without a reply (account 小美)"
    );
    assert_eq!(first[0].title.zh, "买家等待过久");
    // 10:05:01: b2 waited 181 s; b1 is in its cool-down (2 min since 10:03:01).
    let second = evaluate(&rules, &snap(at(10, 5, 1)), &mut memory);
    assert_eq!(keys(&second), ["wait:小美:b2"]);
    // 10:13:00: 9 min 59 s into b1's 10 min cool-down: nothing.
    assert!(evaluate(&rules, &snap(at(10, 13, 0)), &mut memory).is_empty());
    // 10:13:01: exactly 10 min after b1's alert: it fires again (still waiting).
    assert_eq!(
        keys(&evaluate(&rules, &snap(at(10, 13, 1)), &mut memory)),
        ["wait:小美:b1"]
    );
}

#[test]
fn slow_rounds_count_per_account_inside_the_window() {
    // M = 2 in W = 30 min. At 11:00 小美 has slow answers at 10:29:59 (outside), 10:31, 10:40,
    // 10:59 (3 inside > 2); 小王 two inside (not more than 2).
    let rules = only(
        RuleKind::SlowRounds,
        &[("threshold", "2"), ("window_minutes", "30")],
    );
    let snap = LiveSnapshot {
        now: at(11, 0, 0),
        slow_rounds: vec![
            slow("小美", at(10, 29, 59)),
            slow("小美", at(10, 31, 0)),
            slow("小王", at(10, 35, 0)),
            slow("小美", at(10, 40, 0)),
            slow("小王", at(10, 50, 0)),
            slow("小美", at(10, 59, 0)),
        ],
        ..Default::default()
    };
    let mut memory = AlertMemory::default();
    let alerts = evaluate(&rules, &snap, &mut memory);
    assert_eq!(keys(&alerts), ["slow:小美"]);
    assert_eq!(alerts[0].text.zh, "客服账号 小美 最近 30 分钟有 3 次慢回复");
    // 10:30:00 exactly is the window's open end: a slow answer then does not count.
    let edge = LiveSnapshot {
        slow_rounds: vec![
            slow("小王", at(10, 30, 0)),
            slow("小王", at(10, 35, 0)),
            slow("小王", at(10, 50, 0)),
        ],
        ..snap.clone()
    };
    assert!(evaluate(&rules, &edge, &mut AlertMemory::default()).is_empty());
}

#[test]
fn unreplied_buyers_above_k_is_one_store_alert() {
    let rules = only(RuleKind::Unreplied, &[("threshold", "2")]);
    let now = at(12, 0, 0);
    let two = LiveSnapshot {
        now,
        waiting: vec![waiting("a", "b1", now), waiting("a", "b2", now)],
        ..Default::default()
    };
    let mut memory = AlertMemory::default();
    assert!(evaluate(&rules, &two, &mut memory).is_empty());
    let mut three = two.clone();
    three.waiting.push(waiting("c", "b3", now));
    let alerts = evaluate(&rules, &three, &mut memory);
    assert_eq!(keys(&alerts), ["unreplied"]);
    assert_eq!(alerts[0].text.en, "3 buyers are waiting for a reply");
    assert_eq!(alerts[0].account, None);
}

#[test]
fn a_low_rating_alerts_once_even_while_it_stays_in_the_snapshot() {
    let rules = only(RuleKind::LowRating, &[("cooldown_minutes", "0")]);
    let mut memory = AlertMemory::default();
    let mut snap = LiveSnapshot {
        now: at(14, 0, 0),
        ratings: vec![
            rating("小美", "b1", at(13, 50, 0), 1),
            rating("小美", "b2", at(13, 55, 0), 3),
            rating("小王", "b3", at(13, 58, 0), 2),
        ],
        ..Default::default()
    };
    let alerts = evaluate(&rules, &snap, &mut memory);
    assert_eq!(keys(&alerts), ["rating:小美:b1", "rating:小王:b3"]);
    assert_eq!(alerts[0].text.zh, "买家 b1 给客服账号 小美 打了 1 分");
    // The next snapshot holds the same ratings and a new one: only the new one alerts.
    snap.now = at(14, 1, 0);
    snap.ratings.push(rating("小美", "b1", at(14, 0, 30), 2));
    assert_eq!(
        keys(&evaluate(&rules, &snap, &mut memory)),
        ["rating:小美:b1"]
    );
}

#[test]
fn quiet_hours_across_midnight_hold_alerts_and_a_waiting_buyer_alerts_after_them() {
    let rules = only(
        RuleKind::Wait,
        &[("threshold", "60"), ("quiet_hours", "22:00-08:00")],
    );
    let mut memory = AlertMemory::default();
    let snap = |now, since| LiveSnapshot {
        now,
        waiting: vec![waiting("a", "b", since)],
        ..Default::default()
    };
    // 23:30 and 07:59:59 next day: quiet.
    assert!(evaluate(&rules, &snap(at(23, 30, 0), at(23, 0, 0)), &mut memory).is_empty());
    let morning = at(24 + 7, 59, 59);
    assert!(evaluate(&rules, &snap(morning, at(23, 0, 0)), &mut memory).is_empty());
    // 08:00: quiet hours over, the buyer still waits: it fires.
    let eight = at(24 + 8, 0, 0);
    assert_eq!(
        keys(&evaluate(&rules, &snap(eight, at(23, 0, 0)), &mut memory)),
        ["wait:a:b"]
    );
    // 21:59:59 is not quiet.
    let rules_ok = rules.clone();
    let mut fresh = AlertMemory::default();
    assert_eq!(
        evaluate(&rules_ok, &snap(at(21, 59, 59), at(21, 0, 0)), &mut fresh).len(),
        1
    );
}

#[test]
fn a_rating_in_the_quiet_hours_is_not_reported_afterwards() {
    let rules = only(RuleKind::LowRating, &[("quiet_hours", "22:00-08:00")]);
    let mut memory = AlertMemory::default();
    let mut snap = LiveSnapshot {
        now: at(7, 50, 0),
        ratings: vec![rating("a", "b", at(7, 45, 0), 1)],
        ..Default::default()
    };
    assert!(evaluate(&rules, &snap, &mut memory).is_empty());
    snap.now = at(8, 10, 0);
    assert!(evaluate(&rules, &snap, &mut memory).is_empty());
}

#[test]
fn rules_that_are_off_never_fire() {
    let rules = AlertRules::default();
    let now = at(10, 0, 0);
    let snap = LiveSnapshot {
        now,
        waiting: (0..50)
            .map(|i| waiting("a", &format!("b{i}"), now - HOUR_MS))
            .collect(),
        ratings: vec![rating("a", "b", now, 1)],
        ..Default::default()
    };
    assert!(evaluate(&rules, &snap, &mut AlertMemory::default()).is_empty());
}

#[test]
fn a_clock_that_goes_back_does_not_end_a_cooldown() {
    let rules = only(RuleKind::Unreplied, &[("threshold", "0")]);
    let mut memory = AlertMemory::default();
    let snap = |now| LiveSnapshot {
        now,
        waiting: vec![waiting("a", "b", now)],
        ..Default::default()
    };
    assert_eq!(evaluate(&rules, &snap(at(10, 0, 0)), &mut memory).len(), 1);
    assert!(evaluate(&rules, &snap(at(9, 0, 0)), &mut memory).is_empty());
}

#[test]
fn settings_round_trip_through_toml_and_refuse_bad_values() {
    let mut rules = AlertRules::default();
    rules.set("wait_on", "true").unwrap();
    rules.set("wait_threshold", "90").unwrap();
    rules.set("slow_window_minutes", "15").unwrap();
    rules.set("rating_quiet_hours", "22:00-08:00").unwrap();
    rules.set("unreplied_cooldown_minutes", "5").unwrap();
    let back = AlertRules::from_toml(&rules.to_toml()).unwrap();
    assert_eq!(back, rules);
    assert_eq!(
        back.get("rating_quiet_hours").as_deref(),
        Some("22:00-08:00")
    );
    assert_eq!(AlertRules::keys().len(), 4 * 4 + 1);

    let err = |k: &str, v: &str| AlertRules::default().set(k, v).unwrap_err();
    assert_eq!(
        err("wait_threshold", "0").to_string(),
        "setting `wait_threshold`: expected a number from 1 to 86400"
    );
    assert!(matches!(
        err("slow_window_minutes", "61"),
        ConfigError::Invalid {
            expected: Expected::Range { min: 1, max: 60 },
            ..
        }
    ));
    assert!(matches!(
        err("rating_threshold", "5"),
        ConfigError::Invalid { .. }
    ));
    assert!(matches!(
        err("wait_window_minutes", "5"),
        ConfigError::Invalid { .. }
    ));
    assert!(matches!(
        err("wait_quiet_hours", "25:00-1"),
        ConfigError::Invalid { .. }
    ));
    assert!(matches!(
        err("nope_on", "true"),
        ConfigError::Invalid { .. }
    ));
    assert!(matches!(
        err("wait_on", "maybe"),
        ConfigError::Invalid { .. }
    ));
    use crate::localized::Localized;
    assert_eq!(
        err("wait_threshold", "x").zh(),
        "设置 `wait_threshold`：应为整数"
    );
}

#[test]
fn channels_are_checked_and_their_secrets_masked() {
    let ding = Channel::DingTalk {
        webhook: "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456".into(),
        secret: "SEC0123456789".into(),
    };
    assert!(ding.validate().is_ok());
    assert_eq!(
        ding.masked(),
        Channel::DingTalk {
            webhook: "https://oapi.dingtalk.com/robot/send?••••3456".into(),
            secret: "••••6789".into(),
        }
    );
    let bad = Channel::WeCom {
        webhook: "ftp://x".into(),
    };
    assert_eq!(
        bad.validate().unwrap_err().to_string(),
        "setting `webhook`: expected an address starting with https://"
    );
    let mail = EmailChannel {
        host: "smtp.example.com".into(),
        port: 587,
        security: SmtpSecurity::StartTls,
        user: "kefu".into(),
        password: "pass word".into(),
        from: "kefu@example.com".into(),
        to: vec!["boss@example.com".into()],
    };
    assert!(Channel::Email(mail.clone()).validate().is_ok());
    for (field, broken) in [
        (
            "to",
            EmailChannel {
                to: vec!["@example.com".into()],
                ..mail.clone()
            },
        ),
        (
            "from",
            EmailChannel {
                from: "a b@example.com".into(),
                ..mail.clone()
            },
        ),
        (
            "to",
            EmailChannel {
                to: vec![],
                ..mail.clone()
            },
        ),
        (
            "host",
            EmailChannel {
                host: "smtp\r\nRCPT".into(),
                ..mail.clone()
            },
        ),
    ] {
        match Channel::Email(broken).validate() {
            Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let json = serde_json::to_string(&Channel::Email(mail.clone())).unwrap();
    assert!(json.starts_with(r#"{"kind":"email""#), "{json}");
    assert_eq!(
        serde_json::from_str::<Channel>(&json).unwrap(),
        Channel::Email(mail)
    );
}

fn arb_rules() -> impl Strategy<Value = AlertRules> {
    (
        prop::collection::vec(
            (
                any::<bool>(),
                0u32..5,
                1u32..60,
                prop::option::of((0i64..24, 0i64..24)),
                0i64..120,
            ),
            4,
        ),
        Just(()),
    )
        .prop_map(|(rs, ())| {
            let mut rules = AlertRules::default();
            for (r, (on, threshold, window, quiet, cooldown)) in rules.rules.iter_mut().zip(rs) {
                r.on = on;
                r.threshold = match r.kind {
                    RuleKind::Wait => threshold * 30 + 1,
                    RuleKind::LowRating => threshold.clamp(1, 4),
                    _ => threshold,
                };
                r.window_minutes = window;
                r.quiet_hours =
                    quiet.and_then(|(a, b)| ServiceHours::parse(&format!("{a:02}:00-{b:02}:00")));
                r.cooldown_ms = cooldown * MINUTE_MS;
            }
            rules
        })
}

fn arb_snapshot(now: Millis) -> impl Strategy<Value = LiveSnapshot> {
    let names = prop::sample::select(vec!["a", "b", "c"]);
    (
        prop::collection::vec((names.clone(), names.clone(), 0i64..2 * HOUR_MS), 0..6),
        prop::collection::vec((names.clone(), 0i64..HOUR_MS), 0..8),
        prop::collection::vec((names.clone(), names, 0i64..HOUR_MS, 1u8..=5), 0..4),
    )
        .prop_map(move |(w, s, r)| LiveSnapshot {
            now,
            waiting: w
                .into_iter()
                .map(|(a, b, ago)| waiting(a, b, now - ago))
                .collect(),
            slow_rounds: s.into_iter().map(|(a, ago)| slow(a, now - ago)).collect(),
            ratings: r
                .into_iter()
                .map(|(a, b, ago, score)| rating(a, b, now - ago, score))
                .collect(),
            active_accounts: vec![],
        })
}

proptest! {
    /// Over a day of snapshots a few minutes apart: no alert while its rule's quiet hours hold,
    /// never two of one key within its rule's cool-down, and the memory stays bounded.
    #[test]
    fn no_alert_in_quiet_hours_and_none_repeated_within_the_cooldown(
        rules in arb_rules(),
        steps in prop::collection::vec(1i64..20, 1..60),
        seed in 0u64..1000,
    ) {
        let mut memory = AlertMemory::default();
        let mut fired: HashMap<String, Vec<Millis>> = HashMap::new();
        let mut now = at(0, 0, 0) + (seed as i64 % 24) * HOUR_MS;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        for step in steps {
            now += step * MINUTE_MS;
            let snap = arb_snapshot(now).new_tree(&mut runner).unwrap().current();
            for a in evaluate(&rules, &snap, &mut memory) {
                let rule = rules.rule(a.kind).unwrap();
                prop_assert!(rule.on);
                prop_assert!(!rule.quiet_hours.as_ref().is_some_and(|q| q.contains(a.at)));
                prop_assert_eq!(a.at, now);
                let times = fired.entry(a.key.clone()).or_default();
                if let Some(&last) = times.last() {
                    prop_assert!(now - last >= rule.cooldown_ms, "{} at {} and {}", a.key, last, now);
                    prop_assert!(now != last, "{} twice in one evaluation", a.key);
                }
                times.push(now);
            }
            // At most 9 + 3 + 1 + 9 keys and the ratings of two hours.
            prop_assert!(memory.len() <= 22 + 4 * 60);
        }
    }
}
