//! The file-only side of the rule language: a policies file (JSON) and an enterprises
//! file (CSV) in, results out, no database. `fengkou policy match` and `fengkou policy
//! explain` are built on it so that anyone can recompute a published 免申即享 result.
//!
//! The CSV is cut into pieces at record boundaries ([`pieces`]); each piece is split
//! into records of [`BATCH_ROWS`] by csv-core, the splitter of Arrow's CSV reader, on
//! every core ([`records`]), and the domain types each batch's cells straight from the
//! records' buffer and names every bad cell. Arrow's reader reads a file whose schema
//! is inferred (every cell is needed before the first is typed), and reads a file again
//! when a piece does not split, for its message naming the line.

use arrow_array::{Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema as ArrowSchema};
use fengkou_domain::policy::columns::{Column, TextCells, infer};
use fengkou_domain::policy::plan::Outcome;
use fengkou_domain::policy::{BadCells, Batch, CellError, Field, FieldType, PolicyDef, Schema};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;

mod pieces;
mod records;
pub use pieces::MAX_LINE_BYTES;
use pieces::{BOM, after_header, header_of, inspect};
use records::Records;

/// Rows per batch: a batch's columns stay in the cache while all policies run over it.
pub const BATCH_ROWS: usize = 1024;

/// The most columns a file may have: Excel's limit for one sheet.
pub const MAX_COLUMNS: usize = 16_384;

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
    Cells(BadCells),
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
                let shown = if cells.total > cells.listed.len() {
                    format!("，列出前 {} 处", cells.listed.len())
                } else {
                    String::new()
                };
                writeln!(f, "企业数据有 {} 处无法读取{shown}（第N行从表头算起，表头是第1行）：", cells.total)?;
                for cell in &cells.listed {
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
        .map_err(|e| FileError::Policies(format!("第 {} 行第 {} 列：{}", e.line(), e.column(), json_reason(&e))))?;
    if file.policies.is_empty() {
        return Err(FileError::Policies("没有策略（policies 为空）".into()));
    }
    Ok(file)
}

/// serde's reasons in Chinese where a policies file most often goes wrong.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let quoted =
        |after: &str| text.split(after).nth(1).and_then(|r| r.split('`').nth(1)).unwrap_or_default().to_string();
    if text.starts_with("missing field") {
        format!("缺少“{}”", quoted("missing field"))
    } else if text.starts_with("unknown variant") {
        format!("未知的类型“{}”（可选：int、float、flag、enum、text、date）", quoted("unknown variant"))
    } else if e.is_syntax() || e.is_eof() {
        format!("不是合法的 JSON（{text}）")
    } else {
        format!("内容不符合预期（{text}）")
    }
}

/// The enterprises, typed, in batches; their ids as written.
pub struct Enterprises {
    pub schema: Schema,
    /// The schema was inferred from the data (no `schema` in the policies file).
    pub inferred: bool,
    /// The file was GB18030 (GBK) text, not UTF-8.
    pub decoded: bool,
    /// The id column holds numbers: ids are compared by value.
    numeric_ids: bool,
    pub batches: Vec<Batch>,
    /// The header as the file writes it.
    pub header: Vec<String>,
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

    /// The id of record `n` (from 0), as written (without surrounding spaces).
    pub fn id(&self, record: u32) -> &str {
        let batch = self.starts.partition_point(|s| *s <= record) - 1;
        self.ids[batch].value((record - self.starts[batch]) as usize).trim()
    }

    /// The batch and row of the record with this id ("07" finds 7).
    pub fn find(&self, id: &str) -> Option<(usize, usize)> {
        let wanted = id_key(id, self.numeric_ids);
        self.ids.iter().enumerate().find_map(|(b, ids)| {
            (0..ids.len()).find(|r| id_key(ids.value(*r), self.numeric_ids) == wanted).map(|r| (b, r))
        })
    }
}

/// How a file's columns meet the schema, beyond names and labels.
#[derive(Default, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// Maps a header as written to a schema field's name (synonyms, units in brackets).
    pub rename: Option<fn(&str) -> Option<&'static str>>,
    /// A schema field the file lacks is an empty column instead of a refusal.
    pub lacking_empty: bool,
    /// Checks each typed batch further (signs, ranges), naming bad cells.
    pub check: Option<&'a (dyn Fn(&Batch) -> BadCells + Sync)>,
}

/// Reads the enterprises CSV. With a schema, every schema field must be a column (by
/// name or label); without one, every column's type is inferred. The id column must be
/// there, filled in and unique.
pub fn read_enterprises(path: &Path, schema: Option<Schema>, id_column: &str) -> Result<Enterprises, FileError> {
    read_enterprises_with(path, schema, id_column, ReadOptions::default())
}

/// [`read_enterprises`] with headers renamed, lacking columns empty or batches checked.
pub fn read_enterprises_with(
    path: &Path,
    schema: Option<Schema>,
    id_column: &str,
    options: ReadOptions<'_>,
) -> Result<Enterprises, FileError> {
    let clock = std::time::Instant::now();
    let (source, decoded, pieces) = inspect(path)?;
    if std::env::var_os("FENGKOU_TIMINGS").is_some() {
        eprintln!("inspect: {:.3} s, {} pieces", clock.elapsed().as_secs_f64(), pieces.len());
    }
    let (mut header, header_end) = header_of(&source)?;
    if header.len() > MAX_COLUMNS {
        // A 1 MB header of commas is a million columns: the readers keep every field's
        // end for a batch of rows, gigabytes for such a file.
        return Err(FileError::Header(format!(
            "表头有 {} 列，超过 {MAX_COLUMNS} 列（Excel 一张表最多的列数），不像企业数据",
            header.len()
        )));
    }
    let pieces = after_header(pieces, header_end, source.len()?);
    let written = header.clone();
    if let Some(rename) = options.rename {
        for name in header.iter_mut() {
            if let Some(field) = rename(name) {
                *name = field.to_string();
            }
        }
    }
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if name.is_empty() {
            // Excel leaves empty columns after the table; a column without a name is no field.
            continue;
        }
        if position.insert(name, i).is_some() {
            return Err(FileError::Header(format!("列名“{name}”出现了两次")));
        }
    }
    let Some(&id_at) = position.get(id_column) else {
        // The firms' files are keyed by the code; the policies' file by a column the user names.
        let hint = if id_column == fengkou_domain::enterprise::USCC.0 {
            "（表头应有“统一社会信用代码”或 uscc）".to_string()
        } else {
            "（用 --id-column 指定另一列）".to_string()
        };
        return Err(FileError::Header(format!("没有编号列“{id_column}”{hint}")));
    };
    let arrow_schema = Arc::new(ArrowSchema::new(
        header
            .iter()
            .enumerate()
            .map(|(i, _)| ArrowField::new(format!("c{i}"), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let file = source.open()?;
    let mut reader = Some(
        arrow_csv::ReaderBuilder::new(arrow_schema.clone())
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
                .filter(|(_, name)| !name.is_empty())
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
            Some(at) => columns.push(Some(*at)),
            None if options.lacking_empty => columns.push(None),
            None => lacking.push(field.name.clone()),
        }
    }
    if !lacking.is_empty() {
        return Err(FileError::Header(format!("缺少 schema 中的列：{}", lacking.join("、"))));
    }

    // Each batch: its ids (kept even when a cell is bad, so that duplicates are counted
    // with the other faults) and its typed columns or its bad cells.
    let fields_in_file = header.len();
    // A batch keeps each field's end: at most about a million of them for a wide file.
    let batch_rows = ((1 << 20) / fields_in_file.max(1)).clamp(1, BATCH_ROWS);
    let id_field = columns.iter().position(|c| *c == Some(id_at)).filter(|f| schema.fields()[*f].ty == FieldType::Text);
    let typing = Typing { schema: &schema, columns: &columns, id_at, id_field, id_column, check: options.check };
    let convert = |first_line: usize, batch: &RecordBatch| -> (StringArray, Result<Batch, BadCells>) {
        let empty = columns.iter().any(Option::is_none).then(|| StringArray::new_null(batch.num_rows()));
        typing.run(first_line, |c| match c {
            Some(c) => text_column(batch, c),
            None => empty.as_ref().expect("made when a column is lacking"),
        })
    };

    let mut typed: Vec<(Batch, StringArray)> = Vec::new();
    let mut all_ids: Vec<StringArray> = Vec::new();
    let mut errors = BadCells::default();
    let mut keep = |(ids, result): (StringArray, Result<Batch, BadCells>)| {
        all_ids.push(ids.clone());
        match result {
            Ok(batch) => typed.push((batch, ids)),
            Err(bad) => errors.merge(bad),
        }
    };
    match text_batches {
        Some(batches) => batches.iter().enumerate().for_each(|(i, b)| keep(convert(i * BATCH_ROWS + 2, b))),
        None => {
            // The pieces between record boundaries are parsed and typed on every core,
            // each with its lines counted from the piece's start; the lines are made the
            // file's once every piece before is known.
            let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
            let next = std::sync::atomic::AtomicUsize::new(0);
            type Done = (usize, usize, usize, Result<(StringArray, Result<Batch, BadCells>), String>);
            let done: Vec<Done> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers.min(pieces.len()).max(1))
                    .map(|_| {
                        let (next, typing, pieces, source) = (&next, &typing, &pieces, &source);
                        scope.spawn(move || -> Vec<Done> {
                            let mut out = Vec::new();
                            let mut bytes = Vec::new();
                            let mut records = Records::new(fields_in_file);
                            loop {
                                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(&(start, end)) = pieces.get(k) else { break };
                                bytes.clear();
                                if let Err(e) = source.open_range(start, end).and_then(|mut r| {
                                    r.read_to_end(&mut bytes).map_err(|e| FileError::Csv(e.to_string()))
                                }) {
                                    out.push((k, 0, 0, Err(e.to_string())));
                                    continue;
                                }
                                // csv-core skips a byte order mark where it starts
                                // reading; in the middle of a file the mark is text,
                                // as the reader of the whole file (below) reads it.
                                if bytes.starts_with(BOM) {
                                    out.push((k, 0, 0, Err("第1条记录以字节顺序标记开头".into())));
                                    continue;
                                }
                                records.start_piece();
                                let (mut at, mut rows) = (0, 0);
                                for j in 0.. {
                                    match records.split(&bytes, &mut at, batch_rows) {
                                        Ok(split) if split.rows == 0 => break,
                                        Ok(split) => {
                                            let n = split.rows;
                                            out.push((k, j, n, Ok(typing.run(rows + 2, |c| split.column(c)))));
                                            rows += n;
                                        }
                                        Err(()) => {
                                            out.push((k, j, 0, Err(format!("第{}条记录之后", rows + 1))));
                                            break;
                                        }
                                    }
                                }
                            }
                            out
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().expect("a parsing thread")).collect()
            });
            let mut done = done;
            done.sort_unstable_by_key(|(k, j, ..)| (*k, *j));
            if done.iter().any(|d| d.3.is_err()) {
                // A piece that does not split: the file is read again in one stream,
                // whose message names the file's own line. A file that reads whole
                // (pieces cut where they should not have been) is typed from it.
                let reader = arrow_csv::ReaderBuilder::new(arrow_schema.clone())
                    .with_header(true)
                    .with_batch_size(BATCH_ROWS)
                    .build(source.open()?)
                    .map_err(|e| FileError::Csv(e.to_string()))?;
                let batches = collect(reader)?;
                batches.iter().enumerate().for_each(|(i, b)| keep(convert(i * BATCH_ROWS + 2, b)));
            } else {
                // Each piece's lines moved to the file's: rows of the pieces before it.
                let mut before = 0usize;
                let mut piece = usize::MAX;
                let mut piece_start = 0usize;
                for (k, _, n, result) in done {
                    if k != piece {
                        piece = k;
                        piece_start = before;
                    }
                    let (ids, result) = result.expect("checked above");
                    let shift = |mut bad: BadCells| {
                        for cell in &mut bad.listed {
                            cell.line += piece_start;
                        }
                        bad
                    };
                    keep((
                        ids,
                        match result {
                            Ok(mut batch) => {
                                batch.first_line += piece_start;
                                Ok(batch)
                            }
                            Err(bad) => Err(shift(bad)),
                        },
                    ));
                    before += n;
                }
            }
        }
    }
    // Ids are unique, compared as what they mean (a number id by its value: " 7", "07",
    // "+7" and "7" are one firm); a firm listed twice would be paid twice.
    let numeric =
        schema.find(id_column).is_some_and(|i| matches!(schema.fields()[i].ty, FieldType::Int | FieldType::Float));
    for (line, first, id) in duplicate_ids(&all_ids, numeric) {
        let reason = format!("编号{}与第{first}行重复", fengkou_domain::policy::columns::quote(id));
        errors.merge(BadCells { listed: vec![CellError { line, column: id_column.to_string(), reason }], total: 1 });
    }
    if errors.total > 0 {
        return Err(FileError::Cells(errors));
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
    Ok(Enterprises { schema, inferred, decoded, numeric_ids: numeric, batches, header: written, ids, starts })
}

/// What typing a batch needs to know of the file: the schema, where each field is
/// (None: a column the file lacks, empty), the id column, and the further check.
struct Typing<'a> {
    schema: &'a Schema,
    columns: &'a [Option<usize>],
    id_at: usize,
    /// The schema's text field that is the id column, whose typed array is the ids.
    id_field: Option<usize>,
    id_column: &'a str,
    check: Option<&'a (dyn Fn(&Batch) -> BadCells + Sync)>,
}

impl Typing<'_> {
    /// A batch's ids and its typed columns or bad cells, from its text columns (by
    /// position in the file; None for a lacking one).
    fn run<C: TextCells>(
        &self,
        first_line: usize,
        column: impl Fn(Option<usize>) -> C,
    ) -> (StringArray, Result<Batch, BadCells>) {
        let ids = column(Some(self.id_at));
        let mut bad = BadCells::default();
        for row in 0..ids.rows() {
            if ids.cell(row).is_none_or(|id| id.trim().is_empty()) {
                bad.merge(BadCells {
                    listed: vec![CellError {
                        line: first_line + row,
                        column: self.id_column.to_string(),
                        reason: "编号为空".into(),
                    }],
                    total: 1,
                });
            }
        }
        let cells: Vec<C> = self.columns.iter().map(|c| column(*c)).collect();
        let refs: Vec<&C> = cells.iter().collect();
        let checked = Batch::from_cells(self.schema, &refs, first_line).and_then(|typed| match self.check {
            Some(check) => {
                let found = check(&typed);
                if found.total == 0 { Ok(typed) } else { Err(found) }
            }
            None => Ok(typed),
        });
        // The id column typed as text is the ids, not copied again.
        let ids = match (&checked, self.id_field) {
            (Ok(batch), Some(field)) => match &batch.columns[field] {
                Column::Text(array) => array.clone(),
                _ => ids.to_array(),
            },
            _ => ids.to_array(),
        };
        let typed = match checked {
            Ok(typed) if bad.total == 0 => Ok(typed),
            Ok(_) => Err(bad),
            Err(more) => {
                bad.merge(more);
                Err(bad)
            }
        };
        (ids, typed)
    }
}

/// The ids written again: (line, the line where it was written before, the id), by
/// line. Found by sorting the ids' hashes, computed on every core, and comparing only
/// the ids whose hashes are equal, rather than by a map on one core: its fresh memory
/// and its million inserts were a tenth of reading a million firms.
fn duplicate_ids(all_ids: &[StringArray], numeric: bool) -> Vec<(usize, usize, &str)> {
    use std::hash::BuildHasher as _;
    // Each batch's first record (from 0); a record's line is its number + 2.
    let mut starts = Vec::with_capacity(all_ids.len());
    let mut total = 0usize;
    for ids in all_ids {
        starts.push(total);
        total += ids.len();
    }
    let id_at = |record: usize| {
        let batch = starts.partition_point(|s| *s <= record) - 1;
        let ids = &all_ids[batch];
        let row = record - starts[batch];
        ids.is_valid(row).then(|| ids.value(row)).filter(|id| !id.trim().is_empty())
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let share = all_ids.len().div_ceil(workers).max(1);
    // (hash, record), sorted within each worker's share of the batches.
    let hashed: Vec<Vec<(u64, u32)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = all_ids
            .chunks(share)
            .zip(starts.chunks(share))
            .map(|(part, part_starts)| {
                scope.spawn(move || {
                    let hasher = rustc_hash::FxBuildHasher;
                    let mut out = Vec::with_capacity(part.iter().map(|ids| ids.len()).sum());
                    for (ids, start) in part.iter().zip(part_starts) {
                        for row in 0..ids.len() {
                            if ids.is_valid(row) && !ids.value(row).trim().is_empty() {
                                out.push((hasher.hash_one(id_key(ids.value(row), numeric)), (start + row) as u32));
                            }
                        }
                    }
                    out.sort_unstable();
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a hashing thread")).collect()
    });
    let mut all: Vec<(u64, u32)> = hashed.concat();
    // Sorted runs, one per worker: the stable sort merges them.
    all.sort();
    let mut found = Vec::new();
    for group in all.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // Records in order: each is compared with those before it (a group is a few).
        for (i, &(_, record)) in group.iter().enumerate() {
            let id = id_at(record as usize).expect("only filled-in ids are hashed");
            let key = id_key(id, numeric);
            let before =
                group[..i].iter().rev().find(|(_, r)| id_key(id_at(*r as usize).expect("filled in"), numeric) == key);
            if let Some((_, first)) = before {
                found.push((record as usize + 2, *first as usize + 2, id));
            }
        }
    }
    found.sort_unstable_by_key(|(line, ..)| *line);
    found
}

/// An id as compared: trimmed text, or in a number column its value ("1,234",
/// "01234" and "1234.0" are one id), without allocating for a million of them.
#[derive(PartialEq, Eq, Hash)]
enum IdKey<'a> {
    Number(i128, u32),
    Text(&'a str),
}

fn id_key(id: &str, numeric: bool) -> IdKey<'_> {
    let id = id.trim();
    if !numeric {
        return IdKey::Text(id);
    }
    match fengkou_domain::policy::columns::parse_decimal(id) {
        Ok((mut mantissa, mut scale)) => {
            while scale > 0 && mantissa % 10 == 0 {
                mantissa /= 10;
                scale -= 1;
            }
            IdKey::Number(mantissa, scale)
        }
        Err(_) => IdKey::Text(id),
    }
}

fn csv_error(index: usize, e: arrow_schema::ArrowError) -> FileError {
    let message = e.to_string();
    let why = if let Some(rest) = message.split("incorrect number of fields for line ").nth(1) {
        // "… for line 7, expected 20 got 22"
        let numbers: Vec<&str> = rest.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).collect();
        if let [line, expected, got, ..] = numbers[..] {
            return FileError::Csv(format!("第{line}行有 {got} 列，表头有 {expected} 列"));
        }
        format!("某行的列数与表头不一致（{}）", message.trim_start_matches("Csv error: "))
    } else if message.contains("UTF-8") || message.contains("utf-8") {
        "文件不是 UTF-8 编码".to_string()
    } else {
        format!("CSV 格式有误（{message}）")
    };
    FileError::Csv(format!("第 {} 至 {} 行之间：{why}", index * BATCH_ROWS + 2, (index + 1) * BATCH_ROWS + 1))
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
    // The result replaces a regular file only (never a device, a pipe or a directory),
    // and through a symlink the file it points to.
    let target = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => std::fs::canonicalize(path)?,
        Ok(_) => {
            return Err(std::io::Error::other("--out 须是普通文件（不能是目录、设备或管道）"));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let mut partial = target.clone().into_os_string();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let written =
        write_rows(&partial, policies, outcomes, enterprises).and_then(|()| std::fs::rename(&partial, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

fn write_rows(
    partial: &Path,
    policies: &[PolicyDef],
    outcomes: &[Outcome],
    enterprises: &Enterprises,
) -> std::io::Result<()> {
    let file = std::fs::File::create(partial)?;
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
    Ok(())
}

/// Quotes a field that holds a comma, a quote or a line break, as RFC 4180 says; a text
/// that Excel or WPS would run as a formula (=, +, -, @ first, and not a number) gets a
/// leading apostrophe.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text: std::borrow::Cow<'_, str> =
        if formula { std::borrow::Cow::Owned(format!("'{text}")) } else { std::borrow::Cow::Borrowed(text) };
    if text.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        text
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
    use super::{duplicate_ids, push_amount};
    use arrow_array::StringArray;

    /// Each id written again is named with the line where it was last written, across
    /// batches; numbers are compared by value, empty ids not at all.
    #[test]
    fn ids_written_again_are_named_with_their_previous_line() {
        let batches = [
            StringArray::from(vec![Some("a"), Some(" b "), None, Some("")]),
            StringArray::from(vec![Some("b"), Some("c"), Some("a"), Some("")]),
            StringArray::from(vec![Some("a")]),
        ];
        // Lines: a 2, b 3, (4, 5 empty), b 6, c 7, a 8, (9 empty), a 10.
        assert_eq!(duplicate_ids(&batches, false), vec![(6, 3, "b"), (8, 2, "a"), (10, 8, "a")]);
        let numbers = [StringArray::from(vec!["7", "1,234", " 07", "1234.0", "8"])];
        assert_eq!(duplicate_ids(&numbers, true), vec![(4, 2, " 07"), (5, 3, "1234.0")]);
    }

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

    /// A file of two pieces with a quote inside an unquoted cell, then quoted line
    /// breaks: valid CSV, read whole (it was refused when a piece was cut inside quotes).
    #[test]
    fn a_stray_quote_does_not_cut_pieces_inside_quotes() {
        use fengkou_domain::policy::FieldType;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firms.csv");
        let mut text = String::from("id,name,n\n");
        let rows = 200_000;
        for i in 0..rows {
            match i {
                9 => text.push_str(&format!("{i},ab\"cd,{i}\n")),
                _ if i > 9 => text.push_str(&format!("{i},\"公司\n第{i}号\",{i}\n")),
                _ => text.push_str(&format!("{i},甲,{i}\n")),
            }
        }
        assert!(text.len() > 5 << 20, "more than one piece");
        std::fs::write(&path, &text).unwrap();
        let schema = schema_of(&[("id", FieldType::Text), ("name", FieldType::Text), ("n", FieldType::Int)]);
        let firms = super::read_enterprises(&path, Some(schema), "id").unwrap();
        assert_eq!(firms.len(), rows);
        assert_eq!(firms.id(9), "9");
        assert_eq!(firms.id(rows as u32 - 1), (rows - 1).to_string());
    }

    fn schema_of(fields: &[(&str, fengkou_domain::policy::FieldType)]) -> fengkou_domain::policy::Schema {
        use fengkou_domain::policy::{Field, Schema};
        let field = |(name, ty): &(&str, _)| Field { name: name.to_string(), ty: *ty, values: Vec::new(), label: None };
        Schema::new(fields.iter().map(field).collect()).unwrap()
    }

    fn text_schema() -> fengkou_domain::policy::Schema {
        use fengkou_domain::policy::FieldType;
        schema_of(&[("id", FieldType::Text), ("name", FieldType::Text)])
    }

    /// A byte order mark in the middle of a file is text, also where a piece begins (the
    /// splitter skips one where it starts reading): the same file is refused wherever
    /// its pieces fall.
    #[test]
    fn a_byte_order_mark_where_a_piece_begins_is_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firms.csv");
        // Rows of 16 bytes: the first piece ends after 4 MiB of them, at row 262,144.
        let mut text = String::from("id,name\n");
        for i in 0..300_000 {
            if i == 262_144 {
                text.push_str("\u{feff}\"x,y\",z\n");
            } else {
                text.push_str(&format!("{i:07},abcdefg\n"));
            }
        }
        std::fs::write(&path, &text).unwrap();
        match super::read_enterprises(&path, Some(text_schema()), "id") {
            Err(super::FileError::Csv(message)) => assert!(message.contains("262146"), "{message}"),
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(_) => panic!("a record of three fields was read"),
        }
    }

    #[test]
    fn a_header_wider_than_a_sheet_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.csv");
        std::fs::write(&path, format!("id,name{}\n1,a\n", ",".repeat(super::MAX_COLUMNS))).unwrap();
        match super::read_enterprises(&path, Some(text_schema()), "id") {
            Err(super::FileError::Header(message)) => assert!(message.contains("超过 16384 列"), "{message}"),
            other => panic!("{:?}", other.map(|f| f.len())),
        }
    }
}
