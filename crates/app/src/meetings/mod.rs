//! On-site observation meetings (现场观摩评比): the plan (sites on a route, rubric,
//! judges), scoring on site, locking, results and the bulletin.
//!
//! Fairness is enforced here: a judge never scores a site of their own 办事处 (the
//! office declared at invitation, else the account's office), scores are saved per
//! criterion as they are entered (re-sending the same score changes nothing), a
//! submitted sheet is locked, and only the project office can reopen it, with a reason
//! in the audit trail.

use crate::audit::{self, Change, json};
use crate::projects::{Names, stage_of};
use crate::{Actor, App, AppError, Result};
use chrono::{NaiveDate, Utc};
use fengkou_domain::Wan;
use fengkou_domain::observation::{
    Aggregation, Criterion, Ranked, ScoreLine, SiteCombination, UnitScore, aggregate_scores, band,
    check_criterion_score, ranking, round2, rubric_total, unit_from_sites,
};
use fengkou_office::bulletin::{Bulletin, BulletinTable, write_bulletin};
use fengkou_storage::entity::{
    annual_plan, industry, meeting, meeting_criterion, meeting_judge, meeting_remark, meeting_score, meeting_site,
    office, project, user,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;

/// At most this many sites per office on one route.
pub const MAX_SITES_PER_OFFICE: usize = 3;

/// The default rubric (weights out of 100; each criterion scored out of its weight).
pub const DEFAULT_RUBRIC: [(&str, i64); 6] = [
    ("投资规模", 20),
    ("建设进度", 25),
    ("产业层次/“风口”契合度", 20),
    ("科技含量", 15),
    ("亩均效益", 10),
    ("现场管理", 10),
];

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub id: i64,
    pub seq: i32,
    pub visit_time: String,
    pub project_id: i64,
    pub project: String,
    pub office_id: i64,
    pub office: String,
    pub industry: String,
    pub stage_label: &'static str,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub completed: Wan,
    pub latest_progress: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct JudgeView {
    pub id: i64,
    pub username: String,
    pub own_office: Option<String>,
    pub submitted: bool,
    pub scored: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub id: i64,
    pub name: String,
    pub held_on: Option<NaiveDate>,
    pub aggregate: String,
    pub combination: String,
    pub excellent_from: String,
    pub good_from: String,
    pub released: bool,
    pub criteria: Vec<Criterion>,
    pub criterion_ids: Vec<i64>,
    pub sites: Vec<SiteView>,
    pub judges: Vec<JudgeView>,
    /// Plan rules that are not met, explained.
    pub plan_warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteResult {
    pub site_id: i64,
    pub project: String,
    pub office: String,
    pub score: String,
    pub judges: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub offices: Vec<OfficeResult>,
    pub top_sites: Vec<SiteResult>,
    pub submitted: usize,
    pub judges: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficeResult {
    pub office: String,
    pub score: String,
    pub rank: u32,
    pub band: &'static str,
}

/// A judge's sheet for one site: the scores saved so far and the remark.
#[derive(Debug, Clone, Serialize)]
pub struct SheetSite {
    pub site: SiteView,
    pub own_office: bool,
    pub scores: Vec<Option<String>>,
    pub remark: String,
    pub declined: String,
    pub complete: bool,
}

impl App {
    fn require_office(actor: &Actor) -> Result<()> {
        if actor.can_manage_pipeline() {
            Ok(())
        } else {
            Err(AppError::forbidden("只有项目办可以组织观摩评比"))
        }
    }

    pub async fn meetings(&self) -> Result<Vec<meeting::Model>> {
        Ok(meeting::Entity::find().order_by_desc(meeting::Column::Id).all(&self.db).await?)
    }

    pub async fn create_meeting(&self, actor: &Actor, name: &str, held_on: NaiveDate) -> Result<i64> {
        Self::require_office(actor)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("名称", "须为1到100个字"));
        }
        let txn = self.writer.begin().await?;
        let saved = meeting::ActiveModel {
            name: Set(name.to_string()),
            held_on: Set(Some(held_on)),
            aggregate: Set("mean".into()),
            combination: Set("mean".into()),
            excellent_from: Set("90".into()),
            good_from: Set("80".into()),
            released: Set(false),
            created_by: Set(actor.username.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (seq, (criterion, weight)) in DEFAULT_RUBRIC.iter().enumerate() {
            meeting_criterion::ActiveModel {
                meeting_id: Set(saved.id),
                name: Set(criterion.to_string()),
                weight: Set(weight.to_string()),
                max: Set(weight.to_string()),
                seq: Set(seq as i32),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        audit::created(&txn, &actor.username, "meeting", saved.id, None, &saved).await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    async fn meeting_row<C: ConnectionTrait>(&self, db: &C, id: i64) -> Result<meeting::Model> {
        meeting::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("观摩活动"))
    }

    /// Puts a project on the route; at most three per office.
    pub async fn add_site(&self, actor: &Actor, meeting_id: i64, project_id: i64, visit_time: &str) -> Result<()> {
        Self::require_office(actor)?;
        let txn = self.writer.begin().await?;
        self.meeting_row(&txn, meeting_id).await?;
        let p = project::Entity::find_by_id(project_id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
        let sites =
            meeting_site::Entity::find().filter(meeting_site::Column::MeetingId.eq(meeting_id)).all(&txn).await?;
        if sites.iter().any(|s| s.project_id == project_id) {
            return Err(AppError::Rejected(format!("“{}”已在观摩路线上", p.name)));
        }
        if sites.iter().filter(|s| s.office_id == p.office_id).count() >= MAX_SITES_PER_OFFICE {
            return Err(AppError::Rejected(format!("每个办事处最多{MAX_SITES_PER_OFFICE}个观摩点，该办事处已满")));
        }
        let saved = meeting_site::ActiveModel {
            meeting_id: Set(meeting_id),
            project_id: Set(project_id),
            office_id: Set(p.office_id),
            seq: Set(sites.len() as i32 + 1),
            visit_time: Set(visit_time.trim().chars().take(40).collect()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::created(&txn, &actor.username, "meeting_site", saved.id, Some(project_id), &saved).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Invites a judge; `declared_office` is the conflict of interest they declare
    /// (defaults to their account's office).
    pub async fn invite_judge(
        &self,
        actor: &Actor,
        meeting_id: i64,
        username: &str,
        declared_office: Option<&str>,
    ) -> Result<()> {
        Self::require_office(actor)?;
        let txn = self.writer.begin().await?;
        self.meeting_row(&txn, meeting_id).await?;
        let u = user::Entity::find()
            .filter(user::Column::Username.eq(username.trim()))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("用户"))?;
        let own_office = match declared_office.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => Some(
                office::Entity::find()
                    .filter(office::Column::Name.eq(name))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| AppError::invalid("所属办事处", format!("没有名为“{name}”的办事处")))?
                    .id,
            ),
            None => u.office_id,
        };
        if meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::UserId.eq(u.id))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::Rejected(format!("{} 已是本次评委", u.username)));
        }
        let saved = meeting_judge::ActiveModel {
            meeting_id: Set(meeting_id),
            user_id: Set(u.id),
            username: Set(u.username.clone()),
            own_office_id: Set(own_office),
            submitted_at: Set(None),
            reopened_reason: Set(String::new()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::created(&txn, &actor.username, "meeting_judge", saved.id, None, &saved).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn criteria(&self, meeting_id: i64) -> Result<Vec<meeting_criterion::Model>> {
        Ok(meeting_criterion::Entity::find()
            .filter(meeting_criterion::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_criterion::Column::Seq)
            .all(&self.db)
            .await?)
    }

    async fn site_views(&self, meeting_id: i64) -> Result<Vec<SiteView>> {
        let sites = meeting_site::Entity::find()
            .filter(meeting_site::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_site::Column::Seq)
            .all(&self.db)
            .await?;
        let names = Names::load(&self.db).await?;
        let projects: HashMap<i64, project::Model> = project::Entity::find()
            .filter(project::Column::Id.is_in(sites.iter().map(|s| s.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let year = chrono::Datelike::year(&self.today());
        let plans: HashMap<i64, (i64, i64)> = annual_plan::Entity::find()
            .filter(annual_plan::Column::Year.eq(year))
            .filter(annual_plan::Column::ProjectId.is_in(sites.iter().map(|s| s.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.project_id, (a.amount, a.completed)))
            .collect();
        let mut out = Vec::new();
        for s in sites {
            let Some(p) = projects.get(&s.project_id) else { continue };
            let latest = fengkou_storage::entity::report::Entity::find()
                .filter(fengkou_storage::entity::report::Column::ProjectId.eq(p.id))
                .order_by_desc(fengkou_storage::entity::report::Column::Year)
                .order_by_desc(fengkou_storage::entity::report::Column::Month)
                .one(&self.db)
                .await?;
            let (plan, done) = plans.get(&p.id).copied().unwrap_or_default();
            out.push(SiteView {
                id: s.id,
                seq: s.seq,
                visit_time: s.visit_time,
                project_id: p.id,
                project: p.name.clone(),
                office_id: s.office_id,
                office: names.office(s.office_id),
                industry: names.industry(p.industry_id),
                stage_label: stage_of(p).label(),
                total_investment: Wan::from_yuan(p.total_investment),
                annual_plan: Wan::from_yuan(plan),
                completed: Wan::from_yuan(done),
                latest_progress: latest.map(|r| r.progress).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    pub async fn meeting(&self, meeting_id: i64) -> Result<MeetingView> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let criteria_rows = self.criteria(meeting_id).await?;
        let sites = self.site_views(meeting_id).await?;
        let offices: HashMap<i64, String> =
            office::Entity::find().all(&self.db).await?.into_iter().map(|o| (o.id, o.name)).collect();
        let scores =
            meeting_score::Entity::find().filter(meeting_score::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let judges = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_judge::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|j| JudgeView {
                id: j.id,
                scored: scores.iter().filter(|s| s.judge_id == j.id).count(),
                own_office: j.own_office_id.and_then(|o| offices.get(&o).cloned()),
                username: j.username,
                submitted: j.submitted_at.is_some(),
            })
            .collect();
        // Plan rules: each office shows an industrial project.
        let industrial: Vec<i64> = industry::Entity::find()
            .filter(industry::Column::Category.eq("产业项目"))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let industries: HashMap<String, i64> =
            industry::Entity::find().all(&self.db).await?.into_iter().map(|i| (i.name, i.id)).collect();
        let mut plan_warnings = Vec::new();
        let mut office_ids: Vec<i64> = sites.iter().map(|s| s.office_id).collect();
        office_ids.dedup();
        for o in office_ids {
            let has_industrial = sites
                .iter()
                .filter(|s| s.office_id == o)
                .any(|s| industries.get(&s.industry).is_some_and(|id| industrial.contains(id)));
            if !has_industrial {
                plan_warnings.push(format!(
                    "{}没有安排产业项目（每个办事处至少应有一个产业项目）",
                    offices.get(&o).cloned().unwrap_or_default()
                ));
            }
        }
        Ok(MeetingView {
            id: m.id,
            name: m.name,
            held_on: m.held_on,
            aggregate: m.aggregate,
            combination: m.combination,
            excellent_from: m.excellent_from,
            good_from: m.good_from,
            released: m.released,
            criterion_ids: criteria_rows.iter().map(|c| c.id).collect(),
            criteria: criteria_rows
                .iter()
                .map(|c| Criterion { name: c.name.clone(), weight: dec(&c.weight), max: dec(&c.max) })
                .collect(),
            sites,
            judges,
            plan_warnings,
        })
    }

    /// Leaders' comments (点评) on the route's projects since the meeting was set up:
    /// (project, office, leader, text), newest first.
    pub async fn meeting_comments(&self, meeting_id: i64) -> Result<Vec<(String, String, String, String)>> {
        use fengkou_storage::entity::comment;
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let sites = self.site_views(meeting_id).await?;
        let comments = comment::Entity::find()
            .filter(comment::Column::ProjectId.is_in(sites.iter().map(|s| s.project_id)))
            .filter(comment::Column::CreatedAt.gte(m.created_at))
            .order_by_desc(comment::Column::Id)
            .all(&self.db)
            .await?;
        Ok(comments
            .into_iter()
            .filter_map(|c| {
                let site = sites.iter().find(|s| s.project_id == c.project_id)?;
                Some((site.project.clone(), site.office.clone(), c.username, c.body))
            })
            .collect())
    }

    /// How scores are aggregated (mean / trimmed / zscore), how a unit's sites combine
    /// (mean / sum) and the band cut-offs.
    pub async fn set_meeting_method(
        &self,
        actor: &Actor,
        meeting_id: i64,
        aggregate: &str,
        combination: &str,
        excellent_from: Decimal,
        good_from: Decimal,
    ) -> Result<()> {
        Self::require_office(actor)?;
        let mut problems = Vec::new();
        if Aggregation::from_code(aggregate).is_none() {
            problems.push(fengkou_domain::project::FieldError::new("汇总方法", "须为 平均、去掉最高最低 或 标准分"));
        }
        if !matches!(combination, "mean" | "sum") {
            problems.push(fengkou_domain::project::FieldError::new("办事处得分", "须为 平均 或 合计"));
        }
        if !(good_from > Decimal::ZERO && excellent_from > good_from) {
            problems.push(fengkou_domain::project::FieldError::new("等次", "优秀线须高于良好线，且都大于0"));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let txn = self.writer.begin().await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        let before = json(&m);
        let mut am = m.into_active_model();
        am.aggregate = Set(aggregate.to_string());
        am.combination = Set(combination.to_string());
        am.excellent_from = Set(excellent_from.normalize().to_string());
        am.good_from = Set(good_from.normalize().to_string());
        let after = am.update(&txn).await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "update",
                entity: "meeting",
                entity_id: Some(meeting_id),
                project_id: None,
                before,
                after: json(&after),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn release_results(&self, actor: &Actor, meeting_id: i64, released: bool) -> Result<()> {
        Self::require_office(actor)?;
        let txn = self.writer.begin().await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        let mut am = m.into_active_model();
        am.released = Set(released);
        am.update(&txn).await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: if released { "release" } else { "withdraw" },
                entity: "meeting",
                entity_id: Some(meeting_id),
                project_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

mod results;
mod scoring;
