//! The enterprises' data as typed Arrow columns, a batch of rows at a time. The edge
//! splits a CSV into cells ([`TextCells`]: the records' buffer, or Arrow's string
//! arrays); [`Batch::from_cells`] checks and converts every cell here, so the messages
//! ("第N行 列名：原因") are the domain's.
//!
//! Each column is an Arrow array whose null bitmap marks the empty cells. A decimal
//! column is the nearest float of each cell (`Float64`, for the fast path) and its
//! exact value ([`Mantissas`], for the exact evaluator and the output), read back from
//! the float when every mantissa of the batch is below 2^51.
//!
//! Cells are typed straight into the columns' buffers (values, then the null bitmap),
//! without a `Vec<Option<_>>` between: `ladder assess` types a million firms' cells,
//! and the copies and the fresh memory they took were a fifth of its time.

use super::check::days;
use super::exact::{Cell, Record};
use super::schema::{Field, FieldType, Schema};
use arrow_array::types::Int16Type;
use arrow_array::{
    Array, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int16Array, Int64Array, StringArray,
};
use arrow_buffer::{BooleanBuffer, NullBuffer, NullBufferBuilder, ScalarBuffer};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// The most decimals a number cell may carry (a mantissa holds 38 digits).
pub const MAX_SCALE: u32 = 12;

pub enum Column {
    Int(Int64Array),
    /// `approx` carries the column's null bitmap; `exact` is each cell's mantissa at
    /// `scale` decimals (0 where the cell is empty).
    Decimal {
        exact: Mantissas,
        scale: u32,
        approx: Float64Array,
    },
    Flag(BooleanArray),
    Enum(DictionaryArray<Int16Type>),
    Text(StringArray),
    Date(Date32Array),
}

impl Column {
    pub fn array(&self) -> &dyn Array {
        match self {
            Column::Int(a) => a,
            Column::Decimal { approx, .. } => approx,
            Column::Flag(a) => a,
            Column::Enum(a) => a,
            Column::Text(a) => a,
            Column::Date(a) => a,
        }
    }

    /// The validity bitmap as 64-bit words (bit i of word w is row 64w + i), all ones
    /// where the column has no empty cell (past `len` too).
    pub fn known_words(&self, len: usize) -> Vec<u64> {
        match self.array().nulls() {
            Some(nulls) => nulls.inner().bit_chunks().iter_padded().take(len.div_ceil(64)).collect(),
            None => vec![u64::MAX; len.div_ceil(64)],
        }
    }
}

/// A decimal column's exact values: each cell's mantissa at the column's scale (the
/// value is mantissa / 10^scale). In 64 bits when every mantissa of the batch fits, as
/// real figures do (8 bytes a cell instead of 16: a million firms' columns are held
/// while they are assessed); in 128 otherwise.
#[derive(Debug, Clone)]
pub enum Mantissas {
    /// Every mantissa of the batch below 2^51: read back from the column's floats
    /// (`power` is 10^scale), not held a second time: a million firms' nine decimal
    /// columns are held until the last firm is read, and fresh memory is dear. The
    /// float is m / 10^s correctly rounded (m and 10^s exact below 2^53), so the
    /// product with 10^s is within |m| · 2^-52 < 1/2 of m and rounds back to it.
    Derived {
        values: ScalarBuffer<f64>,
        power: f64,
    },
    Narrow(ScalarBuffer<i64>),
    Wide(ScalarBuffer<i128>),
}

/// Mantissas below this are read back exactly from their floats ([`Mantissas::Derived`]).
const DERIVED_BELOW: u128 = 1 << 51;

impl Mantissas {
    pub fn value(&self, row: usize) -> i128 {
        match self {
            Mantissas::Derived { values, power } => (values[row] * power).round() as i128,
            Mantissas::Narrow(values) => i128::from(values[row]),
            Mantissas::Wide(values) => values[row],
        }
    }
}

/// One batch of rows: its columns in schema order, their validity words, and the row
/// number of its first record in the file (the header is line 1).
pub struct Batch {
    pub len: usize,
    pub first_line: usize,
    pub columns: Vec<Column>,
    pub known: Vec<Vec<u64>>,
    /// The values of a flag column as words (empty for other columns).
    pub flags: Vec<Vec<u64>>,
}

/// A cell that does not read as its column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第{}行 {}：{}", self.line, self.column, self.reason)
    }
}

/// The bad cells of some data: the first [`LISTED_CELL_ERRORS`] by line, and how many in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BadCells {
    pub listed: Vec<CellError>,
    pub total: usize,
}

impl BadCells {
    /// Adds another part's bad cells, keeping the first by line.
    pub fn merge(&mut self, other: BadCells) {
        self.total += other.total;
        self.listed.extend(other.listed);
        self.listed.sort_by_key(|e| e.line);
        self.listed.truncate(LISTED_CELL_ERRORS);
    }
}

/// How many bad cells are reported before reading stops listing them.
pub const LISTED_CELL_ERRORS: usize = 20;

fn trimmed(cell: &str) -> &str {
    // Most cells start and end with a printable ASCII byte and need no trimming: a
    // million firms' cells are trimmed when a file is assessed.
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => cell,
        _ => cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'),
    }
}

/// A cell as a message quotes it: at most 40 characters (a 30 MB cell is not echoed).
pub fn quote(text: &str) -> String {
    let mut shown: String = text.chars().take(40).map(|c| if c.is_control() { '�' } else { c }).collect();
    if text.chars().nth(40).is_some() {
        shown.push('…');
    }
    format!("“{shown}”")
}

/// Thousands separators as ledgers write them ("1,234,567.5"): groups of three digits
/// after the first, and only in the whole part. "1,5" or "12,34" is a typo, not 15.
fn separators_in_place(digits: &str) -> bool {
    if !digits.contains(',') {
        return true;
    }
    let whole = digits.split('.').next().unwrap_or_default();
    if !whole.contains(',') {
        return !digits.contains(',');
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    // "0,500" is a decimal comma, not five hundred.
    (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && groups.all(|g| g.len() == 3)
        && !digits[whole.len()..].contains(',')
}

/// Reads a decimal cell ("35.91", "-2", "1,234.5") exactly: (mantissa, decimals).
pub fn parse_decimal(cell: &str) -> Result<(i128, u32), String> {
    match plain_decimal(cell.as_bytes()) {
        Some(plain) => Ok(plain),
        None => any_decimal(cell),
    }
}

/// [`parse_decimal`] for every cell: signs, spaces, thousands separators, and the
/// reasons a cell is not a number.
fn any_decimal(cell: &str) -> Result<(i128, u32), String> {
    let text = trimmed(cell);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if !separators_in_place(digits) {
        return Err(format!("{}不是数字（千分位逗号的位置不对）", quote(text)));
    }
    let mut mantissa: i128 = 0;
    let mut scale: Option<u32> = None;
    let mut any = false;
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => {
                any = true;
                mantissa = mantissa
                    .checked_mul(10)
                    .and_then(|m| m.checked_add(i128::from(b - b'0')))
                    .ok_or_else(|| format!("{}超出可表示的范围", quote(text)))?;
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            b'.' if scale.is_none() => scale = Some(0),
            // A thousands separator, as ledgers write "1,234.5".
            b',' if scale.is_none() && any => {}
            _ => return Err(format!("{}不是数字", quote(text))),
        }
    }
    let scale = scale.unwrap_or(0);
    if !any {
        return Err(format!("{}不是数字", quote(text)));
    }
    if scale > MAX_SCALE {
        return Err(format!("{}的小数超过 {MAX_SCALE} 位", quote(text)));
    }
    if mantissa > 10i128.pow(30) {
        return Err(format!("{}超出可表示的范围", quote(text)));
    }
    Ok((if negative { -mantissa } else { mantissa }, scale))
}

/// The common case of [`parse_decimal`], read without 128-bit arithmetic or checks
/// that cannot fail: an optional minus, then up to 18 digits with at most one point
/// and at most [`MAX_SCALE`] decimals. Anything else (spaces, "+", thousands
/// separators, long numbers, text) is None, for the full reading and its message.
fn plain_decimal(bytes: &[u8]) -> Option<(i128, u32)> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // 18 digits fit in a u64 (below 10^18 < 2^63); longer cells take the full reading.
    if digits.len() > 18 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut point: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(b - b'0'),
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let scale = point.map_or(0, |p| digits.len() - p - 1) as u32;
    // A lone "." or "-" has no digit; the full reading says why.
    if digits.len() == usize::from(point.is_some()) || scale > MAX_SCALE {
        return None;
    }
    let mantissa = i128::from(mantissa);
    Some((if negative { -mantissa } else { mantissa }, scale))
}

fn parse_int(cell: &str) -> Result<i64, String> {
    let text = trimmed(cell);
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !separators_in_place(unsigned) {
        return Err(format!("{}不是整数（千分位逗号的位置不对）", quote(text)));
    }
    // Thousands separators ("1,234") are dropped; most cells have none and are read in place.
    let clean: std::borrow::Cow<'_, str> = if text.contains(',') { text.replace(',', "").into() } else { text.into() };
    match clean.parse::<i64>() {
        Ok(v) if v.unsigned_abs() < (1u64 << 53) => Ok(v),
        Ok(_) => Err(format!("{}超出可表示的范围", quote(text))),
        Err(_) => Err(format!("{}不是整数", quote(text))),
    }
}

fn parse_flag(cell: &str) -> Result<bool, String> {
    match trimmed(cell) {
        "1" | "true" | "TRUE" | "True" | "是" => Ok(true),
        "0" | "false" | "FALSE" | "False" | "否" => Ok(false),
        other => Err(format!("{}不是 0 或 1（也可写 是/否、true/false）", quote(other))),
    }
}

pub fn parse_date(cell: &str) -> Result<i32, String> {
    let text = trimmed(cell);
    if let Some(day) = iso_date(text) {
        return Ok(days(day));
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)))
        .map(days)
        .ok_or_else(|| format!("{}不是日期（应写成 2026-03-31）", quote(text)))
}

/// 2026-03-31 exactly as written, read without chrono's format parser (a million
/// registration dates are read when a file is assessed); anything else is left to it.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number =
        |digits: &[u8]| digits.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')));
    let year = number(&b[..4]).filter(|y| *y >= 1000)?;
    NaiveDate::from_ymd_opt(year as i32, number(&b[5..7])?, number(&b[8..10])?)
}

impl Batch {
    /// Converts text columns (in schema order; `None` for an empty cell) into typed
    /// columns. Bad cells are returned, at most [`LISTED_CELL_ERRORS`] of them.
    pub fn from_text(schema: &Schema, text: &[&StringArray], first_line: usize) -> Result<Batch, BadCells> {
        Batch::from_cells(schema, text, first_line)
    }

    /// [`Batch::from_text`] for cells from anywhere (see [`TextCells`]).
    pub fn from_cells<C: TextCells + ?Sized>(
        schema: &Schema,
        text: &[&C],
        first_line: usize,
    ) -> Result<Batch, BadCells> {
        let len = text.first().map_or(0, |c| c.rows());
        let mut errors = BadCells::default();
        let mut columns = Vec::with_capacity(text.len());
        for (field, cells) in schema.fields().iter().zip(text) {
            match convert(field, *cells) {
                Ok(column) => columns.push(column),
                Err((bad, total)) => {
                    let listed = bad
                        .into_iter()
                        .map(|(row, reason)| CellError { line: first_line + row, column: field.name.clone(), reason })
                        .collect();
                    errors.merge(BadCells { listed, total });
                }
            }
        }
        if errors.total > 0 {
            return Err(errors);
        }
        let known = columns.iter().map(|c| c.known_words(len)).collect();
        let flags = columns
            .iter()
            .map(|c| match c {
                Column::Flag(values) => {
                    let mut words = vec![0u64; len.div_ceil(64)];
                    for (row, value) in values.values().iter().enumerate() {
                        words[row / 64] |= u64::from(value) << (row % 64);
                    }
                    words
                }
                _ => Vec::new(),
            })
            .collect();
        Ok(Batch { len, first_line, columns, known, flags })
    }
}

/// A column's cells as text, wherever they come from: an Arrow string array (the CSV
/// reader's, a test's), or the fields of the records a reader has just split, typed
/// without being copied into a string array first.
pub trait TextCells {
    fn rows(&self) -> usize;
    /// The cell of `row` as written; None (or "") when it is empty.
    fn cell(&self, row: usize) -> Option<&str>;
    /// Whether every cell is empty (a column the file does not have).
    fn all_empty(&self) -> bool {
        (0..self.rows()).all(|row| self.cell(row).is_none_or(str::is_empty))
    }
    /// The cells as an Arrow array, an empty cell null (for a text column).
    fn to_array(&self) -> StringArray {
        (0..self.rows()).map(|row| self.cell(row).filter(|c| !c.is_empty())).collect()
    }
}

impl<T: TextCells + ?Sized> TextCells for &T {
    fn rows(&self) -> usize {
        (**self).rows()
    }

    fn cell(&self, row: usize) -> Option<&str> {
        (**self).cell(row)
    }

    fn all_empty(&self) -> bool {
        (**self).all_empty()
    }

    fn to_array(&self) -> StringArray {
        (**self).to_array()
    }
}

impl TextCells for StringArray {
    fn rows(&self) -> usize {
        Array::len(self)
    }

    fn cell(&self, row: usize) -> Option<&str> {
        self.is_valid(row).then(|| self.value(row))
    }

    fn all_empty(&self) -> bool {
        self.null_count() == Array::len(self)
    }

    fn to_array(&self) -> StringArray {
        self.clone()
    }
}

/// The first bad cells of a column (row, reason) and how many there were in all.
type Bad = (Vec<(usize, String)>, usize);

/// Collects a column's bad cells: the first [`LISTED_CELL_ERRORS`], and how many.
#[derive(Default)]
struct BadList {
    listed: Vec<(usize, String)>,
    total: usize,
}

impl BadList {
    fn note(&mut self, row: usize, reason: String) {
        self.total += 1;
        if self.listed.len() < LISTED_CELL_ERRORS {
            self.listed.push((row, reason));
        }
    }

    fn check(self) -> Result<(), Bad> {
        if self.total == 0 { Ok(()) } else { Err((self.listed, self.total)) }
    }
}

/// Each cell parsed: the values (`T::default()` where empty) and the null bitmap.
fn each<T: Default, C: TextCells + ?Sized>(
    cells: &C,
    mut parse: impl FnMut(&str) -> Result<T, String>,
) -> Result<(Vec<T>, Option<NullBuffer>), Bad> {
    let mut values = Vec::with_capacity(cells.rows());
    let mut nulls = NullBufferBuilder::new(cells.rows());
    let mut bad = BadList::default();
    for row in 0..cells.rows() {
        let parsed = match cells.cell(row).map(trimmed) {
            None | Some("") => None,
            Some(text) => parse(text).map_err(|reason| bad.note(row, reason)).ok(),
        };
        nulls.append(parsed.is_some());
        values.push(parsed.unwrap_or_default());
    }
    bad.check()?;
    Ok((values, nulls.finish()))
}

/// Rows of an empty column that share one zeroed buffer instead of their own.
const SHARED_NULL_ROWS: usize = 4096;

/// A column with no value at all (a field of the vocabulary that the file does not
/// have: a ladder's file lacks a dozen of them) as views of one zeroed buffer shared by
/// every batch: a million firms' empty decimal column would otherwise be 16 MB of
/// zeros, each page of it touched. None for batches longer than the shared buffer.
fn empty_column(field: &Field, len: usize) -> Option<Column> {
    use arrow_buffer::Buffer;
    static ZEROS: std::sync::OnceLock<Buffer> = std::sync::OnceLock::new();
    if len > SHARED_NULL_ROWS {
        return None;
    }
    // 8 bytes a row: the widest value (i64, f64); Arrow aligns the allocation.
    let zeros = ZEROS.get_or_init(|| Buffer::from_vec(vec![0u64; SHARED_NULL_ROWS]));
    let nulls = || Some(NullBuffer::new(BooleanBuffer::new(zeros.clone(), 0, len)));
    let values = |width: usize| zeros.slice_with_length(0, len * width);
    Some(match field.ty {
        FieldType::Int => Column::Int(Int64Array::new(ScalarBuffer::new(values(8), 0, len), nulls())),
        FieldType::Float => Column::Decimal {
            exact: Mantissas::Narrow(ScalarBuffer::new(values(8), 0, len)),
            scale: 0,
            approx: Float64Array::new(ScalarBuffer::new(values(8), 0, len), nulls()),
        },
        FieldType::Flag => Column::Flag(BooleanArray::new(BooleanBuffer::new(zeros.clone(), 0, len), nulls())),
        FieldType::Date => Column::Date(Date32Array::new(ScalarBuffer::new(values(4), 0, len), nulls())),
        FieldType::Text | FieldType::Enum => return None,
    })
}

/// A decimal column: every cell at the batch's largest scale, exactly and as the
/// nearest float.
fn decimal_column<C: TextCells + ?Sized>(cells: &C) -> Result<Column, Bad> {
    let (parsed, nulls) = each(cells, parse_decimal)?;
    let scale = parsed.iter().map(|(_, s)| *s).max().unwrap_or(0);
    let power = 10f64.powi(scale as i32);
    let mut approx = Vec::with_capacity(parsed.len());
    let mut narrow: Vec<i64> = Vec::with_capacity(parsed.len());
    let mut wide: Option<Vec<i128>> = None;
    let mut bad = BadList::default();
    for (row, &(mantissa, decimals)) in parsed.iter().enumerate() {
        // 10^30 at 12 more decimals would not fit: such a column is refused, not wrapped.
        let exact = mantissa.checked_mul(10i128.pow(scale - decimals)).unwrap_or_else(|| {
            bad.note(
                row,
                format!(
                    "{}与本列其他数的小数位数相差太大，超出可表示的范围",
                    quote(trimmed(cells.cell(row).unwrap_or_default()))
                ),
            );
            0
        });
        // m / 10^s is correctly rounded when m and 10^s are exact floats (below 2^53).
        approx.push(exact as f64 / power);
        match (&mut wide, i64::try_from(exact)) {
            (None, Ok(value)) => narrow.push(value),
            (None, Err(_)) => {
                let mut values: Vec<i128> = narrow.iter().map(|v| i128::from(*v)).collect();
                values.push(exact);
                wide = Some(values);
            }
            (Some(values), _) => values.push(exact),
        }
    }
    bad.check()?;
    let approx = ScalarBuffer::from(approx);
    let exact = match wide {
        None if narrow.iter().all(|m| u128::from(m.unsigned_abs()) < DERIVED_BELOW) => {
            Mantissas::Derived { values: approx.clone(), power }
        }
        None => Mantissas::Narrow(narrow.into()),
        Some(values) => Mantissas::Wide(values.into()),
    };
    Ok(Column::Decimal { exact, scale, approx: Float64Array::new(approx, nulls) })
}

fn convert<C: TextCells + ?Sized>(field: &Field, cells: &C) -> Result<Column, Bad> {
    if cells.all_empty()
        && let Some(empty) = empty_column(field, cells.rows())
    {
        return Ok(empty);
    }
    Ok(match field.ty {
        FieldType::Int => {
            let (values, nulls) = each(cells, parse_int)?;
            Column::Int(Int64Array::new(values.into(), nulls))
        }
        FieldType::Float => decimal_column(cells)?,
        FieldType::Flag => {
            let (values, nulls) = each(cells, parse_flag)?;
            Column::Flag(BooleanArray::new(BooleanBuffer::from(values), nulls))
        }
        FieldType::Date => {
            let (values, nulls) = each(cells, parse_date)?;
            Column::Date(Date32Array::new(values.into(), nulls))
        }
        FieldType::Text => Column::Text(cells.to_array()),
        FieldType::Enum => {
            let index: HashMap<&str, i16> =
                field.values.iter().enumerate().map(|(i, v)| (v.as_str(), i as i16)).collect();
            let (keys, nulls) = each(cells, |text| {
                index.get(text).copied().ok_or_else(|| {
                    format!("{}不是 {} 的取值（可选：{}）", quote(text), field.name, field.values.join("、"))
                })
            })?;
            let values = StringArray::from(field.values.clone());
            let dictionary = DictionaryArray::try_new(Int16Array::new(keys.into(), nulls), Arc::new(values))
                .expect("keys index the values");
            Column::Enum(dictionary)
        }
    })
}

/// One record of a batch, for the exact evaluator.
pub struct Row<'a> {
    pub batch: &'a Batch,
    pub row: usize,
}

impl Record for Row<'_> {
    fn cell(&self, field: usize) -> Cell<'_> {
        let column = &self.batch.columns[field];
        if column.array().is_null(self.row) {
            return Cell::Missing;
        }
        match column {
            Column::Int(a) => Cell::Int(a.value(self.row)),
            Column::Decimal { exact, scale, .. } => Cell::Decimal { mantissa: exact.value(self.row), scale: *scale },
            Column::Flag(a) => Cell::Flag(a.value(self.row)),
            Column::Enum(a) => {
                let key = a.keys().value(self.row);
                let values = a.values().as_any().downcast_ref::<StringArray>().expect("string dictionary");
                Cell::Text(values.value(key as usize))
            }
            Column::Text(a) => Cell::Text(a.value(self.row)),
            Column::Date(a) => Cell::Date(a.value(self.row)),
        }
    }
}

/// Infers a column's type from its cells (when the policies come without a schema):
/// int, float, date, and text otherwise. A column of 0s and 1s is an int: whether it is
/// a flag is the schema's to say, not this month's data's (a policy must not compile or
/// fail by what the data happen to hold).
pub fn infer(name: &str, cells: &[&StringArray]) -> Field {
    let all = |test: &dyn Fn(&str) -> bool| {
        cells.iter().all(|c| c.iter().flatten().map(trimmed).filter(|t| !t.is_empty()).all(test))
    };
    let empty = cells.iter().all(|c| c.iter().flatten().all(|t| trimmed(t).is_empty()));
    let ty = if empty {
        FieldType::Text
    } else if all(&|t| parse_int(t).is_ok()) {
        FieldType::Int
    } else if all(&|t| parse_decimal(t).is_ok()) {
        FieldType::Float
    } else if all(&|t| parse_date(t).is_ok()) {
        FieldType::Date
    } else {
        FieldType::Text
    };
    Field { name: name.to_string(), ty, values: Vec::new(), label: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// "-12.345" for (-12345, 3).
    fn decimal_text(mantissa: i64, scale: u32) -> String {
        let digits = format!("{:0>width$}", mantissa.unsigned_abs(), width = scale as usize + 1);
        let (whole, part) = digits.split_at(digits.len() - scale as usize);
        let sign = if mantissa < 0 { "-" } else { "" };
        if scale == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{part}") }
    }

    proptest! {
        /// A decimal column's exact values read back from its floats are the cells'
        /// exact values, for every mantissa below 2^51 at every scale.
        #[test]
        fn derived_mantissas_are_exact(mantissa in -(1i64 << 51) + 1..(1i64 << 51), scale in 0u32..=MAX_SCALE, other in 0u32..=MAX_SCALE) {
            // A second cell of another scale: the column takes the larger.
            let cells = StringArray::from(vec![decimal_text(mantissa, scale), decimal_text(7, other)]);
            let Ok(Column::Decimal { exact, scale: column_scale, .. }) = decimal_column(&cells) else { panic!("a decimal column") };
            let widened = i128::from(mantissa) * 10i128.pow(column_scale - scale);
            prop_assert_eq!(exact.value(0), widened);
            prop_assert_eq!(exact.value(1), 7 * 10i128.pow(column_scale - other));
            prop_assert_eq!(matches!(exact, Mantissas::Derived { .. }), widened.unsigned_abs() < DERIVED_BELOW);
        }

        /// The fast reading of plain decimals gives what the full reading gives, and
        /// leaves to it every cell it does not read.
        #[test]
        fn plain_decimals_read_as_the_full_reading_reads_them(cell in "[-+ ]?[0-9]{0,20}([.,][0-9]{0,14})?[ %]?") {
            if let Some(plain) = plain_decimal(cell.as_bytes()) {
                prop_assert_eq!(Ok(plain), any_decimal(&cell));
            }
        }
    }

    #[test]
    fn plain_decimals_at_their_edges() {
        for (cell, read) in [
            ("35.91", Some((3591, 2))),
            ("-2", Some((-2, 0))),
            ("1.", Some((1, 0))),
            (".5", Some((5, 1))),
            ("-0", Some((0, 0))),
            ("999999999999999999", Some((999_999_999_999_999_999, 0))),
            ("1.000000000000", Some((1_000_000_000_000, 12))),
            // Left to the full reading: its message, its range, its separators.
            ("1.0000000000000", None),
            ("1000000000000000000", None),
            (".", None),
            ("-", None),
            ("", None),
            ("+5", None),
            (" 5", None),
            ("1,234", None),
            ("1.2.3", None),
            ("--5", None),
        ] {
            assert_eq!(plain_decimal(cell.as_bytes()), read, "{cell:?}");
        }
        assert_eq!(parse_decimal("1.0000000000000"), Err("“1.0000000000000”的小数超过 12 位".into()));
    }
}
