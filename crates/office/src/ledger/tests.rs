//! Reader tests on hand-made messy ledgers, and the export → import round trip.

use super::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A ledger as an office really mails it around.
fn messy_ledger() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 11, "2026年全区重点项目建设台账", &f).unwrap();
    ws.write_string(1, 9, "单位：万元").unwrap();
    // Two-row merged header; columns not in our order; synonyms.
    for (c, h) in ["序号", "项目名称", "责任办事处", "所属产业", "项目状态", "总投资(万元)"].iter().enumerate()
    {
        ws.merge_range(2, c as u16, 3, c as u16, h, &f).unwrap();
    }
    ws.merge_range(2, 6, 2, 7, "2026年投资", &f).unwrap();
    ws.write_string(3, 6, "年度计划投资").unwrap();
    ws.write_string(3, 7, "1-10月完成投资").unwrap();
    ws.merge_range(2, 8, 3, 8, "计划开工时间", &f).unwrap();
    ws.merge_range(2, 9, 3, 9, "实际开工", &f).unwrap();
    ws.merge_range(2, 10, 3, 10, "项目编号", &f).unwrap();
    ws.merge_range(2, 11, 3, 11, "包联领导", &f).unwrap();
    // Section row.
    ws.merge_range(4, 0, 4, 11, "一、产业项目（3个）", &f).unwrap();
    // Row 6: numbers as numbers, a real Excel date.
    ws.write_number(5, 0, 1).unwrap();
    ws.write_string(5, 1, "卓阳兴业城").unwrap();
    ws.write_string(5, 2, "湖北路办事处").unwrap();
    ws.write_string(5, 3, "智能制造").unwrap();
    ws.write_string(5, 4, "在建").unwrap();
    ws.write_number(5, 5, 150000).unwrap();
    ws.write_number(5, 6, 30000.5).unwrap();
    ws.write_number(5, 7, 21000).unwrap();
    ws.write_datetime_with_format(5, 8, ExcelDateTime::from_ymd(2025, 3, 1).unwrap(), &date).unwrap();
    ws.write_string(5, 9, "2025.04").unwrap();
    ws.write_string(5, 10, "XM-001").unwrap();
    ws.write_string(5, 11, "张三").unwrap();
    // Row 7: numbers as text with separators, Chinese dates.
    ws.write_number(6, 0, 2).unwrap();
    ws.write_string(6, 1, "清洛基地").unwrap();
    ws.write_string(6, 2, "丰李办事处").unwrap();
    ws.write_string(6, 3, "新材料").unwrap();
    ws.write_string(6, 4, "签约").unwrap();
    ws.write_string(6, 5, "52,000.00").unwrap();
    ws.write_string(6, 6, "8,000").unwrap();
    ws.write_string(6, 8, "2027年3月").unwrap();
    // Blank row, then a subtotal, a second section and a 竣工 project.
    ws.write_string(8, 1, "小计").unwrap();
    ws.write_number(8, 5, 202000).unwrap();
    ws.write_string(9, 0, "二、社会民生项目（1个）").unwrap();
    ws.write_number(10, 0, 3).unwrap();
    ws.write_string(10, 1, "区人民医院新院区").unwrap();
    ws.write_string(10, 2, "湖北路办事处").unwrap();
    ws.write_string(10, 3, "社会民生").unwrap();
    ws.write_string(10, 4, "竣工").unwrap();
    ws.write_number(10, 5, 60000).unwrap();
    ws.write_string(10, 9, "2024-3").unwrap();
    ws.write_string(11, 1, "合计").unwrap();
    ws.write_string(13, 0, "注：本表数据截至2026年10月底。").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn reads_a_messy_ledger() {
    let parsed = read_ledger(&messy_ledger()).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.plan_year, Some(2026));
    assert_eq!(parsed.rows.len(), 3);
    assert_eq!(parsed.skipped, Skipped { section: 2, subtotal: 1, total: 1, blank: 2, note: 1 });

    let a = &parsed.rows[0];
    assert_eq!(a.row, 6);
    assert_eq!(a.header.name, "卓阳兴业城");
    assert_eq!(a.header.code.as_deref(), Some("XM-001"));
    assert_eq!(a.header.office, "湖北路办事处");
    assert_eq!(a.header.stage, Some(Stage::Building));
    assert_eq!(a.header.total_investment, Wan::from_wan(150_000));
    assert_eq!(a.header.annual_plan, Wan::from_yuan(300_005_000));
    assert_eq!(a.completed, Some(Wan::from_wan(21_000)));
    assert_eq!(a.header.planned_start, Some(d("2025-03-01")));
    assert_eq!(a.header.actual_start, Some(d("2025-04-01")));
    assert_eq!(a.header.leader, "张三");
    assert_eq!(a.section.as_deref(), Some("一、产业项目（3个）"));

    let b = &parsed.rows[1];
    assert_eq!(b.header.total_investment, Wan::from_wan(52_000));
    assert_eq!(b.header.annual_plan, Wan::from_wan(8_000));
    assert_eq!(b.header.planned_start, Some(d("2027-03-01")));
    assert_eq!(b.header.stage, Some(Stage::Signed));

    assert_eq!(parsed.rows[2].header.stage, Some(Stage::Producing));
    assert_eq!(parsed.rows[2].section.as_deref(), Some("二、社会民生项目（1个）"));
}

#[test]
fn names_row_column_and_reason_for_bad_cells() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目名称", "办事处", "产业", "阶段", "总投资", "计划开工"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "甲项目").unwrap();
    ws.write_string(1, 1, "湖北路办事处").unwrap();
    ws.write_string(1, 2, "智能制造").unwrap();
    ws.write_string(1, 3, "停工").unwrap();
    ws.write_string(1, 4, "约五千").unwrap();
    ws.write_string(1, 5, "明年").unwrap();
    let parsed = read_ledger(&wb.save_to_buffer().unwrap()).unwrap();
    let messages: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("第2行 建设阶段：无法识别的阶段“停工”"), "{}", messages[0]);
    assert!(messages[1].starts_with("第2行 总投资：不是有效的金额"), "{}", messages[1]);
    assert!(messages[2].starts_with("第2行 计划开工：无法识别的日期"), "{}", messages[2]);
}

#[test]
fn refuses_files_that_are_not_ledgers() {
    assert!(matches!(read_ledger(b"PK\x03\x04 truncated zip"), Err(OfficeError::NotXlsx(_))));
    assert!(matches!(read_ledger(b"name,office\n"), Err(OfficeError::NotXlsx(_))));
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "随便什么").unwrap();
    assert!(matches!(read_ledger(&wb.save_to_buffer().unwrap()), Err(OfficeError::NoHeader(_))));
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "项目名称").unwrap();
    let err = read_ledger(&wb.save_to_buffer().unwrap()).unwrap_err().to_string();
    assert!(err.contains("所在办事处") && err.contains("产业类别"), "{err}");
}

#[test]
fn refuses_sheets_that_reach_too_far_before_building_the_grid() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "项目名称").unwrap();
    ws.write_string(1_000_000, 2, "远处的一格").unwrap();
    let err = read_ledger(&wb.save_to_buffer().unwrap()).unwrap_err();
    assert!(matches!(err, OfficeError::TooManyRows(..)), "{err}");
    assert!(err.to_string().contains("超过上限"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "项目名称").unwrap();
    ws.write_string(3, 16_000, "很远的列").unwrap();
    assert!(matches!(read_ledger(&wb.save_to_buffer().unwrap()), Err(OfficeError::TooManyColumns(_))));
}

#[test]
fn export_reads_back_to_the_same_data() {
    let header = |name: &str, code: Option<&str>, stage, start: Option<&str>| ProjectHeader {
        code: code.map(str::to_string),
        name: name.into(),
        office: "湖北路办事处".into(),
        industry: "智能制造".into(),
        stage: Some(stage),
        location: "创新路".into(),
        content: "建设厂房12万平方米，\n年产PACK包10万套".into(),
        leader: "李四".into(),
        responsible_unit: "区发改委".into(),
        owner_unit: "国威科创".into(),
        total_investment: Wan::from_yuan(1_234_567_891),
        annual_plan: Wan::from_yuan(200_000_001),
        planned_start: Some(d("2026-01-15")),
        planned_finish: Some(d("2028-12-31")),
        actual_start: start.map(d),
    };
    let sheet = LedgerSheet {
        title: "2026年重点项目台账".into(),
        year: 2026,
        through_month: 10,
        sections: vec![
            LedgerSection {
                name: "产业项目".into(),
                rows: vec![
                    LedgerExportRow {
                        header: header("国威科创锂电池PACK包", Some("GW-1"), Stage::Building, Some("2026-02-01")),
                        completed: Wan::from_wan(12),
                    },
                    LedgerExportRow {
                        header: header("东旭氢能电机产业园", None, Stage::Signed, None),
                        completed: Wan::ZERO,
                    },
                ],
            },
            LedgerSection { name: "基础设施项目".into(), rows: vec![] },
        ],
        note: "注：完成投资为系统根据月报自动汇总。".into(),
    };
    let bytes = write_ledger(&sheet).unwrap();
    let parsed = read_ledger(&bytes).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.plan_year, Some(2026));
    assert_eq!(parsed.skipped.subtotal, 2);
    assert_eq!(parsed.skipped.total, 1);
    assert_eq!(parsed.skipped.section, 2);
    let back: Vec<&ProjectHeader> = parsed.rows.iter().map(|r| &r.header).collect();
    let original: Vec<&ProjectHeader> = sheet.sections.iter().flat_map(|s| &s.rows).map(|r| &r.header).collect();
    assert_eq!(back, original);
    assert_eq!(parsed.rows[0].completed, Some(Wan::from_wan(12)));
}
