//! The import page: upload files, import them in one transaction, show the import report.
//!
//! - `GET /import`: the form (files, store, "skip bad rows", the kind of the files —
//!   recognised from the header by default, or chosen: the file kinds including a pasted chat
//!   (`transcript`, with its agent accounts as `--agent` gives them) and the platform
//!   reports —, a report period, the session's CSRF token).
//! - `POST /import`: multipart; at most [`MAX_FILES`] files and [`UPLOAD_LIMIT`] bytes in
//!   all. Files are streamed chunk by chunk into a temporary directory, never held whole in
//!   memory, then read one at a time (`kefu_import::read_one`) into one import session:
//!   either every file is imported or nothing is.
//! - `GET /import/rejects/{token}`: the rejected rows of a `skip bad` import as CSV, for
//!   the user who imported, for [`REJECTS_TTL`].
//!
//! Admins import into any store; supervisors only into their stores (every store a file
//! names is checked before it is written); others get 403.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::platform::Platform;
use kefu_core::time::Day;
use kefu_import::{FileKind, FileReport, ImportKind, ImportOptions, PlatformKind, ReportOptions};
use kefu_store::{Db, ImportSummary, User};
use tokio::io::AsyncWriteExt;

use crate::access::{self, ImportScope};
use crate::auth::{CurrentUser, LangQuery, same_token};
use crate::i18n::{self, Lang, S, Strings};
use crate::routes::Routes;
use crate::ui::frame::{error_page, frame};
use crate::ui::html::{Markup, html};
use crate::{AppState, WebError};
use kefu_app::import::{ImportFailure, Imported, import_files_with};

pub(crate) mod guide;

/// The largest upload, all files together.
pub const UPLOAD_LIMIT: usize = 200 * 1024 * 1024;
/// The most files of one upload.
pub const MAX_FILES: usize = 20;
/// Rejected rows listed on the report page (all are in the CSV).
pub const SHOWN_REJECTS: usize = 50;
/// How long a rejects file is kept.
pub const REJECTS_TTL: Duration = Duration::from_secs(3600);
/// Rejects files kept at most (the oldest go first).
const MAX_KEPT: usize = 32;
/// The largest value of a text field of the form.
const TEXT_FIELD_LIMIT: usize = 1024;

/// The rejects files of recent imports.
#[derive(Default)]
pub struct Rejects {
    kept: Mutex<Vec<Kept>>,
}

struct Kept {
    token: String,
    user_id: i64,
    at: Instant,
    path: PathBuf,
    /// Removed with the entry.
    _dir: tempfile::TempDir,
}

impl Rejects {
    fn keep(&self, user: &User, dir: tempfile::TempDir, path: PathBuf) -> String {
        let token = kefu_store::random_token();
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|k| k.at.elapsed() < REJECTS_TTL);
            if kept.len() >= MAX_KEPT {
                kept.remove(0);
            }
            kept.push(Kept {
                token: token.clone(),
                user_id: user.id,
                at: Instant::now(),
                path,
                _dir: dir,
            });
        }
        token
    }

    /// The file of `token` if `user` made it and it has not expired.
    fn find(&self, user: &User, token: &str) -> Option<PathBuf> {
        let kept = self.kept.lock().ok()?;
        kept.iter()
            .find(|k| {
                same_token(&k.token, token) && k.user_id == user.id && k.at.elapsed() < REJECTS_TTL
            })
            .map(|k| k.path.clone())
    }
}

/// The upload form; `chosen` fills in the store (the setup page's next step).
pub(crate) fn upload_form(
    lang: Lang,
    user: &CurrentUser,
    stores: &[String],
    chosen: Option<&str>,
) -> Markup {
    html! {
        // The token rides in the address: the CSRF guard does not read an upload's body.
        form method="post" action={ "/import?lang=" (lang.code()) "&csrf=" (user.session.csrf) }
            enctype="multipart/form-data" class="filters" {
            label { (lang.s(S::ImportFiles)) br; input type="file" name="files" multiple required; }
            label { (lang.s(S::ImportStore)) br; input name="store" list="stores" maxlength="64" value=[chosen]; }
            datalist id="stores" {
                @for s in stores { option value=(s); }
            }
            label { input type="checkbox" name="skip_bad" value="1"; " " (lang.s(S::SkipBad)) }
            (kind_fields(lang))
            // Platform KPI reports that do not state their own period (拼多多 客服绩效) take it
            // from here, as `kefu import --from --to` gives it.
            fieldset {
                legend { (lang.t("平台报表的周期（报表本身未注明日期时）", "Period of platform reports (when the report states none)")) }
                p { (lang.t("复制的聊天记录中只有时间、没有日期的消息，日期取开始日期。", "In a pasted chat, messages with a time but no date are given the first day.")) }
                label { (lang.s(S::From)) br; input type="date" name="from"; }
                label { (lang.s(S::To)) br; input type="date" name="to"; }
                label {
                    (lang.t("生意参谋/千牛报表属于", "生意参谋/千牛 reports are of")) br;
                    select name="platform" {
                        option value="" { (lang.t("淘宝", "Taobao")) }
                        option value="tmall" { (lang.t("天猫", "Tmall")) }
                    }
                }
            }
            button type="submit" { (lang.s(S::ImportButton)) }
        }
        p { (lang.s(S::ImportLimits)) }
        (guide::guide(lang))
    }
}

/// The kind of the uploaded files (recognised from each header unless chosen) and, for pasted
/// chats, the agent accounts.
fn kind_fields(lang: Lang) -> Markup {
    let zh = lang == Lang::Zh;
    html! {
        fieldset {
            legend { (lang.t("文件类型", "Kind of the files")) }
            label {
                (lang.t("类型（用于本次上传的所有文件）", "Kind (of every file of this upload)")) br;
                select name="kind" {
                    option value="" selected { (lang.t("自动识别（按表头）", "Recognised from the header")) }
                    optgroup label=(lang.t("文件", "Files")) {
                        @for k in FileKind::ALL {
                            option value=(k.as_str()) { (k.name(zh)) }
                        }
                    }
                    optgroup label=(lang.t("平台报表", "Platform reports")) {
                        @for k in PlatformKind::ALL {
                            option value=(k.as_str()) { (if zh { k.zh() } else { k.en() }) }
                        }
                    }
                }
            }
            label {
                (lang.t("客服账号（复制的聊天记录，逗号分隔；留空则按名字识别）", "Agent accounts (pasted chats, comma-separated; empty: told by their names)")) br;
                input name="agent" maxlength="1000" placeholder="晨光旗舰店:小美, 晨光旗舰店:阿强";
            }
            p { (lang.t("从聊天窗口复制的聊天记录（.txt）只在选择“复制的聊天记录”时导入。", "A chat pasted from a chat window (.txt) is imported only with the kind “pasted chat”.")) }
        }
    }
}

/// `GET /import`
pub async fn import_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let scope = state
        .db(move |db| {
            Ok(match access::import_scope(db, &u)? {
                ImportScope::Any => db.stores()?.into_iter().map(|s| s.name).collect(),
                ImportScope::Stores(names) => names,
            })
        })
        .await;
    match scope {
        Ok(stores) => frame(
            lang,
            &user,
            StatusCode::OK,
            S::ImportPage,
            "/import",
            upload_form(lang, &user, &stores, None),
        ),
        Err(e) => error_page(lang, &user, e),
    }
}

/// Why an upload was not imported.
enum Failure {
    Web(WebError),
    /// A page string, with a status.
    Said(StatusCode, S),
    /// The import refused the data (nothing written): the message, and whether skipping bad
    /// rows could have helped.
    Data(String, bool),
    /// A supervisor's file names another store.
    NotYourStore(String),
}

impl From<WebError> for Failure {
    fn from(e: WebError) -> Self {
        Failure::Web(e)
    }
}

impl From<kefu_store::StoreError> for Failure {
    fn from(e: kefu_store::StoreError) -> Self {
        Failure::Web(e.into())
    }
}

impl From<kefu_store::UserError> for Failure {
    fn from(e: kefu_store::UserError) -> Self {
        Failure::Web(e.into())
    }
}

fn multipart_failure(e: MultipartError) -> Failure {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::Said(StatusCode::PAYLOAD_TOO_LARGE, S::UploadTooLarge)
    } else {
        Failure::Said(StatusCode::BAD_REQUEST, S::BadUpload)
    }
}

fn io_failure(e: std::io::Error) -> Failure {
    Failure::Web(WebError::Internal(format!("upload: {e}")))
}

/// A text field's value, at most [`TEXT_FIELD_LIMIT`] bytes.
async fn small_text(field: &mut Field<'_>) -> Result<String, Failure> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_failure)? {
        if out.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(Failure::Said(StatusCode::BAD_REQUEST, S::BadUpload));
        }
        out.extend_from_slice(&chunk);
    }
    String::from_utf8(out).map_err(|_| Failure::Said(StatusCode::BAD_REQUEST, S::BadUpload))
}

/// The name a file is shown under: its last path component, without control characters,
/// at most 100 characters.
fn shown_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    if clean.trim().is_empty() {
        "upload".to_string()
    } else {
        clean
    }
}

/// The extension the reader needs to tell a workbook or JSON Lines from CSV.
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext))
            if !ext.is_empty()
                && ext.len() <= 8
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!(".{}", ext.to_ascii_lowercase())
        }
        _ => String::new(),
    }
}

struct Upload {
    dir: tempfile::TempDir,
    /// (shown name, path in `dir`)
    files: Vec<(String, PathBuf)>,
    store: String,
    skip_bad: bool,
    /// The period of platform reports that state none, as typed (`from`, `to`).
    from: String,
    to: String,
    /// `tmall` for 生意参谋/千牛 reports of a Tmall store.
    platform: String,
    /// The kind of every file, as `--kind` names it; empty: recognised from each header.
    kind: String,
    /// A pasted chat's agent accounts, comma-separated, as `--agent` takes them.
    agents: String,
}

/// Streams the form's files to a temporary directory. Nothing is written before the CSRF
/// token (the form's first field, or the `X-CSRF-Token` header) is checked.
async fn receive(_user: &CurrentUser, mut mp: Multipart) -> Result<Upload, Failure> {
    let dir = tempfile::tempdir().map_err(io_failure)?;
    let mut up = Upload {
        dir,
        files: Vec::new(),
        store: String::new(),
        skip_bad: false,
        from: String::new(),
        to: String::new(),
        platform: String::new(),
        kind: String::new(),
        agents: String::new(),
    };
    while let Some(mut field) = mp.next_field().await.map_err(multipart_failure)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "store" => up.store = small_text(&mut field).await?.trim().to_string(),
            "skip_bad" => up.skip_bad = !small_text(&mut field).await?.is_empty(),
            "from" => up.from = small_text(&mut field).await?.trim().to_string(),
            "to" => up.to = small_text(&mut field).await?.trim().to_string(),
            "platform" => up.platform = small_text(&mut field).await?.trim().to_string(),
            "kind" => up.kind = small_text(&mut field).await?.trim().to_string(),
            "agent" => up.agents = small_text(&mut field).await?,
            "files" => {
                let shown = shown_name(field.file_name().unwrap_or(""));
                if field.file_name().is_none_or(str::is_empty) {
                    // no file chosen: browsers send an empty part
                    while field.chunk().await.map_err(multipart_failure)?.is_some() {}
                    continue;
                }
                if up.files.len() == MAX_FILES {
                    return Err(Failure::Said(StatusCode::BAD_REQUEST, S::TooManyFiles));
                }
                let path =
                    up.dir
                        .path()
                        .join(format!("{:02}{}", up.files.len(), extension(&shown)));
                let mut out = tokio::fs::File::create(&path).await.map_err(io_failure)?;
                while let Some(chunk) = field.chunk().await.map_err(multipart_failure)? {
                    out.write_all(&chunk).await.map_err(io_failure)?;
                }
                out.flush().await.map_err(io_failure)?;
                up.files.push((shown, path));
            }
            _ => while field.chunk().await.map_err(multipart_failure)?.is_some() {},
        }
    }
    if up.files.is_empty() {
        return Err(Failure::Said(StatusCode::BAD_REQUEST, S::NoFiles));
    }
    Ok(up)
}

struct Done {
    files: Vec<FileReport>,
    summary: ImportSummary,
}

/// The kind the form names, if any: a kind of file or of platform report.
fn chosen_kind(up: &Upload) -> Result<Option<ImportKind>, Failure> {
    match up.kind.as_str() {
        "" => Ok(None),
        k => k.parse::<ImportKind>().map(Some).map_err(|_| {
            Failure::Web(WebError::invalid(
                "未知的文件类型",
                "not a kind of file kefu knows",
            ))
        }),
    }
}

/// The agent accounts typed for a pasted chat: comma-separated (`，` too), trimmed, empty
/// ones dropped.
fn agent_accounts(typed: &str) -> Vec<String> {
    typed
        .split([',', '，'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// What the form says about platform reports: their kind when chosen, their period (both
/// days or neither, the first not after the last) and whether 生意参谋/千牛 reports are a
/// Tmall store's.
fn report_options(up: &Upload) -> Result<ReportOptions, Failure> {
    let refused = |zh: &str, en: &str| Failure::Web(WebError::invalid(zh, en));
    let day = Day::parse;
    let period = match (up.from.as_str(), up.to.as_str()) {
        ("", "") => None,
        (f, t) => match (day(f), day(t)) {
            (Some(f), Some(t)) if f <= t => Some((f, t)),
            (Some(_), Some(_)) => {
                return Err(refused(
                    "报表周期的开始日期晚于结束日期",
                    "the report period starts after it ends",
                ));
            }
            _ => {
                return Err(refused(
                    "报表周期需要开始和结束两个日期（如 2026-11-01）",
                    "a report period needs both a first and a last day (such as 2026-11-01)",
                ));
            }
        },
    };
    let platform = match up.platform.as_str() {
        "" => None,
        "tmall" => Some(Platform::Tmall),
        _ => return Err(refused("未知的平台", "not a known platform")),
    };
    let kind = match chosen_kind(up)? {
        Some(ImportKind::Report(k)) => Some(k),
        _ => None,
    };
    Ok(ReportOptions {
        kind,
        period,
        platform,
    })
}

/// Reads the uploaded files one at a time into one import session (all or nothing).
fn run_import(
    db_path: &Path,
    config: &kefu_core::settings::Config,
    user: &User,
    up: &Upload,
    lang: Lang,
    alerts: &crate::alert_runner::AlertRunner,
) -> Result<Done, Failure> {
    let mut db = Db::open(db_path)?;
    let scope = access::import_scope(&db, user)?;
    let default_store = match (&scope, up.store.is_empty()) {
        (_, false) => Some(up.store.chars().take(64).collect()),
        (ImportScope::Stores(mine), true) if mine.len() == 1 => Some(mine[0].clone()),
        _ => None,
    };
    let reports = report_options(up)?;
    let kind = match chosen_kind(up)? {
        Some(ImportKind::File(k)) => Some(k),
        _ => None,
    };
    let opts = ImportOptions {
        default_store,
        encoding: None,
        config,
        skip_bad: up.skip_bad,
        kind,
        agents: agent_accounts(&up.agents),
        // As `kefu import --from`: the day of a pasted chat's times without a date.
        day: reports.period.map(|(from, _)| from),
        spares: None,
    };
    let paths: Vec<PathBuf> = up.files.iter().map(|(_, path)| path.clone()).collect();
    // Messages name the uploaded file as the user named it, not the temporary copy.
    let shown = |mut msg: String| {
        for (name, path) in &up.files {
            msg = msg.replace(&path.display().to_string(), name);
        }
        msg
    };
    let allows = |s: &str| scope.allows(s);
    let imported = import_files_with(&mut db, &paths, &opts, &reports, &allows, &|_| {});
    let Imported {
        files: mut reports,
        summary,
        ..
    } = imported.map_err(|e| match e {
        ImportFailure::NotYourStore(other) => Failure::NotYourStore(other),
        ImportFailure::Read(e) => {
            let bad_rows = matches!(e, kefu_import::ImportError::BadRows { .. });
            Failure::Data(shown(lang.msg(&e)), bad_rows)
        }
        // Saved rules that no longer parse stop the import (the rule hits are committed with
        // the messages or not at all): the user is told which version to fix.
        ImportFailure::Store(e @ kefu_store::StoreError::SavedRules { .. }) => {
            Failure::Data(lang.msg(&e), false)
        }
        ImportFailure::Store(e) => e.into(),
    })?;
    for (report, (name, _)) in reports.iter_mut().zip(&up.files) {
        report.path = PathBuf::from(name);
    }
    let files = reports;
    let described: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "{} ({}, {} rows, {} rejected)",
                f.path.display(),
                f.kind.map_or("-", |k| k.as_str()),
                f.rows,
                f.rejected.len()
            )
        })
        .collect();
    let detail = format!(
        "files: {}; messages added {}, duplicates {}, orders {}, refunds {}, ratings {}, roster {}",
        described.join(", "),
        summary.messages_added,
        summary.messages_duplicate,
        summary.orders,
        summary.refunds,
        summary.ratings_added,
        summary.agents,
    );
    db.audit(Some(user), "import", &detail)?;
    // The stores written to are judged by their alert rules, off this request.
    // (allowed: the stores this import has just written to)
    #[allow(clippy::disallowed_methods)]
    let written = access::RunnerStore::of_names(&db, &summary.stores);
    match written {
        Ok(stores) => stores.iter().for_each(|s| alerts.on_store_changed(s.id())),
        Err(e) => tracing::warn!(error = %e, "stores of an import not found for alerts"),
    }
    Ok(Done { files, summary })
}

/// `POST /import`
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    if let Err(e) = state.db(move |db| access::import_scope(db, &u)).await {
        return error_page(lang, &user, e);
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let outcome = match (declared, mp) {
        (Some(n), _) if n > UPLOAD_LIMIT as u64 => Err(Failure::Said(
            StatusCode::PAYLOAD_TOO_LARGE,
            S::UploadTooLarge,
        )),
        (_, Err(_)) => Err(Failure::Said(StatusCode::BAD_REQUEST, S::BadUpload)),
        (_, Ok(mp)) => match receive(&user, mp).await {
            Err(f) => Err(f),
            Ok(up) => {
                let (path, config, u, alerts) = (
                    state.db_path.clone(),
                    state.config.current(),
                    user.session.user.clone(),
                    state.alerts.clone(),
                );
                let Ok(_slot) = state.db_slots.acquire().await else {
                    return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
                };
                tokio::task::spawn_blocking(move || {
                    let done = run_import(&path, &config, &u, &up, lang, &alerts);
                    (done, up)
                })
                .await
                .map_err(|e| Failure::Web(WebError::Internal(format!("import task: {e}"))))
                .and_then(|(done, up)| done.map(|d| (d, up)))
            }
        },
    };
    match outcome {
        Ok((done, up)) => report_page(&state, lang, &user, done, up),
        Err(f) => failure_page(lang, &user, f),
    }
}

fn failure_page(lang: Lang, user: &CurrentUser, f: Failure) -> Response {
    let (status, said) = match f {
        Failure::Web(e) => return error_page(lang, user, e),
        Failure::Said(status, s) => (status, html! { p.error { (lang.s(s)) } }),
        Failure::Data(msg, bad_rows) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                pre.error { (msg) }
                p.error {
                    (lang.s(if bad_rows {
                        S::NothingImported
                    } else {
                        S::NothingImportedPlain
                    }))
                }
            },
        ),
        Failure::NotYourStore(store) => (
            StatusCode::FORBIDDEN,
            html! { p.error { (lang.s(S::NotYourStore)) (store) } },
        ),
    };
    let body = html! {
        (said)
        p { a href={ "/import?lang=" (lang.code()) } { (lang.s(S::ImportPage)) } }
    };
    frame(lang, user, status, S::ImportFailed, "/import", body)
}

fn report_page(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    done: Done,
    up: Upload,
) -> Response {
    let t = |s| lang.s(s);
    let s = &done.summary;
    let counts = [
        (S::NewMessages, s.messages_added),
        (S::DuplicatesSkipped, s.messages_duplicate),
        (S::Orders, s.orders),
        (S::Refunds, s.refunds),
        (S::RatingsAdded, s.ratings_added),
        (S::RatingDuplicates, s.ratings_duplicate),
        (S::RosterRows, s.agents),
        (S::DaysRecomputed, s.days_recomputed),
    ];
    let days = s.rules_days;
    let warnings: Vec<String> = done
        .files
        .iter()
        .flat_map(|f| {
            f.warnings
                .iter()
                .map(move |w| format!("{}: {}", f.path.display(), lang.msg(w)))
        })
        .chain(kefu_report::refund_warning_lines(
            &s.refund_warnings,
            lang,
            50,
        ))
        .collect();
    let rejected: usize = done.files.iter().map(|f| f.rejected.len()).sum();
    let rows = done
        .files
        .iter()
        .flat_map(|f| f.rejected.iter().map(move |r| (f, r)))
        .take(SHOWN_REJECTS);
    // The rejects file is kept (with the upload's directory) before the page links to it.
    let token = if rejected > 0 {
        let path = up.dir.path().join("rejects.csv");
        match kefu_import::write_rejects(&done.files, &path) {
            Ok(()) => Some(state.rejects.keep(&user.session.user, up.dir, path)),
            Err(e) => {
                tracing::error!(error = %e, "writing rejects");
                None
            }
        }
    } else {
        None
    };
    let body = html! {
        div.wrap {
            table {
                thead {
                    tr {
                        @for s in [S::File, S::Kind, S::Encoding, S::RowsRead, S::Accepted, S::Rejected] {
                            th { (t(s)) }
                        }
                    }
                }
                tbody {
                    @for f in &done.files {
                        tr {
                            td { (f.path.display()) }
                            td { (f.kind.map_or("-", |k| k.as_str())) }
                            td { (f.encoding) }
                            td { (f.rows) }
                            td { (f.accepted) }
                            td { (f.rejected.len()) }
                        }
                    }
                }
            }
        }
        table.facts {
            tbody {
                @for (label, n) in counts {
                    tr { th { (t(label)) } td { (n) } }
                }
            }
        }
        @if days > 0 {
            p.rules-rerun { (t(S::RulesRerunOver)) " " (days) " " (t(S::RulesRerunDays)) }
        }
        @if !warnings.is_empty() {
            h2 { (t(S::Warnings)) }
            ul {
                @for w in &warnings { li { (w) } }
            }
        }
        @if rejected > 0 {
            h2 { (t(S::FirstRejected)) " (" (rejected) ")" }
            div.wrap {
                table {
                    thead {
                        tr {
                            @for s in [S::File, S::Line, S::Column, S::Value, S::Reason] {
                                th { (t(s)) }
                            }
                        }
                    }
                    tbody {
                        @for (f, r) in rows {
                            tr {
                                td { (f.path.display()) }
                                td { (r.line) }
                                td { (r.column.as_deref().unwrap_or("")) }
                                td { (r.value.as_deref().unwrap_or("").chars().take(80).collect::<String>()) }
                                td.text { (r.reason_in(lang == Lang::Zh)) }
                            }
                        }
                    }
                }
            }
            @if let Some(token) = &token {
                p { a href={ "/import/rejects/" (token) } { (t(S::DownloadRejects)) } }
            }
        }
        p { a href={ "/import?lang=" (lang.code()) } { (t(S::ImportAgain)) } }
    };
    frame(lang, user, StatusCode::OK, S::ImportReport, "/import", body)
}

/// `GET /import/rejects/{token}`
pub async fn rejects(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    UrlPath(token): UrlPath<String>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let gone = || {
        let body = html! { p.error { (lang.s(S::RejectsGone)) } };
        frame(
            lang,
            &user,
            StatusCode::NOT_FOUND,
            S::NotFound,
            "/import",
            body,
        )
    };
    let Some(path) = state.rejects.find(&user.session.user, &token) else {
        return gone();
    };
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return gone();
    };
    let mut res = Body::from(bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"rejects.csv\""),
    );
    res
}

/// The import page, its upload and the rejected rows of an upload.
pub(crate) fn routes(r: Routes) -> Routes {
    r.page_and_form("/import", UPLOAD_LIMIT, import_page, upload)
        .get("/import/rejects/{token}", rejects)
        .get("/import/template", guide::template)
}
