//! Recovered sales as plan figures (issue 16): what a plan can name of the worklists'
//! recoveries credited to an agent in the month — items, orders, amount, rate and mean time to
//! recover — over all lists or over one. The tallies are the worklist report's
//! (`kefu_core::worklist::summary`, per agent); the adapter gathers them over the items
//! decided in the month ([`AgentRecovery`]), this module only reads them.

use std::collections::BTreeMap;

use kefu_core::money::format_yuan;
use kefu_core::worklist::Kind;
use kefu_core::worklist::summary::Tally;

/// What a recovery figure measures of a tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Recoveries credited to the agent (`Tally::recovered`).
    Items,
    /// Paid orders of those recoveries, each counted once (`Tally::orders`).
    Orders,
    /// Their amount (`Tally::cents`), in yuan as a plan reads money.
    Amount,
    /// Credited recoveries ÷ decided items the agent contacted (`Tally::rate(true)`).
    Rate,
    /// Mean time from an item's appearance to its recovery, minutes.
    Minutes,
}

/// One figure a plan can name: `figure = "recovered_amount"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryFigure {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// The list it is counted over; `None`: every list.
    pub list: Option<Kind>,
    pub measure: Measure,
}

impl RecoveryFigure {
    /// Lower is better only for the time to recover.
    pub fn lower_is_better(&self) -> bool {
        self.measure == Measure::Minutes
    }

    /// Read as a percentage (values and thresholds).
    pub fn percent(&self) -> bool {
        self.measure == Measure::Rate
    }
}

macro_rules! recovery_figures {
    ($( ($prefix:literal, $zh:literal, $en:literal, $list:expr) ),* $(,)?) => {
        /// Every recovery figure: over all lists, then per list.
        pub const RECOVERY_FIGURES: &[RecoveryFigure] = &[$(
            RecoveryFigure {
                key: concat!($prefix, "recovered_items"),
                zh: concat!($zh, "挽回项数"),
                en: concat!($en, "Recovered items"),
                list: $list,
                measure: Measure::Items,
            },
            RecoveryFigure {
                key: concat!($prefix, "recovered_orders"),
                zh: concat!($zh, "挽回订单数"),
                en: concat!($en, "Recovered orders"),
                list: $list,
                measure: Measure::Orders,
            },
            RecoveryFigure {
                key: concat!($prefix, "recovered_amount"),
                zh: concat!($zh, "挽回金额"),
                en: concat!($en, "Recovered amount"),
                list: $list,
                measure: Measure::Amount,
            },
            RecoveryFigure {
                key: concat!($prefix, "recovery_rate"),
                zh: concat!($zh, "挽回率"),
                en: concat!($en, "Recovery rate"),
                list: $list,
                measure: Measure::Rate,
            },
            RecoveryFigure {
                key: concat!($prefix, "recovery_minutes"),
                zh: concat!($zh, "平均挽回用时（分钟）"),
                en: concat!($en, "Mean time to recover (min)"),
                list: $list,
                measure: Measure::Minutes,
            },
        )*];
    };
}

recovery_figures![
    ("", "", "", None),
    (
        "lost_inquiry_",
        "询单流失",
        "Lost inquiries: ",
        Some(Kind::LostInquiry)
    ),
    (
        "unpaid_",
        "下单未付款",
        "Unpaid orders: ",
        Some(Kind::Unpaid)
    ),
    (
        "balance_",
        "预售尾款",
        "Presale balances: ",
        Some(Kind::Balance)
    ),
    (
        "refund_",
        "退款待处理",
        "Refunds waiting: ",
        Some(Kind::Refund)
    ),
];

/// The recovery figure of this key.
pub fn recovery_figure(key: &str) -> Option<&'static RecoveryFigure> {
    RECOVERY_FIGURES.iter().find(|f| f.key == key)
}

/// An agent's recoveries in a month, as the worklist report tallies them per agent, over the
/// items decided in the month (recovered or lost then): over every list and per list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentRecovery {
    pub total: Tally,
    pub lists: BTreeMap<Kind, Tally>,
}

impl AgentRecovery {
    fn tally(&self, list: Option<Kind>) -> Option<&Tally> {
        match list {
            None => Some(&self.total),
            Some(k) => self.lists.get(&k),
        }
    }

    /// The figure's value: money in yuan, the rate as a fraction, minutes; `None` when the
    /// rate or the mean has nothing to divide by.
    pub fn value(&self, f: &RecoveryFigure) -> Option<f64> {
        let empty = Tally::default();
        let t = self.tally(f.list).unwrap_or(&empty);
        match f.measure {
            Measure::Items => Some(t.recovered as f64),
            Measure::Orders => Some(t.orders as f64),
            Measure::Amount => Some(t.cents as f64 / 100.0),
            Measure::Rate => t.rate(true),
            Measure::Minutes => {
                (t.recover_n > 0).then(|| t.recover_ms as f64 / 60_000.0 / t.recover_n as f64)
            }
        }
    }

    /// How the value was computed, numbers filled in, in Chinese and in English.
    pub fn how(&self, f: &RecoveryFigure) -> (String, String) {
        let empty = Tally::default();
        let t = self.tally(f.list).unwrap_or(&empty);
        match f.measure {
            Measure::Items => (
                format!("记在本人名下的挽回 {} 项", t.recovered),
                format!("{} recoveries credited", t.recovered),
            ),
            Measure::Orders => (
                format!(
                    "{} 项挽回中的付款订单 {} 单（每单只计一次）",
                    t.recovered, t.orders
                ),
                format!(
                    "{} paid orders of {} recoveries (each order once)",
                    t.orders, t.recovered
                ),
            ),
            Measure::Amount => (
                format!("{} 项挽回合计 ¥{}", t.recovered, format_yuan(t.cents)),
                format!(
                    "{} recoveries, ¥{} in all",
                    t.recovered,
                    format_yuan(t.cents)
                ),
            ),
            Measure::Rate => (
                format!(
                    "挽回 {} ÷ 本人联系过的已结项 {}",
                    t.recovered, t.contacted_resolved
                ),
                format!(
                    "{} recovered ÷ {} decided items contacted",
                    t.recovered, t.contacted_resolved
                ),
            ),
            Measure::Minutes => {
                let total = t.recover_ms as f64 / 60_000.0;
                (
                    format!("用时合计 {total:.1} 分钟 ÷ {} 项", t.recover_n),
                    format!("{total:.1} min in all ÷ {} recoveries", t.recover_n),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_a_unique_key_and_both_names() {
        assert_eq!(RECOVERY_FIGURES.len(), 25);
        for (i, f) in RECOVERY_FIGURES.iter().enumerate() {
            assert!(
                RECOVERY_FIGURES[..i].iter().all(|g| g.key != f.key),
                "{}",
                f.key
            );
            assert!(kefu_core::localized::has_chinese(f.zh), "{}", f.zh);
            assert!(!f.en.is_empty() && f.en.is_ascii(), "{}", f.en);
            assert!(kefu_core::figures::figure(f.key).is_none(), "{}", f.key);
        }
        let f = recovery_figure("unpaid_recovered_amount").unwrap();
        assert_eq!((f.list, f.measure), (Some(Kind::Unpaid), Measure::Amount));
        assert_eq!(f.zh, "下单未付款挽回金额");
        assert_eq!(recovery_figure("recovery_rate").unwrap().list, None);
    }

    #[test]
    fn values_read_the_tally() {
        let t = Tally {
            recovered: 3,
            orders: 2,
            cents: 12_345,
            recover_ms: 90 * 60_000,
            recover_n: 3,
            contacted_resolved: 4,
            ..Tally::default()
        };
        let r = AgentRecovery {
            total: t.clone(),
            lists: [(Kind::Unpaid, t)].into(),
        };
        let v = |k: &str| r.value(recovery_figure(k).unwrap());
        assert_eq!(v("recovered_items"), Some(3.0));
        assert_eq!(v("recovered_orders"), Some(2.0));
        assert_eq!(v("recovered_amount"), Some(123.45));
        assert_eq!(v("recovery_rate"), Some(0.75));
        assert_eq!(v("recovery_minutes"), Some(30.0));
        assert_eq!(v("unpaid_recovery_rate"), Some(0.75));
        // A list without items: counts are 0, a rate or mean is undefined.
        assert_eq!(v("refund_recovered_amount"), Some(0.0));
        assert_eq!(v("refund_recovery_rate"), None);
        assert_eq!(v("refund_recovery_minutes"), None);
        let (zh, en) = r.how(recovery_figure("recovery_rate").unwrap());
        assert_eq!(zh, "挽回 3 ÷ 本人联系过的已结项 4");
        assert_eq!(en, "3 recovered ÷ 4 decided items contacted");
    }
}
