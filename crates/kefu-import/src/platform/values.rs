//! The values of platform reports: what a column counts (from its name) and how its cells
//! read (percent strings, text durations, money with thousands separators, placeholders).

use kefu_core::platform::{Amount, FigureKind};
use kefu_core::time::Day;

/// A header name as compared: spaces removed, full-width brackets and percent signs made
/// ASCII (`平均响应时长（新）` = `平均响应时长(新)`), a stray byte-order mark dropped. The name
/// stored is always the file's own.
pub(crate) fn norm(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '％' => '%',
            '：' => ':',
            '－' => '-',
            '＞' => '>',
            other => other,
        })
        .collect()
}

/// What a column counts, read from its (normalised) name; `None`: not a figure (names, ids,
/// groups, ranks), left out of the import with a warning.
pub(crate) fn kind_of(name: &str) -> Option<FigureKind> {
    let has = |p: &[&str]| p.iter().any(|x| name.contains(x));
    let ends = |p: &[&str]| p.iter().any(|x| name.ends_with(x));
    if name.contains('率') {
        return Some(FigureKind::Rate);
    }
    if has(&["时长", "响应时间", "(秒)", "平响", "首响", "(s)"]) {
        return Some(FigureKind::Duration);
    }
    if has(&[
        "客单价",
        "件均价",
        "均价",
        "客件数",
        "比",
        "服务分",
        "服务度",
        "平均",
        "最大",
        "均值",
    ]) {
        return Some(FigureKind::Average);
    }
    if has(&["(元)"]) || ends(&["额", "金额"]) {
        return Some(FigureKind::Money);
    }
    if has(&["人数", "人次"])
        || ends(&[
            "数",
            "量",
            "笔",
            "满意",
            "不满",
            "很不满",
            "一般",
            "发出",
            "收到",
        ])
    {
        return Some(FigureKind::Count);
    }
    None
}

/// Cells that mean "not known": empty, the placeholders reports write, and 赤兔's
/// `延迟统计` (a figure the tool has not settled yet).
pub(crate) fn is_unknown(s: &str) -> bool {
    matches!(
        s,
        "" | "-"
            | "--"
            | "—"
            | "——"
            | "/"
            | "N/A"
            | "n/a"
            | "NA"
            | "null"
            | "NULL"
            | "None"
            | "延迟统计"
            | "暂无"
            | "暂无数据"
            | "无"
            | "无数据"
    )
}

/// Rows of totals and means that reports add below (or above) the agents' rows
/// (`总计`, `合计(12人)`, `汇总：`, `店铺汇总值`, `同行同层平均`, …).
pub(crate) fn is_summary_label(s: &str) -> bool {
    matches!(
        s,
        "总和" | "平均" | "平均值" | "均值" | "全店" | "总体" | "整体" | "全部"
    ) || [
        "总计",
        "合计",
        "小计",
        "汇总",
        "店铺汇总",
        "店铺平均",
        "同行",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// A cell as written, without the wrappers exports add: surrounding spaces and quotes, the
/// `="…"` formula wrapper, a leading `'` and TABs (拼多多 ends values with one).
pub(crate) fn clean(s: &str) -> &str {
    let mut s = s.trim();
    if let Some(inner) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        s = inner.trim();
    }
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        s = inner.trim();
    }
    if let Some(rest) = s.strip_prefix('\'') {
        s = rest.trim();
    }
    s
}

/// A plain decimal number: sign, digits, at most one point, thousands separators between
/// digit groups. Returns (negative, integer digits, fraction digits).
fn decimal(s: &str) -> Option<(bool, String, String)> {
    let s = s.trim();
    // Longer than any figure (a 100 MB cell is refused at once).
    if s.len() > 40 {
        return None;
    }
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let groups: Vec<&str> = int.split(',').collect();
    if groups.len() > 1
        && (groups.first().is_none_or(|g| g.is_empty() || g.len() > 3)
            || groups.iter().skip(1).any(|g| g.len() != 3))
    {
        return None;
    }
    let int: String = groups.concat();
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Longer than any figure; keeps the parse cheap and the f64 meaningful.
    if int.len() + frac.len() > 30 {
        return None;
    }
    Some((neg, int, frac.to_string()))
}

/// The f64 nearest to the decimal `digits × 10^-(frac_len + shift)`, read from text so that
/// `98.5%` is exactly the f64 of `0.985`.
fn to_f64(neg: bool, int: &str, frac: &str, shift: usize) -> Option<f64> {
    let mut digits = String::with_capacity(int.len() + frac.len() + shift + 3);
    let all: String = format!("{int}{frac}");
    let point = int.len() as isize - shift as isize;
    if neg {
        digits.push('-');
    }
    if point <= 0 {
        digits.push_str("0.");
        digits.extend(std::iter::repeat_n('0', (-point) as usize));
        digits.push_str(&all);
    } else {
        let p = point as usize;
        digits.push_str(all.get(..p)?);
        digits.push('.');
        digits.push_str(all.get(p..)?);
        if digits.ends_with('.') {
            digits.push('0');
        }
    }
    digits.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A number (`1,234.5`, `26.0`, or `1.23E+05` as spreadsheets write large numbers).
pub(crate) fn number(s: &str) -> Option<f64> {
    match decimal(s) {
        Some((neg, int, frac)) => to_f64(neg, &int, &frac, 0),
        None => scientific(s),
    }
}

/// `1.23E+05`: a decimal mantissa and a small exponent.
fn scientific(s: &str) -> Option<f64> {
    let s = s.trim();
    let (mantissa, exponent) = s.split_once(['e', 'E'])?;
    decimal(mantissa)?;
    let e: i32 = exponent
        .strip_prefix('+')
        .unwrap_or(exponent)
        .parse()
        .ok()?;
    if !(-20..=20).contains(&e) {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A percent string (`98.5%`, `98.5 %`) as a fraction (0.985); `None` when `s` has no `%`.
pub(crate) fn percent(s: &str) -> Option<Option<f64>> {
    let body = s.trim().strip_suffix(['%', '％'])?;
    Some(decimal(body).and_then(|(neg, int, frac)| to_f64(neg, &int, &frac, 2)))
}

/// A number given in percent without the sign (98.5 → 0.985).
pub(crate) fn percent_number(s: &str) -> Option<f64> {
    let (neg, int, frac) = decimal(s)?;
    to_f64(neg, &int, &frac, 2)
}

/// Yuan (`15230.5`, `¥1,299.00`, `1299元`) as cents; more than two decimals round to the
/// nearest cent, halves away from zero.
pub(crate) fn money(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_prefix(['¥', '￥']).unwrap_or(s);
    let s = s.strip_suffix('元').unwrap_or(s).trim();
    let Some((neg, int, frac)) = decimal(s) else {
        // `1.5E+04`: exact enough at the cent for any amount a report holds.
        let cents = (scientific(s)? * 100.0).round();
        return (cents.abs() < 9e15).then_some(cents as i64);
    };
    let mut cents: i64 = 0;
    for b in int
        .bytes()
        .chain(frac.bytes().chain(std::iter::repeat(b'0')).take(2))
    {
        cents = cents.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    if frac.as_bytes().get(2).is_some_and(|&d| d >= b'5') {
        cents = cents.checked_add(1)?;
    }
    Some(if neg { -cents } else { cents })
}

/// A duration in seconds: a number of seconds (`26`, `26.5`, `150s`), text such as `2分30秒`,
/// `7小时41分52秒`, `1天2小时`, `2.5分钟`, or a clock `00:02:30` / `02:30` (minutes:seconds).
pub(crate) fn duration(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(x) = number(s.strip_suffix(['s', 'S']).unwrap_or(s)) {
        return Some(x);
    }
    // A time cell of a workbook reads as a moment of Excel's day 0 (`1899-12-30 00:02:30`).
    if let Some((date, clock)) = s.split_once(' ')
        && let (Some(d), Some(zero)) = (day(date), Day::from_ymd(1899, 12, 30))
        && (0..=31).contains(&(d.0 - zero.0))
    {
        return Some(f64::from(d.0 - zero.0) * 86_400.0 + duration(clock)?);
    }
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() > 3 || parts.len() < 2 {
            return None;
        }
        let mut total = 0.0;
        for p in &parts {
            let (neg, int, frac) = decimal(p)?;
            if neg {
                return None;
            }
            total = total * 60.0 + to_f64(false, &int, &frac, 0)?;
        }
        return Some(total);
    }
    // Text units: a number followed by its unit, any number of times.
    const UNITS: &[(&str, f64)] = &[
        ("小时", 3600.0),
        ("时", 3600.0),
        ("天", 86400.0),
        ("分钟", 60.0),
        ("分", 60.0),
        ("秒钟", 1.0),
        ("秒", 1.0),
        ("min", 60.0),
        ("h", 3600.0),
        ("m", 60.0),
        ("s", 1.0),
    ];
    let mut rest = s;
    let mut total = 0.0;
    let mut any = false;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(end);
        let value = number(num)?;
        let after = after.trim_start();
        let (unit, scale) = UNITS.iter().find(|(u, _)| after.starts_with(u))?;
        total += value * scale;
        any = true;
        rest = after.get(unit.len()..)?.trim_start();
    }
    any.then_some(total)
}

/// Why a cell is not a value of its column.
pub(crate) fn expected(kind: FigureKind) -> &'static str {
    match kind {
        FigureKind::Count => "expected a number such as 1,234 (or empty or - when not known)",
        FigureKind::Money => {
            "expected an amount in yuan such as 15230.5 or 1,234.50 (or empty or - when not known)"
        }
        FigureKind::Rate => "expected a rate such as 98.5% or 0.985 (or empty or - when not known)",
        FigureKind::Average => "expected a number such as 26.5 (or empty or - when not known)",
        FigureKind::Duration => {
            "expected a duration such as 26 (seconds), 2分30秒 or 7小时41分52秒 (or empty or - when not known)"
        }
    }
}

/// How the bare numbers of a rate column read: as fractions (0.985), or, when any of them
/// is above 1, as percents without the sign (98.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateScale {
    Fraction,
    Percent,
}

/// A cell of a column of `kind`. `Err(())`: not a value of the column.
pub(crate) fn amount(kind: FigureKind, s: &str, scale: RateScale) -> Result<Amount, ()> {
    let s = clean(s);
    if is_unknown(s) {
        return Ok(Amount::Unknown);
    }
    let n = |x: Option<f64>| x.map(Amount::Number).ok_or(());
    match kind {
        FigureKind::Money => money(s).map(Amount::Cents).ok_or(()),
        FigureKind::Duration => n(duration(s)),
        FigureKind::Rate | FigureKind::Average => match percent(s) {
            Some(p) => n(p),
            None if kind == FigureKind::Rate && scale == RateScale::Percent => n(percent_number(s)),
            None => n(number(s)),
        },
        FigureKind::Count => n(number(s)),
    }
}

/// A day as reports write it: `2026-11-01`, `2026/11/1`, `20261101`, `2026年11月1日`,
/// `2026.11.01`, with or without a time after it, or an Excel day number (`46327`).
pub(crate) fn day(s: &str) -> Option<Day> {
    let s = clean(s);
    let date = s.split([' ', 'T']).next().unwrap_or(s);
    if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        let y = date.get(..4)?.parse().ok()?;
        let m = date.get(4..6)?.parse().ok()?;
        let d = date.get(6..)?.parse().ok()?;
        return Day::from_ymd(y, m, d);
    }
    if (4..=6).contains(&date.len())
        && date.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = date.parse::<i32>()
        && (20_000..=80_000).contains(&n)
    {
        // Excel's day 0 is 1899-12-30 (with the 1900 leap-year bug, for every day after it).
        return Some(Day(n - 25_569));
    }
    let unified: String = date
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            other => other,
        })
        .filter(|c| *c != '日')
        .collect();
    let mut parts = unified.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    if parts.next().is_some_and(|p| !p.is_empty()) {
        return None;
    }
    if y < 1899 {
        return None;
    }
    Day::from_ymd(y, m, d)
}

/// A period: one day, or two days joined by `~`, `～`, `至`, `到`, `—` or ` - `.
pub(crate) fn period(s: &str) -> Option<(Day, Day)> {
    let s = clean(s);
    for sep in ["~", "～", "至", "到", "—", " - ", "－", "|"] {
        if let Some((a, b)) = s.split_once(sep) {
            let (a, b) = (day(a)?, day(b)?);
            return (a <= b).then_some((a, b));
        }
    }
    if let Some(d) = day(s) {
        return Some((d, d));
    }
    // Two days joined by a bare `-` (`20261101-20261107`, `2026-11-01-2026-11-07`).
    s.match_indices('-').find_map(|(i, _)| {
        let (a, b) = (day(s.get(..i)?)?, day(s.get(i + 1..)?)?);
        (a <= b).then_some((a, b))
    })
}

/// Whether a cell of a date column looks like an attempt at a date (starts with a digit),
/// so that a malformed one is a bad row, not a label row to skip.
pub(crate) fn looks_like_date(s: &str) -> bool {
    clean(s).starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names() {
        let k = |s: &str| kind_of(&norm(s));
        use FigureKind::*;
        for (name, kind) in [
            ("3分钟人工回复率(8-23点)", Some(Rate)),
            ("询单->最终付款成功率", Some(Rate)),
            ("平均人工响应时长", Some(Duration)),
            ("平均响应时长（新）", Some(Duration)),
            ("首次响应(秒)", Some(Duration)),
            ("工作时间平响时长", Some(Duration)),
            ("平均响应时间", Some(Duration)),
            ("慢响应人数", Some(Count)),
            ("客服销售额(元)", Some(Money)),
            ("净销售额", Some(Money)),
            ("促成下单商品金额", Some(Money)),
            ("静默下单本人落实付款-金额", Some(Money)),
            ("客单价", Some(Average)),
            ("客件数", Some(Average)),
            ("答问比", Some(Average)),
            ("客服服务分", Some(Average)),
            ("最大同时聊天数", Some(Average)),
            ("咨询人数", Some(Count)),
            ("人工接待会话量", Some(Count)),
            ("评分≤3订单数", Some(Count)),
            ("成交笔数", Some(Count)),
            ("上班天数", Some(Count)),
            ("很满意", Some(Count)),
            ("总-发出", Some(Count)),
            ("询单人数延", Some(Count)),
            ("客服账号", None),
            ("旺旺昵称", None),
            ("序号", None),
        ] {
            assert_eq!(k(name), kind, "{name}");
        }
    }

    #[test]
    fn numbers_percents_money() {
        assert_eq!(number("1,234.5"), Some(1234.5));
        assert_eq!(number("26.0"), Some(26.0));
        assert_eq!(number("-3"), Some(-3.0));
        assert_eq!(number("12,34"), None);
        assert_eq!(number("1e5"), Some(100_000.0));
        assert_eq!(number("1.23E+05"), Some(123_000.0));
        assert_eq!(number("1e400"), None);
        assert_eq!(number("e5"), None);
        assert_eq!(money("1.5E+04"), Some(1_500_000));
        assert_eq!(number(""), None);
        assert_eq!(percent("98.5%"), Some(Some(0.985)));
        assert_eq!(percent("100%"), Some(Some(1.0)));
        assert_eq!(percent("0.5 %"), Some(Some(0.005)));
        assert_eq!(percent("7.25％"), Some(Some(0.0725)));
        assert_eq!(percent("abc%"), Some(None));
        assert_eq!(percent("98.5"), None);
        assert_eq!(percent_number("98.5"), Some(0.985));
        assert_eq!(money("15230.5"), Some(1_523_050));
        assert_eq!(money("¥1,299.00"), Some(129_900));
        assert_eq!(money("1299元"), Some(129_900));
        assert_eq!(money("0.125"), Some(13));
        assert_eq!(money("-0.125"), Some(-13));
        assert_eq!(money("1,2"), None);
        assert_eq!(money("99999999999999999999"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(duration("2分30秒"), Some(150.0));
        assert_eq!(duration("7小时41分52秒"), Some(27_712.0));
        assert_eq!(duration("1天2小时"), Some(93_600.0));
        assert_eq!(duration("30秒"), Some(30.0));
        assert_eq!(duration("2.5分钟"), Some(150.0));
        assert_eq!(duration("26.0"), Some(26.0));
        assert_eq!(duration("150s"), Some(150.0));
        assert_eq!(duration("00:02:30"), Some(150.0));
        assert_eq!(duration("02:30"), Some(150.0));
        assert_eq!(duration("2分钟30秒"), Some(150.0));
        assert_eq!(duration("1h2m3s"), Some(3723.0));
        assert_eq!(duration("1899-12-30 00:02:30"), Some(150.0));
        assert_eq!(duration("1899-12-31 07:41:52"), Some(86_400.0 + 27_712.0));
        assert_eq!(duration("2min"), Some(120.0));
        assert_eq!(duration("两分"), None);
        assert_eq!(duration("2分30"), None);
        assert_eq!(duration("1:2:3:4"), None);
    }

    #[test]
    fn amounts() {
        use FigureKind::*;
        let f = RateScale::Fraction;
        assert_eq!(amount(Rate, "98.5%", f), Ok(Amount::Number(0.985)));
        assert_eq!(amount(Rate, "0.985", f), Ok(Amount::Number(0.985)));
        assert_eq!(
            amount(Rate, "98.5", RateScale::Percent),
            Ok(Amount::Number(0.985))
        );
        assert_eq!(amount(Rate, "延迟统计", f), Ok(Amount::Unknown));
        assert_eq!(amount(Count, "-", f), Ok(Amount::Unknown));
        assert_eq!(amount(Count, " 1,234\t", f), Ok(Amount::Number(1234.0)));
        assert_eq!(amount(Count, "=\"12\"", f), Ok(Amount::Number(12.0)));
        assert_eq!(amount(Count, "12%", f), Err(()));
        assert_eq!(amount(Money, "\"1,234.5\"", f), Ok(Amount::Cents(123_450)));
        assert_eq!(amount(Duration, "2分30秒", f), Ok(Amount::Number(150.0)));
        assert_eq!(amount(Average, "abc", f), Err(()));
    }

    #[test]
    fn days_and_periods() {
        let d = |s| Day::parse(s).unwrap();
        assert_eq!(day("2026-11-01"), Some(d("2026-11-01")));
        assert_eq!(day("2026/11/1"), Some(d("2026-11-01")));
        assert_eq!(day("20261101"), Some(d("2026-11-01")));
        assert_eq!(day("2026年11月1日"), Some(d("2026-11-01")));
        assert_eq!(day("2026-11-01 00:00:00"), Some(d("2026-11-01")));
        assert_eq!(day("46327"), Some(d("2026-11-01")));
        assert_eq!(day("2026-13-01"), None);
        assert_eq!(day("同行同层平均"), None);
        assert_eq!(
            period("2026-11-01~2026-11-07"),
            Some((d("2026-11-01"), d("2026-11-07")))
        );
        assert_eq!(
            period("2026-11-01 至 2026-11-07"),
            Some((d("2026-11-01"), d("2026-11-07")))
        );
        assert_eq!(period("2026-11-07~2026-11-01"), None);
        assert_eq!(
            period("20261101-20261107"),
            Some((d("2026-11-01"), d("2026-11-07")))
        );
        assert_eq!(
            period("2026-11-01-2026-11-07"),
            Some((d("2026-11-01"), d("2026-11-07")))
        );
        assert_eq!(
            period("2026-11-03"),
            Some((d("2026-11-03"), d("2026-11-03")))
        );
        assert!(looks_like_date("2026-13-01") && !looks_like_date("平均"));
        for label in [
            "总计",
            "合计(12人)",
            "汇总：",
            "平均",
            "均值",
            "店铺汇总值",
            "同行同层平均",
        ] {
            assert!(is_summary_label(label), "{label}");
        }
        for name in ["小美", "平均哥", "晨光旗舰店:总管"] {
            assert!(!is_summary_label(name), "{name}");
        }
    }
}
