//! The pieces every page is built from: the page frame and error page, tables, charts, links
//! between pages and the transcript of a reception. Feature modules use these; nothing here
//! knows a feature module.

pub mod charts;
pub mod fields;
pub mod format;
pub mod frame;
pub mod html;
pub mod links;
pub mod table;
pub mod transcript;
