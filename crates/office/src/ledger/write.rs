//! Writing the ledger in the offices' layout: title, unit row, a two-row header with
//! the year's investment group, sections with 小计, the 合计 and a note.

use super::Field;
use crate::OfficeError;
use chrono::NaiveDate;
use fengkou_domain::dates::{LedgerDate, Precision};
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::{Stage, Wan};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

/// A ledger to write: sections (e.g. 产业项目, 基础设施项目) of rows.
#[derive(Debug, Clone)]
pub struct LedgerSheet {
    pub title: String,
    pub year: i32,
    /// The completed column covers January through this month.
    pub through_month: u32,
    pub sections: Vec<LedgerSection>,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct LedgerSection {
    pub name: String,
    pub rows: Vec<LedgerExportRow>,
}

#[derive(Debug, Clone)]
pub struct LedgerExportRow {
    pub header: ProjectHeader,
    pub completed: Wan,
}

const CHINESE_NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Writes a ledger in the layout offices use; [`super::read_ledger`] reads it back.
pub fn write_ledger(sheet: &LedgerSheet) -> Result<Vec<u8>, OfficeError> {
    let mut w = LedgerWriter::new(&sheet.title, sheet.year, sheet.through_month)?;
    for section in &sheet.sections {
        w.start_section(&section.name, section.rows.len())?;
        for row in &section.rows {
            w.row(&row.header, row.completed)?;
        }
        w.end_section()?;
    }
    w.finish(&sheet.note)
}

/// Writes a ledger row by row, so that a 100,000-project export never holds the
/// whole ledger (or the whole workbook) in memory: the worksheet is in rust_xlsxwriter's
/// constant-memory mode, and callers feed rows a batch at a time.
pub struct LedgerWriter {
    wb: Workbook,
    row: u32,
    seq: usize,
    sections: usize,
    plan_col: u16,
    section_sums: [Wan; 3],
    grand_sums: [Wan; 3],
    bold: Format,
    bold_money: Format,
    cell: Format,
    money: Format,
    date: Format,
}

const LAST_COL: u16 = 17;

impl LedgerWriter {
    pub fn new(title: &str, year: i32, through_month: u32) -> Result<LedgerWriter, OfficeError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name("项目台账")?;
        let title_format =
            Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_font_name("宋体");
        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_background_color("#DDEBF7");
        // Columns: 序号, the first eight singles, the group "YYYY年投资" (annual plan,
        // completed), the remaining singles, 业主单位.
        let singles: [(Field, f64); 14] = [
            (Field::Code, 14.0),
            (Field::Name, 30.0),
            (Field::Office, 14.0),
            (Field::Industry, 10.0),
            (Field::Stage, 8.0),
            (Field::Location, 16.0),
            (Field::Content, 36.0),
            (Field::Total, 14.0),
            (Field::PlannedStart, 12.0),
            (Field::PlannedFinish, 12.0),
            (Field::ActualStart, 12.0),
            (Field::ActualFinish, 12.0),
            (Field::Leader, 10.0),
            (Field::ResponsibleUnit, 16.0),
        ];
        ws.merge_range(0, 0, 0, LAST_COL, title, &title_format)?;
        ws.merge_range(1, 0, 1, LAST_COL, "单位：万元", &Format::new().set_align(FormatAlign::Right))?;
        ws.merge_range(2, 0, 3, 0, "序号", &head)?;
        ws.set_column_width(0, 6)?;
        let mut col: u16 = 1;
        for (field, width) in &singles[..8] {
            ws.merge_range(2, col, 3, col, &header_label(*field), &head)?;
            ws.set_column_width(col, *width)?;
            col += 1;
        }
        let plan_col = col;
        // Row 3 holds only the group's two sub-headers, written after every row-2 cell:
        // constant-memory mode cannot go back to a row once a later one is written.
        ws.merge_range(2, plan_col, 2, plan_col + 1, &format!("{year}年投资"), &head)?;
        ws.set_column_width(plan_col, 14)?;
        ws.set_column_width(plan_col + 1, 14)?;
        col += 2;
        for (field, width) in &singles[8..] {
            ws.merge_range(2, col, 3, col, &header_label(*field), &head)?;
            ws.set_column_width(col, *width)?;
            col += 1;
        }
        ws.merge_range(2, col, 3, col, Field::OwnerUnit.label(), &head)?;
        ws.set_column_width(col, 16)?;
        debug_assert_eq!(col, LAST_COL);
        ws.write_string_with_format(3, plan_col, "年度计划投资", &head)?;
        ws.write_string_with_format(3, plan_col + 1, format!("1-{through_month}月完成投资"), &head)?;
        ws.set_freeze_panes(4, 3)?;
        Ok(LedgerWriter {
            wb,
            row: 4,
            seq: 0,
            sections: 0,
            plan_col,
            section_sums: [Wan::ZERO; 3],
            grand_sums: [Wan::ZERO; 3],
            bold: Format::new().set_bold().set_border(FormatBorder::Thin),
            bold_money: Format::new().set_bold().set_border(FormatBorder::Thin).set_num_format("#,##0.0000"),
            cell: Format::new().set_border(FormatBorder::Thin).set_text_wrap(),
            money: Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.0000"),
            date: Format::new().set_border(FormatBorder::Thin).set_num_format("yyyy-mm-dd"),
        })
    }

    fn sheet(&mut self) -> Result<&mut rust_xlsxwriter::Worksheet, OfficeError> {
        Ok(self.wb.worksheet_from_index(0)?)
    }

    /// "一、产业项目（30个）"
    pub fn start_section(&mut self, name: &str, count: usize) -> Result<(), OfficeError> {
        let numeral = CHINESE_NUMERALS.get(self.sections).copied().unwrap_or("十");
        let (row, bold) = (self.row, self.bold.clone());
        self.sheet()?.merge_range(row, 0, row, LAST_COL, &format!("{numeral}、{name}（{count}个）"), &bold)?;
        self.sections += 1;
        self.section_sums = [Wan::ZERO; 3];
        self.row += 1;
        Ok(())
    }

    pub fn row(&mut self, h: &ProjectHeader, completed: Wan) -> Result<(), OfficeError> {
        self.seq += 1;
        let (r, seq, plan_col) = (self.row, self.seq, self.plan_col);
        let (cell, money, date) = (self.cell.clone(), self.money.clone(), self.date.clone());
        let ws = self.sheet()?;
        ws.write_number_with_format(r, 0, seq as f64, &cell)?;
        ws.write_string_with_format(r, 1, h.code.as_deref().unwrap_or(""), &cell)?;
        ws.write_string_with_format(r, 2, &h.name, &cell)?;
        ws.write_string_with_format(r, 3, &h.office, &cell)?;
        ws.write_string_with_format(r, 4, &h.industry, &cell)?;
        ws.write_string_with_format(r, 5, h.stage.map_or("", Stage::label), &cell)?;
        ws.write_string_with_format(r, 6, &h.location, &cell)?;
        ws.write_string_with_format(r, 7, &h.content, &cell)?;
        ws.write_number_with_format(r, 8, h.total_investment.as_f64(), &money)?;
        ws.write_number_with_format(r, plan_col, h.annual_plan.as_f64(), &money)?;
        ws.write_number_with_format(r, plan_col + 1, completed.as_f64(), &money)?;
        // A day is an Excel date; a month or a year is written as people write it
        // ("2026年3月", "2027年"), which reads back with the same precision.
        for (offset, d) in [h.planned_start, h.planned_finish, h.actual_start, h.actual_finish].into_iter().enumerate()
        {
            let c = plan_col + 2 + offset as u16;
            match d {
                Some(LedgerDate { date: d, precision: Precision::Day }) => ws.write_datetime_with_format(
                    r,
                    c,
                    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year_u16(), d.month_u8(), d.day_u8())?,
                    &date,
                )?,
                Some(d) => ws.write_string_with_format(r, c, d.label(), &cell)?,
                None => ws.write_blank(r, c, &cell)?,
            };
        }
        ws.write_string_with_format(r, plan_col + 6, &h.leader, &cell)?;
        ws.write_string_with_format(r, plan_col + 7, &h.responsible_unit, &cell)?;
        ws.write_string_with_format(r, plan_col + 8, &h.owner_unit, &cell)?;
        for (sum, v) in self.section_sums.iter_mut().zip([h.total_investment, h.annual_plan, completed]) {
            *sum += v;
        }
        self.row += 1;
        Ok(())
    }

    /// The section's 小计 row.
    pub fn end_section(&mut self) -> Result<(), OfficeError> {
        let sums = self.section_sums;
        self.totals_row("小计", sums)?;
        for (g, s) in self.grand_sums.iter_mut().zip(sums) {
            *g += s;
        }
        Ok(())
    }

    fn totals_row(&mut self, label: &str, sums: [Wan; 3]) -> Result<(), OfficeError> {
        let (r, plan_col, bold, bold_money) = (self.row, self.plan_col, self.bold.clone(), self.bold_money.clone());
        let ws = self.sheet()?;
        ws.merge_range(r, 0, r, 7, label, &bold)?;
        ws.write_number_with_format(r, 8, sums[0].as_f64(), &bold_money)?;
        ws.write_number_with_format(r, plan_col, sums[1].as_f64(), &bold_money)?;
        ws.write_number_with_format(r, plan_col + 1, sums[2].as_f64(), &bold_money)?;
        self.row += 1;
        Ok(())
    }

    /// The 合计 row and a note under the table.
    pub fn finish(mut self, note: &str) -> Result<Vec<u8>, OfficeError> {
        let label = format!("合计（{}个）", self.seq);
        let sums = self.grand_sums;
        self.totals_row(&label, sums)?;
        let r = self.row + 1;
        self.sheet()?.merge_range(r, 0, r, LAST_COL, note, &Format::new())?;
        Ok(self.wb.save_to_buffer()?)
    }
}

fn header_label(field: Field) -> String {
    match field {
        Field::Total => "总投资（万元）".to_string(),
        other => other.label().to_string(),
    }
}

/// Small date helpers for rust_xlsxwriter's u16/u8 arguments.
trait DateParts {
    fn year_u16(&self) -> u16;
    fn month_u8(&self) -> u8;
    fn day_u8(&self) -> u8;
}

impl DateParts for NaiveDate {
    fn year_u16(&self) -> u16 {
        chrono::Datelike::year(self).clamp(1900, 9999) as u16
    }
    fn month_u8(&self) -> u8 {
        chrono::Datelike::month(self) as u8
    }
    fn day_u8(&self) -> u8 {
        chrono::Datelike::day(self) as u8
    }
}
