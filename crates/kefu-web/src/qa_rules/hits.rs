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
    pub(crate) allowed: Allowed,
    pub(crate) rules: RulesInForce,
    pub(crate) from: Day,
    pub(crate) to: Day,
    pub(crate) month: bool,
    pub(crate) by: By,
    pub(crate) table: HitTable,
    /// The period before, summed over the rows shown: the trend.
    pub(crate) previous: (Day, Day, HitRow),
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
    let store_id = allowed.store.id;
    let month = q.period.as_deref() != Some("week");
    let last = db.day_span(store_id)?.map_or(Day::of(0), |(_, last)| last);
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
    let everything = allowed.rows == Rows::All;
    let by = match (q.by.as_deref(), everything) {
        (Some("group"), true) => By::Group,
        (Some("store"), true) => By::Store,
        _ => By::Account,
    };
    let rules = db.qa_rules_in_force(store_id)?;
    let names = db.names(store_id)?;
    let accounts = db.accounts(store_id)?;
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
            By::Store => allowed.store.name.clone(),
        }
    };
    let visible = |id: NameId| allowed.rows.account(id);
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
        for (id, n) in db.qa_receptions(store_id, from, to)? {
            if !visible(id) {
                continue;
            }
            let k = key(id);
            match receptions.iter_mut().find(|(x, _)| *x == k) {
                Some(row) => row.1 += n,
                None => receptions.push((k, n)),
            }
        }
        let counts: Vec<HitCount> = db
            .qa_hit_counts(store_id, from, to)?
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
    let listed = match q.rule.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(rule) => {
            let only = q.account.as_deref().filter(|a| !a.is_empty());
            let mut rows = Vec::new();
            for f in db.qa_flagged_receptions(store_id, from, to, Some(rule))? {
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
    let cu = user.session.user.clone();
    let rule = q.rule.clone();
    let data = state.db(move |db| load_hits(db, &cu, &q)).await;
    let d = match data {
        Ok(d) => d,
        Err(e) => return error_page(lang, &user, e),
    };
    let en = lang == Lang::En;
    let store = d.allowed.store.name.as_str();
    let lq = format!("&lang={}", lang.code());
    let date = d.from;
    let (prev, next) = if d.month {
        (d.from.offset(-1), d.to.offset(1))
    } else {
        (d.from.offset(-7), d.from.offset(7))
    };
    let mut body = format!(
        "<p>{sl}: {s} · {from} … {to} · \
         <a href=\"{pw}\">{week}</a> · <a href=\"{pm}\">{month}</a> · \
         <a href=\"{prev}\">← {pl}</a> · <a href=\"{next}\">{nl} →</a></p>",
        sl = esc(lang.s(S::Store)),
        s = esc(store),
        from = d.from,
        to = d.to,
        pw = esc(&(hits_link(store, false, date, d.by, "") + &lq)),
        week = esc(lang.s(S::AutoWeek)),
        pm = esc(&(hits_link(store, true, date, d.by, "") + &lq)),
        month = esc(lang.s(S::AutoMonth)),
        prev = esc(&(hits_link(store, d.month, prev, d.by, "") + &lq)),
        pl = esc(lang.s(S::AutoPrevious)),
        next = esc(&(hits_link(store, d.month, next, d.by, "") + &lq)),
        nl = esc(lang.s(S::AutoNext)),
    );
    if d.allowed.rows == Rows::All {
        let by_link = |by: By, label: S| {
            format!(
                "<a href=\"{}\">{}</a>",
                esc(&(hits_link(store, d.month, date, by, "") + &lq)),
                esc(lang.s(label))
            )
        };
        body.push_str(&format!(
            "<p>{}: {} · {} · {}</p>",
            esc(lang.s(S::AutoBy)),
            by_link(By::Account, S::Account),
            by_link(By::Group, S::Group),
            by_link(By::Store, S::WholeStore),
        ));
    }
    if access::qa_manager(&user.session.user) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/qa/run?lang={}\">{}{}{}{}<button type=\"submit\">{}</button> \
             <a href=\"/qa/rules?store={}{}\">{}</a></form>",
            lang.code(),
            hidden("csrf", &user.session.csrf),
            hidden("store", store),
            hidden("from", &d.from.to_string()),
            hidden("to", &d.to.to_string()),
            esc(lang.s(S::AutoRunNow)),
            esc(&url(store)),
            esc(&lq),
            esc(lang.s(S::AutoRules)),
        ));
    }
    if !d.ran {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::AutoNotRun))));
    }
    // Rows × rules, hits per 100 receptions; each figure links to its receptions.
    let t = &d.table;
    body.push_str(&format!(
        "<h2>{}</h2><div class=\"wrap\"><table class=\"qa-hits\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>",
        esc(lang.s(S::AutoPer100)),
        esc(lang.s(match d.by {
            By::Account => S::Account,
            By::Group => S::Group,
            By::Store => S::Store,
        })),
        esc(lang.s(S::ReceptionCount)),
        esc(lang.s(S::AutoScore)),
    ));
    for id in &t.rules {
        let title = d
            .rules
            .set
            .rules()
            .iter()
            .find(|r| &r.id == id)
            .map_or(id.as_str(), |r| r.title(en));
        body.push_str(&format!("<th title=\"{}\">{}</th>", esc(id), esc(title)));
    }
    body.push_str("</tr></thead><tbody>");
    let mut rows: Vec<&kefu_qa::rules::HitRow> = t.rows.iter().collect();
    let total = t.total(lang.s(S::WholeStore));
    if d.allowed.rows == Rows::All && d.by != By::Store && !t.rows.is_empty() {
        rows.push(&total);
    }
    for r in rows {
        let is_total = std::ptr::eq(r, &total);
        let label = if r.key.is_empty() {
            lang.s(S::NoGroup).to_string()
        } else {
            r.key.clone()
        };
        body.push_str(&format!(
            "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            if is_total { " class=\"total\"" } else { "" },
            esc(&label),
            r.receptions,
            r.score
        ));
        for (i, id) in t.rules.iter().enumerate() {
            let cell = rate_cell(r.hits[i], r.receptions);
            if r.hits[i] == 0 {
                body.push_str(&format!("<td class=\"num\">{cell}</td>"));
                continue;
            }
            let filter = if is_total || d.by == By::Store {
                String::new()
            } else {
                format!("&account={}", url(&r.key))
            };
            let link = hits_link(
                store,
                d.month,
                date,
                d.by,
                &format!("&rule={}{filter}", url(id)),
            ) + &lq;
            body.push_str(&format!(
                "<td class=\"num\"><a href=\"{}\" title=\"{}\">{cell}</a></td>",
                esc(&link),
                r.hits[i]
            ));
        }
        body.push_str("</tr>");
    }
    // The trend: the period before, over the same rows (the whole store, or the user's own
    // accounts).
    let (prev_from, prev_to, prev) = &d.previous;
    body.push_str(&format!(
        "<tr class=\"previous\"><td><a href=\"{}\">{} {prev_from} … {prev_to}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        esc(&(hits_link(store, d.month, *prev_from, d.by, "") + &lq)),
        esc(lang.s(S::AutoPrevious)),
        prev.receptions,
        prev.score
    ));
    for h in &prev.hits {
        body.push_str(&format!(
            "<td class=\"num\">{}</td>",
            rate_cell(*h, prev.receptions)
        ));
    }
    body.push_str("</tr></tbody></table></div>");
    if let (Some(listed), Some(rule)) = (&d.listed, rule) {
        let title = d
            .rules
            .set
            .rules()
            .iter()
            .find(|r| r.id == rule)
            .map_or(rule.as_str(), |r| r.title(en));
        body.push_str(&format!(
            "<h2>{} — {}</h2><table class=\"flagged\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(lang.s(S::AutoFlagged)),
            esc(title),
            esc(lang.s(S::Day)),
            esc(lang.s(S::Account)),
            esc(lang.s(S::Buyer)),
            esc(lang.s(S::AutoScore)),
            esc(lang.s(S::AutoRulesHit)),
        ));
        for l in listed {
            let link = format!(
                "/qa/reception?store={}&account={}&buyer={}&day={}{lq}",
                url(store),
                url(&l.account),
                url(&l.buyer),
                l.day
            );
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                l.day,
                esc(&l.account),
                esc(&link),
                esc(&l.buyer),
                l.score,
                l.rules
            ));
        }
        body.push_str("</tbody></table>");
        if listed.len() >= MAX_LISTED {
            body.push_str(&format!("<p>{}</p>", esc(lang.s(S::AutoListCut))));
        }
    }
    let here = hits_link(store, d.month, date, d.by, "");
    framed(lang, &user, StatusCode::OK, S::AutoHits, &here, &body)
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
            let rules = db.qa_rules_in_force(s.store.id)?;
            let summary = db.qa_run(s.store.id, from, to, &rules.set, rules.version)?;
            db.audit(
                Some(&u),
                "qa.run",
                &format!(
                    "store={} from={from} to={to} receptions={} hits={}",
                    s.store.name, summary.receptions, summary.hits
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
            let buyer_id = db.names(allowed.store.id)?.get(&buyer).ok_or_else(none)?;
            let messages = db.transcript(allowed.store.id, id, buyer_id, day, day)?;
            if messages.is_empty() {
                return Err(none());
            }
            let rules = db.qa_rules_in_force(allowed.store.id)?;
            let hits = db.qa_reception_hits(allowed.store.id, day, id, buyer_id)?;
            Ok((allowed, account, buyer, day, messages, rules, hits))
        })
        .await;
    let (allowed, account, buyer, day, messages, rules, hits) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let en = lang == Lang::En;
    let store = allowed.store.name.as_str();
    let full = format!(
        "/reception?store={}&account={}&buyer={}&day={day}&lang={}",
        url(store),
        url(&account),
        url(&buyer),
        lang.code()
    );
    let mut body = format!(
        "<p>{}: {} · {}: {} · {}: {} · {}: {day}</p><p><a href=\"{}\">{}</a></p>",
        esc(lang.s(S::Store)),
        esc(store),
        esc(lang.s(S::Account)),
        esc(&account),
        esc(lang.s(S::Buyer)),
        esc(&buyer),
        esc(lang.s(S::Day)),
        esc(&full),
        esc(lang.s(S::AutoFullReception)),
    );
    if hits.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::AutoNoHits))));
    } else {
        body.push_str(&format!(
            "<table class=\"hits\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(lang.s(S::AutoRule)),
            esc(lang.s(S::AutoSeverity)),
            esc(lang.s(S::AutoScore)),
            esc(lang.s(S::AutoCount)),
            esc(lang.s(S::AutoMessages)),
        ));
        for h in &hits {
            let title = rules
                .set
                .rules()
                .iter()
                .find(|r| r.id == h.rule)
                .map_or(h.rule.as_str(), |r| r.title(en));
            let msgs: Vec<String> = h.messages.iter().map(|m| format!("#{}", m + 1)).collect();
            body.push_str(&format!(
                "<tr><td>{} <code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(title),
                esc(&h.rule),
                esc(severity_name(lang, h.severity)),
                h.score,
                h.count,
                msgs.join(" ")
            ));
        }
        body.push_str("</tbody></table>");
    }
    let marks = QaMarks::new(&titled(&rules.set, hits));
    let shown: Vec<(Sender, Millis, &str)> = messages
        .iter()
        .map(|m| (m.message.sender, m.message.time, m.text.as_str()))
        .collect();
    body.push_str(&transcript_html(lang, &shown, &marks));
    let here = format!(
        "/qa/reception?store={}&account={}&buyer={}&day={day}",
        url(store),
        url(&account),
        url(&buyer)
    );
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::AutoReceptionHits,
        &here,
        &body,
    )
}
