//! Importing a ledger as offices keep it. A sheet changes only what it carries; every
//! row is checked (against the stored project, when it updates one) before anything is
//! written, and a file with any problem writes nothing. The dry run shows what would
//! change, field by field, and how every ambiguous cell was read.

use super::{Ledger, LedgerError};
use crate::audit::{self, Change};
use crate::projects::{
    Names, blank_project, dates_of, header_of, record_stage, set_annual_plan, stage_of, update_header, with_header,
};
use crate::reports::update_year_completed;
use crate::warnings::{ProjectFacts, WarningContext};
use crate::{Actor, AppError, Result};
use chrono::{Datelike, NaiveDate};
use fengkou_domain::dates::LedgerDate;
use fengkou_domain::project::{FieldChange, ProjectHeader};
use fengkou_domain::{Month, Stage, Wan};
use fengkou_office::RowProblem;
use fengkou_office::ledger::{Applied, CompletedCell, Field, ParsedLedger, Reading, read_ledger_at_most};
use fengkou_storage::entity::{
    annual_plan, audit as audit_log, industry, office, opening_balance, project, stage_event,
};
use fengkou_storage::queries;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::{HashMap, HashSet};

mod names;
mod report;
mod write;

pub use report::{ImportOptions, ImportReport, MAX_LISTED, ProjectChanges};

use names::{OfficeMiss, category_from_section, clip, column_meaning, column_of, plausible_name, resolve_office};
use write::{IMPORT_BATCH, NewProject, insert_projects, set_opening_balance, step_date};

/// An office or industry as the sheet names it: known, or to be created.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Ref {
    Known(i64),
    New(String),
}

/// What the write phase does with one row.
struct Planned {
    existing: Option<project::Model>,
    header: ProjectHeader,
    office: Ref,
    industry: Ref,
    start_inferred: bool,
    completed: CompletedCell,
    /// The year's completed figure before the import (for the diff), when the row
    /// sets one.
    completed_before: Option<Wan>,
    changed: bool,
}

/// The year's completed investment is through this month: the header's ("1-10月"),
/// else the judged month of the plan year, else the year's end (a past year) or last
/// month.
fn completed_month(parsed: &ParsedLedger, plan_year: i32, judged: Month, today: NaiveDate) -> Option<Month> {
    match parsed.completed_through {
        Some(m) => Month::new(plan_year, m),
        None if judged.year == plan_year => Some(judged),
        None if plan_year < today.year() => Month::new(plan_year, 12),
        None => Month::new(plan_year, Month::of(today).prev().month),
    }
}

impl Ledger<'_> {
    /// Imports a ledger. With `dry_run` nothing is written and the report lists every
    /// problem, every change and every reading; without it, any problem rejects the
    /// whole file and nothing is written.
    /// `bytes` is taken, not copied: an upload can be 32 MB.
    pub async fn import_projects(&self, actor: &Actor, bytes: Vec<u8>, options: ImportOptions) -> Result<ImportReport> {
        let dry_run = options.dry_run;
        let result = self.run_import(actor, bytes, options).await;
        // A dry run writes nothing and a refused import rolls back, so their entries
        // are written here, after: who tried which file, and what stopped it.
        let outcome = match &result {
            Ok(report) if dry_run => Some(("import_dry_run", report.audit_summary())),
            Err(AppError::ImportRejected(report)) => Some((
                "import_rejected",
                serde_json::json!({
                    "summary": format!(
                        "导入被拒：{} 个问题（{}）",
                        report.problems_total,
                        report.problems.iter().take(3).map(ToString::to_string).collect::<Vec<_>>().join("；")
                    )
                }),
            )),
            Err(AppError::Ledger(reason)) => {
                Some(("import_rejected", serde_json::json!({ "summary": format!("导入被拒：{reason}") })))
            }
            _ => None,
        };
        if let Some((action, after)) = outcome {
            audit::insert(
                &self.writer,
                &actor.username,
                self.now(),
                Change {
                    action,
                    entity: "ledger",
                    entity_id: None,
                    project_id: None,
                    before: None,
                    after: Some(after),
                },
            )
            .await?;
        }
        result
    }

    async fn run_import(&self, actor: &Actor, bytes: Vec<u8>, options: ImportOptions) -> Result<ImportReport> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以导入台账")?;
        // One import at a time, and parsing (CPU-bound) off the async workers so that
        // the server keeps answering meanwhile.
        let _turn = self.imports.acquire().await.map_err(|_| AppError::Busy)?;
        let max_rows = options.max_rows.unwrap_or(fengkou_office::ledger::MAX_DATA_ROWS);
        let mut parsed = tokio::task::spawn_blocking(move || read_ledger_at_most(&bytes, max_rows))
            .await
            .map_err(|e| {
                tracing::error!("reading a ledger failed: {e}");
                LedgerError::ReadFailed
            })?
            .map_err(LedgerError::File)?;
        let today = self.today();
        let judged = self.reports().judged_month().await?.month;
        let plan_year = parsed.plan_year.unwrap_or_else(|| today.year());
        let mut report = ImportReport {
            dry_run: options.dry_run,
            plan_year,
            rows_read: parsed.rows_read,
            skipped: parsed.skipped,
            problems: parsed.problems.clone(),
            problems_total: parsed.problems.len(),
            notes: parsed.notes.clone(),
            columns: parsed.columns.iter().map(|(f, text)| column_meaning(*f, text)).collect(),
            ..Default::default()
        };
        let through = if parsed.has(Field::Completed) {
            let header = parsed.header_of(Field::Completed).unwrap_or("完成投资").to_string();
            let month = completed_month(&parsed, plan_year, judged, today)
                .ok_or_else(|| LedgerError::CompletedMonthUnknown { header: header.clone() })?;
            if month > Month::of(today) {
                return Err(LedgerError::CompletedMonthInFuture { header, month: month.label() }.into());
            }
            report.notes.push(format!("“{header}”按{}年1-{}月完成投资导入（期初数）", month.year, month.month));
            if month > judged {
                report.notes.push(format!(
                    "本表的完成投资截至{}，晚于红黄绿灯当前评价的{}：评价时按此数（已知的最新数）计，直到{}的填报期截止",
                    month.label(),
                    judged.label(),
                    month.label()
                ));
            }
            Some(month)
        } else {
            None
        };
        report.completed_through = through;

        let offices: Vec<office::Model> = office::Entity::find().all(&self.db).await?;
        let industries: Vec<industry::Model> = industry::Entity::find().all(&self.db).await?;
        let names = Names::load(&self.db).await?;
        // Only what matching needs; full rows are loaded a batch at a time.
        let existing: Vec<(i64, Option<String>, String, i64)> = project::Entity::find()
            .select_only()
            .columns([project::Column::Id, project::Column::Code, project::Column::Name, project::Column::OfficeId])
            .into_tuple()
            .all(&self.db)
            .await?;
        // Codes match whatever their case ("hb-004" is HB-004).
        let by_code: HashMap<String, i64> =
            existing.iter().filter_map(|p| Some((p.1.as_deref()?.trim().to_uppercase(), p.0))).collect();
        let by_name: HashMap<(&str, i64), i64> = existing.iter().map(|p| ((p.2.as_str(), p.3), p.0)).collect();

        // First pass: every row against what is stored, a batch at a time.
        let mut planned: Vec<Planned> = Vec::new();
        let mut seen_codes = HashSet::new();
        let mut seen_names = HashSet::new();
        let mut unknown_offices: Vec<String> = Vec::new();
        let mut unknown_industries: Vec<String> = Vec::new();
        // The rows are taken off a batch at a time and dropped once planned, so the
        // sheet's cells and the plan are not both held whole.
        let mut rows = std::mem::take(&mut parsed.rows);
        rows.reverse();
        while !rows.is_empty() {
            let mut chunk = rows.split_off(rows.len().saturating_sub(IMPORT_BATCH));
            chunk.reverse();
            let chunk = &chunk;
            // Which stored project each row updates.
            let mut matched: Vec<(Option<Ref>, Option<i64>)> = Vec::with_capacity(chunk.len());
            for row in chunk {
                let office = row.text(Field::Office).map(|name| {
                    let (found, reading) = resolve_office(name, &offices, row.row);
                    if let Some(r) = reading {
                        report.read(r);
                    }
                    found
                });
                let office = match office {
                    Some(Ok(id)) => Some(Ref::Known(id)),
                    Some(Err(OfficeMiss::Unknown(name))) if !plausible_name(&name) => {
                        report.problem(RowProblem {
                            row: row.row,
                            column: "所在办事处".into(),
                            reason: format!("“{}”不像办事处名称（最多40个字，不能含控制字符）", clip(&name)),
                        });
                        None
                    }
                    Some(Err(OfficeMiss::Unknown(name))) => {
                        if !unknown_offices.contains(&name) {
                            unknown_offices.push(name.clone());
                        }
                        Some(Ref::New(name))
                    }
                    Some(Err(OfficeMiss::Ambiguous(name, candidates))) => {
                        report.problem(RowProblem {
                            row: row.row,
                            column: "所在办事处".into(),
                            reason: format!("“{name}”可能是{}，请写全称", candidates.join("或")),
                        });
                        None
                    }
                    None => None,
                };
                let by_code_hit = row.text(Field::Code).and_then(|c| by_code.get(&c.trim().to_uppercase()).copied());
                let by_name_hit = match (&office, row.text(Field::Name)) {
                    (Some(Ref::Known(o)), Some(n)) => by_name.get(&(n.trim(), *o)).copied(),
                    _ => None,
                };
                matched.push((office, by_code_hit.or(by_name_hit)));
            }
            let ids: Vec<i64> = matched.iter().filter_map(|m| m.1).collect();
            let stored: HashMap<i64, project::Model> = project::Entity::find()
                .filter(project::Column::Id.is_in(ids.clone()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
            let plans: HashMap<i64, i64> = queries::year_figures(&self.db, &ids, plan_year)
                .await?
                .into_iter()
                .map(|f| (f.project_id, f.amount))
                .collect();
            let done: HashMap<i64, i64> = match through {
                Some(t) => queries::year_to_date(&self.db, t.year, t.month as i32, Some(&ids)).await?,
                None => HashMap::new(),
            };
            // Existing balances of the year: project → the month they run through.
            let balances: HashMap<i64, i32> = match through {
                Some(t) => opening_balance::Entity::find()
                    .select_only()
                    .columns([opening_balance::Column::ProjectId, opening_balance::Column::ThroughMonth])
                    .filter(opening_balance::Column::Year.eq(t.year))
                    .filter(opening_balance::Column::ProjectId.is_in(ids.clone()))
                    .into_tuple::<(i64, i32)>()
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .collect(),
                None => HashMap::new(),
            };
            for (row, (office, matched)) in chunk.iter().zip(matched) {
                let stored = matched.and_then(|id| stored.get(&id)).cloned();
                let base = match &stored {
                    Some(p) => header_of(p, &names, Wan::from_yuan(plans.get(&p.id).copied().unwrap_or(0))),
                    None => ProjectHeader::default(),
                };
                let mut applied: Applied =
                    row.apply(&base, stored.as_ref().is_some_and(|p| p.actual_start_inferred), options.clear_blanks);
                // A short name matched to an office is that office.
                if let Some(Ref::Known(id)) = &office {
                    applied.header.office = names.office(*id);
                }
                // An older ledger does not replace a newer balance.
                if let (CompletedCell::Set(_), Some(t), Some(p)) = (applied.completed, through, &stored)
                    && let Some(newer) = balances.get(&p.id).filter(|m| **m > t.month as i32)
                {
                    applied.completed = CompletedCell::Keep;
                    report.read(Reading {
                        row: row.row,
                        column: "完成投资".into(),
                        text: format!(
                            "系统中已有截至{newer}月的本年完成投资，本表截至{}月（较旧），保留系统中的数",
                            t.month
                        ),
                    });
                }
                for r in &applied.readings {
                    report.read(r.clone());
                }
                let mut problem = |column: &str, reason: String| {
                    report.problem(RowProblem { row: row.row, column: column.to_string(), reason });
                };
                let h = &applied.header;
                for p in h.problems(today) {
                    // A new project's missing name, office or industry is said below,
                    // with why it is needed.
                    if stored.is_none() && matches!(p.field, "项目名称" | "办事处" | "产业") && p.message == "不能为空"
                    {
                        continue;
                    }
                    problem(column_of(p.field), p.message);
                }
                if stored.is_none() {
                    for (field, value) in
                        [(Field::Name, &h.name), (Field::Office, &h.office), (Field::Industry, &h.industry)]
                    {
                        if value.trim().is_empty() {
                            problem(field.label(), "新增项目须填写（表中没有此列或此格为空）".into());
                        }
                    }
                }
                let office = match (office, &stored) {
                    (Some(o), _) => Some(o),
                    (None, Some(p)) => Some(Ref::Known(p.office_id)),
                    (None, None) => None,
                };
                let industry = match row.text(Field::Industry).map(str::trim) {
                    Some(name) => match industries.iter().find(|i| i.name == name) {
                        Some(i) => Some(Ref::Known(i.id)),
                        None if !plausible_name(name) => {
                            problem(
                                "产业类别",
                                format!("“{}”不像产业类别名称（最多40个字，不能含控制字符）", clip(name)),
                            );
                            None
                        }
                        None => {
                            if !unknown_industries.iter().any(|u| u == name) {
                                unknown_industries.push(name.to_string());
                            }
                            Some(Ref::New(name.to_string()))
                        }
                    },
                    None => stored.as_ref().map(|p| Ref::Known(p.industry_id)),
                };
                for (r, what) in [(&office, "所在办事处"), (&industry, "产业类别")] {
                    if let Some(Ref::New(name)) = r
                        && !options.create_missing
                    {
                        let hint = if what == "所在办事处" { "办事处" } else { "产业类别" };
                        problem(
                            what,
                            format!(
                                "未知的{hint}“{name}”（可勾选“新建台账中未登记的办事处和产业类别”，或先由管理员添加）"
                            ),
                        );
                    }
                }
                if let Some(code) = h.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                    if !seen_codes.insert(code.to_uppercase()) {
                        problem("项目编号", format!("“{code}”在文件中重复出现"));
                    }
                    if let Some(other) = by_code.get(&code.to_uppercase())
                        && Some(*other) != stored.as_ref().map(|p| p.id)
                    {
                        problem("项目编号", format!("“{code}”已被另一个项目使用"));
                    }
                }
                if h.code.is_none()
                    && let Some(o) = &office
                    && !seen_names.insert((h.name.trim().to_string(), o.clone()))
                {
                    problem("项目名称", format!("“{}”在同一办事处重复出现", h.name.trim()));
                }
                // The diff: header fields, the plan, the year's completed figure.
                let mut fields = base.changes(h);
                if stored.is_none() {
                    fields.clear();
                }
                let completed_before = match (applied.completed, &stored, through) {
                    (CompletedCell::Set(_) | CompletedCell::Clear, Some(p), Some(_)) => {
                        Some(Wan::from_yuan(done.get(&p.id).copied().unwrap_or(0)))
                    }
                    _ => None,
                };
                if let (Some(before), Some(t), Some(_)) = (completed_before, through, &stored) {
                    let label = format!("{}年1-{}月完成投资", t.year, t.month);
                    match applied.completed {
                        CompletedCell::Set(after) if after != before => fields.push(FieldChange {
                            field: "本年完成投资",
                            before: format!("{before} 万元"),
                            after: format!("{after} 万元（{label}）"),
                        }),
                        CompletedCell::Clear if balances.contains_key(&stored.as_ref().map_or(0, |p| p.id)) => fields
                            .push(FieldChange {
                                field: "本年完成投资",
                                before: format!("{before} 万元"),
                                after: "（清除导入的期初数，按月报计）".into(),
                            }),
                        _ => {}
                    }
                }
                if let (Some(p), false) = (&stored, fields.is_empty()) {
                    report.changed_fields += fields.len();
                    if report.changes.len() < MAX_LISTED {
                        report.changes.push(ProjectChanges {
                            row: row.row,
                            project_id: p.id,
                            name: p.name.clone(),
                            fields: fields.clone(),
                        });
                    }
                }
                if let CompletedCell::Set(w) = applied.completed {
                    report.completed_total += w;
                    let total = applied.header.total_investment;
                    if total > Wan::ZERO && w > total {
                        report.problem(RowProblem {
                            row: row.row,
                            column: "完成投资".into(),
                            reason: format!("本年完成投资 {w} 万元超过总投资 {total} 万元"),
                        });
                    }
                }
                let changed = stored.is_none()
                    || !fields.is_empty()
                    || applied.start_inferred != stored.as_ref().is_some_and(|p| p.actual_start_inferred);
                if !changed {
                    // Counted and let go: holding 100,000 unchanged rows until the
                    // write doubled a re-import's memory.
                    report.unchanged += 1;
                    continue;
                }
                planned.push(Planned {
                    changed,
                    existing: stored,
                    office: office.unwrap_or(Ref::Known(0)),
                    industry: industry.unwrap_or(Ref::Known(0)),
                    start_inferred: applied.start_inferred,
                    completed: applied.completed,
                    completed_before,
                    header: applied.header,
                });
            }
        }
        report.unknown_offices = unknown_offices;
        report.unknown_industries = unknown_industries;
        if !report.problems.is_empty() {
            report.problems.sort_by_key(|p| p.row);
            return if options.dry_run { Ok(report) } else { Err(AppError::ImportRejected(Box::new(report))) };
        }

        let mut txn = self.write_alone(permit).await?;
        // Offices and industries the user asked to create, in the order the sheet
        // names them.
        let mut office_ids: HashMap<String, i64> = HashMap::new();
        for (sort, name) in (offices.len() as i32..).zip(report.unknown_offices.clone()) {
            let saved = office::ActiveModel { name: Set(name.clone()), sort_order: Set(sort), ..Default::default() }
                .insert(&txn)
                .await?;
            txn.created("office", saved.id, None, &saved);
            office_ids.insert(name.clone(), saved.id);
            report.created_offices.push(name);
        }
        let categories: Vec<String> = industries.iter().map(|i| i.category.clone()).collect();
        let mut industry_ids: HashMap<String, i64> = HashMap::new();
        for (sort, name) in (industries.len() as i32..).zip(report.unknown_industries.clone()) {
            let section = parsed
                .rows
                .iter()
                .find(|r| r.text(Field::Industry).map(str::trim) == Some(name.as_str()))
                .and_then(|r| r.section.as_deref());
            let saved = industry::ActiveModel {
                name: Set(name.clone()),
                category: Set(category_from_section(section, &categories)),
                sort_order: Set(sort),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            txn.created("industry", saved.id, None, &saved);
            industry_ids.insert(name.clone(), saved.id);
            report.created_industries.push(name);
        }
        let id_of = |r: &Ref, new: &HashMap<String, i64>| match r {
            Ref::Known(id) => *id,
            Ref::New(name) => new.get(name).copied().unwrap_or(0),
        };

        let warnings = WarningContext::load(&txn, today).await?;
        let (creates, updates): (Vec<Planned>, Vec<Planned>) = planned.into_iter().partition(|p| p.existing.is_none());
        let creates: Vec<NewProject> = creates
            .into_iter()
            .map(|p| NewProject {
                office_id: id_of(&p.office, &office_ids),
                industry_id: id_of(&p.industry, &industry_ids),
                completed: match p.completed {
                    CompletedCell::Set(w) => Some(w),
                    _ => None,
                },
                start_inferred: p.start_inferred,
                header: p.header,
            })
            .collect();
        report.created = insert_projects(&mut txn, &creates, plan_year, through, &warnings).await?;
        for p in updates {
            let Some(before) = p.existing else { continue };
            if !p.changed {
                report.unchanged += 1;
                continue;
            }
            let id = before.id;
            let (office_id, industry_id) = (id_of(&p.office, &office_ids), id_of(&p.industry, &industry_ids));
            set_annual_plan(&txn, id, plan_year, p.header.annual_plan).await?;
            let from = stage_of(&before);
            let mut header = p.header.clone();
            let to = header.stage.unwrap_or(from);
            header.stage = Some(from);
            update_header(&mut txn, &before, &header, office_id, industry_id).await?;
            if p.start_inferred != before.actual_start_inferred {
                project::Entity::update_many()
                    .col_expr(project::Column::ActualStartInferred, sea_orm::sea_query::Expr::value(p.start_inferred))
                    .filter(project::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
            }
            if to != from {
                let reason =
                    if p.start_inferred { "台账导入（日期取自计划开工）" } else { "台账导入" };
                // A jump past 开工 records the 开工 step too (A project under
                // construction always has its start).
                let mut steps = Vec::new();
                if !from.is_started() && to > Stage::Started {
                    steps.push(Stage::Started);
                }
                steps.push(to);
                for step in steps {
                    let current = project::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
                    let dates = dates_of(&current);
                    let date = step_date(step, dates.actual_start, dates.actual_finish, today);
                    record_stage(&mut txn, &current, step, date, reason).await?;
                }
            }
            if let (Some(t), Some(before_amount)) = (through, p.completed_before) {
                set_opening_balance(&mut txn, id, t, p.completed, before_amount).await?;
            }
            report.updated += 1;
        }
        txn.record(Change {
            action: "import",
            entity: "ledger",
            entity_id: None,
            project_id: None,
            before: None,
            after: Some(report.audit_summary()),
        });
        if options.dry_run {
            txn.rollback().await?;
        } else {
            txn.commit().await?;
            if report.updated > 0 || report.created > 0 {
                self.warnings().refresh_all_warnings().await?;
            }
            if report.updated + report.created > fengkou_storage::queries::BULK_ROWS {
                fengkou_storage::queries::refresh_statistics(
                    &self.writer,
                    &["projects", "annual_plans", "opening_balances", "milestones", "stage_events", "audit_log"],
                )
                .await?;
            }
        }
        Ok(report)
    }
}
