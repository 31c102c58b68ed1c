//! Runs: a year's credit computed for every firm with the scheme in force for that
//! year, stored with the scheme's text and every firm's inputs; published for the public
//! notice (公示), after which it never changes; and checked by recomputing. The other
//! readings of a run live beside it: `views.rs` (rankings, lists, a firm's credit),
//! `exports.rs` (the notice and the banks' lists), `whatif.rs`, and `stored.rs` (a
//! breakdown as stored and as read back).

use super::schemes::scheme_for;
use super::stored::stored_breakdown;
use super::{Credit, CreditError, Inputs};
use super::{ROWS_PER_BATCH, firm_inputs, inputs_batch};
use crate::{Actor, AppError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use fengkou_domain::credit::{Breakdown, List, Scheme, Scorer, parse_scheme};
use fengkou_storage::entity::{credit_run, credit_score, enterprise as firm_table};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Days of the public notice (公示), the last one included.
pub const NOTICE_DAYS: i64 = 5;

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

pub(super) fn status_label(status: &str) -> &'static str {
    if status == "published" { "已公示" } else { "未公示（仅科技局可见）" }
}

pub(super) fn list_of(code: &str) -> List {
    List::from_code(code).unwrap_or(List::None)
}

impl Credit<'_> {
    /// A run, if the actor may see it (before its notice, only 科技局).
    pub(super) async fn visible_run(&self, actor: &Actor, id: i64) -> Result<credit_run::Model> {
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

    pub(super) async fn summary(&self, actor: &Actor, run: credit_run::Model) -> Result<RunSummary> {
        self.summary_counting(actor, run, true).await
    }

    /// A run's header and, when `count`, its firms per cohort and list (grouped in the
    /// database: a district's run is ten thousand rows).
    pub(super) async fn summary_counting(
        &self,
        actor: &Actor,
        run: credit_run::Model,
        count: bool,
    ) -> Result<RunSummary> {
        let mut pairs: Vec<(String, String, i64)> = Vec::new();
        if count {
            let mut query = credit_score::Entity::find().filter(credit_score::Column::RunId.eq(run.id));
            if let Some(mine) = self.enterprises().confined_firms(actor) {
                query = query.filter(credit_score::Column::EnterpriseId.in_subquery(mine));
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

    /// A run rebuilt from what it stored: its scheme and every firm's inputs.
    pub(super) async fn rebuild(&self, run: &credit_run::Model) -> Result<(Scorer, Vec<i64>, Rebuilt)> {
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
}

pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A run's data made ready again: batches of the stored inputs and their facts.
pub(super) struct Rebuilt {
    pub(super) batches: Vec<fengkou_domain::policy::Batch>,
    pub(super) facts: fengkou_domain::credit::Facts,
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
pub(super) struct Scored {
    pub(super) breakdowns: Vec<Breakdown>,
}

/// Scores the inputs off the async threads (a district's 10,000 firms take a moment of
/// CPU).
pub(super) async fn evaluate(scheme: Scheme, inputs: Vec<Inputs>, on: NaiveDate) -> Result<Scored> {
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
