//! fengkou's database layer.
//!
//! One code path for SQLite (the embedded default) and PostgreSQL, chosen by the URL:
//! `sqlite://fengkou.db` or `postgres://user@host/db`. [`connect`] opens the pool and
//! runs the embedded [`migration::Migrator`] (one file per migration); [`entity`] holds
//! one sea-orm entity per table, one file each; [`value`] the column types that make a
//! row read typed (`Code<T>` for a stored code, `Exact` for a decimal), failing loudly
//! on a value they cannot read; [`queries`] holds the aggregate queries (ledger page, summaries, comparisons)
//! that are written once with sea-query and run unchanged on both backends.
//!
//! [`integrity`] lists what a hand edit broke (orphans, unknown codes, text in a
//! number column), checked at every start.
//!
//! Money columns are integer yuan (`i64`); the domain's `Wan` converts at the edge.

pub mod entity;
pub mod integrity;
pub mod migration;
pub mod queries;
pub mod value;

/// The last day of a month (queries bind it as a date).
pub fn month_last_day(year: i32, month: i32) -> chrono::NaiveDate {
    let first = chrono::NaiveDate::from_ymd_opt(year, month.clamp(1, 12) as u32, 1).unwrap_or_default();
    first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}

pub use sea_orm::{ConnectionTrait, DatabaseConnection as Db, DatabaseTransaction as Tx, DbErr, TransactionTrait};

use sea_orm::{ConnectOptions, Database};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("不支持的数据库地址“{0}”：请使用 sqlite://文件名 或 postgres://用户@主机/库名")]
    UnsupportedUrl(String),
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

/// Which backend a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Result<Backend, StorageError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StorageError::UnsupportedUrl(url.to_string()))
        }
    }
}

/// Opens the database, creating an SQLite file when missing, and brings the schema up
/// to date.
pub async fn connect(url: &str) -> Result<Db, StorageError> {
    let db = open(url, None).await?;
    migration::Migrator::up(&db, None).await?;
    Ok(db)
}

/// Opens the database without bringing the schema up to date: for tests that start
/// from an earlier schema, and for tools that only read.
pub async fn open_unmigrated(url: &str) -> Result<Db, StorageError> {
    open(url, None).await
}

/// The pool that write transactions use. SQLite has one writer at a time, and a
/// transaction that reads before it writes fails at once with SQLITE_BUSY (it cannot
/// wait without risking deadlock) when another connection holds the write lock. So on
/// SQLite write transactions share a single connection and queue for it; PostgreSQL
/// needs no such thing and gets the ordinary pool. Call after [`connect`].
pub async fn connect_writer(url: &str, pool: &Db) -> Result<Db, StorageError> {
    match Backend::of(url)? {
        Backend::Sqlite => open(url, Some(1)).await,
        Backend::Postgres => Ok(pool.clone()),
    }
}

async fn open(url: &str, max_connections: Option<u32>) -> Result<Db, StorageError> {
    let backend = Backend::of(url)?;
    let url = match backend {
        // sqlx only creates a missing file with mode=rwc.
        Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        }
        _ => url.to_string(),
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections.unwrap_or(if backend == Backend::Sqlite { 8 } else { 16 }))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if backend == Backend::Sqlite {
        // Page cache per connection (SQLite's default is 2 MB). The writer gets 32 MB:
        // a 100,000-row import touches fourteen project indexes, and with the default
        // it re-read the same pages from the file thousands of times. Readers get 8 MB.
        // Pages are allocated as used, so small districts pay nothing.
        let kib = if max_connections == Some(1) { "-32768" } else { "-8192" };
        options.map_sqlx_sqlite_opts(move |o| o.pragma("cache_size", kib));
    }
    let db = Database::connect(options).await?;
    if backend == Backend::Sqlite {
        // WAL lets readers work while a report is being written.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Ok(db)
}
