//! Plain tables from a workbook's first sheet, for sheets other than the project
//! ledger (the departments' enterprise lists): the header found by text in the first
//! rows, then each row's cells as typed values with its Excel row number. The package
//! is checked as a stream first and the sheet is read a row at a time, with the same
//! bounds as a ledger (`ledger::limits`), so a hostile file costs what a ledger costs.

use crate::OfficeError;
use crate::ledger::limits::{MAX_KEPT_TEXT, check_package, size};
use crate::ledger::read::sheet_rows::SheetRows;
use calamine::{Data, Reader};
use chrono::NaiveDate;
use std::io::Cursor;

/// How far down the header is looked for.
const HEADER_ROWS: usize = 15;

/// One cell as the sheet holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell, written as its shortest decimal ("1234.5").
    Number(String),
    Date(NaiveDate),
    Bool(bool),
    /// An error cell (#DIV/0!) or a value that cannot be read.
    Error(String),
}

impl Cell {
    /// The cell as text for a message or a text field ("" for empty).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) | Cell::Number(t) => t.trim().to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// The first sheet as a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    /// The header's Excel row number (from 1).
    pub header_row: usize,
    pub headers: Vec<String>,
    /// Each non-empty row below the header: its Excel row number and its cells, one per header.
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// Reads the first sheet: the header is the first of the first rows for which
/// `is_header` says yes (given the row's cells as text).
pub fn read_table(bytes: &[u8], max_rows: usize, is_header: impl Fn(&[String]) -> bool) -> Result<Table, OfficeError> {
    check_package(bytes, max_rows)?;
    let mut workbook: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let sheet = workbook.sheet_names().first().cloned().ok_or(OfficeError::NoSheet)?;
    let mut rows = SheetRows::new(workbook.worksheet_cells_reader(&sheet).map_err(not_xlsx)?, max_rows);
    let mut row = Vec::new();
    let mut seen = 0;
    let mut header: Option<(usize, Vec<String>)> = None;
    while let Some(r) = rows.next_row(&mut row)? {
        seen += 1;
        let texts: Vec<String> = row.iter().map(|d| cell_of(d).text()).collect();
        if is_header(&texts) {
            header = Some((r as usize + 1, texts));
            break;
        }
        if seen >= HEADER_ROWS {
            break;
        }
    }
    let Some((header_row, headers)) = header else {
        rows.drain()?;
        return Err(OfficeError::BadHeader(format!(
            "前{HEADER_ROWS}行中没有找到表头：需要有一行含“统一社会信用代码”（或 uscc）"
        )));
    };
    let mut body = Vec::new();
    // What the table keeps: one long shared string repeated in every cell would
    // otherwise be copied into every cell (a 2 MB file held 20 GB).
    let mut kept = 0usize;
    while let Some(r) = rows.next_row(&mut row)? {
        if body.len() >= max_rows {
            return Err(OfficeError::TooManyRows(r as usize + 1, max_rows));
        }
        let mut cells: Vec<Cell> = (0..headers.len()).map(|c| row.get(c).map_or(Cell::Empty, cell_of)).collect();
        // Cells beyond the header's last column are not data of any column.
        cells.truncate(headers.len());
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        kept += cells
            .iter()
            .map(|c| match c {
                Cell::Text(t) | Cell::Number(t) | Cell::Error(t) => t.len() + 24,
                _ => 24,
            })
            .sum::<usize>();
        if kept > MAX_KEPT_TEXT {
            return Err(OfficeError::TooLarge(format!(
                "读到第{}行时，表中的文字已超过 {}（上限），不像部门报送的企业数据，请检查是否有很长的内容被重复填写",
                r + 1,
                size(MAX_KEPT_TEXT as u64)
            )));
        }
        body.push((r as usize + 1, cells));
    }
    Ok(Table { sheet, header_row, headers, rows: body })
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(i.to_string()),
        Data::Float(f) => {
            Cell::Number(if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", *f as i64) } else { format!("{f}") })
        }
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => {
            excel_serial(d.as_f64()).map_or_else(|| Cell::Error(format!("{}", d.as_f64())), Cell::Date)
        }
        Data::DateTimeIso(s) => NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
            .map_or_else(|_| Cell::Text(s.clone()), Cell::Date),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e:?}")),
    }
}

fn not_xlsx(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::NotXlsx(e.to_string())
}

/// An Excel date serial (1900 system; 60 is the fictitious 1900-02-29).
fn excel_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One 32,000-character text shared by every cell: refused once the kept text
    /// passes the bound, long before it is copied into every cell.
    #[test]
    fn a_long_text_shared_by_every_cell_is_refused() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let long = "长".repeat(10_000);
        ws.write_string(0, 0, "统一社会信用代码").unwrap();
        for c in 1..10u16 {
            ws.write_string(0, c, format!("列{c}")).unwrap();
        }
        for r in 1..1_000u32 {
            ws.write_string(r, 0, "914403001922038216").unwrap();
            for c in 1..10u16 {
                ws.write_string(r, c, &long).unwrap();
            }
        }
        let bytes = wb.save_to_buffer().unwrap();
        assert!(bytes.len() < 2_000_000, "{}", bytes.len());
        let err = read_table(&bytes, 30_000, |cells| cells.iter().any(|c| c == "统一社会信用代码")).unwrap_err();
        assert!(err.to_string().contains("表中的文字已超过"), "{err}");
    }

    #[test]
    fn the_header_is_found_below_a_title_and_rows_keep_their_numbers() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "2025年度税务数据").unwrap();
        ws.write_string(2, 0, "统一社会信用代码").unwrap();
        ws.write_string(2, 1, "销售收入").unwrap();
        ws.write_string(4, 0, "914403001922038216").unwrap();
        ws.write_number(4, 1, 1234.5).unwrap();
        let table =
            read_table(&wb.save_to_buffer().unwrap(), 100, |c| c.iter().any(|h| h == "统一社会信用代码")).unwrap();
        assert_eq!(table.header_row, 3);
        assert_eq!(table.rows, vec![(5, vec![Cell::Text("914403001922038216".into()), Cell::Number("1234.5".into())])]);
    }
}
