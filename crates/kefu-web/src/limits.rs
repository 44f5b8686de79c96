//! How large a request body each kind of form may be. One place, so that the CSRF guard's own
//! cap ([`GUARDED_FORM_LIMIT`]) is derived from every route's limit, never copied.

/// The largest body a form of the pages may have.
pub const FORM_LIMIT: usize = 16 * 1024;

/// A plan file is a few kilobytes; the edit form carries one.
pub const PLAN_FORM_LIMIT: usize = 256 * 1024;

/// The roster form has six fields per account; a store has a few hundred accounts at most.
pub const ROSTER_FORM_LIMIT: usize = 512 * 1024;

/// The largest rules form (keyword lists percent-encoded take three bytes a byte).
pub const RULES_FORM_LIMIT: usize = 256 * 1024;

/// The largest scorecard file the editor accepts.
pub const SCORECARD_LIMIT: usize = 64 * 1024;

/// The largest form any route takes: the guard reads a urlencoded form whole to find its
/// token, so it applies this cap itself; each route's own limit still applies after it.
pub const GUARDED_FORM_LIMIT: usize = {
    let limits = [
        FORM_LIMIT,
        PLAN_FORM_LIMIT,
        ROSTER_FORM_LIMIT,
        RULES_FORM_LIMIT,
        SCORECARD_LIMIT,
    ];
    let (mut max, mut i) = (0, 0);
    while i < limits.len() {
        if limits[i] > max {
            max = limits[i];
        }
        i += 1;
    }
    max
};

/// Rows a list page shows at once.
pub const PAGE_ROWS: usize = 200;

/// Rows the API gives at most per request.
pub const API_MAX_ROWS: usize = 1000;

/// Rows a list download holds at most (the first ones of the list).
pub const EXPORT_ROWS: usize = 100_000;
