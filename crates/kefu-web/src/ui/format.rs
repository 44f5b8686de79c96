//! Numbers as people read them, the one place every page writes them: durations as 分:秒
//! (时:分:秒 beyond an hour), money with ¥ and thousands separators, rates in percent with one
//! decimal, and labels that carry their unit in both languages. Downloads keep plain numbers
//! (`table.rs`); these are for the screen.

use kefu_core::figures::{Figure, Unit, Value};
use kefu_core::model::Role;
use kefu_core::time::UtcOffset;
use kefu_store::UserRole;

use crate::i18n::Lang;

/// A duration in milliseconds as `m:ss`, or `h:mm:ss` from an hour on, rounded to the
/// second (`26943 s` is `7:29:03`).
pub fn duration_ms(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    // Rounded half up on the magnitude, so that -1.5 s and 1.5 s differ only by the sign.
    let secs = (ms.unsigned_abs() + 500) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{sign}{h}:{m:02}:{s:02}")
    } else {
        format!("{sign}{m}:{s:02}")
    }
}

/// A duration in seconds (a figure's mean, a percentile) as [`duration_ms`] writes it.
pub fn duration_secs(secs: f64) -> String {
    if secs.is_finite() {
        duration_ms((secs * 1000.0).round() as i64)
    } else {
        "-".into()
    }
}

/// Digits grouped by three with commas: `1234567` is `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separators.
pub fn count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(n.unsigned_abs()))
}

/// Cents as `¥1,234.56` (`-¥3.00` below zero).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}¥{}.{:02}", grouped(c / 100), c % 100)
}

/// Yuan as a number (a mean such as 客单价) as [`money`] writes it.
pub fn yuan(x: f64) -> String {
    if x.is_finite() {
        money((x * 100.0).round() as i64)
    } else {
        "-".into()
    }
}

/// A rate (a fraction) in percent with one decimal: `0.4567` is `45.7%`.
pub fn rate(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "-".into()
    }
}

/// A figure's value as the pages show it: counts as they are, money with ¥, rates with one
/// decimal, durations as 分:秒; `-` when undefined.
pub fn value(f: &Figure, v: Value) -> String {
    match v {
        Value::Count(n) => n.to_string(),
        Value::Money(c) => money(c),
        Value::Ratio(None) => "-".into(),
        Value::Ratio(Some(x)) => number(f, x),
    }
}

/// A number of figure `f` (a value, a median, a threshold) as [`value`] writes it.
pub fn number(f: &Figure, x: f64) -> String {
    match f.unit {
        Unit::Count => format!("{x}"),
        Unit::Seconds => duration_secs(x),
        Unit::Yuan => yuan(x),
        Unit::Ratio => format!("{x:.2}"),
        Unit::Percent => rate(x),
    }
}

/// The unit a label names, in `lang`: 分:秒 for durations, 元 for money, % for rates; none
/// for counts and plain ratios.
pub fn unit(lang: Lang, u: Unit) -> Option<&'static str> {
    match u {
        Unit::Seconds => Some(lang.t("分:秒", "min:s")),
        Unit::Yuan => Some(lang.t("元", "¥")),
        Unit::Percent => Some("%"),
        Unit::Count | Unit::Ratio => None,
    }
}

/// A figure's name with its unit: `平均首次响应时长（分:秒）`, `Avg first response (min:s)`.
/// The English names of durations say `(s)` in the core (the CLI's plain seconds); here the
/// unit is the one the page writes.
pub fn label(lang: Lang, f: &Figure) -> String {
    let name = match lang {
        Lang::Zh => f.zh,
        Lang::En => f.en.strip_suffix(" (s)").unwrap_or(f.en),
    };
    match (unit(lang, f.unit), lang) {
        (None, _) => name.to_string(),
        (Some(u), Lang::Zh) => format!("{name}（{u}）"),
        (Some(u), Lang::En) => format!("{name} ({u})"),
    }
}

/// A figure's name with the unit of a downloaded file's plain numbers: as [`label`], but
/// durations in seconds (秒, s) and rates as fractions (no %: `0.5` is half).
pub fn file_label(lang: Lang, f: &Figure) -> String {
    match f.unit {
        Unit::Seconds => match lang {
            Lang::Zh => format!("{}（秒）", f.zh),
            Lang::En => f.en.to_string(),
        },
        Unit::Percent => match lang {
            Lang::Zh => f.zh.to_string(),
            Lang::En => f.en.to_string(),
        },
        _ => label(lang, f),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` on the clock of `offset` (the store's time zone).
pub fn time_at(secs: i64, offset: UtcOffset) -> String {
    let local = secs.saturating_add(i64::from(offset.0) * 60);
    kefu_core::time::format_time(local.saturating_mul(1000))
}

/// The name of a time zone as the pages say it: `UTC+08:00`.
pub fn zone(offset: UtcOffset) -> String {
    format!("UTC{offset}")
}

/// A roster role (售前, 售后, 机器人).
pub fn role(lang: Lang, r: Role) -> &'static str {
    match r {
        Role::Presale => lang.t("售前", "Presale"),
        Role::Aftersale => lang.t("售后", "After-sale"),
        Role::Bot => lang.t("机器人", "Bot"),
    }
}

/// A user's role (管理员, 主管, 质检, 客服).
pub fn user_role(lang: Lang, r: UserRole) -> &'static str {
    match r {
        UserRole::Admin => lang.t("管理员", "Admin"),
        UserRole::Supervisor => lang.t("主管", "Supervisor"),
        UserRole::Qa => lang.t("质检", "QA"),
        UserRole::Agent => lang.t("客服", "Agent"),
    }
}

/// An audit log action in `lang`; an action this list does not know is shown as it is.
pub fn audit_action(lang: Lang, action: &str) -> String {
    let (zh, en) = match action {
        "login" => ("登录", "Log in"),
        "login_failed" => ("登录失败", "Failed login"),
        "logout" => ("退出", "Log out"),
        "import" => ("导入数据", "Import"),
        "user.add" => ("添加用户", "Add user"),
        "user.edit" => ("修改用户", "Edit user"),
        "user.delete" => ("删除用户", "Delete user"),
        "user.lang" => ("更改界面语言", "Change language"),
        "user.password" => ("重设密码", "Reset password"),
        "user.password.own" => ("修改自己的密码", "Change own password"),
        "user.password.own_failed" => ("修改自己的密码失败", "Failed own password change"),
        "token.add" => ("创建 API 令牌", "Create API token"),
        "token.revoke" => ("吊销 API 令牌", "Revoke API token"),
        "settings.save" => ("保存指标设置", "Save metric settings"),
        "settings.reset" => ("恢复默认指标设置", "Reset metric settings"),
        "roster.save" => ("保存花名册", "Save roster"),
        "store.visibility" => ("更改可见范围", "Change visibility"),
        "plan.save" => ("保存绩效方案", "Save plan"),
        "plan.scores" => ("录入手工评分", "Enter manual scores"),
        "qa.rules" => ("保存质检规则", "Save QA rules"),
        "qa.run" => ("运行质检规则", "Run QA rules"),
        "qa.assign" => ("分配质检任务", "Assign reviews"),
        "qa.review" => ("提交质检评分", "Submit review"),
        "qa.appeal" => ("提出申诉", "Appeal"),
        "qa.appeal.decide" => ("处理申诉", "Decide appeal"),
        "qa.auto_review" => ("自动抽检", "Automatic review"),
        "qa.calibration" => ("质检校准", "Calibration"),
        "qa.case" => ("案例库", "Case library"),
        "qa.period" => ("质检周期", "QA period"),
        "qa.send" => ("送质检", "Send to QA"),
        "qa.scorecards" => ("保存评分表", "Save scorecards"),
        "store.create" => ("创建店铺", "Set up a store"),
        other => return other.to_string(),
    };
    lang.t(zh, en).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::figures::figure;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(duration_ms(0), "0:00");
        assert_eq!(duration_ms(1_499), "0:01");
        assert_eq!(duration_ms(1_500), "0:02");
        assert_eq!(duration_ms(59_600), "1:00");
        assert_eq!(duration_ms(3_599_000), "59:59");
        assert_eq!(duration_ms(3_600_000), "1:00:00");
        assert_eq!(duration_ms(26_943_000), "7:29:03");
        assert_eq!(duration_ms(-61_000), "-1:01");
        assert_eq!(duration_secs(30_587.3), "8:29:47");
        assert_eq!(duration_secs(f64::NAN), "-");
    }

    #[test]
    fn money_has_the_sign_and_separators() {
        assert_eq!(money(0), "¥0.00");
        assert_eq!(money(5), "¥0.05");
        assert_eq!(money(123_456), "¥1,234.56");
        assert_eq!(money(10_000_000_000), "¥100,000,000.00");
        assert_eq!(money(-300), "-¥3.00");
        assert_eq!(yuan(12.345), "¥12.35");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-999), "-999");
    }

    #[test]
    fn figures_and_labels_carry_their_unit() {
        let f = |k| figure(k).unwrap();
        assert_eq!(value(f("reply_rate"), Value::Ratio(Some(0.45678))), "45.7%");
        assert_eq!(
            value(f("avg_refund_secs"), Value::Ratio(Some(30587.3))),
            "8:29:47"
        );
        assert_eq!(value(f("sales"), Value::Money(123_456)), "¥1,234.56");
        assert_eq!(
            value(f("avg_order_value"), Value::Ratio(Some(88.5))),
            "¥88.50"
        );
        assert_eq!(value(f("consulted"), Value::Count(351)), "351");
        assert_eq!(value(f("reply_rate"), Value::Ratio(None)), "-");
        assert_eq!(
            label(Lang::Zh, f("avg_refund_secs")),
            "平均退款时长（分:秒）"
        );
        assert_eq!(
            label(Lang::En, f("avg_first_response_secs")),
            "Avg first response (min:s)"
        );
        assert_eq!(label(Lang::Zh, f("sales")), "客服销售额（元）");
        assert_eq!(label(Lang::En, f("reply_rate")), "Reply rate (%)");
        assert_eq!(label(Lang::Zh, f("consulted")), "咨询人数");
    }

    #[test]
    fn times_read_on_the_store_clock_and_codes_have_names() {
        // 2026-11-18 11:06:40 UTC is 19:06:40 in Shanghai.
        assert_eq!(
            time_at(1_795_000_000, UtcOffset::SHANGHAI),
            "2026-11-18 19:06:40"
        );
        assert_eq!(
            time_at(1_795_000_000, UtcOffset::UTC),
            "2026-11-18 11:06:40"
        );
        assert_eq!(zone(UtcOffset::SHANGHAI), "UTC+08:00");
        assert_eq!(audit_action(Lang::Zh, "user.add"), "添加用户");
        assert_eq!(audit_action(Lang::En, "user.add"), "Add user");
        assert_eq!(audit_action(Lang::Zh, "something.new"), "something.new");
        assert_eq!(role(Lang::Zh, Role::Presale), "售前");
        assert_eq!(user_role(Lang::Zh, UserRole::Supervisor), "主管");
    }
}
