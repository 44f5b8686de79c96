//! Login, logout, sessions and CSRF.
//!
//! - The session id lives in the `kefu_session` cookie (HttpOnly, SameSite=Strict, Path=/);
//!   every login makes a new one, and the old one of the browser is deleted.
//! - The login form is protected by a double-submit token: `GET /login` sets the
//!   `kefu_login` cookie and puts the same token in the form.
//! - Every other form carries the session's CSRF token (field `csrf` or header
//!   `X-CSRF-Token`).
//! - Failed logins are throttled in memory, per (user name, client address) and per client
//!   address: at most [`MAX_FAILURES`] wrong passwords for one name from one address and
//!   [`MAX_ADDRESS_FAILURES`] from one address within [`WINDOW`]. A failure is reserved
//!   before the password is checked, so that no number of parallel requests gets more
//!   guesses checked; a right password gives its reservation back. Failures from other
//!   addresses never block a name: nobody can lock a user out from elsewhere. The client
//!   address behind a reverse proxy is a setting (`client.rs`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_store::{LangPref, Session, random_token};
use serde::Deserialize;

use crate::api::ErrorCode;
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::FORM_LIMIT;
use crate::routes::Routes;
use crate::ui::html::{html, page};
use crate::{AppState, WebError, json_error};

pub const SESSION_COOKIE: &str = "kefu_session";
pub const LOGIN_COOKIE: &str = "kefu_login";
/// Wrong passwords checked at most per (user name, client address) within [`WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// Wrong passwords checked at most per client address within [`WINDOW`], whatever the names
/// (an office behind one address has several people who mistype).
pub const MAX_ADDRESS_FAILURES: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Entries kept at most; beyond it the oldest keys are dropped (bounded memory).
const MAX_KEYS: usize = 100_000;

/// Reserved and counted failures per key within the window.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: HashMap<String, Vec<(Instant, u64)>>,
    next: u64,
}

/// A failure counted in advance for one password check: kept when the password was wrong
/// (or the outcome is unknown), given back by [`Throttle::release`] when it was right.
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    keys: Vec<String>,
    id: u64,
}

/// The throttle keys of a password check for `name` from `ip`, each with its limit.
pub fn login_keys(name: &str, ip: &str) -> [(String, usize); 2] {
    // (names are at most 64 characters; a longer one is cut so keys stay small)
    let short: String = name.chars().take(80).collect();
    [
        // the address first: it has no space, so the key is unambiguous
        (format!("pair:{ip} {short}"), MAX_FAILURES),
        (format!("ip:{ip}"), MAX_ADDRESS_FAILURES),
    ]
}

impl Throttle {
    fn prune(&mut self, now: Instant) {
        self.failures.retain(|_, times| {
            times.retain(|(t, _)| now.duration_since(*t) < WINDOW);
            !times.is_empty()
        });
    }

    /// Counts a failure for every key unless one of them has used up its limit, in one step:
    /// `None` means refused (the password must not be checked).
    pub fn reserve(&mut self, keys: &[(String, usize)], now: Instant) -> Option<Reservation> {
        self.prune(now);
        let full = keys
            .iter()
            .any(|(k, limit)| self.failures.get(k).is_some_and(|t| t.len() >= *limit));
        if full {
            return None;
        }
        if self.failures.len() + keys.len() > MAX_KEYS {
            let mut oldest: Vec<(Instant, String)> = self
                .failures
                .iter()
                .map(|(k, t)| (t.last().map_or(now, |(i, _)| *i), k.clone()))
                .collect();
            oldest.sort();
            for (_, k) in oldest.into_iter().take(MAX_KEYS / 10) {
                self.failures.remove(&k);
            }
        }
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        for (k, _) in keys {
            self.failures.entry(k.clone()).or_default().push((now, id));
        }
        Some(Reservation {
            keys: keys.iter().map(|(k, _)| k.clone()).collect(),
            id,
        })
    }

    /// Gives a reservation back: its password was right.
    pub fn release(&mut self, r: Reservation) {
        for k in &r.keys {
            if let Some(times) = self.failures.get_mut(k) {
                times.retain(|(_, id)| *id != r.id);
                if times.is_empty() {
                    self.failures.remove(k);
                }
            }
        }
    }
}

/// Reserves a password check in the shared throttle (a poisoned lock refuses).
pub(crate) fn reserve(state: &AppState, keys: &[(String, usize)]) -> Option<Reservation> {
    state
        .throttle
        .lock()
        .ok()
        .and_then(|mut t| t.reserve(keys, Instant::now()))
}

pub(crate) fn release(state: &AppState, r: Reservation) {
    if let Ok(mut t) = state.throttle.lock() {
        t.release(r);
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

fn set_cookie(res: &mut Response, name: &str, value: &str, path: &str, max_age: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"
    );
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
                    ErrorCode::Unauthenticated,
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
                ErrorCode::Unauthenticated,
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

/// Middleware: every request of a logged-in session that may change something (any method
/// but GET, HEAD and OPTIONS) must carry the session's CSRF token — in the `x-csrf-token`
/// header, in the `csrf` field of a urlencoded form, or, for a multipart upload (streamed to
/// disk, not read here), in the `csrf` query parameter. Checked once here for every route,
/// before any handler runs, so that no handler can forget it. Requests without a session —
/// the login form (its own login token), API tokens, anonymous posts — go on to the handler,
/// which answers them as before.
pub async fn csrf_guard(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.uri().path() == "/login"
        // an ingest token is no session: there is no form to forge
        || req.uri().path() == "/api/v1/events"
    {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
        // an API token has no session and no form to forge
        Ok(user) if !user.session_id.is_empty() => user,
        _ => {
            return next
                .run(axum::extract::Request::from_parts(parts, body))
                .await;
        }
    };
    let query_param = |name: &str| {
        parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find_map(|(k, v)| (k == name).then_some(v))
        })
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (token, body) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = match axum::body::to_bytes(body, crate::limits::GUARDED_FORM_LIMIT).await {
            Ok(bytes) => bytes,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find_map(|(k, v)| (k == "csrf").then_some(v))
            });
        (token, axum::body::Body::from(bytes))
    } else {
        (query_param("csrf"), body)
    };
    if csrf_ok(&user, &parts.headers, token.as_deref().unwrap_or("")) {
        return next
            .run(axum::extract::Request::from_parts(parts, body))
            .await;
    }
    let lang = i18n::pick(query_param("lang").as_deref(), &parts.headers);
    crate::ui::frame::form_expired(lang, &user, parts.uri.path())
}

#[derive(Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// The login form. A browser that already holds a login token keeps it: every page load of
/// the browser (a second tab, a favicon request sent to the login page) then agrees with the
/// form it submits.
fn login_form(
    lang: Lang,
    headers: &HeaderMap,
    secure: bool,
    error: Option<S>,
    status: StatusCode,
) -> Response {
    let token = cookie(headers, LOGIN_COOKIE)
        .filter(|t| is_token(t))
        .unwrap_or_else(random_token);
    let body = html! {
        form method="post" action={ "/login?lang=" (lang.code()) } class="login" {
            @if let Some(e) = error {
                p.error role="alert" { (lang.s(e)) }
            }
            input type="hidden" name="csrf" value=(token);
            label {
                (lang.s(S::UserName))
                input name="name" autocomplete="username" required autofocus;
            }
            label {
                (lang.s(S::Password))
                input type="password" name="password" autocomplete="current-password" required;
            }
            button type="submit" { (lang.s(S::Login)) }
        }
    };
    let mut res = (
        status,
        Html(page(lang, lang.s(S::Login), None, "/login", body).into_string()),
    )
        .into_response();
    set_cookie(&mut res, LOGIN_COOKIE, &token, "/login", 3600, secure);
    res
}

/// `GET /login`
pub async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    let secure = state.web.client(&ext, &headers).secure;
    login_form(
        i18n::pick(q.lang.as_deref(), &headers),
        &headers,
        secure,
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
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
    let client = state.web.client(&ext, &headers);
    let secure = client.secure;
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !is_token(&form.csrf) || !same_token(&form.csrf, &expected) {
        return login_form(
            lang,
            &headers,
            secure,
            Some(S::FormExpired),
            StatusCode::FORBIDDEN,
        );
    }
    let ip = client.ip;
    // The failure is counted before the check, so parallel guesses cannot all pass a test
    // made before any of them failed.
    let Some(reservation) = reserve(&state, &login_keys(&form.name, &ip)) else {
        return login_form(
            lang,
            &headers,
            secure,
            Some(S::TooManyAttempts),
            StatusCode::TOO_MANY_REQUESTS,
        );
    };
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
            release(&state, reservation);
            let mut res = Redirect::to("/").into_response();
            set_cookie(
                &mut res,
                SESSION_COOKIE,
                &sid,
                "/",
                kefu_store::users::SESSION_SECS,
                secure,
            );
            set_cookie(&mut res, LOGIN_COOKIE, "", "/login", 0, secure);
            res
        }
        // The reservation stays: it is the failure.
        Ok(None) => login_form(
            lang,
            &headers,
            secure,
            Some(S::WrongLogin),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => (e.status(), e.public_message()).into_response(),
    }
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
    ext: Extensions,
) -> Result<Response, Response> {
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
    let secure = state.web.client(&ext, &headers).secure;
    set_cookie(&mut res, SESSION_COOKIE, "", "/", 0, secure);
    Ok(res)
}

/// The login and logout routes.
pub(crate) fn routes(r: Routes) -> Routes {
    r.page_and_form("/login", FORM_LIMIT, login_page, login)
        .form("/logout", logout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_reserves_per_key_within_the_window() {
        let mut t = Throttle::default();
        let now = Instant::now();
        let keys = login_keys("a", "1");
        let mut held = Vec::new();
        for _ in 0..MAX_FAILURES {
            held.push(t.reserve(&keys, now).expect("within the limit"));
        }
        assert!(t.reserve(&keys, now).is_none());
        // the same name from another address, another name from the same address
        assert!(t.reserve(&login_keys("a", "2"), now).is_some());
        assert!(t.reserve(&login_keys("b", "1"), now).is_some());
        // a right password gives its reservation back
        t.release(held.pop().unwrap());
        assert!(t.reserve(&keys, now).is_some());
        assert!(t.reserve(&keys, now).is_none());
        assert!(t.reserve(&keys, now + WINDOW).is_some());
        // per address, whatever the names
        let mut t = Throttle::default();
        for i in 0..MAX_ADDRESS_FAILURES {
            assert!(t.reserve(&login_keys(&format!("n{i}"), "9"), now).is_some());
        }
        assert!(t.reserve(&login_keys("fresh", "9"), now).is_none());
        assert!(t.reserve(&login_keys("fresh", "8"), now).is_some());
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
