use super::*;

/// `GET /account?store=&account=&from=&to=`: the account's receptions over the range, each
/// a link to its transcript.
pub async fn account(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<DrillParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let export = match p.export.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(f) => match table::Format::parse(f) {
            Ok(f) => Some(f),
            Err(e) => return error_page(lang, &user, e),
        },
    };
    let u = user.session.user.clone();
    let config = state.config.clone();
    let table_id = p.table.clone();
    let page_no: usize = p
        .page
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let (qstore, qaccount, qfrom, qto) = (p.store, p.account, p.from, p.to);
    let loaded = state
        .heavy(u.id, move |db| {
            let name = required(&qaccount, "account")?;
            let (store, id) = access::account(db, &u, qstore.as_deref(), name)?;
            let (from, to) = report::range(
                db,
                qfrom.as_deref(),
                qto.as_deref(),
                std::slice::from_ref(&store),
            )?;
            let clamped = to.0 - from.0 >= MAX_DRILL_DAYS;
            let from = if clamped {
                to.offset(1 - MAX_DRILL_DAYS)
            } else {
                from
            };
            let scope = Scope {
                account: id,
                from,
                to,
                buyer: None,
                transcripts: false,
            };
            let settings = &config.store(store.name()).metrics;
            let mut x = store
                .explain_scope(db, &scope, settings)
                .map_err(explain_error)?;
            hide_colleagues(&mut x, &store.credited(db)?);
            let counters = store
                .counters_by_account(db, from, to)?
                .into_iter()
                .find(|(a, _)| *a == id)
                .map(|(_, c)| c)
                .unwrap_or_default();
            Ok((Loaded { store, x }, clamped, counters))
        })
        .await;
    let (Loaded { store, x }, clamped, counters) = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(lang, &user, e),
    };
    let sname = store.name();
    let lq = format!("&lang={}", lang.code());
    let here = account_link(sname, &x.account, x.from, x.to);
    let tables = [
        figures_table(lang, sname, &x, &counters),
        daily_table(lang, sname, &x),
        receptions_table(lang, sname, &x),
        reminded_table(lang, sname, &x),
    ];
    if let Some(format) = export {
        let file = format!("{}-{}-{}", x.account, x.from, x.to);
        return table::download(&tables, table_id.as_deref(), format, &file)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    let [figures, daily, mut receptions, reminded] = tables;
    // The page shows the receptions a page at a time; the download holds them all.
    let total = receptions.rows.len();
    let start = (page_no - 1).saturating_mul(PAGE_ROWS).min(total);
    receptions.rows = receptions.rows.drain(start..).take(PAGE_ROWS).collect();
    let consulted = x.receptions.iter().filter(|r| r.consulted).count();
    let consulted_list =
        list_link(sname, Who::Account(&x.account), x.from, x.to, "consulted") + &lq;
    let body = html! {
        form.filters method="get" action="/account" {
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="store" value=(sname);
            input type="hidden" name="account" value=(x.account);
            label { (lang.s(S::From)) br; input type="date" name="from" value=(x.from); }
            label { (lang.s(S::To)) br; input type="date" name="to" value=(x.to); }
            button type="submit" { (lang.s(S::Show)) }
        }
        p {
            (lang.s(S::Store)) ": " (sname) " · " (lang.s(S::Account)) ": " (x.account)
            " · " (x.from) " – " (x.to)
        }
        @if clamped {
            p { (lang.s(S::LastDaysOnly)) }
        }
        p {
            (lang.s(S::ReceptionCount)) ": " (x.receptions.len()) " · "
            (lang.s(S::Consulted)) ": " a href=(consulted_list) { (consulted) }
        }
        h2 { (lang.s(S::AccountFigures)) }
        (figures.download_links(lang, &here))
        (figures.markup("figures"))
        (response_histogram(lang, sname, &x))
        (funnel(lang, sname, &x, &counters))
        (daily_trend(lang, sname, &x))
        h2 { (lang.s(S::DailyTable)) }
        (daily.download_links(lang, &here))
        (daily.markup("daily"))
        h2 id="receptions-list" { (lang.s(S::Receptions)) }
        @if total == 0 {
            p { (lang.s(S::NoReceptions)) }
        } @else {
            (receptions.download_links(lang, &here))
            (receptions.markup("receptions"))
            @if total > PAGE_ROWS {
                (table::pager(lang, &here, page_no, total, PAGE_ROWS))
            }
        }
        h2 { (lang.s(S::RemindedOrders)) ": " (x.reminded.len()) }
        @if !reminded.rows.is_empty() {
            (reminded.download_links(lang, &here))
            (reminded.markup("reminded"))
        }
    };
    let title = format!("{} — {}", lang.s(S::Receptions), x.account);
    Html(page(lang, &title, Some(&user.session), &here, body).into_string()).into_response()
}

/// Every figure of the account over the page's days, each a link to the items behind it.
pub(super) fn figures_table(lang: Lang, store: &str, x: &Explanation, c: &Counters) -> Table {
    let mut t = Table::new(
        "figures",
        lang.s(S::AccountFigures),
        vec![
            Column::of(lang, S::Figure),
            Column::new(format!("{} – {}", x.from, x.to)),
        ],
    );
    for f in report::figures(report::By::Account, false) {
        let link = list_link(store, Who::Account(&x.account), x.from, x.to, f.key)
            + &format!("&lang={}", lang.code());
        t.rows.push(vec![
            Cell::text(lang.figure(f)),
            Cell::figure(f, f.value(c)).linked(Some(link)),
        ]);
    }
    t
}

/// Consulted receptions and sales by day, each a link to that day's items.
pub(super) fn daily_table(lang: Lang, store: &str, x: &Explanation) -> Table {
    let fig = |key| kefu_core::figures::figure(key);
    let mut columns = vec![Column::of(lang, S::Day)];
    columns.extend(
        ["consulted", "sales"]
            .iter()
            .filter_map(|k| fig(k))
            .map(|f| Column::figure(lang, f)),
    );
    let mut t = Table::new("daily", lang.s(S::DailyTable), columns);
    for (day, consulted, cents) in by_day(x) {
        let link = |key| {
            Some(
                list_link(store, Who::Account(&x.account), day, day, key)
                    + &format!("&lang={}", lang.code()),
            )
        };
        t.rows.push(vec![
            Cell::text(day.to_string()),
            Cell::new(Content::Count(consulted)).linked(link("consulted")),
            Cell::new(Content::Money(cents)).linked(link("sales")),
        ]);
    }
    t
}

/// (day, consulted receptions, sales in cents) for every day of the page.
pub(super) fn by_day(x: &Explanation) -> Vec<(Day, i64, i64)> {
    let mut out = Vec::new();
    let mut day = x.from;
    while day <= x.to {
        let of_day = x.receptions.iter().filter(|r| r.day == day);
        let n = of_day.clone().filter(|r| r.consulted).count() as i64;
        let cents: i64 = of_day.map(|r| r.sales_cents).sum();
        out.push((day, n, cents));
        day = day.offset(1);
    }
    out
}

/// Every reception of the account, each a link to its transcript.
pub(super) fn receptions_table(lang: Lang, store: &str, x: &Explanation) -> Table {
    let col = |s| Column::of(lang, s);
    let mut t = Table::new(
        "receptions",
        lang.s(S::Receptions),
        [
            S::Day,
            S::Buyer,
            S::Consulted,
            S::Served,
            S::Unreplied,
            S::Inquiry,
            S::AfterSale,
            S::Slow,
            S::FirstResponse,
            S::RoundCount,
            S::Ordered,
            S::PaidCount,
            S::SalesYuan,
        ]
        .into_iter()
        .map(col)
        .collect(),
    );
    let yes = |b| Cell::text(yes(lang, b));
    for r in &x.receptions {
        let href =
            reception_link(store, &x.account, &r.buyer, r.day) + &format!("&lang={}", lang.code());
        t.rows.push(vec![
            Cell::text(r.day.to_string()),
            Cell::text(&r.buyer).linked(Some(href)),
            yes(r.consulted),
            yes(r.served),
            yes(r.unreplied),
            yes(r.inquiry),
            yes(r.after_sale),
            yes(r.slow),
            Cell::new(Content::Duration(r.first_response_ms)),
            Cell::new(Content::Count(r.counted_rounds() as i64)),
            Cell::new(Content::Count(r.attributed_orders.into())),
            Cell::new(Content::Count(r.attributed_paid.into())),
            Cell::new(Content::Money(r.sales_cents)),
        ]);
    }
    t
}

/// The response times (service clock) of the account's answered rounds (the rounds the
/// `response_n` counter counts), with p50, p90 and p95.
pub(super) fn response_histogram(lang: Lang, store: &str, x: &Explanation) -> Markup {
    let list = list_link(
        store,
        Who::Account(&x.account),
        x.from,
        x.to,
        "avg_response_secs",
    );
    let mut times: Vec<i64> = x
        .receptions
        .iter()
        .flat_map(|r| &r.rounds)
        .filter_map(|r| r.response_ms())
        .collect();
    times.sort_unstable();
    let bars: Vec<Bar> = RESPONSE_BINS
        .iter()
        .enumerate()
        .map(|(bin, &(lo, hi))| {
            let n = times
                .iter()
                .filter(|&&ms| ms >= lo * 1000 && hi.is_none_or(|h| ms < h * 1000))
                .count();
            Bar {
                label: bin_label((lo, hi)),
                value: n as f64,
                shown: n.to_string(),
                link: Some(format!("{list}&bucket={bin}&lang={}", lang.code())),
                color: charts::BLUE,
            }
        })
        .collect();
    let p = |q| nearest_rank(&times, q).map_or("-".to_string(), duration_ms);
    html! {
        h2 { (lang.s(S::ResponseHistogram)) }
        figure.histogram {
            (charts::columns(lang.s(S::ResponseHistogram), lang.s(S::Response), &bars))
            figcaption {
                (lang.s(S::AnsweredRounds)) ": " (times.len())
                " · p50 = " (p(50)) " · p90 = " (p(90)) " · p95 = " (p(95))
                br;
                (lang.s(S::PercentileNote)) " " (lang.s(S::BinNote))
            }
        }
    }
}

/// Inquiry → ordered → paid, from the account's counters, with the conversion rates; each
/// bar a link to its receptions.
pub(super) fn funnel(lang: Lang, store: &str, x: &Explanation, c: &Counters) -> Markup {
    let fig = |key: &str| kefu_core::figures::figure(key);
    let rate = |key: &str| {
        fig(key).map_or(String::new(), |f| {
            format!("{} {}", lang.figure(f), report::display(f, f.value(c)))
        })
    };
    let bar = |key: &str, counter: C, rates: Vec<String>| {
        let n = c.get(counter);
        Bar {
            label: fig(key).map_or("", |f| lang.figure(f)).to_string(),
            value: n as f64,
            shown: if rates.is_empty() {
                n.to_string()
            } else {
                format!("{n} ({})", rates.join("; "))
            },
            link: Some(
                list_link(store, Who::Account(&x.account), x.from, x.to, key)
                    + &format!("&lang={}", lang.code()),
            ),
            color: charts::GREEN,
        }
    };
    let bars = [
        bar("inquiries", C::inquiries, Vec::new()),
        bar("ordered", C::ordered, vec![rate("order_conversion")]),
        bar("paid", C::paid, vec![rate("inquiry_conversion")]),
    ];
    html! {
        h2 { (lang.s(S::Funnel)) }
        figure.funnel { (charts::rows(lang.s(S::Funnel), &bars)) }
    }
}

/// Consulted and sales by day, each column a link to that day's receptions or orders.
pub(super) fn daily_trend(lang: Lang, store: &str, x: &Explanation) -> Markup {
    let mut consulted = Vec::new();
    let mut sales = Vec::new();
    for (day, n, cents) in by_day(x) {
        let link = |key| {
            Some(
                list_link(store, Who::Account(&x.account), day, day, key)
                    + &format!("&lang={}", lang.code()),
            )
        };
        let label = day.to_string().get(5..).unwrap_or_default().to_string();
        consulted.push(Bar {
            label: label.clone(),
            value: n as f64,
            shown: n.to_string(),
            link: link("consulted"),
            color: charts::BLUE,
        });
        sales.push(Bar {
            label,
            value: cents as f64,
            shown: money(cents),
            link: link("sales"),
            color: charts::GREEN,
        });
    }
    let charts = [
        (S::DailyConsulted, consulted, "daily-consulted"),
        (S::DailySales, sales, "daily-sales"),
    ];
    html! {
        @for (title, bars, class) in &charts {
            h2 { (lang.s(*title)) }
            figure class=(class) { (charts::columns(lang.s(*title), lang.s(S::Day), bars)) }
        }
    }
}

/// The orders the account reminded to pay, each a link to the reminding transcript.
pub(super) fn reminded_table(lang: Lang, store: &str, x: &Explanation) -> Table {
    let mut t = Table::new(
        "reminded",
        lang.s(S::RemindedOrders),
        [
            S::OrderId,
            S::Buyer,
            S::Placed,
            S::RemindedAt,
            S::AmountYuan,
            S::PaidCount,
        ]
        .into_iter()
        .map(|s| Column::of(lang, s))
        .collect(),
    );
    for o in &x.reminded {
        let href = reception_link(store, &x.account, &o.buyer, Day::of(o.reminded_at))
            + &format!("&lang={}", lang.code());
        t.rows.push(vec![
            Cell::text(&o.order_id),
            Cell::text(&o.buyer).linked(Some(href)),
            Cell::text(format_time(o.created_at)),
            Cell::text(format_time(o.reminded_at)),
            Cell::new(Content::Money(o.amount)),
            Cell::text(if o.paid {
                lang.s(S::ReminderPaid)
            } else {
                lang.s(S::No)
            }),
        ]);
    }
    t
}

/// Blanks the names of accounts credited with orders that the user may not see (an agent's
/// colleagues, unless the store allows them): the reason stays, the name goes.
pub(super) fn hide_colleagues(x: &mut Explanation, credited: &access::Credited) {
    for r in &mut x.receptions {
        for o in &mut r.orders {
            if let Reason::Elsewhere { account, .. } = &mut o.reason
                && !credited.shows(account)
            {
                account.clear();
            }
        }
    }
}
