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

pub(super) fn payslip_html(
    lang: Lang,
    store: &Allowed,
    month: Month,
    r: &PlanResult,
    p: &Payslip,
) -> String {
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
