//! /qa/reviews

use super::*;

/// What `/qa/reviews` and `/api/v1/qa/reviews` show.
pub(crate) struct ReviewsPage {
    pub(crate) stores: Vec<StoreScope>,
    pub(crate) store: StoreScope,
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
    let mut cards = kefu_app::qa::Scorecards::default();
    let mut reviews = Vec::new();
    for r in store.reviews_seen(db, user, &filter)? {
        let card = cards.get(db, r.scorecard_id)?.cloned();
        reviews.push((r, card));
    }
    Ok(ReviewsPage {
        names: store.names(db)?,
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
    let sname = p.store.name().to_string();
    let open = p
        .reviews
        .iter()
        .filter(|(r, _)| {
            r.appeal
                .as_ref()
                .is_some_and(|a| a.status == AppealStatus::Open)
        })
        .count();
    let body = html! {
        (store_picker(lang, "/qa/reviews", &p.stores, &sname))
        (qa_nav(lang, &sname, me))
        @if access::qa_manager(me) {
            h2 { (lang.s(S::QaOpenAppeals)) ": " (open) }
        }
        @if p.reviews.is_empty() {
            p { (lang.s(S::QaNoReviews)) }
        }
        @for (r, card) in &p.reviews {
            (review_entry(lang, &user, &p.store, &p.names, r, card.as_ref()))
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::QaReviews,
        &format!("/qa/reviews?store={}", url(&sname)),
        body,
    )
}

/// The items a review marks: below full marks for a weakness review, above zero for a
/// strength review, with their answers.
fn marked_items(lang: Lang, card: &Scorecard, r: &ReviewRow) -> Vec<String> {
    let answers = review::decode_answers(card, &r.answers).unwrap_or_default();
    card.items()
        .filter_map(|i| {
            let a = *answers.get(&i.id)?;
            let v = a.value(i.scale)?;
            let shown = match r.kind {
                ReviewKind::Weakness => v < 1.0,
                ReviewKind::Strength => v > 0.0,
            };
            shown.then(|| format!("{} ({})", item_name(lang, i), answer_text(lang, a, i.scale)))
        })
        .collect()
}

pub(super) fn review_entry(
    lang: Lang,
    user: &CurrentUser,
    store: &StoreScope,
    names: &Names,
    r: &ReviewRow,
    card: Option<&Scorecard>,
) -> Markup {
    let me = &user.session.user;
    let csrf = user.session.csrf.as_str();
    let score = match &r.appeal {
        Some(a) if a.status == AppealStatus::Accepted && a.new_score.is_some() => format!(
            "{} → {}",
            score_text(r.score),
            score_text(r.counted_score())
        ),
        _ => score_text(r.score),
    };
    let low_label = lang.s(match r.kind {
        ReviewKind::Weakness => S::QaTopWeak,
        ReviewKind::Strength => S::QaTopStrong,
    });
    html! {
        section.qa-entry id={ "review-" (r.id) } {
            h3 {
                (r.reception.day) " · " (names.name(r.reception.account)) " · "
                (names.name(r.reception.buyer)) " · " (kind_name(lang, r.kind))
            }
            p {
                (lang.s(S::QaReviewer)) ": " (r.reviewer.as_deref().unwrap_or("-")) " · "
                (lang.s(S::QaScore)) ": " strong.qa-score { (score) } " · "
                a href={ "/qa/review?id=" (r.assignment_id) "&" (lq(lang)) } { (lang.s(S::QaView)) }
            }
            @if let Some(card) = card {
                @if !r.failed_critical.is_empty() {
                    p.error {
                        (lang.s(S::QaAutoFail)) (critical_names(lang, card, &r.failed_critical))
                    }
                }
                @let low = marked_items(lang, card, r);
                @if !low.is_empty() {
                    p { strong { (low_label) ":" } " " (low.join(lang.t("；", "; "))) }
                }
            }
            (note_block(lang, r))
            @match &r.appeal {
                Some(a) => {
                    p.qa-appeal {
                        strong { (lang.s(S::QaAppealStatus)) ":" } " "
                        span.status { (lang.s(appeal_status(a.status))) }
                        " — " (a.reason)
                        @if let Some(c) = &a.comment {
                            " · " (lang.s(S::QaComment)) " ("
                            (a.decided_by.as_deref().unwrap_or("-")) "): " (c)
                        }
                    }
                    @if a.status == AppealStatus::Open && access::qa_manager(me) {
                        (review_form_post(lang, "/qa/decide", "qa-decide", csrf, r.id, html! {
                            label {
                                (lang.s(S::QaComment)) br;
                                input name="comment" required maxlength="2000";
                            }
                            label {
                                (lang.s(S::QaNewScore)) br;
                                input name="new_score" type="number" step="0.1" min="0" max=(MAX_SCORE);
                            }
                            button type="submit" name="decision" value="accept" { (lang.s(S::QaAccept)) }
                            button type="submit" name="decision" value="reject" { (lang.s(S::QaReject)) }
                        }))
                    }
                }
                None if access::qa_may_appeal(me, store, r.reception.account) => {
                    (review_form_post(lang, "/qa/appeal", "qa-appeal-form", csrf, r.id, html! {
                        label {
                            (lang.s(S::QaAppealReason)) br;
                            input name="reason" required maxlength="2000";
                        }
                        button type="submit" { (lang.s(S::QaAppeal)) }
                    }))
                    p { small { (lang.s(S::QaAppealOnce)) } }
                }
                None => {}
            }
            @if access::qa_library(me).is_ok() {
                (review_form_post(lang, "/qa/cases", "qa-case-form", csrf, r.id, html! {
                    label {
                        (lang.s(S::QaVerdict)) br;
                        (choices(lang, "verdict", &[("good", S::QaGood, false), ("bad", S::QaBad, false)]))
                    }
                    label { (lang.s(S::QaCaseTags)) br; input name="tags" maxlength="200"; }
                    label { (lang.s(S::QaNote)) br; input name="note" maxlength="2000"; }
                    button type="submit" { (lang.s(S::QaSaveCase)) }
                }))
            }
        }
    }
}

/// A form about one review (`review`) posted to `action`, with `fields`.
fn review_form_post(
    lang: Lang,
    action: &str,
    class: &str,
    csrf: &str,
    review: i64,
    fields: Markup,
) -> Markup {
    html! {
        form method="post" action={ (action) "?" (lq(lang)) } class={ "filters " (class) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="review" value=(review);
            (fields)
        }
    }
}

fn appeal_status(s: AppealStatus) -> S {
    match s {
        AppealStatus::Open => S::QaAppealOpen,
        AppealStatus::Accepted => S::QaAppealAccepted,
        AppealStatus::Rejected => S::QaAppealRejected,
    }
}

/// Loads the review a form names (`review`) when the user may see it, with its store.
pub(super) fn posted_review(
    db: &Db,
    user: &User,
    form: &Pairs,
) -> Result<(ReviewRow, StoreScope), WebError> {
    let id = number(field(form, "review"), "review")?;
    access::review(db, user, id)
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
        Ok((store.name().to_string(), r.id))
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
        Ok((store.name().to_string(), r.id))
    })
    .await;
    match done {
        Ok((store, id)) => back_to_reviews(lang, &store, id),
        Err(page) => page,
    }
}
