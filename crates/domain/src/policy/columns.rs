//! The enterprises' data as typed Arrow columns, a batch of rows at a time. The edge
//! reads a CSV into text columns (Arrow's CSV reader); [`Batch::from_text`] checks and
//! converts every cell here, so the messages ("第N行 列名：原因") are the domain's.
//!
//! Each column is an Arrow array whose null bitmap marks the empty cells. A decimal
//! column is kept twice: exactly (`Decimal128`, for the exact evaluator and the output)
//! and as the nearest float (`Float64`, for the fast path).

use super::check::days;
use super::exact::{Cell, Record};
use super::schema::{Field, FieldType, Schema};
use arrow_array::types::Int16Type;
use arrow_array::{
    Array, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float64Array, Int16Array, Int64Array,
    StringArray,
};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// The most decimals a number cell may carry (Decimal128 holds 38 digits).
pub const MAX_SCALE: u32 = 12;

pub enum Column {
    Int(Int64Array),
    Decimal { exact: Decimal128Array, scale: u32, approx: Float64Array },
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
    /// where the column has no empty cell.
    pub fn known_words(&self, len: usize) -> Vec<u64> {
        let words = len.div_ceil(64);
        let mut out = vec![u64::MAX; words];
        if let Some(nulls) = self.array().nulls() {
            for (i, word) in out.iter_mut().enumerate() {
                let mut w = 0u64;
                for bit in 0..64 {
                    let row = i * 64 + bit;
                    if row < len && nulls.is_valid(row) {
                        w |= 1 << bit;
                    }
                }
                *word = w;
            }
        }
        out
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

/// How many bad cells are reported before reading stops listing them.
pub const LISTED_CELL_ERRORS: usize = 20;

fn trimmed(cell: &str) -> &str {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Reads a decimal cell ("35.91", "-2", "1,234.5") exactly: (mantissa, decimals).
pub fn parse_decimal(cell: &str) -> Result<(i128, u32), String> {
    let text = trimmed(cell);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
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
                    .ok_or_else(|| format!("“{text}”超出可表示的范围"))?;
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            b'.' if scale.is_none() => scale = Some(0),
            // A thousands separator, as ledgers write "1,234.5".
            b',' if scale.is_none() && any => {}
            _ => return Err(format!("“{text}”不是数字")),
        }
    }
    let scale = scale.unwrap_or(0);
    if !any {
        return Err(format!("“{text}”不是数字"));
    }
    if scale > MAX_SCALE {
        return Err(format!("“{text}”的小数超过 {MAX_SCALE} 位"));
    }
    if mantissa > 10i128.pow(30) {
        return Err(format!("“{text}”超出可表示的范围"));
    }
    Ok((if negative { -mantissa } else { mantissa }, scale))
}

fn parse_int(cell: &str) -> Result<i64, String> {
    let text = trimmed(cell);
    // Thousands separators ("1,234") are dropped; most cells have none and are read in place.
    let clean: std::borrow::Cow<'_, str> = if text.contains(',') { text.replace(',', "").into() } else { text.into() };
    match clean.parse::<i64>() {
        Ok(v) if v.unsigned_abs() < (1u64 << 53) => Ok(v),
        Ok(_) => Err(format!("“{text}”超出可表示的范围")),
        Err(_) if parse_decimal(text).is_ok() => Err(format!("“{text}”不是整数")),
        Err(_) => Err(format!("“{text}”不是整数")),
    }
}

fn parse_flag(cell: &str) -> Result<bool, String> {
    match trimmed(cell) {
        "1" | "true" | "TRUE" | "True" | "是" => Ok(true),
        "0" | "false" | "FALSE" | "False" | "否" => Ok(false),
        other => Err(format!("“{other}”不是 0 或 1")),
    }
}

pub fn parse_date(cell: &str) -> Result<i32, String> {
    let text = trimmed(cell);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)))
        .map(days)
        .ok_or_else(|| format!("“{text}”不是日期（应写成 2026-03-31）"))
}

impl Batch {
    /// Converts text columns (in schema order; `None` for an empty cell) into typed
    /// columns. Bad cells are returned, at most [`LISTED_CELL_ERRORS`] of them.
    pub fn from_text(schema: &Schema, text: &[&StringArray], first_line: usize) -> Result<Batch, Vec<CellError>> {
        let len = text.first().map_or(0, |c| c.len());
        let mut errors = Vec::new();
        let mut columns = Vec::with_capacity(text.len());
        for (field, cells) in schema.fields().iter().zip(text) {
            match convert(field, cells) {
                Ok(column) => columns.push(column),
                Err(bad) => {
                    errors.extend(bad.into_iter().map(|(row, reason)| CellError {
                        line: first_line + row,
                        column: field.name.clone(),
                        reason,
                    }));
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            errors.truncate(LISTED_CELL_ERRORS);
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

type Bad = Vec<(usize, String)>;

fn each<T>(cells: &StringArray, mut parse: impl FnMut(&str) -> Result<T, String>) -> Result<Vec<Option<T>>, Bad> {
    let mut out = Vec::with_capacity(cells.len());
    let mut bad = Vec::new();
    for (row, cell) in cells.iter().enumerate() {
        match cell.map(trimmed) {
            None | Some("") => out.push(None),
            Some(text) => match parse(text) {
                Ok(v) => out.push(Some(v)),
                Err(reason) => {
                    if bad.len() < LISTED_CELL_ERRORS {
                        bad.push((row, reason));
                    }
                }
            },
        }
    }
    if bad.is_empty() { Ok(out) } else { Err(bad) }
}

fn convert(field: &Field, cells: &StringArray) -> Result<Column, Bad> {
    Ok(match field.ty {
        FieldType::Int => Column::Int(Int64Array::from(each(cells, parse_int)?)),
        FieldType::Float => {
            let parsed = each(cells, parse_decimal)?;
            let scale = parsed.iter().flatten().map(|(_, s)| *s).max().unwrap_or(0);
            let exact: Vec<Option<i128>> = parsed.iter().map(|v| v.map(|(m, s)| m * 10i128.pow(scale - s))).collect();
            // m / 10^s is correctly rounded when m and 10^s are exact floats (below 2^53).
            let power = 10f64.powi(scale as i32);
            let approx: Vec<Option<f64>> = exact.iter().map(|v| v.map(|m| m as f64 / power)).collect();
            let exact = Decimal128Array::from(exact)
                .with_precision_and_scale(38, scale as i8)
                .expect("scale within Decimal128's limits");
            Column::Decimal { exact, scale, approx: Float64Array::from(approx) }
        }
        FieldType::Flag => Column::Flag(BooleanArray::from(each(cells, parse_flag)?)),
        FieldType::Date => Column::Date(Date32Array::from(each(cells, parse_date)?)),
        FieldType::Text => Column::Text(cells.clone()),
        FieldType::Enum => {
            let index: HashMap<&str, i16> =
                field.values.iter().enumerate().map(|(i, v)| (v.as_str(), i as i16)).collect();
            let keys = each(cells, |text| {
                index
                    .get(text)
                    .copied()
                    .ok_or_else(|| format!("“{text}”不是 {} 的取值（可选：{}）", field.name, field.values.join("、")))
            })?;
            let values = StringArray::from(field.values.clone());
            let dictionary =
                DictionaryArray::try_new(Int16Array::from(keys), Arc::new(values)).expect("keys index the values");
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
/// flag when every cell is 0 or 1, then int, float, date, and text otherwise.
pub fn infer(name: &str, cells: &[&StringArray]) -> Field {
    let all = |test: &dyn Fn(&str) -> bool| {
        cells.iter().all(|c| c.iter().flatten().map(trimmed).filter(|t| !t.is_empty()).all(test))
    };
    let ty = if all(&|t| t == "0" || t == "1") {
        FieldType::Flag
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
