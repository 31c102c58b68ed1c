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
fn users_tokens_import_and_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = fengkou(&["--db", &db, "user", "add", "admin", "--role", "admin", "--password-stdin"], Some("short\n"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("至少8个字符"), "{}", text(&out.stderr));
    let out = fengkou(
        &["--db", &db, "user", "add", "admin", "--role", "admin", "--password-stdin"],
        Some("a-long-password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = fengkou(&["--db", &db, "token", "create", "admin"], None);
    assert!(text(&out.stdout).trim().starts_with("fk_"));
    assert!(fengkou(&["--db", &db, "office", "add", "湖北路办事处"], None).status.success());

    let ledger = dir.path().join("ledger.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目名称", "所在办事处", "产业类别", "总投资（万元）"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (name, office)) in [("卓阳兴业城", "湖北路办事处"), ("清洛基地", "火星办事处")].iter().enumerate()
    {
        ws.write_string(r as u32 + 1, 0, *name).unwrap();
        ws.write_string(r as u32 + 1, 1, *office).unwrap();
        ws.write_string(r as u32 + 1, 2, "智能制造").unwrap();
        ws.write_string(r as u32 + 1, 3, "1,000").unwrap();
    }
    wb.save(&ledger).unwrap();
    let path = ledger.to_str().unwrap();
    let out = fengkou(&["--db", &db, "import", "projects", path, "--dry-run"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("第3行 所在办事处：未知的办事处“火星办事处”"), "{}", text(&out.stderr));
    let out = fengkou(&["--db", &db, "import", "projects", path], None);
    assert!(!out.status.success(), "any invalid row rejects the file");

    let good = dir.path().join("good.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目名称", "所在办事处", "产业类别"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "卓阳兴业城").unwrap();
    ws.write_string(1, 1, "湖北路办事处").unwrap();
    ws.write_string(1, 2, "智能制造").unwrap();
    wb.save(&good).unwrap();
    let out = fengkou(&["--db", &db, "import", "projects", good.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("新增 1"), "{}", text(&out.stdout));
    let exported = dir.path().join("out.xlsx");
    let out = fengkou(&["--db", &db, "export", "projects", exported.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = fengkou(&["--db", &db, "import", "projects", exported.to_str().unwrap()], None);
    assert!(text(&out.stdout).contains("新增 0，更新 0，未变 1"), "{}", text(&out.stdout));
}
