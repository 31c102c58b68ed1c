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

/// Finds where the header ends and, about every [`PIECE_BYTES`], a record boundary (just
/// after a line break outside quotes), so that the pieces between them can be parsed on
/// every core. Fed the file's bytes in order. Written here because Arrow's CSV reader
/// (and the csv crate) read one stream on one thread and offer no split points; the
/// scan is the same quote-aware one as [`inspect`]'s, on bytes already in cache.
#[derive(Default)]
struct Splitter {
    quoted: bool,
    header_end: Option<u64>,
    points: Vec<u64>,
}

impl Splitter {
    fn feed(&mut self, base: u64, bytes: &[u8]) {
        for at in memchr::memchr2_iter(b'\n', b'"', bytes) {
            if bytes[at] == b'"' {
                self.quoted = !self.quoted;
                continue;
            }
            if self.quoted {
                continue;
            }
            self.record_end(base + at as u64 + 1);
        }
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
    let (mut line, mut record_length, mut utf8, mut quoted) = (1usize, 0usize, true, false);
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
            if bytes[at] == b'"' {
                quoted = !quoted;
                continue;
            }
            record_length += at - from;
            from = at;
            line += 1;
            if record_length > MAX_LINE_BYTES {
                return Err(FileError::Csv(format!("第{}行超过 {} MB，不像企业数据", line - 1, MAX_LINE_BYTES >> 20)));
            }
            if !quoted {
                record_length = 0;
                splitter.record_end(base + at as u64 + 1);
            }
        }
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

pub(super) fn header_of(source: &Source) -> Result<Vec<String>, FileError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(source.open()?);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(FileError::Header("文件是空的".into())),
        Err(e) => return Err(FileError::Header(format!("第一行无法读取：{e}"))),
    }
    Ok(record.iter().map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string()).collect())
}
