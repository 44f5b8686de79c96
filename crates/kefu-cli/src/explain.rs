//! `kefu explain`: the receptions, rounds and orders behind one account's figures for one day,
//! in enough detail to check every number by hand.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use kefu_core::engine::{self, Analysis, Outcome, Reception};
use kefu_core::model::Sender;
use kefu_core::money::format_yuan;
use kefu_core::settings::Config;
use kefu_core::time::{Day, format_time};
use kefu_store::{Db, LOOKBACK_DAYS, LoadedEvents, StoreInfo};

use kefu_report::Lang;

pub struct Query<'a> {
    pub store: Option<&'a str>,
    pub account: &'a str,
    pub day: Day,
    pub buyer: Option<&'a str>,
}

/// Finds the store that has the account, or the one named.
fn pick_store(db: &Db, q: &Query, lang: Lang) -> Result<StoreInfo> {
    if let Some(name) = q.store {
        return Ok(db.store(name)?);
    }
    let mut found = Vec::new();
    for s in db.stores()? {
        if db.names(s.id)?.get(q.account).is_some() {
            found.push(s);
        }
    }
    match found.len() {
        0 => bail!(
            "{} `{}`",
            lang.t("数据库中没有这个客服账号", "no store has the account"),
            q.account
        ),
        1 => Ok(found.remove(0)),
        _ => bail!(
            "{}: {}",
            lang.t(
                "多个店铺都有这个账号，请用 --store 指定",
                "several stores have this account; choose one with --store"
            ),
            found
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn secs(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.3} s", ms as f64 / 1000.0)
    }
}

fn clock(t: i64) -> String {
    format_time(t)[11..].to_string()
}

pub fn explain(db: &Db, q: &Query, config: &Config, lang: Lang) -> Result<String> {
    let store = pick_store(db, q, lang)?;
    let settings = &config.store(&store.name).metrics;
    let reach = settings.reach_days();
    let ev: LoadedEvents = db.load_events(
        store.id,
        q.day.offset(-reach - LOOKBACK_DAYS),
        q.day.offset(reach),
    )?;
    let Some(account) = ev.names.get(q.account) else {
        bail!(
            "{} `{}`",
            lang.t("店铺中没有这个客服账号", "the store has no account"),
            q.account
        );
    };
    let buyer = match q.buyer {
        Some(b) => Some(ev.names.get(b).ok_or_else(|| {
            anyhow::anyhow!(
                "{} `{b}`",
                lang.t("店铺中没有这个买家", "the store has no buyer")
            )
        })?),
        None => None,
    };
    let a = engine::analyze(&ev.view(), settings);
    let mut receptions: Vec<(usize, &Reception)> = a
        .receptions
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.account == account && r.day == q.day && buyer.is_none_or(|b| r.buyer == b)
        })
        .collect();
    receptions.sort_by_key(|(_, r)| (r.first_time, r.buyer));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  {} {}  {} {}  ({})",
        lang.t("店铺", "store"),
        store.name,
        lang.t("客服账号", "account"),
        q.account,
        lang.t("日期", "day"),
        q.day,
        settings.fingerprint()
    );
    let _ = writeln!(
        out,
        "{}: {}\n",
        lang.t("接待数", "receptions"),
        receptions.len()
    );
    for (ri, r) in &receptions {
        reception(&mut out, db, &store, &ev, &a, *ri, r, lang)?;
    }
    reminders(&mut out, &ev, &a, account, q.day, buyer, lang);
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn reception(
    out: &mut String,
    db: &Db,
    store: &StoreInfo,
    ev: &LoadedEvents,
    a: &Analysis,
    ri: usize,
    r: &Reception,
    lang: Lang,
) -> Result<()> {
    let yes = |b: bool| {
        if b {
            lang.t("是", "yes")
        } else {
            lang.t("否", "no")
        }
    };
    let _ = writeln!(
        out,
        "━━ {} {}",
        lang.t("买家", "buyer"),
        ev.names.name(r.buyer)
    );
    let _ = writeln!(
        out,
        "   {}={}  {}={}  {}={}  {}={}  {}={}",
        lang.t("咨询", "consulted"),
        yes(r.consulted()),
        lang.t("接待", "served"),
        yes(r.served),
        lang.t("未回复", "unreplied"),
        yes(r.unreplied()),
        lang.t("询单", "inquiry"),
        yes(r.inquiry),
        lang.t("慢响应", "slow"),
        yes(r.slow),
    );
    let _ = writeln!(
        out,
        "   {}={}  {}={}  {}: {} {} / {} {} / {} {} / {} {}",
        lang.t("首次响应", "first response"),
        r.first_response_ms.map_or("-".into(), secs),
        lang.t("时长", "duration"),
        secs(r.duration_ms()),
        lang.t("消息数", "messages"),
        r.buyer_msgs,
        lang.t("买家", "buyer"),
        r.agent_msgs,
        lang.t("客服", "agent"),
        r.bot_msgs,
        lang.t("机器人", "bot"),
        r.auto_msgs,
        lang.t("自动回复", "auto")
    );
    // The transcript of the day, with the rounds' openings and answers marked.
    let rounds = a.rounds_of(r);
    let stream = db.transcript(store.id, r.account, r.buyer, r.day, r.day)?;
    let _ = writeln!(out, "   {}:", lang.t("聊天记录", "transcript"));
    for m in &stream {
        let e = &m.message;
        let mut mark = String::new();
        for (k, round) in rounds.iter().enumerate() {
            if round.open == e.time && e.sender == Sender::Buyer && mark.is_empty() {
                mark = format!(
                    "  ◀ {} {} {}",
                    lang.t("第", "round"),
                    k + 1,
                    lang.t("轮开始", "opens")
                );
            }
            if let Outcome::Answered { at, .. } = round.outcome
                && at == e.time
                && matches!(e.sender, Sender::Agent | Sender::Bot)
            {
                mark = format!(
                    "  ◀ {} {} {} {}",
                    lang.t("第", "round"),
                    k + 1,
                    lang.t("轮回复，响应", "answered in"),
                    secs(at - round.open)
                );
            }
        }
        let transfer = e
            .transfer_to
            .map(|t| format!(" → {}", ev.names.name(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "     {} {:6} {}{}{}",
            clock(e.time),
            e.sender.as_str(),
            m.text,
            transfer,
            mark
        );
    }
    let _ = writeln!(
        out,
        "   {}:",
        lang.t("本日开启的轮次", "rounds opened this day")
    );
    for (k, round) in rounds.iter().enumerate() {
        let outcome = match round.outcome {
            Outcome::Answered { at, by_bot } => format!(
                "{} {} {} {}",
                if by_bot {
                    lang.t("机器人回复", "bot answered")
                } else {
                    lang.t("人工回复", "agent answered")
                },
                format_time(at),
                lang.t("响应", "response"),
                secs(at - round.open)
            ),
            Outcome::Transferred { at, to } => format!(
                "{} {} → {}",
                lang.t("转接", "transferred"),
                format_time(at),
                ev.names.name(to)
            ),
            Outcome::Unanswered => lang.t("未回复", "unanswered").to_string(),
        };
        let hours = if round.in_service_hours {
            ""
        } else {
            lang.t("（服务时间外）", " (outside service hours)")
        };
        let _ = writeln!(
            out,
            "     #{} {} {}{}",
            k + 1,
            clock(round.open),
            outcome,
            hours
        );
    }
    let answers = a.answer_times(r);
    if !answers.is_empty() {
        let list: Vec<String> = answers.iter().map(|&t| format_time(t)).collect();
        let _ = writeln!(
            out,
            "   {}: {}",
            lang.t("本接待涉及轮次的回复时间", "answers of touched rounds"),
            list.join(", ")
        );
    }
    orders(out, ev, a, ri, r, lang);
    let _ = writeln!(out);
    Ok(())
}

/// Every order of the buyer that this reception could win, or that decides its inquiry flag.
fn orders(out: &mut String, ev: &LoadedEvents, a: &Analysis, ri: usize, r: &Reception, lang: Lang) {
    let mut any = false;
    for (o, f) in ev.orders.iter().zip(&a.orders) {
        if o.buyer != r.buyer {
            continue;
        }
        let od = Day::of(o.created_at);
        let before_question = od == r.day && r.first_buyer_time.is_some_and(|t| o.created_at < t);
        let candidate_day = od >= r.day && od.0 - r.day.0 < 7;
        if !before_question && !candidate_day {
            continue;
        }
        if !any {
            let _ = writeln!(out, "   {}:", lang.t("订单", "orders"));
            any = true;
        }
        let paid = o
            .paid_at
            .map_or(lang.t("未付款", "unpaid").to_string(), |p| {
                format!("{} {}", lang.t("付款", "paid"), format_time(p))
            });
        let why = match f.attributed {
            Some((w, at)) if w as usize == ri => {
                format!(
                    "{} {} ≤ {}",
                    lang.t("归属本接待：最后一次回复", "attributed here: last answer"),
                    format_time(at),
                    format_time(o.created_at)
                )
            }
            Some((w, at)) => {
                let win = &a.receptions[w as usize];
                let mine = a.last_answer_before(r, o.created_at);
                format!(
                    "{} {} {} ({} {}){}",
                    lang.t("归属", "attributed to"),
                    ev.names.name(win.account),
                    win.day,
                    lang.t("回复", "answer"),
                    format_time(at),
                    match mine {
                        Some(m) => format!(
                            "; {} {}",
                            lang.t("本接待最后回复", "this reception's last answer"),
                            format_time(m)
                        ),
                        None => format!(
                            "; {}",
                            lang.t(
                                "本接待在下单前没有回复",
                                "this reception had no answer before the order"
                            )
                        ),
                    }
                )
            }
            None => lang
                .t(
                    "静默下单：窗口内没有任何下单前的回复",
                    "silent: no answer before the order within the window",
                )
                .to_string(),
        };
        let note = if before_question {
            lang.t(
                " [在首次咨询前下单：本接待不算询单]",
                " [placed before the first question: not an inquiry]",
            )
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "     {} {} {} {} {}{} — {}",
            o.order_id,
            format_time(o.created_at),
            format_yuan(o.amount),
            lang.t("元", "yuan"),
            paid,
            note,
            why
        );
    }
}

fn reminders(
    out: &mut String,
    ev: &LoadedEvents,
    a: &Analysis,
    account: u32,
    day: Day,
    buyer: Option<u32>,
    lang: Lang,
) {
    let list: Vec<String> = ev
        .orders
        .iter()
        .zip(&a.orders)
        .filter_map(|(o, f)| {
            let (acc, t) = f.reminded?;
            (acc == account && Day::of(t) == day && buyer.is_none_or(|b| b == o.buyer)).then(|| {
                format!(
                    "   {} {} {} {} {} {}",
                    o.order_id,
                    ev.names.name(o.buyer),
                    lang.t("下单", "placed"),
                    format_time(o.created_at),
                    lang.t("催付于", "reminded at"),
                    format_time(t)
                ) + if o.paid_at.is_some() {
                    lang.t(" → 已付款（催付成功）", " → paid (successful)")
                } else {
                    ""
                }
            })
        })
        .collect();
    let _ = writeln!(
        out,
        "{}: {}",
        lang.t("催付订单", "reminded orders"),
        list.len()
    );
    for l in list {
        let _ = writeln!(out, "{l}");
    }
}
