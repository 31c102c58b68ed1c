//! Every reference between tables becomes a foreign key, and every enumerated column
//! is checked against the codes the domain knows.
//!
//! Before anything changes, the migration looks for rows that would break either
//! (an `office_id` naming no office, a stage code nobody wrote) and, if it finds any,
//! stops with the list (table, row id, column, value) so that an administrator can
//! repair them; nothing is changed until the data is clean. Then PostgreSQL gets
//! `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`; SQLite, which cannot add a constraint
//! to a table, gets each table rebuilt with its keys (SQLite's documented procedure:
//! create the new table, copy, drop, rename, recreate the indexes), parents before
//! children, inside the migration's one transaction.
//!
//! Not references: who acted (`username`, `submitted_by`, …) is kept as the name, since
//! the CLI and imports act without an account; `audit_log.project_id` and `entity_id`
//! record what was asked, which may be an id that never existed.
//!
//! Also: `stage_events.from_stage` of a project's first event becomes NULL instead of
//! an empty string, so that the column holds stage codes only.

use fengkou_domain::Coded;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

pub struct M006References;

impl MigrationName for M006References {
    fn name(&self) -> &str {
        "m20261130_000006_references"
    }
}

/// (table, its foreign keys as (column, parent table)), parents before children.
pub const REFERENCES: &[(&str, &[(&str, &str)])] = &[
    ("users", &[("office_id", "offices")]),
    ("sessions", &[("user_id", "users")]),
    ("api_tokens", &[("user_id", "users")]),
    ("projects", &[("office_id", "offices"), ("industry_id", "industries")]),
    ("annual_plans", &[("project_id", "projects")]),
    ("stage_events", &[("project_id", "projects")]),
    ("reports", &[("project_id", "projects"), ("office_id", "offices")]),
    ("photos", &[("project_id", "projects"), ("report_id", "reports")]),
    ("milestones", &[("project_id", "projects")]),
    ("problems", &[("project_id", "projects")]),
    ("comments", &[("project_id", "projects")]),
    ("batch_items", &[("batch_id", "batches"), ("project_id", "projects")]),
    ("opening_balances", &[("project_id", "projects")]),
    ("reminders", &[("office_id", "offices"), ("project_id", "projects")]),
    ("stage_requests", &[("project_id", "projects")]),
    ("report_totals", &[("office_id", "offices")]),
    ("meeting_sites", &[("meeting_id", "meetings"), ("project_id", "projects"), ("office_id", "offices")]),
    ("meeting_criteria", &[("meeting_id", "meetings")]),
    (
        "meeting_judges",
        &[
            ("meeting_id", "meetings"),
            ("user_id", "users"),
            ("own_office_id", "offices"),
            ("declared_office_id", "offices"),
        ],
    ),
    (
        "meeting_scores",
        &[
            ("meeting_id", "meetings"),
            ("judge_id", "meeting_judges"),
            ("site_id", "meeting_sites"),
            ("criterion_id", "meeting_criteria"),
        ],
    ),
    ("meeting_remarks", &[("meeting_id", "meetings"), ("judge_id", "meeting_judges"), ("site_id", "meeting_sites")]),
    ("meeting_offices", &[("meeting_id", "meetings"), ("office_id", "offices")]),
    ("meeting_ranks", &[("meeting_id", "meetings"), ("judge_id", "meeting_judges"), ("office_id", "offices")]),
    ("meeting_adjustments", &[("meeting_id", "meetings"), ("office_id", "offices")]),
    ("meeting_comments", &[("meeting_id", "meetings"), ("office_id", "offices")]),
    ("meeting_releases", &[("meeting_id", "meetings")]),
];

/// Enumerated columns and the codes each may hold.
fn coded_columns() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    use fengkou_domain::observation::{Aggregation, BandMode, Method, SiteCombination, SiteStatus};
    use fengkou_domain::period::PeriodStatus;
    use fengkou_domain::project::RequestStatus;
    use fengkou_domain::{BatchList, Light, Precision, Role, Stage};
    fn codes<T: Coded>() -> Vec<&'static str> {
        T::ALL.iter().map(|v| v.code()).collect()
    }
    let mut stage_or_first = codes::<Stage>();
    stage_or_first.push("");
    vec![
        ("users", "role", codes::<Role>()),
        ("projects", "stage", codes::<Stage>()),
        ("projects", "warning_light", codes::<Light>()),
        ("projects", "planned_start_precision", codes::<Precision>()),
        ("projects", "planned_finish_precision", codes::<Precision>()),
        ("projects", "actual_start_precision", codes::<Precision>()),
        ("projects", "actual_finish_precision", codes::<Precision>()),
        ("stage_events", "from_stage", stage_or_first),
        ("stage_events", "to_stage", codes::<Stage>()),
        ("periods", "status", codes::<PeriodStatus>()),
        ("batch_items", "list", codes::<BatchList>()),
        ("meetings", "method", codes::<Method>()),
        ("meetings", "aggregate", codes::<Aggregation>()),
        ("meetings", "combination", codes::<SiteCombination>()),
        ("meetings", "band_mode", codes::<BandMode>()),
        ("meeting_sites", "status", codes::<SiteStatus>()),
        ("stage_requests", "from_stage", codes::<Stage>()),
        ("stage_requests", "to_stage", codes::<Stage>()),
        ("stage_requests", "status", codes::<RequestStatus>()),
    ]
}

/// At most this many rows are listed per broken reference or column.
const LISTED: usize = 20;

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Rows whose reference names no row, or whose code the domain does not know.
pub async fn problems<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let mut found = Vec::new();
    // Tables a later migration dropped (m010: `report_totals`, replaced by `month_totals`).
    let dropped = ["report_totals"];
    for (table, keys) in REFERENCES.iter().filter(|(table, _)| !dropped.contains(table)) {
        for (column, parent) in *keys {
            // Sessions are keyed by their secret's hash, which stays out of messages.
            let (id, order) = if *table == "sessions" { ("NULL", "user_id") } else { ("id", "id") };
            let sql = format!(
                "SELECT {id} AS id, {column} AS value FROM {table} WHERE {column} IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column}) ORDER BY {order} LIMIT {LISTED}"
            );
            for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
                let id: Option<i64> = row.try_get("", "id")?;
                let value: i64 = row.try_get("", "value")?;
                let row = id.map_or_else(|| "一行".to_string(), |id| format!("id {id} 行"));
                found.push(format!("表 {table} 的 {row}：{column} = {value}，但 {parent} 中没有 id {value}"));
            }
        }
    }
    for (table, column, codes) in coded_columns() {
        let allowed = codes.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        // A first stage event has no stage before it: '' before this migration, NULL
        // after it (the start-up check runs this on migrated databases too).
        let null = if (table, column) == ("stage_events", "from_stage") {
            "FALSE".to_string()
        } else {
            format!("{column} IS NULL")
        };
        let sql = format!(
            "SELECT id, {column} AS value FROM {table} WHERE {null} OR {column} NOT IN ({allowed}) \
             ORDER BY id LIMIT {LISTED}"
        );
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
            let id: i64 = row.try_get("", "id")?;
            let value: Option<String> = row.try_get("", "value")?;
            let value = value.map_or("空值".to_string(), |v| format!("“{v}”"));
            let shown: Vec<&str> = codes.iter().map(|c| if c.is_empty() { "（空）" } else { c }).collect();
            found.push(format!("表 {table} 的 id {id} 行：{column} 为 {value}，应为 {} 之一", shown.join("、")));
        }
    }
    Ok(found)
}

#[async_trait::async_trait]
impl MigrationTrait for M006References {
    /// One transaction on both backends: the checks, the rebuilds and the record of
    /// the migration commit together or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let found = problems(db).await?;
        if !found.is_empty() {
            return Err(DbErr::Migration(format!(
                "数据库中有 {} 处数据无法加上外键或读取（每类最多列出 {LISTED} 行），请修复后重新启动：\n{}",
                found.len(),
                found.join("\n")
            )));
        }
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE stage_events ALTER COLUMN from_stage DROP NOT NULL").await?;
                for (table, keys) in REFERENCES {
                    for (column, parent) in *keys {
                        db.execute_unprepared(&format!(
                            "ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{column} \
                             FOREIGN KEY ({column}) REFERENCES {parent} (id)"
                        ))
                        .await?;
                    }
                }
            }
            _ => {
                for (table, keys) in REFERENCES {
                    rebuild_sqlite_table(db, table, keys).await?;
                }
                let broken =
                    db.query_all_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA foreign_key_check")).await?;
                if !broken.is_empty() {
                    return Err(DbErr::Migration(format!("外键检查未通过：{} 行", broken.len())));
                }
            }
        }
        db.execute_unprepared("UPDATE stage_events SET from_stage = NULL WHERE from_stage = ''").await?;
        Ok(())
    }
}

/// Rebuilds one SQLite table with its foreign keys: the stored CREATE statement with
/// the keys appended, the rows copied, the old table dropped, the new one renamed,
/// its indexes and its AUTOINCREMENT counter restored.
async fn rebuild_sqlite_table<C: ConnectionTrait>(db: &C, table: &str, keys: &[(&str, &str)]) -> Result<(), DbErr> {
    let one = |sql: String| Statement::from_string(DbBackend::Sqlite, sql);
    let create: String = db
        .query_one_raw(one(format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {}", quote(table))))
        .await?
        .ok_or_else(|| DbErr::Migration(format!("表 {table} 不存在")))?
        .try_get("", "sql")?;
    let indexes: Vec<String> = db
        .query_all_raw(one(format!(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = {} AND sql IS NOT NULL",
            quote(table)
        )))
        .await?
        .iter()
        .map(|row| row.try_get("", "sql"))
        .collect::<Result<_, _>>()?;
    let sequence: Option<i64> =
        match db.query_one_raw(one(format!("SELECT seq FROM sqlite_sequence WHERE name = {}", quote(table)))).await? {
            Some(row) => Some(row.try_get("", "seq")?),
            None => None,
        };

    let new_table = format!("{table}__with_keys");
    let create = with_foreign_keys(&create, table, &new_table, keys)
        .ok_or_else(|| DbErr::Migration(format!("无法读取表 {table} 的定义：{create}")))?;
    db.execute_unprepared(&create).await?;
    db.execute_unprepared(&format!("INSERT INTO \"{new_table}\" SELECT * FROM \"{table}\"")).await?;
    db.execute_unprepared(&format!("DROP TABLE \"{table}\"")).await?;
    db.execute_unprepared(&format!("ALTER TABLE \"{new_table}\" RENAME TO \"{table}\"")).await?;
    for index in indexes {
        db.execute_unprepared(&index).await?;
    }
    if let Some(seq) = sequence {
        db.execute_unprepared(&format!(
            "UPDATE sqlite_sequence SET seq = MAX(seq, {seq}) WHERE name = {}",
            quote(table)
        ))
        .await?;
    }
    Ok(())
}

/// The table's CREATE statement under a new name, with the foreign keys appended
/// before its closing parenthesis. `stage_events.from_stage` loses its NOT NULL.
fn with_foreign_keys(create: &str, table: &str, new_table: &str, keys: &[(&str, &str)]) -> Option<String> {
    let open = create.find('(')?;
    let close = create.rfind(')')?;
    let head = &create[..open];
    if !(head.contains(&format!("\"{table}\"")) || head.trim_end().ends_with(table)) {
        return None;
    }
    let mut columns = create[open + 1..close].to_string();
    if table == "stage_events" {
        columns = columns.replace("\"from_stage\" text NOT NULL", "\"from_stage\" text");
    }
    let keys: String = keys
        .iter()
        .map(|(column, parent)| format!(", FOREIGN KEY (\"{column}\") REFERENCES \"{parent}\" (\"id\")"))
        .collect();
    Some(format!("CREATE TABLE \"{new_table}\" ({columns}{keys})"))
}

#[cfg(test)]
mod tests {
    use super::with_foreign_keys;

    #[test]
    fn keys_are_appended_inside_the_table_definition() {
        let create = "CREATE TABLE \"reports\" ( \"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"project_id\" bigint NOT NULL , \"note\" text NOT NULL DEFAULT '')";
        let out = with_foreign_keys(create, "reports", "reports__with_keys", &[("project_id", "projects")]).unwrap();
        assert!(out.starts_with("CREATE TABLE \"reports__with_keys\" ("), "{out}");
        assert!(out.ends_with(", FOREIGN KEY (\"project_id\") REFERENCES \"projects\" (\"id\"))"), "{out}");
        assert!(out.contains("\"note\" text NOT NULL DEFAULT '', FOREIGN KEY"), "{out}");
    }

    #[test]
    fn the_first_stage_event_may_have_no_stage_before_it() {
        let create = "CREATE TABLE \"stage_events\" ( \"id\" integer, \"from_stage\" text NOT NULL, \"to_stage\" text NOT NULL )";
        let out = with_foreign_keys(create, "stage_events", "n", &[]).unwrap();
        assert!(out.contains("\"from_stage\" text,"), "{out}");
        assert!(out.contains("\"to_stage\" text NOT NULL"), "{out}");
    }

    #[test]
    fn another_tables_definition_is_refused() {
        assert!(with_foreign_keys("CREATE TABLE \"x\" (\"id\" integer)", "reports", "n", &[]).is_none());
    }
}
