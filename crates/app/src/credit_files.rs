//! The innovation credit on files alone: `fengkou credit score` and `credit explain`
//! read an enterprises CSV (the vocabulary of DOMAIN.md §11, as for the ladder) and a
//! scheme JSON, and score every firm with the same [`Scorer`] the product uses.

use crate::ladder_files::read_vocabulary_firms;
use crate::policy_files::{Enterprises, FileError};
use chrono::NaiveDate;
use fengkou_domain::credit::{Facts, FirmScore, Scheme, SchemeError, Scorer, parse_scheme};
use fengkou_domain::uscc::{Uscc, is_valid_as_written};
use std::path::Path;

/// The largest scheme file read (the web form takes 64 KB).
const MAX_SCHEME_FILE: u64 = 1 << 20;

fn reason_of(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        _ => e.to_string(),
    }
}

/// Reads and compiles a scheme file.
pub fn read_scheme(path: &Path) -> Result<(Scheme, Scorer), SchemeError> {
    use std::io::Read as _;
    let fail = |reason: String| SchemeError { part: "方案文件".into(), reason };
    let unreadable = |e: std::io::Error| fail(format!("无法读取 {}：{}", path.display(), reason_of(&e)));
    // A scheme is a few KB; reading at most a megabyte keeps /dev/zero from filling memory.
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_SCHEME_FILE + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SCHEME_FILE {
        return Err(fail(format!("{} 超过 1 MB，不像积分方案", path.display())));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail(format!("{} 不是 UTF-8 文本", path.display())))?;
    let scheme = parse_scheme(&text)?;
    let scorer = Scorer::new(&scheme)?;
    Ok((scheme, scorer))
}

/// Every firm of a file, evaluated and scored.
pub struct ScoredFile {
    pub firms: Enterprises,
    pub facts: Facts,
    pub scores: Vec<FirmScore>,
    /// What a person should know about the file (ignored columns, columns the scheme
    /// reads that the file lacks, codes that are not valid).
    pub notes: Vec<String>,
    /// Seconds spent reading the file, evaluating the expressions, and scoring.
    pub seconds: [f64; 3],
}

/// Reads the firms and scores them on `threads` threads (the assessment date `on` is
/// what a scheme's `years_between(registered_on, assessment_date)` reads).
pub fn score_file(path: &Path, scorer: &Scorer, on: NaiveDate, threads: usize) -> Result<ScoredFile, FileError> {
    let started = std::time::Instant::now();
    let mut firms = read_vocabulary_firms(path, scorer.schema())?;
    if std::env::var_os("FENGKOU_TIMINGS").is_some() {
        eprintln!("读取 CSV {:.3} 秒", started.elapsed().as_secs_f64());
    }
    let notes = check_firms(&firms, scorer)?;
    let read = started.elapsed().as_secs_f64();
    let facts = scorer.facts(&mut firms.batches, on, threads);
    let evaluated = started.elapsed().as_secs_f64();
    let scores = scorer.score_parallel(&facts, threads);
    let seconds = [read, evaluated - read, started.elapsed().as_secs_f64() - evaluated];
    Ok(ScoredFile { firms, facts, scores, notes, seconds })
}

/// Refuses a firm listed twice under one code (spaces, case and full-width forms aside:
/// it would be ranked twice); notes columns that mean nothing to the vocabulary, the
/// columns the scheme reads that the file lacks (every firm is 缺数据 there), and codes
/// that are not valid (scored as written).
fn check_firms(firms: &Enterprises, scorer: &Scorer) -> Result<Vec<String>, FileError> {
    use fengkou_domain::enterprise::field_for_header;
    use fengkou_domain::policy::{BadCells, CellError};
    let mut notes = Vec::new();
    let unknown: Vec<&str> =
        firms.header.iter().map(|h| h.trim()).filter(|h| !h.is_empty() && field_for_header(h).is_none()).collect();
    if !unknown.is_empty() {
        notes.push(format!("以下列不是企业指标，已忽略：{}", unknown.join("、")));
    }
    let present: Vec<&str> = firms.header.iter().filter_map(|h| field_for_header(h)).collect();
    let lacking: Vec<String> = scorer
        .fields_used()
        .into_iter()
        .filter(|f| !present.contains(&f.as_str()))
        .map(|f| match fengkou_domain::enterprise::indicator(&f) {
            Some(i) => format!("{}（{f}）", i.label),
            None => f,
        })
        .collect();
    if !lacking.is_empty() {
        notes.push(format!("文件中没有方案用到的这些列，所有企业按缺数据计：{}", lacking.join("、")));
    }
    // The read already refused a code written twice alike. What is left are codes
    // written differently (lower case, spaces, full-width) that mean one firm: only those
    // not valid as written need their canonical form, and they are few.
    let mut twice = BadCells::default();
    let mut invalid = Vec::new();
    let mut rewritten: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut note_twice = |line: usize, written: &str, first: usize| {
        twice.total += 1;
        if twice.listed.len() < fengkou_domain::policy::columns::LISTED_CELL_ERRORS {
            twice.listed.push(CellError {
                line,
                column: fengkou_domain::enterprise::USCC.0.into(),
                reason: format!("统一社会信用代码 {written} 与第{first}行是同一家企业"),
            });
        }
    };
    for record in 0..firms.len() {
        let written = firms.id(record as u32);
        if is_valid_as_written(written) {
            continue;
        }
        let line = record + 2;
        match Uscc::parse(written) {
            Ok(code) => {
                if let Some(first) = rewritten.insert(code.as_str().to_string(), line) {
                    note_twice(line, written, first);
                }
            }
            Err(_) => invalid.push(format!("第{line}行 {written}")),
        }
    }
    if !rewritten.is_empty() {
        for record in 0..firms.len() {
            let written = firms.id(record as u32);
            if is_valid_as_written(written)
                && let Some(other) = rewritten.get(written)
            {
                let (first, line) = (record + 2, *other);
                note_twice(first.max(line), written, first.min(line));
            }
        }
    }
    if twice.total > 0 {
        return Err(FileError::Cells(twice));
    }
    if !invalid.is_empty() {
        let shown: Vec<&str> = invalid.iter().take(5).map(String::as_str).collect();
        notes.push(format!("{} 家企业的统一社会信用代码无效（仍按数据计分）：{}", invalid.len(), shown.join("；")));
    }
    Ok(notes)
}

/// A code as it should be written (the file's own text when it is not a valid code).
pub fn canonical_code(code: &str) -> std::borrow::Cow<'_, str> {
    if is_valid_as_written(code) {
        return code.into();
    }
    match Uscc::parse(code) {
        Ok(valid) => valid.as_str().to_string().into(),
        Err(_) => code.trim().into(),
    }
}

impl ScoredFile {
    /// The record (from 0) whose code is `code` (spaces, case and full-width forms do
    /// not matter).
    pub fn find(&self, code: &str) -> Option<usize> {
        let wanted = canonical_code(code);
        (0..self.firms.len()).find(|r| canonical_code(self.firms.id(*r as u32)) == wanted)
    }

    /// The batch and row of record `n`.
    pub fn locate(&self, record: usize) -> (usize, usize) {
        let mut rest = record;
        for (b, batch) in self.firms.batches.iter().enumerate() {
            if rest < batch.len {
                return (b, rest);
            }
            rest -= batch.len;
        }
        panic!("record {record} is past the file's end")
    }
}
