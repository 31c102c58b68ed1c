//! Reading a rule's text into a tree. Written by hand (a Pratt parser of a dozen
//! precedence levels) rather than with a parser generator: the grammar is small, and
//! the messages must be Chinese, name the character position, and say what was
//! expected, which a generator's messages do not.
//!
//! Officials type rules with a Chinese input method on, so the full-width forms
//! （ ） ， and the signs ≥ ≤ ≠ are read as ( ) , >= <= !=; keywords are read in any case.

use std::fmt;

/// Where a part of the text sits: character positions (not bytes), `start` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::Ne => "≠",
            BinOp::Lt => "<",
            BinOp::Le => "≤",
            BinOp::Gt => ">",
            BinOp::Ge => "≥",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The literal's text, kept so that it is read exactly (0.05 is 1/20, not a float).
    Number(String, Span),
    Str(String, Span),
    Bool(bool, Span),
    Field(String, Span),
    Neg(Box<Expr>, Span),
    Not(Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        span: Span,
    },
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
        span: Span,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
        span: Span,
    },
}

impl Expr {
    fn with_span(mut self, new: Span) -> Expr {
        match &mut self {
            Expr::Number(_, s)
            | Expr::Str(_, s)
            | Expr::Bool(_, s)
            | Expr::Field(_, s)
            | Expr::Neg(_, s)
            | Expr::Not(_, s)
            | Expr::Binary(_, _, _, s) => *s = new,
            Expr::In { span, .. } | Expr::Call { span, .. } | Expr::If { span, .. } => *span = new,
        }
        self
    }

    pub fn span(&self) -> Span {
        match self {
            Expr::Number(_, s)
            | Expr::Str(_, s)
            | Expr::Bool(_, s)
            | Expr::Field(_, s)
            | Expr::Neg(_, s)
            | Expr::Not(_, s)
            | Expr::Binary(_, _, _, s) => *s,
            Expr::In { span, .. } | Expr::Call { span, .. } | Expr::If { span, .. } => *span,
        }
    }
}

/// Text that is not a rule: where (a character position from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub position: usize,
    pub reason: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第 {} 个字符处：{}", self.position, self.reason)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Str(String),
    Ident(String),
    Kw(Kw),
    Op(&'static str),
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    And,
    Or,
    Not,
    In,
    If,
    Then,
    Else,
    True,
    False,
}

fn keyword(word: &str) -> Option<Kw> {
    Some(match word.to_ascii_lowercase().as_str() {
        "and" => Kw::And,
        "or" => Kw::Or,
        "not" => Kw::Not,
        "in" => Kw::In,
        "if" => Kw::If,
        "then" => Kw::Then,
        "else" => Kw::Else,
        "true" => Kw::True,
        "false" => Kw::False,
        _ => return None,
    })
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(n) => format!("数字 {n}"),
        Tok::Str(s) => format!("文字 '{s}'"),
        Tok::Ident(i) => format!("“{i}”"),
        Tok::Kw(k) => format!("“{}”", format!("{k:?}").to_lowercase()),
        Tok::Op(o) => format!("“{o}”"),
        Tok::End => "结尾".to_string(),
    }
}

/// Longest texts are tried first; full-width and mathematical forms are synonyms.
const OPERATORS: &[(&str, &str)] = &[
    ("==", "=="),
    ("!=", "!="),
    ("<>", "!="),
    ("<=", "<="),
    (">=", ">="),
    ("≥", ">="),
    ("≤", "<="),
    ("≠", "!="),
    ("<", "<"),
    (">", ">"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("×", "*"),
    ("/", "/"),
    ("÷", "/"),
    ("(", "("),
    (")", ")"),
    ("（", "("),
    ("）", ")"),
    (",", ","),
    ("，", ","),
];

fn tokenize(text: &str) -> Result<Vec<(Tok, Span)>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, reason: String| SyntaxError { position: at + 1, reason };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == '\u{3000}' {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            if literal.matches('.').count() > 1 || literal.ends_with('.') {
                return Err(err(start, format!("“{literal}”不是数字")));
            }
            if i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                return Err(err(i, format!("数字 {literal} 后面紧跟着“{}”，中间缺少运算符或空格", chars[i])));
            }
            out.push((Tok::Num(literal), Span { start, end: i }));
            continue;
        }
        if matches!(c, '\'' | '"' | '‘' | '“') {
            let close = match c {
                '‘' => '’',
                '“' => '”',
                other => other,
            };
            i += 1;
            let from = i;
            while i < chars.len() && chars[i] != close {
                i += 1;
            }
            if i == chars.len() {
                return Err(err(start, format!("文字缺少结尾的引号 {close}")));
            }
            let value: String = chars[from..i].iter().collect();
            i += 1;
            out.push((Tok::Str(value), Span { start, end: i }));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let tok = keyword(&word).map_or(Tok::Ident(word), Tok::Kw);
            out.push((tok, Span { start, end: i }));
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some((text, op)) = OPERATORS.iter().find(|(t, _)| rest.starts_with(t)) {
            i += text.chars().count();
            out.push((Tok::Op(op), Span { start, end: i }));
            continue;
        }
        let reason = match c {
            '=' => "相等请写 ==（一个 = 不是比较）".to_string(),
            '&' => "“并且”请写 and".to_string(),
            '|' => "“或者”请写 or".to_string(),
            '!' => "“非”请写 not".to_string(),
            other if other.is_control() => format!("不可见的控制字符 U+{:04X}", other as u32),
            other => format!("无法识别的字符“{other}”"),
        };
        return Err(err(i, reason));
    }
    out.push((Tok::End, Span { start: chars.len(), end: chars.len() }));
    Ok(out)
}

/// Reads one expression; the whole text must be used.
pub fn parse(text: &str) -> Result<Expr, SyntaxError> {
    if text.trim().is_empty() {
        return Err(SyntaxError { position: 1, reason: "表达式为空".into() });
    }
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(SyntaxError {
            position: MAX_LENGTH + 1,
            reason: format!("表达式有 {length} 个字符，超过上限 {MAX_LENGTH}"),
        });
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0, depth: 0 };
    let expr = parser.expr()?;
    match parser.peek() {
        Tok::End if height(&expr) > MAX_HEIGHT => Err(SyntaxError {
            position: 1,
            reason: format!("表达式层层嵌套超过 {MAX_HEIGHT} 层（如一长串相乘）：请拆成几项"),
        }),
        Tok::End => Ok(expr),
        Tok::Op(")") => Err(parser.error_here("多了一个右括号“)”".into())),
        other => {
            let found = describe(other);
            Err(parser.error_here(format!("表达式在这里应已结束，却遇到{found}（是否缺少 and / or 或运算符？）")))
        }
    }
}

/// A rule longer than this is refused: real ones are a few lines, and the checker
/// and the evaluator recurse over the tree.
pub const MAX_LENGTH: usize = 4000;

/// A tree taller than this is refused: a chain of 1,700 products fits in 4,000
/// characters and would exhaust the stack of every evaluator that recurses over it;
/// real rules are a few dozen parts deep.
pub const MAX_HEIGHT: usize = 120;

/// How many levels the tree has (its own recursion is shallow: its frames are tiny).
fn height(expr: &Expr) -> usize {
    1 + match expr {
        Expr::Number(..) | Expr::Str(..) | Expr::Bool(..) | Expr::Field(..) => 0,
        Expr::Neg(e, _) | Expr::Not(e, _) => height(e),
        Expr::Binary(_, a, b, _) => height(a).max(height(b)),
        Expr::In { expr, list, .. } => list.iter().map(height).max().unwrap_or(0).max(height(expr)),
        Expr::Call { args, .. } => args.iter().map(height).max().unwrap_or(0),
        Expr::If { cond, then, otherwise, .. } => height(cond).max(height(then)).max(height(otherwise)),
    }
}

/// Deeper nesting than this is refused rather than risking the stack on hostile text.
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<(Tok, Span)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.at].0
    }
    fn span(&self) -> Span {
        self.tokens[self.at].1
    }
    fn bump(&mut self) -> (Tok, Span) {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }
    fn error_here(&self, reason: String) -> SyntaxError {
        SyntaxError { position: self.span().start + 1, reason }
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Tok::Op(o) if *o == op) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, kw: Kw) -> bool {
        if matches!(self.peek(), Tok::Kw(k) if *k == kw) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn expect_op(&mut self, op: &str, context: &str) -> Result<Span, SyntaxError> {
        let span = self.span();
        if self.eat_op(op) {
            Ok(span)
        } else {
            let found = describe(self.peek());
            Err(self.error_here(format!("{context}应有“{op}”，却遇到{found}")))
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(format!("嵌套超过 {MAX_DEPTH} 层")));
        }
        let result = if matches!(self.peek(), Tok::Kw(Kw::If)) { self.conditional() } else { self.or() };
        self.depth -= 1;
        result
    }

    fn conditional(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.bump().1.start;
        let cond = self.expr()?;
        if !self.eat_kw(Kw::Then) {
            let found = describe(self.peek());
            return Err(self.error_here(format!("if 的条件之后应有 then，却遇到{found}")));
        }
        let then = self.expr()?;
        if !self.eat_kw(Kw::Else) {
            let found = describe(self.peek());
            return Err(self.error_here(format!("if … then … 之后应有 else，却遇到{found}")));
        }
        let otherwise = self.expr()?;
        let span = Span { start, end: otherwise.span().end };
        Ok(Expr::If { cond: Box::new(cond), then: Box::new(then), otherwise: Box::new(otherwise), span })
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while self.eat_kw(Kw::Or) {
            let right = self.and()?;
            left = binary(BinOp::Or, left, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.not()?;
        while self.eat_kw(Kw::And) {
            let right = self.not()?;
            left = binary(BinOp::And, left, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if matches!(self.peek(), Tok::Kw(Kw::Not)) {
            let start = self.bump().1.start;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.error_here(format!("嵌套超过 {MAX_DEPTH} 层")));
            }
            let inner = self.not()?;
            self.depth -= 1;
            let span = Span { start, end: inner.span().end };
            return Ok(Expr::Not(Box::new(inner), span));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.sum()?;
        let op = match self.peek() {
            Tok::Op("==") => Some(BinOp::Eq),
            Tok::Op("!=") => Some(BinOp::Ne),
            Tok::Op("<") => Some(BinOp::Lt),
            Tok::Op("<=") => Some(BinOp::Le),
            Tok::Op(">") => Some(BinOp::Gt),
            Tok::Op(">=") => Some(BinOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let right = self.sum()?;
            if let Tok::Op(o @ ("==" | "!=" | "<" | "<=" | ">" | ">=")) = self.peek() {
                let o = *o;
                return Err(self.error_here(format!("比较不能连写（“{o}”）：请用 and 连接两个比较")));
            }
            return Ok(binary(op, left, right));
        }
        let negated = if matches!(self.peek(), Tok::Kw(Kw::Not))
            && matches!(self.tokens.get(self.at + 1), Some((Tok::Kw(Kw::In), _)))
        {
            self.bump();
            true
        } else {
            false
        };
        if self.eat_kw(Kw::In) {
            self.expect_op("(", "in 之后")?;
            let mut list = vec![self.sum()?];
            while self.eat_op(",") {
                list.push(self.sum()?);
            }
            let end = self.expect_op(")", "in 的列表末尾")?.end;
            let span = Span { start: left.span().start, end };
            return Ok(Expr::In { expr: Box::new(left), list, negated, span });
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Op("+") => BinOp::Add,
                Tok::Op("-") => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.product()?;
            left = binary(op, left, right);
        }
    }

    fn product(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Op("*") => BinOp::Mul,
                Tok::Op("/") => BinOp::Div,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.unary()?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if matches!(self.peek(), Tok::Op("-")) {
            let start = self.bump().1.start;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.error_here(format!("嵌套超过 {MAX_DEPTH} 层")));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            let span = Span { start, end: inner.span().end };
            return Ok(Expr::Neg(Box::new(inner), span));
        }
        if matches!(self.peek(), Tok::Op("+")) {
            self.bump();
            return self.unary();
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let (tok, span) = self.bump();
        match tok {
            Tok::Num(n) => Ok(Expr::Number(n, span)),
            Tok::Str(s) => Ok(Expr::Str(s, span)),
            Tok::Kw(Kw::True) => Ok(Expr::Bool(true, span)),
            Tok::Kw(Kw::False) => Ok(Expr::Bool(false, span)),
            Tok::Op("(") => {
                let inner = self.expr()?;
                let end = self.expect_op(")", "括号内的表达式之后")?.end;
                // The parentheses belong to the part, so that an explanation quotes "(a - b)".
                Ok(inner.with_span(Span { start: span.start, end }))
            }
            Tok::Ident(name) => {
                if !self.eat_op("(") {
                    return Ok(Expr::Field(name, span));
                }
                let mut args = Vec::new();
                if !self.eat_op(")") {
                    args.push(self.expr()?);
                    while self.eat_op(",") {
                        args.push(self.expr()?);
                    }
                    self.expect_op(")", &format!("函数 {name} 的参数之后"))?;
                }
                let end = self.tokens[self.at.saturating_sub(1)].1.end;
                Ok(Expr::Call { name, name_span: span, args, span: Span { start: span.start, end } })
            }
            Tok::End => Err(SyntaxError {
                position: span.start + 1,
                reason: "表达式不完整：结尾处还缺少一个值".into(),
            }),
            other => {
                let found = describe(&other);
                Err(SyntaxError {
                    position: span.start + 1,
                    reason: format!("这里应是一个值（数字、字段、函数或括号），却遇到{found}"),
                })
            }
        }
    }
}

fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
    let span = Span { start: left.span().start, end: right.span().end };
    Expr::Binary(op, Box::new(left), Box::new(right), span)
}
