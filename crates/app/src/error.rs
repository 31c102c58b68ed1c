use crate::batches::BatchError;
use crate::credit::CreditError;
use crate::enterprises::EnterpriseError;
use crate::ledger::{ImportReport, LedgerError};
use crate::meetings::MeetingError;
use crate::projects::ProjectError;
use crate::reports::ReportError;
use fengkou_domain::project::FieldError;

/// What a use case can refuse or fail with. Messages are Chinese and meant for users;
/// the web crate maps each variant to an HTTP status in one place.
///
/// The variants common to every area (who you are, may you, does it exist, a form's
/// fields, someone else got there first, the database) are here; what one area alone
/// refuses is that area's own enum ([`ProjectError`], [`ReportError`],
/// [`MeetingError`], [`LedgerError`], [`BatchError`]), wrapped, so a caller or a test matches the
/// reason by name instead of by the words of its message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthenticated,
    #[error("用户名或密码错误")]
    BadCredentials,
    #[error("登录失败次数过多，请 {0} 秒后再试")]
    Throttled(u64),
    #[error("没有权限：{0}")]
    Forbidden(String),
    #[error("{0}不存在")]
    NotFound(&'static str),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Meeting(#[from] MeetingError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error(transparent)]
    Enterprise(#[from] EnterpriseError),
    #[error(transparent)]
    Credit(#[from] CreditError),
    #[error("导入未执行，发现 {} 个问题", .0.problems.len())]
    ImportRejected(Box<ImportReport>),
    /// Someone else changed it since the form was opened: who, when and what.
    #[error("{0}")]
    Conflict(String),
    #[error("服务器繁忙，请稍后再试")]
    Busy,
    /// A workbook or document could not be written (our fault, not the user's).
    #[error("文件生成失败：{0}")]
    Document(#[from] fengkou_office::OfficeError),
    /// The database URL is not one we can open.
    #[error(transparent)]
    Setup(fengkou_storage::StorageError),
    /// A failure that is a defect of ours, named by what failed (hashing a password,
    /// encoding a snapshot); the user is asked to try again or call the administrator.
    #[error("内部错误（{what}），请联系管理员：{detail}")]
    Internal { what: &'static str, detail: String },
    /// The database holds a value that cannot be read or rows that contradict each
    /// other: named by table, row and column, for the administrator to repair.
    /// Trying again does not help, so the message says so.
    #[error("数据库中有损坏的数据，请联系管理员修复：{0}")]
    Damaged(String),
    #[error("数据库错误，请稍后再试")]
    Storage(sea_orm::DbErr),
}

impl AppError {
    pub fn forbidden(why: impl Into<String>) -> AppError {
        AppError::Forbidden(why.into())
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    pub(crate) fn internal(what: &'static str, detail: impl ToString) -> AppError {
        AppError::Internal { what, detail: detail.to_string() }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        match e {
            // `storage::value` names the table, row and column of a stored value it
            // cannot read; a number column holding text fails in the driver.
            sea_orm::DbErr::Type(what) => AppError::Damaged(what),
            other if other.to_string().contains("decoding column") => AppError::Damaged(other.to_string()),
            other => AppError::Storage(other),
        }
    }
}

impl From<fengkou_storage::StorageError> for AppError {
    fn from(e: fengkou_storage::StorageError) -> Self {
        match e {
            fengkou_storage::StorageError::Db(db) => AppError::from(db),
            other => AppError::Setup(other),
        }
    }
}

impl From<fengkou_domain::Refusal> for AppError {
    fn from(r: fengkou_domain::Refusal) -> Self {
        AppError::Forbidden(r.0)
    }
}
