//! One rule language for the enterprise side (梯度培育, 创新积分, 免申即享): rules that
//! officials read, change and audit, decided over the government's own data.
//!
//! A rule is text ([`syntax::parse`]), checked against the data's [`Schema`] before
//! anything runs ([`check`]: unknown fields with the nearest names, a text compared
//! with a number, a value an enumeration does not have, a 0/1 flag used in arithmetic,
//! an amount that is not a number), then either
//! - compiled into a columnar program ([`plan`]) run over Arrow columns a batch of
//!   rows at a time, with bitmasks for the four states of a condition (是, 否, 缺数据,
//!   出错); or
//! - evaluated on one record, exactly, with its explanation ([`exact`]).
//!
//! The two agree on every record: the columnar fast path computes in floating point
//! and carries, for every number, a bound on its rounding error; a comparison or a
//! rounding that lands within that bound of its threshold is decided again by the exact
//! evaluator. So a firm whose R&D is exactly 5 % of its revenue meets `>= 0.05`, and
//! an amount that lands on half a yuan rounds up, whatever binary floating point says.
//! A property test holds them together on random schemas, rules and data.

pub mod check;
pub mod columns;
pub mod exact;
pub mod plan;
pub mod schema;
pub mod syntax;

pub use columns::{BadCells, Batch, CellError};
pub use exact::{Step, Verdict};
pub use schema::{Field, FieldType, Schema};

use check::{Checker, Node, Ty};
use exact::Evaluator;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A policy as the policies file writes it. The amount may be written as a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDef {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub condition: String,
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
}

fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Int(i64),
        Float(f64),
    }
    Ok(match TextOrNumber::deserialize(d)? {
        TextOrNumber::Text(t) => t,
        TextOrNumber::Int(i) => i.to_string(),
        TextOrNumber::Float(f) => f.to_string(),
    })
}

/// Which part of a policy a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Condition,
    Amount,
}

impl Part {
    pub fn label(self) -> &'static str {
        match self {
            Part::Condition => "条件",
            Part::Amount => "金额",
        }
    }
}

/// Why a policy does not compile: the policy, the part, the character position (from 1)
/// and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub policy: String,
    pub part: Part,
    pub position: usize,
    pub reason: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "策略 {} 的{}，第 {} 个字符处：{}", self.policy, self.part.label(), self.position, self.reason)
    }
}

impl std::error::Error for PolicyError {}

/// A policy checked against a schema, ready to run.
#[derive(Debug, Clone)]
pub struct Policy {
    pub def: PolicyDef,
    pub condition: Node,
    pub amount: Node,
    pub program: plan::Program,
}

impl Policy {
    pub fn compile(def: &PolicyDef, schema: &Schema) -> Result<Policy, PolicyError> {
        let id = def.id.trim();
        let at = |part: Part, position: usize, reason: String| PolicyError {
            policy: id.to_string(),
            part,
            position,
            reason,
        };
        if id.is_empty() {
            return Err(at(Part::Condition, 1, "策略没有编号（id）".into()));
        }
        let checker = Checker { schema };
        let read = |part: Part, text: &str, want: Ty| -> Result<Node, PolicyError> {
            let expr = syntax::parse(text).map_err(|e| at(part, e.position, e.reason))?;
            let node = checker.check(&expr).map_err(|e| at(part, e.position, e.reason))?;
            if node.ty != want {
                let reason = match part {
                    Part::Condition => {
                        format!("条件应得出是/否，这里得出的是{}（是否缺少比较，如 > 0？）", node.ty.label())
                    }
                    Part::Amount => format!("金额应是数字（万元），这里得出的是{}", node.ty.label()),
                };
                return Err(at(part, node.span.start + 1, reason));
            }
            Ok(node)
        };
        let condition = read(Part::Condition, &def.condition, Ty::Bool)?;
        let amount = read(Part::Amount, &def.amount, Ty::Num)?;
        // An amount that reads no field is the same for every firm: if it cannot be
        // paid, say so now rather than as an error on every record.
        if !reads_a_field(&amount) {
            let value =
                Evaluator { source: &def.amount, record: &NoRecord, explain: false }.eval(&amount, &mut Vec::new());
            if let Err(why) = match &value {
                exact::Value::Num(n) => exact::payable(n).map(|_| ()),
                exact::Value::Error(why) => Err((*why).to_string()),
                _ => Ok(()),
            } {
                return Err(at(Part::Amount, 1, format!("金额对每家企业都无法支付：{why}")));
            }
        }
        let program = plan::Program::compile(&condition, &amount, schema);
        Ok(Policy { def: def.clone(), condition, amount, program })
    }

    /// What this policy decides for one record, exactly.
    pub fn decide(&self, record: &impl exact::Record) -> Verdict {
        self.explain(record).verdict
    }

    /// The verdict on one record with every step that led to it.
    pub fn explain(&self, record: &impl exact::Record) -> Explanation {
        let on = |source: &str, node: &Node| {
            let evaluator = Evaluator { source, record, explain: true };
            let mut steps = Vec::new();
            let value = evaluator.eval(node, &mut steps);
            (value, steps.pop().expect("the root's step"))
        };
        let (condition_value, condition) = on(&self.def.condition, &self.condition);
        let (amount_value, amount) = on(&self.def.amount, &self.amount);
        let verdict = exact::verdict(&condition_value, Some(&amount_value));
        Explanation { verdict, condition, amount }
    }

    /// The verdict alone, exactly, without building an explanation (the fast path's
    /// second opinion).
    pub fn decide_quietly(&self, record: &impl exact::Record) -> Verdict {
        let run = |source: &str, node: &Node| Evaluator { source, record, explain: false }.eval(node, &mut Vec::new());
        let condition = run(&self.def.condition, &self.condition);
        if condition != exact::Value::Bool(true) {
            return exact::verdict(&condition, None);
        }
        exact::verdict(&condition, Some(&run(&self.def.amount, &self.amount)))
    }
}

fn reads_a_field(node: &Node) -> bool {
    use check::Kind;
    match &node.kind {
        Kind::Field(_) | Kind::Known(_) => true,
        Kind::Num(..) | Kind::Bool(_) | Kind::Text(_) | Kind::Date(_) => false,
        Kind::Neg(a) | Kind::Not(a) | Kind::Abs(a) | Kind::Round(a, _) => reads_a_field(a),
        Kind::Arith(_, a, b) | Kind::Compare(_, a, b) | Kind::And(a, b) | Kind::Or(a, b) | Kind::YearsBetween(a, b) => {
            reads_a_field(a) || reads_a_field(b)
        }
        Kind::In { expr, .. } => reads_a_field(expr),
        Kind::Min(args) | Kind::Max(args) => args.iter().any(reads_a_field),
        Kind::If(c, a, b) => reads_a_field(c) || reads_a_field(a) || reads_a_field(b),
    }
}

/// The record of a rule that reads no field.
struct NoRecord;

impl exact::Record for NoRecord {
    fn cell(&self, _: usize) -> exact::Cell<'_> {
        exact::Cell::Missing
    }
}

/// A verdict and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub verdict: Verdict,
    pub condition: Step,
    pub amount: Step,
}

/// Compiles every policy; the first that does not compile stops the run.
pub fn compile_all(defs: &[PolicyDef], schema: &Schema) -> Result<Vec<Policy>, PolicyError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(defs.len());
    for def in defs {
        if !seen.insert(def.id.trim()) {
            return Err(PolicyError {
                policy: def.id.clone(),
                part: Part::Condition,
                position: 1,
                reason: "策略编号重复".into(),
            });
        }
        out.push(Policy::compile(def, schema)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
