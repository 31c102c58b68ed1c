//! The ladder in the product: rule-set versions (the shipped ones plus those the
//! bureau saves), every firm assessed with `domain::ladder::Assessor` on its counted
//! figures of the last full year, the verdicts stored for the candidate lists, and a
//! firm's explanation computed live by the same code.

use super::values::counted_values;
use super::{EnterpriseError, Enterprises, current_tiers, office_name};
use crate::{Actor, AppError, Result};
use arrow_array::StringArray;
use chrono::{Datelike, NaiveDate};
use fengkou_domain::enterprise::{self, INDICATORS, Tier};
use fengkou_domain::ladder::{
    Assessor, RuleSet, RungExplanation, RungVerdict, default_rule_sets, in_force, prepare_batch, show_scaled,
};
use fengkou_domain::policy::Batch;
use fengkou_domain::{Coded, Permit};
use fengkou_storage::entity::{enterprise as firm_table, ladder_assessment, ladder_rule_set};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

/// A rule-set version as the rules page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetVersion {
    /// None for the version shipped with fengkou.
    pub id: Option<i64>,
    pub set: RuleSet,
    pub created_by: String,
    pub in_force: bool,
}

/// One firm on a candidate list.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub firm_id: i64,
    pub uscc: String,
    pub name: String,
    pub office: String,
    pub eligible: bool,
    pub route: String,
    pub score: Option<String>,
    pub unmet: i32,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CandidatePage {
    pub rung: String,
    pub rows: Vec<Candidate>,
    pub total: u64,
    pub eligible: u64,
    pub page: u64,
    pub pages: u64,
    pub data_year: i32,
    pub assessed_on: Option<NaiveDate>,
}

/// The year whose figures the ladder reads on `day`: the last full year.
pub fn data_year(day: NaiveDate) -> i32 {
    day.year() - 1
}

const ROWS_PER_BATCH: usize = 1024;

impl Enterprises<'_> {
    /// Every version: shipped and saved, newest first per rung, with the one in force today marked.
    pub async fn rule_versions(&self, actor: &Actor) -> Result<Vec<RuleSetVersion>> {
        if !actor.can_read_enterprises() {
            return Err(AppError::forbidden("企业信息只对科技局、区领导、项目办和办事处开放"));
        }
        let stored = ladder_rule_set::Entity::find().order_by_asc(ladder_rule_set::Column::Id).all(&self.db).await?;
        let mut versions: Vec<RuleSetVersion> = default_rule_sets()
            .into_iter()
            .map(|set| RuleSetVersion {
                id: None, set, created_by: "fengkou（出厂规则）".into(), in_force: false
            })
            .collect();
        for row in stored {
            let set: RuleSet = serde_json::from_str(&row.body).map_err(|e| {
                AppError::Damaged(format!("表 ladder_rule_sets 的 id {} 行：body 无法读取（{e}）", row.id))
            })?;
            versions.push(RuleSetVersion { id: Some(row.id), set, created_by: row.created_by, in_force: false });
        }
        let sets: Vec<RuleSet> = versions.iter().map(|v| v.set.clone()).collect();
        let today = self.today();
        for current in in_force(&ordered(&sets), today) {
            // The last saved of the versions equal to the one in force.
            if let Some(v) = versions.iter_mut().rev().find(|v| v.set == current) {
                v.in_force = true;
            }
        }
        versions.reverse();
        Ok(versions)
    }

    /// The rule sets in force today, compiled.
    pub(crate) async fn assessor(&self, db: &impl ConnectionTrait) -> Result<Assessor> {
        let mut sets = default_rule_sets();
        for row in ladder_rule_set::Entity::find().order_by_asc(ladder_rule_set::Column::Id).all(db).await? {
            sets.push(serde_json::from_str(&row.body).map_err(|e| {
                AppError::Damaged(format!("表 ladder_rule_sets 的 id {} 行：body 无法读取（{e}）", row.id))
            })?);
        }
        Assessor::new(&in_force(&ordered(&sets), self.today()))
            .map_err(|e| AppError::Damaged(format!("保存的梯度规则无法编译：{e}")))
    }

    /// Saves a new version of a rung's rules (科技局): checked by compiling it against
    /// the vocabulary first; the firms are reassessed if it is in force today.
    pub async fn save_rule_set(&self, actor: &Actor, body: &str) -> Result<i64> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以修改梯度规则")?;
        if body.len() > 64 * 1024 {
            return Err(EnterpriseError::Rules("规则超过 64 KB".into()).into());
        }
        let set: RuleSet =
            serde_json::from_str(body).map_err(|e| EnterpriseError::Rules(format!("JSON 格式有误：{e}")))?;
        if set.version.trim().is_empty() {
            return Err(EnterpriseError::Rules("请写明版本（version）".into()).into());
        }
        Assessor::new(std::slice::from_ref(&set)).map_err(|e| EnterpriseError::Rules(e.to_string()))?;
        let mut w = self.write(permit).await?;
        let saved = ladder_rule_set::ActiveModel {
            rung: Set(set.rung.trim().to_string()),
            version: Set(set.version.trim().to_string()),
            effective_from: Set(Some(set.effective_from)),
            body: Set(serde_json::to_string(&set).map_err(|e| AppError::internal("规则", e))?),
            created_by: Set(w.who().to_string()),
            created_at: Set(w.now()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        w.created("ladder_rule_set", saved.id, None, &saved);
        self.reassess_in(&w, None).await?;
        w.commit().await?;
        Ok(saved.id)
    }

    /// Reassesses every firm (start-up, a new day, a new rule version, after an import).
    pub async fn reassess_all(&self) -> Result<usize> {
        let mut w = self.write(Permit::system("ladder")).await?;
        let count = self.reassess_in(&w, None).await?;
        w.record(crate::audit::Change {
            action: "reassess",
            entity: "ladder_assessment",
            entity_id: None,
            project_id: None,
            before: None,
            after: Some(serde_json::json!({ "firms": count, "assessed_on": self.today() })),
        });
        w.commit().await?;
        Ok(count)
    }

    /// Reassesses when the stored verdicts are from an earlier day (a firm turns one
    /// year old, a tier expires); returns how many firms were assessed.
    pub async fn reassess_if_stale(&self) -> Result<usize> {
        let stale = ladder_assessment::Entity::find()
            .filter(ladder_assessment::Column::AssessedOn.ne(self.today()))
            .one(&self.db)
            .await?
            .is_some();
        let unassessed = firm_table::Entity::find().count(&self.db).await? > 0
            && ladder_assessment::Entity::find().count(&self.db).await? == 0;
        if stale || unassessed { self.reassess_all().await } else { Ok(0) }
    }

    /// Reassesses the given firms (None: all) within a write, replacing their stored verdicts.
    pub(crate) async fn reassess_in(&self, db: &impl ConnectionTrait, firms: Option<&[i64]>) -> Result<usize> {
        fengkou_storage::queries::lock_ladder(db).await?;
        let assessor = self.assessor(db).await?;
        let today = self.today();
        let year = data_year(today);
        let mut query = firm_table::Entity::find().order_by_asc(firm_table::Column::Id);
        if let Some(ids) = firms {
            query = query.filter(firm_table::Column::Id.is_in(ids.iter().copied()));
        }
        let rows = query.all(db).await?;
        let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
        let values = counted_values(db, firms.map(|_| &ids[..]), &[year], None).await?;
        let sums = counted_values(db, firms.map(|_| &ids[..]), &[year - 2, year - 1], Some(&["rd_expense", "revenue"]))
            .await?;
        let held = current_tiers(db, firms.map(|_| &ids[..]), today).await?;
        let differences = super::values::open_differences(db, firms.map(|_| &ids[..]), year).await?;
        let mut delete = ladder_assessment::Entity::delete_many();
        if firms.is_some() {
            delete = delete.filter(ladder_assessment::Column::EnterpriseId.is_in(ids.iter().copied()));
        }
        delete.exec(db).await?;
        let mut pending = Vec::new();
        for chunk in rows.chunks(ROWS_PER_BATCH) {
            let mut batch = firm_batch(&assessor, chunk, &values, &sums, &held, year)?;
            prepare_batch(&mut batch, assessor.schema(), today);
            let verdicts = assessor.assess_batch(&batch, &mut assessor.scratch(batch.len));
            for (firm, rungs) in chunk.iter().zip(verdicts) {
                for mut verdict in rungs {
                    note_differences(&mut verdict, differences.get(&firm.id));
                    pending.push(stored(firm.id, &verdict, today, year));
                }
            }
            // Inserts in groups small enough for every backend's parameter limit.
            while pending.len() >= 300 {
                let group: Vec<_> = pending.drain(..300).collect();
                ladder_assessment::Entity::insert_many(group).exec(db).await?;
            }
        }
        if !pending.is_empty() {
            ladder_assessment::Entity::insert_many(pending).exec(db).await?;
        }
        Ok(rows.len())
    }

    /// A rung's candidates: the firms that do not hold it yet, the eligible first, then
    /// by how little they lack, then by score.
    pub async fn candidates(&self, actor: &Actor, rung: &str, page: u64, per_page: u64) -> Result<CandidatePage> {
        if !actor.can_read_enterprises() {
            return Err(AppError::forbidden("企业信息只对科技局、区领导、项目办和办事处开放"));
        }
        let mut condition = Condition::all().add(ladder_assessment::Column::Rung.eq(rung));
        if let Some(tier) = Tier::ALL.iter().find(|t| t.label() == rung) {
            condition = condition
                .add(ladder_assessment::Column::EnterpriseId.not_in_subquery(super::holders_of(*tier, self.today())));
        }
        if let Some(mine) = self.confined_firms(actor) {
            condition = condition.add(ladder_assessment::Column::EnterpriseId.in_subquery(mine));
        }
        let query = ladder_assessment::Entity::find().filter(condition);
        // Both counts in one pass over the rung's rows.
        let (total, eligible): (i64, Option<i64>) = query
            .clone()
            .select_only()
            .column_as(ladder_assessment::Column::Id.count(), "total")
            .column_as(
                sea_orm::sea_query::ExprTrait::sum(
                    Expr::case(ladder_assessment::Column::Eligible.eq(true), 1).finally(0),
                ),
                "eligible",
            )
            .into_tuple()
            .one(&self.db)
            .await?
            .unwrap_or((0, Some(0)));
        let (total, eligible) = (total.max(0) as u64, eligible.unwrap_or(0).max(0) as u64);
        let pages = total.div_ceil(per_page.max(1)).max(1);
        let page = page.clamp(1, pages);
        let rows = query
            .order_by_desc(ladder_assessment::Column::Eligible)
            .order_by_asc(ladder_assessment::Column::Unmet)
            .order_by_desc(ladder_assessment::Column::Score)
            .order_by_asc(ladder_assessment::Column::EnterpriseId)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .all(&self.db)
            .await?;
        let firms: HashMap<i64, firm_table::Model> = firm_table::Entity::find()
            .filter(firm_table::Column::Id.is_in(rows.iter().map(|r| r.enterprise_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        let (offices, _) = self.names().await?;
        let assessed_on = rows.first().and_then(|r| r.assessed_on);
        let data_year = rows.first().map_or(data_year(self.today()), |r| r.data_year);
        let rows = rows
            .into_iter()
            .filter_map(|r| {
                let firm = firms.get(&r.enterprise_id)?;
                Some(Candidate {
                    firm_id: firm.id,
                    uscc: firm.uscc.clone(),
                    name: firm.name.clone(),
                    office: office_name(&offices, firm.office_id),
                    eligible: r.eligible,
                    route: r.route,
                    score: r.score.map(show_scaled),
                    unmet: r.unmet,
                    missing: serde_json::from_str(&r.missing).unwrap_or_default(),
                })
            })
            .collect();
        Ok(CandidatePage { rung: rung.to_string(), rows, total, eligible, page, pages, data_year, assessed_on })
    }

    /// One firm on every rung, with the explanation tree of every test and item,
    /// computed now by the same code that fills the lists.
    pub async fn ladder_of(&self, actor: &Actor, firm_id: i64) -> Result<(i32, Vec<RungExplanation>)> {
        self.firm(actor, firm_id).await?;
        let row = firm_table::Entity::find_by_id(firm_id).one(&self.db).await?.ok_or(AppError::NotFound("企业"))?;
        let assessor = self.assessor(&self.db).await?;
        let today = self.today();
        let year = data_year(today);
        let ids = [firm_id];
        let values = counted_values(&self.db, Some(&ids), &[year], None).await?;
        let sums =
            counted_values(&self.db, Some(&ids), &[year - 2, year - 1], Some(&["rd_expense", "revenue"])).await?;
        let held = current_tiers(&self.db, Some(&ids), today).await?;
        let mut batch = firm_batch(&assessor, std::slice::from_ref(&row), &values, &sums, &held, year)?;
        prepare_batch(&mut batch, assessor.schema(), today);
        let differences = super::values::open_differences(&self.db, Some(&ids), year).await?;
        let mut explained = assessor.explain_row(&batch, 0);
        for rung in &mut explained {
            note_differences(&mut rung.verdict, differences.get(&firm_id));
        }
        Ok((year, explained))
    }

    /// Every candidate of a rung (for the Excel export), in the list's order.
    pub async fn all_candidates(&self, actor: &Actor, rung: &str) -> Result<CandidatePage> {
        self.candidates(actor, rung, 1, 100_000).await
    }

    /// A rung's whole candidate list as a workbook, in the list's order (two exports at a time).
    pub async fn candidates_workbook(&self, actor: &Actor, rung: &str) -> Result<Vec<u8>> {
        use fengkou_office::table::{Sheet, TableCell, write_sheets};
        let _turn = self.exports.acquire().await.map_err(|_| AppError::Busy)?;
        let all = self.all_candidates(actor, rung).await?;
        let headers =
            ["序号", "统一社会信用代码", "企业名称", "办事处", "结论", "途径", "评分", "差距项数", "差距与缺数据"];
        let rows = all
            .rows
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    TableCell::Count(i as i64 + 1),
                    TableCell::Text(c.uscc.clone()),
                    TableCell::Text(c.name.clone()),
                    TableCell::Text(c.office.clone()),
                    TableCell::Text(if c.eligible { "符合".into() } else { "尚不符合".into() }),
                    TableCell::Text(c.route.clone()),
                    match c.score.as_deref().and_then(|s| s.parse::<f64>().ok()) {
                        Some(score) => TableCell::Number(score),
                        None => TableCell::Text(String::new()),
                    },
                    TableCell::Count(i64::from(c.unmet)),
                    TableCell::Text(c.missing.join("；")),
                ]
            })
            .collect();
        let sheet = Sheet {
            name: "培育名单".into(),
            title: format!("{rung}培育对象名单（按接近程度排序）"),
            unit: format!(
                "数据年度：{} 年；评估日期：{}",
                all.data_year,
                all.assessed_on.map(|d| d.to_string()).unwrap_or_default()
            ),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows,
        };
        Ok(write_sheets(&[sheet])?)
    }

    /// The tiers firms hold today (for the lists' "already holds" marks).
    pub async fn held_tiers(&self, firms: &[i64]) -> Result<HashMap<i64, Vec<Tier>>> {
        current_tiers(&self.db, Some(firms), self.today()).await
    }
}

/// Saved versions after the shipped ones, so that a saved version with the same date
/// wins over the shipped one (`in_force` keeps the last of equal dates).
fn ordered(sets: &[RuleSet]) -> Vec<RuleSet> {
    sets.to_vec()
}

/// A firm whose departments disagree on a figure is told so on every rung it misses:
/// the figure counts as 缺数据 until 科技局 chooses, and "缺数据" alone would not say why.
fn note_differences(verdict: &mut RungVerdict, open: Option<&Vec<&'static str>>) {
    if let Some(labels) = open.filter(|l| !l.is_empty())
        && !verdict.eligible
    {
        verdict.missing.push(fengkou_domain::ladder::Shortfall {
            id: "differences".into(),
            kind: fengkou_domain::ladder::ShortfallKind::MissingData,
            text: format!("各部门数值不一致、待科技局核定：{}", labels.join("、")),
        });
    }
}

fn stored(firm: i64, verdict: &RungVerdict, today: NaiveDate, year: i32) -> ladder_assessment::ActiveModel {
    let missing: Vec<&str> = verdict.missing.iter().map(|m| m.text.as_str()).collect();
    ladder_assessment::ActiveModel {
        enterprise_id: Set(firm),
        rung: Set(verdict.rung.clone()),
        eligible: Set(verdict.eligible),
        route: Set(verdict.route.map(|r| r.label().to_string()).unwrap_or_default()),
        score: Set(verdict.score),
        unmet: Set(verdict.unmet() as i32),
        missing: Set(serde_json::to_string(&missing).unwrap_or_else(|_| "[]".into())),
        assessed_on: Set(Some(today)),
        data_year: Set(year),
        ..Default::default()
    }
}

type Counted = HashMap<i64, HashMap<i32, HashMap<String, Decimal>>>;

/// The firms' facts as the ladder's columns: the registry's code, name and date, each
/// indicator's counted value of `year`, 有效期内高企 from the firm's tiers, and the three-year sums of R&D and revenue
/// when all three years are known (and not given as such).
fn firm_batch(
    assessor: &Assessor,
    firms: &[firm_table::Model],
    values: &Counted,
    sums: &Counted,
    held: &HashMap<i64, Vec<Tier>>,
    year: i32,
) -> Result<Batch> {
    let schema = assessor.schema();
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(firms.len()); schema.fields().len()];
    for firm in firms {
        let this_year = values.get(&firm.id).and_then(|y| y.get(&year));
        let three_year = |name: &str| -> Option<String> {
            let now = this_year?.get(name)?;
            let earlier = sums.get(&firm.id)?;
            let a = earlier.get(&(year - 1))?.get(name)?;
            let b = earlier.get(&(year - 2))?.get(name)?;
            // Checked: a sum past the decimal's range is no figure (the input is bounded
            // by `MAX_VALUE`; values stored before the bound may not be).
            Some(now.checked_add(*a)?.checked_add(*b)?.normalize().to_string())
        };
        for (field, column) in schema.fields().iter().zip(columns.iter_mut()) {
            let value = match field.name.as_str() {
                n if n == enterprise::USCC.0 => Some(firm.uscc.clone()),
                n if n == enterprise::NAME.0 => Some(firm.name.clone()),
                n if n == enterprise::REGISTERED_ON.0 => firm.registered_on.map(|d| d.to_string()),
                n if n == enterprise::ASSESSMENT_DATE.0 => None,
                // The registry knows who holds a valid 高企 certificate today.
                "is_high_tech" if held.get(&firm.id).is_some_and(|t| t.contains(&Tier::HighTech)) => Some("1".into()),
                name => this_year.and_then(|v| v.get(name)).map(|v| v.normalize().to_string()).or_else(|| match name {
                    "rd_expense_3y" => three_year("rd_expense"),
                    "revenue_3y" => three_year("revenue"),
                    _ => None,
                }),
            };
            column.push(value);
        }
    }
    let arrays: Vec<StringArray> = columns.into_iter().map(StringArray::from).collect();
    let text: Vec<&StringArray> = arrays.iter().collect();
    Batch::from_text(schema, &text, 1).map_err(|bad| {
        let first = bad.listed.first().map(ToString::to_string).unwrap_or_default();
        AppError::Damaged(format!("企业指标无法读取：{first}"))
    })
}

// The vocabulary is the ladder's schema: a stored indicator unknown to it would be
// silently unused, so the two lists are held together here.
const _: () = assert!(INDICATORS.len() > 20);
