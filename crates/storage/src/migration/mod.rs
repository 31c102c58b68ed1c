//! The schema, as append-only migrations embedded in the binary and run at start-up,
//! one file per migration. Written with sea-query's builders so that one migration
//! serves SQLite and PostgreSQL. Names are explicit (`MigrationName`), not derived from
//! the file name, so that renaming a file never re-runs a migration.

mod columns;
mod m001_init;
mod m002_meetings;
mod m003_meeting_methods;
mod m004_honest_figures;
mod m005_hostile_input;
pub mod m006_references;
mod m007_enterprises;
mod m008_credit;
mod m009_year_figures;
mod m010_kept_totals;
mod m011_search_index;
mod m012_candidate_lists;

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m001_init::M001Init),
            Box::new(m002_meetings::M002Meetings),
            Box::new(m003_meeting_methods::M003MeetingMethods),
            Box::new(m004_honest_figures::M004HonestFigures),
            Box::new(m005_hostile_input::M005HostileInput),
            Box::new(m006_references::M006References),
            Box::new(m007_enterprises::M007Enterprises),
            Box::new(m008_credit::M008Credit),
            Box::new(m009_year_figures::M009YearFigures),
            Box::new(m010_kept_totals::M010KeptTotals),
            Box::new(m011_search_index::M011SearchIndex),
            Box::new(m012_candidate_lists::M012CandidateLists),
        ]
    }
}
