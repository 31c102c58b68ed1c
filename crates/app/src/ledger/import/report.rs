//! What an import is asked to do ([`ImportOptions`]) and what it says back
//! ([`ImportReport`]): counts, problems, diffs, readings, the summary line and the
//! problem list as a workbook.

use crate::{AppError, Result};
use fengkou_domain::project::FieldChange;
use fengkou_domain::{Month, Wan};
use fengkou_office::RowProblem;
use fengkou_office::ledger::{Reading, Skipped};
use serde::Serialize;

/// How a ledger is to be imported.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Check only; write nothing.
    pub dry_run: bool,
    /// 空白单元格清空原值: a blank cell in a column the sheet has clears the stored
    /// value (by default it keeps it).
    pub clear_blanks: bool,
    /// Create the 办事处 and industries the sheet names that fengkou does not know.
    pub create_missing: bool,
    /// Refuse a sheet of more data rows than this (None: the reader's own maximum,
    /// 200,000). The server passes a lower bound for uploads (see `fengkou_web`): an
    /// import holds the whole parsed sheet, about 3.3 MB per 1,000 rows.
    pub max_rows: Option<usize>,
}

/// One updated project's changes, field by field.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectChanges {
    pub row: usize,
    pub project_id: i64,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub plan_year: i32,
    pub rows_read: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Fields changed over all updated projects.
    pub changed_fields: usize,
    pub skipped: Skipped,
    /// The first [`MAX_PROBLEMS_KEPT`] problems, by row; `problems_total` counts all.
    pub problems: Vec<RowProblem>,
    pub problems_total: usize,
    /// The columns read and what each was taken to mean.
    pub columns: Vec<String>,
    /// Column-level remarks (a column recognised and not imported).
    pub notes: Vec<String>,
    /// How ambiguous cells were read, what was supplied or matched (the first
    /// [`MAX_LISTED`]; `readings_total` counts all).
    pub readings: Vec<Reading>,
    pub readings_total: usize,
    /// Per updated project, what changes (the first [`MAX_LISTED`]).
    pub changes: Vec<ProjectChanges>,
    /// Names the sheet uses that fengkou does not know.
    pub unknown_offices: Vec<String>,
    pub unknown_industries: Vec<String>,
    /// Created by this import (with "create missing").
    pub created_offices: Vec<String>,
    pub created_industries: Vec<String>,
    /// The year's completed investment through this month came in as opening balances.
    pub completed_through: Option<Month>,
    pub completed_total: Wan,
}

/// Lists longer than this are cut in the report (the counts stay whole).
pub const MAX_LISTED: usize = 500;
/// Problems kept for the downloadable list: a hostile sheet can have a problem in
/// every cell (millions), and each kept one costs about 100 bytes.
pub const MAX_PROBLEMS_KEPT: usize = 100_000;

impl ImportReport {
    /// Every kept problem as a workbook (行, 列, 问题), for the "download the full list"
    /// link under a rejected import.
    pub fn problems_workbook(&self) -> Result<Vec<u8>> {
        use fengkou_office::table::{Sheet, TableCell, write_sheets};
        let cut = if self.problems_total > self.problems.len() {
            format!("；共 {} 个问题，此表列出前 {} 个", self.problems_total, self.problems.len())
        } else {
            format!("；共 {} 个问题", self.problems_total)
        };
        let sheet = Sheet {
            name: "问题清单".into(),
            title: "台账导入问题清单".into(),
            unit: format!("行号为 Excel 中的行号{cut}"),
            headers: ["行", "列", "问题"].map(String::from).to_vec(),
            rows: self
                .problems
                .iter()
                .map(|p| {
                    vec![
                        TableCell::Count(p.row as i64),
                        TableCell::Text(p.column.clone()),
                        TableCell::Text(p.reason.clone()),
                    ]
                })
                .collect(),
        };
        write_sheets(&[sheet]).map_err(AppError::from)
    }

    /// Records a problem (kept while fewer than [`MAX_PROBLEMS_KEPT`], always counted).
    pub(super) fn problem(&mut self, p: RowProblem) {
        self.problems_total += 1;
        if self.problems.len() < MAX_PROBLEMS_KEPT {
            self.problems.push(p);
        }
    }

    /// One line for people: "读取 12 行：新增 3，更新 2（8 个字段），未变 5；跳过 …".
    pub fn summary_line(&self) -> String {
        if !self.problems.is_empty() {
            return format!(
                "读取 {} 行：发现 {} 个问题，未写入任何数据（改正后，试运行会列出将要新增和修改的项目）",
                self.rows_read, self.problems_total
            );
        }
        format!(
            "读取 {} 行：新增 {}，更新 {}（{} 个字段），未变 {}；跳过 分组行 {}、小计行 {}、合计行 {}、空行 {}、备注行 {}",
            self.rows_read,
            self.created,
            self.updated,
            self.changed_fields,
            self.unchanged,
            self.skipped.section,
            self.skipped.subtotal,
            self.skipped.total,
            self.skipped.blank,
            self.skipped.note
        )
    }

    pub(super) fn read(&mut self, reading: Reading) {
        self.readings_total += 1;
        if self.readings.len() < MAX_LISTED {
            self.readings.push(reading);
        }
    }

    /// What the audit trail keeps of an import: the counts, not every change (each
    /// project's own entries hold those).
    pub(super) fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({
            "summary": self.summary_line(),
            "plan_year": self.plan_year,
            "created": self.created,
            "updated": self.updated,
            "changed_fields": self.changed_fields,
            "created_offices": self.created_offices,
            "created_industries": self.created_industries,
            "completed_through": self.completed_through.map(|m| m.label()),
            "completed_total_wan": self.completed_total.to_api_string(),
        })
    }
}
