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
        let names = store.names(db)?;
        let view = match id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => calibration_results(db, &store, number(id, "id")?, lang)?,
            None => {
                let day = match day_param(day.as_deref())? {
                    Some(d) => d,
                    None => store.last_day(db)?,
                };
                let settings = config.store(store.name()).metrics;
                let (period, c) =
                    store.calibration_choices(db, day, &settings, CALIBRATION_CHOICES)?;
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
                    for (r, _) in store.reviewers(db, kind)? {
                        if !reviewers.iter().any(|x| x.id == r.id) {
                            reviewers.push(r);
                        }
                    }
                }
                CalibrationView::List {
                    week: period,
                    sessions: store.calibrations(db)?,
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
    let sname = store.name();
    let body = html! {
        (qa_nav(lang, sname, &user.session.user))
        p { (lang.s(S::QaBlind)) }
        @match view {
            CalibrationView::List {
                week,
                sessions,
                cards,
                reviewers,
                choices,
            } => {
                form.filters method="get" action="/qa/calibration" {
                    input type="hidden" name="lang" value=(lang.code());
                    input type="hidden" name="store" value=(sname);
                    label { (lang.s(S::QaPeriodDay)) br; input type="date" name="day" value=(week.to); }
                    button type="submit" { (lang.s(S::Show)) }
                }
                p { (lang.s(S::QaPeriod)) ": " (period_label(week)) }
                (calibration_list(lang, &user, sname, &sessions, &cards, &reviewers, &choices))
            }
            CalibrationView::Results {
                name,
                receptions,
                reviewers,
                done,
                items,
                scores,
            } => {
                h2 { (name) }
                p {
                    (lang.s(S::QaReceptionsPick)) ": " (receptions.len()) " · "
                    (lang.s(S::QaReviewers)) ": " (reviewers) " · "
                    (lang.s(S::QaReviewsDone)) ": " (done)
                }
                div.wrap {
                    table.qa-calibration {
                        thead {
                            tr {
                                th { (lang.s(S::QaItem)) }
                                th { (lang.s(S::QaMetric)) }
                                th { (lang.s(S::QaAlpha)) }
                                @for k in &receptions {
                                    th { (k.day) " · " (names.name(k.account)) " · " (names.name(k.buyer)) }
                                }
                            }
                        }
                        tbody {
                            @for it in items.iter().chain(std::iter::once(&scores)) {
                                tr data-item=(it.name) {
                                    td { (it.name) }
                                    td { (lang.s(metric_s(it.metric))) }
                                    td.alpha { (it.alpha.map_or("-".to_string(), |a| format!("{a:.3}"))) }
                                    @for v in &it.values {
                                        td { (spread_text(v)) }
                                    }
                                }
                            }
                        }
                    }
                }
                p { small { (lang.s(S::QaAlphaNote)) } }
            }
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::QaCalibration,
        &format!("/qa/calibration?store={}", url(sname)),
        body,
    )
}

fn metric_s(m: Metric) -> S {
    match m {
        Metric::Nominal => S::QaNominal,
        Metric::Ordinal => S::QaOrdinal,
        Metric::Interval => S::QaInterval,
    }
}

/// The lowest and highest value given for one reception, and how many were given.
fn spread_text(v: &[f64]) -> String {
    match agreement::spread(v) {
        Some((lo, hi)) => format!("{} – {} (n={})", trim_num(lo), trim_num(hi), v.len()),
        None => "-".into(),
    }
}

pub(super) fn trim_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

pub(super) fn calibration_list(
    lang: Lang,
    user: &CurrentUser,
    store: &str,
    sessions: &[kefu_store::qa_reviews::CalibrationRow],
    cards: &[StoredScorecard],
    reviewers: &[User],
    choices: &[(ReceptionKey, String)],
) -> Markup {
    html! {
        @if sessions.is_empty() {
            p { (lang.s(S::QaNoSession)) }
        } @else {
            table.qa-sessions {
                thead {
                    tr {
                        (th(
                            lang,
                            &[
                                S::QaCalibrationName,
                                S::QaReceptionsPick,
                                S::QaReviewers,
                                S::QaReviewsDone,
                            ],
                        ))
                    }
                }
                tbody {
                    @for s in sessions {
                        tr {
                            td {
                                a href={
                                    "/qa/calibration?store=" (url(store)) "&id=" (s.id) "&" (lq(lang))
                                } { (s.name) }
                            }
                            td { (s.receptions) }
                            td { (s.reviewers) }
                            td { (s.done) }
                        }
                    }
                }
            }
        }
        h2 { (lang.s(S::QaCalibrationNew)) }
        form method="post" action={ "/qa/calibration?" (lq(lang)) } class="qa-calibrate" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="store" value=(store);
            p {
                label {
                    (lang.s(S::QaCalibrationName)) br;
                    input name="name" required maxlength="100";
                }
                " "
                label {
                    (lang.s(S::QaScorecard)) br;
                    select name="scorecard" {
                        @for c in cards {
                            option value=(c.id) { (lang.t(&c.card.name, &c.card.name_en)) " v" (c.version) }
                        }
                    }
                }
            }
            fieldset {
                legend { (lang.s(S::QaReviewers)) }
                @for u in reviewers {
                    label.check {
                        input type="checkbox" name="reviewer" value=(u.id);
                        " " (u.name) " " small { "(" (crate::ui::format::user_role(lang, u.role)) ")" }
                    }
                    " "
                }
            }
            fieldset {
                legend { (lang.s(S::QaReceptionsPick)) }
                @for (k, label) in choices {
                    label.check {
                        input type="checkbox" name="reception" value=(reception_value(k));
                        " " (label)
                    }
                    br;
                }
            }
            button type="submit" { (lang.s(S::QaCalibrationNew)) }
        }
    }
}

/// What one reviewer gave one reception in a calibration: the answers and the score.
pub(super) type Given = (review::Answers, Option<f64>);

/// Spread and alpha per item (and of the whole score) of one session.
pub(super) fn calibration_results(
    db: &Db,
    store: &StoreScope,
    id: i64,
    lang: Lang,
) -> Result<CalibrationView, WebError> {
    let missing = || WebError::missing("没有这次校准", "no such calibration");
    let session = store.calibration(db, id)?.ok_or_else(missing)?;
    let card = db
        .qa_scorecard(session.scorecard_id)?
        .ok_or_else(missing)?
        .card;
    let (assignments, reviews) = store.calibration_work(db, id)?;
    let mut receptions: Vec<ReceptionKey> = assignments.iter().map(|a| a.reception).collect();
    receptions.sort();
    receptions.dedup();
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
            for (r, own) in store.reviewers(db, kind)? {
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
        let period = Period::containing(store.qa_period(db)?, day);
        let id = store.create_calibration(db, name, &card, u.id, period, &receptions, &picked)?;
        db.audit(
            Some(u),
            "qa.calibration",
            &format!(
                "calibration={id} store={} receptions={} reviewers={}",
                store.name(),
                receptions.len(),
                picked.len()
            ),
        )?;
        Ok((store.name().to_string(), id))
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
