// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Role isolation, route by route: every route the router serves × {anonymous, agent A,
//! agent B, supervisor of store 1, qa of store 1, admin}, with the outcome each must get, and
//! what each response may contain: agent A never sees agent B's account or figures (nor
//! anyone else's), agent B never A's, and nobody but the admin ever sees store 2.
//!
//! [`ROUTES`] (GET), [`posts`] and [`MODULE_FORMS`] (POST with the session's CSRF token) and
//! [`MODULE_POSTS`] (POST without it) pin the exact status of every row. A route added to the
//! router must be added there: `every_route_of_the_router_is_in_the_matrix` compares them with
//! `routes::route_table()`, the router's own registration. Ids a URL or form names (review,
//! assignment, calibration, plan version) are rows too: one of store 2 answers everyone but
//! the admin exactly as a missing one.

mod support;

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kefu_core::figures::{ACCOUNT_FIGURES, Counters};
use kefu_core::model::NameId;
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use support::*;

/// The second store: its own accounts, buyer and a distinctive order amount.
const STORE2: &str = "星河专营店";
const STORE2_ACCOUNT: &str = "星河专营店:阿星";
const STORE2_SALES: &str = "8888.88";

/// Agent A's and agent B's chat accounts (in the sample store).
const ACCOUNT_A: &str = "晨光旗舰店:Lily";
const ACCOUNT_B: &str = "晨光旗舰店:阿强";
/// Receptions of each: (buyer, day).
const RECEPTION_A: (&str, &str) = ("buyer_0291", "2026-11-10");
const RECEPTION_B: (&str, &str) = ("buyer_0013", "2026-11-12");
/// The sample store's other accounts, which no agent here is linked to.
const OTHER_ACCOUNTS: [&str; 3] = ["晨光旗舰店:小美", "晨光旗舰店:老王", "晨光旗舰店:七七"];

const RANGE: &str = "from=2026-11-01&to=2026-11-30";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    AgentA,
    AgentB,
    Supervisor,
    Qa,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::AgentA,
    Who::AgentB,
    Who::Supervisor,
    Who::Qa,
    Who::Admin,
];

/// What a request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// 200 (204 for the favicon, which has no body), with only what the user may see.
    Ok,
    /// 303 to `/login`.
    Login,
    /// 401 JSON `unauthenticated`.
    Unauthenticated,
    Forbidden,
    /// Answered as if it did not exist.
    NotFound,
    /// Access granted, the request itself refused or redirected (a status of its own).
    Status(u16),
}

/// Who may use a route, as a kind.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Everyone, logged in or not.
    Public,
    /// Every logged-in user (their own part of the data).
    Page,
    Api,
    /// A page of one agent's account (or reception): the other agent gets nothing.
    AgentPage(Who),
    AgentApi(Who),
    /// A page of store 2: only the admin.
    Store2Page,
    Store2Api,
    /// Settings of store 2: admin; supervisors of other stores get nothing; qa and agents
    /// are refused.
    Store2Settings,
    /// Metric settings, roster, import: admins and supervisors.
    Managers,
    AdminOnly,
    /// Pages and API of other modules (quality inspection, performance plans), whose role
    /// rules are their own: anonymous requests are sent to log in (the API: 401), and each
    /// logged-in role gets exactly `status` — [agent A, agent B, supervisor, qa, admin]. What
    /// a response shows is checked as for every row. (The world stores no plan, so the plan
    /// pages that need one answer 404 "no plan in force" to everyone allowed to ask.)
    Pinned {
        api: bool,
        status: [u16; 5],
    },
}

fn want(kind: Kind, who: Who) -> Want {
    use Want::*;
    let api = matches!(
        kind,
        Kind::Api | Kind::AgentApi(_) | Kind::Store2Api | Kind::Pinned { api: true, .. }
    );
    if who == Who::Anonymous {
        return match kind {
            Kind::Public => Ok,
            _ if api => Unauthenticated,
            _ => Login,
        };
    }
    match kind {
        Kind::Public | Kind::Page | Kind::Api => Ok,
        Kind::Pinned { status, .. } => {
            let role = EVERYONE[1..].iter().position(|w| *w == who).unwrap_or(0);
            match status[role] {
                200 => Ok,
                code => Status(code),
            }
        }
        Kind::AgentPage(owner) | Kind::AgentApi(owner) => {
            let agent = matches!(who, Who::AgentA | Who::AgentB);
            if agent && who != owner { NotFound } else { Ok }
        }
        Kind::Store2Page | Kind::Store2Api => {
            if who == Who::Admin {
                Ok
            } else {
                NotFound
            }
        }
        Kind::Store2Settings => match who {
            Who::Admin => Ok,
            Who::Supervisor => NotFound,
            _ => Forbidden,
        },
        Kind::Managers => match who {
            Who::Admin | Who::Supervisor => Ok,
            _ => Forbidden,
        },
        Kind::AdminOnly => {
            if who == Who::Admin {
                Ok
            } else {
                Forbidden
            }
        }
    }
}

/// Every GET the router serves, with the kind of its users. Placeholders: `{B}` agent B's
/// account, `{BB}`/`{BD}` buyer and day of a reception of B, `{A}`, `{AB}`, `{AD}` the same
/// for agent A, `{S2}` store 2, `{S2A}` its account, `{R}` the date range.
const ROUTES: &[(&str, Kind)] = &[
    ("/login", Kind::Public),
    ("/favicon.ico", Kind::Public),
    ("/", Kind::Page),
    ("/?{R}", Kind::Page),
    ("/overview?{R}", Kind::Page),
    ("/ranking?{R}", Kind::Page),
    ("/ranking?{R}&by=group", Kind::Page),
    ("/ranking?{R}&by=day", Kind::Page),
    ("/ranking/export?{R}&format=csv", Kind::Page),
    ("/ranking/export?{R}&format=xlsx", Kind::Page),
    ("/ranking?{R}&export=csv", Kind::Page),
    ("/ranking?{R}&by=group&export=csv", Kind::Page),
    ("/list?{R}&figure=consulted", Kind::Page),
    ("/list?{R}&figure=sales&export=csv", Kind::Page),
    ("/list?{R}&figure=paid_orders", Kind::Page),
    ("/list?{R}&figure=reminded_orders", Kind::Page),
    ("/list?{R}&figure=ratings", Kind::Page),
    ("/list?{R}&figure=refunds", Kind::Page),
    ("/list?{R}&figure=slow", Kind::Page),
    ("/list?{R}&figure=rounds&export=csv", Kind::Page),
    (
        "/account?store={S1}&account={A}&{R}",
        Kind::AgentPage(Who::AgentA),
    ),
    (
        "/account?store={S1}&account={B}&{R}",
        Kind::AgentPage(Who::AgentB),
    ),
    (
        "/reception?store={S1}&account={A}&buyer={AB}&day={AD}",
        Kind::AgentPage(Who::AgentA),
    ),
    (
        "/reception?store={S1}&account={B}&buyer={BB}&day={BD}",
        Kind::AgentPage(Who::AgentB),
    ),
    (
        "/list?store={S1}&{R}&figure=consulted&account={B}",
        Kind::AgentPage(Who::AgentB),
    ),
    ("/?store={S2}&{R}", Kind::Store2Page),
    ("/overview?store={S2}&{R}", Kind::Store2Page),
    ("/ranking?store={S2}&{R}", Kind::Store2Page),
    (
        "/ranking/export?store={S2}&{R}&format=csv",
        Kind::Store2Page,
    ),
    ("/account?store={S2}&account={S2A}&{R}", Kind::Store2Page),
    ("/list?store={S2}&{R}&figure=consulted", Kind::Store2Page),
    ("/reconcile", Kind::Page),
    ("/reconcile?{R}", Kind::Page),
    ("/reconcile?{R}&export=csv", Kind::Page),
    ("/reconcile?store={S2}&{R}", Kind::Store2Page),
    ("/import", Kind::Managers),
    ("/setup", Kind::Managers),
    // No store's data: a file to fill in.
    ("/import/template?kind=messages", Kind::Page),
    (
        "/import/rejects/0000000000000000000000000000000000000000000000000000000000000000",
        Kind::Public,
    ),
    ("/settings", Kind::AdminOnly),
    ("/settings/metrics", Kind::Managers),
    ("/settings/metrics?store=晨光旗舰店", Kind::Managers),
    ("/settings/metrics?store={S2}", Kind::Store2Settings),
    ("/settings/roster", Kind::Managers),
    ("/settings/roster?store={S2}", Kind::Store2Settings),
    ("/settings/alerts", Kind::Managers),
    ("/settings/alerts?store={S2}", Kind::Store2Settings),
    ("/settings/ingest", Kind::Managers),
    ("/settings/ingest?store={S2}", Kind::Store2Settings),
    ("/settings/user?id=1", Kind::AdminOnly),
    ("/settings/tokens", Kind::Page),
    ("/me", Kind::Page),
    ("/audit", Kind::AdminOnly),
    ("/api/v1/report?{R}&by=account", Kind::Api),
    ("/api/v1/report?{R}&by=group", Kind::Api),
    ("/api/v1/report?{R}&by=day", Kind::Api),
    ("/api/v1/report?{R}&by=store", Kind::Api),
    ("/api/v1/list?{R}&figure=consulted", Kind::Api),
    ("/api/v1/list?{R}&figure=paid_orders", Kind::Api),
    ("/api/v1/list?{R}&figure=refunds", Kind::Api),
    ("/api/v1/list?{R}&figure=ratings", Kind::Api),
    (
        "/api/v1/list?store={S1}&{R}&figure=consulted&account={B}",
        Kind::AgentApi(Who::AgentB),
    ),
    (
        "/api/v1/transcript?store={S1}&account={A}&buyer={AB}&day={AD}",
        Kind::AgentApi(Who::AgentA),
    ),
    (
        "/api/v1/transcript?store={S1}&account={B}&buyer={BB}&day={BD}",
        Kind::AgentApi(Who::AgentB),
    ),
    ("/api/v1/report?store={S2}&{R}&by=account", Kind::Store2Api),
    (
        "/api/v1/list?store={S2}&{R}&figure=consulted",
        Kind::Store2Api,
    ),
    ("/api/v1/openapi.json", Kind::Api),
    ("/live", Kind::Page),
    ("/live?store={S2}", Kind::Store2Page),
    // the monitor's script: no data, the same for everyone
    ("/live/live.js", Kind::Public),
    // quality inspection (their own role rules)
    (
        "/qa/assignments",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/review",
        Kind::Pinned {
            api: false,
            status: [400, 400, 400, 400, 400],
        },
    ),
    (
        "/qa/reviews",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/calibration",
        Kind::Pinned {
            api: false,
            status: [403, 403, 200, 403, 200],
        },
    ),
    (
        "/qa/cases",
        Kind::Pinned {
            api: false,
            status: [403, 403, 200, 200, 200],
        },
    ),
    (
        "/qa/summary",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/scorecards",
        Kind::Pinned {
            api: false,
            status: [403, 403, 403, 403, 200],
        },
    ),
    (
        "/qa/rules",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/test",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/hits",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/hits?store={S2}",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 200],
        },
    ),
    (
        "/qa/reception?store={S1}&account={B}&buyer={BB}&day={BD}",
        Kind::Pinned {
            api: false,
            status: [404, 200, 200, 200, 200],
        },
    ),
    (
        "/qa/reception?store={S2}&account={S2A}&buyer=星河买家甲&day=2026-11-12",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 200],
        },
    ),
    // performance plans (their own role rules)
    (
        "/plans",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 200, 200],
        },
    ),
    (
        "/plans?store={S2}",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 200],
        },
    ),
    (
        "/plans/run",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 404],
        },
    ),
    (
        "/plans/payslip",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 404],
        },
    ),
    (
        "/plans/payslip?store={S1}&account={B}",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 404],
        },
    ),
    (
        "/plans/export",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 404],
        },
    ),
    (
        "/plans/edit",
        Kind::Pinned {
            api: false,
            status: [403, 403, 200, 403, 200],
        },
    ),
    (
        "/plans/scores",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 404],
        },
    ),
    // quality inspection in the API: everyone their own part (an agent their own accounts'
    // rows), store 2 only for the admin
    ("/api/v1/qa/hits", Kind::Api),
    ("/api/v1/qa/hits?by=store", Kind::Api),
    ("/api/v1/qa/hits?rule=slow_round", Kind::Api),
    ("/api/v1/qa/hits?store={S2}", Kind::Store2Api),
    ("/api/v1/qa/summary", Kind::Api),
    (
        "/api/v1/qa/summary?by=group&period=month&day=2026-11-12",
        Kind::Api,
    ),
    ("/api/v1/qa/summary?store={S2}", Kind::Store2Api),
    ("/api/v1/qa/reviews", Kind::Api),
    ("/api/v1/qa/reviews?store={S2}", Kind::Store2Api),
    (
        "/api/v1/plans/run",
        Kind::Pinned {
            api: true,
            status: [404, 404, 404, 404, 404],
        },
    ),
    (
        "/api/v1/plans/run?store={S2}",
        Kind::Pinned {
            api: true,
            status: [404, 404, 404, 404, 404],
        },
    ),
    // worklists: agents their own items, supervisors and admins the store's, qa none
    (
        "/worklists",
        Kind::Pinned {
            api: false,
            status: [200, 200, 200, 403, 200],
        },
    ),
    (
        "/worklists?store={S2}",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 403, 200],
        },
    ),
    // ids of store 2 (and of nothing), as URLs name them: `{AS2}` the admin's reviewed
    // assignment, `{AS2Q}` one whose reviewer is the qa of store 1, `{CAL2}` a calibration,
    // `{PV2}` a plan version
    (
        "/qa/review?id={AS2}",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 200],
        },
    ),
    (
        "/qa/review?id={AS2Q}",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 200],
        },
    ),
    (
        "/qa/review?id=999999",
        Kind::Pinned {
            api: false,
            status: [404, 404, 404, 404, 404],
        },
    ),
    // (the admin's first store is store 2)
    (
        "/qa/calibration?id={CAL2}",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 200],
        },
    ),
    (
        "/qa/calibration?store={S1}&id={CAL2}",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 404],
        },
    ),
    (
        "/qa/calibration?store={S2}&id={CAL2}",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 200],
        },
    ),
    (
        "/qa/calibration?id=999999",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 404],
        },
    ),
    (
        "/plans/edit?version={PV2}",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 200],
        },
    ),
    (
        "/plans/edit?version=999999",
        Kind::Pinned {
            api: false,
            status: [403, 403, 404, 403, 404],
        },
    ),
    ("/no-such-page", Kind::Page),
    ("/api/v1/no-such-endpoint", Kind::Api),
];

/// Every form the router takes, posted with the user's own CSRF token (`{csrf}`), each with
/// what each user must get. Forms that change something are aimed at a user made for it
/// (`{victim}`) or are no-ops, so the order of the rows does not matter except for the last
/// (deleting the victim).
fn posts() -> Vec<(&'static str, &'static str, [Want; 6])> {
    use Want::*;
    // [anonymous, agent A, agent B, supervisor, qa, admin]
    let admin_only = |ok: u16| {
        [
            Login,
            Forbidden,
            Forbidden,
            Forbidden,
            Forbidden,
            Status(ok),
        ]
    };
    let managers = |ok: u16| {
        [
            Login,
            Forbidden,
            Forbidden,
            Status(ok),
            Forbidden,
            Status(ok),
        ]
    };
    vec![
        (
            "/settings/users",
            "csrf={csrf}&name=new-{who}&role=agent&password=long-enough",
            admin_only(303),
        ),
        (
            "/settings/user",
            "csrf={csrf}&id={victim}&role=agent",
            admin_only(200),
        ),
        (
            "/settings/user/password",
            "csrf={csrf}&id={victim}&password=another-password",
            admin_only(200),
        ),
        (
            "/settings/metrics",
            "csrf={csrf}&store=晨光旗舰店&slow_response_secs=120&slow_response_rounds=1&conversion_window_days=1&service_hours=08:00-24:00&reminder_window_hours=72&after_sale_days=21&attribution=order&platform=taobao",
            managers(200),
        ),
        (
            "/settings/metrics",
            "csrf={csrf}&store={S2}&slow_response_secs=120&slow_response_rounds=1&conversion_window_days=1&service_hours=08:00-24:00&reminder_window_hours=72&after_sale_days=21&attribution=order&platform=taobao",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(200),
            ],
        ),
        (
            "/settings/metrics/reset",
            "csrf={csrf}&store=晨光旗舰店",
            managers(200),
        ),
        (
            "/settings/visibility",
            "csrf={csrf}&store=晨光旗舰店",
            managers(303),
        ),
        (
            "/settings/ingest",
            "csrf={csrf}&store=晨光旗舰店&label=isolation",
            managers(200),
        ),
        (
            "/settings/ingest",
            "csrf={csrf}&store={S2}&label=isolation",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(200),
            ],
        ),
        // no such key: nothing to revoke, in a store of theirs or not
        (
            "/settings/ingest/revoke",
            "csrf={csrf}&store=晨光旗舰店&key=0000000000000000",
            managers(404),
        ),
        (
            "/settings/ingest/revoke",
            "csrf={csrf}&store={S2}&key=0000000000000000",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(404),
            ],
        ),
        (
            "/settings/visibility",
            "csrf={csrf}&store={S2}",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(303),
            ],
        ),
        (
            "/settings/roster",
            "csrf={csrf}&store=晨光旗舰店",
            managers(200),
        ),
        (
            "/settings/roster",
            "csrf={csrf}&store={S2}",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(200),
            ],
        ),
        // a token of one's own, for everyone
        (
            "/settings/tokens",
            "csrf={csrf}",
            [Login, Ok, Ok, Ok, Ok, Ok],
        ),
        // the admin's token: only the admin may revoke it, others are told it does not exist
        (
            "/settings/tokens/revoke",
            "csrf={csrf}&key={admin_token}",
            [Login, NotFound, NotFound, NotFound, NotFound, Status(303)],
        ),
        (
            "/me",
            "csrf={csrf}&lang=browser",
            [
                Login,
                Status(303),
                Status(303),
                Status(303),
                Status(303),
                Status(303),
            ],
        ),
        (
            "/me/password",
            "csrf={csrf}&current=wrong-password&password=whatever1&again=whatever1",
            [
                Login,
                Status(400),
                Status(400),
                Status(400),
                Status(400),
                Status(400),
            ],
        ),
        // not multipart: managers get past the role check to a refused upload
        (
            "/import",
            "csrf={csrf}",
            [
                Login,
                Forbidden,
                Forbidden,
                Status(400),
                Forbidden,
                Status(400),
            ],
        ),
        // a user's own saved columns: everyone signed in
        (
            "/ranking/view",
            "csrf={csrf}&cols=served&back=/ranking?lang=en",
            [
                Login,
                Status(303),
                Status(303),
                Status(303),
                Status(303),
                Status(303),
            ],
        ),
        // setup: managers get past the role check to a refused (nameless) store
        (
            "/setup",
            "csrf={csrf}&name=&timezone=%2B08:00&service_hours=08:00-24:00&platform=taobao",
            [
                Login,
                Forbidden,
                Forbidden,
                Status(400),
                Forbidden,
                Status(400),
            ],
        ),
        // worklists: an item no one may work, one of store 2 (whose lists are empty: its only
        // order was paid at once), reassigning, settings
        (
            "/worklists/status",
            "csrf={csrf}&store=晨光旗舰店&key=unpaid:nothing&status=open",
            [Login, NotFound, NotFound, NotFound, Forbidden, NotFound],
        ),
        (
            "/worklists/status",
            "csrf={csrf}&store={S2}&key=unpaid:X900001&status=open",
            [Login, NotFound, NotFound, NotFound, Forbidden, NotFound],
        ),
        (
            "/worklists/assign",
            "csrf={csrf}&store=晨光旗舰店&key=unpaid:nothing&owner=",
            [Login, Forbidden, Forbidden, NotFound, Forbidden, NotFound],
        ),
        (
            "/worklists/settings",
            "csrf={csrf}&store=晨光旗舰店&first_reminder_minutes=15-30&second_reminder_hours=2-4&final_reminder_minutes=60&close_after_hours=24&quiet_hours=22:00-08:00&max_reminders_per_day=3&recovery_window_hours=72&refund_due_hours=24&horizon_days=14&owner=serving",
            managers(303),
        ),
        (
            "/worklists/settings",
            "csrf={csrf}&store={S2}&first_reminder_minutes=15-30&second_reminder_hours=2-4&final_reminder_minutes=60&close_after_hours=24&quiet_hours=22:00-08:00&max_reminders_per_day=3&recovery_window_hours=72&refund_due_hours=24&horizon_days=14&owner=serving",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(303),
            ],
        ),
        // alerts: rules and a channel saved by managers of the store; an id no store has
        (
            "/settings/alerts/rules",
            "csrf={csrf}&store=晨光旗舰店&wait_on=true&wait_threshold=120",
            managers(303),
        ),
        (
            "/settings/alerts/rules",
            "csrf={csrf}&store={S2}&wait_on=true&wait_threshold=120",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(303),
            ],
        ),
        (
            "/settings/alerts/channel",
            "csrf={csrf}&store=晨光旗舰店&kind=wecom&webhook=http%3A%2F%2F127.0.0.1%3A9%2Fsend%3Fkey%3Dk",
            managers(303),
        ),
        (
            "/settings/alerts/channel",
            "csrf={csrf}&store={S2}&kind=wecom&webhook=http%3A%2F%2F127.0.0.1%3A9%2Fsend%3Fkey%3Dk",
            [
                Login,
                Forbidden,
                Forbidden,
                NotFound,
                Forbidden,
                Status(303),
            ],
        ),
        (
            "/settings/alerts/channel/delete",
            "csrf={csrf}&store=晨光旗舰店&id=999999",
            [Login, Forbidden, Forbidden, NotFound, Forbidden, NotFound],
        ),
        (
            "/settings/alerts/test",
            "csrf={csrf}&store={S2}&id=999999",
            [Login, Forbidden, Forbidden, NotFound, Forbidden, NotFound],
        ),
        (
            "/settings/user/delete",
            "csrf={csrf}&id={victim}",
            admin_only(303),
        ),
    ]
}

/// The forms of other modules (quality inspection, performance plans): their role rules are
/// their own, but anonymous posts go to the login page and a post without the session's CSRF
/// token is refused for everyone with exactly 403, by the CSRF guard before the handler reads
/// the form.
const MODULE_POSTS: &[(&str, u16)] = &[
    ("/qa/assignments", 403),
    ("/qa/period", 403),
    ("/qa/auto-review", 403),
    ("/qa/review", 403),
    ("/qa/appeal", 403),
    ("/qa/decide", 403),
    ("/qa/calibration", 403),
    ("/qa/cases", 403),
    ("/qa/cases/chat", 403),
    ("/qa/send", 403),
    ("/qa/scorecards", 403),
    ("/qa/rules", 403),
    ("/qa/test", 403),
    ("/qa/run", 403),
    ("/plans/preview", 403),
    ("/plans/save", 403),
    ("/plans/edit", 403),
    ("/plans/scores", 403),
];

/// The forms of quality inspection and performance plans, posted with the user's CSRF token
/// and aimed at store 2 (or an id of it), with the exact status of [agent A, agent B,
/// supervisor, qa, admin]; anonymous posts go to the login page. Everyone but the admin is
/// refused by their role (403) or answered as if store 2 or its row did not exist (404); the
/// admin gets past access to the form's own answer, a refusal of the form where possible so
/// that the rows change nothing (the case saved and the plan version valid from 2027 are the
/// exceptions, and no other row reads them).
const MODULE_FORMS: &[(&str, &str, [u16; 5])] = &[
    (
        "/qa/assignments",
        "store={S2}&kind=bogus",
        [403, 403, 404, 403, 400],
    ),
    (
        "/qa/period",
        "store={S2}&period=bogus",
        [403, 403, 404, 403, 400],
    ),
    (
        "/qa/auto-review",
        "store={S2}&daily_cap=0",
        [403, 403, 404, 403, 400],
    ),
    // the admin reviewed it already
    ("/qa/review", "id={AS2}", [404, 404, 404, 404, 400]),
    // its reviewer is the qa, who does not see store 2
    ("/qa/review", "id={AS2Q}", [404, 404, 404, 404, 404]),
    ("/qa/review", "id=999999", [404, 404, 404, 404, 404]),
    // only the reviewed agent may appeal
    (
        "/qa/appeal",
        "review={RV2}&reason=x",
        [404, 404, 404, 404, 403],
    ),
    (
        "/qa/appeal",
        "review=999999&reason=x",
        [404, 404, 404, 404, 404],
    ),
    (
        "/qa/decide",
        "review={RV2}&decision=bogus",
        [403, 403, 404, 403, 400],
    ),
    (
        "/qa/calibration",
        "store={S2}&name=",
        [403, 403, 404, 403, 400],
    ),
    (
        "/qa/cases",
        "review={RV2}&verdict=good&note=x",
        [403, 403, 404, 404, 303],
    ),
    (
        "/qa/cases",
        "review=999999&verdict=good",
        [403, 403, 404, 404, 404],
    ),
    // 加入案例库 and 送质检 of a reception of store 2 (the admin's case is saved; the admin's
    // task is refused for its unknown reviewer)
    (
        "/qa/cases/chat",
        "store={S2}&account={S2A}&buyer=%E6%98%9F%E6%B2%B3%E4%B9%B0%E5%AE%B6%E7%94%B2&day=2026-11-12&verdict=good&note=x",
        [403, 403, 404, 404, 303],
    ),
    (
        "/qa/send",
        "store={S2}&account={S2A}&buyer=%E6%98%9F%E6%B2%B3%E4%B9%B0%E5%AE%B6%E7%94%B2&day=2026-11-12&reviewer=999999",
        [403, 403, 404, 404, 400],
    ),
    // store 2's account named with store 1: missing for everyone
    (
        "/qa/send",
        "store={S1}&account={S2A}&buyer=%E6%98%9F%E6%B2%B3%E4%B9%B0%E5%AE%B6%E7%94%B2&day=2026-11-12",
        [403, 403, 404, 404, 404],
    ),
    ("/qa/scorecards", "toml=x", [403, 403, 403, 403, 400]),
    (
        "/qa/rules",
        "store={S2}&mode=toml&toml=x",
        [403, 403, 404, 403, 400],
    ),
    ("/qa/test", "store={S2}&chat=x", [404, 404, 404, 404, 400]),
    (
        "/qa/run",
        "store={S2}&from=bogus&to=bogus",
        [403, 403, 404, 403, 400],
    ),
    (
        "/plans/preview",
        "store={S2}&month=2026-11&toml={PLAN}",
        [403, 403, 404, 403, 200],
    ),
    (
        "/plans/save",
        "store={S2}&month=2026-11&valid_from=2027-01&toml={PLAN}",
        [403, 403, 404, 403, 303],
    ),
    (
        "/plans/scores",
        "store={S2}&month=2026-11&plan=presale",
        [403, 403, 404, 403, 404],
    ),
    // a row added to a posted plan form: nothing read or saved, only editors
    (
        "/plans/edit",
        "store={S2}&month=2026-11&mode=form&op=add:kpi",
        [403, 403, 200, 403, 200],
    ),
];

struct World {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    app: Router,
    /// The placeholders of rows that name ids of store 2.
    ids: Vec<(&'static str, String)>,
}

/// The sample store (store 1) and store 2, with users: lily (agent A), qiang (agent B), sup
/// (supervisor of store 1), qa (of store 1), admin, and victim (for the forms).
fn world() -> World {
    let (dir, path, _) = setup(false);
    let store2_dir = dir.path().join("store2");
    std::fs::create_dir(&store2_dir).unwrap();
    std::fs::write(
        store2_dir.join("messages.csv"),
        format!(
            "time,buyer,account,sender,text\n\
             2026-11-12 10:00:00,星河买家甲,{STORE2_ACCOUNT},buyer,在吗\n\
             2026-11-12 10:00:30,星河买家甲,{STORE2_ACCOUNT},agent,在的亲\n"
        ),
    )
    .unwrap();
    std::fs::write(
        store2_dir.join("orders.csv"),
        format!(
            "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
             X900001,星河买家甲,2026-11-12 10:05:00,2026-11-12 10:06:00,,{STORE2_SALES},1\n"
        ),
    )
    .unwrap();
    let config = Config::default();
    let mut db = Db::open(&path).unwrap();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(STORE2.to_string());
    let files = vec![
        store2_dir.join("messages.csv"),
        store2_dir.join("orders.csv"),
    ];
    let out = kefu_import::read_files(&files, &opts, &|_, _| {}).unwrap();
    db.import(out.batch, &config).unwrap();

    let store1 = db.store(STORE).unwrap();
    let account = |name: &str| account_id(&db, store1.id, name);
    let lily = db.user("lily").unwrap().unwrap();
    db.link_account(&lily, store1.id, account(ACCOUNT_A))
        .unwrap();
    let qiang = db.create_user("qiang", UserRole::Agent, PW).unwrap();
    db.link_account(&qiang, store1.id, account(ACCOUNT_B))
        .unwrap();
    let qa = db.user("qa").unwrap().unwrap();
    db.assign_store(&qa, store1.id).unwrap();
    db.create_user("victim", UserRole::Qa, PW).unwrap();
    let ids = store2_rows(&mut db);
    drop(db);
    let app = router(AppState::new(path.clone(), config));
    World {
        _dir: dir,
        path,
        app,
        ids,
    }
}

/// Rows of store 2 that URLs and forms name by id: an assignment the admin reviewed, one for
/// the qa of store 1, a calibration and a plan version (valid from 2027: not in force for the
/// matrix's month).
fn store2_rows(db: &mut Db) -> Vec<(&'static str, String)> {
    use kefu_qa::review::ReviewKind;
    use kefu_qa::sampling::ReceptionKey;
    use kefu_qa::summary::{Period, PeriodKind};
    use kefu_store::qa_reviews::{NewAssignment, NewReview};
    let store2 = db.store(STORE2).unwrap();
    let admin = db.user("admin").unwrap().unwrap();
    let qa = db.user("qa").unwrap().unwrap();
    let day = Day::parse("2026-11-12").unwrap();
    let reception = ReceptionKey {
        account: account_id(db, store2.id, STORE2_ACCOUNT),
        buyer: db.names(store2.id).unwrap().get("星河买家甲").unwrap(),
        day,
    };
    let period = Period::containing(PeriodKind::Month, day);
    let drawn: Vec<NewAssignment> = [admin.id, qa.id]
        .iter()
        .map(|&reviewer_id| NewAssignment {
            reviewer_id,
            reception,
            signals: String::new(),
        })
        .collect();
    let goals = [(admin.id, 1), (qa.id, 1)];
    db.qa_add_assignments(store2.id, period, ReviewKind::Weakness, &drawn, &goals)
        .unwrap();
    let assignments = db.qa_assignments(store2.id, None, None).unwrap();
    let of = |reviewer: i64| {
        assignments
            .iter()
            .find(|a| a.reviewer_id == reviewer)
            .unwrap()
            .id
    };
    let card = db.qa_scorecards().unwrap().remove(0);
    let review = db
        .qa_add_review(&NewReview {
            assignment_id: of(admin.id),
            scorecard_id: card.id,
            answers: String::new(),
            score: Some(0.8),
            failed_critical: String::new(),
            note: "星河评语".into(),
            training_topic: None,
            tags: String::new(),
        })
        .unwrap()
        .unwrap();
    let calibration = db
        .qa_create_calibration(
            store2.id,
            "星河校准",
            &card,
            admin.id,
            period,
            &[reception],
            &[admin.id],
        )
        .unwrap();
    let plan = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plans/presale.toml"),
    )
    .unwrap();
    let month = kefu_plan::Month {
        year: 2027,
        month: 1,
    };
    let version = db
        .save_plan_version("星河方案", month, &plan, Some("admin"), &[store2.id])
        .unwrap();
    vec![
        ("{AS2Q}", of(qa.id).to_string()),
        ("{AS2}", of(admin.id).to_string()),
        ("{RV2}", review.to_string()),
        ("{CAL2}", calibration.to_string()),
        ("{PV2}", version.to_string()),
        ("{PLAN}", enc(&plan)),
    ]
}

fn fill(template: &str, extra: &[(&str, String)]) -> String {
    let mut s = template
        .replace("{R}", RANGE)
        .replace("{A}", &enc(ACCOUNT_A))
        .replace("{AB}", RECEPTION_A.0)
        .replace("{AD}", RECEPTION_A.1)
        .replace("{B}", &enc(ACCOUNT_B))
        .replace("{BB}", RECEPTION_B.0)
        .replace("{BD}", RECEPTION_B.1)
        .replace("{S2A}", &enc(STORE2_ACCOUNT))
        .replace("{S2}", &enc(STORE2))
        .replace("{S1}", &enc(STORE));
    for (k, v) in extra {
        s = s.replace(k, v);
    }
    s
}

/// Percent-decoding of a URI, for comparing it with page text.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn login_name(who: Who) -> Option<&'static str> {
    match who {
        Who::Anonymous => None,
        Who::AgentA => Some("lily"),
        Who::AgentB => Some("qiang"),
        Who::Supervisor => Some("sup"),
        Who::Qa => Some("qa"),
        Who::Admin => Some("admin"),
    }
}

fn check(res: &Res, want: Want, what: &str) {
    let location = res
        .headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    match want {
        Want::Ok => {
            let ok = if what.ends_with("/favicon.ico") {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::OK
            };
            assert_eq!(res.status, ok, "{what}: {}", res.body);
        }
        Want::Login => {
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}");
            assert_eq!(location.as_deref(), Some("/login"), "{what}");
        }
        Want::Unauthenticated => {
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}");
            assert!(res.body.contains("\"unauthenticated\""), "{what}");
        }
        Want::Forbidden => assert_eq!(res.status, StatusCode::FORBIDDEN, "{what}: {}", res.body),
        Want::NotFound => assert_eq!(res.status, StatusCode::NOT_FOUND, "{what}: {}", res.body),
        Want::Status(s) => assert_eq!(res.status.as_u16(), s, "{what}: {}", res.body),
    }
    if res.status == StatusCode::SEE_OTHER {
        assert!(
            location.is_some_and(|l| l.starts_with('/')),
            "{what}: redirects stay on the site"
        );
    }
}

/// What `who` must never read in any response.
/// Whether `body` shows `text` other than as a whole attribute value (an SVG coordinate
/// such as `x="160.5"` is not a figure).
fn shows(body: &str, text: &str) -> bool {
    body.match_indices(text).any(|(at, _)| {
        let quoted_before = body[..at].ends_with('"');
        let quoted_after = body[at + text.len()..].starts_with('"');
        !(quoted_before && quoted_after)
    })
}

fn forbidden_texts(who: Who, b_figures: &[String], a_figures: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if who != Who::Admin {
        out.extend([STORE2.to_string(), "阿星".into(), STORE2_SALES.into()]);
        // store 2's review note, calibration and plan (`store2_rows`)
        out.extend(["星河评语".into(), "星河校准".into(), "星河方案".into()]);
    }
    match who {
        Who::AgentA => {
            out.push("阿强".into());
            out.extend(OTHER_ACCOUNTS.iter().map(|s| s.to_string()));
            out.extend(b_figures.iter().cloned());
        }
        Who::AgentB => {
            out.push("Lily".into());
            out.extend(OTHER_ACCOUNTS.iter().map(|s| s.to_string()));
            out.extend(a_figures.iter().cloned());
        }
        _ => {}
    }
    if who == Who::Anonymous {
        out.extend(["晨光旗舰店".into(), "阿强".into(), "Lily".into()]);
    }
    out
}

/// Every way a page, an export or the API may write the figures of `c`: as displayed, as
/// CSV and JSON numbers.
fn figure_texts(c: &Counters) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in ACCOUNT_FIGURES {
        let v = f.value(c);
        out.insert(kefu_report::display(f, v));
        // As the pages write it; a duration's 分:秒 could be part of a clock time (11:10 of
        // 2026-11-03 11:10:05), so durations are looked for in the API's numbers only.
        if f.unit != kefu_core::figures::Unit::Seconds {
            out.insert(kefu_web::format::value(f, v));
        }
        if let Some(x) = kefu_report::number(v) {
            out.insert(serde_json::json!(x).to_string());
        }
    }
    out
}

/// The figures of `account` over the range that `other` never has, in total or on any day:
/// if one of them shows on a page of `other`'s user, it is `account`'s.
fn distinctive(db: &Db, account: &str, other: &str) -> Vec<String> {
    let store = db.store(STORE).unwrap();
    let id = |name: &str| account_id(db, store.id, name);
    let (mine, theirs) = (id(account), id(other));
    let (from, to) = (
        Day::parse("2026-11-01").unwrap(),
        Day::parse("2026-11-30").unwrap(),
    );
    let counters = |who: NameId, from: Day, to: Day| {
        db.counters_by_account(store.id, from, to)
            .unwrap()
            .into_iter()
            .find(|(a, _)| *a == who)
            .map(|(_, c)| c)
            .unwrap_or_default()
    };
    let mut seen = figure_texts(&counters(theirs, from, to));
    let mut day = from;
    while day <= to {
        seen.extend(figure_texts(&counters(theirs, day, day)));
        day = day.offset(1);
    }
    figure_texts(&counters(mine, from, to))
        .into_iter()
        // long enough not to be part of any other number or of the page's style sheet
        .filter(|t| t.len() >= 5 && !seen.contains(t))
        .collect()
}

#[tokio::test]
async fn every_route_for_every_role() {
    let w = world();
    let app = &w.app;
    let mut sessions = Vec::new();
    for who in EVERYONE {
        sessions.push(match login_name(who) {
            Some(name) => Some(login(app, name).await),
            None => None,
        });
    }
    let session = |who: Who| {
        sessions[EVERYONE.iter().position(|w| *w == who).unwrap()]
            .clone()
            .unwrap_or_default()
    };
    let db = Db::open(&w.path).unwrap();
    let a_figures = distinctive(&db, ACCOUNT_A, ACCOUNT_B);
    let b_figures = distinctive(&db, ACCOUNT_B, ACCOUNT_A);
    // Agent B's personal API token: the API must answer it exactly as B's session.
    let b_token = db
        .create_api_token(&db.user("qiang").unwrap().unwrap())
        .unwrap();
    drop(db);
    assert!(
        b_figures.len() >= 3 && a_figures.len() >= 3,
        "{a_figures:?} {b_figures:?}"
    );

    for (template, kind) in ROUTES {
        let uri = fill(template, &w.ids);
        for who in EVERYONE {
            let (sid, _) = session(who);
            let mut res = if who == Who::Anonymous {
                send(app, Request::get(&uri).body(Body::empty()).unwrap()).await
            } else {
                get(app, &uri, &sid).await
            };
            // An address that moved answers with a redirect on the site: the page it leads
            // to is what counts.
            for _ in 0..3 {
                let next = res
                    .headers
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .filter(|l| l.starts_with('/') && !l.starts_with("/login"))
                    .map(str::to_string);
                match next {
                    Some(l) if who != Who::Anonymous && res.status == StatusCode::SEE_OTHER => {
                        res = get(app, &l, &sid).await;
                    }
                    _ => break,
                }
            }
            let mut expected = want(*kind, who);
            // unknown pages and rejects are 404 for everyone who may reach them
            if (uri.starts_with("/no-such")
                || uri.starts_with("/api/v1/no-such")
                || uri.starts_with("/import/rejects/"))
                && expected == Want::Ok
                && who != Who::Anonymous
            {
                expected = Want::NotFound;
            }
            if uri.starts_with("/import/rejects/") && who == Who::Anonymous {
                expected = Want::Login;
            }
            let what = format!("{who:?} GET {uri}");
            check(&res, expected, &what);
            if who == Who::AgentB && uri.starts_with("/api/") {
                let req = Request::get(&uri)
                    .header(header::AUTHORIZATION, format!("Bearer {b_token}"))
                    .body(Body::empty())
                    .unwrap();
                let by_token = send(app, req).await;
                assert_eq!(
                    (by_token.status, &by_token.body),
                    (res.status, &res.body),
                    "{what} with B's API token"
                );
            }
            // A refusal may repeat what was asked for; that is not a leak.
            let asked = decode(&uri);
            for text in forbidden_texts(who, &b_figures, &a_figures)
                .into_iter()
                .filter(|t| !asked.contains(t.as_str()))
            {
                assert!(
                    !shows(&res.body, &text),
                    "{what}: shows `{text}`:\n{}",
                    res.body
                );
            }
        }
    }
    // the figures looked for are written as the pages and the API write them
    let (admin_sid, _) = session(Who::Admin);
    let api = get(
        app,
        &fill("/api/v1/report?store={S1}&{R}&by=account", &[]),
        &admin_sid,
    )
    .await;
    let page = get(app, &fill("/ranking?store={S1}&{R}", &[]), &admin_sid).await;
    for figures in [&a_figures, &b_figures] {
        assert!(figures.iter().any(|f| api.body.contains(f)), "{figures:?}");
        assert!(figures.iter().any(|f| page.body.contains(f)), "{figures:?}");
    }
    // the accounts each agent does see: their own
    let (a_sid, _) = session(Who::AgentA);
    let page = get(app, &fill("/ranking?{R}", &[]), &a_sid).await;
    assert!(page.body.contains(ACCOUNT_A));
    let (b_sid, _) = session(Who::AgentB);
    let page = get(
        app,
        &fill("/account?store={S1}&account={B}&{R}", &[]),
        &b_sid,
    )
    .await;
    assert!(page.body.contains(ACCOUNT_B));
    // the supervisor sees store 1 whole
    let (sup_sid, _) = session(Who::Supervisor);
    let page = get(app, &fill("/ranking?{R}", &[]), &sup_sid).await;
    for account in [ACCOUNT_A, ACCOUNT_B] {
        assert!(page.body.contains(account), "{account}");
    }

    // forms: the admin's token and the victim
    let db = Db::open(&w.path).unwrap();
    let admin = db.user("admin").unwrap().unwrap();
    let victim = db.user("victim").unwrap().unwrap();
    let token = db.create_api_token(&admin).unwrap();
    drop(db);
    for (uri, form, wants) in posts() {
        for (who, want) in EVERYONE.iter().zip(wants) {
            let (sid, csrf) = session(*who);
            let extra = [
                ("{csrf}", csrf.clone()),
                ("{victim}", victim.id.to_string()),
                ("{admin_token}", token[5..21].to_string()),
                ("{who}", format!("{who:?}").to_lowercase()),
            ];
            let body = fill(form, &extra);
            let res = if *who == Who::Anonymous {
                let req = Request::post(uri)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body.clone()))
                    .unwrap();
                send(app, req).await
            } else {
                post(app, uri, &sid, &body).await
            };
            let what = format!("{who:?} POST {uri} {body}");
            check(&res, want, &what);
            let asked = decode(&body);
            for text in forbidden_texts(*who, &b_figures, &a_figures)
                .into_iter()
                .filter(|t| !asked.contains(t.as_str()))
            {
                assert!(!shows(&res.body, &text), "{what}: shows `{text}`");
            }
            // without the CSRF token: refused before anything else, for everyone logged in
            if *who != Who::Anonymous {
                let res = post(app, uri, &sid, &body.replace(&csrf, "")).await;
                let expect = if uri == "/import" && res.status == StatusCode::BAD_REQUEST {
                    // a non-multipart body never reaches the token check of the upload
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(res.status, expect, "{what} without CSRF");
            }
        }
    }
    for (uri, form, wants) in MODULE_FORMS {
        for (who, want) in EVERYONE.iter().zip(std::iter::once(0).chain(*wants)) {
            let (sid, csrf) = session(*who);
            let mut extra = w.ids.clone();
            extra.push(("{csrf}", csrf.clone()));
            let body = format!("csrf={csrf}&{}", fill(form, &extra));
            let what = format!("{who:?} POST {uri} {form}");
            let res = if *who == Who::Anonymous {
                let req = Request::post(*uri)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body.clone()))
                    .unwrap();
                let res = send(app, req).await;
                check(&res, Want::Login, &what);
                res
            } else {
                let res = post(app, uri, &sid, &body).await;
                check(&res, Want::Status(want), &what);
                res
            };
            // A refusal may repeat what was asked for; that is not a leak.
            let asked = decode(&body);
            for text in forbidden_texts(*who, &b_figures, &a_figures)
                .into_iter()
                .filter(|t| !asked.contains(t.as_str()))
            {
                assert!(!shows(&res.body, &text), "{what}: shows `{text}`");
            }
        }
    }
    for (uri, refused) in MODULE_POSTS {
        let form = format!("store={}&name=x&text=x", enc(STORE));
        let req = Request::post(*uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.clone()))
            .unwrap();
        check(
            &send(app, req).await,
            Want::Login,
            &format!("anonymous POST {uri}"),
        );
        for who in &EVERYONE[1..] {
            let (sid, _) = session(*who);
            let res = post(app, uri, &sid, &form).await;
            assert_eq!(
                res.status.as_u16(),
                *refused,
                "{who:?} POST {uri} without CSRF: {}",
                res.body
            );
        }
    }
    // the refused forms changed nothing; the admin's did
    let db = Db::open(&w.path).unwrap();
    for who in ["agenta", "agentb", "supervisor", "qa"] {
        assert!(db.user(&format!("new-{who}")).unwrap().is_none(), "{who}");
    }
    assert!(db.user("new-admin").unwrap().is_some());
    assert!(db.user("victim").unwrap().is_none());
    assert!(db.api_token_user(&token).unwrap().is_none());
}

#[test]
fn every_route_of_the_router_is_in_the_matrix() {
    let served: BTreeSet<&str> = kefu_web::routes::route_table()
        .into_iter()
        .map(|r| r.path)
        .collect();
    let mut covered: BTreeSet<String> = ROUTES
        .iter()
        .map(|(t, _)| t.split('?').next().unwrap().to_string())
        .collect();
    covered.extend(posts().iter().map(|(u, _, _)| u.to_string()));
    covered.extend(MODULE_POSTS.iter().map(|(u, _)| u.to_string()));
    let with_token: BTreeSet<&str> = MODULE_FORMS.iter().map(|(u, _, _)| *u).collect();
    for (u, _) in MODULE_POSTS {
        assert!(
            with_token.contains(u),
            "{u}: a form refused without its CSRF token must have a row with it (MODULE_FORMS)"
        );
    }
    covered.insert("/logout".into()); // in `logout_ends_the_session_only_with_its_token`
    covered.insert("/import/rejects/{token}".into());
    // The stream never ends: `the_live_stream_shows_each_user_their_own_rows` below.
    covered.insert("/live/stream".into());
    // Ingest takes a store's ingest token, not a session: `an_ingest_token_writes_its_own_store_only`
    // below (and crates/kefu-cli/tests/live.rs through the server).
    covered.insert("/api/v1/events".into());
    for route in served {
        assert!(
            covered.contains(route),
            "route {route} is served but not in the isolation matrix (tests/isolation.rs ROUTES)"
        );
    }
}

#[tokio::test]
async fn logout_ends_the_session_only_with_its_token() {
    let w = world();
    let (sid, csrf) = login(&w.app, "lily").await;
    let anon = send(
        &w.app,
        Request::post("/logout")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("csrf=x"))
            .unwrap(),
    )
    .await;
    check(&anon, Want::Login, "anonymous logout");
    let res = post(&w.app, "/logout", &sid, "csrf=").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&w.app, "/", &sid).await.status, StatusCode::OK);
    let res = post(&w.app, "/logout", &sid, &format!("csrf={csrf}")).await;
    check(&res, Want::Login, "logout");
    check(&get(&w.app, "/", &sid).await, Want::Login, "after logout");
}

/// Free text a user or an import can put into kefu, one distinct tag per field so that a
/// failure names the field. Escaped, none of them can show as `<x-…`.
const HOSTILE_NAME: &str = "<x-name>\"'</x-name>";
const HOSTILE_GROUP: &str = "<x-group onmouseover='alert(1)'>\"";
const HOSTILE_ACCOUNT: &str = "晨光旗舰店:<x-account>\"'";
const HOSTILE_BUYER: &str = "<x-buyer>'\"";
const HOSTILE_TEXT: &str = "<x-text><script>alert(1)</script>\"'";
const HOSTILE_ORDER: &str = "<x-order>\"";
const HOSTILE_FREE: &str = "<x-free><img src=x onerror=alert(1)>\"'";

/// Imports a conversation, an order and a refund whose every name and text is hostile.
fn import_hostile(path: &std::path::Path) {
    let quote = csv_quote;
    let (account, buyer) = (quote(HOSTILE_ACCOUNT), quote(HOSTILE_BUYER));
    let files = [
        (
            "agents.csv",
            format!(
                "account,name,group,role\n{account},{},{},presale\n",
                quote(HOSTILE_NAME),
                quote(HOSTILE_GROUP)
            ),
        ),
        (
            "messages.csv",
            format!(
                "time,buyer,account,sender,text\n\
                 2026-11-12 10:00:00,{buyer},{account},buyer,{}\n\
                 2026-11-12 10:09:00,{buyer},{account},agent,{}\n",
                quote(HOSTILE_TEXT),
                quote(HOSTILE_TEXT)
            ),
        ),
        (
            "orders.csv",
            format!(
                "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
                 {},{buyer},2026-11-12 10:20:00,2026-11-12 10:21:00,,10.00,1\n",
                quote(HOSTILE_ORDER)
            ),
        ),
        (
            "refunds.csv",
            format!(
                "refund_id,order_id,buyer,requested_at,finished_at,amount,account\n\
                 R-H1,{},{buyer},2026-11-13 09:00:00,2026-11-13 10:00:00,10.00,{account}\n",
                quote(HOSTILE_ORDER)
            ),
        ),
    ];
    import_files(path, STORE, "hostile", &files);
}

/// The weakness answers of the default scorecard (as in tests/qa_reviews.rs).
const ANSWERS: &str = "item_greeting=no&item_polite=4&item_no_taboo=yes&item_wait_apology=na\
     &item_accuracy=8&item_understood=yes&item_follow_up=na&item_recommend=na\
     &item_payment_reminder=na&item_on_platform=yes&item_closing=yes";

/// A review of the hostile conversation with hostile note, topic and tags, an appeal with a
/// hostile reason by the agent of the account, and a case with hostile tags and note.
async fn review_hostile(app: &Router, path: &std::path::Path) {
    let db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    let account = account_id(&db, store.id, HOSTILE_ACCOUNT);
    let eve = db.create_user("eve", UserRole::Agent, PW).unwrap();
    db.link_account(&eve, store.id, account).unwrap();
    let qa_id = db.user("qa").unwrap().unwrap().id;
    drop(db);
    let (sup, sup_csrf) = login(app, "sup").await;
    let form = format!(
        "csrf={sup_csrf}&store={}&day=2026-11-12&kind=weakness&goal=1&mode=weighted&account={account}&reviewer={qa_id}",
        enc(STORE),
    );
    let res = post(app, "/qa/assignments", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mine = Db::open(path).unwrap().qa_my_assignments(qa_id).unwrap();
    let task = mine
        .iter()
        .find(|a| a.reception.account == account)
        .expect("the hostile reception drawn");
    let (qa, qa_csrf) = login(app, "qa").await;
    let review = format!(
        "csrf={qa_csrf}&id={}&{ANSWERS}&note={}&training_topic={}&tags={}",
        task.id,
        enc(HOSTILE_FREE),
        enc(HOSTILE_FREE),
        enc(HOSTILE_FREE)
    );
    let res = post(app, "/qa/review", &qa, &review).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let reviews = Db::open(path)
        .unwrap()
        .qa_reviews(store.id, &Default::default())
        .unwrap();
    let reviewed = reviews
        .iter()
        .find(|r| r.reception.account == account)
        .expect("the review")
        .id;
    let (eve_sid, eve_csrf) = login(app, "eve").await;
    let appeal = format!(
        "csrf={eve_csrf}&review={reviewed}&reason={}",
        enc(HOSTILE_FREE)
    );
    let res = post(app, "/qa/appeal", &eve_sid, &appeal).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let case = format!(
        "csrf={sup_csrf}&review={reviewed}&verdict=bad&tags={}&note={}",
        enc(HOSTILE_FREE),
        enc(HOSTILE_FREE)
    );
    assert_eq!(
        post(app, "/qa/cases", &sup, &case).await.status,
        StatusCode::SEE_OTHER
    );
}

/// Every page of the matrix, and the pages of the hostile account and reception, as the
/// admin, the supervisor and the hostile account's agent: no free text shows unescaped.
#[tokio::test]
async fn every_page_escapes_hostile_free_text() {
    let w = world();
    let app = &w.app;
    import_hostile(&w.path);
    review_hostile(app, &w.path).await;
    let mut pages: Vec<String> = ROUTES.iter().map(|(t, _)| fill(t, &[])).collect();
    let (account, buyer) = (enc(HOSTILE_ACCOUNT), enc(HOSTILE_BUYER));
    let store = enc(STORE);
    for extra in [
        format!("/account?store={store}&account={account}&{RANGE}"),
        format!("/reception?store={store}&account={account}&buyer={buyer}&day=2026-11-12"),
        format!("/qa/reception?store={store}&account={account}&buyer={buyer}&day=2026-11-12"),
        format!("/list?store={store}&account={account}&{RANGE}&figure=consulted"),
        format!("/list?store={store}&{RANGE}&figure=refunds"),
        format!("/list?store={store}&{RANGE}&figure=sales"),
        format!("/qa/cases?store={store}&q={}", enc("x-free")),
        format!("/qa/reviews?store={store}"),
        format!("/qa/summary?store={store}&day=2026-11-12"),
        format!("/qa/assignments?store={store}"),
        format!("/qa/hits?store={store}"),
        "/plans/payslip?store={S1}".replace("{S1}", &store),
        format!("/settings/roster?store={store}"),
    ] {
        pages.push(extra);
    }
    let mut checked = 0;
    for who in ["admin", "sup", "eve"] {
        let (sid, _) = login(app, who).await;
        for uri in &pages {
            let res = get(app, uri, &sid).await;
            let html = res
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html"));
            if !html {
                continue;
            }
            checked += 1;
            if let Some(at) = res.body.find("<x-") {
                let shown: String = res.body[at..].chars().take(120).collect();
                panic!("{who} {uri}: unescaped free text: {shown}…");
            }
        }
    }
    // The hostile texts did reach the pages (escaped), so the walk tested something.
    let (sid, _) = login(app, "admin").await;
    let reception = get(
        app,
        &format!("/reception?store={store}&account={account}&buyer={buyer}&day=2026-11-12"),
        &sid,
    )
    .await;
    assert!(
        reception.body.contains("&lt;x-text&gt;"),
        "{}",
        reception.body
    );
    let cases = get(app, &format!("/qa/cases?store={store}"), &sid).await;
    assert!(cases.body.contains("&lt;x-free&gt;"), "{}", cases.body);
    let ranking = get(app, &format!("/ranking?store={store}&{RANGE}"), &sid).await;
    assert!(ranking.body.contains("&lt;x-account&gt;"));
    let roster = get(app, &format!("/settings/roster?store={store}"), &sid).await;
    assert!(
        roster
            .body
            .contains("&lt;x-group onmouseover=&#39;alert(1)&#39;&gt;")
    );
    assert!(checked > 150, "{checked} pages checked");
}

/// The first frame of the live stream of `store` for session `sid` (status and JSON).
async fn first_frame(app: &Router, sid: &str, store: &str) -> (StatusCode, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = Request::get(format!("/live/stream?store={}", enc(store)))
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [10, 0, 0, 1],
            40000,
        ))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    if status != StatusCode::OK {
        return (status, serde_json::Value::Null);
    }
    let mut body = res.into_body();
    let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let text = String::from_utf8_lossy(&frame).into_owned();
    let json = text.trim().strip_prefix("data: ").unwrap();
    (status, serde_json::from_str(json).unwrap())
}

/// Buyers waiting at agent A's and agent B's accounts of store 1 and at store 2's.
fn waiting_everywhere(w: &World) {
    let db = Db::open(&w.path).unwrap();
    let mut live = kefu_store::live::LiveDb::open(&w.path).unwrap();
    let config = Config::default();
    for (store, account) in [
        (STORE, ACCOUNT_A),
        (STORE, ACCOUNT_B),
        (STORE2, STORE2_ACCOUNT),
    ] {
        let info = db.store(store).unwrap();
        let line = format!(
            "{{\"kind\":\"message\",\"time\":\"2026-11-12 10:00:00\",\"buyer\":\"等待的{account}\",\"account\":\"{account}\",\"sender\":\"buyer\"}}"
        );
        let done = kefu_app::live::ingest(&mut live, &config, &info, &line, 0).unwrap();
        assert_eq!(done.accepted, 1);
    }
}

#[tokio::test]
async fn the_live_stream_shows_each_user_their_own_rows() {
    let w = world();
    waiting_everywhere(&w);
    let accounts = |f: &serde_json::Value| -> Vec<String> {
        f["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["account"].as_str().unwrap().to_string())
            .collect()
    };
    let (lily, _) = login(&w.app, "lily").await;
    let (status, f) = first_frame(&w.app, &lily, STORE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(accounts(&f), vec![ACCOUNT_A]);
    let (qiang, _) = login(&w.app, "qiang").await;
    assert_eq!(
        accounts(&first_frame(&w.app, &qiang, STORE).await.1),
        vec![ACCOUNT_B]
    );
    let (sup, _) = login(&w.app, "sup").await;
    let mut both = accounts(&first_frame(&w.app, &sup, STORE).await.1);
    both.sort();
    assert_eq!(both, vec![ACCOUNT_A, ACCOUNT_B]);
    // Store 2 is not theirs: as if it did not exist.
    assert_eq!(
        first_frame(&w.app, &sup, STORE2).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        first_frame(&w.app, &lily, STORE2).await.0,
        StatusCode::NOT_FOUND
    );
    let (admin, _) = login(&w.app, "admin").await;
    assert_eq!(
        accounts(&first_frame(&w.app, &admin, STORE2).await.1),
        vec![STORE2_ACCOUNT]
    );
    // Without a session: no stream.
    let anon = get(&w.app, "/live/stream", "").await;
    assert_ne!(anon.status, StatusCode::OK);
}

#[tokio::test]
async fn an_ingest_token_writes_its_own_store_only() {
    let w = world();
    let db = Db::open(&w.path).unwrap();
    let store2 = db.store(STORE2).unwrap();
    let token = db.create_ingest_token(store2.id, "t", None).unwrap();
    let post =
        |token: String, body: &'static str| {
            let app = w.app.clone();
            async move {
                let mut req = Request::post("/api/v1/events")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::from(body))
                    .unwrap();
                req.extensions_mut().insert(axum::extract::ConnectInfo(
                    std::net::SocketAddr::from(([10, 0, 0, 1], 40000)),
                ));
                send(&app, req).await
            }
        };
    let into_store1 = "{\"kind\":\"message\",\"store\":\"晨光旗舰店\",\"time\":\"2026-11-12 11:00:00\",\"buyer\":\"x\",\"account\":\"晨光旗舰店:Lily\",\"sender\":\"buyer\"}";
    let res = post(token.clone(), into_store1).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("\"field\":\"store\""), "{}", res.body);
    let plain = "{\"kind\":\"message\",\"time\":\"2026-11-12 11:00:00\",\"buyer\":\"x\",\"account\":\"k\",\"sender\":\"buyer\"}";
    let res = post(token.clone(), plain).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("星河专营店"), "{}", res.body);
    // A user's personal API token is no ingest token, nor is a session.
    let admin = db.user("admin").unwrap().unwrap();
    let personal = db.create_api_token(&admin).unwrap();
    assert_eq!(post(personal, plain).await.status, StatusCode::UNAUTHORIZED);
    // Revoked: refused at the next request, though the server trusts the token's secret
    // from the requests before (it checks it once a minute, the token's row every time).
    let key = db.ingest_tokens(store2.id).unwrap()[0].key.clone();
    assert!(db.revoke_ingest_token(store2.id, &key).unwrap());
    assert_eq!(post(token, plain).await.status, StatusCode::UNAUTHORIZED);
    // Nothing reached store 1's live state.
    let live = kefu_store::live::LiveDb::open(&w.path).unwrap();
    let store1 = db.store(STORE).unwrap();
    assert_eq!(live.waiting_buyers(store1.id).unwrap(), vec![]);
    assert_eq!(live.waiting_buyers(store2.id).unwrap().len(), 1);
}
