//! On-site observation meetings: the organiser's and the judge's pages, the hall board and the API.

pub(crate) mod api;
pub(crate) mod board;
pub(crate) mod pages;
