//! Who owes a report: the missing list by office, periods past their deadline with
//! reports still owed, reminders (催报) sent to an office, and the notices its users
//! see until the reports are filed.

use super::*;

/// Projects that owe a report, grouped by office. At provincial scale an office can
/// owe thousands: `projects` lists the first [`MISSING_LISTED`], `count` all of them.
#[derive(Debug, Clone, Serialize)]
pub struct MissingByOffice {
    pub office_id: i64,
    pub office: String,
    pub count: usize,
    pub projects: Vec<(i64, String)>,
    /// Reminders (催报) sent to this office for the period so far.
    pub reminders: usize,
}

/// A period whose deadline has passed with reports still owed.
#[derive(Debug, Clone, Serialize)]
pub struct OverduePeriod {
    pub month: Month,
    pub code: String,
    pub label: String,
    pub deadline: Option<NaiveDate>,
    pub open: bool,
    pub count: usize,
    pub offices: Vec<MissingByOffice>,
}

/// A reminder shown to an office's users until the reports it asks for are filed.
#[derive(Debug, Clone, Serialize)]
pub struct ReminderNotice {
    pub month: Month,
    pub label: String,
    /// The projects still owing the report (the ones named, or all of the office's).
    pub projects: Vec<(i64, String)>,
    pub owing: usize,
    pub times: usize,
    pub last_note: String,
    pub last_by: String,
    pub last_at: chrono::DateTime<Utc>,
}

pub const MISSING_LISTED: usize = 100;

impl Reports<'_> {
    /// Projects that owe a report for the month, by office (the actor's own office only
    /// for office users), with the reminders sent so far.
    pub async fn missing_reports(&self, actor: &Actor, month: Month) -> Result<Vec<MissingByOffice>> {
        let names = Names::load(&self.db).await?;
        let (y, m) = (month.year, month.month as i32);
        let confined = actor.confined_to();
        let counts: std::collections::HashMap<i64, i64> =
            fengkou_storage::queries::missing_report_counts(&self.db, y, m)
                .await?
                .into_iter()
                .filter(|c| confined.is_none_or(|o| o == c.office_id))
                .map(|c| (c.office_id, c.n))
                .collect();
        let listed = queries::missing_reports(&self.db, y, m, confined, (MISSING_LISTED * 40) as u64).await?;
        let reminders = reminder::Entity::find()
            .filter(reminder::Column::Year.eq(y))
            .filter(reminder::Column::Month.eq(m))
            .all(&self.db)
            .await?;
        let mut out: Vec<MissingByOffice> = Vec::new();
        for o in self.offices().await? {
            let Some(count) = counts.get(&o.id).copied().filter(|n| *n > 0) else { continue };
            let projects: Vec<(i64, String)> = listed
                .iter()
                .filter(|p| p.office_id == o.id)
                .take(MISSING_LISTED)
                .map(|p| (p.id, p.name.clone()))
                .collect();
            out.push(MissingByOffice {
                office_id: o.id,
                office: names.office(o.id),
                count: count as usize,
                projects,
                reminders: reminders.iter().filter(|r| r.office_id == o.id).count(),
            });
        }
        Ok(out)
    }

    /// Every period whose deadline has passed (open or closed) with reports still owed,
    /// newest first: they stay listed until the reports are filed.
    pub async fn overdue_reports(&self, actor: &Actor) -> Result<Vec<OverduePeriod>> {
        let mut out = Vec::new();
        for p in self.periods().await?.into_iter().filter(|p| p.overdue) {
            let offices = self.missing_reports(actor, p.month).await?;
            let count = offices.iter().map(|o| o.count).sum();
            if count > 0 {
                out.push(OverduePeriod {
                    month: p.month,
                    code: p.code,
                    label: p.label,
                    deadline: p.deadline,
                    open: p.open,
                    count,
                    offices,
                });
            }
        }
        Ok(out)
    }

    /// 催报: reminds an office (or one project's reporters) to file a period's reports.
    /// The office's users see it on their pages until the reports are filed.
    pub async fn send_reminder(
        &self,
        actor: &Actor,
        month: Month,
        office_id: i64,
        project_id: Option<i64>,
        note: &str,
    ) -> Result<()> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以催报")?;
        let note = note.trim();
        if note.chars().count() > 200 || note.chars().any(char::is_control) {
            return Err(AppError::invalid("催报说明", "不超过200个字，且不能含控制字符"));
        }
        let mut txn = self.write(permit).await?;
        crate::rows::office_row(&txn, office_id).await?;
        period::Entity::find()
            .filter(period::Column::Year.eq(month.year))
            .filter(period::Column::Month.eq(month.month as i32))
            .one(&txn)
            .await?
            .ok_or_else(|| ReportError::NoPeriodToChase { month: month.label() })?;
        if let Some(pid) = project_id {
            let p = project::Entity::find_by_id(pid).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
            if p.office_id != office_id {
                return Err(AppError::invalid("项目", "该项目不属于所选办事处"));
            }
        }
        let owing = queries::missing_reports(&txn, month.year, month.month as i32, Some(office_id), 100_000).await?;
        let owing = owing.iter().filter(|p| project_id.is_none_or(|id| id == p.id)).count();
        if owing == 0 {
            return Err(ReportError::NothingToChase { month: month.label() }.into());
        }
        let saved = reminder::ActiveModel {
            year: Set(month.year),
            month: Set(month.month as i32),
            office_id: Set(office_id),
            project_id: Set(project_id),
            note: Set(note.to_string()),
            sent_by: Set(actor.username.clone()),
            sent_at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.record(Change {
            action: "remind",
            entity: "reminder",
            entity_id: Some(saved.id),
            project_id,
            before: None,
            after: json(&saved),
        });
        txn.commit().await?;
        Ok(())
    }

    /// The reminders an office user must see: those to their office whose reports are
    /// still owed, with how many times each period was reminded.
    pub async fn reminder_notices(&self, actor: &Actor) -> Result<Vec<ReminderNotice>> {
        let Some(office) = actor.confined_to() else { return Ok(Vec::new()) };
        let sent = reminder::Entity::find()
            .filter(reminder::Column::OfficeId.eq(office))
            .order_by_asc(reminder::Column::Id)
            .all(&self.db)
            .await?;
        let mut months: Vec<Month> = sent.iter().filter_map(|r| Month::new(r.year, r.month as u32)).collect();
        months.sort_unstable();
        months.dedup();
        let mut out = Vec::new();
        for month in months.into_iter().rev() {
            let of_month: Vec<&reminder::Model> =
                sent.iter().filter(|r| r.year == month.year && r.month == month.month as i32).collect();
            let owing =
                queries::missing_reports(&self.db, month.year, month.month as i32, Some(office), 100_000).await?;
            // A reminder about the whole office stands while any report is owed; one
            // about a project, while that project's is.
            let whole_office = of_month.iter().any(|r| r.project_id.is_none());
            let named: Vec<i64> = of_month.iter().filter_map(|r| r.project_id).collect();
            let still: Vec<(i64, String)> = owing
                .iter()
                .filter(|p| whole_office || named.contains(&p.id))
                .map(|p| (p.id, p.name.clone()))
                .collect();
            let Some(last) = of_month.last() else { continue };
            if still.is_empty() {
                continue;
            }
            out.push(ReminderNotice {
                month,
                label: month.label(),
                owing: still.len(),
                projects: still.into_iter().take(20).collect(),
                times: of_month.len(),
                last_note: last.note.clone(),
                last_by: last.sent_by.clone(),
                last_at: last.sent_at,
            });
        }
        Ok(out)
    }
}
