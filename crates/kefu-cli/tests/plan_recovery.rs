//! Recovered sales as plan figures (issue 16): a small store where every recovery, its credit
//! and its month are worked out by hand from `docs/metrics.md` ("Worklists and recovered
//! sales"), and the payslips of a plan that weights, targets and gates on them
//! (`testdata/worklists/plan-recovery.toml`), computed by hand from `docs/plans.md`.
//!
//! The store, default settings (conversion window 1 day, first reminder 15 min after the
//! order, recovery window 72 h):
//! - amy: 小美 answers her, she orders O1 (100.00) at 11-20 10:10; the unpaid item opens at
//!   10:25; 小美 reminds her at 10:40; paid 11:00 → recovered, credited to 小美, 35 min.
//! - ben: asks 小王 on 11-20 and orders nothing that day → a lost inquiry opening at 11-21
//!   00:00; 小王 writes at 09:00; he orders O2 (200.00) at 10:00, paid 10:05 → recovered,
//!   credited to 小王, 605 min (O2 had no unpaid item: paid before its first reminder).
//! - cat: asks 小美 on 11-22, nothing ordered → a lost inquiry opening at 11-23 00:00; 小美
//!   writes at 10:00; no order → lost at 11-26 00:00 (decided in November, contacted by 小美).
//! - dan: 小李 answers him, he orders O4 (300.00) at 11-24 10:10, unpaid; the item opens at
//!   10:25, owned by 小李 (serving), who reminds at 10:30. After that import a supervisor gives
//!   the item to 小美, who writes at 11:00; the next import has O4 paid at 12:00 → recovered,
//!   credited to 小美 (the last contact before the payment), 95 min; 小李 touched it too: it
//!   counts in his contacted decided items, with no recovery.
//! - eve: O5 (50.00) at 11-30 23:00, 小王 reminds at 23:20, paid 12-01 00:30 → recovered in
//!   December (the payment's month), credited to 小王, 75 min.
//!
//! November: 小美 2 recoveries, 2 orders, 400.00, 2 ÷ 3 contacted decided (O1, cat, O4), mean
//! 65 min; 小王 1, 1, 200.00, 1 ÷ 1, 605 min; 小李 0, 0, 0.00, 0 ÷ 1, no mean.

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::cli::{ok, slip};

mod support;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn plan_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/worklists/plan-recovery.toml")
}

fn store(dir: &Path) -> PathBuf {
    let db = dir.join("k.db");
    let m1 = write(
        dir,
        "m1.csv",
        "time,buyer,account,sender,text\n\
         2026-11-20 10:00:00,amy,店:小美,buyer,在吗\n\
         2026-11-20 10:01:00,amy,店:小美,agent,在的\n\
         2026-11-20 10:40:00,amy,店:小美,agent,亲记得付款哦\n\
         2026-11-20 14:00:00,ben,店:小王,buyer,这个多少钱\n\
         2026-11-20 14:01:00,ben,店:小王,agent,99元\n\
         2026-11-21 09:00:00,ben,店:小王,agent,亲今天有券\n\
         2026-11-22 15:00:00,cat,店:小美,buyer,有优惠吗\n\
         2026-11-22 15:01:00,cat,店:小美,agent,没有哦\n\
         2026-11-23 10:00:00,cat,店:小美,agent,亲考虑一下\n\
         2026-11-24 10:00:00,dan,店:小李,buyer,在吗\n\
         2026-11-24 10:01:00,dan,店:小李,agent,在的\n\
         2026-11-24 10:30:00,dan,店:小李,agent,亲记得付款\n",
    );
    let o1 = write(
        dir,
        "o1.csv",
        "order_id,buyer,created_at,amount,paid_at,closed_at\n\
         O1,amy,2026-11-20 10:10:00,100.00,2026-11-20 11:00:00,\n\
         O2,ben,2026-11-21 10:00:00,200.00,2026-11-21 10:05:00,\n\
         O4,dan,2026-11-24 10:10:00,300.00,,\n",
    );
    ok(&["import", "--db", s(&db), "--store", "店", s(&m1), s(&o1)]);
    // dan's unpaid order is 小李's (he served dan); a supervisor gives it to 小美.
    let base = [
        "worklist",
        "--db",
        s(&db),
        "--store",
        "店",
        "--format",
        "json",
    ];
    let r: Value = serde_json::from_str(&ok(&base)).unwrap();
    let o4 = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "unpaid:O4")
        .unwrap();
    assert_eq!(o4["owner"], "店:小李");
    ok(&[&base[..], &["--assign", "unpaid:O4=店:小美"]].concat());
    let m2 = write(
        dir,
        "m2.csv",
        "time,buyer,account,sender,text\n\
         2026-11-24 11:00:00,dan,店:小美,agent,亲还需要吗\n\
         2026-11-30 23:20:00,eve,店:小王,agent,亲记得付款\n\
         2026-12-01 08:30:00,gus,店:小王,buyer,在吗\n\
         2026-12-01 08:31:00,gus,店:小王,agent,在的\n\
         2026-12-01 09:00:00,fay,店:小李,buyer,在吗\n\
         2026-12-01 09:01:00,fay,店:小李,agent,在的\n",
    );
    let o2 = write(
        dir,
        "o2.csv",
        "order_id,buyer,created_at,amount,paid_at,closed_at\n\
         O4,dan,2026-11-24 10:10:00,300.00,2026-11-24 12:00:00,\n\
         O5,eve,2026-11-30 23:00:00,50.00,2026-12-01 00:30:00,\n",
    );
    ok(&["import", "--db", s(&db), "--store", "店", s(&m2), s(&o2)]);
    db
}

fn run(db: &Path, month: &str, plan: &Path) -> Value {
    let out = ok(&[
        "plan",
        "run",
        "--db",
        s(db),
        "--month",
        month,
        "--plan",
        s(plan),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("json");
    // One plan's result (a list when several run).
    match v {
        Value::Array(mut a) => a.remove(0),
        v => v,
    }
}

/// (value text, score, points) of a payslip's KPI.
fn kpi(p: &Value, key: &str) -> (String, i64, i64) {
    let k = p["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("no kpi {key} in {p:#}"));
    (
        k["value_text"].as_str().unwrap().to_string(),
        k["score"].as_i64().unwrap(),
        k["points"].as_i64().unwrap(),
    )
}

// Scores are hundredths of a point and cents hundredths of a yuan, written so: `88_00`.
#[allow(clippy::inconsistent_digit_grouping)]
#[test]
fn a_plan_on_recovered_sales_pays_what_was_computed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    // The lists agree with the story: O4 recovered, credited to 小美, still owned by her.
    let r: Value = serde_json::from_str(&ok(&[
        "worklist",
        "--db",
        s(&db),
        "--store",
        "店",
        "--format",
        "json",
        "--all",
    ]))
    .unwrap();
    let item = |key: &str| {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == key)
            .unwrap_or_else(|| panic!("{key} not in {r:#}"))
            .clone()
    };
    let o4 = item("unpaid:O4");
    assert_eq!(
        (&o4["status"], &o4["owner"], &o4["credited"]),
        (
            &Value::from("recovered"),
            &Value::from("店:小美"),
            &Value::from("店:小美")
        )
    );
    let cat = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["buyer"] == "cat" && i["list"] == "lost_inquiry")
        .unwrap();
    assert_eq!(
        (&cat["status"], &cat["opened_at"]),
        (&Value::from("lost"), &Value::from("2026-11-23 00:00:00"))
    );

    let nov = run(&db, "2026-11", &plan_file());
    // 小美: 400 ÷ 500 → 80 × 60% = 48; 66.67% ≥ 60% → 100 × 40% = 40; 88 → 880 + 3000.
    let mei = slip(&nov, "店:小美");
    assert_eq!(
        kpi(mei, "recovered_amount"),
        ("400.00".into(), 80_00, 48_00)
    );
    assert_eq!(kpi(mei, "recovery_rate"), ("66.67%".into(), 100_00, 40_00));
    assert_eq!(mei["total_score"], 88_00);
    assert_eq!(mei["total_cents"], 3880_00);
    assert_eq!(mei["gates"][0]["fired"], false);
    assert_eq!(mei["gates"][0]["value_text"], "2");
    // Each figure says how it was computed.
    let rate = &mei["kpis"][1];
    assert_eq!(rate["recovery"], "recovery_rate");
    assert_eq!(rate["computed_zh"], "挽回 2 ÷ 本人联系过的已结项 3");
    assert_eq!(
        rate["computed_en"],
        "2 recovered ÷ 3 decided items contacted"
    );
    assert_eq!(mei["kpis"][0]["computed_zh"], "2 项挽回合计 ¥400.00");
    assert_eq!(
        mei["gates"][0]["computed_en"],
        "2 paid orders of 2 recoveries (each order once)"
    );
    // 小王: 200 ÷ 500 → 40 × 60% = 24; 100% → 40; 64 → 640 + 3000. eve's payment on
    // 1 December is not November's.
    let wang = slip(&nov, "店:小王");
    assert_eq!(
        kpi(wang, "recovered_amount"),
        ("200.00".into(), 40_00, 24_00)
    );
    assert_eq!(
        kpi(wang, "recovery_rate"),
        ("100.00%".into(), 100_00, 40_00)
    );
    assert_eq!(
        (&wang["total_score"], &wang["total_cents"]),
        (&Value::from(64_00), &Value::from(3640_00))
    );
    // 小李: 0 → 0; 0 ÷ 1 = 0% → else 20 × 40% = 8; no recovered order halves the bonus:
    // 1000 × 8 ÷ 100 × 50% = 40 + 3000.
    let li = slip(&nov, "店:小李");
    assert_eq!(kpi(li, "recovered_amount"), ("0.00".into(), 0, 0));
    assert_eq!(kpi(li, "recovery_rate"), ("0.00%".into(), 20_00, 8_00));
    assert_eq!(li["gates"][0]["fired"], true);
    assert_eq!(
        (&li["total_score"], &li["total_cents"]),
        (&Value::from(8_00), &Value::from(3040_00))
    );

    // December (小王 worked on 1 December, so he is in the month's plan): eve's recovery is
    // his, 75 min.
    let dec = run(&db, "2026-12", &plan_file());
    let wang = slip(&dec, "店:小王");
    assert_eq!(kpi(wang, "recovered_amount").0, "50.00");
    assert_eq!(kpi(wang, "recovery_rate").0, "100.00%");
    assert_eq!(
        wang["kpis"][0]["computed_en"],
        "1 recoveries, ¥50.00 in all"
    );

    // Per list, and the time to recover: 小美's unpaid orders brought 400.00 in 65 minutes on
    // average, her lost inquiry (cat) none: 0 of 1; 小王's lost inquiry (ben) 1 of 1 in 605
    // minutes; 小李 contacted no lost inquiry: the rate is missing (→ 50).
    let per_list = write(
        dir.path(),
        "per-list.toml",
        r#"id = "lists"
name = "按清单"
[[kpi]]
figure = "unpaid_recovered_amount"
weight = 50
linear = { floor = 0, target = 400 }
[[kpi]]
figure = "lost_inquiry_recovery_rate"
weight = 30
bands = [{ min = "100%", score = 100 }]
else = 0
missing = 50
[[kpi]]
figure = "recovery_minutes"
weight = 20
bands = [{ max = 60, score = 100 }, { max = 120, score = 80 }]
else = 40
[[pay]]
key = "base"
fixed = { amount = 3000 }
"#,
    );
    let nov = run(&db, "2026-11", &per_list);
    let mei = slip(&nov, "店:小美");
    assert_eq!(
        kpi(mei, "unpaid_recovered_amount"),
        ("400.00".into(), 100_00, 50_00)
    );
    assert_eq!(
        kpi(mei, "lost_inquiry_recovery_rate"),
        ("0.00%".into(), 0, 0)
    );
    assert_eq!(kpi(mei, "recovery_minutes"), ("65.0".into(), 80_00, 16_00));
    let wang = slip(&nov, "店:小王");
    assert_eq!(kpi(wang, "unpaid_recovered_amount"), ("0.00".into(), 0, 0));
    assert_eq!(
        kpi(wang, "lost_inquiry_recovery_rate"),
        ("100.00%".into(), 100_00, 30_00)
    );
    assert_eq!(kpi(wang, "recovery_minutes"), ("605.0".into(), 40_00, 8_00));
    let li = slip(&nov, "店:小李");
    assert_eq!(
        kpi(li, "lost_inquiry_recovery_rate"),
        ("–".into(), 50_00, 15_00)
    );
    // No recovery: no mean time; a lower-is-better band has nothing to compare (missing 0).
    assert_eq!(kpi(li, "recovery_minutes"), ("–".into(), 0, 0));

    // The text payslip says how the figure was computed.
    let text = ok(&[
        "plan",
        "run",
        "--db",
        s(&db),
        "--month",
        "2026-11",
        "--plan",
        s(&plan_file()),
        "--account",
        "店:小美",
    ]);
    assert!(
        text.contains("66.67% (挽回 2 ÷ 本人联系过的已结项 3)")
            || text.contains("66.67% (2 recovered ÷ 3 decided items contacted)"),
        "{text}"
    );
}
