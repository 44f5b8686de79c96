//! /qa/summary

use super::*;

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
    let first = match p.by {
        "group" => S::Group,
        "store" => S::Store,
        _ => S::Account,
    };
    let items = |list: &[SummaryItem]| -> String {
        let texts: Vec<String> = list.iter().map(|i| i.text(lang)).collect();
        texts.join(lang.t("；", "; "))
    };
    let body = html! {
        (store_picker(lang, "/qa/summary", &p.stores, sname))
        (qa_nav(lang, sname, &user.session.user))
        form.filters method="get" action="/qa/summary" {
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="store" value=(sname);
            label {
                (lang.s(S::QaBy)) br;
                (choices(
                    lang,
                    "by",
                    &[
                        ("agent", S::Account, p.by == "agent"),
                        ("group", S::Group, p.by == "group"),
                        ("store", S::Store, p.by == "store"),
                    ],
                ))
            }
            label {
                (lang.s(S::QaPeriod)) br;
                (choices(
                    lang,
                    "period",
                    &[
                        ("week", S::QaWeek, p.kind == PeriodKind::Week),
                        ("month", S::QaMonth, p.kind == PeriodKind::Month),
                    ],
                ))
            }
            label { (lang.s(S::QaPeriodDay)) br; input type="date" name="day" value=(p.period.to); }
            button type="submit" { (lang.s(S::Show)) }
        }
        p { (lang.s(S::QaPeriod)) ": " strong.qa-period { (period_label(p.period)) } }
        @if p.rows.is_empty() {
            p { (lang.s(S::QaNoReviews)) }
        } @else {
            div.wrap {
                table.qa-summary {
                    thead {
                        tr {
                            (th(
                                lang,
                                &[
                                    first,
                                    S::QaReviewCount,
                                    S::QaScore,
                                    S::QaTopWeak,
                                    S::QaTopStrong,
                                    S::QaTrend,
                                ],
                            ))
                        }
                    }
                    tbody {
                        @for r in &p.rows {
                            @let trend: Vec<String> = r
                                .trend
                                .iter()
                                .map(|(period, s)| format!("{}: {}", period.from, score_text(*s)))
                                .collect();
                            tr {
                                td {
                                    @if r.label.is_empty() { (lang.s(S::NoGroup)) } @else { (r.label) }
                                }
                                td { (r.reviews) }
                                td.qa-score { (score_text(r.score)) }
                                td.text { (items(&r.weak)) }
                                td.text { (items(&r.strong)) }
                                td.text { (trend.join(" → ")) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(w) = &p.workload {
            (workload_table(lang, w))
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::QaSummary,
        &format!("/qa/summary?store={}", url(sname)),
        body,
    )
}
