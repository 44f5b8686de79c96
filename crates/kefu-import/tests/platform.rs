//! Platform reports, built from the headers of `domain.md` §8: each kind recognised from its
//! header, summary rows skipped, values read in their units, hostile files refused by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kefu_core::localized::Localized;
use kefu_core::platform::{Amount, FigureKind, Platform, PlatformFile};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_import::{FileReport, ImportError, ImportOptions, PlatformKind, ReportOptions};

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

struct Got {
    file: PlatformFile,
    report: FileReport,
}

impl Got {
    /// (account, column) → value.
    fn map(&self) -> BTreeMap<(String, String), Amount> {
        self.file
            .figures
            .iter()
            .map(|f| ((f.account.clone(), f.column.clone()), f.value))
            .collect()
    }

    fn get(&self, account: &str, column: &str) -> Amount {
        *self
            .map()
            .get(&(account.to_string(), column.to_string()))
            .unwrap_or_else(|| panic!("no {account}/{column} in {:?}", self.map().keys()))
    }

    fn kind(&self, column: &str) -> FigureKind {
        self.file
            .figures
            .iter()
            .find(|f| f.column == column)
            .unwrap()
            .kind
    }

    fn accounts(&self) -> Vec<String> {
        let mut a: Vec<String> = self
            .file
            .figures
            .iter()
            .map(|f| f.account.clone())
            .collect();
        a.dedup();
        a
    }
}

fn read(path: &Path, store: Option<&str>, report: ReportOptions) -> Result<Got, ImportError> {
    read_opts(path, store, report, false)
}

fn read_opts(
    path: &Path,
    store: Option<&str>,
    report: ReportOptions,
    skip_bad: bool,
) -> Result<Got, ImportError> {
    let config = Config::default();
    let mut opts = ImportOptions::new(&config);
    opts.default_store = store.map(str::to_string);
    opts.skip_bad = skip_bad;
    kefu_import::read_report(path, &opts, &report).map(|(file, report)| Got { file, report })
}

fn period(from: &str, to: &str) -> ReportOptions {
    ReportOptions {
        period: Some((day(from), day(to))),
        ..ReportOptions::default()
    }
}

const N: fn(f64) -> Amount = Amount::Number;

const PDD_HEADER: &str = "客服账号,客服服务分,咨询人数,询单人数,最终成团人数,询单转化率,客服销售额(元),\
去退销售额(元),需要人工回复的咨询人数,人工接待人数,3分钟未回复人数,3分钟人工回复率(8-23点),\
30秒应答率(8-23点),平均人工响应时长,评分≤3订单数,纠纷退款数,投诉数";

#[test]
fn pdd_agent_csv_with_bom_summary_rows_percents_and_money() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "\u{feff}{PDD_HEADER}\n\
         小美,4.8,120,80,30,37.5%,\"15,230.5\",14000.25,110,100,2,98.5%,90%,26.0,1,0,0\n\
         阿强\t,4.5,60,40,10,25%,3000,2800,55,50,5,90%,80.5%,41,0,1,-\n\
         总计,,180,120,40,33.33%,18230.5,16800.25,165,150,7,,,,1,1,0\n\
         平均,,90,60,20,,9115.25,8400.13,82.5,75,3.5,,,,0.5,0.5,0\n"
    );
    let p = write(dir.path(), "客服绩效.csv", text);
    let got = read(&p, Some("晨光"), period("2026-11-01", "2026-11-01")).unwrap();
    assert_eq!(got.file.platform, Platform::Pdd);
    assert_eq!(got.file.report, "pdd_agent");
    assert_eq!(got.accounts(), vec!["小美", "阿强"]);
    assert_eq!((got.report.rows, got.report.accepted), (2, 2));
    assert!(
        got.report
            .warnings
            .iter()
            .any(|w| w.en.starts_with("2 row(s)") && w.zh.starts_with("跳过了 2 行合计")),
        "{:?}",
        got.report.warnings
    );
    assert_eq!(got.get("小美", "3分钟人工回复率(8-23点)"), N(0.985));
    assert_eq!(got.get("小美", "30秒应答率(8-23点)"), N(0.9));
    assert_eq!(got.get("小美", "平均人工响应时长"), N(26.0));
    assert_eq!(got.get("小美", "客服销售额(元)"), Amount::Cents(1_523_050));
    assert_eq!(got.get("小美", "咨询人数"), N(120.0));
    assert_eq!(got.get("小美", "客服服务分"), N(4.8));
    assert_eq!(got.get("阿强", "投诉数"), Amount::Unknown);
    assert_eq!(got.get("阿强", "30秒应答率(8-23点)"), N(0.805));
    assert_eq!(got.kind("客服销售额(元)"), FigureKind::Money);
    assert_eq!(got.kind("3分钟人工回复率(8-23点)"), FigureKind::Rate);
    assert_eq!(got.kind("平均人工响应时长"), FigureKind::Duration);
    assert_eq!(got.kind("评分≤3订单数"), FigureKind::Count);
    assert_eq!(got.kind("客服服务分"), FigureKind::Average);
    let f = &got.file.figures[0];
    assert_eq!(
        (f.store.as_str(), f.from, f.to),
        ("晨光", day("2026-11-01"), day("2026-11-01"))
    );
}

#[test]
fn a_report_without_its_period_needs_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "pdd.csv",
        format!("{PDD_HEADER}\n小美,4.8,120,80,30,37.5%,1,1,110,100,2,98.5%,90%,26,1,0,0\n"),
    );
    let e = read(&p, None, ReportOptions::default()).err().unwrap();
    assert!(matches!(
        e,
        ImportError::NoPeriod {
            report: PlatformKind::PddAgent,
            ..
        }
    ));
    let (en, zh) = (e.to_string(), e.zh());
    assert!(
        en.contains("pdd.csv") && en.contains("--from and --to"),
        "{en}"
    );
    assert!(zh.contains("pdd.csv") && zh.contains("--from"), "{zh}");
}

#[test]
fn pdd_fake_xlsx_that_is_an_xls_inside() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/platform/pdd_fake.xlsx");
    let bytes = std::fs::read(&p).unwrap();
    assert!(bytes.starts_with(b"\xD0\xCF\x11\xE0"), "an xls binary");
    let got = read(&p, Some("晨光"), period("2026-11-01", "2026-11-01")).unwrap();
    assert_eq!(got.file.report, "pdd_agent");
    assert_eq!(got.accounts(), vec!["晨光拼多多:小美", "晨光拼多多:阿强"]);
    assert_eq!(
        got.get("晨光拼多多:小美", "3分钟人工回复率(8-23点)"),
        N(0.985)
    );
    assert_eq!(
        got.get("晨光拼多多:小美", "客服销售额(元)"),
        Amount::Cents(1_523_050)
    );
    assert_eq!(
        got.get("晨光拼多多:阿强", "客服销售额(元)"),
        Amount::Cents(300_000)
    );
    assert_eq!(got.get("晨光拼多多:阿强", "平均人工响应时长"), N(41.0));
    assert_eq!(got.get("晨光拼多多:小美", "咨询人数"), N(120.0));
    assert_eq!(got.get("晨光拼多多:阿强", "投诉数"), Amount::Unknown);
}

fn xlsx(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet().set_name(*name).unwrap();
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                // Numbers as numbers, as the platforms' files have them.
                match v.parse::<f64>() {
                    Ok(x) if !v.starts_with('0') || v.starts_with("0.") || *v == "0" => {
                        ws.write_number(i as u32, j as u16, x).unwrap();
                    }
                    _ => {
                        ws.write_string(i as u32, j as u16, *v).unwrap();
                    }
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn qianniu_both_sheets_and_a_note_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[
        ("说明", vec![vec!["服务报表 2026-11-01 至 2026-11-07"]]),
        (
            "按客服查看",
            vec![
                vec![
                    "旺旺账号名称",
                    "平均响应时长",
                    "人工接待会话量",
                    "3分钟人工响应率",
                ],
                vec!["晨光旗舰店:小美", "26.5", "300", "0.97"],
                vec!["晨光旗舰店:阿强", "1分5秒", "120", "88.2%"],
            ],
        ),
        (
            "旺旺账号咨询接待能力明细",
            vec![
                vec!["旺旺账号名称", "满意评价量", "旺旺评价量"],
                vec!["晨光旗舰店:小美", "40", "42"],
            ],
        ),
    ]);
    let p = write(dir.path(), "服务报表.xlsx", bytes);
    let got = read(
        &p,
        Some("晨光"),
        ReportOptions {
            platform: Some(Platform::Tmall),
            ..period("2026-11-01", "2026-11-07")
        },
    )
    .unwrap();
    assert_eq!(got.file.platform, Platform::Tmall);
    assert_eq!(got.file.report, "qianniu_agent");
    assert_eq!(got.get("晨光旗舰店:小美", "平均响应时长"), N(26.5));
    assert_eq!(got.get("晨光旗舰店:阿强", "平均响应时长"), N(65.0));
    assert_eq!(got.get("晨光旗舰店:阿强", "3分钟人工响应率"), N(0.882));
    assert_eq!(got.get("晨光旗舰店:小美", "3分钟人工响应率"), N(0.97));
    assert_eq!(got.get("晨光旗舰店:小美", "满意评价量"), N(40.0));
    assert!(
        got.report
            .warnings
            .iter()
            .any(|w| w.en.contains("`说明`") && w.zh.starts_with("工作表 `说明` 不是")),
        "{:?}",
        got.report.warnings
    );
    // 千牛 is Taobao's tool: it cannot be a 京东 report.
    let e = read(
        &p,
        None,
        ReportOptions {
            platform: Some(Platform::Jd),
            ..period("2026-11-01", "2026-11-07")
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, ImportError::WrongPlatform { .. }), "{e}");
}

#[test]
fn sycm_per_agent_sheet_with_a_title_row() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[(
        "数据信息",
        vec![
            vec!["客服数据 2026-11-01~2026-11-30"],
            vec!["旺旺昵称", "净销售额", "询单人数", "下单人数", "客服分组"],
            vec!["晨光旗舰店:小美", "12345.67", "88", "40", "售前一组"],
        ],
    )]);
    let p = write(dir.path(), "服务洞察.xlsx", bytes);
    let got = read(&p, None, period("2026-11-01", "2026-11-30")).unwrap();
    assert_eq!(got.file.report, "sycm_agent");
    assert_eq!(got.file.platform, Platform::Taobao);
    assert_eq!(
        got.get("晨光旗舰店:小美", "净销售额"),
        Amount::Cents(1_234_567)
    );
    assert_eq!(got.get("晨光旗舰店:小美", "下单人数"), N(40.0));
    assert_eq!(got.file.figures[0].store, "default");
    assert!(
        got.report
            .warnings
            .iter()
            .any(|w| w.en.contains("`客服分组`"))
    );
}

#[test]
fn sycm_shop_consult_in_gbk_with_peer_rows() {
    let dir = tempfile::tempdir().unwrap();
    let text = "日期,咨询人数,接待人数,未回复人数,有效接待人数,平均响应时长,3分钟人工响应率,旺旺回复率,答问比,客服字数\r\n\
                2026-11-01,500,480,20,470,18.5,96.5%,99.1%,1.35,80000\r\n\
                2026-11-02,520,500,20,490,19,97%,99%,1.3,81000\r\n\
                同行同层平均,400,390,10,380,25,90%,98%,1.1,50000\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let p = write(dir.path(), "咨询接待.csv", gbk);
    let got = read(&p, Some("晨光"), ReportOptions::default()).unwrap();
    assert_eq!(got.report.encoding, kefu_import::Encoding::Gb18030);
    assert_eq!(got.file.report, "sycm_consult");
    assert_eq!((got.report.rows, got.report.accepted), (2, 2));
    let days: Vec<(Day, Day)> = got
        .file
        .figures
        .iter()
        .filter(|f| f.column == "咨询人数")
        .map(|f| (f.from, f.to))
        .collect();
    assert_eq!(
        days,
        vec![
            (day("2026-11-01"), day("2026-11-01")),
            (day("2026-11-02"), day("2026-11-02"))
        ]
    );
    assert!(got.file.figures.iter().all(|f| f.account.is_empty()));
    let first = |c: &str| {
        got.file
            .figures
            .iter()
            .find(|f| f.column == c)
            .unwrap()
            .value
    };
    assert_eq!(first("3分钟人工响应率"), N(0.965));
    assert_eq!(first("平均响应时长"), N(18.5));
    assert_eq!(first("答问比"), N(1.35));
}

#[test]
fn sycm_rating_with_two_header_rows() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[(
        "接待评价",
        vec![
            vec!["日期", "总", "", "", "邀请", "", ""],
            vec!["", "发出", "收到", "满意率", "发出", "收到", "满意率"],
            vec!["2026-11-01", "100", "40", "95%", "80", "30", "96.5%"],
        ],
    )]);
    let p = write(dir.path(), "接待评价.xlsx", bytes);
    let got = read(&p, None, ReportOptions::default()).unwrap();
    assert_eq!(got.file.report, "sycm_rating");
    assert_eq!(got.get("", "总-发出"), N(100.0));
    assert_eq!(got.get("", "邀请-满意率"), N(0.965));
    assert_eq!(got.kind("总-收到"), FigureKind::Count);
}

#[test]
fn douyin_per_agent_tsv_with_quotes_and_text_durations() {
    let dir = tempfile::tempdir().unwrap();
    let text = "客服账号\t客服询单支付额\t询单人数\t下单人数\t工作时间平响时长\t接待会话量\t工作时间3分钟回复率\t有效好评数\t有效评价数\n\
                \"抖店:小美\"\t\"1,234.50\"\t30\t12\t2分30秒\t200\t\"97.5%\"\t10\t11\n";
    let p = write(dir.path(), "飞鸽.csv", text);
    let got = read(&p, None, period("2026-11-03", "2026-11-03")).unwrap();
    assert_eq!(got.file.platform, Platform::Douyin);
    assert_eq!(got.file.report, "douyin_agent");
    assert_eq!(got.get("抖店:小美", "工作时间平响时长"), N(150.0));
    assert_eq!(
        got.get("抖店:小美", "客服询单支付额"),
        Amount::Cents(123_450)
    );
    assert_eq!(got.get("抖店:小美", "工作时间3分钟回复率"), N(0.975));
}

#[test]
fn douyin_performance_skips_shop_rows() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[(
        "Sheet1",
        vec![
            vec![
                "客服昵称",
                "客服在线天数",
                "接待会话量",
                "全天平响时长",
                "全天首响时长",
                "全天3分钟回复率",
                "客服询单支付额",
                "退款金额",
            ],
            vec![
                "店铺汇总值",
                "7",
                "900",
                "1分10秒",
                "20秒",
                "95%",
                "50000",
                "1000",
            ],
            vec![
                "店铺平均值",
                "3.5",
                "450",
                "1分5秒",
                "18秒",
                "96%",
                "25000",
                "500",
            ],
            vec![
                "小美",
                "7",
                "500",
                "7小时41分52秒",
                "15秒",
                "99%",
                "30000.5",
                "600",
            ],
            vec!["阿强", "6", "400", "-", "", "93.5%", "19999.5", "400"],
        ],
    )]);
    let p = write(dir.path(), "飞鸽_客服表现.xlsx", bytes);
    let got = read(&p, None, period("2026-11-01", "2026-11-07")).unwrap();
    assert_eq!(got.file.report, "douyin_performance");
    assert_eq!(got.accounts(), vec!["小美", "阿强"]);
    assert_eq!(got.get("小美", "全天平响时长"), N(27_712.0));
    assert_eq!(got.get("阿强", "全天平响时长"), Amount::Unknown);
    assert_eq!(got.get("阿强", "全天首响时长"), Amount::Unknown);
    assert_eq!(got.get("小美", "客服在线天数"), N(7.0));
    assert_eq!(got.get("阿强", "退款金额"), Amount::Cents(40_000));
}

#[test]
fn kuaishou_full_width_brackets_at_shop_level() {
    let dir = tempfile::tempdir().unwrap();
    let text = "日期,三分钟回复率（人维度）,三分钟回复率（会话）,不服务率,咨询人数,人工平均回复时长,询单客单价,客服销售额\n\
                2026-11-05,95.5%,94%,0.5%,300,35,88.8,20000\n";
    let p = write(dir.path(), "客服_考核数据.csv", text);
    let got = read(&p, None, ReportOptions::default()).unwrap();
    assert_eq!(got.file.platform, Platform::Kuaishou);
    assert_eq!(got.get("", "三分钟回复率（人维度）"), N(0.955));
    assert_eq!(got.get("", "不服务率"), N(0.005));
    assert_eq!(got.kind("询单客单价"), FigureKind::Average);
    assert_eq!(got.get("", "客服销售额"), Amount::Cents(2_000_000));
}

#[test]
fn jd_first_sheet_with_new_and_old_response_times() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[(
        "整体数据",
        vec![
            vec![
                "客服",
                "促成下单商品金额",
                "售前接待人数",
                "促成下单人数",
                "平均响应时长（新）",
                "平均响应时长",
                "接待量",
                "30s应答率",
                "客服3分钟人工回复率",
                "好评量",
                "评价量",
            ],
            vec![
                "jd_小美",
                "8888.8",
                "150",
                "30",
                "12.5",
                "20",
                "160",
                "0.91",
                "0.995",
                "20",
                "21",
            ],
        ],
    )]);
    let p = write(dir.path(), "客服数据.xlsx", bytes);
    let got = read(&p, None, period("2026-11-01", "2026-11-01")).unwrap();
    assert_eq!(got.file.platform, Platform::Jd);
    assert_eq!(got.get("jd_小美", "平均响应时长（新）"), N(12.5));
    assert_eq!(got.get("jd_小美", "平均响应时长"), N(20.0));
    assert_eq!(got.get("jd_小美", "30s应答率"), N(0.91));
    assert_eq!(
        got.get("jd_小美", "促成下单商品金额"),
        Amount::Cents(888_880)
    );
}

#[test]
fn chitu_skips_summary_and_mean_rows_and_leaves_delayed_values_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let text = "日期,店铺,旺旺,销售额,客单价修,接待人数,询单->最终付款成功率延,平均响应(秒),答问比,退款率\n\
                2026-11-01,晨光旗舰店,晨光旗舰店:小美,5000.5,250.03,80,0.45,22.5,1.2,0.01\n\
                2026-11-01,晨光旗舰店,晨光旗舰店:阿强,3000,200,60,延迟统计,30,1.1,0\n\
                汇总,,,8000.5,,140,,,,\n\
                均值,,,4000.25,,70,,,,\n";
    let p = write(dir.path(), "赤兔.csv", text);
    let got = read(&p, Some("其他店"), ReportOptions::default()).unwrap();
    assert_eq!(got.file.platform, Platform::Chitu);
    assert_eq!((got.report.rows, got.report.accepted), (2, 2));
    assert_eq!(
        got.get("晨光旗舰店:小美", "询单->最终付款成功率延"),
        N(0.45)
    );
    assert_eq!(
        got.get("晨光旗舰店:阿强", "询单->最终付款成功率延"),
        Amount::Unknown
    );
    assert_eq!(got.get("晨光旗舰店:小美", "平均响应(秒)"), N(22.5));
    assert_eq!(got.get("晨光旗舰店:小美", "销售额"), Amount::Cents(500_050));
    // The file's 店铺 column names the store, as a canonical file's store column does.
    assert!(got.file.figures.iter().all(|f| f.store == "晨光旗舰店"));
}

#[test]
fn rates_written_as_bare_percents() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{PDD_HEADER}\n小美,4.8,120,80,30,37.5,1,1,110,100,2,98.5,90,26,1,0,0\n\
         阿强,4.8,120,80,30,0.5,1,1,110,100,2,100,90,26,1,0,0\n"
    );
    let p = write(dir.path(), "pdd.csv", text);
    let got = read(&p, None, period("2026-11-01", "2026-11-01")).unwrap();
    assert_eq!(got.get("小美", "3分钟人工回复率(8-23点)"), N(0.985));
    // Read as percents column by column: 0.5 in a column of percents is 0.5 %.
    assert_eq!(got.get("阿强", "询单转化率"), N(0.005));
    assert!(
        got.report
            .warnings
            .iter()
            .any(|w| w.en.contains("`询单转化率`")
                && w.en.contains("percents")
                && w.zh.contains("列 `询单转化率` 的比率")
                && w.zh.contains("百分数"))
    );
}

#[test]
fn a_kind_can_be_named() {
    let dir = tempfile::tempdir().unwrap();
    // No column only 拼多多 has: not recognised, but read when named.
    let p = write(
        dir.path(),
        "p.csv",
        "客服账号,咨询人数,询单人数\n小美,10,5\n",
    );
    let e = read(&p, None, period("2026-11-01", "2026-11-01"))
        .err()
        .unwrap();
    assert!(matches!(e, ImportError::UnknownKind { .. }), "{e}");
    let got = read(
        &p,
        None,
        ReportOptions {
            kind: Some(PlatformKind::PddAgent),
            ..period("2026-11-01", "2026-11-01")
        },
    )
    .unwrap();
    assert_eq!(got.get("小美", "询单人数"), N(5.0));
    assert_eq!(
        "pdd_agent".parse::<PlatformKind>(),
        Ok(PlatformKind::PddAgent)
    );
    let e = "pdd".parse::<PlatformKind>().unwrap_err();
    assert!(e.contains("pdd_agent") && e.contains("未知"), "{e}");
}

#[test]
fn a_missing_agent_column_names_the_file_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = PDD_HEADER.replace("客服账号", "账号名");
    let p = write(dir.path(), "pdd.csv", format!("{header}\n"));
    let e = read(&p, None, period("2026-11-01", "2026-11-01"))
        .err()
        .unwrap();
    let en = e.to_string();
    assert!(en.contains("pdd.csv") && en.contains("`客服账号`"), "{en}");
    assert!(e.zh().contains("pdd.csv") && e.zh().contains("`客服账号`"));
}

#[test]
fn an_unknown_report_lists_the_kinds_kefu_knows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "x.csv", "商品,库存\n杯子,3\n");
    let e = read(&p, None, ReportOptions::default()).err().unwrap();
    let (en, zh) = (e.to_string(), e.zh());
    for k in PlatformKind::ALL {
        assert!(
            en.contains(k.as_str()) && zh.contains(k.zh()),
            "{k}: {en}\n{zh}"
        );
    }
    assert!(en.contains("x.csv") && zh.contains("x.csv"));
}

#[test]
fn bad_values_are_bad_rows_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{PDD_HEADER}\n小美,4.8,很多,80,30,37.5%,1,1,110,100,2,98.5%,90%,26,1,0,0\n\
         阿强,4.8,12,80,30,37.5%,1,1,110,100,2,98.5%,90%,26,1,0,0\n"
    );
    let p = write(dir.path(), "pdd.csv", text);
    let e = read(&p, None, period("2026-11-01", "2026-11-01"))
        .err()
        .unwrap();
    let en = e.to_string();
    assert!(
        en.contains("pdd.csv:2: column `咨询人数`: value `很多`: expected a number"),
        "{en}"
    );
    let got = read_opts(&p, None, period("2026-11-01", "2026-11-01"), true).unwrap();
    assert_eq!(got.accounts(), vec!["阿强"]);
    assert_eq!(got.report.rejected.len(), 1);
}

#[test]
fn a_hundred_megabyte_field_is_a_bad_row_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "9".repeat(100 << 20);
    let long_name = "名".repeat(1 << 20);
    let text = format!(
        "{PDD_HEADER}\n小美,4.8,{huge},80,30,37.5%,1,1,110,100,2,98.5%,90%,26,1,0,0\n\
         {long_name},4.8,1,80,30,37.5%,1,1,110,100,2,98.5%,90%,26,1,0,0\n\
         阿强,4.8,1,80,30,37.5%,1,1,110,100,2,98.5%,90%,26,1,0,0\n"
    );
    drop(huge);
    let p = write(dir.path(), "big.csv", text);
    let got = read_opts(&p, None, period("2026-11-01", "2026-11-01"), true).unwrap();
    assert_eq!(got.accounts(), vec!["阿强"]);
    assert_eq!(got.report.rejected.len(), 2);
    assert!(got.report.rejected.iter().all(|r| r.raw.len() <= 4100));
    assert_eq!(got.report.rejected[1].column.as_deref(), Some("客服账号"));
}

#[test]
fn damaged_workbooks_and_empty_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.xlsx", b"PK\x03\x04not a zip at all");
    let e = read(&p, None, ReportOptions::default()).err().unwrap();
    assert!(
        e.to_string().starts_with(&format!("{}: ", p.display())),
        "{e}"
    );
    let p = write(
        dir.path(),
        "fake.xlsx",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1garbage",
    );
    let e = read(&p, None, ReportOptions::default()).err().unwrap();
    assert!(e.to_string().contains("fake.xlsx"), "{e}");
    let p = write(dir.path(), "empty.csv", "");
    let e = read(&p, None, ReportOptions::default()).err().unwrap();
    assert!(matches!(e, ImportError::Empty { .. }), "{e}");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Reads `bytes` as a report with and without a period, keeping bad rows or not: it may
    /// be refused, never panic, and what it gives is well-formed.
    fn check(name: &str, bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), name, bytes);
        for skip in [false, true] {
            for report in [ReportOptions::default(), period("2026-11-01", "2026-11-02")] {
                if let Ok(got) = read_opts(&p, None, report, skip) {
                    for f in &got.file.figures {
                        assert!(f.from <= f.to && !f.column.is_empty());
                        if let Amount::Number(x) = f.value {
                            assert!(x.is_finite());
                        }
                    }
                }
            }
        }
    }

    proptest! {
        // The default number of cases, or PROPTEST_CASES (proptest reads it itself).
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check("f.csv", &bytes);
            check("f.xlsx", &bytes);
            check("f.xls", &bytes);
        }

        #[test]
        fn arbitrary_rows_never_panic(
            head in prop::sample::select(vec![
                format!("{PDD_HEADER}\n"),
                "日期,咨询人数,接待人数,平均响应时长,3分钟人工响应率,旺旺回复率\n".to_string(),
                "客服昵称,聊天人数(原咨询人数),回复率,平均接待时长,销售额\n".to_string(),
                "客服\t促成下单商品金额\t30s应答率\t平均响应时长（新）\n".to_string(),
                "日期,总,,邀请\n,发出,收到,满意率\n".to_string(),
            ]),
            body in "[0-9a-z,\t:\"\\-~ /\\n\\r%.=总计平均汇总均值分秒小时元¥延迟统计同行]{0,300}",
        ) {
            check("g.csv", format!("{head}{body}").as_bytes());
        }
    }
}
