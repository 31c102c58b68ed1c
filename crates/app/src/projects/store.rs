//! The project rows as the use cases write them: inserts, header and plan updates,
//! stage changes, each with its audit entry. Callers have checked permissions and
//! rules; these only write, inside the caller's transaction.

use super::{Names, stage_of};
use crate::Result;
use crate::Write;
use crate::audit::{Change, json};
use crate::rows::dates_of;
use chrono::{NaiveDate, Utc};
use fengkou_domain::dates::{LedgerDate, Precision};
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::warning::Light;
use fengkou_domain::{Stage, Wan};
use fengkou_storage::entity::{annual_plan, problem, project, stage_event};
use fengkou_storage::value::Code;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

pub(crate) async fn insert_problem(
    db: &mut Write,
    project_id: i64,
    description: &str,
    responsible: &str,
    deadline: Option<NaiveDate>,
) -> Result<()> {
    let saved = problem::ActiveModel {
        project_id: Set(project_id),
        description: Set(description.trim().to_string()),
        responsible: Set(responsible.trim().chars().take(200).collect()),
        deadline: Set(deadline),
        resolved: Set(false),
        resolution: Set(String::new()),
        created_by: Set(db.who().to_string()),
        created_at: Set(db.now()),
        ..Default::default()
    }
    .insert(&*db)
    .await?;
    db.created("problem", saved.id, Some(project_id), &saved);
    Ok(())
}

fn split(d: Option<LedgerDate>) -> (Option<NaiveDate>, Code<Precision>) {
    (d.map(LedgerDate::first_day), Code(d.map_or(Precision::Day, |d| d.precision)))
}

pub(crate) fn header_of(p: &project::Model, names: &Names, annual_plan: Wan) -> ProjectHeader {
    let dates = dates_of(p);
    ProjectHeader {
        code: p.code.clone(),
        name: p.name.clone(),
        office: names.office(p.office_id),
        industry: names.industry(p.industry_id),
        stage: Some(stage_of(p)),
        location: p.location.clone(),
        content: p.content.clone(),
        leader: p.leader.clone(),
        responsible_unit: p.responsible_unit.clone(),
        owner_unit: p.owner_unit.clone(),
        total_investment: Wan::from_yuan(p.total_investment),
        annual_plan,
        planned_start: dates.planned_start,
        planned_finish: dates.planned_finish,
        actual_start: dates.actual_start,
        actual_finish: dates.actual_finish,
    }
}

fn clean(s: &str) -> String {
    s.trim().to_string()
}

/// Inserts a new project with its plan for `plan_year` and its first stage event.
pub(crate) async fn insert_project(
    db: &mut Write,
    h: &ProjectHeader,
    office_id: i64,
    industry_id: i64,
    plan_year: i32,
) -> Result<i64> {
    insert_project_for_year(db, h, office_id, industry_id, None, plan_year, false).await
}

pub(crate) async fn insert_project_for_year(
    db: &mut Write,
    h: &ProjectHeader,
    office_id: i64,
    industry_id: i64,
    stage_date: Option<NaiveDate>,
    plan_year: i32,
    demo: bool,
) -> Result<i64> {
    let now = db.now();
    let stage = h.stage.unwrap_or(Stage::Planning);
    let mut model = with_header(&blank_project(office_id, industry_id, stage, now), h, office_id, industry_id);
    model.demo = demo;
    let mut am: project::ActiveModel = model.into();
    am = am.reset_all();
    am.id = sea_orm::ActiveValue::NotSet;
    let saved = am.insert(&*db).await?;
    if h.annual_plan > Wan::ZERO {
        annual_plan::ActiveModel {
            project_id: Set(saved.id),
            year: Set(plan_year),
            amount: Set(h.annual_plan.yuan()),
            completed: Set(0),
            ..Default::default()
        }
        .insert(&*db)
        .await?;
    }
    stage_event::ActiveModel {
        project_id: Set(saved.id),
        from_stage: Set(None),
        to_stage: Set(stage.into()),
        // The date the project reached its stage: its actual start when started,
        // otherwise what the caller knows (often nothing).
        on_date: Set(if stage.is_started() {
            h.actual_start.map(LedgerDate::first_day).or(stage_date)
        } else {
            stage_date
        }),
        reason: Set("登记".to_string()),
        username: Set(db.who().to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*db)
    .await?;
    db.created("project", saved.id, Some(saved.id), &saved);
    Ok(saved.id)
}

/// Writes a changed header and this year's plan; records nothing when nothing changed.
pub(crate) async fn update_project_row(
    db: &mut Write,
    before: project::Model,
    h: &ProjectHeader,
    office_id: i64,
    industry_id: i64,
    plan_year: i32,
) -> Result<bool> {
    let plan_changed = set_annual_plan(db, before.id, plan_year, h.annual_plan).await?;
    let header_changed = update_header(db, &before, h, office_id, industry_id).await?;
    Ok(header_changed || plan_changed)
}

/// A project row with nothing in it yet, for inserts.
pub(crate) fn blank_project(
    office_id: i64,
    industry_id: i64,
    stage: Stage,
    now: chrono::DateTime<Utc>,
) -> project::Model {
    project::Model {
        id: 0,
        code: None,
        name: String::new(),
        office_id,
        industry_id,
        stage: stage.into(),
        location: String::new(),
        content: String::new(),
        leader: String::new(),
        responsible_unit: String::new(),
        owner_unit: String::new(),
        total_investment: 0,
        planned_start: None,
        planned_finish: None,
        actual_start: None,
        actual_finish: None,
        warning_light: Light::Green.into(),
        warning_detail: String::new(),
        demo: false,
        created_at: now,
        updated_at: now,
        version: 1,
        planned_start_precision: Precision::Day.into(),
        planned_finish_precision: Precision::Day.into(),
        actual_start_precision: Precision::Day.into(),
        actual_finish_precision: Precision::Day.into(),
        actual_start_inferred: false,
    }
}

/// The project row as `h` describes it (stage and warning are not header fields).
pub(crate) fn with_header(
    before: &project::Model,
    h: &ProjectHeader,
    office_id: i64,
    industry_id: i64,
) -> project::Model {
    let mut new = before.clone();
    new.code = h.code.as_deref().map(clean).filter(|c| !c.is_empty());
    new.name = clean(&h.name);
    new.office_id = office_id;
    new.industry_id = industry_id;
    new.location = clean(&h.location);
    new.content = clean(&h.content);
    new.leader = clean(&h.leader);
    new.responsible_unit = clean(&h.responsible_unit);
    new.owner_unit = clean(&h.owner_unit);
    new.total_investment = h.total_investment.yuan();
    (new.planned_start, new.planned_start_precision) = split(h.planned_start);
    (new.planned_finish, new.planned_finish_precision) = split(h.planned_finish);
    (new.actual_start, new.actual_start_precision) = split(h.actual_start);
    (new.actual_finish, new.actual_finish_precision) = split(h.actual_finish);
    // A start date entered by a person is no longer the one taken from the plan.
    if dates_of(before).actual_start != h.actual_start {
        new.actual_start_inferred = false;
    }
    new
}

/// Writes the header when it differs; returns whether it did.
pub(crate) async fn update_header(
    db: &mut Write,
    before: &project::Model,
    h: &ProjectHeader,
    office_id: i64,
    industry_id: i64,
) -> Result<bool> {
    let mut new = with_header(before, h, office_id, industry_id);
    if new == *before {
        return Ok(false);
    }
    new.updated_at = db.now();
    new.version = before.version + 1;
    let after = project::ActiveModel::from(new).reset_all().update(&*db).await?;
    db.record(Change {
        action: "update",
        entity: "project",
        entity_id: Some(before.id),
        project_id: Some(before.id),
        before: json(before),
        after: json(&after),
    });
    Ok(true)
}

/// Sets a project's plan for a year; returns whether it changed.
pub(crate) async fn set_annual_plan<C: ConnectionTrait>(
    db: &C,
    project_id: i64,
    year: i32,
    amount: Wan,
) -> Result<bool> {
    let existing = annual_plan::Entity::find()
        .filter(annual_plan::Column::ProjectId.eq(project_id))
        .filter(annual_plan::Column::Year.eq(year))
        .one(db)
        .await?;
    match existing {
        Some(a) if a.amount == amount.yuan() => Ok(false),
        Some(a) => {
            let mut am = a.into_active_model();
            am.amount = Set(amount.yuan());
            am.update(db).await?;
            Ok(true)
        }
        None if amount == Wan::ZERO => Ok(false),
        None => {
            // The year's completed figure may already exist in reports.
            let completed = crate::reports::year_completed(db, project_id, year).await?;
            annual_plan::ActiveModel {
                project_id: Set(project_id),
                year: Set(year),
                amount: Set(amount.yuan()),
                completed: Set(completed),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(true)
        }
    }
}

/// Records a stage change (already checked by the caller) and updates the project.
pub(crate) async fn record_stage(
    db: &mut Write,
    p: &project::Model,
    to: Stage,
    date: NaiveDate,
    reason: &str,
) -> Result<()> {
    let from = stage_of(p);
    stage_event::ActiveModel {
        project_id: Set(p.id),
        from_stage: Set(Some(from.into())),
        to_stage: Set(to.into()),
        on_date: Set(Some(date)),
        reason: Set(reason.trim().to_string()),
        username: Set(db.who().to_string()),
        created_at: Set(db.now()),
        ..Default::default()
    }
    .insert(&*db)
    .await?;
    let mut am = p.clone().into_active_model();
    am.stage = Set(to.into());
    if to == Stage::Started || (to.is_started() && p.actual_start.is_none()) {
        am.actual_start = Set(Some(date));
        am.actual_start_precision = Set(Precision::Day.into());
        am.actual_start_inferred = Set(false);
    }
    if to == Stage::Producing {
        am.actual_finish = Set(Some(date));
        am.actual_finish_precision = Set(Precision::Day.into());
    }
    if !to.is_started() {
        am.actual_start = Set(None);
        am.actual_start_inferred = Set(false);
    }
    if to < Stage::Producing {
        am.actual_finish = Set(None);
    }
    am.updated_at = Set(db.now());
    am.version = Set(p.version + 1);
    let after = am.update(&*db).await?;
    db.record(Change {
            action: "transition",
            entity: "project",
            entity_id: Some(p.id),
            project_id: Some(p.id),
            before: Some(serde_json::json!({"stage": from.label()})),
            after: Some(serde_json::json!({"stage": to.label(), "date": date, "reason": reason, "actual_start": after.actual_start})),
    });
    Ok(())
}
