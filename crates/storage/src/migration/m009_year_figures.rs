use super::columns::*;
use sea_orm_migration::prelude::*;

/// A year's figures read from the index alone: the credit and the ladder read every
/// firm's values of a year (a district's 10,000 firms are 190,000 values), and with
/// (year, indicator) alone each value was one more lookup in the table. Ordered by firm,
/// the rows also come grouped. Measured on SQLite at 1,212 firms: 64 → 27 ms.
pub struct M009YearFigures;

impl MigrationName for M009YearFigures {
    fn name(&self) -> &str {
        "m20261202_000009_year_figures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M009YearFigures {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "indicator_values",
            "ix_indicator_values_year_firm",
            &["year", "enterprise_id", "indicator", "source", "value"],
            false,
        ))
        .await
    }
}
