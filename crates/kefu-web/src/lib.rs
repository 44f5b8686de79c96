//! kefu's web application: server-rendered pages and a JSON API over the same store the
//! command line uses.
//!
//! - [`router`] builds the axum router; [`serve`] runs it on an address.
//! - Every request opens its own [`Db`] on a blocking thread ([`AppState::db`]).
//! - Who may see what is decided in one place, [`access::allowed`].
//! - Pages are HTML built with `format!` and [`html::esc`]; charts are SVG drawn here; no
//!   script, no external resource (the Content-Security-Policy forbids both).

pub mod access;
mod admin;
pub mod auth;
mod charts;
mod drill;
mod export;
mod html;
pub mod i18n;
mod import;
pub mod openapi;
mod pages;
pub mod report;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kefu_core::settings::Config;
use kefu_store::{Db, StoreError, UserError};
use tokio::sync::Semaphore;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db_path: PathBuf,
    pub config: Arc<Config>,
    pub throttle: Arc<Mutex<auth::Throttle>>,
    /// Bounds the database work running at once (each connection has its own cache).
    db_slots: Arc<Semaphore>,
    /// Open connections kept between requests: their page caches stay warm.
    pool: Arc<Mutex<Vec<Db>>>,
    /// Bounds the password checks running at once (Argon2 takes 19 MiB and tens of ms
    /// each), so a flood of logins cannot exhaust memory.
    pub(crate) login_slots: Arc<Semaphore>,
    /// The rejected rows of recent imports, for download.
    pub(crate) rejects: Arc<import::Rejects>,
}

/// Database tasks at most at once: a few more than cores, so that one waiting on the disk
/// does not idle a core, but not so many that they thrash.
pub const DB_SLOTS: usize = 4;
/// Password checks at most at once.
pub const LOGIN_SLOTS: usize = 2;

impl AppState {
    pub fn new(db_path: PathBuf, config: Config) -> AppState {
        AppState {
            db_path,
            config: Arc::new(config),
            throttle: Arc::new(Mutex::new(auth::Throttle::default())),
            db_slots: Arc::new(Semaphore::new(DB_SLOTS)),
            pool: Arc::new(Mutex::new(Vec::new())),
            login_slots: Arc::new(Semaphore::new(LOGIN_SLOTS)),
            rejects: Arc::new(import::Rejects::default()),
        }
    }

    /// Runs `f` on a database connection (from the pool, or newly opened), on a blocking
    /// thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, WebError> + Send + 'static,
    {
        let path = self.db_path.clone();
        let pool = self.pool.clone();
        let _slot = self
            .db_slots
            .acquire()
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let pooled = pool.lock().ok().and_then(|mut p| p.pop());
            let db = match pooled {
                Some(db) => db,
                None => Db::open(&path)?,
            };
            let result = f(&db);
            if let Ok(mut p) = pool.lock() {
                p.push(db);
            }
            result
        })
        .await
        .map_err(|e| WebError::Internal(format!("database task: {e}")))?
    }
}

/// Why a request failed. Pages show it as HTML, the API as
/// `{"error": {"code": …, "message": …}}`.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound(_) | WebError::Store(StoreError::UnknownStore(_)) => {
                StatusCode::NOT_FOUND
            }
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of the API.
    pub fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::FORBIDDEN => "forbidden",
            _ => "internal",
        }
    }

    /// What the client is told: internal details stay in the server's log.
    pub fn public_message(&self) -> String {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("kefu-web: {self}");
            "internal error; see the server log".to_string()
        } else {
            self.to_string()
        }
    }
}

/// A JSON error body with a stable code.
pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

/// An error of the JSON API.
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_error(self.0.status(), self.0.code(), &self.0.public_message())
    }
}

/// The largest body a form of the pages may have.
pub const FORM_LIMIT: usize = 16 * 1024;

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/login",
            get(auth::login_page)
                .post(auth::login)
                .layer(DefaultBodyLimit::max(FORM_LIMIT)),
        )
        .route(
            "/logout",
            post(auth::logout).layer(DefaultBodyLimit::max(FORM_LIMIT)),
        )
        // Browsers ask for it on their own; without a session it would land on the login page.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/", get(pages::overview))
        .route("/ranking", get(pages::ranking))
        .route("/account", get(drill::account))
        .route("/reception", get(drill::reception))
        .route("/ranking/export", get(export::ranking))
        .route(
            "/import",
            get(import::import_page)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::UPLOAD_LIMIT)),
        )
        .route("/import/rejects/{token}", get(import::rejects))
        .route("/settings", get(admin::settings))
        .route(
            "/settings/users",
            post(admin::add_user).layer(DefaultBodyLimit::max(FORM_LIMIT)),
        )
        .route(
            "/settings/tokens",
            post(admin::add_token).layer(DefaultBodyLimit::max(FORM_LIMIT)),
        )
        .route("/audit", get(admin::audit))
        .route("/api/v1/report", get(pages::api_report))
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// No script, no external resource, no framing, no caching of personal figures.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error("startup: {0}")]
    Startup(String),
}

/// [`serve`] on a runtime of its own, for callers without one (the `kefu` binary).
pub fn serve_blocking(
    db_path: PathBuf,
    addr: SocketAddr,
    config: Config,
) -> Result<(), ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(db_path, addr, config))
}

/// Serves the web application on `addr` until the process ends. Figures computed under
/// other settings than `config` are recomputed first.
pub async fn serve(db_path: PathBuf, addr: SocketAddr, config: Config) -> Result<(), ServeError> {
    let (path, cfg) = (db_path.clone(), config.clone());
    tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
        let mut db = Db::open(&path)?;
        db.sync_settings(&cfg, None)?;
        Ok(())
    })
    .await
    .map_err(|e| ServeError::Startup(e.to_string()))??;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let app = router(AppState::new(db_path, config));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
