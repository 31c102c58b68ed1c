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

// --- the rule language on files (policy match / explain) ---------------------------------

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// `bench/policy-match/reference.py` is a second reader: an independent evaluator in
/// Python's exact fractions. Our output must equal its output byte for byte.
#[rstest::rstest]
#[case::the_shared_samples("bench/policy-match/sample-policies.json")]
#[case::fifty_policies_written_apart("bench/policy-match/policies-50.json")]
fn policy_match_agrees_with_an_exact_reference_in_python(#[case] policies: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result.csv");
    let data = repo("crates/cli/tests/data/enterprises-3000.csv");
    let run = fengkou(
        &[
            "policy",
            "match",
            "--enterprises",
            &data,
            "--policies",
            &repo(policies),
            "--out",
            out.to_str().unwrap(),
            "--timings",
        ],
        None,
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("缺数据 0，出错 0"), "{stdout}");
    assert!(stdout.contains("用时：读取"), "{stdout}");
    let reference = dir.path().join("reference.csv");
    let python = Command::new("python3")
        .args([&repo("bench/policy-match/reference.py"), &data, &repo(policies), reference.to_str().unwrap()])
        .output()
        .expect("python3 runs the reference evaluator");
    assert!(python.status.success(), "{}", text(&python.stderr));
    let (ours, theirs) = (std::fs::read_to_string(&out).unwrap(), std::fs::read_to_string(&reference).unwrap());
    assert!(ours.lines().count() > 500, "too few matches to mean anything: {}", ours.lines().count());
    assert_eq!(ours, theirs, "policy match and the Python reference disagree");

    // Every explanation's verdict and amount is the one `match` wrote.
    let paid: std::collections::HashMap<(String, String), String> = ours
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ((f[0].to_string(), f[1].to_string()), f[2].to_string())
        })
        .collect();
    let ids: Vec<String> =
        paid.keys().map(|(p, _)| p.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    for (n, policy) in ids.iter().enumerate().take(8) {
        for enterprise in [format!("{}", 1 + n * 97), format!("{}", 2000 + n * 13)] {
            let explained = fengkou(
                &[
                    "policy",
                    "explain",
                    "--enterprises",
                    &data,
                    "--policies",
                    &repo(policies),
                    "--policy",
                    policy,
                    "--enterprise",
                    &enterprise,
                    "--json",
                ],
                None,
            );
            assert!(explained.status.success(), "{}", text(&explained.stderr));
            let json: serde_json::Value = serde_json::from_slice(&explained.stdout).unwrap();
            let expected = paid.get(&(policy.clone(), enterprise.clone()));
            assert_eq!(json["eligible"], serde_json::json!(expected.is_some()), "{policy} {enterprise}");
            assert_eq!(json["amount"].as_str(), expected.map(String::as_str), "{policy} {enterprise}");
            assert!(json["condition"]["children"].is_array());
        }
    }
}

#[test]
fn a_policy_that_does_not_compile_stops_the_run_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("p.json");
    std::fs::write(
        &policies,
        r#"{"schema": [{"name": "id", "type": "int"}, {"name": "revenue", "type": "float"}],
            "policies": [{"id": "A1", "name": "好", "condition": "revenue > 0", "amount": "1"},
                         {"id": "B2", "name": "坏", "condition": "revenue > 0 and revenu_prev > 0", "amount": "1"}]}"#,
    )
    .unwrap();
    let data = dir.path().join("e.csv");
    std::fs::write(&data, "id,revenue\n1,10\n").unwrap();
    let out = dir.path().join("r.csv");
    let run = fengkou(
        &[
            "policy",
            "match",
            "--enterprises",
            data.to_str().unwrap(),
            "--policies",
            policies.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("策略 B2 的条件，第 17 个字符处：未知字段“revenu_prev”，最接近的有 revenue"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.exists(), "a failed run wrote a result");
}

#[test]
fn bad_cells_are_listed_by_line_and_column_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("p.json");
    std::fs::write(
        &policies,
        r#"{"schema": [{"name": "id", "type": "int"}, {"name": "revenue", "type": "float"}, {"name": "ok", "type": "flag"}],
            "policies": [{"id": "A1", "condition": "ok and revenue > 0", "amount": 1}]}"#,
    )
    .unwrap();
    let data = dir.path().join("e.csv");
    let mut csv = String::from("\u{feff}id,revenue,ok\r\n1,10,1\r\n2,十万,1\r\n3,5,2\r\n");
    for i in 4..40 {
        csv.push_str(&format!("{i},x{i},1\r\n"));
    }
    std::fs::write(&data, csv).unwrap();
    let out = dir.path().join("r.csv");
    let run = fengkou(
        &[
            "policy",
            "match",
            "--enterprises",
            data.to_str().unwrap(),
            "--policies",
            policies.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(stderr.contains("第3行 revenue：“十万”不是数字"), "{stderr}");
    assert!(stderr.contains("第4行 ok：“2”不是 0 或 1"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.trim_start().starts_with('第')).count(), 20, "lists the first 20: {stderr}");
    assert!(!out.exists(), "a failed run wrote a result");
}

#[test]
fn without_a_schema_types_are_inferred_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("p.json");
    std::fs::write(
        &policies,
        r#"{"policies": [{"id": "G", "name": "增长", "condition": "prev > 0 and (now - prev) / prev >= 0.2", "amount": "round((now - prev) * 0.05, 2)"}]}"#,
    )
    .unwrap();
    let data = dir.path().join("e.csv");
    std::fs::write(&data, "id,prev,now,region\nA,10,12,东\nB,0,5,西\nC,,9,东\nD,100.5,130,\n").unwrap();
    let out = dir.path().join("r.csv");
    let run = fengkou(
        &[
            "policy",
            "match",
            "--enterprises",
            data.to_str().unwrap(),
            "--policies",
            policies.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("id text, prev float, now int, region text"), "{stdout}");
    assert!(stdout.contains("G 增长：匹配 2 家，金额合计 1.5800 万元，缺数据 1，出错 0"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "policy,enterprise,amount\nG,A,0.1000\nG,D,1.4800\n");
}

#[test]
fn messy_enterprise_files_are_read_or_refused_as_an_official_would_expect() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("p.json");
    std::fs::write(
        &policies,
        r#"{"schema": [{"name": "id", "type": "int"}, {"name": "region", "type": "text"}, {"name": "revenue", "type": "float"}],
            "policies": [{"id": "=E1", "name": "东区", "condition": "region == '东' and revenue > 0", "amount": "revenue * 0.1"}]}"#,
    )
    .unwrap();
    let run = |csv: &[u8]| {
        let data = dir.path().join("e.csv");
        std::fs::write(&data, csv).unwrap();
        let out = dir.path().join("r.csv");
        let _ = std::fs::remove_file(&out);
        let result = fengkou(
            &[
                "policy",
                "match",
                "--enterprises",
                data.to_str().unwrap(),
                "--policies",
                policies.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        );
        (result, std::fs::read_to_string(&out).ok())
    };
    // Excel's "CSV (逗号分隔)" in China is GBK: 东 = B6 AB, 西 = CE F7; an empty column after the table.
    let (result, written) = run(b"id,region,revenue,\n1,\xB6\xAB,\"1,234.5\",\n2,\xCE\xF7,10,\n");
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(text(&result.stdout).contains("已按 GBK（GB18030）编码读取"), "{}", text(&result.stdout));
    // The policy id would be a formula in Excel: it is written as text.
    assert_eq!(written.as_deref(), Some("policy,enterprise,amount\n'=E1,1,123.4500\n"));

    // "1,5" is a typo, not fifteen; " 7" and "07" are the firm 7 twice; a refusal is Chinese, without a backtrace.
    let (result, written) = run("id,region,revenue\n7,东,\"1,5\"\n 07,东,3\n".as_bytes());
    assert!(!result.status.success());
    let stderr = text(&result.stderr);
    assert!(stderr.starts_with("错误："), "{stderr}");
    assert!(stderr.contains("第2行 revenue：“1,5”不是数字（千分位逗号的位置不对）"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert_eq!(written, None);
    let (result, _) = run("id,region,revenue\n7,东,1\n 07,东,3\n".as_bytes());
    assert!(text(&result.stderr).contains("第3行 id：编号“ 07”与第2行重复"), "{}", text(&result.stderr));
    // Lines ended by a bare carriage return (old Mac) are told, not read as no firm at all.
    let (result, written) = run(b"id,region,revenue\r7,x,1\r8,y,2\r");
    assert!(!result.status.success());
    assert!(text(&result.stderr).contains("只用回车符（CR）分行"), "{}", text(&result.stderr));
    assert_eq!(written, None);

    // The result may not overwrite an input.
    let data = dir.path().join("e.csv");
    let result = fengkou(
        &[
            "policy",
            "match",
            "--enterprises",
            data.to_str().unwrap(),
            "--policies",
            policies.to_str().unwrap(),
            "--out",
            data.to_str().unwrap(),
        ],
        None,
    );
    assert!(!result.status.success());
    assert!(text(&result.stderr).contains("是同一个文件"), "{}", text(&result.stderr));
    assert!(std::fs::read_to_string(&data).unwrap().starts_with("id,region,revenue"));
}

#[test]
fn the_result_goes_only_to_a_regular_file_and_ids_are_compared_by_value() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("p.json");
    std::fs::write(
        &policies,
        r#"{"schema": [{"name": "id", "type": "int"}, {"name": "revenue", "type": "float"}],
            "policies": [{"id": "A", "condition": "revenue > 0", "amount": "1"}]}"#,
    )
    .unwrap();
    let data = dir.path().join("e.csv");
    let run = |out: &std::path::Path| {
        fengkou(
            &[
                "policy",
                "match",
                "--enterprises",
                data.to_str().unwrap(),
                "--policies",
                policies.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        )
    };
    // "1,234" and 1234 are one firm; so is a duplicate counted with the other faults.
    std::fs::write(&data, "id,revenue\n\"1,234\",1\n1234,2\n5,x\n").unwrap();
    let result = run(&dir.path().join("r.csv"));
    let stderr = text(&result.stderr);
    assert!(stderr.contains("企业数据有 2 处无法读取"), "{stderr}");
    assert!(stderr.contains("第3行 id：编号“1234”与第2行重复"), "{stderr}");

    std::fs::write(&data, "id,revenue\n1,1\n2,0\n").unwrap();
    // A directory is refused and nothing is left beside it.
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    let result = run(&folder);
    assert!(!result.status.success());
    assert!(text(&result.stderr).contains("--out 须是普通文件"), "{}", text(&result.stderr));
    assert!(!dir.path().join("folder.partial").exists());
    // Through a symlink, the file it points to is replaced and the link stays.
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let result = run(&link);
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "policy,enterprise,amount\nA,1,1.0000\n");
}

/// `ladder assess` against an independent reading of DOMAIN §11 in Python's exact
/// fractions, on 4,000 invented firms spread over every threshold.
#[test]
fn ladder_assess_agrees_with_an_exact_reference_in_python() {
    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    let made = Command::new("python3")
        .args([&repo("bench/ladder/gen.py"), "4000", firms.to_str().unwrap(), "23"])
        .output()
        .expect("python3 runs (the reference needs it)");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let out =
        fengkou(&["ladder", "assess", "--enterprises", firms.to_str().unwrap(), "--on", "2026-12-01", "--json"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reference = Command::new("python3")
        .args([&repo("bench/ladder/reference.py"), firms.to_str().unwrap(), "2026-12-01"])
        .output()
        .unwrap();
    assert!(reference.status.success(), "{}", text(&reference.stderr));
    let reference: serde_json::Value = serde_json::from_slice(&reference.stdout).unwrap();
    let (ours, reference) = (ours.as_array().unwrap(), reference.as_array().unwrap());
    assert_eq!(ours.len(), 4000);
    assert_eq!(ours.len(), reference.len());
    let mut eligible = [0usize; 3];
    for (mine, theirs) in ours.iter().zip(reference) {
        assert_eq!(mine["uscc"], theirs["uscc"]);
        for (i, (m, t)) in mine["rungs"].as_array().unwrap().iter().zip(theirs["rungs"].as_array().unwrap()).enumerate()
        {
            for key in ["rung", "eligible", "route", "score"] {
                assert_eq!(m[key], t[key], "{} {key}: ours {m} reference {t}", mine["uscc"]);
            }
            // Not eligible always says why; eligible says nothing is missing.
            assert_eq!(m["missing"].as_array().unwrap().is_empty(), m["eligible"] == true, "{m}");
            eligible[i] += usize::from(m["eligible"] == true);
        }
    }
    // The data reach every verdict (the test would prove little otherwise).
    assert!(eligible.iter().all(|n| *n > 100 && *n < 3900), "{eligible:?}");
}

#[test]
fn ladder_assess_reads_chinese_headers_and_refuses_impossible_values_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        "统一社会信用代码,企业名称,成立日期,职工总数,科技人员数,销售收入（万元）,研发费用（万元）,高企创新能力评价得分\n\
         914403001922038216,甲公司,2020-03-01,100,10,\"1,000\",31,\n",
    )
    .unwrap();
    let out = fengkou(&["ladder", "assess", "--enterprises", firms.to_str().unwrap(), "--on", "2026-12-01"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("914403001922038216  甲公司"), "{shown}");
    assert!(shown.contains("研发费用/销售收入 3.1% < 5%（还差研发费用 19 万元）"), "{shown}");
    assert!(shown.contains("创新能力评价得分：缺数据"), "{shown}");

    std::fs::write(
        &firms,
        "uscc,name,employees,tech_staff,revenue\n914403001922038216,甲,-3,1,100\n91110000100011743X,乙,10,1,100\n",
    )
    .unwrap();
    let out = fengkou(&["ladder", "assess", "--enterprises", firms.to_str().unwrap(), "--json"], None);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(said.contains("第2行 职工总数：不能为负数"), "{said}");
    assert!(out.stdout.is_empty(), "nothing is printed when the data are refused");

    std::fs::write(&firms, "uscc,name,revenue\n914403001922038216,甲,abc\n914403001922038216,乙,1\n").unwrap();
    let out = fengkou(&["ladder", "assess", "--enterprises", firms.to_str().unwrap(), "--json"], None);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(said.contains("第2行 revenue：“abc”不是数字"), "{said}");
    assert!(said.contains("第3行 uscc：编号“914403001922038216”与第2行重复"), "{said}");
}

// --- the innovation credit on files (credit score / explain) ------------------------------

fn credit_firms(dir: &std::path::Path, n: &str, seed: &str) -> String {
    let firms = dir.join("credit-firms.csv");
    let made = Command::new("python3")
        .args([&repo("bench/credit/gen.py"), n, firms.to_str().unwrap(), seed])
        .output()
        .expect("python3 runs (the reference needs it)");
    assert!(made.status.success(), "{}", text(&made.stderr));
    firms.to_str().unwrap().to_string()
}

/// `credit score` against an independent reading of the issue's five steps in Python
/// (bench/credit/reference.py), byte for byte, with the shipped scheme and with it
/// switched to min-max, on 3,000 invented firms over all five cohorts.
#[rstest::rstest]
#[case::percentile("percentile")]
#[case::minmax("minmax")]
fn credit_score_agrees_with_a_reference_in_python(#[case] normalise: &str) {
    let dir = tempfile::tempdir().unwrap();
    let firms = credit_firms(dir.path(), "3000", "11");
    let shipped = fengkou(&["credit", "scheme"], None);
    assert!(shipped.status.success());
    let scheme = dir.path().join("scheme.json");
    let text_of_scheme = text(&shipped.stdout).replace("\"percentile\"", &format!("\"{normalise}\""));
    std::fs::write(&scheme, text_of_scheme).unwrap();
    let out = dir.path().join("scores.csv");
    let run = fengkou(
        &[
            "credit",
            "score",
            "--enterprises",
            &firms,
            "--scheme",
            scheme.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let reference = dir.path().join("reference.csv");
    let python = Command::new("python3")
        .args([&repo("bench/credit/reference.py"), &firms, scheme.to_str().unwrap(), reference.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(python.status.success(), "{}", text(&python.stderr));
    let (ours, theirs) = (std::fs::read_to_string(&out).unwrap(), std::fs::read_to_string(&reference).unwrap());
    assert_eq!(ours.lines().next(), Some("uscc,cohort,score,rank,list"));
    assert_eq!(ours.lines().count(), 3001);
    // Every kind of line is there, or the comparison proves little.
    for list in [",领跑", ",竞跑", ",进取", ",否决", ",缺数据"] {
        assert!(ours.lines().filter(|l| l.ends_with(list)).count() >= 10, "too few {list}");
    }
    assert_eq!(ours, theirs, "credit score and the Python reference disagree");

    // --json says the same, line for line.
    let json =
        fengkou(&["credit", "score", "--enterprises", &firms, "--scheme", scheme.to_str().unwrap(), "--json"], None);
    assert!(json.status.success(), "{}", text(&json.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    for (row, line) in rows.as_array().unwrap().iter().zip(ours.lines().skip(1)) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(row["uscc"], f[0]);
        assert_eq!(row["cohort"].as_str().unwrap_or(""), f[1]);
        assert_eq!(row["score"].as_f64().map(|s| format!("{s:.2}")).unwrap_or_default(), f[2]);
        assert_eq!(row["rank"].as_u64().map(|r| r.to_string()).unwrap_or_default(), f[3]);
        assert_eq!(row["list"], f[4]);
    }
}

#[test]
fn credit_explain_gives_the_listed_score_and_a_what_if() {
    let dir = tempfile::tempdir().unwrap();
    let firms = credit_firms(dir.path(), "400", "5");
    let scheme = dir.path().join("scheme.json");
    std::fs::write(&scheme, fengkou(&["credit", "scheme"], None).stdout).unwrap();
    let scores = fengkou(&["credit", "score", "--enterprises", &firms, "--scheme", scheme.to_str().unwrap()], None);
    let listed = text(&scores.stdout);
    let line = listed.lines().skip(1).find(|l| l.ends_with(",领跑")).unwrap().to_string();
    let f: Vec<&str> = line.split(',').collect();
    // The code as a person might type it: lower case, with spaces.
    let typed = format!("  {}  ", f[0].to_lowercase());
    let out = fengkou(
        &[
            "credit",
            "explain",
            "--enterprises",
            &firms,
            "--scheme",
            scheme.to_str().unwrap(),
            "--uscc",
            &typed,
            "--json",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let explained: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &explained["breakdown"];
    assert_eq!(b["cohort_name"], f[1]);
    assert_eq!(format!("{:.2}", b["score"]["cents"].as_i64().unwrap() as f64 / 100.0), f[2]);
    assert_eq!(b["score"]["rank"].as_u64().unwrap().to_string(), f[3]);
    assert_eq!(b["indicators"].as_array().unwrap().len(), 18);
    assert_eq!(explained["steps"]["indicators"].as_array().unwrap().len(), 18);

    // A what-if in words: more R&D never lowers this scheme's score.
    let out = fengkou(
        &[
            "credit",
            "explain",
            "--enterprises",
            &firms,
            "--scheme",
            scheme.to_str().unwrap(),
            "--uscc",
            f[0],
            "--what-if",
            "研发费用=+100",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains(&format!("假如研发费用再增加 100 万元：{} → ", f[2])), "{shown}");
    assert!(shown.contains("研发投入强度"), "{shown}");

    let missing = fengkou(
        &[
            "credit",
            "explain",
            "--enterprises",
            &firms,
            "--scheme",
            scheme.to_str().unwrap(),
            "--uscc",
            "914403001922038216",
        ],
        None,
    );
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("没有统一社会信用代码为 914403001922038216 的企业"));
}

#[test]
fn credit_score_refuses_a_bad_scheme_or_bad_data_saying_where_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    std::fs::write(&firms, "uscc,revenue,rd_expense\n914403001922038216,100,5\n").unwrap();
    let scheme = dir.path().join("scheme.json");
    let shipped = text(&fengkou(&["credit", "scheme"], None).stdout);
    std::fs::write(&scheme, shipped.replace("\"rd_expense / revenue\"", "\"rd_expens / revenue\"")).unwrap();
    let out = dir.path().join("scores.csv");
    let run = |scheme: &std::path::Path| {
        fengkou(
            &[
                "credit",
                "score",
                "--enterprises",
                firms.to_str().unwrap(),
                "--scheme",
                scheme.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        )
    };
    let refused = run(&scheme);
    assert!(!refused.status.success());
    let why = text(&refused.stderr);
    assert!(why.contains("指标 rd_intensity（研发投入强度） 的 value") && why.contains("rd_expense"), "{why}");
    assert!(!out.exists());

    std::fs::write(&scheme, &shipped).unwrap();
    std::fs::write(&firms, "uscc,revenue,rd_expense\n914403001922038216,100,5\n91410303000000019A,-3,5\n").unwrap();
    let refused = run(&scheme);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("第3行"), "{}", text(&refused.stderr));
    assert!(!out.exists());

    // One firm twice, its code once in lower case: refused (it would be ranked twice).
    std::fs::write(&firms, "uscc,revenue,rd_expense\n91410303000000019A,100,5\n91410303000000019a,200,5\n").unwrap();
    let refused = run(&scheme);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("第3行") && text(&refused.stderr).contains("与第2行是同一家企业"));

    std::fs::write(
        &firms,
        "uscc,revenue,rd_expense,rd_expence_prev\n914403001922038216,100,5,3\n91410303000000019A,,5,3\nX12345,50,1,1\n",
    )
    .unwrap();
    let scored = run(&scheme);
    let notes = text(&scored.stderr);
    assert!(notes.contains("以下列不是企业指标，已忽略：rd_expence_prev"), "{notes}");
    assert!(notes.contains("上年研发费用（rd_expense_prev）"), "{notes}");
    assert!(notes.contains("1 家企业的统一社会信用代码无效") && notes.contains("第4行 X12345"), "{notes}");
    assert!(scored.status.success(), "{}", text(&scored.stderr));
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().nth(2), Some("91410303000000019A,,,,缺数据"));
}

/// A file of several pieces (each parsed on its own thread) names the file's own lines:
/// a negative amount far down and a code repeated from the first row.
#[test]
fn a_large_file_is_read_in_pieces_and_still_names_the_files_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let firms = credit_firms(dir.path(), "60000", "3");
    let original = std::fs::read_to_string(&firms).unwrap();
    assert!(original.len() > 9 << 20, "the file must span several pieces: {} bytes", original.len());
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    let first_code = lines[1].split(',').next().unwrap().to_string();
    // Line 45,001 repeats the first firm's code; line 59,001 has a negative revenue.
    let repeated: Vec<&str> = lines[45_000].splitn(2, ',').collect();
    lines[45_000] = format!("{first_code},{}", repeated[1]);
    let mut cells: Vec<String> = lines[59_000].split(',').map(str::to_string).collect();
    cells[6] = "-5".into();
    lines[59_000] = cells.join(",");
    std::fs::write(&firms, lines.join("\n") + "\n").unwrap();
    let scheme = dir.path().join("scheme.json");
    std::fs::write(&scheme, fengkou(&["credit", "scheme"], None).stdout).unwrap();
    let out = fengkou(&["credit", "score", "--enterprises", &firms, "--scheme", scheme.to_str().unwrap()], None);
    assert!(!out.status.success());
    let why = text(&out.stderr);
    assert!(why.contains("第59001行") && why.contains("不能为负数"), "{why}");
    assert!(why.contains("第45001行") && why.contains("与第2行重复"), "{why}");

    // Without the faults every firm is scored, in the file's order.
    lines[45_000] = original.lines().nth(45_000).unwrap().to_string();
    lines[59_000] = original.lines().nth(59_000).unwrap().to_string();
    std::fs::write(&firms, lines.join("\n") + "\n").unwrap();
    let out = fengkou(&["credit", "score", "--enterprises", &firms, "--scheme", scheme.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let scored = text(&out.stdout);
    let codes: Vec<&str> = scored.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let expected: Vec<&str> = original.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(codes, expected);
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
