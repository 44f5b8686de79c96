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
    ImportPage,
    ImportFiles,
    ImportStore,
    SkipBad,
    ImportLimits,
    ImportButton,
    ImportReport,
    ImportFailed,
    File,
    Kind,
    Encoding,
    RowsRead,
    Accepted,
    Rejected,
    Line,
    Column,
    Value,
    Reason,
    Warnings,
    FirstRejected,
    DownloadRejects,
    NothingImported,
    NothingImportedPlain,
    NewMessages,
    DuplicatesSkipped,
    Refunds,
    RatingsAdded,
    RatingDuplicates,
    RosterRows,
    DaysRecomputed,
    UploadTooLarge,
    TooManyFiles,
    NoFiles,
    BadUpload,
    NotYourStore,
    NotAllowed,
    RejectsGone,
    ImportAgain,
    Settings,
    MetricSettings,
    SettingKey,
    Timezone,
    DefaultSettings,
    ConfigNote,
    Roster,
    DisplayName,
    Role,
    Everyone,
    Presale,
    Aftersale,
    Bot,
    Users,
    AddUser,
    UserStores,
    LinkedAccounts,
    AuditLog,
    Action,
    Detail,
    UserNameTaken,
    UserBadName,
    UserBadPassword,
    BadRole,
    UnknownStoreName,
    UnknownAccountName,
    StoreNeeded,
    ApiTokens,
    ApiTokensNote,
    NewToken,
    TokenShownOnce,
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
    QuickRanges,
    Today,
    Yesterday,
    ThisMonth,
    Teams,
    NoGroup,
    SalesSplit,
    SalesSplitNote,
    Share,
    HourTrend,
    HourOfDay,
    ResponseHistogram,
    PercentileNote,
    AnsweredRounds,
    Funnel,
    DailyConsulted,
    DailySales,
    BinNote,
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
            S::ImportPage => ("导入数据", "Import data"),
            S::ImportFiles => (
                "文件（CSV、JSON Lines、xlsx、淘宝订单报表）",
                "Files (CSV, JSON Lines, xlsx, Taobao order report)",
            ),
            S::ImportStore => (
                "店铺（用于没有店铺列的行）",
                "Store (for rows without a store column)",
            ),
            S::SkipBad => (
                "跳过错误行（只导入正确的行，错误行可下载）",
                "Skip bad rows (import the good rows; download the bad ones)",
            ),
            S::ImportLimits => (
                "最多 20 个文件，总计不超过 200 MB。",
                "At most 20 files, 200 MB in total.",
            ),
            S::ImportButton => ("导入", "Import"),
            S::ImportReport => ("导入报告", "Import report"),
            S::ImportFailed => ("导入失败", "Import failed"),
            S::File => ("文件", "File"),
            S::Kind => ("类型", "Kind"),
            S::Encoding => ("编码", "Encoding"),
            S::RowsRead => ("读取行数", "Rows read"),
            S::Accepted => ("已导入", "Accepted"),
            S::Rejected => ("被拒绝", "Rejected"),
            S::Line => ("行号", "Line"),
            S::Column => ("列", "Column"),
            S::Value => ("值", "Value"),
            S::Reason => ("原因", "Reason"),
            S::Warnings => ("警告", "Warnings"),
            S::FirstRejected => (
                "被拒绝的行（最多显示前 50 行）",
                "Rejected rows (at most the first 50)",
            ),
            S::DownloadRejects => (
                "下载全部被拒绝的行（CSV）",
                "Download all rejected rows (CSV)",
            ),
            S::NothingImported => (
                "没有导入任何数据。勾选“跳过错误行”可只导入正确的行。",
                "Nothing was imported. Tick “Skip bad rows” to import the good rows.",
            ),
            S::NothingImportedPlain => ("没有导入任何数据。", "Nothing was imported."),
            S::NewMessages => ("新消息", "New messages"),
            S::DuplicatesSkipped => ("重复消息（已跳过）", "Duplicate messages (skipped)"),
            S::Refunds => ("退款", "Refunds"),
            S::RatingsAdded => ("新评价", "New ratings"),
            S::RatingDuplicates => ("重复评价（已跳过）", "Duplicate ratings (skipped)"),
            S::RosterRows => ("花名册行", "Roster rows"),
            S::DaysRecomputed => ("重新计算的店铺日", "Store-days recomputed"),
            S::UploadTooLarge => (
                "上传内容超过 200 MB 的上限，没有导入任何数据。",
                "The upload exceeds the 200 MB limit; nothing was imported.",
            ),
            S::TooManyFiles => (
                "一次最多上传 20 个文件，没有导入任何数据。",
                "At most 20 files per upload; nothing was imported.",
            ),
            S::NoFiles => ("请选择至少一个文件。", "Choose at least one file."),
            S::BadUpload => (
                "无法读取上传的内容，没有导入任何数据。",
                "The upload could not be read; nothing was imported.",
            ),
            S::NotYourStore => (
                "您只能导入到您负责的店铺，没有导入任何数据。不允许的店铺：",
                "You may import only into your stores; nothing was imported. Store not allowed: ",
            ),
            S::NotAllowed => (
                "您没有权限访问此页面。",
                "You are not allowed to open this page.",
            ),
            S::RejectsGone => (
                "此文件已不存在（只保留 1 小时，且仅供导入者本人下载）。",
                "This file is gone (it is kept for 1 hour, for the importing user only).",
            ),
            S::ImportAgain => ("继续导入", "Import more"),
            S::Settings => ("设置", "Settings"),
            S::MetricSettings => ("指标设置", "Metric settings"),
            S::SettingKey => ("设置项", "Setting"),
            S::Timezone => ("时区", "Time zone"),
            S::DefaultSettings => (
                "默认（没有单独配置的店铺）",
                "Default (stores without settings of their own)",
            ),
            S::ConfigNote => (
                "指标设置来自配置文件的 [metrics]；修改配置文件并重启服务后，指标会按新设置重新计算。",
                "Metric settings come from the configuration file's [metrics]; after changing the file, restarting the server recomputes the figures under the new settings.",
            ),
            S::Roster => ("花名册", "Roster"),
            S::DisplayName => ("姓名", "Display name"),
            S::Role => ("角色", "Role"),
            S::Everyone => ("全部", "All"),
            S::Presale => ("售前", "Presale"),
            S::Aftersale => ("售后", "After-sale"),
            S::Bot => ("机器人", "Bot"),
            S::Users => ("用户", "Users"),
            S::AddUser => ("添加用户", "Add user"),
            S::UserStores => ("负责的店铺", "Stores"),
            S::LinkedAccounts => (
                "关联的客服账号（逗号分隔）",
                "Linked chat accounts (comma-separated)",
            ),
            S::AuditLog => ("审计日志", "Audit log"),
            S::Action => ("操作", "Action"),
            S::Detail => ("详情", "Detail"),
            S::UserNameTaken => ("该用户名已存在。", "A user of that name already exists."),
            S::UserBadName => (
                "用户名为 1 到 64 个字符，不能含控制字符，首尾不能有空格。",
                "A user name is 1 to 64 characters, without control characters or surrounding spaces.",
            ),
            S::UserBadPassword => (
                "密码长度为 8 到 1024 字节。",
                "A password is 8 to 1024 bytes.",
            ),
            S::BadRole => ("未知的角色。", "Unknown role."),
            S::UnknownStoreName => ("没有这个店铺：", "No such store: "),
            S::UnknownAccountName => (
                "此店铺没有这个客服账号：",
                "The store has no such chat account: ",
            ),
            S::StoreNeeded => (
                "关联客服账号需要先填写店铺。",
                "Linking chat accounts needs a store.",
            ),
            S::ApiTokens => ("个人 API 令牌", "Personal API tokens"),
            S::ApiTokensNote => (
                "脚本可用 HTTP 头 Authorization: Bearer <令牌> 调用 /api/v1/，权限与您的账号相同。",
                "Scripts call /api/v1/ with the header Authorization: Bearer <token>, with the permissions of your account.",
            ),
            S::NewToken => ("生成新令牌", "Create a token"),
            S::TokenShownOnce => (
                "这是您的新令牌。它只显示这一次，请立即妥善保存。",
                "This is your new token. It is shown only this once: store it safely now.",
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
            S::QuickRanges => (
                "快捷日期以最后一个有数据的日期为准",
                "Quick ranges count back from the last day with data",
            ),
            S::Today => ("今天", "Today"),
            S::Yesterday => ("昨天", "Yesterday"),
            S::ThisMonth => ("本月", "This month"),
            S::Teams => ("团队对比（人工客服）", "Team comparison (people)"),
            S::NoGroup => ("未分组", "No group"),
            S::SalesSplit => ("静默销售 vs 客服销售", "Silent vs agent sales"),
            S::SalesSplitNote => (
                "店铺销售额与静默销售额按下单日统计；客服销售额为各客服账号归属销售额之和，按接待日统计，故期间边界处两者之和可能与店铺销售额略有不同。占比以店铺销售额为分母。",
                "Store and silent sales count by the day an order was placed; agent sales are the sum of the accounts' attributed sales, by the day of the reception, so at the edges of a range the two may not add up to the store's sales exactly. Shares are of the store's sales.",
            ),
            S::Share => ("占比", "share"),
            S::HourTrend => (
                "按小时趋势：咨询人数（按买家当天首条消息的时刻）",
                "Trend by hour of day: consulted (by the time of the buyer's first message of the day)",
            ),
            S::HourOfDay => ("时刻（点）", "Hour of day"),
            S::ResponseHistogram => ("响应时间分布", "Response-time distribution"),
            S::PercentileNote => (
                "百分位按最近秩法：将服务时间内已回复轮次的响应时间升序排列（共 n 个），pN 为第 ⌈N% × n⌉ 个。",
                "Percentiles by nearest rank: the response times of the answered rounds in service hours in ascending order (n of them); pN is the ⌈N% × n⌉-th.",
            ),
            S::AnsweredRounds => ("服务时间内已回复轮次", "Answered rounds in service hours"),
            S::Funnel => ("询单 → 下单 → 付款漏斗", "Inquiry → ordered → paid funnel"),
            S::DailyConsulted => ("每日咨询人数", "Consulted by day"),
            S::DailySales => ("每日销售额（元）", "Sales by day (yuan)"),
            S::BinNote => (
                "各区间含下限、不含上限。",
                "Each bin includes its lower bound, not its upper one.",
            ),
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
