//! Every route of the app is registered here once, through [`Routes`], by the feature module
//! that owns it (`<feature>::routes`). The same registration builds the axum router and the
//! route table ([`route_table`]) that the tests and the API document read, so a route cannot
//! be served without being listed.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post};

use crate::AppState;
use crate::limits::FORM_LIMIT;

/// One served route as the table lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The path pattern, as axum matches it (`/import/rejects/{token}`).
    pub path: &'static str,
    /// Whether it answers GET.
    pub get: bool,
    /// Whether it answers POST.
    pub post: bool,
    /// The largest body the route takes.
    pub body_limit: Option<usize>,
}

/// The routes registered so far: the router and its table, built together.
pub(crate) struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(
        mut self,
        path: &'static str,
        (get, post): (bool, bool),
        body_limit: Option<usize>,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            path,
            get,
            post,
            body_limit,
        });
        self
    }

    /// A page or API answer that reads only its query string.
    pub(crate) fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(path, (true, false), None, get(handler))
    }

    /// A form that changes something, with its body limit.
    pub(crate) fn post<H, T>(self, path: &'static str, limit: usize, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let route = post(handler).layer(DefaultBodyLimit::max(limit));
        self.add(path, (false, true), Some(limit), route)
    }

    /// A small form that changes something ([`FORM_LIMIT`]).
    pub(crate) fn form<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.post(path, FORM_LIMIT, handler)
    }

    /// A page and the form it posts to the same address, with the form's body limit.
    pub(crate) fn page_and_form<G, TG, P, TP>(
        self,
        path: &'static str,
        limit: usize,
        page: G,
        form: P,
    ) -> Self
    where
        G: Handler<TG, AppState>,
        TG: 'static,
        P: Handler<TP, AppState>,
        TP: 'static,
    {
        let route = get(page).post(form).layer(DefaultBodyLimit::max(limit));
        self.add(path, (true, true), Some(limit), route)
    }

    pub(crate) fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Every route of the app, each feature adding its own.
pub(crate) fn all() -> Routes {
    let r = Routes::new()
        // Browsers ask for it on their own; without a session it would land on the login page.
        .get("/favicon.ico", || async { StatusCode::NO_CONTENT });
    let r = crate::auth::routes(r);
    let r = crate::dashboard::routes(r);
    let r = crate::drill::routes(r);
    let r = crate::list::routes(r);
    let r = crate::import::routes(r);
    let r = crate::setup::routes(r);
    let r = crate::admin::routes(r);
    let r = crate::qa_reviews::routes(r);
    let r = crate::qa_rules::routes(r);
    let r = crate::plans::routes(r);
    let r = crate::reconcile::routes(r);
    let r = crate::api_qa::routes(r);
    let r = crate::worklists::routes(r);
    let r = crate::alerts::routes(r);
    let r = crate::live::routes(r);
    crate::openapi::routes(r)
}

/// The table of every route the router serves.
pub fn route_table() -> Vec<RouteInfo> {
    all().table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::GUARDED_FORM_LIMIT;

    #[test]
    fn each_path_is_registered_once_and_every_form_has_a_limit() {
        let table = route_table();
        let mut paths: Vec<&str> = table.iter().map(|r| r.path).collect();
        paths.sort_unstable();
        let before = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), before, "a path is registered twice");
        assert!(table.len() >= 56, "{} routes", table.len());
        for r in &table {
            assert!(r.get || r.post, "{} answers nothing", r.path);
            if r.post {
                let limit = r.body_limit.unwrap_or(0);
                assert!(limit > 0, "{} takes a body without a limit", r.path);
                // The CSRF guard reads urlencoded forms whole up to its own cap; only the
                // multipart upload (whose token rides in the query) and live ingest (which the
                // guard lets pass: an ingest token is no session) may be larger.
                assert!(
                    limit <= GUARDED_FORM_LIMIT
                        || r.path == "/import"
                        || r.path == "/api/v1/events",
                    "{}: limit {limit} exceeds the guard's {GUARDED_FORM_LIMIT}",
                    r.path
                );
            }
        }
    }
}
