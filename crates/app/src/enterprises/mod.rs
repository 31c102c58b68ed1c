//! The enterprise side: the registry (one firm per 统一社会信用代码), yearly indicators
//! from every department with the bureau's choice where they differ, tiers with their
//! dates, the bureau's targets, and the cultivation ladder's assessments.
//!
//! - `mod.rs`: the registry (list with search and filters, a firm's page, edits).
//! - `values.rs`: a firm's yearly figures by source, conflicts and choices.
//! - `import.rs`: a department's sheet, all or nothing.
//! - `ladder.rs`: rule-set versions, assessments stored for the lists, candidates,
//!   one firm's explanation.
//! - `tiers.rs`: tiers, targets and the counts page.
//!
//! Who reads what: `Actor::can_read_enterprise(office)` on every read (an office user
//! sees only its own 办事处's firms, never the unassigned ones); writes need
//! `Actor::can_edit_enterprises` (科技局).

pub(crate) mod demo;
mod error;
pub mod import;
pub mod ladder;
pub mod tiers;
pub mod values;

pub use error::EnterpriseError;

use crate::text::check_text;
use crate::{Actor, AppError, Result};
use chrono::NaiveDate;
use fengkou_domain::enterprise::Tier;
use fengkou_domain::uscc::Uscc;
use fengkou_storage::entity::{enterprise, enterprise_project, enterprise_tier, industry, office, project};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

crate::area!(
    /// The enterprise registry, indicators, tiers and the ladder.
    Enterprises,
    enterprises
);

/// The label of a firm without a 办事处.
pub const UNASSIGNED: &str = "未分配办事处";

/// Firms per page of the registry.
pub const PAGE_SIZE: u64 = 50;

/// A firm as the registry lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FirmRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub office: String,
    pub industry: String,
    /// The tiers it holds today.
    pub tiers: Vec<&'static str>,
    pub tags: Vec<String>,
    pub demo: bool,
}

/// What the registry is filtered by.
#[derive(Debug, Clone, Default)]
pub struct FirmFilter {
    /// Any part of the name or of the code.
    pub q: Option<String>,
    pub tier: Option<Tier>,
    pub industry_id: Option<i64>,
    /// `Some(0)`: the firms without a 办事处.
    pub office_id: Option<i64>,
    pub tag: Option<String>,
    pub page: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirmPage {
    pub rows: Vec<FirmRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

/// A firm's registry fields, as a form or the API sends them.
#[derive(Debug, Clone, Default)]
pub struct FirmInput {
    pub uscc: String,
    pub name: String,
    pub office_id: Option<i64>,
    pub industry_id: Option<i64>,
    pub registered_on: Option<NaiveDate>,
    pub address: String,
    pub contact: String,
    pub phone: String,
    pub liaison: String,
    pub tags: Vec<String>,
    pub note: String,
}

/// A firm's registry fields as its page shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Firm {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub office_id: Option<i64>,
    pub office: String,
    pub industry_id: Option<i64>,
    pub industry: String,
    pub registered_on: Option<NaiveDate>,
    pub address: String,
    pub contact: String,
    pub phone: String,
    pub liaison: String,
    pub tags: Vec<String>,
    pub note: String,
    pub demo: bool,
    pub version: i32,
}

/// A ledger project linked to a firm, or offered for linking by its 建设单位.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedProject {
    pub project_id: i64,
    pub name: String,
    pub owner: String,
    pub confirmed_by: Option<String>,
}

pub(crate) fn split_tags(tags: &str) -> Vec<String> {
    tags.split('、').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn join_tags(tags: &[String]) -> Result<String> {
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        for part in tag.split(['、', ',', '，', ';', '；']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            check_text("标签", part, 20)?;
            if !clean.iter().any(|t| t == part) {
                clean.push(part.to_string());
            }
        }
    }
    if clean.len() > 20 {
        return Err(AppError::invalid("标签", "最多 20 个标签"));
    }
    Ok(clean.join("、"))
}

/// The tiers each firm holds on `day` (recognised by then, not expired).
pub(crate) async fn current_tiers(
    db: &impl sea_orm::ConnectionTrait,
    firms: Option<&[i64]>,
    day: NaiveDate,
) -> Result<HashMap<i64, Vec<Tier>>> {
    let mut query = enterprise_tier::Entity::find();
    if let Some(firms) = firms {
        query = query.filter(enterprise_tier::Column::EnterpriseId.is_in(firms.iter().copied()));
    }
    let mut out: HashMap<i64, Vec<Tier>> = HashMap::new();
    for t in query.all(db).await? {
        if tier_holds(&t, day) {
            let held = out.entry(t.enterprise_id).or_default();
            if !held.contains(&t.tier.0) {
                held.push(*t.tier);
            }
        }
    }
    for held in out.values_mut() {
        held.sort_by_key(|t| Tier::ALL.iter().position(|a| a == t));
    }
    Ok(out)
}

use fengkou_domain::Coded;

/// The firms holding `tier` on `day`, as a subquery: lists filter by it in the
/// database rather than binding a few thousand holders' ids one by one (the 科小
/// candidate list of a district of 10,000 firms spent most of its time doing that).
pub(crate) fn holders_of(tier: Tier, day: NaiveDate) -> SelectStatement {
    Query::select()
        .column(enterprise_tier::Column::EnterpriseId)
        .from(enterprise_tier::Entity)
        .cond_where(
            Condition::all()
                .add(enterprise_tier::Column::Tier.eq(tier.code()))
                .add(
                    Condition::any()
                        .add(enterprise_tier::Column::RecognisedOn.is_null())
                        .add(enterprise_tier::Column::RecognisedOn.lte(day)),
                )
                .add(
                    Condition::any()
                        .add(enterprise_tier::Column::ValidUntil.is_null())
                        .add(enterprise_tier::Column::ValidUntil.gte(day)),
                ),
        )
        .to_owned()
}

pub(crate) fn tier_holds(t: &enterprise_tier::Model, day: NaiveDate) -> bool {
    t.recognised_on.is_none_or(|r| r <= day) && t.valid_until.is_none_or(|v| v >= day)
}

impl Enterprises<'_> {
    fn readable(&self, actor: &Actor) -> Result<()> {
        if actor.can_read_enterprises() {
            Ok(())
        } else {
            Err(AppError::forbidden("企业信息只对科技局、区领导、项目办和办事处开放"))
        }
    }

    /// The registry, filtered, a page at a time; an office user sees its own firms only.
    pub async fn list(&self, actor: &Actor, filter: &FirmFilter) -> Result<FirmPage> {
        self.readable(actor)?;
        let mut condition = Condition::all();
        if let Some(office) = actor.confined_to() {
            condition = condition.add(enterprise::Column::OfficeId.eq(office));
        }
        match filter.office_id {
            Some(0) => condition = condition.add(enterprise::Column::OfficeId.is_null()),
            Some(id) => condition = condition.add(enterprise::Column::OfficeId.eq(id)),
            None => {}
        }
        if let Some(id) = filter.industry_id {
            condition = condition.add(enterprise::Column::IndustryId.eq(id));
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            // LIKE's wildcards are not search terms: "%" would match every firm.
            let q: String = q.chars().filter(|c| *c != '%' && *c != '_').take(50).collect();
            let code = fengkou_domain::uscc::normalise(&q);
            condition = condition.add(
                Condition::any()
                    .add(enterprise::Column::Name.contains(&q))
                    .add(enterprise::Column::Uscc.contains(&code)),
            );
        }
        if let Some(tag) = filter.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let tag: String = tag.chars().take(20).collect();
            condition = condition.add(enterprise::Column::Tags.contains(&tag));
        }
        if let Some(tier) = filter.tier {
            condition = condition.add(enterprise::Column::Id.in_subquery(holders_of(tier, self.today())));
        }
        let query = enterprise::Entity::find().filter(condition);
        let total = query.clone().count(&self.db).await?;
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = filter.page.clamp(1, pages);
        let firms = query
            .order_by_asc(enterprise::Column::Name)
            .order_by_asc(enterprise::Column::Id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = firms.iter().map(|f| f.id).collect();
        let tiers = current_tiers(&self.db, Some(&ids), self.today()).await?;
        let (offices, industries) = self.names().await?;
        let rows = firms
            .into_iter()
            .map(|f| FirmRow {
                id: f.id,
                office: office_name(&offices, f.office_id),
                industry: f.industry_id.and_then(|i| industries.get(&i).cloned()).unwrap_or_default(),
                tiers: tiers.get(&f.id).map(|t| t.iter().map(|t| t.label()).collect()).unwrap_or_default(),
                tags: split_tags(&f.tags),
                uscc: f.uscc,
                name: f.name,
                demo: f.demo,
            })
            .collect();
        Ok(FirmPage { rows, total, page, pages })
    }

    pub(crate) async fn names(&self) -> Result<(HashMap<i64, String>, HashMap<i64, String>)> {
        let offices = office::Entity::find().all(&self.db).await?.into_iter().map(|o| (o.id, o.name)).collect();
        let industries = industry::Entity::find().all(&self.db).await?.into_iter().map(|i| (i.id, i.name)).collect();
        Ok((offices, industries))
    }

    /// An office user's firms as a subquery (None: the actor sees every firm), for
    /// confining lists that are read by firm (candidates, credit rankings and exports).
    pub(crate) fn confined_firms(&self, actor: &Actor) -> Option<SelectStatement> {
        let office = actor.confined_to()?;
        Some(
            Query::select()
                .column(enterprise::Column::Id)
                .from(enterprise::Entity)
                .and_where(enterprise::Column::OfficeId.eq(office))
                .to_owned(),
        )
    }

    /// One firm's registry fields, if the actor may read it.
    pub async fn firm(&self, actor: &Actor, id: i64) -> Result<Firm> {
        self.readable(actor)?;
        let row = enterprise::Entity::find_by_id(id).one(&self.db).await?.ok_or(AppError::NotFound("企业"))?;
        if !actor.can_read_enterprise(row.office_id) {
            // Another office's firm is as if it did not exist.
            return Err(AppError::NotFound("企业"));
        }
        let (offices, industries) = self.names().await?;
        Ok(Firm {
            id: row.id,
            office: office_name(&offices, row.office_id),
            industry: row.industry_id.and_then(|i| industries.get(&i).cloned()).unwrap_or_default(),
            office_id: row.office_id,
            industry_id: row.industry_id,
            registered_on: row.registered_on,
            tags: split_tags(&row.tags),
            uscc: row.uscc,
            name: row.name,
            address: row.address,
            contact: row.contact,
            phone: row.phone,
            liaison: row.liaison,
            note: row.note,
            demo: row.demo,
            version: row.version,
        })
    }

    /// The firm with this code, for the API (`/api/v1/enterprises/{uscc}`).
    pub async fn firm_by_code(&self, actor: &Actor, code: &str) -> Result<Firm> {
        let code = Uscc::parse(code).map_err(EnterpriseError::from)?;
        let row = enterprise::Entity::find()
            .filter(enterprise::Column::Uscc.eq(code.as_str()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("企业"))?;
        self.firm(actor, row.id).await
    }

    fn check_input(&self, input: &FirmInput) -> Result<(Uscc, String)> {
        let uscc = Uscc::parse(&input.uscc).map_err(EnterpriseError::from)?;
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(EnterpriseError::NameMissing.into());
        }
        check_text("企业名称", &name, 100)?;
        for (field, value, max) in [
            ("地址", &input.address, 200),
            ("联系人", &input.contact, 50),
            ("联系电话", &input.phone, 50),
            ("包联干部", &input.liaison, 50),
            ("备注", &input.note, 1000),
        ] {
            check_text(field, value, max)?;
        }
        if let Some(day) = input.registered_on
            && day > self.today()
        {
            return Err(AppError::invalid("成立日期", format!("{day} 晚于今天")));
        }
        Ok((uscc, name))
    }

    /// The 办事处 and industry a form names must exist (a hand-made request could name any id).
    async fn check_references(&self, db: &impl sea_orm::ConnectionTrait, input: &FirmInput) -> Result<()> {
        if let Some(id) = input.office_id
            && office::Entity::find_by_id(id).one(db).await?.is_none()
        {
            return Err(AppError::invalid("办事处", format!("没有编号为 {id} 的办事处")));
        }
        if let Some(id) = input.industry_id
            && industry::Entity::find_by_id(id).one(db).await?.is_none()
        {
            return Err(AppError::invalid("行业", format!("没有编号为 {id} 的行业")));
        }
        Ok(())
    }

    /// Registers a firm (科技局).
    pub async fn create_firm(&self, actor: &Actor, input: &FirmInput) -> Result<i64> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以登记企业")?;
        let (uscc, name) = self.check_input(input)?;
        let tags = join_tags(&input.tags)?;
        let mut w = self.write(permit).await?;
        self.check_references(&w, input).await?;
        if let Some(existing) =
            enterprise::Entity::find().filter(enterprise::Column::Uscc.eq(uscc.as_str())).one(&w).await?
        {
            return Err(EnterpriseError::Duplicate { uscc: uscc.to_string(), name: existing.name }.into());
        }
        let now = w.now();
        let saved = enterprise::ActiveModel {
            uscc: Set(uscc.to_string()),
            name: Set(name),
            office_id: Set(input.office_id),
            industry_id: Set(input.industry_id),
            registered_on: Set(input.registered_on),
            address: Set(input.address.trim().to_string()),
            contact: Set(input.contact.trim().to_string()),
            phone: Set(input.phone.trim().to_string()),
            liaison: Set(input.liaison.trim().to_string()),
            tags: Set(tags),
            note: Set(input.note.trim().to_string()),
            demo: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        w.created("enterprise", saved.id, None, &saved);
        self.reassess_in(&w, Some(&[saved.id])).await?;
        w.commit().await?;
        Ok(saved.id)
    }

    /// Edits a firm's registry fields; `version` is the one the form was opened on (a
    /// stale form is refused, not saved over someone else's change).
    pub async fn update_firm(&self, actor: &Actor, id: i64, input: &FirmInput, version: i32) -> Result<()> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以修改企业信息")?;
        let (uscc, name) = self.check_input(input)?;
        let tags = join_tags(&input.tags)?;
        let mut w = self.write(permit).await?;
        self.check_references(&w, input).await?;
        fengkou_storage::queries::lock_enterprise(&w, id).await?;
        let before = enterprise::Entity::find_by_id(id).one(&w).await?.ok_or(AppError::NotFound("企业"))?;
        if before.version != version {
            return Err(AppError::Conflict("这家企业的信息已被他人修改，请刷新后再改".into()));
        }
        if uscc.as_str() != before.uscc
            && let Some(other) =
                enterprise::Entity::find().filter(enterprise::Column::Uscc.eq(uscc.as_str())).one(&w).await?
        {
            return Err(EnterpriseError::Duplicate { uscc: uscc.to_string(), name: other.name }.into());
        }
        let mut row: enterprise::ActiveModel = before.clone().into();
        row.uscc = Set(uscc.to_string());
        row.name = Set(name);
        row.office_id = Set(input.office_id);
        row.industry_id = Set(input.industry_id);
        row.registered_on = Set(input.registered_on);
        row.address = Set(input.address.trim().to_string());
        row.contact = Set(input.contact.trim().to_string());
        row.phone = Set(input.phone.trim().to_string());
        row.liaison = Set(input.liaison.trim().to_string());
        row.tags = Set(tags);
        row.note = Set(input.note.trim().to_string());
        row.version = Set(before.version + 1);
        row.updated_at = Set(w.now());
        let after = row.update(&w).await?;
        w.updated("enterprise", id, None, serde_json::to_value(&before).ok(), &after);
        self.reassess_in(&w, Some(&[id])).await?;
        w.commit().await?;
        Ok(())
    }

    /// The ledger projects linked to a firm, and those whose 建设单位 names it but are
    /// not linked yet (for a person to confirm).
    pub async fn projects_of(&self, actor: &Actor, id: i64) -> Result<(Vec<LinkedProject>, Vec<LinkedProject>)> {
        let firm = self.firm(actor, id).await?;
        let links = enterprise_project::Entity::find()
            .filter(enterprise_project::Column::EnterpriseId.eq(id))
            .all(&self.db)
            .await?;
        let linked_ids: Vec<i64> = links.iter().map(|l| l.project_id).collect();
        let mut query = project::Entity::find().filter(
            Condition::any()
                .add(project::Column::Id.is_in(linked_ids.clone()))
                .add(project::Column::OwnerUnit.eq(firm.name.clone())),
        );
        if let Some(office) = actor.confined_to() {
            query = query.filter(project::Column::OfficeId.eq(office));
        }
        let projects = query.limit(200).all(&self.db).await?;
        let (mut linked, mut offered) = (Vec::new(), Vec::new());
        for p in projects {
            let link = links.iter().find(|l| l.project_id == p.id);
            let item = LinkedProject {
                project_id: p.id,
                name: p.name,
                owner: p.owner_unit,
                confirmed_by: link.map(|l| l.confirmed_by.clone()),
            };
            if link.is_some() { linked.push(item) } else { offered.push(item) }
        }
        Ok((linked, offered))
    }

    /// Confirms that a ledger project is this firm's (科技局 or 项目办).
    pub async fn link_project(&self, actor: &Actor, firm_id: i64, project_id: i64) -> Result<()> {
        let allowed = actor.can_edit_enterprises() || actor.can_manage_pipeline();
        let permit = actor.permit(allowed, "只有科技局或项目办可以确认项目的建设单位")?;
        let mut w = self.write(permit).await?;
        enterprise::Entity::find_by_id(firm_id).one(&w).await?.ok_or(AppError::NotFound("企业"))?;
        project::Entity::find_by_id(project_id).one(&w).await?.ok_or(AppError::NotFound("项目"))?;
        let exists = enterprise_project::Entity::find()
            .filter(enterprise_project::Column::EnterpriseId.eq(firm_id))
            .filter(enterprise_project::Column::ProjectId.eq(project_id))
            .one(&w)
            .await?;
        if exists.is_some() {
            return Ok(());
        }
        let saved = enterprise_project::ActiveModel {
            enterprise_id: Set(firm_id),
            project_id: Set(project_id),
            confirmed_by: Set(w.who().to_string()),
            confirmed_at: Set(w.now()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        w.created("enterprise_project", saved.id, Some(project_id), &saved);
        w.commit().await?;
        Ok(())
    }
}

pub(crate) fn office_name(offices: &HashMap<i64, String>, id: Option<i64>) -> String {
    match id {
        None => UNASSIGNED.to_string(),
        Some(id) => offices.get(&id).cloned().unwrap_or_else(|| format!("（不存在的办事处 {id}）")),
    }
}
