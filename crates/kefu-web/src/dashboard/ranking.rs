use super::*;

use axum::extract::Form;
use axum::response::Redirect;

use kefu_core::platform::Platform;
use kefu_report::platform::PlatformRow;

use super::platform_tables::{platform_row_shown, platform_tables};

use kefu_core::figures::Unit;

use crate::ui::format;
use crate::ui::table::Content;

pub(super) struct Ranking {
    allowed: Vec<StoreScope>,
    store: StoreScope,
    from: Day,
    to: Day,
    last: Day,
    rows: Vec<Row>,
    /// Every account's row, for the 名次 of a user who sees only some of them (their rank
    /// among their peers; no other figure of a peer is shown). Empty when `rows` are all.
    peers: Vec<Row>,
    /// The store's roster (groups and roles of the rows).
    accounts: Vec<kefu_store::AccountInfo>,
    /// The store's roster groups, for the group filter.
    group_names: Vec<String>,
    /// The platform report figures for the range, the rows the user may see.
    platform: Vec<PlatformRow>,
    /// The store's platform profile: which service figures the ranking shows.
    profile: Platform,
    /// The figure KPIs of the plans in force in the month of `to`.
    kpis: PlanKpis,
    /// The page's `cols=`, `group=` and `role=`.
    cols: Option<String>,
    group: Option<String>,
    role: Option<String>,
    /// The user's saved columns (`cols=` value), shown when the address names none.
    saved: Option<String>,
}

impl Ranking {
    /// The section of a row, by the roster.
    fn section_of(&self, row: &Row) -> Section {
        let info = row
            .account
            .and_then(|id| self.accounts.iter().find(|a| a.id == id));
        Section::of(row.is_bot, info.and_then(|a| a.role))
    }
}

/// `GET /ranking`: every account ranked, one table per role (售前, 售后, others, bots): by
/// the store's core KPI unless sorted otherwise, a 名次 column, the columns picked with
/// `cols=`, the best and worst value of each KPI column marked.
pub async fn ranking(
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
    let filter = Params {
        group: p.group.clone(),
        role: p.role.clone(),
        ..Params::default()
    };
    let loaded = state
        .db(move |db| {
            let all = access::allowed(db, &u, None)?;
            let store = one_store(access::allowed(db, &u, qstore.as_deref())?)?;
            let only = std::slice::from_ref(&store);
            let (from, to) = report::range(db, qfrom.as_deref(), qto.as_deref(), only)?;
            let last = store.day_span(db)?.map_or(to, |(_, l)| l);
            let accounts = store.roster(db)?;
            let stored = store.platform_figures(db, from, to)?;
            let mut platform = kefu_report::platform::rows(&stored, from, to);
            platform.retain(|row| platform_row_shown(&filter, store.rows(), &accounts, row));
            let mut rows = report::build(db, By::Account, from, to, only)?.rows;
            rows.retain(|row| {
                passes(
                    &filter,
                    row,
                    accounts.iter().find(|a| Some(a.id) == row.account),
                )
            });
            let mut group_names: Vec<String> =
                accounts.iter().filter_map(|a| a.group.clone()).collect();
            group_names.sort();
            group_names.dedup();
            let kpis = plan_kpis(db, &store, to)?;
            let saved = db.user_view(&u, RANKING_VIEW)?;
            let peers = if store.whole() {
                Vec::new()
            } else {
                store.peer_report(db, from, to)?.rows
            };
            Ok(Ranking {
                profile: Platform::Taobao,
                peers,
                platform,
                group_names,
                rows,
                allowed: all,
                store,
                from,
                to,
                last,
                accounts,
                kpis,
                cols: None,
                group: filter.group,
                role: filter.role,
                saved,
            })
        })
        .await;
    let mut r = match loaded {
        Ok(r) => r,
        Err(e) => return error_page(lang, &user, e),
    };
    // The columns in the address, else the user's saved ones (`cols=default`: kefu's).
    r.cols = p
        .cols
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| r.saved.clone());
    let name = r.store.name().to_string();
    r.profile = state.config.store(&name).metrics.platform;
    let figures = report::profile_figures(By::Account, false, r.profile);
    let desc = p.dir.as_deref() != Some("asc");
    let sort = p
        .sort
        .as_deref()
        .and_then(|k| figures.iter().copied().find(|f| f.key == k))
        .map(|f| (f, desc));
    let group_now = p.group.as_deref().unwrap_or("");
    let role_now = p.role.as_deref().unwrap_or("");
    let roles = [
        ("presale", S::Presale),
        ("aftersale", S::Aftersale),
        ("bot", S::Bot),
    ];
    let extra = html! {
        label {
            (lang.s(S::Group))
            select name="group" {
                option value="" { (lang.s(S::Everyone)) }
                @for g in &r.group_names {
                    option value=(g) selected[g == group_now] { (g) }
                }
            }
        }
        label {
            (lang.s(S::Role))
            select name="role" {
                option value="" { (lang.s(S::Everyone)) }
                @for (value, label) in roles {
                    option value=(value) selected[value == role_now] { (lang.s(label)) }
                }
            }
        }
        @if let Some((f, _)) = sort {
            input type="hidden" name="sort" value=(f.key);
        }
        @if !desc {
            input type="hidden" name="dir" value="asc";
        }
        @if let Some(c) = &r.cols {
            input type="hidden" name="cols" value=(c);
        }
    };
    let filters = filters(
        lang,
        "/ranking",
        &r.allowed,
        &name,
        Span {
            from: r.from,
            to: r.to,
            last: r.last,
        },
        extra,
    );
    let sort_q = sort.map_or(String::new(), |(f, d)| {
        format!("&sort={}&dir={}", f.key, if d { "desc" } else { "asc" })
    });
    let filter_q = format!("&group={}&role={}", url(group_now), url(role_now));
    let cols_q = r
        .cols
        .as_deref()
        .map_or(String::new(), |c| format!("&cols={}", url(c)));
    let here = link(
        "/ranking",
        &name,
        r.from,
        r.to,
        &format!("{filter_q}{sort_q}{cols_q}"),
    );
    let picker = column_picker(
        lang,
        &user,
        &r,
        &link(
            "/ranking",
            &name,
            r.from,
            r.to,
            &format!("{filter_q}{sort_q}"),
        ),
    );
    let sections = ranking_tables(lang, &r, sort);
    let platform_tables = platform_tables(lang, &r.platform);
    if let Some(format) = export {
        let file = format!("ranking-{}-{}", r.from, r.to);
        let all: Vec<Table> = sections
            .into_iter()
            .map(|(_, _, t)| t)
            .chain(platform_tables)
            .collect();
        return table::download(&all, p.table.as_deref(), format, &file)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    let body = html! {
        (filters)
        p.print-only { (name) " · " (r.from) " – " (r.to) }
        (picker)
        @for (section, core, t) in &sections {
            section.ranking id={ "section-" (section.id()) } {
                h2 { (t.title) " (" (t.rows.len()) ")" }
                p.note {
                    (lang.t("按核心指标排名：", "Ranked by the core KPI: ")) strong { (format::label(lang, core)) }
                    " · "
                    (lang.t(
                        "绿色/红色只标在考核指标列上，按指标的好坏方向。",
                        "Green and red mark only the KPI columns, by which way each is better.",
                    ))
                }
                (t.download_links(lang, &here))
                (t.markup("ranking"))
            }
        }
        @if r.rows.is_empty() && r.platform.is_empty() {
            p { (lang.s(S::NoData)) }
        }
        @if !platform_tables.is_empty() {
            section #platform {
                h2 { (lang.s(S::PlatformFigures)) }
                p.note { (lang.s(S::PlatformFiguresNote)) }
                @for t in &platform_tables {
                    h3 { (t.title) }
                    (t.download_links(lang, &here))
                    (t.markup("platform"))
                }
            }
        }
    };
    let page = page(lang, lang.s(S::Ranking), Some(&user.session), &here, body);
    Html(page.into_string()).into_response()
}

/// The figures a ranking shows unless `cols=` says otherwise: who was served, how they
/// converted and sold, how fast and how well (the KPIs of the plans in force are added).
pub(super) const DEFAULT_COLUMNS: &[&str] = &[
    "consulted",
    "inquiries",
    "inquiry_conversion",
    "sales",
    "reply_rate",
    "avg_first_response_secs",
    "answered_within_3min_rate",
    "slow",
    "satisfaction_rate",
];

/// The store's core KPI when no plan names one (issue 14: 询单转化率).
pub(super) const CORE_KPI: &str = "inquiry_conversion";

/// A section of the ranking: the people of one roster role, or the bots.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Presale,
    Aftersale,
    /// People without a role in the roster.
    Others,
    Bots,
}

impl Section {
    pub(super) const ALL: [Section; 4] = [
        Section::Presale,
        Section::Aftersale,
        Section::Others,
        Section::Bots,
    ];
    /// The table id (downloads pick a table by it).
    pub(super) fn id(self) -> &'static str {
        match self {
            Section::Presale => "presale",
            Section::Aftersale => "aftersale",
            Section::Others => "people",
            Section::Bots => "bots",
        }
    }
    pub(super) fn title(self, lang: Lang) -> &'static str {
        match self {
            Section::Presale => lang.t("售前客服", "Presale agents"),
            Section::Aftersale => lang.t("售后客服", "After-sale agents"),
            Section::Others => lang.t(
                "其他人工客服（花名册未设岗位）",
                "Other agents (no role in the roster)",
            ),
            Section::Bots => lang.s(S::Bots),
        }
    }
    /// The section of an account.
    pub(super) fn of(is_bot: bool, role: Option<kefu_core::model::Role>) -> Section {
        use kefu_core::model::Role;
        match (is_bot, role) {
            (true, _) | (_, Some(Role::Bot)) => Section::Bots,
            (_, Some(Role::Presale)) => Section::Presale,
            (_, Some(Role::Aftersale)) => Section::Aftersale,
            (_, None) => Section::Others,
        }
    }
    /// The roster role whose plan names this section's core KPI.
    fn role(self) -> Option<kefu_core::model::Role> {
        use kefu_core::model::Role;
        match self {
            Section::Presale => Some(Role::Presale),
            Section::Aftersale => Some(Role::Aftersale),
            Section::Others => None,
            Section::Bots => Some(Role::Bot),
        }
    }
}

/// The KPIs of the plans in force: per plan, the roster role it applies to and its figure
/// KPIs in the plan's order.
pub(super) type PlanKpis = Vec<(Option<kefu_core::model::Role>, Vec<&'static Figure>)>;

/// The figure KPIs of the plans in force for `store` in the month of `day` (plans that do
/// not parse are left out: the plans page says why).
pub(super) fn plan_kpis(
    db: &kefu_store::Db,
    store: &StoreScope,
    day: Day,
) -> Result<PlanKpis, WebError> {
    let (y, m, _) = day.ymd();
    let Some(month) = kefu_plan::Month::parse(&format!("{y:04}-{m:02}")) else {
        return Ok(Vec::new());
    };
    Ok(store
        .plans_in_force(db, month)?
        .iter()
        .filter_map(|v| kefu_plan::parse(&v.toml).ok())
        .map(|plan| {
            let figures = plan
                .kpis
                .iter()
                .filter_map(|k| match k.source {
                    kefu_plan::model::Source::Figure { figure, .. } => Some(figure),
                    _ => None,
                })
                .collect();
            (plan.applies_to.role, figures)
        })
        .collect())
}

/// A section's core KPI: the first figure KPI of the plan for its role, else of any plan,
/// else 询单转化率.
pub(super) fn core_kpi(kpis: &PlanKpis, section: Section) -> &'static Figure {
    let of_role = kpis
        .iter()
        .filter(|(role, _)| *role == section.role())
        .chain(kpis.iter())
        .find_map(|(_, figures)| figures.first().copied());
    of_role
        .or_else(|| kefu_core::figures::figure(CORE_KPI))
        .unwrap_or(&kefu_core::figures::ACCOUNT_FIGURES[0])
}

/// Whether a figure's column is a KPI column, the only ones coloured best/worst: a plan's
/// KPI or the core one; without plans, the rates and times that have a better direction
/// (a volume such as 咨询人数 or 销售件数 is never coloured).
pub(super) fn is_kpi(kpis: &PlanKpis, core: &[&'static Figure], f: &Figure) -> bool {
    if core.iter().any(|c| c.key == f.key) {
        return true;
    }
    if kpis.iter().any(|(_, fs)| !fs.is_empty()) {
        return kpis.iter().any(|(_, fs)| fs.iter().any(|k| k.key == f.key));
    }
    f.direction != Direction::Neutral && matches!(f.unit, Unit::Percent | Unit::Seconds)
}

/// The columns asked for with `cols=` (keys, comma-separated; `all` for every figure), else
/// the default ones and the KPIs, in the spec's order.
pub(super) fn picked_columns(
    cols: Option<&str>,
    kpis: &PlanKpis,
    core: &[&'static Figure],
    profile: Platform,
) -> Vec<&'static Figure> {
    // The store's platform profile: the other platforms' service figures are not offered.
    let figures = report::profile_figures(By::Account, false, profile);
    let asked: Vec<&str> = cols
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if asked.contains(&"all") {
        return figures;
    }
    let known: Vec<&str> = asked
        .iter()
        .copied()
        .filter(|k| figures.iter().any(|f| f.key == *k))
        .collect();
    figures
        .into_iter()
        .filter(|f| {
            if known.is_empty() {
                DEFAULT_COLUMNS.contains(&f.key)
                    || core.iter().any(|c| c.key == f.key)
                    || kpis.iter().any(|(_, fs)| fs.iter().any(|k| k.key == f.key))
            } else {
                known.contains(&f.key)
            }
        })
        .collect()
}

/// An account's name as a table row shows it: the roster's display name, else the name
/// without its shop (`晨光旗舰店:Lily` is `Lily`), else the name. The full name is the
/// cell's tooltip and stays in its links.
pub(super) fn short_name<'a>(
    info: Option<&'a kefu_store::AccountInfo>,
    account: &'a str,
) -> &'a str {
    info.and_then(|a| a.display_name.as_deref())
        .filter(|d| !d.trim().is_empty())
        .or_else(|| kefu_core::platform::without_shop(account).filter(|s| !s.is_empty()))
        .unwrap_or(account)
}

/// Competition ranks (1, 2, 2, 4) of `values` by `direction` (lower first when lower is
/// better); `None` for an undefined value. A neutral figure ranks higher first.
pub(super) fn ranks(direction: Direction, values: &[Option<f64>]) -> Vec<Option<usize>> {
    let better = |a: f64, b: f64| match direction {
        Direction::LowerIsBetter => a < b,
        _ => a > b,
    };
    values
        .iter()
        .map(|v| v.map(|x| 1 + values.iter().flatten().filter(|&&y| better(y, x)).count()))
        .collect()
}

/// The ranking's tables, one per section (presale, after-sale, other people, bots), as the
/// page shows them: a 名次 by the section's core KPI, the short name, every picked figure a
/// link to the items behind it, best and worst marked on KPI columns only, columns sortable.
pub(super) fn ranking_tables(
    lang: Lang,
    r: &Ranking,
    sort: Option<(&'static Figure, bool)>,
) -> Vec<(Section, &'static Figure, Table)> {
    let name = r.store.name();
    let lq = format!("&lang={}", lang.code());
    let cores: Vec<&'static Figure> = Section::ALL.iter().map(|s| core_kpi(&r.kpis, *s)).collect();
    let figures = picked_columns(r.cols.as_deref(), &r.kpis, &cores, r.profile);
    let cols_q = r
        .cols
        .as_deref()
        .filter(|c| !c.is_empty())
        .map_or(String::new(), |c| format!("&cols={}", url(c)));
    let filter_q = format!(
        "&group={}&role={}",
        url(r.group.as_deref().unwrap_or("")),
        url(r.role.as_deref().unwrap_or(""))
    );
    Section::ALL
        .into_iter()
        .filter_map(|section| {
            let rows: Vec<&Row> = r
                .rows
                .iter()
                .filter(|x| r.section_of(x) == section)
                .collect();
            if rows.is_empty() {
                return None;
            }
            let core = core_kpi(&r.kpis, section);
            // the page's sort, else by the core KPI, best first
            let (by, desc) = sort.unwrap_or((core, core.direction != Direction::LowerIsBetter));
            let mut rows = rows;
            rows.sort_by(|a, b| {
                let (x, y) = (
                    report::number(by.value(&a.counters)),
                    report::number(by.value(&b.counters)),
                );
                // undefined values last in either direction
                match (x, y) {
                    (Some(x), Some(y)) if desc => y.total_cmp(&x),
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
                .then_with(|| a.key.cmp(&b.key))
            });
            // ranks among the section's accounts: every one of them, also for a user who
            // sees only their own
            let peers: Vec<&Row> = if r.peers.is_empty() {
                rows.clone()
            } else {
                r.peers
                    .iter()
                    .filter(|x| r.section_of(x) == section)
                    .collect()
            };
            let peer_ranks = ranks(
                core.direction,
                &peers
                    .iter()
                    .map(|x| report::number(core.value(&x.counters)))
                    .collect::<Vec<_>>(),
            );
            let rank: Vec<Option<usize>> = rows
                .iter()
                .map(|x| {
                    peers
                        .iter()
                        .position(|p| p.account == x.account)
                        .and_then(|i| peer_ranks[i])
                })
                .collect();
            let mut columns = vec![
                Column::new(lang.t("名次", "Rank")),
                Column::of(lang, S::Account),
                Column::of(lang, S::Group),
            ];
            for f in &figures {
                let sorted_desc = sort.is_some_and(|(s, d)| s.key == f.key && d)
                    || (sort.is_none() && f.key == core.key && desc);
                let dir = if sorted_desc { "asc" } else { "desc" };
                let mark = match sort.map_or((core, desc), |s| s) {
                    (s, true) if s.key == f.key => " ▼",
                    (s, false) if s.key == f.key => " ▲",
                    _ => "",
                };
                let mut column = Column::figure(lang, f).linked(Some(link(
                    "/ranking",
                    name,
                    r.from,
                    r.to,
                    &format!("&sort={}&dir={dir}{filter_q}{cols_q}{lq}", f.key),
                )));
                column.name.push_str(mark);
                columns.push(column);
            }
            let mut t = Table::new(section.id(), section.title(lang), columns);
            let kpi_cols: Vec<bool> = figures
                .iter()
                .map(|f| is_kpi(&r.kpis, &[core], f))
                .collect();
            let marks: Vec<(Option<f64>, Option<f64>)> = figures
                .iter()
                .zip(&kpi_cols)
                .map(|(f, &kpi)| {
                    if !kpi {
                        return (None, None);
                    }
                    let vals: Vec<f64> = rows
                        .iter()
                        .filter_map(|x| report::number(f.value(&x.counters)))
                        .collect();
                    best_and_worst(f.direction, &vals)
                })
                .collect();
            let of = peers.len();
            for (row, rank) in rows.iter().zip(rank) {
                let info = row
                    .account
                    .and_then(|id| r.accounts.iter().find(|a| a.id == id));
                let group = info.and_then(|a| a.group.clone()).unwrap_or_default();
                let account = row.key.as_deref().unwrap_or("");
                let drill = crate::ui::links::account_link(name, account, r.from, r.to) + &lq;
                let mut cells = vec![
                    match rank {
                        None => Cell::text("-"),
                        // a user who sees only some rows is told out of how many
                        Some(n) if !r.peers.is_empty() => Cell::text(format!("{n}/{of}")),
                        Some(n) => Cell::new(Content::Count(n as i64)),
                    },
                    Cell::text(short_name(info, account))
                        .linked(Some(drill))
                        .classed("name", Some(account.to_string())),
                    Cell::text(group),
                ];
                let list_prefix = list_link_prefix(name, Who::Account(account), r.from, r.to);
                for (f, (best, worst)) in figures.iter().zip(&marks) {
                    let v = f.value(&row.counters);
                    let n = report::number(v);
                    let list = format!("{list_prefix}{}{lq}", f.key);
                    let cell = Cell::figure(f, v).linked(Some(list));
                    cells.push(if n.is_some() && n == *best {
                        cell.classed("best", Some(lang.s(S::Best).to_string()))
                    } else if n.is_some() && n == *worst {
                        cell.classed("worst", Some(lang.s(S::Worst).to_string()))
                    } else {
                        cell
                    });
                }
                t.rows.push(cells);
            }
            Some((section, core, t))
        })
        .collect()
}

/// The column picker: every figure a link that adds it to the shown columns or takes it
/// away (`cols=`), and links to the default and to every column.
/// The page name of the ranking's saved view.
const RANKING_VIEW: &str = "ranking";

pub(super) fn column_picker(
    lang: Lang,
    user: &CurrentUser,
    r: &Ranking,
    here_without_cols: &str,
) -> Markup {
    let cores: Vec<&'static Figure> = Section::ALL.iter().map(|s| core_kpi(&r.kpis, *s)).collect();
    let shown = picked_columns(r.cols.as_deref(), &r.kpis, &cores, r.profile);
    let all = report::profile_figures(By::Account, false, r.profile);
    let lq = format!("&lang={}", lang.code());
    let with = |keys: Vec<&str>| format!("{here_without_cols}&cols={}{lq}", url(&keys.join(",")));
    html! {
        details.columns {
            summary { (lang.t("选择列", "Columns")) " (" (shown.len()) "/" (all.len()) ")" }
            p {
                a href=(with(vec!["default"])) { (lang.t("默认列", "Default columns")) }
                " · "
                a href=(with(vec!["all"])) { (lang.t("全部列", "All columns")) }
            }
            form.view method="post" action={ "/ranking/view?lang=" (lang.code()) } {
                input type="hidden" name="csrf" value=(user.session.csrf);
                input type="hidden" name="back" value={ (here_without_cols) (lq) };
                @if let Some(c) = r.cols.as_deref().filter(|c| r.saved.as_deref() != Some(*c)) {
                    input type="hidden" name="cols" value=(c);
                    button type="submit" { (lang.t("保存为我的默认列", "Save as my columns")) }
                    " "
                }
                @if r.saved.is_some() {
                    span.saved { (lang.t("已使用我保存的列", "Showing my saved columns")) }
                    " "
                    button type="submit" name="forget" value="1" {
                        (lang.t("清除我保存的列", "Forget my saved columns"))
                    }
                }
            }
            ul.picker {
                @for f in &all {
                    @let on = shown.iter().any(|s| s.key == f.key);
                    @let keys: Vec<&str> = shown
                        .iter()
                        .map(|s| s.key)
                        .filter(|k| *k != f.key)
                        .chain((!on).then_some(f.key))
                        .collect();
                    li {
                        a href=(with(keys)) aria-pressed=(on) {
                            @if on { "☑ " } @else { "☐ " }
                            (format::label(lang, f))
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ViewForm {
    #[serde(default)]
    cols: String,
    #[serde(default)]
    forget: String,
    #[serde(default)]
    back: String,
}

/// `POST /ranking/view`: saves the shown columns as the user's own (restored whenever the
/// ranking's address names none), or forgets them; back to the ranking.
pub async fn save_view(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
    Form(f): Form<ViewForm>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let cols = f.cols.trim().to_string();
    let plain = cols
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b',');
    if f.forget.is_empty() && (cols.is_empty() || cols.len() > 2000 || !plain) {
        return error_page(
            lang,
            &user,
            WebError::invalid("没有可保存的列", "no columns to save"),
        );
    }
    let u = user.session.user.clone();
    let keep = (f.forget.is_empty()).then_some(cols);
    let saved = state
        .db(move |db| Ok(db.save_user_view(&u, RANKING_VIEW, keep.as_deref())?))
        .await;
    if let Err(e) = saved {
        return error_page(lang, &user, e);
    }
    // Only back to the ranking: the address is the form's, not a place to send anyone.
    let back = if f.back.starts_with("/ranking?") {
        f.back
    } else {
        format!("/ranking?lang={}", lang.code())
    };
    Redirect::to(&back).into_response()
}

/// The best and worst of a column's values by the figure's direction: none for a neutral
/// figure (a volume is neither) or when every value is the same.
pub(super) fn best_and_worst(direction: Direction, values: &[f64]) -> (Option<f64>, Option<f64>) {
    let hi = values.iter().copied().reduce(f64::max);
    let lo = values.iter().copied().reduce(f64::min);
    match (hi, lo, direction) {
        (Some(hi), Some(lo), Direction::HigherIsBetter) if hi != lo => (Some(hi), Some(lo)),
        (Some(hi), Some(lo), Direction::LowerIsBetter) if hi != lo => (Some(lo), Some(hi)),
        _ => (None, None),
    }
}

/// Unknown paths: anonymous requests are sent to the login page like every other.
pub async fn not_found(
    user: CurrentUser,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::json_error(
            StatusCode::NOT_FOUND,
            crate::api::ErrorCode::NotFound,
            "no such endpoint",
        );
    }
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let body = html! {
        p { (lang.s(S::NotFoundHelp)) }
        p { a href={ "/?lang=" (lang.code()) } { (lang.s(S::StartPage)) } }
    };
    frame(lang, &user, StatusCode::NOT_FOUND, S::NotFound, "/", body)
}
