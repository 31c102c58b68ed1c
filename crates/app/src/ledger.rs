//! Excel in and out: importing a ledger as offices keep it (all rows valid or nothing
//! written) and exporting the ledger and the 办事处 comparison.

use crate::audit::{self, Change};
use crate::projects::{Names, header_of, record_stage, set_annual_plan, stage_of, update_header, with_header};
use crate::warnings::WarningContext;
use crate::{Actor, App, AppError, Result};
use chrono::Datelike;
use fengkou_domain::{Month, Stage, Wan};
use fengkou_office::RowProblem;
use fengkou_office::ledger::{LedgerRow, LedgerWriter, Skipped, read_ledger};
use fengkou_office::table::{TableCell, write_table};
use fengkou_storage::entity::{annual_plan, audit as audit_log, industry, office, project, stage_event};
use fengkou_storage::queries;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub plan_year: i32,
    pub rows_read: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: Skipped,
    pub problems: Vec<RowProblem>,
}

impl ImportReport {
    /// One line for people: "读取 12 行：新增 3，更新 2，未变 5；跳过 分组 2、小计 1、合计 1、空行 0、备注 1".
    pub fn summary_line(&self) -> String {
        format!(
            "读取 {} 行：新增 {}，更新 {}，未变 {}；跳过 分组行 {}、小计行 {}、合计行 {}、空行 {}、备注行 {}",
            self.rows_read,
            self.created,
            self.updated,
            self.unchanged,
            self.skipped.section,
            self.skipped.subtotal,
            self.skipped.total,
            self.skipped.blank,
            self.skipped.note
        )
    }
}

/// The CLI acts with the project office's rights.
pub fn cli_actor() -> Actor {
    Actor { user_id: 0, username: "cli".into(), role: fengkou_domain::Role::ProjectOffice, office_id: None }
}

fn column_of(field: &str) -> &str {
    match field {
        "项目名称" => "项目名称",
        "办事处" => "所在办事处",
        "产业" => "产业类别",
        other => other,
    }
}

impl App {
    /// Imports a ledger. With `dry_run` nothing is written and the report lists every
    /// problem; without it, any problem rejects the whole file and nothing is written.
    pub async fn import_projects(&self, actor: &Actor, bytes: &[u8], dry_run: bool) -> Result<ImportReport> {
        if !actor.can_manage_pipeline() {
            return Err(AppError::forbidden("只有项目办可以导入台账"));
        }
        let parsed = read_ledger(bytes).map_err(|e| AppError::Rejected(e.to_string()))?;
        let today = self.today();
        let plan_year = parsed.plan_year.unwrap_or_else(|| today.year());
        let mut report = ImportReport {
            dry_run,
            plan_year,
            rows_read: parsed.rows_read,
            skipped: parsed.skipped,
            problems: parsed.problems.clone(),
            ..Default::default()
        };

        let offices: HashMap<String, i64> =
            office::Entity::find().all(&self.db).await?.into_iter().map(|o| (o.name, o.id)).collect();
        let industries: HashMap<String, i64> =
            industry::Entity::find().all(&self.db).await?.into_iter().map(|i| (i.name, i.id)).collect();
        // Only what matching needs; full rows are loaded later, a batch at a time.
        let existing: Vec<(i64, Option<String>, String, i64)> = project::Entity::find()
            .select_only()
            .columns([project::Column::Id, project::Column::Code, project::Column::Name, project::Column::OfficeId])
            .into_tuple()
            .all(&self.db)
            .await?;
        let by_code: HashMap<&str, usize> =
            existing.iter().enumerate().filter_map(|(i, p)| Some((p.1.as_deref()?, i))).collect();
        let by_name: HashMap<(&str, i64), usize> =
            existing.iter().enumerate().map(|(i, p)| ((p.2.as_str(), p.3), i)).collect();

        // Validate every row first; nothing is written unless all are good.
        let mut plan: Vec<(usize, i64, i64, Option<usize>)> = Vec::new(); // (row index, office, industry, existing)
        let mut seen_codes = HashSet::new();
        let mut seen_names = HashSet::new();
        for (idx, row) in parsed.rows.iter().enumerate() {
            let h = &row.header;
            let mut row_problem = |column: &str, reason: String| {
                report.problems.push(RowProblem { row: row.row, column: column.to_string(), reason });
            };
            for p in h.problems(today) {
                row_problem(column_of(p.field), p.message);
            }
            let office_id = offices.get(h.office.trim()).copied();
            let industry_id = industries.get(h.industry.trim()).copied();
            if office_id.is_none() && !h.office.trim().is_empty() {
                row_problem("所在办事处", format!("未知的办事处“{}”（请先由管理员添加，或检查名称）", h.office.trim()));
            }
            if industry_id.is_none() && !h.industry.trim().is_empty() {
                row_problem("产业类别", format!("未知的产业类别“{}”", h.industry.trim()));
            }
            if let Some(code) = &h.code
                && !seen_codes.insert(code.clone())
            {
                row_problem("项目编号", format!("“{code}”在文件中重复出现"));
            }
            let (Some(office_id), Some(industry_id)) = (office_id, industry_id) else { continue };
            if h.code.is_none() && !seen_names.insert((h.name.trim().to_string(), office_id)) {
                row_problem("项目名称", format!("“{}”在同一办事处重复出现", h.name.trim()));
            }
            let matched = h
                .code
                .as_deref()
                .and_then(|c| by_code.get(c).copied())
                .or_else(|| by_name.get(&(h.name.trim(), office_id)).copied());
            if let Some(m) = matched
                && !actor.can_edit_project(existing[m].3)
            {
                row_problem("所在办事处", "无权修改其他办事处的项目".to_string());
            }
            plan.push((idx, office_id, industry_id, matched));
        }
        if !report.problems.is_empty() {
            report.problems.sort_by_key(|p| p.row);
            return if dry_run { Ok(report) } else { Err(AppError::ImportRejected(Box::new(report))) };
        }

        let txn = self.writer.begin().await?;
        let (creates, updates): (Vec<_>, Vec<_>) = plan.into_iter().partition(|p| p.3.is_none());
        let creates: Vec<(&LedgerRow, i64, i64)> =
            creates.iter().map(|&(i, o, ind, _)| (&parsed.rows[i], o, ind)).collect();
        let warnings = WarningContext::load(&txn, today).await?;
        report.created = insert_projects(&txn, &actor.username, &creates, plan_year, &warnings).await?;
        // Updates: full rows and this year's plans a batch at a time; only changes are written.
        for chunk in updates.chunks(IMPORT_BATCH) {
            let ids: Vec<i64> = chunk.iter().filter_map(|p| p.3.map(|m| existing[m].0)).collect();
            let rows: HashMap<i64, project::Model> = project::Entity::find()
                .filter(project::Column::Id.is_in(ids.clone()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
            let plans: HashMap<i64, i64> = annual_plan::Entity::find()
                .select_only()
                .columns([annual_plan::Column::ProjectId, annual_plan::Column::Amount])
                .filter(annual_plan::Column::Year.eq(plan_year))
                .filter(annual_plan::Column::ProjectId.is_in(ids))
                .into_tuple::<(i64, i64)>()
                .all(&txn)
                .await?
                .into_iter()
                .collect();
            for &(idx, office_id, industry_id, matched) in chunk {
                let row = &parsed.rows[idx];
                let Some(before) = matched.and_then(|m| rows.get(&existing[m].0)) else { continue };
                let plan_changed = plans.get(&before.id).copied().unwrap_or(0) != row.header.annual_plan.yuan()
                    && set_annual_plan(&txn, before.id, plan_year, row.header.annual_plan).await?;
                let header_changed =
                    update_header(&txn, &actor.username, before, &row.header, office_id, industry_id).await?;
                let stage_changed = row.header.stage.is_some_and(|s| s != stage_of(before));
                if stage_changed && let Some(to) = row.header.stage {
                    let current =
                        project::Entity::find_by_id(before.id).one(&txn).await?.unwrap_or_else(|| before.clone());
                    let date = if to.is_started() { row.header.actual_start.unwrap_or(today) } else { today };
                    record_stage(&txn, &actor.username, &current, to, date, "台账导入").await?;
                }
                if plan_changed || header_changed || stage_changed {
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
            }
        }
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "import",
                entity: "ledger",
                entity_id: None,
                project_id: None,
                before: None,
                after: audit::json(&report),
            },
        )
        .await?;
        if dry_run {
            txn.rollback().await?;
        } else {
            txn.commit().await?;
            if report.updated > 0 {
                self.refresh_all_warnings().await?;
            }
        }
        Ok(report)
    }

    /// The ledger in the offices' layout, sections by industry category. Projects are
    /// read and written a batch at a time, so memory stays flat for any ledger size.
    pub async fn export_projects(&self, actor: &Actor, year: Option<i32>) -> Result<Vec<u8>> {
        let today = self.today();
        let year = year.unwrap_or_else(|| today.year());
        let names = Names::load(&self.db).await?;
        let industries = self.industries().await?;
        let mut categories: Vec<(String, Vec<i64>)> = Vec::new();
        for i in &industries {
            match categories.iter_mut().find(|(c, _)| *c == i.category) {
                Some((_, ids)) => ids.push(i.id),
                None => categories.push((i.category.clone(), vec![i.id])),
            }
        }
        let through = match self.current_period().await? {
            Some(p) if p.month.year == year => p.month.month,
            _ if year == today.year() => Month::of(today).prev().month,
            _ => 12,
        };
        let office_err = |e: fengkou_office::OfficeError| AppError::Rejected(e.to_string());
        let mut w = LedgerWriter::new(&format!("{year}年重点项目建设台账"), year, through).map_err(office_err)?;
        for (category, industry_ids) in categories {
            let scope = || {
                let mut q = project::Entity::find().filter(project::Column::IndustryId.is_in(industry_ids.clone()));
                if let Some(o) = actor.confined_to() {
                    q = q.filter(project::Column::OfficeId.eq(o));
                }
                q
            };
            let count = scope().count(&self.db).await?;
            if count == 0 {
                continue;
            }
            w.start_section(&category, count as usize).map_err(office_err)?;
            let mut last_id = 0;
            loop {
                let batch = scope()
                    .filter(project::Column::Id.gt(last_id))
                    .order_by_asc(project::Column::Id)
                    .limit(EXPORT_BATCH)
                    .all(&self.db)
                    .await?;
                let Some(last) = batch.last() else { break };
                last_id = last.id;
                let ids: Vec<i64> = batch.iter().map(|p| p.id).collect();
                let figures: HashMap<i64, (Wan, Wan)> = queries::year_figures(&self.db, &ids, year)
                    .await?
                    .into_iter()
                    .map(|f| (f.project_id, (Wan::from_yuan(f.amount), Wan::from_yuan(f.completed))))
                    .collect();
                for p in &batch {
                    let (plan, done) = figures.get(&p.id).copied().unwrap_or_default();
                    w.row(&header_of(p, &names, plan), done).map_err(office_err)?;
                }
            }
            w.end_section().map_err(office_err)?;
        }
        w.finish(&format!("注：完成投资由系统根据各办事处月报汇总；导出时间 {today}。")).map_err(office_err)
    }

    pub async fn export_comparison(&self, year: Option<i32>) -> Result<Vec<u8>> {
        let c = self.comparison(year).await?;
        let mut headers = vec!["办事处", "项目数"];
        headers.extend(Stage::ALL.iter().map(|s| s.label()));
        headers.extend([
            "总投资",
            "年度计划",
            "已完成",
            "完成率",
            "新签约",
            "新开工",
            "新投产",
            "红灯",
            "黄灯",
            "未报月报",
        ]);
        let rows: Vec<Vec<TableCell>> = c
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![TableCell::Text(r.office.clone()), TableCell::Number(r.projects as f64)];
                cells.extend(r.by_stage.iter().map(|n| TableCell::Number(*n as f64)));
                cells.extend([
                    TableCell::Number(r.total_investment.as_f64()),
                    TableCell::Number(r.annual_plan.as_f64()),
                    TableCell::Number(r.completed.as_f64()),
                    TableCell::Percent(r.completion_rate),
                    TableCell::Number(r.new_signed as f64),
                    TableCell::Number(r.new_started as f64),
                    TableCell::Number(r.new_producing as f64),
                    TableCell::Number(r.red as f64),
                    TableCell::Number(r.yellow as f64),
                    TableCell::Number(r.missing_reports as f64),
                ]);
                cells
            })
            .collect();
        write_table(&format!("{}年各办事处项目建设情况对比", c.year), "单位：个、万元", &headers, &rows)
            .map_err(|e| AppError::Rejected(e.to_string()))
    }
}

const IMPORT_BATCH: usize = 500;
const EXPORT_BATCH: u64 = 2_000;

/// Inserts new projects in batches (project rows, their plans, first stage events and
/// audit entries), which is what makes a 100,000-row ledger import in seconds.
async fn insert_projects<C: sea_orm::ConnectionTrait>(
    db: &C,
    username: &str,
    rows: &[(&LedgerRow, i64, i64)],
    plan_year: i32,
    warnings: &WarningContext,
) -> Result<usize> {
    let now = chrono::Utc::now();
    for chunk in rows.chunks(IMPORT_BATCH) {
        let models: Vec<project::ActiveModel> = chunk
            .iter()
            .map(|(row, office_id, industry_id)| {
                let blank = project::Model {
                    id: 0,
                    code: None,
                    name: String::new(),
                    office_id: *office_id,
                    industry_id: *industry_id,
                    stage: row.header.stage.unwrap_or(Stage::Planning).code().to_string(),
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
                    warning_light: "green".into(),
                    warning_detail: String::new(),
                    demo: false,
                    created_at: now,
                    updated_at: now,
                };
                // A new project has no reports yet: its colour is known now, which spares
                // the full recomputation a write per project.
                let plan = if warnings.year() == plan_year { row.header.annual_plan.yuan() } else { 0 };
                let stage = row.header.stage.unwrap_or(Stage::Planning);
                let warning = warnings.evaluate(stage, plan, 0, row.header.planned_start, false);
                let mut model = with_header(&blank, &row.header, *office_id, *industry_id);
                model.warning_light = warning.light.code().to_string();
                model.warning_detail = warning.explanation();
                let mut am: project::ActiveModel = model.into();
                am = am.reset_all();
                am.id = sea_orm::ActiveValue::NotSet;
                am
            })
            .collect();
        let ids = project::Entity::insert_many(models).exec_with_returning_keys(db).await?;
        let mut plans = Vec::new();
        let mut events = Vec::new();
        let mut audits = Vec::new();
        for (id, (row, _, _)) in ids.iter().zip(chunk) {
            let stage = row.header.stage.unwrap_or(Stage::Planning);
            if row.header.annual_plan > Wan::ZERO {
                plans.push(annual_plan::ActiveModel {
                    project_id: Set(*id),
                    year: Set(plan_year),
                    amount: Set(row.header.annual_plan.yuan()),
                    completed: Set(0),
                    ..Default::default()
                });
            }
            events.push(stage_event::ActiveModel {
                project_id: Set(*id),
                from_stage: Set(String::new()),
                to_stage: Set(stage.code().to_string()),
                on_date: Set(if stage.is_started() { row.header.actual_start } else { None }),
                reason: Set("台账导入".to_string()),
                username: Set(username.to_string()),
                created_at: Set(now),
                ..Default::default()
            });
            audits.push(audit_log::ActiveModel {
                at: Set(now),
                username: Set(username.to_string()),
                action: Set("create".into()),
                entity: Set("project".into()),
                entity_id: Set(Some(*id)),
                project_id: Set(Some(*id)),
                before: Set(None),
                after: Set(crate::audit::json(&row.header).map(|v| v.to_string())),
                ..Default::default()
            });
        }
        if !plans.is_empty() {
            annual_plan::Entity::insert_many(plans).exec(db).await?;
        }
        stage_event::Entity::insert_many(events).exec(db).await?;
        audit_log::Entity::insert_many(audits).exec(db).await?;
    }
    Ok(rows.len())
}
