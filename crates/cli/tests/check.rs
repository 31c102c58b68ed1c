//! `fengkou check totals`: the kept totals of a district agree with its rows, and a
//! rebuild says so again.

use std::process::Command;

fn run(db: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fengkou")).arg("--db").arg(db).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn the_demo_districts_totals_agree_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let (ok, out) = run(&db, &["demo"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&db, &["check", "totals"]);
    assert!(ok, "{out}");
    assert!(out.contains("汇总一致：project_totals、plan_totals、month_totals、start_totals、cover_totals"), "{out}");
    let (ok, out) = run(&db, &["check", "totals", "--rebuild"]);
    assert!(ok, "{out}");
    assert!(out.contains("已按原始数据重建汇总；重建后不符 0 处。"), "{out}");
}

#[test]
fn a_reader_that_stops_early_does_not_crash_the_check() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    assert!(run(&db, &["demo"]).0);
    // `fengkou check totals --rebuild | head -0`: the pipe is closed before anything is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengkou"))
        .arg("--db")
        .arg(&db)
        .args(["check", "totals", "--rebuild"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "the totals agree and were rebuilt: {stderr}");
}
