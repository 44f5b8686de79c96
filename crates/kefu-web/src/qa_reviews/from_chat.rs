//! From a transcript (`/reception`): 送质检 sends the reception to review (a task on the QA
//! task list) and 加入案例库 adds it to the case library without a review. Both are for
//! supervisors and QA ([`access::qa_library`]), both audited; a reception of an account the
//! user does not see is answered as a missing one.

use super::*;

/// The reception a transcript's form names (`store`, `account`, `buyer`, `day`), with its
/// store, when the user sees its account.
fn posted_chat(db: &Db, u: &User, form: &Pairs) -> Result<(StoreScope, ReceptionKey), WebError> {
    let (store, account) =
        access::account(db, u, Some(field(form, "store")), field(form, "account"))?;
    let missing = || WebError::missing("没有这次接待", "no such reception");
    let buyer = store
        .names(db)?
        .get(field(form, "buyer"))
        .ok_or_else(missing)?;
    let day = day_param(Some(field(form, "day")))?.ok_or_else(missing)?;
    // A reception is an account's messages with a buyer on a day: none, nothing to send.
    if store.transcript(db, account, buyer, day, day)?.is_empty() {
        return Err(missing());
    }
    Ok((
        store,
        ReceptionKey {
            account,
            buyer,
            day,
        },
    ))
}

/// The people who may be sent a reception of `account` to review: weakness reviewers of the
/// store (leads and QA), not the account's own agent.
pub(crate) fn chat_reviewers(
    db: &Db,
    store: &StoreScope,
    account: NameId,
) -> Result<Vec<User>, WebError> {
    Ok(store
        .reviewers(db, ReviewKind::Weakness)?
        .into_iter()
        .filter(|(_, own)| !own.contains(&account))
        .map(|(u, _)| u)
        .collect())
}

/// `POST /qa/send`: a weakness-review task for the chosen reviewer (default: oneself) in the
/// store's QA period holding the reception's day; then the QA task list.
pub async fn send_to_qa(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_library(u)?;
        let (store, chat) = posted_chat(db, u, form)?;
        let reviewer = match field(form, "reviewer").trim() {
            "" => u.id,
            s => number(s, "reviewer")?,
        };
        if !chat_reviewers(db, &store, chat.account)?
            .iter()
            .any(|r| r.id == reviewer)
        {
            return Err(WebError::invalid(
                "这位用户不能评审这次接待（只有能看到这家店的主管和质检员，且不是被评审的客服本人）",
                "this user cannot review this reception (only supervisors and QA who see the store, and not the agent reviewed)",
            ));
        }
        let (id, new) = store.send_to_review(db, reviewer, chat)?;
        if new {
            db.audit(
                Some(u),
                "qa.send",
                &format!(
                    "assignment={id} account={} buyer={} day={} reviewer={reviewer}",
                    chat.account, chat.buyer, chat.day
                ),
            )?;
        }
        Ok(store.name().to_string())
    })
    .await;
    back_to("/qa/assignments", "&sent=1", lang, done)
}

/// `POST /qa/cases/chat`: the reception into the case library (优秀 or 反面, tags, a note).
pub async fn add_chat_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::qa_library(u)?;
        let (store, chat) = posted_chat(db, u, form)?;
        let good = field(form, "verdict") != "bad";
        let case = store.add_chat_case(
            db,
            chat,
            good,
            &tags(field(form, "tags")),
            field(form, "note").trim(),
            u.id,
        )?;
        db.audit(
            Some(u),
            "qa.case",
            &format!(
                "case={case} account={} buyer={} day={} verdict={}",
                chat.account,
                chat.buyer,
                chat.day,
                if good { "good" } else { "bad" }
            ),
        )?;
        Ok(store.name().to_string())
    })
    .await;
    back_to("/qa/cases", "", lang, done)
}

/// The two forms under a transcript, for those who may use them (`reviewers` is `None` for
/// the others).
pub(crate) fn chat_actions(
    lang: Lang,
    csrf: &str,
    chat: (&str, &str, &str, Day),
    reviewers: &[User],
    me: i64,
) -> Markup {
    let (store, account, buyer, day) = chat;
    let hidden = html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="store" value=(store);
        input type="hidden" name="account" value=(account);
        input type="hidden" name="buyer" value=(buyer);
        input type="hidden" name="day" value=(day);
    };
    html! {
        div.chat-actions {
            strong { (lang.s(S::QaNav)) }
            form.filters.send-to-qa method="post" action={ "/qa/send?" (lq(lang)) } {
                (hidden)
                label {
                    (lang.s(S::QaReviewer)) br;
                    select name="reviewer" {
                        @for r in reviewers {
                            option value=(r.id) selected[r.id == me] { (r.name) }
                        }
                    }
                }
                button type="submit" title=(lang.s(S::SendToQaHelp)) { (lang.s(S::SendToQa)) }
            }
            form.filters.add-case method="post" action={ "/qa/cases/chat?" (lq(lang)) } {
                (hidden)
                label {
                    (lang.s(S::QaVerdict)) br;
                    select name="verdict" {
                        option value="good" { (lang.s(S::QaGood)) }
                        option value="bad" { (lang.s(S::QaBad)) }
                    }
                }
                label { (lang.s(S::QaCaseTags)) br; input name="tags" size="16"; }
                label { (lang.s(S::QaNote)) br; input name="note" size="24"; }
                button type="submit" { (lang.s(S::AddCase)) }
            }
        }
    }
}
