//! fengkou's use cases, shared by the web pages, the JSON API and the CLI.
//!
//! Use cases are grouped by area and reached through the area's handle:
//! `app.projects()`, `app.reports()`, `app.meetings()`, `app.accounts()`,
//! `app.audit()`, `app.batches()`, `app.ledger()`, `app.views()`, `app.warnings()`
//! (see [`area!`]). Every one follows one shape: check the actor's permission
//! (`fengkou_domain::role::Actor`), load, ask the domain for a decision, save and record
//! the audit entries on one [`Write`] (the transaction, the clock's instant and the
//! pending entries), whose commit writes them together. What an area refuses is its
//! own error enum, wrapped in [`AppError`]. Nothing outside this crate talks to the
//! database, and [`App::open`] refuses a database a hand edit damaged
//! (`fengkou_storage::integrity`).

/// An area's use cases, reached as `app.projects()`, `app.meetings()` …: a view of the
/// [`App`] limited to one area, so that each area's methods sit together and callers
/// say which area they use. It derefs to the App for what every area shares (the
/// database, the clock, [`App::write`]), so an area's code reads as it would on App.
macro_rules! area {
    ($(#[$doc:meta])* $handle:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $handle<'a>(&'a $crate::App);

        impl std::ops::Deref for $handle<'_> {
            type Target = $crate::App;
            fn deref(&self) -> &$crate::App {
                self.0
            }
        }

        impl $crate::App {
            #[doc = concat!("The use cases of [`", stringify!($handle), "`].")]
            pub fn $method(&self) -> $handle<'_> {
                $handle(self)
            }
        }
    };
}
pub(crate) use area;

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod credit;
pub mod credit_files;
pub mod demo;
pub mod enterprises;
pub mod ladder_files;
pub mod ledger;
pub mod meetings;
pub mod observation;
pub mod policy_files;
pub mod projects;
pub mod reports;
mod rows;
pub mod scale;
mod text;
mod totals;
pub mod views;
pub mod warnings;
pub mod write;

mod error;

pub use error::AppError;
pub use fengkou_domain::role::Actor;
pub use fengkou_storage::{Backend, Db};
pub use totals::kept_total_tables;
pub use write::Write;

use chrono::NaiveDate;
use fengkou_storage::entity::{industry, office};
use sea_orm::{EntityTrait, QueryOrder};
use std::sync::Arc;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Where "today" and "now" come from. The server reads the system clock; tests and
/// demos pin the day (`Fixed`), and then "now" is that day at 09:00 China time plus
/// the real time elapsed since the clock was set, so that stored instants still
/// follow one another and sessions still age.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(NaiveDate),
}

/// The clock as an `App` holds it: which clock, and when it was set.
#[derive(Debug, Clone, Copy)]
struct SetClock {
    clock: Clock,
    set_at: std::time::Instant,
}

impl SetClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self.clock {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(day) => {
                let nine_in_china = day.and_hms_opt(1, 0, 0).expect("01:00 exists").and_utc();
                let elapsed = chrono::Duration::from_std(self.set_at.elapsed()).unwrap_or_default();
                nine_in_china + elapsed
            }
        }
    }

    fn today(&self) -> NaiveDate {
        match self.clock {
            // The district's day, as every page shows times (UTC+8), whatever the
            // server's own time zone: a notice ends at midnight in Beijing.
            Clock::System => china_date(chrono::Utc::now()),
            Clock::Fixed(d) => d,
        }
    }
}

/// The calendar day of an instant in China (UTC+8, no daylight saving).
pub fn china_date(instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    instant.with_timezone(&china).date_naive()
}

/// The application: a database and the state use cases share.
#[derive(Clone)]
pub struct App {
    db: Db,
    /// Write transactions begin here (see `fengkou_storage::connect_writer`).
    writer: Db,
    clock: SetClock,
    throttle: Arc<auth::LoginThrottle>,
    hashing: Arc<auth::Hashing>,
    /// Counts committed meeting writes: the hall boards' event streams wait on it
    /// instead of polling, so an unchanged board costs nothing.
    meeting_changes: Arc<tokio::sync::watch::Sender<u64>>,
    /// One ledger import at a time: each holds a parsed sheet in memory.
    imports: Arc<tokio::sync::Semaphore>,
    /// Two ledger exports at a time (see `export_projects`).
    exports: Arc<tokio::sync::Semaphore>,
    /// One credit computation at a time (a province's run holds every firm's inputs
    /// and breakdowns in memory); a second is told to wait.
    computes: Arc<tokio::sync::Semaphore>,
}

impl App {
    /// Connects (creating and migrating the database as needed).
    pub async fn open(url: &str) -> Result<App> {
        let db = fengkou_storage::connect(url).await?;
        // Nothing is served from a database a hand edit broke: its totals would be
        // short and its rankings changed without a word (see `integrity`).
        let problems = fengkou_storage::integrity::problems(&db).await?;
        if !problems.is_empty() {
            return Err(AppError::Damaged(format!(
                "启动前检查发现 {} 处问题，请修复后再启动：\n{}",
                problems.len(),
                problems.join("\n")
            )));
        }
        let writer = fengkou_storage::connect_writer(url, &db).await?;
        Ok(App {
            db,
            writer,
            clock: SetClock { clock: Clock::System, set_at: std::time::Instant::now() },
            throttle: Arc::default(),
            hashing: Arc::default(),
            meeting_changes: Arc::new(tokio::sync::watch::Sender::new(0)),
            imports: Arc::new(tokio::sync::Semaphore::new(1)),
            exports: Arc::new(tokio::sync::Semaphore::new(2)),
            computes: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// Called after every committed meeting write.
    pub(crate) fn meeting_changed(&self) {
        self.meeting_changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes when a meeting write has been committed (see `meeting_changed`).
    pub fn meeting_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.meeting_changes.subscribe()
    }

    pub fn with_clock(mut self, clock: Clock) -> App {
        self.clock = SetClock { clock, set_at: std::time::Instant::now() };
        self
    }

    /// Today, by the app's clock: every rule that depends on the date asks this.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Now, by the app's clock: every stored instant (created, submitted, signed in,
    /// expires) is taken from here, never from the system clock directly.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub async fn offices(&self) -> Result<Vec<Office>> {
        let rows = office::Entity::find()
            .order_by_asc(office::Column::SortOrder)
            .order_by_asc(office::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|o| Office { id: o.id, name: o.name, sort_order: o.sort_order }).collect())
    }

    pub async fn industries(&self) -> Result<Vec<Industry>> {
        let rows = industry::Entity::find()
            .order_by_asc(industry::Column::SortOrder)
            .order_by_asc(industry::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|i| Industry { id: i.id, name: i.name, category: i.category, sort_order: i.sort_order })
            .collect())
    }
}

/// A 办事处, as use cases hand it out (rows of the database stay inside this crate).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Office {
    pub id: i64,
    pub name: String,
    pub sort_order: i32,
}

/// An industry and its category (产业项目, 民生项目, …).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Industry {
    pub id: i64,
    pub name: String,
    pub category: String,
    pub sort_order: i32,
}
