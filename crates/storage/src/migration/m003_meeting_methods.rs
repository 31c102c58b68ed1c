use super::columns::*;
use sea_orm_migration::prelude::*;

/// Meetings, second step: the last day of a meeting that takes more than one, the
/// scoring method (rubric, rank ballot, points formula or a composite), the participating offices and their groups, sites proposed by offices,
/// the formula's per-site inputs, rank ballots, bonus/penalty items and comments on
/// offices.
pub struct M003MeetingMethods;

impl MigrationName for M003MeetingMethods {
    fn name(&self) -> &str {
        "m20261125_000003_meeting_methods"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M003MeetingMethods {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let text_default = |name: &str, value: &str| {
            let mut c = ColumnDef::new(Alias::new(name));
            c.text().not_null().default(value);
            c
        };
        let added: Vec<(&str, ColumnDef)> = vec![
            ("meetings", date("ends_on")),
            ("meetings", text_default("method", "rubric")),
            ("meetings", text_default("rank_step", "3")),
            ("meetings", text_default("weight_rubric", "70")),
            ("meetings", text_default("weight_rank", "0")),
            ("meetings", text_default("weight_formula", "30")),
            ("meeting_sites", text_default("status", "confirmed")),
            ("meeting_sites", text("proposed_by")),
            ("meeting_sites", boolean("concentrated_start")),
            ("meeting_sites", text_default("penalty", "0")),
            ("meeting_sites", text("penalty_reason")),
        ];
        for (table, mut column) in added {
            m.alter_table(Table::alter().table(Alias::new(table)).add_column(&mut column).to_owned()).await?;
        }
        let tables: Vec<TableCreateStatement> = vec![
            id(Table::create().table(Alias::new("meeting_offices")))
                .col(big("meeting_id"))
                .col(big("office_id"))
                .col(text("group_name"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_ranks")))
                .col(big("meeting_id"))
                .col(big("judge_id"))
                .col(big("office_id"))
                .col(int("rank"))
                .col(stamp("updated_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_adjustments")))
                .col(big("meeting_id"))
                .col(big("office_id"))
                .col(text("points"))
                .col(text("reason"))
                .col(text("created_by"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_comments")))
                .col(big("meeting_id"))
                .col(big("office_id"))
                .col(text("username"))
                .col(text("body"))
                .col(stamp("created_at"))
                .to_owned(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            index("meeting_offices", "ux_meeting_offices", &["meeting_id", "office_id"], true),
            index("meeting_ranks", "ux_meeting_ranks", &["judge_id", "office_id"], true),
            index("meeting_ranks", "ix_meeting_ranks_meeting", &["meeting_id"], false),
            index("meeting_adjustments", "ix_meeting_adjustments", &["meeting_id"], false),
            index("meeting_comments", "ix_meeting_comments", &["meeting_id"], false),
        ] {
            m.create_index(i).await?;
        }
        // Meetings planned before offices were scoped take part with the offices on
        // their route.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO meeting_offices (meeting_id, office_id, group_name) \
                 SELECT DISTINCT meeting_id, office_id, '' FROM meeting_sites",
            )
            .await?;
        Ok(())
    }
}
