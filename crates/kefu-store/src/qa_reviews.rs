//! Manual reviews (人工质检) in the database: versioned scorecards, review assignments and
//! goals per period, reviews, appeals (one per review), calibration sessions, the case library
//! (案例库) and each store's QA period (week or month). The arithmetic lives in `kefu_qa`.
//!
//! A reception is addressed as in the drill-down pages: (store, account, buyer, day).

use std::collections::{HashMap, HashSet};

use kefu_core::engine;
use kefu_core::model::NameId;
use kefu_core::settings::MetricSettings;
use kefu_core::time::Day;
use kefu_qa::review::{self, ReviewKind, Scorecard};
use kefu_qa::sampling::{Candidate, ReceptionKey, Signals};
use kefu_qa::summary::{Period, PeriodKind};
use rusqlite::{OptionalExtension, Row, params};

use crate::users::now_secs;
use crate::{Db, LOOKBACK_DAYS, Result, StoreError};

/// Adds an assignment unless the reviewer has the reception already (the unique index):
/// store, period from and to, reviewer, kind, account, buyer, day, signals (JSON), created.
pub(crate) const INSERT_ASSIGNMENT: &str = "INSERT OR IGNORE INTO qa_assignments
     (store_id, period_from, period_to, reviewer_id, kind, account_id, buyer_id, day,
      signals, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// A buyer's rating at or below this (一般 or worse, of 1–5) marks a reception for review.
pub const LOW_RATING: u8 = 3;

/// Refunds requested up to this many days after a reception point back at it.
pub const REFUND_DAYS: i32 = 7;

/// A scorecard as stored: one version of one card.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScorecard {
    pub id: i64,
    pub version: i64,
    pub card: Scorecard,
}

/// A review a reviewer owes (or has done).
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRow {
    pub id: i64,
    pub store_id: i64,
    pub period: Period,
    pub reviewer_id: i64,
    pub reviewer: String,
    pub kind: ReviewKind,
    pub reception: ReceptionKey,
    /// Why it was drawn (`flagged,low_rating,…`); empty when at random.
    pub signals: String,
    pub calibration_id: Option<i64>,
    pub review_id: Option<i64>,
}

/// A new assignment of a draw.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAssignment {
    pub reviewer_id: i64,
    pub reception: ReceptionKey,
    pub signals: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealStatus {
    Open,
    Accepted,
    Rejected,
}

impl AppealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealStatus::Open => "open",
            AppealStatus::Accepted => "accepted",
            AppealStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> AppealStatus {
        match s {
            "accepted" => AppealStatus::Accepted,
            "rejected" => AppealStatus::Rejected,
            _ => AppealStatus::Open,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Appeal {
    pub appellant: Option<String>,
    pub reason: String,
    pub status: AppealStatus,
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    /// The corrected score of an accepted appeal.
    pub new_score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub id: i64,
    pub assignment_id: i64,
    pub store_id: i64,
    pub reception: ReceptionKey,
    pub kind: ReviewKind,
    pub reviewer_id: Option<i64>,
    pub reviewer: Option<String>,
    pub scorecard_id: i64,
    /// `item=answer;…` ([`kefu_qa::review::encode_answers`]).
    pub answers: String,
    pub score: Option<f64>,
    pub failed_critical: String,
    pub note: String,
    pub training_topic: Option<String>,
    pub tags: String,
    pub calibration: bool,
    pub created_at: i64,
    pub appeal: Option<Appeal>,
}

impl ReviewRow {
    /// The score that counts: an accepted appeal's corrected score, else the review's own.
    pub fn counted_score(&self) -> Option<f64> {
        match &self.appeal {
            Some(Appeal {
                status: AppealStatus::Accepted,
                new_score: Some(s),
                ..
            }) => Some(*s),
            _ => self.score,
        }
    }
}

/// A review as a reviewer submits it (the reception and kind come from the assignment).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    pub assignment_id: i64,
    pub scorecard_id: i64,
    pub answers: String,
    pub score: Option<f64>,
    pub failed_critical: String,
    pub note: String,
    pub training_topic: Option<String>,
    pub tags: String,
}

/// Which reviews to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewFilter {
    /// Only these accounts (an agent's own), when given.
    pub accounts: Option<Vec<NameId>>,
    /// Reception days, both ends included.
    pub from: Option<Day>,
    pub to: Option<Day>,
    /// `Some(false)`: counted reviews only; `Some(true)`: calibration only.
    pub calibration: Option<bool>,
    /// Only reviews with an open appeal.
    pub open_appeals: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub id: i64,
    /// `None`: added from a transcript, without a review (migration 20).
    pub review_id: Option<i64>,
    pub store_id: i64,
    pub reception: ReceptionKey,
    /// The review's kind (`None` without a review).
    pub kind: Option<ReviewKind>,
    /// `good` or `bad`.
    pub verdict: String,
    pub tags: String,
    pub note: String,
    pub created_by: Option<String>,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationRow {
    pub id: i64,
    pub store_id: i64,
    pub name: String,
    pub scorecard_id: i64,
    pub receptions: i64,
    pub reviewers: i64,
    pub done: i64,
}

/// A reviewer's workload in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub reviewer_id: i64,
    pub reviewer: String,
    pub goal: i64,
    pub assigned: i64,
    pub done: i64,
}

fn kind_of(s: &str) -> ReviewKind {
    ReviewKind::parse(s).unwrap_or(ReviewKind::Weakness)
}

// Lists and answers are stored as JSON (migration 13); the API speaks the texts they were
// before, `a,b` and `item=answer;…`, which these expressions give back in stored order.
// Anything but valid JSON reads as empty.

/// A JSON array column as comma-separated text.
macro_rules! listed {
    ($col:literal) => {
        concat!(
            "COALESCE((SELECT group_concat(value, ',' ORDER BY key) FROM json_each(CASE WHEN json_valid(",
            $col,
            ") THEN ",
            $col,
            " ELSE '[]' END)), '')"
        )
    };
}

/// A JSON object of answers as `item=answer;…`.
macro_rules! answered {
    ($col:literal) => {
        concat!(
            "COALESCE((SELECT group_concat(key || '=' || value, ';' ORDER BY id) FROM json_each(CASE WHEN json_valid(",
            $col,
            ") THEN ",
            $col,
            " ELSE '{}' END)), '')"
        )
    };
}

/// Comma-separated text as the JSON array stored (empty items dropped).
fn list_json(text: &str) -> String {
    let items: Vec<&str> = text.split(',').filter(|i| !i.is_empty()).collect();
    serde_json::Value::from(items).to_string()
}

/// `item=answer;…` as the JSON object stored, in the text's order (the scorecard's).
fn answers_json(text: &str) -> String {
    let members: Vec<String> = text
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (item, answer) = p.split_once('=').unwrap_or((p, ""));
            format!(
                "{}:{}",
                serde_json::Value::from(item),
                serde_json::Value::from(answer)
            )
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

const ASSIGNMENT_COLUMNS: &str = concat!(
    "a.id, a.store_id, a.period_from, a.period_to, a.reviewer_id, \
     u.name, a.kind, a.account_id, a.buyer_id, a.day, ",
    listed!("a.signals"),
    ", a.calibration_id, r.id"
);

fn assignment_row(r: &Row) -> rusqlite::Result<AssignmentRow> {
    let kind: String = r.get(6)?;
    Ok(AssignmentRow {
        id: r.get(0)?,
        store_id: r.get(1)?,
        period: Period {
            from: Day(r.get(2)?),
            to: Day(r.get(3)?),
        },
        reviewer_id: r.get(4)?,
        reviewer: r.get(5)?,
        kind: kind_of(&kind),
        reception: reception_at(r, 7)?,
        signals: r.get(10)?,
        calibration_id: r.get(11)?,
        review_id: r.get(12)?,
    })
}

const REVIEW_COLUMNS: &str = concat!(
    "v.id, v.assignment_id, v.store_id, v.account_id, v.buyer_id, v.day, \
     v.kind, v.reviewer_id, ru.name, v.scorecard_id, ",
    answered!("v.answers"),
    ", v.score, ",
    listed!("v.failed_critical"),
    ", v.note, v.training_topic, ",
    listed!("v.tags"),
    ", v.calibration, v.created_at, \
     p.review_id, au.name, p.reason, p.status, du.name, p.decision_comment, p.new_score"
);

const REVIEW_FROM: &str = "FROM qa_reviews v
     LEFT JOIN users ru ON ru.id = v.reviewer_id
     LEFT JOIN qa_appeals p ON p.review_id = v.id
     LEFT JOIN users au ON au.id = p.appellant_id
     LEFT JOIN users du ON du.id = p.decided_by";

/// A reception as every QA table stores it: account, buyer and day in adjacent columns from
/// `first`.
fn reception_at(r: &Row, first: usize) -> rusqlite::Result<ReceptionKey> {
    Ok(ReceptionKey {
        account: r.get(first)?,
        buyer: r.get(first + 1)?,
        day: Day(r.get(first + 2)?),
    })
}

fn review_row(r: &Row) -> rusqlite::Result<ReviewRow> {
    let kind: String = r.get(6)?;
    let appeal_of: Option<i64> = r.get(18)?;
    let appeal = match appeal_of {
        Some(_) => {
            let status: String = r.get(21)?;
            Some(Appeal {
                appellant: r.get(19)?,
                reason: r.get(20)?,
                status: AppealStatus::parse(&status),
                decided_by: r.get(22)?,
                comment: r.get(23)?,
                new_score: r.get(24)?,
            })
        }
        None => None,
    };
    Ok(ReviewRow {
        id: r.get(0)?,
        assignment_id: r.get(1)?,
        store_id: r.get(2)?,
        reception: reception_at(r, 3)?,
        kind: kind_of(&kind),
        reviewer_id: r.get(7)?,
        reviewer: r.get(8)?,
        scorecard_id: r.get(9)?,
        answers: r.get(10)?,
        score: r.get(11)?,
        failed_critical: r.get(12)?,
        note: r.get(13)?,
        training_topic: r.get(14)?,
        tags: r.get(15)?,
        calibration: r.get(16)?,
        created_at: r.get(17)?,
        appeal,
    })
}

impl Db {
    fn parse_stored_card(
        id: i64,
        version: i64,
        key: &str,
        source: &str,
    ) -> Result<StoredScorecard> {
        let bad = |message: String| StoreError::SavedScorecard { id, message };
        let card = review::parse_scorecards(source)
            .map_err(|e| bad(e.to_string()))?
            .into_iter()
            .find(|c| c.id == key)
            .ok_or_else(|| bad(format!("the saved file has no scorecard `{key}`")))?;
        Ok(StoredScorecard { id, version, card })
    }

    /// The newest version of every scorecard; the shipped defaults are stored first when the
    /// database has none.
    pub fn qa_scorecards(&self) -> Result<Vec<StoredScorecard>> {
        let count: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM qa_scorecards", [], |r| r.get(0))?;
        if count == 0 {
            self.qa_save_scorecards(review::DEFAULT_SCORECARDS)
                .map_err(|message| StoreError::SavedScorecard { id: 0, message })?;
        }
        let mut st = self.conn().prepare_cached(
            "SELECT id, version, card, source FROM qa_scorecards s
             WHERE version = (SELECT MAX(version) FROM qa_scorecards t WHERE t.card = s.card)
             ORDER BY kind DESC, card",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<(i64, i64, String, String)>>>()?;
        rows.iter()
            .map(|(id, v, key, source)| Db::parse_stored_card(*id, *v, key, source))
            .collect()
    }

    /// The scorecard file saved last (what an editor starts from).
    pub fn qa_scorecard_source(&self) -> Result<String> {
        self.qa_scorecards()?;
        Ok(self
            .conn()
            .query_row(
                "SELECT source FROM qa_scorecards ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default())
    }

    /// One stored version (what a review was made with).
    pub fn qa_scorecard(&self, id: i64) -> Result<Option<StoredScorecard>> {
        let row: Option<(i64, String, String)> = self
            .conn()
            .query_row(
                "SELECT version, card, source FROM qa_scorecards WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(v, key, source)| Db::parse_stored_card(id, v, &key, &source))
            .transpose()
    }

    /// Saves a scorecard file: each card that differs from its newest stored version becomes
    /// a new version. `Err` with the file's error text when it does not parse. Returns the
    /// ids of the cards that changed.
    pub fn qa_save_scorecards(&self, source: &str) -> std::result::Result<Vec<String>, String> {
        let cards = review::parse_scorecards(source).map_err(|e| e.to_string())?;
        let sql = |e: rusqlite::Error| e.to_string();
        let mut changed = Vec::new();
        for card in cards {
            let newest: Option<(i64, i64, String)> = self
                .conn()
                .query_row(
                    "SELECT id, version, source FROM qa_scorecards WHERE card = ?1
                     ORDER BY version DESC LIMIT 1",
                    [&card.id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(sql)?;
            let version = match &newest {
                Some((id, v, old)) => {
                    let same =
                        Db::parse_stored_card(*id, *v, &card.id, old).is_ok_and(|s| s.card == card);
                    if same {
                        continue;
                    }
                    v + 1
                }
                None => 1,
            };
            self.conn()
                .execute(
                    "INSERT INTO qa_scorecards (card, version, kind, source, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![card.id, version, card.kind.as_str(), source, now_secs()],
                )
                .map_err(sql)?;
            changed.push(card.id);
        }
        Ok(changed)
    }

    /// The store's QA period; weekly until set.
    pub fn qa_period(&self, store_id: i64) -> Result<PeriodKind> {
        let p: Option<String> = self
            .conn()
            .query_row(
                "SELECT period FROM qa_periods WHERE store_id = ?1",
                [store_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(p.as_deref().and_then(PeriodKind::parse).unwrap_or_default())
    }

    pub fn qa_set_period(&self, store_id: i64, kind: PeriodKind) -> Result<()> {
        self.conn().execute(
            "INSERT INTO qa_periods (store_id, period) VALUES (?1, ?2)
             ON CONFLICT (store_id) DO UPDATE SET period = excluded.period",
            params![store_id, kind.as_str()],
        )?;
        Ok(())
    }

    /// The receptions of `[from, to]` that may be drawn for review, with what makes each
    /// worth reading. Bots' receptions and receptions without a buyer message are left out.
    ///
    /// `flagged` are the receptions automatic rules flagged (the automatic-rule store
    /// supplies them; empty until then, and sampling then weighs by the other signals).
    pub fn qa_candidates(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        settings: &MetricSettings,
        flagged: &HashSet<ReceptionKey>,
    ) -> Result<Vec<Candidate>> {
        candidates(self.conn(), store_id, (from, to), settings, flagged)
    }

    /// Adds a draw's assignments for a period (a reception already assigned to the same
    /// reviewer is skipped) and sets each reviewer's goal. Returns how many were added.
    pub fn qa_add_assignments(
        &mut self,
        store_id: i64,
        period: Period,
        kind: ReviewKind,
        list: &[NewAssignment],
        goals: &[(i64, i64)],
    ) -> Result<usize> {
        let tx = self.conn_mut().transaction()?;
        let mut added = 0;
        {
            let mut ins = tx.prepare_cached(INSERT_ASSIGNMENT)?;
            let now = now_secs();
            for a in list {
                added += ins.execute(params![
                    store_id,
                    period.from.0,
                    period.to.0,
                    a.reviewer_id,
                    kind.as_str(),
                    a.reception.account,
                    a.reception.buyer,
                    a.reception.day.0,
                    list_json(&a.signals),
                    now
                ])?;
            }
            let mut goal = tx.prepare_cached(
                "INSERT INTO qa_goals (store_id, period_from, reviewer_id, goal) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (store_id, period_from, reviewer_id) DO UPDATE SET goal = excluded.goal",
            )?;
            for (reviewer, g) in goals {
                goal.execute(params![store_id, period.from.0, reviewer, g])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// The assignments of a store (all, or one reviewer's), newest period first. Calibration
    /// assignments are included only when `calibration` is given (then only that session's).
    pub fn qa_assignments(
        &self,
        store_id: i64,
        reviewer: Option<i64>,
        calibration: Option<i64>,
    ) -> Result<Vec<AssignmentRow>> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM qa_assignments a
             JOIN users u ON u.id = a.reviewer_id
             LEFT JOIN qa_reviews r ON r.assignment_id = a.id
             WHERE a.store_id = ?1 AND (?2 IS NULL OR a.reviewer_id = ?2)
               AND ((?3 IS NULL AND a.calibration_id IS NULL) OR a.calibration_id = ?3)
             ORDER BY a.period_from DESC, u.name, a.day, a.account_id, a.buyer_id"
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map(params![store_id, reviewer, calibration], assignment_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn qa_assignment(&self, id: i64) -> Result<Option<AssignmentRow>> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM qa_assignments a
             JOIN users u ON u.id = a.reviewer_id
             LEFT JOIN qa_reviews r ON r.assignment_id = a.id WHERE a.id = ?1"
        );
        Ok(self
            .conn()
            .query_row(&sql, [id], assignment_row)
            .optional()?)
    }

    /// Every assignment of a user in any store, open ones first: "my assignments".
    pub fn qa_my_assignments(&self, reviewer: i64) -> Result<Vec<AssignmentRow>> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM qa_assignments a
             JOIN users u ON u.id = a.reviewer_id
             LEFT JOIN qa_reviews r ON r.assignment_id = a.id
             WHERE a.reviewer_id = ?1
             ORDER BY r.id IS NOT NULL, a.period_from DESC, a.day, a.account_id, a.buyer_id"
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map([reviewer], assignment_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a review of an assignment; `None` when the assignment is unknown or already
    /// reviewed (a review is never overwritten).
    pub fn qa_add_review(&self, r: &NewReview) -> Result<Option<i64>> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO qa_reviews
             (assignment_id, store_id, account_id, buyer_id, day, kind, reviewer_id, scorecard_id,
              answers, score, failed_critical, note, training_topic, tags, calibration, created_at)
             SELECT a.id, a.store_id, a.account_id, a.buyer_id, a.day, a.kind, a.reviewer_id, ?2,
                    ?3, ?4, ?5, ?6, ?7, ?8, a.calibration_id IS NOT NULL, ?9
             FROM qa_assignments a WHERE a.id = ?1",
            params![
                r.assignment_id,
                r.scorecard_id,
                answers_json(&r.answers),
                r.score,
                list_json(&r.failed_critical),
                r.note,
                r.training_topic,
                list_json(&r.tags),
                now_secs()
            ],
        )?;
        Ok((n == 1).then(|| self.conn().last_insert_rowid()))
    }

    pub fn qa_review(&self, id: i64) -> Result<Option<ReviewRow>> {
        let sql = format!("SELECT {REVIEW_COLUMNS} {REVIEW_FROM} WHERE v.id = ?1");
        Ok(self.conn().query_row(&sql, [id], review_row).optional()?)
    }

    /// The reviews of a store, newest first.
    pub fn qa_reviews(&self, store_id: i64, f: &ReviewFilter) -> Result<Vec<ReviewRow>> {
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} {REVIEW_FROM}
             WHERE v.store_id = ?1 AND (?2 IS NULL OR v.day >= ?2) AND (?3 IS NULL OR v.day <= ?3)
               AND (?4 IS NULL OR v.calibration = ?4) AND (?5 = 0 OR p.status = 'open')
             ORDER BY v.created_at DESC, v.id DESC"
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map(
            params![
                store_id,
                f.from.map(|d| d.0),
                f.to.map(|d| d.0),
                f.calibration,
                f.open_appeals
            ],
            review_row,
        )?;
        let mut out: Vec<ReviewRow> = rows.collect::<rusqlite::Result<_>>()?;
        if let Some(ids) = &f.accounts {
            out.retain(|r| ids.contains(&r.reception.account));
        }
        Ok(out)
    }

    /// An appeal of a review; `false` when the review has been appealed before (once only).
    pub fn qa_appeal(&self, review_id: i64, appellant: i64, reason: &str) -> Result<bool> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO qa_appeals (review_id, appellant_id, reason, status, created_at)
             SELECT id, ?2, ?3, 'open', ?4 FROM qa_reviews WHERE id = ?1 AND calibration = 0",
            params![review_id, appellant, reason, now_secs()],
        )?;
        Ok(n == 1)
    }

    /// Decides an open appeal; an accepted one carries the corrected score. `false` when no
    /// open appeal exists.
    pub fn qa_decide_appeal(
        &self,
        review_id: i64,
        decided_by: i64,
        accept: bool,
        comment: &str,
        new_score: Option<f64>,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE qa_appeals SET status = ?2, decided_by = ?3, decision_comment = ?4,
                 new_score = ?5, decided_at = ?6
             WHERE review_id = ?1 AND status = 'open'",
            params![
                review_id,
                if accept { "accepted" } else { "rejected" },
                decided_by,
                comment,
                if accept { new_score } else { None },
                now_secs()
            ],
        )?;
        Ok(n == 1)
    }

    /// The QA score of each account over `[from, to]` (reception days): the mean of its
    /// counted reviews' scores, calibration reviews left out, accepted appeals applied.
    /// Accounts without a scored review are absent. Performance plans read this.
    pub fn qa_scores(&self, store_id: i64, from: Day, to: Day) -> Result<Vec<(NameId, f64)>> {
        Ok(self
            .qa_scores_counted(store_id, from, to)?
            .into_iter()
            .map(|(account, score, _)| (account, score))
            .collect())
    }

    /// [`Db::qa_scores`] with the number of reviews each score averages.
    pub fn qa_scores_counted(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
    ) -> Result<Vec<(NameId, f64, u32)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT v.account_id,
                    AVG(CASE WHEN p.status = 'accepted' AND p.new_score IS NOT NULL
                             THEN p.new_score ELSE v.score END),
                    COUNT(*)
             FROM qa_reviews v LEFT JOIN qa_appeals p ON p.review_id = v.id
             WHERE v.store_id = ?1 AND v.day BETWEEN ?2 AND ?3 AND v.calibration = 0
               AND (v.score IS NOT NULL OR (p.status = 'accepted' AND p.new_score IS NOT NULL))
             GROUP BY v.account_id ORDER BY v.account_id",
        )?;
        let rows = st.query_map(params![store_id, from.0, to.0], |r| {
            Ok((r.get::<_, i64>(0)? as NameId, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Each reviewer's goal, assignments and reviews done in the period starting `from`.
    pub fn qa_workload(&self, store_id: i64, from: Day) -> Result<Vec<Workload>> {
        let mut st = self.conn().prepare_cached(
            "SELECT u.id, u.name, COALESCE(g.goal, 0),
                    (SELECT COUNT(*) FROM qa_assignments a WHERE a.store_id = ?1
                       AND a.period_from = ?2 AND a.reviewer_id = u.id AND a.calibration_id IS NULL),
                    (SELECT COUNT(*) FROM qa_assignments a JOIN qa_reviews r ON r.assignment_id = a.id
                       WHERE a.store_id = ?1 AND a.period_from = ?2 AND a.reviewer_id = u.id
                         AND a.calibration_id IS NULL)
             FROM users u LEFT JOIN qa_goals g
               ON g.store_id = ?1 AND g.period_from = ?2 AND g.reviewer_id = u.id
             WHERE g.goal IS NOT NULL OR EXISTS (SELECT 1 FROM qa_assignments a WHERE a.store_id = ?1
                   AND a.period_from = ?2 AND a.reviewer_id = u.id AND a.calibration_id IS NULL)
             ORDER BY u.name",
        )?;
        let rows = st.query_map(params![store_id, from.0], |r| {
            Ok(Workload {
                reviewer_id: r.get(0)?,
                reviewer: r.get(1)?,
                goal: r.get(2)?,
                assigned: r.get(3)?,
                done: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Saves a reviewed chat to the case library.
    pub fn qa_add_case(
        &self,
        review_id: i64,
        good: bool,
        tags: &str,
        note: &str,
        by: i64,
    ) -> Result<Option<i64>> {
        let n = self.conn().execute(
            "INSERT INTO qa_cases (review_id, store_id, account_id, buyer_id, day, verdict, tags,
                                   note, created_by, created_at)
             SELECT id, store_id, account_id, buyer_id, day, ?2, ?3, ?4, ?5, ?6
             FROM qa_reviews WHERE id = ?1",
            params![
                review_id,
                if good { "good" } else { "bad" },
                list_json(tags),
                note,
                by,
                now_secs()
            ],
        )?;
        Ok((n == 1).then(|| self.conn().last_insert_rowid()))
    }

    /// Saves a chat nobody has reviewed to the case library (加入案例库 from a transcript);
    /// the case's id. The caller checked the reception is one the user may see.
    pub fn qa_add_chat_case(
        &self,
        store_id: i64,
        reception: ReceptionKey,
        good: bool,
        tags: &str,
        note: &str,
        by: i64,
    ) -> Result<i64> {
        self.conn().execute(
            "INSERT INTO qa_cases (review_id, store_id, account_id, buyer_id, day, verdict, tags,
                                   note, created_by, created_at)
             VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                store_id,
                reception.account,
                reception.buyer,
                reception.day.0,
                if good { "good" } else { "bad" },
                list_json(tags),
                note,
                by,
                now_secs()
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// The case library of some stores, newest first; `query` (when not empty) must occur in
    /// the tags, the note or the review's note (case-insensitive for ASCII).
    pub fn qa_cases(&self, store_ids: &[i64], query: &str) -> Result<Vec<CaseRow>> {
        let mut st = self.conn().prepare_cached(concat!(
            "SELECT c.id, c.review_id, c.store_id, c.account_id, c.buyer_id, c.day, v.kind,
                    c.verdict, c.tags, c.note, u.name, v.score
             FROM (SELECT id, review_id, store_id, account_id, buyer_id, day, verdict, note,
                          created_by, created_at, ",
            listed!("tags"),
            " AS tags FROM qa_cases) c
             LEFT JOIN (SELECT id, kind, score, note, ",
            listed!("tags"),
            " AS tags FROM qa_reviews) v ON v.id = c.review_id
             LEFT JOIN users u ON u.id = c.created_by
             WHERE ?1 = '' OR instr(lower(c.tags || ' ' || c.note || ' ' || IFNULL(v.note, '')
                                          || ' ' || IFNULL(v.tags, '')),
                                    lower(?1)) > 0
             ORDER BY c.created_at DESC, c.id DESC"
        ))?;
        let rows = st.query_map([query.trim()], |r| {
            let kind: Option<String> = r.get(6)?;
            Ok(CaseRow {
                id: r.get(0)?,
                review_id: r.get(1)?,
                store_id: r.get(2)?,
                reception: reception_at(r, 3)?,
                kind: kind.as_deref().map(kind_of),
                verdict: r.get(7)?,
                tags: r.get(8)?,
                note: r.get(9)?,
                created_by: r.get(10)?,
                score: r.get(11)?,
            })
        })?;
        let mut out: Vec<CaseRow> = rows.collect::<rusqlite::Result<_>>()?;
        out.retain(|c| store_ids.contains(&c.store_id));
        Ok(out)
    }

    /// A calibration session: every reviewer gets every reception, blind (assignments marked
    /// with the session, whose reviews never count).
    #[allow(clippy::too_many_arguments)]
    pub fn qa_create_calibration(
        &mut self,
        store_id: i64,
        name: &str,
        card: &StoredScorecard,
        by: i64,
        period: Period,
        receptions: &[ReceptionKey],
        reviewers: &[i64],
    ) -> Result<i64> {
        let tx = self.conn_mut().transaction()?;
        let now = now_secs();
        tx.execute(
            "INSERT INTO qa_calibrations (store_id, name, scorecard_id, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![store_id, name, card.id, by, now],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO qa_assignments
                 (store_id, period_from, period_to, reviewer_id, kind, account_id, buyer_id, day,
                  signals, calibration_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '[]', ?9, ?10)",
            )?;
            for reviewer in reviewers {
                for k in receptions {
                    ins.execute(params![
                        store_id,
                        period.from.0,
                        period.to.0,
                        reviewer,
                        card.card.kind.as_str(),
                        k.account,
                        k.buyer,
                        k.day.0,
                        id,
                        now
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(id)
    }

    pub fn qa_calibrations(&self, store_id: i64) -> Result<Vec<CalibrationRow>> {
        let mut st = self.conn().prepare_cached(
            "SELECT c.id, c.store_id, c.name, c.scorecard_id,
                    (SELECT COUNT(DISTINCT a.account_id || '/' || a.buyer_id || '/' || a.day)
                       FROM qa_assignments a WHERE a.calibration_id = c.id),
                    (SELECT COUNT(DISTINCT a.reviewer_id) FROM qa_assignments a
                       WHERE a.calibration_id = c.id),
                    (SELECT COUNT(*) FROM qa_assignments a JOIN qa_reviews r ON r.assignment_id = a.id
                       WHERE a.calibration_id = c.id)
             FROM qa_calibrations c WHERE c.store_id = ?1 ORDER BY c.id DESC",
        )?;
        let rows = st.query_map([store_id], |r| {
            Ok(CalibrationRow {
                id: r.get(0)?,
                store_id: r.get(1)?,
                name: r.get(2)?,
                scorecard_id: r.get(3)?,
                receptions: r.get(4)?,
                reviewers: r.get(5)?,
                done: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The reviews of a calibration session.
    pub fn qa_calibration_reviews(&self, calibration: i64) -> Result<Vec<ReviewRow>> {
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} {REVIEW_FROM}
             JOIN qa_assignments a ON a.id = v.assignment_id
             WHERE a.calibration_id = ?1 ORDER BY v.account_id, v.buyer_id, v.day, ru.name"
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map([calibration], review_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// [`Db::qa_candidates`] on a connection (or the import's open transaction).
pub(crate) fn candidates(
    conn: &rusqlite::Connection,
    store_id: i64,
    (from, to): (Day, Day),
    settings: &MetricSettings,
    flagged: &HashSet<ReceptionKey>,
) -> Result<Vec<Candidate>> {
    let reach = settings.reach_days();
    let ev = crate::db::load_events_with_names(
        conn,
        store_id,
        (
            from.offset(-reach - LOOKBACK_DAYS),
            to.offset(reach.max(REFUND_DAYS)),
        ),
        settings.after_sale_days,
    )?;
    let a = engine::analyze(&ev.view(), settings);
    let accounts: HashMap<NameId, (bool, Option<String>)> = {
        let mut st = conn
            .prepare_cached("SELECT account_id, is_bot, grp FROM accounts WHERE store_id = ?1")?;
        let rows = st.query_map([store_id], |r| {
            Ok((r.get::<_, i64>(0)? as NameId, (r.get(1)?, r.get(2)?)))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Low ratings by (account, buyer, day), also counting a rating of the next morning.
    let mut low: HashSet<(NameId, NameId, Day)> = HashSet::new();
    for r in ev.ratings.iter().filter(|r| r.score <= LOW_RATING) {
        let d = Day::of(r.time);
        low.insert((r.account, r.buyer, d));
        low.insert((r.account, r.buyer, d.offset(-1)));
    }
    // Refunds by order; an order's refund points at the reception that won it, and a
    // refund handled by an account at that account's receptions of the buyer before it.
    let order_index: HashMap<&str, usize> = ev
        .orders
        .iter()
        .enumerate()
        .map(|(i, o)| (o.order_id.as_str(), i))
        .collect();
    let mut refunded_receptions: HashSet<usize> = HashSet::new();
    let mut handled: HashSet<(NameId, NameId)> = HashSet::new();
    let mut handled_days: HashMap<(NameId, NameId), Vec<Day>> = HashMap::new();
    for f in &ev.refunds {
        if let Some(&oi) = order_index.get(f.order_id.as_str())
            && let Some((w, _)) = a.orders.get(oi).and_then(|o| o.attributed)
        {
            refunded_receptions.insert(w as usize);
        }
        if let Some(acc) = f.account {
            handled.insert((acc, f.buyer));
            handled_days
                .entry((acc, f.buyer))
                .or_default()
                .push(Day::of(f.requested_at));
        }
    }
    let mut out = Vec::new();
    for (i, r) in a.receptions.iter().enumerate() {
        if r.day < from || r.day > to || !r.consulted() {
            continue;
        }
        let (is_bot, group) = accounts.get(&r.account).cloned().unwrap_or((false, None));
        if is_bot {
            continue;
        }
        let key = ReceptionKey {
            account: r.account,
            buyer: r.buyer,
            day: r.day,
        };
        let refund_by_account = handled.contains(&(r.account, r.buyer))
            && handled_days.get(&(r.account, r.buyer)).is_some_and(|ds| {
                ds.iter()
                    .any(|d| *d >= r.day && d.0 - r.day.0 <= REFUND_DAYS)
            });
        out.push(Candidate {
            key,
            group,
            signals: Signals {
                flagged: flagged.contains(&key),
                low_rating: low.contains(&(r.account, r.buyer, r.day)),
                lost_inquiry: r.inquiry && r.attributed_paid == 0,
                refund: refunded_receptions.contains(&i) || refund_by_account,
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserRole;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        (dir, db)
    }

    fn key(account: NameId, buyer: NameId, day: i32) -> ReceptionKey {
        ReceptionKey {
            account,
            buyer,
            day: Day(day),
        }
    }

    #[test]
    fn scorecards_are_versioned() {
        let (_d, db) = db();
        let cards = db.qa_scorecards().unwrap();
        assert_eq!(cards.len(), 2);
        assert!(cards.iter().all(|c| c.version == 1));
        // Saving the same file changes nothing; a changed weight makes version 2 of one card.
        assert!(
            db.qa_save_scorecards(review::DEFAULT_SCORECARDS)
                .unwrap()
                .is_empty()
        );
        let edited = review::DEFAULT_SCORECARDS.replacen(
            "scale = \"yes_no\"\nweight = 1\n",
            "scale = \"yes_no\"\nweight = 3\n",
            1,
        );
        assert_eq!(db.qa_save_scorecards(&edited).unwrap(), vec!["weakness"]);
        let cards = db.qa_scorecards().unwrap();
        let weak = cards.iter().find(|c| c.card.id == "weakness").unwrap();
        assert_eq!(weak.version, 2);
        assert_eq!(weak.card.item("greeting").unwrap().weight, 3.0);
        let err = db.qa_save_scorecards("[[scorecard]]\nid = 1").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn review_appeal_once_and_scores() {
        let (_d, mut db) = db();
        let lead = db
            .create_user("lead", UserRole::Supervisor, "password1")
            .unwrap();
        let agent = db.create_user("ann", UserRole::Agent, "password1").unwrap();
        let card = db.qa_scorecards().unwrap().remove(0);
        let period = Period {
            from: Day(20_000),
            to: Day(20_006),
        };
        let list = [
            NewAssignment {
                reviewer_id: lead.id,
                reception: key(1, 10, 20_001),
                signals: "flagged".into(),
            },
            NewAssignment {
                reviewer_id: lead.id,
                reception: key(1, 11, 20_002),
                signals: String::new(),
            },
        ];
        let n = db
            .qa_add_assignments(7, period, ReviewKind::Weakness, &list, &[(lead.id, 5)])
            .unwrap();
        assert_eq!(n, 2);
        // Drawing the same again adds nothing.
        let n = db
            .qa_add_assignments(7, period, ReviewKind::Weakness, &list, &[(lead.id, 5)])
            .unwrap();
        assert_eq!(n, 0);
        let a = db.qa_assignments(7, Some(lead.id), None).unwrap();
        assert_eq!(a.len(), 2);
        let review = |assignment_id, score| NewReview {
            assignment_id,
            scorecard_id: card.id,
            answers: String::new(),
            score: Some(score),
            failed_critical: String::new(),
            note: "改进".into(),
            training_topic: None,
            tags: String::new(),
        };
        let r1 = db.qa_add_review(&review(a[0].id, 60.0)).unwrap().unwrap();
        assert_eq!(db.qa_add_review(&review(a[0].id, 99.0)).unwrap(), None);
        db.qa_add_review(&review(a[1].id, 80.0)).unwrap().unwrap();
        assert_eq!(
            db.qa_scores(7, Day(20_000), Day(20_006)).unwrap(),
            vec![(1, 70.0)]
        );
        let w = db.qa_workload(7, Day(20_000)).unwrap();
        assert_eq!(
            w,
            vec![Workload {
                reviewer_id: lead.id,
                reviewer: "lead".into(),
                goal: 5,
                assigned: 2,
                done: 2
            }]
        );
        assert!(db.qa_appeal(r1, agent.id, "我有致歉").unwrap());
        assert!(!db.qa_appeal(r1, agent.id, "again").unwrap());
        // A rejected decision keeps the score; the appeal cannot be decided twice.
        assert!(
            db.qa_decide_appeal(r1, lead.id, false, "no", Some(100.0))
                .unwrap()
        );
        assert!(
            !db.qa_decide_appeal(r1, lead.id, true, "yes", Some(100.0))
                .unwrap()
        );
        assert_eq!(
            db.qa_scores(7, Day(20_000), Day(20_006)).unwrap(),
            vec![(1, 70.0)]
        );
        let r = db.qa_review(r1).unwrap().unwrap();
        assert_eq!(r.appeal.unwrap().status, AppealStatus::Rejected);
        // Deleting the reviewer keeps their reviews in the agent's score.
        let other_admin = db
            .create_user("boss", UserRole::Admin, "password1")
            .unwrap();
        assert!(other_admin.id > 0);
        let deleted_reviewer = db.create_user("gone", UserRole::Qa, "password1").unwrap();
        let extra = [NewAssignment {
            reviewer_id: deleted_reviewer.id,
            reception: key(1, 12, 20_003),
            signals: String::new(),
        }];
        db.qa_add_assignments(7, period, ReviewKind::Weakness, &extra, &[])
            .unwrap();
        let mine = db
            .qa_assignments(7, Some(deleted_reviewer.id), None)
            .unwrap();
        db.qa_add_review(&review(mine[0].id, 40.0))
            .unwrap()
            .unwrap();
        assert_eq!(
            db.qa_scores(7, Day(20_000), Day(20_006)).unwrap(),
            vec![(1, 60.0)]
        );
        db.delete_user(&deleted_reviewer).unwrap();
        assert_eq!(
            db.qa_scores(7, Day(20_000), Day(20_006)).unwrap(),
            vec![(1, 60.0)],
            "a deleted reviewer's reviews still count"
        );
        assert!(
            db.qa_assignments(7, Some(deleted_reviewer.id), None)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn accepted_appeal_changes_the_score_and_calibration_never_counts() {
        let (_d, mut db) = db();
        let lead = db
            .create_user("lead", UserRole::Supervisor, "password1")
            .unwrap();
        let qa = db.create_user("qa", UserRole::Qa, "password1").unwrap();
        let card = db.qa_scorecards().unwrap().remove(0);
        let period = Period {
            from: Day(20_000),
            to: Day(20_006),
        };
        let list = [NewAssignment {
            reviewer_id: qa.id,
            reception: key(2, 10, 20_001),
            signals: String::new(),
        }];
        db.qa_add_assignments(7, period, ReviewKind::Weakness, &list, &[])
            .unwrap();
        let a = db.qa_assignments(7, None, None).unwrap();
        let new = NewReview {
            assignment_id: a[0].id,
            scorecard_id: card.id,
            answers: String::new(),
            score: Some(50.0),
            failed_critical: String::new(),
            note: "x".into(),
            training_topic: Some("催付话术".into()),
            tags: "催付".into(),
        };
        let r = db.qa_add_review(&new).unwrap().unwrap();
        assert!(db.qa_appeal(r, qa.id, "reason").unwrap());
        assert_eq!(
            db.qa_reviews(
                7,
                &ReviewFilter {
                    open_appeals: true,
                    ..Default::default()
                }
            )
            .unwrap()
            .len(),
            1
        );
        assert!(
            db.qa_decide_appeal(r, lead.id, true, "对", Some(75.0))
                .unwrap()
        );
        assert_eq!(
            db.qa_scores(7, Day(20_000), Day(20_006)).unwrap(),
            vec![(2, 75.0)]
        );
        // Calibration: two reviewers, the same reception; their reviews never count.
        let cal = db
            .qa_create_calibration(
                7,
                "校准",
                &card,
                lead.id,
                period,
                &[key(2, 10, 20_001)],
                &[lead.id, qa.id],
            )
            .unwrap();
        let ca = db.qa_assignments(7, None, Some(cal)).unwrap();
        assert_eq!(ca.len(), 2);
        for x in &ca {
            let rid = db
                .qa_add_review(&NewReview {
                    assignment_id: x.id,
                    score: Some(0.0),
                    ..new.clone()
                })
                .unwrap()
                .unwrap();
            assert!(
                !db.qa_appeal(rid, qa.id, "no appeals of calibration")
                    .unwrap()
            );
        }
        assert_eq!(
            db.qa_scores(7, Day(20_000), Day(20_006)).unwrap(),
            vec![(2, 75.0)]
        );
        assert_eq!(db.qa_calibration_reviews(cal).unwrap().len(), 2);
        let c = &db.qa_calibrations(7).unwrap()[0];
        assert_eq!((c.receptions, c.reviewers, c.done), (1, 2, 2));
        // The case library finds the review by tag.
        db.qa_add_case(r, false, "催付,空调", "未及时催付", lead.id)
            .unwrap()
            .unwrap();
        assert_eq!(db.qa_cases(&[7], "空调").unwrap().len(), 1);
        assert_eq!(db.qa_cases(&[7], "退款").unwrap().len(), 0);
        assert_eq!(db.qa_cases(&[8], "").unwrap().len(), 0);
        // A chat nobody reviewed goes in too, found by its own tags and note.
        let chat = ReceptionKey {
            account: 3,
            buyer: 9,
            day: Day(20_002),
        };
        db.qa_add_chat_case(7, chat, true, "优秀,安抚", "先道歉再给方案", lead.id)
            .unwrap();
        let found = db.qa_cases(&[7], "安抚").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].review_id, found[0].kind, found[0].reception),
            (None, None, chat)
        );
        assert_eq!((found[0].verdict.as_str(), found[0].score), ("good", None));
        assert_eq!(db.qa_cases(&[7], "").unwrap().len(), 2);
        db.qa_set_period(7, PeriodKind::Month).unwrap();
        assert_eq!(db.qa_period(7).unwrap(), PeriodKind::Month);
        assert_eq!(db.qa_period(8).unwrap(), PeriodKind::Week);
    }
}
