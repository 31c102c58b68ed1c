use super::columns::*;
use sea_orm_migration::prelude::*;

/// Issue "enterprises": the registry, yearly indicators by source with the bureau's
/// choices where sources differ, tiers with their dates, the bureau's targets, the
/// ladder's rule-set versions and the stored assessments the candidate lists read.
/// Every reference is a foreign key from the start.
pub struct M007Enterprises;

impl MigrationName for M007Enterprises {
    fn name(&self) -> &str {
        "m20261201_000007_enterprises"
    }
}

fn firm(table: &str) -> ForeignKeyCreateStatement {
    key(table, "enterprise_id", "enterprises")
}

#[async_trait::async_trait]
impl MigrationTrait for M007Enterprises {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables: Vec<TableCreateStatement> = vec![
            id(Table::create().table(Alias::new("enterprises")))
                .col(text("uscc"))
                .col(text("name"))
                .col(opt_big("office_id"))
                .col(opt_big("industry_id"))
                .col(date("registered_on"))
                .col(text("address"))
                .col(text("contact"))
                .col(text("phone"))
                .col(text("liaison"))
                .col(text("tags"))
                .col(text("note"))
                .col(boolean("demo"))
                .col({
                    let mut c = ColumnDef::new(Alias::new("version"));
                    c.integer().not_null().default(1);
                    c
                })
                .col(stamp("created_at"))
                .col(stamp("updated_at"))
                .foreign_key(&mut key("enterprises", "office_id", "offices"))
                .foreign_key(&mut key("enterprises", "industry_id", "industries"))
                .to_owned(),
            id(Table::create().table(Alias::new("enterprise_projects")))
                .col(big("enterprise_id"))
                .col(big("project_id"))
                .col(text("confirmed_by"))
                .col(stamp("confirmed_at"))
                .foreign_key(&mut firm("enterprise_projects"))
                .foreign_key(&mut key("enterprise_projects", "project_id", "projects"))
                .to_owned(),
            id(Table::create().table(Alias::new("indicator_values")))
                .col(big("enterprise_id"))
                .col(int("year"))
                .col(text("indicator"))
                .col(text("source"))
                .col(text("value"))
                .col(date("as_of"))
                .col(text("recorded_by"))
                .col(stamp("recorded_at"))
                .foreign_key(&mut firm("indicator_values"))
                .to_owned(),
            id(Table::create().table(Alias::new("indicator_choices")))
                .col(big("enterprise_id"))
                .col(int("year"))
                .col(text("indicator"))
                .col(text("source"))
                .col(text("reason"))
                .col(text("chosen_by"))
                .col(stamp("chosen_at"))
                .foreign_key(&mut firm("indicator_choices"))
                .to_owned(),
            id(Table::create().table(Alias::new("enterprise_tiers")))
                .col(big("enterprise_id"))
                .col(text("tier"))
                .col(date("recognised_on"))
                .col(date("valid_until"))
                .col(text("certificate"))
                .col(text("source"))
                .col(text("recorded_by"))
                .col(stamp("recorded_at"))
                .foreign_key(&mut firm("enterprise_tiers"))
                .to_owned(),
            id(Table::create().table(Alias::new("tier_targets")))
                .col(text("tier"))
                .col(int("year"))
                .col(big("target"))
                .col(text("name"))
                .to_owned(),
            id(Table::create().table(Alias::new("ladder_rule_sets")))
                .col(text("rung"))
                .col(text("version"))
                .col(date("effective_from"))
                .col(text("body"))
                .col(text("created_by"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("ladder_assessments")))
                .col(big("enterprise_id"))
                .col(text("rung"))
                .col(boolean("eligible"))
                .col(text("route"))
                .col(opt_big("score"))
                .col(int("unmet"))
                .col(text("missing"))
                .col(date("assessed_on"))
                .col(int("data_year"))
                .foreign_key(&mut firm("ladder_assessments"))
                .to_owned(),
        ];
        for table in tables {
            m.create_table(table).await?;
        }
        let indexes = [
            index("enterprises", "ux_enterprises_uscc", &["uscc"], true),
            index("enterprises", "ix_enterprises_office", &["office_id"], false),
            index("enterprise_projects", "ux_enterprise_projects", &["enterprise_id", "project_id"], true),
            index("enterprise_projects", "ix_enterprise_projects_project", &["project_id"], false),
            index("indicator_values", "ux_indicator_values", &["enterprise_id", "year", "indicator", "source"], true),
            index("indicator_values", "ix_indicator_values_year", &["year", "indicator"], false),
            index("indicator_choices", "ux_indicator_choices", &["enterprise_id", "year", "indicator"], true),
            index("enterprise_tiers", "ix_enterprise_tiers_firm", &["enterprise_id"], false),
            index("enterprise_tiers", "ix_enterprise_tiers_tier", &["tier", "recognised_on"], false),
            index("tier_targets", "ux_tier_targets", &["tier", "year"], true),
            index("ladder_rule_sets", "ix_ladder_rule_sets_rung", &["rung", "effective_from"], false),
            index("ladder_assessments", "ux_ladder_assessments", &["enterprise_id", "rung"], true),
            index("ladder_assessments", "ix_ladder_assessments_list", &["rung", "eligible", "unmet"], false),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }
}
