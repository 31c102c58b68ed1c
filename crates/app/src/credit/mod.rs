//! The innovation credit (企业创新积分制) in the product: scheme versions with four-eyes
//! approval, a year's credit computed for every firm in the registry and stored as a run
//! (with the scheme's text and every firm's inputs, so that it can be recomputed and
//! checked), rankings and lists per cohort, a firm's breakdown and what-if, the public
//! notice (公示) with objections and answers, and the lists for banks.
//!
//! - `mod.rs`: the area, what it refuses, and the firms' inputs as the scheme reads them.
//! - `schemes.rs`: versions, proposal, approval (never by the proposer), the one in force.
//! - `runs.rs`: compute, publish, verify; `views.rs`: rankings, lists, a firm's credit;
//!   `exports.rs`: the notice and the banks' lists; `whatif.rs`; `stored.rs`: a
//!   breakdown as stored and read back.
//! - `objections.rs`: objections during the notice and the bureau's answers.
//!
//! Who sees what: results are read by those who read firms (`can_read_enterprise`: an
//! office user only its own 办事处's firms); a run before its notice only by 科技局.
//! Writes: 科技局 (`can_edit_enterprises`); approval by another 科技局 user or an admin.

mod exports;
mod objections;
mod runs;
mod schemes;
mod stored;
mod views;
mod whatif;

pub use objections::Objection;
pub use runs::RunSummary;
pub use schemes::{SchemeVersion, starting_text};
pub use views::{CreditRow, FirmCredit, RankingPage};
pub use whatif::WhatIfResult;

use crate::enterprises::values::counted_values_of_all;
use crate::{AppError, Result};
use arrow_array::StringArray;
use fengkou_domain::enterprise::{self, Tier};
use fengkou_domain::policy::{Batch, Schema};
use fengkou_storage::entity::enterprise as firm_table;
use std::collections::BTreeMap;

crate::area!(
    /// The innovation credit: schemes, runs, rankings, breakdowns, objections.
    Credit,
    credit
);

/// What the credit area alone refuses.
#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("积分方案有误：{0}")]
    Scheme(String),
    #[error("不能审核自己提交的方案（需另一位科技局用户或管理员审核）")]
    OwnProposal,
    #[error("这个方案{0}，不能再审核")]
    AlreadyDecided(&'static str),
    #[error("{0} 年的积分还没有计算")]
    NoRun(i32),
    #[error("这次计算已于 {0} 公示，结果不再改变")]
    AlreadyPublished(String),
    #[error("这次计算尚未公示，不能登记异议")]
    NotPublished,
    #[error("公示期已于 {0} 结束，不能再登记异议")]
    NoticeOver(chrono::NaiveDate),
    #[error("这条异议已答复")]
    AlreadyAnswered,
    #[error("假设计算：{0}")]
    WhatIf(String),
    #[error("{0} 年不在可计算的范围（2000 年至今年）")]
    Year(i32),
    #[error("{year} 年没有一家企业有{field}数据，无法分组计分（请先导入该年度数据）")]
    NoData { year: i32, field: String },
    #[error("这次计算没有一家企业参与排名，不能公示")]
    NothingRanked,
    #[error("这次公示已被同年度更新的公示（计算 #{0}）取代，异议请针对新的公示登记")]
    Superseded(i64),
}

/// A firm's cells as the scheme reads them: field → text, only the filled ones.
pub type Inputs = BTreeMap<String, String>;

/// Every firm's inputs for a data year: the registry's code, name and date, each
/// indicator's counted value of `year` (the bureau's choice where departments differ),
/// 上年销售收入 / 上年研发费用 from the year before when not given, and 有效期内高企 from
/// the firm's tiers on `on`. Read from the pool (not the write's transaction), the
/// year's figures in two halves at once: the run stores these inputs, so it is
/// reproducible whatever is written meanwhile.
pub(crate) async fn firm_inputs(
    db: &crate::Db,
    firms: &[firm_table::Model],
    year: i32,
    on: chrono::NaiveDate,
    used: &[&str],
) -> Result<Vec<Inputs>> {
    let ids: Vec<i64> = firms.iter().map(|f| f.id).collect();
    let clock = std::time::Instant::now();
    let lap = |what: &str| {
        if std::env::var_os("FENGKOU_TIMINGS").is_some() {
            eprintln!("  {what}: {:.3} s", clock.elapsed().as_secs_f64());
        }
    };
    // The year's figures that the scheme reads, and from the year before only what
    // 上年销售收入 / 上年研发费用 take.
    let (this, last) = ([year], [year - 1]);
    let (this_year, before, held) = tokio::try_join!(
        counted_values_of_all(db, &ids, &this, Some(used), 2),
        counted_values_of_all(db, &ids, &last, Some(&["revenue", "rd_expense"]), 1),
        crate::enterprises::current_tiers(db, None, on),
    )?;
    lap("figures and tiers");
    let out = firms
        .iter()
        .map(|firm| {
            let mut cells = Inputs::new();
            cells.insert(enterprise::USCC.0.into(), firm.uscc.clone());
            cells.insert(enterprise::NAME.0.into(), firm.name.clone());
            if let Some(day) = firm.registered_on {
                cells.insert(enterprise::REGISTERED_ON.0.into(), day.to_string());
            }
            if let Some(figures) = this_year.get(&firm.id).and_then(|y| y.get(&year)) {
                for (name, value) in figures {
                    cells.insert(name.clone(), value.normalize().to_string());
                }
            }
            for (prev, name) in [("revenue_prev", "revenue"), ("rd_expense_prev", "rd_expense")] {
                if !cells.contains_key(prev)
                    && let Some(value) = before.get(&firm.id).and_then(|y| y.get(&(year - 1))).and_then(|v| v.get(name))
                {
                    cells.insert(prev.into(), value.normalize().to_string());
                }
            }
            if held.get(&firm.id).is_some_and(|t| t.contains(&Tier::HighTech)) {
                cells.insert("is_high_tech".into(), "1".into());
            }
            cells
        })
        .collect();
    lap("cells");
    Ok(out)
}

/// Firms' inputs as a batch of the schema's columns.
pub(crate) fn inputs_batch(schema: &Schema, inputs: &[&Inputs]) -> Result<Batch> {
    let arrays: Vec<StringArray> = schema
        .fields()
        .iter()
        .map(|f| StringArray::from(inputs.iter().map(|cells| cells.get(&f.name).cloned()).collect::<Vec<_>>()))
        .collect();
    let text: Vec<&StringArray> = arrays.iter().collect();
    Batch::from_text(schema, &text, 1).map_err(|bad| {
        let first = bad.listed.first().map(ToString::to_string).unwrap_or_default();
        AppError::Damaged(format!("企业指标无法读取：{first}"))
    })
}

/// Batches of at most this many firms (the columns stay in cache).
pub(crate) const ROWS_PER_BATCH: usize = 2048;
