//! Reading a ledger: the header found by its text, section / 小计 / 合计 / blank /
//! note rows skipped, every cell of the columns the sheet has parsed into a domain
//! value or reported as "第N行 列名：原因".
//!
//! The sheet is streamed with calamine's cell reader, a row at a time: only the rows
//! the header is looked for in are held, and each row below is read into the ledger as
//! it comes. calamine's own ranges are dense grids from the first cell to the last,
//! 32 bytes a cell, which two cells far apart turn into gigabytes.

use super::{
    Field, HEADER_SEARCH_ROWS, MAX_COLUMNS, MAX_DATA_ROWS, field_for, field_in_group, impossible_in_header, limits,
    through_month, year_in,
};
use crate::{OfficeError, RowProblem};
use calamine::{Data, Reader};
use fengkou_domain::dates::{LedgerDate, date_from_number, parse_ledger_date_precise, parse_period};
use fengkou_domain::{Stage, Wan};
use std::collections::BTreeMap;
use std::io::Cursor;

pub(crate) mod sheet_rows;
use sheet_rows::SheetRows;

/// One cell of a column the sheet has.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The column is there, the cell is empty: keep the stored value (or clear it, if
    /// the user chose so).
    Blank,
    Text(String),
    Money(Wan),
    Date(LedgerDate),
    Stage(Stage),
    /// 建设起止年限: the planned start and finish.
    Period(LedgerDate, LedgerDate),
}

/// A project row read from a ledger: the values of the columns the sheet has.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    /// 1-based Excel row number.
    pub row: usize,
    pub values: RowValues,
    /// The section row above it ("一、产业项目（30个）"), if any.
    pub section: Option<String>,
}

/// A row's values by field: a short list kept in field order. A ledger row has a dozen
/// or two; a `BTreeMap` of them cost about twice the memory, which at 200,000 rows was
/// the largest part of reading a ledger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowValues(Vec<(Field, Value)>);

impl RowValues {
    pub fn with_capacity(n: usize) -> RowValues {
        RowValues(Vec::with_capacity(n))
    }

    pub fn get(&self, field: &Field) -> Option<&Value> {
        self.0.binary_search_by(|(f, _)| f.cmp(field)).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, field: &Field) -> bool {
        self.get(field).is_some()
    }

    /// Sets a field's value (replacing one already there).
    pub fn insert(&mut self, field: Field, value: Value) {
        match self.0.binary_search_by(|(f, _)| f.cmp(&field)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (field, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Field, &Value)> {
        self.0.iter().map(|(f, v)| (f, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a RowValues {
    type Item = (&'a Field, &'a Value);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Field, Value)>, fn(&'a (Field, Value)) -> (&'a Field, &'a Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(f, v)| (f, v))
    }
}

impl LedgerRow {
    pub fn get(&self, field: Field) -> Option<&Value> {
        self.values.get(&field)
    }

    /// The cell's text when the column is there and the cell is not blank.
    pub fn text(&self, field: Field) -> Option<&str> {
        match self.values.get(&field) {
            Some(Value::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    pub fn money(&self, field: Field) -> Option<Wan> {
        match self.values.get(&field) {
            Some(Value::Money(w)) => Some(*w),
            _ => None,
        }
    }

    pub fn stage(&self) -> Option<Stage> {
        match self.values.get(&Field::Stage) {
            Some(Value::Stage(s)) => Some(*s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub section: usize,
    pub subtotal: usize,
    pub total: usize,
    pub blank: usize,
    pub note: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ParsedLedger {
    pub rows: Vec<LedgerRow>,
    pub problems: Vec<RowProblem>,
    pub skipped: Skipped,
    /// Rows below the header that were looked at.
    pub rows_read: usize,
    /// The plan year named in the header ("2026年投资"), if any.
    pub plan_year: Option<i32>,
    /// The columns the sheet has, in sheet order, with their header text.
    pub columns: Vec<(Field, String)>,
    /// The last month of the completed-investment column ("1-10月完成投资" → 10).
    pub completed_through: Option<u32>,
    /// What was recognised and deliberately not imported, in words.
    pub notes: Vec<String>,
}

impl ParsedLedger {
    pub fn has(&self, field: Field) -> bool {
        self.columns.iter().any(|(f, _)| *f == field)
    }

    /// The header text of a column, as the sheet wrote it.
    pub fn header_of(&self, field: Field) -> Option<&str> {
        self.columns.iter().find(|(f, _)| *f == field).map(|(_, h)| h.as_str())
    }
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn is_blank(row: &[Data]) -> bool {
    row.iter().all(|c| cell_text(c).is_empty())
}

fn is_numeric(c: &Data) -> bool {
    matches!(c, Data::Float(_) | Data::Int(_) | Data::DateTime(_))
}

fn chinese_numeral_heading(text: &str) -> bool {
    text.split_once('、').is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| "一二三四五六七八九十".contains(c)))
}

#[derive(Debug, PartialEq, Eq)]
enum RowKind {
    Blank,
    Section,
    Subtotal,
    Total,
    Note,
    Data,
}

fn classify(row: &[Data], name_col: Option<usize>) -> RowKind {
    if is_blank(row) {
        return RowKind::Blank;
    }
    let texts: Vec<String> = row.iter().map(cell_text).collect();
    let compact: Vec<String> = texts.iter().map(|t| t.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    if compact.iter().any(|t| t.contains("小计")) {
        return RowKind::Subtotal;
    }
    if compact.iter().any(|t| t == "合计" || t == "总计" || t.starts_with("合计") || t.starts_with("总计")) {
        return RowKind::Total;
    }
    let first = compact.iter().find(|t| !t.is_empty()).cloned().unwrap_or_default();
    if ["注", "备注", "说明", "填报人", "制表", "审核", "数据来源"].iter().any(|p| first.starts_with(p))
    {
        return RowKind::Note;
    }
    let non_empty = compact.iter().filter(|t| !t.is_empty()).count();
    // A sheet matched by 项目编号 alone has no name column; its rows are data.
    let name_empty = name_col.is_some_and(|c| compact.get(c).is_none_or(|t| t.is_empty()));
    if chinese_numeral_heading(&first) || (non_empty <= 2 && name_empty) {
        return RowKind::Section;
    }
    if name_empty && non_empty == 1 {
        return RowKind::Note;
    }
    RowKind::Data
}

/// Whether the row under the header is a second header row: under merged group cells
/// ("2026年投资" over "年度计划投资" / "1-10月完成投资", "建设起止年限" over "开工时间" /
/// "竣工时间"), with header texts and no numbers, nothing in the name column, and at
/// least one text under a group cell.
fn is_sub_header(top: &[Data], sub: &[Data], name_col: Option<usize>) -> bool {
    if sub.iter().any(is_numeric) || is_blank(sub) {
        return false;
    }
    if name_col.is_some_and(|c| sub.get(c).is_some_and(|t| !cell_text(t).is_empty())) {
        return false;
    }
    let texts: Vec<String> = sub.iter().map(cell_text).collect();
    let first = texts.iter().find(|t| !t.is_empty()).cloned().unwrap_or_default();
    if chinese_numeral_heading(&first) || texts.iter().any(|t| t.contains("小计") || t.contains("合计")) {
        return false;
    }
    let mut group = String::new();
    let mut under_group = false;
    for (col, text) in texts.iter().enumerate() {
        let top_text = top.get(col).map(cell_text).unwrap_or_default();
        if !top_text.is_empty() {
            group = top_text.clone();
        }
        if text.is_empty() {
            continue;
        }
        // Sub-columns we do not read ("中央资金") may sit beside those we do.
        if field_in_group(&group, text).is_none() {
            continue;
        }
        let top_is_a_field = !top_text.is_empty() && field_for(&top_text).is_some_and(|f| f != Field::Period);
        if !top_is_a_field && group != "序号" {
            under_group = true;
        }
    }
    under_group
}

/// Reads a ledger from .xlsx bytes. File-level problems are errors; cell-level problems
/// are collected in [`ParsedLedger::problems`] so that all of them can be shown at once.
///
/// Memory stays bounded whatever the file: `limits::check_package` refuses what no
/// ledger holds before calamine opens the workbook, and the first sheet is streamed a
/// row at a time (`SheetRows`) into the parsed rows, never built as a grid (calamine's
/// ranges are dense: one cell in A1 and one in GR201000 make 40 million cells).
pub fn read_ledger(bytes: &[u8]) -> Result<ParsedLedger, OfficeError> {
    read_ledger_at_most(bytes, MAX_DATA_ROWS)
}

/// Like [`read_ledger`], refusing a sheet of more than `max_rows` data rows (as soon as
/// it reaches them: what was read is let go). The server takes fewer rows per upload
/// than the CLI, to keep its own memory bounded.
pub fn read_ledger_at_most(bytes: &[u8], max_rows: usize) -> Result<ParsedLedger, OfficeError> {
    let max_rows = max_rows.min(MAX_DATA_ROWS);
    limits::check_package(bytes, max_rows)?;
    let mut workbook: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let name = workbook.sheet_names().first().cloned().ok_or(OfficeError::NoSheet)?;
    let mut sheet = SheetRows::new(workbook.worksheet_cells_reader(&name).map_err(not_xlsx)?, max_rows);

    // The rows the header is looked for in and the one under it, as a grid from the
    // first row with a cell (blank rows are empty).
    let mut head: Vec<Vec<Data>> = Vec::new();
    let mut first_row = 0;
    let mut next: Option<(u32, Vec<Data>)> = None;
    let mut row = Vec::new();
    while let Some(r) = sheet.next_row(&mut row)? {
        if head.is_empty() {
            first_row = r;
        }
        let i = (r - first_row) as usize;
        if i > HEADER_SEARCH_ROWS {
            next = Some((r, std::mem::take(&mut row)));
            break;
        }
        head.resize(i, Vec::new());
        head.push(std::mem::take(&mut row));
    }
    let layout = match Layout::find(&head) {
        Ok(layout) => layout,
        Err(e) => {
            // A sheet that reaches too far is said first, as when the sheet was
            // checked whole before its header was looked for.
            sheet.drain()?;
            return Err(e);
        }
    };

    let mut body = Body::new(layout, max_rows);
    let data_start = body.layout.data_start;
    for (i, cells) in head.iter().enumerate().skip(data_start) {
        body.row(first_row as usize + i + 1, cells)?;
    }
    // The rows below the head, as they come; the rows between them are blank.
    let mut expected = first_row as usize + head.len();
    drop(head);
    loop {
        let (r, cells) = match next.take() {
            Some(pending) => pending,
            None => match sheet.next_row(&mut row)? {
                Some(r) => (r, std::mem::take(&mut row)),
                None => break,
            },
        };
        let r = r as usize;
        body.blank_rows(r - expected);
        body.row(r + 1, &cells)?;
        expected = r + 1;
        row = cells;
    }
    body.finish()
}

fn not_xlsx(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::NotXlsx(e.to_string())
}

/// The header: where it is and what each column means.
struct Layout {
    /// The first data row, counted from the first row with a cell.
    data_start: usize,
    /// The field of each column (by absolute column), if it is read.
    columns: Vec<Option<Field>>,
    name_col: Option<usize>,
    /// The ledger so far: columns, plan year, months, notes.
    out: ParsedLedger,
}

impl Layout {
    fn find(rows: &[Vec<Data>]) -> Result<Layout, OfficeError> {
        // The header row names the project (项目名称) or at least its code (项目编号).
        let header_idx = rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|r| r.iter().any(|c| field_for(&cell_text(c)) == Some(Field::Name)))
            .or_else(|| {
                rows.iter()
                    .take(HEADER_SEARCH_ROWS)
                    .position(|r| r.iter().any(|c| field_for(&cell_text(c)) == Some(Field::Code)))
            })
            .ok_or(OfficeError::NoHeader(HEADER_SEARCH_ROWS))?;
        let top = &rows[header_idx];
        let top_name_col = top.iter().position(|c| field_for(&cell_text(c)) == Some(Field::Name));
        let sub = rows.get(header_idx + 1);
        let two_rows = sub.is_some_and(|s| is_sub_header(top, s, top_name_col));

        // Columns past both header rows have no header text: nothing to read there.
        let width = top.len().max(if two_rows { sub.map_or(0, Vec::len) } else { 0 });
        let mut columns: Vec<Option<Field>> = vec![None; width];
        let mut out = ParsedLedger::default();
        let mut group = String::new();
        let mut unread: Vec<String> = Vec::new();
        for col in 0..width {
            let top_text = top.get(col).map(cell_text).unwrap_or_default();
            if !top_text.is_empty() {
                group = top_text.clone();
            }
            let sub_text =
                if two_rows { sub.and_then(|s| s.get(col)).map(cell_text).unwrap_or_default() } else { String::new() };
            let (text, field) = if sub_text.is_empty() {
                (top_text.clone(), field_for(&top_text))
            } else {
                (sub_text.clone(), field_in_group(&group, &sub_text))
            };
            let Some(f) = field else {
                // Said, so that nobody thinks a column was imported when it was not.
                if !text.is_empty() && text != "序号" && !(two_rows && sub_text.is_empty() && top_text.is_empty()) {
                    unread.push(text);
                }
                continue;
            };
            if matches!(f, Field::AnnualPlan | Field::Completed) {
                for header in [text.as_str(), group.as_str()] {
                    if let Some(why) = impossible_in_header(header) {
                        return Err(OfficeError::BadHeader(format!("“{header}”：{why}")));
                    }
                }
                out.plan_year = out
                    .plan_year
                    .or_else(|| year_in(&text))
                    .or_else(|| if sub_text.is_empty() { None } else { year_in(&group) });
            }
            if f == Field::Completed && out.completed_through.is_none() {
                out.completed_through = through_month(&text);
            }
            if f == Field::SinceStartCompleted {
                out.notes.push(format!("“{text}”列是开工以来的累计数，不是本年完成投资，未导入"));
                continue;
            }
            // First column wins when two headers mean the same thing.
            if !columns.contains(&Some(f)) {
                columns[col] = Some(f);
                out.columns.push((f, text));
            }
        }
        if !unread.is_empty() {
            out.notes.push(format!("未识别、未导入的列：{}", unread.join("、")));
        }
        let identifies = out.has(Field::Code) || (out.has(Field::Name) && out.has(Field::Office));
        if !identifies {
            return Err(OfficeError::MissingColumns(vec![
                "项目编号（或 项目名称 + 所在办事处）：用于识别项目".to_string(),
            ]));
        }
        let name_col = columns.iter().position(|c| *c == Some(Field::Name));
        Ok(Layout { data_start: header_idx + if two_rows { 2 } else { 1 }, columns, name_col, out })
    }
}

/// The rows under the header, read one at a time into the ledger.
struct Body {
    layout: Layout,
    date_columns: BTreeMap<Field, DateColumn>,
    section: Option<String>,
    non_blank: usize,
    max_rows: usize,
    /// Bytes of text the ledger keeps, against [`limits::MAX_KEPT_TEXT`].
    kept: usize,
}

impl Body {
    fn new(layout: Layout, max_rows: usize) -> Body {
        Body { layout, date_columns: BTreeMap::new(), section: None, non_blank: 0, max_rows, kept: 0 }
    }

    /// Rows without a cell between two rows that have one.
    fn blank_rows(&mut self, n: usize) {
        self.layout.out.rows_read += n;
        self.layout.out.skipped.blank += n;
    }

    /// One row below the header (`excel_row` is 1-based).
    fn row(&mut self, excel_row: usize, row: &[Data]) -> Result<(), OfficeError> {
        let kind = classify(row, self.layout.name_col);
        if kind != RowKind::Blank {
            self.non_blank += 1;
        }
        let out = &mut self.layout.out;
        if self.non_blank > self.max_rows {
            // The file is refused at the end with the count of its rows; what was read
            // is let go now.
            out.rows = Vec::new();
            out.problems = Vec::new();
            return Ok(());
        }
        out.rows_read += 1;
        match kind {
            RowKind::Blank => out.skipped.blank += 1,
            RowKind::Section => {
                out.skipped.section += 1;
                self.section = row.iter().map(cell_text).find(|t| !t.is_empty());
            }
            RowKind::Subtotal => out.skipped.subtotal += 1,
            RowKind::Total => out.skipped.total += 1,
            RowKind::Note => out.skipped.note += 1,
            RowKind::Data => {
                let problems_before = out.problems.len();
                let mut values = RowValues::with_capacity(self.layout.columns.iter().flatten().count());
                for (col, field) in self.layout.columns.iter().enumerate() {
                    let Some(field) = *field else { continue };
                    let cell = row.get(col).unwrap_or(&Data::Empty);
                    let mut cells = CellReader { excel_row, field, problems: &mut out.problems };
                    let value = cells.read(cell);
                    if field.is_date() && !cell_text(cell).is_empty() {
                        let entry = self.date_columns.entry(field).or_default();
                        entry.non_empty += 1;
                        match value {
                            Some(_) => entry.read += 1,
                            None => {
                                entry.example.get_or_insert((excel_row, cell_text(cell)));
                            }
                        }
                    }
                    if let Some(v) = value {
                        if let Value::Text(t) = &v {
                            self.kept += t.len();
                        }
                        values.insert(field, v);
                    }
                }
                self.kept += self.section.as_ref().map_or(0, String::len);
                self.kept +=
                    out.problems[problems_before..].iter().map(|p| p.column.len() + p.reason.len()).sum::<usize>();
                out.rows.push(LedgerRow { row: excel_row, values, section: self.section.clone() });
                if self.kept > limits::MAX_KEPT_TEXT {
                    return Err(OfficeError::TooLarge(format!(
                        "读到第{excel_row}行时，要导入的文字已超过 {}（上限），不像正常的表格，请检查是否有很长的内容被重复填写",
                        limits::size(limits::MAX_KEPT_TEXT as u64)
                    )));
                }
                if out.problems.len() > limits::MAX_PROBLEMS {
                    return Err(OfficeError::TooLarge(format!(
                        "读到第{excel_row}行时，已有超过 {}单元格读不出来（第一个：{}），请先检查表格",
                        limits::many(limits::MAX_PROBLEMS as u64, "个"),
                        out.problems[0]
                    )));
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<ParsedLedger, OfficeError> {
        if self.non_blank > self.max_rows {
            return Err(OfficeError::TooManyRows(self.non_blank, self.max_rows));
        }
        let out = self.layout.out;
        // A date column none of whose cells is a date is not a date column as we read it:
        // say so once for the column (one cell alone is that cell's problem).
        for (field, DateColumn { non_empty, read, example }) in self.date_columns {
            if read == 0
                && non_empty >= 2
                && let Some((row, text)) = example
            {
                let header = out.header_of(field).unwrap_or(field.label()).to_string();
                return Err(OfficeError::UnreadableDateColumn { header, non_empty, row, example: text });
            }
        }
        Ok(out)
    }
}

/// What a date column held: non-empty cells, cells read as dates, the first that was
/// not (row, text).
#[derive(Default)]
struct DateColumn {
    non_empty: usize,
    read: usize,
    example: Option<(usize, String)>,
}

/// Reads one cell of a data row into its field's value, or records the problem.
struct CellReader<'a> {
    excel_row: usize,
    field: Field,
    problems: &'a mut Vec<RowProblem>,
}

impl CellReader<'_> {
    fn problem(&mut self, reason: String) -> Option<Value> {
        self.problems.push(RowProblem { row: self.excel_row, column: self.field.label().to_string(), reason });
        None
    }

    fn read(&mut self, cell: &Data) -> Option<Value> {
        let text = cell_text(cell);
        if text.is_empty() {
            return Some(Value::Blank);
        }
        match self.field {
            Field::Stage => match Stage::from_label(&text) {
                Some(s) => Some(Value::Stage(s)),
                None => self.problem(format!(
                    "无法识别的阶段“{text}”（可填 谋划、洽谈、签约、开工、建设/在建、投产/竣工、达产）"
                )),
            },
            Field::Total | Field::AnnualPlan | Field::Completed => {
                let parsed = match cell {
                    Data::Float(f) => Wan::from_wan_f64(*f).map_err(|e| e.to_string()),
                    Data::Int(i) => Ok(Wan::from_wan(*i)),
                    _ => Wan::parse(&text).map_err(|e| e.to_string()),
                };
                match parsed {
                    Ok(w) if w.yuan() < 0 => self.problem("金额不能为负数".into()),
                    Ok(w) => Some(Value::Money(w)),
                    Err(e) => self.problem(e),
                }
            }
            Field::Period => {
                if let Some((from, to)) = parse_period(&text) {
                    if to.last_day() < from.first_day() {
                        return self.problem(format!("“{text}”的结束早于开始"));
                    }
                    return Some(Value::Period(from, to));
                }
                // A single year or date: the project is built within it.
                match self.date(cell, &text) {
                    Ok(d) => Some(Value::Period(d, d)),
                    Err(_) => {
                        self.problem(format!("无法识别的建设起止年限“{text}”（可写 2025-2027、2025.03-2027.12）"))
                    }
                }
            }
            f if f.is_date() => match self.date(cell, &text) {
                Ok(d) => Some(Value::Date(d)),
                Err(e) => self.problem(e),
            },
            _ => Some(Value::Text(text)),
        }
    }

    /// A number in a date cell is a year (1900–2100) or an Excel serial day; text is
    /// read as ledgers write dates.
    fn date(&self, cell: &Data, text: &str) -> Result<LedgerDate, String> {
        match cell {
            Data::DateTime(d) => date_from_number(d.as_f64()).ok_or_else(|| "不是有效的日期".to_string()),
            Data::Float(f) => date_from_number(*f).ok_or_else(|| "不是有效的日期".to_string()),
            Data::Int(i) => date_from_number(*i as f64).ok_or_else(|| "不是有效的日期".to_string()),
            _ => parse_ledger_date_precise(text).map_err(|e| e.to_string()),
        }
    }
}
