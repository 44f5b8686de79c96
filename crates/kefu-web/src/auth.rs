//! Login, logout, sessions and CSRF.
//!
//! - The session id lives in the `kefu_session` cookie (HttpOnly, SameSite=Strict, Path=/);
//!   every login makes a new one, and the old one of the browser is deleted.
//! - The login form is protected by a double-submit token: `GET /login` sets the
//!   `kefu_login` cookie and puts the same token in the form.
//! - Every other form carries the session's CSRF token (field `csrf` or header
//!   `X-CSRF-Token`).
//! - Failed logins are throttled in memory: at most [`MAX_FAILURES`] per user name and per
//!   client address within [`WINDOW`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_store::{LangPref, Session, random_token};
use serde::Deserialize;

use crate::html::{esc, page};
use crate::i18n::{self, Lang, S, Strings};
use crate::{AppState, WebError, json_error};

pub const SESSION_COOKIE: &str = "kefu_session";
pub const LOGIN_COOKIE: &str = "kefu_login";
pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Entries kept at most; beyond it the oldest keys are dropped (bounded memory).
const MAX_KEYS: usize = 100_000;

/// Failed logins per key (`name:…`, `ip:…`) within the window.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: HashMap<String, Vec<Instant>>,
}

impl Throttle {
    fn prune(&mut self, now: Instant) {
        self.failures.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < WINDOW);
            !times.is_empty()
        });
    }

    /// Whether any of `keys` has used up its failed attempts.
    pub fn blocked(&mut self, keys: &[String], now: Instant) -> bool {
        self.prune(now);
        keys.iter().any(|k| {
            self.failures
                .get(k)
                .is_some_and(|t| t.len() >= MAX_FAILURES)
        })
    }

    pub fn fail(&mut self, keys: &[String], now: Instant) {
        if self.failures.len() >= MAX_KEYS {
            let mut oldest: Vec<(Instant, String)> = self
                .failures
                .iter()
                .map(|(k, t)| (t.last().copied().unwrap_or(now), k.clone()))
                .collect();
            oldest.sort();
            for (_, k) in oldest.into_iter().take(MAX_KEYS / 10) {
                self.failures.remove(&k);
            }
        }
        for k in keys {
            self.failures.entry(k.clone()).or_default().push(now);
        }
    }
}

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Equality that takes the same time wherever the first difference is.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn set_cookie(res: &mut Response, name: &str, value: &str, path: &str, max_age: i64) {
    let v = format!("{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}");
    if let Ok(v) = HeaderValue::from_str(&v) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A request with a valid session. Without one, pages redirect to `/login` and the API
/// answers 401 with code `unauthenticated`.
pub struct CurrentUser {
    pub session: Session,
    pub session_id: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let api = parts.uri.path().starts_with("/api/");
        // Scripts use a personal API token instead of a session (the API only).
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .filter(|_| api)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        if let Some(token) = bearer {
            return match state.db(move |db| Ok(db.api_token_user(&token)?)).await {
                Ok(Some(user)) => Ok(CurrentUser {
                    // no CSRF token: a token request cannot submit forms
                    session: Session {
                        user,
                        csrf: String::new(),
                        expires_at: i64::MAX,
                        lang: LangPref::Browser,
                    },
                    session_id: String::new(),
                }),
                Ok(None) => Err(json_error(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "the API token is not valid",
                )),
                Err(e) => Err(crate::ApiError(e).into_response()),
            };
        }
        let resolved = parts.extensions.get::<Resolved>().map(|r| r.0.clone());
        let found = match (
            resolved,
            cookie(&parts.headers, SESSION_COOKIE).filter(|s| is_token(s)),
        ) {
            (Some(found), _) => Ok(found),
            (None, Some(id)) => {
                let sid = id.clone();
                state
                    .db(move |db| Ok(db.session(&sid)?))
                    .await
                    .map(|s| s.map(|session| (session, id)))
            }
            (None, None) => Ok(None),
        };
        match found {
            Ok(Some((session, session_id))) => Ok(CurrentUser {
                session,
                session_id,
            }),
            Ok(None) if api => Err(json_error(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "log in first: this endpoint needs a session",
            )),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) if api => Err(crate::ApiError(e).into_response()),
            Err(e) => Err((e.status(), e.public_message()).into_response()),
        }
    }
}

/// The session [`resolve_session`] found for the request (`None`: no valid one).
#[derive(Clone)]
struct Resolved(Option<(Session, String)>);

/// The language tag that stands for a user's setting, if they chose one.
pub fn lang_tag(pref: LangPref) -> Option<&'static str> {
    match pref {
        LangPref::Browser => None,
        LangPref::Zh => Some("zh-CN"),
        LangPref::En => Some("en"),
    }
}

/// Middleware: looks the session up once per request (for [`CurrentUser`]) and puts the
/// user's language setting in place of the browser's `Accept-Language`, so that every page
/// follows it; a `?lang=` link still wins, as the pages read it first.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(id) = cookie(req.headers(), SESSION_COOKIE).filter(|s| is_token(s)) {
        let sid = id.clone();
        // A failed lookup is left to the extractor, which answers it as the route should.
        if let Ok(found) = state.db(move |db| Ok(db.session(&sid)?)).await {
            if let Some(tag) = found.as_ref().and_then(|s| lang_tag(s.lang)) {
                req.headers_mut()
                    .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(tag));
            }
            req.extensions_mut()
                .insert(Resolved(found.map(|session| (session, id))));
        }
    }
    next.run(req).await
}

#[derive(Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// The login form. A browser that already holds a login token keeps it: every page load of
/// the browser (a second tab, a favicon request sent to the login page) then agrees with the
/// form it submits.
fn login_form(lang: Lang, headers: &HeaderMap, error: Option<S>, status: StatusCode) -> Response {
    let token = cookie(headers, LOGIN_COOKIE)
        .filter(|t| is_token(t))
        .unwrap_or_else(random_token);
    let error = error.map_or(String::new(), |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", esc(lang.s(e)))
    });
    let body = format!(
        "<form method=\"post\" action=\"/login?lang={lc}\" class=\"login\">{error}\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <label>{name}<input name=\"name\" autocomplete=\"username\" required autofocus></label>\
         <label>{pw}<input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">{login}</button></form>",
        lc = lang.code(),
        name = esc(lang.s(S::UserName)),
        pw = esc(lang.s(S::Password)),
        login = esc(lang.s(S::Login)),
    );
    let mut res = (
        status,
        Html(page(lang, lang.s(S::Login), None, "/login", &body)),
    )
        .into_response();
    set_cookie(&mut res, LOGIN_COOKIE, &token, "/login", 3600);
    res
}

/// `GET /login`
pub async fn login_page(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    login_form(
        i18n::pick(q.lang.as_deref(), &headers),
        &headers,
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub csrf: String,
}

/// `POST /login`
pub async fn login(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    ext: Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !is_token(&form.csrf) || !same_token(&form.csrf, &expected) {
        return login_form(lang, &headers, Some(S::FormExpired), StatusCode::FORBIDDEN);
    }
    let ip = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    // (names are at most 64 characters; a longer one is cut so keys stay small)
    let short: String = form.name.chars().take(80).collect();
    let keys = [format!("name:{short}"), format!("ip:{ip}")];
    if state
        .throttle
        .lock()
        .map_or(true, |mut t| t.blocked(&keys, Instant::now()))
    {
        return login_form(
            lang,
            &headers,
            Some(S::TooManyAttempts),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let old = cookie(&headers, SESSION_COOKIE).filter(|s| is_token(s));
    let (name, password) = (form.name, form.password);
    let Ok(_slot) = state.login_slots.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    };
    let outcome = state
        .db(move |db| {
            let user = if name.len() <= 256 {
                db.verify_login(&name, &password)?
            } else {
                None
            };
            let Some(user) = user else {
                db.audit(None, "login_failed", &format!("name={name} ip={ip}"))?;
                return Ok(None);
            };
            if let Some(old) = old {
                db.delete_session(&old)?;
            }
            let (sid, _csrf) = db.create_session(&user)?;
            db.audit(Some(&user), "login", &format!("ip={ip}"))?;
            Ok(Some(sid))
        })
        .await;
    match outcome {
        Ok(Some(sid)) => {
            let mut res = Redirect::to("/").into_response();
            set_cookie(
                &mut res,
                SESSION_COOKIE,
                &sid,
                "/",
                kefu_store::users::SESSION_SECS,
            );
            set_cookie(&mut res, LOGIN_COOKIE, "", "/login", 0);
            res
        }
        Ok(None) => {
            if let Ok(mut t) = state.throttle.lock() {
                t.fail(&keys, Instant::now());
            }
            login_form(
                lang,
                &headers,
                Some(S::WrongLogin),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) => (e.status(), e.public_message()).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// Whether a state-changing request carries the session's CSRF token.
pub fn csrf_ok(user: &CurrentUser, headers: &HeaderMap, form_token: &str) -> bool {
    let header_token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let given = if form_token.is_empty() {
        header_token
    } else {
        form_token
    };
    !given.is_empty() && same_token(given, &user.session.csrf)
}

/// `POST /logout`
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    if !csrf_ok(&user, &headers, &form.csrf) {
        return Err((StatusCode::FORBIDDEN, "CSRF token missing or wrong").into_response());
    }
    let CurrentUser {
        session,
        session_id,
    } = user;
    state
        .db(move |db| {
            db.delete_session(&session_id)?;
            db.audit(Some(&session.user), "logout", "")?;
            Ok(())
        })
        .await
        .map_err(|e: WebError| (e.status(), e.public_message()).into_response())?;
    let mut res = Redirect::to("/login").into_response();
    set_cookie(&mut res, SESSION_COOKIE, "", "/", 0);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_counts_per_key_within_the_window() {
        let mut t = Throttle::default();
        let now = Instant::now();
        let keys = ["name:a".to_string(), "ip:1".to_string()];
        for _ in 0..MAX_FAILURES {
            assert!(!t.blocked(&keys, now));
            t.fail(&keys, now);
        }
        assert!(t.blocked(&keys, now));
        assert!(t.blocked(&["ip:1".to_string()], now));
        assert!(!t.blocked(&["name:b".to_string(), "ip:2".to_string()], now));
        assert!(!t.blocked(&keys, now + WINDOW));
    }

    #[test]
    fn cookies_and_tokens() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; kefu_session=xyz".parse().unwrap());
        assert_eq!(cookie(&h, "kefu_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "b"), None);
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
