//! Platform report figures on the ranking page: a second table beside kefu's own figures,
//! the columns as in the file and units from the column's kind, in both languages, only the
//! rows the user may see.

mod support;

use kefu_core::platform::{Amount, FigureKind, Platform, PlatformFigure, PlatformFile};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_store::Db;
use support::{STORE, account_id, cells, csrf_of, enc, get, import_files, login, post, row, setup};

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

fn figure(account: &str, from: &str, to: &str, column: &str, value: Amount) -> PlatformFigure {
    let kind = match value {
        Amount::Cents(_) => FigureKind::Money,
        _ if column.contains('率') => FigureKind::Rate,
        _ if column.contains("时长") => FigureKind::Duration,
        _ => FigureKind::Count,
    };
    PlatformFigure {
        store: STORE.into(),
        account: account.into(),
        from: day(from),
        to: day(to),
        column: column.into(),
        kind,
        value,
    }
}

/// 拼多多: Lily's report of the whole range (the report names her without the shop), 小美's
/// two daily reports; 淘宝: the shop's own 咨询人数.
fn store_reports(path: &std::path::Path) {
    let mut db = Db::open(path).unwrap();
    let (r, n) = ("2026-11-10", "2026-11-12");
    let pdd = PlatformFile {
        platform: Platform::Pdd,
        report: "pdd_agent",
        figures: vec![
            figure(
                "Lily",
                r,
                n,
                "3分钟人工回复率(8-23点)",
                Amount::Number(0.985),
            ),
            figure("Lily", r, n, "客服销售额(元)", Amount::Cents(1_523_050)),
            figure("Lily", r, n, "平均人工响应时长", Amount::Number(26.0)),
            figure("Lily", r, n, "咨询人数", Amount::Number(120.0)),
            figure("小美", r, r, "咨询人数", Amount::Number(30.0)),
            figure(
                "小美",
                "2026-11-11",
                "2026-11-11",
                "咨询人数",
                Amount::Number(40.0),
            ),
            figure("小美", r, r, "3分钟人工回复率(8-23点)", Amount::Number(0.9)),
        ],
    };
    let shop = PlatformFile {
        platform: Platform::Taobao,
        report: "sycm_consult",
        figures: vec![figure("", r, n, "咨询人数", Amount::Number(500.0))],
    };
    add_and_link(&mut db, &[pdd, shop], (STORE, "晨光旗舰店:Lily"));
}

/// Stores `files` in one import and links the agent lily to `(store, account)`.
fn add_and_link(db: &mut Db, files: &[PlatformFile], (store, account): (&str, &str)) {
    let mut s = db.begin_import().unwrap();
    for f in files {
        s.add_platform(f).unwrap();
    }
    s.finish(&Config::default()).unwrap();
    let store = db.store(store).unwrap();
    let lily = db
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.name == "lily")
        .unwrap();
    let id = account_id(db, store.id, account);
    db.link_account(&lily, store.id, id).unwrap();
}

#[tokio::test]
async fn the_ranking_shows_platform_figures_beside_kefus() {
    let (_dir, path, app) = setup(false);
    store_reports(&path);
    let sup = login(&app, "sup").await.0;
    let range = format!("store={}&from=2026-11-10&to=2026-11-12", enc(STORE));
    let page = get(&app, &format!("/ranking?{range}"), &sup).await.body;
    // kefu's own ranking is still there, the platforms' tables follow it.
    let (own, platform) = page.split_at(page.find("<section id=\"platform\">").unwrap());
    assert!(own.contains("晨光旗舰店:Lily") && own.contains("人工客服"));
    assert!(platform.contains("<h2>平台报表数据</h2>"), "{platform}");
    assert!(platform.contains("<h3>平台报表数据 · 淘宝</h3>"));
    assert!(platform.contains("<h3>平台报表数据 · 拼多多</h3>"));
    // The columns as in the file, by name.
    assert!(platform.contains(
        "<th>客服账号</th><th>3分钟人工回复率(8-23点)</th><th>咨询人数</th><th>客服销售额(元)</th><th>平均人工响应时长</th>"
    ));
    // Units from the kind: a rate as a percentage, money in yuan, a duration in seconds.
    assert_eq!(
        row(platform, "Lily"),
        ["Lily", "98.50%", "120", "15230.50", "26 s"]
    );
    // 小美's two days add up; her rate is a single day's, not the range's.
    assert_eq!(row(platform, "小美"), ["小美", "-", "70", "-", "-"]);
    assert_eq!(row(platform, "（店铺）"), ["（店铺）", "500"]);

    // English.
    let en = get(&app, &format!("/ranking?{range}&lang=en"), &sup)
        .await
        .body;
    assert!(en.contains("<h2>Platform report figures</h2>"), "{en}");
    assert!(en.contains("Platform report figures · Pinduoduo"));
    assert_eq!(row(&en, "(shop)"), ["(shop)", "500"]);

    // Two of the three days: Lily's report reaches outside them and is left out entirely.
    let part = format!("store={}&from=2026-11-11&to=2026-11-12", enc(STORE));
    let page = get(&app, &format!("/ranking?{part}"), &sup).await.body;
    assert_eq!(row(&page, "Lily"), ["Lily", "-", "-", "-", "-"]);
    assert_eq!(row(&page, "小美"), ["小美", "-", "40", "-", "-"]);

    // A range without reports has no platform table.
    let october = format!("store={}&from=2026-10-01&to=2026-10-31", enc(STORE));
    let page = get(&app, &format!("/ranking?{october}"), &sup).await.body;
    assert!(!page.contains("平台报表数据"));

    // The table downloads like the ranking's own.
    let csv = get(
        &app,
        &format!("/ranking?{range}&export=csv&table=platform-pdd"),
        &sup,
    )
    .await
    .body;
    assert!(csv.contains("Lily,98.50%,120"), "{csv}");

    // An agent sees their own account's row only: not a colleague's, not the shop's.
    let lily = login(&app, "lily").await.0;
    let page = get(&app, &format!("/ranking?{range}"), &lily).await.body;
    assert_eq!(
        row(&page, "Lily"),
        ["Lily", "98.50%", "120", "15230.50", "26 s"]
    );
    assert!(
        !page.contains("小美") && !page.contains("（店铺）"),
        "{page}"
    );
    assert!(!page.contains("平台报表数据 · 淘宝"));
}

/// The store reconciled by hand: 小美's chats of 2026-11-01 (three buyers, answered by her
/// after 20 s, 240 s and 60 s; no orders) and 阿强's (one buyer, 40 s), beside their 拼多多
/// daily report (which names them without the shop), 京东's 30s rate of 小美, and a report
/// account kefu does not know (王五).
const HAND: &str = "核对店";

fn hand_store(path: &std::path::Path) {
    let chats = "time,buyer,account,sender,text\n\
        2026-11-01 10:00:00,b1,核对店:小美,buyer,在吗\n\
        2026-11-01 10:00:20,b1,核对店:小美,agent,在的\n\
        2026-11-01 11:00:00,b2,核对店:小美,buyer,有货吗\n\
        2026-11-01 11:04:00,b2,核对店:小美,agent,有的\n\
        2026-11-01 12:00:00,b3,核对店:小美,buyer,你好\n\
        2026-11-01 12:01:00,b3,核对店:小美,agent,您好\n\
        2026-11-01 09:00:00,c1,核对店:阿强,buyer,发货了吗\n\
        2026-11-01 09:00:40,c1,核对店:阿强,agent,已发货\n";
    import_files(path, HAND, "hand", &[("messages.csv", chats.to_string())]);
    let d = "2026-11-01";
    let at = |account: &str, column: &str, value: Amount| PlatformFigure {
        store: HAND.into(),
        ..figure(account, d, d, column, value)
    };
    let pdd = PlatformFile {
        platform: Platform::Pdd,
        report: "pdd_agent",
        figures: vec![
            at("小美", "3分钟人工回复率(8-23点)", Amount::Number(0.75)),
            at("小美", "30秒应答率(8-23点)", Amount::Number(0.9)),
            at("小美", "平均人工响应时长", Amount::Number(26.0)),
            at("小美", "咨询人数", Amount::Number(100.0)),
            at("小美", "客服销售额(元)", Amount::Cents(10_000)),
            at("小美", "投诉数", Amount::Number(1.0)),
            at("阿强", "3分钟人工回复率(8-23点)", Amount::Number(1.0)),
            at("阿强", "30秒应答率(8-23点)", Amount::Number(0.5)),
            at("王五", "咨询人数", Amount::Number(5.0)),
        ],
    };
    let jd = PlatformFile {
        platform: Platform::Jd,
        report: "jd_agent",
        figures: vec![at("小美", "30s应答率", Amount::Number(0.4))],
    };
    let mut db = Db::open(path).unwrap();
    add_and_link(&mut db, &[pdd, jd], (HAND, "核对店:阿强"));
}

/// The rows of the page's reconciliation table, each as its cells (link texts for links).
fn recon_rows(body: &str) -> Vec<Vec<String>> {
    let start = body.find("<table id=\"reconcile\"").expect("the table");
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let tbody = &table[table.find("<tbody>").unwrap()..];
    tbody.split("<tr").skip(1).map(cells).collect()
}

/// The row of `account` and report `column`: [kefu account, platform, period, figure,
/// unit, kefu, platform, difference].
fn recon(rows: &[Vec<String>], account: &str, column: &str) -> Vec<String> {
    let r = rows
        .iter()
        .find(|r| r[0] == account && r[5] == column)
        .unwrap_or_else(|| panic!("no row {account} {column} in {rows:?}"));
    [1, 2, 3, 4, 6, 7, 8, 9].map(|i| r[i].clone()).to_vec()
}

#[tokio::test]
async fn the_reconciliation_page_puts_kefus_figures_beside_the_platforms() {
    let (_dir, path, app) = setup(false);
    hand_store(&path);
    let admin = login(&app, "admin").await.0;
    let page = format!(
        "/reconcile?store={}&from=2026-11-01&to=2026-11-30",
        enc(HAND)
    );
    let res = get(&app, &page, &admin).await;
    assert_eq!(res.status, axum::http::StatusCode::OK, "{}", res.body);
    let body = res.body;
    assert!(body.contains("<h1>核对平台数据</h1>"), "{body}");
    // The menu links to the page.
    assert!(body.contains("href=\"/reconcile?lang=zh-CN\""));
    let rows = recon_rows(&body);
    let d = "2026-11-01";
    // 3分钟人工回复率(8-23点): two of 小美's three buyers answered by her within 180 s.
    assert_eq!(
        recon(&rows, "小美", "3分钟人工回复率(8-23点)"),
        [
            "核对店:小美",
            "拼多多",
            d,
            "3分钟人工回复率(8-23点) (pdd_3min_rate)",
            "%",
            "66.67%",
            "75.00%",
            "-8.33%"
        ]
    );
    // 30秒应答率(8-23点): one of three (20 s).
    assert_eq!(
        recon(&rows, "小美", "30秒应答率(8-23点)")[5..],
        ["33.33%", "90.00%", "-56.67%"]
    );
    // 平均人工响应时长 against 淘宝人工平响: (20 + 240 + 60) ÷ 3 = 106.7 s.
    assert_eq!(
        recon(&rows, "小美", "平均人工响应时长")[3..],
        [
            "淘宝人工平响 (tb_avg_response_secs)",
            "秒",
            "106.7",
            "26.0",
            "80.7"
        ]
    );
    assert_eq!(
        recon(&rows, "小美", "咨询人数")[4..],
        ["个", "3", "100", "-97"]
    );
    assert_eq!(
        recon(&rows, "小美", "客服销售额(元)")[4..],
        ["元", "0.00", "100.00", "-100.00"]
    );
    // 京东's 30s应答率 by session: three sessions, one answered within 30 s.
    assert_eq!(
        recon(&rows, "小美", "30s应答率")[1..],
        [
            "京东",
            d,
            "30秒应答率(按会话,9-23点) (jd_30s_rate)",
            "%",
            "33.33%",
            "40.00%",
            "-6.67%"
        ]
    );
    // 阿强: 40 s is within 3 minutes, not within 30 s.
    assert_eq!(
        recon(&rows, "阿强", "3分钟人工回复率(8-23点)")[5..],
        ["100.00%", "100.00%", "0.00%"]
    );
    assert_eq!(
        recon(&rows, "阿强", "30秒应答率(8-23点)")[5..],
        ["0.00%", "50.00%", "-50.00%"]
    );
    // A report account kefu does not know: no kefu value, no difference.
    assert_eq!(
        recon(&rows, "王五", "咨询人数"),
        [
            "-",
            "拼多多",
            d,
            "咨询人数 (consulted)",
            "个",
            "-",
            "5",
            "-"
        ]
    );
    // Columns that mean nothing kefu computes are not compared.
    assert!(!body.contains("投诉数"));
    assert_eq!(rows.len(), 9);
    // kefu's value leads to the items behind it, over the report's period.
    assert!(body.contains(&format!(
        "/list?store={}&amp;account={}&amp;from={d}&amp;to={d}&amp;figure=pdd_3min_rate",
        enc(HAND),
        enc("核对店:小美")
    )));
    // The known reasons, once per pair used.
    assert!(body.contains("<h2>已知口径差异</h2>"));
    assert_eq!(body.matches("<code>pdd_3min_rate</code>").count(), 1);
    assert!(body.contains("10 分钟无消息切分会话"));

    // English: labels and reasons.
    let en = get(&app, &format!("{page}&lang=en"), &admin).await.body;
    assert!(en.contains("<h1>Reconciliation</h1>"));
    assert!(
        en.contains(
            "<th>kefu value</th><th>Platform value</th><th>Difference (kefu − platform)</th>"
        ),
        "{en}"
    );
    assert!(en.contains("cuts sessions at 10 minutes of silence"));
    assert_eq!(
        recon(&recon_rows(&en), "小美", "平均人工响应时长")[3..5],
        ["Taobao avg response (s) (tb_avg_response_secs)", "seconds"]
    );

    // The table downloads as CSV with the same rows.
    let csv = get(&app, &format!("{page}&export=csv&table=reconcile"), &admin)
        .await
        .body;
    // (numbers plain: rates as fractions)
    assert!(csv.contains("小美,核对店:小美,拼多多,2026-11-01,3分钟人工回复率(8-23点) (pdd_3min_rate),3分钟人工回复率(8-23点),%,0.6666666666666666,0.75,-0.08333333333333337"), "{csv}");

    // A range before the report: nothing to compare.
    let october = format!(
        "/reconcile?store={}&from=2026-10-01&to=2026-10-31",
        enc(HAND)
    );
    let body = get(&app, &october, &admin).await.body;
    assert!(body.contains("所选日期内没有可与 kefu 对照的平台报表数据"));

    // An agent sees their own account's rows only.
    let lily = login(&app, "lily").await.0;
    let body = get(&app, &page, &lily).await.body;
    let rows = recon_rows(&body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r[0] == "阿强"));
    assert!(!body.contains("小美") && !body.contains("王五"));
    // The supervisor of another store does not see this one.
    let sup = login(&app, "sup").await.0;
    let res = get(&app, &page, &sup).await;
    assert_eq!(res.status, axum::http::StatusCode::NOT_FOUND);
}

/// The store setting `platform` chooses which service figures the overview and the ranking
/// show; every figure stays in the API.
#[tokio::test]
async fn a_stores_platform_profile_chooses_its_service_figures() {
    let (_dir, _path, app) = setup(false);
    let (sid, _) = login(&app, "admin").await;
    let range = format!("store={}&from=2026-11-10&to=2026-11-12", enc(STORE));
    let people = |page: &str| -> String {
        let end = page.find("<section id=\"platform\">").unwrap_or(page.len());
        page[..end].to_string()
    };
    // Taobao by default: Taobao's figures, not the other platforms'.
    let page = people(&get(&app, &format!("/ranking?{range}"), &sid).await.body);
    assert!(page.contains("淘宝人工平响") && page.contains("三分钟响应率"));
    assert!(!page.contains("3分钟人工回复率(8-23点)") && !page.contains("工作时间3分钟回复率"));
    // The form offers the platforms; saving 拼多多 changes what the pages show.
    let form = get(
        &app,
        &format!("/settings/metrics?store={}", enc(STORE)),
        &sid,
    )
    .await
    .body;
    assert!(
        form.contains("<select id=\"platform\" name=\"platform\">"),
        "{form}"
    );
    assert!(form.contains("<option value=\"pdd\">拼多多 (pdd)</option>"));
    let mut fields = format!("csrf={}&store={}", csrf_of(&form), enc(STORE));
    for (k, v) in [
        ("slow_response_secs", "120"),
        ("slow_response_rounds", "1"),
        ("conversion_window_days", "1"),
        ("service_hours", "08:00-24:00"),
        ("reminder_window_hours", "72"),
        ("after_sale_days", "21"),
        ("attribution", "order"),
        ("platform", "pdd"),
    ] {
        fields.push_str(&format!("&{k}={}", enc(v)));
    }
    let saved = post(&app, "/settings/metrics", &sid, &fields).await;
    assert_eq!(saved.status, axum::http::StatusCode::OK, "{}", saved.body);
    assert!(
        saved
            .body
            .contains("<option value=\"pdd\" selected>拼多多 (pdd)</option>")
    );
    let page = people(&get(&app, &format!("/ranking?{range}"), &sid).await.body);
    assert!(page.contains("3分钟人工回复率(8-23点)") && page.contains("30秒应答率(8-23点)"));
    assert!(!page.contains("淘宝人工平响") && !page.contains("三分钟响应率"));
    assert!(!page.contains("30秒应答率(按会话,9-23点)"));
    let overview = get(&app, &format!("/?{range}"), &sid).await.body;
    assert!(overview.contains("3分钟人工回复率(8-23点)") && !overview.contains("淘宝人工平响"));
    // The API keeps every figure.
    let api = get(&app, &format!("/api/v1/report?by=account&{range}"), &sid)
        .await
        .body;
    assert!(api.contains("\"tb_avg_response_secs\"") && api.contains("\"pdd_3min_rate\""));
    // A platform kefu does not know is refused, naming the ones it does.
    let bad = fields.replace("platform=pdd", "platform=chitu");
    let res = post(&app, "/settings/metrics", &sid, &bad).await;
    assert_eq!(res.status, axum::http::StatusCode::BAD_REQUEST);
    assert!(
        res.body
            .contains("应为 taobao、tmall、pdd、jd、douyin 或 kuaishou")
    );
}
