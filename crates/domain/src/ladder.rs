//! The cultivation ladder (梯度培育): for every firm and every rung, whether it is
//! eligible, by which route, its score, and what it still lacks, in the rung's own unit
//! ("研发费用/销售收入 3.1% < 4%（还差研发费用 45.2 万元）").
//!
//! A rung's rules are a [`RuleSet`], data written in the rule language
//! ([`crate::policy`]): conditions that must all hold, an optional points route
//! (items with banded points, "the higher of" alternatives, a pass mark, items that
//! must score, group minimums), and direct routes (直通车) used when the points route
//! fails. Each test may say how to show its measure against its target and how to
//! compute the gap. The sets of DOMAIN.md §11 ship as `ladder/default_rules.json`; the
//! bureau edits them as new versions with the date they take effect.
//!
//! Every expression is compiled into a [`Policy`] and run either over columns for a
//! whole district or a million-row file ([`Assessor::assess_batch`]), or exactly on
//! one firm with its explanation trees ([`Assessor::explain_row`]); both hand their
//! verdicts to one function, [`judge`], so the list and the firm's page cannot differ.
//!
//! Conventions of §11 kept here, not in each rule: an empty 0/1 flag counts as 0
//! ([`fill_empty_flags`]); a division by zero fails a test and earns no points; a test
//! whose field is empty makes the firm 缺数据 for it, never a failed threshold; a
//! points item whose fields are all empty earns 0 and is named.

use crate::enterprise::{ASSESSMENT_DATE, ladder_schema};
use crate::policy::check::{Kind, Node};
use crate::policy::columns::{Column, Row};
use crate::policy::plan::{self, Scratch};
use crate::policy::{Batch, Policy, PolicyDef, PolicyError, Schema, Step, Verdict};
use arrow_array::{Array, BooleanArray, Date32Array};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod judge;
mod rules;

use judge::{Facts, Seen, judge};
pub use judge::{Judged, ShortfallRef};
pub use rules::{
    DEFAULT_RULES, Format, Gap, GroupMinimum, Item, Points, RuleSet, Shown, Test, default_rule_sets, in_force,
};

/// A route to a rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    #[serde(rename = "评分")]
    Points,
    #[serde(rename = "直通车")]
    Direct,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Route::Points => "评分",
            Route::Direct => "直通车",
        }
    }
}

/// Why a firm is not (yet) on a rung: one line each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    /// The test or item (its id in the rule set, or `score` / `direct`).
    pub id: String,
    pub kind: ShortfallKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortfallKind {
    /// A threshold is not met (or cannot be computed: a zero denominator).
    Unmet,
    /// A field it needs is empty.
    MissingData,
}

/// One firm on one rung.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RungVerdict {
    pub rung: String,
    pub eligible: bool,
    pub route: Option<Route>,
    /// The points route's score in ten-thousandths of a point (None without one).
    pub score: Option<i64>,
    pub missing: Vec<Shortfall>,
    /// Each item's points (ten-thousandths), in the set's order.
    pub item_points: Vec<i64>,
}

impl RungVerdict {
    /// The score as people read it (72, 72.5).
    pub fn score_text(&self) -> Option<String> {
        self.score.map(show_scaled)
    }

    /// How far from eligible: the number of unmet tests and empty fields (0 when eligible).
    pub fn unmet(&self) -> usize {
        if self.eligible { 0 } else { self.missing.len().max(1) }
    }
}

/// An amount in ten-thousandths, trimmed: 720000 → "72", 725000 → "72.5".
pub fn show_scaled(scaled: i64) -> String {
    let mut text = String::new();
    push_scaled(&mut text, scaled);
    text
}

/// [`show_scaled`] onto the end of a string (no allocation of its own: a million firms'
/// lines are written with it).
pub fn push_scaled(text: &mut String, scaled: i64) {
    if scaled < 0 {
        text.push('-');
    }
    let (whole, fraction) = (scaled.unsigned_abs() / 10_000, scaled.unsigned_abs() % 10_000);
    text.push_str(itoa::Buffer::new().format(whole));
    if fraction != 0 {
        let mut digits = [b'0'; 5];
        digits[0] = b'.';
        let mut rest = fraction;
        for digit in digits[1..].iter_mut().rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let end = 1 + digits[1..].iter().rposition(|d| *d != b'0').expect("a fraction that is not 0") + 1;
        text.push_str(std::str::from_utf8(&digits[..end]).expect("ASCII digits"));
    }
}

/// The rule sets compiled against the ladder's schema.
#[derive(Debug, Clone)]
pub struct Assessor {
    schema: Schema,
    sets: Vec<CompiledSet>,
    policies: Vec<Policy>,
    /// The fields each policy reads (for naming the empty ones).
    reads: Vec<Vec<usize>>,
    /// Each field's label (研发费用), or its name.
    labels: Vec<String>,
    /// For a test's measure, target and gap: the policy of the test (`when`), on whose
    /// failing rows it runs.
    where_fails: Vec<Option<usize>>,
}

#[derive(Debug, Clone)]
struct CompiledSet {
    set: RuleSet,
    conditions: Vec<CompiledTest>,
    items: Vec<Vec<usize>>,
    direct: Vec<CompiledTest>,
}

/// The policies of one test: whether it holds, and where it fails, its measure, target
/// and gap (computed only on the rows where it fails: elsewhere they may be negative or
/// land on half-yuan ties, which the exact evaluator would have to settle). The three
/// are compiled with the condition `true` and run on the rows where `when` failed
/// ([`Assessor::judge_batch`]), so that the test is not computed again for each.
#[derive(Debug, Clone)]
struct CompiledTest {
    when: usize,
    measure: Option<usize>,
    target: Option<usize>,
    gap: Option<usize>,
}

/// A rule set that does not compile: which rung, which part, and the rule language's
/// message (with its character position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetError {
    pub rung: String,
    pub part: String,
    pub reason: String,
}

impl std::fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}：{}", self.rung, self.part, self.reason)
    }
}

impl std::error::Error for RuleSetError {}

impl Assessor {
    /// Compiles the rule sets in force (see [`in_force`]) against the ladder's schema.
    pub fn new(sets: &[RuleSet]) -> Result<Assessor, RuleSetError> {
        let schema = ladder_schema();
        let mut policies: Vec<Policy> = Vec::new();
        let mut where_fails: Vec<Option<usize>> = Vec::new();
        let mut compiled = Vec::new();
        for set in sets {
            let rung = set.rung.trim();
            let fail = |part: String, reason: String| RuleSetError { rung: rung.to_string(), part, reason };
            if rung.is_empty() {
                return Err(fail("rung".into(), "没有写档次名称".into()));
            }
            let mut add = |part: &str, condition: String, amount: String| -> Result<usize, RuleSetError> {
                let def = PolicyDef { id: format!("{rung}/{part}"), name: part.to_string(), condition, amount };
                let policy = Policy::compile(&def, &schema).map_err(|e: PolicyError| {
                    fail(part.to_string(), format!("{}，第 {} 个字符处：{}", e.part.label(), e.position, e.reason))
                })?;
                policies.push(policy);
                Ok(policies.len() - 1)
            };
            let mut test = |kind: &str, t: &Test| -> Result<CompiledTest, RuleSetError> {
                let part = format!("{kind} {}（{}）", t.id, t.name);
                let when = add(&part, t.when.clone(), "0".into())?;
                let mut where_fails = |part: String, amount: String| -> Result<usize, RuleSetError> {
                    let policy = add(&part, "true".into(), amount)?;
                    where_fails.resize(policy, None);
                    where_fails.push(Some(when));
                    Ok(policy)
                };
                let (measure, target) = match &t.show {
                    Some(shown) => (
                        Some(where_fails(format!("{part} 的 measure"), shown.measure.clone())?),
                        Some(where_fails(format!("{part} 的 target"), shown.target.clone())?),
                    ),
                    None => (None, None),
                };
                let gap = match &t.gap {
                    Some(gap) => Some(where_fails(format!("{part} 的 gap"), format!("max({}, 0)", gap.value))?),
                    None => None,
                };
                Ok(CompiledTest { when, measure, target, gap })
            };
            let conditions = set.conditions.iter().map(|t| test("条件", t)).collect::<Result<Vec<_>, _>>()?;
            let direct = set.direct.iter().map(|t| test("直通车", t)).collect::<Result<Vec<_>, _>>()?;
            let mut items = Vec::new();
            if let Some(points) = &set.points {
                for item in &points.items {
                    let part = format!("评分项 {}（{}）", item.id, item.name);
                    let mut alternatives = Vec::new();
                    for value in std::iter::once(&item.value).chain(&item.or) {
                        alternatives.push(add(&part, "true".into(), value.clone())?);
                    }
                    items.push(alternatives);
                }
                for group in &points.groups {
                    if !points.items.iter().any(|i| i.group.as_deref() == Some(group.group.as_str())) {
                        return Err(fail(format!("分组 {}", group.group), "没有评分项属于这个分组".into()));
                    }
                }
            }
            let mut ids: Vec<&str> = set.conditions.iter().chain(&set.direct).map(|t| t.id.trim()).collect();
            ids.extend(set.points.iter().flat_map(|p| p.items.iter().map(|i| i.id.trim())));
            let count = ids.len();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() != count {
                return Err(fail("id".into(), "条件、评分项和直通车的 id 不能重复".into()));
            }
            if let Some(points) = &set.points
                && !(0..=1_000).contains(&points.pass)
            {
                return Err(fail("points.pass".into(), format!("及格分 {} 应在 0 到 1000 之间", points.pass)));
            }
            if set.conditions.is_empty() && set.points.is_none() && set.direct.is_empty() {
                return Err(fail("规则".into(), "没有条件、评分项或直通车".into()));
            }
            compiled.push(CompiledSet { set: set.clone(), conditions, items, direct });
        }
        let reads = policies
            .iter()
            .map(|p| {
                let mut fields = Vec::new();
                fields_read(&p.condition, &mut fields);
                fields_read(&p.amount, &mut fields);
                fields
            })
            .collect();
        let labels = schema.fields().iter().map(|f| f.label.clone().unwrap_or_else(|| f.name.clone())).collect();
        where_fails.resize(policies.len(), None);
        Ok(Assessor { schema, sets: compiled, policies, reads, labels, where_fails })
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn rungs(&self) -> impl Iterator<Item = &RuleSet> {
        self.sets.iter().map(|s| &s.set)
    }

    /// Every row of a batch on every rung (the batch prepared by [`prepare_batch`]),
    /// handed to `each` row by row in buffers that the next row reuses.
    pub fn judge_batch(&self, batch: &Batch, scratch: &mut AssessScratch, mut each: impl FnMut(usize, &[Judged])) {
        // Every policy's verdict on every row, row by row (a row's verdicts side by side,
        // as `judge` reads them).
        let width = self.policies.len();
        let AssessScratch { plan: plan_scratch, grid, judged, fails } = scratch;
        grid.clear();
        grid.resize(batch.len * width, Seen::NotEligible);
        for (policy, compiled) in self.policies.iter().enumerate() {
            let outcome = match self.where_fails[policy] {
                None => plan::run(compiled, batch, plan_scratch),
                Some(test) => {
                    // The rows where the test (run before: its index is lower) fails.
                    fails.clear();
                    fails.resize(batch.len.div_ceil(64), 0);
                    for row in 0..batch.len {
                        if grid[row * width + test] == Seen::NotEligible {
                            fails[row / 64] |= 1 << (row % 64);
                        }
                    }
                    plan::run_where(compiled, batch, plan_scratch, fails)
                }
            };
            for (row, amount) in &outcome.paid {
                grid[*row as usize * width + policy] = Seen::Paid(*amount);
            }
            for row in plan::rows_of(&outcome.missing_rows, batch.len) {
                grid[row * width + policy] = Seen::MissingData;
            }
            for row in plan::rows_of(&outcome.error_rows, batch.len) {
                grid[row * width + policy] = Seen::Error;
            }
        }
        for row in 0..batch.len {
            let facts = Facts {
                batch,
                row,
                verdicts: &grid[row * width..(row + 1) * width],
                reads: &self.reads,
                labels: &self.labels,
                policies: &self.policies,
            };
            for (set, out) in self.sets.iter().zip(judged.iter_mut()) {
                judge(set, &facts, out);
            }
            each(row, judged);
        }
    }

    /// Every row of a batch on every rung, owned (for the product's few thousand firms;
    /// `ladder assess` reads [`Assessor::judge_batch`]'s buffers instead).
    pub fn assess_batch(&self, batch: &Batch, scratch: &mut AssessScratch) -> Vec<Vec<RungVerdict>> {
        let mut out = Vec::with_capacity(batch.len);
        self.judge_batch(batch, scratch, |_, judged| out.push(judged.iter().map(Judged::to_verdict).collect()));
        out
    }

    /// Scratch space for [`Assessor::judge_batch`] over batches of up to `rows` rows.
    pub fn scratch(&self, rows: usize) -> AssessScratch {
        let programs: Vec<&plan::Program> = self.policies.iter().map(|p| &p.program).collect();
        AssessScratch {
            plan: Scratch::new(rows, &programs),
            grid: Vec::with_capacity(rows * self.policies.len()),
            judged: self.sets.iter().map(|s| Judged::for_rung(&s.set.rung)).collect(),
            fails: Vec::with_capacity(rows.div_ceil(64)),
        }
    }

    /// One firm on every rung, exactly, with the explanation of every test and item.
    pub fn explain_row(&self, batch: &Batch, row: usize) -> Vec<RungExplanation> {
        let record = Row { batch, row };
        let explained: Vec<crate::policy::Explanation> = self.policies.iter().map(|p| p.explain(&record)).collect();
        let seen: Vec<Seen> = explained.iter().map(|e| Seen::from(&e.verdict)).collect();
        let facts =
            Facts { batch, row, verdicts: &seen, reads: &self.reads, labels: &self.labels, policies: &self.policies };
        self.sets
            .iter()
            .map(|set| {
                let mut judged = Judged::for_rung(&set.set.rung);
                judge(set, &facts, &mut judged);
                let verdict = judged.to_verdict();
                let step = |t: &CompiledTest, name: &str, id: &str| TestExplanation {
                    id: id.to_string(),
                    name: name.to_string(),
                    outcome: outcome_of(&explained[t.when].verdict),
                    step: explained[t.when].condition.clone(),
                };
                let conditions =
                    set.conditions.iter().zip(&set.set.conditions).map(|(c, t)| step(c, &t.name, &t.id)).collect();
                let direct = set.direct.iter().zip(&set.set.direct).map(|(c, t)| step(c, &t.name, &t.id)).collect();
                let items = match &set.set.points {
                    Some(points) => points
                        .items
                        .iter()
                        .zip(&set.items)
                        .zip(&verdict.item_points)
                        .map(|((item, alternatives), points)| ItemExplanation {
                            id: item.id.clone(),
                            name: item.name.clone(),
                            points: *points,
                            steps: alternatives.iter().map(|p| explained[*p].amount.clone()).collect(),
                        })
                        .collect(),
                    None => Vec::new(),
                };
                RungExplanation {
                    verdict,
                    basis: set.set.basis.clone(),
                    version: set.set.version.clone(),
                    conditions,
                    items,
                    direct,
                }
            })
            .collect()
    }
}

/// One thread's space for assessing batch after batch: the columnar evaluator's slots,
/// every policy's verdict on every row, and each rung's verdict of the row at hand.
pub struct AssessScratch {
    plan: Scratch,
    grid: Vec<Seen>,
    judged: Vec<Judged>,
    /// The rows where a test fails, as words.
    fails: Vec<u64>,
}

/// What a firm's page shows for one rung.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RungExplanation {
    pub verdict: RungVerdict,
    pub basis: String,
    pub version: String,
    pub conditions: Vec<TestExplanation>,
    pub items: Vec<ItemExplanation>,
    pub direct: Vec<TestExplanation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestExplanation {
    pub id: String,
    pub name: String,
    pub outcome: Outcome,
    pub step: Step,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemExplanation {
    pub id: String,
    pub name: String,
    pub points: i64,
    pub steps: Vec<Step>,
}

/// A test's outcome on one firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Holds,
    Fails,
    MissingData,
    /// A division by zero: counts as failing.
    Error,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Holds => "符合",
            Outcome::Fails => "不符合",
            Outcome::MissingData => "缺数据",
            Outcome::Error => "无法计算",
        }
    }
}

fn outcome_of(verdict: &Verdict) -> Outcome {
    match verdict {
        Verdict::Paid(_) => Outcome::Holds,
        Verdict::NotEligible => Outcome::Fails,
        Verdict::MissingData => Outcome::MissingData,
        Verdict::Error(_) => Outcome::Error,
    }
}

/// The fields an expression reads, in order of first appearance.
pub(crate) fn fields_read(node: &Node, out: &mut Vec<usize>) {
    let add = |f: usize, out: &mut Vec<usize>| {
        if !out.contains(&f) {
            out.push(f);
        }
    };
    match &node.kind {
        Kind::Field(f) | Kind::Known(f) => add(*f, out),
        Kind::Num(..) | Kind::Bool(_) | Kind::Text(_) | Kind::Date(_) => {}
        Kind::Neg(a) | Kind::Not(a) | Kind::Abs(a) | Kind::Round(a, _) => fields_read(a, out),
        Kind::Arith(_, a, b) | Kind::Compare(_, a, b) | Kind::And(a, b) | Kind::Or(a, b) | Kind::YearsBetween(a, b) => {
            fields_read(a, out);
            fields_read(b, out);
        }
        Kind::In { expr, .. } => fields_read(expr, out),
        Kind::Min(args) | Kind::Max(args) => args.iter().for_each(|a| fields_read(a, out)),
        Kind::If(c, a, b) => {
            fields_read(c, out);
            fields_read(a, out);
            fields_read(b, out);
        }
    }
}

/// Makes a batch ready for the ladder: empty 0/1 flags become 0 (§11), and the
/// assessment date fills its column.
pub fn prepare_batch(batch: &mut Batch, schema: &Schema, on: NaiveDate) {
    let date_field = schema.find(ASSESSMENT_DATE.0).expect("the ladder's schema has the assessment date");
    for (field, column) in batch.columns.iter_mut().enumerate() {
        if field == date_field {
            let day = crate::policy::check::days(on);
            *column = Column::Date(Date32Array::from(vec![day; batch.len]));
            batch.known[field] = vec![u64::MAX; batch.len.div_ceil(64)];
            continue;
        }
        if let Column::Flag(values) = column
            && values.null_count() > 0
        {
            // An empty flag's value bit may be anything: keep only the known ones.
            let known: Vec<bool> = (0..values.len()).map(|i| values.is_valid(i) && values.value(i)).collect();
            *column = Column::Flag(BooleanArray::from(known));
            batch.known[field] = vec![u64::MAX; batch.len.div_ceil(64)];
            let mut words = vec![0u64; batch.len.div_ceil(64)];
            if let Column::Flag(values) = column {
                for (row, value) in values.values().iter().enumerate() {
                    words[row / 64] |= u64::from(value) << (row % 64);
                }
            }
            batch.flags[field] = words;
        }
    }
}

#[cfg(test)]
mod tests;
