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
    /// This period (本期): the QA period holding the last day with data, the one tasks are
    /// drawn and sent for; the summary opens on the last complete one before it.
    pub(crate) current: Period,
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
    let current = Period::containing(s.kind, store.last_day(db)?);
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
        current,
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
    let export = match table::requested(q.export.as_deref()) {
        Ok(f) => f,
        Err(e) => return error_page(lang, &user, e),
    };
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
    let label = |r: &SummaryRow| {
        if r.label.is_empty() {
            lang.s(S::NoGroup).to_string()
        } else {
            r.label.clone()
        }
    };
    let trend_text = |r: &SummaryRow| {
        r.trend
            .iter()
            .map(|(period, s)| format!("{}: {}", period.from, score_text(*s)))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    let heads = [
        first,
        S::QaReviewCount,
        S::QaScore,
        S::QaTopWeak,
        S::QaTopStrong,
        S::QaTrend,
    ];
    // The summary as a file: the page's rows, the score as a number, the trend as text.
    let mut file = Table::new(
        "summary",
        format!("{} {}", lang.s(S::QaSummary), period_label(p.period)),
        heads.iter().map(|s| Column::of(lang, *s)).collect(),
    );
    for r in &p.rows {
        file.rows.push(vec![
            Cell::text(label(r)),
            Cell::new(Content::Count(r.reviews as i64)),
            r.score
                .map_or(Cell::text(""), |s| Cell::new(Content::Rate(s / 100.0))),
            Cell::text(items(&r.weak)),
            Cell::text(items(&r.strong)),
            Cell::text(trend_text(r)),
        ]);
    }
    let here = format!(
        "/qa/summary?store={}&by={}&period={}&day={}",
        url(sname),
        p.by,
        p.kind.as_str(),
        p.period.to
    );
    if let Some(format) = export {
        let name = format!("qa-summary-{}-{}", p.period.from, p.period.to);
        return table::download(std::slice::from_ref(&file), None, format, &name)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    // The trend of a row as a small chart, every row on the same 0–100 % scale.
    let trend_chart = |r: &SummaryRow| {
        let bars: Vec<Bar> = r
            .trend
            .iter()
            .map(|(period, s)| Bar {
                label: format!("{:02}-{:02}", period.from.ymd().1, period.from.ymd().2),
                value: s.unwrap_or(0.0),
                shown: s.map_or(String::new(), |s| format!("{s:.0}")),
                link: None,
                color: if *period == p.period {
                    charts::BLUE
                } else {
                    charts::GREY
                },
            })
            .collect();
        charts::mini_columns(
            &format!("{} {}: {}", lang.s(S::QaTrend), label(r), trend_text(r)),
            &bars,
            100.0,
        )
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
        p {
            (lang.s(S::QaPeriod)) ": " strong.qa-period { (period_label(p.period)) }
            @if p.period == p.current {
                " (" (lang.s(S::Current)) ")"
            } @else {
                " · "
                a href={
                    "/qa/summary?store=" (url(sname)) "&by=" (p.by) "&period=" (p.kind.as_str())
                    "&day=" (p.current.to) "&" (lq(lang))
                } { (lang.s(S::Current)) " " (period_label(p.current)) }
            }
        }
        @if !p.rows.is_empty() {
            (file.download_links(lang, &here))
        }
        @if p.rows.is_empty() {
            p { (lang.s(S::QaNoReviews)) }
        } @else {
            div.wrap {
                table.qa-summary {
                    thead {
                        tr { (th(lang, &heads)) }
                    }
                    tbody {
                        @for r in &p.rows {
                            tr {
                                td { (label(r)) }
                                td { (r.reviews) }
                                td.qa-score { (score_text(r.score)) }
                                td.text { (items(&r.weak)) }
                                td.text { (items(&r.strong)) }
                                td.qa-trend title=(trend_text(r)) { (trend_chart(r)) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(w) = &p.workload {
            (workload_table(lang, p.period, p.period == p.current, w))
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
