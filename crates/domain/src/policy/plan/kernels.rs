//! The number kernels of the columnar evaluator: each reads its operands (a slot, a
//! decimal or integer column in place, a constant) through [`Operand`], computes a
//! value and its rounding-error bound row by row, and marks the rows whose result it
//! cannot be sure of. [`Rows`] says which rows to compute: all of a batch (whole words
//! of 64, which vectorise) or, for an amount, only those whose condition holds.

use super::{EXACT_INT, Slot, U};
use crate::policy::columns::{Batch, Column};
use crate::policy::syntax::BinOp;

/// A number operand over one batch.
pub(super) trait Operand {
    /// The value of row i and the bound on its rounding error.
    fn at(&self, i: usize) -> (f64, f64);
    fn known(&self, w: usize) -> u64;
    fn err(&self, w: usize) -> u64;
}

pub(super) struct SlotOperand<'a>(pub(super) &'a Slot);
pub(super) struct DecOperand<'a> {
    values: &'a [f64],
    known: &'a [u64],
    /// Below this size a float that is a whole number is the decimal itself (see [`exact_whole_below`]).
    whole_below: f64,
}
pub(super) struct IntOperand<'a> {
    values: &'a [i64],
    known: &'a [u64],
}
pub(super) struct ConstOperand(pub(super) f64, pub(super) f64);

impl Operand for IntOperand<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> (f64, f64) {
        // Integers are read below 2^53 (columns::parse_int): their floats are exact.
        (self.values[i] as f64, 0.0)
    }
    #[inline(always)]
    fn known(&self, w: usize) -> u64 {
        self.known[w]
    }
    #[inline(always)]
    fn err(&self, _: usize) -> u64 {
        0
    }
}

impl Operand for SlotOperand<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> (f64, f64) {
        (self.0.v[i], self.0.e[i])
    }
    #[inline(always)]
    fn known(&self, w: usize) -> u64 {
        self.0.a[w]
    }
    #[inline(always)]
    fn err(&self, w: usize) -> u64 {
        self.0.err[w]
    }
}

impl Operand for DecOperand<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> (f64, f64) {
        let x = self.values[i];
        // The nearest float of a decimal is within half an ulp of it; a whole number
        // (20000.00, 70) is exact, so comparing it with 20000 needs no second look.
        if is_exact_whole(x, self.whole_below) { (x, 0.0) } else { (x, U * x.abs()) }
    }
    #[inline(always)]
    fn known(&self, w: usize) -> u64 {
        self.known[w]
    }
    #[inline(always)]
    fn err(&self, _: usize) -> u64 {
        0
    }
}

impl Operand for ConstOperand {
    #[inline(always)]
    fn at(&self, _: usize) -> (f64, f64) {
        (self.0, self.1)
    }
    #[inline(always)]
    fn known(&self, _: usize) -> u64 {
        u64::MAX
    }
    #[inline(always)]
    fn err(&self, _: usize) -> u64 {
        0
    }
}

/// Calls `$body` with the two operands resolved to their concrete kinds, so that each
/// combination gets its own loop.
macro_rules! with_operands {
    ($done:expr, $batch:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        macro_rules! second {
            ($first:expr) => {{
                let $x = $first;
                match $b {
                    $crate::policy::plan::Src::Slot(i) => {
                        let $y = $crate::policy::plan::kernels::SlotOperand(&$done[i]);
                        $body
                    }
                    $crate::policy::plan::Src::Dec(c) => {
                        let $y = $crate::policy::plan::kernels::dec_operand($batch, c);
                        $body
                    }
                    $crate::policy::plan::Src::Int(c) => {
                        let $y = $crate::policy::plan::kernels::int_operand($batch, c);
                        $body
                    }
                    $crate::policy::plan::Src::Const(v, e) => {
                        let $y = $crate::policy::plan::kernels::ConstOperand(v, e);
                        $body
                    }
                }
            }};
        }
        match $a {
            $crate::policy::plan::Src::Slot(i) => second!($crate::policy::plan::kernels::SlotOperand(&$done[i])),
            $crate::policy::plan::Src::Dec(c) => second!($crate::policy::plan::kernels::dec_operand($batch, c)),
            $crate::policy::plan::Src::Int(c) => second!($crate::policy::plan::kernels::int_operand($batch, c)),
            $crate::policy::plan::Src::Const(v, e) => second!($crate::policy::plan::kernels::ConstOperand(v, e)),
        }
    }};
}
pub(super) use with_operands;

/// Calls `$body` with one operand resolved to its concrete kind.
macro_rules! with_operand {
    ($done:expr, $batch:expr, $src:expr, |$x:ident| $body:expr) => {{
        match $src {
            $crate::policy::plan::Src::Slot(i) => {
                let $x = $crate::policy::plan::kernels::SlotOperand(&$done[i]);
                $body
            }
            $crate::policy::plan::Src::Dec(c) => {
                let $x = $crate::policy::plan::kernels::dec_operand($batch, c);
                $body
            }
            $crate::policy::plan::Src::Int(c) => {
                let $x = $crate::policy::plan::kernels::int_operand($batch, c);
                $body
            }
            $crate::policy::plan::Src::Const(v, e) => {
                let $x = $crate::policy::plan::kernels::ConstOperand(v, e);
                $body
            }
        }
    }};
}
pub(super) use with_operand;

/// `out = f(a)` row by row, with a's known and error bits.
pub(super) fn unary(a: &impl Operand, out: &mut Slot, rows: Rows<'_>, f: impl Fn(f64, f64) -> (f64, f64)) {
    by_words(rows, |w, count, mask| {
        let base = w * 64;
        each_row!(count, mask, |k| {
            let i = base + k;
            let (v, e) = a.at(i);
            (out.v[i], out.e[i]) = f(v, e);
        });
        out.err[w] = a.err(w);
        out.a[w] = a.known(w) & !out.err[w];
    });
}

/// `out = min(out, a)` (or max): min and max move no value further than the largest bound.
pub(super) fn min_max(is_min: bool, a: &impl Operand, out: &mut Slot, rows: Rows<'_>) {
    by_words(rows, |w, count, mask| {
        let base = w * 64;
        each_row!(count, mask, |k| {
            let i = base + k;
            let (v, e) = a.at(i);
            let pick = if is_min { v < out.v[i] } else { v > out.v[i] };
            if pick {
                out.v[i] = v;
            }
            out.e[i] = out.e[i].max(e);
        });
        out.err[w] |= a.err(w);
        out.a[w] &= a.known(w) & !out.err[w];
    });
}

/// Rounds half away from zero; a value within its bound of a half is in doubt.
pub(super) fn round(a: &impl Operand, places: u32, out: &mut Slot, rows: Rows<'_>, unsure: &mut [u64]) {
    let factor = 10f64.powi(places as i32);
    by_words(rows, |w, count, mask| {
        let base = w * 64;
        let mut doubts = 0u64;
        each_row!(count, mask, |k| {
            let (v, e) = a.at(base + k);
            let x = v * factor;
            let t = x.abs();
            // Casts instead of floor() (a libm call in this hot loop); beyond 4·10¹⁸
            // the exact evaluator decides.
            let fits = t < 4.0e18;
            let whole = if fits { (t as i64) as f64 } else { t };
            let rounded = if fits { ((t + 0.5) as i64) as f64 } else { t };
            let rounded = rounded.copysign(x) / factor;
            out.v[base + k] = rounded;
            out.e[base + k] = U * rounded.abs();
            let bound = 4.0 * (e * factor + U * t);
            let doubt = (bound != 0.0) & within((t - (whole + 0.5)).abs(), bound) | !x.is_finite() | !fits;
            doubts |= u64::from(doubt) << k;
        });
        out.err[w] = a.err(w);
        out.a[w] = a.known(w) & !out.err[w];
        unsure[w] |= doubts & out.a[w];
    });
}

/// `if c then a else b`, row by row; c undecided passes its state on.
pub(super) fn choose(c: &Slot, a: &impl Operand, b: &impl Operand, out: &mut Slot, rows: Rows<'_>) {
    by_words(rows, |w, count, mask| {
        let base = w * 64;
        let take_a = c.a[w];
        each_row!(count, mask, |k| {
            let ((x, ex), (y, ey)) = (a.at(base + k), b.at(base + k));
            let first = take_a >> k & 1 == 1;
            out.v[base + k] = if first { x } else { y };
            out.e[base + k] = if first { ex } else { ey };
        });
        let (a_err, b_err) = (a.err(w), b.err(w));
        out.err[w] = c.err[w] | (c.a[w] & a_err) | (c.b[w] & b_err);
        out.a[w] = (c.a[w] & a.known(w) & !a_err) | (c.b[w] & b.known(w) & !b_err);
    });
}

pub(super) fn int_operand(batch: &Batch, column: usize) -> IntOperand<'_> {
    let Column::Int(values) = &batch.columns[column] else { unreachable!("an int column") };
    IntOperand { values: values.values(), known: &batch.known[column] }
}

pub(super) fn dec_operand(batch: &Batch, column: usize) -> DecOperand<'_> {
    let Column::Decimal { approx, scale, .. } = &batch.columns[column] else { unreachable!("a decimal column") };
    DecOperand { values: approx.values(), known: &batch.known[column], whole_below: exact_whole_below(*scale) }
}

/// Runs `word(w, rows)` over the batch's words: whole words with a constant 64 rows
/// (so the loops inside vectorise), the last one with what is left.
#[inline(always)]
fn by_words(rows: Rows<'_>, mut word: impl FnMut(usize, usize, Option<u64>)) {
    let whole = rows.len / 64;
    let mask = |w: usize| rows.only.map(|only| only[w]);
    for w in 0..whole {
        word(w, 64, mask(w));
    }
    if !rows.len.is_multiple_of(64) {
        word(whole, rows.len % 64, mask(whole));
    }
}

/// The rows an operation computes: all of the batch, or (for an amount) only those
/// whose condition holds: the amount of a firm that gets nothing is never needed.
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub(super) len: usize,
    pub(super) only: Option<&'a [u64]>,
}

/// Runs `$body` for each row `$k` of a word: a plain loop over all of them (which
/// vectorises), or over the set bits of the mask.
macro_rules! each_row {
    ($count:expr, $mask:expr, |$k:ident| $body:block) => {
        match $mask {
            None => {
                for $k in 0..$count $body
            }
            Some(mask) => {
                let mut bits: u64 = mask;
                while bits != 0 {
                    let $k = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    $body
                }
            }
        }
    };
}
pub(super) use each_row;

pub(super) fn compare(
    holds: impl Fn(f64, f64) -> bool,
    a: &impl Operand,
    b: &impl Operand,
    out: &mut Slot,
    rows: Rows<'_>,
    unsure: &mut [u64],
) {
    by_words(rows, |w, count, mask| {
        let base = w * 64;
        let mut result = 0u64;
        let mut doubt = 0u64;
        each_row!(count, mask, |k| {
            let ((x, ex), (y, ey)) = (a.at(base + k), b.at(base + k));
            result |= u64::from(holds(x, y)) << k;
            let bound = ex + ey;
            // Non-short-circuit operators keep the loop free of branches.
            let close = (bound != 0.0) & within((x - y).abs(), 4.0 * bound) | x.is_nan() | y.is_nan();
            doubt |= u64::from(close) << k;
        });
        let err = a.err(w) | b.err(w);
        let known = a.known(w) & b.known(w) & !err;
        out.a[w] = known & result;
        out.b[w] = known & !result;
        out.err[w] = err;
        unsure[w] |= known & doubt;
    });
}

/// `distance <= bound`, and true when either is NaN (a NaN bound comes from ∞ · 0
/// upstream and is a doubt too). Non-short-circuit operators keep loops branch-free.
#[inline(always)]
pub(super) fn within(distance: f64, bound: f64) -> bool {
    (distance <= bound) | distance.is_nan() | bound.is_nan()
}

/// Whether a float holds an integer that every float arithmetic keeps exact (no libm
/// call: a conversion there and back).
fn exact_integer(r: f64) -> bool {
    r.abs() < EXACT_INT && (r as i64) as f64 == r
}

pub(super) fn arith(op: BinOp, a: &impl Operand, b: &impl Operand, out: &mut Slot, rows: Rows<'_>, unsure: &mut [u64]) {
    by_words(rows, |w, count, mask| {
        let base = w * 64;
        let err = a.err(w) | b.err(w);
        let known = a.known(w) & b.known(w) & !err;
        out.err[w] = err;
        out.a[w] = known;
        match op {
            BinOp::Add | BinOp::Sub => {
                let sign = if op == BinOp::Add { 1.0 } else { -1.0 };
                each_row!(count, mask, |k| {
                    let i = base + k;
                    let ((x, ex), (y, ey)) = (a.at(i), b.at(i));
                    let r = x + sign * y;
                    out.v[i] = r;
                    let exact = ex == 0.0 && ey == 0.0 && exact_integer(r);
                    out.e[i] = if exact { 0.0 } else { ex + ey + U * r.abs() };
                });
            }
            BinOp::Mul => {
                each_row!(count, mask, |k| {
                    let i = base + k;
                    let ((x, ex), (y, ey)) = (a.at(i), b.at(i));
                    let r = x * y;
                    out.v[i] = r;
                    let exact = ex == 0.0 && ey == 0.0 && exact_integer(r);
                    out.e[i] = if exact { 0.0 } else { x.abs() * ey + y.abs() * ex + ex * ey + U * r.abs() };
                });
            }
            _ => {
                let mut zero = 0u64;
                let mut doubt = 0u64;
                each_row!(count, mask, |k| {
                    let i = base + k;
                    let ((x, ex), (y, ey)) = (a.at(i), b.at(i));
                    if y == 0.0 && ey == 0.0 {
                        zero |= 1 << k;
                        out.v[i] = 0.0;
                        out.e[i] = 0.0;
                        continue;
                    }
                    let r = x / y;
                    out.v[i] = r;
                    if y.abs() <= 2.0 * ey {
                        // The divisor may be zero: only the exact evaluator can say.
                        doubt |= 1 << k;
                        out.e[i] = f64::INFINITY;
                    } else {
                        out.e[i] = (x.abs() * ey + y.abs() * ex) / (y.abs() * (y.abs() - ey)) + U * r.abs();
                    }
                });
                unsure[w] |= known & doubt;
                out.err[w] |= known & zero;
                out.a[w] = known & !zero;
            }
        }
    });
}

/// A decimal with `scale` places whose nearest float is a whole number x is that whole
/// number when |x| < 2^52 / 10^scale: a fraction of at least 10^-scale would be more
/// than half an ulp away from any float that small.
pub(super) fn exact_whole_below(scale: u32) -> f64 {
    (1u64 << 52) as f64 / 10f64.powi(scale as i32)
}

/// Whether a decimal's float is a whole number below `whole_below` (≤ 2^52), so that it
/// is exactly that number. A round trip through i64 rather than `fract()`, which is a
/// libm call in the hottest loop (the cast is exact in this range).
#[inline(always)]
pub(super) fn is_exact_whole(x: f64, whole_below: f64) -> bool {
    x.abs() < whole_below && (x as i64) as f64 == x
}
