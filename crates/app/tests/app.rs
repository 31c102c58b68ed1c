//! Use-case tests against a real database: every test runs on SQLite and, when
//! FENGKOU_TEST_PG is set (CI sets it), on PostgreSQL.

use chrono::NaiveDate;
use fengkou_app::ledger::{ImportOptions, cli_actor};
use fengkou_app::meetings::MeetingError;
use fengkou_app::projects::{ListQuery, ProjectError};
use fengkou_app::reports::{ReportError, ReportInput};
use fengkou_app::{Actor, App, AppError};
use fengkou_domain::project::{ProjectHeader, TransitionError};
use fengkou_domain::warning::Light;
use fengkou_domain::{LedgerDate, Month, Role, Stage, Wan};
use fengkou_testkit::{Backend, test_database};
use rstest::rstest;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dry() -> ImportOptions {
    ImportOptions { dry_run: true, ..Default::default() }
}

fn write() -> ImportOptions {
    ImportOptions::default()
}

async fn app_on(url: &str) -> App {
    fengkou_testkit::test_app(url).await
}

async fn login(app: &App, name: &str, role: Role, office: Option<&str>) -> Actor {
    app.accounts().add_user(None, name, "", role, office, "password-123").await.unwrap();
    app.accounts().login(name, "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0
}

fn header(name: &str, office: &str) -> ProjectHeader {
    ProjectHeader {
        name: name.into(),
        office: office.into(),
        industry: "智能制造".into(),
        stage: Some(Stage::Signed),
        total_investment: Wan::from_wan(12_000),
        annual_plan: Wan::from_wan(1_200),
        planned_start: Some(LedgerDate::day(d("2026-03-01"))),
        ..Default::default()
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn project_lifecycle_on_every_backend(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let office = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let other = login(&app, "tj", Role::OfficeUser, Some("天津路办事处")).await;

    let id = app.projects().create_project(&xmb, &header("东旭氢能电机产业园", "湖北路办事处")).await.unwrap();
    // Planned start passed in March without a start: red by now.
    let row = app.projects().project_detail(&xmb, id).await.unwrap().row;
    assert_eq!(row.light, Light::Red, "{} ({})", row.warning_detail, db.backend);

    // Impossible transitions are refused with a reason, nothing changes.
    let err = app.projects().transition(&office, id, Stage::Producing, d("2026-04-01"), None, "").await.unwrap_err();
    assert!(
        matches!(err, AppError::Project(ProjectError::Transition(TransitionError::NotStarted(Stage::Producing)))),
        "{err}"
    );
    let err = app.projects().transition(&office, id, Stage::Started, d("2026-12-01"), None, "").await.unwrap_err();
    assert!(matches!(err, AppError::Project(ProjectError::Transition(TransitionError::FutureDate(_)))), "{err}");
    // Another office cannot touch it.
    assert!(matches!(
        app.projects().transition(&other, id, Stage::Started, d("2026-04-01"), None, "").await,
        Err(AppError::Forbidden(_))
    ));
    app.projects().transition(&office, id, Stage::Started, d("2026-04-01"), None, "").await.unwrap();
    let detail = app.projects().project_detail(&office, id).await.unwrap();
    assert_eq!(detail.row.stage, Stage::Started);
    assert_eq!(detail.row.actual_start, Some(LedgerDate::day(d("2026-04-01"))));
    assert_eq!(detail.stages.len(), 2);

    // Reports: period must be open; cumulative figures are derived.
    let input = |m: u32, wan: i64| ReportInput {
        month: Month::new(2026, m).unwrap(),
        completed: Wan::from_wan(wan),
        progress: "主体施工".into(),
        problems: String::new(),
        help_needed: String::new(),
        photos: vec![],
    };
    let err = app.reports().submit_report(&office, id, input(9, 100)).await.unwrap_err();
    assert!(matches!(err, AppError::Report(ReportError::PeriodNotOpen { .. })), "{err}");
    app.reports().open_period(&xmb, Month::new(2026, 9).unwrap(), d("2026-10-10")).await.unwrap();
    app.reports().open_period(&xmb, Month::new(2026, 10).unwrap(), d("2026-11-10")).await.unwrap();
    assert!(matches!(app.reports().submit_report(&other, id, input(10, 1)).await, Err(AppError::Forbidden(_))));
    app.reports().submit_report(&office, id, input(9, 300)).await.unwrap();
    app.reports().submit_report(&office, id, input(10, 200)).await.unwrap();
    // Resubmission replaces, not adds.
    app.reports().submit_report(&office, id, input(10, 250)).await.unwrap();
    let detail = app.projects().project_detail(&office, id).await.unwrap();
    assert_eq!(detail.reports.len(), 2);
    assert_eq!(detail.reports[0].year_to_date, Wan::from_wan(550));
    assert_eq!(detail.row.completed, Wan::from_wan(550));
    // October, started in April: 序时进度 over April–October 7/9 = 77.8%, done
    // 550/1200 = 45.8% → 31.9 points behind → red.
    assert_eq!(detail.row.light, Light::Red, "{}", detail.row.warning_detail);
    assert!(detail.row.warning_detail.contains("77.8%（4月开工，按4-10月计）"), "{}", detail.row.warning_detail);
    assert!(detail.row.warning_detail.contains("落后 31.9 个百分点"), "{}", detail.row.warning_detail);

    // Office users see only their own office.
    app.projects().create_project(&xmb, &header("天津路项目", "天津路办事处")).await.unwrap();
    let page = app.projects().list_projects(&office, &ListQuery { per_page: 50, ..Default::default() }).await.unwrap();
    assert_eq!(page.total, 1);
    assert!(matches!(app.projects().project_detail(&other, id).await, Err(AppError::Forbidden(_))));
    let all = app
        .projects()
        .list_projects(&xmb, &ListQuery { per_page: 50, search: Some("氢能".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.total, 1);
    let two_chars = app
        .projects()
        .list_projects(&xmb, &ListQuery { per_page: 50, search: Some("天津".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(two_chars.total, 1);

    let s = app.views().summary(&xmb, Some(2026)).await.unwrap();
    assert_eq!(s.count, 2);
    assert_eq!(s.total_investment, Wan::from_wan(24_000));
    assert_eq!(s.completed, Wan::from_wan(550));
    let missing = app.reports().missing_reports(&xmb, Month::new(2026, 10).unwrap()).await.unwrap();
    assert!(missing.is_empty(), "{missing:?}");

    let c = app.views().comparison(Some(2026)).await.unwrap();
    let hb = c.rows.iter().find(|r| r.office == "湖北路办事处").unwrap();
    assert_eq!((hb.projects, hb.new_started, hb.red), (1, 1, 1));

    let trail = app.audit().project_audit(&xmb, id).await.unwrap();
    assert!(trail.iter().any(|a| a.action == "transition"));
    assert!(trail.iter().filter(|a| a.entity_label == "月报").count() >= 3);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn import_is_all_or_nothing_and_reimport_updates(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let actor = cli_actor();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目名称", "办事处", "产业", "阶段", "总投资", "年度计划投资"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        ["甲项目", "湖北路办事处", "新材料", "在建", "5000", "1000"],
        ["乙项目", "火星办事处", "新材料", "签约", "3000", "500"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let bad = wb.save_to_buffer().unwrap();
    let dry = app.ledger().import_projects(&actor, bad.clone(), dry()).await.unwrap();
    assert_eq!(dry.problems.len(), 1);
    assert_eq!(
        dry.problems[0].to_string(),
        "第3行 所在办事处：未知的办事处“火星办事处”（可勾选“新建台账中未登记的办事处和产业类别”，或先由管理员添加）"
    );
    let err = app.ledger().import_projects(&actor, bad.clone(), write()).await.unwrap_err();
    assert!(matches!(err, AppError::ImportRejected(_)));
    assert_eq!(app.views().summary(&actor, None).await.unwrap().count, 0, "nothing written ({})", db.backend);

    // Fixed file imports; a second import updates the same projects.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目名称", "办事处", "产业", "阶段", "总投资", "年度计划投资"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "甲项目").unwrap();
    ws.write_string(1, 1, "湖北路办事处").unwrap();
    ws.write_string(1, 2, "新材料").unwrap();
    ws.write_string(1, 3, "在建").unwrap();
    ws.write_number(1, 4, 5000.0).unwrap();
    ws.write_number(1, 5, 1000.0).unwrap();
    let good = wb.save_to_buffer().unwrap();
    let first = app.ledger().import_projects(&actor, good.clone(), write()).await.unwrap();
    assert_eq!((first.created, first.updated), (1, 0));
    let again = app.ledger().import_projects(&actor, good.clone(), write()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 1));

    // Export → import round trip changes nothing.
    let exported =
        app.ledger().export_projects(&actor, &ListQuery { year: Some(2026), ..Default::default() }).await.unwrap();
    let round = app.ledger().import_projects(&actor, exported.clone(), write()).await.unwrap();
    assert_eq!((round.created, round.updated, round.unchanged), (0, 0, 1), "{round:?}");
    let s = app.views().summary(&actor, Some(2026)).await.unwrap();
    assert_eq!((s.count, s.annual_plan), (1, Wan::from_wan(1000)));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn demo_district_loads_once(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    assert!(app.seed_demo().await.unwrap());
    assert!(!app.seed_demo().await.unwrap());
    let leader =
        app.accounts().login("leader", "fengkou-leader", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    let dash = app.views().dashboard(&leader, None).await.unwrap();
    assert!(dash.summary.count >= 100, "{}", dash.summary.count);
    assert!(dash.warnings.iter().any(|(l, n)| *l == Light::Red && *n > 0));
    assert!(dash.summary.completed > Wan::ZERO);
    let c = app.views().comparison(None).await.unwrap();
    assert!(c.rows.len() >= 8);
    assert!(c.best.is_some() && c.worst.is_some());
    let batches = app.batches().list(&cli_actor()).await.unwrap();
    assert!(batches.len() >= 3, "a batch per past quarter");
    assert!(batches.iter().all(|b| b.lists.iter().map(|l| l.projects.len()).sum::<usize>() > 0));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn campaign_batches_count_kept_promises(#[case] backend: Backend) {
    use fengkou_domain::campaign::BatchList;
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let office = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let a = app.projects().create_project(&xmb, &header("甲", "湖北路办事处")).await.unwrap();
    let b = app.projects().create_project(&xmb, &header("乙", "天津路办事处")).await.unwrap();
    assert!(matches!(app.batches().create_batch(&office, 1, d("2026-10-01")).await, Err(AppError::Forbidden(_))));
    let batch = app.batches().create_batch(&xmb, 1, d("2026-10-01")).await.unwrap();
    assert!(app.batches().create_batch(&xmb, 1, d("2026-10-02")).await.is_err(), "第1期 exists");
    app.batches().add_to_batch(&xmb, batch, a, BatchList::Sign).await.unwrap();
    app.batches().add_to_batch(&xmb, batch, b, BatchList::Sign).await.unwrap();
    assert!(app.batches().add_to_batch(&xmb, batch, b, BatchList::Sign).await.is_err(), "no duplicates");
    app.projects().transition(&xmb, a, Stage::Started, d("2026-10-15"), None, "").await.unwrap();
    let views = app.batches().list(&cli_actor()).await.unwrap();
    let sign = &views[0].lists[0];
    assert_eq!((sign.projects.len(), sign.conversion.kept), (2, 1));
    assert_eq!(sign.percent, Some(50.0));
    assert_eq!(sign.investment, Wan::from_wan(24_000));
    // An office user sees the same figures, and only its own office's names.
    let seen = &app.batches().list(&office).await.unwrap()[0].lists[0];
    assert_eq!((seen.planned, seen.hidden, seen.percent), (2, 1, Some(50.0)), "{}", db.backend);
    assert_eq!(seen.projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["甲"]);
    let items = app.batches().batch_items(batch).await.unwrap();
    app.batches().remove_from_batch(&xmb, items[0].id).await.unwrap();
    assert_eq!(app.batches().list(&cli_actor()).await.unwrap()[0].lists[0].projects.len(), 1);
    let choices = app.batches().project_choices(None).await.unwrap();
    assert!(choices.iter().any(|label| label == "甲（湖北路办事处）"));
    assert_eq!(app.batches().project_by_name("甲（湖北路办事处）", None).await.unwrap(), a);
    assert_eq!(app.batches().project_by_name("乙", None).await.unwrap(), b);
    assert!(app.batches().project_by_name("丙", None).await.unwrap_err().to_string().contains("没有名称含“丙”"));
    assert_eq!(views[0].name, "2026年第四季度 第1期“三个一批”");
    assert_eq!((sign.achieved, sign.achieved_investment), (1, Wan::from_wan(12_000)));
}

#[path = "app/meetings.rs"]
mod meetings;

#[path = "app/ledgers.rs"]
mod ledgers;

#[path = "app/periods.rs"]
mod periods;

#[path = "app/releases.rs"]
mod releases;

#[path = "app/accounts.rs"]
mod accounts;

#[path = "app/writes.rs"]
mod writes;

#[path = "app/enterprises.rs"]
mod enterprises;

#[path = "app/credit.rs"]
mod credit;
