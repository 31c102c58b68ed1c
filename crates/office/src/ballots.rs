//! Ballot files for `fengkou meeting rank`: CSV with a header row, read into the
//! domain's ballot lines with a problem per bad row ("第N行 列名：原因").
//!
//! - rank ballots: `judge,unit,rank` (optional `group`);
//! - scores: `judge,unit,score` (a judge's total for a unit).

use crate::RowProblem;
use fengkou_domain::observation::{RankLine, ScoreLine};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The rows, or every problem found.
pub type Parsed<T> = Result<Vec<T>, Vec<RowProblem>>;

struct Table {
    headers: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn read_table(bytes: &[u8]) -> Result<Table, Vec<RowProblem>> {
    // A UTF-8 BOM (Excel's "CSV UTF-8") is not part of the first header.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let file_problem = |reason: String| vec![RowProblem { row: 1, column: "文件".into(), reason }];
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| file_problem(format!("无法读取表头：{e}")))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| file_problem(format!("第{}行无法读取（需为 UTF-8 编码的 CSV）：{e}", i + 2)))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows.push((i + 2, record.iter().map(str::to_string).collect()));
    }
    Ok(Table { headers, rows })
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    fn require(&self, names: &[&str]) -> Result<Vec<usize>, Vec<RowProblem>> {
        let missing: Vec<&str> = names.iter().copied().filter(|n| self.column(n).is_none()).collect();
        if missing.is_empty() {
            Ok(names.iter().filter_map(|n| self.column(n)).collect())
        } else {
            Err(vec![RowProblem {
                row: 1, column: "表头".into(), reason: format!("缺少列：{}", missing.join(", "))
            }])
        }
    }
}

fn text(row: &[String], col: usize, n: usize, name: &str, problems: &mut Vec<RowProblem>) -> String {
    let value = row.get(col).cloned().unwrap_or_default();
    if value.is_empty() {
        problems.push(RowProblem { row: n, column: name.into(), reason: "不能为空".into() });
    }
    value
}

pub fn read_rank_ballots(bytes: &[u8]) -> Parsed<RankLine> {
    let table = read_table(bytes)?;
    let cols = table.require(&["judge", "unit", "rank"])?;
    let group = table.column("group");
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (n, row) in &table.rows {
        let judge = text(row, cols[0], *n, "judge", &mut problems);
        let unit = text(row, cols[1], *n, "unit", &mut problems);
        let raw = row.get(cols[2]).map(String::as_str).unwrap_or("");
        let rank = match raw.parse::<u32>() {
            Ok(r) if r >= 1 => r,
            _ => {
                problems.push(RowProblem {
                    row: *n,
                    column: "rank".into(),
                    reason: format!("名次须为正整数（现为“{raw}”）"),
                });
                continue;
            }
        };
        let group = group.and_then(|g| row.get(g)).filter(|g| !g.is_empty()).cloned();
        out.push(RankLine { judge, group, unit, rank });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

pub fn read_scores(bytes: &[u8]) -> Parsed<ScoreLine> {
    let table = read_table(bytes)?;
    let cols = table.require(&["judge", "unit", "score"])?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (n, row) in &table.rows {
        let judge = text(row, cols[0], *n, "judge", &mut problems);
        let unit = text(row, cols[1], *n, "unit", &mut problems);
        let raw = row.get(cols[2]).map(String::as_str).unwrap_or("");
        let score = match Decimal::from_str(raw) {
            Ok(s) if s >= Decimal::ZERO && s <= Decimal::from(1000) => s,
            _ => {
                problems.push(RowProblem {
                    row: *n,
                    column: "score".into(),
                    reason: format!("分数须为0到1000之间的数（现为“{raw}”）"),
                });
                continue;
            }
        };
        out.push(ScoreLine { judge, unit, score });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rank_ballots_with_optional_group_and_bom() {
        let csv = "\u{feff}judge,unit,rank,group\n张三,湖北路,1,一组\n张三, 天津路 ,2,一组\n\n李四,湖北路,1,\n";
        let lines = read_rank_ballots(csv.as_bytes()).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].unit, "天津路");
        assert_eq!(lines[0].group.as_deref(), Some("一组"));
        assert_eq!(lines[2].group, None);
    }

    #[test]
    fn names_every_bad_row() {
        let problems = read_rank_ballots("judge,unit,rank\n张三,湖北路,一\n,天津路,2\n".as_bytes()).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["第2行 rank：名次须为正整数（现为“一”）", "第3行 judge：不能为空"]);
        let problems = read_scores("judge,unit\n".as_bytes()).unwrap_err();
        assert_eq!(problems[0].to_string(), "第1行 表头：缺少列：score");
        let problems = read_scores("judge,unit,score\nA,B,-1\n".as_bytes()).unwrap_err();
        assert!(problems[0].reason.contains("0到1000"));
    }
}
