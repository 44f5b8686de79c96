use super::*;

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
pub(super) fn unix_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// The plan text the form stands for: the text area, or — when number fields were changed —
/// the text they were made from with the new numbers written in.
pub(super) fn edited_text(lang: Lang, f: &EditForm) -> Result<String, String> {
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
pub(super) fn numbers_html(lang: Lang, toml: &str) -> Markup {
    let Ok(numbers) = kefu_plan::editable_numbers(toml) else {
        return html! {};
    };
    html! {
        details open {
            summary { (lang.t("权重、分档、费率与金额", "Weights, bands, rates and amounts")) }
            table.facts {
                tbody {
                    @for n in &numbers {
                        tr {
                            td { label for={ "n" (n.start) } { (n.field) } }
                            td {
                                input id={ "n" (n.start) } name={ "n." (n.start) "." (n.end) }
                                    value=(n.text) size="10";
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn edit_html(lang: Lang, user: &CurrentUser, f: &EditForm, message: Markup) -> Markup {
    let lc = lang.code();
    html! {
        (message)
        form method="post" action={ "/plans/preview?lang=" (lc) } {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="store" value=(f.store);
            p {
                label {
                    (lang.t("试算月份", "Preview month")) br;
                    input type="month" name="month" value=(f.month) required;
                }
                " "
                label {
                    (lang.t("保存为自该月起生效", "Save as in force from")) br;
                    input type="month" name="valid_from" value=(f.valid_from) required;
                }
            }
            (numbers_html(lang, &f.toml))
            input type="hidden" name="base" value=(f.toml);
            p {
                label {
                    (lang.t("方案（TOML，说明见 docs/plans.md）", "Plan (TOML, see docs/plans.md)")) br;
                    textarea name="toml" rows="36" cols="110" spellcheck="false" { (f.toml) }
                }
            }
            p.note {
                (lang.t(
                    "修改权重、分档或费率后点“试算”，即可在保存前看到每位客服的分数和应发如何变化。",
                    "Change a weight, band or rate and press Preview to see every agent's score and pay move before saving."
                ))
            }
            p {
                button type="submit" { (lang.t("试算", "Preview")) }
                " "
                button type="submit" formaction={ "/plans/save?lang=" (lc) } {
                    (lang.t("保存为新版本", "Save as a new version"))
                }
            }
        }
    }
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
                Some(id) => Some(access::editable_plan_version(db, &u, id)?),
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
        store: store.name().to_string(),
        month: month.to_string(),
        valid_from: stored
            .as_ref()
            .map_or(month, |v| v.valid_from.max(month))
            .to_string(),
        toml: stored.map_or_else(|| TEMPLATE.to_string(), |v| v.toml),
        base: String::new(),
        numbers: HashMap::new(),
    };
    let body = edit_html(lang, &user, &form, html! {});
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::PlanEdit,
        "/plans/edit",
        body,
    )
}

/// The mistakes of a plan as the editor shows them, each with its line and field first.
pub(super) fn plan_errors(lang: Lang, errors: &[kefu_plan::PlanError]) -> Markup {
    html! {
        @for e in errors {
            p.error {
                (lang.t("方案有误：第", "The plan is invalid: line")) " " (e.line) ", " (e.field)
                ": " (e.message)
            }
        }
    }
}

pub(super) fn editing_refused() -> WebError {
    WebError::Forbidden("plans are edited by supervisors".into())
}

/// A refusal as the message above the editor.
pub(super) fn error_html(message: &str) -> Markup {
    html! { p.error { (message) } }
}

/// The editor shown again with what is wrong above it.
pub(super) fn refused_edit(
    lang: Lang,
    user: &CurrentUser,
    f: &EditForm,
    error: Markup,
) -> Response {
    let body = edit_html(lang, user, f, error);
    frame(
        lang,
        user,
        StatusCode::BAD_REQUEST,
        S::PlanEdit,
        "/plans/edit",
        body,
    )
}

/// The plan a posted editor form holds (its number edits applied), or the page to answer
/// instead (boxed: a refusal is the rare path): preview and save refuse the same users, expired
/// forms and invalid plans alike.
pub(super) fn posted_plan(
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
            return Err(Box::new(refused_edit(lang, user, &f, error_html(&message))));
        }
    }
    match kefu_plan::parse_all(&f.toml) {
        Ok(plan) => Ok((f, plan)),
        Err(errors) => Err(Box::new(refused_edit(
            lang,
            user,
            &f,
            plan_errors(lang, &errors),
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
            let edited = access::plan_scope(db, &u, params.store.as_deref(), &plan.id)?;
            let (_, month) = scope(db, &u, &params)?;
            Ok(edited.preview(db, &plan, month)?)
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
    let note = if before.is_some() {
        lang.t(
            "试算结果（未保存），与当前生效版本比较：",
            "Preview (not saved), against the version in force:",
        )
    } else {
        lang.t("试算结果（未保存）：", "Preview (not saved):")
    };
    let body = html! {
        p { (note) }
        (ranking_html(lang, &new, None, before.as_ref(), true))
        (edit_html(lang, &user, &f, html! {}))
    };
    frame(
        lang,
        &user,
        StatusCode::OK,
        S::PlanEdit,
        "/plans/edit",
        body,
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
        return refused_edit(lang, &user, &f, error_html(&error));
    };
    let toml = f.toml.clone();
    let params = PlanParams {
        store: Some(f.store.clone()),
        ..Default::default()
    };
    let result = state
        .db_mut(move |db| {
            access::plan_scope(db, &u, params.store.as_deref(), &plan.id)?
                .save(db, &plan.id, valid_from, &toml, &u.name)?;
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
