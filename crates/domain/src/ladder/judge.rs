//! One firm on one rung, from its policies' verdicts: the one place where §11's
//! conventions and the routes are decided, and where what is missing is put into words
//! ("研发费用/销售收入 3.1% < 5%（还差研发费用 19 万元）").
//!
//! The words are pushed into strings piece by piece rather than through `format!`:
//! `ladder assess` writes them for a million firms, and the formatting machinery was
//! most of its time.

use super::{CompiledSet, CompiledTest, Format, Route, RungVerdict, Shortfall, ShortfallKind, Test, push_scaled};
use crate::policy::columns::Row;
use crate::policy::exact::{self, Cell, Record};
use crate::policy::{Batch, Policy, Verdict};

/// A policy's verdict on one row, without an error's reason (which no list shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seen {
    Paid(i64),
    NotEligible,
    MissingData,
    Error,
}

impl From<&Verdict> for Seen {
    fn from(verdict: &Verdict) -> Seen {
        match verdict {
            Verdict::Paid(amount) => Seen::Paid(*amount),
            Verdict::NotEligible => Seen::NotEligible,
            Verdict::MissingData => Seen::MissingData,
            Verdict::Error(_) => Seen::Error,
        }
    }
}

/// What [`judge`] reads: each policy's verdict on the row, the row's cells, the fields
/// each policy reads and the fields' labels.
pub(super) struct Facts<'a> {
    pub(super) batch: &'a Batch,
    pub(super) row: usize,
    /// Indexed by policy.
    pub(super) verdicts: &'a [Seen],
    pub(super) reads: &'a [Vec<usize>],
    pub(super) labels: &'a [String],
    pub(super) policies: &'a [Policy],
}

impl Facts<'_> {
    fn verdict(&self, policy: usize) -> Seen {
        self.verdicts[policy]
    }

    fn amount(&self, policy: Option<usize>) -> Option<i64> {
        match self.verdict(policy?) {
            Seen::Paid(amount) => Some(amount),
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
        item_points.reserve(points.items.len());
        for (item, alternatives) in points.items.iter().zip(&set.items) {
            let mut best: Option<i64> = None;
            let mut all_missing = true;
            for policy in alternatives {
                match facts.verdict(*policy) {
                    Seen::Paid(amount) => {
                        all_missing = false;
                        best = Some(best.map_or(amount, |b| b.max(amount)));
                    }
                    // A zero denominator earns nothing; the item is not missing.
                    Seen::Error | Seen::NotEligible => {
                        all_missing = false;
                        best = Some(best.unwrap_or(0));
                    }
                    Seen::MissingData => {}
                }
            }
            let earned = best.unwrap_or(0);
            if all_missing {
                let mut text = item.name.clone();
                text.push_str("：缺数据");
                push_empty_fields(&mut text, alternatives, facts, &item.name);
                text.push_str("（按 0 分计）");
                points_missing.push(Shortfall { id: item.id.clone(), kind: ShortfallKind::MissingData, text });
            }
            if item.must_score && earned == 0 {
                passes = false;
                if !all_missing {
                    let mut text = item.name.clone();
                    text.push_str("得分为 0（须得分）");
                    points_missing.push(Shortfall { id: item.id.clone(), kind: ShortfallKind::Unmet, text });
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
                let mut text = group.group.clone();
                text.push(' ');
                push_scaled(&mut text, got);
                text.push_str(" 分 < ");
                push_scaled(&mut text, group.at_least * 10_000);
                text.push_str(" 分");
                points_missing.push(Shortfall {
                    id: format!("group:{}", group.group),
                    kind: ShortfallKind::Unmet,
                    text,
                });
            }
        }
        if total < points.pass * 10_000 {
            passes = false;
            let mut text = String::with_capacity(48);
            text.push_str("评分 ");
            push_scaled(&mut text, total);
            text.push_str(" 分 < ");
            push_scaled(&mut text, points.pass * 10_000);
            text.push_str(" 分（还差 ");
            push_scaled(&mut text, points.pass * 10_000 - total);
            text.push_str(" 分）");
            points_missing.insert(0, Shortfall { id: "score".into(), kind: ShortfallKind::Unmet, text });
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
    let mut text = String::with_capacity(test.name.len() + 64);
    text.push_str(&test.name);
    let kind = match facts.verdict(compiled.when) {
        Seen::Paid(_) => return None,
        Seen::MissingData => {
            text.push_str("：缺数据");
            push_empty_fields(&mut text, &[compiled.when], facts, &test.name);
            ShortfallKind::MissingData
        }
        Seen::Error => {
            text.push_str("：无法计算（除数为零），按不符合计");
            ShortfallKind::Unmet
        }
        Seen::NotEligible => {
            match (&test.show, facts.amount(compiled.measure), facts.amount(compiled.target)) {
                (Some(shown), Some(measure), Some(target)) if measure != target => {
                    text.push(' ');
                    push_formatted(&mut text, measure, shown.format, &shown.unit);
                    text.push_str(if measure < target { " < " } else { " > " });
                    push_formatted(&mut text, target, shown.format, &shown.unit);
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
                        text.push(' ');
                        text.push_str(&show(&m));
                        text.push(' ');
                        text.push_str(relation);
                        text.push(' ');
                        text.push_str(&show(&t));
                    }
                }
                _ => {
                    text.push_str("：不符合");
                    push_field_values(&mut text, compiled.when, facts);
                }
            }
            if let (Some(gap), Some(amount)) = (&test.gap, facts.amount(compiled.gap))
                && amount > 0
            {
                text.push('（');
                text.push_str(&gap.text);
                text.push(' ');
                if gap.whole {
                    text.push_str(itoa::Buffer::new().format((amount + 9_999) / 10_000));
                } else {
                    push_one_decimal(&mut text, amount);
                }
                text.push(' ');
                text.push_str(&gap.unit);
                text.push('）');
            }
            ShortfallKind::Unmet
        }
    };
    Some(Shortfall { id: test.id.clone(), kind, text })
}

fn push_formatted(text: &mut String, scaled: i64, format: Format, unit: &str) {
    match format {
        // Ten-thousandths of a ratio are hundredths of a per cent.
        Format::Percent => {
            push_scaled(text, scaled * 100);
            text.push('%');
        }
        Format::Number => {
            push_scaled(text, scaled);
            if !unit.is_empty() {
                text.push(' ');
                text.push_str(unit);
            }
        }
    }
}

/// A gap to two decimals, rounded up so that "还差" is always enough; below 0.1 to
/// four decimals.
fn push_one_decimal(text: &mut String, scaled: i64) {
    if scaled < 1_000 {
        // Less than 0.1: to four decimals, not rounded up to ten times what is missing.
        push_scaled(text, scaled);
    } else {
        // To the cent of a 万元 (100 yuan), rounded up: 45.2012 → 45.21, 1013752.12 stays.
        push_scaled(text, (scaled + 99) / 100 * 100);
    }
}

/// "（研发费用、销售收入）": the empty fields the policies read on this row.
fn push_empty_fields(text: &mut String, policies: &[usize], facts: &Facts<'_>, name: &str) {
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
        [] => {}
        [one] if name.ends_with(one) || one.ends_with(name) => {}
        _ => {
            text.push('（');
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    text.push('、');
                }
                text.push_str(name);
            }
            text.push('）');
        }
    }
}

/// "（成立日期 2025-12-02，评估日期 2026-12-01）": the values a failed test read.
fn push_field_values(text: &mut String, policy: usize, facts: &Facts<'_>) {
    let record = Row { batch: facts.batch, row: facts.row };
    let mut first = true;
    for field in &facts.reads[policy] {
        if !facts.batch.columns[*field].array().is_valid(facts.row) || matches!(record.cell(*field), Cell::Flag(_)) {
            continue;
        }
        text.push_str(if first { "（" } else { "，" });
        first = false;
        text.push_str(&facts.labels[*field]);
        text.push(' ');
        text.push_str(&exact::cell_value(record.cell(*field)).show());
    }
    if !first {
        text.push('）');
    }
}
