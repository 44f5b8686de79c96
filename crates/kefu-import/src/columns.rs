//! The columns of each kind of file and how a header is recognised.

use std::path::Path;

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
pub(crate) const MAX_COLS: usize = 10;

// The order of each list is the order of the values the converters receive.
pub(crate) const MESSAGES: &[Col] = &[
    req(&["time"]),
    req(&["buyer"]),
    req(&["account"]),
    req(&["sender"]),
    opt(&["text"]),
    opt(&["msg_id"]),
    opt(&["transfer_to"]),
    opt(&["store"]),
];
pub(crate) const ORDERS: &[Col] = &[
    req(&["order_id"]),
    req(&["buyer"]),
    req(&["created_at"]),
    req(&["amount"]),
    opt(&["paid_at"]),
    opt(&["closed_at"]),
    opt(&["items"]),
    opt(&["store"]),
];
pub(crate) const REFUNDS: &[Col] = &[
    req(&["refund_id"]),
    req(&["order_id"]),
    req(&["buyer"]),
    req(&["requested_at"]),
    req(&["amount"]),
    opt(&["finished_at"]),
    opt(&["status"]),
    opt(&["account"]),
    opt(&["store"]),
];
pub(crate) const RATINGS: &[Col] = &[
    req(&["time"]),
    req(&["buyer"]),
    req(&["account"]),
    req(&["score"]),
    opt(&["store"]),
];
pub(crate) const AGENTS: &[Col] = &[
    req(&["account"]),
    opt(&["name"]),
    opt(&["group"]),
    opt(&["role"]),
    opt(&["store"]),
    opt(&["joined"]),
    opt(&["left"]),
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
];

pub(crate) fn columns(kind: FileKind) -> &'static [Col] {
    match kind {
        FileKind::Messages => MESSAGES,
        FileKind::Orders => ORDERS,
        FileKind::Refunds => REFUNDS,
        FileKind::Ratings => RATINGS,
        FileKind::Agents => AGENTS,
        FileKind::TaobaoOrders => TAOBAO,
    }
}

/// Where a file's columns are: for each column of its kind, the index in the file's rows.
#[derive(Debug)]
pub(crate) struct Layout {
    pub kind: FileKind,
    pub map: Vec<Option<usize>>,
    pub warnings: Vec<String>,
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

/// Recognises the kind of a file from its (cleaned) header and maps its columns.
pub(crate) fn layout(path: &Path, header: &[String]) -> Result<Layout, ImportError> {
    let has = |name: &str| header.iter().any(|h| h == name);
    let kind = if has("refund_id") {
        Some(FileKind::Refunds)
    } else if has("order_id") && has("created_at") && has("amount") {
        Some(FileKind::Orders)
    } else if has("sender") {
        Some(FileKind::Messages)
    } else if has("score") {
        Some(FileKind::Ratings)
    } else if has("订单编号") && has("买家会员名") {
        Some(FileKind::TaobaoOrders)
    } else if has("account") && !has("time") && !has("buyer") {
        Some(FileKind::Agents)
    } else {
        None
    };
    let kind = match kind {
        Some(k) => k,
        None => closest(header).ok_or_else(|| ImportError::UnknownKind {
            path: path.to_path_buf(),
            header: kefu_core::text::terminal_text(&header.join(",")).into_owned(),
        })?,
    };
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
            warnings.push(format!(
                "the header has several columns for `{}` ({}); the first one is read",
                c.names.first().copied().unwrap_or(""),
                names.join(", ")
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

pub(crate) fn unknown_columns_warning<S: AsRef<str>>(unknown: &[S]) -> String {
    let list: Vec<String> = unknown
        .iter()
        .map(|u| format!("`{}`", u.as_ref()))
        .collect();
    format!("ignored unknown column(s): {}", list.join(", "))
}

/// When no rule matches: the kind whose required columns the header has most of (the kind
/// is then reported with the columns it lacks), or none when it has none at all.
fn closest(header: &[String]) -> Option<FileKind> {
    let mut best: Option<(usize, f64, FileKind)> = None;
    for kind in FileKind::ALL {
        let required: Vec<&Col> = columns(kind).iter().filter(|c| c.required).collect();
        let found = required
            .iter()
            .filter(|c| header.iter().any(|h| c.names.contains(&h.as_str())))
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
        let k = |s: &str| layout(p, &h(s)).map(|l| l.kind);
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
}
