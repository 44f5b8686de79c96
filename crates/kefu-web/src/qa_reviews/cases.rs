//! /qa/cases

use super::*;

/// `POST /qa/cases`: saves a reviewed chat to the case library.
pub async fn add_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_library(u)?;
        let (r, store) = posted_review(db, u, form)?;
        let good = field(form, "verdict") != "bad";
        let case = db
            .qa_add_case(
                r.id,
                good,
                &tags(field(form, "tags")),
                field(form, "note").trim(),
                u.id,
            )?
            .ok_or_else(|| WebError::missing("没有这条评审", "no such review"))?;
        db.audit(
            Some(u),
            "qa.case",
            &format!(
                "case={case} review={} verdict={}",
                r.id,
                if good { "good" } else { "bad" }
            ),
        )?;
        Ok(store.name().to_string())
    })
    .await;
    back_to("/qa/cases", "", lang, done)
}

/// `GET /qa/cases?store=&q=`: the case library, searchable by tag or text.
pub async fn cases(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let requested = q.store.clone();
    let query = q.q.clone().unwrap_or_default();
    let loaded = with_db(&state, &user, lang, move |db, u| {
        access::qa_library(u)?;
        let stores = access::allowed(db, u, None)?;
        let store = access::chosen(&stores, requested.as_deref())?;
        let list = store.cases(db, &query)?;
        Ok((stores, store.names(db)?, store, list))
    })
    .await;
    let (stores, names, store, list) = match loaded {
        Ok(l) => l,
        Err(page) => return page,
    };
    let sname = store.name();
    let verdict = |good: bool| lang.s(if good { S::QaGood } else { S::QaBad });
    let body = html! {
        (store_picker(lang, "/qa/cases", &stores, sname))
        (qa_nav(lang, sname, &user.session.user))
        form.filters method="get" action="/qa/cases" {
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="store" value=(sname);
            label { (lang.s(S::QaSearch)) br; input name="q" value=(q.q.as_deref().unwrap_or("")); }
            button type="submit" { (lang.s(S::QaSearch)) }
        }
        @if list.is_empty() {
            p { (lang.s(S::QaNoCases)) }
        } @else {
            div.wrap {
                table.qa-cases {
                    thead {
                        tr {
                            (th(
                                lang,
                                &[
                                    S::QaVerdict,
                                    S::QaCaseTags,
                                    S::QaNote,
                                    S::Account,
                                    S::Buyer,
                                    S::Day,
                                    S::QaKind,
                                    S::QaScore,
                                    S::QaReviewer,
                                ],
                            ))
                        }
                    }
                    tbody {
                        @for c in &list {
                            @let account = names.name(c.reception.account);
                            @let buyer = names.name(c.reception.buyer);
                            tr {
                                td { (verdict(c.verdict == "good")) }
                                td { (c.tags) }
                                td.text { (c.note) }
                                td { (account) }
                                td {
                                    a href={
                                        (crate::ui::links::reception_link(sname, account, buyer, c.reception.day))
                                        "&" (lq(lang))
                                    } { (buyer) }
                                }
                                td { (c.reception.day) }
                                td { (c.kind.map_or(lang.s(S::QaChatCase), |k| kind_name(lang, k))) }
                                td { (score_text(c.score)) }
                                td { (c.created_by.as_deref().unwrap_or("-")) }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::QaCases,
        &format!("/qa/cases?store={}", url(sname)),
        body,
    )
}
