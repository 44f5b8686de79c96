//! Migration 9 gives plans their stores: a database whose plans were shared by every store
//! computes the same payslips after the migration as before it.

use kefu_core::model::{ImportBatch, ImportedMessage, Message, Order, Sender};
use kefu_core::settings::Config;
use kefu_plan::Month;
use kefu_store::Db;

const PLAN: &str = r#"id = "t"
name = "提成"
[[kpi]]
figure = "inquiry_conversion"
weight = 100
bands = [{ min = "50%", score = 100 }]
[[pay]]
tiered = { tiers = [{ from = 0, rate = "1%" }] }
"#;

fn nov() -> Month {
    Month::parse("2026-11").unwrap()
}

/// Two stores, each with one agent who answers one buyer who then pays an order.
fn batch() -> ImportBatch {
    let mut b = ImportBatch::default();
    for (s, (store_name, amount)) in [("一店", 1_000_000), ("二店", 555_500)]
        .into_iter()
        .enumerate()
    {
        let store = b.names.intern(store_name);
        let account = b.names.intern(&format!("{store_name}:小美"));
        let buyer = b.names.intern(&format!("买家{s}"));
        let start = nov().first_day().offset(3).start() + 10 * 3_600_000;
        for (i, (sender, at)) in [(Sender::Buyer, 0), (Sender::Agent, 30_000)]
            .into_iter()
            .enumerate()
        {
            let text = b.push_text("在吗");
            b.messages.push(ImportedMessage {
                store,
                message: Message {
                    time: start + at,
                    buyer,
                    account,
                    sender,
                    transfer_to: None,
                    seq: i as u64,
                },
                text,
                msg_id: None,
            });
        }
        b.orders.push((
            store,
            Order {
                order_id: format!("O{s}"),
                buyer,
                created_at: start + 300_000,
                paid_at: Some(start + 360_000),
                closed_at: None,
                amount,
                items: 1,
                address: None,
                presale: None,
            },
        ));
    }
    b
}

#[test]
fn migrating_shared_plans_changes_no_payslip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut db = Db::open(&path).unwrap();
    db.import(batch(), &Config::default()).unwrap();
    let stores: Vec<i64> = db.stores().unwrap().iter().map(|s| s.id).collect();
    assert_eq!(stores.len(), 2);
    // What every store was paid while plans were shared: each plan in force run for the
    // store (`run_plan` reads no ownership).
    let plan = kefu_plan::parse(PLAN).unwrap();
    let before: Vec<_> = stores
        .iter()
        .map(|&s| {
            kefu_app::plans::run_plan(&db, s, &plan, Some(&plan), nov())
                .unwrap()
                .0
        })
        .collect();
    drop(db);

    // The database as migration 8 left it: a plan version and no stores of plans (undoing
    // everything migration 9 adds), then migration 9 run on it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE plan_stores; DROP INDEX refunds_by_order;
         ALTER TABLE accounts DROP COLUMN joined_on; ALTER TABLE accounts DROP COLUMN left_on;",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO plan_versions (plan_id, valid_from, toml, saved_at) VALUES ('t', '2026-11', ?1, 0)",
        [PLAN],
    )
    .unwrap();
    conn.execute_batch(&kefu_store::migration_sql(9).unwrap())
        .unwrap();
    drop(conn);

    let db = Db::open(&path).unwrap();
    assert_eq!(db.plan_stores("t").unwrap(), stores);
    let after: Vec<_> = stores
        .iter()
        .map(|&s| {
            let mut r = kefu_app::plans::run_stored_plans(&db, s, nov(), None).unwrap();
            assert_eq!(r.len(), 1);
            r.remove(0)
        })
        .collect();
    let totals: Vec<i64> = after.iter().map(|r| r.payslips[0].total_cents).collect();
    assert_eq!(totals, vec![10_000, 5_555]);
    assert_eq!(
        serde_json::to_value(&before).unwrap(),
        serde_json::to_value(&after).unwrap()
    );
}
