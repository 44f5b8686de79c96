//! Automatic quality rules (自动质检): a rule set is data (TOML, see `qa/rules.toml` and
//! `docs/qa.md`), compiled once into a [`RuleSet`] and evaluated over one reception at a time.
//!
//! A reception is given as a [`Chat`]: its messages in order (sender, time, text), the orders
//! attributed to it with their reminder facts, and when the account's shift ended that day.
//! Every keyword list of every enabled rule goes into one Aho-Corasick automaton, so each
//! message text is scanned once whatever the number of rules.
//!
//! A rule hits a reception at most once; the [`Hit`] names every message that triggered it
//! (indexes into [`Chat::messages`]) and, for keyword rules, the exact byte spans matched.

mod accuracy;
mod chat;
mod config;
mod eval;
mod keyword;
mod labelled;
mod matcher;
mod normalize;
mod summary;

use kefu_core::model::Sender;
use kefu_core::settings::ServiceHours;
use kefu_core::time::Millis;
use serde::{Deserialize, Serialize};

pub use accuracy::{Accuracy, Counts, Wrong};
pub use chat::{ChatError, ChatProblem, ParsedChat, ParsedMessage, parse_chat};
pub(crate) use config::line_of;
pub use config::{Problem, RuleError, param_text, set_param};
pub use labelled::{
    ChatContext, LabelError, LabelProblem, LabelledChat, Labels, parse_labelled, unknown_rules,
};
pub use summary::{HitCount, HitRow, HitTable, RuleRate, by_rule, by_severity, per_100};

/// The rule set shipped with kefu, used until a store saves its own.
pub const DEFAULT_RULES: &str = include_str!("../../../qa/rules.toml");

/// How bad a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// (中文, English)
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Severity::Low => ("轻微", "low"),
            Severity::Medium => ("一般", "medium"),
            Severity::High => ("严重", "high"),
            Severity::Critical => ("高压线", "critical"),
        }
    }
}

/// What a rule is about; reports group hits by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 服务禁忌用语
    Taboo,
    /// 高压线: off-platform payment or contact
    Risk,
    /// 服务规范: greeting, closing, rating invitation
    Etiquette,
    /// 响应时效
    Responsiveness,
    /// 跟进
    FollowUp,
    /// 买家情绪
    Sentiment,
    /// 销售
    Sales,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Taboo,
        Category::Risk,
        Category::Etiquette,
        Category::Responsiveness,
        Category::FollowUp,
        Category::Sentiment,
        Category::Sales,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Taboo => "taboo",
            Category::Risk => "risk",
            Category::Etiquette => "etiquette",
            Category::Responsiveness => "responsiveness",
            Category::FollowUp => "follow_up",
            Category::Sentiment => "sentiment",
            Category::Sales => "sales",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// (中文, English)
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Category::Taboo => ("服务禁忌用语", "forbidden phrases"),
            Category::Risk => ("高压线", "red line"),
            Category::Etiquette => ("服务规范", "service etiquette"),
            Category::Responsiveness => ("响应时效", "responsiveness"),
            Category::FollowUp => ("跟进", "follow-up"),
            Category::Sentiment => ("买家情绪", "buyer sentiment"),
            Category::Sales => ("销售", "sales"),
        }
    }
}

/// What a rule checks; each kind reads its own parameters (see `docs/qa.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A message of `senders` contains a keyword (or a phone number).
    Keywords,
    /// The number of messages of `senders` containing a keyword is below `min` or above `max`.
    KeywordCount,
    /// None of the first agent messages greets, when the buyer wrote first.
    Greeting,
    /// None of the last agent messages closes properly.
    Closing,
    /// A round waited over `minutes` and the next agent messages do not apologise.
    LongWaitApology,
    /// The agent promised to come back (稍等, 我去查查) and did not within `minutes`.
    MissedFollowUp,
    /// A round answered after more than `seconds`.
    SlowRound,
    /// The reception ends with a buyer question nobody answered.
    UnansweredRound,
    /// As above, and the account was still at work after the question came in.
    ShiftEndUnanswered,
    /// An order attributed to the reception stayed unpaid and nobody reminded the buyer.
    UnpaidNotReminded,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Keywords,
        Kind::KeywordCount,
        Kind::Greeting,
        Kind::Closing,
        Kind::LongWaitApology,
        Kind::MissedFollowUp,
        Kind::SlowRound,
        Kind::UnansweredRound,
        Kind::ShiftEndUnanswered,
        Kind::UnpaidNotReminded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Keywords => "keywords",
            Kind::KeywordCount => "keyword_count",
            Kind::Greeting => "greeting",
            Kind::Closing => "closing",
            Kind::LongWaitApology => "long_wait_apology",
            Kind::MissedFollowUp => "missed_follow_up",
            Kind::SlowRound => "slow_round",
            Kind::UnansweredRound => "unanswered_round",
            Kind::ShiftEndUnanswered => "shift_end_unanswered",
            Kind::UnpaidNotReminded => "unpaid_not_reminded",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The parameters of a rule; which ones apply depends on its [`Kind`]
/// ([`Param::applies_to`]). Unset parameters take the kind's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub senders: Option<Vec<Sender>>,
    pub keywords: Option<Vec<String>>,
    pub negations: Option<Vec<String>>,
    pub allow: Option<Vec<String>>,
    pub skip_quoted: Option<bool>,
    pub phone_numbers: Option<bool>,
    pub repeated_questions: Option<bool>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub first_agent_messages: Option<u32>,
    pub last_agent_messages: Option<u32>,
    pub min_agent_messages: Option<u32>,
    pub next_agent_messages: Option<u32>,
    pub count_bot: Option<bool>,
    pub minutes: Option<u32>,
    pub seconds: Option<u32>,
    pub negation_window: Option<u32>,
    pub withdrawn: Option<Vec<String>>,
    pub opening_grace_minutes: Option<u32>,
}

/// A parameter's name and type, for validation and the web form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Senders,
    Keywords,
    Negations,
    Allow,
    SkipQuoted,
    PhoneNumbers,
    RepeatedQuestions,
    Min,
    Max,
    FirstAgentMessages,
    LastAgentMessages,
    MinAgentMessages,
    NextAgentMessages,
    CountBot,
    Minutes,
    Seconds,
    NegationWindow,
    Withdrawn,
    OpeningGraceMinutes,
}

/// How a parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    List,
    Bool,
    Number,
}

impl Param {
    pub const ALL: [Param; 19] = [
        Param::Senders,
        Param::Keywords,
        Param::Negations,
        Param::Allow,
        Param::SkipQuoted,
        Param::PhoneNumbers,
        Param::RepeatedQuestions,
        Param::Min,
        Param::Max,
        Param::FirstAgentMessages,
        Param::LastAgentMessages,
        Param::MinAgentMessages,
        Param::NextAgentMessages,
        Param::CountBot,
        Param::Minutes,
        Param::Seconds,
        Param::NegationWindow,
        Param::Withdrawn,
        Param::OpeningGraceMinutes,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Param::Senders => "senders",
            Param::Keywords => "keywords",
            Param::Negations => "negations",
            Param::Allow => "allow",
            Param::SkipQuoted => "skip_quoted",
            Param::PhoneNumbers => "phone_numbers",
            Param::RepeatedQuestions => "repeated_questions",
            Param::Min => "min",
            Param::Max => "max",
            Param::FirstAgentMessages => "first_agent_messages",
            Param::LastAgentMessages => "last_agent_messages",
            Param::MinAgentMessages => "min_agent_messages",
            Param::NextAgentMessages => "next_agent_messages",
            Param::CountBot => "count_bot",
            Param::Minutes => "minutes",
            Param::Seconds => "seconds",
            Param::NegationWindow => "negation_window",
            Param::Withdrawn => "withdrawn",
            Param::OpeningGraceMinutes => "opening_grace_minutes",
        }
    }
    pub fn ty(self) -> ParamType {
        match self {
            Param::Senders
            | Param::Keywords
            | Param::Negations
            | Param::Allow
            | Param::Withdrawn => ParamType::List,
            Param::SkipQuoted
            | Param::PhoneNumbers
            | Param::RepeatedQuestions
            | Param::CountBot => ParamType::Bool,
            _ => ParamType::Number,
        }
    }
    /// (中文, English) label.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Param::Senders => ("检查谁的消息", "whose messages"),
            Param::Keywords => ("关键词", "keywords"),
            Param::Negations => (
                "否定前缀（紧挨关键词之前则不算）",
                "negation prefixes (directly before the keyword: no hit)",
            ),
            Param::Allow => ("白名单", "allow-list"),
            Param::SkipQuoted => (
                "忽略引号、书名号内的关键词",
                "ignore keywords inside quotes",
            ),
            Param::PhoneNumbers => ("检查手机号", "check phone numbers"),
            Param::RepeatedQuestions => (
                "同一问题无人回复又问一遍也算",
                "a question asked again before anyone answered counts",
            ),
            Param::Min => ("至少几条", "at least"),
            Param::Max => ("至多几条", "at most"),
            Param::FirstAgentMessages => ("客服前几条消息", "first agent messages"),
            Param::LastAgentMessages => ("客服最后几条消息", "last agent messages"),
            Param::MinAgentMessages => (
                "客服至少发几条才检查",
                "checked from this many agent messages",
            ),
            Param::NextAgentMessages => ("之后几条客服消息", "next agent messages"),
            Param::CountBot => ("机器人、自动回复也算", "bot and auto replies count"),
            Param::Minutes => ("分钟", "minutes"),
            Param::Seconds => ("秒", "seconds"),
            Param::NegationWindow => (
                "否定词与关键词之间最多几个字（不跨标点）",
                "characters allowed between a negation and the keyword (not across punctuation)",
            ),
            Param::Withdrawn => (
                "买家撤回问题的说法（不用了、算了）",
                "buyer phrases withdrawing the question (不用了, 算了)",
            ),
            Param::OpeningGraceMinutes => (
                "服务时间外的留言：开始服务后几分钟内回复不算超时",
                "questions left outside service hours: answered within this many minutes of opening is on time",
            ),
        }
    }
    /// Whether a rule of `kind` reads this parameter.
    pub fn applies_to(self, kind: Kind) -> bool {
        use Param as P;
        match kind {
            Kind::Keywords => matches!(
                self,
                P::Senders
                    | P::Keywords
                    | P::Negations
                    | P::NegationWindow
                    | P::Allow
                    | P::SkipQuoted
                    | P::PhoneNumbers
                    | P::RepeatedQuestions
            ),
            Kind::KeywordCount => matches!(
                self,
                P::Senders
                    | P::Keywords
                    | P::Negations
                    | P::NegationWindow
                    | P::Min
                    | P::Max
                    | P::MinAgentMessages
            ),
            Kind::Greeting => matches!(self, P::Keywords | P::FirstAgentMessages | P::CountBot),
            Kind::Closing => matches!(
                self,
                P::Keywords | P::LastAgentMessages | P::MinAgentMessages | P::CountBot
            ),
            Kind::LongWaitApology => matches!(
                self,
                P::Keywords
                    | P::Negations
                    | P::NegationWindow
                    | P::Minutes
                    | P::NextAgentMessages
                    | P::OpeningGraceMinutes
            ),
            Kind::MissedFollowUp => matches!(
                self,
                P::Keywords | P::Negations | P::NegationWindow | P::Minutes | P::Withdrawn
            ),
            Kind::SlowRound => matches!(self, P::Seconds | P::OpeningGraceMinutes),
            Kind::UnansweredRound | Kind::ShiftEndUnanswered => {
                matches!(self, P::Allow | P::Withdrawn)
            }
            Kind::UnpaidNotReminded => false,
        }
    }
    /// Whether a rule of `kind` cannot do without this parameter.
    pub fn required_by(self, kind: Kind) -> bool {
        use Param as P;
        match kind {
            Kind::Keywords => matches!(self, P::Senders),
            Kind::KeywordCount => matches!(self, P::Senders | P::Keywords),
            Kind::Greeting | Kind::Closing => matches!(self, P::Keywords),
            Kind::LongWaitApology | Kind::MissedFollowUp => {
                matches!(self, P::Keywords | P::Minutes)
            }
            Kind::SlowRound => matches!(self, P::Seconds),
            _ => false,
        }
    }
}

/// One rule as written: what the TOML file and the web form hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDef {
    pub id: String,
    /// Chinese name.
    pub name: String,
    pub name_en: String,
    pub kind: Kind,
    pub enabled: bool,
    pub category: Category,
    pub severity: Severity,
    /// Negative: a deduction; positive: a bonus.
    pub score: i32,
    pub params: Params,
}

impl RuleDef {
    /// The rule's name in a language (`en` = English).
    pub fn title(&self, en: bool) -> &str {
        if en && !self.name_en.is_empty() {
            &self.name_en
        } else if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

/// One message of a reception as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatMessage<'a> {
    pub sender: Sender,
    pub time: Millis,
    pub text: &'a str,
    /// A system message that handed the buyer to another account (closes the open round).
    pub transfer: bool,
}

/// An order attributed to the reception, with the engine's reminder fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatOrder {
    pub created_at: Millis,
    pub paid_at: Option<Millis>,
    /// When some agent first reminded the buyer to pay (see `metrics.md` §4).
    pub reminded_at: Option<Millis>,
}

/// One reception: the messages of one account and one buyer on one day, in order.
#[derive(Debug, Clone, Copy)]
pub struct Chat<'a> {
    pub messages: &'a [ChatMessage<'a>],
    pub orders: &'a [ChatOrder],
    /// The account's last agent message that day, over all its buyers: when its shift ended.
    pub shift_end: Option<Millis>,
    /// What else the store knows: the orders' addresses, its own return address, its
    /// service hours.
    pub context: StoreContext<'a>,
}

/// What the store knows about a reception beyond its messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreContext<'a> {
    /// Texts whose phone numbers are the buyer's or the store's own: the orders' receivers and
    /// addresses, the store's return address. An agent writing such a number is confirming
    /// it, not moving the buyer off the platform.
    pub known_texts: &'a [&'a str],
    /// The store's service hours (`metrics.md` §1): a wait counts only its time inside them
    /// (the service clock), and a question that came after the day's last service minute is
    /// the next morning's. `None`: all day, the wall clock.
    pub service_hours: Option<&'a ServiceHours>,
}

/// Where a keyword matched: a byte range of one message's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub message: u32,
    pub start: u32,
    pub end: u32,
}

/// A rule that fired on a reception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rule in [`RuleSet::rules`].
    pub rule: usize,
    /// How many times it fired in the reception (keyword matches, slow rounds, …).
    pub count: u32,
    /// The messages that triggered it, ascending, indexes into [`Chat::messages`].
    pub messages: Vec<u32>,
    /// The matched text, for keyword rules.
    pub spans: Vec<Span>,
}

/// Why a rule did not fire on a chat: one condition that stopped it (see
/// [`RuleSet::why_not`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// The message concerned, when there is one.
    pub message: Option<u32>,
    /// The occurrence that did not count (original bytes of the message), when there is one.
    pub span: Option<Span>,
    /// The text at `span`, as written.
    pub matched: String,
    pub reason: StopReason,
}

/// What stopped a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// A keyword matched but one of the rule's negations stands next to it (within its
    /// window, in the same clause).
    Negated { negation: String, at: Span },
    /// A keyword matched inside one of the rule's allow phrases.
    Allowed { phrase: String, at: Span },
    /// A keyword's ASCII edge runs on into letters or digits (加V in 加VIP, 12315 in an order
    /// number).
    AsciiBoundary,
    /// A keyword's `!prev=` exclusion precedes it (在的 in 现在的).
    Preceded(String),
    /// A keyword's `!next=` exclusion follows it (滚 in 滚轮).
    Followed(String),
    /// A keyword inside quotes or title marks, with `skip_quoted`.
    Quoted,
    /// A keyword in a message of a sender the rule does not check.
    OtherSender(Sender),
    /// A phone number the buyer wrote in the reception or the store knows (an address): the
    /// agent is confirming it.
    BuyerNumber,
    /// A run of digits the words before or after it name as something else than a contact
    /// number: an order, tracking or serial number (单号 15023418876), or the buyer's own
    /// (您的电话是…吗).
    NamedNumber,
    /// A wait over the limit on the wall clock but not on the service clock: its time outside
    /// the store's service hours does not count.
    ServiceClock,
    /// A round opened outside service hours and answered within the rule's grace after
    /// opening (`opening_grace_minutes`).
    OpeningGrace,
    /// A question left open that came after the day's service hours: the next morning's.
    OutsideServiceHours,
    /// No keyword and no condition of the rule was met.
    NothingMet,
    /// The rule is switched off.
    Disabled,
    /// The unanswered question is the shift-end rule's deduction (one problem, one deduction).
    Superseded,
}

impl Stop {
    /// The stop in words, in English (`en`) or Chinese; messages are numbered from 1.
    pub fn describe(&self, en: bool) -> String {
        let at = match (self.message, en) {
            (Some(m), true) => format!("message #{}: ", m + 1),
            (Some(m), false) => format!("第 {} 条消息：", m + 1),
            (None, _) => String::new(),
        };
        let k = &self.matched;
        let why = match (&self.reason, en) {
            (StopReason::Negated { negation, .. }, true) => {
                format!("“{k}” matched but is negated by “{negation}”")
            }
            (StopReason::Negated { negation, .. }, false) => {
                format!("命中“{k}”，但被否定词“{negation}”否定")
            }
            (StopReason::Allowed { phrase, .. }, true) => {
                format!("“{k}” matched but is excused by the allow phrase “{phrase}”")
            }
            (StopReason::Allowed { phrase, .. }, false) => {
                format!("命中“{k}”，但在白名单“{phrase}”之内")
            }
            (StopReason::AsciiBoundary, true) => {
                format!("“{k}” runs on into letters or digits (no word boundary)")
            }
            (StopReason::AsciiBoundary, false) => {
                format!("“{k}”前后紧接字母或数字（不是独立的词）")
            }
            (StopReason::Preceded(p), true) => format!("“{k}” is preceded by “{p}” (excluded)"),
            (StopReason::Preceded(p), false) => format!("“{k}”前面是“{p}”（已排除）"),
            (StopReason::Followed(n), true) => format!("“{k}” is followed by “{n}” (excluded)"),
            (StopReason::Followed(n), false) => format!("“{k}”后面是“{n}”（已排除）"),
            (StopReason::Quoted, true) => format!("“{k}” is inside quotes or title marks"),
            (StopReason::Quoted, false) => format!("“{k}”在引号或书名号内"),
            (StopReason::OtherSender(s), true) => {
                format!(
                    "“{k}” was written by {}, whom this rule does not check",
                    s.as_str()
                )
            }
            (StopReason::OtherSender(s), false) => {
                format!("“{k}”由{}发送，本规则不检查", sender_zh(*s))
            }
            (StopReason::BuyerNumber, true) => {
                format!("the number {k} was sent by the buyer or is in an address the store knows")
            }
            (StopReason::BuyerNumber, false) => {
                format!("号码 {k} 是买家自己发的或在已知地址中")
            }
            (StopReason::NamedNumber, true) => format!(
                "the words around {k} name it as an order, tracking or serial number or as the buyer's own"
            ),
            (StopReason::NamedNumber, false) => {
                format!("{k} 前后的文字说明它是订单号、运单号、序列号或买家自己的号码")
            }
            (StopReason::ServiceClock, true) => {
                "the wait is over the limit on the wall clock but not in service time: the time outside service hours does not count"
                    .to_string()
            }
            (StopReason::ServiceClock, false) => {
                "按自然时间等待超过时限，按服务时间没有超过：服务时间之外的时长不计".to_string()
            }
            (StopReason::OpeningGrace, true) => {
                "the buyer wrote outside service hours and was answered within the rule's minutes after opening: the night's queue is not slow"
                    .to_string()
            }
            (StopReason::OpeningGrace, false) => {
                "买家在服务时间外留言，开始服务后在规则给的分钟数内得到回复：夜间积压的留言不算慢".to_string()
            }
            (StopReason::OutsideServiceHours, true) => {
                "the question came after the day's service hours: no answer was due that day"
                    .to_string()
            }
            (StopReason::OutsideServiceHours, false) => {
                "问题在当天服务时间结束后才提出：当天不必回复".to_string()
            }
            (StopReason::NothingMet, true) => "no keyword or condition of the rule was met".into(),
            (StopReason::NothingMet, false) => "没有命中任何关键词或条件".into(),
            (StopReason::Disabled, true) => "the rule is switched off".into(),
            (StopReason::Disabled, false) => "该规则已停用".into(),
            (StopReason::Superseded, true) => {
                "the shift-end rule counts this unanswered question (one deduction)".into()
            }
            (StopReason::Superseded, false) => {
                "该未回复问题已由下班前未回复规则扣分（只扣一次）".into()
            }
        };
        format!("{at}{why}")
    }
}

fn sender_zh(s: Sender) -> &'static str {
    match s {
        Sender::Buyer => "买家",
        Sender::Agent => "客服",
        Sender::Bot => "机器人",
        Sender::Auto => "自动回复",
        Sender::System => "系统",
    }
}

/// A compiled rule set: rules with their automaton, ready to evaluate.
pub struct RuleSet {
    rules: Vec<RuleDef>,
    matcher: matcher::Matcher,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules)
            .finish()
    }
}

impl RuleSet {
    /// Parses and compiles a TOML rule set; errors name the line and field.
    pub fn parse(toml_text: &str) -> Result<RuleSet, Vec<RuleError>> {
        RuleSet::compile(config::parse(toml_text)?).map_err(|e| vec![e])
    }

    /// The shipped default rule set.
    pub fn default_rules() -> RuleSet {
        // The shipped file is checked by the test `default_rules_parse`.
        RuleSet::parse(DEFAULT_RULES).unwrap_or_else(|_| RuleSet {
            rules: Vec::new(),
            matcher: matcher::Matcher::empty(),
        })
    }

    /// Compiles validated definitions.
    pub fn compile(rules: Vec<RuleDef>) -> Result<RuleSet, RuleError> {
        let matcher = matcher::Matcher::new(&rules).map_err(|message| RuleError {
            line: 0,
            field: String::new(),
            problem: Problem::Syntax(message),
        })?;
        Ok(RuleSet { rules, matcher })
    }

    pub fn rules(&self) -> &[RuleDef] {
        &self.rules
    }

    /// The definitions as TOML (what a store saves), comments dropped.
    pub fn to_toml(&self) -> String {
        config::to_toml(&self.rules)
    }

    /// The rules that fire on one reception, in rule order.
    pub fn evaluate(&self, chat: &Chat<'_>) -> Vec<Hit> {
        eval::evaluate(self, chat)
    }

    /// Why the rule `id` did not fire on a chat: every condition that stopped it (a negated,
    /// allowed, cut or quoted keyword, a keyword of another sender, the buyer's own number, a
    /// round outside service hours), else [`StopReason::NothingMet`]. Empty when the rule
    /// fired or there is no such rule. For one chat at a time (the test box), not for runs.
    pub fn why_not(&self, chat: &Chat<'_>, id: &str) -> Vec<Stop> {
        match self.rules.iter().position(|r| r.id == id) {
            Some(index) => eval::why_not(self, chat, index),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
