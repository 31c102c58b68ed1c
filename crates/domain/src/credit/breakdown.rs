//! One firm's breakdown: every indicator's value, normalised value and points with its
//! cohort's distribution, the bonuses, deductions and vetoes, and the score.

use super::{Direction, Distribution, FirmScore, Normalise};
use serde::Serialize;

/// One firm's breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    pub scheme: String,
    pub normalise: Normalise,
    pub scale: f64,
    pub cohort_field: String,
    pub cohort_value: Option<f64>,
    pub cohort_name: Option<String>,
    /// The firms scored in the cohort (not vetoed).
    pub cohort_size: usize,
    /// The indicators' points before bonuses and deductions.
    pub indicator_points: f64,
    pub score: FirmScore,
    pub indicators: Vec<IndicatorLine>,
    pub bonus: Vec<ItemLine>,
    pub deduct: Vec<ItemLine>,
    pub veto: Vec<ItemLine>,
}

impl Breakdown {
    /// The score as people read it ("812.40"), or "—".
    pub fn score_text(&self) -> String {
        self.score.cents.map_or_else(|| "—".to_string(), show_cents)
    }
}

/// 81240 → "812.40".
pub fn show_cents(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.unsigned_abs() / 100, cents.unsigned_abs() % 100)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorLine {
    pub id: String,
    pub name: String,
    pub group: String,
    pub expression: String,
    pub direction: Direction,
    /// The weight in the firm's cohort.
    pub weight: f64,
    pub value: Option<f64>,
    /// Why there is no value: 缺数据 or 除数为零.
    pub none_reason: Option<&'static str>,
    pub normalised: Option<f64>,
    pub points: f64,
    pub distribution: Distribution,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemLine {
    pub id: String,
    pub name: String,
    pub when: String,
    pub points: f64,
    pub holds: bool,
}
