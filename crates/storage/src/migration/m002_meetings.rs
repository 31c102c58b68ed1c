use super::columns::*;
use sea_orm_migration::prelude::*;

/// On-site observation meetings: sites on a route, rubric criteria, judges and their
/// scores. Decimal scores are stored as text so that both backends keep them exactly.
pub struct M002Meetings;

impl MigrationName for M002Meetings {
    fn name(&self) -> &str {
        "m20261125_000002_meetings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M002Meetings {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables: Vec<TableCreateStatement> = vec![
            id(Table::create().table(Alias::new("meetings")))
                .col(text("name"))
                .col(date("held_on"))
                .col(text("aggregate"))
                .col(text("combination"))
                .col(text("excellent_from"))
                .col(text("good_from"))
                .col(boolean("released"))
                .col(text("created_by"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_sites")))
                .col(big("meeting_id"))
                .col(big("project_id"))
                .col(big("office_id"))
                .col(int("seq"))
                .col(text("visit_time"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_criteria")))
                .col(big("meeting_id"))
                .col(text("name"))
                .col(text("weight"))
                .col(text("max"))
                .col(int("seq"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_judges")))
                .col(big("meeting_id"))
                .col(big("user_id"))
                .col(text("username"))
                .col(opt_big("own_office_id"))
                .col(opt_stamp("submitted_at"))
                .col(text("reopened_reason"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_scores")))
                .col(big("meeting_id"))
                .col(big("judge_id"))
                .col(big("site_id"))
                .col(big("criterion_id"))
                .col(text("score"))
                .col(stamp("updated_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_remarks")))
                .col(big("meeting_id"))
                .col(big("judge_id"))
                .col(big("site_id"))
                .col(text("remark"))
                .col(text("declined_reason"))
                .to_owned(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            index("meeting_sites", "ux_meeting_sites", &["meeting_id", "project_id"], true),
            index("meeting_criteria", "ix_meeting_criteria", &["meeting_id"], false),
            index("meeting_judges", "ux_meeting_judges", &["meeting_id", "user_id"], true),
            index("meeting_scores", "ux_meeting_scores", &["judge_id", "site_id", "criterion_id"], true),
            index("meeting_scores", "ix_meeting_scores_meeting", &["meeting_id"], false),
            index("meeting_remarks", "ux_meeting_remarks", &["judge_id", "site_id"], true),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }
}
