//! The kept totals (`project_totals`, `plan_totals`, `month_totals`): the dashboard and
//! the comparison read them; triggers keep them in every write's transaction (storage
//! migration m010). Here: the check that recomputes them from the raw rows, the rebuild
//! (audited), and PostgreSQL's fold of journal rows, which the server runs now and then
//! and bulk writes run when they finish.

use crate::rows::Names;
use crate::{App, Result};
use fengkou_domain::{Light, Permit, Stage, Wan};
use fengkou_storage::queries::{self, TotalDrift};
use sea_orm::{AccessMode, ConnectionTrait, DbBackend, IsolationLevel, TransactionTrait};
use std::time::Duration;

impl App {
    /// Every kept total against the raw rows, in one snapshot: empty when they agree.
    pub async fn check_totals(&self) -> Result<Vec<TotalDrift>> {
        // SQLite reads one snapshot in any transaction (and warns if asked for a level).
        let txn = match self.db.get_database_backend() {
            DbBackend::Postgres => {
                self.db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
            }
            _ => self.db.begin().await?,
        };
        let drift = queries::kept_totals_drift(&txn).await?;
        txn.commit().await?;
        Ok(drift)
    }

    /// Each difference as an official reads it: the key by office, industry, stage,
    /// colour and month names, money in 万元, counts as counts.
    pub async fn drift_lines(&self, drift: &[TotalDrift]) -> Result<Vec<String>> {
        let names = Names::load(&self.db).await?;
        let key_part = |column: &str, value: &str| -> String {
            let id = || value.parse::<i64>().unwrap_or_default();
            match column {
                "office_id" => names.office(id()),
                "industry_id" => names.industry(id()),
                "stage" => Stage::from_code(value).map_or(format!("阶段“{value}”"), |s| s.label().to_string()),
                "warning_light" => Light::from_code(value).map_or("未评价".to_string(), |l| l.label().to_string()),
                "year" => format!("{value}年"),
                "month" => format!("{value}月"),
                "start_month" if value == "0" => "开工日期未知".to_string(),
                "start_month" => format!("{}年{}月开工", id() / 100, id() % 100),
                other => format!("{other}={value}"),
            }
        };
        let sum_label = |column: &str| -> (&'static str, bool) {
            match column {
                "projects" => ("项目数", false),
                "reports" => ("月报数", false),
                "investment" => ("总投资", true),
                "plan" => ("年度计划", true),
                "completed" => ("完成投资", true),
                "covered" => ("年初数已含的月报完成", true),
                "balance" => ("年初数", true),
                _ => ("数值", false),
            }
        };
        Ok(drift
            .iter()
            .map(|d| {
                let key = d.key.iter().map(|(k, v)| key_part(k, v)).collect::<Vec<_>>().join(" ");
                let sums = d
                    .sums
                    .iter()
                    .filter(|(_, kept, actual)| kept != actual)
                    .map(|(column, kept, actual)| {
                        let (label, money) = sum_label(column);
                        let show = |n: i64| if money { format!("{} 万元", Wan::from_yuan(n)) } else { n.to_string() };
                        format!("{label}记为 {}，按原始数据应为 {}", show(*kept), show(*actual))
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                format!("{}（{key}）：{sums}", d.table)
            })
            .collect())
    }

    /// Rewrites the kept totals from the raw rows, with an audit entry naming how many
    /// keys differed before. For a database edited by hand with the triggers off; the
    /// check says whether it is needed.
    pub async fn rebuild_totals(&self, permit: Permit) -> Result<usize> {
        // Alone: no write of the app's runs meanwhile, so the delete and the sums see
        // the same rows; and no fold in between.
        let mut w = self.write_alone(permit).await?;
        if w.get_database_backend() == DbBackend::Postgres {
            w.execute_unprepared("SELECT pg_advisory_xact_lock(7012)").await?;
        }
        let drift = queries::kept_totals_drift(&w).await?;
        queries::rebuild_kept_totals(&w).await?;
        w.record(crate::audit::Change {
            action: "rebuild",
            entity: "kept_totals",
            entity_id: None,
            project_id: None,
            before: Some(serde_json::json!({ "differences": drift.len() })),
            after: None,
        });
        w.commit().await?;
        Ok(drift.len())
    }

    /// Folds PostgreSQL's journal rows of the kept totals (nothing to do on SQLite).
    pub async fn fold_totals(&self) -> Result<i64> {
        Ok(queries::fold_totals(&self.writer).await?)
    }

    /// For the server: folds every few seconds, so that readers sum a few thousand rows
    /// whatever the rate of writes. A failed fold is logged and tried again later; the
    /// figures are right either way.
    pub fn keep_totals_folded(&self) {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return;
        }
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3));
            loop {
                tick.tick().await;
                if let Err(e) = app.fold_totals().await {
                    tracing::warn!("folding the kept totals failed: {e}");
                }
            }
        });
    }
}

/// The kept tables' names, as the check prints them.
pub fn kept_total_tables() -> Vec<&'static str> {
    queries::KEPT_TABLES.iter().map(|k| k.table).collect()
}
