//! Platform figures: the figures a marketplace's own customer-service report gives per agent
//! (or per shop) and period, under the report's own column names. kefu keeps them apart from
//! its computed counters: they are the platform's word, not kefu's.

use crate::time::Day;

/// The marketplace (or tool) a report comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    Taobao,
    Tmall,
    Pdd,
    Douyin,
    Kuaishou,
    Jd,
    Chitu,
}

impl Platform {
    pub const ALL: [Platform; 7] = [
        Platform::Taobao,
        Platform::Tmall,
        Platform::Pdd,
        Platform::Douyin,
        Platform::Kuaishou,
        Platform::Jd,
        Platform::Chitu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Taobao => "taobao",
            Platform::Tmall => "tmall",
            Platform::Pdd => "pdd",
            Platform::Douyin => "douyin",
            Platform::Kuaishou => "kuaishou",
            Platform::Jd => "jd",
            Platform::Chitu => "chitu",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    /// The marketplaces a store can sell on: its `platform` setting (赤兔 is a tool, not one).
    pub const PROFILES: [Platform; 6] = [
        Platform::Taobao,
        Platform::Tmall,
        Platform::Pdd,
        Platform::Jd,
        Platform::Douyin,
        Platform::Kuaishou,
    ];

    /// The service figures a store of this platform is judged by, as kefu computes them from
    /// raw chats under the platform's own rules (keys of `figures::ACCOUNT_FIGURES`;
    /// `docs/metrics.md`, "Platform profiles"). 快手 publishes the people-based, human-only
    /// 8–23 rule of 拼多多's 3-minute rate, so it shows that figure.
    pub fn service_figures(self) -> &'static [&'static str] {
        match self {
            Platform::Taobao | Platform::Tmall | Platform::Chitu => {
                &["tb_avg_response_secs", "answered_within_3min_rate"]
            }
            Platform::Pdd => &["pdd_3min_rate", "pdd_30s_rate"],
            Platform::Jd => &["jd_30s_rate"],
            Platform::Douyin => &["dy_3min_rate", "dy_3min_rate_all_day"],
            Platform::Kuaishou => &["pdd_3min_rate"],
        }
    }

    /// The platform's name in Chinese or English.
    pub fn name(self, zh: bool) -> &'static str {
        let (c, e) = match self {
            Platform::Taobao => ("淘宝", "Taobao"),
            Platform::Tmall => ("天猫", "Tmall"),
            Platform::Pdd => ("拼多多", "Pinduoduo"),
            Platform::Douyin => ("抖店", "Douyin"),
            Platform::Kuaishou => ("快手", "Kuaishou"),
            Platform::Jd => ("京东", "JD"),
            Platform::Chitu => ("赤兔", "Chitu"),
        };
        if zh { c } else { e }
    }
}

/// Whether a figure is one of some platform's service figures: a page shows it only for the
/// stores whose profile has it ([`Platform::service_figures`]).
pub fn is_service_figure(key: &str) -> bool {
    Platform::PROFILES
        .iter()
        .any(|p| p.service_figures().contains(&key))
}

/// Whether a store of `platform` shows the figure `key` on its pages: every figure but the
/// other platforms' service figures.
pub fn shows_figure(platform: Platform, key: &str) -> bool {
    !is_service_figure(key) || platform.service_figures().contains(&key)
}

/// What a column counts, which says how its values over several periods combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FigureKind {
    /// People, sessions, messages, days: add up.
    Count,
    /// Yuan, kept as integer cents: adds up.
    Money,
    /// A fraction (0.985 for 98.5 %): never added nor averaged.
    Rate,
    /// A mean or ratio (客单价, 答问比, a score): never added nor averaged.
    Average,
    /// Seconds (the reports' durations are means: 平均响应时长): never added nor averaged.
    Duration,
}

impl FigureKind {
    pub const ALL: [FigureKind; 5] = [
        FigureKind::Count,
        FigureKind::Money,
        FigureKind::Rate,
        FigureKind::Average,
        FigureKind::Duration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FigureKind::Count => "count",
            FigureKind::Money => "money",
            FigureKind::Rate => "rate",
            FigureKind::Average => "average",
            FigureKind::Duration => "duration",
        }
    }

    pub fn parse(s: &str) -> Option<FigureKind> {
        FigureKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether values of several periods add up to the value of their union.
    pub fn adds_up(self) -> bool {
        matches!(self, FigureKind::Count | FigureKind::Money)
    }
}

/// One value of a report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// Empty, `-`, or a value the platform has not settled yet (赤兔's `延迟统计`).
    Unknown,
    /// Counts, rates (fractions), averages and durations (seconds).
    Number(f64),
    /// Money, in cents.
    Cents(i64),
}

impl Amount {
    /// The value as a number: money in yuan.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Amount::Unknown => None,
            Amount::Number(x) => Some(x),
            Amount::Cents(c) => Some(crate::money::yuan_f64(c)),
        }
    }
}

/// One cell of a platform report: a column's value for an account (or the whole shop) over
/// a period.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformFigure {
    pub store: String,
    /// The agent's account as the report writes it; empty for a shop-level report.
    pub account: String,
    /// First and last day of the period the value covers (both included).
    pub from: Day,
    pub to: Day,
    /// The column's name exactly as in the file.
    pub column: String,
    pub kind: FigureKind,
    pub value: Amount,
}

/// The figures one report file gives.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformFile {
    pub platform: Platform,
    /// The report's kind (`pdd_agent`, …).
    pub report: &'static str,
    pub figures: Vec<PlatformFigure>,
}

/// The name a report that leaves out the shop gives the kefu account `name`: `小美` for
/// `店铺:小美`; `None` for a name without a shop. A report account is a kefu account's when it
/// is the account's name, else this name (the exact name is preferred).
pub fn without_shop(name: &str) -> Option<&str> {
    name.split_once(':').map(|(_, sub)| sub)
}

/// The value of one column over `from..=to` from its stored values (first day, last day,
/// value): counts and money add up over the values whose period lies within the range (the
/// longest periods first, a value overlapping one already taken left out; one unknown value
/// makes the sum unknown); rates, averages and durations only from one value whose period is
/// exactly the range. Money comes out in yuan. `docs/formats.md`, "Platform figures in
/// reports".
pub fn combine(values: &[(Day, Day, Amount)], kind: FigureKind, from: Day, to: Day) -> Option<f64> {
    let within: Vec<&(Day, Day, Amount)> = values
        .iter()
        .filter(|(a, b, _)| *a >= from && *b <= to)
        .collect();
    if !kind.adds_up() {
        return within
            .iter()
            .find(|(a, b, _)| *a == from && *b == to)
            .and_then(|(_, _, v)| v.as_f64());
    }
    // Longest periods first; a value overlapping one already taken is left out.
    let mut by_length = within;
    by_length.sort_by_key(|(a, b, _)| (std::cmp::Reverse(b.0 - a.0), a.0));
    let mut taken: Vec<(Day, Day)> = Vec::new();
    let mut cents: i64 = 0;
    let mut number = 0.0;
    let mut money = false;
    for (a, b, v) in by_length {
        if taken.iter().any(|(x, y)| a <= y && b >= x) {
            continue;
        }
        taken.push((*a, *b));
        match v {
            Amount::Unknown => return None,
            Amount::Number(x) => number += x,
            Amount::Cents(c) => {
                money = true;
                cents = cents.checked_add(*c)?;
            }
        }
    }
    if taken.is_empty() {
        return None;
    }
    Some(if money {
        crate::money::yuan_f64(cents) + number
    } else {
        number
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Some(p));
        }
        for k in FigureKind::ALL {
            assert_eq!(FigureKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Platform::parse("amazon"), None);
        assert!(FigureKind::Money.adds_up() && !FigureKind::Rate.adds_up());
        assert_eq!(Amount::Cents(1523050).as_f64(), Some(15230.5));
        assert_eq!(without_shop("晨光:小美"), Some("小美"));
        assert_eq!(without_shop("小美"), None);
    }

    #[test]
    fn every_profile_names_figures_that_exist() {
        for p in Platform::ALL {
            assert!(!p.service_figures().is_empty());
            for key in p.service_figures() {
                assert!(crate::figures::figure(key).is_some(), "{p:?} {key}");
                assert!(is_service_figure(key) && shows_figure(p, key));
            }
        }
        // A 拼多多 store does not show Taobao's 人工平响, a Taobao store not 拼多多's rates; both
        // show the figures of no profile.
        assert!(!shows_figure(Platform::Pdd, "tb_avg_response_secs"));
        assert!(!shows_figure(Platform::Taobao, "pdd_3min_rate"));
        assert!(shows_figure(Platform::Pdd, "consulted") && shows_figure(Platform::Jd, "sales"));
        assert!(!Platform::PROFILES.contains(&Platform::Chitu));
    }
}
