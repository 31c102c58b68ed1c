//! One write: the context every change to the database goes through.
//!
//! [`App::write`] opens it with a [`Permit`] (the actor's permission, asked of
//! `fengkou_domain::role`; [`App::write_checking`] when the rule needs the rows the write
//! loads, and the use case then calls [`Write::permit`]); it holds the transaction, the instant
//! the write happens (the app's clock, so that tests pin it) and the audit entries the
//! use case records along the way. [`Write::commit`] inserts those entries and commits,
//! in the one transaction: a change and its audit entry land together or not at all,
//! and a write that recorded no entry is rolled back at commit, so that no use case
//! can change data without leaving a trace. kanidm's `proxy_write(..)` →
//! `commit()` is the model.
//!
//! The context is a [`ConnectionTrait`], so queries run on it as on a transaction
//! (`Entity::find().one(&w)`, `model.insert(&w)`).

use crate::audit::{self, Change, json};
use crate::{Actor, App, AppError, Result};
use chrono::{DateTime, Utc};
use fengkou_domain::Permit;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement, TransactionTrait,
};
use serde::Serialize;

/// Whether a write runs beside others or alone (see [`App::write_alone`]).
#[derive(Clone, Copy)]
enum Turn {
    Shared,
    Alone,
}

/// An audit entry waiting for the commit.
struct Pending {
    action: String,
    entity: String,
    entity_id: Option<i64>,
    project_id: Option<i64>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

/// A write in progress (see the module's overview).
pub struct Write {
    txn: DatabaseTransaction,
    who: String,
    /// Whether the write was allowed: at the open (a [`Permit`]) or, for a use case
    /// whose rule needs the rows it loads, by [`Write::permit`] once they are loaded.
    permitted: bool,
    now: DateTime<Utc>,
    entries: Vec<Pending>,
}

impl App {
    /// Opens a write under `permit` (the actor's permission, asked before): a
    /// transaction on the writer, the clock's instant, an empty list of entries.
    pub async fn write(&self, permit: Permit) -> Result<Write> {
        self.open_write(permit.who(), true, Turn::Shared).await
    }

    /// Opens a write that runs alone: a ledger import, which changes thousands of
    /// projects' rows, plans and balances. On PostgreSQL every other write holds a
    /// shared turn for its whole transaction; this one waits for them to finish and
    /// keeps new ones waiting until it commits. Without it an import and report
    /// submissions locked the same rows in opposite orders and one of them failed on
    /// a deadlock. (SQLite's one writer already runs writes one at a time.)
    pub async fn write_alone(&self, permit: Permit) -> Result<Write> {
        self.open_write(permit.who(), true, Turn::Alone).await
    }

    /// Opens a write for `actor` whose permission depends on rows the write loads (the
    /// project's office, the judge's sheet): the use case must call
    /// [`Write::permit`] before it commits, or the commit is refused.
    pub async fn write_checking(&self, actor: &Actor) -> Result<Write> {
        self.open_write(&actor.username, false, Turn::Shared).await
    }

    async fn open_write(&self, who: &str, permitted: bool, turn: Turn) -> Result<Write> {
        let txn = self.writer.begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // A transaction-scoped advisory lock, taken before any row: writes never
            // wait for each other on it, only for a write that runs alone.
            txn.execute_unprepared(match turn {
                Turn::Shared => "SELECT pg_advisory_xact_lock_shared(7013)",
                Turn::Alone => "SELECT pg_advisory_xact_lock(7013)",
            })
            .await?;
        }
        Ok(Write { txn, who: who.to_string(), permitted, now: self.now(), entries: Vec::new() })
    }
}

impl Write {
    /// The instant of this write: every row it stamps gets the same one.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Asks the rule once the rows it needs are loaded: `allowed`, or refused with
    /// `refusal` (the write is then dropped, uncommitted).
    pub fn permit(&mut self, allowed: bool, refusal: &str) -> Result<()> {
        if !allowed {
            return Err(AppError::forbidden(refusal));
        }
        self.permitted = true;
        Ok(())
    }

    /// Who is writing.
    pub fn who(&self) -> &str {
        &self.who
    }

    /// Records a change, written when the write commits.
    pub fn record(&mut self, change: Change<'_>) {
        self.entries.push(Pending {
            action: change.action.to_string(),
            entity: change.entity.to_string(),
            entity_id: change.entity_id,
            project_id: change.project_id,
            before: change.before,
            after: change.after,
        });
    }

    /// Records the creation of `row` (nothing before, the row after).
    pub fn created<T: Serialize>(&mut self, entity: &str, entity_id: i64, project_id: Option<i64>, row: &T) {
        self.record(Change {
            action: "create",
            entity,
            entity_id: Some(entity_id),
            project_id,
            before: None,
            after: json(row),
        });
    }

    /// Records an update of one row: the record before (taken before the change) and
    /// the row after.
    pub fn updated<T: Serialize>(
        &mut self,
        entity: &str,
        entity_id: i64,
        project_id: Option<i64>,
        before: Option<serde_json::Value>,
        after: &T,
    ) {
        self.record(Change {
            action: "update",
            entity,
            entity_id: Some(entity_id),
            project_id,
            before,
            after: json(after),
        });
    }

    /// Records the deletion of `row`: the row before, nothing after.
    pub fn deleted<T: Serialize>(&mut self, entity: &str, entity_id: i64, project_id: Option<i64>, row: &T) {
        self.record(Change {
            action: "delete",
            entity,
            entity_id: Some(entity_id),
            project_id,
            before: json(row),
            after: None,
        });
    }

    /// Throws the write away (a dry run, or a check that failed after some writes).
    pub async fn rollback(self) -> Result<()> {
        self.txn.rollback().await?;
        Ok(())
    }

    /// Writes the audit entries and commits. A write that recorded nothing is rolled
    /// back: what leaves no trace is not kept. That is how a use case that finds
    /// nothing to change (the same score sent twice, an unchanged form) ends, and it
    /// means a change whose entry was forgotten never reaches the database (the tests,
    /// which read back what they write, would see it missing).
    pub async fn commit(self) -> Result<()> {
        if self.entries.is_empty() {
            self.txn.rollback().await?;
            return Ok(());
        }
        if !self.permitted {
            self.txn.rollback().await?;
            tracing::error!("a write by {} without a permission check was rolled back", self.who);
            return Err(AppError::forbidden("这次修改未经权限检查，已撤销"));
        }
        for e in self.entries {
            audit::insert(
                &self.txn,
                &self.who,
                self.now,
                Change {
                    action: &e.action,
                    entity: &e.entity,
                    entity_id: e.entity_id,
                    project_id: e.project_id,
                    before: e.before,
                    after: e.after,
                },
            )
            .await?;
        }
        self.txn.commit().await?;
        Ok(())
    }
}

/// Queries run on the write's transaction.
#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for Write {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
