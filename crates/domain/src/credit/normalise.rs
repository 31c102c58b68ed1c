//! The arithmetic of the credit within a cohort: normalisation (percentile with
//! average ranks for ties, or min-max), the rounding of a score, the lists a rank
//! earns, and the distribution a firm's page draws.

use super::{Direction, List};
use num_bigint::BigInt;
use num_rational::BigRational;
use serde::Serialize;

/// The average rank (from 1, ascending) of each value of a sorted slice; equal values
/// share the average of their ranks (a multiple of ½, exact in a double).
pub fn average_ranks(sorted: &[f64]) -> Vec<f64> {
    let mut ranks = Vec::with_capacity(sorted.len());
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        while end < sorted.len() && sorted[end] == sorted[start] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end.
        let average = (start + 1 + end) as f64 / 2.0;
        ranks.extend(std::iter::repeat_n(average, end - start));
        start = end;
    }
    ranks
}

/// Percentile normalisation of ascending values: `(average rank − 1) / (n − 1)`, ranks
/// from the lowest value for `higher` and from the highest for `lower`; 1 when n = 1.
pub fn percentile(sorted: &[f64], direction: Direction) -> Vec<f64> {
    let n = sorted.len();
    if n <= 1 {
        return vec![1.0; n];
    }
    let below = (n - 1) as f64;
    average_ranks(sorted)
        .into_iter()
        .map(|rank| match direction {
            Direction::Higher => (rank - 1.0) / below,
            // The rank from the highest is n + 1 − rank.
            Direction::Lower => (n as f64 - rank) / below,
        })
        .collect()
}

/// Min-max normalisation of ascending values; 0.5 for every value when all are equal.
pub fn minmax(sorted: &[f64], direction: Direction) -> Vec<f64> {
    let (Some(min), Some(max)) = (sorted.first().copied(), sorted.last().copied()) else { return Vec::new() };
    if max == min {
        return vec![0.5; sorted.len()];
    }
    let span = max - min;
    sorted
        .iter()
        .map(|v| match direction {
            Direction::Higher => (v - min) / span,
            Direction::Lower => (max - v) / span,
        })
        .collect()
}

/// A non-negative score rounded half-up to hundredths, as an integer (812.405 → the
/// double nearest 812.405 is 812.40499…, so 81240). A double's exact value decides: the
/// fast path is used only when the hundredths are clearly away from a half.
pub fn round_half_up_cents(score: f64) -> i64 {
    let scaled = score * 100.0;
    if scaled.is_finite() && (0.0..1e12).contains(&scaled) {
        let floor = scaled.floor();
        // The product's rounding error is below 1e-4 here; a margin of 1e-3 is safe.
        if (scaled - floor - 0.5).abs() > 1e-3 {
            return if scaled - floor > 0.5 { floor as i64 + 1 } else { floor as i64 };
        }
    }
    let Some(exact) = BigRational::from_float(score) else { return 0 };
    let hundred = BigRational::from_integer(BigInt::from(100));
    let half = BigRational::new(BigInt::from(1), BigInt::from(2));
    let rounded = (exact * hundred + half).floor().to_integer();
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// The list a rank earns in a cohort of `n` ranked firms: 领跑 rank ≤ ⌈5 % n⌉, 竞跑 ≤
/// ⌈10 % n⌉, 进取 ≤ ⌈20 % n⌉ (integers, so n = 20 gives exactly 1, 2, 4).
pub fn list_for_rank(rank: u32, n: usize) -> List {
    let limit = |percent: usize| (percent * n).div_ceil(100) as u32;
    if rank <= limit(5) {
        List::Lead
    } else if rank <= limit(10) {
        List::Chase
    } else if rank <= limit(20) {
        List::Strive
    } else {
        List::None
    }
}

/// How an indicator's values spread in a cohort, for the small chart on a firm's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// Firms with a value.
    pub n: usize,
    pub min: Option<f64>,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub max: Option<f64>,
    /// Ten equal bins from min to max (all in the first when min = max).
    pub bins: Vec<u32>,
    /// The bin of the firm's own value.
    pub firm_bin: Option<usize>,
}

impl Distribution {
    pub const BINS: usize = 10;

    /// This distribution (of `sorted`) with the firm's value marked: the same bins as
    /// [`Distribution::of`] would give, without counting them again for every firm.
    pub fn marked(&self, sorted: &[f64], firm: Option<f64>) -> Distribution {
        let mut out = self.clone();
        out.firm_bin = match (firm, self.min, self.max) {
            (Some(v), Some(lo), Some(hi)) if !sorted.is_empty() => Some(Self::bin_of(v.clamp(lo, hi), lo, hi)),
            _ => None,
        };
        out
    }

    fn bin_of(v: f64, lo: f64, hi: f64) -> usize {
        if hi > lo { (((v - lo) / (hi - lo) * Self::BINS as f64) as usize).min(Self::BINS - 1) } else { 0 }
    }

    /// The distribution of ascending values, with the firm's value marked.
    pub fn of(sorted: &[f64], firm: Option<f64>) -> Distribution {
        let n = sorted.len();
        let quantile = |q: f64| -> Option<f64> {
            if n == 0 {
                return None;
            }
            let at = q * (n - 1) as f64;
            let (low, high) = (at.floor() as usize, at.ceil() as usize);
            Some(sorted[low] + (sorted[high] - sorted[low]) * (at - low as f64))
        };
        let (min, max) = (sorted.first().copied(), sorted.last().copied());
        let bin = |v: f64| -> usize {
            match (min, max) {
                (Some(lo), Some(hi)) if hi > lo => {
                    (((v - lo) / (hi - lo) * Self::BINS as f64) as usize).min(Self::BINS - 1)
                }
                _ => 0,
            }
        };
        let mut bins = vec![0u32; if n == 0 { 0 } else { Self::BINS }];
        for v in sorted {
            bins[bin(*v)] += 1;
        }
        Distribution {
            n,
            min,
            q1: quantile(0.25),
            median: quantile(0.5),
            q3: quantile(0.75),
            max,
            bins,
            firm_bin: firm.filter(|_| n > 0).map(|v| bin(v.clamp(min.unwrap_or(v), max.unwrap_or(v)))),
        }
    }
}
