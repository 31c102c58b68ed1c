//! A run as files and lists for others: the banks' list (API), the public notice and
//! the banks' workbooks, each taking its turn with the other exports.

use super::Credit;
use super::runs::RunSummary;
use super::views::CreditRow;
use crate::{Actor, AppError, Result};

impl Credit<'_> {
    /// The banks' list (every scored firm): a whole run's rows, so it takes its turn
    /// with the workbooks (a few at a time, whoever asks).
    pub async fn bank_rows(&self, actor: &Actor, run_id: i64) -> Result<(RunSummary, Vec<CreditRow>)> {
        let _turn = self.exports.acquire().await.map_err(|_| AppError::Busy)?;
        self.all_rows(actor, run_id, false).await
    }

    /// The public notice (公示) as a workbook: the firms on the three lists.
    pub async fn notice_workbook(&self, actor: &Actor, run_id: i64) -> Result<(i32, Vec<u8>)> {
        let _turn = self.exports.acquire().await.map_err(|_| AppError::Busy)?;
        let (run, rows) = self.all_rows(actor, run_id, true).await?;
        let headers = ["序号", "分组", "名单", "组内排名", "积分", "统一社会信用代码", "企业名称", "办事处"];
        let cells = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                use fengkou_office::table::TableCell::{Count, Number, Text};
                vec![
                    Count(i as i64 + 1),
                    Text(r.cohort.clone()),
                    Text(r.list.to_string()),
                    r.rank.map_or(Text(String::new()), |k| Count(i64::from(k))),
                    r.score.parse::<f64>().map_or(Text(String::new()), Number),
                    Text(r.uscc.clone()),
                    Text(r.name.clone()),
                    Text(r.office.clone()),
                ]
            })
            .collect();
        // Who issues it, how many firms took part, and where objections go.
        let unit = match (run.published_at, run.notice_until) {
            (Some(from), Some(until)) => format!(
                "公示单位：区科技局；全区参评企业 {} 家；方案：{}；公示期：{} 至 {}，对结果有异议的，请在公示期内向区科技局书面提出{}",
                run.firms,
                run.scheme_label,
                crate::china_date(from),
                until,
                if run.superseded { "（已被更新的公示取代）" } else { "" }
            ),
            _ => format!("未公示（草稿，不得对外）；全区参评企业 {} 家；方案：{}", run.firms, run.scheme_label),
        };
        let title = format!("{} 年度企业创新积分评价结果公示（领跑、竞跑、进取名单）{}", run.year, scope(actor));
        Ok((run.year, self.workbook(title, unit, &headers, cells)?))
    }

    /// The banks' list as a workbook: every scored firm (USCC, name, cohort, score, rank, list).
    pub async fn bank_workbook(&self, actor: &Actor, run_id: i64) -> Result<(i32, Vec<u8>)> {
        let _turn = self.exports.acquire().await.map_err(|_| AppError::Busy)?;
        let (run, rows) = self.all_rows(actor, run_id, false).await?;
        let headers = ["统一社会信用代码", "企业名称", "分组", "积分", "组内排名", "名单"];
        let cells = rows
            .iter()
            .map(|r| {
                use fengkou_office::table::TableCell::{Count, Number, Text};
                vec![
                    Text(r.uscc.clone()),
                    Text(r.name.clone()),
                    Text(r.cohort.clone()),
                    r.score.parse::<f64>().map_or(Text(String::new()), Number),
                    r.rank.map_or(Text(String::new()), |k| Count(i64::from(k))),
                    Text(r.list.to_string()),
                ]
            })
            .collect();
        let unit = format!(
            "数据年度：{} 年；方案：{}；{}{}",
            run.year,
            run.scheme_label,
            run.status_label,
            if run.superseded { "（已被更新的公示取代）" } else { "" }
        );
        let title = format!("{} 年度企业创新积分（金融机构名单）{}", run.year, scope(actor));
        Ok((run.year, self.workbook(title, unit, &headers, cells)?))
    }

    fn workbook(
        &self,
        title: String,
        unit: String,
        headers: &[&str],
        rows: Vec<Vec<fengkou_office::table::TableCell>>,
    ) -> Result<Vec<u8>> {
        use fengkou_office::table::{Sheet, write_sheets};
        let sheet = Sheet {
            name: "创新积分".into(),
            title,
            unit,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows,
        };
        Ok(write_sheets(&[sheet])?)
    }
}

/// An office's exports say they hold its own firms only.
fn scope(actor: &Actor) -> &'static str {
    if actor.confined_to().is_some() { "（本办事处企业）" } else { "" }
}
