//! Manual reviews (人工质检) in the browser: assignments drawn per period (`/qa/assignments`),
//! the review of one reception beside its transcript (`/qa/review`), reviews with appeals and
//! decisions (`/qa/reviews`), blind calibration with Krippendorff's alpha per item
//! (`/qa/calibration`), the case library (`/qa/cases`) and the summaries per agent, group and
//! store (`/qa/summary`). Scoring, sampling and agreement are `kefu_qa`'s; who may do what is
//! `access`'s.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_app::qa::SummaryBy;
use kefu_core::model::{NameId, Names};
use kefu_core::time::Day;
use kefu_qa::agreement::{self, Metric};
use kefu_qa::review::{self, Answer, Percent, ReviewKind, Scale, Scorecard};
use kefu_qa::sampling::{Mode, ReceptionKey, Weights};
use kefu_qa::summary::{Period, PeriodKind};
use kefu_report::explain::ReceptionView;
use kefu_store::qa_reviews::{
    AppealStatus, AssignmentRow, NewReview, ReviewFilter, ReviewRow, StoredScorecard,
};
use kefu_store::{Db, User};
use serde::Deserialize;

use crate::access::{self, StoreScope};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::FORM_LIMIT;
use crate::limits::SCORECARD_LIMIT;
use crate::routes::Routes;
use crate::ui::charts::{self, Bar};
use crate::ui::frame::th;
use crate::ui::frame::{error_page, frame};
use crate::ui::html::{Markup, html, url};
use crate::ui::table::{self, Cell, Column, Content, Table};
use crate::{AppState, WebError};

mod assignments;
mod calibration;
mod cases;
mod from_chat;
mod reviewing;
mod reviews;
mod scorecards;
mod summaries;

pub(crate) use assignments::*;
pub(crate) use calibration::*;
pub(crate) use cases::*;
pub(crate) use from_chat::*;
pub(crate) use reviewing::*;
pub(crate) use reviews::*;
pub(crate) use scorecards::*;
pub(crate) use summaries::*;

/// Receptions offered for a new calibration session.
pub const CALIBRATION_CHOICES: usize = 40;
/// Points items up to this maximum are answered from a list, larger ones typed.
pub const MAX_POINT_OPTIONS: u32 = 20;
/// Highest corrected score an appeal decision may give (bonus items lift scores over 100%).
pub const MAX_SCORE: f64 = 1000.0;

#[derive(Debug, Default, Deserialize)]
pub struct QaQuery {
    pub store: Option<String>,
    pub lang: Option<String>,
    pub id: Option<String>,
    pub day: Option<String>,
    pub q: Option<String>,
    pub by: Option<String>,
    pub period: Option<String>,
    pub added: Option<String>,
    /// `1`: a reception was just sent to review (送质检).
    pub sent: Option<String>,
    /// `/qa/summary`: a download (`xlsx`, `csv`).
    pub export: Option<String>,
    /// `toml` for the scorecards' text page (the form otherwise).
    #[serde(rename = "as")]
    pub view: Option<String>,
}

/// A posted form as name/value pairs (checkbox lists repeat a name).
type Pairs = Vec<(String, String)>;

fn field<'a>(form: &'a Pairs, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn fields<'a>(form: &'a Pairs, name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn number(s: &str, what: &str) -> Result<i64, WebError> {
    s.trim().parse().map_err(|_| {
        WebError::invalid(
            format!("`{what}` 不是数字：`{s}`"),
            format!("`{what}` is not a number: `{s}`"),
        )
    })
}

fn day_param(s: Option<&str>) -> Result<Option<Day>, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => Day::parse(d).map(Some).ok_or_else(|| {
            WebError::invalid(
                format!("`{d}` 不是 YYYY-MM-DD 格式的日期"),
                format!("`{d}` is not a YYYY-MM-DD day"),
            )
        }),
    }
}

/// The store a page is about: the requested one, else the first the user sees.
fn store_of(db: &Db, user: &User, requested: Option<&str>) -> Result<StoreScope, WebError> {
    access::chosen(&access::allowed(db, user, None)?, requested)
}

fn kind_name(lang: Lang, k: ReviewKind) -> &'static str {
    lang.s(match k {
        ReviewKind::Weakness => S::QaWeakness,
        ReviewKind::Strength => S::QaStrength,
    })
}

/// Why a reception was drawn, as stored (`flagged,low_rating,…`), in words.
fn signal_names(lang: Lang, codes: &str) -> String {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| match c {
            "flagged" => lang.s(S::QaFlagged),
            "low_rating" => lang.s(S::QaLowRating),
            "lost_inquiry" => lang.s(S::QaLostInquiry),
            "refund" => lang.s(S::QaRefund),
            "auto" => lang.s(S::QaAuto),
            "critical" => lang.s(S::QaCriticalHit),
            "sent" => lang.s(S::SentToQa),
            other => other,
        })
        .collect::<Vec<_>>()
        .join(lang.t("、", ", "))
}

fn period_label(p: Period) -> String {
    format!("{} – {}", p.from, p.to)
}

fn score_text(s: Option<f64>) -> String {
    s.map_or("-".to_string(), |s| Percent(s).to_string())
}

fn lq(lang: Lang) -> String {
    format!("lang={}", lang.code())
}

/// What every form of these pages does first and last: an expired form is refused before any
/// work, the work runs on the database thread as the signed-in user, and its error is shown as
/// a page. The caller answers the outcome.
async fn posted<T, F>(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    form: Pairs,
    work: F,
) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&mut Db, &User, &Pairs) -> Result<T, WebError> + Send + 'static,
{
    with_db(state, user, lang, move |db, u| work(db, u, &form)).await
}

/// The work of a page on the database thread as the signed-in user (with the connection to
/// itself: some forms write in one transaction); its error is answered as a page.
async fn with_db<T, F>(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    work: F,
) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&mut Db, &User) -> Result<T, WebError> + Send + 'static,
{
    let u = user.session.user.clone();
    state
        .db_mut(move |db| work(db, &u))
        .await
        .map_err(|e| error_page(lang, user, e))
}

/// Where a form of these pages goes once done: `path` of the store the work named, with
/// `extra` query parameters (`&sent=1`); an error page as it is.
fn back_to(path: &str, extra: &str, lang: Lang, done: Result<String, Response>) -> Response {
    match done {
        Ok(store) => Redirect::to(&format!("{path}?store={}{extra}&{}", url(&store), lq(lang)))
            .into_response(),
        Err(page) => page,
    }
}

fn store_picker(lang: Lang, path: &str, stores: &[StoreScope], current: &str) -> Markup {
    html! {
        @if stores.len() >= 2 {
            form.filters method="get" action=(path) {
                input type="hidden" name="lang" value=(lang.code());
                label {
                    (lang.s(S::Store)) br;
                    select name="store" {
                        @for a in stores {
                            option value=(a.name()) selected[a.name() == current] {
                                (a.name())
                            }
                        }
                    }
                }
                button type="submit" { (lang.s(S::Show)) }
            }
        }
    }
}

/// The links between the review pages.
fn qa_nav(lang: Lang, store: &str, user: &User) -> Markup {
    let sq = format!("store={}&{}", url(store), lq(lang));
    let mut links = vec![
        (S::QaAssignments, "/qa/assignments"),
        (S::QaReviews, "/qa/reviews"),
        (S::QaSummary, "/qa/summary"),
    ];
    if access::qa_library(user).is_ok() {
        links.push((S::QaCases, "/qa/cases"));
    }
    if access::qa_manager(user) {
        links.push((S::QaCalibration, "/qa/calibration"));
    }
    if access::is_admin(user) {
        links.push((S::QaScorecard, "/qa/scorecards"));
    }
    html! {
        p.qa-nav {
            @for (i, (s, path)) in links.into_iter().enumerate() {
                @if i > 0 { " · " }
                a href={ (path) "?" (sq) } { (lang.s(s)) }
            }
        }
    }
}

/// A `<select>` of fixed choices: (value, name, whether chosen).
fn choices(lang: Lang, name: &str, options: &[(&str, S, bool)]) -> Markup {
    html! {
        select name=(name) {
            @for (value, label, on) in options {
                option value=(value) selected[*on] { (lang.s(*label)) }
            }
        }
    }
}

/// The scorecard an assignment is reviewed with: the review's own version once reviewed; a
/// calibration session's card; else the newest card of the assignment's kind.
fn card_for(
    db: &Db,
    store: &StoreScope,
    a: &AssignmentRow,
    review: Option<&ReviewRow>,
) -> Result<StoredScorecard, WebError> {
    let missing = || WebError::Internal("no scorecard for this review".into());
    if let Some(r) = review {
        return db.qa_scorecard(r.scorecard_id)?.ok_or_else(missing);
    }
    if let Some(cal) = a.calibration_id {
        let session = store.calibration(db, cal)?.ok_or_else(missing)?;
        return db.qa_scorecard(session.scorecard_id)?.ok_or_else(missing);
    }
    db.qa_scorecards()?
        .into_iter()
        .find(|c| c.card.kind == a.kind)
        .ok_or_else(missing)
}

fn item_name(lang: Lang, i: &review::Item) -> &str {
    lang.t(&i.name, &i.name_en)
}

fn answer_text(lang: Lang, a: Answer, scale: Scale) -> String {
    match (a, scale) {
        (Answer::NotApplicable, _) => lang.s(S::QaNa).to_string(),
        (Answer::Yes, _) => lang.s(S::Yes).to_string(),
        (Answer::No, _) => lang.s(S::No).to_string(),
        (Answer::Rating(r), _) => format!("{r}/5"),
        (Answer::Points(p), Scale::Points { max }) => format!("{p}/{max}"),
        (Answer::Points(p), _) => p.to_string(),
    }
}

/// Assignments, reviews, appeals, calibration, cases, summaries and scorecards.
pub(crate) fn routes(r: Routes) -> Routes {
    r.page_and_form("/qa/assignments", FORM_LIMIT, assignments, generate)
        .form("/qa/period", set_period)
        .form("/qa/auto-review", set_auto_review)
        .page_and_form("/qa/review", FORM_LIMIT, review_page, submit_review)
        .get("/qa/reviews", reviews)
        .form("/qa/appeal", appeal)
        .form("/qa/decide", decide)
        .page_and_form(
            "/qa/calibration",
            FORM_LIMIT,
            calibration,
            create_calibration,
        )
        .page_and_form("/qa/cases", FORM_LIMIT, cases, add_case)
        .form("/qa/cases/chat", add_chat_case)
        .form("/qa/send", send_to_qa)
        .get("/qa/summary", summary_page)
        .page_and_form(
            "/qa/scorecards",
            SCORECARD_LIMIT,
            scorecards,
            save_scorecards,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reception_values_round_trip() {
        let k = ReceptionKey {
            account: 3,
            buyer: 17,
            day: Day(20_402),
        };
        assert_eq!(reception_value(&k), "3-17-20402");
        assert_eq!(parse_reception("3-17-20402"), Some(k));
        assert_eq!(parse_reception("3-17"), None);
        assert_eq!(parse_reception("3-17-1-1"), None);
        assert_eq!(parse_reception("a-1-1"), None);
    }

    #[test]
    fn signals_in_words() {
        assert_eq!(
            signal_names(Lang::Zh, "flagged,refund"),
            "自动质检命中、退款"
        );
        assert_eq!(
            signal_names(Lang::En, "low_rating,lost_inquiry"),
            "low rating, lost inquiry"
        );
        assert_eq!(signal_names(Lang::Zh, ""), "");
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(tags(" 值得学习，催付、 空调 ,"), "值得学习,催付,空调");
        assert_eq!(tags(""), "");
    }
}
