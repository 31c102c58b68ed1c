//! The audit trail: who did what, when, and the record before and after.

use crate::{Actor, App, AppError, Result};
use fengkou_storage::entity::audit;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub project_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub fn json<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

pub async fn record<C: ConnectionTrait>(db: &C, username: &str, change: Change<'_>) -> Result<()> {
    audit::ActiveModel {
        at: Set(chrono::Utc::now()),
        username: Set(username.to_string()),
        action: Set(change.action.to_string()),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        project_id: Set(change.project_id),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records the creation of `row` (the commonest entry: nothing before, the row after).
pub async fn created<C: ConnectionTrait, T: Serialize>(
    db: &C,
    username: &str,
    entity: &str,
    entity_id: i64,
    project_id: Option<i64>,
    row: &T,
) -> Result<()> {
    record(
        db,
        username,
        Change { action: "create", entity, entity_id: Some(entity_id), project_id, before: None, after: json(row) },
    )
    .await
}

/// Records an update of one row: the record before (already serialised, taken before
/// the change) and the row after.
pub async fn updated<C: ConnectionTrait, T: Serialize>(
    db: &C,
    username: &str,
    entity: &str,
    entity_id: i64,
    project_id: Option<i64>,
    before: Option<serde_json::Value>,
    after: &T,
) -> Result<()> {
    record(
        db,
        username,
        Change { action: "update", entity, entity_id: Some(entity_id), project_id, before, after: json(after) },
    )
    .await
}

/// Records the deletion of `row`: the row before, nothing after.
pub async fn deleted<C: ConnectionTrait, T: Serialize>(
    db: &C,
    username: &str,
    entity: &str,
    entity_id: i64,
    project_id: Option<i64>,
    row: &T,
) -> Result<()> {
    record(
        db,
        username,
        Change { action: "delete", entity, entity_id: Some(entity_id), project_id, before: json(row), after: None },
    )
    .await
}

pub const AUDIT_PAGE: u64 = 100;

impl App {
    /// The whole system's trail, newest first (admin and project office).
    pub async fn audit_log(&self, actor: &Actor, page: u64) -> Result<(Vec<audit::Model>, u64)> {
        if !actor.can_read_audit() {
            return Err(AppError::forbidden("只有管理员和项目办可以查看全系统操作日志"));
        }
        let paginator = audit::Entity::find().order_by_desc(audit::Column::Id).paginate(&self.db, AUDIT_PAGE);
        let pages = paginator.num_pages().await?;
        Ok((paginator.fetch_page(page.saturating_sub(1)).await?, pages))
    }

    /// A project's trail (whoever may read the project).
    pub async fn project_audit(&self, actor: &Actor, project_id: i64) -> Result<Vec<audit::Model>> {
        self.readable_project(actor, project_id).await?;
        Ok(audit::Entity::find()
            .filter(audit::Column::ProjectId.eq(project_id))
            .order_by_desc(audit::Column::Id)
            .all(&self.db)
            .await?)
    }
}
