//! /qa/scorecards

use super::*;
use crate::ui::frame::Notice;

pub(super) fn scorecards_body(
    lang: Lang,
    user: &CurrentUser,
    cards: &[StoredScorecard],
    source: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        (error.map_or(Notice::Nothing, Notice::Refused))
        table.qa-cards {
            thead { tr { (th(lang, &[S::QaScorecard, S::QaKind, S::QaVersion, S::QaItem])) } }
            tbody {
                @for c in cards {
                    tr {
                        td { (lang.t(&c.card.name, &c.card.name_en)) }
                        td { (kind_name(lang, c.card.kind)) }
                        td { (c.version) }
                        td { (c.card.items().count()) }
                    }
                }
            }
        }
        p { (lang.s(S::QaScorecardNote)) }
        form method="post" action={ "/qa/scorecards?" (lq(lang)) } class="qa-scorecards" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            textarea name="source" rows="30" cols="100" spellcheck="false" { (source) }
            p { button type="submit" { (lang.s(S::QaSave)) } }
        }
    }
}

/// `GET /qa/scorecards`: the scorecards in force and their file, for admins to edit.
pub async fn scorecards(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let loaded = with_db(&state, &user, lang, move |db, u| {
        access::admin(u)?;
        Ok((db.qa_scorecards()?, db.qa_scorecard_source()?))
    })
    .await;
    match loaded {
        Ok((cards, source)) => {
            let body = scorecards_body(lang, &user, &cards, &source, None);
            frame(
                lang,
                &user,
                StatusCode::OK,
                S::QaScorecard,
                "/qa/scorecards",
                body,
            )
        }
        Err(page) => page,
    }
}

/// `POST /qa/scorecards`: saves the file; each changed card becomes a new version (old
/// reviews keep theirs). A file that does not parse is shown again with its line and field.
pub async fn save_scorecards(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        let source = field(form, "source").replace("\r\n", "\n");
        access::admin(u)?;
        let saved = db.qa_save_scorecards(&source);
        if let Ok(changed) = &saved {
            db.audit(
                Some(u),
                "qa.scorecards",
                &format!("changed={}", changed.join(",")),
            )?;
        }
        Ok((saved, db.qa_scorecards()?, source))
    })
    .await;
    match done {
        Ok((Ok(_), _, _)) => Redirect::to(&format!("/qa/scorecards?{}", lq(lang))).into_response(),
        Ok((Err(message), cards, source)) => {
            let body = scorecards_body(lang, &user, &cards, &source, Some(&message));
            frame(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::QaScorecard,
                "/qa/scorecards",
                body,
            )
        }
        Err(page) => page,
    }
}
