//! What a store fills in when it has no export of its own yet: for each canonical kind, the
//! column guide (read from the same column lists the importer recognises headers by) and a
//! template CSV with the Chinese header and example rows that import as they are.

use crate::FileKind;
use crate::columns::columns;

/// The kinds a store writes by hand (the Taobao report is downloaded, never written).
pub const TEMPLATE_KINDS: [FileKind; 5] = [
    FileKind::Messages,
    FileKind::Orders,
    FileKind::Refunds,
    FileKind::Ratings,
    FileKind::Agents,
];

/// One column of a kind, as the import page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnGuide {
    /// The canonical (English) name.
    pub name: &'static str,
    /// The Chinese names a header may use instead.
    pub chinese: &'static [&'static str],
    pub required: bool,
    /// What goes in it, in Chinese and in English.
    pub zh: &'static str,
    pub en: &'static str,
}

/// The columns of `kind` in the order the importer reads them.
pub fn column_guide(kind: FileKind) -> Vec<ColumnGuide> {
    columns(kind)
        .iter()
        .filter_map(|c| {
            let (name, chinese) = c.names.split_first()?;
            let (zh, en) = meaning(name);
            Some(ColumnGuide {
                name,
                chinese,
                required: c.required,
                zh,
                en,
            })
        })
        .collect()
}

fn meaning(column: &str) -> (&'static str, &'static str) {
    match column {
        "time" => (
            "店铺当地时间，2026-11-03 10:01:02",
            "store-local time, 2026-11-03 10:01:02",
        ),
        "buyer" => (
            "买家账号（旺旺名等）",
            "the buyer's account (e.g. 旺旺 name)",
        ),
        "account" => (
            "客服账号，与聊天工具中一致",
            "the agent's chat account, as in the chat tool",
        ),
        "sender" => (
            "买家 / 客服 / 机器人 / 自动回复 / 系统",
            "buyer / agent / bot / auto / system",
        ),
        "text" => ("消息内容", "the message's text"),
        "msg_id" => (
            "消息编号（重复导入时去重）",
            "message id (dedupes re-imports)",
        ),
        "transfer_to" => (
            "转接给哪个客服账号",
            "the account the buyer was transferred to",
        ),
        "store" => (
            "店铺名；留空则用导入时填写的店铺",
            "store name; empty: the store given at import",
        ),
        "order_id" => ("订单号", "order id"),
        "created_at" => ("下单时间", "when the order was placed"),
        "amount" => (
            "金额，元，最多两位小数（¥1,299.00 也可）",
            "yuan, at most 2 decimals (¥1,299.00 works)",
        ),
        "paid_at" => ("付款时间；未付款留空", "when it was paid; empty if unpaid"),
        "closed_at" => ("关闭时间；未关闭留空", "when it was closed; empty if not"),
        "items" => ("件数", "number of items"),
        "refund_id" => ("退款单号", "refund id"),
        "requested_at" => ("申请退款时间", "when the refund was requested"),
        "finished_at" => ("退款完成时间", "when the refund finished"),
        "status" => ("退款成功 / 退款关闭 / 退款中", "success / closed / pending"),
        "score" => ("1–5，或 很满意…很不满意", "1–5, or 很满意 … 很不满意"),
        "name" => ("姓名", "the person's name"),
        "group" => ("分组，如 售前一组", "team, e.g. 售前一组"),
        "role" => ("售前 / 售后 / 机器人", "presale / aftersale / bot"),
        "joined" => (
            "入职日期，2026-03-01",
            "first day with the team, 2026-03-01",
        ),
        "left" => (
            "离职日期；在职留空",
            "last day with the team; empty if still there",
        ),
        "deposit" => (
            "预售定金，元；非预售留空",
            "presale deposit, yuan; empty if not presale",
        ),
        "deposit_paid_at" => ("定金付款时间", "when the deposit was paid"),
        "balance_from" => ("尾款开始支付时间", "when the balance can first be paid"),
        "balance_to" => ("尾款截止时间", "the balance's deadline"),
        "address" => (
            "收货人、电话、地址；质检把其中的号码当作买家自己的",
            "receiver, phone and address; the quality rules take its number as the buyer's own",
        ),
        "employee_no" => (
            "工号，工资表按此对应",
            "employee number, as payroll files people",
        ),
        "department" => (
            "部门，工资表中的部门",
            "department, as on the payroll sheet",
        ),
        _ => ("", ""),
    }
}

/// Example rows of each kind: one buyer's afternoon at 示例店铺, consistent across the files.
fn examples(kind: FileKind) -> &'static [&'static [&'static str]] {
    match kind {
        FileKind::Messages => &[
            &[
                "2026-11-03 10:01:02",
                "tb_buyer01",
                "小美",
                "买家",
                "在吗？这款有现货吗",
                "",
                "",
                "示例店铺",
            ],
            &[
                "2026-11-03 10:01:20",
                "tb_buyer01",
                "小美",
                "客服",
                "亲，有现货的，今天下单明天发货哦",
                "",
                "",
                "示例店铺",
            ],
            &[
                "2026-11-03 10:04:45",
                "tb_buyer01",
                "小美",
                "买家",
                "好的，我拍了",
                "",
                "",
                "示例店铺",
            ],
        ],
        FileKind::Orders => &[&[
            "E20261103001",
            "tb_buyer01",
            "2026-11-03 10:05:00",
            "199.00",
            "2026-11-03 10:06:10",
            "",
            "1",
            "示例店铺",
            "",
            "",
            "",
            "",
            "王小丽 13800138000 浙江省杭州市西湖区文三路 1 号",
        ]],
        FileKind::Refunds => &[&[
            "R20261105001",
            "E20261103001",
            "tb_buyer01",
            "2026-11-05 09:00:00",
            "199.00",
            "2026-11-06 12:00:00",
            "退款成功",
            "小美",
            "示例店铺",
        ]],
        FileKind::Ratings => &[&["2026-11-03 10:30:00", "tb_buyer01", "小美", "5", "示例店铺"]],
        FileKind::Agents => &[
            &[
                "小美",
                "王小美",
                "售前一组",
                "售前",
                "示例店铺",
                "2026-03-01",
                "",
                "A1024",
                "客服部",
            ],
            &["店小蜜", "", "", "机器人", "示例店铺", "", "", "", ""],
        ],
        _ => &[],
    }
}

/// The template of `kind`: UTF-8 with a byte-order mark (so that Chinese Excel opens it
/// right), the Chinese name of every column, and the example rows. `None` for the Taobao
/// report, which is downloaded, not written.
pub fn template_csv(kind: FileKind) -> Option<String> {
    if !TEMPLATE_KINDS.contains(&kind) {
        return None;
    }
    let header: Vec<&str> = column_guide(kind)
        .iter()
        .map(|c| c.chinese.first().copied().unwrap_or(c.name))
        .collect();
    let mut out = String::from("\u{feff}");
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in examples(kind) {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    Some(out)
}

/// The file name a template downloads as.
pub fn template_file_name(kind: FileKind) -> String {
    format!("kefu-template-{}.csv", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_row_has_one_value_per_column() {
        for kind in TEMPLATE_KINDS {
            let width = column_guide(kind).len();
            assert!(!examples(kind).is_empty(), "{kind}");
            for row in examples(kind) {
                assert_eq!(row.len(), width, "{kind}: {row:?}");
                // No value needs quoting in a CSV.
                assert!(row.iter().all(|v| !v.contains([',', '"', '\n'])), "{kind}");
            }
        }
    }

    #[test]
    fn every_column_is_explained_in_both_languages() {
        for kind in TEMPLATE_KINDS {
            for c in column_guide(kind) {
                assert!(!c.zh.is_empty() && !c.en.is_empty(), "{kind}: {}", c.name);
            }
        }
    }

    #[test]
    fn the_header_is_chinese_and_the_taobao_report_has_no_template() {
        let csv = template_csv(FileKind::Messages).unwrap();
        assert!(
            csv.starts_with("\u{feff}时间,买家,客服,发送方,内容,消息编号,转给,店铺\r\n"),
            "{csv}"
        );
        assert_eq!(template_csv(FileKind::TaobaoOrders), None);
    }
}
