//! kefu's two languages: Chinese first, complete English.

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `--lang` wins; otherwise `LC_ALL`, `LC_MESSAGES`, `LANG`: Chinese for `zh*` and for the
    /// neutral `C`/`POSIX` locales (Chinese is the default), English for any other language.
    pub fn detect(flag: Option<Lang>) -> Lang {
        if let Some(l) = flag {
            return l;
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if v.is_empty() {
                    continue;
                }
                let neutral = v == "C" || v.starts_with("C.") || v == "POSIX";
                return if v.starts_with("zh") || neutral {
                    Lang::Zh
                } else {
                    Lang::En
                };
            }
        }
        Lang::Zh
    }

    /// The language tag of the pages (`zh-CN`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// A language tag such as `zh-CN`, `zh_TW`, `en-US` or `en`; other languages are `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// A figure's name in this language.
    pub fn figure(self, f: &kefu_core::figures::Figure) -> &'static str {
        match self {
            Lang::Zh => f.zh,
            Lang::En => f.en,
        }
    }

    /// Picks the text of this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A message (an error of the libraries) in this language.
    pub fn msg(self, m: &dyn kefu_core::localized::Localized) -> String {
        m.text(self == Lang::Zh)
    }
}
