//! Closing the loop (issue 15): review assignments that open by themselves. A store switches
//! on triggers — a low rating (1–2), a refund after a chat, a hit of a critical rule (高压线) —
//! names the reviewers who receive them and a daily cap per reviewer; after every import and
//! every rule run the receptions that match are assigned for a weakness review (劣势检验),
//! with the sampling code of the manual draw: nobody reviews their own chat accounts, no
//! reception twice, weighted by its signals.
//!
//! - **Idempotent**: a reception that already has a (non-calibration) weakness assignment is
//!   not drawn again, so a re-import or a second run adds nothing.
//! - **Cap**: at most `daily_cap` automatic assignments per reviewer and **reception day**
//!   (the day the chats are of, so the result does not depend on when imports ran); the
//!   manual draw's assignments do not count against it.
//! - The assignments belong to the store's QA period of their day and carry the signal codes
//!   `auto` plus the triggers that matched (`auto,low_rating,critical`).

use std::collections::{BTreeMap, HashMap, HashSet};

use kefu_core::model::NameId;
use kefu_core::settings::MetricSettings;
use kefu_core::time::Day;
use kefu_qa::review::ReviewKind;
use kefu_qa::sampling::{self, Candidate, Mode, Plan, ReceptionKey, Reviewer, Weights};
use kefu_qa::summary::{Period, PeriodKind};
use rusqlite::{Connection, OptionalExtension, params};

use crate::users::now_secs;
use crate::{Db, Result};

/// A rating at or below this (1–2 of 5) opens a review by itself.
pub const AUTO_LOW_RATING: i64 = 2;

/// The most a daily cap may be.
pub const MAX_DAILY_CAP: u32 = 1000;

/// A store's automatic-review settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReview {
    pub low_rating: bool,
    pub refund: bool,
    pub critical: bool,
    /// Automatic assignments per reviewer and reception day, 1..=[`MAX_DAILY_CAP`].
    pub daily_cap: u32,
    /// User ids of the reviewers who receive them.
    pub reviewers: Vec<i64>,
}

impl Default for AutoReview {
    /// Everything off, a cap of 5, nobody.
    fn default() -> Self {
        AutoReview {
            low_rating: false,
            refund: false,
            critical: false,
            daily_cap: 5,
            reviewers: Vec::new(),
        }
    }
}

impl AutoReview {
    /// Whether anything can open: a trigger on and someone to receive it.
    pub fn active(&self) -> bool {
        (self.low_rating || self.refund || self.critical) && !self.reviewers.is_empty()
    }
}

fn load(conn: &Connection, store_id: i64) -> Result<AutoReview> {
    let row = conn
        .query_row(
            "SELECT low_rating, refund, critical, daily_cap, reviewers FROM qa_auto_review
             WHERE store_id = ?1",
            [store_id],
            |r| {
                Ok((
                    r.get::<_, bool>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    Ok(match row {
        None => AutoReview::default(),
        Some((low_rating, refund, critical, cap, reviewers)) => AutoReview {
            low_rating,
            refund,
            critical,
            daily_cap: u32::try_from(cap).unwrap_or(1).clamp(1, MAX_DAILY_CAP),
            reviewers: serde_json::from_str(&reviewers).unwrap_or_default(),
        },
    })
}

impl Db {
    /// A store's automatic-review settings (all off when never saved).
    pub fn qa_auto_review(&self, store_id: i64) -> Result<AutoReview> {
        load(self.conn(), store_id)
    }

    /// Saves a store's automatic-review settings; the cap is clamped to 1..=1000.
    pub fn qa_set_auto_review(&self, store_id: i64, s: &AutoReview) -> Result<()> {
        let mut reviewers = s.reviewers.clone();
        reviewers.sort_unstable();
        reviewers.dedup();
        self.conn().execute(
            "INSERT INTO qa_auto_review (store_id, low_rating, refund, critical, daily_cap, reviewers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (store_id) DO UPDATE SET low_rating = excluded.low_rating,
               refund = excluded.refund, critical = excluded.critical,
               daily_cap = excluded.daily_cap, reviewers = excluded.reviewers",
            params![
                store_id,
                s.low_rating,
                s.refund,
                s.critical,
                s.daily_cap.clamp(1, MAX_DAILY_CAP),
                serde_json::Value::from(reviewers).to_string()
            ],
        )?;
        Ok(())
    }

    /// Opens the automatic review assignments of `[from, to]` (see the module); returns how
    /// many were added. `kefu qa run` calls it after the run; an import inside its
    /// transaction.
    pub fn qa_auto_assign(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        settings: &MetricSettings,
    ) -> Result<usize> {
        let tx = self.conn().unchecked_transaction()?;
        let added = auto_assign(&tx, store_id, (from, to), settings)?;
        tx.commit()?;
        Ok(added)
    }
}

/// [`Db::qa_auto_assign`] on a connection or an open transaction.
pub(crate) fn auto_assign(
    conn: &Connection,
    store_id: i64,
    (from, to): (Day, Day),
    settings: &MetricSettings,
) -> Result<usize> {
    let s = load(conn, store_id)?;
    if !s.active() || from > to {
        return Ok(0);
    }
    // Receptions with a critical rule hit.
    let mut critical: HashSet<ReceptionKey> = HashSet::new();
    if s.critical {
        let mut st = conn.prepare_cached(
            "SELECT DISTINCT account_id, buyer_id, day FROM qa_rule_hits
             WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 AND severity = 3",
        )?;
        let rows = st.query_map(params![store_id, from.0, to.0], key_of)?;
        for k in rows {
            critical.insert(k?);
        }
    }
    // Ratings of 1–2, on the reception's day or the next morning.
    let mut low: HashSet<(NameId, NameId, Day)> = HashSet::new();
    if s.low_rating {
        let mut st = conn.prepare_cached(
            "SELECT account_id, buyer_id, time FROM ratings
             WHERE store_id = ?1 AND score <= ?2 AND time >= ?3 AND time < ?4",
        )?;
        let rows = st.query_map(
            params![
                store_id,
                AUTO_LOW_RATING,
                from.start(),
                to.offset(2).start()
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as NameId,
                    r.get::<_, i64>(1)? as NameId,
                    r.get::<_, i64>(2)?,
                ))
            },
        )?;
        for row in rows {
            let (account, buyer, time) = row?;
            let d = Day::of(time);
            low.insert((account, buyer, d));
            low.insert((account, buyer, d.offset(-1)));
        }
    }
    // Receptions already being read (assigned for a weakness review outside calibration).
    let mut taken: HashSet<ReceptionKey> = HashSet::new();
    let mut used: HashMap<(i64, Day), usize> = HashMap::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT account_id, buyer_id, day, reviewer_id, signals FROM qa_assignments
             WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 AND kind = 'weakness'
               AND calibration_id IS NULL",
        )?;
        let mut rows = st.query(params![store_id, from.0, to.0])?;
        while let Some(r) = rows.next()? {
            let key = key_of(r)?;
            taken.insert(key);
            let reviewer: Option<i64> = r.get(3)?;
            let signals: String = r.get(4)?;
            let codes: Vec<String> = serde_json::from_str(&signals).unwrap_or_default();
            if let Some(id) = reviewer
                && codes.iter().any(|c| c == AUTO)
            {
                *used.entry((id, key.day)).or_default() += 1;
            }
        }
    }
    let candidates =
        crate::qa_reviews::candidates(conn, store_id, (from, to), settings, &critical)?;
    let mut by_day: BTreeMap<Day, Vec<(Candidate, Vec<&'static str>)>> = BTreeMap::new();
    for c in candidates {
        if taken.contains(&c.key) {
            continue;
        }
        let mut why = Vec::new();
        if s.low_rating && low.contains(&(c.key.account, c.key.buyer, c.key.day)) {
            why.push("low_rating");
        }
        if s.refund && c.signals.refund {
            why.push("refund");
        }
        if s.critical && c.signals.flagged {
            why.push("critical");
        }
        if !why.is_empty() {
            by_day.entry(c.key.day).or_default().push((c, why));
        }
    }
    if by_day.is_empty() {
        return Ok(0);
    }
    // The reviewers who still exist, with their own chat accounts in this store.
    let mut reviewers: Vec<(i64, Vec<NameId>)> = Vec::new();
    for &id in &s.reviewers {
        let exists: Option<i64> = conn
            .query_row("SELECT id FROM users WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        if exists.is_none() {
            continue;
        }
        let mut st = conn.prepare_cached(
            "SELECT account_id FROM user_accounts WHERE user_id = ?1 AND store_id = ?2",
        )?;
        let own = st.query_map(params![id, store_id], |r| Ok(r.get::<_, i64>(0)? as NameId))?;
        reviewers.push((id, own.collect::<rusqlite::Result<_>>()?));
    }
    let period_kind: PeriodKind = conn
        .query_row(
            "SELECT period FROM qa_periods WHERE store_id = ?1",
            [store_id],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .as_deref()
        .and_then(PeriodKind::parse)
        .unwrap_or_default();
    let mut ins = conn.prepare_cached(crate::qa_reviews::INSERT_ASSIGNMENT)?;
    let now = now_secs();
    let mut added = 0;
    for (day, list) in by_day {
        let pool: Vec<Reviewer> = reviewers
            .iter()
            .filter_map(|(id, own)| {
                let left =
                    (s.daily_cap as usize).saturating_sub(*used.get(&(*id, day)).unwrap_or(&0));
                (left > 0).then(|| Reviewer {
                    user_id: *id,
                    own_accounts: own.clone(),
                    group: None,
                    goal: left,
                })
            })
            .collect();
        if pool.is_empty() {
            continue;
        }
        let candidates: Vec<Candidate> = list.iter().map(|(c, _)| c.clone()).collect();
        let plan = Plan {
            seed: day.0 as u64,
            mode: Mode::Weighted(Weights::default()),
            cross_group: false,
        };
        let period = Period::containing(period_kind, day);
        for a in sampling::draw(&candidates, &pool, &plan) {
            let why = list
                .iter()
                .find(|(c, _)| c.key == a.reception)
                .map(|(_, w)| w.as_slice())
                .unwrap_or(&[]);
            let mut codes = vec![AUTO];
            codes.extend_from_slice(why);
            added += ins.execute(params![
                store_id,
                period.from.0,
                period.to.0,
                a.reviewer,
                ReviewKind::Weakness.as_str(),
                a.reception.account,
                a.reception.buyer,
                a.reception.day.0,
                serde_json::Value::from(codes).to_string(),
                now
            ])?;
        }
    }
    Ok(added)
}

/// The signal code of an automatic assignment.
pub const AUTO: &str = "auto";

fn key_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReceptionKey> {
    Ok(ReceptionKey {
        account: r.get::<_, i64>(0)? as NameId,
        buyer: r.get::<_, i64>(1)? as NameId,
        day: Day(r.get(2)?),
    })
}
