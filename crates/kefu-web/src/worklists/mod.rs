//! Worklists (`/worklists`, issue 16): agents see and work the items they own (set a status,
//! which notes their contact); supervisors and admins see every item of their stores, give
//! items to other agents, and edit the store's reminder timing beside the payment rate by
//! reminder delay and hour from the store's own history. The lists, their rules and the
//! recovered sales come from `kefu_app::worklists` (`docs/metrics.md`, "Worklists and
//! recovered sales").

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_app::worklists::{Report, TallyView, WorkError};
use kefu_core::localized::Said;
use kefu_core::model::NameId;
use kefu_core::worklist::{Kind, WorklistSettings};
use kefu_store::{Db, User, UserRole};
use serde::Deserialize;

use crate::access::{self, StoreScope};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S};
use crate::routes::Routes;
use crate::ui::format;
use crate::ui::frame::{Notice, error_page, frame};
use crate::ui::html::{Markup, PreEscaped, html};
use crate::{AppState, WebError};

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/worklists", page)
        .form("/worklists/status", set_status)
        .form("/worklists/assign", assign)
        .form("/worklists/settings", save_settings)
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub store: Option<String>,
    pub list: Option<String>,
    /// `1`: recovered and lost items too.
    pub all: Option<String>,
    /// `0`: only unpaid orders not reminded (no reminder sent, no contact noted).
    pub reminded: Option<String>,
    pub lang: Option<String>,
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn status_label(lang: Lang, s: &str) -> &'static str {
    match s {
        "open" => lang.t("待跟进", "Open"),
        "contacted" => lang.t("已联系", "Contacted"),
        "recovered" => lang.t("已挽回", "Recovered"),
        "lost" => lang.t("已流失", "Lost"),
        _ => lang.t("勿打扰", "Do not contact"),
    }
}

fn list_label(lang: Lang, key: &str) -> String {
    Kind::parse(key).map_or_else(|| key.to_string(), |k| lang.t(k.zh(), k.en()).to_string())
}

/// Who may work lists: admins and supervisors their stores', agents their own items; QA
/// reviewers read figures but work no lists.
fn may_work(user: &User) -> Result<(), WebError> {
    match user.role {
        UserRole::Qa => Err(WebError::Forbidden(
            "worklists are worked by agents and supervisors".into(),
        )),
        _ => Ok(()),
    }
}

struct Shown {
    store: StoreScope,
    report: Report,
    people: Vec<(NameId, String)>,
    settings: Option<WorklistSettings>,
    stores: Vec<String>,
}

fn load(
    db: &mut Db,
    base: &kefu_core::settings::Config,
    user: &User,
    q: &PageQuery,
) -> Result<Shown, WebError> {
    let stores = access::allowed(db, user, None)?;
    let store = access::chosen(&stores, q.store.as_deref())?;
    let kind = match q.list.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
            WebError::invalid(format!("未知清单「{k}」"), format!("no list called `{k}`"))
        })?),
    };
    let mut report = store.worklist_report(db, base, kind, q.all.as_deref() == Some("1"))?;
    if q.reminded.as_deref() == Some("0") {
        report.items.retain(|i| i.not_reminded());
    }
    let manages = store.whole();
    let settings = (manages && access::may_edit_settings(user))
        .then(|| store.worklist_settings(db))
        .transpose()?;
    let people = if manages {
        store.people(db)?
    } else {
        Vec::new()
    };
    Ok(Shown {
        stores: stores.iter().map(|s| s.name().to_string()).collect(),
        store,
        report,
        people,
        settings,
    })
}

/// `GET /worklists`
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if let Err(e) = may_work(&user.session.user) {
        return error_page(lang, &user, e);
    }
    let u = user.session.user.clone();
    let live = state.config.clone();
    let shown = state.db_mut(move |db| load(db, live.base(), &u, &q)).await;
    match shown {
        Ok(shown) => {
            let body = render(lang, &user, &shown, Notice::Nothing);
            frame(
                lang,
                &user,
                StatusCode::OK,
                S::Worklists,
                "/worklists",
                body,
            )
        }
        Err(e) => error_page(lang, &user, e),
    }
}

fn tally_rows(lang: Lang, rows: &[(String, &TallyView)]) -> Markup {
    html! {
        div.wrap { table {
            thead { tr {
                th { "" }
                th { (lang.t("项", "Items")) }
                th { (lang.t("待办", "Open")) }
                th { (lang.t("挽回", "Recovered")) }
                th { (lang.t("流失", "Lost")) }
                th { (lang.t("订单", "Orders")) }
                th { (lang.t("金额", "Amount")) }
                th { (lang.t("挽回率", "Rate")) }
                th { (lang.t("平均用时", "Mean time to recover")) }
            } }
            tbody {
                @for (name, t) in rows {
                    tr {
                        td { (name) }
                        td.num { (t.items) }
                        td.num { (t.open) }
                        td.num { (t.recovered) }
                        td.num { (t.lost) }
                        td.num { (t.orders) }
                        td.num { (format::money(t.cents)) }
                        td.num { (percent(t.rate)) }
                        td.num { (t.avg_recover_secs.map_or_else(|| "—".into(), |s| format::duration_ms(s.saturating_mul(1000)))) }
                    }
                }
            }
        } }
    }
}

/// The items at a phone's width (640 px and less): each row a card, every cell with its
/// column's name before it (`data-label`), the actions — status and owner with their buttons —
/// full width under the item instead of a ninth column off the screen's right edge. The
/// table stays a table for everything else (screen readers at a wide width, the tests).
const ITEMS_CSS: &str = "@media (max-width:640px){\
div.wrap:has(>table#items){overflow-x:visible}\
table#items,table#items tbody{display:block;background:none;border:0}\
table#items thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}\
table#items tr{display:block;margin:0 0 .7em;padding:.4em .6em;background:#fff;border:1px solid #dde1e7;border-radius:6px}\
table#items td{display:flex;justify-content:space-between;gap:1em;border:0;padding:.15em 0;white-space:normal;text-align:right}\
table#items td::before{content:attr(data-label);color:#5b6474;text-align:left;flex:none}\
table#items td.actions{display:block;margin-top:.3em;padding-top:.4em;border-top:1px solid #dde1e7}\
table#items td.actions::before{content:none}\
table#items td.actions form{display:flex;gap:.5em;margin:.3em 0}\
table#items td.actions select{flex:1;min-width:0;min-height:2.4em}\
table#items td.actions button{min-height:2.4em;min-width:4.5em}}";

fn render(lang: Lang, user: &CurrentUser, s: &Shown, notice: Notice) -> Markup {
    let lc = lang.code();
    let csrf = &user.session.csrf;
    let r = &s.report;
    let store = s.store.name();
    let manages = s.store.whole();
    let here = |extra: &str| format!("/worklists?store={}&lang={lc}{extra}", urlencode(store));
    // The lists' figures are the store's: only for whoever sees the whole store; an agent
    // sees their own row.
    let mut tallies: Vec<(String, &TallyView)> = Vec::new();
    if manages {
        tallies.extend(r.lists.iter().map(|t| (list_label(lang, &t.name), t)));
        tallies.push((lang.t("合计", "Total").to_string(), &r.total));
        tallies.push((
            lang.t(
                "未联系，买家自行回来",
                "No contact: the buyer came back alone",
            )
            .to_string(),
            &r.uncontacted,
        ));
    }
    let agents: Vec<(String, &TallyView)> = r.agents.iter().map(|t| (t.name.clone(), t)).collect();
    html! {
        (notice)
        @if s.stores.len() > 1 {
            p { @for name in &s.stores {
                @if name == store { strong { (name) } " " } @else {
                    a href={ "/worklists?store=" (urlencode(name)) "&lang=" (lc) } { (name) } " "
                }
            } }
        }
        p.note {
            (lang.t("截至", "As of ")) " " (r.as_of.as_deref().unwrap_or("—")) " · "
            (lang.t("时间为店铺当地时间。", "Times are the store's local time."))
            " "
            a href=(here("&all=1")) { (lang.t("含已挽回/已流失", "Include recovered and lost")) }
            " · "
            a href=(here("")) { (lang.t("只看待办", "Open only")) }
        }
        p {
            @for k in Kind::ALL {
                a href=(here(&format!("&list={}", k.as_str()))) { (lang.t(k.zh(), k.en())) } " · "
            }
            a href=(here("&list=unpaid&reminded=0")) { (lang.t("未催付的未付款订单", "Unpaid, not reminded")) }
        }
        // At a phone's width each item is a card, its actions under it (`ITEMS_CSS`).
        style { (PreEscaped(ITEMS_CSS)) }
        div.wrap { table #items {
            thead { tr {
                th { (lang.t("清单", "List")) }
                th { (lang.t("买家", "Buyer")) }
                th { (lang.t("单号/日期", "Reference")) }
                th { (lang.t("负责人", "Owner")) }
                th { (lang.t("应跟进", "Due")) }
                th { (lang.t("金额", "At stake")) }
                th { (lang.t("已催", "Reminders")) }
                th { (lang.t("状态", "Status")) }
                th { (lang.t("操作", "Work it")) }
            } }
            tbody {
                @for i in &r.items {
                    tr {
                        td data-label=(lang.t("清单", "List")) { (list_label(lang, i.list)) }
                        td data-label=(lang.t("买家", "Buyer")) { (i.buyer) }
                        td data-label=(lang.t("单号/日期", "Reference")) { (i.reference) }
                        td data-label=(lang.t("负责人", "Owner")) { (i.owner.as_deref().unwrap_or("—")) }
                        td data-label=(lang.t("应跟进", "Due")) { (i.due_at.as_deref().unwrap_or("—")) }
                        td.num data-label=(lang.t("金额", "At stake")) { (format::money(i.amount_cents)) }
                        td.num data-label=(lang.t("已催", "Reminders")) { (i.reminders) }
                        td data-label=(lang.t("状态", "Status")) {
                            (status_label(lang, i.status))
                            @if i.recovered_cents > 0 { " " (format::money(i.recovered_cents)) }
                            @if let Some(secs) = i.time_to_recover_secs { " (" (format::duration_ms(secs.saturating_mul(1000))) ")" }
                        }
                        td.actions {
                            form method="post" action={ "/worklists/status?lang=" (lc) } {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="store" value=(store);
                                input type="hidden" name="key" value=(i.key);
                                select name="status" {
                                    @for st in ["open", "contacted", "lost", "do_not_contact"] {
                                        option value=(st) selected[st == i.status] { (status_label(lang, st)) }
                                    }
                                }
                                button type="submit" { (lang.t("保存", "Save")) }
                            }
                            @if manages {
                                form method="post" action={ "/worklists/assign?lang=" (lc) } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="store" value=(store);
                                    input type="hidden" name="key" value=(i.key);
                                    select name="owner" {
                                        option value="" { (lang.t("无人负责", "Nobody")) }
                                        @for (_, name) in &s.people {
                                            option value=(name) selected[Some(name.as_str()) == i.owner.as_deref()] { (name) }
                                        }
                                    }
                                    button type="submit" { (lang.t("交给", "Give to")) }
                                }
                            }
                        }
                    }
                }
            }
        } }
        @if r.items.is_empty() { p.note { (lang.t("没有待办项。", "Nothing to do.")) } }
        h2 { (lang.t("挽回的销售", "Sales recovered")) " " (r.from) " – " (r.to) }
        p.note { (lang.t(
            "挽回由数据判定：清单项出现后，买家在挽回期限内付款（退款被撤销）；记在付款前最后一次联系的客服名下。",
            "Measured, not claimed: a payment of the buyer (a withdrawn refund) within the recovery window after the item appeared; credited to the last contact before it."
        )) }
        @if !tallies.is_empty() { (tally_rows(lang, &tallies)) }
        @if !agents.is_empty() {
            h3 { (lang.t("按客服", "By agent")) }
            (tally_rows(lang, &agents))
        }
        @if let Some(settings) = &s.settings {
            (settings_form(lang, csrf, store, settings, r))
        }
    }
}

fn settings_form(
    lang: Lang,
    csrf: &str,
    store: &str,
    settings: &WorklistSettings,
    r: &Report,
) -> Markup {
    let label = |key: &str| -> &'static str {
        match key {
            "first_reminder_minutes" => lang.t(
                "首次催付（下单后，分钟，起-止）",
                "First reminder (minutes after the order, from-to)",
            ),
            "second_reminder_hours" => lang.t(
                "第二次催付（首次后，小时，起-止）",
                "Second reminder (hours after the first, from-to)",
            ),
            "final_reminder_minutes" => lang.t(
                "最后一次催付（关闭前，分钟）",
                "Last reminder (minutes before the close)",
            ),
            "close_after_hours" => lang.t(
                "未付款订单自动关闭（小时）",
                "Unpaid orders close after (hours)",
            ),
            "quiet_hours" => lang.t(
                "免打扰时段（如 22:00-08:00，留空为无）",
                "Quiet hours (e.g. 22:00-08:00; empty: none)",
            ),
            "max_reminders_per_day" => lang.t(
                "每位买家 24 小时内最多催付次数",
                "At most reminders per buyer in 24 hours",
            ),
            "recovery_window_hours" => lang.t("挽回期限（小时）", "Recovery window (hours)"),
            "refund_due_hours" => lang.t("退款应处理时限（小时）", "Refunds due within (hours)"),
            "horizon_days" => lang.t("每次导入重算的天数", "Days every import recomputes"),
            _ => lang.t(
                "新项负责人：serving 接待客服、round_robin 轮流、manual 手动",
                "Owner of new items: serving, round_robin or manual",
            ),
        }
    };
    html! {
        h2 { (lang.t("催付时机", "Reminder timing")) }
        p.note { (lang.t(
            "本店历史：首次催付距下单的时间、催付的钟点，与催付后付款的比例。",
            "This store's history: the payment rate after the first reminder, by its delay after the order and by its hour."
        )) }
        table {
            thead { tr {
                th { (lang.t("下单后（分钟起）", "Minutes after the order (from)")) }
                th { (lang.t("催付订单", "Reminded")) }
                th { (lang.t("催付后付款", "Paid after")) }
                th { (lang.t("付款率", "Rate")) }
            } }
            tbody { @for b in &r.timing_by_delay {
                tr { td.num { (b.from) } td.num { (b.reminded) } td.num { (b.paid) } td.num { (percent(b.rate)) } }
            } }
        }
        table {
            thead { tr {
                th { (lang.t("钟点", "Hour")) }
                th { (lang.t("催付订单", "Reminded")) }
                th { (lang.t("催付后付款", "Paid after")) }
                th { (lang.t("付款率", "Rate")) }
            } }
            tbody { @for b in r.timing_by_hour.iter().filter(|b| b.reminded > 0) {
                tr { td.num { (format!("{:02}:00", b.from)) } td.num { (b.reminded) } td.num { (b.paid) } td.num { (percent(b.rate)) } }
            } }
        }
        h2 { (lang.t("工作清单设置", "Worklist settings")) }
        form method="post" action={ "/worklists/settings?lang=" (lang.code()) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            @for key in WorklistSettings::KEYS {
                p { label {
                    (label(key)) br;
                    input type="text" name=(key) value=(settings.get(key).unwrap_or_default());
                } }
            }
            p { button type="submit" { (lang.t("保存", "Save")) } }
        }
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn work_error(e: WorkError) -> WebError {
    match e {
        WorkError::NoItem(k) => WebError::Missing(Said::new(
            format!("没有工作清单项「{k}」"),
            format!("no worklist item `{k}`"),
        )),
        WorkError::Store(e) => WebError::Store(e),
        other => {
            use kefu_core::localized::Localized;
            WebError::Invalid(Said::new(other.zh(), other.to_string()))
        }
    }
}

/// After a form: back to the store's lists (the form's store), or the error.
fn back(lang: Lang, user: &CurrentUser, done: Result<String, WebError>) -> Response {
    match done {
        Ok(store) => Redirect::to(&format!(
            "/worklists?store={}&lang={}",
            urlencode(&store),
            lang.code()
        ))
        .into_response(),
        Err(e) => error_page(lang, user, e),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    status: String,
}

/// The store a form names, if the user may work lists there.
fn form_store(db: &Db, user: &User, store: &str) -> Result<StoreScope, WebError> {
    may_work(user)?;
    let stores = access::allowed(db, user, None)?;
    access::chosen(&stores, Some(store).filter(|s| !s.is_empty()))
}

/// `POST /worklists/status`: an agent's `contacted` notes their contact (it can earn them a
/// later recovery); a supervisor's notes none.
pub async fn set_status(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<crate::auth::LangQuery>,
    Form(form): Form<StatusForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let live = state.config.clone();
    let done = state
        .db(move |db| {
            let store = form_store(db, &u, &form.store)?;
            let tz = live.current().store(store.name()).timezone;
            store.set_worklist_status(db, tz, &form.key, &form.status, &u)?;
            db.audit(
                Some(&u),
                "worklist.status",
                &format!(
                    "store={} key={} status={}",
                    store.name(),
                    form.key,
                    form.status
                ),
            )?;
            Ok(store.name().to_string())
        })
        .await;
    back(lang, &user, done)
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    key: String,
    /// The account's name; empty: nobody.
    #[serde(default)]
    owner: String,
}

/// `POST /worklists/assign`: supervisors and admins give an item to one of the store's people.
pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<crate::auth::LangQuery>,
    Form(form): Form<AssignForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if user.session.user.role == UserRole::Agent {
        return error_page(
            lang,
            &user,
            WebError::Forbidden("reassigning needs a supervisor".into()),
        );
    }
    let u = user.session.user.clone();
    let done = state
        .db(move |db| {
            let store = form_store(db, &u, &form.store)?;
            let owner = match form.owner.trim() {
                "" => None,
                name => Some(
                    store
                        .people(db)?
                        .into_iter()
                        .find(|(_, n)| n == name)
                        .map(|(id, _)| id)
                        .ok_or_else(|| {
                            WebError::invalid(
                                format!("本店没有客服「{name}」"),
                                format!("the store has no agent `{name}`"),
                            )
                        })?,
                ),
            };
            store.reassign(db, &form.key, owner)?;
            db.audit(
                Some(&u),
                "worklist.assign",
                &format!(
                    "store={} key={} owner={}",
                    store.name(),
                    form.key,
                    form.owner
                ),
            )?;
            Ok(store.name().to_string())
        })
        .await;
    back(lang, &user, done)
}

/// `POST /worklists/settings`: a store's worklist settings (admins and the store's
/// supervisors); the lists are refreshed under them.
pub async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<crate::auth::LangQuery>,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let live = state.config.clone();
    let done = state
        .db_mut(move |db| {
            let stores = access::settings_stores(db, &u)?;
            let store = access::settings_store(&stores, fields.get("store").map(String::as_str))?;
            let mut settings = WorklistSettings::default();
            for key in WorklistSettings::KEYS {
                let value = fields.get(key).map_or("", String::as_str);
                settings.set(key, value).map_err(|e| {
                    use kefu_core::localized::Localized;
                    WebError::Invalid(Said::new(e.zh(), e.to_string()))
                })?;
            }
            store.save_worklist_settings(db, live.base(), &settings, &u)?;
            db.audit(
                Some(&u),
                "worklist.settings",
                &format!("store={}", store.name()),
            )?;
            Ok(store.name().to_string())
        })
        .await;
    back(lang, &user, done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_clock_as_pages_write_them() {
        assert_eq!(format::money(0), "¥0.00");
        assert_eq!(format::money(19_900), "¥199.00");
        assert_eq!(format::money(123_456_789), "¥1,234,567.89");
        assert_eq!(format::money(-100_000), "-¥1,000.00");
        assert_eq!(format::duration_ms(59_000), "0:59");
        assert_eq!(format::duration_ms(125_000), "2:05");
        assert_eq!(format::duration_ms(3_725_000), "1:02:05");
    }
}
