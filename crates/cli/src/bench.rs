//! `fengkou bench`: provincial-scale figures for docs/BENCHMARKS.md.
//!
//! `bench seed` fills an empty database; `bench run` serves it on a loopback port,
//! times the pages and API that leaders use (sequential requests, after a warm-up),
//! times export and import of the whole ledger, and reports the process's peak memory.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use fengkou_app::ledger::cli_actor;
use fengkou_app::{App, AppError};
use fengkou_domain::Role;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Fill an empty database with generated projects and a year of monthly reports
    Seed {
        #[arg(long, default_value_t = 100_000)]
        projects: usize,
        #[arg(long, default_value_t = 2026)]
        year: i32,
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// Also copy that year's reports into this many years before it (9 → ten years,
        /// 12,000,000 reports at 100,000 projects)
        #[arg(long, default_value_t = 0)]
        history_years: u32,
    },
    /// Load test: many judges score every site of a meeting and submit at once
    /// (loopback only, a fresh SQLite database in a temporary folder)
    Judges {
        #[arg(long, default_value_t = 200)]
        judges: usize,
        #[arg(long, default_value_t = 10)]
        sites: usize,
    },
    /// Hostile inputs and request storms against a server started as a child process
    /// on loopback (a fresh SQLite database in a temporary folder): prints each case's
    /// answer, the server's peak memory, what was written and whether it still serves
    Abuse,
    /// The policy-match anchor: a hand-written loop over float columns in 4,096-row
    /// chunks (no exactness, no missing values), timed beside `fengkou policy match`
    PolicyAnchor {
        #[arg(long)]
        enterprises: std::path::PathBuf,
        #[arg(long)]
        policies: std::path::PathBuf,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// The enterprise side at a district's scale: a fresh SQLite database in a temporary
    /// folder with this many invented firms (three years of figures, tiers), then the
    /// candidate lists, a firm's page, the registry and the ladder page timed over HTTP
    Ladder {
        #[arg(long, default_value_t = 10_000)]
        firms: usize,
        #[arg(long, default_value_t = 100)]
        requests: usize,
    },
    /// The innovation credit at a district's scale: a fresh SQLite database with this
    /// many invented firms; a year's credit computed and stored (timed, three times),
    /// then the ranking, a firm's breakdown page and its API timed over HTTP, and what-ifs
    Credit {
        #[arg(long, default_value_t = 10_000)]
        firms: usize,
        #[arg(long, default_value_t = 100)]
        requests: usize,
    },
    /// Time pages, API, export and import against a seeded database
    Run {
        /// Requests per endpoint (after 5 warm-up requests)
        #[arg(long, default_value_t = 100)]
        requests: usize,
        /// Also time exporting the whole ledger and importing it into a fresh database
        #[arg(long)]
        import: bool,
    },
}

pub async fn run(db: &str, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Seed { projects, year, months, history_years } => {
            let app = App::open(db).await?;
            let t = Instant::now();
            app.seed_scale(projects, year, months, history_years).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
            println!(
                "seeded {projects} projects × {months} months (and {history_years} earlier years) into {db} in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        BenchCommand::Run { requests, import } => bench_run(db, requests, import).await,
        BenchCommand::Judges { judges, sites } => bench_judges(judges, sites).await,
        BenchCommand::Abuse => crate::abuse::run().await,
        BenchCommand::Ladder { firms, requests } => bench_ladder(firms, requests).await,
        BenchCommand::Credit { firms, requests } => bench_credit(firms, requests).await,
        BenchCommand::PolicyAnchor { .. } => unreachable!("run without a database, in main"),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

async fn bench_run(db: &str, requests: usize, import: bool) -> Result<()> {
    let app = App::open(db).await?;
    let leader = cli_actor();
    let count = app.views().summary(&leader, None).await.map_err(|e| anyhow::anyhow!(e.to_string()))?.count;
    if count == 0 {
        bail!("数据库中没有项目：先运行 fengkou bench seed");
    }
    match app.accounts().add_user(None, "bench-leader", "", Role::Leader, None, "bench-leader-pass").await {
        Ok(_) | Err(AppError::Invalid(_)) => {}
        Err(e) => bail!(e.to_string()),
    }
    let token =
        app.accounts().create_token("bench-leader", "bench", None).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(fengkou_web::serve_on(app.clone(), listener));
    let client = reqwest::Client::new();
    let year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    let targets = [
        (
            "ledger page, filtered (office+stage, page 2 of 50)",
            format!("/projects?office=3&stage=建设&page=2&year={year}"),
        ),
        ("ledger page, search 2 chars, sorted by total", "/projects?q=智能&sort=total".to_string()),
        ("ledger page, warning filter", "/projects?warning=red".to_string()),
        ("summary API", "/api/v1/projects/summary".to_string()),
        ("projects API, page of 50", "/api/v1/projects?per_page=50&office=2".to_string()),
        ("dashboard", "/dashboard".to_string()),
        ("office comparison", "/comparison".to_string()),
    ];
    for line in app.data_state().await.map_err(|e| anyhow::anyhow!(e.to_string()))? {
        println!("{line}");
    }
    println!("{count} projects in {db}; {requests} sequential requests per endpoint after 5 warm-up\n");
    let targets: Vec<(&str, Vec<String>)> = targets.into_iter().map(|(label, path)| (label, vec![path])).collect();
    time_endpoints(&client, &base, &token, &targets, requests).await?;
    if import {
        let t = Instant::now();
        let bytes = app
            .ledger()
            .export_projects(&cli_actor(), &Default::default())
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        println!(
            "\nexport of the whole ledger: {:.1} s ({:.1} MB)",
            t.elapsed().as_secs_f64(),
            bytes.len() as f64 / 1e6
        );
        let dir = std::env::temp_dir().join(format!("fengkou-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let fresh = App::open(&format!("sqlite://{}", dir.join("import.db").display())).await?;
        fengkou_app::demo::ensure_reference_data(&fresh).await?;
        let t = Instant::now();
        let report = fresh
            .ledger()
            .import_projects(&cli_actor(), bytes.clone(), Default::default())
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        println!("import into a fresh SQLite database: {:.1} s ({})", t.elapsed().as_secs_f64(), report.summary_line());
        let t = Instant::now();
        let report = fresh
            .ledger()
            .import_projects(&cli_actor(), bytes.clone(), Default::default())
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        println!("re-import of the same file: {:.1} s ({})", t.elapsed().as_secs_f64(), report.summary_line());
        std::fs::remove_dir_all(&dir).context("remove temp dir")?;
    }
    if let Some(mb) = peak_rss_mb() {
        println!("\npeak memory of this process (server + benchmark client): {mb:.0} MB");
    }
    Ok(())
}

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!(e.to_string())
}

async fn bench_judges(judges: usize, sites: usize) -> Result<()> {
    use fengkou_domain::project::ProjectHeader;
    use fengkou_domain::{Stage, Wan};
    let dir = std::env::temp_dir().join(format!("fengkou-judges-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let app = App::open(&format!("sqlite://{}", dir.join("judges.db").display())).await?;
    fengkou_app::demo::ensure_reference_data(&app).await.map_err(err)?;
    let po = cli_actor();
    let offices = app.offices().await.map_err(err)?;
    let meeting =
        app.meetings().create_meeting(&po, "并发评分压力测试", chrono::Local::now().date_naive()).await.map_err(err)?;
    // A composite of rubric scores and rank ballots, so that both kinds of ballot are
    // written under load.
    let composite = fengkou_app::meetings::MethodSettings {
        method: "composite".into(),
        aggregate: "mean".into(),
        combination: "mean".into(),
        rank_step: "3".into(),
        weight_rubric: "70".into(),
        weight_rank: "30".into(),
        weight_formula: "0".into(),
        excellent_from: "90".into(),
        good_from: "80".into(),
        ..Default::default()
    };
    app.meetings().set_meeting_method(&po, meeting, &composite).await.map_err(err)?;
    for i in 0..sites {
        let header = ProjectHeader {
            name: format!("观摩点{i}"),
            office: offices[i % offices.len()].name.clone(),
            industry: "智能制造".into(),
            stage: Some(Stage::Signed),
            total_investment: Wan::from_wan(10_000),
            ..Default::default()
        };
        let project = app.projects().create_project(&po, &header).await.map_err(err)?;
        app.meetings().add_site(&po, meeting, project, "").await.map_err(err)?;
    }
    let mut tokens = Vec::with_capacity(judges);
    let t = Instant::now();
    for j in 0..judges {
        let name = format!("judge{j:03}");
        app.accounts().add_user(None, &name, "", Role::Leader, None, "judge-password").await.map_err(err)?;
        app.meetings().invite_judge(&po, meeting, &name, None).await.map_err(err)?;
        tokens.push(app.accounts().create_token(&name, "bench", None).await.map_err(err)?);
    }
    println!("set up {judges} judges and {sites} sites in {:.1} s", t.elapsed().as_secs_f64());
    let view = app.meetings().meeting_for(&po, meeting).await.map_err(err)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(fengkou_web::serve_on(app.clone(), listener));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let form: Vec<(String, String)> = view.criterion_ids.iter().map(|c| (format!("c{c}"), "8".to_string())).collect();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(judges);
    let office_ids: Vec<i64> = view.participants().map(|o| o.id).collect();
    for (j, token) in tokens.into_iter().enumerate() {
        let (client, base, form, sites) = (client.clone(), base.clone(), form.clone(), view.sites.clone());
        // Each judge's own order of the offices: the list rotated by the judge's number.
        let ballot: Vec<(String, String)> = office_ids
            .iter()
            .enumerate()
            .map(|(i, o)| (format!("r{o}"), ((i + j) % office_ids.len() + 1).to_string()))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut failures = 0usize;
            let t = Instant::now();
            let res = client
                .post(format!("{base}/meetings/{meeting}/ranking"))
                .bearer_auth(&token)
                .form(&ballot)
                .send()
                .await;
            times.push(t.elapsed());
            if !res.is_ok_and(|r| r.status().is_redirection()) {
                failures += 1;
            }
            for site in &sites {
                let t = Instant::now();
                let res = client
                    .post(format!("{base}/meetings/{meeting}/sites/{}/score", site.id))
                    .bearer_auth(&token)
                    .form(&form)
                    .send()
                    .await;
                times.push(t.elapsed());
                if !res.is_ok_and(|r| r.status().is_redirection()) {
                    failures += 1;
                }
            }
            let t = Instant::now();
            let res = client.post(format!("{base}/meetings/{meeting}/submit")).bearer_auth(&token).send().await;
            times.push(t.elapsed());
            if !res.is_ok_and(|r| r.status().is_redirection()) {
                failures += 1;
            }
            (times, failures)
        }));
    }
    let mut times = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (t, f) = task.await?;
        times.extend(t);
        failures += f;
    }
    let wall = started.elapsed();
    times.sort();
    let view = app.meetings().meeting_for(&po, meeting).await.map_err(err)?;
    let submitted = view.judges.iter().filter(|j| j.submitted).count();
    let saved: usize = view.judges.iter().map(|j| j.scored).sum();
    let expected = judges * sites * view.criteria.len();
    let ranked: usize = view.judges.iter().map(|j| j.ranked).sum();
    let expected_ranks = judges * office_ids.len();
    println!(
        "{judges} judges concurrently: {} requests in {:.1} s; p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; failed requests {failures}",
        times.len(),
        wall.as_secs_f64(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0)
    );
    println!(
        "scores saved {saved} of {expected}; rank-ballot lines {ranked} of {expected_ranks}; sheets submitted {submitted} of {judges}"
    );
    let results = app.meetings().meeting_results(&po, meeting).await.map_err(err)?;
    println!("ranked {} offices from {} submitted sheets", results.offices.len(), results.submitted);
    std::fs::remove_dir_all(&dir).ok();
    if saved != expected || ranked != expected_ranks || submitted != judges || failures > 0 {
        bail!("scores were lost under load");
    }
    Ok(())
}

/// Candidate lists and firm pages over HTTP against a district of `firms` firms.
async fn bench_ladder(firms: usize, requests: usize) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("fengkou-bench-ladder-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("ladder.db").display());
    let app = App::open(&url).await?;
    let bureau = fengkou_app::enterprises::import::cli_bureau_actor();
    let have =
        app.enterprises().list(&bureau, &Default::default()).await.map_err(|e| anyhow::anyhow!(e.to_string()))?.total;
    if have == 0 {
        let t = Instant::now();
        app.enterprises().seed_scale(firms).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
        println!(
            "seeded {firms} invented firms (+12 named) with three years of figures in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let assessed = app.enterprises().reassess_all().await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    println!("reassessed {assessed} firms on every rung in {:.2} s", t.elapsed().as_secs_f64());
    match app.accounts().add_user(None, "bench-bureau", "", Role::TechBureau, None, "bench-bureau-pass").await {
        Ok(_) | Err(AppError::Invalid(_)) => {}
        Err(e) => bail!(e.to_string()),
    }
    let token =
        app.accounts().create_token("bench-bureau", "bench", None).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let page =
        app.enterprises().list(&bureau, &Default::default()).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let total = page.total;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(fengkou_web::serve_on(app.clone(), listener));
    let client = reqwest::Client::new();
    // Firm pages: a spread of ids, so that no page is served from a warm row alone.
    let firm_ids: Vec<i64> = (0..requests + 5).map(|i| 1 + (i as i64 * 7_919) % total as i64).collect();
    let targets: Vec<(&str, Vec<String>)> = vec![
        ("高企 candidate list, page 1 of 50", vec!["/ladder/candidates?rung=高新技术企业".into()]),
        ("科小 candidate list, page 5", vec!["/ladder/candidates?rung=科技型中小企业&page=5".into()]),
        ("candidates API, page of 100", vec!["/api/v1/ladder/candidates?rung=创新型中小企业".into()]),
        (
            "a firm's page (ladder explained, figures, tiers)",
            firm_ids.iter().map(|id| format!("/enterprises/{id}")).collect(),
        ),
        ("registry, search 2 chars", vec!["/enterprises?q=智能".into()]),
        ("ladder page (counts, chart, lapsing, 规上)", vec!["/ladder".into()]),
    ];
    println!("{total} firms in {url}; {requests} sequential requests per endpoint after 5 warm-up\n");
    time_endpoints(&client, &base, &token, &targets, requests).await?;
    println!("\npeak memory {:.0} MB", peak_rss_mb().unwrap_or(0.0));
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A year's credit computed and stored, then its pages over HTTP, against a district
/// of `firms` firms.
async fn bench_credit(firms: usize, requests: usize) -> Result<()> {
    let fail = |e: AppError| anyhow::anyhow!(e.to_string());
    let dir = std::env::temp_dir().join(format!("fengkou-bench-credit-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("credit.db").display());
    let app = App::open(&url).await?;
    let bureau = fengkou_app::enterprises::import::cli_bureau_actor();
    let t = Instant::now();
    app.enterprises().seed_scale(firms).await.map_err(fail)?;
    println!(
        "seeded {firms} invented firms (+12 named) with three years of figures in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let year = chrono::Datelike::year(&app.today()) - 1;
    let mut seconds = Vec::new();
    let mut run = None;
    for _ in 0..3 {
        let t = Instant::now();
        let computed = app.credit().compute(&bureau, year).await.map_err(fail)?;
        seconds.push(t.elapsed().as_secs_f64());
        run = Some(computed);
    }
    let run = run.expect("computed");
    println!(
        "computed and stored the {year} credit of {} firms (18 indicators, 5 cohorts): {}",
        run.firms,
        seconds.iter().map(|s| format!("{s:.2} s")).collect::<Vec<_>>().join(", ")
    );
    app.credit().publish(&bureau, run.id).await.map_err(fail)?;
    match app.accounts().add_user(None, "bench-bureau", "", Role::TechBureau, None, "bench-bureau-pass").await {
        Ok(_) | Err(AppError::Invalid(_)) => {}
        Err(e) => bail!(e.to_string()),
    }
    let token = app.accounts().create_token("bench-bureau", "bench", None).await.map_err(fail)?;
    let (_, rows) = app.credit().all_rows(&bureau, run.id, false).await.map_err(fail)?;
    let mut whatif = Vec::new();
    for row in rows.iter().step_by((rows.len() / 10).max(1)).take(10) {
        let t = Instant::now();
        app.credit().what_if(&bureau, row.firm_id, run.id, "rd_expense", "100").await.map_err(fail)?;
        whatif.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    whatif.sort_by(f64::total_cmp);
    println!(
        "what-if (研发费用 +100 万元) on the run's data: median {:.0} ms, max {:.0} ms",
        whatif[whatif.len() / 2],
        whatif[whatif.len() - 1]
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(fengkou_web::serve_on(app.clone(), listener));
    let client = reqwest::Client::new();
    let firm_ids: Vec<i64> = (0..requests + 5).map(|i| rows[(i * 7_919) % rows.len()].firm_id).collect();
    let codes: Vec<String> = (0..requests + 5).map(|i| rows[(i * 104_729) % rows.len()].uscc.clone()).collect();
    let targets: Vec<(&str, Vec<String>)> = vec![
        ("credit page: a cohort's ranking, page 1", vec![format!("/credit?run={}", run.id)]),
        ("credit page: 领跑 list", vec![format!("/credit?run={}&list=lead", run.id)]),
        (
            "a firm's breakdown page",
            firm_ids.iter().map(|id| format!("/enterprises/{id}/credit?run={}", run.id)).collect(),
        ),
        ("a firm's breakdown, API", codes.iter().map(|c| format!("/api/v1/credit/firms/{c}")).collect()),
        ("ranking API, page of 50", vec![format!("/api/v1/credit/runs/{}/scores?cohort=扩张期", run.id)]),
    ];
    println!("\n{} firms in {url}; {requests} sequential requests per endpoint after 5 warm-up\n", run.firms);
    time_endpoints(&client, &base, &token, &targets, requests).await?;
    println!("\npeak memory {:.0} MB", peak_rss_mb().unwrap_or(0.0));
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Times each endpoint: `requests` sequential GETs with `token` after 5 warm-up
/// requests (cycling through its paths), printed as a table of p50 / p95 / max.
async fn time_endpoints(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    targets: &[(&str, Vec<String>)],
    requests: usize,
) -> Result<()> {
    println!("| endpoint | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|");
    for (label, paths) in targets {
        let mut times = Vec::with_capacity(requests);
        for i in 0..requests + 5 {
            let path = &paths[i % paths.len()];
            let t = Instant::now();
            let res = client.get(format!("{base}{path}")).bearer_auth(token).send().await?;
            let status = res.status();
            let _ = res.bytes().await?;
            if !status.is_success() {
                bail!("{path} answered {status}");
            }
            if i >= 5 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        println!(
            "| {label} | {:.1} | {:.1} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 1.0)
        );
    }
    Ok(())
}
