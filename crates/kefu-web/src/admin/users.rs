//! Editing users (admins): role, assigned stores (supervisor, qa), linked chat accounts
//! (agent), a new password, deletion; and everyone's personal API tokens: the list (admins
//! see all) and revoking.

use std::collections::{BTreeSet, HashMap};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::model::NameId;
use kefu_store::{AccountInfo, Db, StoreInfo, User, UserError, UserRole};
use serde::Deserialize;

use crate::access;
use crate::auth::{CurrentUser, LangQuery};
use crate::i18n::{self, Lang, S, Strings};
use crate::ui::format;
use crate::ui::frame::{Notice, error_page, frame, th};
use crate::ui::html::{Markup, html};
use crate::{AppState, WebError};

#[derive(Deserialize)]
pub struct UserQuery {
    pub id: Option<i64>,
    pub lang: Option<String>,
}

/// A user's page as loaded.
struct Loaded {
    user: User,
    stores: Vec<(StoreInfo, Vec<AccountInfo>)>,
    assigned: Vec<i64>,
    linked: Vec<(i64, NameId)>,
}

// Admins only (checked first), who see every store: the form offers them all.
#[allow(clippy::disallowed_methods)]
fn load(db: &Db, admin: &User, id: Option<i64>) -> Result<Loaded, WebError> {
    access::admin(admin)?;
    let missing = || WebError::missing("没有这位用户", "no such user");
    let user = db
        .user_by_id(id.ok_or_else(missing)?)?
        .ok_or_else(missing)?;
    let mut stores = Vec::new();
    for s in db.stores()? {
        let accounts = db.accounts(s.id)?;
        stores.push((s, accounts));
    }
    Ok(Loaded {
        assigned: db.user_stores(&user)?,
        linked: db.user_accounts(&user)?,
        user,
        stores,
    })
}

/// A role as people call it.
pub(crate) fn role_label(lang: Lang, role: UserRole) -> &'static str {
    match role {
        UserRole::Admin => lang.t("管理员（admin）", "Admin"),
        UserRole::Supervisor => lang.t("主管（supervisor）", "Supervisor"),
        UserRole::Qa => lang.t("质检（qa）", "QA"),
        UserRole::Agent => lang.t("客服（agent）", "Agent"),
    }
}

/// The drop-down of the four roles, agent to admin, with `selected` chosen (none: the
/// browser shows the first).
pub(crate) fn role_select(lang: Lang, selected: Option<UserRole>) -> Markup {
    let roles = [
        UserRole::Agent,
        UserRole::Qa,
        UserRole::Supervisor,
        UserRole::Admin,
    ];
    html! {
        select name="role" {
            @for r in roles {
                option value=(r.as_str()) selected[Some(r) == selected] { (role_label(lang, r)) }
            }
        }
    }
}

/// The language-switch target of a user's page.
fn here(id: i64) -> String {
    format!("/settings/user?id={id}")
}

fn render(lang: Lang, me: &CurrentUser, l: &Loaded, notice: Notice) -> Markup {
    let lc = lang.code();
    let csrf = &me.session.csrf;
    let id = l.user.id;
    let reset = lang.t("重设密码", "Set a new password");
    let del = lang.t("删除此用户", "Delete this user");
    let ids = html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="id" value=(id);
    };
    html! {
        p { a href={ "/settings?lang=" (lc) } { (lang.s(S::Settings)) } }
        (notice)
        h2 { (l.user.name) }
        form method="post" action={ "/settings/user?lang=" (lc) } {
            (ids)
            p { label { (lang.s(S::Role)) br; (role_select(lang, Some(l.user.role))) } }
            h3 { (lang.s(S::UserStores)) }
            p.note { (lang.t("主管和质检看到这些店铺。", "Supervisors and QA see these stores.")) }
            p {
                @for (s, _) in &l.stores {
                    label {
                        input type="checkbox" name={ "store." (s.id) } value="1" checked[l.assigned.contains(&s.id)];
                        " " (s.name)
                    }
                    br;
                }
            }
            h3 { (lang.t("关联的客服账号", "Linked chat accounts")) }
            p.note {
                (lang.t(
                    "客服只看到这些聊天账号自己的数据。",
                    "Agents see only these chat accounts' own data."
                ))
            }
            @for (s, list) in &l.stores {
                fieldset {
                    legend { (s.name) }
                    @for a in list {
                        label {
                            input type="checkbox" name={ "account." (s.id) "." (a.id) } value="1" checked[l.linked.contains(&(s.id, a.id))];
                            " " (a.name)
                        }
                        " "
                    }
                }
            }
            p { button type="submit" { (lang.t("保存", "Save")) } }
        }
        h3 { (reset) }
        form method="post" action={ "/settings/user/password?lang=" (lc) } class="filters" {
            (ids)
            label {
                (lang.t("新密码（至少 8 个字符）", "New password (8 characters or more)")) br;
                input type="password" name="password" required minlength="8" autocomplete="new-password";
            }
            button type="submit" { (reset) }
        }
        @if l.user.id != me.session.user.id {
            h3 { (del) }
            form method="post" action={ "/settings/user/delete?lang=" (lc) } {
                (ids)
                button type="submit" { (del) }
            }
        }
    }
}

/// The user's page framed, with `notice` (an outcome) above the forms.
fn user_page(
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    l: &Loaded,
    notice: Notice,
) -> Response {
    let body = render(lang, user, l, notice);
    frame(lang, user, status, S::EditUser, &here(l.user.id), body)
}

/// `GET /settings/user?id=…`
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<UserQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let me = user.session.user.clone();
    match state.db(move |db| load(db, &me, q.id)).await {
        Ok(l) => user_page(lang, &user, StatusCode::OK, &l, Notice::Nothing),
        Err(e) => error_page(lang, &user, e),
    }
}

#[derive(Deserialize)]
pub struct AccessForm {
    /// Text, not a number: a flattened form hands every value over as text.
    #[serde(default)]
    id: String,
    #[serde(default)]
    role: String,
    /// `store.{id}` and `account.{store}.{account}` checkboxes.
    #[serde(flatten)]
    checked: HashMap<String, String>,
}

/// The stores and accounts ticked in the form that exist.
fn ticked(l: &Loaded, checked: &HashMap<String, String>) -> (Vec<i64>, Vec<(i64, NameId)>) {
    let on = |k: String| checked.get(&k).is_some_and(|v| v == "1" || v == "on");
    let mut stores = Vec::new();
    let mut accounts = BTreeSet::new();
    for (s, list) in &l.stores {
        if on(format!("store.{}", s.id)) {
            stores.push(s.id);
        }
        for a in list {
            if on(format!("account.{}.{}", s.id, a.id)) {
                accounts.insert((s.id, a.id));
            }
        }
    }
    (stores, accounts.into_iter().collect())
}

/// A refusal said on the user's page, or a failure.
enum Outcome {
    Done(Loaded, String),
    Refused(Loaded, String),
}

fn said(lang: Lang, e: &UserError) -> Option<&'static str> {
    match e {
        UserError::LastAdmin => Some(lang.t(
            "必须至少保留一个管理员。",
            "There must always be an admin; this is the last one.",
        )),
        UserError::BadPassword => Some(lang.s(S::UserBadPassword)),
        _ => None,
    }
}

/// A refusal the user can act on (the last admin, a weak password) shown on the user's page;
/// any other failure is an error.
fn refused(lang: Lang, l: Loaded, e: UserError) -> Result<Outcome, WebError> {
    match said(lang, &e) {
        Some(m) => Ok(Outcome::Refused(l, m.to_string())),
        None => Err(e.into()),
    }
}

fn respond(lang: Lang, user: &CurrentUser, r: Result<Outcome, WebError>) -> Response {
    match r {
        Ok(Outcome::Done(l, m)) => user_page(lang, user, StatusCode::OK, &l, Notice::Saved(&m)),
        Ok(Outcome::Refused(l, m)) => {
            user_page(lang, user, StatusCode::BAD_REQUEST, &l, Notice::Refused(&m))
        }
        Err(e) => error_page(lang, user, e),
    }
}

/// `POST /settings/user`: role, stores and accounts.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<AccessForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let me = user.session.user.clone();
    let r = state
        .db(move |db| {
            let id = form.id.trim().parse().ok();
            let l = load(db, &me, id)?;
            let Some(role) = UserRole::parse(form.role.trim()) else {
                return Ok(Outcome::Refused(l, lang.s(S::BadRole).to_string()));
            };
            if l.user.id == me.id && role != l.user.role {
                return Ok(Outcome::Refused(
                    l,
                    lang.t("不能修改自己的角色。", "You cannot change your own role.")
                        .to_string(),
                ));
            }
            let (stores, accounts) = ticked(&l, &form.checked);
            match db.set_user_access(&l.user, role, &stores, &accounts) {
                Ok(changed) => {
                    db.audit(
                        Some(&me),
                        "user.edit",
                        &format!(
                            "name={} role={}→{} stores={:?} accounts={:?}",
                            changed.name,
                            l.user.role.as_str(),
                            role.as_str(),
                            stores,
                            accounts
                        ),
                    )?;
                    let l = load(db, &me, id)?;
                    Ok(Outcome::Done(l, lang.t("已保存。", "Saved.").to_string()))
                }
                Err(e) => refused(lang, l, e),
            }
        })
        .await;
    respond(lang, &user, r)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    id: i64,
    #[serde(default)]
    password: String,
}

/// `POST /settings/user/password`: a new password; the user's sessions end.
pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let (me, sid) = (user.session.user.clone(), user.session_id.clone());
    let r = state
        .db(move |db| {
            let l = load(db, &me, Some(form.id))?;
            // An admin resetting their own password stays logged in here.
            let keep = (l.user.id == me.id).then_some(sid.as_str());
            match db.set_password(&l.user, &form.password, keep) {
                Ok(()) => {
                    db.audit(Some(&me), "user.password", &format!("name={}", l.user.name))?;
                    Ok(Outcome::Done(
                        l,
                        lang.t(
                            "密码已重设，此用户已在各处退出登录，其 API 令牌已吊销。",
                            "The password is set; the user is logged out everywhere and their API tokens are revoked.",
                        )
                        .to_string(),
                    ))
                }
                Err(e) => refused(lang, l, e),
            }
        })
        .await;
    respond(lang, &user, r)
}

#[derive(Deserialize)]
pub struct IdForm {
    #[serde(default)]
    id: i64,
}

/// `POST /settings/user/delete`: not oneself, never the last admin.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<IdForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let me = user.session.user.clone();
    let r = state
        .db(move |db| {
            let l = load(db, &me, Some(form.id))?;
            if l.user.id == me.id {
                return Ok(Err(Outcome::Refused(
                    l,
                    lang.t("不能删除自己。", "You cannot delete yourself.")
                        .to_string(),
                )));
            }
            match db.delete_user(&l.user) {
                Ok(()) => {
                    db.audit(
                        Some(&me),
                        "user.delete",
                        &format!("name={} role={}", l.user.name, l.user.role.as_str()),
                    )?;
                    Ok(Ok(()))
                }
                Err(e) => refused(lang, l, e).map(Err),
            }
        })
        .await;
    match r {
        Ok(Ok(())) => Redirect::to(&format!("/settings?lang={}", lang.code())).into_response(),
        Ok(Err(refused)) => respond(lang, &user, Ok(refused)),
        Err(e) => error_page(lang, &user, e),
    }
}

/// `GET /settings/tokens`: one's own API tokens (an admin sees everyone's), to revoke.
pub async fn tokens(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let me = user.session.user.clone();
    let list = state
        .db(move |db| {
            let owner = (!access::is_admin(&me)).then_some(&me);
            Ok(db.api_tokens(owner)?)
        })
        .await;
    let list = match list {
        Ok(l) => l,
        Err(e) => return error_page(lang, &user, e),
    };
    let lc = lang.code();
    let now = kefu_store::users::now_secs();
    // The site's clock (the configured time zone), as the audit log shows it.
    let tz = state.config.current().default.timezone;
    let at = |secs: i64| format::time_at(secs, tz);
    let body = html! {
        p { (lang.s(S::ApiTokensNote)) }
        p.note { (lang.t("时间按 ", "Times in ")) (format::zone(tz)) }
        (crate::admin::token_form(lang, &user.session.csrf))
        @if list.is_empty() {
            p { (lang.t("还没有令牌。", "No tokens yet.")) }
        } @else {
            div.wrap {
                table {
                    thead {
                        tr {
                            th { (lang.t("令牌（开头部分）", "Token (its beginning)")) }
                            (th(lang, &[S::UserName]))
                            th { (lang.t("创建时间", "Created")) }
                            (th(lang, &[S::TokenExpires, S::TokenLastUsed]))
                            th {}
                        }
                    }
                    tbody {
                        @for t in &list {
                            tr {
                                td { code { (kefu_store::users::API_TOKEN_PREFIX) (t.key) "…" } }
                                td { (t.user) }
                                td { (at(t.created_at)) }
                                td {
                                    @match t.expires_at {
                                        None => (lang.s(S::TokenNoExpiry)),
                                        Some(e) if t.expired(now) => span.down {
                                            (lang.s(S::TokenExpired)) " (" (at(e)) ")"
                                        },
                                        Some(e) => { (at(e)) },
                                    }
                                }
                                td {
                                    @match t.last_used_at {
                                        None => (lang.s(S::TokenNeverUsed)),
                                        Some(u) => { (at(u)) },
                                    }
                                }
                                td {
                                    form method="post" action={ "/settings/tokens/revoke?lang=" (lc) } {
                                        input type="hidden" name="csrf" value=(user.session.csrf);
                                        input type="hidden" name="key" value=(t.key);
                                        button type="submit" { (lang.t("吊销", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::ApiTokens,
        "/settings/tokens",
        body,
    )
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    key: String,
}

/// `POST /settings/tokens/revoke`: one's own token, or anyone's for an admin.
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let me = user.session.user.clone();
    let done = state
        .db(move |db| {
            let owner = (!access::is_admin(&me)).then_some(&me);
            if !db.revoke_api_token(&form.key, owner)? {
                // Someone else's token is answered as if it did not exist.
                return Err(WebError::missing("没有这个令牌", "no such token"));
            }
            db.audit(Some(&me), "token.revoke", &format!("key={}", form.key))?;
            Ok(())
        })
        .await;
    match done {
        Ok(()) => Redirect::to(&format!("/settings/tokens?lang={}", lang.code())).into_response(),
        Err(e) => error_page(lang, &user, e),
    }
}
