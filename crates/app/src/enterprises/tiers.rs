//! Tiers (a recognised status with its dates and certificate), the bureau's targets,
//! and the counts page: how many firms hold each tier against the targets, over the
//! years; who moved up this year; who lapses within 180 days; and the 规上 industrial
//! firms' R&D coverage.

use super::values::counted_values;
use super::{Enterprises, office_name, tier_holds};
use crate::{Actor, AppError, Result};
use chrono::{Datelike, NaiveDate};
use fengkou_domain::Coded;
use fengkou_domain::enterprise::Tier;
use fengkou_storage::entity::{enterprise, enterprise_tier, tier_target};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::HashMap;

/// How far ahead the lapsing list looks.
pub const LAPSE_DAYS: i64 = 180;

#[derive(Debug, Clone)]
pub struct TierInput {
    pub tier: Tier,
    pub recognised_on: NaiveDate,
    /// None: the tier's usual length (`Tier::default_valid_until`).
    pub valid_until: Option<NaiveDate>,
    pub certificate: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierRecord {
    pub id: i64,
    pub tier: &'static str,
    pub code: &'static str,
    pub recognised_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub certificate: String,
    pub source: String,
    /// Held today.
    pub holds: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirmRef {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub office: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierCount {
    pub tier: &'static str,
    pub code: &'static str,
    pub count: usize,
    /// The nearest target from this year on: (year, target, name).
    pub target: Option<(i32, i64, String)>,
    /// count / target, in per cent.
    pub progress: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierEvent {
    pub firm: FirmRef,
    pub tier: &'static str,
    pub day: Option<NaiveDate>,
    /// Days from today (for lapsing).
    pub days: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RdCoverage {
    pub data_year: i32,
    pub firms: usize,
    pub with_rd: usize,
    pub share: Option<f64>,
    pub without: Vec<FirmRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierSummary {
    pub today: NaiveDate,
    pub counts: Vec<TierCount>,
    /// Per year (the last five year-ends and today): the count of each tier, in `Tier::ALL` order.
    pub history: Vec<(String, Vec<usize>)>,
    pub moved_up: Vec<TierEvent>,
    pub lapsing: Vec<TierEvent>,
    pub above_scale: RdCoverage,
}

impl Enterprises<'_> {
    /// Records a recognition (科技局).
    pub async fn record_tier(&self, actor: &Actor, firm_id: i64, input: &TierInput) -> Result<i64> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以登记认定")?;
        if input.recognised_on > self.today() {
            return Err(AppError::invalid("认定日期", format!("{} 晚于今天", input.recognised_on)));
        }
        let valid_until = input.valid_until.or_else(|| input.tier.default_valid_until(input.recognised_on));
        if let Some(end) = valid_until
            && end < input.recognised_on
        {
            return Err(AppError::invalid("有效期至", "早于认定日期"));
        }
        crate::text::check_text("证书编号", input.certificate.trim(), 60)?;
        let mut w = self.write(permit).await?;
        fengkou_storage::queries::lock_enterprise(&w, firm_id).await?;
        enterprise::Entity::find_by_id(firm_id).one(&w).await?.ok_or(AppError::NotFound("企业"))?;
        // The same recognition twice (a double tap, a resent form) is one recognition.
        let same = enterprise_tier::Entity::find()
            .filter(enterprise_tier::Column::EnterpriseId.eq(firm_id))
            .filter(enterprise_tier::Column::Tier.eq(input.tier.code()))
            .filter(enterprise_tier::Column::RecognisedOn.eq(input.recognised_on))
            .one(&w)
            .await?;
        if let Some(same) = same {
            return Err(super::EnterpriseError::TierRecorded {
                tier: input.tier.label(),
                on: input.recognised_on,
                id: same.id,
            }
            .into());
        }
        let saved = enterprise_tier::ActiveModel {
            enterprise_id: Set(firm_id),
            tier: Set(input.tier.into()),
            recognised_on: Set(Some(input.recognised_on)),
            valid_until: Set(valid_until),
            certificate: Set(input.certificate.trim().to_string()),
            source: Set("录入".into()),
            recorded_by: Set(w.who().to_string()),
            recorded_at: Set(w.now()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        w.created("enterprise_tier", saved.id, None, &saved);
        self.reassess_in(&w, Some(&[firm_id])).await?;
        w.commit().await?;
        Ok(saved.id)
    }

    /// A firm's recognitions, newest first.
    pub async fn tiers_of(&self, actor: &Actor, firm_id: i64) -> Result<Vec<TierRecord>> {
        self.firm(actor, firm_id).await?;
        let today = self.today();
        let mut rows = enterprise_tier::Entity::find()
            .filter(enterprise_tier::Column::EnterpriseId.eq(firm_id))
            .all(&self.db)
            .await?;
        rows.sort_by_key(|t| std::cmp::Reverse(t.recognised_on));
        Ok(rows
            .into_iter()
            .map(|t| TierRecord {
                id: t.id,
                tier: t.tier.0.label(),
                code: t.tier.0.code(),
                holds: tier_holds(&t, today),
                recognised_on: t.recognised_on,
                valid_until: t.valid_until,
                certificate: t.certificate,
                source: t.source,
            })
            .collect())
    }

    /// Sets the bureau's target count of a tier for a year (科技局).
    pub async fn set_target(&self, actor: &Actor, tier: Tier, year: i32, target: i64, name: &str) -> Result<()> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以设定目标")?;
        if !(2000..=2100).contains(&year) {
            return Err(AppError::invalid("年份", "须在 2000 到 2100 之间"));
        }
        if !(0..=1_000_000).contains(&target) {
            return Err(AppError::invalid("目标", "须在 0 到 1,000,000 之间"));
        }
        crate::text::check_text("名称", name.trim(), 40)?;
        let mut w = self.write(permit).await?;
        let before = tier_target::Entity::find()
            .filter(tier_target::Column::Tier.eq(tier.code()))
            .filter(tier_target::Column::Year.eq(year))
            .one(&w)
            .await?;
        match before {
            Some(before) => {
                let mut row: tier_target::ActiveModel = before.clone().into();
                row.target = Set(target);
                row.name = Set(name.trim().to_string());
                let after = row.update(&w).await?;
                w.updated("tier_target", after.id, None, serde_json::to_value(&before).ok(), &after);
            }
            None => {
                let saved = tier_target::ActiveModel {
                    tier: Set(tier.into()),
                    year: Set(year),
                    target: Set(target),
                    name: Set(name.trim().to_string()),
                    ..Default::default()
                }
                .insert(&w)
                .await?;
                w.created("tier_target", saved.id, None, &saved);
            }
        }
        w.commit().await?;
        Ok(())
    }

    /// The counts page. An office user's figures are its own 办事处's.
    pub async fn tier_summary(&self, actor: &Actor) -> Result<TierSummary> {
        if !actor.can_read_enterprises() {
            return Err(AppError::forbidden("企业信息只对科技局、区领导、项目办和办事处开放"));
        }
        let today = self.today();
        let mut firms_query = enterprise::Entity::find();
        if let Some(office) = actor.confined_to() {
            firms_query = firms_query.filter(enterprise::Column::OfficeId.eq(office));
        }
        let firms: HashMap<i64, enterprise::Model> =
            firms_query.all(&self.db).await?.into_iter().map(|f| (f.id, f)).collect();
        let (offices, _) = self.names().await?;
        let reference = |id: i64| {
            firms.get(&id).map(|f| FirmRef {
                id: f.id,
                uscc: f.uscc.clone(),
                name: f.name.clone(),
                office: office_name(&offices, f.office_id),
            })
        };
        let tiers: Vec<enterprise_tier::Model> = enterprise_tier::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|t| firms.contains_key(&t.enterprise_id))
            .collect();
        let count_on = |day: NaiveDate, tier: Tier| {
            let mut holders: Vec<i64> =
                tiers.iter().filter(|t| t.tier.0 == tier && tier_holds(t, day)).map(|t| t.enterprise_id).collect();
            holders.sort_unstable();
            holders.dedup();
            holders.len()
        };
        let targets = tier_target::Entity::find().all(&self.db).await?;
        let counts = Tier::ALL
            .iter()
            .map(|tier| {
                let count = count_on(today, *tier);
                // The targets are the district's: an office's own count is not measured against them.
                let target = targets
                    .iter()
                    .filter(|_| actor.confined_to().is_none())
                    .filter(|t| t.tier.0 == *tier && t.year >= today.year())
                    .min_by_key(|t| t.year)
                    .map(|t| (t.year, t.target, t.name.clone()));
                let progress =
                    target.as_ref().filter(|t| t.1 > 0).map(|t| (count as f64 * 1000.0 / t.1 as f64).round() / 10.0);
                TierCount { tier: tier.label(), code: tier.code(), count, target, progress }
            })
            .collect();
        let mut history = Vec::new();
        for year in (today.year() - 5)..today.year() {
            let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("a year's end");
            history.push((format!("{year}年末"), Tier::ALL.iter().map(|t| count_on(end, *t)).collect()));
        }
        history.push(("今天".to_string(), Tier::ALL.iter().map(|t| count_on(today, *t)).collect()));
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("a year's start");
        // Moved up: a tier recognised this year that the firm did not hold before (an
        // annual 科小 re-entry or a renewed certificate is not a move), and that is not
        // below a rung it already held then.
        let rank = |t: Tier| Tier::ALL.iter().position(|x| *x == t).unwrap_or(0);
        let mut by_firm: HashMap<i64, Vec<&enterprise_tier::Model>> = HashMap::new();
        for t in &tiers {
            by_firm.entry(t.enterprise_id).or_default().push(t);
        }
        let mut moved_up: Vec<TierEvent> = tiers
            .iter()
            .filter(|t| t.recognised_on.is_some_and(|d| d >= year_start && d <= today) && t.tier.0 != Tier::AboveScale)
            .filter(|t| {
                let on = t.recognised_on.expect("filtered above");
                !by_firm[&t.enterprise_id].iter().any(|o| {
                    o.id != t.id
                        && o.tier.0 != Tier::AboveScale
                        && o.recognised_on.is_some_and(|d| d < on)
                        && (o.tier.0 == t.tier.0 || (rank(o.tier.0) > rank(t.tier.0) && tier_holds(o, on)))
                })
            })
            .filter_map(|t| {
                Some(TierEvent {
                    firm: reference(t.enterprise_id)?,
                    tier: t.tier.0.label(),
                    day: t.recognised_on,
                    days: None,
                })
            })
            .collect();
        moved_up.sort_by(|a, b| b.day.cmp(&a.day).then(a.firm.name.cmp(&b.firm.name)));
        // A firm recognised twice for one tier (records entered twice) moved up once.
        moved_up.dedup_by(|a, b| a.firm.id == b.firm.id && a.tier == b.tier);
        let horizon = today + chrono::Duration::days(LAPSE_DAYS);
        // Each firm's and tier's last end (None: one record has no end).
        let mut latest_end: HashMap<(i64, Tier), Option<NaiveDate>> = HashMap::new();
        for t in &tiers {
            let end = latest_end.entry((t.enterprise_id, t.tier.0)).or_insert(t.valid_until);
            *end = match (*end, t.valid_until) {
                (None, _) | (_, None) => None,
                (Some(a), Some(b)) => Some(a.max(b)),
            };
        }
        let mut lapsing: Vec<TierEvent> = tiers
            .iter()
            .filter(|t| tier_holds(t, today) && t.valid_until.is_some_and(|v| v <= horizon))
            // A renewal already recorded (a later end for the same tier) is not a lapse.
            .filter(|t| latest_end.get(&(t.enterprise_id, t.tier.0)).copied().flatten() == t.valid_until)
            .filter_map(|t| {
                Some(TierEvent {
                    firm: reference(t.enterprise_id)?,
                    tier: t.tier.0.label(),
                    day: t.valid_until,
                    days: t.valid_until.map(|v| (v - today).num_days()),
                })
            })
            .collect();
        lapsing.sort_by_key(|e| (e.day, e.firm.name.clone()));
        lapsing.dedup_by(|a, b| a.firm.id == b.firm.id && a.tier == b.tier);
        let data_year = super::ladder::data_year(today);
        let above: Vec<i64> = {
            let mut ids: Vec<i64> = tiers
                .iter()
                .filter(|t| t.tier.0 == Tier::AboveScale && tier_holds(t, today))
                .map(|t| t.enterprise_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let values = counted_values(&self.db, Some(&above), &[data_year], Some(&["rd_activity", "rd_expense"])).await?;
        let has_rd = |id: &i64| {
            // 统计's "有研发活动" decides where it is given; otherwise R&D spending above zero.
            values.get(id).and_then(|y| y.get(&data_year)).is_some_and(|v| match v.get("rd_activity") {
                Some(flag) => !flag.is_zero(),
                None => v.get("rd_expense").is_some_and(|x| x.is_sign_positive() && !x.is_zero()),
            })
        };
        let mut without: Vec<FirmRef> = above.iter().filter(|id| !has_rd(id)).filter_map(|id| reference(*id)).collect();
        without.sort_by(|a, b| a.name.cmp(&b.name));
        let with_rd = above.len() - without.len();
        let share = (!above.is_empty()).then(|| (with_rd as f64 * 1000.0 / above.len() as f64).round() / 10.0);
        Ok(TierSummary {
            today,
            counts,
            history,
            moved_up,
            lapsing,
            above_scale: RdCoverage { data_year, firms: above.len(), with_rd, share, without },
        })
    }
}
