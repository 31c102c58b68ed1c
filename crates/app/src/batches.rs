//! "三个一批" campaign batches: 第N期 with a date and three lists (签约, 开工, 投产).
//! Conversion ratios compare what was promised with the stages projects reached.

use crate::rows::{Names, stage_of};
use crate::{Actor, AppError, Result};
use chrono::NaiveDate;
use fengkou_domain::campaign::{BatchList, Conversion, batch_name};
use fengkou_domain::{Stage, Wan};
use fengkou_storage::entity::{batch, batch_item, project};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct BatchProject {
    pub id: i64,
    #[serde(skip)]
    pub office_id: i64,
    pub name: String,
    pub office: String,
    pub stage: Stage,
    pub stage_label: &'static str,
    pub total_investment: Wan,
}

/// A project on one of a batch's lists.
#[derive(Debug, Clone, Serialize)]
pub struct BatchItem {
    pub id: i64,
    pub batch_id: i64,
    pub project_id: i64,
    /// The list's code ("sign", "start", "produce"), as the page's forms send it.
    pub list: &'static str,
}

/// One of a batch's three lists with its figures.
#[derive(Debug, Clone, Serialize)]
pub struct BatchListView {
    pub list: BatchList,
    pub label: &'static str,
    pub code: &'static str,
    /// The projects the reader may see (an office user: its own office's).
    pub projects: Vec<BatchProject>,
    /// Every project on the list, and how many of them are not shown to this reader.
    pub planned: usize,
    pub hidden: usize,
    /// Planned: what the list promised (its projects and their investment).
    pub investment: Wan,
    /// Achieved: the projects that reached the list's stage, and their investment.
    pub achieved: usize,
    pub achieved_investment: Wan,
    /// The stage a project must reach for the promise to count ("开工", "投产").
    pub target_label: &'static str,
    pub conversion: Conversion,
    pub ratio_label: &'static str,
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub id: i64,
    pub seq: i32,
    pub name: String,
    pub held_on: Option<NaiveDate>,
    pub lists: Vec<BatchListView>,
}

impl Batches<'_> {
    pub async fn create_batch(&self, actor: &Actor, seq: i32, held_on: NaiveDate) -> Result<i64> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以创建“三个一批”批次")?;
        if !(1..=999).contains(&seq) {
            return Err(AppError::invalid("期数", "须在1到999之间"));
        }
        let mut txn = self.write(permit).await?;
        if batch::Entity::find().filter(batch::Column::Seq.eq(seq)).one(&txn).await?.is_some() {
            return Err(AppError::invalid("期数", format!("第{seq}期已存在")));
        }
        let saved = batch::ActiveModel {
            seq: Set(seq),
            name: Set(batch_name(seq, held_on)),
            held_on: Set(Some(held_on)),
            created_at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("batch", saved.id, None, &saved);
        txn.commit().await?;
        Ok(saved.id)
    }

    pub async fn add_to_batch(&self, actor: &Actor, batch_id: i64, project_id: i64, list: BatchList) -> Result<()> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以调整批次名单")?;
        let mut txn = self.write(permit).await?;
        batch::Entity::find_by_id(batch_id).one(&txn).await?.ok_or(AppError::NotFound("批次"))?;
        project::Entity::find_by_id(project_id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
        let exists = batch_item::Entity::find()
            .filter(batch_item::Column::BatchId.eq(batch_id))
            .filter(batch_item::Column::ProjectId.eq(project_id))
            .filter(batch_item::Column::List.eq(list.code()))
            .one(&txn)
            .await?;
        if exists.is_some() {
            return Err(BatchError::AlreadyListed { list: list.label() }.into());
        }
        let saved = batch_item::ActiveModel {
            batch_id: Set(batch_id),
            project_id: Set(project_id),
            list: Set(list.into()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("batch_item", saved.id, Some(project_id), &saved);
        txn.commit().await?;
        Ok(())
    }

    pub async fn remove_from_batch(&self, actor: &Actor, item_id: i64) -> Result<i64> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以调整批次名单")?;
        let mut txn = self.write(permit).await?;
        let item = batch_item::Entity::find_by_id(item_id).one(&txn).await?.ok_or(AppError::NotFound("名单项"))?;
        let batch_id = item.batch_id;
        txn.deleted("batch_item", item.id, Some(item.project_id), &item);
        item.delete(&txn).await?;
        txn.commit().await?;
        Ok(batch_id)
    }

    /// Every batch, newest first, with its lists and conversion ratios. The figures
    /// count every project; an office user sees the names of its own office's only.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<BatchView>> {
        let batches = batch::Entity::find().order_by_desc(batch::Column::Seq).all(&self.db).await?;
        let items = batch_item::Entity::find().all(&self.db).await?;
        let projects: HashMap<i64, project::Model> = project::Entity::find()
            .filter(project::Column::Id.is_in(items.iter().map(|i| i.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let names = Names::load(&self.db).await?;
        Ok(batches
            .into_iter()
            .map(|b| {
                let lists = BatchList::ALL
                    .into_iter()
                    .map(|list| {
                        let listed: Vec<BatchProject> = items
                            .iter()
                            .filter(|i| i.batch_id == b.id && i.list == list)
                            .filter_map(|i| projects.get(&i.project_id))
                            .map(|p| {
                                let stage = stage_of(p);
                                BatchProject {
                                    office_id: p.office_id,
                                    id: p.id,
                                    name: p.name.clone(),
                                    office: names.office(p.office_id),
                                    stage,
                                    stage_label: stage.label(),
                                    total_investment: Wan::from_yuan(p.total_investment),
                                }
                            })
                            .collect();
                        let stages: Vec<Stage> = listed.iter().map(|p| p.stage).collect();
                        let conversion = Conversion::of(list, &stages);
                        let reached: Vec<&BatchProject> = listed.iter().filter(|p| p.stage >= list.target()).collect();
                        let investment = listed.iter().map(|p| p.total_investment).sum();
                        let achieved = reached.len();
                        let achieved_investment = reached.iter().map(|p| p.total_investment).sum();
                        let planned = listed.len();
                        let shown: Vec<BatchProject> = listed
                            .into_iter()
                            .filter(|p| actor.confined_to().is_none_or(|office| office == p.office_id))
                            .collect();
                        BatchListView {
                            list,
                            label: list.label(),
                            code: list.code(),
                            investment,
                            achieved,
                            achieved_investment,
                            target_label: list.target().label(),
                            hidden: planned - shown.len(),
                            planned,
                            projects: shown,
                            percent: conversion.percent(),
                            conversion,
                            ratio_label: list.ratio_label(),
                        }
                    })
                    .collect();
                // The name says the year and the quarter (older batches were named by
                // their number alone).
                let name = b.held_on.map_or(b.name, |d| batch_name(b.seq, d));
                BatchView { id: b.id, seq: b.seq, name, held_on: b.held_on, lists }
            })
            .collect())
    }

    /// Projects to pick from by name, as "name（office）" (no internal ids shown), only
    /// one office's when `office` is given.
    pub async fn project_choices(&self, office: Option<i64>) -> Result<Vec<String>> {
        let names = Names::load(&self.db).await?;
        let mut query = project::Entity::find();
        if let Some(o) = office {
            query = query.filter(project::Column::OfficeId.eq(o));
        }
        let rows: Vec<(i64, String, i64)> = query
            .select_only()
            .columns([project::Column::Id, project::Column::Name, project::Column::OfficeId])
            .order_by_asc(project::Column::Name)
            .limit(5_000)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|(_, name, office)| format!("{name}（{}）", names.office(office))).collect())
    }

    /// The project a person typed or picked: "name（office）" as the list offers it, or
    /// any part of a name that only one project (of `office`, when given) has. Several
    /// matches are refused with the first few named.
    pub async fn project_by_name(&self, typed: &str, office: Option<i64>) -> Result<i64> {
        let typed = typed.trim();
        if typed.is_empty() || typed.chars().count() > 200 {
            return Err(AppError::invalid("项目", "请输入项目名称的一部分，再从列表中选择"));
        }
        let names = Names::load(&self.db).await?;
        let candidates = |q: sea_orm::Select<project::Entity>| {
            let q = match office {
                Some(o) => q.filter(project::Column::OfficeId.eq(o)),
                None => q,
            };
            q.select_only()
                .columns([project::Column::Id, project::Column::Name, project::Column::OfficeId])
                .limit(6)
                .into_tuple::<(i64, String, i64)>()
        };
        // "name（office）" from the list.
        if let Some((name, rest)) = typed.rsplit_once('（')
            && let Some(office_name) = rest.strip_suffix('）')
        {
            let exact: Vec<(i64, String, i64)> =
                candidates(project::Entity::find().filter(project::Column::Name.eq(name.trim()))).all(&self.db).await?;
            if let Some(p) = exact.iter().find(|p| names.office(p.2) == office_name.trim()) {
                return Ok(p.0);
            }
        }
        let pattern = format!("%{}%", typed.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        use sea_orm::sea_query::ExprTrait;
        let like = sea_orm::sea_query::Expr::col(project::Column::Name)
            .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'));
        let found: Vec<(i64, String, i64)> = candidates(project::Entity::find().filter(like)).all(&self.db).await?;
        match found.as_slice() {
            [one] => Ok(one.0),
            [] => Err(AppError::invalid("项目", format!("没有名称含“{typed}”的项目"))),
            many => {
                let listed: Vec<String> =
                    many.iter().take(5).map(|p| format!("{}（{}）", p.1, names.office(p.2))).collect();
                Err(AppError::invalid(
                    "项目",
                    format!(
                        "名称含“{typed}”的项目不止一个：{}{}，请从列表中选择",
                        listed.join("、"),
                        if many.len() > 5 { "等" } else { "" }
                    ),
                ))
            }
        }
    }

    /// Item ids of a batch's list, to offer removal on the page.
    pub async fn batch_items(&self, batch_id: i64) -> Result<Vec<BatchItem>> {
        let rows = batch_item::Entity::find().filter(batch_item::Column::BatchId.eq(batch_id)).all(&self.db).await?;
        Ok(rows
            .into_iter()
            .map(|i| BatchItem { id: i.id, batch_id: i.batch_id, project_id: i.project_id, list: i.list.code() })
            .collect())
    }
}

/// What the batches area refuses, beyond a form's field checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The project is already in that list of the batch.
    #[error("该项目已在本期{list}名单中")]
    AlreadyListed { list: &'static str },
}

crate::area!(
    /// The use cases of "三个一批" campaign batches: `app.batches()`.
    Batches,
    batches
);
