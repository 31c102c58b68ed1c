//! A judge's sheet: rubric scores per site, the rank ballot, declining, submitting
//! and reopening.

use super::*;
use crate::Write;
use fengkou_domain::observation::{RankLine, check_ranking};

/// One office on a judge's rank ballot.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub office_id: i64,
    pub office: String,
    pub group: String,
    pub rank: Option<i32>,
}

/// What a judge sees: the meeting, the sites to score, the offices to rank.
#[derive(Debug, Clone, Serialize)]
pub struct JudgeSheet {
    pub meeting: MeetingView,
    pub sites: Vec<SheetSite>,
    /// The offices to rank (all taking part except the judge's own), by group.
    pub ranking: Vec<RankRow>,
    pub ranking_complete: bool,
    pub submitted: bool,
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

impl Meetings<'_> {
    /// The judge whose sheet a write changes: being a judge of the meeting is the
    /// write's permission. On PostgreSQL the judge's row stays locked until the write
    /// ends, so one judge's writes (a double tap on a phone, two devices) take turns:
    /// the second finds the first's scores, or the sheet already submitted. SQLite's
    /// single writer already runs them one at a time.
    async fn sheet_judge(&self, w: &mut Write, actor: &Actor, meeting_id: i64) -> Result<meeting_judge::Model> {
        let mut query = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::UserId.eq(actor.user_id));
        if w.get_database_backend() == sea_orm::DbBackend::Postgres {
            query = query.lock_exclusive();
        }
        let judge = query.one(&*w).await?;
        w.permit(judge.is_some(), "您不是本次观摩的评委")?;
        judge.ok_or_else(|| AppError::forbidden("您不是本次观摩的评委"))
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

    /// A meeting held today (or spanning today) where the actor is a judge who has not
    /// submitted: where a judge who signs in should land.
    pub async fn meeting_under_way_for(&self, actor: &Actor) -> Result<Option<i64>> {
        let today = self.today();
        let sheets = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::UserId.eq(actor.user_id))
            .filter(meeting_judge::Column::SubmittedAt.is_null())
            .all(&self.db)
            .await?;
        if sheets.is_empty() {
            return Ok(None);
        }
        let meetings = meeting::Entity::find()
            .filter(meeting::Column::Id.is_in(sheets.iter().map(|j| j.meeting_id)))
            .filter(meeting::Column::Released.eq(false))
            .all(&self.db)
            .await?;
        Ok(meetings
            .into_iter()
            .filter(|m| m.held_on.is_some_and(|start| start <= today && today <= m.ends_on.unwrap_or(start)))
            .filter(|m| {
                let method = *m.method;
                let (rubric, rank) = method.needs(*m.weight_rubric, *m.weight_rank);
                rubric || rank
            })
            .map(|m| m.id)
            .next())
    }

    /// The judge's route and ballot with what they have entered so far.
    pub async fn score_sheet(&self, actor: &Actor, meeting_id: i64) -> Result<JudgeSheet> {
        let judge = self.judge_row(&self.db, actor, meeting_id).await?;
        // A judge sees the route and the facts, not formula items or penalties.
        let view = self.meeting_for(actor, meeting_id).await?;
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
                        scores.iter().find(|s| s.site_id == site.id && s.criterion_id == *c).map(|s| s.score.text())
                    })
                    .collect();
                let remark = remarks.iter().find(|r| r.site_id == site.id);
                let declined = remark.map(|r| r.declined_reason.clone()).unwrap_or_default();
                SheetSite {
                    own_office: conflicts(&judge, site.office_id),
                    complete: values.iter().all(Option::is_some) || !declined.is_empty(),
                    scores: values,
                    remark: remark.map(|r| r.remark.clone()).unwrap_or_default(),
                    declined,
                    site: site.clone(),
                }
            })
            .collect();
        let ranks =
            meeting_rank::Entity::find().filter(meeting_rank::Column::JudgeId.eq(judge.id)).all(&self.db).await?;
        let mut ranking: Vec<RankRow> = view
            .participants()
            .filter(|o| !conflicts(&judge, o.id))
            .map(|o| RankRow {
                office_id: o.id,
                office: o.name.clone(),
                group: o.group.clone(),
                rank: ranks.iter().find(|r| r.office_id == o.id).map(|r| r.rank),
            })
            .collect();
        ranking.sort_by(|a, b| a.group.cmp(&b.group).then(a.rank.unwrap_or(i32::MAX).cmp(&b.rank.unwrap_or(i32::MAX))));
        Ok(JudgeSheet {
            ranking_complete: ranking.iter().all(|r| r.rank.is_some()),
            ranking,
            meeting: view,
            sites: sheet,
            submitted: judge.submitted_at.is_some(),
        })
    }

    /// Saves a judge's rank ballot: every office taking part except the judge's own,
    /// ranked 1..n within its group, no ties, no gaps. A ballot that is not right is
    /// refused with the reason (nothing is saved); sending the same ballot again
    /// changes nothing.
    pub async fn save_ranking(&self, actor: &Actor, meeting_id: i64, ranks: &[(i64, i32)]) -> Result<()> {
        // Only what the ballot needs: a meeting's full view is too heavy for 200 judges
        // ranking at once.
        let offices = self.scope_offices(meeting_id).await?;
        let mut txn = self.write_checking(actor).await?;
        let judge = self.sheet_judge(&mut txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            return Err(MeetingError::SheetLocked.into());
        }
        let m = self.meeting_row(&txn, meeting_id).await?;
        let method = *m.method;
        if !method.needs(*m.weight_rubric, *m.weight_rank).1 {
            return Err(MeetingError::NoRankBallot.into());
        }
        let expected: Vec<&ScopeOffice> =
            offices.iter().filter(|o| o.taking_part && !conflicts(&judge, o.id)).collect();
        let mut problems = Vec::new();
        for (office_id, _) in ranks {
            if conflicts(&judge, *office_id) {
                problems.push(FieldError::new("排名", "评委不能给本办事处或申报回避的办事处排名（利益回避）"));
            } else if !expected.iter().any(|o| o.id == *office_id) {
                problems.push(FieldError::new("排名", "该办事处不参加本次观摩"));
            }
        }
        for o in &expected {
            if !ranks.iter().any(|(id, _)| *id == o.id) {
                problems.push(FieldError::new("排名", format!("{}还没有名次", o.name)));
            }
        }
        if problems.is_empty() {
            let mut groups: Vec<&str> = expected.iter().map(|o| o.group.as_str()).collect();
            groups.sort_unstable();
            groups.dedup();
            for g in groups {
                let lines: Vec<RankLine> = expected
                    .iter()
                    .filter(|o| o.group == g)
                    .filter_map(|o| {
                        let rank = ranks.iter().find(|(id, _)| *id == o.id)?.1;
                        Some(RankLine {
                            judge: judge.username.clone(),
                            group: None,
                            unit: o.name.clone(),
                            rank: u32::try_from(rank).unwrap_or(0),
                        })
                    })
                    .collect();
                if let Err(why) = check_ranking(&lines) {
                    let why = if g.is_empty() { why } else { format!("{g}组：{why}") };
                    problems.push(FieldError::new("排名", why));
                }
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let before: Vec<meeting_rank::Model> =
            meeting_rank::Entity::find().filter(meeting_rank::Column::JudgeId.eq(judge.id)).all(&txn).await?;
        let unchanged = before.len() == ranks.len()
            && ranks.iter().all(|(o, r)| before.iter().any(|b| b.office_id == *o && b.rank == *r));
        if unchanged {
            return Ok(());
        }
        meeting_rank::Entity::delete_many().filter(meeting_rank::Column::JudgeId.eq(judge.id)).exec(&txn).await?;
        let now = txn.now();
        let mut after = Vec::new();
        for (office_id, rank) in ranks {
            after.push(
                meeting_rank::ActiveModel {
                    meeting_id: Set(meeting_id),
                    judge_id: Set(judge.id),
                    office_id: Set(*office_id),
                    rank: Set(*rank),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?,
            );
        }
        txn.record(Change {
            action: "rank",
            entity: "meeting_judge",
            entity_id: Some(judge.id),
            project_id: None,
            before: json(&before),
            after: json(&after),
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
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
        let mut txn = self.write_checking(actor).await?;
        let judge = self.sheet_judge(&mut txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            return Err(MeetingError::SheetLocked.into());
        }
        let m = self.meeting_row(&txn, meeting_id).await?;
        let method = *m.method;
        if !method.needs(*m.weight_rubric, *m.weight_rank).0 {
            return Err(MeetingError::NoRubric.into());
        }
        let site = meeting_site::Entity::find_by_id(site_id)
            .one(&txn)
            .await?
            .filter(|s| s.meeting_id == meeting_id && s.status == SiteStatus::Confirmed)
            .ok_or(MeetingError::SiteNotOnRoute)?;
        if conflicts(&judge, site.office_id) {
            return Err(AppError::forbidden("评委不能为本办事处或申报回避的办事处的观摩点打分（利益回避）"));
        }
        let declined = meeting_remark::Entity::find()
            .filter(meeting_remark::Column::JudgeId.eq(judge.id))
            .filter(meeting_remark::Column::SiteId.eq(site_id))
            .one(&txn)
            .await?
            .is_some_and(|r| !r.declined_reason.is_empty());
        if declined {
            return Err(MeetingError::SiteDeclined.into());
        }
        let criteria = meeting_criterion::Entity::find()
            .filter(meeting_criterion::Column::MeetingId.eq(meeting_id))
            .all(&txn)
            .await?;
        let mut problems = Vec::new();
        for (criterion_id, score) in scores {
            match criteria.iter().find(|c| c.id == *criterion_id) {
                Some(c) => {
                    let criterion = Criterion { name: c.name.clone(), weight: *c.weight, max: *c.max };
                    if let Err(e) = check_criterion_score(&criterion, *score) {
                        problems.push(FieldError::new("评分", e.to_string()));
                    }
                }
                None => problems.push(FieldError::new("评分", "没有这一评分项")),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let now = txn.now();
        for (criterion_id, score) in scores {
            let value = Exact(score.normalize());
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
                    txn.updated("meeting_score", after.id, Some(site.project_id), before, &after);
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
                    txn.created("meeting_score", saved.id, Some(site.project_id), &saved);
                }
            }
        }
        let remark = remark.trim().chars().take(500).collect::<String>();
        self.save_remark(&txn, meeting_id, judge.id, site_id, Some(remark), None).await?;
        txn.commit().await?;
        self.meeting_changed();
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

    /// A judge declines a site, with a reason (e.g. a conflict not declared before):
    /// the judge's scores for it are removed and it can no longer be scored by them;
    /// the site's score is the other judges'.
    pub async fn decline_site(&self, actor: &Actor, meeting_id: i64, site_id: i64, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(AppError::invalid("回避理由", "不能为空，不超过200个字"));
        }
        crate::text::plain_text("回避理由", reason, false)?;
        let mut txn = self.write_checking(actor).await?;
        let judge = self.sheet_judge(&mut txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            return Err(MeetingError::SheetLocked.into());
        }
        let site = self.site_row(&txn, meeting_id, site_id).await?;
        let scores = meeting_score::Entity::find()
            .filter(meeting_score::Column::JudgeId.eq(judge.id))
            .filter(meeting_score::Column::SiteId.eq(site_id))
            .all(&txn)
            .await?;
        meeting_score::Entity::delete_many()
            .filter(meeting_score::Column::JudgeId.eq(judge.id))
            .filter(meeting_score::Column::SiteId.eq(site_id))
            .exec(&txn)
            .await?;
        self.save_remark(&txn, meeting_id, judge.id, site_id, None, Some(reason.chars().take(200).collect())).await?;
        txn.record(Change {
            action: "decline",
            entity: "meeting_site",
            entity_id: Some(site_id),
            project_id: Some(site.project_id),
            before: json(&scores),
            after: Some(serde_json::json!({"reason": reason, "scores_removed": scores.len()})),
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Takes back a decline made by mistake (before the sheet is submitted); the site
    /// is to be scored again.
    pub async fn withdraw_decline(&self, actor: &Actor, meeting_id: i64, site_id: i64) -> Result<()> {
        let mut txn = self.write_checking(actor).await?;
        let judge = self.sheet_judge(&mut txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            return Err(MeetingError::SheetLocked.into());
        }
        let site = self.site_row(&txn, meeting_id, site_id).await?;
        if conflicts(&judge, site.office_id) {
            return Err(AppError::forbidden("评委不能为本办事处或申报回避的办事处的观摩点打分（利益回避）"));
        }
        self.save_remark(&txn, meeting_id, judge.id, site_id, None, Some(String::new())).await?;
        txn.record(Change {
            action: "withdraw_decline",
            entity: "meeting_site",
            entity_id: Some(site_id),
            project_id: Some(site.project_id),
            before: None,
            after: None,
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Submits and locks a judge's sheet: with the rubric, every site not of the
    /// judge's own office fully scored or declined; with rank ballots, the ballot
    /// complete.
    pub async fn submit_sheet(&self, actor: &Actor, meeting_id: i64) -> Result<()> {
        let sheet = self.score_sheet(actor, meeting_id).await?;
        if sheet.submitted {
            return Ok(());
        }
        if sheet.meeting.needs_rubric {
            let missing: Vec<String> =
                sheet.sites.iter().filter(|s| !s.own_office && !s.complete).map(|s| s.site.project.clone()).collect();
            if !missing.is_empty() {
                return Err(MeetingError::SitesUnscored { sites: missing }.into());
            }
        }
        if sheet.meeting.needs_rank && !sheet.ranking_complete {
            return Err(MeetingError::RankingIncomplete.into());
        }
        let mut txn = self.write_checking(actor).await?;
        let judge = self.sheet_judge(&mut txn, actor, meeting_id).await?;
        if judge.submitted_at.is_some() {
            // Submitted meanwhile (the same request twice at once): nothing to do.
            return txn.rollback().await;
        }
        let mut am = judge.into_active_model();
        am.submitted_at = Set(Some(txn.now()));
        let after = am.update(&txn).await?;
        txn.record(Change {
            action: "submit",
            entity: "meeting_judge",
            entity_id: Some(after.id),
            project_id: None,
            before: None,
            after: json(&after),
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Reopens one judge's locked sheet; the reason goes into the audit trail.
    pub async fn reopen_sheet(&self, actor: &Actor, meeting_id: i64, judge_id: i64, reason: &str) -> Result<()> {
        let permit = Self::require_office(actor)?;
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(AppError::invalid("原因", "重新开放评分表必须说明原因（不超过500字）"));
        }
        crate::text::plain_text("原因", reason.trim(), false)?;
        let mut txn = self.write(permit).await?;
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
        txn.record(Change {
            action: "reopen",
            entity: "meeting_judge",
            entity_id: Some(judge_id),
            project_id: None,
            before,
            after: json(&after),
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }
}
