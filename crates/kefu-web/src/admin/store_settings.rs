//! Per-store metric settings: the settings in force ([`LiveConfig`]) and the page that edits
//! them (admins: every store; supervisors: their stores).
//!
//! The serve configuration (its `--config` file, or the defaults) is the base; settings saved
//! here for a store take its place for that store. Saving recomputes the store and shows the
//! effect on its figures over its last 30 days of data.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::figures::Counters;
use kefu_core::platform::Platform;
use kefu_core::settings::MetricSettings;
use kefu_core::time::{Day, UtcOffset};
use kefu_store::{Db, SavedSettings};

use crate::access::ManagedStore;
use serde::Deserialize;

use crate::access;
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::report::{By, display};
use crate::ui::format;
use crate::ui::frame::{Notice, StoreQuery, error_page, frame, store_switcher, th};
use crate::ui::html::{Markup, html, url};
use crate::{AppState, WebError};

/// Days of data the before/after comparison covers (ending on the store's last day).
pub const EFFECT_DAYS: i32 = 30;

/// A setting's name, unit and meaning, in both languages.
pub(crate) fn describe(lang: Lang, key: &str) -> (&'static str, &'static str, &'static str) {
    match key {
        "slow_response_secs" => (
            lang.t("慢响应阈值", "Slow response threshold"),
            lang.t("秒", "seconds"),
            lang.t(
                "一轮的响应时间（只计服务时间内的秒数）超过这个时长即为慢响应（0–86400）。",
                "A round whose response time (counting only seconds inside service hours) exceeds this is slow (0–86400).",
            ),
        ),
        "slow_response_rounds" => (
            lang.t("慢接待轮数", "Slow rounds per reception"),
            lang.t("轮", "rounds"),
            lang.t(
                "一次接待有至少这么多慢响应的轮次，计入慢响应人数（1–366）。",
                "A reception with at least this many slow rounds counts as slow (1–366).",
            ),
        ),
        "conversion_window_days" => (
            lang.t("转化归属天数", "Attribution window"),
            lang.t("天", "days"),
            lang.t(
                "订单归属于下单当天及之前 N−1 天内最后回复的接待；1 = 仅当天（1–366）。",
                "An order goes to the last answering reception on its day or the N−1 days before; 1 = same day only (1–366).",
            ),
        ),
        "service_hours" => (
            lang.t("服务时间", "Service hours"),
            lang.t("时:分-时:分", "HH:MM-HH:MM"),
            lang.t(
                "响应时间只计这些时段内的秒数（夜里的等待不计）；22:00-02:00 跨午夜，多个时段用逗号分隔。",
                "Response times count only the seconds inside these windows (a night's wait does not count); 22:00-02:00 crosses midnight, several windows join with commas.",
            ),
        ),
        "after_sale_days" => (
            lang.t("售后天数", "After-sale days"),
            lang.t("天", "days"),
            lang.t(
                "买家在接待当天或之前这么多天内下过单、且本次接待没有归属订单，即为售后接待，不计入询单；0 = 仅当天（0–366）。",
                "A buyer who ordered on the reception's day or this many days before, and buys nothing from this reception, is after-sale, not an inquiry; 0 = that day only (0–366).",
            ),
        ),
        "reminder_window_hours" => (
            lang.t("催付时限", "Reminder window"),
            lang.t("小时", "hours"),
            lang.t(
                "下单后这么多小时内的催付才算数（0–8784）。",
                "A reminder counts within this many hours after the order (0–8784).",
            ),
        ),
        "attribution" => (
            lang.t("业绩判定规则", "Attribution mode"),
            lang.t("order / payment / order_first", "order / payment / order_first"),
            lang.t(
                "订单归属于哪个时间点之前最后回复的接待：order = 下单时间（默认）；payment = 已付款订单用付款时间，未付款用下单时间；order_first = 按下单时间有归属就用它，否则按付款时间。",
                "The time an order's last answering reception must come at or before: order = its creation (default); payment = the payment time for paid orders, the creation for unpaid ones; order_first = the creation's result where there is one, else the payment's.",
            ),
        ),
        "platform" => (
            lang.t("平台口径", "Platform profile"),
            lang.t(
                "taobao / tmall / pdd / jd / douyin / kuaishou",
                "taobao / tmall / pdd / jd / douyin / kuaishou",
            ),
            lang.t(
                "店铺所在平台：概览和排名显示该平台的服务指标（淘宝/天猫：淘宝人工平响、三分钟响应率；拼多多：3分钟人工回复率、30秒应答率（8–23点）；京东：30秒应答率（按会话，9–23点）；抖店：工作时间及全天3分钟回复率；快手：3分钟人工回复率）。各平台指标都按其规则由聊天记录算出，不影响已算出的数据。",
                "The marketplace the store sells on: the overview and the ranking show its service figures (Taobao/Tmall: Taobao avg response and the 3-minute rate; Pinduoduo: 3-min human reply rate and 30-s answer rate, 8–23h; JD: 30-s answer rate by session, 9–23h; Douyin: 3-min reply rate in working hours and all day; Kuaishou: 3-min human reply rate). Every platform's figures are computed from the chats by its rules; this changes no computed figure.",
            ),
        ),
        _ => ("", "", ""),
    }
}

/// What a setting must be, said in the user's language (the same bounds as
/// `MetricSettings::set`).
fn expected(lang: Lang, key: &str) -> &'static str {
    match key {
        "slow_response_secs" => lang.t(
            "应为 0 到 86400 之间的整数",
            "expected a whole number from 0 to 86400",
        ),
        "slow_response_rounds" | "conversion_window_days" => lang.t(
            "应为 1 到 366 之间的整数",
            "expected a whole number from 1 to 366",
        ),
        "reminder_window_hours" => lang.t(
            "应为 0 到 8784 之间的整数",
            "expected a whole number from 0 to 8784",
        ),
        "after_sale_days" => lang.t(
            "应为 0 到 366 之间的整数",
            "expected a whole number from 0 to 366",
        ),
        "attribution" => lang.t(
            "应为 order、payment 或 order_first",
            "expected order, payment or order_first",
        ),
        "platform" => lang.t(
            "应为 taobao、tmall、pdd、jd、douyin 或 kuaishou",
            "expected taobao, tmall, pdd, jd, douyin or kuaishou",
        ),
        _ => lang.t(
            "应为如 08:00-24:00 的时段（跨午夜如 22:00-02:00，多个用逗号分隔）",
            "expected a window like 08:00-24:00 (22:00-02:00 crosses midnight; several joined by commas)",
        ),
    }
}

/// The page's form as posted: the CSRF token, the store and the settings by key.
#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    store: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

/// What the page shows of a store's settings.
struct Shown {
    stores: Vec<ManagedStore>,
    store: ManagedStore,
    saved: Option<SavedSettings>,
    visibility: kefu_store::Visibility,
}

fn load_shown(db: &Db, user: &kefu_store::User, store: Option<&str>) -> Result<Shown, WebError> {
    let stores = access::settings_stores(db, user)?;
    let store = access::settings_store(&stores, store)?;
    let saved = store.saved_settings(db)?;
    Ok(Shown {
        visibility: store.visibility(db)?,
        stores,
        store,
        saved,
    })
}

/// A store's counters over its last [`EFFECT_DAYS`] days of data.
struct Window {
    range: (Day, Day),
    counters: Counters,
}

/// The store's [`Window`]; `None` when it has no data.
fn window(db: &Db, store: &ManagedStore) -> Result<Option<Window>, WebError> {
    let Some((lo, hi)) = store.day_span(db)? else {
        return Ok(None);
    };
    let from = hi.offset(1 - EFFECT_DAYS).max(lo);
    let report = kefu_report::build(db, By::Store, from, hi, Some(store.name()))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Some(Window {
        range: (from, hi),
        counters: report
            .rows
            .into_iter()
            .next()
            .map(|r| r.counters)
            .unwrap_or_default(),
    }))
}

/// The table of every store figure before and after, changed ones marked.
fn effect_table(lang: Lang, range: (Day, Day), before: &Counters, after: &Counters) -> Markup {
    let report = kefu_report::Report {
        by: By::Store,
        rows: Vec::new(),
        only: Vec::new(),
        whole_store: true,
    };
    html! {
        h2 { (lang.t("对指标的影响", "Effect on the figures")) }
        p {
            (lang.t("店铺最近 30 天数据：", "The store's last 30 days of data:"))
            " " (range.0) " – " (range.1)
        }
        div.wrap {
            table.effect {
                thead {
                    tr {
                        th { (lang.t("指标", "Figure")) }
                        th { (lang.t("修改前", "Before")) }
                        th { (lang.t("修改后", "After")) }
                    }
                }
                tbody {
                    @for f in report.figures() {
                        @let (b, a) = (display(f, f.value(before)), display(f, f.value(after)));
                        tr class=[(a != b).then_some("changed")] {
                            td { (lang.figure(f)) }
                            td { (b) }
                            td { (a) }
                        }
                    }
                }
            }
        }
    }
}

/// The page: store choice, where the settings come from, the form (with `errors` by key and
/// the values to show), and the outcome of a save: a notice above the form, its effect below.
fn render(
    lang: Lang,
    user: &CurrentUser,
    shown: &Shown,
    (values, tz): (&MetricSettings, UtcOffset),
    entered: &std::collections::HashMap<String, String>,
    errors: &[(String, String)],
    (notice, effect): (Notice, Markup),
) -> Markup {
    let lc = lang.code();
    let csrf = &user.session.csrf;
    let store = shown.store.name();
    let switcher = store_switcher(lang, "/settings/metrics", &shown.stores, &shown.store);
    html! {
        p { (lang.s(S::ConfigNote)) }
        (switcher)
        h2 { (store) }
        p.source {
            @match &shown.saved {
                Some(s) => {
                    (lang.t("网页保存的设置，保存人：", "Saved on this site by")) " "
                    (s.updated_by.as_deref().unwrap_or("-")) " · " (format::time_at(s.updated_at, tz))
                    " (" (format::zone(tz)) ")"
                },
                None => (lang.t(
                    "来自配置文件（未配置则为默认值）",
                    "From the configuration file (or the defaults)",
                )),
            }
        }
        @if !errors.is_empty() {
            p.error role="alert" {
                (lang.t(
                    "有设置项不正确，未保存。",
                    "Some settings are not valid; nothing was saved."
                ))
            }
        }
        (notice)
        form method="post" action={ "/settings/metrics?lang=" (lc) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            table.facts.form {
                thead {
                    tr {
                        (th(lang, &[S::SettingKey, S::Value]))
                        th { (lang.t("单位", "Unit")) }
                        th { (lang.t("说明", "Meaning")) }
                    }
                }
                tbody {
                    @for key in MetricSettings::KEYS {
                        @let (name, unit, meaning) = describe(lang, key);
                        @let value = entered
                            .get(key)
                            .cloned()
                            .or_else(|| values.get(key))
                            .unwrap_or_default();
                        @let error = errors.iter().find(|(k, _)| k == key).map(|(_, e)| e);
                        @let error_id = format!("{key}-error");
                        tr {
                            td {
                                label for=(key) title=(key) { (name) }
                                // The file's key, for those who edit TOML: English pages only.
                                @if lang == Lang::En { br; code { (key) } }
                            }
                            td {
                                @if key == "platform" {
                                    select id=(key) name=(key)
                                        aria-invalid=[error.map(|_| "true")]
                                        aria-describedby=[error.map(|_| &error_id)] {
                                        @for p in Platform::PROFILES {
                                            option value=(p.as_str()) selected[p.as_str() == value] {
                                                (p.name(lang == Lang::Zh))
                                            }
                                        }
                                    }
                                } @else {
                                    input id=(key) name=(key) value=(value) required
                                        aria-invalid=[error.map(|_| "true")]
                                        aria-describedby=[error.map(|_| &error_id)];
                                }
                                @if let Some(e) = error {
                                    br;
                                    span.error id=(error_id) { (e) }
                                }
                            }
                            td { (unit) }
                            td.text { (meaning) }
                        }
                    }
                }
            }
            p { button type="submit" { (lang.t("保存并重新计算", "Save and recompute")) } }
        }
        @if shown.saved.is_some() {
            form method="post" action={ "/settings/metrics/reset?lang=" (lc) } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="store" value=(store);
                button type="submit" {
                    (lang.t(
                        "恢复为配置文件的设置并重新计算",
                        "Go back to the configuration file's settings and recompute"
                    ))
                }
            }
        }
        (effect)
        (visibility_form(lang, user, shown))
    }
}

/// The store's choices of what its agents see (`docs/deployment.md`, "What agents see").
fn visibility_form(lang: Lang, user: &CurrentUser, shown: &Shown) -> Markup {
    let v = shown.visibility;
    let checks = [
        ("store_totals", v.store_totals, S::AgentsSeeStoreTotals),
        ("colleagues", v.colleagues, S::AgentsSeeColleagues),
    ];
    html! {
        h2 id="visibility" { (lang.s(S::Visibility)) }
        p.note { (lang.s(S::VisibilityNote)) }
        form method="post" action={ "/settings/visibility?lang=" (lang.code()) } {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="store" value=(shown.store.name());
            @for (name, on, label) in checks {
                p {
                    label {
                        input type="checkbox" name=(name) value="1" checked[on];
                        " " (lang.s(label))
                    }
                }
            }
            p { button type="submit" { (lang.t("保存", "Save")) } }
        }
    }
}

#[derive(Deserialize)]
pub struct VisibilityForm {
    #[serde(default)]
    store: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    store_totals: Option<String>,
    #[serde(default)]
    colleagues: Option<String>,
}

/// `POST /settings/visibility`: what the store's agents see beyond their own figures.
pub async fn save_visibility(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
    Form(form): Form<VisibilityForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let on = |v: &Option<String>| v.as_deref().is_some_and(|v| v == "1" || v == "on");
    let v = kefu_store::Visibility {
        store_totals: on(&form.store_totals),
        colleagues: on(&form.colleagues),
    };
    let done = state
        .db(move |db| {
            let stores = access::settings_stores(db, &u)?;
            let store = access::settings_store(&stores, Some(&form.store))?;
            store.set_visibility(db, v, &u.name)?;
            db.audit(
                Some(&u),
                "store.visibility",
                &format!(
                    "store={} store_totals={} colleagues={}",
                    store.name(),
                    v.store_totals,
                    v.colleagues
                ),
            )?;
            Ok(store)
        })
        .await;
    match done {
        Ok(store) => Redirect::to(&format!("{}&lang={}#visibility", here(&store), lang.code()))
            .into_response(),
        Err(e) => error_page(lang, &user, e),
    }
}

fn here(store: &ManagedStore) -> String {
    format!("/settings/metrics?store={}", url(store.name()))
}

/// The page as answered, with the settings in force for the shown store: the form as entered
/// with its errors, and the outcome of a save.
fn settings_page(
    lang: Lang,
    user: &CurrentUser,
    state: &AppState,
    status: StatusCode,
    shown: &Shown,
    (entered, errors): (
        &std::collections::HashMap<String, String>,
        &[(String, String)],
    ),
    outcome: (Notice, Markup),
) -> Response {
    let settings = state.config.store(shown.store.name());
    let body = render(
        lang,
        user,
        shown,
        (&settings.metrics, settings.timezone),
        entered,
        errors,
        outcome,
    );
    frame(
        lang,
        user,
        status,
        S::MetricSettings,
        &here(&shown.store),
        body,
    )
}

/// `GET /settings/metrics?store=…`
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let shown = state
        .db(move |db| load_shown(db, &u, q.store.as_deref()))
        .await;
    match shown {
        Ok(shown) => settings_page(
            lang,
            &user,
            &state,
            StatusCode::OK,
            &shown,
            (&Default::default(), &[]),
            (Notice::Nothing, html! {}),
        ),
        Err(e) => error_page(lang, &user, e),
    }
}

/// Every field of the form checked; the settings, or the errors by key.
fn parse_form(
    lang: Lang,
    fields: &std::collections::HashMap<String, String>,
) -> Result<MetricSettings, Vec<(String, String)>> {
    let mut m = MetricSettings::default();
    let mut errors = Vec::new();
    for key in MetricSettings::KEYS {
        let value = fields.get(key).map_or("", String::as_str);
        if m.set(key, value).is_err() {
            errors.push((key.to_string(), expected(lang, key).to_string()));
        }
    }
    if errors.is_empty() {
        Ok(m)
    } else {
        Err(errors)
    }
}

/// What changed, for the audit log: `key: old→new` for each.
fn changes(old: &MetricSettings, new: &MetricSettings) -> String {
    let changed: Vec<String> = MetricSettings::KEYS
        .iter()
        .filter_map(|k| {
            let (a, b) = (old.get(k)?, new.get(k)?);
            (a != b).then(|| format!("{k}: {a}→{b}"))
        })
        .collect();
    if changed.is_empty() {
        "unchanged".to_string()
    } else {
        changed.join("; ")
    }
}

/// The outcome of a save or a reset, for the page.
struct Saved {
    shown: Shown,
    /// The store's last days before and after (`None`: no data).
    effect: Option<(Window, Counters)>,
    days: u64,
}

/// Saves (`Some`) or forgets (`None`) a store's settings, recomputes, audits and reloads the
/// settings in force.
async fn apply(
    state: &AppState,
    user: &CurrentUser,
    store: String,
    new: Option<MetricSettings>,
) -> Result<Saved, WebError> {
    let (u, live) = (user.session.user.clone(), state.config.clone());
    state
        .db_mut(move |db| {
            let shown = load_shown(db, &u, Some(&store))?;
            let old = live.store(shown.store.name()).metrics;
            let before = window(db, &shown.store)?;
            let (days, action, detail) = match &new {
                Some(m) => (
                    shown.store.save_settings(db, m, Some(&u))?,
                    "settings.save",
                    changes(&old, m),
                ),
                None => {
                    let base = live.base().store(shown.store.name()).metrics.clone();
                    let detail = changes(&old, &base);
                    (
                        shown.store.forget_settings(db, &base)?,
                        "settings.reset",
                        detail,
                    )
                }
            };
            live.reload(db)?;
            let after = window(db, &shown.store)?;
            db.audit(
                Some(&u),
                action,
                &format!("store={} {detail}", shown.store.name()),
            )?;
            let shown = load_shown(db, &u, Some(shown.store.name()))?;
            // Recomputation keeps the events, so the window stays the same days.
            let effect = before.map(|b| (b, after.map(|a| a.counters).unwrap_or_default()));
            Ok(Saved {
                shown,
                effect,
                days,
            })
        })
        .await
}

fn saved_page(lang: Lang, user: &CurrentUser, state: &AppState, saved: Saved) -> Response {
    let said = format!(
        "{} {} {}",
        lang.t("已保存，重新计算了", "Saved; recomputed"),
        saved.days,
        lang.t("天。", "days."),
    );
    let effect = html! {
        @if let Some((before, after)) = &saved.effect {
            (effect_table(lang, before.range, &before.counters, after))
        }
    };
    settings_page(
        lang,
        user,
        state,
        StatusCode::OK,
        &saved.shown,
        (&Default::default(), &[]),
        (Notice::Saved(&said), effect),
    )
}

/// `POST /settings/metrics`: check every field, save, recompute, show the effect.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
    Form(form): Form<SettingsForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    match parse_form(lang, &form.fields) {
        Ok(m) => match apply(&state, &user, form.store, Some(m)).await {
            Ok(saved) => saved_page(lang, &user, &state, saved),
            Err(e) => error_page(lang, &user, e),
        },
        Err(errors) => {
            let u = user.session.user.clone();
            let store = form.store.clone();
            let shown = match state.db(move |db| load_shown(db, &u, Some(&store))).await {
                Ok(s) => s,
                Err(e) => return error_page(lang, &user, e),
            };
            settings_page(
                lang,
                &user,
                &state,
                StatusCode::BAD_REQUEST,
                &shown,
                (&form.fields, &errors),
                (Notice::Nothing, html! {}),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    store: String,
}

/// `POST /settings/metrics/reset`: back to the configuration's settings for the store.
pub async fn reset(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
    Form(form): Form<ResetForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    match apply(&state, &user, form.store, None).await {
        Ok(saved) => saved_page(lang, &user, &state, saved),
        Err(e) => error_page(lang, &user, e),
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use kefu_app::settings::LiveConfig;

    #[test]
    fn changes_name_each_changed_setting() {
        let old = MetricSettings::default();
        let mut new = old.clone();
        assert_eq!(changes(&old, &new), "unchanged");
        new.slow_response_secs = 45;
        new.set("service_hours", "08:00-22:00").unwrap();
        assert_eq!(
            changes(&old, &new),
            "slow_response_secs: 120→45; service_hours: 08:00-24:00→08:00-22:00"
        );
    }

    #[test]
    fn the_form_reports_every_bad_field() {
        let mut fields: std::collections::HashMap<String, String> = MetricSettings::KEYS
            .iter()
            .map(|k| (k.to_string(), MetricSettings::default().get(k).unwrap()))
            .collect();
        assert_eq!(
            parse_form(Lang::En, &fields).unwrap(),
            MetricSettings::default()
        );
        fields.insert("slow_response_secs".into(), "-3".into());
        fields.insert("service_hours".into(), "9-17".into());
        let errors = parse_form(Lang::Zh, &fields).unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["slow_response_secs", "service_hours"]);
        assert_eq!(errors[0].1, "应为 0 到 86400 之间的整数");
        assert!(errors[1].1.starts_with("应为如 08:00-24:00 的时段"));
        let en = parse_form(Lang::En, &fields).unwrap_err();
        assert_eq!(en[0].1, "expected a whole number from 0 to 86400");
    }

    #[test]
    fn live_config_reloads_saved_settings_over_the_base() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        let base =
            kefu_core::settings::Config::parse("[metrics]\nslow_response_secs = 60\n").unwrap();
        let live = LiveConfig::new(base);
        let copy = live.clone();
        assert_eq!(live.store("店").metrics.slow_response_secs, 60);
        // a store exists once something was imported into it; an empty roster will do
        let mut batch = kefu_core::model::ImportBatch::default();
        let store = batch.names.intern("店");
        let account = batch.names.intern("店:甲");
        batch.agents.push((
            store,
            kefu_core::model::Agent {
                account,
                name: None,
                group: None,
                role: None,
                joined: None,
                left: None,
                employee_no: None,
                department: None,
            },
        ));
        db.import(batch, live.base()).unwrap();
        let info = db.store("店").unwrap();
        let m = MetricSettings {
            slow_response_secs: 30,
            ..MetricSettings::default()
        };
        db.save_store_settings(&info, &m, None).unwrap();
        live.reload(&db).unwrap();
        assert_eq!(copy.store("店").metrics, m);
        assert_eq!(copy.store("别的店").metrics.slow_response_secs, 60);
        db.forget_store_settings(&info, &live.base().store("店").metrics)
            .unwrap();
        live.reload(&db).unwrap();
        assert_eq!(copy.store("店").metrics.slow_response_secs, 60);
    }
}
