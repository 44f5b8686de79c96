// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Helpers shared by the router tests of the import and admin pages: a database with the
//! sample store and users, requests with a session, and the CSRF token of a page.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kefu_core::settings::Config;
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use tower::ServiceExt;

pub const STORE: &str = "晨光旗舰店";
pub const PW: &str = "secret-password";

pub fn sample_files() -> Vec<PathBuf> {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Writes `files` (name, CSV text) into `folder` beside the database at `path` and imports
/// them into `store`.
pub fn import_files(path: &Path, store: &str, folder: &str, files: &[(&str, String)]) {
    let dir = path.parent().unwrap().join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::new();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
        paths.push(dir.join(name));
    }
    let config = Config::default();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(store.to_string());
    let out = kefu_import::read_files(&paths, &opts, &|_, _| {}).unwrap();
    Db::open(path).unwrap().import(out.batch, &config).unwrap();
}

/// `s` as one CSV field, quoted.
pub fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A database with the sample store (unless `empty`) and users admin, sup (supervisor of
/// STORE), lily (agent) and qa.
pub fn setup(empty: bool) -> (tempfile::TempDir, PathBuf, Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let config = Config::default();
    let mut db = Db::open(&path).unwrap();
    if !empty {
        let mut opts = kefu_import::ImportOptions::new(&config);
        opts.default_store = Some(STORE.to_string());
        let out = kefu_import::read_files(&sample_files(), &opts, &|_, _| {}).unwrap();
        db.import(out.batch, &config).unwrap();
    }
    db.create_user("admin", UserRole::Admin, PW).unwrap();
    let sup = db.create_user("sup", UserRole::Supervisor, PW).unwrap();
    db.create_user("lily", UserRole::Agent, PW).unwrap();
    db.create_user("qa", UserRole::Qa, PW).unwrap();
    if let Ok(store) = db.store(STORE) {
        db.assign_store(&sup, store.id).unwrap();
    }
    drop(db);
    (dir, path.clone(), router(AppState::new(path, config)))
}

pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn send(app: &Router, mut req: Request<Body>) -> Res {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 40000))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(app: &Router, uri: &str, sid: &str) -> Res {
    let req = Request::get(uri)
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// Logs in through the form; returns the session id and its CSRF token.
pub async fn login(app: &Router, name: &str) -> (String, String) {
    let page = send(app, Request::get("/login").body(Body::empty()).unwrap()).await;
    let token = csrf_of(&page.body);
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("kefu_login={token}"))
        .body(Body::from(format!(
            "name={name}&password={PW}&csrf={token}"
        )))
        .unwrap();
    let res = send(app, req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sid = res
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|v| v.strip_prefix("kefu_session="))
        .unwrap()[..64]
        .to_string();
    // A fresh database's start page sends managers on to set up their store.
    let home = get(app, "/", &sid).await;
    let page = match home.headers.get(header::LOCATION) {
        Some(to) => get(app, to.to_str().unwrap(), &sid).await,
        None => home,
    };
    let csrf = csrf_of(&page.body);
    (sid, csrf)
}

/// The id of a store's account by name (one the test's data has).
pub fn account_id(db: &Db, store_id: i64, name: &str) -> kefu_core::model::NameId {
    db.accounts(store_id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no account {name}"))
        .id
}

/// Posts a form with a session.
pub async fn post(app: &Router, uri: &str, sid: &str, form: &str) -> Res {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from(form.to_string()))
        .unwrap();
    send(app, req).await
}

/// Posts a `multipart/form-data` body (parts separated by `boundary`) with a session, its
/// length declared.
pub async fn post_multipart(
    app: &Router,
    uri: &str,
    sid: &str,
    boundary: &str,
    body: Vec<u8>,
) -> Res {
    let req = Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// Percent-encodes a form or query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    body[at..at + 64].to_string()
}

/// The cells of the `<tr>` whose first cell is `label` (link texts for linked cells).
pub fn row(body: &str, label: &str) -> Vec<String> {
    let start = body
        .find(&format!("<td>{label}</td>"))
        .unwrap_or_else(|| panic!("row {label}"));
    cells(&body[start..start + body[start..].find("</tr>").unwrap()])
}

/// The cells of a table row's markup (link texts for linked cells).
pub fn cells(tr: &str) -> Vec<String> {
    tr.split("<td")
        .skip(1)
        .map(|c| {
            let inner = &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()];
            match inner.find("\">") {
                Some(i) if inner.starts_with("<a ") => {
                    inner[i + 2..inner.find("</a>").unwrap()].to_string()
                }
                _ => inner.to_string(),
            }
        })
        .collect()
}

/// The `<title>label: value</title>` pairs of the SVG inside the element opened by `marker`.
pub fn chart_values(body: &str, marker: &str) -> Vec<(String, String)> {
    let start = body.find(marker).unwrap_or_else(|| panic!("{marker}"));
    let part = &body[start..start + body[start..].find("</svg>").unwrap()];
    part.split("<title>")
        .skip(2)
        .map(|t| {
            let t = &t[..t.find("</title>").unwrap()];
            let (l, v) = t.split_once(": ").unwrap();
            (l.to_string(), v.to_string())
        })
        .collect()
}
