//! /qa/summary

use super::*;

pub(crate) use kefu_app::qa::{SummaryItem, SummaryRow};

fn item_text(i: &SummaryItem, lang: Lang) -> String {
    format!("{} {:.0}%", lang.t(&i.name, &i.name_en), i.mean * 100.0)
}

/// What `/qa/summary` and `/api/v1/qa/summary` show.
pub(crate) struct SummaryPage {
    pub(crate) stores: Vec<StoreScope>,
    pub(crate) store: StoreScope,
    pub(crate) kind: PeriodKind,
    pub(crate) period: Period,
    pub(crate) by: &'static str,
    pub(crate) rows: Vec<SummaryRow>,
    pub(crate) workload: Option<Vec<kefu_store::qa_reviews::Workload>>,
}

/// The QA summary of the requested store for `user` (`store`, `by`, `period`, `day` of `q`):
/// `kefu_app::qa::summary` over the accounts the user sees.
pub(crate) fn load_summary(db: &Db, user: &User, q: &QaQuery) -> Result<SummaryPage, WebError> {
    let stores = access::allowed(db, user, None)?;
    let store = access::chosen(&stores, q.store.as_deref())?;
    let kind = q.period.as_deref().and_then(PeriodKind::parse);
    let day = day_param(q.day.as_deref())?;
    // Agents see their own accounts only, so only by agent.
    let by = match (q.by.as_deref(), store.rows()) {
        (_, access::Rows::Accounts(_)) => SummaryBy::Agent,
        (Some("group"), _) => SummaryBy::Group,
        (Some("store"), _) => SummaryBy::Store,
        _ => SummaryBy::Agent,
    };
    let s = store.qa_summary(db, kind, day, by)?;
    let workload = if access::qa_library(user).is_ok() {
        Some(store.workload(db, s.period.from)?)
    } else {
        None
    };
    Ok(SummaryPage {
        stores,
        store,
        kind: s.kind,
        period: s.period,
        by: by.as_str(),
        rows: s.rows,
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
    let sname = p.store.name();
    let first = match p.by {
        "group" => S::Group,
        "store" => S::Store,
        _ => S::Account,
    };
    let items = |list: &[SummaryItem]| -> String {
        let texts: Vec<String> = list.iter().map(|i| item_text(i, lang)).collect();
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
