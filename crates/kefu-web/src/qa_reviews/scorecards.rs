//! /qa/scorecards: the scorecards in force, edited as a form (each card, section and item
//! a row of labelled controls; rows added and removed by posting `op`), or as the TOML file
//! (`?as=toml`, "advanced"). Both are checked by the same reader; a mistake is shown next
//! to its control, or with its line on the TOML page, in the page's language.

use kefu_qa::scorecard_form::{KINDS, ScorecardFieldError, ScorecardsForm};

use crate::ui::fields::{Fields, Mistake};

use super::*;
use crate::ui::frame::Notice;

fn cards_table(lang: Lang, cards: &[StoredScorecard]) -> Markup {
    html! {
        table.qa-cards {
            thead { tr { (th(lang, &[S::QaScorecard, S::QaKind, S::QaVersion, S::QaItem])) } }
            tbody {
                @for c in cards {
                    tr {
                        td { (lang.t(&c.card.name, &c.card.name_en)) }
                        td { (kind_name(lang, c.card.kind)) }
                        td { (c.version) }
                        td { (c.card.items().count()) }
                    }
                }
            }
        }
        p { (lang.s(S::QaScorecardNote)) }
    }
}

/// The TOML page: the file in a text area.
pub(super) fn scorecards_body(
    lang: Lang,
    user: &CurrentUser,
    cards: &[StoredScorecard],
    source: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        (error.map_or(Notice::Nothing, Notice::Refused))
        (cards_table(lang, cards))
        p { a href={ "/qa/scorecards?" (lq(lang)) } { (lang.t("以表单编辑", "Edit as a form")) } }
        form method="post" action={ "/qa/scorecards?" (lq(lang)) } class="qa-scorecards" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            textarea name="source" rows="30" cols="100" spellcheck="false" { (source) }
            p {
                button type="submit" { (lang.s(S::QaSave)) }
                " "
                button type="submit" name="op" value="as_form" {
                    (lang.t("以表单编辑", "Edit as a form"))
                }
            }
        }
    }
}

/// A button that posts the form back to add or remove a row.
fn op_button(lang: Lang, op: &str, text: (&str, &str)) -> Markup {
    let class = if op.starts_with("remove:") {
        "op remove"
    } else {
        "op"
    };
    html! {
        button type="submit" name="op" value=(op) class=(class) formnovalidate {
            (lang.t(text.0, text.1))
        }
    }
}

fn check_cell(c: &Fields, label: (&str, &str), name: &str, on: bool) -> Markup {
    html! {
        td {
            input type="checkbox" name=(name) value="1" checked[on] aria-label=(c.t(label.0, label.1));
            (c.error(name))
        }
    }
}

const SCALES: [(&str, &str, &str); 3] = [
    ("yes_no", "是 / 否", "Yes / no"),
    ("one_to_five", "1–5 分", "1 to 5"),
    ("points", "计分（0 到满分）", "Points (0 to max)"),
];

/// The form page's body.
fn form_body(
    lang: Lang,
    user: &CurrentUser,
    cards: &[StoredScorecard],
    form: &ScorecardsForm,
    errors: &[ScorecardFieldError],
) -> Markup {
    let c = Fields::new(
        lang,
        errors
            .iter()
            .map(|e| Mistake {
                field: &e.field,
                zh: &e.message_zh,
                en: &e.message,
            })
            .collect(),
    );
    html! {
        (c.style())
        style { (crate::ui::html::PreEscaped(SCORECARD_CSS)) }
        (c.summary(
            "评分表有需要修改之处，已在下方相应的字段旁标出。",
            "The scorecards have a mistake, shown next to its field below.",
        ))
        (cards_table(lang, cards))
        p.note {
            a href={ "/qa/scorecards?as=toml&" (lq(lang)) } {
                (lang.t("高级：以 TOML 文本编辑", "advanced: edit as TOML"))
            }
        }
        form method="post" action={ "/qa/scorecards?" (lq(lang)) } class="qa-scorecards sc-form" {
            button.default-submit type="submit" tabindex="-1" aria-hidden="true" { (lang.s(S::QaSave)) }
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="mode" value="form";
            @for (ci, card) in form.cards.iter().enumerate() {
                @let n = |x: &str| format!("sc.{ci}.{x}");
                fieldset.block {
                    legend { (lang.t("评分表", "Scorecard")) " " (ci + 1) " · " (lang.t(&card.name, &card.name_en)) }
                    div.row {
                        (c.text(("代码（a–z、0–9、_）", "Id (a–z, 0–9, _)"), &n("id"), &card.id, 12))
                        (c.text(("名称", "Name (Chinese)"), &n("name"), &card.name, 18))
                        (c.text(("英文名称", "Name (English)"), &n("name_en"), &card.name_en, 24))
                        label.field {
                            span.label { (lang.t("检验类型", "Kind")) }
                            select name=(n("kind")) {
                                @for (k, zh, en) in KINDS {
                                    option value=(k.as_str()) selected[k.as_str() == card.kind] { (lang.t(zh, en)) }
                                }
                            }
                            (c.error(&n("kind")))
                        }
                    }
                    (c.error(&n("section")))
                    @for (si, sec) in card.sections.iter().enumerate() {
                        @let sn = |x: &str| format!("sc.{ci}.sec.{si}.{x}");
                        fieldset.section {
                            legend { (lang.t("分组", "Section")) " " (si + 1) }
                            div.row {
                                (c.text(("代码", "Id"), &sn("id"), &sec.id, 12))
                                (c.text(("名称", "Name (Chinese)"), &sn("name"), &sec.name, 18))
                                (c.text(("英文名称", "Name (English)"), &sn("name_en"), &sec.name_en, 24))
                            }
                            div.wrap {
                                table.rows {
                                    thead { tr {
                                        th { (lang.t("代码", "Id")) }
                                        th { (lang.t("评分项", "Item (Chinese)")) }
                                        th { (lang.t("英文名称", "Item (English)")) }
                                        th { (lang.t("评分方式", "Scale")) }
                                        th { (lang.t("满分（计分项）", "Max (points)")) }
                                        th { (lang.t("权重", "Weight")) }
                                        th { (lang.t("可选“不适用”", "N/A allowed")) }
                                        th { (lang.t("致命项", "Critical")) }
                                        th { (lang.t("加分项", "Bonus")) }
                                        th {}
                                    } }
                                    tbody {
                                        @for (ii, item) in sec.items.iter().enumerate() {
                                            @let inn = |x: &str| format!("sc.{ci}.sec.{si}.item.{ii}.{x}");
                                            tr {
                                                (c.cell(("代码", "Id"), &inn("id"), &item.id, 10))
                                                (c.cell(("评分项", "Item (Chinese)"), &inn("name"), &item.name, 22))
                                                (c.cell(("英文名称", "Item (English)"), &inn("name_en"), &item.name_en, 22))
                                                td {
                                                    select name=(inn("scale")) aria-label=(lang.t("评分方式", "Scale")) {
                                                        @for (v, zh, en) in SCALES {
                                                            option value=(v) selected[v == item.scale] { (lang.t(zh, en)) }
                                                        }
                                                    }
                                                    (c.error(&inn("scale")))
                                                }
                                                (c.cell(("满分", "Max"), &inn("max"), &item.max, 4))
                                                (c.cell(("权重", "Weight"), &inn("weight"), &item.weight, 4))
                                                (check_cell(&c, ("可选“不适用”", "N/A allowed"), &inn("na_allowed"), item.na_allowed))
                                                (check_cell(&c, ("致命项", "Critical"), &inn("critical"), item.critical))
                                                (check_cell(&c, ("加分项", "Bonus"), &inn("bonus"), item.bonus))
                                                td { (op_button(lang, &format!("remove:{ci}.{si}.{ii}"), ("删除", "Remove"))) }
                                            }
                                        }
                                    }
                                }
                            }
                            p {
                                (op_button(lang, &format!("add:{ci}.{si}.item"), ("+ 添加评分项", "+ Add an item")))
                                " "
                                (op_button(lang, &format!("remove:{ci}.{si}"), ("删除此分组", "Remove this section")))
                            }
                        }
                    }
                    p {
                        (op_button(lang, &format!("add:{ci}.sec"), ("+ 添加分组", "+ Add a section")))
                        " "
                        (op_button(lang, &format!("remove:{ci}"), ("删除此评分表", "Remove this scorecard")))
                    }
                }
            }
            p { (op_button(lang, "add:card", ("+ 添加评分表", "+ Add a scorecard"))) }
            p.actions {
                button type="submit" { (lang.s(S::QaSave)) }
                " "
                button type="submit" name="op" value="as_toml" formnovalidate {
                    (lang.t("以 TOML 文本查看和编辑", "View and edit as TOML"))
                }
            }
        }
    }
}

const SCORECARD_CSS: &str = "form.sc-form fieldset.block{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:.6em 0;padding:.5em .8em;min-width:0}\
form.sc-form fieldset.section{border:1px dashed #c4cad3;margin:.5em 0;min-width:0}\
form.sc-form div.row{display:flex;flex-wrap:wrap;gap:.4em 1em;margin:.3em 0}\
form.sc-form input[type=text],form.sc-form select{max-width:100%;box-sizing:border-box}";

fn page(lang: Lang, user: &CurrentUser, status: StatusCode, body: Markup) -> Response {
    frame(lang, user, status, S::QaScorecard, "/qa/scorecards", body)
}

/// `GET /qa/scorecards`: the scorecards in force as a form (or their file, `?as=toml`), for
/// admins to edit.
pub async fn scorecards(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let loaded = with_db(&state, &user, lang, move |db, u| {
        access::admin(u)?;
        Ok((db.qa_scorecards()?, db.qa_scorecard_source()?))
    })
    .await;
    let (cards, source) = match loaded {
        Ok(x) => x,
        Err(page) => return page,
    };
    if q.view.as_deref() == Some("toml") {
        return page(
            lang,
            &user,
            StatusCode::OK,
            scorecards_body(lang, &user, &cards, &source, None),
        );
    }
    // The form shows the cards in force (the file saved last may hold fewer).
    let form =
        ScorecardsForm::from_cards(&cards.iter().map(|c| c.card.clone()).collect::<Vec<_>>());
    page(
        lang,
        &user,
        StatusCode::OK,
        form_body(lang, &user, &cards, &form, &[]),
    )
}

/// A file's mistake with its line, in the page's language.
fn file_error(lang: Lang, e: &review::ScorecardError) -> String {
    match lang {
        Lang::Zh => format!("第 {} 行，{}：{}", e.line, e.field, e.message_zh),
        Lang::En => e.to_string(),
    }
}

/// What a post of the scorecard page asks for.
enum Posted {
    /// The form again (a row added or removed, or the TOML read into it), not saved.
    Form(ScorecardsForm, Vec<ScorecardFieldError>, StatusCode),
    /// The TOML page, with a mistake when there is one.
    Toml(String, Option<String>, StatusCode),
    Saved,
}

/// `POST /qa/scorecards`: saves the form or the file; each changed card becomes a new version
/// (old reviews keep theirs). A form or file that does not read is shown again with its
/// mistake; `op` adds or removes rows, or switches between form and TOML, saving nothing.
pub async fn save_scorecards(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
    Form(form): Form<Pairs>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let done = posted(&state, &user, lang, form, move |db, u, form| {
        access::admin(u)?;
        let op = field(form, "op");
        let source = field(form, "source").replace("\r\n", "\n");
        let from_form = field(form, "mode") == "form";
        let outcome = if op == "as_form" {
            match ScorecardsForm::from_toml(&source) {
                Ok(f) => Posted::Form(f, Vec::new(), StatusCode::OK),
                Err(e) => Posted::Toml(source, Some(file_error(lang, &e)), StatusCode::BAD_REQUEST),
            }
        } else if from_form {
            let mut f = ScorecardsForm::from_pairs(form);
            if op == "as_toml" {
                match f.to_toml() {
                    Ok(text) => Posted::Toml(text, None, StatusCode::OK),
                    Err(errors) => Posted::Form(f, errors, StatusCode::BAD_REQUEST),
                }
            } else if !op.is_empty() {
                f.apply(op);
                Posted::Form(f, Vec::new(), StatusCode::OK)
            } else {
                match f.check() {
                    Ok((text, _)) => save(db, u, &text)?.map_or(Posted::Saved, |e| {
                        Posted::Form(
                            f,
                            vec![ScorecardFieldError {
                                field: String::new(),
                                message: e.clone(),
                                message_zh: e,
                            }],
                            StatusCode::BAD_REQUEST,
                        )
                    }),
                    Err(errors) => Posted::Form(f, errors, StatusCode::BAD_REQUEST),
                }
            }
        } else {
            match review::parse_scorecards(&source) {
                Err(e) => Posted::Toml(source, Some(file_error(lang, &e)), StatusCode::BAD_REQUEST),
                Ok(_) => match save(db, u, &source)? {
                    None => Posted::Saved,
                    Some(e) => Posted::Toml(source, Some(e), StatusCode::BAD_REQUEST),
                },
            }
        };
        Ok((outcome, db.qa_scorecards()?))
    })
    .await;
    match done {
        Ok((Posted::Saved, _)) => {
            Redirect::to(&format!("/qa/scorecards?{}", lq(lang))).into_response()
        }
        Ok((Posted::Form(f, errors, status), cards)) => page(
            lang,
            &user,
            status,
            form_body(lang, &user, &cards, &f, &errors),
        ),
        Ok((Posted::Toml(source, error, status), cards)) => page(
            lang,
            &user,
            status,
            scorecards_body(lang, &user, &cards, &source, error.as_deref()),
        ),
        Err(page) => page,
    }
}

/// Saves a file that reads, audited; `Some` with the store's refusal otherwise.
fn save(db: &mut Db, u: &User, source: &str) -> Result<Option<String>, WebError> {
    match db.qa_save_scorecards(source) {
        Ok(changed) => {
            db.audit(
                Some(u),
                "qa.scorecards",
                &format!("changed={}", changed.join(",")),
            )?;
            Ok(None)
        }
        Err(message) => Ok(Some(message)),
    }
}
