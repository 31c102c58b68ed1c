//! Stage transitions: the rules' steps recorded with their dates, a jump past 开工
//! with its start date, and an office's step back as a request the project office
//! decides (one pending per project, decided once).

use super::*;
use crate::Write;
use crate::audit::Change;
use crate::text::plain_text;
use fengkou_domain::check_transition;
use fengkou_domain::project::{RequestStatus, TransitionRequest, is_step_back};

impl Projects<'_> {
    /// Moves a project to another stage, if the rules allow it. A jump past 开工 needs
    /// `actual_start` and records the 开工 step too. An office user's step back is a
    /// request for the project office to decide; nothing changes until then.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: i64,
        to: Stage,
        date: NaiveDate,
        actual_start: Option<NaiveDate>,
        reason: &str,
    ) -> Result<TransitionOutcome> {
        if reason.chars().count() > 500 {
            return Err(AppError::invalid("原因", "不能超过500个字"));
        }
        plain_text("原因", reason, false)?;
        let mut txn = self.write_checking(actor).await?;
        let p = self.editable_project(&mut txn, actor, id).await?;
        let from = stage_of(&p);
        let previous_date = last_step_date(&txn, id).await?;
        let steps =
            check_transition(TransitionRequest { from, to, date, reason, previous_date, actual_start }, self.today())
                .map_err(ProjectError::from)?;
        if is_step_back(from, to) && !actor.can_manage_pipeline() {
            if stage_request::Entity::find()
                .filter(stage_request::Column::ProjectId.eq(id))
                .filter(stage_request::Column::Status.eq(RequestStatus::Pending.code()))
                .one(&txn)
                .await?
                .is_some()
            {
                return Err(ProjectError::StepBackAlreadyRequested.into());
            }
            let saved = stage_request::ActiveModel {
                project_id: Set(id),
                from_stage: Set(from.into()),
                to_stage: Set(to.into()),
                on_date: Set(Some(date)),
                reason: Set(reason.trim().to_string()),
                requested_by: Set(actor.username.clone()),
                requested_at: Set(txn.now()),
                status: Set(RequestStatus::Pending.into()),
                decided_by: Set(String::new()),
                decided_at: Set(None),
                decision_reason: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ProjectError::StepBackAlreadyRequested.into(),
                _ => AppError::from(e),
            })?;
            txn.record(Change {
                action: "request_step_back",
                entity: "stage_request",
                entity_id: Some(saved.id),
                project_id: Some(id),
                before: Some(serde_json::json!({"stage": from.label()})),
                after: Some(serde_json::json!({"stage": to.label(), "date": date, "reason": reason.trim()})),
            });
            txn.commit().await?;
            return Ok(TransitionOutcome::Requested);
        }
        record_steps(&mut txn, p, &steps, reason).await?;
        self.warnings().refresh_project_warning(&txn, id).await?;
        txn.commit().await?;
        Ok(TransitionOutcome::Done)
    }

    /// The project office approves or rejects an office's step-back request, with a
    /// reason. Approval applies the step if the project is still where it was asked.
    pub async fn decide_stage_request(
        &self,
        actor: &Actor,
        request_id: i64,
        approve: bool,
        reason: &str,
    ) -> Result<i64> {
        let permit = actor.permit(actor.can_manage_pipeline(), "只有项目办可以审批阶段退回申请")?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::invalid("审批意见", "须填写，且不超过500个字"));
        }
        plain_text("审批意见", reason, false)?;
        let mut txn = self.write(permit).await?;
        // Decided once: the first decision takes the request (on PostgreSQL a second,
        // concurrent one waits for it and then finds nothing pending).
        let taken = stage_request::Entity::update_many()
            .col_expr(
                stage_request::Column::Status,
                sea_orm::sea_query::Expr::value(if approve { "approved" } else { "rejected" }),
            )
            .filter(stage_request::Column::Id.eq(request_id))
            .filter(stage_request::Column::Status.eq(RequestStatus::Pending.code()))
            .exec(&txn)
            .await?;
        let r = stage_request::Entity::find_by_id(request_id).one(&txn).await?.ok_or(AppError::NotFound("退回申请"))?;
        if taken.rows_affected != 1 {
            return Err(ProjectError::RequestAlreadyDecided.into());
        }
        let p = project::Entity::find_by_id(r.project_id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
        let before = serde_json::json!({"status": RequestStatus::Pending.code()});
        let before = Some(before);
        let project_id = r.project_id;
        if approve {
            let (from, to) = (stage_of(&p), *r.to_stage);
            if from != *r.from_stage {
                return Err(ProjectError::StageMovedSinceRequest { requested_from: *r.from_stage, now: from }.into());
            }
            let date = r.on_date.unwrap_or_else(|| self.today());
            let previous_date = last_step_date(&txn, project_id).await?;
            let request_reason = format!("{}（{}申请，{}批准：{reason}）", r.reason, r.requested_by, actor.username);
            let steps = check_transition(
                TransitionRequest { from, to, date, reason: &request_reason, previous_date, actual_start: None },
                self.today(),
            )
            .map_err(ProjectError::from)?;
            record_steps(&mut txn, p, &steps, &request_reason).await?;
        }
        let mut am = r.into_active_model();
        am.status = Set(if approve { RequestStatus::Approved } else { RequestStatus::Rejected }.into());
        am.decided_by = Set(actor.username.clone());
        am.decided_at = Set(Some(txn.now()));
        am.decision_reason = Set(reason.to_string());
        let after = am.update(&txn).await?;
        txn.record(Change {
            action: if approve { "approve_step_back" } else { "reject_step_back" },
            entity: "stage_request",
            entity_id: Some(request_id),
            project_id: Some(project_id),
            before,
            after: json(&after),
        });
        self.warnings().refresh_project_warning(&txn, project_id).await?;
        txn.commit().await?;
        Ok(project_id)
    }

    /// Step-back requests waiting for the project office (its own office's for an
    /// office user), oldest first.
    pub async fn pending_stage_requests(&self, actor: &Actor) -> Result<Vec<StageRequestView>> {
        let requests = stage_request::Entity::find()
            .filter(stage_request::Column::Status.eq(RequestStatus::Pending.code()))
            .order_by_asc(stage_request::Column::Id)
            .all(&self.db)
            .await?;
        let projects: HashMap<i64, project::Model> = project::Entity::find()
            .filter(project::Column::Id.is_in(requests.iter().map(|r| r.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let names = Names::load(&self.db).await?;
        Ok(requests
            .into_iter()
            .filter_map(|r| {
                let p = projects.get(&r.project_id)?;
                actor.can_read_office(p.office_id).then(|| request_view(r, p, &names))
            })
            .collect())
    }
}

pub(super) fn request_view(r: stage_request::Model, p: &project::Model, names: &Names) -> StageRequestView {
    StageRequestView {
        id: r.id,
        project_id: p.id,
        project: p.name.clone(),
        office: names.office(p.office_id),
        from: r.from_stage.label(),
        to: r.to_stage.label(),
        on_date: r.on_date,
        reason: r.reason,
        requested_by: r.requested_by,
        requested_at: r.requested_at,
        status: *r.status,
        decided_by: r.decided_by,
        decision_reason: r.decision_reason,
    }
}

/// The date of the last dated stage step.
async fn last_step_date<C: ConnectionTrait>(db: &C, project_id: i64) -> Result<Option<NaiveDate>> {
    Ok(stage_event::Entity::find()
        .filter(stage_event::Column::ProjectId.eq(project_id))
        .filter(stage_event::Column::OnDate.is_not_null())
        .order_by_desc(stage_event::Column::Id)
        .one(db)
        .await?
        .and_then(|e| e.on_date))
}

/// Records each step in turn (a jump past 开工 is two), if the project is still at the
/// stage the decision was made on: two changes sent at once must not both apply (on
/// PostgreSQL the second waits on the row and then finds the stage moved).
async fn record_steps(
    db: &mut Write,
    mut p: project::Model,
    steps: &[fengkou_domain::project::Step],
    reason: &str,
) -> Result<()> {
    let claimed = project::Entity::update_many()
        .col_expr(project::Column::UpdatedAt, sea_orm::sea_query::Expr::value(db.now()))
        .filter(project::Column::Id.eq(p.id))
        .filter(project::Column::Stage.eq(p.stage))
        .exec(&*db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict("项目阶段刚被他人修改，请刷新页面后再办理".into()));
    }
    for (i, (stage, date)) in steps.iter().enumerate() {
        let why = if i + 1 < steps.len() { "（随阶段变更一并登记开工）" } else { reason };
        record_stage(db, &p, *stage, *date, why).await?;
        p = project::Entity::find_by_id(p.id).one(&*db).await?.ok_or(AppError::NotFound("项目"))?;
    }
    Ok(())
}

/// When a project's actual start is corrected, the step that recorded the start moves
/// with it (an import may have dated it from the planned start).
pub(super) async fn redate_start_step(
    db: &mut Write,
    project_id: i64,
    old: Option<NaiveDate>,
    new: Option<NaiveDate>,
) -> Result<()> {
    let events = stage_event::Entity::find()
        .filter(stage_event::Column::ProjectId.eq(project_id))
        .order_by_asc(stage_event::Column::Id)
        .all(&*db)
        .await?;
    let start_step = events.into_iter().find(|e| {
        let to = *e.to_stage;
        let from_started = e.from_stage.is_some_and(|s| s.is_started());
        to.is_started() && !from_started && (e.on_date == old || e.on_date.is_none())
    });
    if let Some(e) = start_step {
        let before = json(&e);
        let mut am = e.into_active_model();
        am.on_date = Set(new);
        let after = am.update(&*db).await?;
        db.updated("stage_event", after.id, Some(project_id), before, &after);
    }
    Ok(())
}
