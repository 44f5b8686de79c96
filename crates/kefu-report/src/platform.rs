//! Platform figures over a range of days (`kefu report --source platform`): one row per
//! (store, account, platform), each column of the platform's reports under its own name.
//!
//! How a range is read (`docs/formats.md`, "Platform figures in reports"):
//! - A stored value counts toward `from..=to` only when its own period lies within it; a
//!   value whose period reaches outside the range is left out entirely (it cannot be split
//!   into days).
//! - Counts and money add up over the values within the range. When values within the range
//!   overlap one another (a week's report and the daily ones of the same week), the longest
//!   periods are taken first and an overlapping shorter one is left out, so nothing is
//!   counted twice. One unknown value among those added makes the sum unknown.
//! - Rates, averages and durations are given only where one stored value's period is the
//!   whole range; otherwise they are `null` — never a mean of rates.
//! - A row's `from` and `to` are the requested range (what its figures are for); a row is
//!   listed when any stored value of it overlaps the range, with `null` where nothing adds up.

use std::collections::BTreeMap;
use std::io::Write;

use kefu_core::platform::{Amount, FigureKind, Platform};
use kefu_core::text::csv_text;
use kefu_core::time::Day;
use kefu_store::platform::StoredPlatformFigure;
use serde_json::{Map, Value as Json};

use crate::{Lang, Result, aligned};

/// One (store, account, platform) over the requested range.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformRow {
    pub store: String,
    /// `None` for the shop's own figures (shop-level reports).
    pub account: Option<String>,
    pub platform: Platform,
    pub from: Day,
    pub to: Day,
    /// (column as in the file, its kind, its value over the range: money in yuan).
    pub figures: Vec<(String, FigureKind, Option<f64>)>,
}

/// The rows of the figures read for `from..=to`, ordered by store, account (the shop's own
/// first) and platform; each row's columns by name.
pub fn rows(stored: &[StoredPlatformFigure], from: Day, to: Day) -> Vec<PlatformRow> {
    type Key = (String, String, Platform);
    type Columns = BTreeMap<String, (FigureKind, Vec<(Day, Day, Amount)>)>;
    let mut groups: BTreeMap<Key, Columns> = BTreeMap::new();
    for s in stored {
        let f = &s.figure;
        let key = (f.store.clone(), f.account.clone(), s.platform);
        let column = groups
            .entry(key)
            .or_default()
            .entry(f.column.clone())
            .or_insert((f.kind, Vec::new()));
        column.1.push((f.from, f.to, f.value));
    }
    groups
        .into_iter()
        .map(|((store, account, platform), columns)| PlatformRow {
            store,
            account: (!account.is_empty()).then_some(account),
            platform,
            from,
            to,
            figures: columns
                .into_iter()
                .map(|(name, (kind, values))| {
                    let v = kefu_core::platform::combine(&values, kind, from, to);
                    (name, kind, v)
                })
                .collect(),
        })
        .collect()
}

/// A value in JSON: a count that is a whole number as an integer (`120`), every other value
/// as a decimal number (`26.0`, `0.985`, `15230.5`).
fn number(kind: FigureKind, x: Option<f64>) -> Json {
    let Some(x) = x else { return Json::Null };
    if kind == FigureKind::Count && x.fract() == 0.0 && x.abs() < 9e15 {
        return Json::Number((x as i64).into());
    }
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

/// The JSON of `kefu report --source platform --format json`: an array of
/// `{store, account, platform, from, to, figures: {column: value|null}}`.
pub fn to_json(rows: &[PlatformRow]) -> Json {
    Json::Array(
        rows.iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("store".into(), Json::String(r.store.clone()));
                o.insert(
                    "account".into(),
                    r.account.clone().map_or(Json::Null, Json::String),
                );
                o.insert("platform".into(), Json::String(r.platform.as_str().into()));
                o.insert("from".into(), Json::String(r.from.to_string()));
                o.insert("to".into(), Json::String(r.to.to_string()));
                let figures: Map<String, Json> = r
                    .figures
                    .iter()
                    .map(|(name, kind, v)| (name.clone(), number(*kind, *v)))
                    .collect();
                o.insert("figures".into(), Json::Object(figures));
                Json::Object(o)
            })
            .collect(),
    )
}

fn text(x: Option<f64>) -> String {
    x.map_or(String::new(), |x| x.to_string())
}

/// CSV, one line per figure: `store,account,platform,from,to,figure,kind,value` (an empty
/// account is the shop's own; an empty value is not known for the range).
pub fn write_csv(rows: &[PlatformRow], out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "store", "account", "platform", "from", "to", "figure", "kind", "value",
    ])?;
    for r in rows {
        for (name, kind, v) in &r.figures {
            w.write_record([
                csv_text(&r.store).as_ref(),
                csv_text(r.account.as_deref().unwrap_or("")).as_ref(),
                r.platform.as_str(),
                &r.from.to_string(),
                &r.to.to_string(),
                csv_text(name).as_ref(),
                kind.as_str(),
                &text(*v),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Excel, one row per figure as in the CSV (headers in `lang`); rates as percents.
pub fn to_xlsx(rows: &[PlatformRow], lang: Lang) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = XFormat::new().set_bold();
    let pct = XFormat::new().set_num_format("0.00%");
    let money = XFormat::new().set_num_format("#,##0.00");
    let headers = [
        lang.t("店铺", "store"),
        lang.t("客服", "account"),
        lang.t("平台", "platform"),
        lang.t("开始", "from"),
        lang.t("结束", "to"),
        lang.t("指标", "figure"),
        lang.t("类型", "kind"),
        lang.t("数值", "value"),
    ];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    let mut r = 0u32;
    for row in rows {
        for (name, kind, v) in &row.figures {
            r += 1;
            ws.write_string(r, 0, &row.store)?;
            ws.write_string(r, 1, row.account.as_deref().unwrap_or(""))?;
            ws.write_string(r, 2, row.platform.as_str())?;
            ws.write_string(r, 3, row.from.to_string())?;
            ws.write_string(r, 4, row.to.to_string())?;
            ws.write_string(r, 5, name)?;
            ws.write_string(r, 6, kind.as_str())?;
            if let Some(x) = v {
                match kind {
                    FigureKind::Rate => ws.write_number_with_format(r, 7, *x, &pct)?,
                    FigureKind::Money => ws.write_number_with_format(r, 7, *x, &money)?,
                    _ => ws.write_number(r, 7, *x)?,
                };
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}

/// A table for the terminal, one line per figure.
pub fn to_table(rows: &[PlatformRow], lang: Lang) -> String {
    let mut lines = vec![vec![
        lang.t("店铺", "store").to_string(),
        lang.t("客服", "account").to_string(),
        lang.t("平台", "platform").to_string(),
        lang.t("指标", "figure").to_string(),
        lang.t("数值", "value").to_string(),
    ]];
    for r in rows {
        for (name, _, v) in &r.figures {
            lines.push(vec![
                r.store.clone(),
                r.account
                    .clone()
                    .unwrap_or_else(|| lang.t("（店铺）", "(shop)").to_string()),
                r.platform.as_str().to_string(),
                name.clone(),
                v.map_or("-".to_string(), |x| x.to_string()),
            ]);
        }
    }
    let mut out = aligned(&lines, 4);
    if rows.is_empty() {
        out.push_str(lang.t(
            "（该时间段没有平台报表数据）\n",
            "(no platform report data in this period)\n",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::platform::PlatformFigure;

    fn d(n: i32) -> Day {
        Day(n)
    }

    fn stored(
        account: &str,
        from: i32,
        to: i32,
        column: &str,
        kind: FigureKind,
        value: Amount,
    ) -> StoredPlatformFigure {
        StoredPlatformFigure {
            platform: Platform::Pdd,
            report: "pdd_agent".into(),
            figure: PlatformFigure {
                store: "店".into(),
                account: account.into(),
                from: d(from),
                to: d(to),
                column: column.into(),
                kind,
                value,
            },
        }
    }

    #[test]
    fn counts_add_rates_only_for_a_row_covering_the_range() {
        use FigureKind::*;
        let data = vec![
            stored("a", 1, 1, "咨询人数", Count, Amount::Number(10.0)),
            stored("a", 2, 2, "咨询人数", Count, Amount::Number(5.0)),
            stored("a", 1, 1, "客服销售额(元)", Money, Amount::Cents(10_010)),
            stored("a", 2, 2, "客服销售额(元)", Money, Amount::Cents(20_020)),
            stored(
                "a",
                1,
                1,
                "3分钟人工回复率(8-23点)",
                Rate,
                Amount::Number(0.9),
            ),
            stored(
                "a",
                2,
                2,
                "3分钟人工回复率(8-23点)",
                Rate,
                Amount::Number(0.8),
            ),
        ];
        let two = rows(&data, d(1), d(2));
        assert_eq!(two.len(), 1);
        let get = |r: &PlatformRow, c: &str| r.figures.iter().find(|f| f.0 == c).unwrap().2;
        assert_eq!(get(&two[0], "咨询人数"), Some(15.0));
        assert_eq!(get(&two[0], "客服销售额(元)"), Some(300.3));
        assert_eq!(get(&two[0], "3分钟人工回复率(8-23点)"), None);
        let one = rows(&data, d(2), d(2));
        assert_eq!(get(&one[0], "3分钟人工回复率(8-23点)"), Some(0.8));
        assert_eq!(get(&one[0], "咨询人数"), Some(5.0));
        // A range with none of the values within it: nothing adds up.
        let out = rows(
            &[stored("a", 1, 7, "咨询人数", Count, Amount::Number(70.0))],
            d(2),
            d(3),
        );
        assert_eq!(get(&out[0], "咨询人数"), None);
    }

    #[test]
    fn overlapping_periods_are_not_counted_twice() {
        use FigureKind::*;
        let data = vec![
            stored("a", 1, 7, "咨询人数", Count, Amount::Number(70.0)),
            stored("a", 1, 1, "咨询人数", Count, Amount::Number(10.0)),
            stored("a", 8, 8, "咨询人数", Count, Amount::Number(8.0)),
            stored(
                "a",
                1,
                7,
                "平均人工响应时长",
                Duration,
                Amount::Number(26.0),
            ),
        ];
        let r = rows(&data, d(1), d(8));
        assert_eq!(r[0].figures[0], ("咨询人数".into(), Count, Some(78.0)));
        assert_eq!(r[0].figures[1], ("平均人工响应时长".into(), Duration, None));
        let r = rows(&data, d(1), d(7));
        assert_eq!(r[0].figures[1].2, Some(26.0));
        // An unknown value among those added: the sum is unknown.
        let data = vec![
            stored("a", 1, 1, "投诉数", Count, Amount::Number(1.0)),
            stored("a", 2, 2, "投诉数", Count, Amount::Unknown),
        ];
        assert_eq!(rows(&data, d(1), d(2))[0].figures[0].2, None);
    }

    #[test]
    fn json_shape() {
        let data = vec![stored(
            "",
            1,
            1,
            "客服销售额(元)",
            FigureKind::Money,
            Amount::Cents(1_523_050),
        )];
        let j = to_json(&rows(&data, d(1), d(1)));
        assert_eq!(
            j,
            serde_json::json!([{
                "store": "店", "account": null, "platform": "pdd",
                "from": "1970-01-02", "to": "1970-01-02",
                "figures": {"客服销售额(元)": 15230.5}
            }])
        );
    }
}
