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
use kefu_core::model::{NameId, Names};
use kefu_core::time::Day;
use kefu_qa::agreement::{self, Metric};
use kefu_qa::review::{self, Answer, Percent, ReviewKind, Scale, Scorecard};
use kefu_qa::sampling::{self, Mode, Plan, ReceptionKey, Reviewer, Weights};
use kefu_qa::summary::{self, Period, PeriodKind, ReviewFact};
use kefu_report::explain::{self, ReceptionView};
use kefu_store::qa_reviews::{
    AppealStatus, AssignmentRow, NewAssignment, NewReview, ReviewFilter, ReviewRow, StoredScorecard,
};
use kefu_store::{Db, StoreInfo, User};
use serde::Deserialize;

use crate::access::{self, Allowed};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::ui::frame::th;
use crate::ui::frame::{error_page, framed};
use crate::ui::html::{esc, url};
use crate::{AppState, WebError};

/// Periods shown before the current one in the summary's trend.
pub const TREND_PERIODS: usize = 3;
/// Weakest and strongest items shown per summary row.
pub const TOP_ITEMS: usize = 3;
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
fn store_of(db: &Db, user: &User, requested: Option<&str>) -> Result<Allowed, WebError> {
    access::chosen(&access::allowed(db, user, None)?, requested)
}

/// The store of a stored row, as the user sees it; a store the user does not see is answered
/// as if the row did not exist.
fn store_by_id(db: &Db, user: &User, id: i64) -> Result<Allowed, WebError> {
    access::allowed(db, user, None)?
        .into_iter()
        .find(|a| a.store.id == id)
        .ok_or_else(|| WebError::missing("没有这条评审", "no such review"))
}

/// The day a page defaults to: the last day with data.
fn default_day(db: &Db, store: &StoreInfo) -> Result<Day, WebError> {
    Ok(db.day_span(store.id)?.map_or(Day(0), |(_, last)| last))
}

/// Receptions that automatic rules flagged in the period: those with a net deduction (a
/// reception only praised by bonus rules is not a problem to look at). Empty until rules have
/// run over the period; sampling then weighs by the other signals only.
fn flagged_receptions(
    db: &Db,
    store: &StoreInfo,
    period: Period,
) -> Result<HashSet<ReceptionKey>, WebError> {
    Ok(db
        .qa_flagged_receptions(store.id, period.from, period.to, None)?
        .into_iter()
        .filter(|f| f.score < 0)
        .map(|f| ReceptionKey {
            account: f.account,
            buyer: f.buyer,
            day: f.day,
        })
        .collect())
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

fn store_picker(lang: Lang, path: &str, stores: &[Allowed], current: &str) -> String {
    if stores.len() < 2 {
        return String::new();
    }
    let options: String = stores
        .iter()
        .map(|a| {
            let n = esc(&a.store.name);
            let sel = if a.store.name == current {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{n}\"{sel}>{n}</option>")
        })
        .collect();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{path}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lc}\">\
         <label>{s}<br><select name=\"store\">{options}</select></label>\
         <button type=\"submit\">{show}</button></form>",
        lc = lang.code(),
        s = esc(lang.s(S::Store)),
        show = esc(lang.s(S::Show)),
    )
}

/// The links between the review pages.
fn qa_nav(lang: Lang, store: &str, user: &User) -> String {
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
    let items: Vec<String> = links
        .into_iter()
        .map(|(s, path)| format!("<a href=\"{path}?{}\">{}</a>", esc(&sq), esc(lang.s(s))))
        .collect();
    format!("<p class=\"qa-nav\">{}</p>", items.join(" · "))
}

fn names_of(db: &Db, store_id: i64) -> Result<Names, WebError> {
    Ok(db.names(store_id)?)
}

/// The scorecard an assignment is reviewed with: the review's own version once reviewed; a
/// calibration session's card; else the newest card of the assignment's kind.
fn card_for(
    db: &Db,
    a: &AssignmentRow,
    review: Option<&ReviewRow>,
) -> Result<StoredScorecard, WebError> {
    let missing = || WebError::Internal("no scorecard for this review".into());
    if let Some(r) = review {
        return db.qa_scorecard(r.scorecard_id)?.ok_or_else(missing);
    }
    if let Some(cal) = a.calibration_id {
        let session = db
            .qa_calibrations(a.store_id)?
            .into_iter()
            .find(|c| c.id == cal)
            .ok_or_else(missing)?;
        return db.qa_scorecard(session.scorecard_id)?.ok_or_else(missing);
    }
    db.qa_scorecards()?
        .into_iter()
        .find(|c| c.card.kind == a.kind)
        .ok_or_else(missing)
}

/// Scorecards by stored id, loaded once each.
#[derive(Default)]
struct Cards(HashMap<i64, Option<StoredScorecard>>);

impl Cards {
    fn get(&mut self, db: &Db, id: i64) -> Result<Option<&Scorecard>, WebError> {
        let card = match self.0.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(db.qa_scorecard(id)?),
        };
        Ok(card.as_ref().map(|c| &c.card))
    }
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

// ---------------------------------------------------------------------------------------
// /qa/assignments

struct AssignmentsPage {
    stores: Vec<Allowed>,
    store: Allowed,
    names: Names,
    mine: Vec<AssignmentRow>,
    manage: Option<Manage>,
}

struct Manage {
    period_kind: PeriodKind,
    day: Day,
    reviewers: Vec<(ReviewKind, User)>,
    accounts: Vec<kefu_store::AccountInfo>,
    all: Vec<AssignmentRow>,
    workload: Vec<kefu_store::qa_reviews::Workload>,
}

/// `GET /qa/assignments?store=`: my assignments; for managers also the draw form, the
/// store's QA period and all its assignments.
pub async fn assignments(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let requested = q.store.clone();
    let loaded = with_db(&state, &user, lang, move |db, u| {
        let stores = access::allowed(db, u, None)?;
        let store = access::chosen(&stores, requested.as_deref())?;
        let names = names_of(db, store.store.id)?;
        let mine = db
            .qa_my_assignments(u.id)?
            .into_iter()
            .filter(|a| a.store_id == store.store.id)
            .collect();
        let manage = if access::qa_manager(u) {
            let period_kind = db.qa_period(store.store.id)?;
            let day = default_day(db, &store.store)?;
            let mut reviewers = Vec::new();
            for kind in ReviewKind::ALL {
                for (user, _) in access::qa_reviewers(db, store.store.id, kind)? {
                    reviewers.push((kind, user));
                }
            }
            let period = Period::containing(period_kind, day);
            Some(Manage {
                period_kind,
                day,
                reviewers,
                accounts: db
                    .accounts(store.store.id)?
                    .into_iter()
                    .filter(|a| !a.is_bot)
                    .collect(),
                all: db.qa_assignments(store.store.id, None, None)?,
                workload: db.qa_workload(store.store.id, period.from)?,
            })
        } else {
            None
        };
        Ok(AssignmentsPage {
            stores,
            store,
            names,
            mine,
            manage,
        })
    })
    .await;
    let p = match loaded {
        Ok(p) => p,
        Err(page) => return page,
    };
    let sname = p.store.store.name.clone();
    let mut body = store_picker(lang, "/qa/assignments", &p.stores, &sname);
    body.push_str(&qa_nav(lang, &sname, &user.session.user));
    if let Some(n) = q.added.as_deref() {
        body.push_str(&format!(
            "<p class=\"notice\" role=\"status\">{}{}</p>",
            esc(lang.s(S::QaAdded)),
            esc(n)
        ));
    }
    body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::QaMyAssignments))));
    let mine: Vec<&AssignmentRow> = p.mine.iter().collect();
    assignment_table(&mut body, lang, &p.names, &mine, false);
    if let Some(m) = &p.manage {
        manage_forms(&mut body, lang, &user, &sname, m);
        body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::QaAllAssignments))));
        let all: Vec<&AssignmentRow> = m.all.iter().collect();
        assignment_table(&mut body, lang, &p.names, &all, true);
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::QaAssignments,
        &format!("/qa/assignments?store={}", url(&sname)),
        &body,
    )
}

fn assignment_table(
    body: &mut String,
    lang: Lang,
    names: &Names,
    list: &[&AssignmentRow],
    with_reviewer: bool,
) {
    if list.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaNoAssignments))));
        return;
    }
    let mut head = vec![S::QaPeriod, S::QaKind];
    if with_reviewer {
        head.push(S::QaReviewer);
    }
    head.extend([
        S::Account,
        S::Buyer,
        S::Day,
        S::QaSignals,
        S::QaStatus,
        S::QaAction,
    ]);
    body.push_str(&format!(
        "<div class=\"wrap\"><table class=\"qa-assignments\"><thead><tr>{}</tr></thead><tbody>",
        th(lang, &head)
    ));
    for a in list {
        let status = lang.s(if a.review_id.is_some() {
            S::QaDone
        } else {
            S::QaOpen
        });
        let cal = if a.calibration_id.is_some() {
            format!(" ({})", lang.s(S::QaCalibrationMark))
        } else {
            String::new()
        };
        let action = if a.review_id.is_some() {
            S::QaView
        } else {
            S::QaStart
        };
        let reviewer = if with_reviewer {
            format!("<td>{}</td>", esc(&a.reviewer))
        } else {
            String::new()
        };
        body.push_str(&format!(
            "<tr><td>{period}</td><td>{kind}{cal}</td>{reviewer}<td>{acc}</td><td>{buyer}</td>\
             <td>{day}</td><td>{signals}</td><td>{status}</td>\
             <td><a href=\"/qa/review?id={id}&amp;{lq}\">{action}</a></td></tr>",
            period = esc(&period_label(a.period)),
            kind = esc(kind_name(lang, a.kind)),
            cal = esc(&cal),
            acc = esc(names.name(a.reception.account)),
            buyer = esc(names.name(a.reception.buyer)),
            day = a.reception.day,
            signals = esc(&signal_names(lang, &a.signals)),
            status = esc(status),
            id = a.id,
            lq = lq(lang),
            action = esc(lang.s(action)),
        ));
    }
    body.push_str("</tbody></table></div>");
}

fn manage_forms(body: &mut String, lang: Lang, user: &CurrentUser, store: &str, m: &Manage) {
    let csrf = esc(&user.session.csrf);
    let reviewer_boxes: String = m
        .reviewers
        .iter()
        .map(|(kind, u)| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"reviewer\" value=\"{id}\"> \
                 {name} <small>({role}; {kind})</small></label> ",
                id = u.id,
                name = esc(&u.name),
                role = u.role.as_str(),
                kind = esc(kind_name(lang, *kind)),
            )
        })
        .collect();
    let accounts: String = m
        .accounts
        .iter()
        .map(|a| format!("<option value=\"{}\">{}</option>", a.id, esc(&a.name)))
        .collect();
    let period = Period::containing(m.period_kind, m.day);
    body.push_str(&format!(
        "<h2>{gen}</h2><form method=\"post\" action=\"/qa/assignments?{lq}\" class=\"filters qa-generate\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"store\" value=\"{s}\">\
         <label>{pd}<br><input type=\"date\" name=\"day\" value=\"{day}\"></label>\
         <label>{kind}<br><select name=\"kind\"><option value=\"weakness\">{weak}</option>\
         <option value=\"strength\">{strong}</option></select></label>\
         <label>{goal}<br><input type=\"number\" name=\"goal\" min=\"1\" max=\"1000\" value=\"5\"></label>\
         <label>{mode}<br><select name=\"mode\"><option value=\"weighted\">{weighted}</option>\
         <option value=\"random\">{random}</option></select></label>\
         <label>{acc}<br><select name=\"account\"><option value=\"\">{all}</option>{accounts}</select></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"cross_group\" value=\"on\"> {cross}</label>\
         <label>{seed}<br><input type=\"number\" name=\"seed\" min=\"0\" placeholder=\"{pf}\"></label>\
         <fieldset><legend>{reviewers}</legend>{reviewer_boxes}</fieldset>\
         <button type=\"submit\">{gen}</button></form>\
         <p>{ps}: {current} ({pk})</p>\
         <form method=\"post\" action=\"/qa/period?{lq}\" class=\"filters\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"store\" value=\"{s}\">\
         <label>{ps}<br><select name=\"period\"><option value=\"week\"{wsel}>{week}</option>\
         <option value=\"month\"{msel}>{month}</option></select></label>\
         <button type=\"submit\">{save}</button></form>",
        gen = esc(lang.s(S::QaGenerate)),
        lq = lq(lang),
        s = esc(store),
        pd = esc(lang.s(S::QaPeriodDay)),
        day = m.day,
        kind = esc(lang.s(S::QaKind)),
        weak = esc(lang.s(S::QaWeakness)),
        strong = esc(lang.s(S::QaStrength)),
        goal = esc(lang.s(S::QaGoal)),
        mode = esc(lang.s(S::QaMode)),
        weighted = esc(lang.s(S::QaWeighted)),
        random = esc(lang.s(S::QaRandom)),
        acc = esc(lang.s(S::Account)),
        all = esc(lang.s(S::QaAllAccounts)),
        cross = esc(lang.s(S::QaCrossGroup)),
        seed = esc(lang.s(S::QaSeed)),
        pf = period.from.0,
        reviewers = esc(lang.s(S::QaReviewers)),
        ps = esc(lang.s(S::QaPeriodSetting)),
        current = esc(&period_label(period)),
        pk = esc(lang.s(period_kind_s(m.period_kind))),
        wsel = if m.period_kind == PeriodKind::Week { " selected" } else { "" },
        msel = if m.period_kind == PeriodKind::Month { " selected" } else { "" },
        week = esc(lang.s(S::QaWeek)),
        month = esc(lang.s(S::QaMonth)),
        save = esc(lang.s(S::QaSave)),
    ));
    workload_table(body, lang, &m.workload);
}

fn period_kind_s(k: PeriodKind) -> S {
    match k {
        PeriodKind::Week => S::QaWeek,
        PeriodKind::Month => S::QaMonth,
    }
}

fn workload_table(body: &mut String, lang: Lang, w: &[kefu_store::qa_reviews::Workload]) {
    body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::QaWorkload))));
    if w.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaNoAssignments))));
        return;
    }
    body.push_str(&format!(
        "<table class=\"qa-workload\"><thead><tr>{}</tr></thead><tbody>",
        th(lang, &[S::QaReviewer, S::QaGoal, S::QaAssigned, S::QaDone])
    ));
    for x in w {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&x.reviewer),
            x.goal,
            x.assigned,
            x.done
        ));
    }
    body.push_str("</tbody></table>");
}

/// `POST /qa/assignments`: draws the assignments of a period.
pub async fn generate(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let config = state.config.clone();
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_manage(u)?;
        let store = store_of(db, u, Some(field(form, "store")))?;
        let kind = ReviewKind::parse(field(form, "kind")).ok_or_else(|| {
            WebError::invalid(
                "`kind` 应为 weakness 或 strength",
                "`kind` is weakness or strength",
            )
        })?;
        let day = match day_param(Some(field(form, "day")))? {
            Some(d) => d,
            None => default_day(db, &store.store)?,
        };
        let period = Period::containing(db.qa_period(store.store.id)?, day);
        let goal = number(field(form, "goal"), "goal")?;
        if !(1..=1000).contains(&goal) {
            return Err(WebError::invalid(
                "`goal` 为 1 到 1000",
                "`goal` is 1 to 1000",
            ));
        }
        let picked: Vec<i64> = fields(form, "reviewer")
            .into_iter()
            .map(|v| number(v, "reviewer"))
            .collect::<Result<_, _>>()?;
        let eligible = access::qa_reviewers(db, store.store.id, kind)?;
        let chosen: Vec<&(User, Vec<NameId>)> = eligible
            .iter()
            .filter(|(r, _)| picked.contains(&r.id))
            .collect();
        if chosen.is_empty() || chosen.len() != picked.len() {
            return Err(WebError::BadRequest(lang.s(S::QaPickReviewers).into()));
        }
        let accounts = db.accounts(store.store.id)?;
        let group_of = |id: NameId| {
            accounts
                .iter()
                .find(|a| a.id == id)
                .and_then(|a| a.group.clone())
        };
        let reviewers: Vec<Reviewer> = chosen
            .iter()
            .map(|(r, own)| Reviewer {
                user_id: r.id,
                own_accounts: own.clone(),
                group: own.first().and_then(|a| group_of(*a)),
                goal: goal as usize,
            })
            .collect();
        let settings = config.store(&store.store.name).metrics;
        let flagged = flagged_receptions(db, &store.store, period)?;
        let mut candidates =
            db.qa_candidates(store.store.id, period.from, period.to, &settings, &flagged)?;
        let only = field(form, "account").trim();
        if !only.is_empty() {
            let id = number(only, "account")?;
            candidates.retain(|c| i64::from(c.key.account) == id);
        }
        let seed = match field(form, "seed").trim() {
            "" => period.from.0 as u64,
            s => number(s, "seed")? as u64,
        };
        let plan = Plan {
            seed,
            mode: if field(form, "mode") == "random" {
                Mode::Random
            } else {
                Mode::Weighted(Weights::default())
            },
            cross_group: field(form, "cross_group") == "on",
        };
        let drawn: Vec<NewAssignment> = sampling::draw(&candidates, &reviewers, &plan)
            .into_iter()
            .map(|a| NewAssignment {
                reviewer_id: a.reviewer,
                reception: a.reception,
                signals: a.signals.codes().join(","),
            })
            .collect();
        let goals: Vec<(i64, i64)> = reviewers.iter().map(|r| (r.user_id, goal)).collect();
        let added = db.qa_add_assignments(store.store.id, period, kind, &drawn, &goals)?;
        db.audit(
            Some(u),
            "qa.assign",
            &format!(
                "store={} period={} kind={} reviewers={} goal={goal} seed={seed} added={added}",
                store.store.name,
                period.from,
                kind.as_str(),
                picked
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )?;
        Ok((store.store.name, added))
    })
    .await;
    match done {
        Ok((store, added)) => Redirect::to(&format!(
            "/qa/assignments?store={}&added={added}&{}",
            url(&store),
            lq(lang)
        ))
        .into_response(),
        Err(page) => page,
    }
}

/// `POST /qa/period`: the store's QA period, week or month.
pub async fn set_period(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_manage(u)?;
        let store = store_of(db, u, Some(field(form, "store")))?;
        let kind = PeriodKind::parse(field(form, "period")).ok_or_else(|| {
            WebError::invalid("`period` 应为 week 或 month", "`period` is week or month")
        })?;
        db.qa_set_period(store.store.id, kind)?;
        db.audit(
            Some(u),
            "qa.period",
            &format!("store={} period={}", store.store.name, kind.as_str()),
        )?;
        Ok(store.store.name)
    })
    .await;
    match done {
        Ok(store) => Redirect::to(&format!(
            "/qa/assignments?store={}&{}",
            url(&store),
            lq(lang)
        ))
        .into_response(),
        Err(page) => page,
    }
}

// ---------------------------------------------------------------------------------------
// /qa/review

struct ReviewPage {
    store: Allowed,
    a: AssignmentRow,
    review: Option<ReviewRow>,
    card: StoredScorecard,
    account: String,
    buyer: String,
    reception: Option<ReceptionView>,
    marks: crate::ui::transcript::QaMarks,
}

/// Loads an assignment the user may see, with its scorecard and transcript.
fn load_review_page(
    db: &Db,
    user: &User,
    id: i64,
    config: &crate::store_settings::LiveConfig,
) -> Result<ReviewPage, WebError> {
    let missing = || WebError::missing("没有这项质检任务", "no such assignment");
    let a = db.qa_assignment(id)?.ok_or_else(missing)?;
    let store = store_by_id(db, user, a.store_id)?;
    if !access::qa_sees(
        user,
        &store,
        a.reception.account,
        Some(a.reviewer_id),
        a.calibration_id.is_some(),
    ) {
        return Err(missing());
    }
    let review = match a.review_id {
        Some(r) => db.qa_review(r)?,
        None => None,
    };
    let card = card_for(db, &a, review.as_ref())?;
    let names = names_of(db, a.store_id)?;
    let settings = config.store(&store.store.name).metrics;
    let x = explain::explain(
        db,
        &store.store,
        a.reception.account,
        a.reception.day,
        Some(a.reception.buyer),
        &settings,
    )
    .map_err(crate::report::explain_error)?;
    let marks = crate::ui::transcript::qa_marks(
        db,
        a.store_id,
        a.reception.day,
        a.reception.account,
        a.reception.buyer,
    )?;
    Ok(ReviewPage {
        marks,
        account: names.name(a.reception.account).to_string(),
        buyer: names.name(a.reception.buyer).to_string(),
        reception: x.receptions.into_iter().next(),
        store,
        a,
        review,
        card,
    })
}

/// `GET /qa/review?id=`: the reception's transcript and the scorecard form (or the review).
pub async fn review_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let config = state.config.clone();
    let id = q.id.clone().unwrap_or_default();
    let loaded = with_db(&state, &user, lang, move |db, u| {
        load_review_page(db, u, number(&id, "id")?, &config)
    })
    .await;
    let p = match loaded {
        Ok(p) => p,
        Err(page) => return page,
    };
    let mut body = qa_nav(lang, &p.store.store.name, &user.session.user);
    body.push_str(&format!(
        "<table class=\"facts\"><tbody>\
         <tr><th>{sl}</th><td>{s}</td></tr><tr><th>{al}</th><td>{a}</td></tr>\
         <tr><th>{bl}</th><td>{b}</td></tr><tr><th>{dl}</th><td>{d}</td></tr>\
         <tr><th>{kl}</th><td>{k}</td></tr><tr><th>{rl}</th><td>{r}</td></tr>\
         <tr><th>{cl}</th><td>{c} v{v}</td></tr></tbody></table>",
        sl = esc(lang.s(S::Store)),
        s = esc(&p.store.store.name),
        al = esc(lang.s(S::Account)),
        a = esc(&p.account),
        bl = esc(lang.s(S::Buyer)),
        b = esc(&p.buyer),
        dl = esc(lang.s(S::Day)),
        d = p.a.reception.day,
        kl = esc(lang.s(S::QaKind)),
        k = esc(&format!(
            "{}{}",
            kind_name(lang, p.a.kind),
            if p.a.calibration_id.is_some() {
                format!(" ({})", lang.s(S::QaCalibrationMark))
            } else {
                String::new()
            }
        )),
        rl = esc(lang.s(S::QaReviewer)),
        r = esc(&p.a.reviewer),
        cl = esc(lang.s(S::QaScorecard)),
        c = esc(lang.t(&p.card.card.name, &p.card.card.name_en)),
        v = p.card.version,
    ));
    match &p.review {
        Some(r) => review_details(&mut body, lang, &p.card.card, r),
        None if p.a.reviewer_id == user.session.user.id => {
            review_form(&mut body, lang, &user, &p.card.card, &p.a)
        }
        None => body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaOpen)))),
    }
    match &p.reception {
        Some(r) => crate::ui::transcript::transcript(&mut body, lang, r, &p.marks),
        None => body.push_str(&format!("<p>{}</p>", esc(lang.s(S::NoReceptions)))),
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::QaReview,
        &format!("/qa/review?id={}", p.a.id),
        &body,
    )
}

fn review_form(
    body: &mut String,
    lang: Lang,
    user: &CurrentUser,
    card: &Scorecard,
    a: &AssignmentRow,
) {
    body.push_str(&format!(
        "<h2>{}</h2><form method=\"post\" action=\"/qa/review?{}\" class=\"qa-review\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"id\" value=\"{}\">",
        esc(lang.s(S::QaScorecard)),
        lq(lang),
        esc(&user.session.csrf),
        a.id
    ));
    for section in &card.sections {
        body.push_str(&format!(
            "<h3>{}</h3><table class=\"qa-items\"><thead><tr>{}</tr></thead><tbody>",
            esc(lang.t(&section.name, &section.name_en)),
            th(lang, &[S::QaItem, S::QaWeight, S::QaAnswer])
        ));
        for item in &section.items {
            let mut options = String::new();
            if !item.bonus {
                options.push_str("<option value=\"\">—</option>");
            }
            if item.na_allowed || item.bonus {
                options.push_str(&format!(
                    "<option value=\"na\">{}</option>",
                    esc(lang.s(S::QaNa))
                ));
            }
            match item.scale {
                Scale::YesNo => {
                    for (v, s) in [("yes", S::Yes), ("no", S::No)] {
                        options.push_str(&format!(
                            "<option value=\"{v}\">{}</option>",
                            esc(lang.s(s))
                        ));
                    }
                }
                Scale::OneToFive => {
                    for r in (1..=5).rev() {
                        options.push_str(&format!("<option value=\"{r}\">{r}</option>"));
                    }
                }
                Scale::Points { max } if max > MAX_POINT_OPTIONS => {}
                Scale::Points { max } => {
                    for pts in (0..=max).rev() {
                        options
                            .push_str(&format!("<option value=\"{pts}\">{pts} / {max}</option>"));
                    }
                }
            }
            let mut marks = Vec::new();
            if item.critical {
                marks.push(lang.s(S::QaCritical));
            }
            if item.bonus {
                marks.push(lang.s(S::QaBonus));
            }
            let marks = if marks.is_empty() {
                String::new()
            } else {
                format!(
                    " <small class=\"qa-mark\">[{}]</small>",
                    esc(&marks.join(", "))
                )
            };
            let required = if item.bonus { "" } else { " required" };
            let input = match item.scale {
                // A long list of points is easier typed (N/A is then `na`).
                Scale::Points { max } if max > MAX_POINT_OPTIONS => format!(
                    "<input id=\"item_{id}\" name=\"item_{id}\" size=\"6\" \
                     placeholder=\"0–{max}\"{required}>",
                    id = esc(&item.id),
                ),
                _ => format!(
                    "<select id=\"item_{id}\" name=\"item_{id}\"{required}>{options}</select>",
                    id = esc(&item.id),
                ),
            };
            body.push_str(&format!(
                "<tr><td><label for=\"item_{id}\">{name}</label>{marks}</td><td>{w}</td>\
                 <td>{input}</td></tr>",
                id = esc(&item.id),
                name = esc(item_name(lang, item)),
                w = item.weight,
            ));
        }
        body.push_str("</tbody></table>");
    }
    let note = match a.kind {
        ReviewKind::Weakness => S::QaNoteWeakness,
        ReviewKind::Strength => S::QaNoteStrength,
    };
    let topic = if a.kind == ReviewKind::Weakness {
        format!(
            "<label>{}<br><input name=\"training_topic\" maxlength=\"200\"></label>",
            esc(lang.s(S::QaTrainingTopic))
        )
    } else {
        String::new()
    };
    body.push_str(&format!(
        "<p><label>{n}<br><textarea name=\"note\" rows=\"3\" cols=\"60\" maxlength=\"2000\"{req}></textarea></label></p>\
         <p>{topic} <label>{tags}<br><input name=\"tags\" maxlength=\"200\"></label></p>\
         <button type=\"submit\">{submit}</button></form>",
        n = esc(lang.s(note)),
        req = if a.kind == ReviewKind::Weakness && a.calibration_id.is_none() { " required" } else { "" },
        tags = esc(lang.s(S::QaTags)),
        submit = esc(lang.s(S::QaSubmit)),
    ));
}

fn review_details(body: &mut String, lang: Lang, card: &Scorecard, r: &ReviewRow) {
    let answers = review::decode_answers(card, &r.answers).unwrap_or_default();
    body.push_str(&format!(
        "<h2>{}</h2><p class=\"qa-score\">{}: <strong>{}</strong></p>",
        esc(lang.s(S::QaReview)),
        esc(lang.s(S::QaScore)),
        esc(&score_text(r.counted_score())),
    ));
    if !r.failed_critical.is_empty() {
        body.push_str(&format!(
            "<p class=\"error\">{}{}</p>",
            esc(lang.s(S::QaAutoFail)),
            esc(&critical_names(lang, card, &r.failed_critical))
        ));
    }
    body.push_str(&format!(
        "<table class=\"qa-items\"><thead><tr>{}</tr></thead><tbody>",
        th(lang, &[S::QaItem, S::QaWeight, S::QaAnswer])
    ));
    for item in card.items() {
        let a = answers
            .get(&item.id)
            .copied()
            .unwrap_or(Answer::NotApplicable);
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(item_name(lang, item)),
            item.weight,
            esc(&answer_text(lang, a, item.scale))
        ));
    }
    body.push_str("</tbody></table>");
    note_block(body, lang, r);
}

fn critical_names(lang: Lang, card: &Scorecard, ids: &str) -> String {
    ids.split(',')
        .filter(|s| !s.is_empty())
        .map(|id| card.item(id).map_or(id, |i| item_name(lang, i)))
        .collect::<Vec<_>>()
        .join(lang.t("、", ", "))
}

fn note_block(body: &mut String, lang: Lang, r: &ReviewRow) {
    body.push_str(&format!(
        "<p><strong>{}:</strong> {}</p>",
        esc(lang.s(S::QaNote)),
        esc(&r.note)
    ));
    if let Some(t) = r.training_topic.as_deref().filter(|t| !t.is_empty()) {
        // A topic given as a web address (the training material) is a link.
        let shown = if t.starts_with("https://") || t.starts_with("http://") {
            format!("<a href=\"{0}\" rel=\"noreferrer\">{0}</a>", esc(t))
        } else {
            esc(t)
        };
        body.push_str(&format!(
            "<p><strong>{}:</strong> {shown}</p>",
            esc(lang.s(S::QaTrainingTopic)),
        ));
    }
    if !r.tags.is_empty() {
        body.push_str(&format!(
            "<p><strong>{}:</strong> {}</p>",
            esc(lang.s(S::QaTags)),
            esc(&r.tags)
        ));
    }
}

/// `POST /qa/review`: records the review of an assignment (once).
pub async fn submit_review(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        let id = number(field(form, "id"), "id")?;
        let missing = || WebError::missing("没有这项质检任务", "no such assignment");
        let a = db.qa_assignment(id)?.ok_or_else(missing)?;
        if a.reviewer_id != u.id {
            return Err(missing());
        }
        // Only while the reviewer still sees the store, as the page they review on checks.
        store_by_id(db, u, a.store_id)?;
        if a.review_id.is_some() {
            return Err(WebError::BadRequest(lang.s(S::QaAlreadyReviewed).into()));
        }
        let card = card_for(db, &a, None)?;
        let given = form
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("item_")?, v.as_str())));
        let answers = review::read_answers(&card.card, given).map_err(|e| {
            WebError::BadRequest(format!("{}{}", lang.s(S::QaBadAnswer), lang.msg(&e)))
        })?;
        let note = field(form, "note").trim();
        if a.kind == ReviewKind::Weakness && a.calibration_id.is_none() && note.is_empty() {
            return Err(WebError::BadRequest(lang.s(S::QaNoteRequired).into()));
        }
        let s = review::score(&card.card, &answers);
        let topic = field(form, "training_topic").trim();
        let new = NewReview {
            assignment_id: a.id,
            scorecard_id: card.id,
            answers: review::encode_answers(&card.card, &answers),
            score: s.score,
            failed_critical: s.failed_critical.join(","),
            note: note.to_string(),
            training_topic: (!topic.is_empty()).then(|| topic.to_string()),
            tags: tags(field(form, "tags")),
        };
        let rid = db
            .qa_add_review(&new)?
            .ok_or_else(|| WebError::BadRequest(lang.s(S::QaAlreadyReviewed).into()))?;
        db.audit(
            Some(u),
            "qa.review",
            &format!(
                "review={rid} assignment={} kind={} score={} calibration={}",
                a.id,
                a.kind.as_str(),
                score_text(s.score),
                a.calibration_id.is_some()
            ),
        )?;
        Ok(a.id)
    })
    .await;
    match done {
        Ok(id) => Redirect::to(&format!("/qa/review?id={id}&{}", lq(lang))).into_response(),
        Err(page) => page,
    }
}

/// Tags as typed (comma, Chinese comma or 、 between), normalised to `a,b`.
fn tags(s: &str) -> String {
    s.split([',', '，', '、'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

// ---------------------------------------------------------------------------------------
// /qa/reviews

/// What `/qa/reviews` and `/api/v1/qa/reviews` show.
pub(crate) struct ReviewsPage {
    pub(crate) stores: Vec<Allowed>,
    pub(crate) store: Allowed,
    pub(crate) names: Names,
    pub(crate) reviews: Vec<(ReviewRow, Option<Scorecard>)>,
}

/// The reviews (not calibrations) of the requested store that `user` may see.
pub(crate) fn load_reviews(
    db: &Db,
    user: &User,
    requested: Option<&str>,
) -> Result<ReviewsPage, WebError> {
    let stores = access::allowed(db, user, None)?;
    let store = access::chosen(&stores, requested)?;
    let filter = ReviewFilter {
        calibration: Some(false),
        ..ReviewFilter::default()
    };
    let mut cards = Cards::default();
    let mut reviews = Vec::new();
    for r in db.qa_reviews(store.store.id, &filter)? {
        if access::qa_sees(user, &store, r.reception.account, r.reviewer_id, false) {
            let card = cards.get(db, r.scorecard_id)?.cloned();
            reviews.push((r, card));
        }
    }
    Ok(ReviewsPage {
        names: names_of(db, store.store.id)?,
        stores,
        store,
        reviews,
    })
}

/// `GET /qa/reviews?store=`: the reviews the user may see — an agent their own (with the
/// appeal button, once), managers every review with open appeals to decide.
pub async fn reviews(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let requested = q.store.clone();
    let loaded = with_db(&state, &user, lang, move |db, u| {
        load_reviews(db, u, requested.as_deref())
    })
    .await;
    let p = match loaded {
        Ok(p) => p,
        Err(page) => return page,
    };
    let me = &user.session.user;
    let sname = p.store.store.name.clone();
    let mut body = store_picker(lang, "/qa/reviews", &p.stores, &sname);
    body.push_str(&qa_nav(lang, &sname, me));
    let open: Vec<&(ReviewRow, Option<Scorecard>)> = p
        .reviews
        .iter()
        .filter(|(r, _)| {
            r.appeal
                .as_ref()
                .is_some_and(|a| a.status == AppealStatus::Open)
        })
        .collect();
    if access::qa_manager(me) {
        body.push_str(&format!(
            "<h2>{}: {}</h2>",
            esc(lang.s(S::QaOpenAppeals)),
            open.len()
        ));
    }
    if p.reviews.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaNoReviews))));
    }
    for (r, card) in &p.reviews {
        review_entry(&mut body, lang, &user, &p.store, &p.names, r, card.as_ref());
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::QaReviews,
        &format!("/qa/reviews?store={}", url(&sname)),
        &body,
    )
}

#[allow(clippy::too_many_arguments)]
fn review_entry(
    body: &mut String,
    lang: Lang,
    user: &CurrentUser,
    store: &Allowed,
    names: &Names,
    r: &ReviewRow,
    card: Option<&Scorecard>,
) {
    let me = &user.session.user;
    let csrf = esc(&user.session.csrf);
    let score = match &r.appeal {
        Some(a) if a.status == AppealStatus::Accepted && a.new_score.is_some() => format!(
            "{} → {}",
            score_text(r.score),
            score_text(r.counted_score())
        ),
        _ => score_text(r.score),
    };
    body.push_str(&format!(
        "<section class=\"qa-entry\" id=\"review-{id}\"><h3>{day} · {acc} · {buyer} · {kind}</h3>\
         <p>{rl}: {reviewer} · {sl}: <strong class=\"qa-score\">{score}</strong> · \
         <a href=\"/qa/review?id={aid}&amp;{lq}\">{view}</a></p>",
        id = r.id,
        day = r.reception.day,
        acc = esc(names.name(r.reception.account)),
        buyer = esc(names.name(r.reception.buyer)),
        kind = esc(kind_name(lang, r.kind)),
        rl = esc(lang.s(S::QaReviewer)),
        reviewer = esc(r.reviewer.as_deref().unwrap_or("-")),
        sl = esc(lang.s(S::QaScore)),
        score = esc(&score),
        aid = r.assignment_id,
        lq = lq(lang),
        view = esc(lang.s(S::QaView)),
    ));
    if let Some(card) = card {
        if !r.failed_critical.is_empty() {
            body.push_str(&format!(
                "<p class=\"error\">{}{}</p>",
                esc(lang.s(S::QaAutoFail)),
                esc(&critical_names(lang, card, &r.failed_critical))
            ));
        }
        let answers = review::decode_answers(card, &r.answers).unwrap_or_default();
        let low: Vec<String> = card
            .items()
            .filter_map(|i| {
                let a = *answers.get(&i.id)?;
                let v = a.value(i.scale)?;
                let shown = match r.kind {
                    ReviewKind::Weakness => v < 1.0,
                    ReviewKind::Strength => v > 0.0,
                };
                shown.then(|| format!("{} ({})", item_name(lang, i), answer_text(lang, a, i.scale)))
            })
            .collect();
        if !low.is_empty() {
            let label = match r.kind {
                ReviewKind::Weakness => S::QaTopWeak,
                ReviewKind::Strength => S::QaTopStrong,
            };
            body.push_str(&format!(
                "<p><strong>{}:</strong> {}</p>",
                esc(lang.s(label)),
                esc(&low.join(lang.t("；", "; ")))
            ));
        }
    }
    note_block(body, lang, r);
    match &r.appeal {
        Some(a) => {
            let status = match a.status {
                AppealStatus::Open => S::QaAppealOpen,
                AppealStatus::Accepted => S::QaAppealAccepted,
                AppealStatus::Rejected => S::QaAppealRejected,
            };
            body.push_str(&format!(
                "<p class=\"qa-appeal\"><strong>{}:</strong> <span class=\"status\">{}</span> — {}",
                esc(lang.s(S::QaAppealStatus)),
                esc(lang.s(status)),
                esc(&a.reason)
            ));
            if let Some(c) = &a.comment {
                body.push_str(&format!(
                    " · {} ({}): {}",
                    esc(lang.s(S::QaComment)),
                    esc(a.decided_by.as_deref().unwrap_or("-")),
                    esc(c)
                ));
            }
            body.push_str("</p>");
            if a.status == AppealStatus::Open && access::qa_manager(me) {
                body.push_str(&format!(
                    "<form method=\"post\" action=\"/qa/decide?{lq}\" class=\"filters qa-decide\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                     <input type=\"hidden\" name=\"review\" value=\"{id}\">\
                     <label>{comment}<br><input name=\"comment\" required maxlength=\"2000\"></label>\
                     <label>{ns}<br><input name=\"new_score\" type=\"number\" step=\"0.1\" min=\"0\" max=\"{max}\"></label>\
                     <button type=\"submit\" name=\"decision\" value=\"accept\">{accept}</button>\
                     <button type=\"submit\" name=\"decision\" value=\"reject\">{reject}</button></form>",
                    lq = lq(lang),
                    id = r.id,
                    comment = esc(lang.s(S::QaComment)),
                    ns = esc(lang.s(S::QaNewScore)),
                    max = MAX_SCORE,
                    accept = esc(lang.s(S::QaAccept)),
                    reject = esc(lang.s(S::QaReject)),
                ));
            }
        }
        None if access::qa_may_appeal(me, store, r.reception.account) => {
            body.push_str(&format!(
                "<form method=\"post\" action=\"/qa/appeal?{lq}\" class=\"filters qa-appeal-form\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"review\" value=\"{id}\">\
                 <label>{reason}<br><input name=\"reason\" required maxlength=\"2000\"></label>\
                 <button type=\"submit\">{appeal}</button></form><p><small>{once}</small></p>",
                lq = lq(lang),
                id = r.id,
                reason = esc(lang.s(S::QaAppealReason)),
                appeal = esc(lang.s(S::QaAppeal)),
                once = esc(lang.s(S::QaAppealOnce)),
            ));
        }
        None => {}
    }
    if access::qa_library(me).is_ok() {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/qa/cases?{lq}\" class=\"filters qa-case-form\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"review\" value=\"{id}\">\
             <label>{verdict}<br><select name=\"verdict\"><option value=\"good\">{good}</option>\
             <option value=\"bad\">{bad}</option></select></label>\
             <label>{tags}<br><input name=\"tags\" maxlength=\"200\"></label>\
             <label>{note}<br><input name=\"note\" maxlength=\"2000\"></label>\
             <button type=\"submit\">{save}</button></form>",
            lq = lq(lang),
            id = r.id,
            verdict = esc(lang.s(S::QaVerdict)),
            good = esc(lang.s(S::QaGood)),
            bad = esc(lang.s(S::QaBad)),
            tags = esc(lang.s(S::QaCaseTags)),
            note = esc(lang.s(S::QaNote)),
            save = esc(lang.s(S::QaSaveCase)),
        ));
    }
    body.push_str("</section>");
}

/// Loads the review a form names (`review`) when the user may see it, with its store.
fn posted_review(db: &Db, user: &User, form: &Pairs) -> Result<(ReviewRow, Allowed), WebError> {
    let id = number(field(form, "review"), "review")?;
    let missing = || WebError::missing("没有这条评审", "no such review");
    let r = db.qa_review(id)?.ok_or_else(missing)?;
    let store = store_by_id(db, user, r.store_id)?;
    if !access::qa_sees(
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

fn back_to_reviews(lang: Lang, store: &str, review: i64) -> Response {
    Redirect::to(&format!(
        "/qa/reviews?store={}&{}#review-{review}",
        url(store),
        lq(lang)
    ))
    .into_response()
}

/// `POST /qa/appeal`: the reviewed agent appeals, once.
pub async fn appeal(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        let (r, store) = posted_review(db, u, form)?;
        if !access::qa_may_appeal(u, &store, r.reception.account) || r.calibration {
            return Err(WebError::Forbidden(
                "only the reviewed agent may appeal".into(),
            ));
        }
        let reason = field(form, "reason").trim();
        if reason.is_empty() {
            return Err(WebError::BadRequest(lang.s(S::QaAppealReason).into()));
        }
        if !db.qa_appeal(r.id, u.id, reason)? {
            return Err(WebError::BadRequest(lang.s(S::QaAppealOnce).into()));
        }
        db.audit(Some(u), "qa.appeal", &format!("review={}", r.id))?;
        Ok((store.store.name, r.id))
    })
    .await;
    match done {
        Ok((store, id)) => back_to_reviews(lang, &store, id),
        Err(page) => page,
    }
}

/// `POST /qa/decide`: a manager accepts (with the corrected score) or rejects an appeal.
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_manage(u)?;
        let (r, store) = posted_review(db, u, form)?;
        let accept = match field(form, "decision") {
            "accept" => true,
            "reject" => false,
            _ => {
                return Err(WebError::invalid(
                    "`decision` 应为 accept 或 reject",
                    "`decision` is accept or reject",
                ));
            }
        };
        let comment = field(form, "comment").trim();
        if comment.is_empty() {
            return Err(WebError::BadRequest(lang.s(S::QaComment).into()));
        }
        let new_score = if accept {
            let s: f64 = field(form, "new_score")
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && (0.0..=MAX_SCORE).contains(s))
                .ok_or_else(|| WebError::BadRequest(lang.s(S::QaNewScore).into()))?;
            Some(s)
        } else {
            None
        };
        if !db.qa_decide_appeal(r.id, u.id, accept, comment, new_score)? {
            return Err(WebError::BadRequest(lang.s(S::QaNoOpenAppeal).into()));
        }
        db.audit(
            Some(u),
            "qa.appeal.decide",
            &format!(
                "review={} decision={} old={} new={}",
                r.id,
                if accept { "accept" } else { "reject" },
                score_text(r.score),
                score_text(new_score)
            ),
        )?;
        Ok((store.store.name, r.id))
    })
    .await;
    match done {
        Ok((store, id)) => back_to_reviews(lang, &store, id),
        Err(page) => page,
    }
}

// ---------------------------------------------------------------------------------------
// /qa/cases

/// `POST /qa/cases`: saves a reviewed chat to the case library.
pub async fn add_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_library(u)?;
        let (r, store) = posted_review(db, u, form)?;
        let good = field(form, "verdict") != "bad";
        let case = db
            .qa_add_case(
                r.id,
                good,
                &tags(field(form, "tags")),
                field(form, "note").trim(),
                u.id,
            )?
            .ok_or_else(|| WebError::missing("没有这条评审", "no such review"))?;
        db.audit(
            Some(u),
            "qa.case",
            &format!(
                "case={case} review={} verdict={}",
                r.id,
                if good { "good" } else { "bad" }
            ),
        )?;
        Ok(store.store.name)
    })
    .await;
    match done {
        Ok(store) => {
            Redirect::to(&format!("/qa/cases?store={}&{}", url(&store), lq(lang))).into_response()
        }
        Err(page) => page,
    }
}

/// `GET /qa/cases?store=&q=`: the case library, searchable by tag or text.
pub async fn cases(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let requested = q.store.clone();
    let query = q.q.clone().unwrap_or_default();
    let loaded = with_db(&state, &user, lang, move |db, u| {
        access::qa_library(u)?;
        let stores = access::allowed(db, u, None)?;
        let store = access::chosen(&stores, requested.as_deref())?;
        let list = db.qa_cases(&[store.store.id], &query)?;
        Ok((stores, names_of(db, store.store.id)?, store, list))
    })
    .await;
    let (stores, names, store, list) = match loaded {
        Ok(l) => l,
        Err(page) => return page,
    };
    let sname = store.store.name.as_str();
    let mut body = store_picker(lang, "/qa/cases", &stores, sname);
    body.push_str(&qa_nav(lang, sname, &user.session.user));
    body.push_str(&format!(
        "<form class=\"filters\" method=\"get\" action=\"/qa/cases\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lc}\">\
         <input type=\"hidden\" name=\"store\" value=\"{s}\">\
         <label>{search}<br><input name=\"q\" value=\"{qv}\"></label>\
         <button type=\"submit\">{search}</button></form>",
        lc = lang.code(),
        s = esc(sname),
        search = esc(lang.s(S::QaSearch)),
        qv = esc(q.q.as_deref().unwrap_or("")),
    ));
    if list.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaNoCases))));
    } else {
        body.push_str(&format!(
            "<div class=\"wrap\"><table class=\"qa-cases\"><thead><tr>{}</tr></thead><tbody>",
            th(
                lang,
                &[
                    S::QaVerdict,
                    S::QaCaseTags,
                    S::QaNote,
                    S::Account,
                    S::Buyer,
                    S::Day,
                    S::QaKind,
                    S::QaScore,
                    S::QaReviewer
                ]
            )
        ));
        for c in &list {
            let account = names.name(c.reception.account);
            let buyer = names.name(c.reception.buyer);
            let href = crate::ui::links::reception_link(sname, account, buyer, c.reception.day);
            body.push_str(&format!(
                "<tr><td>{v}</td><td>{t}</td><td class=\"text\">{n}</td><td>{a}</td>\
                 <td><a href=\"{href}&amp;{lq}\">{b}</a></td><td>{d}</td><td>{k}</td><td>{s}</td><td>{by}</td></tr>",
                v = esc(lang.s(if c.verdict == "good" { S::QaGood } else { S::QaBad })),
                t = esc(&c.tags),
                n = esc(&c.note),
                a = esc(account),
                href = esc(&href),
                lq = lq(lang),
                b = esc(buyer),
                d = c.reception.day,
                k = esc(kind_name(lang, c.kind)),
                s = esc(&score_text(c.score)),
                by = esc(c.created_by.as_deref().unwrap_or("-")),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::QaCases,
        &format!("/qa/cases?store={}", url(sname)),
        &body,
    )
}

// ---------------------------------------------------------------------------------------
// /qa/calibration

/// A reception as a form value: `account-buyer-day` (ids and the day number).
fn reception_value(k: &ReceptionKey) -> String {
    format!("{}-{}-{}", k.account, k.buyer, k.day.0)
}

fn parse_reception(s: &str) -> Option<ReceptionKey> {
    let mut it = s.split('-');
    let account = it.next()?.parse().ok()?;
    let buyer = it.next()?.parse().ok()?;
    let day = Day(it.next()?.parse().ok()?);
    it.next().is_none().then_some(ReceptionKey {
        account,
        buyer,
        day,
    })
}

/// One item's agreement in a calibration session.
struct ItemAgreement {
    name: String,
    metric: Metric,
    /// Per reception (in session order): the values given, for the spread.
    values: Vec<Vec<f64>>,
    alpha: Option<f64>,
}

enum CalibrationView {
    List {
        /// The week whose receptions are offered.
        week: Period,
        sessions: Vec<kefu_store::qa_reviews::CalibrationRow>,
        cards: Vec<StoredScorecard>,
        reviewers: Vec<User>,
        choices: Vec<(ReceptionKey, String)>,
    },
    Results {
        name: String,
        receptions: Vec<ReceptionKey>,
        reviewers: usize,
        done: usize,
        items: Vec<ItemAgreement>,
        scores: ItemAgreement,
    },
}

/// `GET /qa/calibration?store=&id=`: sessions and a new-session form, or one session's
/// spread and Krippendorff's alpha per item.
pub async fn calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let requested = q.store.clone();
    let id = q.id.clone();
    let day = q.day.clone();
    let config = state.config.clone();
    let loaded = with_db(&state, &user, lang, move |db, u| {
        access::qa_manage(u)?;
        let store = store_of(db, u, requested.as_deref())?;
        let names = names_of(db, store.store.id)?;
        let view = match id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => calibration_results(db, &store, number(id, "id")?, lang)?,
            None => {
                let day = match day_param(day.as_deref())? {
                    Some(d) => d,
                    None => default_day(db, &store.store)?,
                };
                // A few receptions to discuss need no month of candidates: the week
                // of the day (an engine run over a week costs a fraction of a month's).
                let period = Period::containing(PeriodKind::Week, day);
                let settings = config.store(&store.store.name).metrics;
                let flagged = flagged_receptions(db, &store.store, period)?;
                let mut c =
                    db.qa_candidates(store.store.id, period.from, period.to, &settings, &flagged)?;
                // The receptions most worth discussing first.
                c.sort_by(|a, b| {
                    let w = |x: &kefu_qa::sampling::Candidate| {
                        x.signals.weight(Mode::Weighted(Weights::default()))
                    };
                    w(b).total_cmp(&w(a)).then(a.key.cmp(&b.key))
                });
                c.truncate(CALIBRATION_CHOICES);
                let choices = c
                    .into_iter()
                    .map(|c| {
                        let label = format!(
                            "{} · {} · {} {}",
                            c.key.day,
                            names.name(c.key.account),
                            names.name(c.key.buyer),
                            signal_names(lang, &c.signals.codes().join(","))
                        );
                        (c.key, label)
                    })
                    .collect();
                let mut reviewers: Vec<User> = Vec::new();
                for kind in ReviewKind::ALL {
                    for (r, _) in access::qa_reviewers(db, store.store.id, kind)? {
                        if !reviewers.iter().any(|x| x.id == r.id) {
                            reviewers.push(r);
                        }
                    }
                }
                CalibrationView::List {
                    week: period,
                    sessions: db.qa_calibrations(store.store.id)?,
                    cards: db.qa_scorecards()?,
                    reviewers,
                    choices,
                }
            }
        };
        Ok((store, names, view))
    })
    .await;
    let (store, names, view) = match loaded {
        Ok(l) => l,
        Err(page) => return page,
    };
    let sname = store.store.name.as_str();
    let mut body = qa_nav(lang, sname, &user.session.user);
    body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaBlind))));
    match view {
        CalibrationView::List {
            week,
            sessions,
            cards,
            reviewers,
            choices,
        } => {
            body.push_str(&format!(
                "<form class=\"filters\" method=\"get\" action=\"/qa/calibration\">\
                 <input type=\"hidden\" name=\"lang\" value=\"{lc}\">\
                 <input type=\"hidden\" name=\"store\" value=\"{s}\">\
                 <label>{pd}<br><input type=\"date\" name=\"day\" value=\"{day}\"></label>\
                 <button type=\"submit\">{show}</button></form><p>{pl}: {week}</p>",
                lc = lang.code(),
                s = esc(sname),
                pd = esc(lang.s(S::QaPeriodDay)),
                day = week.to,
                show = esc(lang.s(S::Show)),
                pl = esc(lang.s(S::QaPeriod)),
                week = esc(&period_label(week)),
            ));
            calibration_list(
                &mut body, lang, &user, sname, &sessions, &cards, &reviewers, &choices,
            );
        }
        CalibrationView::Results {
            name,
            receptions,
            reviewers,
            done,
            items,
            scores,
        } => {
            body.push_str(&format!(
                "<h2>{}</h2><p>{}: {} · {}: {reviewers} · {}: {done}</p>",
                esc(&name),
                esc(lang.s(S::QaReceptionsPick)),
                receptions.len(),
                esc(lang.s(S::QaReviewers)),
                esc(lang.s(S::QaReviewsDone)),
            ));
            let heads: String = receptions
                .iter()
                .map(|k| {
                    format!(
                        "<th>{} · {} · {}</th>",
                        k.day,
                        esc(names.name(k.account)),
                        esc(names.name(k.buyer))
                    )
                })
                .collect();
            body.push_str(&format!(
                "<div class=\"wrap\"><table class=\"qa-calibration\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>{heads}</tr></thead><tbody>",
                esc(lang.s(S::QaItem)),
                esc(lang.s(S::QaMetric)),
                esc(lang.s(S::QaAlpha)),
            ));
            for it in items.iter().chain(std::iter::once(&scores)) {
                let spreads: String = it
                    .values
                    .iter()
                    .map(|v| {
                        let shown = match agreement::spread(v) {
                            Some((lo, hi)) => {
                                format!("{} – {} (n={})", trim_num(lo), trim_num(hi), v.len())
                            }
                            None => "-".into(),
                        };
                        format!("<td>{}</td>", esc(&shown))
                    })
                    .collect();
                body.push_str(&format!(
                    "<tr data-item=\"{n}\"><td>{n}</td><td>{m}</td><td class=\"alpha\">{a}</td>{spreads}</tr>",
                    n = esc(&it.name),
                    m = esc(lang.s(match it.metric {
                        Metric::Nominal => S::QaNominal,
                        Metric::Ordinal => S::QaOrdinal,
                        Metric::Interval => S::QaInterval,
                    })),
                    a = it.alpha.map_or("-".to_string(), |a| format!("{a:.3}")),
                ));
            }
            body.push_str(&format!(
                "</tbody></table></div><p><small>{}</small></p>",
                esc(lang.s(S::QaAlphaNote))
            ));
        }
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::QaCalibration,
        &format!("/qa/calibration?store={}", url(sname)),
        &body,
    )
}

fn trim_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[allow(clippy::too_many_arguments)]
fn calibration_list(
    body: &mut String,
    lang: Lang,
    user: &CurrentUser,
    store: &str,
    sessions: &[kefu_store::qa_reviews::CalibrationRow],
    cards: &[StoredScorecard],
    reviewers: &[User],
    choices: &[(ReceptionKey, String)],
) {
    if sessions.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaNoSession))));
    } else {
        body.push_str(&format!(
            "<table class=\"qa-sessions\"><thead><tr>{}</tr></thead><tbody>",
            th(
                lang,
                &[
                    S::QaCalibrationName,
                    S::QaReceptionsPick,
                    S::QaReviewers,
                    S::QaReviewsDone
                ]
            )
        ));
        for s in sessions {
            body.push_str(&format!(
                "<tr><td><a href=\"/qa/calibration?store={st}&amp;id={id}&amp;{lq}\">{n}</a></td>\
                 <td>{r}</td><td>{v}</td><td>{d}</td></tr>",
                st = esc(&url(store)),
                id = s.id,
                lq = lq(lang),
                n = esc(&s.name),
                r = s.receptions,
                v = s.reviewers,
                d = s.done,
            ));
        }
        body.push_str("</tbody></table>");
    }
    let card_options: String = cards
        .iter()
        .map(|c| {
            format!(
                "<option value=\"{}\">{} v{}</option>",
                c.id,
                esc(lang.t(&c.card.name, &c.card.name_en)),
                c.version
            )
        })
        .collect();
    let reviewer_boxes: String = reviewers
        .iter()
        .map(|u| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"reviewer\" value=\"{}\"> {} <small>({})</small></label> ",
                u.id,
                esc(&u.name),
                u.role.as_str()
            )
        })
        .collect();
    let reception_boxes: String = choices
        .iter()
        .map(|(k, label)| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"reception\" value=\"{}\"> {}</label><br>",
                reception_value(k),
                esc(label)
            )
        })
        .collect();
    body.push_str(&format!(
        "<h2>{new}</h2><form method=\"post\" action=\"/qa/calibration?{lq}\" class=\"qa-calibrate\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"store\" value=\"{s}\">\
         <p><label>{name}<br><input name=\"name\" required maxlength=\"100\"></label> \
         <label>{card}<br><select name=\"scorecard\">{card_options}</select></label></p>\
         <fieldset><legend>{rv}</legend>{reviewer_boxes}</fieldset>\
         <fieldset><legend>{rc}</legend>{reception_boxes}</fieldset>\
         <button type=\"submit\">{new}</button></form>",
        new = esc(lang.s(S::QaCalibrationNew)),
        lq = lq(lang),
        csrf = esc(&user.session.csrf),
        s = esc(store),
        name = esc(lang.s(S::QaCalibrationName)),
        card = esc(lang.s(S::QaScorecard)),
        rv = esc(lang.s(S::QaReviewers)),
        rc = esc(lang.s(S::QaReceptionsPick)),
    ));
}

/// What one reviewer gave one reception in a calibration: the answers and the score.
type Given = (review::Answers, Option<f64>);

/// Spread and alpha per item (and of the whole score) of one session.
fn calibration_results(
    db: &Db,
    store: &Allowed,
    id: i64,
    lang: Lang,
) -> Result<CalibrationView, WebError> {
    let missing = || WebError::missing("没有这次校准", "no such calibration");
    let session = db
        .qa_calibrations(store.store.id)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(missing)?;
    let card = db
        .qa_scorecard(session.scorecard_id)?
        .ok_or_else(missing)?
        .card;
    let assignments = db.qa_assignments(store.store.id, None, Some(id))?;
    let mut receptions: Vec<ReceptionKey> = assignments.iter().map(|a| a.reception).collect();
    receptions.sort();
    receptions.dedup();
    let reviews = db.qa_calibration_reviews(id)?;
    let mut by_reception: BTreeMap<ReceptionKey, Vec<Given>> = BTreeMap::new();
    for r in &reviews {
        let answers = review::decode_answers(&card, &r.answers).unwrap_or_default();
        by_reception
            .entry(r.reception)
            .or_default()
            .push((answers, r.score));
    }
    let unit = |f: &dyn Fn(&Given) -> Option<f64>| -> Vec<Vec<f64>> {
        receptions
            .iter()
            .map(|k| {
                by_reception
                    .get(k)
                    .map_or(Vec::new(), |v| v.iter().filter_map(f).collect())
            })
            .collect()
    };
    let items = card
        .items()
        .map(|item| {
            let values = unit(&|(a, _)| a.get(&item.id).and_then(|x| x.number()));
            let metric = item.scale.metric();
            ItemAgreement {
                name: item_name(lang, item).to_string(),
                metric,
                alpha: agreement::alpha(&values, metric),
                values,
            }
        })
        .collect();
    let score_values = unit(&|(_, s)| *s);
    let scores = ItemAgreement {
        name: lang.s(S::QaScore).to_string(),
        metric: Metric::Interval,
        alpha: agreement::alpha(&score_values, Metric::Interval),
        values: score_values,
    };
    let reviewers: HashSet<i64> = assignments.iter().map(|a| a.reviewer_id).collect();
    Ok(CalibrationView::Results {
        name: session.name,
        receptions,
        reviewers: reviewers.len(),
        done: reviews.len(),
        items,
        scores,
    })
}

/// `POST /qa/calibration`: a new session — every chosen reviewer gets every chosen reception.
pub async fn create_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_manage(u)?;
        let store = store_of(db, u, Some(field(form, "store")))?;
        let name = field(form, "name").trim();
        if name.is_empty() {
            return Err(WebError::BadRequest(lang.s(S::QaCalibrationName).into()));
        }
        let card_id = number(field(form, "scorecard"), "scorecard")?;
        let card = db
            .qa_scorecard(card_id)?
            .ok_or_else(|| WebError::missing("没有这张评分表", "no such scorecard"))?;
        let receptions: Vec<ReceptionKey> = fields(form, "reception")
            .into_iter()
            .map(|v| {
                parse_reception(v).ok_or_else(|| {
                    WebError::invalid(
                        format!("`{v}` 不是一次接待"),
                        format!("`{v}` is not a reception"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let picked: Vec<i64> = fields(form, "reviewer")
            .into_iter()
            .map(|v| number(v, "reviewer"))
            .collect::<Result<_, _>>()?;
        let mut eligible = HashMap::new();
        for kind in ReviewKind::ALL {
            for (r, own) in access::qa_reviewers(db, store.store.id, kind)? {
                eligible.insert(r.id, own);
            }
        }
        if picked.len() < 2 || receptions.is_empty() {
            return Err(WebError::BadRequest(lang.s(S::QaCalibrationNeeds).into()));
        }
        for r in &picked {
            let own = eligible
                .get(r)
                .ok_or_else(|| WebError::BadRequest(lang.s(S::QaPickReviewers).into()))?;
            // Nobody calibrates on their own chats.
            if receptions.iter().any(|k| own.contains(&k.account)) {
                return Err(WebError::BadRequest(lang.s(S::QaPickReviewers).into()));
            }
        }
        let day = receptions.iter().map(|k| k.day).max().unwrap_or(Day(0));
        let period = Period::containing(db.qa_period(store.store.id)?, day);
        let id = db.qa_create_calibration(
            store.store.id,
            name,
            &card,
            u.id,
            period,
            &receptions,
            &picked,
        )?;
        db.audit(
            Some(u),
            "qa.calibration",
            &format!(
                "calibration={id} store={} receptions={} reviewers={}",
                store.store.name,
                receptions.len(),
                picked.len()
            ),
        )?;
        Ok((store.store.name, id))
    })
    .await;
    match done {
        Ok((store, id)) => Redirect::to(&format!(
            "/qa/calibration?store={}&id={id}&{}",
            url(&store),
            lq(lang)
        ))
        .into_response(),
        Err(page) => page,
    }
}

// ---------------------------------------------------------------------------------------
// /qa/scorecards

fn scorecards_body(
    lang: Lang,
    user: &CurrentUser,
    cards: &[StoredScorecard],
    source: &str,
    error: Option<&str>,
) -> String {
    let mut body = String::new();
    if let Some(e) = error {
        body.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)));
    }
    body.push_str(&format!(
        "<table class=\"qa-cards\"><thead><tr>{}</tr></thead><tbody>",
        th(lang, &[S::QaScorecard, S::QaKind, S::QaVersion, S::QaItem])
    ));
    for c in cards {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(lang.t(&c.card.name, &c.card.name_en)),
            esc(kind_name(lang, c.card.kind)),
            c.version,
            c.card.items().count()
        ));
    }
    body.push_str(&format!(
        "</tbody></table><p>{note}</p>\
         <form method=\"post\" action=\"/qa/scorecards?{lq}\" class=\"qa-scorecards\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <textarea name=\"source\" rows=\"30\" cols=\"100\" spellcheck=\"false\">{src}</textarea>\
         <p><button type=\"submit\">{save}</button></p></form>",
        note = esc(lang.s(S::QaScorecardNote)),
        lq = lq(lang),
        csrf = esc(&user.session.csrf),
        src = esc(source),
        save = esc(lang.s(S::QaSave)),
    ));
    body
}

/// `GET /qa/scorecards`: the scorecards in force and their file, for admins to edit.
pub async fn scorecards(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let loaded = with_db(&state, &user, lang, move |db, u| {
        access::admin(u)?;
        Ok((db.qa_scorecards()?, db.qa_scorecard_source()?))
    })
    .await;
    match loaded {
        Ok((cards, source)) => {
            let body = scorecards_body(lang, &user, &cards, &source, None);
            framed(
                lang,
                &user,
                StatusCode::OK,
                S::QaScorecard,
                "/qa/scorecards",
                &body,
            )
        }
        Err(page) => page,
    }
}

/// `POST /qa/scorecards`: saves the file; each changed card becomes a new version (old
/// reviews keep theirs). A file that does not parse is shown again with its line and field.
pub async fn save_scorecards(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        let source = field(form, "source").replace("\r\n", "\n");
        access::admin(u)?;
        let saved = db.qa_save_scorecards(&source);
        if let Ok(changed) = &saved {
            db.audit(
                Some(u),
                "qa.scorecards",
                &format!("changed={}", changed.join(",")),
            )?;
        }
        Ok((saved, db.qa_scorecards()?, source))
    })
    .await;
    match done {
        Ok((Ok(_), _, _)) => Redirect::to(&format!("/qa/scorecards?{}", lq(lang))).into_response(),
        Ok((Err(message), cards, source)) => {
            let body = scorecards_body(lang, &user, &cards, &source, Some(&message));
            framed(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::QaScorecard,
                "/qa/scorecards",
                &body,
            )
        }
        Err(page) => page,
    }
}

// ---------------------------------------------------------------------------------------
// /qa/summary

/// One summary row: an agent, a group (`""`: the people without one) or the store.
pub(crate) struct SummaryRow {
    pub(crate) label: String,
    pub(crate) reviews: usize,
    pub(crate) score: Option<f64>,
    pub(crate) weak: Vec<SummaryItem>,
    pub(crate) strong: Vec<SummaryItem>,
    pub(crate) trend: Vec<(Period, Option<f64>)>,
}

/// A scorecard item's mean over a summary row's reviews (0…1), with its names.
pub(crate) struct SummaryItem {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) name_en: String,
    pub(crate) mean: f64,
}

impl SummaryItem {
    fn text(&self, lang: Lang) -> String {
        format!(
            "{} {:.0}%",
            lang.t(&self.name, &self.name_en),
            self.mean * 100.0
        )
    }
}

/// What `/qa/summary` and `/api/v1/qa/summary` show.
pub(crate) struct SummaryPage {
    pub(crate) stores: Vec<Allowed>,
    pub(crate) store: Allowed,
    pub(crate) kind: PeriodKind,
    pub(crate) period: Period,
    pub(crate) by: &'static str,
    pub(crate) rows: Vec<SummaryRow>,
    pub(crate) workload: Option<Vec<kefu_store::qa_reviews::Workload>>,
}

/// The QA summary of the requested store for `user` (`store`, `by`, `period`, `day` of `q`).
pub(crate) fn load_summary(db: &Db, user: &User, q: &QaQuery) -> Result<SummaryPage, WebError> {
    let stores = access::allowed(db, user, None)?;
    let store = access::chosen(&stores, q.store.as_deref())?;
    let kind = match q.period.as_deref().and_then(PeriodKind::parse) {
        Some(k) => k,
        None => db.qa_period(store.store.id)?,
    };
    let day = match day_param(q.day.as_deref())? {
        Some(d) => d,
        None => default_day(db, &store.store)?,
    };
    let current = Period::containing(kind, day);
    let mut first = current;
    for _ in 0..TREND_PERIODS {
        first = first.previous(kind);
    }
    // Agents see their own accounts only, so only by agent.
    let by: &'static str = match (q.by.as_deref(), &store.rows) {
        (_, access::Rows::Accounts(_)) => "agent",
        (Some("group"), _) => "group",
        (Some("store"), _) => "store",
        _ => "agent",
    };
    let filter = ReviewFilter {
        from: Some(first.from),
        to: Some(current.to),
        calibration: Some(false),
        ..ReviewFilter::default()
    };
    let names = names_of(db, store.store.id)?;
    let accounts = db.accounts(store.store.id)?;
    let newest = db.qa_scorecards()?;
    let mut cards = Cards::default();
    let mut grouped: BTreeMap<String, Vec<ReviewFact>> = BTreeMap::new();
    for r in db.qa_reviews(store.store.id, &filter)? {
        if !store.rows.account(r.reception.account) {
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
            "group" => accounts
                .iter()
                .find(|a| a.id == r.reception.account)
                .and_then(|a| a.group.clone())
                .unwrap_or_default(),
            "store" => store.store.name.clone(),
            _ => names.name(r.reception.account).to_string(),
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
    let workload = if access::qa_library(user).is_ok() {
        Some(db.qa_workload(store.store.id, current.from)?)
    } else {
        None
    };
    Ok(SummaryPage {
        stores,
        store,
        kind,
        period: current,
        by,
        rows,
        workload,
    })
}

/// `GET /qa/summary?store=&by=agent|group|store&period=week|month&day=`: QA score (mean of
/// counted review scores), top weaknesses and strengths, the trend over the previous
/// periods, and the reviewers' workload against their goals.
pub async fn summary_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let loaded = state.db(move |db| load_summary(db, &u, &q)).await;
    let p = match loaded {
        Ok(p) => p,
        Err(e) => return error_page(lang, &user, e),
    };
    let sname = p.store.store.name.as_str();
    let mut body = store_picker(lang, "/qa/summary", &p.stores, sname);
    body.push_str(&qa_nav(lang, sname, &user.session.user));
    let opt = |v: &str, label: S, on: bool| {
        format!(
            "<option value=\"{v}\"{}>{}</option>",
            if on { " selected" } else { "" },
            esc(lang.s(label))
        )
    };
    body.push_str(&format!(
        "<form class=\"filters\" method=\"get\" action=\"/qa/summary\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lc}\">\
         <input type=\"hidden\" name=\"store\" value=\"{s}\">\
         <label>{byl}<br><select name=\"by\">{a}{g}{st}</select></label>\
         <label>{pl}<br><select name=\"period\">{w}{m}</select></label>\
         <label>{dl}<br><input type=\"date\" name=\"day\" value=\"{day}\"></label>\
         <button type=\"submit\">{show}</button></form>\
         <p>{pl}: <strong class=\"qa-period\">{period}</strong></p>",
        lc = lang.code(),
        s = esc(sname),
        byl = esc(lang.s(S::QaBy)),
        a = opt("agent", S::Account, p.by == "agent"),
        g = opt("group", S::Group, p.by == "group"),
        st = opt("store", S::Store, p.by == "store"),
        pl = esc(lang.s(S::QaPeriod)),
        w = opt("week", S::QaWeek, p.kind == PeriodKind::Week),
        m = opt("month", S::QaMonth, p.kind == PeriodKind::Month),
        dl = esc(lang.s(S::QaPeriodDay)),
        day = p.period.to,
        show = esc(lang.s(S::Show)),
        period = esc(&period_label(p.period)),
    ));
    let first = match p.by {
        "group" => S::Group,
        "store" => S::Store,
        _ => S::Account,
    };
    if p.rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::QaNoReviews))));
    } else {
        body.push_str(&format!(
            "<div class=\"wrap\"><table class=\"qa-summary\"><thead><tr>{}</tr></thead><tbody>",
            th(
                lang,
                &[
                    first,
                    S::QaReviewCount,
                    S::QaScore,
                    S::QaTopWeak,
                    S::QaTopStrong,
                    S::QaTrend
                ]
            )
        ));
        for r in &p.rows {
            let trend: Vec<String> = r
                .trend
                .iter()
                .map(|(period, s)| format!("{}: {}", period.from, score_text(*s)))
                .collect();
            let items = |list: &[SummaryItem]| -> String {
                let texts: Vec<String> = list.iter().map(|i| i.text(lang)).collect();
                texts.join(lang.t("；", "; "))
            };
            let label = if r.label.is_empty() {
                lang.s(S::NoGroup)
            } else {
                r.label.as_str()
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"qa-score\">{}</td><td class=\"text\">{}</td>\
                 <td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
                esc(label),
                r.reviews,
                esc(&score_text(r.score)),
                esc(&items(&r.weak)),
                esc(&items(&r.strong)),
                esc(&trend.join(" → ")),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    if let Some(w) = &p.workload {
        workload_table(&mut body, lang, w);
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::QaSummary,
        &format!("/qa/summary?store={}", url(sname)),
        &body,
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
