//! /qa/assignments

use super::*;

pub(super) struct AssignmentsPage {
    stores: Vec<Allowed>,
    store: Allowed,
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

pub(super) fn assignment_table(
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

pub(super) fn manage_forms(
    body: &mut String,
    lang: Lang,
    user: &CurrentUser,
    store: &str,
    m: &Manage,
) {
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

pub(super) fn period_kind_s(k: PeriodKind) -> S {
    match k {
        PeriodKind::Week => S::QaWeek,
        PeriodKind::Month => S::QaMonth,
    }
}

pub(super) fn workload_table(
    body: &mut String,
    lang: Lang,
    w: &[kefu_store::qa_reviews::Workload],
) {
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
