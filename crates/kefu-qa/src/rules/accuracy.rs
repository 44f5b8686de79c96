//! How well a rule set agrees with labelled chats: per rule, per class and overall (micro),
//! true and false positives and negatives, precision and recall (`docs/qa.md`).

use super::labelled::LabelledChat;
use super::{Hit, RuleSet};

/// Judgements of one rule, one class, or all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Must fire, fired.
    pub tp: u64,
    /// Must not fire, fired.
    pub fp: u64,
    /// Must fire, did not.
    pub fn_: u64,
    /// Must not fire, did not.
    pub tn: u64,
}

impl Counts {
    pub fn add(&mut self, expected: bool, got: bool) {
        match (expected, got) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    pub fn merge(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
        self.tn += other.tn;
    }

    pub fn judgements(&self) -> u64 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// TP / (TP + FP); `None` (n/a) when the rule never fired on a judged chat.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN); `None` (n/a) when no chat says the rule must fire.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// A judgement the rule set got wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrong {
    /// The file (or other source) the chat came from, as the caller named it.
    pub source: String,
    /// The chat's line in it.
    pub line: usize,
    pub chat: String,
    pub class: String,
    pub rule: String,
    /// Whether the chat says the rule must fire (then it did not; else it did).
    pub expected: bool,
    /// The messages of the hit (indexes into the chat's messages), when it fired.
    pub messages: Vec<u32>,
    /// The text its spans matched, when it fired.
    pub matched: Vec<String>,
}

/// Judgements over any number of labelled chats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accuracy {
    pub chats: u64,
    /// Per rule that was judged, in the order of the rule set.
    pub rules: Vec<(String, Counts)>,
    /// Per class, in the order first met.
    pub classes: Vec<(String, Counts)>,
    /// Wrong judgements, in the order met.
    pub wrong: Vec<Wrong>,
}

fn entry<'a>(list: &'a mut Vec<(String, Counts)>, key: &str) -> &'a mut Counts {
    let at = match list.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            list.push((key.to_string(), Counts::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

impl Accuracy {
    /// Evaluates `rules` on one chat and records a judgement for every rule it names. Rule ids
    /// the set does not have count as never firing; check them first with
    /// [`super::labelled::unknown_rules`].
    pub fn add(&mut self, source: &str, chat: &LabelledChat, rules: &RuleSet) {
        let hits = chat.evaluate(rules);
        self.chats += 1;
        let labels = chat
            .must_fire
            .rules
            .iter()
            .map(|r| (r, true))
            .chain(chat.must_not_fire.rules.iter().map(|r| (r, false)));
        for (rule, expected) in labels {
            let hit: Option<&Hit> = hits.iter().find(|h| rules.rules()[h.rule].id == *rule);
            self.record(chat, source, rule, expected, hit);
        }
        // Per-rule rows in the order of the set, whatever order chats name them in.
        let order = |id: &str| rules.rules().iter().position(|r| r.id == id);
        self.rules.sort_by_key(|(id, _)| order(id));
    }

    fn record(
        &mut self,
        chat: &LabelledChat,
        source: &str,
        rule: &str,
        expected: bool,
        hit: Option<&Hit>,
    ) {
        let got = hit.is_some();
        entry(&mut self.rules, rule).add(expected, got);
        entry(&mut self.classes, &chat.class).add(expected, got);
        if expected != got {
            let matched = hit
                .map(|h| {
                    h.spans
                        .iter()
                        .filter_map(|s| {
                            let m = chat.chat.messages.get(s.message as usize)?;
                            m.text.get(s.start as usize..s.end as usize)
                        })
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            self.wrong.push(Wrong {
                source: source.to_string(),
                line: chat.line,
                chat: chat.id.clone(),
                class: chat.class.clone(),
                rule: rule.to_string(),
                expected,
                messages: hit.map(|h| h.messages.clone()).unwrap_or_default(),
                matched,
            });
        }
    }

    /// All judgements together: micro precision and recall come from these sums.
    pub fn micro(&self) -> Counts {
        let mut all = Counts::default();
        for (_, c) in &self.rules {
            all.merge(*c);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::super::labelled::parse_labelled;
    use super::*;

    #[test]
    fn precision_and_recall_are_n_a_without_a_denominator() {
        let c = Counts::default();
        assert_eq!((c.precision(), c.recall()), (None, None));
        let c = Counts {
            tp: 0,
            fp: 0,
            fn_: 2,
            tn: 5,
        };
        assert_eq!(c.precision(), None, "never fired: n/a, not 0 or 1");
        assert_eq!(c.recall(), Some(0.0));
        let c = Counts {
            tp: 0,
            fp: 3,
            fn_: 0,
            tn: 1,
        };
        assert_eq!((c.precision(), c.recall()), (Some(0.0), None));
        let c = Counts {
            tp: 3,
            fp: 1,
            fn_: 2,
            tn: 7,
        };
        assert_eq!(c.precision(), Some(0.75));
        assert_eq!(c.recall(), Some(0.6));
        assert_eq!(c.judgements(), 13);
    }

    #[test]
    fn micro_sums_counts_and_is_not_the_mean_of_rules() {
        let mut a = Counts::default();
        for _ in 0..9 {
            a.add(true, true);
        }
        a.add(false, true);
        let mut b = Counts::default();
        b.add(false, true);
        b.add(true, false);
        b.add(false, false);
        let acc = Accuracy {
            rules: vec![("a".into(), a), ("b".into(), b)],
            ..Accuracy::default()
        };
        let m = acc.micro();
        assert_eq!(
            m,
            Counts {
                tp: 9,
                fp: 2,
                fn_: 1,
                tn: 1
            }
        );
        assert_eq!(a.precision(), Some(0.9));
        assert_eq!(b.precision(), Some(0.0));
        // Micro 9/11, not the mean 0.45 of the rules' precisions.
        assert_eq!(m.precision(), Some(9.0 / 11.0));
        assert_eq!(m.recall(), Some(0.9));
    }

    const CHATS: &str = r#"
[[chat]]
id = "fires"
must_fire = ["forbidden_phrases", "off_platform"]
must_not_fire = ["buyer_anger"]
chat = """
buyer 10:00 在吗
agent 10:00:10 您好，随便你
"""

[[chat]]
id = "quiet"
class = "clean"
must_not_fire = ["forbidden_phrases"]
chat = """
buyer 10:00 在吗
agent 10:00:10 您好，爱买不买
"""
"#;

    #[test]
    fn chats_are_judged_only_on_the_rules_they_name() {
        let set = RuleSet::default_rules();
        let chats = parse_labelled(CHATS, "file", 24).unwrap();
        let mut acc = Accuracy::default();
        for c in &chats {
            acc.add("x.toml", c, &set);
        }
        assert_eq!(acc.chats, 2);
        let rule = |id: &str| acc.rules.iter().find(|(r, _)| r == id).unwrap().1;
        assert_eq!(
            rule("forbidden_phrases"),
            Counts {
                tp: 1,
                fp: 1,
                fn_: 0,
                tn: 0
            }
        );
        assert_eq!(
            rule("off_platform"),
            Counts {
                tp: 0,
                fp: 0,
                fn_: 1,
                tn: 0
            }
        );
        assert_eq!(
            rule("buyer_anger"),
            Counts {
                tp: 0,
                fp: 0,
                fn_: 0,
                tn: 1
            }
        );
        // Rules the chats do not name (no_greeting …) are not judged.
        assert_eq!(acc.rules.len(), 3);
        let order: Vec<&str> = acc.rules.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            order,
            ["forbidden_phrases", "off_platform", "buyer_anger"],
            "the order of the rule set"
        );
        assert_eq!(
            acc.micro(),
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1,
                tn: 1
            }
        );
        let classes: Vec<(&str, u64)> = acc
            .classes
            .iter()
            .map(|(c, n)| (c.as_str(), n.judgements()))
            .collect();
        assert_eq!(classes, [("file", 3), ("clean", 1)]);
        assert_eq!(acc.wrong.len(), 2);
        let missed = &acc.wrong[0];
        assert_eq!(
            (missed.rule.as_str(), missed.expected, missed.chat.as_str()),
            ("off_platform", true, "fires")
        );
        assert!(missed.messages.is_empty() && missed.matched.is_empty());
        let false_alarm = &acc.wrong[1];
        assert_eq!(
            (
                false_alarm.rule.as_str(),
                false_alarm.expected,
                false_alarm.line,
                false_alarm.source.as_str()
            ),
            ("forbidden_phrases", false, 12, "x.toml")
        );
        assert_eq!(false_alarm.messages, vec![1]);
        assert_eq!(false_alarm.matched, vec!["爱买不买".to_string()]);
    }
}
