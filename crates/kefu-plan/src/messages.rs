//! The Chinese texts of the plans' errors (the English ones are their `Display`).

use kefu_core::localized::Localized;

use crate::decimal::{DecimalError, MAX_SCALE, Overflow};
use crate::{EvalError, PlanError};

impl Localized for DecimalError {
    fn zh(&self) -> String {
        match self {
            DecimalError::NotANumber(s) => {
                format!("`{s}` 不是数字（可写 55%、0.55、1.12 或 150000）")
            }
            DecimalError::TooPrecise(s) => {
                format!("`{s}` 的小数位数超过 kefu 保留的 {MAX_SCALE} 位")
            }
            DecimalError::TooLarge(s) => format!("`{s}` 太大"),
            DecimalError::BadSeparator(s) => {
                format!("`{s}`：逗号只用于分隔千位（150,000）；小数请用小数点（1.5）")
            }
        }
    }
}

impl Localized for Overflow {
    fn zh(&self) -> String {
        "金额太大，无法精确计算".to_string()
    }
}

impl Localized for EvalError {
    fn zh(&self) -> String {
        format!(
            "{} 的薪酬项 `{}`：{}",
            self.account,
            self.component,
            self.source.zh()
        )
    }
}

impl Localized for PlanError {
    fn zh(&self) -> String {
        format!("第 {} 行，{}：{}", self.line, self.field, self.message_zh)
    }
}

#[cfg(test)]
mod tests {
    use kefu_core::localized::has_chinese;

    use super::*;

    #[test]
    fn every_plan_error_reads_in_both_languages() {
        let all: Vec<Box<dyn Localized>> = vec![
            Box::new(DecimalError::NotANumber("x".into())),
            Box::new(DecimalError::TooPrecise("0.123456789".into())),
            Box::new(DecimalError::TooLarge("1e99".into())),
            Box::new(DecimalError::BadSeparator("1,5".into())),
            Box::new(Overflow),
            Box::new(EvalError {
                component: "bonus".into(),
                account: "小美".into(),
                source: Overflow,
            }),
            Box::new(PlanError {
                line: 2,
                field: "kpi".into(),
                message: "m".into(),
                message_zh: "错".into(),
            }),
        ];
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty(), "{}", e.en());
        }
        // The parser's own messages, not only the place, are said in Chinese.
        let bad_weight =
            crate::parse(&crate::SHIPPED[0].1.replacen("weight = ", "weight = -", 1)).unwrap_err();
        assert!(has_chinese(&bad_weight.message_zh), "{}", bad_weight.zh());
        let typo =
            crate::parse(&crate::SHIPPED[0].1.replacen("weight =", "wieght =", 1)).unwrap_err();
        assert!(typo.message_zh.starts_with("没有这个字段"), "{}", typo.zh());
        assert_eq!(
            crate::Decimal::parse("1,5").unwrap_err().zh(),
            "`1,5`：逗号只用于分隔千位（150,000）；小数请用小数点（1.5）"
        );
    }
}
