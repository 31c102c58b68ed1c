//! Reading an enterprises CSV in pieces: where its bytes come from (the file, or its
//! GBK text decoded), the quote-aware pass that refuses over-long lines and finds record
//! boundaries about every few megabytes, and the header line. `read_enterprises_with`
//! parses the pieces on every core.

use super::FileError;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// The longest line accepted: a real row is a few hundred bytes; a 300 MB "line" would
/// be held whole by the CSV readers.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Where the CSV's UTF-8 bytes come from: the file itself, or its GB18030 (GBK) text
/// decoded in memory, as Excel in China saves "CSV (逗号分隔)".
pub(super) enum Source {
    File(std::path::PathBuf),
    Decoded(Arc<Vec<u8>>),
}

impl Source {
    pub(super) fn open(&self) -> Result<Box<dyn Read + Send>, FileError> {
        match self {
            Source::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| FileError::Open { path: path.display().to_string(), reason: e.to_string() })?;
                Ok(Box::new(file))
            }
            Source::Decoded(bytes) => Ok(Box::new(std::io::Cursor::new(SharedBytes(bytes.clone())))),
        }
    }

    /// How many bytes there are.
    pub(super) fn len(&self) -> Result<u64, FileError> {
        match self {
            Source::File(path) => std::fs::metadata(path)
                .map(|m| m.len())
                .map_err(|e| FileError::Open { path: path.display().to_string(), reason: io_reason(&e) }),
            Source::Decoded(bytes) => Ok(bytes.len() as u64),
        }
    }

    /// The bytes from `start` to `end` (a piece of the file between record boundaries).
    pub(super) fn open_range(&self, start: u64, end: u64) -> Result<Box<dyn Read + Send>, FileError> {
        use std::io::{Seek, SeekFrom};
        match self {
            Source::File(path) => {
                let fail =
                    |e: std::io::Error| FileError::Open { path: path.display().to_string(), reason: e.to_string() };
                let mut file = std::fs::File::open(path).map_err(fail)?;
                file.seek(SeekFrom::Start(start)).map_err(fail)?;
                Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, file.take(end - start))))
            }
            Source::Decoded(bytes) => {
                let mut cursor = std::io::Cursor::new(SharedBytes(bytes.clone()));
                cursor.set_position(start);
                Ok(Box::new(cursor.take(end - start)))
            }
        }
    }
}

struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Why a file cannot be read, in Chinese for the common cases.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::IsADirectory => "这是一个文件夹，不是文件".into(),
        _ => e.to_string(),
    }
}

/// A piece of a file between record boundaries: (first byte, end).
pub(super) type Piece = (u64, u64);

/// Bytes per piece of a file parsed on its own thread (a few thousand records).
const PIECE_BYTES: u64 = 4 << 20;

/// Whether a line break ends a record, with quotes read as csv-core (the splitter of
/// the readers that parse the pieces) reads them: a quote opens a quoted field only as
/// the field's first byte; inside one, two quotes are a quote and one closes it;
/// anywhere else a quote is text (`ab"cd` is five characters). Flipping at every quote
/// took a stray quote for an opening one, and then cut pieces inside quoted line breaks
/// further on (a valid file refused) or counted the rest of the file as one line.
#[derive(Default)]
struct Quotes {
    quoted: bool,
    /// A quote inside a quoted field, at this byte of the file: the next byte decides.
    closing: Option<u64>,
    /// The last byte of the chunk before (a field starts after a comma or a line break).
    last: Option<u8>,
    /// The file's first bytes (up to three: a byte order mark).
    head: Vec<u8>,
}

/// The UTF-8 byte order mark, which the readers skip.
pub(super) const BOM: &[u8] = b"\xef\xbb\xbf";

impl Quotes {
    /// Reads a quote or line feed at `bytes[at]` (byte `base + at` of the file); true
    /// for a line feed that ends a record.
    fn hit(&mut self, base: u64, bytes: &[u8], at: usize) -> bool {
        let position = base + at as u64;
        if let Some(quote) = self.closing.take() {
            if position == quote + 1 && bytes[at] == b'"' {
                // Two quotes inside a quoted field: a quote.
                return false;
            }
            self.quoted = false;
        }
        match (bytes[at], self.quoted) {
            (b'"', true) => {
                self.closing = Some(position);
                false
            }
            (b'"', false) => {
                let before = if at > 0 { Some(bytes[at - 1]) } else { self.last };
                let file_start = position == 0 || (position == BOM.len() as u64 && self.head_with(&bytes[..at]) == BOM);
                if file_start || matches!(before, Some(b',' | b'\n' | b'\r')) {
                    self.quoted = true;
                }
                false
            }
            (_, quoted) => !quoted,
        }
    }

    fn end_chunk(&mut self, bytes: &[u8]) {
        if let Some(&byte) = bytes.last() {
            self.last = Some(byte);
        }
        let wanted = BOM.len().saturating_sub(self.head.len()).min(bytes.len());
        self.head.extend_from_slice(&bytes[..wanted]);
    }

    /// The file's first bytes, with the chunk so far.
    fn head_with(&self, chunk: &[u8]) -> Vec<u8> {
        let mut head = self.head.clone();
        head.extend_from_slice(chunk);
        head
    }
}

/// Finds where the header ends and, about every [`PIECE_BYTES`], a record boundary (just
/// after a line break outside quotes), so that the pieces between them can be parsed on
/// every core. Fed the file's bytes in order. Written here because Arrow's CSV reader
/// (and the csv crate) read one stream on one thread and offer no split points; the
/// scan is the same quote-aware one as [`inspect`]'s, on bytes already in cache.
#[derive(Default)]
struct Splitter {
    quotes: Quotes,
    header_end: Option<u64>,
    points: Vec<u64>,
}

impl Splitter {
    fn feed(&mut self, base: u64, bytes: &[u8]) {
        for at in memchr::memchr2_iter(b'\n', b'"', bytes) {
            if self.quotes.hit(base, bytes, at) {
                self.record_end(base + at as u64 + 1);
            }
        }
        self.quotes.end_chunk(bytes);
    }

    /// A line break outside quotes just before byte `after`.
    fn record_end(&mut self, after: u64) {
        match self.header_end {
            None => self.header_end = Some(after),
            Some(start) => {
                if after >= self.points.last().copied().unwrap_or(start) + PIECE_BYTES {
                    self.points.push(after);
                }
            }
        }
    }

    /// The pieces after the header: (start, end) byte ranges; none for an empty body.
    fn pieces(&self, len: u64) -> Vec<Piece> {
        let Some(start) = self.header_end else { return Vec::new() };
        let mut bounds = vec![start];
        bounds.extend(self.points.iter().copied().filter(|p| *p < len));
        bounds.push(len);
        bounds.windows(2).filter(|w| w[1] > w[0]).map(|w| (w[0], w[1])).collect()
    }
}

/// One pass over the file before it is parsed: no line longer than [`MAX_LINE_BYTES`],
/// and the text UTF-8 or else GB18030.
pub(super) fn inspect(path: &Path) -> Result<(Source, bool, Vec<Piece>), FileError> {
    let open = |reason: String| FileError::Open { path: path.display().to_string(), reason };
    let mut file = std::fs::File::open(path).map_err(|e| open(io_reason(&e)))?;
    let mut splitter = Splitter::default();
    let mut offset = 0u64;
    let mut chunk = vec![0u8; 4 << 20];
    let (mut line, mut record_length, mut utf8) = (1usize, 0usize, true);
    let mut quotes = Quotes::default();
    let mut carry: Vec<u8> = Vec::new();
    // A file whose lines end in a bare carriage return (old Mac) would read as one line.
    let mut carriage = false;
    loop {
        let read = file.read(&mut chunk).map_err(|e| open(e.to_string()))?;
        if read == 0 {
            break;
        }
        let bytes = &chunk[..read];
        if line == 1 && !carriage {
            carriage = memchr::memchr(b'\r', bytes).is_some();
        }
        let base = offset;
        offset += read as u64;
        let mut from = 0;
        // A record ends at a line break outside quotes: a quoted cell may hold line
        // breaks, and is held whole by the readers too. One scan finds the long lines
        // and the pieces' boundaries.
        for at in memchr::memchr2_iter(b'\n', b'"', bytes) {
            let ends_record = quotes.hit(base, bytes, at);
            if bytes[at] == b'"' {
                continue;
            }
            record_length += at - from;
            from = at;
            line += 1;
            if record_length > MAX_LINE_BYTES {
                return Err(FileError::Csv(format!("第{}行超过 {} MB，不像企业数据", line - 1, MAX_LINE_BYTES >> 20)));
            }
            if ends_record {
                record_length = 0;
                splitter.record_end(base + at as u64 + 1);
            }
        }
        quotes.end_chunk(bytes);
        record_length += read - from;
        if record_length > MAX_LINE_BYTES {
            return Err(FileError::Csv(format!("第{line}行超过 {} MB，不像企业数据", MAX_LINE_BYTES >> 20)));
        }
        if utf8 {
            // Most chunks are checked in place; only a character cut by a chunk's end
            // is carried (its first bytes) into the next. simdutf8 (a dependency of
            // Arrow's already) checks in SIMD words: this pass runs on one core before
            // the others can start, and std's check was a third of it.
            let checked = if carry.is_empty() {
                simdutf8::compat::from_utf8(bytes).map(|_| ()).map_err(|e| (e, bytes))
            } else {
                carry.extend_from_slice(bytes);
                simdutf8::compat::from_utf8(&carry).map(|_| ()).map_err(|e| (e, &carry[..]))
            };
            match checked {
                Ok(()) => carry.clear(),
                Err((e, data)) if e.error_len().is_none() => carry = data[e.valid_up_to()..].to_vec(),
                Err(_) => utf8 = false,
            }
        }
    }
    if line == 1 && carriage {
        return Err(FileError::Csv(
            "文件只用回车符（CR）分行（旧式 Mac 格式），读不出各行；在 Excel 中请“另存为”“CSV UTF-8（逗号分隔）”"
                .into(),
        ));
    }
    if utf8 && carry.is_empty() {
        return Ok((Source::File(path.to_path_buf()), false, splitter.pieces(offset)));
    }
    let bytes = std::fs::read(path).map_err(|e| open(e.to_string()))?;
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes) {
        Some(text) => {
            let bytes = text.into_owned().into_bytes();
            let mut splitter = Splitter::default();
            splitter.feed(0, &bytes);
            let pieces = splitter.pieces(bytes.len() as u64);
            Ok((Source::Decoded(Arc::new(bytes)), true, pieces))
        }
        None => {
            Err(FileError::Csv("文件既不是 UTF-8 也不是 GBK 编码；在 Excel 中请“另存为”“CSV UTF-8（逗号分隔）”".into()))
        }
    }
}

/// The header's names, and the byte where the records after it begin.
pub(super) fn header_of(source: &Source) -> Result<(Vec<String>, u64), FileError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(source.open()?);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(FileError::Header("文件是空的".into())),
        Err(e) => return Err(FileError::Header(format!("第一行无法读取：{e}"))),
    }
    let names = record.iter().map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string()).collect();
    Ok((names, reader.position().byte()))
}

/// The pieces, the first starting where the CSV reader ended the header. The pre-pass
/// ends it at the first line feed outside quotes; a header ended by a lone carriage
/// return ("a,b\r1,2\n") ends before, and its first record was lost.
pub(super) fn after_header(pieces: Vec<Piece>, header_end: u64, len: u64) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = pieces.into_iter().filter(|(_, end)| *end > header_end).collect();
    match pieces.first_mut() {
        Some(first) => first.0 = header_end,
        None if header_end < len => pieces.push((header_end, len)),
        None => {}
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record boundary the pre-pass finds lies between two records as the csv
    /// crate (csv-core) reads them, whatever the chunks the bytes come in.
    #[test]
    fn boundaries_fall_between_records_as_the_csv_reader_reads_them() {
        for text in [
            "a,b\n1,2\n3,4\n",
            "a,b\nab\"cd,2\n\"x\ny\",3\n",
            "a,b\n\"ab\"c\"d\",2\n\"x\ny\",3\n",
            "a,b\n\"a\"\"\nb\",2\n\"\"\"\",\"\n\"\n",
            "a,b\n1,\"\n\"\n\"2\",\"3\"\"\n4\"\n",
            "\u{feff}\"a\nb\",c\n1,2\n",
            "a,b\n\n\n1,2\n",
            "a,b\r\n1,\"x\r\ny\"\r\n3,4\r\n",
        ] {
            let bytes = text.as_bytes();
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
            let mut records = Vec::new();
            let mut record = csv::ByteRecord::new();
            loop {
                let start = reader.position().byte();
                if !reader.read_byte_record(&mut record).unwrap() {
                    break;
                }
                // The reader skips empty lines before a record; they are between records.
                let skipped = bytes[start as usize..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
                records.push((start + skipped as u64, reader.position().byte()));
            }
            for chunk in [1, 2, 3, 5, bytes.len()] {
                let mut quotes = Quotes::default();
                let mut ends = Vec::new();
                for (k, part) in bytes.chunks(chunk).enumerate() {
                    let base = (k * chunk) as u64;
                    for at in memchr::memchr2_iter(b'\n', b'"', part) {
                        if quotes.hit(base, part, at) {
                            ends.push(base + at as u64 + 1);
                        }
                    }
                    quotes.end_chunk(part);
                }
                for end in &ends {
                    assert!(
                        records.iter().all(|(start, stop)| end <= start || end >= stop),
                        "{text:?} in chunks of {chunk}: a boundary at {end} inside a record of {records:?}"
                    );
                }
                // Each record that ends with a line feed is found.
                let fed: Vec<u64> = records.iter().map(|r| r.1).filter(|e| bytes[*e as usize - 1] == b'\n').collect();
                assert!(
                    fed.iter().all(|e| ends.contains(e)),
                    "{text:?} in chunks of {chunk}: {ends:?} lacks some of {fed:?}"
                );
            }
        }
    }

    #[test]
    fn a_header_ended_by_a_carriage_return_keeps_the_record_after_it() {
        // "a,b\r1,2\n3,4\n": the pre-pass ends the header at the line feed (byte 8).
        assert_eq!(after_header(vec![(8, 12)], 4, 12), vec![(4, 12)]);
        assert_eq!(after_header(vec![], 4, 8), vec![(4, 8)]);
        assert_eq!(after_header(vec![], 8, 8), vec![]);
        assert_eq!(after_header(vec![(4, 9), (9, 12)], 4, 12), vec![(4, 9), (9, 12)]);
    }
}
