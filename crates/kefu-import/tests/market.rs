//! The marketplaces' order and refund exports, 京东 咚咚 chat rows and pasted transcripts,
//! checked against the records worked out by hand in `testdata/market/README.md`, and hostile
//! variants built from the same headers.

use std::path::{Path, PathBuf};

use kefu_core::localized::Localized;
use kefu_core::model::ImportBatch;
use kefu_core::settings::Config;
use kefu_core::time::{Day, format_time};
use kefu_import::{Encoding, FileKind, ImportError, ImportOptions, ImportOutcome, read_files};

fn market(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/market")
        .join(name)
}

fn read_with(
    paths: &[PathBuf],
    f: impl FnOnce(&mut ImportOptions),
) -> Result<ImportOutcome, ImportError> {
    let config = Config::default();
    let mut o = ImportOptions::new(&config);
    o.default_store = Some("晨光".into());
    f(&mut o);
    read_files(paths, &o, &|_, _| {})
}

fn read(name: &str) -> ImportOutcome {
    read_with(&[market(name)], |_| {}).unwrap()
}

fn time(t: Option<i64>) -> String {
    t.map_or_else(|| "none".to_string(), format_time)
}

/// `order_id buyer created paid closed amount items`, one per order.
fn orders(b: &ImportBatch) -> Vec<String> {
    b.orders
        .iter()
        .map(|(s, o)| {
            assert_eq!(b.names.name(*s), "晨光");
            format!(
                "{} {} {} {} {} {} {}",
                o.order_id,
                b.names.name(o.buyer),
                format_time(o.created_at),
                time(o.paid_at),
                time(o.closed_at),
                o.amount,
                o.items
            )
        })
        .collect()
}

/// `refund_id order_id buyer requested amount finished status account`.
fn refunds(b: &ImportBatch) -> Vec<String> {
    b.refunds
        .iter()
        .map(|(_, r)| {
            format!(
                "{} {} {} {} {} {} {} {}",
                r.refund_id,
                r.order_id,
                b.names.name(r.buyer),
                format_time(r.requested_at),
                r.amount,
                time(r.finished_at),
                r.status.as_str(),
                r.account.map_or("none", |a| b.names.name(a))
            )
        })
        .collect()
}

/// `time sender buyer account text [→ transfer_to] [#msg_id]`.
fn messages(b: &ImportBatch) -> Vec<String> {
    b.messages
        .iter()
        .map(|m| {
            let e = &m.message;
            let mut s = format!(
                "{} {} {} {} {}",
                format_time(e.time),
                e.sender.as_str(),
                b.names.name(e.buyer),
                b.names.name(e.account),
                b.text(m.text).replace('\n', "⏎")
            );
            if let Some(t) = e.transfer_to {
                s.push_str(&format!(" → {}", b.names.name(t)));
            }
            if let Some(id) = m.msg_id {
                s.push_str(&format!(" #{}", b.text(id)));
            }
            s
        })
        .collect()
}

const UNKNOWN: &str = "〔未知买家 unknown buyer〕";

#[test]
fn taobao_refund_report_2017_gbk_quoted() {
    let out = read("taobao_refunds_2017.csv");
    let f = &out.files[0];
    assert_eq!(f.kind, Some(FileKind::TaobaoRefunds));
    assert_eq!(f.encoding, Encoding::Gb18030);
    assert_eq!((f.rows, f.accepted), (3, 3));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    assert_eq!(
        refunds(&out.batch),
        vec![
            "9001 1001 买家甲 2026-11-03 10:00:00 9950 2026-11-03 12:30:00 success 晨光旗舰店:小美",
            "9002 1002 买家乙 2026-11-04 09:00:00 5000 2026-11-05 09:00:00 closed none",
            "9003 1003 买家丙 2026-11-05 20:00:00 3000 none pending 晨光旗舰店:阿强",
        ]
    );
}

#[test]
fn taobao_refund_report_later_versions() {
    let out = read("taobao_refunds_later.csv");
    assert_eq!(out.files[0].encoding, Encoding::Utf8);
    assert_eq!(
        refunds(&out.batch),
        vec![
            "9101 1101 买家丁 2026-11-06 14:05:00 12000 2026-11-06 15:00:00 success 晨光旗舰店:小美",
            "9102 1102 买家戊 2026-11-07 08:00:00 129900 none pending none",
        ]
    );
    let out = read("taobao_refunds_nobuyer.csv");
    assert_eq!(
        refunds(&out.batch),
        vec![format!(
            "9201 1201 {UNKNOWN} 2026-11-08 10:00:00 1000 2026-11-08 10:10:00 success 晨光旗舰店:小美"
        )]
    );
    assert!(
        out.files[0]
            .warnings
            .iter()
            .any(|w| w.en.starts_with("1 row(s) name no buyer")
                && w.zh
                    .starts_with("1 行没有买家（导出文件没有买家列，或买家为空）")
                && w.zh.contains(UNKNOWN)),
        "{:?}",
        out.files[0].warnings
    );
}

#[test]
fn jd_order_export_gbk_lines_gathered() {
    let out = read("jd_orders.csv");
    let f = &out.files[0];
    assert_eq!(f.kind, Some(FileKind::JdOrders));
    assert_eq!(f.encoding, Encoding::Gb18030);
    assert_eq!((f.rows, f.accepted), (5, 5));
    assert_eq!(
        orders(&out.batch),
        vec![
            "2001 jd_buyer1 2026-11-03 10:05:00 2026-11-03 10:06:00 none 20000 3",
            "2002 jd_buyer2 2026-11-03 10:59:00 2026-11-03 11:00:00 none 8880 1",
            "2003 jd_buyer3 2026-11-04 09:00:00 none none 5900 1",
            "2004 jd_buyer1 2026-11-04 10:00:00 none none 12000 2",
        ]
    );
    assert!(
        f.warnings.iter().any(|w| w
            .en
            .starts_with("1 cancelled or closed order(s) were never paid")
            && w.zh.starts_with("1 个已取消或已关闭的订单从未付款")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn pdd_order_export_values_ending_in_tabs() {
    let out = read("pdd_orders.csv");
    let f = &out.files[0];
    assert_eq!(f.kind, Some(FileKind::PddOrders));
    assert_eq!(
        orders(&out.batch),
        vec![
            format!(
                "231103-000000000000001 {UNKNOWN} 2026-11-03 10:00:05 2026-11-03 10:00:05 none 3990 1"
            ),
            format!(
                "231103-000000000000002 {UNKNOWN} 2026-11-03 12:00:00 2026-11-03 12:00:00 none 7980 2"
            ),
            format!("231104-000000000000003 {UNKNOWN} 2026-11-04 08:00:00 none none 1990 1"),
            format!(
                "231104-000000000000004 {UNKNOWN} 2026-11-04 09:00:00 2026-11-04 09:00:00 none 4990 1"
            ),
        ]
    );
}

#[test]
fn douyin_order_export_sub_orders_gathered() {
    let out = read("douyin_orders.csv");
    let f = &out.files[0];
    assert_eq!(f.kind, Some(FileKind::DouyinOrders));
    assert_eq!((f.rows, f.accepted), (5, 5));
    assert_eq!(
        orders(&out.batch),
        vec![
            format!(
                "6917926768823643751 {UNKNOWN} 2026-11-03 20:00:00 2026-11-03 20:01:00 none 15950 3"
            ),
            format!("6917926768823643800 {UNKNOWN} 2026-11-04 09:00:00 none none 2990 1"),
            format!("6917926768823643900 {UNKNOWN} 2026-11-04 10:00:00 none none 1900 1"),
            format!(
                "6917926768823644000 {UNKNOWN} 2026-11-04 11:00:00 2026-11-04 11:00:30 none 8800 1"
            ),
        ]
    );
}

#[test]
fn jd_chat_rows_array_wrapped_and_lines() {
    let out = read("jd_chats.json");
    assert_eq!(out.files[0].kind, Some(FileKind::JdChats));
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-03 10:00:00 buyer jd_buyer1 晨光京东:小美 在吗，保温杯有货吗 #70001",
            "2026-11-03 10:00:20 agent jd_buyer1 晨光京东:小美 您好，有货的 #70002",
            "2026-11-03 10:02:00 buyer jd_buyer1 晨光京东:小美 两个能便宜点吗⏎谢谢 #70003",
            "2026-11-03 10:03:00 agent jd_buyer1 晨光京东:小美 送您一个杯套 #70004",
            "2026-11-03 10:58:00 buyer jd_buyer2 晨光京东:阿强 我想下单 #70005",
            "2026-11-03 10:58:30 agent jd_buyer2 晨光京东:阿强 好的亲 #70006",
        ]
    );
    let out = read("jd_chats_wrapped.json");
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-05 09:00:00 buyer jd_buyer3 晨光京东:小美 发货了吗 #80001",
            "2026-11-05 09:01:00 agent jd_buyer3 晨光京东:小美 今天发 #80002",
        ]
    );
    let out = read("jd_chats.jsonl");
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-06 09:00:00 buyer jd_buyer4 晨光京东:小美 你好 #90001",
            "2026-11-06 09:00:09 agent jd_buyer4 晨光京东:小美 在的 #90002",
        ]
    );
}

fn transcript(
    name: &str,
    agents: &[&str],
    day: Option<&str>,
) -> Result<ImportOutcome, ImportError> {
    read_with(&[market(name)], |o| {
        o.kind = Some(FileKind::Transcript);
        o.agents = agents.iter().map(|a| a.to_string()).collect();
        o.day = day.map(|d| Day::parse(d).unwrap());
    })
}

#[test]
fn transcripts_dev() {
    let out = transcript("transcripts/dev/qianniu.txt", &[], None).unwrap();
    assert_eq!(out.files[0].kind, Some(FileKind::Transcript));
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-03 10:01:02 buyer 买家甲 晨光旗舰店:小美 在吗",
            "2026-11-03 10:01:30 agent 买家甲 晨光旗舰店:小美 您好，请问有什么可以帮您？",
            "2026-11-03 10:02:00 buyer 买家甲 晨光旗舰店:小美 这个能便宜点吗⏎明天 10:00:00 之前能发货吗⏎周五 18:00:00",
            "2026-11-03 10:03:00 agent 买家甲 晨光旗舰店:小美 亲，价格已经是最低了",
        ]
    );
    let short = [
        "2026-11-04 10:00:01 buyer 顾客A 小美 请问发货了吗",
        "2026-11-04 10:00:40 agent 顾客A 小美 发了亲",
        "2026-11-04 10:00:45 agent 顾客A 小美 单号是 SF123",
        "2026-11-04 10:02:00 buyer 顾客A 小美 好的",
    ];
    for agents in [&["小美"][..], &[]] {
        let out = transcript("transcripts/dev/short.txt", agents, Some("2026-11-04")).unwrap();
        assert_eq!(messages(&out.batch), short, "agents {agents:?}");
    }
    let e = transcript("transcripts/dev/short.txt", &[], None).unwrap_err();
    assert!(
        e.to_string().contains("line 1: a time without a date"),
        "{e}"
    );
    assert!(e.zh().contains("第 1 行：只有时间没有日期"), "{}", e.zh());
    let out = transcript("transcripts/dev/arrow.txt", &[], None).unwrap();
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-05 09:01:02 buyer 买家乙 晨光旗舰店:阿强 你好",
            "2026-11-05 09:01:30 agent 买家乙 晨光旗舰店:阿强 在的",
            "2026-11-05 09:01:30 system 买家乙 晨光旗舰店:阿强 由 晨光旗舰店:阿强 转交给 晨光旗舰店:小美⏎原因：【售后问题】 → 晨光旗舰店:小美",
            "2026-11-05 09:03:00 agent 买家乙 晨光旗舰店:小美 您好，我来处理",
        ]
    );
    // A given account with its store files the paste's short name under it.
    let out = transcript("transcripts/dev/feige.txt", &[], None).unwrap();
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-03 10:01:02 agent 抖音用户123 客服小美 欢迎光临，有什么可以帮您",
            "2026-11-03 10:01:40 buyer 抖音用户123 客服小美 这个多大",
            "2026-11-03 10:02:10 agent 抖音用户123 客服小美 500ml的",
        ]
    );
    let out = transcript(
        "transcripts/dev/short.txt",
        &["晨光:小美"],
        Some("2026-11-04"),
    )
    .unwrap();
    assert!(
        messages(&out.batch)
            .iter()
            .all(|m| m.contains(" 晨光:小美 "))
    );
}

/// Labelled with the dev examples, run only once the reader was done.
#[test]
fn transcripts_held_out() {
    let out = transcript("transcripts/holdout/dongdong.txt", &[], None).unwrap();
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-07 21:10:05 buyer jd_buyer9 晨光京东:阿强 https://item.jd.com/100001.html⏎有黑色吗",
            "2026-11-07 21:10:50 agent jd_buyer9 晨光京东:阿强 有的",
            "2026-11-07 21:10:55 agent jd_buyer9 晨光京东:阿强 黑色今天下单明天发",
            "2026-11-07 21:15:00 buyer jd_buyer9 晨光京东:阿强 好",
        ]
    );
    let out = transcript("transcripts/holdout/qianniu2.txt", &[], None).unwrap();
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-08 08:59:59 buyer tb_abc123 店小蜜 亲 在么",
            "2026-11-08 09:00:00 bot tb_abc123 店小蜜 亲，欢迎光临，请问有什么可以帮您",
            "2026-11-08 09:00:30 buyer tb_abc123 店小蜜 人工",
            "2026-11-08 09:00:30 system tb_abc123 店小蜜 由 店小蜜 转交给 晨光旗舰店:小美 → 晨光旗舰店:小美",
            "2026-11-08 09:01:10 agent tb_abc123 晨光旗舰店:小美 您好 小美为您服务",
        ]
    );
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The labelled file with one header name replaced.
fn without(name: &str, column: &str, instead: &str) -> String {
    let bytes = std::fs::read(market(name)).unwrap();
    let text = match String::from_utf8(bytes.clone()) {
        Ok(s) => s,
        Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
    };
    let (head, rest) = text.split_once('\n').unwrap();
    let head = head.replacen(column, instead, 1);
    format!("{head}\n{rest}")
}

#[test]
fn a_missing_column_names_the_file_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    for (file, column, kind) in [
        (
            "taobao_refunds_2017.csv",
            "退款的申请时间",
            FileKind::TaobaoRefunds,
        ),
        (
            "taobao_refunds_later.csv",
            "买家退款金额",
            FileKind::TaobaoRefunds,
        ),
        ("jd_orders.csv", "下单时间", FileKind::JdOrders),
        ("pdd_orders.csv", "用户实付金额(元)", FileKind::PddOrders),
        ("douyin_orders.csv", "订单应付金额", FileKind::DouyinOrders),
        ("douyin_orders.csv", "订单状态", FileKind::DouyinOrders),
    ] {
        let p = write(dir.path(), file, without(file, column, "备注"));
        let e = read_with(std::slice::from_ref(&p), |_| {}).unwrap_err();
        match &e {
            ImportError::MissingColumns {
                path,
                kind: k,
                missing,
            } => {
                assert_eq!((path, *k), (&p, kind));
                assert_eq!(missing, &vec![column.to_string()]);
            }
            other => panic!("{file} without {column}: {other:?}"),
        }
        assert!(e.to_string().contains(file) && e.to_string().contains(column));
        assert!(
            e.zh().contains(file) && e.zh().contains(column),
            "{}",
            e.zh()
        );
    }
    let p = write(
        dir.path(),
        "chats.jsonl",
        "{\"mid\":1,\"created\":\"2026-11-03 10:00:00\",\"waiterSend\":true,\"customerDisplayId\":\"b\"}\n",
    );
    match read_with(&[p], |_| {}).unwrap_err() {
        ImportError::MissingColumns { kind, missing, .. } => {
            assert_eq!(kind, FileKind::JdChats);
            assert_eq!(missing, vec!["waiterDisplayId".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_file_is_refused_with_the_kinds_kefu_knows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "x.csv",
        "订单号,商品名称,快递公司\n1,杯子,顺丰\n",
    );
    let e = read_with(&[p], |_| {}).unwrap_err();
    assert!(matches!(e, ImportError::UnknownKind { .. }), "{e:?}");
    let en = e.to_string();
    for kind in [
        "refund report",
        "京东 order export",
        "拼多多 order export",
        "抖店 order export",
        "咚咚",
        "--kind transcript",
        "pdd_agent",
    ] {
        assert!(en.contains(kind), "{kind}: {en}");
    }
    let zh = e.zh();
    for kind in [
        "退款报表",
        "京东订单导出",
        "拼多多订单导出",
        "抖店订单导出",
        "咚咚",
        "--kind transcript",
    ] {
        assert!(zh.contains(kind), "{kind}: {zh}");
    }
    let p = write(dir.path(), "chat.txt", "你好\n在吗\n");
    let e = read_with(&[p], |o| o.kind = Some(FileKind::Transcript)).unwrap_err();
    assert!(matches!(e, ImportError::Transcript { .. }), "{e:?}");
    assert!(e.to_string().contains("chat.txt: not a chat pasted"), "{e}");
    assert!(
        e.zh().contains("不是从聊天窗口复制的聊天记录"),
        "{}",
        e.zh()
    );
}

#[test]
fn bad_values_are_bad_rows_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    // A paid 拼多多 order without its payment time; an unknown refund state; a 咚咚 row whose
    // waiterSend is neither true nor false.
    let pdd = "订单号,订单状态,支付时间,订单成交时间,用户实付金额(元)\n\
               1\t,待发货\t,\t,2026-11-03 10:00:00\t,9.9\t\n";
    let refund = "退款编号,订单编号,退款的申请时间,买家退款金额,退款状态\n\
                  9,1,2026-11-03 10:00:00,9.9,已发货\n";
    let jd = "{\"mid\":1,\"created\":\"2026-11-03 10:00:00\",\"waiterSend\":\"maybe\",\"customerDisplayId\":\"b\",\"waiterDisplayId\":\"a\"}\n";
    // (A JSON Lines file has no header line: its first object is line 1.)
    for (name, text, column, reason, line) in [
        ("pdd.csv", pdd, "支付时间", "the order status says paid", 2),
        (
            "refund.csv",
            refund,
            "退款状态",
            "expected a refund status",
            2,
        ),
        ("jd.jsonl", jd, "waiterSend", "expected waiterSend true", 1),
    ] {
        let p = write(dir.path(), name, text);
        match read_with(&[p], |_| {}).unwrap_err() {
            ImportError::BadRows { first, count, .. } => {
                assert_eq!(count, 1);
                assert_eq!(first.line, line);
                assert_eq!(first.column.as_deref(), Some(column), "{name}");
                assert!(first.reason.contains(reason), "{name}: {}", first.reason);
                let zh = first.reason_in(true);
                assert!(
                    !zh.contains("expected") && !zh.contains("missing"),
                    "{name}: {zh}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn jd_lines_that_disagree_on_the_amount_keep_the_first_and_warn() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "jd.csv",
        "订单号,订购数量,下单时间,订单金额,订单状态,下单帐号,付款确认时间\n\
         7,1,2026-11-03 10:00:00,100,等待出库,b,2026-11-03 10:01:00\n\
         7,1,2026-11-03 10:00:00,50,等待出库,b,2026-11-03 10:01:00\n",
    );
    let out = read_with(&[p], |_| {}).unwrap();
    assert_eq!(
        orders(&out.batch),
        vec!["7 b 2026-11-03 10:00:00 2026-11-03 10:01:00 none 10000 2"]
    );
    assert!(
        out.files[0]
            .warnings
            .iter()
            .any(|w| w.en.starts_with("1 order(s) have lines with different")
                && w.zh == "1 个订单的各行订单金额（订单金额）不一致：保留第一行的金额"),
        "{:?}",
        out.files[0].warnings
    );
}

#[test]
fn an_export_saved_as_a_workbook_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("抖店.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        [
            "主订单编号",
            "子订单编号",
            "商品数量",
            "订单应付金额",
            "订单提交时间",
            "支付完成时间",
            "订单状态",
        ],
        [
            "\t691",
            "\t692",
            "1",
            "10.5",
            "2026-11-03 20:00:00",
            "2026-11-03 20:01:00",
            "已发货",
        ],
        [
            "\t691",
            "\t693",
            "2",
            "20",
            "2026-11-03 20:00:00",
            "2026-11-03 20:01:00",
            "已发货",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save(&path).unwrap();
    let out = read_with(&[path], |_| {}).unwrap();
    assert_eq!(
        orders(&out.batch),
        vec![format!(
            "691 {UNKNOWN} 2026-11-03 20:00:00 2026-11-03 20:01:00 none 3050 3"
        )]
    );
}

#[test]
fn canonical_files_with_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "聊天.csv",
        "时间,买家,客服,发送方,内容\n2026-11-03 10:00:00,b1,晨光:小美,买家,在吗\n\
         2026-11-03 10:00:30,b1,晨光:小美,客服,在的\n",
    );
    let out = read_with(&[p], |_| {}).unwrap();
    assert_eq!(out.files[0].kind, Some(FileKind::Messages));
    assert_eq!(
        messages(&out.batch),
        vec![
            "2026-11-03 10:00:00 buyer b1 晨光:小美 在吗",
            "2026-11-03 10:00:30 agent b1 晨光:小美 在的"
        ]
    );
}

#[test]
fn lines_before_a_transcripts_first_message_are_counted_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "chat.txt",
        "与买家甲的聊天记录\n导出于 2026-11-03\n买家甲 2026-11-03 10:01:02\n在吗\n",
    );
    let out = read_with(&[p], |o| {
        o.kind = Some(FileKind::Transcript);
        o.agents = vec!["晨光旗舰店:小美".into()];
    })
    .unwrap();
    assert_eq!(out.batch.messages.len(), 1);
    let w = &out.files[0].warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0].en,
        "2 line(s) before the first message were not read (no sender and time above them)"
    );
    assert_eq!(
        w[0].zh,
        "第一条消息之前的 2 行未被读取（它们上方没有发送人和时间）"
    );
}
