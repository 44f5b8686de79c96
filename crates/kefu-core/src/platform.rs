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
    }
}
