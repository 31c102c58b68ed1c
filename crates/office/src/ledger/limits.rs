//! What an uploaded workbook may hold, checked as a stream before calamine reads it.
//!
//! An .xlsx is a zip of XML parts, and a 1 MB upload can inflate to gigabytes. calamine
//! reads the XML with quick-xml, which buffers each XML event whole (one text, one tag,
//! one comment), and it keeps some things whole: every shared string as soon as the
//! workbook is opened, a cell's content while the cell is read, every style record. So
//! before calamine opens the file, [`check_package`] inflates every zip member as a
//! stream (never trusting the sizes the zip declares) and counts, in constant memory,
//! what would cost memory. The reader then bounds the rest while it streams the sheet
//! (cells, text kept, problems; see `read.rs`).
//!
//! The caps are far above what a real ledger holds. Measured on a 200,000-row,
//! 30-column ledger written by rust_xlsxwriter (mixed text, numbers, dates; 32.5 MB,
//! just under the upload limit): the sheet inflates to 188 MB with shared strings
//! (294 MB with inline strings), the shared strings to 32 MB holding 726,000 strings
//! and 20 MB of text, and the sheet has 5.4 million non-empty cells.

mod xml_scan;
use xml_scan::XmlScan;

use crate::OfficeError;
use std::collections::HashMap;
use std::io::{Cursor, Read};

const MB: u64 = 1024 * 1024;

/// Zip members: a workbook has a dozen parts, a few more per sheet, image or comment.
/// Checked before the zip's directory is read, because reading it costs memory per
/// member (a 32 MB upload can list 600,000 empty members).
pub(super) const MAX_ZIP_MEMBERS: usize = 2_000;
/// The first sheet's XML, inflated: a 200,000-row ledger needs 188–294 MB. Also the
/// cap for members nobody parses (images, other sheets): no part of a ledger is larger
/// than its sheet. It bounds time, not memory: these are streamed.
pub(super) const MAX_SHEET_XML: u64 = 512 * MB;
/// The shared strings' XML: 32 MB for the 200,000-row ledger.
pub(super) const MAX_SHARED_STRINGS_XML: u64 = 128 * MB;
/// The parts calamine parses whole when it opens a workbook (relationships, workbook,
/// styles, theme): a few KB in a ledger, a few MB in a workbook bloated with styles.
pub(super) const MAX_METADATA_XML: u64 = 16 * MB;
/// All members together, inflated.
pub(super) const MAX_INFLATED: u64 = 768 * MB;
/// One text run, tag, comment or CDATA section: quick-xml holds it whole. No cell
/// needs more: Excel's 32,767 characters are under 100 KB of UTF-8, 330 KB even if
/// every character were written as a numeric reference. Whitespace padding between
/// tags is a run too.
pub(super) const MAX_RUN: u64 = MB;
/// One cell's or one shared string's XML, tags included: calamine reads it whole.
pub(super) const MAX_CELL_XML: u64 = MB;
/// Characters in one cell or shared string: Excel's own limit.
pub(super) const MAX_CELL_CHARS: u64 = 32_767;
/// Shared strings: calamine holds them all from the moment the workbook is opened
/// (about 50 bytes each plus the text). The 200,000-row ledger has 726,000.
pub(super) const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// Text in the shared strings, in bytes of UTF-8: 20 MB in the 200,000-row ledger.
pub(super) const MAX_SHARED_TEXT: u64 = 64 * MB;
/// Style records, sheets, defined names and relationships: calamine keeps each (a
/// style record takes about 160 bytes). Excel allows 64,000 cell formats.
pub(super) const MAX_RECORDS: u64 = 200_000;
/// Non-empty cells of the first sheet: 200,000 rows × 60 columns. The reader streams
/// them, so this bounds time; memory is bounded by what it keeps, below.
pub(super) const MAX_CELLS: usize = 12_000_000;
/// Text the parsed ledger keeps (cell values, the section each row is under, problem
/// reasons), in bytes: about 44 MB for the 200,000-row ledger. One long text repeated
/// in every row would otherwise be copied into every row.
pub(crate) const MAX_KEPT_TEXT: usize = 128 * MB as usize;
/// Problems listed: a sheet whose every cell is wrong is refused rather than listed
/// (each problem is about 200 bytes).
pub(super) const MAX_PROBLEMS: usize = 100_000;

/// "2,400 万" for round ten-thousands, "32,767" otherwise.
pub(super) fn count(n: u64) -> String {
    if n >= 10_000 && n.is_multiple_of(10_000) {
        return format!("{} 万", thousands(n / 10_000));
    }
    thousands(n)
}

/// "2,400 万个", "32,767 个".
pub(super) fn many(n: u64, unit: &str) -> String {
    let n = count(n);
    if n.ends_with('万') { format!("{n}{unit}") } else { format!("{n} {unit}") }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) fn size(bytes: u64) -> String {
    if bytes >= MB {
        format!("{} MB", thousands(bytes / MB))
    } else {
        format!("{} KB", thousands(bytes.div_ceil(1024)))
    }
}

/// "第一张工作表 B2 单元格", "共享字符串表第 3 个字符串".
fn join(what: &str, label: &str) -> String {
    let space = if label.starts_with(|c: char| c.is_ascii_alphanumeric()) { " " } else { "" };
    format!("{what}{space}{label}")
}

fn too_large(what: String) -> OfficeError {
    OfficeError::TooLarge(what)
}

fn not_xlsx(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::NotXlsx(e.to_string())
}

/// What calamine does with a zip member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The first worksheet: streamed cell by cell.
    Sheet,
    /// Read whole when the workbook is opened.
    SharedStrings,
    /// Relationships, workbook, styles, theme: parsed when the workbook is opened.
    Metadata,
    /// Never parsed: only its size matters.
    Unparsed,
}

impl Role {
    fn cap(self) -> u64 {
        match self {
            Role::Sheet | Role::Unparsed => MAX_SHEET_XML,
            Role::SharedStrings => MAX_SHARED_STRINGS_XML,
            Role::Metadata => MAX_METADATA_XML,
        }
    }

    fn describe(self, name: &str) -> String {
        match self {
            Role::Sheet => "第一张工作表".to_string(),
            Role::SharedStrings => "共享字符串表".to_string(),
            Role::Metadata | Role::Unparsed => format!("部件“{name}”"),
        }
    }
}

/// Refuses a workbook that holds more than a ledger could, before calamine reads any of
/// it. Reads every member as a stream: memory stays at a few buffers whatever the file.
/// `max_rows` is the most data rows the caller takes: a first sheet with far more
/// `<row>`s is refused here, before calamine loads the shared strings.
pub(crate) fn check_package(bytes: &[u8], max_rows: usize) -> Result<(), OfficeError> {
    // Every member has a central-directory record starting with this signature; a
    // count of the signatures bounds the members the zip library will list.
    let members = bytes.windows(4).filter(|w| w[0] == b'P' && *w == b"PK\x01\x02").count();
    if members > MAX_ZIP_MEMBERS {
        return Err(too_large(format!(
            "压缩包里有 {}部件，超过上限 {}，不像正常的表格",
            many(members as u64, "个"),
            count(MAX_ZIP_MEMBERS as u64)
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let mut package = Package::new(&zip);
    // Rows besides data rows (titles, headers, sections, subtotals, blank rows) are
    // allowed generously: the reader counts data rows exactly.
    package.max_sheet_rows = (max_rows + max_rows / 5 + 1_000) as u64;
    package.max_data_rows = max_rows;
    let roles = package.resolve(&mut zip)?;
    for index in 0..zip.len() {
        if !package.scanned.contains(&index) {
            package.inflate(&mut zip, index, roles.get(&index).copied().unwrap_or(Role::Unparsed), Want::Nothing)?;
        }
    }
    Ok(())
}

/// What a scan should pick out of the tags it sees, to find the parts calamine reads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    Nothing,
    /// The package relationships' officeDocument target: the workbook.
    Workbook,
    /// The workbook's first `<sheet>`'s relationship id.
    FirstSheet,
    /// The target of the workbook relationship with this id.
    Target(String),
}

struct Package {
    /// Member index by lower-cased name. calamine looks a part up by its name with `/`
    /// for `\\` and lower-cased, else by its exact name: both are keys here, so that a
    /// part calamine can find is never taken for one nobody parses.
    by_name: HashMap<String, usize>,
    scanned: Vec<usize>,
    inflated: u64,
    records: u64,
    /// The first sheet may have this many `<row>`s (see [`check_package`]), for at
    /// most this many data rows.
    max_sheet_rows: u64,
    max_data_rows: usize,
}

impl Package {
    fn new(zip: &zip::ZipArchive<Cursor<&[u8]>>) -> Package {
        let mut by_name = HashMap::new();
        for (index, name) in zip.file_names().enumerate() {
            by_name.insert(name.to_ascii_lowercase(), index);
        }
        // The normalised names win, as in calamine's lookup.
        for (index, name) in zip.file_names().enumerate() {
            by_name.insert(name.replace('\\', "/").to_ascii_lowercase(), index);
        }
        Package {
            by_name,
            scanned: Vec::new(),
            inflated: 0,
            records: 0,
            max_sheet_rows: u64::MAX,
            max_data_rows: usize::MAX,
        }
    }

    fn index(&self, path: &str) -> Option<usize> {
        self.by_name.get(&path.to_ascii_lowercase()).copied()
    }

    /// The parts calamine parses, found the way calamine finds them: the workbook from
    /// the package relationships, shared strings, styles and theme beside it, the first
    /// sheet from the workbook and its relationships. Scans those it needs to follow
    /// the trail (they are small: [`MAX_METADATA_XML`]).
    fn resolve(&mut self, zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<HashMap<usize, Role>, OfficeError> {
        let mut roles = HashMap::new();
        let Some(rels) = self.index("_rels/.rels") else { return Ok(roles) };
        roles.insert(rels, Role::Metadata);
        let Some(target) = self.inflate(zip, rels, Role::Metadata, Want::Workbook)? else { return Ok(roles) };
        let (dir, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
        let name = if name.is_empty() { "workbook.xml" } else { name };
        for (part, role) in [
            (format!("{dir}sharedStrings.xml"), Role::SharedStrings),
            (format!("{dir}styles.xml"), Role::Metadata),
            (format!("{dir}theme/theme1.xml"), Role::Metadata),
        ] {
            if let Some(i) = self.index(&part) {
                roles.insert(i, role);
            }
        }
        let workbook_rels = self.index(&format!("{dir}_rels/{name}.rels"));
        let workbook = self.index(&format!("{dir}{name}"));
        for part in [workbook_rels, workbook].into_iter().flatten() {
            roles.insert(part, Role::Metadata);
        }
        let (Some(workbook_rels), Some(workbook)) = (workbook_rels, workbook) else { return Ok(roles) };
        let Some(id) = self.inflate(zip, workbook, Role::Metadata, Want::FirstSheet)? else { return Ok(roles) };
        let Some(target) = self.inflate(zip, workbook_rels, Role::Metadata, Want::Target(id))? else {
            return Ok(roles);
        };
        let sheet = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("{dir}{target}"),
        };
        if let Some(i) = self.index(&sheet) {
            if roles.contains_key(&i) {
                return Err(not_xlsx(format!("第一张工作表指向了工作簿的另一个部件“{sheet}”")));
            }
            roles.insert(i, Role::Sheet);
        }
        Ok(roles)
    }

    /// Inflates one member as a stream, within its role's cap and the package's; scans
    /// the XML of the parts calamine parses. Returns what `want` asked for.
    fn inflate(
        &mut self,
        zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
        index: usize,
        role: Role,
        want: Want,
    ) -> Result<Option<String>, OfficeError> {
        self.scanned.push(index);
        let mut entry = match zip.by_index(index) {
            Ok(entry) => entry,
            // Nobody will inflate a member nobody parses: one that cannot be opened (an
            // unsupported method, say) is left alone.
            Err(_) if role == Role::Unparsed => return Ok(None),
            Err(e) => return Err(not_xlsx(e)),
        };
        let name = entry.name().to_string();
        let what = role.describe(&name);
        let mut scan = (role != Role::Unparsed).then(|| XmlScan::new(role, what.clone(), want));
        let mut buffer = vec![0u8; 64 * 1024];
        let mut part: u64 = 0;
        loop {
            let n = match entry.read(&mut buffer) {
                Ok(n) => n,
                // Nor one that cannot be read to its end (a bad checksum).
                Err(_) if role == Role::Unparsed => break,
                Err(e) => return Err(not_xlsx(e)),
            };
            if n == 0 {
                break;
            }
            part += n as u64;
            self.inflated += n as u64;
            if part > role.cap() {
                return Err(too_large(format!("{what}解压后超过 {}（上限），不像正常的表格", size(role.cap()))));
            }
            if self.inflated > MAX_INFLATED {
                return Err(too_large(format!("文件解压后超过 {}（上限），不像正常的表格", size(MAX_INFLATED))));
            }
            if let Some(scan) = &mut scan {
                scan.feed(&buffer[..n], &mut self.records)?;
                if scan.rows > self.max_sheet_rows {
                    return Err(OfficeError::TooManyRows(scan.rows as usize, self.max_data_rows));
                }
            }
        }
        Ok(scan.and_then(|s| s.found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sizes_read_as_people_write_them() {
        assert_eq!(count(24_000_000), "2,400 万");
        assert_eq!(count(2_000_000), "200 万");
        assert_eq!(count(32_767), "32,767");
        assert_eq!(count(2_000_001), "2,000,001");
        assert_eq!(many(24_000_000, "个"), "2,400 万个");
        assert_eq!(many(32_767, "个"), "32,767 个");
        assert_eq!(size(512 * MB), "512 MB");
        assert_eq!(size(32 * 1024 + 1), "33 KB");
    }
}
