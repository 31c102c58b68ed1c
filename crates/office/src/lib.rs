//! Office files for fengkou: project ledgers in Excel, read as offices really keep them
//! and written back in the same layout.
//!
//! - [`ledger::read_ledger`] finds the header by its text (two-row merged headers, unit
//!   rows and titles above it), skips section, 小计/合计, blank and note rows, and parses
//!   every cell into domain values, reporting each problem as "第N行 列名：原因". It
//!   refuses, with what the file held, a workbook that holds more than a ledger could
//!   (gigabyte cells, millions of shared strings, sheets padded to gigabytes), within a
//!   few MB of memory.
//! - [`ledger::write_ledger`] writes title, unit row, merged header, sections with
//!   subtotals and a grand total; its output reads back to the same data.
//! - [`table::write_table`] writes a plain titled table (the 办事处 comparison).

pub mod ballots;
pub mod bulletin;
pub mod ledger;
pub mod sheets;
pub mod table;

/// A problem with one cell or row of an imported sheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// 1-based row number as Excel shows it.
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第{}行 {}：{}", self.row, self.column, self.reason)
    }
}

/// Problems with the file as a whole.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("文件不是有效的 Excel (.xlsx) 文件（旧版 .xls 请先另存为 .xlsx）：{0}")]
    NotXlsx(String),
    #[error("工作簿中没有工作表")]
    NoSheet,
    #[error("前{0}行中没有找到表头：需要有一行含“项目名称”")]
    NoHeader(usize),
    #[error("表头缺少必需的列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
    #[error(
        "“{header}”列有 {non_empty} 个非空单元格，但没有一个能识别为日期（如第{row}行“{example}”），请检查该列或改为 2026-03-15、2026.03、2026年 等写法"
    )]
    UnreadableDateColumn { header: String, non_empty: usize, row: usize, example: String },
    /// (the row where reading stopped, the bound)
    #[error("表格的数据行超过一次导入的上限（{1} 行），请按办事处或产业拆成几个文件分批导入")]
    TooManyRows(usize, usize),
    #[error("表格超过 {0} 列，不像正常的表格，请检查文件")]
    TooManyColumns(usize),
    #[error("文件过大：{0}")]
    TooLarge(String),
    #[error("表头不对：{0}")]
    BadHeader(String),
    #[error("生成 Excel 文件失败：{0}")]
    Write(String),
}

impl From<rust_xlsxwriter::XlsxError> for OfficeError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        OfficeError::Write(e.to_string())
    }
}
