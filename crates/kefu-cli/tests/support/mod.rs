pub mod app;
pub mod webdriver;
