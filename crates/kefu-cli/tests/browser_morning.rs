//! The supervisor's morning in headless Chromium, through `kefu serve` (issue 14, "done
//! when"): the start page → an attention item → the agent → the chat → 送质检, the task on
//! the QA task list; an agent's view; screenshots at 1440 and 390 px (under the target
//! directory's `tmp/screenshots/morning-*.png`); and the ranking printed to PDF
//! (`ranking.pdf`, its first page as `ranking-print-1.png` when `pdftoppm` is installed).

mod support;

use std::path::Path;
use std::process::Command;

use kefu_store::Db;
use support::app::{
    add_users, arrive, both_widths, browser_skipped, import_into, import_sample, login, main_part,
    run, serve, shots,
};
use support::webdriver::Driver;

const STORE: &str = "晨光旗舰店";

/// A tool's output, when the tool is installed.
fn tool(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_supervisors_morning_in_headless_chromium() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("k.db");
    let db = db_path.to_str().unwrap();
    import_sample(&db_path);
    // The last day: 小美 answers after five minutes (slow) and her buyer orders without paying
    // (nobody reminds them); Lily never answers (unreplied).
    let last = dir.path().join("last-day");
    std::fs::create_dir_all(&last).unwrap();
    std::fs::write(
        last.join("messages.csv"),
        "time,buyer,account,sender,text\n\
         2026-11-14 10:00:00,buyer_new1,晨光旗舰店:小美,buyer,这款空调有货吗\n\
         2026-11-14 10:05:00,buyer_new1,晨光旗舰店:小美,agent,有的亲，今天下单明天发\n\
         2026-11-14 11:00:00,buyer_new2,晨光旗舰店:Lily,buyer,有货吗\n",
    )
    .unwrap();
    std::fs::write(
        last.join("orders.csv"),
        "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
         N-MORNING-1,buyer_new1,2026-11-14 10:10:00,,,2899.00,1\n",
    )
    .unwrap();
    import_into(&db_path, &last);
    add_users(
        db,
        &[
            ("supervisor", "sup", ["--store", STORE]),
            ("qa", "qa", ["--store", STORE]),
            ("agent", "lily", ["--account", "晨光旗舰店:Lily"]),
        ],
    );
    let presale = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plans/presale.toml");
    run(
        &[
            "plan",
            "save",
            "--db",
            db,
            "--from",
            "2026-11",
            presale.to_str().unwrap(),
        ],
        "",
    );
    run(&["qa", "run", "--db", db], "");
    let qa_id = Db::open(&db_path).unwrap().user("qa").unwrap().unwrap().id;
    let (_server, base) = serve(&db_path);
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();

    // 1. The start page: what needs attention, the slow agent and the unpaid order among it.
    assert!(login(&d, &base, "sup", "sup-password-1"));
    d.goto(&format!("{base}/?lang=zh-CN")).unwrap();
    let start = main_part(&d);
    assert!(start.contains("需要关注"), "{start}");
    assert!(
        start.contains("小美：1 位买家慢响应（2026-11-14）"),
        "{start}"
    );
    assert!(start.contains("笔下单未付款订单还没有催付（¥"), "{start}");
    both_widths(&d, &shots, "morning-start");
    // The unpaid orders nobody reminded: this morning's among them.
    d.click("ul.attention a[href^='/worklists']").unwrap();
    arrive(&d, "reminded=0");
    assert!(main_part(&d).contains("N-MORNING-1"));
    d.goto(&format!("{base}/?lang=zh-CN")).unwrap();

    // 2. The attention item: 小美's slow receptions, the longest wait first.
    d.click("ul.attention a[href*='figure=slow'][href*='account=']")
        .unwrap();
    arrive(&d, "/list?");
    d.click("form.filters select[name=sort] option[value='max_wait']")
        .unwrap();
    d.click("form.filters button[type=submit]").unwrap();
    arrive(&d, "sort=max_wait");
    // The direction left at its default: the longest wait first (the downloads say so).
    assert!(
        main_part(&d).contains("sort=max_wait&amp;dir=desc"),
        "{}",
        main_part(&d)
    );
    let list = main_part(&d);
    assert!(
        list.contains("最长等待") && list.contains("buyer_new1"),
        "{list}"
    );
    assert!(
        list.contains("<td>5:00</td>"),
        "the five-minute wait as 分:秒: {list}"
    );
    both_widths(&d, &shots, "morning-list");

    // 3. The agent: her page over the list's days.
    d.click("table#items a[href^='/account']").unwrap();
    arrive(&d, "/account?");
    assert!(main_part(&d).contains("晨光旗舰店:小美"));
    d.screenshot(&shots.join("morning-agent.png")).unwrap();

    // 4. The chat, and 送质检 to the QA reviewer.
    d.click("a[href^='/reception'][href*='buyer_new1']")
        .unwrap();
    arrive(&d, "/reception?");
    let chat = main_part(&d);
    assert!(
        chat.contains("这款空调有货吗") && chat.contains(">送质检</button>"),
        "{chat}"
    );
    both_widths(&d, &shots, "morning-chat");
    d.click(&format!(
        "form.send-to-qa select[name=reviewer] option[value='{qa_id}']"
    ))
    .unwrap();
    d.click("form.send-to-qa button[type=submit]").unwrap();
    arrive(&d, "/qa/assignments");
    let tasks = main_part(&d);
    assert!(
        tasks.contains("buyer_new1") && tasks.contains("已送质检："),
        "{tasks}"
    );
    d.screenshot(&shots.join("morning-sent.png")).unwrap();
    // … and into the case library, as a bad example.
    d.goto(&format!(
        "{base}/reception?store={STORE}&account=晨光旗舰店:小美&buyer=buyer_new1&day=2026-11-14&lang=zh-CN"
    ))
    .unwrap();
    d.click("form.add-case select[name=verdict] option[value='bad']")
        .unwrap();
    d.type_into("form.add-case input[name=note]", "五分钟才回复，没有致歉")
        .unwrap();
    d.click("form.add-case button[type=submit]").unwrap();
    arrive(&d, "/qa/cases");
    assert!(main_part(&d).contains("五分钟才回复，没有致歉"));

    // 5. The ranking printed: no menu, the store and range, landscape, every column.
    let ranking = format!("{base}/ranking?from=2026-11-10&to=2026-11-12&cols=all&lang=zh-CN");
    d.goto(&ranking).unwrap();
    let columns = d
        .script("return document.querySelectorAll('table.ranking thead th').length;")
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(columns >= 30, "{columns} columns");
    // Under the print stylesheet, at the width of an A4 landscape page (297 mm less the
    // margins, 96 px to the inch), the widest table fits: nothing is cut off.
    d.set_window_size(1062, 800).unwrap();
    d.script("return 0;").unwrap();
    let fits = emulate_print(&d);
    assert!(fits <= 1.0, "the ranking is {fits} px wider than the page");
    d.set_window_size(1440, 1000).unwrap();
    d.goto(&ranking).unwrap();
    let pdf = d.print_pdf().unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert!(pdf.len() > 20_000, "a real document: {} bytes", pdf.len());
    let pdf_path = shots.join("ranking.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let pdf_file = pdf_path.to_str().unwrap();
    if let Some(info) = tool("pdfinfo", &[pdf_file]) {
        let pages: u32 = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap();
        assert!((1..=4).contains(&pages), "{info}");
        let size = info
            .lines()
            .find_map(|l| l.strip_prefix("Page size:"))
            .unwrap();
        let dims: Vec<f64> = size
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(dims[0] > dims[1], "landscape: {size}");
    }
    if let Some(text) = tool("pdftotext", &["-layout", pdf_file, "-"]) {
        let flat: String = text.split_whitespace().collect();
        assert!(flat.contains("晨光旗舰店·2026-11-10–2026-11-12"), "{text}");
        assert!(text.contains("客服排名"), "the title");
        assert!(
            !text.contains("退出") && !text.contains("工作清单"),
            "no menu: {text}"
        );
        for account in ["Lily", "七七", "小美", "阿强", "老王"] {
            assert!(text.contains(account), "{account} printed");
        }
    }
    // The first page as a picture, to look at.
    let _ = Command::new("pdftoppm")
        .args(["-png", "-r", "70", "-f", "1", "-l", "1", pdf_file])
        .arg(shots.join("ranking-print"))
        .status();

    // 6. QA: the task is on the reviewer's own list.
    assert!(login(&d, &base, "qa", "qa-password-1"));
    d.goto(&format!("{base}/qa/assignments?lang=zh-CN"))
        .unwrap();
    let mine = main_part(&d);
    let own = &mine[..mine.find("生成抽检任务").unwrap_or(mine.len())];
    assert!(
        own.contains("buyer_new1") && own.contains("已送质检"),
        "{mine}"
    );

    // 7. An agent's view: her own start page and chats, no 送质检.
    assert!(login(&d, &base, "lily", "lily-password-1"));
    d.goto(&format!("{base}/?days=7&lang=zh-CN")).unwrap();
    let own = main_part(&d);
    assert!(
        own.contains("我的排名") && own.contains("团队平均") && !own.contains("七七"),
        "{own}"
    );
    both_widths(&d, &shots, "morning-agent-start");
    d.goto(&format!(
        "{base}/reception?store={STORE}&account=晨光旗舰店:Lily&buyer=buyer_new2&day=2026-11-14&lang=zh-CN"
    ))
    .unwrap();
    let chat = main_part(&d);
    assert!(
        chat.contains("有货吗") && !chat.contains("送质检"),
        "{chat}"
    );
}

/// Switches the page to the print stylesheet (DevTools `Emulation.setEmulatedMedia`) and
/// answers how much wider than the window the widest ranking table is.
fn emulate_print(d: &Driver) -> f64 {
    d.cdp(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"media": "print"}),
    )
    .unwrap();
    let over = d
        .script(
            "let w = 0; for (const t of document.querySelectorAll('table.ranking')) \
             { w = Math.max(w, t.getBoundingClientRect().right); } \
             return w - document.documentElement.clientWidth;",
        )
        .unwrap()
        .as_f64()
        .unwrap();
    d.cdp(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"media": ""}),
    )
    .unwrap();
    over
}
