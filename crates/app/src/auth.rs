//! Users, password login, sessions and API tokens.
//!
//! Passwords are hashed with argon2. Sessions and API tokens are random 256-bit values
//! given to the client once; only their SHA-256 is stored, so a leaked database does not
//! leak live sessions. We keep sessions in our own table rather than tower-sessions so
//! that they live in the same database (SQLite or PostgreSQL) through the same layer.

use crate::audit::{self, Change};
use crate::{Actor, AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Duration;
use fengkou_domain::Permit;
use fengkou_domain::Role;
use fengkou_storage::entity::{api_token, office, session, user};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// A session ends 12 hours after sign-in, or after 2 hours without a request.
pub const SESSION_HOURS: i64 = 12;
pub const SESSION_IDLE_MINUTES: i64 = 120;
/// `last_seen_at` is written at most this often (not on every request).
const SEEN_EVERY_SECONDS: i64 = 60;

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such user").unwrap_or_default());
pub use fengkou_domain::password::MIN_PASSWORD_CHARS;

/// The longest username and password a sign-in considers; longer ones are refused
/// before anything is hashed, counted or stored (a 30 MB username once cost 340 MB of
/// memory and 127 MB of audit trail).
pub const MAX_USERNAME_CHARS: usize = 64;
pub use fengkou_domain::password::MAX_PASSWORD_CHARS;

/// Failures are forgotten this long after the last one.
const FAILURE_MEMORY: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// At most this many (username, address) pairs and addresses are remembered; beyond it
/// the least recently failed are forgotten first, so a flood of invented usernames
/// cannot grow memory, and cannot wipe the flooding address's own count either.
const MAX_REMEMBERED: usize = 10_000;
/// Free failures before waits begin: per (username, address), and per address over
/// all usernames (an office behind one NAT address mistypes now and then).
const FREE_PER_PAIR: u32 = 3;
const FREE_PER_ADDRESS: u32 = 20;

/// Failed sign-ins per (username, client address) and per client address. After the
/// free failures each further attempt waits twice as long as the last (1 s, 2 s, 4 s …
/// capped at 5 minutes). Nothing is counted per username alone, so an attacker on
/// another address cannot lock the owner out.
///
/// An attempt is counted when it *starts* ([`LoginThrottle::begin`]) under one lock,
/// and forgiven if it succeeds: forty guesses sent at once are forty counted guesses,
/// not forty checks that all read "no failures yet".
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    by_pair: HashMap<(String, IpAddr), Count>,
    by_address: HashMap<IpAddr, Count>,
}

#[derive(Clone, Copy)]
struct Count {
    failures: u32,
    last: Instant,
    /// A refusal since the last failure is already on the audit trail: one entry per
    /// wait, not one per request of a flood.
    refusal_noted: bool,
}

/// An attempt refused by the throttle: how long to wait, and whether it is the first
/// refusal of this wait (the one worth an audit entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    pub wait: u64,
    pub first: bool,
}

fn wait_after(count: Option<&Count>, free: u32, now: Instant) -> u64 {
    match count {
        Some(c) if c.failures >= free && now.duration_since(c.last) < FAILURE_MEMORY => {
            let wait = (1u64 << (c.failures - free).min(9)).min(300);
            wait.saturating_sub(now.duration_since(c.last).as_secs())
        }
        _ => 0,
    }
}

fn bump<K: std::hash::Hash + Eq + Clone>(map: &mut HashMap<K, Count>, key: K, now: Instant) {
    if map.len() >= MAX_REMEMBERED && !map.contains_key(&key) {
        map.retain(|_, c| now.duration_since(c.last) < FAILURE_MEMORY);
        if map.len() >= MAX_REMEMBERED {
            // Forget the least recently failed tenth in one pass (not one per call).
            let mut lasts: Vec<Instant> = map.values().map(|c| c.last).collect();
            let cut = MAX_REMEMBERED / 10;
            lasts.select_nth_unstable(cut);
            let threshold = lasts[cut];
            map.retain(|_, c| c.last > threshold);
        }
    }
    let entry = map.entry(key).or_insert(Count { failures: 0, last: now, refusal_noted: false });
    if now.duration_since(entry.last) >= FAILURE_MEMORY {
        entry.failures = 0;
    }
    entry.failures += 1;
    entry.last = now;
    entry.refusal_noted = false;
}

impl LoginThrottle {
    /// Counts an attempt before it is checked, or says how long to wait first.
    pub(crate) fn begin(&self, username: &str, from: IpAddr) -> std::result::Result<(), Refused> {
        let now = Instant::now();
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let key = (username.to_string(), from);
        let by_pair = wait_after(f.by_pair.get(&key), FREE_PER_PAIR, now);
        let by_address = wait_after(f.by_address.get(&from), FREE_PER_ADDRESS, now);
        if by_pair.max(by_address) > 0 {
            let counted = if by_pair > 0 { f.by_pair.get_mut(&key) } else { f.by_address.get_mut(&from) };
            let first = counted.is_some_and(|c| !std::mem::replace(&mut c.refusal_noted, true));
            return Err(Refused { wait: by_pair.max(by_address), first });
        }
        bump(&mut f.by_pair, key, now);
        bump(&mut f.by_address, from, now);
        Ok(())
    }

    /// A right password forgives the pair's failures and this attempt's count at the
    /// address (not earlier guesses there: signing in to one's own account must not
    /// reset the count of guesses at others').
    pub(crate) fn succeeded(&self, username: &str, from: IpAddr) {
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        f.by_pair.remove(&(username.to_string(), from));
        if let Some(c) = f.by_address.get_mut(&from) {
            c.failures = c.failures.saturating_sub(1);
        }
    }

    #[cfg(test)]
    fn remembered(&self) -> (usize, usize) {
        let f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        (f.by_pair.len(), f.by_address.len())
    }
}

/// Password hashing (argon2, ~50 ms of CPU and 19 MiB each) runs on blocking threads,
/// at most this many at once, so that a storm of sign-ins leaves the async workers to
/// everyone else; attempts beyond the queue are told to retry rather than pile up.
pub struct Hashing {
    permits: tokio::sync::Semaphore,
    queued: std::sync::atomic::AtomicUsize,
}

/// A meeting's 200 judges signing in within seconds queue here; an attacker's storm
/// beyond it is answered 503 at once.
const MAX_QUEUED_HASHES: usize = 256;

impl Default for Hashing {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hashing {
            permits: tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1)),
            queued: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl Hashing {
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        use std::sync::atomic::Ordering;
        if self.queued.fetch_add(1, Ordering::SeqCst) >= MAX_QUEUED_HASHES {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Busy);
        }
        let permit = self.permits.acquire().await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|_| AppError::Busy)?;
        tokio::task::spawn_blocking(work).await.map_err(|_| AppError::Busy)
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt =
        SaltString::encode_b64(&rand::rng().random::<[u8; 16]>()).map_err(|e| AppError::internal("密码加盐", e))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("密码加密", e))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

pub(crate) fn new_secret() -> String {
    hex::encode(rand::rng().random::<[u8; 32]>())
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn actor_of(u: &user::Model) -> Option<Actor> {
    Some(Actor { user_id: u.id, username: u.username.clone(), role: *u.role, office_id: u.office_id })
}

/// A signed-in user, and whether they must choose a new password before anything else
/// (an administrator reset it).
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub actor: Actor,
    pub must_change_password: bool,
}

/// Opens a session for `user_id` under `secret` (only its digest is stored).
pub(crate) async fn open_session(db: &crate::Write, user_id: i64, secret: &str) -> Result<()> {
    let now = db.now();
    session::ActiveModel {
        token_hash: Set(digest(secret)),
        user_id: Set(user_id),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        created_at: Set(now),
        last_seen_at: Set(Some(now)),
    }
    .insert(db)
    .await?;
    Ok(())
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
    /// An administrator reset the password; the user has not chosen a new one yet.
    pub must_change_password: bool,
}

/// The permit of an administrator's action; `None` is the command line, which runs
/// with the server's rights.
pub(crate) fn administers(by: Option<&Actor>, what: &str) -> Result<Permit> {
    match by {
        Some(a) => Ok(a.permit(a.can_administer(), &format!("只有系统管理员可以{what}"))?),
        None => Ok(Permit::system("cli")),
    }
}

// The accounts handle lives here, with sign-in, so that `accounts` (what an
// administrator does with accounts) builds on this module and not the other way round.
crate::area!(
    /// The use cases of users, sign-in, sessions and API tokens: `app.accounts()`.
    Accounts,
    accounts
);

impl Accounts<'_> {
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
        let permit = administers(by, "添加用户")?;
        let username = username.trim();
        let mut problems = Vec::new();
        if username.is_empty()
            || username.chars().count() > 40
            || username.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            problems.push(fengkou_domain::project::FieldError::new("用户名", "须为1到40个字符，不能含空格"));
        }
        if let Some(why) = fengkou_domain::password::password_problem(username, password) {
            problems.push(fengkou_domain::project::FieldError::new("密码", why));
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
        // "ADMIN" beside "admin" would be a second account people take for the first.
        let taken = user::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .find(|u| u.username.to_lowercase() == username.to_lowercase());
        if let Some(u) = taken {
            problems.push(fengkou_domain::project::FieldError::new("用户名", format!("“{}”已存在", u.username)));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let hash = self.hash(password).await?;
        let mut txn = self.write(permit).await?;
        let saved = user::ActiveModel {
            username: Set(username.to_string()),
            display_name: Set(if display_name.trim().is_empty() {
                username.to_string()
            } else {
                display_name.trim().to_string()
            }),
            password_hash: Set(hash),
            role: Set(role.into()),
            office_id: Set(office_id),
            active: Set(true),
            created_at: Set(txn.now()),
            must_change_password: Set(false),
            password_changed_at: Set(Some(txn.now())),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.record(Change {
            action: "create",
            entity: "user",
            entity_id: Some(saved.id),
            project_id: None,
            before: None,
            after: Some(serde_json::json!({"username": username, "role": role.code(), "office_id": office_id})),
        });
        txn.commit().await?;
        Ok(saved.id)
    }

    /// Adds a 办事处 (admin, or the CLI with `by` None).
    pub async fn add_office(&self, by: Option<&Actor>, name: &str) -> Result<i64> {
        let permit = administers(by, "添加办事处")?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(AppError::invalid("办事处", "名称须为1到40个字"));
        }
        if office::Entity::find().filter(office::Column::Name.eq(name)).one(&self.db).await?.is_some() {
            return Err(AppError::invalid("办事处", format!("“{name}”已存在")));
        }
        let mut txn = self.write(permit).await?;
        let count = office::Entity::find().all(&txn).await?.len() as i32;
        let saved = office::ActiveModel { name: Set(name.to_string()), sort_order: Set(count), ..Default::default() }
            .insert(&txn)
            .await?;
        txn.record(Change {
            action: "create",
            entity: "office",
            entity_id: Some(saved.id),
            project_id: None,
            before: None,
            after: audit::json(&saved),
        });
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
            .map(|u| UserRow {
                id: u.id,
                office: u.office_id.and_then(|o| offices.get(&o).cloned()),
                username: u.username,
                display_name: u.display_name,
                role: *u.role,
                role_label: u.role.label(),
                active: u.active,
                must_change_password: u.must_change_password,
            })
            .collect())
    }

    /// Checks a password and opens a session. Returns the actor and the session secret.
    /// `from` is the client's address (see the web layer's `ClientAddr`).
    pub async fn login(&self, username: &str, password: &str, from: IpAddr) -> Result<(Actor, String)> {
        let username = username.trim();
        if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS {
            return Err(AppError::invalid("用户名", format!("须为1到{MAX_USERNAME_CHARS}个字符")));
        }
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(AppError::invalid("密码", format!("不能超过{MAX_PASSWORD_CHARS}个字符")));
        }
        if let Err(Refused { wait, first }) = self.throttle.begin(username, from) {
            if !first {
                return Err(AppError::Throttled(wait));
            }
            audit::insert(
                &self.writer,
                username,
                self.now(),
                Change {
                    action: "login_throttled",
                    entity: "user",
                    entity_id: None,
                    project_id: None,
                    before: None,
                    after: Some(serde_json::json!({ "wait_seconds": wait })),
                },
            )
            .await?;
            return Err(AppError::Throttled(wait));
        }
        let found = user::Entity::find().filter(user::Column::Username.eq(username)).one(&self.db).await?;
        // Unknown users spend the same time as a real check so that timing does not
        // reveal which usernames exist.
        let hash = found.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let matches = self.verify(password, &hash).await?;
        let ok = matches && found.as_ref().is_some_and(|u| u.active);
        let actor = match (ok, found.as_ref().and_then(actor_of)) {
            (true, Some(actor)) => actor,
            _ => {
                audit::insert(
                    &self.writer,
                    username,
                    self.now(),
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
        self.throttle.succeeded(username, from);
        let secret = new_secret();
        let mut txn = self.write(Permit::holder(&actor.username)).await?;
        open_session(&txn, actor.user_id, &secret).await?;
        txn.record(Change {
            action: "login",
            entity: "user",
            entity_id: Some(actor.user_id),
            project_id: None,
            before: None,
            after: None,
        });
        txn.commit().await?;
        Ok((actor, secret))
    }

    /// The user behind a session secret, if the session is live: not past its 12 hours,
    /// not idle for 2, the user still active.
    pub async fn session_user(&self, secret: &str) -> Result<Option<SessionUser>> {
        let Some(s) = session::Entity::find_by_id(digest(secret)).one(&self.db).await? else {
            return Ok(None);
        };
        let now = self.now();
        let seen = s.last_seen_at.unwrap_or(s.created_at);
        if s.expires_at < now || seen + Duration::minutes(SESSION_IDLE_MINUTES) < now {
            session::Entity::delete_by_id(s.token_hash).exec(&self.writer).await?;
            return Ok(None);
        }
        let Some(u) = user::Entity::find_by_id(s.user_id).one(&self.db).await?.filter(|u| u.active) else {
            return Ok(None);
        };
        if seen + Duration::seconds(SEEN_EVERY_SECONDS) < now {
            // In the background: on SQLite the one writer may be busy with an import,
            // and a page must not wait for it just to note that its user is active.
            let writer = self.writer.clone();
            tokio::spawn(async move {
                let noted = session::Entity::update_many()
                    .col_expr(session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(Some(now)))
                    .filter(session::Column::TokenHash.eq(s.token_hash))
                    .exec(&writer)
                    .await;
                if let Err(e) = noted {
                    tracing::warn!("could not note a session's last request: {e}");
                }
            });
        }
        Ok(actor_of(&u).map(|actor| SessionUser { actor, must_change_password: u.must_change_password }))
    }

    /// The actor behind a session secret (see [`App::session_user`]).
    pub async fn session_actor(&self, secret: &str) -> Result<Option<Actor>> {
        Ok(self.session_user(secret).await?.map(|s| s.actor))
    }

    /// Hashes a new password off the async workers (see [`Hashing`]).
    pub(crate) async fn hash(&self, password: &str) -> Result<String> {
        let owned = password.to_string();
        self.hashing.run(move || hash_password(&owned)).await?
    }

    /// Checks a password off the async workers.
    pub(crate) async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let (p, h) = (password.to_string(), hash.to_string());
        self.hashing.run(move || verify_password(&p, &h)).await
    }

    async fn active_actor(&self, user_id: i64) -> Result<Option<Actor>> {
        Ok(user::Entity::find_by_id(user_id).one(&self.db).await?.filter(|u| u.active).as_ref().and_then(actor_of))
    }

    pub async fn logout(&self, secret: &str) -> Result<()> {
        let Some(s) = session::Entity::find_by_id(digest(secret)).one(&self.db).await? else {
            return Ok(());
        };
        let username = user::Entity::find_by_id(s.user_id).one(&self.db).await?.map(|u| u.username).unwrap_or_default();
        // The session's secret is the permission to end it.
        let mut txn = self.write(Permit::holder(&username)).await?;
        session::Entity::delete_by_id(s.token_hash).exec(&txn).await?;
        txn.record(Change {
            action: "logout",
            entity: "user",
            entity_id: Some(s.user_id),
            project_id: None,
            before: None,
            after: None,
        });
        txn.commit().await?;
        Ok(())
    }

    /// Creates an API token for `username` and returns it; it is shown only once. With
    /// `expires_in_days` it stops working after that many days.
    pub async fn create_token(&self, username: &str, name: &str, expires_in_days: Option<i64>) -> Result<String> {
        self.issue_token("cli", username, name, expires_in_days).await
    }

    /// A signed-in user creates a token for themselves (for scripts); shown once.
    pub async fn create_own_token(&self, actor: &Actor, name: &str, expires_in_days: Option<i64>) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(AppError::invalid("令牌名称", "须为1到40个字"));
        }
        self.issue_token(&actor.username, &actor.username, name, expires_in_days).await
    }

    async fn issue_token(&self, by: &str, username: &str, name: &str, expires_in_days: Option<i64>) -> Result<String> {
        let u = user::Entity::find()
            .filter(user::Column::Username.eq(username.trim()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("用户"))?;
        let secret = format!("fk_{}", new_secret());
        // A token is issued by the CLI (server rights) or by its holder, signed in.
        let mut txn = self.write(Permit::holder(by)).await?;
        let saved = api_token::ActiveModel {
            user_id: Set(u.id),
            name: Set(name.to_string()),
            token_hash: Set(digest(&secret)),
            created_at: Set(txn.now()),
            expires_at: Set(expires_in_days.map(|d| txn.now() + Duration::days(d.clamp(1, 3650)))),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.record(Change {
            action: "token",
            entity: "api_token",
            entity_id: Some(saved.id),
            project_id: None,
            before: None,
            after: Some(serde_json::json!({"user": u.username, "name": name, "expires_at": saved.expires_at})),
        });
        txn.commit().await?;
        Ok(secret)
    }

    pub async fn token_actor(&self, secret: &str) -> Result<Option<Actor>> {
        let Some(t) =
            api_token::Entity::find().filter(api_token::Column::TokenHash.eq(digest(secret))).one(&self.db).await?
        else {
            return Ok(None);
        };
        let now = self.now();
        if t.expires_at.is_some_and(|at| at < now) {
            return Ok(None);
        }
        if t.last_used_at.is_none_or(|at| at + Duration::seconds(SEEN_EVERY_SECONDS) < now) {
            let writer = self.writer.clone();
            tokio::spawn(async move {
                let noted = api_token::Entity::update_many()
                    .col_expr(api_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(Some(now)))
                    .filter(api_token::Column::Id.eq(t.id))
                    .exec(&writer)
                    .await;
                if let Err(e) = noted {
                    tracing::warn!("could not note a token's last use: {e}");
                }
            });
        }
        self.active_actor(t.user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const ELSEWHERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn throttle_waits_longer_after_each_failure() {
        let t = LoginThrottle::default();
        for _ in 0..FREE_PER_PAIR {
            assert_eq!(t.begin("a", HOME), Ok(()));
        }
        assert_eq!(t.begin("a", HOME), Err(Refused { wait: 1, first: true }));
        assert_eq!(t.begin("a", HOME), Err(Refused { wait: 1, first: false }), "one refusal noted per wait");
        // Another user at the same address, and the same user elsewhere, are not held.
        assert_eq!(t.begin("b", HOME), Ok(()));
        assert_eq!(t.begin("a", ELSEWHERE), Ok(()));
        t.succeeded("a", HOME);
        assert_eq!(t.begin("a", HOME), Ok(()));
    }

    #[test]
    fn one_address_guessing_many_usernames_is_held() {
        let t = LoginThrottle::default();
        for i in 0..FREE_PER_ADDRESS {
            assert_eq!(t.begin(&format!("user{i}"), HOME), Ok(()));
        }
        assert!(t.begin("someone-new", HOME).is_err());
        assert_eq!(t.begin("someone-new", ELSEWHERE), Ok(()));
    }

    #[test]
    fn the_failure_table_stays_bounded() {
        let t = LoginThrottle::default();
        for i in 0..(MAX_REMEMBERED as u32 * 3) {
            let from = IpAddr::V4(std::net::Ipv4Addr::from(i));
            let _ = t.begin(&format!("u{i}"), from);
        }
        let (pairs, addresses) = t.remembered();
        assert!(pairs <= MAX_REMEMBERED && addresses <= MAX_REMEMBERED, "{pairs} {addresses}");
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
