//! One firm on one rung, from its policies' verdicts: the one place where §11's
//! conventions and the routes are decided, and where what is missing is put into words
//! ("研发费用/销售收入 3.1% < 5%（还差研发费用 19 万元）").

use super::{CompiledSet, CompiledTest, Format, Route, RungVerdict, Shortfall, ShortfallKind, Test, show_scaled};
use crate::policy::columns::Row;
use crate::policy::exact::{self, Cell, Record};
use crate::policy::{Batch, Policy, Verdict};
use std::fmt::Write as _;

/// What [`judge`] reads: each policy's verdict on the row, the row's cells, the fields
/// each policy reads and the fields' labels.
pub(super) struct Facts<'a> {
    pub(super) batch: &'a Batch,
    pub(super) row: usize,
    pub(super) verdict: &'a dyn Fn(usize) -> Verdict,
    pub(super) reads: &'a [Vec<usize>],
    pub(super) labels: &'a [String],
    pub(super) policies: &'a [Policy],
}

impl Facts<'_> {
    fn amount(&self, policy: Option<usize>) -> Option<i64> {
        match (self.verdict)(policy?) {
            Verdict::Paid(amount) => Some(amount),
            _ => None,
        }
    }
}

/// One firm on one rung, from its policies' verdicts: the one place where §11's
/// conventions and the routes are decided.
pub(super) fn judge(set: &CompiledSet, facts: &Facts<'_>) -> RungVerdict {
    let rules = &set.set;
    let mut missing = Vec::new();
    let mut conditions_hold = true;
    for (compiled, test) in set.conditions.iter().zip(&rules.conditions) {
        if let Some(shortfall) = test_shortfall(compiled, test, facts) {
            conditions_hold = false;
            missing.push(shortfall);
        }
    }
    let mut route = None;
    let mut score = None;
    let mut item_points = Vec::new();
    let mut points_missing = Vec::new();
    if let Some(points) = &rules.points {
        let mut total = 0i64;
        let mut passes = true;
        for (item, alternatives) in points.items.iter().zip(&set.items) {
            let mut best: Option<i64> = None;
            let mut all_missing = true;
            for policy in alternatives {
                match (facts.verdict)(*policy) {
                    Verdict::Paid(amount) => {
                        all_missing = false;
                        best = Some(best.map_or(amount, |b| b.max(amount)));
                    }
                    // A zero denominator earns nothing; the item is not missing.
                    Verdict::Error(_) | Verdict::NotEligible => {
                        all_missing = false;
                        best = Some(best.unwrap_or(0));
                    }
                    Verdict::MissingData => {}
                }
            }
            let earned = best.unwrap_or(0);
            if all_missing {
                let fields = empty_fields(alternatives, facts, &item.name);
                points_missing.push(Shortfall {
                    id: item.id.clone(),
                    kind: ShortfallKind::MissingData,
                    text: format!("{}：缺数据{}（按 0 分计）", item.name, fields),
                });
            }
            if item.must_score && earned == 0 {
                passes = false;
                if !all_missing {
                    points_missing.push(Shortfall {
                        id: item.id.clone(),
                        kind: ShortfallKind::Unmet,
                        text: format!("{}得分为 0（须得分）", item.name),
                    });
                }
            }
            total += earned;
            item_points.push(earned);
        }
        for group in &points.groups {
            let got: i64 = points
                .items
                .iter()
                .zip(&item_points)
                .filter(|(i, _)| i.group.as_deref() == Some(group.group.as_str()))
                .map(|(_, p)| p)
                .sum();
            if got < group.at_least * 10_000 {
                passes = false;
                points_missing.push(Shortfall {
                    id: format!("group:{}", group.group),
                    kind: ShortfallKind::Unmet,
                    text: format!("{} {} 分 < {} 分", group.group, show_scaled(got), group.at_least),
                });
            }
        }
        if total < points.pass * 10_000 {
            passes = false;
            points_missing.insert(
                0,
                Shortfall {
                    id: "score".into(),
                    kind: ShortfallKind::Unmet,
                    text: format!(
                        "评分 {} 分 < {} 分（还差 {} 分）",
                        show_scaled(total),
                        points.pass,
                        show_scaled(points.pass * 10_000 - total)
                    ),
                },
            );
        }
        score = Some(total);
        if passes && conditions_hold {
            route = Some(Route::Points);
        }
    }
    if route.is_none() && conditions_hold && !set.direct.is_empty() {
        let mut direct_missing = Vec::new();
        for (compiled, test) in set.direct.iter().zip(&rules.direct) {
            match test_shortfall(compiled, test, facts) {
                None => {
                    route = Some(Route::Direct);
                    break;
                }
                Some(shortfall) => direct_missing.push(shortfall),
            }
        }
        if route.is_none() {
            if rules.points.is_none() {
                let names: Vec<&str> = rules.direct.iter().map(|t| t.name.as_str()).collect();
                missing.push(Shortfall {
                    id: "direct".into(),
                    kind: ShortfallKind::Unmet,
                    text: format!("直通车条件均不满足（{}）", names.join("、")),
                });
            }
            // Only what can still open a route is worth listing: the empty fields, and
            // the thresholds with a gap.
            missing.extend(
                direct_missing.into_iter().filter(|s| s.kind == ShortfallKind::MissingData || s.text.contains('（')),
            );
        }
    }
    if rules.points.is_none() && set.direct.is_empty() && conditions_hold {
        // Conditions alone (高企): meeting them is the recognition, scored by its
        // innovation evaluation.
        route = Some(Route::Points);
    }
    let eligible = route.is_some();
    if !eligible {
        missing.extend(points_missing);
    } else {
        missing.clear();
    }
    RungVerdict { rung: rules.rung.clone(), eligible, route, score, missing, item_points }
}

/// Why a test does not hold on this row, or None when it holds.
fn test_shortfall(compiled: &CompiledTest, test: &Test, facts: &Facts<'_>) -> Option<Shortfall> {
    let (kind, text) = match (facts.verdict)(compiled.when) {
        Verdict::Paid(_) => return None,
        Verdict::MissingData => (
            ShortfallKind::MissingData,
            format!("{}：缺数据{}", test.name, empty_fields(&[compiled.when], facts, &test.name)),
        ),
        Verdict::Error(_) => (ShortfallKind::Unmet, format!("{}：无法计算（除数为零），按不符合计", test.name)),
        Verdict::NotEligible => {
            let mut text = test.name.clone();
            match (&test.show, facts.amount(compiled.measure), facts.amount(compiled.target)) {
                (Some(shown), Some(measure), Some(target)) if measure != target => {
                    let relation = if measure < target { "<" } else { ">" };
                    let _ = write!(
                        text,
                        " {} {relation} {}",
                        show_formatted(measure, shown.format, &shown.unit),
                        show_formatted(target, shown.format, &shown.unit)
                    );
                }
                (Some(shown), Some(_), Some(_)) => {
                    // Equal to four decimals (4.99996 % against 5 %): the exact values say
                    // which side of the line the firm is on.
                    let exact = |policy: Option<usize>| {
                        let policy = &facts.policies[policy.expect("shown tests have a measure and a target")];
                        let record = Row { batch: facts.batch, row: facts.row };
                        let evaluator =
                            exact::Evaluator { source: &policy.def.amount, record: &record, explain: false };
                        evaluator.eval(&policy.amount, &mut Vec::new())
                    };
                    if let (exact::Value::Num(m), exact::Value::Num(t)) =
                        (exact(compiled.measure), exact(compiled.target))
                    {
                        let relation = match m.cmp(&t) {
                            std::cmp::Ordering::Less => "<",
                            std::cmp::Ordering::Equal => "=",
                            std::cmp::Ordering::Greater => ">",
                        };
                        let show = |n: &num_rational::BigRational| match shown.format {
                            Format::Percent => {
                                format!(
                                    "{}%",
                                    exact::show_number(&(n * num_rational::BigRational::from_integer(100.into())))
                                )
                            }
                            Format::Number if shown.unit.is_empty() => exact::show_number(n),
                            Format::Number => format!("{} {}", exact::show_number(n), shown.unit),
                        };
                        let _ = write!(text, " {} {relation} {}", show(&m), show(&t));
                    }
                }
                _ => {
                    let values = field_values(compiled.when, facts);
                    let _ = write!(text, "：不符合{values}");
                }
            }
            if let (Some(gap), Some(amount)) = (&test.gap, facts.amount(compiled.gap))
                && amount > 0
            {
                let shown = if gap.whole { ((amount + 9_999) / 10_000).to_string() } else { show_one_decimal(amount) };
                let _ = write!(text, "（{} {} {}）", gap.text, shown, gap.unit);
            }
            (ShortfallKind::Unmet, text)
        }
    };
    Some(Shortfall { id: test.id.clone(), kind, text })
}

fn show_formatted(scaled: i64, format: Format, unit: &str) -> String {
    match format {
        // Ten-thousandths of a ratio are hundredths of a per cent.
        Format::Percent => format!("{}%", show_scaled(scaled * 100)),
        Format::Number if unit.is_empty() => show_scaled(scaled),
        Format::Number => format!("{} {unit}", show_scaled(scaled)),
    }
}

/// A gap to two decimals, rounded up so that "还差" is always enough; below 0.1 to
/// four decimals.
fn show_one_decimal(scaled: i64) -> String {
    if scaled < 1_000 {
        // Less than 0.1: to four decimals, not rounded up to ten times what is missing.
        return show_scaled(scaled);
    }
    // To the cent of a 万元 (100 yuan), rounded up: 45.2012 → 45.21, 1013752.12 stays.
    show_scaled((scaled + 99) / 100 * 100)
}

/// "（研发费用、销售收入）": the empty fields the policies read on this row.
fn empty_fields(policies: &[usize], facts: &Facts<'_>, name: &str) -> String {
    let mut names: Vec<&str> = Vec::new();
    for policy in policies {
        for field in &facts.reads[*policy] {
            let label = facts.labels[*field].as_str();
            if facts.batch.columns[*field].array().is_null(facts.row) && !names.contains(&label) {
                names.push(label);
            }
        }
    }
    // "创新能力评价得分：缺数据" says it already; the field is named only when it adds something.
    match names.as_slice() {
        [] => String::new(),
        [one] if name.ends_with(one) || one.ends_with(name) => String::new(),
        _ => format!("（{}）", names.join("、")),
    }
}

/// "（成立日期 2025-12-02，评估日期 2026-12-01）": the values a failed test read.
fn field_values(policy: usize, facts: &Facts<'_>) -> String {
    let record = Row { batch: facts.batch, row: facts.row };
    let shown: Vec<String> = facts.reads[policy]
        .iter()
        .filter(|f| facts.batch.columns[**f].array().is_valid(facts.row))
        .filter(|f| !matches!(record.cell(**f), Cell::Flag(_)))
        .map(|f| format!("{} {}", facts.labels[*f], exact::cell_value(record.cell(*f)).show()))
        .collect();
    if shown.is_empty() { String::new() } else { format!("（{}）", shown.join("，")) }
}
