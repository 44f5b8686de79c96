//! The SVG charts of the overview and agent pages, drawn on the server: columns (trends,
//! histograms) and horizontal bars (sales split, funnel). Values are printed beside the bars,
//! so that a chart reads the same in print and in a screenshot; a bar with a drill-down is a
//! link.

use crate::ui::html::esc;

pub const BLUE: &str = "#3b6fd4";
pub const GREEN: &str = "#2f9e63";
pub const GREY: &str = "#8a94a6";

/// One bar: its label, value (for the length), the value as shown, and where a click leads.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    pub link: Option<String>,
    pub color: &'static str,
}

fn linked(link: &Option<String>, inner: String) -> String {
    match link {
        Some(l) => format!("<a href=\"{}\">{inner}</a>", esc(l)),
        None => inner,
    }
}

/// Vertical columns, a label under each (every few when crowded) and its value above it
/// when there is room; `axis` names the horizontal axis.
pub fn columns(title: &str, axis: &str, bars: &[Bar]) -> String {
    let (w, h, side, bottom, top) = (760.0_f64, 230.0_f64, 8.0, 44.0, 20.0);
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let n = bars.len().max(1) as f64;
    let slot = (w - 2.0 * side) / n;
    let bw = (slot * 0.7).max(1.0);
    let plot = h - bottom - top;
    let base = h - bottom;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>\
         <line x1=\"{side}\" y1=\"{base}\" x2=\"{x2}\" y2=\"{base}\" stroke=\"{GREY}\"/>\
         <text x=\"{cx}\" y=\"{ay}\" text-anchor=\"middle\">{a}</text>",
        t = esc(title),
        x2 = w - side,
        cx = w / 2.0,
        ay = h - 6.0,
        a = esc(axis),
    );
    let every = ((bars.len() as f64 * 34.0 / (w - 2.0 * side)).ceil() as usize).max(1);
    let values_fit = bars
        .iter()
        .all(|b| b.shown.chars().count() as f64 * 6.5 <= slot);
    for (i, b) in bars.iter().enumerate() {
        let x = side + slot * i as f64 + (slot - bw) / 2.0;
        let v = b.value.max(0.0);
        let bh = (v / max * plot).max(if v > 0.0 { 1.0 } else { 0.0 });
        let rect = format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"{c}\">\
             <title>{l}: {s}</title></rect>",
            y = base - bh,
            c = b.color,
            l = esc(&b.label),
            s = esc(&b.shown),
        );
        svg.push_str(&linked(&b.link, rect));
        let cx = x + bw / 2.0;
        if values_fit {
            svg.push_str(&format!(
                "<text x=\"{cx:.1}\" y=\"{vy:.1}\" text-anchor=\"middle\">{s}</text>",
                vy = base - bh - 4.0,
                s = esc(&b.shown),
            ));
        }
        if i % every == 0 {
            svg.push_str(&format!(
                "<text x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"middle\">{l}</text>",
                ly = base + 14.0,
                l = esc(&b.label),
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, one per row: the label, the bar, and the value text after it.
pub fn rows(title: &str, bars: &[Bar]) -> String {
    let (w, label_w, row_h, value_w) = (760.0_f64, 200.0_f64, 28.0_f64, 280.0_f64);
    let h = row_h * bars.len().max(1) as f64 + 8.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let span = w - label_w - value_w;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        t = esc(title),
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let v = b.value.max(0.0);
        let bw = (v / max * span).max(if v > 0.0 { 1.0 } else { 0.0 });
        let rect = format!(
            "<rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"{c}\">\
             <title>{l}: {s}</title></rect>",
            bh = row_h - 8.0,
            c = b.color,
            l = esc(&b.label),
            s = esc(&b.shown),
        );
        svg.push_str(&format!(
            "<text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{l}</text>{bar}\
             <text x=\"{vx:.1}\" y=\"{ty:.1}\">{s}</text>",
            lx = label_w - 6.0,
            ty = y + row_h / 2.0,
            l = esc(&b.label),
            bar = linked(&b.link, rect),
            vx = label_w + bw + 6.0,
            s = esc(&b.shown),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64, link: Option<&str>) -> Bar {
        Bar {
            label: label.into(),
            value,
            shown: format!("{value}"),
            link: link.map(str::to_string),
            color: BLUE,
        }
    }

    #[test]
    fn charts_escape_and_link_only_bars_with_a_drill_down() {
        let bars = [bar("a<b", 3.0, Some("/x?a=1&b=2")), bar("c", 0.0, None)];
        for svg in [columns("t&", "axis", &bars), rows("t&", &bars)] {
            assert_eq!(svg.matches("<a href=").count(), 1);
            assert!(svg.contains("/x?a=1&amp;b=2") && svg.contains("a&lt;b"));
            assert!(svg.contains("t&amp;"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
        assert!(!columns("empty", "", &[]).contains("NaN"));
    }
}
