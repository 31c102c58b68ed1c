//! What the enterprise area alone refuses.

use fengkou_domain::uscc::UsccError;

#[derive(Debug, thiserror::Error)]
pub enum EnterpriseError {
    #[error("{0}")]
    Uscc(#[from] UsccError),
    #[error("统一社会信用代码 {uscc} 已登记为“{name}”")]
    Duplicate { uscc: String, name: String },
    #[error("企业名称不能为空")]
    NameMissing,
    /// An enterprise sheet that cannot be imported: every problem, nothing written.
    #[error("导入未执行，发现 {} 个问题：{}", .0.len(), .0.iter().take(5).cloned().collect::<Vec<_>>().join("；"))]
    ImportRejected(Vec<String>),
    #[error("规则无法保存：{0}")]
    Rules(String),
    #[error("来源“{0}”不是已知的部门（税务、市场监管、统计、科技、工信、财政、企业填报、科技局核定）")]
    UnknownSource(String),
    #[error("这家企业 {on} 的{tier}认定已登记（记录 {id}）")]
    TierRecorded { tier: &'static str, on: chrono::NaiveDate, id: i64 },
    #[error("这个指标在 {year} 年只有一个来源，无需选择")]
    NothingToChoose { year: i32 },
}
