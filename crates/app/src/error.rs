use crate::ledger::ImportReport;
use fengkou_domain::project::FieldError;

/// What a use case can refuse or fail with. Messages are Chinese and meant for users;
/// the web crate maps each variant to an HTTP status in one place.
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
    #[error("{0}")]
    Rejected(String),
    #[error("导入未执行，发现 {} 个问题", .0.problems.len())]
    ImportRejected(Box<ImportReport>),
    /// Someone else changed it since the form was opened: who, when and what.
    #[error("{0}")]
    Conflict(String),
    #[error("服务器繁忙，请稍后再试")]
    Busy,
    #[error("数据库错误，请稍后再试")]
    Storage(#[from] sea_orm::DbErr),
}

impl AppError {
    pub fn forbidden(why: impl Into<String>) -> AppError {
        AppError::Forbidden(why.into())
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<fengkou_domain::Refusal> for AppError {
    fn from(r: fengkou_domain::Refusal) -> Self {
        AppError::Forbidden(r.0)
    }
}
