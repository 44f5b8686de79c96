//! `kefu plan`: checking plan files, storing versions, importing scores and computing a
//! month's payslips — on a hand-built store (every amount computed by hand) and on the demo.

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::cli::{kefu, ok, slip};

mod support;

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plans")
        .join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `kefu plan scores` of plan `t` for November from `file`.
fn november_scores<'a>(db: &'a Path, file: &'a Path) -> [&'a str; 9] {
    [
        "plan",
        "scores",
        "--db",
        s(db),
        "--month",
        "2026-11",
        "--id",
        "t",
        s(file),
    ]
}

const PLAN: &str = r#"id = "t"
name = "测试方案"
settlement_day = 5
[applies_to]
role = "presale"
[[manual]]
key = "attitude"
[[kpi]]
figure = "inquiry_conversion"
weight = 50
bands = [{ min = "50%", score = 100 }]
[[kpi]]
manual = "attitude"
weight = 50
[[pay]]
key = "commission"
tiered = { tiers = [{ from = 0, rate = "1%" }] }
[[grade]]
name = "A"
min_score = 90
[[grade]]
name = "B"
min_score = 0
"#;

/// Two presale agents. A: an October order of 300.00 refunded on 10 November (after
/// October settled at the end of 5 November), a November order of 1000.00 with 200.00
/// refunded on 3 December (before November settles). B: a November order of 500.00
/// refunded on 8 December (after November settles).
/// The small store with `PLAN` saved in force from October.
fn small_store_with_plan(dir: &Path) -> PathBuf {
    let db = small_store(dir);
    let plan = dir.join("t.toml");
    std::fs::write(&plan, PLAN).unwrap();
    ok(&[
        "plan",
        "save",
        "--db",
        s(&db),
        "--from",
        "2026-10",
        s(&plan),
    ]);
    db
}

fn small_store(dir: &Path) -> PathBuf {
    let files = dir.join("in");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join("agents.csv"),
        "account,name,group,role,工号,部门\n店:A,阿A,售前一组,presale,A001,客服部\n店:B,阿B,售前一组,presale,,\n",
    )
    .unwrap();
    let chat = |buyer: &str, account: &str, day: &str| {
        format!(
            "{day} 10:00:00,{buyer},{account},buyer,在吗\n{day} 10:00:20,{buyer},{account},agent,亲，在的\n"
        )
    };
    std::fs::write(
        files.join("messages.csv"),
        format!(
            "time,buyer,account,sender,text\n{}{}{}",
            chat("b1", "店:A", "2026-10-20"),
            chat("b2", "店:A", "2026-11-05"),
            chat("b3", "店:B", "2026-11-20")
        ),
    )
    .unwrap();
    std::fs::write(
        files.join("orders.csv"),
        "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
         O1,b1,2026-10-20 10:05:00,2026-10-20 10:06:00,,300.00,1\n\
         O2,b2,2026-11-05 10:05:00,2026-11-05 10:06:00,,1000.00,1\n\
         O3,b3,2026-11-20 10:05:00,2026-11-20 10:06:00,,500.00,1\n",
    )
    .unwrap();
    std::fs::write(
        files.join("refunds.csv"),
        "refund_id,order_id,buyer,requested_at,finished_at,amount,account\n\
         R1,O1,b1,2026-11-09 09:00:00,2026-11-10 09:00:00,300.00,店:A\n\
         R2,O2,b2,2026-12-02 09:00:00,2026-12-03 09:00:00,200.00,店:A\n\
         R3,O3,b3,2026-12-07 09:00:00,2026-12-08 09:00:00,500.00,店:B\n",
    )
    .unwrap();
    let db = dir.join("kefu.db");
    ok(&["import", "--db", s(&db), "--store", "店", s(&files)]);
    db
}

/// The output of `kefu plan run` for a month, with more arguments.
fn plan_run(db: &Path, month: &str, extra: &[&str]) -> String {
    let mut args = vec!["plan", "run", "--db", s(db), "--month", month];
    args.extend_from_slice(extra);
    ok(&args)
}

fn run_json(db: &Path, month: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&plan_run(db, month, &args)).expect("json")
}

#[test]
fn hand_built_store_clawback_scores_and_versions() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_store(dir.path());
    let plan = dir.path().join("t.toml");
    std::fs::write(&plan, PLAN).unwrap();

    let out = ok(&["plan", "check", s(&plan)]);
    assert!(
        out.contains("ok `t` (测试方案): 2 KPIs, 1 pay components, 2 grades"),
        "{out}"
    );

    // Not stored yet: a clear error.
    let out = kefu(&["plan", "run", "--db", s(&db), "--month", "2026-11"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no stored plan is in force for 2026-11")
    );

    ok(&[
        "plan",
        "save",
        "--db",
        s(&db),
        "--from",
        "2026-10",
        s(&plan),
    ]);
    let scores = dir.path().join("scores.csv");
    // `80%` is 80 points, not 0.8
    std::fs::write(&scores, "account,item,value\nA,attitude,80%\n").unwrap();
    let out = ok(&november_scores(&db, &scores));
    assert!(out.contains("imported 1 scores"), "{out}");
    // A bad value refuses the whole file, naming line and column.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "account,item,value\nB,attitude,90\nA,attitude,120\n").unwrap();
    let out = kefu(&november_scores(&db, &bad));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3, value: `120` is not a score from 0 to 100"),
        "{err}"
    );
    std::fs::write(&bad, "account,item,value\nA,speed,90\n").unwrap();
    let err = String::from_utf8_lossy(&kefu(&november_scores(&db, &bad)).stderr).into_owned();
    assert!(
        err.contains("bad.csv:2, item: `speed` is not a manual item of plan `t` (attitude)"),
        "{err}"
    );

    let nov = run_json(&db, "2026-11", &[]);
    let r = &nov[0];
    assert_eq!(r["headcount"], 2);
    assert_eq!(r["settlement_end"], "2026-12-06 00:00:00");
    let a = slip(r, "店:A");
    // conversion 1/1 = 100% → 100 × 50% = 50; attitude 80 × 50% = 40
    assert_eq!(a["kpis"][0]["points"], 5000);
    assert_eq!(a["kpis"][1]["points"], 4000);
    assert_eq!(a["total_score"], 9000);
    assert_eq!(a["grade"], "A");
    assert_eq!(a["rank"], 1);
    // 1000.00 − 200.00 (refunded by 5 Dec) − 300.00 (October's O1, refunded after October settled)
    assert_eq!(a["sales"]["gross_cents"], 100_000);
    assert_eq!(a["sales"]["refunded_cents"], 20_000);
    assert_eq!(a["sales"]["late_refunds"][0]["order_id"], "O1");
    assert_eq!(a["sales"]["late_refunds_cents"], 30_000);
    assert_eq!(a["sales"]["net_cents"], 50_000);
    assert_eq!(a["pay"][0]["formula"], "500.00 × 1% = 5.00");
    assert_eq!(a["total_cents"], 500);
    // Last month A scored 50 (no attitude score) → B; now A.
    assert_eq!(a["previous_grade"], "B");
    assert_eq!(a["movement"], "up");

    let b = slip(r, "店:B");
    // B's refund of 8 December comes after November settled: not deducted in November.
    assert_eq!(b["sales"]["net_cents"], 50_000);
    assert_eq!(b["total_score"], 5000);
    assert_eq!(b["rank"], 2);

    // October: O1's refund came after October settled, so October pays on 300.00.
    let oct = run_json(&db, "2026-10", &[]);
    assert_eq!(slip(&oct[0], "店:A")["sales"]["net_cents"], 30_000);
    assert_eq!(slip(&oct[0], "店:A")["total_cents"], 300);

    // December: B's refund is the deduction, named by its order; commission on 0.
    let dec = run_json(&db, "2026-12", &[]);
    let b = slip(&dec[0], "店:B");
    assert_eq!(b["sales"]["late_refunds"][0]["order_id"], "O3");
    assert_eq!(b["sales"]["net_cents"], -50_000);
    assert_eq!(b["total_cents"], 0);

    // A new version from December on: November still uses the old one.
    let doubled = PLAN.replace("rate = \"1%\"", "rate = \"2%\"");
    std::fs::write(&plan, doubled).unwrap();
    ok(&[
        "plan",
        "save",
        "--db",
        s(&db),
        "--from",
        "2026-12",
        s(&plan),
    ]);
    let nov = run_json(&db, "2026-11", &[]);
    assert_eq!(slip(&nov[0], "店:A")["total_cents"], 500);
    let list = ok(&["plan", "list", "--db", s(&db)]);
    assert_eq!(list.lines().count(), 2, "{list}");
    // saved without --store: the database's only store
    assert!(list.lines().all(|l| l.ends_with("stores 店")), "{list}");

    // The payslip as text, and the payroll sheet.
    let text = plan_run(&db, "2026-11", &["--account", "A"]);
    assert!(text.contains("order O1"), "{text}");
    assert!(text.contains("500.00 × 1% = 5.00"), "{text}");
    let csv = plan_run(&db, "2026-11", &["--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Month,Plan,Account,Name,Employee no.,Group,Department,Rank,Grade,Previous grade,Movement,Score,Gross sales,Refunds,Clawback,Net sales,Tiered commission,Total pay"
    );
    assert_eq!(
        lines[1],
        "2026-11,测试方案,店:A,阿A,A001,售前一组,客服部,1,A,B,up,90,1000.00,200.00,300.00,500.00,5.00,5.00"
    );
    let xlsx = dir.path().join("payroll.xlsx");
    plan_run(&db, "2026-11", &["--format", "xlsx", "--output", s(&xlsx)]);
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
}

#[test]
fn invalid_plans_are_refused_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            PLAN.replace("weight = 50\nbands", "weight = 40\nbands"),
            "line 10, kpi.weight: the weights add up to 90%",
        ),
        (
            PLAN.replace("inquiry_conversion", "conversion"),
            "line 9, kpi[conversion].figure: unknown figure `conversion`",
        ),
        (
            PLAN.replace(
                "[{ min = \"50%\", score = 100 }]",
                "[{ min = \"50%\", score = 100 }, { min = \"60%\", score = 80 }]",
            ),
            "line 11, kpi[inquiry_conversion].bands[2].min: bands overlap",
        ),
        (PLAN.replace("rate = \"1%\"", "rate = \"1,5%\"x"), "line 17"),
        (
            PLAN.replace("rate = \"1%\"", "rate = \"abc\""),
            "line 17, rate: `abc` is not a number",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = kefu(&["plan", "check", s(&path)]);
        assert!(!out.status.success(), "accepted case {i}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(expected),
            "case {i}: expected `{expected}` in\n{err}"
        );
        assert!(err.contains(&format!("bad{i}.toml")), "{err}");
    }
}

#[test]
fn plan_check_reports_every_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.toml");
    let text = PLAN
        .replace("settlement_day = 5", "settlement_day = 40")
        .replace("inquiry_conversion", "conversion")
        .replace("rate = \"1%\"", "rate = \"1,5\"")
        .replace("min_score = 0", "min_score = 95");
    std::fs::write(&path, text).unwrap();
    let out = kefu(&["plan", "check", s(&path)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let p = s(&path);
    for expected in [
        format!("{p}:line 3, settlement_day: a day of the month"),
        format!("{p}:line 9, kpi[conversion].figure: unknown figure"),
        format!("{p}:line 17, rate: `1,5`: a comma separates thousands only"),
        format!("{p}:line 23, grade[2].min_score: grades go from best to worst"),
        "1 plan file(s) are invalid (4 mistakes)".to_string(),
    ] {
        assert!(err.contains(&expected), "expected `{expected}` in\n{err}");
    }
}

#[test]
fn plan_check_speaks_chinese_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, PLAN.replace("inquiry_conversion", "conversion")).unwrap();
    let out = kefu(&["--lang", "zh", "plan", "check", s(&path)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!("错误: {}：第 9 行，kpi[conversion].figure：", s(&path));
    assert!(err.contains(&expected), "expected `{expected}` in\n{err}");
    assert!(!err.contains("unknown figure"), "{err}");
}

#[test]
fn shipped_plans_run_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    ok(&["demo", "--db", s(&db), "--days", "30"]);
    let out = ok(&[
        "plan",
        "check",
        s(&shipped("presale.toml")),
        s(&shipped("sales-target.toml")),
        s(&shipped("aftersale.toml")),
    ]);
    assert_eq!(out.lines().count(), 3);
    for (file, headcount) in [
        ("presale.toml", 14),
        ("sales-target.toml", 14),
        ("aftersale.toml", 6),
    ] {
        let v = run_json(&db, "2026-11", &["--plan", s(&shipped(file))]);
        let r = &v[0];
        assert_eq!(r["headcount"], headcount, "{file}");
        let slips = r["payslips"].as_array().unwrap();
        let mut last_score = i64::MAX;
        for p in slips {
            // Each line adds up as printed.
            let points: i64 = p["kpis"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["points"].as_i64().unwrap())
                .sum();
            assert_eq!(
                points,
                p["total_score"].as_i64().unwrap(),
                "{file} {}",
                p["account"]
            );
            let pay: i64 = p["pay"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["amount_cents"].as_i64().unwrap())
                .sum();
            assert_eq!(pay, p["total_cents"].as_i64().unwrap());
            let sales = &p["sales"];
            assert_eq!(
                sales["net_cents"].as_i64().unwrap(),
                sales["gross_cents"].as_i64().unwrap()
                    - sales["refunded_cents"].as_i64().unwrap()
                    - sales["late_refunds_cents"].as_i64().unwrap()
            );
            // Best first.
            let score = p["total_score"].as_i64().unwrap();
            assert!(score <= last_score);
            last_score = score;
            assert!(
                p["grade"].is_string(),
                "{file}: every shipped plan has a grade from 0"
            );
        }
        // The spread the supervisors asked for: best and worst are paid differently.
        let first = slips.first().unwrap()["total_cents"].as_i64().unwrap();
        let last = slips.last().unwrap()["total_cents"].as_i64().unwrap();
        assert!(first > last, "{file}: {first} vs {last}");
    }
    // The demo stores the shipped plans: they run without --plan.
    let stored = run_json(&db, "2026-11", &[]);
    let ids: Vec<&str> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["plan_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["aftersale", "presale", "sales-target"]);
    let presale = shipped("presale.toml");
    let table = plan_run(&db, "2026-11", &["--plan", s(&presale)]);
    assert!(table.contains("售前绩效方案 2026-11"), "{table}");
    // Title, blank, header, 14 agents and the totals row.
    assert_eq!(table.lines().count(), 3 + 14 + 1, "{table}");
    assert!(
        table.lines().last().unwrap().starts_with("Total"),
        "{table}"
    );
    assert!(table.contains("Gates applied"), "{table}");
}

#[test]
fn late_refunds_are_capped_at_their_order_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_store_with_plan(dir.path());
    // A 100-yuan October order of A's buyer refunded 250 in November; a refund of an order
    // that is not in the data.
    let more = dir.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(
        more.join("orders.csv"),
        "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
         O4,b1,2026-10-20 10:07:00,2026-10-20 10:08:00,,100.00,1\n",
    )
    .unwrap();
    std::fs::write(
        more.join("refunds.csv"),
        "refund_id,order_id,buyer,requested_at,finished_at,amount,account\n\
         R7,O4,b1,2026-11-09 09:00:00,2026-11-10 09:00:00,250.00,店:A\n\
         R8,O9,b1,2026-11-09 09:00:00,2026-11-10 09:00:00,80.00,店:A\n",
    )
    .unwrap();
    let out = kefu(&["import", "--db", s(&db), "--store", "店", s(&more)]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "warning: store 店 order O4: amount 100.00, refunded in all 250.00, more than the order"
        ),
        "{err}"
    );
    assert!(
        err.contains("warning: store 店 refund R8: order O9 is not among the orders"),
        "{err}"
    );

    let nov = run_json(&db, "2026-11", &[]);
    let a = slip(&nov[0], "店:A");
    let o4 = a["sales"]["late_refunds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order_id"] == "O4")
        .expect("O4 is clawed back");
    // 100.00 taken back, not 250.00
    assert_eq!(
        (&o4["amount_cents"], &o4["refund_cents"]),
        (&10_000.into(), &25_000.into())
    );
    assert_eq!(a["sales"]["late_refunds_cents"], 30_000 + 10_000);
}

#[test]
fn an_empty_month_pays_nothing_variable_and_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_store(dir.path());
    let plan = dir.path().join("t.toml");
    // every agent tops the `missing` defaults: before, both tied at rank 1 and were paid
    std::fs::write(
        &plan,
        PLAN.replace(
            "bands = [{ min = \"50%\", score = 100 }]",
            "bands = [{ min = \"50%\", score = 100 }]\nmissing = 100",
        ) + "[[pay]]\nkey = \"bonus\"\nrank_bonus = { amounts = [800] }\n",
    )
    .unwrap();
    ok(&[
        "plan",
        "save",
        "--db",
        s(&db),
        "--from",
        "2026-10",
        s(&plan),
    ]);
    let out = kefu(&[
        "plan",
        "run",
        "--db",
        s(&db),
        "--month",
        "2027-03",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: 2027-03 has no data at all in this store"),
        "{err}"
    );
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let slips = results[0]["payslips"].as_array().unwrap();
    assert_eq!(slips.len(), 2, "the roster's agents are listed");
    for p in slips {
        assert_eq!(p["rank"], Value::Null, "{p}");
        assert_eq!(p["total_cents"], 0, "{p}");
    }
    assert_eq!(results[0]["headcount"], 0);
}

#[test]
fn a_person_matched_by_two_plans_is_paid_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_store(dir.path());
    // `t` is for the role, `u` for the group: both match A and B, who were paid twice.
    let by_role = dir.path().join("t.toml");
    std::fs::write(&by_role, PLAN).unwrap();
    let by_group = dir.path().join("u.toml");
    std::fs::write(
        &by_group,
        PLAN.replace("id = \"t\"", "id = \"u\"")
            .replace("role = \"presale\"", "groups = [\"售前一组\"]"),
    )
    .unwrap();
    for f in [&by_role, &by_group] {
        ok(&["plan", "save", "--db", s(&db), "--from", "2026-10", s(f)]);
    }
    let nov = run_json(&db, "2026-11", &[]);
    let (t, u) = (&nov[0], &nov[1]);
    assert_eq!(
        (t["plan_id"].as_str(), u["plan_id"].as_str()),
        (Some("t"), Some("u"))
    );
    // the group is more specific than the role: `u` pays, `t` shows who it leaves out
    assert_eq!(t["payslips"], serde_json::json!([]));
    assert_eq!(
        t["paid_by_other_plan"],
        serde_json::json!([{"account": "店:A", "plan_id": "u"}, {"account": "店:B", "plan_id": "u"}])
    );
    assert_eq!(u["payslips"].as_array().unwrap().len(), 2);
    assert_eq!(u["paid_by_other_plan"], serde_json::json!([]));
    let table = plan_run(&db, "2026-11", &[]);
    assert!(
        table
            .contains("also matched, but paid by plan `u` (one plan pays each person): 店:A, 店:B"),
        "{table}"
    );
}

#[test]
fn accounts_with_sales_outside_every_plan_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_store_with_plan(dir.path());
    // 店:C sells in November but is not in the roster: no plan's role admits them.
    let more = dir.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(
        more.join("messages.csv"),
        "time,buyer,account,sender,text
         2026-11-21 10:00:00,b9,店:C,buyer,在吗
         2026-11-21 10:00:20,b9,店:C,agent,亲，在的
",
    )
    .unwrap();
    std::fs::write(
        more.join("orders.csv"),
        "order_id,buyer,created_at,paid_at,closed_at,amount,items
         O9,b9,2026-11-21 10:05:00,2026-11-21 10:06:00,,50.00,1
",
    )
    .unwrap();
    ok(&["import", "--db", s(&db), "--store", "店", s(&more)]);
    let out = kefu(&[
        "plan",
        "run",
        "--db",
        s(&db),
        "--month",
        "2026-11",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: these accounts with sales are in no plan (nobody pays them; add them to the roster with a role or group): 店:C (sales 50.00, not in the roster)"),
        "{err}"
    );
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        results[0]["unpaid_with_sales"],
        serde_json::json!([{"account": "店:C", "in_roster": false, "sales_cents": 5000}])
    );
    // October: C sold nothing, nothing to list
    let oct = kefu(&["plan", "run", "--db", s(&db), "--month", "2026-10"]);
    assert!(!String::from_utf8_lossy(&oct.stderr).contains("in no plan"));
}

#[test]
fn the_roster_dates_decide_who_is_in_a_month() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_store_with_plan(dir.path());
    // B joins in November; a third agent left in October and was still counted and ranked
    let roster = dir.path().join("roster");
    std::fs::create_dir_all(&roster).unwrap();
    std::fs::write(
        roster.join("agents.csv"),
        "account,name,group,role,joined,left\n\
         店:A,阿A,售前一组,presale,,\n\
         店:B,阿B,售前一组,presale,2026-11-10,\n\
         店:Z,阿Z,售前一组,presale,2025-01-01,2026-10-31\n",
    )
    .unwrap();
    ok(&["import", "--db", s(&db), "--store", "店", s(&roster)]);
    let accounts = |v: &Value| -> Vec<String> {
        v[0]["payslips"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["account"].as_str().unwrap().to_string())
            .collect()
    };
    let nov = run_json(&db, "2026-11", &[]);
    assert_eq!(accounts(&nov), vec!["店:A", "店:B"]);
    assert_eq!(nov[0]["headcount"], 2);
    let oct = run_json(&db, "2026-10", &[]);
    // in October B had not joined; Z was there, without activity: listed, not ranked
    assert_eq!(accounts(&oct), vec!["店:A", "店:Z"]);
    assert_eq!(oct[0]["headcount"], 1);

    // a leaving date before the joining date is a bad row
    std::fs::write(
        roster.join("agents.csv"),
        "account,name,group,role,joined,left\n店:A,阿A,售前一组,presale,2026-11-10,2026-11-01\n",
    )
    .unwrap();
    let out = kefu(&["import", "--db", s(&db), "--store", "店", s(&roster)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("left"), "{err}");
}
