//! One firm on one rung, from its policies' verdicts: the one place where §11's
//! conventions and the routes are decided, and where what is missing is put into words
//! ("研发费用/销售收入 3.1% < 5%（还差研发费用 19 万元）").
//!
//! The words are pushed piece by piece rather than through `format!`, into a
//! [`Judged`] whose buffers are reused from firm to firm: `ladder assess` writes them
//! for a million firms, and the formatting machinery, then a `String` per shortfall,
//! were most of its time.

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

/// One firm's verdict on one rung, kept in buffers that the next firm reuses: the
/// shortfalls' ids and texts share one string. [`RungVerdict`] is its owned form.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    /// The rung's name (set once: a buffer serves one rung).
    pub rung: String,
    pub eligible: bool,
    pub route: Option<Route>,
    /// The points route's score in ten-thousandths of a point (None without one).
    pub score: Option<i64>,
    /// Each item's points (ten-thousandths), in the set's order.
    pub item_points: Vec<i64>,
    missing: Vec<Entry>,
    /// While judging: the points route's and the direct routes' shortfalls.
    points_missing: Vec<Entry>,
    direct_missing: Vec<Entry>,
    text: String,
}

/// A shortfall in [`Judged`]: its kind, and where its id and its text lie in the text.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: ShortfallKind,
    id: (u32, u32),
    text: (u32, u32),
}

/// A shortfall as [`Judged`] holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortfallRef<'a> {
    pub id: &'a str,
    pub kind: ShortfallKind,
    pub text: &'a str,
}

impl Judged {
    /// An empty verdict for the rung named `rung`.
    pub fn for_rung(rung: &str) -> Judged {
        Judged { rung: rung.to_string(), ..Judged::default() }
    }

    /// Why the firm is not (yet) on the rung: one line each, in order.
    pub fn missing(&self) -> impl ExactSizeIterator<Item = ShortfallRef<'_>> + '_ {
        self.missing.iter().map(|e| self.shortfall(e))
    }

    pub fn to_verdict(&self) -> RungVerdict {
        RungVerdict {
            rung: self.rung.clone(),
            eligible: self.eligible,
            route: self.route,
            score: self.score,
            missing: self
                .missing()
                .map(|s| Shortfall { id: s.id.to_string(), kind: s.kind, text: s.text.to_string() })
                .collect(),
            item_points: self.item_points.clone(),
        }
    }

    fn shortfall(&self, entry: &Entry) -> ShortfallRef<'_> {
        let at = |(start, end): (u32, u32)| &self.text[start as usize..end as usize];
        ShortfallRef { id: at(entry.id), kind: entry.kind, text: at(entry.text) }
    }

    /// A shortfall: its id, then its text as `write` puts it.
    fn add(&mut self, kind: ShortfallKind, id: &[&str], write: impl FnOnce(&mut String)) -> Entry {
        let id_start = self.text.len() as u32;
        id.iter().for_each(|part| self.text.push_str(part));
        let text_start = self.text.len() as u32;
        write(&mut self.text);
        Entry { kind, id: (id_start, text_start), text: (text_start, self.text.len() as u32) }
    }
}

/// One firm on one rung, from its policies' verdicts: the one place where §11's
/// conventions and the routes are decided. Written into `out` (its rung's buffer).
pub(super) fn judge(set: &CompiledSet, facts: &Facts<'_>, out: &mut Judged) {
    let rules = &set.set;
    out.text.clear();
    out.missing.clear();
    out.points_missing.clear();
    out.direct_missing.clear();
    out.item_points.clear();
    let mut conditions_hold = true;
    for (compiled, test) in set.conditions.iter().zip(&rules.conditions) {
        if let Some(shortfall) = test_shortfall(compiled, test, facts, out) {
            conditions_hold = false;
            out.missing.push(shortfall);
        }
    }
    let mut route = None;
    let mut score = None;
    if let Some(points) = &rules.points {
        let mut total = 0i64;
        let mut passes = true;
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
                let entry = out.add(ShortfallKind::MissingData, &[&item.id], |text| {
                    text.push_str(&item.name);
                    text.push_str("：缺数据");
                    push_empty_fields(text, alternatives, facts, &item.name);
                    text.push_str("（按 0 分计）");
                });
                out.points_missing.push(entry);
            }
            if item.must_score && earned == 0 {
                passes = false;
                if !all_missing {
                    let entry = out.add(ShortfallKind::Unmet, &[&item.id], |text| {
                        text.push_str(&item.name);
                        text.push_str("得分为 0（须得分）");
                    });
                    out.points_missing.push(entry);
                }
            }
            total += earned;
            out.item_points.push(earned);
        }
        for group in &points.groups {
            let got: i64 = points
                .items
                .iter()
                .zip(&out.item_points)
                .filter(|(i, _)| i.group.as_deref() == Some(group.group.as_str()))
                .map(|(_, p)| p)
                .sum();
            if got < group.at_least * 10_000 {
                passes = false;
                let entry = out.add(ShortfallKind::Unmet, &["group:", &group.group], |text| {
                    text.push_str(&group.group);
                    text.push(' ');
                    push_scaled(text, got);
                    text.push_str(" 分 < ");
                    push_scaled(text, group.at_least * 10_000);
                    text.push_str(" 分");
                });
                out.points_missing.push(entry);
            }
        }
        if total < points.pass * 10_000 {
            passes = false;
            let entry = out.add(ShortfallKind::Unmet, &["score"], |text| {
                text.push_str("评分 ");
                push_scaled(text, total);
                text.push_str(" 分 < ");
                push_scaled(text, points.pass * 10_000);
                text.push_str(" 分（还差 ");
                push_scaled(text, points.pass * 10_000 - total);
                text.push_str(" 分）");
            });
            out.points_missing.insert(0, entry);
        }
        score = Some(total);
        if passes && conditions_hold {
            route = Some(Route::Points);
        }
    }
    if route.is_none() && conditions_hold && !set.direct.is_empty() {
        for (compiled, test) in set.direct.iter().zip(&rules.direct) {
            match test_shortfall(compiled, test, facts, out) {
                None => {
                    route = Some(Route::Direct);
                    break;
                }
                Some(shortfall) => out.direct_missing.push(shortfall),
            }
        }
        if route.is_none() {
            if rules.points.is_none() {
                let entry = out.add(ShortfallKind::Unmet, &["direct"], |text| {
                    text.push_str("直通车条件均不满足（");
                    for (i, test) in rules.direct.iter().enumerate() {
                        if i > 0 {
                            text.push('、');
                        }
                        text.push_str(&test.name);
                    }
                    text.push('）');
                });
                out.missing.push(entry);
            }
            // Only what can still open a route is worth listing: the empty fields, and
            // the thresholds with a gap.
            for i in 0..out.direct_missing.len() {
                let entry = out.direct_missing[i];
                if entry.kind == ShortfallKind::MissingData || out.shortfall(&entry).text.contains('（') {
                    out.missing.push(entry);
                }
            }
        }
    }
    if rules.points.is_none() && set.direct.is_empty() && conditions_hold {
        // Conditions alone (高企): meeting them is the recognition, scored by its
        // innovation evaluation.
        route = Some(Route::Points);
    }
    out.eligible = route.is_some();
    out.route = route;
    out.score = score;
    if out.eligible {
        out.missing.clear();
    } else {
        let Judged { missing, points_missing, .. } = out;
        missing.extend_from_slice(points_missing);
    }
}

/// Why a test does not hold on this row (written into `out`), or None when it holds.
fn test_shortfall(compiled: &CompiledTest, test: &Test, facts: &Facts<'_>, out: &mut Judged) -> Option<Entry> {
    let seen = facts.verdict(compiled.when);
    if let Seen::Paid(_) = seen {
        return None;
    }
    let kind = match seen {
        Seen::MissingData => ShortfallKind::MissingData,
        _ => ShortfallKind::Unmet,
    };
    Some(out.add(kind, &[&test.id], |text| test_text(compiled, test, facts, seen, text)))
}

/// "研发费用/销售收入 3.1% < 4%（还差研发费用 45.2 万元）": a test that does not hold, in words.
fn test_text(compiled: &CompiledTest, test: &Test, facts: &Facts<'_>, seen: Seen, text: &mut String) {
    text.push_str(&test.name);
    match seen {
        Seen::Paid(_) => {}
        Seen::MissingData => {
            text.push_str("：缺数据");
            push_empty_fields(text, &[compiled.when], facts, &test.name);
        }
        Seen::Error => text.push_str("：无法计算（除数为零），按不符合计"),
        Seen::NotEligible => {
            match (&test.show, facts.amount(compiled.measure), facts.amount(compiled.target)) {
                (Some(shown), Some(measure), Some(target)) if measure != target => {
                    text.push(' ');
                    push_formatted(text, measure, shown.format, &shown.unit);
                    text.push_str(if measure < target { " < " } else { " > " });
                    push_formatted(text, target, shown.format, &shown.unit);
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
                    push_field_values(text, compiled.when, facts);
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
                    push_one_decimal(text, amount);
                }
                text.push(' ');
                text.push_str(&gap.unit);
                text.push('）');
            }
        }
    }
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
