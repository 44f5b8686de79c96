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
use crate::ui::frame::{error_page, framed, th, utc};
use crate::ui::html::esc;
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
pub(crate) fn role_select(lang: Lang, selected: Option<UserRole>) -> String {
    let options: String = [
        UserRole::Agent,
        UserRole::Qa,
        UserRole::Supervisor,
        UserRole::Admin,
    ]
    .iter()
    .map(|r| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            r.as_str(),
            if Some(*r) == selected {
                " selected"
            } else {
                ""
            },
            esc(role_label(lang, *r))
        )
    })
    .collect();
    format!("<select name=\"role\">{options}</select>")
}

/// The language-switch target of a user's page.
fn here(id: i64) -> String {
    format!("/settings/user?id={id}")
}

fn render(lang: Lang, me: &CurrentUser, l: &Loaded, message: &str) -> String {
    let lc = lang.code();
    let csrf = esc(&me.session.csrf);
    let id = l.user.id;
    let role_select = role_select(lang, Some(l.user.role));
    let mut stores = String::new();
    let mut accounts = String::new();
    for (s, list) in &l.stores {
        stores.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"store.{}\" value=\"1\"{}> {}</label><br>",
            s.id,
            if l.assigned.contains(&s.id) {
                " checked"
            } else {
                ""
            },
            esc(&s.name)
        ));
        accounts.push_str(&format!("<fieldset><legend>{}</legend>", esc(&s.name)));
        for a in list {
            accounts.push_str(&format!(
                "<label><input type=\"checkbox\" name=\"account.{}.{}\" value=\"1\"{}> {}</label> ",
                s.id,
                a.id,
                if l.linked.contains(&(s.id, a.id)) {
                    " checked"
                } else {
                    ""
                },
                esc(&a.name)
            ));
        }
        accounts.push_str("</fieldset>");
    }
    let mut body = format!(
        "<p><a href=\"/settings?lang={lc}\">{back}</a></p>{message}<h2>{name}</h2>\
         <form method=\"post\" action=\"/settings/user?lang={lc}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
         <p><label>{role}<br>{role_select}</label></p>\
         <h3>{stores_h}</h3><p class=\"note\">{stores_note}</p><p>{stores}</p>\
         <h3>{accounts_h}</h3><p class=\"note\">{accounts_note}</p>{accounts}\
         <p><button type=\"submit\">{save}</button></p></form>\
         <h3>{reset}</h3><form method=\"post\" action=\"/settings/user/password?lang={lc}\" class=\"filters\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
         <label>{new_pw}<br><input type=\"password\" name=\"password\" required minlength=\"8\" autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{reset}</button></form>",
        back = esc(lang.s(S::Settings)),
        name = esc(&l.user.name),
        role = esc(lang.s(S::Role)),
        stores_h = esc(lang.s(S::UserStores)),
        stores_note = esc(lang.t(
            "主管和质检看到这些店铺。",
            "Supervisors and QA see these stores."
        )),
        accounts_h = esc(lang.t("关联的客服账号", "Linked chat accounts")),
        accounts_note = esc(lang.t(
            "客服只看到这些聊天账号自己的数据。",
            "Agents see only these chat accounts' own data."
        )),
        save = esc(lang.t("保存", "Save")),
        reset = esc(lang.t("重设密码", "Set a new password")),
        new_pw = esc(lang.t(
            "新密码（至少 8 个字符）",
            "New password (8 characters or more)"
        )),
    );
    if l.user.id != me.session.user.id {
        body.push_str(&format!(
            "<h3>{del}</h3><form method=\"post\" action=\"/settings/user/delete?lang={lc}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
             <button type=\"submit\">{del}</button></form>",
            del = esc(lang.t("删除此用户", "Delete this user")),
        ));
    }
    body
}

/// The user's page framed, with `message` (an outcome) above the forms.
fn user_page(
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    l: &Loaded,
    message: &str,
) -> Response {
    let body = render(lang, user, l, message);
    framed(lang, user, status, S::EditUser, &here(l.user.id), &body)
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
        Ok(l) => user_page(lang, &user, StatusCode::OK, &l, ""),
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
        Ok(Outcome::Done(l, m)) => {
            let message = format!("<p class=\"saved\" role=\"status\">{}</p>", esc(&m));
            user_page(lang, user, StatusCode::OK, &l, &message)
        }
        Ok(Outcome::Refused(l, m)) => {
            let message = format!("<p class=\"error\" role=\"alert\">{}</p>", esc(&m));
            user_page(lang, user, StatusCode::BAD_REQUEST, &l, &message)
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
    let csrf = esc(&user.session.csrf);
    let mut body = format!(
        "<p>{}</p>{}",
        esc(lang.s(S::ApiTokensNote)),
        crate::admin::token_form(lang, &user.session.csrf),
    );
    if list.is_empty() {
        body.push_str(&format!(
            "<p>{}</p>",
            esc(lang.t("还没有令牌。", "No tokens yet."))
        ));
    } else {
        body.push_str(&format!(
            "<div class=\"wrap\"><table><thead><tr><th>{}</th>{}<th>{}</th>{}<th></th></tr></thead><tbody>",
            esc(lang.t("令牌（开头部分）", "Token (its beginning)")),
            th(lang, &[S::UserName]),
            esc(lang.t("创建时间", "Created")),
            th(lang, &[S::TokenExpires, S::TokenLastUsed]),
        ));
        let now = kefu_store::users::now_secs();
        for t in &list {
            let expires = match t.expires_at {
                None => esc(lang.s(S::TokenNoExpiry)),
                Some(e) if t.expired(now) => format!(
                    "<span class=\"down\">{} ({} UTC)</span>",
                    esc(lang.s(S::TokenExpired)),
                    utc(e)
                ),
                Some(e) => format!("{} UTC", utc(e)),
            };
            let used = t.last_used_at.map_or_else(
                || esc(lang.s(S::TokenNeverUsed)),
                |u| format!("{} UTC", utc(u)),
            );
            body.push_str(&format!(
                "<tr><td><code>{prefix}{key}…</code></td><td>{user}</td><td>{created} UTC</td>\
                 <td>{expires}</td><td>{used}</td>\
                 <td><form method=\"post\" action=\"/settings/tokens/revoke?lang={lc}\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"key\" value=\"{key}\">\
                 <button type=\"submit\">{revoke}</button></form></td></tr>",
                prefix = kefu_store::users::API_TOKEN_PREFIX,
                key = esc(&t.key),
                user = esc(&t.user),
                created = utc(t.created_at),
                revoke = esc(lang.t("吊销", "Revoke")),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::ApiTokens,
        "/settings/tokens",
        &body,
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
