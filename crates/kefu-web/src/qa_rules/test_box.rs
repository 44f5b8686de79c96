//! Transcripts with marks

use super::*;

/// One rule's hits on a chat, as the hit tables show it.
pub(super) struct HitLine<'a> {
    pub(super) title: &'a str,
    pub(super) id: &'a str,
    /// Shown by the test box only.
    pub(super) category: Option<Category>,
    pub(super) severity: Severity,
    pub(super) score: i32,
    pub(super) count: u32,
    /// Indexes of the messages that triggered it.
    pub(super) messages: &'a [u32],
}

/// The rules that fired on a chat: rule, category (when `categories`), severity, score, count
/// and the messages (`#1` is the first).
pub(super) fn hit_lines(lang: Lang, lines: &[HitLine<'_>], categories: bool) -> Markup {
    html! {
        @if lines.is_empty() {
            p { (lang.s(S::AutoNoHits)) }
        } @else {
            table.hits {
                thead {
                    tr {
                        th { (lang.s(S::AutoRule)) }
                        @if categories {
                            th { (lang.s(S::AutoCategory)) }
                        }
                        th { (lang.s(S::AutoSeverity)) }
                        th { (lang.s(S::AutoScore)) }
                        th { (lang.s(S::AutoCount)) }
                        th { (lang.s(S::AutoMessages)) }
                    }
                }
                tbody {
                    @for h in lines {
                        @let msgs: Vec<String> = h.messages.iter().map(|m| format!("#{}", m + 1)).collect();
                        tr {
                            td { (h.title) " " code { (h.id) } }
                            @if let Some(c) = h.category.filter(|_| categories) {
                                td { (category_name(lang, c)) }
                            }
                            td { (severity_name(lang, h.severity)) }
                            td.num { (h.score) }
                            td.num { (h.count) }
                            td { (msgs.join(" ")) }
                        }
                    }
                }
            }
        }
    }
}

/// "Why not": for every rule that did not fire on the chat, the conditions that stopped it
/// (a negated, allowed, cut or quoted keyword, another sender, the buyer's own number, a wait
/// that is not over the limit in service time, a question after service hours, or nothing met),
/// in the order of the set.
fn why_not_lines(
    lang: Lang,
    set: &RuleSet,
    chat: &ParsedChat,
    context: StoreContext<'_>,
    hits: &[Hit],
) -> Markup {
    let en = lang == Lang::En;
    let quiet: Vec<(&RuleDef, Vec<Stop>)> = set
        .rules()
        .iter()
        .enumerate()
        .filter(|(i, _)| !hits.iter().any(|h| h.rule == *i))
        .map(|(_, r)| (r, chat.why_not(set, context, &r.id)))
        .collect();
    html! {
        h2 { (lang.s(S::AutoWhyNot)) }
        p { small { (lang.s(S::AutoWhyNotHelp)) } }
        table.why-not {
            thead {
                tr {
                    th { (lang.s(S::AutoRule)) }
                    th { (lang.s(S::AutoWhyNotReason)) }
                }
            }
            tbody {
                @for (r, stops) in &quiet {
                    tr {
                        td { (r.title(en)) " " code { (r.id) } }
                        td {
                            @for s in stops {
                                div.stop { (s.describe(en)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /qa/test

pub(super) const EXAMPLE_CHAT: &str = "buyer 10:00:01 在吗\nagent 10:00:30 您好，请问有什么可以帮您？\nbuyer 10:01:00 这个能便宜点吗\nagent 10:07:00 随便你，不买就算了\n";

#[derive(Debug, Default, Deserialize)]
pub struct TestForm {
    pub store: Option<String>,
    pub chat: String,
}

pub(super) fn test_body(
    lang: Lang,
    csrf: &str,
    store: &str,
    chat: &str,
    result: Option<Markup>,
) -> Markup {
    html! {
        form method="post" action={ "/qa/test?lang=" (lang.code()) } {
            (hidden("csrf", csrf))
            (hidden("store", store))
            p {
                label {
                    (lang.s(S::AutoChat)) br;
                    textarea name="chat" rows="12" cols="90" { (chat) }
                }
            }
            p { small { (lang.s(S::AutoChatHelp)) } }
            p { button type="submit" { (lang.s(S::AutoRunTest)) } }
        }
        @if let Some(r) = result { (r) }
    }
}

/// The chat of the test box: written by hand (`buyer 10:00:01 在吗`, [`parse_chat`]), or
/// else pasted from a chat window (千牛, 咚咚, 飞鸽: `买家 2026-11-03 10:01:02` then the text,
/// [`kefu_import::transcript`]), who is who told by the names (`店铺:子账号` and `客服…` are
/// agents, the first other name the buyer). A paste with no line naming a sender and a time
/// gets the hand-written format's error.
fn parse_pasted(text: &str, window: i64, en: bool) -> Result<ParsedChat, String> {
    use kefu_import::transcript::{TranscriptError, TranscriptOptions, parse};
    let by_hand = match parse_chat(text, window) {
        Ok(chat) => return Ok(chat),
        Err(e) => e,
    };
    // Times without a date fall on the day hand-written chats use.
    let day = Day::parse("2024-01-01");
    let pasted = match parse(text, TranscriptOptions { agents: &[], day }) {
        Ok(t) => t,
        Err(TranscriptError::NoHeader) => return Err(by_hand.describe(en)),
        Err(e) => return Err(e.describe(en)),
    };
    let messages = pasted
        .messages
        .into_iter()
        .map(|m| kefu_qa::rules::ParsedMessage {
            sender: m.sender,
            time: m.time,
            text: m.text,
            transfer: m.transfer_to.is_some(),
        })
        .collect();
    Ok(ParsedChat {
        messages,
        ..ParsedChat::default()
    })
}

/// `GET /qa/test`: the test box with an example chat.
pub async fn test_page(
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let store = q.store.clone().unwrap_or_default();
    let body = test_body(lang, &user.session.csrf, &store, EXAMPLE_CHAT, None);
    frame(lang, &user, StatusCode::OK, S::AutoTest, "/qa/test", body)
}

/// `POST /qa/test`: evaluates the store's rules (the shipped ones without a store) on the
/// pasted chat.
pub async fn test_chat(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
    Form(form): Form<TestForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let store = form.store.clone().filter(|s| !s.is_empty());
    let config = state.config.clone();
    let rules = state
        .db(move |db| {
            // Without a store, the shipped rules on the settings in force for a store without
            // its own: the service hours `kefu qa run` times such a store on (the v2 default,
            // 08:00-24:00) and no return address.
            let (set, name, return_address) = match store {
                Some(name) => {
                    let s = first_store(db, &u, Some(&name))?;
                    (
                        s.rules_in_force(db)?.set,
                        s.name().to_string(),
                        s.return_address(db)?,
                    )
                }
                None => (RuleSet::default_rules(), String::new(), String::new()),
            };
            let metrics = config.store(&name).metrics;
            Ok((
                set,
                metrics.reminder_window_hours,
                metrics.service_hours,
                return_address,
            ))
        })
        .await;
    let (set, window, hours, return_address) = match rules {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let (status, result) = match parse_pasted(&form.chat, window, lang == Lang::En) {
        Err(e) => (StatusCode::BAD_REQUEST, html! { p.error { (e) } }),
        Ok(chat) => {
            // The store's service hours (a wait counts its service time only) and its return
            // address (its phone is the store's own).
            let known: Vec<&str> = [return_address.as_str()]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect();
            let context = StoreContext {
                known_texts: &known,
                service_hours: Some(&hours),
            };
            let hits = chat.evaluate_with(&set, context);
            let why = why_not_lines(lang, &set, &chat, context, &hits);
            let named: Vec<NamedHit> = hits
                .iter()
                .map(|h| {
                    let r = &set.rules()[h.rule];
                    NamedHit {
                        zh: r.title(false).to_string(),
                        en: r.title(true).to_string(),
                        severity: r.severity,
                        messages: h.messages.clone(),
                        spans: h.spans.clone(),
                    }
                })
                .collect();
            let lines: Vec<HitLine<'_>> = hits
                .iter()
                .map(|h| {
                    let r = &set.rules()[h.rule];
                    HitLine {
                        title: r.title(lang == Lang::En),
                        id: &r.id,
                        category: Some(r.category),
                        severity: r.severity,
                        score: r.score,
                        count: h.count,
                        messages: &h.messages,
                    }
                })
                .collect();
            let marks = QaMarks::new(&named);
            let messages: Vec<(Sender, Millis, &str)> = chat
                .messages
                .iter()
                .map(|m| (m.sender, m.time, m.text.as_str()))
                .collect();
            (
                StatusCode::OK,
                html! {
                    h2 { (lang.s(S::AutoHits)) }
                    (hit_lines(lang, &lines, true))
                    (transcript_table(lang, &messages, &marks))
                    (why)
                },
            )
        }
    };
    let store = form.store.unwrap_or_default();
    let body = test_body(lang, &user.session.csrf, &store, &form.chat, Some(result));
    frame(lang, &user, status, S::AutoTest, "/qa/test", body)
}
