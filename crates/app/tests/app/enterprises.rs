//! The enterprise side on both backends: departments' sheets merged by code with their
//! conflicts, bad sheets refused whole, who may see and change what, the candidate
//! lists and a firm's explanation, concurrent edits on PostgreSQL.

use super::*;
use fengkou_app::enterprises::import::{ImportOptions as FirmImport, cli_bureau_actor};
use fengkou_app::enterprises::tiers::TierInput;
use fengkou_app::enterprises::{EnterpriseError, FirmFilter, FirmInput};
use fengkou_domain::enterprise::{Source, Tier};
use rust_xlsxwriter::Workbook;

/// A sheet as a department sends it: a title row, then the header, then the rows.
fn sheet(title: &str, header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, title).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(n) if !v.starts_with('9') || v.len() < 15 => ws.write_number(r as u32 + 2, c as u16, n).unwrap(),
                _ => ws.write_string(r as u32 + 2, c as u16, *v).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

const A: &str = "914403001922038216";
const B: &str = "91110000100011743X";

fn tax_sheet() -> Vec<u8> {
    sheet(
        "2025年度税务数据",
        &[
            "序号",
            "统一社会信用代码",
            "企业名称",
            "所属办事处",
            "年度",
            "销售收入（万元）",
            "研发费用（万元）",
            "境内研发费用",
            "总收入",
            "高新技术产品收入",
        ],
        &[
            vec!["1", A, "洛阳甲科技有限公司", "湖北路办事处", "2025", "1000", "31", "31", "1000", "700"],
            vec!["2", &B.to_lowercase(), "洛阳乙新材料有限公司", "", "2025", "5000", "250", "250", "5200", "4000"],
        ],
    )
}

fn statistics_sheet() -> Vec<u8> {
    sheet(
        "统计局",
        &[
            "统一社会信用代码",
            "年度",
            "从业人员",
            "科技人员数",
            "营业收入",
            "资产总额",
            "I类知识产权数",
            "II类知识产权数",
            "主要产品属于国家重点支持的高新技术领域",
            "成立日期",
        ],
        &[
            vec![A, "2025", "100", "8", "1100", "3000", "1", "0", "是", "2019-05-01"],
            vec![B, "2025", "200", "40", "5000", "8000", "2", "3", "是", "2015-01-01"],
        ],
    )
}

fn options(source: Source, create: bool) -> FirmImport {
    FirmImport { source: Some(source), create, ..Default::default() }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn two_departments_merge_by_code_and_a_difference_waits_for_the_bureau(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let bureau = cli_bureau_actor();
    let area = app.enterprises();

    // Unknown firms are listed, never created silently.
    let err = area.import_sheet(&bureau, tax_sheet(), options(Source::Tax, false)).await.unwrap_err();
    let AppError::Enterprise(EnterpriseError::ImportRejected(problems)) = err else { panic!("{err}") };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("第3行 统一社会信用代码：914403001922038216（洛阳甲科技有限公司）不在企业名录中"),
        "{problems:?}"
    );
    assert_eq!(area.list(&bureau, &FirmFilter::default()).await.unwrap().total, 0);

    let report = area.import_sheet(&bureau, tax_sheet(), options(Source::Tax, true)).await.unwrap();
    assert_eq!((report.rows, report.created.len(), report.values_added), (2, 2, 10), "{}", db.backend);
    assert_eq!(report.unassigned, vec!["洛阳乙新材料有限公司".to_string()]);

    let report = area.import_sheet(&bureau, statistics_sheet(), options(Source::Statistics, false)).await.unwrap();
    assert_eq!(report.conflicts.len(), 1, "{:?}", report.conflicts);
    assert!(report.conflicts[0].contains("2025 年销售收入：统计 1100 与 税务 1000 不一致"), "{:?}", report.conflicts);
    // Re-importing the same sheet changes nothing.
    let again = area.import_sheet(&bureau, statistics_sheet(), options(Source::Statistics, false)).await.unwrap();
    assert_eq!((again.values_added, again.values_changed, again.updated), (0, 0, 0), "{}", again.summary_line());

    let firm = area.list(&bureau, &FirmFilter { q: Some("甲科技".into()), ..Default::default() }).await.unwrap().rows
        [0]
    .clone();
    let year = area.figures(&bureau, firm.id).await.unwrap().remove(0);
    let revenue = year.lines.iter().find(|l| l.indicator == "revenue").unwrap();
    assert!(revenue.conflict && revenue.value.is_none(), "a difference counts for neither");
    // 缺数据 in the ladder until the bureau chooses, never a silent pick.
    let (_, ladder) = area.ladder_of(&bureau, firm.id).await.unwrap();
    let high_tech = ladder.iter().find(|r| r.verdict.rung == "高新技术企业").unwrap();
    assert!(high_tech.verdict.missing.iter().any(|m| m.text.contains("缺数据")), "{:?}", high_tech.verdict.missing);
    assert!(
        high_tech.verdict.missing.iter().any(|m| m.text == "各部门数值不一致、待科技局核定：销售收入"),
        "says why: {:?}",
        high_tech.verdict.missing
    );
    // The candidate list (stored verdicts) says it too.
    let listed = area.candidates(&bureau, "高新技术企业", 1, 50).await.unwrap();
    let row = listed.rows.iter().find(|c| c.firm_id == firm.id).unwrap();
    assert!(row.missing.iter().any(|m| m.starts_with("各部门数值不一致")), "{:?}", row.missing);

    area.choose_source(&bureau, firm.id, 2025, "revenue", Source::Tax, "以税务申报为准").await.unwrap();
    let year = area.figures(&bureau, firm.id).await.unwrap().remove(0);
    let revenue = year.lines.iter().find(|l| l.indicator == "revenue").unwrap();
    assert_eq!(revenue.value.as_deref(), Some("1000"));
    // Now the firm misses 高企 by R&D (3.1 % < 5 %) and tech staff (8 % < 10 %), in their units.
    let (_, ladder) = area.ladder_of(&bureau, firm.id).await.unwrap();
    let high_tech = ladder.iter().find(|r| r.verdict.rung == "高新技术企业").unwrap();
    let missing: Vec<&str> = high_tech.verdict.missing.iter().map(|m| m.text.as_str()).collect();
    assert!(missing.contains(&"研发费用/销售收入 3.1% < 5%（还差研发费用 19 万元）"), "{missing:?}");
    assert!(missing.contains(&"科技人员占比 8% < 10%（还差科技人员 3 人）"), "{missing:?}");
    assert!(missing.contains(&"创新能力评价得分：缺数据"), "{missing:?}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_bad_sheet_names_every_row_and_writes_nothing(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let bureau = cli_bureau_actor();
    let bad = sheet(
        "",
        &["统一社会信用代码", "企业名称", "年度", "从业人员", "营业收入", "产能利用率", "成立日期"],
        &[
            vec!["914403001922038217", "甲", "2025", "10", "100", "50", "2020-01-01"],
            vec![A, "乙", "2025", "-3", "一百", "120", "2027-01-01"],
            vec![B, "丙", "2025", "10", "100", "50", "2020-01-01"],
        ],
    );
    let err = app.enterprises().import_sheet(&bureau, bad, options(Source::Statistics, true)).await.unwrap_err();
    let AppError::Enterprise(EnterpriseError::ImportRejected(problems)) = err else { panic!("{err}") };
    let expected = [
        "第3行 统一社会信用代码：校验位（第 18 位）应为“6”，这里是“7”",
        "第4行 从业人员：不能为负数（这里是 -3）",
        "第4行 营业收入：“一百”不是数字",
        "第4行 产能利用率：比例不能超过 100%（这里是 120%）",
        "第4行 成立日期：2027-01-01 晚于今天",
    ];
    for e in expected {
        assert!(problems.iter().any(|p| p == e), "missing {e:?} in {problems:?}");
    }
    // The good row was not written either.
    assert_eq!(app.enterprises().list(&bureau, &FirmFilter::default()).await.unwrap().total, 0, "{}", db.backend);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn each_role_sees_and_changes_what_it_may(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let leader = login(&app, "ld", Role::Leader, None).await;
    let viewer = login(&app, "kan", Role::Viewer, None).await;
    let hubei = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let tianjin = login(&app, "tj", Role::OfficeUser, Some("天津路办事处")).await;
    let area = app.enterprises();
    area.import_sheet(&bureau, tax_sheet(), options(Source::Tax, true)).await.unwrap();
    let all = area.list(&bureau, &FirmFilter::default()).await.unwrap();
    assert_eq!(all.total, 2);
    let in_hubei = all.rows.iter().find(|r| r.uscc == A).unwrap().id;
    let unassigned = all.rows.iter().find(|r| r.uscc == B).unwrap().id;

    assert_eq!(area.list(&leader, &FirmFilter::default()).await.unwrap().total, 2);
    assert_eq!(area.list(&hubei, &FirmFilter::default()).await.unwrap().total, 1);
    assert_eq!(area.list(&tianjin, &FirmFilter::default()).await.unwrap().total, 0);
    assert!(area.firm(&hubei, in_hubei).await.is_ok());
    // Another office's firm, and an unassigned one, are as if they did not exist.
    assert!(matches!(area.firm(&tianjin, in_hubei).await, Err(AppError::NotFound(_))));
    assert!(matches!(area.firm(&hubei, unassigned).await, Err(AppError::NotFound(_))));
    assert!(matches!(area.ladder_of(&tianjin, in_hubei).await, Err(AppError::NotFound(_))));
    let page = area.candidates(&tianjin, "高新技术企业", 1, 50).await.unwrap();
    assert_eq!(page.total, 0, "an office's candidate list holds its own firms only");
    assert!(matches!(area.list(&viewer, &FirmFilter::default()).await, Err(AppError::Forbidden(_))));
    assert!(matches!(area.tier_summary(&viewer).await, Err(AppError::Forbidden(_))));

    // Only the bureau writes.
    let tier = TierInput {
        tier: Tier::HighTech,
        recognised_on: d("2025-12-01"),
        valid_until: None,
        certificate: "GR202541000001".into(),
    };
    for who in [&leader, &hubei] {
        assert!(matches!(area.record_tier(who, in_hubei, &tier).await, Err(AppError::Forbidden(_))));
        assert!(matches!(
            area.set_value(who, in_hubei, 2025, "employees", Source::Statistics, "10").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            area.set_target(who, Tier::HighTech, 2027, 746, "高企倍增").await,
            Err(AppError::Forbidden(_))
        ));
    }
    let before = area.candidates(&bureau, "高新技术企业", 1, 50).await.unwrap();
    area.record_tier(&bureau, in_hubei, &tier).await.unwrap();
    let tiers = area.tiers_of(&bureau, in_hubei).await.unwrap();
    assert_eq!(tiers[0].valid_until, Some(d("2028-11-30")), "three years by default");
    // A holder leaves the rung's candidate list.
    let page = area.candidates(&bureau, "高新技术企业", 1, 50).await.unwrap();
    assert!(page.rows.iter().all(|c| c.uscc != A), "{:?}", page.rows.iter().map(|c| &c.uscc).collect::<Vec<_>>());
    assert_eq!(page.total, before.total - 1, "counted without the holder");
    assert_eq!(
        page.eligible as usize,
        page.rows.iter().filter(|c| c.eligible).count(),
        "eligible counted in the same query"
    );
    let summary = area.tier_summary(&hubei).await.unwrap();
    assert_eq!(summary.counts.iter().find(|c| c.code == "high_tech").unwrap().count, 1);
    assert_eq!(area.tier_summary(&tianjin).await.unwrap().counts.iter().map(|c| c.count).sum::<usize>(), 0);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_registry_checks_codes_and_refuses_a_stale_edit(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let area = app.enterprises();
    let mut input =
        FirmInput { uscc: "914403001922038217".into(), name: "洛阳丙公司".into(), ..Default::default() };
    let err = area.create_firm(&bureau, &input).await.unwrap_err();
    assert!(err.to_string().contains("应为“6”"), "{err}");
    input.uscc = " 914403001922038216 ".into();
    let id = area.create_firm(&bureau, &input).await.unwrap();
    let err = area.create_firm(&bureau, &input).await.unwrap_err();
    assert!(matches!(err, AppError::Enterprise(EnterpriseError::Duplicate { .. })), "{err}");
    input.name = "洛阳丙科技有限公司".into();
    area.update_firm(&bureau, id, &input, 1).await.unwrap();
    // The form opened on version 1 again: refused, not saved over.
    input.name = "旧表单".into();
    assert!(matches!(area.update_firm(&bureau, id, &input, 1).await, Err(AppError::Conflict(_))));
    assert_eq!(area.firm(&bureau, id).await.unwrap().name, "洛阳丙科技有限公司");
    input.name = "x</script>\u{7}".into();
    assert!(matches!(area.update_firm(&bureau, id, &input, 2).await, Err(AppError::Invalid(_))));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn values_entered_at_once_for_one_firm_all_land(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let area = app.enterprises();
    let input = FirmInput { uscc: A.into(), name: "洛阳甲".into(), ..Default::default() };
    let id = area.create_firm(&bureau, &input).await.unwrap();
    let names =
        ["employees", "tech_staff", "revenue", "rd_expense", "total_assets", "total_cost", "ip_class1", "ip_class2"];
    let writes =
        names.into_iter().enumerate().map(|(i, name)| {
            let (app, bureau) = (app.clone(), bureau.clone());
            async move {
                app.enterprises().set_value(&bureau, id, 2025, name, Source::Statistics, &(10 + i).to_string()).await
            }
        });
    let mut running = tokio::task::JoinSet::new();
    for write in writes {
        running.spawn(write);
    }
    while let Some(result) = running.join_next().await {
        result.unwrap().unwrap();
    }
    let year = area.figures(&bureau, id).await.unwrap().remove(0);
    assert_eq!(year.lines.len(), names.len(), "{}", db.backend);
    // The same value twice is one value.
    let twice = (0..4).map(|_| {
        let (app, bureau) = (app.clone(), bureau.clone());
        async move { app.enterprises().set_value(&bureau, id, 2024, "revenue", Source::Tax, "123.40").await }
    });
    let mut running = tokio::task::JoinSet::new();
    for write in twice {
        running.spawn(write);
    }
    while let Some(result) = running.join_next().await {
        result.unwrap().unwrap();
    }
    let year = area.figures(&bureau, id).await.unwrap().into_iter().find(|y| y.year == 2024).unwrap();
    assert_eq!(year.lines[0].sources.len(), 1);
    assert_eq!(year.lines[0].value.as_deref(), Some("123.4"));
}

/// An import of more than a few thousand rows on PostgreSQL refreshes the planner's
/// statistics of the tables it wrote before it reports success (ANALYZE, which sets
/// `last_analyze`; autovacuum would set `last_autoanalyze`, minutes later).
#[tokio::test]
async fn a_bulk_import_on_postgres_leaves_statistics_fresh() {
    let Some(db) = test_database(Backend::Postgres).await else { return };
    let app = app_on(&db.url).await;
    let bureau = cli_bureau_actor();
    let codes: Vec<String> = (0..2_100)
        .map(|i| fengkou_domain::uscc::Uscc::complete(&format!("91410300{i:08}0")).unwrap().as_str().to_string())
        .collect();
    let names: Vec<String> = (0..codes.len()).map(|i| format!("统计测试企业{i}有限公司")).collect();
    let rows: Vec<Vec<&str>> =
        codes.iter().zip(&names).map(|(code, name)| vec![code.as_str(), name.as_str(), "2025", "1200", "36"]).collect();
    let bytes = sheet("2025年度税务数据", &["统一社会信用代码", "企业名称", "年度", "销售收入", "研发费用"], &rows);
    let report = app.enterprises().import_sheet(&bureau, bytes, options(Source::Tax, true)).await.unwrap();
    assert_eq!(report.rows, 2_100);

    use sea_orm::FromQueryResult;
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    #[derive(Debug, FromQueryResult)]
    struct Analysed {
        relname: String,
        analysed: bool,
    }
    let seen = Analysed::find_by_statement(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT relname::text AS relname, last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables \
         WHERE relname IN ('enterprises', 'indicator_values', 'ladder_assessments') ORDER BY relname",
    ))
    .all(&conn)
    .await
    .unwrap();
    let names: Vec<&str> = seen.iter().map(|t| t.relname.as_str()).collect();
    assert_eq!(names, ["enterprises", "indicator_values", "ladder_assessments"]);
    assert!(seen.iter().all(|t| t.analysed), "{seen:?}");
}

/// A column whose header says 元 is stored in 万元 (÷10,000, exactly, and the report
/// says so); a unit of another kind refuses the sheet, naming the column.
#[tokio::test]
async fn a_column_in_yuan_is_stored_in_wan_and_a_wrong_unit_is_refused() {
    let db = fengkou_testkit::fresh_sqlite();
    let app = app_on(&db.url).await;
    let bureau = cli_bureau_actor();
    let area = app.enterprises();
    let yuan = sheet(
        "税务",
        &["统一社会信用代码", "企业名称", "年度", "营业收入（元）", "研发费用（千元）"],
        &[vec![A, "洛阳甲科技有限公司", "2025", "12345678", "315"]],
    );
    let report = area.import_sheet(&bureau, yuan, options(Source::Tax, true)).await.unwrap();
    assert!(
        report.columns.iter().any(|c| c == "营业收入（元） → 销售收入（换算为万元，÷10000）"),
        "{:?}",
        report.columns
    );
    let firm = area.list(&bureau, &FirmFilter::default()).await.unwrap().rows[0].clone();
    let year = area.figures(&bureau, firm.id).await.unwrap().remove(0);
    let value = |name: &str| year.lines.iter().find(|l| l.indicator == name).unwrap().value.clone();
    assert_eq!(value("revenue").as_deref(), Some("1234.5678"));
    assert_eq!(value("rd_expense").as_deref(), Some("31.5"));

    let wrong = sheet("统计", &["统一社会信用代码", "年度", "从业人员（万元）"], &[vec![A, "2025", "100"]]);
    let err = area.import_sheet(&bureau, wrong, options(Source::Statistics, false)).await.unwrap_err();
    let AppError::Enterprise(EnterpriseError::ImportRejected(problems)) = err else { panic!("{err}") };
    assert_eq!(problems, vec!["列“从业人员（万元）”：单位“万元”不是职工总数的单位（人、个、项或件）".to_string()]);
}
