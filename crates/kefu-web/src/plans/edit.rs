use kefu_plan::form::PlanForm;

use super::*;

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub(super) store: String,
    #[serde(default)]
    pub(super) month: String,
    #[serde(default)]
    pub(super) valid_from: String,
    #[serde(default)]
    pub(super) toml: String,
    /// The plan form's controls (`mode=form`, `f.kpi.0.weight`, …) when the form posted.
    #[serde(flatten)]
    pub(super) fields: HashMap<String, String>,
}

impl EditForm {
    /// The plan form the post holds, when it came from the form rather than the TOML page.
    fn plan_form(&self) -> Option<PlanForm> {
        (self.fields.get("mode").map(String::as_str) == Some("form")).then(|| {
            let pairs: Vec<(String, String)> = self
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            PlanForm::from_pairs(&pairs)
        })
    }
}

/// A page of the plan editor.
pub(super) fn edit_page(
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    body: Markup,
) -> Response {
    frame(lang, user, status, S::PlanEdit, "/plans/edit", body)
}

/// Browsers send a textarea with CRLF line ends.
pub(super) fn unix_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
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
                " "
                button type="submit" name="op" value="as_form" formaction={ "/plans/edit?lang=" (lc) } {
                    (lang.t("以表单编辑", "Edit as a form"))
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
    let as_toml = p.view.as_deref() == Some("toml");
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
        fields: HashMap::new(),
    };
    if as_toml {
        let body = edit_html(lang, &user, &form, html! {});
        edit_page(lang, &user, StatusCode::OK, body)
    } else {
        form_or_toml(lang, &user, &form, StatusCode::OK)
    }
}

/// The mistakes of a plan as the TOML editor shows them, each with its line and field first
/// (the text's own words), in the page's language.
pub(super) fn plan_errors(lang: Lang, errors: &[kefu_plan::PlanError]) -> Markup {
    html! {
        @for e in errors {
            p.error {
                (lang.t("方案有误：第", "The plan is invalid: line")) " " (e.line)
                (lang.t(" 行，", ", ")) (e.field) (lang.t("：", ": "))
                (lang.t(&e.message_zh, &e.message))
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
    edit_page(lang, user, StatusCode::BAD_REQUEST, body)
}

/// The plan a posted editor form holds (from the form's controls or the TOML text), with the
/// form when it came from the form, or the page to answer instead (boxed: a refusal is the
/// rare path): preview and save refuse the same users, expired forms and invalid plans alike.
pub(super) fn posted_plan(
    lang: Lang,
    user: &CurrentUser,
    _headers: &HeaderMap,
    mut f: EditForm,
) -> Result<(EditForm, kefu_plan::Plan, Option<PlanForm>), Box<Response>> {
    if !access::may_edit_settings(&user.session.user) {
        return Err(Box::new(error_page(lang, user, editing_refused())));
    }
    if let Some(form) = f.plan_form() {
        return match form.check() {
            Ok((toml, plan)) => {
                f.toml = toml;
                Ok((f, plan, Some(form)))
            }
            Err(errors) => Err(Box::new(form_page(
                lang,
                user,
                &f,
                &form,
                &errors,
                StatusCode::BAD_REQUEST,
            ))),
        };
    }
    f.toml = unix_lines(&f.toml);
    match kefu_plan::parse_all(&f.toml) {
        Ok(plan) => Ok((f, plan, None)),
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
    let (f, plan, form) = match posted_plan(lang, &user, &headers, f) {
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
        @if let Some(form) = &form {
            (plan_form_html(lang, &user, &f, form, &[], html! {}))
        } @else {
            (edit_html(lang, &user, &f, html! {}))
        }
    };
    edit_page(lang, &user, StatusCode::OK, body)
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
    let (f, plan, form) = match posted_plan(lang, &user, &headers, f) {
        Ok(posted) => posted,
        Err(page) => return *page,
    };
    let u = user.session.user.clone();
    let Some(valid_from) = Month::parse(&f.valid_from) else {
        let error = bad_month(&f.valid_from).message(lang);
        return match &form {
            Some(form) => {
                let body = plan_form_html(lang, &user, &f, form, &[], error_html(&error));
                edit_page(lang, &user, StatusCode::BAD_REQUEST, body)
            }
            None => refused_edit(lang, &user, &f, error_html(&error)),
        };
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
