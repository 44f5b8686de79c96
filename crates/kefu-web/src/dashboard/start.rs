//! The start page (`/`): what a supervisor looks at in the first minute — how fresh the data
//! is, the store's key figures against the previous period, where in the week consultations
//! and slow answers fall, and what needs attention now, each a link to its items. An agent's
//! start page is theirs: own figures, own rank among peers, the team's average, own reviews.
//!
//! Everything is read from stored counters (a sum per range, one per account or per day), the
//! QA tables and one day's message times: no per-row query.

use super::*;

use kefu_app::worklists::now_local;
use kefu_core::figures::{C, Value};
use kefu_core::model::NameId;
use kefu_core::time::{DAY_MS, Millis};
use kefu_store::AccountInfo;

use super::ranking::{PlanKpis, Section, core_kpi, plan_kpis, ranks, short_name};
use crate::ui::format;

/// The figures of the cards, after the core KPI (which comes first): volume, money, speed
/// and quality. Store-level ones only for those who see the whole store.
const CARD_FIGURES: &[&str] = &[
    "consulted",
    "inquiry_conversion",
    "sales",
    "total_sales",
    "reply_rate",
    "avg_first_response_secs",
    "answered_within_3min_rate",
    "slow",
    "satisfaction_rate",
];

/// Weeks of days the heatmap sums (ending on the last day with data): enough for each
/// weekday to be more than one day.
pub(super) const HEATMAP_DAYS: i32 = 28;

/// An agent is "far below" their group on conversion when this many percentage points
/// under the group's median, with at least [`MIN_INQUIRIES`] inquiries (fewer say little).
pub(super) const FAR_BELOW_POINTS: f64 = 10.0;
pub(super) const MIN_INQUIRIES: i64 = 10;

/// Consulted and slow receptions by weekday (Monday first) and hour.
#[derive(Default)]
pub(super) struct Heatmap {
    pub consulted: [[i64; 24]; 7],
    pub slow: [[i64; 24]; 7],
}

/// The weekday of a day, Monday = 0 (1970-01-01 was a Thursday).
pub(super) fn weekday(d: Day) -> usize {
    (d.0 + 3).rem_euclid(7) as usize
}

impl Heatmap {
    /// Adds a day's hourly counters.
    pub(super) fn add(&mut self, day: Day, c: &kefu_core::figures::Counters) {
        let w = weekday(day);
        for h in 0..24 {
            self.consulted[w][h] += c.get(C::consulted_at_hour(h));
            self.slow[w][h] += c.get(C::slow_at_hour(h));
        }
    }
}

/// A line of the attention list: what, how many, and where its items are.
pub(super) struct Attention {
    pub text: String,
    pub link: String,
}

/// What the start page shows, loaded in one go.
struct Start {
    allowed: Vec<StoreScope>,
    store: StoreScope,
    /// The last day with data and the latest message's time (store clock).
    last: Option<Day>,
    last_time: Option<Millis>,
    from: Day,
    to: Day,
    current: Row,
    previous: Row,
    heatmap: Heatmap,
    attention: Vec<Attention>,
    /// An agent's: their rank among the peers of their section, the team's figures.
    own: Option<Own>,
    kpis: PlanKpis,
}

/// An agent's own standing.
struct Own {
    account: String,
    section: Section,
    rank: Option<(usize, usize)>,
    /// The group (or section, without a group) summed, and how many people it has.
    team: Option<(String, Row, usize)>,
    reviews: usize,
    open_appeals: usize,
}

/// Whether the data is more than a day old at `now` (both on the store's clock).
pub(super) fn is_stale(now: Millis, last: Option<Millis>) -> bool {
    last.is_none_or(|t| now - t > DAY_MS)
}

/// The period the start page shows: the last `days` days with data.
fn period(last: Day, days: i32) -> (Day, Day) {
    (last.offset(1 - days), last)
}

/// `GET /`: the start page.
pub async fn start(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let days: i32 = match p.days.as_deref().unwrap_or("1") {
        "7" => 7,
        "30" => 30,
        _ => 1,
    };
    // A fresh database: managers set up their store first (the empty state).
    if crate::access::may_edit_settings(&user.session.user) {
        let empty = state.db(|db| Ok(db.stores()?.is_empty())).await;
        if matches!(empty, Ok(true)) {
            return axum::response::Redirect::to(&format!("/setup?lang={}", lang.code()))
                .into_response();
        }
    }
    let u = user.session.user.clone();
    let qstore = p.store.clone();
    let live = state.config.clone();
    let loaded = state
        .db(move |db| {
            let all = access::allowed(db, &u, None)?;
            let store = one_store(access::allowed(db, &u, qstore.as_deref())?)?;
            let only = std::slice::from_ref(&store);
            let store_tz = live.store(store.name()).timezone;
            // The last day with messages (a refund or an order may come later, but the day
            // a supervisor looks at is the last day of chats), else with any event.
            let last_time = store.last_message_time(db)?;
            let last = last_time
                .map(Day::of)
                .or(store.day_span(db)?.map(|(_, l)| l));
            // Without data, today on the store's clock.
            let anchor = last.unwrap_or(Day::of(now_local(store_tz)));
            let (from, to) = period(anchor, days);
            let row = |f: Day, t: Day| store_row(db, f, t, only);
            let current = row(from, to)?;
            let previous = row(from.offset(-days), from.offset(-1))?;
            let accounts = store.roster(db)?;
            let kpis = plan_kpis(db, &store, anchor)?;
            let mut heatmap = Heatmap::default();
            let heat_from = anchor.offset(1 - HEATMAP_DAYS);
            let mut attention = Vec::new();
            let mut own = None;
            for (day, c) in store.counters_by_day(db, heat_from, anchor)? {
                heatmap.add(day, &c);
            }
            match store.rows() {
                Rows::All => {
                    if last.is_some() {
                        attention = supervisor_attention(db, &u, &store, &accounts, anchor)?;
                    }
                }
                Rows::Accounts(ids) => {
                    own = Some(own_standing(
                        db,
                        &u,
                        &store,
                        &accounts,
                        ids,
                        &kpis,
                        (from, to),
                    )?);
                }
            }
            Ok(Start {
                last_time,
                allowed: all,
                store,
                last,
                from,
                to,
                current,
                previous,
                heatmap,
                attention,
                own,
                kpis,
            })
        })
        .await;
    let s = match loaded {
        Ok(s) => s,
        Err(e) => return error_page(lang, &user, e),
    };
    let name = s.store.name().to_string();
    let tz = state.config.store(&name).timezone;
    let here = format!("/?store={}&days={days}", url(&name));
    let body = render(lang, &s, days, now_local(tz));
    let title = lang.s(S::StartPage);
    Html(page(lang, title, Some(&user.session), &here, body).into_string()).into_response()
}

/// The supervisor's attention list for `day` (the last day with data): unreplied buyers,
/// agents with slow answers that day, agents far below their group's median conversion over
/// the last 7 days, unpaid orders not reminded, QA tasks not done and appeals waiting.
fn supervisor_attention(
    db: &kefu_store::Db,
    user: &kefu_store::User,
    store: &StoreScope,
    accounts: &[AccountInfo],
    day: Day,
) -> Result<Vec<Attention>, WebError> {
    let name = store.name();
    let only = std::slice::from_ref(store);
    let mut out = Vec::new();
    let info = |id: Option<NameId>| id.and_then(|id| accounts.iter().find(|a| a.id == id));
    // unreplied buyers of the day
    let rows = report::build(db, By::Account, day, day, only)?.rows;
    let unreplied: i64 = rows.iter().map(|r| r.counters.get(C::unreplied)).sum();
    if unreplied > 0 {
        out.push(Attention {
            text: format!("unreplied\u{1f}{unreplied}\u{1f}{day}"),
            link: list_link(name, Who::Store, day, day, "unreplied"),
        });
    }
    // agents with slow answers that day, most first
    let mut slow: Vec<(&Row, i64)> = rows
        .iter()
        .filter(|r| !r.is_bot)
        .map(|r| (r, r.counters.get(C::slow)))
        .filter(|(_, n)| *n > 0)
        .collect();
    slow.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.key.cmp(&b.0.key)));
    for (r, n) in slow {
        let account = r.key.as_deref().unwrap_or("");
        out.push(Attention {
            text: format!(
                "slow\u{1f}{}\u{1f}{n}\u{1f}{day}",
                short_name(info(r.account), account)
            ),
            link: list_link(name, Who::Account(account), day, day, "slow"),
        });
    }
    // far below the group's median conversion over the last 7 days
    let (from, to) = (day.offset(-6), day);
    let week = report::build(db, By::Account, from, to, only)?.rows;
    let conv = kefu_core::figures::figure("inquiry_conversion");
    if let Some(conv) = conv {
        let people: Vec<(&Row, Option<String>, f64)> = week
            .iter()
            .filter(|r| !r.is_bot && r.counters.get(C::inquiries) >= MIN_INQUIRIES)
            .filter_map(|r| {
                let v = report::number(conv.value(&r.counters))?;
                Some((r, info(r.account).and_then(|a| a.group.clone()), v))
            })
            .collect();
        for (r, group, v) in &people {
            let mut peers: Vec<f64> = people
                .iter()
                .filter(|(_, g, _)| g == group)
                .map(|p| p.2)
                .collect();
            if peers.len() < 2 {
                continue;
            }
            let median = median(&mut peers);
            if (median - v) * 100.0 >= FAR_BELOW_POINTS {
                let account = r.key.as_deref().unwrap_or("");
                out.push(Attention {
                    text: format!(
                        "conversion\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                        short_name(info(r.account), account),
                        format::rate(*v),
                        group.clone().unwrap_or_default(),
                        format::rate(median)
                    ),
                    link: list_link(name, Who::Account(account), from, to, "inquiry_conversion"),
                });
            }
        }
    }
    // unpaid orders nobody has reminded (the worklists as of the last import)
    let (unreminded, cents) = store.not_reminded(db)?;
    if unreminded > 0 {
        out.push(Attention {
            text: format!("unreminded\u{1f}{unreminded}\u{1f}{}", format::money(cents)),
            link: format!("/worklists?store={}&list=unpaid&reminded=0", url(name)),
        });
    }
    // QA: tasks not done, appeals waiting
    let open_tasks = store
        .assignments(db)?
        .iter()
        .filter(|a| a.review_id.is_none())
        .count();
    if open_tasks > 0 {
        out.push(Attention {
            text: format!("tasks\u{1f}{open_tasks}"),
            link: format!("/qa/assignments?store={}", url(name)),
        });
    }
    let filter = kefu_store::qa_reviews::ReviewFilter {
        open_appeals: true,
        ..Default::default()
    };
    let appeals = store.reviews_seen(db, user, &filter)?.len();
    if appeals > 0 {
        out.push(Attention {
            text: format!("appeals\u{1f}{appeals}"),
            link: format!("/qa/reviews?store={}", url(name)),
        });
    }
    Ok(out)
}

/// The median of `v` (not empty), the mean of the middle two for an even count.
pub(super) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// An agent's standing over `[from, to]`: rank among the peers of their section by its core
/// KPI, their group's figures, their reviews and open appeals.
fn own_standing(
    db: &kefu_store::Db,
    user: &kefu_store::User,
    store: &StoreScope,
    accounts: &[AccountInfo],
    ids: &[NameId],
    kpis: &PlanKpis,
    (from, to): (Day, Day),
) -> Result<Own, WebError> {
    let info = |id: Option<NameId>| id.and_then(|id| accounts.iter().find(|a| a.id == id));
    let everyone = store.peer_report(db, from, to)?.rows;
    let mine = ids.first().copied();
    let me = info(mine);
    let section = Section::of(me.is_some_and(|a| a.is_bot), me.and_then(|a| a.role));
    let section_of = |r: &Row| {
        let a = info(r.account);
        Section::of(r.is_bot, a.and_then(|a| a.role))
    };
    let peers: Vec<&Row> = everyone
        .iter()
        .filter(|r| section_of(r) == section)
        .collect();
    let core = core_kpi(kpis, section);
    let values: Vec<Option<f64>> = peers
        .iter()
        .map(|r| report::number(core.value(&r.counters)))
        .collect();
    let ranked = ranks(core.direction, &values);
    let rank = peers
        .iter()
        .position(|r| r.account == mine)
        .and_then(|i| ranked[i])
        .map(|n| (n, peers.len()));
    // the team: the group's people, else the section's
    let group = me.and_then(|a| a.group.clone());
    let team: Vec<&Row> = peers
        .iter()
        .copied()
        .filter(|r| group.is_none() || info(r.account).and_then(|a| a.group.clone()) == group)
        .collect();
    let team = (!team.is_empty()).then(|| {
        let counters: kefu_core::figures::Counters = team.iter().map(|r| &r.counters).sum();
        let label = group.clone().unwrap_or_default();
        (
            label,
            Row {
                store: store.name().to_string(),
                key: None,
                account: None,
                is_bot: false,
                counters,
            },
            team.len(),
        )
    });
    let filter = kefu_store::qa_reviews::ReviewFilter {
        accounts: Some(ids.to_vec()),
        calibration: Some(false),
        ..Default::default()
    };
    let reviews = store.reviews_seen(db, user, &filter)?;
    let open_appeals = reviews
        .iter()
        .filter(|r| {
            r.appeal
                .as_ref()
                .is_some_and(|a| a.status == kefu_store::qa_reviews::AppealStatus::Open)
        })
        .count();
    Ok(Own {
        account: me.map_or_else(String::new, |a| a.name.clone()),
        section,
        rank,
        team,
        reviews: reviews.len(),
        open_appeals,
    })
}

/// The attention line in `lang`, from its parts (`kind`, then its values).
fn attention_text(lang: Lang, text: &str) -> String {
    let p: Vec<&str> = text.split('\u{1f}').collect();
    let at = |i: usize| p.get(i).copied().unwrap_or("");
    match at(0) {
        "unreplied" => match lang {
            Lang::Zh => format!("{} 位买家咨询后未获回复（{}）", at(1), at(2)),
            Lang::En => format!("{} buyers got no reply ({})", at(1), at(2)),
        },
        "unreminded" => match lang {
            Lang::Zh => format!("{} 笔下单未付款订单还没有催付（{}）", at(1), at(2)),
            Lang::En => format!("{} unpaid orders not reminded ({})", at(1), at(2)),
        },
        "slow" => match lang {
            Lang::Zh => format!("{}：{} 位买家慢响应（{}）", at(1), at(2), at(3)),
            Lang::En => format!("{}: {} slow receptions ({})", at(1), at(2), at(3)),
        },
        "conversion" => match lang {
            Lang::Zh => format!(
                "{}：近 7 天询单转化率 {}，远低于{}中位数 {}",
                at(1),
                at(2),
                if at(3).is_empty() {
                    "未分组客服的".to_string()
                } else {
                    format!("{}的", at(3))
                },
                at(4)
            ),
            Lang::En => format!(
                "{}: inquiry conversion {} over 7 days, far below the median {} of {}",
                at(1),
                at(2),
                at(4),
                if at(3).is_empty() {
                    "the agents without a group"
                } else {
                    at(3)
                }
            ),
        },
        "tasks" => match lang {
            Lang::Zh => format!("{} 个质检任务待完成", at(1)),
            Lang::En => format!("{} QA reviews to do", at(1)),
        },
        "appeals" => match lang {
            Lang::Zh => format!("{} 个申诉待处理", at(1)),
            Lang::En => format!("{} appeals waiting", at(1)),
        },
        other => other.to_string(),
    }
}

/// The change of a card against the previous period: relative, coloured by the figure's
/// direction.
fn change(lang: Lang, f: &Figure, cur: Value, prev: Value) -> Markup {
    let (c, p) = (report::number(cur), report::number(prev));
    html! {
        @match (c, p) {
            (Some(c), Some(p)) if p != 0.0 => {
                @let pct = (c - p) / p.abs() * 100.0;
                @let class = match f.direction {
                    _ if pct == 0.0 => "flat",
                    Direction::HigherIsBetter if pct > 0.0 => "up",
                    Direction::LowerIsBetter if pct < 0.0 => "up",
                    Direction::Neutral => "flat",
                    _ => "down",
                };
                span class={ "change " (class) } {
                    @if pct > 0.0 { "▲ " } @else if pct < 0.0 { "▼ " }
                    (format!("{:+.1}%", pct))
                }
            }
            (Some(c), Some(p)) if c == p => span.change.flat { (lang.t("持平", "no change")) },
            _ => span.change.flat { (lang.t("上期无数据", "no previous data")) },
        }
    }
}

/// The cards: each figure's value over the period, its change against the previous one, a
/// link to its items.
fn cards(lang: Lang, s: &Start, figures: &[&'static Figure], who: Who<'_>) -> Markup {
    let name = s.store.name();
    let len = s.to.0 - s.from.0 + 1;
    let lq = format!("&lang={}", lang.code());
    html! {
        div.cards {
            @for f in figures {
                @let (cur, prev) = (f.value(&s.current.counters), f.value(&s.previous.counters));
                a.card href={ (list_link(name, who, s.from, s.to, f.key)) (lq) } {
                    span.name { (format::label(lang, f)) }
                    strong.value { (format::value(f, cur)) }
                    (change(lang, f, cur, prev))
                    small.prev {
                        (lang.t("上期", "previous")) " (" (s.from.offset(-len)) " – " (s.from.offset(-1)) "): "
                        (format::value(f, prev))
                    }
                }
            }
        }
    }
}

/// The heatmap of one counter: weekdays down, hours across, each cell shaded by its share of
/// the busiest cell and showing its count.
pub(super) fn heat_table(
    lang: Lang,
    id: &'static str,
    title: &str,
    cells: &[[i64; 24]; 7],
) -> Markup {
    let max = cells.iter().flatten().copied().max().unwrap_or(0);
    let days = [
        lang.t("周一", "Mon"),
        lang.t("周二", "Tue"),
        lang.t("周三", "Wed"),
        lang.t("周四", "Thu"),
        lang.t("周五", "Fri"),
        lang.t("周六", "Sat"),
        lang.t("周日", "Sun"),
    ];
    html! {
        div.wrap {
            table.heat id=(id) {
                caption { (title) }
                thead {
                    tr {
                        th { (lang.t("星期 \\ 时", "Day \\ hour")) }
                        @for h in 0..24 { th { (h) } }
                        th { (lang.t("合计", "Total")) }
                    }
                }
                tbody {
                    @for (w, row) in cells.iter().enumerate() {
                        tr {
                            th { (days[w]) }
                            @for &n in row {
                                @let level = if max > 0 { (n * 5 + max - 1) / max } else { 0 };
                                td class={ "h" (level) } title={ (days[w]) " " (n) } { (n) }
                            }
                            td { strong { (row.iter().sum::<i64>()) } }
                        }
                    }
                }
            }
        }
    }
}

fn render(lang: Lang, s: &Start, days: i32, now: Millis) -> Markup {
    let name = s.store.name();
    let whole = s.store.whole();
    let lq = format!("&lang={}", lang.code());
    let base = format!("/?store={}", url(name));
    let figures: Vec<&'static Figure> = {
        let section = s.own.as_ref().map_or(Section::Presale, |o| o.section);
        let core = core_kpi(&s.kpis, section);
        let allowed = report::figures(By::Store, whole);
        std::iter::once(core)
            .chain(
                CARD_FIGURES
                    .iter()
                    .filter_map(|k| kefu_core::figures::figure(k))
                    .filter(|f| f.key != core.key),
            )
            .filter(|f| allowed.iter().any(|a| a.key == f.key))
            .collect()
    };
    let stale = is_stale(now, s.last_time);
    let has_data = !s.current.counters.is_zero();
    let who = match &s.own {
        Some(o) => Who::Account(&o.account),
        None => Who::Store,
    };
    html! {
        form.filters method="get" action="/" {
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="days" value=(days);
            label {
                (lang.s(S::Store)) br;
                select name="store" {
                    @for a in &s.allowed {
                        option selected[a.name() == name] { (a.name()) }
                    }
                }
            }
            button type="submit" { (lang.s(S::Show)) }
            span.quick {
                @for (n, label) in [(1, lang.t("最后一天", "Last day")), (7, lang.t("最近 7 天", "Last 7 days")), (30, lang.t("最近 30 天", "Last 30 days"))] {
                    " "
                    @if n == days { strong { (label) } } @else {
                        a href={ (base) "&days=" (n) (lq) } { (label) }
                    }
                }
            }
        }
        p class=(if stale { "freshness stale" } else { "freshness" }) role=[stale.then_some("alert")] {
            @match (s.last, s.last_time) {
                (Some(_), Some(t)) => {
                    (lang.t("数据截至 ", "Data up to ")) strong { (kefu_core::time::format_time(t)) }
                    @if stale {
                        " — " (lang.t("已超过一天没有新数据，请导入最新文件。", "more than a day old: import the latest files."))
                    }
                },
                (Some(l), None) => {
                    (lang.t("数据截至 ", "Data up to ")) strong { (l) }
                    " — " (lang.t("已超过一天没有新数据，请导入最新文件。", "more than a day old: import the latest files."))
                },
                _ => (lang.t("还没有数据：请先导入文件。", "No data yet: import files first.")),
            }
        }
        p.period {
            (lang.t("显示 ", "Showing ")) strong { (s.from) " – " (s.to) }
            @if let Some(l) = s.last {
                " (" (lang.t("以最后一个有数据的日期 ", "ending on the last day with data, ")) (l)
                (lang.t(" 为准", "")) ")"
            }
            " · " a href={ "/overview?store=" (url(name)) "&from=" (s.from) "&to=" (s.to) (lq) } { (lang.s(S::Overview)) }
            " · " a href={ "/ranking?store=" (url(name)) "&from=" (s.from) "&to=" (s.to) (lq) } { (lang.s(S::Ranking)) }
        }
        @if let Some(o) = &s.own {
            (own_block(lang, s, o, &figures))
        }
        h2 { (lang.t("关键指标（与上期对比）", "Key figures (against the previous period)")) }
        @if has_data {
            (cards(lang, s, &figures, who))
        } @else {
            p.nodata { (lang.t("这段时间没有数据。", "No data in this period.")) }
        }
        @if whole {
            h2 { (lang.t("需要关注", "Needs attention")) }
            @if s.attention.is_empty() {
                p { (lang.t("目前没有需要处理的事项。", "Nothing needs attention now.")) }
            } @else {
                ul.attention {
                    @for a in &s.attention {
                        li { a href={ (a.link) (lq) } { (attention_text(lang, &a.text)) } }
                    }
                }
            }
        }
        h2 { (lang.t("一周中的忙闲（最近 28 天）", "The week by hour (last 28 days)")) }
        @if s.heatmap.consulted.iter().flatten().all(|&n| n == 0) {
            p.nodata { (lang.t("这段时间没有咨询。", "No consultations in this period.")) }
        } @else {
            p.note {
                (lang.t(
                    "按买家首条消息的时间计；颜色越深人越多。慢响应表中颜色深的时段，就是人手不够的时段。",
                    "By the time of the buyer's first message; darker is more. Where the slow table is dark, staffing hurts.",
                ))
            }
            (heat_table(lang, "heat-consulted", &format::label(lang, kefu_core::figures::figure("consulted").unwrap_or(&kefu_core::figures::ACCOUNT_FIGURES[0])), &s.heatmap.consulted))
            (heat_table(lang, "heat-slow", &format::label(lang, kefu_core::figures::figure("slow").unwrap_or(&kefu_core::figures::ACCOUNT_FIGURES[0])), &s.heatmap.slow))
        }
    }
}

/// An agent's own block: rank among peers, own figures against the team's, own reviews.
fn own_block(lang: Lang, s: &Start, o: &Own, figures: &[&'static Figure]) -> Markup {
    let name = s.store.name();
    let lq = format!("&lang={}", lang.code());
    let core = core_kpi(&s.kpis, o.section);
    html! {
        section.own {
            h2 { (lang.t("我的排名", "My rank")) }
            p.rank {
                @match o.rank {
                    Some((n, of)) => {
                        strong { (n) " / " (of) }
                        " " (lang.t("（按 ", "(by ")) (format::label(lang, core)) (lang.t("，同岗位客服中）", ", among the agents of my role)"))
                    },
                    None => (lang.t("这段时间没有可排名的数据。", "No data to rank in this period.")),
                }
                " · " a href={ "/ranking?store=" (url(name)) "&from=" (s.from) "&to=" (s.to) (lq) } { (lang.s(S::Ranking)) }
            }
            @if let Some((group, team, n)) = &o.team {
                h2 { (lang.t("我与团队平均", "Me and the team's average")) }
                div.wrap {
                    table.team id="team" {
                        thead {
                            tr {
                                th { (lang.s(S::Figure)) }
                                th { (lang.t("我", "Me")) }
                                th { (lang.t("团队平均", "Team average")) " (" (if group.is_empty() { lang.t("同岗位", "same role") } else { group.as_str() }) ", " (n) (lang.t(" 人", " people")) ")" }
                            }
                        }
                        tbody {
                            @for f in figures.iter().filter(|f| !f.store_level()) {
                                tr {
                                    td { (format::label(lang, f)) }
                                    td { (format::value(f, f.value(&s.current.counters))) }
                                    td { (team_average(f, &team.counters, *n)) }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (lang.t("我的质检", "My reviews")) }
            p {
                a href={ "/qa/reviews?store=" (url(name)) (lq) } {
                    (o.reviews) (lang.t(" 条质检结果", " reviews"))
                }
                @if o.open_appeals > 0 {
                    " · " (o.open_appeals) (lang.t(" 条申诉处理中", " appeals open"))
                }
            }
        }
    }
}

/// A figure's team average: a rate or mean of the team's pooled items (the same as the
/// average person weighted by their items); a count or money per person.
pub(super) fn team_average(f: &Figure, team: &kefu_core::figures::Counters, n: usize) -> String {
    match f.value(team) {
        Value::Count(c) if n > 0 => format!("{:.1}", c as f64 / n as f64),
        Value::Money(c) if n > 0 => format::money((c as f64 / n as f64).round() as i64),
        v => format::value(f, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_medians_and_staleness() {
        // 2026-11-09 was a Monday, 2026-11-15 a Sunday
        assert_eq!(weekday(Day::parse("2026-11-09").unwrap()), 0);
        assert_eq!(weekday(Day::parse("2026-11-15").unwrap()), 6);
        assert_eq!(weekday(Day(0)), 3, "1970-01-01 was a Thursday");
        assert_eq!(median(&mut [0.3, 0.1, 0.2]), 0.2);
        assert_eq!(median(&mut [0.4, 0.1, 0.2, 0.3]), 0.25);
        assert!(is_stale(2 * DAY_MS + 1, Some(DAY_MS)));
        assert!(!is_stale(2 * DAY_MS, Some(DAY_MS)));
        assert!(is_stale(0, None));
        assert_eq!(
            ranks(
                Direction::HigherIsBetter,
                &[Some(0.5), None, Some(0.7), Some(0.5)]
            ),
            [Some(2), None, Some(1), Some(2)]
        );
        assert_eq!(
            ranks(Direction::LowerIsBetter, &[Some(3.0), Some(1.0), Some(2.0)]),
            [Some(3), Some(1), Some(2)]
        );
    }
}
