use super::*;

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
pub(super) fn score_items(plan: &kefu_plan::Plan, lang: Lang) -> Vec<(String, String)> {
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

pub(super) fn scores_refused() -> WebError {
    WebError::Forbidden("scores are entered by supervisors".into())
}

/// The store, month and plan in force whose hand-entered scores are shown or saved (one
/// scope for the page and its form): whole stores only.
pub(super) fn scores_scope(
    db: &Db,
    user: &User,
    p: &PlanParams,
    plan_id: &str,
) -> Result<(StoreScope, Month, kefu_plan::Plan), WebError> {
    let (store, month) = scope(db, user, p)?;
    if !store.whole() {
        return Err(scores_refused());
    }
    let (_, plan) = store.stored_plan(db, plan_id, month)?.ok_or_else(|| {
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
            let (input, ids) = store.plan_input(db, &plan, month)?;
            let saved = store.plan_scores(db, month, &plan.id)?;
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
                    kefu_core::money::format_yuan(s.value)
                } else {
                    score_text(s.value)
                }
            })
            .unwrap_or_default()
    };
    let body = html! {
        h2 { (plan.name) " · " (month) }
        p.note {
            (lang.t(
                "分数 0–100（最多两位小数）；空白表示未录入（质检分则取质检评审的平均分）。",
                "Scores 0–100 (at most 2 decimals); blank means not entered (the QA score then comes from QA reviews)."
            ))
        }
        form method="post" action={ "/plans/scores?lang=" (lang.code()) } {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="store" value=(store.name());
            input type="hidden" name="month" value=(month);
            input type="hidden" name="plan" value=(plan.id);
            div.wrap {
                table {
                    thead {
                        tr {
                            th { (lang.t("客服账号", "Account")) }
                            @for (_, name) in &items { th { (name) } }
                        }
                    }
                    tbody {
                        @for (a, id) in input.agents.iter().zip(&ids) {
                            tr {
                                td { (a.account) }
                                @for (key, name) in &items {
                                    td {
                                        input name={ "v." (id) "." (key) } value=(value_of(*id, key))
                                            size="8" inputmode="decimal"
                                            aria-label={ (a.account) " " (name) };
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { button type="submit" { (lang.t("保存", "Save")) } }
        }
    };
    frame(lang, &user, StatusCode::OK, S::PlanScores, "/plans", body)
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
            let (_, ids) = store.plan_input(db, &plan, month)?;
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
            store.set_plan_scores(db, month, &plan.id, &scores)?;
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
