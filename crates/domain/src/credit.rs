//! The innovation credit (企业创新积分制, DOMAIN.md §4): an indicator scheme as data,
//! every firm scored within its peer cohort, and why each firm scored what it did.
//!
//! A [`Scheme`] is a JSON document the S&T bureau edits: cohorts by a field (revenue
//! bands), indicators whose values are expressions in the rule language
//! ([`crate::policy`]), weights that may differ by cohort, bonus and deduction items and
//! vetoes whose `when` is a condition in the same language. [`Scorer::new`] checks and
//! compiles it once; [`Scorer::facts`] evaluates every expression over columns (a batch
//! of rows at a time, on every core) into [`Facts`]; [`Scorer::score`] normalises within
//! each cohort, sums, rounds, ranks and lists; [`Scorer::explain`] gives one firm's
//! breakdown with the same functions, and [`Scorer::what_if`] rescores it on changed
//! data. The computation, exactly (the five steps):
//!
//! 1. cohort i when `bounds[i-1] <= x < bounds[i]`; no cohort field → 缺数据, unscored;
//! 2. a missing value or a division by zero earns 0 points for that indicator;
//! 3. normalisation within the cohort over the firms with a value and no veto:
//!    percentile `(average rank − 1) / (n − 1)` (1 when n = 1), or min-max (0.5 when all
//!    equal); for `lower` the ranks run from the highest value;
//! 4. points `scale × weight / Σ weights × normalised`, plus bonuses, minus deductions,
//!    never below 0, rounded half-up to 2 decimals at the end (the double's exact value
//!    decides a half); a veto scores 0 and is listed 否决;
//! 5. ranks by the rounded score (1, 2, 2, 4) and lists 领跑 ⌈5 % n⌉, 竞跑 ⌈10 % n⌉,
//!    进取 ⌈20 % n⌉.
//!
//! Indicator values are doubles: values equal as computed are ties (the issue allows
//! double precision). Where the columnar fast path is unsure (a divisor within its
//! rounding bound of zero) the exact evaluator decides and its result is rounded to the
//! nearest double, so the path taken never changes a value.

use crate::enterprise::ladder_schema;
use crate::ladder::prepare_batch;
use crate::policy::plan::{self, Number, Scratch};
use crate::policy::{Batch, Policy, PolicyDef, Schema, Step, Verdict};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod breakdown;
mod normalise;
mod scheme;
mod whatif;

pub use breakdown::{Breakdown, IndicatorLine, ItemLine, show_cents};
pub use normalise::{Distribution, average_ranks, list_for_rank, round_half_up_cents};
pub use scheme::{
    Adjustment, Cohorts, DEFAULT_SCHEME, Direction, IndicatorDef, MAX_COHORTS, MAX_ITEMS, Normalise, Scheme,
    SchemeError, Veto, default_scheme, parse_scheme,
};
pub use whatif::{WhatIf, WhatIfError, changed_row};

/// A firm's list within its cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum List {
    #[serde(rename = "领跑")]
    Lead,
    #[serde(rename = "竞跑")]
    Chase,
    #[serde(rename = "进取")]
    Strive,
    /// Scored and ranked, on no list.
    #[serde(rename = "")]
    None,
    #[serde(rename = "否决")]
    Vetoed,
    #[serde(rename = "缺数据")]
    MissingData,
}

impl List {
    /// As the CSV, the notices and the pages write it ("" for none).
    pub fn label(self) -> &'static str {
        match self {
            List::Lead => "领跑",
            List::Chase => "竞跑",
            List::Strive => "进取",
            List::None => "",
            List::Vetoed => "否决",
            List::MissingData => "缺数据",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            List::Lead => "lead",
            List::Chase => "chase",
            List::Strive => "strive",
            List::None => "none",
            List::Vetoed => "vetoed",
            List::MissingData => "missing_data",
        }
    }

    pub fn from_code(code: &str) -> Option<List> {
        [List::Lead, List::Chase, List::Strive, List::None, List::Vetoed, List::MissingData]
            .into_iter()
            .find(|l| l.code() == code)
    }
}

/// One firm's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FirmScore {
    /// The cohort's index (None: the cohort field is empty, 缺数据).
    pub cohort: Option<usize>,
    /// The score in hundredths (81240 = 812.40); 0 when vetoed; None when unscored.
    pub cents: Option<i64>,
    /// The rank in the cohort (None when vetoed or unscored).
    pub rank: Option<u32>,
    pub list: List,
}

/// Every firm's evaluated data: its cohort field, each indicator's value, and which
/// bonus, deduction and veto items hold. Rows in the order of the batches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub len: usize,
    /// The cohort field's value (NaN: empty).
    pub cohort_value: Vec<f64>,
    /// Per indicator, per firm: the value (NaN: none).
    pub values: Vec<Vec<f64>>,
    /// Per indicator, per firm: no value because of a division by zero (else it is empty data).
    pub errors: Vec<Vec<bool>>,
    pub bonus: Vec<Vec<bool>>,
    pub deduct: Vec<Vec<bool>>,
    pub veto: Vec<Vec<bool>>,
}

impl Facts {
    fn with_items(scorer: &Scorer) -> Facts {
        let s = &scorer.scheme;
        Facts {
            len: 0,
            cohort_value: Vec::new(),
            values: vec![Vec::new(); s.indicators.len()],
            errors: vec![Vec::new(); s.indicators.len()],
            bonus: vec![Vec::new(); s.bonus.len()],
            deduct: vec![Vec::new(); s.deduct.len()],
            veto: vec![Vec::new(); s.veto.len()],
        }
    }

    fn append(&mut self, other: Facts) {
        self.len += other.len;
        self.cohort_value.extend(other.cohort_value);
        for (mine, theirs) in [
            (&mut self.errors, other.errors),
            (&mut self.bonus, other.bonus),
            (&mut self.deduct, other.deduct),
            (&mut self.veto, other.veto),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.extend(b);
            }
        }
        for (a, b) in self.values.iter_mut().zip(other.values) {
            a.extend(b);
        }
    }

    /// Puts row `from` of `other` in place of row `row` (a what-if).
    pub fn replace_row(&mut self, row: usize, other: &Facts, from: usize) {
        self.cohort_value[row] = other.cohort_value[from];
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            a[row] = b[from];
        }
        for (mine, theirs) in [
            (&mut self.errors, &other.errors),
            (&mut self.bonus, &other.bonus),
            (&mut self.deduct, &other.deduct),
            (&mut self.veto, &other.veto),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a[row] = b[from];
            }
        }
    }
}

/// A scheme checked and compiled against the enterprise vocabulary.
#[derive(Debug, Clone)]
pub struct Scorer {
    scheme: Scheme,
    schema: Schema,
    cohort_field: usize,
    values: Vec<Policy>,
    bonus: Vec<Policy>,
    deduct: Vec<Policy>,
    veto: Vec<Policy>,
    /// Per cohort, per indicator: `scale × weight / Σ weights`, the points of a
    /// normalised 1.
    factors: Vec<Vec<f64>>,
    /// Per cohort, per indicator: the weight in force there.
    weights: Vec<Vec<f64>>,
}

fn fail(part: impl Into<String>, reason: impl Into<String>) -> SchemeError {
    SchemeError { part: part.into(), reason: reason.into() }
}

/// The largest weight or bonus a scheme may give: far beyond any real scheme, small
/// enough that sums of a few hundred of them stay exact to the cent in a double.
pub const MAX_POINTS: f64 = 1e6;

fn finite_non_negative(part: &str, value: f64) -> Result<(), SchemeError> {
    if !value.is_finite() || !(0.0..=MAX_POINTS).contains(&value) {
        return Err(fail(part, format!("{value} 应在 0 到 {MAX_POINTS} 之间")));
    }
    Ok(())
}

/// Names and ids are shown on pages, notices and terminals: no control characters.
fn plain(part: &str, text: &str) -> Result<(), SchemeError> {
    if text.chars().any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
        return Err(fail(part, "不能含控制字符"));
    }
    if text.chars().count() > 200 {
        return Err(fail(part, "不能超过 200 个字"));
    }
    Ok(())
}

impl Scorer {
    /// Checks a scheme and compiles its expressions; the first problem stops it.
    pub fn new(scheme: &Scheme) -> Result<Scorer, SchemeError> {
        let schema = ladder_schema();
        if scheme.name.trim().is_empty() {
            return Err(fail("name", "方案没有名称"));
        }
        plain("name", &scheme.name)?;
        if scheme.basis.chars().any(|c| c.is_control() && c != '\n') || scheme.basis.chars().count() > 2000 {
            return Err(fail("basis", "不能含控制字符，不能超过 2000 个字"));
        }
        for (i, name) in scheme.cohorts.names.iter().enumerate() {
            plain(&format!("cohorts.names 第 {} 个", i + 1), name)?;
        }
        let texts = scheme.indicators.iter().map(|i| (&i.id, &i.name, &i.group));
        let others = scheme.bonus.iter().chain(&scheme.deduct).map(|a| (&a.id, &a.name, &a.id));
        let vetoes = scheme.veto.iter().map(|v| (&v.id, &v.name, &v.id));
        for (id, name, group) in texts.chain(others).chain(vetoes) {
            plain(&format!("id {id}"), id)?;
            plain(&format!("{id} 的名称"), name)?;
            plain(&format!("{id} 的分组"), group)?;
        }
        if !scheme.scale.is_finite() || scheme.scale <= 0.0 || scheme.scale > 1e6 {
            return Err(fail("scale", format!("总分 {} 应大于 0 且不超过 1000000", scheme.scale)));
        }
        let cohorts = &scheme.cohorts;
        let cohort_field = schema.find(cohorts.field.trim()).ok_or_else(|| {
            fail("cohorts.field", format!("没有字段 {}（应是企业数据的数值字段，如 revenue）", cohorts.field))
        })?;
        if !matches!(schema.fields()[cohort_field].ty, crate::policy::FieldType::Int | crate::policy::FieldType::Float)
        {
            return Err(fail("cohorts.field", format!("{} 不是数值字段，不能按它分组", cohorts.field)));
        }
        if let Some(bad) = cohorts.bounds.iter().find(|b| !b.is_finite()) {
            return Err(fail("cohorts.bounds", format!("分界值 {bad} 不是有限的数")));
        }
        if cohorts.bounds.windows(2).any(|w| w[0] >= w[1]) {
            return Err(fail("cohorts.bounds", "分界值应从小到大、互不相同"));
        }
        if cohorts.names.len() != cohorts.bounds.len() + 1 {
            return Err(fail(
                "cohorts.names",
                format!(
                    "{} 个分界值应分出 {} 组，这里写了 {} 个组名",
                    cohorts.bounds.len(),
                    cohorts.bounds.len() + 1,
                    cohorts.names.len()
                ),
            ));
        }
        if cohorts.names.len() > MAX_COHORTS {
            return Err(fail("cohorts.names", format!("组数不能超过 {MAX_COHORTS}")));
        }
        let mut names: Vec<&str> = cohorts.names.iter().map(|n| n.trim()).collect();
        if names.iter().any(|n| n.is_empty()) {
            return Err(fail("cohorts.names", "组名不能为空"));
        }
        names.sort_unstable();
        names.dedup();
        if names.len() != cohorts.names.len() {
            return Err(fail("cohorts.names", "组名不能重复"));
        }
        if scheme.indicators.is_empty() {
            return Err(fail("indicators", "方案没有指标"));
        }
        let items = scheme.indicators.len() + scheme.bonus.len() + scheme.deduct.len() + scheme.veto.len();
        if items > MAX_ITEMS {
            return Err(fail("indicators", format!("指标、加分、减分和否决项合计不能超过 {MAX_ITEMS} 个")));
        }
        let mut ids: Vec<&str> = scheme.indicators.iter().map(|i| i.id.trim()).collect();
        ids.extend(scheme.bonus.iter().chain(&scheme.deduct).map(|a| a.id.trim()));
        ids.extend(scheme.veto.iter().map(|v| v.id.trim()));
        if let Some(empty) = ids.iter().position(|id| id.is_empty()) {
            return Err(fail(format!("第 {} 项", empty + 1), "没有 id"));
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        if let Some(twice) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(fail(format!("id {}", twice[0]), "指标、加分、减分和否决项的 id 不能重复"));
        }
        let compile = |part: String, condition: &str, amount: &str| -> Result<Policy, SchemeError> {
            let def =
                PolicyDef { id: part.clone(), name: part.clone(), condition: condition.into(), amount: amount.into() };
            Policy::compile(&def, &schema)
                .map_err(|e| fail(part, format!("{}，第 {} 个字符处：{}", e.part.label(), e.position, e.reason)))
        };
        let mut values = Vec::new();
        for indicator in &scheme.indicators {
            let part = format!("指标 {}（{}）", indicator.id, indicator.name);
            finite_non_negative(&format!("{part} 的权重"), indicator.weight)?;
            values.push(compile(format!("{part} 的 value"), "true", &indicator.value)?);
        }
        let condition = |kind: &str, id: &str, name: &str, when: &str, points: Option<f64>| {
            let part = format!("{kind} {id}（{name}）");
            if let Some(points) = points {
                finite_non_negative(&format!("{part} 的分值"), points)?;
            }
            compile(format!("{part} 的 when"), when, "0")
        };
        let adjustments = |kind: &str, list: &[Adjustment]| -> Result<Vec<Policy>, SchemeError> {
            list.iter().map(|a| condition(kind, &a.id, &a.name, &a.when, Some(a.points))).collect()
        };
        let bonus = adjustments("加分项", &scheme.bonus)?;
        let deduct = adjustments("减分项", &scheme.deduct)?;
        let veto = scheme
            .veto
            .iter()
            .map(|v| condition("否决项", &v.id, &v.name, &v.when, None))
            .collect::<Result<Vec<_>, _>>()?;
        for (cohort, overrides) in &scheme.cohort_weights {
            if !cohorts.names.iter().any(|n| n.trim() == cohort.trim()) {
                return Err(fail(
                    format!("cohort_weights.{cohort}"),
                    format!("没有这个组（组名：{}）", cohorts.names.join("、")),
                ));
            }
            for (id, weight) in overrides {
                if !scheme.indicators.iter().any(|i| i.id.trim() == id.trim()) {
                    return Err(fail(format!("cohort_weights.{cohort}.{id}"), "没有这个指标"));
                }
                finite_non_negative(&format!("cohort_weights.{cohort}.{id}"), *weight)?;
            }
        }
        let mut weights = Vec::new();
        let mut factors = Vec::new();
        for cohort in &cohorts.names {
            let overrides = scheme.cohort_weights.iter().find(|(name, _)| name.trim() == cohort.trim()).map(|(_, w)| w);
            let row: Vec<f64> = scheme
                .indicators
                .iter()
                .map(|i| {
                    overrides
                        .and_then(|o| o.iter().find(|(id, _)| id.trim() == i.id.trim()).map(|(_, w)| *w))
                        .unwrap_or(i.weight)
                })
                .collect();
            let sum: f64 = row.iter().sum();
            if sum <= 0.0 || !sum.is_finite() {
                return Err(fail(format!("{cohort} 的权重"), "这一组所有指标的权重之和应大于 0"));
            }
            factors.push(row.iter().map(|w| scheme.scale * w / sum).collect());
            weights.push(row);
        }
        Ok(Scorer { scheme: scheme.clone(), schema, cohort_field, values, bonus, deduct, veto, factors, weights })
    }

    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The names of the fields the scheme reads (its cohort field first), for saying
    /// which are missing from a file and offering what-ifs that can change something.
    pub fn fields_used(&self) -> Vec<String> {
        let mut fields = vec![self.cohort_field];
        for policy in self.values.iter().chain(&self.bonus).chain(&self.deduct).chain(&self.veto) {
            crate::ladder::fields_read(&policy.condition, &mut fields);
            crate::ladder::fields_read(&policy.amount, &mut fields);
        }
        fields.into_iter().map(|f| self.schema.fields()[f].name.clone()).collect()
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The cohort a value falls in.
    pub fn cohort_of(&self, x: f64) -> Option<usize> {
        if x.is_nan() {
            return None;
        }
        Some(self.scheme.cohorts.bounds.partition_point(|b| *b <= x))
    }

    /// Scratch space for batches of up to `rows` rows.
    pub fn scratch(&self, rows: usize) -> Scratch {
        let programs: Vec<&plan::Program> =
            self.values.iter().chain(&self.bonus).chain(&self.deduct).chain(&self.veto).map(|p| &p.program).collect();
        Scratch::new(rows, &programs)
    }

    /// One batch's facts (the batch is made ready as the ladder's are: empty flags are 0,
    /// the assessment date is `on`).
    pub fn batch_facts(&self, batch: &mut Batch, on: NaiveDate, scratch: &mut Scratch) -> Facts {
        prepare_batch(batch, &self.schema, on);
        let batch = &*batch;
        let mut facts = Facts::with_items(self);
        facts.len = batch.len;
        facts.cohort_value = cohort_values(batch, self.cohort_field);
        let mut numbers = Vec::new();
        for (i, policy) in self.values.iter().enumerate() {
            plan::run_numbers(policy, batch, scratch, &mut numbers);
            facts.values[i] = numbers.iter().map(|n| if let Number::Value(v) = n { *v } else { f64::NAN }).collect();
            facts.errors[i] = numbers.iter().map(|n| matches!(n, Number::Error)).collect();
        }
        for (policies, out) in
            [(&self.bonus, &mut facts.bonus), (&self.deduct, &mut facts.deduct), (&self.veto, &mut facts.veto)]
        {
            for (policy, holds) in policies.iter().zip(out.iter_mut()) {
                let outcome = plan::run(policy, batch, scratch);
                *holds = vec![false; batch.len];
                for (row, _) in &outcome.paid {
                    holds[*row as usize] = true;
                }
            }
        }
        facts
    }

    /// Every batch's facts, in order, on `threads` threads.
    pub fn facts(&self, batches: &mut [Batch], on: NaiveDate, threads: usize) -> Facts {
        let rows = batches.iter().map(|b| b.len).max().unwrap_or(0);
        let threads = threads.clamp(1, batches.len().max(1));
        let mut parts: Vec<Option<Facts>> = vec![None; batches.len()];
        std::thread::scope(|scope| {
            let mut chunks: Vec<Vec<(&mut Batch, &mut Option<Facts>)>> = (0..threads).map(|_| Vec::new()).collect();
            for (i, pair) in batches.iter_mut().zip(parts.iter_mut()).enumerate() {
                chunks[i % threads].push(pair);
            }
            for chunk in chunks {
                scope.spawn(move || {
                    let mut scratch = self.scratch(rows);
                    for (batch, out) in chunk {
                        *out = Some(self.batch_facts(batch, on, &mut scratch));
                    }
                });
            }
        });
        let mut all = Facts::with_items(self);
        for part in parts.into_iter().flatten() {
            all.append(part);
        }
        all
    }

    /// Which firms are in each cohort and not vetoed (the firms that are scored and
    /// ranked), and every firm's cohort and veto.
    fn members(&self, facts: &Facts) -> (Vec<Option<usize>>, Vec<bool>, Vec<Vec<u32>>) {
        let cohorts: Vec<Option<usize>> = facts.cohort_value.iter().map(|x| self.cohort_of(*x)).collect();
        let vetoed: Vec<bool> = (0..facts.len).map(|f| facts.veto.iter().any(|v| v[f])).collect();
        let mut members = vec![Vec::new(); self.scheme.cohorts.names.len()];
        for (firm, cohort) in cohorts.iter().enumerate() {
            if let Some(c) = cohort
                && !vetoed[firm]
            {
                members[*c].push(firm as u32);
            }
        }
        (cohorts, vetoed, members)
    }

    /// One indicator's normalised values in one cohort, aligned with `members` (NaN
    /// where a member has no value), and the values present, ascending.
    fn normalise(&self, facts: &Facts, indicator: usize, members: &[u32]) -> (Vec<f64>, Vec<f64>) {
        let values = &facts.values[indicator];
        // Sorted by the double's order as an integer key (cheaper than comparing
        // doubles); equal values are adjacent whatever their order, which is all that
        // average ranks need.
        let mut present: Vec<(u64, u32)> = members
            .iter()
            .enumerate()
            .filter(|(_, f)| !values[**f as usize].is_nan())
            .map(|(at, f)| (order_key(values[*f as usize]), at as u32))
            .collect();
        present.sort_unstable();
        let sorted: Vec<f64> = present.iter().map(|p| values[members[p.1 as usize] as usize]).collect();
        let direction = self.scheme.indicators[indicator].direction;
        let normalised = match self.scheme.normalise {
            Normalise::Percentile => normalise::percentile(&sorted, direction),
            Normalise::Minmax => normalise::minmax(&sorted, direction),
        };
        let mut dense = vec![f64::NAN; members.len()];
        for ((_, at), n) in present.iter().zip(normalised) {
            dense[*at as usize] = n;
        }
        (dense, sorted)
    }

    /// One cohort worked out: each indicator's normalised values (aligned with the
    /// members, NaN where a member has no value) and sorted values, each member's
    /// unrounded points, and their scores, ranks and lists. The normalisations run on
    /// `threads` threads; the points are always added in the scheme's order (indicators,
    /// then bonuses, minus deductions, never below 0), so the result does not depend on
    /// the number of threads. [`Scorer::score`] and [`Scorer::explain`] both read it.
    fn cohort_view(&self, facts: &Facts, cohort: usize, members: Vec<u32>, threads: usize) -> CohortView {
        let count = self.scheme.indicators.len();
        let mut worked: Vec<Worked> = vec![(Vec::new(), Vec::new()); count];
        let threads = threads.clamp(1, count);
        if threads == 1 {
            for (indicator, out) in worked.iter_mut().enumerate() {
                *out = self.normalise(facts, indicator, &members);
            }
        } else {
            std::thread::scope(|scope| {
                let mut chunks: Vec<Vec<(usize, &mut Worked)>> = (0..threads).map(|_| Vec::new()).collect();
                for (indicator, out) in worked.iter_mut().enumerate() {
                    chunks[indicator % threads].push((indicator, out));
                }
                for chunk in chunks {
                    let members = &members;
                    scope.spawn(move || {
                        for (indicator, out) in chunk {
                            *out = self.normalise(facts, indicator, members);
                        }
                    });
                }
            });
        }
        let mut normalised = Vec::with_capacity(count);
        let mut sorted = Vec::with_capacity(count);
        let mut points = vec![0.0; members.len()];
        for (indicator, (dense, sorted_values)) in worked.into_iter().enumerate() {
            let factor = self.factors[cohort][indicator];
            for (p, n) in points.iter_mut().zip(&dense) {
                if !n.is_nan() {
                    *p += factor * n;
                }
            }
            normalised.push(dense);
            sorted.push(sorted_values);
        }
        let indicator_points = points.clone();
        for (at, firm) in members.iter().enumerate() {
            points[at] = self.adjusted(facts, *firm as usize, points[at]);
        }
        // Ranked by position in the cohort (positions follow the firms' order).
        let cents: Vec<(i64, u32)> =
            points.iter().enumerate().map(|(at, p)| (round_half_up_cents(*p), at as u32)).collect();
        let mut scores =
            vec![FirmScore { cohort: Some(cohort), cents: None, rank: None, list: List::None }; members.len()];
        for (at, cents, rank, list) in rank_cohort(cents) {
            scores[at as usize] = FirmScore { cohort: Some(cohort), cents: Some(cents), rank: Some(rank), list };
        }
        let distributions = sorted.iter().map(|values| Distribution::of(values, None)).collect();
        CohortView { members, normalised, sorted, distributions, indicator_points, scores }
    }

    fn adjusted(&self, facts: &Facts, firm: usize, points: f64) -> f64 {
        let mut total = points;
        for (item, holds) in self.scheme.bonus.iter().zip(&facts.bonus) {
            if holds[firm] {
                total += item.points;
            }
        }
        for (item, holds) in self.scheme.deduct.iter().zip(&facts.deduct) {
            if holds[firm] {
                total -= item.points;
            }
        }
        total.max(0.0)
    }

    /// Every firm's cohort, score, rank and list.
    pub fn score(&self, facts: &Facts) -> Vec<FirmScore> {
        self.score_parallel(facts, 1)
    }

    /// The result of a firm outside every cohort's ranking: unscored or vetoed.
    fn unranked(cohort: Option<usize>, vetoed: bool) -> FirmScore {
        match cohort {
            None => FirmScore { cohort: None, cents: None, rank: None, list: List::MissingData },
            Some(c) if vetoed => FirmScore { cohort: Some(c), cents: Some(0), rank: None, list: List::Vetoed },
            Some(c) => FirmScore { cohort: Some(c), cents: None, rank: None, list: List::None },
        }
    }

    /// [`Scorer::score`] with each cohort's normalisations on `threads` threads (the
    /// same result whatever their number).
    pub fn score_parallel(&self, facts: &Facts, threads: usize) -> Vec<FirmScore> {
        let (cohorts, vetoed, members) = self.members(facts);
        let mut out: Vec<FirmScore> = (0..facts.len).map(|f| Self::unranked(cohorts[f], vetoed[f])).collect();
        for (cohort, members) in members.into_iter().enumerate() {
            let view = self.cohort_view(facts, cohort, members, threads);
            for (firm, score) in view.members.iter().zip(view.scores) {
                out[*firm as usize] = score;
            }
        }
        out
    }

    /// One firm's breakdown: its cohort, each indicator's value, the cohort's
    /// distribution, the normalised value and points, the items that hold, its score,
    /// rank and list, all from the same functions as [`Scorer::score`].
    pub fn explain(&self, facts: &Facts, firm: usize) -> Breakdown {
        let (cohorts, vetoed, mut members) = self.members(facts);
        let view = cohorts[firm].map(|c| self.cohort_view(facts, c, std::mem::take(&mut members[c]), 1));
        self.breakdown_in(facts, firm, cohorts[firm], vetoed[firm], view.as_ref())
    }

    /// Every firm's breakdown (for storing a district's run: each cohort worked out once).
    pub fn explain_all(&self, facts: &Facts, threads: usize) -> Vec<Breakdown> {
        let (cohorts, vetoed, members) = self.members(facts);
        let views: Vec<CohortView> =
            members.into_iter().enumerate().map(|(c, m)| self.cohort_view(facts, c, m, threads)).collect();
        (0..facts.len)
            .map(|f| self.breakdown_in(facts, f, cohorts[f], vetoed[f], cohorts[f].map(|c| &views[c])))
            .collect()
    }

    fn breakdown_in(
        &self,
        facts: &Facts,
        firm: usize,
        cohort: Option<usize>,
        vetoed: bool,
        view: Option<&CohortView>,
    ) -> Breakdown {
        let scheme = &self.scheme;
        let at = view.and_then(|v| v.members.binary_search(&(firm as u32)).ok());
        let mut indicators = Vec::new();
        for (i, def) in scheme.indicators.iter().enumerate() {
            let value = facts.values[i][firm];
            let value = (!value.is_nan()).then_some(value);
            let normalised = view.zip(at).map(|(v, at)| v.normalised[i][at]).filter(|n| !n.is_nan());
            let (weight, factor) = match cohort {
                Some(c) => (self.weights[c][i], self.factors[c][i]),
                None => (def.weight, 0.0),
            };
            let none_reason = match value {
                Some(_) => None,
                None if facts.errors[i][firm] => Some(crate::policy::exact::DIVISION_BY_ZERO),
                None => Some("缺数据"),
            };
            let distribution = match view {
                Some(v) => v.distributions[i].marked(&v.sorted[i], value),
                None => Distribution::of(&[], value),
            };
            indicators.push(IndicatorLine {
                id: def.id.clone(),
                name: def.name.clone(),
                group: def.group.clone(),
                expression: def.value.clone(),
                direction: def.direction,
                weight,
                value,
                none_reason,
                normalised,
                points: normalised.map_or(0.0, |n| factor * n),
                distribution,
            });
        }
        let line = |id: &str, name: &str, when: &str, points: f64, holds: bool| ItemLine {
            id: id.to_string(),
            name: name.to_string(),
            when: when.to_string(),
            points,
            holds,
        };
        let items = |defs: &[Adjustment], holds: &[Vec<bool>]| -> Vec<ItemLine> {
            defs.iter().zip(holds).map(|(d, h)| line(&d.id, &d.name, &d.when, d.points, h[firm])).collect()
        };
        let score = match (view, at) {
            (Some(v), Some(at)) => v.scores[at],
            _ => Self::unranked(cohort, vetoed),
        };
        Breakdown {
            scheme: scheme.name.clone(),
            normalise: scheme.normalise,
            scale: scheme.scale,
            cohort_field: scheme.cohorts.field.clone(),
            cohort_value: (!facts.cohort_value[firm].is_nan()).then_some(facts.cohort_value[firm]),
            cohort_name: cohort.map(|c| scheme.cohorts.names[c].clone()),
            cohort_size: view.map_or(0, |v| v.members.len()),
            indicator_points: match (view, at) {
                (Some(v), Some(at)) => v.indicator_points[at],
                _ => 0.0,
            },
            score,
            indicators,
            bonus: items(&scheme.bonus, &facts.bonus),
            deduct: items(&scheme.deduct, &facts.deduct),
            veto: scheme
                .veto
                .iter()
                .zip(&facts.veto)
                .map(|(v, h)| line(&v.id, &v.name, &v.when, 0.0, h[firm]))
                .collect(),
        }
    }

    /// The firm's breakdown after its data changed (`changed` holds the firm's new facts
    /// in its row 0): the rest of the cohort is as it was.
    pub fn what_if(&self, facts: &Facts, firm: usize, changed: &Facts) -> (Breakdown, Breakdown) {
        let before = self.explain(facts, firm);
        let mut after_facts = facts.clone();
        after_facts.replace_row(firm, changed, 0);
        (before, self.explain(&after_facts, firm))
    }

    /// The exact explanation of one item's condition or one indicator's value on one
    /// row of a batch (the rule language's tree), for a firm's page.
    pub fn explain_steps(&self, batch: &Batch, row: usize) -> ExpressionSteps {
        let record = crate::policy::columns::Row { batch, row };
        let value_steps = |policies: &[Policy]| policies.iter().map(|p| p.explain(&record).amount).collect();
        let condition_steps = |policies: &[Policy]| -> Vec<(Step, bool)> {
            policies
                .iter()
                .map(|p| {
                    let e = p.explain(&record);
                    (e.condition, matches!(e.verdict, Verdict::Paid(_)))
                })
                .collect()
        };
        ExpressionSteps {
            indicators: value_steps(&self.values),
            bonus: condition_steps(&self.bonus),
            deduct: condition_steps(&self.deduct),
            veto: condition_steps(&self.veto),
        }
    }
}

/// One indicator normalised in a cohort: the values aligned with the members, and the
/// values present in ascending order.
type Worked = (Vec<f64>, Vec<f64>);

/// One cohort worked out (see `Scorer::cohort_view`); everything aligned with `members`.
struct CohortView {
    /// The firms ranked in it (not vetoed), ascending.
    members: Vec<u32>,
    /// Per indicator, per member: the normalised value (NaN: no value).
    normalised: Vec<Vec<f64>>,
    /// Per indicator: the members' values, ascending.
    sorted: Vec<Vec<f64>>,
    /// Per indicator: the distribution of `sorted` (each firm marks its own bin).
    distributions: Vec<Distribution>,
    /// Per member: the indicators' points before bonuses and deductions.
    indicator_points: Vec<f64>,
    scores: Vec<FirmScore>,
}

/// The rule language's trees for a firm's values and conditions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpressionSteps {
    pub indicators: Vec<Step>,
    pub bonus: Vec<(Step, bool)>,
    pub deduct: Vec<(Step, bool)>,
    pub veto: Vec<(Step, bool)>,
}

/// Ranks a cohort's rounded scores: highest first, equal scores sharing a rank
/// (1, 2, 2, 4), and the list each rank earns. Returns (firm, cents, rank, list).
pub fn rank_cohort(mut cents: Vec<(i64, u32)>) -> Vec<(u32, i64, u32, List)> {
    cents.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = cents.len();
    let mut out = Vec::with_capacity(n);
    let mut rank = 0u32;
    for (position, (score, firm)) in cents.iter().enumerate() {
        if position == 0 || cents[position - 1].0 != *score {
            rank = position as u32 + 1;
        }
        out.push((*firm, *score, rank, list_for_rank(rank, n)));
    }
    out
}

/// A double as an integer in the same order (negative numbers flipped, positive ones
/// above them), for sorting.
fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// The cohort field's values as doubles (NaN where empty).
fn cohort_values(batch: &Batch, field: usize) -> Vec<f64> {
    use crate::policy::columns::Column;
    use arrow_array::Array;
    match &batch.columns[field] {
        Column::Decimal { approx, .. } => {
            (0..batch.len).map(|r| if approx.is_valid(r) { approx.value(r) } else { f64::NAN }).collect()
        }
        Column::Int(values) => {
            (0..batch.len).map(|r| if values.is_valid(r) { values.value(r) as f64 } else { f64::NAN }).collect()
        }
        _ => vec![f64::NAN; batch.len],
    }
}

#[cfg(test)]
mod tests;
