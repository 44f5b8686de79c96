//! `/worklists` over HTTP: agents see and work their own items only, supervisors see the
//! store's and reassign, an item of another store is answered as if it did not exist. The
//! store is small and its items are worked out by hand (`docs/metrics.md`, "Worklists and
//! recovered sales").

mod support;

use axum::http::StatusCode;
use kefu_store::{Db, UserRole};
use support::*;

const SHOP: &str = "店";

fn shop(path: &std::path::Path) {
    import_files(
        path,
        SHOP,
        "shop",
        &[
            (
                "m.csv",
                "time,buyer,account,sender,text\n\
                 2026-11-11 12:00:00,amy,店:小美,buyer,这个有货吗\n\
                 2026-11-11 12:02:00,amy,店:小美,agent,有的\n\
                 2026-11-11 12:30:00,amy,店:小美,agent,亲记得付款哦\n\
                 2026-11-11 15:00:00,amy,店:小美,agent,还在吗\n\
                 2026-11-11 14:00:00,cy,店:小王,buyer,能便宜点吗\n\
                 2026-11-11 14:01:00,cy,店:小王,agent,已经是最低价了\n"
                    .to_string(),
            ),
            (
                "o.csv",
                "order_id,buyer,created_at,amount,paid_at,closed_at\n\
                 O-A1,amy,2026-11-11 12:10:00,199.00,,2026-11-12 12:10:00\n\
                 O-A2,amy,2026-11-12 20:00:00,199.00,2026-11-12 20:30:00,\n\
                 O-B,bob,2026-11-12 12:00:00,1288.00,,\n"
                    .to_string(),
            ),
        ],
    );
    let db = Db::open(path).unwrap();
    let store = db.store(SHOP).unwrap();
    let mei = db.create_user("mei", UserRole::Agent, PW).unwrap();
    db.link_account(&mei, store.id, account_id(&db, store.id, "店:小美"))
        .unwrap();
    let wang = db.create_user("wang", UserRole::Agent, PW).unwrap();
    db.link_account(&wang, store.id, account_id(&db, store.id, "店:小王"))
        .unwrap();
    let sup = db.user("sup").unwrap().unwrap();
    db.assign_store(&sup, store.id).unwrap();
}

fn form(csrf: &str, fields: &str) -> String {
    format!("csrf={csrf}&store={}&{fields}", enc(SHOP))
}

#[tokio::test]
async fn agents_work_their_own_items_and_supervisors_reassign() {
    let (_dir, path, app) = setup(false);
    shop(&path);
    let cy = {
        let db = Db::open(&path).unwrap();
        let store = db.store(SHOP).unwrap();
        db.names(store.id).unwrap().get("cy").unwrap()
    };
    // As of the data's end (O-A2 paid 11-12 20:30): cy's inquiry of 11-11 is lost to 小王
    // (open, due 11-12 08:00); bob's order is unpaid since 12:15 with nobody serving him;
    // amy's two orders are recovered.
    let cy_key = format!("lost_inquiry:{cy}:2026-11-11");
    let (wang, wang_csrf) = login(&app, "wang").await;
    let page = get(
        &app,
        &format!("/worklists?store={}&lang=zh", enc(SHOP)),
        &wang,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("工作清单") && page.body.contains("询单流失"),
        "{}",
        page.body
    );
    assert!(page.body.contains("2026-11-12 08:00:00") && page.body.contains(&cy_key));
    assert!(
        !page.body.contains("小美") && !page.body.contains("O-B"),
        "{}",
        page.body
    );

    let (mei, mei_csrf) = login(&app, "mei").await;
    let page = get(
        &app,
        &format!("/worklists?store={}&lang=en", enc(SHOP)),
        &mei,
    )
    .await;
    assert!(page.body.contains("Nothing to do."), "{}", page.body);
    // 小王's item is not hers: as if it did not exist.
    let res = post(
        &app,
        "/worklists/status",
        &mei,
        &form(&mei_csrf, &format!("key={}&status=lost", enc(&cy_key))),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Agents do not reassign.
    let res = post(
        &app,
        "/worklists/assign",
        &mei,
        &form(&mei_csrf, "key=unpaid%3AO-B&owner="),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The supervisor sees every open item and gives bob's order to 小美.
    let (sup, sup_csrf) = login(&app, "sup").await;
    let page = get(
        &app,
        &format!("/worklists?store={}&lang=en", enc(SHOP)),
        &sup,
    )
    .await;
    assert!(
        page.body.contains("O-B") && page.body.contains(&cy_key),
        "{}",
        page.body
    );
    assert!(page.body.contains("¥1,288.00"), "{}", page.body);
    let res = post(
        &app,
        "/worklists/assign",
        &sup,
        &form(
            &sup_csrf,
            &format!("key=unpaid%3AO-B&owner={}", enc("店:小美")),
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Another store's item ids: not found there.
    let res = post(
        &app,
        "/worklists/status",
        &sup,
        &format!(
            "csrf={sup_csrf}&store={}&key=unpaid%3AO-B&status=lost",
            enc(STORE)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // A recovery is measured, never set.
    let res = post(
        &app,
        "/worklists/status",
        &sup,
        &form(&sup_csrf, "key=unpaid%3AO-B&status=recovered"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // Now 小美 has it, and marks her call.
    let page = get(
        &app,
        &format!("/worklists?store={}&lang=en", enc(SHOP)),
        &mei,
    )
    .await;
    assert!(
        page.body.contains("O-B") && page.body.contains("¥1,288.00"),
        "{}",
        page.body
    );
    let res = post(
        &app,
        "/worklists/status",
        &mei,
        &form(&mei_csrf, "key=unpaid%3AO-B&status=contacted"),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let db = Db::open(&path).unwrap();
    let store = db.store(SHOP).unwrap();
    let items = db
        .worklist_items(
            store.id,
            &kefu_store::worklists::ItemFilter {
                key: Some("unpaid:O-B".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let mei_id = account_id(&db, store.id, "店:小美");
    assert_eq!(items[0].status, kefu_store::worklists::Status::Contacted);
    assert_eq!(items[0].owner, Some(mei_id));
    assert_eq!(items[0].mark.map(|m| m.0), Some(mei_id));
    drop(db);
    // wang's own item he may work.
    let res = post(
        &app,
        "/worklists/status",
        &wang,
        &form(
            &wang_csrf,
            &format!("key={}&status=do_not_contact", enc(&cy_key)),
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // The supervisor's view with the decided items: amy's recoveries, O-A2's ¥199.00 counted
    // once, uncredited (no contact after it was placed); O-A1's credited to 小美 (15:00).
    let page = get(
        &app,
        &format!("/worklists?store={}&lang=en&all=1", enc(SHOP)),
        &sup,
    )
    .await;
    assert!(page.body.contains("Recovered ¥199.00"), "{}", page.body);
    assert!(page.body.contains("No contact: the buyer came back alone"));
    assert!(page.body.contains("Reminder timing") && page.body.contains("Worklist settings"));
    assert!(page.body.contains("Do not contact"));
}
