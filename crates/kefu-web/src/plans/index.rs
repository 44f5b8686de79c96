use super::*;

/// The ranking of one plan as an HTML table; with `before`, the change of score and pay
/// against it (the what-if preview).
pub(super) fn ranking_html(
    lang: Lang,
    r: &PlanResult,
    links: Option<&str>,
    before: Option<&HashMap<String, (i64, i64)>>,
    totals: bool,
) -> Markup {
    let mut head = render::ranking_headers(r, lang);
    if before.is_some() {
        head.push(lang.t("分数变化", "Score change").to_string());
        head.push(lang.t("应发变化", "Pay change").to_string());
    }
    let gates = render::has_gates(std::slice::from_ref(r));
    let movement = |m: kefu_plan::Movement| match m {
        kefu_plan::Movement::Up => Some("up"),
        kefu_plan::Movement::Down => Some("down"),
        _ => None,
    };
    html! {
        h2 { (r.plan_name) " · " (r.month) }
        p {
            // The headcount is one of the store totals: hidden where the payslips hide it.
            @if totals {
                (lang.t("人数", "Agents")) " " (r.headcount) " · "
            }
            (lang.t("结算截止", "Settled before")) " " (r.settlement_end)
        }
        div.wrap {
            table {
                thead { tr { @for h in &head { th { (h) } } } }
                tbody {
                    @for p in &r.payslips {
                        tr {
                            td { (render::rank_text(p)) }
                            td {
                                @match links {
                                    Some(base) => a href={
                                        "/plans/payslip?" (base) "&plan=" (url(&r.plan_id))
                                        "&account=" (url(&p.account))
                                    } { (p.account) },
                                    None => (p.account),
                                }
                            }
                            td { (p.grade.as_deref().unwrap_or("–")) }
                            td class=[movement(p.movement)] {
                                (render::movement_text(p.movement, lang))
                            }
                            td { (score_text(p.total_score)) }
                            @if gates { td.gates { (render::gates_text(p, lang)) } }
                            td { (format_yuan(p.sales.net_cents)) }
                            @for l in &p.pay { td { (format_yuan(l.amount_cents)) } }
                            td { strong { (format_yuan(p.total_cents)) } }
                            @if let Some(before) = before {
                                @match before.get(&p.account) {
                                    Some((score, pay)) => {
                                        (change(p.total_score - score, score_text))
                                        (change(p.total_cents - pay, format_yuan))
                                    }
                                    None => { td { "–" } td { "–" } }
                                }
                            }
                        }
                    }
                }
                @if totals && r.payslips.len() > 1 {
                    @let sums = render::ranking_totals(r);
                    tfoot {
                        tr.totals {
                            th colspan="5" { (lang.t("合计", "Total")) }
                            @if gates { td {} }
                            td { (format_yuan(sums.net_sales_cents)) }
                            @for c in &sums.pay_cents { td { (format_yuan(*c)) } }
                            td { strong { (format_yuan(sums.total_cents)) } }
                            @if before.is_some() { td {} td {} }
                        }
                    }
                }
            }
        }
    }
}

/// A cell of the what-if preview: the change `d` shown by `text`, signed, coloured by its
/// direction.
fn change(d: i64, text: fn(i64) -> String) -> Markup {
    let class = match d.signum() {
        1 => Some("up"),
        -1 => Some("down"),
        _ => None,
    };
    html! { td class=[class] { @if d > 0 { "+" } (text(d)) } }
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
    let body = html! {
        (month_form(lang, "/plans", &stores, &store, month, html! {}))
        @if in_force.is_empty() {
            p { (lang.t("该月没有生效的绩效方案。", "No plan is in force for this month.")) }
        } @else {
            h2 { (lang.t("本月生效的方案", "Plans in force")) }
            ul {
                @for v in &in_force {
                    @let id = url(&v.plan_id);
                    li {
                        a href={ "/plans/run?" (base) "&plan=" (id) } { (plan_name(v)) }
                        " (" (lang.t("生效", "from")) " " (v.valid_from) ")"
                        @if editor {
                            " · "
                            a href={ "/plans/scores?" (base) "&plan=" (id) } {
                                (lang.t("手工评分", "Manual scores"))
                            }
                            " · "
                            a href={ "/plans/export?" (base) "&plan=" (id) } {
                                (lang.t("导出工资表", "Payroll (.xlsx)"))
                            }
                        }
                    }
                }
            }
        }
        @if editor {
            h2 { (lang.t("方案版本", "Plan versions")) }
            p { a href={ "/plans/edit?" (base) } { (lang.t("新建方案", "New plan")) } }
            table {
                (head(
                    lang,
                    &[
                        ("方案", "Plan"),
                        ("适用店铺", "Stores"),
                        ("生效月份", "In force from"),
                        ("保存人", "Saved by"),
                        ("", ""),
                    ]
                ))
                tbody {
                    @for v in &versions {
                        @let of: Vec<&str> = v
                            .stores
                            .iter()
                            .filter_map(|id| names.get(id).map(String::as_str))
                            .collect();
                        tr {
                            td { (v.plan_id) }
                            td { (of.join(", ")) }
                            td { (v.valid_from) }
                            td { (v.saved_by.as_deref().unwrap_or("–")) }
                            td {
                                a href={ "/plans/edit?" (base) "&version=" (v.id) } {
                                    (lang.t("编辑 / 试算", "Edit / what-if"))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::PlansPage,
        &format!("/plans?{}", strip_lang(&base)),
        body,
    )
}

/// The name a stored version's plan gives itself, or its id when it does not parse.
fn plan_name(v: &kefu_store::plans::PlanVersion) -> String {
    kefu_plan::parse(&v.toml).map_or_else(|_| v.plan_id.clone(), |p| p.name)
}
