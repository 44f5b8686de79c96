//! `kefu import` keeps automatic-rule hits current: in a store whose rules have run (or that
//! saved a rule set) an import re-runs them over the days it touched; in other stores it
//! does nothing extra.

use std::path::Path;

use kefu_core::time::Day;
use kefu_store::Db;
use support::cli::ok;

mod support;

const STORE: &str = "测试店";

/// Day 1: 小美 answers b1 with 随便你 (forbidden_phrases).
const DAY1: &str = "time,buyer,account,sender,text
2026-11-10 11:00:00,b1,测试店:小美,buyer,在吗
2026-11-10 11:00:05,b1,测试店:小美,agent,随便你
";

/// Day 2: 小美 answers b2 with 急什么 (forbidden_phrases), 阿强 greets b3 properly.
const DAY2: &str = "time,buyer,account,sender,text
2026-11-11 09:00:00,b2,测试店:小美,buyer,发货了吗
2026-11-11 09:00:20,b2,测试店:小美,agent,急什么
2026-11-11 10:00:00,b3,测试店:阿强,buyer,在吗
2026-11-11 10:00:10,b3,测试店:阿强,agent,您好，在的
";

fn import(db: &Path, dir: &Path, name: &str, text: &str) -> String {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    ok(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--store",
        STORE,
        file.to_str().unwrap(),
    ])
}

/// (receptions evaluated, forbidden_phrases hits) of 小美 on `day`.
fn mei_on(db: &Path, day: &str) -> (u64, u64) {
    let db = Db::open(db).unwrap();
    let store = db.store(STORE).unwrap();
    let mei = db.names(store.id).unwrap().get("测试店:小美").unwrap();
    let day = Day::parse(day).unwrap();
    let receptions = db
        .qa_receptions(store.id, day, day)
        .unwrap()
        .into_iter()
        .filter(|(a, _)| *a == mei)
        .map(|(_, n)| n)
        .sum();
    let hits = db
        .qa_hit_counts(store.id, day, day)
        .unwrap()
        .into_iter()
        .filter(|c| c.account == mei && c.rule == "forbidden_phrases")
        .map(|c| c.hits)
        .sum();
    (receptions, hits)
}

#[test]
fn an_import_re_runs_the_rules_of_a_store_that_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let first = import(&db, dir.path(), "day1.csv", DAY1);
    assert!(!first.contains("rules re-run"), "{first}");
    ok(&[
        "qa",
        "run",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(mei_on(&db, "2026-11-10"), (1, 1));
    assert_eq!(mei_on(&db, "2026-11-11"), (0, 0));

    // Day 2 arrives: its hits exist without another `kefu qa run`. The rules ran over the
    // days with messages in reach of the new day: 2026-11-10 and 2026-11-11.
    let second = import(&db, dir.path(), "day2.csv", DAY2);
    assert!(second.contains("rules re-run over 2 days"), "{second}");
    assert_eq!(mei_on(&db, "2026-11-11"), (1, 1));
    assert_eq!(mei_on(&db, "2026-11-10"), (1, 1), "day 1 unchanged");
    // 阿强's reception is evaluated too (no forbidden phrase).
    let db = Db::open(&db).unwrap();
    let store = db.store(STORE).unwrap();
    let day2 = Day::parse("2026-11-11").unwrap();
    let evaluated: u64 = db
        .qa_receptions(store.id, day2, day2)
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(evaluated, 2);
}

#[test]
fn a_store_without_rules_imports_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import(&db, dir.path(), "day1.csv", DAY1);
    let second = import(&db, dir.path(), "day2.csv", DAY2);
    assert!(!second.contains("rules re-run"), "{second}");
    assert_eq!(mei_on(&db, "2026-11-10"), (0, 0));
    assert_eq!(mei_on(&db, "2026-11-11"), (0, 0));
}

/// The messages stored, and every stored rule-hit row, of the store.
fn stored(db: &Path) -> (i64, Vec<String>) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let messages = conn
        .query_row("SELECT SUM(messages) FROM message_days", [], |r| r.get(0))
        .unwrap();
    let mut st = conn
        .prepare(
            "SELECT day || ' ' || account_id || ' ' || rule || ' ' || hits FROM qa_hit_counts
             UNION ALL SELECT day || ' ' || account_id || ' #' || receptions FROM qa_receptions
             UNION ALL SELECT day || ' ' || account_id || ' ' || buyer_id || ' ' || score || ' ' || rules
                FROM qa_reception_hits
             UNION ALL SELECT day || ' ' || account_id || ' ' || buyer_id || ' ' || rule || ' '
                || position || ' ' || count || messages || spans FROM qa_rule_hits
             ORDER BY 1",
        )
        .unwrap();
    let rows = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    (messages, rows)
}

#[test]
fn an_import_whose_rule_re_run_fails_keeps_no_message_and_no_partial_hits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import(&db, dir.path(), "day1.csv", DAY1);
    ok(&["qa", "run", "--db", db.to_str().unwrap()]);
    let before = stored(&db);
    assert_eq!(before.0, 2);
    // The re-run of day 2 dies after its first reception's hits are written, as a `kill -9`
    // would midway (day 1 is re-run first and passes).
    let day2 = Day::parse("2026-11-11").unwrap().0;
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(&format!(
            "CREATE TRIGGER die AFTER INSERT ON qa_receptions WHEN NEW.day = {day2}
             AND (SELECT COUNT(*) FROM qa_receptions WHERE day = {day2}) > 1
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        ))
        .unwrap();
    let file = dir.path().join("day2.csv");
    std::fs::write(&file, DAY2).unwrap();
    let out = support::cli::kefu(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--store",
        STORE,
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("injected failure"), "{stderr}");
    assert_eq!(
        stored(&db),
        before,
        "neither the messages nor any hit of day 2"
    );

    // Once the cause is gone the same import stores both.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP TRIGGER die")
        .unwrap();
    let again = import(&db, dir.path(), "day2.csv", DAY2);
    assert!(again.contains("rules re-run over 2 days"), "{again}");
    assert_eq!(stored(&db).0, 6);
    assert_eq!(mei_on(&db, "2026-11-11"), (1, 1));
}
