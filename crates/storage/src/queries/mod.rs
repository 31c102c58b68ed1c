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

mod totals;
pub use totals::{
    BULK_ROWS, COVER_TOTALS, KEPT_TABLES, KeptTable, MONTH_NUMBERS, MONTH_TOTALS, PLAN_TOTALS, PROJECT_TOTALS,
    START_TOTALS, TotalDrift, fold_totals, kept_totals_drift, lock_enterprise, lock_ladder, lock_project,
    rebuild_kept_totals, refresh_statistics, start_month, statistics_state,
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

/// The projects a filter selects (the ledger page, its export).
pub fn filtered(filter: &ProjectFilter) -> sea_orm::Select<project::Entity> {
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
pub async fn list_projects<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    filter: &ProjectFilter,
    sort: ProjectSort,
    page: u64,
    per_page: u64,
) -> Result<(Vec<project::Model>, u64), DbErr> {
    let searching = filter.search.as_deref().is_some_and(|t| !t.trim().is_empty());
    if db.get_database_backend() == DbBackend::Postgres && searching {
        // A search of a few characters reads every name: from the narrow (name, office,
        // code) index rather than the 73 MB table. PostgreSQL costs a full index scan as
        // random reads (4× a table page by default), so once the index passes a quarter
        // of the table's size, as it does when it grew with the rows, it scans the table
        // instead (56 ms against 15 ms at 100,000 projects). For this query only, the
        // cost of a page read at random is that of a cached one.
        let txn = db.begin().await?;
        txn.execute_unprepared("SET LOCAL random_page_cost = 1.1").await?;
        let found = ledger_page(&txn, filter, sort, page, per_page).await?;
        sea_orm::TransactionSession::commit(txn).await?;
        return Ok(found);
    }
    ledger_page(db, filter, sort, page, per_page).await
}

async fn ledger_page<C: ConnectionTrait>(
    db: &C,
    filter: &ProjectFilter,
    sort: ProjectSort,
    page: u64,
    per_page: u64,
) -> Result<(Vec<project::Model>, u64), DbErr> {
    // COUNT(*) directly (not over a sub-select of every column) so that an index can
    // answer: PostgreSQL's indexes hold no id (COUNT(id) read the table again).
    let total: i64 =
        filtered(filter).select_only().column_as(Expr::cust("COUNT(*)"), "n").into_tuple().one(db).await?.unwrap_or(0);
    let total = total as u64;
    let mut q = filtered(filter);
    q = match sort {
        ProjectSort::Newest => q,
        ProjectSort::Updated => q.order_by(project::Column::UpdatedAt, Order::Desc),
        ProjectSort::Name => q.order_by(project::Column::Name, Order::Asc),
        ProjectSort::TotalDesc => q.order_by(project::Column::TotalInvestment, Order::Desc),
        ProjectSort::TotalAsc => q.order_by(project::Column::TotalInvestment, Order::Asc),
        // The pipeline's order (谋划 → 达产) and red → yellow → green, not the codes'
        // alphabetical order.
        ProjectSort::Stage => q.order_by(
            Expr::cust(
                "CASE stage WHEN 'planning' THEN 0 WHEN 'negotiating' THEN 1 WHEN 'signed' THEN 2 \
                 WHEN 'started' THEN 3 WHEN 'building' THEN 4 WHEN 'producing' THEN 5 ELSE 6 END",
            ),
            Order::Asc,
        ),
        ProjectSort::Office => q.order_by(project::Column::OfficeId, Order::Asc),
        ProjectSort::Warning => {
            q.order_by(Expr::cust("CASE warning_light WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END"), Order::Asc)
        }
    };
    let rows = q
        .order_by(project::Column::Id, Order::Desc)
        .offset(Ord::min(page.saturating_sub(1).saturating_mul(per_page), i64::MAX as u64))
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

/// Count and total investment of all visible projects (from `project_totals`).
pub async fn totals<C: ConnectionTrait>(db: &C, confined: Option<i64>) -> Result<Totals, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(projects), 0) AS BIGINT) AS count, CAST(COALESCE(SUM(investment), 0) AS BIGINT) AS total_investment \
         FROM project_totals WHERE 1=1{clause}"
    );
    Ok(Totals::find_by_statement(stmt(db.get_database_backend(), &sql, v))
        .one(db)
        .await?
        .unwrap_or(Totals { count: 0, total_investment: 0 }))
}

/// Annual plan and completed for `year`, over visible projects (from `plan_totals`).
pub async fn plan_totals<C: ConnectionTrait>(db: &C, confined: Option<i64>, year: i32) -> Result<PlanTotals, DbErr> {
    let mut v: Vec<Value> = vec![year.into()];
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(plan), 0) AS BIGINT) AS plan, CAST(COALESCE(SUM(completed), 0) AS BIGINT) AS completed \
         FROM plan_totals WHERE year = ?{clause}"
    );
    Ok(PlanTotals::find_by_statement(stmt(db.get_database_backend(), &sql, v))
        .one(db)
        .await?
        .unwrap_or(PlanTotals { plan: 0, completed: 0 }))
}

/// Project counts grouped by stage or colour (from `project_totals`).
pub async fn count_by<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    column: ProjectTextColumn,
) -> Result<Vec<KeyCount>, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let col = column.sql();
    let sql = format!(
        "SELECT {col} AS key, CAST(SUM(projects) AS BIGINT) AS n FROM project_totals WHERE 1=1{clause} GROUP BY {col}"
    );
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

/// Count and total investment grouped by office or industry (from `project_totals`).
pub async fn sum_by<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    column: ProjectIdColumn,
) -> Result<Vec<KeySum>, DbErr> {
    let mut v = Vec::new();
    let clause = office_clause(confined, "office_id", &mut v);
    let col = column.sql();
    let sql = format!(
        "SELECT {col} AS key, CAST(SUM(projects) AS BIGINT) AS n, CAST(COALESCE(SUM(investment), 0) AS BIGINT) AS amount \
         FROM project_totals WHERE 1=1{clause} GROUP BY {col}"
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

/// Per office and stage (or warning colour): the comparison table's grid (from
/// `project_totals`).
pub async fn office_grid<C: ConnectionTrait>(
    db: &C,
    column: ProjectTextColumn,
) -> Result<Vec<OfficeStageCount>, DbErr> {
    let col = column.sql();
    let sql = format!(
        "SELECT office_id, {col} AS key, CAST(SUM(projects) AS BIGINT) AS n FROM project_totals GROUP BY office_id, {col}"
    );
    OfficeStageCount::find_by_statement(stmt(db.get_database_backend(), &sql, vec![])).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct OfficePlan {
    pub office_id: i64,
    pub plan: i64,
    pub completed: i64,
}

/// The year's plans per office (from `plan_totals`).
pub async fn office_plans<C: ConnectionTrait>(db: &C, year: i32) -> Result<Vec<OfficePlan>, DbErr> {
    let sql = "SELECT office_id, CAST(COALESCE(SUM(plan), 0) AS BIGINT) AS plan, \
               CAST(COALESCE(SUM(completed), 0) AS BIGINT) AS completed FROM plan_totals WHERE year = ? GROUP BY office_id";
    OfficePlan::find_by_statement(stmt(db.get_database_backend(), sql, vec![year.into()])).all(db).await
}

/// New 签约/开工/投产 in a date range, per office: a signing is a forward step into
/// 签约 in the stage history (a step back to it is not a new signing); a start and a
/// production are the projects' actual dates, however the project got there (an
/// import straight into 建设 started too).
pub async fn office_transitions<C: ConnectionTrait>(
    db: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<OfficeStageCount>, DbErr> {
    let sql = "SELECT p.office_id AS office_id, 'signed' AS key, COUNT(DISTINCT e.project_id) AS n \
               FROM stage_events e JOIN projects p ON p.id = e.project_id \
               WHERE e.on_date >= ? AND e.on_date <= ? AND e.to_stage = 'signed' \
               AND e.from_stage IN ('', 'planning', 'negotiating') GROUP BY p.office_id \
               UNION ALL \
               SELECT office_id, 'started' AS key, COUNT(*) AS n FROM projects \
               WHERE actual_start >= ? AND actual_start <= ? GROUP BY office_id \
               UNION ALL \
               SELECT office_id, 'producing' AS key, COUNT(*) AS n FROM projects \
               WHERE actual_finish >= ? AND actual_finish <= ? GROUP BY office_id";
    let values: Vec<Value> = vec![from.into(), to.into(), from.into(), to.into(), from.into(), to.into()];
    OfficeStageCount::find_by_statement(stmt(db.get_database_backend(), sql, values)).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct OfficeCount {
    pub office_id: i64,
    pub n: i64,
}

/// The projects that owe a report for a month: under construction (开工…投产), started
/// by the end of that month (or without a known start), with no report for it and no
/// opening balance imported through it (a ledger's "1-10月完成投资" stands for those
/// months). Written once for the counts and the lists.
const OWES_REPORT: &str = "p.stage IN ('started', 'building', 'producing') \
     AND (p.actual_start IS NULL OR p.actual_start <= ?) \
     AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.project_id = p.id AND r.year = ? AND r.month = ?) \
     AND NOT EXISTS (SELECT 1 FROM opening_balances b WHERE b.project_id = p.id AND b.year = ? AND b.through_month >= ?)";

fn owes_values(year: i32, month: i32) -> Vec<Value> {
    let last_day = crate::month_last_day(year, month);
    vec![last_day.into(), year.into(), month.into(), year.into(), month.into()]
}

/// Projects that owe a report for the month, per office, from the kept totals: those
/// under construction and started by the month's end (`start_totals`) less those with
/// the month accounted for (`cover_totals`). The same rule as [`missing_reports`]'s
/// list, which reads the projects (the tests compare the two).
pub async fn missing_report_counts<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
) -> Result<Vec<OfficeCount>, DbErr> {
    let by = i64::from(year) * 100 + i64::from(month);
    let sql = format!(
        "SELECT office_id, CAST(SUM(n) AS BIGINT) AS n FROM ( \
         SELECT office_id, projects AS n FROM start_totals WHERE stage IN {UNDER_WAY} AND start_month <= ? \
         UNION ALL \
         SELECT office_id, -projects FROM cover_totals WHERE year = ? AND month = ? AND stage IN {UNDER_WAY} AND start_month <= ? \
         ) t GROUP BY office_id HAVING SUM(n) <> 0"
    );
    let values: Vec<Value> = vec![by.into(), year.into(), month.into(), by.into()];
    OfficeCount::find_by_statement(stmt(db.get_database_backend(), &sql, values)).all(db).await
}

/// The stages that report monthly.
const UNDER_WAY: &str = "('started', 'building', 'producing')";

#[derive(Debug, Clone, FromQueryResult)]
pub struct OwingProject {
    pub id: i64,
    pub name: String,
    pub office_id: i64,
}

/// The projects that owe a report for the month (all offices or one), by office and
/// name; at most `limit`.
pub async fn missing_reports<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
    confined: Option<i64>,
    limit: u64,
) -> Result<Vec<OwingProject>, DbErr> {
    let mut values = owes_values(year, month);
    let clause = office_clause(confined, "p.office_id", &mut values);
    let sql = format!(
        "SELECT p.id AS id, p.name AS name, p.office_id AS office_id FROM projects p WHERE {OWES_REPORT}{clause} \
         ORDER BY p.office_id, p.name LIMIT {limit}"
    );
    OwingProject::find_by_statement(stmt(db.get_database_backend(), &sql, values)).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct MonthSum {
    pub month: i32,
    pub amount: i64,
}

/// Completed investment per month of `year` over visible projects, from `month_totals`:
/// an opening balance imported from a ledger counts at its last month, and the reports
/// it covers do not count again (`completed - covered + balance`).
pub async fn completed_by_month<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    year: i32,
) -> Result<Vec<MonthSum>, DbErr> {
    let mut v: Vec<Value> = vec![year.into()];
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT month, CAST(COALESCE(SUM(completed - covered + balance), 0) AS BIGINT) AS amount FROM month_totals \
         WHERE year = ?{clause} GROUP BY month ORDER BY month"
    );
    MonthSum::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}

/// Opening balances of `year` over visible projects, by the month they run through
/// (from `month_totals`).
pub async fn balances_by_month<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    year: i32,
) -> Result<Vec<MonthSum>, DbErr> {
    let mut v: Vec<Value> = vec![year.into()];
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT month, CAST(SUM(balance) AS BIGINT) AS amount FROM month_totals WHERE year = ?{clause} \
         GROUP BY month HAVING SUM(balance) <> 0 ORDER BY month"
    );
    MonthSum::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}

async fn in_turn<A, B, C>(
    a: impl std::future::Future<Output = Result<A, DbErr>>,
    b: impl std::future::Future<Output = Result<B, DbErr>>,
    c: impl std::future::Future<Output = Result<C, DbErr>>,
) -> Result<(A, B, C), DbErr> {
    // Sequential: on a transaction the three share one connection.
    Ok((a.await?, b.await?, c.await?))
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ProjectAmount {
    pub project_id: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct BalanceRow {
    pub project_id: i64,
    pub through_month: i32,
    pub amount: i64,
}

fn id_clause(ids: Option<&[i64]>, column: &str, values: &mut Vec<Value>) -> String {
    match ids {
        Some(ids) => {
            values.extend(ids.iter().map(|i| Value::from(*i)));
            let marks = vec!["?"; ids.len()].join(", ");
            format!(" AND {column} IN ({marks})")
        }
        None => String::new(),
    }
}

/// Per project, the year's completed investment counted through `month` (the same rule
/// as `fengkou_domain::progress::Ledger`: reports through the month, those covered by
/// an opening balance left out, the balance counted; a balance through a later month
/// is the best figure known). `ids` limits it to some projects.
pub async fn year_to_date<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
    ids: Option<&[i64]>,
) -> Result<std::collections::HashMap<i64, i64>, DbErr> {
    if ids.is_some_and(<[i64]>::is_empty) {
        return Ok(Default::default());
    }
    let backend = db.get_database_backend();
    let mut v: Vec<Value> = vec![year.into(), month.into()];
    let clause = id_clause(ids, "project_id", &mut v);
    let plain = format!(
        "SELECT project_id, CAST(SUM(completed) AS BIGINT) AS amount FROM reports WHERE +year = ? AND month <= ?{clause} GROUP BY project_id"
    );
    // `+year` keeps SQLite off the (year, month) index: through it, a year's million
    // reports were fetched row by row and sorted by project (2.1 s); walking the
    // (project, year, month) index instead needs no sort (0.2 s). The plus is a no-op
    // for PostgreSQL.
    let mut v2: Vec<Value> = vec![year.into(), month.into()];
    let clause2 = id_clause(ids, "b.project_id", &mut v2);
    let covered = format!(
        "SELECT r.project_id AS project_id, CAST(SUM(r.completed) AS BIGINT) AS amount FROM opening_balances b \
         CROSS JOIN reports r \
         WHERE r.project_id = b.project_id AND r.year = b.year AND r.month <= b.through_month AND b.year = ? AND r.month <= ?{clause2} GROUP BY r.project_id"
    );
    let mut v3: Vec<Value> = vec![year.into()];
    let clause3 = id_clause(ids, "project_id", &mut v3);
    let balances = format!("SELECT project_id, through_month, amount FROM opening_balances WHERE year = ?{clause3}");
    let (plain, covered, balances) = in_turn(
        ProjectAmount::find_by_statement(stmt(backend, &plain, v)).all(db),
        ProjectAmount::find_by_statement(stmt(backend, &covered, v2)).all(db),
        BalanceRow::find_by_statement(stmt(backend, &balances, v3)).all(db),
    )
    .await?;
    let mut out: std::collections::HashMap<i64, i64> = plain.into_iter().map(|p| (p.project_id, p.amount)).collect();
    for c in covered {
        *out.entry(c.project_id).or_default() -= c.amount;
    }
    for b in balances {
        *out.entry(b.project_id).or_default() += b.amount;
    }
    Ok(out)
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

/// The latest reports of a year that name a problem. The literal `''` lets both
/// databases use the partial index ix_reports_with_problems (a bound parameter would
/// not).
pub async fn latest_problem_reports<C: ConnectionTrait>(
    db: &C,
    confined: Option<i64>,
    year: i32,
    limit: u64,
) -> Result<Vec<ProblemReport>, DbErr> {
    let mut v: Vec<Value> = vec![year.into()];
    let clause = office_clause(confined, "office_id", &mut v);
    let sql = format!(
        "SELECT project_id, office_id, year, month, problems, help_needed FROM reports WHERE problems <> '' AND year = ?{clause} \
         ORDER BY year DESC, month DESC, id DESC LIMIT {limit}"
    );
    ProblemReport::find_by_statement(stmt(db.get_database_backend(), &sql, v)).all(db).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ProjectStage {
    pub project_id: i64,
    pub stage: String,
}

/// Each project's stage as it stood on `on`: the last step dated on or before it (an
/// undated registration counts as the first step).
pub async fn stages_on<C: ConnectionTrait>(db: &C, on: NaiveDate) -> Result<Vec<ProjectStage>, DbErr> {
    let sql = "SELECT e.project_id AS project_id, e.to_stage AS stage FROM stage_events e \
               JOIN (SELECT project_id, MAX(id) AS id FROM stage_events WHERE on_date IS NULL OR on_date <= ? GROUP BY project_id) last \
               ON last.id = e.id";
    ProjectStage::find_by_statement(stmt(db.get_database_backend(), sql, vec![on.into()])).all(db).await
}

/// Per office (the project's), the year's completed investment through `month`
/// (reports through the month, opening balances in, what they cover out), from
/// `month_totals`.
pub async fn office_completed_through<C: ConnectionTrait>(
    db: &C,
    year: i32,
    month: i32,
) -> Result<std::collections::HashMap<i64, i64>, DbErr> {
    let sql = "SELECT office_id AS project_id, \
               CAST(COALESCE(SUM(CASE WHEN month <= ? THEN completed - covered ELSE 0 END + balance), 0) AS BIGINT) AS amount \
               FROM month_totals WHERE year = ? GROUP BY office_id";
    let rows = ProjectAmount::find_by_statement(stmt(db.get_database_backend(), sql, vec![month.into(), year.into()]))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|p| (p.project_id, p.amount)).collect())
}
