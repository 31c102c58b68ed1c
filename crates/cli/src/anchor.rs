//! The anchor of the policy-match benchmark (`fengkou bench policy-anchor`): the
//! simplest fast thing a programmer would write by hand. The CSV is split on commas and
//! newlines (no quoting), numbers parsed straight into `f64` columns, enumerations
//! into codes; each policy (parsed and checked by the same front end) is evaluated
//! over 4,096-row chunks in plain `f64` loops, one thread, with no missing values, no
//! exactness and no explanation. It is what `fengkou policy match` is measured beside
//! in docs/BENCHMARKS.md; it is not a second implementation anyone should trust.

use anyhow::{Context, Result, bail};
use fengkou_app::policy_files::read_policies;
use fengkou_domain::policy::check::{Kind, Node};
use fengkou_domain::policy::syntax::BinOp;
use fengkou_domain::policy::{FieldType, Schema, compile_all};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const CHUNK: usize = 4096;

enum Col {
    Num(Vec<f64>),
    /// Codes, and the values they stand for.
    Code(Vec<u16>, Vec<String>),
    Text,
}

pub fn run(enterprises: &Path, policies: &Path, out: &Path) -> Result<()> {
    let file = read_policies(policies)?;
    let schema = Schema::new(file.schema.context("the anchor needs a schema in the policies file")?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let compiled = compile_all(&file.policies, &schema)?;
    let started = Instant::now();
    let bytes = std::fs::read(enterprises)?;
    let text = std::str::from_utf8(&bytes)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("empty file")?.split(',').collect();
    let at: Vec<usize> = schema
        .fields()
        .iter()
        .map(|f| header.iter().position(|h| *h == f.name).context("a schema column is missing"))
        .collect::<Result<_>>()?;
    let mut cols: Vec<Col> = schema
        .fields()
        .iter()
        .map(|f| match f.ty {
            FieldType::Enum => Col::Code(Vec::new(), f.values.clone()),
            FieldType::Text | FieldType::Date => Col::Text,
            _ => Col::Num(Vec::new()),
        })
        .collect();
    let mut ids: Vec<&str> = Vec::new();
    let id_at = header.iter().position(|h| *h == "id").context("no id column")?;
    let mut cells: Vec<&str> = Vec::with_capacity(header.len());
    for line in lines {
        cells.clear();
        cells.extend(line.split(','));
        if cells.len() != header.len() {
            bail!("a row with {} cells", cells.len());
        }
        ids.push(cells[id_at]);
        for ((col, field), index) in cols.iter_mut().zip(schema.fields()).zip(&at) {
            let cell = cells[*index];
            match col {
                Col::Num(v) => v.push(cell.parse::<f64>().unwrap_or(f64::NAN)),
                Col::Code(v, _) => {
                    v.push(field.values.iter().position(|x| x == cell).unwrap_or(u16::MAX as usize) as u16)
                }
                Col::Text => {}
            }
        }
    }
    let parsed = started.elapsed().as_secs_f64();
    let evaluating = Instant::now();
    let rows = ids.len();
    let mut matches: Vec<Vec<(u32, f64)>> = vec![Vec::new(); compiled.len()];
    let mut start = 0;
    while start < rows {
        let end = (start + CHUNK).min(rows);
        for (policy, found) in compiled.iter().zip(matches.iter_mut()) {
            let condition = eval(&policy.condition, &cols, start, end);
            let amount = eval(&policy.amount, &cols, start, end);
            for i in 0..end - start {
                if condition[i] != 0.0 {
                    found.push(((start + i) as u32, amount[i]));
                }
            }
        }
        start = end;
    }
    let evaluated = evaluating.elapsed().as_secs_f64();
    let writing = Instant::now();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    writeln!(w, "policy,enterprise,amount")?;
    let mut total = 0usize;
    for (policy, found) in compiled.iter().zip(&matches) {
        total += found.len();
        for (row, amount) in found {
            writeln!(w, "{},{},{:.4}", policy.def.id, ids[*row as usize], amount)?;
        }
    }
    w.flush()?;
    println!(
        "anchor: parse {parsed:.3} s, evaluate {evaluated:.3} s, write {:.3} s; {rows} rows × {} policies, {total} result rows; peak {} MB",
        writing.elapsed().as_secs_f64(),
        compiled.len(),
        crate::policy::peak_memory_mb().map_or("?".to_string(), |m| format!("{m:.0}")),
    );
    Ok(())
}

fn eval(node: &Node, cols: &[Col], start: usize, end: usize) -> Vec<f64> {
    let n = end - start;
    let both = |a: &Node, b: &Node, f: &dyn Fn(f64, f64) -> f64| {
        let (x, y) = (eval(a, cols, start, end), eval(b, cols, start, end));
        x.iter().zip(&y).map(|(x, y)| f(*x, *y)).collect::<Vec<f64>>()
    };
    let truth = |b: bool| if b { 1.0 } else { 0.0 };
    match &node.kind {
        Kind::Num(_, v) => vec![*v; n],
        Kind::Bool(b) => vec![truth(*b); n],
        Kind::Date(d) => vec![f64::from(*d); n],
        Kind::Text(_) => vec![0.0; n],
        Kind::Field(i) => match &cols[*i] {
            Col::Num(v) => v[start..end].to_vec(),
            Col::Code(v, _) => v[start..end].iter().map(|c| f64::from(*c)).collect(),
            Col::Text => vec![0.0; n],
        },
        // The anchor's data has no empty cells.
        Kind::Known(_) => vec![1.0; n],
        Kind::Neg(a) => eval(a, cols, start, end).into_iter().map(|x| -x).collect(),
        Kind::Not(a) => eval(a, cols, start, end).into_iter().map(|x| truth(x == 0.0)).collect(),
        Kind::Arith(op, a, b) => match op {
            BinOp::Add => both(a, b, &|x, y| x + y),
            BinOp::Sub => both(a, b, &|x, y| x - y),
            BinOp::Mul => both(a, b, &|x, y| x * y),
            _ => both(a, b, &|x, y| x / y),
        },
        Kind::Compare(op, a, b) => {
            // An enumeration against a literal: compare codes.
            if let (Kind::Field(i), Kind::Text(t)) = (&a.kind, &b.kind)
                && let Col::Code(codes, values) = &cols[*i]
            {
                let code = code_of(values, t);
                let eq = *op == BinOp::Eq;
                return codes[start..end].iter().map(|c| truth((*c == code) == eq)).collect();
            }
            match op {
                BinOp::Eq => both(a, b, &|x, y| truth(x == y)),
                BinOp::Ne => both(a, b, &|x, y| truth(x != y)),
                BinOp::Lt => both(a, b, &|x, y| truth(x < y)),
                BinOp::Le => both(a, b, &|x, y| truth(x <= y)),
                BinOp::Gt => both(a, b, &|x, y| truth(x > y)),
                _ => both(a, b, &|x, y| truth(x >= y)),
            }
        }
        Kind::And(a, b) => both(a, b, &|x, y| truth(x != 0.0 && y != 0.0)),
        Kind::Or(a, b) => both(a, b, &|x, y| truth(x != 0.0 || y != 0.0)),
        Kind::In { expr, list, negated } => {
            let mut hit = vec![0.0; n];
            if let Kind::Field(i) = &expr.kind
                && let Col::Code(codes, values) = &cols[*i]
            {
                let wanted: Vec<u16> = list
                    .iter()
                    .filter_map(|l| if let Kind::Text(t) = &l.kind { Some(code_of(values, t)) } else { None })
                    .collect();
                for (h, c) in hit.iter_mut().zip(&codes[start..end]) {
                    *h = truth(wanted.contains(c) != *negated);
                }
                return hit;
            }
            let x = eval(expr, cols, start, end);
            for item in list {
                let y = eval(item, cols, start, end);
                for i in 0..n {
                    if x[i] == y[i] {
                        hit[i] = 1.0;
                    }
                }
            }
            hit.into_iter().map(|h| truth((h != 0.0) != *negated)).collect()
        }
        Kind::Min(args) | Kind::Max(args) => {
            let is_min = matches!(node.kind, Kind::Min(_));
            let mut acc = eval(&args[0], cols, start, end);
            for arg in &args[1..] {
                let y = eval(arg, cols, start, end);
                for i in 0..n {
                    acc[i] = if is_min { acc[i].min(y[i]) } else { acc[i].max(y[i]) };
                }
            }
            acc
        }
        Kind::Abs(a) => eval(a, cols, start, end).into_iter().map(f64::abs).collect(),
        Kind::Round(a, places) => {
            let f = 10f64.powi(*places as i32);
            eval(a, cols, start, end).into_iter().map(|x| (x * f).round() / f).collect()
        }
        Kind::YearsBetween(..) => vec![0.0; n],
        Kind::If(c, a, b) => {
            let (c, x, y) = (eval(c, cols, start, end), eval(a, cols, start, end), eval(b, cols, start, end));
            (0..n).map(|i| if c[i] != 0.0 { x[i] } else { y[i] }).collect()
        }
    }
}

fn code_of(values: &[String], text: &str) -> u16 {
    values.iter().position(|v| v == text).map_or(u16::MAX - 1, |p| p as u16)
}
