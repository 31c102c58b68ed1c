//! A firm's yearly figures as the departments gave them: one value per source, and
//! the value that counts. Equal values from several sources agree; different values
//! are a conflict until the bureau chooses a source (audited). An unresolved conflict
//! counts as 缺数据 in the ladder: a rule never reads a figure nobody has vouched for.

use super::{EnterpriseError, Enterprises};
use crate::{Actor, AppError, Result};
use fengkou_domain::enterprise::{INDICATORS, Indicator, Source, indicator, parse_value};
use fengkou_storage::entity::{enterprise, indicator_choice, indicator_value};
use fengkou_storage::value::{Code, Exact};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// One source's value of one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct SourceValue {
    pub source: &'static str,
    pub source_code: &'static str,
    pub value: String,
    pub as_of: Option<chrono::NaiveDate>,
    pub recorded_by: String,
}

/// One indicator in one year.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLine {
    pub indicator: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// The value that counts (None: none given, or sources differ and none is chosen).
    pub value: Option<String>,
    pub sources: Vec<SourceValue>,
    pub conflict: bool,
    /// The source the bureau chose, with its reason.
    pub chosen: Option<(&'static str, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearFigures {
    pub year: i32,
    pub lines: Vec<IndicatorLine>,
}

/// The value that counts, from a firm-year-indicator's values and the bureau's choice.
pub(crate) enum Counted {
    Value(Decimal),
    /// Sources differ and no source is chosen.
    Conflict,
}

pub(crate) fn counted(values: &[(Source, Decimal)], chosen: Option<Source>) -> Option<Counted> {
    let (_, first) = values.first()?;
    if values.iter().all(|(_, v)| v == first) {
        return Some(Counted::Value(*first));
    }
    match chosen.and_then(|c| values.iter().find(|(s, _)| *s == c)) {
        Some((_, chosen)) => Some(Counted::Value(*chosen)),
        None => Some(Counted::Conflict),
    }
}

/// The counted values of the given years (all firms, or those listed): firm → year →
/// indicator → value; a conflict is left out (缺数据).
pub(crate) async fn counted_values(
    db: &impl ConnectionTrait,
    firms: Option<&[i64]>,
    years: &[i32],
    only: Option<&[&str]>,
) -> Result<CountedValues> {
    let (mut values, mut choices) = (Condition::all(), Condition::all());
    if let Some(firms) = firms {
        values = values.add(indicator_value::Column::EnterpriseId.is_in(firms.iter().copied()));
        choices = choices.add(indicator_choice::Column::EnterpriseId.is_in(firms.iter().copied()));
    }
    counted_where(db, values, choices, years, only).await
}

/// Firm → year → indicator → the value that counts.
pub(crate) type CountedValues = HashMap<i64, HashMap<i32, HashMap<String, Decimal>>>;

/// [`counted_values`] of every firm, read in `parts` ranges of firm ids on as many
/// pooled connections at once: a district's year is a quarter million rows, and the
/// database driver hands them over one by one (4 µs a row on SQLite), so two readers
/// halve the wait. `ids` are every firm's ids, ascending.
pub(crate) async fn counted_values_of_all(
    db: &crate::Db,
    ids: &[i64],
    years: &[i32],
    only: Option<&[&str]>,
    parts: usize,
) -> Result<CountedValues> {
    let (Some(first), Some(last)) = (ids.first(), ids.last()) else { return Ok(CountedValues::new()) };
    let parts = parts.clamp(1, ids.len());
    let mut bounds: Vec<i64> = (1..parts).map(|p| ids[p * ids.len() / parts]).collect();
    bounds.insert(0, *first);
    bounds.push(last + 1);
    let years = years.to_vec();
    let only: Option<Vec<String>> = only.map(|o| o.iter().map(|n| n.to_string()).collect());
    let tasks: Vec<_> = bounds
        .windows(2)
        .map(|w| {
            let (db, years, only, (from, to)) = (db.clone(), years.clone(), only.clone(), (w[0], w[1]));
            tokio::spawn(async move {
                let only: Option<Vec<&str>> = only.as_ref().map(|o| o.iter().map(String::as_str).collect());
                let values = Condition::all()
                    .add(indicator_value::Column::EnterpriseId.gte(from))
                    .add(indicator_value::Column::EnterpriseId.lt(to));
                let choices = Condition::all()
                    .add(indicator_choice::Column::EnterpriseId.gte(from))
                    .add(indicator_choice::Column::EnterpriseId.lt(to));
                counted_where(&db, values, choices, &years, only.as_deref()).await
            })
        })
        .collect();
    let mut out = CountedValues::new();
    for task in tasks {
        out.extend(task.await.map_err(|e| AppError::internal("读取企业指标", e))??);
    }
    Ok(out)
}

async fn counted_where(
    db: &impl ConnectionTrait,
    values: Condition,
    choices: Condition,
    years: &[i32],
    only: Option<&[&str]>,
) -> Result<CountedValues> {
    // Only the columns the choice needs, read as tuples: whole models (with who
    // recorded them and when) cost twice as much.
    let mut query = indicator_value::Entity::find()
        .select_only()
        .columns([
            indicator_value::Column::EnterpriseId,
            indicator_value::Column::Year,
            indicator_value::Column::Indicator,
            indicator_value::Column::Source,
            indicator_value::Column::Value,
        ])
        .filter(values)
        .filter(indicator_value::Column::Year.is_in(years.iter().copied()));
    let choices = indicator_choice::Entity::find()
        .select_only()
        .columns([
            indicator_choice::Column::EnterpriseId,
            indicator_choice::Column::Year,
            indicator_choice::Column::Indicator,
            indicator_choice::Column::Source,
        ])
        .filter(choices)
        .filter(indicator_choice::Column::Year.is_in(years.iter().copied()));
    if let Some(only) = only {
        query = query.filter(indicator_value::Column::Indicator.is_in(only.iter().copied()));
    }
    let rows: Vec<(i64, i32, String, Code<Source>, Exact)> = query.into_tuple().all(db).await?;
    let choices: HashMap<(i64, i32, String), Source> = choices
        .into_tuple::<(i64, i32, String, Code<Source>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(firm, year, name, source)| ((firm, year, name), source.0))
        .collect();
    let mut grouped: HashMap<(i64, i32, String), Vec<(Source, Decimal)>> = HashMap::new();
    for (firm, year, name, source, value) in rows {
        grouped.entry((firm, year, name)).or_default().push((source.0, value.0));
    }
    let mut out = CountedValues::new();
    for (key, values) in grouped {
        if let Some(Counted::Value(v)) = counted(&values, choices.get(&key).copied()) {
            let (firm, year, name) = key;
            out.entry(firm).or_default().entry(year).or_default().insert(name, v);
        }
    }
    Ok(out)
}

/// The indicators whose sources differ without a choice, per firm, in `year` (their
/// labels): the ladder counts them as 缺数据 and says why.
pub(crate) async fn open_differences(
    db: &impl ConnectionTrait,
    firms: Option<&[i64]>,
    year: i32,
) -> Result<HashMap<i64, Vec<&'static str>>> {
    let mut query = indicator_value::Entity::find().filter(indicator_value::Column::Year.eq(year));
    let mut choices = indicator_choice::Entity::find().filter(indicator_choice::Column::Year.eq(year));
    if let Some(firms) = firms {
        query = query.filter(indicator_value::Column::EnterpriseId.is_in(firms.iter().copied()));
        choices = choices.filter(indicator_choice::Column::EnterpriseId.is_in(firms.iter().copied()));
    }
    let chosen: std::collections::HashSet<(i64, String)> =
        choices.all(db).await?.into_iter().map(|c| (c.enterprise_id, c.indicator)).collect();
    let mut first: HashMap<(i64, String), Decimal> = HashMap::new();
    let mut out: HashMap<i64, Vec<&'static str>> = HashMap::new();
    for v in query.all(db).await? {
        let key = (v.enterprise_id, v.indicator.clone());
        match first.get(&key) {
            None => {
                first.insert(key, v.value.0);
            }
            Some(seen) if *seen != v.value.0 && !chosen.contains(&key) => {
                if let Some(i) = indicator(&v.indicator) {
                    let list = out.entry(v.enterprise_id).or_default();
                    if !list.contains(&i.label) {
                        list.push(i.label);
                    }
                }
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// A sheet or form value ready to store: the indicator and the canonical text.
pub(crate) fn read_value(name: &str, text: &str) -> std::result::Result<(&'static Indicator, Decimal), String> {
    let indicator = indicator(name).ok_or_else(|| format!("没有指标 {name}"))?;
    let canonical = parse_value(indicator, text)?;
    let value = Decimal::from_str(&canonical).map_err(|_| format!("“{canonical}”超出可保存的范围"))?;
    Ok((indicator, value))
}

/// A value the bureau's choice rested on has changed: the choice no longer holds (the
/// difference is open again, for the bureau to look at), and the trail says why.
pub(crate) async fn reopen_choice(w: &mut crate::write::Write, changed: &indicator_value::Model) -> Result<()> {
    let choice = indicator_choice::Entity::find()
        .filter(indicator_choice::Column::EnterpriseId.eq(changed.enterprise_id))
        .filter(indicator_choice::Column::Year.eq(changed.year))
        .filter(indicator_choice::Column::Indicator.eq(changed.indicator.as_str()))
        .one(&*w)
        .await?;
    if let Some(choice) = choice {
        w.deleted("indicator_choice", choice.id, None, &choice);
        indicator_choice::Entity::delete_by_id(choice.id).exec(&*w).await?;
    }
    Ok(())
}

impl Enterprises<'_> {
    /// A firm's figures by year (newest first), each indicator with every source.
    pub async fn figures(&self, actor: &Actor, firm_id: i64) -> Result<Vec<YearFigures>> {
        self.firm(actor, firm_id).await?;
        let values = indicator_value::Entity::find()
            .filter(indicator_value::Column::EnterpriseId.eq(firm_id))
            .all(&self.db)
            .await?;
        let choices = indicator_choice::Entity::find()
            .filter(indicator_choice::Column::EnterpriseId.eq(firm_id))
            .all(&self.db)
            .await?;
        let mut years: BTreeMap<i32, Vec<&indicator_value::Model>> = BTreeMap::new();
        for v in &values {
            years.entry(v.year).or_default().push(v);
        }
        Ok(years
            .into_iter()
            .rev()
            .map(|(year, values)| {
                let lines = INDICATORS
                    .iter()
                    .filter_map(|i| {
                        let mine: Vec<&indicator_value::Model> =
                            values.iter().copied().filter(|v| v.indicator == i.name).collect();
                        let pairs: Vec<(Source, Decimal)> = mine.iter().map(|v| (v.source.0, v.value.0)).collect();
                        if mine.is_empty() {
                            return None;
                        }
                        let choice = choices.iter().find(|c| c.year == year && c.indicator == i.name);
                        let (value, conflict) = match counted(&pairs, choice.map(|c| c.source.0)) {
                            Some(Counted::Value(v)) => (Some(v.normalize().to_string()), false),
                            Some(Counted::Conflict) => (None, true),
                            None => (None, false),
                        };
                        let distinct = mine.iter().any(|v| v.value.0 != mine[0].value.0);
                        Some(IndicatorLine {
                            indicator: i.name,
                            label: i.label,
                            unit: i.kind.unit(),
                            value,
                            sources: mine
                                .iter()
                                .map(|v| SourceValue {
                                    source: v.source.0.label(),
                                    source_code: v.source.0.code(),
                                    value: v.value.0.normalize().to_string(),
                                    as_of: v.as_of,
                                    recorded_by: v.recorded_by.clone(),
                                })
                                .collect(),
                            conflict: conflict || (distinct && choice.is_some()),
                            chosen: choice.filter(|_| distinct).map(|c| (c.source.0.label(), c.reason.clone())),
                        })
                    })
                    .collect();
                YearFigures { year, lines }
            })
            .collect())
    }

    /// Enters or corrects one value by hand (科技局), with its source; audited.
    pub async fn set_value(
        &self,
        actor: &Actor,
        firm_id: i64,
        year: i32,
        name: &str,
        source: Source,
        text: &str,
    ) -> Result<()> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以修改企业指标")?;
        let this_year = chrono::Datelike::year(&self.today());
        if !(2000..=this_year).contains(&year) {
            return Err(AppError::invalid("年度", format!("须在 2000 到 {this_year} 之间")));
        }
        let (indicator, value) = read_value(name, text).map_err(|why| AppError::invalid("数值", why))?;
        let mut w = self.write(permit).await?;
        fengkou_storage::queries::lock_enterprise(&w, firm_id).await?;
        enterprise::Entity::find_by_id(firm_id).one(&w).await?.ok_or(AppError::NotFound("企业"))?;
        let existing = indicator_value::Entity::find()
            .filter(indicator_value::Column::EnterpriseId.eq(firm_id))
            .filter(indicator_value::Column::Year.eq(year))
            .filter(indicator_value::Column::Indicator.eq(indicator.name))
            .filter(indicator_value::Column::Source.eq(source.code()))
            .one(&w)
            .await?;
        let (who, now) = (w.who().to_string(), w.now());
        match existing {
            Some(before) if before.value.0 == value => {
                w.rollback().await?;
                return Ok(());
            }
            Some(before) => {
                let mut row: indicator_value::ActiveModel = before.clone().into();
                row.value = Set(value.into());
                row.recorded_by = Set(who);
                row.recorded_at = Set(now);
                let after = row.update(&w).await?;
                w.updated("indicator_value", after.id, None, serde_json::to_value(&before).ok(), &after);
                reopen_choice(&mut w, &after).await?;
            }
            None => {
                let saved = indicator_value::ActiveModel {
                    enterprise_id: Set(firm_id),
                    year: Set(year),
                    indicator: Set(indicator.name.to_string()),
                    source: Set(source.into()),
                    value: Set(value.into()),
                    as_of: Set(None),
                    recorded_by: Set(who),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(&w)
                .await?;
                w.created("indicator_value", saved.id, None, &saved);
            }
        }
        self.reassess_in(&w, Some(&[firm_id])).await?;
        w.commit().await?;
        Ok(())
    }

    /// The bureau chooses which source counts where sources differ (audited, with a reason).
    pub async fn choose_source(
        &self,
        actor: &Actor,
        firm_id: i64,
        year: i32,
        name: &str,
        source: Source,
        reason: &str,
    ) -> Result<()> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以核定指标来源")?;
        crate::text::check_text("理由", reason.trim(), 200)?;
        if reason.trim().is_empty() {
            return Err(AppError::invalid("理由", "请写明采用这个来源的理由"));
        }
        let indicator = indicator(name).ok_or(AppError::NotFound("指标"))?;
        let mut w = self.write(permit).await?;
        fengkou_storage::queries::lock_enterprise(&w, firm_id).await?;
        let values = indicator_value::Entity::find()
            .filter(indicator_value::Column::EnterpriseId.eq(firm_id))
            .filter(indicator_value::Column::Year.eq(year))
            .filter(indicator_value::Column::Indicator.eq(indicator.name))
            .all(&w)
            .await?;
        if !values.iter().any(|v| v.source.0 == source) {
            return Err(AppError::invalid(
                "来源",
                format!("{year} 年的{}没有来自{}的数值", indicator.label, source.label()),
            ));
        }
        if values.iter().all(|v| v.value.0 == values[0].value.0) {
            return Err(EnterpriseError::NothingToChoose { year }.into());
        }
        let before = indicator_choice::Entity::find()
            .filter(indicator_choice::Column::EnterpriseId.eq(firm_id))
            .filter(indicator_choice::Column::Year.eq(year))
            .filter(indicator_choice::Column::Indicator.eq(indicator.name))
            .one(&w)
            .await?;
        let (who, now) = (w.who().to_string(), w.now());
        match before {
            Some(before) => {
                let mut row: indicator_choice::ActiveModel = before.clone().into();
                row.source = Set(source.into());
                row.reason = Set(reason.trim().to_string());
                row.chosen_by = Set(who);
                row.chosen_at = Set(now);
                let after = row.update(&w).await?;
                w.updated("indicator_choice", after.id, None, serde_json::to_value(&before).ok(), &after);
            }
            None => {
                let saved = indicator_choice::ActiveModel {
                    enterprise_id: Set(firm_id),
                    year: Set(year),
                    indicator: Set(indicator.name.to_string()),
                    source: Set(source.into()),
                    reason: Set(reason.trim().to_string()),
                    chosen_by: Set(who),
                    chosen_at: Set(now),
                    ..Default::default()
                }
                .insert(&w)
                .await?;
                w.created("indicator_choice", saved.id, None, &saved);
            }
        }
        self.reassess_in(&w, Some(&[firm_id])).await?;
        w.commit().await?;
        Ok(())
    }
}
