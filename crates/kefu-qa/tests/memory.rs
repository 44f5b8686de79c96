//! Issue 10 item 3: the rules' memory follows the text, whatever its length. A counting
//! allocator in its own test binary measures what evaluating one long message allocates.

use kefu_core::alloc_count::{Counting, peak_of};
use kefu_core::model::Sender;
use kefu_qa::rules::{Chat, ChatMessage, RuleSet};

#[global_allocator]
static ALLOC: Counting = Counting;

/// The counters see every thread: the tests of this file run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_long_message_costs_a_fraction_of_its_length_not_sixteen_bytes_a_character() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let set = RuleSet::default_rules();
    // 4 MiB of text: digits (the phone-number scan) and Chinese, no keyword of the rule set.
    let text = "1234567890。订单已经发出".repeat(4 << 20 >> 5);
    let messages = [
        ChatMessage {
            sender: Sender::Buyer,
            time: 0,
            text: &text,
            transfer: false,
        },
        ChatMessage {
            sender: Sender::Agent,
            time: 1_000,
            text: "您好",
            transfer: false,
        },
    ];
    let chat = Chat {
        messages: &messages,
        orders: &[],
        shift_end: None,
        context: Default::default(),
    };
    let (hits, peak) = peak_of(|| set.evaluate(&chat));
    assert!(
        peak < text.len() / 4,
        "evaluating {} bytes of text peaked at {peak} bytes ({} hits)",
        text.len(),
        hits.len()
    );
}

/// Texts stored before the import's limit are scanned up to that limit only: a 190 MB message
/// full of keywords once made every re-run of its day fail.
#[test]
fn keywords_beyond_the_kept_length_are_not_scanned() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let set = RuleSet::default_rules();
    let phone = "13812345678，";
    let text = phone.repeat(kefu_core::text::MAX_MESSAGE_BYTES / phone.len() * 3);
    let messages = [ChatMessage {
        sender: Sender::Agent,
        time: 0,
        text: &text,
        transfer: false,
    }];
    let chat = Chat {
        messages: &messages,
        orders: &[],
        shift_end: None,
        context: Default::default(),
    };
    let hits = set.evaluate(&chat);
    let max_end = hits
        .iter()
        .flat_map(|h| &h.spans)
        .map(|s| s.end as usize)
        .max()
        .expect("phone numbers are hits");
    assert!(max_end <= kefu_core::text::MAX_MESSAGE_BYTES, "{max_end}");
}
