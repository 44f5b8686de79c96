//! The frame around every page: the page itself, the error page, the expired-form page, table
//! headers, times as people read them, and the store switcher.

use crate::access::ManagedStore;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::WebError;
use crate::auth::CurrentUser;
use crate::i18n::{Lang, S, Strings};
use crate::ui::html::{Markup, html, page, url};

/// A page of the app's frame with `body`, answered with `status`.
pub(crate) fn frame(
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    title: S,
    here: &str,
    body: Markup,
) -> Response {
    let markup = page(lang, lang.s(title), Some(&user.session), here, body);
    (status, Html(markup.into_string())).into_response()
}

/// An error as a page. A refusal by role is said in the user's language; other errors give
/// their public message.
pub(crate) fn error_page(lang: Lang, user: &CurrentUser, e: WebError) -> Response {
    let body = html! { p.error { (e.message(lang)) } };
    let mut res = frame(lang, user, e.status(), S::Error, "/", body);
    crate::retry_after(&e, &mut res);
    res
}

/// What a page says above its form after a post: that it was saved, or why it was refused.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice<'a> {
    Nothing,
    Saved(&'a str),
    Refused(&'a str),
}

impl maud::Render for Notice<'_> {
    fn render(&self) -> Markup {
        html! {
            @match self {
                Notice::Nothing => {},
                Notice::Saved(said) => p.saved role="status" { (said) },
                Notice::Refused(said) => p.error role="alert" { (said) },
            }
        }
    }
}

/// A form posted without this session's token. `here` is the menu item the refusal page
/// highlights: the section the form belongs to.
pub(crate) fn form_expired(lang: Lang, user: &CurrentUser, here: &str) -> Response {
    let body = html! { p.error { (lang.s(S::FormExpired)) } };
    frame(lang, user, StatusCode::FORBIDDEN, S::Error, here, body)
}

/// The header cells of a table, one per string.
pub(crate) fn th(lang: Lang, items: &[S]) -> Markup {
    html! {
        @for s in items {
            th { (lang.s(*s)) }
        }
    }
}

/// A flag as the tables say it: 是/否, yes/no.
pub(crate) fn yes(lang: Lang, b: bool) -> &'static str {
    lang.s(if b { S::Yes } else { S::No })
}

#[derive(Deserialize)]
pub struct StoreQuery {
    pub store: Option<String>,
    pub lang: Option<String>,
}

/// Links to the same settings page (`path`) for each of the user's stores, the shown one in
/// bold; nothing for a single store.
pub(crate) fn store_switcher(
    lang: Lang,
    path: &str,
    stores: &[ManagedStore],
    shown: &ManagedStore,
) -> Markup {
    html! {
        @if stores.len() >= 2 {
            p {
                @for s in stores {
                    @if s == shown {
                        strong { (s.name()) }
                    } @else {
                        a href={ (path) "?store=" (url(s.name())) "&lang=" (lang.code()) } { (s.name()) }
                    }
                    " "
                }
            }
        }
    }
}
