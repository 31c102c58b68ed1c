//! Benchmarks (filled in below).

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Placeholder
    Seed,
}

pub async fn run(_db: &str, _command: BenchCommand) -> Result<()> {
    Ok(())
}
