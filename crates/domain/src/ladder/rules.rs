//! A rung's rules as the bureau writes them: data in the rule language, shipped for
//! DOMAIN.md §11 in `default_rules.json`, versioned by the date they take effect.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The rule sets fengkou ships (DOMAIN.md §11).
pub const DEFAULT_RULES: &str = include_str!("default_rules.json");

/// One rung's rules, as the bureau writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// The rung's name (科技型中小企业); the same as the tier's label.
    pub rung: String,
    /// Which version of the rules (the document's year or number).
    pub version: String,
    /// From when this version applies.
    pub effective_from: NaiveDate,
    /// The published rule it encodes.
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub conditions: Vec<Test>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Points>,
    /// 直通车: any one of these makes a firm that meets the conditions eligible when
    /// the points route fails.
    #[serde(default)]
    pub direct: Vec<Test>,
}

/// A condition or a direct route: an expression that must hold, and how to say how far
/// a firm is from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Test {
    pub id: String,
    pub name: String,
    pub when: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<Shown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<Gap>,
}

/// The measure and its target, shown when the test fails ("3.1% < 4%").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub measure: String,
    pub target: String,
    #[serde(default)]
    pub format: Format,
    #[serde(default)]
    pub unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Number,
    Percent,
}

/// What is missing, in the field's unit ("还差研发费用 45.2 万元").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub text: String,
    pub value: String,
    pub unit: String,
    /// Round up to a whole number (people, items).
    #[serde(default)]
    pub whole: bool,
}

/// A points route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Points {
    /// The pass mark (score ≥ pass).
    pub pass: i64,
    pub items: Vec<Item>,
    /// Minimum points per group (创新能力 ≥ 20 …).
    #[serde(default)]
    pub groups: Vec<GroupMinimum>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    /// Points as an expression (bands as `if … then … else`).
    pub value: String,
    /// Alternatives: the item earns the highest of `value` and these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<String>,
    /// The points route fails when this item earns nothing (科小's tech staff).
    #[serde(default)]
    pub must_score: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMinimum {
    pub group: String,
    pub at_least: i64,
}

/// The default rule sets, parsed.
pub fn default_rule_sets() -> Vec<RuleSet> {
    serde_json::from_str(DEFAULT_RULES).expect("the shipped rules are valid JSON")
}

/// The version of each rung in force on a day: per rung, the latest that took effect
/// on or before it. Rungs keep the order of their first appearance.
pub fn in_force(sets: &[RuleSet], on: NaiveDate) -> Vec<RuleSet> {
    let mut rungs: Vec<&str> = Vec::new();
    for set in sets {
        if !rungs.contains(&set.rung.as_str()) {
            rungs.push(&set.rung);
        }
    }
    rungs
        .into_iter()
        .filter_map(|rung| {
            sets.iter().filter(|s| s.rung == rung && s.effective_from <= on).max_by_key(|s| s.effective_from).cloned()
        })
        .collect()
}
