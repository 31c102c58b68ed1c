//! The project ledger as offices keep it in Excel.
//!
//! Reading is forgiving about layout and strict about values: the header is found by
//! its text, columns by their names (with synonyms), and every value is parsed into a
//! domain type or reported with its row and column.

use crate::{OfficeError, RowProblem};
use calamine::{Data, Reader};
use chrono::NaiveDate;
use fengkou_domain::dates::excel_serial_to_date;
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::{Stage, Wan, parse_ledger_date};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use std::io::Cursor;

/// The header must appear within this many rows from the top.
const HEADER_SEARCH_ROWS: usize = 15;
/// Above this a ledger is not a district's ledger; refuse rather than exhaust memory.
pub const MAX_DATA_ROWS: usize = 200_000;
/// A ledger has a few dozen columns at most.
pub const MAX_COLUMNS: usize = 200;

/// What a column means, found from its header text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    Completed,
    PlannedStart,
    PlannedFinish,
    ActualStart,
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
            Field::Office => &["所在办事处", "责任办事处", "所属办事处", "办事处", "街道", "所属街道"],
            Field::Industry => &["产业类别", "所属产业", "产业类型", "行业类别", "产业", "行业"],
            Field::Stage => &["建设阶段", "项目阶段", "项目状态", "阶段", "状态"],
            Field::Location => &["建设地点", "项目地点", "地点"],
            Field::Content => &["建设规模及内容", "建设内容及规模", "建设内容", "建设规模"],
            Field::Total => &["总投资", "计划总投资", "项目总投资"],
            Field::AnnualPlan => &["年度计划投资", "年度计划", "年计划投资", "计划投资"],
            Field::Completed => &["完成投资", "累计完成", "完成"],
            Field::PlannedStart => &["计划开工时间", "计划开工日期", "计划开工"],
            Field::PlannedFinish => &["计划竣工时间", "计划竣工日期", "计划竣工", "计划完工"],
            Field::ActualStart => &["实际开工时间", "实际开工日期", "实际开工", "开工时间"],
            Field::Leader => &["包联领导", "挂点领导", "联系领导", "分包领导"],
            Field::ResponsibleUnit => &["责任单位", "责任部门"],
            Field::OwnerUnit => &["业主单位", "建设单位", "项目单位"],
        }
    }

    const ALL: [Field; 16] = [
        Field::Code,
        Field::Name,
        Field::Office,
        Field::Industry,
        Field::Stage,
        Field::Location,
        Field::Content,
        Field::Total,
        Field::AnnualPlan,
        Field::Completed,
        Field::PlannedStart,
        Field::PlannedFinish,
        Field::ActualStart,
        Field::Leader,
        Field::ResponsibleUnit,
        Field::OwnerUnit,
    ];

    const REQUIRED: [Field; 3] = [Field::Name, Field::Office, Field::Industry];
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

fn field_for(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    if h.is_empty() || h == "序号" {
        return None;
    }
    Field::ALL
        .into_iter()
        .find(|f| f.synonyms().iter().any(|s| *s == h))
        .or_else(|| Field::ALL.into_iter().find(|f| f.synonyms().iter().any(|s| h.contains(s))))
}

/// A project row read from a ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    /// 1-based Excel row number.
    pub row: usize,
    pub header: ProjectHeader,
    /// The year-to-date completed figure the sheet carries (informational: fengkou
    /// derives its own from monthly reports).
    pub completed: Option<Wan>,
    pub section: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub section: usize,
    pub subtotal: usize,
    pub total: usize,
    pub blank: usize,
    pub note: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ParsedLedger {
    pub rows: Vec<LedgerRow>,
    pub problems: Vec<RowProblem>,
    pub skipped: Skipped,
    /// Rows below the header that were looked at.
    pub rows_read: usize,
    /// The plan year named in the header ("2026年投资"), if any.
    pub plan_year: Option<i32>,
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn is_blank(row: &[Data]) -> bool {
    row.iter().all(|c| cell_text(c).is_empty())
}

fn year_in(text: &str) -> Option<i32> {
    let digits: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok().filter(|y| (1990..=2200).contains(y))
}

#[derive(Debug, PartialEq, Eq)]
enum RowKind {
    Blank,
    Section,
    Subtotal,
    Total,
    Note,
    Data,
}

fn classify(row: &[Data], name_col: usize) -> RowKind {
    if is_blank(row) {
        return RowKind::Blank;
    }
    let texts: Vec<String> = row.iter().map(cell_text).collect();
    let compact: Vec<String> = texts.iter().map(|t| t.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    if compact.iter().any(|t| t.contains("小计")) {
        return RowKind::Subtotal;
    }
    if compact.iter().any(|t| t == "合计" || t == "总计" || t.starts_with("合计") || t.starts_with("总计")) {
        return RowKind::Total;
    }
    let first = compact.iter().find(|t| !t.is_empty()).cloned().unwrap_or_default();
    if ["注", "备注", "说明", "填报人", "制表", "审核", "数据来源"].iter().any(|p| first.starts_with(p))
    {
        return RowKind::Note;
    }
    let non_empty = compact.iter().filter(|t| !t.is_empty()).count();
    let chinese_numeral_heading = first
        .split_once('、')
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| "一二三四五六七八九十".contains(c)));
    let name_empty = compact.get(name_col).is_none_or(|t| t.is_empty());
    if chinese_numeral_heading || (non_empty <= 2 && name_empty) {
        return RowKind::Section;
    }
    if name_empty && non_empty == 1 {
        return RowKind::Note;
    }
    RowKind::Data
}

/// Reads a ledger from .xlsx bytes. File-level problems are errors; cell-level problems
/// are collected in [`ParsedLedger::problems`] so that all of them can be shown at once.
pub fn read_ledger(bytes: &[u8]) -> Result<ParsedLedger, OfficeError> {
    check_extent(bytes)?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| OfficeError::NotXlsx(e.to_string()))?;
    let range =
        workbook.worksheet_range_at(0).ok_or(OfficeError::NoSheet)?.map_err(|e| OfficeError::NotXlsx(e.to_string()))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let rows: Vec<&[Data]> = range.rows().collect();

    let header_idx = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| r.iter().any(|c| field_for(&cell_text(c)) == Some(Field::Name)))
        .ok_or(OfficeError::NoHeader(HEADER_SEARCH_ROWS))?;

    // A second header row sits under merged group cells ("2026年投资" over
    // "年度计划投资" / "1-10月完成投资"): it has text under a group and no numbers.
    let top = rows[header_idx];
    let sub = rows.get(header_idx + 1).copied();
    let two_rows = sub.is_some_and(|s| {
        s.iter().any(|c| matches!(field_for(&cell_text(c)), Some(Field::AnnualPlan | Field::Completed)))
            && s.iter().all(|c| !matches!(c, Data::Float(_) | Data::Int(_)))
    });

    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut columns: Vec<Option<Field>> = vec![None; width];
    let mut plan_year = None;
    let mut group = String::new();
    for col in 0..width {
        let top_text = top.get(col).map(cell_text).unwrap_or_default();
        if !top_text.is_empty() {
            group = top_text.clone();
        }
        let sub_text =
            if two_rows { sub.and_then(|s| s.get(col)).map(cell_text).unwrap_or_default() } else { String::new() };
        let text = if sub_text.is_empty() { top_text.clone() } else { sub_text.clone() };
        let field = field_for(&text);
        if let Some(f) = field {
            if matches!(f, Field::AnnualPlan | Field::Completed) {
                plan_year = plan_year
                    .or_else(|| year_in(&text))
                    .or_else(|| if sub_text.is_empty() { None } else { year_in(&group) });
            }
            // First column wins when two headers mean the same thing.
            if !columns.contains(&Some(f)) {
                columns[col] = Some(f);
            }
        }
    }
    let missing: Vec<String> =
        Field::REQUIRED.iter().filter(|f| !columns.contains(&Some(**f))).map(|f| f.label().to_string()).collect();
    if !missing.is_empty() {
        return Err(OfficeError::MissingColumns(missing));
    }
    let col_of = |f: Field| columns.iter().position(|c| *c == Some(f));
    let name_col = col_of(Field::Name).unwrap_or(0);

    let data_start = header_idx + if two_rows { 2 } else { 1 };
    let body = &rows[data_start.min(rows.len())..];
    let non_blank = body.iter().filter(|r| !is_blank(r)).count();
    if non_blank > MAX_DATA_ROWS {
        return Err(OfficeError::TooManyRows(non_blank, MAX_DATA_ROWS));
    }

    let mut out = ParsedLedger { plan_year, ..Default::default() };
    let mut section: Option<String> = None;
    for (i, row) in body.iter().enumerate() {
        let excel_row = first_row + data_start + i + 1;
        out.rows_read += 1;
        match classify(row, name_col) {
            RowKind::Blank => out.skipped.blank += 1,
            RowKind::Section => {
                out.skipped.section += 1;
                section = row.iter().map(cell_text).find(|t| !t.is_empty());
            }
            RowKind::Subtotal => out.skipped.subtotal += 1,
            RowKind::Total => out.skipped.total += 1,
            RowKind::Note => out.skipped.note += 1,
            RowKind::Data => {
                let mut cells = RowCells { row, excel_row, columns: &columns, problems: &mut out.problems };
                let header = ProjectHeader {
                    code: Some(cells.text(Field::Code)).filter(|c| !c.is_empty()),
                    name: cells.text(Field::Name),
                    office: cells.text(Field::Office),
                    industry: cells.text(Field::Industry),
                    stage: cells.stage(),
                    location: cells.text(Field::Location),
                    content: cells.text(Field::Content),
                    leader: cells.text(Field::Leader),
                    responsible_unit: cells.text(Field::ResponsibleUnit),
                    owner_unit: cells.text(Field::OwnerUnit),
                    total_investment: cells.money(Field::Total).unwrap_or_default(),
                    annual_plan: cells.money(Field::AnnualPlan).unwrap_or_default(),
                    planned_start: cells.date(Field::PlannedStart),
                    planned_finish: cells.date(Field::PlannedFinish),
                    actual_start: cells.date(Field::ActualStart),
                };
                let completed = cells.money(Field::Completed);
                out.rows.push(LedgerRow { row: excel_row, header, completed, section: section.clone() });
            }
        }
    }
    Ok(out)
}

/// calamine builds a dense grid from the first to the last cell, so a hostile sheet
/// with one cell in A1 and one in XFD1048576 would ask for billions of cells. Walk the
/// cells first (streaming, constant memory) and refuse sheets that reach too far.
fn check_extent(bytes: &[u8]) -> Result<(), OfficeError> {
    let mut workbook: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| OfficeError::NotXlsx(e.to_string()))?;
    let name = workbook.sheet_names().first().cloned().ok_or(OfficeError::NoSheet)?;
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(|e| OfficeError::NotXlsx(e.to_string()))?;
    let max_row = MAX_DATA_ROWS + HEADER_SEARCH_ROWS + 1_000;
    while let Some(cell) = cells.next_cell().map_err(|e| OfficeError::NotXlsx(e.to_string()))? {
        let (row, col) = cell.get_position();
        if row as usize > max_row {
            return Err(OfficeError::TooManyRows(row as usize, MAX_DATA_ROWS));
        }
        if col as usize >= MAX_COLUMNS {
            return Err(OfficeError::TooManyColumns(MAX_COLUMNS));
        }
    }
    Ok(())
}

/// The cells of one data row, with the problems found in them.
struct RowCells<'a> {
    row: &'a [Data],
    excel_row: usize,
    columns: &'a [Option<Field>],
    problems: &'a mut Vec<RowProblem>,
}

impl RowCells<'_> {
    fn cell(&self, field: Field) -> Option<&Data> {
        let col = self.columns.iter().position(|c| *c == Some(field))?;
        self.row.get(col).filter(|c| !cell_text(c).is_empty())
    }

    fn problem(&mut self, field: Field, reason: String) {
        self.problems.push(RowProblem { row: self.excel_row, column: field.label().to_string(), reason });
    }

    fn text(&self, field: Field) -> String {
        self.cell(field).map(cell_text).unwrap_or_default()
    }

    fn money(&mut self, field: Field) -> Option<Wan> {
        let parsed = match self.cell(field)? {
            Data::Float(f) => Wan::from_wan_f64(*f).map_err(|e| e.to_string()),
            Data::Int(i) => Ok(Wan::from_wan(*i)),
            other => Wan::parse(&cell_text(other)).map_err(|e| e.to_string()),
        };
        match parsed {
            Ok(w) if w.yuan() < 0 => {
                self.problem(field, "金额不能为负数".into());
                None
            }
            Ok(w) => Some(w),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    fn date(&mut self, field: Field) -> Option<NaiveDate> {
        let parsed = match self.cell(field)? {
            Data::DateTime(d) => excel_serial_to_date(d.as_f64()).ok_or_else(|| "不是有效的日期".to_string()),
            Data::Float(f) => excel_serial_to_date(*f).ok_or_else(|| "不是有效的日期".to_string()),
            Data::Int(i) => parse_ledger_date(&i.to_string()).map_err(|e| e.to_string()),
            other => parse_ledger_date(&cell_text(other)).map_err(|e| e.to_string()),
        };
        match parsed {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    fn stage(&mut self) -> Option<Stage> {
        let raw = self.text(Field::Stage);
        if raw.is_empty() {
            return None;
        }
        let stage = Stage::from_label(&raw);
        if stage.is_none() {
            self.problem(
                Field::Stage,
                format!("无法识别的阶段“{raw}”（可填 谋划、洽谈、签约、开工、建设/在建、投产/竣工、达产）"),
            );
        }
        stage
    }
}

/// A ledger to write: sections (e.g. 产业项目, 基础设施项目) of rows.
#[derive(Debug, Clone)]
pub struct LedgerSheet {
    pub title: String,
    pub year: i32,
    /// The completed column covers January through this month.
    pub through_month: u32,
    pub sections: Vec<LedgerSection>,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct LedgerSection {
    pub name: String,
    pub rows: Vec<LedgerExportRow>,
}

#[derive(Debug, Clone)]
pub struct LedgerExportRow {
    pub header: ProjectHeader,
    pub completed: Wan,
}

const CHINESE_NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Writes a ledger in the layout offices use; [`read_ledger`] reads it back.
pub fn write_ledger(sheet: &LedgerSheet) -> Result<Vec<u8>, OfficeError> {
    let mut w = LedgerWriter::new(&sheet.title, sheet.year, sheet.through_month)?;
    for section in &sheet.sections {
        w.start_section(&section.name, section.rows.len())?;
        for row in &section.rows {
            w.row(&row.header, row.completed)?;
        }
        w.end_section()?;
    }
    w.finish(&sheet.note)
}

/// Writes a ledger row by row, so that a 100,000-project export never holds the
/// whole ledger (or the whole workbook) in memory: the worksheet is in rust_xlsxwriter's
/// constant-memory mode, and callers feed rows a batch at a time.
pub struct LedgerWriter {
    wb: Workbook,
    row: u32,
    seq: usize,
    sections: usize,
    plan_col: u16,
    section_sums: [Wan; 3],
    grand_sums: [Wan; 3],
    bold: Format,
    bold_money: Format,
    cell: Format,
    money: Format,
    date: Format,
}

const LAST_COL: u16 = 16;

impl LedgerWriter {
    pub fn new(title: &str, year: i32, through_month: u32) -> Result<LedgerWriter, OfficeError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name("项目台账")?;
        let title_format =
            Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_font_name("宋体");
        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_background_color("#DDEBF7");
        // Columns: 序号, the first eight singles, the group "YYYY年投资" (annual plan,
        // completed), the remaining singles, 业主单位.
        let singles: [(Field, f64); 13] = [
            (Field::Code, 14.0),
            (Field::Name, 30.0),
            (Field::Office, 14.0),
            (Field::Industry, 10.0),
            (Field::Stage, 8.0),
            (Field::Location, 16.0),
            (Field::Content, 36.0),
            (Field::Total, 14.0),
            (Field::PlannedStart, 12.0),
            (Field::PlannedFinish, 12.0),
            (Field::ActualStart, 12.0),
            (Field::Leader, 10.0),
            (Field::ResponsibleUnit, 16.0),
        ];
        ws.merge_range(0, 0, 0, LAST_COL, title, &title_format)?;
        ws.merge_range(1, 0, 1, LAST_COL, "单位：万元", &Format::new().set_align(FormatAlign::Right))?;
        ws.merge_range(2, 0, 3, 0, "序号", &head)?;
        ws.set_column_width(0, 6)?;
        let mut col: u16 = 1;
        for (field, width) in &singles[..8] {
            ws.merge_range(2, col, 3, col, &header_label(*field), &head)?;
            ws.set_column_width(col, *width)?;
            col += 1;
        }
        let plan_col = col;
        // Row 3 holds only the group's two sub-headers, written after every row-2 cell:
        // constant-memory mode cannot go back to a row once a later one is written.
        ws.merge_range(2, plan_col, 2, plan_col + 1, &format!("{year}年投资"), &head)?;
        ws.set_column_width(plan_col, 14)?;
        ws.set_column_width(plan_col + 1, 14)?;
        col += 2;
        for (field, width) in &singles[8..] {
            ws.merge_range(2, col, 3, col, &header_label(*field), &head)?;
            ws.set_column_width(col, *width)?;
            col += 1;
        }
        ws.merge_range(2, col, 3, col, Field::OwnerUnit.label(), &head)?;
        ws.set_column_width(col, 16)?;
        debug_assert_eq!(col, LAST_COL);
        ws.write_string_with_format(3, plan_col, "年度计划投资", &head)?;
        ws.write_string_with_format(3, plan_col + 1, format!("1-{through_month}月完成投资"), &head)?;
        ws.set_freeze_panes(4, 3)?;
        Ok(LedgerWriter {
            wb,
            row: 4,
            seq: 0,
            sections: 0,
            plan_col,
            section_sums: [Wan::ZERO; 3],
            grand_sums: [Wan::ZERO; 3],
            bold: Format::new().set_bold().set_border(FormatBorder::Thin),
            bold_money: Format::new().set_bold().set_border(FormatBorder::Thin).set_num_format("#,##0.0000"),
            cell: Format::new().set_border(FormatBorder::Thin).set_text_wrap(),
            money: Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.0000"),
            date: Format::new().set_border(FormatBorder::Thin).set_num_format("yyyy-mm-dd"),
        })
    }

    fn sheet(&mut self) -> Result<&mut rust_xlsxwriter::Worksheet, OfficeError> {
        Ok(self.wb.worksheet_from_index(0)?)
    }

    /// "一、产业项目（30个）"
    pub fn start_section(&mut self, name: &str, count: usize) -> Result<(), OfficeError> {
        let numeral = CHINESE_NUMERALS.get(self.sections).copied().unwrap_or("十");
        let (row, bold) = (self.row, self.bold.clone());
        self.sheet()?.merge_range(row, 0, row, LAST_COL, &format!("{numeral}、{name}（{count}个）"), &bold)?;
        self.sections += 1;
        self.section_sums = [Wan::ZERO; 3];
        self.row += 1;
        Ok(())
    }

    pub fn row(&mut self, h: &ProjectHeader, completed: Wan) -> Result<(), OfficeError> {
        self.seq += 1;
        let (r, seq, plan_col) = (self.row, self.seq, self.plan_col);
        let (cell, money, date) = (self.cell.clone(), self.money.clone(), self.date.clone());
        let ws = self.sheet()?;
        ws.write_number_with_format(r, 0, seq as f64, &cell)?;
        ws.write_string_with_format(r, 1, h.code.as_deref().unwrap_or(""), &cell)?;
        ws.write_string_with_format(r, 2, &h.name, &cell)?;
        ws.write_string_with_format(r, 3, &h.office, &cell)?;
        ws.write_string_with_format(r, 4, &h.industry, &cell)?;
        ws.write_string_with_format(r, 5, h.stage.map_or("", Stage::label), &cell)?;
        ws.write_string_with_format(r, 6, &h.location, &cell)?;
        ws.write_string_with_format(r, 7, &h.content, &cell)?;
        ws.write_number_with_format(r, 8, h.total_investment.as_f64(), &money)?;
        ws.write_number_with_format(r, plan_col, h.annual_plan.as_f64(), &money)?;
        ws.write_number_with_format(r, plan_col + 1, completed.as_f64(), &money)?;
        for (offset, d) in [h.planned_start, h.planned_finish, h.actual_start].into_iter().enumerate() {
            let c = plan_col + 2 + offset as u16;
            match d {
                Some(d) => ws.write_datetime_with_format(
                    r,
                    c,
                    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year_u16(), d.month_u8(), d.day_u8())?,
                    &date,
                )?,
                None => ws.write_blank(r, c, &cell)?,
            };
        }
        ws.write_string_with_format(r, plan_col + 5, &h.leader, &cell)?;
        ws.write_string_with_format(r, plan_col + 6, &h.responsible_unit, &cell)?;
        ws.write_string_with_format(r, plan_col + 7, &h.owner_unit, &cell)?;
        for (sum, v) in self.section_sums.iter_mut().zip([h.total_investment, h.annual_plan, completed]) {
            *sum += v;
        }
        self.row += 1;
        Ok(())
    }

    /// The section's 小计 row.
    pub fn end_section(&mut self) -> Result<(), OfficeError> {
        let sums = self.section_sums;
        self.totals_row("小计", sums)?;
        for (g, s) in self.grand_sums.iter_mut().zip(sums) {
            *g += s;
        }
        Ok(())
    }

    fn totals_row(&mut self, label: &str, sums: [Wan; 3]) -> Result<(), OfficeError> {
        let (r, plan_col, bold, bold_money) = (self.row, self.plan_col, self.bold.clone(), self.bold_money.clone());
        let ws = self.sheet()?;
        ws.merge_range(r, 0, r, 7, label, &bold)?;
        ws.write_number_with_format(r, 8, sums[0].as_f64(), &bold_money)?;
        ws.write_number_with_format(r, plan_col, sums[1].as_f64(), &bold_money)?;
        ws.write_number_with_format(r, plan_col + 1, sums[2].as_f64(), &bold_money)?;
        self.row += 1;
        Ok(())
    }

    /// The 合计 row and a note under the table.
    pub fn finish(mut self, note: &str) -> Result<Vec<u8>, OfficeError> {
        let label = format!("合计（{}个）", self.seq);
        let sums = self.grand_sums;
        self.totals_row(&label, sums)?;
        let r = self.row + 1;
        self.sheet()?.merge_range(r, 0, r, LAST_COL, note, &Format::new())?;
        Ok(self.wb.save_to_buffer()?)
    }
}

fn header_label(field: Field) -> String {
    match field {
        Field::Total => "总投资（万元）".to_string(),
        other => other.label().to_string(),
    }
}

/// Small date helpers for rust_xlsxwriter's u16/u8 arguments.
trait DateParts {
    fn year_u16(&self) -> u16;
    fn month_u8(&self) -> u8;
    fn day_u8(&self) -> u8;
}

impl DateParts for NaiveDate {
    fn year_u16(&self) -> u16 {
        chrono::Datelike::year(self).clamp(1900, 9999) as u16
    }
    fn month_u8(&self) -> u8 {
        chrono::Datelike::month(self) as u8
    }
    fn day_u8(&self) -> u8 {
        chrono::Datelike::day(self) as u8
    }
}

#[cfg(test)]
mod tests;
