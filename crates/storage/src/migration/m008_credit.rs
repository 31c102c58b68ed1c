use super::columns::*;
use sea_orm_migration::prelude::*;

/// Issue "innovation credit": scheme versions with their four-eyes approval, computed
/// runs (the scheme's text and every firm's inputs kept with them, so that a run can be
/// recomputed and checked later), each firm's score, rank, list and breakdown, and the
/// objections raised during the public notice with the bureau's answers.
pub struct M008Credit;

impl MigrationName for M008Credit {
    fn name(&self) -> &str {
        "m20261201_000008_credit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M008Credit {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables: Vec<TableCreateStatement> = vec![
            id(Table::create().table(Alias::new("credit_schemes")))
                .col(text("name"))
                .col(int("effective_year"))
                .col(text("body"))
                .col(text("status"))
                .col(text("proposed_by"))
                .col(stamp("proposed_at"))
                .col(text("decided_by"))
                .col(opt_stamp("decided_at"))
                .col(text("decision_note"))
                .to_owned(),
            id(Table::create().table(Alias::new("credit_runs")))
                .col(opt_big("scheme_id"))
                .col(text("scheme_label"))
                .col(text("scheme_body"))
                .col(int("year"))
                .col(date("assessed_on"))
                .col(int("firms"))
                .col(text("distributions"))
                .col(text("status"))
                .col(text("computed_by"))
                .col(stamp("computed_at"))
                .col(text("published_by"))
                .col(opt_stamp("published_at"))
                .col(date("notice_until"))
                .foreign_key(&mut key("credit_runs", "scheme_id", "credit_schemes"))
                .to_owned(),
            id(Table::create().table(Alias::new("credit_scores")))
                .col(big("run_id"))
                .col(big("enterprise_id"))
                .col(text("cohort"))
                .col(opt_big("cents"))
                .col({
                    let mut c = ColumnDef::new(Alias::new("rank"));
                    c.integer().null();
                    c
                })
                .col(text("list"))
                .col(text("breakdown"))
                .col(text("inputs"))
                .foreign_key(&mut key("credit_scores", "run_id", "credit_runs"))
                .foreign_key(&mut key("credit_scores", "enterprise_id", "enterprises"))
                .to_owned(),
            id(Table::create().table(Alias::new("credit_objections")))
                .col(big("run_id"))
                .col(big("enterprise_id"))
                .col(text("raised_for"))
                .col(text("text"))
                .col(text("recorded_by"))
                .col(stamp("recorded_at"))
                .col(text("outcome"))
                .col(text("answer"))
                .col(text("answered_by"))
                .col(opt_stamp("answered_at"))
                .foreign_key(&mut key("credit_objections", "run_id", "credit_runs"))
                .foreign_key(&mut key("credit_objections", "enterprise_id", "enterprises"))
                .to_owned(),
        ];
        for table in tables {
            m.create_table(table).await?;
        }
        let indexes = [
            index("credit_schemes", "ix_credit_schemes_year", &["effective_year", "status"], false),
            index("credit_runs", "ix_credit_runs_year", &["year", "status"], false),
            index("credit_scores", "ux_credit_scores", &["run_id", "enterprise_id"], true),
            index("credit_scores", "ix_credit_scores_rank", &["run_id", "cohort", "rank"], false),
            index("credit_scores", "ix_credit_scores_lists", &["run_id", "cohort", "list"], false),
            index("credit_scores", "ix_credit_scores_firm", &["enterprise_id"], false),
            index("credit_objections", "ix_credit_objections_run", &["run_id", "enterprise_id"], false),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }
}
