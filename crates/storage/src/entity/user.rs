//! The `users` table.

use crate::value::Code;
use fengkou_domain::Role;
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
    /// Never serialised: a user row that reaches JSON (an audit entry, a page) must not
    /// carry it.
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub role: Code<Role>,
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
