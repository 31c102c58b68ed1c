//! Read-side queries: the ledger page, the summary, the office comparison and the
//! dashboard figures. Aggregates are plain SQL that both SQLite and PostgreSQL accept;
//! sums are cast to BIGINT because PostgreSQL's SUM(bigint) returns NUMERIC.

use crate::entity::project;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};

/// Builds a statement from SQL written with `?` placeholders. PostgreSQL wants `$1…`;
/// this is the only rewrite, and our SQL never has a `?` inside a literal.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_string(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Filters of the ledger list. `confined_office` is the permission boundary and is
/// applied whatever else is asked.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub confined_office: Option<i64>,
    pub office_id: Option<i64>,
    pub industry_id: Option<i64>,
    pub stage: Option<String>,
    pub warning: Option<String>,
    /// Projects in that year's plan (with an annual-plan row).
    pub year: Option<i32>,
    /// A part of the name or code.
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectSort {
    /// Latest registered first: every index ends in the row id, so this needs no sort.
    #[default]
    Newest,
    Updated,
    Name,
    TotalDesc,
    TotalAsc,
    Stage,
    Office,
    Warning,
}

impl ProjectSort {
    pub fn from_code(code: &str) -> ProjectSort {
        match code {
            "name" => ProjectSort::Name,
            "total" | "total_desc" => ProjectSort::TotalDesc,
            "total_asc" => ProjectSort::TotalAsc,
            "stage" => ProjectSort::Stage,
            "office" => ProjectSort::Office,
            "warning" => ProjectSort::Warning,
            "updated" => ProjectSort::Updated,
            _ => ProjectSort::Newest,
        }
    }
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn filtered(filter: &ProjectFilter) -> sea_orm::Select<project::Entity> {
    let mut q = project::Entity::find();
    if let Some(o) = filter.confined_office {
        q = q.filter(project::Column::OfficeId.eq(o));
    }
    if let Some(o) = filter.office_id {
        q = q.filter(project::Column::OfficeId.eq(o));
    }
    if let Some(i) = filter.industry_id {
        q = q.filter(project::Column::IndustryId.eq(i));
    }
    if let Some(s) = &filter.stage {
        q = q.filter(project::Column::Stage.eq(s.clone()));
    }
    if let Some(w) = &filter.warning {
        q = q.filter(project::Column::WarningLight.eq(w.clone()));
    }
    if let Some(y) = filter.year {
        // Correlated EXISTS: one index probe per candidate row, not a 100k-id IN list.
        use crate::entity::annual_plan as ap;
        q = q.filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(ap::Entity)
                .and_where(
                    Expr::col((ap::Entity, ap::Column::ProjectId)).equals((project::Entity, project::Column::Id)),
                )
                .and_where(Expr::col((ap::Entity, ap::Column::Year)).eq(y))
                .to_owned(),
        ));
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // LIKE, not a trigram index: queries of one or two Chinese characters must match.
        let pattern = escape_like(text);
        q = q.filter(
            Expr::col(project::Column::Name)
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
                .or(Expr::col(project::Column::Code).like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))),
        );
    }
    q
}

/// One page of the ledger and the number of matching projects.
pub async fn list_projects<C: ConnectionTrait>(
    db: &C,
    filter: &ProjectFilter,
    sort: ProjectSort,
    page: u64,
    per_page: u64,
) -> Result<(Vec<project::Model>, u64), DbErr> {
    // COUNT(id) directly (not over a sub-select of every column) so that an index can answer.
    let total: i64 = filtered(filter)
        .select_only()
        .column_as(Expr::col((project::Entity, project::Column::Id)).count(), "n")
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or(0);
    let total = total as u64;
    let mut q = filtered(filter);
    q = match sort {
        ProjectSort::Newest => q,
        ProjectSort::Updated => q.order_by(project::Column::UpdatedAt, Order::Desc),
        ProjectSort::Name => q.order_by(project::Column::Name, Order::Asc),
        ProjectSort::TotalDesc => q.order_by(project::Column::TotalInvestment, Order::Desc),
        ProjectSort::TotalAsc => q.order_by(project::Column::TotalInvestment, Order::Asc),
        ProjectSort::Stage => q.order_by(project::Column::Stage, Order::Asc),
        ProjectSort::Office => q.order_by(project::Column::OfficeId, Order::Asc),
        ProjectSort::Warning => q.order_by(project::Column::WarningLight, Order::Desc),
    };
    let rows = q
        .order_by(project::Column::Id, Order::Desc)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every project matching the filter (exports; no paging).
pub async fn all_projects<C: ConnectionTrait>(db: &C, filter: &ProjectFilter) -> Result<Vec<project::Model>, DbErr> {
    filtered(filter)
        .order_by(project::Column::OfficeId, Order::Asc)
        .order_by(project::Column::Id, Order::Asc)
        .all(db)
        .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct YearFigures {
    pub project_id: i64,
    pub amount: i64,
    pub completed: i64,
}

/// Annual plan and completed amounts of `year` for the given projects.
pub async fn year_figures<C: ConnectionTrait>(
    db: &C,
    project_ids: &[i64],
    year: i32,
) -> Result<Vec<YearFigures>, DbErr> {
    if project_ids.is_empty() {
        return Ok(Vec::new());
    }
    use crate::entity::annual_plan as ap;
    YearFigures::find_by_statement(
        db.get_database_backend().build(
            Query::select()
                .columns([ap::Column::ProjectId, ap::Column::Amount, ap::Column::Completed])
                .from(ap::Entity)
                .and_where(Expr::col(ap::Column::Year).eq(year))
                .and_where(Expr::col(ap::Column::ProjectId).is_in(project_ids.iter().copied())),
        ),
    )
    .all(db)
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Totals {
    pub count: i64,
    pub total_investment: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct KeyCount {
    pub key: String,
    pub n: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct KeySum {
    pub key: i64,
    pub n: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PlanTotals {
    pub plan: i64,
    pub completed: i64,
}

fn office_clause(confined: Option<i64>, column: &str, values: &mut Vec<Value>) -> String {
    match confined {
        Some(o) => {
            values.push(o.into());
            format!(" AND {column} = ?")
        }
        None => String::new(),
    }
}

/// Count and total investment of all visible projects.
pub async fn totals<C: ConnectionTrait>(db: &C, confined: Option<i64>) -> Result<Totals, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT COUNT(*) AS count, CAST(COALESCE(SUM(total_investment), 0) AS BIGINT) AS total_investment FROM projects WHERE 1=1{clause}"
    );
    Ok(Totals::find_by_statement(stmt(db.get_database_backend(), &sql, v))
        .one(db)
        .await?
        .unwrap_or(Totals { count: 0, total_investment: 0 }))
}

/// Annual plan and completed for `year`, over visible projects.
pub async fn plan_totals<C: ConnectionTrait>(db: &C, confined: Option<i64>, year: i32) -> Result<PlanTotals, DbErr> {
    let mut v: Vec<Value> = vec![year.into()];
    // Without an office boundary the covering index on annual_plans answers alone.
    let sql = match confined {
        None => "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS plan, CAST(COALESCE(SUM(completed), 0) AS BIGINT) AS completed \
                 FROM annual_plans WHERE year = ?"
            .to_string(),
        Some(_) => {
            let clause = office_clause(confined, "p.office_id", &mut v);
            format!(
                "SELECT CAST(COALESCE(SUM(a.amount), 0) AS BIGINT) AS plan, CAST(COALESCE(SUM(a.completed), 0) AS BIGINT) AS completed \
                 FROM annual_plans a JOIN projects p ON p.id = a.project_id WHERE a.year = ?{clause}"
            )
        }
    };
    Ok(PlanTotals::find_by_statement(stmt(db.get_database_backend(), &sql, v))
        .one(db)
        .await?
        .unwrap_or(PlanTotals { plan: 0, completed: 0 }))
}

/// Project counts grouped by a text column of `projects` (stage, warning_light).
pub async fn count_by<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    column: ProjectTextColumn,
) -> Result<Vec<KeyCount>, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let col = column.sql();
    let sql = format!("SELECT {col} AS key, COUNT(*) AS n FROM projects WHERE 1=1{clause} GROUP BY {col}");
    KeyCount::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}

#[derive(Debug, Clone, Copy)]
pub enum ProjectTextColumn {
    Stage,
    Warning,
}

impl ProjectTextColumn {
    fn sql(self) -> &'static str {
        match self {
            ProjectTextColumn::Stage => "stage",
            ProjectTextColumn::Warning => "warning_light",
        }
    }
}

/// Count and total investment grouped by an id column (office_id, industry_id).
pub async fn sum_by<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    column: ProjectIdColumn,
) -> Result<Vec<KeySum>, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let col = column.sql();
    let sql = format!(
        "SELECT {col} AS key, COUNT(*) AS n, CAST(COALESCE(SUM(total_investment), 0) AS BIGINT) AS amount FROM projects WHERE 1=1{clause} GROUP BY {col}"
    );
    KeySum::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}

#[derive(Debug, Clone, Copy)]
pub enum ProjectIdColumn {
    Office,
    Industry,
}

impl ProjectIdColumn {
    fn sql(self) -> &'static str {
        match self {
            ProjectIdColumn::Office => "office_id",
            ProjectIdColumn::Industry => "industry_id",
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct OfficeStageCount {
    pub office_id: i64,
    pub key: String,
    pub n: i64,
}

/// Per office and stage (or warning colour): the comparison table's grid.
pub async fn office_grid<C: ConnectionTrait>(
    db: &C,
    column: ProjectTextColumn,
) -> Result<Vec<OfficeStageCount>, DbErr> {
    let col = column.sql();
    let sql = format!("SELECT office_id, {col} AS key, COUNT(*) AS n FROM projects GROUP BY office_id, {col}");
    OfficeStageCount::find_by_statement(stmt(db.get_database_backend(), &sql, vec![])).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct OfficePlan {
    pub office_id: i64,
    pub plan: i64,
    pub completed: i64,
}

pub async fn office_plans<C: ConnectionTrait>(db: &C, year: i32) -> Result<Vec<OfficePlan>, DbErr> {
    let sql = "SELECT p.office_id AS office_id, CAST(COALESCE(SUM(a.amount), 0) AS BIGINT) AS plan, \
               CAST(COALESCE(SUM(a.completed), 0) AS BIGINT) AS completed \
               FROM annual_plans a JOIN projects p ON p.id = a.project_id WHERE a.year = ? GROUP BY p.office_id";
    OfficePlan::find_by_statement(stmt(db.get_database_backend(), sql, vec![year.into()])).all(db).await
}

/// New 签约/开工/投产 in a date range, per office (from the stage history).
pub async fn office_transitions<C: ConnectionTrait>(
    db: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<OfficeStageCount>, DbErr> {
    let sql = "SELECT p.office_id AS office_id, e.to_stage AS key, COUNT(DISTINCT e.project_id) AS n \
               FROM stage_events e JOIN projects p ON p.id = e.project_id \
               WHERE e.on_date >= ? AND e.on_date <= ? GROUP BY p.office_id, e.to_stage";
    OfficeStageCount::find_by_statement(stmt(db.get_database_backend(), sql, vec![from.into(), to.into()]))
        .all(db)
        .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct OfficeCount {
    pub office_id: i64,
    pub n: i64,
}

/// Projects under construction (开工…投产) without a report for the month, per office.
pub async fn missing_report_counts<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
) -> Result<Vec<OfficeCount>, DbErr> {
    let sql = "SELECT p.office_id AS office_id, COUNT(*) AS n FROM projects p \
               WHERE p.stage IN ('started', 'building', 'producing') \
               AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.project_id = p.id AND r.year = ? AND r.month = ?) \
               GROUP BY p.office_id";
    OfficeCount::find_by_statement(stmt(db.get_database_backend(), sql, vec![year.into(), month.into()])).all(db).await
}

/// The projects that owe a report for the month (all offices or one).
pub async fn missing_reports<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
    confined: Option<i64>,
) -> Result<Vec<project::Model>, DbErr> {
    use sea_orm::sea_query::Query as Q;
    let reported = Q::select()
        .column(crate::entity::report::Column::ProjectId)
        .from(crate::entity::report::Entity)
        .and_where(Expr::col(crate::entity::report::Column::Year).eq(year))
        .and_where(Expr::col(crate::entity::report::Column::Month).eq(month))
        .to_owned();
    let mut q = project::Entity::find()
        .filter(project::Column::Stage.is_in(["started", "building", "producing"]))
        .filter(project::Column::Id.not_in_subquery(reported));
    if let Some(o) = confined {
        q = q.filter(project::Column::OfficeId.eq(o));
    }
    q.order_by(project::Column::OfficeId, Order::Asc).order_by(project::Column::Name, Order::Asc).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct MonthSum {
    pub month: i32,
    pub amount: i64,
}

/// Completed investment per month of `year` over visible projects.
pub async fn completed_by_month<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    year: i32,
) -> Result<Vec<MonthSum>, DbErr> {
    let mut v: Vec<Value> = vec![year.into()];
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT month, CAST(COALESCE(SUM(completed), 0) AS BIGINT) AS amount FROM reports WHERE year = ?{clause} GROUP BY month ORDER BY month"
    );
    MonthSum::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ProblemReport {
    pub project_id: i64,
    pub office_id: i64,
    pub year: i32,
    pub month: i32,
    pub problems: String,
    pub help_needed: String,
}

/// The latest reports that name a problem. The literal `''` lets both databases use
/// the partial index ix_reports_with_problems (a bound parameter would not).
pub async fn latest_problem_reports<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    limit: u64,
) -> Result<Vec<ProblemReport>, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT project_id, office_id, year, month, problems, help_needed FROM reports WHERE problems <> ''{clause} \
         ORDER BY year DESC, month DESC, id DESC LIMIT {limit}"
    );
    ProblemReport::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}
