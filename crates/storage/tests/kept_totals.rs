//! The kept totals (`project_totals`, `plan_totals`, `month_totals`, `start_totals`,
//! `cover_totals`) after random writes of every kind, in bulk and one by one, then
//! concurrently, on SQLite and (with FENGKOU_TEST_PG) PostgreSQL: the check finds no
//! difference from the raw rows, and the owed reports counted from the totals equal
//! the list read from the projects.

use fengkou_storage::queries::{self, stmt};
use fengkou_storage::{ConnectionTrait, Db, connect};
use fengkou_testkit::{Backend as TestBackend, test_database};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rstest::rstest;
use std::collections::BTreeMap;

const STAGES: [&str; 7] = ["planning", "negotiating", "signed", "started", "building", "producing", "full_production"];
const LIGHTS: [&str; 4] = ["red", "yellow", "green", ""];

async fn exec(db: &Db, sql: &str) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(stmt(db.get_database_backend(), sql, vec![])).await.map(|_| ())
}

/// Three offices, two industries, and `n` projects inserted in one statement (an
/// import's bulk insert).
async fn district(db: &Db, n: usize, rng: &mut StdRng) {
    for i in 1..=3 {
        exec(db, &format!("INSERT INTO offices (name, sort_order) VALUES ('办事处{i}', {i})")).await.unwrap();
    }
    for i in 1..=2 {
        exec(db, &format!("INSERT INTO industries (name, category, sort_order) VALUES ('行业{i}', '产业项目', {i})"))
            .await
            .unwrap();
    }
    let rows: Vec<String> = (0..n).map(|i| project_values(i, rng)).collect();
    exec(
        db,
        &format!(
            "INSERT INTO projects (name, office_id, industry_id, stage, total_investment, actual_start, warning_light, \
             created_at, updated_at) VALUES {}",
            rows.join(", ")
        ),
    )
    .await
    .unwrap();
}

fn start(rng: &mut StdRng) -> String {
    if rng.random_bool(0.2) {
        "NULL".into()
    } else {
        format!("'2026-{:02}-{:02}'", rng.random_range(1..=12), rng.random_range(1..=28))
    }
}

fn project_values(i: usize, rng: &mut StdRng) -> String {
    format!(
        "('项目{i}', {}, {}, '{}', {}, {}, '{}', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')",
        rng.random_range(1..=3),
        rng.random_range(1..=2),
        STAGES[rng.random_range(0..STAGES.len())],
        rng.random_range(0..1_000_000i64),
        start(rng),
        LIGHTS[rng.random_range(0..LIGHTS.len())],
    )
}

/// One random write of any kind the app does, as plain SQL (the triggers must keep
/// the totals whoever writes). Some fail on a unique key under concurrency; a failed
/// statement changes nothing.
async fn random_write(db: &Db, projects: i64, rng: &mut StdRng) -> Result<(), sea_orm::DbErr> {
    let p = rng.random_range(1..=projects);
    let (year, month) = (rng.random_range(2025..=2026), rng.random_range(1..=12));
    let sql = match rng.random_range(0..12) {
        0 => format!("UPDATE projects SET stage = '{}' WHERE id = {p}", STAGES[rng.random_range(0..STAGES.len())]),
        1 => format!("UPDATE projects SET office_id = {} WHERE id = {p}", rng.random_range(1..=3)),
        2 => format!(
            "UPDATE projects SET industry_id = {}, total_investment = {} WHERE id = {p}",
            rng.random_range(1..=2),
            rng.random_range(0..1_000_000)
        ),
        3 => format!(
            "UPDATE projects SET warning_light = '{}' WHERE id = {p}",
            LIGHTS[rng.random_range(0..LIGHTS.len())]
        ),
        4 => format!("UPDATE projects SET actual_start = {} WHERE id = {p}", start(rng)),
        5 | 6 => format!(
            "INSERT INTO reports (project_id, office_id, year, month, completed, progress, problems, help_needed, submitted_by, \
             submitted_at) VALUES ({p}, {}, {year}, {month}, {}, '', '', '', 't', '2026-01-01 00:00:00+00') \
             ON CONFLICT (project_id, year, month) DO UPDATE SET completed = excluded.completed, office_id = excluded.office_id",
            rng.random_range(1..=3),
            rng.random_range(0..100_000)
        ),
        7 => format!("DELETE FROM reports WHERE project_id = {p} AND year = {year} AND month = {month}"),
        8 => format!(
            "INSERT INTO opening_balances (project_id, year, through_month, amount, username, created_at) \
             VALUES ({p}, {year}, {month}, {}, 't', '2026-01-01 00:00:00+00') \
             ON CONFLICT (project_id, year) DO UPDATE SET through_month = excluded.through_month, amount = excluded.amount",
            rng.random_range(0..500_000)
        ),
        9 => format!("DELETE FROM opening_balances WHERE project_id = {p} AND year = {year}"),
        10 => format!(
            "INSERT INTO annual_plans (project_id, year, amount, completed) VALUES ({p}, {year}, {}, {}) \
             ON CONFLICT (project_id, year) DO UPDATE SET amount = excluded.amount, completed = excluded.completed",
            rng.random_range(0..900_000),
            rng.random_range(0..900_000)
        ),
        _ => format!("DELETE FROM annual_plans WHERE project_id = {p} AND year = {year}"),
    };
    exec(db, &sql).await
}

/// Every month's owed reports from the totals equal the list read from the projects.
async fn owed_reports_agree(db: &Db, backend: &str) {
    for (year, month) in [(2025, 12), (2026, 1), (2026, 6), (2026, 10), (2026, 12)] {
        let counted: BTreeMap<i64, i64> = queries::missing_report_counts(db, year, month)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.office_id, c.n))
            .collect();
        let mut listed: BTreeMap<i64, i64> = BTreeMap::new();
        for p in queries::missing_reports(db, year, month, None, 1_000_000).await.unwrap() {
            *listed.entry(p.office_id).or_default() += 1;
        }
        assert_eq!(counted, listed, "{backend}: owed reports for {year}-{month}");
    }
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_totals_match_the_rows_after_random_and_concurrent_writes(#[case] backend: TestBackend) {
    let Some(t) = test_database(backend).await else { return };
    let backend = t.backend;
    let db = connect(&t.url).await.unwrap();
    let mut rng = StdRng::seed_from_u64(13);
    let projects = 60;
    district(&db, projects, &mut rng).await;
    // A seed's bulk reports: one statement of many rows.
    let reports: Vec<String> = (1..=projects as i64)
        .flat_map(|p| (1..=4).map(move |m| (p, m)))
        .map(|(p, m)| {
            format!("({p}, {}, 2026, {m}, {}, '', '', '', 't', '2026-01-01 00:00:00+00')", p % 3 + 1, p * 100 + m)
        })
        .collect();
    exec(
        &db,
        &format!(
            "INSERT INTO reports (project_id, office_id, year, month, completed, progress, problems, help_needed, \
             submitted_by, submitted_at) VALUES {}",
            reports.join(", ")
        ),
    )
    .await
    .unwrap();
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{backend}: after the bulk inserts");

    for _ in 0..400 {
        random_write(&db, projects as i64, &mut rng).await.unwrap();
    }
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{backend}: after random writes");
    owed_reports_agree(&db, backend).await;

    // Folding PostgreSQL's journal changes no figure (and leaves one row per key).
    queries::fold_totals(&db).await.unwrap();
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{backend}: after folding");

    // Four writers at once, each in its own transactions, with folds among them;
    // two of them report the same office and month at once, one changes those
    // projects meanwhile.
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..4u64 {
        let db = db.clone();
        writers.spawn(async move {
            let mut rng = StdRng::seed_from_u64(100 + w);
            for i in 0..60 {
                if w < 2 {
                    // The same project-month rows for both: upserts that must both count.
                    let p = i % 5 + 1;
                    exec(
                        &db,
                        &format!(
                            "INSERT INTO reports (project_id, office_id, year, month, completed, progress, problems, \
                             help_needed, submitted_by, submitted_at) VALUES ({p}, 1, 2026, 11, {}, '', '', '', 't', \
                             '2026-01-01 00:00:00+00') ON CONFLICT (project_id, year, month) DO UPDATE SET completed = excluded.completed",
                            rng.random_range(0..1000)
                        ),
                    )
                    .await
                    .ok();
                } else {
                    // One writer on the same five projects (moving them between offices
                    // and stages while their reports are saved), one on all.
                    random_write(&db, if w == 2 { 5 } else { 60 }, &mut rng).await.ok();
                }
                if i % 20 == 0 {
                    queries::fold_totals(&db).await.unwrap();
                }
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{backend}: after concurrent writes");
    owed_reports_agree(&db, backend).await;
    // A rebuild from the rows agrees with what the triggers kept.
    queries::rebuild_kept_totals(&db).await.unwrap();
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{backend}: after a rebuild");
}

/// A total written by hand (the triggers bypassed) is found, named by table, key and
/// figure.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_check_names_a_total_changed_by_hand(#[case] backend: TestBackend) {
    let Some(t) = test_database(backend).await else { return };
    let backend = t.backend;
    let db = connect(&t.url).await.unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    district(&db, 3, &mut rng).await;
    exec(&db, "UPDATE project_totals SET investment = investment + 7 WHERE id = (SELECT MIN(id) FROM project_totals)")
        .await
        .unwrap();
    let drift = queries::kept_totals_drift(&db).await.unwrap();
    assert_eq!(drift.len(), 1, "{backend}: {drift:?}");
    let line = drift[0].to_string();
    assert!(line.starts_with("project_totals [office_id="), "{line}");
    assert!(line.contains("investment 记为"), "{line}");
    queries::rebuild_kept_totals(&db).await.unwrap();
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{backend}");
}
