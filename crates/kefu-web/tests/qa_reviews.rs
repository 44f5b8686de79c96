// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Manual reviews through the router: drawing assignments, reviewing, who sees which review,
//! one appeal per review, scores that change only by an accepted appeal, calibration with
//! its agreement figure, the case library and the summary.

mod support;

use std::path::Path;

use axum::http::{StatusCode, header};
use kefu_core::model::NameId;
use kefu_core::time::Day;
use kefu_store::{Db, UserRole};
use support::*;

struct Ids {
    store: i64,
    lily_account: NameId,
    qa: i64,
    sup: i64,
}

/// The sample store with lily linked to 晨光旗舰店:Lily, amy (another agent) to 小美, and qa
/// reviewing the store.
fn people(path: &Path) -> Ids {
    let db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    let accounts = db.accounts(store.id).unwrap();
    let id = |n: &str| accounts.iter().find(|a| a.name == n).unwrap().id;
    let lily = db.user("lily").unwrap().unwrap();
    db.link_account(&lily, store.id, id("晨光旗舰店:Lily"))
        .unwrap();
    let amy = db.create_user("amy", UserRole::Agent, PW).unwrap();
    db.link_account(&amy, store.id, id("晨光旗舰店:小美"))
        .unwrap();
    let qa = db.user("qa").unwrap().unwrap();
    db.assign_store(&qa, store.id).unwrap();
    Ids {
        store: store.id,
        lily_account: id("晨光旗舰店:Lily"),
        qa: db.user("qa").unwrap().unwrap().id,
        sup: db.user("sup").unwrap().unwrap().id,
    }
}

/// The weakness answers of the tests: greeting `greeting`, polite 4/5, accuracy 8/10, the
/// rest yes or N/A. Weights (see qa/scorecard.toml): greeting 1, polite 2, no_taboo 2,
/// accuracy 3, understood 1, on_platform 2, closing 1 apply (12); wait_apology, follow_up,
/// recommend and payment_reminder are N/A.
/// With greeting no: 100 × (0 + 2·0.75 + 2 + 3·0.8 + 1 + 2 + 1) / 12 = 100 × 9.9 / 12 = 82.5%.
fn weakness_answers(greeting: &str) -> String {
    format!(
        "item_greeting={greeting}&item_polite=4&item_no_taboo=yes&item_wait_apology=na\
         &item_accuracy=8&item_understood=yes&item_follow_up=na&item_recommend=na\
         &item_payment_reminder=na&item_on_platform=yes&item_closing=yes"
    )
}

#[tokio::test]
async fn review_flow_permissions_appeal_once_and_summary() {
    let (_dir, path, app) = setup(false);
    let ids = people(&path);
    let (sup, sup_csrf) = login(&app, "sup").await;
    let page = get(&app, "/qa/assignments", &sup).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("生成抽检任务"));
    assert!(
        page.body
            .contains(&format!("name=\"reviewer\" value=\"{}\"", ids.qa))
    );
    // The agents are no weakness reviewers: only among the strength ones.
    let form = format!(
        "csrf={sup_csrf}&store={}&day=2026-11-12&kind=weakness&goal=2&mode=weighted&account={}&reviewer={}",
        enc(STORE),
        ids.lily_account,
        ids.qa
    );
    let res = post(&app, "/qa/assignments", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert!(to.contains("added=2"), "{to}");
    // Without the token nothing happens.
    let res = post(&app, "/qa/assignments", &sup, &form.replace(&sup_csrf, "x")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // An agent cannot draw.
    let (lily, lily_csrf) = login(&app, "lily").await;
    let res = post(
        &app,
        "/qa/assignments",
        &lily,
        &form.replace(&sup_csrf, &lily_csrf),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let mine = Db::open(&path).unwrap().qa_my_assignments(ids.qa).unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|a| a.reception.account == ids.lily_account
        && a.period.from == Day::parse("2026-11-09").unwrap()));
    let (qa, qa_csrf) = login(&app, "qa").await;
    let list = get(&app, "/qa/assignments", &qa).await;
    assert!(list.body.contains(&format!("/qa/review?id={}", mine[0].id)));
    let page = get(&app, &format!("/qa/review?id={}", mine[0].id), &qa).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("class=\"transcript\""));
    assert!(page.body.contains("name=\"item_greeting\""));
    // amy (another agent) does not see an assignment on Lily's chat.
    let (amy, amy_csrf) = login(&app, "amy").await;
    let res = get(&app, &format!("/qa/review?id={}", mine[0].id), &amy).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // A weakness review needs a note; then it is recorded once.
    let base = format!(
        "csrf={qa_csrf}&id={}&{}",
        mine[0].id,
        weakness_answers("no")
    );
    let res = post(&app, "/qa/review", &qa, &base).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("改进建议"));
    let res = post(
        &app,
        "/qa/review",
        &qa,
        &format!("{base}&item_polite=9&note=x"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let full = format!(
        "{base}&note={}&training_topic={}&tags={}",
        enc("开场先问候"),
        enc("欢迎语规范"),
        enc("问候,空调")
    );
    let res = post(&app, "/qa/review", &qa, &full).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = post(&app, "/qa/review", &qa, &full).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    // Only the assigned reviewer may review.
    let other = format!(
        "csrf={sup_csrf}&id={}&{}&note=x",
        mine[1].id,
        weakness_answers("yes")
    );
    assert_eq!(
        post(&app, "/qa/review", &sup, &other).await.status,
        StatusCode::NOT_FOUND
    );
    let second = format!(
        "csrf={qa_csrf}&id={}&{}&note=ok",
        mine[1].id,
        weakness_answers("yes")
    );
    assert_eq!(
        post(&app, "/qa/review", &qa, &second).await.status,
        StatusCode::SEE_OTHER
    );

    let from = Day::parse("2026-11-09").unwrap();
    let to = Day::parse("2026-11-15").unwrap();
    let scores = |p: &Path| Db::open(p).unwrap().qa_scores(ids.store, from, to).unwrap();
    // 82.5 and, with greeting yes, 100 × 10.9 / 12 = 90.833…: mean 86.666…
    let s = scores(&path);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, ids.lily_account);
    assert!(
        (s[0].1 - (82.5 + 1090.0 / 12.0) / 2.0).abs() < 1e-9,
        "{s:?}"
    );

    // Lily sees both with the appeal button; amy sees neither.
    let mine_page = get(&app, "/qa/reviews", &lily).await;
    assert!(mine_page.body.contains("82.5%"), "{}", mine_page.body);
    assert!(mine_page.body.contains("90.8%"));
    assert_eq!(mine_page.body.matches("action=\"/qa/appeal").count(), 2);
    let amy_page = get(&app, "/qa/reviews", &amy).await;
    assert_eq!(amy_page.status, StatusCode::OK);
    assert!(!amy_page.body.contains("82.5%") && !amy_page.body.contains("开场先问候"));

    let reviews = Db::open(&path)
        .unwrap()
        .qa_reviews(ids.store, &Default::default())
        .unwrap();
    let first = reviews.iter().find(|r| r.score == Some(82.5)).unwrap().id;
    let second = reviews.iter().find(|r| r.score != Some(82.5)).unwrap().id;
    // amy may not appeal Lily's review; Lily may, once.
    let appeal =
        |csrf: &str, review: i64| format!("csrf={csrf}&review={review}&reason={}", enc("我有问候"));
    assert_eq!(
        post(&app, "/qa/appeal", &amy, &appeal(&amy_csrf, first))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, "/qa/appeal", &lily, &appeal(&lily_csrf, first))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let again = post(&app, "/qa/appeal", &lily, &appeal(&lily_csrf, first)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("只能申诉一次"));
    assert_eq!(
        post(&app, "/qa/appeal", &lily, &appeal(&lily_csrf, second))
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Neither the agent nor QA decides; the supervisor does.
    let decide = |csrf: &str, review: i64, d: &str, score: &str| {
        format!(
            "csrf={csrf}&review={review}&decision={d}&comment={}&new_score={score}",
            enc("已核实")
        )
    };
    assert_eq!(
        post(
            &app,
            "/qa/decide",
            &lily,
            &decide(&lily_csrf, first, "accept", "100")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            &app,
            "/qa/decide",
            &qa,
            &decide(&qa_csrf, first, "accept", "100")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let open = get(&app, "/qa/reviews", &sup).await;
    assert!(open.body.contains("待处理申诉: 2"), "{}", open.body);
    // Rejected: the score stays.
    assert_eq!(
        post(
            &app,
            "/qa/decide",
            &sup,
            &decide(&sup_csrf, first, "reject", "100")
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let s = scores(&path);
    assert!(
        (s[0].1 - (82.5 + 1090.0 / 12.0) / 2.0).abs() < 1e-9,
        "{s:?}"
    );
    // Decided once only.
    assert_eq!(
        post(
            &app,
            "/qa/decide",
            &sup,
            &decide(&sup_csrf, first, "accept", "100")
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    // Accepted with 93.5: the mean becomes (82.5 + 93.5) / 2 = 88.0.
    assert_eq!(
        post(
            &app,
            "/qa/decide",
            &sup,
            &decide(&sup_csrf, second, "accept", "93.5")
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(scores(&path), vec![(ids.lily_account, 88.0)]);
    let lily_page = get(&app, "/qa/reviews", &lily).await;
    assert!(
        lily_page.body.contains("90.8% → 93.5%"),
        "{}",
        lily_page.body
    );
    assert!(lily_page.body.contains("已驳回") && lily_page.body.contains("已通过"));
    assert!(!lily_page.body.contains("action=\"/qa/appeal"));

    // The summary: Lily's week at 88.0%, greeting the weakest item (0 + 1) / 2 = 50%.
    let sum = get(
        &app,
        &format!("/qa/summary?store={}&day=2026-11-12", enc(STORE)),
        &sup,
    )
    .await;
    assert_eq!(sum.status, StatusCode::OK);
    assert!(
        sum.body
            .contains("<td>晨光旗舰店:Lily</td><td>2</td><td class=\"qa-score\">88.0%</td>"),
        "{}",
        sum.body
    );
    assert!(sum.body.contains("首次接待有欢迎语 50%"));
    assert!(sum.body.contains("2026-11-02: -"));
    // Workload: qa did 2 of a goal of 2.
    assert!(
        sum.body
            .contains("<tr><td>qa</td><td>2</td><td>2</td><td>2</td></tr>")
    );
    // Issue 14 item 6: the week shown is this period (本期, the one holding the last day with
    // data, which tasks are drawn for), said on the summary and on its workload; the trend is
    // a chart (the current week's column 88, the weeks before without reviews empty); the
    // summary downloads.
    assert!(
        sum.body.contains("2026-11-09 – 2026-11-15</strong> (本期)"),
        "{}",
        sum.body
    );
    assert!(
        sum.body
            .contains("质检工作量 · 本期 2026-11-09 – 2026-11-15")
    );
    let trend = &sum.body[sum.body.find("<td class=\"qa-trend\"").expect("trend cell")..];
    let trend = &trend[..trend.find("</td>").unwrap()];
    assert!(trend.contains("<svg class=\"mini\""), "{trend}");
    assert_eq!(
        trend.matches("<rect").count(),
        1,
        "one week with reviews: {trend}"
    );
    assert!(
        trend.contains(">88</text>") && trend.contains(">11-09</text>"),
        "{trend}"
    );
    assert!(trend.contains("2026-11-02: -"));
    let csv = get(
        &app,
        &format!("/qa/summary?store={}&day=2026-11-12&export=csv", enc(STORE)),
        &sup,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with('\u{FEFF}'), "{}", csv.body);
    assert!(csv.body.contains("晨光旗舰店:Lily,2,0.88,"), "{}", csv.body);
    // The workload of the assignments page is this period's too.
    let tasks = get(&app, &format!("/qa/assignments?store={}", enc(STORE)), &sup).await;
    assert!(
        tasks
            .body
            .contains("质检工作量 · 本期 2026-11-09 – 2026-11-15")
    );
    // An earlier week is labelled by its dates and links back to this period.
    let earlier = get(
        &app,
        &format!("/qa/summary?store={}&day=2026-11-05", enc(STORE)),
        &sup,
    )
    .await;
    assert!(
        earlier
            .body
            .contains("质检工作量 · 2026-11-02 – 2026-11-08")
    );
    assert!(
        earlier
            .body
            .contains("&amp;day=2026-11-15&amp;lang=zh-CN\">本期 2026-11-09 – 2026-11-15</a>"),
        "{}",
        earlier.body
    );
    let by_group = get(
        &app,
        &format!("/qa/summary?store={}&day=2026-11-12&by=group", enc(STORE)),
        &sup,
    )
    .await;
    assert!(
        by_group
            .body
            .contains("<td>售前一组</td><td>2</td><td class=\"qa-score\">88.0%</td>")
    );
    // amy's summary holds nothing of Lily's.
    let amy_sum = get(&app, "/qa/summary?day=2026-11-12", &amy).await;
    assert!(!amy_sum.body.contains("88.0%"));

    // The case library: saved by the supervisor, found by tag, closed to agents.
    let case = format!(
        "csrf={sup_csrf}&review={first}&verdict=bad&tags={}&note={}",
        enc("问候,空调"),
        enc("开场无问候")
    );
    assert_eq!(
        post(&app, "/qa/cases", &sup, &case).await.status,
        StatusCode::SEE_OTHER
    );
    let found = get(&app, &format!("/qa/cases?q={}", enc("空调")), &sup).await;
    assert!(found.body.contains("开场无问候"));
    let none = get(&app, &format!("/qa/cases?q={}", enc("退款")), &sup).await;
    assert!(!none.body.contains("开场无问候"));
    assert_eq!(
        get(&app, "/qa/cases", &lily).await.status,
        StatusCode::FORBIDDEN
    );

    let audit: Vec<String> = Db::open(&path)
        .unwrap()
        .audit_log(100)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "qa.assign",
        "qa.review",
        "qa.appeal",
        "qa.appeal.decide",
        "qa.case",
    ] {
        assert!(audit.iter().any(|a| a == action), "{action}");
    }
    // English throughout.
    let en = get(&app, "/qa/reviews?lang=en", &lily).await;
    assert!(en.body.contains("Appeal") && !en.body.contains("申诉理由"));
}

#[tokio::test]
async fn calibration_shows_alpha_and_never_counts() {
    let (_dir, path, app) = setup(false);
    let ids = people(&path);
    let (sup, sup_csrf) = login(&app, "sup").await;
    let page = get(&app, "/qa/calibration", &sup).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let values: Vec<String> = page
        .body
        .match_indices("name=\"reception\" value=\"")
        .map(|(i, m)| {
            let rest = &page.body[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .take(3)
        .collect();
    assert_eq!(values.len(), 3);
    let card = Db::open(&path).unwrap().qa_scorecards().unwrap()[0].id;
    let form = format!(
        "csrf={sup_csrf}&store={}&name={}&scorecard={card}&reviewer={}&reviewer={}&{}",
        enc(STORE),
        enc("十一月校准"),
        ids.qa,
        ids.sup,
        values
            .iter()
            .map(|v| format!("reception={v}"))
            .collect::<Vec<_>>()
            .join("&")
    );
    let (qa, qa_csrf) = login(&app, "qa").await;
    assert_eq!(
        get(&app, "/qa/calibration", &qa).await.status,
        StatusCode::FORBIDDEN
    );
    let res = post(&app, "/qa/calibration", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let results = res
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();

    let db = Db::open(&path).unwrap();
    let of = |u: i64| {
        let mut v: Vec<_> = db
            .qa_my_assignments(u)
            .unwrap()
            .into_iter()
            .filter(|a| a.calibration_id.is_some())
            .collect();
        v.sort_by_key(|a| a.reception);
        v
    };
    let (qa_list, sup_list) = (of(ids.qa), of(ids.sup));
    assert_eq!((qa_list.len(), sup_list.len()), (3, 3));
    // Blind: qa cannot open the supervisor's calibration assignment.
    assert_eq!(
        get(&app, &format!("/qa/review?id={}", sup_list[0].id), &qa)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // greeting: qa yes, yes, no; sup yes, no, no (everything else the same).
    for (list, sid, csrf, greetings) in [
        (&qa_list, &qa, &qa_csrf, ["yes", "yes", "no"]),
        (&sup_list, &sup, &sup_csrf, ["yes", "no", "no"]),
    ] {
        for (a, g) in list.iter().zip(greetings) {
            let f = format!("csrf={csrf}&id={}&{}", a.id, weakness_answers(g));
            assert_eq!(
                post(&app, "/qa/review", sid, &f).await.status,
                StatusCode::SEE_OTHER
            );
        }
    }
    let page = get(&app, &results, &sup).await;
    assert_eq!(page.status, StatusCode::OK);
    // Nominal alpha of greeting, by hand: units (1,1), (1,0), (0,0); o11 = 2, o10 = o01 = 1,
    // o00 = 2; n1 = n0 = 3, n = 6. D_o = 2/6, D_e = 2·3·3/(6·5) = 3/5, α = 1 − (1/3)/(3/5) = 4/9.
    let row = &page.body[page
        .body
        .find("<tr data-item=\"首次接待有欢迎语\">")
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td class=\"alpha\">0.444</td>"), "{row}");
    assert!(row.contains("<td>0 – 1 (n=2)</td>"));
    // The same on the score (interval): a = 90.833… (greeting yes) or b = 82.5 per review,
    // units (a,a), (a,b), (b,b): with two values δ² is (a − b)² for every disagreeing pair
    // and cancels out of D_o / D_e, so α is again 4/9.
    let score = &page.body[page.body.find("<tr data-item=\"质检得分\">").unwrap()..];
    assert!(score[..score.find("</tr>").unwrap()].contains("<td class=\"alpha\">0.444</td>"));
    // Items everyone answered alike have no variation: no alpha.
    let polite = &page.body[page
        .body
        .find("<tr data-item=\"语气礼貌耐心，无催促反问\">")
        .unwrap()..];
    assert!(polite[..polite.find("</tr>").unwrap()].contains("<td class=\"alpha\">-</td>"));
    // Calibration reviews never count, and cannot be appealed.
    assert!(
        db.qa_scores(ids.store, Day(0), Day(100_000))
            .unwrap()
            .is_empty()
    );
    let list = get(&app, "/qa/calibration", &sup).await;
    assert!(list.body.contains("十一月校准"));
    assert!(list.body.contains("<td>3</td><td>2</td><td>6</td>"));
}

#[tokio::test]
async fn sampling_candidates_of_the_sample_week() {
    let (_dir, path, _app) = setup(false);
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let (from, to) = (
        Day::parse("2026-11-09").unwrap(),
        Day::parse("2026-11-15").unwrap(),
    );
    let settings = kefu_core::settings::Config::default().default.metrics;
    let c = db
        .qa_candidates(store.id, from, to, &settings, &Default::default())
        .unwrap();
    // One candidate per consulted reception of a person (bots left out): the counters agree.
    let accounts = db.accounts(store.id).unwrap();
    let consulted: i64 = db
        .counters_by_account(store.id, from, to)
        .unwrap()
        .iter()
        .filter(|(a, _)| accounts.iter().any(|x| x.id == *a && !x.is_bot))
        .map(|(_, c)| c.get(kefu_core::figures::C::consulted))
        .sum();
    assert_eq!(c.len() as i64, consulted);
    assert!(c.iter().all(|x| !x.signals.flagged));
    // Lily's chat with buyer_0021 was rated 不满意 (2) on 2026-11-10 at 09:29.
    let names = db.names(store.id).unwrap();
    let b21 = names.get("buyer_0021").unwrap();
    let lily = names.get("晨光旗舰店:Lily").unwrap();
    let of_b21: Vec<_> = c
        .iter()
        .filter(|x| x.key.buyer == b21 && x.key.account == lily)
        .collect();
    assert!(!of_b21.is_empty());
    assert!(
        of_b21
            .iter()
            .filter(|x| x.key.day.0 >= Day::parse("2026-11-09").unwrap().0
                && x.key.day <= Day::parse("2026-11-10").unwrap())
            .all(|x| x.signals.low_rating)
    );
    // The sample has lost inquiries and refunds to weigh by.
    assert!(c.iter().any(|x| x.signals.lost_inquiry));
    assert!(c.iter().any(|x| x.signals.refund));
}

#[tokio::test]
async fn scorecards_are_edited_by_admins_as_versions() {
    let (_dir, path, app) = setup(false);
    let (admin, csrf) = login(&app, "admin").await;
    let page = get(&app, "/qa/scorecards", &admin).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<td>劣势检验评分表</td><td>劣势检验</td><td>1</td><td>11</td>")
    );
    let (sup, sup_csrf) = login(&app, "sup").await;
    assert_eq!(
        get(&app, "/qa/scorecards", &sup).await.status,
        StatusCode::FORBIDDEN
    );
    let shipped = kefu_qa::review::DEFAULT_SCORECARDS;
    let res = post(
        &app,
        "/qa/scorecards",
        &sup,
        &format!("csrf={sup_csrf}&source={}", enc(shipped)),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A broken file is refused with its line and field, and shown again.
    let broken = shipped.replacen("weight = 2\n", "weight = 0\n", 1);
    let res = post(
        &app,
        "/qa/scorecards",
        &admin,
        &format!("csrf={csrf}&source={}", enc(&broken)),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body
            .contains("第 33 行，weight：权重必须大于 0 且不超过 1000，不能是 0"),
        "{}",
        res.body
    );
    let res = post(
        &app,
        "/qa/scorecards?lang=en",
        &admin,
        &format!("csrf={csrf}&source={}", enc(&broken)),
    )
    .await;
    assert!(res.body.contains("line 33, `weight`"), "{}", res.body);
    // A changed weight makes version 2 of the weakness card only.
    let edited = shipped.replacen("weight = 2\n", "weight = 3\n", 1);
    let res = post(
        &app,
        "/qa/scorecards",
        &admin,
        &format!("csrf={csrf}&source={}", enc(&edited)),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = get(&app, "/qa/scorecards", &admin).await;
    assert!(
        page.body
            .contains("<td>劣势检验评分表</td><td>劣势检验</td><td>2</td>")
    );
    assert!(
        page.body
            .contains("<td>优势检验评分表</td><td>优势检验</td><td>1</td>")
    );
    let cards = Db::open(&path).unwrap().qa_scorecards().unwrap();
    assert_eq!(cards[0].card.item("polite").unwrap().weight, 3.0);
}

#[tokio::test]
async fn scorecards_are_edited_as_a_form_with_errors_beside_the_field() {
    use kefu_qa::scorecard_form::ScorecardsForm;
    let (_dir, path, app) = setup(false);
    let (admin, csrf) = login(&app, "admin").await;
    let page = get(&app, "/qa/scorecards", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    for label in [
        "评分方式",
        "致命项",
        "加分项",
        "+ 添加评分项",
        "高级：以 TOML 文本编辑",
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    assert!(
        page.body
            .contains("name=\"sc.0.sec.0.item.1.weight\" value=\"2\"")
    );
    let en = get(&app, "/qa/scorecards?lang=en", &admin).await;
    assert!(en.body.contains("Critical") && en.body.contains("+ Add an item"));
    let shipped = kefu_qa::review::DEFAULT_SCORECARDS;
    let post_form = |f: &ScorecardsForm, extra: &str| {
        let mut body = format!("csrf={csrf}&mode=form{extra}");
        for (k, v) in f.to_pairs() {
            body.push_str(&format!("&{}={}", enc(&k), enc(&v)));
        }
        body
    };
    // A weight of 0 is refused next to that weight, in either language; nothing saved.
    let mut f = ScorecardsForm::from_toml(shipped).unwrap();
    f.cards[0].sections[0].items[1].weight = "0".into();
    for (lang, said) in [
        ("zh-CN", "权重必须大于 0 且不超过 1000，不能是 0"),
        ("en", "the weight must be above 0 and at most 1000, not 0"),
    ] {
        let res = post(
            &app,
            &format!("/qa/scorecards?lang={lang}"),
            &admin,
            &post_form(&f, ""),
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let at = res.body.find("name=\"sc.0.sec.0.item.1.weight\"").unwrap();
        let cell = &res.body[at..at + res.body[at..].find("</td>").unwrap()];
        assert!(cell.contains(said), "{lang}: {cell}");
    }
    // An item added: the form again, with an empty row.
    let res = post(
        &app,
        "/qa/scorecards",
        &admin,
        &post_form(&f, "&op=add:0.0.item"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("name=\"sc.0.sec.0.item.4.id\""));
    // Form → TOML: the text the form stands for.
    f.cards[0].sections[0].items[1].weight = "3".into();
    let res = post(
        &app,
        "/qa/scorecards",
        &admin,
        &post_form(&f, "&op=as_toml"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("textarea name=\"source\""));
    assert!(res.body.contains("id = &quot;polite&quot;"));
    // A valid form saves a new version of the changed card only.
    let res = post(&app, "/qa/scorecards", &admin, &post_form(&f, "")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cards = Db::open(&path).unwrap().qa_scorecards().unwrap();
    assert_eq!(cards[0].card.item("polite").unwrap().weight, 3.0);
    assert_eq!((cards[0].version, cards[1].version), (2, 1));
    // TOML → form.
    let res = post(
        &app,
        "/qa/scorecards",
        &admin,
        &format!("csrf={csrf}&op=as_form&source={}", enc(shipped)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body
            .contains("name=\"sc.0.sec.0.item.1.weight\" value=\"2\"")
    );
}

#[tokio::test]
async fn assignments_lean_towards_receptions_rules_flagged() {
    let (_dir, path, app) = setup(false);
    let ids = people(&path);
    let (from, to) = (
        Day::parse("2026-11-09").unwrap(),
        Day::parse("2026-11-15").unwrap(),
    );
    let flagged: Vec<_> = {
        let db = Db::open(&path).unwrap();
        db.qa_run(
            ids.store,
            from,
            to,
            &kefu_qa::rules::RuleSet::default_rules(),
            None,
        )
        .unwrap();
        db.qa_flagged_receptions(ids.store, from, to, None)
            .unwrap()
            .into_iter()
            .filter(|f| f.score < 0)
            .collect()
    };
    assert!(!flagged.is_empty());
    let (sup, csrf) = login(&app, "sup").await;
    let form = format!(
        "csrf={csrf}&store={}&day=2026-11-12&kind=weakness&goal=10&mode=weighted&reviewer={}",
        enc(STORE),
        ids.qa
    );
    assert_eq!(
        post(&app, "/qa/assignments", &sup, &form).await.status,
        StatusCode::SEE_OTHER
    );
    let drawn = Db::open(&path).unwrap().qa_my_assignments(ids.qa).unwrap();
    assert_eq!(drawn.len(), 10);
    // Every assignment marked flagged is one the rules deducted from, and the marks show.
    let marked: Vec<_> = drawn
        .iter()
        .filter(|a| a.signals.split(',').any(|s| s == "flagged"))
        .collect();
    assert!(!marked.is_empty());
    for a in &marked {
        assert!(flagged.iter().any(|f| f.account == a.reception.account
            && f.buyer == a.reception.buyer
            && f.day == a.reception.day));
    }
    let page = get(&app, "/qa/assignments", &sup).await;
    assert!(page.body.contains("自动质检命中"));
}

#[tokio::test]
async fn peers_review_strengths_across_groups() {
    let (_dir, path, app) = setup(false);
    let ids = people(&path);
    let lily_user = Db::open(&path).unwrap().user("lily").unwrap().unwrap().id;
    let (sup, csrf) = login(&app, "sup").await;
    // qa is no peer: strength reviews go to agents only.
    let as_qa = format!(
        "csrf={csrf}&store={}&day=2026-11-12&kind=strength&goal=3&mode=random&reviewer={}",
        enc(STORE),
        ids.qa
    );
    assert_eq!(
        post(&app, "/qa/assignments", &sup, &as_qa).await.status,
        StatusCode::BAD_REQUEST
    );
    let form = format!(
        "csrf={csrf}&store={}&day=2026-11-12&kind=strength&goal=3&mode=random&cross_group=on&reviewer={lily_user}",
        enc(STORE),
    );
    assert_eq!(
        post(&app, "/qa/assignments", &sup, &form).await.status,
        StatusCode::SEE_OTHER
    );
    let db = Db::open(&path).unwrap();
    let drawn = db.qa_my_assignments(lily_user).unwrap();
    assert_eq!(drawn.len(), 3);
    // Lily is in 售前一组: across groups she reads only 老王's and 七七's chats (售前二组).
    let names = db.names(ids.store).unwrap();
    for a in &drawn {
        let account = names.name(a.reception.account);
        assert!(
            account == "晨光旗舰店:老王" || account == "晨光旗舰店:七七",
            "{account}"
        );
    }
    // Lily scores the first: everything top, the upsell bonus earned:
    // (warmth 2·1 + speed 1·1 + problem_solved 2·1 + product_knowledge 2·1 + closing_sale 2·1
    //  + upsell 1·1) / 9 = 10/9 = 111.1%.
    let (lily, lily_csrf) = login(&app, "lily").await;
    let f = format!(
        "csrf={lily_csrf}&id={}&item_warmth=5&item_speed=5&item_problem_solved=yes\
         &item_product_knowledge=5&item_closing_sale=yes&item_upsell=yes&item_turnaround=\
         &note={}&tags={}",
        drawn[0].id,
        enc("主动推荐配件"),
        enc("值得学习")
    );
    let res = post(&app, "/qa/review", &lily, &f).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = get(&app, &format!("/qa/review?id={}", drawn[0].id), &lily).await;
    assert!(page.body.contains("111.1%"), "{}", page.body);
    // She sees the review she wrote, without an appeal button (it is not her chat) …
    let mine = get(&app, "/qa/reviews", &lily).await;
    assert!(mine.body.contains("111.1%") && mine.body.contains("值得学习"));
    assert!(!mine.body.contains("action=\"/qa/appeal"));
    // … and amy, neither its reviewer nor its agent, cannot open it.
    let (amy, _) = login(&app, "amy").await;
    let res = get(&app, &format!("/qa/review?id={}", drawn[0].id), &amy).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // The strength summary: 老王 at 111.1%, the strongest items (all at 100%: ties go by
    // item id, so closing_sale, problem_solved, product_knowledge).
    let sum = get(
        &app,
        &format!("/qa/summary?store={}&day=2026-11-12", enc(STORE)),
        &sup,
    )
    .await;
    assert!(sum.body.contains(
        "<td class=\"text\">促成下单或催付成功 100%；一次性解决买家问题 100%；产品讲解专业清晰 100%</td>"
    ));
}

#[tokio::test]
async fn a_reviewer_who_no_longer_sees_the_store_cannot_submit() {
    let (_dir, path, app) = setup(false);
    let ids = people(&path);
    let (sup, sup_csrf) = login(&app, "sup").await;
    let form = format!(
        "csrf={sup_csrf}&store={}&day=2026-11-12&kind=weakness&goal=1&mode=weighted&account={}&reviewer={}",
        enc(STORE),
        ids.lily_account,
        ids.qa
    );
    let res = post(&app, "/qa/assignments", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let db = Db::open(&path).unwrap();
    let mine = db.qa_my_assignments(ids.qa).unwrap();
    assert_eq!(mine.len(), 1);
    // qa is taken off the store after the draw
    let qa_user = db.user("qa").unwrap().unwrap();
    db.set_user_access(&qa_user, UserRole::Qa, &[], &[])
        .unwrap();
    let (qa, qa_csrf) = login(&app, "qa").await;
    let id = mine[0].id;
    let page = get(&app, &format!("/qa/review?id={id}"), &qa).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let res = post(
        &app,
        "/qa/review",
        &qa,
        &format!("csrf={qa_csrf}&id={id}&{}&note=x", weakness_answers("yes")),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert!(db.qa_assignment(id).unwrap().unwrap().review_id.is_none());
}

/// Issue 14 item 3: from a transcript a supervisor sends the reception to review (a task on
/// the QA task list, audited, once) and adds it to the case library (优秀/反面, tags, note);
/// agents get neither the forms nor the routes.
#[tokio::test]
async fn a_transcript_is_sent_to_review_and_into_the_case_library() {
    let (_dir, path, app) = setup(false);
    let ids = people(&path);
    let (sup, sup_csrf) = login(&app, "sup").await;
    let (account, buyer, day) = ("晨光旗舰店:Lily", "buyer_0291", "2026-11-10");
    let transcript = format!(
        "/reception?store={}&account={}&buyer={buyer}&day={day}",
        enc(STORE),
        enc(account)
    );
    let page = get(&app, &transcript, &sup).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("action=\"/qa/send?lang=zh-CN\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(">送质检</button>"));
    assert!(page.body.contains(">加入案例库</button>"));
    assert!(page.body.contains("<option value=\"good\">优秀</option>"));
    assert!(page.body.contains("<option value=\"bad\">反面</option>"));
    // The reviewers offered: the supervisor (chosen) and the QA reviewer, no agent.
    assert!(page.body.contains(&format!(
        "<option value=\"{}\" selected>sup</option>",
        ids.sup
    )));
    assert!(
        page.body
            .contains(&format!("<option value=\"{}\">qa</option>", ids.qa))
    );
    assert!(!page.body.contains(">lily</option>"));
    let chat = format!(
        "store={}&account={}&buyer={buyer}&day={day}",
        enc(STORE),
        enc(account)
    );
    // 送质检 to the QA reviewer: the task is on their list, marked as sent, once.
    let send = format!("csrf={sup_csrf}&{chat}&reviewer={}", ids.qa);
    let res = post(&app, "/qa/send", &sup, &send).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert!(to.starts_with("/qa/assignments?store="), "{to}");
    assert_eq!(
        post(&app, "/qa/send", &sup, &send).await.status,
        StatusCode::SEE_OTHER
    );
    let db = Db::open(&path).unwrap();
    let tasks = db.qa_assignments(ids.store, Some(ids.qa), None).unwrap();
    assert_eq!(tasks.len(), 1, "one task, however often it is sent");
    let t = &tasks[0];
    assert_eq!(
        (t.reception.account, t.reception.day, t.signals.as_str()),
        (ids.lily_account, Day::parse(day).unwrap(), "sent")
    );
    assert!(t.period.contains(t.reception.day));
    let audits = db
        .audit_log(1000)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "qa.send")
        .count();
    assert_eq!(audits, 1);
    drop(db);
    let (qa, _) = login(&app, "qa").await;
    let list = get(&app, "/qa/assignments", &qa).await;
    assert!(list.body.contains(buyer), "{}", list.body);
    assert!(list.body.contains("已送质检"));
    // To oneself by default; an agent cannot be the reviewer, and an unknown user neither.
    let mine = format!("csrf={sup_csrf}&{chat}");
    assert_eq!(
        post(&app, "/qa/send", &sup, &mine).await.status,
        StatusCode::SEE_OTHER
    );
    let db = Db::open(&path).unwrap();
    assert_eq!(
        db.qa_assignments(ids.store, Some(ids.sup), None)
            .unwrap()
            .len(),
        1
    );
    let lily_id = db.user("lily").unwrap().unwrap().id;
    drop(db);
    for reviewer in [lily_id, 999_999] {
        let res = post(
            &app,
            "/qa/send",
            &sup,
            &format!("csrf={sup_csrf}&{chat}&reviewer={reviewer}"),
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{reviewer}");
    }
    // 加入案例库: listed with its verdict, tags and note, as a reception nobody reviewed.
    let case = format!(
        "csrf={sup_csrf}&{chat}&verdict=bad&tags={}&note={}",
        enc("催付，流失"),
        enc("没有催付就结束了")
    );
    let res = post(&app, "/qa/cases/chat", &sup, &case).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cases = get(&app, "/qa/cases", &sup).await;
    assert!(cases.body.contains("没有催付就结束了"), "{}", cases.body);
    assert!(cases.body.contains("<td>反面</td>"));
    assert!(cases.body.contains("接待（未评审）"));
    assert!(cases.body.contains(buyer));
    let found = get(&app, &format!("/qa/cases?q={}", enc("流失")), &sup).await;
    assert!(found.body.contains("没有催付就结束了"));
    // An agent: no forms on the transcript, and the routes refuse.
    let (lily, lily_csrf) = login(&app, "lily").await;
    let page = get(&app, &transcript, &lily).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/qa/send") && !page.body.contains("/qa/cases/chat"));
    for route in ["/qa/send", "/qa/cases/chat"] {
        let res = post(&app, route, &lily, &format!("csrf={lily_csrf}&{chat}")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{route}");
    }
    // A buyer with no such reception is missing.
    let res = post(
        &app,
        "/qa/cases/chat",
        &sup,
        &format!(
            "csrf={sup_csrf}&store={}&account={}&buyer=nobody&day={day}",
            enc(STORE),
            enc(account)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
