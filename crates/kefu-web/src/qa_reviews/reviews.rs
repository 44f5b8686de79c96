//! /qa/reviews

use super::*;

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
pub(super) fn review_entry(
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
pub(super) fn posted_review(
    db: &Db,
    user: &User,
    form: &Pairs,
) -> Result<(ReviewRow, Allowed), WebError> {
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

pub(super) fn back_to_reviews(lang: Lang, store: &str, review: i64) -> Response {
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
