//! Excel in and out: importing a ledger as offices keep it (`import`: all rows valid
//! or nothing written) and exporting the ledger (with the page's filters) and the 办事处
//! comparison.

mod error;
mod import;
pub use error::LedgerError;

pub use import::{ImportOptions, ImportReport, ProjectChanges};

use crate::projects::{ListQuery, Names, header_of};
use crate::{Actor, AppError, Result};
use chrono::Datelike;
use fengkou_domain::{Month, Stage, Wan};
use fengkou_office::ledger::LedgerWriter;
use fengkou_office::table::{Sheet, TableCell, write_sheets};
use fengkou_storage::entity::project;
use fengkou_storage::queries;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The CLI acts with the project office's rights.
pub fn cli_actor() -> Actor {
    Actor { user_id: 0, username: "cli".into(), role: fengkou_domain::Role::ProjectOffice, office_id: None }
}

impl Ledger<'_> {
    /// The ledger in the offices' layout, sections by industry category, limited to
    /// what the ledger page shows (its filters; the actor's office for office users).
    /// The completed column covers January through the judged month ("1-10月完成投资"),
    /// as the colours do. Projects are read and written a batch at a time, so memory
    /// stays flat for any ledger size.
    pub async fn export_projects(&self, actor: &Actor, q: &ListQuery) -> Result<Vec<u8>> {
        // Two at a time: each holds its workbook (tens of MB at provincial scale), and a
        // crowd of downloads must queue, not multiply the server's memory.
        let _turn = self.exports.acquire().await.map_err(|_| AppError::Busy)?;
        let today = self.today();
        let judged = self.reports().judged_month().await?;
        let year = q.year.unwrap_or(judged.month.year);
        let names = Names::load(&self.db).await?;
        let industries = self.industries().await?;
        let mut categories: Vec<(String, Vec<i64>)> = Vec::new();
        for i in &industries {
            match categories.iter_mut().find(|(c, _)| *c == i.category) {
                Some((_, ids)) => ids.push(i.id),
                None => categories.push((i.category.clone(), vec![i.id])),
            }
        }
        let through = if judged.month.year == year {
            judged.month
        } else if year < today.year() {
            Month::new(year, 12).unwrap_or(judged.month)
        } else {
            Month::new(year, 1).unwrap_or(judged.month)
        };
        let filter = self.projects().filter_of(actor, q);
        let mut w = LedgerWriter::new(&format!("{year}年重点项目建设台账"), year, through.month)?;
        // One grouped pass over the year's reports rather than one per batch: a
        // 2000-id IN list per batch made a 100k-project export take minutes. The map
        // holds one number per reporting project (a few MB at 100k).
        let done = queries::year_to_date(&self.db, year, through.month as i32, None).await?;
        for (category, industry_ids) in categories {
            let count = queries::filtered(&filter)
                .filter(project::Column::IndustryId.is_in(industry_ids.clone()))
                .count(&self.db)
                .await?;
            if count == 0 {
                continue;
            }
            w.start_section(&category, count as usize)?;
            // The section's ids first (one sorted pass), then the rows by id a batch
            // at a time: paging with "id > last ORDER BY id" made every batch collect
            // and sort all the remaining rows of the section through the industry
            // index (an export of 100,000 took 10 s instead of 4).
            let ids: Vec<i64> = queries::filtered(&filter)
                .filter(project::Column::IndustryId.is_in(industry_ids.clone()))
                .select_only()
                .column(project::Column::Id)
                .order_by_asc(project::Column::Id)
                .into_tuple()
                .all(&self.db)
                .await?;
            for chunk in ids.chunks(EXPORT_BATCH) {
                let batch = project::Entity::find()
                    .filter(project::Column::Id.is_in(chunk.iter().copied()))
                    .order_by_asc(project::Column::Id)
                    .all(&self.db)
                    .await?;
                let plans: HashMap<i64, Wan> = queries::year_figures(&self.db, chunk, year)
                    .await?
                    .into_iter()
                    .map(|f| (f.project_id, Wan::from_yuan(f.amount)))
                    .collect();
                for p in &batch {
                    let plan = plans.get(&p.id).copied().unwrap_or_default();
                    let completed = Wan::from_yuan(done.get(&p.id).copied().unwrap_or(0));
                    w.row(&header_of(p, &names, plan), completed)?;
                }
            }
            w.end_section()?;
        }
        w.finish(&format!(
            "注：完成投资为{}年1-{}月，由系统根据各办事处月报（及导入的期初数）汇总；导出时间 {today}。",
            year, through.month
        ))
        .map_err(AppError::from)
    }

    pub async fn export_comparison(&self, year: Option<i32>) -> Result<Vec<u8>> {
        let c = self.views().comparison(year).await?;
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
        let count = |n: i64| TableCell::Count(n);
        let rows: Vec<Vec<TableCell>> = c
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![TableCell::Text(r.office.clone()), count(r.projects)];
                cells.extend(r.by_stage.iter().map(|n| count(*n)));
                cells.extend([
                    TableCell::Number(r.total_investment.as_f64()),
                    TableCell::Number(r.annual_plan.as_f64()),
                    TableCell::Number(r.completed.as_f64()),
                    TableCell::Percent(r.completion_rate),
                    count(r.new_signed),
                    count(r.new_started),
                    count(r.new_producing),
                    count(r.red),
                    count(r.yellow),
                    count(r.missing_reports),
                ]);
                cells
            })
            .collect();
        let period = c.period.as_deref().map(|p| format!("（数据截至{p}）")).unwrap_or_default();
        write_sheets(&[Sheet {
            name: "办事处对比".into(),
            title: format!("{}年各办事处项目建设情况对比{period}", c.year),
            unit: "单位：个、万元".into(),
            headers: headers.into_iter().map(String::from).collect(),
            rows,
        }])
        .map_err(AppError::from)
    }
}

const EXPORT_BATCH: usize = 2_000;

crate::area!(
    /// The use cases of the Excel ledger in and out: `app.ledger()`.
    Ledger,
    ledger
);
