//! Provincial-scale data for benchmarks: many projects with a year of monthly reports,
//! written in large batches. Only for an empty database (`fengkou bench seed`).

use crate::audit::Change;
use crate::demo::{INDUSTRIES, ensure_reference_data};
use crate::{App, AppError, Result};
use chrono::{Duration, NaiveDate};
use fengkou_domain::Permit;
use fengkou_domain::period::PeriodStatus;
use fengkou_domain::{Light, Month, Precision, Stage};
use fengkou_storage::entity::{annual_plan, period, project, report, stage_event};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{EntityTrait, PaginatorTrait, Set};

const BATCH: usize = 1_000;

impl App {
    /// Seeds `projects` projects with monthly reports for `months` months of `year`, and
    /// the same reports again for each of the `history` years before it (a province's
    /// archive: ten years of reports are 12,000,000 at 100,000 projects).
    pub async fn seed_scale(&self, projects: usize, year: i32, months: u32, history: u32) -> Result<()> {
        ensure_reference_data(self).await?;
        if project::Entity::find().count(&self.db).await? > 0 {
            return Err(AppError::invalid("数据库", "基准数据只能写入空数据库"));
        }
        let offices = self.offices().await?;
        let industries = self.industries().await?;
        let mut rng = StdRng::seed_from_u64(7);
        let now = self.now();
        let mut txn = self.write(Permit::system("bench")).await?;
        for m in 1..=months {
            period::Entity::insert(period::ActiveModel {
                year: Set(year),
                month: Set(m as i32),
                deadline: Set(Month::new(year, m).map(|x| x.next().first_day() + Duration::days(9))),
                status: Set(if m == months { PeriodStatus::Open } else { PeriodStatus::Closed }.into()),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(&txn)
            .await?;
        }
        let start = NaiveDate::from_ymd_opt(year - 1, 6, 1).unwrap_or_default();
        let mut next_id: i64 = 1;
        for chunk_start in (0..projects).step_by(BATCH) {
            let n = BATCH.min(projects - chunk_start);
            let mut ps = Vec::with_capacity(n);
            let mut plans = Vec::with_capacity(n);
            let mut events = Vec::with_capacity(n);
            let mut reports = Vec::with_capacity(n * months as usize);
            for k in 0..n {
                let id = next_id + k as i64;
                let i = chunk_start + k;
                let office = &offices[i % offices.len()];
                let industry = &industries[i % industries.len().min(INDUSTRIES.len())];
                let stage = [Stage::Signed, Stage::Started, Stage::Building, Stage::Building, Stage::Producing][i % 5];
                let total = rng.random_range(1_000..500_000i64) * 10_000;
                let plan = total / rng.random_range(3..8);
                let actual_start = stage.is_started().then(|| start + Duration::days((i % 300) as i64));
                ps.push(project::ActiveModel {
                    id: Set(id),
                    code: Set(Some(format!("B{year}-{id:06}"))),
                    name: Set(format!("{}{}号{}项目", office.name.trim_end_matches("办事处"), i, industry.name)),
                    office_id: Set(office.id),
                    industry_id: Set(industry.id),
                    stage: Set(stage.into()),
                    location: Set(String::new()),
                    content: Set("基准测试数据".to_string()),
                    leader: Set(String::new()),
                    responsible_unit: Set(String::new()),
                    owner_unit: Set(String::new()),
                    total_investment: Set(total),
                    planned_start: Set(Some(start)),
                    planned_finish: Set(Some(start + Duration::days(900))),
                    actual_start: Set(actual_start),
                    actual_finish: Set(None),
                    warning_light: Set(Light::Green.into()),
                    warning_detail: Set(String::new()),
                    demo: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now - Duration::seconds(i as i64)),
                    version: Set(1),
                    planned_start_precision: Set(Precision::Day.into()),
                    planned_finish_precision: Set(Precision::Day.into()),
                    actual_start_precision: Set(Precision::Day.into()),
                    actual_finish_precision: Set(Precision::Day.into()),
                    actual_start_inferred: Set(false),
                });
                let mut done = 0;
                // Every project reports, so that 100,000 projects give the target's
                // 1,200,000 reports (unstarted ones report preparatory spending).
                {
                    for m in 1..=months {
                        let amount = plan / 12 * rng.random_range(30..130) / 100;
                        done += amount;
                        reports.push(report::ActiveModel {
                            project_id: Set(id),
                            office_id: Set(office.id),
                            year: Set(year),
                            month: Set(m as i32),
                            completed: Set(amount),
                            progress: Set("按计划推进".into()),
                            problems: Set(String::new()),
                            help_needed: Set(String::new()),
                            submitted_by: Set("bench".into()),
                            submitted_at: Set(now),
                            ..Default::default()
                        });
                    }
                }
                plans.push(annual_plan::ActiveModel {
                    project_id: Set(id),
                    year: Set(year),
                    amount: Set(plan),
                    completed: Set(done),
                    ..Default::default()
                });
                events.push(stage_event::ActiveModel {
                    project_id: Set(id),
                    from_stage: Set(None),
                    to_stage: Set(stage.into()),
                    on_date: Set(actual_start.or(Some(start))),
                    reason: Set("基准数据".into()),
                    username: Set("bench".into()),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
            next_id += n as i64;
            project::Entity::insert_many(ps).exec(&txn).await?;
            annual_plan::Entity::insert_many(plans).exec(&txn).await?;
            stage_event::Entity::insert_many(events).exec(&txn).await?;
            for chunk in reports.chunks(2_000) {
                report::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
            }
        }
        // Earlier years copied inside the database, one statement a year: the same
        // triggers keep the totals, without sending ten million rows over the wire.
        for k in 1..=history as i32 {
            use sea_orm::ConnectionTrait;
            txn.execute_unprepared(&format!(
                "INSERT INTO reports (project_id, office_id, year, month, completed, progress, problems, help_needed, \
                 submitted_by, submitted_at) SELECT project_id, office_id, year - {k}, month, completed, progress, problems, \
                 help_needed, submitted_by, submitted_at FROM reports WHERE year = {year}"
            ))
            .await?;
        }
        txn.record(Change {
            action: "seed",
            entity: "bench",
            entity_id: None,
            project_id: None,
            before: None,
            after: Some(serde_json::json!({ "projects": projects, "months": months, "history_years": history })),
        });
        txn.commit().await?;
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Explicit ids above: move the sequence past them.
            use sea_orm::ConnectionTrait;
            self.db
                .execute_unprepared(
                    "SELECT setval(pg_get_serial_sequence('projects', 'id'), (SELECT MAX(id) FROM projects))",
                )
                .await?;
        }
        self.warnings().refresh_all_warnings().await?;
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // What autovacuum would do some minutes later: drop the row versions the
            // colour pass left behind and gather planner statistics. Without it the
            // pages take 2-4× longer until it has run.
            use sea_orm::ConnectionTrait;
            self.db.execute_unprepared("VACUUM ANALYZE").await?;
        }
        Ok(())
    }

    /// What a benchmark is run against, as it prints it: the backend, the projects and
    /// reports, and how fresh the planner's statistics are.
    pub async fn data_state(&self) -> Result<Vec<String>> {
        let projects = project::Entity::find().count(&self.db).await?;
        let reports = report::Entity::find().count(&self.db).await?;
        let backend = match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => "PostgreSQL",
            _ => "SQLite",
        };
        let mut lines = vec![format!("backend {backend}: {projects} projects, {reports} reports")];
        lines.extend(
            fengkou_storage::queries::statistics_state(
                &self.db,
                &["projects", "reports", "project_totals", "month_totals"],
            )
            .await?,
        );
        Ok(lines)
    }
}
