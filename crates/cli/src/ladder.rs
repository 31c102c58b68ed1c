//! `fengkou ladder assess`: every firm of a CSV on every rung of the cultivation
//! ladder, from files alone (no database), with the rules fengkou ships or a rules
//! file; the verdicts are those the product shows for the same data.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use fengkou_app::ladder_files::{CodeAndName, assess_all, read_firms};
use fengkou_domain::ladder::{Assessor, Judged, RuleSet, default_rule_sets, in_force, push_scaled, show_scaled};
use fengkou_domain::uscc::{Uscc, is_valid_as_written};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum LadderCommand {
    /// Assess every firm of a CSV on every rung (科技型中小企业, 高新技术企业, 创新型中小企业)
    Assess {
        /// The firms: CSV with a header row (DOMAIN §11 names or their Chinese labels; UTF-8 or GBK)
        #[arg(long)]
        enterprises: PathBuf,
        /// The assessment date (default: today)
        #[arg(long)]
        on: Option<NaiveDate>,
        /// Print a JSON array: [{"uscc", "name", "rungs": [{"rung", "eligible", "route", "score", "missing"}]}]
        #[arg(long)]
        json: bool,
        /// Rule sets (JSON array) instead of the shipped ones; the version in force on --on applies
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Assessment threads (default: every core)
        #[arg(long)]
        threads: Option<usize>,
        /// Print the seconds spent reading, assessing and writing to standard error
        #[arg(long)]
        timings: bool,
    },
}

pub fn run(command: LadderCommand) -> Result<()> {
    match command {
        LadderCommand::Assess { enterprises, on, json, rules, threads, timings } => {
            let on = on.unwrap_or_else(|| chrono::Local::now().date_naive());
            assess(&enterprises, on, json, rules.as_deref(), threads, timings)
        }
    }
}

fn rule_sets(rules: Option<&Path>, on: NaiveDate) -> Result<Vec<RuleSet>> {
    let sets = match rules {
        None => default_rule_sets(),
        Some(path) => {
            // Rule sets are a few KB; reading at most 4 MB keeps /dev/zero from filling memory.
            use std::io::Read as _;
            const MAX_RULES_FILE: u64 = 4 << 20;
            let file = std::fs::File::open(path).with_context(|| format!("无法读取规则文件 {}", path.display()))?;
            let mut bytes = Vec::new();
            file.take(MAX_RULES_FILE + 1)
                .read_to_end(&mut bytes)
                .with_context(|| format!("无法读取规则文件 {}", path.display()))?;
            if bytes.len() as u64 > MAX_RULES_FILE {
                bail!("规则文件 {} 超过 4 MB，不像规则", path.display());
            }
            serde_json::from_slice(&bytes).with_context(|| format!("规则文件 {} 有误", path.display()))?
        }
    };
    let sets = in_force(&sets, on);
    if sets.is_empty() {
        bail!("{on} 没有生效的规则（每套规则的 effective_from 都晚于评估日期）");
    }
    Ok(sets)
}

/// How many invalid codes are named on standard error.
const LISTED_INVALID_CODES: usize = 10;

/// A score as JSON: 72 when whole, 72.5 otherwise.
fn push_score(out: &mut Vec<u8>, scaled: i64) {
    let mut text = String::new();
    push_scaled(&mut text, scaled);
    out.extend_from_slice(text.as_bytes());
}

/// A JSON string. Written by hand rather than through serde: a million firms' lines
/// are written, and most need no escaping; those that do go through serde_json.
fn push_json_str(out: &mut Vec<u8>, text: &str) {
    // Every byte is looked at, without stopping at the first that needs escaping: a
    // loop without an early exit is vectorised.
    let escaped = text.bytes().fold(false, |any, b| any | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if escaped {
        serde_json::to_writer(&mut *out, text).expect("JSON into memory");
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

/// `{"uscc", "name", "rungs": [{"rung", "eligible", "route", "score", "missing"}]}`
fn push_firm_json(out: &mut Vec<u8>, code: &str, name: &str, rungs: &[Judged]) {
    out.extend_from_slice(b"{\"uscc\":");
    push_json_str(out, code);
    out.extend_from_slice(b",\"name\":");
    push_json_str(out, name);
    out.extend_from_slice(b",\"rungs\":[");
    for (i, verdict) in rungs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"rung\":");
        push_json_str(out, &verdict.rung);
        out.extend_from_slice(if verdict.eligible {
            b",\"eligible\":true,\"route\":"
        } else {
            b",\"eligible\":false,\"route\":"
        });
        match verdict.route {
            Some(route) => push_json_str(out, route.label()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"score\":");
        match verdict.score {
            Some(score) => push_score(out, score),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"missing\":[");
        for (j, shortfall) in verdict.missing().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            push_json_str(out, shortfall.text);
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"]}");
}

fn assess(
    enterprises: &Path,
    on: NaiveDate,
    json: bool,
    rules: Option<&Path>,
    threads: Option<usize>,
    timings: bool,
) -> Result<()> {
    let started = Instant::now();
    let sets = rule_sets(rules, on)?;
    let assessor = Assessor::new(&sets).map_err(|e| anyhow::anyhow!("规则无法编译：{e}"))?;
    let mut firms = read_firms(enterprises, &assessor)?;
    let read_seconds = started.elapsed().as_secs_f64();
    if firms.decoded {
        eprintln!("企业数据不是 UTF-8，已按 GBK（GB18030）编码读取");
    }
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let assessing = Instant::now();
    // How many codes are invalid, and the first few by line (a file of a million bad
    // codes is not listed whole).
    let invalid_codes = std::sync::Mutex::new((0usize, Vec::<(usize, String)>::new()));
    let total = firms.len();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    if json {
        out.write_all(b"[")?;
    } else {
        writeln!(out, "评估日期 {on}，{total} 家企业")?;
    }
    let firm = CodeAndName::new(&assessor);
    assess_all(
        &assessor,
        &mut firms,
        on,
        threads,
        |batch, row, rungs, out| {
            let (code, name) = firm.of(batch, row);
            // A code written with spaces, lower case or full-width characters is
            // printed as it should be written.
            let parsed = if is_valid_as_written(code) { None } else { Some(Uscc::parse(code)) };
            let code = match &parsed {
                None => code,
                Some(Ok(valid)) => valid.as_str(),
                Some(Err(why)) => {
                    let line = batch.first_line + row;
                    let mut invalid = invalid_codes.lock().expect("not poisoned");
                    invalid.0 += 1;
                    if invalid.1.len() < LISTED_INVALID_CODES || invalid.1.iter().any(|(l, _)| *l > line) {
                        invalid.1.push((line, format!("第{line}行 {code}：{why}")));
                        invalid.1.sort_unstable_by_key(|(l, _)| *l);
                        invalid.1.truncate(LISTED_INVALID_CODES);
                    }
                    code
                }
            };
            if json {
                if batch.first_line != 2 || row != 0 {
                    out.push(b',');
                }
                out.push(b'\n');
                push_firm_json(out, code, name, rungs);
            } else {
                write_table_rows(out, code, name, rungs);
            }
        },
        // Each part is large: written straight through, not copied into the buffer.
        |part| {
            out.flush()?;
            out.get_mut().write_all(part)
        },
    )?;
    let assess_seconds = assessing.elapsed().as_secs_f64();
    if json {
        out.write_all(b"\n]\n")?;
    } else {
        for set in assessor.rungs() {
            writeln!(out, "规则：{} {}（{}起）{}", set.rung, set.version, set.effective_from, set.basis)?;
        }
    }
    out.flush()?;
    let (invalid, first) = invalid_codes.into_inner().expect("not poisoned");
    if invalid > 0 {
        eprintln!("注意：{invalid} 家企业的统一社会信用代码无效（仍按数据评估），前几处：");
        for (_, line) in &first {
            eprintln!("  {line}");
        }
    }
    if timings {
        eprintln!(
            "读取 {read_seconds:.3} 秒，评估并输出 {assess_seconds:.3} 秒，共 {:.3} 秒",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn write_table_rows(out: &mut Vec<u8>, code: &str, name: &str, rungs: &[Judged]) {
    let _ = writeln!(out, "\n{code}  {name}");
    for verdict in rungs {
        let score = verdict.score.map(|s| format!("，评分 {} 分", show_scaled(s))).unwrap_or_default();
        let line = match verdict.route {
            Some(route) => format!("  {}：符合（{}{score}）", verdict.rung, route.label()),
            None => {
                let why: Vec<&str> = verdict.missing().map(|m| m.text).collect();
                format!("  {}：不符合{score}；{}", verdict.rung, why.join("；"))
            }
        };
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::push_firm_json;
    use arrow_array::StringArray;
    use fengkou_domain::ladder::{Assessor, RuleSet, prepare_batch};
    use fengkou_domain::policy::Batch;

    #[test]
    fn a_firm_written_by_hand_is_json_whatever_its_name_and_the_rules_hold() {
        let name = "洛阳\"某\"公司\\\n\u{1}</script>";
        // A rule whose name has quotes: its shortfall text is escaped too.
        let sets: Vec<RuleSet> = serde_json::from_value(serde_json::json!([
            {"rung": "科技型中小企业", "version": "v", "effective_from": "2017-01-01",
             "conditions": [{"id": "x", "name": "职工 \"总数\"", "when": "employees <= 500"}],
             "points": {"pass": 60, "items": [{"id": "s", "name": "创新", "value": "innovation_score"}]}},
            {"rung": "高新技术企业", "version": "v", "effective_from": "2017-01-01",
             "conditions": [{"id": "y", "name": "职工", "when": "employees <= 900"}]}
        ]))
        .unwrap();
        let assessor = Assessor::new(&sets).unwrap();
        let schema = assessor.schema();
        let cell = |field: &str| match field {
            "employees" => Some("600"),
            "innovation_score" => Some("72.5"),
            _ => None,
        };
        let columns: Vec<StringArray> =
            schema.fields().iter().map(|f| StringArray::from(vec![cell(&f.name)])).collect();
        let text: Vec<&StringArray> = columns.iter().collect();
        let mut batch = Batch::from_text(schema, &text, 2).unwrap();
        prepare_batch(&mut batch, schema, chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let mut out = Vec::new();
        assessor.judge_batch(&batch, &mut assessor.scratch(1), |_, rungs| {
            push_firm_json(&mut out, "91410303000000019A", name, rungs)
        });
        let read: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(read["name"], name);
        assert_eq!(read["rungs"][0]["score"], 72.5);
        assert_eq!(read["rungs"][0]["eligible"], false);
        assert_eq!(read["rungs"][0]["route"], serde_json::Value::Null);
        assert_eq!(read["rungs"][0]["missing"][0], "职工 \"总数\"：不符合（职工总数 600）");
        assert_eq!(read["rungs"][1]["route"], "评分");
        assert_eq!(read["rungs"][1]["eligible"], true);
        assert_eq!(read["rungs"][1]["score"], serde_json::Value::Null);
        assert_eq!(read["rungs"][1]["missing"], serde_json::json!([]));
    }
}
