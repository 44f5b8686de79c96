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
pub mod alert_runner;
mod alerts;
pub mod api;
mod api_qa;
pub mod auth;
pub mod client;
mod drill;

mod dashboard;
pub mod i18n;
mod import;
mod limits;
mod list;
pub mod live;
pub mod openapi;
pub mod ops;
mod plans;
mod qa_reviews;
pub mod qa_rules;
mod reconcile;
pub mod report;
pub mod routes;
mod setup;
mod ui;
mod worklists;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::localized::Said;
use kefu_core::settings::Config;
use kefu_store::{Db, StoreError, UserError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use client::{SecureCookies, WebSettings};
/// How the pages write numbers, for tests that read them back.
pub use ui::format;

use crate::api::{ErrorBody, ErrorCode, ErrorDetail};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db_path: PathBuf,
    /// The metric settings in force (the serve configuration with the web's per-store ones).
    pub config: kefu_app::settings::LiveConfig,
    pub throttle: Arc<Mutex<auth::Throttle>>,
    /// How the server is deployed: trusted proxies, cookie security.
    pub web: Arc<WebSettings>,
    /// Bounds the database work running at once (each connection has its own cache).
    db_slots: Arc<Semaphore>,
    /// Open connections kept between requests: their page caches stay warm.
    pool: Arc<Mutex<Vec<Db>>>,
    /// Live ingest's token checks have slots and connections of their own: an event (an
    /// alert's among them) must not queue behind the users' page renders for [`DB_SLOTS`]
    /// (issue 16: 20 readers made an event wait about 0.3 s for a slot).
    ingest_slots: Arc<Semaphore>,
    ingest_pool: Arc<Mutex<Vec<Db>>>,
    /// Bounds the password checks running at once (Argon2 takes 19 MiB and tens of ms
    /// each), so a flood of logins cannot exhaust memory.
    pub(crate) login_slots: Arc<Semaphore>,
    /// The rejected rows of recent imports, for download.
    pub(crate) rejects: Arc<import::Rejects>,
    /// The requests that analyse raw events (see [`AppState::heavy`]).
    heavy: Arc<Heavy>,
    /// Judges stores' live snapshots and sends their alerts (`alert_runner`).
    pub alerts: alert_runner::AlertRunner,
    /// Live ingest, the folder and the "store changed" channel.
    pub(crate) live: Arc<live::LiveHub>,
}

/// Heavy requests (the lists behind figures, the agent page, transcripts, rule runs) analyse
/// raw events: up to a second of both cores and hundreds of MB each on a store of millions
/// of messages. They run apart from the light pages: slots of their own, so a dashboard
/// never queues behind them, and connections of their own, so their scans do not evict the
/// light pages' cache.
struct Heavy {
    slots: Arc<Semaphore>,
    /// How long a heavy request waits for its slot before it is answered 503.
    wait: Duration,
    /// One slot per user: a user's parallel heavy requests take turns, so one user's loops
    /// cannot hold every slot while other users' requests wait out their time.
    per_user: Mutex<HashMap<i64, Arc<Semaphore>>>,
    pool: Mutex<Vec<Db>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Heavy {
    fn new(slots: usize, wait: Duration) -> Heavy {
        Heavy {
            slots: Arc::new(Semaphore::new(slots)),
            wait,
            per_user: Mutex::new(HashMap::new()),
            pool: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    fn user_slot(&self, user: i64) -> Result<Arc<Semaphore>, WebError> {
        let mut map = self
            .per_user
            .lock()
            .map_err(|_| WebError::Internal("heavy slots poisoned".into()))?;
        // Entries of users with nothing in flight or waiting are dropped, so the map holds
        // only the users active right now.
        map.retain(|_, s| Arc::strong_count(s) > 1);
        Ok(map
            .entry(user)
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone())
    }
}

/// Counts the heavy work running; the permits it holds are released only when the work
/// has ended, even when the request that started it was dropped (a client that gave up
/// does not free memory still in use).
struct HeavyRun {
    heavy: Arc<Heavy>,
    _user: OwnedSemaphorePermit,
    _slot: OwnedSemaphorePermit,
}

impl HeavyRun {
    fn start(heavy: Arc<Heavy>, user: OwnedSemaphorePermit, slot: OwnedSemaphorePermit) -> Self {
        let now = heavy.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        heavy.peak.fetch_max(now, Ordering::SeqCst);
        HeavyRun {
            heavy,
            _user: user,
            _slot: slot,
        }
    }
}

impl Drop for HeavyRun {
    fn drop(&mut self) {
        self.heavy.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Slots held outside any request (tests: to fill them deterministically).
pub struct HeavyHold {
    _permit: OwnedSemaphorePermit,
}

/// Database tasks at most at once: a few more than cores, so that one waiting on the disk
/// does not idle a core, but not so many that they thrash.
pub const DB_SLOTS: usize = 4;
/// Password checks at most at once.
pub const LOGIN_SLOTS: usize = 2;
/// Ingest token checks at most at once (a token's secret is checked with Argon2 once a minute,
/// a wrong one every time).
pub const INGEST_SLOTS: usize = 2;
/// Heavy requests ([`AppState::heavy`]) at most at once, all users together. One: on two
/// cores a second would halve the speed of both and double the memory (docs/benchmark.md,
/// "Heavy requests under load").
pub const HEAVY_SLOTS: usize = 1;
/// How long a heavy request waits for a slot before it is answered 503 with Retry-After:
/// longer than one whole-store list of a 3M-message store on a loaded 2-core machine (2–4 s),
/// so another user's request waiting behind a running one is normally served.
pub const HEAVY_WAIT: Duration = Duration::from_secs(5);
/// The Retry-After of a busy answer, in seconds.
pub const BUSY_RETRY_SECS: u32 = 2;

impl AppState {
    pub fn new(db_path: PathBuf, config: Config) -> AppState {
        AppState {
            config: kefu_app::settings::LiveConfig::new(config),
            throttle: Arc::new(Mutex::new(auth::Throttle::default())),
            web: Arc::new(WebSettings::default()),
            db_slots: Arc::new(Semaphore::new(DB_SLOTS)),
            pool: Arc::new(Mutex::new(Vec::new())),
            ingest_slots: Arc::new(Semaphore::new(INGEST_SLOTS)),
            ingest_pool: Arc::new(Mutex::new(Vec::new())),
            login_slots: Arc::new(Semaphore::new(LOGIN_SLOTS)),
            rejects: Arc::new(import::Rejects::default()),
            heavy: Arc::new(Heavy::new(HEAVY_SLOTS, HEAVY_WAIT)),
            alerts: alert_runner::AlertRunner::new(
                db_path.clone(),
                kefu_notify::RetryPolicy::default(),
            ),
            live: Arc::new(live::LiveHub::new(db_path.clone())),
            db_path,
        }
    }

    /// The state with another delivery policy for its alerts (tests: short time-outs).
    pub fn with_alert_policy(mut self, policy: kefu_notify::RetryPolicy) -> AppState {
        self.alerts = alert_runner::AlertRunner::new(self.db_path.clone(), policy);
        self
    }

    /// Says "store N changed": the id of a store after every live ingest committed to it
    /// and after every fold that wrote its figures. A receiver that falls more than 1,024
    /// notices behind is told it lagged (`RecvError::Lagged`) and goes on from the newest.
    pub fn store_changes(&self) -> tokio::sync::broadcast::Receiver<i64> {
        self.live.subscribe()
    }

    /// The state with these deployment settings.
    pub fn with_web(mut self, web: WebSettings) -> AppState {
        self.web = Arc::new(web);
        self
    }

    /// The same state with another bound on heavy requests: `slots` at once, each waiting
    /// at most `wait` for its turn.
    pub fn with_heavy_limit(mut self, slots: usize, wait: Duration) -> AppState {
        self.heavy = Arc::new(Heavy::new(slots, wait));
        self
    }

    /// The most heavy requests that ever ran at once, and how many run now.
    pub fn heavy_peak(&self) -> (usize, usize) {
        (
            self.heavy.peak.load(Ordering::SeqCst),
            self.heavy.in_flight.load(Ordering::SeqCst),
        )
    }

    /// Takes every one of the [`DB_SLOTS`] until the hold is dropped (tests: the pages'
    /// database work all queued); `None` when one is taken.
    pub fn hold_db_slots(&self) -> Option<HeavyHold> {
        let permit = self
            .db_slots
            .clone()
            .try_acquire_many_owned(DB_SLOTS as u32)
            .ok()?;
        Some(HeavyHold { _permit: permit })
    }

    /// Takes a free heavy slot until the hold is dropped; `None` when all are taken.
    pub fn hold_heavy_slot(&self) -> Option<HeavyHold> {
        let permit = self.heavy.slots.clone().try_acquire_owned().ok()?;
        Some(HeavyHold { _permit: permit })
    }

    /// Runs `f` as a heavy request of `user`: with a heavy slot (and the user's own slot),
    /// on a connection of the heavy requests, on a blocking thread. When no slot frees
    /// within [`HEAVY_WAIT`] the answer is [`WebError::Busy`].
    pub async fn heavy<T, F>(&self, user: i64, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, WebError> + Send + 'static,
    {
        let heavy = self.heavy.clone();
        let user_slot = heavy.user_slot(user)?;
        let slots = heavy.slots.clone();
        let acquire = async move {
            let mine = user_slot.acquire_owned().await;
            let slot = slots.acquire_owned().await;
            (mine, slot)
        };
        let (mine, slot) = match tokio::time::timeout(heavy.wait, acquire).await {
            Ok((Ok(mine), Ok(slot))) => (mine, slot),
            Ok(_) => return Err(WebError::Internal("heavy slots closed".into())),
            Err(_) => return Err(WebError::Busy),
        };
        let path = self.db_path.clone();
        let live = self.config.clone();
        tokio::task::spawn_blocking(move || {
            let run = HeavyRun::start(heavy, mine, slot);
            let pooled = run.heavy.pool.lock().ok().and_then(|mut p| p.pop());
            let mut db = match pooled {
                Some(db) => db,
                None => Db::open(&path)?,
            };
            // Another process may have saved settings or recomputed since the last request.
            live.refresh(&mut db)?;
            let result = f(&db);
            if let Ok(mut p) = run.heavy.pool.lock() {
                p.push(db);
            }
            drop(run);
            result
        })
        .await
        .map_err(|e| WebError::Internal(format!("heavy task: {e}")))?
    }

    /// Runs `f` on a database connection (from the pool, or newly opened), on a blocking
    /// thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, WebError> + Send + 'static,
    {
        self.db_mut(move |db| f(db)).await
    }

    /// [`AppState::db`] for work that needs the connection to itself (a transaction).
    pub async fn db_mut<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, WebError> + Send + 'static,
    {
        self.db_on(&self.db_slots, &self.pool, true, f).await
    }

    /// [`AppState::db`] for live ingest's token check, on its own slots and connections, and
    /// without reading the settings again first: that read waits while a fold holds the
    /// database, and the folder reads them before every fold anyway.
    pub(crate) async fn ingest_db<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, WebError> + Send + 'static,
    {
        self.db_on(&self.ingest_slots, &self.ingest_pool, false, move |db| {
            f(db)
        })
        .await
    }

    async fn db_on<T, F>(
        &self,
        slots: &Arc<Semaphore>,
        pool: &Arc<Mutex<Vec<Db>>>,
        refresh: bool,
        f: F,
    ) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, WebError> + Send + 'static,
    {
        let path = self.db_path.clone();
        let pool = pool.clone();
        let live = self.config.clone();
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            // The slot goes with the work, not the request: a request that timed out or
            // whose client left does not free it while its work still runs.
            let _slot = slot;
            let pooled = pool.lock().ok().and_then(|mut p| p.pop());
            let mut db = match pooled {
                Some(db) => db,
                None => Db::open(&path)?,
            };
            // Another process may have saved settings or recomputed since the last request.
            if refresh {
                live.refresh(&mut db)?;
            }
            let result = f(&mut db);
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
    /// A bad request, said in both languages.
    #[error("{0}")]
    Invalid(Said),
    /// Nothing there, said in both languages.
    #[error("{0}")]
    Missing(Said),
    #[error("{0}")]
    Forbidden(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// Too many heavy requests at once: try again in a moment.
    #[error(
        "服务器正忙，请稍后重试 / busy: too many heavy requests at once, retry in a few seconds"
    )]
    Busy,
    /// The request ran out of its time ([`WebSettings::request_timeout`]).
    #[error("处理超时，请缩小范围或稍后重试 / timeout: the request took too long and was stopped")]
    Timeout,
}

impl WebError {
    /// A bad request (400) in Chinese and English.
    pub fn invalid(zh: impl Into<String>, en: impl Into<String>) -> WebError {
        WebError::Invalid(Said::new(zh, en))
    }

    /// Nothing there (404), in Chinese and English.
    pub fn missing(zh: impl Into<String>, en: impl Into<String>) -> WebError {
        WebError::Missing(Said::new(zh, en))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) | WebError::Invalid(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound(_)
            | WebError::Missing(_)
            | WebError::Store(StoreError::UnknownStore(_)) => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Timeout => ops::TIMEOUT_STATUS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of the API.
    pub fn code(&self) -> ErrorCode {
        if matches!(self, WebError::Timeout) {
            return ErrorCode::Timeout;
        }
        match self.status() {
            StatusCode::BAD_REQUEST => ErrorCode::BadRequest,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Busy,
            _ => ErrorCode::Internal,
        }
    }

    /// What a page tells the user, in their language; internal details stay in the
    /// server's log.
    pub fn message(&self, lang: i18n::Lang) -> String {
        use i18n::Strings;
        match self {
            WebError::Store(e) if self.status() != StatusCode::INTERNAL_SERVER_ERROR => lang.msg(e),
            WebError::User(e) if self.status() != StatusCode::INTERNAL_SERVER_ERROR => lang.msg(e),
            WebError::Invalid(s) | WebError::Missing(s) => lang.msg(s),
            WebError::Forbidden(_) => lang.s(i18n::S::NotAllowed).to_string(),
            WebError::Busy => lang.s(i18n::S::Busy).to_string(),
            WebError::Timeout => lang.s(i18n::S::Timeout).to_string(),
            _ if self.status() == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error = %self, "internal error");
                lang.s(i18n::S::InternalError).to_string()
            }
            _ => self.to_string(),
        }
    }

    /// What the client is told: internal details stay in the server's log.
    pub fn public_message(&self) -> String {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "internal error");
            "internal error; see the server log".to_string()
        } else {
            self.to_string()
        }
    }
}

/// A JSON error body with a stable code.
pub fn json_error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code,
            message: message.to_string(),
        },
    };
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
        let mut res = json_error(self.0.status(), self.0.code(), &self.0.public_message());
        retry_after(&self.0, &mut res);
        res
    }
}

/// A busy answer says when to come back.
pub(crate) fn retry_after(e: &WebError, res: &mut Response) {
    if matches!(e, WebError::Busy) {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECS));
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    routes::all()
        .into_router()
        .fallback(dashboard::not_found)
        // (inner: runs after the session is resolved)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        // Inside the session's layer: the time-out page is in the user's language.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::time_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_session,
        ))
        .layer(axum::middleware::map_response(security_headers))
        // gzip when the client accepts it; small bodies, images and streams that are
        // already compressed (xlsx) are left as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn(ops::trace))
        .with_state(state)
}

/// No script, no external resource, no framing, no caching of personal figures. The live
/// monitor alone sets its own policy (our script from this origin and its event stream:
/// `live::LIVE_CSP`), which is kept.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
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
    web: WebSettings,
) -> Result<(), ServeError> {
    let grace = web.shutdown_grace;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(serve_with(db_path, addr, config, web));
    // Work left on blocking threads by requests that already ended (a client that left
    // during its import) gets one more grace period; an import cut then is rolled back.
    runtime.shutdown_timeout(grace);
    served
}

/// Serves the web application on `addr` until SIGTERM or Ctrl-C, then stops accepting
/// connections and waits for the requests in flight, at most
/// [`WebSettings::shutdown_grace`]. `config` is the base; the
/// per-store settings saved in the web app take its place for their stores. Figures computed
/// under other settings than those are recomputed first.
pub async fn serve(db_path: PathBuf, addr: SocketAddr, config: Config) -> Result<(), ServeError> {
    serve_with(db_path, addr, config, WebSettings::default()).await
}

/// [`serve`] with deployment settings (behind a reverse proxy: `docs/deployment.md`).
pub async fn serve_with(
    db_path: PathBuf,
    addr: SocketAddr,
    config: Config,
    web: WebSettings,
) -> Result<(), ServeError> {
    let state = AppState::new(db_path.clone(), config).with_web(web);
    let live = state.config.clone();
    tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
        let mut db = Db::open(&db_path)?;
        let config = live.refresh(&mut db)?;
        drop(db);
        // Live events a stopped server had accepted but not folded yet.
        let folded = live::fold_leftovers(&db_path, &config)?;
        if folded > 0 {
            tracing::info!(
                batches = folded,
                "folded the live events left by the last run"
            );
        }
        Ok(())
    })
    .await
    .map_err(|e| ServeError::Startup(e.to_string()))??;
    live::spawn_folder(&state);
    live::connect_alerts(&state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let grace = state.web.shutdown_grace;
    let app = router(state);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let mut stopped = stopped;
        // An error means the sender is gone, which happens only when serving ended anyway.
        let _ = stopped.wait_for(|s| *s).await;
    });
    let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
    tracing::info!(%addr, "listening");
    tokio::select! {
        served = &mut server => return Ok(served?),
        () = ops::shutdown_signal() => {}
    }
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: no new connections, waiting for the requests in flight"
    );
    // (Nobody else holds the receiver; it cannot be closed before the server ends.)
    let _ = stop.send(true);
    match tokio::time::timeout(grace, server).await {
        Ok(served) => served?,
        Err(_) => tracing::warn!("grace period over: the requests still running are dropped"),
    }
    tracing::info!("stopped");
    Ok(())
}
