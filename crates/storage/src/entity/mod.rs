//! sea-orm entities, one module per table (see `migration` for the schema).
//! Generated in the shape `sea-orm-cli generate entity` produces, kept by hand since.

pub mod annual_plan;
pub mod api_token;
pub mod audit;
pub mod batch;
pub mod batch_item;
pub mod comment;
pub mod industry;
pub mod meeting;
pub mod meeting_adjustment;
pub mod meeting_comment;
pub mod meeting_criterion;
pub mod meeting_judge;
pub mod meeting_office;
pub mod meeting_rank;
pub mod meeting_release;
pub mod meeting_remark;
pub mod meeting_score;
pub mod meeting_site;
pub mod milestone;
pub mod office;
pub mod opening_balance;
pub mod period;
pub mod photo;
pub mod problem;
pub mod project;
pub mod reminder;
pub mod report;
pub mod session;
pub mod setting;
pub mod stage_event;
pub mod stage_request;
pub mod user;
