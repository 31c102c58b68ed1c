//! Objections raised against a firm's score during the public notice (公示), recorded
//! by the bureau with who raised them, and the bureau's answer (upheld: the data are
//! corrected and the year computed again as a new run; dismissed: with the reason).
//! The published run itself never changes.

use super::{Credit, CreditError};
use crate::{Actor, AppError, Result};
use fengkou_storage::entity::{credit_objection, credit_run, credit_score};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Objection {
    pub id: i64,
    pub run_id: i64,
    pub firm_id: i64,
    pub raised_for: String,
    pub text: String,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Empty while open; upheld or dismissed.
    pub outcome: String,
    pub outcome_label: &'static str,
    pub answer: String,
    pub answered_by: String,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "upheld" => "异议成立",
        "dismissed" => "异议不成立",
        _ => "待答复",
    }
}

fn objection_of(row: credit_objection::Model) -> Objection {
    Objection {
        id: row.id,
        run_id: row.run_id,
        firm_id: row.enterprise_id,
        raised_for: row.raised_for,
        text: row.text,
        recorded_by: row.recorded_by,
        recorded_at: row.recorded_at,
        outcome_label: outcome_label(&row.outcome),
        outcome: row.outcome,
        answer: row.answer,
        answered_by: row.answered_by,
        answered_at: row.answered_at,
    }
}

impl Credit<'_> {
    pub(crate) async fn objections_of(&self, run_id: i64, firm_id: i64) -> Result<Vec<Objection>> {
        Ok(credit_objection::Entity::find()
            .filter(credit_objection::Column::RunId.eq(run_id))
            .filter(credit_objection::Column::EnterpriseId.eq(firm_id))
            .order_by_asc(credit_objection::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(objection_of)
            .collect())
    }

    /// Records an objection to a firm's published score (科技局), during the notice only.
    pub async fn object(&self, actor: &Actor, run_id: i64, firm_id: i64, raised_for: &str, text: &str) -> Result<i64> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以登记异议")?;
        let (raised_for, text) = (raised_for.trim().to_string(), text.trim().to_string());
        crate::text::check_text("提出人", &raised_for, 100)?;
        crate::text::check_text("异议内容", &text, 2000)?;
        if text.is_empty() {
            return Err(AppError::invalid("异议内容", "请写明异议内容"));
        }
        let mut w = self.write(permit).await?;
        let run = credit_run::Entity::find_by_id(run_id).one(&w).await?.ok_or(AppError::NotFound("积分计算"))?;
        if run.status != "published" {
            return Err(CreditError::NotPublished.into());
        }
        if let Some(until) = run.notice_until
            && self.today() > until
        {
            return Err(CreditError::NoticeOver(until).into());
        }
        // A later publication of the same year replaced this one: objections go to it.
        if let Some(later) = credit_run::Entity::find()
            .filter(credit_run::Column::Year.eq(run.year))
            .filter(credit_run::Column::Status.eq("published"))
            .filter(credit_run::Column::Id.gt(run.id))
            .one(&w)
            .await?
        {
            return Err(CreditError::Superseded(later.id).into());
        }
        credit_score::Entity::find()
            .filter(credit_score::Column::RunId.eq(run_id))
            .filter(credit_score::Column::EnterpriseId.eq(firm_id))
            .one(&w)
            .await?
            .ok_or(AppError::NotFound("这家企业的积分"))?;
        let saved = credit_objection::ActiveModel {
            run_id: Set(run_id),
            enterprise_id: Set(firm_id),
            raised_for: Set(raised_for),
            text: Set(text),
            recorded_by: Set(w.who().to_string()),
            recorded_at: Set(w.now()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        w.created("credit_objection", saved.id, None, &saved);
        w.commit().await?;
        Ok(saved.id)
    }

    /// Answers an objection (科技局): upheld or dismissed, with the reason.
    pub async fn answer_objection(&self, actor: &Actor, id: i64, upheld: bool, answer: &str) -> Result<()> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以答复异议")?;
        let answer = answer.trim().to_string();
        crate::text::check_text("答复", &answer, 2000)?;
        if answer.is_empty() {
            return Err(AppError::invalid("答复", "请写明答复"));
        }
        let mut w = self.write(permit).await?;
        let row = credit_objection::Entity::find_by_id(id).one(&w).await?.ok_or(AppError::NotFound("异议"))?;
        let outcome = if upheld { "upheld" } else { "dismissed" };
        // Only an open objection is answered: of two answers at once, one wins.
        let done = credit_objection::Entity::update_many()
            .col_expr(credit_objection::Column::Outcome, outcome.into())
            .col_expr(credit_objection::Column::Answer, answer.into())
            .col_expr(credit_objection::Column::AnsweredBy, w.who().to_string().into())
            .col_expr(credit_objection::Column::AnsweredAt, Some(w.now()).into())
            .filter(credit_objection::Column::Id.eq(id))
            .filter(credit_objection::Column::Outcome.eq(""))
            .exec(&w)
            .await?;
        if done.rows_affected != 1 {
            return Err(CreditError::AlreadyAnswered.into());
        }
        let after = credit_objection::Entity::find_by_id(id).one(&w).await?.ok_or(AppError::NotFound("异议"))?;
        w.updated("credit_objection", id, None, serde_json::to_value(&row).ok(), &after);
        w.commit().await?;
        Ok(())
    }
}
