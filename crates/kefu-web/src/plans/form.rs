//! The plan editor as a form: every field a labelled control (Chinese first), bands, tiers
//! and grades as table rows with add and remove, each mistake next to its control in the
//! page's language. The form is checked by the plan reader itself
//! ([`kefu_plan::form::PlanForm::check`]); "edit as TOML" shows the same plan as text.
//!
//! Rows are added and removed by posting the form to `/plans/edit` with `op` (no script);
//! which fields of a KPI, gate or pay component show follows its chosen kind by CSS alone
//! (`:has`), so a browser without it shows them all.

use kefu_core::figures::{ACCOUNT_FIGURES, Unit};
use kefu_core::platform::Platform;
use kefu_plan::form::{FieldError, FormReadError, GateForm, KpiForm, PayForm, PlanForm};

use super::*;
use crate::ui::fields::{Fields, Mistake};
use crate::ui::html::PreEscaped;

type Ctx<'a> = Fields<'a>;

/// The mistakes as the form's controls show them.
fn mistakes(errors: &[FieldError]) -> Vec<Mistake<'_>> {
    errors
        .iter()
        .map(|e| Mistake {
            field: &e.field,
            zh: &e.message_zh,
            en: &e.message,
        })
        .collect()
}

/// A button that posts the form to `/plans/edit` to add or remove a row.
fn op_button(lang: Lang, op: &str, text: (&str, &str)) -> Markup {
    let remove = op.starts_with("remove:");
    html! {
        button type="submit" name="op" value=(op) class=(if remove { "op remove" } else { "op" })
            formaction={ "/plans/edit?lang=" (lang.code()) } formnovalidate {
            (lang.t(text.0, text.1))
        }
    }
}

const SOURCES: [(&str, &str, &str); 3] = [
    ("figure", "系统指标", "A kefu figure"),
    ("manual", "主管打分项", "A score by the supervisor"),
    ("platform", "平台报表的列", "A column of a platform report"),
];

/// The figure picker: every figure by its name, and the two plan-only ones.
fn figure_select(c: &Ctx, name: &str, value: &str) -> Markup {
    let unit = |u: Unit| match u {
        Unit::Seconds => c.t("（秒）", " (s)"),
        Unit::Percent => c.t("（%）", " (%)"),
        Unit::Yuan => c.t("（元）", " (yuan)"),
        _ => "",
    };
    let known = value.is_empty()
        || value == kefu_plan::QA_SCORE
        || value == kefu_plan::TARGET_COMPLETION
        || ACCOUNT_FIGURES.iter().any(|f| f.key == value)
        || kefu_plan::recovery_figure(value).is_some();
    html! {
        label.field {
            span.label { (c.t("指标", "Figure")) }
            select name=(name) aria-invalid=[c.bad(name)] {
                option value="" selected[value.is_empty()] { (c.t("（请选择）", "(choose)")) }
                @if !known {
                    option value=(value) selected { (value) }
                }
                option value=(kefu_plan::QA_SCORE) selected[value == kefu_plan::QA_SCORE] {
                    (c.t("质检分（0–100）", "QA score (0–100)"))
                }
                option value=(kefu_plan::TARGET_COMPLETION)
                    selected[value == kefu_plan::TARGET_COMPLETION] {
                    (c.t("指标完成率（%）", "Sales target completion (%)"))
                }
                @for f in ACCOUNT_FIGURES {
                    @let en = f.en.strip_suffix(" (s)").unwrap_or(f.en);
                    option value=(f.key) selected[f.key == value] {
                        (c.t(f.zh, en)) (unit(f.unit))
                    }
                }
                optgroup label=(c.t("挽回销售（工作清单）", "Recovered sales (worklists)")) {
                    @for f in kefu_plan::RECOVERY_FIGURES {
                        option value=(f.key) selected[f.key == value] {
                            (c.t(f.zh, f.en)) (recovery_unit(c, f))
                        }
                    }
                }
            }
            (c.error(name))
        }
    }
}

/// A recovered-sales figure's unit after its name, as [`figure_select`] writes the others'
/// (the time to recover says its minutes in its name).
fn recovery_unit(c: &Ctx, f: &kefu_plan::RecoveryFigure) -> &'static str {
    use kefu_plan::recovery::Measure;
    match f.measure {
        Measure::Amount => c.t("（元）", " (yuan)"),
        Measure::Rate => c.t("（%）", " (%)"),
        _ => "",
    }
}

fn platform_select(c: &Ctx, name: &str, value: &str) -> Markup {
    html! {
        label.field {
            span.label { (c.t("平台", "Platform")) }
            select name=(name) {
                option value="" selected[value.is_empty()] { (c.t("（请选择）", "(choose)")) }
                @for p in Platform::ALL {
                    option value=(p.as_str()) selected[p.as_str() == value] {
                        (p.name(c.lang == Lang::Zh))
                    }
                }
            }
            (c.error(name))
        }
    }
}

/// Where a KPI's or gate's value comes from: the three sources' controls, the chosen one shown.
fn source_fields(
    c: &Ctx,
    p: &str,
    (source, figure, manual, platform, column): (&str, &str, &str, &str, &str),
) -> Markup {
    html! {
        (c.select(("数据来源", "Source"), &format!("{p}source"), "source", source, &SOURCES))
        span.when-figure { (figure_select(c, &format!("{p}figure"), figure)) }
        span.when-manual {
            (c.text(("打分项代码", "Manual item key"), &format!("{p}manual"), manual, 12))
        }
        span.when-platform {
            (platform_select(c, &format!("{p}platform"), platform))
            (c.text(("列名（与文件中一致）", "Column (exactly as in the file)"), &format!("{p}column"), column, 24))
        }
    }
}

const RULES: [(&str, &str, &str); 4] = [
    ("bands", "分档", "Bands"),
    (
        "linear",
        "直线（下限到目标）",
        "Straight line (floor to target)",
    ),
    ("rank", "按名次", "By rank"),
    (
        "direct",
        "数值即得分（打分项、质检分）",
        "The value is the score (manual, QA)",
    ),
];

fn kpi_html(c: &Ctx, i: usize, k: &KpiForm) -> Markup {
    let p = format!("f.kpi.{i}.");
    let n = |x: &str| format!("{p}{x}");
    html! {
        fieldset.kpi.block {
            legend {
                (c.t("KPI", "KPI")) " " (i + 1)
                @if !k.name.is_empty() || !k.key.is_empty() {
                    " · " (if k.name.is_empty() { &k.key } else { &k.name })
                }
            }
            div.row {
                (c.text(("代码", "Key"), &n("key"), &k.key, 12))
                (c.text(("名称", "Name"), &n("name"), &k.name, 16))
                (c.text(("权重（%）", "Weight (%)"), &n("weight"), &k.weight, 6))
            }
            div.row {
                (source_fields(c, &p, (&k.source, &k.figure, &k.manual, &k.platform, &k.column)))
                span.when-figure {
                    (c.check(("与全店数值相比", "Relative to the whole store"), &n("relative"), k.relative))
                }
            }
            div.row {
                (c.select(("计分方式", "Scoring"), &n("rule"), "rule", &k.rule, &RULES))
                (c.text(("无数据时得分", "Score without data"), &n("missing"), &k.missing, 6))
            }
            div.when-bands {
                (c.select(
                    ("分档方向", "Direction"),
                    &n("bands_dir"),
                    "dir",
                    &k.bands_dir,
                    &[
                        ("min", "越高越好：数值 ≥ 下限", "Higher is better: value ≥ threshold"),
                        ("max", "越低越好：数值 ≤ 上限", "Lower is better: value ≤ threshold"),
                    ],
                ))
                div.wrap { table.rows {
                    thead { tr {
                        th { (c.t("档", "Band")) }
                        th { (c.t("阈值（如 45% 或 180）", "Threshold (e.g. 45% or 180)")) }
                        th { (c.t("得分", "Score")) }
                        th {}
                    } }
                    tbody {
                        @for (j, b) in k.bands.iter().enumerate() {
                            @let bn = |x: &str| format!("{p}band.{j}.{x}");
                            tr {
                                td { (j + 1) }
                                (c.cell(("阈值", "Threshold"), &bn("threshold"), &b.threshold, 8))
                                (c.cell(("得分", "Score"), &bn("score"), &b.score, 6))
                                td { (op_button(c.lang, &format!("remove:kpi.{i}.band.{j}"), ("删除", "Remove"))) }
                            }
                        }
                    }
                } }
                (c.error(&n("bands")))
                p { (op_button(c.lang, &format!("add:kpi.{i}.band"), ("+ 添加一档", "+ Add a band"))) }
            }
            div.row.when-bands-rank {
                (c.text(("未达任何档（名次）时得分", "Score below every band (rank)"), &n("else"), &k.otherwise, 6))
            }
            div.row.when-linear {
                (c.text(("下限", "Floor"), &n("floor"), &k.floor, 8))
                (c.text(("目标", "Target"), &n("target"), &k.target, 8))
                (c.text(("下限得分（默认 0）", "Score at the floor (default 0)"), &n("floor_score"), &k.floor_score, 6))
                (c.text(("目标得分（默认 100）", "Score at the target (default 100)"), &n("target_score"), &k.target_score, 6))
                (c.text(("最高得分", "Highest score"), &n("cap"), &k.cap, 6))
            }
            div.row.when-rank {
                (c.text(("第 1、2、3… 名得分（空格分隔）", "Scores of ranks 1, 2, 3… (spaces between)"), &n("rank_scores"), &k.rank_scores, 24))
                (c.select(
                    ("名次方向", "Ranked by"),
                    &n("rank_better"),
                    "",
                    &k.rank_better,
                    &[
                        ("", "越高越好（默认）", "Higher is better (default)"),
                        ("higher", "越高越好", "Higher is better"),
                        ("lower", "越低越好", "Lower is better"),
                    ],
                ))
            }
            p { (op_button(c.lang, &format!("remove:kpi.{i}"), ("删除此 KPI", "Remove this KPI"))) }
        }
    }
}

fn gate_html(c: &Ctx, i: usize, g: &GateForm) -> Markup {
    let p = format!("f.gate.{i}.");
    let n = |x: &str| format!("{p}{x}");
    html! {
        fieldset.gate.block {
            legend { (c.t("门槛", "Gate")) " " (i + 1) @if !g.name.is_empty() { " · " (g.name) } }
            div.row {
                (c.text(("名称", "Name"), &n("name"), &g.name, 16))
                (source_fields(c, &p, (&g.source, &g.figure, &g.manual, &g.platform, &g.column)))
            }
            div.row {
                (c.select(("条件", "When the value is"), &n("condition"), "", &g.condition,
                    &[("below", "低于", "below"), ("above", "高于", "above")]))
                (c.text(("阈值", "Threshold"), &n("threshold"), &g.threshold, 8))
                (c.select(("后果", "Then"), &n("action"), "action", &g.action, &[
                    ("scale_pay", "提成与奖金乘以系数", "Scale pay (but fixed pay) by"),
                    ("zero_kpi", "这些 KPI 得 0 分", "These KPIs score 0"),
                ]))
                span.when-scale {
                    (c.text(("系数（如 50%）", "Factor (e.g. 50%)"), &n("scale_pay"), &g.scale_pay, 6))
                }
                span.when-zero {
                    (c.text(("KPI 代码（空格分隔）", "KPI keys (spaces between)"), &n("zero_kpi"), &g.zero_kpi, 18))
                }
            }
            p { (op_button(c.lang, &format!("remove:gate.{i}"), ("删除此门槛", "Remove this gate"))) }
        }
    }
}

const PAY_KINDS: [(&str, &str, &str); 6] = [
    ("tiered", "阶梯提成", "Tiered commission"),
    ("pool", "团队奖金池", "Team pool"),
    ("rank_bonus", "排名奖", "Rank bonus"),
    ("target_bonus", "目标奖", "Target bonus"),
    ("score_bonus", "绩效奖（按总分）", "Score bonus"),
    ("fixed", "固定金额（底薪）", "Fixed amount"),
];

fn pay_html(c: &Ctx, i: usize, x: &PayForm) -> Markup {
    let p = format!("f.pay.{i}.");
    let n = |s: &str| format!("{p}{s}");
    html! {
        fieldset.pay.block {
            legend { (c.t("薪酬项", "Pay component")) " " (i + 1) @if !x.name.is_empty() { " · " (x.name) } }
            div.row {
                (c.text(("代码", "Key"), &n("key"), &x.key, 12))
                (c.text(("名称", "Name"), &n("name"), &x.name, 16))
                (c.select(("类型", "Kind"), &n("kind"), "kind", &x.kind, &PAY_KINDS))
            }
            div.when-tiered {
                (c.select(("计算方式", "Mode"), &n("mode"), "", &x.mode, &[
                    ("", "累进（默认）", "Marginal (default)"),
                    ("marginal", "累进：每段按本段费率", "Marginal: each part at its tier's rate"),
                    ("whole", "全额：全部按达到的最高档费率", "Whole: all at the highest tier reached"),
                ]))
                div.wrap { table.rows {
                    thead { tr {
                        th { (c.t("档", "Tier")) }
                        th { (c.t("销售额自（元）", "Sales from (yuan)")) }
                        th { (c.t("费率（如 0.5%）", "Rate (e.g. 0.5%)")) }
                        th {}
                    } }
                    tbody {
                        @for (j, t) in x.tiers.iter().enumerate() {
                            @let tn = |s: &str| format!("{p}tier.{j}.{s}");
                            tr {
                                td { (j + 1) }
                                (c.cell(("销售额自（元）", "Sales from (yuan)"), &tn("from"), &t.from, 10))
                                (c.cell(("费率", "Rate"), &tn("rate"), &t.rate, 6))
                                td { (op_button(c.lang, &format!("remove:pay.{i}.tier.{j}"), ("删除", "Remove"))) }
                            }
                        }
                    }
                } }
                (c.error(&n("tiers")))
                p { (op_button(c.lang, &format!("add:pay.{i}.tier"), ("+ 添加一档", "+ Add a tier"))) }
            }
            div.row.when-pool {
                (c.text(("计入奖金池的店铺销售额比例（如 80%）", "Share of store sales (e.g. 80%)"), &n("share"), &x.share, 6))
                (c.text(("费率（如 1.5%）", "Rate (e.g. 1.5%)"), &n("rate"), &x.rate, 6))
            }
            div.row.when-rank_bonus {
                (c.text(("第 1、2、3… 名金额（元，空格分隔）", "Amounts for ranks 1, 2, 3… (yuan, spaces between)"), &n("amounts"), &x.amounts, 24))
            }
            div.when-target_bonus {
                div.wrap { table.rows {
                    thead { tr {
                        th { (c.t("档", "Band")) }
                        th { (c.t("完成率 ≥（如 100%）", "Completion ≥ (e.g. 100%)")) }
                        th { (c.t("金额（元）", "Amount (yuan)")) }
                        th {}
                    } }
                    tbody {
                        @for (j, b) in x.target_bands.iter().enumerate() {
                            @let bn = |s: &str| format!("{p}tband.{j}.{s}");
                            tr {
                                td { (j + 1) }
                                (c.cell(("完成率 ≥", "Completion ≥"), &bn("min"), &b.min, 8))
                                (c.cell(("金额（元）", "Amount (yuan)"), &bn("amount"), &b.amount, 10))
                                td { (op_button(c.lang, &format!("remove:pay.{i}.tband.{j}"), ("删除", "Remove"))) }
                            }
                        }
                    }
                } }
                (c.error(&n("target_bands")))
                p { (op_button(c.lang, &format!("add:pay.{i}.tband"), ("+ 添加一档", "+ Add a band"))) }
            }
            div.row.when-amount {
                (c.text(("金额（元）", "Amount (yuan)"), &n("amount"), &x.amount, 10))
            }
            p { (op_button(c.lang, &format!("remove:pay.{i}"), ("删除此薪酬项", "Remove this pay component"))) }
        }
    }
}

/// The whole plan form, posting to preview (the default button), save, or `/plans/edit`.
pub(super) fn plan_form_html(
    lang: Lang,
    user: &CurrentUser,
    f: &EditForm,
    form: &PlanForm,
    errors: &[FieldError],
    message: Markup,
) -> Markup {
    let c = Fields::new(lang, mistakes(errors));
    let lc = lang.code();
    let (zh, en) = (
        format!(
            "方案有 {} 处需要修改，已在下方相应的字段旁标出。",
            errors.len()
        ),
        format!(
            "The plan has {} mistake(s), each shown next to its field below.",
            errors.len()
        ),
    );
    html! {
        (c.style())
        style { (PreEscaped(FORM_CSS.as_str())) }
        (message)
        (c.summary(&zh, &en))
        p.note {
            (lang.t("以表单编辑方案；", "Editing the plan as a form; "))
            a href={ "/plans/edit?as=toml&store=" (url(&f.store)) "&month=" (url(&f.month)) "&lang=" (lc) } {
                (lang.t("高级：以 TOML 文本编辑", "advanced: edit as TOML"))
            }
            (lang.t("（说明见 docs/plans.md）。", " (see docs/plans.md)."))
        }
        form.plan-form method="post" action={ "/plans/preview?lang=" (lc) } {
            // Enter in a field previews, not the first remove button.
            button.default-submit type="submit" tabindex="-1" aria-hidden="true" { (lang.t("试算", "Preview")) }
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="store" value=(f.store);
            input type="hidden" name="mode" value="form";
            div.row {
                label.field {
                    span.label { (lang.t("试算月份", "Preview month")) }
                    input type="month" name="month" value=(f.month) required;
                }
                label.field {
                    span.label { (lang.t("保存为自该月起生效", "Save as in force from")) }
                    input type="month" name="valid_from" value=(f.valid_from) required;
                }
            }
            fieldset.block {
                legend { (lang.t("基本信息", "About the plan")) }
                div.row {
                    (c.text(("方案代码（字母、数字）", "Plan id (letters, digits)"), "f.id", &form.id, 14))
                    (c.text(("方案名称", "Name"), "f.name", &form.name, 20))
                    (c.text(("说明", "Description"), "f.description", &form.description, 30))
                }
                div.row {
                    (c.select(("适用岗位", "For"), "f.role", "", &form.role, &[
                        ("", "全部客服", "Every agent"),
                        ("presale", "售前", "Presale agents"),
                        ("aftersale", "售后", "After-sale agents"),
                    ]))
                    (c.text(("适用分组（逗号分隔，留空为全部）", "Groups (commas between; empty for all)"), "f.groups", &form.groups, 20))
                    (c.text(("结算日（次月几日，默认 5）", "Settlement day of next month (default 5)"), "f.settlement_day", &form.settlement_day, 4))
                    (c.text(("每人月销售目标（元）", "Monthly sales target per agent (yuan)"), "f.sales_target", &form.sales_target, 10))
                    (c.text(("质检门槛生效的最少评分次数（默认 1）", "Fewest reviews before a QA gate applies (default 1)"), "f.qa_min_reviews", &form.qa_min_reviews, 4))
                }
                div.row {
                    (c.check(("无接待的客服也参与排名和计薪", "Rank and pay agents without activity too"), "f.pay_inactive", form.pay_inactive))
                    (c.check(("允许费率或系数超过 100%", "Allow rates and factors above 100%"), "f.rates_above_100", form.rates_above_100))
                }
            }
            fieldset.block {
                legend { (lang.t("主管打分项（0–100）", "Scores by the supervisor (0–100)")) }
                div.wrap { table.rows {
                    thead { tr { th { (lang.t("代码", "Key")) } th { (lang.t("名称", "Name")) } th {} } }
                    tbody {
                        @for (i, m) in form.manual.iter().enumerate() {
                            tr {
                                (c.cell(("代码", "Key"), &format!("f.manual.{i}.key"), &m.key, 12))
                                (c.cell(("名称", "Name"), &format!("f.manual.{i}.name"), &m.name, 16))
                                td { (op_button(lang, &format!("remove:manual.{i}"), ("删除", "Remove"))) }
                            }
                        }
                    }
                } }
                p { (op_button(lang, "add:manual", ("+ 添加打分项", "+ Add a score"))) }
            }
            h3 { (lang.t("KPI（权重合计 100%）", "KPIs (weights add up to 100%)")) }
            @for (i, k) in form.kpis.iter().enumerate() { (kpi_html(&c, i, k)) }
            p { (op_button(lang, "add:kpi", ("+ 添加 KPI", "+ Add a KPI"))) }
            h3 { (lang.t("门槛", "Gates")) }
            @for (i, g) in form.gates.iter().enumerate() { (gate_html(&c, i, g)) }
            p { (op_button(lang, "add:gate", ("+ 添加门槛", "+ Add a gate"))) }
            h3 { (lang.t("薪酬", "Pay")) }
            @for (i, x) in form.pay.iter().enumerate() { (pay_html(&c, i, x)) }
            p { (op_button(lang, "add:pay", ("+ 添加薪酬项", "+ Add a pay component"))) }
            fieldset.block {
                legend { (lang.t("梯队（最好的在前）", "Grades (best first)")) }
                div.wrap { table.rows {
                    thead { tr {
                        th { (lang.t("名称", "Name")) }
                        th { (lang.t("最低总分", "Lowest total score")) }
                        th { (lang.t("奖金池系数（如 110%）", "Pool factor (e.g. 110%)")) }
                        th {}
                    } }
                    tbody {
                        @for (i, g) in form.grades.iter().enumerate() {
                            tr {
                                (c.cell(("名称", "Name"), &format!("f.grade.{i}.name"), &g.name, 10))
                                (c.cell(("最低总分", "Lowest total score"), &format!("f.grade.{i}.min_score"), &g.min_score, 6))
                                (c.cell(("奖金池系数", "Pool factor"), &format!("f.grade.{i}.pool_factor"), &g.pool_factor, 6))
                                td { (op_button(lang, &format!("remove:grade.{i}"), ("删除", "Remove"))) }
                            }
                        }
                    }
                } }
                p { (op_button(lang, "add:grade", ("+ 添加梯队", "+ Add a grade"))) }
            }
            p.note {
                (lang.t(
                    "修改权重、分档或费率后点“试算”，即可在保存前看到每位客服的分数和应发如何变化。",
                    "Change a weight, band or rate and press Preview to see every agent's score and pay move before saving."
                ))
            }
            p.actions {
                button type="submit" { (lang.t("试算", "Preview")) }
                " "
                button type="submit" formaction={ "/plans/save?lang=" (lc) } {
                    (lang.t("保存为新版本", "Save as a new version"))
                }
                " "
                button type="submit" name="op" value="as_toml" formaction={ "/plans/edit?lang=" (lc) } formnovalidate {
                    (lang.t("以 TOML 文本查看和编辑", "View and edit as TOML"))
                }
            }
        }
    }
}

static FORM_CSS: std::sync::LazyLock<String> = std::sync::LazyLock::new(form_css);

/// The CSS of the form: which fields show for the chosen kind (`:has`), rows and mistakes.
fn form_css() -> String {
    let mut css = String::from(
        "form.plan-form fieldset.block{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:.6em 0;padding:.5em .8em}\
form.plan-form div.row{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:flex-start;margin:.3em 0}\
form.plan-form fieldset{min-width:0;max-width:100%;box-sizing:border-box}\
form.plan-form select,form.plan-form input[type=text]{max-width:100%;box-sizing:border-box}\
@media (max-width:640px){form.plan-form div.row{flex-direction:column}form.plan-form fieldset.block{padding:.4em .5em}}",
    );
    // Hide what belongs to the kinds not chosen.
    let hide = |block: &str, select: &str, chosen: &str, classes: &[&str]| {
        classes
            .iter()
            .map(|cls| {
                format!(
                    "fieldset.{block}:has(select.{select} option[value={chosen}]:checked) .{cls}{{display:none}}"
                )
            })
            .collect::<String>()
    };
    for block in ["kpi", "gate"] {
        css += &hide(block, "source", "figure", &["when-manual", "when-platform"]);
        css += &hide(block, "source", "manual", &["when-figure", "when-platform"]);
        css += &hide(block, "source", "platform", &["when-figure", "when-manual"]);
    }
    css += &hide("kpi", "rule", "bands", &["when-linear", "when-rank"]);
    css += &hide(
        "kpi",
        "rule",
        "linear",
        &["when-bands", "when-rank", "when-bands-rank"],
    );
    css += &hide("kpi", "rule", "rank", &["when-bands", "when-linear"]);
    css += &hide(
        "kpi",
        "rule",
        "direct",
        &["when-bands", "when-linear", "when-rank", "when-bands-rank"],
    );
    css += &hide("gate", "action", "scale_pay", &["when-zero"]);
    css += &hide("gate", "action", "zero_kpi", &["when-scale"]);
    let pay = [
        "when-tiered",
        "when-pool",
        "when-rank_bonus",
        "when-target_bonus",
        "when-amount",
    ];
    for (kind, own) in [
        ("tiered", "when-tiered"),
        ("pool", "when-pool"),
        ("rank_bonus", "when-rank_bonus"),
        ("target_bonus", "when-target_bonus"),
        ("score_bonus", "when-amount"),
        ("fixed", "when-amount"),
    ] {
        let others: Vec<&str> = pay.iter().copied().filter(|c| *c != own).collect();
        css += &hide("pay", "kind", kind, &others);
    }
    css
}

/// The form page for a plan text, or the TOML editor with why the form cannot hold it.
pub(super) fn form_or_toml(
    lang: Lang,
    user: &CurrentUser,
    f: &EditForm,
    status: StatusCode,
) -> Response {
    match PlanForm::from_toml(&f.toml) {
        Ok(form) => form_page(lang, user, f, &form, &[], status),
        Err(e) => refused_edit(lang, user, f, read_error(lang, &e)),
    }
}

pub(super) fn read_error(lang: Lang, e: &FormReadError) -> Markup {
    html! {
        p.error {
            (lang.t("无法以表单显示此方案：", "This plan cannot be shown as a form: "))
            (if lang == Lang::Zh { e.zh() } else { e.en() })
        }
    }
}

pub(super) fn form_page(
    lang: Lang,
    user: &CurrentUser,
    f: &EditForm,
    form: &PlanForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    edit_page(
        lang,
        user,
        status,
        plan_form_html(lang, user, f, form, errors, html! {}),
    )
}

/// `POST /plans/edit`: a row added or removed (`op=add:kpi.0.band`), or the form shown as
/// TOML (`op=as_toml`) and TOML as the form (`op=as_form`). Nothing is saved.
pub async fn edit_post(
    user: CurrentUser,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = i18n::pick(lq.lang.as_deref(), &headers);
    if !access::may_edit_settings(&user.session.user) {
        return error_page(lang, &user, editing_refused());
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut f = EditForm {
        store: get("store"),
        month: get("month"),
        valid_from: get("valid_from"),
        toml: unix_lines(&get("toml")),
        fields: HashMap::new(),
    };
    let op = get("op");
    if op == "as_form" {
        return form_or_toml(lang, &user, &f, StatusCode::OK);
    }
    let mut form = PlanForm::from_pairs(&pairs);
    if op == "as_toml" {
        return match form.to_toml() {
            Ok(written) => {
                f.toml = written.text;
                edit_page(
                    lang,
                    &user,
                    StatusCode::OK,
                    edit_html(lang, &user, &f, html! {}),
                )
            }
            Err(errors) => form_page(lang, &user, &f, &form, &errors, StatusCode::BAD_REQUEST),
        };
    }
    form.apply(&op);
    form_page(lang, &user, &f, &form, &[], StatusCode::OK)
}
