//! On-site observation meetings. So far: recomputing a published ranking from a ballot
//! file alone (`fengkou meeting rank`), so that anyone can audit a result without the
//! database. The methods themselves are in `fengkou_domain::observation`.

use fengkou_domain::observation::{Aggregation, Ranked, VoidBallot, aggregate_scores, rank_ballots, ranking};
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

/// The ranking, and the ballots left out (with reasons).
#[derive(Debug, Clone)]
pub struct RankResult {
    pub ranking: Vec<Ranked>,
    pub void: Vec<VoidBallot>,
}

/// Ranks the units of a CSV ballot file; a malformed file gives every bad row.
pub fn rank_file(bytes: &[u8], method: RankMethod) -> Result<RankResult, Vec<RowProblem>> {
    match method {
        RankMethod::RankBallot { step } => {
            let lines = read_rank_ballots(bytes)?;
            let (scores, void) = rank_ballots(&lines, step);
            Ok(RankResult { ranking: ranking(&scores), void })
        }
        RankMethod::Score(how) => {
            let lines = read_scores(bytes)?;
            Ok(RankResult { ranking: ranking(&aggregate_scores(&lines, how)), void: Vec::new() })
        }
    }
}
