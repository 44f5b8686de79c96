//! The command line's own messages in both languages: an error made with [`said!`] or a
//! context made with [`Said::ctx`] is shown in the user's language (`in_language` in
//! main.rs), like the libraries' errors.

use std::fmt;

use kefu_core::localized::Localized;

/// A message in Chinese and English; `Display` is the English.
#[derive(Debug, Clone)]
pub struct Said {
    pub zh: String,
    pub en: String,
}

impl Said {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Said {}

impl Localized for Said {
    fn zh(&self) -> String {
        self.zh.clone()
    }
}

/// An error of the command line in Chinese and English (both `format!` arguments).
macro_rules! said {
    ($zh:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        anyhow::Error::new($crate::said::Said::new(
            format!($zh $(, $arg)*),
            format!($en $(, $arg)*),
        ))
    };
}
pub(crate) use said;

/// A context of the command line in Chinese and English.
macro_rules! ctx {
    ($zh:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        || $crate::said::Said::new(format!($zh $(, $arg)*), format!($en $(, $arg)*))
    };
}
pub(crate) use ctx;
