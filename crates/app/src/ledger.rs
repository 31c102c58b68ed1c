//! Excel in and out: importing a ledger as offices keep it (all rows valid or nothing
//! written) and exporting the ledger and the 办事处 comparison.

use crate::audit::{self, Change};
use crate::projects::{Names, header_of, insert_project_for_year, record_stage, stage_of, update_project_row};
use crate::{Actor, App, AppError, Result};
use chrono::Datelike;
use fengkou_domain::{Month, Stage, Wan};
use fengkou_office::ledger::{LedgerExportRow, LedgerSection, LedgerSheet, Skipped, read_ledger, write_ledger};
use fengkou_office::table::{TableCell, write_table};
use fengkou_office::RowProblem;
use fengkou_storage::entity::{industry, office, project};
use fengkou_storage::queries;
use sea_orm::{EntityTrait, TransactionTrait};
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

        let offices: HashMap<String, i64> = office::Entity::find().all(&self.db).await?.into_iter().map(|o| (o.name, o.id)).collect();
        let industries: HashMap<String, i64> =
            industry::Entity::find().all(&self.db).await?.into_iter().map(|i| (i.name, i.id)).collect();
        let existing = project::Entity::find().all(&self.db).await?;
        let by_code: HashMap<String, usize> =
            existing.iter().enumerate().filter_map(|(i, p)| Some((p.code.clone()?, i))).collect();
        let by_name: HashMap<(String, i64), usize> =
            existing.iter().enumerate().map(|(i, p)| ((p.name.clone(), p.office_id), i)).collect();

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
                .as_ref()
                .and_then(|c| by_code.get(c).copied())
                .or_else(|| by_name.get(&(h.name.trim().to_string(), office_id)).copied());
            if let Some(m) = matched
                && !actor.can_edit_project(existing[m].office_id)
            {
                row_problem("所在办事处", "无权修改其他办事处的项目".to_string());
            }
            plan.push((idx, office_id, industry_id, matched));
        }
        if !report.problems.is_empty() {
            report.problems.sort_by_key(|p| p.row);
            return if dry_run { Ok(report) } else { Err(AppError::ImportRejected(Box::new(report))) };
        }

        let txn = self.db.begin().await?;
        for (idx, office_id, industry_id, matched) in plan {
            let row = &parsed.rows[idx];
            match matched {
                None => {
                    insert_project_for_year(&txn, &actor.username, &row.header, office_id, industry_id, None, plan_year, false).await?;
                    report.created += 1;
                }
                Some(m) => {
                    let before = existing[m].clone();
                    let stage_changed = row.header.stage.is_some_and(|s| s != stage_of(&before));
                    let changed = update_project_row(&txn, &actor.username, before.clone(), &row.header, office_id, industry_id, plan_year).await?;
                    if stage_changed && let Some(to) = row.header.stage {
                        let refreshed = project::Entity::find_by_id(before.id).one(&txn).await?.unwrap_or(before);
                        let date = if to.is_started() { row.header.actual_start.unwrap_or(today) } else { today };
                        record_stage(&txn, &actor.username, &refreshed, to, date, "台账导入").await?;
                    }
                    if changed || stage_changed {
                        report.updated += 1;
                    } else {
                        report.unchanged += 1;
                    }
                }
            }
        }
        audit::record(
            &txn,
            &actor.username,
            Change { action: "import", entity: "ledger", entity_id: None, project_id: None, before: None, after: audit::json(&report) },
        )
        .await?;
        if dry_run {
            txn.rollback().await?;
        } else {
            txn.commit().await?;
            self.refresh_all_warnings().await?;
        }
        Ok(report)
    }

    /// The ledger in the offices' layout, sections by industry category.
    pub async fn export_projects(&self, actor: &Actor, year: Option<i32>) -> Result<Vec<u8>> {
        let today = self.today();
        let year = year.unwrap_or_else(|| today.year());
        let filter = self.filter_for(actor);
        let projects = queries::all_projects(&self.db, &filter).await?;
        let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
        let mut figures: HashMap<i64, (Wan, Wan)> = HashMap::new();
        for chunk in ids.chunks(5_000) {
            for f in queries::year_figures(&self.db, chunk, year).await? {
                figures.insert(f.project_id, (Wan::from_yuan(f.amount), Wan::from_yuan(f.completed)));
            }
        }
        let names = Names::load(&self.db).await?;
        let industries = self.industries().await?;
        let category: HashMap<i64, String> = industries.iter().map(|i| (i.id, i.category.clone())).collect();
        let mut sections: Vec<LedgerSection> = Vec::new();
        for cat in industries.iter().map(|i| i.category.clone()) {
            if !sections.iter().any(|s| s.name == cat) {
                sections.push(LedgerSection { name: cat, rows: Vec::new() });
            }
        }
        for p in &projects {
            let (plan, done) = figures.get(&p.id).copied().unwrap_or_default();
            let cat = category.get(&p.industry_id).cloned().unwrap_or_default();
            if let Some(s) = sections.iter_mut().find(|s| s.name == cat) {
                s.rows.push(LedgerExportRow { header: header_of(p, &names, plan), completed: done });
            }
        }
        sections.retain(|s| !s.rows.is_empty());
        let through = match self.current_period().await? {
            Some(p) if p.month.year == year => p.month.month,
            _ if year == today.year() => Month::of(today).prev().month,
            _ => 12,
        };
        let sheet = LedgerSheet {
            title: format!("{year}年重点项目建设台账"),
            year,
            through_month: through,
            sections,
            note: format!("注：完成投资由系统根据各办事处月报汇总；导出时间 {today}。"),
        };
        write_ledger(&sheet).map_err(|e| AppError::Rejected(e.to_string()))
    }

    pub async fn export_comparison(&self, year: Option<i32>) -> Result<Vec<u8>> {
        let c = self.comparison(year).await?;
        let mut headers = vec!["办事处", "项目数"];
        headers.extend(Stage::ALL.iter().map(|s| s.label()));
        headers.extend(["总投资", "年度计划", "已完成", "完成率", "新签约", "新开工", "新投产", "红灯", "黄灯", "未报月报"]);
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

/// Stage labels a ledger accepts, for help texts.
pub fn stage_help() -> String {
    Stage::ALL.iter().map(|s| s.label()).collect::<Vec<_>>().join("、")
}
