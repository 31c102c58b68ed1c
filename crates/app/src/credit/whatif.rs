//! What if one of a firm's figures were different: the run's own data with that one
//! change, scored by the same code against the same cohort.

use super::ROWS_PER_BATCH;
use super::{Credit, CreditError};
use crate::{Actor, AppError, Result};
use fengkou_domain::credit::{List, Scorer, WhatIf, changed_row, parse_scheme};
use serde::Serialize;

/// A what-if's answer: the score and rank before and after, and the lines that moved.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIfResult {
    pub field: String,
    pub label: String,
    pub unit: String,
    pub delta: String,
    pub before: String,
    pub after: String,
    pub before_rank: Option<u32>,
    pub after_rank: Option<u32>,
    /// "研发费用再增加 100 万元：812.40 → 839.10 分"
    pub sentence: String,
    /// (indicator, points before, points after) where they differ.
    pub changed: Vec<(String, String, String)>,
}

impl Credit<'_> {
    /// What if one of the firm's figures were different: the run's own data with that
    /// one change, scored by the same code against the same cohort.
    pub async fn what_if(
        &self,
        actor: &Actor,
        firm_id: i64,
        run_id: i64,
        field: &str,
        delta: &str,
    ) -> Result<WhatIfResult> {
        self.enterprises().firm(actor, firm_id).await?;
        let run = self.visible_run(actor, run_id).await?;
        if delta.len() > 40 || field.len() > 60 {
            return Err(CreditError::WhatIf("字段或变化量太长".into()).into());
        }
        let name = fengkou_domain::enterprise::field_for_header(field).unwrap_or(field.trim()).to_string();
        let Some(indicator) = fengkou_domain::enterprise::indicator(&name) else {
            return Err(CreditError::WhatIf(format!("没有可增减的指标 {}", field.trim())).into());
        };
        let delta = what_if_delta(delta)?;
        // A what-if recomputes the run's district: a few at a time, the rest told to wait.
        let _turn = self.exports.try_acquire().map_err(|_| AppError::Busy)?;
        let (scorer, ids, rebuilt) = self.rebuild(&run).await?;
        if !scorer.fields_used().contains(&name) {
            return Err(
                CreditError::WhatIf(format!("本次计算的方案不使用{}，改变它不影响积分", indicator.label)).into()
            );
        }
        let record = ids.binary_search(&firm_id).map_err(|_| AppError::NotFound("这家企业的积分"))?;
        let (b, row) = (record / ROWS_PER_BATCH, record % ROWS_PER_BATCH);
        let change = WhatIf { field: name.clone(), delta };
        let mut one = changed_row(scorer.schema(), &rebuilt.batches[b], row, &change)
            .map_err(|e| CreditError::WhatIf(e.to_string()))?;
        let on = run.assessed_on.unwrap_or_else(|| self.today());
        let changed = scorer.facts(std::slice::from_mut(&mut one), on, 1);
        let (before, after) = scorer.what_if(&rebuilt.facts, record, &changed);
        let verb = if change.delta.starts_with('-') { "减少" } else { "增加" };
        let amount = change.delta.trim_start_matches('-');
        let unit = match indicator.kind.unit() {
            "" => String::new(),
            unit => format!(" {unit}"),
        };
        let mut sentence =
            format!("{}再{verb} {amount}{unit}：{} → {} 分", indicator.label, before.score_text(), after.score_text());
        if before.cohort_name != after.cohort_name {
            sentence.push_str(&format!(
                "（分组由{}变为{}）",
                before.cohort_name.as_deref().unwrap_or("缺数据"),
                after.cohort_name.as_deref().unwrap_or("缺数据")
            ));
        }
        if before.score.list != after.score.list {
            let label = |l: List| if l.label().is_empty() { "不在名单" } else { l.label() };
            sentence.push_str(&format!("，名单：{} → {}", label(before.score.list), label(after.score.list)));
        }
        let changed_lines = before
            .indicators
            .iter()
            .zip(&after.indicators)
            .filter(|(a, b)| a.points != b.points)
            .map(|(a, b)| (a.name.clone(), format!("{:.2}", a.points), format!("{:.2}", b.points)))
            .collect();
        Ok(WhatIfResult {
            field: name,
            label: indicator.label.to_string(),
            unit: indicator.kind.unit().to_string(),
            delta: change.delta,
            before: before.score_text(),
            after: after.score_text(),
            before_rank: before.score.rank,
            after_rank: after.score.rank,
            sentence,
            changed: changed_lines,
        })
    }
}

/// The indicators a what-if may change: the numbers of the vocabulary the scheme reads.
pub(super) fn what_if_fields(scheme: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    use fengkou_domain::enterprise::{INDICATORS, Kind};
    let used =
        parse_scheme(scheme).ok().and_then(|s| Scorer::new(&s).ok()).map(|s| s.fields_used()).unwrap_or_default();
    INDICATORS
        .iter()
        .filter(|i| matches!(i.kind, Kind::Money | Kind::SignedMoney | Kind::Count))
        .filter(|i| used.iter().any(|u| u == i.name))
        .map(|i| (i.name, i.label, i.kind.unit()))
        .collect()
}

/// A what-if's amount as people type it ("+100", "－2.5", full-width digits): one
/// sign at most, then a number the vocabulary's reader accepts.
fn what_if_delta(text: &str) -> Result<String> {
    let text: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '＋' => '+',
            '－' | '−' => '-',
            '．' => '.',
            other => other,
        })
        .collect();
    let unsigned = text.strip_prefix('+').unwrap_or(&text);
    let digits = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if digits.is_empty() || digits.starts_with(['+', '-']) || text.chars().count() > 24 {
        return Err(
            CreditError::WhatIf(format!("变化量“{}”不是一个数", text.chars().take(24).collect::<String>())).into()
        );
    }
    Ok(unsigned.to_string())
}
