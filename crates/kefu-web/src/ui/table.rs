//! One table model for the pages and their downloads: a page builds its tables once, shows
//! them as HTML, and hands the very same value to the `.xlsx` or CSV writer when the table is
//! asked for as a file (`?export=xlsx&table=<id>`), so a download has the columns, names and
//! rows of the screen, in the page's language.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::figures::{Figure, Unit, Value};
use kefu_core::money::{format_yuan, yuan_f64};
use kefu_core::text::csv_text;
use kefu_report::explain::format_secs;

use crate::WebError;
use crate::i18n::{Lang, S, Strings};
use crate::report;
use crate::ui::html::{Markup, html};

/// What a cell holds: shown as text on the page and in CSV, written as a number to `.xlsx`
/// where it is one.
#[derive(Clone)]
pub enum Content {
    Text(String),
    Count(i64),
    /// Cents, shown as yuan.
    Money(i64),
    /// A figure's value, shown as `kefu_report::display` shows it.
    Figure(&'static Figure, Value),
    /// A duration in milliseconds; `None` shows as `-`.
    Duration(Option<i64>),
}

#[derive(Clone)]
pub struct Cell {
    pub content: Content,
    /// Where a click on the cell leads (pages only).
    pub link: Option<String>,
    /// An HTML class (`best`, `worst`, `up`, …) and a tooltip (pages only).
    pub class: Option<&'static str>,
    pub title: Option<String>,
}

impl Cell {
    pub fn new(content: Content) -> Cell {
        Cell {
            content,
            link: None,
            class: None,
            title: None,
        }
    }
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::new(Content::Text(s.into()))
    }
    pub fn linked(mut self, link: Option<String>) -> Cell {
        self.link = link;
        self
    }
    pub fn classed(mut self, class: &'static str, title: Option<String>) -> Cell {
        self.class = Some(class);
        self.title = title;
        self
    }
    pub fn figure(f: &'static Figure, v: Value) -> Cell {
        Cell::new(Content::Figure(f, v))
    }
    /// The cell as the page and CSV show it.
    pub fn shown(&self) -> String {
        match &self.content {
            Content::Text(s) => s.clone(),
            Content::Count(n) => n.to_string(),
            Content::Money(c) => format_yuan(*c),
            Content::Figure(f, v) => report::display(f, *v),
            Content::Duration(ms) => ms.map_or("-".to_string(), format_secs),
        }
    }
    /// The cell in a CSV file: numbers plain (rates as fractions, durations in seconds), so
    /// that a spreadsheet reads them as numbers.
    fn csv(&self) -> String {
        match &self.content {
            Content::Figure(_, Value::Ratio(r)) => r.map_or(String::new(), |x| x.to_string()),
            Content::Duration(ms) => {
                ms.map_or(String::new(), |ms| (ms as f64 / 1000.0).to_string())
            }
            Content::Text(s) => csv_text(s).into_owned(),
            _ => self.shown(),
        }
    }
}

/// A column: its name in the page's language and, for sortable columns, a link.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub link: Option<String>,
}

impl Column {
    pub fn new(name: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            link: None,
        }
    }
    pub fn of(lang: Lang, s: S) -> Column {
        Column::new(lang.s(s))
    }
    pub fn figure(lang: Lang, f: &Figure) -> Column {
        Column::new(lang.figure(f))
    }
}

#[derive(Clone)]
pub struct Table {
    /// Names the table in download links and is its HTML id.
    pub id: &'static str,
    /// The sheet name and download file name.
    pub title: String,
    /// Shown above the table on the page.
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// `xlsx` or `csv`.
    pub fn parse(s: &str) -> Result<Format, WebError> {
        match s {
            "" | "xlsx" => Ok(Format::Xlsx),
            "csv" => Ok(Format::Csv),
            other => Err(WebError::invalid(
                format!("下载格式为 xlsx 或 csv，不能是 `{other}`"),
                format!("a download is xlsx or csv, not `{other}`"),
            )),
        }
    }
}

impl Table {
    pub fn new(id: &'static str, title: impl Into<String>, columns: Vec<Column>) -> Table {
        Table {
            id,
            title: title.into(),
            caption: None,
            columns,
            rows: Vec::new(),
        }
    }

    /// The table as a template fragment, with `class` on the `<table>`.
    pub fn markup(&self, class: &str) -> Markup {
        html! {
            div.wrap {
                table id=(self.id) class=(class) {
                    @if let Some(c) = &self.caption {
                        caption { (c) }
                    }
                    thead {
                        tr {
                            @for c in &self.columns {
                                th {
                                    @match &c.link {
                                        Some(l) => a href=(l) { (c.name) },
                                        None => (c.name),
                                    }
                                }
                            }
                        }
                    }
                    tbody {
                        @for row in &self.rows {
                            tr {
                                @for cell in row {
                                    td class=[cell.class] title=[cell.title.as_deref()] {
                                        @match &cell.link {
                                            Some(l) => a href=(l) { (cell.shown()) },
                                            None => (cell.shown()),
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

    /// The download links of the table: `here` (the page's path and query) with the export.
    pub fn download_links(&self, lang: Lang, here: &str) -> Markup {
        let sep = if here.contains('?') { '&' } else { '?' };
        let href = |f: &str| {
            format!(
                "{here}{sep}export={f}&table={}&lang={}",
                self.id,
                lang.code()
            )
        };
        html! {
            p.exports {
                (lang.s(S::Export)) ": "
                a href=(href("xlsx")) { "Excel (.xlsx)" }
                " · "
                a href=(href("csv")) { "CSV" }
            }
        }
    }

    /// The table as CSV (UTF-8): the screen's column names, then a line per row.
    pub fn to_csv(&self) -> Result<Vec<u8>, WebError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| WebError::Internal(format!("writing CSV: {e}"));
        w.write_record(self.columns.iter().map(|c| c.name.as_str()))
            .map_err(fail)?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv)).map_err(fail)?;
        }
        w.into_inner()
            .map_err(|e| WebError::Internal(format!("writing CSV: {e}")))
    }

    fn write_sheet(&self, ws: &mut rust_xlsxwriter::Worksheet) -> Result<(), WebError> {
        use rust_xlsxwriter::{Format as XFormat, XlsxError};
        let fail = |e: XlsxError| WebError::Internal(format!("building the Excel file: {e}"));
        let bold = XFormat::new().set_bold();
        let pct = XFormat::new().set_num_format("0.00%");
        let money = XFormat::new().set_num_format("#,##0.00");
        let dec = XFormat::new().set_num_format("0.0");
        let two = XFormat::new().set_num_format("0.00");
        for (i, c) in self.columns.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, &c.name, &bold)
                .map_err(fail)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match &cell.content {
                    Content::Text(s) => ws.write_string(r, col, s),
                    Content::Count(n) => ws.write_number(r, col, *n as f64),
                    Content::Money(c) | Content::Figure(_, Value::Money(c)) => {
                        ws.write_number_with_format(r, col, yuan_f64(*c), &money)
                    }
                    Content::Figure(_, Value::Count(n)) => ws.write_number(r, col, *n as f64),
                    Content::Figure(_, Value::Ratio(None)) | Content::Duration(None) => {
                        continue;
                    }
                    Content::Figure(f, Value::Ratio(Some(x))) => {
                        let format = match f.unit {
                            Unit::Seconds => &dec,
                            Unit::Yuan | Unit::Ratio => &two,
                            Unit::Count | Unit::Percent => &pct,
                        };
                        ws.write_number_with_format(r, col, *x, format)
                    }
                    Content::Duration(Some(ms)) => {
                        ws.write_number_with_format(r, col, *ms as f64 / 1000.0, &dec)
                    }
                }
                .map_err(fail)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(fail)?;
        Ok(())
    }
}

/// A workbook with a sheet per table, numbers as numbers.
fn workbook(tables: &[&Table]) -> Result<Vec<u8>, WebError> {
    let fail =
        |e: rust_xlsxwriter::XlsxError| WebError::Internal(format!("building the Excel file: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let mut used: Vec<String> = Vec::new();
    for t in tables {
        let ws = wb.add_worksheet();
        // Sheet names must differ; a repeated title gets the table's id.
        let mut name = sheet_name(&t.title);
        if used.contains(&name) {
            name = sheet_name(&format!("{} {}", t.title, t.id));
        }
        ws.set_name(&name).map_err(fail)?;
        used.push(name);
        t.write_sheet(ws)?;
    }
    wb.save_to_buffer().map_err(fail)
}

/// The links to the previous and next page of a list of `total` rows, `per_page` a page:
/// `here` (path and query) with `&page=`.
pub fn pager(lang: Lang, here: &str, page: usize, total: usize, per_page: usize) -> Markup {
    let pages = total.div_ceil(per_page.max(1)).max(1);
    let lq = format!("&lang={}", lang.code());
    html! {
        p.pager {
            (lang.s(S::PageWord)) " " (page) " / " (pages)
            @if page > 1 {
                " · "
                a href=(format!("{here}&page={}{lq}", (page - 1).min(pages))) rel="prev" {
                    (lang.s(S::PrevPage))
                }
            }
            @if page < pages {
                " · "
                a href=(format!("{here}&page={}{lq}", page + 1)) rel="next" { (lang.s(S::NextPage)) }
            }
        }
    }
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".to_string()
    } else {
        clean
    }
}

/// The download a page's `export` parameter asks for (`xlsx` or `csv`); `None` when it asks
/// for none (absent or empty).
pub fn requested(export: Option<&str>) -> Result<Option<Format>, WebError> {
    export
        .filter(|s| !s.is_empty())
        .map(Format::parse)
        .transpose()
}

/// The table `id` of `tables` as a file named `name.xlsx` or `name.csv`. Without an id, an
/// `.xlsx` file holds every table of the page (a sheet each), a CSV file the first.
pub fn download(
    tables: &[Table],
    id: Option<&str>,
    format: Format,
    name: &str,
) -> Result<Response, WebError> {
    let picked: Vec<&Table> = match id.filter(|s| !s.is_empty()) {
        Some(id) => vec![tables.iter().find(|t| t.id == id).ok_or_else(|| {
            WebError::missing(
                format!("本页没有表格 `{id}`"),
                format!("no table `{id}` on this page"),
            )
        })?],
        None if format == Format::Xlsx => tables.iter().collect(),
        None => tables.iter().take(1).collect(),
    };
    let first = picked
        .first()
        .ok_or_else(|| WebError::missing("本页没有表格", "this page has no table"))?;
    let (bytes, mime, ext) = match format {
        Format::Csv => (first.to_csv()?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            workbook(&picked)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // The file name in ASCII (`filename`) and in UTF-8 (`filename*`, RFC 6266).
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let file = format!(
        "attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{}.{ext}",
        crate::ui::html::url(name)
    );
    if let Ok(v) = HeaderValue::from_str(&file) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let consulted = kefu_core::figures::figure("reply_rate").unwrap();
        let mut t = Table::new(
            "t",
            "名单:a/b",
            vec![
                Column::new("客服"),
                Column::new("回复率"),
                Column::new("金额"),
            ],
        );
        t.rows.push(vec![
            Cell::text("小美, \"A\"").linked(Some("/x?a=1&b=<".into())),
            Cell::new(Content::Figure(consulted, Value::Ratio(Some(0.5)))),
            Cell::new(Content::Money(123_456)),
        ]);
        t.rows.push(vec![
            Cell::text("b"),
            Cell::new(Content::Figure(consulted, Value::Ratio(None))),
            Cell::new(Content::Duration(Some(1500))),
        ]);
        t
    }

    #[test]
    fn html_escapes_and_links() {
        let html = sample().markup("x").into_string();
        assert!(html.contains("<td><a href=\"/x?a=1&amp;b=&lt;\">小美, &quot;A&quot;</a></td>"));
        assert!(html.contains("<td>50.00%</td>") && html.contains("<td>1234.56</td>"));
        assert!(html.contains("<td>-</td>") && html.contains("<td>1.500 s</td>"));
    }

    #[test]
    fn csv_has_the_screen_names_and_plain_numbers() {
        let csv = String::from_utf8(sample().to_csv().unwrap()).unwrap();
        assert_eq!(
            csv,
            "客服,回复率,金额\n\"小美, \"\"A\"\"\",0.5,1234.56\nb,,1.5\n"
        );
    }

    #[test]
    fn csv_text_cannot_start_a_formula() {
        let mut t = sample();
        t.rows = vec![vec![
            Cell::text("=HYPERLINK(\"http://x\")"),
            Cell::text("-1"),
            Cell::text("小美"),
        ]];
        let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
        assert!(
            csv.ends_with("\"'=HYPERLINK(\"\"http://x\"\")\",'-1,小美\n"),
            "{csv}"
        );
    }

    #[test]
    fn xlsx_is_a_workbook_and_sheet_names_are_cleaned() {
        let (a, b) = (sample(), sample());
        assert!(workbook(&[&a, &b]).unwrap().starts_with(b"PK"));
        assert_eq!(sheet_name("名单:a/b"), "名单_a_b");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name(""), "Sheet1");
    }

    #[test]
    fn pager_links_the_neighbouring_pages() {
        let first = pager(Lang::En, "/list?a=1", 1, 401, 200).into_string();
        assert!(first.contains("Page 1 / 3") && !first.contains("rel=\"prev\""));
        assert!(first.contains("href=\"/list?a=1&amp;page=2&amp;lang=en\" rel=\"next\""));
        let last = pager(Lang::En, "/list?a=1", 3, 401, 200).into_string();
        assert!(
            last.contains("page=2&amp;lang=en\" rel=\"prev\"") && !last.contains("rel=\"next\"")
        );
        // past the end: back to the last page
        assert!(
            pager(Lang::Zh, "/x?", 9, 401, 200)
                .into_string()
                .contains("page=3&amp;lang=zh-CN\" rel=\"prev\"")
        );
        assert_eq!(
            pager(Lang::En, "/x?", 1, 0, 200).into_string(),
            "<p class=\"pager\">Page 1 / 1</p>"
        );
    }

    #[test]
    fn download_picks_the_table_or_refuses() {
        let tables = [sample()];
        assert!(download(&tables, Some("t"), Format::Csv, "名单").is_ok());
        assert!(download(&tables, Some("nope"), Format::Csv, "n").is_err());
        assert!(Format::parse("pdf").is_err());
        assert_eq!(Format::parse("csv").unwrap(), Format::Csv);
    }
}
