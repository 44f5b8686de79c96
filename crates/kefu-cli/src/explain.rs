//! `kefu explain`: the receptions, rounds and orders behind one account's figures for one day,
//! in enough detail to check every number by hand.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use kefu_core::engine::AttributedBy;
use kefu_core::money::format_yuan;
use kefu_core::settings::Config;
use kefu_core::text::terminal_text;
use kefu_core::time::{Day, format_time};
use kefu_report::Lang;
use kefu_report::explain::{Mark, OrderView, Reason, ReceptionView, Reminded, RoundOutcome};
use kefu_store::{Db, StoreInfo};

/// The characters of one message a transcript shows, as on the web pages.
const MAX_SHOWN_CHARS: usize = 4000;

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
    kefu_report::explain::format_secs(ms)
}

fn clock(t: i64) -> String {
    format_time(t)[11..].to_string()
}

pub fn explain(db: &Db, q: &Query, config: &Config, lang: Lang) -> Result<String> {
    let store = pick_store(db, q, lang)?;
    let settings = &config.store(&store.name).metrics;
    let names = db.names(store.id)?;
    let Some(account) = names.get(q.account) else {
        bail!(
            "{} `{}`",
            lang.t("店铺中没有这个客服账号", "the store has no account"),
            q.account
        );
    };
    let buyer = match q.buyer {
        Some(b) => Some(names.get(b).ok_or_else(|| {
            anyhow::anyhow!(
                "{} `{b}`",
                lang.t("店铺中没有这个买家", "the store has no buyer")
            )
        })?),
        None => None,
    };
    let x = kefu_report::explain::explain(db, &store, account, q.day, buyer, settings)?;
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
        x.receptions.len()
    );
    for r in &x.receptions {
        reception(&mut out, r, lang);
    }
    reminders(&mut out, &x.reminded, lang);
    Ok(out)
}

fn reception(out: &mut String, r: &ReceptionView, lang: Lang) {
    let yes = |b: bool| {
        if b {
            lang.t("是", "yes")
        } else {
            lang.t("否", "no")
        }
    };
    let _ = writeln!(out, "━━ {} {}", lang.t("买家", "buyer"), r.buyer);
    let _ = writeln!(
        out,
        "   {}={}  {}={}  {}={}  {}={}  {}={}  {}={}",
        lang.t("咨询", "consulted"),
        yes(r.consulted),
        lang.t("接待", "served"),
        yes(r.served),
        lang.t("未回复", "unreplied"),
        yes(r.unreplied),
        lang.t("询单", "inquiry"),
        yes(r.inquiry),
        lang.t("售后", "after-sale"),
        yes(r.after_sale),
        lang.t("慢响应", "slow"),
        yes(r.slow),
    );
    let _ = writeln!(
        out,
        "   {}={}  {}={}  {}: {} {} / {} {} / {} {} / {} {}",
        lang.t("首次响应", "first response"),
        r.first_response_ms.map_or("-".into(), secs),
        lang.t("时长", "duration"),
        secs(r.duration_ms),
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
    let _ = writeln!(out, "   {}:", lang.t("聊天记录", "transcript"));
    for m in &r.messages {
        let mark = match m.mark {
            None => String::new(),
            Some(Mark::Opens { round }) => format!(
                "  ◀ {} {} {}",
                lang.t("第", "round"),
                round,
                lang.t("轮开始", "opens")
            ),
            Some(Mark::Answers { round, response_ms }) => format!(
                "  ◀ {} {} {} {}",
                lang.t("第", "round"),
                round,
                lang.t("轮回复，响应", "answered in"),
                secs(response_ms)
            ),
        };
        let transfer = m
            .transfer_to
            .as_ref()
            .map(|t| format!(" → {t}"))
            .unwrap_or_default();
        // One line per message: its line breaks and controls are shown escaped, and a long
        // text is cut as the web pages cut it.
        let (text, cut) = match m.text.char_indices().nth(MAX_SHOWN_CHARS) {
            Some((end, _)) => (m.text.get(..end).unwrap_or(&m.text), true),
            None => (m.text.as_str(), false),
        };
        let _ = writeln!(
            out,
            "     {} {:6} {}{}{}{}",
            clock(m.time),
            m.sender.as_str(),
            terminal_text(text),
            if cut {
                lang.t(
                    " ……（已截断：消息过长，只显示前 4000 个字）",
                    " … (cut: the message is too long; its first 4,000 characters are shown)",
                )
            } else {
                ""
            },
            transfer,
            mark
        );
    }
    let _ = writeln!(
        out,
        "   {}:",
        lang.t("本日开启的轮次", "rounds opened this day")
    );
    for (k, round) in r.rounds.iter().enumerate() {
        let outcome = match &round.outcome {
            RoundOutcome::Answered { at, by_bot } => format!(
                "{} {} {} {}",
                if *by_bot {
                    lang.t("机器人回复", "bot answered")
                } else {
                    lang.t("人工回复", "agent answered")
                },
                format_time(*at),
                lang.t("响应（服务时钟）", "response (service clock)"),
                secs(round.response_ms().unwrap_or(at - round.open))
            ),
            RoundOutcome::Transferred { at, to } => format!(
                "{} {} → {}",
                lang.t("转接", "transferred"),
                format_time(*at),
                to
            ),
            RoundOutcome::Unanswered => lang.t("未回复", "unanswered").to_string(),
        };
        // The wall-clock wait, where the service clock counted less of it.
        let hours = match (round.wait_ms(), round.response_ms()) {
            (Some(wait), Some(response)) if wait != response => format!(
                "{}{}{}",
                lang.t("（实际等待 ", " (wall-clock wait "),
                secs(wait),
                lang.t("）", ")")
            ),
            _ => String::new(),
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
    if !r.answers.is_empty() {
        let list: Vec<String> = r.answers.iter().map(|&t| format_time(t)).collect();
        let _ = writeln!(
            out,
            "   {}: {}",
            lang.t("本接待涉及轮次的回复时间", "answers of touched rounds"),
            list.join(", ")
        );
    }
    orders(out, &r.orders, lang);
    let _ = writeln!(out);
}

/// Every order of the buyer that this reception could win, or that decides its inquiry flag.
fn orders(out: &mut String, orders: &[OrderView], lang: Lang) {
    if !orders.is_empty() {
        let _ = writeln!(out, "   {}:", lang.t("订单", "orders"));
    }
    for o in orders {
        let paid = o
            .paid_at
            .map_or(lang.t("未付款", "unpaid").to_string(), |p| {
                format!("{} {}", lang.t("付款", "paid"), format_time(p))
            });
        // Which time the last touch had to come at or before (the `attribution` setting).
        let looked_before = match o.by {
            AttributedBy::Created => lang.t("下单", "order"),
            AttributedBy::Paid => lang.t("付款", "payment"),
        };
        let why = match &o.reason {
            Reason::Here { answer } => format!(
                "{} {} ≤ {} {}",
                lang.t("归属本接待：最后一次回复", "attributed here: last answer"),
                format_time(*answer),
                looked_before,
                format_time(o.looked_before)
            ),
            Reason::Elsewhere {
                account,
                day,
                answer,
                own_answer,
            } => format!(
                "{} {} {} ({} {}){}",
                lang.t("归属", "attributed to"),
                account,
                day,
                lang.t("回复", "answer"),
                format_time(*answer),
                match own_answer {
                    Some(m) => format!(
                        "; {} {}",
                        lang.t("本接待最后回复", "this reception's last answer"),
                        format_time(*m)
                    ),
                    None => format!(
                        "; {}",
                        match o.by {
                            AttributedBy::Created => lang.t(
                                "本接待在下单前没有回复",
                                "this reception had no answer before the order"
                            ),
                            AttributedBy::Paid => lang.t(
                                "本接待在付款前没有回复",
                                "this reception had no answer before the payment"
                            ),
                        }
                    ),
                }
            ),
            Reason::Silent => match o.by {
                AttributedBy::Created => lang.t(
                    "静默下单：窗口内没有任何下单前的回复",
                    "silent: no answer before the order within the window",
                ),
                AttributedBy::Paid => lang.t(
                    "静默下单：窗口内没有任何付款前的回复（按付款时间归属）",
                    "silent: no answer before the payment within the window (attributed by payment time)",
                ),
            }
            .to_string(),
        };
        let note = if o.before_question {
            lang.t(
                " [售后天数内、首次咨询前下单：本接待没有归属订单时算售后]",
                " [placed within the after-sale days before the first question: after-sale unless an order is attributed here]",
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

fn reminders(out: &mut String, reminded: &[Reminded], lang: Lang) {
    let _ = writeln!(
        out,
        "{}: {}",
        lang.t("催付订单", "reminded orders"),
        reminded.len()
    );
    for o in reminded {
        let _ = writeln!(
            out,
            "   {} {} {} {} {} {}{}",
            o.order_id,
            o.buyer,
            lang.t("下单", "placed"),
            format_time(o.created_at),
            lang.t("催付于", "reminded at"),
            format_time(o.reminded_at),
            if o.paid {
                lang.t(" → 已付款（催付成功）", " → paid (successful)")
            } else {
                ""
            }
        );
    }
}
