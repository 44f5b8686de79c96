use super::*;

pub(super) struct Overview {
    allowed: Vec<Allowed>,
    store: Allowed,
    from: Day,
    to: Day,
    last: Day,
    current: Row,
    previous: Row,
    days: Vec<Row>,
    /// The `--by group` rows (people only), for users who see the whole store.
    groups: Vec<Row>,
    /// Consulted by hour of day.
    hours: [i64; 24],
}

/// Consulted receptions by hour of day of the buyer's first message: stored counters, so
/// any range costs one sum.
pub(super) fn consulted_by_hour(c: &kefu_core::figures::Counters) -> [i64; 24] {
    std::array::from_fn(|h| c.get(kefu_core::figures::C::consulted_at_hour(h)))
}

/// `GET /`: a store's figures for a range, against the previous period of equal length,
/// and a trend by day.
pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let export = match export_format(&p) {
        Ok(e) => e,
        Err(e) => return error_page(lang, &user, e),
    };
    let u = user.session.user.clone();
    let (qstore, qfrom, qto) = (p.store.clone(), p.from.clone(), p.to.clone());
    let loaded = state
        .db(move |db| {
            let all = access::allowed(db, &u, None)?;
            let store = one_store(access::allowed(db, &u, qstore.as_deref())?)?;
            let only = std::slice::from_ref(&store);
            let (from, to) = report::range(db, qfrom.as_deref(), qto.as_deref(), only)?;
            let last = db.day_span(store.store.id)?.map_or(to, |(_, l)| l);
            let len = to.0 - from.0 + 1;
            let groups = if store.rows == Rows::All {
                report::build(db, By::Group, from, to, only)?.rows
            } else {
                Vec::new()
            };
            let row = |f: Day, t: Day| -> Result<Row, WebError> {
                report::build(db, By::Store, f, t, only)?
                    .rows
                    .pop()
                    .ok_or_else(|| WebError::Internal("store row missing".into()))
            };
            let current = row(from, to)?;
            Ok(Overview {
                hours: consulted_by_hour(&current.counters),
                current,
                previous: row(from.offset(-len), from.offset(-1))?,
                days: report::build(db, By::Day, from, to, only)?.rows,
                groups,
                allowed: all,
                store,
                from,
                to,
                last,
            })
        })
        .await;
    let o = match loaded {
        Ok(o) => o,
        Err(e) => return error_page(lang, &user, e),
    };
    let whole = o.store.rows == Rows::All;
    let name = o.store.store.name.clone();
    let lq = format!("&lang={}", lang.code());
    let profile = state.config.store(&name).metrics.platform;
    let figures = report::profile_figures(By::Store, whole, profile);
    let chart_fig: &Figure = p
        .chart
        .as_deref()
        .and_then(|k| figures.iter().copied().find(|f| f.key == k))
        .unwrap_or(figures[0]);

    let filters = filters(
        lang,
        "/",
        &o.allowed,
        &name,
        Span {
            from: o.from,
            to: o.to,
            last: o.last,
        },
        html! {},
    );
    // trend chart: a bar per day, each a link to the items behind that day's value
    let mut bars = Vec::new();
    let mut day = o.from;
    while day <= o.to {
        let d = day.to_string();
        let value = o
            .days
            .iter()
            .find(|r| r.key.as_deref() == Some(d.as_str()))
            .and_then(|r| report::number(chart_fig.value(&r.counters)));
        let list = list_link(&name, Who::Store, day, day, chart_fig.key) + &lq;
        bars.push((d, value, list));
        day = day.offset(1);
    }
    let trend_title = format!("{} — {}", lang.s(S::Trend), lang.figure(chart_fig));
    let trend = html! {
        h2 { (trend_title) }
        (bar_chart(&trend_title, &bars))
        p.wrap {
            @for (n, f) in figures.iter().enumerate() {
                @if n > 0 { " · " }
                @if f.key == chart_fig.key {
                    strong { (lang.figure(f)) }
                } @else {
                    a href=(link("/", &name, o.from, o.to, &format!("&chart={}{lq}", f.key))) {
                        (lang.figure(f))
                    }
                }
            }
        }
    };
    let here = link(
        "/",
        &name,
        o.from,
        o.to,
        &format!("&chart={}", chart_fig.key),
    );
    // figures against the previous period, each value a link to the items behind it
    let len = o.to.0 - o.from.0 + 1;
    let (pfrom, pto) = (o.from.offset(-len), o.from.offset(-1));
    let mut compared = Table::new(
        "figures",
        format!("{name} {} – {}", o.from, o.to),
        vec![
            Column::of(lang, S::Figure),
            Column::new(format!("{} ({} – {})", lang.s(S::Current), o.from, o.to)),
            Column::new(format!("{} ({pfrom} – {pto})", lang.s(S::Previous))),
            Column::of(lang, S::Change),
        ],
    );
    compared.caption = Some(compared.title.clone());
    for f in &figures {
        let (cur, prev) = (f.value(&o.current.counters), f.value(&o.previous.counters));
        let change = match (report::number(cur), report::number(prev)) {
            (Some(c), Some(p)) if p != 0.0 => {
                let pct = (c - p) / p.abs() * 100.0;
                let cell = Cell::text(format!("{pct:+.1}%"));
                let good = match f.direction {
                    _ if pct == 0.0 => None,
                    Direction::HigherIsBetter => Some(pct > 0.0),
                    Direction::LowerIsBetter => Some(pct < 0.0),
                    Direction::Neutral => None,
                };
                match good {
                    Some(true) => cell.classed("up", None),
                    Some(false) => cell.classed("down", None),
                    None => cell,
                }
            }
            _ => Cell::text("-"),
        };
        let drill = |from, to| Some(list_link(&name, Who::Store, from, to, f.key) + &lq);
        compared.rows.push(vec![
            Cell::text(lang.figure(f)),
            Cell::figure(f, cur).linked(drill(o.from, o.to)),
            Cell::figure(f, prev).linked(drill(pfrom, pto)),
            change,
        ]);
    }
    let team_table = whole.then(|| teams_table(lang, &name, (o.from, o.to), &o.groups, profile));
    if let Some(format) = export {
        let tables: Vec<Table> = std::iter::once(compared).chain(team_table).collect();
        let file = format!("overview-{}-{}", o.from, o.to);
        return table::download(&tables, p.table.as_deref(), format, &file)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    let body = html! {
        (filters)
        @if !whole {
            p { (lang.s(S::OwnFigures)) }
        }
        (trend)
        (hour_trend(lang, &name, (o.from, o.to), o.hours))
        (compared.download_links(lang, &here))
        (compared.markup("figures"))
        @if whole {
            (sales_split(lang, &name, (o.from, o.to), &o.current))
            h2 { (lang.s(S::Teams)) }
            @match &team_table {
                Some(t) if !t.rows.is_empty() => {
                    (t.download_links(lang, &here))
                    (t.markup("teams"))
                }
                _ => p { (lang.s(S::NoData)) },
            }
        }
    };
    let page = page(lang, lang.s(S::Overview), Some(&user.session), &here, body);
    Html(page.into_string()).into_response()
}

/// The trend by hour of day: a column per hour with the consulted receptions, each a link to
/// the receptions of that hour.
pub(super) fn hour_trend(
    lang: Lang,
    store: &str,
    (from, to): (Day, Day),
    hours: [i64; 24],
) -> Markup {
    let list = list_link(store, Who::Store, from, to, "consulted");
    let bars: Vec<Bar> = hours
        .iter()
        .enumerate()
        .map(|(h, &n)| Bar {
            label: h.to_string(),
            value: n as f64,
            shown: n.to_string(),
            link: Some(format!("{list}&hour={h}&lang={}", lang.code())),
            color: charts::BLUE,
        })
        .collect();
    let consulted = kefu_core::figures::figure("consulted").map_or("", |f| lang.figure(f));
    html! {
        h2 { (lang.s(S::HourTrend)) }
        figure.hours {
            (charts::columns(lang.s(S::HourTrend), lang.s(S::HourOfDay), &bars))
            figcaption { (consulted) ": " (hours.iter().sum::<i64>()) }
        }
    }
}

/// Silent against agent sales (静默 vs 客服), with their shares of the store's sales; each
/// bar a link to its orders.
pub(super) fn sales_split(
    lang: Lang,
    store: &str,
    (from, to): (Day, Day),
    current: &Row,
) -> Markup {
    use kefu_core::figures::C;
    let c = &current.counters;
    let total = c.get(C::total_sales_cents);
    let name = |key: &str| kefu_core::figures::figure(key).map_or("", |f| lang.figure(f));
    let share = |cents: i64| {
        if total == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", cents as f64 / total as f64 * 100.0)
        }
    };
    let bar = |key: &str, cents: i64, color| Bar {
        label: name(key).to_string(),
        value: cents as f64,
        shown: if key == "total_sales" {
            format_yuan(cents)
        } else {
            format!(
                "{} ({} {})",
                format_yuan(cents),
                lang.s(S::Share),
                share(cents)
            )
        },
        link: Some(list_link(store, Who::Store, from, to, key) + &format!("&lang={}", lang.code())),
        color,
    };
    let bars = [
        bar("total_sales", total, charts::GREY),
        bar("sales", c.get(C::sales_cents), charts::BLUE),
        bar("silent_sales", c.get(C::silent_sales_cents), charts::GREEN),
    ];
    html! {
        h2 { (lang.s(S::SalesSplit)) }
        figure.sales-split {
            (charts::rows(lang.s(S::SalesSplit), &bars))
            figcaption { (lang.s(S::SalesSplitNote)) }
        }
    }
}

/// The team comparison: the `--by group` rows of the report (people only), each value a link
/// to the group's items behind it.
pub(super) fn teams_table(
    lang: Lang,
    store: &str,
    (from, to): (Day, Day),
    groups: &[Row],
    profile: kefu_core::platform::Platform,
) -> Table {
    let figures = report::profile_figures(By::Group, false, profile);
    let mut columns = vec![Column::of(lang, S::Group)];
    columns.extend(figures.iter().map(|f| Column::figure(lang, f)));
    let mut t = Table::new("teams", lang.s(S::Teams), columns);
    for row in groups {
        let group = row
            .key
            .clone()
            .unwrap_or_else(|| lang.s(S::NoGroup).to_string());
        let who = Who::Group(row.key.as_deref());
        let mut cells = vec![Cell::text(group)];
        for f in &figures {
            let link = list_link(store, who, from, to, f.key) + &format!("&lang={}", lang.code());
            cells.push(Cell::figure(f, f.value(&row.counters)).linked(Some(link)));
        }
        t.rows.push(cells);
    }
    t
}
