//! An agent working their list in headless Chromium, through `kefu serve` (issue 16, "Done
//! when"): the agent Lily signs in and sees her own unpaid orders only, marks one contacted,
//! and the status is still there after a reload; the supervisor sees every item and gives one
//! of Lily's to 小美, after which Lily no longer has it. Screenshots at 1440 and 390 px under
//! the target directory's `tmp/screenshots/worklists-*.png`.

mod support;

use support::app::{
    add_users, arrive, both_widths, browser_skipped, import_into, login, main_part, serve, shots,
};
use support::webdriver::Driver;

/// The status shown in the row of `order` (its select's chosen option), or "" without a row.
fn status_of(d: &Driver, order: &str) -> String {
    d.script(&format!(
        "for (const tr of document.querySelectorAll('#items > tbody > tr')) {{
           if (tr.cells[2] && tr.cells[2].textContent === '{order}') {{
             const s = tr.querySelector('select[name=status]');
             return s ? s.value : '';
           }}
         }}
         return '';"
    ))
    .ok()
    .and_then(|v| v.as_str().map(str::to_string))
    .unwrap_or_default()
}

/// Sets `field` (`status` or `owner`) of the row of `order` and submits that row's form.
fn submit_row(d: &Driver, order: &str, field: &str, value: &str) {
    let done = d
        .script(&format!(
            "for (const tr of document.querySelectorAll('#items > tbody > tr')) {{
               if (tr.cells[2] && tr.cells[2].textContent === '{order}') {{
                 const s = tr.querySelector('select[name={field}]');
                 if (!s) return false;
                 s.value = '{value}';
                 s.form.querySelector('button[type=submit]').click();
                 return true;
               }}
             }}
             return false;"
        ))
        .unwrap();
    assert_eq!(
        done,
        serde_json::Value::Bool(true),
        "no {field} for {order}"
    );
}

/// The orders of the list shown, in order.
fn orders(d: &Driver) -> Vec<String> {
    let v = d
        .script(
            "return Array.from(document.querySelectorAll('#items > tbody > tr'))
               .filter(tr => tr.cells.length > 2).map(tr => tr.cells[2].textContent);",
        )
        .unwrap();
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// At a phone's width (390 px) every row's controls — the status and owner choices and their
/// buttons — lie inside the screen, without scrolling sideways, and under the item's facts
/// (a card per item), each at least 30 px tall for a finger. Leaves the window at 1440 px.
fn actions_reachable_on_a_phone(d: &Driver) {
    d.set_window_size(390, 1000).unwrap();
    let url = d.url().unwrap();
    d.goto(&url).unwrap();
    let bad = d
        .script(
            "const out = [];
             for (const tr of document.querySelectorAll('#items > tbody > tr')) {
               const facts = tr.cells[tr.cells.length - 2].getBoundingClientRect();
               const controls = tr.querySelectorAll('td.actions select, td.actions button');
               if (controls.length === 0) out.push(tr.cells[2].textContent + ': no controls');
               for (const c of controls) {
                 const r = c.getBoundingClientRect();
                 if (r.left < 0 || r.right > window.innerWidth + 0.5)
                   out.push(tr.cells[2].textContent + ': ' + c.name + ' at ' + r.left + '–' + r.right);
                 if (r.top < facts.bottom - 0.5)
                   out.push(tr.cells[2].textContent + ': ' + c.name + ' beside the item, not under it');
                 if (r.height < 30)
                   out.push(tr.cells[2].textContent + ': ' + c.name + ' ' + r.height + ' px tall');
               }
             }
             return out.join('\\n');",
        )
        .unwrap();
    assert_eq!(bad.as_str(), Some(""), "{bad}");
    d.set_window_size(1440, 1000).unwrap();
    d.goto(&url).unwrap();
}

#[test]
fn an_agent_works_their_list_and_a_supervisor_reassigns() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("k.db");
    let db = db_path.to_str().unwrap();
    // Three unpaid orders: amy's served by 小美, bob's and cat's by Lily; each past its first
    // reminder time (15 min after creation) by the store's last event, 14:31.
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("messages.csv"),
        "time,buyer,account,sender,text\n\
         2026-11-11 12:00:00,amy,晨光旗舰店:小美,buyer,这个有货吗\n\
         2026-11-11 12:02:00,amy,晨光旗舰店:小美,agent,有的\n\
         2026-11-11 13:00:00,bob,晨光旗舰店:Lily,buyer,能便宜点吗\n\
         2026-11-11 13:01:00,bob,晨光旗舰店:Lily,agent,已经是最低价了\n\
         2026-11-11 13:20:00,cat,晨光旗舰店:Lily,buyer,什么时候发货\n\
         2026-11-11 13:21:00,cat,晨光旗舰店:Lily,agent,48小时内\n\
         2026-11-11 14:30:00,dan,晨光旗舰店:小美,buyer,在吗\n\
         2026-11-11 14:31:00,dan,晨光旗舰店:小美,agent,在的\n",
    )
    .unwrap();
    std::fs::write(
        input.join("orders.csv"),
        "order_id,buyer,created_at,amount,paid_at,closed_at\n\
         O-A,amy,2026-11-11 12:10:00,199.00,,\n\
         O-B,bob,2026-11-11 13:05:00,88.00,,\n\
         O-C,cat,2026-11-11 13:25:00,66.00,,\n",
    )
    .unwrap();
    import_into(&db_path, &input);
    add_users(
        db,
        &[
            ("supervisor", "sup", ["--store", "晨光旗舰店"]),
            ("agent", "lily", ["--account", "晨光旗舰店:Lily"]),
        ],
    );
    let (_server, base) = serve(&db_path);
    let shots = shots();

    // Lily: her two orders, not 小美's.
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    assert!(login(&d, &base, "lily", "lily-password-1"));
    d.goto(&format!("{base}/worklists?lang=zh-CN")).unwrap();
    assert_eq!(orders(&d), ["O-B", "O-C"], "{}", main_part(&d));
    let page = main_part(&d);
    assert!(
        !page.contains("amy") && page.contains("下单未付款"),
        "{page}"
    );
    // An agent has no reassigning.
    assert!(!page.contains("name=\"owner\""), "{page}");
    assert_eq!(status_of(&d, "O-B"), "open");
    both_widths(&d, &shots, "worklists-agent");
    actions_reachable_on_a_phone(&d);

    // She reminds bob and notes it: the status sticks, on a fresh load too.
    submit_row(&d, "O-B", "status", "contacted");
    d.wait_for("the saved status", |d| status_of(d, "O-B") == "contacted")
        .unwrap_or_else(|e| panic!("{e}\n{}", main_part(&d)));
    d.goto(&format!("{base}/worklists?lang=zh-CN")).unwrap();
    assert_eq!(status_of(&d, "O-B"), "contacted", "{}", main_part(&d));
    assert_eq!(status_of(&d, "O-C"), "open");
    // Do-not-contact for cat, in English this time.
    d.goto(&format!("{base}/worklists?lang=en")).unwrap();
    submit_row(&d, "O-C", "status", "do_not_contact");
    d.wait_for("the second status", |d| {
        status_of(d, "O-C") == "do_not_contact"
    })
    .unwrap();
    assert!(main_part(&d).contains("Unpaid"), "{}", main_part(&d));

    // The supervisor: every item, Lily's status as she left it; gives cat to 小美.
    let s = Driver::start().expect("a second browser");
    assert!(login(&s, &base, "sup", "sup-password-1"));
    s.goto(&format!("{base}/worklists?lang=zh-CN")).unwrap();
    assert_eq!(orders(&s), ["O-A", "O-B", "O-C"], "{}", main_part(&s));
    assert_eq!(status_of(&s, "O-B"), "contacted");
    both_widths(&s, &shots, "worklists-supervisor");
    actions_reachable_on_a_phone(&s);
    submit_row(&s, "O-C", "owner", "晨光旗舰店:小美");
    arrive(&s, "/worklists");
    s.wait_for("the new owner", |d| {
        d.script(
            "for (const tr of document.querySelectorAll('#items > tbody > tr'))
               if (tr.cells[2] && tr.cells[2].textContent === 'O-C') return tr.cells[3].textContent;
             return '';",
        )
        .is_ok_and(|v| v == "晨光旗舰店:小美")
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", main_part(&s)));

    // Lily's list now holds bob's order only.
    d.goto(&format!("{base}/worklists?lang=zh-CN")).unwrap();
    assert_eq!(orders(&d), ["O-B"], "{}", main_part(&d));
}
