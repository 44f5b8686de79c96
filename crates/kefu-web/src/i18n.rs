//! The two languages of the pages: 中文 first, English complete.
//!
//! Every string is a variant of [`S`] whose text is given in both languages in one `match`,
//! so a missing translation does not compile.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// `?lang=` first, then the first of `Accept-Language` that is Chinese or English, then
    /// Chinese.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(l) = query.and_then(Lang::parse) {
            return l;
        }
        let accept = headers
            .get_all(axum::http::header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|tag| tag.split(';').next().unwrap_or("").trim());
        for tag in accept {
            if let Some(l) = Lang::parse(tag) {
                return l;
            }
        }
        Lang::Zh
    }

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn t(self, s: S) -> &'static str {
        let (zh, en) = s.texts();
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A figure's name.
    pub fn figure(self, f: &kefu_core::figures::Figure) -> &'static str {
        match self {
            Lang::Zh => f.zh,
            Lang::En => f.en,
        }
    }
}

/// Every string the pages show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S {
    AppName,
    Login,
    Logout,
    UserName,
    Password,
    WrongLogin,
    TooManyAttempts,
    FormExpired,
    Overview,
    Ranking,
    Store,
    From,
    To,
    Show,
    Last7,
    Last30,
    Figure,
    Current,
    Previous,
    Change,
    Trend,
    People,
    Bots,
    Account,
    Group,
    NoData,
    NotFound,
    Error,
    OwnFigures,
    Best,
    Worst,
    Language,
}

impl S {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            S::AppName => ("客服绩效", "kefu"),
            S::Login => ("登录", "Log in"),
            S::Logout => ("退出", "Log out"),
            S::UserName => ("用户名", "User name"),
            S::Password => ("密码", "Password"),
            S::WrongLogin => ("用户名或密码错误。", "Wrong user name or password."),
            S::TooManyAttempts => (
                "登录失败次数过多，请 5 分钟后再试。",
                "Too many failed logins; try again in 5 minutes.",
            ),
            S::FormExpired => (
                "表单已过期，请重新提交。",
                "The form has expired; please submit it again.",
            ),
            S::Overview => ("概览", "Overview"),
            S::Ranking => ("客服排名", "Agent ranking"),
            S::Store => ("店铺", "Store"),
            S::From => ("开始日期", "From"),
            S::To => ("结束日期", "To"),
            S::Show => ("查看", "Show"),
            S::Last7 => ("最近 7 天", "Last 7 days"),
            S::Last30 => ("最近 30 天", "Last 30 days"),
            S::Figure => ("指标", "Figure"),
            S::Current => ("本期", "This period"),
            S::Previous => ("上期", "Previous period"),
            S::Change => ("变化", "Change"),
            S::Trend => ("按日趋势", "Trend by day"),
            S::People => ("人工客服", "People"),
            S::Bots => ("机器人", "Bots"),
            S::Account => ("客服账号", "Account"),
            S::Group => ("组", "Group"),
            S::NoData => ("此期间没有数据。", "No data for this period."),
            S::NotFound => ("页面不存在。", "Page not found."),
            S::Error => ("出错了", "Error"),
            S::OwnFigures => (
                "仅显示您本人账号的指标。",
                "Only the figures of your own accounts are shown.",
            ),
            S::Best => ("最好", "best"),
            S::Worst => ("最差", "worst"),
            S::Language => ("English", "中文"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_choice() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::pick(None, &h), Lang::Zh);
        h.insert(
            "accept-language",
            "fr-FR, en-US;q=0.8, zh;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::pick(None, &h), Lang::En);
        assert_eq!(Lang::pick(Some("zh-CN"), &h), Lang::Zh);
        h.insert(
            "accept-language",
            "zh-CN,zh;q=0.9,en;q=0.8".parse().unwrap(),
        );
        assert_eq!(Lang::pick(None, &h), Lang::Zh);
        assert_eq!(Lang::pick(Some("en"), &h), Lang::En);
        assert_eq!(Lang::pick(Some("xx"), &h), Lang::Zh);
    }
}
