//! Platform reports through the command line: `kefu import` of the marketplaces' own reports,
//! and the contract of `kefu report --by account --source platform --format json`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::cli::kefu;

mod support;

const PDD_HEADER: &str = "客服账号,客服服务分,咨询人数,询单人数,最终成团人数,询单转化率,客服销售额(元),\
去退销售额(元),需要人工回复的咨询人数,人工接待人数,3分钟未回复人数,3分钟人工回复率(8-23点),\
30秒应答率(8-23点),平均人工响应时长,评分≤3订单数,纠纷退款数,投诉数";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A 拼多多 客服绩效 of one period: 小美's and 阿强's rows, then 总计 and 平均.
fn pdd(dir: &Path, name: &str, xiaomei: &str, aqiang: &str) -> PathBuf {
    write(
        dir,
        name,
        &format!(
            "\u{feff}{PDD_HEADER}\n小美,{xiaomei}\n阿强,{aqiang}\n总计,,1,1,1,,1,1,1,1,1,,,,1,1,1\n\
             平均,,1,1,1,,1,1,1,1,1,,,,1,1,1\n"
        ),
    )
}

/// `kefu import --db DB EXTRA… FILES…`.
fn run_import(db: &Path, files: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "--db", db.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    kefu(&args)
}

/// An import that must succeed: its standard output.
fn import(db: &Path, file: &Path, extra: &[&str]) -> String {
    let out = run_import(db, &[file], extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `kefu report --db DB --from FROM --to TO --source platform EXTRA…`.
fn run_report(db: &Path, from: &str, to: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "report",
        "--db",
        db.to_str().unwrap(),
        "--from",
        from,
        "--to",
        to,
        "--source",
        "platform",
    ];
    args.extend_from_slice(extra);
    kefu(&args)
}

/// The contract: `--by account --source platform --format json`, its rows.
fn report(db: &Path, from: &str, to: &str) -> Vec<Value> {
    let out = run_report(db, from, to, &["--by", "account", "--format", "json"]);
    assert!(out.status.success());
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn row<'a>(rows: &'a [Value], account: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["account"] == account)
        .unwrap_or_else(|| panic!("no row of {account} in {rows:?}"))
}

/// The store and period of the first day's report.
const ON_DAY1: [&str; 6] = [
    "--store",
    "晨光",
    "--from",
    "2026-11-01",
    "--to",
    "2026-11-01",
];

const DAY1_XIAOMEI: &str =
    "4.8,120,80,30,37.5%,\"15,230.5\",14000.25,110,100,2,98.5%,90%,26.0,1,0,0";
const DAY1_AQIANG: &str = "4.5,60,40,10,25%,3000,2800,55,50,5,90%,80.5%,41,0,1,-";
const DAY2_XIAOMEI: &str = "4.9,80,50,20,40%,9769.5,9000,70,60,1,99%,95%,20,0,0,1";
const DAY2_AQIANG: &str = "4.6,40,20,5,25%,1000.25,900,35,30,2,92%,85%,35,1,0,0";

#[test]
fn pdd_days_add_up_and_rates_stay_with_their_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let day1 = pdd(dir.path(), "d1.csv", DAY1_XIAOMEI, DAY1_AQIANG);
    let day2 = pdd(dir.path(), "d2.csv", DAY2_XIAOMEI, DAY2_AQIANG);
    let out = import(&db, &day1, &ON_DAY1);
    assert!(out.contains("pdd_agent") && out.contains("32 new"), "{out}");
    import(
        &db,
        &day2,
        &[
            "--store",
            "晨光",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
        ],
    );

    let one = report(&db, "2026-11-01", "2026-11-01");
    assert_eq!(one.len(), 2);
    assert_eq!(
        row(&one, "小美"),
        &json!({
            "store": "晨光", "account": "小美", "platform": "pdd",
            "from": "2026-11-01", "to": "2026-11-01",
            "figures": {
                "客服服务分": 4.8, "咨询人数": 120, "询单人数": 80, "最终成团人数": 30,
                "询单转化率": 0.375, "客服销售额(元)": 15230.5, "去退销售额(元)": 14000.25,
                "需要人工回复的咨询人数": 110, "人工接待人数": 100, "3分钟未回复人数": 2,
                "3分钟人工回复率(8-23点)": 0.985, "30秒应答率(8-23点)": 0.9,
                "平均人工响应时长": 26.0, "评分≤3订单数": 1, "纠纷退款数": 0, "投诉数": 0
            }
        })
    );
    assert_eq!(row(&one, "阿强")["figures"]["投诉数"], Value::Null);
    assert_eq!(
        row(&one, "阿强")["figures"]["30秒应答率(8-23点)"],
        json!(0.805)
    );

    // Two days: counts and money add up; rates, averages and durations are not known.
    let two = report(&db, "2026-11-01", "2026-11-02");
    assert_eq!(
        row(&two, "小美"),
        &json!({
            "store": "晨光", "account": "小美", "platform": "pdd",
            "from": "2026-11-01", "to": "2026-11-02",
            "figures": {
                "客服服务分": null, "咨询人数": 200, "询单人数": 130, "最终成团人数": 50,
                "询单转化率": null, "客服销售额(元)": 25000.0, "去退销售额(元)": 23000.25,
                "需要人工回复的咨询人数": 180, "人工接待人数": 160, "3分钟未回复人数": 3,
                "3分钟人工回复率(8-23点)": null, "30秒应答率(8-23点)": null,
                "平均人工响应时长": null, "评分≤3订单数": 1, "纠纷退款数": 0, "投诉数": 1
            }
        })
    );
    // 阿强's 投诉数 is not known on the first day: neither is the sum.
    assert_eq!(row(&two, "阿强")["figures"]["投诉数"], Value::Null);
    assert_eq!(
        row(&two, "阿强")["figures"]["客服销售额(元)"],
        json!(4000.25)
    );

    // The same file again changes nothing.
    let again = import(&db, &day1, &ON_DAY1);
    assert!(again.contains("0 new, 0 changed, 32 unchanged"), "{again}");
    assert_eq!(report(&db, "2026-11-01", "2026-11-02"), two);
    // A day without reports has no rows.
    assert!(report(&db, "2026-11-03", "2026-11-30").is_empty());
}

#[test]
fn a_weeks_report_gives_its_rates_for_that_week_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let week = pdd(dir.path(), "week.csv", DAY1_XIAOMEI, DAY1_AQIANG);
    import(
        &db,
        &week,
        &[
            "--store",
            "晨光",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-07",
        ],
    );
    let whole = report(&db, "2026-11-01", "2026-11-07");
    let f = &row(&whole, "小美")["figures"];
    assert_eq!(f["3分钟人工回复率(8-23点)"], json!(0.985));
    assert_eq!(f["咨询人数"], json!(120));
    // The month holds the week: its counts, not its rates.
    let month = report(&db, "2026-11-01", "2026-11-30");
    let f = &row(&month, "小美")["figures"];
    assert_eq!(f["3分钟人工回复率(8-23点)"], Value::Null);
    assert_eq!(f["咨询人数"], json!(120));
    assert_eq!(
        (month[0]["from"].as_str(), month[0]["to"].as_str()),
        (Some("2026-11-01"), Some("2026-11-30"))
    );
    // Part of the week: the week's values cannot be split into days.
    let part = report(&db, "2026-11-02", "2026-11-03");
    let f = &row(&part, "小美")["figures"];
    assert_eq!(f["咨询人数"], Value::Null);
    assert_eq!(f["平均人工响应时长"], Value::Null);
}

#[test]
fn a_report_without_a_period_is_refused_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let file = pdd(dir.path(), "客服绩效.csv", DAY1_XIAOMEI, DAY1_AQIANG);
    let out = run_import(&db, &[&file], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("客服绩效.csv") && err.contains("--from and --to"),
        "{err}"
    );
    let out = kefu(&[
        "--lang",
        "zh",
        "import",
        "--db",
        db.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("没有写明统计的日期"), "{err}");
    // --from without --to is not a period.
    let out = run_import(&db, &[&file], &["--from", "2026-11-01"]);
    assert!(!out.status.success());
}

#[test]
fn an_unknown_file_is_refused_listing_the_reports_kefu_knows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let file = write(dir.path(), "stock.csv", "商品,库存\n杯子,3\n");
    let out = run_import(&db, &[&file], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for kind in [
        "pdd_agent",
        "qianniu_agent",
        "douyin_performance",
        "jd_agent",
        "chitu",
    ] {
        assert!(err.contains(kind), "{kind}: {err}");
    }
    assert!(err.contains("stock.csv"));
}

#[test]
fn shop_level_reports_have_no_account_and_canonical_files_still_import_beside_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let shop = write(
        dir.path(),
        "咨询接待.csv",
        "日期,咨询人数,接待人数,平均响应时长,3分钟人工响应率,旺旺回复率\n\
         2026-11-01,500,480,18.5,96.5%,99.1%\n2026-11-02,520,500,19,97%,99%\n\
         同行同层平均,400,390,25,90%,98%\n",
    );
    let roster = write(
        dir.path(),
        "agents.csv",
        "account,name\n晨光旗舰店:小美,小美\n",
    );
    let out = run_import(
        &db,
        &[&shop, &roster],
        &["--store", "晨光旗舰店", "--platform", "tmall"],
    );
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains("sycm_consult") && out.contains("agents"),
        "{out}"
    );
    let rows = report(&db, "2026-11-01", "2026-11-02");
    assert_eq!(
        rows,
        vec![json!({
            "store": "晨光旗舰店", "account": null, "platform": "tmall",
            "from": "2026-11-01", "to": "2026-11-02",
            "figures": {
                "咨询人数": 1020, "接待人数": 980, "平均响应时长": null,
                "3分钟人工响应率": null, "旺旺回复率": null
            }
        })]
    );
    let rows = report(&db, "2026-11-02", "2026-11-02");
    assert_eq!(rows[0]["figures"]["3分钟人工响应率"], json!(0.97));
    assert_eq!(rows[0]["figures"]["平均响应时长"], json!(19.0));
}

#[test]
fn the_fake_xlsx_a_named_kind_and_csv_output() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/platform/pdd_fake.xlsx");
    import(
        &db,
        &fake,
        &[
            "--store",
            "晨光",
            "--from",
            "2026-11-05",
            "--to",
            "2026-11-05",
        ],
    );
    let rows = report(&db, "2026-11-05", "2026-11-05");
    assert_eq!(
        row(&rows, "晨光拼多多:小美")["figures"]["客服销售额(元)"],
        json!(15230.5)
    );
    assert_eq!(
        row(&rows, "晨光拼多多:阿强")["figures"]["咨询人数"],
        json!(60)
    );

    // A header no kind recognises, read as the kind named.
    let plain = write(
        dir.path(),
        "p.csv",
        "客服账号,咨询人数,询单人数\n小刚,10,5\n",
    );
    let day = [
        "--store",
        "晨光",
        "--from",
        "2026-11-05",
        "--to",
        "2026-11-05",
    ];
    let out = run_import(&db, &[&plain], &day);
    assert!(!out.status.success());
    import(&db, &plain, &[&day[..], &["--kind", "pdd_agent"]].concat());
    let out = run_report(&db, "2026-11-05", "2026-11-05", &["--format", "csv"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("store,account,platform,from,to,figure,kind,value\n"),
        "{csv}"
    );
    assert!(
        csv.contains("晨光,小刚,pdd,2026-11-05,2026-11-05,询单人数,count,5\n"),
        "{csv}"
    );
    assert!(csv.contains(",客服销售额(元),money,15230.5\n"), "{csv}");
    let out = run_report(&db, "2026-11-05", "2026-11-05", &["--by", "store"]);
    assert!(!out.status.success());
    // A table for people, an Excel file (which needs --output).
    let out = run_report(&db, "2026-11-05", "2026-11-05", &["--lang", "en"]);
    let table = String::from_utf8(out.stdout).unwrap();
    let line = table
        .lines()
        .find(|l| l.contains("小刚") && l.contains("询单人数"));
    assert!(
        line.is_some_and(|l| l.trim_end().ends_with(" 5")),
        "{table}"
    );
    let xlsx = dir.path().join("p.xlsx");
    let out = run_report(&db, "2026-11-05", "2026-11-05", &["--format", "xlsx"]);
    assert!(!out.status.success());
    let out = run_report(
        &db,
        "2026-11-05",
        "2026-11-05",
        &["--format", "xlsx", "--output", xlsx.to_str().unwrap()],
    );
    assert!(out.status.success());
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK\x03\x04"));
}

/// A 拼多多 客服绩效 row: `account`'s 客服销售额(元), 3分钟人工回复率(8-23点) and 投诉数; the
/// other columns fixed.
fn pdd_row(account: &str, sales: &str, rate: &str, complaints: &str) -> String {
    format!(
        "{account},4.8,100,80,30,37.5%,{sales},{sales},100,90,2,{rate},90%,26,0,0,{complaints}\n"
    )
}

/// A plan on platform KPIs only, in a store with only platform reports and a roster: the
/// month's payroll computed by hand.
const PLATFORM_PLAN: &str = include_str!("../../../testdata/platform/plan-pdd.toml");

// Scores are hundredths of a point and money cents, written that way: `90_46` is 90.46.
#[allow(clippy::inconsistent_digit_grouping)]
#[test]
fn a_store_with_only_platform_reports_runs_its_payroll_on_platform_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let roster = write(
        dir.path(),
        "agents.csv",
        "account,name,role,store\n小美,小美,presale,晨光\n阿强,阿强,presale,晨光\n\
         小王,小王,presale,晨光\n小李,小李,presale,晨光\n",
    );
    import(&db, &roster, &[]);
    // The month's report: 小美 and 阿强.
    let month = write(
        dir.path(),
        "month.csv",
        &format!(
            "\u{feff}{PDD_HEADER}\n{}{}",
            pdd_row("小美", "\"15,230.5\"", "96%", "0"),
            pdd_row("阿强", "25000", "92%", "3")
        ),
    );
    let in_store = |from: &str, to: &str| -> Vec<String> {
        ["--store", "晨光", "--from", from, "--to", to]
            .map(String::from)
            .to_vec()
    };
    let args = in_store("2026-11-01", "2026-11-30");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    import(&db, &month, &args);
    // 小王's two half months: sales add up (3000 + 2000.50), the rate covers neither the month.
    for (name, from, to, sales) in [
        ("h1.csv", "2026-11-01", "2026-11-15", "3000"),
        ("h2.csv", "2026-11-16", "2026-11-30", "2000.50"),
    ] {
        let f = write(
            dir.path(),
            name,
            &format!("{PDD_HEADER}\n{}", pdd_row("小王", sales, "99%", "0")),
        );
        let args = in_store(from, to);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        import(&db, &f, &args);
    }
    let plan = write(dir.path(), "pdd.toml", PLATFORM_PLAN);
    let out = kefu(&[
        "plan",
        "save",
        "--db",
        &s(&db),
        "--store",
        "晨光",
        "--from",
        "2026-11",
        &s(&plan),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kefu(&[
        "plan",
        "run",
        "--db",
        &s(&db),
        "--month",
        "2026-11",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("no data at all"), "{err}");
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let slips = results[0]["payslips"].as_array().unwrap();
    let slip = |a: &str| slips.iter().find(|p| p["account"] == a).unwrap();
    let scores = |a: &str| -> (i64, i64, i64, Value) {
        let p = slip(a);
        (
            p["kpis"][0]["score"].as_i64().unwrap(),
            p["kpis"][1]["score"].as_i64().unwrap(),
            p["total_score"].as_i64().unwrap(),
            p["total_cents"].clone(),
        )
    };
    // 小美: 96% ≥ 95% → 100 × 60% = 60; 15,230.50 ÷ 20,000 = 76.15 × 40% = 30.46;
    // 90.46 → 1,000 × 90.46% = 904.60 + 3,000.
    assert_eq!(scores("小美"), (100_00, 76_15, 90_46, json!(3904_60)));
    assert_eq!(slip("小美")["rank"], json!(1));
    assert_eq!(slip("小美")["kpis"][0]["value_text"], json!("96.00%"));
    assert_eq!(
        slip("小美")["kpis"][0]["name"],
        json!("3分钟人工回复率(8-23点)")
    );
    // 阿强: 92% → 80, zeroed by 3 complaints (> 2); 25,000 → 100 (capped) × 40% = 40 → 400.
    assert_eq!(scores("阿强"), (0, 100_00, 40_00, json!(3400_00)));
    assert_eq!(slip("阿强")["kpis"][0]["zeroed_by"], json!("投诉过多"));
    // 小王: no rate for the month (two half months) → missing 30 × 60% = 18; 5,000.50 →
    // 25.00 × 40% = 10 → 28 → 280.
    assert_eq!(scores("小王"), (30_00, 25_00, 28_00, json!(3280_00)));
    assert_eq!(slip("小王")["kpis"][0]["value"], Value::Null);
    assert_eq!(slip("小王")["kpis"][1]["value"], json!(5000.5));
    // 小李: no figure at all: not active, fixed pay only.
    assert_eq!(slip("小李")["active"], json!(false));
    assert_eq!(slip("小李")["total_cents"], json!(3000_00));
    // The payslip on the terminal names the platform's column.
    let text = String::from_utf8(
        kefu(&[
            "plan",
            "run",
            "--db",
            &s(&db),
            "--month",
            "2026-11",
            "--account",
            "小美",
        ])
        .stdout,
    )
    .unwrap();
    assert!(
        text.contains("3分钟人工回复率(8-23点)") && text.contains("3904.60"),
        "{text}"
    );
}

/// A plan whose column is misspelt (full-width brackets) scores everybody the missing score;
/// `kefu plan run` says so on stderr in the language asked for, naming the columns present,
/// and the JSON carries the same.
#[test]
fn a_misspelt_platform_column_is_warned_about_at_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let roster = write(
        dir.path(),
        "agents.csv",
        "account,name,role,store\n小美,小美,presale,晨光\n",
    );
    import(&db, &roster, &[]);
    let month = write(
        dir.path(),
        "month.csv",
        &format!("{PDD_HEADER}\n{}", pdd_row("小美", "15000", "96%", "0")),
    );
    import(
        &db,
        &month,
        &[
            "--store",
            "晨光",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ],
    );
    let typo = PLATFORM_PLAN.replace("3分钟人工回复率(8-23点)", "3分钟人工回复率（8-23点）");
    assert_ne!(typo, PLATFORM_PLAN);
    let plan = write(dir.path(), "typo.toml", &typo);
    let out = kefu(&[
        "plan",
        "save",
        "--db",
        &s(&db),
        "--store",
        "晨光",
        "--from",
        "2026-11",
        &s(&plan),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (lang, words) in [("zh", "列名是否写错"), ("en", "is the column misspelt")] {
        let out = kefu(&[
            "plan",
            "run",
            "--db",
            &s(&db),
            "--month",
            "2026-11",
            "--format",
            "json",
            "--lang",
            lang,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(words)
                && err.contains("3分钟人工回复率（8-23点）")
                && err.contains("3分钟人工回复率(8-23点)"),
            "{err}"
        );
        let results: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            results[0]["columns_without_data"][0]["column"],
            json!("3分钟人工回复率（8-23点）")
        );
    }
}

/// `kefu reconcile` on a store where both sides are known by hand: 小美's chats of
/// 2026-11-01 (three buyers answered after 20 s, 240 s and 60 s; no orders) and her 拼多多
/// daily report, which names her without the shop.
/// `kefu reconcile --db DB --store 晨光 --from FROM --to TO EXTRA…`.
fn reconcile(db: &Path, from: &str, to: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "reconcile",
        "--db",
        db.to_str().unwrap(),
        "--store",
        "晨光",
        "--from",
        from,
        "--to",
        to,
    ];
    args.extend_from_slice(extra);
    kefu(&args)
}

#[test]
fn reconcile_puts_kefus_figure_next_to_the_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let chats = write(
        dir.path(),
        "messages.csv",
        "time,buyer,account,sender,text\n\
         2026-11-01 10:00:00,b1,晨光:小美,buyer,在吗\n\
         2026-11-01 10:00:20,b1,晨光:小美,agent,在的\n\
         2026-11-01 11:00:00,b2,晨光:小美,buyer,有货吗\n\
         2026-11-01 11:04:00,b2,晨光:小美,agent,有的\n\
         2026-11-01 12:00:00,b3,晨光:小美,buyer,你好\n\
         2026-11-01 12:01:00,b3,晨光:小美,agent,您好\n",
    );
    import(&db, &chats, &["--store", "晨光"]);
    let report = write(
        dir.path(),
        "pdd.csv",
        &format!("{PDD_HEADER}\n{}", pdd_row("小美", "100", "75%", "0")),
    );
    import(&db, &report, &ON_DAY1);
    let out = reconcile(&db, "2026-11-01", "2026-11-30", &["--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let by = |figure: &str| rows.iter().find(|r| r["figure"] == figure).unwrap();
    for r in &rows {
        assert_eq!(
            (
                &r["account"],
                &r["kefu_account"],
                &r["platform"],
                &r["from"],
                &r["to"]
            ),
            (
                &json!("小美"),
                &json!("晨光:小美"),
                &json!("pdd"),
                &json!("2026-11-01"),
                &json!("2026-11-01")
            ),
            "{r}"
        );
        assert!(r["reason"].as_str().unwrap().len() > 20, "{r}");
        assert!(
            r["reason_zh"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        );
    }
    let close = |v: &Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
    // 咨询人数: three buyers in kefu, 100 in the report (pdd_row's fixed value).
    let c = by("consulted");
    assert_eq!(
        (&c["column"], &c["kefu"]),
        (&json!("咨询人数"), &json!(3.0))
    );
    assert!(
        close(&c["platform_value"], 100.0) && close(&c["difference"], -97.0),
        "{c}"
    );
    // 平均人工响应时长: (20 + 240 + 60) ÷ 3 s against the report's 26 s.
    let t = by("tb_avg_response_secs");
    assert_eq!(t["column"], json!("平均人工响应时长"));
    assert!(close(&t["kefu"], 320.0 / 3.0), "{t}");
    assert!(close(&t["difference"], 320.0 / 3.0 - 26.0), "{t}");
    // 3分钟人工回复率(8-23点), 拼多多's own rule: two of three buyers' first questions
    // answered by a person within 180 s, against 75%.
    let r = by("pdd_3min_rate");
    assert_eq!(r["column"], json!("3分钟人工回复率(8-23点)"));
    assert!(
        close(&r["kefu"], 2.0 / 3.0) && close(&r["platform_value"], 0.75),
        "{r}"
    );
    // 30秒应答率(8-23点): one of three (20 s), against 90%.
    let r = by("pdd_30s_rate");
    assert_eq!(r["column"], json!("30秒应答率(8-23点)"));
    assert!(
        close(&r["kefu"], 1.0 / 3.0) && close(&r["difference"], 1.0 / 3.0 - 0.9),
        "{r}"
    );
    // 客服销售额: no orders in kefu, 100 yuan in the report.
    let m = by("sales");
    assert!(
        close(&m["kefu"], 0.0) && close(&m["difference"], -100.0),
        "{m}"
    );
    assert!(m["reason"].as_str().unwrap().contains("last reception"));
    // The table names the pairs' reasons once each.
    let text =
        String::from_utf8(reconcile(&db, "2026-11-01", "2026-11-01", &["--lang", "en"]).stdout)
            .unwrap();
    assert!(
        text.contains("平均人工响应时长") && text.contains("tb_avg_response_secs:"),
        "{text}"
    );
    // A range that ends before the report's day has nothing to compare.
    let out = reconcile(&db, "2026-10-01", "2026-10-31", &["--format", "json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!([])
    );
}
