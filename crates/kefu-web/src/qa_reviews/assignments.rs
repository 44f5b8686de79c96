//! /qa/assignments

use kefu_store::qa_auto::{AutoReview, MAX_DAILY_CAP};

use super::*;

pub(super) struct AssignmentsPage {
    stores: Vec<StoreScope>,
    store: StoreScope,
    names: Names,
    mine: Vec<AssignmentRow>,
    manage: Option<Manage>,
}

pub(super) struct Manage {
    period_kind: PeriodKind,
    day: Day,
    reviewers: Vec<(ReviewKind, User)>,
    accounts: Vec<kefu_store::AccountInfo>,
    all: Vec<AssignmentRow>,
    workload: Vec<kefu_store::qa_reviews::Workload>,
    auto: AutoReview,
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
        let names = store.names(db)?;
        let mine = store.my_assignments(db, u)?;
        let manage = if access::qa_manager(u) {
            let period_kind = store.qa_period(db)?;
            let day = store.last_day(db)?;
            let mut reviewers = Vec::new();
            for kind in ReviewKind::ALL {
                for (user, _) in store.reviewers(db, kind)? {
                    reviewers.push((kind, user));
                }
            }
            let period = Period::containing(period_kind, day);
            Some(Manage {
                period_kind,
                day,
                reviewers,
                accounts: store
                    .roster(db)?
                    .into_iter()
                    .filter(|a| !a.is_bot)
                    .collect(),
                all: store.assignments(db)?,
                workload: store.workload(db, period.from)?,
                auto: store.auto_review(db)?,
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
    let sname = p.store.name().to_string();
    let mine: Vec<&AssignmentRow> = p.mine.iter().collect();
    let body = html! {
        (store_picker(lang, "/qa/assignments", &p.stores, &sname))
        (qa_nav(lang, &sname, &user.session.user))
        @if let Some(n) = q.added.as_deref() {
            p.notice role="status" { (lang.s(S::QaAdded)) (n) }
        }
        @if q.sent.as_deref() == Some("1") {
            p.notice role="status" { (lang.s(S::SentToQaNotice)) }
        }
        h2 { (lang.s(S::QaMyAssignments)) }
        (assignment_table(lang, &p.names, &mine, false))
        @if let Some(m) = &p.manage {
            (manage_forms(lang, &user, &sname, m))
            h2 { (lang.s(S::QaAllAssignments)) }
            @let all: Vec<&AssignmentRow> = m.all.iter().collect();
            (assignment_table(lang, &p.names, &all, true))
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::QaAssignments,
        &format!("/qa/assignments?store={}", url(&sname)),
        body,
    )
}

pub(super) fn assignment_table(
    lang: Lang,
    names: &Names,
    list: &[&AssignmentRow],
    with_reviewer: bool,
) -> Markup {
    if list.is_empty() {
        return html! { p { (lang.s(S::QaNoAssignments)) } };
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
    html! {
        div.wrap {
            table.qa-assignments {
                thead { tr { (th(lang, &head)) } }
                tbody {
                    @for a in list {
                        @let done = a.review_id.is_some();
                        tr {
                            td { (period_label(a.period)) }
                            td {
                                (kind_name(lang, a.kind))
                                @if a.calibration_id.is_some() {
                                    " (" (lang.s(S::QaCalibrationMark)) ")"
                                }
                            }
                            @if with_reviewer {
                                td { (a.reviewer) }
                            }
                            td { (names.name(a.reception.account)) }
                            td { (names.name(a.reception.buyer)) }
                            td { (a.reception.day) }
                            td { (signal_names(lang, &a.signals)) }
                            td { (lang.s(if done { S::QaDone } else { S::QaOpen })) }
                            td {
                                a href={ "/qa/review?id=" (a.id) "&" (lq(lang)) } {
                                    (lang.s(if done { S::QaView } else { S::QaStart }))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn manage_forms(lang: Lang, user: &CurrentUser, store: &str, m: &Manage) -> Markup {
    let csrf = user.session.csrf.as_str();
    let period = Period::containing(m.period_kind, m.day);
    html! {
        h2 { (lang.s(S::QaGenerate)) }
        form method="post" action={ "/qa/assignments?" (lq(lang)) } class="filters qa-generate" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            label { (lang.s(S::QaPeriodDay)) br; input type="date" name="day" value=(m.day); }
            label {
                (lang.s(S::QaKind)) br;
                (choices(
                    lang,
                    "kind",
                    &[("weakness", S::QaWeakness, false), ("strength", S::QaStrength, false)],
                ))
            }
            label {
                (lang.s(S::QaGoal)) br;
                input type="number" name="goal" min="1" max="1000" value="5";
            }
            label {
                (lang.s(S::QaMode)) br;
                (choices(
                    lang,
                    "mode",
                    &[("weighted", S::QaWeighted, false), ("random", S::QaRandom, false)],
                ))
            }
            label {
                (lang.s(S::Account)) br;
                select name="account" {
                    option value="" { (lang.s(S::QaAllAccounts)) }
                    @for a in &m.accounts {
                        option value=(a.id) { (a.name) }
                    }
                }
            }
            label.check {
                input type="checkbox" name="cross_group" value="on";
                " " (lang.s(S::QaCrossGroup))
            }
            label {
                (lang.s(S::QaSeed)) br;
                input type="number" name="seed" min="0" placeholder=(period.from.0);
            }
            fieldset {
                legend { (lang.s(S::QaReviewers)) }
                @for (kind, u) in &m.reviewers {
                    label.check {
                        input type="checkbox" name="reviewer" value=(u.id);
                        " " (u.name) " "
                        small { "(" (crate::ui::format::user_role(lang, u.role)) "; " (kind_name(lang, *kind)) ")" }
                    }
                    " "
                }
            }
            button type="submit" { (lang.s(S::QaGenerate)) }
        }
        p {
            (lang.s(S::QaPeriodSetting)) ": " (period_label(period))
            " (" (lang.s(period_kind_s(m.period_kind))) ")"
        }
        form method="post" action={ "/qa/period?" (lq(lang)) } class="filters" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            label {
                (lang.s(S::QaPeriodSetting)) br;
                (choices(
                    lang,
                    "period",
                    &[
                        ("week", S::QaWeek, m.period_kind == PeriodKind::Week),
                        ("month", S::QaMonth, m.period_kind == PeriodKind::Month),
                    ],
                ))
            }
            button type="submit" { (lang.s(S::QaSave)) }
        }
        (workload_table(lang, period, true, &m.workload))
        (auto_review_form(lang, csrf, store, m))
    }
}

/// The store's automatic review tasks: which triggers open them, the daily cap per reviewer
/// and who receives them (weakness reviewers).
fn auto_review_form(lang: Lang, csrf: &str, store: &str, m: &Manage) -> Markup {
    let a = &m.auto;
    html! {
        h2 { (lang.s(S::QaAutoReview)) }
        p { small { (lang.s(S::QaAutoReviewHelp)) } }
        form method="post" action={ "/qa/auto-review?" (lq(lang)) } class="filters qa-auto" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store);
            fieldset {
                legend { (lang.s(S::QaAutoTriggers)) }
                label.check {
                    input type="checkbox" name="low_rating" value="on" checked[a.low_rating];
                    " " (lang.s(S::QaAutoLowRating))
                }
                " "
                label.check {
                    input type="checkbox" name="refund" value="on" checked[a.refund];
                    " " (lang.s(S::QaAutoRefund))
                }
                " "
                label.check {
                    input type="checkbox" name="critical" value="on" checked[a.critical];
                    " " (lang.s(S::QaAutoCritical))
                }
            }
            label {
                (lang.s(S::QaAutoCap)) br;
                input type="number" name="daily_cap" min="1" max=(MAX_DAILY_CAP) value=(a.daily_cap);
            }
            fieldset {
                legend { (lang.s(S::QaReviewers)) }
                @for (kind, u) in m.reviewers.iter().filter(|(k, _)| *k == ReviewKind::Weakness) {
                    label.check {
                        input type="checkbox" name="reviewer" value=(u.id) checked[a.reviewers.contains(&u.id)];
                        " " (u.name) " "
                        small { "(" (crate::ui::format::user_role(lang, u.role)) "; " (kind_name(lang, *kind)) ")" }
                    }
                    " "
                }
            }
            button type="submit" { (lang.s(S::QaSave)) }
        }
    }
}

/// `POST /qa/auto-review`: saves the store's automatic review tasks.
pub async fn set_auto_review(
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
        let cap = number(field(form, "daily_cap"), "daily_cap")?;
        if !(1..=i64::from(MAX_DAILY_CAP)).contains(&cap) {
            return Err(WebError::invalid(
                "`daily_cap` 为 1 到 1000",
                "`daily_cap` is 1 to 1000",
            ));
        }
        let picked: Vec<i64> = fields(form, "reviewer")
            .into_iter()
            .map(|v| number(v, "reviewer"))
            .collect::<Result<_, _>>()?;
        let eligible = store.reviewers(db, ReviewKind::Weakness)?;
        if picked
            .iter()
            .any(|id| !eligible.iter().any(|(r, _)| r.id == *id))
        {
            return Err(WebError::BadRequest(lang.s(S::QaPickReviewers).into()));
        }
        let on = |name: &str| field(form, name) == "on";
        let settings = AutoReview {
            low_rating: on("low_rating"),
            refund: on("refund"),
            critical: on("critical"),
            // Checked above: 1..=1000.
            daily_cap: cap as u32,
            reviewers: picked,
        };
        store.set_auto_review(db, &settings)?;
        db.audit(
            Some(u),
            "qa.auto_review",
            &format!(
                "store={} low_rating={} refund={} critical={} daily_cap={} reviewers={}",
                store.name(),
                settings.low_rating,
                settings.refund,
                settings.critical,
                settings.daily_cap,
                settings
                    .reviewers
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )?;
        Ok(store.name().to_string())
    })
    .await;
    back_to_assignments(lang, done)
}

pub(super) fn period_kind_s(k: PeriodKind) -> S {
    match k {
        PeriodKind::Week => S::QaWeek,
        PeriodKind::Month => S::QaMonth,
    }
}

/// The reviewers' goals and progress in `period`, its dates in the heading; `current`: it is
/// this period (本期, the QA period holding the last day with data: the one tasks are drawn
/// and sent for).
pub(super) fn workload_table(
    lang: Lang,
    period: Period,
    current: bool,
    w: &[kefu_store::qa_reviews::Workload],
) -> Markup {
    html! {
        h2.qa-workload-period {
            (lang.s(S::QaWorkload)) " · "
            @if current { (lang.s(S::Current)) " " }
            (period_label(period))
        }
        @if w.is_empty() {
            p { (lang.s(S::QaNoAssignments)) }
        } @else {
            table.qa-workload {
                thead { tr { (th(lang, &[S::QaReviewer, S::QaGoal, S::QaAssigned, S::QaDone])) } }
                tbody {
                    @for x in w {
                        tr { td { (x.reviewer) } td { (x.goal) } td { (x.assigned) } td { (x.done) } }
                    }
                }
            }
        }
    }
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
        let day = day_param(Some(field(form, "day")))?;
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
        let eligible = store.reviewers(db, kind)?;
        let chosen: Vec<&(User, Vec<NameId>)> = eligible
            .iter()
            .filter(|(r, _)| picked.contains(&r.id))
            .collect();
        if chosen.is_empty() || chosen.len() != picked.len() {
            return Err(WebError::BadRequest(lang.s(S::QaPickReviewers).into()));
        }
        let only = field(form, "account").trim();
        let account = match only {
            "" => None,
            id => Some(number(id, "account")?),
        };
        let seed = match field(form, "seed").trim() {
            "" => None,
            s => Some(number(s, "seed")? as u64),
        };
        let draw = kefu_app::qa::Draw {
            kind,
            day,
            goal: goal as usize,
            reviewers: chosen.iter().map(|(r, own)| (r.id, own.clone())).collect(),
            account,
            seed,
            mode: if field(form, "mode") == "random" {
                Mode::Random
            } else {
                Mode::Weighted(Weights::default())
            },
            cross_group: field(form, "cross_group") == "on",
        };
        let settings = config.store(store.name()).metrics;
        let kefu_app::qa::Drawn {
            period,
            seed,
            added,
        } = store.draw_assignments(db, &settings, &draw)?;
        db.audit(
            Some(u),
            "qa.assign",
            &format!(
                "store={} period={} kind={} reviewers={} goal={goal} seed={seed} added={added}",
                store.name(),
                period.from,
                kind.as_str(),
                picked
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )?;
        Ok((store.name().to_string(), added))
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
        store.set_qa_period(db, kind)?;
        db.audit(
            Some(u),
            "qa.period",
            &format!("store={} period={}", store.name(), kind.as_str()),
        )?;
        Ok(store.name().to_string())
    })
    .await;
    back_to_assignments(lang, done)
}

/// After a saved setting: back to the store's assignments page, or the error page.
fn back_to_assignments(lang: Lang, done: Result<String, Response>) -> Response {
    back_to("/qa/assignments", "", lang, done)
}
