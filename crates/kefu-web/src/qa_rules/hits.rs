//! /qa/hits, /qa/run, /qa/reception

use super::*;

/// Monday of the week of `d` (1970-01-01 was a Thursday).
pub(super) fn monday(d: Day) -> Day {
    d.offset(-(d.0 + 3).rem_euclid(7))
}

/// The week or month around `date`.
pub fn period(month: bool, date: Day) -> (Day, Day) {
    if month {
        let (y, m, _) = date.ymd();
        let first = Day::from_ymd(y, m, 1).unwrap_or(date);
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next = Day::from_ymd(ny, nm, 1).unwrap_or(date.offset(1));
        (first, next.offset(-1))
    } else {
        let from = monday(date);
        (from, from.offset(6))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    Account,
    Group,
    Store,
}

/// What `/qa/hits` and `/api/v1/qa/hits` show.
pub(crate) struct HitsData {
    pub(crate) allowed: StoreScope,
    pub(crate) rules: RulesInForce,
    pub(crate) from: Day,
    pub(crate) to: Day,
    pub(crate) month: bool,
    pub(crate) by: By,
    pub(crate) table: HitTable,
    /// The period before, summed over the rows shown: the trend.
    pub(crate) previous: (Day, Day, HitRow),
    /// Each rule over the rows shown, most severe first, then the highest rate.
    pub(crate) rates: Vec<kefu_qa::rules::RuleRate>,
    /// Whether any run covered the period.
    pub(crate) ran: bool,
    pub(crate) listed: Option<Vec<Listed>>,
}

/// A reception listed under a figure.
pub(crate) struct Listed {
    pub(crate) day: Day,
    pub(crate) account: String,
    pub(crate) buyer: String,
    pub(crate) score: i64,
    pub(crate) rules: u32,
    pub(crate) worst: Severity,
}

pub(super) fn hits_link(store: &str, month: bool, date: Day, by: By, extra: &str) -> String {
    format!(
        "/qa/hits?store={}&period={}&date={date}&by={}{extra}",
        url(store),
        if month { "month" } else { "week" },
        match by {
            By::Account => "account",
            By::Group => "group",
            By::Store => "store",
        }
    )
}

pub(crate) fn load_hits(db: &Db, user: &User, q: &QaParams) -> Result<HitsData, WebError> {
    let allowed = first_store(db, user, q.store.as_deref())?;
    let month = q.period.as_deref() != Some("week");
    let last = allowed.day_span(db)?.map_or(Day::of(0), |(_, last)| last);
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Day::parse(d).ok_or_else(|| {
            WebError::invalid(
                format!("`date` 不是 YYYY-MM-DD 格式的日期：`{d}`"),
                format!("`date` is not a YYYY-MM-DD day: `{d}`"),
            )
        })?,
        None => last,
    };
    let (from, to) = period(month, date);
    let everything = allowed.whole();
    let by = match (q.by.as_deref(), everything) {
        (Some("group"), true) => By::Group,
        (Some("store"), true) => By::Store,
        _ => By::Account,
    };
    let rules = allowed.rules_in_force(db)?;
    let names = allowed.names(db)?;
    let accounts = allowed.roster(db)?;
    let group_of = |id: NameId| -> String {
        accounts
            .iter()
            .find(|a| a.id == id)
            .and_then(|a| a.group.clone())
            .unwrap_or_default()
    };
    let key = |id: NameId| -> String {
        match by {
            By::Account => names.name(id).to_string(),
            By::Group => group_of(id),
            By::Store => allowed.name().to_string(),
        }
    };
    let visible = |id: NameId| allowed.rows().account(id);
    let rule_ids: Vec<String> = rules
        .set
        .rules()
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.id.clone())
        .collect();
    // Rows × rules over a range, from the stored hits of the accounts the user sees.
    let table_of = |from: Day, to: Day| -> Result<HitTable, WebError> {
        let mut receptions: Vec<(String, u64)> = Vec::new();
        for (id, n) in allowed.rule_receptions(db, from, to)? {
            if !visible(id) {
                continue;
            }
            let k = key(id);
            match receptions.iter_mut().find(|(x, _)| *x == k) {
                Some(row) => row.1 += n,
                None => receptions.push((k, n)),
            }
        }
        let counts: Vec<HitCount> = allowed
            .hit_counts(db, from, to)?
            .into_iter()
            .filter(|c| visible(c.account))
            .map(|c| HitCount {
                key: key(c.account),
                rule: c.rule,
                hits: c.hits,
                score: c.score,
            })
            .collect();
        Ok(HitTable::build(rule_ids.clone(), &receptions, &counts))
    };
    let table = table_of(from, to)?;
    let ran = !table.rows.is_empty();
    let (prev_from, prev_to) = period(month, from.offset(if month { -1 } else { -7 }));
    let previous = table_of(prev_from, prev_to)?.total("");
    let severity = |id: &str| {
        rules
            .set
            .rules()
            .iter()
            .find(|r| r.id == id)
            .map_or(Severity::Low, |r| r.severity)
    };
    let rates = kefu_qa::rules::by_rule(&table, severity, &table.total(""), &previous);
    let listed = match q.rule.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(rule) => {
            let only = q.account.as_deref().filter(|a| !a.is_empty());
            let mut rows = Vec::new();
            for f in allowed.flagged(db, from, to, Some(rule))? {
                let account = names.name(f.account);
                if !visible(f.account)
                    || only.is_some_and(|a| a != account && a != group_of(f.account))
                {
                    continue;
                }
                rows.push(Listed {
                    day: f.day,
                    account: account.to_string(),
                    buyer: names.name(f.buyer).to_string(),
                    score: f.score,
                    rules: f.rules,
                    worst: f.worst,
                });
                if rows.len() >= MAX_LISTED {
                    break;
                }
            }
            Some(rows)
        }
    };
    Ok(HitsData {
        allowed,
        rules,
        from,
        to,
        month,
        by,
        table,
        previous: (prev_from, prev_to, previous),
        rates,
        ran,
        listed,
    })
}

pub(super) fn rate_cell(hits: u64, receptions: u64) -> String {
    per_100(hits, receptions).map_or(String::new(), |x| format!("{x:.1}"))
}

/// `GET /qa/hits?store=&period=week|month&date=&by=account|group|store[&rule=&account=]`.
pub async fn hits_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let export = match table::requested(q.export.as_deref()) {
        Ok(f) => f,
        Err(e) => return error_page(lang, &user, e),
    };
    let cu = user.session.user.clone();
    let rule = q.rule.clone();
    let table_id = q.table.clone();
    let data = state.db(move |db| load_hits(db, &cu, &q)).await;
    let d = match data {
        Ok(d) => d,
        Err(e) => return error_page(lang, &user, e),
    };
    let here = hits_link(d.allowed.name(), d.month, d.from, d.by, "");
    let tables = hit_tables(lang, &d);
    if let Some(format) = export {
        let name = format!("qa-hits-{}-{}", d.from, d.to);
        return table::download(&tables, table_id.as_deref(), format, &name)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    let body = hits_body(lang, &user, &d, &tables, rule.as_deref());
    frame(lang, &user, StatusCode::OK, S::AutoHits, &here, body)
}

/// A rule's title in the page's language (its id for a rule no longer in the set).
fn rule_title(d: &HitsData, en: bool, id: &str) -> String {
    d.rules
        .set
        .rules()
        .iter()
        .find(|r| r.id == id)
        .map_or(id, |r| r.title(en))
        .to_string()
}

/// The tables of `/qa/hits`, for the page and its downloads: each rule over the rows shown
/// (`rules`: most severe first, then the highest rate), and rows × rules (`matrix`, rules in
/// the rule set's order). Every figure is hits per 100 receptions; points are never summed.
pub(crate) fn hit_tables(lang: Lang, d: &HitsData) -> Vec<Table> {
    let en = lang == Lang::En;
    let store = d.allowed.name();
    let lq = format!("&lang={}", lang.code());
    let rule_title = |id: &str| rule_title(d, en, id);
    let rate = |v: Option<f64>| Cell::text(v.map_or(String::new(), |x| format!("{x:.1}")));
    let num = |c: Cell| c.classed("num", None);
    let mut rules = Table::new(
        "rules",
        lang.t("按规则", "By rule"),
        vec![
            Column::new(lang.t("规则", "Rule")),
            Column::new(lang.t("严重度", "Severity")),
            Column::new(lang.t("命中次数", "Hits")),
            Column::new(lang.s(S::AutoPer100)),
            Column::new(format!(
                "{}（{} – {}）",
                lang.t("上期每百接待命中", "Per 100, period before"),
                d.previous.0,
                d.previous.1
            )),
        ],
    );
    let t = &d.table;
    // The matrix keeps the rule set's order, as the rules page lists them.
    let order: Vec<usize> = (0..t.rules.len()).collect();
    let listed_link = |key: Option<&str>, id: &str| {
        let filter = key.map_or(String::new(), |k| format!("&account={}", url(k)));
        hits_link(
            store,
            d.month,
            d.from,
            d.by,
            &format!("&rule={}{filter}", url(id)),
        ) + &lq
    };
    for r in &d.rates {
        rules.rows.push(vec![
            Cell::text(rule_title(&r.rule))
                .linked((r.hits > 0).then(|| listed_link(None, &r.rule))),
            Cell::text(severity_name(lang, r.severity)),
            num(Cell::new(Content::Count(r.hits as i64))),
            num(rate(r.per_100)),
            num(rate(r.previous_per_100)),
        ]);
    }
    let first = lang.s(match d.by {
        By::Account => S::Account,
        By::Group => S::Group,
        By::Store => S::Store,
    });
    let mut columns = vec![Column::new(first), Column::of(lang, S::ReceptionCount)];
    columns.extend(order.iter().map(|&i| Column::new(rule_title(&t.rules[i]))));
    let mut matrix = Table::new(
        "matrix",
        format!("{} · {}", lang.s(S::AutoPer100), first),
        columns,
    );
    let total = t.total(lang.s(S::WholeStore));
    let mut rows: Vec<(&HitRow, bool)> = t.rows.iter().map(|r| (r, false)).collect();
    if d.allowed.whole() && d.by != By::Store && !t.rows.is_empty() {
        rows.push((&total, true));
    }
    for (r, is_total) in rows {
        let key = (!is_total && d.by != By::Store).then_some(r.key.as_str());
        let mut row = vec![
            Cell::text(if r.key.is_empty() {
                lang.s(S::NoGroup).to_string()
            } else {
                r.key.clone()
            }),
            num(Cell::new(Content::Count(r.receptions as i64))),
        ];
        for &i in &order {
            let hits = r.hits[i];
            let cell = num(Cell::text(rate_cell(hits, r.receptions)));
            row.push(if hits == 0 {
                cell
            } else {
                Cell {
                    title: Some(hits.to_string()),
                    ..cell.linked(Some(listed_link(key, &t.rules[i])))
                }
            });
        }
        matrix.rows.push(row);
    }
    let (prev_from, prev_to, previous) = &d.previous;
    let mut row = vec![
        Cell::text(format!(
            "{} {prev_from} … {prev_to}",
            lang.s(S::AutoPrevious)
        ))
        .linked(Some(hits_link(store, d.month, *prev_from, d.by, "") + &lq)),
        num(Cell::new(Content::Count(previous.receptions as i64))),
    ];
    for &i in &order {
        row.push(num(Cell::text(rate_cell(
            previous.hits.get(i).copied().unwrap_or(0),
            previous.receptions,
        ))));
    }
    matrix.rows.push(row);
    vec![rules, matrix]
}

/// The page of `/qa/hits`: the period's links, the run form, each rule and each severity per
/// 100 receptions (with a chart), rows × rules and, for a chosen rule, the receptions behind
/// it.
fn hits_body(
    lang: Lang,
    user: &CurrentUser,
    d: &HitsData,
    tables: &[Table],
    rule: Option<&str>,
) -> Markup {
    let en = lang == Lang::En;
    let store = d.allowed.name();
    let lq = format!("&lang={}", lang.code());
    let date = d.from;
    let (prev, next) = if d.month {
        (d.from.offset(-1), d.to.offset(1))
    } else {
        (d.from.offset(-7), d.from.offset(7))
    };
    let link = |month: bool, day: Day, by: By| hits_link(store, month, day, by, "") + &lq;
    let here = hits_link(store, d.month, date, d.by, "");
    let rule_title = |id: &str| rule_title(d, en, id);
    let receptions = d.table.total("").receptions;
    let severities = kefu_qa::rules::by_severity(&d.rates, receptions);
    // The rules that hit, as bars (the table lists every rule).
    let bars: Vec<Bar> = d
        .rates
        .iter()
        .filter(|r| r.hits > 0)
        .map(|r| Bar {
            label: rule_title(&r.rule),
            value: r.per_100.unwrap_or(0.0),
            shown: format!(
                "{} · {}",
                rate_cell(r.hits, receptions),
                severity_name(lang, r.severity)
            ),
            link: None,
            color: match r.severity {
                Severity::Critical | Severity::High => charts::RED,
                _ => charts::BLUE,
            },
        })
        .collect();
    html! {
        p {
            (lang.s(S::Store)) ": " (store) " · " (d.from) " … " (d.to) " · "
            a href=(link(false, date, d.by)) { (lang.s(S::AutoWeek)) } " · "
            a href=(link(true, date, d.by)) { (lang.s(S::AutoMonth)) } " · "
            a href=(link(d.month, prev, d.by)) { "← " (lang.s(S::AutoPrevious)) } " · "
            a href=(link(d.month, next, d.by)) { (lang.s(S::AutoNext)) " →" }
        }
        @if d.allowed.whole() {
            p {
                (lang.s(S::AutoBy)) ": "
                a href=(link(d.month, date, By::Account)) { (lang.s(S::Account)) } " · "
                a href=(link(d.month, date, By::Group)) { (lang.s(S::Group)) } " · "
                a href=(link(d.month, date, By::Store)) { (lang.s(S::WholeStore)) }
            }
        }
        @if access::qa_manager(&user.session.user) {
            form method="post" action={ "/qa/run?lang=" (lang.code()) } {
                (hidden("csrf", &user.session.csrf))
                (hidden("store", store))
                (hidden("from", &d.from.to_string()))
                (hidden("to", &d.to.to_string()))
                button type="submit" { (lang.s(S::AutoRunNow)) }
                " "
                a href={ "/qa/rules?store=" (url(store)) (lq) } { (lang.s(S::AutoRules)) }
            }
        }
        @if !d.ran {
            p { (lang.s(S::AutoNotRun)) }
        }
        h2 { (lang.s(S::AutoPer100)) }
        p.note {
            (lang.t(
                "每百接待命中数 = 命中次数 ÷ 规则检查的接待数 × 100；不把各规则的分值相加。",
                "Hits per 100 receptions = hits ÷ receptions the rules read × 100; rules' points are never summed.",
            ))
        }
        p.qa-severities {
            @for (i, (s, hits, rate)) in severities.iter().enumerate() {
                @if i > 0 { " · " }
                (severity_name(lang, *s)) ": "
                strong { (rate.map_or(String::new(), |x| format!("{x:.1}"))) }
                " (" (hits) ")"
            }
        }
        @if !bars.is_empty() {
            (charts::rows(lang.s(S::AutoPer100), &bars))
        }
        @for t in tables {
            h3 { (t.title) }
            (t.download_links(lang, &here))
            (t.markup(if t.id == "matrix" { "qa-hits" } else { "qa-rules-rates" }))
        }
        @if let (Some(listed), Some(rule)) = (&d.listed, rule) {
            h2 { (lang.s(S::AutoFlagged)) " — " (rule_title(rule)) }
            table.flagged {
                thead {
                    tr {
                        th { (lang.s(S::Day)) }
                        th { (lang.s(S::Account)) }
                        th { (lang.s(S::Buyer)) }
                        th { (lang.t("最高严重度", "Worst severity")) }
                        th { (lang.s(S::AutoRulesHit)) }
                    }
                }
                tbody {
                    @for l in listed {
                        tr {
                            td { (l.day) }
                            td { (l.account) }
                            td {
                                a href={
                                    "/qa/reception?store=" (url(store)) "&account=" (url(&l.account))
                                    "&buyer=" (url(&l.buyer)) "&day=" (l.day) (lq)
                                } { (l.buyer) }
                            }
                            td { (severity_name(lang, l.worst)) }
                            td.num { (l.rules) }
                        }
                    }
                }
            }
            @if listed.len() >= MAX_LISTED {
                p { (lang.s(S::AutoListCut)) }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RunForm {
    pub store: String,
    pub from: String,
    pub to: String,
}

/// `POST /qa/run`: evaluates the store's rules over a period (admins, supervisors).
pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
    Form(form): Form<RunForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    if !access::qa_manager(&user.session.user) {
        return error_page(lang, &user, WebError::Forbidden("running rules".into()));
    }
    let u = user.session.user.clone();
    let store = form.store.clone();
    let config = state.config.clone();
    let ran = state
        .heavy(u.id, move |db| {
            let s = first_store(db, &u, Some(&form.store))?;
            let day = |d: &str| {
                Day::parse(d).ok_or_else(|| {
                    WebError::invalid(format!("不是日期：`{d}`"), format!("not a day: `{d}`"))
                })
            };
            let (from, to) = (day(&form.from)?, day(&form.to)?);
            if from > to || to.0 - from.0 > 366 {
                return Err(WebError::invalid(
                    "期间最长一年",
                    "a period of at most a year",
                ));
            }
            let metrics = config.store(s.name()).metrics;
            let summary = s.run_rules(db, (from, to), &metrics)?;
            db.audit(
                Some(&u),
                "qa.run",
                &format!(
                    "store={} from={from} to={to} receptions={} hits={}",
                    s.name(),
                    summary.receptions,
                    summary.hits
                ),
            )?;
            Ok((from, to))
        })
        .await;
    match ran {
        Ok((from, to)) => {
            let month = to.0 - from.0 > 6;
            Redirect::to(&format!(
                "{}&lang={}",
                hits_link(&store, month, from, By::Account, ""),
                lang.code()
            ))
            .into_response()
        }
        Err(e) => error_page(lang, &user, e),
    }
}

/// `GET /qa/reception?store=&account=&buyer=&day=`: one reception with its rule marks.
pub async fn reception(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let loaded = state
        .db(move |db| {
            let need = |v: &Option<String>, what: &str| {
                v.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                    WebError::invalid(format!("缺少 `{what}`"), format!("`{what}` is required"))
                })
            };
            let (account, buyer, day) = (
                need(&q.account, "account")?,
                need(&q.buyer, "buyer")?,
                need(&q.day, "day")?,
            );
            let day = Day::parse(&day).ok_or_else(|| {
                WebError::invalid(
                    format!("`day` 不是 YYYY-MM-DD 格式的日期：`{day}`"),
                    format!("`day` is not a YYYY-MM-DD day: `{day}`"),
                )
            })?;
            let (allowed, id) = access::account(db, &u, q.store.as_deref(), &account)?;
            let none = || {
                WebError::missing(
                    format!("{day} 没有 `{buyer}` 的接待"),
                    format!("no reception of `{buyer}` on {day}"),
                )
            };
            let buyer_id = allowed.names(db)?.get(&buyer).ok_or_else(none)?;
            let messages = allowed.transcript(db, id, buyer_id, day, day)?;
            if messages.is_empty() {
                return Err(none());
            }
            let rules = allowed.rules_in_force(db)?;
            let hits = allowed.reception_hits(db, day, id, buyer_id)?;
            Ok((allowed, account, buyer, day, messages, rules, hits))
        })
        .await;
    let (allowed, account, buyer, day, messages, rules, hits) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let en = lang == Lang::En;
    let store = allowed.name();
    let full = format!(
        "/reception?store={}&account={}&buyer={}&day={day}&lang={}",
        url(store),
        url(&account),
        url(&buyer),
        lang.code()
    );
    let lines: Vec<HitLine<'_>> = hits
        .iter()
        .map(|h| HitLine {
            title: rules
                .set
                .rules()
                .iter()
                .find(|r| r.id == h.rule)
                .map_or(h.rule.as_str(), |r| r.title(en)),
            id: &h.rule,
            category: None,
            severity: h.severity,
            score: h.score,
            count: h.count,
            messages: &h.messages,
        })
        .collect();
    let head = html! {
        p {
            (lang.s(S::Store)) ": " (store) " · " (lang.s(S::Account)) ": " (account) " · "
            (lang.s(S::Buyer)) ": " (buyer) " · " (lang.s(S::Day)) ": " (day)
        }
        p { a href=(full) { (lang.s(S::AutoFullReception)) } }
        (hit_lines(lang, &lines, false))
    };
    let marks = QaMarks::new(&titled(&rules.set, hits));
    let shown: Vec<(Sender, Millis, &str)> = messages
        .iter()
        .map(|m| (m.message.sender, m.message.time, m.text.as_str()))
        .collect();
    let body = html! {
        (head)
        (transcript_table(lang, &shown, &marks))
    };
    let here = format!(
        "/qa/reception?store={}&account={}&buyer={}&day={day}",
        url(store),
        url(&account),
        url(&buyer)
    );
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::AutoReceptionHits,
        &here,
        body,
    )
}
