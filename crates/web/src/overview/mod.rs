//! The dashboard, the summary and the comparison of the offices: pages and API.

pub(crate) mod api;
pub(crate) mod pages;
