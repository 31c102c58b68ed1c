//! On-site observation meetings (现场观摩评比): the scoring methods really in use and
//! how judges' numbers become a ranking. Every method is a pure function; the app
//! feeds it ballots from the database, `fengkou meeting rank` feeds it a CSV file so
//! that anyone can recompute a published result.
//!
//! - [`rank_ballots`]: each judge ranks the units; rank k earns 100 − step·(k−1) points
//!   (济宁 2015: step 3); a ballot with ties or gaps is void and says why.
//! - [`aggregate_scores`]: judges' totals per unit, by mean, trimmed mean (drop one
//!   highest and one lowest when a unit has ≥ 5 scores) or per-judge z-scores rescaled
//!   to mean 100 / SD 20 (FIRST LEGO League's normalisation).
//! - [`ranking`]: scores rounded half-up to 2 decimals, best first, equal scores
//!   sharing a rank.
//! - [`points_formula`]: the ledger-driven formula (延安 2017), no judge needed.
//! - [`band`]: 优秀 / 良好 / 一般 by cut-offs.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One line of a rank ballot: a judge puts a unit at a rank (within a group, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankLine {
    pub judge: String,
    pub group: Option<String>,
    pub unit: String,
    pub rank: u32,
}

/// A ballot that does not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct VoidBallot {
    pub judge: String,
    pub group: Option<String>,
    pub reason: String,
}

/// A unit's score before ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitScore {
    pub unit: String,
    pub score: Decimal,
    /// How many ballots or scores it rests on.
    pub votes: usize,
}

/// Points for rank `k`: 100 − step·(k−1).
pub fn rank_points(rank: u32, step: Decimal) -> Decimal {
    Decimal::from(100) - step * Decimal::from(rank.saturating_sub(1))
}

/// Checks one judge's ranking (within one group): ranks 1..n, each once, each unit once.
fn check_ballot(lines: &[&RankLine]) -> Result<(), String> {
    let mut units: HashMap<&str, u32> = HashMap::new();
    for l in lines {
        if let Some(previous) = units.insert(l.unit.as_str(), l.rank) {
            return Err(format!("“{}”被排了两次（第{}名和第{}名）", l.unit, previous, l.rank));
        }
    }
    let mut ranks: Vec<u32> = lines.iter().map(|l| l.rank).collect();
    ranks.sort_unstable();
    for pair in ranks.windows(2) {
        if pair[0] == pair[1] {
            let tied: Vec<&str> = lines.iter().filter(|l| l.rank == pair[0]).map(|l| l.unit.as_str()).collect();
            return Err(format!("并列第{}名：{}（不允许并列）", pair[0], tied.join("、")));
        }
    }
    if let Some(zero) = ranks.iter().find(|r| **r == 0) {
        return Err(format!("名次须从1开始（出现第{zero}名）"));
    }
    for (i, r) in ranks.iter().enumerate() {
        let expected = i as u32 + 1;
        if *r != expected {
            return Err(format!("缺少第{expected}名（名次须连续，从1到{}）", ranks.len()));
        }
    }
    Ok(())
}

/// Scores units from rank ballots. A unit's score is the mean of its points over the
/// valid ballots (with groups, each group's ballots rank only that group's units).
/// Void ballots are returned with their reasons and left out.
pub fn rank_ballots(lines: &[RankLine], step: Decimal) -> (Vec<UnitScore>, Vec<VoidBallot>) {
    let mut ballots: BTreeMap<(&str, Option<&str>), Vec<&RankLine>> = BTreeMap::new();
    for l in lines {
        ballots.entry((l.judge.as_str(), l.group.as_deref())).or_default().push(l);
    }
    let mut void = Vec::new();
    let mut points: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for ((judge, group), ballot) in &ballots {
        match check_ballot(ballot) {
            Ok(()) => {
                for l in ballot {
                    points.entry(l.unit.as_str()).or_default().push(rank_points(l.rank, step));
                }
            }
            Err(reason) => void.push(VoidBallot { judge: judge.to_string(), group: group.map(str::to_string), reason }),
        }
    }
    let scores = points
        .into_iter()
        .map(|(unit, p)| UnitScore {
            unit: unit.to_string(),
            votes: p.len(),
            score: p.iter().copied().sum::<Decimal>() / Decimal::from(p.len()),
        })
        .collect();
    (scores, void)
}

/// One judge's total for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreLine {
    pub judge: String,
    pub unit: String,
    pub score: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Aggregation {
    Mean,
    /// Drop one highest and one lowest score of a unit that has at least five.
    Trimmed,
    /// Standardise each judge's scores (population SD), rescale to mean 100, SD 20.
    ZScore,
}

crate::code::coded!(Aggregation, "汇总方法", Aggregation::ALL);

impl Aggregation {
    pub const ALL: [Aggregation; 3] = [Aggregation::Mean, Aggregation::Trimmed, Aggregation::ZScore];

    pub fn code(self) -> &'static str {
        match self {
            Aggregation::Mean => "mean",
            Aggregation::Trimmed => "trimmed",
            Aggregation::ZScore => "zscore",
        }
    }

    pub fn from_code(code: &str) -> Option<Aggregation> {
        <Aggregation as crate::code::Coded>::from_code(code)
    }
}

pub const TRIM_MIN_SCORES: usize = 5;

fn mean(values: &[Decimal]) -> Decimal {
    if values.is_empty() {
        Decimal::ZERO
    } else {
        values.iter().copied().sum::<Decimal>() / Decimal::from(values.len())
    }
}

/// Aggregates judges' scores per unit.
pub fn aggregate_scores(lines: &[ScoreLine], how: Aggregation) -> Vec<UnitScore> {
    let values: Vec<Decimal> = match how {
        Aggregation::ZScore => zscores(lines),
        _ => lines.iter().map(|l| l.score).collect(),
    };
    let mut per_unit: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for (l, v) in lines.iter().zip(values) {
        per_unit.entry(l.unit.as_str()).or_default().push(v);
    }
    per_unit
        .into_iter()
        .map(|(unit, mut v)| {
            let votes = v.len();
            if how == Aggregation::Trimmed && v.len() >= TRIM_MIN_SCORES {
                v.sort();
                v.remove(0);
                v.pop();
            }
            UnitScore { unit: unit.to_string(), score: mean(&v), votes }
        })
        .collect()
}

/// Each score as 100 + 20·z within its judge's scores (z = 0 when a judge gave every
/// unit the same score). Square roots need floats; the result returns to Decimal.
fn zscores(lines: &[ScoreLine]) -> Vec<Decimal> {
    let mut by_judge: HashMap<&str, Vec<f64>> = HashMap::new();
    for l in lines {
        by_judge.entry(l.judge.as_str()).or_default().push(l.score.to_f64().unwrap_or(0.0));
    }
    let stats: HashMap<&str, (f64, f64)> = by_judge
        .into_iter()
        .map(|(j, v)| {
            let n = v.len() as f64;
            let mu = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / n).sqrt();
            (j, (mu, sd))
        })
        .collect();
    lines
        .iter()
        .map(|l| {
            let (mu, sd) = stats[l.judge.as_str()];
            let x = l.score.to_f64().unwrap_or(0.0);
            let z = if sd > 0.0 { (x - mu) / sd } else { 0.0 };
            Decimal::from_f64(100.0 + 20.0 * z).unwrap_or(Decimal::ONE_HUNDRED)
        })
        .collect()
}

/// A place in the published ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub unit: String,
    /// Rounded half-up to two decimals, e.g. "97.12".
    pub score: String,
    pub rank: u32,
}

/// Rounds to two decimals half-up (as results are published).
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Best first; units whose rounded scores are equal share a rank (1, 1, 3 …); ties
/// are listed by unit name so that the output is stable.
pub fn ranking(scores: &[UnitScore]) -> Vec<Ranked> {
    let mut rounded: Vec<(Decimal, &str)> = scores.iter().map(|s| (round2(s.score), s.unit.as_str())).collect();
    rounded.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<Ranked> = Vec::with_capacity(rounded.len());
    for (i, (score, unit)) in rounded.iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if i > 0 && rounded[i - 1].0 == *score => prev.rank,
            _ => i as u32 + 1,
        };
        out.push(Ranked { unit: unit.to_string(), score: format!("{score:.2}"), rank });
    }
    out
}

/// Where a site's project stands, for the formula's first item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StartKind {
    /// Started in the meeting's year (新开工, +5).
    NewStart,
    /// Under construction (开工 or 建设) since an earlier year (续建, +2).
    Continuing,
    /// Neither: not started (谋划, 洽谈, 签约), or in production since an earlier year.
    /// No start points.
    Neither,
}

impl StartKind {
    /// 续建 points go only to projects under construction (开工 or 建设).
    pub fn of(started_in_meeting_year: bool, stage: crate::project::Stage) -> StartKind {
        use crate::project::Stage;
        if started_in_meeting_year && stage.is_started() {
            StartKind::NewStart
        } else if matches!(stage, Stage::Started | Stage::Building) {
            StartKind::Continuing
        } else {
            StartKind::Neither
        }
    }
}

/// What the ledger says about a site, for the points formula (延安 2017).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FormulaFacts {
    pub start: StartKind,
    /// This year's plan, in 万元.
    pub annual_plan_wan: Decimal,
    pub kind: ProjectKind,
    pub completed_wan: Decimal,
    pub in_production: bool,
    pub at_concentrated_start: bool,
    /// Deductions for criticism, as a positive number of points (5 to 20 each).
    pub penalties: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProjectKind {
    /// 产业
    Industrial,
    /// 民生
    Social,
    /// 功能 (infrastructure)
    Functional,
}

/// 延安 2017, item by item so that a published score can be traced: new start +5 /
/// continuing +2; plan ≥10亿 +20, 5–10亿 +10, 1–5亿 +6, <1亿 +3; 产业 +15, 民生 +8,
/// 功能 +6; progress 60 × completed / plan (capped at 60); 投产 +20; concentrated start
/// event +30; minus penalties.
pub fn formula_items(f: &FormulaFacts) -> Vec<(&'static str, Decimal)> {
    let wan = |yi: i64| Decimal::from(yi * 10_000);
    let mut items = vec![
        match f.start {
            StartKind::NewStart => ("新开工", Decimal::from(5)),
            StartKind::Continuing => ("续建", Decimal::from(2)),
            StartKind::Neither => ("未在建（无开工/续建分）", Decimal::ZERO),
        },
        if f.annual_plan_wan >= wan(10) {
            ("年度计划10亿元以上", Decimal::from(20))
        } else if f.annual_plan_wan >= wan(5) {
            ("年度计划5–10亿元", Decimal::from(10))
        } else if f.annual_plan_wan >= wan(1) {
            ("年度计划1–5亿元", Decimal::from(6))
        } else {
            ("年度计划1亿元以下", Decimal::from(3))
        },
        match f.kind {
            ProjectKind::Industrial => ("产业项目", Decimal::from(15)),
            ProjectKind::Social => ("民生项目", Decimal::from(8)),
            ProjectKind::Functional => ("功能项目", Decimal::from(6)),
        },
    ];
    if f.annual_plan_wan > Decimal::ZERO {
        let progress = (Decimal::from(60) * f.completed_wan / f.annual_plan_wan).min(Decimal::from(60));
        items.push(("投资进度（60×完成/计划）", progress.max(Decimal::ZERO)));
    }
    if f.in_production {
        items.push(("已投产", Decimal::from(20)));
    }
    if f.at_concentrated_start {
        items.push(("集中开工活动", Decimal::from(30)));
    }
    if !f.penalties.is_zero() {
        items.push(("通报批评扣分", -f.penalties));
    }
    items
}

pub fn points_formula(f: &FormulaFacts) -> Decimal {
    formula_items(f).iter().map(|(_, p)| *p).sum()
}

/// The scoring methods a meeting can use (DOMAIN.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Judges score each site on the rubric.
    Rubric,
    /// Judges rank the offices; rank k earns 100 − step·(k−1).
    RankBallot,
    /// Points from the ledger alone, no judges.
    Formula,
    /// A weighted mix of the three.
    Composite,
}

crate::code::coded!(Method, "评比方法", Method::ALL);

impl Method {
    pub const ALL: [Method; 4] = [Method::Rubric, Method::RankBallot, Method::Formula, Method::Composite];

    pub fn from_code(code: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Method::Rubric => "rubric",
            Method::RankBallot => "rank_ballot",
            Method::Formula => "formula",
            Method::Composite => "composite",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Rubric => "评委按细则打分",
            Method::RankBallot => "评委排名投票",
            Method::Formula => "台账积分公式",
            Method::Composite => "综合（加权）",
        }
    }

    /// Whether judges score the sites on the rubric / rank the offices, given the
    /// composite's weights (rubric, rank).
    pub fn needs(self, weight_rubric: Decimal, weight_rank: Decimal) -> (bool, bool) {
        match self {
            Method::Rubric => (true, false),
            Method::RankBallot => (false, true),
            Method::Formula => (false, false),
            Method::Composite => (weight_rubric > Decimal::ZERO, weight_rank > Decimal::ZERO),
        }
    }

    /// Whether the project office enters formula inputs for the sites (the formula
    /// method, or a composite that gives the formula a weight).
    pub fn uses_formula(self, weight_formula: Decimal) -> bool {
        match self {
            Method::Formula => true,
            Method::Composite => weight_formula > Decimal::ZERO,
            Method::Rubric | Method::RankBallot => false,
        }
    }
}

/// Checks one judge's ranking of units (within one group) before it is saved: ranks
/// 1..n, each once, each unit once. The message says what is wrong.
pub fn check_ranking(lines: &[RankLine]) -> Result<(), String> {
    check_ballot(&lines.iter().collect::<Vec<_>>())
}

/// Ranks within each group (units without a group form one group); the output keeps
/// the groups in name order, each best first.
pub fn ranking_by_group(scores: &[(String, UnitScore)]) -> Vec<(String, Ranked)> {
    let mut groups: BTreeMap<&str, Vec<UnitScore>> = BTreeMap::new();
    for (group, score) in scores {
        groups.entry(group.as_str()).or_default().push(score.clone());
    }
    groups
        .into_iter()
        .flat_map(|(group, scores)| ranking(&scores).into_iter().map(move |r| (group.to_string(), r)))
        .collect()
}

/// A rubric criterion (投资规模, 建设进度, 产业层次/“风口”契合度, 科技含量, 亩均效益,
/// 现场管理 …): its weight in the 100-point total and the points a judge gives out of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub name: String,
    pub weight: Decimal,
    pub max: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RubricError {
    #[error("各项权重之和须为100（现为 {0}）")]
    WeightsNot100(String),
    #[error("“{0}”的满分须大于0")]
    BadMax(String),
    #[error("“{name}”的得分 {score} 超出范围（0 到 {max}）")]
    OutOfRange { name: String, score: String, max: String },
    #[error("缺少“{0}”的得分")]
    Missing(String),
    #[error("没有“{0}”这一评分项")]
    Unknown(String),
}

/// The rubric's criteria, checked: weights add up to 100, every maximum positive.
pub fn check_rubric(criteria: &[Criterion]) -> Result<(), RubricError> {
    let total: Decimal = criteria.iter().map(|c| c.weight).sum();
    if total != Decimal::ONE_HUNDRED {
        return Err(RubricError::WeightsNot100(total.normalize().to_string()));
    }
    if let Some(c) = criteria.iter().find(|c| c.max <= Decimal::ZERO) {
        return Err(RubricError::BadMax(c.name.clone()));
    }
    Ok(())
}

/// One judge's score for one criterion, checked against its maximum.
pub fn check_criterion_score(c: &Criterion, score: Decimal) -> Result<(), RubricError> {
    if score < Decimal::ZERO || score > c.max {
        return Err(RubricError::OutOfRange {
            name: c.name.clone(),
            score: score.normalize().to_string(),
            max: c.max.normalize().to_string(),
        });
    }
    Ok(())
}

/// A judge's total for a site on the 100-point scale: Σ weight × score / max. Every
/// criterion must be scored (a half-filled sheet is not a total).
pub fn rubric_total(criteria: &[Criterion], scores: &[(String, Decimal)]) -> Result<Decimal, RubricError> {
    if let Some((name, _)) = scores.iter().find(|(n, _)| !criteria.iter().any(|c| &c.name == n)) {
        return Err(RubricError::Unknown(name.clone()));
    }
    let mut total = Decimal::ZERO;
    for c in criteria {
        let score = scores
            .iter()
            .find(|(n, _)| *n == c.name)
            .map(|(_, s)| *s)
            .ok_or_else(|| RubricError::Missing(c.name.clone()))?;
        check_criterion_score(c, score)?;
        total += c.weight * score / c.max;
    }
    Ok(total)
}

/// How a unit's score follows from its sites' scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SiteCombination {
    Mean,
    Sum,
}

crate::code::coded!(SiteCombination, "多个现场的合成方法", SiteCombination::ALL);

impl SiteCombination {
    pub const ALL: [SiteCombination; 2] = [SiteCombination::Mean, SiteCombination::Sum];

    pub fn code(self) -> &'static str {
        match self {
            SiteCombination::Mean => "mean",
            SiteCombination::Sum => "sum",
        }
    }

    pub fn from_code(code: &str) -> Option<SiteCombination> {
        <SiteCombination as crate::code::Coded>::from_code(code)
    }
}

crate::code::coded_enum! {
    /// How a meeting bands its offices: fitted to the method ("auto": cut-offs for the
    /// rubric's 0–100 marks, shares of the ranking for ballots and formula points), by
    /// score cut-offs, or by shares of the ranking.
    BandMode, "等次划分" {
        Auto = "auto" / "自动",
        Score = "score" / "按分数线",
        Share = "share" / "按名次比例",
    }
}

crate::code::coded_enum! {
    /// A site on a meeting's route: proposed by an office, or confirmed by the project
    /// office.
    SiteStatus, "观摩点状态" {
        Proposed = "proposed" / "待确认",
        Confirmed = "confirmed" / "已确认",
    }
}

pub fn unit_from_sites(site_scores: &[Decimal], how: SiteCombination) -> Decimal {
    match how {
        SiteCombination::Mean => mean(site_scores),
        SiteCombination::Sum => site_scores.iter().copied().sum(),
    }
}

/// A bonus or penalty entered with its reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub points: Decimal,
    pub reason: String,
}

/// A composite: weighted parts (e.g. 70% judges, 30% formula; weights add to 1 or to
/// 100) plus adjustments, each with a reason.
pub fn composite(parts: &[(Decimal, Decimal)], adjustments: &[Adjustment]) -> Decimal {
    let weights: Decimal = parts.iter().map(|(_, w)| *w).sum();
    let weighted: Decimal = parts.iter().map(|(score, w)| *score * *w).sum();
    let base = if weights.is_zero() { Decimal::ZERO } else { weighted / weights };
    base + adjustments.iter().map(|a| a.points).sum::<Decimal>()
}

/// 争先进位: places gained since the previous meeting, most improved first (units
/// absent from either ranking are left out).
pub fn most_improved(previous: &[Ranked], current: &[Ranked]) -> Vec<(String, i64)> {
    let mut gains: Vec<(String, i64)> = current
        .iter()
        .filter_map(|c| {
            let before = previous.iter().find(|p| p.unit == c.unit)?;
            Some((c.unit.clone(), i64::from(before.rank) - i64::from(c.rank)))
        })
        .collect();
    gains.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    gains
}

/// 优秀 / 良好 / 一般 by cut-offs (default 90 and 80).
pub fn band(score: Decimal, excellent_from: Decimal, good_from: Decimal) -> &'static str {
    if score >= excellent_from {
        "优秀"
    } else if score >= good_from {
        "良好"
    } else {
        "一般"
    }
}

/// How a meeting's offices are put into bands. Score cut-offs fit a 0–100 mark (the
/// rubric); rank ballots (73–100 for ten offices) and formula points (often above 100)
/// are banded by shares of the ranking, or every office would be 优秀.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Banding {
    /// 优秀 from `excellent`, 良好 from `good` points.
    Scores { excellent: Decimal, good: Decimal },
    /// The top `excellent` percent of a group's ranking 优秀, the next `good` percent
    /// 良好, the rest 一般; each share rounded down ("不超过"), so that 30 % of nine
    /// offices is two, but at least one place when the share is above zero (30 % of
    /// a group of three is its first).
    Shares { excellent: Decimal, good: Decimal },
}

impl Banding {
    /// "90分以上为优秀、80分以上为良好" or "名次前30%为优秀、其后40%为良好".
    pub fn describe(&self) -> String {
        match self {
            Banding::Scores { excellent, good } => {
                format!("{}分以上为优秀、{}分以上为良好、其余为一般", excellent.normalize(), good.normalize())
            }
            Banding::Shares { excellent, good } => format!(
                "名次前{}%为优秀、其后{}%为良好、其余为一般（个数向下取整，至少1个）",
                excellent.normalize(),
                good.normalize()
            ),
        }
    }
}

/// The band of each place in one group's ranking (same order as `ranked`).
pub fn bands(ranked: &[Ranked], banding: Banding) -> Vec<&'static str> {
    match banding {
        Banding::Scores { excellent, good } => {
            ranked.iter().map(|r| band(r.score.parse().unwrap_or(Decimal::ZERO), excellent, good)).collect()
        }
        Banding::Shares { excellent, good } => {
            let n = Decimal::from(ranked.len());
            let places = |pct: Decimal| {
                let floor = (n * pct / Decimal::ONE_HUNDRED).floor().to_u32().unwrap_or(0);
                if pct > Decimal::ZERO { floor.max(1) } else { 0 }
            };
            let top = places(excellent);
            let next = places(excellent + good);
            ranked
                .iter()
                .map(|r| {
                    if r.rank <= top {
                        "优秀"
                    } else if r.rank <= next {
                        "良好"
                    } else {
                        "一般"
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests;
