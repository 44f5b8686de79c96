//! "My account": every user's own language setting and password.

use axum::extract::{Form, Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_store::{LangPref, UserError};
use serde::Deserialize;

use crate::auth::{CurrentUser, LangQuery, MAX_FAILURES, login_keys, release, reserve};
use crate::i18n::{self, Lang, S, Strings};
use crate::ui::frame::{Notice, error_page, frame};
use crate::ui::html::{Markup, html};
use crate::{AppState, WebError};

fn render(lang: Lang, user: &CurrentUser, notice: Notice) -> Markup {
    let lc = lang.code();
    let csrf = &user.session.csrf;
    let now = user.session.lang;
    let choices = [
        (
            LangPref::Browser,
            lang.t("跟随浏览器", "Follow the browser"),
        ),
        (LangPref::Zh, "中文"),
        (LangPref::En, "English"),
    ];
    let colon = lang.t("：", ": ");
    let lang_h = lang.t("界面语言", "Language of the pages");
    let pw_h = lang.t("修改密码", "Change the password");
    html! {
        (notice)
        p {
            (lang.s(S::UserName)) (colon) strong { (user.session.user.name) }
            " · " (lang.s(S::Role)) (colon) (super::users::role_label(lang, user.session.user.role))
        }
        h2 { (lang_h) }
        p.note {
            (lang.t(
                "链接中的 ?lang= 仍优先于此设置。",
                "A ?lang= in a link still takes precedence over this setting."
            ))
        }
        form method="post" action={ "/me?lang=" (lc) } {
            input type="hidden" name="csrf" value=(csrf);
            fieldset {
                legend { (lang_h) }
                @for (p, label) in choices {
                    label {
                        input type="radio" name="lang" value=(p.as_str()) checked[p == now];
                        " " (label)
                    }
                    br;
                }
            }
            p { button type="submit" { (lang.t("保存", "Save")) } }
        }
        h2 { (pw_h) }
        form.filters method="post" action={ "/me/password?lang=" (lc) } {
            input type="hidden" name="csrf" value=(csrf);
            label {
                (lang.t("当前密码", "Current password")) br;
                input type="password" name="current" required autocomplete="current-password";
            }
            label {
                (lang.t("新密码（至少 8 个字符）", "New password (8 characters or more)")) br;
                input type="password" name="password" required minlength="8" autocomplete="new-password";
            }
            label {
                (lang.t("再次输入新密码", "New password again")) br;
                input type="password" name="again" required minlength="8" autocomplete="new-password";
            }
            button type="submit" { (pw_h) }
        }
        p { a href={ "/settings/tokens?lang=" (lc) } { (lang.s(S::ApiTokens)) } }
    }
}

fn shown(lang: Lang, user: &CurrentUser, status: StatusCode, notice: Notice) -> Response {
    let body = render(lang, user, notice);
    frame(lang, user, status, S::MyAccount, "/me", body)
}

/// The page again with why the form was refused above it.
fn refused(lang: Lang, user: &CurrentUser, status: StatusCode, said: &str) -> Response {
    shown(lang, user, status, Notice::Refused(said))
}

/// `GET /me`
pub async fn page(user: CurrentUser, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    shown(lang, &user, StatusCode::OK, Notice::Nothing)
}

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
}

/// `POST /me`: the language setting. Answers with the page in the new language (a redirect
/// without `?lang=`).
pub async fn save_lang(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<LangForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let Some(pref) = LangPref::parse(form.lang.trim()) else {
        let said = lang.t("未知的语言。", "Not a known language.");
        return refused(lang, &user, StatusCode::BAD_REQUEST, said);
    };
    let me = user.session.user.clone();
    let done = state
        .db(move |db| {
            db.set_user_lang(&me, pref)?;
            db.audit(Some(&me), "user.lang", &format!("lang={}", pref.as_str()))?;
            Ok(())
        })
        .await;
    match done {
        Ok(()) => Redirect::to("/me").into_response(),
        Err(e) => error_page(lang, &user, e),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

/// Why a password change was refused.
enum Refusal {
    WrongCurrent,
    BadNew,
}

/// `POST /me/password`: needs the current password; the user's other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ext: Extensions,
    Query(q): Query<LangQuery>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if form.password != form.again {
        let said = lang.t("两次输入的新密码不一致。", "The two new passwords differ.");
        return refused(lang, &user, StatusCode::BAD_REQUEST, said);
    }
    // Wrong current passwords count against the login throttle of the name at this address,
    // and against the user's own limit of guesses here from any address: a stolen session
    // must not become a way to guess the password. (That limit blocks password changes
    // only, never logins, so it cannot lock the user out.)
    let ip = state.web.client(&ext, &headers).ip;
    let name = &user.session.user.name;
    let mut keys = login_keys(name, &ip).to_vec();
    keys.push((format!("change:{}", user.session.user.id), MAX_FAILURES));
    let Some(reservation) = reserve(&state, &keys) else {
        let said = lang.s(S::TooManyAttempts);
        return refused(lang, &user, StatusCode::TOO_MANY_REQUESTS, said);
    };
    let (me, sid) = (user.session.user.clone(), user.session_id.clone());
    let Ok(_slot) = state.login_slots.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    };
    let done = state
        .db(move |db| {
            if !db.password_is(&me, &form.current)? {
                db.audit(Some(&me), "user.password.own_failed", "")?;
                return Ok(Err(Refusal::WrongCurrent));
            }
            match db.set_password(&me, &form.password, Some(&sid)) {
                Ok(()) => {
                    db.audit(Some(&me), "user.password.own", "")?;
                    Ok(Ok(()))
                }
                Err(UserError::BadPassword) => Ok(Err(Refusal::BadNew)),
                Err(e) => Err(WebError::from(e)),
            }
        })
        .await;
    if !matches!(done, Ok(Err(Refusal::WrongCurrent)) | Err(_)) {
        // The current password was right: no guess.
        release(&state, reservation);
    }
    match done {
        Ok(Ok(())) => {
            let said = lang.t(
                "密码已修改，其他设备上的登录已退出，API 令牌已吊销。",
                "The password is changed; other logins are ended and your API tokens are revoked.",
            );
            shown(lang, &user, StatusCode::OK, Notice::Saved(said))
        }
        Ok(Err(Refusal::WrongCurrent)) => {
            let said = lang.t("当前密码不正确。", "The current password is wrong.");
            refused(lang, &user, StatusCode::BAD_REQUEST, said)
        }
        // The right current password with a new one too short is no guess: not throttled.
        Ok(Err(Refusal::BadNew)) => refused(
            lang,
            &user,
            StatusCode::BAD_REQUEST,
            lang.s(S::UserBadPassword),
        ),
        Err(e) => error_page(lang, &user, e),
    }
}
