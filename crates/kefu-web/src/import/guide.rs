//! The column guide under the import form and the templates it links to: what a store writes
//! when it has no export of its own yet. The columns come from the importer's own lists
//! (`kefu_import::templates`), so the guide cannot drift from what is read.

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_import::FileKind;
use kefu_import::templates::{TEMPLATE_KINDS, column_guide, template_csv, template_file_name};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S};
use crate::ui::frame::frame;
use crate::ui::html::{Markup, html};

/// A kind's name as the page shows it.
fn kind_name(lang: Lang, kind: FileKind) -> &'static str {
    kind.name(lang == Lang::Zh)
}

/// The guide: per kind, its columns (required ones marked) with what goes in them, and the
/// template to download.
pub(crate) fn guide(lang: Lang) -> Markup {
    html! {
        section.import-guide {
            h2 { (lang.t("文件格式与模板", "File formats and templates")) }
            p {
                (lang.t(
                    "没有平台导出的数据时，下载模板按列填写即可导入（CSV，带 BOM，Excel 可直接打开）。表头可用中文或英文列名；文件类型由表头识别。平台自己的报表（生意参谋、千牛、拼多多、抖店、京东、快手、赤兔）和淘宝/天猫订单报表可直接上传，无需改动。",
                    "Without an export from your platform, download a template, fill in the columns and import it (CSV with a BOM, opens in Excel). Headers may use the Chinese or the English column names; the kind of a file is recognised from its header. The platforms' own reports (生意参谋, 千牛, 拼多多, 抖店, 京东, 快手, 赤兔) and the Taobao/Tmall order report upload as they are."
                ))
            }
            @for kind in TEMPLATE_KINDS {
                h3 {
                    (kind_name(lang, kind)) " · "
                    a href={ "/import/template?kind=" (kind.as_str()) } {
                        (lang.t("下载模板 (.csv)", "Download template (.csv)"))
                    }
                }
                div.wrap {
                    table.columns {
                        thead {
                            tr {
                                th { (lang.t("列名（中文）", "Column (Chinese)")) }
                                th { (lang.t("列名（英文）", "Column (English)")) }
                                th { (lang.t("必填", "Required")) }
                                th { (lang.t("填写说明", "What goes in it")) }
                            }
                        }
                        tbody {
                            @for c in column_guide(kind) {
                                tr {
                                    td { (c.chinese.join(" / ")) }
                                    td { code { (c.name) } }
                                    td { @if c.required { (lang.t("必填", "required")) } @else { (lang.t("可选", "optional")) } }
                                    td { (lang.t(c.zh, c.en)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct TemplateQuery {
    kind: Option<String>,
    lang: Option<String>,
}

/// `GET /import/template?kind=messages`: the template CSV; an unknown kind is a page that
/// lists the kinds.
pub async fn template(
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<TemplateQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let kind = q.kind.as_deref().unwrap_or("").trim();
    let found = TEMPLATE_KINDS
        .into_iter()
        .find(|k| k.as_str() == kind)
        .and_then(|k| Some((k, template_csv(k)?)));
    let Some((kind, csv)) = found else {
        let body = html! {
            p.error { (lang.t("没有这种模板。可下载的模板：", "There is no such template. The templates:")) }
            ul {
                @for k in TEMPLATE_KINDS {
                    li { a href={ "/import/template?kind=" (k.as_str()) } { (kind_name(lang, k)) } }
                }
            }
        };
        return frame(
            lang,
            &user,
            StatusCode::NOT_FOUND,
            S::NotFound,
            "/import",
            body,
        );
    };
    let mut res = csv.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        template_file_name(kind)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
