//! Reconciliation (`kefu reconcile`): for a store with raw chats and platform reports, kefu's
//! figure next to the platform's for each figure that means the same thing, per report
//! account and period the report covers (a daily report: per day), with the difference and
//! the known reason where the definitions differ (`docs/metrics.md`, "Reconciliation").

use std::collections::{BTreeMap, HashMap};

use kefu_core::figures::{ACCOUNT_FIGURES, Counters, Figure};
use kefu_core::model::NameId;
use kefu_core::platform::{self, Amount, FigureKind, Platform};
use kefu_core::time::Day;
use kefu_store::Db;
use serde_json::{Value as Json, json};

use crate::{Lang, Result, aligned};

/// A kefu figure and the platform report columns that mean the same thing, with why their
/// values can differ.
pub struct Pair {
    pub figure: &'static str,
    /// Column names as in the files (any platform).
    pub columns: &'static [&'static str],
    pub reason_zh: &'static str,
    pub reason_en: &'static str,
}

/// The pairs kefu reconciles (the table of `docs/metrics.md`, "Reconciliation").
pub const PAIRS: &[Pair] = &[
    Pair {
        figure: "tb_avg_response_secs",
        columns: &["旺旺人工平响", "平均人工响应时长", "人工平均回复时长"],
        reason_zh: "kefu 按聊天记录的秒级时间计算 8:00–23:00 开始的轮次，每轮最多 600 秒、未回复按 600 秒；平台的会话切分、窗口和上限未完全公开，各平台（淘宝、拼多多、快手）也不同",
        reason_en: "kefu takes the rounds opened 08:00–23:00 from the chat log's timestamps, each at most 600 s and 600 s when unanswered; the platform's session split, window and cap are not fully published and differ by platform (Taobao, Pinduoduo, Kuaishou)",
    },
    Pair {
        figure: "answered_within_3min_rate",
        columns: &["3分钟人工响应率", "客服3分钟人工回复率"],
        reason_zh: "kefu 按轮次计（8:00–24:00 开始、180 秒内回复的轮次占比，机器人回复也算）；平台按买家或会话计、只算人工，窗口为 8–23 点",
        reason_en: "kefu counts rounds (of those opened 08:00–24:00, the share answered within 180 s, bot answers included); the platform counts buyers or sessions, people's replies only, over 8–23 o'clock",
    },
    Pair {
        figure: "pdd_3min_rate",
        columns: &["3分钟人工回复率(8-23点)", "三分钟回复率（人维度）"],
        reason_zh: "kefu 按聊天记录取每位买家当天 8–23 点第一个需要人工回复的问题，看客服是否 180 秒内回复；机器人回复和转出的问题不计。平台以自己的会话状态判断是否需要人工，3分钟未回复人数也可能计入当天任何一次未及时回复",
        reason_en: "kefu takes each buyer's first question of the day (8–23 o'clock) that needs a person, from the chat log, and whether an agent answered it within 180 s; questions a bot answered or that were transferred are left out. The platform decides what needs a person by its own session state, and its 3分钟未回复人数 may count any late answer of the day",
    },
    Pair {
        figure: "pdd_30s_rate",
        columns: &["30秒应答率(8-23点)"],
        reason_zh: "kefu 同 3分钟人工回复率，只是时限为 30 秒；平台对“应答”的判定（是否含智能辅助）未公开",
        reason_en: "kefu as for the 3-minute human reply rate, within 30 s; what the platform counts as an answer (assisted replies or not) is not published",
    },
    Pair {
        figure: "jd_30s_rate",
        columns: &["30s应答率"],
        reason_zh: "kefu 以聊天记录中 10 分钟无消息切分会话，取 9:00–23:00 开始的会话的第一个问题，看客服是否 30 秒内回复；京东按自己的会话状态（关闭、超时、转接、留言）切分会话",
        reason_en: "kefu cuts sessions at 10 minutes of silence in the chat log and takes the first question of each session started 09:00–23:00, answered by an agent within 30 s or not; JD cuts sessions by its own state (closed, timed out, transferred, left as a message)",
    },
    Pair {
        figure: "dy_3min_rate",
        columns: &["工作时间3分钟回复率"],
        reason_zh: "kefu 以 10 分钟无消息切分会话，8:00–23:00 开始、会话内每个需要人工的问题都在 180 秒内由客服回复才算；飞鸽按自己的会话和转人工状态计算",
        reason_en: "kefu cuts sessions at 10 minutes of silence; a session started 08:00–23:00 counts as answered in time when an agent answered every question of it that needed a person within 180 s; 飞鸽 uses its own sessions and its own 转人工 state",
    },
    Pair {
        figure: "dy_3min_rate_all_day",
        columns: &["全天3分钟回复率"],
        reason_zh: "同工作时间3分钟回复率，但不限开始时间；飞鸽按自己的会话和转人工状态计算",
        reason_en: "as the working-hours rate, sessions started at any time; 飞鸽 uses its own sessions and its own 转人工 state",
    },
    Pair {
        figure: "sales",
        columns: &[
            "客服销售额(元)",
            "客服销售额",
            "客服询单支付额",
            "促成下单商品金额",
        ],
        reason_zh: "kefu 把付款订单归给下单前最后接待的客服，记在接待当天；平台用自己的归属规则（生意参谋业绩判定、拼多多和抖店的询单窗口、京东按下单），计入日期也可能是付款日",
        reason_en: "kefu credits a paid order to the last reception before the order, on the reception's day; the platform uses its own rule (生意参谋's 业绩判定规则, the inquiry windows of Pinduoduo and Douyin, JD by order) and may count it on the payment day",
    },
    Pair {
        figure: "consulted",
        columns: &["咨询人数"],
        reason_zh: "kefu 计当天与该客服有接待的买家；平台可能把只与机器人对话、或转接前后的买家计入或排除",
        reason_en: "kefu counts the buyers with a reception of the account that day; the platform may count or leave out buyers who spoke only to a bot or were transferred",
    },
    Pair {
        figure: "inquiries",
        columns: &["询单人数"],
        reason_zh: "kefu 的询单由下单意向规则判定（docs/metrics.md）；平台的询单口径未公开",
        reason_en: "kefu decides an inquiry by its purchase-intent rule (docs/metrics.md); the platform's definition is not published",
    },
];

/// One compared value: a report account's platform column over the period one report covers,
/// next to kefu's figure over the same days.
#[derive(Clone)]
pub struct ReconRow {
    /// The account as the report writes it.
    pub account: String,
    /// The kefu account it is (`None`: kefu has no such account).
    pub kefu_account: Option<String>,
    pub platform: Platform,
    pub from: Day,
    pub to: Day,
    pub figure: &'static Figure,
    pub column: String,
    /// kefu's value (money in yuan, rates as fractions, times in seconds).
    pub kefu: Option<f64>,
    pub platform_value: Option<f64>,
    pub pair: &'static Pair,
}

impl ReconRow {
    /// kefu's value minus the platform's, when both are known.
    pub fn difference(&self) -> Option<f64> {
        Some(self.kefu? - self.platform_value?)
    }
}

/// The reconciliation of `store` for the report periods that lie within `from..=to`, by
/// report account, period, platform and pair.
pub fn reconcile(db: &Db, store: &str, from: Day, to: Day) -> Result<Vec<ReconRow>> {
    let info = db.store(store)?;
    let accounts = db.accounts(info.id)?;
    let stored = db.platform_figures_of(info.id, &info.name, from, to)?;
    // (account, from, to, platform, column) → kind, value; only periods within the range and
    // the paired columns.
    type Key = (String, Day, Day, Platform, String);
    let mut values: BTreeMap<Key, (FigureKind, Amount)> = BTreeMap::new();
    for s in &stored {
        let f = &s.figure;
        if f.account.is_empty() || f.from < from || f.to > to {
            continue;
        }
        if !PAIRS.iter().any(|p| p.columns.contains(&f.column.as_str())) {
            continue;
        }
        values.insert(
            (
                f.account.clone(),
                f.from,
                f.to,
                s.platform,
                f.column.clone(),
            ),
            (f.kind, f.value),
        );
    }
    let mut counters: HashMap<(Day, Day), HashMap<NameId, Counters>> = HashMap::new();
    let mut out = Vec::new();
    for ((account, a, b, platform, column), (kind, value)) in values {
        let Some(pair) = PAIRS.iter().find(|p| p.columns.contains(&column.as_str())) else {
            continue;
        };
        let Some(figure) = ACCOUNT_FIGURES.iter().find(|f| f.key == pair.figure) else {
            continue;
        };
        let kefu_account = accounts.iter().find(|x| x.name == account).or_else(|| {
            accounts
                .iter()
                .find(|x| platform::without_shop(&x.name) == Some(account.as_str()))
        });
        let of_period = match counters.get(&(a, b)) {
            Some(c) => c,
            None => {
                let read: HashMap<NameId, Counters> =
                    db.counters_by_account(info.id, a, b)?.into_iter().collect();
                counters.entry((a, b)).or_insert(read)
            }
        };
        let kefu = kefu_account.and_then(|x| {
            let c = of_period.get(&x.id)?;
            figure.value(c).number()
        });
        out.push(ReconRow {
            account,
            kefu_account: kefu_account.map(|x| x.name.clone()),
            platform,
            from: a,
            to: b,
            figure,
            column,
            kefu,
            platform_value: platform::combine(&[(a, b, value)], kind, a, b),
            pair,
        });
    }
    Ok(out)
}

/// The JSON of `kefu reconcile --format json`: an array of rows.
pub fn to_json(rows: &[ReconRow]) -> Json {
    Json::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "account": r.account,
                    "kefu_account": r.kefu_account,
                    "platform": r.platform.as_str(),
                    "from": r.from.to_string(),
                    "to": r.to.to_string(),
                    "figure": r.figure.key,
                    "column": r.column,
                    "kefu": r.kefu,
                    "platform_value": r.platform_value,
                    "difference": r.difference(),
                    "reason": r.pair.reason_en,
                    "reason_zh": r.pair.reason_zh,
                })
            })
            .collect(),
    )
}

/// A value as the figure writes it (`-` when not known).
fn shown(figure: &Figure, x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| figure.number_text(x))
}

/// A table for the terminal, a line per compared value, the reasons below.
pub fn to_table(rows: &[ReconRow], lang: Lang) -> String {
    let mut lines = vec![vec![
        lang.t("客服", "account").to_string(),
        lang.t("平台", "platform").to_string(),
        lang.t("期间", "period").to_string(),
        lang.t("指标", "figure").to_string(),
        lang.t("平台列", "column").to_string(),
        "kefu".to_string(),
        lang.t("平台", "platform").to_string(),
        lang.t("差异", "difference").to_string(),
    ]];
    for r in rows {
        let period = if r.from == r.to {
            r.from.to_string()
        } else {
            format!("{}~{}", r.from, r.to)
        };
        lines.push(vec![
            r.account.clone(),
            r.platform.as_str().to_string(),
            period,
            r.figure.key.to_string(),
            r.column.clone(),
            shown(r.figure, r.kefu),
            shown(r.figure, r.platform_value),
            shown(r.figure, r.difference()),
        ]);
    }
    let mut text = aligned(&lines, 5);
    let mut used: Vec<&Pair> = Vec::new();
    for r in rows {
        if !used.iter().any(|p| std::ptr::eq(*p, r.pair)) {
            used.push(r.pair);
        }
    }
    for p in used {
        text.push_str(&format!(
            "{}: {}\n",
            p.figure,
            lang.t(p.reason_zh, p.reason_en)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kefu figure has one pair and each report column one meaning, and every pair names
    /// a figure kefu has, with its reason in both languages.
    #[test]
    fn pairs_are_one_per_figure_and_column() {
        let mut figures: Vec<&str> = PAIRS.iter().map(|p| p.figure).collect();
        let mut columns: Vec<&str> = PAIRS
            .iter()
            .flat_map(|p| p.columns.iter().copied())
            .collect();
        let (nf, nc) = (figures.len(), columns.len());
        figures.sort_unstable();
        figures.dedup();
        columns.sort_unstable();
        columns.dedup();
        assert_eq!((figures.len(), columns.len()), (nf, nc));
        for p in PAIRS {
            assert!(
                ACCOUNT_FIGURES.iter().any(|f| f.key == p.figure),
                "{}",
                p.figure
            );
            assert!(kefu_core::localized::has_chinese(p.reason_zh) && !p.reason_en.is_empty());
        }
        // The platform profiles' own figures are reconciled with the platforms' columns.
        for key in [
            "pdd_3min_rate",
            "pdd_30s_rate",
            "jd_30s_rate",
            "dy_3min_rate",
            "dy_3min_rate_all_day",
        ] {
            assert!(PAIRS.iter().any(|p| p.figure == key), "{key}");
        }
    }
}
