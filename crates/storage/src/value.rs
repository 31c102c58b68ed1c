//! Column types that hold domain values, so that a row read from the database is
//! already typed: [`Code`] for an enumerated value kept as its code (a stage, a light,
//! a role, a status) and [`Exact`] for a decimal kept as text (scores, weights,
//! shares: text, so that SQLite and PostgreSQL keep them digit for digit).
//!
//! Reading never falls back to a default. A code the enum does not know or a number
//! that does not parse fails the query with [`DbErr::Type`], naming the table, the
//! row's id, the column and the value found: a row damaged by hand or by an old
//! version is reported, not silently shown as 谋划 or 0.
//!
//! Written by hand rather than with `DeriveValueType`: the derive makes one type per
//! value, and here one generic column type serves every [`Coded`] enum of the domain
//! (which cannot derive sea-orm traits itself: it does no IO).

use fengkou_domain::Coded;
use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use std::str::FromStr;

/// Where each kind of code is stored, for the message when one cannot be read.
pub trait StoredIn: Coded {
    const TABLES: &'static str;
}

macro_rules! stored_in {
    ($($t:ty => $tables:literal,)+) => { $(impl StoredIn for $t { const TABLES: &'static str = $tables; })+ };
}

stored_in! {
    fengkou_domain::Stage => "projects / stage_events / stage_requests",
    fengkou_domain::enterprise::Tier => "enterprise_tiers / tier_targets",
    fengkou_domain::enterprise::Source => "indicator_values / indicator_choices",
    fengkou_domain::Light => "projects",
    fengkou_domain::Role => "users",
    fengkou_domain::Precision => "projects",
    fengkou_domain::BatchList => "batch_items",
    fengkou_domain::period::PeriodStatus => "periods",
    fengkou_domain::project::RequestStatus => "stage_requests",
    fengkou_domain::observation::Method => "meetings",
    fengkou_domain::observation::Aggregation => "meetings",
    fengkou_domain::observation::SiteCombination => "meetings",
    fengkou_domain::observation::BandMode => "meetings",
    fengkou_domain::observation::SiteStatus => "meeting_sites",
}

/// An enumerated value stored by its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code<T>(pub T);

impl<T> std::ops::Deref for Code<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Coded> From<T> for Code<T> {
    fn from(value: T) -> Self {
        Code(value)
    }
}

impl<T: Coded> PartialEq<T> for Code<T> {
    fn eq(&self, other: &T) -> bool {
        self.0 == *other
    }
}

/// In the audit trail's JSON a code is what the column holds.
impl<T: Coded> serde::Serialize for Code<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.code())
    }
}

impl<T: Coded> From<Code<T>> for Value {
    fn from(value: Code<T>) -> Value {
        Value::String(Some(value.0.code().to_string()))
    }
}

/// The message of a value that cannot be read: table, row, column and what was there.
fn unreadable<I: ColIdx>(res: &QueryResult, idx: I, tables: &str, what: &str, raw: &str) -> TryGetError {
    let column = idx.as_str().map_or_else(|| format!("{idx:?}"), str::to_string);
    let row = match res.try_get_by::<Option<i64>, _>("id") {
        Ok(Some(id)) => format!("id {id}"),
        _ => "id 未知".to_string(),
    };
    let shown: String = raw.chars().take(40).collect();
    TryGetError::DbErr(DbErr::Type(format!(
        "无法读取存储的值：表 {tables} 的 {row} 行，{column} 列为“{shown}”，不是有效的{what}"
    )))
}

impl<T: StoredIn> TryGetable for Code<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let raw = String::try_get_by(res, idx)?;
        T::from_code(&raw).map(Code).ok_or_else(|| unreadable(res, idx, T::TABLES, T::KIND, &raw))
    }
}

impl<T: Coded> ValueType for Code<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let raw = <String as ValueType>::try_from(v)?;
        T::from_code(&raw).map(Code).ok_or(ValueTypeErr)
    }
    fn type_name() -> String {
        format!("Code<{}>", T::KIND)
    }
    fn array_type() -> ArrayType {
        ArrayType::String
    }
    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl<T: Coded> Nullable for Code<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: Coded> sea_orm::IntoActiveValue<Code<T>> for Code<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<Code<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// An exact decimal (a score, a weight, a share, points) stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Exact(pub Decimal);

impl std::ops::Deref for Exact {
    type Target = Decimal;
    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl From<Decimal> for Exact {
    fn from(value: Decimal) -> Self {
        Exact(value)
    }
}

impl Exact {
    /// As stored and shown: no trailing zeros ("2.5", not "2.50").
    pub fn text(self) -> String {
        self.0.normalize().to_string()
    }
}

impl std::fmt::Display for Exact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl serde::Serialize for Exact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl From<Exact> for Value {
    fn from(value: Exact) -> Value {
        Value::String(Some(value.text()))
    }
}

impl TryGetable for Exact {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let raw = String::try_get_by(res, idx)?;
        Decimal::from_str(raw.trim()).map(Exact).map_err(|_| {
            let table = idx.as_str().map_or("?", decimal_table);
            unreadable(res, idx, table, "数字", &raw)
        })
    }
}

/// The table of each decimal column, for the message when one cannot be read (their
/// names are unique across the schema). A new `Exact` column is listed here; one
/// missing is still reported, with "?" for its table.
pub const DECIMAL_COLUMNS: [(&str, &str); 14] = [
    ("value", "indicator_values"),
    ("weight", "meeting_criteria"),
    ("max", "meeting_criteria"),
    ("score", "meeting_scores"),
    ("points", "meeting_adjustments"),
    ("penalty", "meeting_sites"),
    ("rank_step", "meetings"),
    ("weight_rubric", "meetings"),
    ("weight_rank", "meetings"),
    ("weight_formula", "meetings"),
    ("excellent_from", "meetings"),
    ("good_from", "meetings"),
    ("excellent_share", "meetings"),
    ("good_share", "meetings"),
];

fn decimal_table(column: &str) -> &'static str {
    DECIMAL_COLUMNS.iter().find(|(c, _)| *c == column).map_or("?", |(_, t)| t)
}

impl ValueType for Exact {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let raw = <String as ValueType>::try_from(v)?;
        Decimal::from_str(raw.trim()).map(Exact).map_err(|_| ValueTypeErr)
    }
    fn type_name() -> String {
        "Exact".to_string()
    }
    fn array_type() -> ArrayType {
        ArrayType::String
    }
    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl Nullable for Exact {
    fn null() -> Value {
        Value::String(None)
    }
}

impl sea_orm::IntoActiveValue<Exact> for Exact {
    fn into_active_value(self) -> sea_orm::ActiveValue<Exact> {
        sea_orm::ActiveValue::Set(self)
    }
}
