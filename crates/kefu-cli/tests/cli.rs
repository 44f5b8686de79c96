//! The `kefu` command line, tested from outside against the sample store's expected figures.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::cli::{import_sample, kefu, ok, sample, sample_report as report};

mod support;

/// Compares every key of every expected row; floats to 1e-9.
fn assert_rows_match(actual: &[Value], expected: &[Value], key: &str) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "row count\nactual: {actual:#?}"
    );
    for e in expected {
        let a = actual
            .iter()
            .find(|a| a["store"] == e["store"] && a.get(key) == e.get(key))
            .unwrap_or_else(|| panic!("no row for {}", e[key]));
        for (k, ev) in e.as_object().unwrap() {
            let av = &a[k];
            match (ev.as_f64(), av.as_f64()) {
                (Some(x), Some(y)) => assert!(
                    (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                    "{} {k}: expected {x}, got {y}",
                    e[key]
                ),
                _ => assert_eq!(av, ev, "{} {k}", e[key]),
            }
        }
    }
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(sample().join(name)).unwrap()).unwrap()
}

#[test]
fn sample_store_default_and_tight_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let out = import_sample(&db);
    assert!(out.contains("2695 new messages"), "{out}");
    let want = expected("expected-default.json");
    assert_rows_match(
        &report(&db, "account", &[]),
        want["accounts"].as_array().unwrap(),
        "account",
    );
    assert_rows_match(
        &report(&db, "store", &[]),
        want["stores"].as_array().unwrap(),
        "store",
    );

    let tight = sample().join("tight.toml");
    let tight = ["--config", tight.to_str().unwrap()];
    let want = expected("expected-tight.json");
    assert_rows_match(
        &report(&db, "account", &tight),
        want["accounts"].as_array().unwrap(),
        "account",
    );
    assert_rows_match(
        &report(&db, "store", &tight),
        want["stores"].as_array().unwrap(),
        "store",
    );

    // Back to the defaults: the figures follow the settings given, both ways.
    let want = expected("expected-default.json");
    assert_rows_match(
        &report(&db, "store", &[]),
        want["stores"].as_array().unwrap(),
        "store",
    );
}

#[test]
fn reimport_changes_nothing_and_groups_days_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    let before = report(&db, "account", &[]);
    let again = import_sample(&db);
    assert!(
        again.contains("0 new messages (2695 duplicates skipped)"),
        "{again}"
    );
    assert_eq!(report(&db, "account", &[]), before);

    // Groups are sums of their people (bots apart); days add up to the store.
    let groups = report(&db, "group", &[]);
    let group_names: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(group_names, ["售前一组", "售前二组"]);
    let people_consulted: i64 = before
        .iter()
        .filter(|a| a["account"] != "店小蜜")
        .map(|a| a["consulted"].as_i64().unwrap())
        .sum();
    assert_eq!(
        groups
            .iter()
            .map(|g| g["consulted"].as_i64().unwrap())
            .sum::<i64>(),
        people_consulted
    );
    let days = report(&db, "day", &[]);
    assert_eq!(days.len(), 3);
    let store = &report(&db, "store", &[])[0];
    for key in [
        "consulted",
        "rounds",
        "paid_orders",
        "total_orders",
        "silent_orders",
        "reminded_orders",
        "ratings",
    ] {
        let sum: i64 = days.iter().map(|d| d[key].as_i64().unwrap()).sum();
        assert_eq!(sum, store[key].as_i64().unwrap(), "{key}");
    }
}

#[test]
fn bad_file_is_rejected_whole_unless_skip_bad() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let bad = dir.path().join("orders.csv");
    std::fs::write(
        &bad,
        "order_id,buyer,created_at,amount\nA1,tom,2026-11-11 10:00:00,10.00\nA2,tom,2026-11-11 25:00:00,10.00\nA3,tom,2026-11-11 10:00:00,ten\n",
    )
    .unwrap();
    let out = kefu(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("orders.csv") && err.contains(":3") && err.contains("created_at"),
        "{err}"
    );
    // Nothing was written.
    if db.exists() {
        assert!(report(&db, "store", &[]).is_empty());
    }
    let rejects = dir.path().join("rejects.csv");
    let out = ok(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--skip-bad",
        "--rejects",
        rejects.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert!(out.contains("rejects.csv"), "{out}");
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(rejected.lines().count(), 3, "header + 2 rows:\n{rejected}");
    assert!(rejected.contains("A2") && rejected.contains("A3"));
    let v = report(&db, "store", &[]);
    assert_eq!(v[0]["store"], "default");
    assert_eq!(v[0]["total_orders"], 0, "A1 is unpaid");
}

/// Issue 12 item 10: a file refused whole (here UTF-16, as Excel saves "Unicode text") is
/// said in the user's language: Chinese with `--lang zh`, English otherwise.
#[test]
fn a_refused_file_is_said_in_chinese_or_english() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let u16 = dir.path().join("u16.txt");
    let mut bytes = vec![0xFF, 0xFE];
    for u in "time\tbuyer\taccount\tsender\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&u16, bytes).unwrap();
    let (d, f) = (db.to_str().unwrap(), u16.to_str().unwrap());
    let zh = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["--lang", "zh", "import", "--db", d, f])
        .output()
        .unwrap();
    assert!(!zh.status.success());
    let err = String::from_utf8_lossy(&zh.stderr);
    assert!(
        err.contains("u16.txt:1：格式错误：文件是 UTF-16 编码")
            && err.contains("请另存为 CSV（UTF-8）或 .xlsx"),
        "{err}"
    );
    assert!(!err.contains("save it as"), "{err}");
    let en = kefu(&["import", "--db", d, f]);
    assert!(!en.status.success());
    let err = String::from_utf8_lossy(&en.stderr);
    assert!(
        err.contains("u16.txt:1: the file is UTF-16") && err.contains("save it as CSV (UTF-8)"),
        "{err}"
    );
}

#[test]
fn a_refused_row_is_said_in_chinese_or_english() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let roster = dir.path().join("roster.csv");
    let long_id = "A".repeat(200);
    std::fs::write(
        &roster,
        format!("客服,姓名,分组,角色,店铺,工号\n小美,王小美,售前一组,售前,示例店铺,{long_id}\n"),
    )
    .unwrap();
    let (d, f) = (db.to_str().unwrap(), roster.to_str().unwrap());
    let zh = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args([
            "--lang",
            "zh",
            "import",
            "--db",
            d,
            "--store",
            "示例店铺",
            f,
        ])
        .output()
        .unwrap();
    assert!(!zh.status.success());
    let err = String::from_utf8_lossy(&zh.stderr);
    assert!(
        err.contains("roster.csv:2：列 `工号`：")
            && err.contains("最多 128 个字符，现在是 200 个")
            && err.contains("共有 1 行错误"),
        "{err}"
    );
    assert!(
        !err.contains("expected") && !err.contains("bad row"),
        "{err}"
    );
    let en = kefu(&["import", "--db", d, "--store", "示例店铺", f]);
    assert!(!en.status.success());
    let err = String::from_utf8_lossy(&en.stderr);
    assert!(
        err.contains("roster.csv:2: column `工号`")
            && err.contains("expected at most 128 characters, not 200")
            && err.contains("1 bad row(s)"),
        "{err}"
    );
}

#[test]
fn explain_shows_rounds_and_attribution() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    let out = ok(&[
        "explain",
        "--db",
        db.to_str().unwrap(),
        "--account",
        "晨光旗舰店:Lily",
        "--day",
        "2026-11-11",
    ]);
    assert!(out.contains("receptions:"), "{out}");
    assert!(out.contains("answered in"), "{out}");
    assert!(
        out.contains("attributed here") || out.contains("attributed to"),
        "{out}"
    );
    let zh = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args([
            "--lang",
            "zh",
            "explain",
            "--db",
            db.to_str().unwrap(),
            "--account",
            "nobody",
            "--day",
            "2026-11-11",
        ])
        .output()
        .unwrap();
    assert!(!zh.status.success());
    assert!(String::from_utf8_lossy(&zh.stderr).contains("没有"));
}

#[test]
fn table_csv_and_xlsx_formats() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    let d = db.to_str().unwrap();
    let table = ok(&[
        "--lang",
        "zh",
        "report",
        "--db",
        d,
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-12",
    ]);
    assert!(
        table.contains("咨询人数") && table.contains("晨光旗舰店:Lily"),
        "{table}"
    );
    let csv = ok(&[
        "report",
        "--db",
        d,
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-12",
        "--format",
        "csv",
    ]);
    assert!(csv.starts_with("store,account,consulted,"), "{csv}");
    assert_eq!(csv.lines().count(), 7);
    let xlsx = dir.path().join("r.xlsx");
    ok(&[
        "report",
        "--db",
        d,
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-12",
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let bad = kefu(&[
        "report",
        "--db",
        d,
        "--from",
        "2026-11-12",
        "--to",
        "2026-11-10",
    ]);
    assert!(!bad.status.success());
}

#[test]
fn demo_windows_imported_one_after_another_give_the_whole_periods_figures() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let period = ["--start", "2026-06-14", "--days", "6", "--agents", "5"];
    let period = period.map(str::to_string);
    let write = |out: &Path, window: &[&str]| {
        let mut args: Vec<String> = ["demo", "--write-files", &s(out), "--messages", "6000"]
            .map(str::to_string)
            .to_vec();
        args.extend(period.iter().cloned());
        args.extend(window.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&args);
    };
    let whole_files = dir.path().join("whole");
    write(&whole_files, &[]);
    let whole_db = dir.path().join("whole.db");
    ok(&["import", "--db", &s(&whole_db), &s(&whole_files)]);

    let parts_db = dir.path().join("parts.db");
    for (k, (from, to)) in [("2026-06-14", "2026-06-17"), ("2026-06-18", "2026-06-19")]
        .into_iter()
        .enumerate()
    {
        let part = dir.path().join(format!("part{k}"));
        write(&part, &["--only-from", from, "--only-to", to]);
        let mut names: Vec<String> = std::fs::read_dir(&part)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("messages-"))
            .collect();
        names.sort();
        assert_eq!(names.first().unwrap(), &format!("messages-{from}.csv"));
        assert_eq!(names.last().unwrap(), &format!("messages-{to}.csv"));
        ok(&["import", "--db", &s(&parts_db), &s(&part)]);
    }
    for by in ["account", "store"] {
        let json = |db: &Path| -> Value {
            let out = ok(&[
                "report",
                "--db",
                &s(db),
                "--from",
                "2026-06-14",
                "--to",
                "2026-06-19",
                "--by",
                by,
                "--format",
                "json",
            ]);
            serde_json::from_str(&out).unwrap()
        };
        let whole = json(&whole_db);
        assert!(whole.as_array().is_some_and(|rows| !rows.is_empty()));
        assert_eq!(json(&parts_db), whole, "--by {by}");
    }

    for window in [
        ["--only-from", "2026-06-13"],
        ["--only-to", "2026-06-20"],
        ["--only-from", "2026-02-30"],
    ] {
        let mut args = vec!["demo", "--write-files"];
        let out = s(&dir.path().join("bad"));
        args.push(&out);
        args.extend(period.iter().map(String::as_str));
        args.extend(window);
        let run = kefu(&args);
        assert!(!run.status.success(), "{window:?} must be refused");
    }
    let run = kefu(&[
        "demo",
        "--write-files",
        &s(&dir.path().join("bad")),
        "--only-from",
        "2026-11-05",
        "--only-to",
        "2026-11-04",
    ]);
    assert!(!run.status.success(), "an empty window must be refused");
}

/// The Chinese name a user would write for each canonical column (docs/formats.md).
fn chinese(name: &str) -> &str {
    match name {
        "time" => "时间",
        "buyer" => "买家",
        "account" => "客服",
        "sender" => "发送方",
        "text" => "内容",
        "transfer_to" => "转给",
        "order_id" => "订单号",
        "created_at" => "创建时间",
        "paid_at" => "付款时间",
        "closed_at" => "关闭时间",
        "amount" => "金额",
        "items" => "件数",
        "refund_id" => "退款单号",
        "requested_at" => "申请时间",
        "finished_at" => "完成时间",
        "score" => "评分",
        "name" => "姓名",
        "group" => "分组",
        "role" => "角色",
        other => other,
    }
}

#[test]
fn chinese_headers_import_to_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let english = dir.path().join("en.db");
    import_sample(&english);
    // The sample's files with every header (CSV) and key (JSON Lines) in Chinese.
    let zh_dir = dir.path().join("zh");
    std::fs::create_dir(&zh_dir).unwrap();
    let mut renamed = 0;
    for entry in std::fs::read_dir(sample().join("input")).unwrap() {
        let path = entry.unwrap().path();
        // Bytes: a sample file is GBK; only its (ASCII) header is rewritten.
        let bytes = std::fs::read(&path).unwrap();
        let out: Vec<u8> = if path.extension().is_some_and(|e| e == "jsonl") {
            let text = String::from_utf8(bytes).unwrap();
            let mut out = String::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let obj: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
                let zh: serde_json::Map<String, Value> = obj
                    .into_iter()
                    .map(|(k, v)| (chinese(&k).to_string(), v))
                    .collect();
                out.push_str(&serde_json::to_string(&zh).unwrap());
                out.push('\n');
            }
            out.into_bytes()
        } else {
            let end = bytes.iter().position(|&b| b == b'\n').unwrap();
            let head = std::str::from_utf8(&bytes[..end]).unwrap();
            let head: Vec<&str> = head
                .trim_start_matches('\u{feff}')
                .split(',')
                .map(|h| chinese(h.trim()))
                .collect();
            // The header in the file's own encoding (the sample's orders are GBK).
            let head = head.join(",");
            let mut out = if std::str::from_utf8(&bytes).is_ok() {
                head.into_bytes()
            } else {
                encoding_rs::GBK.encode(&head).0.into_owned()
            };
            out.extend_from_slice(&bytes[end..]);
            out
        };
        let first = encoding_rs::GB18030.decode(&out).0;
        let first = if std::str::from_utf8(&out).is_ok() {
            String::from_utf8_lossy(&out)
        } else {
            first
        };
        let first = first.lines().next().unwrap_or("");
        assert!(first.contains("客服") || first.contains("买家"), "{first}");
        renamed += 1;
        std::fs::write(zh_dir.join(path.file_name().unwrap()), out).unwrap();
    }
    assert_eq!(renamed, 6);
    let zh = dir.path().join("zh.db");
    let said = ok(&[
        "import",
        "--db",
        zh.to_str().unwrap(),
        "--store",
        "晨光旗舰店",
        zh_dir.to_str().unwrap(),
    ]);
    assert!(!said.contains("`时间`"), "{said}");
    for by in ["account", "store", "day"] {
        let en = report(&english, by, &[]);
        assert!(!en.is_empty());
        assert_eq!(report(&zh, by, &[]), en, "by {by}");
    }
}

/// The worked example of docs/metrics.md "Attribution modes", imported under each mode.
#[test]
fn attribution_modes_worked_example() {
    let dir = tempfile::tempdir().unwrap();
    let messages = dir.path().join("messages.csv");
    std::fs::write(
        &messages,
        "time,buyer,account,sender\n\
         2026-11-10 19:59:00,x,店:a,buyer\n\
         2026-11-10 20:00:00,x,店:a,agent\n\
         2026-11-11 09:59:00,x,店:b,buyer\n\
         2026-11-11 10:00:00,x,店:b,agent\n",
    )
    .unwrap();
    let orders = dir.path().join("orders.csv");
    std::fs::write(
        &orders,
        "order_id,buyer,created_at,paid_at,amount\n\
         O1,x,2026-11-10 21:00:00,2026-11-11 10:30:00,100\n\
         O2,x,2026-11-11 09:00:00,2026-11-11 10:30:00,50\n\
         O3,x,2026-11-11 11:00:00,,20\n",
    )
    .unwrap();
    let sales = |rows: &[Value], account: &str| {
        rows.iter()
            .find(|r| r["account"] == account)
            .map(|r| r["sales"].as_f64().unwrap_or(-1.0))
    };
    // (mode, a's sales, b's sales, silent orders)
    for (mode, a, b, silent) in [
        ("order", 100.0, 0.0, 1),
        ("payment", 0.0, 150.0, 0),
        ("order_first", 100.0, 50.0, 0),
    ] {
        let config = dir.path().join(format!("{mode}.toml"));
        std::fs::write(&config, format!("[metrics]\nattribution = \"{mode}\"\n")).unwrap();
        let db = dir.path().join(format!("{mode}.db"));
        let (db_s, config_s) = (db.to_str().unwrap(), config.to_str().unwrap());
        ok(&[
            "import",
            "--db",
            db_s,
            "--store",
            "店",
            "--config",
            config_s,
            messages.to_str().unwrap(),
            orders.to_str().unwrap(),
        ]);
        let rows = report(&db, "account", &["--config", config_s]);
        assert_eq!(sales(&rows, "店:a"), Some(a), "{mode}: {rows:?}");
        assert_eq!(sales(&rows, "店:b"), Some(b), "{mode}: {rows:?}");
        let store = report(&db, "store", &["--config", config_s]);
        assert_eq!(store[0]["silent_orders"], silent, "{mode}: {store:?}");
        let out = ok(&[
            "explain",
            "--db",
            db_s,
            "--config",
            config_s,
            "--account",
            "店:b",
            "--day",
            "2026-11-11",
        ]);
        // Which time each order was attributed by.
        let by_payment = out.contains("≤ payment 2026-11-11 10:30:00");
        assert_eq!(by_payment, mode != "order", "{mode}: {out}");
        assert!(out.contains("≤ order 2026-11-11 11:00:00"), "{mode}: {out}");
    }
}

#[test]
fn a_payslip_names_gate_conditions_by_figure_not_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plans/presale.toml");
    let args = |lang: &'static str| {
        [
            "--lang",
            lang,
            "plan",
            "run",
            "--db",
            db.to_str().unwrap(),
            "--month",
            "2026-11",
            "--plan",
            plan.to_str().unwrap(),
            "--account",
            "小美",
        ]
        .map(String::from)
    };
    let zh = ok(&args("zh").iter().map(String::as_str).collect::<Vec<_>>());
    assert!(zh.contains("质检得分 < 60 (实际 –)"), "{zh}");
    let en = ok(&args("en").iter().map(String::as_str).collect::<Vec<_>>());
    assert!(en.contains("QA score < 60 (actual –)"), "{en}");
    for text in [&zh, &en] {
        assert!(!text.contains("qa_score"), "{text}");
    }
}
