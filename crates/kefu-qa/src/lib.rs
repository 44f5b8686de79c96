//! Quality inspection (质检), pure: automatic rules evaluated over receptions, and the
//! arithmetic of manual reviews (scorecards, review scores, reviewer agreement). No I/O: the
//! store and the web app feed it data and keep its results.

pub mod agreement;
mod messages;
pub mod review;
pub mod sampling;
pub mod scorecard_form;
pub mod summary;

pub mod rules;
