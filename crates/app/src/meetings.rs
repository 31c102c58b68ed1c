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
        let txn = self.db.begin().await?;
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
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "create",
                entity: "meeting",
                entity_id: Some(saved.id),
                project_id: None,
                before: None,
                after: json(&saved),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    async fn meeting_row<C: ConnectionTrait>(&self, db: &C, id: i64) -> Result<meeting::Model> {
        meeting::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("观摩活动"))
    }

    /// Puts a project on the route; at most three per office.
    pub async fn add_site(&self, actor: &Actor, meeting_id: i64, project_id: i64, visit_time: &str) -> Result<()> {
        Self::require_office(actor)?;
        let txn = self.db.begin().await?;
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
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "create",
                entity: "meeting_site",
                entity_id: Some(saved.id),
                project_id: Some(project_id),
                before: None,
                after: json(&saved),
            },
        )
        .await?;
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
        let txn = self.db.begin().await?;
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
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "create",
                entity: "meeting_judge",
                entity_id: Some(saved.id),
                project_id: None,
                before: None,
                after: json(&saved),
            },
        )
        .await?;
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

    async fn judge_row<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        meeting_id: i64,
    ) -> Result<meeting_judge::Model> {
        meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::UserId.eq(actor.user_id))
            .one(db)
            .await?
            .ok_or_else(|| AppError::forbidden("您不是本次观摩的评委"))
    }

    /// The judge's route with what they have entered so far.
    pub async fn score_sheet(&self, actor: &Actor, meeting_id: i64) -> Result<(MeetingView, Vec<SheetSite>, bool)> {
        let judge = self.judge_row(&self.db, actor, meeting_id).await?;
        let view = self.meeting(meeting_id).await?;
        let scores =
            meeting_score::Entity::find().filter(meeting_score::Column::JudgeId.eq(judge.id)).all(&self.db).await?;
        let remarks =
            meeting_remark::Entity::find().filter(meeting_remark::Column::JudgeId.eq(judge.id)).all(&self.db).await?;
        let sheet = view
            .sites
            .iter()
            .map(|site| {
                let values: Vec<Option<String>> = view
                    .criterion_ids
                    .iter()
                    .map(|c| {
                        scores.iter().find(|s| s.site_id == site.id && s.criterion_id == *c).map(|s| s.score.clone())
                    })
                    .collect();
                let remark = remarks.iter().find(|r| r.site_id == site.id);
                let declined = remark.map(|r| r.declined_reason.clone()).unwrap_or_default();
                SheetSite {
                    own_office: judge.own_office_id == Some(site.office_id),
                    complete: values.iter().all(Option::is_some) || !declined.is_empty(),
                    scores: values,
                    remark: remark.map(|r| r.remark.clone()).unwrap_or_default(),
                    declined,
                    site: site.clone(),
                }
            })
            .collect();
        Ok((view, sheet, judge.submitted_at.is_some()))
    }

    /// Saves a judge's scores for one site. Each score is stored as entered; sending
    /// the same scores again changes nothing.
    pub async fn score_site(
        &self,
        actor: &Actor,
        meeting_id: i64,
        site_id: i64,
        scores: &[(i64, Decimal)],
        remark: &str,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let judge = self.judge_row(&txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            return Err(AppError::Rejected("评分表已提交并锁定，如需修改请联系项目办重新开放".into()));
        }
        let site = meeting_site::Entity::find_by_id(site_id)
            .one(&txn)
            .await?
            .filter(|s| s.meeting_id == meeting_id)
            .ok_or_else(|| AppError::Rejected("该观摩点不在本次观摩路线上".into()))?;
        if judge.own_office_id == Some(site.office_id) {
            return Err(AppError::forbidden("评委不能为本办事处的观摩点打分（利益回避）"));
        }
        let criteria = meeting_criterion::Entity::find()
            .filter(meeting_criterion::Column::MeetingId.eq(meeting_id))
            .all(&txn)
            .await?;
        let mut problems = Vec::new();
        for (criterion_id, score) in scores {
            match criteria.iter().find(|c| c.id == *criterion_id) {
                Some(c) => {
                    let criterion = Criterion { name: c.name.clone(), weight: dec(&c.weight), max: dec(&c.max) };
                    if let Err(e) = check_criterion_score(&criterion, *score) {
                        problems.push(fengkou_domain::project::FieldError::new("评分", e.to_string()));
                    }
                }
                None => problems.push(fengkou_domain::project::FieldError::new("评分", "没有这一评分项")),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let now = Utc::now();
        for (criterion_id, score) in scores {
            let value = score.normalize().to_string();
            let existing = meeting_score::Entity::find()
                .filter(meeting_score::Column::JudgeId.eq(judge.id))
                .filter(meeting_score::Column::SiteId.eq(site_id))
                .filter(meeting_score::Column::CriterionId.eq(*criterion_id))
                .one(&txn)
                .await?;
            match existing {
                Some(e) if e.score == value => {}
                Some(e) => {
                    let before = json(&e);
                    let mut am = e.into_active_model();
                    am.score = Set(value);
                    am.updated_at = Set(now);
                    let after = am.update(&txn).await?;
                    audit::record(
                        &txn,
                        &actor.username,
                        Change {
                            action: "update",
                            entity: "meeting_score",
                            entity_id: Some(after.id),
                            project_id: Some(site.project_id),
                            before,
                            after: json(&after),
                        },
                    )
                    .await?;
                }
                None => {
                    let saved = meeting_score::ActiveModel {
                        meeting_id: Set(meeting_id),
                        judge_id: Set(judge.id),
                        site_id: Set(site_id),
                        criterion_id: Set(*criterion_id),
                        score: Set(value),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                    audit::record(
                        &txn,
                        &actor.username,
                        Change {
                            action: "create",
                            entity: "meeting_score",
                            entity_id: Some(saved.id),
                            project_id: Some(site.project_id),
                            before: None,
                            after: json(&saved),
                        },
                    )
                    .await?;
                }
            }
        }
        let remark = remark.trim().chars().take(500).collect::<String>();
        self.save_remark(&txn, meeting_id, judge.id, site_id, Some(remark), None).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn save_remark<C: ConnectionTrait>(
        &self,
        db: &C,
        meeting_id: i64,
        judge_id: i64,
        site_id: i64,
        remark: Option<String>,
        declined: Option<String>,
    ) -> Result<()> {
        let existing = meeting_remark::Entity::find()
            .filter(meeting_remark::Column::JudgeId.eq(judge_id))
            .filter(meeting_remark::Column::SiteId.eq(site_id))
            .one(db)
            .await?;
        match existing {
            Some(e) => {
                let mut am = e.into_active_model();
                if let Some(r) = remark {
                    am.remark = Set(r);
                }
                if let Some(d) = declined {
                    am.declined_reason = Set(d);
                }
                am.update(db).await?;
            }
            None => {
                meeting_remark::ActiveModel {
                    meeting_id: Set(meeting_id),
                    judge_id: Set(judge_id),
                    site_id: Set(site_id),
                    remark: Set(remark.unwrap_or_default()),
                    declined_reason: Set(declined.unwrap_or_default()),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
        Ok(())
    }

    /// A judge declines a site, with a reason (e.g. a conflict not declared before).
    pub async fn decline_site(&self, actor: &Actor, meeting_id: i64, site_id: i64, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("回避理由", "不能为空"));
        }
        let txn = self.db.begin().await?;
        let judge = self.judge_row(&txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            return Err(AppError::Rejected("评分表已提交并锁定".into()));
        }
        self.save_remark(&txn, meeting_id, judge.id, site_id, None, Some(reason.chars().take(200).collect())).await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "decline",
                entity: "meeting_site",
                entity_id: Some(site_id),
                project_id: None,
                before: None,
                after: Some(serde_json::json!({"reason": reason})),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Submits and locks a judge's sheet; every site not of the judge's own office
    /// must be fully scored or declined.
    pub async fn submit_sheet(&self, actor: &Actor, meeting_id: i64) -> Result<()> {
        let (_, sheet, submitted) = self.score_sheet(actor, meeting_id).await?;
        if submitted {
            return Ok(());
        }
        let missing: Vec<String> =
            sheet.iter().filter(|s| !s.own_office && !s.complete).map(|s| s.site.project.clone()).collect();
        if !missing.is_empty() {
            return Err(AppError::Rejected(format!("还有观摩点未评完：{}", missing.join("、"))));
        }
        let txn = self.db.begin().await?;
        let judge = self.judge_row(&txn, actor, meeting_id).await?;
        let mut am = judge.into_active_model();
        am.submitted_at = Set(Some(Utc::now()));
        let after = am.update(&txn).await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "submit",
                entity: "meeting_judge",
                entity_id: Some(after.id),
                project_id: None,
                before: None,
                after: json(&after),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Reopens one judge's locked sheet; the reason goes into the audit trail.
    pub async fn reopen_sheet(&self, actor: &Actor, meeting_id: i64, judge_id: i64, reason: &str) -> Result<()> {
        Self::require_office(actor)?;
        if reason.trim().is_empty() {
            return Err(AppError::invalid("原因", "重新开放评分表必须说明原因"));
        }
        let txn = self.db.begin().await?;
        let judge = meeting_judge::Entity::find_by_id(judge_id)
            .one(&txn)
            .await?
            .filter(|j| j.meeting_id == meeting_id)
            .ok_or(AppError::NotFound("评委"))?;
        let before = json(&judge);
        let mut am = judge.into_active_model();
        am.submitted_at = Set(None);
        am.reopened_reason = Set(reason.trim().chars().take(500).collect());
        let after = am.update(&txn).await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "reopen",
                entity: "meeting_judge",
                entity_id: Some(judge_id),
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
        let txn = self.db.begin().await?;
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

    /// Results from the submitted sheets: each judge's rubric total per site, aggregated
    /// per site, combined per office, ranked and banded.
    pub async fn meeting_results(&self, meeting_id: i64) -> Result<Results> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let view = self.meeting(meeting_id).await?;
        let judges =
            meeting_judge::Entity::find().filter(meeting_judge::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let submitted: Vec<&meeting_judge::Model> = judges.iter().filter(|j| j.submitted_at.is_some()).collect();
        let scores =
            meeting_score::Entity::find().filter(meeting_score::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let mut lines = Vec::new();
        for j in &submitted {
            for site in &view.sites {
                let entered: Vec<(String, Decimal)> = view
                    .criterion_ids
                    .iter()
                    .zip(&view.criteria)
                    .filter_map(|(cid, c)| {
                        scores
                            .iter()
                            .find(|s| s.judge_id == j.id && s.site_id == site.id && s.criterion_id == *cid)
                            .map(|s| (c.name.clone(), dec(&s.score)))
                    })
                    .collect();
                if let Ok(total) = rubric_total(&view.criteria, &entered) {
                    lines.push(ScoreLine { judge: j.username.clone(), unit: site.id.to_string(), score: total });
                }
            }
        }
        let how = Aggregation::from_code(&m.aggregate).unwrap_or(Aggregation::Mean);
        let per_site = aggregate_scores(&lines, how);
        let combination = if m.combination == "sum" { SiteCombination::Sum } else { SiteCombination::Mean };
        let mut per_office: Vec<UnitScore> = Vec::new();
        let mut office_ids: Vec<(i64, String)> = view.sites.iter().map(|s| (s.office_id, s.office.clone())).collect();
        office_ids.sort();
        office_ids.dedup();
        for (oid, name) in &office_ids {
            let site_scores: Vec<Decimal> = view
                .sites
                .iter()
                .filter(|s| s.office_id == *oid)
                .filter_map(|s| per_site.iter().find(|p| p.unit == s.id.to_string()).map(|p| p.score))
                .collect();
            if !site_scores.is_empty() {
                per_office.push(UnitScore {
                    unit: name.clone(),
                    score: unit_from_sites(&site_scores, combination),
                    votes: site_scores.len(),
                });
            }
        }
        let (excellent, good) = (dec(&m.excellent_from), dec(&m.good_from));
        let offices = ranking(&per_office)
            .into_iter()
            .map(|r: Ranked| OfficeResult {
                band: band(dec(&r.score), excellent, good),
                office: r.unit,
                score: r.score,
                rank: r.rank,
            })
            .collect();
        let mut top_sites: Vec<SiteResult> = per_site
            .iter()
            .filter_map(|p| {
                let site = view.sites.iter().find(|s| s.id.to_string() == p.unit)?;
                Some(SiteResult {
                    site_id: site.id,
                    project: site.project.clone(),
                    office: site.office.clone(),
                    score: format!("{:.2}", round2(p.score)),
                    judges: p.votes,
                })
            })
            .collect();
        top_sites.sort_by(|a, b| dec(&b.score).cmp(&dec(&a.score)));
        top_sites.truncate(10);
        Ok(Results { offices, top_sites, submitted: submitted.len(), judges: judges.len() })
    }

    /// The bulletin (通报) as a Word document, its words composed from the results.
    pub async fn meeting_bulletin(&self, meeting_id: i64) -> Result<Vec<u8>> {
        let view = self.meeting(meeting_id).await?;
        let r = self.meeting_results(meeting_id).await?;
        let date = view
            .held_on
            .map(|d| {
                format!(
                    "{}年{}月{}日",
                    chrono::Datelike::year(&d),
                    chrono::Datelike::month(&d),
                    chrono::Datelike::day(&d)
                )
            })
            .unwrap_or_default();
        let mut paragraphs = vec![format!(
            "{date}，区委、区政府组织开展了{}，{}名评委对{}个观摩点进行了现场评分。现将评比结果通报如下。",
            view.name,
            r.submitted,
            view.sites.len()
        )];
        if let (Some(first), Some(last)) = (r.offices.first(), r.offices.last()) {
            paragraphs.push(format!(
                "{}综合得分{}分，位列第一；{}得分{}分，位列末位。",
                first.office, first.score, last.office, last.score
            ));
        }
        if !r.top_sites.is_empty() {
            let names: Vec<String> =
                r.top_sites.iter().take(3).map(|s| format!("{}（{}）", s.project, s.office)).collect();
            paragraphs.push(format!("得分最高的观摩项目为：{}。", names.join("、")));
        }
        paragraphs.push(
            "希望各办事处对标先进、找准差距，以“等不起”的紧迫感、“慢不得”的危机感、“坐不住”的责任感，狠抓项目建设。"
                .into(),
        );
        let bulletin = Bulletin {
            issuer: "区项目建设指挥部办公室".into(),
            doc_number: format!("区项指办〔{}〕{}号", view.held_on.map_or(0, |d| chrono::Datelike::year(&d)), view.id),
            title: format!("关于{}评比结果的通报", view.name),
            addressees: "各办事处，区直有关部门：".into(),
            paragraphs,
            tables: vec![
                BulletinTable {
                    caption: "各办事处得分及排名".into(),
                    header: vec!["排名".into(), "办事处".into(), "得分".into(), "等次".into()],
                    rows: r
                        .offices
                        .iter()
                        .map(|o| vec![o.rank.to_string(), o.office.clone(), o.score.clone(), o.band.to_string()])
                        .collect(),
                },
                BulletinTable {
                    caption: "观摩项目得分（前十）".into(),
                    header: vec!["项目".into(), "办事处".into(), "得分".into()],
                    rows: r
                        .top_sites
                        .iter()
                        .map(|s| vec![s.project.clone(), s.office.clone(), s.score.clone()])
                        .collect(),
                },
            ],
            signature: vec!["区项目建设指挥部办公室".into(), date],
        };
        write_bulletin(&bulletin).map_err(|e| AppError::Rejected(e.to_string()))
    }
}
