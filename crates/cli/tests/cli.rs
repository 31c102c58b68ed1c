//! The `fengkou` binary's stable interfaces, run as a user would run them.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fengkou(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengkou"))
        .args(args)
        .env_remove("FENGKOU_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn meeting_rank_recomputes_a_ranking_from_a_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ballots = dir.path().join("ballots.csv");
    std::fs::write(&ballots, "judge,unit,rank\nA,湖北路,1\nA,天津路,2\nA,长春路,3\nB,湖北路,2\nB,天津路,1\nB,长春路,3\nC,湖北路,1\nC,天津路,1\nC,长春路,2\n").unwrap();
    let out = fengkou(&["meeting", "rank", ballots.to_str().unwrap(), "--method", "rank-ballot", "--step", "3"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ranking: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ranking,
        serde_json::json!([
            {"unit": "天津路", "score": "98.50", "rank": 1},
            {"unit": "湖北路", "score": "98.50", "rank": 1},
            {"unit": "长春路", "score": "94.00", "rank": 3}
        ])
    );
    assert!(text(&out.stderr).contains("废票：C — 并列第1名"), "{}", text(&out.stderr));

    let scores = dir.path().join("scores.csv");
    let mut csv = String::from("judge,unit,score\n");
    for (j, s) in ["95", "85", "84", "86", "80"].iter().enumerate() {
        csv.push_str(&format!("J{j},甲,{s}\nJ{j},乙,85\n"));
    }
    std::fs::write(&scores, csv).unwrap();
    let out =
        fengkou(&["meeting", "rank", scores.to_str().unwrap(), "--method", "score", "--aggregate", "trimmed"], None);
    let ranking: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 甲: 95 and 80 dropped, (85+84+86)/3 = 85; ties share the rank, listed by name.
    assert_eq!(ranking[0], serde_json::json!({"unit": "乙", "score": "85.00", "rank": 1}));
    assert_eq!(ranking[1], serde_json::json!({"unit": "甲", "score": "85.00", "rank": 1}));

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "judge,unit,rank\nA,甲,第一\n").unwrap();
    let out = fengkou(&["meeting", "rank", bad.to_str().unwrap(), "--method", "rank-ballot"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("第2行 rank"), "{}", text(&out.stderr));
    let out = fengkou(&["meeting", "rank", bad.to_str().unwrap(), "--method", "borda"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("rank-ballot 或 score"));
}

#[test]
fn meeting_rank_ranks_within_each_group() {
    let dir = tempfile::tempdir().unwrap();
    let ballots = dir.path().join("groups.csv");
    // Two groups: A and B rank 一组 (湖北路, 天津路) and 二组 (长春路, 南昌路, 延安路).
    std::fs::write(
        &ballots,
        "judge,unit,rank,group\nA,湖北路,1,一组\nA,天津路,2,一组\nA,长春路,2,二组\nA,南昌路,1,二组\nA,延安路,3,二组\n\
         B,湖北路,2,一组\nB,天津路,1,一组\nB,长春路,1,二组\nB,南昌路,2,二组\nB,延安路,3,二组\n\
         C,湖北路,1,一组\nC,天津路,2,一组\nC,长春路,1,二组\nC,南昌路,3,二组\nC,延安路,2,二组\n",
    )
    .unwrap();
    let out = fengkou(&["meeting", "rank", ballots.to_str().unwrap(), "--method", "rank-ballot"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ranking: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ranking,
        serde_json::json!([
            {"unit": "湖北路", "score": "99.00", "rank": 1, "group": "一组"},
            {"unit": "天津路", "score": "98.00", "rank": 2, "group": "一组"},
            {"unit": "长春路", "score": "99.00", "rank": 1, "group": "二组"},
            {"unit": "南昌路", "score": "97.00", "rank": 2, "group": "二组"},
            {"unit": "延安路", "score": "95.00", "rank": 3, "group": "二组"}
        ])
    );
}
