//! Keeps every project's warning colour (红黄绿灯) current. The rules are in
//! `fengkou_domain::warning`; this module gathers their inputs, stores the colour and
//! its explanation on the project so that the ledger can filter by it, and recomputes
//! after every change that can move it (a report, a transition, an edit, a new period,
//! new thresholds) and once a day.

use crate::audit::{Change, json};
use crate::reports::judged;
use crate::rows::{dates_of, ledger_date};
use crate::{Actor, AppError, Result};
use fengkou_domain::Permit;
use fengkou_domain::dates::LedgerDate;
use fengkou_domain::period::JudgedMonth;
use fengkou_domain::warning::{WarningInput, evaluate};
use fengkou_domain::{Light, Month, Precision, Stage, Wan, WarningSettings};
use fengkou_storage::entity::{annual_plan, opening_balance, project, report, setting};
use fengkou_storage::queries;
use fengkou_storage::value::Code;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

const SETTINGS_KEY: &str = "warning_settings";

/// Everything the rules need besides the project itself, loaded once per pass.
pub(crate) struct WarningContext {
    pub settings: WarningSettings,
    pub judged: JudgedMonth,
    pub today: chrono::NaiveDate,
}

/// What the rules need to know of one project.
pub(crate) struct ProjectFacts {
    pub stage: Stage,
    pub plan: i64,
    pub ytd: i64,
    /// The year's figure includes an opening balance through this month.
    pub opening_through: Option<Month>,
    pub planned_start: Option<LedgerDate>,
    pub actual_start: Option<LedgerDate>,
    /// It has reported for the judged month (or an opening balance covers it).
    pub reported: bool,
}

impl WarningContext {
    pub(crate) async fn load<C: ConnectionTrait>(db: &C, today: chrono::NaiveDate) -> Result<WarningContext> {
        Ok(WarningContext { settings: load_settings(db).await?, judged: judged(db, today).await?, today })
    }

    /// The colour of a project with these figures for the judged month.
    pub(crate) fn evaluate(&self, f: &ProjectFacts) -> fengkou_domain::Warning {
        let month = self.judged.month;
        let started = f.actual_start.map(|d| Month::of(d.first_day()));
        // A project owes the judged month's report once it had started by then.
        let owes = expects_report(f.stage) && started.is_none_or(|s| s <= month) && !f.reported;
        evaluate(
            &WarningInput {
                stage: f.stage,
                annual_plan: Wan::from_yuan(f.plan),
                year_to_date: Wan::from_yuan(f.ytd),
                opening_through: f.opening_through.filter(|t| t.year == month.year),
                planned_start: f.planned_start,
                started,
                period: month,
                report_missing: self.judged.reports_due && owes,
            },
            &self.settings,
            self.today,
        )
    }

    /// The year whose plans and reports the judged month belongs to.
    pub(crate) fn year(&self) -> i32 {
        self.judged.month.year
    }
}

pub(crate) async fn load_settings<C: ConnectionTrait>(db: &C) -> Result<WarningSettings> {
    Ok(setting::Entity::find_by_id(SETTINGS_KEY.to_string())
        .one(db)
        .await?
        .and_then(|s| serde_json::from_str(&s.value).ok())
        .unwrap_or_default())
}

fn expects_report(stage: Stage) -> bool {
    stage.is_started() && stage < Stage::FullProduction
}

impl Warnings<'_> {
    pub async fn warning_settings(&self) -> Result<WarningSettings> {
        load_settings(&self.db).await
    }

    pub async fn save_warning_settings(&self, actor: &Actor, settings: WarningSettings) -> Result<()> {
        let permit = actor.permit(actor.can_administer(), "只有系统管理员可以修改预警阈值")?;
        settings.validate().map_err(|e| AppError::invalid("预警阈值", e.to_string()))?;
        let mut txn = self.write(permit).await?;
        let before = load_settings(&txn).await?;
        let value = serde_json::to_string(&settings).unwrap_or_default();
        match setting::Entity::find_by_id(SETTINGS_KEY.to_string()).one(&txn).await? {
            Some(s) => {
                let mut am = s.into_active_model();
                am.value = Set(value);
                am.update(&txn).await?;
            }
            None => {
                setting::ActiveModel { key: Set(SETTINGS_KEY.to_string()), value: Set(value) }.insert(&txn).await?;
            }
        }
        txn.record(Change {
            action: "update",
            entity: "settings",
            entity_id: None,
            project_id: None,
            before: json(&before),
            after: json(&settings),
        });
        txn.commit().await?;
        self.refresh_all_warnings().await?;
        Ok(())
    }

    /// Recomputes one project's colour inside the caller's transaction.
    pub(crate) async fn refresh_project_warning<C: ConnectionTrait>(&self, db: &C, project_id: i64) -> Result<()> {
        let today = self.today();
        let Some(p) = project::Entity::find_by_id(project_id).one(db).await? else {
            return Ok(());
        };
        let ctx = WarningContext::load(db, today).await?;
        let month = ctx.judged.month;
        let plan = annual_plan::Entity::find()
            .filter(annual_plan::Column::ProjectId.eq(project_id))
            .filter(annual_plan::Column::Year.eq(month.year))
            .one(db)
            .await?
            .map_or(0, |a| a.amount);
        let ytd = queries::year_to_date(db, month.year, month.month as i32, Some(&[project_id]))
            .await?
            .get(&project_id)
            .copied()
            .unwrap_or(0);
        let balance = opening_balance::Entity::find()
            .filter(opening_balance::Column::ProjectId.eq(project_id))
            .filter(opening_balance::Column::Year.eq(month.year))
            .one(db)
            .await?;
        let reported = balance.as_ref().is_some_and(|b| b.through_month >= month.month as i32)
            || report::Entity::find()
                .filter(report::Column::ProjectId.eq(project_id))
                .filter(report::Column::Year.eq(month.year))
                .filter(report::Column::Month.eq(month.month as i32))
                .one(db)
                .await?
                .is_some();
        let dates = dates_of(&p);
        let facts = ProjectFacts {
            stage: *p.stage,
            plan,
            ytd,
            opening_through: balance.and_then(|b| Month::new(b.year, b.through_month as u32)),
            planned_start: dates.planned_start,
            actual_start: dates.actual_start,
            reported,
        };
        store(db, &ctx, p.id, *p.warning_light, &p.warning_detail, &facts).await.map(|_| ())
    }

    /// Recomputes every project's colour. Set-based: the inputs come from a few
    /// aggregate queries; projects are walked in id order a batch at a time so that
    /// memory stays flat at any scale; only changed rows are written. Returns how many
    /// changed.
    pub async fn refresh_all_warnings(&self) -> Result<usize> {
        let today = self.today();
        let ctx = WarningContext::load(&self.db, today).await?;
        let (y, m) = (ctx.judged.month.year, ctx.judged.month.month as i32);
        let plans: HashMap<i64, i64> = annual_plan::Entity::find()
            .select_only()
            .columns([annual_plan::Column::ProjectId, annual_plan::Column::Amount])
            .filter(annual_plan::Column::Year.eq(y))
            .into_tuple::<(i64, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let ytd = queries::year_to_date(&self.db, y, m, None).await?;
        let balances: HashMap<i64, i32> = opening_balance::Entity::find()
            .select_only()
            .columns([opening_balance::Column::ProjectId, opening_balance::Column::ThroughMonth])
            .filter(opening_balance::Column::Year.eq(y))
            .into_tuple::<(i64, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let reported: HashSet<i64> = report::Entity::find()
            .select_only()
            .column(report::Column::ProjectId)
            .filter(report::Column::Year.eq(y))
            .filter(report::Column::Month.eq(m))
            .into_tuple::<i64>()
            .all(&self.db)
            .await?
            .into_iter()
            .chain(balances.iter().filter(|(_, through)| **through >= m).map(|(p, _)| *p))
            .collect();
        let mut changed = 0;
        let mut last_id = 0;
        loop {
            let batch = project::Entity::find()
                .select_only()
                .columns([
                    project::Column::Id,
                    project::Column::Stage,
                    project::Column::PlannedStart,
                    project::Column::PlannedStartPrecision,
                    project::Column::ActualStart,
                    project::Column::ActualStartPrecision,
                    project::Column::WarningLight,
                    project::Column::WarningDetail,
                ])
                .filter(project::Column::Id.gt(last_id))
                .order_by_asc(project::Column::Id)
                .limit(REFRESH_BATCH)
                .into_model::<WarningRow>()
                .all(&self.db)
                .await?;
            let Some(last) = batch.last() else { break };
            last_id = last.id;
            let mut txn = self.write(Permit::system("system")).await?;
            let mut changed_here = Vec::new();
            for p in &batch {
                let facts = ProjectFacts {
                    stage: *p.stage,
                    plan: plans.get(&p.id).copied().unwrap_or(0),
                    ytd: ytd.get(&p.id).copied().unwrap_or(0),
                    opening_through: balances.get(&p.id).and_then(|t| Month::new(y, *t as u32)),
                    planned_start: ledger_date(p.planned_start, p.planned_start_precision),
                    actual_start: ledger_date(p.actual_start, p.actual_start_precision),
                    reported: reported.contains(&p.id),
                };
                if store(&txn, &ctx, p.id, *p.warning_light, &p.warning_detail, &facts).await? {
                    changed_here.push(p.id);
                }
            }
            if changed_here.is_empty() {
                // Nothing moved in this batch: nothing to keep, nothing to record.
                txn.rollback().await?;
                continue;
            }
            changed += changed_here.len();
            // The colours are computed figures: the trail says which projects changed
            // colour and why they were recomputed (each project's own explanation is
            // on the project).
            txn.record(Change {
                action: "recompute",
                entity: "warning",
                entity_id: None,
                project_id: (changed_here.len() == 1).then(|| changed_here[0]),
                before: None,
                after: Some(serde_json::json!({ "changed": changed_here.len(), "projects": changed_here })),
            });
            txn.commit().await?;
        }
        // Each changed colour left two journal rows of `project_totals` on PostgreSQL.
        self.fold_totals().await?;
        Ok(changed)
    }
}

const REFRESH_BATCH: u64 = 2_000;

/// What the warning rules need of a project.
#[derive(Debug, FromQueryResult)]
struct WarningRow {
    id: i64,
    stage: Code<Stage>,
    planned_start: Option<chrono::NaiveDate>,
    planned_start_precision: Code<Precision>,
    actual_start: Option<chrono::NaiveDate>,
    actual_start_precision: Code<Precision>,
    warning_light: Code<Light>,
    warning_detail: String,
}

/// Evaluates and writes the colour when it differs from what is stored.
async fn store<C: ConnectionTrait>(
    db: &C,
    ctx: &WarningContext,
    id: i64,
    stored_light: Light,
    stored_detail: &str,
    facts: &ProjectFacts,
) -> Result<bool> {
    let warning = ctx.evaluate(facts);
    let light = warning.light.code();
    let detail = warning.explanation();
    if stored_light != warning.light || stored_detail != detail {
        project::Entity::update_many()
            .col_expr(project::Column::WarningLight, Expr::value(light))
            .col_expr(project::Column::WarningDetail, Expr::value(detail))
            .filter(project::Column::Id.eq(id))
            .exec(db)
            .await?;
        return Ok(true);
    }
    Ok(false)
}

crate::area!(
    /// The use cases of warning settings and colours: `app.warnings()`.
    Warnings,
    warnings
);
