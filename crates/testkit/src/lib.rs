//! Test-only helpers: a fresh database per test on SQLite (a temporary file) and, when
//! `FENGKOU_TEST_PG` points at a server, on PostgreSQL (a new database per test,
//! dropped when the test's [`TestDb`] is); and, with the `app` feature, the app as every
//! test starts it ([`test_app`], the clock pinned to [`TEST_DAY`]) and served on a
//! random port ([`spawn_app`]).
//!
//! A test that must hold on both backends is two rstest cases, one per [`Backend`],
//! each with its own database from [`test_database`].

use rand::Rng;
use sea_orm::{ConnectionTrait, Database};

/// A database URL that lives as long as this value: the SQLite file is removed and the
/// PostgreSQL database dropped when it is.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// The server's admin URL and the database's name, to drop it.
    postgres: Option<(String, String)>,
}

pub fn fresh_sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    TestDb { url, backend: "sqlite", _dir: Some(dir), postgres: None }
}

/// A new, empty PostgreSQL database, or None when `FENGKOU_TEST_PG` is not set.
pub async fn fresh_postgres() -> Option<TestDb> {
    let admin_url = std::env::var("FENGKOU_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let name = format!("fk_test_{:016x}", rand::rng().random::<u64>());
    let admin = Database::connect(&admin_url).await.expect("FENGKOU_TEST_PG is set but the server cannot be reached");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
    admin.close().await.ok();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
    Some(TestDb { url: format!("{base}/{name}"), backend: "postgres", _dir: None, postgres: Some((admin_url, name)) })
}

impl Drop for TestDb {
    /// Drops the PostgreSQL database. `Drop` cannot await and may run inside the test's
    /// runtime, so the drop runs on its own thread with its own small runtime; `FORCE`
    /// ends the connections the test's pools still hold.
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else { return };
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await.map_err(|e| e.to_string())?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = dropped.map_err(|_| "the drop thread panicked".to_string()) {
            eprintln!("test database not dropped: {e}");
        }
    }
}

/// A backend a test runs on: each test that must hold on both is two cases,
/// `…::case_1_sqlite` and `…::case_2_postgres` (rstest), so a failure names its backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database on `backend`. PostgreSQL needs `FENGKOU_TEST_PG`: without it the
/// case is skipped with a note on a developer's machine, and fails under `CI`.
pub async fn test_database(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(fresh_sqlite()),
        Backend::Postgres => {
            let db = fresh_postgres().await;
            if db.is_none() {
                assert!(
                    std::env::var("CI").is_err(),
                    "CI must set FENGKOU_TEST_PG so that the PostgreSQL backend is tested"
                );
                eprintln!("skipped on PostgreSQL: FENGKOU_TEST_PG is not set");
            }
            db
        }
    }
}

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
pub use app::{TEST_DAY, test_app, test_app_on};
#[cfg(feature = "web")]
pub use app::{TestServer, serve, spawn_app};

#[cfg(test)]
mod tests {
    use super::*;

    /// A test's PostgreSQL database is gone when the test is: CI leaves no trail of
    /// `fk_test_*` databases behind.
    #[tokio::test]
    async fn a_postgres_test_database_is_dropped_with_its_handle() {
        let Some(db) = fresh_postgres().await else {
            assert!(std::env::var("CI").is_err(), "CI must set FENGKOU_TEST_PG");
            return;
        };
        let name = db.url.rsplit('/').next().unwrap().to_string();
        let admin_url = std::env::var("FENGKOU_TEST_PG").unwrap();
        let exists = |admin: sea_orm::DatabaseConnection, name: String| async move {
            let sql = format!("SELECT 1 FROM pg_database WHERE datname = '{name}'");
            let found = admin
                .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql))
                .await
                .unwrap()
                .is_some();
            admin.close().await.unwrap();
            found
        };
        // A pool still open on it, as a test's app would hold.
        let open = Database::connect(&db.url).await.unwrap();
        assert!(exists(Database::connect(&admin_url).await.unwrap(), name.clone()).await);
        drop(db);
        assert!(!exists(Database::connect(&admin_url).await.unwrap(), name).await);
        drop(open);
    }
}
