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

/// Rows written by one import or seed above which PostgreSQL's planner statistics are
/// refreshed before it reports success.
pub const BULK_ROWS: usize = 2_000;

/// After a bulk write on PostgreSQL: ANALYZE of the tables it touched, so that the next
/// page is planned on the data just loaded rather than on what autovacuum last saw
/// (minutes later; until then a province's ledger and dashboard take 2-4× longer).
/// SQLite plans from its indexes' shape and needs none. `tables` are the code's own
/// names, never a user's text.
pub async fn refresh_statistics<C: ConnectionTrait>(db: &C, tables: &[&str]) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres || tables.is_empty() {
        return Ok(());
    }
    assert!(
        tables.iter().all(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')),
        "table names are identifiers"
    );
    db.execute_unprepared(&format!("ANALYZE {}", tables.join(", "))).await?;
    Ok(())
}

/// How fresh the planner's statistics of `tables` are, one line each, as a benchmark
/// prints them: on PostgreSQL when each was last analysed (by hand or by autovacuum) and
/// how many rows changed since; on SQLite whether `ANALYZE` has ever run (its planner
/// otherwise works from the indexes' shape alone).
pub async fn statistics_state<C: ConnectionTrait>(db: &C, tables: &[&str]) -> Result<Vec<String>, DbErr> {
    #[derive(FromQueryResult)]
    struct Pg {
        relname: String,
        rows: i64,
        analysed: Option<String>,
        auto: Option<String>,
        changed: i64,
    }
    #[derive(FromQueryResult)]
    struct Lite {
        n: i64,
    }
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        let names: Vec<Value> = tables.iter().map(|t| Value::from(t.to_string())).collect();
        let marks = vec!["?"; names.len()].join(", ");
        let sql = format!(
            "SELECT relname::text AS relname, n_live_tup AS rows, \
             to_char(last_analyze, 'YYYY-MM-DD HH24:MI:SS') AS analysed, \
             to_char(last_autoanalyze, 'YYYY-MM-DD HH24:MI:SS') AS auto, n_mod_since_analyze AS changed \
             FROM pg_stat_user_tables WHERE relname IN ({marks}) ORDER BY relname"
        );
        let rows = Pg::find_by_statement(stmt(backend, &sql, names)).all(db).await?;
        return Ok(rows
            .into_iter()
            .map(|r| {
                let when = match (r.analysed, r.auto) {
                    (Some(a), Some(b)) => format!("analysed {} (auto {b})", a.max(b.clone())),
                    (Some(a), None) => format!("analysed {a}"),
                    (None, Some(b)) => format!("auto-analysed {b}"),
                    (None, None) => "NEVER analysed".to_string(),
                };
                format!("{}: ~{} rows, {when}, {} rows changed since", r.relname, r.rows, r.changed)
            })
            .collect());
    }
    let stat1 = Lite::find_by_statement(stmt(
        backend,
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
        vec![],
    ))
    .one(db)
    .await?
    .map_or(0, |r| r.n);
    Ok(vec![if stat1 > 0 {
        "SQLite: ANALYZE has run (sqlite_stat1 present)".to_string()
    } else {
        "SQLite: no ANALYZE statistics (the planner uses the indexes' shape)".to_string()
    }])
}
