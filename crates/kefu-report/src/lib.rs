//! Reports: stored counters summed by account, group, day or store, and written as a table,
//! JSON, CSV or xlsx. Shared by the command line and the web app, so that every screen,
//! export and API answer shows the same figures under the same names.

use std::io::Write;

use kefu_core::figures::{ACCOUNT_FIGURES, Counters, Figure, STORE_FIGURES, Unit, Value};
use kefu_core::model::{NameId, Role};
use kefu_core::money::{format_yuan, yuan_f64};
use kefu_core::text::{csv_text, terminal_text};
use kefu_core::time::Day;
use kefu_store::{Db, StoreInfo};
use serde_json::{Map, Value as Json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Account,
    Group,
    Store,
    Day,
}

impl By {
    /// `account`, `group`, `store` or `day`.
    pub fn parse(s: &str) -> Option<By> {
        Some(match s {
            "account" => By::Account,
            "group" => By::Group,
            "store" => By::Store,
            "day" => By::Day,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Xlsx,
}

pub mod explain;
mod lang;
mod list_order;
pub mod plans;
pub mod platform;
pub mod reconcile;
pub use lang::Lang;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] kefu_store::StoreError),
    #[error("unknown figure `{key}`; known figures: {known}")]
    UnknownFigure { key: String, known: String },
    #[error("the list of `{figure}` cannot use `{choice}`")]
    ListChoice { figure: String, choice: String },
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("building the Excel file: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl kefu_core::localized::Localized for ReportError {
    fn zh(&self) -> String {
        match self {
            ReportError::Store(e) => kefu_core::localized::Localized::zh(e),
            ReportError::UnknownFigure { key, known } => {
                format!("未知指标 `{key}`；已知指标：{known}")
            }
            ReportError::ListChoice { figure, choice } => {
                format!("`{figure}` 的列表不能用 `{choice}`")
            }
            ReportError::Io(e) => format!("写入报表：{}", kefu_core::localized::io_zh(e)),
            ReportError::Csv(e) => format!("写入 CSV：{e}"),
            ReportError::Xlsx(e) => format!("生成 Excel 文件：{e}"),
        }
    }
}

pub type Result<T> = std::result::Result<T, ReportError>;

/// One row of a report: the store, the grouping key and the summed counters.
pub struct Row {
    pub store: String,
    /// Account name, group name (None = no group), or day; empty for `--by store`.
    pub key: Option<String>,
    /// The account of an account row.
    pub account: Option<NameId>,
    pub is_bot: bool,
    pub counters: Counters,
}

pub struct Report {
    pub by: By,
    pub rows: Vec<Row>,
    /// Only these figures (by key), in this order; all of them when empty.
    pub only: Vec<&'static Figure>,
    /// Whether the rows cover whole stores (not only some accounts): only then do store and
    /// day rows carry the store-level figures.
    pub whole_store: bool,
}

impl Report {
    pub fn key_name(&self) -> Option<&'static str> {
        match self.by {
            By::Account => Some("account"),
            By::Group => Some("group"),
            By::Day => Some("day"),
            By::Store => None,
        }
    }

    /// The figures the report shows, in order.
    pub fn figures(&self) -> Vec<&'static Figure> {
        if !self.only.is_empty() {
            return self.only.clone();
        }
        let store_level = self.whole_store && matches!(self.by, By::Store | By::Day);
        ACCOUNT_FIGURES
            .iter()
            .chain(STORE_FIGURES.iter().filter(|_| store_level))
            .collect()
    }
}

/// The figures named by a comma-separated list of keys (`consulted,sales`).
pub fn pick_figures(keys: &str) -> Result<Vec<&'static Figure>> {
    keys.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            kefu_core::figures::figure(k).ok_or_else(|| ReportError::UnknownFigure {
                key: k.to_string(),
                known: kefu_core::figures::known_keys(),
            })
        })
        .collect()
}

/// What part of a store a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub store: StoreInfo,
    /// Only these accounts (an agent's own), without store-level figures; `None`: everything.
    pub accounts: Option<Vec<NameId>>,
}

impl Scope {
    fn sees(&self, account: NameId) -> bool {
        self.accounts
            .as_ref()
            .is_none_or(|ids| ids.contains(&account))
    }
}

/// Reads the rows of a report: every store, or the one named.
pub fn build(db: &Db, by: By, from: Day, to: Day, store: Option<&str>) -> Result<Report> {
    let stores = match store {
        Some(name) => vec![db.store(name)?],
        None => db.stores()?,
    };
    let scopes: Vec<Scope> = stores
        .into_iter()
        .map(|store| Scope {
            store,
            accounts: None,
        })
        .collect();
    build_scoped(db, by, from, to, &scopes)
}

/// Reads the rows of a report over the given parts of stores.
pub fn build_scoped(db: &Db, by: By, from: Day, to: Day, scopes: &[Scope]) -> Result<Report> {
    let mut rows = Vec::new();
    for scope in scopes {
        let s = &scope.store;
        let row = |key: Option<String>, counters: Counters| Row {
            store: s.name.clone(),
            key,
            account: None,
            is_bot: false,
            counters,
        };
        // The sum of the visible accounts' counters over a range, when the scope is limited.
        let own = |from: Day, to: Day| -> Result<Option<Counters>> {
            let mut total: Option<Counters> = None;
            // With the hourly counters: the store and day rows chart them (an agent's hour
            // chart read zeros when these were left out).
            for (id, c) in db.counters_by_account_hourly(s.id, from, to)? {
                if scope.sees(id) {
                    *total.get_or_insert_with(Counters::default) += &c;
                }
            }
            if let Some(t) = total.as_mut() {
                t.1.settle();
            }
            Ok(total)
        };
        match by {
            By::Account | By::Group => {
                let accounts = db.accounts(s.id)?;
                let info = |id| accounts.iter().find(|a| a.id == id);
                let mut names: Vec<Option<String>> = Vec::new();
                let mut member: Vec<Option<usize>> = Vec::new();
                let mut members = Vec::new();
                let mut account_rows = Vec::new();
                for (id, c) in db.counters_by_account(s.id, from, to)? {
                    if !scope.sees(id) {
                        continue;
                    }
                    let a = info(id);
                    let is_bot = a.is_some_and(|a| a.is_bot || a.role == Some(Role::Bot));
                    if by == By::Account {
                        account_rows.push(Row {
                            store: s.name.clone(),
                            key: Some(a.map_or_else(|| format!("#{id}"), |a| a.name.clone())),
                            account: Some(id),
                            is_bot,
                            counters: c,
                        });
                    } else {
                        let g = a.and_then(|a| a.group.clone()).filter(|g| !g.is_empty());
                        let at = match names.iter().position(|k| *k == g) {
                            Some(at) => at,
                            None => {
                                names.push(g);
                                names.len() - 1
                            }
                        };
                        // Bots belong to no group.
                        member.push((!is_bot).then_some(at));
                        members.push((id, c));
                    }
                }
                account_rows.sort_by(|a, b| (a.is_bot, &a.key).cmp(&(b.is_bot, &b.key)));
                rows.extend(account_rows);
                if by == By::Group {
                    // Summed in the store, which keeps each group's first response times.
                    let sums = db.sum_groups(s.id, (from, to), members, &member, names.len())?;
                    let used: Vec<bool> = (0..names.len())
                        .map(|g| member.contains(&Some(g)))
                        .collect();
                    let mut groups: Vec<(Option<String>, Counters)> = names
                        .into_iter()
                        .zip(sums)
                        .zip(used)
                        .filter_map(|(gc, used)| used.then_some(gc))
                        .collect();
                    groups.sort_by(|a, b| (a.0.is_none(), &a.0).cmp(&(b.0.is_none(), &b.0)));
                    rows.extend(groups.into_iter().map(|(g, c)| row(g, c)));
                }
            }
            By::Day if scope.accounts.is_none() => {
                for (day, c) in db.counters_by_day(s.id, from, to)? {
                    rows.push(row(Some(day.to_string()), c));
                }
            }
            By::Day => {
                let mut day = from;
                while day <= to {
                    if let Some(c) = own(day, day)? {
                        rows.push(row(Some(day.to_string()), c));
                    }
                    day = day.offset(1);
                }
            }
            By::Store if scope.accounts.is_none() => {
                rows.push(row(None, db.store_counters(s.id, from, to)?));
            }
            By::Store => rows.push(row(None, own(from, to)?.unwrap_or_default())),
        }
    }
    let whole_store = scopes.iter().all(|s| s.accounts.is_none());
    Ok(Report {
        by,
        rows,
        only: Vec::new(),
        whole_store,
    })
}

/// A figure's value as a number to compare and chart (money in yuan).
pub fn number(v: Value) -> Option<f64> {
    v.number()
}

/// A figure's value as JSON: a count as an integer, money in yuan, a ratio as a number;
/// `null` when undefined.
pub fn json_value(v: Value) -> Json {
    match v {
        Value::Count(n) => Json::from(n),
        Value::Money(c) => {
            serde_json::Number::from_f64(yuan_f64(c)).map_or(Json::Null, Json::Number)
        }
        Value::Ratio(r) => r
            .and_then(serde_json::Number::from_f64)
            .map_or(Json::Null, Json::Number),
    }
}

pub fn to_json(report: &Report) -> Json {
    Json::Array(json_rows(report).into_iter().map(Json::Object).collect())
}

/// The rows of [`to_json`]: per row `store`, the row's key (`account`, `group` or `day`, by
/// [`Report::key_name`]) and every figure of [`Report::figures`].
pub fn json_rows(report: &Report) -> Vec<Map<String, Json>> {
    let figures = report.figures();
    report
        .rows
        .iter()
        .map(|row| {
            let mut m = Map::new();
            m.insert("store".into(), Json::from(row.store.clone()));
            if let Some(k) = report.key_name() {
                m.insert(k.into(), row.key.clone().map_or(Json::Null, Json::from));
            }
            for f in &figures {
                m.insert(f.key.into(), json_value(f.value(&row.counters)));
            }
            m
        })
        .collect()
}

/// A figure as people read it ([`Figure::display`]: by its unit).
pub fn display(f: &Figure, v: Value) -> String {
    f.display(v)
}

fn headers(report: &Report, lang: Lang, machine: bool) -> Vec<String> {
    let mut h = vec![if machine {
        "store".to_string()
    } else {
        lang.t("店铺", "Store").to_string()
    }];
    if let Some(k) = report.key_name() {
        h.push(if machine {
            k.to_string()
        } else {
            match report.by {
                By::Account => lang.t("客服账号", "Account"),
                By::Group => lang.t("组", "Group"),
                _ => lang.t("日期", "Day"),
            }
            .to_string()
        });
    }
    for f in report.figures() {
        h.push(if machine {
            f.key.to_string()
        } else {
            lang.t(f.zh, f.en).to_string()
        });
    }
    h
}

fn key_cell(row: &Row, lang: Lang) -> String {
    let mut k = row
        .key
        .clone()
        .unwrap_or_else(|| lang.t("(未分组)", "(no group)").to_string());
    if row.is_bot {
        k.push_str(lang.t(" [机器人]", " [bot]"));
    }
    k
}

fn cells(report: &Report, row: &Row, lang: Lang) -> Vec<String> {
    let mut c = vec![row.store.clone()];
    if report.key_name().is_some() {
        c.push(key_cell(row, lang));
    }
    for f in report.figures() {
        c.push(display(f, f.value(&row.counters)));
    }
    c
}

/// Display width: CJK characters take two columns in a terminal.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !matches!(c, '→' | '·') {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Rows as columns for a terminal, two spaces apart; the first `left` columns are
/// left-aligned (names), the rest right-aligned (numbers).
///
/// Every cell goes through [`terminal_text`]: names come from imported data, and an escape
/// sequence in one must reach the terminal as text, not as a command.
pub fn aligned(rows: &[Vec<String>], left: usize) -> String {
    let rows: Vec<Vec<std::borrow::Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| terminal_text(c)).collect())
        .collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut out = String::new();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - width(c));
            if i < left {
                out.push_str(c);
                out.push_str(&pad);
            } else {
                out.push_str(&pad);
                out.push_str(c);
            }
            out.push_str(if i + 1 < row.len() { "  " } else { "\n" });
        }
    }
    out
}

pub fn to_table(report: &Report, lang: Lang) -> String {
    let mut rows = vec![headers(report, lang, false)];
    rows.extend(report.rows.iter().map(|r| cells(report, r, lang)));
    let mut out = aligned(&rows, 2);
    if report.rows.is_empty() {
        out.push_str(lang.t("（该时间段没有数据）\n", "(no data in this period)\n"));
    }
    out
}

/// CSV for machines: a header of figure keys (`store,account,consulted,…`), plain numbers.
pub fn write_csv(report: &Report, out: impl Write) -> Result<()> {
    csv_with_header(report, headers(report, Lang::En, true), out)
}

/// CSV for people: the header names of the screen in `lang`, plain numbers.
pub fn write_csv_named(report: &Report, lang: Lang, out: impl Write) -> Result<()> {
    csv_with_header(report, headers(report, lang, false), out)
}

fn csv_with_header(report: &Report, header: Vec<String>, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    let figures = report.figures();
    for row in &report.rows {
        let mut rec = vec![csv_text(&row.store).into_owned()];
        if report.key_name().is_some() {
            rec.push(csv_text(row.key.as_deref().unwrap_or_default()).into_owned());
        }
        for f in &figures {
            rec.push(match f.value(&row.counters) {
                Value::Count(n) => n.to_string(),
                Value::Money(c) => format_yuan(c),
                Value::Ratio(None) => String::new(),
                Value::Ratio(Some(x)) => x.to_string(),
            });
        }
        w.write_record(rec)?;
    }
    w.flush()?;
    Ok(())
}

/// The report as an `.xlsx` workbook: the table's columns and names, numbers as numbers.
pub fn to_xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = XFormat::new().set_bold();
    let pct = XFormat::new().set_num_format("0.00%");
    let money = XFormat::new().set_num_format("#,##0.00");
    let dec = XFormat::new().set_num_format("0.0");
    for (i, h) in headers(report, lang, false).iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &bold)?;
    }
    let figures = report.figures();
    for (r, row) in report.rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &row.store)?;
        let mut col = 1u16;
        if report.key_name().is_some() {
            ws.write_string(r, col, key_cell(row, lang))?;
            col += 1;
        }
        for f in &figures {
            match f.value(&row.counters) {
                Value::Count(n) => ws.write_number(r, col, n as f64)?,
                Value::Money(c) => ws.write_number_with_format(r, col, yuan_f64(c), &money)?,
                Value::Ratio(None) => ws,
                Value::Ratio(Some(x)) => {
                    let format = match f.unit {
                        Unit::Seconds | Unit::Ratio => &dec,
                        Unit::Yuan => &money,
                        Unit::Count | Unit::Percent => &pct,
                    };
                    ws.write_number_with_format(r, col, x, format)?
                }
            };
            col += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}

/// The import's warnings about refunds as lines of text, at most `limit` of them and a last
/// line counting the rest (the CLI prints them, the import page lists them).
pub fn refund_warning_lines(
    warnings: &[kefu_store::RefundWarning],
    lang: Lang,
    limit: usize,
) -> Vec<String> {
    use kefu_core::money::format_yuan;
    let mut lines: Vec<String> = warnings
        .iter()
        .take(limit)
        .map(|w| match w.over {
            None => format!(
                "{} {} {} {}: {} {} {}",
                lang.t("店铺", "store"),
                w.store,
                lang.t("退款", "refund"),
                w.refund_id,
                lang.t("订单", "order"),
                w.order_id,
                lang.t(
                    "不在订单数据中（不从任何人的提成中扣减）",
                    "is not among the orders (it is deducted from nobody's commission)"
                ),
            ),
            Some((order, refunded)) => format!(
                "{} {} {} {}: {} {}, {} {}{}",
                lang.t("店铺", "store"),
                w.store,
                lang.t("订单", "order"),
                w.order_id,
                lang.t("金额", "amount"),
                format_yuan(order),
                lang.t("成功退款合计", "refunded in all"),
                format_yuan(refunded),
                lang.t(
                    "，超过订单金额；绩效最多扣减订单金额",
                    ", more than the order; plans deduct at most the order's amount"
                ),
            ),
        })
        .collect();
    if warnings.len() > limit {
        lines.push(format!(
            "{} {} {}",
            lang.t("另有", "and"),
            warnings.len() - limit,
            lang.t("条退款警告", "more refund warnings")
        ));
    }
    lines
}

#[cfg(test)]
mod localized_tests {
    use kefu_core::localized::{Localized, has_chinese};

    use super::*;

    #[test]
    fn every_report_error_reads_in_both_languages() {
        let all = [
            ReportError::Store(kefu_store::StoreError::UnknownStore("x".into())),
            ReportError::UnknownFigure {
                key: "k".into(),
                known: "a, b".into(),
            },
            ReportError::Io(std::io::Error::other("disk")),
            ReportError::Csv(csv::Error::from(std::io::Error::other("pipe"))),
            ReportError::Xlsx(rust_xlsxwriter::XlsxError::SheetnameCannotBeBlank(
                String::new(),
            )),
        ];
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty(), "{}", e.en());
        }
        assert_eq!(Lang::Zh.msg(&all[1]), "未知指标 `k`；已知指标：a, b");
        assert_eq!(
            Lang::En.msg(&all[1]),
            "unknown figure `k`; known figures: a, b"
        );
    }
}
