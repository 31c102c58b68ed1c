//! Runs: a year's credit computed for every firm with the scheme in force for that
//! year, stored with the scheme's text and every firm's inputs; published for the public
//! notice (公示), after which it never changes; read as rankings per cohort, a firm's
//! breakdown (with its cohort's distributions and last year's result), a what-if on the
//! run's own data, the notice and the banks' lists; and checked by recomputing.

use super::schemes::scheme_for;
use super::{Credit, CreditError, Inputs, ROWS_PER_BATCH, firm_inputs, inputs_batch};
use crate::{Actor, AppError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use fengkou_domain::credit::{Breakdown, List, Scheme, Scorer, WhatIf, changed_row, parse_scheme, show_cents};
use fengkou_storage::entity::{credit_run, credit_score, enterprise as firm_table};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

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

/// Days of the public notice (公示), the last one included.
pub const NOTICE_DAYS: i64 = 5;

/// Rows per page of a ranking.
pub const RANKING_PAGE: u64 = 50;

/// A run as the pages list it.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub year: i32,
    pub scheme_id: Option<i64>,
    pub scheme_label: String,
    pub status: String,
    pub status_label: &'static str,
    pub computed_by: String,
    pub computed_at: DateTime<Utc>,
    pub published_by: String,
    pub published_at: Option<DateTime<Utc>>,
    pub notice_until: Option<NaiveDate>,
    pub firms: i32,
    /// A later publication of the same year replaced this one (it stays on record).
    pub superseded: bool,
    /// Per cohort in the scheme's order: (name, firms ranked); empty where the run's
    /// header alone is read (a firm's credit).
    pub cohorts: Vec<(String, u64)>,
    /// Per list code: how many firms; empty where the header alone is read.
    pub lists: BTreeMap<String, u64>,
}

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

fn status_label(status: &str) -> &'static str {
    if status == "published" { "已公示" } else { "未公示（仅科技局可见）" }
}

fn list_of(code: &str) -> List {
    List::from_code(code).unwrap_or(List::None)
}

impl Credit<'_> {
    /// A run, if the actor may see it (before its notice, only 科技局).
    async fn visible_run(&self, actor: &Actor, id: i64) -> Result<credit_run::Model> {
        if !actor.can_read_enterprises() {
            return Err(AppError::forbidden("创新积分只对科技局、区领导、项目办和办事处开放"));
        }
        let run = credit_run::Entity::find_by_id(id).one(&self.db).await?.ok_or(AppError::NotFound("积分计算"))?;
        if run.status != "published" && !actor.can_see_unpublished_credit() {
            // Unpublished results are as if they did not exist.
            return Err(AppError::NotFound("积分计算"));
        }
        Ok(run)
    }

    /// The run pages show for a year: the latest published, or for 科技局 the latest of all.
    pub async fn current_run(&self, actor: &Actor, year: Option<i32>) -> Result<Option<credit_run::Model>> {
        if !actor.can_read_enterprises() {
            return Err(AppError::forbidden("创新积分只对科技局、区领导、项目办和办事处开放"));
        }
        let mut query = credit_run::Entity::find();
        if !actor.can_see_unpublished_credit() {
            query = query.filter(credit_run::Column::Status.eq("published"));
        }
        if let Some(year) = year {
            query = query.filter(credit_run::Column::Year.eq(year));
        }
        Ok(query.order_by_desc(credit_run::Column::Year).order_by_desc(credit_run::Column::Id).one(&self.db).await?)
    }

    /// Every run the actor may see, newest first.
    pub async fn runs(&self, actor: &Actor) -> Result<Vec<RunSummary>> {
        if !actor.can_read_enterprises() {
            return Err(AppError::forbidden("创新积分只对科技局、区领导、项目办和办事处开放"));
        }
        let mut query = credit_run::Entity::find();
        if !actor.can_see_unpublished_credit() {
            query = query.filter(credit_run::Column::Status.eq("published"));
        }
        let runs = query.order_by_desc(credit_run::Column::Id).limit(100).all(&self.db).await?;
        let mut out = Vec::new();
        for run in runs {
            out.push(self.summary(actor, run).await?);
        }
        Ok(out)
    }

    async fn summary(&self, actor: &Actor, run: credit_run::Model) -> Result<RunSummary> {
        self.summary_counting(actor, run, true).await
    }

    /// A run's header and, when `count`, its firms per cohort and list (grouped in the
    /// database: a district's run is ten thousand rows).
    async fn summary_counting(&self, actor: &Actor, run: credit_run::Model, count: bool) -> Result<RunSummary> {
        let mut pairs: Vec<(String, String, i64)> = Vec::new();
        if count {
            let mut query = credit_score::Entity::find().filter(credit_score::Column::RunId.eq(run.id));
            if let Some(mine) = self.enterprises().confined_firms(actor).await? {
                query = query.filter(credit_score::Column::EnterpriseId.is_in(mine));
            }
            pairs = query
                .select_only()
                .column(credit_score::Column::Cohort)
                .column(credit_score::Column::List)
                .column_as(credit_score::Column::Id.count(), "n")
                .group_by(credit_score::Column::Cohort)
                .group_by(credit_score::Column::List)
                .into_tuple()
                .all(&self.db)
                .await?;
        }
        // Uncounted (a firm's page, which shows the run's header only): no cohort and no
        // list, rather than zeros that would read as figures.
        let names = if count {
            parse_scheme(&run.scheme_body).map(|s| s.cohorts.names).unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut cohorts: Vec<(String, u64)> = names.into_iter().map(|n| (n, 0)).collect();
        // Every list is named, with 0 where no firm is on it.
        let mut lists: BTreeMap<String, u64> =
            [List::Lead, List::Chase, List::Strive, List::None, List::Vetoed, List::MissingData]
                .iter()
                .filter(|_| count)
                .map(|l| (l.code().to_string(), 0))
                .collect();
        for (cohort, list, n) in &pairs {
            let n = u64::try_from(*n).unwrap_or(0);
            *lists.entry(list.clone()).or_insert(0) += n;
            if matches!(list_of(list), List::Lead | List::Chase | List::Strive | List::None)
                && let Some(entry) = cohorts.iter_mut().find(|(name, _)| name == cohort)
            {
                entry.1 += n;
            }
        }
        let superseded = run.status == "published"
            && credit_run::Entity::find()
                .filter(credit_run::Column::Year.eq(run.year))
                .filter(credit_run::Column::Status.eq("published"))
                .filter(credit_run::Column::Id.gt(run.id))
                .count(&self.db)
                .await?
                > 0;
        Ok(RunSummary {
            superseded,
            id: run.id,
            year: run.year,
            scheme_id: run.scheme_id,
            scheme_label: run.scheme_label,
            status_label: status_label(&run.status),
            status: run.status,
            computed_by: run.computed_by,
            computed_at: run.computed_at,
            published_by: run.published_by,
            published_at: run.published_at,
            notice_until: run.notice_until,
            firms: run.firms,
            cohorts,
            lists,
        })
    }

    /// Computes a data year's credit for every firm in the registry (科技局) with the
    /// scheme in force for that year, and stores it as a new run (unpublished).
    pub async fn compute(&self, actor: &Actor, year: i32) -> Result<RunSummary> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以计算创新积分")?;
        let today = self.today();
        if !(2000..=chrono::Datelike::year(&today)).contains(&year) {
            return Err(CreditError::Year(year).into());
        }
        let _turn = self.computes.try_acquire().map_err(|_| AppError::Busy)?;
        let clock = std::time::Instant::now();
        let lap = |what: &str| {
            if std::env::var_os("FENGKOU_TIMINGS").is_some() {
                eprintln!("{what}: {:.3} s", clock.elapsed().as_secs_f64());
            }
        };
        let (scheme_id, scheme, label) = scheme_for(&self.db, year).await?;
        let firms = firm_table::Entity::find().order_by_asc(firm_table::Column::Id).all(&self.db).await?;
        lap("firms");
        let used = Scorer::new(&scheme).map_err(|e| CreditError::Scheme(e.to_string()))?.fields_used();
        let used: Vec<&str> = used.iter().map(String::as_str).collect();
        let inputs = firm_inputs(&self.db, &firms, year, today, &used).await?;
        lap("inputs");
        let field = scheme.cohorts.field.trim().to_string();
        if !inputs.iter().any(|cells| cells.contains_key(&field)) {
            let label = fengkou_domain::enterprise::indicator(&field).map_or(field.clone(), |i| i.label.to_string());
            return Err(CreditError::NoData { year, field: label }.into());
        }
        let scored = evaluate(scheme.clone(), inputs.clone(), today).await?;
        lap("scored");
        let mut w = self.write(permit).await?;
        let distributions = distributions_of(&scored.breakdowns);
        let run = credit_run::ActiveModel {
            scheme_id: Set(scheme_id),
            scheme_label: Set(label),
            scheme_body: Set(serde_json::to_string(&scheme).map_err(|e| AppError::internal("积分方案", e))?),
            year: Set(year),
            assessed_on: Set(Some(today)),
            firms: Set(firms.len() as i32),
            distributions: Set(distributions.to_string()),
            status: Set("computed".into()),
            computed_by: Set(w.who().to_string()),
            computed_at: Set(w.now()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        let names = &scheme.cohorts.names;
        let mut pending = Vec::with_capacity(200);
        for ((firm, cells), breakdown) in firms.iter().zip(&inputs).zip(&scored.breakdowns) {
            pending.push(credit_score::ActiveModel {
                run_id: Set(run.id),
                enterprise_id: Set(firm.id),
                cohort: Set(breakdown.score.cohort.map(|c| names[c].clone()).unwrap_or_default()),
                cents: Set(breakdown.score.cents),
                rank: Set(breakdown.score.rank.map(|r| r as i32)),
                list: Set(breakdown.score.list.code().to_string()),
                breakdown: Set(stored_breakdown(breakdown)),
                inputs: Set(serde_json::to_string(cells).map_err(|e| AppError::internal("积分输入", e))?),
                ..Default::default()
            });
            // Inserts in groups small enough for every backend's parameter limit.
            if pending.len() == 200 {
                credit_score::Entity::insert_many(std::mem::take(&mut pending)).exec(&w).await?;
            }
        }
        if !pending.is_empty() {
            credit_score::Entity::insert_many(pending).exec(&w).await?;
        }
        lap("stored");
        // The year's earlier unpublished drafts are replaced by this one (never shown
        // outside the bureau, and each holds every firm's inputs and breakdown); the
        // trail keeps what each one counted.
        let replaced: Vec<i64> = credit_run::Entity::find()
            .filter(credit_run::Column::Year.eq(year))
            .filter(credit_run::Column::Status.eq("computed"))
            .filter(credit_run::Column::Id.ne(run.id))
            .select_only()
            .column(credit_run::Column::Id)
            .into_tuple()
            .all(&w)
            .await?;
        if !replaced.is_empty() {
            credit_score::Entity::delete_many()
                .filter(credit_score::Column::RunId.is_in(replaced.iter().copied()))
                .exec(&w)
                .await?;
            credit_run::Entity::delete_many()
                .filter(credit_run::Column::Id.is_in(replaced.iter().copied()))
                .exec(&w)
                .await?;
        }
        let mut lists: BTreeMap<&str, u64> = BTreeMap::new();
        for b in &scored.breakdowns {
            *lists.entry(b.score.list.code()).or_insert(0) += 1;
        }
        w.record(crate::audit::Change {
            action: "compute",
            entity: "credit_run",
            entity_id: Some(run.id),
            project_id: None,
            before: None,
            after: Some(serde_json::json!({
                "year": year, "scheme": run.scheme_label, "scheme_id": scheme_id, "firms": firms.len(), "lists": lists,
                "replaced_drafts": replaced,
            })),
        });
        w.commit().await?;
        lap("committed");
        self.summary(actor, run).await
    }

    /// Publishes a run for its public notice (公示, [`NOTICE_DAYS`] days from today):
    /// from now on it never changes, and everyone who reads firms sees it.
    pub async fn publish(&self, actor: &Actor, run_id: i64) -> Result<()> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以公示创新积分")?;
        let mut w = self.write(permit).await?;
        let run = credit_run::Entity::find_by_id(run_id).one(&w).await?.ok_or(AppError::NotFound("积分计算"))?;
        if run.status == "published" {
            let on = run.published_at.map(|t| t.date_naive().to_string()).unwrap_or_default();
            return Err(CreditError::AlreadyPublished(on).into());
        }
        let ranked = credit_score::Entity::find()
            .filter(credit_score::Column::RunId.eq(run_id))
            .filter(credit_score::Column::Rank.is_not_null())
            .count(&w)
            .await?;
        if ranked == 0 {
            return Err(CreditError::NothingRanked.into());
        }
        // A newer publication of the year stands: an older run is not published over it.
        if let Some(newer) = credit_run::Entity::find()
            .filter(credit_run::Column::Year.eq(run.year))
            .filter(credit_run::Column::Status.eq("published"))
            .filter(credit_run::Column::Id.gt(run_id))
            .one(&w)
            .await?
        {
            return Err(CreditError::Superseded(newer.id).into());
        }
        let until = self.today() + chrono::Duration::days(NOTICE_DAYS - 1);
        // Of two publications at once, one wins; the other is told.
        let done = credit_run::Entity::update_many()
            .col_expr(credit_run::Column::Status, "published".into())
            .col_expr(credit_run::Column::PublishedBy, w.who().to_string().into())
            .col_expr(credit_run::Column::PublishedAt, Some(w.now()).into())
            .col_expr(credit_run::Column::NoticeUntil, Some(until).into())
            .filter(credit_run::Column::Id.eq(run_id))
            .filter(credit_run::Column::Status.eq("computed"))
            .exec(&w)
            .await?;
        if done.rows_affected != 1 {
            return Err(CreditError::AlreadyPublished(self.today().to_string()).into());
        }
        w.record(crate::audit::Change {
            action: "publish",
            entity: "credit_run",
            entity_id: Some(run_id),
            project_id: None,
            before: Some(serde_json::json!({ "status": run.status })),
            after: Some(serde_json::json!({ "status": "published", "notice_until": until })),
        });
        w.commit().await?;
        Ok(())
    }

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
        if let Some(mine) = self.enterprises().confined_firms(actor).await? {
            condition = condition.add(credit_score::Column::EnterpriseId.is_in(mine));
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
        if let Some(mine) = self.enterprises().confined_firms(actor).await? {
            condition = condition.add(credit_score::Column::EnterpriseId.is_in(mine));
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

    /// A run rebuilt from what it stored: its scheme and every firm's inputs.
    async fn rebuild(&self, run: &credit_run::Model) -> Result<(Scorer, Vec<i64>, Rebuilt)> {
        let scheme: Scheme = parse_scheme(&run.scheme_body)
            .map_err(|e| AppError::Damaged(format!("表 credit_runs 的 id {} 行：方案无法读取（{e}）", run.id)))?;
        let rows: Vec<(i64, String)> = credit_score::Entity::find()
            .filter(credit_score::Column::RunId.eq(run.id))
            .order_by_asc(credit_score::Column::EnterpriseId)
            .select_only()
            .column(credit_score::Column::EnterpriseId)
            .column(credit_score::Column::Inputs)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut inputs = Vec::with_capacity(rows.len());
        for (id, text) in rows {
            ids.push(id);
            inputs.push(serde_json::from_str::<Inputs>(&text).map_err(|e| {
                AppError::Damaged(format!("表 credit_scores（计算 {}，企业 {id}）：inputs 无法读取（{e}）", run.id))
            })?);
        }
        let on = run.assessed_on.unwrap_or_else(|| self.today());
        let scorer =
            Scorer::new(&scheme).map_err(|e| AppError::Damaged(format!("计算 {} 的方案无法编译：{e}", run.id)))?;
        let rebuilt = tokio::task::spawn_blocking({
            let scorer = scorer.clone();
            move || rebuild_facts(&scorer, inputs, on)
        })
        .await
        .map_err(|e| AppError::internal("积分计算", e))??;
        Ok((scorer, ids, rebuilt))
    }

    /// Recomputes a run from its stored scheme and inputs and lists every firm whose
    /// stored result differs (none: the run is reproducible).
    pub async fn verify_run(&self, actor: &Actor, run_id: i64) -> Result<Vec<String>> {
        let run = self.visible_run(actor, run_id).await?;
        let (scorer, ids, rebuilt) = self.rebuild(&run).await?;
        let scores = scorer.score_parallel(&rebuilt.facts, threads());
        let stored: HashMap<i64, credit_score::Model> = credit_score::Entity::find()
            .filter(credit_score::Column::RunId.eq(run_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.enterprise_id, r))
            .collect();
        let names = &scorer.scheme().cohorts.names;
        let mut differences = Vec::new();
        for (id, score) in ids.iter().zip(&scores) {
            let Some(row) = stored.get(id) else { continue };
            let cohort = score.cohort.map(|c| names[c].clone()).unwrap_or_default();
            let now = (cohort, score.cents, score.rank.map(|r| r as i32), score.list.code());
            let then = (row.cohort.clone(), row.cents, row.rank, row.list.as_str());
            if now != then {
                differences.push(format!("企业 {id}：保存的 {then:?}，重算得 {now:?}"));
            }
        }
        Ok(differences)
    }

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
fn what_if_fields(scheme: &str) -> Vec<(&'static str, &'static str, &'static str)> {
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

/// An office's exports say they hold its own firms only.
fn scope(actor: &Actor) -> &'static str {
    if actor.confined_to().is_some() { "（本办事处企业）" } else { "" }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A run's data made ready again: batches of the stored inputs and their facts.
struct Rebuilt {
    batches: Vec<fengkou_domain::policy::Batch>,
    facts: fengkou_domain::credit::Facts,
}

fn rebuild_facts(scorer: &Scorer, inputs: Vec<Inputs>, on: NaiveDate) -> Result<Rebuilt> {
    let mut batches = Vec::new();
    for chunk in inputs.chunks(ROWS_PER_BATCH) {
        let refs: Vec<&Inputs> = chunk.iter().collect();
        batches.push(inputs_batch(scorer.schema(), &refs)?);
    }
    let facts = scorer.facts(&mut batches, on, threads());
    Ok(Rebuilt { batches, facts })
}

/// Every firm scored, with its breakdown.
struct Scored {
    breakdowns: Vec<Breakdown>,
}

/// Scores the inputs off the async threads (a district's 10,000 firms take a moment of
/// CPU).
async fn evaluate(scheme: Scheme, inputs: Vec<Inputs>, on: NaiveDate) -> Result<Scored> {
    tokio::task::spawn_blocking(move || {
        let scorer = Scorer::new(&scheme).map_err(|e| CreditError::Scheme(e.to_string()))?;
        let rebuilt = rebuild_facts(&scorer, inputs, on)?;
        Ok(Scored { breakdowns: scorer.explain_all(&rebuilt.facts, threads()) })
    })
    .await
    .map_err(|e| AppError::internal("积分计算", e))?
}

/// Per cohort, per indicator: the distribution every member's page draws (each firm's
/// own bin is kept with its breakdown).
fn distributions_of(breakdowns: &[Breakdown]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for b in breakdowns {
        let Some(cohort) = &b.cohort_name else { continue };
        if b.score.rank.is_none() || out.contains_key(cohort) {
            continue;
        }
        let mut lines = serde_json::Map::new();
        for line in &b.indicators {
            let mut shown = serde_json::to_value(&line.distribution).unwrap_or_default();
            shown["firm_bin"] = serde_json::Value::Null;
            lines.insert(line.id.clone(), shown);
        }
        out.insert(cohort.clone(), serde_json::Value::Object(lines));
    }
    serde_json::Value::Object(out)
}

/// A breakdown as stored: only what is the firm's own (values, normalised values,
/// points, its bin in each distribution, which items hold). The scheme's words (names,
/// groups, expressions, directions) are in the run's scheme and put back by
/// [`described`] when read: a district's 10,000 breakdowns are then a quarter of the
/// text to write, and the cohort's distributions are stored once with the run.
fn stored_breakdown(b: &Breakdown) -> String {
    #[derive(Serialize)]
    struct Bin {
        firm_bin: Option<usize>,
    }
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a str,
        weight: f64,
        value: Option<f64>,
        none_reason: Option<&'static str>,
        normalised: Option<f64>,
        points: f64,
        distribution: Bin,
    }
    #[derive(Serialize)]
    struct Item<'a> {
        id: &'a str,
        holds: bool,
    }
    #[derive(Serialize)]
    struct Stored<'a> {
        cohort_value: Option<f64>,
        cohort_name: Option<&'a str>,
        cohort_size: usize,
        indicator_points: f64,
        score: &'a fengkou_domain::credit::FirmScore,
        indicators: Vec<Line<'a>>,
        bonus: Vec<Item<'a>>,
        deduct: Vec<Item<'a>>,
        veto: Vec<Item<'a>>,
    }
    fn items(lines: &[fengkou_domain::credit::ItemLine]) -> Vec<Item<'_>> {
        lines.iter().map(|l| Item { id: &l.id, holds: l.holds }).collect()
    }
    let stored = Stored {
        cohort_value: b.cohort_value,
        cohort_name: b.cohort_name.as_deref(),
        cohort_size: b.cohort_size,
        indicator_points: b.indicator_points,
        score: &b.score,
        indicators: b
            .indicators
            .iter()
            .map(|l| Line {
                id: &l.id,
                weight: l.weight,
                value: l.value,
                none_reason: l.none_reason,
                normalised: l.normalised,
                points: l.points,
                distribution: Bin { firm_bin: l.distribution.firm_bin },
            })
            .collect(),
        bonus: items(&b.bonus),
        deduct: items(&b.deduct),
        veto: items(&b.veto),
    };
    serde_json::to_string(&stored).unwrap_or_default()
}

/// A stored breakdown with the scheme's words put back, as [`Scorer::explain`] gives
/// it: the run's scheme, the indicators' names, groups, expressions and directions, and
/// the items' names, conditions and points. Breakdowns stored whole (before the compact
/// form) keep their own words.
fn described(breakdown: &mut serde_json::Value, scheme: &Scheme) {
    use serde_json::{Value, json};
    let Some(top) = breakdown.as_object_mut() else { return };
    let mut fill = |key: &str, value: Value| {
        top.entry(key.to_string()).or_insert(value);
    };
    fill("scheme", json!(scheme.name));
    fill("normalise", serde_json::to_value(scheme.normalise).unwrap_or_default());
    fill("scale", json!(scheme.scale));
    fill("cohort_field", json!(scheme.cohorts.field));
    if let Some(lines) = top.get_mut("indicators").and_then(Value::as_array_mut) {
        for line in lines {
            let Some(def) = scheme.indicators.iter().find(|d| Some(d.id.as_str()) == line["id"].as_str()) else {
                continue;
            };
            let Some(line) = line.as_object_mut() else { continue };
            line.entry("name").or_insert(json!(def.name));
            line.entry("group").or_insert(json!(def.group));
            line.entry("expression").or_insert(json!(def.value));
            line.entry("direction").or_insert(serde_json::to_value(def.direction).unwrap_or_default());
        }
    }
    // (id, name, when, points) of each item; a veto has no points.
    let adjustments = |defs: &[fengkou_domain::credit::Adjustment]| -> Vec<(String, String, String, f64)> {
        defs.iter().map(|d| (d.id.clone(), d.name.clone(), d.when.clone(), d.points)).collect()
    };
    let vetoes = scheme.veto.iter().map(|v| (v.id.clone(), v.name.clone(), v.when.clone(), 0.0)).collect();
    for (key, defs) in
        [("bonus", adjustments(&scheme.bonus)), ("deduct", adjustments(&scheme.deduct)), ("veto", vetoes)]
    {
        let Some(lines) = top.get_mut(key).and_then(Value::as_array_mut) else { continue };
        for line in lines {
            let Some((_, name, when, points)) = defs.iter().find(|d| Some(d.0.as_str()) == line["id"].as_str()) else {
                continue;
            };
            let Some(line) = line.as_object_mut() else { continue };
            line.entry("name").or_insert(json!(name));
            line.entry("when").or_insert(json!(when));
            line.entry("points").or_insert(json!(points));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A firm's breakdown as the product reads it back (the compact form with the
    /// scheme's words put back) is the domain's own, distribution reduced to the firm's
    /// bin (the cohort's is the run's): firms vetoed, unscored, with and without values.
    #[tokio::test]
    async fn a_stored_breakdown_reads_back_as_explained() {
        let scheme = fengkou_domain::credit::default_scheme();
        let firm = |uscc: &str, cells: &[(&str, &str)]| -> Inputs {
            let mut inputs: Inputs = cells.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            inputs.insert("uscc".into(), uscc.into());
            inputs
        };
        let inputs = vec![
            firm("A", &[("revenue", "1200"), ("rd_expense", "80"), ("employees", "40"), ("tech_staff", "9")]),
            firm("B", &[("revenue", "1500"), ("rd_expense", "20"), ("employees", "60"), ("ip_class1", "2")]),
            firm("C", &[("revenue", "1800"), ("rd_expense", "0"), ("violation", "1")]),
            firm("D", &[("rd_expense", "5")]),
            firm("E", &[("revenue", "90"), ("revenue_prev", "60"), ("is_high_tech", "1")]),
        ];
        let on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let scored = evaluate(scheme.clone(), inputs, on).await.unwrap();
        assert!(scored.breakdowns.iter().any(|b| b.veto.iter().any(|v| v.holds)), "a vetoed firm is among them");
        assert!(scored.breakdowns.iter().any(|b| b.cohort_name.is_none()), "an unscored firm is among them");
        for b in &scored.breakdowns {
            let mut read: serde_json::Value = serde_json::from_str(&stored_breakdown(b)).unwrap();
            described(&mut read, &scheme);
            let mut explained = serde_json::to_value(b).unwrap();
            for line in explained["indicators"].as_array_mut().unwrap() {
                let bin = line["distribution"]["firm_bin"].clone();
                line["distribution"] = serde_json::json!({ "firm_bin": bin });
            }
            assert_eq!(read, explained);
        }
    }
}
