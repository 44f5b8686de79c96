//! Performance plans in the browser: stored versions, editing with validation and a preview
//! of every agent's score and pay before saving (what-if), the team ranking with grades and
//! movement, payslips with links down to the receptions and orders, hand-entered scores,
//! the payroll workbook and `/api/v1/plans/run`.
//!
//! Plans belong to stores (`kefu_store` `plan_stores`): a store runs only its plans. A plan is
//! seen and edited by admins and by the supervisor of its one store (`access::may_edit_plan`);
//! hand-entered scores are a store's and are entered by whoever edits that store's settings.
//! Everyone sees the ranking of the stores they may see, limited to the rows they may see: an
//! agent sees only their own payslip.

use std::collections::{HashMap, HashSet};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::money::format_yuan;
use kefu_plan::{Month, Payslip, PlanResult, score_text, weight_text};
use kefu_report::plans as render;
use kefu_store::plans::{PlanRunError, PlanScore, SALES_TARGET_ITEM};
use kefu_store::{Db, StoreInfo, User};
use serde::Deserialize;

use crate::access::{self, Allowed};
use crate::auth::{CurrentUser, LangQuery};
use crate::i18n::{self, Lang, S, Strings};
use crate::ui::frame::{error_page, framed};
use crate::ui::html::{esc, url};
use crate::ui::links::account_link;
use crate::ui::links::{Who, list_link};
use crate::{ApiError, AppState, WebError};

/// The plan a new one starts from.
const TEMPLATE: &str = kefu_plan::SHIPPED[0].1;

#[derive(Debug, Default, Deserialize)]
pub struct PlanParams {
    pub store: Option<String>,
    pub month: Option<String>,
    pub plan: Option<String>,
    pub account: Option<String>,
    pub version: Option<String>,
    pub lang: Option<String>,
}

impl From<PlanRunError> for WebError {
    fn from(e: PlanRunError) -> WebError {
        match e {
            PlanRunError::Store(e) => WebError::Store(e),
            other => WebError::Internal(other.to_string()),
        }
    }
}

fn bad_month(s: &str) -> WebError {
    WebError::invalid(
        format!("`{s}` 不是如 2026-11 的月份"),
        format!("`{s}` is not a month like 2026-11"),
    )
}

/// The store the user asked for (or their first) and the month (or the store's last month
/// with data).
fn scope(db: &Db, user: &User, p: &PlanParams) -> Result<(Allowed, Month), WebError> {
    scope_in(db, &access::allowed(db, user, None)?, p)
}

/// [`scope`] among `stores`, the stores the user may see (for pages that list them too).
fn scope_in(db: &Db, stores: &[Allowed], p: &PlanParams) -> Result<(Allowed, Month), WebError> {
    let store = access::chosen(stores, p.store.as_deref())?;
    let month = match p.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).ok_or_else(|| bad_month(m))?,
        None => db.day_span(store.store.id)?.map_or(
            Month {
                year: 2026,
                month: 1,
            },
            |(_, last)| Month::of(last),
        ),
    };
    Ok((store, month))
}

/// Keeps only the payslips `store.rows` lets the user see.
fn visible(
    db: &Db,
    store: &Allowed,
    mut results: Vec<PlanResult>,
) -> Result<Vec<PlanResult>, WebError> {
    if store.rows == access::Rows::All {
        return Ok(results);
    }
    if !access::sees_store_totals(store) {
        // Gone from the results, so that no page or API response can show them; pages say
        // why where they would be.
        for r in &mut results {
            r.headcount = 0;
            r.store_sales_cents = 0;
            for line in r.payslips.iter_mut().flat_map(|p| p.pay.iter_mut()) {
                if line.kind == "pool" {
                    line.formula.clear();
                }
            }
        }
    }
    let names: HashSet<String> = db
        .accounts(store.store.id)?
        .into_iter()
        .filter(|a| store.rows.account(a.id))
        .map(|a| a.name)
        .collect();
    for r in &mut results {
        r.payslips.retain(|p| names.contains(&p.account));
        r.paid_by_other_plan.retain(|p| names.contains(&p.account));
        r.unpaid_with_sales.retain(|p| names.contains(&p.account));
    }
    results.retain(|r| !r.payslips.is_empty());
    Ok(results)
}

fn q(store: &Allowed, month: Month, lang: Lang) -> String {
    format!(
        "store={}&month={month}&lang={}",
        url(&store.store.name),
        lang.code()
    )
}

fn month_form(
    lang: Lang,
    path: &str,
    stores: &[Allowed],
    store: &Allowed,
    month: Month,
    extra: &str,
) -> String {
    let options: String = stores
        .iter()
        .map(|a| {
            format!(
                "<option{}>{}</option>",
                if a.store.id == store.store.id {
                    " selected"
                } else {
                    ""
                },
                esc(&a.store.name)
            )
        })
        .collect();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{path}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{}\">{extra}\
         <label>{}<br><select name=\"store\">{options}</select></label>\
         <label>{}<br><input type=\"month\" name=\"month\" value=\"{month}\"></label>\
         <button type=\"submit\">{}</button></form>",
        lang.code(),
        esc(lang.t("店铺", "Store")),
        esc(lang.t("月份", "Month")),
        esc(lang.t("查看", "Show")),
    )
}

/// The ranking of one plan as an HTML table; with `before`, the change of score and pay
/// against it (the what-if preview).
fn ranking_html(
    lang: Lang,
    r: &PlanResult,
    links: Option<&str>,
    before: Option<&HashMap<String, (i64, i64)>>,
    totals: bool,
) -> String {
    let mut head = render::ranking_headers(r, lang);
    if before.is_some() {
        head.push(lang.t("分数变化", "Score change").to_string());
        head.push(lang.t("应发变化", "Pay change").to_string());
    }
    let th: String = head
        .iter()
        .map(|h| format!("<th>{}</th>", esc(h)))
        .collect();
    let mut rows = String::new();
    for p in &r.payslips {
        let account = match links {
            Some(base) => format!(
                "<a href=\"/plans/payslip?{base}&plan={}&account={}\">{}</a>",
                url(&r.plan_id),
                url(&p.account),
                esc(&p.account)
            ),
            None => esc(&p.account),
        };
        let class = match p.movement {
            kefu_plan::Movement::Up => " class=\"up\"",
            kefu_plan::Movement::Down => " class=\"down\"",
            _ => "",
        };
        let mut cells = format!(
            "<td>{}</td><td>{account}</td><td>{}</td><td{class}>{}</td><td>{}</td><td>{}</td>",
            render::rank_text(p),
            esc(p.grade.as_deref().unwrap_or("–")),
            esc(render::movement_text(p.movement, lang)),
            score_text(p.total_score),
            format_yuan(p.sales.net_cents),
        );
        for l in &p.pay {
            cells.push_str(&format!("<td>{}</td>", format_yuan(l.amount_cents)));
        }
        cells.push_str(&format!(
            "<td><strong>{}</strong></td>",
            format_yuan(p.total_cents)
        ));
        if let Some(before) = before {
            match before.get(&p.account) {
                Some((score, pay)) => {
                    let ds = p.total_score - score;
                    let dp = p.total_cents - pay;
                    let sign = |d: i64| if d > 0 { "+" } else { "" };
                    let cls = |d: i64| match d.signum() {
                        1 => " class=\"up\"",
                        -1 => " class=\"down\"",
                        _ => "",
                    };
                    cells.push_str(&format!(
                        "<td{}>{}{}</td><td{}>{}{}</td>",
                        cls(ds),
                        sign(ds),
                        score_text(ds),
                        cls(dp),
                        sign(dp),
                        format_yuan(dp)
                    ));
                }
                None => cells.push_str("<td>–</td><td>–</td>"),
            }
        }
        rows.push_str(&format!("<tr>{cells}</tr>"));
    }
    // The headcount is one of the store totals: hidden where the payslips hide it.
    let headcount = if totals {
        format!("{} {} · ", esc(lang.t("人数", "Agents")), r.headcount)
    } else {
        String::new()
    };
    format!(
        "<h2>{} · {}</h2><p>{headcount}{} {}</p><div class=\"wrap\"><table><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table></div>",
        esc(&r.plan_name),
        esc(&r.month),
        esc(lang.t("结算截止", "Settled before")),
        esc(&r.settlement_end),
    )
}

/// `GET /plans`: the month's plans in force with their rankings' links, and (for those who
/// edit plans) every stored version.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<PlanParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let editor = access::may_edit_settings(&u);
    let result = state
        .db(move |db| {
            let stores = access::allowed(db, &u, None)?;
            let (store, month) = scope_in(db, &stores, &p)?;
            let in_force = db.plans_in_force(store.store.id, month)?;
            let mut versions = Vec::new();
            if editor {
                for v in db.plan_versions()? {
                    if access::may_edit_plan(db, &u, &v.stores)? {
                        versions.push(v);
                    }
                }
            }
            let names: HashMap<i64, String> =
                db.stores()?.into_iter().map(|s| (s.id, s.name)).collect();
            Ok((stores, store, month, in_force, versions, names))
        })
        .await;
    let (stores, store, month, in_force, versions, names) = match result {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let base = q(&store, month, lang);
    let mut body = month_form(lang, "/plans", &stores, &store, month, "");
    if in_force.is_empty() {
        body.push_str(&format!(
            "<p>{}</p>",
            esc(lang.t(
                "该月没有生效的绩效方案。",
                "No plan is in force for this month."
            ))
        ));
    } else {
        body.push_str(&format!(
            "<h2>{}</h2><ul>",
            esc(lang.t("本月生效的方案", "Plans in force"))
        ));
        for v in &in_force {
            let name = kefu_plan::parse(&v.toml).map_or_else(|_| v.plan_id.clone(), |p| p.name);
            body.push_str(&format!(
                "<li><a href=\"/plans/run?{base}&plan={id}\">{name}</a> ({from} {vf})",
                id = url(&v.plan_id),
                name = esc(&name),
                from = esc(lang.t("生效", "from")),
                vf = v.valid_from,
            ));
            if editor {
                body.push_str(&format!(
                    " · <a href=\"/plans/scores?{base}&plan={id}\">{}</a> · <a href=\"/plans/export?{base}&plan={id}\">{}</a>",
                    esc(lang.t("手工评分", "Manual scores")),
                    esc(lang.t("导出工资表", "Payroll (.xlsx)")),
                    id = url(&v.plan_id),
                ));
            }
            body.push_str("</li>");
        }
        body.push_str("</ul>");
    }
    if editor {
        body.push_str(&format!(
            "<h2>{}</h2><p><a href=\"/plans/edit?{base}\">{}</a></p>",
            esc(lang.t("方案版本", "Plan versions")),
            esc(lang.t("新建方案", "New plan")),
        ));
        let rows: String = versions
            .iter()
            .map(|v| {
                let of: Vec<&str> = v
                    .stores
                    .iter()
                    .filter_map(|id| names.get(id).map(String::as_str))
                    .collect();
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/plans/edit?{base}&version={}\">{}</a></td></tr>",
                    esc(&v.plan_id),
                    esc(&of.join(", ")),
                    v.valid_from,
                    esc(v.saved_by.as_deref().unwrap_or("–")),
                    v.id,
                    esc(lang.t("编辑 / 试算", "Edit / what-if")),
                )
            })
            .collect();
        body.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
            esc(lang.t("方案", "Plan")),
            esc(lang.t("适用店铺", "Stores")),
            esc(lang.t("生效月份", "In force from")),
            esc(lang.t("保存人", "Saved by")),
        ));
    }
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::PlansPage,
        &format!("/plans?{}", strip_lang(&base)),
        &body,
    )
}

fn strip_lang(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| !kv.starts_with("lang="))
        .collect::<Vec<_>>()
        .join("&")
}

/// Runs the stored plans in force (only `plan` when given) and keeps what the user may see.
fn run_visible(
    db: &Db,
    u: &User,
    p: &PlanParams,
) -> Result<(Vec<Allowed>, Allowed, Month, Vec<PlanResult>), WebError> {
    let stores = access::allowed(db, u, None)?;
    let (store, month) = scope_in(db, &stores, p)?;
    let id = p.plan.as_deref().filter(|s| !s.is_empty());
    let results = db.run_stored_plans(store.store.id, month, id)?;
    if results.is_empty() {
        let id = id.map_or(String::new(), |id| format!(" `{id}`"));
        return Err(WebError::missing(
            format!("{month} 没有生效的方案{id}"),
            format!("no plan{id} is in force for {month}"),
        ));
    }
    let results = visible(db, &store, results)?;
    Ok((stores, store, month, results))
}

/// `GET /plans/run?store=&month=&plan=`: the team ranking with grades and movement.
pub async fn run_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<PlanParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let editor = access::may_edit_settings(&u);
    let plan = p.plan.clone().unwrap_or_default();
    let (stores, store, month, results) = match state.db(move |db| run_visible(db, &u, &p)).await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let base = q(&store, month, lang);
    let hidden = format!(
        "<input type=\"hidden\" name=\"plan\" value=\"{}\">",
        esc(&plan)
    );
    let mut body = month_form(lang, "/plans/run", &stores, &store, month, &hidden);
    if results.iter().any(|r| r.empty_month) {
        body.push_str(&format!(
            "<p class=\"error\">{}</p>",
            esc(lang.t(
                "该月店铺没有任何数据：没有人排名，也没有浮动薪酬（只有固定部分）。是否漏导入了数据？",
                "The store has no data at all in this month: nobody is ranked and no variable pay is paid (fixed pay only). Was an import missed?"
            ))
        ));
    }
    if store.rows == access::Rows::All
        && let Some(line) = render::unpaid_line(&results, lang)
    {
        body.push_str(&format!("<p class=\"error\">{}</p>", esc(&line)));
    }
    for r in &results {
        body.push_str(&ranking_html(
            lang,
            r,
            Some(&base),
            None,
            access::sees_store_totals(&store),
        ));
        // Who else the plan matches is the store's business, not an agent's.
        if store.rows == access::Rows::All {
            for line in render::paid_elsewhere_lines(r, lang) {
                body.push_str(&format!("<p class=\"note\">{}</p>", esc(&line)));
            }
        }
        if store.rows == access::Rows::All && editor {
            body.push_str(&format!(
                "<p><a href=\"/plans/export?{base}&plan={}\">{}</a></p>",
                url(&r.plan_id),
                esc(lang.t("导出工资表 (.xlsx)", "Payroll sheet (.xlsx)"))
            ));
        }
    }
    let here = format!("/plans/run?{}&plan={}", strip_lang(&base), url(&plan));
    framed(lang, &user, StatusCode::OK, S::PlanRanking, &here, &body)
}

/// `GET /plans/payslip?store=&month=&plan=&account=`: one agent's payslip, every figure a
/// link to the receptions or orders behind it.
pub async fn payslip(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<PlanParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let account = p.account.clone().unwrap_or_default();
    let plan = p.plan.clone().unwrap_or_default();
    let loaded = state.db(move |db| run_visible(db, &u, &p)).await;
    let (_, store, month, results) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    // An account the user may not see is answered as if it did not exist.
    let found = results.iter().find_map(|r| {
        r.payslips
            .iter()
            .find(|s| s.account == account)
            .map(|s| (r, s))
    });
    let Some((r, slip)) = found else {
        return error_page(
            lang,
            &user,
            WebError::missing(
                format!("{month} 没有 `{account}` 的工资条"),
                format!("no payslip of `{account}` for {month}"),
            ),
        );
    };
    let body = payslip_html(lang, &store, month, r, slip);
    let here = format!(
        "/plans/payslip?{}&plan={}&account={}",
        strip_lang(&q(&store, month, lang)),
        url(&plan),
        url(&account)
    );
    framed(lang, &user, StatusCode::OK, S::Payslip, &here, &body)
}

fn payslip_html(lang: Lang, store: &Allowed, month: Month, r: &PlanResult, p: &Payslip) -> String {
    let (from, to) = (month.first_day(), month.last_day());
    let lq = format!("&lang={}", lang.code());
    let figure_link = |key: &str| {
        let who = Who::Account(&p.account);
        format!("{}{lq}", list_link(&store.store.name, who, from, to, key))
    };
    let receptions = format!(
        "{}{lq}",
        account_link(&store.store.name, &p.account, from, to)
    );
    let mut out = format!(
        "<h2>{} · {} · {}</h2><p>{} <strong>{}</strong> · {} <strong>{}</strong> ({} {}, {}) · {} <strong>{}</strong> · \
         <a href=\"{}\">{}</a></p>",
        esc(&r.plan_name),
        esc(&p.account),
        r.month,
        esc(lang.t("排名", "Rank")),
        render::rank_text(p),
        esc(lang.t("梯队", "Grade")),
        esc(p.grade.as_deref().unwrap_or("–")),
        esc(lang.t("上月", "last month")),
        esc(p.previous_grade.as_deref().unwrap_or("–")),
        esc(render::movement_text(p.movement, lang)),
        esc(lang.t("绩效分", "Score")),
        score_text(p.total_score),
        esc(&receptions),
        esc(lang.t("本月接待明细", "The month's receptions")),
    );
    let mut rows = String::new();
    for k in &p.kpis {
        let value = match k.figure {
            Some(f) => format!(
                "<a href=\"{}\">{}</a>",
                esc(&figure_link(f)),
                esc(&k.value_text)
            ),
            None => esc(&k.value_text),
        };
        let zeroed = k.zeroed_by.as_ref().map_or(String::new(), |g| {
            format!(" <span class=\"down\">[{} → 0]</span>", esc(g))
        });
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{value}</td><td>{}{zeroed}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(lang.t(&k.name, &k.name_en)),
            esc(&k.rule),
            score_text(k.score),
            weight_text(k.weight_bp),
            score_text(k.points),
        ));
    }
    out.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
         <tbody>{rows}<tr><th>{}</th><td></td><td></td><td></td><td>100%</td><td><strong>{}</strong></td></tr></tbody></table>",
        esc(lang.t("指标", "KPI")),
        esc(lang.t("数值", "Value")),
        esc(lang.t("规则", "Rule")),
        esc(lang.t("得分", "Score")),
        esc(lang.t("权重", "Weight")),
        esc(lang.t("加权分", "Points")),
        esc(lang.t("合计", "Total")),
        score_text(p.total_score),
    ));
    if !p.gates.is_empty() {
        out.push_str(&format!("<h2>{}</h2><ul>", esc(lang.t("门槛", "Gates"))));
        for g in &p.gates {
            out.push_str(&format!(
                "<li>{}: {} ({} {}) → {}</li>",
                esc(&g.name),
                esc(&g.condition),
                esc(lang.t("实际", "actual")),
                esc(&g.value_text),
                if g.fired {
                    format!(
                        "<span class=\"down\">{} {}</span>",
                        esc(lang.t("触发：", "applied:")),
                        esc(lang.t(&g.effect, &g.effect_en))
                    )
                } else {
                    esc(lang.t("未触发", "not applied"))
                }
            ));
        }
        out.push_str("</ul>");
    }
    let s = &p.sales;
    out.push_str(&format!(
        "<h2>{}</h2><table class=\"facts\"><tbody>\
         <tr><th>{} (<a href=\"{}\">{}</a>)</th><td>{}</td></tr>\
         <tr><th>− {}</th><td>{}</td></tr><tr><th>− {}</th><td>{}</td></tr>\
         <tr><th>= {}</th><td><strong>{}</strong></td></tr></tbody></table>",
        esc(lang.t("提成销售额", "Commissionable sales")),
        esc(lang.t("本月付款订单", "Orders paid this month")),
        esc(&figure_link("paid_orders")),
        s.orders.len(),
        format_yuan(s.gross_cents),
        esc(lang.t("结算日前完成的退款", "Refunds finished by settlement")),
        format_yuan(s.refunded_cents),
        esc(lang.t(
            "往月订单结算后退款（扣回）",
            "Clawback: refunds of earlier months after their settlement"
        )),
        format_yuan(s.late_refunds_cents),
        esc(lang.t("提成基数", "Base")),
        format_yuan(s.net_cents),
    ));
    let order_rows: String = s
        .orders
        .iter()
        .map(|o| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&o.order_id),
                esc(&o.paid_at),
                format_yuan(o.amount_cents),
                if o.refunded_cents > 0 {
                    format!("−{}", format_yuan(o.refunded_cents))
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let late_rows: String = s
        .late_refunds
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>−{}</td></tr>",
                esc(&l.order_id),
                esc(&l.paid_at),
                esc(&l.finished_at),
                format_yuan(l.amount_cents)
            )
        })
        .collect();
    if !late_rows.is_empty() {
        out.push_str(&format!(
            "<h3>{}</h3><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{late_rows}</tbody></table>",
            esc(lang.t("退款扣回", "Clawback")),
            esc(lang.t("订单号", "Order")),
            esc(lang.t("付款时间", "Paid at")),
            esc(lang.t("退款完成时间", "Refund finished at")),
            esc(lang.t("扣回金额", "Amount")),
        ));
    }
    out.push_str(&format!("<h2>{}</h2>", esc(lang.t("应发", "Pay"))));
    let pay_rows: String = p
        .pay
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td></tr>",
                esc(lang.t(&l.name, &l.name_en)),
                esc(if l.formula.is_empty() {
                    lang.s(S::HiddenStoreTotals)
                } else {
                    &l.formula
                }),
                format_yuan(l.amount_cents)
            )
        })
        .collect();
    out.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{pay_rows}\
         <tr><th>{}</th><td></td><td><strong>{}</strong></td></tr></tbody></table>",
        esc(lang.t("项目", "Component")),
        esc(lang.t("计算", "Formula")),
        esc(lang.t("金额", "Amount")),
        esc(lang.t("合计", "Total")),
        format_yuan(p.total_cents),
    ));
    if !order_rows.is_empty() {
        out.push_str(&format!(
            "<details><summary>{} ({})</summary><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{order_rows}</tbody></table></details>",
            esc(lang.t("本月付款订单", "Orders paid this month")),
            s.orders.len(),
            esc(lang.t("订单号", "Order")),
            esc(lang.t("付款时间", "Paid at")),
            esc(lang.t("金额", "Amount")),
            esc(lang.t("结算前退款", "Refunded by settlement")),
        ));
    }
    out
}

/// `GET /plans/export?store=&month=&plan=`: the payroll workbook (whole stores only).
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<PlanParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let result = state
        .db(move |db| {
            let (_, store, month, results) = run_visible(db, &u, &p)?;
            // Pay of the whole team goes to those who run the plans, not to reviewers.
            if store.rows != access::Rows::All || !access::may_edit_settings(&u) {
                return Err(WebError::Forbidden(
                    "the payroll sheet is for supervisors".into(),
                ));
            }
            let bytes = render::payroll_xlsx(&results, lang)
                .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok((month, bytes))
        })
        .await;
    match result {
        Ok((month, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"payroll-{month}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(lang, &user, e),
    }
}

/// `GET /api/v1/plans/run?store=&month=&plan=`: every visible payslip as JSON.
pub async fn api_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<PlanParams>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let u = user.session.user.clone();
    let (_, store, _, results) = state.db(move |db| run_visible(db, &u, &p)).await?;
    let mut json = serde_json::to_value(&results)
        .map_err(|e| ApiError(WebError::Internal(format!("plan results as JSON: {e}"))))?;
    if !access::sees_store_totals(&store) {
        // hidden, not zero: the pool line's formula is empty for the same reason
        for r in json.as_array_mut().into_iter().flatten() {
            r["headcount"] = serde_json::Value::Null;
            r["store_sales_cents"] = serde_json::Value::Null;
        }
    }
    Ok(axum::Json(json))
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    toml: String,
    /// The text the number fields were made from.
    #[serde(default)]
    base: String,
    /// `n.{start}.{end}`: a number of `base` edited in the form.
    #[serde(flatten)]
    numbers: HashMap<String, String>,
}

/// Browsers send a textarea with CRLF line ends.
fn unix_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// The plan text the form stands for: the text area, or — when number fields were changed —
/// the text they were made from with the new numbers written in.
fn edited_text(lang: Lang, f: &EditForm) -> Result<String, String> {
    let toml = unix_lines(&f.toml);
    let base = unix_lines(&f.base);
    let Ok(known) = kefu_plan::editable_numbers(&base) else {
        return Ok(toml);
    };
    let mut edits = Vec::new();
    for (name, value) in &f.numbers {
        let Some((start, end)) = name
            .strip_prefix("n.")
            .and_then(|r| r.split_once('.'))
            .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
        else {
            continue;
        };
        let unchanged = known
            .iter()
            .any(|k| k.start == start && k.end == end && k.text == value.trim());
        if !unchanged {
            edits.push((start, end, value.clone()));
        }
    }
    if edits.is_empty() {
        return Ok(toml);
    }
    if toml != base {
        return Err(lang
            .t(
                "请只修改表单中的数字或只修改方案文本，不要同时修改两者。",
                "Change either the numbers of the form or the text of the plan, not both at once.",
            )
            .to_string());
    }
    kefu_plan::replace_numbers(&base, &edits).map_err(|e| {
        format!(
            "{} {}, {}: {}",
            lang.t("方案有误：第", "The plan is invalid: line"),
            e.line,
            e.field,
            e.message
        )
    })
}

/// A field per weight, threshold, score, rate and amount of the plan.
fn numbers_html(lang: Lang, toml: &str) -> String {
    let Ok(numbers) = kefu_plan::editable_numbers(toml) else {
        return String::new();
    };
    let rows: String = numbers
        .iter()
        .map(|n| {
            format!(
                "<tr><td><label for=\"n{s}\">{f}</label></td><td><input id=\"n{s}\" name=\"n.{s}.{e}\" value=\"{v}\" size=\"10\"></td></tr>",
                s = n.start,
                e = n.end,
                f = esc(&n.field),
                v = esc(&n.text),
            )
        })
        .collect();
    format!(
        "<details open><summary>{}</summary><table class=\"facts\"><tbody>{rows}</tbody></table></details>",
        esc(lang.t(
            "权重、分档、费率与金额",
            "Weights, bands, rates and amounts"
        ))
    )
}

fn edit_html(lang: Lang, user: &CurrentUser, f: &EditForm, message: &str) -> String {
    format!(
        "{message}<form method=\"post\" action=\"/plans/preview?lang={lc}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"store\" value=\"{store}\">\
         <p><label>{month_l}<br><input type=\"month\" name=\"month\" value=\"{month}\" required></label> \
         <label>{vf_l}<br><input type=\"month\" name=\"valid_from\" value=\"{vf}\" required></label></p>\
         {numbers}<input type=\"hidden\" name=\"base\" value=\"{toml}\">\
         <p><label>{toml_l}<br><textarea name=\"toml\" rows=\"36\" cols=\"110\" spellcheck=\"false\">{toml}</textarea></label></p>\
         <p class=\"note\">{note}</p>\
         <p><button type=\"submit\">{preview}</button> \
         <button type=\"submit\" formaction=\"/plans/save?lang={lc}\">{save}</button></p></form>",
        lc = lang.code(),
        csrf = esc(&user.session.csrf),
        store = esc(&f.store),
        month_l = esc(lang.t("试算月份", "Preview month")),
        month = esc(&f.month),
        vf_l = esc(lang.t("保存为自该月起生效", "Save as in force from")),
        vf = esc(&f.valid_from),
        toml_l = esc(lang.t("方案（TOML，说明见 docs/plans.md）", "Plan (TOML, see docs/plans.md)")),
        toml = esc(&f.toml),
        numbers = numbers_html(lang, &f.toml),
        note = esc(lang.t(
            "修改权重、分档或费率后点“试算”，即可在保存前看到每位客服的分数和应发如何变化。",
            "Change a weight, band or rate and press Preview to see every agent's score and pay move before saving."
        )),
        preview = esc(lang.t("试算", "Preview")),
        save = esc(lang.t("保存为新版本", "Save as a new version")),
    )
}

/// `GET /plans/edit?store=&month=&version=`: a stored version (or the template) in the editor.
pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<PlanParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    if !access::may_edit_settings(&u) {
        return error_page(lang, &user, editing_refused());
    }
    let version = p.version.as_deref().and_then(|v| v.parse::<i64>().ok());
    let result = state
        .db(move |db| {
            let (store, month) = scope(db, &u, &p)?;
            let stored = match version {
                // A plan the user may not edit is answered as if it did not exist.
                Some(id) => Some(
                    db.plan_version(id)?
                        .filter(|v| access::may_edit_plan(db, &u, &v.stores).unwrap_or(false))
                        .ok_or_else(|| {
                            WebError::missing(
                                format!("没有方案版本 {id}"),
                                format!("no plan version {id}"),
                            )
                        })?,
                ),
                None => None,
            };
            Ok((store, month, stored))
        })
        .await;
    let (store, month, stored) = match result {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let form = EditForm {
        store: store.store.name.clone(),
        month: month.to_string(),
        valid_from: stored
            .as_ref()
            .map_or(month, |v| v.valid_from.max(month))
            .to_string(),
        toml: stored.map_or_else(|| TEMPLATE.to_string(), |v| v.toml),
        base: String::new(),
        numbers: HashMap::new(),
    };
    let body = edit_html(lang, &user, &form, "");
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::PlanEdit,
        "/plans/edit",
        &body,
    )
}

/// The store of an edited plan's form and the stores the plan runs in once saved: its stores
/// so far, or that store for a new plan. Refused unless the user may edit a plan of those
/// stores (a plan id of other stores is taken).
fn plan_scope(
    db: &Db,
    user: &User,
    p: &PlanParams,
    plan_id: &str,
) -> Result<(StoreInfo, Vec<i64>), WebError> {
    let store = access::settings_store(&access::settings_stores(db, user)?, p.store.as_deref())?;
    let mut stores = db.plan_stores(plan_id)?;
    if stores.is_empty() {
        stores.push(store.id);
    }
    if !access::may_edit_plan(db, user, &stores)? {
        return Err(WebError::Forbidden(format!(
            "plan `{plan_id}` runs in stores you do not manage (a plan of several stores is edited by admins); save it under another id"
        )));
    }
    Ok((store, stores))
}

/// The mistakes of a plan as the editor shows them, each with its line and field first.
fn plan_errors(lang: Lang, errors: &[kefu_plan::PlanError]) -> String {
    errors
        .iter()
        .map(|e| {
            format!(
                "<p class=\"error\">{} {}, {}: {}</p>",
                esc(lang.t("方案有误：第", "The plan is invalid: line")),
                e.line,
                esc(&e.field),
                esc(&e.message)
            )
        })
        .collect()
}

fn editing_refused() -> WebError {
    WebError::Forbidden("plans are edited by supervisors".into())
}

/// A refusal as the message above the editor.
fn error_html(message: &str) -> String {
    format!("<p class=\"error\">{}</p>", esc(message))
}

/// The editor shown again with what is wrong above it.
fn refused_edit(lang: Lang, user: &CurrentUser, f: &EditForm, error_html: &str) -> Response {
    let body = edit_html(lang, user, f, error_html);
    framed(
        lang,
        user,
        StatusCode::BAD_REQUEST,
        S::PlanEdit,
        "/plans/edit",
        &body,
    )
}

/// The plan a posted editor form holds (its number edits applied), or the page to answer
/// instead (boxed: a refusal is the rare path): preview and save refuse the same users, expired
/// forms and invalid plans alike.
fn posted_plan(
    lang: Lang,
    user: &CurrentUser,
    _headers: &HeaderMap,
    mut f: EditForm,
) -> Result<(EditForm, kefu_plan::Plan), Box<Response>> {
    if !access::may_edit_settings(&user.session.user) {
        return Err(Box::new(error_page(lang, user, editing_refused())));
    }
    match edited_text(lang, &f) {
        Ok(text) => f.toml = text,
        Err(message) => {
            return Err(Box::new(refused_edit(
                lang,
                user,
                &f,
                &error_html(&message),
            )));
        }
    }
    match kefu_plan::parse_all(&f.toml) {
        Ok(plan) => Ok((f, plan)),
        Err(errors) => Err(Box::new(refused_edit(
            lang,
            user,
            &f,
            &plan_errors(lang, &errors),
        ))),
    }
}

/// `POST /plans/preview`: the edited plan run for the month next to the version in force
/// (what-if), nothing saved.
pub async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
    Form(f): Form<EditForm>,
) -> Response {
    let lang = i18n::pick(lq.lang.as_deref(), &headers);
    let (f, plan) = match posted_plan(lang, &user, &headers, f) {
        Ok(posted) => posted,
        Err(page) => return *page,
    };
    let u = user.session.user.clone();
    let params = PlanParams {
        store: Some(f.store.clone()),
        month: Some(f.month.clone()),
        ..Default::default()
    };
    let result = state
        .db(move |db| {
            let (store, _) = plan_scope(db, &u, &params, &plan.id)?;
            let (_, month) = scope(db, &u, &params)?;
            Ok(db.preview_plan(store.id, &plan, month)?)
        })
        .await;
    let (new, before) = match result {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let before: Option<HashMap<String, (i64, i64)>> = before.as_ref().map(|r| {
        r.payslips
            .iter()
            .map(|p| (p.account.clone(), (p.total_score, p.total_cents)))
            .collect()
    });
    let note = format!(
        "<p>{}</p>",
        esc(if before.is_some() {
            lang.t(
                "试算结果（未保存），与当前生效版本比较：",
                "Preview (not saved), against the version in force:",
            )
        } else {
            lang.t("试算结果（未保存）：", "Preview (not saved):")
        })
    );
    let body = format!(
        "{note}{}{}",
        ranking_html(lang, &new, None, before.as_ref(), true),
        edit_html(lang, &user, &f, "")
    );
    framed(
        lang,
        &user,
        StatusCode::OK,
        S::PlanEdit,
        "/plans/edit",
        &body,
    )
}

/// `POST /plans/save`: stores the edited plan as a new version from `valid_from`.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
    Form(f): Form<EditForm>,
) -> Response {
    let lang = i18n::pick(lq.lang.as_deref(), &headers);
    let (f, plan) = match posted_plan(lang, &user, &headers, f) {
        Ok(posted) => posted,
        Err(page) => return *page,
    };
    let u = user.session.user.clone();
    let Some(valid_from) = Month::parse(&f.valid_from) else {
        let error = bad_month(&f.valid_from).to_string();
        return refused_edit(lang, &user, &f, &error_html(&error));
    };
    let toml = f.toml.clone();
    let params = PlanParams {
        store: Some(f.store.clone()),
        ..Default::default()
    };
    let result = state
        .db_mut(move |db| {
            let (_, stores) = plan_scope(db, &u, &params, &plan.id)?;
            db.save_plan_version(&plan.id, valid_from, &toml, Some(&u.name), &stores)?;
            db.audit(
                Some(&u),
                "plan.save",
                &format!("{} from {valid_from}", plan.id),
            )?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Redirect::to(&format!(
            "/plans?store={}&month={}&lang={}",
            url(&f.store),
            url(&f.month),
            lang.code()
        ))
        .into_response(),
        Err(e) => error_page(lang, &user, e),
    }
}

#[derive(Deserialize)]
pub struct ScoresForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    plan: String,
    /// `v.{account id}.{item}` per agent and item.
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

/// The items a supervisor enters for a plan: its manual items, the QA score and the target.
fn score_items(plan: &kefu_plan::Plan, lang: Lang) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = plan
        .manual
        .iter()
        .map(|m| (m.key.clone(), m.name.clone()))
        .collect();
    items.push((
        kefu_plan::QA_SCORE.into(),
        lang.t("质检分", "QA score").into(),
    ));
    items.push((
        SALES_TARGET_ITEM.into(),
        lang.t("销售目标（元）", "Sales target (yuan)").into(),
    ));
    items
}

fn scores_refused() -> WebError {
    WebError::Forbidden("scores are entered by supervisors".into())
}

/// The store, month and plan in force whose hand-entered scores are shown or saved (one
/// scope for the page and its form): whole stores only.
fn scores_scope(
    db: &Db,
    user: &User,
    p: &PlanParams,
    plan_id: &str,
) -> Result<(Allowed, Month, kefu_plan::Plan), WebError> {
    let (store, month) = scope(db, user, p)?;
    if store.rows != access::Rows::All {
        return Err(scores_refused());
    }
    let (_, plan) = db
        .stored_plan(store.store.id, plan_id, month)?
        .ok_or_else(|| {
            WebError::missing(
                format!("{month} 没有生效的方案 `{plan_id}`"),
                format!("no plan `{plan_id}` in force for {month}"),
            )
        })?;
    Ok((store, month, plan))
}

/// `GET /plans/scores?store=&month=&plan=`: the hand-entered scores of a plan's agents.
pub async fn scores_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<PlanParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    if !access::may_edit_settings(&u) {
        return error_page(lang, &user, scores_refused());
    }
    let plan_id = p.plan.clone().unwrap_or_default();
    let result = state
        .db(move |db| {
            let (store, month, plan) = scores_scope(db, &u, &p, &plan_id)?;
            let (input, ids) = db.plan_input(store.store.id, &plan, month)?;
            let saved = db.plan_scores(store.store.id, month, &plan.id)?;
            Ok((store, month, plan, input, ids, saved))
        })
        .await;
    let (store, month, plan, input, ids, saved) = match result {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let items = score_items(&plan, lang);
    let value_of = |id: kefu_core::model::NameId, item: &str| {
        saved
            .iter()
            .find(|s| s.account_id == id && s.item == item)
            .map(|s| {
                if item == SALES_TARGET_ITEM {
                    format_yuan(s.value)
                } else {
                    score_text(s.value)
                }
            })
            .unwrap_or_default()
    };
    let head: String = items
        .iter()
        .map(|(_, name)| format!("<th>{}</th>", esc(name)))
        .collect();
    let rows: String = input
        .agents
        .iter()
        .zip(&ids)
        .map(|(a, id)| {
            let cells: String = items
                .iter()
                .map(|(key, name)| {
                    format!(
                        "<td><input name=\"v.{id}.{k}\" value=\"{v}\" size=\"8\" inputmode=\"decimal\" aria-label=\"{a} {n}\"></td>",
                        k = esc(key),
                        v = esc(&value_of(*id, key)),
                        a = esc(&a.account),
                        n = esc(name),
                    )
                })
                .collect();
            format!("<tr><td>{}</td>{cells}</tr>", esc(&a.account))
        })
        .collect();
    let body = format!(
        "<h2>{} · {month}</h2><p class=\"note\">{}</p>\
         <form method=\"post\" action=\"/plans/scores?lang={lc}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"store\" value=\"{store}\">\
         <input type=\"hidden\" name=\"month\" value=\"{month}\">\
         <input type=\"hidden\" name=\"plan\" value=\"{plan_id}\">\
         <div class=\"wrap\"><table><thead><tr><th>{acc}</th>{head}</tr></thead><tbody>{rows}</tbody></table></div>\
         <p><button type=\"submit\">{save}</button></p></form>",
        esc(&plan.name),
        esc(lang.t(
            "分数 0–100（最多两位小数）；空白表示未录入（质检分则取质检评审的平均分）。",
            "Scores 0–100 (at most 2 decimals); blank means not entered (the QA score then comes from QA reviews)."
        )),
        lc = lang.code(),
        csrf = esc(&user.session.csrf),
        store = esc(&store.store.name),
        plan_id = esc(&plan.id),
        acc = esc(lang.t("客服账号", "Account")),
        save = esc(lang.t("保存", "Save")),
    );
    framed(lang, &user, StatusCode::OK, S::PlanScores, "/plans", &body)
}

/// `POST /plans/scores`: saves every filled-in value; a bad one refuses the whole form.
pub async fn save_scores(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
    Form(f): Form<ScoresForm>,
) -> Response {
    let lang = i18n::pick(lq.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    if !access::may_edit_settings(&u) {
        return error_page(lang, &user, scores_refused());
    }
    let params = PlanParams {
        store: Some(f.store.clone()),
        month: Some(f.month.clone()),
        ..Default::default()
    };
    let (plan_id, fields) = (f.plan.clone(), f.fields);
    let result = state
        .db_mut(move |db| {
            let (store, month, plan) = scores_scope(db, &u, &params, &plan_id)?;
            let (_, ids) = db.plan_input(store.store.id, &plan, month)?;
            let items: Vec<String> = score_items(&plan, lang)
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            let mut scores = Vec::new();
            for (name, value) in &fields {
                let Some(rest) = name.strip_prefix("v.") else {
                    continue;
                };
                let Some((id, item)) = rest.split_once('.') else {
                    continue;
                };
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                let Some(id) = id.parse().ok().filter(|id| ids.contains(id)) else {
                    return Err(WebError::invalid(
                        format!("`{name}` 中的账号未知"),
                        format!("unknown account in `{name}`"),
                    ));
                };
                if !items.iter().any(|i| i == item) {
                    return Err(WebError::invalid(
                        format!("未知项目 `{item}`"),
                        format!("unknown item `{item}`"),
                    ));
                }
                let parsed = if item == SALES_TARGET_ITEM {
                    kefu_core::money::parse_yuan(value).ok().filter(|c| *c >= 0)
                } else {
                    kefu_plan::parse_score(value)
                };
                let Some(value_h) = parsed else {
                    return Err(WebError::invalid(
                        format!("`{value}`（{item}）不是 0 到 100 的分数，也不是以元为单位的金额"),
                        format!(
                            "`{value}` ({item}) is not a score from 0 to 100 or an amount in yuan"
                        ),
                    ));
                };
                scores.push(PlanScore {
                    account_id: id,
                    item: item.to_string(),
                    value: value_h,
                });
            }
            db.set_plan_scores(store.store.id, month, &plan.id, &scores)?;
            db.audit(
                Some(&u),
                "plan.scores",
                &format!("{} {month}: {} values", plan.id, scores.len()),
            )?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Redirect::to(&format!(
            "/plans/run?store={}&month={}&plan={}&lang={}",
            url(&f.store),
            url(&f.month),
            url(&f.plan),
            lang.code()
        ))
        .into_response(),
        Err(e) => error_page(lang, &user, e),
    }
}
