//! The marketplaces' order and refund exports, 京东 咚咚 chat rows and pasted transcripts
//! through `kefu import`, with the figures worked out by hand in `testdata/market/README.md`.

use std::path::Path;

use serde_json::Value;
use support::cli::{kefu, ok};

mod support;

fn market(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/market")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn db(dir: &tempfile::TempDir) -> String {
    dir.path().join("k.db").to_str().unwrap().to_string()
}

/// `kefu import --db DB ARGS…`: its standard output.
fn import(db: &str, args: &[&str]) -> String {
    let mut all = vec!["import", "--db", db];
    all.extend_from_slice(args);
    ok(&all)
}

/// `kefu report --format json --by account` over the days: account → row.
fn report(db: &str, from: &str, to: &str) -> Vec<Value> {
    let out = ok(&[
        "report", "--db", db, "--from", from, "--to", to, "--by", "account", "--format", "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn row<'a>(rows: &'a [Value], account: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["account"] == account)
        .unwrap_or_else(|| panic!("no row of {account} in {rows:?}"))
}

#[test]
fn jd_orders_and_dongdong_chats_give_each_agent_their_sales() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    let out = import(
        &db,
        &[
            "--store",
            "晨光京东",
            &market("jd_orders.csv"),
            &market("jd_chats.json"),
        ],
    );
    assert!(
        out.contains("jd_orders.csv  jd_orders  5 rows  0 rejected"),
        "{out}"
    );
    assert!(
        out.contains("jd_chats.json  jd_chats  6 rows  0 rejected"),
        "{out}"
    );
    assert!(
        out.contains("imported: 6 new messages (0 duplicates skipped), 4 orders, 0 refunds"),
        "{out}"
    );
    let rows = report(&db, "2026-11-03", "2026-11-04");
    let xiaomei = row(&rows, "晨光京东:小美");
    assert_eq!(xiaomei["sales"], 200.0);
    assert_eq!(xiaomei["paid_orders"], 1);
    assert_eq!(xiaomei["items"], 3);
    assert_eq!(xiaomei["avg_first_response_secs"], 20.0);
    let aqiang = row(&rows, "晨光京东:阿强");
    assert_eq!(aqiang["sales"], 88.8);
    assert_eq!(aqiang["avg_first_response_secs"], 30.0);
    // The same files again change nothing: the messages carry their mid.
    let again = import(
        &db,
        &[
            "--store",
            "晨光京东",
            &market("jd_orders.csv"),
            &market("jd_chats.json"),
        ],
    );
    assert!(
        again.contains("0 new messages (6 duplicates skipped)"),
        "{again}"
    );
    assert_eq!(report(&db, "2026-11-03", "2026-11-04"), rows);
}

#[test]
fn pdd_and_douyin_order_exports() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    let out = import(&db, &["--store", "晨光", &market("pdd_orders.csv")]);
    assert!(out.contains("pdd_orders  4 rows  0 rejected"), "{out}");
    assert!(out.contains(", 4 orders,"), "{out}");
    let out = import(&db, &["--store", "晨光", &market("douyin_orders.csv")]);
    assert!(out.contains("douyin_orders  5 rows  0 rejected"), "{out}");
    // Five sub-order rows are four orders.
    assert!(out.contains(", 4 orders,"), "{out}");
}

#[test]
fn taobao_refund_reports_count_for_the_agent_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    let out = import(
        &db,
        &[
            "--store",
            "晨光",
            &market("taobao_refunds_2017.csv"),
            &market("taobao_refunds_later.csv"),
            &market("taobao_refunds_nobuyer.csv"),
        ],
    );
    assert!(out.contains(", 0 orders, 6 refunds,"), "{out}");
    let rows = report(&db, "2026-11-01", "2026-11-30");
    let xiaomei = row(&rows, "晨光旗舰店:小美");
    // 9001 (2.5 h), 9101 (55 min), 9201 (10 min).
    assert_eq!(xiaomei["refunds"], 3);
    assert_eq!(xiaomei["avg_refund_secs"], 4300.0);
    let aqiang = row(&rows, "晨光旗舰店:阿强");
    assert_eq!(aqiang["refunds"], 1);
    assert_eq!(aqiang["avg_refund_secs"], Value::Null);
}

#[test]
fn pasted_transcripts_with_kind_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    let out = import(
        &db,
        &[
            "--store",
            "晨光",
            "--kind",
            "transcript",
            &market("transcripts/dev/qianniu.txt"),
        ],
    );
    assert!(
        out.contains("qianniu.txt  transcript  4 rows  0 rejected"),
        "{out}"
    );
    let rows = report(&db, "2026-11-03", "2026-11-03");
    let xiaomei = row(&rows, "晨光旗舰店:小美");
    assert_eq!(xiaomei["avg_first_response_secs"], 28.0);
    assert_eq!(xiaomei["rounds"], 2);
    // Times without a date need the day: refused naming the line and the option.
    let short = market("transcripts/dev/short.txt");
    let args = ["import", "--db", &db, "--kind", "transcript", &short];
    let refused = kefu(&args);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("short.txt: line 1: a time without a date and no date before it: give the day with --from"),
        "{err}"
    );
    let out = import(
        &db,
        &[
            "--store",
            "晨光",
            "--kind",
            "transcript",
            "--agent",
            "晨光:小美",
            "--from",
            "2026-11-04",
            "--to",
            "2026-11-04",
            &short,
        ],
    );
    assert!(out.contains("4 new messages"), "{out}");
    let rows = report(&db, "2026-11-04", "2026-11-04");
    assert_eq!(row(&rows, "晨光:小美")["avg_first_response_secs"], 39.0);
}

#[test]
fn kinds_named_and_files_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    // A canonical file with Chinese headers.
    let chats = dir.path().join("聊天.csv");
    std::fs::write(
        &chats,
        "时间,买家,客服,发送方,内容\n2026-11-03 10:00:00,b1,晨光:小美,买家,在吗\n\
         2026-11-03 10:00:30,b1,晨光:小美,客服,在的\n",
    )
    .unwrap();
    let out = import(&db, &["--store", "晨光", chats.to_str().unwrap()]);
    assert!(out.contains("messages  2 rows  0 rejected"), "{out}");
    // --kind names the export: a 拼多多 file read as 京东's lacks 京东's columns.
    let refused = kefu(&[
        "import",
        "--db",
        &db,
        "--kind",
        "jd_orders",
        &market("pdd_orders.csv"),
    ]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("pdd_orders.csv: looks like a jd_orders file, but its header lacks the required column(s) `下单帐号`, `下单时间`"),
        "{err}"
    );
    let refused = kefu(&[
        "import",
        "--db",
        &db,
        "--kind",
        "bogus",
        &market("pdd_orders.csv"),
    ]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("unknown kind `bogus`") && err.contains("douyin_orders"),
        "{err}"
    );
    // A file of no kind kefu knows: the kinds are listed.
    let unknown = dir.path().join("x.csv");
    std::fs::write(&unknown, "订单号,商品名称\n1,杯子\n").unwrap();
    let refused = kefu(&["import", "--db", &db, unknown.to_str().unwrap()]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    for kind in [
        "抖店 order export",
        "refund report",
        "--kind transcript",
        "pdd_agent",
    ] {
        assert!(err.contains(kind), "{kind}: {err}");
    }
}

/// A file's warnings in the language asked for: the masked buyers of a refund report and the
/// 京东 order lines that disagree on the amount.
#[test]
fn import_warnings_in_chinese_and_english() {
    let dir = tempfile::tempdir().unwrap();
    let jd = dir.path().join("jd.csv");
    std::fs::write(
        &jd,
        "订单号,下单帐号,下单时间,付款确认时间,订单金额,订单状态,订购数量\n\
         7,b,2026-11-03 10:00:00,2026-11-03 10:01:00,100,等待出库,1\n\
         7,b,2026-11-03 10:00:00,2026-11-03 10:01:00,50,等待出库,1\n",
    )
    .unwrap();
    let jd = jd.to_str().unwrap();
    let refunds = market("taobao_refunds_nobuyer.csv");
    for (lang, said) in [
        (
            "zh",
            [
                "警告: ",
                "1 个订单的各行订单金额（订单金额）不一致：保留第一行的金额",
                "1 行没有买家（导出文件没有买家列，或买家为空）：买家记为 `〔未知买家 unknown buyer〕`",
            ],
        ),
        (
            "en",
            [
                "warning: ",
                "1 order(s) have lines with different order amounts (订单金额): the first line's amount is kept",
                "1 row(s) name no buyer (the export has no buyer column, or the value is empty): their buyer is `〔未知买家 unknown buyer〕`",
            ],
        ),
    ] {
        let db = dir.path().join(format!("{lang}.db"));
        let args = [
            "--lang",
            lang,
            "import",
            "--db",
            db.to_str().unwrap(),
            "--store",
            "晨光",
            jd,
            &refunds,
        ];
        let out = kefu(&args);
        assert!(out.status.success(), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        for s in said {
            assert!(err.contains(s), "{lang}: {s}\n{err}");
        }
        let other = if lang == "zh" {
            "order(s) have lines"
        } else {
            "不一致"
        };
        assert!(!err.contains(other), "{lang}: {err}");
    }
}

/// A directory stands for its data files; its `.txt` files (pasted chats) only with
/// `--kind transcript`, and then its data files are not read.
#[test]
fn a_directory_gives_its_txt_files_only_with_kind_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    let data = dir.path().join("in");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(
        market("transcripts/dev/qianniu.txt"),
        data.join("qianniu.txt"),
    )
    .unwrap();
    std::fs::write(
        data.join("orders.csv"),
        "order_id,buyer,created_at,amount,paid_at\nT1,买家甲,2026-11-03 10:05:00,20.00,2026-11-03 10:06:00\n",
    )
    .unwrap();
    let data = data.to_str().unwrap();
    let out = import(&db, &["--store", "晨光", data]);
    assert!(
        out.contains("orders.csv  orders  1 rows  0 rejected"),
        "{out}"
    );
    assert!(!out.contains("qianniu.txt"), "{out}");
    assert!(out.contains("0 new messages"), "{out}");
    let out = import(&db, &["--store", "晨光", "--kind", "transcript", data]);
    assert!(
        out.contains("qianniu.txt  transcript  4 rows  0 rejected"),
        "{out}"
    );
    assert!(!out.contains("orders.csv"), "{out}");
    assert!(out.contains("4 new messages"), "{out}");
    let rows = report(&db, "2026-11-03", "2026-11-03");
    let xiaomei = row(&rows, "晨光旗舰店:小美");
    assert_eq!(xiaomei["avg_first_response_secs"], 28.0);
    let help = ok(&["import", "--help"]);
    assert!(
        help.contains("with --kind transcript for its .txt files only"),
        "{help}"
    );
}
