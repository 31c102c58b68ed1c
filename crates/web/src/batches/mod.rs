//! "三个一批" campaign batches: their pages.

pub(crate) mod pages;
