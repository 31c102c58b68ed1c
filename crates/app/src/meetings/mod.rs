//! On-site observation meetings (现场观摩评比): the plan (participating offices and
//! groups, sites proposed by offices and confirmed on a route, the scoring method,
//! judges), scoring on site, locking, results, history and the bulletin.
//!
//! - `mod.rs`: the meeting as a whole — creating and renaming it, its method, judges,
//!   comments, releasing the ranking.
//! - [`plan`](self): scope, sites and their rules, the route, formula inputs, bonus and
//!   penalty items.
//! - `view`: reading a meeting — the list, the plan as one view, the comments.
//! - `scoring`: a judge's sheet — rubric scores per site, the rank ballot, declining,
//!   submitting, reopening.
//! - `results`: results by the chosen method, history across meetings, bulletin,
//!   workbook.
//!
//! Fairness is enforced here: a judge never scores or ranks their own 办事处 (the office
//! declared at invitation, else the account's office), scores are saved as they are
//! entered (re-sending the same score changes nothing), a submitted sheet is locked,
//! and only the project office can reopen it, with a reason in the audit trail.

use crate::audit::{Change, json};
use crate::rows::{Names, stage_of};
use crate::{Actor, AppError, Result};
use chrono::{Datelike, NaiveDate, Utc};
use fengkou_domain::Permit;
use fengkou_domain::Wan;
use fengkou_domain::observation::{
    Aggregation, Criterion, FormulaFacts, Method, ProjectKind, Ranked, ScoreLine, SiteCombination, StartKind,
    UnitScore, aggregate_scores, check_criterion_score, formula_items, ranking_by_group, round2, rubric_total,
    unit_from_sites,
};
use fengkou_domain::observation::{BandMode, SiteStatus};
use fengkou_domain::project::{FieldError, Stage};
use fengkou_office::bulletin::{Bulletin, BulletinTable, Para, write_bulletin};
use fengkou_storage::entity::{
    annual_plan, industry, meeting, meeting_adjustment, meeting_comment, meeting_criterion, meeting_judge,
    meeting_office, meeting_rank, meeting_release, meeting_remark, meeting_score, meeting_site, office, project, user,
};
use fengkou_storage::value::Exact;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
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

/// A decimal as people write it: "2.5", not "2.50".
fn shown(d: Decimal) -> String {
    d.normalize().to_string()
}

fn exact(d: i64) -> Exact {
    Exact(Decimal::from(d))
}

/// How a meeting is scored, as the project office sets it.
#[derive(Debug, Clone, Default)]
pub struct MethodSettings {
    pub method: String,
    pub aggregate: String,
    pub combination: String,
    pub rank_step: String,
    pub weight_rubric: String,
    pub weight_rank: String,
    pub weight_formula: String,
    /// score (cut-offs) | share (top shares of the ranking); empty: by the method
    /// (cut-offs for the rubric, shares otherwise).
    pub band_mode: String,
    pub excellent_from: String,
    pub good_from: String,
    pub excellent_share: String,
    pub good_share: String,
}

/// Whether a judge must stay out of an office's sites and ranking: their own office,
/// and any office they declared a conflict with.
pub(crate) fn conflicts(judge: &meeting_judge::Model, office_id: i64) -> bool {
    judge.own_office_id == Some(office_id) || judge.declared_office_id == Some(office_id)
}

/// How a meeting bands its offices: as chosen, or ("auto") by its method — cut-offs
/// for the rubric's 0–100 marks, shares of the ranking for ballots and formula points.
pub(crate) fn banding_of(m: &meeting::Model) -> fengkou_domain::observation::Banding {
    use fengkou_domain::observation::Banding;
    let by_shares = match *m.band_mode {
        BandMode::Share => true,
        BandMode::Score => false,
        BandMode::Auto => *m.method != Method::Rubric,
    };
    if by_shares {
        Banding::Shares { excellent: *m.excellent_share, good: *m.good_share }
    } else {
        Banding::Scores { excellent: *m.excellent_from, good: *m.good_from }
    }
}

/// The plan, the method and the dates of a released meeting are what was published:
/// they stay. A correction changes ballots, bonus/penalty items or formula inputs.
pub(crate) fn not_released(m: &meeting::Model) -> Result<()> {
    if m.released {
        return Err(MeetingError::Released.into());
    }
    Ok(())
}

impl Meetings<'_> {
    fn require_office(actor: &Actor) -> Result<Permit> {
        Ok(actor.permit(actor.can_manage_pipeline(), "只有项目办可以组织观摩评比")?)
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
        let permit = Self::require_office(actor)?;
        let (name, ends_on) = check_name_and_dates(name, held_on, ends_on)?;
        let mut txn = self.write(permit).await?;
        let doc_number = next_doc_number(&txn, DEFAULT_DOC_PREFIX, held_on.year(), None).await?;
        let saved = meeting::ActiveModel {
            name: Set(name.to_string()),
            held_on: Set(Some(held_on)),
            ends_on: Set(ends_on),
            aggregate: Set(Aggregation::Mean.into()),
            combination: Set(SiteCombination::Mean.into()),
            excellent_from: Set(exact(90)),
            good_from: Set(exact(80)),
            released: Set(false),
            created_by: Set(actor.username.clone()),
            created_at: Set(txn.now()),
            method: Set(Method::Rubric.into()),
            rank_step: Set(exact(3)),
            weight_rubric: Set(exact(70)),
            weight_rank: Set(exact(0)),
            weight_formula: Set(exact(30)),
            doc_prefix: Set(DEFAULT_DOC_PREFIX.into()),
            doc_number: Set(Some(doc_number)),
            band_mode: Set(BandMode::Auto.into()),
            excellent_share: Set(exact(30)),
            good_share: Set(exact(40)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (seq, (criterion, weight)) in DEFAULT_RUBRIC.iter().enumerate() {
            meeting_criterion::ActiveModel {
                meeting_id: Set(saved.id),
                name: Set(criterion.to_string()),
                weight: Set(exact(*weight)),
                max: Set(exact(*weight)),
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
        txn.created("meeting", saved.id, None, &saved);
        txn.commit().await?;
        self.meeting_changed();
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
        let permit = Self::require_office(actor)?;
        let (name, ends_on) = check_name_and_dates(name, held_on, ends_on)?;
        let mut txn = self.write(permit).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        not_released(&m)?;
        let before = json(&m);
        let mut am = m.into_active_model();
        am.name = Set(name.to_string());
        am.held_on = Set(Some(held_on));
        am.ends_on = Set(ends_on);
        let after = am.update(&txn).await?;
        txn.updated("meeting", meeting_id, None, before, &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Withdraws an invitation, while the judge has entered nothing.
    pub async fn remove_judge(&self, actor: &Actor, meeting_id: i64, judge_id: i64) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let mut txn = self.write(permit).await?;
        let judge = meeting_judge::Entity::find_by_id(judge_id)
            .one(&txn)
            .await?
            .filter(|j| j.meeting_id == meeting_id)
            .ok_or(AppError::NotFound("评委"))?;
        let scored =
            meeting_score::Entity::find().filter(meeting_score::Column::JudgeId.eq(judge_id)).one(&txn).await?;
        let ranked = meeting_rank::Entity::find().filter(meeting_rank::Column::JudgeId.eq(judge_id)).one(&txn).await?;
        if scored.is_some() || ranked.is_some() || judge.submitted_at.is_some() {
            return Err(MeetingError::JudgeHasScored { judge: judge.username }.into());
        }
        meeting_remark::Entity::delete_many().filter(meeting_remark::Column::JudgeId.eq(judge_id)).exec(&txn).await?;
        meeting_judge::Entity::delete_by_id(judge_id).exec(&txn).await?;
        txn.deleted("meeting_judge", judge_id, None, &judge);
        txn.commit().await?;
        self.meeting_changed();
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
        let permit = Self::require_office(actor)?;
        let mut txn = self.write(permit).await?;
        self.meeting_row(&txn, meeting_id).await?;
        let u = user::Entity::find()
            .filter(user::Column::Username.eq(username.trim()))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("用户"))?;
        // A declared conflict is added to the judge's own office, never replaces it.
        let declared = match declared_office.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => Some(
                office::Entity::find()
                    .filter(office::Column::Name.eq(name))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| AppError::invalid("回避办事处", format!("没有名为“{name}”的办事处")))?
                    .id,
            ),
            None => None,
        }
        .filter(|d| Some(*d) != u.office_id);
        if meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::UserId.eq(u.id))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(MeetingError::AlreadyJudge { judge: u.username }.into());
        }
        let saved = meeting_judge::ActiveModel {
            meeting_id: Set(meeting_id),
            user_id: Set(u.id),
            username: Set(u.username.clone()),
            own_office_id: Set(u.office_id),
            declared_office_id: Set(declared),
            submitted_at: Set(None),
            reopened_reason: Set(String::new()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("meeting_judge", saved.id, None, &saved);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// A leader's comment on an office's showing at this meeting.
    pub async fn comment_on_office(&self, actor: &Actor, meeting_id: i64, office_id: i64, body: &str) -> Result<()> {
        let permit = actor.permit(actor.can_comment(), "只有领导和项目办可以点评")?;
        let body = crate::text::comment_body(body)?;
        let mut txn = self.write(permit).await?;
        self.meeting_row(&txn, meeting_id).await?;
        office::Entity::find_by_id(office_id).one(&txn).await?.ok_or(AppError::NotFound("办事处"))?;
        let saved = meeting_comment::ActiveModel {
            meeting_id: Set(meeting_id),
            office_id: Set(office_id),
            username: Set(actor.username.clone()),
            body: Set(body.to_string()),
            created_at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("meeting_comment", saved.id, None, &saved);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// The scoring method, how scores are aggregated (mean / trimmed / zscore), how a
    /// unit's sites combine (mean / sum), the rank-ballot step, the composite's weights
    /// and the band cut-offs. Every problem is reported at once; nothing is saved
    /// unless all are right.
    pub async fn set_meeting_method(&self, actor: &Actor, meeting_id: i64, s: &MethodSettings) -> Result<()> {
        let permit = Self::require_office(actor)?;
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
        let or_default = |v: &str, d: &'static str| if v.trim().is_empty() { d.to_string() } else { v.to_string() };
        let (excellent_share, good_share) = (
            number("优秀比例", &or_default(&s.excellent_share, "30")),
            number("良好比例", &or_default(&s.good_share, "40")),
        );
        let method = Method::from_code(&s.method);
        // Without a choice, bands fit the method: cut-offs for the rubric's 0–100
        // marks, shares of the ranking for ballots and formula points.
        let band_mode = if s.band_mode.is_empty() { Some(BandMode::Auto) } else { BandMode::from_code(&s.band_mode) };
        if band_mode.is_none() {
            problems.push(FieldError::new("等次划分", "须为 自动、按分数线 或 按名次比例"));
        }
        let band_mode = band_mode.unwrap_or(BandMode::Auto);
        let by_score = band_mode == BandMode::Score || (band_mode == BandMode::Auto && method == Some(Method::Rubric));
        if method.is_none() {
            problems.push(FieldError::new("评比方法", "须为 评委打分、排名投票、积分公式 或 综合"));
        }
        let aggregate = Aggregation::from_code(&s.aggregate);
        if aggregate.is_none() {
            problems.push(FieldError::new("汇总方法", "须为 平均、去掉最高最低 或 标准分"));
        }
        let combination = SiteCombination::from_code(&s.combination);
        if combination.is_none() {
            problems.push(FieldError::new("办事处得分", "须为 平均 或 合计"));
        }
        if step <= Decimal::ZERO || step > Decimal::from(10) {
            problems.push(FieldError::new("名次分差", "须大于0且不超过10（常用3）"));
        }
        if method == Some(Method::Composite) && (w_rubric + w_rank + w_formula).is_zero() {
            problems.push(FieldError::new("综合权重", "至少一项权重须大于0"));
        }
        if by_score && !(good > Decimal::ZERO && excellent > good) {
            problems.push(FieldError::new("等次", "优秀线须高于良好线，且都大于0"));
        }
        let shares_fit = excellent_share > Decimal::ZERO && excellent_share + good_share <= Decimal::ONE_HUNDRED;
        if !by_score && !shares_fit {
            problems.push(FieldError::new("等次", "优秀比例须大于0，优秀与良好比例合计不超过100%"));
        }
        let (Some(method), Some(aggregate), Some(combination), true) =
            (method, aggregate, combination, problems.is_empty())
        else {
            return Err(AppError::Invalid(problems));
        };
        let mut txn = self.write(permit).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        not_released(&m)?;
        let judged = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::SubmittedAt.is_not_null())
            .one(&txn)
            .await?;
        if judged.is_some() && m.method != method {
            return Err(MeetingError::MethodFixedBySubmittedSheets.into());
        }
        let before = json(&m);
        let mut am = m.into_active_model();
        am.method = Set(method.into());
        am.aggregate = Set(aggregate.into());
        am.combination = Set(combination.into());
        am.rank_step = Set(step.into());
        am.weight_rubric = Set(w_rubric.into());
        am.weight_rank = Set(w_rank.into());
        am.weight_formula = Set(w_formula.into());
        am.excellent_from = Set(excellent.into());
        am.good_from = Set(good.into());
        am.band_mode = Set(band_mode.into());
        am.excellent_share = Set(excellent_share.into());
        am.good_share = Set(good_share.into());
        let after = am.update(&txn).await?;
        txn.updated("meeting", meeting_id, None, before, &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Publishes the results: the ranking, each office's parts, the top sites, the
    /// bands, the bulletin and the workbook are frozen as version 1; nothing later
    /// (reports, edits, settings) changes them. Every invited judge must have
    /// submitted, or the early release needs a reason. Once released, publishing again
    /// is a correction: a new version, with its reason, shown as such.
    pub async fn release_results(&self, actor: &Actor, meeting_id: i64, reason: &str) -> Result<i32> {
        let permit = Self::require_office(actor)?;
        let reason = reason.trim();
        if reason.chars().count() > 500 || reason.chars().any(|c| c.is_control() && c != '\n') {
            return Err(AppError::invalid("原因", "不超过500个字"));
        }
        let view = self.meeting(meeting_id).await?;
        let previous = self.latest_release(meeting_id).await?;
        let mut results = self.live_results(meeting_id).await?;
        let waiting: Vec<&str> = view.judges.iter().filter(|j| !j.submitted).map(|j| j.display_name.as_str()).collect();
        match &previous {
            None if !waiting.is_empty() && reason.is_empty() => {
                return Err(MeetingError::JudgesWaiting {
                    waiting: waiting.iter().map(ToString::to_string).collect(),
                    total: view.judges.len(),
                }
                .into());
            }
            Some(_) if reason.is_empty() => {
                return Err(AppError::invalid("更正原因", "结果已发布；发布更正版须写明原因"));
            }
            Some(p) => {
                let published: Results = serde_json::from_str(&p.snapshot).map_err(|e| {
                    MeetingError::PublishedUnreadable { meeting: meeting_id, version: p.version, reason: e.to_string() }
                })?;
                if serde_json::to_value(&published.offices).ok() == serde_json::to_value(&results.offices).ok()
                    && serde_json::to_value(&published.top_sites).ok() == serde_json::to_value(&results.top_sites).ok()
                {
                    return Err(MeetingError::CorrectionUnchanged.into());
                }
            }
            None => {}
        }
        let version = previous.as_ref().map_or(1, |p| p.version + 1);
        let now = self.now();
        let mut versions: Vec<(i32, chrono::DateTime<Utc>, String)> = meeting_release::Entity::find()
            .filter(meeting_release::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_release::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| (v.version, v.released_at, v.reason))
            .collect();
        versions.push((version, now, reason.to_string()));
        results.published = Some(Publication {
            version,
            released_at: now,
            released_by: actor.username.clone(),
            reason: reason.to_string(),
            versions,
        });
        let mark = if version > 1 { format!("更正稿（第{version}版）") } else { String::new() };
        let bulletin = self.compose_bulletin(&view, &results, &mark).await?;
        let workbook = self.compose_workbook(&view, &results).await?;
        let mut snapshot = results.clone();
        snapshot.published = None;
        let snapshot = serde_json::to_string(&snapshot).map_err(|e| AppError::internal("结果快照编码", e))?;
        let mut txn = self.write(permit).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        // Two releases at once: the second finds the version taken (unique index).
        let saved = meeting_release::ActiveModel {
            meeting_id: Set(meeting_id),
            version: Set(version),
            reason: Set(reason.to_string()),
            snapshot: Set(snapshot),
            bulletin: Set(bulletin),
            workbook: Set(workbook),
            released_by: Set(actor.username.clone()),
            released_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("该结果刚刚已被发布，请刷新页面后再看".into())
            }
            _ => AppError::from(e),
        })?;
        let mut am = m.into_active_model();
        am.released = Set(true);
        am.update(&txn).await?;
        txn.record(Change {
            action: if version == 1 { "release" } else { "correct" },
            entity: "meeting",
            entity_id: Some(meeting_id),
            project_id: None,
            before: None,
            after: Some(serde_json::json!({
                "version": version,
                "reason": reason,
                "release_id": saved.id,
                "submitted": format!("{}/{}", results.submitted, results.judges),
            })),
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(version)
    }

    /// Sets the bulletin's 文号 (the prefix and the number in the year's series),
    /// until the results are released. A number is used once a year per prefix.
    pub async fn set_doc_number(&self, actor: &Actor, meeting_id: i64, prefix: &str, number: i32) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let prefix = prefix.trim();
        if prefix.is_empty() || prefix.chars().count() > 20 || prefix.chars().any(char::is_control) {
            return Err(AppError::invalid("发文字号", "机关代字须为1到20个字"));
        }
        if !(1..=9999).contains(&number) {
            return Err(AppError::invalid("文号", "序号须在1到9999之间"));
        }
        let mut txn = self.write(permit).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        if m.released {
            return Err(MeetingError::DocumentNumberReleased.into());
        }
        let year = m.held_on.map_or_else(|| self.today().year(), |d| d.year());
        let taken = meeting::Entity::find()
            .filter(meeting::Column::Id.ne(meeting_id))
            .filter(meeting::Column::DocPrefix.eq(prefix))
            .filter(meeting::Column::DocNumber.eq(number))
            .all(&txn)
            .await?
            .into_iter()
            .find(|o| o.held_on.map_or(year, |d| d.year()) == year);
        if let Some(other) = taken {
            return Err(AppError::invalid("文号", format!("{prefix}〔{year}〕{number}号已用于“{}”", other.name)));
        }
        let before = json(&m);
        let mut am = m.into_active_model();
        am.doc_prefix = Set(prefix.to_string());
        am.doc_number = Set(Some(number));
        let after = am.update(&txn).await?;
        txn.updated("meeting", meeting_id, None, before, &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }
}

/// The usual 机关代字 of the district's project office.
pub const DEFAULT_DOC_PREFIX: &str = "区项指办";

/// The next free number in a prefix's series for a year.
async fn next_doc_number<C: ConnectionTrait>(db: &C, prefix: &str, year: i32, except: Option<i64>) -> Result<i32> {
    let used = meeting::Entity::find()
        .filter(meeting::Column::DocPrefix.eq(prefix))
        .all(db)
        .await?
        .into_iter()
        .filter(|m| Some(m.id) != except && m.held_on.is_some_and(|d| d.year() == year))
        .filter_map(|m| m.doc_number)
        .max()
        .unwrap_or(0);
    Ok(used + 1)
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
    if name.is_empty() || name.chars().count() > 100 || !fengkou_domain::project::control_free(name, false) {
        problems.push(FieldError::new("名称", "须为1到100个字，且不能含控制字符"));
    }
    let ends_on = ends_on.filter(|e| *e != held_on);
    if let Some(e) = ends_on
        && (e < held_on || (e - held_on).num_days() > 14)
    {
        problems.push(FieldError::new("结束日期", "须在开始日期之后，且全程不超过15天"));
    }
    if problems.is_empty() { Ok((name, ends_on)) } else { Err(AppError::Invalid(problems)) }
}

mod documents;
mod error;
pub mod plan;
mod results;
pub mod scoring;
mod view;

pub use error::MeetingError;
pub use plan::{CriterionLine, RouteLine, ScopeLine};
pub use results::{Ballots, Download, History, OfficeResult, Publication, Results, SiteFormula, SiteResult};
pub use scoring::{JudgeSheet, RankRow, SheetSite};
pub use view::{AdjustmentView, CommentView, JudgeView, MeetingSummary, MeetingView, ScopeOffice, SiteView};

crate::area!(
    /// The use cases of on-site observation meetings: `app.meetings()`.
    Meetings,
    meetings
);
