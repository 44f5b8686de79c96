//! The columns of each kind of file and how a header is recognised.

use std::path::Path;

use kefu_core::localized::Said;

use crate::{FileKind, ImportError};

/// One column a kind reads: the names it may have in a header (the first is the one used in
/// messages) and whether the header must have it.
pub(crate) struct Col {
    pub names: &'static [&'static str],
    pub required: bool,
}

const fn req(name: &'static [&'static str]) -> Col {
    Col {
        names: name,
        required: true,
    }
}
const fn opt(name: &'static [&'static str]) -> Col {
    Col {
        names: name,
        required: false,
    }
}

/// The most columns any kind reads; rows are handed to the converters as arrays this long.
pub(crate) const MAX_COLS: usize = 13;

// The order of each list is the order of the values the converters receive.
pub(crate) const MESSAGES: &[Col] = &[
    req(&["time", "时间"]),
    req(&["buyer", "买家"]),
    req(&["account", "客服", "客服账号"]),
    req(&["sender", "发送方"]),
    opt(&["text", "内容"]),
    opt(&["msg_id", "消息编号"]),
    opt(&["transfer_to", "转给", "转接给"]),
    opt(&["store", "店铺"]),
];
pub(crate) const ORDERS: &[Col] = &[
    req(&["order_id", "订单号", "订单编号"]),
    req(&["buyer", "买家"]),
    req(&["created_at", "创建时间", "下单时间"]),
    req(&["amount", "金额"]),
    opt(&["paid_at", "付款时间"]),
    opt(&["closed_at", "关闭时间"]),
    opt(&["items", "件数"]),
    opt(&["store", "店铺"]),
    // presale (预售) orders: the deposit and the window the balance is paid in
    opt(&["deposit", "定金"]),
    opt(&["deposit_paid_at", "定金付款时间"]),
    opt(&["balance_from", "尾款开始时间"]),
    opt(&["balance_to", "尾款截止时间"]),
    // the receiver, phone and address (quality-rule context)
    opt(&["address", "收货地址", "收货信息"]),
];
pub(crate) const REFUNDS: &[Col] = &[
    req(&["refund_id", "退款单号", "退款编号"]),
    req(&["order_id", "订单号", "订单编号"]),
    req(&["buyer", "买家"]),
    req(&["requested_at", "申请时间"]),
    req(&["amount", "金额"]),
    opt(&["finished_at", "完成时间"]),
    opt(&["status", "状态"]),
    opt(&["account", "客服", "客服账号"]),
    opt(&["store", "店铺"]),
];
pub(crate) const RATINGS: &[Col] = &[
    req(&["time", "时间"]),
    req(&["buyer", "买家"]),
    req(&["account", "客服", "客服账号"]),
    req(&["score", "评分"]),
    opt(&["store", "店铺"]),
];
pub(crate) const AGENTS: &[Col] = &[
    req(&["account", "客服", "客服账号"]),
    opt(&["name", "姓名"]),
    opt(&["group", "分组"]),
    opt(&["role", "角色"]),
    opt(&["store", "店铺"]),
    opt(&["joined", "入职日期"]),
    opt(&["left", "离职日期"]),
    opt(&["employee_no", "工号"]),
    opt(&["department", "部门"]),
];
pub(crate) const TAOBAO: &[Col] = &[
    req(&["订单编号"]),
    req(&["买家会员名"]),
    req(&["订单创建时间"]),
    req(&["订单付款时间"]),
    req(&["买家实际支付金额"]),
    req(&["订单状态"]),
    opt(&["宝贝总数量"]),
    opt(&["店铺名称"]),
    opt(&["订单关闭时间", "交易关闭时间", "关闭时间"]),
    opt(&["收货人姓名"]),
    opt(&["联系手机"]),
    opt(&["联系电话"]),
    opt(&["收货地址"]),
];

// The marketplaces' exports: a column's names are tried in the order given (the first the
// header has is read), compared without spaces and with full-width brackets as ASCII ones.
pub(crate) const TAOBAO_REFUNDS: &[Col] = &[
    req(&["退款编号"]),
    req(&["订单编号"]),
    opt(&["买家会员名称", "买家会员名", "买家昵称"]),
    req(&["退款的申请时间", "退款申请时间", "申请时间"]),
    req(&["买家退款金额", "退款金额"]),
    opt(&["退款完结时间"]),
    opt(&["完结时间"]),
    req(&["退款状态"]),
    opt(&["退款操作人"]),
    opt(&["审核操作人"]),
    opt(&["帮他退款操作账号"]),
    opt(&["店铺名称", "店铺"]),
];
pub(crate) const JD_ORDERS: &[Col] = &[
    req(&["订单号"]),
    req(&["下单帐号", "下单账号", "客户账号"]),
    req(&["下单时间"]),
    opt(&["付款确认时间", "付款时间", "支付时间"]),
    req(&["订单金额", "应付金额"]),
    req(&["订单状态"]),
    opt(&["订购数量", "商品数量"]),
    opt(&["店铺名称", "店铺"]),
];
pub(crate) const PDD_ORDERS: &[Col] = &[
    req(&["订单号"]),
    opt(&["买家昵称", "用户昵称"]),
    req(&["订单成交时间"]),
    opt(&["支付时间"]),
    req(&["用户实付金额(元)", "用户实付金额"]),
    req(&["订单状态"]),
    opt(&["商品数量(件)", "商品数量"]),
    opt(&["店铺名称", "店铺"]),
];
pub(crate) const DOUYIN_ORDERS: &[Col] = &[
    req(&["主订单编号"]),
    opt(&["买家昵称", "用户昵称"]),
    req(&["订单提交时间", "下单时间"]),
    opt(&["支付完成时间", "支付时间"]),
    req(&["订单应付金额", "应付金额"]),
    req(&["订单状态"]),
    opt(&["商品数量"]),
    opt(&["店铺名称", "店铺"]),
];
// The converter reads them as a messages row: time, buyer, account, sender, text, msg_id.
pub(crate) const JD_CHATS: &[Col] = &[
    req(&["created"]),
    req(&["customerDisplayId"]),
    req(&["waiterDisplayId"]),
    req(&["waiterSend"]),
    opt(&["content"]),
    opt(&["mid"]),
    opt(&["type"]),
];

pub(crate) fn columns(kind: FileKind) -> &'static [Col] {
    match kind {
        FileKind::Messages => MESSAGES,
        FileKind::Orders => ORDERS,
        FileKind::Refunds => REFUNDS,
        FileKind::Ratings => RATINGS,
        FileKind::Agents => AGENTS,
        FileKind::TaobaoOrders => TAOBAO,
        FileKind::TaobaoRefunds => TAOBAO_REFUNDS,
        FileKind::JdOrders => JD_ORDERS,
        FileKind::PddOrders => PDD_ORDERS,
        FileKind::DouyinOrders => DOUYIN_ORDERS,
        FileKind::JdChats => JD_CHATS,
        FileKind::Transcript => &[],
    }
}

/// The marketplace export a header is, from columns only that export has (names compared as
/// [`norm`]); checked before the canonical kinds.
fn export_kind(header: &[String]) -> Option<FileKind> {
    let normed: Vec<String> = header.iter().map(|h| norm(h)).collect();
    let has = |name: &str| normed.iter().any(|h| h == name);
    let any = |names: &[&str]| names.iter().any(|n| has(n));
    // The Taobao order report (whose later versions end in 主订单编号) is no export of these.
    if has("订单编号") && has("买家会员名") {
        None
    } else if has("退款编号")
        && has("订单编号")
        && any(&["买家退款金额", "退款状态", "退款的申请时间"])
    {
        Some(FileKind::TaobaoRefunds)
    } else if (has("主订单编号") && has("子订单编号"))
        || (has("订单提交时间") && has("订单应付金额"))
    {
        Some(FileKind::DouyinOrders)
    } else if any(&["用户实付金额(元)", "商家实收金额(元)", "商品数量(件)"])
        || (has("订单号") && has("订单成交时间"))
    {
        Some(FileKind::PddOrders)
    } else if has("订单号") && any(&["下单帐号", "下单账号", "付款确认时间", "京东价"])
    {
        Some(FileKind::JdOrders)
    } else if has("waiterSend") || (has("customerDisplayId") && has("waiterDisplayId")) {
        Some(FileKind::JdChats)
    } else {
        None
    }
}

fn norm(h: &str) -> String {
    crate::platform::values::norm(h)
}

/// Where a file's columns are: for each column of its kind, the index in the file's rows.
#[derive(Debug)]
pub(crate) struct Layout {
    pub kind: FileKind,
    pub map: Vec<Option<usize>>,
    pub warnings: Vec<Said>,
    /// Header names no column of the kind reads (not listed for marketplace reports).
    pub unknown: Vec<String>,
}

impl Layout {
    /// The header name of a kind's column as this file spells it.
    pub fn column_name(&self, col: usize, header: &[String]) -> String {
        let from_file = self
            .map
            .get(col)
            .copied()
            .flatten()
            .and_then(|i| header.get(i));
        match from_file {
            Some(h) => h.clone(),
            None => columns(self.kind)
                .get(col)
                .and_then(|c| c.names.first())
                .map_or_else(String::new, |n| (*n).to_string()),
        }
    }
}

/// A header name as compared: surrounding spaces (old Taobao exports have `"订单付款时间 "`) and a
/// stray byte-order mark removed.
pub(crate) fn clean_header(h: &str) -> &str {
    h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// The kind a header names in English, the names every canonical file was first written with.
fn english_kind(header: &[String]) -> Option<FileKind> {
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("订单编号") && has("买家会员名") {
        Some(FileKind::TaobaoOrders)
    } else if has("refund_id") {
        Some(FileKind::Refunds)
    } else if has("order_id") && has("created_at") && has("amount") {
        Some(FileKind::Orders)
    } else if has("sender") {
        Some(FileKind::Messages)
    } else if has("score") {
        Some(FileKind::Ratings)
    } else if has("account") && !has("time") && !has("buyer") {
        Some(FileKind::Agents)
    } else {
        None
    }
}

/// The kind of a header written with the Chinese column names (`时间,买家,客服,发送方,内容`).
/// Names such as 客服 or 时间 also head the platforms' own reports, so the evidence asked for is
/// stronger than for English names: every required column of the kind, no header a platform
/// report is recognised by, and for a roster (whose only required column is 客服) no column a
/// roster does not have.
fn chinese_kind(header: &[String]) -> Option<FileKind> {
    let normed: Vec<String> = header
        .iter()
        .map(|h| crate::platform::values::norm(h))
        .collect();
    if crate::platform::detect(&normed).is_some() {
        return None;
    }
    let known = |c: &Col| header.iter().any(|h| c.names.contains(&h.as_str()));
    let complete = |kind: FileKind| columns(kind).iter().filter(|c| c.required).all(known);
    let kinds = [
        FileKind::Refunds,
        FileKind::Orders,
        FileKind::Messages,
        FileKind::Ratings,
    ];
    if let Some(kind) = kinds.into_iter().find(|k| complete(*k)) {
        return Some(kind);
    }
    let roster_only = header
        .iter()
        .all(|h| h.is_empty() || AGENTS.iter().any(|c| c.names.contains(&h.as_str())));
    (complete(FileKind::Agents) && roster_only).then_some(FileKind::Agents)
}

/// Recognises the kind of a file from its (cleaned) header, or takes the one named
/// (`forced`), and maps its columns.
pub(crate) fn layout(
    path: &Path,
    header: &[String],
    forced: Option<FileKind>,
) -> Result<Layout, ImportError> {
    let kind = forced
        .or_else(|| export_kind(header))
        .or_else(|| english_kind(header))
        .or_else(|| chinese_kind(header));
    let kind = match kind {
        Some(k) => k,
        None => closest(header).ok_or_else(|| ImportError::UnknownKind {
            path: path.to_path_buf(),
            header: kefu_core::text::terminal_text(&header.join(",")).into_owned(),
        })?,
    };
    if kind.is_export() && kind != FileKind::TaobaoOrders {
        return export_layout(path, header, kind);
    }
    let cols = columns(kind);
    let mut map = Vec::with_capacity(cols.len());
    let mut missing = Vec::new();
    let mut warnings = Vec::new();
    for c in cols {
        let pos: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| c.names.contains(&h.as_str()))
            .map(|(i, _)| i)
            .collect();
        if pos.len() > 1 {
            let names: Vec<&str> = pos
                .iter()
                .filter_map(|&i| header.get(i).map(String::as_str))
                .collect();
            let name = c.names.first().copied().unwrap_or("");
            warnings.push(Said::new(
                format!(
                    "表头中 `{name}` 有多列（{}），只读取第一列",
                    names.join("、")
                ),
                format!(
                    "the header has several columns for `{name}` ({}); the first one is read",
                    names.join(", ")
                ),
            ));
        }
        let first = pos.first().copied();
        if first.is_none() && c.required {
            missing.push(c.names.first().copied().unwrap_or("").to_string());
        }
        map.push(first);
    }
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            path: path.to_path_buf(),
            kind,
            missing,
        });
    }
    // A marketplace report carries dozens of columns kefu does not need: listing them would
    // only be noise, so unknown columns are reported for the canonical kinds alone.
    let mut unknown = Vec::new();
    if kind != FileKind::TaobaoOrders {
        unknown = header
            .iter()
            .filter(|h| !h.is_empty() && !cols.iter().any(|c| c.names.contains(&h.as_str())))
            .cloned()
            .collect();
    }
    Ok(Layout {
        kind,
        map,
        warnings,
        unknown,
    })
}

/// An export's columns: each the first of its names the header has, by the names' order.
fn export_layout(path: &Path, header: &[String], kind: FileKind) -> Result<Layout, ImportError> {
    let normed: Vec<String> = header.iter().map(|h| norm(h)).collect();
    let mut map = Vec::new();
    let mut missing = Vec::new();
    for c in columns(kind) {
        let at = c
            .names
            .iter()
            .find_map(|n| normed.iter().position(|h| *h == norm(n)));
        if at.is_none() && c.required {
            missing.push(c.names.first().copied().unwrap_or("").to_string());
        }
        map.push(at);
    }
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            path: path.to_path_buf(),
            kind,
            missing,
        });
    }
    Ok(Layout {
        kind,
        map,
        warnings: Vec::new(),
        unknown: Vec::new(),
    })
}

pub(crate) fn unknown_columns_warning<S: AsRef<str>>(unknown: &[S]) -> Said {
    let list: Vec<String> = unknown
        .iter()
        .map(|u| format!("`{}`", u.as_ref()))
        .collect();
    Said::new(
        format!("忽略了未知的列：{}", list.join("、")),
        format!("ignored unknown column(s): {}", list.join(", ")),
    )
}

/// When no rule matches: the kind whose required columns (by their English names) the header
/// has most of (the kind is then reported with the columns it lacks), or none when it has none
/// at all. Chinese names are not counted: they also head platform reports, which a file no
/// canonical kind recognises is then read as.
fn closest(header: &[String]) -> Option<FileKind> {
    let mut best: Option<(usize, f64, FileKind)> = None;
    for kind in FileKind::ALL.into_iter().filter(|k| !k.is_export()) {
        let required: Vec<&Col> = columns(kind).iter().filter(|c| c.required).collect();
        let found = required
            .iter()
            .filter(|c| {
                c.names
                    .first()
                    .is_some_and(|n| header.iter().any(|h| h == n))
            })
            .count();
        if found == 0 {
            continue;
        }
        let share = found as f64 / required.len().max(1) as f64;
        let better = match best {
            None => true,
            Some((n, s, _)) => found > n || (found == n && share > s),
        };
        if better {
            best = Some((found, share, kind));
        }
    }
    best.map(|(_, _, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<String> {
        s.split(',').map(|x| clean_header(x).to_string()).collect()
    }

    #[test]
    fn kinds() {
        let p = Path::new("x.csv");
        let k = |s: &str| layout(p, &h(s), None).map(|l| l.kind);
        assert_eq!(
            k("time,buyer,account,sender").ok(),
            Some(FileKind::Messages)
        );
        assert_eq!(
            k("order_id,buyer,created_at,amount").ok(),
            Some(FileKind::Orders)
        );
        assert_eq!(
            k("refund_id,order_id,buyer,requested_at,amount").ok(),
            Some(FileKind::Refunds)
        );
        assert_eq!(k("time,buyer,account,score").ok(), Some(FileKind::Ratings));
        assert_eq!(k("account,name").ok(), Some(FileKind::Agents));
        assert_eq!(
            k("订单编号 ,买家会员名,订单创建时间,订单付款时间 ,买家实际支付金额,订单状态").ok(),
            Some(FileKind::TaobaoOrders)
        );
        match k("time,buyer,account,text") {
            Err(ImportError::MissingColumns { kind, missing, .. }) => {
                assert_eq!(kind, FileKind::Messages);
                assert_eq!(missing, vec!["sender".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(k("foo,bar"), Err(ImportError::UnknownKind { .. })));
    }

    #[test]
    fn chinese_headers() {
        let p = Path::new("x.csv");
        let k = |s: &str| layout(p, &h(s), None).map(|l| l.kind).ok();
        assert_eq!(k("时间,买家,客服,发送方,内容"), Some(FileKind::Messages));
        assert_eq!(
            k("订单号,买家,创建时间,金额,付款时间"),
            Some(FileKind::Orders)
        );
        assert_eq!(k("订单编号,买家,下单时间,金额"), Some(FileKind::Orders));
        assert_eq!(
            k("退款单号,订单号,买家,申请时间,金额,状态"),
            Some(FileKind::Refunds)
        );
        assert_eq!(k("时间,买家,客服,评分"), Some(FileKind::Ratings));
        assert_eq!(k("客服,姓名,分组,角色,入职日期"), Some(FileKind::Agents));
        // The mixed spelling of a header is read too.
        assert_eq!(k("time,买家,客服,sender"), Some(FileKind::Messages));
        // The later Taobao report ends in 主订单编号, which also heads 抖店's export.
        assert_eq!(
            k(
                "订单编号,买家会员名,支付单号,订单创建时间,订单付款时间,买家实际支付金额,订单状态,主订单编号"
            ),
            Some(FileKind::TaobaoOrders)
        );
        assert_eq!(
            k("主订单编号,子订单编号,商品数量,订单应付金额,订单提交时间,订单状态"),
            Some(FileKind::DouyinOrders)
        );
        // The Taobao report keeps its own kind although 订单编号 also names `order_id`.
        assert_eq!(
            k("订单编号,买家会员名,订单创建时间,订单付款时间,买家实际支付金额,订单状态,金额"),
            Some(FileKind::TaobaoOrders)
        );
        // A per-agent report with a 客服 column is no roster, and a Chinese header that lacks
        // a required column is left to the platform reports (unknown here).
        assert_eq!(k("客服,咨询人数,接待人数"), None);
        assert_eq!(k("时间,买家,客服,内容"), None);
        // The columns are mapped by name, wherever they stand.
        let l = layout(p, &h("内容,发送方,客服,买家,时间"), None).unwrap();
        assert_eq!(&l.map[..5], &[Some(4), Some(3), Some(2), Some(1), Some(0)]);
        assert!(l.unknown.is_empty());
    }
}
