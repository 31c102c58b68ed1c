//! The first sheet's rows, streamed: calamine's cell reader grouped into rows, with
//! the sheet's reach and cell count bounded as it goes.

use super::{HEADER_SEARCH_ROWS, MAX_COLUMNS, limits, not_xlsx};
use crate::OfficeError;
use calamine::{Data, DataRef};
use std::io::Cursor;

/// A non-empty cell: (row, column), 0-based, and its value.
type SheetCell = ((u32, u32), Data);

/// The first sheet's non-empty cells a row at a time, as the sheet stores them
/// (calamine's streaming reader: one cell in memory at a time).
pub(crate) struct SheetRows<'a> {
    cells: calamine::XlsxCellReader<'a, Cursor<&'a [u8]>>,
    /// A cell read ahead: the first of the next row.
    ahead: Option<SheetCell>,
    /// The last row returned.
    last: Option<u32>,
    non_empty: usize,
    /// The sheet's cells are all read (the reader must not be asked again).
    done: bool,
    max_rows: usize,
}

impl<'a> SheetRows<'a> {
    pub(crate) fn new(cells: calamine::XlsxCellReader<'a, Cursor<&'a [u8]>>, max_rows: usize) -> SheetRows<'a> {
        SheetRows { cells, ahead: None, last: None, non_empty: 0, done: false, max_rows }
    }

    /// The next row with a non-empty cell: its 0-based index, and its cells by absolute
    /// column from A (empty where the sheet has none).
    pub(crate) fn next_row(&mut self, row: &mut Vec<Data>) -> Result<Option<u32>, OfficeError> {
        row.clear();
        let mut current = None;
        loop {
            let cell = match self.ahead.take() {
                Some(cell) => Some(cell),
                None => self.next_cell()?,
            };
            let Some(((r, c), value)) = cell else { break };
            match current {
                None if self.last.is_some_and(|last| r <= last) => {
                    // Excel writes rows in order; going back would mean holding the
                    // whole sheet to sort it.
                    return Err(OfficeError::NotXlsx(format!(
                        "第一张工作表的第{}行写在第{}行之后，行的顺序不对；请用 Excel 打开后另存再导入",
                        r + 1,
                        self.last.unwrap_or(0) + 1
                    )));
                }
                None => current = Some(r),
                Some(cur) if cur != r => {
                    self.ahead = Some(((r, c), value));
                    break;
                }
                Some(_) => {}
            }
            let c = c as usize;
            if row.len() <= c {
                row.resize(c + 1, Data::Empty);
            }
            row[c] = value;
        }
        if current.is_some() {
            self.last = current;
        }
        Ok(current)
    }

    /// Reads the rest of the sheet for the checks [`SheetRows::next_cell`] makes.
    pub(crate) fn drain(&mut self) -> Result<(), OfficeError> {
        while self.next_cell()?.is_some() {}
        Ok(())
    }

    fn next_cell(&mut self) -> Result<Option<SheetCell>, OfficeError> {
        let max_row = self.max_rows + HEADER_SEARCH_ROWS + 1_000;
        while !self.done {
            let Some(cell) = self.cells.next_cell().map_err(not_xlsx)? else {
                self.done = true;
                break;
            };
            let (row, col) = cell.get_position();
            if row as usize > max_row {
                return Err(OfficeError::TooManyRows(row as usize, self.max_rows));
            }
            if col as usize >= MAX_COLUMNS {
                return Err(OfficeError::TooManyColumns(MAX_COLUMNS));
            }
            if matches!(cell.get_value(), DataRef::Empty) {
                continue;
            }
            self.non_empty += 1;
            if self.non_empty > limits::MAX_CELLS {
                return Err(OfficeError::TooLarge(format!(
                    "第一张工作表读到第{}行时，非空单元格已超过 {}（上限），请分批导入",
                    row + 1,
                    limits::many(limits::MAX_CELLS as u64, "个")
                )));
            }
            return Ok(Some(((row, col), Data::from(cell.get_value().clone()))));
        }
        Ok(None)
    }
}
