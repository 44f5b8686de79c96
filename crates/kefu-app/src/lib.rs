//! kefu's application layer: the use cases that the command line and the web app share,
//! written once over the store (`kefu-store`) and the pure core (`kefu-core`). The adapters
//! (CLI, web) parse their input, call a use case and present its result; the rules that
//! decide *what* happens — which settings are in force, when stored figures are recomputed —
//! live here.

pub mod import;
pub mod live;
pub mod plans;
pub mod qa;
pub mod settings;
pub mod worklists;
