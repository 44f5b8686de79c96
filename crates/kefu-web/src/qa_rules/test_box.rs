//! Transcripts with marks

use super::*;

pub(super) fn hits_table_html(lang: Lang, set: &RuleSet, hits: &[kefu_qa::rules::Hit]) -> String {
    if hits.is_empty() {
        return format!("<p>{}</p>", esc(lang.s(S::AutoNoHits)));
    }
    let en = lang == Lang::En;
    let mut out = format!(
        "<table class=\"hits\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(lang.s(S::AutoRule)),
        esc(lang.s(S::AutoCategory)),
        esc(lang.s(S::AutoSeverity)),
        esc(lang.s(S::AutoScore)),
        esc(lang.s(S::AutoCount)),
        esc(lang.s(S::AutoMessages)),
    );
    for h in hits {
        let r = &set.rules()[h.rule];
        let msgs: Vec<String> = h.messages.iter().map(|m| format!("#{}", m + 1)).collect();
        out.push_str(&format!(
            "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(r.title(en)),
            esc(&r.id),
            esc(category_name(lang, r.category)),
            esc(severity_name(lang, r.severity)),
            r.score,
            h.count,
            msgs.join(" ")
        ));
    }
    out.push_str("</tbody></table>");
    out
}

// ---------------------------------------------------------------------------------------------
// /qa/test

pub(super) const EXAMPLE_CHAT: &str = "buyer 10:00:01 在吗\nagent 10:00:30 您好，请问有什么可以帮您？\nbuyer 10:01:00 这个能便宜点吗\nagent 10:07:00 随便你，不买就算了\n";

#[derive(Debug, Default, Deserialize)]
pub struct TestForm {
    pub store: Option<String>,
    pub chat: String,
}

pub(super) fn test_body(lang: Lang, csrf: &str, store: &str, chat: &str, result: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/qa/test?lang={l}\">{c}{s}\
         <p><label>{cl}<br><textarea name=\"chat\" rows=\"12\" cols=\"90\">{chat}</textarea></label></p>\
         <p><small>{help}</small></p><p><button type=\"submit\">{run}</button></p></form>{result}",
        l = lang.code(),
        c = hidden("csrf", csrf),
        s = hidden("store", store),
        cl = esc(lang.s(S::AutoChat)),
        chat = esc(chat),
        help = esc(lang.s(S::AutoChatHelp)),
        run = esc(lang.s(S::AutoRunTest)),
    )
}

/// `GET /qa/test`: the test box with an example chat.
pub async fn test_page(
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let store = q.store.clone().unwrap_or_default();
    let body = test_body(lang, &user.session.csrf, &store, EXAMPLE_CHAT, "");
    framed(lang, &user, StatusCode::OK, S::AutoTest, "/qa/test", &body)
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
        .db(move |db| match store {
            Some(name) => {
                let s = first_store(db, &u, Some(&name))?;
                let window = config.store(&s.store.name).metrics.reminder_window_hours;
                Ok((db.qa_rules_in_force(s.store.id)?.set, window))
            }
            None => Ok((
                RuleSet::default_rules(),
                config.store("").metrics.reminder_window_hours,
            )),
        })
        .await;
    let (set, window) = match rules {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let (status, result) = match parse_chat(&form.chat, window) {
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!(
                "<p class=\"error\">{}</p>",
                esc(&e.describe(lang == Lang::En))
            ),
        ),
        Ok(chat) => {
            let hits = chat.evaluate(&set);
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
            let marks = QaMarks::new(&named);
            let messages: Vec<(Sender, Millis, &str)> = chat
                .messages
                .iter()
                .map(|m| (m.sender, m.time, m.text.as_str()))
                .collect();
            (
                StatusCode::OK,
                format!(
                    "<h2>{}</h2>{}{}",
                    esc(lang.s(S::AutoHits)),
                    hits_table_html(lang, &set, &hits),
                    transcript_html(lang, &messages, &marks)
                ),
            )
        }
    };
    let store = form.store.unwrap_or_default();
    let body = test_body(lang, &user.session.csrf, &store, &form.chat, &result);
    framed(lang, &user, status, S::AutoTest, "/qa/test", &body)
}
