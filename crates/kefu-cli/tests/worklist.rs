//! `kefu worklist`: the lists, recovered sales and settings from the command line, on a store
//! whose expected values are computed by hand (`docs/metrics.md`, "Worklists and recovered
//! sales").

use serde_json::Value;
use support::cli::{kefu, ok};

mod support;

fn store(dir: &std::path::Path) -> String {
    let m = dir.join("m.csv");
    std::fs::write(
        &m,
        "time,buyer,account,sender,text\n\
         2026-11-11 12:00:00,amy,店:小美,buyer,这个有货吗\n\
         2026-11-11 12:02:00,amy,店:小美,agent,有的\n\
         2026-11-11 12:30:00,amy,店:小美,agent,亲记得付款哦\n\
         2026-11-11 12:35:00,amy,店:小美,agent,今天有优惠\n\
         2026-11-11 15:00:00,amy,店:小美,agent,还在吗\n",
    )
    .unwrap();
    let o = dir.join("o.csv");
    std::fs::write(
        &o,
        "order_id,buyer,created_at,amount,paid_at,closed_at\n\
         O-A1,amy,2026-11-11 12:10:00,199.00,,2026-11-12 12:10:00\n\
         O-A2,amy,2026-11-12 20:00:00,199.00,2026-11-12 20:30:00,\n\
         O-B,bob,2026-11-12 21:50:00,88.00,,\n",
    )
    .unwrap();
    let db = dir.join("k.db");
    let db = db.to_str().unwrap().to_string();
    let out = ok(&[
        "import",
        "--db",
        &db,
        "--store",
        "店",
        m.to_str().unwrap(),
        o.to_str().unwrap(),
    ]);
    assert!(
        out.contains("worklists refreshed: 2 items (2 new)"),
        "{out}"
    );
    db
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap()
}

fn item<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("{key} not in {r:#}"))
}

#[test]
fn lists_recoveries_and_settings_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let base = ["worklist", "--db", &db, "--store", "店", "--format", "json"];
    let r = json(&[&base[..], &["--all"]].concat());
    assert_eq!(r["as_of"], "2026-11-12 21:50:00");
    // O-B (created 21:50) is not an item yet: its first reminder falls due at 22:05.
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    let a1 = item(&r, "unpaid:O-A1");
    assert_eq!(a1["status"], "recovered");
    assert_eq!(a1["reminders"], 2);
    assert_eq!(a1["last_reminder_at"], "2026-11-11 15:00:00");
    assert_eq!(a1["recovered_order"], "O-A2");
    assert_eq!(a1["recovered_at"], "2026-11-12 20:30:00");
    assert_eq!(a1["credited"], "店:小美");
    assert_eq!(a1["recovered_cents"], 0);
    assert_eq!(a1["time_to_recover_secs"], 32 * 3600 + 5 * 60);
    let a2 = item(&r, "unpaid:O-A2");
    assert_eq!(
        (a2["recovered_cents"].as_i64(), a2["credited"].is_null()),
        (Some(19_900), true)
    );
    let unpaid = r["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "unpaid")
        .unwrap();
    assert_eq!(
        (
            &unpaid["items"],
            &unpaid["recovered"],
            &unpaid["orders"],
            &unpaid["cents"],
            &unpaid["rate"]
        ),
        (
            &Value::from(2),
            &Value::from(2),
            &Value::from(1),
            &Value::from(19_900),
            &Value::from(1.0)
        )
    );
    let mei = &r["agents"][0];
    assert_eq!(mei["name"], "店:小美");
    assert_eq!(
        (&mei["items"], &mei["recovered"], &mei["cents"]),
        (&Value::from(2), &Value::from(1), &Value::from(0))
    );
    assert_eq!(
        (
            r["uncontacted"]["recovered"].as_i64(),
            r["uncontacted"]["cents"].as_i64()
        ),
        (Some(1), Some(19_900))
    );
    // Only open items by default: none.
    assert_eq!(json(&base)["items"].as_array().unwrap().len(), 0);

    // New items go to nobody; no quiet hours; the lists as of the next morning.
    ok(&[
        &base[..],
        &["--set", "owner=manual", "--set", "quiet_hours="],
    ]
    .concat());
    let r = json(&[&base[..], &["--at", "2026-11-13 09:00:00"]].concat());
    let b = item(&r, "unpaid:O-B");
    assert_eq!(b["owner"], Value::Null);
    assert_eq!(b["due_at"], "2026-11-12 22:05:00");
    assert_eq!(b["amount_cents"], 8_800);
    ok(&[
        &base[..],
        &[
            "--status",
            "unpaid:O-B=do_not_contact",
            "--assign",
            "unpaid:O-B=店:小美",
        ],
    ]
    .concat());
    let r = json(&base);
    let b = item(&r, "unpaid:O-B");
    assert_eq!(
        (&b["status"], &b["owner"]),
        (&Value::from("do_not_contact"), &Value::from("店:小美"))
    );
    // A recovery is measured, never set by hand.
    let out = kefu(&[&base[..], &["--status", "unpaid:O-B=recovered"]].concat());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("measured from the data"));
    let out = kefu(&[&base[..], &["--set", "first_reminder_minutes=30-15"]].concat());
    assert!(String::from_utf8_lossy(&out.stderr).contains("first_reminder_minutes"));
    // The table, in Chinese.
    let table = ok(&["worklist", "--db", &db, "--store", "店", "--lang", "zh"]);
    assert!(
        table.contains("下单未付款") && table.contains("勿打扰") && table.contains("88.00"),
        "{table}"
    );
}
