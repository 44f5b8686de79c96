//! `kefu qa`: rule files, runs over a store, the chat test — from outside, on a hand-made
//! store whose hits are counted by hand, and on a generated demo store.

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::cli::{kefu, ok};

mod support;

fn default_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../qa/rules.toml")
}

/// The store of `testdata/qa` (its README works out every hit by hand).
fn hand_input() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/qa/input")
}

fn hand_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = hand_input();
    let db = dir.path().join("k.db");
    ok(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--store",
        "测试店",
        input.to_str().unwrap(),
    ]);
    (dir, db)
}

fn run_json(db: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "qa",
        "run",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let v: Value = serde_json::from_str(&ok(&args)).expect("json");
    v.as_array().expect("one entry per store")[0].clone()
}

fn rule<'a>(store: &'a Value, id: &str) -> &'a Value {
    store["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("rule {id}"))
}

fn account<'a>(store: &'a Value, name: &str) -> &'a Value {
    store["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == name)
        .unwrap_or_else(|| panic!("account {name}"))
}

#[test]
fn run_counts_hits_per_100_receptions_by_rule_and_account() {
    let (_dir, db) = hand_store();
    let s = run_json(&db, &[]);
    assert_eq!(s["store"], "测试店");
    assert_eq!(s["receptions"], 4);
    assert_eq!(s["rules_version"], Value::Null);
    for (id, hits, per_100) in [
        ("forbidden_phrases", 1, 25.0),
        ("off_platform", 1, 25.0),
        ("no_greeting", 1, 25.0),
        ("slow_round", 1, 25.0),
        ("long_wait_no_apology", 1, 25.0),
        ("unanswered_round", 1, 25.0),
        ("unpaid_not_reminded", 1, 25.0),
        ("warm_wishes", 1, 25.0),
        ("irregular_closing", 0, 0.0),
    ] {
        let r = rule(&s, id);
        assert_eq!(r["hits"], hits, "{id}");
        assert_eq!(r["per_100"], per_100, "{id}");
    }
    // The rules the shipped set switches off are not run.
    for id in ["shift_end_unanswered", "no_rating_invite"] {
        assert!(
            !s["rules"].as_array().unwrap().iter().any(|r| r["id"] == id),
            "{id}"
        );
    }
    let mei = account(&s, "测试店:小美");
    assert_eq!(mei["receptions"], 2);
    assert_eq!(mei["score"], 1 - 2 - 5 - 1);
    assert_eq!(mei["per_100"]["forbidden_phrases"], 50.0);
    assert_eq!(mei["hits"]["off_platform"], 0);
    let qiang = account(&s, "测试店:阿强");
    assert_eq!(qiang["score"], -20 - 1 - 2 - 3);
    assert_eq!(qiang["per_100"]["off_platform"], 50.0);
    assert_eq!(s["score"], -7 - 26);

    // A second run over the same days replaces, never adds.
    let again = run_json(&db, &[]);
    assert_eq!(again["receptions"], 4);
    assert_eq!(rule(&again, "forbidden_phrases")["hits"], 1);

    // A day without messages: no receptions, rates empty rather than zero.
    let none = run_json(&db, &["--from", "2026-11-11", "--to", "2026-11-11"]);
    assert_eq!(none["receptions"], 0);
    assert_eq!(rule(&none, "forbidden_phrases")["per_100"], Value::Null);
}

#[test]
fn run_prints_tables_and_csv() {
    let (_dir, db) = hand_store();
    let table = ok(&["qa", "run", "--db", db.to_str().unwrap()]);
    assert!(
        table.contains("测试店 2026-11-10 … 2026-11-10: 4 receptions"),
        "{table}"
    );
    let line = table
        .lines()
        .find(|l| l.contains("off_platform") && l.contains("red line"))
        .expect("rule row");
    assert!(line.contains("25.00") && line.contains("-20"), "{line}");
    let csv = ok(&["qa", "run", "--db", db.to_str().unwrap(), "--format", "csv"]);
    assert!(csv.starts_with("store,account,rule,receptions,hits,per_100,score\n"));
    assert!(
        csv.contains("\n测试店,,forbidden_phrases,4,1,25,-33\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\n测试店,测试店:小美,forbidden_phrases,2,1,50,-7\n"),
        "{csv}"
    );
}

#[test]
fn a_rules_file_changes_what_fires() {
    let (dir, db) = hand_store();
    let text = std::fs::read_to_string(default_rules())
        .unwrap()
        .replace("score = -20", "score = -50")
        .replace("seconds = 180", "seconds = 900");
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, text).unwrap();
    let s = run_json(&db, &["--rules", rules.to_str().unwrap()]);
    assert_eq!(rule(&s, "slow_round")["hits"], 0, "600 s is under 900 s");
    assert_eq!(account(&s, "测试店:阿强")["score"], -50 - 2 - 3);
}

#[test]
fn check_names_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let ok_out = ok(&["qa", "check", default_rules().to_str().unwrap()]);
    assert_eq!(ok_out, "rule file is valid: 15 rules, 13 enabled\n");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nid = \"x\"\nkind = \"slow_round\"\ncategory = \"taboo\"\nseverity = \"low\"\nscore = -1\nseconds = \"soon\"\n",
    )
    .unwrap();
    let out = kefu(&["qa", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 7"), "{err}");
}

#[test]
fn test_marks_the_triggering_messages() {
    let dir = tempfile::tempdir().unwrap();
    let chat = dir.path().join("chat.txt");
    std::fs::write(
        &chat,
        "buyer 10:00:01 在吗\nagent 10:00:30 随便你，你自己看\nbuyer 10:01:00 《急什么》有货吗\nagent 10:01:10 有的\n",
    )
    .unwrap();
    let out = ok(&["qa", "test", chat.to_str().unwrap()]);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("forbidden_phrases") && first.contains("×2") && first.ends_with("#2"),
        "{out}"
    );
    assert!(
        out.contains("> #2   10:00:30 agent  【随便你】，【你自己看】"),
        "{out}"
    );
    assert!(
        out.contains("\n  #3   10:01:00 buyer  《急什么》有货吗\n"),
        "{out}"
    );
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "buyer 10:00 hi\nagent later hello\n").unwrap();
    let err = kefu(&["qa", "test", bad.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&err.stderr).contains("line 2"));
}

#[test]
fn test_times_waits_on_the_default_service_clock() {
    let dir = tempfile::tempdir().unwrap();
    let chat = dir.path().join("night.txt");
    // Written at 02:00: the default hours (08:00-24:00) count 20 s of the wait, not 6 h.
    std::fs::write(&chat, "buyer 02:00:00 在吗\nagent 08:00:20 您好，在的\n").unwrap();
    let quick = ok(&["qa", "test", chat.to_str().unwrap()]);
    assert!(!quick.contains("slow_round"), "{quick}");
    // Ten minutes before opening, answered twenty after it: 20 min of service time.
    std::fs::write(&chat, "buyer 07:50:00 在吗\nagent 08:20:00 您好，在的\n").unwrap();
    let slow = ok(&["qa", "test", chat.to_str().unwrap()]);
    assert!(slow.contains("slow_round"), "{slow}");
}

#[test]
fn demo_store_run_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    ok(&[
        "demo",
        "--db",
        db.to_str().unwrap(),
        "--days",
        "3",
        "--agents",
        "4",
        "--messages",
        "6000",
    ]);
    let s = run_json(&db, &[]);
    let receptions = s["receptions"].as_u64().unwrap();
    assert!(receptions > 100, "{receptions}");
    let accounts = s["accounts"].as_array().unwrap();
    let sum: u64 = accounts
        .iter()
        .map(|a| a["receptions"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, receptions, "accounts add up to the store");
    for r in s["rules"].as_array().unwrap() {
        let hits = r["hits"].as_u64().unwrap();
        assert!(hits <= receptions, "a rule hits a reception at most once");
        let by_account: u64 = accounts
            .iter()
            .map(|a| a["hits"][r["id"].as_str().unwrap()].as_u64().unwrap())
            .sum();
        assert_eq!(by_account, hits, "{}", r["id"]);
    }
    // The demo's agents are slow at peaks and leave buyers waiting: those rules do fire.
    assert!(rule(&s, "slow_round")["hits"].as_u64().unwrap() > 0);
    assert!(rule(&s, "unanswered_round")["hits"].as_u64().unwrap() > 0);
}
