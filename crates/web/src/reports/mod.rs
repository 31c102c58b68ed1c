//! Monthly reports: the pages to file and chase them, and their API.

pub(crate) mod api;
pub(crate) mod pages;
