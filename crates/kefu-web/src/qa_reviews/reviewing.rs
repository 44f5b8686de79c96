//! /qa/review

use super::*;

pub(super) struct ReviewPage {
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
pub(super) fn load_review_page(
    db: &Db,
    user: &User,
    id: i64,
    config: &kefu_app::settings::LiveConfig,
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

pub(super) fn review_form(
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

pub(super) fn review_details(body: &mut String, lang: Lang, card: &Scorecard, r: &ReviewRow) {
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

pub(super) fn critical_names(lang: Lang, card: &Scorecard, ids: &str) -> String {
    ids.split(',')
        .filter(|s| !s.is_empty())
        .map(|id| card.item(id).map_or(id, |i| item_name(lang, i)))
        .collect::<Vec<_>>()
        .join(lang.t("、", ", "))
}

pub(super) fn note_block(body: &mut String, lang: Lang, r: &ReviewRow) {
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
pub(super) fn tags(s: &str) -> String {
    s.split([',', '，', '、'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}
