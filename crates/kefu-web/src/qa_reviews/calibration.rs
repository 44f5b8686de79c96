//! /qa/calibration

use super::*;

/// A reception as a form value: `account-buyer-day` (ids and the day number).
pub(super) fn reception_value(k: &ReceptionKey) -> String {
    format!("{}-{}-{}", k.account, k.buyer, k.day.0)
}

pub(super) fn parse_reception(s: &str) -> Option<ReceptionKey> {
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
pub(super) struct ItemAgreement {
    name: String,
    metric: Metric,
    /// Per reception (in session order): the values given, for the spread.
    values: Vec<Vec<f64>>,
    alpha: Option<f64>,
}

pub(super) enum CalibrationView {
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

pub(super) fn trim_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn calibration_list(
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
pub(super) type Given = (review::Answers, Option<f64>);

/// Spread and alpha per item (and of the whole score) of one session.
pub(super) fn calibration_results(
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
