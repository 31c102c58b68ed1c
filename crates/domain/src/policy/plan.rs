//! The columnar evaluator: a policy compiled once into a flat program of column
//! operations, run over each batch of rows (a few thousand, so the columns stay in
//! cache), on every core.
//!
//! Conditions are bitmasks: for each row, one bit each for 是, 否 and 出错 (none of the
//! three is 缺数据), so `and`/`or`/`not` are word operations over 64 rows at a time.
//! Arrow's `and_kleene`/`or_kleene` know only three states; the fourth (an error, a
//! division by zero that an `and` guard may absorb) is why these loops are our own.
//!
//! Numbers are floats with a bound on their rounding error (Higham's running error
//! analysis, first order, with a safety factor). A comparison whose two sides lie
//! within their bounds of each other, a division by something within its bound of
//! zero, or a rounding within its bound of a half is not trusted: the row is marked
//! unsure and decided again by the exact evaluator ([`super::exact`]). Integers and
//! numbers read from the data whose floats are exact carry a zero bound, so
//! `revenue == 0` is decided here.
//!
//! Here: the program (`Op`, `Compiler`, `Program`), one batch's run (`run`, `step`:
//! the bitmask logic, loads and the classification of each row) and all batches on
//! every core (`run_all`). The number kernels (operands read in place, values with
//! their bounds, which rows to compute) are in [`kernels`].

use super::Policy;
use super::check::{Kind, Node};
use super::columns::{Batch, Column, Row};
use super::exact::{MAX_AMOUNT, Verdict, years_between};
use super::schema::{FieldType, Schema};
use super::syntax::BinOp;
use arrow_array::Array;
use kernels::{Rows, arith, choose, compare, min_max, round, unary, with_operand, with_operands, within};

mod kernels;

/// Unit roundoff of f64, doubled for safety.
const U: f64 = 2.0 * f64::EPSILON;
/// Largest integer below which every integer is an exact float.
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Where an arithmetic or a comparison reads a number: a slot, a decimal column read
/// in place (no copy, its bound computed on the fly), or a constant (never filled in).
#[derive(Debug, Clone, Copy)]
enum Src {
    Slot(usize),
    Dec(usize),
    Int(usize),
    Const(f64, f64),
}

#[derive(Debug, Clone)]
enum TextArg {
    Column(usize),
    Literal(String),
}

#[derive(Debug, Clone)]
enum Op {
    Const {
        v: f64,
        e: f64,
    },
    Int(usize),
    Dec(usize),
    Date(usize),
    Neg(Src),
    Arith(BinOp, Src, Src),
    Min(Vec<Src>),
    Max(Vec<Src>),
    Abs(Src),
    Round(Src, u32),
    Years(usize, usize),
    IfNum(usize, Src, Src),
    BoolConst(bool),
    Flag(usize),
    Known(usize),
    Compare(BinOp, Src, Src),
    BoolEq {
        negated: bool,
        a: usize,
        b: usize,
    },
    TextEq {
        negated: bool,
        a: TextArg,
        b: TextArg,
    },
    /// Bit k of the set: code k is in.
    InEnum {
        column: usize,
        allowed: Vec<u64>,
    },
    And(usize, usize),
    Or(usize, usize),
    Not(usize),
    IfBool(usize, usize, usize),
}

/// A compiled policy: its operations in order (each writes the slot of its own index),
/// which slots are the condition and the amount, and which operations belong to the
/// amount (their doubts matter only where the condition holds).
#[derive(Debug, Clone)]
pub struct Program {
    ops: Vec<Op>,
    in_amount: Vec<bool>,
    condition: usize,
    amount: usize,
}

struct Compiler<'a> {
    ops: Vec<Op>,
    in_amount: Vec<bool>,
    amount_part: bool,
    schema: &'a Schema,
}

impl Compiler<'_> {
    fn push(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.in_amount.push(self.amount_part);
        self.ops.len() - 1
    }

    fn text_arg(&self, node: &Node) -> TextArg {
        match &node.kind {
            Kind::Field(i) => TextArg::Column(*i),
            Kind::Text(t) => TextArg::Literal(t.clone()),
            _ => unreachable!("checked: a text is a field or a literal"),
        }
    }

    fn text_eq(&mut self, negated: bool, a: &Node, b: &Node) -> usize {
        // An enumerated column against a literal is a lookup in a mask of its codes.
        for (field, literal) in [(a, b), (b, a)] {
            if let (Kind::Field(i), Kind::Text(value)) = (&field.kind, &literal.kind)
                && self.schema.fields()[*i].ty == FieldType::Enum
            {
                let values = &self.schema.fields()[*i].values;
                let mut allowed = vec![0u64; values.len().div_ceil(64)];
                for (code, v) in values.iter().enumerate() {
                    if (v == value) != negated {
                        allowed[code / 64] |= 1 << (code % 64);
                    }
                }
                return self.push(Op::InEnum { column: *i, allowed });
            }
        }
        let (a, b) = (self.text_arg(a), self.text_arg(b));
        self.push(Op::TextEq { negated, a, b })
    }

    /// An operand of `+ - * /` or a comparison: columns and literals are read in place.
    fn src(&mut self, node: &Node) -> Src {
        match &node.kind {
            Kind::Num(exact, approx) => Src::Const(*approx, literal_bound(exact, *approx)),
            Kind::Date(d) => Src::Const(f64::from(*d), 0.0),
            Kind::Field(i) if self.schema.fields()[*i].ty == FieldType::Float => Src::Dec(*i),
            Kind::Field(i) if self.schema.fields()[*i].ty == FieldType::Int => Src::Int(*i),
            _ => Src::Slot(self.node(node)),
        }
    }

    fn node(&mut self, node: &Node) -> usize {
        match &node.kind {
            Kind::Num(exact, approx) => self.push(Op::Const { v: *approx, e: literal_bound(exact, *approx) }),
            Kind::Date(d) => self.push(Op::Const { v: f64::from(*d), e: 0.0 }),
            Kind::Bool(b) => self.push(Op::BoolConst(*b)),
            Kind::Text(_) => unreachable!("a text literal is compiled with its comparison"),
            Kind::Field(i) => match self.schema.fields()[*i].ty {
                FieldType::Int => self.push(Op::Int(*i)),
                FieldType::Float => self.push(Op::Dec(*i)),
                FieldType::Date => self.push(Op::Date(*i)),
                FieldType::Flag => self.push(Op::Flag(*i)),
                FieldType::Enum | FieldType::Text => unreachable!("a text field is compiled with its comparison"),
            },
            Kind::Neg(inner) => {
                let a = self.src(inner);
                self.push(Op::Neg(a))
            }
            Kind::Not(inner) => {
                let a = self.node(inner);
                self.push(Op::Not(a))
            }
            Kind::Arith(op, l, r) => {
                let (a, b) = (self.src(l), self.src(r));
                self.push(Op::Arith(*op, a, b))
            }
            Kind::Compare(op, l, r) => match l.ty {
                super::check::Ty::Text => self.text_eq(*op == BinOp::Ne, l, r),
                super::check::Ty::Bool => {
                    // `flag == 1` is the flag itself; `flag == 0` and `flag != 1` its negation.
                    for (side, literal) in [(l, r), (r, l)] {
                        if let Kind::Bool(value) = literal.kind {
                            let a = self.node(side);
                            return if value == (*op == BinOp::Eq) { a } else { self.push(Op::Not(a)) };
                        }
                    }
                    let (a, b) = (self.node(l), self.node(r));
                    self.push(Op::BoolEq { negated: *op == BinOp::Ne, a, b })
                }
                _ => {
                    let (a, b) = (self.src(l), self.src(r));
                    self.push(Op::Compare(*op, a, b))
                }
            },
            Kind::And(l, r) => {
                let (a, b) = (self.node(l), self.node(r));
                self.push(Op::And(a, b))
            }
            Kind::Or(l, r) => {
                let (a, b) = (self.node(l), self.node(r));
                self.push(Op::Or(a, b))
            }
            Kind::In { expr, list, negated } => {
                // `x in (a, b)` is `x == a or x == b`, with the same missing and error rules.
                let mut any: Option<usize> = None;
                for item in list {
                    let hit = if expr.ty == super::check::Ty::Text {
                        self.text_eq(false, expr, item)
                    } else {
                        let (a, b) = (self.src(expr), self.src(item));
                        self.push(Op::Compare(BinOp::Eq, a, b))
                    };
                    any = Some(match any {
                        Some(previous) => self.push(Op::Or(previous, hit)),
                        None => hit,
                    });
                }
                let any = any.expect("checked: a list has an item");
                if *negated { self.push(Op::Not(any)) } else { any }
            }
            Kind::Min(args) | Kind::Max(args) => {
                let slots = args.iter().map(|a| self.src(a)).collect();
                if matches!(node.kind, Kind::Min(_)) { self.push(Op::Min(slots)) } else { self.push(Op::Max(slots)) }
            }
            Kind::Abs(inner) => {
                let a = self.src(inner);
                self.push(Op::Abs(a))
            }
            Kind::Round(inner, places) => {
                let a = self.src(inner);
                self.push(Op::Round(a, *places))
            }
            Kind::YearsBetween(l, r) => {
                let (a, b) = (self.node(l), self.node(r));
                self.push(Op::Years(a, b))
            }
            Kind::Known(field) => self.push(Op::Known(*field)),
            Kind::If(c, t, o) => {
                let c = self.node(c);
                if t.ty == super::check::Ty::Bool {
                    let (a, b) = (self.node(t), self.node(o));
                    self.push(Op::IfBool(c, a, b))
                } else {
                    let (a, b) = (self.src(t), self.src(o));
                    self.push(Op::IfNum(c, a, b))
                }
            }
        }
    }
}

/// A literal's bound: zero when its float is the number itself (0, 3, 2.5).
fn literal_bound(exact: &num_rational::BigRational, approx: f64) -> f64 {
    let exact_float = num_rational::BigRational::from_float(approx).is_some_and(|f| f == *exact);
    if exact_float { 0.0 } else { U * approx.abs() }
}

impl Program {
    pub fn compile(condition: &Node, amount: &Node, schema: &Schema) -> Program {
        let mut compiler = Compiler { ops: Vec::new(), in_amount: Vec::new(), amount_part: false, schema };
        let condition = compiler.node(condition);
        compiler.amount_part = true;
        let amount = compiler.node(amount);
        Program { ops: compiler.ops, in_amount: compiler.in_amount, condition, amount }
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// One slot's values over a batch: a number (value, error bound, known, error) or a
/// condition (是, 否, 出错). Both kinds keep all arrays so that slots are reused.
struct Slot {
    v: Vec<f64>,
    e: Vec<f64>,
    /// Numbers: the value is there. Conditions: 是.
    a: Vec<u64>,
    /// Conditions: 否 (unused by numbers).
    b: Vec<u64>,
    err: Vec<u64>,
}

impl Slot {
    fn new(rows: usize) -> Slot {
        let words = rows.div_ceil(64);
        Slot { v: vec![0.0; rows], e: vec![0.0; rows], a: vec![0; words], b: vec![0; words], err: vec![0; words] }
    }
}

/// Scratch space of one thread: as many slots as the longest program.
pub struct Scratch {
    slots: Vec<Slot>,
    unsure_condition: Vec<u64>,
    unsure_amount: Vec<u64>,
    rows: usize,
}

impl Scratch {
    pub fn new(rows: usize, programs: &[&Program]) -> Scratch {
        let most = programs.iter().map(|p| p.ops.len()).max().unwrap_or(0);
        let words = rows.div_ceil(64);
        Scratch {
            slots: (0..most).map(|_| Slot::new(words * 64)).collect(),
            unsure_condition: vec![0; words],
            unsure_amount: vec![0; words],
            rows,
        }
    }
}

/// What one policy found in one batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// (row in the batch, amount in ten-thousandths of 万元)
    pub paid: Vec<(u32, i64)>,
    pub missing: u64,
    pub errors: u64,
    /// The first few rows in error in this batch, with why.
    pub first_errors: Vec<(u32, String)>,
    /// Rows the fast path handed to the exact evaluator.
    pub rechecked: u64,
    /// Which rows are 缺数据 and which 出错, as words (bit i of word w is row 64w + i);
    /// with `paid`, every row's verdict (the rest are not eligible).
    pub missing_rows: Vec<u64>,
    pub error_rows: Vec<u64>,
}

impl BatchOutcome {
    /// Every row's verdict (an error's reason is not kept here: ask `Policy::decide`).
    pub fn verdicts(&self, len: usize) -> Vec<Verdict> {
        let mut out = vec![Verdict::NotEligible; len];
        for (row, amount) in &self.paid {
            out[*row as usize] = Verdict::Paid(*amount);
        }
        for row in rows_of(&self.missing_rows, len) {
            out[row] = Verdict::MissingData;
        }
        for row in rows_of(&self.error_rows, len) {
            out[row] = Verdict::Error(String::new());
        }
        out
    }
}

fn bit(words: &[u64], row: usize) -> bool {
    words[row / 64] >> (row % 64) & 1 == 1
}

/// The rows whose bit is set (bit i of word w is row 64w + i), below `len`.
pub fn rows_of(words: &[u64], len: usize) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(move |(w, &word)| {
        let mut word = word;
        std::iter::from_fn(move || {
            if word == 0 {
                return None;
            }
            let b = word.trailing_zeros() as usize;
            word &= word - 1;
            Some(w * 64 + b)
        })
        .filter(move |row| *row < len)
    })
}

/// Runs a program's operations over a batch into the scratch slots; returns the
/// batch's length, its words and the mask of the last word's rows. With `given`, the
/// condition's result is replaced by those rows (see [`run_where`]).
fn execute(program: &Program, batch: &Batch, scratch: &mut Scratch, given: Option<&[u64]>) -> (usize, usize, u64) {
    let len = batch.len;
    assert!(len <= scratch.rows, "a batch larger than the scratch space");
    let words = len.div_ceil(64);
    // Bits past the last row are cleared so that they never count.
    let tail = if len.is_multiple_of(64) { u64::MAX } else { (1u64 << (len % 64)) - 1 };
    scratch.unsure_condition[..words].fill(0);
    scratch.unsure_amount[..words].fill(0);
    for (index, op) in program.ops.iter().enumerate() {
        let (done, rest) = scratch.slots.split_at_mut(index);
        let out = &mut rest[0];
        let unsure = if program.in_amount[index] { &mut scratch.unsure_amount } else { &mut scratch.unsure_condition };
        // An amount is computed only where the condition holds (compiled first, so
        // its slot is among those done).
        let only = if program.in_amount[index] { Some(&done[program.condition].a[..]) } else { None };
        step(op, done, out, batch, (len, words), only, unsure);
        if let Some(last) = out.a.get_mut(words - 1) {
            *last &= tail;
        }
        if let Some(last) = out.b.get_mut(words - 1) {
            *last &= tail;
        }
        if let Some(last) = out.err.get_mut(words - 1) {
            *last &= tail;
        }
        if let Some(given) = given
            && index == program.condition
        {
            // The rows are known for sure: none of the condition's doubts remain.
            for (w, rows) in given[..words].iter().enumerate() {
                let valid = if w == words - 1 { tail } else { u64::MAX };
                out.a[w] = rows & valid;
                out.b[w] = !rows & valid;
                out.err[w] = 0;
            }
            scratch.unsure_condition[..words].fill(0);
        }
    }
    (len, words, tail)
}

/// A number expression on every row of a batch: its value, or why it has none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Value(f64),
    Missing,
    /// A division by zero (or a value too large for a double).
    Error,
}

/// The amount of a policy whose condition is `true`, on every row of a batch, as a
/// double (the innovation credit's indicator values: DOMAIN §4 compares them in double
/// precision). A row the fast path is unsure of (a divisor within its bound of zero, a
/// rounding on a half) is evaluated exactly and that result rounded to the nearest
/// double, so the answer does not depend on the path taken.
pub fn run_numbers(policy: &Policy, batch: &Batch, scratch: &mut Scratch, out: &mut Vec<Number>) {
    let program = &policy.program;
    let (len, _, _) = execute(program, batch, scratch, None);
    let condition = &scratch.slots[program.condition];
    let amount = &scratch.slots[program.amount];
    out.clear();
    out.reserve(len);
    for row in 0..len {
        let unsure = bit(&scratch.unsure_condition, row) || bit(&scratch.unsure_amount, row);
        let number = if unsure || !bit(&condition.a, row) {
            exact_number(policy, batch, row)
        } else if bit(&amount.err, row) {
            Number::Error
        } else if bit(&amount.a, row) {
            let v = amount.v[row];
            if v.is_finite() { Number::Value(v) } else { Number::Error }
        } else {
            Number::Missing
        };
        out.push(number);
    }
}

/// One row's number, exactly, rounded to the nearest double.
pub fn exact_number(policy: &Policy, batch: &Batch, row: usize) -> Number {
    use num_traits::ToPrimitive as _;
    let record = Row { batch, row };
    let evaluate = |source: &str, node: &Node| {
        super::exact::Evaluator { source, record: &record, explain: false }.eval(node, &mut Vec::new())
    };
    if evaluate(&policy.def.condition, &policy.condition) != super::exact::Value::Bool(true) {
        return Number::Missing;
    }
    match evaluate(&policy.def.amount, &policy.amount) {
        super::exact::Value::Num(n) => match n.to_f64() {
            Some(v) if v.is_finite() => Number::Value(v),
            _ => Number::Error,
        },
        super::exact::Value::Error(_) => Number::Error,
        _ => Number::Missing,
    }
}

/// Runs one policy over one batch.
pub fn run(policy: &Policy, batch: &Batch, scratch: &mut Scratch) -> BatchOutcome {
    run_given(policy, batch, scratch, None)
}

/// Runs a policy whose condition is `true` on the rows of `rows` only (bit i of word w
/// is row 64w + i; the others are not eligible): the ladder's measure, target and gap
/// of a test are needed only where the test fails, which the test's own run has just
/// found, so its condition is not computed again for each of them.
pub fn run_where(policy: &Policy, batch: &Batch, scratch: &mut Scratch, rows: &[u64]) -> BatchOutcome {
    assert!(
        matches!(policy.program.ops.get(policy.program.condition), Some(Op::BoolConst(true))),
        "run_where is for policies whose condition is `true`"
    );
    run_given(policy, batch, scratch, Some(rows))
}

fn run_given(policy: &Policy, batch: &Batch, scratch: &mut Scratch, given: Option<&[u64]>) -> BatchOutcome {
    let program = &policy.program;
    let (_, words, tail) = execute(program, batch, scratch, given);
    let condition = &scratch.slots[program.condition];
    let amount = &scratch.slots[program.amount];
    let mut outcome =
        BatchOutcome { missing_rows: vec![0; words], error_rows: vec![0; words], ..BatchOutcome::default() };
    for w in 0..words {
        let valid = if w == words - 1 { tail } else { u64::MAX };
        let (yes, no, err) = (condition.a[w], condition.b[w], condition.err[w]);
        let missing = valid & !(yes | no | err);
        let unsure = (scratch.unsure_condition[w] | (scratch.unsure_amount[w] & yes)) & valid;
        let mut paid = yes & amount.a[w] & !unsure;
        let amount_missing = yes & !amount.a[w] & !amount.err[w];
        outcome.missing += u64::from(((missing | amount_missing) & !unsure).count_ones());
        outcome.missing_rows[w] = (missing | amount_missing) & !unsure;
        let errors = (err | (yes & amount.err[w])) & !unsure;
        outcome.error_rows[w] = errors;
        let mut recheck = unsure;
        // Amounts: exact half-yuan ties, signs and absurd sizes go to the exact path.
        let mut bits = paid;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let row = w * 64 + b;
            let (v, e) = (amount.v[row], amount.e[row]);
            match fast_amount(v, e) {
                Some(scaled) => outcome.paid.push((row as u32, scaled)),
                None => {
                    paid &= !(1 << b);
                    recheck |= 1 << b;
                }
            }
        }
        let _ = paid;
        outcome.errors += u64::from(errors.count_ones());
        for row in rows_of(&[errors], 64) {
            if outcome.first_errors.len() >= NAMED_ERRORS {
                break;
            }
            let row = w * 64 + row;
            outcome.first_errors.push((row as u32, error_reason(policy, batch, row)));
        }
        for b in rows_of(&[recheck], 64) {
            let row = w * 64 + b;
            outcome.rechecked += 1;
            match policy.decide_quietly(&Row { batch, row }) {
                Verdict::Paid(scaled) => outcome.paid.push((row as u32, scaled)),
                Verdict::NotEligible => {}
                Verdict::MissingData => {
                    outcome.missing += 1;
                    outcome.missing_rows[w] |= 1 << b;
                }
                Verdict::Error(why) => {
                    outcome.errors += 1;
                    outcome.error_rows[w] |= 1 << b;
                    if outcome.first_errors.len() < NAMED_ERRORS {
                        outcome.first_errors.push((row as u32, why));
                    }
                }
            }
        }
    }
    outcome.paid.sort_unstable_by_key(|(row, _)| *row);
    outcome.first_errors.sort_unstable_by_key(|(row, _)| *row);
    outcome
}

/// An error's reason comes from the exact evaluator (rare rows; the message matters).
fn error_reason(policy: &Policy, batch: &Batch, row: usize) -> String {
    match policy.decide_quietly(&Row { batch, row }) {
        Verdict::Error(why) => why,
        other => format!("快速计算判为出错，精确计算为 {other:?}"),
    }
}

/// The amount in ten-thousandths of 万元 when the float is sure of it: not within its
/// bound of a half-yuan tie, of zero, or of the largest amount.
fn fast_amount(v: f64, e: f64) -> Option<i64> {
    let scaled = v * 10_000.0;
    let bound = 4.0 * (e * 10_000.0 + U * scaled.abs());
    if !scaled.is_finite() || !bound.is_finite() || scaled - bound < 0.0 || scaled + bound >= MAX_AMOUNT as f64 {
        return None;
    }
    // Non-negative and below 10¹⁵ here: a cast is floor().
    let half = (scaled as i64) as f64 + 0.5;
    if within((scaled - half).abs(), bound) {
        return None;
    }
    Some((scaled + 0.5) as i64)
}

fn step(
    op: &Op,
    done: &[Slot],
    out: &mut Slot,
    batch: &Batch,
    (len, words): (usize, usize),
    only: Option<&[u64]>,
    unsure: &mut [u64],
) {
    let rows = Rows { len, only };
    // Slots are whole words long: loops of a constant 64 rows vectorise; the rows past
    // the batch hold zeros and their bits are masked.
    let padded = words * 64;
    match op {
        Op::Const { v, e } => {
            out.v[..padded].fill(*v);
            out.e[..padded].fill(*e);
            out.a[..words].fill(u64::MAX);
            out.err[..words].fill(0);
        }
        Op::Int(col) => {
            let Column::Int(array) = &batch.columns[*col] else { unreachable!("an int column") };
            for (i, x) in array.values().iter().enumerate() {
                out.v[i] = *x as f64;
            }
            out.v[len..padded].fill(0.0);
            out.e[..padded].fill(0.0);
            out.a[..words].copy_from_slice(&batch.known[*col]);
            out.err[..words].fill(0);
        }
        Op::Date(col) => {
            let Column::Date(array) = &batch.columns[*col] else { unreachable!("a date column") };
            for (i, x) in array.values().iter().enumerate() {
                out.v[i] = f64::from(*x);
            }
            out.v[len..padded].fill(0.0);
            out.e[..padded].fill(0.0);
            out.a[..words].copy_from_slice(&batch.known[*col]);
            out.err[..words].fill(0);
        }
        Op::Dec(col) => {
            let Column::Decimal { approx, scale, .. } = &batch.columns[*col] else { unreachable!("a decimal column") };
            let values = approx.values();
            out.v[..len].copy_from_slice(values);
            out.v[len..padded].fill(0.0);
            let whole_below = kernels::exact_whole_below(*scale);
            for (e, v) in out.e[..padded].iter_mut().zip(out.v[..padded].iter()) {
                *e = if kernels::is_exact_whole(*v, whole_below) { 0.0 } else { U * v.abs() };
            }
            out.a[..words].copy_from_slice(&batch.known[*col]);
            out.err[..words].fill(0);
        }
        Op::Neg(a) => with_operand!(done, batch, *a, |x| unary(&x, out, rows, |v, e| (-v, e))),
        Op::Abs(a) => with_operand!(done, batch, *a, |x| unary(&x, out, rows, |v, e| (v.abs(), e))),
        Op::Arith(op, a, b) => with_operands!(done, batch, *a, *b, |x, y| arith(*op, &x, &y, out, rows, unsure)),
        Op::Min(args) | Op::Max(args) => {
            let is_min = matches!(op, Op::Min(_));
            with_operand!(done, batch, args[0], |x| unary(&x, out, rows, |v, e| (v, e)));
            for arg in &args[1..] {
                with_operand!(done, batch, *arg, |x| min_max(is_min, &x, out, rows));
            }
        }
        Op::Round(a, places) => with_operand!(done, batch, *a, |x| round(&x, *places, out, rows, unsure)),
        Op::Years(a, b) => {
            let (a, b) = (&done[*a], &done[*b]);
            for w in 0..words {
                out.err[w] = a.err[w] | b.err[w];
                out.a[w] = a.a[w] & b.a[w] & !out.err[w];
            }
            for i in 0..padded {
                out.v[i] = if bit(&out.a, i) { years_between(a.v[i] as i32, b.v[i] as i32) as f64 } else { 0.0 };
            }
            out.e[..padded].fill(0.0);
        }
        Op::IfNum(c, a, b) => {
            let c = &done[*c];
            with_operands!(done, batch, *a, *b, |x, y| choose(c, &x, &y, out, rows))
        }
        Op::BoolConst(value) => {
            out.a[..words].fill(if *value { u64::MAX } else { 0 });
            out.b[..words].fill(if *value { 0 } else { u64::MAX });
            out.err[..words].fill(0);
        }
        Op::Flag(col) => {
            let known = &batch.known[*col];
            let values = &batch.flags[*col];
            for w in 0..words {
                let word = values[w];
                out.a[w] = known[w] & word;
                out.b[w] = known[w] & !word;
                out.err[w] = 0;
            }
        }
        Op::Known(col) => {
            let known = &batch.known[*col][..words];
            out.a[..words].copy_from_slice(known);
            for (b, k) in out.b[..words].iter_mut().zip(known) {
                *b = !k;
            }
            out.err[..words].fill(0);
        }
        Op::Compare(op, a, b) => {
            // One monomorphic loop per operator and kind of operand.
            with_operands!(done, batch, *a, *b, |x, y| match op {
                BinOp::Eq => compare(|p, q| p == q, &x, &y, out, rows, unsure),
                BinOp::Ne => compare(|p, q| p != q, &x, &y, out, rows, unsure),
                BinOp::Lt => compare(|p, q| p < q, &x, &y, out, rows, unsure),
                BinOp::Le => compare(|p, q| p <= q, &x, &y, out, rows, unsure),
                BinOp::Gt => compare(|p, q| p > q, &x, &y, out, rows, unsure),
                _ => compare(|p, q| p >= q, &x, &y, out, rows, unsure),
            })
        }
        Op::BoolEq { negated, a, b } => {
            let (a, b) = (&done[*a], &done[*b]);
            for w in 0..words {
                let err = a.err[w] | b.err[w];
                let known = (a.a[w] | a.b[w]) & (b.a[w] | b.b[w]) & !err;
                let same = (a.a[w] & b.a[w]) | (a.b[w] & b.b[w]);
                let result = if *negated { !same } else { same };
                out.a[w] = known & result;
                out.b[w] = known & !result;
                out.err[w] = err;
            }
        }
        Op::TextEq { negated, a, b } => {
            for w in 0..words {
                let (mut yes, mut no) = (0u64, 0u64);
                for bit in 0..64 {
                    let i = w * 64 + bit;
                    if i >= len {
                        break;
                    }
                    let (Some(x), Some(y)) = (text_at(batch, a, i), text_at(batch, b, i)) else { continue };
                    if (x == y) != *negated {
                        yes |= 1 << bit;
                    } else {
                        no |= 1 << bit;
                    }
                }
                out.a[w] = yes;
                out.b[w] = no;
                out.err[w] = 0;
            }
        }
        Op::InEnum { column, allowed } => {
            let Column::Enum(array) = &batch.columns[*column] else { unreachable!("an enum column") };
            let keys = array.keys().values();
            let known = &batch.known[*column];
            for w in 0..words {
                let mut word = 0u64;
                for (bit, key) in keys[w * 64..(w * 64 + 64).min(len)].iter().enumerate() {
                    // A key under an empty cell may be anything; `known` masks it.
                    let key = (*key).clamp(0, i16::MAX) as usize;
                    let set = allowed.get(key / 64).map_or(0, |word| word >> (key % 64) & 1);
                    word |= set << bit;
                }
                out.a[w] = known[w] & word;
                out.b[w] = known[w] & !word;
                out.err[w] = 0;
            }
        }
        Op::And(a, b) => {
            let (a, b) = (&done[*a], &done[*b]);
            for w in 0..words {
                let no = a.b[w] | b.b[w];
                out.b[w] = no;
                out.err[w] = !no & (a.err[w] | b.err[w]);
                out.a[w] = a.a[w] & b.a[w];
            }
        }
        Op::Or(a, b) => {
            let (a, b) = (&done[*a], &done[*b]);
            for w in 0..words {
                let yes = a.a[w] | b.a[w];
                out.a[w] = yes;
                out.err[w] = !yes & (a.err[w] | b.err[w]);
                out.b[w] = a.b[w] & b.b[w];
            }
        }
        Op::Not(a) => {
            let a = &done[*a];
            out.a[..words].copy_from_slice(&a.b[..words]);
            out.b[..words].copy_from_slice(&a.a[..words]);
            out.err[..words].copy_from_slice(&a.err[..words]);
        }
        Op::IfBool(c, a, b) => {
            let (c, a, b) = (&done[*c], &done[*a], &done[*b]);
            for w in 0..words {
                out.a[w] = (c.a[w] & a.a[w]) | (c.b[w] & b.a[w]);
                out.b[w] = (c.a[w] & a.b[w]) | (c.b[w] & b.b[w]);
                out.err[w] = c.err[w] | (c.a[w] & a.err[w]) | (c.b[w] & b.err[w]);
            }
        }
    }
}

fn text_at<'a>(batch: &'a Batch, arg: &'a TextArg, row: usize) -> Option<&'a str> {
    match arg {
        TextArg::Literal(t) => Some(t),
        TextArg::Column(col) => {
            let column = &batch.columns[*col];
            if column.array().is_null(row) {
                return None;
            }
            match column {
                Column::Text(a) => Some(a.value(row)),
                Column::Enum(a) => {
                    let key = a.keys().value(row);
                    let values = a.values().as_any().downcast_ref::<arrow_array::StringArray>()?;
                    Some(values.value(key as usize))
                }
                _ => None,
            }
        }
    }
}

/// The summary of one policy over all the data.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// (record number from 0, amount in ten-thousandths of 万元), in record order.
    pub paid: Vec<(u32, i64)>,
    pub missing: u64,
    pub errors: u64,
    /// The first few records in error, with why.
    pub first_errors: Vec<(u32, String)>,
    pub rechecked: u64,
}

impl Outcome {
    pub fn total(&self) -> i128 {
        self.paid.iter().map(|(_, a)| i128::from(*a)).sum()
    }
}

/// How many erroneous records each policy names.
pub const NAMED_ERRORS: usize = 5;

/// Runs every policy over every batch, on `threads` threads (batches are dealt out in
/// turn); the outcome is the same whatever the number of threads.
pub fn run_all(policies: &[Policy], batches: &[Batch], threads: usize) -> Vec<Outcome> {
    let rows = batches.iter().map(|b| b.len).max().unwrap_or(0);
    let programs: Vec<&Program> = policies.iter().map(|p| &p.program).collect();
    let threads = threads.clamp(1, batches.len().max(1));
    let mut per_batch: Vec<Vec<BatchOutcome>> = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let programs = &programs;
                scope.spawn(move || {
                    let mut scratch = Scratch::new(rows, programs);
                    let mut mine = Vec::new();
                    for (index, batch) in batches.iter().enumerate().skip(t).step_by(threads) {
                        let outcomes: Vec<BatchOutcome> =
                            policies.iter().map(|p| run(p, batch, &mut scratch)).collect();
                        mine.push((index, outcomes));
                    }
                    mine
                })
            })
            .collect();
        let mut all: Vec<(usize, Vec<BatchOutcome>)> =
            handles.into_iter().flat_map(|h| h.join().expect("an evaluation thread")).collect();
        all.sort_by_key(|(index, _)| *index);
        per_batch = all.into_iter().map(|(_, o)| o).collect();
    });
    let mut starts = Vec::with_capacity(batches.len());
    let mut start = 0u32;
    for batch in batches {
        starts.push(start);
        start += batch.len as u32;
    }
    let mut outcomes: Vec<Outcome> = policies.iter().map(|_| Outcome::default()).collect();
    for (batch_index, batch_outcomes) in per_batch.into_iter().enumerate() {
        let base = starts[batch_index];
        for (outcome, found) in outcomes.iter_mut().zip(batch_outcomes) {
            outcome.paid.extend(found.paid.into_iter().map(|(row, a)| (base + row, a)));
            outcome.missing += found.missing;
            outcome.errors += found.errors;
            outcome.rechecked += found.rechecked;
            for (row, why) in found.first_errors {
                if outcome.first_errors.len() < NAMED_ERRORS {
                    outcome.first_errors.push((base + row, why));
                }
            }
        }
    }
    outcomes
}
