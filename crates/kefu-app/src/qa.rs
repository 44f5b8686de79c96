//! Manual reviews (人工质检): drawing a period's review assignments, the receptions offered to
//! a calibration session, and the QA summaries per agent, group or store. `kefu_qa` does the
//! arithmetic (sampling, scores, weakest items, trends) and the store keeps the rows; who may
//! draw, review or read what is the adapter's question (the web's `access`), answered before a
//! use case is called.

use std::collections::{BTreeMap, HashMap, HashSet};

use kefu_core::model::NameId;
use kefu_core::settings::MetricSettings;
use kefu_core::time::Day;
use kefu_qa::review::{self, ReviewKind, Scorecard};
use kefu_qa::sampling::{self, Candidate, Mode, Plan, ReceptionKey, Reviewer, Weights};
use kefu_qa::summary::{self, Period, PeriodKind, ReviewFact};
use kefu_store::qa_reviews::{NewAssignment, ReviewFilter, StoredScorecard};
use kefu_store::{Db, StoreError};

/// Periods shown before the current one in a summary's trend.
pub const TREND_PERIODS: usize = 3;
/// Weakest and strongest items shown per summary row.
pub const TOP_ITEMS: usize = 3;

/// The day QA pages default to: the store's last day with data (day 0 for a store without).
pub fn last_day(db: &Db, store_id: i64) -> Result<Day, StoreError> {
    Ok(db.day_span(store_id)?.map_or(Day(0), |(_, last)| last))
}

/// The summary a supervisor opens on: the last period the data covers to its end — the one
/// containing `last` when `last` is its last day, else the one before (the week in progress
/// is not yet a week to judge).
pub fn last_complete(kind: PeriodKind, last: Day) -> Period {
    let containing = Period::containing(kind, last);
    if containing.to <= last {
        containing
    } else {
        containing.previous(kind)
    }
}

/// Receptions that automatic rules flagged in the period: those with a net deduction (a
/// reception only praised by bonus rules is not a problem to look at). Empty until rules have
/// run over the period; sampling then weighs by the other signals only.
pub fn flagged_receptions(
    db: &Db,
    store_id: i64,
    period: Period,
) -> Result<HashSet<ReceptionKey>, StoreError> {
    Ok(db
        .qa_flagged_receptions(store_id, period.from, period.to, None)?
        .into_iter()
        .filter(|f| f.score < 0)
        .map(|f| ReceptionKey {
            account: f.account,
            buyer: f.buyer,
            day: f.day,
        })
        .collect())
}

/// The receptions of `period` that may be drawn for review, with their signals (the rules'
/// flags among them).
pub fn candidates(
    db: &Db,
    store_id: i64,
    period: Period,
    settings: &MetricSettings,
) -> Result<Vec<Candidate>, StoreError> {
    let flagged = flagged_receptions(db, store_id, period)?;
    db.qa_candidates(store_id, period.from, period.to, settings, &flagged)
}

/// The receptions offered to a new calibration session: those of the week of `day` (a few
/// receptions to discuss need no month of candidates, and an engine run over a week costs a
/// fraction of a month's), the most worth discussing first, at most `n`.
pub fn calibration_choices(
    db: &Db,
    store_id: i64,
    day: Day,
    settings: &MetricSettings,
    n: usize,
) -> Result<(Period, Vec<Candidate>), StoreError> {
    let week = Period::containing(PeriodKind::Week, day);
    let mut c = candidates(db, store_id, week, settings)?;
    let w = |x: &Candidate| x.signals.weight(Mode::Weighted(Weights::default()));
    c.sort_by(|a, b| w(b).total_cmp(&w(a)).then(a.key.cmp(&b.key)));
    c.truncate(n);
    Ok((week, c))
}

/// A draw of review assignments, as a manager asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    pub kind: ReviewKind,
    /// A day of the period to draw (default: the store's last day with data).
    pub day: Option<Day>,
    /// Receptions per reviewer.
    pub goal: usize,
    /// The reviewers (user ids), each with their own chat accounts in the store (never theirs
    /// to review).
    pub reviewers: Vec<(i64, Vec<NameId>)>,
    /// Only receptions of this account (its id), when given.
    pub account: Option<i64>,
    /// The seed (default: the period's first day, so a repeated draw is the same draw).
    pub seed: Option<u64>,
    pub mode: Mode,
    /// Reviewers read only receptions of other groups than their own.
    pub cross_group: bool,
}

/// What a draw did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub period: Period,
    pub seed: u64,
    /// Assignments added (a reception already assigned to the same reviewer is skipped).
    pub added: usize,
}

/// Draws the assignments of the store's QA period around `draw.day` and stores them with each
/// reviewer's goal: the period's candidates (rules' flags, low ratings, lost inquiries,
/// refunds), seeded weighted or uniform sampling (`kefu_qa::sampling`), never a reviewer's
/// own chats; a reviewer's group is the group of their first own account.
pub fn draw_assignments(
    db: &mut Db,
    store_id: i64,
    settings: &MetricSettings,
    draw: &Draw,
) -> Result<Drawn, StoreError> {
    let day = match draw.day {
        Some(d) => d,
        None => last_day(db, store_id)?,
    };
    let period = Period::containing(db.qa_period(store_id)?, day);
    let accounts = db.accounts(store_id)?;
    let group_of = |id: NameId| {
        accounts
            .iter()
            .find(|a| a.id == id)
            .and_then(|a| a.group.clone())
    };
    let reviewers: Vec<Reviewer> = draw
        .reviewers
        .iter()
        .map(|(user_id, own)| Reviewer {
            user_id: *user_id,
            own_accounts: own.clone(),
            group: own.first().and_then(|a| group_of(*a)),
            goal: draw.goal,
        })
        .collect();
    let mut candidates = candidates(db, store_id, period, settings)?;
    if let Some(id) = draw.account {
        candidates.retain(|c| i64::from(c.key.account) == id);
    }
    let seed = draw.seed.unwrap_or(period.from.0 as u64);
    let plan = Plan {
        seed,
        mode: draw.mode,
        cross_group: draw.cross_group,
    };
    let drawn: Vec<NewAssignment> = sampling::draw(&candidates, &reviewers, &plan)
        .into_iter()
        .map(|a| NewAssignment {
            reviewer_id: a.reviewer,
            reception: a.reception,
            signals: a.signals.codes().join(","),
        })
        .collect();
    let goal = i64::try_from(draw.goal).unwrap_or(i64::MAX);
    let goals: Vec<(i64, i64)> = reviewers.iter().map(|r| (r.user_id, goal)).collect();
    let added = db.qa_add_assignments(store_id, period, draw.kind, &drawn, &goals)?;
    Ok(Drawn {
        period,
        seed,
        added,
    })
}

/// Scorecards by id, each read once (reviews name the card version they were scored with).
#[derive(Default)]
pub struct Scorecards(HashMap<i64, Option<StoredScorecard>>);

impl Scorecards {
    pub fn get(&mut self, db: &Db, id: i64) -> Result<Option<&Scorecard>, StoreError> {
        let card = match self.0.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(db.qa_scorecard(id)?),
        };
        Ok(card.as_ref().map(|c| &c.card))
    }
}

/// What a summary's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryBy {
    Agent,
    /// Groups of the roster (`""`: the people without one).
    Group,
    Store,
}

impl SummaryBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SummaryBy::Agent => "agent",
            SummaryBy::Group => "group",
            SummaryBy::Store => "store",
        }
    }
}

/// One summary row: an agent, a group (`""`: the people without one) or the store.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub label: String,
    /// Counted reviews of the current period.
    pub reviews: usize,
    pub score: Option<f64>,
    pub weak: Vec<SummaryItem>,
    pub strong: Vec<SummaryItem>,
    pub trend: Vec<(Period, Option<f64>)>,
}

/// A scorecard item's mean over a summary row's reviews (0…1), with its names.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryItem {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub mean: f64,
}

/// A store's QA summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub kind: PeriodKind,
    /// The current period.
    pub period: Period,
    pub rows: Vec<SummaryRow>,
}

/// The QA summary of a store (`store_name` labels the `Store` row) over the reviews (not
/// calibrations) of the accounts `sees` admits: the period of `kind` (default: the store's QA
/// period) containing `day` (default: the last complete period, [`last_complete`]), the QA score and the weakest
/// and strongest items of the current period, and the trend over the `TREND_PERIODS` before.
pub fn summary(
    db: &Db,
    store_id: i64,
    store_name: &str,
    sees: impl Fn(NameId) -> bool,
    kind: Option<PeriodKind>,
    day: Option<Day>,
    by: SummaryBy,
) -> Result<Summary, StoreError> {
    let kind = match kind {
        Some(k) => k,
        None => db.qa_period(store_id)?,
    };
    let current = match day {
        Some(d) => Period::containing(kind, d),
        None => last_complete(kind, last_day(db, store_id)?),
    };
    let mut first = current;
    for _ in 0..TREND_PERIODS {
        first = first.previous(kind);
    }
    let filter = ReviewFilter {
        from: Some(first.from),
        to: Some(current.to),
        calibration: Some(false),
        ..ReviewFilter::default()
    };
    let names = db.names(store_id)?;
    let accounts = db.accounts(store_id)?;
    let newest = db.qa_scorecards()?;
    let mut cards = Scorecards::default();
    let mut grouped: BTreeMap<String, Vec<ReviewFact>> = BTreeMap::new();
    for r in db.qa_reviews(store_id, &filter)? {
        if !sees(r.reception.account) {
            continue;
        }
        let items = match cards.get(db, r.scorecard_id)? {
            Some(card) => {
                let answers = review::decode_answers(card, &r.answers).unwrap_or_default();
                card.items()
                    .filter_map(|i| Some((i.id.clone(), answers.get(&i.id)?.value(i.scale)?)))
                    .collect()
            }
            None => Vec::new(),
        };
        let key = match by {
            SummaryBy::Group => accounts
                .iter()
                .find(|a| a.id == r.reception.account)
                .and_then(|a| a.group.clone())
                .unwrap_or_default(),
            SummaryBy::Store => store_name.to_string(),
            SummaryBy::Agent => names.name(r.reception.account).to_string(),
        };
        grouped.entry(key).or_default().push(ReviewFact {
            kind: r.kind,
            day: r.reception.day,
            score: r.counted_score(),
            items,
        });
    }
    let named = |m: Vec<summary::ItemMean>| -> Vec<SummaryItem> {
        m.into_iter()
            .map(|i| {
                let item = newest.iter().find_map(|c| c.card.item(&i.item));
                SummaryItem {
                    name: item.map_or(i.item.clone(), |it| it.name.clone()),
                    name_en: item.map_or(i.item.clone(), |it| it.name_en.clone()),
                    id: i.item,
                    mean: i.mean,
                }
            })
            .collect()
    };
    let rows = grouped
        .into_iter()
        .map(|(label, facts)| {
            let now: Vec<ReviewFact> = facts
                .iter()
                .filter(|f| current.contains(f.day))
                .cloned()
                .collect();
            SummaryRow {
                label,
                reviews: now.iter().filter(|f| f.score.is_some()).count(),
                score: summary::qa_score(&now),
                weak: named(summary::weaknesses(&now, TOP_ITEMS)),
                strong: named(summary::strengths(&now, TOP_ITEMS)),
                trend: summary::trend(&facts, kind, current, TREND_PERIODS),
            }
        })
        .collect();
    Ok(Summary {
        kind,
        period: current,
        rows,
    })
}

#[cfg(test)]
mod last_complete_tests {
    use super::*;

    /// Every day of a year: the period opened on ends on or before the last day with data,
    /// is the one containing it when that day ends a period, and else the one just before.
    #[test]
    fn the_summary_opens_on_the_last_period_the_data_covers() {
        for kind in [PeriodKind::Week, PeriodKind::Month] {
            for d in 20_400..20_800 {
                let last = Day(d);
                let p = last_complete(kind, last);
                let containing = Period::containing(kind, last);
                assert!(p.to <= last, "{kind:?} {last}");
                if containing.to == last {
                    assert_eq!(p, containing);
                } else {
                    assert_eq!(p, containing.previous(kind));
                    assert_eq!(p.to.offset(1), containing.from);
                }
            }
        }
    }
}
