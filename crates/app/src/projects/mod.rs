//! The ledger and the project page: listing, reading, creating and editing a project
//! (`stages.rs`: stage transitions and step-back requests; `follow_up.rs`: milestones,
//! problems, comments and photos; `store.rs`: the row writes).

use crate::Write;
use crate::audit::{self, json};
use crate::{Actor, AppError, Result};
use chrono::{Datelike, NaiveDate, Utc};
use fengkou_domain::dates::LedgerDate;
use fengkou_domain::project::{FieldError, ProjectHeader, RequestStatus};
use fengkou_domain::warning::Light;
use fengkou_domain::{Stage, Wan};
use fengkou_storage::entity::{
    annual_plan, comment, industry, milestone, office, photo, problem, project, stage_event, stage_request,
};
pub use fengkou_storage::queries::ProjectSort;
use fengkou_storage::queries::{self, ProjectFilter};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;
use std::collections::HashMap;

pub const MAX_PER_PAGE: u64 = 200;
pub use crate::reports::MAX_PHOTO_BYTES;

/// What the ledger list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub office_id: Option<i64>,
    pub industry_id: Option<i64>,
    pub stage: Option<Stage>,
    pub warning: Option<Light>,
    pub year: Option<i32>,
    pub search: Option<String>,
    pub sort: ProjectSort,
    pub page: u64,
    pub per_page: u64,
}

/// A ledger line.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub office_id: i64,
    pub office: String,
    pub industry: String,
    pub stage: Stage,
    pub stage_label: &'static str,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub completed: Wan,
    pub share_of_plan: Option<f64>,
    pub light: Light,
    pub light_label: &'static str,
    pub warning_detail: String,
    pub planned_start: Option<LedgerDate>,
    pub actual_start: Option<LedgerDate>,
    /// As people read them: "2026年", "2026年3月", "2026-03-15", or "—".
    pub planned_start_label: String,
    pub actual_start_label: String,
    pub demo: bool,
}

/// "2026年" / "2026年3月" / "2026-03-15", or "—" when unknown.
pub fn date_label(d: Option<LedgerDate>) -> String {
    d.map_or_else(|| "—".to_string(), LedgerDate::label)
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectPage {
    pub rows: Vec<ProjectRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub per_page: u64,
    pub year: i32,
}

pub(crate) fn row_of(p: &project::Model, names: &Names, plan: Wan, completed: Wan) -> ProjectRow {
    let stage = stage_of(p);
    let light = light_of(p);
    let dates = dates_of(p);
    ProjectRow {
        id: p.id,
        code: p.code.clone(),
        name: p.name.clone(),
        office_id: p.office_id,
        office: names.office(p.office_id),
        industry: names.industry(p.industry_id),
        stage,
        stage_label: stage.label(),
        total_investment: Wan::from_yuan(p.total_investment),
        annual_plan: plan,
        completed,
        share_of_plan: completed.percent_of(plan),
        light,
        light_label: light.label(),
        warning_detail: p.warning_detail.clone(),
        planned_start: dates.planned_start,
        actual_start: dates.actual_start,
        planned_start_label: date_label(dates.planned_start),
        actual_start_label: date_label(dates.actual_start),
        demo: p.demo,
    }
}

/// Everything the project page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    pub row: ProjectRow,
    /// What an edit form carries back (see [`App::update_project`]).
    pub version: i32,
    pub header: ProjectHeader,
    pub location: String,
    pub content: String,
    pub leader: String,
    pub responsible_unit: String,
    pub owner_unit: String,
    pub planned_finish_label: String,
    pub actual_finish_label: String,
    /// The actual start was taken from the planned start by an import: shown as
    /// "日期取自计划开工（导入）" until someone corrects it.
    pub actual_start_inferred: bool,
    /// A step back an office asked for, waiting for the project office.
    pub pending_request: Option<StageRequestView>,
    pub can_decide_requests: bool,
    pub plans: Vec<PlanYear>,
    pub stages: Vec<StageEventView>,
    pub reports: Vec<crate::reports::ReportView>,
    pub milestones: Vec<Milestone>,
    pub problems: Vec<Problem>,
    pub comments: Vec<Comment>,
    pub photos: Vec<PhotoMeta>,
    pub can_edit: bool,
    pub can_report: bool,
    pub can_comment: bool,
    pub next_stages: Vec<Stage>,
}

/// A photo without its bytes.
#[derive(Debug, Clone, Serialize, sea_orm::FromQueryResult)]
pub struct PhotoMeta {
    pub id: i64,
    pub report_id: Option<i64>,
    pub filename: String,
    pub uploaded_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanYear {
    pub year: i32,
    pub plan: Wan,
    pub completed: Wan,
    pub share: Option<f64>,
}

/// An office's request to step a project back, and its decision.
#[derive(Debug, Clone, Serialize)]
pub struct StageRequestView {
    pub id: i64,
    pub project_id: i64,
    pub project: String,
    pub office: String,
    pub from: &'static str,
    pub to: &'static str,
    pub on_date: Option<NaiveDate>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<Utc>,
    /// pending | approved | rejected
    pub status: RequestStatus,
    pub decided_by: String,
    pub decision_reason: String,
}

/// What a stage change did: done at once, or (an office user stepping back) asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionOutcome {
    Done,
    Requested,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageEventView {
    pub from: String,
    pub to: String,
    pub on_date: Option<NaiveDate>,
    /// The date as precisely as it is known: the start step of a project whose start
    /// is known only to the year reads "2024年", not "2024-01-01".
    pub date_label: String,
    pub reason: String,
    pub username: String,
    pub at: chrono::DateTime<Utc>,
}

impl Projects<'_> {
    pub(crate) fn filter_for(&self, actor: &Actor) -> ProjectFilter {
        ProjectFilter { confined_office: actor.confined_to(), ..Default::default() }
    }

    /// The ledger's filter for a query, within what the actor may see.
    pub(crate) fn filter_of(&self, actor: &Actor, q: &ListQuery) -> ProjectFilter {
        ProjectFilter {
            confined_office: actor.confined_to(),
            office_id: q.office_id,
            industry_id: q.industry_id,
            stage: q.stage.map(|s| s.code().to_string()),
            warning: q.warning.map(|l| l.code().to_string()),
            year: q.year,
            search: q.search.clone(),
        }
    }

    /// One page of the ledger, limited to what the actor may see.
    pub async fn list_projects(&self, actor: &Actor, q: &ListQuery) -> Result<ProjectPage> {
        let year = q.year.unwrap_or_else(|| self.today().year());
        let per_page = q.per_page.clamp(1, MAX_PER_PAGE);
        // Past the last page is the last page's neighbour, never an overflowing offset.
        let page = q.page.clamp(1, 1_000_000);
        let filter = self.filter_of(actor, q);
        let (models, total) = queries::list_projects(&self.db, &filter, q.sort, page, per_page).await?;
        let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
        let figures: HashMap<i64, (Wan, Wan)> = queries::year_figures(&self.db, &ids, year)
            .await?
            .into_iter()
            .map(|f| (f.project_id, (Wan::from_yuan(f.amount), Wan::from_yuan(f.completed))))
            .collect();
        let names = Names::load(&self.db).await?;
        let rows = models
            .iter()
            .map(|m| {
                let (plan, done) = figures.get(&m.id).copied().unwrap_or_default();
                row_of(m, &names, plan, done)
            })
            .collect();
        Ok(ProjectPage { rows, total, page, pages: total.div_ceil(per_page).max(1), per_page, year })
    }

    /// Loads a project the actor may read.
    pub(crate) async fn readable_project(&self, actor: &Actor, id: i64) -> Result<project::Model> {
        let p = project::Entity::find_by_id(id).one(&self.db).await?.ok_or(AppError::NotFound("项目"))?;
        if !actor.can_read_office(p.office_id) {
            return Err(AppError::forbidden("只能查看本办事处的项目"));
        }
        Ok(p)
    }

    /// The project a write changes, once the rule allowed `actor` to edit it (the
    /// write's permission: see [`Write::permit`]).
    async fn editable_project(&self, w: &mut Write, actor: &Actor, id: i64) -> Result<project::Model> {
        let p = project::Entity::find_by_id(id).one(&*w).await?.ok_or(AppError::NotFound("项目"))?;
        w.permit(actor.can_edit_project(p.office_id), "只能修改本办事处的项目")?;
        Ok(p)
    }

    pub async fn project_detail(&self, actor: &Actor, id: i64) -> Result<ProjectDetail> {
        let p = self.readable_project(actor, id).await?;
        let names = Names::load(&self.db).await?;
        let year = self.today().year();
        let plans_models = annual_plan::Entity::find()
            .filter(annual_plan::Column::ProjectId.eq(id))
            .order_by_desc(annual_plan::Column::Year)
            .all(&self.db)
            .await?;
        let plans: Vec<PlanYear> = plans_models
            .iter()
            .map(|a| PlanYear {
                year: a.year,
                plan: Wan::from_yuan(a.amount),
                completed: Wan::from_yuan(a.completed),
                share: Wan::from_yuan(a.completed).percent_of(Wan::from_yuan(a.amount)),
            })
            .collect();
        let this_year = plans.iter().find(|pl| pl.year == year);
        let row =
            row_of(&p, &names, this_year.map_or(Wan::ZERO, |y| y.plan), this_year.map_or(Wan::ZERO, |y| y.completed));
        let dates = dates_of(&p);
        let stages = stage_event::Entity::find()
            .filter(stage_event::Column::ProjectId.eq(id))
            .order_by_asc(stage_event::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| StageEventView {
                from: e.from_stage.map_or_else(String::new, |s| s.label().to_string()),
                to: e.to_stage.label().to_string(),
                date_label: match e.on_date {
                    None => "日期未知".to_string(),
                    Some(d) => [dates.actual_start, dates.actual_finish]
                        .into_iter()
                        .flatten()
                        .find(|known| known.first_day() == d)
                        .map_or_else(|| d.to_string(), LedgerDate::label),
                },
                on_date: e.on_date,
                reason: e.reason,
                username: e.username,
                at: e.created_at,
            })
            .collect();
        let reports = self.reports().report_views(&p, &plans_models).await?;
        let milestones = milestone::Entity::find()
            .filter(milestone::Column::ProjectId.eq(id))
            .order_by_asc(milestone::Column::DueOn)
            .all(&self.db)
            .await?;
        let problems = problem::Entity::find()
            .filter(problem::Column::ProjectId.eq(id))
            .order_by_desc(problem::Column::Id)
            .all(&self.db)
            .await?;
        let comments = comment::Entity::find()
            .filter(comment::Column::ProjectId.eq(id))
            .order_by_desc(comment::Column::Id)
            .all(&self.db)
            .await?;
        // Photo metadata only: the bytes are served by `photo`.
        let photos = photo::Entity::find()
            .select_only()
            .columns([
                photo::Column::Id,
                photo::Column::ReportId,
                photo::Column::Filename,
                photo::Column::UploadedBy,
                photo::Column::CreatedAt,
            ])
            .filter(photo::Column::ProjectId.eq(id))
            .order_by_desc(photo::Column::Id)
            .into_model::<PhotoMeta>()
            .all(&self.db)
            .await?;
        let stage = stage_of(&p);
        let header = header_of(&p, &names, this_year.map_or(Wan::ZERO, |y| y.plan));
        let pending_request = stage_request::Entity::find()
            .filter(stage_request::Column::ProjectId.eq(id))
            .filter(stage_request::Column::Status.eq(RequestStatus::Pending.code()))
            .one(&self.db)
            .await?
            .map(|r| request_view(r, &p, &names));
        Ok(ProjectDetail {
            version: p.version,
            location: p.location.clone(),
            content: p.content.clone(),
            leader: p.leader.clone(),
            responsible_unit: p.responsible_unit.clone(),
            owner_unit: p.owner_unit.clone(),
            planned_finish_label: date_label(header.planned_finish),
            actual_finish_label: date_label(header.actual_finish),
            actual_start_inferred: p.actual_start_inferred,
            pending_request,
            can_decide_requests: actor.can_manage_pipeline(),
            header,
            row,
            plans,
            stages,
            reports,
            milestones: milestones.into_iter().map(Milestone::from).collect(),
            problems: problems.into_iter().map(Problem::from).collect(),
            comments: comments.into_iter().map(Comment::from).collect(),
            photos,
            can_edit: actor.can_edit_project(p.office_id),
            can_report: actor.can_report(p.office_id),
            can_comment: actor.can_comment(),
            next_stages: Stage::ALL.into_iter().filter(|s| *s != stage).collect(),
        })
    }

    /// Resolves office and industry names and checks the header; all problems at once.
    pub(crate) async fn resolve_header<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        header: &ProjectHeader,
    ) -> Result<(i64, i64), Vec<FieldError>> {
        let mut problems = header.entry_problems(self.today());
        let office =
            office::Entity::find().filter(office::Column::Name.eq(header.office.trim())).one(db).await.ok().flatten();
        let industry = industry::Entity::find()
            .filter(industry::Column::Name.eq(header.industry.trim()))
            .one(db)
            .await
            .ok()
            .flatten();
        if office.is_none() && !header.office.trim().is_empty() {
            problems.push(FieldError::new("办事处", format!("没有名为“{}”的办事处", header.office.trim())));
        }
        if industry.is_none() && !header.industry.trim().is_empty() {
            problems.push(FieldError::new("产业", format!("没有名为“{}”的产业类别", header.industry.trim())));
        }
        if let Some(o) = &office
            && !actor.can_edit_project(o.id)
        {
            problems.push(FieldError::new("办事处", "只能登记本办事处的项目"));
        }
        match (office, industry, problems.is_empty()) {
            (Some(o), Some(i), true) => Ok((o.id, i.id)),
            _ => Err(problems),
        }
    }

    /// Creates a project from a form or API body.
    pub async fn create_project(&self, actor: &Actor, header: &ProjectHeader) -> Result<i64> {
        let permit = actor.permit(actor.can_create_projects(), "当前角色不能登记项目")?;
        let mut txn = self.write(permit).await?;
        let (office_id, industry_id) = self.resolve_header(&txn, actor, header).await.map_err(AppError::Invalid)?;
        if let Some(code) = header.code.as_deref().filter(|c| !c.trim().is_empty())
            && project::Entity::find().filter(project::Column::Code.eq(code.trim())).one(&txn).await?.is_some()
        {
            return Err(AppError::invalid("项目编号", format!("“{code}”已被其他项目使用")));
        }
        let id = insert_project(&mut txn, header, office_id, industry_id, self.today().year())
            .await
            .map_err(|e| code_taken(e, header))?;
        self.warnings().refresh_project_warning(&txn, id).await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Edits the header (not the stage: that is a transition with its own rules).
    /// `version` is the project's version when the form was opened: if someone changed
    /// the project since, nothing is saved and the error says who, when and what.
    /// None (a client that did not send it) is refused, after the permission check.
    pub async fn update_project(
        &self,
        actor: &Actor,
        id: i64,
        header: &ProjectHeader,
        version: Option<i32>,
    ) -> Result<()> {
        let mut txn = self.write_checking(actor).await?;
        // Two saves at once on PostgreSQL: the second waits here and then sees the
        // first's version (SQLite's single writer serializes them anyway).
        fengkou_storage::queries::lock_project(&txn, id).await?;
        let before = self.editable_project(&mut txn, actor, id).await?;
        let Some(version) = version else {
            return Err(AppError::invalid("version", "修改项目须带上读取时的版本号（version），以免覆盖他人的修改"));
        };
        if before.version != version {
            return Err(self.edit_conflict(&txn, actor, &before).await?);
        }
        let mut header = header.clone();
        header.stage = Some(stage_of(&before));
        let (office_id, industry_id) = self.resolve_header(&txn, actor, &header).await.map_err(AppError::Invalid)?;
        if let Some(code) = header.code.as_deref().filter(|c| !c.trim().is_empty())
            && project::Entity::find()
                .filter(project::Column::Code.eq(code.trim()))
                .filter(project::Column::Id.ne(id))
                .one(&txn)
                .await?
                .is_some()
        {
            return Err(AppError::invalid("项目编号", format!("“{code}”已被其他项目使用")));
        }
        let old_start = before.actual_start;
        update_project_row(&mut txn, before, &header, office_id, industry_id, self.today().year())
            .await
            .map_err(|e| code_taken(e, &header))?;
        let new_start = header.actual_start.map(LedgerDate::first_day);
        if old_start != new_start && new_start.is_some() {
            redate_start_step(&mut txn, id, old_start, new_start).await?;
        }
        self.warnings().refresh_project_warning(&txn, id).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Says who changed `current` last, when, and what (from the audit trail).
    async fn edit_conflict<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        current: &project::Model,
    ) -> Result<AppError> {
        use fengkou_storage::entity::audit as trail;
        let last = trail::Entity::find()
            .filter(trail::Column::ProjectId.eq(current.id))
            .filter(trail::Column::Entity.eq("project"))
            .order_by_desc(trail::Column::Id)
            .one(db)
            .await?;
        let what = match last {
            Some(a) => {
                let names = Names::load(db).await?;
                let projects = HashMap::from([(current.id, current.name.clone())]);
                let entry = audit::present(&a, actor, &names, &projects);
                let changes: Vec<String> = entry.changes.iter().map(ToString::to_string).collect();
                format!(
                    "{} 于 {} {}了该项目{}",
                    entry.username,
                    entry.at,
                    entry.action_label,
                    if changes.is_empty() { String::new() } else { format!("（{}）", changes.join("；")) }
                )
            }
            None => "其他人修改了该项目".to_string(),
        };
        Ok(AppError::Conflict(format!("保存未生效：打开表单后，{what}。请核对最新内容后重新修改。")))
    }

    /// The project's current version, for an edit form.
    pub async fn project_version(&self, actor: &Actor, id: i64) -> Result<i32> {
        Ok(self.readable_project(actor, id).await?.version)
    }
}

pub(crate) use crate::rows::{Names, dates_of, light_of, stage_of};

/// The code check before the write cannot see a project another request is creating
/// at the same moment; the unique index can, and then the answer is the same as the
/// check's (not a database error).
fn code_taken(e: AppError, header: &ProjectHeader) -> AppError {
    match (&e, header.code.as_deref()) {
        (AppError::Storage(db), Some(code))
            if matches!(db.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) =>
        {
            AppError::invalid("项目编号", format!("“{}”已被其他项目使用", code.trim()))
        }
        _ => e,
    }
}

mod error;
mod follow_up;
mod stages;
mod store;
pub use error::ProjectError;
pub use follow_up::{Comment, Milestone, PhotoFile, Problem};
use stages::{redate_start_step, request_view};
pub(crate) use store::*;

crate::area!(
    /// The use cases of projects, their stages and follow-up: `app.projects()`.
    Projects,
    projects
);
