//! A reception's messages as a table, rounds marked, and the messages that triggered quality
//! rules highlighted with the rules' names: the drill-down, the review page and the rule test
//! page all show a chat this way.

use std::collections::HashMap;

use kefu_core::model::Sender;
use kefu_core::time::{Millis, format_time};
use kefu_qa::rules::{RuleSet, Severity, Span};
use kefu_report::explain::{Mark, ReceptionView, RoundOutcome};
use kefu_store::ReceptionHit;

use crate::i18n::{Lang, S, Strings};
use crate::ui::format::duration_ms;
use crate::ui::html::{Markup, html};

/// The characters of one message a page shows (`docs/formats.md`, "Limits").
pub(crate) const MAX_SHOWN_CHARS: usize = 4000;

/// The rule marks of one reception's messages, for a transcript.
#[derive(Debug, Default, Clone)]
pub struct QaMarks {
    /// Per message index: the titles of the rules it triggered (both languages).
    labels: HashMap<u32, Vec<(String, String, Severity)>>,
    spans: Vec<Span>,
}

impl QaMarks {
    pub(crate) fn new(hits: &[NamedHit]) -> QaMarks {
        let mut m = QaMarks::default();
        for h in hits {
            for &i in &h.messages {
                m.labels
                    .entry(i)
                    .or_default()
                    .push((h.zh.clone(), h.en.clone(), h.severity));
            }
            m.spans.extend(h.spans.iter().copied());
        }
        m
    }

    /// Whether any rule points at message `i`.
    pub fn flagged(&self, i: usize) -> bool {
        self.labels.contains_key(&(i as u32))
    }

    /// The text of message `i` with the matched keywords in `<mark>`; at most
    /// [`MAX_SHOWN_CHARS`] characters of it, then a visible mark that the rest is not shown
    /// (a stored text can be long: a page must not carry megabytes of one message).
    pub fn text_html(&self, i: usize, text: &str, lang: Lang) -> Markup {
        let (text, cut) = match text.char_indices().nth(MAX_SHOWN_CHARS) {
            Some((end, _)) => (text.get(..end).unwrap_or(text), true),
            None => (text, false),
        };
        html! {
            (self.marked(i, text))
            @if cut {
                span.cut { (lang.s(S::MessageCut)) }
            }
        }
    }

    fn marked(&self, i: usize, text: &str) -> Markup {
        let mut spans: Vec<(usize, usize)> = self
            .spans
            .iter()
            .filter(|s| s.message == i as u32)
            .map(|s| (s.start as usize, s.end as usize))
            .collect();
        spans.sort_unstable();
        // (plain text before, the matched text) pairs, then the rest.
        let mut pieces: Vec<(&str, &str)> = Vec::new();
        let mut at = 0;
        for (s, e) in spans {
            // Overlapping matches are marked once; spans off the text (a changed transcript)
            // are ignored.
            if s < at {
                continue;
            }
            let (Some(before), Some(matched)) = (text.get(at..s), text.get(s..e)) else {
                continue;
            };
            pieces.push((before, matched));
            at = e;
        }
        let rest = text.get(at..).unwrap_or("");
        html! {
            @for (before, matched) in pieces {
                (before) mark { (matched) }
            }
            (rest)
        }
    }

    /// The rules message `i` triggered, as small labels.
    pub fn labels_html(&self, i: usize, lang: Lang) -> Markup {
        let labels = self.labels.get(&(i as u32)).map_or(&[][..], |l| &l[..]);
        html! {
            @for (n, (zh, en, sev)) in labels.iter().enumerate() {
                @if n > 0 { " " }
                span class={ "qa " (sev.as_str()) } { "⚑ " (lang.t(zh, en)) }
            }
        }
    }
}

/// Messages with their rule marks as a table (the rule test box and the hits' transcripts).
pub(crate) fn transcript_table(
    lang: Lang,
    messages: &[(Sender, Millis, &str)],
    marks: &QaMarks,
) -> Markup {
    html! {
        div.wrap {
            table.transcript {
                thead {
                    tr {
                        th { "#" }
                        th { (lang.s(S::Time)) }
                        th { (lang.s(S::Sender)) }
                        th { (lang.s(S::Text)) }
                        th { (lang.s(S::AutoRule)) }
                    }
                }
                tbody {
                    @for (i, (who, time, text)) in messages.iter().enumerate() {
                        @let clock = format_time(*time);
                        tr class={ "msg " (who.as_str()) @if marks.flagged(i) { " flagged" } } {
                            td { (i + 1) }
                            td { (clock.get(11..).unwrap_or(&clock)) }
                            td { span.who { (sender(lang, *who)) } }
                            td.text { (marks.text_html(i, text, lang)) }
                            td { (marks.labels_html(i, lang)) }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn sender(lang: Lang, s: Sender) -> &'static str {
    lang.s(match s {
        Sender::Buyer => S::FromBuyer,
        Sender::Agent => S::FromAgent,
        Sender::Bot => S::FromBot,
        Sender::Auto => S::FromAuto,
        Sender::System => S::FromSystem,
    })
}

fn mark(lang: Lang, m: Mark) -> String {
    // "第 1 轮开始" / "round 1 opens"
    match m {
        Mark::Opens { round } => {
            format!("{} {round} {}", lang.s(S::RoundWord), lang.s(S::RoundOpens))
        }
        Mark::Answers { round, response_ms } => format!(
            "{} {round} {} {}",
            lang.s(S::RoundWord),
            lang.s(S::RoundAnswered),
            duration_ms(response_ms)
        ),
    }
}

/// The messages of a reception, rounds marked, and the messages that triggered automatic
/// quality rules highlighted with the rules' names.
pub(crate) fn reception_transcript(lang: Lang, r: &ReceptionView, marks: &QaMarks) -> Markup {
    html! {
        h2 { (lang.s(S::Transcript)) }
        div.wrap {
            table.transcript {
                thead {
                    tr {
                        @for s in [S::Time, S::Sender, S::Text, S::Mark] {
                            th { (lang.s(s)) }
                        }
                    }
                }
                tbody {
                    @for (i, m) in r.messages.iter().enumerate() {
                        tr class={ "msg " (m.sender.as_str()) @if marks.flagged(i) { " flagged" } } {
                            td { (format_time(m.time).get(11..).unwrap_or_default()) }
                            td { span.who { (sender(lang, m.sender)) } }
                            td.text {
                                (marks.text_html(i, &m.text, lang))
                                @if let Some(t) = &m.transfer_to {
                                    " "
                                    span.transfer { "→ " (lang.s(S::TransferTo)) " " (t) }
                                }
                                (marks.labels_html(i, lang))
                            }
                            @match m.mark {
                                Some(k @ Mark::Opens { .. }) => td.opens { (mark(lang, k)) },
                                Some(k @ Mark::Answers { .. }) => td.answers { (mark(lang, k)) },
                                None => td {},
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How a round ended, as the rounds table of a reception and the rounds list both say it.
pub(crate) fn round_outcome(lang: Lang, outcome: &RoundOutcome) -> String {
    match outcome {
        RoundOutcome::Answered { at, by_bot } => format!(
            "{} {}",
            lang.s(if *by_bot {
                S::BotAnswered
            } else {
                S::AgentAnswered
            }),
            format_time(*at)
        ),
        RoundOutcome::Transferred { at, to } => {
            format!("{} {} → {to}", lang.s(S::Transferred), format_time(*at))
        }
        RoundOutcome::Unanswered => lang.s(S::Unanswered).to_string(),
    }
}

/// A hit named for display.
pub(crate) struct NamedHit {
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) severity: Severity,
    pub(crate) messages: Vec<u32>,
    pub(crate) spans: Vec<Span>,
}

/// Names a stored hit by the rule set in force (a rule since removed keeps its id).
pub(crate) fn titled(set: &RuleSet, hits: Vec<ReceptionHit>) -> Vec<NamedHit> {
    hits.into_iter()
        .map(|h| {
            let (zh, en) = set
                .rules()
                .iter()
                .find(|r| r.id == h.rule)
                .map_or((h.rule.clone(), h.rule.clone()), |r| {
                    (r.title(false).to_string(), r.title(true).to_string())
                });
            NamedHit {
                zh,
                en,
                severity: h.severity,
                messages: h.messages,
                spans: h.spans,
            }
        })
        .collect()
}

/// The account credited with an order, or "a colleague" where its name is hidden.
pub(crate) fn credited_name(lang: Lang, account: &str) -> &str {
    if account.is_empty() {
        lang.s(S::Colleague)
    } else {
        account
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_escape_text_and_wrap_spans() {
        let text = "<b>随便你</b>";
        let start = text.find('随').unwrap() as u32;
        let marks = QaMarks::new(&[NamedHit {
            zh: "禁忌".into(),
            en: "taboo".into(),
            severity: Severity::High,
            messages: vec![0],
            spans: vec![
                Span {
                    message: 0,
                    start,
                    end: start + 9,
                },
                // Off the text: ignored.
                Span {
                    message: 0,
                    start: 99,
                    end: 120,
                },
            ],
        }]);
        assert_eq!(
            marks.text_html(0, text, Lang::Zh).into_string(),
            "&lt;b&gt;<mark>随便你</mark>&lt;/b&gt;"
        );
        assert!(marks.flagged(0) && !marks.flagged(1));
        assert_eq!(
            marks.labels_html(0, Lang::En).into_string(),
            "<span class=\"qa high\">⚑ taboo</span>"
        );
        assert_eq!(marks.text_html(1, "a&b", Lang::Zh).into_string(), "a&amp;b");
    }
}
