//! The schema, as append-only migrations embedded in the binary and run at start-up.
//! Written with sea-query's builders so that one migration serves SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M001Init),
            Box::new(M002Meetings),
            Box::new(M003MeetingMethods),
            Box::new(M004HonestFigures),
            Box::new(M005HostileInput),
        ]
    }
}

// Names are explicit: DeriveMigrationName takes the file name, and every migration
// lives in this one file.
struct M001Init;

impl MigrationName for M001Init {
    fn name(&self) -> &str {
        "m20261125_000001_init"
    }
}

fn id(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(ColumnDef::new(Alias::new("id")).big_integer().not_null().auto_increment().primary_key())
}

fn text(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.text().not_null().default("");
    c
}

fn big(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer().not_null().default(0);
    c
}

fn opt_big(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer().null();
    c
}

fn int(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.integer().not_null().default(0);
    c
}

fn date(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.date().null();
    c
}

fn stamp(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone().not_null();
    c
}

fn boolean(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.boolean().not_null().default(false);
    c
}

fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
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

/// On-site observation meetings: sites on a route, rubric criteria, judges and their
/// scores. Decimal scores are stored as text so that both backends keep them exactly.
struct M002Meetings;

impl MigrationName for M002Meetings {
    fn name(&self) -> &str {
        "m20261125_000002_meetings"
    }
}

fn opt_stamp(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone().null();
    c
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

/// Meetings, second step: the last day of a meeting that takes more than one, the
/// scoring method (rubric, rank ballot, points formula or a composite), the participating offices and their groups, sites proposed by offices,
/// the formula's per-site inputs, rank ballots, bonus/penalty items and comments on
/// offices.
struct M003MeetingMethods;

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

/// Real ledgers and honest figures: how precise each project date is (a year, a month
/// or a day) and whether the start date was taken from the planned start by an import;
/// opening balances of the year's completed investment imported from a ledger;
/// reminders (催报); step-back requests by offices; published meeting results frozen
/// per version; the bulletin's 文号; bands by shares; a judge's declared conflict kept
/// beside (not instead of) their own office.
struct M004HonestFigures;

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
            // every report write (see `queries::refresh_report_total`): the dashboard
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
        crate::queries::rebuild_report_totals(db).await?;
        Ok(())
    }
}

/// Issue "hostile input and load": the version an edit starts from, who asked (address
/// and user agent) in the audit trail, and accounts an administrator can run (a reset
/// password to change, idle sessions, tokens that expire).
struct M005HostileInput;

impl MigrationName for M005HostileInput {
    fn name(&self) -> &str {
        "m20261130_000005_hostile_input"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M005HostileInput {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let added: Vec<(&str, ColumnDef)> = vec![
            ("projects", {
                let mut c = ColumnDef::new(Alias::new("version"));
                c.integer().not_null().default(1);
                c
            }),
            ("audit_log", text("client_addr")),
            ("audit_log", text("user_agent")),
            ("users", boolean("must_change_password")),
            ("users", opt_stamp("password_changed_at")),
            ("sessions", opt_stamp("last_seen_at")),
            ("api_tokens", opt_stamp("expires_at")),
            ("api_tokens", opt_stamp("last_used_at")),
        ];
        for (table, mut column) in added {
            m.alter_table(Table::alter().table(Alias::new(table)).add_column(&mut column).to_owned()).await?;
        }
        m.create_index(index("sessions", "ix_sessions_user", &["user_id"], false)).await?;
        m.create_index(index("api_tokens", "ix_api_tokens_hash", &["token_hash"], true)).await?;
        Ok(())
    }
}
