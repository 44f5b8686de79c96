use super::*;

/// The ranking of one plan as an HTML table; with `before`, the change of score and pay
/// against it (the what-if preview).
pub(super) fn ranking_html(
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
