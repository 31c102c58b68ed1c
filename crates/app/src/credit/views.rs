//! A run read: its ranking per cohort or list, every scored firm (for the lists), and
//! one firm's credit with its breakdown, last year and objections.

use super::Credit;
use super::runs::{RunSummary, list_of};
use super::stored::described;
use super::whatif::what_if_fields;
use crate::{Actor, AppError, Result};
use fengkou_domain::credit::{List, parse_scheme, show_cents};
use fengkou_storage::entity::{credit_run, credit_score, enterprise as firm_table};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;

/// A firm's place in a run as lists read it: (firm, cohort, cents, rank, list code),
/// without the breakdown and inputs a firm's page alone needs.
type Listed = (i64, String, Option<i64>, Option<i32>, String);

const LISTED: [credit_score::Column; 5] = [
    credit_score::Column::EnterpriseId,
    credit_score::Column::Cohort,
    credit_score::Column::Cents,
    credit_score::Column::Rank,
    credit_score::Column::List,
];

/// Rows per page of a ranking.
pub const RANKING_PAGE: u64 = 50;

/// One firm in a ranking or a list.
#[derive(Debug, Clone, Serialize)]
pub struct CreditRow {
    pub firm_id: i64,
    pub uscc: String,
    pub name: String,
    pub office: String,
    pub cohort: String,
    /// "812.40", or empty when unscored.
    pub score: String,
    pub rank: Option<i32>,
    /// 领跑, 竞跑, 进取, 否决, 缺数据 or empty.
    pub list: &'static str,
    pub list_code: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankingPage {
    pub run: RunSummary,
    pub cohort: String,
    pub list: Option<&'static str>,
    pub rows: Vec<CreditRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

/// A firm's credit in one run, as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FirmCredit {
    pub run: RunSummary,
    pub firm_id: i64,
    pub uscc: String,
    pub name: String,
    pub score: String,
    pub rank: Option<i32>,
    pub list: &'static str,
    /// `domain::credit::Breakdown` as JSON, each indicator with its cohort's distribution.
    pub breakdown: serde_json::Value,
    /// Last year's result in the run pages show for it: (year, score, rank, list).
    pub last_year: Option<(i32, String, Option<i32>, &'static str)>,
    pub objections: Vec<super::Objection>,
    /// Fields a what-if may change (name, label, unit).
    pub what_if_fields: Vec<(&'static str, &'static str, &'static str)>,
    /// The indicators (labels) whose departments differ for the run's year with no
    /// source chosen, as the registry stands today: why a figure may be 缺数据.
    pub open_differences: Vec<&'static str>,
}

impl Credit<'_> {
    /// A run's ranking in one cohort (default: the first), or one list across cohorts.
    pub async fn ranking(
        &self,
        actor: &Actor,
        run_id: i64,
        cohort: Option<&str>,
        list: Option<&str>,
        page: u64,
    ) -> Result<RankingPage> {
        let run = self.visible_run(actor, run_id).await?;
        let summary = self.summary(actor, run).await?;
        let list = match list.filter(|l| !l.is_empty()) {
            Some(code) => Some(List::from_code(code).ok_or(AppError::NotFound("名单"))?),
            None => None,
        };
        let cohort = match cohort.filter(|c| !c.is_empty()) {
            Some(c) if summary.cohorts.iter().any(|(n, _)| n == c) => c.to_string(),
            Some(_) => return Err(AppError::NotFound("分组")),
            None if list.is_some() => String::new(),
            None => summary
                .cohorts
                .iter()
                .find(|(_, n)| *n > 0)
                .or(summary.cohorts.first())
                .map(|c| c.0.clone())
                .unwrap_or_default(),
        };
        let mut condition = Condition::all().add(credit_score::Column::RunId.eq(run_id));
        if !cohort.is_empty() {
            condition = condition.add(credit_score::Column::Cohort.eq(cohort.clone()));
        }
        match list {
            Some(l) => condition = condition.add(credit_score::Column::List.eq(l.code())),
            None => condition = condition.add(credit_score::Column::Rank.is_not_null()),
        }
        if let Some(mine) = self.enterprises().confined_firms(actor) {
            condition = condition.add(credit_score::Column::EnterpriseId.in_subquery(mine));
        }
        let query = credit_score::Entity::find().filter(condition);
        let total = query.clone().count(&self.db).await?;
        let pages = total.div_ceil(RANKING_PAGE).max(1);
        let page = page.clamp(1, pages);
        let rows = query
            .order_by_asc(credit_score::Column::Cohort)
            .order_by_asc(credit_score::Column::Rank)
            .order_by_asc(credit_score::Column::EnterpriseId)
            .offset((page - 1) * RANKING_PAGE)
            .limit(RANKING_PAGE)
            .select_only()
            .columns(LISTED)
            .into_tuple()
            .all(&self.db)
            .await?;
        let rows = self.rows_of(rows).await?;
        Ok(RankingPage { run: summary, cohort, list: list.map(List::label), rows, total, page, pages })
    }

    async fn rows_of(&self, rows: Vec<Listed>) -> Result<Vec<CreditRow>> {
        // A page names its firms; a whole list reads every firm's code and name (an IN
        // list of tens of thousands of ids would pass SQLite's limit of variables).
        let mut firms = firm_table::Entity::find().select_only().columns([
            firm_table::Column::Id,
            firm_table::Column::Uscc,
            firm_table::Column::Name,
            firm_table::Column::OfficeId,
        ]);
        if rows.len() <= 500 {
            firms = firms.filter(firm_table::Column::Id.is_in(rows.iter().map(|r| r.0)));
        }
        let firms: HashMap<i64, (String, String, Option<i64>)> = firms
            .into_tuple::<(i64, String, String, Option<i64>)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(id, uscc, name, office)| (id, (uscc, name, office)))
            .collect();
        let (offices, _) = self.enterprises().names().await?;
        Ok(rows
            .into_iter()
            .filter_map(|(firm_id, cohort, cents, rank, list)| {
                let (uscc, name, office) = firms.get(&firm_id)?;
                let list = list_of(&list);
                Some(CreditRow {
                    firm_id,
                    uscc: uscc.clone(),
                    name: name.clone(),
                    office: crate::enterprises::office_name(&offices, *office),
                    cohort,
                    score: cents.map(show_cents).unwrap_or_default(),
                    rank,
                    list: list.label(),
                    list_code: list.code(),
                })
            })
            .collect())
    }

    /// Every scored firm of a run (the banks' list and the notice), cohort by cohort
    /// in the scheme's order, by rank.
    pub async fn all_rows(&self, actor: &Actor, run_id: i64, only_lists: bool) -> Result<(RunSummary, Vec<CreditRow>)> {
        let run = self.visible_run(actor, run_id).await?;
        let summary = self.summary(actor, run).await?;
        let mut condition = Condition::all().add(credit_score::Column::RunId.eq(run_id));
        condition = if only_lists {
            condition.add(credit_score::Column::List.is_in(["lead", "chase", "strive"]))
        } else {
            condition.add(credit_score::Column::Cohort.ne(""))
        };
        if let Some(mine) = self.enterprises().confined_firms(actor) {
            condition = condition.add(credit_score::Column::EnterpriseId.in_subquery(mine));
        }
        let rows = credit_score::Entity::find()
            .filter(condition)
            .order_by_asc(credit_score::Column::Rank)
            .order_by_asc(credit_score::Column::EnterpriseId)
            .select_only()
            .columns(LISTED)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut rows = self.rows_of(rows).await?;
        let order: HashMap<&str, usize> =
            summary.cohorts.iter().enumerate().map(|(i, (n, _))| (n.as_str(), i)).collect();
        rows.sort_by_key(|r| (order.get(r.cohort.as_str()).copied().unwrap_or(usize::MAX), r.rank.is_none(), r.rank));
        Ok((summary, rows))
    }

    /// A firm's credit in a run (default: the run pages show for the latest year).
    pub async fn firm_credit(&self, actor: &Actor, firm_id: i64, run_id: Option<i64>) -> Result<Option<FirmCredit>> {
        let firm = self.enterprises().firm(actor, firm_id).await?;
        let run = match run_id {
            Some(id) => Some(self.visible_run(actor, id).await?),
            None => self.current_run(actor, None).await?,
        };
        let Some(run) = run else { return Ok(None) };
        let Some(row) = credit_score::Entity::find()
            .filter(credit_score::Column::RunId.eq(run.id))
            .filter(credit_score::Column::EnterpriseId.eq(firm_id))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let mut breakdown: serde_json::Value = serde_json::from_str(&row.breakdown).map_err(|e| {
            AppError::Damaged(format!("表 credit_scores 的 id {} 行：breakdown 无法读取（{e}）", row.id))
        })?;
        let scheme = parse_scheme(&run.scheme_body)
            .map_err(|e| AppError::Damaged(format!("表 credit_runs 的 id {} 行：方案无法读取（{e}）", run.id)))?;
        described(&mut breakdown, &scheme);
        let mut distributions: serde_json::Value = serde_json::from_str(&run.distributions).unwrap_or_default();
        if actor.confined_to().is_some() {
            // An office sees how the district spreads, not other firms' exact figures.
            for lines in distributions.as_object_mut().into_iter().flat_map(|c| c.values_mut()) {
                for shown in lines.as_object_mut().into_iter().flat_map(|l| l.values_mut()) {
                    for key in ["min", "q1", "median", "q3", "max"] {
                        shown[key] = serde_json::Value::Null;
                    }
                }
            }
        }
        if let Some(lines) = breakdown["indicators"].as_array_mut() {
            for line in lines {
                let id = line["id"].as_str().unwrap_or_default().to_string();
                let mut shown = distributions[&row.cohort][&id].clone();
                if shown.is_object() {
                    shown["firm_bin"] = line["distribution"]["firm_bin"].clone();
                    line["distribution"] = shown;
                }
            }
        }
        // Last year as published (a draft of last year is no comparison).
        let published_last_year = credit_run::Entity::find()
            .filter(credit_run::Column::Year.eq(run.year - 1))
            .filter(credit_run::Column::Status.eq("published"))
            .order_by_desc(credit_run::Column::Id)
            .one(&self.db)
            .await?;
        let last_year = match published_last_year {
            Some(previous) => credit_score::Entity::find()
                .filter(credit_score::Column::RunId.eq(previous.id))
                .filter(credit_score::Column::EnterpriseId.eq(firm_id))
                .one(&self.db)
                .await?
                .map(|r| {
                    (previous.year, r.cents.map(show_cents).unwrap_or_default(), r.rank, list_of(&r.list).label())
                }),
            None => None,
        };
        let objections = self.objections_of(run.id, firm_id).await?;
        // Why a figure may be missing now: the departments differ and the bureau has not
        // chosen (the run keeps what it read; this is today's state of the registry).
        let open_differences = crate::enterprises::values::open_differences(&self.db, Some(&[firm_id]), run.year)
            .await?
            .remove(&firm_id)
            .unwrap_or_default();
        let list = list_of(&row.list);
        let what_if_fields = what_if_fields(&run.scheme_body);
        Ok(Some(FirmCredit {
            // A firm's page shows the run's header, not its counts.
            run: self.summary_counting(actor, run, false).await?,
            firm_id,
            uscc: firm.uscc,
            name: firm.name,
            score: row.cents.map(show_cents).unwrap_or_default(),
            rank: row.rank,
            list: list.label(),
            breakdown,
            last_year,
            objections,
            what_if_fields,
            open_differences,
        }))
    }
}
