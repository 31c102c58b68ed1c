//! "三个一批" campaign batches: each quarter a batch of projects is signed, started and
//! put into production. A batch's lists are promises; the ratios say how many were kept.

use crate::project::Stage;
use serde::{Deserialize, Serialize};

/// Which of a batch's three lists a project is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BatchList {
    Sign,
    Start,
    Produce,
}

crate::code::coded!(BatchList, "批次清单", BatchList::ALL);

impl BatchList {
    pub const ALL: [BatchList; 3] = [BatchList::Sign, BatchList::Start, BatchList::Produce];

    pub fn code(self) -> &'static str {
        match self {
            BatchList::Sign => "sign",
            BatchList::Start => "start",
            BatchList::Produce => "produce",
        }
    }

    pub fn from_code(code: &str) -> Option<BatchList> {
        BatchList::ALL.into_iter().find(|l| l.code() == code || l.label() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            BatchList::Sign => "签约",
            BatchList::Start => "开工",
            BatchList::Produce => "投产",
        }
    }

    /// The stage a project on this list has to reach for the promise to count as kept.
    /// A signed project keeps its promise by starting (签约履约).
    pub fn target(self) -> Stage {
        match self {
            BatchList::Sign | BatchList::Start => Stage::Started,
            BatchList::Produce => Stage::Producing,
        }
    }

    pub fn ratio_label(self) -> &'static str {
        match self {
            BatchList::Sign => "签约履约率",
            BatchList::Start => "开工率",
            BatchList::Produce => "投产率",
        }
    }
}

/// A batch's name with its year and quarter: "2026年第三季度 第7期“三个一批”".
pub fn batch_name(seq: i32, held_on: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let quarter = ["一", "二", "三", "四"][(held_on.month0() / 3) as usize];
    format!("{}年第{quarter}季度 第{seq}期“三个一批”", held_on.year())
}

/// Share of a list whose projects reached the list's target stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Conversion {
    pub list: BatchList,
    pub listed: usize,
    pub kept: usize,
}

impl Conversion {
    pub fn of(list: BatchList, stages: &[Stage]) -> Conversion {
        Conversion { list, listed: stages.len(), kept: stages.iter().filter(|s| **s >= list.target()).count() }
    }

    pub fn percent(&self) -> Option<f64> {
        (self.listed > 0).then(|| self.kept as f64 * 100.0 / self.listed as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_is_kept_by_starting() {
        let c = Conversion::of(BatchList::Sign, &[Stage::Signed, Stage::Started, Stage::Producing, Stage::Negotiating]);
        assert_eq!((c.listed, c.kept), (4, 2));
        assert_eq!(c.percent(), Some(50.0));
    }

    #[test]
    fn batch_names_carry_year_and_quarter() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(batch_name(7, d("2026-09-28")), "2026年第三季度 第7期“三个一批”");
        assert_eq!(batch_name(1, d("2027-01-05")), "2027年第一季度 第1期“三个一批”");
    }

    #[test]
    fn production_needs_producing() {
        let c = Conversion::of(BatchList::Produce, &[Stage::Building, Stage::FullProduction]);
        assert_eq!(c.kept, 1);
        assert_eq!(Conversion::of(BatchList::Start, &[]).percent(), None);
    }
}
