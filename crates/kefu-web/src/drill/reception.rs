use super::*;
use kefu_core::engine::AttributedBy;

/// One reception (transcript included) the user may see, for the page and the API.
pub(super) async fn load_reception(
    state: &AppState,
    user: &CurrentUser,
    p: DrillParams,
) -> Result<(Loaded, QaMarks, Option<Vec<kefu_store::User>>), WebError> {
    let u = user.session.user.clone();
    let config = state.config.clone();
    state
        .heavy(u.id, move |db| {
            let name = required(&p.account, "account")?;
            let buyer = required(&p.buyer, "buyer")?;
            let day = required(&p.day, "day")?;
            let day = Day::parse(day).ok_or_else(|| {
                WebError::invalid(
                    format!("`day` 不是 YYYY-MM-DD 格式的日期：`{day}`"),
                    format!("`day` is not a YYYY-MM-DD day: `{day}`"),
                )
            })?;
            let (store, id) = access::account(db, &u, p.store.as_deref(), name)?;
            let none = || {
                WebError::missing(
                    format!("{day} 没有 `{buyer}` 的接待"),
                    format!("no reception of `{buyer}` on {day}"),
                )
            };
            let buyer = store.names(db)?.get(buyer).ok_or_else(none)?;
            let settings = &config.store(store.name()).metrics;
            let mut x = store
                .explain(db, id, day, Some(buyer), settings)
                .map_err(explain_error)?;
            hide_colleagues(&mut x, &store.credited(db)?);
            if x.receptions.is_empty() {
                return Err(none());
            }
            let marks = store.qa_marks(db, day, id, buyer)?;
            // 送质检 and 加入案例库 for supervisors and QA: who may be sent it to review.
            let reviewers = match access::qa_library(&u) {
                Ok(()) => Some(crate::qa_reviews::chat_reviewers(db, &store, id)?),
                Err(_) => None,
            };
            Ok((Loaded { store, x }, marks, reviewers))
        })
        .await
}

/// `GET /reception?store=&account=&buyer=&day=`: one reception's transcript with the rounds
/// marked, its rounds, and the orders with the reason they were (or were not) attributed.
pub async fn reception(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<DrillParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let loaded = load_reception(&state, &user, p).await;
    let (Loaded { store, x }, marks, reviewers) = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(lang, &user, e),
    };
    let sname = store.name();
    let r = &x.receptions[0];
    let lq = format!("&lang={}", lang.code());
    let back = account_link(sname, &x.account, r.day, r.day) + &lq;
    let body = html! {
        p {
            (lang.s(S::Store)) ": " (sname) " · " (lang.s(S::Account)) ": "
            a href=(back) { (x.account) }
            " · " (lang.s(S::Buyer)) ": " (r.buyer) " · " (lang.s(S::Day)) ": " (r.day)
        }
        p { a href=(back) { (lang.s(S::BackToReceptions)) } }
        (summary(lang, r))
        @if let Some(reviewers) = &reviewers {
            (crate::qa_reviews::chat_actions(
                lang,
                &user.session.csrf,
                (sname, &x.account, &r.buyer, r.day),
                reviewers,
                user.session.user.id,
            ))
        }
        (reception_transcript(lang, r, &marks))
        (rounds(lang, r))
        (orders(lang, r))
    };
    let here = reception_link(sname, &x.account, &r.buyer, r.day);
    let title = format!("{} — {} · {}", lang.s(S::Transcript), r.buyer, r.day);
    Html(page(lang, &title, Some(&user.session), &here, body).into_string()).into_response()
}

/// The reception's flags and numbers.
pub(super) fn summary(lang: Lang, r: &ReceptionView) -> Markup {
    let rows: [(S, String); 11] = [
        (S::Consulted, yes(lang, r.consulted).into()),
        (S::Served, yes(lang, r.served).into()),
        (S::Unreplied, yes(lang, r.unreplied).into()),
        (S::Inquiry, yes(lang, r.inquiry).into()),
        (S::AfterSale, yes(lang, r.after_sale).into()),
        (S::Slow, yes(lang, r.slow).into()),
        (
            S::FirstResponse,
            r.first_response_ms.map_or("-".into(), duration_ms),
        ),
        (S::Duration, duration_ms(r.duration_ms)),
        (
            S::Messages,
            format!(
                "{} {} / {} {} / {} {} / {} {}",
                r.buyer_msgs,
                lang.s(S::FromBuyer),
                r.agent_msgs,
                lang.s(S::FromAgent),
                r.bot_msgs,
                lang.s(S::FromBot),
                r.auto_msgs,
                lang.s(S::FromAuto)
            ),
        ),
        (S::SalesYuan, money(r.sales_cents)),
        (
            S::TouchedAnswers,
            if r.answers.is_empty() {
                "-".to_string()
            } else {
                r.answers
                    .iter()
                    .map(|&t| format_time(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
    ];
    html! {
        div.wrap {
            table.facts {
                tbody {
                    @for (k, v) in rows {
                        tr { th { (lang.s(k)) } td { (v) } }
                    }
                }
            }
        }
    }
}

/// The rounds opened this day.
pub(super) fn rounds(lang: Lang, r: &ReceptionView) -> Markup {
    html! {
        h2 { (lang.s(S::RoundsOpened)) }
        div.wrap {
            table.rounds {
                thead {
                    tr {
                        th { "#" }
                        @for s in [S::Opened, S::Outcome, S::Response, S::WallWait] {
                            th { (lang.s(s)) }
                        }
                    }
                }
                tbody {
                    @for (k, round) in r.rounds.iter().enumerate() {
                        tr {
                            td { (k + 1) }
                            td { (format_time(round.open)) }
                            td { (round_outcome(lang, &round.outcome)) }
                            td { (round.response_ms().map_or("-".into(), duration_ms)) }
                            td { (round.wait_ms().map_or("-".into(), duration_ms)) }
                        }
                    }
                }
            }
        }
    }
}

/// Why each order of the buyer went where it went.
pub(super) fn orders(lang: Lang, r: &ReceptionView) -> Markup {
    let why = |o: &kefu_report::explain::OrderView| {
        let mut why = match &o.reason {
            // The time the last touch was looked for before: the order's creation or, under
            // the store's `attribution = payment`, its payment (§3).
            Reason::Here { answer } => format!(
                "{} {} ≤ {} {}",
                lang.s(S::AttributedHere),
                format_time(*answer),
                lang.s(match o.by {
                    AttributedBy::Created => S::Placed,
                    AttributedBy::Paid => S::PaidAt,
                }),
                format_time(o.looked_before)
            ),
            Reason::Elsewhere {
                account,
                day,
                answer,
                own_answer,
            } => format!(
                "{} {} {day} ({} {}); {}",
                lang.s(S::AttributedTo),
                crate::ui::transcript::credited_name(lang, account),
                lang.s(S::AnswerAt),
                format_time(*answer),
                match own_answer {
                    Some(t) => format!("{} {}", lang.s(S::OwnLastAnswer), format_time(*t)),
                    None => lang.s(S::NoOwnAnswer).to_string(),
                }
            ),
            Reason::Silent => lang.s(S::Silent).to_string(),
        };
        if o.before_question {
            why = format!("{why} [{}]", lang.s(S::BeforeQuestion));
        }
        why
    };
    let columns = [
        S::OrderId,
        S::Placed,
        S::AmountYuan,
        S::PaidAt,
        S::Attribution,
    ];
    html! {
        h2 { (lang.s(S::Orders)) }
        @if r.orders.is_empty() {
            p { (lang.s(S::NoOrders)) }
        } @else {
            div.wrap {
                table.orders {
                    thead { tr { @for c in columns { th { (lang.s(c)) } } } }
                    tbody {
                        @for o in &r.orders {
                            tr {
                                td { (o.order_id) }
                                td { (format_time(o.created_at)) }
                                td { (money(o.amount)) }
                                td { (o.paid_at.map_or(lang.s(S::Unpaid).to_string(), format_time)) }
                                td.text { (why(o)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
