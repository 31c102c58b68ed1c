use super::columns::*;
use sea_orm_migration::prelude::*;

/// The ledger's search reads names and codes from an index alone. A search of one or
/// two Chinese characters cannot use an index to find rows (`LIKE '%智能%'`), so it
/// reads every project; the wide rows (content, the colour's explanation) made that
/// 73 MB at 100,000 projects, and the page's count took 33 ms on PostgreSQL. With name,
/// office and code in one index both databases scan it instead (PostgreSQL: an
/// index-only scan, 15 ms; it needs the visibility map, which `refresh_statistics`
/// keeps after bulk writes). Lookups by name and office, what the old index served,
/// use its first two columns as before.
pub struct M011SearchIndex;

impl MigrationName for M011SearchIndex {
    fn name(&self) -> &str {
        "m20261211_000011_search_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M011SearchIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("projects", "ix_projects_name_office_code", &["name", "office_id", "code"], false))
            .await?;
        m.drop_index(Index::drop().name("ix_projects_name_office").table(Alias::new("projects")).to_owned()).await
    }
}
