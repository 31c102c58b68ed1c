//! One record, exactly, with its explanation: the reference semantics of the language.
//! Numbers are exact fractions (35.91 / 718.20 is exactly 1/20), so a comparison is
//! judged as a person with a calculator would judge it. The columnar evaluator
//! ([`super::plan`]) gives the same verdict on every record; where its fast floating
//! point cannot be sure, it asks this one.
//!
//! Values that are not there follow three-valued logic, and a division by zero is a
//! fourth state, an error, which `and`/`or` absorb as they absorb a missing value:
//! - `and`: any side 否 → 否; else any side 出错 → 出错; else any side 缺数据 → 缺数据; else 是.
//! - `or`: any side 是 → 是; else 出错; else 缺数据; else 否.
//! - everything else (arithmetic, comparisons, functions, `in`, `not`): 出错 if any
//!   operand is 出错, else 缺数据 if any is 缺数据. `x / 0` is 出错.
//! - `if c then a else b`: only the branch taken counts; c 缺数据 or 出错 passes through.

use super::check::{Kind, Node, date_of};
use super::syntax::BinOp;
use chrono::Datelike;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use serde::Serialize;
use std::cmp::Ordering;

/// One cell of a record, as the evaluators read it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Missing,
    Int(i64),
    /// `mantissa / 10^scale`, exactly as written in the data.
    Decimal {
        mantissa: i128,
        scale: u32,
    },
    Flag(bool),
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
}

pub trait Record {
    fn cell(&self, field: usize) -> Cell<'_>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(BigRational),
    Bool(bool),
    Text(String),
    Date(i32),
    Missing,
    /// Why: 除数为零.
    Error(&'static str),
}

pub const DIVISION_BY_ZERO: &str = "除数为零";

impl Value {
    /// How a value is shown in an explanation: exact where the decimal ends within 10
    /// places, otherwise to 10 places with "…".
    pub fn show(&self) -> String {
        match self {
            Value::Num(n) => show_number(n),
            Value::Bool(true) => "是".into(),
            Value::Bool(false) => "否".into(),
            Value::Text(t) => format!("'{t}'"),
            Value::Date(d) => date_of(*d).to_string(),
            Value::Missing => "缺数据".into(),
            Value::Error(why) => format!("出错（{why}）"),
        }
    }

    /// The value in an explanation's JSON: numbers, texts and dates as strings,
    /// 是/否 as true/false, 缺数据 as null, an error as its message.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Missing => serde_json::Value::Null,
            Value::Text(t) => serde_json::Value::String(t.clone()),
            other => serde_json::Value::String(other.show()),
        }
    }
}

pub fn show_number(n: &BigRational) -> String {
    let ten = BigInt::from(10);
    for places in 0..=10u32 {
        let scaled = n * BigRational::from_integer(ten.pow(places));
        if scaled.is_integer() {
            return fixed(&scaled.to_integer(), places);
        }
    }
    let scaled = (n * BigRational::from_integer(ten.pow(10))).round();
    format!("{}…", fixed(&scaled.to_integer(), 10).trim_end_matches('0'))
}

/// `mantissa / 10^places` written out with exactly `places` decimals.
pub fn fixed(mantissa: &BigInt, places: u32) -> String {
    let negative = mantissa.is_negative();
    let digits = mantissa.abs().to_string();
    let places = places as usize;
    let padded =
        if digits.len() <= places { format!("{}{digits}", "0".repeat(places + 1 - digits.len())) } else { digits };
    let (whole, fraction) = padded.split_at(padded.len() - places);
    let sign = if negative { "-" } else { "" };
    if places == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") }
}

/// One step of an explanation: the text of a part of the rule, its value on this
/// record, and the steps it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub expr: String,
    pub value: serde_json::Value,
    /// The line an explanation prints for this step ("a / b = 0.031 ≥ 0.05 → 否").
    #[serde(skip)]
    pub shown: String,
    #[serde(skip)]
    pub value_text: String,
    /// "and" or "or" for a chain of them (flattened into one step), else empty.
    #[serde(skip)]
    pub chain: &'static str,
    pub children: Vec<Step>,
}

pub fn cell_value(cell: Cell<'_>) -> Value {
    match cell {
        Cell::Missing => Value::Missing,
        Cell::Int(i) => Value::Num(BigRational::from_integer(i.into())),
        Cell::Decimal { mantissa, scale } => Value::Num(BigRational::new(mantissa.into(), BigInt::from(10).pow(scale))),
        Cell::Flag(b) => Value::Bool(b),
        Cell::Text(t) => Value::Text(t.to_string()),
        Cell::Date(d) => Value::Date(d),
    }
}

/// Rounds half away from zero to `places` decimals.
pub fn round_half_away(n: &BigRational, places: u32) -> BigRational {
    let factor = BigRational::from_integer(BigInt::from(10).pow(places));
    let scaled = n * &factor;
    let half = BigRational::new(1.into(), 2.into());
    let rounded = if scaled.is_negative() { -((-scaled) + half).floor() } else { (scaled + half).floor() };
    rounded / factor
}

/// Whole years from `a` to `b` (negative when b is earlier). A year is full on the same
/// month and day; from 29 February it is full on 1 March.
pub fn years_between(a: i32, b: i32) -> i64 {
    if b < a {
        return -years_between(b, a);
    }
    let (from, to) = (date_of(a), date_of(b));
    let mut years = i64::from(to.year() - from.year());
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

pub struct Evaluator<'a, R: Record> {
    pub source: &'a str,
    pub record: &'a R,
    pub explain: bool,
}

fn combine(values: &[&Value]) -> Option<Value> {
    if let Some(e) = values.iter().find(|v| matches!(v, Value::Error(_))) {
        return Some((*e).clone());
    }
    if values.iter().any(|v| matches!(v, Value::Missing)) {
        return Some(Value::Missing);
    }
    None
}

impl<R: Record> Evaluator<'_, R> {
    fn text(&self, node: &Node) -> String {
        self.source.chars().skip(node.span.start).take(node.span.end - node.span.start).collect()
    }

    /// The value of a node, with its explanation pushed onto `steps` when explaining.
    pub fn eval(&self, node: &Node, steps: &mut Vec<Step>) -> Value {
        let mut children = Vec::new();
        let value = self.value(node, &mut children);
        if self.explain {
            // `a and b and c` is one step with three parts, not pairs nested three deep.
            let chain = match node.kind {
                Kind::And(..) => "and",
                Kind::Or(..) => "or",
                _ => "",
            };
            if !chain.is_empty() {
                children =
                    children.into_iter().flat_map(|c| if c.chain == chain { c.children } else { vec![c] }).collect();
            }
            let shown = self.describe(node, &value, &children);
            steps.push(Step {
                expr: self.text(node),
                value: value.json(),
                shown,
                value_text: value.show(),
                chain,
                children,
            });
        }
        value
    }

    fn describe(&self, node: &Node, value: &Value, children: &[Step]) -> String {
        let expr = self.text(node);
        match (&node.kind, children) {
            (Kind::Compare(op, ..), [l, r]) => {
                let left = if l.children.is_empty() && l.shown == l.expr {
                    l.expr.clone()
                } else {
                    format!("{} = {}", l.expr, value_of(l))
                };
                let right = if r.children.is_empty() && r.shown == r.expr { r.expr.clone() } else { value_of(r) };
                format!("{left} {} {right} → {}", op.symbol(), value.show())
            }
            (Kind::Num(..) | Kind::Text(_) | Kind::Bool(_) | Kind::Date(_), _) => expr,
            _ => format!("{expr} = {}", value.show()),
        }
    }

    fn value(&self, node: &Node, steps: &mut Vec<Step>) -> Value {
        match &node.kind {
            Kind::Num(n, _) => Value::Num(n.clone()),
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Text(t) => Value::Text(t.clone()),
            Kind::Date(d) => Value::Date(*d),
            Kind::Field(i) => cell_value(self.record.cell(*i)),
            Kind::Neg(inner) => match self.eval(inner, steps) {
                Value::Num(n) => Value::Num(-n),
                other => other,
            },
            Kind::Not(inner) => match self.eval(inner, steps) {
                Value::Bool(b) => Value::Bool(!b),
                other => other,
            },
            Kind::Arith(op, l, r) => {
                let (a, b) = (self.eval(l, steps), self.eval(r, steps));
                if let Some(v) = combine(&[&a, &b]) {
                    return v;
                }
                let (Value::Num(a), Value::Num(b)) = (a, b) else { unreachable!("checked: numbers") };
                match op {
                    BinOp::Add => Value::Num(a + b),
                    BinOp::Sub => Value::Num(a - b),
                    BinOp::Mul => Value::Num(a * b),
                    _ if b.is_zero() => Value::Error(DIVISION_BY_ZERO),
                    _ => Value::Num(a / b),
                }
            }
            Kind::Compare(op, l, r) => {
                let (a, b) = (self.eval(l, steps), self.eval(r, steps));
                if let Some(v) = combine(&[&a, &b]) {
                    return v;
                }
                let ordering = match (&a, &b) {
                    (Value::Num(x), Value::Num(y)) => x.cmp(y),
                    (Value::Date(x), Value::Date(y)) => x.cmp(y),
                    (Value::Text(x), Value::Text(y)) => x.cmp(y),
                    (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
                    _ => unreachable!("checked: same types"),
                };
                Value::Bool(compare(*op, ordering))
            }
            Kind::And(l, r) => {
                let a = self.eval(l, steps);
                if a == Value::Bool(false) {
                    return a;
                }
                let b = self.eval(r, steps);
                if b == Value::Bool(false) {
                    return b;
                }
                combine(&[&a, &b]).unwrap_or(Value::Bool(true))
            }
            Kind::Or(l, r) => {
                let a = self.eval(l, steps);
                if a == Value::Bool(true) {
                    return a;
                }
                let b = self.eval(r, steps);
                if b == Value::Bool(true) {
                    return b;
                }
                combine(&[&a, &b]).unwrap_or(Value::Bool(false))
            }
            Kind::In { expr, list, negated } => {
                let subject = self.eval(expr, steps);
                if let Some(v) = combine(&[&subject]) {
                    return v;
                }
                let found = list.iter().any(|item| {
                    let item = self.value(item, &mut Vec::new());
                    item == subject
                });
                Value::Bool(found != *negated)
            }
            Kind::Min(args) | Kind::Max(args) => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a, steps)).collect();
                if let Some(v) = combine(&values.iter().collect::<Vec<_>>()) {
                    return v;
                }
                let numbers = values.into_iter().map(|v| match v {
                    Value::Num(n) => n,
                    _ => unreachable!("checked: numbers"),
                });
                let pick = if matches!(node.kind, Kind::Min(_)) { numbers.min() } else { numbers.max() };
                Value::Num(pick.expect("at least one argument"))
            }
            Kind::Abs(inner) => match self.eval(inner, steps) {
                Value::Num(n) => Value::Num(n.abs()),
                other => other,
            },
            Kind::Round(inner, places) => match self.eval(inner, steps) {
                Value::Num(n) => Value::Num(round_half_away(&n, *places)),
                other => other,
            },
            Kind::YearsBetween(a, b) => {
                let (a, b) = (self.eval(a, steps), self.eval(b, steps));
                if let Some(v) = combine(&[&a, &b]) {
                    return v;
                }
                let (Value::Date(a), Value::Date(b)) = (a, b) else { unreachable!("checked: dates") };
                Value::Num(BigRational::from_integer(years_between(a, b).into()))
            }
            Kind::Known(field) => Value::Bool(self.record.cell(*field) != Cell::Missing),
            Kind::If(c, a, b) => match self.eval(c, steps) {
                Value::Bool(true) => self.eval(a, steps),
                Value::Bool(false) => self.eval(b, steps),
                other => other,
            },
        }
    }
}

fn value_of(step: &Step) -> String {
    step.value_text.clone()
}

pub fn compare(op: BinOp, ordering: Ordering) -> bool {
    match op {
        BinOp::Eq => ordering == Ordering::Equal,
        BinOp::Ne => ordering != Ordering::Equal,
        BinOp::Lt => ordering == Ordering::Less,
        BinOp::Le => ordering != Ordering::Greater,
        BinOp::Gt => ordering == Ordering::Greater,
        BinOp::Ge => ordering != Ordering::Less,
        _ => unreachable!("not a comparison"),
    }
}

/// What a policy decides for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Eligible, with the amount in ten-thousandths of 万元 (one yuan), rounded half-up.
    Paid(i64),
    NotEligible,
    /// The condition, or the amount of an eligible record, needs a value that is empty.
    MissingData,
    /// A division by zero, a negative amount or an amount too large to pay.
    Error(String),
}

/// The amount as paid: exact, rounded half-up to 4 decimals (one yuan); negative or
/// absurd amounts are errors.
pub fn payable(amount: &BigRational) -> Result<i64, String> {
    if amount.is_negative() {
        return Err(format!("金额为负数（{}）", show_number(amount)));
    }
    let scaled =
        (amount * BigRational::from_integer(BigInt::from(10_000)) + BigRational::new(1.into(), 2.into())).floor();
    scaled
        .to_integer()
        .to_i64()
        .filter(|v| *v < MAX_AMOUNT)
        .ok_or_else(|| format!("金额过大（{}）", show_number(amount)))
}

/// 10¹⁵ ten-thousandths of 万元 = 10¹¹ 万元: far beyond any reward, and safely inside
/// the range where the fast path's floats are exact integers.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

pub fn verdict(condition: &Value, amount: Option<&Value>) -> Verdict {
    match condition {
        Value::Bool(false) => Verdict::NotEligible,
        Value::Missing => Verdict::MissingData,
        Value::Error(why) => Verdict::Error((*why).to_string()),
        Value::Bool(true) => match amount {
            Some(Value::Num(n)) => match payable(n) {
                Ok(v) => Verdict::Paid(v),
                Err(why) => Verdict::Error(why),
            },
            Some(Value::Missing) => Verdict::MissingData,
            Some(Value::Error(why)) => Verdict::Error((*why).to_string()),
            _ => unreachable!("checked: the amount is a number"),
        },
        _ => unreachable!("checked: the condition is 是/否"),
    }
}

/// `i` ten-thousandths as "12.5000".
pub fn show_amount(scaled: i64) -> String {
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, fraction) = (scaled.unsigned_abs() / 10_000, scaled.unsigned_abs() % 10_000);
    format!("{sign}{whole}.{fraction:04}")
}

/// Exact sums of amounts (a province's total fits easily).
pub fn show_total(scaled: i128) -> String {
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, fraction) = (scaled.unsigned_abs() / 10_000, scaled.unsigned_abs() % 10_000);
    format!("{sign}{whole}.{fraction:04}")
}
