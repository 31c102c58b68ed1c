//! Projects: the ledger and a project's pages, forms and API.

pub(crate) mod api;
pub(crate) mod pages;
