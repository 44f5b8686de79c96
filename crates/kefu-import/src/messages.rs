//! The Chinese texts of the import's errors (the English ones are their `Display`).

use std::path::Path;

use kefu_core::localized::{Localized, io_zh};
use kefu_core::text::terminal_text;

use crate::{FileKind, ImportError, RejectedRow};

fn kind_zh(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Messages => "聊天记录",
        FileKind::Orders => "订单",
        FileKind::Refunds => "退款",
        FileKind::Ratings => "评价",
        FileKind::Agents => "客服花名册",
        FileKind::TaobaoOrders => "淘宝订单报表",
    }
}

/// A rejected row as [`RejectedRow`]'s `Display` gives it, framed in Chinese. The reason is
/// the reader's own (English) words.
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
    s.push_str(&r.reason);
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
                 客服花名册（account）的列，或是淘宝订单报表（订单编号, 买家会员名, …），\
                 或 kefu 认识的平台报表之一：{}",
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
                "{}：{}（{report}）没有写明统计的日期：请用 --from 和 --to 给出（YYYY-MM-DD；只有一天时两者相同）",
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
                format!("{}:{line}：格式错误：{reason}", path.display())
            }
            ImportError::Workbook { path, message } => {
                format!("{}：无法读取工作簿：{message}", path.display())
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
mod tests {
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
                reason: "not JSON".into(),
            },
            ImportError::Workbook {
                path: path.clone(),
                message: "zip".into(),
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
}
