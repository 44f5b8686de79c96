//! The marketplaces' own customer-service reports (生意参谋 服务洞察, 千牛 服务报表, 拼多多
//! 客服绩效, 抖店 飞鸽, 快手 考核数据, 京东 客服数据, 赤兔 KPI exports), read as platform
//! figures: per store, account (or the whole shop) and period, under the report's own column
//! names. `docs/formats.md` ("Platform reports") has the mapping of each kind.
//!
//! - The kind is recognised from the header — columns only that report has — never from the
//!   file's name or the columns' positions; `--kind` names it instead. The header is the first
//!   row (of the first 30) that a kind recognises, so title rows above it do no harm; every
//!   sheet of a workbook with a recognised header is read (千牛's two sheets), others are
//!   skipped with a warning.
//! - Which figure a column holds, and so how it combines over periods, follows from its name
//!   ([`values::kind_of`]): `…率` a rate, `…时长`/`(秒)` a duration in seconds, 客单价/答问比/
//!   `平均…` an average, `…额`/`(元)` money, `…人数`/`…量`/`…数` a count. Other columns (names,
//!   groups, ranks) are not figures and are listed in a warning.
//! - Rows of totals and means (总计, 平均, 汇总, 均值, 店铺汇总值, 店铺平均值, 同行…) are skipped,
//!   as are shop-level rows whose 日期 holds a label instead of a date.
//! - A report with a date column (日期, 统计日期, …) gives each row its own period (a day or
//!   `from~to`); one without (拼多多 客服绩效) takes the period of the import (`--from`/`--to`)
//!   and is refused without one.

#[cfg(test)]
mod labels;
pub(crate) mod table;
pub(crate) mod values;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use kefu_core::localized::Said;
use kefu_core::platform::{FigureKind, Platform, PlatformFigure, PlatformFile};
use kefu_core::time::Day;

use self::values::{RateScale, norm};
use crate::{FileReport, ImportError, ImportOptions, MAX_REJECTED_BYTES, RejectedRow, cut_to};

/// A kind of platform report kefu reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformKind {
    /// 生意参谋 服务洞察 咨询接待 (shop level, by day).
    SycmConsult,
    /// 生意参谋 服务洞察 业绩询单 (shop level, by day).
    SycmInquiry,
    /// 生意参谋 服务洞察 客单价 (shop level, by day).
    SycmPrice,
    /// 生意参谋 服务洞察 接待评价 (shop level, two header rows).
    SycmRating,
    /// 生意参谋 服务洞察, the per-agent sheet 数据信息 (旺旺昵称).
    SycmAgent,
    /// 千牛 服务报表, 按客服查看 (旺旺账号名称).
    QianniuAgent,
    /// 拼多多 客服绩效 (客服账号; no date: the period comes with the import).
    PddAgent,
    /// 拼多多 销售数据 (shop level, by day).
    PddShop,
    /// 抖店 飞鸽 per agent (客服账号).
    DouyinAgent,
    /// 抖店 `飞鸽_客服表现`.
    DouyinPerformance,
    /// 快手 `客服_考核数据`.
    KuaishouAssessment,
    /// 京东 客服数据, 整体数据 (客服).
    JdAgent,
    /// 赤兔's KPI exports.
    Chitu,
}

impl PlatformKind {
    pub const ALL: [PlatformKind; 13] = [
        PlatformKind::SycmConsult,
        PlatformKind::SycmInquiry,
        PlatformKind::SycmPrice,
        PlatformKind::SycmRating,
        PlatformKind::SycmAgent,
        PlatformKind::QianniuAgent,
        PlatformKind::PddAgent,
        PlatformKind::PddShop,
        PlatformKind::DouyinAgent,
        PlatformKind::DouyinPerformance,
        PlatformKind::KuaishouAssessment,
        PlatformKind::JdAgent,
        PlatformKind::Chitu,
    ];

    /// The name `--kind` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformKind::SycmConsult => "sycm_consult",
            PlatformKind::SycmInquiry => "sycm_inquiry",
            PlatformKind::SycmPrice => "sycm_price",
            PlatformKind::SycmRating => "sycm_rating",
            PlatformKind::SycmAgent => "sycm_agent",
            PlatformKind::QianniuAgent => "qianniu_agent",
            PlatformKind::PddAgent => "pdd_agent",
            PlatformKind::PddShop => "pdd_shop",
            PlatformKind::DouyinAgent => "douyin_agent",
            PlatformKind::DouyinPerformance => "douyin_performance",
            PlatformKind::KuaishouAssessment => "kuaishou_assessment",
            PlatformKind::JdAgent => "jd_agent",
            PlatformKind::Chitu => "chitu",
        }
    }

    /// The report as its platform names it.
    pub fn zh(self) -> &'static str {
        match self {
            PlatformKind::SycmConsult => "生意参谋 服务洞察 咨询接待",
            PlatformKind::SycmInquiry => "生意参谋 服务洞察 业绩询单",
            PlatformKind::SycmPrice => "生意参谋 服务洞察 客单价",
            PlatformKind::SycmRating => "生意参谋 服务洞察 接待评价",
            PlatformKind::SycmAgent => "生意参谋 服务洞察 客服数据（数据信息）",
            PlatformKind::QianniuAgent => "千牛 服务报表（按客服查看）",
            PlatformKind::PddAgent => "拼多多 客服绩效",
            PlatformKind::PddShop => "拼多多 客服销售数据",
            PlatformKind::DouyinAgent => "抖店 飞鸽 客服数据",
            PlatformKind::DouyinPerformance => "抖店 飞鸽_客服表现",
            PlatformKind::KuaishouAssessment => "快手 客服_考核数据",
            PlatformKind::JdAgent => "京东 客服数据（整体数据）",
            PlatformKind::Chitu => "赤兔 绩效报表",
        }
    }

    /// The report in English (with its Chinese name, which is what the user sees on screen).
    pub fn en(self) -> &'static str {
        match self {
            PlatformKind::SycmConsult => "Taobao 生意参谋 service insight, 咨询接待",
            PlatformKind::SycmInquiry => "Taobao 生意参谋 service insight, 业绩询单",
            PlatformKind::SycmPrice => "Taobao 生意参谋 service insight, 客单价",
            PlatformKind::SycmRating => "Taobao 生意参谋 service insight, 接待评价",
            PlatformKind::SycmAgent => "Taobao 生意参谋 service insight per agent (数据信息)",
            PlatformKind::QianniuAgent => "Qianniu 服务报表 per agent (按客服查看)",
            PlatformKind::PddAgent => "Pinduoduo 客服绩效",
            PlatformKind::PddShop => "Pinduoduo 客服销售数据",
            PlatformKind::DouyinAgent => "Douyin 飞鸽 per agent",
            PlatformKind::DouyinPerformance => "Douyin 飞鸽_客服表现",
            PlatformKind::KuaishouAssessment => "Kuaishou 客服_考核数据",
            PlatformKind::JdAgent => "JD 客服数据 (整体数据)",
            PlatformKind::Chitu => "Chitu (赤兔) KPI export",
        }
    }

    /// The platform a report of this kind comes from (生意参谋 and 千牛 serve Taobao and
    /// Tmall alike: `taobao` unless the import says `tmall`).
    pub fn platform(self) -> Platform {
        match self {
            PlatformKind::SycmConsult
            | PlatformKind::SycmInquiry
            | PlatformKind::SycmPrice
            | PlatformKind::SycmRating
            | PlatformKind::SycmAgent
            | PlatformKind::QianniuAgent => Platform::Taobao,
            PlatformKind::PddAgent | PlatformKind::PddShop => Platform::Pdd,
            PlatformKind::DouyinAgent | PlatformKind::DouyinPerformance => Platform::Douyin,
            PlatformKind::KuaishouAssessment => Platform::Kuaishou,
            PlatformKind::JdAgent => Platform::Jd,
            PlatformKind::Chitu => Platform::Chitu,
        }
    }

    /// The names the agent's column may have, the usual one first; empty for shop-level
    /// reports.
    fn agent_columns(self) -> &'static [&'static str] {
        match self {
            PlatformKind::SycmConsult
            | PlatformKind::SycmInquiry
            | PlatformKind::SycmPrice
            | PlatformKind::SycmRating
            | PlatformKind::PddShop => &[],
            PlatformKind::SycmAgent => &["旺旺昵称", "旺旺账号", "客服昵称"],
            PlatformKind::QianniuAgent => &["旺旺账号名称", "旺旺账号", "账号名称"],
            PlatformKind::PddAgent | PlatformKind::DouyinAgent => {
                &["客服账号", "客服昵称", "客服名称"]
            }
            PlatformKind::DouyinPerformance | PlatformKind::KuaishouAssessment => &[
                "客服账号",
                "客服昵称",
                "客服名称",
                "客服账号名称",
                "客服名",
                "客服ID",
                "客服",
                "客服姓名",
                "子账号",
                "账号",
                "昵称",
            ],
            PlatformKind::JdAgent => &["客服", "客服账号", "客服名称", "客服昵称"],
            PlatformKind::Chitu => &["旺旺", "旺旺昵称", "客服", "客服昵称", "客服账号"],
        }
    }

    /// Reports that come per agent or per shop (the sources do not say): without an agent
    /// column, their rows are the shop's.
    fn agent_optional(self) -> bool {
        matches!(
            self,
            PlatformKind::DouyinPerformance | PlatformKind::KuaishouAssessment
        )
    }

    /// Columns only this kind of report has (normalised, see [`norm`]): one of them
    /// recognises it.
    fn markers(self) -> &'static [&'static str] {
        match self {
            PlatformKind::SycmConsult => &[
                "旺旺回复率",
                "有效接待人数",
                "咨询客服人次",
                "客服回复人次",
                "客服未回复人次",
                "长接待人数",
                "买家发起人数",
                "客服主动跟进人数",
                "客服字数",
            ],
            PlatformKind::SycmInquiry => &[
                "当日询单人数",
                "当日付款人数",
                "询单当日付款转化率",
                "询单最终付款转化率",
                "最终付款金额",
            ],
            PlatformKind::SycmPrice => &["件均价"],
            PlatformKind::SycmRating => &[],
            PlatformKind::SycmAgent => &["净销售额"],
            PlatformKind::QianniuAgent => {
                &["旺旺账号名称", "人工接待会话量", "满意评价量", "旺旺评价量"]
            }
            PlatformKind::PddAgent => &[
                "客服服务分",
                "3分钟人工回复率(8-23点)",
                "30秒应答率(8-23点)",
                "评分≤3订单数",
                "去退销售额(元)",
                "需要人工回复的咨询人数",
                "3分钟未回复人数",
                "最终成团人数",
            ],
            PlatformKind::PddShop => &["客服可提升销售额"],
            PlatformKind::DouyinAgent => {
                &["客服询单支付额", "工作时间平响时长", "工作时间3分钟回复率"]
            }
            PlatformKind::DouyinPerformance => &[
                "客服在线天数",
                "待回复会话量",
                "全天平响时长",
                "全天首响时长",
                "全天3分钟回复率",
                "退款后销售额",
            ],
            PlatformKind::KuaishouAssessment => &[
                "三分钟回复率(人维度)",
                "三分钟回复率(会话)",
                "不服务率",
                "IM不满意率(人维度)",
                "人工平均回复时长",
                "询单客单价",
                "人工会话量",
            ],
            PlatformKind::JdAgent => &[
                "促成下单商品金额",
                "售前接待人数",
                "促成下单人数",
                "平均响应时长(新)",
                "30s应答率",
                "客服3分钟人工回复率",
            ],
            PlatformKind::Chitu => &[
                "聊天人数(原咨询人数)",
                "直接接入人数",
                "转发接入人数",
                "最大同时聊天数",
                "慢接待人数",
                "首次响应(秒)",
                "平均响应(秒)",
                "上班天数",
                "客服答问比",
                "服务满意度评价参与率",
                "询单人数延",
                "客单价修",
                "客件数修",
                "销售订单数",
                "平均接待时长(秒)",
            ],
        }
    }

    /// Every kind, as `name (中文名)`, for messages that list them.
    pub fn known(zh: bool) -> String {
        PlatformKind::ALL
            .iter()
            .map(|k| format!("{} ({})", k.as_str(), if zh { k.zh() } else { k.en() }))
            .collect::<Vec<_>>()
            .join(if zh { "、" } else { ", " })
    }
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlatformKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        PlatformKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "未知的报表类型 `{s}`，已知：{} / unknown report kind `{s}`; known: {}",
                    PlatformKind::known(true),
                    PlatformKind::known(false)
                )
            })
    }
}

/// What an import says about platform reports beyond [`ImportOptions`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// The kind of the reports (`--kind`); none: recognised from the header.
    pub kind: Option<PlatformKind>,
    /// The days the reports cover when they do not say (`--from`/`--to`).
    pub period: Option<(Day, Day)>,
    /// `tmall` for 生意参谋/千牛 reports of a Tmall store (they cannot tell).
    pub platform: Option<Platform>,
}

/// Recognises a report from its (normalised) header.
pub(crate) fn detect(h: &[String]) -> Option<PlatformKind> {
    let has = |n: &str| h.iter().any(|x| x == n);
    let any = |k: PlatformKind| k.markers().iter().any(|m| has(m));
    let agent = |k: PlatformKind| k.agent_columns().iter().any(|a| has(a));
    use PlatformKind as K;
    if any(K::Chitu) || h.iter().any(|x| x.contains("->")) {
        return Some(K::Chitu);
    }
    if any(K::JdAgent) {
        return Some(K::JdAgent);
    }
    if any(K::QianniuAgent) {
        return Some(K::QianniuAgent);
    }
    if any(K::SycmAgent) && has("旺旺昵称") {
        return Some(K::SycmAgent);
    }
    // 赤兔's 绩效汇总: 旺旺昵称 with 销售人数 and 订单数.
    if (has("旺旺昵称") || has("旺旺")) && (has("销售人数") || has("订单数")) {
        return Some(K::Chitu);
    }
    if any(K::PddShop) || (has("最终成团人数") && !agent(K::PddAgent) && has("日期")) {
        return Some(K::PddShop);
    }
    let by_markers = [
        K::PddAgent,
        K::DouyinPerformance,
        K::DouyinAgent,
        K::KuaishouAssessment,
        K::SycmInquiry,
        K::SycmConsult,
    ];
    if let Some(k) = by_markers.into_iter().find(|k| any(*k)) {
        return Some(k);
    }
    if any(K::SycmPrice) || (has("客件数") && has("销售人数") && has("日期")) {
        return Some(K::SycmPrice);
    }
    None
}

/// 接待评价's two header rows: groups (日期, 总, 邀请, 自主) over measures (发出, 收到, …).
fn is_rating_header(top: &[String], below: Option<&Vec<String>>) -> bool {
    let has = |r: &[String], n: &str| r.iter().any(|x| x == n);
    has(top, "日期")
        && has(top, "总")
        && (has(top, "邀请") || has(top, "自主"))
        && below.is_some_and(|b| has(b, "发出") && has(b, "收到"))
}

/// How many rows from the top a header is looked for in.
const HEADER_SEARCH_ROWS: usize = 30;

/// Where a table's header is, and what kind it is.
struct Found {
    kind: PlatformKind,
    /// The column names as the file writes them (two-row headers: `组-指标`).
    names: Vec<String>,
    /// Index of the first data row.
    data: usize,
}

fn find_header(t: &table::Table, forced: Option<PlatformKind>) -> Option<Found> {
    let normed: Vec<Vec<String>> = t
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS + 1)
        .map(|r| r.cells.iter().map(|c| norm(c)).collect())
        .collect();
    for (i, h) in normed.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        if is_rating_header(h, normed.get(i + 1)) {
            if forced.is_some_and(|k| k != PlatformKind::SycmRating) {
                continue;
            }
            let top = t.rows.get(i)?;
            let below = t.rows.get(i + 1)?;
            let width = top.cells.len().max(below.cells.len());
            let mut names = Vec::with_capacity(width);
            let mut group = String::new();
            for j in 0..width {
                let g = top.cells.get(j).map_or("", |c| c.trim());
                if !g.is_empty() {
                    group = g.to_string();
                }
                let m = below.cells.get(j).map_or("", |c| c.trim());
                names.push(match (m.is_empty(), norm(g) == "日期") {
                    (_, true) | (true, _) => g.to_string(),
                    (false, false) => format!("{group}-{m}"),
                });
            }
            return Some(Found {
                kind: PlatformKind::SycmRating,
                names,
                data: i + 2,
            });
        }
        let Some(kind) = detect(h) else { continue };
        if forced.is_some_and(|k| k != kind) {
            continue;
        }
        return Some(Found {
            kind,
            names: header_names(t.rows.get(i)?),
            data: i + 1,
        });
    }
    // A kind named with --kind but not recognised: the first row with figure columns.
    let kind = forced?;
    let (i, _) = normed
        .iter()
        .enumerate()
        .take(HEADER_SEARCH_ROWS)
        .find(|(_, h)| h.iter().filter(|c| values::kind_of(c).is_some()).count() >= 2)?;
    Some(Found {
        kind,
        names: header_names(t.rows.get(i)?),
        data: i + 1,
    })
}

/// A header row's names as the file writes them, trimmed.
fn header_names(row: &table::Row) -> Vec<String> {
    row.cells
        .iter()
        .map(|c| crate::columns::clean_header(c).to_string())
        .collect()
}

/// The first of `names` the header has, and where.
fn column(header: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| header.iter().position(|h| h == n))
}

/// The largest platform report file read (reports are read whole: a row per agent and day).
pub const MAX_REPORT_BYTES: u64 = 512 << 20;

const DATE_COLUMNS: &[&str] = &[
    "日期",
    "统计日期",
    "统计时间",
    "统计周期",
    "日期范围",
    "时间",
];
const STORE_COLUMNS: &[&str] = &["店铺", "店铺名称"];

/// Reads one platform report file.
///
/// Without [`ImportOptions::skip_bad`], a file with bad rows fails with
/// [`ImportError::BadRows`]; with it, the good rows are kept and the bad ones listed.
pub fn read_report(
    path: &Path,
    opts: &ImportOptions,
    report: &ReportOptions,
) -> Result<(PlatformFile, FileReport), ImportError> {
    let io = |source| ImportError::Io {
        path: path.into(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_REPORT_BYTES {
        return Err(ImportError::Workbook {
            path: path.into(),
            message: Said::new(
                format!(
                    "平台报表有 {} MiB，超过 {} MiB 的上限：请拆成几个文件",
                    size >> 20,
                    MAX_REPORT_BYTES >> 20
                ),
                format!(
                    "a platform report of {} MiB is over the limit of {} MiB: split it into \
                     several files",
                    size >> 20,
                    MAX_REPORT_BYTES >> 20
                ),
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let name = path.display().to_string();
    let read =
        table::read(&name, bytes, opts.encoding).map_err(|message| ImportError::Workbook {
            path: path.into(),
            message,
        })?;
    let mut file_report = FileReport {
        path: path.to_path_buf(),
        kind: None,
        platform: None,
        encoding: read.encoding,
        rows: 0,
        accepted: 0,
        rejected: Vec::new(),
        warnings: read.warnings,
    };
    if read.tables.iter().all(|t| t.rows.is_empty()) {
        return Err(ImportError::Empty { path: path.into() });
    }
    let mut found: Vec<(&table::Table, Found)> = Vec::new();
    let mut skipped_sheets = Vec::new();
    for t in &read.tables {
        match find_header(t, report.kind) {
            Some(f)
                if found
                    .first()
                    .is_none_or(|(_, g)| g.kind.platform() == f.kind.platform()) =>
            {
                found.push((t, f));
            }
            _ => {
                if let Some(s) = &t.sheet
                    && !t.rows.is_empty()
                {
                    skipped_sheets.push(format!("`{s}`"));
                }
            }
        }
    }
    let Some(first) = found.first().map(|(_, f)| f.kind) else {
        let header = read
            .tables
            .iter()
            .find_map(|t| t.rows.first())
            .map(|r| r.cells.join(","))
            .unwrap_or_default();
        let header: String = header.chars().take(300).collect();
        return Err(ImportError::UnknownKind {
            path: path.into(),
            header: kefu_core::text::terminal_text(&header).into_owned(),
        });
    };
    if !skipped_sheets.is_empty() && found.iter().any(|(t, _)| t.sheet.is_some()) {
        file_report.warnings.push(Said::new(
            format!(
                "工作表 {} 不是 kefu 认识的报表，未读取",
                skipped_sheets.join("、")
            ),
            format!(
                "sheet(s) {} are not a report kefu knows and were not read",
                skipped_sheets.join(", ")
            ),
        ));
    }
    file_report.platform = Some(first);
    let platform = match report.platform {
        None => first.platform(),
        Some(p) if p == first.platform() => p,
        Some(Platform::Tmall) if first.platform() == Platform::Taobao => Platform::Tmall,
        Some(p) => {
            return Err(ImportError::WrongPlatform {
                path: path.into(),
                report: first,
                platform: p,
            });
        }
    };
    let mut figures = Vec::new();
    let mut skipped = 0u64;
    for (t, f) in &found {
        skipped += read_table(path, opts, report, t, f, &mut figures, &mut file_report)?;
    }
    if skipped > 0 {
        file_report.warnings.push(Said::new(
            format!(
                "跳过了 {skipped} 行合计、平均或同行的数据（总计、平均、汇总、均值、店铺汇总值、\
                 同行…）"
            ),
            format!(
                "{skipped} row(s) of totals, means or peers (总计, 平均, 汇总, 均值, 店铺汇总值, \
                 同行…) were skipped"
            ),
        ));
    }
    let file = PlatformFile {
        platform,
        report: first.as_str(),
        figures,
    };
    Ok((file, crate::refuse_bad_rows(path, file_report, opts)?))
}

/// The rows of one table; returns how many summary rows were skipped.
fn read_table(
    path: &Path,
    opts: &ImportOptions,
    report: &ReportOptions,
    t: &table::Table,
    f: &Found,
    out: &mut Vec<PlatformFigure>,
    file_report: &mut FileReport,
) -> Result<u64, ImportError> {
    let header: Vec<String> = f.names.iter().map(|n| norm(n)).collect();
    let agent_col = column(&header, f.kind.agent_columns());
    let agent_names = f.kind.agent_columns();
    if agent_col.is_none() && !agent_names.is_empty() && !f.kind.agent_optional() {
        return Err(ImportError::MissingReportColumns {
            path: path.into(),
            report: f.kind,
            missing: agent_names.iter().take(1).map(|s| s.to_string()).collect(),
        });
    }
    let date_col = column(&header, DATE_COLUMNS);
    if date_col.is_none() && report.period.is_none() {
        return Err(ImportError::NoPeriod {
            path: path.into(),
            report: f.kind,
        });
    }
    let store_col = column(&header, STORE_COLUMNS);
    let mut cols: Vec<(usize, FigureKind, RateScale)> = Vec::new();
    let mut ignored = Vec::new();
    for (j, h) in header.iter().enumerate() {
        if h.is_empty() || Some(j) == agent_col || Some(j) == date_col || Some(j) == store_col {
            continue;
        }
        match values::kind_of(h) {
            Some(k) => cols.push((j, k, RateScale::Fraction)),
            None => ignored.push(format!("`{}`", f.names.get(j).map_or("", String::as_str))),
        }
    }
    if cols.is_empty() {
        let missing = f.kind.markers().iter().take(1).map(|s| s.to_string());
        return Err(ImportError::MissingReportColumns {
            path: path.into(),
            report: f.kind,
            missing: missing.collect(),
        });
    }
    if !ignored.is_empty() {
        file_report.warnings.push(Said::new(
            format!("列 {} 不是 kefu 读取的指标，未导入", ignored.join("、")),
            format!(
                "column(s) {} hold no figure kefu reads and were not imported",
                ignored.join(", ")
            ),
        ));
    }
    let data = t.rows.get(f.data..).unwrap_or_default();
    // Rates written as bare numbers: fractions, unless one of them is above 1 (then every
    // bare number of the column is a percent).
    for (j, k, scale) in &mut cols {
        if *k != FigureKind::Rate {
            continue;
        }
        let above_one = data.iter().any(|r| {
            let s = values::clean(r.cells.get(*j).map_or("", String::as_str));
            values::percent(s).is_none() && values::number(s).is_some_and(|x| x > 1.0)
        });
        if above_one {
            *scale = RateScale::Percent;
            let name = f.names.get(*j).map_or("", String::as_str);
            file_report.warnings.push(Said::new(
                format!("列 `{name}` 的比率没有写 `%` 且大于 1：已按百分数读取（98.5 即 98.5%）"),
                format!(
                    "column `{name}` holds rates written without `%` and above 1: they were \
                     read as percents (98.5 = 98.5%)"
                ),
            ));
        }
    }
    let mut skipped = 0;
    let keep_all = opts.skip_bad;
    'rows: for r in data {
        let cell = |j: Option<usize>| {
            j.and_then(|j| r.cells.get(j))
                .map_or("", |c| values::clean(c))
        };
        if r.cells
            .iter()
            .any(|c| values::is_summary_label(values::clean(c)))
        {
            skipped += 1;
            continue;
        }
        let mut reject = |column: Option<usize>, reason: String| {
            let mut raw = r.cells.join(",");
            cut_to(&mut raw, MAX_REJECTED_BYTES);
            let mut value = column.map(|j| cell(Some(j)).to_string());
            if let Some(v) = &mut value {
                cut_to(v, MAX_REJECTED_BYTES);
            }
            file_report.rows += 1;
            if keep_all || file_report.rejected.len() < crate::SHOWN_BAD_ROWS {
                file_report.rejected.push(RejectedRow {
                    line: r.line,
                    column: column.and_then(|j| f.names.get(j).cloned()),
                    value,
                    reason,
                    raw,
                });
            }
        };
        let (from, to) = match date_col {
            Some(j) => {
                let s = cell(Some(j));
                match (values::period(s), s.is_empty(), report.period) {
                    (Some(p), _, _) => p,
                    (None, true, Some(p)) => p,
                    (None, false, _) if !values::looks_like_date(s) => {
                        // A label in the date column (同行同层平均, 店铺): not a row of data.
                        skipped += 1;
                        continue;
                    }
                    _ => {
                        reject(
                            Some(j),
                            "expected a day such as 2026-11-01, or a period such as \
                             2026-11-01~2026-11-07"
                                .to_string(),
                        );
                        continue;
                    }
                }
            }
            // Checked above: a report without a date column has the import's period.
            None => match report.period {
                Some(p) => p,
                None => continue,
            },
        };
        let account = match agent_col {
            Some(j) => {
                let a = cell(Some(j));
                if a.is_empty() {
                    reject(
                        Some(j),
                        "missing value: expected the agent's account".to_string(),
                    );
                    continue;
                }
                if let Err(reason) = crate::convert::check_name(a) {
                    reject(Some(j), reason);
                    continue;
                }
                a.to_string()
            }
            None => String::new(),
        };
        let store = match store_col.map(|j| cell(Some(j))).filter(|s| !s.is_empty()) {
            Some(s) => {
                if let Err(reason) = crate::convert::check_name(s) {
                    reject(store_col, reason);
                    continue;
                }
                s.to_string()
            }
            None => opts
                .default_store
                .clone()
                .unwrap_or_else(|| "default".to_string()),
        };
        let mut row = Vec::with_capacity(cols.len());
        for &(j, kind, scale) in &cols {
            let s = r.cells.get(j).map_or("", String::as_str);
            match values::amount(kind, s, scale) {
                Ok(value) => row.push(PlatformFigure {
                    store: store.clone(),
                    account: account.clone(),
                    from,
                    to,
                    column: f.names.get(j).cloned().unwrap_or_default(),
                    kind,
                    value,
                }),
                Err(()) => {
                    reject(Some(j), values::expected(kind).to_string());
                    continue 'rows;
                }
            }
        }
        file_report.rows += 1;
        file_report.accepted += 1;
        out.extend(row);
    }
    Ok(skipped)
}
