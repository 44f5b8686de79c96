//! Live service: events written as they happen (`POST /api/v1/events`), folded into the
//! stored figures in batches, and the store at this instant ([`snapshot`]).
//!
//! An ingest ([`ingest`]) reads a body of events for one store, keeps the good lines and
//! names the bad ones, and commits in one transaction of the live file
//! ([`kefu_store::live`]): the accepted lines queued for folding, and what the monitor keeps
//! per conversation (who waits since when, late answers, ratings, agents' last messages).
//! Once that commit returns the events are durable. [`fold`] later imports the queued lines
//! into the database in one import session — the same code path as a file import, so the
//! figures, the rules and the worklists follow exactly as they would — and then drops them
//! from the queue. Folding many batches at once is what makes high rates reachable: the
//! day's messages are re-encoded and its figures recomputed once per fold, not per batch.

use std::collections::HashMap;

use kefu_core::live::{LiveSnapshot, RecentRating, SlowRound, ThreadEvent, ThreadState};
use kefu_core::model::Sender;
use kefu_core::settings::Config;
use kefu_core::time::{Millis, SECOND_MS};
use kefu_import::events::{EventError, EventsRead, read_events};
use kefu_store::live::LiveDb;
use kefu_store::{Db, Result, StoreInfo};

/// Errors an ingest answer lists at most (all lines are still read and the good ones kept).
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// Messages one fold takes at most: bounds a fold's memory (about 150 bytes a message) and
/// how long it holds the database.
pub const FOLD_MESSAGES: u64 = 1 << 20;

/// How far back the monitor shows late answers and ratings.
pub const RECENT_MS: Millis = 3_600_000;
/// An account is active when it sent a message this recently.
pub const ACTIVE_MS: Millis = 15 * 60_000;

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Lines that were not blank.
    pub lines: u64,
    pub accepted: u64,
    pub messages: u64,
    /// The bad lines (at most [`MAX_LISTED_ERRORS`]).
    pub errors: Vec<EventError>,
    /// The batch's place in the queue (none when no line was accepted).
    pub batch: Option<i64>,
}

/// Reads `body` (live events, `docs/formats.md`) for `store` and commits its good lines to
/// the live file. `received_at` (unix ms) is noted with the batch.
pub fn ingest(
    live: &mut LiveDb,
    config: &Config,
    store: &StoreInfo,
    body: &str,
    received_at: i64,
) -> Result<Ingested> {
    commit(live, config, store, read(config, store, body), received_at)
}

/// The first half of [`ingest`]: reads `body` for `store`, touching no file. The web reads a
/// body before it takes the live file's one writer, so that a large batch being read does not
/// hold up a small one behind it (an alert's event waits for the writer, issue 16).
pub fn read(config: &Config, store: &StoreInfo, body: &str) -> EventsRead {
    read_events(body, config, &store.name, MAX_LISTED_ERRORS)
}

/// The second half of [`ingest`]: commits what [`read`] kept to the live file.
pub fn commit(
    live: &mut LiveDb,
    config: &Config,
    store: &StoreInfo,
    read: EventsRead,
    received_at: i64,
) -> Result<Ingested> {
    let mut out = Ingested {
        lines: read.lines,
        accepted: read.accepted_lines,
        messages: read.batch.messages.len() as u64,
        errors: read.errors,
        batch: None,
    };
    if read.accepted_lines == 0 {
        return Ok(out);
    }
    let settings = &config.store(&store.name).metrics;
    let slow_ms = settings.slow_response_secs * SECOND_MS;
    let batch = &read.batch;
    let names = &batch.names;
    let w = live.write()?;
    out.batch = Some(w.add_tail(
        store.id,
        &store.name,
        received_at,
        read.accepted_lines,
        out.messages,
        &read.accepted,
    )?);
    // The conversations the batch touches, in time order (file order within a second).
    let mut order: Vec<usize> = (0..batch.messages.len()).collect();
    order.sort_by_key(|&i| {
        let m = &batch.messages[i].message;
        (m.time, m.seq)
    });
    let mut threads: HashMap<(&str, &str), ThreadState> = HashMap::new();
    let mut sent: HashMap<&str, Millis> = HashMap::new();
    let state = |threads: &mut HashMap<(&str, &str), ThreadState>, account, buyer| {
        Ok::<_, kefu_store::StoreError>(match threads.get(&(account, buyer)) {
            Some(t) => *t,
            None => w.thread(store.id, account, buyer)?,
        })
    };
    for i in order {
        let m = &batch.messages[i].message;
        let (account, buyer) = (names.name(m.account), names.name(m.buyer));
        let mut t = state(&mut threads, account, buyer)?;
        let event = match (m.sender, m.transfer_to) {
            (Sender::Buyer, _) => Some(ThreadEvent::Buyer),
            (Sender::Agent | Sender::Bot, _) => Some(ThreadEvent::Reply),
            (Sender::System, Some(_)) => Some(ThreadEvent::TransferredAway),
            _ => None,
        };
        if m.sender == Sender::Agent {
            let last = sent.entry(account).or_insert(m.time);
            *last = (*last).max(m.time);
        }
        let Some(event) = event else { continue };
        let waiting = t.waiting_since;
        if let Some((since, at)) = t.apply(event, m.time) {
            let wait_ms = settings.service_hours.service_ms(since, at);
            if wait_ms > slow_ms {
                let round = SlowRound {
                    account: account.to_string(),
                    buyer: buyer.to_string(),
                    answered_at: at,
                    wait_ms,
                };
                w.add_slow(store.id, &round)?;
            }
        }
        threads.insert((account, buyer), t);
        // A transferred buyer waits on at the account the conversation went to, since
        // the same first question.
        if let (ThreadEvent::TransferredAway, Some(to), Some(since)) =
            (event, m.transfer_to, waiting.filter(|w| *w <= m.time))
        {
            let to = names.name(to);
            let mut target = state(&mut threads, to, buyer)?;
            target.apply(ThreadEvent::Buyer, since);
            threads.insert((to, buyer), target);
        }
    }
    for ((account, buyer), t) in &threads {
        w.put_thread(store.id, account, buyer, t)?;
    }
    for (account, at) in &sent {
        w.account_sent(store.id, account, *at)?;
    }
    for (_, r) in &batch.ratings {
        w.add_rating(
            store.id,
            &RecentRating {
                account: names.name(r.account).to_string(),
                buyer: names.name(r.buyer).to_string(),
                at: r.time,
                score: r.score,
            },
        )?;
    }
    w.commit()?;
    Ok(out)
}

/// What a fold did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// Batches taken from the queue.
    pub batches: u64,
    pub messages_added: u64,
    pub messages_duplicate: u64,
    /// The stores whose figures changed, by id.
    pub stores: Vec<i64>,
    /// How long its steps took: reading the queued batches into the import session, the
    /// session's finish (messages written, figures recomputed, committed), the worklists.
    pub took: FoldTimes,
}

/// How long a fold's steps took (the folder logs them at debug level).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FoldTimes {
    pub read: std::time::Duration,
    pub import: std::time::Duration,
    pub worklists: std::time::Duration,
    /// The folded batches dropped from the live file and its old rows pruned: the live file's
    /// write lock, which ingests wait for.
    pub queue: std::time::Duration,
}

/// Imports the oldest queued batches (up to [`FOLD_MESSAGES`] messages, at least one batch)
/// into the database under the settings in force (`base` with the stores' saved ones),
/// refreshes the worklists of the stores written to, then drops the batches from the queue.
/// A crash between the import and the drop folds them again, which changes nothing.
pub fn fold(db: &mut Db, live: &mut LiveDb, base: &Config) -> Result<Folded> {
    let started = std::time::Instant::now();
    let tail = live.tail(FOLD_MESSAGES)?;
    let Some(last) = tail.last().map(|b| b.id) else {
        return Ok(Folded::default());
    };
    let config = crate::settings::in_force(db, base)?;
    // Appending to the days the events fall on: a fold costs what it folds, not the day.
    let mut session = db.begin_live_import()?;
    let mut stores: Vec<StoreInfo> = Vec::new();
    for b in &tail {
        let read = read_events(&b.body, &config, &b.store, 0);
        session.add(&read.batch)?;
        if !stores.iter().any(|s| s.id == b.store_id) {
            stores.push(StoreInfo {
                id: b.store_id,
                name: b.store.clone(),
            });
        }
    }
    let read = started.elapsed();
    let summary = session.finish(&config)?;
    let import = started.elapsed() - read;
    for s in &stores {
        crate::worklists::refresh_store(db, &config, s, None)?;
    }
    let worklists = started.elapsed() - read - import;
    live.folded(last)?;
    for s in &stores {
        let now = crate::worklists::now_local(config.store(&s.name).timezone);
        live.prune(s.id, now)?;
    }
    let queue = started.elapsed() - read - import - worklists;
    Ok(Folded {
        batches: tail.len() as u64,
        messages_added: summary.messages_added,
        messages_duplicate: summary.messages_duplicate,
        stores: stores.iter().map(|s| s.id).collect(),
        took: FoldTimes {
            read,
            import,
            worklists,
            queue,
        },
    })
}

/// Folds until the queue is empty (server start: what a stopped server left).
pub fn fold_all(db: &mut Db, live: &mut LiveDb, base: &Config) -> Result<Folded> {
    let mut all = Folded::default();
    loop {
        let f = fold(db, live, base)?;
        if f.batches == 0 {
            return Ok(all);
        }
        all.batches += f.batches;
        all.messages_added += f.messages_added;
        all.messages_duplicate += f.messages_duplicate;
        for s in f.stores {
            if !all.stores.contains(&s) {
                all.stores.push(s);
            }
        }
    }
}

/// Store `store_id` at `now` (store-local): buyers waiting, late answers and ratings of the
/// last hour, accounts active in the last 15 minutes. A few indexed reads of the live file:
/// cheap enough for every second.
pub fn snapshot(live: &LiveDb, store_id: i64, now: Millis) -> Result<LiveSnapshot> {
    Ok(LiveSnapshot {
        now,
        waiting: live.waiting_buyers(store_id)?,
        slow_rounds: live.slow_rounds(store_id, now - RECENT_MS)?,
        ratings: live.ratings(store_id, now - RECENT_MS)?,
        active_accounts: live.active_accounts(store_id, now - ACTIVE_MS)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::live::{RecentRating, SlowRound, WaitingBuyer};
    use kefu_core::time::{Day, UtcOffset, parse_time};

    fn at(s: &str) -> Millis {
        parse_time(s, UtcOffset(480)).unwrap()
    }

    fn line(kind: &str, fields: &str) -> String {
        format!("{{\"kind\":\"{kind}\",{fields}}}\n")
    }

    fn msg(time: &str, buyer: &str, account: &str, sender: &str, id: &str) -> String {
        line(
            "message",
            &format!(
                "\"time\":\"2026-11-11 {time}\",\"buyer\":\"{buyer}\",\"account\":\"{account}\",\"sender\":\"{sender}\",\"msg_id\":\"{id}\""
            ),
        )
    }

    /// Ten minutes of one store, by hand: b1 asks twice and is answered after 60 s; b2 is
    /// answered after 180 s (slow: over 120 s); b3 asks k2, nobody answers; b1 asks again at
    /// 10:07; b2 rates k1 2 at 10:08.
    fn morning() -> String {
        [
            msg("10:00:00", "b1", "k1", "buyer", "1"),
            msg("10:00:30", "b1", "k1", "buyer", "2"),
            msg("10:01:00", "b1", "k1", "agent", "3"),
            msg("10:02:00", "b2", "k1", "buyer", "4"),
            msg("10:05:00", "b2", "k1", "agent", "5"),
            msg("10:06:00", "b3", "k2", "buyer", "6"),
            msg("10:07:00", "b1", "k1", "buyer", "7"),
            line(
                "rating",
                "\"time\":\"2026-11-11 10:08:00\",\"buyer\":\"b2\",\"account\":\"k1\",\"score\":2",
            ),
        ]
        .concat()
    }

    fn open() -> (tempfile::TempDir, Db, LiveDb, StoreInfo) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut db = Db::open(&path).unwrap();
        // The store exists before its first event (a token names it).
        let mut batch = kefu_core::model::ImportBatch::default();
        let s = batch.names.intern("店A");
        batch.agents.push((
            s,
            kefu_core::model::Agent {
                account: batch.names.intern("k1"),
                name: None,
                group: None,
                role: None,
                joined: None,
                left: None,
                employee_no: None,
                department: None,
            },
        ));
        db.import(batch, &Config::default()).unwrap();
        let store = db.store("店A").unwrap();
        let live = LiveDb::open(&path).unwrap();
        (dir, db, live, store)
    }

    #[test]
    fn the_snapshot_of_a_hand_computed_morning() {
        let (_dir, _db, mut live, store) = open();
        let config = Config::default();
        let done = ingest(&mut live, &config, &store, &morning(), 0).unwrap();
        assert_eq!((done.lines, done.accepted, done.messages), (8, 8, 7));
        let snap = snapshot(&live, store.id, at("2026-11-11 10:10:00")).unwrap();
        let waiting = |account: &str, buyer: &str, since: &str| WaitingBuyer {
            account: account.into(),
            buyer: buyer.into(),
            since: at(since),
        };
        assert_eq!(
            snap.waiting,
            vec![
                waiting("k2", "b3", "2026-11-11 10:06:00"),
                waiting("k1", "b1", "2026-11-11 10:07:00")
            ]
        );
        assert_eq!(
            snap.slow_rounds,
            vec![SlowRound {
                account: "k1".into(),
                buyer: "b2".into(),
                answered_at: at("2026-11-11 10:05:00"),
                wait_ms: 180_000,
            }]
        );
        assert_eq!(
            snap.ratings,
            vec![RecentRating {
                account: "k1".into(),
                buyer: "b2".into(),
                at: at("2026-11-11 10:08:00"),
                score: 2,
            }]
        );
        assert_eq!(snap.active_accounts, vec!["k1".to_string()]);
        assert_eq!(snap.wait_ms(&snap.waiting[0]), 240_000);
        // 25 minutes later k1's last message (10:05) is over 15 minutes old; an hour and a
        // quarter later the late answer and the rating are over an hour old.
        let later = snapshot(&live, store.id, at("2026-11-11 10:20:01")).unwrap();
        assert_eq!(later.active_accounts, Vec::<String>::new());
        let much_later = snapshot(&live, store.id, at("2026-11-11 11:15:00")).unwrap();
        assert_eq!(much_later.slow_rounds, vec![]);
        assert_eq!(much_later.ratings, vec![]);
        assert_eq!(much_later.waiting.len(), 2);
        // The answers clear the waits.
        let answers = [
            msg("10:11:00", "b3", "k2", "agent", "8"),
            msg("10:11:30", "b1", "k1", "agent", "9"),
        ]
        .concat();
        ingest(&mut live, &config, &store, &answers, 0).unwrap();
        let snap = snapshot(&live, store.id, at("2026-11-11 10:12:00")).unwrap();
        assert_eq!(snap.waiting, vec![]);
        // b3 waited 300 s, b1 270 s: two more late answers.
        let waits: Vec<i64> = snap.slow_rounds.iter().map(|r| r.wait_ms).collect();
        assert_eq!(waits, vec![180_000, 300_000, 270_000]);
        assert_eq!(snap.active_accounts, vec!["k1", "k2"]);
    }

    #[test]
    fn a_transfer_moves_the_wait_to_the_other_account() {
        let (_dir, _db, mut live, store) = open();
        let body = [
            msg("10:00:00", "b1", "k1", "buyer", "1"),
            line(
                "message",
                "\"time\":\"2026-11-11 10:01:00\",\"buyer\":\"b1\",\"account\":\"k1\",\"sender\":\"system\",\"transfer_to\":\"k9\",\"msg_id\":\"2\"",
            ),
        ]
        .concat();
        ingest(&mut live, &Config::default(), &store, &body, 0).unwrap();
        let snap = snapshot(&live, store.id, at("2026-11-11 10:02:00")).unwrap();
        assert_eq!(snap.waiting.len(), 1);
        assert_eq!(snap.waiting[0].account, "k9");
        assert_eq!(snap.waiting[0].since, at("2026-11-11 10:00:00"));
    }

    #[test]
    fn folding_gives_the_figures_of_an_import_and_the_same_batch_twice_changes_nothing() {
        let (dir, mut db, mut live, store) = open();
        let config = Config::default();
        let day = Day::of(at("2026-11-11 10:00:00"));
        // Sent twice before a fold: the monitor counts each thing once.
        ingest(&mut live, &config, &store, &morning(), 0).unwrap();
        ingest(&mut live, &config, &store, &morning(), 0).unwrap();
        let snap = snapshot(&live, store.id, at("2026-11-11 10:10:00")).unwrap();
        assert_eq!((snap.waiting.len(), snap.slow_rounds.len()), (2, 1));
        assert_eq!(snap.ratings.len(), 1);
        let f = fold(&mut db, &mut live, &config).unwrap();
        assert_eq!((f.batches, f.messages_added), (2, 7));
        assert_eq!(live.waiting().unwrap(), (0, 0));
        let once = db.store_counters(store.id, day, day).unwrap();
        // The same figures as the lines imported as files.
        let other = dir.path().join("other.db");
        let mut reference = Db::open(&other).unwrap();
        let read = read_events(&morning(), &config, "店A", 10);
        reference.import(read.batch, &config).unwrap();
        let rid = reference.store("店A").unwrap().id;
        assert_eq!(reference.store_counters(rid, day, day).unwrap(), once);
        // The batch sent again: queued, folded, nothing changes.
        ingest(&mut live, &config, &store, &morning(), 0).unwrap();
        let again = fold(&mut db, &mut live, &config).unwrap();
        assert_eq!((again.messages_added, again.messages_duplicate), (0, 7));
        assert_eq!(db.store_counters(store.id, day, day).unwrap(), once);
        // b1, b2 and b3 consulted.
        assert_eq!(once.get(kefu_core::figures::C::consulted), 3);
    }

    /// A day and a half of one store, generated: 300 conversations of 1–6 rounds, answers
    /// 5 s to 10 min later, some messages without `msg_id` (identified by content), some
    /// repeated inside the file, orders (paid and not) and ratings.
    fn generated() -> Vec<String> {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let clock = |day: u64, s: u64| {
            format!(
                "2026-11-{:02} {:02}:{:02}:{:02}",
                10 + day,
                s / 3600 % 24,
                s / 60 % 60,
                s % 60
            )
        };
        let mut lines = Vec::new();
        let mut id = 0;
        for c in 0..300u64 {
            let (buyer, account) = (format!("b{c}"), format!("k{}", next(7)));
            let day = next(2);
            let mut t = 8 * 3600 + next(14 * 3600);
            for _ in 0..1 + next(6) {
                for sender in ["buyer", "agent"] {
                    id += 1;
                    let text = format!("第{id}句");
                    let msg_id = if next(5) == 0 {
                        String::new()
                    } else {
                        format!(",\"msg_id\":\"m{id}\"")
                    };
                    let line = format!(
                        "{{\"kind\":\"message\",\"time\":\"{}\",\"buyer\":\"{buyer}\",\"account\":\"{account}\",\"sender\":\"{sender}\",\"text\":\"{text}\"{msg_id}}}\n",
                        clock(day, t)
                    );
                    if next(40) == 0 {
                        lines.push(line.clone());
                    }
                    lines.push(line);
                    t += if sender == "buyer" {
                        5 + next(600)
                    } else {
                        60 + next(3600)
                    };
                }
            }
            if next(3) == 0 {
                let paid = if next(2) == 0 {
                    format!(",\"paid_at\":\"{}\"", clock(day, t + 120))
                } else {
                    String::new()
                };
                lines.push(format!(
                    "{{\"kind\":\"order\",\"order_id\":\"o{c}\",\"buyer\":\"{buyer}\",\"created_at\":\"{}\",\"amount\":\"{}.50\"{paid}}}\n",
                    clock(day, t + 60),
                    10 + next(500)
                ));
            }
            if next(4) == 0 {
                lines.push(format!(
                    "{{\"kind\":\"rating\",\"time\":\"{}\",\"buyer\":\"{buyer}\",\"account\":\"{account}\",\"score\":{}}}\n",
                    clock(day, t + 30),
                    1 + next(5)
                ));
            }
        }
        lines
    }

    /// Every figure of store `name` over the two days, by account name and store-wide, and
    /// every message with its text, by names: what must not depend on how the events came.
    fn everything(db: &Db, name: &str) -> String {
        let store = db.store(name).unwrap();
        let names = db.names(store.id).unwrap();
        let (from, to) = (
            Day::of(at("2026-11-10 00:00:00")),
            Day::of(at("2026-11-12 00:00:00")),
        );
        let mut accounts: Vec<String> = db
            .counters_by_account(store.id, from, to)
            .unwrap()
            .into_iter()
            .map(|(a, c)| format!("{} {c:?}", names.name(a)))
            .collect();
        accounts.sort();
        let mut messages: Vec<String> = db
            .load_events(store.id, from, to, 0)
            .unwrap()
            .messages
            .iter()
            .map(|m| {
                format!(
                    "{} {} {} {:?}",
                    m.time,
                    names.name(m.buyer),
                    names.name(m.account),
                    m.sender
                )
            })
            .collect();
        messages.sort();
        let mut texts = Vec::new();
        for buyer in 0..300 {
            for k in 0..7 {
                let (Some(b), Some(a)) =
                    (names.get(&format!("b{buyer}")), names.get(&format!("k{k}")))
                else {
                    continue;
                };
                for m in db.transcript(store.id, a, b, from, to).unwrap() {
                    texts.push(format!("{} {:?} {}", m.message.time, m.msg_id, m.text));
                }
            }
        }
        format!(
            "{:?}\n{}\n{}\n{}",
            db.store_counters(store.id, from, to).unwrap(),
            accounts.join("\n"),
            messages.join("\n"),
            texts.join("\n")
        )
    }

    #[test]
    fn events_folded_in_any_number_of_batches_give_the_figures_of_one_import() {
        let config = Config::default();
        let lines = generated();
        let (dir, _, _, _) = open();
        let one = dir.path().join("one.db");
        let mut reference = Db::open(&one).unwrap();
        reference
            .import(
                read_events(&lines.concat(), &config, "店A", 10).batch,
                &config,
            )
            .unwrap();
        let want = everything(&reference, "店A");
        assert!(
            want.lines().count() > 2_000,
            "a real day: {}",
            want.lines().count()
        );
        // Batches of every size, in file order and shuffled; a restart of the server (new
        // connections, the day's keys forgotten) halfway through.
        for (n, shuffle) in [(1, false), (4, true), (12, false), (40, true)] {
            let (dir, db, live, store) = open();
            let (mut db, mut live) = (Some(db), Some(live));
            let size = lines.len().div_ceil(n);
            let mut batches: Vec<String> = lines.chunks(size).map(|c| c.concat()).collect();
            if shuffle {
                batches.reverse();
                let half = batches.len() / 2;
                batches[..half].rotate_left(1);
            }
            for (i, body) in batches.iter().enumerate() {
                if i == batches.len() / 2 {
                    drop((db.take(), live.take()));
                    db = Some(Db::open(&dir.path().join("k.db")).unwrap());
                    live = Some(LiveDb::open(&dir.path().join("k.db")).unwrap());
                }
                let (Some(d), Some(l)) = (db.as_mut(), live.as_mut()) else {
                    unreachable!()
                };
                ingest(l, &config, &store, body, 0).unwrap();
                fold(d, l, &config).unwrap();
            }
            let (Some(d), Some(l)) = (db.as_mut(), live.as_mut()) else {
                unreachable!()
            };
            assert_eq!(
                everything(d, "店A"),
                want,
                "{n} batches, shuffled: {shuffle}"
            );
            let raw = rusqlite::Connection::open(dir.path().join("k.db")).unwrap();
            let parts: i64 = raw
                .query_row("SELECT COUNT(*) FROM message_parts", [], |r| r.get(0))
                .unwrap();
            if n >= 10 {
                assert!(parts > 0, "{n} batches were appended as parts");
            }
            if n >= 25 {
                let levels: i64 = raw
                    .query_row("SELECT MAX(level) FROM message_parts", [], |r| r.get(0))
                    .unwrap();
                assert!(levels >= 1, "{n} batches: parts of level 0 were merged");
            }
            // Sent again, whole or a batch of it: nothing is added, nothing changes.
            ingest(l, &config, &store, &batches[0], 0).unwrap();
            let again = fold(d, l, &config).unwrap();
            assert_eq!(again.messages_added, 0, "{n} batches");
            assert!(again.messages_duplicate > 0);
            assert_eq!(everything(d, "店A"), want, "{n} batches, one sent again");
            // A file import of the same events merges the day's parts into its row.
            d.import(
                read_events(&lines.concat(), &config, "店A", 10).batch,
                &config,
            )
            .unwrap();
            assert_eq!(everything(d, "店A"), want, "{n} batches, imported again");
            let left: i64 = raw
                .query_row("SELECT COUNT(*) FROM message_parts", [], |r| r.get(0))
                .unwrap();
            assert_eq!(left, 0, "{n} batches");
        }
    }
}
