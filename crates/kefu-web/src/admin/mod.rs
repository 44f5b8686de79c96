//! Admin pages: the settings overview (metric settings per store, roster, users, each linking
//! to its editor: `store_settings.rs`, `roster.rs`, `users.rs`), adding users, personal API
//! tokens, and the audit log. Everyone else gets 403 ([`access::admin`]).

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::settings::StoreSettings;
use kefu_store::{UserError, UserRole};
use serde::Deserialize;

use crate::access;
use crate::auth::{CurrentUser, LangQuery};
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::FORM_LIMIT;
use crate::limits::ROSTER_FORM_LIMIT;
use crate::routes::Routes;
use crate::ui::format;
use crate::ui::frame::{error_page, frame, th};
use crate::ui::html::{Markup, html, url};
use crate::{AppState, WebError};

pub(crate) mod ingest;
pub(crate) mod me;
pub(crate) mod roster;
pub(crate) mod store_settings;
pub(crate) mod users;

/// Audit entries per page.
pub const AUDIT_ROWS: u32 = 100;

/// The settings in force, each by its name in the page's language (the file's key beside it
/// on English pages, as a tooltip on Chinese ones) with its unit.
fn settings_rows(lang: Lang, s: &StoreSettings) -> Markup {
    let m = &s.metrics;
    let rows = [
        ("slow_response_secs", m.slow_response_secs.to_string()),
        ("slow_response_rounds", m.slow_response_rounds.to_string()),
        (
            "conversion_window_days",
            m.conversion_window_days.to_string(),
        ),
        ("service_hours", m.service_hours.to_string()),
        ("reminder_window_hours", m.reminder_window_hours.to_string()),
        ("timezone", s.timezone.to_string()),
    ];
    html! {
        @for (k, v) in &rows {
            @let (name, unit, _) = store_settings::describe(lang, k);
            @let name = if *k == "timezone" { lang.s(S::Timezone) } else { name };
            tr {
                td title=(k) {
                    (name)
                    @if lang == Lang::En { " " code { (k) } }
                }
                td { (v) @if !unit.is_empty() { " " (unit) } }
            }
        }
    }
}

struct Listing {
    stores: Vec<(String, Vec<kefu_store::AccountInfo>)>,
    users: Vec<(kefu_store::User, Vec<String>, usize)>,
}

/// `GET /settings`
pub async fn settings(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let loaded = state
        .db(move |db| {
            access::admin(&u)?;
            let all = db.stores()?;
            let mut stores = Vec::with_capacity(all.len());
            for s in access::allowed(db, &u, None)? {
                stores.push((s.name().to_string(), s.roster(db)?));
            }
            let mut users = Vec::new();
            for user in db.users()? {
                let ids = db.user_stores(&user)?;
                let names = all
                    .iter()
                    .filter(|s| ids.contains(&s.id))
                    .map(|s| s.name.clone())
                    .collect();
                let linked = db.user_accounts(&user)?.len();
                users.push((user, names, linked));
            }
            Ok(Listing { stores, users })
        })
        .await;
    let listing = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(lang, &user, e),
    };
    let config = state.config.current();
    let lc = lang.code();
    let facts_head = th(lang, &[S::SettingKey, S::Value]);
    let roster_head = th(
        lang,
        &[S::Account, S::DisplayName, S::Group, S::Role, S::Bot],
    );
    let users_head = th(
        lang,
        &[S::UserName, S::Role, S::UserStores, S::LinkedAccounts],
    );
    let add = lang.s(S::AddUser);
    // A store's heading and the link to its editor (`metrics` or `roster`).
    let store_heading = |name: &str, editor: &str, label: &str| {
        html! {
            h3 { (name) }
            p { a href={ "/settings/" (editor) "?store=" (url(name)) "&lang=" (lc) } { (label) } }
        }
    };
    let body = html! {
        h2 { (lang.s(S::MetricSettings)) }
        p { (lang.s(S::ConfigNote)) }
        h3 { (lang.s(S::DefaultSettings)) }
        table.facts {
            thead { tr { (facts_head) } }
            tbody { (settings_rows(lang, &config.default)) }
        }
        @for (name, _) in &listing.stores {
            (store_heading(name, "metrics", lang.t("修改此店铺的指标设置", "Change this store's metric settings")))
            table.facts {
                thead { tr { (facts_head) } }
                tbody { (settings_rows(lang, config.store(name))) }
            }
        }
        h2 { (lang.s(S::Roster)) }
        @for (name, accounts) in &listing.stores {
            (store_heading(name, "roster", lang.t("编辑此店铺的花名册", "Edit this store's roster")))
            div.wrap {
                table {
                    thead { tr { (roster_head) } }
                    tbody {
                        @for a in accounts {
                            tr {
                                td { (a.name) }
                                td { (a.display_name.as_deref().unwrap_or("")) }
                                td { (a.group.as_deref().unwrap_or("")) }
                                td { (a.role.map_or("", |r| crate::ui::format::role(lang, r))) }
                                td { (lang.s(if a.is_bot { S::Yes } else { S::No })) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.s(S::Users)) }
        table {
            thead { tr { (users_head) th {} } }
            tbody {
                @for (u, stores, linked) in &listing.users {
                    tr {
                        td { (u.name) }
                        td { (crate::ui::format::user_role(lang, u.role)) }
                        td { (stores.join(", ")) }
                        td { (linked) }
                        td {
                            a href={ "/settings/user?id=" (u.id) "&lang=" (lc) } {
                                (lang.t("编辑", "Edit"))
                            }
                        }
                    }
                }
            }
        }
        h2 { (add) }
        form method="post" action={ "/settings/users?lang=" (lc) } class="filters" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            label {
                (lang.s(S::UserName)) br;
                input name="name" required maxlength="64" autocomplete="off";
            }
            label { (lang.s(S::Role)) br; (users::role_select(lang, None)) }
            label {
                (lang.s(S::Password)) br;
                input type="password" name="password" required minlength="8" autocomplete="new-password";
            }
            label { (lang.s(S::Store)) br; input name="store" list="stores"; }
            datalist id="stores" {
                @for (s, _) in &listing.stores { option value=(s); }
            }
            label { (lang.s(S::LinkedAccounts)) br; input name="accounts"; }
            button type="submit" { (add) }
        }
        h2 { (lang.s(S::ApiTokens)) }
        p { (lang.s(S::ApiTokensNote)) }
        (token_form(lang, &user.session.csrf))
        p {
            a href={ "/settings/tokens?lang=" (lc) } {
                (lang.t("所有 API 令牌（可吊销）", "All API tokens (to revoke)"))
            }
        }
        p { a href={ "/audit?lang=" (lc) } { (lang.s(S::AuditLog)) } }
    };
    frame(lang, &user, StatusCode::OK, S::Settings, "/settings", body)
}

#[derive(Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    store: String,
    #[serde(default)]
    accounts: String,
}

/// Why a user was not added: a page string and the offending value.
enum Refusal {
    Web(WebError),
    Said(S, String),
}

impl From<WebError> for Refusal {
    fn from(e: WebError) -> Self {
        Refusal::Web(e)
    }
}

impl From<kefu_store::StoreError> for Refusal {
    fn from(e: kefu_store::StoreError) -> Self {
        Refusal::Web(e.into())
    }
}

impl From<UserError> for Refusal {
    fn from(e: UserError) -> Self {
        match e {
            UserError::NameTaken(_) => Refusal::Said(S::UserNameTaken, String::new()),
            UserError::BadName => Refusal::Said(S::UserBadName, String::new()),
            UserError::BadPassword => Refusal::Said(S::UserBadPassword, String::new()),
            e => Refusal::Web(e.into()),
        }
    }
}

/// `POST /settings/users`
pub async fn add_user(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<AddUserForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if let Err(e) = access::admin(&user.session.user) {
        return error_page(lang, &user, e);
    }
    let admin = user.session.user.clone();
    let done = state
        .db(move |db| {
            Ok(add_user_in(db, &admin, &form).map_err(|r| match r {
                Refusal::Web(e) => Err(e),
                Refusal::Said(s, v) => Ok((s, v)),
            }))
        })
        .await;
    match done {
        Ok(Ok(())) => Redirect::to(&format!("/settings?lang={}", lang.code())).into_response(),
        Ok(Err(Ok((s, value)))) => {
            let body = html! {
                p.error { (lang.s(s)) (value) }
                p { a href={ "/settings?lang=" (lang.code()) } { (lang.s(S::Settings)) } }
            };
            frame(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::AddUser,
                "/settings",
                body,
            )
        }
        Ok(Err(Err(e))) | Err(e) => error_page(lang, &user, e),
    }
}

// User administration is the admins' (checked by the caller), who see every store: the new
// user's store and accounts are named by the form.
#[allow(clippy::disallowed_methods)]
fn add_user_in(
    db: &kefu_store::Db,
    admin: &kefu_store::User,
    f: &AddUserForm,
) -> Result<(), Refusal> {
    let role = UserRole::parse(f.role.trim()).ok_or(Refusal::Said(S::BadRole, String::new()))?;
    let store_name = f.store.trim();
    let wanted: Vec<&str> = f
        .accounts
        .split([',', '，'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    let store = if store_name.is_empty() {
        if !wanted.is_empty() {
            return Err(Refusal::Said(S::StoreNeeded, String::new()));
        }
        None
    } else {
        let found = db
            .stores()?
            .into_iter()
            .find(|s| s.name == store_name)
            .ok_or_else(|| Refusal::Said(S::UnknownStoreName, store_name.to_string()))?;
        Some(found)
    };
    let mut accounts = Vec::new();
    if let Some(s) = &store {
        let all = db.accounts(s.id)?;
        for w in &wanted {
            let a = all
                .iter()
                .find(|a| a.name == *w)
                .ok_or_else(|| Refusal::Said(S::UnknownAccountName, w.to_string()))?;
            accounts.push(a.id);
        }
    }
    let new = db.create_user(f.name.trim(), role, &f.password)?;
    if let Some(s) = &store {
        if matches!(role, UserRole::Supervisor | UserRole::Qa) {
            db.assign_store(&new, s.id)?;
        }
        for a in &accounts {
            db.link_account(&new, s.id, *a)?;
        }
    }
    db.audit(
        Some(admin),
        "user.add",
        &format!(
            "name={} role={} store={} accounts={}",
            new.name,
            role.as_str(),
            store_name,
            wanted.join(",")
        ),
    )?;
    Ok(())
}

/// The validities a new API token may have, in days (none: no expiry).
pub const TOKEN_DAYS: &[u32] = &[7, 30, 90, 365];
/// The validity the form offers first.
const DEFAULT_TOKEN_DAYS: u32 = 90;

/// The form that makes a new API token, with its validity.
pub(crate) fn token_form(lang: Lang, csrf: &str) -> Markup {
    let days = lang.s(S::Days);
    html! {
        form method="post" action={ "/settings/tokens?lang=" (lang.code()) } class="filters" {
            input type="hidden" name="csrf" value=(csrf);
            label {
                (lang.s(S::TokenValidFor)) br;
                select name="expires" {
                    @for d in TOKEN_DAYS {
                        option value=(d) selected[*d == DEFAULT_TOKEN_DAYS] { (d) " " (days) }
                    }
                    option value="never" { (lang.s(S::TokenNoExpiry)) }
                }
            }
            button type="submit" { (lang.s(S::NewToken)) }
        }
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    /// Days of validity, or `never` (also when the field is missing, as for scripts written
    /// before tokens could expire).
    #[serde(default)]
    expires: String,
}

/// `POST /settings/tokens`: a personal API token for the user, shown once.
pub async fn add_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<TokenForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let days = match form.expires.trim() {
        "" | "never" => None,
        d => match d.parse::<u32>() {
            Ok(d) if TOKEN_DAYS.contains(&d) => Some(d),
            _ => return token_refused(lang, &user, S::BadTokenExpiry),
        },
    };
    let u = user.session.user.clone();
    let tz = state.config.current().default.timezone;
    let made = state
        .db(move |db| {
            let until = days.map(|d| kefu_store::users::now_secs() + i64::from(d) * 86_400);
            let token = match db.create_api_token_until(&u, until) {
                Ok(t) => t,
                Err(UserError::TooManyTokens) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let expiry = until.map_or_else(
                || "never".to_string(),
                |t| format!("{} {}", format::time_at(t, tz), format::zone(tz)),
            );
            db.audit(
                Some(&u),
                "token.add",
                &format!("key={} expires={expiry}", &token[5..21]),
            )?;
            Ok(Some(token))
        })
        .await;
    match made {
        Ok(Some(token)) => {
            let body = html! {
                p { (lang.s(S::TokenShownOnce)) }
                p { code.token { (token) } }
                p { (lang.s(S::ApiTokensNote)) }
                pre { "curl -H 'Authorization: Bearer " (token) "' …/api/v1/report" }
            };
            frame(lang, &user, StatusCode::OK, S::ApiTokens, "/settings", body)
        }
        Ok(None) => token_refused(lang, &user, S::TooManyTokens),
        Err(e) => error_page(lang, &user, e),
    }
}

fn token_refused(lang: Lang, user: &CurrentUser, said: S) -> Response {
    let body = html! {
        p.error role="alert" { (lang.s(said)) }
        p { a href={ "/settings/tokens?lang=" (lang.code()) } { (lang.s(S::ApiTokens)) } }
    };
    frame(
        lang,
        user,
        StatusCode::BAD_REQUEST,
        S::ApiTokens,
        "/settings",
        body,
    )
}

#[derive(Deserialize)]
pub struct AuditQuery {
    lang: Option<String>,
    user: Option<String>,
    action: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    from: Option<String>,
    to: Option<String>,
    /// The id of the last entry of the previous page.
    before: Option<i64>,
}

/// A UTC day as unix seconds at its start.
fn day_secs(text: Option<&str>) -> Result<Option<i64>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => kefu_core::time::Day::parse(t)
            .map(|d| Some(i64::from(d.0) * 86_400))
            .ok_or_else(|| {
                WebError::invalid(
                    format!("`{t}` 不是日期（YYYY-MM-DD）"),
                    format!("`{t}` is not a date (YYYY-MM-DD)"),
                )
            }),
    }
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `GET /audit?user=&action=&from=&to=&before=`: the audit log, newest first, a page at a
/// time, filtered by user, action and UTC days.
pub async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if let Err(e) = access::admin(&user.session.user) {
        return error_page(lang, &user, e);
    }
    // Times and days on the stores' clock: the configured time zone (Asia/Shanghai unless
    // the configuration file says otherwise); the log is the site's, not one store's.
    let tz = state.config.current().default.timezone;
    let day_secs = |t: Option<&str>| day_secs(t).map(|d| d.map(|s| s - i64::from(tz.0) * 60));
    let filter = match (day_secs(q.from.as_deref()), day_secs(q.to.as_deref())) {
        (Ok(from), Ok(to)) => kefu_store::AuditFilter {
            user: nonempty(&q.user),
            action: nonempty(&q.action),
            from,
            to: to.map(|t| t + 86_400),
            before: q.before,
        },
        (Err(e), _) | (_, Err(e)) => return error_page(lang, &user, e),
    };
    let u = user.session.user.clone();
    let f = filter.clone();
    let log = state
        .db(move |db| {
            access::admin(&u)?;
            // one more than a page: whether there is an older page
            let entries = db.audit_entries(&f, AUDIT_ROWS + 1)?;
            let users: Vec<String> = db.users()?.into_iter().map(|u| u.name).collect();
            Ok((entries, db.audit_actions()?, users))
        })
        .await;
    let (mut log, actions, users) = match log {
        Ok(l) => l,
        Err(e) => return error_page(lang, &user, e),
    };
    let older = log.len() > AUDIT_ROWS as usize;
    log.truncate(AUDIT_ROWS as usize);
    let lc = lang.code();
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
    // The filter stays in the pager's links; a page is keyed by the last id shown, so new
    // entries arriving meanwhile do not shift it.
    let mut base = format!("/audit?lang={lc}");
    for (k, v) in [
        ("user", &q.user),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = nonempty(v) {
            base.push_str(&format!("&{k}={}", url(&v)));
        }
    }
    let newest = q.before.is_some();
    let next = log.last().filter(|_| older).map(|last| last.id);
    let body = html! {
        form method="get" action="/audit" class="filters" {
            input type="hidden" name="lang" value=(lc);
            label {
                (lang.s(S::UserName)) br;
                input name="user" list="audit-users" value=(text(&q.user));
            }
            datalist id="audit-users" {
                @for u in &users { option value=(u); }
            }
            label {
                (lang.s(S::Action)) br;
                select name="action" {
                    option value="" { (lang.s(S::AllActions)) }
                    @for a in &actions {
                        option value=(a) selected[filter.action.as_deref() == Some(a.as_str())] {
                            (crate::ui::format::audit_action(lang, a))
                        }
                    }
                }
            }
            label { (lang.s(S::From)) br; input type="date" name="from" value=(text(&q.from)); }
            label { (lang.s(S::To)) br; input type="date" name="to" value=(text(&q.to)); }
            button type="submit" { (lang.s(S::Show)) }
        }
        p.note { (lang.s(S::AuditNote)) " " (format::zone(tz)) }
        @if log.is_empty() {
            p { (lang.s(S::AuditNone)) }
        } @else {
            div.wrap {
                table {
                    thead { tr { (th(lang, &[S::Time, S::UserName, S::Action, S::Detail])) } }
                    tbody {
                        @for e in &log {
                            tr {
                                td { (format::time_at(e.time, tz)) }
                                td { (e.user.as_deref().unwrap_or("-")) }
                                td title=(e.action) { (format::audit_action(lang, &e.action)) }
                                td.text { (e.detail) }
                            }
                        }
                    }
                }
            }
        }
        @if newest || next.is_some() {
            p.pager {
                @if newest {
                    a href=(base) { (lang.s(S::AuditNewest)) }
                }
                @if let Some(last) = next {
                    @if newest { " · " }
                    a href={ (base) "&before=" (last) } rel="next" { (lang.s(S::AuditOlder)) }
                }
            }
        }
    };
    frame(lang, &user, StatusCode::OK, S::AuditLog, "/audit", body)
}

/// Settings, users, tokens, metric settings, visibility, roster, the user's own page, audit.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/settings", settings)
        .form("/settings/users", add_user)
        .page_and_form("/settings/tokens", FORM_LIMIT, users::tokens, add_token)
        .form("/settings/tokens/revoke", users::revoke_token)
        .page_and_form(
            "/settings/metrics",
            FORM_LIMIT,
            store_settings::page,
            store_settings::save,
        )
        .form("/settings/metrics/reset", store_settings::reset)
        .form("/settings/visibility", store_settings::save_visibility)
        .page_and_form("/settings/ingest", FORM_LIMIT, ingest::page, ingest::create)
        .form("/settings/ingest/revoke", ingest::revoke)
        .page_and_form(
            "/settings/roster",
            ROSTER_FORM_LIMIT,
            roster::page,
            roster::save,
        )
        .page_and_form("/settings/user", FORM_LIMIT, users::page, users::save)
        .form("/settings/user/password", users::reset_password)
        .form("/settings/user/delete", users::delete)
        .page_and_form("/me", FORM_LIMIT, me::page, me::save_lang)
        .form("/me/password", me::change_password)
        .get("/audit", audit)
}
