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
    Export,
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
    Receptions,
    Transcript,
    ReceptionCount,
    Day,
    Buyer,
    Consulted,
    Served,
    Unreplied,
    Inquiry,
    Slow,
    FirstResponse,
    Duration,
    RoundCount,
    Ordered,
    PaidCount,
    SalesYuan,
    Yes,
    No,
    Messages,
    Time,
    Sender,
    Text,
    Mark,
    FromBuyer,
    FromAgent,
    FromBot,
    FromAuto,
    FromSystem,
    TransferTo,
    RoundWord,
    RoundOpens,
    RoundAnswered,
    RoundsOpened,
    Opened,
    Outcome,
    Response,
    ServiceHours,
    AgentAnswered,
    BotAnswered,
    Transferred,
    Unanswered,
    Orders,
    OrderId,
    Placed,
    AmountYuan,
    PaidAt,
    Unpaid,
    Attribution,
    AttributedHere,
    AttributedTo,
    AnswerAt,
    OwnLastAnswer,
    NoOwnAnswer,
    Silent,
    BeforeQuestion,
    NoOrders,
    RemindedOrders,
    RemindedAt,
    ReminderPaid,
    NoReceptions,
    BackToReceptions,
    LastDaysOnly,
    TouchedAnswers,
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
            S::Export => ("导出", "Export"),
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
            S::Receptions => ("接待明细", "Receptions"),
            S::Transcript => ("聊天记录", "Transcript"),
            S::ReceptionCount => ("接待数", "Receptions"),
            S::Day => ("日期", "Day"),
            S::Buyer => ("买家", "Buyer"),
            S::Consulted => ("咨询", "Consulted"),
            S::Served => ("接待", "Served"),
            S::Unreplied => ("未回复", "Unreplied"),
            S::Inquiry => ("询单", "Inquiry"),
            S::Slow => ("慢响应", "Slow"),
            S::FirstResponse => ("首次响应", "First response"),
            S::Duration => ("时长", "Duration"),
            S::RoundCount => ("轮次", "Rounds"),
            S::Ordered => ("下单", "Ordered"),
            S::PaidCount => ("付款", "Paid"),
            S::SalesYuan => ("销售额（元）", "Sales (yuan)"),
            S::Yes => ("是", "yes"),
            S::No => ("否", "no"),
            S::Messages => ("消息数", "Messages"),
            S::Time => ("时间", "Time"),
            S::Sender => ("发送方", "Sender"),
            S::Text => ("内容", "Message"),
            S::Mark => ("轮次标记", "Round mark"),
            S::FromBuyer => ("买家", "buyer"),
            S::FromAgent => ("客服", "agent"),
            S::FromBot => ("机器人", "bot"),
            S::FromAuto => ("自动回复", "auto reply"),
            S::FromSystem => ("系统", "system"),
            S::TransferTo => ("转接给", "transferred to"),
            S::RoundWord => ("第", "round"),
            S::RoundOpens => ("轮开始", "opens"),
            S::RoundAnswered => ("轮回复，响应", "answered in"),
            S::RoundsOpened => ("本日开启的轮次", "Rounds opened this day"),
            S::Opened => ("开始", "Opened"),
            S::Outcome => ("结果", "Outcome"),
            S::Response => ("响应时间", "Response"),
            S::ServiceHours => ("服务时间内", "In service hours"),
            S::AgentAnswered => ("人工回复", "agent answered"),
            S::BotAnswered => ("机器人回复", "bot answered"),
            S::Transferred => ("转接", "transferred"),
            S::Unanswered => ("未回复", "unanswered"),
            S::Orders => ("订单", "Orders"),
            S::OrderId => ("订单号", "Order"),
            S::Placed => ("下单时间", "Placed"),
            S::AmountYuan => ("金额（元）", "Amount (yuan)"),
            S::PaidAt => ("付款时间", "Paid"),
            S::Unpaid => ("未付款", "unpaid"),
            S::Attribution => ("归属", "Attribution"),
            S::AttributedHere => ("归属本接待：最后一次回复", "attributed here: last answer"),
            S::AttributedTo => ("归属", "attributed to"),
            S::AnswerAt => ("回复", "answer"),
            S::OwnLastAnswer => ("本接待最后回复", "this reception's last answer"),
            S::NoOwnAnswer => (
                "本接待在下单前没有回复",
                "this reception had no answer before the order",
            ),
            S::Silent => (
                "静默下单：窗口内没有任何下单前的回复",
                "silent: no answer before the order within the window",
            ),
            S::BeforeQuestion => (
                "在首次咨询前下单：本接待不算询单",
                "placed before the first question: not an inquiry",
            ),
            S::NoOrders => ("没有相关订单。", "No orders concern this reception."),
            S::RemindedOrders => ("催付订单", "Reminded orders"),
            S::RemindedAt => ("催付时间", "Reminded at"),
            S::ReminderPaid => ("已付款（催付成功）", "paid (successful)"),
            S::NoReceptions => ("此期间没有接待。", "No receptions in this period."),
            S::BackToReceptions => ("返回接待列表", "Back to the receptions"),
            S::LastDaysOnly => (
                "接待明细最多列出 31 天：此处为所选期间的最后 31 天。",
                "Receptions are listed for at most 31 days: these are the last 31 days of the range.",
            ),
            S::TouchedAnswers => ("本接待涉及轮次的回复时间", "Answers of touched rounds"),
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
