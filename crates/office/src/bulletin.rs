//! The bulletin (通报) as a Word document in the usual official layout: a red header
//! with the issuing body, the document number (文号) over a red rule, a centred title,
//! the addressees, body paragraphs indented two characters, score tables and the
//! signature block. Plain paragraphs and tables only, so that it stays editable in
//! Word and WPS.
//!
//! docx-rs writes the file; we only lay it out. Fonts follow GB/T 9704 conventions
//! (方正小标宋简体 for the title, 仿宋_GB2312 for the body); readers without them fall
//! back to a CJK font.

use crate::OfficeError;
use docx_rs::{
    AlignmentType, BorderType, Docx, PageMargin, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders,
    Run, RunFonts, SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

/// Everything the bulletin says; the app composes the words from the results.
#[derive(Debug, Clone, Default)]
pub struct Bulletin {
    /// Printed in red at the top right when set: "草稿" for an unreleased result,
    /// "更正稿（第2版）" for a correction.
    pub mark: String,
    /// The issuing body, printed in red on top, e.g. "××区项目建设指挥部办公室".
    pub issuer: String,
    /// 文号, e.g. "区项指办〔2026〕12号".
    pub doc_number: String,
    pub title: String,
    /// e.g. "各办事处，区直有关部门："
    pub addressees: String,
    pub paragraphs: Vec<Para>,
    /// Tables with a caption, a header row and rows.
    pub tables: Vec<BulletinTable>,
    /// Signature and date lines, right-aligned.
    pub signature: Vec<String>,
}

/// A paragraph of the body: a section heading ("一、评比结果", 黑体) or text (仿宋).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Para {
    Heading(String),
    Text(String),
}

impl From<String> for Para {
    fn from(text: String) -> Para {
        Para::Text(text)
    }
}

impl From<&str> for Para {
    fn from(text: &str) -> Para {
        Para::Text(text.to_string())
    }
}

#[derive(Debug, Clone, Default)]
pub struct BulletinTable {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

const TITLE_FONT: &str = "方正小标宋简体";
const BODY_FONT: &str = "仿宋_GB2312";
const HEADING_FONT: &str = "黑体";
/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt.
const SIZE_2: usize = 44;
const SIZE_3: usize = 32;
const SIZE_4: usize = 28;

/// Text as XML 1.0 allows it: control characters other than tab and line breaks
/// (which a report's text may carry) would make the document unreadable.
fn xml_text(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect()
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new()
        .add_text(xml_text(text))
        .size(size)
        .fonts(RunFonts::new().east_asia(font).ascii("Times New Roman").hi_ansi("Times New Roman"))
}

fn body(text: &str, font: &str) -> Paragraph {
    // First line indented two characters (2 × 16 pt = 640 twips), headings too.
    Paragraph::new().add_run(run(text, font, SIZE_3)).indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
}

fn cell(text: &str, bold: bool) -> TableCell {
    let mut r = run(text, BODY_FONT, SIZE_4);
    if bold {
        r = r.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(r).align(AlignmentType::Center))
}

pub fn write_bulletin(b: &Bulletin) -> Result<Vec<u8>, OfficeError> {
    // A4 with the official margins: 37 mm top, 28 mm left (in twips).
    let mut doc = Docx::new().page_margin(PageMargin::new().top(2098).bottom(1984).left(1587).right(1474));
    if !b.mark.is_empty() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(&b.mark, HEADING_FONT, SIZE_3).color("FF0000").bold())
                .align(AlignmentType::Right),
        );
    }
    doc = doc.add_paragraph(
        Paragraph::new().add_run(run(&b.issuer, TITLE_FONT, 64).color("FF0000").bold()).align(AlignmentType::Center),
    );
    doc = doc.add_paragraph(
        Paragraph::new().add_run(run(&b.doc_number, BODY_FONT, SIZE_3)).align(AlignmentType::Center).set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Single).size(18).color("FF0000"),
            ),
        ),
    );
    doc = doc.add_paragraph(Paragraph::new());
    doc = doc.add_paragraph(Paragraph::new().add_run(run(&b.title, TITLE_FONT, SIZE_2)).align(AlignmentType::Center));
    doc = doc.add_paragraph(Paragraph::new());
    if !b.addressees.is_empty() {
        doc = doc.add_paragraph(Paragraph::new().add_run(run(&b.addressees, BODY_FONT, SIZE_3)));
    }
    for p in &b.paragraphs {
        doc = doc.add_paragraph(match p {
            Para::Heading(text) => body(text, HEADING_FONT),
            Para::Text(text) => body(text, BODY_FONT),
        });
    }
    for t in &b.tables {
        doc = doc.add_paragraph(
            Paragraph::new().add_run(run(&t.caption, HEADING_FONT, SIZE_3)).align(AlignmentType::Center),
        );
        let mut rows = vec![TableRow::new(t.header.iter().map(|h| cell(h, true)).collect())];
        rows.extend(t.rows.iter().map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())));
        doc = doc.add_table(Table::new(rows).width(5000, WidthType::Pct));
        doc = doc.add_paragraph(Paragraph::new());
    }
    for line in &b.signature {
        doc = doc.add_paragraph(Paragraph::new().add_run(run(line, BODY_FONT, SIZE_3)).align(AlignmentType::Right));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| OfficeError::Write(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Bulletin {
        Bulletin {
            mark: String::new(),
            issuer: "××区项目建设指挥部办公室".into(),
            doc_number: "区项指办〔2026〕12号".into(),
            title: "关于2026年第三季度全区项目建设现场观摩评比结果的通报".into(),
            addressees: "各办事处，区直有关部门：".into(),
            paragraphs: vec![
                "2026年9月26日至27日，区委、区政府组织开展了全区项目建设现场观摩活动。".into(),
                Para::Heading("一、评比结果".into()),
                "湖北路办事处综合得分98.50分，位列第一；瀛洲办事处得分74.20分，位列末位。".into(),
            ],
            tables: vec![BulletinTable {
                caption: "各办事处得分及排名".into(),
                header: vec!["排名".into(), "办事处".into(), "得分".into(), "等次".into()],
                rows: vec![vec!["1".into(), "湖北路办事处".into(), "98.50".into(), "优秀".into()]],
            }],
            signature: vec!["××区项目建设指挥部办公室".into(), "2026年9月30日".into()],
        }
    }

    #[test]
    fn control_characters_never_reach_the_document() {
        let mut b = sample();
        b.paragraphs.push("问题\u{1}\u{b}描述".into());
        b.tables[0].rows[0][1] = "湖北路\u{0}办事处".into();
        let bytes = write_bulletin(&b).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        assert!(xml.contains("问题描述") && xml.contains("湖北路办事处"));
        assert!(!xml.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')));
    }

    /// python-docx, an independent reader, finds the parts in order. CI installs it;
    /// elsewhere the check is skipped with a note.
    #[test]
    fn python_docx_reads_back_the_official_parts() {
        let bytes = write_bulletin(&sample()).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("通报.docx");
        std::fs::write(&path, &bytes).unwrap();
        let script = "import docx,sys\nd=docx.Document(sys.argv[1])\nps=[p.text for p in d.paragraphs if p.text]\nprint(ps[0]);print(ps[1]);print(ps[2])\nt=d.tables[0]\nprint(t.rows[1].cells[1].text)\nprint(d.paragraphs[1].runs[0].font.color.rgb if d.paragraphs[0].runs else '')\nprint(ps[-1])";
        let out = match std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output() {
            Ok(out) => out,
            Err(e) => {
                assert!(std::env::var("CI").is_err(), "python3 missing in CI: {e}");
                return;
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("No module named 'docx'") && std::env::var("CI").is_err() {
            eprintln!("python-docx not installed: second-reader check skipped (CI installs it)");
            return;
        }
        assert!(out.status.success(), "python-docx could not read the bulletin: {stderr}");
        let lines: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
        assert_eq!(lines[0], "××区项目建设指挥部办公室");
        assert_eq!(lines[1], "区项指办〔2026〕12号");
        assert_eq!(lines[2], "关于2026年第三季度全区项目建设现场观摩评比结果的通报");
        assert_eq!(lines[3], "湖北路办事处");
        assert_eq!(lines[5], "2026年9月30日");
    }
}
