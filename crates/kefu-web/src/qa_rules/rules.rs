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
    /// The store's return addresses (context for the off-platform rule).
    return_address: &'a str,
    context_saved: bool,
}

pub(super) fn rule_fields(lang: Lang, i: usize, r: &RuleDef, editable: bool) -> Markup {
    let dis = !editable;
    let en = lang == Lang::En;
    html! {
        fieldset.rule {
            legend { (r.title(en)) " " code { (r.id) } }
            p {
                (lang.s(S::Kind)) ": " code { (r.kind.as_str()) } " · "
                (lang.s(S::AutoCategory)) ": " (category_name(lang, r.category))
            }
            p {
                label {
                    input type="checkbox" name={ "r" (i) ".enabled" } checked[r.enabled] disabled[dis];
                    " " (lang.s(S::AutoEnabled))
                }
                " "
                label {
                    (lang.s(S::AutoSeverity)) " "
                    select name={ "r" (i) ".severity" } disabled[dis] {
                        @for s in Severity::ALL {
                            option value=(s.as_str()) selected[s == r.severity] {
                                (severity_name(lang, s))
                            }
                        }
                    }
                }
                " "
                label {
                    (lang.s(S::AutoScore)) " "
                    input type="number" name={ "r" (i) ".score" } value=(r.score) min="-1000"
                        max="1000" disabled[dis];
                }
            }
            @for p in Param::ALL.into_iter().filter(|p| p.applies_to(r.kind)) {
                @let name = format!("r{i}.{}", p.name());
                @let label = pair(lang, p.label());
                @let value = param_text(&r.params, p);
                p.param {
                    label {
                        @match p.ty() {
                            ParamType::List => {
                                (label) " " small { "(" (lang.s(S::AutoOnePerLine)) ")" } br;
                                textarea name=(name) rows=(value.lines().count().clamp(2, 8))
                                    cols="48" disabled[dis] { (value) }
                            }
                            ParamType::Number => {
                                (label) " "
                                input type="number" min="0" name=(name) value=(value) disabled[dis];
                            }
                            ParamType::Bool => {
                                (label) " "
                                select name=(name) disabled[dis] {
                                    @for (v, text) in [("", "—"), ("true", lang.s(S::Yes)), ("false", lang.s(S::No))] {
                                        option value=(v) selected[value == v] { (text) }
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

pub(super) fn rules_body(lang: Lang, p: &RulesPage<'_>) -> Markup {
    let action = format!("/qa/rules?lang={}", lang.code());
    let store = url(p.store);
    html! {
        p {
            (lang.s(S::Store)) ": " (p.store) " · "
            @match p.version {
                Some(v) => { (lang.s(S::AutoRuleSetVersion)) " v" (v) }
                None => (lang.s(S::AutoRuleSetDefault)),
            }
        }
        p {
            a href={ "/qa/test?store=" (store) "&lang=" (lang.code()) } { (lang.s(S::AutoTest)) }
            " · "
            a href={ "/qa/hits?store=" (store) "&lang=" (lang.code()) } { (lang.s(S::AutoHits)) }
        }
        @if let Some(v) = p.saved {
            p.ok { (lang.s(S::AutoSaved)) " (v" (v) ")" }
        }
        @if !p.errors.is_empty() {
            div.error {
                p { (lang.s(S::AutoInvalid)) }
                ul {
                    @for e in p.errors {
                        li { (e) }
                    }
                }
            }
        }
        @if !p.editable {
            p { (lang.s(S::AutoReadOnly)) }
        }
        form method="post" action=(action) class="rules" {
            (hidden("csrf", p.csrf))
            (hidden("store", p.store))
            (hidden("mode", "form"))
            @for (i, r) in p.rules.iter().enumerate() {
                (rule_fields(lang, i, r, p.editable))
            }
            @if p.editable {
                p { button type="submit" { (lang.s(S::AutoSave)) } }
            }
        }
        h2 { (lang.s(S::AutoEditToml)) }
        form method="post" action=(action) {
            (hidden("csrf", p.csrf))
            (hidden("store", p.store))
            (hidden("mode", "toml"))
            textarea name="toml" rows="24" cols="100" readonly[!p.editable] { (p.toml) }
            @if p.editable {
                p { button type="submit" { (lang.s(S::AutoSave)) } }
            }
        }
        h2 id="context" { (lang.t("本店退货地址（规则上下文）", "The store's return address (rule context)")) }
        p {
            (lang.t(
                "其中的电话号码是本店自己的：客服发给买家不算站外联系。订单的收货信息（导入的 address 列）同样算作买家自己的号码。每行一个地址。",
                "Phone numbers in it are the store's own: an agent giving them is not off-platform contact. The orders' addresses (the imported address column) count as the buyer's own numbers likewise. One address a line.",
            ))
        }
        @if p.context_saved {
            p.ok { (lang.t("退货地址已保存，下次运行规则时生效。", "Return address saved; the next rule run uses it.")) }
        }
        form method="post" action=(action) {
            (hidden("csrf", p.csrf))
            (hidden("store", p.store))
            (hidden("mode", "context"))
            textarea name="return_address" rows="3" cols="100" readonly[!p.editable] { (p.return_address) }
            @if p.editable {
                p { button type="submit" { (lang.s(S::AutoSave)) } }
            }
        }
    }
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
            let rules = s.rules_in_force(db)?;
            let return_address = s.return_address(db)?;
            Ok((s, rules, return_address))
        })
        .await;
    let (s, rules, return_address) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(lang, &user, e),
    };
    let body = rules_body(
        lang,
        &RulesPage {
            store: s.name(),
            version: rules.version,
            rules: rules.set.rules(),
            toml: &rules.toml,
            errors: &[],
            editable: access::qa_manager(&user.session.user),
            csrf: &user.session.csrf,
            saved: q.saved,
            return_address: &return_address,
            context_saved: q.context_saved.is_some(),
        },
    );
    let here = format!("/qa/rules?store={}", url(s.name()));
    frame(lang, &user, StatusCode::OK, S::AutoRules, &here, body)
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
    return_address: String,
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
            if fields.get("mode").map(String::as_str) == Some("context") {
                let text = fields.get("return_address").cloned().unwrap_or_default();
                s.set_return_address(db, &text, &u.name)?;
                let stored = s.return_address(db)?;
                db.audit(
                    Some(&u),
                    "qa.context",
                    &format!(
                        "store={} return_address_chars={}",
                        s.name(),
                        stored.chars().count()
                    ),
                )?;
                return Ok(Ok((s.name().to_string(), None)));
            }
            let current = s.rules_in_force(db)?;
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
                    return_address: s.return_address(db)?,
                    store: s.name().to_string(),
                    version: current.version,
                    rules,
                    toml,
                    errors,
                }));
            }
            let version = s.save_rules(db, &toml, &u.name)?;
            db.audit(
                Some(&u),
                "qa.rules",
                &format!("store={} version={version}", s.name()),
            )?;
            Ok(Ok((s.name().to_string(), Some(version))))
        })
        .await;
    match saved {
        Ok(Ok((store, Some(version)))) => Redirect::to(&format!(
            "/qa/rules?store={}&saved={version}&lang={}",
            url(&store),
            lang.code()
        ))
        .into_response(),
        Ok(Ok((store, None))) => Redirect::to(&format!(
            "/qa/rules?store={}&context_saved=1&lang={}#context",
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
                    return_address: &r.return_address,
                    context_saved: false,
                },
            );
            frame(
                lang,
                &user,
                StatusCode::BAD_REQUEST,
                S::AutoRules,
                "/qa/rules",
                body,
            )
        }
        Err(e) => error_page(lang, &user, e),
    }
}
