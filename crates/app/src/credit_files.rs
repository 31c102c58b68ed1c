//! The innovation credit on files alone: `fengkou credit score` and `credit explain`
//! read an enterprises CSV (the vocabulary of DOMAIN.md §11, as for the ladder) and a
//! scheme JSON, and score every firm with the same [`Scorer`] the product uses.

use crate::ladder_files::read_vocabulary_firms;
use crate::policy_files::{Enterprises, FileError};
use chrono::NaiveDate;
use fengkou_domain::credit::{Facts, FirmScore, Scheme, SchemeError, Scorer, parse_scheme};
use fengkou_domain::uscc::{Uscc, is_valid_as_written};
use std::path::Path;

/// Reads and compiles a scheme file.
pub fn read_scheme(path: &Path) -> Result<(Scheme, Scorer), SchemeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SchemeError {
            part: "方案文件".into(), reason: format!("无法读取 {}：{e}", path.display())
        })?;
    let scheme = parse_scheme(&text)?;
    let scorer = Scorer::new(&scheme)?;
    Ok((scheme, scorer))
}

/// Every firm of a file, evaluated and scored.
pub struct ScoredFile {
    pub firms: Enterprises,
    pub facts: Facts,
    pub scores: Vec<FirmScore>,
    /// Seconds spent reading the file, evaluating the expressions, and scoring.
    pub seconds: [f64; 3],
}

/// Reads the firms and scores them on `threads` threads (the assessment date `on` is
/// what a scheme's `years_between(registered_on, assessment_date)` reads).
pub fn score_file(path: &Path, scorer: &Scorer, on: NaiveDate, threads: usize) -> Result<ScoredFile, FileError> {
    let started = std::time::Instant::now();
    let mut firms = read_vocabulary_firms(path, scorer.schema())?;
    let read = started.elapsed().as_secs_f64();
    let facts = scorer.facts(&mut firms.batches, on, threads);
    let evaluated = started.elapsed().as_secs_f64();
    let scores = scorer.score_parallel(&facts, threads);
    let seconds = [read, evaluated - read, started.elapsed().as_secs_f64() - evaluated];
    Ok(ScoredFile { firms, facts, scores, seconds })
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
