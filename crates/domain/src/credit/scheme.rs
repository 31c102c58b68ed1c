//! A scheme as the bureau writes it: JSON data read with field checks and Chinese
//! reasons for its faults; the one fengkou ships. [`super::Scorer::new`] checks the rest.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scheme fengkou ships: modelled on the national guide (3 groups, 18 indicators,
/// weights differing by stage) with 龙湾's five revenue cohorts and a 失信 veto.
pub const DEFAULT_SCHEME: &str = include_str!("default_scheme.json");

pub fn default_scheme() -> Scheme {
    serde_json::from_str(DEFAULT_SCHEME).expect("the shipped scheme is valid JSON")
}

/// An indicator scheme as the bureau writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub name: String,
    /// The published rule it follows (shown on pages and notices).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    /// The points all indicators share (1000).
    pub scale: f64,
    pub normalise: Normalise,
    pub cohorts: Cohorts,
    pub indicators: Vec<IndicatorDef>,
    /// Per cohort name, per indicator id: the weight in that cohort (else the indicator's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cohort_weights: BTreeMap<String, BTreeMap<String, f64>>,
    #[serde(default)]
    pub bonus: Vec<Adjustment>,
    #[serde(default)]
    pub deduct: Vec<Adjustment>,
    #[serde(default)]
    pub veto: Vec<Veto>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalise {
    Percentile,
    Minmax,
}

impl Normalise {
    pub fn label(self) -> &'static str {
        match self {
            Normalise::Percentile => "百分位",
            Normalise::Minmax => "最小-最大",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cohorts {
    /// A number field of the enterprise vocabulary (revenue).
    pub field: String,
    /// Ascending: cohort i holds `bounds[i-1] <= x < bounds[i]`.
    pub bounds: Vec<f64>,
    /// One more than the bounds.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub group: String,
    /// A number expression in the rule language.
    pub value: String,
    pub direction: Direction,
    pub weight: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Higher,
    Lower,
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::Higher => "越高越好",
            Direction::Lower => "越低越好",
        }
    }
}

/// A bonus or a deduction: points when `when` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub id: String,
    pub name: String,
    pub when: String,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Veto {
    pub id: String,
    pub name: String,
    pub when: String,
}

/// Why a scheme cannot be used: which part and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeError {
    pub part: String,
    pub reason: String,
}

impl std::fmt::Display for SchemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.part, self.reason)
    }
}

impl std::error::Error for SchemeError {}

/// The most indicators, items and cohorts a scheme may have (a scheme is typed by
/// people; a thousand is already absurd, and each costs a pass over every firm).
pub const MAX_ITEMS: usize = 200;
pub const MAX_COHORTS: usize = 50;

/// Reads a scheme from its JSON text, with the reason in Chinese when it is not one.
pub fn parse_scheme(text: &str) -> Result<Scheme, SchemeError> {
    serde_json::from_str(text).map_err(|e| SchemeError {
        part: "方案 JSON".into(),
        reason: format!("第 {} 行第 {} 列：{}", e.line(), e.column(), json_reason(&e)),
    })
}

/// serde_json's reason in Chinese for the faults people make (the position is said
/// once, before it).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = text.rsplit_once(" at line ").map_or(text.as_str(), |(reason, _)| reason).to_string();
    let quoted = |t: &str| t.split('`').nth(1).unwrap_or_default().to_string();
    if text.starts_with("unknown variant") {
        let expected = text.split("expected ").nth(1).unwrap_or_default().replace('`', "").replace(" or ", "、");
        format!("不认识的取值“{}”，应为 {expected}", quoted(&text))
    } else if text.starts_with("unknown field") {
        format!("不认识的字段“{}”", quoted(&text))
    } else if text.starts_with("missing field") {
        format!("缺少字段“{}”", quoted(&text))
    } else if text.starts_with("invalid type") {
        format!("类型不对（{text}）")
    } else if text.starts_with("duplicate field") {
        format!("字段“{}”写了两次", quoted(&text))
    } else if e.is_eof() {
        "JSON 不完整（括号或引号没有配对）".into()
    } else if e.is_syntax() {
        format!("JSON 格式有误（{text}）")
    } else {
        text
    }
}
