// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Issue 14 item 1 and the hour-chart bug: the start page says how fresh the data is, shows
//! the store's key figures against the previous period, the week by hour and what needs
//! attention; an agent's start page is theirs; and every chart agrees with its table.

mod support;

use kefu_core::figures::{C, Counters, figure};
use kefu_core::time::Day;
use kefu_report::By;
use kefu_store::Db;
use kefu_web::format;
use support::{STORE, chart_values, enc, get, login, row, setup};

/// Links Lily's account to the user lily.
fn link_lily(path: &std::path::Path) {
    let db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    let lily = db.user("lily").unwrap().unwrap();
    let id = support::account_id(&db, store.id, "晨光旗舰店:Lily");
    db.link_account(&lily, store.id, id).unwrap();
}

fn store_row(db: &Db, from: Day, to: Day) -> Counters {
    kefu_report::build(db, By::Store, from, to, Some(STORE))
        .unwrap()
        .rows
        .pop()
        .unwrap()
        .counters
}

/// The numbers of a heatmap table, its row totals left out.
fn heat_cells(body: &str, id: &str) -> Vec<i64> {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id}"));
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let tbody = &table[table.find("<tbody>").unwrap()..];
    tbody
        .split("<td class=\"h")
        .skip(1)
        .map(|c| {
            let inner = &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()];
            inner.parse().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn the_supervisors_start_page_says_what_matters() {
    let (_dir, path, app) = setup(false);
    // a last day of chats: 小美 answers after five minutes (slow), Lily never (unreplied)
    let day = "time,buyer,account,sender,text\n\
        2026-11-14 10:00:00,buyer_new1,晨光旗舰店:小美,buyer,在吗\n\
        2026-11-14 10:05:00,buyer_new1,晨光旗舰店:小美,agent,在的\n\
        2026-11-14 11:00:00,buyer_new2,晨光旗舰店:Lily,buyer,有货吗\n";
    support::import_files(
        &path,
        STORE,
        "last-day",
        &[("messages_last.csv", day.to_string())],
    );
    let (sid, _) = login(&app, "sup").await;
    let page = get(&app, "/?days=7", &sid).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    // data up to the latest message, said plainly; the sample is older than a day
    let last = db.last_message_time(store.id).unwrap().unwrap();
    let last_day = Day::of(last);
    assert_eq!(last_day.to_string(), "2026-11-14");
    assert!(body.contains(&format!(
        "数据截至 <strong>{}</strong>",
        kefu_core::time::format_time(last)
    )));
    let fresh = &body[body.find("<p class=\"freshness").unwrap()..];
    assert!(
        fresh.starts_with("<p class=\"freshness stale\" role=\"alert\""),
        "{}",
        &fresh[..200]
    );
    assert!(body.contains("已超过一天没有新数据"));
    // the period: the 7 days ending on the last day with chats, against the 7 before
    let (from, to) = (last_day.offset(-6), last_day);
    assert!(body.contains(&format!("<strong>{from} – {to}</strong>")));
    let (cur, prev) = (
        store_row(&db, from, to),
        store_row(&db, from.offset(-7), from.offset(-1)),
    );
    // the cards: the core KPI first, each value the report's, a link to its items
    let cards: Vec<&str> = body.split("<a class=\"card\"").skip(1).collect();
    assert!(cards.len() >= 8, "{}", cards.len());
    assert!(cards[0].contains("询单→最终付款转化率（%）"));
    for key in [
        "consulted",
        "inquiry_conversion",
        "sales",
        "total_sales",
        "avg_first_response_secs",
    ] {
        let f = figure(key).unwrap();
        let card = cards
            .iter()
            .find(|c| c.contains(&format!("figure={key}&amp;")))
            .unwrap_or_else(|| panic!("card {key}"));
        assert!(
            card.contains(&format!(
                "<strong class=\"value\">{}</strong>",
                format::value(f, f.value(&cur))
            )),
            "{key}: {card}"
        );
        assert!(card.contains(&format::value(f, f.value(&prev))), "{key}");
        assert!(card.contains(&format!("from={from}&amp;to={to}")), "{key}");
    }
    // the week by hour: every consulted and slow reception of the 28 days, once
    let heat = store_row(&db, last_day.offset(-27), last_day);
    let consulted = heat_cells(body, "heat-consulted");
    let slow = heat_cells(body, "heat-slow");
    assert_eq!(consulted.len(), 7 * 24);
    assert_eq!(consulted.iter().sum::<i64>(), heat.get(C::consulted));
    assert_eq!(slow.iter().sum::<i64>(), heat.get(C::slow));
    assert!(heat.get(C::slow) > 0);
    // what needs attention on the last day: unreplied buyers and slow agents, each a link
    let day = kefu_report::build(&db, By::Account, last_day, last_day, Some(STORE)).unwrap();
    let unreplied: i64 = day.rows.iter().map(|r| r.counters.get(C::unreplied)).sum();
    assert_eq!(unreplied, 1);
    assert!(body.contains(&format!(
        "figure=unreplied&amp;lang=zh-CN\">{unreplied} 位买家咨询后未获回复（{last_day}）</a>"
    )));
    let slow_agents: Vec<_> = day
        .rows
        .iter()
        .filter(|r| !r.is_bot && r.counters.get(C::slow) > 0)
        .collect();
    assert_eq!(slow_agents.len(), 1, "小美");
    for r in slow_agents {
        let short = r.key.as_deref().unwrap().split(':').nth(1).unwrap();
        assert!(
            body.contains(&format!(
                "{short}：{} 位买家慢响应（{last_day}）",
                r.counters.get(C::slow)
            )),
            "{short}"
        );
    }
    // English, and a day without data draws no empty scale
    let en = get(&app, "/?lang=en", &sid).await;
    assert!(en.body.contains("Data up to") && en.body.contains("Needs attention"));
    let overview = get(&app, "/overview?from=2026-10-01&to=2026-10-02", &sid).await;
    assert_eq!(overview.status, 200);
    assert!(!overview.body.contains(">0.00<"), "an empty axis");
}

#[tokio::test]
async fn an_agents_start_page_is_theirs() {
    let (_dir, path, app) = setup(false);
    link_lily(&path);
    let (sup, _) = login(&app, "sup").await;
    let ranking = get(&app, "/ranking?from=2026-11-06&to=2026-11-12", &sup).await;
    // Lily's rank among the presale agents, as the whole ranking says
    let table = &ranking.body[ranking.body.find("id=\"presale\"").unwrap()..];
    let lily_row = &table[..table.find(">Lily</a>").unwrap()];
    let rank_cell = &lily_row[lily_row.rfind("<tr><td>").unwrap() + 8..];
    let rank = &rank_cell[..rank_cell.find("</td>").unwrap()];

    let (sid, _) = login(&app, "lily").await;
    let page = get(&app, "/?days=7", &sid).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    assert!(
        body.contains(&format!("<strong>{rank} / 5</strong>")),
        "{rank}"
    );
    // own figures against the team's: the team is 售前一组 (小美, 阿强, Lily)
    let db = Db::open(&path).unwrap();
    let (from, to) = (
        Day::parse("2026-11-06").unwrap(),
        Day::parse("2026-11-12").unwrap(),
    );
    let rows = kefu_report::build(&db, By::Account, from, to, Some(STORE))
        .unwrap()
        .rows;
    let group: Vec<&Counters> = rows
        .iter()
        .filter(|r| {
            ["晨光旗舰店:小美", "晨光旗舰店:阿强", "晨光旗舰店:Lily"]
                .contains(&r.key.as_deref().unwrap())
        })
        .map(|r| &r.counters)
        .collect();
    let team: Counters = group.iter().copied().sum();
    let mine = &rows
        .iter()
        .find(|r| r.key.as_deref() == Some("晨光旗舰店:Lily"))
        .unwrap()
        .counters;
    assert!(body.contains("团队平均</th>") || body.contains("团队平均 (售前一组, 3 人)"));
    let conv = figure("inquiry_conversion").unwrap();
    assert_eq!(
        row(body, "询单→最终付款转化率（%）")[1..],
        [
            format::value(conv, conv.value(mine)),
            format::value(conv, conv.value(&team))
        ]
    );
    let consulted = row(body, "咨询人数");
    assert_eq!(consulted[1], mine.get(C::consulted).to_string());
    assert_eq!(
        consulted[2],
        format!("{:.1}", team.get(C::consulted) as f64 / 3.0)
    );
    // nobody else's name, no store totals, no attention list of the store
    for other in [
        "小美",
        "阿强",
        "老王",
        "七七",
        "店小蜜",
        "店铺销售额",
        "需要关注",
    ] {
        assert!(!body.contains(other), "{other}");
    }
    assert!(body.contains("我的质检"));
    // her week by hour is her own
    let heat: i64 = heat_cells(body, "heat-consulted").iter().sum();
    let c = kefu_report::build(&db, By::Account, to.offset(-27), to, Some(STORE))
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.key.as_deref() == Some("晨光旗舰店:Lily"))
        .unwrap()
        .counters;
    assert_eq!(heat, c.get(C::consulted));
}

/// The number a chart or table cell shows: `¥1,234.56` is 1234.56.
fn number(s: &str) -> f64 {
    s.trim_start_matches('¥')
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("`{s}`"))
}

/// The hour-chart bug (issue 14): every chart of the overview and the agent page shows the
/// values of the table beside it, for the supervisor and for an agent.
#[tokio::test]
async fn every_chart_agrees_with_its_table() {
    let (_dir, path, app) = setup(false);
    link_lily(&path);
    let range = "from=2026-11-10&to=2026-11-12";
    for who in ["sup", "lily"] {
        let (sid, _) = login(&app, who).await;
        let page = get(
            &app,
            &format!("/overview?store={}&{range}", enc(STORE)),
            &sid,
        )
        .await;
        let body = &page.body;
        let figures = row(body, "咨询人数");
        let consulted = number(&figures[1]);
        assert!(consulted > 0.0, "{who}");
        // by hour: 24 columns summing to the table's 咨询人数
        let hours = chart_values(body, "<figure class=\"hours\">");
        assert_eq!(hours.len(), 24);
        let sum: f64 = hours.iter().map(|(_, v)| number(v)).sum();
        assert_eq!(sum, consulted, "{who}: the hour chart against the table");
        // the trend by day (咨询人数 by default) sums to the same
        let start = body.find("<h2>按日趋势").unwrap();
        let trend: f64 = body[start..body[start..].find("</svg>").unwrap() + start]
            .split("<title>")
            .skip(2)
            .map(|t| number(t[..t.find("</title>").unwrap()].split(": ").nth(1).unwrap()))
            .sum();
        assert_eq!(trend, consulted, "{who}: the trend against the table");
        if who == "sup" {
            // the sales split: each bar is its row of the table
            for (label, value) in chart_values(body, "<figure class=\"sales-split\">") {
                let cells = row(body, &format!("{label}（元）"));
                assert_eq!(number(&value), number(&cells[1]), "{label}");
            }
        }
    }
    // the agent page: the daily charts are the daily table's columns, the funnel the
    // figures table's counts
    let (sid, _) = login(&app, "lily").await;
    let page = get(
        &app,
        &format!(
            "/account?store={}&account={}&{range}",
            enc(STORE),
            enc("晨光旗舰店:Lily")
        ),
        &sid,
    )
    .await;
    let body = &page.body;
    let consulted = chart_values(body, "<figure class=\"daily-consulted\">");
    let sales = chart_values(body, "<figure class=\"daily-sales\">");
    assert_eq!(consulted.len(), 3);
    for ((label, n), (_, yuan)) in consulted.iter().zip(&sales) {
        let cells = row(body, &format!("2026-{label}"));
        assert_eq!(number(n), number(&cells[1]), "{label}");
        assert_eq!(number(yuan), number(&cells[2]), "{label}");
    }
    for (label, value) in chart_values(body, "<figure class=\"funnel\">") {
        let cells = row(body, &label);
        assert_eq!(number(&value), number(&cells[1]), "{label}");
    }
}

/// Issue 14 item 1: unpaid orders nobody has reminded are on the attention list, from the
/// worklists, and lead to exactly those items.
#[tokio::test]
async fn unpaid_orders_not_reminded_need_attention() {
    let (_dir, path, app) = setup(false);
    let day = "time,buyer,account,sender,text\n\
        2026-11-14 10:00:00,buyer_new1,晨光旗舰店:小美,buyer,这个有货吗\n\
        2026-11-14 10:00:40,buyer_new1,晨光旗舰店:小美,agent,有的亲\n\
        2026-11-14 11:00:00,buyer_new2,晨光旗舰店:Lily,buyer,能便宜点吗\n\
        2026-11-14 11:00:30,buyer_new2,晨光旗舰店:Lily,agent,已经是最低价了\n\
        2026-11-14 11:40:00,buyer_new2,晨光旗舰店:Lily,agent,亲，订单还没付款哦\n";
    let orders = "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
        N-UNPAID-1,buyer_new1,2026-11-14 10:10:00,,,1288.00,1\n\
        N-UNPAID-2,buyer_new2,2026-11-14 11:10:00,,,99.00,1\n";
    support::import_files(
        &path,
        STORE,
        "unpaid",
        &[
            ("messages_last.csv", day.to_string()),
            ("orders_last.csv", orders.to_string()),
        ],
    );
    // the lists as an import leaves them
    let mut db = Db::open(&path).unwrap();
    kefu_app::worklists::refresh(
        &mut db,
        &kefu_core::settings::Config::default(),
        Some(STORE),
        None,
    )
    .unwrap();
    let store_id = db.store(STORE).unwrap().id;
    let expected = kefu_app::worklists::not_reminded(&db, store_id).unwrap();
    // the count the page reads agrees with the items, for the store and for one owner
    let cents_of = |items: &[kefu_store::worklists::StoredItem]| -> i64 {
        items.iter().map(|i| i.item.amount).sum()
    };
    assert_eq!(
        kefu_app::worklists::not_reminded_totals(&db, store_id, None).unwrap(),
        (expected.len() as u64, cents_of(&expected))
    );
    let owner = expected
        .iter()
        .find_map(|i| i.owner)
        .expect("an owned item");
    let owned: Vec<_> = expected
        .iter()
        .filter(|i| i.owner == Some(owner))
        .cloned()
        .collect();
    assert_eq!(
        kefu_app::worklists::not_reminded_totals(&db, store_id, Some(&[owner])).unwrap(),
        (owned.len() as u64, cents_of(&owned))
    );
    drop(db);
    // N-UNPAID-1 was never reminded; Lily reminded N-UNPAID-2 at 11:40
    let refs: Vec<&str> = expected.iter().map(|i| i.item.reference.as_str()).collect();
    assert!(refs.contains(&"N-UNPAID-1"), "{refs:?}");
    assert!(!refs.contains(&"N-UNPAID-2"), "{refs:?}");
    let cents: i64 = expected.iter().map(|i| i.item.amount).sum();
    let (sid, _) = login(&app, "sup").await;
    let page = get(&app, "/", &sid).await;
    assert_eq!(page.status, 200);
    let line = format!(
        "/worklists?store={}&amp;list=unpaid&amp;reminded=0&amp;lang=zh-CN\">{} 笔下单未付款订单还没有催付（{}）</a>",
        enc(STORE),
        expected.len(),
        format::money(cents)
    );
    assert!(page.body.contains(&line), "{}", page.body);
    let en = get(&app, "/?lang=en", &sid).await;
    assert!(
        en.body
            .contains(&format!("{} unpaid orders not reminded", expected.len()))
    );
    // the link: those items, no other
    let list = get(
        &app,
        &format!("/worklists?store={}&list=unpaid&reminded=0", enc(STORE)),
        &sid,
    )
    .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let tbody = &list.body[list.body.find("<tbody>").unwrap()..];
    let tbody = &tbody[..tbody.find("</tbody>").unwrap()];
    assert_eq!(tbody.matches("<tr>").count(), expected.len());
    for r in &refs {
        assert!(
            tbody.contains(&format!("<td data-label=\"单号/日期\">{r}</td>")),
            "{r}"
        );
    }
    assert!(!tbody.contains("N-UNPAID-2"));
}
