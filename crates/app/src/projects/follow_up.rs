//! What follows a project after it is registered: milestones (节点), problems (问题)
//! and their resolution, leaders' comments (点评), and its photos.

use super::Projects;
use super::insert_problem;
use crate::audit::json;
use crate::text::comment_body;
use crate::{Actor, AppError, Result};
use chrono::{NaiveDate, Utc};
use fengkou_storage::entity::{comment, milestone, photo, problem};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::Serialize;

impl Projects<'_> {
    pub async fn add_comment(&self, actor: &Actor, project_id: i64, body: &str) -> Result<()> {
        let permit = actor.permit(actor.can_comment(), "只有领导和项目办可以点评")?;
        self.readable_project(actor, project_id).await?;
        let body = comment_body(body)?;
        let mut txn = self.write(permit).await?;
        let saved = comment::ActiveModel {
            project_id: Set(project_id),
            username: Set(actor.username.clone()),
            body: Set(body.to_string()),
            created_at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("comment", saved.id, Some(project_id), &saved);
        txn.commit().await?;
        Ok(())
    }

    pub async fn add_milestone(
        &self,
        actor: &Actor,
        project_id: i64,
        name: &str,
        due_on: Option<NaiveDate>,
        responsible: &str,
    ) -> Result<()> {
        let mut txn = self.write_checking(actor).await?;
        self.editable_project(&mut txn, actor, project_id).await?;
        if name.trim().is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid("节点", "须为1到200个字"));
        }
        let saved = milestone::ActiveModel {
            project_id: Set(project_id),
            name: Set(name.trim().to_string()),
            due_on: Set(due_on),
            responsible: Set(responsible.trim().to_string()),
            done_on: Set(None),
            note: Set(String::new()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("milestone", saved.id, Some(project_id), &saved);
        txn.commit().await?;
        Ok(())
    }

    pub async fn complete_milestone(&self, actor: &Actor, milestone_id: i64, done_on: NaiveDate) -> Result<i64> {
        let mut txn = self.write_checking(actor).await?;
        let m = milestone::Entity::find_by_id(milestone_id).one(&txn).await?.ok_or(AppError::NotFound("节点"))?;
        self.editable_project(&mut txn, actor, m.project_id).await?;
        if done_on > self.today() {
            return Err(AppError::invalid("完成日期", "不能晚于今天"));
        }
        let before = json(&m);
        let project_id = m.project_id;
        let mut am = m.into_active_model();
        am.done_on = Set(Some(done_on));
        let saved = am.update(&txn).await?;
        txn.updated("milestone", milestone_id, Some(project_id), before, &saved);
        txn.commit().await?;
        Ok(project_id)
    }

    pub async fn add_problem(
        &self,
        actor: &Actor,
        project_id: i64,
        description: &str,
        responsible: &str,
        deadline: Option<NaiveDate>,
    ) -> Result<()> {
        let mut txn = self.write_checking(actor).await?;
        self.editable_project(&mut txn, actor, project_id).await?;
        if description.trim().is_empty() || description.chars().count() > 2000 {
            return Err(AppError::invalid("问题", "须为1到2000个字"));
        }
        insert_problem(&mut txn, project_id, description, responsible, deadline).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn resolve_problem(&self, actor: &Actor, problem_id: i64, resolution: &str) -> Result<i64> {
        let mut txn = self.write_checking(actor).await?;
        let p = problem::Entity::find_by_id(problem_id).one(&txn).await?.ok_or(AppError::NotFound("问题"))?;
        self.editable_project(&mut txn, actor, p.project_id).await?;
        let before = json(&p);
        let project_id = p.project_id;
        let mut am = p.into_active_model();
        am.resolved = Set(true);
        am.resolution = Set(resolution.trim().chars().take(2000).collect());
        let saved = am.update(&txn).await?;
        txn.updated("problem", problem_id, Some(project_id), before, &saved);
        txn.commit().await?;
        Ok(project_id)
    }

    /// A photo's bytes, for whoever may read its project.
    pub async fn photo(&self, actor: &Actor, photo_id: i64) -> Result<PhotoFile> {
        let p = photo::Entity::find_by_id(photo_id).one(&self.db).await?.ok_or(AppError::NotFound("照片"))?;
        self.readable_project(actor, p.project_id).await?;
        Ok(PhotoFile { content_type: p.content_type, data: p.data })
    }
}

/// A milestone (节点) of a project.
#[derive(Debug, Clone, Serialize)]
pub struct Milestone {
    pub id: i64,
    pub name: String,
    pub due_on: Option<NaiveDate>,
    pub responsible: String,
    pub done_on: Option<NaiveDate>,
    pub note: String,
}

/// A problem (问题) raised on a project, and how it was resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub id: i64,
    pub description: String,
    pub responsible: String,
    pub deadline: Option<NaiveDate>,
    pub resolved: bool,
    pub resolution: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// A leader's comment (点评) on a project.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub username: String,
    pub body: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// A photo's bytes and their type (sniffed from the bytes when it was uploaded).
#[derive(Debug, Clone)]
pub struct PhotoFile {
    pub content_type: String,
    pub data: Vec<u8>,
}

impl From<milestone::Model> for Milestone {
    fn from(m: milestone::Model) -> Self {
        Milestone {
            id: m.id,
            name: m.name,
            due_on: m.due_on,
            responsible: m.responsible,
            done_on: m.done_on,
            note: m.note,
        }
    }
}

impl From<problem::Model> for Problem {
    fn from(p: problem::Model) -> Self {
        Problem {
            id: p.id,
            description: p.description,
            responsible: p.responsible,
            deadline: p.deadline,
            resolved: p.resolved,
            resolution: p.resolution,
            created_by: p.created_by,
            created_at: p.created_at,
        }
    }
}

impl From<comment::Model> for Comment {
    fn from(c: comment::Model) -> Self {
        Comment { id: c.id, username: c.username, body: c.body, created_at: c.created_at }
    }
}
