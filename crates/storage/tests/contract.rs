//! The storage contract, run on SQLite and (with FENGKOU_TEST_PG) PostgreSQL: the same
//! schema, the same queries, the same answers.

use chrono::Utc;
use fengkou_domain::{Light, Stage};
use fengkou_storage::entity::{annual_plan, industry, office, opening_balance, project, report};
use fengkou_storage::queries::{self, ProjectFilter, ProjectSort};
use fengkou_storage::value::Code;
use fengkou_storage::{Backend, connect};
use fengkou_testkit::{Backend as TestBackend, test_database};
use rstest::rstest;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

fn project(name: &str, code: Option<&str>, office_id: i64, stage: &str, total: i64) -> project::ActiveModel {
    let now = Utc::now();
    project::ActiveModel {
        code: Set(code.map(str::to_string)),
        name: Set(name.to_string()),
        office_id: Set(office_id),
        industry_id: Set(1),
        stage: Set(Code(Stage::from_code(stage).expect("a stage code"))),
        location: Set(String::new()),
        content: Set(String::new()),
        leader: Set(String::new()),
        responsible_unit: Set(String::new()),
        owner_unit: Set(String::new()),
        total_investment: Set(total),
        planned_start: Set(None),
        planned_finish: Set(None),
        actual_start: Set(None),
        actual_finish: Set(None),
        warning_light: Set(Light::Green.into()),
        warning_detail: Set(String::new()),
        demo: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Offices 1 (湖北路) and 2 (天津路) and industry 1, which the projects refer to.
async fn offices_and_an_industry(db: &fengkou_storage::Db) {
    for name in ["湖北路办事处", "天津路办事处"] {
        office::ActiveModel { name: Set(name.into()), sort_order: Set(0), ..Default::default() }
            .insert(db)
            .await
            .unwrap();
    }
    let industry = industry::ActiveModel {
        name: Set("文旅".into()),
        category: Set("产业项目".into()),
        sort_order: Set(0),
        ..Default::default()
    };
    industry.insert(db).await.unwrap();
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn contract_holds_on_every_backend(#[case] backend: TestBackend) {
    let Some(t) = test_database(backend).await else { return };
    let db = connect(&t.url).await.unwrap();
    // Migrations are idempotent: a second start finds the schema current.
    drop(connect(&t.url).await.unwrap());
    offices_and_an_industry(&db).await;
    let a = project("卓阳兴业城", Some("XM-1"), 1, "building", 1_500_000_000).insert(&db).await.unwrap();
    let b = project("100%_达标项目", None, 1, "signed", 20_000).insert(&db).await.unwrap();
    let c = project("清洛基地", Some("XM-3"), 2, "building", 520_000_000).insert(&db).await.unwrap();
    // Codes are unique.
    assert!(project("重复编号", Some("XM-1"), 2, "signed", 1).insert(&db).await.is_err(), "{}", t.backend);

    for (p, amount, done) in [(a.id, 300_000_000i64, 120_000_000i64), (c.id, 80_000_000, 0)] {
        annual_plan::ActiveModel {
            project_id: Set(p),
            year: Set(2026),
            amount: Set(amount),
            completed: Set(done),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
    }
    report::ActiveModel {
        project_id: Set(a.id),
        office_id: Set(1),
        year: Set(2026),
        month: Set(10),
        completed: Set(120_000_000),
        progress: Set("主体施工".into()),
        problems: Set("用电增容".into()),
        help_needed: Set(String::new()),
        submitted_by: Set("t".into()),
        submitted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    // Every write keeps the totals, whoever writes (here: plain inserts, no use case).
    assert_eq!(queries::kept_totals_drift(&db).await.unwrap(), vec![], "{}", t.backend);

    // Filters, the permission boundary, LIKE wildcards taken literally, paging.
    let db = &db;
    let page = |f: ProjectFilter, sort| async move { queries::list_projects(db, &f, sort, 1, 2).await.unwrap() };
    let (rows, total) = page(ProjectFilter::default(), ProjectSort::TotalDesc).await;
    assert_eq!((total, rows.len()), (3, 2));
    assert_eq!(rows[0].name, "卓阳兴业城");
    let (_, total) = page(ProjectFilter { confined_office: Some(2), ..Default::default() }, ProjectSort::Newest).await;
    assert_eq!(total, 1);
    let (rows, total) =
        page(ProjectFilter { search: Some("%_".into()), ..Default::default() }, ProjectSort::Name).await;
    assert_eq!((total, rows[0].id), (1, b.id), "{}: % and _ must match literally", t.backend);
    let (_, total) = page(ProjectFilter { search: Some("基地".into()), ..Default::default() }, ProjectSort::Name).await;
    assert_eq!(total, 1);
    let (_, total) = page(ProjectFilter { search: Some("XM".into()), ..Default::default() }, ProjectSort::Name).await;
    assert_eq!(total, 2, "code search");
    let (_, total) = page(
        ProjectFilter { year: Some(2026), stage: Some("building".into()), ..Default::default() },
        ProjectSort::Newest,
    )
    .await;
    assert_eq!(total, 2);

    // Aggregates decode the same on both (PostgreSQL's SUM(bigint) is NUMERIC).
    let totals = queries::totals(db, None).await.unwrap();
    assert_eq!((totals.count, totals.total_investment), (3, 2_020_020_000));
    let plans = queries::plan_totals(db, None, 2026).await.unwrap();
    assert_eq!((plans.plan, plans.completed), (380_000_000, 120_000_000));
    let plans = queries::plan_totals(db, Some(2), 2026).await.unwrap();
    assert_eq!((plans.plan, plans.completed), (80_000_000, 0));
    let months = queries::completed_by_month(db, None, 2026).await.unwrap();
    assert_eq!((months[0].month, months[0].amount), (10, 120_000_000));
    let missing = queries::missing_report_counts(db, 2026, 10).await.unwrap();
    assert_eq!((missing.len(), missing[0].office_id, missing[0].n), (1, 2, 1));
    let problems = queries::latest_problem_reports(db, Some(1), 2026, 5).await.unwrap();
    assert_eq!(problems[0].problems, "用电增容");
    assert!(queries::latest_problem_reports(db, Some(2), 2026, 5).await.unwrap().is_empty());
    assert!(queries::latest_problem_reports(db, Some(1), 2025, 5).await.unwrap().is_empty(), "another year's");
    let figures = queries::year_figures(db, &[a.id, b.id], 2026).await.unwrap();
    assert_eq!(figures.len(), 1);
    assert_eq!(project::Entity::find().all(db).await.unwrap().len(), 3);

    // The ledger sorts stages along the pipeline and warnings red first, not by code.
    let (rows, _) = page(ProjectFilter::default(), ProjectSort::Stage).await;
    assert_eq!(rows[0].stage, Stage::Signed, "{}", t.backend);
    let mut red: project::ActiveModel = c.clone().into();
    red.warning_light = Set(Light::Red.into());
    red.update(db).await.unwrap();
    let (rows, _) = page(ProjectFilter::default(), ProjectSort::Warning).await;
    assert_eq!(rows[0].id, c.id, "{}", t.backend);

    // An opening balance (the year's completed investment through September, from
    // a ledger) stands for the months it covers; later reports add to it.
    report::ActiveModel {
        project_id: Set(a.id),
        office_id: Set(1),
        year: Set(2026),
        month: Set(9),
        completed: Set(50_000_000),
        progress: Set("covered".into()),
        problems: Set(String::new()),
        help_needed: Set(String::new()),
        submitted_by: Set("t".into()),
        submitted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    opening_balance::ActiveModel {
        project_id: Set(a.id),
        year: Set(2026),
        through_month: Set(9),
        amount: Set(100_000_000),
        username: Set("t".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let ytd = queries::year_to_date(db, 2026, 10, None).await.unwrap();
    assert_eq!(ytd.get(&a.id), Some(&220_000_000), "{}", t.backend);
    let ytd = queries::year_to_date(db, 2026, 8, Some(&[a.id])).await.unwrap();
    assert_eq!(ytd.get(&a.id), Some(&100_000_000), "the balance is the best figure known");
    let months = queries::completed_by_month(db, None, 2026).await.unwrap();
    let month = |m: i32| months.iter().find(|x| x.month == m).map_or(0, |x| x.amount);
    assert_eq!((month(9), month(10)), (100_000_000, 120_000_000), "{}", t.backend);
    let by_office = queries::office_completed_through(db, 2026, 10).await.unwrap();
    assert_eq!(by_office.get(&1), Some(&220_000_000));
    // A balance through October: c owes no October report any more.
    opening_balance::ActiveModel {
        project_id: Set(c.id),
        year: Set(2026),
        through_month: Set(10),
        amount: Set(1),
        username: Set("t".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert!(queries::missing_report_counts(db, 2026, 10).await.unwrap().is_empty(), "{}", t.backend);
    assert_eq!(queries::kept_totals_drift(db).await.unwrap(), vec![], "{}", t.backend);
    queries::rebuild_kept_totals(db).await.unwrap();
    assert_eq!(queries::kept_totals_drift(db).await.unwrap(), vec![], "{}: a rebuild agrees", t.backend);
}

#[test]
fn backends_are_chosen_by_url() {
    assert_eq!(Backend::of("sqlite://fengkou.db").unwrap(), Backend::Sqlite);
    assert_eq!(Backend::of("postgres://u@h/db").unwrap(), Backend::Postgres);
    let err = Backend::of("mysql://x").unwrap_err().to_string();
    assert!(err.contains("sqlite://") && err.contains("postgres://"), "{err}");
}

#[test]
fn placeholders_are_rewritten_for_postgres_only() {
    let pg = queries::stmt(sea_orm::DbBackend::Postgres, "a = ? AND b = ?", vec![1.into(), 2.into()]);
    assert_eq!(pg.sql, "a = $1 AND b = $2");
    let lite = queries::stmt(sea_orm::DbBackend::Sqlite, "a = ? AND b = ?", vec![1.into(), 2.into()]);
    assert_eq!(lite.sql, "a = ? AND b = ?");
}

/// Every reference is a foreign key: a row naming an office that does not exist is
/// refused by the database itself, on both backends.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_reference_to_a_missing_row_is_refused(#[case] backend: TestBackend) {
    let Some(t) = test_database(backend).await else { return };
    let db = connect(&t.url).await.unwrap();
    let err = project("无主项目", None, 999, "signed", 1).insert(&db).await.expect_err(t.backend);
    let text = err.to_string().to_lowercase();
    assert!(text.contains("foreign key"), "{}: {text}", t.backend);
}

/// A stored code the domain does not know is an error naming the table, the row and
/// the column, never a default.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn an_unknown_stored_code_is_an_error_naming_table_row_and_column(#[case] backend: TestBackend) {
    use sea_orm::ConnectionTrait;
    let Some(t) = test_database(backend).await else { return };
    let db = connect(&t.url).await.unwrap();
    offices_and_an_industry(&db).await;
    let p = project("手改过的项目", None, 1, "signed", 1).insert(&db).await.unwrap();
    db.execute_unprepared(&format!("UPDATE projects SET stage = 'kaigong' WHERE id = {}", p.id)).await.unwrap();
    let err = project::Entity::find_by_id(p.id).one(&db).await.expect_err(t.backend).to_string();
    for part in ["projects", &format!("id {}", p.id), "stage", "kaigong", "项目阶段"] {
        assert!(err.contains(part), "{}: {err} lacks {part}", t.backend);
    }
}

/// The migration that adds the foreign keys first lists the rows that would break
/// them, and changes nothing while any remain.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn orphans_are_listed_before_the_keys_are_added(#[case] backend: TestBackend) {
    use fengkou_storage::migration::m006_references::problems;
    use sea_orm::ConnectionTrait;
    let Some(t) = test_database(backend).await else { return };
    let db = connect(&t.url).await.unwrap();
    assert!(problems(&db).await.unwrap().is_empty(), "{}: a fresh database is clean", t.backend);
    // Break a row the way a hand edit or an old bug would, with the keys off.
    let sql = match Backend::of(&t.url).unwrap() {
        fengkou_storage::Backend::Sqlite => "PRAGMA foreign_keys = OFF; INSERT INTO reminders (year, month, office_id, project_id, note, sent_by, sent_at) VALUES (2026, 10, 77, NULL, '', 'x', '2026-11-01T00:00:00Z'); PRAGMA foreign_keys = ON;".to_string(),
        fengkou_storage::Backend::Postgres => "ALTER TABLE reminders DROP CONSTRAINT fk_reminders_office_id; INSERT INTO reminders (year, month, office_id, project_id, note, sent_by, sent_at) VALUES (2026, 10, 77, NULL, '', 'x', '2026-11-01T00:00:00Z')".to_string(),
    };
    let writer = fengkou_storage::connect_writer(&t.url, &db).await.unwrap();
    writer.execute_unprepared(&sql).await.unwrap();
    let found = problems(&db).await.unwrap();
    assert_eq!(found.len(), 1, "{}: {found:?}", t.backend);
    assert!(found[0].contains("reminders") && found[0].contains("office_id = 77"), "{}: {found:?}", t.backend);
}

/// A district that ran an earlier version keeps every row when the keys are added
/// (SQLite rebuilds its tables): ids, indexes and the counter of ids go on, the first
/// stage event's empty "from" becomes NULL, and the keys hold from then on.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn an_existing_database_keeps_its_rows_when_the_keys_arrive(#[case] backend: TestBackend) {
    use fengkou_storage::migration::Migrator;
    use fengkou_storage::value::Code;
    use sea_orm::ConnectionTrait;
    use sea_orm_migration::MigratorTrait;
    let Some(t) = test_database(backend).await else { return };
    let url = t.url.clone();
    let db = fengkou_storage::open_unmigrated(&url).await.unwrap();
    Migrator::up(&db, Some(5)).await.unwrap();
    for sql in [
        "INSERT INTO offices (name, sort_order) VALUES ('湖北路办事处', 0)",
        "INSERT INTO industries (name, category, sort_order) VALUES ('文旅', '产业项目', 0)",
        "INSERT INTO projects (code, name, office_id, industry_id, stage, location, content, leader, responsible_unit, owner_unit, total_investment, warning_light, warning_detail, demo, created_at, updated_at) VALUES (NULL, '老项目', 1, 1, 'building', '', '', '', '', '', 100, 'green', '', false, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        "INSERT INTO stage_events (project_id, from_stage, to_stage, on_date, reason, username, created_at) VALUES (1, '', 'building', NULL, '', 'cli', '2026-01-01T00:00:00Z')",
        "INSERT INTO stage_events (project_id, from_stage, to_stage, on_date, reason, username, created_at) VALUES (1, 'building', 'producing', NULL, '', 'cli', '2026-01-02T00:00:00Z')",
        "DELETE FROM stage_events WHERE id = 2",
    ] {
        db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{}: {sql}: {e}", t.backend));
    }
    drop(db);
    let db = connect(&url).await.unwrap();
    let p = project::Entity::find_by_id(1).one(&db).await.unwrap().expect("the project survives");
    assert_eq!((p.name.as_str(), *p.stage), ("老项目", Stage::Building), "{}", t.backend);
    let events = fengkou_storage::entity::stage_event::Entity::find().all(&db).await.unwrap();
    assert_eq!(events.len(), 1, "{}", t.backend);
    assert_eq!((events[0].from_stage, events[0].to_stage), (None, Code(Stage::Building)), "{}", t.backend);
    // The counter of ids goes on past the deleted event: ids are never reused.
    db.execute_unprepared("INSERT INTO stage_events (project_id, from_stage, to_stage, on_date, reason, username, created_at) VALUES (1, 'building', 'producing', NULL, '', 'cli', '2026-01-03T00:00:00Z')").await.unwrap();
    let newest =
        fengkou_storage::entity::stage_event::Entity::find().all(&db).await.unwrap().into_iter().map(|e| e.id).max();
    assert_eq!(newest, Some(3), "{}", t.backend);
    // The unique index on project codes came back with the table.
    assert!(project("重复", Some("X"), 1, "signed", 1).insert(&db).await.is_ok());
    assert!(project("重复", Some("X"), 1, "signed", 1).insert(&db).await.is_err(), "{}", t.backend);
    assert!(project("无主", None, 9, "signed", 1).insert(&db).await.is_err(), "{}", t.backend);
}

/// What a hand edit on SQLite leaves behind (keys off, text in a number column, a
/// month 13, a reference to a row that is gone) is listed by the start-up check, each by table, row and column; a fresh
/// database has nothing to list.
#[tokio::test]
async fn the_start_up_check_lists_what_a_hand_edit_broke() {
    use fengkou_storage::integrity::problems;
    use sea_orm::ConnectionTrait;
    let Some(t) = test_database(TestBackend::Sqlite).await else { return };
    let db = connect(&t.url).await.unwrap();
    offices_and_an_industry(&db).await;
    let p = project("手改过的项目", None, 1, "signed", 1).insert(&db).await.unwrap();
    assert!(problems(&db).await.unwrap().is_empty(), "a clean database has nothing to list");
    let writer = fengkou_storage::connect_writer(&t.url, &db).await.unwrap();
    let r = fengkou_storage::entity::report::ActiveModel {
        project_id: sea_orm::Set(p.id),
        office_id: sea_orm::Set(1),
        year: sea_orm::Set(2026),
        month: sea_orm::Set(10),
        completed: sea_orm::Set(5),
        progress: sea_orm::Set(String::new()),
        problems: sea_orm::Set(String::new()),
        help_needed: sea_orm::Set(String::new()),
        submitted_by: sea_orm::Set("x".into()),
        submitted_at: sea_orm::Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let damage = format!(
        "PRAGMA foreign_keys = OFF;
         UPDATE projects SET total_investment = 'abc', office_id = 99 WHERE id = {id};
         UPDATE reports SET month = 13, completed = -5 WHERE id = {report};
         PRAGMA foreign_keys = ON;",
        id = p.id,
        report = r.id
    );
    writer.execute_unprepared(&damage).await.unwrap();
    let found = problems(&db).await.unwrap().join("\n");
    for expected in [
        format!("表 projects 的 id {} 行：total_investment 列为“abc”，不是整数", p.id),
        format!("表 reports 的 id {} 行：month 为 13，不在 1 到 12 之间", r.id),
        format!("表 projects 的 id {} 行：office_id = 99，但 offices 中没有 id 99", p.id),
        format!("表 reports 的 id {} 行：completed 为 -5，为负数", r.id),
    ] {
        assert!(found.contains(&expected), "{found}\nlacks: {expected}");
    }
}
