//! Labelled form controls with their mistakes next to them, for the editors that replace
//! text files with forms (plans, scorecards, the store setup): each control a label above it,
//! a mistake in the page's language under it, marked `aria-invalid`.

use crate::i18n::Lang;
use crate::ui::html::{Markup, PreEscaped, html};

/// A mistake on control `field` (empty: on the whole form), in Chinese and English.
pub struct Mistake<'a> {
    pub field: &'a str,
    pub zh: &'a str,
    pub en: &'a str,
}

/// The page's language and the mistakes of the posted form.
pub struct Fields<'a> {
    pub lang: Lang,
    pub mistakes: Vec<Mistake<'a>>,
}

/// The CSS of labelled fields, their mistakes and the summary above a form.
pub const CSS: &str = "label.field{display:inline-flex;flex-direction:column;gap:.15em;margin:.2em 0;max-width:100%}\
label.field.check{flex-direction:row;align-items:center}label.field span.label{font-size:.85em;color:#3b4452}\
label.field small{color:#5b6474}\
.field-error{display:block;color:#b42318;font-size:.85em;font-weight:600;max-width:28em;white-space:normal}\
input[aria-invalid=true],select[aria-invalid=true]{border:2px solid #b42318}\
table.rows td{text-align:left;vertical-align:top}table.rows th{text-align:left}button.op.remove{color:#b42318}\
button.default-submit{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}\
div.error-summary{border:2px solid #b42318;border-radius:6px;padding:.2em .8em;background:#fff5f5;margin:.5em 0}";

impl<'a> Fields<'a> {
    pub fn new(lang: Lang, mistakes: Vec<Mistake<'a>>) -> Fields<'a> {
        Fields { lang, mistakes }
    }

    pub fn t<'b>(&self, zh: &'b str, en: &'b str) -> &'b str {
        self.lang.t(zh, en)
    }

    /// The style element of the fields (once per page).
    pub fn style(&self) -> Markup {
        html! { style { (PreEscaped(CSS)) } }
    }

    /// The mistakes on control `name`.
    pub fn error(&self, name: &str) -> Markup {
        html! {
            @for m in self.mistakes.iter().filter(|m| m.field == name) {
                span.field-error role="alert" { (self.lang.t(m.zh, m.en)) }
            }
        }
    }

    pub fn bad(&self, name: &str) -> Option<&'static str> {
        self.mistakes
            .iter()
            .any(|m| m.field == name)
            .then_some("true")
    }

    /// Above a form: how many mistakes there are, and those of no one control.
    pub fn summary(&self, zh: &str, en: &str) -> Markup {
        html! {
            @if !self.mistakes.is_empty() {
                div.error-summary role="alert" {
                    p.error { (self.lang.t(zh, en)) }
                    @for m in self.mistakes.iter().filter(|m| m.field.is_empty()) {
                        p.error { (self.lang.t(m.zh, m.en)) }
                    }
                }
            }
        }
    }

    /// A labelled text box with its mistakes under it.
    pub fn text(&self, label: (&str, &str), name: &str, value: &str, size: u32) -> Markup {
        html! {
            label.field {
                span.label { (self.t(label.0, label.1)) }
                input type="text" name=(name) value=(value) size=(size) aria-invalid=[self.bad(name)];
                (self.error(name))
            }
        }
    }

    /// A text box in a table cell, named for screen readers by `label`.
    pub fn cell(&self, label: (&str, &str), name: &str, value: &str, size: u32) -> Markup {
        html! {
            td {
                input type="text" name=(name) value=(value) size=(size)
                    aria-label=(self.t(label.0, label.1)) aria-invalid=[self.bad(name)];
                (self.error(name))
            }
        }
    }

    /// A labelled choice among (value, Chinese, English).
    pub fn select(
        &self,
        label: (&str, &str),
        name: &str,
        class: &str,
        value: &str,
        options: &[(&str, &str, &str)],
    ) -> Markup {
        html! {
            label.field {
                span.label { (self.t(label.0, label.1)) }
                select name=(name) class=(class) aria-invalid=[self.bad(name)] {
                    @for (v, zh, en) in options {
                        option value=(v) selected[*v == value] { (self.t(zh, en)) }
                    }
                }
                (self.error(name))
            }
        }
    }

    pub fn check(&self, label: (&str, &str), name: &str, on: bool) -> Markup {
        html! {
            label.field.check {
                input type="checkbox" name=(name) value="1" checked[on];
                " " (self.t(label.0, label.1))
                (self.error(name))
            }
        }
    }
}
