//! Automatic quality rules in the web app:
//!
//! - `/qa/rules`: a store's rule set — switches, severities, scores, parameters and keyword
//!   lists as a form, or the TOML itself; saving validates and keeps every version
//!   (admins and supervisors; others read it);
//! - `/qa/test`: paste a chat, see which rules fire and the matched text highlighted, and for
//!   each rule that did not, which condition stopped it ("why not");
//! - `/qa/hits`: hits per 100 receptions by rule × account, group or store for a week or a
//!   month, each figure linking to the receptions behind it; `/qa/run` evaluates the period;
//! - `/qa/reception`: one reception's transcript with the messages that triggered rules
//!   marked. [`StoreScope::qa_marks`](crate::access::StoreScope::qa_marks) gives the same marks to other transcript pages.
//!
//! Who sees what comes from [`access`]: agents see only their own accounts' hits.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::model::{NameId, Sender};
use kefu_core::time::{Day, Millis};
use kefu_qa::rules::{
    Category, Hit, HitCount, HitRow, HitTable, Param, ParamType, ParsedChat, Problem, RuleDef,
    RuleSet, Severity, Stop, StoreContext, param_text, parse_chat, per_100, set_param,
};
use kefu_store::{Db, RulesInForce, User};
use serde::Deserialize;

use crate::access::{self, StoreScope};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::RULES_FORM_LIMIT;
use crate::routes::Routes;
use crate::ui::charts::{self, Bar};
use crate::ui::frame::{error_page, frame};
use crate::ui::html::{Markup, html, url};
use crate::ui::table::{self, Cell, Column, Content, Table};
use crate::ui::transcript::{NamedHit, QaMarks, titled, transcript_table};
use crate::{AppState, WebError};

mod hits;
mod rules;
mod test_box;

pub(crate) use hits::*;
pub(crate) use rules::*;
pub(crate) use test_box::*;

/// Flagged receptions listed at most under one figure.
pub const MAX_LISTED: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct QaParams {
    pub store: Option<String>,
    pub lang: Option<String>,
    /// week or month
    pub period: Option<String>,
    /// a day in the period
    pub date: Option<String>,
    /// account, group or store
    pub by: Option<String>,
    pub rule: Option<String>,
    pub account: Option<String>,
    pub buyer: Option<String>,
    pub day: Option<String>,
    pub saved: Option<i64>,
    /// The store's return address was saved (`/qa/rules`).
    pub context_saved: Option<u8>,
    /// `/qa/hits`: a download (`xlsx`, `csv`) of the table `table` (`rules`, `matrix`).
    pub export: Option<String>,
    pub table: Option<String>,
}

/// The requested store (as if missing when the user may not see it), or the first the user
/// may see.
fn first_store(db: &Db, user: &User, store: Option<&str>) -> Result<StoreScope, WebError> {
    access::allowed(db, user, store)?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::missing("没有可显示的店铺", "no store to show"))
}

fn pair(lang: Lang, names: (&'static str, &'static str)) -> &'static str {
    lang.t(names.0, names.1)
}

fn severity_name(lang: Lang, s: Severity) -> &'static str {
    pair(lang, s.names())
}

fn category_name(lang: Lang, c: Category) -> &'static str {
    pair(lang, c.names())
}

fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// The rule editor, the test box, the hits, a run of the rules and a reception's hits.
pub(crate) fn routes(r: Routes) -> Routes {
    r.page_and_form("/qa/rules", RULES_FORM_LIMIT, rules_page, save_rules)
        .page_and_form("/qa/test", RULES_FORM_LIMIT, test_page, test_chat)
        .get("/qa/hits", hits_page)
        .form("/qa/run", run)
        .get("/qa/reception", reception)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_months_are_whole() {
        // 2026-11-11 is a Wednesday.
        let d = Day::parse("2026-11-11").unwrap();
        assert_eq!(
            period(false, d),
            (
                Day::parse("2026-11-09").unwrap(),
                Day::parse("2026-11-15").unwrap()
            )
        );
        assert_eq!(
            period(true, d),
            (
                Day::parse("2026-11-01").unwrap(),
                Day::parse("2026-11-30").unwrap()
            )
        );
        let dec = Day::parse("2026-12-31").unwrap();
        assert_eq!(period(true, dec).1, dec);
        let sunday = Day::parse("2026-11-15").unwrap();
        assert_eq!(period(false, sunday).0, Day::parse("2026-11-09").unwrap());
    }
}
