//! `fengkou policy match` and `fengkou policy explain`: the rule language on files
//! alone, so that anyone can recompute a published 免申即享 result (as `fengkou
//! meeting rank` does for a meeting).

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use fengkou_app::policy_files::{Enterprises, read_enterprises, read_policies};
use fengkou_domain::policy::columns::Row;
use fengkou_domain::policy::exact::{show_amount, show_total};
use fengkou_domain::policy::plan::run_all;
use fengkou_domain::policy::{Policy, Schema, Step, Verdict, compile_all};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Match every enterprise against every policy; write `policy,enterprise,amount`
    Match {
        /// The enterprises: CSV with a header row (UTF-8, or GBK as Excel saves it)
        #[arg(long)]
        enterprises: PathBuf,
        /// The policies: JSON {"schema": [...], "policies": [{"id", "name", "condition", "amount"}]}
        #[arg(long)]
        policies: PathBuf,
        /// Where to write the result CSV (policy,enterprise,amount); nothing is written if anything is refused
        #[arg(long)]
        out: PathBuf,
        /// The column that identifies a record
        #[arg(long, default_value = "id")]
        id_column: String,
        /// Also print the seconds spent loading, compiling, evaluating and writing, and the peak memory
        #[arg(long)]
        timings: bool,
        /// Evaluation threads (default: every core)
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Explain one policy's verdict on one enterprise, step by step
    Explain {
        /// The enterprises CSV (as for match)
        #[arg(long)]
        enterprises: PathBuf,
        /// The policies JSON (as for match)
        #[arg(long)]
        policies: PathBuf,
        /// The policy's id
        #[arg(long)]
        policy: String,
        /// The enterprise's id (its value in the id column)
        #[arg(long)]
        enterprise: String,
        /// The column that identifies a record
        #[arg(long, default_value = "id")]
        id_column: String,
        /// Print JSON: {"policy", "enterprise", "eligible", "amount", "condition", "amount_steps"}
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: PolicyCommand) -> Result<()> {
    match command {
        PolicyCommand::Match { enterprises, policies, out, id_column, timings, threads } => {
            run_match(&enterprises, &policies, &out, &id_column, timings, threads)
        }
        PolicyCommand::Explain { enterprises, policies, policy, enterprise, id_column, json } => {
            explain(&enterprises, &policies, &policy, &enterprise, &id_column, json)
        }
    }
}

/// Reads both files and compiles the policies: with a schema, the policies are checked
/// before the data is read.
fn load(enterprises: &Path, policies: &Path, id_column: &str) -> Result<(Vec<Policy>, Enterprises, f64, f64)> {
    let file = read_policies(policies)?;
    let started = Instant::now();
    let given = match file.schema {
        Some(fields) => {
            let schema = Schema::new(fields).map_err(|e| anyhow::anyhow!("{e}"))?;
            // Fail on a bad policy before reading a million rows.
            compile_all(&file.policies, &schema)?;
            Some(schema)
        }
        None => None,
    };
    let precheck = started.elapsed().as_secs_f64();
    let loading = Instant::now();
    let data = read_enterprises(enterprises, given, id_column)?;
    let load_seconds = loading.elapsed().as_secs_f64();
    let compiling = Instant::now();
    let compiled = compile_all(&file.policies, &data.schema)?;
    Ok((compiled, data, load_seconds, precheck + compiling.elapsed().as_secs_f64()))
}

fn run_match(
    enterprises: &Path,
    policies: &Path,
    out: &Path,
    id_column: &str,
    timings: bool,
    threads: Option<usize>,
) -> Result<()> {
    for input in [enterprises, policies] {
        if same_file(input, out) {
            bail!("--out 与输入文件 {} 是同一个文件：结果会覆盖输入，请换一个文件名", input.display());
        }
    }
    let (compiled, data, load_seconds, compile_seconds) = load(enterprises, policies, id_column)?;
    if data.decoded {
        println!("企业数据不是 UTF-8，已按 GBK（GB18030）编码读取");
    }
    if data.inferred {
        let types: Vec<String> = data.schema.fields().iter().map(|f| format!("{} {}", f.name, f.ty.code())).collect();
        println!("策略文件没有 schema，列类型按数据推断：{}", types.join(", "));
    }
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let evaluating = Instant::now();
    let outcomes = run_all(&compiled, &data.batches, threads);
    let evaluate_seconds = evaluating.elapsed().as_secs_f64();
    let writing = Instant::now();
    let defs: Vec<_> = compiled.iter().map(|p| p.def.clone()).collect();
    fengkou_app::policy_files::write_results(out, &defs, &outcomes, &data)
        .with_context(|| format!("无法写入 {}", out.display()))?;
    let write_seconds = writing.elapsed().as_secs_f64();
    let mut rows = 0usize;
    for (policy, outcome) in compiled.iter().zip(&outcomes) {
        rows += outcome.paid.len();
        let mut line = format!(
            "{} {}：匹配 {} 家，金额合计 {} 万元，缺数据 {}，出错 {}",
            printable(policy.def.id.trim()),
            printable(&policy.def.name),
            outcome.paid.len(),
            show_total(outcome.total()),
            outcome.missing,
            outcome.errors
        );
        if !outcome.first_errors.is_empty() {
            let named: Vec<String> =
                outcome.first_errors.iter().map(|(r, why)| format!("{}（{why}）", printable(data.id(*r)))).collect();
            line.push_str(&format!("，出错的有 {}", named.join("、")));
        }
        println!("{line}");
    }
    if timings {
        let rechecked: u64 = outcomes.iter().map(|o| o.rechecked).sum();
        println!(
            "用时：读取 {load_seconds:.3} s，编译 {compile_seconds:.3} s，计算 {evaluate_seconds:.3} s，写出 {write_seconds:.3} s；\
             {} 家企业 × {} 项策略，{rows} 行结果，{rechecked} 次精确复核，{threads} 个线程；峰值内存 {} MB",
            data.len(),
            compiled.len(),
            peak_memory_mb().map_or("未知".to_string(), |m| format!("{m:.0}")),
        );
    }
    Ok(())
}

/// Whether two paths name one file (the output would overwrite an input).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A name from a file as a terminal should show it: control characters and the
/// direction overrides that could disguise it as �.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if hidden(c) { '�' } else { c }).collect()
}

/// As [`printable`], keeping line breaks (a message of several lines).
pub fn printable_lines(text: &str) -> String {
    text.chars().map(|c| if c != '\n' && hidden(c) { '�' } else { c }).collect()
}

fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// The process's peak resident memory (Linux's VmHWM).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn explain(
    enterprises: &Path,
    policies: &Path,
    policy_id: &str,
    enterprise: &str,
    id_column: &str,
    json: bool,
) -> Result<()> {
    let (compiled, data, _, _) = load(enterprises, policies, id_column)?;
    let Some(policy) = compiled.iter().find(|p| p.def.id.trim() == policy_id.trim()) else {
        let known: Vec<&str> = compiled.iter().map(|p| p.def.id.trim()).take(20).collect();
        bail!("没有编号为“{policy_id}”的策略（有：{}）", known.join("、"));
    };
    let Some((batch, row)) = data.find(enterprise.trim()) else {
        bail!("企业数据中没有编号为“{enterprise}”的企业（编号列：{id_column}）");
    };
    let explanation = policy.explain(&Row { batch: &data.batches[batch], row });
    let (eligible, amount) = match &explanation.verdict {
        Verdict::Paid(a) => (Some(true), Some(show_amount(*a))),
        Verdict::NotEligible => (Some(false), None),
        Verdict::MissingData | Verdict::Error(_) => (None, None),
    };
    if json {
        let value = serde_json::json!({
            "policy": policy.def.id.trim(),
            "enterprise": enterprise.trim(),
            "eligible": eligible,
            "amount": amount,
            "status": match &explanation.verdict {
                Verdict::Paid(_) => "符合",
                Verdict::NotEligible => "不符合",
                Verdict::MissingData => "缺数据",
                Verdict::Error(_) => "出错",
            },
            "verdict": verdict_text(&explanation.verdict),
            "condition": explanation.condition,
            "amount_steps": explanation.amount,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "策略 {} {}，企业 {}",
        printable(policy.def.id.trim()),
        printable(&policy.def.name),
        printable(enterprise.trim())
    );
    println!("条件：");
    print_tree(&explanation.condition, 1);
    if matches!(explanation.verdict, Verdict::Paid(_)) || explanation.condition.value == serde_json::Value::Bool(true) {
        println!("金额：");
        print_tree(&explanation.amount, 1);
    }
    println!("结论：{}", verdict_text(&explanation.verdict));
    Ok(())
}

fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Paid(a) => format!("符合，金额 {} 万元", show_amount(*a)),
        Verdict::NotEligible => "不符合".into(),
        Verdict::MissingData => "缺数据（条件或金额所需的数据为空），不予匹配".into(),
        Verdict::Error(why) => format!("出错：{why}，不予匹配"),
    }
}

fn print_tree(step: &Step, depth: usize) {
    println!("{}{}", "  ".repeat(depth), printable(&step.shown));
    let comparison = step.shown.contains(" → ");
    for child in &step.children {
        // A constant says nothing its parent's line does not; nor does a field whose
        // value the comparison's line already shows.
        if child.children.is_empty() && (child.shown == child.expr || comparison) {
            continue;
        }
        print_tree(child, depth + 1);
    }
}
