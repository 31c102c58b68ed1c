//! The `fengkou` binary: parses arguments and calls the app. Nothing else lives here.

/// See Cargo.toml: memory freed by a sign-in storm or an import goes back to the
/// system instead of staying with the process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that does not panic when the reader has gone: `fengkou check totals |
/// head` closes the pipe early, which is the reader's choice, not a fault. The lines
/// nobody reads are dropped and the command goes on (a rebuild still happens, the exit
/// code still says whether the totals agree); any other failure to write panics as
/// `println!` does.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*)
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            panic!("failed printing to stdout: {e}");
        }
    }};
}

mod abuse;
mod anchor;
mod bench;
mod credit;
mod ladder;
mod policy;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use fengkou_app::demo::{DEMO_USERS, ensure_industries};
use fengkou_app::ledger::{ImportOptions, ImportReport, cli_actor};
use fengkou_app::{App, AppError};
use fengkou_domain::Role;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "fengkou", version, about = "风口：重点项目“三个一批”、月报、预警与办事处对比")]
struct Cli {
    /// Database URL: sqlite://FILE (default) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "FENGKOU_DB", default_value = "sqlite://fengkou.db")]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo district (when the database has no projects yet)
        #[arg(long)]
        demo: bool,
        /// The reverse proxy in front of fengkou: only its X-Forwarded-For is believed
        #[arg(long, value_name = "ADDR")]
        trusted_proxy: Option<std::net::IpAddr>,
    },
    /// Create or upgrade the database schema, then exit
    Migrate,
    /// Users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 办事处 (sub-district offices)
    Office {
        #[command(subcommand)]
        command: OfficeCommand,
    },
    /// API tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import an Excel ledger
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export an Excel ledger
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Load the demo district into an empty database
    Demo,
    /// On-site observation meetings (现场观摩评比)
    Meeting {
        #[command(subcommand)]
        command: MeetingCommand,
    },
    /// 免申即享 policies on files alone: match enterprises, explain one verdict
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// The cultivation ladder (梯度培育) on files alone: assess firms on every rung
    Ladder {
        #[command(subcommand)]
        command: ladder::LadderCommand,
    },
    /// The innovation credit (创新积分制) on files alone: score firms, explain one firm's score
    Credit {
        #[command(subcommand)]
        command: credit::CreditCommand,
    },
    /// Checks of the stored data
    Check {
        #[command(subcommand)]
        command: CheckCommand,
    },
    /// Benchmarks at provincial scale (see docs/BENCHMARKS.md)
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum CheckCommand {
    /// Recompute the kept totals (the dashboard's and the comparison's figures) from the
    /// projects, plans, reports and balances, and list every difference; exit 1 if any
    Totals {
        /// Rewrite the kept totals from the raw rows afterwards (audited)
        #[arg(long)]
        rebuild: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input
    Add {
        name: String,
        /// admin, leader, project_office, office_user or viewer
        #[arg(long)]
        role: String,
        /// The 办事处 of an office_user
        #[arg(long)]
        office: Option<String>,
        /// Read the password from standard input (required: never on the command line)
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "")]
        display_name: String,
    },
}

#[derive(Subcommand)]
enum MeetingCommand {
    /// Recompute a ranking from a ballot file alone (no database), to audit a result.
    /// Prints JSON `[{"unit", "score", "rank"}]`, best first; with a group column, ranks
    /// restart at 1 in each group and each place carries its `"group"`. Void ballots go
    /// to stderr.
    Rank {
        /// CSV with a header: judge,unit,rank[,group] (rank-ballot) or judge,unit,score (score)
        ballots: PathBuf,
        /// rank-ballot or score
        #[arg(long)]
        method: String,
        /// Points between adjacent ranks (rank-ballot): rank k earns 100 − step·(k−1)
        #[arg(long, default_value = "3")]
        step: String,
        /// mean, trimmed or zscore (score)
        #[arg(long, default_value = "mean")]
        aggregate: String,
    },
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Add a 办事处
    Add { name: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it
    Create {
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// The token stops working after this many days (1–3650)
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// List every API token (never the token itself)
    List,
    /// Revoke a token by its number (from `token list`)
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import projects from a ledger (.xlsx); nothing is written if any row is invalid.
    /// A column the sheet lacks leaves the stored values alone.
    Projects {
        file: PathBuf,
        /// Check only; write nothing. Lists every field that would change.
        #[arg(long)]
        dry_run: bool,
        /// A blank cell clears the stored value (空白单元格清空原值); by default it keeps it
        #[arg(long)]
        clear_blanks: bool,
        /// Create the 办事处 and industries the sheet names that are not registered yet
        #[arg(long, alias = "create-missing")]
        create_offices: bool,
    },
    /// Import a department's enterprise sheet (.xlsx): firms, yearly indicators, tiers.
    /// Nothing is written if any row is invalid.
    Enterprises {
        file: PathBuf,
        /// The department the figures come from (税务, 市场监管, 统计, 科技, 工信, 财政 …)
        #[arg(long)]
        source: Option<String>,
        /// The year of the figures, when the sheet has no 年度 column
        #[arg(long)]
        year: Option<i32>,
        /// Create the firms the registry does not know (otherwise they are listed and nothing is written)
        #[arg(long)]
        create: bool,
        /// Check only; write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export the project ledger (.xlsx) in the offices' layout
    Projects {
        file: PathBuf,
        #[arg(long)]
        year: Option<i32>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Ranking a ballot file needs no database.
    if let Command::Meeting { command: MeetingCommand::Rank { ballots, method, step, aggregate } } = &cli.command {
        return meeting_rank(ballots, method, step, aggregate);
    }
    // Policies run on files alone; so does the policy benchmark's anchor.
    if let Command::Policy { command } = cli.command {
        // A refusal is for an official to read: its Chinese chain, no backtrace.
        if let Err(error) = policy::run(command) {
            eprintln!("错误：{}", policy::printable_lines(&format!("{error:#}")));
            std::process::exit(1);
        }
        return Ok(());
    }
    if let Command::Credit { command } = cli.command {
        if let Err(error) = credit::run(command) {
            if error.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
                return Ok(());
            }
            eprintln!("错误：{}", policy::printable_lines(&format!("{error:#}")));
            std::process::exit(1);
        }
        return Ok(());
    }
    if let Command::Ladder { command } = cli.command {
        if let Err(error) = ladder::run(command) {
            // `… | head` closes the pipe early: that is the reader's choice, not a fault.
            if error.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
                return Ok(());
            }
            eprintln!("错误：{}", policy::printable_lines(&format!("{error:#}")));
            std::process::exit(1);
        }
        return Ok(());
    }
    if let Command::Bench { command: bench::BenchCommand::PolicyAnchor { enterprises, policies, out } } = &cli.command {
        return anchor::run(enterprises, policies, out);
    }
    let app = App::open(&cli.db).await.with_context(|| format!("无法打开数据库 {}", cli.db))?;
    ensure_industries(&app).await?;
    match cli.command {
        Command::Serve { addr, demo, trusted_proxy } => {
            serve(app, addr, demo, fengkou_web::ServeOptions { trusted_proxy }).await
        }
        Command::Migrate => {
            say!("数据库已是最新结构：{}", cli.db);
            Ok(())
        }
        Command::User { command: UserCommand::Add { name, role, office, password_stdin, display_name } } => {
            let role = Role::from_code(&role).with_context(|| {
                format!("未知角色“{role}”：可选 admin, leader, project_office, office_user, viewer")
            })?;
            if !password_stdin {
                bail!("请用 --password-stdin 从标准输入提供密码（不要把密码写在命令行上）");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            app.accounts()
                .add_user(None, &name, &display_name, role, office.as_deref(), password)
                .await
                .map_err(user_error)?;
            say!("已添加用户 {name}（{}）", role.label());
            Ok(())
        }
        Command::Office { command: OfficeCommand::Add { name } } => {
            app.accounts().add_office(None, &name).await.map_err(user_error)?;
            say!("已添加办事处 {name}");
            Ok(())
        }
        Command::Token { command: TokenCommand::Create { username, label, expires_days } } => {
            let token = app.accounts().create_token(&username, &label, expires_days).await.map_err(user_error)?;
            say!("{token}");
            Ok(())
        }
        Command::Token { command: TokenCommand::List } => {
            say!("编号\t用户\t名称\t创建时间\t到期\t最近使用");
            for t in app.accounts().api_tokens(None).await.map_err(user_error)? {
                say!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.username,
                    t.name,
                    t.created_at,
                    t.expires_at.as_deref().unwrap_or("不过期"),
                    t.last_used_at.as_deref().unwrap_or("—")
                );
            }
            Ok(())
        }
        Command::Token { command: TokenCommand::Revoke { id } } => {
            app.accounts().revoke_token(None, id).await.map_err(user_error)?;
            say!("已吊销 API 令牌 {id}");
            Ok(())
        }
        Command::Import { command: ImportCommand::Projects { file, dry_run, clear_blanks, create_offices } } => {
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let options = ImportOptions { dry_run, clear_blanks, create_missing: create_offices, max_rows: None };
            match app.ledger().import_projects(&cli_actor(), bytes, options).await {
                Ok(report) if report.problems.is_empty() => {
                    print_import(&report);
                    say!("{}{}", if dry_run { "试运行（未写入）：" } else { "导入完成：" }, report.summary_line());
                    Ok(())
                }
                Ok(report) => {
                    print_import(&report);
                    for p in &report.problems {
                        eprintln!("{p}");
                    }
                    bail!("发现 {} 个问题（试运行，未写入任何数据）", report.problems.len())
                }
                Err(AppError::ImportRejected(report)) => {
                    for p in &report.problems {
                        eprintln!("{p}");
                    }
                    bail!("导入未执行：发现 {} 个问题，未写入任何数据", report.problems.len())
                }
                Err(e) => Err(user_error(e)),
            }
        }
        Command::Import { command: ImportCommand::Enterprises { file, source, year, create, dry_run } } => {
            use fengkou_app::enterprises::EnterpriseError;
            use fengkou_app::enterprises::import::{ImportOptions as FirmImport, cli_bureau_actor};
            let source = match source {
                Some(text) => Some(
                    fengkou_domain::enterprise::Source::from_text(&text)
                        .ok_or_else(|| anyhow::anyhow!("{}", EnterpriseError::UnknownSource(text)))?,
                ),
                None => None,
            };
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let options = FirmImport { source, year, create, dry_run, max_rows: None };
            match app.enterprises().import_sheet(&cli_bureau_actor(), bytes, options).await {
                Ok(report) => {
                    for line in &report.conflicts {
                        say!("来源不一致：{line}");
                    }
                    if !report.unassigned.is_empty() {
                        say!("未分配办事处（{} 家）：{}", report.unassigned.len(), report.unassigned.join("、"));
                    }
                    if !report.ignored_columns.is_empty() {
                        say!("未识别、未导入的列：{}", report.ignored_columns.join("、"));
                    }
                    say!("{}{}", if dry_run { "试运行（未写入）：" } else { "导入完成：" }, report.summary_line());
                    Ok(())
                }
                Err(AppError::Enterprise(EnterpriseError::ImportRejected(problems))) => {
                    for p in &problems {
                        eprintln!("{p}");
                    }
                    bail!("导入未执行：发现 {} 个问题，未写入任何数据", problems.len())
                }
                Err(e) => Err(user_error(e)),
            }
        }
        Command::Export { command: ExportCommand::Projects { file, year } } => {
            let query = fengkou_app::projects::ListQuery { year, ..Default::default() };
            let bytes = app.ledger().export_projects(&cli_actor(), &query).await.map_err(user_error)?;
            std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
            say!("已导出到 {}", file.display());
            Ok(())
        }
        Command::Check { command: CheckCommand::Totals { rebuild } } => {
            let drift = app.check_totals().await.map_err(user_error)?;
            let tables = fengkou_app::kept_total_tables().join("、");
            if drift.is_empty() {
                say!("汇总一致：{tables} 与项目、计划、月报和年初数逐项相符。");
            } else {
                say!("汇总与原始数据不符，共 {} 处：", drift.len());
                for line in app.drift_lines(&drift[..drift.len().min(200)]).await.map_err(user_error)? {
                    say!("  {line}");
                }
                if drift.len() > 200 {
                    say!("  ……另有 {} 处未列出", drift.len() - 200);
                }
            }
            if rebuild {
                app.rebuild_totals(fengkou_domain::Permit::system("cli")).await.map_err(user_error)?;
                let after = app.check_totals().await.map_err(user_error)?;
                say!("已按原始数据重建汇总；重建后不符 {} 处。", after.len());
                if !after.is_empty() {
                    std::process::exit(1);
                }
                return Ok(());
            }
            if !drift.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Demo => {
            if app.seed_demo().await? {
                print_demo_accounts();
            } else {
                say!("数据库中已有项目，未载入演示数据。");
            }
            Ok(())
        }
        Command::Meeting { .. } => unreachable!("handled before the database is opened"),
        Command::Policy { .. } | Command::Ladder { .. } | Command::Credit { .. } => {
            unreachable!("run without a database, above")
        }
        Command::Bench { command } => bench::run(&cli.db, command).await,
    }
}

fn meeting_rank(path: &std::path::Path, method: &str, step: &str, aggregate: &str) -> Result<()> {
    use fengkou_app::observation::{RankMethod, rank_file};
    use fengkou_domain::observation::Aggregation;
    let method = match method {
        "rank-ballot" => RankMethod::RankBallot {
            step: step
                .parse::<rust_decimal::Decimal>()
                .ok()
                .filter(|s| *s > rust_decimal::Decimal::ZERO)
                .with_context(|| format!("--step 须为正数（现为“{step}”）"))?,
        },
        "score" => RankMethod::Score(
            Aggregation::from_code(aggregate)
                .with_context(|| format!("--aggregate 须为 mean、trimmed 或 zscore（现为“{aggregate}”）"))?,
        ),
        other => bail!("--method 须为 rank-ballot 或 score（现为“{other}”）"),
    };
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    match rank_file(&bytes, method) {
        Ok(result) => {
            for v in &result.void {
                let group = v.group.as_deref().map(|g| format!("（{g}）")).unwrap_or_default();
                eprintln!("废票：{}{} — {}", v.judge, group, v.reason);
            }
            say!("{}", serde_json::to_string(&result.ranking)?);
            Ok(())
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            bail!("选票文件有 {} 处问题，未计算", problems.len())
        }
    }
}

/// What an import read and would change, for people: the columns and how each was
/// taken, names not registered, every field that changes, every reading.
fn print_import(report: &ImportReport) {
    say!("识别的列：{}", report.columns.join("；"));
    for n in &report.notes {
        say!("说明：{n}");
    }
    if !report.unknown_offices.is_empty() {
        say!("系统中没有的办事处：{}", report.unknown_offices.join("、"));
    }
    if !report.unknown_industries.is_empty() {
        say!("系统中没有的产业类别：{}", report.unknown_industries.join("、"));
    }
    let created: Vec<&String> = report.created_offices.iter().chain(&report.created_industries).collect();
    if !created.is_empty() {
        let verb = if report.dry_run { "将新建" } else { "已新建" };
        say!("{verb}：{}", created.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("、"));
    }
    for c in &report.changes {
        say!("第{}行 {}：", c.row, c.name);
        for f in &c.fields {
            say!("  {f}");
        }
    }
    if report.changes.len() < report.updated {
        say!("（只列出前 {} 个项目的修改）", report.changes.len());
    }
    for r in &report.readings {
        say!("{r}");
    }
    if report.readings_total > report.readings.len() {
        say!("（另有 {} 条读取说明未列出）", report.readings_total - report.readings.len());
    }
}

fn user_error(e: AppError) -> anyhow::Error {
    anyhow::anyhow!(e.to_string())
}

fn print_demo_accounts() {
    say!("演示账号（用户名 / 密码 / 角色）：");
    for (name, role, office, password) in DEMO_USERS {
        say!("  {name:<10} {password:<16} {}{}", role.label(), office.map(|o| format!("（{o}）")).unwrap_or_default());
    }
}

async fn serve(app: App, addr: SocketAddr, demo: bool, options: fengkou_web::ServeOptions) -> Result<()> {
    if demo {
        if app.seed_demo().await? {
            say!("已载入演示区县数据。");
        }
        print_demo_accounts();
    } else if !app.accounts().has_users().await? {
        say!("数据库中还没有用户。先创建第一个管理员：");
        say!("  echo '至少8位的密码' | fengkou user add admin --role admin --password-stdin");
        say!("再添加办事处：fengkou office add 湖北路办事处（或登录后在“系统管理”中添加）。");
    }
    app.keep_totals_folded();
    say!("fengkou 正在 http://{addr} 提供服务（Ctrl+C 停止）");
    fengkou_web::serve(app, addr, options).await.context("服务器停止")
}
