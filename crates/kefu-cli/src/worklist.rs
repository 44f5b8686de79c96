//! `kefu worklist`: a store's worklists, the sales recovered from them and the reminder timing;
//! `--set key=value` saves a worklist setting, `--status`/`--assign` work an item.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use kefu_app::worklists::{self, Query, Report, TallyView};
use kefu_core::money::format_yuan;
use kefu_core::time::parse_time;
use kefu_core::worklist::Kind;
use kefu_report::{Format, Lang};

use crate::said::{ctx, said};

#[derive(clap::Args)]
pub struct WorklistArgs {
    /// 数据库文件 / database file
    #[arg(long)]
    pub db: PathBuf,
    /// 店铺 / the store
    #[arg(long)]
    pub store: String,
    /// 只看一个清单 / one list only: lost_inquiry, unpaid, balance, refund
    #[arg(long)]
    pub list: Option<String>,
    /// 只看此客服负责的 / only the items this account owns
    #[arg(long)]
    pub owner: Option<String>,
    /// 含已挽回和已流失的 / recovered and lost items too (default: open ones)
    #[arg(long)]
    pub all: bool,
    /// 按此时刻重算清单 / recompute the lists as of this store-local time
    /// (YYYY-MM-DD HH:MM:SS) instead of the time of the store's latest event
    #[arg(long)]
    pub at: Option<String>,
    /// 统计挽回的第一天 / first day of the items the recovered sales count (default: 30 days
    /// up to the lists' time)
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// 统计挽回的最后一天 / last day (included)
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// 输出格式 / output format: table or json
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// settings file (TOML) as the base of the metric settings (conversion window)
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// 修改工作清单设置并保存 / change a worklist setting of the store, key=value (repeatable):
    /// first_reminder_minutes, second_reminder_hours, final_reminder_minutes,
    /// close_after_hours, quiet_hours, max_reminders_per_day, recovery_window_hours,
    /// refund_due_hours, horizon_days, owner (serving, round_robin, manual)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// 设置某项的状态 / set an item's status: KEY=open|contacted|lost|do_not_contact
    #[arg(long, value_name = "KEY=STATUS")]
    pub status: Option<String>,
    /// 把某项交给某客服 / give an item to an account: KEY=ACCOUNT (empty: unassigned)
    #[arg(long, value_name = "KEY=ACCOUNT")]
    pub assign: Option<String>,
}

pub fn run(a: WorklistArgs, lang: Lang) -> Result<()> {
    let base = crate::load_config(a.config.as_deref())?;
    let mut db = crate::open_existing(&a.db)?;
    let store = db.store(&a.store)?;
    let config = kefu_app::settings::in_force(&db, &base)?;
    let tz = config.store(&store.name).timezone;
    let names = db.names(store.id)?;
    let account = |s: &str| {
        names.get(s).ok_or_else(|| {
            said!(
                "店铺「{}」没有账号「{s}」",
                "store `{}` has no account `{s}`",
                store.name
            )
        })
    };
    let pair = |s: &str, flag: &str| -> Result<(String, String)> {
        s.split_once('=')
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .ok_or_else(|| said!("--{flag} 应为 KEY=VALUE", "--{flag} expects KEY=VALUE"))
    };
    if !a.set.is_empty() {
        let mut settings = db.worklist_settings(store.id)?;
        for s in &a.set {
            let (k, v) = pair(s, "set")?;
            settings.set(&k, &v)?;
        }
        db.save_worklist_settings(store.id, &settings, None)?;
        worklists::refresh(&mut db, &base, Some(&store.name), None)?;
    }
    if let Some(s) = &a.status {
        let (key, status) = pair(s, "status")?;
        worklists::set_status(&db, &store, tz, &key, &status, "cli", None)?;
    }
    if let Some(s) = &a.assign {
        let (key, who) = pair(s, "assign")?;
        let owner = if who.is_empty() {
            None
        } else {
            Some(account(&who)?)
        };
        worklists::reassign(&db, &store, &key, owner)?;
    }
    if let Some(at) = &a.at {
        let t = parse_time(at, tz).with_context(ctx!(
            "--at `{at}`：时间应如 2026-11-11 09:00:00",
            "--at `{at}`: expected a time like 2026-11-11 09:00:00"
        ))?;
        worklists::refresh(&mut db, &base, Some(&store.name), Some(t))?;
    }
    let kind = match &a.list {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
            said!(
                "--list `{k}`：应为 lost_inquiry、unpaid、balance 或 refund",
                "--list `{k}`: expected lost_inquiry, unpaid, balance or refund"
            )
        })?),
    };
    let owners = match &a.owner {
        None => None,
        Some(o) => Some(vec![account(o)?]),
    };
    let days = match (&a.from, &a.to) {
        (Some(f), Some(t)) => Some(crate::parse_range(f, t)?),
        _ => None,
    };
    let q = Query {
        kind,
        owners,
        all: a.all,
        days,
    };
    let report = worklists::report(&mut db, &base, &store, &q)?;
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Table => write!(out, "{}", table(&report, lang))?,
        Format::Csv | Format::Xlsx => {
            return Err(said!(
                "kefu worklist 只输出 table 或 json",
                "kefu worklist writes table or json only"
            ));
        }
    }
    Ok(())
}

fn status_name(s: &str, lang: Lang) -> &'static str {
    match s {
        "open" => lang.t("待跟进", "open"),
        "contacted" => lang.t("已联系", "contacted"),
        "recovered" => lang.t("已挽回", "recovered"),
        "lost" => lang.t("已流失", "lost"),
        _ => lang.t("勿打扰", "do not contact"),
    }
}

fn list_name(key: &str, lang: Lang) -> String {
    match Kind::parse(key) {
        Some(k) => lang.t(k.zh(), k.en()).to_string(),
        None => key.to_string(),
    }
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn tally_line(t: &TallyView, name: &str) -> String {
    format!(
        "{name:<24} {:>6} {:>6} {:>6} {:>6} {:>6} {:>12} {:>7} {:>8}\n",
        t.items,
        t.open,
        t.recovered,
        t.lost,
        t.orders,
        format_yuan(t.cents),
        percent(t.rate),
        t.avg_recover_secs
            .map_or_else(|| "-".into(), |s| s.to_string()),
    )
}

/// The report as aligned text in the user's language.
fn table(r: &Report, lang: Lang) -> String {
    let mut s = String::new();
    let t = kefu_core::text::terminal_text;
    s += &format!(
        "{} {}  {} {}\n\n",
        lang.t("店铺", "store"),
        t(&r.store),
        lang.t("截至", "as of"),
        r.as_of.as_deref().unwrap_or("-")
    );
    s += &format!(
        "{:<14} {:<20} {:<20} {:<14} {:<10} {:<19} {:>12} {:>3}\n",
        lang.t("清单", "list"),
        lang.t("买家", "buyer"),
        lang.t("单号/日期", "reference"),
        lang.t("负责人", "owner"),
        lang.t("状态", "status"),
        lang.t("应跟进时间", "due"),
        lang.t("金额", "amount"),
        lang.t("催", "rem")
    );
    for i in &r.items {
        s += &format!(
            "{:<14} {:<20} {:<20} {:<14} {:<10} {:<19} {:>12} {:>3}\n",
            list_name(i.list, lang),
            t(&i.buyer),
            t(&i.reference),
            t(i.owner.as_deref().unwrap_or("-")),
            status_name(i.status, lang),
            i.due_at.as_deref().unwrap_or("-"),
            format_yuan(i.amount_cents),
            i.reminders
        );
    }
    s += &format!(
        "\n{} {} .. {}\n{:<24} {:>6} {:>6} {:>6} {:>6} {:>6} {:>12} {:>7} {:>8}\n",
        lang.t(
            "挽回的销售，统计清单项出现于",
            "recovered sales, items opened"
        ),
        r.from,
        r.to,
        "",
        lang.t("项", "items"),
        lang.t("待办", "open"),
        lang.t("挽回", "recov"),
        lang.t("流失", "lost"),
        lang.t("订单", "orders"),
        lang.t("金额", "amount"),
        lang.t("挽回率", "rate"),
        lang.t("用时秒", "secs")
    );
    for l in &r.lists {
        s += &tally_line(l, &list_name(&l.name, lang));
    }
    s += &tally_line(&r.total, lang.t("合计", "total"));
    s += &tally_line(&r.uncontacted, lang.t("未联系自行回来", "no contact"));
    for a in &r.agents {
        s += &tally_line(a, &t(&a.name));
    }
    s += &format!(
        "\n{}\n",
        lang.t(
            "催付时机：首次催付距下单（分钟）→ 催付后付款率",
            "reminder timing: first reminder after creation (minutes) -> paid after it"
        )
    );
    for b in &r.timing_by_delay {
        s += &format!(
            "{:>6}+ {:>6} {:>6} {:>7}\n",
            b.from,
            b.reminded,
            b.paid,
            percent(b.rate)
        );
    }
    s
}
