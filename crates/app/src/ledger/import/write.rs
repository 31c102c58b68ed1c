//! The import's writes: new projects in batches (rows, plans, opening balances, first
//! stage events, audit entries), opening balances of updated projects, and the date a
//! stage the sheet moves a project to was reached.

use super::*;
use crate::Write;

/// The date a stage an import moves a project to was reached: its start for 开工 and
/// 建设, its finish for 投产 and 达产, else today.
pub(super) fn step_date(
    to: Stage,
    start: Option<LedgerDate>,
    finish: Option<LedgerDate>,
    today: NaiveDate,
) -> NaiveDate {
    let known = match to {
        Stage::Started | Stage::Building => start,
        Stage::Producing | Stage::FullProduction => finish.or(start),
        _ => None,
    };
    known.map_or(today, LedgerDate::first_day).min(today)
}

/// Sets, replaces or clears a project's opening balance for the year and keeps the
/// year's completed figure in step, with the audit entry.
pub(super) async fn set_opening_balance(
    db: &mut Write,
    project_id: i64,
    through: Month,
    cell: CompletedCell,
    before_amount: Wan,
) -> Result<()> {
    let existing = opening_balance::Entity::find()
        .filter(opening_balance::Column::ProjectId.eq(project_id))
        .filter(opening_balance::Column::Year.eq(through.year))
        .one(&*db)
        .await?;
    let before = existing.as_ref().and_then(audit::json);
    let after = match cell {
        CompletedCell::Keep => return Ok(()),
        CompletedCell::Set(amount)
            if amount == before_amount && existing.as_ref().is_none_or(|b| b.through_month == through.month as i32) =>
        {
            return Ok(());
        }
        CompletedCell::Set(amount) => {
            opening_balance::Entity::delete_many()
                .filter(opening_balance::Column::ProjectId.eq(project_id))
                .filter(opening_balance::Column::Year.eq(through.year))
                .exec(&*db)
                .await?;
            let saved = opening_balance::ActiveModel {
                project_id: Set(project_id),
                year: Set(through.year),
                through_month: Set(through.month as i32),
                amount: Set(amount.yuan()),
                username: Set(db.who().to_string()),
                created_at: Set(db.now()),
                ..Default::default()
            }
            .insert(&*db)
            .await?;
            audit::json(&saved)
        }
        CompletedCell::Clear => {
            if existing.is_none() {
                return Ok(());
            }
            opening_balance::Entity::delete_many()
                .filter(opening_balance::Column::ProjectId.eq(project_id))
                .filter(opening_balance::Column::Year.eq(through.year))
                .exec(&*db)
                .await?;
            None
        }
    };
    update_year_completed(&*db, project_id, through.year).await?;
    db.record(Change {
        action: "import",
        entity: "opening_balance",
        entity_id: None,
        project_id: Some(project_id),
        before,
        after,
    });
    Ok(())
}

pub(super) const IMPORT_BATCH: usize = 500;

/// A project to create.
pub(super) struct NewProject {
    pub header: ProjectHeader,
    pub office_id: i64,
    pub industry_id: i64,
    pub start_inferred: bool,
    pub completed: Option<Wan>,
}

/// Inserts new projects in batches (project rows, their plans and opening balances,
/// first stage events and audit entries), which is what makes a 100,000-row ledger
/// import in seconds.
pub(super) async fn insert_projects(
    db: &mut Write,
    rows: &[NewProject],
    plan_year: i32,
    through: Option<Month>,
    warnings: &WarningContext,
) -> Result<usize> {
    let now = db.now();
    for chunk in rows.chunks(IMPORT_BATCH) {
        let models: Vec<project::ActiveModel> = chunk
            .iter()
            .map(|n| {
                let stage = n.header.stage.unwrap_or(Stage::Planning);
                let mut model = with_header(
                    &blank_project(n.office_id, n.industry_id, stage, now),
                    &n.header,
                    n.office_id,
                    n.industry_id,
                );
                model.actual_start_inferred = n.start_inferred;
                // A new project has no reports yet: its colour is known now, which spares
                // the full recomputation a write per project.
                let judged_year = warnings.year() == plan_year;
                let opening = through.filter(|t| t.year == warnings.year() && n.completed.is_some());
                let warning = warnings.evaluate(&ProjectFacts {
                    stage,
                    plan: if judged_year { n.header.annual_plan.yuan() } else { 0 },
                    ytd: if opening.is_some() { n.completed.map_or(0, Wan::yuan) } else { 0 },
                    opening_through: opening,
                    planned_start: n.header.planned_start,
                    actual_start: n.header.actual_start,
                    reported: opening.is_some_and(|t| t >= warnings.judged.month),
                });
                model.warning_light = warning.light.into();
                model.warning_detail = warning.explanation();
                let mut am: project::ActiveModel = model.into();
                am = am.reset_all();
                am.id = sea_orm::ActiveValue::NotSet;
                am
            })
            .collect();
        let ids = project::Entity::insert_many(models).exec_with_returning_keys(&*db).await?;
        let mut plans = Vec::new();
        let mut balances = Vec::new();
        let mut events = Vec::new();
        let mut audits = Vec::new();
        for (id, n) in ids.iter().zip(chunk) {
            let stage = n.header.stage.unwrap_or(Stage::Planning);
            let completed = n.completed.filter(|w| *w > Wan::ZERO);
            if n.header.annual_plan > Wan::ZERO || completed.is_some() {
                plans.push(annual_plan::ActiveModel {
                    project_id: Set(*id),
                    year: Set(plan_year),
                    amount: Set(n.header.annual_plan.yuan()),
                    completed: Set(completed.map_or(0, Wan::yuan)),
                    ..Default::default()
                });
            }
            if let (Some(w), Some(t)) = (completed, through) {
                balances.push(opening_balance::ActiveModel {
                    project_id: Set(*id),
                    year: Set(t.year),
                    through_month: Set(t.month as i32),
                    amount: Set(w.yuan()),
                    username: Set(db.who().to_string()),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
            let on_date = match stage {
                s if s >= Stage::Producing => n.header.actual_finish.or(n.header.actual_start),
                s if s.is_started() => n.header.actual_start,
                _ => None,
            };
            events.push(stage_event::ActiveModel {
                project_id: Set(*id),
                from_stage: Set(None),
                to_stage: Set(stage.into()),
                on_date: Set(on_date.map(LedgerDate::first_day)),
                reason: Set(if n.start_inferred {
                    "台账导入（日期取自计划开工）"
                } else {
                    "台账导入"
                }
                .to_string()),
                username: Set(db.who().to_string()),
                created_at: Set(now),
                ..Default::default()
            });
            audits.push(audit_log::ActiveModel {
                at: Set(now),
                username: Set(db.who().to_string()),
                action: Set("create".into()),
                entity: Set("project".into()),
                entity_id: Set(Some(*id)),
                project_id: Set(Some(*id)),
                before: Set(None),
                after: Set(audit::json(&n.header).map(|v| v.to_string())),
                ..Default::default()
            });
        }
        if !plans.is_empty() {
            annual_plan::Entity::insert_many(plans).exec(&*db).await?;
        }
        if !balances.is_empty() {
            opening_balance::Entity::insert_many(balances).exec(&*db).await?;
        }
        stage_event::Entity::insert_many(events).exec(&*db).await?;
        audit_log::Entity::insert_many(audits).exec(&*db).await?;
    }
    Ok(rows.len())
}
