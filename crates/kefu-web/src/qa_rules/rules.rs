//! /qa/rules

use super::*;

pub(super) struct RulesPage<'a> {
    store: &'a str,
    version: Option<i64>,
    rules: &'a [RuleDef],
    toml: &'a str,
    errors: &'a [String],
    editable: bool,
    csrf: &'a str,
    saved: Option<i64>,
}

pub(super) fn rule_fields(lang: Lang, i: usize, r: &RuleDef, editable: bool) -> String {
    let dis = if editable { "" } else { " disabled" };
    let en = lang == Lang::En;
    let mut out = format!(
        "<fieldset class=\"rule\"><legend>{title} <code>{id}</code></legend>\
         <p>{kl}: <code>{kind}</code> · {cl}: {cat}</p>\
         <p><label><input type=\"checkbox\" name=\"r{i}.enabled\"{checked}{dis}> {on}</label> \
         <label>{sl} <select name=\"r{i}.severity\"{dis}>",
        title = esc(r.title(en)),
        id = esc(&r.id),
        kl = esc(lang.s(S::Kind)),
        kind = r.kind.as_str(),
        cl = esc(lang.s(S::AutoCategory)),
        cat = esc(category_name(lang, r.category)),
        checked = if r.enabled { " checked" } else { "" },
        on = esc(lang.s(S::AutoEnabled)),
        sl = esc(lang.s(S::AutoSeverity)),
    );
    for s in Severity::ALL {
        out.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            s.as_str(),
            if s == r.severity { " selected" } else { "" },
            esc(severity_name(lang, s))
        ));
    }
    out.push_str(&format!(
        "</select></label> <label>{} <input type=\"number\" name=\"r{i}.score\" value=\"{}\" min=\"-1000\" max=\"1000\"{dis}></label></p>",
        esc(lang.s(S::AutoScore)),
        r.score
    ));
    for p in Param::ALL.into_iter().filter(|p| p.applies_to(r.kind)) {
        let name = format!("r{i}.{}", p.name());
        let label = esc(pair(lang, p.label()));
        let value = param_text(&r.params, p);
        out.push_str(&match p.ty() {
            ParamType::List => format!(
                "<p class=\"param\"><label>{label} <small>({})</small><br><textarea name=\"{name}\" rows=\"{}\" cols=\"48\"{dis}>{}</textarea></label></p>",
                esc(lang.s(S::AutoOnePerLine)),
                value.lines().count().clamp(2, 8),
                esc(&value)
            ),
            ParamType::Number => format!(
                "<p class=\"param\"><label>{label} <input type=\"number\" min=\"0\" name=\"{name}\" value=\"{}\"{dis}></label></p>",
                esc(&value)
            ),
            ParamType::Bool => {
                let opt = |v: &str, text: &str| {
                    format!(
                        "<option value=\"{v}\"{}>{}</option>",
                        if value == v { " selected" } else { "" },
                        esc(text)
                    )
                };
                format!(
                    "<p class=\"param\"><label>{label} <select name=\"{name}\"{dis}>{}{}{}</select></label></p>",
                    opt("", "—"),
                    opt("true", lang.s(S::Yes)),
                    opt("false", lang.s(S::No))
                )
            }
        });
    }
    out.push_str("</fieldset>");
    out
}

pub(super) fn rules_body(lang: Lang, p: &RulesPage<'_>) -> String {
    let mut body = String::new();
    body.push_str(&format!(
        "<p>{}: {} · {}</p>",
        esc(lang.s(S::Store)),
        esc(p.store),
        match p.version {
            Some(v) => format!("{} v{v}", esc(lang.s(S::AutoRuleSetVersion))),
            None => esc(lang.s(S::AutoRuleSetDefault)),
        }
    ));
    body.push_str(&format!(
        "<p><a href=\"/qa/test?store={s}&amp;lang={l}\">{t}</a> · <a href=\"/qa/hits?store={s}&amp;lang={l}\">{h}</a></p>",
        s = esc(&url(p.store)),
        l = lang.code(),
        t = esc(lang.s(S::AutoTest)),
        h = esc(lang.s(S::AutoHits)),
    ));
    if let Some(v) = p.saved {
        body.push_str(&format!(
            "<p class=\"ok\">{} (v{v})</p>",
            esc(lang.s(S::AutoSaved))
        ));
    }
    if !p.errors.is_empty() {
        body.push_str(&format!(
            "<div class=\"error\"><p>{}</p><ul>",
            esc(lang.s(S::AutoInvalid))
        ));
        for e in p.errors {
            body.push_str(&format!("<li>{}</li>", esc(e)));
        }
        body.push_str("</ul></div>");
    }
    if !p.editable {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::AutoReadOnly))));
    }
    let action = format!("/qa/rules?lang={}", lang.code());
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" class=\"rules\">{}{}{}",
        esc(&action),
        hidden("csrf", p.csrf),
        hidden("store", p.store),
        hidden("mode", "form"),
    ));
    for (i, r) in p.rules.iter().enumerate() {
        body.push_str(&rule_fields(lang, i, r, p.editable));
    }
    if p.editable {
        body.push_str(&format!(
            "<p><button type=\"submit\">{}</button></p>",
            esc(lang.s(S::AutoSave))
        ));
    }
    body.push_str("</form>");
    body.push_str(&format!(
        "<h2>{}</h2><form method=\"post\" action=\"{}\">{}{}{}\
         <textarea name=\"toml\" rows=\"24\" cols=\"100\"{}>{}</textarea>",
        esc(lang.s(S::AutoEditToml)),
        esc(&action),
        hidden("csrf", p.csrf),
        hidden("store", p.store),
        hidden("mode", "toml"),
        if p.editable { "" } else { " readonly" },
        esc(p.toml),
    ));
    if p.editable {
        body.push_str(&format!(
            "<p><button type=\"submit\">{}</button></p>",
            esc(lang.s(S::AutoSave))
        ));
    }
    body.push_str("</form>");
    body
}

/// `GET /qa/rules?store=`: the store's rule set as a form.
pub async fn rules_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let store = q.store.clone();
    let loaded = state
        .db(move |db| {
            let s = first_store(db, &u, store.as_deref())?;
            let rules = db.qa_rules_in_force(s.store.id)?;
            Ok((s, rules))
        })
        .await;
    let (s, rules) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let body = rules_body(
        lang,
        &RulesPage {
            store: &s.store.name,
            version: rules.version,
            rules: rules.set.rules(),
            toml: &rules.toml,
            errors: &[],
            editable: access::qa_manager(&user.session.user),
            csrf: &user.session.csrf,
            saved: q.saved,
        },
    );
    let here = format!("/qa/rules?store={}", url(&s.store.name));
    framed(lang, &user, StatusCode::OK, S::AutoRules, &here, &body)
}

/// Applies the rule form's fields to `rules`; returns the mistakes, rule by rule.
pub(super) fn apply_form(
    rules: &mut [RuleDef],
    fields: &HashMap<String, String>,
    en: bool,
) -> Vec<String> {
    let mut errors = Vec::new();
    for (i, r) in rules.iter_mut().enumerate() {
        let field = |name: &str| fields.get(&format!("r{i}.{name}"));
        r.enabled = field("enabled").is_some();
        if let Some(v) = field("severity") {
            match Severity::parse(v) {
                Some(s) => r.severity = s,
                None => errors.push(format!(
                    "rule {}: severity: {}",
                    r.id,
                    Problem::UnknownSeverity.text(en)
                )),
            }
        }
        if let Some(v) = field("score") {
            match v.trim().parse::<i32>() {
                Ok(n) if (-1000..=1000).contains(&n) => r.score = n,
                _ => errors.push(format!(
                    "rule {}: score: {}",
                    r.id,
                    Problem::ScoreRange.text(en)
                )),
            }
        }
        for p in Param::ALL.into_iter().filter(|p| p.applies_to(r.kind)) {
            if let Some(v) = field(p.name())
                && let Err(e) = set_param(&mut r.params, p, v)
            {
                errors.push(format!("rule {}: {}: {}", r.id, p.name(), e.text(en)));
            }
        }
    }
    errors
}

/// A rule set refused, shown again with its mistakes.
pub(super) struct Rejected {
    store: String,
    version: Option<i64>,
    rules: Vec<RuleDef>,
    toml: String,
    errors: Vec<String>,
}

/// `POST /qa/rules`: saves the form (or the TOML) as the store's next rule set version.
pub async fn save_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaParams>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let fields: HashMap<String, String> = form.into_iter().collect();
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    if !access::qa_manager(&user.session.user) {
        return error_page(lang, &user, WebError::Forbidden("editing rules".into()));
    }
    let u = user.session.user.clone();
    let store = get("store");
    let en = lang == Lang::En;
    let saved = state
        .db(move |db| {
            let s = first_store(db, &u, Some(&store))?;
            let current = db.qa_rules_in_force(s.store.id)?;
            let (toml, mut errors, rules) =
                if fields.get("mode").map(String::as_str) == Some("toml") {
                    let text = fields.get("toml").cloned().unwrap_or_default();
                    match RuleSet::parse(&text) {
                        Ok(set) => (text, Vec::new(), set.rules().to_vec()),
                        Err(errs) => {
                            let shown = errs.iter().map(|e| e.describe(en)).collect();
                            (text, shown, current.set.rules().to_vec())
                        }
                    }
                } else {
                    let mut rules = current.set.rules().to_vec();
                    let errors = apply_form(&mut rules, &fields, en);
                    let text = RuleSet::compile(rules.clone())
                        .map(|set| set.to_toml())
                        .unwrap_or_default();
                    (text, errors, rules)
                };
            if errors.is_empty() {
                // Validate what will be stored exactly as a later run reads it.
                if let Err(errs) = RuleSet::parse(&toml) {
                    errors = errs
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.problem.text(en)))
                        .collect();
                }
            }
            if !errors.is_empty() {
                return Ok(Err(Rejected {
                    store: s.store.name,
                    version: current.version,
                    rules,
                    toml,
                    errors,
                }));
            }
            let version = db.qa_save_rules(s.store.id, &toml, &u.name)?;
            db.audit(
                Some(&u),
                "qa.rules",
                &format!("store={} version={version}", s.store.name),
            )?;
            Ok(Ok((s.store.name, version)))
        })
        .await;
    match saved {
        Ok(Ok((store, version))) => Redirect::to(&format!(
            "/qa/rules?store={}&saved={version}&lang={}",
            url(&store),
            lang.code()
        ))
        .into_response(),
        Ok(Err(r)) => {
            let body = rules_body(
                lang,
                &RulesPage {
                    store: &r.store,
                    version: r.version,
                    rules: &r.rules,
                    toml: &r.toml,
                    errors: &r.errors,
                    editable: true,
                    csrf: &user.session.csrf,
                    saved: None,
                },
            );
            framed(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::AutoRules,
                "/qa/rules",
                &body,
            )
        }
        Err(e) => error_page(lang, &user, e),
    }
}
