//! Reporting periods (月报) and monthly reports. An office reports only what it did
//! this month; the running totals are derived (`fengkou_domain::progress`).

use crate::audit::{Change, json};
use crate::rows::{Names, month_of};
use crate::{Actor, AppError, Result};
use chrono::{NaiveDate, Utc};
use fengkou_domain::period::{JudgedMonth, PeriodFacts, PeriodStatus, judged_month};
use fengkou_domain::progress::{Ledger, OpeningBalance, cumulative};
use fengkou_domain::{Month, Wan};
use fengkou_storage::entity::{annual_plan, opening_balance, period, photo, project, reminder, report};
use fengkou_storage::queries;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

mod error;
mod missing;
pub use error::ReportError;
pub use missing::{MISSING_LISTED, MissingByOffice, OverduePeriod, ReminderNotice};

pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_PHOTOS_PER_REPORT: usize = 6;

/// A photo as uploaded, before it is checked.
#[derive(Debug, Clone)]
pub struct PhotoUpload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// What an office user submits for one project and month.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub month: Month,
    pub completed: Wan,
    pub progress: String,
    pub problems: String,
    pub help_needed: String,
    pub photos: Vec<PhotoUpload>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    pub id: i64,
    pub month: Month,
    /// "2026-10", the form value.
    pub code: String,
    pub label: String,
    pub deadline: Option<NaiveDate>,
    pub open: bool,
    pub overdue: bool,
}

/// A report with its derived figures, or an opening balance imported from a ledger.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: i64,
    pub month: Month,
    pub label: String,
    /// An imported opening balance ("1-10月完成投资（导入）"), not a monthly report.
    pub opening: bool,
    /// A monthly report covered by an opening balance: shown, not counted again.
    pub covered: bool,
    pub completed: Wan,
    pub year_to_date: Wan,
    pub since_start: Wan,
    pub share_of_annual_plan: Option<f64>,
    pub share_of_total: Option<f64>,
    pub progress: String,
    pub problems: String,
    pub help_needed: String,
    pub submitted_by: String,
    pub submitted_at: chrono::DateTime<Utc>,
}

/// Sniffs the image type from the bytes, not the name or the browser's claim.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

fn facts(p: &period::Model) -> Option<PeriodFacts> {
    Some(PeriodFacts {
        month: Month::new(p.year, p.month as u32)?,
        deadline: p.deadline,
        open: p.status == PeriodStatus::Open,
    })
}

fn period_view(p: &period::Model, today: NaiveDate) -> Option<PeriodView> {
    let month = Month::new(p.year, p.month as u32)?;
    Some(PeriodView {
        id: p.id,
        month,
        code: month.to_string(),
        label: month.label(),
        deadline: p.deadline,
        open: p.status == PeriodStatus::Open,
        overdue: p.deadline.is_some_and(|d| d < today),
    })
}

impl Reports<'_> {
    pub async fn periods(&self) -> Result<Vec<PeriodView>> {
        let today = self.today();
        Ok(period::Entity::find()
            .order_by_desc(period::Column::Year)
            .order_by_desc(period::Column::Month)
            .all(&self.db)
            .await?
            .iter()
            .filter_map(|p| period_view(p, today))
            .collect())
    }

    /// The latest period (the one offices are filling in, often still open).
    pub async fn current_period(&self) -> Result<Option<PeriodView>> {
        latest_period(&self.db, self.today()).await
    }

    /// The month the warnings, the dashboard and the ledger's "1-N月完成投资" judge:
    /// the latest period whose deadline has passed or that is closed.
    pub async fn judged_month(&self) -> Result<JudgedMonth> {
        judged(&self.db, self.today()).await
    }

    pub async fn open_period(&self, actor: &Actor, month: Month, deadline: NaiveDate) -> Result<i64> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以开启填报期")?;
        if deadline < month.first_day() {
            return Err(AppError::invalid("截止日期", format!("不能早于 {}", month.first_day())));
        }
        if month > Month::of(self.today()) {
            return Err(AppError::invalid("月份", "不能开启未来月份的填报"));
        }
        let mut txn = self.write(permit).await?;
        if period::Entity::find()
            .filter(period::Column::Year.eq(month.year))
            .filter(period::Column::Month.eq(month.month as i32))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::invalid("月份", format!("{} 的填报期已存在", month.label())));
        }
        let saved = period::ActiveModel {
            year: Set(month.year),
            month: Set(month.month as i32),
            deadline: Set(Some(deadline)),
            status: Set(PeriodStatus::Open.into()),
            created_at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.record(Change {
            action: "open",
            entity: "period",
            entity_id: Some(saved.id),
            project_id: None,
            before: None,
            after: json(&saved),
        });
        txn.commit().await?;
        self.warnings().refresh_all_warnings().await?;
        Ok(saved.id)
    }

    pub async fn set_period_open(&self, actor: &Actor, id: i64, open: bool) -> Result<()> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以开启或关闭填报期")?;
        let mut txn = self.write(permit).await?;
        let p = period::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound("填报期"))?;
        let before = json(&p);
        let mut am = p.into_active_model();
        am.status = Set(if open { PeriodStatus::Open } else { PeriodStatus::Closed }.into());
        let after = am.update(&txn).await?;
        txn.record(Change {
            action: if open { "reopen" } else { "close" },
            entity: "period",
            entity_id: Some(id),
            project_id: None,
            before,
            after: json(&after),
        });
        txn.commit().await?;
        self.warnings().refresh_all_warnings().await?;
        Ok(())
    }

    /// Saves (or replaces, while the period is open) a project's report for a month.
    pub async fn submit_report(&self, actor: &Actor, project_id: i64, input: ReportInput) -> Result<i64> {
        let mut problems = Vec::new();
        for (field, text, max) in [
            ("形象进度", &input.progress, 2000),
            ("存在问题", &input.problems, 2000),
            ("需协调事项", &input.help_needed, 2000),
        ] {
            if text.chars().count() > max {
                problems.push(fengkou_domain::project::FieldError::new(field, format!("不能超过{max}个字")));
            }
            if !fengkou_domain::project::control_free(text, true) {
                problems.push(fengkou_domain::project::FieldError::new(field, "不能含控制字符"));
            }
        }
        if input.progress.trim().is_empty() {
            problems.push(fengkou_domain::project::FieldError::new("形象进度", "不能为空"));
        }
        if input.completed.yuan() < 0 {
            problems.push(fengkou_domain::project::FieldError::new("本月完成投资", "不能为负数"));
        }
        if input.photos.len() > MAX_PHOTOS_PER_REPORT {
            problems.push(fengkou_domain::project::FieldError::new(
                "照片",
                format!("每次最多上传{MAX_PHOTOS_PER_REPORT}张"),
            ));
        }
        let mut photos = Vec::new();
        for ph in &input.photos {
            if ph.bytes.len() > MAX_PHOTO_BYTES {
                problems.push(fengkou_domain::project::FieldError::new(
                    "照片",
                    format!("“{}”超过{}MB", ph.filename, MAX_PHOTO_BYTES / 1024 / 1024),
                ));
            } else if let Some(t) = image_type(&ph.bytes) {
                photos.push((ph, t));
            } else {
                problems.push(fengkou_domain::project::FieldError::new(
                    "照片",
                    format!("“{}”不是 JPEG 或 PNG 图片", ph.filename),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }

        let mut txn = self.write_checking(actor).await?;
        // Reports for the same project saved at once (two months, two clerks) each
        // recompute the project's year total below: on PostgreSQL they take turns.
        queries::lock_project(&txn, project_id).await?;
        let p = project::Entity::find_by_id(project_id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
        txn.permit(actor.can_report(p.office_id), "只能填报本办事处的项目")?;
        let per = period::Entity::find()
            .filter(period::Column::Year.eq(input.month.year))
            .filter(period::Column::Month.eq(input.month.month as i32))
            .one(&txn)
            .await?;
        match per {
            Some(per) if per.status == PeriodStatus::Open => {}
            Some(_) => return Err(ReportError::PeriodClosed { month: input.month.label() }.into()),
            None => return Err(ReportError::PeriodNotOpen { month: input.month.label() }.into()),
        }
        if let Some((_, b, _, _)) = balances_of(&txn, project_id).await?.into_iter().find(|b| b.1.covers(input.month)) {
            return Err(ReportError::CoveredByLedger {
                month: input.month.label(),
                balance: b.label(),
                amount: b.amount.to_string(),
                through: b.through.label(),
            }
            .into());
        }
        let existing = report::Entity::find()
            .filter(report::Column::ProjectId.eq(project_id))
            .filter(report::Column::Year.eq(input.month.year))
            .filter(report::Column::Month.eq(input.month.month as i32))
            .one(&txn)
            .await?;
        let now = txn.now();
        let before = existing.as_ref().and_then(json);
        let saved = match existing {
            Some(r) => {
                let mut am = r.into_active_model();
                am.completed = Set(input.completed.yuan());
                am.progress = Set(input.progress.trim().to_string());
                am.problems = Set(input.problems.trim().to_string());
                am.help_needed = Set(input.help_needed.trim().to_string());
                am.submitted_by = Set(actor.username.clone());
                am.submitted_at = Set(now);
                am.update(&txn).await?
            }
            None => {
                report::ActiveModel {
                    project_id: Set(project_id),
                    office_id: Set(p.office_id),
                    year: Set(input.month.year),
                    month: Set(input.month.month as i32),
                    completed: Set(input.completed.yuan()),
                    progress: Set(input.progress.trim().to_string()),
                    problems: Set(input.problems.trim().to_string()),
                    help_needed: Set(input.help_needed.trim().to_string()),
                    submitted_by: Set(actor.username.clone()),
                    submitted_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        for (ph, content_type) in photos {
            photo::ActiveModel {
                project_id: Set(project_id),
                report_id: Set(Some(saved.id)),
                filename: Set(ph.filename.chars().take(200).collect()),
                content_type: Set(content_type.to_string()),
                data: Set(ph.bytes.clone()),
                uploaded_by: Set(actor.username.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        update_year_completed(&txn, project_id, input.month.year).await?;
        txn.record(Change {
            action: if before.is_some() { "update" } else { "create" },
            entity: "report",
            entity_id: Some(saved.id),
            project_id: Some(project_id),
            before,
            after: json(&saved),
        });
        self.warnings().refresh_project_warning(&txn, project_id).await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    pub(crate) async fn report_views(
        &self,
        p: &project::Model,
        plans: &[annual_plan::Model],
    ) -> Result<Vec<ReportView>> {
        let reports = report::Entity::find()
            .filter(report::Column::ProjectId.eq(p.id))
            .order_by_desc(report::Column::Year)
            .order_by_desc(report::Column::Month)
            .all(&self.db)
            .await?;
        let balances = balances_of(&self.db, p.id).await?;
        let amounts: Vec<(Month, Wan)> =
            reports.iter().filter_map(|r| Some((month_of(r)?, Wan::from_yuan(r.completed)))).collect();
        let plan_of =
            |m: Month| plans.iter().find(|a| a.year == m.year).map_or(Wan::ZERO, |a| Wan::from_yuan(a.amount));
        let total = Wan::from_yuan(p.total_investment);
        let mut views: Vec<ReportView> = balances
            .iter()
            .map(|(id, b, by, at)| {
                let c = cumulative(
                    &amounts,
                    &balances.iter().map(|x| x.1).collect::<Vec<_>>(),
                    b.through,
                    plan_of(b.through),
                    total,
                );
                ReportView {
                    id: *id,
                    month: b.through,
                    label: b.label(),
                    opening: true,
                    covered: false,
                    completed: b.amount,
                    year_to_date: c.year_to_date,
                    since_start: c.since_start,
                    share_of_annual_plan: c.share_of_annual_plan,
                    share_of_total: c.share_of_total,
                    progress: "台账导入的本年完成投资（期初数），此前各月月报不再重复计入".into(),
                    problems: String::new(),
                    help_needed: String::new(),
                    submitted_by: by.clone(),
                    submitted_at: *at,
                }
            })
            .collect();
        let only_balances: Vec<OpeningBalance> = balances.iter().map(|x| x.1).collect();
        views.extend(reports.into_iter().filter_map(|r| {
            let month = month_of(&r)?;
            let c = cumulative(&amounts, &only_balances, month, plan_of(month), total);
            Some(ReportView {
                id: r.id,
                month,
                label: month.label(),
                opening: false,
                covered: only_balances.iter().any(|b| b.covers(month)),
                completed: c.this_month,
                year_to_date: c.year_to_date,
                since_start: c.since_start,
                share_of_annual_plan: c.share_of_annual_plan,
                share_of_total: c.share_of_total,
                progress: r.progress,
                problems: r.problems,
                help_needed: r.help_needed,
                submitted_by: r.submitted_by,
                submitted_at: r.submitted_at,
            })
        }));
        // Newest first; an opening balance before the reports of its month.
        views.sort_by(|a, b| b.month.cmp(&a.month).then(a.opening.cmp(&b.opening)));
        Ok(views)
    }

    /// An office user's projects under construction for the period, with whether each
    /// has reported. Empty for everyone else (they see the missing list instead).
    pub async fn report_checklist(&self, actor: &Actor, month: Month) -> Result<Vec<(i64, String, bool)>> {
        if actor.confined_to().is_none() {
            return Ok(Vec::new());
        }
        let filter = self.projects().filter_for(actor);
        let projects = queries::all_projects(&self.db, &filter).await?;
        let done: std::collections::HashSet<i64> = report::Entity::find()
            .filter(report::Column::Year.eq(month.year))
            .filter(report::Column::Month.eq(month.month as i32))
            .filter(
                report::Column::OfficeId
                    .is_in(projects.iter().map(|p| p.office_id).collect::<std::collections::HashSet<_>>()),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.project_id)
            .collect();
        Ok(projects
            .into_iter()
            .filter(|p| crate::rows::stage_of(p).is_started())
            .map(|p| (p.id, p.name, done.contains(&p.id)))
            .collect())
    }
}

/// A project's opening balances (id, balance, by, at), oldest year first.
pub(crate) async fn balances_of<C: ConnectionTrait>(
    db: &C,
    project_id: i64,
) -> Result<Vec<(i64, OpeningBalance, String, chrono::DateTime<Utc>)>> {
    Ok(opening_balance::Entity::find()
        .filter(opening_balance::Column::ProjectId.eq(project_id))
        .order_by_asc(opening_balance::Column::Year)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|b| {
            let through = Month::new(b.year, b.through_month as u32)?;
            Some((b.id, OpeningBalance { through, amount: Wan::from_yuan(b.amount) }, b.username, b.created_at))
        })
        .collect())
}

/// The year's completed investment of a project: its reports, with an opening balance
/// standing for the months it covers.
pub(crate) async fn year_completed<C: ConnectionTrait>(db: &C, project_id: i64, year: i32) -> Result<i64> {
    let reports: Vec<(Month, Wan)> = report::Entity::find()
        .filter(report::Column::ProjectId.eq(project_id))
        .filter(report::Column::Year.eq(year))
        .all(db)
        .await?
        .iter()
        .filter_map(|r| Some((month_of(r)?, Wan::from_yuan(r.completed))))
        .collect();
    let balances: Vec<OpeningBalance> =
        balances_of(db, project_id).await?.into_iter().map(|b| b.1).filter(|b| b.through.year == year).collect();
    let december = Month::new(year, 12).ok_or(AppError::invalid("年份", format!("{year} 不是有效的年份")))?;
    Ok(Ledger::new(&reports, &balances).year_to_date(december).yuan())
}

/// Keeps the year's completed figure (annual_plans.completed) equal to the year's
/// reports and opening balance, creating the row if the project has no plan for the
/// year.
pub(crate) async fn update_year_completed<C: ConnectionTrait>(db: &C, project_id: i64, year: i32) -> Result<()> {
    let total = year_completed(db, project_id, year).await?;
    match annual_plan::Entity::find()
        .filter(annual_plan::Column::ProjectId.eq(project_id))
        .filter(annual_plan::Column::Year.eq(year))
        .one(db)
        .await?
    {
        Some(a) => {
            let mut am = a.into_active_model();
            am.completed = Set(total);
            am.update(db).await?;
        }
        None => {
            annual_plan::ActiveModel {
                project_id: Set(project_id),
                year: Set(year),
                amount: Set(0),
                completed: Set(total),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// The judged month (see [`fengkou_domain::period::judged_month`]).
pub(crate) async fn judged<C: ConnectionTrait>(db: &C, today: NaiveDate) -> Result<JudgedMonth> {
    let periods: Vec<PeriodFacts> = period::Entity::find().all(db).await?.iter().filter_map(facts).collect();
    Ok(judged_month(&periods, today))
}

pub(crate) async fn latest_period<C: ConnectionTrait>(db: &C, today: NaiveDate) -> Result<Option<PeriodView>> {
    Ok(period::Entity::find()
        .order_by_desc(period::Column::Year)
        .order_by_desc(period::Column::Month)
        .one(db)
        .await?
        .and_then(|p| period_view(&p, today)))
}

#[cfg(test)]
mod tests {
    use super::image_type;

    #[test]
    fn images_are_sniffed_from_bytes() {
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(b"GIF89a"), None);
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
    }
}

crate::area!(
    /// The use cases of reporting periods and monthly reports: `app.reports()`.
    Reports,
    reports
);
