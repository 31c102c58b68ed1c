//! Figures kept in step with the reports by the transaction that writes them:
//! `report_totals` (completed investment per office and month, which the dashboard and
//! the comparison read instead of a million reports) and the row lock that makes
//! concurrent report writes on PostgreSQL take turns.

use super::stmt;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Value};

/// On PostgreSQL, locks a project's row until the transaction ends, so that
/// read-then-write sequences on its figures run one at a time. SQLite's single
/// writer connection already runs them one at a time.
pub async fn lock_project<C: ConnectionTrait>(db: &C, project_id: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        db.execute_raw(stmt(backend, "SELECT id FROM projects WHERE id = ? FOR UPDATE", vec![project_id.into()]))
            .await?;
    }
    Ok(())
}

/// On PostgreSQL, locks a firm's row until the transaction ends: two edits of its
/// figures, tiers or registry fields saved at once take turns (the second sees the
/// first's value instead of inserting beside it or writing over it).
pub async fn lock_enterprise<C: ConnectionTrait>(db: &C, enterprise_id: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        db.execute_raw(stmt(backend, "SELECT id FROM enterprises WHERE id = ? FOR UPDATE", vec![enterprise_id.into()]))
            .await?;
    }
    Ok(())
}

/// On PostgreSQL, one transaction at a time rewrites the ladder's stored verdicts and
/// creates firms from sheets (a transaction-scoped advisory lock): two imports at once
/// would otherwise both insert the same firm's verdicts, or the same new firm.
pub async fn lock_ladder<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        db.execute_raw(stmt(backend, "SELECT pg_advisory_xact_lock(7011)", vec![])).await?;
    }
    Ok(())
}

/// Brings one office-month of `report_totals` up to date with its reports; called in
/// the transaction that wrote a report, after the write. On PostgreSQL the row is
/// locked first and the sum taken in a later statement, so two reports saved at once
/// for the same office and month both count: the second waits for the first to
/// commit, then sums what it committed. (SQLite's single writer serializes them.)
pub async fn refresh_report_total<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
    office_id: i64,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let key = || -> Vec<Value> { vec![year.into(), month.into(), office_id.into()] };
    db.execute_raw(stmt(
        backend,
        "INSERT INTO report_totals (year, month, office_id, completed, reports) VALUES (?, ?, ?, 0, 0) \
         ON CONFLICT (year, month, office_id) DO NOTHING",
        key(),
    ))
    .await?;
    if backend == DbBackend::Postgres {
        db.execute_raw(stmt(
            backend,
            "SELECT id FROM report_totals WHERE year = ? AND month = ? AND office_id = ? FOR UPDATE",
            key(),
        ))
        .await?;
    }
    let mut values = key();
    values.extend(key());
    values.extend(key());
    db.execute_raw(stmt(
        backend,
        "UPDATE report_totals SET \
         completed = (SELECT COALESCE(SUM(completed), 0) FROM reports WHERE year = ? AND month = ? AND office_id = ?), \
         reports = (SELECT COUNT(*) FROM reports WHERE year = ? AND month = ? AND office_id = ?) \
         WHERE year = ? AND month = ? AND office_id = ?",
        values,
    ))
    .await?;
    Ok(())
}

/// Recomputes all of `report_totals` from the reports: after a bulk load (the demo,
/// `bench seed`) and when the table is created.
pub async fn rebuild_report_totals<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared("DELETE FROM report_totals").await?;
    db.execute_unprepared(
        "INSERT INTO report_totals (year, month, office_id, completed, reports) \
         SELECT year, month, office_id, SUM(completed), COUNT(*) FROM reports GROUP BY year, month, office_id",
    )
    .await?;
    Ok(())
}

/// Office-months where `report_totals` disagrees with the reports: none, if every
/// write kept it (the tests check this after concurrent writes).
pub async fn report_total_drift<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Drift {
        n: i64,
    }
    let sql = "SELECT COUNT(*) AS n FROM ( \
               SELECT r.year, r.month, r.office_id, SUM(r.completed) AS completed, COUNT(*) AS reports FROM reports r \
               GROUP BY r.year, r.month, r.office_id) s \
               FULL OUTER JOIN report_totals t ON t.year = s.year AND t.month = s.month AND t.office_id = s.office_id \
               WHERE (s.year IS NULL AND t.reports <> 0) OR t.year IS NULL \
               OR t.completed <> s.completed OR t.reports <> s.reports";
    let row = Drift::find_by_statement(stmt(db.get_database_backend(), sql, vec![])).one(db).await?;
    Ok(row.map_or(0, |d| d.n))
}
