//! Alert settings (`/settings/alerts`, issue 16): a store's alert rules (wait, slow answers,
//! unreplied buyers, low ratings, each with quiet hours and a cool-down), its channels (钉钉 and
//! 企业微信 robots, e-mail; secrets shown masked), a test alert per channel, and the last alerts
//! sent with their delivery. Admins every store, supervisors their own. The rules are
//! `kefu_core::alert`'s, sending `kefu_notify`'s, judging live snapshots `alert_runner`'s.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::alert::{AlertRules, Channel, EmailChannel, RuleKind, SmtpSecurity};
use kefu_core::localized::{Localized, Said};
use kefu_core::time::UtcOffset;
use kefu_notify::{Message, RetryPolicy, Sender};
use kefu_store::alerts::{AlertLogEntry, StoredChannel};
use serde::Deserialize;

use crate::access::{self, ManagedStore};
use crate::auth::{CurrentUser, LangQuery};
use crate::i18n::{self, Lang, S};
use crate::routes::Routes;
use crate::ui::format;
use crate::ui::frame::{Notice, error_page, frame, store_switcher};
use crate::ui::html::{Markup, html, url};
use crate::{AppState, WebError};

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/settings/alerts", page)
        .form("/settings/alerts/rules", save_rules)
        .form("/settings/alerts/channel", add_channel)
        .form("/settings/alerts/channel/delete", delete_channel)
        .form("/settings/alerts/test", send_test)
}

/// Log rows the page shows.
const LOG_SHOWN: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub store: Option<String>,
    pub lang: Option<String>,
    /// What the last post did: `saved`, `added`, `deleted`, `sent`, `failed`.
    pub done: Option<String>,
}

struct Shown {
    stores: Vec<ManagedStore>,
    store: ManagedStore,
    rules: AlertRules,
    channels: Vec<StoredChannel>,
    log: Vec<AlertLogEntry>,
}

/// `GET /settings/alerts`
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let store = q.store.clone();
    let shown = state
        .db(move |db| {
            let stores = access::settings_stores(db, &u)?;
            let store = access::settings_store(&stores, store.as_deref())?;
            Ok(Shown {
                rules: store.alert_rules(db)?,
                channels: store.alert_channels(db)?,
                log: store.alert_log(db, LOG_SHOWN)?,
                stores,
                store,
            })
        })
        .await;
    match shown {
        Ok(shown) => {
            let tz = state.config.current().store(shown.store.name()).timezone;
            let notice = match q.done.as_deref() {
                Some("saved") => Notice::Saved(lang.t("提醒规则已保存。", "Alert rules saved.")),
                Some("added") => Notice::Saved(lang.t("渠道已添加。", "Channel added.")),
                Some("deleted") => Notice::Saved(lang.t("渠道已删除。", "Channel deleted.")),
                Some("sent") => Notice::Saved(lang.t(
                    "测试提醒已送达，请在群或邮箱中查看。",
                    "The test alert was delivered: look in the group or the mailbox.",
                )),
                Some("failed") => Notice::Refused(lang.t(
                    "测试提醒未能送达，原因见下方发送记录。",
                    "The test alert was not delivered: see why in the log below.",
                )),
                _ => Notice::Nothing,
            };
            let csrf = user.session.csrf.clone();
            let body = render(lang, &csrf, &shown, tz, notice);
            frame(
                lang,
                &user,
                StatusCode::OK,
                S::AlertSettings,
                "/settings/alerts",
                body,
            )
        }
        Err(e) => error_page(lang, &user, e),
    }
}

fn rule_threshold_label(lang: Lang, kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Wait => lang.t("买家等待超过（秒）", "Buyer waited more than (seconds)"),
        RuleKind::SlowRounds => lang.t(
            "同一客服账号慢回复超过（次）",
            "Slow answers of one account more than (rounds)",
        ),
        RuleKind::Unreplied => lang.t("未回复买家超过（位）", "Unreplied buyers more than"),
        RuleKind::LowRating => lang.t("评分不高于（1–4 分）", "Rating at most (1–4)"),
    }
}

fn render(lang: Lang, csrf: &str, s: &Shown, tz: UtcOffset, notice: Notice) -> Markup {
    let store = s.store.name();
    let lq = lang.code();
    html! {
        (store_switcher(lang, "/settings/alerts", &s.stores, &s.store))
        (notice)
        p.note { (lang.t(
            "店铺数据变化时（实时接入、导入）按以下规则检查，触发的提醒发送到下方各渠道。免打扰时段内不发送；同一提醒在冷却时间内不重复。",
            "When the store's data changes (live ingest, an import) these rules are checked and what they raise goes to every channel below. Nothing is sent in a rule's quiet hours; one alert is not repeated within its cool-down."
        )) }
        h2 { (lang.t("提醒规则", "Alert rules")) }
        form method="post" action={ "/settings/alerts/rules?lang=" (lq) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            table {
                thead { tr {
                    th { (lang.t("规则", "Rule")) }
                    th { (lang.t("启用", "On")) }
                    th { (lang.t("阈值", "Threshold")) }
                    th { (lang.t("时间窗（分钟，1–60）", "Window (minutes, 1–60)")) }
                    th { (lang.t("免打扰时段（如 22:00-08:00，留空为无）", "Quiet hours (e.g. 22:00-08:00; empty: none)")) }
                    th { (lang.t("冷却时间（分钟）", "Cool-down (minutes)")) }
                } }
                tbody {
                    @for r in &s.rules.rules {
                        @let k = r.kind.as_str();
                        @let name = r.kind.name();
                        tr {
                            td { (lang.t(&name.zh, &name.en)) }
                            td { input type="checkbox" name={ (k) "_on" } value="true" checked[r.on] aria-label={ (k) "_on" }; }
                            td { label { (rule_threshold_label(lang, r.kind)) br;
                                input type="number" name={ (k) "_threshold" } value=(r.threshold); } }
                            td { @if r.kind == RuleKind::SlowRounds {
                                input type="number" name="slow_window_minutes" value=(r.window_minutes) aria-label="slow_window_minutes";
                            } }
                            td { input type="text" name={ (k) "_quiet_hours" } value=(s.rules.get(&format!("{k}_quiet_hours")).unwrap_or_default()) aria-label={ (k) "_quiet_hours" }; }
                            td { input type="number" name={ (k) "_cooldown_minutes" } value=(r.cooldown_ms / 60_000) aria-label={ (k) "_cooldown_minutes" }; }
                        }
                    }
                }
            }
            p { button type="submit" { (lang.t("保存规则", "Save rules")) } }
        }
        h2 { (lang.t("发送渠道", "Channels")) }
        @if s.channels.is_empty() {
            p { (lang.t("还没有渠道：提醒不会发送。", "No channel yet: alerts are not sent.")) }
        } @else {
            table {
                thead { tr {
                    th { (lang.t("类型", "Kind")) }
                    th { (lang.t("发往", "Goes to")) }
                    th { (lang.t("密钥", "Secret")) }
                    th { "" }
                    th { "" }
                } }
                tbody { @for c in &s.channels {
                    @let masked = c.channel.masked();
                    tr {
                        td { (kind_label(lang, c.channel.kind())) }
                        td { (masked.target()) }
                        td { (match &masked {
                            Channel::DingTalk { secret, .. } => secret.clone(),
                            Channel::Email(m) => m.password.clone(),
                            Channel::WeCom { .. } => String::new(),
                        }) }
                        td { form method="post" action={ "/settings/alerts/test?lang=" (lq) } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="store" value=(store);
                            input type="hidden" name="id" value=(c.id);
                            button type="submit" { (lang.t("发送测试提醒", "Send a test alert")) }
                        } }
                        td { form method="post" action={ "/settings/alerts/channel/delete?lang=" (lq) } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="store" value=(store);
                            input type="hidden" name="id" value=(c.id);
                            button type="submit" { (lang.t("删除", "Delete")) }
                        } }
                    }
                } }
            }
        }
        h3 { (lang.t("添加渠道", "Add a channel")) }
        form method="post" action={ "/settings/alerts/channel?lang=" (lq) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            p { label { (lang.t("类型", "Kind")) br;
                select name="kind" {
                    option value="dingtalk" { (kind_label(lang, "dingtalk")) }
                    option value="wecom" { (kind_label(lang, "wecom")) }
                    option value="email" { (kind_label(lang, "email")) }
                }
            } }
            fieldset {
                legend { (lang.t("钉钉 / 企业微信群机器人", "钉钉 / 企业微信 group robot")) }
                p { label { (lang.t("Webhook 地址", "Webhook address")) br;
                    input type="text" name="webhook" size="60"; } }
                p { label { (lang.t("加签密钥（钉钉，SEC 开头；未设置加签则留空）", "Signing secret (钉钉, starts with SEC; empty when the robot does not sign)")) br;
                    input type="password" name="secret" autocomplete="off"; } }
            }
            fieldset {
                legend { (lang.t("邮件（SMTP）", "E-mail (SMTP)")) }
                p { label { (lang.t("SMTP 服务器", "SMTP server")) br; input type="text" name="host"; } }
                p { label { (lang.t("端口", "Port")) br; input type="number" name="port" value="587"; } }
                p { label { (lang.t("加密", "Security")) br;
                    select name="security" {
                        option value="starttls" { "STARTTLS (587)" }
                        option value="tls" { "TLS (465)" }
                        option value="none" { (lang.t("不加密（仅限内网）", "None (local network only)")) }
                    }
                } }
                p { label { (lang.t("用户名（留空为不登录）", "User (empty: no login)")) br; input type="text" name="user" autocomplete="off"; } }
                p { label { (lang.t("密码", "Password")) br; input type="password" name="password" autocomplete="off"; } }
                p { label { (lang.t("发件人", "From")) br; input type="text" name="from"; } }
                p { label { (lang.t("收件人（多个以逗号分隔）", "To (several separated by commas)")) br; input type="text" name="to" size="60"; } }
            }
            p { button type="submit" { (lang.t("添加", "Add")) } }
        }
        h2 { (lang.t("最近发送的提醒", "Alerts sent lately")) }
        @if s.log.is_empty() {
            p { (lang.t("尚未发送提醒。", "No alert sent yet.")) }
        } @else {
            table {
                thead { tr {
                    th { (lang.t("时间", "Time")) }
                    th { (lang.t("渠道", "Channel")) }
                    th { (lang.t("提醒", "Alert")) }
                    th { (lang.t("状态", "Status")) }
                    th { (lang.t("尝试次数", "Attempts")) }
                } }
                tbody { @for e in &s.log {
                    tr {
                        td { (format::time_at(e.sent_at, tz)) }
                        td { (kind_label(lang, &e.channel_kind)) }
                        td { (e.title) br; (if lang == Lang::Zh { &e.text_zh } else { &e.text_en }) }
                        td { @match &e.error {
                            None => span.good { (lang.t("已送达", "Delivered")) },
                            Some((zh, en)) => span.bad { (lang.t("失败：", "Failed: ")) (if lang == Lang::Zh { zh } else { en }) },
                        } }
                        td.num { (e.attempts) }
                    }
                } }
            }
        }
    }
}

fn kind_label(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "dingtalk" => lang.t("钉钉群机器人", "钉钉 robot"),
        "wecom" => lang.t("企业微信群机器人", "企业微信 robot"),
        "email" => lang.t("邮件", "E-mail"),
        _ => lang.t("其他", "Other"),
    }
}

/// The store a form names, if the user manages it.
fn managed(
    db: &kefu_store::Db,
    user: &kefu_store::User,
    store: Option<&str>,
) -> Result<ManagedStore, WebError> {
    access::settings_store(&access::settings_stores(db, user)?, store)
}

fn invalid(e: &impl Localized) -> WebError {
    WebError::Invalid(Said::new(e.zh(), e.en()))
}

fn back(lang: Lang, user: &CurrentUser, done: Result<(String, &str), WebError>) -> Response {
    match done {
        Ok((store, what)) => Redirect::to(&format!(
            "/settings/alerts?store={}&lang={}&done={what}",
            url(&store),
            lang.code()
        ))
        .into_response(),
        Err(e) => error_page(lang, user, e),
    }
}

/// `POST /settings/alerts/rules`: every rule's fields; a checkbox left out is off.
pub async fn save_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let done = state
        .db(move |db| {
            let store = managed(db, &u, fields.get("store").map(String::as_str))?;
            let mut rules = store.alert_rules(db)?;
            for key in AlertRules::keys() {
                let value = fields.get(&key).map_or("", String::as_str);
                // A form leaves an unchecked box out: that rule is off.
                let value = if value.is_empty() && !key.ends_with("_quiet_hours") {
                    if key.ends_with("_on") {
                        "false"
                    } else {
                        continue;
                    }
                } else {
                    value
                };
                rules.set(&key, value).map_err(|e| invalid(&e))?;
            }
            store.save_alert_rules(db, &rules, &u)?;
            db.audit(
                Some(&u),
                "alerts.rules",
                &format!(
                    "store={} {}",
                    store.name(),
                    rules.to_toml().replace('\n', "; ")
                ),
            )?;
            Ok((store.name().to_string(), "saved"))
        })
        .await;
    back(lang, &user, done)
}

/// The channel a form describes, checked.
fn channel_of(fields: &HashMap<String, String>) -> Result<Channel, WebError> {
    let field = |k: &str| fields.get(k).map_or("", |v| v.trim()).to_string();
    let channel = match field("kind").as_str() {
        "dingtalk" => Channel::DingTalk {
            webhook: field("webhook"),
            secret: field("secret"),
        },
        "wecom" => Channel::WeCom {
            webhook: field("webhook"),
        },
        "email" => {
            let port = field("port");
            let port = port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                WebError::invalid(
                    format!("端口「{port}」应为 1 到 65535 之间的数"),
                    format!("port `{port}`: expected a number from 1 to 65535"),
                )
            })?;
            let security = SmtpSecurity::parse(&field("security")).ok_or_else(|| {
                WebError::invalid(
                    "加密方式应为 none、starttls 或 tls",
                    "security: expected none, starttls or tls",
                )
            })?;
            Channel::Email(EmailChannel {
                host: field("host"),
                port,
                security,
                user: field("user"),
                // A password may have spaces inside: only its ends are trimmed.
                password: field("password"),
                from: field("from"),
                to: field("to")
                    .split([',', ';', '，'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        }
        other => {
            return Err(WebError::invalid(
                format!("渠道类型「{other}」应为 dingtalk、wecom 或 email"),
                format!("channel kind `{other}`: expected dingtalk, wecom or email"),
            ));
        }
    };
    channel.validate().map_err(|e| invalid(&e))?;
    Ok(channel)
}

/// `POST /settings/alerts/channel`: adds a channel.
pub async fn add_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let done = state
        .db(move |db| {
            let store = managed(db, &u, fields.get("store").map(String::as_str))?;
            let channel = channel_of(&fields)?;
            let id = store.add_alert_channel(db, &channel, &u)?;
            // The audit log names the channel with its secrets masked.
            db.audit(
                Some(&u),
                "alerts.channel.add",
                &format!(
                    "store={} id={id} kind={} to={}",
                    store.name(),
                    channel.kind(),
                    channel.masked().target()
                ),
            )?;
            Ok((store.name().to_string(), "added"))
        })
        .await;
    back(lang, &user, done)
}

#[derive(Debug, Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    id: String,
}

fn channel_id(form: &ChannelForm) -> Result<i64, WebError> {
    form.id.trim().parse().map_err(|_| {
        WebError::Missing(Said::new(
            format!("没有渠道「{}」", form.id),
            format!("no channel `{}`", form.id),
        ))
    })
}

fn no_channel(id: i64) -> WebError {
    WebError::Missing(Said::new(
        format!("没有渠道 {id}"),
        format!("no channel {id}"),
    ))
}

/// `POST /settings/alerts/channel/delete`
pub async fn delete_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<ChannelForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let done = state
        .db(move |db| {
            let store = managed(db, &u, Some(&form.store))?;
            let id = channel_id(&form)?;
            if !store.delete_alert_channel(db, id)? {
                return Err(no_channel(id));
            }
            db.audit(
                Some(&u),
                "alerts.channel.delete",
                &format!("store={} id={id}", store.name()),
            )?;
            Ok((store.name().to_string(), "deleted"))
        })
        .await;
    back(lang, &user, done)
}

/// `POST /settings/alerts/test`: one attempt with a 5 s limit, so the page answers soon, sent
/// off the database's threads; the outcome goes to the log like any alert's.
pub async fn send_test(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<ChannelForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let found = state
        .db(move |db| {
            let store = managed(db, &u, Some(&form.store))?;
            let id = channel_id(&form)?;
            let channel = store
                .alert_channels(db)?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| no_channel(id))?;
            Ok((store, channel))
        })
        .await;
    let (store, channel) = match found {
        Ok(found) => found,
        Err(e) => return error_page(lang, &user, e),
    };
    let message = Message::test(store.name());
    let (c, m) = (channel.channel.clone(), message.clone());
    let delivery = tokio::task::spawn_blocking(move || {
        Sender::new(RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        })
        .send(&c, &m)
    })
    .await;
    let delivery = match delivery {
        Ok(d) => d,
        Err(e) => return error_page(lang, &user, WebError::Internal(format!("test alert: {e}"))),
    };
    let u = user.session.user.clone();
    let done = state
        .db(move |db| {
            let ok = delivery.result.is_ok();
            store.record_alert_log(
                db,
                &[AlertLogEntry {
                    sent_at: kefu_store::users::now_secs(),
                    keys: "test".into(),
                    title: message.title.clone(),
                    text_zh: "测试提醒".into(),
                    text_en: "Test alert".into(),
                    channel_id: Some(channel.id),
                    channel_kind: channel.channel.kind().into(),
                    attempts: delivery.attempts,
                    error: delivery.result.err().map(|e| (e.zh(), e.en())),
                }],
            )?;
            db.audit(
                Some(&u),
                "alerts.test",
                &format!("store={} id={} delivered={ok}", store.name(), channel.id),
            )?;
            Ok((store.name().to_string(), if ok { "sent" } else { "failed" }))
        })
        .await;
    back(lang, &user, done)
}
