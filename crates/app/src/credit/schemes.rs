//! Scheme versions: the one shipped with fengkou, and those the bureau proposes. A
//! proposal is checked by compiling it; it is used only once another 科技局 user or an
//! administrator approves it (four eyes), from its effective year on; a version is never
//! changed, only followed by a newer one.

use super::{Credit, CreditError};
use crate::{Actor, AppError, Result};
use fengkou_domain::credit::{DEFAULT_SCHEME, Scheme, Scorer, default_scheme, parse_scheme};
use fengkou_storage::entity::credit_scheme;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

/// The longest scheme accepted (a real one is a few KB).
pub const MAX_SCHEME_BYTES: usize = 64 * 1024;

/// A scheme version as the schemes page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeVersion {
    /// None for the scheme shipped with fengkou.
    pub id: Option<i64>,
    pub name: String,
    pub effective_year: i32,
    /// proposed, approved or rejected (the shipped one: approved).
    pub status: String,
    pub status_label: &'static str,
    pub proposed_by: String,
    pub proposed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decided_by: String,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_note: String,
    pub indicators: usize,
    pub body: String,
}

fn status_label(status: &str) -> &'static str {
    match status {
        "approved" => "已批准",
        "rejected" => "已退回",
        _ => "待审核",
    }
}

/// The text a new proposal starts from: the latest approved version, else the shipped one.
pub fn starting_text(versions: &[SchemeVersion]) -> String {
    versions.iter().find(|v| v.status == "approved").map_or_else(|| DEFAULT_SCHEME.to_string(), |v| v.body.clone())
}

fn version_of(row: credit_scheme::Model) -> SchemeVersion {
    let indicators = parse_scheme(&row.body).map(|s| s.indicators.len()).unwrap_or(0);
    SchemeVersion {
        id: Some(row.id),
        name: row.name,
        effective_year: row.effective_year,
        status_label: status_label(&row.status),
        status: row.status,
        proposed_by: row.proposed_by,
        proposed_at: Some(row.proposed_at),
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        decision_note: row.decision_note,
        indicators,
        body: row.body,
    }
}

fn shipped() -> SchemeVersion {
    let scheme = default_scheme();
    SchemeVersion {
        id: None,
        name: scheme.name.clone(),
        effective_year: 0,
        status: "approved".into(),
        status_label: "出厂方案",
        proposed_by: "fengkou（出厂方案）".into(),
        proposed_at: None,
        decided_by: String::new(),
        decided_at: None,
        decision_note: String::new(),
        indicators: scheme.indicators.len(),
        body: DEFAULT_SCHEME.to_string(),
    }
}

/// The version used for a data year: the approved one with the latest effective year
/// not after it (the later approved of equal years), else the shipped scheme.
pub(crate) async fn scheme_for(db: &impl ConnectionTrait, year: i32) -> Result<(Option<i64>, Scheme, String)> {
    let row = credit_scheme::Entity::find()
        .filter(credit_scheme::Column::Status.eq("approved"))
        .filter(credit_scheme::Column::EffectiveYear.lte(year))
        .order_by_desc(credit_scheme::Column::EffectiveYear)
        .order_by_desc(credit_scheme::Column::Id)
        .one(db)
        .await?;
    match row {
        Some(row) => {
            let scheme = parse_scheme(&row.body).map_err(|e| {
                AppError::Damaged(format!("表 credit_schemes 的 id {} 行：方案无法读取（{e}）", row.id))
            })?;
            Ok((Some(row.id), scheme, format!("第 {} 版（{} 年起）{}", row.id, row.effective_year, row.name)))
        }
        None => {
            let scheme = default_scheme();
            let label = format!("出厂方案 {}", scheme.name);
            Ok((None, scheme, label))
        }
    }
}

impl Credit<'_> {
    /// Every version, newest first, the shipped one last.
    pub async fn schemes(&self, actor: &Actor) -> Result<Vec<SchemeVersion>> {
        if !actor.can_read_enterprises() && !actor.can_approve_credit_schemes() {
            return Err(AppError::forbidden("积分方案只对科技局、区领导、项目办、办事处和管理员开放"));
        }
        let rows = credit_scheme::Entity::find().order_by_desc(credit_scheme::Column::Id).all(&self.db).await?;
        let mut out: Vec<SchemeVersion> = rows.into_iter().map(version_of).collect();
        out.push(shipped());
        Ok(out)
    }

    /// The shipped scheme's text (the form starts from it).
    pub fn shipped_scheme_text(&self) -> &'static str {
        DEFAULT_SCHEME
    }

    /// Proposes a new version (科技局): refused unless it compiles; waits for approval.
    pub async fn propose_scheme(&self, actor: &Actor, body: &str, effective_year: i32) -> Result<i64> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以提交积分方案")?;
        if body.len() > MAX_SCHEME_BYTES {
            return Err(CreditError::Scheme(format!("方案超过 {} KB", MAX_SCHEME_BYTES / 1024)).into());
        }
        if !(2000..=self.today().year_ce().1 as i32 + 5).contains(&effective_year) {
            return Err(AppError::invalid(
                "effective_year",
                format!("生效年度 {effective_year} 不在 2000 年至五年后之间"),
            ));
        }
        let scheme = parse_scheme(body).map_err(|e| CreditError::Scheme(e.to_string()))?;
        Scorer::new(&scheme).map_err(|e| CreditError::Scheme(e.to_string()))?;
        let mut w = self.write(permit).await?;
        let saved = credit_scheme::ActiveModel {
            name: Set(scheme.name.trim().to_string()),
            effective_year: Set(effective_year),
            // Stored as re-written JSON: what was checked is what is kept.
            body: Set(serde_json::to_string_pretty(&scheme).map_err(|e| AppError::internal("积分方案", e))?),
            status: Set("proposed".into()),
            proposed_by: Set(w.who().to_string()),
            proposed_at: Set(w.now()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        w.created("credit_scheme", saved.id, None, &saved);
        w.commit().await?;
        Ok(saved.id)
    }

    /// Approves or returns a proposal (another 科技局 user or an admin; never the proposer).
    pub async fn decide_scheme(&self, actor: &Actor, id: i64, approve: bool, note: &str) -> Result<()> {
        let permit = actor.permit(actor.can_approve_credit_schemes(), "只有科技局或管理员可以审核积分方案")?;
        let note = note.trim().to_string();
        crate::text::check_text("审核意见", &note, 500)?;
        let mut w = self.write(permit).await?;
        let row = credit_scheme::Entity::find_by_id(id).one(&w).await?.ok_or(AppError::NotFound("积分方案"))?;
        if row.status != "proposed" {
            return Err(CreditError::AlreadyDecided(status_label(&row.status)).into());
        }
        if row.proposed_by == actor.username {
            return Err(AppError::forbidden(CreditError::OwnProposal.to_string()));
        }
        let status = if approve { "approved" } else { "rejected" };
        // Only a proposal still waiting is decided: of two decisions at once, one wins.
        let done = credit_scheme::Entity::update_many()
            .col_expr(credit_scheme::Column::Status, status.into())
            .col_expr(credit_scheme::Column::DecidedBy, w.who().to_string().into())
            .col_expr(credit_scheme::Column::DecidedAt, Some(w.now()).into())
            .col_expr(credit_scheme::Column::DecisionNote, note.clone().into())
            .filter(credit_scheme::Column::Id.eq(id))
            .filter(credit_scheme::Column::Status.eq("proposed"))
            .exec(&w)
            .await?;
        if done.rows_affected != 1 {
            return Err(CreditError::AlreadyDecided("审核").into());
        }
        let after = credit_scheme::Entity::find_by_id(id).one(&w).await?.ok_or(AppError::NotFound("积分方案"))?;
        w.updated("credit_scheme", id, None, serde_json::to_value(&row).ok(), &after);
        w.commit().await?;
        Ok(())
    }
}

use chrono::Datelike as _;
