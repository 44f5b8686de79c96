//! The import page through the router: uploads, the import report, rejected rows, limits,
//! CSRF and who may import where.

mod support;

use std::path::Path;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use serde_json::Value;
use support::*;
const NEW: &str = "新开的店";
const BOUNDARY: &str = "kefu-test-boundary-7MA4YWxkTrZu0gW";

enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(file, bytes) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"files\"; filename=\"{file}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(bytes);
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// Posts the parts as the import form does: a leading `csrf` part is the form's token and
/// goes in the address, as the page's form action carries it (the CSRF guard does not read an
/// upload's body); every part goes in the body, where a token counts for nothing.
async fn upload(app: &Router, sid: &str, parts: &[Part<'_>]) -> Res {
    let body = multipart(parts);
    let csrf = match parts.first() {
        Some(Part::Text("csrf", token)) => Some(*token),
        _ => None,
    };
    let uri = csrf.map_or("/import".to_string(), |t| format!("/import?csrf={t}"));
    post_multipart(app, &uri, sid, BOUNDARY, body).await
}

async fn report(app: &Router, sid: &str) -> Value {
    let res = get(
        app,
        "/api/v1/report?by=store&from=2026-11-01&to=2026-11-30",
        sid,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    serde_json::from_str(&res.body).unwrap()
}

fn audit(path: &Path) -> Vec<kefu_store::AuditEntry> {
    Db::open(path).unwrap().audit_log(50).unwrap()
}

const GOOD_ORDERS: &str = "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
    N1,b1,2026-11-10 10:00:00,2026-11-10 10:05:00,,10.00,1\n\
    N2,b2,2026-11-11 11:00:00,,,20.50,2\n";
const BAD_ORDERS: &str = "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
    N1,b1,2026-11-10 10:00:00,2026-11-10 10:05:00,,10.00,1\n\
    N2,b2,2026-11-11 11:00:00,,,<b>lots</b>,2\n\
    N3,b3,2026-11-12 12:00:00,,,30.00,1\n";

#[tokio::test]
async fn an_upload_imports_like_the_command_line_and_shows_up_in_the_api() {
    let (_dir, path, app) = setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    let page = get(&app, "/import", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("name=\"skip_bad\""));
    assert_eq!(csrf_of(&page.body), csrf);
    assert!(!page.body.contains("<script"));
    assert!(
        get(&app, "/import?lang=en", &sid)
            .await
            .body
            .contains("Skip bad rows")
    );

    let contents: Vec<(String, Vec<u8>)> = sample_files()
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    let mut parts = vec![Part::Text("csrf", &csrf), Part::Text("store", NEW)];
    for (name, bytes) in &contents {
        parts.push(Part::File(name, bytes));
    }
    let res = upload(&app, &sid, &parts).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("导入报告"));
    for (name, _) in &contents {
        assert!(res.body.contains(&format!("<td>{name}</td>")), "{name}");
    }
    assert!(res.body.contains("新消息") && res.body.contains("重复消息"));
    assert!(!res.body.contains("/import/rejects/"));

    // the same files through the library give the same figures
    let (_dir2, _, reference) = {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.db");
        let config = Config::default();
        let mut db = Db::open(&p).unwrap();
        let mut opts = kefu_import::ImportOptions::new(&config);
        opts.default_store = Some(NEW.to_string());
        let out = kefu_import::read_files(&sample_files(), &opts, &|_, _| {}).unwrap();
        db.import(out.batch, &config).unwrap();
        db.create_user("admin", UserRole::Admin, PW).unwrap();
        drop(db);
        (dir, p.clone(), router(AppState::new(p, config)))
    };
    let (ref_sid, _) = login(&reference, "admin").await;
    let got = report(&app, &sid).await;
    assert_eq!(got, report(&reference, &ref_sid).await);
    assert_eq!(got[0]["store"], NEW);
    assert!(got[0]["consulted"].as_i64().unwrap() > 0);

    // a second upload of the same messages skips them as duplicates
    let (name, bytes) = &contents[1];
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::File(name, bytes),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(report(&app, &sid).await, got);

    let log = audit(&path);
    assert_eq!(log[0].action, "import");
    assert_eq!(log[0].user.as_deref(), Some("admin"));
    assert!(log[0].detail.contains(name.as_str()), "{}", log[0].detail);
    assert!(log[0].detail.contains("rows"), "{}", log[0].detail);
}

#[tokio::test]
async fn a_bad_row_refuses_the_file_unless_skipped_and_rejects_download() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let before = report(&app, &sid).await;
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
            Part::File("bad.csv", BAD_ORDERS.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("没有导入任何数据"), "{}", res.body);
    assert!(res.body.contains("bad.csv:3"), "{}", res.body);
    assert!(res.body.contains("&lt;b&gt;lots"), "escaped: {}", res.body);
    assert!(!res.body.contains("<b>lots"));
    assert!(!res.body.contains("/tmp"), "no server paths: {}", res.body);
    // nothing written, not even the good file before it
    assert_eq!(report(&app, &sid).await, before);
    assert!(audit(&path).iter().all(|e| e.action != "import"));

    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::Text("skip_bad", "1"),
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
            Part::File("bad.csv", BAD_ORDERS.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("被拒绝的行"));
    assert!(res.body.contains("<td>amount</td>"), "{}", res.body);
    let rows = report(&app, &sid).await;
    let new = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["store"] == NEW)
        .expect("the new store");
    // (orders are counted when paid: N1 only)
    assert_eq!(new["total_orders"], 1, "{new}");
    // bad.csv: 3 rows read, 2 accepted, 1 rejected
    assert!(
        res.body.contains("<td>3</td><td>2</td><td>1</td></tr>"),
        "{}",
        res.body
    );

    let at = res.body.find("/import/rejects/").expect("rejects link");
    let link = res.body[at..at + 16 + 64].to_string();
    let csv = get(&app, &link, &sid).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.body.starts_with("file,line,column,value,reason,raw"));
    assert!(
        csv.body.contains("bad.csv,3,amount,<b>lots</b>"),
        "{}",
        csv.body
    );
    // for the importing user only
    let (other, _) = login(&app, "sup").await;
    assert_eq!(get(&app, &link, &other).await.status, StatusCode::NOT_FOUND);
    let forged = format!("/import/rejects/{}", "0".repeat(64));
    assert_eq!(get(&app, &forged, &sid).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_admins_and_supervisors_import_and_supervisors_only_into_their_stores() {
    let (_dir, path, app) = setup(false);
    for name in ["lily", "qa"] {
        let (sid, csrf) = login(&app, name).await;
        assert_eq!(
            get(&app, "/import", &sid).await.status,
            StatusCode::FORBIDDEN
        );
        assert!(!get(&app, "/", &sid).await.body.contains("href=\"/import"));
        let res = upload(
            &app,
            &sid,
            &[
                Part::Text("csrf", &csrf),
                Part::File("good.csv", GOOD_ORDERS.as_bytes()),
            ],
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}");
    }
    let (sid, csrf) = login(&app, "sup").await;
    assert!(get(&app, "/", &sid).await.body.contains("href=\"/import"));
    let page = get(&app, "/import", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(STORE));
    let before = report(&app, &sid).await;
    // another store, named in the form or in the file: refused, nothing written
    let other_rows = format!(
        "order_id,buyer,created_at,paid_at,closed_at,amount,items,store\n\
         X1,b1,2026-11-10 10:00:00,,,1.00,1,{NEW}\n"
    );
    for parts in [
        vec![
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
        ],
        vec![
            Part::Text("csrf", &csrf),
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
            Part::File("other.csv", other_rows.as_bytes()),
        ],
    ] {
        let res = upload(&app, &sid, &parts).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(res.body.contains(NEW), "{}", res.body);
    }
    assert_eq!(report(&app, &sid).await, before);
    assert!(Db::open(&path).unwrap().store(NEW).is_err());
    // their own store (the default when they have one)
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let after = report(&app, &sid).await;
    assert_eq!(
        after[0]["total_orders"].as_i64().unwrap(),
        before[0]["total_orders"].as_i64().unwrap() + 1
    );
}

#[tokio::test]
async fn csrf_limits_and_garbage_are_refused_cleanly() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let before = report(&app, &sid).await;
    let file = Part::File("good.csv", GOOD_ORDERS.as_bytes());
    // CSRF: missing, wrong, or after the files
    for parts in [
        vec![Part::File("good.csv", GOOD_ORDERS.as_bytes())],
        vec![
            Part::Text("csrf", &"0".repeat(64)),
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
        ],
        vec![
            Part::File("good.csv", GOOD_ORDERS.as_bytes()),
            Part::Text("csrf", &csrf),
        ],
    ] {
        let res = upload(&app, &sid, &parts).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    }
    // too many files
    let many: Vec<Part> = std::iter::once(Part::Text("csrf", &csrf))
        .chain((0..21).map(|_| Part::File("good.csv", GOOD_ORDERS.as_bytes())))
        .collect();
    let res = upload(&app, &sid, &many).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("最多上传 20 个文件"), "{}", res.body);
    // no file chosen
    let res = upload(
        &app,
        &sid,
        &[Part::Text("csrf", &csrf), Part::File("", b"")],
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("请选择至少一个文件"));
    // garbage bytes, as a text file and as a workbook: an error page, nothing written
    let garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for name in ["x.csv", "x.xlsx", "x.jsonl", "noext"] {
        let res = upload(
            &app,
            &sid,
            &[Part::Text("csrf", &csrf), Part::File(name, &garbage)],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(res.body.contains("导入失败"), "{name}");
        assert!(res.body.contains(name), "{name}: {}", res.body);
    }
    // not multipart at all
    let req = Request::post(format!("/import?csrf={csrf}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from("hello"))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::BAD_REQUEST);
    // a truncated multipart body
    let mut body = multipart(&[Part::Text("csrf", &csrf), file]);
    body.truncate(body.len() - 30);
    let req = Request::post(format!("/import?csrf={csrf}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(report(&app, &sid).await, before);

    // over the limit: declared, refused before reading
    let req = Request::post(format!("/import?lang=en&csrf={csrf}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::CONTENT_LENGTH, 201 * 1024 * 1024)
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from(multipart(&[Part::Text("csrf", &csrf)])))
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        res.body.contains("exceeds the 200 MB limit"),
        "{}",
        res.body
    );
    // over the limit: streamed without a length, cut off while reading
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\n\r\n"
    );
    let mib = Bytes::from(vec![b'a'; 1024 * 1024]);
    let chunks = std::iter::once(Bytes::from(head))
        .chain(std::iter::repeat_n(mib, 201))
        .map(Ok::<_, std::io::Error>);
    let req = Request::post(format!("/import?csrf={csrf}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(res.body.contains("200 MB"), "{}", res.body);
    assert_eq!(report(&app, &sid).await, before);
}

#[tokio::test]
async fn an_upload_re_runs_the_rules_of_a_store_that_uses_them() {
    const DAY1: &[u8] = "time,buyer,account,sender,text\n\
        2026-11-10 11:00:00,b1,测试店:小美,buyer,在吗\n\
        2026-11-10 11:00:05,b1,测试店:小美,agent,随便你\n"
        .as_bytes();
    const DAY2: &[u8] = "time,buyer,account,sender,text\n\
        2026-11-11 09:00:00,b2,测试店:小美,buyer,发货了吗\n\
        2026-11-11 09:00:20,b2,测试店:小美,agent,急什么\n"
        .as_bytes();
    let (_dir, _path, app) = setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    let store = "测试店";
    let first = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", store),
            Part::File("day1.csv", DAY1),
        ],
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(
        !first.body.contains("质检规则已更新"),
        "rules never ran here"
    );
    let ran = post(
        &app,
        "/qa/run",
        &sid,
        &format!(
            "csrf={csrf}&store={}&from=2026-11-09&to=2026-11-15",
            enc(store)
        ),
    )
    .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let hits = format!(
        "/api/v1/qa/hits?store={}&period=week&date=2026-11-10",
        enc(store)
    );
    let before: Value = serde_json::from_str(&get(&app, &hits, &sid).await.body).unwrap();
    assert_eq!(before["rows"][0]["receptions"], 1);
    assert_eq!(before["rows"][0]["hits"]["forbidden_phrases"], 1);

    // Day 2: its hits are there without another run; the rules ran over the days with
    // messages in reach of the new one (2026-11-10 and 2026-11-11).
    let second = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", store),
            Part::File("day2.csv", DAY2),
        ],
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert!(
        second.body.contains("质检规则已更新 2 天"),
        "{}",
        second.body
    );
    let after: Value = serde_json::from_str(&get(&app, &hits, &sid).await.body).unwrap();
    assert_eq!(after["rows"][0]["key"], "测试店:小美");
    assert_eq!(after["rows"][0]["receptions"], 2);
    assert_eq!(after["rows"][0]["hits"]["forbidden_phrases"], 2);
    assert_eq!(after["rows"][0]["per_100"]["forbidden_phrases"], 100.0);
}

#[tokio::test]
async fn an_upload_whose_rules_cannot_run_imports_nothing() {
    const DAY1: &[u8] = "time,buyer,account,sender,text\n\
        2026-11-10 11:00:00,b1,测试店:小美,buyer,在吗\n\
        2026-11-10 11:00:05,b1,测试店:小美,agent,随便你\n"
        .as_bytes();
    const DAY2: &[u8] = "time,buyer,account,sender,text\n\
        2026-11-11 09:00:00,b2,测试店:小美,buyer,发货了吗\n\
        2026-11-11 09:00:20,b2,测试店:小美,agent,急什么\n"
        .as_bytes();
    let (_dir, path, app) = setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    let store = "测试店";
    let send_file = |name: &'static str, bytes: &'static [u8]| {
        let (app, sid, csrf) = (app.clone(), sid.clone(), csrf.clone());
        async move {
            upload(
                &app,
                &sid,
                &[
                    Part::Text("csrf", &csrf),
                    Part::Text("store", store),
                    Part::File(name, bytes),
                ],
            )
            .await
        }
    };
    assert_eq!(send_file("day1.csv", DAY1).await.status, StatusCode::OK);
    // A saved rule set that does not parse (as after an upgrade that changed the rules'
    // grammar) puts the store in use and cannot be run.
    let db = Db::open(&path).unwrap();
    let s = db.store(store).unwrap();
    db.qa_save_rules(s.id, "[[rule]]\nid = 1", "admin").unwrap();
    drop(db);
    let before = report(&app, &sid).await;
    let res = send_file("day2.csv", DAY2).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // The store's error in the page's language (Chinese here), naming the version to fix.
    assert!(res.body.contains("保存的质检规则 v1 无效"), "{}", res.body);
    assert_eq!(report(&app, &sid).await, before, "nothing imported");
    let db = Db::open(&path).unwrap();
    assert!(db.names(s.id).unwrap().get("b2").is_none());
    let day2 = kefu_core::time::Day::parse("2026-11-11").unwrap();
    assert!(db.qa_receptions(s.id, day2, day2).unwrap().is_empty());
}

/// Issue 10 item 11: the rejects CSV of an upload cannot carry a spreadsheet formula.
#[tokio::test]
async fn the_rejects_csv_neutralises_formulas() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let bad = "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
        N1,b1,2026-11-10 10:00:00,2026-11-10 10:05:00,,10.00,1\n\
        @N2,b2,2026-11-11 11:00:00,,,=HYPERLINK(1),2\n";
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::Text("skip_bad", "1"),
            Part::File("bad.csv", bad.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let at = res.body.find("/import/rejects/").expect("rejects link");
    let link = res.body[at..at + 16 + 64].to_string();
    let csv = get(&app, &link, &sid).await;
    assert!(
        csv.body.contains("bad.csv,3,amount,'=HYPERLINK(1),")
            && csv
                .body
                .contains(",\"'@N2,b2,2026-11-11 11:00:00,,,=HYPERLINK(1),2\""),
        "{}",
        csv.body
    );
}

/// Issue 10 item 12: an upload with a control character in a name is refused with the row
/// named, and no control character reaches the page.
#[tokio::test]
async fn control_characters_in_names_are_refused_at_upload() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let messages = "time,buyer,account,sender,text\n\
        2026-11-10 10:00:00,b1,店:\u{0}\u{1b}[2J,buyer,在吗\n";
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::File("m.csv", messages.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("m.csv:2"), "{}", res.body);
    // The reason is said in the page's language (Chinese by default).
    assert!(res.body.contains("不能含控制字符"), "{}", res.body);
    assert!(
        !res.body.contains('\u{0}') && !res.body.contains('\u{1b}'),
        "{:?}",
        res.body
    );
}

#[tokio::test]
async fn a_platform_report_without_dates_takes_the_period_from_the_form() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let report = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/platform/pdd_fake.xlsx"),
    )
    .unwrap();
    let file = Part::File("客服绩效.xlsx", &report);
    // Without a period: refused, saying where to give it.
    let res = upload(
        &app,
        &sid,
        &[Part::Text("csrf", &csrf), Part::Text("store", NEW), file],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("平台报表的周期"), "{}", res.body);
    // Half a period, or one backwards: said, nothing imported.
    for (from, to) in [("2026-11-01", ""), ("2026-11-30", "2026-11-01")] {
        let parts = [
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::Text("from", from),
            Part::Text("to", to),
            Part::File("客服绩效.xlsx", &report),
        ];
        let res = upload(&app, &sid, &parts).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{from}..{to}: {}",
            res.body
        );
    }
    let nov = (
        Day::parse("2026-11-01").unwrap(),
        Day::parse("2026-11-30").unwrap(),
    );
    // Nothing was written: the store itself does not exist yet.
    let before = Db::open(&path)
        .unwrap()
        .platform_figures(Some(NEW), nov.0, nov.1);
    assert!(!matches!(&before, Ok(v) if !v.is_empty()), "{before:?}");
    // With the period: imported as the month's figures.
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("store", NEW),
        Part::Text("from", "2026-11-01"),
        Part::Text("to", "2026-11-30"),
        Part::File("客服绩效.xlsx", &report),
    ];
    let res = upload(&app, &sid, &parts).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let stored = Db::open(&path)
        .unwrap()
        .platform_figures(Some(NEW), nov.0, nov.1)
        .unwrap();
    assert!(!stored.is_empty());
}

/// The import page lists every template kind's columns from the importer's own lists; each
/// template downloads as a CSV for Excel and, uploaded untouched, imports without a bad row.
#[tokio::test]
async fn templates_download_and_import_as_they_are() {
    let (_dir, _path, app) = setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    let page = get(&app, "/import", &sid).await;
    for kind in ["messages", "orders", "refunds", "ratings", "agents"] {
        assert!(
            page.body
                .contains(&format!("href=\"/import/template?kind={kind}\"")),
            "{kind}"
        );
    }
    assert!(page.body.contains("文件格式与模板") && page.body.contains("transfer_to"));
    let en = get(&app, "/import?lang=en", &sid).await;
    assert!(en.body.contains("File formats and templates") && en.body.contains("What goes in it"));

    let mut files = Vec::new();
    for kind in ["agents", "messages", "orders", "refunds", "ratings"] {
        let res = get(&app, &format!("/import/template?kind={kind}"), &sid).await;
        assert_eq!(res.status, StatusCode::OK, "{kind}");
        assert!(res.body.starts_with('\u{feff}'), "{kind}: BOM for Excel");
        files.push((format!("{kind}.csv"), res.body.into_bytes()));
    }
    let mut parts = vec![Part::Text("csrf", &csrf)];
    for (name, bytes) in &files {
        parts.push(Part::File(name, bytes));
    }
    let res = upload(&app, &sid, &parts).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!res.body.contains("/import/rejects/"), "{}", res.body);

    let missing = get(&app, "/import/template?kind=invoices", &sid).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("/import/template?kind=orders"));
}

/// A supervisor's browser upload of a chat pasted from a chat window: chosen as 复制的聊天记录
/// with its agent accounts (as `--agent`); the report's warnings in the page's language.
#[tokio::test]
async fn a_pasted_chat_uploads_with_its_kind_and_agents() {
    let (_dir, _path, app) = setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    let page = get(&app, "/import", &sid).await;
    for s in [
        "name=\"kind\"",
        "<option value=\"\" selected>自动识别（按表头）</option>",
        "<option value=\"transcript\">复制的聊天记录</option>",
        "<option value=\"jd_chats\">京东咚咚聊天记录</option>",
        "<option value=\"pdd_agent\">拼多多 客服绩效</option>",
        "name=\"agent\"",
    ] {
        assert!(page.body.contains(s), "{s}");
    }
    let en = get(&app, "/import?lang=en", &sid).await;
    assert!(
        en.body
            .contains("<option value=\"transcript\">pasted chat</option>"),
        "{}",
        en.body
    );

    let qianniu = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/market/transcripts/dev/qianniu.txt"),
    )
    .unwrap();
    let chat = format!("与买家甲的聊天记录\n{qianniu}");
    // Without the kind, a pasted chat is no file kefu knows: nothing is imported.
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("store", NEW),
            Part::File("买家甲.txt", chat.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("--kind transcript"), "{}", res.body);
    // A kind kefu does not know is refused.
    let res = upload(
        &app,
        &sid,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("kind", "bogus"),
            Part::File("买家甲.txt", chat.as_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("未知的文件类型"), "{}", res.body);

    // With the kind and the agent account, in Chinese: imported, the dropped line warned of.
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("store", NEW),
        Part::Text("kind", "transcript"),
        Part::Text("agent", "晨光旗舰店:小美，"),
        Part::File("买家甲.txt", chat.as_bytes()),
    ];
    let res = upload(&app, &sid, &parts).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("<td>买家甲.txt</td>"), "{}", res.body);
    assert!(res.body.contains("<td>transcript</td>"), "{}", res.body);
    assert!(
        res.body
            .contains("买家甲.txt: 第一条消息之前的 1 行未被读取（它们上方没有发送人和时间）"),
        "{}",
        res.body
    );
    let rows = get(
        &app,
        "/api/v1/report?by=account&from=2026-11-03&to=2026-11-03",
        &sid,
    )
    .await;
    assert_eq!(rows.status, StatusCode::OK, "{}", rows.body);
    let rows: Value = serde_json::from_str(&rows.body).unwrap();
    let xiaomei = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"] == "晨光旗舰店:小美")
        .unwrap_or_else(|| panic!("{rows}"));
    assert_eq!(xiaomei["store"], NEW);
    // Hand-worked in testdata/market/README.md: first responses of 28 s, two rounds.
    assert_eq!(xiaomei["avg_first_response_secs"], 28.0);
    assert_eq!(xiaomei["rounds"], 2);

    // The same upload from the English page: the warning in English, the messages repeats.
    let body = multipart(&parts[1..]);
    let res = post_multipart(
        &app,
        &format!("/import?lang=en&csrf={csrf}"),
        &sid,
        BOUNDARY,
        body,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains(
            "买家甲.txt: 1 line(s) before the first message were not read (no sender and time above them)"
        ),
        "{}",
        res.body
    );
    assert!(!res.body.contains("未被读取"), "{}", res.body);
}
