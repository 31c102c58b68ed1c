//! `fengkou credit score`, `credit explain` and `credit scheme`: the innovation credit
//! (创新积分制) on files alone, so that anyone can recompute a published score; the
//! results are those the product shows for the same data and scheme.

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use fengkou_app::credit_files::{ScoredFile, canonical_code, read_scheme, score_file};
use fengkou_domain::credit::{Breakdown, DEFAULT_SCHEME, FirmScore, Scorer, WhatIf, changed_row, show_cents};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum CreditCommand {
    /// Score every firm of a CSV: `uscc,cohort,score,rank,list`
    Score {
        /// The firms: CSV with a header row (DOMAIN §11 names or their Chinese labels; UTF-8 or GBK)
        #[arg(long)]
        enterprises: PathBuf,
        /// The scheme (JSON; `fengkou credit scheme` prints the shipped one)
        #[arg(long)]
        scheme: PathBuf,
        /// Write the CSV here instead of standard output (nothing is written if anything is refused)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print a JSON array of {"uscc", "cohort", "score", "rank", "list"} instead of CSV
        #[arg(long)]
        json: bool,
        /// The assessment date a scheme may read as `assessment_date` (default: today)
        #[arg(long)]
        on: Option<NaiveDate>,
        /// Threads (default: every core)
        #[arg(long)]
        threads: Option<usize>,
        /// Print the seconds spent reading, scoring and writing to standard error
        #[arg(long)]
        timings: bool,
    },
    /// Why one firm scored what it did: every indicator, bonus, deduction and veto
    Explain {
        #[arg(long)]
        enterprises: PathBuf,
        #[arg(long)]
        scheme: PathBuf,
        /// The firm's 统一社会信用代码
        #[arg(long)]
        uscc: String,
        /// Also score it with one field changed, e.g. `rd_expense=+100` (研发费用再增加 100 万元)
        #[arg(long, value_name = "FIELD=DELTA")]
        what_if: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Print the scheme fengkou ships (JSON), to copy and change
    Scheme,
}

pub fn run(command: CreditCommand) -> Result<()> {
    let today = || chrono::Local::now().date_naive();
    let threads = |t: Option<usize>| t.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    match command {
        CreditCommand::Score { enterprises, scheme, out, json, on, threads: t, timings } => {
            score(&enterprises, &scheme, out.as_deref(), json, on.unwrap_or_else(today), threads(t), timings)
        }
        CreditCommand::Explain { enterprises, scheme, uscc, what_if, json, on } => {
            explain(&enterprises, &scheme, &uscc, what_if.as_deref(), json, on.unwrap_or_else(today), threads(None))
        }
        CreditCommand::Scheme => {
            print!("{DEFAULT_SCHEME}");
            Ok(())
        }
    }
}

fn load(enterprises: &Path, scheme: &Path, on: NaiveDate, threads: usize) -> Result<(Scorer, ScoredFile)> {
    let (_, scorer) = read_scheme(scheme).map_err(|e| anyhow!("积分方案 {}：{e}", scheme.display()))?;
    let scored = score_file(enterprises, &scorer, on, threads).map_err(|e| anyhow!("{e}"))?;
    if scored.firms.decoded {
        eprintln!("企业数据不是 UTF-8，已按 GBK（GB18030）编码读取");
    }
    for note in &scored.notes {
        eprintln!("注意：{note}");
    }
    Ok((scorer, scored))
}

fn score(
    enterprises: &Path,
    scheme: &Path,
    out: Option<&Path>,
    json: bool,
    on: NaiveDate,
    threads: usize,
    timings: bool,
) -> Result<()> {
    let started = Instant::now();
    if let Some(out) = out {
        let same = |a: &Path, b: &Path| {
            std::fs::canonicalize(a).ok().zip(std::fs::canonicalize(b).ok()).is_some_and(|(a, b)| a == b)
        };
        if same(out, enterprises) || same(out, scheme) {
            bail!("--out {} 是输入文件，不会覆盖它；请另选一个文件名", out.display());
        }
    }
    let (scorer, scored) = load(enterprises, scheme, on, threads)?;
    let scored_seconds = started.elapsed().as_secs_f64();
    let names = &scorer.scheme().cohorts.names;
    let mut text = Vec::with_capacity(scored.scores.len() * 48);
    if json {
        text.push(b'[');
    } else {
        text.extend_from_slice(b"uscc,cohort,score,rank,list\n");
    }
    for (record, firm) in scored.scores.iter().enumerate() {
        let code = canonical_code(scored.firms.id(record as u32));
        let cohort = firm.cohort.map_or("", |c| names[c].as_str());
        if json {
            if record > 0 {
                text.push(b',');
            }
            text.push(b'\n');
            push_json_line(&mut text, &code, cohort, firm);
        } else {
            push_csv_line(&mut text, &code, cohort, firm);
        }
    }
    if json {
        text.extend_from_slice(b"\n]\n");
    }
    match out {
        // Written whole to a file beside the target and renamed, so that a failed run
        // never leaves half a result where the last one was.
        Some(path) => {
            let partial = path.with_extension("partial");
            std::fs::write(&partial, &text).with_context(|| format!("无法写入 {}", partial.display()))?;
            std::fs::rename(&partial, path).with_context(|| format!("无法写入 {}", path.display()))?;
            eprintln!("已写入 {}：{} 家企业", path.display(), scored.scores.len());
        }
        None => std::io::stdout().lock().write_all(&text)?,
    }
    if timings {
        eprintln!(
            "读取 {:.3} 秒，计算指标 {:.3} 秒，组内归一化与排名 {:.3} 秒，输出 {:.3} 秒，共 {:.3} 秒（{} 家企业，{} 项指标）",
            scored.seconds[0],
            scored.seconds[1],
            scored.seconds[2],
            started.elapsed().as_secs_f64() - scored_seconds,
            started.elapsed().as_secs_f64(),
            scored.scores.len(),
            scorer.scheme().indicators.len()
        );
    }
    Ok(())
}

/// One CSV field, quoted when it must be (a code as a file wrote it may hold anything).
fn push_csv_field(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

fn push_csv_line(out: &mut Vec<u8>, code: &str, cohort: &str, firm: &FirmScore) {
    push_csv_field(out, code);
    out.push(b',');
    push_csv_field(out, cohort);
    out.push(b',');
    if let Some(cents) = firm.cents {
        out.extend_from_slice(show_cents(cents).as_bytes());
    }
    out.push(b',');
    if let Some(rank) = firm.rank {
        out.extend_from_slice(itoa_text(rank).as_bytes());
    }
    out.push(b',');
    out.extend_from_slice(firm.list.label().as_bytes());
    out.push(b'\n');
}

fn itoa_text(n: u32) -> String {
    n.to_string()
}

/// `{"uscc": "…", "cohort": "成长期", "score": 812.40, "rank": 3, "list": "领跑"}`; the
/// score is a JSON number written with its two decimals; empty fields are null.
fn push_json_line(out: &mut Vec<u8>, code: &str, cohort: &str, firm: &FirmScore) {
    let text = |s: &str| serde_json::to_string(s).expect("a string is JSON");
    out.extend_from_slice(b"{\"uscc\": ");
    out.extend_from_slice(text(code).as_bytes());
    out.extend_from_slice(b", \"cohort\": ");
    out.extend_from_slice(if firm.cohort.is_some() { text(cohort) } else { "null".into() }.as_bytes());
    out.extend_from_slice(b", \"score\": ");
    out.extend_from_slice(firm.cents.map_or_else(|| "null".to_string(), show_cents).as_bytes());
    out.extend_from_slice(b", \"rank\": ");
    out.extend_from_slice(firm.rank.map_or_else(|| "null".to_string(), itoa_text).as_bytes());
    out.extend_from_slice(b", \"list\": ");
    out.extend_from_slice(text(firm.list.label()).as_bytes());
    out.push(b'}');
}

/// `rd_expense=+100`, `研发费用=100`, `rd_staff=-2` → the change.
fn parse_what_if(text: &str, scorer: &Scorer) -> Result<WhatIf> {
    let (field, delta) =
        text.split_once('=').ok_or_else(|| anyhow!("--what-if 应写成 字段=变化量，如 rd_expense=+100"))?;
    let field = field.trim();
    let name = fengkou_domain::enterprise::field_for_header(field).unwrap_or(field);
    if scorer.schema().find(name).is_none() {
        bail!("--what-if：没有字段 {field}");
    }
    Ok(WhatIf { field: name.to_string(), delta: delta.trim().trim_start_matches('+').to_string() })
}

fn explain(
    enterprises: &Path,
    scheme: &Path,
    uscc: &str,
    what_if: Option<&str>,
    json: bool,
    on: NaiveDate,
    threads: usize,
) -> Result<()> {
    let (scorer, mut scored) = load(enterprises, scheme, on, threads)?;
    let record = scored.find(uscc).ok_or_else(|| anyhow!("企业数据中没有统一社会信用代码为 {} 的企业", uscc.trim()))?;
    let breakdown = scorer.explain(&scored.facts, record);
    let (b, row) = scored.locate(record);
    let changed = match what_if {
        None => None,
        Some(text) => {
            let change = parse_what_if(text, &scorer)?;
            let mut one = changed_row(scorer.schema(), &scored.firms.batches[b], row, &change)
                .map_err(|e| anyhow!("--what-if：{e}"))?;
            let facts = scorer.facts(std::slice::from_mut(&mut one), on, 1);
            let (_, after) = scorer.what_if(&scored.facts, record, &facts);
            Some((change, after))
        }
    };
    let code = canonical_code(scored.firms.id(record as u32)).into_owned();
    let steps = scorer.explain_steps(&scored.firms.batches[b], row);
    // The batches are no longer needed: free them before printing.
    scored.firms.batches.clear();
    if json {
        let mut value = serde_json::json!({ "uscc": code, "breakdown": breakdown, "steps": steps });
        if let Some((change, after)) = &changed {
            value["what_if"] = serde_json::json!({
                "field": change.field, "delta": change.delta,
                "before": breakdown.score.cents.map(show_cents), "after": after.score.cents.map(show_cents),
                "breakdown": after,
            });
        }
        let text = serde_json::to_string_pretty(&value)? + "\n";
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(());
    }
    let mut out = String::new();
    print_breakdown(&mut out, &code, &breakdown);
    if let Some((change, after)) = changed {
        let label = fengkou_domain::enterprise::indicator(&change.field).map_or(change.field.as_str(), |i| i.label);
        let unit = fengkou_domain::enterprise::indicator(&change.field).map_or("", |i| i.kind.unit());
        let verb = if change.delta.starts_with('-') { "减少" } else { "增加" };
        use std::fmt::Write as _;
        let _ = writeln!(
            out,
            "\n假如{label}再{verb} {} {unit}：{} → {} 分（排名 {} → {}）",
            change.delta.trim_start_matches('-'),
            breakdown.score_text(),
            after.score_text(),
            breakdown.score.rank.map_or("—".into(), |r| r.to_string()),
            after.score.rank.map_or("—".into(), |r| r.to_string()),
        );
    }
    // Written at once: a reader that closes early (`| head`) ends the run quietly.
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}

fn number(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.to_string() }
}

fn print_breakdown(out: &mut String, code: &str, b: &Breakdown) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{code}  方案：{}（{}归一化，满分 {}）", b.scheme, b.normalise.label(), number(b.scale));
    let field = fengkou_domain::enterprise::indicator(&b.cohort_field);
    let (label, unit) = field.map_or((b.cohort_field.as_str(), ""), |i| (i.label, i.kind.unit()));
    let _ = match &b.cohort_name {
        Some(cohort) => writeln!(
            out,
            "分组：{cohort}（{label} {} {unit}），组内参评 {} 家",
            b.cohort_value.map_or("—".into(), number),
            b.cohort_size
        ),
        None => writeln!(out, "分组：缺数据（{label}为空，不参评）"),
    };
    let _ = writeln!(
        out,
        "得分：{}  排名：{}  名单：{}",
        b.score_text(),
        b.score.rank.map_or("—".into(), |r| r.to_string()),
        if b.score.list.label().is_empty() { "—" } else { b.score.list.label() }
    );
    let _ = writeln!(out, "\n{:<14} {:>10} {:>8} {:>8} {:>9}  依据", "指标", "值", "权重", "归一化", "得分");
    for line in &b.indicators {
        let value = match (line.value, line.none_reason) {
            (Some(v), _) => number(v),
            (None, Some(why)) => why.to_string(),
            (None, None) => "—".into(),
        };
        let _ = writeln!(
            out,
            "{:<14} {:>10} {:>8} {:>8} {:>9.2}  {}（组内 {} 家有值，{}）",
            line.name,
            value,
            number(line.weight),
            line.normalised.map_or("—".into(), |n| format!("{n:.4}")),
            line.points,
            line.expression,
            line.distribution.n,
            line.direction.label()
        );
    }
    let _ = writeln!(out, "指标合计 {:.4} 分", b.indicator_points);
    for (kind, items, sign) in [("加分", &b.bonus, "+"), ("减分", &b.deduct, "−")] {
        for item in items.iter() {
            let verdict =
                if item.holds { format!("符合，{sign}{}", number(item.points)) } else { "不符合".into() };
            let _ = writeln!(out, "{kind}：{}（{}）：{verdict}", item.name, item.when);
        }
    }
    for item in &b.veto {
        let _ = writeln!(
            out,
            "否决：{}（{}）：{}",
            item.name,
            item.when,
            if item.holds { "否决，得 0 分" } else { "不涉及" }
        );
    }
}
