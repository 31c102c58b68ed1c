/// What the ledger area refuses about a whole file (problems in single rows are the
/// [`super::ImportReport`]'s, returned as [`crate::AppError::ImportRejected`]).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The file is not a ledger we can read: not .xlsx, no sheet, no header, a date
    /// column with no date in it.
    #[error(transparent)]
    File(fengkou_office::OfficeError),
    /// Reading stopped unexpectedly (a defect; the file is not imported).
    #[error("读取台账时出错，文件未导入；请检查文件，或联系管理员")]
    ReadFailed,
    /// The completed-investment column does not say up to which month it counts.
    #[error("“{header}”：无法确定截至月份")]
    CompletedMonthUnknown { header: String },
    #[error("“{header}”：{month}尚未到来，本年完成投资只能截至本月")]
    CompletedMonthInFuture { header: String, month: String },
}
