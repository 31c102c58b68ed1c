use super::columns::*;
use crate::queries::{
    COVER_TOTALS as COVERS, KeptTable, MONTH_NUMBERS, MONTH_TOTALS as MONTHS, PLAN_TOTALS as PLANS,
    PROJECT_TOTALS as PROJECTS, START_TOTALS as STARTS, start_month,
};
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// The leaders' figures kept by the database itself: three tables of running totals,
/// maintained by triggers in the transaction of every write to `projects`, `reports`,
/// `annual_plans` and `opening_balances`, whoever writes (a page, an import, a seed, a
/// hand edit in psql). The dashboard and the office comparison read a few thousand
/// rows of these instead of 100,000 projects and a million reports.
///
/// - `project_totals`: projects and their total investment per office × industry ×
///   stage × colour (the pipeline as it is now).
/// - `plan_totals`: the annual plans and the plans' completed figure per year × office
///   (the project's office).
/// - `month_totals`: per year × month × office × industry × stage (the project's, now,
///   like its plan: a project moved to another office takes its figures along): the
///   reports' completed investment and their number;
///   `covered`, the part of it an opening balance of the same project and year stands
///   for (a ledger's "1-10月完成投资"), and `balance`, the balances at the month they
///   run through. What the year counts is
///   `completed - covered + balance`, the rule of `domain::progress::Ledger`.
/// - `start_totals` and `cover_totals`: projects per office × stage × start month, and
///   per month the projects whose month is accounted for (a report, or a balance
///   through it); who owes a report is the difference (`queries::missing_report_counts`).
///
/// A later migration that rebuilds one of the four tables on SQLite (to change a
/// column) drops its triggers with it and must create them again.
///
/// Why triggers rather than code in every use case: a total is only trustworthy if no
/// write can miss it, and the writes are many (reports, transitions, colours, ledger
/// imports, edits, seeds). Why two forms: SQLite has one writer at a time, so its
/// triggers add into one row per key (an upsert). On PostgreSQL many writers run at
/// once; adding into shared rows would make every report of an office wait for the
/// others' commits and could deadlock a batch of colours against a report. There the
/// triggers append signed rows (a journal) that never conflict; readers sum by key,
/// and `queries::fold_totals` folds a key's rows into one, now and then.
pub struct M010KeptTotals;

impl MigrationName for M010KeptTotals {
    fn name(&self) -> &str {
        "m20261210_000010_kept_totals"
    }
}

/// Adds the rows of `select` (key columns, then sums, in the table's order; always
/// with a WHERE clause, which SQLite's upsert after a SELECT needs) to a kept table.
fn add(kept: &KeptTable, backend: DbBackend, select: &str) -> String {
    let cols = kept.keys.iter().chain(kept.sums).copied().collect::<Vec<_>>().join(", ");
    let insert = format!("INSERT INTO {} ({cols}) {select}", kept.table);
    match backend {
        DbBackend::Sqlite => {
            let sets = kept.sums.iter().map(|s| format!("{s} = {s} + excluded.{s}")).collect::<Vec<_>>().join(", ");
            format!("{insert} ON CONFLICT ({}) DO UPDATE SET {sets}", kept.keys.join(", "))
        }
        _ => insert,
    }
}

/// Where a trigger's statements read the changed rows, as `n`: one row (OLD or NEW,
/// in a row trigger) or, on PostgreSQL, every row a statement inserted (a transition
/// table: an import's or a seed's 2,000-row insert then adds its sums once, not
/// 2,000 times). Every statement groups by its keys, so both read the same.
#[derive(Clone, Copy)]
enum Rows {
    Old,
    New,
    Inserted,
}

impl Rows {
    fn sign(self) -> i64 {
        match self {
            Rows::Old => -1,
            Rows::New | Rows::Inserted => 1,
        }
    }

    /// The rows as a FROM item, with the columns the totals read.
    fn from(self, columns: &[&str]) -> String {
        let record = match self {
            Rows::Old => "OLD",
            Rows::New => "NEW",
            Rows::Inserted => return "new_rows n".to_string(),
        };
        let cols = columns.iter().map(|c| format!("{record}.{c} AS {c}")).collect::<Vec<_>>().join(", ");
        format!("(SELECT {cols}) n")
    }
}

const PROJECT_COLUMNS: &[&str] =
    &["id", "office_id", "industry_id", "stage", "warning_light", "total_investment", "actual_start"];
const REPORT_COLUMNS: &[&str] = &["project_id", "year", "month", "completed"];
const PLAN_COLUMNS: &[&str] = &["project_id", "year", "amount", "completed"];
const BALANCE_COLUMNS: &[&str] = &["project_id", "year", "through_month", "amount"];

/// A report's `covered`: its completed figure when a balance of its project and year
/// runs through its month or later. `r` is the report's alias.
fn covered(r: &str) -> String {
    format!(
        "CASE WHEN EXISTS (SELECT 1 FROM opening_balances b WHERE b.project_id = {r}.project_id \
         AND b.year = {r}.year AND b.through_month >= {r}.month) THEN {r}.completed ELSE 0 END"
    )
}

/// The statements each trigger runs, by table and operation (`Rows::Old` subtracts).
/// Written once for both backends.
fn project_rows(b: DbBackend, rows: Rows) -> Vec<String> {
    let (s, from) = (rows.sign(), rows.from(PROJECT_COLUMNS));
    let start = start_month(b, "n");
    vec![
        add(
            &PROJECTS,
            b,
            &format!(
                "SELECT n.office_id, n.industry_id, n.stage, n.warning_light, {s} * COUNT(*), {s} * SUM(n.total_investment) \
                 FROM {from} WHERE 1 = 1 GROUP BY n.office_id, n.industry_id, n.stage, n.warning_light"
            ),
        ),
        add(
            &STARTS,
            b,
            &format!(
                "SELECT n.office_id, n.stage, {start}, {s} * COUNT(*) FROM {from} WHERE 1 = 1 \
                 GROUP BY n.office_id, n.stage, {start}"
            ),
        ),
    ]
}

/// A project's plans, reports, balances and accounted months moved from its OLD
/// office, industry, stage or start to its NEW ones (`row` OLD with -1, NEW with 1;
/// row triggers only).
fn project_children(b: DbBackend, row: &str, sign: i64) -> Vec<String> {
    let office_moved = "OLD.office_id <> NEW.office_id";
    let kind_moved = "(OLD.industry_id <> NEW.industry_id OR OLD.stage <> NEW.stage)";
    let start_moved = "COALESCE(OLD.actual_start, '1900-01-01') <> COALESCE(NEW.actual_start, '1900-01-01')";
    vec![
        add(
            &PLANS,
            b,
            &format!(
                "SELECT a.year, {row}.office_id, {sign} * SUM(a.amount), {sign} * SUM(a.completed) FROM annual_plans a \
                 WHERE a.project_id = NEW.id AND {office_moved} GROUP BY a.year"
            ),
        ),
        add(
            &MONTHS,
            b,
            &format!(
                "SELECT r.year, r.month, {row}.office_id, {row}.industry_id, {row}.stage, {sign} * SUM(r.completed), {sign} * COUNT(*), \
                 {sign} * SUM({}), 0 FROM reports r WHERE r.project_id = NEW.id AND ({office_moved} OR {kind_moved}) \
                 GROUP BY r.year, r.month",
                covered("r")
            ),
        ),
        add(
            &MONTHS,
            b,
            &format!(
                "SELECT b.year, b.through_month, {row}.office_id, {row}.industry_id, {row}.stage, 0, 0, 0, {sign} * b.amount \
                 FROM opening_balances b WHERE b.project_id = NEW.id AND ({office_moved} OR {kind_moved})"
            ),
        ),
        add(
            &COVERS,
            b,
            &format!(
                "SELECT c.year, c.month, {row}.office_id, {row}.stage, {}, {sign} * COUNT(*) FROM \
                 (SELECT r.year AS year, r.month AS month FROM reports r WHERE r.project_id = NEW.id UNION \
                  SELECT b.year, m.column1 FROM opening_balances b, {MONTH_NUMBERS} m \
                  WHERE b.project_id = NEW.id AND m.column1 <= b.through_month) c \
                 WHERE OLD.office_id <> NEW.office_id OR OLD.stage <> NEW.stage OR {start_moved} \
                 GROUP BY c.year, c.month",
                start_month(b, row)
            ),
        ),
    ]
}

/// A report's sums, and its month counted as accounted for unless a balance already
/// covers it.
fn report_rows(b: DbBackend, rows: Rows) -> Vec<String> {
    let (s, from) = (rows.sign(), rows.from(REPORT_COLUMNS));
    let start = start_month(b, "p");
    vec![
        add(
            &MONTHS,
            b,
            &format!(
                "SELECT n.year, n.month, p.office_id, p.industry_id, p.stage, {s} * SUM(n.completed), {s} * COUNT(*), \
                 {s} * SUM({}), 0 FROM {from}, projects p WHERE p.id = n.project_id \
                 GROUP BY n.year, n.month, p.office_id, p.industry_id, p.stage",
                covered("n")
            ),
        ),
        add(
            &COVERS,
            b,
            &format!(
                "SELECT n.year, n.month, p.office_id, p.stage, {start}, {s} * COUNT(*) FROM {from}, projects p \
                 WHERE p.id = n.project_id AND NOT EXISTS (SELECT 1 FROM opening_balances b \
                 WHERE b.project_id = n.project_id AND b.year = n.year AND b.through_month >= n.month) \
                 GROUP BY n.year, n.month, p.office_id, p.stage, {start}"
            ),
        ),
    ]
}

fn plan_rows(b: DbBackend, rows: Rows) -> Vec<String> {
    let (s, from) = (rows.sign(), rows.from(PLAN_COLUMNS));
    vec![add(
        &PLANS,
        b,
        &format!(
            "SELECT n.year, p.office_id, {s} * SUM(n.amount), {s} * SUM(n.completed) FROM {from}, projects p \
             WHERE p.id = n.project_id GROUP BY n.year, p.office_id"
        ),
    )]
}

/// A balance at its last month, the reports it covers, and the months it accounts for
/// that no report does.
fn balance_rows(b: DbBackend, rows: Rows) -> Vec<String> {
    let (s, from) = (rows.sign(), rows.from(BALANCE_COLUMNS));
    let start = start_month(b, "p");
    vec![
        add(
            &MONTHS,
            b,
            &format!(
                "SELECT n.year, n.through_month, p.office_id, p.industry_id, p.stage, 0, 0, 0, {s} * SUM(n.amount) \
                 FROM {from}, projects p WHERE p.id = n.project_id \
                 GROUP BY n.year, n.through_month, p.office_id, p.industry_id, p.stage"
            ),
        ),
        add(
            &MONTHS,
            b,
            &format!(
                "SELECT r.year, r.month, p.office_id, p.industry_id, p.stage, 0, 0, {s} * SUM(r.completed), 0 \
                 FROM {from}, reports r, projects p WHERE p.id = r.project_id AND r.project_id = n.project_id \
                 AND r.year = n.year AND r.month <= n.through_month \
                 GROUP BY r.year, r.month, p.office_id, p.industry_id, p.stage"
            ),
        ),
        add(
            &COVERS,
            b,
            &format!(
                "SELECT n.year, m.column1, p.office_id, p.stage, {start}, {s} * COUNT(*) FROM {from}, projects p, {MONTH_NUMBERS} m \
                 WHERE p.id = n.project_id AND m.column1 <= n.through_month \
                 AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.project_id = n.project_id \
                 AND r.year = n.year AND r.month = m.column1) \
                 GROUP BY n.year, m.column1, p.office_id, p.stage, {start}"
            ),
        ),
    ]
}

/// One trigger: a name, the table, the operation, the condition (UPDATE only) and the
/// statements.
struct Trigger {
    name: String,
    table: &'static str,
    op: &'static str,
    when: Option<String>,
    body: Vec<String>,
}

/// On PostgreSQL, a child row's trigger (a report, a plan, a balance) first locks its
/// project's row for share: the totals are keyed by the project's office, industry,
/// stage and start, and a project changed at the same moment must either wait for this
/// write and then move its figures along, or finish first and be read as changed.
/// Without it a report saved while its project changed office stayed counted at the
/// old office. SQLite runs one writer at a time and needs none.
fn lock_projects(b: DbBackend, op: &str) -> Option<String> {
    let ids = match op {
        "INSERT" => "SELECT project_id FROM new_rows",
        "UPDATE" => "SELECT OLD.project_id UNION SELECT NEW.project_id",
        _ => "SELECT OLD.project_id",
    };
    (b == DbBackend::Postgres).then(|| format!("PERFORM 1 FROM projects WHERE id IN ({ids}) ORDER BY id FOR SHARE"))
}

fn triggers(b: DbBackend) -> Vec<Trigger> {
    let mut project_move = project_children(b, "OLD", -1);
    project_move.extend(project_children(b, "NEW", 1));
    let mut all = three(b, "projects", PROJECT_CHANGED, project_rows);
    // Apart, so that a colour pass (100,000 projects changing colour) runs none of the
    // children's statements.
    all.push(Trigger {
        name: "tr_projects_kept_move".into(),
        table: "projects",
        op: "UPDATE",
        when: Some(PROJECT_MOVED.into()),
        body: project_move,
    });
    all.extend(three(b, "reports", "OLD.completed <> NEW.completed OR OLD.month <> NEW.month", report_rows));
    all.extend(three(b, "annual_plans", "OLD.amount <> NEW.amount OR OLD.completed <> NEW.completed", plan_rows));
    all.extend(three(
        b,
        "opening_balances",
        "OLD.amount <> NEW.amount OR OLD.through_month <> NEW.through_month",
        balance_rows,
    ));
    all
}

/// A project's key columns changed: its office, industry, stage or start.
const PROJECT_MOVED: &str = "OLD.office_id <> NEW.office_id OR OLD.industry_id <> NEW.industry_id \
     OR OLD.stage <> NEW.stage OR COALESCE(OLD.actual_start, '1900-01-01') <> COALESCE(NEW.actual_start, '1900-01-01')";
const PROJECT_CHANGED: &str = "OLD.office_id <> NEW.office_id OR OLD.industry_id <> NEW.industry_id \
     OR OLD.stage <> NEW.stage OR COALESCE(OLD.actual_start, '1900-01-01') <> COALESCE(NEW.actual_start, '1900-01-01') \
     OR OLD.warning_light <> NEW.warning_light OR OLD.total_investment <> NEW.total_investment";

/// A table's insert, update and delete triggers: the update's adds the NEW rows and
/// subtracts the OLD ones when `changed` (for a child row: or its year or project)
/// holds. A child row's triggers first lock its project (see `lock_projects`).
fn three(
    b: DbBackend,
    table: &'static str,
    changed: &'static str,
    rows: fn(DbBackend, Rows) -> Vec<String>,
) -> Vec<Trigger> {
    // Inserts come in bulk (imports, seeds): on PostgreSQL one statement-level trigger
    // per statement; SQLite has row triggers only.
    let inserted = if b == DbBackend::Postgres { Rows::Inserted } else { Rows::New };
    let mut both = rows(b, Rows::Old);
    both.extend(rows(b, Rows::New));
    let changed = if table == "projects" {
        changed.to_string()
    } else {
        format!("{changed} OR OLD.year <> NEW.year OR OLD.project_id <> NEW.project_id")
    };
    let short = table.trim_start_matches("annual_").trim_start_matches("opening_");
    let mut out = vec![
        Trigger { name: format!("tr_{short}_kept_insert"), table, op: "INSERT", when: None, body: rows(b, inserted) },
        Trigger { name: format!("tr_{short}_kept_update"), table, op: "UPDATE", when: Some(changed), body: both },
        Trigger { name: format!("tr_{short}_kept_delete"), table, op: "DELETE", when: None, body: rows(b, Rows::Old) },
    ];
    if table != "projects" {
        for t in &mut out {
            t.body.splice(0..0, lock_projects(b, t.op));
        }
    }
    out
}

/// The DDL of one trigger on a backend.
fn create_trigger(b: DbBackend, t: &Trigger) -> Vec<String> {
    let body = t.body.iter().map(|s| format!("{s};")).collect::<Vec<_>>().join("\n");
    match b {
        DbBackend::Postgres => vec![
            format!(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n{body}\nRETURN NULL;\nEND\n$fn$",
                t.name
            ),
            if t.op == "INSERT" {
                format!(
                    "CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows \
                     FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
                    name = t.name,
                    table = t.table,
                )
            } else {
                format!(
                    "CREATE TRIGGER {name} AFTER {op} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {name}()",
                    name = t.name,
                    op = t.op,
                    table = t.table,
                    when = t.when.as_ref().map(|w| format!(" WHEN ({w})")).unwrap_or_default()
                )
            },
        ],
        _ => vec![format!(
            "CREATE TRIGGER {name} AFTER {op} ON {table} FOR EACH ROW{when} BEGIN\n{body}\nEND",
            name = t.name,
            op = t.op,
            table = t.table,
            when = t.when.as_ref().map(|w| format!(" WHEN {w}")).unwrap_or_default()
        )],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M010KeptTotals {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = db.get_database_backend();
        for kept in [&PROJECTS, &PLANS, &MONTHS, &STARTS, &COVERS] {
            let mut t = Table::create();
            t.table(Alias::new(kept.table));
            id(&mut t);
            for k in kept.keys {
                t.col(if ["stage", "warning_light"].contains(k) {
                    text(k)
                } else if ["year", "month", "start_month"].contains(k) {
                    int(k)
                } else {
                    big(k)
                });
            }
            for s in kept.sums {
                t.col(big(s));
            }
            m.create_table(t.to_owned()).await?;
            // SQLite's upsert needs the key unique. PostgreSQL's journal holds several
            // rows per key until they are folded, and a bulk write leaves many dead
            // rows behind (an import's journal, folded): the index carries the sums, so
            // that readers scan the live keys in the index, not the table's dead pages.
            let index_name = format!("ix_{}_key", kept.table);
            match backend {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "CREATE INDEX {index_name} ON {} ({}) INCLUDE ({})",
                        kept.table,
                        kept.keys.join(", "),
                        kept.sums.join(", ")
                    ))
                    .await?;
                }
                _ => m.create_index(index(kept.table, &index_name, kept.keys, true)).await?,
            }
        }
        for t in triggers(backend) {
            for sql in create_trigger(backend, &t) {
                db.execute_unprepared(&sql).await?;
            }
        }
        crate::queries::rebuild_kept_totals(db).await?;
        m.drop_table(Table::drop().table(Alias::new("report_totals")).to_owned()).await?;
        Ok(())
    }
}
