/// What the reports area refuses, beyond a form's field checks
/// ([`crate::AppError::Invalid`]): each variant names the month and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("{month} 的填报期已关闭")]
    PeriodClosed { month: String },
    #[error("{month} 的填报期尚未开启")]
    PeriodNotOpen { month: String },
    /// The month lies inside a year-to-date figure a ledger import recorded.
    #[error("{month}已由台账导入的{balance}（{amount} 万元）涵盖，不再单独填报；请填报{through}以后的月份")]
    CoveredByLedger { month: String, balance: String, amount: String, through: String },
    #[error("{month}没有填报期，无从催报")]
    NoPeriodToChase { month: String },
    #[error("{month}没有欠报的月报，无需催报")]
    NothingToChase { month: String },
}
