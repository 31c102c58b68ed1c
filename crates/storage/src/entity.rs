//! sea-orm entities, one module per table (see `migration` for the schema).
//! Generated in the shape `sea-orm-cli generate entity` produces, kept by hand since.

pub mod office {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "offices")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub sort_order: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod industry {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "industries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub category: String,
        pub sort_order: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        #[sea_orm(column_type = "Text")]
        pub display_name: String,
        #[sea_orm(column_type = "Text")]
        pub password_hash: String,
        #[sea_orm(column_type = "Text")]
        pub role: String,
        pub office_id: Option<i64>,
        pub active: bool,
        pub created_at: DateTimeUtc,
        /// Set when an administrator resets the password: the next sign-in must
        /// choose a new one before anything else.
        pub must_change_password: bool,
        pub password_changed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub user_id: i64,
        /// The absolute end (12 hours after sign-in).
        pub expires_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
        /// For the idle end (2 hours without a request); written at most once a minute.
        pub last_seen_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_token {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub token_hash: String,
        pub created_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod project {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub office_id: i64,
        pub industry_id: i64,
        #[sea_orm(column_type = "Text")]
        pub stage: String,
        #[sea_orm(column_type = "Text")]
        pub location: String,
        #[sea_orm(column_type = "Text")]
        pub content: String,
        #[sea_orm(column_type = "Text")]
        pub leader: String,
        #[sea_orm(column_type = "Text")]
        pub responsible_unit: String,
        #[sea_orm(column_type = "Text")]
        pub owner_unit: String,
        pub total_investment: i64,
        pub planned_start: Option<Date>,
        pub planned_finish: Option<Date>,
        pub actual_start: Option<Date>,
        pub actual_finish: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub warning_light: String,
        #[sea_orm(column_type = "Text")]
        pub warning_detail: String,
        pub demo: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// Bumped by every edit of the project (header, stage, import): a form carries
        /// the version it was opened at, and a stale one is refused, not saved over.
        pub version: i32,
        /// day | month | year: how precise each date is ("2026" is a year).
        #[sea_orm(column_type = "Text")]
        pub planned_start_precision: String,
        #[sea_orm(column_type = "Text")]
        pub planned_finish_precision: String,
        #[sea_orm(column_type = "Text")]
        pub actual_start_precision: String,
        #[sea_orm(column_type = "Text")]
        pub actual_finish_precision: String,
        /// The actual start was taken from the planned start by an import (日期取自计划开工).
        pub actual_start_inferred: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod annual_plan {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "annual_plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        pub year: i32,
        pub amount: i64,
        /// Sum of this year's monthly reports, kept by the app when a report is saved.
        pub completed: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod stage_event {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "stage_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        #[sea_orm(column_type = "Text")]
        pub from_stage: String,
        #[sea_orm(column_type = "Text")]
        pub to_stage: String,
        pub on_date: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod period {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "periods")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub year: i32,
        pub month: i32,
        pub deadline: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub status: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod report {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "reports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        pub office_id: i64,
        pub year: i32,
        pub month: i32,
        pub completed: i64,
        #[sea_orm(column_type = "Text")]
        pub progress: String,
        #[sea_orm(column_type = "Text")]
        pub problems: String,
        #[sea_orm(column_type = "Text")]
        pub help_needed: String,
        #[sea_orm(column_type = "Text")]
        pub submitted_by: String,
        pub submitted_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod photo {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "photos")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        pub report_id: Option<i64>,
        #[sea_orm(column_type = "Text")]
        pub filename: String,
        #[sea_orm(column_type = "Text")]
        pub content_type: String,
        #[serde(skip)]
        #[sea_orm(column_type = "Blob")]
        pub data: Vec<u8>,
        #[sea_orm(column_type = "Text")]
        pub uploaded_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod milestone {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "milestones")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub due_on: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub responsible: String,
        pub done_on: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod problem {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "problems")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        #[sea_orm(column_type = "Text")]
        pub responsible: String,
        pub deadline: Option<Date>,
        pub resolved: bool,
        #[sea_orm(column_type = "Text")]
        pub resolution: String,
        #[sea_orm(column_type = "Text")]
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod comment {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod batch {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "batches")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub seq: i32,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub held_on: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod batch_item {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "batch_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub batch_id: i64,
        pub project_id: i64,
        #[sea_orm(column_type = "Text")]
        pub list: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod setting {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        #[sea_orm(column_type = "Text")]
        pub value: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        #[sea_orm(column_type = "Text")]
        pub action: String,
        #[sea_orm(column_type = "Text")]
        pub entity: String,
        pub entity_id: Option<i64>,
        pub project_id: Option<i64>,
        #[sea_orm(column_type = "Text", nullable)]
        pub before: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub after: Option<String>,
        /// Who asked: the client's address and user agent ("" outside a web request).
        #[sea_orm(column_type = "Text")]
        pub client_addr: String,
        #[sea_orm(column_type = "Text")]
        pub user_agent: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meetings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub held_on: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub aggregate: String,
        #[sea_orm(column_type = "Text")]
        pub combination: String,
        #[sea_orm(column_type = "Text")]
        pub excellent_from: String,
        #[sea_orm(column_type = "Text")]
        pub good_from: String,
        pub released: bool,
        #[sea_orm(column_type = "Text")]
        pub created_by: String,
        pub created_at: DateTimeUtc,
        /// The last day, for a meeting of more than one day.
        pub ends_on: Option<Date>,
        /// rubric | rank_ballot | formula | composite
        #[sea_orm(column_type = "Text")]
        pub method: String,
        #[sea_orm(column_type = "Text")]
        pub rank_step: String,
        /// The composite's weights for the judges' rubric, the rank ballots and the
        /// points formula.
        #[sea_orm(column_type = "Text")]
        pub weight_rubric: String,
        #[sea_orm(column_type = "Text")]
        pub weight_rank: String,
        #[sea_orm(column_type = "Text")]
        pub weight_formula: String,
        /// The bulletin's 文号: prefix and number in the year's series (〔2026〕N号).
        #[sea_orm(column_type = "Text")]
        pub doc_prefix: String,
        pub doc_number: Option<i32>,
        /// auto (by the method) | score (cut-offs) | share (top shares of the ranking)
        #[sea_orm(column_type = "Text")]
        pub band_mode: String,
        #[sea_orm(column_type = "Text")]
        pub excellent_share: String,
        #[sea_orm(column_type = "Text")]
        pub good_share: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting_site {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_sites")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub project_id: i64,
        pub office_id: i64,
        pub seq: i32,
        #[sea_orm(column_type = "Text")]
        pub visit_time: String,
        /// proposed (by the office) | confirmed (by the project office)
        #[sea_orm(column_type = "Text")]
        pub status: String,
        #[sea_orm(column_type = "Text")]
        pub proposed_by: String,
        /// Shown at a concentrated start event (集中开工), +30 in the points formula.
        pub concentrated_start: bool,
        /// Points deducted for criticism, with the reason.
        #[sea_orm(column_type = "Text")]
        pub penalty: String,
        #[sea_orm(column_type = "Text")]
        pub penalty_reason: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting_criterion {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_criteria")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub weight: String,
        #[sea_orm(column_type = "Text")]
        pub max: String,
        pub seq: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting_judge {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_judges")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub user_id: i64,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        /// The judge's own office (their account's).
        pub own_office_id: Option<i64>,
        pub submitted_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text")]
        pub reopened_reason: String,
        /// A further office the judge declared a conflict with.
        pub declared_office_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting_score {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_scores")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub judge_id: i64,
        pub site_id: i64,
        pub criterion_id: i64,
        #[sea_orm(column_type = "Text")]
        pub score: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting_remark {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_remarks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub judge_id: i64,
        pub site_id: i64,
        #[sea_orm(column_type = "Text")]
        pub remark: String,
        #[sea_orm(column_type = "Text")]
        pub declined_reason: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An office taking part in a meeting, in a group (empty: no groups).
pub mod meeting_office {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_offices")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub office_id: i64,
        #[sea_orm(column_type = "Text")]
        pub group_name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One line of a judge's rank ballot.
pub mod meeting_rank {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_ranks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub judge_id: i64,
        pub office_id: i64,
        pub rank: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A bonus (positive) or penalty (negative) for an office, with its reason.
pub mod meeting_adjustment {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_adjustments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub office_id: i64,
        #[sea_orm(column_type = "Text")]
        pub points: String,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A leader's comment (点评) on an office at a meeting.
pub mod meeting_comment {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub office_id: i64,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The year's completed investment through a month, imported from a ledger.
pub mod opening_balance {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "opening_balances")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        pub year: i32,
        pub through_month: i32,
        pub amount: i64,
        #[sea_orm(column_type = "Text")]
        pub username: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A reminder (催报) to an office, or about one project, to file a period's report.
pub mod reminder {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "reminders")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub year: i32,
        pub month: i32,
        pub office_id: i64,
        pub project_id: Option<i64>,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        #[sea_orm(column_type = "Text")]
        pub sent_by: String,
        pub sent_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An office user's request to move a project back down the ladder, decided by the
/// project office.
pub mod stage_request {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "stage_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        #[sea_orm(column_type = "Text")]
        pub from_stage: String,
        #[sea_orm(column_type = "Text")]
        pub to_stage: String,
        pub on_date: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub requested_by: String,
        pub requested_at: DateTimeUtc,
        /// pending | approved | rejected
        #[sea_orm(column_type = "Text")]
        pub status: String,
        #[sea_orm(column_type = "Text")]
        pub decided_by: String,
        pub decided_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text")]
        pub decision_reason: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A published meeting result, frozen: version 1 at release, later versions are
/// corrections with a reason.
pub mod meeting_release {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "meeting_releases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub meeting_id: i64,
        pub version: i32,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        /// The published result as JSON (ranking, parts, top sites, bands, the
        /// bulletin's words), never recomputed.
        #[serde(skip)]
        #[sea_orm(column_type = "Text")]
        pub snapshot: String,
        /// The bulletin (.docx) and the workbook (.xlsx) as published, byte for byte.
        #[serde(skip)]
        #[sea_orm(column_type = "Blob")]
        pub bulletin: Vec<u8>,
        #[serde(skip)]
        #[sea_orm(column_type = "Blob")]
        pub workbook: Vec<u8>,
        #[sea_orm(column_type = "Text")]
        pub released_by: String,
        pub released_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
