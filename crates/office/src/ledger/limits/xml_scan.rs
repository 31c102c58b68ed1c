//! The streaming scan of one XML part, for [`super::check_package`].

use super::*;

/// Where the scan is in the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Text,
    /// A tag, after its `<`; also the first bytes of a comment, CDATA section or
    /// declaration until they are recognised.
    Tag,
    Comment,
    CData,
    /// A processing instruction (`<?xml …?>`).
    Instruction,
    /// A declaration (`<!DOCTYPE …>`), with the depth of `<` inside it.
    Declaration(u32),
}

/// The cell or shared string being read: calamine holds its content whole.
struct Unit {
    /// Its number in the part (1-based).
    ordinal: u64,
    bytes: u64,
    chars: u64,
}

/// Records calamine keeps one of per element when it opens a workbook.
const RECORDS: [&[u8]; 8] = [b"xf", b"font", b"fill", b"border", b"numFmt", b"sheet", b"definedName", b"Relationship"];

/// A streaming scan of one XML part.
///
/// Hand-written rather than run through an XML parser because an XML parser is what
/// must not be trusted with the part: quick-xml buffers each event whole, so the scan
/// has to see every run, tag, comment and CDATA section's length before anything
/// parses it, in constant memory. It only tokenises: it follows tags, quotes inside
/// tags, comments, CDATA sections and declarations as quick-xml does, counts, and reads
/// the handful of attributes needed (`uniqueCount`, a cell's `r`, the relationships
/// that lead to the first sheet).
pub(super) struct XmlScan {
    role: Role,
    what: String,
    want: Want,
    pub(super) found: Option<String>,
    lex: Lex,
    /// Bytes of the current run, tag or comment.
    run: u64,
    /// The current tag's bytes after `<` (at most [`MAX_RUN`]).
    tag: Vec<u8>,
    quote: Option<u8>,
    /// The two bytes before this one, to find `-->`, `]]>` and `?>`.
    tail: [u8; 2],
    /// Inside `<t>` or `<v>`: text that is a cell's value.
    in_text: bool,
    /// Inside an entity (`&amp;`): it counts as one character.
    in_entity: bool,
    unit: Option<Unit>,
    /// The `r` of the cell being read ("B2"), for messages.
    cell_ref: Vec<u8>,
    cells: u64,
    /// `<row>`s of the sheet.
    pub(super) rows: u64,
    shared_strings: u64,
    shared_text: u64,
}

impl XmlScan {
    pub(super) fn new(role: Role, what: String, want: Want) -> XmlScan {
        XmlScan {
            role,
            what,
            want,
            found: None,
            lex: Lex::Text,
            run: 0,
            tag: Vec::new(),
            quote: None,
            tail: [0; 2],
            in_text: false,
            in_entity: false,
            unit: None,
            cell_ref: Vec::new(),
            cells: 0,
            rows: 0,
            shared_strings: 0,
            shared_text: 0,
        }
    }

    pub(super) fn feed(&mut self, data: &[u8], records: &mut u64) -> Result<(), OfficeError> {
        let mut i = 0;
        while i < data.len() {
            // Text up to the next `<`, and a tag's bytes up to its `>`, are taken as one
            // stretch: most of a sheet is tags and indentation.
            let rest = &data[i..];
            let plain_tag = self.tag.first().is_some_and(|b| *b != b'!' && *b != b'?');
            let stretch = match self.lex {
                Lex::Text => {
                    let len = rest.iter().position(|b| *b == b'<').unwrap_or(rest.len());
                    if self.in_text {
                        for &b in &rest[..len] {
                            self.count(1)?;
                            self.text_byte(b)?;
                        }
                    } else {
                        self.count(len as u64)?;
                    }
                    len
                }
                Lex::Tag if plain_tag => {
                    let len = self.tag_stretch(rest);
                    self.count(len as u64)?;
                    self.tag.extend_from_slice(&rest[..len]);
                    len
                }
                _ => 0,
            };
            if stretch > 0 {
                i += stretch;
                continue;
            }
            let b = data[i];
            i += 1;
            self.count(1)?;
            match self.lex {
                // Text is read in stretches up to a `<`: this is it.
                Lex::Text => {
                    self.lex = Lex::Tag;
                    self.run = 1;
                    self.tag.clear();
                    self.quote = None;
                }
                Lex::Tag => self.tag_byte(b, records)?,
                Lex::Comment => {
                    if b == b'>' && self.tail == *b"--" {
                        self.end_of_run();
                    }
                }
                Lex::CData => {
                    if b == b'>' && self.tail == *b"]]" {
                        self.end_of_run();
                    } else if self.in_text {
                        self.text_byte(b)?;
                    }
                }
                Lex::Instruction => {
                    if b == b'>' && self.tail[1] == b'?' {
                        self.end_of_run();
                    }
                }
                Lex::Declaration(depth) => match b {
                    b'<' => self.lex = Lex::Declaration(depth + 1),
                    b'>' if depth == 0 => self.end_of_run(),
                    b'>' => self.lex = Lex::Declaration(depth - 1),
                    _ => {}
                },
            }
            self.tail = [self.tail[1], b];
        }
        Ok(())
    }

    /// How much of `rest` belongs to the tag before its closing `>` (quick-xml allows
    /// `>` inside a quoted attribute value).
    fn tag_stretch(&mut self, rest: &[u8]) -> usize {
        for (k, &b) in rest.iter().enumerate() {
            match self.quote {
                Some(q) if b == q => self.quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => self.quote = Some(b),
                None if b == b'>' => return k,
                None => {}
            }
        }
        rest.len()
    }

    fn end_of_run(&mut self) {
        self.lex = Lex::Text;
        self.run = 0;
    }

    /// `n` more bytes of the current run, and of the cell being read.
    fn count(&mut self, n: u64) -> Result<(), OfficeError> {
        self.run += n;
        if self.run > MAX_RUN {
            return Err(self.run_too_long());
        }
        if let Some(unit) = &mut self.unit {
            unit.bytes += n;
            if unit.bytes > MAX_CELL_XML {
                return Err(too_large(format!(
                    "{}超过 {}，一个单元格用不了这么多，不像正常的表格",
                    join(&self.what, &self.label()),
                    size(MAX_CELL_XML)
                )));
            }
        }
        Ok(())
    }

    /// "B2 单元格", "第 3 个字符串".
    fn label(&self) -> String {
        let ordinal = self.unit.as_ref().map_or(0, |u| u.ordinal);
        match self.role {
            Role::SharedStrings => format!("第 {} 个字符串", thousands(ordinal)),
            _ if self.cell_ref.is_empty() => format!("第 {} 个单元格", thousands(ordinal)),
            _ => format!("{} 单元格", String::from_utf8_lossy(&self.cell_ref)),
        }
    }

    fn run_too_long(&self) -> OfficeError {
        let kind = match self.lex {
            Lex::Text if self.in_text => "一段文字",
            Lex::Text => "一段空白或文字",
            Lex::Tag => "一个标签",
            Lex::Comment => "一段注释",
            Lex::CData => "一段 CDATA",
            Lex::Instruction | Lex::Declaration(_) => "一段声明",
        };
        let at = if self.unit.is_some() { format!("（{}）", self.label()) } else { String::new() };
        too_large(format!(
            "{}里有{kind}{at}连续超过 {}，一个单元格最多 {}字符，不像正常的表格",
            self.what,
            size(MAX_RUN),
            many(MAX_CELL_CHARS, "个")
        ))
    }

    /// One byte of a cell's or shared string's text.
    fn text_byte(&mut self, b: u8) -> Result<(), OfficeError> {
        let Some(unit) = &mut self.unit else { return Ok(()) };
        if self.role == Role::SharedStrings {
            self.shared_text += 1;
            if self.shared_text > MAX_SHARED_TEXT {
                return Err(too_large(format!(
                    "共享字符串表的文字超过 {}（上限），不像正常的表格",
                    size(MAX_SHARED_TEXT)
                )));
            }
        }
        let starts_char = if self.in_entity {
            self.in_entity = b != b';';
            false
        } else {
            self.in_entity = b == b'&';
            // Not a UTF-8 continuation byte.
            b & 0xC0 != 0x80
        };
        if starts_char {
            unit.chars += 1;
            if unit.chars > MAX_CELL_CHARS {
                let read = unit.bytes;
                return Err(too_large(format!(
                    "{}超过 {}字符（Excel 单元格的上限），读到 {} 时还没有结束",
                    join(&self.what, &self.label()),
                    many(MAX_CELL_CHARS, "个"),
                    size(read)
                )));
            }
        }
        Ok(())
    }

    fn tag_byte(&mut self, b: u8, records: &mut u64) -> Result<(), OfficeError> {
        if let Some(q) = self.quote {
            // quick-xml allows `>` inside a quoted attribute value.
            if b == q {
                self.quote = None;
            }
            self.tag.push(b);
            return Ok(());
        }
        let plain_tag = !matches!(self.tag.first(), Some(b'!' | b'?'));
        match b {
            b'"' | b'\'' if plain_tag => self.quote = Some(b),
            b'>' => {
                self.end_of_run();
                return self.end_of_tag(records);
            }
            _ => {}
        }
        self.tag.push(b);
        // Comments, CDATA sections, instructions and declarations are read whole by
        // quick-xml, up to their own end.
        self.lex = match self.tag.as_slice() {
            b"!--" => Lex::Comment,
            b"![CDATA[" => Lex::CData,
            [b'?'] => Lex::Instruction,
            [b'!', c] if *c != b'-' && *c != b'[' => Lex::Declaration(0),
            _ => return Ok(()),
        };
        // The end may not overlap the start (`<!-->` is no comment).
        self.tail = [0; 2];
        Ok(())
    }

    /// A whole tag has been read (its bytes after `<`, before `>`).
    fn end_of_tag(&mut self, records: &mut u64) -> Result<(), OfficeError> {
        let tag = std::mem::take(&mut self.tag);
        let closing = tag.first() == Some(&b'/');
        let body = if closing { &tag[1..] } else { &tag[..] };
        let name_end = body.iter().position(|c| c.is_ascii_whitespace() || *c == b'/').unwrap_or(body.len());
        let name = &body[..name_end];
        let local = name.rsplit(|c| *c == b':').next().unwrap_or(name);
        let result = if closing {
            match local {
                b"c" | b"si" => self.unit = None,
                b"t" | b"v" => {
                    self.in_text = false;
                    self.in_entity = false;
                }
                _ => {}
            }
            Ok(())
        } else {
            self.start_tag(local, &body[name_end..], tag.last() == Some(&b'/'), records)
        };
        // The buffer is kept for the next tag.
        self.tag = tag;
        result
    }

    fn start_tag(
        &mut self,
        local: &[u8],
        attrs: &[u8],
        self_closing: bool,
        records: &mut u64,
    ) -> Result<(), OfficeError> {
        match (self.role, local) {
            (Role::Sheet, b"row") => self.rows += 1,
            (Role::Sheet, b"c") => {
                self.cells += 1;
                if !self_closing {
                    self.cell_ref.clear();
                    self.cell_ref.extend_from_slice(attr(attrs, b"r").unwrap_or_default());
                    self.unit = Some(Unit { ordinal: self.cells, bytes: 0, chars: 0 });
                }
            }
            (Role::SharedStrings, b"sst") => {
                // calamine reserves room for the declared count before reading any.
                let declared = attr(attrs, b"uniqueCount")
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                if let Some(n) = declared.filter(|n| *n > MAX_SHARED_STRINGS) {
                    return Err(too_large(format!(
                        "共享字符串表声明有 {}字符串，超过上限 {}，不像正常的表格",
                        many(n, "个"),
                        count(MAX_SHARED_STRINGS)
                    )));
                }
            }
            (Role::SharedStrings, b"si") => {
                self.shared_strings += 1;
                if self.shared_strings > MAX_SHARED_STRINGS {
                    return Err(too_large(format!(
                        "共享字符串表的字符串超过 {}（上限），不像正常的表格",
                        many(MAX_SHARED_STRINGS, "个")
                    )));
                }
                if !self_closing {
                    self.unit = Some(Unit { ordinal: self.shared_strings, bytes: 0, chars: 0 });
                }
            }
            (_, b"t" | b"v") => self.in_text = !self_closing,
            _ => {}
        }
        if self.role == Role::Metadata && RECORDS.contains(&local) {
            *records += 1;
            if *records > MAX_RECORDS {
                return Err(too_large(format!(
                    "{}等处的样式、名称和关系记录超过 {}（上限），不像正常的表格",
                    self.what,
                    many(MAX_RECORDS, "条")
                )));
            }
        }
        match (&self.want, local) {
            (Want::Workbook, b"Relationship") => {
                let is_workbook = attr(attrs, b"Type").is_some_and(|t| t.ends_with(b"/relationships/officeDocument"));
                if let (true, Some(target)) = (is_workbook, attr(attrs, b"Target")) {
                    // calamine unescapes this one target; a target it cannot unescape
                    // stops it before any other part is read.
                    self.found = unescape(target);
                }
            }
            (Want::FirstSheet, b"sheet") if self.found.is_none() => {
                let id = attrs_of(attrs).find(|(k, _)| k.rsplit(|c| *c == b':').next() == Some(b"id"));
                self.found = Some(id.map(|(_, v)| String::from_utf8_lossy(v).into_owned()).unwrap_or_default());
            }
            (Want::Target(id), b"Relationship") if attr(attrs, b"Id") == Some(id.as_bytes()) => {
                self.found = attr(attrs, b"Target").map(|t| String::from_utf8_lossy(t).into_owned());
            }
            _ => {}
        }
        Ok(())
    }
}

/// The attributes of a tag, as raw (key, value) pairs.
fn attrs_of(attrs: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = attrs;
    std::iter::from_fn(move || {
        let start = rest.iter().position(|c| !c.is_ascii_whitespace() && *c != b'/')?;
        rest = &rest[start..];
        let eq = rest.iter().position(|c| *c == b'=')?;
        let key = rest[..eq].trim_ascii();
        let after = &rest[eq + 1..];
        let open = after.iter().position(|c| !c.is_ascii_whitespace())?;
        let quote = after[open];
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value_start = open + 1;
        let len = after[value_start..].iter().position(|c| *c == quote)?;
        let value = &after[value_start..value_start + len];
        rest = &after[value_start + len + 1..];
        Some((key, value))
    })
}

fn attr<'a>(attrs: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    attrs_of(attrs).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// XML's predefined entities and character references, as quick-xml unescapes them.
fn unescape(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';')? + amp;
        let entity = &rest[amp + 1..semi];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            _ => {
                let code = match entity.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => entity.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_with_either_quote_and_a_prefix() {
        let tag = br#" Id="rId1" r:id='rId7' Target="xl/work&amp;book.xml"/"#;
        assert_eq!(attr(tag, b"Id"), Some(&b"rId1"[..]));
        assert_eq!(attr(tag, b"r:id"), Some(&b"rId7"[..]));
        assert_eq!(unescape(attr(tag, b"Target").unwrap()).as_deref(), Some("xl/work&book.xml"));
        assert_eq!(attr(tag, b"id"), None);
    }

    fn scan(role: Role, xml: &str) -> Result<XmlScan, OfficeError> {
        let mut scan = XmlScan::new(role, "第一张工作表".into(), Want::Nothing);
        let mut records = 0;
        scan.feed(xml.as_bytes(), &mut records)?;
        Ok(scan)
    }

    #[test]
    fn markup_inside_comments_cdata_and_quotes_is_not_taken_for_tags() {
        let long = "字".repeat(40_000);
        // The cell's text goes on after a comment that seems to close it, and after a
        // quoted `>`: still one cell of 40,000 characters.
        let xml = format!(r#"<c r="B2" x="a>b"><is><t>{long}<!-- </t></is></c> -->{long}</t></is></c>"#);
        let err = scan(Role::Sheet, &xml).err().expect("refused").to_string();
        assert!(err.contains("B2 单元格超过 32,767 个字符"), "{err}");
        // A CDATA section is text, whatever it seems to hold.
        let xml =
            format!(r#"<c r="C3" t="inlineStr"><is><t><![CDATA[</t></is></c>{}]]></t></is></c>"#, "y".repeat(33_000));
        let err = scan(Role::Sheet, &xml).err().expect("refused").to_string();
        assert!(err.contains("C3 单元格超过 32,767 个字符"), "{err}");
        // Text outside <t> and <v> is not a cell's value.
        assert!(scan(Role::Sheet, &format!("<c r=\"D4\"><f>{}</f></c>", "y".repeat(33_000))).is_ok());
        let entities = format!("<si><t>{}</t></si>", "&amp;".repeat(32_767));
        assert!(scan(Role::SharedStrings, &entities).is_ok(), "an entity is one character");
        let entities = format!("<si><t>{}</t></si>", "&amp;".repeat(32_768));
        assert!(scan(Role::SharedStrings, &entities).is_err());
    }

    #[test]
    fn a_comment_is_one_run() {
        let xml = format!("<worksheet><!-- {} --></worksheet>", "<a>".repeat(400_000));
        let err = scan(Role::Sheet, &xml).err().expect("refused").to_string();
        assert!(err.contains("一段注释连续超过 1 MB"), "{err}");
    }
}
