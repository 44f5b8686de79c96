//! Closing the loop (issue 15): review assignments opened by the store's triggers after an
//! import and a rule run — low ratings (1–2), refunds after a chat, critical rule hits — at
//! most the daily cap per reviewer, never an agent's own chats, and never twice.

use kefu_core::model::{
    ImportBatch, ImportedMessage, Message, Rating, Refund, RefundStatus, Sender,
};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_qa::rules::RuleSet;
use kefu_store::qa_auto::AutoReview;
use kefu_store::{Db, UserRole};

const DAY0: i32 = 20_400;
const PW: &str = "correct horse";

/// One reception per (account, buyer, text) on `day`: the buyer asks, the agent answers with
/// `text`; ratings (buyer, score) and refunds handled by an account (buyer, account).
fn batch(
    day: i32,
    chats: &[(u8, u8, &str)],
    ratings: &[(u8, u8, u8)],
    refunds: &[(u8, u8)],
) -> ImportBatch {
    let mut b = ImportBatch::default();
    let store = b.names.intern("店");
    let t0 = Day(DAY0 + day).start() + 10 * 3_600_000;
    let mut seq = 0;
    for (i, &(a, buyer, text)) in chats.iter().enumerate() {
        let account = b.names.intern(&format!("店:a{a}"));
        let buyer = b.names.intern(&format!("b{buyer}"));
        for (k, (sender, text)) in [(Sender::Buyer, "在吗，有货吗"), (Sender::Agent, text)]
            .into_iter()
            .enumerate()
        {
            let text = b.push_text(text);
            b.messages.push(ImportedMessage {
                store,
                message: Message {
                    time: t0 + i as i64 * 600_000 + k as i64 * 20_000,
                    buyer,
                    account,
                    sender,
                    transfer_to: None,
                    seq,
                },
                text,
                msg_id: None,
            });
            seq += 1;
        }
    }
    for &(a, buyer, score) in ratings {
        let r = Rating {
            time: t0 + 3 * 3_600_000,
            buyer: b.names.intern(&format!("b{buyer}")),
            account: b.names.intern(&format!("店:a{a}")),
            score,
        };
        b.ratings.push((store, r));
    }
    for (i, &(a, buyer)) in refunds.iter().enumerate() {
        let r = Refund {
            refund_id: format!("R{day}-{i}"),
            order_id: format!("O{day}-{i}"),
            buyer: b.names.intern(&format!("b{buyer}")),
            requested_at: t0 + 4 * 3_600_000,
            finished_at: None,
            amount: 100,
            status: RefundStatus::Pending,
            account: Some(b.names.intern(&format!("店:a{a}"))),
        };
        b.refunds.push((store, r));
    }
    b
}

/// Day 0: b1 rated a1 with 1 (low), b2 rated a1 with 3 (not low enough), b3 asked a2 for a
/// refund, a2 told b4 to add WeChat (critical), b5 had a clean chat with a1.
fn day0() -> ImportBatch {
    batch(
        0,
        &[
            (1, 1, "您好亲，有的"),
            (1, 2, "您好亲，有的"),
            (2, 3, "您好亲，有的"),
            (2, 4, "您好，加我微信聊"),
            (1, 5, "您好亲，有的"),
        ],
        &[(1, 1, 1), (1, 2, 3)],
        &[(2, 3)],
    )
}

fn keys(db: &Db, store: i64) -> Vec<(String, u32, String)> {
    let mut v: Vec<(String, u32, String)> = db
        .qa_assignments(store, None, None)
        .unwrap()
        .into_iter()
        .map(|a| (a.reviewer, a.reception.buyer, a.signals))
        .collect();
    v.sort();
    v
}

#[test]
fn triggers_open_reviews_once_within_the_cap_and_never_for_ones_own_chats() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("k.db")).unwrap();
    let config = Config::default();
    db.import(day0(), &config).unwrap();
    let store = db.stores().unwrap()[0].id;
    let names: Vec<_> = db.accounts(store).unwrap();
    let a2 = names.iter().find(|a| a.name == "店:a2").unwrap().id;
    // Nothing opens before the store switches a trigger on.
    assert_eq!(db.qa_auto_review(store).unwrap(), AutoReview::default());
    let set = RuleSet::default_rules();
    let run = db.qa_run(store, Day(DAY0), Day(DAY0), &set, None).unwrap();
    assert_eq!(run.auto_reviews, 0);
    assert!(keys(&db, store).is_empty());

    // Reviewer "qa" (no chat account) and agent "ann", who is account a2 herself.
    let qa = db.create_user("qa", UserRole::Qa, PW).unwrap();
    let ann = db.create_user("ann", UserRole::Agent, PW).unwrap();
    db.link_account(&ann, store, a2).unwrap();
    let settings = AutoReview {
        low_rating: true,
        refund: true,
        critical: true,
        daily_cap: 5,
        reviewers: vec![qa.id, ann.id], // stored ascending
    };
    db.qa_set_auto_review(store, &settings).unwrap();
    assert_eq!(db.qa_auto_review(store).unwrap(), settings);

    // The run opens b1 (rating 1), b3 (refund by a2), b4 (critical off-platform by a2); not
    // b2 (rating 3) nor b5. Ann never gets a2's chats.
    let run = db.qa_run(store, Day(DAY0), Day(DAY0), &set, None).unwrap();
    assert_eq!(run.auto_reviews, 3);
    let got = keys(&db, store);
    let buyers: Vec<String> = got
        .iter()
        .map(|(_, b, _)| db_name(&db, store, *b))
        .collect();
    let mut sorted = buyers.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["b1", "b3", "b4"], "{got:?}");
    for (reviewer, buyer, signals) in &got {
        let name = db_name(&db, store, *buyer);
        if name == "b3" || name == "b4" {
            assert_eq!(reviewer, "qa", "a2's chats never go to ann, who is a2");
        }
        let expected = match name.as_str() {
            "b1" => "auto,low_rating",
            "b3" => "auto,refund",
            _ => "auto,critical",
        };
        assert_eq!(signals, expected);
    }

    // Idempotent: a second run and a re-import add nothing.
    assert_eq!(
        db.qa_run(store, Day(DAY0), Day(DAY0), &set, None)
            .unwrap()
            .auto_reviews,
        0
    );
    let again = db.import(day0(), &config).unwrap();
    assert_eq!(again.auto_reviews, 0);
    assert_eq!(keys(&db, store).len(), 3);

    // An import opens reviews by itself, at most the cap per reviewer and day: day 1 has
    // four low ratings of a1's chats and a cap of 1 — one each for qa and ann.
    db.qa_set_auto_review(
        store,
        &AutoReview {
            daily_cap: 1,
            ..settings.clone()
        },
    )
    .unwrap();
    let day1 = batch(
        1,
        &[
            (1, 11, "有的"),
            (1, 12, "有的"),
            (1, 13, "有的"),
            (1, 14, "有的"),
        ],
        &[(1, 11, 1), (1, 12, 2), (1, 13, 1), (1, 14, 2)],
        &[],
    );
    let s = db.import(day1, &config).unwrap();
    assert_eq!(s.auto_reviews, 2);
    let day1_rows: Vec<_> = db
        .qa_assignments(store, None, None)
        .unwrap()
        .into_iter()
        .filter(|a| a.reception.day == Day(DAY0 + 1))
        .collect();
    let mut reviewers: Vec<&str> = day1_rows.iter().map(|a| a.reviewer.as_str()).collect();
    reviewers.sort();
    assert_eq!(reviewers, vec!["ann", "qa"]);
    // Raising the cap opens the rest on the next run, still without repeats.
    db.qa_set_auto_review(store, &settings).unwrap();
    let run = db
        .qa_run(store, Day(DAY0 + 1), Day(DAY0 + 1), &set, None)
        .unwrap();
    assert_eq!(run.auto_reviews, 2);
    assert_eq!(keys(&db, store).len(), 7);
    // Switched off: nothing more opens.
    db.qa_set_auto_review(store, &AutoReview::default())
        .unwrap();
    assert_eq!(
        db.qa_auto_assign(store, Day(DAY0), Day(DAY0 + 1), &Default::default())
            .unwrap(),
        0
    );
}

fn db_name(db: &Db, store: i64, buyer: u32) -> String {
    db.names(store).unwrap().name(buyer).to_string()
}
