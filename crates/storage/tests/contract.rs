//! The storage contract, run on SQLite and (with FENGKOU_TEST_PG) PostgreSQL: the same
//! schema, the same queries, the same answers.

use chrono::Utc;
use fengkou_storage::entity::{annual_plan, office, opening_balance, project, report};
use fengkou_storage::queries::{self, ProjectFilter, ProjectSort};
use fengkou_storage::{Backend, connect};
use fengkou_testkit::test_databases;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

fn project(name: &str, code: Option<&str>, office_id: i64, stage: &str, total: i64) -> project::ActiveModel {
    let now = Utc::now();
    project::ActiveModel {
        code: Set(code.map(str::to_string)),
        name: Set(name.to_string()),
        office_id: Set(office_id),
        industry_id: Set(1),
        stage: Set(stage.to_string()),
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
        warning_light: Set("green".into()),
        warning_detail: Set(String::new()),
        demo: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

#[tokio::test]
async fn contract_holds_on_every_backend() {
    for t in test_databases().await {
        let db = connect(&t.url).await.unwrap();
        // Migrations are idempotent: a second start finds the schema current.
        drop(connect(&t.url).await.unwrap());
        for name in ["湖北路办事处", "天津路办事处"] {
            office::ActiveModel { name: Set(name.into()), sort_order: Set(0), ..Default::default() }
                .insert(&db)
                .await
                .unwrap();
        }
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
        // Every report write keeps the office-month totals.
        assert_eq!(queries::report_total_drift(&db).await.unwrap(), 1, "{}: a report not yet counted", t.backend);
        queries::refresh_report_total(&db, 2026, 10, 1).await.unwrap();
        assert_eq!(queries::report_total_drift(&db).await.unwrap(), 0, "{}", t.backend);

        // Filters, the permission boundary, LIKE wildcards taken literally, paging.
        let db = &db;
        let page = |f: ProjectFilter, sort| async move { queries::list_projects(db, &f, sort, 1, 2).await.unwrap() };
        let (rows, total) = page(ProjectFilter::default(), ProjectSort::TotalDesc).await;
        assert_eq!((total, rows.len()), (3, 2));
        assert_eq!(rows[0].name, "卓阳兴业城");
        let (_, total) =
            page(ProjectFilter { confined_office: Some(2), ..Default::default() }, ProjectSort::Newest).await;
        assert_eq!(total, 1);
        let (rows, total) =
            page(ProjectFilter { search: Some("%_".into()), ..Default::default() }, ProjectSort::Name).await;
        assert_eq!((total, rows[0].id), (1, b.id), "{}: % and _ must match literally", t.backend);
        let (_, total) =
            page(ProjectFilter { search: Some("基地".into()), ..Default::default() }, ProjectSort::Name).await;
        assert_eq!(total, 1);
        let (_, total) =
            page(ProjectFilter { search: Some("XM".into()), ..Default::default() }, ProjectSort::Name).await;
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
        assert_eq!(rows[0].stage, "signed", "{}", t.backend);
        let mut red: project::ActiveModel = c.clone().into();
        red.warning_light = Set("red".into());
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
        queries::refresh_report_total(db, 2026, 9, 1).await.unwrap();
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
        assert_eq!(queries::report_total_drift(db).await.unwrap(), 0, "{}", t.backend);
        queries::rebuild_report_totals(db).await.unwrap();
        assert_eq!(queries::report_total_drift(db).await.unwrap(), 0, "{}: a rebuild agrees", t.backend);
    }
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
