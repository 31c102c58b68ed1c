use super::columns::*;
use sea_orm_migration::prelude::*;

/// Issue "hostile input and load": the version an edit starts from, who asked (address
/// and user agent) in the audit trail, and accounts an administrator can run (a reset
/// password to change, idle sessions, tokens that expire).
pub struct M005HostileInput;

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
