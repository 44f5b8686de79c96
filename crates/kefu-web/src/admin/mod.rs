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
use crate::ui::frame::{error_page, framed, th, utc};
use crate::ui::html::{esc, url};
use crate::{AppState, WebError};

pub(crate) mod me;
pub(crate) mod roster;
pub(crate) mod store_settings;
pub(crate) mod users;

/// Audit entries per page.
pub const AUDIT_ROWS: u32 = 100;

fn settings_rows(s: &StoreSettings) -> String {
    let m = &s.metrics;
    [
        ("slow_response_secs", m.slow_response_secs.to_string()),
        ("slow_response_rounds", m.slow_response_rounds.to_string()),
        (
            "conversion_window_days",
            m.conversion_window_days.to_string(),
        ),
        ("service_hours", m.service_hours.to_string()),
        ("reminder_window_hours", m.reminder_window_hours.to_string()),
        ("timezone", s.timezone.to_string()),
    ]
    .iter()
    .map(|(k, v)| format!("<tr><td><code>{k}</code></td><td>{}</td></tr>", esc(v)))
    .collect()
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
            for s in &all {
                stores.push((s.name.clone(), db.accounts(s.id)?));
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
    let mut body = format!(
        "<h2>{}</h2><p>{}</p><h3>{}</h3><table class=\"facts\"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        esc(lang.s(S::MetricSettings)),
        esc(lang.s(S::ConfigNote)),
        esc(lang.s(S::DefaultSettings)),
        th(lang, &[S::SettingKey, S::Value]),
        settings_rows(&config.default),
    );
    for (name, _) in &listing.stores {
        body.push_str(&format!(
            "<h3>{}</h3><p><a href=\"/settings/metrics?store={}&amp;lang={lc}\">{}</a></p><table class=\"facts\"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            esc(name),
            url(name),
            esc(lang.t("修改此店铺的指标设置", "Change this store's metric settings")),
            th(lang, &[S::SettingKey, S::Value]),
            settings_rows(config.store(name)),
        ));
    }
    body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::Roster))));
    for (name, accounts) in &listing.stores {
        body.push_str(&format!(
            "<h3>{}</h3><p><a href=\"/settings/roster?store={}&amp;lang={lc}\">{}</a></p><div class=\"wrap\"><table><thead><tr>{}</tr></thead><tbody>",
            esc(name),
            url(name),
            esc(lang.t("编辑此店铺的花名册", "Edit this store's roster")),
            th(
                lang,
                &[S::Account, S::DisplayName, S::Group, S::Role, S::Bot]
            )
        ));
        for a in accounts {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&a.name),
                esc(a.display_name.as_deref().unwrap_or("")),
                esc(a.group.as_deref().unwrap_or("")),
                a.role.map_or("", |r| r.as_str()),
                esc(lang.s(if a.is_bot { S::Yes } else { S::No })),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    body.push_str(&format!(
        "<h2>{}</h2><table><thead><tr>{}<th></th></tr></thead><tbody>",
        esc(lang.s(S::Users)),
        th(
            lang,
            &[S::UserName, S::Role, S::UserStores, S::LinkedAccounts]
        )
    ));
    for (u, stores, linked) in &listing.users {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{linked}</td><td><a href=\"/settings/user?id={}&amp;lang={lc}\">{}</a></td></tr>",
            esc(&u.name),
            u.role.as_str(),
            esc(&stores.join(", ")),
            u.id,
            esc(lang.t("编辑", "Edit")),
        ));
    }
    body.push_str("</tbody></table>");
    let role_select = users::role_select(lang, None);
    let store_options: String = listing
        .stores
        .iter()
        .map(|(s, _)| format!("<option value=\"{}\">", esc(s)))
        .collect();
    body.push_str(&format!(
        "<h2>{add}</h2><form method=\"post\" action=\"/settings/users?lang={lc}\" class=\"filters\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>{name}<br><input name=\"name\" required maxlength=\"64\" autocomplete=\"off\"></label>\
         <label>{role}<br>{role_select}</label>\
         <label>{pw}<br><input type=\"password\" name=\"password\" required minlength=\"8\" autocomplete=\"new-password\"></label>\
         <label>{store}<br><input name=\"store\" list=\"stores\"></label><datalist id=\"stores\">{store_options}</datalist>\
         <label>{accounts}<br><input name=\"accounts\"></label>\
         <button type=\"submit\">{add}</button></form>\
         <h2>{tokens}</h2><p>{tokens_note}</p>{token_form}\
         <p><a href=\"/settings/tokens?lang={lc}\">{all_tokens}</a></p>\
         <p><a href=\"/audit?lang={lc}\">{audit}</a></p>",
        all_tokens = esc(lang.t("所有 API 令牌（可吊销）", "All API tokens (to revoke)")),
        add = esc(lang.s(S::AddUser)),
        csrf = esc(&user.session.csrf),
        name = esc(lang.s(S::UserName)),
        role = esc(lang.s(S::Role)),
        pw = esc(lang.s(S::Password)),
        store = esc(lang.s(S::Store)),
        accounts = esc(lang.s(S::LinkedAccounts)),
        audit = esc(lang.s(S::AuditLog)),
        tokens = esc(lang.s(S::ApiTokens)),
        tokens_note = esc(lang.s(S::ApiTokensNote)),
        token_form = token_form(lang, &user.session.csrf),
    ));
    framed(lang, &user, StatusCode::OK, S::Settings, "/settings", &body)
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
            let body = format!(
                "<p class=\"error\">{}{}</p><p><a href=\"/settings?lang={}\">{}</a></p>",
                esc(lang.s(s)),
                esc(&value),
                lang.code(),
                esc(lang.s(S::Settings))
            );
            framed(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::AddUser,
                "/settings",
                &body,
            )
        }
        Ok(Err(Err(e))) | Err(e) => error_page(lang, &user, e),
    }
}

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
pub(crate) fn token_form(lang: Lang, csrf: &str) -> String {
    let days = lang.s(S::Days);
    let mut options: String = TOKEN_DAYS
        .iter()
        .map(|d| {
            let sel = if *d == DEFAULT_TOKEN_DAYS {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{d}\"{sel}>{d} {}</option>", esc(days))
        })
        .collect();
    options.push_str(&format!(
        "<option value=\"never\">{}</option>",
        esc(lang.s(S::TokenNoExpiry))
    ));
    format!(
        "<form method=\"post\" action=\"/settings/tokens?lang={lc}\" class=\"filters\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>{valid}<br><select name=\"expires\">{options}</select></label>\
         <button type=\"submit\">{new_token}</button></form>",
        lc = lang.code(),
        csrf = esc(csrf),
        valid = esc(lang.s(S::TokenValidFor)),
        new_token = esc(lang.s(S::NewToken)),
    )
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
    let made = state
        .db(move |db| {
            let until = days.map(|d| kefu_store::users::now_secs() + i64::from(d) * 86_400);
            let token = match db.create_api_token_until(&u, until) {
                Ok(t) => t,
                Err(UserError::TooManyTokens) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let expiry = until.map_or_else(|| "never".to_string(), |t| format!("{} UTC", utc(t)));
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
            let body = format!(
                "<p>{}</p><p><code class=\"token\">{}</code></p><p>{}</p><pre>curl -H 'Authorization: Bearer {}' …/api/v1/report</pre>",
                esc(lang.s(S::TokenShownOnce)),
                esc(&token),
                esc(lang.s(S::ApiTokensNote)),
                esc(&token),
            );
            framed(
                lang,
                &user,
                StatusCode::OK,
                S::ApiTokens,
                "/settings",
                &body,
            )
        }
        Ok(None) => token_refused(lang, &user, S::TooManyTokens),
        Err(e) => error_page(lang, &user, e),
    }
}

fn token_refused(lang: Lang, user: &CurrentUser, said: S) -> Response {
    let body = format!(
        "<p class=\"error\" role=\"alert\">{}</p><p><a href=\"/settings/tokens?lang={}\">{}</a></p>",
        esc(lang.s(said)),
        lang.code(),
        esc(lang.s(S::ApiTokens)),
    );
    framed(
        lang,
        user,
        StatusCode::BAD_REQUEST,
        S::ApiTokens,
        "/settings",
        &body,
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
    let text = |v: &Option<String>| esc(v.as_deref().unwrap_or("").trim());
    let action_options: String = actions
        .iter()
        .map(|a| {
            let sel = if filter.action.as_deref() == Some(a.as_str()) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{a}\"{sel}>{a}</option>", a = esc(a))
        })
        .collect();
    let user_options: String = users
        .iter()
        .map(|u| format!("<option value=\"{}\">", esc(u)))
        .collect();
    let mut body = format!(
        "<form method=\"get\" action=\"/audit\" class=\"filters\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lc}\">\
         <label>{user_l}<br><input name=\"user\" list=\"audit-users\" value=\"{user_v}\"></label>\
         <datalist id=\"audit-users\">{user_options}</datalist>\
         <label>{action_l}<br><select name=\"action\"><option value=\"\">{all}</option>{action_options}</select></label>\
         <label>{from_l}<br><input type=\"date\" name=\"from\" value=\"{from_v}\"></label>\
         <label>{to_l}<br><input type=\"date\" name=\"to\" value=\"{to_v}\"></label>\
         <button type=\"submit\">{show}</button></form><p class=\"note\">{note}</p>",
        user_l = esc(lang.s(S::UserName)),
        user_v = text(&q.user),
        action_l = esc(lang.s(S::Action)),
        all = esc(lang.s(S::AllActions)),
        from_l = esc(lang.s(S::From)),
        from_v = text(&q.from),
        to_l = esc(lang.s(S::To)),
        to_v = text(&q.to),
        show = esc(lang.s(S::Show)),
        note = esc(lang.s(S::AuditNote)),
    );
    if log.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::AuditNone))));
    } else {
        body.push_str(&format!(
            "<div class=\"wrap\"><table><thead><tr>{}</tr></thead><tbody>",
            th(lang, &[S::Time, S::UserName, S::Action, S::Detail])
        ));
        for e in &log {
            body.push_str(&format!(
                "<tr><td>{} UTC</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                utc(e.time),
                esc(e.user.as_deref().unwrap_or("-")),
                esc(&e.action),
                esc(&e.detail),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
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
    let mut pager = Vec::new();
    if q.before.is_some() {
        pager.push(format!(
            "<a href=\"{}\">{}</a>",
            esc(&base),
            esc(lang.s(S::AuditNewest))
        ));
    }
    if let (true, Some(last)) = (older, log.last()) {
        pager.push(format!(
            "<a href=\"{}&amp;before={}\" rel=\"next\">{}</a>",
            esc(&base),
            last.id,
            esc(lang.s(S::AuditOlder))
        ));
    }
    if !pager.is_empty() {
        body.push_str(&format!("<p class=\"pager\">{}</p>", pager.join(" · ")));
    }
    framed(lang, &user, StatusCode::OK, S::AuditLog, "/audit", &body)
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

#[cfg(test)]
mod tests {
    #[test]
    fn utc_times() {
        assert_eq!(crate::ui::frame::utc(0), "1970-01-01 00:00:00");
        assert_eq!(crate::ui::frame::utc(1_795_000_000), "2026-11-18 11:06:40");
    }
}
