//! Importing the ledgers offices really keep: a sheet changes only what it carries,
//! 建设起止年限 is the planned period, years are years, the year's completed investment
//! is kept, unknown names are listed (and created when asked), on every backend.

use super::*;
use fengkou_app::ledger::ImportReport;
use rust_xlsxwriter::{Format, Workbook};

/// A sheet from rows of cells; "#123" is written as a number.
fn sheet(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.strip_prefix('#').and_then(|n| n.parse::<f64>().ok()) {
                Some(n) => ws.write_number(r as u32, c as u16, n).unwrap(),
                None => ws.write_string(r as u32, c as u16, *cell).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import(app: &App, bytes: &[u8], options: ImportOptions) -> ImportReport {
    match app.ledger().import_projects(&cli_actor(), bytes.to_vec(), options).await {
        Ok(r) => r,
        Err(AppError::ImportRejected(r)) => panic!("rejected: {:?}", r.problems),
        Err(e) => panic!("{e}"),
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_slim_sheet_changes_only_what_it_carries(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let full = sheet(&[
        &[
            "项目编号",
            "项目名称",
            "所在办事处",
            "产业类别",
            "建设阶段",
            "建设地点",
            "建设规模及内容",
            "总投资",
            "责任单位",
            "包联领导",
            "实际开工",
        ],
        &[
            "XM-1",
            "卓阳兴业城",
            "湖北路办事处",
            "智能制造",
            "建设",
            "创新路",
            "厂房12万平方米",
            "#5000",
            "区工信局",
            "张三",
            "2026-03-01",
        ],
    ]);
    let first = import(&app, &full, write()).await;
    assert_eq!(first.created, 1);

    // A ledger without 建设地点, 责任单位, 实际开工 …: only 总投资 changes.
    let slim = sheet(&[&["项目编号", "总投资", "建设地点"], &["XM-1", "#5200", ""]]);
    let checked = import(&app, &slim, dry()).await;
    assert_eq!((checked.updated, checked.changed_fields), (1, 1), "{}", db.backend);
    let lines: Vec<String> = checked.changes[0].fields.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["总投资：5,000 万元 → 5,200 万元"]);
    let done = import(&app, &slim, write()).await;
    assert_eq!((done.updated, done.changed_fields), (1, 1));
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let p =
        app.projects().list_projects(&xmb, &ListQuery { per_page: 10, ..Default::default() }).await.unwrap().rows[0].id;
    let detail = app.projects().project_detail(&xmb, p).await.unwrap();
    assert_eq!(
        (detail.location.as_str(), detail.responsible_unit.as_str(), detail.leader.as_str()),
        ("创新路", "区工信局", "张三")
    );
    assert_eq!(detail.content, "厂房12万平方米");
    assert_eq!(detail.row.actual_start, Some(LedgerDate::day(d("2026-03-01"))));
    assert_eq!(detail.row.total_investment, Wan::from_wan(5200));

    // "空白单元格清空原值": the blank 建设地点 clears, on request only.
    let cleared = import(&app, &slim, ImportOptions { clear_blanks: true, ..write() }).await;
    assert_eq!(cleared.changed_fields, 1);
    assert_eq!(app.projects().project_detail(&xmb, p).await.unwrap().location, "");
    assert_eq!(app.projects().project_detail(&xmb, p).await.unwrap().leader, "张三", "an absent column stays");

    // A new project in a sheet without 产业类别 is refused for that row only.
    let new_row = sheet(&[&["项目名称", "所在办事处", "总投资"], &["新项目", "湖北路办事处", "#100"]]);
    let err = app.ledger().import_projects(&cli_actor(), new_row.clone(), write()).await.unwrap_err();
    let AppError::ImportRejected(r) = err else { panic!("{err}") };
    assert_eq!(r.problems[0].to_string(), "第2行 产业类别：新增项目须填写（表中没有此列或此格为空）");
}

/// A real ledger: 建设起止年限 over 开工时间 / 竣工时间, 签约 and 谋划 rows with past
/// planned starts, years as numbers, a project under construction with only its
/// planned period, and "1-10月完成投资".
fn real_ledger() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 9, "2026年重点项目建设台账", &f).unwrap();
    for (c, h) in ["序号", "项目名称", "所在办事处", "产业类别", "建设阶段", "总投资（万元）"].iter().enumerate()
    {
        ws.merge_range(1, c as u16, 2, c as u16, h, &f).unwrap();
    }
    ws.merge_range(1, 6, 1, 7, "建设起止年限", &f).unwrap();
    ws.write_string(2, 6, "开工时间").unwrap();
    ws.write_string(2, 7, "竣工时间").unwrap();
    ws.merge_range(1, 8, 1, 9, "2026年投资", &f).unwrap();
    ws.write_string(2, 8, "年度计划投资").unwrap();
    ws.write_string(2, 9, "1-10月完成投资").unwrap();
    let rows: [[&str; 10]; 3] = [
        ["1", "清洛基地", "湖北路办事处", "新材料", "签约", "52000", "2025", "#2027", "8000", ""],
        ["2", "云谷数据中心", "湖北路", "电子信息", "谋划", "30000", "#2026", "#2028", "", ""],
        ["3", "卓阳兴业城", "天津路办事处", "智能制造", "在建", "150000", "2025年", "2027年", "30000", "21000.5"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 3, c as u16);
            match cell.strip_prefix('#') {
                Some(n) => ws.write_number(r, c, n.parse::<f64>().unwrap()).unwrap(),
                None if cell.is_empty() => ws,
                None => ws.write_string(r, c, *cell).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_real_ledger_is_read_as_offices_mean_it_and_the_years_completed_investment_is_kept(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let checked = import(&app, &real_ledger(), dry()).await;
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    let readings: Vec<String> = checked.readings.iter().map(ToString::to_string).collect();
    assert!(readings.iter().any(|r| r == "第5行 所在办事处：“湖北路”按“湖北路办事处”匹配"), "{readings:?}");
    assert!(readings.iter().any(|r| r.starts_with("第6行 实际开工：日期取自计划开工 2025年")), "{readings:?}");
    assert!(checked.columns.iter().any(|c| c == "开工时间 → 计划开工"), "{:?}", checked.columns);
    let report = import(&app, &real_ledger(), write()).await;
    assert_eq!(report.created, 3);
    assert_eq!(report.completed_through, Month::new(2026, 10));

    let rows =
        app.projects().list_projects(&xmb, &ListQuery { per_page: 10, ..Default::default() }).await.unwrap().rows;
    let row = |name: &str| rows.iter().find(|r| r.name == name).unwrap().clone();
    // 签约 with a planned start in 2025: imported, then warned.
    let signed = row("清洛基地");
    assert_eq!((signed.planned_start_label.as_str(), signed.actual_start_label.as_str()), ("2025年", "—"));
    assert_eq!(signed.light, Light::Red, "{}", signed.warning_detail);
    assert!(signed.warning_detail.starts_with("计划开工已过未开工：计划开工 2025年"), "{}", signed.warning_detail);
    // The number 2026 is the year 2026, not 1905-07-18; due by the end of 2026.
    let planning = row("云谷数据中心");
    assert_eq!(planning.planned_start_label, "2026年");
    assert_eq!(planning.light, Light::Green, "{}", planning.warning_detail);
    // Under construction with only a planned period: its start is dated from it,
    // marked, and the year's completed investment is not zero.
    let building = row("卓阳兴业城");
    let detail = app.projects().project_detail(&xmb, building.id).await.unwrap();
    assert!(detail.actual_start_inferred);
    assert_eq!(detail.row.actual_start_label, "2025年");
    assert!(detail.stages[0].reason.contains("日期取自计划开工"), "{:?}", detail.stages[0].reason);
    assert_eq!(detail.row.completed, Wan::from_yuan(210_005_000));
    let opening = detail.reports.iter().find(|r| r.opening).expect("an opening balance in the history");
    assert_eq!(
        (opening.label.as_str(), opening.completed),
        ("2026年1-10月完成投资（导入）", Wan::from_yuan(210_005_000))
    );
    // The summary's completed equals the column's total.
    let summary = app.views().summary(&xmb, Some(2026)).await.unwrap();
    assert_eq!(summary.completed, Wan::from_yuan(210_005_000), "{}", db.backend);

    // A November report adds to it; October is inside the balance and is refused.
    app.reports().open_period(&xmb, Month::new(2026, 10).unwrap(), d("2026-11-30")).await.unwrap();
    app.reports().open_period(&xmb, Month::new(2026, 11).unwrap(), d("2026-12-10")).await.unwrap();
    let input = |m: u32, wan: i64| ReportInput {
        month: Month::new(2026, m).unwrap(),
        completed: Wan::from_wan(wan),
        progress: "主体施工".into(),
        problems: String::new(),
        help_needed: String::new(),
        photos: vec![],
    };
    let err = app.reports().submit_report(&xmb, building.id, input(10, 5)).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Report(ReportError::CoveredByLedger { balance, .. }) if balance.starts_with("2026年1-10月完成投资")),
        "{err}"
    );
    app.reports().submit_report(&xmb, building.id, input(11, 1000)).await.unwrap();
    let summary = app.views().summary(&xmb, Some(2026)).await.unwrap();
    assert_eq!(summary.completed, Wan::from_yuan(220_005_000));
    // Re-importing a later ledger (1-11月) replaces the balance: November is in it,
    // not counted twice.
    let later = sheet(&[&["项目名称", "所在办事处", "1-11月完成投资"], &["卓阳兴业城", "天津路办事处", "#23000"]]);
    let r = import(&app, &later, write()).await;
    assert_eq!(r.updated, 1);
    assert_eq!(r.changes[0].fields[0].to_string(), "本年完成投资：22,000.5 万元 → 23,000 万元（2026年1-11月完成投资）");
    let detail = app.projects().project_detail(&xmb, building.id).await.unwrap();
    assert_eq!(detail.row.completed, Wan::from_wan(23_000));
    let november = detail.reports.iter().find(|r| !r.opening && r.month == Month::new(2026, 11).unwrap()).unwrap();
    assert!(november.covered, "the November report is inside the new balance");
    assert_eq!(app.views().summary(&xmb, Some(2026)).await.unwrap().completed, Wan::from_wan(23_000));

    // The older ledger (1-10月) again: it does not replace the newer balance, and
    // says so; nothing else changes.
    let again = import(&app, &real_ledger(), dry()).await;
    assert_eq!(again.changed_fields, 0, "{:?}", again.changes);
    assert!(
        again.readings.iter().any(|r| r.text.contains("本表截至10月（较旧），保留系统中的数")),
        "{:?}",
        again.readings
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn unknown_offices_and_industries_are_listed_and_created_only_when_asked(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let file = sheet(&[
        &["项目名称", "所在办事处", "产业类别", "总投资"],
        &["一、产业项目（1个）", "", "", ""],
        &["新区项目", "新城办事处", "氢能装备", "#100"],
    ]);
    let checked = import(&app, &file, dry()).await;
    assert_eq!(checked.unknown_offices, ["新城办事处"]);
    assert_eq!(checked.unknown_industries, ["氢能装备"]);
    assert_eq!(checked.problems.len(), 2, "{:?}", checked.problems);
    assert!(checked.problems[0].reason.contains("可勾选“新建台账中未登记的办事处和产业类别”"));
    let asked = ImportOptions { create_missing: true, dry_run: true, ..Default::default() };
    let preview = import(&app, &file, asked).await;
    assert!(preview.problems.is_empty());
    assert_eq!((preview.created_offices.len(), preview.created_industries.len()), (1, 1));
    assert!(app.offices().await.unwrap().iter().all(|o| o.name != "新城办事处"), "a dry run creates nothing");
    let done = import(&app, &file, ImportOptions { create_missing: true, ..Default::default() }).await;
    assert_eq!(done.created, 1);
    assert!(app.offices().await.unwrap().iter().any(|o| o.name == "新城办事处"));
    let industry = app.industries().await.unwrap().into_iter().find(|i| i.name == "氢能装备").unwrap();
    assert_eq!(industry.category, "产业项目", "from the section row");
    let admin = login(&app, "admin", Role::Admin, None).await;
    let (trail, _) = app.audit().audit_log(&admin, &Default::default(), 1).await.unwrap();
    assert!(trail.iter().any(|a| a.entity_label == "办事处" && a.action_label == "新增"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_export_with_filters_reimports_to_the_same_data(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    import(&app, &real_ledger(), write()).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let offices = app.offices().await.unwrap();
    let tj = offices.iter().find(|o| o.name == "天津路办事处").unwrap().id;
    let only_tj = ListQuery { office_id: Some(tj), ..Default::default() };
    let bytes = app.ledger().export_projects(&xmb, &only_tj).await.unwrap();
    let parsed = fengkou_office::ledger::read_ledger(&bytes).unwrap();
    assert_eq!(parsed.rows.len(), 1, "the page's filters are kept");
    // The column says through which month; the value is that, and reads back as it.
    let back = import(&app, &bytes, dry()).await;
    assert_eq!((back.changed_fields, back.created), (0, 0), "{:?}", back.changes);
}

/// The server takes fewer rows per upload than the CLI: a sheet over the bound is
/// refused as soon as it is reached, with the count, and nothing is written.
#[tokio::test]
async fn an_upload_over_the_row_bound_is_refused_with_the_count() {
    let db = fengkou_testkit::fresh_sqlite();
    let app = app_on(&db.url).await;
    let mut rows: Vec<Vec<String>> = vec![vec!["项目名称".into(), "所在办事处".into(), "产业类别".into()]];
    for i in 0..12 {
        rows.push(vec![format!("项目{i}"), "湖北路办事处".into(), "智能制造".into()]);
    }
    let borrowed: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let slices: Vec<&[&str]> = borrowed.iter().map(Vec::as_slice).collect();
    let file = sheet(&slices);
    let bounded = ImportOptions { max_rows: Some(10), ..write() };
    let e = app.ledger().import_projects(&cli_actor(), file.clone(), bounded).await.unwrap_err().to_string();
    assert!(e.contains("超过一次导入的上限（10 行）"), "{e}");
    assert_eq!(app.views().summary(&cli_actor(), None).await.unwrap().count, 0);
    let unbounded = import(&app, &file, write()).await;
    assert_eq!(unbounded.created, 12);
}
