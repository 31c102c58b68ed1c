//! Reader tests on hand-made messy ledgers, and the export → import round trip.

use super::*;
use crate::OfficeError;
use chrono::NaiveDate;
use fengkou_domain::dates::{LedgerDate, Precision};
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::{Stage, Wan};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn day(s: &str) -> LedgerDate {
    LedgerDate::day(d(s))
}

fn month(s: &str) -> LedgerDate {
    LedgerDate::new(d(s), Precision::Month)
}

fn year(y: i32) -> LedgerDate {
    LedgerDate::year(y).unwrap()
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

    assert_eq!(parsed.completed_through, Some(10));

    let a = &parsed.rows[0];
    let ah = a.header();
    assert_eq!(a.row, 6);
    assert_eq!(ah.name, "卓阳兴业城");
    assert_eq!(ah.code.as_deref(), Some("XM-001"));
    assert_eq!(ah.office, "湖北路办事处");
    assert_eq!(ah.stage, Some(Stage::Building));
    assert_eq!(ah.total_investment, Wan::from_wan(150_000));
    assert_eq!(ah.annual_plan, Wan::from_yuan(300_005_000));
    assert_eq!(a.money(Field::Completed), Some(Wan::from_wan(21_000)));
    assert_eq!(ah.planned_start, Some(day("2025-03-01")));
    assert_eq!(ah.actual_start, Some(month("2025-04-01")));
    assert_eq!(ah.leader, "张三");
    assert_eq!(a.section.as_deref(), Some("一、产业项目（3个）"));

    let bh = parsed.rows[1].header();
    assert_eq!(bh.total_investment, Wan::from_wan(52_000));
    assert_eq!(bh.annual_plan, Wan::from_wan(8_000));
    assert_eq!(bh.planned_start, Some(month("2027-03-01")));
    assert_eq!(bh.stage, Some(Stage::Signed));

    assert_eq!(parsed.rows[2].header().stage, Some(Stage::Producing));
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
    assert!(err.contains("项目编号") && err.contains("所在办事处"), "{err}");
}

#[test]
fn refuses_sheets_that_reach_too_far_before_building_the_grid() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "项目名称").unwrap();
    ws.write_string(1_000_000, 2, "远处的一格").unwrap();
    let err = read_ledger(&wb.save_to_buffer().unwrap()).unwrap_err();
    assert!(matches!(err, OfficeError::TooManyRows(..)), "{err}");
    assert!(err.to_string().contains("超过一次导入的上限"));
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
        planned_start: Some(day("2026-01-15")),
        planned_finish: Some(year(2028)),
        actual_start: start.map(day),
        actual_finish: None,
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
    let back: Vec<ProjectHeader> = parsed.rows.iter().map(LedgerRow::header).collect();
    let original: Vec<ProjectHeader> = sheet.sections.iter().flat_map(|s| &s.rows).map(|r| r.header.clone()).collect();
    assert_eq!(back, original);
    assert_eq!(parsed.rows[0].money(Field::Completed), Some(Wan::from_wan(12)));
    assert_eq!(parsed.completed_through, Some(10));
}

/// Writes a sheet from rows of cells: text, or a number when it parses as one.
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

#[test]
fn a_slim_sheet_carries_only_its_columns() {
    let parsed = read_ledger(&sheet(&[&["项目编号", "总投资"], &["XM-1", "#5000"], &["XM-1", ""]])).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.columns.iter().map(|c| c.0).collect::<Vec<_>>(), [Field::Code, Field::Total]);
    let stored = ProjectHeader {
        code: Some("XM-1".into()),
        name: "卓阳兴业城".into(),
        office: "湖北路办事处".into(),
        industry: "智能制造".into(),
        stage: Some(Stage::Building),
        location: "创新路".into(),
        content: "厂房12万平方米".into(),
        leader: "张三".into(),
        responsible_unit: "区工信局".into(),
        owner_unit: "卓阳公司".into(),
        total_investment: Wan::from_wan(4000),
        annual_plan: Wan::from_wan(800),
        planned_start: Some(day("2025-03-01")),
        planned_finish: Some(year(2027)),
        actual_start: Some(day("2025-04-01")),
        actual_finish: None,
    };
    let applied = parsed.rows[0].apply(&stored, false, false);
    assert_eq!(applied.header, ProjectHeader { total_investment: Wan::from_wan(5000), ..stored.clone() });
    // A blank cell keeps the stored value, unless the user chose to clear blanks.
    assert_eq!(parsed.rows[1].apply(&stored, false, false).header, stored);
    assert_eq!(parsed.rows[1].apply(&stored, false, true).header.total_investment, Wan::ZERO);
    assert_eq!(parsed.rows[1].apply(&stored, false, true).header.leader, "张三", "absent columns stay");
}

/// A real ledger: 建设起止年限 over 开工时间 / 竣工时间 (the planned period), years as
/// numbers and text, a 签约 and a 谋划 row, the year's completed investment so far.
fn construction_period_ledger() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 9, "2026年市级重点项目台账", &f).unwrap();
    for (c, h) in ["序号", "项目名称", "所在办事处", "产业类别", "建设阶段", "总投资"].iter().enumerate()
    {
        ws.merge_range(1, c as u16, 2, c as u16, h, &f).unwrap();
    }
    ws.merge_range(1, 6, 1, 7, "建设起止年限", &f).unwrap();
    ws.write_string(2, 6, "开工时间").unwrap();
    ws.write_string(2, 7, "竣工时间").unwrap();
    ws.merge_range(1, 8, 2, 8, "年度计划投资", &f).unwrap();
    ws.merge_range(1, 9, 2, 9, "1-10月完成投资", &f).unwrap();
    let rows: [[&str; 10]; 4] = [
        ["1", "清洛基地", "丰李办事处", "新材料", "签约", "52000", "2025", "2027", "8000", ""],
        ["2", "云谷数据中心", "湖北路办事处", "数字经济", "谋划", "30000", "#2026", "#2028", "", ""],
        ["3", "卓阳兴业城", "湖北路办事处", "智能制造", "在建", "150000", "2025年", "2027年", "30000", "21000"],
        ["4", "区医院新院区", "湖北路办事处", "社会民生", "建设", "60000", "2025.03", "2027.12", "12000", "#9000.5"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 3, c as u16);
            match cell.strip_prefix('#') {
                Some(n) => ws.write_number(r, c, n.parse::<f64>().unwrap()).unwrap(),
                None if cell.is_empty() => &mut *ws,
                None => ws.write_string(r, c, *cell).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn construction_period_is_the_planned_period() {
    let parsed = read_ledger(&construction_period_ledger()).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert!(parsed.has(Field::PlannedStart) && parsed.has(Field::PlannedFinish));
    assert!(!parsed.has(Field::ActualStart) && !parsed.has(Field::Start));
    assert_eq!(parsed.completed_through, Some(10));
    let headers: Vec<ProjectHeader> = parsed.rows.iter().map(LedgerRow::header).collect();
    // 签约 and 谋划 projects get planned dates, as years; nothing actual.
    assert_eq!((headers[0].planned_start, headers[0].planned_finish), (Some(year(2025)), Some(year(2027))));
    assert_eq!(headers[0].actual_start, None);
    assert_eq!(headers[0].planned_start.unwrap().label(), "2025年");
    // The numbers 2026 and 2028 are years, not Excel serials (1905-07-18).
    assert_eq!((headers[1].planned_start, headers[1].planned_finish), (Some(year(2026)), Some(year(2028))));
    // A project under construction with only a planned start is dated from it, and
    // the importer says so.
    let building = parsed.rows[2].apply(&ProjectHeader::default(), false, false);
    assert_eq!(building.header.actual_start, Some(year(2025)));
    assert!(building.start_inferred);
    assert!(building.readings.iter().any(|r| r.text.contains("日期取自计划开工")), "{:?}", building.readings);
    assert_eq!(headers[3].planned_finish, Some(month("2027-12-01")));
    assert_eq!(parsed.rows[3].money(Field::Completed), Some(Wan::from_yuan(90_005_000)));
    assert_eq!(parsed.rows[1].get(Field::Completed), Some(&Value::Blank));
    assert!(headers.iter().all(|h| h.problems(d("2026-11-30")).is_empty()));
}

#[test]
fn a_construction_period_in_one_cell() {
    let parsed = read_ledger(&sheet(&[
        &["项目名称", "办事处", "产业", "建设起止年限", "阶段"],
        &["甲", "湖北路办事处", "智能制造", "2025.03-2027.12", "签约"],
        &["乙", "湖北路办事处", "智能制造", "2025年—2027年", "谋划"],
        &["丙", "湖北路办事处", "智能制造", "2026", "谋划"],
        &["丁", "湖北路办事处", "智能制造", "明后年", "谋划"],
    ]))
    .unwrap();
    let h: Vec<ProjectHeader> = parsed.rows.iter().map(LedgerRow::header).collect();
    assert_eq!((h[0].planned_start, h[0].planned_finish), (Some(month("2025-03-01")), Some(month("2027-12-01"))));
    assert_eq!((h[1].planned_start, h[1].planned_finish), (Some(year(2025)), Some(year(2027))));
    assert_eq!((h[2].planned_start, h[2].planned_finish), (Some(year(2026)), Some(year(2026))));
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("第5行 建设起止年限：无法识别"), "{problems:?}");
}

#[test]
fn a_bare_start_column_is_read_by_the_stage_and_the_reading_is_said() {
    let parsed = read_ledger(&sheet(&[
        &["项目名称", "办事处", "产业", "阶段", "开工时间"],
        &["甲", "湖北路办事处", "智能制造", "签约", "2027.03"],
        &["乙", "湖北路办事处", "智能制造", "建设", "2025-04-08"],
        &["丙", "湖北路办事处", "智能制造", "建设", ""],
    ]))
    .unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let signed = parsed.rows[0].apply(&ProjectHeader::default(), false, false);
    assert_eq!((signed.header.planned_start, signed.header.actual_start), (Some(month("2027-03-01")), None));
    assert_eq!(signed.readings[0].to_string(), "第2行 开工时间：按计划开工读取（阶段为“签约”，尚未开工）");
    let building = parsed.rows[1].apply(&ProjectHeader::default(), false, false);
    assert_eq!(building.header.actual_start, Some(day("2025-04-08")));
    assert_eq!(building.readings[0].to_string(), "第3行 开工时间：按实际开工读取（阶段为“建设”，已开工）");
    // Under construction without any date: imported, with a warning, not refused.
    let undated = parsed.rows[2].apply(&ProjectHeader::default(), false, false);
    assert_eq!(undated.header.actual_start, None);
    assert!(undated.readings[0].text.starts_with("缺开工日期"), "{:?}", undated.readings);
    assert!(undated.header.problems(d("2026-11-30")).is_empty());
}

#[test]
fn a_header_without_investment_sub_columns_is_still_two_rows() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    for (c, h) in ["序号", "项目名称", "所在办事处", "产业类别"].iter().enumerate() {
        ws.merge_range(0, c as u16, 1, c as u16, h, &f).unwrap();
    }
    ws.merge_range(0, 4, 0, 5, "计划建设年限", &f).unwrap();
    ws.write_string(1, 4, "开工").unwrap();
    ws.write_string(1, 5, "竣工").unwrap();
    ws.merge_range(0, 6, 0, 7, "实际", &f).unwrap();
    ws.write_string(1, 6, "开工时间").unwrap();
    ws.write_string(1, 7, "竣工时间").unwrap();
    for (c, v) in ["1", "甲", "湖北路办事处", "智能制造", "2025.03", "2026.12", "2025.05", ""].iter().enumerate()
    {
        if !v.is_empty() {
            ws.write_string(2, c as u16, *v).unwrap();
        }
    }
    let parsed = read_ledger(&wb.save_to_buffer().unwrap()).unwrap();
    assert_eq!(parsed.skipped.section, 0, "the sub-header row is not a section row");
    let fields: Vec<Field> = parsed.columns.iter().map(|c| c.0).collect();
    assert_eq!(
        fields,
        [
            Field::Name,
            Field::Office,
            Field::Industry,
            Field::PlannedStart,
            Field::PlannedFinish,
            Field::ActualStart,
            Field::ActualFinish
        ]
    );
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].row, 3);
}

#[test]
fn years_in_date_cells_are_years() {
    let parsed = read_ledger(&sheet(&[
        &["项目名称", "办事处", "产业", "计划开工"],
        &["甲", "湖北路办事处", "智能制造", "#2024"],
        &["乙", "湖北路办事处", "智能制造", "2024"],
        &["丙", "湖北路办事处", "智能制造", "2024年"],
    ]))
    .unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    for row in &parsed.rows {
        assert_eq!(row.header().planned_start, Some(year(2024)), "row {}", row.row);
    }
}

#[test]
fn a_date_column_without_a_single_date_refuses_the_file() {
    let err = read_ledger(&sheet(&[
        &["项目名称", "办事处", "产业", "计划开工"],
        &["甲", "湖北路办事处", "智能制造", "待定"],
        &["乙", "湖北路办事处", "智能制造", "年内"],
    ]))
    .unwrap_err();
    assert!(matches!(err, OfficeError::UnreadableDateColumn { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("“计划开工”列有 2 个非空单元格") && text.contains("第2行“待定”"), "{text}");
}

#[test]
fn completed_headers_say_their_month_and_a_since_start_column_is_not_the_year() {
    let parsed = read_ledger(&sheet(&[
        &["项目名称", "办事处", "产业", "开工至今累计完成投资", "截至10月底累计完成投资"],
        &["甲", "湖北路办事处", "智能制造", "#9000", "#1200"],
    ]))
    .unwrap();
    assert_eq!(parsed.completed_through, Some(10));
    assert_eq!(parsed.rows[0].money(Field::Completed), Some(Wan::from_wan(1200)));
    assert!(!parsed.has(Field::SinceStartCompleted));
    assert!(parsed.notes[0].contains("开工至今累计完成投资"), "{:?}", parsed.notes);
    let this_year =
        read_ledger(&sheet(&[&["项目名称", "办事处", "今年完成投资"], &["甲", "湖北路办事处", "#1"]])).unwrap();
    assert!(this_year.has(Field::Completed));
    assert_eq!(this_year.completed_through, None);
}

#[test]
fn a_bomb_of_one_huge_cell_is_refused_before_it_is_read() {
    // Excel writes at most 32,767 characters to a cell; a hand-made file puts 20 MB of
    // text in one, which compresses to almost nothing.
    use std::io::{Read, Write};
    let plain = sheet(&[&["项目名称", "办事处", "产业"], &["BOMB", "湖北路办事处", "智能制造"]]);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if name == "xl/sharedStrings.xml" {
            let text = String::from_utf8(data).unwrap().replace("BOMB", &"x".repeat(20 * 1024 * 1024));
            data = text.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let err = read_ledger(&bytes).unwrap_err();
    assert!(matches!(err, OfficeError::TooLarge(_)), "{err}");
    assert!(err.to_string().contains("KB"), "{err}");
}

#[test]
fn impossible_months_and_years_in_headers_are_said() {
    for (header, why) in
        [("1-13月完成投资", "月份13不对"), ("1-0月完成投资", "月份0不对"), ("1899年度计划投资", "年份1899不对")]
    {
        let err = read_ledger(&sheet(&[&["项目名称", "办事处", header], &["甲", "湖北路办事处", "#1"]])).unwrap_err();
        assert!(err.to_string().contains(why), "{header}: {err}");
    }
    // Days no project has: refused, not stored as 1899 or 2173.
    let parsed = read_ledger(&sheet(&[
        &["项目名称", "办事处", "计划开工"],
        &["甲", "湖北路办事处", "#99999"],
        &["乙", "湖北路办事处", "#2026"],
    ]))
    .unwrap();
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].row, 2);
}
