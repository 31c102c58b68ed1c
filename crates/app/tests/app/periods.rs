//! Periods and warnings that judge fairly, and stages a slip cannot corrupt, on every
//! backend.

use super::*;

fn report(m: u32, wan: i64) -> ReportInput {
    ReportInput {
        month: Month::new(2026, m).unwrap(),
        completed: Wan::from_wan(wan),
        progress: "主体施工".into(),
        problems: String::new(),
        help_needed: String::new(),
        photos: vec![],
    }
}

fn started(name: &str, office: &str, start: &str) -> ProjectHeader {
    ProjectHeader {
        stage: Some(Stage::Building),
        actual_start: Some(LedgerDate::day(d(start))),
        ..header(name, office)
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn opening_a_new_period_changes_no_colour_and_overdue_reports_stay_listed(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = fengkou_testkit::test_app_on(&db.url, d("2026-11-30")).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let a = app.projects().create_project(&xmb, &started("甲项目", "湖北路办事处", "2026-01-10")).await.unwrap();
    let b = app.projects().create_project(&xmb, &started("乙项目", "湖北路办事处", "2026-01-10")).await.unwrap();
    for m in 9..=10 {
        app.reports()
            .open_period(&xmb, Month::new(2026, m).unwrap(), d(&format!("2026-{:02}-10", m + 1)))
            .await
            .unwrap();
    }
    for m in 1..=10 {
        // Periods January–August were kept elsewhere; A reports every month.
        if m >= 9 {
            app.reports().submit_report(&hb, a, report(m, 100)).await.unwrap();
        }
    }
    app.reports().submit_report(&hb, b, report(10, 100)).await.unwrap();
    let before =
        app.projects().list_projects(&xmb, &ListQuery { per_page: 10, ..Default::default() }).await.unwrap().rows;
    let dash = app.views().dashboard(&xmb, None).await.unwrap();
    assert_eq!(dash.period.as_deref(), Some("2026年10月"));

    // November opens on 30 November: nobody could report yet, nobody is judged on it.
    app.reports().open_period(&xmb, Month::new(2026, 11).unwrap(), d("2026-12-10")).await.unwrap();
    let after =
        app.projects().list_projects(&xmb, &ListQuery { per_page: 10, ..Default::default() }).await.unwrap().rows;
    let colours = |rows: &[fengkou_app::projects::ProjectRow]| {
        rows.iter().map(|r| (r.id, r.light, r.warning_detail.clone())).collect::<Vec<_>>()
    };
    assert_eq!(colours(&before), colours(&after), "{}", db.backend);
    let dash = app.views().dashboard(&xmb, None).await.unwrap();
    assert_eq!((dash.period.as_deref(), dash.through_month), (Some("2026年10月"), 10));
    assert!(dash.basis.contains("按2026年10月评价"), "{}", dash.basis);
    let bytes = app.ledger().export_projects(&xmb, &ListQuery::default()).await.unwrap();
    let parsed = fengkou_office::ledger::read_ledger(&bytes).unwrap();
    assert_eq!(parsed.completed_through, Some(10), "the export's 1-N月 follows the judged period");

    // B missed September; its deadline passed, so it stays listed until filed.
    let overdue = app.reports().overdue_reports(&xmb).await.unwrap();
    let sept: Vec<_> = overdue.iter().filter(|o| o.month == Month::new(2026, 9).unwrap()).collect();
    assert_eq!(sept.len(), 1, "{overdue:?}");
    assert_eq!(sept[0].offices[0].projects, [(b, "乙项目".to_string())]);
    // 催报: the project office reminds the office; the office sees it until filed.
    assert!(matches!(
        app.reports().send_reminder(&hb, Month::new(2026, 9).unwrap(), sept[0].offices[0].office_id, None, "").await,
        Err(AppError::Forbidden(_))
    ));
    let office = sept[0].offices[0].office_id;
    app.reports().send_reminder(&xmb, Month::new(2026, 9).unwrap(), office, None, "请于12月1日前补报").await.unwrap();
    app.reports().send_reminder(&xmb, Month::new(2026, 9).unwrap(), office, Some(b), "").await.unwrap();
    let notices = app.reports().reminder_notices(&hb).await.unwrap();
    assert_eq!((notices.len(), notices[0].times, notices[0].owing), (1, 2, 1), "{notices:?}");
    assert!(app.reports().reminder_notices(&xmb).await.unwrap().is_empty(), "only for the office's users");
    let err = app.reports().send_reminder(&xmb, Month::new(2026, 10).unwrap(), office, None, "").await.unwrap_err();
    assert!(matches!(err, AppError::Report(ReportError::NothingToChase { .. })), "{err}");
    app.reports().submit_report(&hb, b, report(9, 80)).await.unwrap();
    assert!(app.reports().reminder_notices(&hb).await.unwrap().is_empty(), "filed: the notice goes");
    assert!(app.reports().overdue_reports(&xmb).await.unwrap().iter().all(|o| o.month != Month::new(2026, 9).unwrap()));
    let admin = login(&app, "admin", Role::Admin, None).await;
    let filter = fengkou_app::audit::AuditFilter { action: Some("remind".into()), ..Default::default() };
    let (trail, _) = app.audit().audit_log(&admin, &filter, 1).await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].action_label, "催报");
}

#[tokio::test]
async fn the_dashboard_year_filter_applies_to_everything_on_the_page() {
    let db = fengkou_testkit::fresh_sqlite();
    let app = app_on(&db.url).await;
    assert!(app.seed_demo().await.unwrap());
    let leader =
        app.accounts().login("leader", "fengkou-leader", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    let now = app.views().dashboard(&leader, None).await.unwrap();
    assert!(now.current && now.summary.count >= 100);
    assert!(!now.latest_problems.is_empty());
    // 2025: the projects in that year's plan (the demo has none), no colours, no
    // problems from 2026's reports, and the page says what it shows.
    let then = app.views().dashboard(&leader, Some(2025)).await.unwrap();
    assert!(!then.current);
    assert_eq!(then.summary.count, 0);
    assert_eq!(then.warnings.iter().map(|w| w.1).sum::<i64>(), 0);
    assert!(then.latest_problems.is_empty(), "2026's problems are not 2025's");
    assert!(then.basis.starts_with("2025年计划内项目在年末的状态"), "{}", then.basis);
    assert_eq!(then.period.as_deref(), Some("2025年12月"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn stages_need_their_start_and_an_offices_step_back_is_a_request(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let id = app.projects().create_project(&xmb, &header("甲项目", "湖北路办事处")).await.unwrap();
    // 签约 → 建设 without a start: refused; with it, the 开工 step is recorded too.
    let err = app.projects().transition(&hb, id, Stage::Building, d("2026-05-01"), None, "").await.unwrap_err();
    assert!(err.to_string().contains("须填写实际开工日期"), "{err}");
    let outcome = app.projects().transition(&hb, id, Stage::Building, d("2026-05-01"), Some(d("2026-04-01")), "").await;
    assert_eq!(outcome.unwrap(), fengkou_app::projects::TransitionOutcome::Done);
    let detail = app.projects().project_detail(&hb, id).await.unwrap();
    let steps: Vec<(&str, Option<NaiveDate>)> = detail.stages.iter().map(|e| (e.to.as_str(), e.on_date)).collect();
    assert_eq!(steps[1..], [("开工", Some(d("2026-04-01"))), ("建设", Some(d("2026-05-01")))]);
    assert_eq!(detail.row.actual_start, Some(LedgerDate::day(d("2026-04-01"))));

    // An office user steps back: a request; nothing changes until it is decided.
    let outcome =
        app.projects().transition(&hb, id, Stage::Planning, d("2026-11-20"), None, "项目终止谈判").await.unwrap();
    assert_eq!(outcome, fengkou_app::projects::TransitionOutcome::Requested);
    let detail = app.projects().project_detail(&hb, id).await.unwrap();
    assert_eq!(detail.row.stage, Stage::Building);
    let request = detail.pending_request.expect("a pending request");
    assert_eq!((request.from, request.to), ("建设", "谋划"));
    assert!(
        app.projects().transition(&hb, id, Stage::Signed, d("2026-11-20"), None, "x").await.is_err(),
        "one at a time"
    );
    assert!(matches!(
        app.projects().decide_stage_request(&hb, request.id, true, "同意").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(app.projects().decide_stage_request(&xmb, request.id, false, " ").await.is_err(), "a reason is needed");
    app.projects().decide_stage_request(&xmb, request.id, false, "仍在建设，不予退回").await.unwrap();
    assert_eq!(app.projects().project_detail(&hb, id).await.unwrap().row.stage, Stage::Building);
    // Asked again and approved: the step is made, with both reasons.
    app.projects().transition(&hb, id, Stage::Planning, d("2026-11-20"), None, "项目终止，重新谋划").await.unwrap();
    let request = app.projects().project_detail(&hb, id).await.unwrap().pending_request.unwrap();
    app.projects().decide_stage_request(&xmb, request.id, true, "同意退回").await.unwrap();
    let detail = app.projects().project_detail(&hb, id).await.unwrap();
    assert_eq!((detail.row.stage, detail.row.actual_start), (Stage::Planning, None));
    assert!(detail.stages.last().unwrap().reason.contains("hb申请，xmb批准：同意退回"));
    assert!(app.projects().decide_stage_request(&xmb, request.id, true, "再批").await.is_err(), "decided once");
    // The project office steps back directly, with a reason.
    let other = app.projects().create_project(&xmb, &started("乙项目", "湖北路办事处", "2026-03-01")).await.unwrap();
    assert!(app.projects().transition(&xmb, other, Stage::Signed, d("2026-11-20"), None, "").await.is_err());
    let done = app.projects().transition(&xmb, other, Stage::Signed, d("2026-11-20"), None, "手续退回").await.unwrap();
    assert_eq!(done, fengkou_app::projects::TransitionOutcome::Done);
    let trail = app.audit().project_audit(&xmb, id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action_label.as_str()).collect();
    for a in ["申请阶段退回", "驳回阶段退回", "批准阶段退回", "阶段变更"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn the_audit_trail_reads_as_officials_read() {
    let db = fengkou_testkit::fresh_sqlite();
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let id = app.projects().create_project(&xmb, &header("甲项目", "湖北路办事处")).await.unwrap();
    let mut h = header("甲项目", "湖北路办事处");
    h.total_investment = Wan::from_wan(13_000);
    h.stage = None;
    let version = app.projects().project_detail(&xmb, id).await.unwrap().version;
    app.projects().update_project(&xmb, id, &h, Some(version)).await.unwrap();
    let trail = app.audit().project_audit(&xmb, id).await.unwrap();
    let update = trail.iter().find(|a| a.action_label == "修改").unwrap();
    let changes: Vec<String> = update.changes.iter().map(ToString::to_string).collect();
    assert_eq!(changes, ["总投资：12,000 万元 → 13,000 万元"]);
    assert_eq!(update.entity_label, "项目");
    // China time: the entry's time is UTC+8.
    assert_eq!(update.at.len(), 19);
    let filter =
        fengkou_app::audit::AuditFilter { username: Some("xmb".into()), project_id: Some(id), ..Default::default() };
    let (rows, pages) = app.audit().audit_log(&xmb, &filter, 1).await.unwrap();
    assert!(rows.len() >= 2 && pages == 1);
    let none = fengkou_app::audit::AuditFilter { username: Some("nobody".into()), ..Default::default() };
    assert!(app.audit().audit_log(&xmb, &none, 1).await.unwrap().0.is_empty());
    let bytes = app.audit().export_audit(&xmb, &filter).await.unwrap();
    assert!(bytes.starts_with(b"PK"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn reports_saved_at_once_all_count(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = fengkou_testkit::test_app_on(&db.url, d("2026-11-30")).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    for m in 7..=10 {
        app.reports()
            .open_period(&xmb, Month::new(2026, m).unwrap(), d(&format!("2026-{:02}-10", m + 1)))
            .await
            .unwrap();
    }
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            app.projects()
                .create_project(&xmb, &started(&format!("并发{i}"), "湖北路办事处", "2026-01-10"))
                .await
                .unwrap(),
        );
    }
    // Six projects report October at once (one office-month of the totals), and
    // the first also reports July–September at once (one project's year total).
    let mut writes = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().copied().enumerate() {
        let (app, hb) = (app.clone(), hb.clone());
        writes.spawn(async move { app.reports().submit_report(&hb, id, report(10, 100 + i as i64)).await });
    }
    for m in 7..=9 {
        let (app, hb, id) = (app.clone(), hb.clone(), ids[0]);
        writes.spawn(async move { app.reports().submit_report(&hb, id, report(m, 10)).await });
    }
    while let Some(done) = writes.join_next().await {
        done.unwrap().unwrap();
    }
    let c = app.views().comparison(Some(2026)).await.unwrap();
    let row = c.rows.iter().find(|r| r.office == "湖北路办事处").unwrap();
    assert_eq!(row.completed, Wan::from_wan(100 + 101 + 102 + 103 + 104 + 105 + 30), "{}", db.backend);
    assert_eq!(app.check_totals().await.unwrap(), vec![], "the kept totals: {}", db.backend);
    let first = app.projects().project_detail(&xmb, ids[0]).await.unwrap();
    let plan = first.plans.iter().find(|p| p.year == 2026).unwrap();
    assert_eq!(plan.completed, Wan::from_wan(130), "the year total counts every month: {}", db.backend);
}

/// A project moved to another office takes its year along: its plan, its reports and
/// its place among those owing a report, on the comparison and on each office's
/// dashboard (the old office no longer counts money of a project it cannot open).
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_project_moved_to_another_office_takes_its_figures_along(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = fengkou_testkit::test_app_on(&db.url, d("2026-11-30")).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let tj = login(&app, "tj", Role::OfficeUser, Some("天津路办事处")).await;
    for m in 9..=10 {
        app.reports()
            .open_period(&xmb, Month::new(2026, m).unwrap(), d(&format!("2026-{:02}-10", m + 1)))
            .await
            .unwrap();
    }
    let id = app.projects().create_project(&xmb, &started("迁移项目", "湖北路办事处", "2026-01-10")).await.unwrap();
    app.reports().submit_report(&hb, id, report(10, 300)).await.unwrap();
    let mut moved = started("迁移项目", "天津路办事处", "2026-01-10");
    moved.stage = None;
    let version = app.projects().project_detail(&xmb, id).await.unwrap().version;
    app.projects().update_project(&xmb, id, &moved, Some(version)).await.unwrap();

    let c = app.views().comparison(Some(2026)).await.unwrap();
    let row = |office: &str| c.rows.iter().find(|r| r.office == office).unwrap().clone();
    let (hubei, tianjin) = (row("湖北路办事处"), row("天津路办事处"));
    assert_eq!((hubei.projects, hubei.completed, hubei.annual_plan), (0, Wan::ZERO, Wan::ZERO), "{}", db.backend);
    assert_eq!((tianjin.projects, tianjin.completed), (1, Wan::from_wan(300)), "{}", db.backend);
    assert_eq!(tianjin.annual_plan, Wan::from_wan(1_200), "{}", db.backend);
    // September's report is owed by the project's office now.
    assert_eq!((hubei.missing_reports, tianjin.missing_reports), (0, 0), "October is reported: {}", db.backend);
    let owed = app.reports().missing_reports(&xmb, Month::new(2026, 9).unwrap()).await.unwrap();
    assert_eq!(owed.iter().map(|o| (o.office.as_str(), o.count)).collect::<Vec<_>>(), [("天津路办事处", 1)]);
    assert_eq!(app.views().dashboard(&hb, Some(2026)).await.unwrap().completed_through, Wan::ZERO);
    assert_eq!(app.views().dashboard(&tj, Some(2026)).await.unwrap().completed_through, Wan::from_wan(300));
    assert_eq!(app.check_totals().await.unwrap(), vec![], "{}", db.backend);
    // A total changed by hand is named as officials read it.
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        "UPDATE project_totals SET investment = investment + 10000 WHERE id = (SELECT MAX(id) FROM project_totals)",
    )
    .await
    .unwrap();
    let drift = app.check_totals().await.unwrap();
    let lines = app.drift_lines(&drift).await.unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("project_totals（天津路办事处 智能制造 建设 "), "{}", lines[0]);
    assert!(lines[0].contains("总投资记为 12,001 万元，按原始数据应为 12,000 万元"), "{}", lines[0]);
}

/// Fifty first reports of one project and month sent at once: one is created, the rest
/// update it (or are refused as a conflict), none fails on a duplicate key, and the
/// year's total is the one report's amount.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn fifty_first_reports_of_one_month_at_once(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = fengkou_testkit::test_app_on(&db.url, d("2026-11-30")).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    app.reports().open_period(&xmb, Month::new(2026, 10).unwrap(), d("2026-11-10")).await.unwrap();
    let id = app.projects().create_project(&xmb, &started("并发首报", "湖北路办事处", "2026-01-10")).await.unwrap();
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (app, hb) = (app.clone(), hb.clone());
        writes.spawn(async move { app.reports().submit_report(&hb, id, report(10, 100 + i)).await });
    }
    let mut saved = 0;
    while let Some(done) = writes.join_next().await {
        match done.unwrap() {
            Ok(_) => saved += 1,
            Err(fengkou_app::AppError::Conflict(_)) => {}
            Err(e) => panic!("{}: {e:?}", db.backend),
        }
    }
    assert!(saved >= 1, "{}", db.backend);
    let detail = app.projects().project_detail(&xmb, id).await.unwrap();
    assert_eq!(detail.reports.len(), 1, "one report for the month: {}", db.backend);
    let plan = detail.plans.iter().find(|p| p.year == 2026).unwrap();
    assert_eq!(plan.completed, detail.reports[0].completed, "{}", db.backend);
    assert_eq!(app.check_totals().await.unwrap(), vec![], "the kept totals: {}", db.backend);
}

/// Two people open the same project's form; the first saves; the second's save is
/// refused with who changed it, when and what, and the first's change stays.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_stale_edit_is_refused_not_saved_over(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let id = app.projects().create_project(&xmb, &header("甲项目", "湖北路办事处")).await.unwrap();
    let opened = app.projects().project_detail(&xmb, id).await.unwrap().version;
    let mut first = header("甲项目", "湖北路办事处");
    first.stage = None;
    first.total_investment = Wan::from_wan(13_000);
    app.projects().update_project(&hb, id, &first, Some(opened)).await.unwrap();
    let mut second = header("甲项目", "湖北路办事处");
    second.stage = None;
    second.leader = "王五".into();
    let e = app.projects().update_project(&xmb, id, &second, Some(opened)).await.unwrap_err();
    let fengkou_app::AppError::Conflict(message) = e else { panic!("{}: {e:?}", db.backend) };
    assert!(message.contains("hb") && message.contains("总投资：12,000 万元 → 13,000 万元"), "{message}");
    let now = app.projects().project_detail(&xmb, id).await.unwrap();
    assert_eq!(now.header.total_investment, Wan::from_wan(13_000), "{}", db.backend);
    assert_eq!(now.leader, "", "the stale save wrote nothing: {}", db.backend);
    // Saving again from the current version is a decision, and works.
    app.projects().update_project(&xmb, id, &second, Some(now.version)).await.unwrap();
    assert_eq!(app.projects().project_detail(&xmb, id).await.unwrap().leader, "王五", "{}", db.backend);
}
