//! /qa/review

use super::*;

pub(super) struct ReviewPage {
    store: StoreScope,
    a: AssignmentRow,
    review: Option<ReviewRow>,
    card: StoredScorecard,
    account: String,
    buyer: String,
    reception: Option<ReceptionView>,
    marks: crate::ui::transcript::QaMarks,
}

/// Loads an assignment the user may see, with its scorecard and transcript.
pub(super) fn load_review_page(
    db: &Db,
    user: &User,
    id: i64,
    config: &kefu_app::settings::LiveConfig,
) -> Result<ReviewPage, WebError> {
    let (a, store) = access::assignment(db, user, id)?;
    let review = store.review_of(db, &a)?;
    let card = card_for(db, &store, &a, review.as_ref())?;
    let names = store.names(db)?;
    let settings = config.store(store.name()).metrics;
    let x = store
        .explain(
            db,
            a.reception.account,
            a.reception.day,
            Some(a.reception.buyer),
            &settings,
        )
        .map_err(crate::report::explain_error)?;
    let marks = store.qa_marks(db, a.reception.day, a.reception.account, a.reception.buyer)?;
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
    let transcript = p
        .reception
        .as_ref()
        .map(|r| crate::ui::transcript::reception_transcript(lang, r, &p.marks));
    let body = html! {
        (qa_nav(lang, p.store.name(), &user.session.user))
        table.facts {
            tbody {
                tr { th { (lang.s(S::Store)) } td { (p.store.name()) } }
                tr { th { (lang.s(S::Account)) } td { (p.account) } }
                tr { th { (lang.s(S::Buyer)) } td { (p.buyer) } }
                tr { th { (lang.s(S::Day)) } td { (p.a.reception.day) } }
                tr {
                    th { (lang.s(S::QaKind)) }
                    td {
                        (kind_name(lang, p.a.kind))
                        @if p.a.calibration_id.is_some() {
                            " (" (lang.s(S::QaCalibrationMark)) ")"
                        }
                    }
                }
                tr { th { (lang.s(S::QaReviewer)) } td { (p.a.reviewer) } }
                tr {
                    th { (lang.s(S::QaScorecard)) }
                    td { (lang.t(&p.card.card.name, &p.card.card.name_en)) " v" (p.card.version) }
                }
            }
        }
        @match &p.review {
            Some(r) => (review_details(lang, &p.card.card, r)),
            None if p.a.reviewer_id == user.session.user.id => {
                (review_form(lang, &user, &p.card.card, &p.a))
            }
            None => p { (lang.s(S::QaOpen)) },
        }
        @match transcript {
            Some(t) => (t),
            None => p { (lang.s(S::NoReceptions)) },
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::QaReview,
        &format!("/qa/review?id={}", p.a.id),
        body,
    )
}

/// The answer list of a scorecard item (`None`: a long points scale, typed instead).
fn item_options(lang: Lang, item: &review::Item) -> Option<Markup> {
    if let Scale::Points { max } = item.scale
        && max > MAX_POINT_OPTIONS
    {
        return None;
    }
    Some(html! {
        @if !item.bonus {
            option value="" { "—" }
        }
        @if item.na_allowed || item.bonus {
            option value="na" { (lang.s(S::QaNa)) }
        }
        @match item.scale {
            Scale::YesNo => {
                @for (v, s) in [("yes", S::Yes), ("no", S::No)] {
                    option value=(v) { (lang.s(s)) }
                }
            }
            Scale::OneToFive => {
                @for r in (1..=5).rev() {
                    option value=(r) { (r) }
                }
            }
            Scale::Points { max } => {
                @for pts in (0..=max).rev() {
                    option value=(pts) { (pts) " / " (max) }
                }
            }
        }
    })
}

pub(super) fn review_form(
    lang: Lang,
    user: &CurrentUser,
    card: &Scorecard,
    a: &AssignmentRow,
) -> Markup {
    let note = match a.kind {
        ReviewKind::Weakness => S::QaNoteWeakness,
        ReviewKind::Strength => S::QaNoteStrength,
    };
    let note_required = a.kind == ReviewKind::Weakness && a.calibration_id.is_none();
    html! {
        h2 { (lang.s(S::QaScorecard)) }
        form method="post" action={ "/qa/review?" (lq(lang)) } class="qa-review" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="id" value=(a.id);
            @for section in &card.sections {
                h3 { (lang.t(&section.name, &section.name_en)) }
                table.qa-items {
                    thead { tr { (th(lang, &[S::QaItem, S::QaWeight, S::QaAnswer])) } }
                    tbody {
                        @for item in &section.items {
                            @let id = format!("item_{}", item.id);
                            tr {
                                td {
                                    label for=(id) { (item_name(lang, item)) }
                                    @if item.critical || item.bonus {
                                        " "
                                        small.qa-mark {
                                            "["
                                            @if item.critical { (lang.s(S::QaCritical)) }
                                            @if item.critical && item.bonus { ", " }
                                            @if item.bonus { (lang.s(S::QaBonus)) }
                                            "]"
                                        }
                                    }
                                }
                                td { (item.weight) }
                                td {
                                    @match (item_options(lang, item), item.scale) {
                                        (Some(options), _) => {
                                            select id=(id) name=(id) required[!item.bonus] { (options) }
                                        }
                                        // A long list of points is easier typed (N/A is then `na`).
                                        (None, Scale::Points { max }) => {
                                            input id=(id) name=(id) size="6"
                                                placeholder={ "0–" (max) } required[!item.bonus];
                                        }
                                        (None, _) => {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p {
                label {
                    (lang.s(note)) br;
                    textarea name="note" rows="3" cols="60" maxlength="2000" required[note_required] {}
                }
            }
            p {
                @if a.kind == ReviewKind::Weakness {
                    label {
                        (lang.s(S::QaTrainingTopic)) br;
                        input name="training_topic" maxlength="200";
                    }
                }
                " "
                label { (lang.s(S::QaTags)) br; input name="tags" maxlength="200"; }
            }
            button type="submit" { (lang.s(S::QaSubmit)) }
        }
    }
}

pub(super) fn review_details(lang: Lang, card: &Scorecard, r: &ReviewRow) -> Markup {
    let answers = review::decode_answers(card, &r.answers).unwrap_or_default();
    html! {
        h2 { (lang.s(S::QaReview)) }
        p.qa-score { (lang.s(S::QaScore)) ": " strong { (score_text(r.counted_score())) } }
        @if !r.failed_critical.is_empty() {
            p.error {
                (lang.s(S::QaAutoFail)) (critical_names(lang, card, &r.failed_critical))
            }
        }
        table.qa-items {
            thead { tr { (th(lang, &[S::QaItem, S::QaWeight, S::QaAnswer])) } }
            tbody {
                @for item in card.items() {
                    @let a = answers
                        .get(&item.id)
                        .copied()
                        .unwrap_or(Answer::NotApplicable);
                    tr {
                        td { (item_name(lang, item)) }
                        td { (item.weight) }
                        td { (answer_text(lang, a, item.scale)) }
                    }
                }
            }
        }
        (note_block(lang, r))
    }
}

pub(super) fn critical_names(lang: Lang, card: &Scorecard, ids: &str) -> String {
    ids.split(',')
        .filter(|s| !s.is_empty())
        .map(|id| card.item(id).map_or(id, |i| item_name(lang, i)))
        .collect::<Vec<_>>()
        .join(lang.t("、", ", "))
}

pub(super) fn note_block(lang: Lang, r: &ReviewRow) -> Markup {
    html! {
        p { strong { (lang.s(S::QaNote)) ":" } " " (r.note) }
        @if let Some(t) = r.training_topic.as_deref().filter(|t| !t.is_empty()) {
            p {
                strong { (lang.s(S::QaTrainingTopic)) ":" } " "
                // A topic given as a web address (the training material) is a link.
                @if t.starts_with("https://") || t.starts_with("http://") {
                    a href=(t) rel="noreferrer" { (t) }
                } @else {
                    (t)
                }
            }
        }
        @if !r.tags.is_empty() {
            p { strong { (lang.s(S::QaTags)) ":" } " " (r.tags) }
        }
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
        // Only while the reviewer still sees the store, as the page they review on checks.
        let (a, store) = access::assignment(db, u, id)?;
        if a.reviewer_id != u.id {
            return Err(missing());
        }
        if a.review_id.is_some() {
            return Err(WebError::BadRequest(lang.s(S::QaAlreadyReviewed).into()));
        }
        let card = card_for(db, &store, &a, None)?;
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
pub(super) fn tags(s: &str) -> String {
    s.split([',', '，', '、'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}
