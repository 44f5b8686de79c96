//! Quality inspection through a [`StoreScope`]: the store's rules and their hits (of the
//! user's rows), manual reviews' periods, assignments, calibrations and cases, the QA use
//! cases of `kefu_app::qa` for the handle's store, and the lookups of reviews and
//! assignments by the id a URL or form names.

use kefu_app::qa::{Draw, Drawn, Summary, SummaryBy};
use kefu_core::model::NameId;
use kefu_core::settings::MetricSettings;
use kefu_core::time::Day;
use kefu_qa::review::ReviewKind;
use kefu_qa::sampling::{Candidate, ReceptionKey};
use kefu_qa::summary::{Period, PeriodKind};
use kefu_store::chunk::StoredMessage;
use kefu_store::qa_auto::AutoReview;
use kefu_store::qa_reviews::{
    AssignmentRow, CalibrationRow, CaseRow, ReviewFilter, ReviewRow, StoredScorecard, Workload,
};
use kefu_store::{
    Db, FlaggedReception, QaRunSummary, ReceptionHit, RuleHitCount, RulesInForce, User, UserRole,
};

use super::{StoreScope, allowed, qa_sees};
use crate::WebError;

/// The review `id` with the store it belongs to, when `user` may read it ([`qa_sees`]); a
/// review of a store the user does not see, or one they may not read, is answered exactly as
/// a missing one.
pub fn review(db: &Db, user: &User, id: i64) -> Result<(ReviewRow, StoreScope), WebError> {
    let missing = || WebError::missing("没有这条评审", "no such review");
    let r = db.qa_review(id)?.ok_or_else(missing)?;
    let store = by_id(db, user, r.store_id).ok_or_else(missing)?;
    if !qa_sees(
        user,
        &store,
        r.reception.account,
        r.reviewer_id,
        r.calibration,
    ) {
        return Err(missing());
    }
    Ok((r, store))
}

/// The review assignment `id` with its store, when `user` may read it; otherwise answered
/// exactly as a missing one.
pub fn assignment(db: &Db, user: &User, id: i64) -> Result<(AssignmentRow, StoreScope), WebError> {
    let missing = || WebError::missing("没有这项质检任务", "no such assignment");
    let a = db.qa_assignment(id)?.ok_or_else(missing)?;
    let store = by_id(db, user, a.store_id).ok_or_else(missing)?;
    if !qa_sees(
        user,
        &store,
        a.reception.account,
        Some(a.reviewer_id),
        a.calibration_id.is_some(),
    ) {
        return Err(missing());
    }
    Ok((a, store))
}

/// The store of a stored row among those `user` may see.
fn by_id(db: &Db, user: &User, store_id: i64) -> Option<StoreScope> {
    allowed(db, user, None)
        .ok()?
        .into_iter()
        .find(|a| a.store.id == store_id)
}

impl StoreScope {
    /// The store's own return address (the QA rules' context: its phone numbers are the
    /// store's, not off-platform contact).
    pub fn return_address(&self, db: &Db) -> Result<String, WebError> {
        Ok(db.qa_return_address(self.store.id)?)
    }

    /// Saves the store's return address (the caller checked the user manages rules).
    pub fn set_return_address(&self, db: &Db, text: &str, by: &str) -> Result<(), WebError> {
        Ok(db.qa_set_return_address(self.store.id, text, by)?)
    }

    /// The rule set in force (the store's saved one, else the shipped one).
    pub fn rules_in_force(&self, db: &Db) -> Result<RulesInForce, WebError> {
        Ok(db.qa_rules_in_force(self.store.id)?)
    }

    /// Saves a new version of the store's rule set (the caller checked the user manages
    /// rules); its version.
    pub fn save_rules(&self, db: &Db, toml: &str, author: &str) -> Result<i64, WebError> {
        Ok(db.qa_save_rules(self.store.id, toml, author)?)
    }

    /// Runs the rules in force over `[from, to]` under the store's settings in force
    /// (`metrics`: its service hours time the waits), replacing the hits of the range.
    pub fn run_rules(
        &self,
        db: &Db,
        (from, to): (Day, Day),
        metrics: &MetricSettings,
    ) -> Result<QaRunSummary, WebError> {
        let rules = self.rules_in_force(db)?;
        Ok(db.qa_run_with(
            self.store.id,
            (from, to),
            &rules.set,
            rules.version,
            metrics,
        )?)
    }

    /// Receptions per account the rules read over `[from, to]`, of the user's rows.
    pub fn rule_receptions(
        &self,
        db: &Db,
        from: Day,
        to: Day,
    ) -> Result<Vec<(NameId, u64)>, WebError> {
        let mut rows = db.qa_receptions(self.store.id, from, to)?;
        rows.retain(|(id, _)| self.rows.account(*id));
        Ok(rows)
    }

    /// Hits per (account, rule) over `[from, to]`, of the user's rows.
    pub fn hit_counts(&self, db: &Db, from: Day, to: Day) -> Result<Vec<RuleHitCount>, WebError> {
        let mut rows = db.qa_hit_counts(self.store.id, from, to)?;
        rows.retain(|c| self.rows.account(c.account));
        Ok(rows)
    }

    /// The receptions of `[from, to]` the rules hit (only `rule`'s when given), of the
    /// user's rows.
    pub fn flagged(
        &self,
        db: &Db,
        from: Day,
        to: Day,
        rule: Option<&str>,
    ) -> Result<Vec<FlaggedReception>, WebError> {
        let mut rows = db.qa_flagged_receptions(self.store.id, from, to, rule)?;
        rows.retain(|f| self.rows.account(f.account));
        Ok(rows)
    }

    /// The rule hits of one reception of an account the user may see (none otherwise).
    pub fn reception_hits(
        &self,
        db: &Db,
        day: Day,
        account: NameId,
        buyer: NameId,
    ) -> Result<Vec<ReceptionHit>, WebError> {
        if !self.rows.account(account) {
            return Ok(Vec::new());
        }
        Ok(db.qa_reception_hits(self.store.id, day, account, buyer)?)
    }

    /// The messages between an account the user may see and a buyer over `[from, to]`
    /// (none for another account).
    pub fn transcript(
        &self,
        db: &Db,
        account: NameId,
        buyer: NameId,
        from: Day,
        to: Day,
    ) -> Result<Vec<StoredMessage>, WebError> {
        if !self.rows.account(account) {
            return Ok(Vec::new());
        }
        Ok(db.transcript(self.store.id, account, buyer, from, to)?)
    }

    /// The review of an assignment of this store (none before it is reviewed).
    pub fn review_of(&self, db: &Db, a: &AssignmentRow) -> Result<Option<ReviewRow>, WebError> {
        match a.review_id {
            Some(r) if a.store_id == self.store.id => Ok(db.qa_review(r)?),
            _ => Ok(None),
        }
    }

    /// The day QA pages default to: the last day with data.
    pub fn last_day(&self, db: &Db) -> Result<Day, WebError> {
        Ok(kefu_app::qa::last_day(db, self.store.id)?)
    }

    /// The store's QA period (week or month).
    pub fn qa_period(&self, db: &Db) -> Result<PeriodKind, WebError> {
        Ok(db.qa_period(self.store.id)?)
    }

    pub fn set_qa_period(&self, db: &Db, kind: PeriodKind) -> Result<(), WebError> {
        Ok(db.qa_set_period(self.store.id, kind)?)
    }

    /// Each reviewer's goal and progress in the period starting `from`.
    pub fn workload(&self, db: &Db, from: Day) -> Result<Vec<Workload>, WebError> {
        Ok(db.qa_workload(self.store.id, from)?)
    }

    /// Every assignment of the store (managers' view).
    pub fn assignments(&self, db: &Db) -> Result<Vec<AssignmentRow>, WebError> {
        Ok(db.qa_assignments(self.store.id, None, None)?)
    }

    /// The assignments of `user` in this store.
    pub fn my_assignments(&self, db: &Db, user: &User) -> Result<Vec<AssignmentRow>, WebError> {
        let mut mine = db.qa_my_assignments(user.id)?;
        mine.retain(|a| a.store_id == self.store.id);
        Ok(mine)
    }

    pub fn auto_review(&self, db: &Db) -> Result<AutoReview, WebError> {
        Ok(db.qa_auto_review(self.store.id)?)
    }

    pub fn set_auto_review(&self, db: &Db, settings: &AutoReview) -> Result<(), WebError> {
        Ok(db.qa_set_auto_review(self.store.id, settings)?)
    }

    /// The store's case library, searched by tag or text.
    pub fn cases(&self, db: &Db, query: &str) -> Result<Vec<CaseRow>, WebError> {
        Ok(db.qa_cases(&[self.store.id], query)?)
    }

    /// Saves a chat of the user's rows nobody has reviewed to the case library; its id.
    pub fn add_chat_case(
        &self,
        db: &Db,
        reception: ReceptionKey,
        good: bool,
        tags: &str,
        note: &str,
        by: i64,
    ) -> Result<i64, WebError> {
        if !self.rows.account(reception.account) {
            return Err(WebError::missing("没有这次接待", "no such reception"));
        }
        Ok(db.qa_add_chat_case(self.store.id, reception, good, tags, note, by)?)
    }

    /// Sends a reception of the user's rows to review (送质检): a weakness-review task for
    /// `reviewer` in the store's QA period that holds its day, marked `sent`. The caller
    /// checked the reviewer may review it. The task's id, and whether it is new (a reviewer
    /// has one task per reception and kind).
    pub fn send_to_review(
        &self,
        db: &mut Db,
        reviewer: i64,
        reception: ReceptionKey,
    ) -> Result<(i64, bool), WebError> {
        if !self.rows.account(reception.account) {
            return Err(WebError::missing("没有这次接待", "no such reception"));
        }
        let period = Period::containing(db.qa_period(self.store.id)?, reception.day);
        let task = kefu_store::qa_reviews::NewAssignment {
            reviewer_id: reviewer,
            reception,
            signals: "sent".to_string(),
        };
        let added = db.qa_add_assignments(
            self.store.id,
            period,
            ReviewKind::Weakness,
            std::slice::from_ref(&task),
            &[],
        )?;
        let id = db
            .qa_assignments(self.store.id, Some(reviewer), None)?
            .into_iter()
            .find(|a| a.reception == reception && a.kind == ReviewKind::Weakness)
            .map(|a| a.id)
            .ok_or_else(|| WebError::Internal("the task sent to review is not stored".into()))?;
        Ok((id, added == 1))
    }

    /// The store's calibration sessions.
    pub fn calibrations(&self, db: &Db) -> Result<Vec<CalibrationRow>, WebError> {
        Ok(db.qa_calibrations(self.store.id)?)
    }

    /// The calibration session `id` of this store (`None`: missing or another store's).
    pub fn calibration(&self, db: &Db, id: i64) -> Result<Option<CalibrationRow>, WebError> {
        Ok(self.calibrations(db)?.into_iter().find(|c| c.id == id))
    }

    /// The assignments and reviews of this store's calibration session `id` (none for a
    /// session of another store).
    pub fn calibration_work(
        &self,
        db: &Db,
        id: i64,
    ) -> Result<(Vec<AssignmentRow>, Vec<ReviewRow>), WebError> {
        if self.calibration(db, id)?.is_none() {
            return Ok((Vec::new(), Vec::new()));
        }
        Ok((
            db.qa_assignments(self.store.id, None, Some(id))?,
            db.qa_calibration_reviews(id)?,
        ))
    }

    /// A new calibration session; its id.
    #[allow(clippy::too_many_arguments)]
    pub fn create_calibration(
        &self,
        db: &mut Db,
        name: &str,
        card: &StoredScorecard,
        by: i64,
        period: Period,
        receptions: &[ReceptionKey],
        reviewers: &[i64],
    ) -> Result<i64, WebError> {
        Ok(db.qa_create_calibration(
            self.store.id,
            name,
            card,
            by,
            period,
            receptions,
            reviewers,
        )?)
    }

    /// The reviews (filtered by `filter`) of this store that `user` may read ([`qa_sees`]).
    pub fn reviews_seen(
        &self,
        db: &Db,
        user: &User,
        filter: &ReviewFilter,
    ) -> Result<Vec<ReviewRow>, WebError> {
        let mut rows = db.qa_reviews(self.store.id, filter)?;
        rows.retain(|r| qa_sees(user, self, r.reception.account, r.reviewer_id, false));
        Ok(rows)
    }

    /// Who may be given reviews of `kind` in this store: weakness reviews (劣势检验) go to
    /// leads and QA who see the store, strength reviews (优势检验) to agents with a chat
    /// account in it. Each comes with their own chat accounts there (never theirs to review).
    pub fn reviewers(
        &self,
        db: &Db,
        kind: ReviewKind,
    ) -> Result<Vec<(User, Vec<NameId>)>, WebError> {
        let store_id = self.store.id;
        let mut out = Vec::new();
        for user in db.users()? {
            let own: Vec<NameId> = db
                .user_accounts(&user)?
                .into_iter()
                .filter(|(s, _)| *s == store_id)
                .map(|(_, a)| a)
                .collect();
            let eligible = match (kind, user.role) {
                (ReviewKind::Weakness, UserRole::Admin) => true,
                (ReviewKind::Weakness, UserRole::Supervisor | UserRole::Qa) => {
                    db.user_stores(&user)?.contains(&store_id)
                }
                (ReviewKind::Strength, UserRole::Agent) => !own.is_empty(),
                _ => false,
            };
            if eligible {
                out.push((user, own));
            }
        }
        Ok(out)
    }

    /// Draws a period's review assignments ([`kefu_app::qa::draw_assignments`]; the caller
    /// checked the user manages reviews and picked eligible reviewers).
    pub fn draw_assignments(
        &self,
        db: &mut Db,
        settings: &MetricSettings,
        draw: &Draw,
    ) -> Result<Drawn, WebError> {
        Ok(kefu_app::qa::draw_assignments(
            db,
            self.store.id,
            settings,
            draw,
        )?)
    }

    /// The receptions offered to a new calibration session ([`kefu_app::qa::calibration_choices`]).
    pub fn calibration_choices(
        &self,
        db: &Db,
        day: Day,
        settings: &MetricSettings,
        n: usize,
    ) -> Result<(Period, Vec<Candidate>), WebError> {
        Ok(kefu_app::qa::calibration_choices(
            db,
            self.store.id,
            day,
            settings,
            n,
        )?)
    }

    /// The QA summary over the reviews of the user's rows ([`kefu_app::qa::summary`]).
    pub fn qa_summary(
        &self,
        db: &Db,
        kind: Option<PeriodKind>,
        day: Option<Day>,
        by: SummaryBy,
    ) -> Result<Summary, WebError> {
        Ok(kefu_app::qa::summary(
            db,
            self.store.id,
            &self.store.name,
            |a| self.rows.account(a),
            kind,
            day,
            by,
        )?)
    }
}
