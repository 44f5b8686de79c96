//! Every shipped rule with chats that must fire and chats that must not.

use super::*;

/// The ids of the default rules that fire on a hand-written chat.
fn fired(chat: &str) -> Vec<String> {
    fired_with(&RuleSet::default_rules(), chat)
}

fn fired_with(set: &RuleSet, chat: &str) -> Vec<String> {
    let chat = parse_chat(chat, 72).expect("test chats are well-formed");
    chat.evaluate(set)
        .into_iter()
        .map(|h| set.rules()[h.rule].id.clone())
        .collect()
}

fn hit_of(chat: &str, rule: &str) -> Option<Hit> {
    let set = RuleSet::default_rules();
    let parsed = parse_chat(chat, 72).expect("test chats are well-formed");
    parsed
        .evaluate(&set)
        .into_iter()
        .find(|h| set.rules()[h.rule].id == rule)
}

fn fires(chat: &str, rule: &str) -> bool {
    fired(chat).iter().any(|r| r == rule)
}

/// Whether `rule` of `set` fires on `chat` with the store's service hours `hours` (`None`:
/// all day, the wall clock).
fn fires_in(set: &RuleSet, chat: &str, rule: &str, hours: Option<&str>) -> bool {
    let hours = hours.and_then(ServiceHours::parse);
    parse_chat(chat, 72)
        .expect("test chats are well-formed")
        .evaluate_with(
            set,
            StoreContext {
                known_texts: &[],
                service_hours: hours.as_ref(),
            },
        )
        .iter()
        .any(|h| set.rules()[h.rule].id == rule)
}

/// A polite, complete reception: greeting, answer, closing. Nothing but the bonus fires.
const POLITE: &str = "
buyer 10:00:00 在吗
agent 10:00:20 您好，很高兴为您服务
buyer 10:00:40 包邮吗
agent 10:01:00 亲，全国包邮的呢
buyer 10:01:30 好的
agent 10:01:50 麻烦亲给个五星好评哦
agent 10:02:00 感谢支持，祝您生活愉快
";

#[test]
fn default_rules_parse() {
    let set = RuleSet::parse(DEFAULT_RULES).expect("the shipped rules are valid");
    assert_eq!(set.rules().len(), 15);
    // One unanswered question is one deduction: the shift-end variant ships switched off.
    let off: Vec<&str> = set
        .rules()
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.id.as_str())
        .collect();
    // No rating invitation either: Taobao forbids pressing for good reviews, and a store with
    // an invitation policy switches it on.
    assert_eq!(off, vec!["no_rating_invite", "shift_end_unanswered"]);
}

#[test]
fn a_polite_reception_only_earns_the_bonus() {
    assert_eq!(fired(POLITE), vec!["warm_wishes"]);
}

#[test]
fn forbidden_phrase_fires_with_its_span() {
    let chat = "buyer 10:00:00 这个怎么用\nagent 10:00:10 您好，说明书上有，你自己看\n";
    let h = hit_of(chat, "forbidden_phrases").expect("fires");
    assert_eq!(h.messages, vec![1]);
    let text = "您好，说明书上有，你自己看";
    let start = text.find("你自己看").unwrap() as u32;
    assert_eq!(
        h.spans,
        vec![Span {
            message: 1,
            start,
            end: start + "你自己看".len() as u32
        }]
    );
    assert!(fires(
        "buyer 10:00:00 哪个好\nagent 10:00:10 您好，随便你\n",
        "forbidden_phrases"
    ));
    assert!(fires(
        "buyer 10:00:00 快点\nagent 10:00:10 您好，急什么\n",
        "forbidden_phrases"
    ));
    assert!(fires(
        "buyer 10:00:00 啥\nagent 10:00:10 您好，听不懂吗\n",
        "forbidden_phrases"
    ));
}

#[test]
fn forbidden_phrase_negated_allowed_or_quoted_does_not_fire() {
    // Negation directly before the keyword.
    assert!(!fires(
        "buyer 10:00:00 你说随便我\nagent 10:00:10 您好，我不是随便你的意思\n",
        "forbidden_phrases"
    ));
    assert!(!fires(
        "buyer 10:00:00 ?\nagent 10:00:10 您好，我没说急什么\n",
        "forbidden_phrases"
    ));
    // Allow-list phrase covering the keyword.
    assert!(!fires(
        "buyer 10:00:00 颜色\nagent 10:00:10 您好，颜色随便你挑\n",
        "forbidden_phrases"
    ));
    // A quoted product or book name containing a keyword.
    assert!(!fires(
        "buyer 10:00:00 有书吗\nagent 10:00:10 您好，《急什么》这本书有货\n",
        "forbidden_phrases"
    ));
    assert!(!fires(
        "buyer 10:00:00 哪款\nagent 10:00:10 您好，我们的“随便你”系列很受欢迎\n",
        "forbidden_phrases"
    ));
    // The buyer saying it is not the agent's fault.
    assert!(!fires(
        "buyer 10:00:00 随便你\nagent 10:00:10 您好，好的\n",
        "forbidden_phrases"
    ));
    // Negation elsewhere in the message does not cancel a real occurrence.
    assert!(fires(
        "buyer 10:00:00 ?\nagent 10:00:10 您好，不是我说，随便你\n",
        "forbidden_phrases"
    ));
}

#[test]
fn off_platform_contact_and_payment_fire() {
    for text in [
        "您好，加我微信聊",
        "您好，加V发你图片",
        "您好，加v信吧",
        "您好，VX多少",
        "您好，支付宝转账更便宜",
        "您好，我的QQ号是多少来着",
        "您好，打我电话13812345678",
        "您好，打我电话138 1234 5678",
    ] {
        assert!(
            fires(
                &format!("buyer 10:00:00 在吗\nagent 10:00:10 {text}\n"),
                "off_platform"
            ),
            "{text}"
        );
    }
}

#[test]
fn off_platform_look_alikes_do_not_fire() {
    for text in [
        "您好，支持微信支付的",
        "您好，不要加微信，平台内沟通就好",
        "您好，您的订单号是2024061812345678901",
        "您好，两件299元",
    ] {
        assert!(
            !fires(
                &format!("buyer 10:00:00 在吗\nagent 10:00:10 {text}\n"),
                "off_platform"
            ),
            "{text}"
        );
    }
    // The buyer offering their own number is not the agent's red line.
    assert!(!fires(
        "buyer 10:00:00 打我电话13812345678\nagent 10:00:10 您好\n",
        "off_platform"
    ));
}

#[test]
fn greeting_missing_fires_and_bot_or_outreach_does_not() {
    let h = hit_of("buyer 10:00:00 在吗\nagent 10:00:10 说\n", "no_greeting").expect("fires");
    assert_eq!(h.messages, vec![1]);
    assert!(!fires(
        "buyer 10:00:00 在吗\nagent 10:00:10 在的亲\n",
        "no_greeting"
    ));
    // The bot greeted before the agent came in.
    assert!(!fires(
        "buyer 10:00:00 在吗\nbot 10:00:01 您好，我是智能客服\nbuyer 10:00:30 转人工\nagent 10:00:40 请说\n",
        "no_greeting"
    ));
    // The agent wrote first (a payment reminder): no first contact to greet.
    assert!(!fires(
        "agent 10:00:00 亲，订单还没付款哦\nbuyer 10:01:00 马上\n",
        "no_greeting"
    ));
    // Nobody answered: the unanswered rule speaks, not the greeting rule.
    assert!(!fires("buyer 10:00:00 在吗\n", "no_greeting"));
}

#[test]
fn irregular_closing_fires_without_a_closing_phrase() {
    // The buyer's 好的 ended the conversation and the agent's answer to it did not close.
    let chat = "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 有货吗\nagent 10:00:30 有\nbuyer 10:00:35 好的\nagent 10:00:40 嗯\n";
    let h = hit_of(chat, "irregular_closing").expect("fires");
    assert_eq!(h.messages, vec![5]);
    assert!(!fires(
        &format!("{chat}agent 10:00:40 还有什么可以帮您的吗\n"),
        "irregular_closing"
    ));
    // One agent message is too short a reception to judge a closing.
    assert!(!fires(
        "buyer 10:00:00 在吗\nagent 10:00:10 您好\n",
        "irregular_closing"
    ));
}

/// The default set with every rule switched on.
fn all_on() -> RuleSet {
    let text = DEFAULT_RULES.replace("enabled = false", "enabled = true");
    RuleSet::parse(&text).expect("valid")
}

#[test]
fn rating_invitation_missing_or_repeated() {
    let set = all_on();
    let fires = |chat: &str, rule: &str| fired_with(&set, chat).iter().any(|r| r == rule);
    let base = "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 有货吗\nagent 10:00:30 有的\nbuyer 10:00:35 好的\nagent 10:00:40 还有其他问题吗\n";
    assert!(fires(base, "no_rating_invite"));
    assert!(!fires(
        &format!("{base}agent 10:00:50 满意的话给个好评哦\n"),
        "no_rating_invite"
    ));
    // "不用评价" is not an invitation.
    assert!(fires(
        &format!("{base}agent 10:00:50 不用评价的\n"),
        "no_rating_invite"
    ));
    let twice = format!("{base}agent 10:00:50 给个好评哦\nagent 10:01:00 记得五星好评呀\n");
    let h = hit_of(&twice, "repeated_rating_invite").expect("fires");
    assert_eq!((h.count, h.messages.clone()), (2, vec![6, 7]));
    assert!(!fires(
        &format!("{base}agent 10:00:50 给个好评哦\n"),
        "repeated_rating_invite"
    ));
}

#[test]
fn long_wait_needs_an_apology_in_the_next_agent_messages() {
    let late = "buyer 10:00:00 在吗\nagent 10:06:00 您好\nagent 10:06:10 请问有什么可以帮您\n";
    let h = hit_of(late, "long_wait_no_apology").expect("fires");
    assert_eq!(h.messages, vec![0, 1]);
    // Apologised in the second agent message after the wait (K = 2).
    assert!(!fires(
        "buyer 10:00:00 在吗\nagent 10:06:00 您好\nagent 10:06:10 不好意思久等了\n",
        "long_wait_no_apology"
    ));
    // Apologised only in the third: too late.
    assert!(fires(
        "buyer 10:00:00 在吗\nagent 10:06:00 您好\nagent 10:06:10 请说\nagent 10:06:20 抱歉\n",
        "long_wait_no_apology"
    ));
    // Exactly five minutes is not over five minutes.
    assert!(!fires(
        "buyer 10:00:00 在吗\nagent 10:05:00 您好\n",
        "long_wait_no_apology"
    ));
}

#[test]
fn missed_follow_up_when_the_agent_does_not_come_back() {
    let gone = "buyer 10:00:00 我的快递呢\nagent 10:00:10 您好，我去查查，请稍等\nbuyer 10:30:00 人呢\nagent 10:40:00 查到了\n";
    let h = hit_of(gone, "missed_follow_up").expect("fires");
    assert_eq!(h.messages, vec![1]);
    assert_eq!(h.spans.len(), 2, "我去查查 and 稍等");
    assert!(fires(
        "buyer 10:00:00 发票\nagent 10:00:10 您好，稍等\n",
        "missed_follow_up"
    ));
    assert!(!fires(
        "buyer 10:00:00 我的快递呢\nagent 10:00:10 您好，我查一下\nagent 10:03:00 明天到\n",
        "missed_follow_up"
    ));
    // Handed to a colleague within the time: followed up.
    assert!(!fires(
        "buyer 10:00:00 退款\nagent 10:00:10 您好，稍等\ntransfer 10:02:00 转售后\n",
        "missed_follow_up"
    ));
    assert!(!fires(
        "buyer 10:00:00 在吗\nagent 10:00:10 您好，不用稍等，已经改好了\nagent 10:30:00 还有别的吗\n",
        "missed_follow_up"
    ));
    // 马上就好 is itself a promise: thirty minutes of silence after it is a miss.
    assert!(fires(
        "buyer 10:00:00 在吗\nagent 10:00:10 您好，不用稍等，马上就好\nagent 10:30:00 好了\n",
        "missed_follow_up"
    ));
}

#[test]
fn a_holding_message_says_nothing_else() {
    // Another promise with a greeting is still holding: the wait goes on.
    assert!(fires(
        "buyer 10:00:00 退款呢\nagent 10:00:10 稍等哈\nagent 10:03:00 您好，在帮您看了\nagent 10:30:00 退了\n",
        "missed_follow_up"
    ));
    // A promise that also answers is the answer.
    assert!(!fires(
        "buyer 10:00:00 有货吗\nagent 10:00:10 稍等\nagent 10:03:00 我看下，有货的，今天下单今天就能发\n",
        "missed_follow_up"
    ));
    // A result is no promise: 帮您查了一下 reports.
    assert!(!fires(
        "buyer 10:00:00 到哪了\nagent 10:00:10 帮您查了一下，已经到杭州了\n",
        "missed_follow_up"
    ));
    // Asking the buyer to show something is no promise: 给我看下.
    assert!(!fires(
        "buyer 10:00:00 坏了\nagent 10:00:10 抱歉，麻烦拍张照片给我看下\nbuyer 10:01:00 [图片]\n",
        "missed_follow_up"
    ));
    // Advice to wait a duration is no promise: 稍等1-3个工作日.
    assert!(!fires(
        "buyer 10:00:00 退款呢\nagent 10:00:10 退款一般稍等1-3个工作日到账\n",
        "missed_follow_up"
    ));
}

#[test]
fn negations_see_through_pronouns_and_enumerations() {
    assert!(!fires(
        "agent 10:00:00 不是让您自己去看，我截图给您\n",
        "forbidden_phrases"
    ));
    assert!(fires(
        "agent 10:00:00 不是让，您自己去看\n",
        "forbidden_phrases"
    ));
    // 、 lists, it does not end a clause: 不能加微信、QQ is one refusal.
    assert!(!fires(
        "agent 10:00:00 不能加微信、加QQ，见谅\n",
        "off_platform"
    ));
    // A negation that has its own object does not reach the keyword: 不用怕麻烦.
    assert!(fires(
        "agent 10:00:00 不用怕麻烦加我微信就行\n",
        "off_platform"
    ));
    // Anti-fraud context after the keyword.
    assert!(!fires(
        "agent 10:00:00 凡是让您加微信、QQ退款的都是骗子\n",
        "off_platform"
    ));
}

#[test]
fn buyer_repeats_and_anger() {
    assert!(fires(
        "buyer 10:00:00 我刚刚说过了，要蓝色\nagent 10:00:10 您好\n",
        "buyer_repeats"
    ));
    assert!(fires(
        "buyer 10:00:00 都说了几遍了\nagent 10:00:10 您好\n",
        "buyer_repeats"
    ));
    assert!(!fires(
        "buyer 10:00:00 我不是说过了吗\nagent 10:00:10 您好\n",
        "buyer_anger"
    ));
    assert!(!fires(
        "buyer 10:00:00 要蓝色\nagent 10:00:10 您好\n",
        "buyer_repeats"
    ));
    // The agent saying it is the forbidden rule's business, not the buyer rule's.
    assert!(!fires(
        "buyer 10:00:00 ?\nagent 10:00:10 您好，我说过了\n",
        "buyer_repeats"
    ));
    assert!(fires(
        "buyer 10:00:00 什么态度，我要投诉\nagent 10:00:10 您好\n",
        "buyer_anger"
    ));
    let h = hit_of(
        "buyer 10:00:00 什么态度，我要投诉\nagent 10:00:10 您好\n",
        "buyer_anger",
    )
    .unwrap();
    assert_eq!(h.count, 2);
    assert!(!fires(
        "buyer 10:00:00 放心，我不会给差评的\nagent 10:00:10 您好\n",
        "buyer_anger"
    ));
    assert!(!fires(
        "buyer 10:00:00 不想投诉，就问问\nagent 10:00:10 您好\n",
        "buyer_anger"
    ));
    assert!(!fires(
        "buyer 10:00:00 送垃圾袋吗\nagent 10:00:10 您好\n",
        "buyer_anger"
    ));
    assert!(!fires(
        "buyer 10:00:00 滚筒洗衣机有吗\nagent 10:00:10 您好\n",
        "buyer_anger"
    ));
}

#[test]
fn slow_rounds_count_each_round_over_the_limit() {
    let chat = "buyer 10:00:00 在吗\nagent 10:03:01 您好\nbuyer 10:04:00 有货吗\nagent 10:07:00 有\nbuyer 10:08:00 几天到\nagent 10:11:30 三天\n";
    let h = hit_of(chat, "slow_round").expect("fires");
    // 181 s and 210 s are over 180 s; 180 s exactly is not.
    assert_eq!((h.count, h.messages.clone()), (2, vec![0, 1, 4, 5]));
    // A round of acknowledgements asked nothing: its wait is not judged.
    let h = hit_of(
        "buyer 10:00:00 在吗\nagent 10:03:01 您好\nbuyer 10:04:00 好的谢谢\nagent 10:08:00 不客气\n",
        "slow_round",
    )
    .expect("fires");
    assert_eq!(h.count, 1);
    assert!(!fires(
        "buyer 10:00:00 在吗\nagent 10:03:00 您好\n",
        "slow_round"
    ));
    // A bot answer counts as an answer, as in the figures.
    assert!(!fires(
        "buyer 10:00:00 在吗\nbot 10:00:01 您好\n",
        "slow_round"
    ));
}

#[test]
fn unanswered_round_at_the_end() {
    let h = hit_of(
        "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:01:00 有货吗\nbuyer 10:02:00 人呢\n",
        "unanswered_round",
    )
    .expect("fires");
    assert_eq!(h.messages, vec![2, 3]);
    // A last "好的" needs no answer.
    assert!(!fires(
        "buyer 10:00:00 有货吗\nagent 10:00:10 您好，有的\nbuyer 10:01:00 好的！\n",
        "unanswered_round"
    ));
    // Transferred: somebody else answers.
    assert!(!fires(
        "buyer 10:00:00 退款\ntransfer 10:00:10 转售后\n",
        "unanswered_round"
    ));
    // An auto reply is not an answer.
    assert!(fires(
        "buyer 10:00:00 在吗\nauto 10:00:01 亲，现在咨询的人较多\n",
        "unanswered_round"
    ));
}

/// The default set with the shift-end rule switched on.
fn with_shift_end() -> RuleSet {
    let text = DEFAULT_RULES.replace(
        "kind = \"shift_end_unanswered\"\nenabled = false",
        "kind = \"shift_end_unanswered\"\nenabled = true",
    );
    RuleSet::parse(&text).expect("valid")
}

#[test]
fn shift_end_needs_the_agent_still_at_work() {
    let set = with_shift_end();
    let fires = |chat: &str, rule: &str| fired_with(&set, chat).iter().any(|r| r == rule);
    let chat = "buyer 17:50:00 在吗\nagent 17:50:10 您好\nbuyer 17:55:00 能开发票吗\n";
    // The account wrote to other buyers until 18:00: it left this question behind.
    assert!(fires(
        &format!("{chat}shift 18:00:00\n"),
        "shift_end_unanswered"
    ));
    // One question, one deduction: the shift-end rule speaks for the plain one.
    assert!(!fires(
        &format!("{chat}shift 18:00:00\n"),
        "unanswered_round"
    ));
    // Its last message was before the question: the question came after the shift.
    assert!(!fires(
        &format!("{chat}shift 17:52:00\n"),
        "shift_end_unanswered"
    ));
    assert!(fires(
        &format!("{chat}shift 17:52:00\n"),
        "unanswered_round"
    ));
    assert!(!fires(
        "buyer 17:50:00 在吗\nagent 17:50:10 您好\nshift 18:00:00\n",
        "shift_end_unanswered"
    ));
}

#[test]
fn unpaid_order_not_reminded() {
    let chat = "buyer 10:00:00 有货吗\nagent 10:00:10 您好，有的\norder 10:05:00\n";
    let h = hit_of(chat, "unpaid_not_reminded").expect("fires");
    assert_eq!((h.count, h.messages.clone()), (1, vec![1]));
    // Reminded by an agent message after the order.
    assert!(!fires(
        &format!("{chat}agent 10:10:00 亲，记得付款哦\n"),
        "unpaid_not_reminded"
    ));
    // Paid on its own.
    assert!(!fires(
        "buyer 10:00:00 有货吗\nagent 10:00:10 您好，有的\norder 10:05:00 paid 10:06:00\n",
        "unpaid_not_reminded"
    ));
    // A "reminder" after the window (72 h) is none: parse with a 0-hour window to check.
    let set = RuleSet::default_rules();
    let late = parse_chat(&format!("{chat}agent 10:10:00 付款哦\n"), 0).unwrap();
    assert_eq!(late.orders[0].reminded_at, None);
    assert!(
        late.evaluate(&set)
            .iter()
            .any(|h| set.rules()[h.rule].id == "unpaid_not_reminded")
    );
}

#[test]
fn disabled_rules_do_not_fire() {
    let text = DEFAULT_RULES.replace(
        "id = \"forbidden_phrases\"\nname = \"服务禁忌用语\"\nname_en = \"Forbidden phrases\"\nkind = \"keywords\"\nenabled = true",
        "id = \"forbidden_phrases\"\nname = \"服务禁忌用语\"\nname_en = \"Forbidden phrases\"\nkind = \"keywords\"\nenabled = false",
    );
    let set = RuleSet::parse(&text).unwrap();
    assert!(!set.rules()[0].enabled);
    assert!(
        !fired_with(&set, "buyer 10:00:00 ?\nagent 10:00:10 您好，随便你\n")
            .contains(&"forbidden_phrases".to_string())
    );
}

#[test]
fn errors_name_line_and_field() {
    let text = "[[rule]]\nid = \"x\"\nkind = \"keywords\"\ncategory = \"taboo\"\nseverity = \"huge\"\nscore = -1\nsenders = [\"agent\"]\nkeywords = [\"a\"]\nminutes = 3\n";
    let errs = RuleSet::parse(text).unwrap_err();
    let shown: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        vec![
            "line 5: rule x: severity: one of low, medium, high, critical",
            "line 9: rule x: minutes: does not apply to kind keywords",
        ]
    );
    let errs = RuleSet::parse("[[rule]]\nid = \"y\"\nkind = \"slow_round\"\ncategory = \"taboo\"\nseverity = \"low\"\nscore = 1\n").unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "line 2: rule y: seconds: kind slow_round needs it"
    );
    assert_eq!(
        errs[0].describe(false),
        "第 2 行：rule y: seconds: 类型 slow_round 必须填写"
    );
    let errs = RuleSet::parse("[[rule]]\nid = \"z\"\nkind = \"slow_round\"\ncategory = \"taboo\"\nseverity = \"low\"\nscore = 1\nseconds = -5\n").unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "line 7: rule z: seconds: must be a whole number from 0 to 100000"
    );
    let errs = RuleSet::parse("[[rule]]\nid = \"z\"\nbogus = 1\n").unwrap_err();
    assert_eq!(errs[0].line, 3, "{:?}", errs[0]);
    let errs = RuleSet::parse("[[rule]\n").unwrap_err();
    assert_eq!(errs[0].line, 1);
    assert!(
        errs[0]
            .describe(false)
            .starts_with("第 1 行：规则文件的写法有误（TOML）（")
    );
    // A value of the wrong type is said in Chinese first, the reader's words after.
    let errs = RuleSet::parse("[[rule]]\nid = \"z\"\nscore = \"ten\"\n").unwrap_err();
    let zh = errs[0].describe(false);
    assert!(zh.starts_with("第 3 行：值的类型不对（"), "{zh}");
    assert!(
        errs[0].to_string().starts_with("line 3: invalid type"),
        "{}",
        errs[0]
    );
    // Two rules with one id.
    let one = "[[rule]]\nid = \"a\"\nkind = \"slow_round\"\ncategory = \"taboo\"\nseverity = \"low\"\nscore = 1\nseconds = 5\n";
    let errs = RuleSet::parse(&format!("{one}{one}")).unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "line 9: rule a: id: another rule has the same id"
    );
}

#[test]
fn toml_round_trips_and_form_fields_edit() {
    let set = RuleSet::default_rules();
    let again = RuleSet::parse(&set.to_toml()).expect("written TOML reads back");
    assert_eq!(again.rules(), set.rules());
    let mut p = set.rules()[0].params.clone();
    set_param(&mut p, Param::Keywords, "随便你\n\n 急什么 \n").unwrap();
    assert_eq!(
        p.keywords,
        Some(vec!["随便你".to_string(), "急什么".to_string()])
    );
    assert_eq!(param_text(&p, Param::Keywords), "随便你\n急什么");
    set_param(&mut p, Param::SkipQuoted, "false").unwrap();
    assert_eq!(p.skip_quoted, Some(false));
    assert!(set_param(&mut p, Param::Minutes, "ten").is_err());
    assert!(set_param(&mut p, Param::Senders, "agent\nwho").is_err());
}

#[test]
fn chat_errors_name_the_line() {
    assert_eq!(
        parse_chat("buyer 10:00:00 在吗\nagent soon 您好\n", 72)
            .unwrap_err()
            .line,
        2
    );
    let err = parse_chat("someone 10:00 hi\n", 72).unwrap_err();
    assert_eq!((err.line, err.problem), (1, ChatProblem::FirstWord));
    assert!(err.describe(false).starts_with("第 1 行：每行以 buyer"));
    let c = parse_chat(
        "# a comment\n\n买家 2024-06-18 10:00 在吗\n客服 2024-06-18 10:00:05 您好\n",
        72,
    )
    .unwrap();
    assert_eq!(c.messages.len(), 2);
    assert_eq!(c.messages[1].time - c.messages[0].time, 5_000);
}

#[test]
fn no_panic_on_odd_input() {
    let set = RuleSet::default_rules();
    for text in [
        "",
        "\"",
        "《",
        "》》《《",
        "1",
        "１３８",
        "随便你\"",
        "\u{0}",
        "🙂随便你🙂",
    ] {
        let msgs = [ChatMessage {
            sender: Sender::Agent,
            time: 0,
            text,
            transfer: false,
        }];
        let _ = set.evaluate(&Chat {
            messages: &msgs,
            orders: &[],
            shift_end: None,
            context: Default::default(),
        });
    }
    let empty = set.evaluate(&Chat {
        messages: &[],
        orders: &[ChatOrder {
            created_at: 0,
            paid_at: None,
            reminded_at: None,
        }],
        shift_end: Some(0),
        context: Default::default(),
    });
    // An order with no message before it still hits, pointing at no message.
    assert_eq!(empty.len(), 1);
    assert!(empty[0].messages.is_empty());
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    /// Text made of the characters rules care about: keywords, negations, quotes, digits.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec![
                "随便你",
                "不是",
                "《",
                "》",
                "“",
                "”",
                "\"",
                "微信",
                "支付",
                "1",
                "3",
                "８",
                "-",
                " ",
                "稍等",
                "抱歉",
                "好的",
                "投诉",
                "不会",
                "评价",
                "您好",
                "祝您",
                "🙂",
                "a",
                "V",
            ]),
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    fn message() -> impl Strategy<Value = (u8, i64, String, bool)> {
        (0u8..5, 0i64..4_000_000, text(), any::<bool>())
    }

    proptest! {
        #[test]
        fn hits_point_inside_the_chat(
            mut msgs in proptest::collection::vec(message(), 0..20),
            orders in proptest::collection::vec((0i64..4_000_000, any::<bool>(), any::<bool>()), 0..3),
            shift in proptest::option::of(0i64..4_000_000),
        ) {
            msgs.sort_by_key(|m| m.1);
            let set = RuleSet::default_rules();
            let chat: Vec<ChatMessage<'_>> = msgs
                .iter()
                .map(|(s, t, text, transfer)| ChatMessage {
                    sender: Sender::from_code(*s).unwrap_or(Sender::Buyer),
                    time: *t,
                    text,
                    transfer: *transfer,
                })
                .collect();
            let orders: Vec<ChatOrder> = orders
                .iter()
                .map(|&(t, paid, reminded)| ChatOrder {
                    created_at: t,
                    paid_at: paid.then_some(t + 1),
                    reminded_at: reminded.then_some(t + 2),
                })
                .collect();
            let hits = set.evaluate(&Chat { messages: &chat, orders: &orders, shift_end: shift, context: Default::default() });
            for h in &hits {
                prop_assert!(set.rules()[h.rule].enabled);
                prop_assert!(h.count >= 1);
                prop_assert!(h.messages.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(h.messages.iter().all(|&m| (m as usize) < chat.len()));
                for s in &h.spans {
                    let text = chat[s.message as usize].text;
                    prop_assert!(text.get(s.start as usize..s.end as usize).is_some());
                }
            }
        }

        #[test]
        fn odd_rule_files_and_chats_are_errors_not_panics(rules in "\\PC{0,200}", chat in "\\PC{0,200}") {
            let _ = RuleSet::parse(&rules);
            let _ = RuleSet::parse(&format!("[[rule]]\n{rules}"));
            let _ = parse_chat(&chat, 72);
            let _ = parse_chat(&format!("buyer 10:00 {chat}\norder {chat}"), 72);
        }
    }
}

/// Issue 15's classes, each with sentences of our own: the shipped set must read them as a
/// supervisor would.
mod classes {
    use super::*;

    pub(super) fn agent_says(text: &str) -> String {
        format!("buyer 10:00:00 在吗\nagent 10:00:10 {text}\n")
    }

    pub(super) fn buyer_says(text: &str) -> String {
        format!("buyer 10:00:00 {text}\nagent 10:00:10 您好亲\n")
    }

    #[test]
    fn normalisation_reads_disguised_text() {
        for text in [
            "亲，隨便你吧",
            "亲，随 便 你",
            "亲，随~便~你",
            "亲，聽😤不懂嗎",
            "亲，急甚麼",
        ] {
            assert!(fires(&agent_says(text), "forbidden_phrases"), "{text}");
        }
        for text in [
            "亲，加ｖ聊",
            "亲，加 V 信 细说",
            "亲，我的ＶＸ是店名",
            "亲，电话 幺三九 二二三三 四四五五",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
        for text in [
            "亲，打 159.8888.1234",
            "亲，打 159　8888　1234",
            "亲，打 +86 159 8888 1234",
            "亲，打 ①⑤⑨⑧⑧⑧⑧①②③④",
            "亲，打 １５９８８８８１２３４",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
        assert!(fires(&buyer_says("再不退我打１２３１５"), "buyer_anger"));
        assert!(fires(&buyer_says("我都說了幾次了"), "buyer_repeats"));
    }

    #[test]
    fn highlights_land_on_the_original_text() {
        let chat = agent_says("亲，随 - 便 - 你");
        let h = hit_of(&chat, "forbidden_phrases").expect("fires");
        let text = "亲，随 - 便 - 你";
        let s = h.spans[0];
        assert_eq!(&text[s.start as usize..s.end as usize], "随 - 便 - 你");
        let chat = agent_says("亲，打 159.8888.1234 找我");
        let h = hit_of(&chat, "off_platform").expect("fires");
        let text = "亲，打 159.8888.1234 找我";
        let s = h.spans[0];
        assert_eq!(&text[s.start as usize..s.end as usize], "159.8888.1234");
    }

    #[test]
    fn boundaries_keep_words_whole() {
        for text in [
            "滚烫的水能倒吗",
            "轮子滚不动了",
            "小孩爱在床上翻滚",
            "厨房垃圾桶有盖吗",
            "运单 SF8812315006 到哪了",
            "差评率是多少",
        ] {
            assert!(!fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        for text in ["滚！", "一堆垃圾", "我去12315了"] {
            assert!(fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        for text in [
            "亲，加VIP享折扣",
            "亲，VX-9 是升级款",
            "亲，VX300 有货",
            "亲，有权威信息认证",
        ] {
            assert!(!fires(&agent_says(text), "off_platform"), "{text}");
        }
        // 在的 inside 现在的, 你好 inside 你好像: no greeting.
        assert!(fires(
            "buyer 10:00:00 还有吗\nagent 10:00:10 现在的库存不多\n",
            "no_greeting"
        ));
        assert!(fires(
            "buyer 10:00:00 还有吗\nagent 10:00:10 你好像没选颜色\n",
            "no_greeting"
        ));
    }

    #[test]
    fn negation_scope_per_rule() {
        for text in ["亲，我并没有说随便你", "亲，不是说随便你啊"] {
            assert!(!fires(&agent_says(text), "forbidden_phrases"), "{text}");
        }
        // Adjacency only: a negation earlier in the sentence does not excuse it.
        assert!(fires(
            &agent_says("亲，不是我不帮，随便你"),
            "forbidden_phrases"
        ));
        for text in [
            "亲，平台规定不允许加微信哦",
            "亲，我们不能加V的",
            "亲，请勿添加陌生人的QQ号",
            "亲，微信我们是不加的",
        ] {
            assert!(!fires(&agent_says(text), "off_platform"), "{text}");
        }
        // A refusal in another clause does not cover the offer.
        assert!(fires(
            &agent_says("亲，平台不允许说，加我微信吧"),
            "off_platform"
        ));
        assert!(!fires(&buyer_says("我不会给你差评的"), "buyer_anger"));
        assert!(fires(&buyer_says("不给退就差评"), "buyer_anger"));
    }

    #[test]
    fn round_four_mechanisms_through_the_shipped_rules() {
        // Digit runs the words around them name: tracking, order and serial numbers, the
        // buyer's own number asked back.
        for text in [
            "亲，单号 15023418876，韵达快递",
            "亲，极兔快递 13661234587，明天到",
            "亲，您的电话是13812345678吗",
            "亲，收件人电话 138 1234 5678，对吗",
        ] {
            assert!(!fires(&agent_says(text), "off_platform"), "{text}");
        }
        for text in [
            "亲，快递员电话 13912345678",
            "亲，订单有问题打我手机13812345678",
            "您好 13812345678",
            "亲，您可以联系13812345678",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
        // Spelled out: financial numerals, a penguin for QQ, letters one by one.
        for text in [
            "亲，直接打 壹叁捌 零零壹贰 叁肆伍陆",
            "亲，发我🐧 583920174",
            "亲，Ｗ Ｘ 搜我 kefu2024",
            "亲，Qq 58321478",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
        // A refusal answering a fronted topic; a yes-no question with 吗 is no refusal.
        for text in [
            "微信？这个不行哦",
            "加微信的话，我们是不能加的",
            "微信号是不能发的",
        ] {
            assert!(!fires(&agent_says(text), "off_platform"), "{text}");
        }
        assert!(fires(
            &agent_says("您不加微信吗？加一下，群里天天发券"),
            "off_platform"
        ));
        // 难道 makes the negation rhetorical; a refusal after its object still refuses.
        assert!(fires(&buyer_says("难道你们不是骗子？"), "buyer_anger"));
        assert!(!fires(&buyer_says("差评我是不会给的，放心"), "buyer_anger"));
        assert!(!fires(
            &buyer_says("你们不是骗子吧？价格这么低"),
            "buyer_anger"
        ));
        // Exclusions read past spaces between ASCII words; ASCII single quotes quote.
        assert!(fires(
            "buyer 10:00:00 联名款还有吗\nagent 10:00:10 hello kitty联名款还有两件\n",
            "no_greeting"
        ));
        assert!(!fires(
            &agent_says("您说的'烦死了'我理解，是等太久了"),
            "forbidden_phrases"
        ));
    }

    #[test]
    fn a_question_asked_again_before_any_answer_is_a_repeat() {
        let r = "buyer_repeats";
        // Its words inside a later message, a minute or more later, nobody answering between.
        assert!(fires(
            "buyer 10:00:00 什么时候发货\nbuyer 10:05:00 在吗？什么时候发货？？\n",
            r
        ));
        let h = hit_of(
            "buyer 10:00:00 什么时候发货\nbuyer 10:05:00 到底什么时候发货\n",
            r,
        )
        .expect("fires");
        assert_eq!(h.messages, vec![1]);
        // An answer between, a resend within the minute, or a short word: no repeat.
        assert!(!fires(
            "buyer 10:00:00 什么时候发货\nagent 10:00:20 明天\nbuyer 10:05:00 白色的什么时候发货\n",
            r
        ));
        assert!(!fires(
            "buyer 10:00:00 什么时候发货\nbuyer 10:00:20 什么时候发货呀\n",
            r
        ));
        assert!(!fires("buyer 10:00:00 在吗\nbuyer 10:05:00 在吗？\n", r));
        // Off by default: a keyword rule without the parameter ignores repeats.
        let set = RuleSet::parse(&DEFAULT_RULES.replace("repeated_questions = true\n", ""))
            .expect("valid");
        assert!(
            !fired_with(
                &set,
                "buyer 10:00:00 什么时候发货\nbuyer 10:05:00 到底什么时候发货\n"
            )
            .contains(&r.to_string())
        );
    }

    #[test]
    fn context_decides_phone_numbers_and_payment() {
        // The buyer's own number, repeated by the agent to confirm it.
        assert!(!fires(
            "buyer 10:00:00 电话改成 139 8765 4321\nagent 10:00:10 好的亲，已改为13987654321\n",
            "off_platform"
        ));
        // A number the store knows (an order's address, its return address).
        let set = RuleSet::default_rules();
        let chat = parse_chat(
            "buyer 10:00:00 退货寄哪\nagent 10:00:10 亲，寄到仓库，电话 137-0000-1111\n",
            72,
        )
        .unwrap();
        let fired_off = |known: &[&str]| {
            chat.evaluate_with(
                &set,
                StoreContext {
                    known_texts: known,
                    service_hours: None,
                },
            )
            .iter()
            .any(|h| set.rules()[h.rule].id == "off_platform")
        };
        assert!(fired_off(&[]));
        assert!(!fired_off(&["杭州市 仓库 13700001111"]));
        assert!(fired_off(&["杭州市 仓库 13700002222"]));
        assert!(fires(&agent_says("亲，转我支付宝就行"), "off_platform"));
        assert!(!fires(
            &agent_says("亲，拍下后用支付宝付款就行"),
            "off_platform"
        ));
        for text in [
            "亲，加我绿泡泡",
            "亲，留个企鹅号",
            "亲，微❤️同号",
            "亲，我v信发你",
            "亲，加我QQ：12345678",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
    }

    #[test]
    fn timing_rules_read_content() {
        // Another holding message does not clear the promise.
        assert!(fires(
            "buyer 10:00:00 退款呢\nagent 10:00:10 您好，稍等我查一下\nagent 10:05:00 还在查哦亲，正在查\nagent 10:30:00 好了\n",
            "missed_follow_up"
        ));
        // Advice to wait days is no promise.
        assert!(!fires(
            "buyer 10:00:00 物流不动\nagent 10:00:10 您好，您稍等两天看看\n",
            "missed_follow_up"
        ));
        // The buyer withdrew the question.
        assert!(!fires(
            "buyer 10:00:00 发票呢\nagent 10:00:10 您好，我去查\nbuyer 10:01:00 算了，不用了\n",
            "missed_follow_up"
        ));
        assert!(fires(
            "buyer 10:00:00 能改地址吗\nagent 10:00:10 您好，我帮你问问仓库\n",
            "missed_follow_up"
        ));
        for ack in ["好的👌", "好滴～", "收到，谢谢", "Ok", "嗯嗯好的"] {
            assert!(
                !fires(
                    &format!(
                        "buyer 10:00:00 几天到\nagent 10:00:10 您好，三天\nbuyer 10:01:00 {ack}\n"
                    ),
                    "unanswered_round"
                ),
                "{ack}"
            );
        }
        assert!(fires(
            "buyer 10:00:00 几天到\nagent 10:00:10 您好，三天\nbuyer 10:01:00 好的，顺丰吗\n",
            "unanswered_round"
        ));
        let set = all_on();
        let fires = |chat: &str, rule: &str| fired_with(&set, chat).iter().any(|r| r == rule);
        let base = "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 有货吗\nagent 10:00:30 有的\nbuyer 10:00:40 好的\n";
        for invite in ["亲给个好评哦", "麻烦点个⭐⭐⭐⭐⭐", "五星支持一下呀"]
        {
            assert!(
                !fires(
                    &format!("{base}agent 10:00:50 {invite}\n"),
                    "no_rating_invite"
                ),
                "{invite}"
            );
        }
        assert!(fires(
            &format!("{base}agent 10:00:50 我们好评率很高\n"),
            "no_rating_invite"
        ));
        for text in ["说了三遍了", "我不是说过了吗", "讲了好几次"] {
            assert!(fires(&buyer_says(text), "buyer_repeats"), "{text}");
        }
        assert!(!fires(&buyer_says("我刚才说了个错的号码"), "buyer_repeats"));
    }

    #[test]
    fn waits_count_in_service_hours_only() {
        let set = RuleSet::default_rules();
        let slow = |chat: &str, hours: Option<&str>| fires_in(&set, chat, "slow_round", hours);
        // Opened before the store opened: only the minute after opening counts.
        let early = "buyer 08:30:00 在吗\nagent 09:01:00 您好亲\n";
        assert!(slow(early, None));
        assert!(!slow(early, Some("09:00-22:00")));
        assert!(slow(early, Some("08:00-22:00")));
        // A wait across closing time counts its service time only: 21:58 → 09:01 is 3 min.
        let late = "buyer 21:58:00 在吗\nagent 2024-01-02 09:01:00 您好亲\n";
        assert!(slow(late, None));
        assert!(!slow(late, Some("09:00-22:00")));
        assert!(slow(late, Some("08:00-22:00")));
    }

    #[test]
    fn closings_apply_to_conversations_that_ended() {
        // The buyer left after an answer: no ending to judge.
        assert!(!fires(
            "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 有货吗\nagent 10:00:30 有\n",
            "irregular_closing"
        ));
        // The buyer thanked and the agent answered without a closing.
        assert!(fires(
            "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 有货吗\nagent 10:00:30 有\nbuyer 10:00:40 好的谢谢\nagent 10:00:50 嗯嗯\n",
            "irregular_closing"
        ));
        // The buyer thanked and nobody answered: an acknowledgement needs no answer.
        assert!(!fires(
            "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 有货吗\nagent 10:00:30 有\nbuyer 10:00:40 好的谢谢\n",
            "irregular_closing"
        ));
        // Handed on: the colleague closes.
        assert!(!fires(
            "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:00:20 退款\nagent 10:00:30 转售后\ntransfer 10:00:40\nbuyer 10:00:50 好的\n",
            "irregular_closing"
        ));
        // 亲 is how Taobao agents address a buyer: a greeting.
        assert!(!fires(
            "buyer 10:00:00 包邮吗\nagent 10:00:10 亲，包邮的\n",
            "no_greeting"
        ));
    }

    #[test]
    fn the_wider_vocabulary_of_each_class() {
        for text in [
            "亲，Q：23456789 找我",
            "亲，v：shop_8899",
            "亲，打我座机 0571-8765 4321",
            "亲，钱转给我就行",
            "亲，打到我的银行卡",
            "亲，加我weixin",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
        for text in [
            "亲，我们没有微信哦",
            "亲，私人微信是不允许的",
            "亲，别加陌生人的QQ号",
            "亲，加qq不行哦，就在这里说",
            "亲，订单号 202411111234567890",
            "亲，客服热线 400-800-1234",
        ] {
            assert!(!fires(&agent_says(text), "off_platform"), "{text}");
        }
        for text in [
            "我说了多少次了",
            "都说了3遍了",
            "跟你说过了要大号",
            "往上翻，我发过",
        ] {
            assert!(fires(&buyer_says(text), "buyer_repeats"), "{text}");
        }
        for text in ["黑店", "你们就是骗人", "我要找消协"] {
            assert!(fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        for text in [
            "扔垃圾的袋子送吗",
            "厨余垃圾能放吗",
            "我不想给差评，但是太慢了",
        ] {
            assert!(!fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        assert!(fires(&agent_says("亲，不买拉倒"), "forbidden_phrases"));
        assert!(!fires(
            &agent_says("亲，我可没说随便你"),
            "forbidden_phrases"
        ));
        assert!(!fires(
            "buyer 10:00:00 现在有货吗\nagent 10:00:10 现在呢有的\n",
            "off_platform"
        ));
    }
}

/// Round three of issue 15 (tuned on `dev3`): each class with sentences of its own.
mod round_three {
    use super::classes::{agent_says, buyer_says};
    use super::*;

    /// A reception whose buyer, after an answer, writes `last`.
    fn buyer_ends_with(last: &str) -> String {
        format!("buyer 10:00:00 有货吗\nagent 10:00:10 有的亲\nbuyer 10:00:30 {last}\n")
    }

    #[test]
    fn boundaries_of_compound_words() {
        // A keyword inside a longer word: 五星级, 着急什么时候, 病历, Q弹, 威信县, X气 compounds.
        assert!(!fires(
            "buyer 10:00:00 好\nagent 10:00:10 五星级酒店都用这款\nagent 10:00:20 满意给个好评哦\n",
            "repeated_rating_invite"
        ));
        for text in [
            "亲，您急什么时候要？",
            "亲，你有病史的话先问医生",
            "亲，椰果加Q弹的更好吃",
            "亲，威信县能发",
        ] {
            let rule = if text.contains("急") || text.contains("病") {
                "forbidden_phrases"
            } else {
                "off_platform"
            };
            assert!(!fires(&agent_says(text), rule), "{text}");
        }
        for text in ["这个暖气死贵", "煤气死活打不着火，是不是坏了"] {
            assert!(!fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        // Greetings inside words are none: 你好好, 您好像, 在的话.
        for first in ["你好好看看尺码表", "您好像拍了两件", "在的话我帮您改"]
        {
            let chat = format!("buyer 10:00:00 在吗\nagent 10:00:10 {first}\n");
            assert!(fires(&chat, "no_greeting"), "{first}");
        }
        // A V-neck, a camera's exposure, a past complaint, a question about reviews, a toy.
        assert!(!fires(&agent_says("加V领的款更显瘦"), "off_platform"));
        for text in [
            "曝光补偿怎么调",
            "上次投诉的事已经解决了",
            "这款差评多吗",
            "宝宝的滚滚球有吗",
        ] {
            assert!(!fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        assert!(!fires(
            &agent_says("不知道合不合您心意，可以先看看买家秀"),
            "forbidden_phrases"
        ));
        // The word on its own still counts.
        assert!(fires(&agent_says("我也不知道"), "forbidden_phrases"));
        assert!(fires(&buyer_says("我要投诉你们"), "buyer_anger"));
        assert!(fires(&agent_says("你急什么"), "forbidden_phrases"));
        assert!(fires(&agent_says("加Q详聊"), "off_platform"));
        assert!(fires(&buyer_says("真是气死我了"), "buyer_anger"));
        assert!(fires(&buyer_says("你有病吧"), "buyer_anger"));
    }

    #[test]
    fn negations_in_other_words() {
        for text in [
            "亲，这边没法给您QQ哦",
            "亲，无法提供微信的",
            "微信这种我们店是没有的",
            "让你加微信的都不要理",
        ] {
            assert!(!fires(&agent_says(text), "off_platform"), "{text}");
        }
        assert!(fires(&agent_says("没法在这说，加我微信"), "off_platform"));
        // An intention reaches over its verb; someone else's review is not this buyer's anger.
        for text in ["我没想去投诉", "我不打算给差评", "有人说差评是物流慢"] {
            assert!(!fires(&buyer_says(text), "buyer_anger"), "{text}");
        }
        assert!(fires(&buyer_says("别骗人了行吗"), "buyer_anger"));
        // Not yet said, or the agent's words cited, is no repeat.
        for text in [
            "我还没跟你说过型号吧",
            "客服刚才说过了包邮是吧",
            "你前面说了送赠品的",
        ] {
            assert!(!fires(&buyer_says(text), "buyer_repeats"), "{text}");
        }
        assert!(fires(&buyer_says("我跟你说了两遍了"), "buyer_repeats"));
        assert!(fires(&buyer_says("上面不是告诉你了吗"), "buyer_repeats"));
        assert!(!fires(
            &agent_says("我没有叫你自己去看，我发给您"),
            "forbidden_phrases"
        ));
    }

    #[test]
    fn context_of_payment_and_qr_codes() {
        assert!(!fires(&agent_says("付款方式选微信就好啦"), "off_platform"));
        for text in [
            "不走平台能便宜",
            "我发你个人二维码，扫码转就行",
            "售后群群号 563829104",
            "我的薇是 hao_dian88",
            "微信搜我就行",
        ] {
            assert!(fires(&agent_says(text), "off_platform"), "{text}");
        }
    }

    #[test]
    fn promises_holding_and_acknowledgements() {
        // Promises to ask someone elsewhere or to come back, kept too late or never.
        for promise in [
            "这个我跟仓库那边核实下",
            "我去售后那里问问",
            "我请示下主管",
            "我需要查询一下，晚点给您回复",
            "我量一下给您",
        ] {
            let chat =
                format!("buyer 10:00:00 能发顺丰吗\nagent 10:00:10 {promise}\nbuyer 10:40:00 ？\n");
            assert!(fires(&chat, "missed_follow_up"), "{promise}");
        }
        // A second holding message is no answer; advice to wait a duration is no promise.
        assert!(fires(
            "buyer 10:00:00 退款呢\nagent 10:00:10 我查一下\nagent 10:03:00 亲再等等哦\nbuyer 10:40:00 ？\n",
            "missed_follow_up"
        ));
        assert!(!fires(
            "buyer 10:00:00 退款呢\nagent 10:00:10 您再等一下两天就到\n",
            "missed_follow_up"
        ));
        for last in [
            "好的呢，麻烦啦",
            "好的好的，我去拍",
            "[微笑]",
            "好的亲，那我下单啦",
            "收到[抱拳]",
        ] {
            assert!(!fires(&buyer_ends_with(last), "unanswered_round"), "{last}");
        }
        for last in ["好的，几号发", "[图片]"] {
            assert!(fires(&buyer_ends_with(last), "unanswered_round"), "{last}");
        }
        // Closings in more words; greetings as agents type them.
        let ended = |closing: &str| {
            format!(
                "buyer 10:00:00 在吗\nagent 10:00:10 在的\nbuyer 10:00:20 几号发\nagent 10:00:30 明天\nbuyer 10:00:40 好的\nagent 10:00:50 {closing}\n"
            )
        };
        assert!(!fires(
            &ended("应该的，期待您再次光临"),
            "irregular_closing"
        ));
        assert!(fires(&ended("嗯"), "irregular_closing"));
        assert!(!fires(
            "buyer 10:00:00 在吗\nagent 10:00:10 在在，您说\n",
            "no_greeting"
        ));
    }

    #[test]
    fn follow_ups_and_open_questions_count_in_service_hours() {
        // A promise at 21:55 kept at 09:03 the next morning: 8 minutes of service time with
        // 09:00-22:00 (under the 10 allowed), 68 with 08:00-22:00. Never kept: a miss when the
        // day's service hours left the time to keep it. A sound is no answer (我问问 → 嗯嗯
        // still owes one). A question after closing time is the next morning's; one before
        // opening had the whole service day.
        let kept_next_day = "buyer 21:50:00 能开票吗\nagent 21:55:00 我问问财务\nagent 2024-01-02 09:03:00 可以开\n";
        let never = "buyer 21:50:00 能开票吗\nagent 21:55:00 我问问财务\n";
        let sound = "buyer 10:00:00 能开票吗\nagent 10:00:10 我问问哈\nagent 10:01:00 嗯嗯\nbuyer 10:40:00 ？\n";
        let answered = "buyer 10:00:00 能开票吗\nagent 10:00:10 我问问哈\nagent 10:01:00 可以的\n";
        let late = "buyer 23:30:00 这个还有货吗\n";
        let early = "buyer 07:30:00 这个还有货吗\n";
        let cases: [(&str, &str, Option<&str>, bool); 12] = [
            (
                kept_next_day,
                "missed_follow_up",
                Some("09:00-22:00"),
                false,
            ),
            (kept_next_day, "missed_follow_up", Some("08:00-22:00"), true),
            (kept_next_day, "missed_follow_up", None, true),
            (never, "missed_follow_up", Some("09:00-22:00"), false),
            (never, "missed_follow_up", Some("09:00-23:00"), true),
            (sound, "missed_follow_up", None, true),
            (answered, "missed_follow_up", None, false),
            (late, "unanswered_round", Some("09:00-22:00"), false),
            (late, "unanswered_round", Some("09:00-24:00"), true),
            (late, "unanswered_round", None, true),
            (early, "unanswered_round", Some("09:00-22:00"), true),
            (early, "unanswered_round", None, true),
        ];
        for (chat, rule, hours, fire) in cases {
            assert_eq!(
                fires_in(&RuleSet::default_rules(), chat, rule, hours),
                fire,
                "{rule} {hours:?}\n{chat}"
            );
        }
        let set = RuleSet::default_rules();
        let hours = kefu_core::settings::ServiceHours::parse("09:00-22:00");
        let why = parse_chat(late, 72).unwrap().why_not(
            &set,
            StoreContext {
                known_texts: &[],
                service_hours: hours.as_ref(),
            },
            "unanswered_round",
        );
        assert_eq!(why[0].reason, StopReason::OutsideServiceHours);
    }
}

/// "Why not" (issue 15): for a rule that did not fire, the condition that stopped it, with the
/// message and the span of the occurrence. Sentences of our own, one test per reason.
mod why_not {
    use kefu_core::settings::ServiceHours;

    use super::*;

    pub(super) fn why(chat: &str, rule: &str) -> Vec<Stop> {
        why_with(chat, rule, StoreContext::default())
    }

    pub(super) fn why_with(chat: &str, rule: &str, context: StoreContext<'_>) -> Vec<Stop> {
        let set = RuleSet::default_rules();
        parse_chat(chat, 72)
            .expect("test chats are well-formed")
            .why_not(&set, context, rule)
    }

    /// [`why_with`] with the store's service hours `hours` and no known texts.
    pub(super) fn why_in_hours(chat: &str, rule: &str, hours: &str) -> Vec<Stop> {
        let hours = ServiceHours::parse(hours).expect("test hours are well-formed");
        why_with(
            chat,
            rule,
            StoreContext {
                known_texts: &[],
                service_hours: Some(&hours),
            },
        )
    }

    /// The reasons, with the message number and the text as written.
    pub(super) fn reasons(stops: &[Stop]) -> Vec<(Option<u32>, String, StopReason)> {
        stops
            .iter()
            .map(|s| (s.message, s.matched.clone(), s.reason.clone()))
            .collect()
    }

    #[test]
    fn a_negated_keyword_names_its_negation_and_where() {
        let chat = "buyer 10:00:00 能便宜吗\nagent 10:00:20 亲，我从来没说随便你开价哦\n";
        let stops = why(chat, "forbidden_phrases");
        assert_eq!(stops.len(), 1, "{stops:?}");
        let s = &stops[0];
        assert_eq!(s.message, Some(1));
        assert_eq!(s.matched, "随便你");
        let text = "亲，我从来没说随便你开价哦";
        let span = s.span.unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], "随便你");
        let StopReason::Negated { negation, at } = &s.reason else {
            panic!("negated: {stops:?}")
        };
        assert_eq!(negation, "从来没说");
        assert_eq!(&text[at.start as usize..at.end as usize], "从来没说");
        assert!(s.describe(false).contains("从来没说"));
        assert!(s.describe(true).contains("negated"));
        // The same words across a comma are no negation: the rule fires, nothing to explain.
        assert!(why("agent 10:00:00 不是我说，随便你\n", "forbidden_phrases").is_empty());
    }

    #[test]
    fn an_off_platform_refusal_is_a_negation_within_the_clause() {
        let stops = why(
            "agent 10:00:00 亲，店里规定不可以私下加微信的\n",
            "off_platform",
        );
        assert!(
            stops.iter().any(|s| s.matched == "微信"
                && matches!(&s.reason, StopReason::Negated { negation, .. } if negation == "不可以")),
            "{stops:?}"
        );
    }

    #[test]
    fn an_allow_phrase_names_the_phrase() {
        let stops = why(
            "agent 10:00:00 颜色随便你选，都有现货\n",
            "forbidden_phrases",
        );
        assert_eq!(
            reasons(&stops),
            vec![(
                Some(0),
                "随便你".to_string(),
                StopReason::Allowed {
                    phrase: "随便你选".into(),
                    at: Span {
                        message: 0,
                        start: 6,
                        end: 18
                    }
                }
            )]
        );
        let stops = why("agent 10:00:00 可以用微信付款的亲\n", "off_platform");
        assert!(
            stops.iter().any(
                |s| matches!(&s.reason, StopReason::Allowed { phrase, .. } if phrase == "微信付款")
            ),
            "{stops:?}"
        );
    }

    #[test]
    fn boundaries_and_exclusions_say_which() {
        // !next=: 滚 in 滚筒.
        let stops = why("agent 10:00:00 这台是滚筒洗衣机哦\n", "forbidden_phrases");
        assert_eq!(
            reasons(&stops),
            vec![(Some(0), "滚".to_string(), StopReason::Followed("筒".into()))]
        );
        // !prev=: 滚 after 打 (打滚).
        let stops = why("agent 10:00:00 宝宝在床上打滚也不怕\n", "forbidden_phrases");
        assert_eq!(
            reasons(&stops),
            vec![(Some(0), "滚".to_string(), StopReason::Preceded("打".into()))]
        );
        // ASCII boundary: 加V inside 加VIP.
        let stops = why("agent 10:00:00 亲，加VIP可以打九折\n", "off_platform");
        assert!(
            stops
                .iter()
                .any(|s| s.reason == StopReason::AsciiBoundary && s.matched.starts_with('加')),
            "{stops:?}"
        );
        // A digit run inside a longer one: 12315 in an order number, for the buyer's anger.
        let stops = why("buyer 10:00:00 单号 9912315008 到哪了\n", "buyer_anger");
        assert!(
            stops
                .iter()
                .any(|s| s.reason == StopReason::AsciiBoundary && s.matched == "12315"),
            "{stops:?}"
        );
    }

    #[test]
    fn a_quoted_keyword_is_a_name() {
        let stops = why(
            "agent 10:00:00 这首《别烦我》是店里的背景音乐\n",
            "forbidden_phrases",
        );
        assert_eq!(
            reasons(&stops),
            vec![(Some(0), "别烦我".to_string(), StopReason::Quoted)]
        );
    }

    #[test]
    fn a_named_number_says_so() {
        let stops = why(
            "agent 10:00:00 单号 15023418876，韵达快递\nagent 10:00:10 您的电话是13812345678吗\n",
            "off_platform",
        );
        assert_eq!(
            reasons(&stops),
            vec![
                (Some(0), "15023418876".to_string(), StopReason::NamedNumber),
                (Some(1), "13812345678".to_string(), StopReason::NamedNumber),
            ]
        );
        assert!(stops[0].describe(true).contains("tracking"));
        assert!(stops[0].describe(false).contains("运单号"));
    }

    #[test]
    fn the_buyers_own_number_is_confirmation() {
        let chat =
            "buyer 10:00:00 收件电话改成 139 0011 2233\nagent 10:00:30 好的亲，已改为13900112233\n";
        let stops = why(chat, "off_platform");
        assert_eq!(
            reasons(&stops),
            vec![(Some(1), "13900112233".to_string(), StopReason::BuyerNumber)]
        );
        // A number only the order's address holds counts the same.
        let address = ["李雷 15700889900 江苏省南京市"];
        let stops = why_with(
            "agent 10:00:00 亲，核对下电话15700889900对吧\n",
            "off_platform",
            StoreContext {
                known_texts: &address,
                service_hours: None,
            },
        );
        assert_eq!(stops.len(), 1);
        assert_eq!(stops[0].reason, StopReason::BuyerNumber);
        assert!(stops[0].describe(false).contains("15700889900"));
    }

    #[test]
    fn a_keyword_of_another_sender() {
        // The buyer says 随便你; the rule checks agents.
        let stops = why(
            "buyer 10:00:00 随便你吧\nagent 10:00:10 好的亲\n",
            "forbidden_phrases",
        );
        assert_eq!(
            reasons(&stops),
            vec![(
                Some(0),
                "随便你".to_string(),
                StopReason::OtherSender(Sender::Buyer)
            )]
        );
    }

    #[test]
    fn a_wait_outside_service_hours_does_not_count() {
        // 1 h 22 min on the wall clock, 2 min of service time: under the 180 s limit.
        let stops = why_in_hours(
            "buyer 07:40:00 发货了吗\nagent 09:02:00 亲，上午发出\n",
            "slow_round",
            "09:00-21:00",
        );
        assert_eq!(
            reasons(&stops),
            vec![(Some(0), String::new(), StopReason::ServiceClock)]
        );
        assert!(stops[0].describe(true).contains("not in service time"));
        assert!(stops[0].describe(false).contains("服务时间"));
    }

    #[test]
    fn nothing_met_disabled_superseded_and_fired() {
        let stops = why(
            "buyer 10:00:00 有货吗\nagent 10:00:10 亲，有的\n",
            "forbidden_phrases",
        );
        assert_eq!(
            reasons(&stops),
            vec![(None, String::new(), StopReason::NothingMet)]
        );
        // Timing kinds with no wait over the limit.
        let stops = why(
            "buyer 10:00:00 有货吗\nagent 10:00:10 亲，有的\n",
            "slow_round",
        );
        assert_eq!(stops[0].reason, StopReason::NothingMet);
        // Switched off in the shipped set.
        let stops = why(
            "buyer 10:00:00 有货吗\nagent 10:00:10 亲，有的\n",
            "no_rating_invite",
        );
        assert_eq!(stops[0].reason, StopReason::Disabled);
        // A rule that fired has nothing to explain; an unknown rule neither.
        assert!(why("agent 10:00:00 随便你\n", "forbidden_phrases").is_empty());
        assert!(why("agent 10:00:00 随便你\n", "no_such_rule").is_empty());
        // The shift-end rule speaks for the plain unanswered one.
        let set = with_shift_end();
        let chat = parse_chat(
            "buyer 10:00:00 在吗\nagent 10:00:10 您好\nbuyer 10:01:00 什么时候发货\nshift 18:00:00\n",
            72,
        )
        .unwrap();
        let stops = chat.why_not(&set, StoreContext::default(), "unanswered_round");
        assert_eq!(stops[0].reason, StopReason::Superseded);
        for s in &stops {
            assert!(!s.describe(false).is_empty() && !s.describe(true).is_empty());
        }
    }

    #[test]
    fn a_negated_promise_is_no_holding_message() {
        // 漏跟进: 不用稍等 promises nothing; the negation is named.
        let stops = why(
            "buyer 10:00:00 什么时候到\nagent 10:00:10 亲，不用稍等，已经到驿站了\n",
            "missed_follow_up",
        );
        assert!(
            stops.iter().any(|s| s.message == Some(1)
                && s.matched == "稍等"
                && matches!(&s.reason, StopReason::Negated { negation, .. } if negation == "不用")),
            "{stops:?}"
        );
    }
}

/// Round five: the classes the fourth holdout still missed, in general forms.
mod round_five {
    use super::why_not::{reasons, why_in_hours};
    use super::*;

    /// Whether the one round of `chat` waited exactly `seconds` with service hours `hours`:
    /// `slow_round` over `seconds - 1` fires on it, over `seconds` it does not.
    fn waits_exactly(chat: &str, hours: &str, seconds: u32) -> bool {
        let slow_over = |limit: u32| {
            // The clock alone: without the shipped set's grace for the opening's queue.
            let text = DEFAULT_RULES
                .replace("seconds = 180", &format!("seconds = {limit}"))
                .replace("opening_grace_minutes = 10", "");
            let set = RuleSet::parse(&text).expect("valid");
            fires_in(&set, chat, "slow_round", Some(hours))
        };
        slow_over(seconds - 1) && !slow_over(seconds)
    }

    #[test]
    fn every_wait_runs_on_the_service_clock() {
        let set = RuleSet::default_rules();
        // Written at 02:00, answered 20 s after the 08:00 opening (the v2 default hours): 20 s
        // of service time, not slow; on the wall clock 6 h 0 min 20 s.
        let night = "buyer 2026-12-02 02:00:00 有加绒的吗\nagent 2026-12-02 08:00:20 有的\n";
        assert!(waits_exactly(night, "08:00-24:00", 20));
        assert!(waits_exactly(night, "00:00-24:00", 6 * 3600 + 20));
        for rule in ["slow_round", "long_wait_no_apology"] {
            assert!(!fires_in(&set, night, rule, Some("08:00-24:00")), "{rule}");
            assert!(fires_in(&set, night, rule, Some("00:00-24:00")), "{rule}");
        }
        // Written at 07:50, answered at 08:20: the ten minutes before opening do not count,
        // the twenty after it do (on the wall clock 30 min).
        let before = "buyer 2026-12-02 07:50:00 尺码偏大吗\nagent 2026-12-02 08:20:00 正常尺码\n";
        assert!(waits_exactly(before, "08:00-24:00", 20 * 60));
        assert!(waits_exactly(before, "00:00-24:00", 30 * 60));
        for rule in ["slow_round", "long_wait_no_apology"] {
            assert!(fires_in(&set, before, rule, Some("08:00-24:00")), "{rule}");
        }
        // Hours across midnight: 02:30 → 10:00:40 with 10:00-01:00 is 40 s.
        let cross = "buyer 2026-12-02 02:30:00 能机洗吗\nagent 2026-12-02 10:00:40 可以\n";
        assert!(waits_exactly(cross, "10:00-01:00", 40));
        // Two windows: 12:20 → 13:31 over a 12:00-13:30 break is 60 s; without the break
        // 71 min.
        let lunch = "buyer 2026-12-02 12:20:00 有现货吗\nagent 2026-12-02 13:31:00 有的\n";
        assert!(waits_exactly(lunch, "09:00-12:00,13:30-22:00", 60));
        assert!(waits_exactly(lunch, "09:00-22:00", 71 * 60));
    }

    #[test]
    fn the_nights_queue_has_the_first_minutes_of_the_day() {
        // The shipped set gives questions left outside service hours 10 minutes of service
        // time after opening (`opening_grace_minutes`); inside service hours the limits stay.
        let set = RuleSet::default_rules();
        let hours = Some("08:00-24:00");
        let at = |open: &str, answer: &str| {
            format!("buyer 2026-12-02 {open} 有加绒的吗\nagent 2026-12-02 {answer} 有的\n")
        };
        for rule in ["slow_round", "long_wait_no_apology"] {
            // 02:00 → 08:09:59: 9 min 59 s of service time, in the grace.
            assert!(
                !fires_in(&set, &at("02:00:00", "08:09:59"), rule, hours),
                "{rule}"
            );
            // → 08:10:01: over it.
            assert!(
                fires_in(&set, &at("02:00:00", "08:10:01"), rule, hours),
                "{rule}"
            );
            // 07:59:50 → 08:10:00: 10 min exactly, not over.
            assert!(
                !fires_in(&set, &at("07:59:50", "08:10:00"), rule, hours),
                "{rule}"
            );
        }
        // Opened inside service hours: the rule's own limits (3 min, 5 min).
        assert!(fires_in(
            &set,
            &at("08:00:00", "08:03:01"),
            "slow_round",
            hours
        ));
        assert!(fires_in(
            &set,
            &at("08:00:00", "08:05:01"),
            "long_wait_no_apology",
            hours
        ));
        // Without service hours (the wall clock) nothing opens outside them: 6 min is slow.
        assert!(fires_in(
            &set,
            &at("02:00:00", "02:06:00"),
            "slow_round",
            None
        ));
        // Hours across midnight (10:00-01:00): 03:00 is outside, 00:30 inside.
        let cross = Some("10:00-01:00");
        assert!(!fires_in(
            &set,
            &at("03:00:00", "10:08:00"),
            "slow_round",
            cross
        ));
        assert!(fires_in(
            &set,
            &at("00:30:00", "00:34:00"),
            "slow_round",
            cross
        ));
        // The why-not names the grace, in both languages.
        let stops = why_in_hours(&at("02:00:00", "08:06:00"), "slow_round", "08:00-24:00");
        assert_eq!(
            reasons(&stops),
            vec![(Some(0), String::new(), StopReason::OpeningGrace)]
        );
        assert!(stops[0].describe(true).contains("after opening"));
        assert!(stops[0].describe(false).contains("夜间积压"));
        // A rule set without the parameter times the queue like any round.
        let text = DEFAULT_RULES.replace("opening_grace_minutes = 10", "");
        let bare = RuleSet::parse(&text).expect("valid");
        assert!(fires_in(
            &bare,
            &at("02:00:00", "08:06:00"),
            "slow_round",
            Some("08:00-24:00")
        ));
    }

    #[test]
    fn a_buyer_who_withdrew_the_question_is_not_left_unanswered() {
        for last in [
            "我找到了",
            "哦详情页有，我看到了",
            "知道了长按就行，不用回了",
            "算了～",
            "哦哦我自己找到了",
        ] {
            let chat = format!("buyer 10:00:00 尺码表在哪里看\nbuyer 10:00:40 {last}\n");
            assert!(!fires(&chat, "unanswered_round"), "{last}");
        }
        // A question after the withdrawal, or in the same message, still needs an answer.
        for chat in [
            "buyer 10:00:00 尺码表在哪\nbuyer 10:00:40 我找到了\nbuyer 10:01:00 那175穿多大\n",
            "buyer 10:00:00 我找到尺码表了，那我175穿多大\n",
            "buyer 10:00:00 尺码表在哪\nbuyer 10:00:40 找到了，可是看不懂？\n",
            // Declining one thing withdraws nothing else.
            "buyer 10:00:00 能开发票吗\nbuyer 10:00:40 运费险不用了\n",
            "buyer 10:00:00 发什么快递\nbuyer 10:00:40 好的，赠品不用了\n",
        ] {
            assert!(fires(chat, "unanswered_round"), "{chat}");
        }
    }

    #[test]
    fn typed_acknowledgements_need_no_answer() {
        for ack in ["号的谢谢", "知到了", "恩恩", "好得"] {
            let chat =
                format!("buyer 10:00:00 能今天发吗\nagent 10:00:20 可以的\nbuyer 10:00:40 {ack}\n");
            assert!(!fires(&chat, "unanswered_round"), "{ack}");
        }
        assert!(fires(
            "buyer 10:00:00 有黑色吗\nagent 10:00:20 有的\nbuyer 10:00:40 那白色有妹有\n",
            "unanswered_round"
        ));
    }

    #[test]
    fn an_apology_word_that_is_denied_is_no_apology() {
        for answer in [
            "没什么不好意思的，都能用",
            "不用说对不起哈，地址是对的",
            "不必抱歉，可以用",
        ] {
            let chat = format!("buyer 10:00:00 能用吗\nagent 10:12:00 {answer}\n");
            assert!(fires(&chat, "long_wait_no_apology"), "{answer}");
        }
        for answer in [
            "不好意思让您久等了，可以的",
            "抱歉回复晚了，不用担心",
            "亲，回复晚了",
        ] {
            let chat = format!("buyer 10:00:00 能用吗\nagent 10:12:00 {answer}\n");
            assert!(!fires(&chat, "long_wait_no_apology"), "{answer}");
        }
    }

    /// Asserts that `rule` fires on each text of `fire` and on none of `quiet`, each the one
    /// message of a reception, written by `sender`.
    fn judged(rule: &str, sender: &str, fire: &[&str], quiet: &[&str]) {
        let chat = |text: &str| format!("{sender} 10:00:00 {text}\n");
        for text in fire {
            assert!(fires(&chat(text), rule), "{rule} must fire: {text}");
        }
        for text in quiet {
            assert!(!fires(&chat(text), rule), "{rule} must stay quiet: {text}");
        }
    }

    #[test]
    fn warm_wishes_in_other_words() {
        let wishes = [
            "提前祝您新年快乐",
            "祝您春节快乐，阖家幸福",
            "預祝您節日快樂",
            "祝 您 周 末 愉 快",
            "那祝您先生生日快乐呀",
            "下雪路滑，出门注意安全哦",
            "降温了，注意保暖",
            "天冷了记得添衣",
            "祝您工作顺利",
            "中秋快乐",
            "下雨记得带伞哦",
            "天冷了多加衣服哦",
        ];
        let plain = [
            "新年期间快递停运",
            "周末不发货哦",
            "保暖效果很好",
            "安全座椅有认证",
            "新年活动满300减40，快乐购物节也有券",
            "可以写生日贺卡",
            "这款带伞套的",
        ];
        judged("warm_wishes", "agent", &wishes, &plain);
        // The buyer's wish is not the agent's bonus.
        judged("warm_wishes", "buyer", &[], &["新年快乐"]);
    }

    #[test]
    fn friendly_heads_and_product_words_are_not_taboo() {
        judged(
            "forbidden_phrases",
            "agent",
            &["随便你们吧", "随便你。", "随便你看着办", "随便你们看着办吧"],
            &[
                "随便你们挑",
                "随便你们选哪个都不会错",
                "小样随便你拿几个",
                "隨便你們挑",
            ],
        );
        judged(
            "buyer_anger",
            "buyer",
            &["滚吧"],
            &["滚铁环多大", "这个滚灯充电吗", "滚元宵机一次做多少"],
        );
    }

    #[test]
    fn complaints_told_of_or_played_down_are_not_anger() {
        judged(
            "buyer_anger",
            "buyer",
            &[
                "再不退我就打12315",
                "我要去12315投诉你们",
                "我要投诉你们",
                "我已经打了12315了，等着吧",
                "我找了12315，等结果",
                "我打12315以后你们就老实了",
                "想不到这么垃圾",
            ],
            &[
                "上次别家的被子我打了12315才给退",
                "我朋友找过12315，那家才换的",
                "12315是什么电话",
                "算不上投诉，提个建议",
                "谈不上投诉",
                "也不算投诉吧",
            ],
        );
    }

    #[test]
    fn wechat_as_a_watch_feature_is_not_contact() {
        judged(
            "off_platform",
            "agent",
            &[
                "你加我微信我教你",
                "手表的事微信聊",
                "你看微信，我发你了",
                "请回复微信",
                "打微信电话给我",
                "微信和电话都可以联系我",
            ],
            &[
                "抬腕就能看微信",
                "能显示微信、短信和来电提醒",
                "支持微信消息震动",
            ],
        );
    }
}
