//! `fengkou bench abuse`: the hostile inputs and request storms of the "hostile input
//! and load" review, run against a server this command starts as a child process on
//! loopback (so that the server's own memory and CPU are what is measured). For each
//! case it prints the answer, the server's peak memory so far, what was written, and
//! whether the server still serves. Figures go into docs/BENCHMARKS.md.
//!
//! Clients take different loopback addresses (127.0.0.0/8 all reach the server) to
//! play an attacker and an owner at different addresses.

use anyhow::{Context, Result, bail};
use fengkou_app::App;
use fengkou_domain::Role;
use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
    db_files: Vec<std::path::PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn status_kb(&self, key: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
            })
            .unwrap_or(0)
    }

    fn peak_mb(&self) -> u64 {
        self.status_kb("VmHWM:") / 1024
    }

    fn rss_mb(&self) -> u64 {
        self.status_kb("VmRSS:") / 1024
    }

    /// CPU time the server has used, in milliseconds (user + system).
    fn cpu_ms(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which is in parentheses and may hold spaces).
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<u64> = rest.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        // utime and stime are fields 14 and 15 of the whole line: 11th and 12th here
        // once the state letter is skipped by the parse filter.
        let ticks = fields.get(10).copied().unwrap_or(0) + fields.get(11).copied().unwrap_or(0);
        ticks * 10 // USER_HZ is 100 on Linux
    }

    fn db_bytes(&self) -> u64 {
        self.db_files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum()
    }

    async fn serves(&self) -> bool {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build();
        match client {
            Ok(c) => c.get(format!("{}/healthz", self.base)).send().await.is_ok_and(|r| r.status().is_success()),
            Err(_) => false,
        }
    }
}

fn client_from(last: [u8; 4]) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(last)))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// One line of the table.
struct Row {
    case: String,
    answer: String,
    peak_mb: u64,
    written: String,
    serves: bool,
}

struct Bench {
    server: Server,
    token: String,
    projects_before: i64,
    bytes_before: u64,
    rows: Vec<Row>,
}

impl Bench {
    async fn projects(&self) -> Result<i64> {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/projects/summary", self.server.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let v: serde_json::Value = res.json().await?;
        Ok(v["count"].as_i64().unwrap_or(-1))
    }

    async fn start_case(&mut self) -> Result<()> {
        self.projects_before = self.projects().await?;
        self.bytes_before = self.server.db_bytes();
        // Linux: "5" resets the peak (VmHWM) to the current size, so that each case's
        // peak is its own.
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.server.child.id()), "5");
        Ok(())
    }

    async fn finish_case(&mut self, case: &str, answer: String) -> Result<()> {
        let serves = self.server.serves().await;
        let projects = self.projects().await.unwrap_or(-1);
        let grown = self.server.db_bytes().saturating_sub(self.bytes_before);
        let written = format!("projects {:+}, database {:+} KB", projects - self.projects_before, grown / 1024);
        let row = Row { case: case.to_string(), answer, peak_mb: self.server.peak_mb(), written, serves };
        println!(
            "| {} | {} | {} | {} | {} |",
            row.case,
            row.answer,
            row.peak_mb,
            row.written,
            if row.serves { "yes" } else { "NO" }
        );
        self.rows.push(row);
        Ok(())
    }
}

/// The answers of requests sent at once, in the order they were sent.
async fn answers_of<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Result<Vec<T>> {
    let mut answers = Vec::with_capacity(tasks.len());
    for t in tasks {
        answers.push(t.await?);
    }
    Ok(answers)
}

/// Counts of each status, "401 ×3, 429 ×37".
fn tally(statuses: &[StatusCode]) -> String {
    let mut counts: std::collections::BTreeMap<u16, usize> = Default::default();
    for s in statuses {
        *counts.entry(s.as_u16()).or_default() += 1;
    }
    counts.iter().map(|(s, n)| format!("{s} ×{n}")).collect::<Vec<_>>().join(", ")
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn start_server(db_url: &str, db_files: Vec<std::path::PathBuf>) -> Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(std::env::current_exe()?)
        .args(["--db", db_url, "serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start the server")?;
    let server = Server { child, base: format!("http://127.0.0.1:{port}"), db_files };
    for _ in 0..200 {
        if server.serves().await {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the server did not start")
}

pub async fn run() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("fengkou-abuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db_path = dir.join("abuse.db");
    let db_url = format!("sqlite://{}", db_path.display());
    // Accounts and reference data, written before the server starts.
    {
        let app = App::open(&db_url).await?;
        fengkou_app::demo::ensure_reference_data(&app).await?;
        let e = |e: fengkou_app::AppError| anyhow::anyhow!(e.to_string());
        app.accounts().add_user(None, "xmb", "", Role::ProjectOffice, None, "xmb-password-1").await.map_err(e)?;
        app.accounts().add_user(None, "leader", "", Role::Leader, None, "leader-password-1").await.map_err(e)?;
    }
    let token = {
        let app = App::open(&db_url).await?;
        app.accounts().create_token("xmb", "abuse", None).await.map_err(|e| anyhow::anyhow!(e.to_string()))?
    };
    let files = vec![db_path.clone(), dir.join("abuse.db-wal"), dir.join("abuse.db-shm")];
    let server = start_server(&db_url, files).await?;
    println!("server pid {} at {}; started at {} MB RSS\n", server.child.id(), server.base, server.rss_mb());
    println!("| case | answer | server peak RSS during the case (MB) | written | still serves |");
    println!("|---|---|---:|---|---|");
    let mut b = Bench { server, token, projects_before: 0, bytes_before: 0, rows: Vec::new() };
    let base = b.server.base.clone();

    // 1. Four sign-ins with 30 MB usernames.
    b.start_case().await?;
    let huge = "a".repeat(30 * 1024 * 1024);
    let mut tasks = Vec::new();
    for i in 0..4u8 {
        let c = client_from([127, 0, 1, i + 1])?;
        let (url, body) = (format!("{base}/login"), format!("username={huge}&password=x"));
        tasks.push(tokio::spawn(async move {
            c.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16().to_string())
                // Refused with 413 before the body was read, the connection is closed
                // while the client is still sending.
                .unwrap_or_else(|_| "closed while sending".to_string())
        }));
    }
    let answers = answers_of(tasks).await?;
    drop(huge);
    b.finish_case("4 sign-ins with 30 MB usernames", answers.join(", ")).await?;

    // 2. Forty concurrent guesses at one user from one address.
    b.start_case().await?;
    let attacker = client_from([127, 0, 2, 1])?;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (c, url) = (attacker.clone(), format!("{base}/login"));
        tasks.push(tokio::spawn(async move {
            c.post(url)
                .form(&[("username", "xmb"), ("password", &format!("guess-{i}"))])
                .send()
                .await
                .map(|r| r.status())
                .unwrap_or(StatusCode::BAD_GATEWAY)
        }));
    }
    let statuses = answers_of(tasks).await?;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    b.finish_case("40 concurrent guesses, one user, one address", format!("{} ({checked} checked)", tally(&statuses)))
        .await?;

    // 3. The owner, at another address, while the attacker is held.
    b.start_case().await?;
    let owner = client_from([127, 0, 0, 1])?;
    let s =
        owner.post(format!("{base}/login")).form(&[("username", "xmb"), ("password", "xmb-password-1")]).send().await?;
    let held = attacker
        .post(format!("{base}/login"))
        .form(&[("username", "xmb"), ("password", "xmb-password-1")])
        .send()
        .await?;
    b.finish_case(
        "owner signs in from another address during the guessing",
        format!("owner {}, attacker with the right password {}", s.status().as_u16(), held.status().as_u16()),
    )
    .await?;

    // 4. 300 anonymous sign-ins from 300 addresses while a signed-in user reads the API.
    b.start_case().await?;
    let cpu_before = b.server.cpu_ms();
    let storm_started = Instant::now();
    let mut storm = Vec::new();
    for i in 0..300u32 {
        let c = client_from([127, 1, (i / 250) as u8, (i % 250 + 1) as u8])?;
        let url = format!("{base}/login");
        storm.push(tokio::spawn(async move {
            c.post(url)
                .form(&[("username", format!("nobody{i}")), ("password", "not-a-password".to_string())])
                .send()
                .await
                .map(|r| r.status())
                .unwrap_or(StatusCode::BAD_GATEWAY)
        }));
    }
    let reader = reqwest::Client::new();
    let mut reads = Vec::new();
    while storm.iter().any(|t| !t.is_finished()) && reads.len() < 2_000 {
        let t = Instant::now();
        let r = reader.get(format!("{base}/api/v1/projects/summary")).bearer_auth(&b.token).send().await?;
        let ok = r.status().is_success();
        let _ = r.bytes().await;
        if !ok {
            bail!("a signed-in read failed during the storm");
        }
        reads.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let statuses = answers_of(storm).await?;
    let storm_s = storm_started.elapsed().as_secs_f64();
    reads.sort();
    b.finish_case(
        "300 anonymous sign-ins from 300 addresses",
        format!(
            "{} in {storm_s:.1} s; meanwhile {} API reads p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; server CPU {:.1} s",
            tally(&statuses),
            reads.len(),
            percentile_ms(&reads, 0.5),
            percentile_ms(&reads, 0.95),
            percentile_ms(&reads, 1.0),
            (b.server.cpu_ms() - cpu_before) as f64 / 1000.0
        ),
    )
    .await?;

    // 5. Hostile workbooks uploaded to the import page.
    for (case, label) in fengkou_office::ledger::hostile::CASES {
        let bytes = tokio::task::spawn_blocking(move || fengkou_office::ledger::hostile::build(case)).await?;
        b.start_case().await?;
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes.clone()).file_name(format!("{case}.xlsx")));
        let t = Instant::now();
        let res =
            reqwest::Client::new().post(format!("{base}/import")).bearer_auth(&b.token).multipart(form).send().await?;
        let status = res.status();
        let html = res.text().await.unwrap_or_default();
        let message = html
            .split("class=\"alert")
            .nth(1)
            .and_then(|s| s.split_once('>'))
            .map(|(_, rest)| rest.split('<').next().unwrap_or("").trim().chars().take(60).collect::<String>())
            .unwrap_or_default();
        b.finish_case(
            &format!("{label} ({:.1} MB file)", bytes.len() as f64 / 1e6),
            format!("{} in {:.1} s: {message}", status.as_u16(), t.elapsed().as_secs_f64()),
        )
        .await?;
    }

    // 5b. Real ledgers: the most rows an upload may have, imported for real; and the
    // most a 32 MB file can carry, refused.
    for rows in [fengkou_web::MAX_UPLOAD_ROWS as u32, 200_000] {
        let bytes = tokio::task::spawn_blocking(move || fengkou_office::ledger::hostile::real_ledger(rows)).await?;
        b.start_case().await?;
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes.clone()).file_name("ledger.xlsx"))
            .text("create_missing", "1");
        let t = Instant::now();
        let res = reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()?
            .post(format!("{base}/import"))
            .bearer_auth(&b.token)
            .multipart(form)
            .send()
            .await?;
        let status = res.status();
        let html = res.text().await.unwrap_or_default();
        let said = html
            .split("导入完成：")
            .nth(1)
            .or_else(|| html.split("class=\"alert\" role=\"alert\">").nth(1))
            .map(|rest| rest.split('<').next().unwrap_or("").chars().take(70).collect::<String>())
            .unwrap_or_default();
        b.finish_case(
            &format!("a real ledger of {rows} rows × 30 columns ({:.1} MB file)", bytes.len() as f64 / 1e6),
            format!("{} in {:.1} s: {said}", status.as_u16(), t.elapsed().as_secs_f64()),
        )
        .await?;
    }

    // 6. Markup in a name, then the pages that embed names in JSON.
    b.start_case().await?;
    let api = reqwest::Client::new();
    let evil = "</script><meta http-equiv=refresh content=0;url=//x.invalid/><base href=//x.invalid/>";
    let body = serde_json::json!({"name": evil, "office": "湖北路办事处", "industry": "智能制造", "stage": "签约", "total_investment_wan": "100"});
    let created = api.post(format!("{base}/api/v1/projects")).bearer_auth(&b.token).json(&body).send().await?.status();
    let mut raw = 0;
    for path in ["/dashboard", "/comparison", "/projects"] {
        let html = api.get(format!("{base}{path}")).bearer_auth(&b.token).send().await?.text().await?;
        raw += usize::from(html.contains("</script><meta"));
    }
    b.finish_case(
        "a project named </script><meta refresh><base>",
        format!("created {}; pages carrying it raw: {raw} of 3", created.as_u16()),
    )
    .await?;

    // 7. Figures that would overflow, and absurd pages.
    b.start_case().await?;
    let body = serde_json::json!({"name": "天价项目", "office": "湖北路办事处", "industry": "智能制造", "stage": "签约", "total_investment_wan": "922337203685477"});
    let refused = api.post(format!("{base}/api/v1/projects")).bearer_auth(&b.token).json(&body).send().await?.status();
    let mut pages = Vec::new();
    for path in ["/dashboard", "/comparison", "/api/v1/projects/summary", "/projects?page=9223372036854775807"] {
        pages.push(api.get(format!("{base}{path}")).bearer_auth(&b.token).send().await?.status());
    }
    b.finish_case(
        "922,337,203,685,477 万元; page=i64::MAX",
        format!("project {}; figure pages {}", refused.as_u16(), tally(&pages)),
    )
    .await?;

    // 8. Control characters in text.
    b.start_case().await?;
    let body =
        serde_json::json!({"name": "甲\u{0}乙", "office": "湖北路办事处", "industry": "智能制造", "stage": "签约"});
    let nul = api.post(format!("{base}/api/v1/projects")).bearer_auth(&b.token).json(&body).send().await?.status();
    let vt = api.get(format!("{base}/projects?q=%0B")).bearer_auth(&b.token).send().await?.status();
    b.finish_case("NUL in a name; vertical tab in a search", format!("{} / {}", nul.as_u16(), vt.as_u16())).await?;

    // 9. Fifty first reports of one project and month at once.
    b.start_case().await?;
    let body = serde_json::json!({"name": "并发月报", "office": "湖北路办事处", "industry": "智能制造", "stage": "建设", "total_investment_wan": "1000", "annual_plan_wan": "500", "actual_start": "2026-01-10"});
    let created: serde_json::Value =
        api.post(format!("{base}/api/v1/projects")).bearer_auth(&b.token).json(&body).send().await?.json().await?;
    let id = created["id"].as_i64().context("project id")?;
    let today = chrono::Local::now().date_naive();
    let month = chrono::Datelike::month(&today);
    let (year, last) =
        if month == 1 { (chrono::Datelike::year(&today) - 1, 12) } else { (chrono::Datelike::year(&today), month - 1) };
    let period = format!("{year}-{last:02}");
    let page = client_from([127, 0, 3, 1])?;
    let _ = page
        .post(format!("{base}/periods"))
        .bearer_auth(&b.token)
        .form(&[("month", period.as_str()), ("deadline", &today.to_string())])
        .send()
        .await?;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (c, url, token) = (api.clone(), format!("{base}/api/v1/projects/{id}/reports"), b.token.clone());
        let body = serde_json::json!({"month": period, "completed_wan": format!("{}", 10 + i), "progress": "并发"});
        tasks.push(tokio::spawn(async move {
            c.post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
                .unwrap_or(StatusCode::BAD_GATEWAY)
        }));
    }
    let statuses = answers_of(tasks).await?;
    let reports: serde_json::Value =
        api.get(format!("{base}/api/v1/projects/{id}/reports")).bearer_auth(&b.token).send().await?.json().await?;
    let count = reports.as_array().map_or(0, Vec::len);
    b.finish_case(
        "50 first reports of one project and month at once",
        format!("{}; {count} report stored", tally(&statuses)),
    )
    .await?;

    // 10. Redirects elsewhere.
    b.start_case().await?;
    let res = client_from([127, 0, 4, 1])?
        .post(format!("{base}/login"))
        .form(&[("username", "leader"), ("password", "leader-password-1"), ("next", "/\t/elsewhere.invalid")])
        .send()
        .await?;
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    b.finish_case("sign-in with next=/%09/elsewhere", format!("{} → {location}", res.status().as_u16())).await?;

    // 11. Board streams: a user's sixth is refused; open ones cost nothing when idle.
    b.start_case().await?;
    let meeting: serde_json::Value = api
        .post(format!("{base}/meetings"))
        .bearer_auth(&b.token)
        .form(&[("name", "压力观摩"), ("held_on", &today.to_string())])
        .send()
        .await
        .map(|_| serde_json::Value::Null)?;
    drop(meeting);
    let list: serde_json::Value =
        api.get(format!("{base}/api/v1/meetings")).bearer_auth(&b.token).send().await?.json().await?;
    let meeting_id = list.as_array().and_then(|l| l.first()).and_then(|m| m["id"].as_i64()).context("a meeting")?;
    let mut open = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let res = api.get(format!("{base}/meetings/{meeting_id}/events")).bearer_auth(&b.token).send().await?;
        statuses.push(res.status());
        if res.status().is_success() {
            open.push(res);
        }
    }
    let cpu = b.server.cpu_ms();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_cpu = b.server.cpu_ms() - cpu;
    drop(open);
    b.finish_case(
        "6 board streams by one user, then 10 s with nothing changing",
        format!("{}; server CPU while idle {idle_cpu} ms in 10 s", tally(&statuses)),
    )
    .await?;

    println!("\nserver RSS at the end: {} MB", b.server.rss_mb());
    let failed = b.rows.iter().filter(|r| !r.serves).count();
    drop(b);
    std::fs::remove_dir_all(&dir).ok();
    if failed > 0 {
        bail!("the server stopped serving in {failed} case(s)");
    }
    Ok(())
}
