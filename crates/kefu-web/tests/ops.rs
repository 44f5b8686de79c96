//! Operations: every answer carries its request id, bodies are gzipped when the client
//! accepts it, a request past its time limit is answered in the user's language, and the
//! libraries' errors reach pages in the user's language.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kefu_core::settings::Config;
use kefu_web::{AppState, WebSettings, router};
use serde_json::Value;
use support::{STORE, enc, get, login, send};

const RANGE: &str = "from=2026-11-10&to=2026-11-12";

#[tokio::test]
async fn every_answer_carries_a_request_id_its_own_or_the_clients_plain_one() {
    let (_dir, _path, app) = support::setup(true);
    let ask = |id: Option<&'static str>| {
        let app = app.clone();
        async move {
            let mut req = Request::get("/login");
            if let Some(id) = id {
                req = req.header("x-request-id", id);
            }
            send(&app, req.body(Body::empty()).unwrap()).await
        }
    };
    let id = |res: &support::Res| {
        res.headers
            .get("x-request-id")
            .expect("a request id")
            .to_str()
            .unwrap()
            .to_string()
    };
    let a = id(&ask(None).await);
    let b = id(&ask(None).await);
    assert_eq!(a.len(), 16);
    assert_ne!(a, b, "each request its own id");
    assert_eq!(id(&ask(Some("proxy-42.a:b_c")).await), "proxy-42.a:b_c");
    // An id that could forge log lines is replaced.
    let forged = id(&ask(Some("x\" level=error")).await);
    assert_eq!(forged.len(), 16);
    assert!(forged.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test]
async fn bodies_are_compressed_as_the_client_accepts() {
    let (_dir, _path, app) = support::setup(false);
    let (sid, _) = login(&app, "admin").await;
    let ranking = format!("/ranking?store={}&{RANGE}", enc(STORE));
    let fetch = |encoding: Option<&'static str>| {
        let (app, sid, uri) = (app.clone(), sid.clone(), ranking.clone());
        async move {
            let mut req = Request::get(uri).header(header::COOKIE, format!("kefu_session={sid}"));
            if let Some(e) = encoding {
                req = req.header(header::ACCEPT_ENCODING, e);
            }
            send(&app, req.body(Body::empty()).unwrap()).await
        }
    };
    let plain = fetch(None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.body.contains("</html>"));
    for (accepted, used) in [
        ("gzip", "gzip"),
        ("gzip, br", "gzip"),
        ("br;q=1, gzip;q=0.5", "gzip"),
    ] {
        let res = fetch(Some(accepted)).await;
        assert_eq!(res.status, StatusCode::OK, "{accepted}");
        assert_eq!(
            res.headers.get(header::CONTENT_ENCODING).unwrap(),
            used,
            "{accepted}"
        );
        assert!(!res.body.contains("</html>"), "{accepted}: not plain HTML");
        // The security headers survive compression.
        assert!(res.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    }
    // Brotli alone is not offered: the page goes plain.
    let br = fetch(Some("br")).await;
    assert!(br.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(br.body.contains("</html>"));
}

#[tokio::test]
async fn a_request_past_its_time_limit_is_told_so_in_the_users_language() {
    let (_dir, path, _) = support::setup(false);
    // Heavy requests wait an hour for their slot: only the time limit can end them.
    let base =
        AppState::new(path, Config::default()).with_heavy_limit(1, Duration::from_secs(3600));
    let app = router(base.clone());
    let (sid, _) = login(&app, "admin").await;
    let limited = router(base.clone().with_web(WebSettings {
        request_timeout: Duration::from_millis(50),
        ..WebSettings::default()
    }));
    let _hold = base.hold_heavy_slot().expect("the one slot");
    let list = format!("/list?store={}&figure=consulted&{RANGE}", enc(STORE));

    let zh = get(&limited, &list, &sid).await;
    assert_eq!(zh.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(zh.body.contains("处理时间过长"), "{}", zh.body);
    assert!(zh.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    let en = get(&limited, &format!("{list}&lang=en"), &sid).await;
    assert!(en.body.contains("took too long"), "{}", en.body);

    let api = get(
        &limited,
        &format!("/api/v1/list?store={}&figure=consulted&{RANGE}", enc(STORE)),
        &sid,
    )
    .await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    let v: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["error"]["code"], "timeout");

    // Light pages are quicker than the limit and unaffected.
    assert_eq!(get(&app, "/", &sid).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_librarys_error_is_shown_in_the_users_language() {
    let (_dir, _path, app) = support::setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    let upload = |query: &'static str| {
        let (app, sid, csrf) = (app.clone(), sid.clone(), csrf.clone());
        async move {
            let b = "opsBoundary";
            let body = format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                 --{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\nfoo,bar\n1,2\n\r\n--{b}--\r\n"
            );
            let req = Request::post(format!("/import?csrf={csrf}{query}"))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={b}"),
                )
                .header(header::COOKIE, format!("kefu_session={sid}"))
                .body(Body::from(body))
                .unwrap();
            send(&app, req).await
        }
    };
    let zh = upload("").await;
    assert_eq!(zh.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", zh.body);
    assert!(
        zh.body.contains("x.csv：无法从表头 `foo,bar` 判断文件类型"),
        "{}",
        zh.body
    );
    let en = upload("&lang=en").await;
    assert!(
        en.body
            .contains("x.csv: cannot tell what kind of file this is from its header `foo,bar`"),
        "{}",
        en.body
    );
}
