//! On-site observation meetings (现场观摩评比): the plan (participating offices and
//! groups, sites proposed by offices and confirmed on a route, the scoring method,
//! judges), scoring on site, locking, results, history and the bulletin.
//!
//! - `mod.rs`: the meeting as a whole — creating it, reading it, its method, judges,
//!   comments, releasing the ranking.
//! - [`plan`](self): scope, sites and their rules, the route, formula inputs, bonus and
//!   penalty items.
//! - `scoring`: a judge's sheet — rubric scores per site, the rank ballot, declining,
//!   submitting, reopening.
//! - `results`: results by the chosen method, history across meetings, bulletin,
//!   workbook.
//!
//! Fairness is enforced here: a judge never scores or ranks their own 办事处 (the office
//! declared at invitation, else the account's office), scores are saved as they are
//! entered (re-sending the same score changes nothing), a submitted sheet is locked,
//! and only the project office can reopen it, with a reason in the audit trail.

use crate::audit::{self, Change, json};
use crate::projects::{Names, stage_of};
use crate::{Actor, App, AppError, Result};
use chrono::{Datelike, NaiveDate, Utc};
use fengkou_domain::Wan;
use fengkou_domain::observation::{
    Aggregation, Criterion, FormulaFacts, Method, ProjectKind, Ranked, ScoreLine, SiteCombination, UnitScore,
    aggregate_scores, band, check_criterion_score, formula_items, ranking_by_group, round2, rubric_total,
    unit_from_sites,
};
use fengkou_domain::project::{FieldError, Stage};
use fengkou_office::bulletin::{Bulletin, BulletinTable, Para, write_bulletin};
use fengkou_storage::entity::{
    annual_plan, industry, meeting, meeting_adjustment, meeting_comment, meeting_criterion, meeting_judge,
    meeting_office, meeting_rank, meeting_remark, meeting_score, meeting_site, office, project, user,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
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

/// The category of industries whose projects count as industrial (产业项目).
const INDUSTRIAL: &str = "产业项目";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn shown(d: Decimal) -> String {
    d.normalize().to_string()
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
    pub industrial: bool,
    pub stage_label: &'static str,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub completed: Wan,
    pub latest_progress: String,
    pub latest_problems: String,
    /// Photos attached to the latest report (ids), for the judge on site.
    pub photo_ids: Vec<i64>,
    /// proposed | confirmed
    pub status: String,
    pub proposed_by: String,
    pub concentrated_start: bool,
    pub penalty: String,
    pub penalty_reason: String,
    /// The points formula item by item, and its total.
    pub formula_items: Vec<(String, String)>,
    pub formula_total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct JudgeView {
    pub id: i64,
    pub username: String,
    pub own_office: Option<String>,
    pub submitted: bool,
    pub scored: usize,
    pub ranked: usize,
    pub reopened_reason: String,
}

/// An office and whether (and in which group) it takes part.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeOffice {
    pub id: i64,
    pub name: String,
    pub taking_part: bool,
    pub group: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdjustmentView {
    pub id: i64,
    pub office: String,
    pub points: String,
    pub reason: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub id: i64,
    pub name: String,
    pub held_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub method: String,
    pub method_label: &'static str,
    pub aggregate: String,
    pub combination: String,
    pub rank_step: String,
    pub weight_rubric: String,
    pub weight_rank: String,
    pub weight_formula: String,
    /// Whether judges score sites on the rubric, and whether they rank the offices.
    pub needs_rubric: bool,
    pub needs_rank: bool,
    pub excellent_from: String,
    pub good_from: String,
    pub released: bool,
    pub criteria: Vec<Criterion>,
    pub criterion_ids: Vec<i64>,
    pub offices: Vec<ScopeOffice>,
    pub has_groups: bool,
    /// The route: confirmed sites in visiting order.
    pub sites: Vec<SiteView>,
    /// Sites proposed by offices, waiting for the project office.
    pub proposals: Vec<SiteView>,
    pub judges: Vec<JudgeView>,
    pub adjustments: Vec<AdjustmentView>,
    /// Plan rules that are not met, explained.
    pub plan_warnings: Vec<String>,
}

impl MeetingView {
    fn method(&self) -> Method {
        Method::from_code(&self.method).unwrap_or(Method::Rubric)
    }

    /// Offices taking part, with their groups.
    pub fn participants(&self) -> impl Iterator<Item = &ScopeOffice> {
        self.offices.iter().filter(|o| o.taking_part)
    }
}

/// A leader's comment, on a site (its project) or on an office.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    /// The project's name for a site comment; empty for an office comment.
    pub project: String,
    pub office: String,
    pub leader: String,
    pub body: String,
}

/// How a meeting is scored, as the project office sets it.
#[derive(Debug, Clone)]
pub struct MethodSettings {
    pub method: String,
    pub aggregate: String,
    pub combination: String,
    pub rank_step: String,
    pub weight_rubric: String,
    pub weight_rank: String,
    pub weight_formula: String,
    pub excellent_from: String,
    pub good_from: String,
}

/// A meeting in the list.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingSummary {
    pub id: i64,
    pub name: String,
    pub held_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub method_label: &'static str,
    pub released: bool,
}

impl App {
    fn require_office(actor: &Actor) -> Result<()> {
        if actor.can_manage_pipeline() {
            Ok(())
        } else {
            Err(AppError::forbidden("只有项目办可以组织观摩评比"))
        }
    }

    pub async fn meetings(&self) -> Result<Vec<MeetingSummary>> {
        Ok(meeting::Entity::find()
            .order_by_desc(meeting::Column::HeldOn)
            .order_by_desc(meeting::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| MeetingSummary {
                id: m.id,
                method_label: Method::from_code(&m.method).unwrap_or(Method::Rubric).label(),
                name: m.name,
                held_on: m.held_on,
                ends_on: m.ends_on,
                released: m.released,
            })
            .collect())
    }

    /// Creates a one-day meeting (see [`App::create_meeting_spanning`]).
    pub async fn create_meeting(&self, actor: &Actor, name: &str, held_on: NaiveDate) -> Result<i64> {
        self.create_meeting_spanning(actor, name, held_on, None).await
    }

    /// Creates a meeting held from `held_on` to `ends_on` (a tour often takes a day
    /// and a half), with the default rubric; every office takes part, ungrouped, until
    /// the project office says otherwise.
    pub async fn create_meeting_spanning(
        &self,
        actor: &Actor,
        name: &str,
        held_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    ) -> Result<i64> {
        Self::require_office(actor)?;
        let (name, ends_on) = check_name_and_dates(name, held_on, ends_on)?;
        let txn = self.writer.begin().await?;
        let saved = meeting::ActiveModel {
            name: Set(name.to_string()),
            held_on: Set(Some(held_on)),
            ends_on: Set(ends_on),
            aggregate: Set("mean".into()),
            combination: Set("mean".into()),
            excellent_from: Set("90".into()),
            good_from: Set("80".into()),
            released: Set(false),
            created_by: Set(actor.username.clone()),
            created_at: Set(Utc::now()),
            method: Set(Method::Rubric.code().into()),
            rank_step: Set("3".into()),
            weight_rubric: Set("70".into()),
            weight_rank: Set("0".into()),
            weight_formula: Set("30".into()),
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
        for o in office::Entity::find().all(&txn).await? {
            meeting_office::ActiveModel {
                meeting_id: Set(saved.id),
                office_id: Set(o.id),
                group_name: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        audit::created(&txn, &actor.username, "meeting", saved.id, None, &saved).await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    /// Renames a meeting or moves its dates (the same checks as at creation).
    pub async fn update_meeting(
        &self,
        actor: &Actor,
        meeting_id: i64,
        name: &str,
        held_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    ) -> Result<()> {
        Self::require_office(actor)?;
        let (name, ends_on) = check_name_and_dates(name, held_on, ends_on)?;
        let txn = self.writer.begin().await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        let before = json(&m);
        let mut am = m.into_active_model();
        am.name = Set(name.to_string());
        am.held_on = Set(Some(held_on));
        am.ends_on = Set(ends_on);
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

    /// Withdraws an invitation, while the judge has entered nothing.
    pub async fn remove_judge(&self, actor: &Actor, meeting_id: i64, judge_id: i64) -> Result<()> {
        Self::require_office(actor)?;
        let txn = self.writer.begin().await?;
        let judge = meeting_judge::Entity::find_by_id(judge_id)
            .one(&txn)
            .await?
            .filter(|j| j.meeting_id == meeting_id)
            .ok_or(AppError::NotFound("评委"))?;
        let scored =
            meeting_score::Entity::find().filter(meeting_score::Column::JudgeId.eq(judge_id)).one(&txn).await?;
        let ranked = meeting_rank::Entity::find().filter(meeting_rank::Column::JudgeId.eq(judge_id)).one(&txn).await?;
        if scored.is_some() || ranked.is_some() || judge.submitted_at.is_some() {
            return Err(AppError::Rejected(format!("{} 已经评分，不能取消邀请", judge.username)));
        }
        meeting_remark::Entity::delete_many().filter(meeting_remark::Column::JudgeId.eq(judge_id)).exec(&txn).await?;
        meeting_judge::Entity::delete_by_id(judge_id).exec(&txn).await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "delete",
                entity: "meeting_judge",
                entity_id: Some(judge_id),
                project_id: None,
                before: json(&judge),
                after: None,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn meeting_row<C: ConnectionTrait>(&self, db: &C, id: i64) -> Result<meeting::Model> {
        meeting::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("观摩活动"))
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

    /// Every site of the meeting (proposed and confirmed) with its project's facts for
    /// the meeting's year and its points-formula breakdown.
    async fn site_views(&self, m: &meeting::Model) -> Result<Vec<SiteView>> {
        use fengkou_storage::entity::{photo, report};
        let sites = meeting_site::Entity::find()
            .filter(meeting_site::Column::MeetingId.eq(m.id))
            .order_by_asc(meeting_site::Column::Seq)
            .order_by_asc(meeting_site::Column::Id)
            .all(&self.db)
            .await?;
        let names = Names::load(&self.db).await?;
        let industrial: Vec<i64> = industry::Entity::find()
            .filter(industry::Column::Category.eq(INDUSTRIAL))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let categories: HashMap<i64, String> =
            industry::Entity::find().all(&self.db).await?.into_iter().map(|i| (i.id, i.category)).collect();
        let project_ids: Vec<i64> = sites.iter().map(|s| s.project_id).collect();
        let projects: HashMap<i64, project::Model> = project::Entity::find()
            .filter(project::Column::Id.is_in(project_ids.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let year = m.held_on.unwrap_or_else(|| self.today()).year();
        let plans: HashMap<i64, (i64, i64)> = annual_plan::Entity::find()
            .filter(annual_plan::Column::Year.eq(year))
            .filter(annual_plan::Column::ProjectId.is_in(project_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.project_id, (a.amount, a.completed)))
            .collect();
        let mut out = Vec::new();
        for s in sites {
            let Some(p) = projects.get(&s.project_id) else { continue };
            let latest = report::Entity::find()
                .filter(report::Column::ProjectId.eq(p.id))
                .order_by_desc(report::Column::Year)
                .order_by_desc(report::Column::Month)
                .one(&self.db)
                .await?;
            let photo_ids = match &latest {
                Some(r) => photo::Entity::find()
                    .filter(photo::Column::ReportId.eq(r.id))
                    .order_by_asc(photo::Column::Id)
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|ph| ph.id)
                    .take(4)
                    .collect(),
                None => Vec::new(),
            };
            let (plan, done) = plans.get(&p.id).copied().unwrap_or_default();
            let stage = stage_of(p);
            let kind = match categories.get(&p.industry_id).map(String::as_str) {
                Some(INDUSTRIAL) => ProjectKind::Industrial,
                Some(c) if c.contains("民生") => ProjectKind::Social,
                _ => ProjectKind::Functional,
            };
            let facts = FormulaFacts {
                new_start: p.actual_start.is_some_and(|d| d.year() == year),
                annual_plan_wan: Decimal::new(plan, 4),
                kind,
                completed_wan: Decimal::new(done, 4),
                in_production: stage >= Stage::Producing,
                at_concentrated_start: s.concentrated_start,
                penalties: dec(&s.penalty),
            };
            let items = formula_items(&facts);
            out.push(SiteView {
                id: s.id,
                seq: s.seq,
                visit_time: s.visit_time,
                project_id: p.id,
                project: p.name.clone(),
                office_id: s.office_id,
                office: names.office(s.office_id),
                industry: names.industry(p.industry_id),
                industrial: industrial.contains(&p.industry_id),
                stage_label: stage.label(),
                total_investment: Wan::from_yuan(p.total_investment),
                annual_plan: Wan::from_yuan(plan),
                completed: Wan::from_yuan(done),
                latest_progress: latest.as_ref().map(|r| r.progress.clone()).unwrap_or_default(),
                latest_problems: latest.as_ref().map(|r| r.problems.clone()).unwrap_or_default(),
                photo_ids,
                status: s.status,
                proposed_by: s.proposed_by,
                concentrated_start: s.concentrated_start,
                penalty: s.penalty,
                penalty_reason: s.penalty_reason,
                formula_total: shown(round2(items.iter().map(|(_, v)| *v).sum())),
                formula_items: items.into_iter().map(|(l, v)| (l.to_string(), shown(round2(v)))).collect(),
            });
        }
        Ok(out)
    }

    /// Every office, marked with whether (and in which group) it takes part.
    async fn scope_offices(&self, meeting_id: i64) -> Result<Vec<ScopeOffice>> {
        let scope: HashMap<i64, String> = meeting_office::Entity::find()
            .filter(meeting_office::Column::MeetingId.eq(meeting_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.office_id, o.group_name))
            .collect();
        Ok(self
            .offices()
            .await?
            .into_iter()
            .map(|o| ScopeOffice {
                taking_part: scope.contains_key(&o.id),
                group: scope.get(&o.id).cloned().unwrap_or_default(),
                id: o.id,
                name: o.name,
            })
            .collect())
    }

    pub async fn meeting(&self, meeting_id: i64) -> Result<MeetingView> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let criteria_rows = self.criteria(meeting_id).await?;
        let (sites, proposals): (Vec<SiteView>, Vec<SiteView>) =
            self.site_views(&m).await?.into_iter().partition(|s| s.status == "confirmed");
        let offices = self.scope_offices(meeting_id).await?;
        let office_name: HashMap<i64, String> = offices.iter().map(|o| (o.id, o.name.clone())).collect();
        // Counted in the database: a meeting of 200 judges holds thousands of scores.
        let scored: HashMap<i64, i64> = meeting_score::Entity::find()
            .select_only()
            .column(meeting_score::Column::JudgeId)
            .column_as(meeting_score::Column::Id.count(), "n")
            .filter(meeting_score::Column::MeetingId.eq(meeting_id))
            .group_by(meeting_score::Column::JudgeId)
            .into_tuple()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let ranked: HashMap<i64, i64> = meeting_rank::Entity::find()
            .select_only()
            .column(meeting_rank::Column::JudgeId)
            .column_as(meeting_rank::Column::Id.count(), "n")
            .filter(meeting_rank::Column::MeetingId.eq(meeting_id))
            .group_by(meeting_rank::Column::JudgeId)
            .into_tuple()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let judges = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_judge::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|j| JudgeView {
                id: j.id,
                scored: scored.get(&j.id).copied().unwrap_or_default() as usize,
                ranked: ranked.get(&j.id).copied().unwrap_or_default() as usize,
                own_office: j.own_office_id.and_then(|o| office_name.get(&o).cloned()),
                username: j.username,
                submitted: j.submitted_at.is_some(),
                reopened_reason: j.reopened_reason,
            })
            .collect();
        let adjustments = meeting_adjustment::Entity::find()
            .filter(meeting_adjustment::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_adjustment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| AdjustmentView {
                id: a.id,
                office: office_name.get(&a.office_id).cloned().unwrap_or_default(),
                points: a.points,
                reason: a.reason,
                by: a.created_by,
            })
            .collect();
        let method = Method::from_code(&m.method).unwrap_or(Method::Rubric);
        let (needs_rubric, needs_rank) = method.needs(dec(&m.weight_rubric), dec(&m.weight_rank));
        let plan_warnings = plan_warnings(&offices, &sites, &proposals);
        Ok(MeetingView {
            id: m.id,
            name: m.name,
            held_on: m.held_on,
            ends_on: m.ends_on,
            method: method.code().into(),
            method_label: method.label(),
            aggregate: m.aggregate,
            combination: m.combination,
            rank_step: m.rank_step,
            weight_rubric: m.weight_rubric,
            weight_rank: m.weight_rank,
            weight_formula: m.weight_formula,
            needs_rubric,
            needs_rank,
            excellent_from: m.excellent_from,
            good_from: m.good_from,
            released: m.released,
            criterion_ids: criteria_rows.iter().map(|c| c.id).collect(),
            criteria: criteria_rows
                .iter()
                .map(|c| Criterion { name: c.name.clone(), weight: dec(&c.weight), max: dec(&c.max) })
                .collect(),
            has_groups: offices.iter().any(|o| o.taking_part && !o.group.is_empty()),
            offices,
            sites,
            proposals,
            judges,
            adjustments,
            plan_warnings,
        })
    }

    /// Leaders' comments (点评): on the route's projects since the meeting was set up,
    /// and on the offices at this meeting; newest first.
    pub async fn meeting_comments(&self, meeting_id: i64) -> Result<Vec<CommentView>> {
        use fengkou_storage::entity::comment;
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let sites = self.site_views(&m).await?;
        let on_sites = comment::Entity::find()
            .filter(comment::Column::ProjectId.is_in(sites.iter().map(|s| s.project_id)))
            .filter(comment::Column::CreatedAt.gte(m.created_at))
            .all(&self.db)
            .await?;
        let on_offices = meeting_comment::Entity::find()
            .filter(meeting_comment::Column::MeetingId.eq(meeting_id))
            .all(&self.db)
            .await?;
        let names = Names::load(&self.db).await?;
        // Comments are signed with the leader's display name where there is one.
        let signed: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::DisplayName.ne(""))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        let signature = |username: String| signed.get(&username).cloned().unwrap_or(username);
        let mut all: Vec<(chrono::DateTime<Utc>, CommentView)> = on_sites
            .into_iter()
            .filter_map(|c| {
                let site = sites.iter().find(|s| s.project_id == c.project_id)?;
                let view = CommentView {
                    project: site.project.clone(),
                    office: site.office.clone(),
                    leader: signature(c.username),
                    body: c.body,
                };
                Some((c.created_at, view))
            })
            .chain(on_offices.into_iter().map(|c| {
                let view = CommentView {
                    project: String::new(),
                    office: names.office(c.office_id),
                    leader: signature(c.username),
                    body: c.body,
                };
                (c.created_at, view)
            }))
            .collect();
        all.sort_by_key(|c| std::cmp::Reverse(c.0));
        Ok(all.into_iter().map(|(_, c)| c).collect())
    }

    /// A leader's comment on an office's showing at this meeting.
    pub async fn comment_on_office(&self, actor: &Actor, meeting_id: i64, office_id: i64, body: &str) -> Result<()> {
        if !actor.can_comment() {
            return Err(AppError::forbidden("只有领导和项目办可以点评"));
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 2000 {
            return Err(AppError::invalid("点评内容", "须为1到2000个字"));
        }
        let txn = self.writer.begin().await?;
        self.meeting_row(&txn, meeting_id).await?;
        office::Entity::find_by_id(office_id).one(&txn).await?.ok_or(AppError::NotFound("办事处"))?;
        let saved = meeting_comment::ActiveModel {
            meeting_id: Set(meeting_id),
            office_id: Set(office_id),
            username: Set(actor.username.clone()),
            body: Set(body.to_string()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::created(&txn, &actor.username, "meeting_comment", saved.id, None, &saved).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The scoring method, how scores are aggregated (mean / trimmed / zscore), how a
    /// unit's sites combine (mean / sum), the rank-ballot step, the composite's weights
    /// and the band cut-offs. Every problem is reported at once; nothing is saved
    /// unless all are right.
    pub async fn set_meeting_method(&self, actor: &Actor, meeting_id: i64, s: &MethodSettings) -> Result<()> {
        Self::require_office(actor)?;
        let mut problems = Vec::new();
        let mut number = |field: &'static str, value: &str| match Decimal::from_str(value.trim()) {
            Ok(d) if d >= Decimal::ZERO && d <= Decimal::from(1000) => d,
            _ => {
                problems.push(FieldError::new(field, format!("“{}”不是0到1000之间的数", value.trim())));
                Decimal::ZERO
            }
        };
        let step = number("名次分差", &s.rank_step);
        let (w_rubric, w_rank, w_formula) = (
            number("评委打分权重", &s.weight_rubric),
            number("排名投票权重", &s.weight_rank),
            number("积分公式权重", &s.weight_formula),
        );
        let (excellent, good) = (number("优秀线", &s.excellent_from), number("良好线", &s.good_from));
        let method = Method::from_code(&s.method);
        if method.is_none() {
            problems.push(FieldError::new("评比方法", "须为 评委打分、排名投票、积分公式 或 综合"));
        }
        if Aggregation::from_code(&s.aggregate).is_none() {
            problems.push(FieldError::new("汇总方法", "须为 平均、去掉最高最低 或 标准分"));
        }
        if !matches!(s.combination.as_str(), "mean" | "sum") {
            problems.push(FieldError::new("办事处得分", "须为 平均 或 合计"));
        }
        if step <= Decimal::ZERO || step > Decimal::from(10) {
            problems.push(FieldError::new("名次分差", "须大于0且不超过10（常用3）"));
        }
        if method == Some(Method::Composite) && (w_rubric + w_rank + w_formula).is_zero() {
            problems.push(FieldError::new("综合权重", "至少一项权重须大于0"));
        }
        if !(good > Decimal::ZERO && excellent > good) {
            problems.push(FieldError::new("等次", "优秀线须高于良好线，且都大于0"));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let txn = self.writer.begin().await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        let judged = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::SubmittedAt.is_not_null())
            .one(&txn)
            .await?;
        if judged.is_some() && m.method != s.method {
            return Err(AppError::Rejected(
                "已有评委提交评分表，不能再更换评比方法（汇总方式和等次线仍可调整）".into(),
            ));
        }
        let before = json(&m);
        let mut am = m.into_active_model();
        am.method = Set(s.method.clone());
        am.aggregate = Set(s.aggregate.clone());
        am.combination = Set(s.combination.clone());
        am.rank_step = Set(shown(step));
        am.weight_rubric = Set(shown(w_rubric));
        am.weight_rank = Set(shown(w_rank));
        am.weight_formula = Set(shown(w_formula));
        am.excellent_from = Set(shown(excellent));
        am.good_from = Set(shown(good));
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

/// A meeting's name (1–100 characters) and dates (a one-day meeting has no end date;
/// at most fifteen days), checked together.
fn check_name_and_dates(
    name: &str,
    held_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> Result<(&str, Option<NaiveDate>)> {
    let name = name.trim();
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(FieldError::new("名称", "须为1到100个字"));
    }
    let ends_on = ends_on.filter(|e| *e != held_on);
    if let Some(e) = ends_on
        && (e < held_on || (e - held_on).num_days() > 14)
    {
        problems.push(FieldError::new("结束日期", "须在开始日期之后，且全程不超过15天"));
    }
    if problems.is_empty() { Ok((name, ends_on)) } else { Err(AppError::Invalid(problems)) }
}

/// The plan's soft rules, explained: each participating office shows at least one
/// industrial project; offices taking part without any site; proposals waiting.
fn plan_warnings(offices: &[ScopeOffice], sites: &[SiteView], proposals: &[SiteView]) -> Vec<String> {
    let mut warnings = Vec::new();
    for o in offices.iter().filter(|o| o.taking_part) {
        let own: Vec<&SiteView> = sites.iter().filter(|s| s.office_id == o.id).collect();
        if own.is_empty() {
            warnings.push(format!("{}尚无确认的观摩点", o.name));
        } else if !own.iter().any(|s| s.industrial) {
            warnings.push(format!("{}没有安排产业项目（每个办事处至少应有一个产业项目）", o.name));
        }
    }
    if !proposals.is_empty() {
        warnings.push(format!("有{}个办事处申报的观摩点待项目办确认", proposals.len()));
    }
    warnings
}

pub mod plan;
mod results;
pub mod scoring;

pub use plan::{CriterionLine, RouteLine, ScopeLine};
pub use results::{Ballots, History, OfficeResult, Results, SiteResult};
pub use scoring::{JudgeSheet, RankRow, SheetSite};
