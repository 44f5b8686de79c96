//! The Chinese texts of the import's errors (the English ones are their `Display`).

use std::path::Path;

use kefu_core::localized::{Localized, Said, io_zh};
use kefu_core::text::terminal_text;

use crate::{FileKind, ImportError, RejectedRow};

/// The refusal of a UTF-16 text file (Excel's "Unicode text").
pub(crate) fn utf16_refused() -> Said {
    Said::new(
        "文件是 UTF-16 编码（Excel 另存为“Unicode 文本”时如此）：请另存为 CSV（UTF-8）或 .xlsx 后再导入",
        "the file is UTF-16 (as Excel saves \"Unicode text\"): save it as CSV (UTF-8) or as \
         .xlsx instead",
    )
}

/// The refusal of an OpenDocument spreadsheet.
pub(crate) fn ods_refused() -> Said {
    Said::new(
        "不读取 OpenDocument 表格（.ods）：请把表格另存为 .xlsx 或 CSV",
        "OpenDocument spreadsheets (.ods) are not read: save the sheet as .xlsx or CSV",
    )
}

/// A workbook whose reader gave up without a word (it panicked).
pub(crate) fn damaged_workbook() -> Said {
    Said::new(
        "文件已损坏，或不是工作簿",
        "the file is damaged or not a workbook",
    )
}

/// A workbook or zip reader's own error: its words in English, after a Chinese lead.
pub(crate) fn reader_said(e: impl std::fmt::Display) -> Said {
    let e = e.to_string();
    Said::new(format!("文件已损坏，或不是可读取的工作簿（{e}）"), e)
}

/// A file that cannot be read on (after its header): the system's words after a Chinese lead.
pub(crate) fn unreadable(e: &std::io::Error) -> Said {
    Said::new(
        format!("无法读取文件：{}", io_zh(e)),
        format!("cannot read the file: {e}"),
    )
}

/// CSV text the splitter cannot read; `what` is said before the splitter's own words.
pub(crate) fn csv_said(e: &csv::Error, header: bool) -> Said {
    if header {
        Said::new(
            format!("无法读取表头（{e}）"),
            format!("cannot read the header: {e}"),
        )
    } else {
        Said::new(
            format!("无法把这一行拆成各列的值（{e}）"),
            format!("cannot read CSV: {e}"),
        )
    }
}

pub(crate) fn kind_zh(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Messages => "聊天记录",
        FileKind::Orders => "订单",
        FileKind::Refunds => "退款",
        FileKind::Ratings => "评价",
        FileKind::Agents => "客服花名册",
        FileKind::TaobaoOrders => "淘宝订单报表",
        FileKind::TaobaoRefunds => "淘宝/天猫退款报表",
        FileKind::JdOrders => "京东订单导出",
        FileKind::PddOrders => "拼多多订单导出",
        FileKind::DouyinOrders => "抖店订单导出",
        FileKind::JdChats => "京东咚咚聊天记录",
        FileKind::Transcript => "复制的聊天记录",
    }
}

/// What a reader says of a rejected row, in Chinese. The readers build their reasons from a
/// small set of phrases (the `*_EXPECTED` texts and a few formats); each is said in Chinese
/// here, longest first, so that a reason made of several reads whole. A reason with no known
/// phrase (none today) keeps its English words.
pub fn reason_zh(en: &str) -> String {
    const PHRASES: &[(&str, &str)] = &[
        (
            crate::taobao::REFUND_STATUS_EXPECTED,
            "应为退款状态，如 退款成功、退款关闭、买家已经申请退款，等待卖家同意 或 卖家拒绝退款",
        ),
        (
            crate::orders::ORDER_STATE_EXPECTED,
            "应为订单状态，如 等待付款、待发货、已发货、已完成 或 已取消",
        ),
        (
            crate::orders::PAID_WITHOUT_TIME,
            "订单状态为已付款，付款时间（付款确认时间、支付时间、支付完成时间）必须有值",
        ),
        (
            crate::jd_chat::WAITER_SEND_EXPECTED,
            "waiterSend 应为 true 或 false（1 或 0）：消息是否由客服发出",
        ),
        (
            "the order status says paid, so 订单付款时间 must hold a time",
            "订单状态为已付款，订单付款时间必须有值",
        ),
        (
            "expected a time like 2026-11-11 09:00:00, 2026/11/11 09:00:00 or 2026-11-11T09:00:00+08:00",
            "应为时间，如 2026-11-11 09:00:00、2026/11/11 09:00:00 或 2026-11-11T09:00:00+08:00",
        ),
        (
            "expected an amount in yuan with at most 2 decimals, such as 199.00 or 1299.5",
            "应为以元计的金额，最多 2 位小数，如 199.00 或 1299.5",
        ),
        (
            "expected a sender: buyer, agent, bot, auto or system (or 买家, 客服, 机器人, 自动回复, 系统)",
            "应为发送方：buyer、agent、bot、auto 或 system（或 买家、客服、机器人、自动回复、系统）",
        ),
        (
            "expected a role: presale, aftersale or bot (or 售前, 售后, 机器人)",
            "应为角色：presale、aftersale 或 bot（或 售前、售后、机器人）",
        ),
        (
            "expected a refund status: success, closed or pending (or 退款成功, 退款关闭, 退款中)",
            "应为退款状态：success、closed 或 pending（或 退款成功、退款关闭、退款中）",
        ),
        (
            "expected a score from 1 to 5 or 很满意, 满意, 一般, 不满意, 很不满意",
            "应为 1 到 5 的评分，或 很满意、满意、一般、不满意、很不满意",
        ),
        (
            "expected a whole number of items such as 1",
            "应为整数件数，如 1",
        ),
        (
            "expected an order status (订单状态) such as 等待买家付款, 买家已付款，等待卖家发货, 卖家已发货，等待买家确认, 交易成功 or 交易关闭",
            "应为订单状态，如 等待买家付款、买家已付款，等待卖家发货、卖家已发货，等待买家确认、交易成功 或 交易关闭",
        ),
        ("expected an amount that is not negative", "金额不能为负数"),
        (
            "a presale order (with deposit_paid_at, balance_from or balance_to) needs its deposit",
            "预售订单（有定金付款时间、尾款开始或截止时间）须填定金",
        ),
        (
            "expected a deposit not above the order's amount",
            "定金不能大于订单金额",
        ),
        (
            "a presale order (with a deposit) needs balance_to, the end of its balance window",
            "预售订单（有定金）须填尾款截止时间 balance_to",
        ),
        (
            "expected balance_to not before balance_from (or the order's creation)",
            "尾款截止时间不能早于尾款开始时间（或下单时间）",
        ),
        (
            "a date like 2026-11-01 (or empty)",
            "应为日期，如 2026-11-01（或留空）",
        ),
        (
            "a leaving date on or after the joining date",
            "离职日期不能早于入职日期",
        ),
        (
            "expected no control characters (U+0000–U+001F, U+007F–U+009F)",
            "不能含控制字符（U+0000–U+001F、U+007F–U+009F）",
        ),
        (
            "the line is truncated or has an unquoted comma",
            "该行被截断，或含未加引号的逗号",
        ),
        ("expected a string or a number", "应为文本或数字"),
        (
            "expected a JSON object (one per line)",
            "应为 JSON 对象（每行一个）",
        ),
        ("invalid JSON", "JSON 格式错误"),
        ("expected a refund id", "应为退款编号"),
        ("expected an order id (订单编号)", "应为订单编号"),
        ("expected an order id", "应为订单编号"),
        (
            "expected the agent's chat account, such as 店铺名:小美",
            "应为客服的聊天账号，如 店铺名:小美",
        ),
        (
            "expected the store's chat account, such as 店铺名:小美",
            "应为店铺的聊天账号，如 店铺名:小美",
        ),
        (
            "expected the buyer's nick (买家会员名)",
            "应为买家昵称（买家会员名）",
        ),
        ("expected the buyer's nick", "应为买家昵称"),
        (
            "expected the id of the refunded order",
            "应为被退款的订单编号",
        ),
        ("expected the rated account", "应为被评价的账号"),
        ("missing value: ", "缺少值："),
        ("found ", "实际为 "),
    ];
    let mut out = en.to_string();
    for (en, zh) in PHRASES {
        out = out.replace(en, zh);
    }
    // The two reasons with numbers in them.
    if let Some((max, n)) = out
        .strip_prefix("expected at most ")
        .and_then(|rest| rest.split_once(" characters, not "))
    {
        return format!("最多 {max} 个字符，现在是 {n} 个");
    }
    if let Some((n, tail)) = out
        .strip_prefix("expected ")
        .and_then(|rest| rest.split_once(" fields as in the header, "))
    {
        return format!("应与表头一样有 {n} 个字段，{tail}");
    }
    out
}

/// A rejected row as [`RejectedRow`]'s `Display` gives it, framed and said in Chinese.
fn row_zh(path: &Path, r: &RejectedRow) -> String {
    let mut s = format!("{}:{}：", path.display(), r.line);
    if let Some(c) = &r.column {
        s.push_str(&format!("列 `{c}`："));
    }
    if let Some(v) = r.value.as_ref().filter(|v| !v.is_empty()) {
        const MAX: usize = 80;
        let short: String = v.chars().take(MAX).collect();
        let more = if v.chars().nth(MAX).is_some() {
            "…"
        } else {
            ""
        };
        s.push_str(&format!("值 `{}{more}`：", terminal_text(&short)));
    }
    s.push_str(&reason_zh(&r.reason));
    s
}

impl Localized for ImportError {
    fn zh(&self) -> String {
        match self {
            ImportError::Stopped => "导入已中止".to_string(),
            ImportError::Io { path, source } => format!("{}：{}", path.display(), io_zh(source)),
            ImportError::Empty { path } => {
                format!("{}：文件是空的，第一行应是表头", path.display())
            }
            ImportError::UnknownKind { path, header } => format!(
                "{}：无法从表头 `{header}` 判断文件类型：应有聊天记录（time, buyer, account, \
                 sender）、订单（order_id, buyer, created_at, amount）、退款（refund_id, \
                 order_id, buyer, requested_at, amount）、评价（time, buyer, account, score）、\
                 客服花名册（account）的列，或是淘宝订单报表（订单编号, 买家会员名, …）、\
                 淘宝/天猫退款报表（退款编号, 订单编号, 买家退款金额, …）、京东订单导出（订单号, \
                 下单帐号, …）、拼多多订单导出（订单号, 用户实付金额(元), …）、抖店订单导出\
                 （主订单编号, 订单应付金额, …）、京东咚咚聊天记录（created, customerDisplayId, \
                 waiterDisplayId, waiterSend），或 kefu 认识的平台报表之一：{}；从聊天窗口复制的\
                 聊天记录请用 --kind transcript 导入",
                path.display(),
                crate::PlatformKind::known(true)
            ),
            ImportError::MissingReportColumns {
                path,
                report,
                missing,
            } => format!(
                "{}：看起来是{}（{report}），但表头缺少必需的列 {}",
                path.display(),
                report.zh(),
                crate::quoted(missing)
            ),
            ImportError::NoPeriod { path, report } => format!(
                "{}：{}（{report}）没有写明统计的日期：请用 --from 和 --to，或在导入页的“平台报表的周期”中给出（YYYY-MM-DD；只有一天时两者相同）",
                path.display(),
                report.zh()
            ),
            ImportError::WrongPlatform {
                path,
                report,
                platform,
            } => format!(
                "{}：{}（{report}）来自 {}，不是 {}",
                path.display(),
                report.zh(),
                report.platform().as_str(),
                platform.as_str()
            ),
            ImportError::MissingColumns {
                path,
                kind,
                missing,
            } => format!(
                "{}：看起来是{}文件，但表头缺少必需的列 {}",
                path.display(),
                kind_zh(*kind),
                crate::quoted(missing)
            ),
            ImportError::Malformed { path, line, reason } => {
                format!("{}:{line}：格式错误：{}", path.display(), reason.zh)
            }
            ImportError::Workbook { path, message } => {
                format!("{}：无法读取工作簿：{}", path.display(), message.zh)
            }
            ImportError::Transcript { path, error } => {
                format!("{}：{}", path.display(), error.describe(false))
            }
            ImportError::BadRows {
                path,
                count,
                first,
                more,
            } => {
                let mut s = row_zh(path, first);
                for r in more {
                    s.push('\n');
                    s.push_str(&row_zh(path, r));
                }
                let shown = 1 + more.len() as u64;
                if *count > shown {
                    s.push_str(&format!("\n… 另有 {} 行错误", count - shown));
                }
                s.push_str(&format!("\n{} 中共有 {count} 行错误", path.display()));
                s
            }
            ImportError::TooMuchText { path, line } => format!(
                "{}:{line}：一次导入的消息文本将超过 4 GiB：请分批导入较少的文件",
                path.display()
            ),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use kefu_core::localized::has_chinese;

    use super::*;

    #[test]
    fn every_import_error_reads_in_both_languages() {
        let path = PathBuf::from("a.csv");
        let row = RejectedRow {
            line: 3,
            column: Some("amount".into()),
            value: Some("x".into()),
            reason: "expected an amount".into(),
            raw: "x".into(),
        };
        let all = [
            ImportError::Io {
                path: path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
            },
            ImportError::Empty { path: path.clone() },
            ImportError::UnknownKind {
                path: path.clone(),
                header: "a,b".into(),
            },
            ImportError::MissingColumns {
                path: path.clone(),
                kind: FileKind::Orders,
                missing: vec!["amount".into()],
            },
            ImportError::Malformed {
                path: path.clone(),
                line: 1,
                reason: utf16_refused(),
            },
            ImportError::Workbook {
                path: path.clone(),
                message: ods_refused(),
            },
            ImportError::BadRows {
                path: path.clone(),
                count: 5,
                first: Box::new(row.clone()),
                more: vec![row.clone()],
            },
            ImportError::TooMuchText {
                path: path.clone(),
                line: 9,
            },
            ImportError::MissingReportColumns {
                path: path.clone(),
                report: crate::PlatformKind::PddAgent,
                missing: vec!["客服账号".into()],
            },
            ImportError::NoPeriod {
                path: path.clone(),
                report: crate::PlatformKind::PddAgent,
            },
            ImportError::WrongPlatform {
                path,
                report: crate::PlatformKind::JdAgent,
                platform: kefu_core::platform::Platform::Pdd,
            },
        ];
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty() && e.en() != e.zh(), "{}", e.en());
        }
        assert_eq!(
            all[6].zh(),
            "a.csv:3：列 `amount`：值 `x`：expected an amount\na.csv:3：列 `amount`：值 `x`：\
             expected an amount\n… 另有 3 行错误\na.csv 中共有 5 行错误"
        );
        for kind in FileKind::ALL {
            assert!(has_chinese(kind_zh(kind)));
        }
    }

    /// Words of an English sentence in a Chinese text: ASCII words of three letters or more,
    /// leaving out what a reader of Chinese reads too (format names, units), `quoted` names
    /// and a third party's words in full-width brackets.
    pub(crate) fn english_words(zh: &str) -> Vec<String> {
        const NAMES: &[&str] = &[
            "UTF",
            "Excel",
            "Unicode",
            "CSV",
            "xlsx",
            "JSON",
            "OpenDocument",
            "ods",
            "MiB",
            "GiB",
            "null",
        ];
        let mut plain = String::new();
        let (mut brackets, mut quoted) = (0u32, false);
        for c in zh.chars() {
            match c {
                '（' => brackets += 1,
                '）' => brackets = brackets.saturating_sub(1),
                '`' => quoted = !quoted,
                _ if brackets == 0 && !quoted => plain.push(c),
                _ => {}
            }
        }
        plain
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 3 && !NAMES.contains(w))
            .map(str::to_string)
            .collect()
    }

    /// Issue 12 item 10: the file-level refusals are said in Chinese, not an English sentence
    /// inside a Chinese one; third-party details stay, in brackets.
    #[test]
    fn file_refusals_read_in_chinese() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied by the OS");
        let csv_error = csv::ReaderBuilder::new()
            .from_reader(&b"a,b\n\xFF,1\n"[..])
            .records()
            .find_map(Result::err)
            .expect("a record that is not UTF-8 is an error");
        let said = [
            utf16_refused(),
            ods_refused(),
            damaged_workbook(),
            reader_said("invalid Zip archive: Could not find EOCD"),
            unreadable(&io),
            csv_said(&csv_error, true),
            csv_said(&csv_error, false),
        ];
        for s in &said {
            assert!(has_chinese(&s.zh), "{}", s.zh);
            assert!(
                english_words(&s.zh).is_empty(),
                "{} → {:?}",
                s.zh,
                english_words(&s.zh)
            );
            assert!(!has_chinese(&s.en), "{}", s.en);
        }
        // The third party's words stay, after the Chinese.
        assert!(said[3].zh.contains("Could not find EOCD"), "{}", said[3].zh);
        assert_eq!(said[3].en, "invalid Zip archive: Could not find EOCD");
        let e = ImportError::Malformed {
            path: PathBuf::from("u16.txt"),
            line: 1,
            reason: utf16_refused(),
        };
        assert!(
            e.to_string().starts_with("u16.txt:1: the file is UTF-16"),
            "{e}"
        );
        assert!(
            e.zh().starts_with("u16.txt:1：格式错误：文件是 UTF-16"),
            "{}",
            e.zh()
        );
        assert!(!e.zh().contains("save it"), "{}", e.zh());
        // The checker sees an English sentence.
        assert_eq!(
            english_words("格式错误：the file is damaged"),
            ["the", "file", "damaged"]
        );
    }

    #[test]
    fn every_row_reason_reads_in_chinese() {
        use crate::convert::{
            BALANCE_END_NEEDED, BALANCE_WINDOW, DEPOSIT_ABOVE, DEPOSIT_NEEDED, TIME_EXPECTED,
        };
        let reasons = [
            format!("missing value: {DEPOSIT_NEEDED}"),
            format!("missing value: {BALANCE_END_NEEDED}"),
            DEPOSIT_ABOVE.to_string(),
            BALANCE_WINDOW.to_string(),
            format!("missing value: {TIME_EXPECTED}"),
            TIME_EXPECTED.to_string(),
            "missing value: expected an amount in yuan with at most 2 decimals, such as 199.00 or 1299.5".into(),
            "expected an amount that is not negative".into(),
            "expected a whole number of items such as 1".into(),
            "missing value: expected a sender: buyer, agent, bot, auto or system (or 买家, 客服, 机器人, 自动回复, 系统)".into(),
            "expected a refund status: success, closed or pending (or 退款成功, 退款关闭, 退款中)".into(),
            "expected a score from 1 to 5 or 很满意, 满意, 一般, 不满意, 很不满意".into(),
            "expected a role: presale, aftersale or bot (or 售前, 售后, 机器人)".into(),
            "a date like 2026-11-01 (or empty)".into(),
            "a leaving date on or after the joining date".into(),
            "expected no control characters (U+0000–U+001F, U+007F–U+009F)".into(),
            "expected at most 128 characters, not 300".into(),
            "expected 5 fields as in the header, found 3: the line is truncated or has an unquoted comma".into(),
            "expected a string or a number".into(),
            "expected a JSON object (one per line), found an array".into(),
            "invalid JSON: EOF while parsing".into(),
            "missing value: expected an order id (订单编号)".into(),
            "missing value: expected the buyer's nick".into(),
            "missing value: expected the store's chat account, such as 店铺名:小美".into(),
            "missing value: the order status says paid, so 订单付款时间 must hold a time".into(),
            format!("missing value: {}", crate::taobao::REFUND_STATUS_EXPECTED),
            crate::taobao::REFUND_STATUS_EXPECTED.to_string(),
            format!("missing value: {}", crate::orders::ORDER_STATE_EXPECTED),
            format!("missing value: {}", crate::orders::PAID_WITHOUT_TIME),
            format!("missing value: {}", crate::jd_chat::WAITER_SEND_EXPECTED),
            crate::jd_chat::WAITER_SEND_EXPECTED.to_string(),
            "missing value: expected a refund id".into(),
        ];
        for en in &reasons {
            let zh = reason_zh(en);
            assert!(has_chinese(&zh), "{en}");
            assert!(
                !zh.contains("expected") && !zh.contains("missing"),
                "{en} → {zh}"
            );
        }
        assert_eq!(
            reason_zh("expected at most 128 characters, not 300"),
            "最多 128 个字符，现在是 300 个"
        );
    }
}
