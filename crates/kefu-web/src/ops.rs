//! Running the server: one tracing span per request with its request id, the request time
//! limit, and the signals that end the server gracefully.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tracing::Instrument;

use crate::i18n::{self, S, Strings};
use crate::ui::html::{html, page};
use crate::{ApiError, AppState, WebError};

/// The header that carries a request's id, in and out.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How long a request may take by default. The heaviest pages take about a second on a
/// store of 10M messages (docs/benchmark.md) plus at most [`crate::HEAVY_WAIT`] for their slot;
/// a minute leaves an order of magnitude for a loaded machine and a bigger store, and still
/// answers a request stuck behind a locked database before a proxy gives up on it (nginx
/// waits 60 s by default, and then the user sees nginx's page instead of kefu's).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long in-flight requests are waited for after SIGTERM or Ctrl-C. Imports run in
/// one transaction: one of 200 MB (the upload limit) takes tens of seconds on two cores, so
/// a minute lets it commit. Service managers must wait twice this long before they kill
/// (blocking work left by dropped requests gets a second period): docs/deployment.md.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

/// The id of the request being served, for handlers that log.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// An id from a client or proxy is kept (so logs of both can be joined) when it is short and
/// plain: anything else could forge log lines or fill the logs.
fn usable_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_id() -> String {
    // 64 random bits: unique among the requests of any log worth reading.
    let mut id = kefu_store::random_token();
    id.truncate(16);
    id
}

/// Wraps a request in a span with its id, method and route, logs its status and latency,
/// and echoes the id in the response. The route is the matched pattern
/// (`/import/rejects/{token}`), never the path with its values nor the query string: those
/// can carry tokens.
pub async fn trace(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| usable_id(id))
        .map_or_else(new_id, str::to_string);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", |m| m.as_str())
        .to_string();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        route = %route,
    );
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, latency_ms, "answered");
        } else {
            tracing::info!(status, latency_ms, "answered");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    res
}

/// Requests that finish what they started, whatever it takes: an import of up to 200 MB
/// (bounded by the upload limit) and a rule run over a period (bounded by the heavy slot).
/// Cutting them would not stop their work, which runs to its commit on a blocking thread;
/// it would only tell the user "failed" about work that then succeeds.
fn runs_to_the_end(method: &Method, path: &str) -> bool {
    (*method == Method::POST && matches!(path, "/import" | "/qa/run"))
        // the live monitor's stream runs as long as the page is open
        || (*method == Method::GET && path == "/live/stream")
}

/// Answers a request that has not finished within the limit with a page or JSON error in
/// the user's language. Work it started on a blocking thread runs on, but only within the
/// slots it holds ([`AppState::db`], [`AppState::heavy`]): timed-out requests cannot pile up
/// work beyond them.
pub async fn time_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.web.request_timeout;
    if runs_to_the_end(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let query_lang = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(str::to_string)
    });
    // The session's language is in Accept-Language by now (`auth::resolve_session`).
    let lang = i18n::pick(query_lang.as_deref(), req.headers());
    let api = req.uri().path().starts_with("/api/");
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs(), "timed out");
            if api {
                ApiError(WebError::Timeout).into_response()
            } else {
                let body = html! { p.error { (lang.s(S::Timeout)) } };
                (
                    WebError::Timeout.status(),
                    Html(page(lang, lang.s(S::Error), None, "/", body).into_string()),
                )
                    .into_response()
            }
        }
    }
}

/// Resolves on SIGTERM (service managers, `docker stop`) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: only SIGTERM ends the server gracefully.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = term => tracing::info!("SIGTERM received"),
    }
}

/// The status of a timed-out request: the server, not the client, was too slow.
pub(crate) const TIMEOUT_STATUS: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_outside_are_kept_only_when_plain() {
        assert!(usable_id("3f2a-77:abc.DEF_1"));
        assert!(!usable_id(""));
        assert!(!usable_id("a b"));
        assert!(!usable_id("x\ny"));
        assert!(!usable_id(&"a".repeat(65)));
        let id = new_id();
        assert_eq!(id.len(), 16);
        assert!(usable_id(&id));
    }

    #[test]
    fn only_imports_and_rule_runs_run_to_the_end() {
        assert!(runs_to_the_end(&Method::POST, "/import"));
        assert!(runs_to_the_end(&Method::POST, "/qa/run"));
        assert!(!runs_to_the_end(&Method::GET, "/import"));
        assert!(!runs_to_the_end(&Method::GET, "/list"));
    }
}
