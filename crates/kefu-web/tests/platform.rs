//! Platform report figures on the ranking page: a second table beside kefu's own figures,
//! the columns as in the file and units from the column's kind, in both languages, only the
//! rows the user may see.

mod support;

use kefu_core::platform::{Amount, FigureKind, Platform, PlatformFigure, PlatformFile};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_store::Db;
use support::{STORE, account_id, enc, get, login, row, setup};

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
    let mut s = db.begin_import().unwrap();
    s.add_platform(&pdd).unwrap();
    s.add_platform(&shop).unwrap();
    s.finish(&Config::default()).unwrap();
    let store = db.store(STORE).unwrap();
    let lily = db
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.name == "lily")
        .unwrap();
    let id = account_id(&db, store.id, "晨光旗舰店:Lily");
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
    assert!(own.contains(">Lily</a>") && own.contains("售前客服"));
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
        ["Lily", "98.5%", "120", "¥15,230.50", "0:26"]
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
    assert!(csv.contains("Lily,0.985,120,15230.50,26"), "{csv}");

    // An agent sees their own account's row only: not a colleague's, not the shop's.
    let lily = login(&app, "lily").await.0;
    let page = get(&app, &format!("/ranking?{range}"), &lily).await.body;
    assert_eq!(
        row(&page, "Lily"),
        ["Lily", "98.5%", "120", "¥15,230.50", "0:26"]
    );
    assert!(
        !page.contains("小美") && !page.contains("（店铺）"),
        "{page}"
    );
    assert!(!page.contains("平台报表数据 · 淘宝"));
}
