//! Plain titled tables in a workbook: per sheet a title row, a unit row, one header row
//! and the data.

use crate::OfficeError;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

/// A cell of a plain table.
#[derive(Debug, Clone)]
pub enum TableCell {
    Text(String),
    /// An amount, two decimals.
    Number(f64),
    /// A count, written as a whole number.
    Count(i64),
    /// A percentage given as 0–100, written as a number in percent format (a
    /// spreadsheet can sort and sum it); "—" when there is none.
    Percent(Option<f64>),
}

/// One worksheet of a plain workbook.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub title: String,
    pub unit: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

pub fn write_table(title: &str, unit: &str, headers: &[&str], rows: &[Vec<TableCell>]) -> Result<Vec<u8>, OfficeError> {
    write_sheets(&[Sheet {
        name: "Sheet1".into(),
        title: title.into(),
        unit: unit.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows.to_vec(),
    }])
}

pub fn write_sheets(sheets: &[Sheet]) -> Result<Vec<u8>, OfficeError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    let cell = Format::new().set_border(FormatBorder::Thin);
    let wrapped = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let num = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.00");
    let whole = Format::new().set_border(FormatBorder::Thin).set_num_format("0");
    let percent = Format::new().set_border(FormatBorder::Thin).set_num_format("0.0%");
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        let last = sheet.headers.len().saturating_sub(1) as u16;
        ws.merge_range(
            0,
            0,
            0,
            last.max(1),
            &sheet.title,
            &Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center),
        )?;
        ws.merge_range(1, 0, 1, last.max(1), &sheet.unit, &Format::new().set_align(FormatAlign::Right))?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, h, &head)?;
            ws.set_column_width(c as u16, column_width(c, h, &sheet.rows))?;
        }
        // The title, the unit and the header stay in sight while scrolling.
        ws.set_freeze_panes(3, 0)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 3;
            for (c, value) in row.iter().enumerate() {
                let c = c as u16;
                match value {
                    TableCell::Text(t) if display_width(t) > MAX_WIDTH => {
                        ws.write_string_with_format(r, c, t, &wrapped)?
                    }
                    TableCell::Text(t) => ws.write_string_with_format(r, c, t, &cell)?,
                    TableCell::Number(n) => ws.write_number_with_format(r, c, *n, &num)?,
                    TableCell::Count(n) => ws.write_number_with_format(r, c, *n as f64, &whole)?,
                    TableCell::Percent(Some(p)) => ws.write_number_with_format(r, c, *p / 100.0, &percent)?,
                    TableCell::Percent(None) => ws.write_string_with_format(r, c, "—", &cell)?,
                };
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// The widest a column grows (characters); longer text wraps.
const MAX_WIDTH: usize = 60;

/// How wide text shows: a Chinese character takes two columns.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A column as wide as its header or its widest cell (of the first thousand rows),
/// within 8 and [`MAX_WIDTH`]: 18-character codes and firms' names are not cut off.
fn column_width(c: usize, header: &str, rows: &[Vec<TableCell>]) -> f64 {
    let widest = rows
        .iter()
        .take(1_000)
        .filter_map(|r| r.get(c))
        .map(|cell| match cell {
            TableCell::Text(t) => display_width(t),
            TableCell::Number(n) => format!("{n:.2}").len() + 3,
            TableCell::Count(n) => n.to_string().len() + 2,
            TableCell::Percent(_) => 7,
        })
        .max()
        .unwrap_or(0);
    (widest.max(display_width(header)) + 2).clamp(8, MAX_WIDTH) as f64
}
