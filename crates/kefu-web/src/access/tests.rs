//! The handles can be built only for what a user may see: every constructor, for every role,
//! over two stores; an id of the other store answers exactly as a missing one.

use kefu_core::model::{Agent, ImportBatch, NameId};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_qa::review::ReviewKind;
use kefu_qa::sampling::ReceptionKey;
use kefu_qa::summary::{Period, PeriodKind};
use kefu_store::qa_reviews::{NewAssignment, NewReview};
use kefu_store::{Db, User, UserRole};

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    admin: User,
    /// Supervisor of 甲店 only.
    lead: User,
    /// QA of 乙店 only.
    qa: User,
    /// Agent with 甲店's account `甲店:a1` only.
    agent: User,
    /// 甲店's and 乙店's ids and accounts.
    a: (i64, NameId, NameId),
    b: (i64, NameId),
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("k.db")).unwrap();
    for (store, accounts) in [
        ("甲店", ["甲店:a1", "甲店:a2"]),
        ("乙店", ["乙店:b1", "乙店:b2"]),
    ] {
        let mut batch = ImportBatch::default();
        let s = batch.names.intern(store);
        for name in accounts {
            let account = batch.names.intern(name);
            batch.agents.push((
                s,
                Agent {
                    account,
                    name: None,
                    group: None,
                    role: None,
                    joined: None,
                    left: None,
                    employee_no: None,
                    department: None,
                },
            ));
        }
        db.import(batch, &Config::default()).unwrap();
    }
    let id = |db: &Db, store: &str, account: &str| -> (i64, NameId) {
        let s = db.store(store).unwrap();
        let a = db.accounts(s.id).unwrap();
        (s.id, a.iter().find(|x| x.name == account).unwrap().id)
    };
    let (a, a1) = id(&db, "甲店", "甲店:a1");
    let (_, a2) = id(&db, "甲店", "甲店:a2");
    let (b, b1) = id(&db, "乙店", "乙店:b1");
    let user = |name: &str, role| db.create_user(name, role, "password-1234").unwrap();
    let (admin, lead, qa, agent) = (
        user("admin", UserRole::Admin),
        user("lead", UserRole::Supervisor),
        user("qa", UserRole::Qa),
        user("agent", UserRole::Agent),
    );
    db.assign_store(&lead, a).unwrap();
    db.assign_store(&qa, b).unwrap();
    db.link_account(&agent, a, a1).unwrap();
    Fixture {
        _dir: dir,
        db,
        admin,
        lead,
        qa,
        agent,
        a: (a, a1, a2),
        b: (b, b1),
    }
}

fn names(stores: &[StoreScope]) -> Vec<&str> {
    stores.iter().map(StoreScope::name).collect()
}

/// The answer to a store, review or assignment that does not exist, as a user sees it.
fn answer(e: WebError) -> (axum::http::StatusCode, String) {
    (e.status(), format!("{e:?}"))
}

#[test]
fn each_role_gets_handles_of_its_own_stores_only() {
    let f = fixture();
    let db = &f.db;
    assert_eq!(
        names(&allowed(db, &f.admin, None).unwrap()),
        ["乙店", "甲店"]
    );
    assert_eq!(names(&allowed(db, &f.lead, None).unwrap()), ["甲店"]);
    assert_eq!(names(&allowed(db, &f.qa, None).unwrap()), ["乙店"]);
    let agent = allowed(db, &f.agent, None).unwrap();
    assert_eq!(names(&agent), ["甲店"]);
    assert_eq!(agent[0].rows(), &Rows::Accounts(vec![f.a.1]));
    assert!(!agent[0].whole() && !agent[0].sees_store_totals());
    for a in allowed(db, &f.lead, None).unwrap() {
        assert!(a.whole());
    }
}

#[test]
fn a_store_the_user_may_not_see_answers_as_a_missing_one() {
    let f = fixture();
    let db = &f.db;
    for (user, foreign) in [(&f.lead, "乙店"), (&f.qa, "甲店"), (&f.agent, "乙店")] {
        let missing = answer(allowed(db, user, Some("丙店")).unwrap_err());
        let other = answer(allowed(db, user, Some(foreign)).unwrap_err());
        assert_eq!(other.0, axum::http::StatusCode::NOT_FOUND);
        assert_eq!(other.1.replace(foreign, "丙店"), missing.1);
        let mine = allowed(db, user, None).unwrap();
        let chosen_other = answer(chosen(&mine, Some(foreign)).unwrap_err());
        let chosen_missing = answer(chosen(&mine, Some("丙店")).unwrap_err());
        assert_eq!(chosen_other.1.replace(foreign, "丙店"), chosen_missing.1);
    }
    // An account of another store, or a colleague's for an agent: as if it did not exist.
    assert!(account(db, &f.lead, Some("甲店"), "甲店:a2").is_ok());
    for (user, store, name) in [
        (&f.lead, None, "乙店:b1"),
        (&f.agent, Some("甲店"), "甲店:a2"),
        (&f.agent, None, "乙店:b1"),
    ] {
        let e = account(db, user, store, name).unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::NOT_FOUND, "{name}");
    }
}

#[test]
fn an_agents_handle_reads_only_their_rows() {
    let f = fixture();
    let db = &f.db;
    let mine = chosen(&allowed(db, &f.agent, None).unwrap(), None).unwrap();
    let own: Vec<NameId> = mine
        .own_accounts(db)
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(own, [f.a.1]);
    assert_eq!(
        mine.roster(db).unwrap().len(),
        2,
        "names of colleagues, as pages show them"
    );
    let whole = chosen(&allowed(db, &f.lead, None).unwrap(), None).unwrap();
    assert_eq!(whole.own_accounts(db).unwrap().len(), 2);
}

#[test]
fn settings_handles_are_for_managers_of_the_store() {
    let f = fixture();
    let db = &f.db;
    let all = settings_stores(db, &f.admin).unwrap();
    assert_eq!(
        all.iter().map(ManagedStore::name).collect::<Vec<_>>(),
        ["乙店", "甲店"]
    );
    let lead = settings_stores(db, &f.lead).unwrap();
    assert_eq!(
        lead.iter().map(ManagedStore::name).collect::<Vec<_>>(),
        ["甲店"]
    );
    let other = answer(settings_store(&lead, Some("乙店")).unwrap_err());
    let missing = answer(settings_store(&lead, Some("丙店")).unwrap_err());
    assert_eq!(other.1.replace("乙店", "丙店"), missing.1);
    for user in [&f.qa, &f.agent] {
        let e = settings_stores(db, user).unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::FORBIDDEN);
    }
    // A plan of 乙店 cannot be edited, saved or looked up by 甲店's supervisor.
    let mut db = f.db;
    db.save_plan_version(
        "p",
        kefu_plan::Month {
            year: 2026,
            month: 1,
        },
        "x",
        None,
        &[f.b.0],
    )
    .unwrap();
    let id = db.plan_versions().unwrap()[0].id;
    assert!(editable_plan_version(&db, &f.admin, id).is_ok());
    let other = answer(editable_plan_version(&db, &f.lead, id).unwrap_err());
    let missing = answer(editable_plan_version(&db, &f.lead, id + 1).unwrap_err());
    assert_eq!(
        other.1.replace(&id.to_string(), &(id + 1).to_string()),
        missing.1
    );
    assert!(editable_plan_versions(&db, &f.lead).unwrap().is_empty());
    assert_eq!(
        editable_plan_versions(&db, &f.admin).unwrap()[0].1,
        ["乙店"]
    );
    assert!(plan_scope(&db, &f.lead, None, "p").is_err());
    assert!(plan_scope(&db, &f.lead, None, "new").is_ok());
}

#[test]
fn a_review_or_assignment_of_another_store_answers_as_a_missing_one() {
    let f = fixture();
    let mut db = f.db;
    let day = Day::parse("2026-01-05").unwrap();
    let period = Period::containing(PeriodKind::Week, day);
    let reception = ReceptionKey {
        account: f.a.2,
        buyer: f.a.1,
        day,
    };
    let draw = [NewAssignment {
        reviewer_id: f.lead.id,
        reception,
        signals: String::new(),
    }];
    db.qa_add_assignments(
        f.a.0,
        period,
        ReviewKind::Weakness,
        &draw,
        &[(f.lead.id, 1)],
    )
    .unwrap();
    let assignment_id = db.qa_assignments(f.a.0, None, None).unwrap()[0].id;
    let card = db.qa_scorecards().unwrap()[0].id;
    let review_id = db
        .qa_add_review(&NewReview {
            assignment_id,
            scorecard_id: card,
            answers: String::new(),
            score: Some(0.5),
            failed_critical: String::new(),
            note: "n".into(),
            training_topic: None,
            tags: String::new(),
        })
        .unwrap()
        .unwrap();
    let (r, store) = review(&db, &f.lead, review_id).unwrap();
    assert_eq!((r.id, store.name()), (review_id, "甲店"));
    assert!(assignment(&db, &f.admin, assignment_id).is_ok());
    // QA of 乙店 and the agent (whose colleague's chat it is) are answered as for no review.
    for user in [&f.qa, &f.agent] {
        let missing = answer(review(&db, user, review_id + 100).unwrap_err());
        assert_eq!(answer(review(&db, user, review_id).unwrap_err()), missing);
        let missing = answer(assignment(&db, user, assignment_id + 100).unwrap_err());
        assert_eq!(
            answer(assignment(&db, user, assignment_id).unwrap_err()),
            missing
        );
    }
    // A handle of 乙店 holds none of 甲店's QA rows, whatever id it is asked for.
    let b = chosen(&allowed(&db, &f.qa, None).unwrap(), None).unwrap();
    assert!(b.assignments(&db).unwrap().is_empty());
    assert!(
        b.reviews_seen(&db, &f.qa, &Default::default())
            .unwrap()
            .is_empty()
    );
    assert!(b.calibration(&db, 1).unwrap().is_none());
    let a = chosen(&allowed(&db, &f.lead, None).unwrap(), None).unwrap();
    assert_eq!(
        a.reviews_seen(&db, &f.lead, &Default::default())
            .unwrap()
            .len(),
        1
    );
    let foreign = db.qa_assignments(f.a.0, None, None).unwrap().remove(0);
    assert!(b.review_of(&db, &foreign).unwrap().is_none());
    assert!(a.review_of(&db, &foreign).unwrap().is_some());
}
