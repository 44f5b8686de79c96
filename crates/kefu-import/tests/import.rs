use std::path::{Path, PathBuf};

use kefu_core::localized::Localized;
use kefu_core::model::{RefundStatus, Role, Sender};
use kefu_core::settings::Config;
use kefu_core::time::{UtcOffset, parse_time};
use kefu_import::{
    Encoding, FileKind, ImportError, ImportOptions, ImportOutcome, read_files, write_rejects,
};
use tempfile::TempDir;

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn opts(config: &Config) -> ImportOptions<'_> {
    ImportOptions::new(config)
}

fn read(paths: &[PathBuf], o: &ImportOptions) -> Result<ImportOutcome, ImportError> {
    read_files(paths, o, &|_, _| {})
}

fn t(s: &str) -> i64 {
    parse_time(s, UtcOffset::SHANGHAI).unwrap()
}

fn one(name: &str, content: &str) -> (TempDir, Result<ImportOutcome, ImportError>) {
    let dir = TempDir::new().unwrap();
    let p = write(&dir, name, content.as_bytes());
    let config = Config::default();
    let r = read(&[p], &opts(&config));
    (dir, r)
}

#[test]
fn messages_csv() {
    let (_d, r) = one(
        "m.csv",
        "time,buyer,account,sender,text,msg_id,transfer_to,store\n\
         2026-11-11 09:00:00,b1,店:小美,buyer,\"有货吗, 亲\",m1,,店\n\
         2026-11-11T01:00:05Z,b1,店:小美,系统,转接,,店:阿强,\n",
    );
    let out = r.unwrap();
    let b = &out.batch;
    assert_eq!(b.messages.len(), 2);
    let m0 = &b.messages[0];
    assert_eq!(b.names.name(m0.store), "店");
    assert_eq!(b.names.name(m0.message.buyer), "b1");
    assert_eq!(b.names.name(m0.message.account), "店:小美");
    assert_eq!(m0.message.sender, Sender::Buyer);
    assert_eq!(m0.message.time, t("2026-11-11 09:00:00"));
    assert_eq!(b.text(m0.text), "有货吗, 亲");
    assert_eq!(m0.msg_id.map(|r| b.text(r)), Some("m1"));
    assert_eq!(m0.message.transfer_to, None);
    let m1 = &b.messages[1];
    assert_eq!(b.names.name(m1.store), "default");
    assert_eq!(m1.message.sender, Sender::System);
    // RFC 3339 in UTC is converted to the store's +08:00.
    assert_eq!(m1.message.time, t("2026-11-11 09:00:05"));
    assert_eq!(
        m1.message.transfer_to.map(|n| b.names.name(n)),
        Some("店:阿强")
    );
    assert_eq!((m0.message.seq, m1.message.seq), (0, 1));
    assert_eq!(m1.msg_id, None);
    let f = &out.files[0];
    assert_eq!(
        (f.kind, f.encoding, f.rows, f.accepted),
        (Some(FileKind::Messages), Encoding::Utf8, 2, 2)
    );
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn messages_jsonl_and_sender_synonyms() {
    let (_d, r) = one(
        "m.jsonl",
        "{\"time\": \"2026-11-11 09:00:00\", \"buyer\": \"b\", \"account\": \"a\", \"sender\": \"买家\"}\n\
         \n\
         {\"time\": \"2026-11-11 09:00:01\", \"buyer\": \"b\", \"account\": \"a\", \"sender\": \"客服\", \"text\": \"在的\", \"msg_id\": 17}\n\
         {\"time\": \"2026-11-11 09:00:02\", \"buyer\": \"b\", \"account\": \"a\", \"sender\": \"机器人\", \"text\": null}\n\
         {\"time\": \"2026-11-11 09:00:03\", \"buyer\": \"b\", \"account\": \"a\", \"sender\": \"自动回复\"}\r\n\
         {\"time\": \"2026-11-11 09:00:04\", \"buyer\": \"b\", \"account\": \"a\", \"sender\": \"system\", \"x\": 1}\n",
    );
    let out = r.unwrap();
    let b = &out.batch;
    let senders: Vec<Sender> = b.messages.iter().map(|m| m.message.sender).collect();
    assert_eq!(
        senders,
        [
            Sender::Buyer,
            Sender::Agent,
            Sender::Bot,
            Sender::Auto,
            Sender::System
        ]
    );
    assert_eq!(b.text(b.messages[0].text), "");
    assert_eq!(b.text(b.messages[1].text), "在的");
    assert_eq!(b.messages[1].msg_id.map(|r| b.text(r)), Some("17"));
    let f = &out.files[0];
    assert_eq!((f.rows, f.accepted), (5, 5));
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(f.warnings[0].en.contains("`x`"));
}

#[test]
fn orders_csv_and_jsonl() {
    let dir = TempDir::new().unwrap();
    let a = write(
        &dir,
        "o.csv",
        b"order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
          T1,b1,2026-11-10 22:33:16,,2026-11-11 09:51:28,129.90,2\n\
          T2,b2,2026/11/12 21:14:49,2026-11-12 21:17:27,,58.8,\n",
    );
    let b = write(
        &dir,
        "o.jsonl",
        "{\"order_id\": 12345678901234, \"buyer\": \"b3\", \"created_at\": \"2026-11-12 21:00:00\", \"amount\": 4599.5, \"items\": 3, \"store\": \"二店\"}\n"
            .as_bytes(),
    );
    let config = Config::default();
    let mut o = opts(&config);
    o.default_store = Some("晨光旗舰店".into());
    let out = read(&[a, b], &o).unwrap();
    let orders = &out.batch.orders;
    assert_eq!(orders.len(), 3);
    let (s, o1) = &orders[0];
    assert_eq!(out.batch.names.name(*s), "晨光旗舰店");
    assert_eq!(o1.order_id, "T1");
    assert_eq!((o1.amount, o1.items, o1.paid_at), (12990, 2, None));
    assert_eq!(o1.closed_at, Some(t("2026-11-11 09:51:28")));
    let (_, o2) = &orders[1];
    assert_eq!((o2.amount, o2.items), (5880, 1));
    assert_eq!(o2.paid_at, Some(t("2026-11-12 21:17:27")));
    let (s3, o3) = &orders[2];
    assert_eq!(out.batch.names.name(*s3), "二店");
    assert_eq!(
        (o3.order_id.as_str(), o3.amount, o3.items),
        ("12345678901234", 459950, 3)
    );
}

#[test]
fn refunds_ratings_agents() {
    let dir = TempDir::new().unwrap();
    let refunds = write(
        &dir,
        "r.csv",
        "refund_id,order_id,buyer,requested_at,finished_at,amount,status,account\n\
         R1,T1,b1,2026-11-13 11:44:21,2026-11-14 03:56:48,129.90,,店:阿强\n\
         R2,T2,b2,2026-11-13 11:44:21,,10,,\n\
         R3,T3,b3,2026-11-13 11:44:21,2026-11-14 03:56:48,10,退款关闭,\n"
            .as_bytes(),
    );
    let ratings = write(
        &dir,
        "s.jsonl",
        "{\"time\": \"2026-11-11 11:36:30\", \"buyer\": \"b\", \"account\": \"a\", \"score\": \"5\"}\n\
         {\"time\": \"2026-11-11 11:36:30\", \"buyer\": \"b\", \"account\": \"a\", \"score\": 3}\n\
         {\"time\": \"2026-11-11 11:36:30\", \"buyer\": \"b\", \"account\": \"a\", \"score\": \"很不满意\"}\n"
            .as_bytes(),
    );
    let agents = write(
        &dir,
        "a.csv",
        "account,name,group,role\n店:小美,小美,售前一组,presale\n店小蜜,,,机器人\n店:老王,老王,,\n"
            .as_bytes(),
    );
    let refunds_j = write(
        &dir,
        "r.jsonl",
        b"{\"refund_id\": \"R9\", \"order_id\": \"T9\", \"buyer\": \"b9\", \"requested_at\": \"2026-11-13 11:44:21\", \"amount\": 5, \"status\": \"success\"}\n",
    );
    let ratings_c = write(
        &dir,
        "s.csv",
        "time,buyer,account,score\n2026-11-11 11:36:30,b,a,满意\n".as_bytes(),
    );
    let agents_j = write(
        &dir,
        "a.jsonl",
        "{\"account\": \"店:七七\", \"role\": \"售后\"}\n".as_bytes(),
    );
    let config = Config::default();
    let out = read(
        &[refunds, ratings, agents, refunds_j, ratings_c, agents_j],
        &opts(&config),
    )
    .unwrap();
    let b = &out.batch;
    let st: Vec<RefundStatus> = b.refunds.iter().map(|(_, r)| r.status).collect();
    assert_eq!(
        st,
        [
            RefundStatus::Success,
            RefundStatus::Pending,
            RefundStatus::Closed,
            RefundStatus::Success
        ]
    );
    assert_eq!(
        b.refunds[0].1.account.map(|a| b.names.name(a)),
        Some("店:阿强")
    );
    assert_eq!(b.refunds[1].1.account, None);
    assert_eq!(b.refunds[0].1.amount, 12990);
    let scores: Vec<u8> = b.ratings.iter().map(|(_, r)| r.score).collect();
    assert_eq!(scores, [5, 3, 1, 4]);
    assert_eq!(b.agents.len(), 4);
    assert_eq!(b.agents[0].1.name.as_deref(), Some("小美"));
    assert_eq!(b.agents[0].1.group.as_deref(), Some("售前一组"));
    assert_eq!(b.agents[0].1.role, Some(Role::Presale));
    assert_eq!(b.agents[1].1.role, Some(Role::Bot));
    assert_eq!(b.agents[1].1.name, None);
    assert_eq!(b.agents[2].1.role, None);
    assert_eq!(b.agents[3].1.role, Some(Role::Aftersale));
    let kinds: Vec<FileKind> = out.files.iter().filter_map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FileKind::Refunds,
            FileKind::Ratings,
            FileKind::Agents,
            FileKind::Refunds,
            FileKind::Ratings,
            FileKind::Agents
        ]
    );
}

#[test]
fn gbk_and_bom() {
    let dir = TempDir::new().unwrap();
    let text = "time,buyer,account,sender,text\n2026-11-11 09:00:00,买家一号,晨光旗舰店:小美,买家,有货吗\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let g = write(&dir, "g.csv", &gbk);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let u = write(&dir, "u.csv", &bom);
    let config = Config::default();
    let out = read(&[g.clone(), u], &opts(&config)).unwrap();
    assert_eq!(out.files[0].encoding, Encoding::Gb18030);
    assert_eq!(out.files[1].encoding, Encoding::Utf8);
    let b = &out.batch;
    for m in &b.messages {
        assert_eq!(b.names.name(m.message.buyer), "买家一号");
        assert_eq!(b.names.name(m.message.account), "晨光旗舰店:小美");
        assert_eq!(b.text(m.text), "有货吗");
    }
    assert_eq!(
        b.names.len(),
        3,
        "store, buyer and account, shared by both files"
    );
    // Forcing UTF-8 on a GBK file garbles it, with a warning rather than silently.
    let mut o = opts(&config);
    o.encoding = Some(Encoding::Utf8);
    let out = read(&[g], &o);
    match out {
        Ok(out) => assert!(!out.files[0].warnings.is_empty()),
        Err(e) => assert!(e.to_string().contains("g.csv"), "{e}"),
    }
}

#[test]
fn store_time_zone_from_config() {
    let config = Config::parse("[stores.\"东京店\"]\ntimezone = \"Asia/Tokyo\"\n").unwrap();
    let dir = TempDir::new().unwrap();
    let p = write(
        &dir,
        "m.csv",
        "time,buyer,account,sender,store\n2026-11-11T00:00:00Z,b,a,buyer,东京店\n2026-11-11T00:00:00Z,b,a,buyer,\n"
            .as_bytes(),
    );
    let out = read(&[p], &opts(&config)).unwrap();
    assert_eq!(out.batch.messages[0].message.time, t("2026-11-11 09:00:00"));
    assert_eq!(out.batch.messages[1].message.time, t("2026-11-11 08:00:00"));
}

#[test]
fn wrong_headers() {
    let (_d, r) = one("x.csv", "foo,bar\n1,2\n");
    let e = r.unwrap_err();
    assert!(matches!(e, ImportError::UnknownKind { .. }), "{e:?}");
    assert!(
        e.to_string().contains("x.csv") && e.to_string().contains("foo,bar"),
        "{e}"
    );

    let (_d, r) = one("y.csv", "time,buyer,account,text\n");
    let e = r.unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::MissingColumns {
                kind: FileKind::Messages,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("y.csv") && e.to_string().contains("`sender`"),
        "{e}"
    );

    let (_d, r) = one("z.csv", "refund_id,order_id,buyer\n");
    let e = r.unwrap_err().to_string();
    assert!(e.contains("`requested_at`, `amount`"), "{e}");

    let (_d, r) = one("j.jsonl", "[1,2]\n");
    let err = r.unwrap_err();
    let e = err.to_string();
    assert!(
        e.starts_with(&format!("{}:1:", _d.path().join("j.jsonl").display())),
        "{e}"
    );
    assert!(e.contains("found an array: the first object's keys"), "{e}");
    // Issue 12 item 10: in Chinese, all of it.
    let zh = err.zh();
    assert!(
        zh.ends_with(
            "格式错误：应为 JSON 对象（每行一个），实际是数组：文件的类型由第一个对象的键决定"
        ),
        "{zh}"
    );
}

#[test]
fn header_only_is_fine_and_empty_is_an_error() {
    let (_d, r) = one("h.csv", "time,buyer,account,sender\n");
    let out = r.unwrap();
    assert_eq!(out.files[0].rows, 0);
    for (name, content) in [("e.csv", ""), ("e2.csv", "\n\n  \n"), ("e.jsonl", "\n")] {
        let (_d, r) = one(name, content);
        let e = r.unwrap_err();
        assert!(matches!(e, ImportError::Empty { .. }), "{e:?}");
        assert!(e.to_string().contains(name));
    }
}

const BAD: &str = "time,buyer,account,sender\n\
    2026-11-11 09:00:00,b,a,buyer\n\
    2026-11-31 09:00:00,b,a,buyer\n\
    2026-11-11 09:00:00,,a,buyer\n\
    2026-11-11 09:00:00,b,a,顾客\n\
    2026-11-11 09:00:00,b,a\n\
    2026-11-11 09:00:00,b,a,agent\n";

#[test]
fn bad_rows_fail_the_import_with_the_first_named() {
    let (d, r) = one("bad.csv", BAD);
    let e = r.unwrap_err();
    let msg = e.to_string();
    let path = d.path().join("bad.csv");
    let first = format!(
        "{}:3: column `time`: value `2026-11-31 09:00:00`: expected a time like 2026-11-11 09:00:00",
        path.display()
    );
    assert!(msg.starts_with(&first), "{msg}");
    match e {
        ImportError::BadRows {
            count, first, more, ..
        } => {
            assert_eq!(count, 4);
            assert_eq!(first.line, 3);
            assert_eq!(more.len(), 3);
            assert_eq!(more[0].column.as_deref(), Some("buyer"));
            assert_eq!(more[1].column.as_deref(), Some("sender"));
            assert_eq!(more[1].value.as_deref(), Some("顾客"));
            assert_eq!(more[2].line, 6);
            assert!(
                more[2].reason.contains("expected 4 fields"),
                "{}",
                more[2].reason
            );
            assert_eq!(more[2].raw, "2026-11-11 09:00:00,b,a");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn skip_bad_keeps_good_rows_and_writes_rejects() {
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "bad.csv", BAD.as_bytes());
    let m = write(
        &dir,
        "money.csv",
        b"order_id,buyer,created_at,amount\nT1,b,2026-11-11 09:00:00,1.234\nT2,b,2026-11-11 09:00:00,-5\nT3,b,2026-11-11 09:00:00,5\n",
    );
    let config = Config::default();
    let mut o = opts(&config);
    o.skip_bad = true;
    let out = read(&[p, m], &o).unwrap();
    assert_eq!(out.batch.messages.len(), 2);
    assert_eq!(out.batch.messages[1].message.seq, 1);
    assert_eq!(out.batch.orders.len(), 1);
    let f = &out.files[0];
    assert_eq!((f.rows, f.accepted, f.rejected.len()), (6, 2, 4));
    let g = &out.files[1];
    assert_eq!(g.rejected[0].column.as_deref(), Some("amount"));
    assert!(g.rejected[0].reason.contains("at most 2 decimals"));
    assert_eq!(g.rejected[0].raw, "T1,b,2026-11-11 09:00:00,1.234");
    let rej = dir.path().join("rejects.csv");
    write_rejects(&out.files, &rej).unwrap();
    let text = std::fs::read_to_string(&rej).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file,line,column,value,reason,raw"));
    assert_eq!(text.lines().count(), 1 + 6);
    let mut r = csv::Reader::from_path(&rej).unwrap();
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(&recs[0][1], "3");
    assert_eq!(&recs[0][2], "time");
    assert_eq!(&recs[0][5], "2026-11-31 09:00:00,b,a,buyer");
}

#[test]
fn bad_json_lines() {
    let dir = TempDir::new().unwrap();
    let p = write(
        &dir,
        "r.jsonl",
        b"{\"time\": \"2026-11-11 11:36:30\", \"buyer\": \"b\", \"account\": \"a\", \"score\": 5}\n\
          {\"time\": \"2026-11-11 11:36:30\", \"buyer\": \"b\", \"account\": \"a\", \"score\": 6}\n\
          {\"time\": \"2026-11-11 11:36:30\", \"buyer\": \"b\", \"account\": \"a\", \"score\": tru\n\
          {\"time\": \"2026-11-11 11:36:30\", \"buyer\": [\"b\"], \"account\": \"a\", \"score\": 5}\n\
          {\"time\": \"2026-11-11 11:36:30\", \"account\": \"a\", \"score\": 5}\n\
          17\n",
    );
    let config = Config::default();
    let mut o = opts(&config);
    o.skip_bad = true;
    let out = read(&[p], &o).unwrap();
    let f = &out.files[0];
    assert_eq!((f.rows, f.accepted), (6, 1));
    let lines: Vec<u64> = f.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    assert_eq!(f.rejected[0].column.as_deref(), Some("score"));
    assert!(f.rejected[1].reason.contains("invalid JSON"));
    assert_eq!(f.rejected[2].column.as_deref(), Some("buyer"));
    assert!(f.rejected[2].reason.contains("string or a number"));
    assert!(f.rejected[3].reason.contains("missing value"));
    assert!(f.rejected[4].reason.contains("JSON object"));
}

#[test]
fn unknown_column_warning_once() {
    let (_d, r) = one(
        "m.csv",
        "time,buyer,account,sender,extra,,more\n2026-11-11 09:00:00,b,a,buyer,x,,y\n",
    );
    let out = r.unwrap();
    let w = &out.files[0].warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].en.contains("`extra`") && w[0].en.contains("`more`"),
        "{w:?}"
    );
    assert_eq!(w[0].zh, "忽略了未知的列：`extra`、`more`");
}

#[test]
fn seq_runs_over_files() {
    let dir = TempDir::new().unwrap();
    let body =
        "time,buyer,account,sender\n2026-11-11 09:00:00,b,a,buyer\n2026-11-11 09:00:00,b,a,agent\n";
    let a = write(&dir, "a.csv", body.as_bytes());
    let b = write(&dir, "b.csv", body.as_bytes());
    let config = Config::default();
    let out = read(&[a, b], &opts(&config)).unwrap();
    let seqs: Vec<u64> = out.batch.messages.iter().map(|m| m.message.seq).collect();
    assert_eq!(seqs, [0, 1, 2, 3]);
}

#[test]
fn progress_is_reported() {
    let dir = TempDir::new().unwrap();
    let body = "time,buyer,account,sender\n2026-11-11 09:00:00,b,a,buyer\n";
    let a = write(&dir, "a.csv", body.as_bytes());
    let config = Config::default();
    let calls = std::cell::RefCell::new(Vec::new());
    read_files(&[a], &opts(&config), &|d, s| {
        calls.borrow_mut().push((d, s))
    })
    .unwrap();
    let calls = calls.into_inner();
    let size = body.len() as u64;
    assert_eq!(calls.first(), Some(&(0, size)));
    assert_eq!(calls.last(), Some(&(size, size)));
}

#[test]
fn missing_file_is_named() {
    let config = Config::default();
    let e = read(&[PathBuf::from("/nonexistent/kefu.csv")], &opts(&config)).unwrap_err();
    assert!(matches!(e, ImportError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/kefu.csv"), "{e}");
}

const TAOBAO_HEADER: &str = "\"订单编号\",\"买家会员名\",\"买家支付宝账号\",\"买家实际支付金额\",\"订单状态\",\"收货地址 \",\"联系电话 \",\"订单创建时间\",\"订单付款时间 \",\"宝贝标题 \",\"宝贝总数量\",\"店铺Id\",\"店铺名称\",\"订单关闭原因\"";

#[test]
fn taobao_report_gbk() {
    let rows = [
        "=\"35153131473293579\",\"买家甲\",\"a@b.c\",\"201.12\",\"买家已付款，等待卖家发货\",\"省 市\",'13925130165,\"2017-07-08 00:42:32\",\"2017-07-08 00:43:00\",\"锅\",\"2\",\"1\",\"晨光旗舰店\",\"订单未关闭\"",
        "=\"35153131473293580\",\"买家乙\",\"\",\"99\",\"等待买家付款\",\"\",\"\",\"2017-07-08 01:00:00\",\"\",\"\",\"1\",\"1\",\"\",\"订单未关闭\"",
        "\"=\"\"35153131473293581\"\"\",\"买家丙\",\"\",\"0.00\",\"交易关闭\",\"\",\"\",\"2017-07-08 02:00:00\",\"\",\"\",\"1\",\"1\",\"晨光旗舰店\",\"买家不想买了\"",
        "=\"35153131473293582\",\"买家丁\",\"\",\"10.50\",\"交易成功\",\"\",\"\",\"2017/7/8 3:00\",\"2017-07-08 03:01:00\",\"\",\"\",\"1\",\"晨光旗舰店\",\"订单未关闭\"",
        "=\"35153131473293583\",\"买家戊\",\"\",\"10.50\",\"交易成功\",\"\",\"\",\"2017-07-08 03:00:00\",\"\",\"\",\"1\",\"1\",\"晨光旗舰店\",\"订单未关闭\"",
        "=\"35153131473293584\",\"买家己\",\"\",\"10.50\",\"外星状态\",\"\",\"\",\"2017-07-08 03:00:00\",\"\",\"\",\"1\",\"1\",\"晨光旗舰店\",\"订单未关闭\"",
        "=\"35153131473293585\",\"买家庚\",\"\",\"10.50\",\"交易关闭\",\"\",\"\",\"2017-07-08 03:00:00\",\"2017-07-08 03:05:00\",\"\",\"1\",\"1\",\"晨光旗舰店\",\"退款\"",
    ];
    let text = format!("{TAOBAO_HEADER}\r\n{}\r\n", rows.join("\r\n"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "ExportOrderList201707.csv", &gbk);
    let config = Config::default();
    let mut o = opts(&config);
    o.default_store = Some("二店".into());
    o.skip_bad = true;
    let out = read(&[p], &o).unwrap();
    let f = &out.files[0];
    assert_eq!(f.kind, Some(FileKind::TaobaoOrders));
    assert_eq!(f.encoding, Encoding::Gb18030);
    assert_eq!((f.rows, f.accepted), (7, 5));
    assert_eq!(f.rejected[0].line, 6);
    assert_eq!(f.rejected[0].column.as_deref(), Some("订单付款时间"));
    assert_eq!(f.rejected[1].line, 7);
    assert_eq!(f.rejected[1].column.as_deref(), Some("订单状态"));
    assert_eq!(f.rejected[1].value.as_deref(), Some("外星状态"));
    assert!(
        f.warnings.iter().any(|w| w.en.contains("1 closed order")),
        "{:?}",
        f.warnings
    );
    assert!(
        f.warnings.iter().any(|w| w
            .zh
            .starts_with("1 个已关闭的订单从未付款，且文件没有关闭时间列（订单关闭时间）")),
        "{:?}",
        f.warnings
    );
    let b = &out.batch;
    let o: Vec<_> = b
        .orders
        .iter()
        .map(|(s, o)| (b.names.name(*s), o))
        .collect();
    assert_eq!(o[0].0, "晨光旗舰店");
    assert_eq!(o[0].1.order_id, "35153131473293579");
    assert_eq!(b.names.name(o[0].1.buyer), "买家甲");
    assert_eq!((o[0].1.amount, o[0].1.items), (20112, 2));
    assert_eq!(o[0].1.created_at, t("2017-07-08 00:42:32"));
    assert_eq!(o[0].1.paid_at, Some(t("2017-07-08 00:43:00")));
    assert_eq!(o[1].0, "二店");
    assert_eq!((o[1].1.paid_at, o[1].1.closed_at), (None, None));
    assert_eq!(o[2].1.order_id, "35153131473293581");
    assert_eq!((o[2].1.paid_at, o[2].1.closed_at), (None, None));
    assert_eq!(o[3].1.created_at, t("2017-07-08 03:00:00"));
    assert_eq!(o[3].1.items, 1);
    assert_eq!(o[4].1.paid_at, Some(t("2017-07-08 03:05:00")));
    assert_eq!(o[4].1.closed_at, None);
}

#[test]
fn taobao_close_time_column() {
    let (_d, r) = one(
        "t.csv",
        "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,订单关闭时间\n\
         '1001,b,5,交易关闭,2026-11-11 09:00:00,,2026-11-12 09:00:00\n\
         \t1002,b,5,买家已付款，等待卖家发货,2026-11-11 09:00:00,2026-11-11 09:01:00,\n",
    );
    let out = r.unwrap();
    let o = &out.batch.orders;
    assert_eq!(o[0].1.order_id, "1001");
    assert_eq!(o[0].1.closed_at, Some(t("2026-11-12 09:00:00")));
    assert_eq!(o[1].1.order_id, "1002");
    assert!(out.files[0].warnings.is_empty());
}

#[test]
fn order_addresses() {
    // The canonical column, by its English and Chinese names; empty is none; a long address is
    // stored cut; a control character makes the row bad.
    let (_d, r) = one(
        "o.csv",
        "order_id,buyer,created_at,amount,address\n\
         A1,b,2026-11-11 09:00:00,5,王丽 15800112233 浙江省杭州市西湖区文三路 88 号\n\
         A2,b,2026-11-11 09:00:00,5,\n",
    );
    let out = r.unwrap();
    let o = &out.batch.orders;
    assert_eq!(
        o[0].1.address.as_deref(),
        Some("王丽 15800112233 浙江省杭州市西湖区文三路 88 号")
    );
    assert_eq!(o[1].1.address, None);
    assert!(
        out.files[0].warnings.is_empty(),
        "{:?}",
        out.files[0].warnings
    );
    let long = "路".repeat(300);
    let (_d, r) = one(
        "o.csv",
        &format!("订单号,买家,下单时间,金额,收货地址\nA3,b,2026-11-11 09:00:00,5,{long}\n"),
    );
    let out = r.unwrap();
    let kept = out.batch.orders[0].1.address.clone().unwrap();
    assert_eq!(kept.chars().count(), kefu_import::MAX_ADDRESS_CHARS);
    let (_d, r) = one(
        "o.jsonl",
        "{\"order_id\":\"A4\",\"buyer\":\"b\",\"created_at\":\"2026-11-11 09:00:00\",\"amount\":5,\"address\":\"王丽\\u001b 158\"}\n",
    );
    let err = r.unwrap_err().to_string();
    assert!(err.contains("address") && err.contains("control"), "{err}");

    // The Taobao report: receiver, mobile, phone and address joined, each as cleaned.
    let (_d, r) = one(
        "t.csv",
        "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,收货人姓名,联系手机,联系电话,收货地址\n\
         '1001,b,5,交易成功,2026-11-11 09:00:00,2026-11-11 09:01:00,王丽,'15800112233,0571-88776655,浙江省杭州市西湖区文三路88号\n\
         '1002,b,5,交易成功,2026-11-11 09:00:00,2026-11-11 09:01:00,,,,\n",
    );
    let out = r.unwrap();
    let o = &out.batch.orders;
    assert_eq!(
        o[0].1.address.as_deref(),
        Some("王丽，15800112233，0571-88776655，浙江省杭州市西湖区文三路88号")
    );
    assert_eq!(o[1].1.address, None);
    assert!(
        out.files[0].warnings.is_empty(),
        "{:?}",
        out.files[0].warnings
    );
}

#[test]
fn tab_separated() {
    let (_d, r) = one(
        "m.txt",
        "time\tbuyer\taccount\tsender\n2026-11-11 09:00:00\tb\ta\tbuyer\n",
    );
    assert_eq!(r.unwrap().batch.messages.len(), 1);
}

#[test]
fn xlsx() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("orders.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (c, h) in [
        "order_id",
        "buyer",
        "created_at",
        "paid_at",
        "amount",
        "items",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 1234567890123456.0).unwrap();
    ws.write_string(1, 1, "买家").unwrap();
    let dt = ExcelDateTime::from_ymd(2026, 11, 11)
        .unwrap()
        .and_hms(9, 30, 15)
        .unwrap();
    ws.write_datetime_with_format(1, 2, &dt, &fmt).unwrap();
    ws.write_string(1, 3, "2026-11-11 09:31:00").unwrap();
    ws.write_number(1, 4, 199.0).unwrap();
    ws.write_number(1, 5, 2.0).unwrap();
    ws.write_string(3, 0, "T2").unwrap();
    ws.write_string(3, 1, "b2").unwrap();
    ws.write_string(3, 2, "2026/11/11 10:00").unwrap();
    ws.write_number(3, 4, 129.9).unwrap();
    ws.write_string(4, 0, "T3").unwrap();
    ws.write_string(4, 1, "b3").unwrap();
    ws.write_string(4, 2, "yesterday").unwrap();
    ws.write_number(4, 4, 1.0).unwrap();
    wb.save(&path).unwrap();
    let config = Config::default();
    let mut o = opts(&config);
    o.skip_bad = true;
    let out = read(&[path], &o).unwrap();
    let f = &out.files[0];
    assert_eq!(f.kind, Some(FileKind::Orders));
    assert_eq!((f.rows, f.accepted), (3, 2));
    assert_eq!(f.rejected[0].line, 5);
    assert_eq!(f.rejected[0].column.as_deref(), Some("created_at"));
    let o = &out.batch.orders;
    assert_eq!(o[0].1.order_id, "1234567890123456");
    assert_eq!(o[0].1.created_at, t("2026-11-11 09:30:15"));
    assert_eq!(o[0].1.paid_at, Some(t("2026-11-11 09:31:00")));
    assert_eq!((o[0].1.amount, o[0].1.items), (19900, 2));
    assert_eq!((o[1].1.amount, o[1].1.items), (12990, 1));
    assert_eq!(o[1].1.created_at, t("2026-11-11 10:00:00"));
}

#[test]
fn damaged_workbook_is_an_error() {
    let (_d, r) = one("x.xlsx", "PK\u{3}\u{4}garbage");
    let e = r.unwrap_err();
    assert!(matches!(e, ImportError::Workbook { .. }), "{e:?}");
    assert!(e.to_string().contains("x.xlsx"));
    let zh = e.zh();
    assert!(
        zh.contains("x.xlsx：无法读取工作簿：文件已损坏，或不是可读取的工作簿（"),
        "{zh}"
    );
}

#[test]
fn sample_files() {
    let dir = Path::new("/work/shared/data/sample/input");
    if !dir.exists() {
        eprintln!("sample input not found; skipped");
        return;
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let config = Config::default();
    let mut o = opts(&config);
    o.default_store = Some("晨光旗舰店".into());
    let out = read(&paths, &o).unwrap();
    let b = &out.batch;
    // messages_a.csv has 1347 rows, messages_b.jsonl 1348 objects.
    assert_eq!(b.messages.len(), 1347 + 1348);
    assert_eq!(b.orders.len(), 181);
    assert_eq!(b.refunds.len(), 13);
    assert_eq!(b.ratings.len(), 63);
    assert_eq!(b.agents.len(), 6);
    for f in &out.files {
        assert!(f.rejected.is_empty(), "{f:?}");
        let name = f.path.file_name().unwrap().to_str().unwrap();
        let enc = if name == "orders.csv" {
            Encoding::Gb18030
        } else {
            Encoding::Utf8
        };
        assert_eq!(f.encoding, enc, "{name}");
        assert_eq!(
            f.warnings.is_empty(),
            name != "messages_a.csv",
            "{name}: {:?}",
            f.warnings
        );
    }
    let stores: Vec<&str> = b.messages.iter().map(|m| b.names.name(m.store)).collect();
    assert!(stores.iter().all(|s| *s == "晨光旗舰店"));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn check(name: &str, bytes: &[u8]) {
        let dir = TempDir::new().unwrap();
        let p = write(&dir, name, bytes);
        let config = Config::default();
        for skip in [false, true] {
            let mut o = opts(&config);
            o.skip_bad = skip;
            let _ = read(std::slice::from_ref(&p), &o);
        }
    }

    proptest! {
        // PROPTEST_CASES=20000 for a longer run.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check("f.csv", &bytes);
            check("f.jsonl", &bytes);
            check("f.dat", &bytes);
        }

        #[test]
        fn arbitrary_rows_never_panic(
            head in prop::sample::select(vec![
                "time,buyer,account,sender,text,msg_id,transfer_to,store\n",
                "order_id,buyer,created_at,paid_at,closed_at,amount,items\n",
                "refund_id,order_id,buyer,requested_at,finished_at,amount,status,account\n",
                "time,buyer,account,score\n",
                "account,name,group,role\n",
                "订单编号,买家会员名,订单创建时间,订单付款时间,买家实际支付金额,订单状态,订单关闭时间\n",
            ]),
            body in "[0-9a-z,:\"\\- /\\n\\r=T'Z.+买家交易关闭]{0,300}",
        ) {
            check("g.csv", format!("{head}{body}").as_bytes());
        }

        #[test]
        fn arbitrary_json_never_panics(body in "[{}\\[\\]\"a-z0-9:,. \\n-]{0,300}") {
            let first = "{\"time\": \"2026-11-11 09:00:00\", \"buyer\": \"b\", \"account\": \"a\", \"sender\": \"buyer\"}\n";
            check("h.jsonl", format!("{first}{body}").as_bytes());
        }
    }
}

#[test]
fn line_numbers_are_physical() {
    // CRLF line ends, blank lines and a quoted text spanning two lines.
    let text = "time,buyer,account,sender,text\r\n\
                \r\n\
                2026-11-11 09:00:00,b,a,buyer,\"two\r\nlines\"\r\n\
                \r\n\
                2026-11-11 09:00:00,b,a,nobody,x\r\n\
                2026-11-11 09:00:00,b,a,buyer,\"unterminated\r\n";
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "m.csv", text.as_bytes());
    let config = Config::default();
    let mut o = opts(&config);
    o.skip_bad = true;
    let out = read(&[p], &o).unwrap();
    let b = &out.batch;
    assert_eq!(b.text(b.messages[0].text), "two\r\nlines");
    assert_eq!(
        b.messages.len(),
        2,
        "the unterminated quote runs to the end of the file"
    );
    let f = &out.files[0];
    assert_eq!(f.rejected.len(), 1);
    assert_eq!(f.rejected[0].line, 6);
    assert_eq!(f.rejected[0].raw, "2026-11-11 09:00:00,b,a,nobody,x");
}

#[test]
fn utf16_is_refused_clearly() {
    let mut bytes = vec![0xFF, 0xFE];
    for u in "time\tbuyer\taccount\tsender\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "u16.txt", &bytes);
    let config = Config::default();
    let err = read(&[p], &opts(&config)).unwrap_err();
    let e = err.to_string();
    assert!(e.contains("u16.txt:1:") && e.contains("UTF-16"), "{e}");
    let zh = err.zh();
    assert!(
        zh.contains("u16.txt:1：格式错误：文件是 UTF-16 编码"),
        "{zh}"
    );
    assert!(!zh.contains("save it"), "{zh}");
}

/// Issue 10 item 3: a message text over the limit is stored cut, marked, and named in a
/// warning; the row itself is imported, so every figure still counts the message.
#[test]
fn a_long_message_is_cut_with_a_mark_and_a_warning() {
    let long = "长".repeat(200_000);
    let body = format!(
        "time,buyer,account,sender,text\n\
         2026-11-11 09:00:00,b,a,buyer,有货吗\n\
         2026-11-11 09:00:01,b,a,buyer,{long}\n"
    );
    let (_d, r) = one("long.csv", &body);
    let out = r.unwrap();
    let b = &out.batch;
    assert_eq!(b.messages.len(), 2);
    let text = b.text(b.messages[1].text);
    assert!(text.len() <= kefu_import::MAX_TEXT_BYTES + kefu_import::CUT_MARK.len());
    assert!(
        text.starts_with("长长长") && text.ends_with("…〔已截断 cut〕"),
        "{}",
        &text[..30]
    );
    assert_eq!(b.text(b.messages[0].text), "有货吗");
    let w = &out.files[0].warnings;
    assert!(
        w.len() == 1 && w[0].en.contains("1 message text(s)") && w[0].en.contains("line 3"),
        "{w:?}"
    );
    assert!(
        w[0].zh.starts_with("1 条消息文本超过") && w[0].zh.contains("第一条在第 3 行"),
        "{w:?}"
    );
}

/// Issue 10 item 12: control characters in a name or id make the row bad (named, and shown
/// escaped); tabs and newlines stay in a message text. Names and ids over the limit are bad.
#[test]
fn control_characters_and_overlong_names_are_bad_rows() {
    let body = "time,buyer,account,sender,text,msg_id\n\
         2026-11-11 09:00:00,b,\"\x1b]0;PWNED\x07\x1b[2J\",agent,hi,m1\n\
         2026-11-11 09:00:00,b\u{0},a,agent,hi,m2\n\
         2026-11-11 09:00:00,b,a,agent,hi,m\u{85}3\n\
         2026-11-11 09:00:00,b,a,agent,\"tab\there\nand a new line\",m4\n"
        .to_string()
        + &format!("2026-11-11 09:00:00,{},a,agent,hi,m5\n", "买".repeat(129))
        + &format!("2026-11-11 09:00:00,{},a,agent,hi,m6\n", "买".repeat(128));
    let dir = TempDir::new().unwrap();
    let p = write(&dir, "ctl.csv", body.as_bytes());
    let config = Config::default();
    let mut o = opts(&config);
    o.skip_bad = true;
    let out = read(std::slice::from_ref(&p), &o).unwrap();
    let f = &out.files[0];
    let bad: Vec<(u64, Option<&str>)> = f
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_deref()))
        .collect();
    assert_eq!(
        bad,
        [
            (2, Some("account")),
            (3, Some("buyer")),
            (4, Some("msg_id")),
            (7, Some("buyer"))
        ]
    );
    assert!(f.rejected[0].reason.contains("control characters"));
    assert!(
        f.rejected[3]
            .reason
            .contains("at most 128 characters, not 129")
    );
    let shown = f.rejected[0].describe(&p);
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07'),
        "{shown:?}"
    );
    assert!(shown.contains(r"\u{1b}]0;PWNED\u{7}"), "{shown}");
    let b = &out.batch;
    assert_eq!(b.messages.len(), 2);
    assert_eq!(b.text(b.messages[0].text), "tab\there\nand a new line");
}
