//! Upgrading a database of every shipped schema version (`testdata/old-db/vN.db`, written by
//! `scripts/make_old_dbs.sh`): what the users made survives, and the figures equal those of a
//! fresh import of the same files.

use std::path::{Path, PathBuf};

use kefu_core::time::Day;
use kefu_store::Db;
use kefu_store::qa_reviews::{AppealStatus, ReviewFilter};
use serde_json::Value;
use support::cli::{import_sample, ok, sample, sample_report};

mod support;

const STORE: &str = "晨光旗舰店";
const PASSWORD: &str = "old-database-pw";

fn old_db(version: u32, dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/old-db")
        .join(format!("v{version}.db"));
    let to = dir.join(format!("v{version}.db"));
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    to
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The figures of the sample's days by account and by store, as JSON.
fn figures(db: &Path, config: Option<&Path>) -> Vec<Value> {
    let extra: Vec<&str> = config.map_or_else(Vec::new, |c| vec!["--config", s(c)]);
    ["account", "store"]
        .iter()
        .map(|by| Value::Array(sample_report(db, by, &extra)))
        .collect()
}

/// A fresh import of the sample, with the plan and score the old databases hold from 5 on.
fn fresh(dir: &Path) -> PathBuf {
    let db = dir.join("fresh.db");
    import_sample(&db);
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plans/presale.toml");
    ok(&[
        "plan",
        "save",
        "--db",
        s(&db),
        "--from",
        "2026-11",
        s(&plan),
    ]);
    let scores = dir.join("scores.csv");
    std::fs::write(&scores, "account,item,value\n晨光旗舰店:小美,qa_score,88\n").unwrap();
    ok(&[
        "plan",
        "scores",
        "--db",
        s(&db),
        "--month",
        "2026-11",
        "--id",
        "presale",
        s(&scores),
    ]);
    db
}

fn plan_run(db: &Path, config: &Path) -> Value {
    serde_json::from_str(&ok(&[
        "plan",
        "run",
        "--db",
        s(db),
        "--month",
        "2026-11",
        "--format",
        "json",
        "--config",
        s(config),
    ]))
    .unwrap()
}

#[test]
fn every_shipped_version_upgrades_with_its_data_and_the_figures_of_a_fresh_import() {
    let dir = tempfile::tempdir().unwrap();
    let tight = sample().join("tight.toml");
    let fresh = fresh(dir.path());
    let fresh_default = figures(&fresh, None);
    let fresh_tight = figures(&fresh, Some(&tight));
    let fresh_plan = plan_run(&fresh, &tight);
    // Every shipped schema, one fixture each (11 was never one: no migration brings a
    // database to it).
    let versions: Vec<u32> = kefu_store::migration_versions()
        .into_iter()
        .map(|v| v as u32)
        .collect();
    assert!(versions.len() >= 17, "{versions:?}");
    for version in versions {
        let db = old_db(version, dir.path());
        let upgraded = figures(&db, Some(&tight));
        assert_eq!(
            upgraded, fresh_tight,
            "v{version}: figures under a settings file"
        );
        // From 4 on the database holds the tight settings, saved from the web.
        let saved = figures(&db, None);
        let want = if version >= 4 {
            &fresh_tight
        } else {
            &fresh_default
        };
        assert_eq!(&saved, want, "v{version}: figures under the saved settings");

        let store = Db::open(&db).unwrap();
        let conn_version: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert!(conn_version > 10, "v{version}: migrated");
        if version >= 2 {
            let names: Vec<String> = store.users().unwrap().into_iter().map(|u| u.name).collect();
            assert_eq!(names.len(), 3, "v{version}: {names:?}");
            let boss = store.verify_login("boss", PASSWORD).unwrap();
            assert!(boss.is_some(), "v{version}: the admin logs in");
            let lead = store.user("lead").unwrap().unwrap();
            let stores = store.user_stores(&lead).unwrap();
            assert_eq!(stores, vec![store.store(STORE).unwrap().id], "v{version}");
            let agent = store.user("xiaomei").unwrap().unwrap();
            assert_eq!(store.user_accounts(&agent).unwrap().len(), 1, "v{version}");
        }
        if version >= 3 {
            assert_eq!(store.api_tokens(None).unwrap().len(), 1, "v{version}");
        }
        if version >= 4 {
            let lead = store.user("lead").unwrap().unwrap();
            assert_eq!(store.user_lang(&lead).unwrap().as_str(), "en", "v{version}");
        }
        if version >= 5 {
            assert_eq!(store.plan_versions().unwrap().len(), 1, "v{version}");
            assert_eq!(plan_run(&db, &tight), fresh_plan, "v{version}: payslips");
        }
        if version >= 6 {
            let id = store.store(STORE).unwrap().id;
            assert_eq!(
                store.qa_rules(id).unwrap().unwrap().version,
                1,
                "v{version}"
            );
        }
        if version >= 7 {
            qa_data(&store, version);
        }
    }
}

/// The rule hits and the review, appeal and case of the old database, read back whole.
fn qa_data(db: &Db, version: u32) {
    let store = db.store(STORE).unwrap().id;
    let (from, to) = (
        Day::parse("2026-11-01").unwrap(),
        Day::parse("2026-11-30").unwrap(),
    );
    let flagged = db.qa_flagged_receptions(store, from, to, None).unwrap();
    assert!(!flagged.is_empty(), "v{version}: flagged receptions");
    let hits: u32 = flagged.iter().map(|f| f.rules).sum();
    let counted: u64 = db
        .qa_hit_counts(store, from, to)
        .unwrap()
        .iter()
        .map(|c| c.hits)
        .sum();
    assert_eq!(u64::from(hits), counted, "v{version}: every hit kept");
    let first = &flagged[0];
    let detail = db
        .qa_reception_hits(store, first.day, first.account, first.buyer)
        .unwrap();
    assert_eq!(detail.len() as u32, first.rules, "v{version}");
    let rule = &detail[0].rule;
    let by_rule = db
        .qa_flagged_receptions(store, from, to, Some(rule))
        .unwrap();
    assert!(by_rule.contains(first), "v{version}: found by its rule");

    let reviews = db.qa_reviews(store, &ReviewFilter::default()).unwrap();
    assert_eq!(reviews.len(), 1, "v{version}");
    let r = &reviews[0];
    assert_eq!(r.answers, "greeting=yes;polite=4;no_taboo=no", "v{version}");
    assert_eq!(r.tags, "学习标签,催付", "v{version}");
    assert_eq!(r.failed_critical, "no_taboo", "v{version}");
    assert_eq!(r.note, "说了禁语 \"急什么\"", "v{version}");
    let appeal = r.appeal.as_ref().unwrap();
    assert_eq!(appeal.status, AppealStatus::Accepted, "v{version}");
    assert_eq!(r.counted_score(), Some(75.5), "v{version}");
    let assignment = db.qa_assignment(r.assignment_id).unwrap().unwrap();
    assert_eq!(assignment.signals, "flagged,low_rating", "v{version}");
    let cases = db.qa_cases(&[store], "引号").unwrap();
    assert_eq!(cases.len(), 1, "v{version}: found by a tag");
    assert_eq!(cases[0].tags, "售前,禁语,\"引号\"", "v{version}");
    // The case names its review's reception (migration 20 copied it into the case).
    assert_eq!(cases[0].review_id, Some(r.id), "v{version}");
    assert_eq!(cases[0].reception, r.reception, "v{version}");
}
