//! The innovation credit (创新积分) on the web: pages and API.

pub mod api;
pub mod pages;
