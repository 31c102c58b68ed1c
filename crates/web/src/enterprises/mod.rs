//! The enterprise side on the web: pages and API.

pub mod api;
pub mod pages;
