//! The audit trail: who did what, when, from where, and the record before and after.
//! Entries are recorded through a [`Write`](crate::Write) and inserted here ([`insert`], with the
//! request's client through [`with_client`]);
//! how an entry reads for people is in [`present`](mod@present).

mod present;

pub use present::{ACTIONS, AuditChange, AuditEntry};
pub(crate) use present::{is_meeting_secret, present};

use crate::{Actor, AppError, Result};
use fengkou_storage::entity::audit;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub project_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub fn json<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Who is asking: the client's address and user agent, as the web layer saw them.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub addr: String,
    pub user_agent: String,
}

tokio::task_local! {
    /// The request being served. Set once per request by the web layer
    /// ([`with_client`]), read by [`record`]: every entry written while serving it
    /// carries the address and user agent, without threading them through every use
    /// case's arguments. Outside a request (CLI, background refresh) it is empty.
    static CLIENT: Client;
}

/// Runs `work` (a request's handling) with `client` as the audit trail's "who asked".
pub async fn with_client<F: std::future::Future>(client: Client, work: F) -> F::Output {
    CLIENT.scope(client, work).await
}

/// Inserts one entry. Use cases record through their [`Write`](crate::Write), whose
/// commit calls this; the few entries written outside a write (a refused request, a
/// throttled sign-in) go through [`App::record_request`] and the sign-in code.
pub(crate) async fn insert<C: ConnectionTrait>(
    db: &C,
    username: &str,
    at: chrono::DateTime<chrono::Utc>,
    change: Change<'_>,
) -> Result<()> {
    let client = CLIENT.try_with(Client::clone).unwrap_or_default();
    audit::ActiveModel {
        client_addr: Set(client.addr),
        user_agent: Set(client.user_agent),
        at: Set(at),
        username: Set(username.to_string()),
        action: Set(change.action.to_string()),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        project_id: Set(change.project_id),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub const AUDIT_PAGE: u64 = 100;
/// An export holds at most this many entries (the newest).
pub const AUDIT_EXPORT_MAX: u64 = 50_000;

/// What the trail is filtered by (all optional).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub project_id: Option<i64>,
    /// A part of a project's name (the entries of the projects it matches).
    pub project_name: Option<String>,
    pub action: Option<String>,
    /// Days in China time, inclusive.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl Audit<'_> {
    /// Records a request that changed nothing but must be on the trail: a refusal
    /// (`denied`) or a download (`export`).
    pub async fn record_request(&self, username: &str, action: &str, method: &str, path: &str) -> Result<()> {
        insert(
            &self.writer,
            username,
            self.now(),
            Change {
                action,
                entity: "request",
                entity_id: None,
                project_id: None,
                before: None,
                after: Some(serde_json::json!({ "method": method, "path": path })),
            },
        )
        .await
    }

    /// The trail's query; a project named by part of its name is looked up first (the
    /// first 200 matches).
    async fn audit_query(&self, f: &AuditFilter) -> Result<sea_orm::Select<audit::Entity>> {
        use fengkou_storage::entity::project;
        use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
        let named: Option<Vec<i64>> = match f.project_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => {
                let pattern = format!("%{}%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                Some(
                    project::Entity::find()
                        .select_only()
                        .column(project::Column::Id)
                        .filter(Expr::col(project::Column::Name).like(LikeExpr::new(pattern).escape('\\')))
                        .limit(200)
                        .into_tuple::<i64>()
                        .all(&self.db)
                        .await?,
                )
            }
            None => None,
        };
        let mut q = self.audit_select(f);
        if let Some(ids) = named {
            q = q.filter(audit::Column::ProjectId.is_in(ids));
        }
        Ok(q)
    }

    fn audit_select(&self, f: &AuditFilter) -> sea_orm::Select<audit::Entity> {
        let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
        let mut q = audit::Entity::find();
        if let Some(u) = f.username.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            q = q.filter(audit::Column::Username.eq(u));
        }
        if let Some(p) = f.project_id {
            q = q.filter(audit::Column::ProjectId.eq(p));
        }
        if let Some(a) = f.action.as_deref().filter(|a| !a.is_empty()) {
            q = q.filter(audit::Column::Action.eq(a));
        }
        let start = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(china).single())
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        if let Some(from) = f.from.and_then(start) {
            q = q.filter(audit::Column::At.gte(from));
        }
        if let Some(to) = f.to.and_then(|d| d.succ_opt()).and_then(start) {
            q = q.filter(audit::Column::At.lt(to));
        }
        q.order_by_desc(audit::Column::Id)
    }

    async fn present_all(&self, actor: &Actor, rows: &[audit::Model]) -> Result<Vec<AuditEntry>> {
        use fengkou_storage::entity::project;
        let names = crate::rows::Names::load(&self.db).await?;
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.project_id).collect();
        let mut projects = std::collections::HashMap::new();
        for chunk in ids.chunks(1_000) {
            for p in project::Entity::find().filter(project::Column::Id.is_in(chunk.to_vec())).all(&self.db).await? {
                projects.insert(p.id, p.name);
            }
        }
        Ok(rows.iter().map(|r| present(r, actor, &names, &projects)).collect())
    }

    /// The whole system's trail, newest first (admin and project office), filtered.
    pub async fn audit_log(&self, actor: &Actor, filter: &AuditFilter, page: u64) -> Result<(Vec<AuditEntry>, u64)> {
        if !actor.can_read_audit() {
            return Err(AppError::forbidden("只有管理员和项目办可以查看全系统操作日志"));
        }
        let paginator = self.audit_query(filter).await?.paginate(&self.db, AUDIT_PAGE);
        let pages = paginator.num_pages().await?.max(1);
        let rows = paginator.fetch_page(page.clamp(1, pages) - 1).await?;
        Ok((self.present_all(actor, &rows).await?, pages))
    }

    /// The filtered trail as a workbook (the newest [`AUDIT_EXPORT_MAX`] entries).
    pub async fn export_audit(&self, actor: &Actor, filter: &AuditFilter) -> Result<Vec<u8>> {
        use fengkou_office::table::{Sheet, TableCell, write_sheets};
        if !actor.can_read_audit() {
            return Err(AppError::forbidden("只有管理员和项目办可以导出全系统操作日志"));
        }
        let rows = self.audit_query(filter).await?.limit(AUDIT_EXPORT_MAX).all(&self.db).await?;
        let entries = self.present_all(actor, &rows).await?;
        let text = |s: &str| TableCell::Text(s.to_string());
        let sheet = Sheet {
            name: "操作日志".into(),
            title: "操作日志".into(),
            unit: format!("时间为北京时间（UTC+8）；共 {} 条", entries.len()),
            headers: ["时间", "操作人", "操作", "对象", "项目", "变更（修改前 → 修改后）", "来源（地址 · 浏览器）"]
                .map(String::from)
                .to_vec(),
            rows: entries
                .iter()
                .map(|e| {
                    let changes: Vec<String> = e.changes.iter().map(ToString::to_string).collect();
                    let detail = if changes.is_empty() { e.note.clone() } else { changes.join("；") };
                    vec![
                        text(&e.at),
                        text(&e.username),
                        text(&e.action_label),
                        text(&e.entity_label),
                        text(&e.project),
                        text(&detail),
                        text(&e.client),
                    ]
                })
                .collect(),
        };
        write_sheets(&[sheet]).map_err(AppError::from)
    }

    /// A project's trail (whoever may read the project); meeting scores, ballots,
    /// penalties and bonuses in it only for the project office and the leaders.
    pub async fn project_audit(&self, actor: &Actor, project_id: i64) -> Result<Vec<AuditEntry>> {
        self.projects().readable_project(actor, project_id).await?;
        let rows: Vec<audit::Model> = audit::Entity::find()
            .filter(audit::Column::ProjectId.eq(project_id))
            .order_by_desc(audit::Column::Id)
            .limit(1_000)
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|a| actor.can_see_meeting_results(false) || !is_meeting_secret(a))
            .collect();
        self.present_all(actor, &rows).await
    }
}

crate::area!(
    /// The use cases of the audit trail: `app.audit()`.
    Audit,
    audit
);
