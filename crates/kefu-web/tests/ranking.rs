// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Issue 14 item 2: a ranking that ranks — by the store's core KPI (the plan's first, else
//! 询单转化率), a 名次 column, short names, colours on KPI columns only and in their
//! direction, roles apart, the columns picked with `cols=`, an agent's rank among peers.

mod support;

use kefu_core::figures::{Direction, figure};
use kefu_store::Db;
use support::{STORE, enc, get, login, post, setup};

const RANGE: &str = "from=2026-11-10&to=2026-11-12";

/// The rows of the table `id`: its cells' texts (link texts for linked cells) and classes.
fn rows_of(body: &str, id: &str) -> Vec<Vec<(String, String)>> {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("table {id}"));
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let tbody = &table[table.find("<tbody>").unwrap()..];
    tbody
        .split("<tr>")
        .skip(1)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|c| {
                    let open = &c[..c.find('>').unwrap()];
                    let class = open
                        .split("class=\"")
                        .nth(1)
                        .map_or("", |s| &s[..s.find('"').unwrap()])
                        .to_string();
                    let inner = &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()];
                    let text = match inner.find("\">") {
                        Some(i) if inner.starts_with("<a ") => {
                            inner[i + 2..inner.find("</a>").unwrap()].to_string()
                        }
                        _ => inner.to_string(),
                    };
                    (text, class)
                })
                .collect()
        })
        .collect()
}

/// The header cells of the table `id`, without sort marks.
fn header_of(body: &str, id: &str) -> Vec<String> {
    let start = body.find(&format!("id=\"{id}\"")).unwrap();
    let thead = &body[start..start + body[start..].find("</thead>").unwrap()];
    thead
        .split("<th>")
        .skip(1)
        .map(|c| {
            let inner = &c[..c.find("</th>").unwrap()];
            let text = match inner.find("\">") {
                Some(i) if inner.starts_with("<a ") => &inner[i + 2..inner.find("</a>").unwrap()],
                _ => inner,
            };
            text.trim_end_matches([' ', '▼', '▲']).to_string()
        })
        .collect()
}

/// A percentage cell as a number.
fn pct(s: &str) -> Option<f64> {
    s.strip_suffix('%').and_then(|x| x.parse().ok())
}

#[tokio::test]
async fn the_ranking_ranks_by_the_core_kpi_with_short_names_and_kpi_colours_only() {
    let (_dir, path, app) = setup(false);
    let (sid, _) = login(&app, "sup").await;
    let page = get(&app, &format!("/ranking?{RANGE}"), &sid).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    // people by role, bots apart
    let presale = body.find("<h2>售前客服").unwrap();
    let bots = body.find("<h2>机器人").unwrap();
    assert!(presale < bots);
    let header = header_of(body, "presale");
    assert_eq!(header[..3], ["名次", "客服账号", "组"]);
    let conv = header
        .iter()
        .position(|h| h == "询单→最终付款转化率（%）")
        .expect("the core KPI is a column");
    // sorted by 询单转化率, best first, and 名次 says so (ties share a rank)
    let rows = rows_of(body, "presale");
    assert_eq!(rows.len(), 5);
    let values: Vec<f64> = rows.iter().map(|r| pct(&r[conv].0).unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    for (i, r) in rows.iter().enumerate() {
        let better = values.iter().filter(|&&v| v > values[i]).count();
        assert_eq!(r[0].0, (better + 1).to_string(), "rank of row {i}");
        // short names, the full one as the tooltip
        assert!(!r[1].0.contains(':'), "{}", r[1].0);
    }
    assert!(body.contains("title=\"晨光旗舰店:Lily\"><a href=\"/account?"));
    // colours: only on KPI columns, and the best of a lower-is-better column is its lowest
    for (col, name) in header.iter().enumerate().skip(3) {
        let key = kefu_core::figures::ACCOUNT_FIGURES
            .iter()
            .find(|f| name.starts_with(f.zh))
            .map(|f| f.key)
            .unwrap();
        let f = figure(key).unwrap();
        let classes: Vec<&str> = rows.iter().map(|r| r[col].1.as_str()).collect();
        if f.direction == Direction::Neutral || matches!(key, "consulted" | "inquiries" | "slow") {
            assert!(
                classes.iter().all(|c| c.is_empty()),
                "{key} is not a KPI column: {classes:?}"
            );
        }
        if f.key == "avg_first_response_secs" {
            let secs = |s: &str| {
                let (m, s) = s.split_once(':').unwrap();
                m.parse::<i64>().unwrap() * 60 + s.parse::<i64>().unwrap()
            };
            let times: Vec<i64> = rows.iter().map(|r| secs(&r[col].0)).collect();
            let best = rows.iter().position(|r| r[col].1 == "best").unwrap();
            let worst = rows.iter().position(|r| r[col].1 == "worst").unwrap();
            assert_eq!(times[best], *times.iter().min().unwrap());
            assert_eq!(times[worst], *times.iter().max().unwrap());
        }
    }
    // the default columns, not thirty: the picker offers the rest
    assert!(header.len() < 16, "{header:?}");
    assert!(body.contains("<details class=\"columns\">"));

    // cols= picks the columns; the download has the same ones
    let picked = get(
        &app,
        &format!("/ranking?{RANGE}&cols=consulted,sales"),
        &sid,
    )
    .await;
    assert_eq!(
        header_of(&picked.body, "presale"),
        ["名次", "客服账号", "组", "咨询人数", "客服销售额（元）"]
    );
    let csv = get(
        &app,
        &format!("/ranking?{RANGE}&cols=consulted,sales&export=csv&table=presale"),
        &sid,
    )
    .await;
    assert!(
        csv.body
            .starts_with("\u{FEFF}名次,客服账号,组,咨询人数,客服销售额（元）\n"),
        "{}",
        csv.body
    );
    let all = get(&app, &format!("/ranking?{RANGE}&cols=all"), &sid).await;
    assert_eq!(
        header_of(&all.body, "presale").len(),
        // every figure of a Taobao store (the default profile): all but the five of the
        // other platforms' profiles
        3 + kefu_core::figures::ACCOUNT_FIGURES.len() - 5
    );

    // with a plan in force, its first KPI is the core one
    let toml = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plans/presale.toml"),
    )
    .unwrap()
    .replacen(
        "figure = \"inquiry_conversion\"",
        "figure = \"reply_rate\"",
        1,
    );
    let mut db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    db.save_plan_version(
        "presale",
        kefu_plan::Month::parse("2026-11").unwrap(),
        &toml,
        Some("admin"),
        &[store.id],
    )
    .unwrap();
    drop(db);
    let page = get(&app, &format!("/ranking?{RANGE}"), &sid).await;
    let header = header_of(&page.body, "presale");
    let reply = header.iter().position(|h| h == "回复率（%）").unwrap();
    let rows = rows_of(&page.body, "presale");
    let values: Vec<f64> = rows.iter().map(|r| pct(&r[reply].0).unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    assert_eq!(rows[0][0].0, "1");
    assert!(
        page.body
            .contains("按核心指标排名：<strong>回复率（%）</strong>")
    );
}

#[tokio::test]
async fn an_agent_sees_their_own_row_with_their_rank_among_peers() {
    let (_dir, path, app) = setup(false);
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let lily = db.user("lily").unwrap().unwrap();
    let id = support::account_id(&db, store.id, "晨光旗舰店:Lily");
    db.link_account(&lily, store.id, id).unwrap();
    drop(db);
    let (sup, _) = login(&app, "sup").await;
    let whole = get(&app, &format!("/ranking?{RANGE}"), &sup).await;
    let rank = rows_of(&whole.body, "presale")
        .into_iter()
        .find(|r| r[1].0 == "Lily")
        .unwrap()[0]
        .0
        .clone();
    let (sid, _) = login(&app, "lily").await;
    let own = get(
        &app,
        &format!("/ranking?store={}&{RANGE}", enc(STORE)),
        &sid,
    )
    .await;
    let rows = rows_of(&own.body, "presale");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1].0, "Lily");
    assert_eq!(rows[0][0].0, format!("{rank}/5"));
    for other in ["小美", "老王", "七七", "阿强"] {
        assert!(!own.body.contains(other), "{other}");
    }
}

#[tokio::test]
async fn a_users_chosen_columns_are_saved_and_restored_for_them_only() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "sup").await;
    let default = header_of(
        &get(&app, &format!("/ranking?{RANGE}"), &sid).await.body,
        "presale",
    );
    let picked = get(
        &app,
        &format!("/ranking?{RANGE}&cols=consulted,sales"),
        &sid,
    )
    .await;
    assert!(picked.body.contains("保存为我的默认列"), "{}", picked.body);
    let back = format!(
        "/ranking?store={}&{RANGE}&group=&role=&lang=zh-CN",
        enc(STORE)
    );
    let saved = post(
        &app,
        "/ranking/view",
        &sid,
        &format!("csrf={csrf}&cols=consulted,sales&back={}", enc(&back)),
    )
    .await;
    assert_eq!(
        saved.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        saved.body
    );
    assert_eq!(saved.headers[axum::http::header::LOCATION], back.as_str());
    // Restored with no `cols=` in the address, the export too.
    let again = get(&app, &format!("/ranking?{RANGE}"), &sid).await;
    let mine = ["名次", "客服账号", "组", "咨询人数", "客服销售额（元）"];
    assert_eq!(header_of(&again.body, "presale"), mine);
    assert!(again.body.contains("已使用我保存的列"));
    let csv = get(
        &app,
        &format!("/ranking?{RANGE}&export=csv&table=presale"),
        &sid,
    )
    .await;
    assert!(
        csv.body
            .starts_with("\u{FEFF}名次,客服账号,组,咨询人数,客服销售额（元）\n")
    );
    // kefu's default stays one link away
    let d = get(&app, &format!("/ranking?{RANGE}&cols=default"), &sid).await;
    assert_eq!(header_of(&d.body, "presale"), default);
    // Another user's ranking is theirs.
    let (admin, _) = login(&app, "admin").await;
    let theirs = get(&app, &format!("/ranking?{RANGE}"), &admin).await;
    assert_eq!(header_of(&theirs.body, "presale"), default);
    // Only a ranking address to go back to; odd column text refused.
    let elsewhere = post(
        &app,
        "/ranking/view",
        &sid,
        &format!(
            "csrf={csrf}&cols=served&back={}",
            enc("https://evil.example/")
        ),
    )
    .await;
    assert_eq!(
        elsewhere.headers[axum::http::header::LOCATION],
        "/ranking?lang=zh-CN"
    );
    let odd = post(
        &app,
        "/ranking/view",
        &sid,
        &format!("csrf={csrf}&cols={}", enc("<x>")),
    )
    .await;
    assert_eq!(odd.status, axum::http::StatusCode::BAD_REQUEST);
    // Forgotten: the default again.
    post(
        &app,
        "/ranking/view",
        &sid,
        &format!("csrf={csrf}&forget=1"),
    )
    .await;
    let forgot = get(&app, &format!("/ranking?{RANGE}"), &sid).await;
    assert_eq!(header_of(&forgot.body, "presale"), default);
    assert!(!forgot.body.contains("已使用我保存的列"));
}
