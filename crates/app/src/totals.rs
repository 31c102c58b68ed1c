//! The kept totals (`project_totals`, `plan_totals`, `month_totals`): the dashboard and
//! the comparison read them; triggers keep them in every write's transaction (storage
//! migration m010). Here: the check that recomputes them from the raw rows, the rebuild
//! (audited), and PostgreSQL's fold of journal rows, which the server runs now and then
//! and bulk writes run when they finish.

use crate::{App, Result};
use fengkou_domain::Permit;
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

    /// Rewrites the kept totals from the raw rows, with an audit entry naming how many
    /// keys differed before. For a database edited by hand with the triggers off; the
    /// check says whether it is needed.
    pub async fn rebuild_totals(&self, permit: Permit) -> Result<usize> {
        let mut w = self.write(permit).await?;
        if w.get_database_backend() == DbBackend::Postgres {
            // One snapshot for the delete and the sums (a write committed meanwhile keeps
            // its own journal rows), and no fold in between.
            w.execute_unprepared("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").await?;
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
