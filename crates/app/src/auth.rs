//! Users, password login, sessions and API tokens.
//!
//! Passwords are hashed with argon2. Sessions and API tokens are random 256-bit values
//! given to the client once; only their SHA-256 is stored, so a leaked database does not
//! leak live sessions. We keep sessions in our own table rather than tower-sessions so
//! that they live in the same database (SQLite or PostgreSQL) through the same layer.

use crate::audit::{self, Change};
use crate::{Actor, App, AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{Duration, Utc};
use fengkou_domain::Role;
use fengkou_storage::entity::{api_token, office, session, user};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub const SESSION_HOURS: i64 = 12;

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such user").unwrap_or_default());
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Failed logins per username. After three failures each further attempt must wait
/// twice as long as the last (1 s, 2 s, 4 s … capped at 5 minutes).
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    fn wait_seconds(&self, username: &str) -> u64 {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(username) {
            Some((n, last)) if *n >= 3 => {
                let wait = (1u64 << (n - 3).min(9)).min(300);
                wait.saturating_sub(last.elapsed().as_secs())
            }
            _ => 0,
        }
    }

    fn failed(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.clear(); // a flood of invented usernames must not grow memory without bound
        }
        let entry = map.entry(username.to_string()).or_insert((0, Instant::now()));
        entry.0 += 1;
        entry.1 = Instant::now();
    }

    fn succeeded(&self, username: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(username);
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt =
        SaltString::encode_b64(&rand::rng().random::<[u8; 16]>()).map_err(|e| AppError::Rejected(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Rejected(format!("密码无法加密：{e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn new_secret() -> String {
    hex::encode(rand::rng().random::<[u8; 32]>())
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn actor_of(u: &user::Model) -> Option<Actor> {
    Some(Actor { user_id: u.id, username: u.username.clone(), role: Role::from_code(&u.role)?, office_id: u.office_id })
}

/// A user as shown on the admin page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub office: Option<String>,
    pub active: bool,
}

impl App {
    /// Adds a user. `by` is None only for the CLI, which runs with the server's rights.
    pub async fn add_user(
        &self,
        by: Option<&Actor>,
        username: &str,
        display_name: &str,
        role: Role,
        office_name: Option<&str>,
        password: &str,
    ) -> Result<i64> {
        if let Some(a) = by
            && !a.can_administer()
        {
            return Err(AppError::forbidden("只有系统管理员可以添加用户"));
        }
        let username = username.trim();
        let mut problems = Vec::new();
        if username.is_empty()
            || username.chars().count() > 40
            || username.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            problems.push(fengkou_domain::project::FieldError::new("用户名", "须为1到40个字符，不能含空格"));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            problems.push(fengkou_domain::project::FieldError::new("密码", format!("至少{MIN_PASSWORD_CHARS}个字符")));
        }
        let office_id = match (role, office_name.map(str::trim).filter(|s| !s.is_empty())) {
            (Role::OfficeUser, None) => {
                problems.push(fengkou_domain::project::FieldError::new("办事处", "办事处用户必须指定所属办事处"));
                None
            }
            (_, Some(name)) => {
                match office::Entity::find().filter(office::Column::Name.eq(name)).one(&self.db).await? {
                    Some(o) => Some(o.id),
                    None => {
                        problems.push(fengkou_domain::project::FieldError::new(
                            "办事处",
                            format!("没有名为“{name}”的办事处"),
                        ));
                        None
                    }
                }
            }
            (_, None) => None,
        };
        if user::Entity::find().filter(user::Column::Username.eq(username)).one(&self.db).await?.is_some() {
            problems.push(fengkou_domain::project::FieldError::new("用户名", format!("“{username}”已存在")));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let hash = hash_password(password)?;
        let txn = self.writer.begin().await?;
        let saved = user::ActiveModel {
            username: Set(username.to_string()),
            display_name: Set(if display_name.trim().is_empty() {
                username.to_string()
            } else {
                display_name.trim().to_string()
            }),
            password_hash: Set(hash),
            role: Set(role.code().to_string()),
            office_id: Set(office_id),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            by.map_or("cli", |a| a.username.as_str()),
            Change {
                action: "create",
                entity: "user",
                entity_id: Some(saved.id),
                project_id: None,
                before: None,
                after: Some(serde_json::json!({"username": username, "role": role.code(), "office_id": office_id})),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    /// Adds a 办事处 (admin, or the CLI with `by` None).
    pub async fn add_office(&self, by: Option<&Actor>, name: &str) -> Result<i64> {
        if let Some(a) = by
            && !a.can_administer()
        {
            return Err(AppError::forbidden("只有系统管理员可以添加办事处"));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(AppError::invalid("办事处", "名称须为1到40个字"));
        }
        if office::Entity::find().filter(office::Column::Name.eq(name)).one(&self.db).await?.is_some() {
            return Err(AppError::invalid("办事处", format!("“{name}”已存在")));
        }
        let txn = self.writer.begin().await?;
        let count = office::Entity::find().all(&txn).await?.len() as i32;
        let saved = office::ActiveModel { name: Set(name.to_string()), sort_order: Set(count), ..Default::default() }
            .insert(&txn)
            .await?;
        audit::record(
            &txn,
            by.map_or("cli", |a| a.username.as_str()),
            Change {
                action: "create",
                entity: "office",
                entity_id: Some(saved.id),
                project_id: None,
                before: None,
                after: audit::json(&saved),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    pub async fn has_users(&self) -> Result<bool> {
        Ok(user::Entity::find().one(&self.db).await?.is_some())
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserRow>> {
        if !actor.can_administer() {
            return Err(AppError::forbidden("只有系统管理员可以管理用户"));
        }
        let offices: HashMap<i64, String> = self.offices().await?.into_iter().map(|o| (o.id, o.name)).collect();
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|u| {
                let role = Role::from_code(&u.role)?;
                Some(UserRow {
                    id: u.id,
                    office: u.office_id.and_then(|o| offices.get(&o).cloned()),
                    username: u.username,
                    display_name: u.display_name,
                    role,
                    role_label: role.label(),
                    active: u.active,
                })
            })
            .collect())
    }

    /// Checks a password and opens a session. Returns the actor and the session secret.
    pub async fn login(&self, username: &str, password: &str) -> Result<(Actor, String)> {
        let username = username.trim();
        let wait = self.throttle.wait_seconds(username);
        if wait > 0 {
            return Err(AppError::Throttled(wait));
        }
        let found = user::Entity::find().filter(user::Column::Username.eq(username)).one(&self.db).await?;
        let ok = match &found {
            Some(u) => u.active && verify_password(password, &u.password_hash),
            None => {
                // Spend the same time as a real check so that timing does not reveal
                // which usernames exist.
                let _ = verify_password(password, &DUMMY_HASH);
                false
            }
        };
        let actor = match (ok, found.as_ref().and_then(actor_of)) {
            (true, Some(actor)) => actor,
            _ => {
                self.throttle.failed(username);
                audit::record(
                    &self.db,
                    username,
                    Change {
                        action: "login_failed",
                        entity: "user",
                        entity_id: found.map(|u| u.id),
                        project_id: None,
                        before: None,
                        after: None,
                    },
                )
                .await?;
                return Err(AppError::BadCredentials);
            }
        };
        self.throttle.succeeded(username);
        let secret = new_secret();
        let txn = self.writer.begin().await?;
        session::ActiveModel {
            token_hash: Set(digest(&secret)),
            user_id: Set(actor.user_id),
            expires_at: Set(Utc::now() + Duration::hours(SESSION_HOURS)),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            &actor.username,
            Change {
                action: "login",
                entity: "user",
                entity_id: Some(actor.user_id),
                project_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        txn.commit().await?;
        Ok((actor, secret))
    }

    /// The actor behind a session secret, if the session is live.
    pub async fn session_actor(&self, secret: &str) -> Result<Option<Actor>> {
        let Some(s) = session::Entity::find_by_id(digest(secret)).one(&self.db).await? else {
            return Ok(None);
        };
        if s.expires_at < Utc::now() {
            session::Entity::delete_by_id(s.token_hash).exec(&self.db).await?;
            return Ok(None);
        }
        self.active_actor(s.user_id).await
    }

    async fn active_actor(&self, user_id: i64) -> Result<Option<Actor>> {
        Ok(user::Entity::find_by_id(user_id).one(&self.db).await?.filter(|u| u.active).as_ref().and_then(actor_of))
    }

    pub async fn logout(&self, secret: &str) -> Result<()> {
        session::Entity::delete_by_id(digest(secret)).exec(&self.db).await?;
        Ok(())
    }

    /// Creates an API token for `username` and returns it; it is shown only once.
    pub async fn create_token(&self, username: &str, name: &str) -> Result<String> {
        let u = user::Entity::find()
            .filter(user::Column::Username.eq(username.trim()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("用户"))?;
        let secret = format!("fk_{}", new_secret());
        let txn = self.writer.begin().await?;
        let saved = api_token::ActiveModel {
            user_id: Set(u.id),
            name: Set(name.to_string()),
            token_hash: Set(digest(&secret)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            "cli",
            Change {
                action: "create",
                entity: "api_token",
                entity_id: Some(saved.id),
                project_id: None,
                before: None,
                after: Some(serde_json::json!({"user": u.username, "name": name})),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(secret)
    }

    pub async fn token_actor(&self, secret: &str) -> Result<Option<Actor>> {
        let Some(t) =
            api_token::Entity::find().filter(api_token::Column::TokenHash.eq(digest(secret))).one(&self.db).await?
        else {
            return Ok(None);
        };
        self.active_actor(t.user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_waits_longer_after_each_failure() {
        let t = LoginThrottle::default();
        t.failed("a");
        t.failed("a");
        assert_eq!(t.wait_seconds("a"), 0);
        t.failed("a");
        assert_eq!(t.wait_seconds("a"), 1);
        t.failed("a");
        assert_eq!(t.wait_seconds("a"), 2);
        assert_eq!(t.wait_seconds("b"), 0);
        t.succeeded("a");
        assert_eq!(t.wait_seconds("a"), 0);
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
