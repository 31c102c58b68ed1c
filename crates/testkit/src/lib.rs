//! Test-only helpers: a fresh database per test on SQLite (a temporary file) and, when
//! `FENGKOU_TEST_PG` points at a server, on PostgreSQL (a new database per test).
//!
//! Tests that must run on both backends loop over [`test_databases`].

use rand::Rng;
use sea_orm::{ConnectionTrait, Database};

/// A database URL that lives as long as this value (the SQLite file is removed on drop;
/// PostgreSQL databases are left for the server to be reset, named `fk_test_*`).
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

pub fn fresh_sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    TestDb { url, backend: "sqlite", _dir: Some(dir) }
}

/// A new, empty PostgreSQL database, or None when `FENGKOU_TEST_PG` is not set.
pub async fn fresh_postgres() -> Option<TestDb> {
    let admin_url = std::env::var("FENGKOU_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let name = format!("fk_test_{:016x}", rand::rng().random::<u64>());
    let admin = Database::connect(&admin_url).await.expect("FENGKOU_TEST_PG is set but the server cannot be reached");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
    admin.close().await.ok();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
    Some(TestDb { url: format!("{base}/{name}"), backend: "postgres", _dir: None })
}

/// SQLite always; PostgreSQL too when `FENGKOU_TEST_PG` is set. CI sets it, so both run.
pub async fn test_databases() -> Vec<TestDb> {
    let mut out = vec![fresh_sqlite()];
    if let Some(pg) = fresh_postgres().await {
        out.push(pg);
    } else if std::env::var("CI").is_ok() {
        panic!("CI must set FENGKOU_TEST_PG so that the PostgreSQL backend is tested");
    }
    out
}
