use super::*;

pub(super) fn strip_lang(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| !kv.starts_with("lang="))
        .collect::<Vec<_>>()
        .join("&")
}

/// Runs the stored plans in force (only `plan` when given) and keeps what the user may see.
pub(super) fn run_visible(
    db: &Db,
    u: &User,
    p: &PlanParams,
) -> Result<(Vec<StoreScope>, StoreScope, Month, Vec<PlanResult>), WebError> {
    let stores = access::allowed(db, u, None)?;
    let (store, month) = scope_in(db, &stores, p)?;
    let id = p.plan.as_deref().filter(|s| !s.is_empty());
    let results = store.run_stored_plans(db, month, id)?;
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
    let hidden = html! { input type="hidden" name="plan" value=(plan); };
    // Who else the plan matches is the store's business, not an agent's.
    let whole = store.whole();
    let body = html! {
        (month_form(lang, "/plans/run", &stores, &store, month, hidden))
        @if results.iter().any(|r| r.empty_month) {
            p.error {
                (lang.t(
                    "该月店铺没有任何数据：没有人排名，也没有浮动薪酬（只有固定部分）。是否漏导入了数据？",
                    "The store has no data at all in this month: nobody is ranked and no variable pay is paid (fixed pay only). Was an import missed?"
                ))
            }
        }
        @if whole && let Some(line) = render::unpaid_line(&results, lang) {
            p.error { (line) }
        }
        @let combined = if whole { render::combined_pay_lines(&results, lang) } else { Vec::new() };
        @if !combined.is_empty() {
            h3 { (lang.t("按人合计（一人多张工资条）", "Per person (people with more than one payslip)")) }
            ul.combined-pay { @for line in &combined { li { (line) } } }
        }
        @for r in &results {
            @for line in render::columns_without_data_lines(r, lang) {
                p.error { (line) }
            }
            (ranking_html(lang, r, Some(&base), None, store.sees_store_totals()))
            @if whole {
                @for line in render::paid_elsewhere_lines(r, lang) {
                    p.note { (line) }
                }
                @if editor {
                    p {
                        a href={ "/plans/export?" (base) "&plan=" (url(&r.plan_id)) } {
                            (lang.t("导出工资表 (.xlsx)", "Payroll sheet (.xlsx)"))
                        }
                    }
                }
            }
        }
    };
    let here = format!("/plans/run?{}&plan={}", strip_lang(&base), url(&plan));
    frame(lang, &user, StatusCode::OK, S::PlanRanking, &here, body)
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
    frame(lang, &user, StatusCode::OK, S::Payslip, &here, body)
}

pub(super) fn payslip_html(
    lang: Lang,
    store: &StoreScope,
    month: Month,
    r: &PlanResult,
    p: &Payslip,
) -> Markup {
    let (from, to) = (month.first_day(), month.last_day());
    let lq = format!("&lang={}", lang.code());
    let figure_link = |key: &str| {
        let who = Who::Account(&p.account);
        format!("{}{lq}", list_link(store.name(), who, from, to, key))
    };
    let receptions = format!("{}{lq}", account_link(store.name(), &p.account, from, to));
    // Recovered-sales figures drill down to the worklists: every item, decided or not.
    let worklist_link = format!(
        "/worklists?store={}&all=1{lq}",
        crate::ui::html::url(store.name())
    );
    let s = &p.sales;
    html! {
        h2 { (r.plan_name) " · " (p.account) " · " (r.month) }
        p {
            (lang.t("排名", "Rank")) " " strong { (render::rank_text(p)) }
            " · " (lang.t("梯队", "Grade")) " " strong { (p.grade.as_deref().unwrap_or("–")) }
            " (" (lang.t("上月", "last month")) " " (p.previous_grade.as_deref().unwrap_or("–"))
            ", " (render::movement_text(p.movement, lang)) ")"
            " · " (lang.t("绩效分", "Score")) " " strong { (score_text(p.total_score)) }
            " · " a href=(receptions) { (lang.t("本月接待明细", "The month's receptions")) }
        }
        table {
            (head(
                lang,
                &[
                    ("指标", "KPI"),
                    ("数值", "Value"),
                    ("规则", "Rule"),
                    ("得分", "Score"),
                    ("权重", "Weight"),
                    ("加权分", "Points"),
                ]
            ))
            tbody {
                @for k in &p.kpis {
                    tr {
                        td { (lang.t(&k.name, &k.name_en)) }
                        td {
                            @match (k.figure, k.recovery) {
                                (Some(f), _) => a href=(figure_link(f)) { (k.value_text) },
                                (None, Some(_)) => a href=(worklist_link) { (k.value_text) },
                                _ => (k.value_text),
                            }
                            @if let (Some(zh), Some(en)) = (&k.computed_zh, &k.computed_en) {
                                br;
                                small.how { (lang.t(zh, en)) }
                            }
                        }
                        td {
                            (k.rule)
                            @if let Some(g) = &k.zeroed_by {
                                " " span.down { "[" (g) " → 0]" }
                            }
                        }
                        td { (score_text(k.score)) }
                        td { (weight_text(k.weight_bp)) }
                        td { (score_text(k.points)) }
                    }
                }
                tr {
                    th { (lang.t("合计", "Total")) }
                    td {} td {} td {}
                    td { "100%" }
                    td { strong { (score_text(p.total_score)) } }
                }
            }
        }
        @if !p.gates.is_empty() {
            h2 { (lang.t("门槛", "Gates")) }
            ul {
                @for g in &p.gates {
                    li {
                        (g.name) ": " (lang.t(&g.condition_zh, &g.condition_en)) " (" (lang.t("实际", "actual")) " "
                        (g.value_explained(lang == Lang::En)) ") → "
                        @if g.fired {
                            span.down {
                                (lang.t("触发：", "applied:")) " " (lang.t(&g.effect, &g.effect_en))
                            }
                        } @else {
                            (lang.t("未触发", "not applied"))
                        }
                    }
                }
            }
        }
        h2 { (lang.t("提成销售额", "Commissionable sales")) }
        table.facts {
            tbody {
                tr {
                    th {
                        (lang.t("本月付款订单", "Orders paid this month")) " ("
                        a href=(figure_link("paid_orders")) { (s.orders.len()) } ")"
                    }
                    td { (money(s.gross_cents)) }
                }
                tr {
                    th { "− " (lang.t("结算日前完成的退款", "Refunds finished by settlement")) }
                    td { (money(s.refunded_cents)) }
                }
                tr {
                    th {
                        "− " (lang.t(
                            "往月订单结算后退款（扣回）",
                            "Clawback: refunds of earlier months after their settlement"
                        ))
                    }
                    td { (money(s.late_refunds_cents)) }
                }
                tr {
                    th { "= " (lang.t("提成基数", "Base")) }
                    td { strong { (money(s.net_cents)) } }
                }
            }
        }
        @if !s.late_refunds.is_empty() {
            h3 { (lang.t("退款扣回", "Clawback")) }
            table {
                (head(
                    lang,
                    &[
                        ("订单号", "Order"),
                        ("付款时间", "Paid at"),
                        ("退款完成时间", "Refund finished at"),
                        ("扣回金额", "Amount"),
                    ]
                ))
                tbody {
                    @for l in &s.late_refunds {
                        tr {
                            td { (l.order_id) }
                            td { (l.paid_at) }
                            td { (l.finished_at) }
                            td { "−" (money(l.amount_cents)) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("应发", "Pay")) }
        table {
            (head(
                lang,
                &[
                    ("项目", "Component"),
                    ("计算", "Formula"),
                    ("金额", "Amount"),
                ]
            ))
            tbody {
                @for l in &p.pay {
                    tr {
                        td { (lang.t(&l.name, &l.name_en)) }
                        td.text {
                            @if l.formula.is_empty() {
                                (lang.s(S::HiddenStoreTotals))
                            } @else {
                                (l.formula)
                            }
                        }
                        td { (money(l.amount_cents)) }
                    }
                }
                tr {
                    th { (lang.t("合计", "Total")) }
                    td {}
                    td { strong { (money(p.total_cents)) } }
                }
            }
        }
        @if !s.orders.is_empty() {
            details {
                summary { (lang.t("本月付款订单", "Orders paid this month")) " (" (s.orders.len()) ")" }
                table {
                    (head(
                        lang,
                        &[
                            ("订单号", "Order"),
                            ("付款时间", "Paid at"),
                            ("金额", "Amount"),
                            ("结算前退款", "Refunded by settlement"),
                        ]
                    ))
                    tbody {
                        @for o in &s.orders {
                            tr {
                                td { (o.order_id) }
                                td { (o.paid_at) }
                                td { (money(o.amount_cents)) }
                                td {
                                    @if o.refunded_cents > 0 {
                                        "−" (money(o.refunded_cents))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
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
            if !store.whole() || !access::may_edit_settings(&u) {
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
