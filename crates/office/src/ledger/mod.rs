//! The project ledger as offices keep it in Excel.
//!
//! Reading is forgiving about layout and strict about values: the header is found by
//! its text (one row, or two with group cells such as "2026年投资" or "建设起止年限"
//! over their sub-columns), columns by their names (with synonyms), and every value is
//! parsed into a domain type or reported with its row and column.
//!
//! - [`read`]: the first sheet, streamed a row at a time (never as a grid), into rows of
//!   the columns it has (a column the sheet lacks is absent, a blank cell is
//!   [`Value::Blank`]), with problems per cell.
//! - `limits`: what an upload may hold. Before calamine reads anything, every zip member
//!   is inflated as a stream and the parts calamine parses are scanned for what would
//!   cost memory (sizes, text runs, cells, shared strings, style records); while the
//!   sheet is read, the cells, the text kept and the problems are bounded too. A hostile
//!   workbook is refused with what it held, in a few MB.
//! - [`apply`]: one row onto a project's header: a sheet changes only what it carries,
//!   and says how it read an ambiguous date.
//! - [`write`]: the offices' layout, streamed in constant memory; it reads back to the
//!   same data.

mod apply;
pub mod hostile;
pub(crate) mod limits;
pub(crate) mod read;
mod write;

pub use apply::{Applied, CompletedCell, Reading};
pub use read::{LedgerRow, ParsedLedger, RowValues, Skipped, Value, read_ledger, read_ledger_at_most};
pub use write::{LedgerExportRow, LedgerSection, LedgerSheet, LedgerWriter, write_ledger};

/// The header must appear within this many rows from the top.
const HEADER_SEARCH_ROWS: usize = 15;
/// Above this a ledger is not a district's ledger; refuse rather than exhaust memory.
pub const MAX_DATA_ROWS: usize = 200_000;
/// A ledger has a few dozen columns at most.
pub const MAX_COLUMNS: usize = 200;

/// What a column means, found from its header text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Code,
    Name,
    Office,
    Industry,
    Stage,
    Location,
    Content,
    Total,
    AnnualPlan,
    /// The year's completed investment through a month ("1-10月完成投资").
    Completed,
    PlannedStart,
    PlannedFinish,
    ActualStart,
    ActualFinish,
    /// A bare "开工时间": planned for a project before 开工, actual from 开工 on.
    Start,
    /// A bare "竣工时间": planned before 投产, actual from 投产 on.
    Finish,
    /// "建设起止年限" in one cell ("2025-2027"): the planned start and finish.
    Period,
    /// "开工至今累计完成投资": not the year's figure; recognised so that it is not
    /// taken for one, and not imported.
    SinceStartCompleted,
    Leader,
    ResponsibleUnit,
    OwnerUnit,
}

impl Field {
    /// The name we print in problems and write in exports.
    pub fn label(self) -> &'static str {
        match self {
            Field::Code => "项目编号",
            Field::Name => "项目名称",
            Field::Office => "所在办事处",
            Field::Industry => "产业类别",
            Field::Stage => "建设阶段",
            Field::Location => "建设地点",
            Field::Content => "建设规模及内容",
            Field::Total => "总投资",
            Field::AnnualPlan => "年度计划投资",
            Field::Completed => "完成投资",
            Field::PlannedStart => "计划开工",
            Field::PlannedFinish => "计划竣工",
            Field::ActualStart => "实际开工",
            Field::ActualFinish => "实际竣工",
            Field::Start => "开工时间",
            Field::Finish => "竣工时间",
            Field::Period => "建设起止年限",
            Field::SinceStartCompleted => "开工至今累计完成投资",
            Field::Leader => "包联领导",
            Field::ResponsibleUnit => "责任单位",
            Field::OwnerUnit => "业主单位",
        }
    }

    /// Header texts that mean this field, most specific first. Matching is on the
    /// normalised text (no spaces, no unit suffix): equal first, then contained.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Code => &["项目编号", "项目代码", "编号", "项目编码"],
            Field::Name => &["项目名称", "名称"],
            Field::Office => &["所在办事处", "责任办事处", "所属办事处", "办事处", "所属街道", "街道"],
            Field::Industry => &["产业类别", "所属产业", "产业类型", "行业类别", "产业", "行业"],
            Field::Stage => &["建设阶段", "项目阶段", "项目状态", "阶段", "状态"],
            Field::Location => &["建设地点", "项目地点", "地点"],
            Field::Content => &["建设规模及内容", "建设内容及规模", "建设内容", "建设规模"],
            Field::Total => &["总投资", "计划总投资", "项目总投资"],
            Field::AnnualPlan => &["年度计划投资", "年度计划", "年计划投资", "计划投资"],
            Field::Completed => &["完成投资", "累计完成", "完成"],
            Field::PlannedStart => &["计划开工时间", "计划开工日期", "计划开工"],
            Field::PlannedFinish => &["计划竣工时间", "计划竣工日期", "计划竣工", "计划完工"],
            Field::ActualStart => &["实际开工时间", "实际开工日期", "实际开工"],
            Field::ActualFinish => &["实际竣工时间", "实际竣工日期", "实际竣工", "实际完工"],
            Field::Start => &["开工时间", "开工日期", "开工年月", "开工"],
            Field::Finish => &["竣工时间", "竣工日期", "竣工年月", "完工时间", "竣工"],
            Field::Period => &["建设起止年限", "起止年限", "建设年限", "建设起止时间", "建设期限"],
            Field::SinceStartCompleted => &[],
            Field::Leader => &["包联领导", "挂点领导", "联系领导", "分包领导"],
            Field::ResponsibleUnit => &["责任单位", "责任部门"],
            Field::OwnerUnit => &["业主单位", "建设单位", "项目单位"],
        }
    }

    /// The order synonyms are tried in: the specific date fields before the bare
    /// ones ("计划开工时间" contains "开工时间"), the period before the content
    /// ("建设年限" is not "建设规模").
    const ALL: [Field; 21] = [
        Field::Code,
        Field::Name,
        Field::Office,
        Field::Industry,
        Field::Stage,
        Field::Location,
        Field::PlannedStart,
        Field::PlannedFinish,
        Field::ActualStart,
        Field::ActualFinish,
        Field::Period,
        Field::Start,
        Field::Finish,
        Field::Content,
        Field::Total,
        Field::AnnualPlan,
        Field::SinceStartCompleted,
        Field::Completed,
        Field::Leader,
        Field::ResponsibleUnit,
        Field::OwnerUnit,
    ];

    /// Fields whose cells are dates.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Field::PlannedStart
                | Field::PlannedFinish
                | Field::ActualStart
                | Field::ActualFinish
                | Field::Start
                | Field::Finish
                | Field::Period
        )
    }
}

fn normalise_header(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace("（万元）", "")
        .replace("(万元)", "")
        .replace("万元", "")
        .replace('（', "(")
        .replace('）', ")")
}

/// The field a header text names, if any.
pub(crate) fn field_for(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    if h.is_empty() || h == "序号" {
        return None;
    }
    // "开工至今累计完成投资", "自开工以来累计完成": since the start, not this year.
    if h.contains("完成") && h.contains("开工") {
        return Some(Field::SinceStartCompleted);
    }
    Field::ALL
        .into_iter()
        .find(|f| f.synonyms().iter().any(|s| *s == h))
        .or_else(|| Field::ALL.into_iter().find(|f| f.synonyms().iter().any(|s| h.contains(s))))
}

/// A sub-column under a group cell: what it means depends on the group. Under
/// "建设起止年限" (or any group saying 计划 / 年限 / 期限 / 起止) the start and finish
/// are planned; under a group saying 实际 they are actual.
pub(crate) fn field_in_group(group: &str, sub: &str) -> Option<Field> {
    let g = normalise_header(group);
    let t = normalise_header(sub);
    let start = ["开工", "开工时间", "开工日期", "开工年月", "起", "开始", "开始时间", "起始时间"];
    let finish = ["竣工", "竣工时间", "竣工日期", "竣工年月", "完工", "完工时间", "止", "结束", "结束时间", "截止时间"];
    let planned = ["计划", "年限", "期限", "起止", "工期"].iter().any(|w| g.contains(w));
    let actual = g.contains("实际");
    let kind = if start.contains(&t.as_str()) {
        Some((Field::ActualStart, Field::PlannedStart, Field::Start))
    } else if finish.contains(&t.as_str()) {
        Some((Field::ActualFinish, Field::PlannedFinish, Field::Finish))
    } else {
        None
    };
    match kind {
        Some((a, _, _)) if actual => Some(a),
        Some((_, p, _)) if planned => Some(p),
        Some((_, _, bare)) => Some(bare),
        None => field_for(sub),
    }
}

/// The last month of a completed-investment header: "1-10月完成投资" and
/// "截至10月底累计完成投资" → 10; "今年完成投资" → None.
pub(crate) fn through_month(header: &str) -> Option<u32> {
    let chars: Vec<char> = normalise_header(header).chars().collect();
    let mut found = None;
    for (i, c) in chars.iter().enumerate() {
        if *c != '月' {
            continue;
        }
        let digits: String =
            chars[..i].iter().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
        if let Ok(m) = digits.parse::<u32>()
            && (1..=12).contains(&m)
        {
            found = Some(m);
        }
    }
    found
}

/// A header that names a month or a year that cannot be ("1-13月完成投资",
/// "1899年度计划投资"): said rather than read as something else.
pub(crate) fn impossible_in_header(header: &str) -> Option<String> {
    let chars: Vec<char> = normalise_header(header).chars().collect();
    let mut digits = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            digits.push(*c);
            continue;
        }
        if !digits.is_empty() {
            let n: u32 = digits.parse().unwrap_or(0);
            if *c == '月' && !(1..=12).contains(&n) {
                return Some(format!("月份{n}不对（须在1到12之间）"));
            }
            if digits.len() == 4 && !(2000..=2100).contains(&n) && chars.get(i) == Some(&'年') {
                return Some(format!("年份{n}不对"));
            }
        }
        digits.clear();
    }
    None
}

pub(crate) fn year_in(text: &str) -> Option<i32> {
    let digits: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok().filter(|y| (1990..=2200).contains(y))
}

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;
