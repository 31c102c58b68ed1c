//! Read-only views for leaders: the summary, the dashboard (驾驶舱) and the 办事处
//! comparison. All figures are aggregates computed in the database.

use crate::rows::{Names, ledger_date};
use crate::warnings::{ProjectFacts, WarningContext};
use crate::{Actor, Result};
use chrono::{Datelike, NaiveDate};
use fengkou_domain::period::JudgedMonth;
use fengkou_domain::warning::Light;
use fengkou_domain::{Month, Stage, Wan};
use fengkou_storage::entity::{annual_plan, office, opening_balance, project, report};
use fengkou_storage::queries::{self, ProjectIdColumn, ProjectTextColumn};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

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
    /// The month the figures run through ("2026年10月").
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
    /// Completed January through `period`, and its share of the plan.
    pub completed_through: Wan,
    pub completion_rate: Option<f64>,
    /// The month everything on the page is judged at ("2026年10月").
    pub period: Option<String>,
    /// The last month the completed figures cover.
    pub through_month: u32,
    /// What the page shows, in words: the current pipeline judged at the latest due
    /// period, or the state at a past year's end.
    pub basis: String,
    /// The current year's pipeline (colours as stored), not a past year's end.
    pub current: bool,
}

impl Views<'_> {
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

    /// The 办事处 comparison for a year (new 签约/开工/投产 counted from the stage history;
    /// completed through the judged month, as the colours are).
    pub async fn comparison(&self, year: Option<i32>) -> Result<Comparison> {
        let today = self.today();
        let judged = self.reports().judged_month().await?;
        let year = year.unwrap_or(judged.month.year);
        let through = through_month(&judged, year, today);
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
        let missing_month = judged.reports_due.then_some(judged.month).filter(|m| m.year == year);
        // Two lanes for a two-core server: who owes a report (the costliest, 65 ms
        // at 100,000 projects) beside the rest in turn. Eight queries at once fought
        // for the cores and doubled the slow tail.
        let db = &self.db;
        let lane_missing = async {
            match missing_month {
                Some(m) => queries::missing_report_counts(db, m.year, m.month as i32).await,
                None => Ok(Vec::new()),
            }
        };
        let lane_rest = async {
            let plans = queries::office_plans(db, year).await?;
            let done = match through {
                Some(m) => queries::office_completed_through(db, year, m.month as i32).await?,
                None => HashMap::new(),
            };
            let stage_grid = queries::office_grid(db, ProjectTextColumn::Stage).await?;
            let warning_grid = queries::office_grid(db, ProjectTextColumn::Warning).await?;
            let sums = queries::sum_by(db, None, ProjectIdColumn::Office).await?;
            let transitions = queries::office_transitions(db, from, to).await?;
            let offices = office::Entity::find()
                .order_by_asc(office::Column::SortOrder)
                .order_by_asc(office::Column::Id)
                .all(db)
                .await?;
            Ok::<_, sea_orm::DbErr>((stage_grid, warning_grid, sums, plans, done, transitions, offices))
        };
        let (missing, (stage_grid, warning_grid, sums, plans, done, transitions, offices)) =
            tokio::try_join!(lane_missing, lane_rest)?;
        let sums: HashMap<i64, (i64, i64)> = sums.into_iter().map(|k| (k.key, (k.n, k.amount))).collect();
        let plans: HashMap<i64, i64> = plans.into_iter().map(|p| (p.office_id, p.plan)).collect();
        let missing: HashMap<i64, i64> = missing.into_iter().map(|c| (c.office_id, c.n)).collect();
        let count = |grid: &[queries::OfficeStageCount], office: i64, key: &str| {
            grid.iter().filter(|g| g.office_id == office && g.key == key).map(|g| g.n).sum::<i64>()
        };
        let rows: Vec<OfficeComparison> = offices
            .into_iter()
            .map(|o| {
                let (projects, total) = sums.get(&o.id).copied().unwrap_or((0, 0));
                let plan = plans.get(&o.id).copied().unwrap_or(0);
                let completed = done.get(&o.id).copied().unwrap_or(0);
                OfficeComparison {
                    office_id: o.id,
                    projects,
                    by_stage: Stage::ALL.iter().map(|s| count(&stage_grid, o.id, s.code())).collect(),
                    total_investment: Wan::from_yuan(total),
                    annual_plan: Wan::from_yuan(plan),
                    completed: Wan::from_yuan(completed),
                    completion_rate: Wan::from_yuan(completed).percent_of(Wan::from_yuan(plan)),
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
        // Best and worst need at least two offices to compare.
        let rated: Vec<(String, f64)> =
            rows.iter().filter_map(|r| r.completion_rate.map(|c| (r.office.clone(), c))).collect();
        let (best, worst) = if rated.len() >= 2 {
            (
                rated.iter().cloned().max_by(|a, b| a.1.total_cmp(&b.1)),
                rated.iter().cloned().min_by(|a, b| a.1.total_cmp(&b.1)),
            )
        } else {
            (None, None)
        };
        Ok(Comparison { year, period: through.map(Month::label), rows, best, worst })
    }

    /// The leaders' dashboard for a year. For the current year: the pipeline as it is,
    /// its colours judged at the latest due period, completed through that period. For
    /// another year: that year's projects (those in its plan) as they stood at its end:
    /// stages from the stage history, colours judged for December, that year's
    /// reports' problems.
    pub async fn dashboard(&self, actor: &Actor, year: Option<i32>) -> Result<Dashboard> {
        let confined = actor.confined_to();
        let today = self.today();
        let judged = self.reports().judged_month().await?;
        let year = year.unwrap_or(judged.month.year);
        let current = year == judged.month.year;
        let through = through_month(&judged, year, today);
        let (summary, names, by_ind, months, balances, recent) = tokio::try_join!(
            self.summary(actor, Some(year)),
            Names::load(&self.db),
            async { Ok(queries::sum_by(&self.db, confined, ProjectIdColumn::Industry).await?) },
            async { Ok(queries::completed_by_month(&self.db, confined, year).await?) },
            async { Ok(queries::balances_by_month(&self.db, confined, year).await?) },
            async { Ok(queries::latest_problem_reports(&self.db, confined, year, 8).await?) },
        )?;
        let mut summary = summary;
        let mut by_industry: Vec<IndustryFigure> = self
            .industries()
            .await?
            .into_iter()
            .map(|i| IndustryFigure { industry: i.name, projects: 0, investment: Wan::ZERO })
            .collect();
        let (warnings, basis) = if current {
            let lights = queries::count_by(&self.db, confined, ProjectTextColumn::Warning).await?;
            let lights: HashMap<String, i64> = lights.into_iter().map(|k| (k.key, k.n)).collect();
            for k in by_ind {
                let name = names.industry(k.key);
                if let Some(f) = by_industry.iter_mut().find(|f| f.industry == name) {
                    f.projects = k.n;
                    f.investment = Wan::from_yuan(k.amount);
                }
            }
            let warnings = [Light::Red, Light::Yellow, Light::Green]
                .into_iter()
                .map(|l| (l, lights.get(l.code()).copied().unwrap_or(0)))
                .collect();
            (warnings, format!("{year}年在库项目；红黄绿灯按{}评价（{}）", judged.month.label(), judged.why))
        } else {
            let end = self.year_end_view(confined, year, today).await?;
            summary.count = end.projects.len() as i64;
            summary.total_investment = end.projects.iter().map(|p| Wan::from_yuan(p.total_investment)).sum();
            summary.by_stage =
                Stage::ALL.into_iter().map(|s| (s, end.stages.values().filter(|x| **x == s).count() as i64)).collect();
            for office in summary.by_office.iter_mut() {
                office.1 = end.projects.iter().filter(|p| names.office(p.office_id) == office.0).count() as i64;
            }
            for p in &end.projects {
                let name = names.industry(p.industry_id);
                if let Some(f) = by_industry.iter_mut().find(|f| f.industry == name) {
                    f.projects += 1;
                    f.investment += Wan::from_yuan(p.total_investment);
                }
            }
            let basis = match end.judged {
                Some(m) => format!("{year}年计划内项目在年末的状态：阶段按阶段历程，红黄绿灯按{}评价", m.label()),
                None => format!("{year}年计划内项目（该年尚未开始，不评价红黄绿灯）"),
            };
            (end.warnings, basis)
        };
        let mut months: HashMap<i32, i64> = months.into_iter().map(|m| (m.month, m.amount)).collect();
        let last_month = through.map_or(0, |m| m.month);
        // A balance imported through a later month is the best figure known for the
        // judged month (as the colours count it): it is shown at that month.
        let later: i64 =
            balances.iter().filter(|b| last_month > 0 && b.month > last_month as i32).map(|b| b.amount).sum();
        if later != 0 {
            *months.entry(last_month as i32).or_default() += later;
        }
        let mut cumulative = Wan::ZERO;
        let monthly: Vec<MonthFigure> = (1..=12u32)
            .map(|m| {
                let completed = Wan::from_yuan(months.get(&(m as i32)).copied().unwrap_or(0));
                cumulative += completed;
                MonthFigure {
                    month: m,
                    completed: if m <= last_month { completed } else { Wan::ZERO },
                    cumulative: if m <= last_month { cumulative } else { Wan::ZERO },
                    planned_cumulative: Wan::from_yuan(summary.annual_plan.yuan() / 12 * i64::from(m)),
                }
            })
            .collect();
        let completed_through = monthly.iter().filter(|m| m.month <= last_month).map(|m| m.completed).sum::<Wan>();
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
        Ok(Dashboard {
            completion_rate: completed_through.percent_of(summary.annual_plan),
            completed_through,
            summary,
            by_industry,
            monthly,
            warnings,
            latest_problems,
            period: through.map(Month::label),
            through_month: last_month,
            basis,
            current,
        })
    }

    /// A past (or future) year's projects as they stood at its end, with colours
    /// evaluated for its December (not stored: the stored colours are the current
    /// year's).
    async fn year_end_view(&self, confined: Option<i64>, year: i32, today: NaiveDate) -> Result<YearEnd> {
        let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
        let plans: HashMap<i64, i64> = annual_plan::Entity::find()
            .select_only()
            .columns([annual_plan::Column::ProjectId, annual_plan::Column::Amount])
            .filter(annual_plan::Column::Year.eq(year))
            .into_tuple::<(i64, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut projects = Vec::new();
        for chunk in plans.keys().copied().collect::<Vec<_>>().chunks(5_000) {
            let mut q = project::Entity::find().filter(project::Column::Id.is_in(chunk.to_vec()));
            if let Some(o) = confined {
                q = q.filter(project::Column::OfficeId.eq(o));
            }
            projects.extend(q.all(&self.db).await?);
        }
        let in_scope: HashSet<i64> = projects.iter().map(|p| p.id).collect();
        let stages: HashMap<i64, Stage> = queries::stages_on(&self.db, end)
            .await?
            .into_iter()
            .filter(|s| in_scope.contains(&s.project_id))
            .filter_map(|s| Some((s.project_id, Stage::from_code(&s.stage)?)))
            .collect();
        // A year that has not begun is not judged.
        let judged = (year <= today.year()).then(|| Month::new(year, 12)).flatten();
        let mut counts: HashMap<Light, i64> = HashMap::new();
        if let Some(month) = judged {
            let ytd = queries::year_to_date(&self.db, year, 12, None).await?;
            let covered: HashSet<i64> = opening_balance::Entity::find()
                .select_only()
                .column(opening_balance::Column::ProjectId)
                .filter(opening_balance::Column::Year.eq(year))
                .filter(opening_balance::Column::ThroughMonth.eq(12))
                .into_tuple::<i64>()
                .all(&self.db)
                .await?
                .into_iter()
                .chain(
                    report::Entity::find()
                        .select_only()
                        .column(report::Column::ProjectId)
                        .filter(report::Column::Year.eq(year))
                        .filter(report::Column::Month.eq(12))
                        .into_tuple::<i64>()
                        .all(&self.db)
                        .await?,
                )
                .collect();
            let ctx = WarningContext {
                settings: crate::warnings::load_settings(&self.db).await?,
                judged: JudgedMonth { month, reports_due: true, why: format!("{year}年已结束") },
                today: end.min(today),
            };
            for p in &projects {
                let facts = ProjectFacts {
                    stage: stages.get(&p.id).copied().unwrap_or(Stage::Planning),
                    plan: plans.get(&p.id).copied().unwrap_or(0),
                    ytd: ytd.get(&p.id).copied().unwrap_or(0),
                    opening_through: None,
                    planned_start: ledger_date(p.planned_start, p.planned_start_precision),
                    actual_start: ledger_date(p.actual_start, p.actual_start_precision)
                        .filter(|d| d.first_day() <= end),
                    reported: covered.contains(&p.id),
                };
                *counts.entry(ctx.evaluate(&facts).light).or_default() += 1;
            }
        }
        let warnings = [Light::Red, Light::Yellow, Light::Green]
            .into_iter()
            .map(|l| (l, counts.get(&l).copied().unwrap_or(0)))
            .collect();
        Ok(YearEnd { projects, stages, warnings, judged })
    }
}

/// A year's projects at its end.
struct YearEnd {
    projects: Vec<project::Model>,
    stages: HashMap<i64, Stage>,
    warnings: Vec<(Light, i64)>,
    judged: Option<Month>,
}

/// The last month a year's completed figures cover: the judged month in the judged
/// year, December for a past year, nothing for a year not yet begun.
fn through_month(judged: &JudgedMonth, year: i32, today: NaiveDate) -> Option<Month> {
    if judged.month.year == year {
        Some(judged.month)
    } else if year < judged.month.year || year < today.year() {
        Month::new(year, 12)
    } else {
        None
    }
}

crate::area!(
    /// The use cases of summary, dashboard and comparison: `app.views()`.
    Views,
    views
);
