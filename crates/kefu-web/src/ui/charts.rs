//! The SVG charts of the overview and agent pages, drawn on the server: columns (trends,
//! histograms) and horizontal bars (sales split, funnel). Values are printed beside the bars,
//! so that a chart reads the same in print and in a screenshot; a bar with a drill-down is a
//! link.

use crate::ui::html::{Markup, html};

pub const BLUE: &str = "#3b6fd4";
pub const GREEN: &str = "#2f9e63";
pub const GREY: &str = "#8a94a6";
pub const RED: &str = "#c8443a";

/// One bar: its label, value (for the length), the value as shown, and where a click leads.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    pub link: Option<String>,
    pub color: &'static str,
}

/// The bar itself, a link when it has a drill-down.
fn bar_rect(b: &Bar, (x, y, width, height): (f64, f64, f64, f64)) -> Markup {
    let rect = html! {
        rect x=(f1(x)) y=(f1(y)) width=(f1(width)) height=(f1(height)) fill=(b.color) {
            title { (b.label) ": " (b.shown) }
        }
    };
    html! {
        @match &b.link {
            Some(l) => a href=(l) { (rect) },
            None => (rect),
        }
    }
}

/// A coordinate to one decimal.
fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Vertical columns, a label under each (every few when crowded) and its value above it
/// when there is room; `axis` names the horizontal axis.
pub fn columns(title: &str, axis: &str, bars: &[Bar]) -> Markup {
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
    let every = ((bars.len() as f64 * 34.0 / (w - 2.0 * side)).ceil() as usize).max(1);
    let values_fit = bars
        .iter()
        .all(|b| b.shown.chars().count() as f64 * 6.5 <= slot);
    html! {
        svg role="img" aria-label=(title) viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h)
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line x1=(side) y1=(base) x2=(w - side) y2=(base) stroke=(GREY) {}
            text x=(w / 2.0) y=(h - 6.0) text-anchor="middle" { (axis) }
            @for (i, b) in bars.iter().enumerate() {
                @let x = side + slot * i as f64 + (slot - bw) / 2.0;
                @let v = b.value.max(0.0);
                @let bh = (v / max * plot).max(if v > 0.0 { 1.0 } else { 0.0 });
                @let cx = x + bw / 2.0;
                (bar_rect(b, (x, base - bh, bw, bh)))
                @if values_fit {
                    text x=(f1(cx)) y=(f1(base - bh - 4.0)) text-anchor="middle" { (b.shown) }
                }
                @if i % every == 0 {
                    text x=(f1(cx)) y=(base + 14.0) text-anchor="middle" { (b.label) }
                }
            }
        }
    }
}

/// A small column chart for a table cell (a trend over a few periods): each column's value
/// above it and its label under it; a column without a value (`shown` empty) draws nothing
/// but its label. `max` fixes the scale (100 for percentages), so charts of several rows
/// compare.
pub fn mini_columns(title: &str, bars: &[Bar], max: f64) -> Markup {
    let (slot, h, bottom, top) = (46.0_f64, 74.0_f64, 14.0_f64, 14.0_f64);
    let w = slot * bars.len().max(1) as f64;
    let max = max.max(f64::MIN_POSITIVE);
    let plot = h - bottom - top;
    let base = h - bottom;
    let bw = slot * 0.6;
    html! {
        svg.mini role="img" aria-label=(title) viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h)
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line x1="0" y1=(base) x2=(w) y2=(base) stroke=(GREY) {}
            @for (i, b) in bars.iter().enumerate() {
                @let x = slot * i as f64 + (slot - bw) / 2.0;
                @let cx = x + bw / 2.0;
                @if !b.shown.is_empty() {
                    @let v = b.value.clamp(0.0, max);
                    @let bh = (v / max * plot).max(if v > 0.0 { 1.0 } else { 0.0 });
                    (bar_rect(b, (x, base - bh, bw, bh)))
                    text x=(f1(cx)) y=(f1(base - bh - 3.0)) text-anchor="middle" font-size="10" { (b.shown) }
                }
                text x=(f1(cx)) y=(h - 3.0) text-anchor="middle" font-size="10" { (b.label) }
            }
        }
    }
}

/// Horizontal bars, one per row: the label, the bar, and the value text after it.
pub fn rows(title: &str, bars: &[Bar]) -> Markup {
    let (w, label_w, row_h, value_w) = (760.0_f64, 200.0_f64, 28.0_f64, 280.0_f64);
    let h = row_h * bars.len().max(1) as f64 + 8.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let span = w - label_w - value_w;
    html! {
        svg role="img" aria-label=(title) viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h)
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            @for (i, b) in bars.iter().enumerate() {
                @let y = 4.0 + row_h * i as f64;
                @let v = b.value.max(0.0);
                @let bw = (v / max * span).max(if v > 0.0 { 1.0 } else { 0.0 });
                @let ty = y + row_h / 2.0;
                text x=(label_w - 6.0) y=(f1(ty)) text-anchor="end" { (b.label) }
                (bar_rect(b, (label_w, y, bw, row_h - 8.0)))
                text x=(f1(label_w + bw + 6.0)) y=(f1(ty)) { (b.shown) }
            }
        }
    }
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
        for svg in [columns("t&", "axis", &bars), rows("t&", &bars)].map(Markup::into_string) {
            assert_eq!(svg.matches("<a href=").count(), 1);
            assert!(svg.contains("/x?a=1&amp;b=2") && svg.contains("a&lt;b"));
            assert!(svg.contains("t&amp;"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
        assert!(!columns("empty", "", &[]).into_string().contains("NaN"));
        let mini = mini_columns(
            "t",
            &[bar("11-02", 80.0, None), bar("11-09", 0.0, None)],
            100.0,
        )
        .into_string();
        assert_eq!(mini.matches("<rect").count(), 2);
        assert!(mini.contains(">11-02</text>") && !mini.contains("NaN"));
        let mut empty = bar("11-16", 0.0, None);
        empty.shown.clear();
        let none = mini_columns("t", &[empty], 100.0).into_string();
        assert_eq!(none.matches("<rect").count(), 0, "no value, no column");
    }
}
