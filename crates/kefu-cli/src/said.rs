//! The command line's own messages in both languages: an error made with [`said!`] or a
//! context made with [`ctx!`] is shown in the user's language (`in_language` in
//! main.rs), like the libraries' errors.

pub use kefu_core::localized::Said;

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
