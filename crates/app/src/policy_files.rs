//! The file-only side of the rule language: a policies file (JSON) and an enterprises
//! file (CSV) in, results out, no database. `fengkou policy match` and `fengkou policy
//! explain` are built on it so that anyone can recompute a published 免申即享 result.
//!
//! The CSV is read by Arrow's CSV reader (quoting, batches of [`BATCH_ROWS`] rows) into
//! text columns; the domain converts each batch to typed columns and names every bad
//! cell. Conversion runs on a second thread while the reader reads on.

use arrow_array::{Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema as ArrowSchema};
use fengkou_domain::policy::columns::{LISTED_CELL_ERRORS, infer};
use fengkou_domain::policy::plan::Outcome;
use fengkou_domain::policy::{Batch, CellError, Field, PolicyDef, Schema};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;

/// Rows per batch: a batch's columns stay in the cache while all policies run over it.
pub const BATCH_ROWS: usize = 1024;

/// The policies file: `{"schema"?: [...], "policies": [...]}`; other keys are notes.
#[derive(Debug, Deserialize)]
pub struct PoliciesFile {
    #[serde(default)]
    pub schema: Option<Vec<Field>>,
    pub policies: Vec<PolicyDef>,
}

#[derive(Debug)]
pub enum FileError {
    Open { path: String, reason: String },
    Policies(String),
    Header(String),
    Cells(Vec<CellError>),
    Csv(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Open { path, reason } => write!(f, "无法读取 {path}：{reason}"),
            FileError::Policies(why) => write!(f, "策略文件有误：{why}"),
            FileError::Header(why) => write!(f, "企业数据的表头有误：{why}"),
            FileError::Csv(why) => write!(f, "企业数据无法读取：{why}"),
            FileError::Cells(cells) => {
                writeln!(f, "企业数据有 {} 处无法读取（最多列出 {LISTED_CELL_ERRORS} 处）：", cells.len())?;
                for cell in cells {
                    writeln!(f, "  {cell}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for FileError {}

/// A policies file larger than this is not a policies file.
const MAX_POLICIES_BYTES: u64 = 16 * 1024 * 1024;

pub fn read_policies(path: &Path) -> Result<PoliciesFile, FileError> {
    let open = |reason: String| FileError::Open { path: path.display().to_string(), reason };
    let file = std::fs::File::open(path).map_err(|e| open(e.to_string()))?;
    let mut text = String::new();
    file.take(MAX_POLICIES_BYTES + 1).read_to_string(&mut text).map_err(|e| open(e.to_string()))?;
    if text.len() as u64 > MAX_POLICIES_BYTES {
        return Err(FileError::Policies(format!("超过 {} MB", MAX_POLICIES_BYTES / 1024 / 1024)));
    }
    let file: PoliciesFile = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| FileError::Policies(format!("不是预期的 JSON（第 {} 行第 {} 列）：{e}", e.line(), e.column())))?;
    if file.policies.is_empty() {
        return Err(FileError::Policies("没有策略（policies 为空）".into()));
    }
    Ok(file)
}

/// The enterprises, typed, in batches; their ids as written.
pub struct Enterprises {
    pub schema: Schema,
    /// The schema was inferred from the data (no `schema` in the policies file).
    pub inferred: bool,
    pub batches: Vec<Batch>,
    ids: Vec<StringArray>,
    starts: Vec<u32>,
}

impl Enterprises {
    pub fn len(&self) -> usize {
        self.batches.iter().map(|b| b.len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of record `n` (from 0).
    pub fn id(&self, record: u32) -> &str {
        let batch = self.starts.partition_point(|s| *s <= record) - 1;
        self.ids[batch].value((record - self.starts[batch]) as usize)
    }

    /// The batch and row of the record with this id.
    pub fn find(&self, id: &str) -> Option<(usize, usize)> {
        self.ids.iter().enumerate().find_map(|(b, ids)| (0..ids.len()).find(|r| ids.value(*r) == id).map(|r| (b, r)))
    }
}

fn header_of(path: &Path) -> Result<Vec<String>, FileError> {
    let open = |reason: String| FileError::Open { path: path.display().to_string(), reason };
    let file = std::fs::File::open(path).map_err(|e| open(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(file);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(FileError::Header("文件是空的".into())),
        Err(e) => return Err(FileError::Header(format!("第一行无法读取：{e}"))),
    }
    Ok(record.iter().map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string()).collect())
}

/// Reads the enterprises CSV. With a schema, every schema field must be a column (by
/// name or label); without one, every column's type is inferred. The id column must be
/// there, filled in and unique.
pub fn read_enterprises(path: &Path, schema: Option<Schema>, id_column: &str) -> Result<Enterprises, FileError> {
    let header = header_of(path)?;
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if name.is_empty() {
            return Err(FileError::Header(format!("第 {} 列没有列名", i + 1)));
        }
        if position.insert(name, i).is_some() {
            return Err(FileError::Header(format!("列名“{name}”出现了两次")));
        }
    }
    let Some(&id_at) = position.get(id_column) else {
        return Err(FileError::Header(format!("没有编号列“{id_column}”（用 --id-column 指定另一列）")));
    };
    let arrow_schema = Arc::new(ArrowSchema::new(
        header
            .iter()
            .enumerate()
            .map(|(i, _)| ArrowField::new(format!("c{i}"), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let open = |reason: String| FileError::Open { path: path.display().to_string(), reason };
    let file = std::fs::File::open(path).map_err(|e| open(e.to_string()))?;
    let mut reader = Some(
        arrow_csv::ReaderBuilder::new(arrow_schema)
            .with_header(true)
            .with_batch_size(BATCH_ROWS)
            .build(file)
            .map_err(|e| FileError::Csv(e.to_string()))?,
    );

    let (schema, inferred, text_batches) = match schema {
        Some(schema) => (schema, false, None),
        None => {
            // Inference needs every cell before the first is typed.
            let batches = collect(reader.take().expect("unread"))?;
            let fields = header
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let cells: Vec<&StringArray> = batches.iter().map(|b| text_column(b, i)).collect();
                    infer(name, &cells)
                })
                .collect();
            let schema = Schema::new(fields).map_err(|e| FileError::Header(e.to_string()))?;
            (schema, true, Some(batches))
        }
    };
    let mut columns = Vec::with_capacity(schema.fields().len());
    let mut lacking = Vec::new();
    for field in schema.fields() {
        let at = position.get(field.name.as_str()).or_else(|| field.label.as_deref().and_then(|l| position.get(l)));
        match at {
            Some(at) => columns.push(*at),
            None => lacking.push(field.name.clone()),
        }
    }
    if !lacking.is_empty() {
        return Err(FileError::Header(format!("缺少 schema 中的列：{}", lacking.join("、"))));
    }

    let convert = |index: usize, batch: &RecordBatch| -> Result<(Batch, StringArray), Vec<CellError>> {
        let first_line = index * BATCH_ROWS + 2;
        let text: Vec<&StringArray> = columns.iter().map(|c| text_column(batch, *c)).collect();
        let ids = text_column(batch, id_at).clone();
        let mut bad = Vec::new();
        for (row, id) in ids.iter().enumerate() {
            if id.is_none_or(|id| id.trim().is_empty()) && bad.len() < LISTED_CELL_ERRORS {
                bad.push(CellError {
                    line: first_line + row,
                    column: id_column.to_string(),
                    reason: "编号为空".into(),
                });
            }
        }
        match Batch::from_text(&schema, &text, first_line) {
            Ok(typed) if bad.is_empty() => Ok((typed, ids)),
            Ok(_) => Err(bad),
            Err(mut more) => {
                bad.append(&mut more);
                Err(bad)
            }
        }
    };

    let mut typed: Vec<(Batch, StringArray)> = Vec::new();
    let mut errors: Vec<CellError> = Vec::new();
    let mut keep = |result: Result<(Batch, StringArray), Vec<CellError>>| match result {
        Ok(pair) => typed.push(pair),
        Err(bad) => {
            if errors.len() < LISTED_CELL_ERRORS {
                errors.extend(bad);
            }
        }
    };
    match text_batches {
        Some(batches) => batches.iter().enumerate().for_each(|(i, b)| keep(convert(i, b))),
        None => {
            // The reader reads on while a second thread types the previous batches.
            let (send, receive) = std::sync::mpsc::sync_channel::<(usize, RecordBatch)>(4);
            let outcome: Result<(), FileError> = std::thread::scope(|scope| {
                let worker = scope.spawn(|| {
                    let mut done = Vec::new();
                    for (index, batch) in receive {
                        done.push(convert(index, &batch));
                    }
                    done
                });
                let mut failure = None;
                for (index, batch) in reader.take().expect("unread").enumerate() {
                    match batch {
                        Ok(batch) => {
                            if send.send((index, batch)).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            failure = Some(csv_error(index, e));
                            break;
                        }
                    }
                }
                drop(send);
                for result in worker.join().expect("the conversion thread") {
                    keep(result);
                }
                failure.map_or(Ok(()), Err)
            });
            outcome?;
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.truncate(LISTED_CELL_ERRORS);
        return Err(FileError::Cells(errors));
    }
    // Ids are unique: a firm listed twice would be paid twice.
    let mut seen: rustc_hash::FxHashMap<&str, usize> = Default::default();
    seen.reserve(typed.iter().map(|(b, _)| b.len).sum());
    let mut duplicates = Vec::new();
    for (b, (batch, ids)) in typed.iter().enumerate() {
        for row in 0..ids.len() {
            let line = b * BATCH_ROWS + row + 2;
            if let Some(first) = seen.insert(ids.value(row), line) {
                duplicates.push(CellError {
                    line,
                    column: id_column.to_string(),
                    reason: format!("编号“{}”与第{first}行重复", ids.value(row)),
                });
                if duplicates.len() >= LISTED_CELL_ERRORS {
                    break;
                }
            }
        }
        let _ = batch;
    }
    if !duplicates.is_empty() {
        return Err(FileError::Cells(duplicates));
    }
    let mut starts = Vec::with_capacity(typed.len());
    let mut start = 0u32;
    let (mut batches, mut ids) = (Vec::with_capacity(typed.len()), Vec::with_capacity(typed.len()));
    for (batch, id) in typed {
        starts.push(start);
        start += batch.len as u32;
        batches.push(batch);
        ids.push(id);
    }
    Ok(Enterprises { schema, inferred, batches, ids, starts })
}

fn csv_error(index: usize, e: arrow_schema::ArrowError) -> FileError {
    FileError::Csv(format!("第 {} 至 {} 行附近：{e}", index * BATCH_ROWS + 2, (index + 1) * BATCH_ROWS + 1))
}

fn collect(
    reader: impl Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>>,
) -> Result<Vec<RecordBatch>, FileError> {
    reader.enumerate().map(|(i, b)| b.map_err(|e| csv_error(i, e))).collect()
}

fn text_column(batch: &RecordBatch, index: usize) -> &StringArray {
    batch.column(index).as_any().downcast_ref::<StringArray>().expect("every column is read as text")
}

/// Writes `policy,enterprise,amount` (one row per payment, amounts with 4 decimals)
/// to a file beside `path`, then renames it into place: a failed run leaves nothing.
pub fn write_results(
    path: &Path,
    policies: &[PolicyDef],
    outcomes: &[Outcome],
    enterprises: &Enterprises,
) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(b"policy,enterprise,amount\n")?;
    let mut line = Vec::with_capacity(128);
    for (policy, outcome) in policies.iter().zip(outcomes) {
        let policy_id = csv_field(policy.id.trim());
        for (record, amount) in &outcome.paid {
            line.clear();
            line.extend_from_slice(policy_id.as_bytes());
            line.push(b',');
            line.extend_from_slice(csv_field(enterprises.id(*record)).as_bytes());
            line.push(b',');
            push_amount(&mut line, *amount);
            line.push(b'\n');
            out.write_all(&line)?;
        }
    }
    out.flush()?;
    drop(out);
    std::fs::rename(&partial, path)
}

/// Quotes a field that holds a comma, a quote or a line break, as RFC 4180 says.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Ten-thousandths of 万元 as "12.5000", without `format!` (2 million rows).
fn push_amount(line: &mut Vec<u8>, scaled: i64) {
    let mut digits = [0u8; 24];
    let mut n = scaled.unsigned_abs();
    let mut at = digits.len();
    let mut written = 0;
    while n > 0 || written < 5 {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        written += 1;
        if written == 4 {
            at -= 1;
            digits[at] = b'.';
        }
    }
    if scaled < 0 {
        line.push(b'-');
    }
    line.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::push_amount;

    #[test]
    fn amounts_are_written_with_four_decimals() {
        for (scaled, text) in
            [(0, "0.0000"), (5, "0.0005"), (125_000, "12.5000"), (3_000_000, "300.0000"), (-15, "-0.0015")]
        {
            let mut line = Vec::new();
            push_amount(&mut line, scaled);
            assert_eq!(String::from_utf8(line).unwrap(), text);
        }
    }
}
