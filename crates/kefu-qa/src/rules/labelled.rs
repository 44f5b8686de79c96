//! Labelled chats for measuring a rule set (`kefu qa eval`, `docs/qa.md`): a TOML file of
//! `[[chat]]` tables, each a chat in the test-box format with the rules that must and must not
//! fire on it, and optional context (the order's address, the store's return address, service
//! hours).

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use super::chat::{ChatProblem, ParsedChat, parse_chat};
use super::config::{at_line, line_of};
use kefu_core::settings::ServiceHours;

use super::{Hit, RuleSet, StoreContext};

/// What the labeller knew about the chat beyond its messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatContext {
    /// The order's receiver, phone and address as the order holds them.
    pub order_address: Option<String>,
    /// The store's own return address (with its phone).
    pub return_address: Option<String>,
    /// The store's service hours (`metrics.md` §1 syntax: `09:00-22:00`, `22:00-02:00`,
    /// windows joined by commas).
    pub service_hours: Option<ServiceHours>,
}

/// A list of rule ids and the line it is written on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    pub rules: Vec<String>,
    pub line: usize,
}

/// One labelled chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledChat {
    pub id: String,
    /// The line of its `id`.
    pub line: usize,
    /// Its `class`, else the name of its file.
    pub class: String,
    pub note: String,
    pub must_fire: Labels,
    pub must_not_fire: Labels,
    pub context: ChatContext,
    pub chat: ParsedChat,
}

impl LabelledChat {
    /// The rules that fire on the chat, with its context: the order's and the store's return
    /// address as texts the store knows, and the service hours — the chat's own, else the
    /// store default of `metrics.md` §1 (08:00-24:00), as `kefu qa run` uses on a store
    /// without settings. The one place a labelled chat is evaluated.
    pub fn evaluate(&self, rules: &RuleSet) -> Vec<Hit> {
        let known: Vec<&str> = [&self.context.order_address, &self.context.return_address]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let hours = self
            .context
            .service_hours
            .clone()
            .unwrap_or_else(ServiceHours::default_v2);
        self.chat.evaluate_with(
            rules,
            StoreContext {
                known_texts: &known,
                service_hours: Some(&hours),
            },
        )
    }
}

/// A mistake in a labelled file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe(true))]
pub struct LabelError {
    /// 1-based line in the file; 0 when not in one place.
    pub line: usize,
    /// The chat's id, when known.
    pub chat: String,
    pub problem: LabelProblem,
}

/// What is wrong with a labelled chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelProblem {
    /// Not TOML, or not the shape of a labelled file; the TOML reader's own words (English).
    Syntax(String),
    /// The file has no `[[chat]]`.
    NoChats,
    EmptyId,
    DuplicateId,
    /// Neither `must_fire` nor `must_not_fire` names a rule.
    NoLabels,
    /// A rule in both lists.
    Both(String),
    /// A rule named twice in one list.
    Twice(String),
    /// A rule the rule set does not have.
    UnknownRule(String),
    /// A line of the chat itself.
    Chat(ChatProblem),
    /// `service_hours` is not `HH:MM-HH:MM` (windows may cross midnight and join by commas).
    ServiceHours(String),
}

impl LabelProblem {
    pub fn text(&self, en: bool) -> String {
        let t = |zh: String, english: String| if en { english } else { zh };
        match self {
            LabelProblem::Syntax(m) => t(
                kefu_core::localized::toml_message_zh(m, "标注文件"),
                m.clone(),
            ),
            LabelProblem::NoChats => t("没有 [[chat]]".into(), "no [[chat]] in the file".into()),
            LabelProblem::EmptyId => t("id 不能为空".into(), "id is empty".into()),
            LabelProblem::DuplicateId => t(
                "同一文件中另一段聊天用了同一个 id".into(),
                "another chat in the file has the same id".into(),
            ),
            LabelProblem::NoLabels => t(
                "must_fire 和 must_not_fire 至少要写一条规则".into(),
                "name a rule in must_fire or must_not_fire".into(),
            ),
            LabelProblem::Both(r) => t(
                format!("规则 {r} 同时在 must_fire 和 must_not_fire 中"),
                format!("rule {r} is in both must_fire and must_not_fire"),
            ),
            LabelProblem::Twice(r) => t(
                format!("规则 {r} 写了两次"),
                format!("rule {r} is listed twice"),
            ),
            LabelProblem::UnknownRule(r) => t(
                format!("规则集中没有规则 {r}"),
                format!("the rule set has no rule {r}"),
            ),
            LabelProblem::Chat(p) => {
                let e = super::chat::ChatError {
                    line: 0,
                    problem: *p,
                };
                // The chat error's text without its own (chat-relative) line.
                let full = e.describe(en);
                let cut = if en { "line 0: " } else { "第 0 行：" };
                full.strip_prefix(cut).unwrap_or(&full).to_string()
            }
            LabelProblem::ServiceHours(v) => t(
                format!(
                    "service_hours `{v}` 应写成 HH:MM-HH:MM，例如 09:00-22:00、22:00-02:00 或 09:00-12:00,13:30-22:00"
                ),
                format!(
                    "service_hours `{v}` should be HH:MM-HH:MM, e.g. 09:00-22:00, 22:00-02:00 or 09:00-12:00,13:30-22:00"
                ),
            ),
        }
    }
}

impl LabelError {
    /// The mistake with its line and chat, in English (`en`) or Chinese.
    pub fn describe(&self, en: bool) -> String {
        let mut out = at_line(self.line, en);
        if !self.chat.is_empty() {
            out.push_str(&if en {
                format!("chat {}: ", self.chat)
            } else {
                format!("聊天 {}：", self.chat)
            });
        }
        out.push_str(&self.problem.text(en));
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    chat: Vec<RawChat>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChat {
    id: Spanned<String>,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    must_fire: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    must_not_fire: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    order_address: Option<String>,
    #[serde(default)]
    return_address: Option<String>,
    #[serde(default)]
    service_hours: Option<Spanned<String>>,
    chat: Spanned<String>,
}

/// Parses a labelled file. `class` is the class of chats that give none (the file's name);
/// `reminder_window_hours` is the store setting orders' reminders are worked out with. Every
/// mistake is reported, not just the first. Rule ids are checked against a set by
/// [`unknown_rules`].
pub fn parse_labelled(
    text: &str,
    class: &str,
    reminder_window_hours: i64,
) -> Result<Vec<LabelledChat>, Vec<LabelError>> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        vec![LabelError {
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            chat: String::new(),
            problem: LabelProblem::Syntax(e.message().trim().to_string()),
        }]
    })?;
    if raw.chat.is_empty() {
        return Err(vec![LabelError {
            line: 0,
            chat: String::new(),
            problem: LabelProblem::NoChats,
        }]);
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in raw.chat {
        let id = r.id.get_ref().trim().to_string();
        let line = line_of(text, r.id.span().start);
        let mut err = |line: usize, problem: LabelProblem| {
            errors.push(LabelError {
                line,
                chat: id.clone(),
                problem,
            })
        };
        if id.is_empty() {
            err(line, LabelProblem::EmptyId);
        } else if !seen.insert(id.clone()) {
            err(line, LabelProblem::DuplicateId);
        }
        let mut labels = |list: Option<Spanned<Vec<String>>>| -> Labels {
            let Some(list) = list else {
                return Labels::default();
            };
            let at = line_of(text, list.span().start);
            let mut rules: Vec<String> = Vec::new();
            for rule in list.into_inner() {
                let rule = rule.trim().to_string();
                if rules.contains(&rule) {
                    err(at, LabelProblem::Twice(rule));
                } else {
                    rules.push(rule);
                }
            }
            Labels { rules, line: at }
        };
        let must_fire = labels(r.must_fire);
        let must_not_fire = labels(r.must_not_fire);
        if must_fire.rules.is_empty() && must_not_fire.rules.is_empty() {
            err(line, LabelProblem::NoLabels);
        }
        for rule in &must_fire.rules {
            if must_not_fire.rules.contains(rule) {
                err(must_not_fire.line, LabelProblem::Both(rule.clone()));
            }
        }
        let hours = match r.service_hours {
            None => None,
            Some(v) => {
                let parsed = ServiceHours::parse(v.get_ref());
                if parsed.is_none() {
                    err(
                        line_of(text, v.span().start),
                        LabelProblem::ServiceHours(v.get_ref().clone()),
                    );
                }
                parsed
            }
        };
        // The chat's first line: the one after `"""` when the string starts with a newline
        // (TOML drops that newline), else the line of the opening quotes.
        let open = r.chat.span().start;
        let after_quotes = text.get(open..).unwrap_or("");
        let first_line = line_of(text, open)
            + usize::from(
                after_quotes
                    .trim_start_matches(['"', '\''])
                    .starts_with(['\n', '\r']),
            );
        let chat = match parse_chat(r.chat.get_ref(), reminder_window_hours) {
            Ok(chat) => chat,
            Err(e) => {
                err(first_line + e.line - 1, LabelProblem::Chat(e.problem));
                ParsedChat::default()
            }
        };
        out.push(LabelledChat {
            id,
            line,
            class: r
                .class
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| class.to_string()),
            note: r.note.unwrap_or_default(),
            must_fire,
            must_not_fire,
            context: ChatContext {
                order_address: r.order_address,
                return_address: r.return_address,
                service_hours: hours,
            },
            chat,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The labels that name a rule `rules` does not have, with their lines.
pub fn unknown_rules(chats: &[LabelledChat], rules: &RuleSet) -> Vec<LabelError> {
    let known: HashSet<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
    let mut out = Vec::new();
    for c in chats {
        for labels in [&c.must_fire, &c.must_not_fire] {
            for r in &labels.rules {
                if !known.contains(r.as_str()) {
                    out.push(LabelError {
                        line: labels.line,
                        chat: c.id.clone(),
                        problem: LabelProblem::UnknownRule(r.clone()),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"# a comment
[[chat]]
id = "vx"
must_fire = ["off_platform"]
must_not_fire = ["forbidden_phrases"]
order_address = "王丽 15800112233 杭州"
service_hours = "09:00-24:00"
chat = """
buyer 10:00 在吗
agent 10:00:30 加我vx
"""

[[chat]]
id = "clean"
class = "mine"
note = "x"
must_not_fire = ["off_platform"]
return_address = "义乌"
chat = "buyer 10:00 在吗\nagent 10:01 您好"
"#;

    #[test]
    fn a_good_file_parses_with_class_context_and_lines() {
        let chats = parse_labelled(GOOD, "file", 24).unwrap();
        assert_eq!(chats.len(), 2);
        let a = &chats[0];
        assert_eq!((a.id.as_str(), a.line, a.class.as_str()), ("vx", 3, "file"));
        assert_eq!(a.must_fire.rules, vec!["off_platform"]);
        assert_eq!(a.must_fire.line, 4);
        assert_eq!(a.must_not_fire.rules, vec!["forbidden_phrases"]);
        assert_eq!(a.must_not_fire.line, 5);
        assert_eq!(a.chat.messages.len(), 2);
        assert_eq!(a.chat.messages[1].text, "加我vx");
        assert_eq!(
            a.context,
            ChatContext {
                order_address: Some("王丽 15800112233 杭州".into()),
                return_address: None,
                service_hours: ServiceHours::parse("09:00-24:00"),
            }
        );
        let b = &chats[1];
        assert_eq!((b.class.as_str(), b.note.as_str()), ("mine", "x"));
        assert!(b.must_fire.rules.is_empty());
        assert_eq!(b.context.return_address.as_deref(), Some("义乌"));
        assert_eq!(b.chat.messages.len(), 2);
    }

    fn errors(text: &str) -> Vec<(usize, String, LabelProblem)> {
        parse_labelled(text, "f", 24)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.line, e.chat, e.problem))
            .collect()
    }

    #[test]
    fn a_bad_chat_line_is_reported_on_its_line_in_the_file() {
        let text = "[[chat]]\nid = \"a\"\nmust_fire = [\"x\"]\nchat = \"\"\"\nbuyer 10:00 在吗\nagnet 10:01 您好\n\"\"\"\n";
        assert_eq!(
            errors(text),
            vec![(6, "a".into(), LabelProblem::Chat(ChatProblem::FirstWord))]
        );
        // Content on the line of the opening quotes.
        let text = "[[chat]]\nid = \"a\"\nmust_fire = [\"x\"]\nchat = \"\"\"buyer 在吗\n\"\"\"\n";
        assert_eq!(
            errors(text),
            vec![(4, "a".into(), LabelProblem::Chat(ChatProblem::NoTime))]
        );
    }

    #[test]
    fn every_mistake_is_reported_with_its_line() {
        let text = r#"[[chat]]
id = "a"
chat = "buyer 10:00 在吗"

[[chat]]
id = "a"
must_fire = ["x", "x"]
must_not_fire = ["x"]
service_hours = "9点到5点"
chat = "buyer 10:00 在吗"

[[chat]]
id = " "
must_fire = ["y"]
chat = "buyer 10:00 在吗"
"#;
        assert_eq!(
            errors(text),
            vec![
                (2, "a".into(), LabelProblem::NoLabels),
                (6, "a".into(), LabelProblem::DuplicateId),
                (7, "a".into(), LabelProblem::Twice("x".into())),
                (8, "a".into(), LabelProblem::Both("x".into())),
                (9, "a".into(), LabelProblem::ServiceHours("9点到5点".into())),
                (13, String::new(), LabelProblem::EmptyId),
            ]
        );
    }

    #[test]
    fn syntax_unknown_fields_and_empty_files_are_errors() {
        let e = errors(
            "[[chat]]\nid = \"a\"\nmust_fire = [\"x\"]\nchat = \"buyer 10:00 x\"\nfire = 1\n",
        );
        assert_eq!(e.len(), 1);
        assert!(matches!(&e[0].2, LabelProblem::Syntax(m) if m.contains("fire")));
        assert_eq!(e[0].0, 5);
        let e = errors("[[chat]]\nid = \"a\"\nmust_fire = [\"x\"]\n");
        assert!(matches!(&e[0].2, LabelProblem::Syntax(m) if m.contains("chat")));
        assert_eq!(
            errors("# nothing\n"),
            vec![(0, String::new(), LabelProblem::NoChats)]
        );
        let e = errors("[[chat]\n");
        assert_eq!(e[0].0, 1);
    }

    #[test]
    fn messages_name_the_line_and_chat_in_both_languages() {
        let e = LabelError {
            line: 7,
            chat: "vx".into(),
            problem: LabelProblem::UnknownRule("off_platfrom".into()),
        };
        assert_eq!(
            e.describe(true),
            "line 7: chat vx: the rule set has no rule off_platfrom"
        );
        assert_eq!(
            e.describe(false),
            "第 7 行：聊天 vx：规则集中没有规则 off_platfrom"
        );
        let e = LabelError {
            line: 3,
            chat: "a".into(),
            problem: LabelProblem::Chat(ChatProblem::NoTime),
        };
        assert!(
            e.describe(true)
                .starts_with("line 3: chat a: expected a time")
        );
        assert!(
            e.describe(false)
                .starts_with("第 3 行：聊天 a：第一个词后面应是时间")
        );
    }

    #[test]
    fn a_chat_without_service_hours_runs_on_the_default_clock() {
        // metrics.md §1's default, 08:00-24:00, as `kefu qa run` on a store without settings:
        // a buyer who wrote at 02:00 and was answered at 08:00:20 waited 20 s.
        let text = "[[chat]]\nid = \"a\"\nmust_not_fire = [\"slow_round\"]\nchat = \"\"\"\nbuyer 2026-12-02 02:00:00 在吗\nagent 2026-12-02 08:00:20 在的\n\"\"\"\n";
        let chats = parse_labelled(text, "f", 24).unwrap();
        assert_eq!(chats[0].context.service_hours, None);
        let set = RuleSet::default_rules();
        let hits = chats[0].evaluate(&set);
        assert!(
            !hits.iter().any(|h| set.rules()[h.rule].id == "slow_round"),
            "{hits:?}"
        );
        // 12 min after opening: past the shipped set's 10 minutes for the night's queue.
        let later = text.replace("08:00:20", "08:12:00");
        let chats = parse_labelled(&later, "f", 24).unwrap();
        let hits = chats[0].evaluate(&set);
        assert!(
            hits.iter().any(|h| set.rules()[h.rule].id == "slow_round"),
            "{hits:?}"
        );
    }

    #[test]
    fn service_hours_are_checked() {
        // The store setting's syntax (metrics.md §1): across midnight and several windows.
        for ok in [
            "09:00-22:00",
            "08:30-24:00",
            "22:00-09:00",
            "09:00-12:00,13:30-22:00",
        ] {
            let text = GOOD.replace("09:00-24:00", ok);
            let chats = parse_labelled(&text, "f", 24).unwrap();
            assert_eq!(
                chats[0].context.service_hours,
                ServiceHours::parse(ok),
                "{ok}"
            );
        }
        for bad in ["09:60-10:00", "24:01-24:02", "0900-2200", "9点到5点"] {
            let text = GOOD.replace("09:00-24:00", bad);
            assert!(parse_labelled(&text, "f", 24).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Any text is labels or errors with lines inside the file, never a panic.
        #[test]
        fn odd_files_are_errors_not_panics(
            head in "[a-z_\\[\\]=\" \n]{0,40}",
            body in "[buyeragnt0-9: 随便你\n\"'#-]{0,60}",
            hours in "[0-9:\\-]{0,12}",
        ) {
            let text = format!(
                "{head}\n[[chat]]\nid = \"a\"\nmust_fire = [\"x\"]\nservice_hours = \"{hours}\"\nchat = \"\"\"\n{body}\n\"\"\"\n"
            );
            let lines = text.lines().count() + 1;
            if let Err(errors) = parse_labelled(&text, "f", 24) {
                for e in errors {
                    proptest::prop_assert!(e.line <= lines, "{e:?} in {text:?}");
                    let _ = (e.describe(true), e.describe(false));
                }
            }
        }
    }

    #[test]
    fn unknown_rule_ids_name_their_list_line() {
        let chats = parse_labelled(GOOD, "f", 24).unwrap();
        let set = RuleSet::default_rules();
        assert!(unknown_rules(&chats, &set).is_empty());
        let text = GOOD.replace("[\"forbidden_phrases\"]", "[\"forbiden\"]");
        let chats = parse_labelled(&text, "f", 24).unwrap();
        let e = unknown_rules(&chats, &set);
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].line, e[0].chat.as_str()),
            (5, "vx"),
            "the line of must_not_fire"
        );
        assert_eq!(e[0].problem, LabelProblem::UnknownRule("forbiden".into()));
    }
}
