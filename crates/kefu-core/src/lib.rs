//! kefu's pure core: the domain model, settings and the metric engine of `metrics.md`.
//!
//! Nothing here does I/O. Adapters (importers, storage, the CLI) hand events in and take
//! facts out.

pub mod alert;
pub mod alloc_count;
pub mod engine;
pub mod figures;
pub mod live;
pub mod localized;
pub mod model;
pub mod money;
pub mod platform;
pub mod settings;
pub mod text;
pub mod time;
pub mod worklist;
