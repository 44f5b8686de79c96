//! `/setup`: first run with one's own store. Step 1 creates the store — its name, time zone,
//! service hours and platform — for admins and supervisors (a supervisor is given the store);
//! step 2 (`/setup?store=…`) points to the first files: the import form with the store
//! filled in, the column guide and the templates. A fresh database's start page leads here.
//!
//! The time zone is kept with the store (schema 21) and is in force over the configuration
//! file's; service hours and platform are the store's saved metric settings, as the settings
//! page saves them.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::platform::Platform;
use kefu_core::settings::ServiceHours;
use kefu_core::time::UtcOffset;
use serde::Deserialize;

use crate::access;
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::FORM_LIMIT;
use crate::routes::Routes;
use crate::ui::fields::{Fields, Mistake};
use crate::ui::frame::{error_page, frame};
use crate::ui::html::{Markup, html, url};
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct SetupQuery {
    pub lang: Option<String>,
    /// The store just created: step 2.
    pub store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    service_hours: String,
    #[serde(default)]
    platform: String,
}

/// The zones the form offers (any `±hh:mm` typed is taken too).
const ZONES: [(&str, &str, &str); 6] = [
    (
        "+08:00",
        "北京时间 UTC+8（中国大陆、香港、台湾、新加坡）",
        "China time, UTC+8",
    ),
    ("+09:00", "UTC+9（日本、韩国）", "UTC+9 (Japan, Korea)"),
    ("+07:00", "UTC+7（泰国、越南）", "UTC+7 (Thailand, Vietnam)"),
    ("+05:30", "UTC+5:30（印度）", "UTC+5:30 (India)"),
    ("+00:00", "UTC", "UTC"),
    ("-05:00", "UTC−5", "UTC−5"),
];

/// The store the form describes, or its mistakes.
#[allow(clippy::type_complexity)]
fn read(
    f: &SetupForm,
) -> Result<(String, UtcOffset, ServiceHours, Platform), Vec<Mistake<'static>>> {
    let mut m = Vec::new();
    let mut said = |field, zh, en| m.push(Mistake { field, zh, en });
    let name = f.name.trim().to_string();
    if name.is_empty() {
        said("name", "请填写店铺名称", "Give the store a name");
    } else if name.chars().count() > 64 || name.chars().any(|c| c.is_control() || c == ':') {
        said(
            "name",
            "店铺名称最多 64 个字，不能含冒号或控制字符",
            "A store name has at most 64 characters, no colon and no control characters",
        );
    }
    let tz = UtcOffset::parse(&f.timezone);
    if tz.is_none() {
        said(
            "timezone",
            "时区应写成 +08:00 这样",
            "Write the time zone like +08:00",
        );
    }
    let hours = ServiceHours::parse(&f.service_hours);
    if hours.is_none() {
        said(
            "service_hours",
            "服务时间应写成 08:00-24:00，多段用逗号分隔",
            "Write service hours like 08:00-24:00, several joined by commas",
        );
    }
    let platform = Platform::parse(&f.platform);
    if platform.is_none() {
        said("platform", "请选择平台", "Choose the platform");
    }
    match (tz, hours, platform) {
        (Some(tz), Some(h), Some(p)) if m.is_empty() => Ok((name, tz, h, p)),
        _ => Err(m),
    }
}

fn form_html(lang: Lang, user: &CurrentUser, f: &SetupForm, m: Vec<Mistake<'_>>) -> Markup {
    let lc = lang.code();
    let m = Fields::new(lang, m);
    let input = |label: (&str, &str), name: &'static str, value: &str, hint: (&str, &str)| {
        html! {
            label.field {
                span.label { (lang.t(label.0, label.1)) }
                input type="text" name=(name) value=(value) size="24" aria-invalid=[m.bad(name)];
                small { (lang.t(hint.0, hint.1)) }
                (m.error(name))
            }
        }
    };
    html! {
        (m.style())
        style { "form.setup label.field{display:flex;margin:.6em 0;max-width:30em}ol.steps li{margin:.3em 0}" }
        ol.steps {
            li { strong { (lang.t("第一步：店铺信息", "Step 1: the store")) } }
            li { (lang.t("第二步：导入第一批文件（聊天记录、订单）", "Step 2: import the first files (chats, orders)")) }
        }
        form.setup method="post" action={ "/setup?lang=" (lc) } {
            input type="hidden" name="csrf" value=(user.session.csrf);
            (input(("店铺名称", "Store name"), "name", &f.name, ("与导入文件时填写的店铺一致", "The store name you give when importing")))
            label.field {
                span.label { (lang.t("时区", "Time zone")) }
                select name="timezone" {
                    @for (v, zh, en) in ZONES {
                        option value=(v) selected[v == f.timezone] { (lang.t(zh, en)) }
                    }
                    @if !f.timezone.is_empty() && !ZONES.iter().any(|z| z.0 == f.timezone) {
                        option value=(f.timezone) selected { (f.timezone) }
                    }
                }
                small { (lang.t("聊天和订单的时间按此时区解读，之后不宜更改", "Times of chats and orders are read in this zone; better not changed later")) }
                (m.error("timezone"))
            }
            (input(("客服服务时间", "Service hours"), "service_hours", &f.service_hours, ("例如 08:00-24:00；跨夜写成 22:00-02:00", "e.g. 08:00-24:00; across midnight 22:00-02:00")))
            label.field {
                span.label { (lang.t("平台", "Platform")) }
                select name="platform" {
                    @for p in Platform::ALL {
                        option value=(p.as_str()) selected[p.as_str() == f.platform] { (p.name(lang == Lang::Zh)) }
                    }
                }
                small { (lang.t("决定页面显示哪个平台的服务指标", "Which platform's service figures the pages show")) }
                (m.error("platform"))
            }
            p { button type="submit" { (lang.t("创建店铺", "Create the store")) } }
        }
    }
}

/// Step 2: the store exists; its first files.
fn next_html(lang: Lang, user: &CurrentUser, store: &str) -> Markup {
    let lc = lang.code();
    html! {
        ol.steps {
            li { (lang.t("第一步：店铺信息 ✓", "Step 1: the store ✓")) }
            li { strong { (lang.t("第二步：导入第一批文件", "Step 2: import the first files")) } }
        }
        p.saved role="status" {
            (lang.t("已创建店铺 ", "Store created: ")) strong { (store) }
        }
        p {
            (lang.t(
                "从平台导出聊天记录和订单报表后在下面上传；没有导出时，可下载下方的模板按列填写。导入后首页即显示该店的数据。",
                "Export the chats and the order report from your platform and upload them below; without an export, fill in a template from below. After the import the start page shows the store."
            ))
        }
        (crate::import::upload_form(lang, user, &[store.to_string()], Some(store)))
        p {
            a href={ "/settings/metrics?store=" (url(store)) "&lang=" (lc) } { (lang.t("更多指标设置", "More metric settings")) }
            " · "
            a href={ "/?store=" (url(store)) "&lang=" (lc) } { (lang.s(S::StartPage)) }
        }
    }
}

/// `GET /setup`: the new store's form, or (`?store=`) its next step.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<SetupQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if !access::may_edit_settings(&user.session.user) {
        return error_page(lang, &user, refused());
    }
    let body = match q.store.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => {
            // Only a store the user may import into (else: as if it did not exist).
            let (u, wanted) = (user.session.user.clone(), name.to_string());
            let known = state
                .db(move |db| {
                    Ok(match access::import_scope(db, &u)? {
                        access::ImportScope::Any => db.stores()?.iter().any(|s| s.name == wanted),
                        access::ImportScope::Stores(names) => names.contains(&wanted),
                    })
                })
                .await;
            match known {
                Ok(true) => next_html(lang, &user, name),
                Ok(false) => {
                    return error_page(
                        lang,
                        &user,
                        WebError::missing(
                            format!("没有名为 `{name}` 的店铺"),
                            format!("no store named `{name}`"),
                        ),
                    );
                }
                Err(e) => return error_page(lang, &user, e),
            }
        }
        None => {
            let defaults = SetupForm {
                name: String::new(),
                timezone: state.config.base().default.timezone.to_string(),
                service_hours: state
                    .config
                    .base()
                    .default
                    .metrics
                    .service_hours
                    .to_string(),
                platform: Platform::Taobao.as_str().into(),
            };
            form_html(lang, &user, &defaults, Vec::new())
        }
    };
    frame(lang, &user, StatusCode::OK, S::Setup, "/setup", body)
}

fn refused() -> WebError {
    WebError::Forbidden("stores are set up by admins and supervisors".into())
}

/// `POST /setup`: creates the store with its time zone and saves its service hours and
/// platform; audited. A name in use or a bad field shows the form again with the mistake.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<SetupQuery>,
    Form(f): Form<SetupForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if !access::may_edit_settings(&user.session.user) {
        return error_page(lang, &user, refused());
    }
    let (name, tz, hours, platform) = match read(&f) {
        Ok(x) => x,
        Err(m) => {
            let body = form_html(lang, &user, &f, m);
            return frame(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::Setup,
                "/setup",
                body,
            );
        }
    };
    let (u, live, store_name) = (
        user.session.user.clone(),
        state.config.clone(),
        name.clone(),
    );
    let created = state
        .db_mut(move |db| {
            let Some(store) = access::create_store(db, &u, &store_name, Some(tz))? else {
                return Ok(false);
            };
            let mut metrics = live.base().store(&store_name).metrics.clone();
            metrics.service_hours = hours;
            metrics.platform = platform;
            store.save_settings(db, &metrics, Some(&u))?;
            live.reload(db)?;
            db.audit(
                Some(&u),
                "store.create",
                &format!(
                    "store={store_name} timezone={tz} service_hours={} platform={}",
                    metrics.service_hours,
                    platform.as_str()
                ),
            )?;
            Ok(true)
        })
        .await;
    match created {
        Ok(true) => Redirect::to(&format!("/setup?store={}&lang={}", url(&name), lang.code()))
            .into_response(),
        Ok(false) => {
            let m = vec![Mistake {
                field: "name",
                zh: "已有同名店铺，请换一个名称",
                en: "A store of this name exists; choose another",
            }];
            let body = form_html(lang, &user, &f, m);
            frame(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::Setup,
                "/setup",
                body,
            )
        }
        Err(e) => error_page(lang, &user, e),
    }
}

pub(crate) fn routes(r: Routes) -> Routes {
    r.page_and_form("/setup", FORM_LIMIT, page, create)
}
