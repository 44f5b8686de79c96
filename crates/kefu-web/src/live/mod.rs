//! Live service (issue 16): `POST /api/v1/events` takes a store's events as they happen
//! (authenticated by the store's ingest token), the folder folds them into the figures in
//! batches, and `/live` shows the store right now from `/live/stream` (server-sent events,
//! our own small script at `/live/live.js`).
//!
//! [`LiveHub`] is what the web state holds for it: the ingest connection to the live file,
//! the folder's wake-up and the "store N changed" channel ([`crate::AppState::store_changes`]):
//! a store's id is sent after every ingest commit (the monitor and alert rules may look now)
//! and after every fold that wrote to it (its figures changed).

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_app::live::Ingested;
use kefu_core::figures::{C, Counters};
use kefu_core::live::LiveSnapshot;
use kefu_core::time::{Day, HOUR_MS, Millis, format_time};
use kefu_store::live::LiveDb;
use kefu_store::{Db, StoreError, StoreInfo};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast};

use crate::access::{self, StoreScope};
use crate::api::ErrorCode;
use crate::auth::CurrentUser;
use crate::i18n::{self, S};
use crate::routes::Routes;
use crate::ui::frame::{error_page, frame};
use crate::ui::html::html;
use crate::{AppState, WebError, json_error};

/// The largest body `POST /api/v1/events` takes: 32 MiB (about 150,000 messages).
pub const INGEST_LIMIT: usize = 32 << 20;

/// How often the monitor's stream sends the store's state, at most (it also sends at once
/// after a change of the store).
pub const STREAM_EVERY: Duration = Duration::from_secs(1);

/// How often the stream reads today's figures again.
const FIGURES_EVERY: Duration = Duration::from_secs(10);

/// How long the folder waits for a wake-up before it looks at the queue anyway.
const FOLD_IDLE: Duration = Duration::from_millis(500);

/// The policy of the monitor page: our own script (from this origin) and its stream.
const LIVE_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
     style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

const SCRIPT: &str = include_str!("live.js");

/// The live service's part of the web state.
pub struct LiveHub {
    db_path: PathBuf,
    /// The connection ingests write through, one at a time (SQLite has one writer).
    writer: Mutex<Option<LiveDb>>,
    changes: broadcast::Sender<i64>,
    wake: Notify,
    /// Ingest tokens checked lately: Argon2 once a minute per token, not per batch.
    tokens: kefu_store::ingest::CheckedTokens,
}

impl LiveHub {
    pub(crate) fn new(db_path: PathBuf) -> LiveHub {
        LiveHub {
            db_path,
            writer: Mutex::new(None),
            changes: broadcast::channel(1024).0,
            wake: Notify::new(),
            tokens: kefu_store::ingest::CheckedTokens::default(),
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.changes.subscribe()
    }

    /// A token revoked here is trusted no more at once, even while the database is held.
    pub(crate) fn forget_token(&self, key: &str) {
        self.tokens.forget(key);
    }

    fn changed(&self, store: i64) {
        // No subscriber is not an error: nobody watches right now.
        let _ = self.changes.send(store);
    }
}

pub(crate) fn routes(r: Routes) -> Routes {
    r.post("/api/v1/events", INGEST_LIMIT, ingest)
        .get("/live", page)
        .get("/live/stream", stream)
        .get("/live/live.js", script)
}

/// Folds what a stopped server left in the queue, before serving.
pub fn fold_leftovers(
    db_path: &std::path::Path,
    config: &kefu_core::settings::Config,
) -> Result<u64, StoreError> {
    let mut db = Db::open(db_path)?;
    let mut live = LiveDb::open(db_path)?;
    Ok(kefu_app::live::fold_all(&mut db, &mut live, config)?.batches)
}

/// Starts the folder: it folds the queue into the database whenever an ingest wakes it (or
/// every half second), and says which stores changed.
pub fn spawn_folder(state: &AppState) -> tokio::task::JoinHandle<()> {
    let hub = state.live.clone();
    let config = state.config.clone();
    tokio::spawn(async move {
        let mut conns: Option<(Db, LiveDb)> = None;
        loop {
            let _ = tokio::time::timeout(FOLD_IDLE, hub.wake.notified()).await;
            let path = hub.db_path.clone();
            let live_config = config.clone();
            let taken = conns.take();
            let done = tokio::task::spawn_blocking(move || {
                let (mut db, mut live) = match taken {
                    Some(c) => c,
                    None => (Db::open(&path)?, LiveDb::open(&path)?),
                };
                let base = live_config.refresh(&mut db)?;
                let folded = kefu_app::live::fold(&mut db, &mut live, &base);
                Ok::<_, StoreError>((folded?, (db, live)))
            })
            .await;
            match done {
                Ok(Ok((folded, c))) => {
                    conns = Some(c);
                    for s in &folded.stores {
                        hub.changed(*s);
                    }
                    if folded.batches > 0 {
                        tracing::debug!(
                            batches = folded.batches,
                            added = folded.messages_added,
                            read_ms = folded.took.read.as_millis() as u64,
                            import_ms = folded.took.import.as_millis() as u64,
                            worklists_ms = folded.took.worklists.as_millis() as u64,
                            queue_ms = folded.took.queue.as_millis() as u64,
                            "folded live events"
                        );
                        // More may be waiting: look again at once.
                        hub.wake.notify_one();
                    }
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "folding live events failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "folding live events failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}

/// A connection to the live file, opened on first use and kept (the writer of ingests, the
/// alert source and each monitor stream hold one).
struct LazyLive {
    path: PathBuf,
    conn: Mutex<Option<LiveDb>>,
}

impl LazyLive {
    fn new(path: PathBuf) -> LazyLive {
        LazyLive {
            path,
            conn: Mutex::new(None),
        }
    }

    /// Runs `f` on the connection, opening it first if need be; `poisoned` is the error of a
    /// lock another thread panicked while holding.
    fn with<T, E: From<StoreError>>(
        &self,
        poisoned: impl Fn() -> E,
        f: impl FnOnce(&mut LiveDb) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.conn.lock().map_err(|_| poisoned())?;
        if guard.is_none() {
            *guard = Some(LiveDb::open(&self.path)?);
        }
        match guard.as_mut() {
            Some(live) => f(live),
            None => Err(poisoned()),
        }
    }
}

fn poisoned() -> WebError {
    WebError::Internal("live connection poisoned".into())
}

/// The alert runner's source of snapshots: the live file, read at the store's local "now".
struct LiveAlertSource {
    config: kefu_app::settings::LiveConfig,
    live: LazyLive,
    /// The stores as last read: while a fold holds the database (seconds) a judgement takes
    /// the store's name (its clock) from here rather than wait (issue 16).
    stores: Mutex<Vec<StoreInfo>>,
}

impl crate::alert_runner::SnapshotSource for LiveAlertSource {
    fn snapshot(&self, db: &Db, store_id: i64) -> Result<Option<LiveSnapshot>, WebError> {
        let known = |stores: &[StoreInfo]| stores.iter().find(|s| s.id == store_id).cloned();
        let found = match db.without_waiting(|db| db.stores())? {
            Ok(stores) => {
                let found = known(&stores);
                if let Ok(mut kept) = self.stores.lock() {
                    *kept = stores;
                }
                found
            }
            Err(e) if e.is_busy() => match self.stores.lock().ok().and_then(|s| known(&s)) {
                Some(store) => Some(store),
                None => known(&db.stores()?),
            },
            Err(e) => return Err(e.into()),
        };
        let Some(store) = found else {
            return Ok(None);
        };
        let now = kefu_app::worklists::now_local(self.config.store(&store.name).timezone);
        self.live.with(poisoned, |live| {
            // The runner acts for a store without a user: this source is the runner's.
            #[allow(clippy::disallowed_methods)]
            let store = access::RunnerStore::for_runner(store_id);
            Ok(Some(store.live_snapshot(live, now)?))
        })
    }
}

/// How often the alert runner looks again at every store it knows, changed or not: a buyer
/// who is waiting crosses a "waited > N s" threshold with no event at all, so time alone must
/// bring the judgement. A quarter second keeps the moment of crossing to the webhook well under
/// a second (docs/benchmark.md, "alert latency"); judging a store whose rules are all off is a
/// settings read, and coalescing keeps a slow store from piling up ticks.
pub const ALERT_TICK: Duration = Duration::from_millis(250);

/// Connects live ingest to the alert rules: the runner takes its snapshots from the live
/// file, every "store changed" notice (an ingest committed, a fold) asks it to judge that
/// store at once, and every [`ALERT_TICK`] it judges every store known (those in the database
/// when the server started and those that changed since), so waits cross their threshold
/// without an event. A lagging receiver skips to the newest notices: the runner judges the
/// store as it is now, so a missed notice loses nothing that a later one does not cover.
pub fn connect_alerts(state: &AppState) -> tokio::task::JoinHandle<()> {
    state.alerts.set_snapshot_source(Arc::new(LiveAlertSource {
        config: state.config.clone(),
        live: LazyLive::new(state.db_path.clone()),
        stores: Mutex::default(),
    }));
    let mut changes = state.store_changes();
    let alerts = state.alerts.clone();
    let db_path = state.db_path.clone();
    tokio::spawn(async move {
        // The stores already there (a buyer may have been waiting across a restart).
        let mut known: std::collections::BTreeSet<i64> =
            tokio::task::spawn_blocking(move || -> Result<Vec<i64>, StoreError> {
                Ok(Db::open(&db_path)?
                    .stores()?
                    .into_iter()
                    .map(|s| s.id)
                    .collect())
            })
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut tick = tokio::time::interval(ALERT_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                got = changes.recv() => match got {
                    Ok(store) => {
                        known.insert(store);
                        alerts.on_store_changed(store);
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    for store in &known {
                        alerts.on_store_changed(*store);
                    }
                }
            }
        }
    })
}

/// A refusal of the ingest endpoint, said in both languages.
fn refuse(status: StatusCode, code: ErrorCode, zh: &str, en: &str) -> Response {
    json_error(status, code, &format!("{zh} / {en}"))
}

/// One bad line of an ingest.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// 1-based line of the body.
    pub line: u64,
    /// The field at fault (canonical name), when one is.
    pub field: Option<String>,
    pub message: String,
    pub message_zh: String,
}

/// The answer of `POST /api/v1/events`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestAnswer {
    pub store: String,
    /// Lines that were not blank.
    pub lines: u64,
    /// Lines accepted and committed.
    pub accepted: u64,
    /// Messages among them.
    pub messages: u64,
    /// The bad lines (at most 1,000 are listed).
    pub errors: Vec<LineError>,
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// `POST /api/v1/events`: live events (JSON Lines, each line with its `kind`) of the store
/// whose ingest token is presented. Good lines are committed before the answer; bad lines
/// are listed with their line, field and reason in both languages.
#[utoipa::path(
    post,
    path = "/api/v1/events",
    summary = "Write live events (JSON Lines) to the token's store",
    description = "Body: JSON Lines, one event per line with its `kind` (message, order, refund, rating) and the fields of the canonical format (docs/formats.md, \"Live events\"), at most 32 MiB. Authenticated by the store's ingest token (`Authorization: Bearer kefu_ingest_…`), not a personal token. The accepted lines are committed before the answer; sending the same lines again changes nothing.",
    request_body(content = String, content_type = "application/x-ndjson"),
    responses(
        (status = 200, description = "the good lines were committed", body = IngestAnswer),
        (status = 400, description = "no line was accepted", body = IngestAnswer),
        (status = 401, response = crate::api::ErrorBody),
        (status = 413, response = crate::api::ErrorBody)
    ),
    security(("ingest" = []))
)]
pub async fn ingest(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadRequest,
            "请求体超过 32 MiB 上限：请分成较小的批次发送",
            "body over the 32 MiB limit: send smaller batches",
        )
    };
    // A declared length over the limit is refused before anything is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > INGEST_LIMIT as u64) {
        return too_large();
    }
    let Some(token) = bearer(&headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "缺少接入令牌：请在 Authorization: Bearer 中提供店铺的接入令牌",
            "missing ingest token: send the store's token as Authorization: Bearer",
        );
    };
    let hub = state.live.clone();
    let store = match state
        .ingest_db(move |db| Ok(db.ingest_token_store_checked(&token, Some(&hub.tokens))?))
        .await
    {
        Ok(Some(store)) => store,
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "接入令牌无效或已撤销",
                "the ingest token is not valid (revoked or mistyped)",
            );
        }
        Err(e) => return crate::ApiError(e).into_response(),
    };
    // Read only for a valid token, and never past the limit (a body without a length).
    let body = match axum::body::to_bytes(body, INGEST_LIMIT).await {
        Ok(b) => b,
        Err(e) if is_length_limit(&e) => return too_large(),
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "无法读取请求体",
                &format!("cannot read the body: {e}"),
            );
        }
    };
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "请求体须为 UTF-8 编码的 JSON Lines",
            "the body must be JSON Lines in UTF-8",
        );
    };
    let hub = state.live.clone();
    let config = state.config.current();
    let who = store.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<Ingested, StoreError> {
        let started = std::time::Instant::now();
        // Read before taking the one writer: a small batch waits only for others' commits.
        let read = kefu_app::live::read(&config, &who, &text);
        let read_at = started.elapsed();
        let mut writer = hub.writer.lock().map_err(|_| StoreError::LiveTail(-1))?;
        let locked_at = started.elapsed();
        if writer.is_none() {
            *writer = Some(LiveDb::open(&hub.db_path)?);
        }
        let Some(live) = writer.as_mut() else {
            return Err(StoreError::LiveTail(-1));
        };
        let received = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let result = kefu_app::live::commit(live, &config, &who, read, received);
        if result.is_err() {
            // A connection that failed is not reused.
            *writer = None;
        }
        tracing::debug!(
            store_id = who.id,
            read_ms = read_at.as_millis() as u64,
            writer_wait_ms = (locked_at - read_at).as_millis() as u64,
            commit_ms = (started.elapsed() - locked_at).as_millis() as u64,
            "ingested live events"
        );
        result
    })
    .await;
    let done = match done {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return crate::ApiError(WebError::Store(e)).into_response(),
        Err(e) => {
            return crate::ApiError(WebError::Internal(format!("ingest task: {e}")))
                .into_response();
        }
    };
    if done.batch.is_some() {
        state.live.changed(store.id);
        state.live.wake.notify_one();
    }
    answer(&store, done)
}

/// Whether reading a body failed on its length limit.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

fn answer(store: &StoreInfo, done: Ingested) -> Response {
    let status = if done.accepted == 0 && done.lines > 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = IngestAnswer {
        store: store.name.clone(),
        lines: done.lines,
        accepted: done.accepted,
        messages: done.messages,
        errors: done
            .errors
            .into_iter()
            .map(|e| LineError {
                line: e.line,
                field: e.field,
                message: e.reason.en,
                message_zh: e.reason.zh,
            })
            .collect(),
    };
    (status, axum::Json(body)).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct LiveQuery {
    pub store: Option<String>,
    pub lang: Option<String>,
}

/// `GET /live/live.js`: the monitor's script.
async fn script() -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(LIVE_CSP),
    );
    res
}

/// `GET /live`: the live monitor of a store.
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LiveQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let wanted = q.store.clone();
    let found = state
        .db(move |db| {
            let stores = access::allowed(db, &u, None)?;
            let store = access::chosen(&stores, wanted.as_deref())?;
            Ok((
                stores
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect::<Vec<_>>(),
                store.name().to_string(),
                store.whole(),
            ))
        })
        .await;
    let (stores, store, whole) = match found {
        Ok(f) => f,
        Err(e) => return error_page(lang, &user, e),
    };
    let lc = lang.code();
    let query =
        serde_urlencoded::to_string([("store", store.as_str()), ("lang", lc)]).unwrap_or_default();
    let stream = format!("/live/stream?{query}");
    let body = html! {
        @if stores.len() > 1 {
            form method="get" action="/live" {
                input type="hidden" name="lang" value=(lc);
                label { (lang.t("店铺", "Store")) " "
                    select name="store" {
                        @for s in &stores {
                            option value=(s) selected[*s == store] { (s) }
                        }
                    }
                }
                " " button type="submit" { (lang.t("查看", "Show")) }
            }
        }
        p.note {
            (lang.t("店铺", "Store")) "：" strong { (store) }
            @if !whole { " · " (lang.t("只显示您自己的账号", "showing your own accounts only")) }
            " · " span #live-status data-connecting=(lang.t("连接中…", "connecting…"))
                data-live=(lang.t("实时", "live")) data-lost=(lang.t("连接中断，正在重连…", "connection lost, reconnecting…")) {
                (lang.t("连接中…", "connecting…"))
            }
        }
        div #live data-stream=(stream) data-lang=(lc) {
            div.cards {
                div.card { div.name { (lang.t("排队买家", "Buyers waiting")) } div.value #queue { "—" } }
                div.card { div.name { (lang.t("最长等待", "Longest wait")) } div.value #longest { "—" } }
                div.card { div.name { (lang.t("在线客服（15 分钟内发过消息）", "Agents active (sent in the last 15 min)")) } div.value #active-count { "—" } }
                div.card { div.name { (lang.t("近 15 分钟慢响应", "Slow answers, last 15 min")) } div.value #slow-count { "—" } }
            }
            h2 { (lang.t("正在等待的买家", "Buyers waiting now")) }
            table #waiting {
                thead { tr {
                    th { (lang.t("客服账号", "Account")) }
                    th { (lang.t("买家", "Buyer")) }
                    th { (lang.t("首条未回消息", "First unanswered")) }
                    th.num { (lang.t("已等待（分:秒）", "Waiting (min:sec)")) }
                } }
                tbody {}
            }
            p #waiting-none hidden { (lang.t("现在没有买家在等待。", "Nobody is waiting now.")) }
            h2 { (lang.t("各账号排队", "Queue per account")) }
            table #accounts {
                thead { tr {
                    th { (lang.t("客服账号", "Account")) }
                    th.num { (lang.t("等待中", "Waiting")) }
                    th.num { (lang.t("最长等待（分:秒）", "Longest wait (min:sec)")) }
                    th { (lang.t("在线", "Active")) }
                } }
                tbody {}
            }
            h2 { (lang.t("近 15 分钟的慢响应", "Slow answers in the last 15 minutes")) }
            table #slow {
                thead { tr {
                    th { (lang.t("回复时间", "Answered at")) }
                    th { (lang.t("客服账号", "Account")) }
                    th { (lang.t("买家", "Buyer")) }
                    th.num { (lang.t("等待（分:秒）", "Wait (min:sec)")) }
                } }
                tbody {}
            }
            h2 { (lang.t("今日至今 vs 上周同日同一时刻", "Today so far vs the same hour last week")) }
            table #today {
                thead { tr {
                    th { "" }
                    th.num { (lang.t("今日至今", "Today so far")) }
                    th.num { (lang.t("上周同日同时", "Same hour last week")) }
                } }
                tbody {
                    tr { td { (lang.t("咨询人数", "Buyers consulting")) } td.num #consulted { "—" } td.num #consulted-lw { "—" } }
                    tr { td { (lang.t("买家消息", "Buyer messages")) } td.num #buyer-msgs { "—" } td.num #buyer-msgs-lw { "—" } }
                    tr { td { (lang.t("接待人数", "Receptions")) } td.num #receptions { "—" } td.num #receptions-lw { "—" } }
                    tr { td { (lang.t("未回复人数", "Unreplied")) } td.num #unreplied { "—" } td.num #unreplied-lw { "—" } }
                }
            }
            p.note { (lang.t(
                "咨询人数按小时计到当前整点为止，与上周同日同一时刻比较；其余各项为截至最近一次合并的当日全天数据，上周一栏为上周同日全天。",
                "Buyers consulting counts by hour up to the current hour and compares with the same hours of the same weekday last week; the other rows are today's figures as of the last fold, the last-week column that whole day."
            )) }
        }
        script src="/live/live.js" defer {}
    };
    let mut res = frame(lang, &user, StatusCode::OK, S::Live, "/live", body);
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(LIVE_CSP),
    );
    res
}

/// A waiting buyer as the stream sends it.
#[derive(Debug, Serialize)]
struct WaitingOut {
    account: String,
    buyer: String,
    since: String,
    wait_ms: i64,
}

#[derive(Debug, Serialize)]
struct AccountOut {
    account: String,
    waiting: usize,
    longest_ms: i64,
    active: bool,
}

#[derive(Debug, Serialize)]
struct SlowOut {
    account: String,
    buyer: String,
    answered_at: String,
    wait_ms: i64,
}

/// Today's figures so far and last week's at the same point.
#[derive(Debug, Clone, Default, Serialize)]
struct TodayOut {
    consulted: i64,
    consulted_last_week: i64,
    buyer_msgs: i64,
    buyer_msgs_last_week: i64,
    receptions: i64,
    receptions_last_week: i64,
    unreplied: i64,
    unreplied_last_week: i64,
}

/// One message of the stream.
#[derive(Debug, Serialize)]
struct Frame {
    now: String,
    queue: usize,
    waiting: Vec<WaitingOut>,
    accounts: Vec<AccountOut>,
    active: Vec<String>,
    slow: Vec<SlowOut>,
    today: Option<TodayOut>,
}

/// The clock time of a store-local instant (`HH:MM:SS`).
fn clock(t: Millis) -> String {
    format_time(t).get(11..19).unwrap_or("").to_string()
}

fn frame_of(snap: &LiveSnapshot, today: Option<TodayOut>) -> Frame {
    let recent = snap.now - 15 * 60_000;
    let mut accounts: Vec<AccountOut> = Vec::new();
    for w in &snap.waiting {
        let wait = snap.wait_ms(w);
        match accounts.iter_mut().find(|a| a.account == w.account) {
            Some(a) => {
                a.waiting += 1;
                a.longest_ms = a.longest_ms.max(wait);
            }
            None => accounts.push(AccountOut {
                account: w.account.clone(),
                waiting: 1,
                longest_ms: wait,
                active: false,
            }),
        }
    }
    for a in &snap.active_accounts {
        if !accounts.iter().any(|x| &x.account == a) {
            accounts.push(AccountOut {
                account: a.clone(),
                waiting: 0,
                longest_ms: 0,
                active: true,
            });
        }
    }
    for a in &mut accounts {
        a.active = snap.active_accounts.contains(&a.account);
    }
    accounts.sort_by(|a, b| {
        b.longest_ms
            .cmp(&a.longest_ms)
            .then_with(|| a.account.cmp(&b.account))
    });
    Frame {
        now: clock(snap.now),
        queue: snap.waiting.len(),
        waiting: snap
            .waiting
            .iter()
            .map(|w| WaitingOut {
                account: w.account.clone(),
                buyer: w.buyer.clone(),
                since: clock(w.since),
                wait_ms: snap.wait_ms(w),
            })
            .collect(),
        accounts,
        active: snap.active_accounts.clone(),
        slow: snap
            .slow_rounds
            .iter()
            .filter(|r| r.answered_at >= recent)
            .map(|r| SlowOut {
                account: r.account.clone(),
                buyer: r.buyer.clone(),
                answered_at: clock(r.answered_at),
                wait_ms: r.wait_ms,
            })
            .collect(),
        today,
    }
}

fn sum(rows: &[(kefu_core::model::NameId, Counters)]) -> Counters {
    let mut total = Counters::default();
    for (_, c) in rows {
        total += c;
    }
    total
}

/// Consulted buyers of the hours up to and including `hour`.
fn consulted_until(c: &Counters, hour: i64) -> i64 {
    C::ALL
        .iter()
        .filter_map(|k| {
            let h: i64 = k.column().strip_prefix("consulted_h")?.parse().ok()?;
            (h <= hour).then(|| c.get(*k))
        })
        .sum()
}

fn today_figures(db: &Db, scope: &StoreScope, now: Millis) -> Result<TodayOut, WebError> {
    let today = Day::of(now);
    let week_ago = today.offset(-7);
    let hour = (now - today.start()) / HOUR_MS;
    let read = |day: Day| -> Result<Counters, WebError> {
        match scope.store_totals(db, day, day) {
            Ok(Some(c)) if scope.whole() => Ok(c),
            Ok(_) => Ok(sum(&scope.counters_by_account(db, day, day)?)),
            Err(e) => Err(WebError::Internal(e.to_string())),
        }
    };
    let (t, w) = (read(today)?, read(week_ago)?);
    Ok(TodayOut {
        consulted: consulted_until(&t, hour),
        consulted_last_week: consulted_until(&w, hour),
        buyer_msgs: t.get(C::buyer_msgs),
        buyer_msgs_last_week: w.get(C::buyer_msgs),
        receptions: t.get(C::receptions),
        receptions_last_week: w.get(C::receptions),
        unreplied: t.get(C::unreplied),
        unreplied_last_week: w.get(C::unreplied),
    })
}

/// `GET /live/stream`: the store's state as server-sent events (`data: {json}`), every
/// second and at once after a change, until the client leaves.
async fn stream(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<LiveQuery>,
) -> Response {
    let u = user.session.user.clone();
    let wanted = q.store.clone();
    let base = state.config.clone();
    let opened = state
        .db(move |db| {
            let stores = access::allowed(db, &u, None)?;
            let scope = access::chosen(&stores, wanted.as_deref())?;
            let tz = base.store(scope.name()).timezone;
            let view = scope.live_view(db, tz)?;
            Ok((scope, view))
        })
        .await;
    let (scope, view) = match opened {
        Ok(v) => v,
        Err(e) => return crate::ApiError(e).into_response(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let mut changes = state.store_changes();
    let db_path = state.db_path.clone();
    tokio::spawn(async move {
        let live = Arc::new(LazyLive::new(db_path));
        let mut today: Option<TodayOut> = None;
        let mut figures_at: Option<tokio::time::Instant> = None;
        loop {
            let now = kefu_app::worklists::now_local(view.timezone);
            if figures_at.is_none_or(|t| t.elapsed() >= FIGURES_EVERY) {
                let (s, v) = (scope.clone(), now);
                if let Ok(t) = state.db(move |db| today_figures(db, &s, v)).await {
                    today = Some(t);
                }
                figures_at = Some(tokio::time::Instant::now());
            }
            let (l, v) = (live.clone(), view.clone());
            let snap = tokio::task::spawn_blocking(move || -> Result<LiveSnapshot, WebError> {
                l.with(poisoned, |conn| v.snapshot(conn, now))
            })
            .await;
            let data = match snap {
                Ok(Ok(snap)) => serde_json::to_string(&frame_of(&snap, today.clone()))
                    .unwrap_or_else(|_| "{}".into()),
                _ => "{\"error\":true}".to_string(),
            };
            let event = Bytes::from(format!("data: {data}\n\n"));
            if tx.send(event).await.is_err() {
                return; // the client left
            }
            // The next frame in a second, or at once when the store changes.
            let deadline = tokio::time::sleep(STREAM_EVERY);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    () = &mut deadline => break,
                    got = changes.recv() => match got {
                        Ok(id) if view.is_store(id) => break,
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                }
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Accel-Buffering", "no")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::live::{SlowRound, WaitingBuyer};

    #[test]
    fn a_frame_groups_the_waits_per_account_and_keeps_fifteen_minutes_of_slow_answers() {
        let now = 10 * HOUR_MS;
        let w = |account: &str, buyer: &str, ago: i64| WaitingBuyer {
            account: account.into(),
            buyer: buyer.into(),
            since: now - ago,
        };
        let snap = LiveSnapshot {
            now,
            waiting: vec![
                w("k1", "b1", 95_000),
                w("k2", "b2", 30_000),
                w("k1", "b3", 5_000),
            ],
            slow_rounds: vec![
                SlowRound {
                    account: "k1".into(),
                    buyer: "b9".into(),
                    answered_at: now - 16 * 60_000,
                    wait_ms: 200_000,
                },
                SlowRound {
                    account: "k2".into(),
                    buyer: "b8".into(),
                    answered_at: now - 60_000,
                    wait_ms: 130_000,
                },
            ],
            ratings: vec![],
            active_accounts: vec!["k2".into(), "k3".into()],
        };
        let f = frame_of(&snap, None);
        assert_eq!(f.queue, 3);
        assert_eq!(f.now, "10:00:00");
        assert_eq!(f.waiting[0].since, "09:58:25");
        let per: Vec<(&str, usize, i64, bool)> = f
            .accounts
            .iter()
            .map(|a| (a.account.as_str(), a.waiting, a.longest_ms, a.active))
            .collect();
        assert_eq!(
            per,
            vec![
                ("k1", 2, 95_000, false),
                ("k2", 1, 30_000, true),
                ("k3", 0, 0, true)
            ]
        );
        assert_eq!(f.slow.len(), 1);
        assert_eq!(f.slow[0].buyer, "b8");
    }

    #[test]
    fn consulted_so_far_counts_the_hours_up_to_now() {
        let mut c = Counters::default();
        for (h, n) in [(0, 1), (9, 2), (10, 3), (11, 4)] {
            let k = C::ALL
                .iter()
                .find(|k| k.column() == format!("consulted_h{h:02}"))
                .copied()
                .unwrap();
            c.0[k as usize] = n;
        }
        assert_eq!(consulted_until(&c, 10), 6);
        assert_eq!(consulted_until(&c, 23), 10);
    }
}
