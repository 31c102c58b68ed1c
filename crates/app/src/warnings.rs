//! Keeps every project's warning colour (红黄绿灯) current. The rules are in
//! `fengkou_domain::warning`; this module gathers their inputs, stores the colour and
//! its explanation on the project so that the ledger can filter by it, and recomputes
//! after every change that can move it (a report, a transition, an edit, a new period,
//! new thresholds) and once a day.

use crate::audit::{self, Change, json};
use crate::reports::latest_period;
use crate::{Actor, App, AppError, Result};
use fengkou_domain::warning::{WarningInput, evaluate};
use fengkou_domain::{Month, Stage, Wan, WarningSettings};
use fengkou_storage::entity::{annual_plan, project, report, setting};
use fengkou_storage::queries::stmt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

const SETTINGS_KEY: &str = "warning_settings";

/// The month being judged and whether its reports are due yet.
pub(crate) struct Judged {
    month: Month,
    reports_due: bool,
}

/// Everything the rules need besides the project itself, loaded once per pass.
pub(crate) struct WarningContext {
    pub settings: WarningSettings,
    pub judged: Judged,
    pub today: chrono::NaiveDate,
}

impl WarningContext {
    pub(crate) async fn load<C: ConnectionTrait>(db: &C, today: chrono::NaiveDate) -> Result<WarningContext> {
        Ok(WarningContext { settings: load_settings(db).await?, judged: judged_month(db, today).await?, today })
    }

    /// The colour of a project with these figures for the judged month.
    pub(crate) fn evaluate(
        &self,
        stage: Stage,
        plan: i64,
        ytd: i64,
        planned_start: Option<chrono::NaiveDate>,
        reported: bool,
    ) -> fengkou_domain::Warning {
        evaluate(
            &WarningInput {
                stage,
                annual_plan: Wan::from_yuan(plan),
                year_to_date: Wan::from_yuan(ytd),
                planned_start,
                period: self.judged.month,
                report_missing: self.judged.reports_due && expects_report(stage) && !reported,
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

async fn judged_month<C: ConnectionTrait>(db: &C, today: chrono::NaiveDate) -> Result<Judged> {
    Ok(match latest_period(db, today).await? {
        // Reports count as missing once the deadline has passed or the period is closed.
        Some(p) => Judged { month: p.month, reports_due: p.overdue || !p.open },
        None => Judged { month: Month::of(today).prev(), reports_due: false },
    })
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

#[derive(Debug, FromQueryResult)]
struct ProjectSum {
    project_id: i64,
    amount: i64,
}

impl App {
    pub async fn warning_settings(&self) -> Result<WarningSettings> {
        load_settings(&self.db).await
    }

    pub async fn save_warning_settings(&self, actor: &Actor, settings: WarningSettings) -> Result<()> {
        if !actor.can_administer() {
            return Err(AppError::forbidden("只有系统管理员可以修改预警阈值"));
        }
        settings.validate().map_err(|e| AppError::invalid("预警阈值", e.to_string()))?;
        let txn = self.writer.begin().await?;
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
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "update",
                entity: "settings",
                entity_id: None,
                project_id: None,
                before: json(&before),
                after: json(&settings),
            },
        )
        .await?;
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
        let judged = &ctx.judged;
        let plan = annual_plan::Entity::find()
            .filter(annual_plan::Column::ProjectId.eq(project_id))
            .filter(annual_plan::Column::Year.eq(judged.month.year))
            .one(db)
            .await?
            .map_or(0, |a| a.amount);
        let reports = report::Entity::find()
            .filter(report::Column::ProjectId.eq(project_id))
            .filter(report::Column::Year.eq(judged.month.year))
            .filter(report::Column::Month.lte(judged.month.month as i32))
            .all(db)
            .await?;
        let ytd: i64 = reports.iter().map(|r| r.completed).sum();
        let reported = reports.iter().any(|r| r.month == judged.month.month as i32);
        let row = WarningRow {
            id: p.id,
            stage: p.stage,
            planned_start: p.planned_start,
            warning_light: p.warning_light,
            warning_detail: p.warning_detail,
        };
        store(db, &ctx, &row, plan, ytd, reported).await.map(|_| ())
    }

    /// Recomputes every project's colour. Set-based: the inputs come from three
    /// aggregate queries; projects are walked in id order a batch at a time so that
    /// memory stays flat at any scale; only changed rows are written. Returns how many
    /// changed.
    pub async fn refresh_all_warnings(&self) -> Result<usize> {
        let today = self.today();
        let ctx = WarningContext::load(&self.db, today).await?;
        let backend = self.db.get_database_backend();
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
        let ytd: HashMap<i64, i64> = ProjectSum::find_by_statement(stmt(
            backend,
            "SELECT project_id, CAST(SUM(completed) AS BIGINT) AS amount FROM reports WHERE year = ? AND month <= ? GROUP BY project_id",
            vec![y.into(), m.into()],
        ))
        .all(&self.db)
        .await?
        .into_iter()
        .map(|s| (s.project_id, s.amount))
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
            let txn = self.writer.begin().await?;
            for p in &batch {
                let plan = plans.get(&p.id).copied().unwrap_or(0);
                let done = ytd.get(&p.id).copied().unwrap_or(0);
                if store(&txn, &ctx, p, plan, done, reported.contains(&p.id)).await? {
                    changed += 1;
                }
            }
            txn.commit().await?;
        }
        Ok(changed)
    }
}

const REFRESH_BATCH: u64 = 2_000;

/// What the warning rules need of a project.
#[derive(Debug, FromQueryResult)]
struct WarningRow {
    id: i64,
    stage: String,
    planned_start: Option<chrono::NaiveDate>,
    warning_light: String,
    warning_detail: String,
}

/// Evaluates and writes the colour when it differs from what is stored.
async fn store<C: ConnectionTrait>(
    db: &C,
    ctx: &WarningContext,
    p: &WarningRow,
    plan: i64,
    ytd: i64,
    reported: bool,
) -> Result<bool> {
    let stage = Stage::from_code(&p.stage).unwrap_or(Stage::Planning);
    let warning = ctx.evaluate(stage, plan, ytd, p.planned_start, reported);
    let light = warning.light.code();
    let detail = warning.explanation();
    if p.warning_light != light || p.warning_detail != detail {
        project::Entity::update_many()
            .col_expr(project::Column::WarningLight, Expr::value(light))
            .col_expr(project::Column::WarningDetail, Expr::value(detail))
            .filter(project::Column::Id.eq(p.id))
            .exec(db)
            .await?;
        return Ok(true);
    }
    Ok(false)
}
