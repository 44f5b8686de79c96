//! One message for a batch of alerts: a title, markdown for the robots and plain text for
//! e-mail, Chinese first with the English beneath.

use kefu_core::alert::Alert;
use kefu_core::time::format_time;

/// The most alerts one message lists; the rest are counted.
const MAX_LISTED: usize = 20;

/// A message ready for any channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub markdown: String,
    pub plain: String,
}

impl Message {
    /// The message for `alerts` of store `store` (at least one alert; an empty batch gives
    /// a message that says so).
    pub fn of(store: &str, alerts: &[Alert]) -> Message {
        let title = match alerts {
            [one] => format!("【{store}】{} / {}", one.title.zh, one.title.en),
            _ => format!(
                "【{store}】{} 条提醒 / {} alerts",
                alerts.len(),
                alerts.len()
            ),
        };
        let mut markdown = format!("#### {}\n\n", escape(&title));
        let mut plain = format!("{title}\n\n");
        for a in alerts.iter().take(MAX_LISTED) {
            let when = format_time(a.at);
            markdown.push_str(&format!(
                "- **{}** {}  \n  {} ({when})\n",
                escape(&a.title.zh),
                escape(&a.text.zh),
                escape(&a.text.en)
            ));
            plain.push_str(&format!(
                "- {}：{}\n  {}: {} ({when})\n",
                a.title.zh, a.text.zh, a.title.en, a.text.en
            ));
        }
        if alerts.len() > MAX_LISTED {
            let more = alerts.len() - MAX_LISTED;
            markdown.push_str(&format!("\n另有 {more} 条 / {more} more\n"));
            plain.push_str(&format!("\n另有 {more} 条 / {more} more\n"));
        }
        Message {
            title,
            markdown,
            plain,
        }
    }

    /// The test message of the settings page's button.
    pub fn test(store: &str) -> Message {
        let title = format!("【{store}】测试提醒 / Test alert");
        let zh = "这是一条来自 kefu 的测试提醒：此渠道可以收到提醒。";
        let en = "This is a test alert from kefu: this channel receives alerts.";
        Message {
            markdown: format!("#### {}\n\n{zh}\n\n{en}\n", escape(&title)),
            plain: format!("{title}\n\n{zh}\n{en}\n"),
            title,
        }
    }
}

/// Names and texts come from chat data: markdown's marks in them are escaped so a buyer's
/// name cannot make a link or a heading.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '!'
                | '<'
                | '>'
                | '|'
        ) {
            out.push('\\');
        }
        if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::alert::RuleKind;
    use kefu_core::localized::Said;

    fn alert(buyer: &str) -> Alert {
        Alert {
            key: format!("wait:a:{buyer}"),
            kind: RuleKind::Wait,
            at: 3_600_000,
            account: Some("a".into()),
            buyer: Some(buyer.into()),
            title: RuleKind::Wait.name(),
            text: Said::new(format!("买家 {buyer} 等待"), format!("Buyer {buyer} waits")),
        }
    }

    #[test]
    fn one_alert_is_titled_by_its_rule_and_marks_in_names_are_escaped() {
        let m = Message::of("晨光店", &[alert("[x](http://evil)")]);
        assert_eq!(m.title, "【晨光店】买家等待过久 / Buyer waiting too long");
        assert!(
            m.markdown.contains("买家 \\[x\\]\\(http://evil\\) 等待"),
            "{}",
            m.markdown
        );
        assert!(
            m.plain
                .contains("Buyer [x](http://evil) waits (1970-01-01 01:00:00)")
        );
    }

    #[test]
    fn many_alerts_are_counted_past_twenty() {
        let alerts: Vec<Alert> = (0..23).map(|i| alert(&format!("b{i}"))).collect();
        let m = Message::of("s", &alerts);
        assert_eq!(m.title, "【s】23 条提醒 / 23 alerts");
        assert_eq!(m.markdown.matches("- **").count(), 20);
        assert!(m.markdown.ends_with("另有 3 条 / 3 more\n"));
    }
}
