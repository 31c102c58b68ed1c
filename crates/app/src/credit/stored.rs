//! A firm's breakdown as a run stores it (only what is the firm's own) and as it is read
//! back (the scheme's words put back from the run's scheme).

use fengkou_domain::credit::{Breakdown, Scheme};
use serde::Serialize;

/// A breakdown as stored: only what is the firm's own (values, normalised values,
/// points, its bin in each distribution, which items hold). The scheme's words (names,
/// groups, expressions, directions) are in the run's scheme and put back by
/// [`described`] when read: a district's 10,000 breakdowns are then a quarter of the
/// text to write, and the cohort's distributions are stored once with the run.
pub(super) fn stored_breakdown(b: &Breakdown) -> String {
    #[derive(Serialize)]
    struct Bin {
        firm_bin: Option<usize>,
    }
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a str,
        weight: f64,
        value: Option<f64>,
        none_reason: Option<&'static str>,
        normalised: Option<f64>,
        points: f64,
        distribution: Bin,
    }
    #[derive(Serialize)]
    struct Item<'a> {
        id: &'a str,
        holds: bool,
    }
    #[derive(Serialize)]
    struct Stored<'a> {
        cohort_value: Option<f64>,
        cohort_name: Option<&'a str>,
        cohort_size: usize,
        indicator_points: f64,
        score: &'a fengkou_domain::credit::FirmScore,
        indicators: Vec<Line<'a>>,
        bonus: Vec<Item<'a>>,
        deduct: Vec<Item<'a>>,
        veto: Vec<Item<'a>>,
    }
    fn items(lines: &[fengkou_domain::credit::ItemLine]) -> Vec<Item<'_>> {
        lines.iter().map(|l| Item { id: &l.id, holds: l.holds }).collect()
    }
    let stored = Stored {
        cohort_value: b.cohort_value,
        cohort_name: b.cohort_name.as_deref(),
        cohort_size: b.cohort_size,
        indicator_points: b.indicator_points,
        score: &b.score,
        indicators: b
            .indicators
            .iter()
            .map(|l| Line {
                id: &l.id,
                weight: l.weight,
                value: l.value,
                none_reason: l.none_reason,
                normalised: l.normalised,
                points: l.points,
                distribution: Bin { firm_bin: l.distribution.firm_bin },
            })
            .collect(),
        bonus: items(&b.bonus),
        deduct: items(&b.deduct),
        veto: items(&b.veto),
    };
    serde_json::to_string(&stored).unwrap_or_default()
}

/// A stored breakdown with the scheme's words put back, as [`Scorer::explain`] gives
/// it: the run's scheme, the indicators' names, groups, expressions and directions, and
/// the items' names, conditions and points. Breakdowns stored whole (before the compact
/// form) keep their own words.
pub(super) fn described(breakdown: &mut serde_json::Value, scheme: &Scheme) {
    use serde_json::{Value, json};
    let Some(top) = breakdown.as_object_mut() else { return };
    let mut fill = |key: &str, value: Value| {
        top.entry(key.to_string()).or_insert(value);
    };
    fill("scheme", json!(scheme.name));
    fill("normalise", serde_json::to_value(scheme.normalise).unwrap_or_default());
    fill("scale", json!(scheme.scale));
    fill("cohort_field", json!(scheme.cohorts.field));
    if let Some(lines) = top.get_mut("indicators").and_then(Value::as_array_mut) {
        for line in lines {
            let Some(def) = scheme.indicators.iter().find(|d| Some(d.id.as_str()) == line["id"].as_str()) else {
                continue;
            };
            let Some(line) = line.as_object_mut() else { continue };
            line.entry("name").or_insert(json!(def.name));
            line.entry("group").or_insert(json!(def.group));
            line.entry("expression").or_insert(json!(def.value));
            line.entry("direction").or_insert(serde_json::to_value(def.direction).unwrap_or_default());
        }
    }
    // (id, name, when, points) of each item; a veto has no points.
    let adjustments = |defs: &[fengkou_domain::credit::Adjustment]| -> Vec<(String, String, String, f64)> {
        defs.iter().map(|d| (d.id.clone(), d.name.clone(), d.when.clone(), d.points)).collect()
    };
    let vetoes = scheme.veto.iter().map(|v| (v.id.clone(), v.name.clone(), v.when.clone(), 0.0)).collect();
    for (key, defs) in
        [("bonus", adjustments(&scheme.bonus)), ("deduct", adjustments(&scheme.deduct)), ("veto", vetoes)]
    {
        let Some(lines) = top.get_mut(key).and_then(Value::as_array_mut) else { continue };
        for line in lines {
            let Some((_, name, when, points)) = defs.iter().find(|d| Some(d.0.as_str()) == line["id"].as_str()) else {
                continue;
            };
            let Some(line) = line.as_object_mut() else { continue };
            line.entry("name").or_insert(json!(name));
            line.entry("when").or_insert(json!(when));
            line.entry("points").or_insert(json!(points));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Inputs;
    use super::super::runs::evaluate;
    use super::*;
    use chrono::NaiveDate;

    /// A firm's breakdown as the product reads it back (the compact form with the
    /// scheme's words put back) is the domain's own, distribution reduced to the firm's
    /// bin (the cohort's is the run's): firms vetoed, unscored, with and without values.
    #[tokio::test]
    async fn a_stored_breakdown_reads_back_as_explained() {
        let scheme = fengkou_domain::credit::default_scheme();
        let firm = |uscc: &str, cells: &[(&str, &str)]| -> Inputs {
            let mut inputs: Inputs = cells.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            inputs.insert("uscc".into(), uscc.into());
            inputs
        };
        let inputs = vec![
            firm("A", &[("revenue", "1200"), ("rd_expense", "80"), ("employees", "40"), ("tech_staff", "9")]),
            firm("B", &[("revenue", "1500"), ("rd_expense", "20"), ("employees", "60"), ("ip_class1", "2")]),
            firm("C", &[("revenue", "1800"), ("rd_expense", "0"), ("violation", "1")]),
            firm("D", &[("rd_expense", "5")]),
            firm("E", &[("revenue", "90"), ("revenue_prev", "60"), ("is_high_tech", "1")]),
        ];
        let on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let scored = evaluate(scheme.clone(), inputs, on).await.unwrap();
        assert!(scored.breakdowns.iter().any(|b| b.veto.iter().any(|v| v.holds)), "a vetoed firm is among them");
        assert!(scored.breakdowns.iter().any(|b| b.cohort_name.is_none()), "an unscored firm is among them");
        for b in &scored.breakdowns {
            let mut read: serde_json::Value = serde_json::from_str(&stored_breakdown(b)).unwrap();
            described(&mut read, &scheme);
            let mut explained = serde_json::to_value(b).unwrap();
            for line in explained["indicators"].as_array_mut().unwrap() {
                let bin = line["distribution"]["firm_bin"].clone();
                line["distribution"] = serde_json::json!({ "firm_bin": bin });
            }
            assert_eq!(read, explained);
        }
    }
}
