//! Figures kept in step with the rows by the transaction that writes them, and the
//! locks that make concurrent writes on PostgreSQL take turns.
//!
//! The kept totals (`project_totals`, `plan_totals`, `month_totals`) are maintained by
//! triggers (migration m010 says why and how); here is what they must hold (each
//! table's figures from the raw rows), the check that compares them
//! ([`kept_totals_drift`], `fengkou check totals`), the rebuild, and the fold of
//! PostgreSQL's journal rows. Readers always sum by key, so they read the same on both
//! backends, folded or not.

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

/// One kept table: where it lives, its key columns and its summed columns. The
/// migration that creates them (m010) and every reader take the names from here.
#[derive(Debug)]
pub struct KeptTable {
    pub table: &'static str,
    pub keys: &'static [&'static str],
    pub sums: &'static [&'static str],
    /// The figures from the raw rows, as `keys…, sums…` (not yet grouped by key):
    /// what the table must hold.
    actual: fn(DbBackend) -> String,
}

/// A project's start as a number `YYYYMM` (0 when unknown), so that "started by the
/// end of month M" is `start_month <= M`. `p` is the project (a row alias, OLD or NEW).
pub fn start_month(backend: DbBackend, p: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("COALESCE(CAST(to_char({p}.actual_start, 'YYYYMM') AS INTEGER), 0)"),
        _ => format!("COALESCE(CAST(strftime('%Y%m', {p}.actual_start) AS INTEGER), 0)"),
    }
}

/// The twelve months as rows (`m.column1`): both databases name a VALUES list's
/// column so, and SQLite allows no WITH in a trigger.
pub const MONTH_NUMBERS: &str = "(VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12))";

/// Projects and their total investment per office × industry × stage × colour.
pub const PROJECT_TOTALS: KeptTable = KeptTable {
    table: "project_totals",
    keys: &["office_id", "industry_id", "stage", "warning_light"],
    sums: &["projects", "investment"],
    actual: |_| {
        "SELECT office_id, industry_id, stage, warning_light, 1 AS projects, total_investment AS investment FROM projects"
            .into()
    },
};

/// The annual plans (amount, the plan's completed figure) per year × the project's office.
pub const PLAN_TOTALS: KeptTable = KeptTable {
    table: "plan_totals",
    keys: &["year", "office_id"],
    sums: &["plan", "completed"],
    actual: |_| {
        "SELECT a.year AS year, p.office_id AS office_id, a.amount AS plan, a.completed AS completed \
         FROM annual_plans a, projects p WHERE p.id = a.project_id"
            .into()
    },
};

/// Per year × month × the project's office, industry and stage now (a project moved to
/// another office takes its figures along, like its plan): the reports, the part an
/// opening balance covers, and the balances at the month they run through.
pub const MONTH_TOTALS: KeptTable = KeptTable {
    table: "month_totals",
    keys: &["year", "month", "office_id", "industry_id", "stage"],
    sums: &["completed", "reports", "covered", "balance"],
    actual: |_| {
        "SELECT r.year AS year, r.month AS month, p.office_id AS office_id, p.industry_id AS industry_id, p.stage AS stage, \
         r.completed AS completed, 1 AS reports, \
         CASE WHEN b.id IS NULL THEN 0 ELSE r.completed END AS covered, 0 AS balance \
         FROM reports r JOIN projects p ON p.id = r.project_id \
         LEFT JOIN opening_balances b ON b.project_id = r.project_id AND b.year = r.year AND b.through_month >= r.month \
         UNION ALL \
         SELECT b.year, b.through_month, p.office_id, p.industry_id, p.stage, 0, 0, 0, b.amount \
         FROM opening_balances b JOIN projects p ON p.id = b.project_id"
            .into()
    },
};

/// Projects per office × stage × the month they started (`start_month`): how many
/// were under way by a month's end, the first half of who owes a report.
pub const START_TOTALS: KeptTable = KeptTable {
    table: "start_totals",
    keys: &["office_id", "stage", "start_month"],
    sums: &["projects"],
    actual: |b| {
        format!("SELECT p.office_id, p.stage, {} AS start_month, 1 AS projects FROM projects p", start_month(b, "p"))
    },
};

/// Per year × month × the project's office, stage and start month: the projects with
/// that month accounted for, by a report or by an opening balance running through it
/// (each project once). Who owes a report for a month is the projects under way by
/// its end less these.
pub const COVER_TOTALS: KeptTable = KeptTable {
    table: "cover_totals",
    keys: &["year", "month", "office_id", "stage", "start_month"],
    sums: &["projects"],
    actual: |b| {
        format!(
            "SELECT c.year AS year, c.month AS month, p.office_id AS office_id, p.stage AS stage, {} AS start_month, 1 AS projects \
             FROM (SELECT project_id, year, month FROM reports UNION \
                   SELECT b.project_id, b.year, m.column1 FROM opening_balances b, {MONTH_NUMBERS} m WHERE m.column1 <= b.through_month) c \
             JOIN projects p ON p.id = c.project_id",
            start_month(b, "p")
        )
    },
};

pub const KEPT_TABLES: [&KeptTable; 5] = [&PROJECT_TOTALS, &PLAN_TOTALS, &MONTH_TOTALS, &START_TOTALS, &COVER_TOTALS];

impl KeptTable {
    fn key_list(&self) -> String {
        self.keys.join(", ")
    }

    /// Keys as text and sums as BIGINT, grouped by key, of `source` (the table or the
    /// raw rows); keys whose sums are all zero left out (a folded-away key and a key
    /// never written read the same).
    fn grouped(&self, source: &str) -> String {
        let keys = self.keys.iter().map(|k| format!("CAST({k} AS TEXT) AS {k}")).collect::<Vec<_>>().join(", ");
        let sums = self.sums.iter().map(|s| format!("CAST(SUM({s}) AS BIGINT) AS {s}")).collect::<Vec<_>>().join(", ");
        let nonzero = self.sums.iter().map(|s| format!("SUM({s}) <> 0")).collect::<Vec<_>>().join(" OR ");
        format!("SELECT {keys}, {sums} FROM ({source}) t GROUP BY {} HAVING {nonzero}", self.key_list())
    }

    fn columns(&self) -> String {
        self.keys.iter().chain(self.sums).copied().collect::<Vec<_>>().join(", ")
    }
}

/// Where a kept total and the raw rows disagree: the table, the key (column = value),
/// and each sum as kept and as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalDrift {
    pub table: &'static str,
    pub key: Vec<(&'static str, String)>,
    pub sums: Vec<(&'static str, i64, i64)>,
}

impl std::fmt::Display for TotalDrift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self.key.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        let sums = self
            .sums
            .iter()
            .filter(|(_, kept, actual)| kept != actual)
            .map(|(s, kept, actual)| format!("{s} 记为 {kept}，应为 {actual}"))
            .collect::<Vec<_>>()
            .join("；");
        write!(f, "{} [{key}]：{sums}", self.table)
    }
}

async fn read_grouped<C: ConnectionTrait>(
    db: &C,
    kept: &KeptTable,
    source: &str,
) -> Result<std::collections::BTreeMap<Vec<String>, Vec<i64>>, DbErr> {
    let rows = db.query_all_raw(stmt(db.get_database_backend(), &kept.grouped(source), vec![])).await?;
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        let mut key = Vec::with_capacity(kept.keys.len());
        for i in 0..kept.keys.len() {
            key.push(row.try_get_by_index::<String>(i)?);
        }
        let mut sums = Vec::with_capacity(kept.sums.len());
        for i in 0..kept.sums.len() {
            sums.push(row.try_get_by_index::<i64>(kept.keys.len() + i)?);
        }
        out.insert(key, sums);
    }
    Ok(out)
}

/// Every kept total recomputed from the raw rows and compared: nothing, if every write
/// kept them (`fengkou check totals`; the tests after random and concurrent writes).
/// Run it in one snapshot (a repeatable-read transaction on PostgreSQL) while others
/// write, or a write committed between the two reads shows as a difference.
pub async fn kept_totals_drift<C: ConnectionTrait>(db: &C) -> Result<Vec<TotalDrift>, DbErr> {
    let mut drift = Vec::new();
    for kept in KEPT_TABLES {
        let stored = read_grouped(db, kept, &format!("SELECT * FROM {}", kept.table)).await?;
        let actual = read_grouped(db, kept, &(kept.actual)(db.get_database_backend())).await?;
        let zero = vec![0; kept.sums.len()];
        let keys: std::collections::BTreeSet<&Vec<String>> = stored.keys().chain(actual.keys()).collect();
        for key in keys {
            let s = stored.get(key).unwrap_or(&zero);
            let a = actual.get(key).unwrap_or(&zero);
            if s != a {
                drift.push(TotalDrift {
                    table: kept.table,
                    key: kept.keys.iter().copied().zip(key.iter().cloned()).collect(),
                    sums: kept
                        .sums
                        .iter()
                        .copied()
                        .zip(s.iter().copied())
                        .zip(a.iter().copied())
                        .map(|((n, s), a)| (n, s, a))
                        .collect(),
                });
            }
        }
    }
    Ok(drift)
}

/// Rewrites every kept total from the raw rows (the migration that creates them, and
/// `fengkou check totals --rebuild`). On PostgreSQL run it in a repeatable-read
/// transaction: the delete and the sums then see one snapshot, so a write committed
/// meanwhile keeps exactly its own journal rows.
pub async fn rebuild_kept_totals<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    for kept in KEPT_TABLES {
        db.execute_unprepared(&format!("DELETE FROM {}", kept.table)).await?;
        let sums = kept.sums.iter().map(|s| format!("SUM({s})")).collect::<Vec<_>>().join(", ");
        db.execute_unprepared(&format!(
            "INSERT INTO {} ({}) SELECT {}, {sums} FROM ({}) t GROUP BY {}",
            kept.table,
            kept.columns(),
            kept.key_list(),
            (kept.actual)(db.get_database_backend()),
            kept.key_list()
        ))
        .await?;
    }
    Ok(())
}

/// Journal rows folded at once above which the kept tables are compacted.
const FOLDED_BEFORE_COMPACTING: i64 = 5_000;

/// On PostgreSQL, folds each key's journal rows into one (rows summing to nothing
/// vanish), so that readers sum a few thousand rows however many writes came before.
/// The readers' figures are the same before and after; folding only keeps them fast.
/// One fold at a time (an advisory lock; a second returns at once). After a large fold
/// the kept tables are compacted. SQLite's triggers add into one row per key and need
/// none. Returns the journal rows folded.
pub async fn fold_totals(db: &sea_orm::DatabaseConnection) -> Result<i64, DbErr> {
    use sea_orm::TransactionTrait;
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let txn = db.begin().await?;
    #[derive(FromQueryResult)]
    struct Got {
        got: bool,
    }
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let got =
        Got::find_by_statement(stmt(DbBackend::Postgres, "SELECT pg_try_advisory_xact_lock(7012) AS got", vec![]))
            .one(&txn)
            .await?
            .is_some_and(|g| g.got);
    if !got {
        return Ok(0);
    }
    let mut folded = 0;
    for kept in KEPT_TABLES {
        let keys = kept.key_list();
        let sums = kept.sums.iter().map(|s| format!("SUM({s})")).collect::<Vec<_>>().join(", ");
        let nonzero = kept.sums.iter().map(|s| format!("SUM({s}) <> 0")).collect::<Vec<_>>().join(" OR ");
        let sql = format!(
            "WITH gone AS (DELETE FROM {t} WHERE ({keys}) IN (SELECT {keys} FROM {t} GROUP BY {keys} HAVING COUNT(*) > 1) \
             RETURNING {cols}), \
             folded AS (INSERT INTO {t} ({cols}) SELECT {keys}, {sums} FROM gone GROUP BY {keys} HAVING {nonzero} RETURNING 1) \
             SELECT COUNT(*) AS n FROM gone",
            t = kept.table,
            cols = kept.columns(),
        );
        folded += Count::find_by_statement(stmt(DbBackend::Postgres, &sql, vec![])).one(&txn).await?.map_or(0, |c| c.n);
    }
    txn.commit().await?;
    if folded > FOLDED_BEFORE_COMPACTING {
        compact_totals(db).await?;
    }
    Ok(folded)
}

/// After a bulk write (a seed's million reports, a colour pass over 100,000 projects)
/// the kept tables hold a few thousand live rows in pages grown for the journal (50 MB
/// for 840 rows), and every reader scans them all. `VACUUM FULL` rewrites each at its
/// live size (a few milliseconds), keeping rows' visibility (MVCC-safe, unlike
/// TRUNCATE). It needs the table to itself: waiting at most 200 ms for readers and
/// writers to let go, and otherwise left for the next bulk fold, so that a page view
/// never waits behind it for long.
async fn compact_totals(db: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    let pool = db.get_postgres_connection_pool();
    let mut conn = pool.acquire().await.map_err(|e| DbErr::Custom(e.to_string()))?;
    let run = |sql: String| sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(sql));
    run("SET lock_timeout = '200ms'".into()).execute(&mut *conn).await.map_err(|e| DbErr::Custom(e.to_string()))?;
    for kept in KEPT_TABLES {
        if let Err(e) = run(format!("VACUUM (FULL, ANALYZE) {}", kept.table)).execute(&mut *conn).await {
            tracing::info!("kept totals: {} not compacted now ({e})", kept.table);
        }
    }
    run("RESET lock_timeout".into()).execute(&mut *conn).await.map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(())
}

/// Rows written by one import or seed above which PostgreSQL's planner statistics are
/// refreshed before it reports success.
pub const BULK_ROWS: usize = 2_000;

/// After a bulk write on PostgreSQL: VACUUM ANALYZE of the tables it touched, so that the next
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
    // VACUUM as well: index-only scans (the ledger search's count) read the table
    // again for every page the visibility map does not yet mark, and a bulk write
    // leaves all its pages unmarked until autovacuum. Not in a transaction: run it on
    // the pool after the write committed.
    db.execute_unprepared(&format!("VACUUM (ANALYZE) {}", tables.join(", "))).await?;
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
