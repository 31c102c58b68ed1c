//! Pure domain logic of fengkou: the rules of the key-project pipeline ("三个一批").
//!
//! Nothing here does IO, reads the clock or knows about databases or HTTP: today's
//! date is always a parameter. The edges parse raw input into the newtypes defined
//! here and get a typed error with a Chinese message when the input is bad.
//!
//! - [`money::Wan`]: an exact amount of money, stored as integer yuan, shown in 万元.
//! - [`dates`]: the many ways a ledger writes a date or a month ("2026.03", "2026年3月", Excel serials).
//! - [`project::Stage`] and [`project::check_transition`]: the stage ladder 谋划 → … → 达产.
//! - [`progress`]: cumulative figures (年初至今, 开工至今, shares of plans) from monthly reports.
//! - [`warning`]: the 红黄绿灯 rules, each result carrying the rule that fired and its figures.
//! - [`period`]: which reporting month the warnings judge (not one that has just opened).
//! - [`campaign`]: conversion ratios of a "三个一批" batch.
//! - [`role`]: who may do what.
//! - [`code`]: every enumerated value the database stores, by a stable code, read back strictly.
//! - [`policy`]: the rule language of the enterprise side: parse, check, evaluate over columns, explain.
//! - [`uscc`]: the 统一社会信用代码 and its two check characters.
//! - [`enterprise`]: the enterprise side's vocabulary (yearly indicators, their labels and synonyms) and the tiers.
//! - [`ladder`]: the cultivation ladder: rule sets in the rule language, every firm's verdict and distance per rung.
//! - [`credit`]: the innovation credit (创新积分制): a scheme as data, scores within cohorts, lists, breakdowns.
//! - [`password`]: what a password must be (length, not the username, not a common one).

pub mod campaign;
pub mod code;
pub mod credit;
pub mod dates;
pub mod enterprise;
pub mod ladder;
pub mod money;
pub mod observation;
pub mod password;
pub mod period;
pub mod policy;
pub mod progress;
pub mod project;
pub mod role;
pub mod uscc;
pub mod warning;

pub use campaign::BatchList;
pub use code::Coded;
pub use dates::{LedgerDate, Month, Precision, parse_ledger_date, parse_ledger_date_precise, parse_month};
pub use money::Wan;
pub use project::{Stage, TransitionError, check_transition};
pub use role::{Actor, Permit, Refusal, Role};
pub use warning::{Light, Warning, WarningSettings};
