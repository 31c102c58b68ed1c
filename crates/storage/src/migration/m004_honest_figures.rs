use super::columns::*;
use sea_orm_migration::prelude::*;

/// Real ledgers and honest figures: how precise each project date is (a year, a month
/// or a day) and whether the start date was taken from the planned start by an import;
/// opening balances of the year's completed investment imported from a ledger;
/// reminders (催报); step-back requests by offices; published meeting results frozen
/// per version; the bulletin's 文号; bands by shares; a judge's declared conflict kept
/// beside (not instead of) their own office.
pub struct M004HonestFigures;

impl MigrationName for M004HonestFigures {
    fn name(&self) -> &str {
        "m20261130_000004_honest_figures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M004HonestFigures {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let text_default = |name: &str, value: &str| {
            let mut c = ColumnDef::new(Alias::new(name));
            c.text().not_null().default(value);
            c
        };
        let added: Vec<(&str, ColumnDef)> = vec![
            ("projects", text_default("planned_start_precision", "day")),
            ("projects", text_default("planned_finish_precision", "day")),
            ("projects", text_default("actual_start_precision", "day")),
            ("projects", text_default("actual_finish_precision", "day")),
            ("projects", boolean("actual_start_inferred")),
            ("meetings", text_default("doc_prefix", "区项指办")),
            ("meetings", {
                let mut c = ColumnDef::new(Alias::new("doc_number"));
                c.integer().null();
                c
            }),
            // auto: cut-offs for the rubric, shares of the ranking for other methods.
            ("meetings", text_default("band_mode", "auto")),
            ("meetings", text_default("excellent_share", "30")),
            ("meetings", text_default("good_share", "40")),
            ("meeting_judges", opt_big("declared_office_id")),
        ];
        for (table, mut column) in added {
            m.alter_table(Table::alter().table(Alias::new(table)).add_column(&mut column).to_owned()).await?;
        }
        let tables: Vec<TableCreateStatement> = vec![
            id(Table::create().table(Alias::new("opening_balances")))
                .col(big("project_id"))
                .col(int("year"))
                .col(int("through_month"))
                .col(big("amount"))
                .col(text("username"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("reminders")))
                .col(int("year"))
                .col(int("month"))
                .col(big("office_id"))
                .col(opt_big("project_id"))
                .col(text("note"))
                .col(text("sent_by"))
                .col(stamp("sent_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("stage_requests")))
                .col(big("project_id"))
                .col(text("from_stage"))
                .col(text("to_stage"))
                .col(date("on_date"))
                .col(text("reason"))
                .col(text("requested_by"))
                .col(stamp("requested_at"))
                .col(text_default("status", "pending"))
                .col(text("decided_by"))
                .col(opt_stamp("decided_at"))
                .col(text("decision_reason"))
                .to_owned(),
            id(Table::create().table(Alias::new("meeting_releases")))
                .col(big("meeting_id"))
                .col(int("version"))
                .col(text("reason"))
                .col(text("snapshot"))
                .col(ColumnDef::new(Alias::new("bulletin")).blob().not_null())
                .col(ColumnDef::new(Alias::new("workbook")).blob().not_null())
                .col(text("released_by"))
                .col(stamp("released_at"))
                .to_owned(),
            // The reports' completed investment summed per office and month, kept by
            // every report write (m010 replaced it by `month_totals`): the dashboard
            // and the comparison read 120 rows a year instead of a million reports.
            id(Table::create().table(Alias::new("report_totals")))
                .col(int("year"))
                .col(int("month"))
                .col(big("office_id"))
                .col(big("completed"))
                .col(big("reports"))
                .to_owned(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            index("opening_balances", "ux_opening_balances", &["project_id", "year"], true),
            index("opening_balances", "ix_opening_balances_year", &["year", "project_id"], false),
            index("reminders", "ix_reminders_office", &["office_id", "year", "month"], false),
            index("stage_requests", "ix_stage_requests_project", &["project_id"], false),
            index("stage_requests", "ix_stage_requests_status", &["status"], false),
            index("meeting_releases", "ux_meeting_releases", &["meeting_id", "version"], true),
            index("report_totals", "ux_report_totals", &["year", "month", "office_id"], true),
            // New starts and productions per office in a year (the comparison).
            index("projects", "ix_projects_actual_start", &["actual_start", "office_id"], false),
            index("projects", "ix_projects_actual_finish", &["actual_finish", "office_id"], false),
            // Who owes a report (stage, started by the month's end, office) without
            // reading the project rows: 110 ms → 65 ms at 100,000 projects.
            index("projects", "ix_projects_owing", &["stage", "actual_start", "office_id"], false),
        ] {
            m.create_index(i).await?;
        }
        let db = m.get_connection();
        // One step-back request waits per project, however many are sent at once
        // (a partial index: the same syntax on SQLite and PostgreSQL).
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_stage_requests_pending ON stage_requests (project_id) WHERE status = 'pending'",
        )
        .await?;
        // Before, a judge's declared conflict replaced their own office; keep both now.
        db.execute_unprepared(
            "UPDATE meeting_judges SET declared_office_id = own_office_id, \
             own_office_id = (SELECT office_id FROM users u WHERE u.id = meeting_judges.user_id) \
             WHERE own_office_id IS NOT NULL AND own_office_id <> \
             COALESCE((SELECT office_id FROM users u WHERE u.id = meeting_judges.user_id), -1)",
        )
        .await?;
        // The office-month totals of the time (m010 replaced them by `month_totals`).
        db.execute_unprepared(
            "INSERT INTO report_totals (year, month, office_id, completed, reports) \
             SELECT year, month, office_id, SUM(completed), COUNT(*) FROM reports GROUP BY year, month, office_id",
        )
        .await?;
        Ok(())
    }
}
