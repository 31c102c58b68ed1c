//! The check every start makes before anything is served: a row that refers to a row
//! that is gone, a code the domain does not know, a number column holding text, a
//! decimal that does not parse, a month outside 1–12, a score above its criterion's
//! maximum, a meeting marked released without its published version. Each would
//! otherwise show as a blank, a silent zero in a total or a changed ranking; listed
//! here by table, row and column, they stop the start until someone repairs them.
//!
//! PostgreSQL enforces the foreign keys and the column types itself, so there most of
//! these find nothing; SQLite keeps what a hand edit (or a tool with foreign keys
//! off) puts in any column, which is why the type checks ask `typeof`.

use crate::migration::m006_references;
use crate::value::DECIMAL_COLUMNS;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use std::str::FromStr;

/// At most this many rows are listed per check.
const LISTED: usize = 20;

/// Every problem found, one line each (at most [`LISTED`] per check).
pub async fn problems<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let mut found = m006_references::problems(db).await?;
    if backend == DbBackend::Sqlite {
        found.extend(sqlite_integer_columns_holding_other_values(db).await?);
    }
    found.extend(unreadable_decimals(db).await?);
    found.extend(unknown_enterprise_codes(db).await?);
    // (table, the column shown, the condition of a bad row, what is wrong)
    let rules: [(&str, &str, &str, &str); 11] = [
        ("reports", "month", "month NOT BETWEEN 1 AND 12", "不在 1 到 12 之间"),
        ("periods", "month", "month NOT BETWEEN 1 AND 12", "不在 1 到 12 之间"),
        ("reminders", "month", "month NOT BETWEEN 1 AND 12", "不在 1 到 12 之间"),
        ("opening_balances", "through_month", "through_month NOT BETWEEN 1 AND 12", "不在 1 到 12 之间"),
        // No amount is ever entered below zero (`Wan::parse`, the report form).
        ("projects", "total_investment", "total_investment < 0", "为负数"),
        ("annual_plans", "amount", "amount < 0", "为负数"),
        ("annual_plans", "completed", "completed < 0", "为负数"),
        ("reports", "completed", "completed < 0", "为负数"),
        ("opening_balances", "amount", "amount < 0", "为负数"),
        (
            "meetings",
            "released",
            "released = TRUE AND NOT EXISTS (SELECT 1 FROM meeting_releases r WHERE r.meeting_id = meetings.id)",
            "标记为已发布，但 meeting_releases 中没有它发布的版本",
        ),
        (
            "meetings",
            "released",
            "released = FALSE AND EXISTS (SELECT 1 FROM meeting_releases r WHERE r.meeting_id = meetings.id)",
            "标记为未发布，但已有发布的版本",
        ),
    ];
    for (table, column, condition, what) in rules {
        let sql = format!(
            "SELECT id, CAST({column} AS TEXT) AS value FROM {table} WHERE {condition} ORDER BY id LIMIT {LISTED}"
        );
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
            let id: i64 = row.try_get("", "id")?;
            let value: Option<String> = row.try_get("", "value")?;
            let value: String = value.unwrap_or_default().chars().take(40).collect();
            found.push(format!("表 {table} 的 id {id} 行：{column} 为 {value}，{what}"));
        }
    }
    found.extend(scores_above_maximum(db).await?);
    Ok(found)
}

/// SQLite stores text in an INTEGER column if told to, and then sums it as 0.
async fn sqlite_integer_columns_holding_other_values<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let tables = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> 'seaql_migrations' ORDER BY name",
        ))
        .await?;
    let mut found = Vec::new();
    for t in tables {
        let table: String = t.try_get("", "name")?;
        let columns =
            db.query_all_raw(Statement::from_string(backend, format!("PRAGMA table_info(\"{table}\")"))).await?;
        let has_id = columns.iter().any(|c| c.try_get::<String>("", "name").is_ok_and(|n| n == "id"));
        // (column, what it must hold, the storage classes that are that)
        let mut typed = Vec::new();
        for c in columns {
            let name: String = c.try_get("", "name")?;
            let declared: String = c.try_get("", "type")?;
            let declared = declared.to_ascii_uppercase();
            if declared.contains("INT") {
                typed.push((name, "整数", "'integer'"));
            } else if declared.contains("BOOL") {
                typed.push((name, "是/否（0 或 1）", "'integer'"));
            } else if declared.contains("REAL") || declared.contains("DOUBLE") || declared.contains("FLOAT") {
                typed.push((name, "数字", "'integer', 'real'"));
            }
        }
        if typed.is_empty() {
            continue;
        }
        // One pass over the table for all its number columns (a province's reports
        // table holds millions of rows).
        let wrong = |(name, kind, allowed): &(String, &str, &str)| {
            // A flag holds 0 or 1; SQLite would keep a 2 and read it as true.
            let flag =
                if kind.starts_with("是/否") { format!(" OR \"{name}\" NOT IN (0, 1)") } else { String::new() };
            format!("(typeof(\"{name}\") NOT IN ({allowed}, 'null'){flag})")
        };
        let selected: Vec<String> = typed
            .iter()
            .enumerate()
            .map(|(i, t)| format!("CASE WHEN {} THEN CAST(\"{}\" AS TEXT) END AS v{i}", wrong(t), t.0))
            .collect();
        let condition: Vec<String> = typed.iter().map(wrong).collect();
        let id = if has_id { "id" } else { "NULL" };
        let sql = format!(
            "SELECT {id} AS id, {} FROM \"{table}\" WHERE {} LIMIT {LISTED}",
            selected.join(", "),
            condition.join(" OR ")
        );
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
            let id: Option<i64> = row.try_get("", "id")?;
            let at = id.map_or_else(|| "一行".to_string(), |id| format!("id {id} 行"));
            for (i, (name, kind, _)) in typed.iter().enumerate() {
                let value: Option<String> = row.try_get("", &format!("v{i}"))?;
                if let Some(value) = value {
                    let shown: String = value.chars().take(40).collect();
                    found.push(format!("表 {table} 的 {at}：{name} 列为“{shown}”，不是{kind}"));
                }
            }
        }
    }
    Ok(found)
}

/// Decimals are stored as text (see `value::Exact`); each must parse.
async fn unreadable_decimals<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let mut found = Vec::new();
    for (column, table) in DECIMAL_COLUMNS {
        let sql = format!("SELECT id, CAST({column} AS TEXT) AS value FROM {table} ORDER BY id");
        let mut listed = 0;
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
            let id: i64 = row.try_get("", "id")?;
            let value: Option<String> = row.try_get("", "value")?;
            let value = value.unwrap_or_default();
            if Decimal::from_str(value.trim()).is_err() && listed < LISTED {
                listed += 1;
                let shown: String = value.chars().take(40).collect();
                found.push(format!("表 {table} 的 id {id} 行：{column} 列为“{shown}”，不是数字"));
            }
        }
    }
    Ok(found)
}

/// A score outside 0..=its criterion's maximum would drop out of (or distort) a
/// ranking; the scoring page never stores one.
async fn scores_above_maximum<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT s.id AS id, CAST(s.score AS TEXT) AS score, CAST(c.max AS TEXT) AS max \
               FROM meeting_scores s JOIN meeting_criteria c ON c.id = s.criterion_id ORDER BY s.id";
    let mut found = Vec::new();
    for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
        let id: i64 = row.try_get("", "id")?;
        let score: Option<String> = row.try_get("", "score")?;
        let max: Option<String> = row.try_get("", "max")?;
        let (Some(Ok(score)), Some(Ok(max))) = (
            score.as_deref().map(|s| Decimal::from_str(s.trim())),
            max.as_deref().map(|s| Decimal::from_str(s.trim())),
        ) else {
            continue; // reported by `unreadable_decimals`
        };
        if score.is_sign_negative() && !score.is_zero() || score > max {
            found.push(format!(
                "表 meeting_scores 的 id {id} 行：score 为 {}，超出该细则项的 0 到 {} 分",
                score.normalize(),
                max.normalize()
            ));
            if found.len() >= LISTED {
                break;
            }
        }
    }
    Ok(found)
}

/// The enterprise tables' codes (added after migration 6, whose check covers the rest;
/// their references are foreign keys from the start).
async fn unknown_enterprise_codes<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    use fengkou_domain::Coded;
    use fengkou_domain::enterprise::{Source, Tier};
    fn codes<T: Coded>() -> Vec<&'static str> {
        T::ALL.iter().map(|v| v.code()).collect()
    }
    let backend = db.get_database_backend();
    let columns = [
        ("enterprise_tiers", "tier", codes::<Tier>()),
        ("tier_targets", "tier", codes::<Tier>()),
        ("indicator_values", "source", codes::<Source>()),
        ("indicator_choices", "source", codes::<Source>()),
        ("ladder_assessments", "route", vec!["", "评分", "直通车"]),
        ("credit_schemes", "status", vec!["proposed", "approved", "rejected"]),
        ("credit_runs", "status", vec!["computed", "published"]),
        ("credit_scores", "list", vec!["lead", "chase", "strive", "none", "vetoed", "missing_data"]),
        ("credit_objections", "outcome", vec!["", "upheld", "dismissed"]),
    ];
    let mut found = Vec::new();
    for (table, column, allowed) in columns {
        let list = allowed.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT id, {column} AS value FROM {table} WHERE {column} IS NULL OR {column} NOT IN ({list}) \
             ORDER BY id LIMIT {LISTED}"
        );
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
            let id: i64 = row.try_get("", "id")?;
            let value: Option<String> = row.try_get("", "value")?;
            let value = value.map_or("空值".to_string(), |v| format!("“{}”", v.chars().take(40).collect::<String>()));
            found.push(format!("表 {table} 的 id {id} 行：{column} 为 {value}，应为 {} 之一", allowed.join("、")));
        }
    }
    Ok(found)
}
