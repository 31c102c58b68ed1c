//! Accounts: one's own password and tokens, and the administrator's pages (users, import, audit).

pub(crate) mod admin;
pub(crate) mod pages;
