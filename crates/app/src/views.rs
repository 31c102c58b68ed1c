//! Read-only views for leaders: the summary, the dashboard (驾驶舱) and the 办事处
//! comparison. All figures are aggregates computed in the database.

use crate::projects::Names;
use crate::{Actor, App, Result};
use chrono::{Datelike, NaiveDate};
use fengkou_domain::warning::Light;
use fengkou_domain::{Month, Stage, Wan};
use fengkou_storage::entity::{office, project};
use fengkou_storage::queries::{self, ProjectIdColumn, ProjectTextColumn};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub year: i32,
    pub count: i64,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub completed: Wan,
    /// Every stage in ladder order, with zero counts.
    pub by_stage: Vec<(Stage, i64)>,
    /// Every visible office in its order, with zero counts.
    pub by_office: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficeComparison {
    pub office_id: i64,
    pub office: String,
    pub projects: i64,
    pub by_stage: Vec<i64>,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub completed: Wan,
    pub completion_rate: Option<f64>,
    pub new_signed: i64,
    pub new_started: i64,
    pub new_producing: i64,
    pub red: i64,
    pub yellow: i64,
    pub green: i64,
    pub missing_reports: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub year: i32,
    pub period: Option<String>,
    pub rows: Vec<OfficeComparison>,
    /// Best and worst completion rates, to make the spread visible at a glance.
    pub best: Option<(String, f64)>,
    pub worst: Option<(String, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndustryFigure {
    pub industry: String,
    pub projects: i64,
    pub investment: Wan,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthFigure {
    pub month: u32,
    pub completed: Wan,
    pub cumulative: Wan,
    pub planned_cumulative: Wan,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemItem {
    pub project_id: i64,
    pub project: String,
    pub office: String,
    pub month: String,
    pub problem: String,
    pub help_needed: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub summary: Summary,
    pub by_industry: Vec<IndustryFigure>,
    pub monthly: Vec<MonthFigure>,
    pub warnings: Vec<(Light, i64)>,
    pub latest_problems: Vec<ProblemItem>,
    pub completion_rate: Option<f64>,
    pub period: Option<String>,
}

impl App {
    pub async fn summary(&self, actor: &Actor, year: Option<i32>) -> Result<Summary> {
        let year = year.unwrap_or_else(|| self.today().year());
        let confined = actor.confined_to();
        // Independent aggregates run concurrently on the pool's connections.
        let (totals, plans, stages, offices, office_list) = tokio::try_join!(
            queries::totals(&self.db, confined),
            queries::plan_totals(&self.db, confined, year),
            queries::count_by(&self.db, confined, ProjectTextColumn::Stage),
            queries::sum_by(&self.db, confined, ProjectIdColumn::Office),
            office::Entity::find()
                .order_by_asc(office::Column::SortOrder)
                .order_by_asc(office::Column::Id)
                .all(&self.db),
        )?;
        let stages: HashMap<String, i64> = stages.into_iter().map(|k| (k.key, k.n)).collect();
        let offices: HashMap<i64, i64> = offices.into_iter().map(|k| (k.key, k.n)).collect();
        let by_office = office_list
            .into_iter()
            .filter(|o| confined.is_none_or(|c| c == o.id))
            .map(|o| (o.name, offices.get(&o.id).copied().unwrap_or(0)))
            .collect();
        Ok(Summary {
            year,
            count: totals.count,
            total_investment: Wan::from_yuan(totals.total_investment),
            annual_plan: Wan::from_yuan(plans.plan),
            completed: Wan::from_yuan(plans.completed),
            by_stage: Stage::ALL.into_iter().map(|s| (s, stages.get(s.code()).copied().unwrap_or(0))).collect(),
            by_office,
        })
    }

    /// The 办事处 comparison for a year (new 签约/开工/投产 counted from the stage history).
    pub async fn comparison(&self, year: Option<i32>) -> Result<Comparison> {
        let today = self.today();
        let year = year.unwrap_or_else(|| today.year());
        let period = self.current_period().await?;
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
        let missing_month = period.as_ref().map(|p| p.month);
        let (stage_grid, warning_grid, sums, plans, transitions, missing, offices) = tokio::try_join!(
            queries::office_grid(&self.db, ProjectTextColumn::Stage),
            queries::office_grid(&self.db, ProjectTextColumn::Warning),
            queries::sum_by(&self.db, None, ProjectIdColumn::Office),
            queries::office_plans(&self.db, year),
            queries::office_transitions(&self.db, from, to),
            async {
                match missing_month {
                    Some(m) => queries::missing_report_counts(&self.db, m.year, m.month as i32).await,
                    None => Ok(Vec::new()),
                }
            },
            office::Entity::find()
                .order_by_asc(office::Column::SortOrder)
                .order_by_asc(office::Column::Id)
                .all(&self.db),
        )?;
        let sums: HashMap<i64, (i64, i64)> = sums.into_iter().map(|k| (k.key, (k.n, k.amount))).collect();
        let plans: HashMap<i64, (i64, i64)> = plans.into_iter().map(|p| (p.office_id, (p.plan, p.completed))).collect();
        let missing: HashMap<i64, i64> = missing.into_iter().map(|c| (c.office_id, c.n)).collect();
        let count = |grid: &[queries::OfficeStageCount], office: i64, key: &str| {
            grid.iter().filter(|g| g.office_id == office && g.key == key).map(|g| g.n).sum::<i64>()
        };
        let rows: Vec<OfficeComparison> = offices
            .into_iter()
            .map(|o| {
                let (projects, total) = sums.get(&o.id).copied().unwrap_or((0, 0));
                let (plan, done) = plans.get(&o.id).copied().unwrap_or((0, 0));
                OfficeComparison {
                    office_id: o.id,
                    projects,
                    by_stage: Stage::ALL.iter().map(|s| count(&stage_grid, o.id, s.code())).collect(),
                    total_investment: Wan::from_yuan(total),
                    annual_plan: Wan::from_yuan(plan),
                    completed: Wan::from_yuan(done),
                    completion_rate: Wan::from_yuan(done).percent_of(Wan::from_yuan(plan)),
                    new_signed: count(&transitions, o.id, Stage::Signed.code()),
                    new_started: count(&transitions, o.id, Stage::Started.code()),
                    new_producing: count(&transitions, o.id, Stage::Producing.code()),
                    red: count(&warning_grid, o.id, Light::Red.code()),
                    yellow: count(&warning_grid, o.id, Light::Yellow.code()),
                    green: count(&warning_grid, o.id, Light::Green.code()),
                    missing_reports: missing.get(&o.id).copied().unwrap_or(0),
                    office: o.name,
                }
            })
            .collect();
        let rated = rows.iter().filter_map(|r| r.completion_rate.map(|c| (r.office.clone(), c)));
        let best = rated.clone().max_by(|a, b| a.1.total_cmp(&b.1));
        let worst = rated.min_by(|a, b| a.1.total_cmp(&b.1));
        Ok(Comparison { year, period: period.map(|p| p.label), rows, best, worst })
    }

    pub async fn dashboard(&self, actor: &Actor, year: Option<i32>) -> Result<Dashboard> {
        let confined = actor.confined_to();
        let year = year.unwrap_or_else(|| self.today().year());
        let (summary, names, by_ind, months, lights, recent, period) = tokio::try_join!(
            self.summary(actor, Some(year)),
            Names::load(&self.db),
            async { Ok(queries::sum_by(&self.db, confined, ProjectIdColumn::Industry).await?) },
            async { Ok(queries::completed_by_month(&self.db, confined, year).await?) },
            async { Ok(queries::count_by(&self.db, confined, ProjectTextColumn::Warning).await?) },
            async { Ok(queries::latest_problem_reports(&self.db, confined, 8).await?) },
            self.current_period(),
        )?;
        let mut by_industry: Vec<IndustryFigure> = self
            .industries()
            .await?
            .into_iter()
            .map(|i| IndustryFigure { industry: i.name, projects: 0, investment: Wan::ZERO })
            .collect();
        for k in by_ind {
            let name = names.industry(k.key);
            if let Some(f) = by_industry.iter_mut().find(|f| f.industry == name) {
                f.projects = k.n;
                f.investment = Wan::from_yuan(k.amount);
            }
        }
        let months: HashMap<i32, i64> = months.into_iter().map(|m| (m.month, m.amount)).collect();
        // Bars stop at the last month with data (the latest period), not at today.
        let last_month = match &period {
            Some(p) if p.month.year == year => p.month.month,
            _ if year == self.today().year() => Month::of(self.today()).prev().month,
            _ => 12,
        };
        let mut cumulative = Wan::ZERO;
        let monthly = (1..=12u32)
            .map(|m| {
                let completed = Wan::from_yuan(months.get(&(m as i32)).copied().unwrap_or(0));
                cumulative += completed;
                MonthFigure {
                    month: m,
                    completed,
                    cumulative: if m <= last_month { cumulative } else { Wan::ZERO },
                    planned_cumulative: Wan::from_yuan(summary.annual_plan.yuan() / 12 * i64::from(m)),
                }
            })
            .collect();
        let lights: HashMap<String, i64> = lights.into_iter().map(|k| (k.key, k.n)).collect();
        let warnings = [Light::Red, Light::Yellow, Light::Green]
            .into_iter()
            .map(|l| (l, lights.get(l.code()).copied().unwrap_or(0)))
            .collect();
        let project_names: HashMap<i64, String> = project::Entity::find()
            .filter(project::Column::Id.is_in(recent.iter().map(|r| r.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let latest_problems = recent
            .into_iter()
            .map(|r| ProblemItem {
                project: project_names.get(&r.project_id).cloned().unwrap_or_default(),
                project_id: r.project_id,
                office: names.office(r.office_id),
                month: Month::new(r.year, r.month as u32).map(Month::label).unwrap_or_default(),
                problem: r.problems,
                help_needed: r.help_needed,
            })
            .collect();
        let period = period.map(|p| p.label);
        Ok(Dashboard {
            completion_rate: summary.completed.percent_of(summary.annual_plan),
            summary,
            by_industry,
            monthly,
            warnings,
            latest_problems,
            period,
        })
    }
}
