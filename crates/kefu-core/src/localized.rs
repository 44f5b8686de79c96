//! Messages a user reads, in both of kefu's languages.
//!
//! Every error whose text reaches a page or the command line implements [`Localized`]: its
//! `Display` stays the English text (logs, tests and scripts read it), and [`Localized::zh`]
//! gives the Chinese one. The web picks by the user's language, the CLI by `--lang`/`LANG`.
//! Each crate writes its texts in one `match` per error type, so a new variant without a
//! Chinese text does not compile.

use std::fmt::Display;

/// A message in Chinese and English.
pub trait Localized: Display {
    /// The message in Chinese.
    fn zh(&self) -> String;

    /// The message in English: the `Display` text.
    fn en(&self) -> String {
        self.to_string()
    }

    /// The message in Chinese (`zh`) or English.
    fn text(&self, zh: bool) -> String {
        if zh { self.zh() } else { self.en() }
    }
}

/// A message made where it is said, in both languages; `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Said {}

impl Localized for Said {
    fn zh(&self) -> String {
        self.zh.clone()
    }
}

/// An I/O error in Chinese: the kinds a user can act on are said; the rest keep the
/// system's words after a Chinese lead.
pub fn io_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let said = match e.kind() {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "已经存在",
        K::InvalidData => "数据无效",
        K::UnexpectedEof => "文件意外结束",
        K::StorageFull => "磁盘已满",
        K::OutOfMemory => "内存不足",
        K::IsADirectory => "这是一个目录，不是文件",
        K::NotADirectory => "不是目录",
        K::ReadOnlyFilesystem => "文件系统只读",
        K::AddrInUse => "地址已被占用",
        K::AddrNotAvailable => "地址不可用",
        _ => return format!("读写错误（{e}）"),
    };
    format!("{said}（{e}）")
}

/// The TOML reader's message about a `file` (a noun such as "方案文件") in Chinese: the kinds
/// of mistake people make are said, the reader's own words follow in brackets. `en` may be
/// the bare message or the whole report with the line quoted (`Display`).
pub fn toml_message_zh(en: &str, file: &str) -> String {
    let said = if en.contains("unknown field") {
        "没有这个字段（拼写有误？）".to_string()
    } else if en.contains("missing field") {
        "缺少必填字段".to_string()
    } else if en.contains("invalid type") {
        "值的类型不对".to_string()
    } else if en.contains("duplicate key") {
        "同一个字段写了两次".to_string()
    } else if en.contains("unknown variant") {
        "不是可选的值之一".to_string()
    } else {
        format!("{file}的写法有误（TOML）")
    };
    format!("{said}（{en}）")
}

/// Text in Chinese mostly: at least one character of the CJK block.
pub fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_lead_in_chinese_and_keep_the_system_words() {
        let e = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert_eq!(io_zh(&e), "文件或目录不存在（gone）");
        let e = std::io::Error::other("odd");
        assert!(has_chinese(&io_zh(&e)) && io_zh(&e).contains("odd"));
    }

    #[test]
    fn toml_messages_lead_in_chinese_and_keep_the_readers_words() {
        for (en, zh) in [
            (
                "unknown field `nmae`, expected `name`",
                "没有这个字段（拼写有误？）",
            ),
            ("missing field `kind`", "缺少必填字段"),
            ("invalid type: string \"x\", expected i64", "值的类型不对"),
            ("duplicate key `id`", "同一个字段写了两次"),
            ("unknown variant `hi`, expected `low`", "不是可选的值之一"),
            ("invalid key", "规则文件的写法有误（TOML）"),
        ] {
            assert_eq!(toml_message_zh(en, "规则文件"), format!("{zh}（{en}）"));
        }
    }
}
