//! HTML building blocks: escaping, the page frame, the SVG bar chart.

use kefu_store::Session;
pub use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::{Lang, S, Strings};

/// Appends `s` HTML-escaped: pages with thousands of cells escape into one buffer.
fn esc_into(out: &mut String, s: &str) {
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            // Control characters are errors in HTML (a NUL ends strings in some readers): a
            // name stored before names were checked at import shows them as U+FFFD.
            0..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F => "\u{FFFD}",
            _ => continue,
        };
        // All of these are ASCII, so `plain..i` and `i + 1..` fall on character boundaries.
        out.push_str(&s[plain..i]);
        out.push_str(entity);
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
}

/// Text escaped as the pages escaped it before templates: besides what maud escapes (`&<>"`),
/// `'` as `&#39;` and control characters as U+FFFD. For free text typed into the roster's
/// fields, which the hostile-text test pins (`&#39;`).
pub(crate) struct Strict<'a>(pub &'a str);

impl maud::Render for Strict<'_> {
    fn render_to(&self, out: &mut String) {
        esc_into(out, self.0);
    }
}

/// Percent-encodes a query parameter value.
pub fn url(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

const CSS: &str = "
body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1.2em;align-items:center;padding:.6em 1.2em;background:#1d2330;color:#fff}
header a{color:#fff}header .me{margin-left:auto}header form{display:inline}header strong,header>a,header .me,header nav a,header summary,header button{white-space:nowrap}details.more{display:inline-block;position:relative}details.more summary{cursor:pointer;text-decoration:underline}details.more>div{position:absolute;left:0;top:1.6em;z-index:20;display:flex;flex-direction:column;gap:.5em;padding:.6em 1em;background:#1d2330;border-radius:0 0 4px 4px;box-shadow:0 4px 12px rgba(0,0,0,.3)}
main{padding:1em 1.2em;max-width:1400px}
a{color:#1a56c4}a:focus,button:focus,input:focus,select:focus{outline:3px solid #f5a623}
table{border-collapse:collapse;background:#fff;font-size:.9em}
th,td{border:1px solid #dde1e7;padding:.3em .5em;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
td.best{background:#d8f3dc;font-weight:600}td.worst{background:#fde2e1}
.up{color:#16794a}.down{color:#b42318}
.error{color:#b42318;font-weight:600}
form.login{display:flex;flex-direction:column;gap:.6em;max-width:18em;margin:3em auto}
form.filters{display:flex;gap:.8em;align-items:end;flex-wrap:wrap;margin-bottom:1em}
.wrap{overflow-x:auto}
svg text{font-size:11px;fill:#1d2330}svg a:focus rect{stroke:#f5a623;stroke-width:3}
.transcript td.text,.orders td.text{white-space:normal;text-align:left;min-width:16em;max-width:40em}
.transcript .cut{color:#a33;font-style:italic;margin-left:.3em}
tr.msg.buyer td{background:#eef4ff}tr.msg.agent td{background:#eefaf1}tr.msg.bot td{background:#f3effb}
tr.msg.auto td{background:#f4f4f4;color:#5b6474;font-style:italic}tr.msg.system td{background:#fff7e0;color:#6b5300}
.who{font-weight:600}td.opens{color:#1a56c4}td.answers{color:#16794a;font-weight:600}.transfer{font-weight:600}
table.facts th{text-align:left}
table.form td{text-align:left;white-space:normal;vertical-align:top}tr.changed td{background:#fff7e0;font-weight:600}
.saved{color:#16794a;font-weight:600}
span.qa{display:inline-block;margin-left:.4em;padding:0 .35em;border-radius:3px;font-size:.8em;font-style:normal;background:#fff1d6;color:#7a4b00}
span.qa.high,span.qa.critical{background:#fde2e1;color:#b42318}tr.msg.flagged td.text{box-shadow:inset 3px 0 #b42318}
.print-only{display:none}
div.chat-actions{display:flex;gap:.6em 2em;flex-wrap:wrap;align-items:end;margin:1em 0;padding:.6em .9em;background:#fff;border:1px solid #dde1e7;border-radius:6px}
div.chat-actions form.filters{margin:0}div.chat-actions>strong{flex-basis:100%}
div.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(12.5em,1fr));gap:.6em;margin:.6em 0 1.2em}
a.card{display:flex;flex-direction:column;gap:.15em;padding:.6em .8em;background:#fff;border:1px solid #dde1e7;border-radius:6px;text-decoration:none;color:#1d2330}
a.card .name{font-size:.85em;color:#5b6474}a.card .value{font-size:1.5em}a.card .prev{color:#5b6474;font-size:.75em}
div.card{display:flex;flex-direction:column;gap:.15em;padding:.6em .8em;background:#fff;border:1px solid #dde1e7;border-radius:6px}div.card .name{font-size:.85em;color:#5b6474}div.card .value{font-size:1.5em}
.change.flat{color:#5b6474}.change{font-size:.85em}
p.freshness{padding:.4em .7em;background:#eef4ff;border-radius:4px;display:inline-block}p.freshness.stale{background:#fde2e1;color:#b42318;font-weight:600}
ul.attention li{margin:.25em 0}
table.heat td{min-width:1.9em;text-align:center;font-size:.8em;padding:.2em}table.heat caption{text-align:left;font-weight:600;padding:.3em 0}
table.heat td.h0{background:#fff;color:#aab}table.heat td.h1{background:#e3ecfb}table.heat td.h2{background:#bcd0f5}
table.heat td.h3{background:#8fb0ee}table.heat td.h4{background:#5d89e0;color:#fff}table.heat td.h5{background:#2f5fc4;color:#fff}
div.wrap:has(>table.ranking){max-height:80vh;overflow:auto}
table.ranking thead th{position:sticky;top:0;z-index:2;background:#eef1f5}
table.ranking th:first-child,table.ranking td:first-child{position:sticky;left:0;z-index:1;box-sizing:border-box;width:3.2em;min-width:3.2em;max-width:3.2em;text-align:right}
table.ranking th:nth-child(2),table.ranking td:nth-child(2){position:sticky;left:3.2em;z-index:1;text-align:left;box-shadow:inset -1px 0 #c4cad3}
table.ranking td:first-child,table.ranking td:nth-child(2){background:#fff}
table.ranking thead th:first-child,table.ranking thead th:nth-child(2){z-index:3}
details.columns{margin:.5em 0}ul.picker{columns:16em;list-style:none;padding:0}ul.picker a{text-decoration:none}
@page{size:A4 landscape;margin:8mm}
@media print{header,form.filters,details.columns,p.exports,div.chat-actions,p.qa-nav{display:none}.print-only{display:block}
main{padding:0;max-width:none}h1{font-size:1.3em;margin:.2em 0}body{background:#fff}
.wrap,div.wrap:has(>table.ranking){overflow:visible;max-height:none}
table.ranking th,table.ranking td{position:static;box-shadow:none;width:auto;min-width:0;max-width:none}
table.ranking{font-size:6.5pt}table.ranking th{white-space:normal;vertical-align:bottom}table.ranking th,table.ranking td{padding:.15em .25em}
tr{break-inside:avoid}thead{display:table-header-group}}
@media (max-width:640px){header{flex-wrap:wrap;gap:.3em .8em;padding:.5em .8em}header strong,header .me,header>a{white-space:nowrap}header nav{order:3;flex-basis:100%;overflow-x:auto;white-space:nowrap;padding-bottom:.2em}details.more>div{position:static;display:inline-flex;flex-direction:row;gap:.8em;padding:0 0 0 .6em;box-shadow:none}main{padding:.8em}}
";

/// Between two menu items: the dot stays with the item before it (a no-break space), so a
/// menu that wraps starts its next line with an item, not a dot.
const SEP: &str = "\u{a0}· ";

/// The page frame: header with navigation, language switch and logout, then `body`.
/// `here` is the current path and query (without `lang`), for the language switch.
pub fn page(
    lang: Lang,
    title: &str,
    session: Option<&Session>,
    here: &str,
    body: Markup,
) -> Markup {
    let other = match lang {
        Lang::Zh => "en",
        Lang::En => "zh-CN",
    };
    let sep = if here.contains('?') { '&' } else { '?' };
    let lq = format!("?lang={}", lang.code());
    let app = lang.s(S::AppName);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · " (app) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    strong { (app) }
                    @if let Some(s) = session {
                        nav {
                            a href={ "/" (lq) } { (lang.s(S::NavStart)) }
                            (SEP)
                            a href={ "/overview" (lq) } { (lang.s(S::Overview)) }
                            (SEP)
                            a href={ "/ranking" (lq) } { (lang.s(S::NavRanking)) }
                            (SEP)
                            a href={ "/reconcile" (lq) } { (lang.s(S::Reconcile)) }
                            // Reviewers have no worklist (the page answers them 403).
                            @if s.user.role != kefu_store::UserRole::Qa {
                                (SEP)
                                a href={ "/worklists" (lq) } { (lang.s(S::Worklists)) }
                            }
                            (SEP)
                            a href={ "/live" (lq) } { (lang.s(S::NavLive)) }
                            (admin_nav(lang, s, &lq))
                        }
                    }
                    a href={ (here) (sep) "lang=" (other) } lang=(other) { (lang.s(S::Language)) }
                    @if let Some(s) = session {
                        a.me href={ "/me" (lq) } { (s.user.name) " (" (crate::ui::format::user_role(lang, s.user.role)) ")" }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { (lang.s(S::Logout)) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The links to the import page (admins, supervisors) and the admin pages. The pages a
/// store is set up with (new store, settings, audit, alerts, ingest tokens) sit in one
/// drop-down 管理 (a `details`, no script), so the menu keeps to one line at 1440 px.
fn admin_nav(lang: Lang, s: &Session, lq: &str) -> Markup {
    let admin = crate::access::is_admin(&s.user);
    let supervisor = !admin && crate::access::may_edit_settings(&s.user);
    let setup = crate::access::may_import(&s.user);
    let tokens = crate::access::may_edit_settings(&s.user);
    html! {
        // Manual reviews concern every role (reviewers, reviewed agents, leads).
        (SEP) a href={ "/qa/assignments" (lq) } { (lang.s(S::QaNav)) }
        (SEP) a href={ "/plans" (lq) } { (lang.s(S::NavPlans)) }
        // Automatic rule hits: every role (agents see their own).
        (SEP) a href={ "/qa/hits" (lq) } { (lang.s(S::AutoHits)) }
        @if setup {
            (SEP) a href={ "/import" (lq) } { (lang.s(S::NavImport)) }
        }
        @if setup || admin || supervisor || tokens {
            (SEP)
            details.more {
                summary { (lang.s(S::ManageMenu)) }
                div {
                    @if setup {
                        a href={ "/setup" (lq) } { (lang.s(S::Setup)) }
                    }
                    @if admin {
                        a href={ "/settings" (lq) } { (lang.s(S::Settings)) }
                        a href={ "/audit" (lq) } { (lang.s(S::AuditLog)) }
                        a href={ "/settings/alerts" (lq) } { (lang.s(S::AlertSettings)) }
                    } @else if supervisor {
                        // Supervisors edit their stores' metric settings, roster and alerts.
                        a href={ "/settings/metrics" (lq) } { (lang.s(S::MetricSettings)) }
                        a href={ "/settings/roster" (lq) } { (lang.s(S::Roster)) }
                        a href={ "/settings/alerts" (lq) } { (lang.s(S::AlertSettings)) }
                    }
                    @if tokens {
                        a href={ "/settings/ingest" (lq) } { (lang.s(S::IngestTokens)) }
                    }
                }
            }
        }
    }
}

/// A bar per (label, value, link); bars are links, values are in `<title>` for screen
/// readers and tooltips.
pub fn bar_chart(title: &str, bars: &[(String, Option<f64>, String)]) -> Markup {
    let (w, h, left, bottom, top) = (760.0_f64, 240.0_f64, 56.0, 40.0, 16.0);
    let max = bars
        .iter()
        .filter_map(|b| b.1)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let n = bars.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let bw = (slot * 0.7).max(1.0);
    let plot = h - bottom - top;
    let base = h - bottom;
    let every = (bars.len() / 10).max(1);
    let f1 = |v: f64| format!("{v:.1}");
    html! {
        svg role="img" aria-label=(title) viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h)
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line x1=(left) y1=(base) x2=(w) y2=(base) stroke="#8a94a6" {}
            // A range without values draws no scale: an axis reading "0.00" would say nothing.
            @if bars.iter().any(|b| b.1.is_some_and(|v| v > 0.0)) {
                text x=(left - 4.0) y=(top + 4.0) text-anchor="end" { (short_number(max)) }
                text x=(left - 4.0) y=(base) text-anchor="end" { "0" }
            }
            @for (i, (label, value, link)) in bars.iter().enumerate() {
                @let x = left + 4.0 + slot * i as f64;
                @let v = value.unwrap_or(0.0).max(0.0);
                @let bh = (v / max * plot).max(if v > 0.0 { 1.0 } else { 0.0 });
                a href=(link) {
                    rect x=(f1(x)) y=(f1(base - bh)) width=(f1(bw)) height=(f1(bh)) fill="#3b6fd4" {
                        title { (label) ": " (value.map_or("-".to_string(), short_number)) }
                    }
                }
                @if i % every == 0 {
                    text x=(f1(x + bw / 2.0)) y=(base + 14.0) text-anchor="middle" {
                        (label.get(5..).unwrap_or(label))
                    }
                }
            }
        }
    }
}

fn short_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let strict = |s: &str| html! { (Strict(s)) }.into_string();
        assert_eq!(
            strict("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(url("晨光 a&b"), "%E6%99%A8%E5%85%89%20a%26b");
        assert_eq!(
            strict("a\0b\x1b[2J\x7f\tc\nd"),
            "a\u{FFFD}b\u{FFFD}[2J\u{FFFD}\tc\nd"
        );
    }

    #[test]
    fn chart_has_a_link_per_bar() {
        let bars = vec![
            (
                "2026-11-10".to_string(),
                Some(3.0),
                "/?from=2026-11-10".to_string(),
            ),
            (
                "2026-11-11".to_string(),
                None,
                "/?from=2026-11-11&x=<".to_string(),
            ),
        ];
        let svg = bar_chart("a<b", &bars).into_string();
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert!(svg.contains("&amp;x=&lt;"));
        assert!(svg.contains("a&lt;b"));
        assert!(!svg.contains("NaN"));
    }
}
