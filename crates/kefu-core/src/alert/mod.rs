//! Alert rules over a [`LiveSnapshot`] (issue 16, item 6): pure, no clock, no I/O.
//!
//! Four rules, each with its own quiet hours (store-local, may cross midnight) and cool-down:
//!
//! - `wait`: a buyer has waited more than N seconds (one alert per account and buyer);
//! - `slow`: an account answered more than M rounds late in the last W minutes (per account);
//! - `unreplied`: more than K buyers are waiting at once (one alert for the store);
//! - `rating`: a rating of at most S (1–2 by default) arrived (per account and buyer).
//!
//! [`evaluate`] judges one snapshot with an [`AlertMemory`] the caller keeps between calls: the
//! moment each alert key last fired (the cool-down) and the ratings already judged (a rating is
//! news once). Nothing fires while `snapshot.now` is in the rule's quiet hours; a condition
//! that still holds afterwards (a buyer still waiting) fires then, a rating that arrived in the
//! quiet hours does not (`docs/alerts.md`).

mod channel;
#[cfg(test)]
mod tests;

pub use channel::{Channel, EmailChannel, SmtpSecurity};

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::live::LiveSnapshot;
use crate::localized::Said;
use crate::settings::{ConfigError, Expected, ServiceHours};
use crate::time::{HOUR_MS, Millis, SECOND_MS};

const MINUTE_MS: i64 = 60_000;

/// The four kinds of rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Wait,
    SlowRounds,
    Unreplied,
    LowRating,
}

impl RuleKind {
    pub const ALL: [RuleKind; 4] = [
        RuleKind::Wait,
        RuleKind::SlowRounds,
        RuleKind::Unreplied,
        RuleKind::LowRating,
    ];

    /// The rule's key: the prefix of its settings and of its alerts' keys.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Wait => "wait",
            RuleKind::SlowRounds => "slow",
            RuleKind::Unreplied => "unreplied",
            RuleKind::LowRating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<RuleKind> {
        RuleKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The rule's name in both languages (alert titles, the settings page).
    pub fn name(self) -> Said {
        match self {
            RuleKind::Wait => Said::new("买家等待过久", "Buyer waiting too long"),
            RuleKind::SlowRounds => Said::new("慢回复过多", "Too many slow answers"),
            RuleKind::Unreplied => Said::new("未回复买家过多", "Too many unreplied buyers"),
            RuleKind::LowRating => Said::new("收到差评", "Low rating received"),
        }
    }

    /// The threshold's allowed range.
    fn threshold_range(self) -> (i64, i64) {
        match self {
            RuleKind::Wait => (1, 24 * 3600),
            RuleKind::SlowRounds => (0, 10_000),
            RuleKind::Unreplied => (0, 100_000),
            RuleKind::LowRating => (1, 4),
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub kind: RuleKind,
    pub on: bool,
    /// `wait`: seconds (N); `slow`: rounds (M); `unreplied`: buyers (K); `rating`: the highest
    /// score that alerts. The rule fires when the value is *above* N, M, K (at most S).
    pub threshold: u32,
    /// `slow` only: the window W in minutes (1–60; the snapshot keeps an hour of slow rounds).
    pub window_minutes: u32,
    /// No alert of this rule while the store's clock is in these hours.
    pub quiet_hours: Option<ServiceHours>,
    /// No second alert of one key within this many milliseconds of the last.
    pub cooldown_ms: i64,
}

/// A store's alert rules, one of each kind, in [`RuleKind::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRules {
    pub rules: Vec<Rule>,
}

impl Default for AlertRules {
    /// Every rule off; the thresholds a supervisor would start from (3 minutes' wait, 5 slow
    /// answers in 30 minutes, 20 buyers waiting, ratings 1–2), 30 minutes' cool-down, no quiet
    /// hours.
    fn default() -> Self {
        let rule = |kind, threshold| Rule {
            kind,
            on: false,
            threshold,
            window_minutes: 30,
            quiet_hours: None,
            cooldown_ms: 30 * MINUTE_MS,
        };
        AlertRules {
            rules: vec![
                rule(RuleKind::Wait, 180),
                rule(RuleKind::SlowRounds, 5),
                rule(RuleKind::Unreplied, 20),
                rule(RuleKind::LowRating, 2),
            ],
        }
    }
}

/// The longest cool-down: a day.
const MAX_COOLDOWN_MINUTES: i64 = 24 * 60;

/// The setting suffixes of every rule, in form order (`wait_on`, `wait_threshold`, …);
/// `window_minutes` is the slow-rounds rule's only.
pub const RULE_FIELDS: [&str; 5] = [
    "on",
    "threshold",
    "window_minutes",
    "quiet_hours",
    "cooldown_minutes",
];

impl AlertRules {
    pub fn rule(&self, kind: RuleKind) -> Option<&Rule> {
        self.rules.iter().find(|r| r.kind == kind)
    }

    fn rule_mut(&mut self, kind: RuleKind) -> Option<&mut Rule> {
        self.rules.iter_mut().find(|r| r.kind == kind)
    }

    /// Every setting key (`{rule}_{field}`), in form order.
    pub fn keys() -> Vec<String> {
        RuleKind::ALL
            .iter()
            .flat_map(|k| {
                RULE_FIELDS
                    .iter()
                    .filter(move |f| **f != "window_minutes" || *k == RuleKind::SlowRounds)
                    .map(move |f| format!("{k}_{f}"))
            })
            .collect()
    }

    /// The text value of a setting, as a form or a file writes it.
    pub fn get(&self, key: &str) -> Option<String> {
        let (kind, field) = split_key(key)?;
        let r = self.rule(kind)?;
        Some(match field {
            "on" => r.on.to_string(),
            "threshold" => r.threshold.to_string(),
            "window_minutes" if kind == RuleKind::SlowRounds => r.window_minutes.to_string(),
            "quiet_hours" => r
                .quiet_hours
                .as_ref()
                .map_or_else(String::new, ToString::to_string),
            "cooldown_minutes" => (r.cooldown_ms / MINUTE_MS).to_string(),
            _ => return None,
        })
    }

    /// Sets one setting from its text (a form field or a stored value).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let value = value.trim();
        let invalid = |expected| ConfigError::Invalid {
            key: key.into(),
            expected,
        };
        let number = |min, max| crate::settings::number_in(key, value, min, max);
        let unknown = || invalid(Expected::OneOf(Self::keys().join(", ")));
        let (kind, field) = split_key(key).ok_or_else(unknown)?;
        let parsed_quiet = if field == "quiet_hours" && !value.is_empty() {
            Some(ServiceHours::parse(value).ok_or_else(|| invalid(Expected::ServiceHours))?)
        } else {
            None
        };
        let (min, max) = kind.threshold_range();
        let number_value = match field {
            "threshold" => Some(number(min, max)?),
            "window_minutes" if kind == RuleKind::SlowRounds => Some(number(1, 60)?),
            "cooldown_minutes" => Some(number(0, MAX_COOLDOWN_MINUTES)?),
            _ => None,
        };
        let on = match (field, value) {
            ("on", "true" | "on" | "1") => Some(true),
            ("on", "false" | "off" | "0" | "") => Some(false),
            ("on", _) => return Err(invalid(Expected::OneOf("true, false".into()))),
            _ => None,
        };
        let r = self.rule_mut(kind).ok_or_else(unknown)?;
        // Every number above fits its field: the ranges are far below u32::MAX.
        let as_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        match field {
            "on" => r.on = on.unwrap_or(false),
            "threshold" => r.threshold = number_value.map_or(r.threshold, as_u32),
            "window_minutes" if kind == RuleKind::SlowRounds => {
                r.window_minutes = number_value.map_or(r.window_minutes, as_u32);
            }
            "quiet_hours" => r.quiet_hours = parsed_quiet,
            "cooldown_minutes" => {
                r.cooldown_ms = number_value.map_or(r.cooldown_ms, |n| n * MINUTE_MS);
            }
            _ => return Err(unknown()),
        }
        Ok(())
    }

    /// The rules as `key = "value"` TOML lines, every key.
    pub fn to_toml(&self) -> String {
        Self::keys()
            .iter()
            .filter_map(|k| Some(format!("{k} = \"{}\"\n", self.get(k)?)))
            .collect()
    }

    /// Rules from TOML lines; keys left out keep the defaults, unknown keys are refused.
    pub fn from_toml(text: &str) -> Result<AlertRules, ConfigError> {
        let mut rules = AlertRules::default();
        crate::settings::set_from_toml(text, |k, v| rules.set(k, v))?;
        Ok(rules)
    }
}

fn split_key(key: &str) -> Option<(RuleKind, &str)> {
    let (kind, field) = key.trim().split_once('_')?;
    Some((RuleKind::parse(kind)?, field))
}

/// An alert raised by a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Stable: the rule and what it is about (`wait:{account}:{buyer}`, `slow:{account}`,
    /// `unreplied`, `rating:{account}:{buyer}`). The cool-down is per key.
    pub key: String,
    pub kind: RuleKind,
    /// The store-local time it was raised (the snapshot's `now`).
    pub at: Millis,
    pub account: Option<String>,
    pub buyer: Option<String>,
    /// The title (the rule's name) and the text, in both languages.
    pub title: Said,
    pub text: Said,
}

/// What evaluation remembers between snapshots of one store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertMemory {
    /// The moment each key last fired.
    last: HashMap<String, Millis>,
    /// The ratings already judged (account, buyer, time, score): each is news once.
    seen_ratings: HashSet<(String, String, Millis, u8)>,
}

impl AlertMemory {
    /// When `key` last fired.
    pub fn last_fired(&self, key: &str) -> Option<Millis> {
        self.last.get(key).copied()
    }

    /// Keys remembered, for tests and the bounded-memory check.
    pub fn len(&self) -> usize {
        self.last.len() + self.seen_ratings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `key` may fire at `now`: never before, or at least `cooldown_ms` since the last
    /// time, and not twice at one instant (a clock that went back never lets it fire early).
    fn may_fire(&self, key: &str, now: Millis, cooldown_ms: i64) -> bool {
        self.last
            .get(key)
            .is_none_or(|&t| t < now && now.saturating_sub(t) >= cooldown_ms)
    }

    /// Forgets what can no longer matter: keys past the longest cool-down, ratings older than
    /// the snapshot keeps (an hour) and a margin.
    fn prune(&mut self, now: Millis, longest_cooldown: i64) {
        self.last
            .retain(|_, t| now.saturating_sub(*t) < longest_cooldown.max(1));
        self.seen_ratings
            .retain(|(_, _, at, _)| now.saturating_sub(*at) <= 2 * HOUR_MS);
    }
}

/// Judges one snapshot: the alerts to send now, in rule order and the snapshot's order.
pub fn evaluate(rules: &AlertRules, snap: &LiveSnapshot, memory: &mut AlertMemory) -> Vec<Alert> {
    let now = snap.now;
    let mut out = Vec::new();
    let longest = rules.rules.iter().map(|r| r.cooldown_ms).max().unwrap_or(0);
    memory.prune(now, longest);
    for rule in rules.rules.iter().filter(|r| r.on) {
        // Ratings are news once, whether they alert or fall in the quiet hours.
        let fresh_ratings: Vec<_> = if rule.kind == RuleKind::LowRating {
            snap.ratings
                .iter()
                .filter(|r| {
                    memory
                        .seen_ratings
                        .insert((r.account.clone(), r.buyer.clone(), r.at, r.score))
                })
                .collect()
        } else {
            Vec::new()
        };
        if rule.quiet_hours.as_ref().is_some_and(|q| q.contains(now)) {
            continue;
        }
        let mut candidates: Vec<Alert> = Vec::new();
        match rule.kind {
            RuleKind::Wait => {
                let limit = i64::from(rule.threshold) * SECOND_MS;
                for w in &snap.waiting {
                    let waited = snap.wait_ms(w);
                    if waited > limit {
                        candidates.push(alert(
                            rule.kind,
                            now,
                            Some(&w.account),
                            Some(&w.buyer),
                            Said::new(
                                format!(
                                    "买家 {} 已等待 {}，仍未回复（客服账号 {}）",
                                    w.buyer,
                                    duration_zh(waited),
                                    w.account
                                ),
                                format!(
                                    "Buyer {} has waited {} without a reply (account {})",
                                    w.buyer,
                                    duration_en(waited),
                                    w.account
                                ),
                            ),
                        ));
                    }
                }
            }
            RuleKind::SlowRounds => {
                let from = now - i64::from(rule.window_minutes) * MINUTE_MS;
                let mut per_account: Vec<(&str, u32)> = Vec::new();
                for s in &snap.slow_rounds {
                    if s.answered_at > from && s.answered_at <= now {
                        match per_account.iter_mut().find(|(a, _)| *a == s.account) {
                            Some((_, n)) => *n += 1,
                            None => per_account.push((&s.account, 1)),
                        }
                    }
                }
                for (account, n) in per_account {
                    if n > rule.threshold {
                        let w = rule.window_minutes;
                        candidates.push(alert(
                            rule.kind,
                            now,
                            Some(account),
                            None,
                            Said::new(
                                format!("客服账号 {account} 最近 {w} 分钟有 {n} 次慢回复"),
                                format!(
                                    "Account {account} answered {n} rounds late in the last {w} minutes"
                                ),
                            ),
                        ));
                    }
                }
            }
            RuleKind::Unreplied => {
                let n = snap.waiting.len();
                if n > rule.threshold as usize {
                    candidates.push(alert(
                        rule.kind,
                        now,
                        None,
                        None,
                        Said::new(
                            format!("当前有 {n} 位买家等待回复"),
                            if n == 1 {
                                "1 buyer is waiting for a reply".to_string()
                            } else {
                                format!("{n} buyers are waiting for a reply")
                            },
                        ),
                    ));
                }
            }
            RuleKind::LowRating => {
                for r in fresh_ratings {
                    if r.score >= 1 && u32::from(r.score) <= rule.threshold {
                        candidates.push(alert(
                            rule.kind,
                            now,
                            Some(&r.account),
                            Some(&r.buyer),
                            Said::new(
                                format!(
                                    "买家 {} 给客服账号 {} 打了 {} 分",
                                    r.buyer, r.account, r.score
                                ),
                                format!(
                                    "Buyer {} rated account {} {} of 5",
                                    r.buyer, r.account, r.score
                                ),
                            ),
                        ));
                    }
                }
            }
        }
        for a in candidates {
            if memory.may_fire(&a.key, now, rule.cooldown_ms) {
                memory.last.insert(a.key.clone(), now);
                out.push(a);
            }
        }
    }
    out
}

fn alert(
    kind: RuleKind,
    now: Millis,
    account: Option<&str>,
    buyer: Option<&str>,
    text: Said,
) -> Alert {
    let mut key = kind.as_str().to_string();
    for part in [account, buyer].into_iter().flatten() {
        key.push(':');
        key.push_str(part);
    }
    Alert {
        key,
        kind,
        at: now,
        account: account.map(str::to_string),
        buyer: buyer.map(str::to_string),
        title: kind.name(),
        text,
    }
}

/// `3分05秒`, `1小时2分`.
fn duration_zh(ms: i64) -> String {
    let s = ms / SECOND_MS;
    if s >= 3600 {
        format!("{}小时{}分", s / 3600, s % 3600 / 60)
    } else {
        format!("{}分{:02}秒", s / 60, s % 60)
    }
}

/// `3 min 05 s`, `1 h 2 min`.
fn duration_en(ms: i64) -> String {
    let s = ms / SECOND_MS;
    if s >= 3600 {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}
