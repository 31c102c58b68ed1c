//! On-site observation meetings. So far: recomputing a published ranking from a ballot
//! file alone (`fengkou meeting rank`), so that anyone can audit a result without the
//! database. The methods themselves are in `fengkou_domain::observation`.

use fengkou_domain::observation::{
    Aggregation, Ranked, UnitScore, VoidBallot, aggregate_scores, rank_ballots, ranking, ranking_by_group,
};
use fengkou_office::RowProblem;
use fengkou_office::ballots::{read_rank_ballots, read_scores};
use rust_decimal::Decimal;

/// How a ballot file is to be read and scored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RankMethod {
    /// `judge,unit,rank[,group]`; rank k earns 100 − step·(k−1).
    RankBallot { step: Decimal },
    /// `judge,unit,score`, aggregated per unit.
    Score(Aggregation),
}

/// A place in a recomputed ranking; with groups, ranks restart at 1 in each group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RankedUnit {
    pub unit: String,
    pub score: String,
    pub rank: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// The ranking, and the ballots left out (with reasons).
#[derive(Debug, Clone)]
pub struct RankResult {
    pub ranking: Vec<RankedUnit>,
    pub void: Vec<VoidBallot>,
}

fn ungrouped(ranked: Vec<Ranked>) -> Vec<RankedUnit> {
    ranked.into_iter().map(|r| RankedUnit { unit: r.unit, score: r.score, rank: r.rank, group: None }).collect()
}

/// Ranks the units of a CSV ballot file; a malformed file gives every bad row.
pub fn rank_file(bytes: &[u8], method: RankMethod) -> Result<RankResult, Vec<RowProblem>> {
    match method {
        RankMethod::RankBallot { step } => {
            let lines = read_rank_ballots(bytes)?;
            let (scores, void) = rank_ballots(&lines, step);
            if lines.iter().all(|l| l.group.is_none()) {
                return Ok(RankResult { ranking: ungrouped(ranking(&scores)), void });
            }
            // A unit is ranked within the group its ballots put it in.
            let group_of =
                |unit: &str| lines.iter().find(|l| l.unit == unit).and_then(|l| l.group.clone()).unwrap_or_default();
            let grouped: Vec<(String, UnitScore)> = scores.into_iter().map(|s| (group_of(&s.unit), s)).collect();
            let ranking = ranking_by_group(&grouped)
                .into_iter()
                .map(|(group, r)| RankedUnit { unit: r.unit, score: r.score, rank: r.rank, group: Some(group) })
                .collect();
            Ok(RankResult { ranking, void })
        }
        RankMethod::Score(how) => {
            let lines = read_scores(bytes)?;
            Ok(RankResult { ranking: ungrouped(ranking(&aggregate_scores(&lines, how))), void: Vec::new() })
        }
    }
}
