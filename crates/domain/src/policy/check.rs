//! Type-checking a parsed rule against the data's schema, before anything runs. The
//! result is a typed tree whose fields are column numbers and whose literals are exact
//! numbers; both evaluators (the columnar one and the one-record explainer) take it.

use super::schema::{FieldType, Schema};
use super::syntax::{BinOp, Expr, Span};
use chrono::NaiveDate;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;

/// What a value is, as the language sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Num,
    Bool,
    Text,
    Date,
}

impl Ty {
    pub fn label(self) -> &'static str {
        match self {
            Ty::Num => "数字",
            Ty::Bool => "条件（是/否）",
            Ty::Text => "文本",
            Ty::Date => "日期",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// A number literal, exactly, and its nearest float for the fast path.
    Num(BigRational, f64),
    Bool(bool),
    Text(String),
    /// Days since 1970-01-01, as Arrow's Date32.
    Date(i32),
    Field(usize),
    Neg(Box<Node>),
    Not(Box<Node>),
    /// `+ - * /`
    Arith(BinOp, Box<Node>, Box<Node>),
    /// `== != < <= > >=` between two numbers, two dates, two texts or two 是/否.
    Compare(BinOp, Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    /// `x in (…)`: the list holds literals of x's type only.
    In {
        expr: Box<Node>,
        list: Vec<Node>,
        negated: bool,
    },
    Min(Vec<Node>),
    Max(Vec<Node>),
    Abs(Box<Node>),
    /// Half away from zero, to this many decimals (0–10).
    Round(Box<Node>, u32),
    YearsBetween(Box<Node>, Box<Node>),
    /// `known(field)`: 是 when the record has a value in the field, 否 when it is empty.
    Known(usize),
    If(Box<Node>, Box<Node>, Box<Node>),
}

/// Why a rule does not check: where (a character position from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    pub position: usize,
    pub reason: String,
}

fn refuse<T>(span: Span, reason: String) -> Result<T, CheckError> {
    Err(CheckError { position: span.start + 1, reason })
}

pub const FUNCTIONS: &[&str] = &["min", "max", "abs", "round", "date", "years_between", "known"];

/// The day count of a date as Arrow's Date32 stores it.
pub fn days(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

pub fn date_of(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(i64::from(days))
}

/// Reads a plain decimal ("35.91", "-2", "0.05") exactly.
pub fn exact_decimal(text: &str) -> Option<BigRational> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mantissa: BigInt = format!("{whole}{fraction}").parse().ok()?;
    let mantissa = if negative { -mantissa } else { mantissa };
    Some(BigRational::new(mantissa, BigInt::from(10u32).pow(fraction.len() as u32)))
}

pub struct Checker<'a> {
    pub schema: &'a Schema,
}

impl Checker<'_> {
    pub fn check(&self, expr: &Expr) -> Result<Node, CheckError> {
        match expr {
            Expr::Number(text, span) => {
                let exact = exact_decimal(text)
                    .ok_or(CheckError { position: span.start + 1, reason: format!("“{text}”不是数字") })?;
                let approx = exact.to_f64().unwrap_or(f64::NAN);
                if !approx.is_finite() {
                    return refuse(*span, format!("数字 {text} 太大"));
                }
                Ok(Node { kind: Kind::Num(exact, approx), ty: Ty::Num, span: *span })
            }
            Expr::Str(text, span) => Ok(Node { kind: Kind::Text(text.clone()), ty: Ty::Text, span: *span }),
            Expr::Bool(value, span) => Ok(Node { kind: Kind::Bool(*value), ty: Ty::Bool, span: *span }),
            Expr::Field(name, span) => {
                let Some(index) = self.schema.find(name) else {
                    let value_of = self.schema.fields().iter().find(|f| f.values.iter().any(|v| v == name));
                    if let Some(field) = value_of {
                        return refuse(
                            *span,
                            format!("未知字段“{name}”：它是 {} 的取值，取值要加引号：'{name}'", field.name),
                        );
                    }
                    let near = self.schema.nearest(name);
                    let hint = if near.is_empty() {
                        String::new()
                    } else {
                        format!("，最接近的有 {}", near.join("、"))
                    };
                    return refuse(*span, format!("未知字段“{name}”{hint}"));
                };
                let ty = match self.schema.fields()[index].ty {
                    FieldType::Int | FieldType::Float => Ty::Num,
                    FieldType::Flag => Ty::Bool,
                    FieldType::Enum | FieldType::Text => Ty::Text,
                    FieldType::Date => Ty::Date,
                };
                Ok(Node { kind: Kind::Field(index), ty, span: *span })
            }
            Expr::Neg(inner, span) => {
                let inner = self.check(inner)?;
                self.arithmetic_operand(&inner, "取负")?;
                Ok(Node { kind: Kind::Neg(Box::new(inner)), ty: Ty::Num, span: *span })
            }
            Expr::Not(inner, span) => {
                let inner = self.check(inner)?;
                if inner.ty != Ty::Bool {
                    return refuse(inner.span, format!("not 之后应是条件（是/否），这里是{}", inner.ty.label()));
                }
                Ok(Node { kind: Kind::Not(Box::new(inner)), ty: Ty::Bool, span: *span })
            }
            Expr::Binary(op, left, right, span) => self.binary(*op, left, right, *span),
            Expr::In { expr, list, negated, span } => self.membership(expr, list, *negated, *span),
            Expr::Call { name, name_span, args, span } => self.call(name, *name_span, args, *span),
            Expr::If { cond, then, otherwise, span } => {
                let cond = self.check(cond)?;
                if cond.ty != Ty::Bool {
                    return refuse(cond.span, format!("if 之后应是条件（是/否），这里是{}", cond.ty.label()));
                }
                let then = self.check(then)?;
                let otherwise = self.check(otherwise)?;
                if then.ty != otherwise.ty {
                    return refuse(
                        otherwise.span,
                        format!(
                            "then 与 else 的结果应同类：then 是{}，else 是{}",
                            then.ty.label(),
                            otherwise.ty.label()
                        ),
                    );
                }
                let ty = then.ty;
                if ty == Ty::Text {
                    return refuse(then.span, "if … then … else 的结果不能是文本".into());
                }
                Ok(Node { kind: Kind::If(Box::new(cond), Box::new(then), Box::new(otherwise)), ty, span: *span })
            }
        }
    }

    fn field_name(&self, node: &Node) -> Option<&str> {
        match node.kind {
            Kind::Field(i) => Some(&self.schema.fields()[i].name),
            _ => None,
        }
    }

    fn is_flag(&self, node: &Node) -> bool {
        matches!(node.kind, Kind::Field(i) if self.schema.fields()[i].ty == FieldType::Flag)
    }

    fn arithmetic_operand(&self, node: &Node, what: &str) -> Result<(), CheckError> {
        match node.ty {
            Ty::Num => Ok(()),
            Ty::Bool if self.is_flag(node) => {
                let name = self.field_name(node).unwrap_or_default();
                refuse(node.span, format!("标志字段 {name}（0/1）不能参与{what}：把它当条件用，如 {name} == 1"))
            }
            Ty::Date => refuse(node.span, format!("日期不能参与{what}：相隔年数请用 years_between(a, b)")),
            other => refuse(node.span, format!("{}不能参与{what}", other.label())),
        }
    }

    fn binary(&self, op: BinOp, left: &Expr, right: &Expr, span: Span) -> Result<Node, CheckError> {
        let l = self.check(left)?;
        let r = self.check(right)?;
        match op {
            BinOp::And | BinOp::Or => {
                for side in [&l, &r] {
                    if side.ty != Ty::Bool {
                        let hint = if side.ty == Ty::Num {
                            "（数字不是条件：请写成比较，如 x > 0）"
                        } else {
                            ""
                        };
                        return refuse(
                            side.span,
                            format!("{} 两边应是条件（是/否），这里是{}{hint}", op.symbol(), side.ty.label()),
                        );
                    }
                }
                let kind = if op == BinOp::And {
                    Kind::And(Box::new(l), Box::new(r))
                } else {
                    Kind::Or(Box::new(l), Box::new(r))
                };
                Ok(Node { kind, ty: Ty::Bool, span })
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let what = match op {
                    BinOp::Add => "加法",
                    BinOp::Sub => "减法",
                    BinOp::Mul => "乘法",
                    _ => "除法",
                };
                self.arithmetic_operand(&l, what)?;
                self.arithmetic_operand(&r, what)?;
                Ok(Node { kind: Kind::Arith(op, Box::new(l), Box::new(r)), ty: Ty::Num, span })
            }
            _ => self.comparison(op, l, r, span),
        }
    }

    fn comparison(&self, op: BinOp, l: Node, r: Node, span: Span) -> Result<Node, CheckError> {
        let ordering = !matches!(op, BinOp::Eq | BinOp::Ne);
        // A flag against 0 or 1 is a test of the flag: `is_high_tech == 1`.
        let l = self.flag_literal(l, &r)?;
        let r = self.flag_literal(r, &l)?;
        if l.ty != r.ty {
            let name = |n: &Node| self.field_name(n).map(|f| format!("（{f}）")).unwrap_or_default();
            return refuse(span, format!("不能把{}{}与{}{}比较", l.ty.label(), name(&l), r.ty.label(), name(&r)));
        }
        match l.ty {
            Ty::Text if ordering => {
                return refuse(span, format!("文本只能比较相等（== 或 !=），不能用 {}", op.symbol()));
            }
            Ty::Bool if ordering => {
                return refuse(span, format!("是/否只能比较相等（== 或 !=），不能用 {}", op.symbol()));
            }
            Ty::Text => {
                self.enum_value(&l, &r)?;
                self.enum_value(&r, &l)?;
            }
            _ => {}
        }
        Ok(Node { kind: Kind::Compare(op, Box::new(l), Box::new(r)), ty: Ty::Bool, span })
    }

    /// `flag == 1` reads the literal 1 as 是; any other number next to a flag is refused.
    fn flag_literal(&self, node: Node, other: &Node) -> Result<Node, CheckError> {
        if !self.is_flag(other) {
            return Ok(node);
        }
        match &node.kind {
            Kind::Num(value, _) => {
                let flag = self.field_name(other).unwrap_or_default();
                if *value == BigRational::from_integer(1.into()) {
                    Ok(Node { kind: Kind::Bool(true), ty: Ty::Bool, span: node.span })
                } else if *value == BigRational::from_integer(0.into()) {
                    Ok(Node { kind: Kind::Bool(false), ty: Ty::Bool, span: node.span })
                } else {
                    refuse(node.span, format!("标志字段 {flag} 只取 0 或 1，不能与 {value} 比较"))
                }
            }
            _ => Ok(node),
        }
    }

    /// A literal compared with an enumerated field must be one of its values.
    fn enum_value(&self, field: &Node, literal: &Node) -> Result<(), CheckError> {
        let Kind::Field(index) = field.kind else { return Ok(()) };
        let definition = &self.schema.fields()[index];
        if definition.ty != FieldType::Enum {
            return Ok(());
        }
        if let Kind::Text(value) = &literal.kind
            && !definition.values.iter().any(|v| v == value)
        {
            return refuse(
                literal.span,
                format!("“{value}”不是 {} 的取值（可选：{}）", definition.name, definition.values.join("、")),
            );
        }
        Ok(())
    }

    fn membership(&self, expr: &Expr, list: &[Expr], negated: bool, span: Span) -> Result<Node, CheckError> {
        let subject = self.check(expr)?;
        if subject.ty == Ty::Bool {
            return refuse(subject.span, "in 的左边不能是条件（是/否）".into());
        }
        let mut items = Vec::with_capacity(list.len());
        for item in list {
            let item = self.check(item)?;
            let literal = match &item.kind {
                Kind::Num(..) | Kind::Text(_) | Kind::Date(_) => true,
                Kind::Neg(inner) => matches!(inner.kind, Kind::Num(..)),
                _ => false,
            };
            if !literal {
                return refuse(item.span, "in 的列表只能写常量（数字、'文字' 或 date('…')）".into());
            }
            if item.ty != subject.ty {
                return refuse(item.span, format!("in 的列表中有{}，而左边是{}", item.ty.label(), subject.ty.label()));
            }
            self.enum_value(&subject, &item)?;
            items.push(fold_negative(item));
        }
        Ok(Node { kind: Kind::In { expr: Box::new(subject), list: items, negated }, ty: Ty::Bool, span })
    }

    fn call(&self, name: &str, name_span: Span, args: &[Expr], span: Span) -> Result<Node, CheckError> {
        let lower = name.to_ascii_lowercase();
        let arity = |expected: &str, ok: bool| -> Result<(), CheckError> {
            if ok {
                Ok(())
            } else {
                refuse(name_span, format!("函数 {lower} 需要 {expected}，这里给了 {} 个", args.len()))
            }
        };
        match lower.as_str() {
            "date" => {
                arity("1 个参数（'2026-01-01'）", args.len() == 1)?;
                let Expr::Str(text, text_span) = &args[0] else {
                    return refuse(args[0].span(), "date(…) 的参数应是带引号的日期，如 date('2026-01-01')".into());
                };
                let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .ok()
                    .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)));
                let Some(date) = date else {
                    return refuse(*text_span, format!("“{text}”不是日期（应写成 2026-01-01）"));
                };
                Ok(Node { kind: Kind::Date(days(date)), ty: Ty::Date, span })
            }
            "years_between" => {
                arity("2 个日期参数", args.len() == 2)?;
                let a = self.check(&args[0])?;
                let b = self.check(&args[1])?;
                for side in [&a, &b] {
                    if side.ty != Ty::Date {
                        return refuse(side.span, format!("years_between 的参数应是日期，这里是{}", side.ty.label()));
                    }
                }
                Ok(Node { kind: Kind::YearsBetween(Box::new(a), Box::new(b)), ty: Ty::Num, span })
            }
            "known" => {
                arity("1 个字段参数", args.len() == 1)?;
                let field = self.check(&args[0])?;
                let Kind::Field(column) = field.kind else {
                    return refuse(args[0].span(), "known(…) 的参数应是一个字段，如 known(rd_expense_3y)".into());
                };
                Ok(Node { kind: Kind::Known(column), ty: Ty::Bool, span })
            }
            "min" | "max" | "abs" | "round" => {
                match lower.as_str() {
                    "abs" => arity("1 个参数", args.len() == 1)?,
                    "round" => arity("2 个参数（值, 小数位数）", args.len() == 2)?,
                    _ => arity("至少 1 个参数", !args.is_empty())?,
                }
                let mut checked = Vec::with_capacity(args.len());
                for arg in args {
                    let arg = self.check(arg)?;
                    self.arithmetic_operand(&arg, &format!("{lower}(…)"))?;
                    checked.push(arg);
                }
                let kind = match lower.as_str() {
                    "min" => Kind::Min(checked),
                    "max" => Kind::Max(checked),
                    "abs" => Kind::Abs(Box::new(checked.remove(0))),
                    _ => {
                        let digits = checked.pop().expect("two arguments");
                        let places = match &digits.kind {
                            Kind::Num(value, _) if value.is_integer() => {
                                value.to_integer().to_u32().filter(|n| *n <= 10)
                            }
                            _ => None,
                        };
                        let Some(places) = places else {
                            return refuse(digits.span, "round 的小数位数应是 0 到 10 的整数常量".into());
                        };
                        Kind::Round(Box::new(checked.remove(0)), places)
                    }
                };
                Ok(Node { kind, ty: Ty::Num, span })
            }
            _ => {
                let near = super::schema::nearest(name, FUNCTIONS.iter().copied());
                let hint =
                    if near.is_empty() { String::new() } else { format!("，是否想写 {}", near.join("、")) };
                refuse(name_span, format!("未知函数“{name}”{hint}（可用：{}）", FUNCTIONS.join("、")))
            }
        }
    }
}

/// `-3` in an `in` list is the literal −3.
fn fold_negative(node: Node) -> Node {
    match node.kind {
        Kind::Neg(inner) => match inner.kind {
            Kind::Num(value, approx) => Node { kind: Kind::Num(-value, -approx), ty: Ty::Num, span: node.span },
            other => Node { kind: Kind::Neg(Box::new(Node { kind: other, ..*inner })), ..node },
        },
        _ => node,
    }
}
