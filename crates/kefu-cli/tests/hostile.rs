//! Issue 10, through the command line: hostile names and values in the files kefu reads must
//! not act on the spreadsheets and terminals kefu writes to.

use std::path::Path;

use kefu_core::model::{ImportBatch, ImportedMessage, Message, Sender};
use kefu_core::settings::Config;
use kefu_core::time::{UtcOffset, parse_time};
use support::cli::{kefu, ok};

mod support;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const EVIL_ACCOUNT: &str = "=cmd|' /C calc'!A0";

/// Item 11: every CSV kefu writes turns a text cell that starts a formula into text; numbers
/// stay numbers and `-` stays `-`.
#[test]
fn csv_outputs_do_not_carry_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("in");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join("agents.csv"),
        format!("account,name,group,role\n{EVIL_ACCOUNT},@SUM(1),-售前,presale\n"),
    )
    .unwrap();
    std::fs::write(
        files.join("messages.csv"),
        format!(
            "time,buyer,account,sender,text\n\
             2026-11-05 10:00:00,+b1,{EVIL_ACCOUNT},buyer,在吗\n\
             2026-11-05 10:00:20,+b1,{EVIL_ACCOUNT},agent,亲，在的\n"
        ),
    )
    .unwrap();
    std::fs::write(
        files.join("orders.csv"),
        "order_id,buyer,created_at,paid_at,amount\n\
         O1,+b1,2026-11-05 10:05:00,2026-11-05 10:06:00,300.00\n\
         -O2,+b1,2026-11-05 10:05:00,,=1+2\n",
    )
    .unwrap();
    let db = dir.path().join("k.db");
    let rejects = dir.path().join("rejects.csv");
    ok(&[
        "import",
        "--db",
        s(&db),
        "--store",
        "店",
        "--skip-bad",
        "--rejects",
        s(&rejects),
        s(&files),
    ]);
    let mut r = csv::Reader::from_path(&rejects).unwrap();
    let rec = r.records().next().unwrap().unwrap();
    assert_eq!((&rec[1], &rec[2]), ("3", "amount"));
    assert_eq!(&rec[3], "'=1+2");
    assert_eq!(&rec[5], "'-O2,+b1,2026-11-05 10:05:00,,=1+2");

    let report = ok(&[
        "report",
        "--db",
        s(&db),
        "--from",
        "2026-11-05",
        "--to",
        "2026-11-05",
        "--by",
        "account",
        "--format",
        "csv",
    ]);
    let mut r = csv::Reader::from_reader(report.as_bytes());
    let header = r.headers().unwrap().clone();
    let rec = r.records().next().unwrap().unwrap();
    assert_eq!(&rec[1], format!("'{EVIL_ACCOUNT}"));
    let consulted = header.iter().position(|h| h == "consulted").unwrap();
    assert_eq!(&rec[consulted], "1", "numbers stay numbers");

    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "id = \"t\"\nname = \"-方案\"\nsettlement_day = 5\n[applies_to]\nrole = \"presale\"\n\
         [[kpi]]\nfigure = \"inquiry_conversion\"\nweight = 100\nbands = [{ min = \"50%\", score = 100 }]\n\
         [[pay]]\nkey = \"commission\"\ntiered = { tiers = [{ from = 0, rate = \"1%\" }] }\n\
         [[grade]]\nname = \"A\"\nmin_score = 0\n",
    )
    .unwrap();
    let csv = ok(&[
        "plan",
        "run",
        "--db",
        s(&db),
        "--month",
        "2026-11",
        "--plan",
        s(&plan),
        "--format",
        "csv",
    ]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().unwrap().clone();
    let rec = r.records().next().unwrap().unwrap();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rec[col("Plan")], "'-方案");
    assert_eq!(&rec[col("Account")], format!("'{EVIL_ACCOUNT}"));
    assert_eq!(&rec[col("Name")], "'@SUM(1)");
    assert_eq!(&rec[col("Total pay")], "3.00");
}

const ANSI: &str = "店:\x1b]0;PWNED\x07\x1b[2J";

/// Item 12: control characters in an account name are refused at import, shown escaped in the
/// error; names already stored with them reach the terminal escaped in `kefu report`.
#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let file = dir.path().join("m.csv");
    std::fs::write(
        &file,
        format!("time,buyer,account,sender,text\n2026-11-05 10:00:00,b,{ANSI},buyer,在吗\n"),
    )
    .unwrap();
    let out = kefu(&["import", "--db", s(&db), s(&file)]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(
        err.contains(r"m.csv:2: column `account`: value `店:\u{1b}]0;PWNED\u{7}\u{1b}[2J`"),
        "{err}"
    );

    // A database written before names were checked.
    let mut batch = ImportBatch::default();
    let store = batch.names.intern("店");
    let buyer = batch.names.intern("b");
    let account = batch.names.intern(ANSI);
    for (i, sender) in [Sender::Buyer, Sender::Agent].into_iter().enumerate() {
        let time = parse_time(&format!("2026-11-05 10:00:0{i}"), UtcOffset::SHANGHAI).unwrap();
        let text = batch.push_text("在吗");
        batch.messages.push(ImportedMessage {
            store,
            message: Message {
                time,
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
    kefu_store::Db::open(&db)
        .unwrap()
        .import(batch, &Config::default())
        .unwrap();
    let table = ok(&[
        "report",
        "--db",
        s(&db),
        "--from",
        "2026-11-05",
        "--to",
        "2026-11-05",
        "--by",
        "account",
    ]);
    assert!(
        !table.contains('\x1b') && !table.contains('\x07'),
        "{table:?}"
    );
    assert!(
        table.contains(r"店:\u{1b}]0;PWNED\u{7}\u{1b}[2J"),
        "{table}"
    );
}
