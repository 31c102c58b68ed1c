use super::columns::*;
use sea_orm_migration::prelude::*;

/// The first schema: offices, industries, users and sessions, projects and their
/// plans, stages, reports, photos, milestones, problems, comments, batches, settings
/// and the audit trail.
pub struct M001Init;

impl MigrationName for M001Init {
    fn name(&self) -> &str {
        "m20261125_000001_init"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M001Init {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables: Vec<TableCreateStatement> = vec![
            id(Table::create().table(Alias::new("offices"))).col(text("name")).col(int("sort_order")).to_owned(),
            id(Table::create().table(Alias::new("industries")))
                .col(text("name"))
                .col(text("category"))
                .col(int("sort_order"))
                .to_owned(),
            id(Table::create().table(Alias::new("users")))
                .col(text("username"))
                .col(text("display_name"))
                .col(text("password_hash"))
                .col(text("role"))
                .col(opt_big("office_id"))
                .col(boolean("active"))
                .col(stamp("created_at"))
                .to_owned(),
            Table::create()
                .table(Alias::new("sessions"))
                .col(ColumnDef::new(Alias::new("token_hash")).string_len(64).not_null().primary_key())
                .col(big("user_id"))
                .col(stamp("expires_at"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("api_tokens")))
                .col(big("user_id"))
                .col(text("name"))
                .col(text("token_hash"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("projects")))
                .col(ColumnDef::new(Alias::new("code")).string_len(64).null())
                .col(text("name"))
                .col(big("office_id"))
                .col(big("industry_id"))
                .col(text("stage"))
                .col(text("location"))
                .col(text("content"))
                .col(text("leader"))
                .col(text("responsible_unit"))
                .col(text("owner_unit"))
                .col(big("total_investment"))
                .col(date("planned_start"))
                .col(date("planned_finish"))
                .col(date("actual_start"))
                .col(date("actual_finish"))
                .col(text("warning_light"))
                .col(text("warning_detail"))
                .col(boolean("demo"))
                .col(stamp("created_at"))
                .col(stamp("updated_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("annual_plans")))
                .col(big("project_id"))
                .col(int("year"))
                .col(big("amount"))
                .col(big("completed"))
                .to_owned(),
            id(Table::create().table(Alias::new("stage_events")))
                .col(big("project_id"))
                .col(text("from_stage"))
                .col(text("to_stage"))
                .col(date("on_date"))
                .col(text("reason"))
                .col(text("username"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("periods")))
                .col(int("year"))
                .col(int("month"))
                .col(date("deadline"))
                .col(text("status"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("reports")))
                .col(big("project_id"))
                .col(big("office_id"))
                .col(int("year"))
                .col(int("month"))
                .col(big("completed"))
                .col(text("progress"))
                .col(text("problems"))
                .col(text("help_needed"))
                .col(text("submitted_by"))
                .col(stamp("submitted_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("photos")))
                .col(big("project_id"))
                .col(opt_big("report_id"))
                .col(text("filename"))
                .col(text("content_type"))
                .col(ColumnDef::new(Alias::new("data")).blob().not_null())
                .col(text("uploaded_by"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("milestones")))
                .col(big("project_id"))
                .col(text("name"))
                .col(date("due_on"))
                .col(text("responsible"))
                .col(date("done_on"))
                .col(text("note"))
                .to_owned(),
            id(Table::create().table(Alias::new("problems")))
                .col(big("project_id"))
                .col(text("description"))
                .col(text("responsible"))
                .col(date("deadline"))
                .col(boolean("resolved"))
                .col(text("resolution"))
                .col(text("created_by"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("comments")))
                .col(big("project_id"))
                .col(text("username"))
                .col(text("body"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("batches")))
                .col(int("seq"))
                .col(text("name"))
                .col(date("held_on"))
                .col(stamp("created_at"))
                .to_owned(),
            id(Table::create().table(Alias::new("batch_items")))
                .col(big("batch_id"))
                .col(big("project_id"))
                .col(text("list"))
                .to_owned(),
            Table::create()
                .table(Alias::new("settings"))
                .col(ColumnDef::new(Alias::new("key")).string_len(100).not_null().primary_key())
                .col(text("value"))
                .to_owned(),
            id(Table::create().table(Alias::new("audit_log")))
                .col(stamp("at"))
                .col(text("username"))
                .col(text("action"))
                .col(text("entity"))
                .col(opt_big("entity_id"))
                .col(opt_big("project_id"))
                .col(ColumnDef::new(Alias::new("before")).text().null())
                .col(ColumnDef::new(Alias::new("after")).text().null())
                .to_owned(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        let indexes = [
            index("offices", "ux_offices_name", &["name"], true),
            index("industries", "ux_industries_name", &["name"], true),
            index("users", "ux_users_username", &["username"], true),
            index("api_tokens", "ux_api_tokens_hash", &["token_hash"], true),
            index("projects", "ux_projects_code", &["code"], true),
            index("projects", "ix_projects_office", &["office_id", "stage"], false),
            index("projects", "ix_projects_stage", &["stage"], false),
            // Covering indexes for the per-office and per-industry aggregates.
            index("projects", "ix_projects_industry", &["industry_id", "total_investment"], false),
            index("projects", "ix_projects_office_total", &["office_id", "total_investment"], false),
            index("projects", "ix_projects_office_warning", &["office_id", "warning_light"], false),
            index("projects", "ix_projects_warning", &["warning_light"], false),
            index("projects", "ix_projects_demo", &["demo"], false),
            index("projects", "ix_projects_name_office", &["name", "office_id"], false),
            index("projects", "ix_projects_updated", &["updated_at"], false),
            index("projects", "ix_projects_total", &["total_investment"], false),
            index("annual_plans", "ux_annual_plans", &["project_id", "year"], true),
            index("annual_plans", "ix_annual_plans_year", &["year", "project_id", "amount", "completed"], false),
            index("stage_events", "ix_stage_events_project", &["project_id"], false),
            index("stage_events", "ix_stage_events_date", &["on_date", "to_stage", "project_id"], false),
            index("periods", "ux_periods_month", &["year", "month"], true),
            index("reports", "ux_reports_project_month", &["project_id", "year", "month"], true),
            // Covers the dashboard's monthly sums without touching the table.
            index("reports", "ix_reports_month", &["year", "month", "office_id", "completed"], false),
            index("photos", "ix_photos_project", &["project_id"], false),
            index("milestones", "ix_milestones_project", &["project_id"], false),
            index("problems", "ix_problems_project", &["project_id"], false),
            index("comments", "ix_comments_project", &["project_id"], false),
            index("batches", "ux_batches_seq", &["seq"], true),
            index("batch_items", "ux_batch_items", &["batch_id", "project_id", "list"], true),
            index("audit_log", "ix_audit_project", &["project_id"], false),
            index("audit_log", "ix_audit_at", &["at"], false),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        // A partial index (same syntax on SQLite and PostgreSQL) so that "the latest
        // problems" does not scan every report: most reports have none.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_reports_with_problems ON reports (year, month, id) WHERE problems <> ''",
            )
            .await?;
        Ok(())
    }
}
