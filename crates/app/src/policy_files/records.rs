//! A piece of an enterprises CSV split into records by csv-core, the splitter Arrow's
//! CSV reader runs, with the same settings (comma, double quote, any line ending) and
//! the same rule (every record has the header's number of fields). The fields stay in
//! one buffer and are typed straight from it ([`TextCells`]): going through Arrow's
//! string arrays copied every cell once more into fresh memory, a tenth of reading a
//! million firms. Any fault is only reported as "this piece does not parse"; the caller
//! then reads the whole file with Arrow's reader, whose message names the line.

use arrow_array::StringArray;
use csv_core::{ReadRecordResult, Reader};
use fengkou_domain::policy::columns::TextCells;

/// Splits records into batches, its buffers reused from batch to batch.
pub(super) struct Records {
    reader: Reader,
    columns: usize,
    /// The fields' bytes, unquoted, one after another.
    data: Vec<u8>,
    /// Each field's end in `data` (record r's field c at r × columns + c).
    ends: Vec<usize>,
}

impl Records {
    pub(super) fn new(columns: usize) -> Records {
        Records { reader: Reader::new(), columns, data: vec![0; 1 << 16], ends: Vec::new() }
    }

    /// Starts a piece: its first byte begins a record.
    pub(super) fn start_piece(&mut self) {
        self.reader.reset();
    }

    /// Splits up to `rows` records from `input[*at..]` (the rest of a piece), moving
    /// `at` past them; an empty batch at the end of the piece. Err when a record does
    /// not have the header's number of fields or its text is not UTF-8.
    pub(super) fn split(&mut self, input: &[u8], at: &mut usize, rows: usize) -> Result<Split<'_>, ()> {
        let columns = self.columns;
        if columns == 0 {
            return Err(());
        }
        // Room for every record's fields and one record more, so that a record with
        // too many fields is seen rather than cut.
        self.ends.resize((rows + 1) * columns, 0);
        let (mut data_len, mut record_start, mut fields, mut done) = (0, 0, 0, 0);
        while done < rows {
            // An empty input tells csv-core that the data has ended (the last record
            // may have no line break).
            let (result, read, written, ended) = self.reader.read_record(
                &input[*at..],
                &mut self.data[data_len..],
                &mut self.ends[done * columns + fields..],
            );
            *at += read;
            data_len += written;
            fields += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.data.len() * 2;
                    self.data.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => return Err(()),
                ReadRecordResult::Record => {
                    if fields != columns {
                        return Err(());
                    }
                    // csv-core counts a record's ends from the record's start.
                    for end in &mut self.ends[done * columns..(done + 1) * columns] {
                        *end += record_start;
                    }
                    record_start = data_len;
                    fields = 0;
                    done += 1;
                }
                ReadRecordResult::End => break,
            }
        }
        if fields != 0 {
            return Err(());
        }
        // The file was checked as UTF-8 before it was split, and a field's bytes are
        // the file's with quotes (ASCII) taken out: this holds unless the file changed
        // meanwhile. Checked once a batch, in SIMD words.
        let text = simdutf8::basic::from_utf8(&self.data[..data_len]).map_err(|_| ())?;
        Ok(Split { text, ends: &self.ends[..done * columns], columns, rows: done })
    }
}

/// A batch of records split from a piece.
pub(super) struct Split<'a> {
    text: &'a str,
    ends: &'a [usize],
    columns: usize,
    pub(super) rows: usize,
}

impl<'a> Split<'a> {
    /// Column `column` (None: a column the file does not have, all empty).
    pub(super) fn column(&self, column: Option<usize>) -> RecordColumn<'a> {
        RecordColumn { text: self.text, ends: self.ends, columns: self.columns, column, rows: self.rows }
    }
}

/// One column of a batch of records, typed straight from the records' buffer.
pub(super) struct RecordColumn<'a> {
    text: &'a str,
    ends: &'a [usize],
    columns: usize,
    column: Option<usize>,
    rows: usize,
}

impl TextCells for RecordColumn<'_> {
    fn rows(&self) -> usize {
        self.rows
    }

    fn cell(&self, row: usize) -> Option<&str> {
        let at = row * self.columns + self.column?;
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        // Arrow's reader reads an empty field as null, and so do the typed columns.
        // Fields end where the next begins, on a character's boundary.
        self.text.get(start..self.ends[at]).filter(|cell| !cell.is_empty())
    }

    fn all_empty(&self) -> bool {
        self.column.is_none() || (0..self.rows).all(|row| self.cell(row).is_none())
    }

    fn to_array(&self) -> StringArray {
        // Sized exactly: the codes' and names' arrays are held until the last firm is
        // read, and growing by doubling would hold up to twice their bytes.
        let bytes = (0..self.rows).map(|row| self.cell(row).map_or(0, str::len)).sum();
        let mut array = arrow_array::builder::StringBuilder::with_capacity(self.rows, bytes);
        for row in 0..self.rows {
            array.append_option(self.cell(row));
        }
        array.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use std::sync::Arc;

    /// Each cell as Arrow's CSV reader reads the same text (None: empty), by column.
    fn arrow_cells(text: &str, columns: usize) -> Result<Vec<Vec<Option<String>>>, ()> {
        let schema = Arc::new(arrow_schema::Schema::new(
            (0..columns)
                .map(|i| arrow_schema::Field::new(format!("c{i}"), arrow_schema::DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        let reader = arrow_csv::ReaderBuilder::new(schema)
            .with_header(false)
            .with_batch_size(3)
            .build(text.as_bytes())
            .map_err(|_| ())?;
        let mut out = vec![Vec::new(); columns];
        for batch in reader {
            let batch = batch.map_err(|_| ())?;
            for (c, column) in out.iter_mut().enumerate() {
                let array = batch.column(c).as_any().downcast_ref::<StringArray>().unwrap();
                column.extend((0..array.len()).map(|r| array.is_valid(r).then(|| array.value(r).to_string())));
            }
        }
        Ok(out)
    }

    fn split_cells(text: &str, columns: usize) -> Result<Vec<Vec<Option<String>>>, ()> {
        let mut records = Records::new(columns);
        records.start_piece();
        let mut out = vec![Vec::new(); columns];
        let mut at = 0;
        loop {
            // Batches of 3 records, so that records are split across batches.
            let split = records.split(text.as_bytes(), &mut at, 3)?;
            if split.rows == 0 {
                return Ok(out);
            }
            for (c, column) in out.iter_mut().enumerate() {
                let cells = split.column(Some(c));
                column.extend((0..split.rows).map(|r| cells.cell(r).map(str::to_string)));
            }
        }
    }

    #[test]
    fn records_are_split_as_arrows_reader_splits_them() {
        for text in [
            "a,b,c\n1,2,3\n",
            "a,b,c\r\n1,,3\r\n,,\r\n",
            "a,b,c\n1,2,3",
            "\"有,逗号\",\"有\"\"引号\"\"\",\"换\n行\"\n4,5,6\n",
            "a,b,c\n\n\n1,2,3\n",
            "甲,乙,丙\n丁,戊,己\n庚,辛,壬\n癸,子,丑\n寅,卯,辰\n",
            "a,b\n",
            "a,b,c,d\n",
            "a,b,c\n1,2\n",
            "",
        ] {
            assert_eq!(split_cells(text, 3), arrow_cells(text, 3), "{text:?}");
        }
    }
}
