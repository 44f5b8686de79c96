//! The Chinese texts of the quality checks' errors (the English ones are their `Display`).
//! The rule and chat errors had both languages already; they join the common trait here.

use kefu_core::localized::Localized;

use crate::review::{AnswerError, ScorecardError};
use crate::rules::{ChatError, RuleError};

impl Localized for RuleError {
    fn zh(&self) -> String {
        self.describe(false)
    }
}

impl Localized for ChatError {
    fn zh(&self) -> String {
        self.describe(false)
    }
}

/// The place is said in Chinese; the message itself is the scorecard reader's words.
impl Localized for ScorecardError {
    fn zh(&self) -> String {
        format!(
            "评分表第 {} 行，`{}`：{}",
            self.line, self.field, self.message_zh
        )
    }
}

impl Localized for AnswerError {
    fn zh(&self) -> String {
        match self {
            AnswerError::Missing(item) => format!("评分项 `{item}` 未作答"),
            AnswerError::Invalid { item, value } => {
                format!("评分项 `{item}`：`{value}` 不是有效的答案")
            }
            AnswerError::Unknown(item) => format!("`{item}` 不是本评分表的评分项"),
        }
    }
}

#[cfg(test)]
mod tests {
    use kefu_core::localized::has_chinese;

    use super::*;
    use crate::rules::{ChatProblem, Problem};

    #[test]
    fn every_qa_error_reads_in_both_languages() {
        let all: Vec<Box<dyn Localized>> = vec![
            Box::new(RuleError {
                line: 3,
                field: "rule x: keywords".into(),
                problem: Problem::EmptyEntry,
            }),
            Box::new(ChatError {
                line: 2,
                problem: ChatProblem::NoTime,
            }),
            Box::new(ScorecardError {
                line: 1,
                field: "scorecard".into(),
                message: "m".into(),
                message_zh: "错".into(),
            }),
            Box::new(AnswerError::Missing("greeting".into())),
            Box::new(AnswerError::Invalid {
                item: "greeting".into(),
                value: "7".into(),
            }),
            Box::new(AnswerError::Unknown("x".into())),
        ];
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty(), "{}", e.en());
        }
    }
}
