//! Accounts an administrator can run: a user's role, office and name; disabling and
//! re-enabling; resetting a password (to be changed at the next sign-in); everyone
//! changing their own; API tokens listed and revoked. A password change, a reset or a
//! disable ends every session and every API token of that user.

use crate::audit::Change;
use crate::auth::{Accounts, administers, new_secret, open_session};
use crate::{Actor, AppError, Result};
use chrono::Utc;
use fengkou_domain::Permit;
use fengkou_domain::Role;
use fengkou_domain::project::FieldError;
use fengkou_storage::entity::{api_token, office, session, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// "2026-11-30 17:43" in China time, like every time people read.
    pub created_at: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub last_used_at: Option<String>,
}

fn china(t: chrono::DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
}

async fn end_sessions<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<()> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// A reset, a change of password or a disable also ends the user's API tokens: after a
/// compromise, a token made by the intruder must not outlive the new password.
async fn end_tokens<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<u64> {
    Ok(api_token::Entity::delete_many().filter(api_token::Column::UserId.eq(user_id)).exec(db).await?.rows_affected)
}

impl Accounts<'_> {
    async fn user_by_id<C: ConnectionTrait>(&self, db: &C, id: i64) -> Result<user::Model> {
        user::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("用户"))
    }

    /// Changes a user's role, office and display name (admin).
    pub async fn update_user(
        &self,
        by: &Actor,
        id: i64,
        role: Role,
        office_name: Option<&str>,
        display_name: &str,
    ) -> Result<()> {
        let permit = administers(Some(by), "修改用户")?;
        let display_name = display_name.trim();
        if display_name.chars().count() > 40 {
            return Err(AppError::invalid("姓名", "不能超过40个字"));
        }
        let office_id = match office_name.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => Some(
                office::Entity::find()
                    .filter(office::Column::Name.eq(name))
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| AppError::invalid("办事处", format!("没有名为“{name}”的办事处")))?
                    .id,
            ),
            None if role == Role::OfficeUser => {
                return Err(AppError::invalid("办事处", "办事处用户必须指定所属办事处"));
            }
            None => None,
        };
        let mut txn = self.write(permit).await?;
        let before = self.user_by_id(&txn, id).await?;
        if before.id == by.user_id && role != Role::Admin {
            return Err(AppError::invalid("角色", "不能取消自己的管理员角色（请另一位管理员操作）"));
        }
        let mut am = before.clone().into_active_model();
        am.role = Set(role.into());
        am.office_id = Set(office_id);
        if !display_name.is_empty() {
            am.display_name = Set(display_name.to_string());
        }
        let after = am.update(&txn).await?;
        if after != before {
            // A new role or office applies from the next request: sessions read the
            // user each time, so none need ending.
            txn.record(Change {
                action: "update",
                entity: "user",
                entity_id: Some(id),
                project_id: None,
                before: Some(public(&before)),
                after: Some(public(&after)),
            });
        }
        txn.commit().await?;
        Ok(())
    }

    /// Disables (every session ends, tokens stop working) or re-enables a user (admin).
    pub async fn set_user_active(&self, by: &Actor, id: i64, active: bool) -> Result<()> {
        let permit = administers(Some(by), "停用或启用用户")?;
        if id == by.user_id && !active {
            return Err(AppError::invalid("用户", "不能停用自己"));
        }
        let mut txn = self.write(permit).await?;
        let before = self.user_by_id(&txn, id).await?;
        if before.active == active {
            return Ok(());
        }
        let mut am = before.clone().into_active_model();
        am.active = Set(active);
        am.update(&txn).await?;
        let mut revoked = 0;
        if !active {
            end_sessions(&txn, id).await?;
            revoked = end_tokens(&txn, id).await?;
        }
        txn.record(Change {
            action: if active { "enable" } else { "disable" },
            entity: "user",
            entity_id: Some(id),
            project_id: None,
            before: Some(serde_json::json!({ "username": before.username, "active": before.active })),
            after: Some(
                serde_json::json!({ "username": before.username, "active": active, "revoked_tokens": revoked }),
            ),
        });
        txn.commit().await?;
        Ok(())
    }

    /// Sets a new password for a user who forgot theirs (admin). It works once: the
    /// user must choose their own at the next sign-in. Their sessions end.
    pub async fn reset_password(&self, by: &Actor, id: i64, new_password: &str) -> Result<()> {
        let permit = administers(Some(by), "重置密码")?;
        let target = self.user_by_id(&self.db, id).await?;
        if let Some(why) = fengkou_domain::password::password_problem(&target.username, new_password) {
            return Err(AppError::Invalid(vec![FieldError::new("新密码", why)]));
        }
        let hash = self.hash(new_password).await?;
        let mut txn = self.write(permit).await?;
        let mut am = target.clone().into_active_model();
        am.password_hash = Set(hash);
        am.must_change_password = Set(true);
        am.password_changed_at = Set(Some(txn.now()));
        am.update(&txn).await?;
        end_sessions(&txn, id).await?;
        let revoked = end_tokens(&txn, id).await?;
        txn.record(Change {
            action: "reset_password",
            entity: "user",
            entity_id: Some(id),
            project_id: None,
            before: None,
            after: Some(serde_json::json!({ "username": target.username, "revoked_tokens": revoked })),
        });
        txn.commit().await?;
        Ok(())
    }

    /// A user changes their own password. Every session of theirs ends; the new
    /// session's secret is returned so that this browser stays signed in.
    /// The current password is checked under the same throttle as sign-in (`from` is
    /// the client's address), so a stolen session cannot be used to guess it.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new_password: &str,
        from: std::net::IpAddr,
    ) -> Result<String> {
        let me = self.user_by_id(&self.db, actor.user_id).await?;
        if current.chars().count() > fengkou_domain::password::MAX_PASSWORD_CHARS {
            return Err(AppError::invalid("当前密码", "不正确"));
        }
        self.throttle.begin(&me.username, from).map_err(|r| AppError::Throttled(r.wait))?;
        if !self.verify(current, &me.password_hash).await? {
            return Err(AppError::invalid("当前密码", "不正确"));
        }
        self.throttle.succeeded(&me.username, from);
        if current == new_password {
            return Err(AppError::invalid("新密码", "不能与当前密码相同"));
        }
        if let Some(why) = fengkou_domain::password::password_problem(&me.username, new_password) {
            return Err(AppError::Invalid(vec![FieldError::new("新密码", why)]));
        }
        let hash = self.hash(new_password).await?;
        let secret = new_secret();
        let mut txn = self.write(Permit::holder(&actor.username)).await?;
        let mut am = me.clone().into_active_model();
        am.password_hash = Set(hash);
        am.must_change_password = Set(false);
        am.password_changed_at = Set(Some(txn.now()));
        am.update(&txn).await?;
        end_sessions(&txn, me.id).await?;
        let revoked = end_tokens(&txn, me.id).await?;
        open_session(&txn, me.id, &secret).await?;
        txn.record(Change {
            action: "password",
            entity: "user",
            entity_id: Some(me.id),
            project_id: None,
            before: None,
            after: Some(serde_json::json!({ "revoked_tokens": revoked })),
        });
        txn.commit().await?;
        Ok(secret)
    }

    /// API tokens: every one for the admin (or the CLI, `by` None), one's own for others.
    pub async fn api_tokens(&self, by: Option<&Actor>) -> Result<Vec<TokenRow>> {
        let mut q = api_token::Entity::find().order_by_asc(api_token::Column::Id);
        if let Some(a) = by
            && !a.can_administer()
        {
            q = q.filter(api_token::Column::UserId.eq(a.user_id));
        }
        let users: std::collections::HashMap<i64, String> =
            user::Entity::find().all(&self.db).await?.into_iter().map(|u| (u.id, u.username)).collect();
        let now = self.now();
        Ok(q.all(&self.db)
            .await?
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                username: users.get(&t.user_id).cloned().unwrap_or_default(),
                name: t.name,
                created_at: china(t.created_at),
                expires_at: t.expires_at.map(china),
                expired: t.expires_at.is_some_and(|at| at < now),
                last_used_at: t.last_used_at.map(china),
            })
            .collect())
    }

    /// Revokes a token: the admin (or the CLI) any, a user their own.
    pub async fn revoke_token(&self, by: Option<&Actor>, id: i64) -> Result<()> {
        let mut txn = match by {
            Some(a) => self.write_checking(a).await?,
            None => self.write(Permit::system("cli")).await?,
        };
        let t = api_token::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound("API令牌"))?;
        if let Some(a) = by {
            txn.permit(a.can_administer() || a.user_id == t.user_id, "只能吊销自己的API令牌")?;
        }
        api_token::Entity::delete_by_id(id).exec(&txn).await?;
        txn.record(Change {
            action: "revoke",
            entity: "api_token",
            entity_id: Some(id),
            project_id: None,
            before: Some(serde_json::json!({ "name": t.name, "user_id": t.user_id })),
            after: None,
        });
        txn.commit().await?;
        Ok(())
    }
}

/// A user's record for the audit trail, without the password hash.
fn public(u: &user::Model) -> serde_json::Value {
    serde_json::json!({
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role,
        "office_id": u.office_id,
        "active": u.active,
    })
}
