//! The ladder on files alone: `fengkou ladder assess` reads an enterprises CSV (the
//! vocabulary of DOMAIN.md §11 as headers, in English or Chinese, with synonyms and
//! units in brackets), assesses every firm on every rung with the same
//! [`Assessor`] the product uses, and hands each batch's verdicts to a renderer on
//! every core, so that a million firms are written in order without holding their text
//! twice.

use crate::policy_files::{Enterprises, FileError, ReadOptions, read_enterprises_with};
use chrono::NaiveDate;
use fengkou_domain::enterprise::{self, check_batch, field_for_header};
use fengkou_domain::ladder::{Assessor, Judged, prepare_batch};
use fengkou_domain::policy::columns::Column;
use fengkou_domain::policy::{Batch, Schema};
use std::path::Path;

/// Reads the firms: the code column (uscc / 统一社会信用代码) must be there, filled in
/// and unique; columns the rules need but the file lacks are empty (缺数据); a
/// negative count or a share over 100 % is refused with its row.
pub fn read_firms(path: &Path, assessor: &Assessor) -> Result<Enterprises, FileError> {
    read_vocabulary_firms(path, assessor.schema())
}

/// Reads firms whose columns are the enterprise vocabulary (`schema`: the ladder's, which
/// the innovation credit shares), with the checks of [`read_firms`].
pub fn read_vocabulary_firms(path: &Path, schema: &Schema) -> Result<Enterprises, FileError> {
    let check = |batch: &Batch| check_batch(schema, batch);
    let options = ReadOptions { rename: Some(field_for_header), lacking_empty: true, check: Some(&check) };
    read_enterprises_with(path, Some(schema.clone()), enterprise::USCC.0, options)
}

/// Where a firm's code and name are in the ladder's batches (found once, not per firm).
#[derive(Debug, Clone, Copy)]
pub struct CodeAndName {
    code: usize,
    name: usize,
}

impl CodeAndName {
    pub fn new(assessor: &Assessor) -> CodeAndName {
        let field = |name: &str| assessor.schema().find(name).expect("the ladder's schema");
        CodeAndName { code: field(enterprise::USCC.0), name: field(enterprise::NAME.0) }
    }

    /// A firm's code and name as the file writes them (trimmed).
    pub fn of<'b>(&self, batch: &'b Batch, row: usize) -> (&'b str, &'b str) {
        let text = |field: usize| match &batch.columns[field] {
            Column::Text(values) if values.is_valid(row) => values.value(row).trim(),
            _ => "",
        };
        (text(self.code), text(self.name))
    }
}

use arrow_array::Array;

/// Assesses every batch on `threads` threads, renders each row's verdicts there
/// (`render` appends a row to its batch's text), and hands each batch's text to `sink`
/// in the file's order as it is ready, so that a million firms' text is never held at
/// once. The texts' buffers go back to the threads once written: a batch's text is
/// most of a megabyte, and fresh memory is dear (each page is zeroed by the kernel).
pub fn assess_all<R, E>(
    assessor: &Assessor,
    firms: &mut Enterprises,
    on: NaiveDate,
    threads: usize,
    render: R,
    mut sink: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E>
where
    R: Fn(&Batch, usize, &[Judged], &mut Vec<u8>) + Sync,
{
    let rows = firms.batches.iter().map(|b| b.len).max().unwrap_or(0);
    let threads = threads.clamp(1, firms.batches.len().max(1));
    let schema = assessor.schema();
    // Each thread takes the next batch in the file's order when it is free, rather
    // than every n-th batch: the threads finish together, and the batches come back
    // nearly in order, so few wait to be written.
    let next_batch = std::sync::Mutex::new(firms.batches.iter_mut().enumerate());
    let spare = std::sync::Mutex::new(Vec::<Vec<u8>>::new());
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(threads * 4);
        for _ in 0..threads {
            let (render, send, spare, next_batch) = (&render, send.clone(), &spare, &next_batch);
            scope.spawn(move || {
                let mut scratch = assessor.scratch(rows);
                loop {
                    let Some((index, batch)) = next_batch.lock().expect("not poisoned").next() else { break };
                    prepare_batch(batch, schema, on);
                    let mut text = spare.lock().expect("not poisoned").pop().unwrap_or_default();
                    assessor.judge_batch(batch, &mut scratch, |row, judged| render(batch, row, judged, &mut text));
                    if send.send((index, text)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        // Parts arrive in any order; each is written once all before it are.
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (index, text) in receive {
            waiting.insert(index, text);
            while let Some(mut text) = waiting.remove(&next) {
                sink(&text)?;
                text.clear();
                spare.lock().expect("not poisoned").push(text);
                next += 1;
            }
        }
        Ok(())
    })
}
