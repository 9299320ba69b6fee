//! Columns from files of any size, in bounded memory: messages are read a
//! batch at a time (about [`Select::DEFAULT_BATCH_BYTES`] of input), read on
//! every core, and handed out as Arrow-layout string columns, one batch
//! after another. What data engines (Spark, Polars, Dask) and bulk
//! extraction stand on.
//!
//! A column is what one path reads in each message, or one field of a
//! [mapping](crate::mapping) (which may give several rows per message). A
//! message that cannot be read gives one row with every value absent and its
//! error code; a [filter](crate::filter) leaves out the messages it does not
//! match.
//!
//! ```
//! use pipehat::columns::Select;
//! let file: &[u8] = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||42\r\
//! MSH|^~|bad\rMSH|^~\\&|B||||||ADT^A08|2|P|2.5\r";
//! let select = Select::paths(vec!["MSH-9.2".parse()?, "PID-3".parse()?]);
//! let batch = select.read(file).next().unwrap()?;
//! assert_eq!(batch.columns[0].get(0), Some("A01"));
//! assert_eq!(batch.columns[1].get(2), None);
//! assert_eq!(batch.offsets, [0, 42, 53]);
//! assert_eq!(batch.errors[0].row, 1);
//! assert_eq!(batch.errors[0].code, "missing_encoding_characters");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::extract::Plan;
use crate::filter::Filter;
#[cfg(feature = "json")]
use crate::mapping::Mapping;
use crate::stream::{Batch, BatchItem, MessageReader};
use crate::{ParseError, ParseOptions, Parser, Path};
use core::borrow::Borrow;
use std::io::{self, Read, Seek, SeekFrom};
use std::vec::Vec;

/// A column of optional UTF-8 strings in Apache Arrow's layout (the `utf8`
/// type): `offsets` (`len + 1` of them, starting at 0) into `data`, and a
/// validity bitmap (bit `i`, least significant first, set when value `i` is
/// present). Bindings hand the three buffers to Arrow without touching the
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringColumn {
    offsets: Vec<i32>,
    data: Vec<u8>,
    validity: Vec<u8>,
    nulls: usize,
}

impl Default for StringColumn {
    fn default() -> Self {
        StringColumn {
            offsets: std::vec![0],
            data: Vec::new(),
            validity: Vec::new(),
            nulls: 0,
        }
    }
}

impl StringColumn {
    /// The number of values.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the column has no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many values are absent.
    pub fn null_count(&self) -> usize {
        self.nulls
    }

    /// The offsets into [`data`](Self::data): value `i` is `data[offsets[i]..offsets[i + 1]]`.
    pub fn offsets(&self) -> &[i32] {
        &self.offsets
    }

    /// Every value's bytes, one after another.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The validity bitmap (`len()` bits, least significant bit first).
    pub fn validity(&self) -> &[u8] {
        &self.validity
    }

    /// Value `i`; `None` when absent (or `i` out of range).
    pub fn get(&self, i: usize) -> Option<&str> {
        let present = self.validity.get(i / 8)? & (1 << (i % 8)) != 0;
        let (start, end) = (*self.offsets.get(i)?, *self.offsets.get(i + 1)?);
        let bytes = self.data.get(start as usize..end as usize)?;
        present.then(|| core::str::from_utf8(bytes).ok()).flatten()
    }

    /// Appends a value (`None`: absent). A value that would take the column
    /// past Arrow's 2 GiB limit for `utf8` is stored as absent.
    pub fn push(&mut self, value: Option<&str>) {
        let i = self.len();
        if i % 8 == 0 {
            self.validity.push(0);
        }
        let value = value.filter(|v| self.data.len() + v.len() <= i32::MAX as usize);
        match value {
            Some(v) => {
                self.data.extend_from_slice(v.as_bytes());
                self.validity[i / 8] |= 1 << (i % 8);
            }
            None => self.nulls += 1,
        }
        self.offsets.push(self.data.len() as i32);
    }

    /// Appends every value of `other` (past the 2 GiB limit, as absent).
    fn append(&mut self, other: &StringColumn) {
        if self.is_empty() {
            self.clone_from(other);
            return;
        }
        if self.data.len() + other.data.len() > i32::MAX as usize {
            for i in 0..other.len() {
                self.push(other.get(i));
            }
            return;
        }
        let (base, first) = (self.data.len() as i32, self.len());
        self.data.extend_from_slice(&other.data);
        self.offsets
            .extend(other.offsets[1..].iter().map(|&o| base + o));
        let len = self.len();
        self.validity.resize(len.div_ceil(8), 0);
        for i in 0..other.len() {
            if other.validity[i / 8] & (1 << (i % 8)) != 0 {
                let j = first + i;
                self.validity[j / 8] |= 1 << (j % 8);
            }
        }
        self.nulls += other.nulls;
    }
}

/// A message that could not be read: its row stays, with every value absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row, within its [`Columns`] batch.
    pub row: usize,
    /// The message's byte offset in the input.
    pub offset: u64,
    /// A stable code: a parse error's, or `message_too_large`.
    pub code: &'static str,
    /// The parse error (`None` for a message over the size limit), its
    /// offset, line and column counted within the message.
    pub error: Option<ParseError>,
    /// The error's line within the message (1-based; 0 without a parse error).
    pub line: usize,
    /// The error's column within its line (1-based; 0 without a parse error).
    pub column: usize,
}

/// One batch of rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// One column per path or mapping field, in order.
    pub columns: Vec<StringColumn>,
    /// Each row's message: its byte offset in the input.
    pub offsets: Vec<u64>,
    /// The rows whose message could not be read.
    pub errors: Vec<RowError>,
    /// The messages read for this batch (a filter may leave some out, a
    /// mapping give several rows for one).
    pub messages: u64,
}

impl Columns {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len()
    }

    /// Each row's error code, absent for rows read without error: what data
    /// engines call `_error`.
    pub fn error_column(&self) -> StringColumn {
        let mut column = StringColumn::default();
        let mut errors = self.errors.iter().peekable();
        for row in 0..self.rows() {
            let code = errors.next_if(|e| e.row == row).map(|e| e.code);
            column.push(code);
        }
        column
    }

    fn new(width: usize) -> Columns {
        Columns {
            columns: std::vec![StringColumn::default(); width],
            ..Columns::default()
        }
    }

    fn append(&mut self, part: Columns) {
        let first = self.rows();
        for (column, values) in self.columns.iter_mut().zip(&part.columns) {
            column.append(values);
        }
        self.offsets.extend(part.offsets);
        self.errors.extend(part.errors.into_iter().map(|mut e| {
            e.row += first;
            e
        }));
        self.messages += part.messages;
    }

    fn error_row(&mut self, offset: u64, code: &'static str, error: Option<(ParseError, &[u8])>) {
        let (line, column) = error.as_ref().map_or((0, 0), |(e, m)| e.line_column(m));
        self.errors.push(RowError {
            row: self.rows(),
            offset,
            code,
            error: error.map(|(e, _)| e),
            line,
            column,
        });
        self.columns.iter_mut().for_each(|c| c.push(None));
        self.offsets.push(offset);
    }
}

/// What each row holds.
#[derive(Debug)]
enum Fields {
    Paths(Vec<Path>, Plan),
    #[cfg(feature = "json")]
    Mapping(Mapping),
}

/// What to read from each message: paths or a mapping, an optional filter,
/// decoded or raw values, the parse options; then [`read`](Self::read) a
/// stream or [`read_range`](Self::read_range) part of a file.
#[derive(Debug)]
pub struct Select {
    fields: Fields,
    filter: Option<Filter>,
    raw: bool,
    options: ParseOptions,
    threads: usize,
    batch_bytes: usize,
    max_message_size: usize,
}

impl Select {
    /// The input a batch holds unless [`batch_bytes`](Self::batch_bytes) says otherwise: 16 MiB.
    pub const DEFAULT_BATCH_BYTES: usize = 16 << 20;

    /// One column per path, decoded, on every core.
    pub fn paths(paths: Vec<Path>) -> Select {
        let plan = Plan::new(&paths);
        Select::new(Fields::Paths(paths, plan))
    }

    /// One column per field of `mapping`, a row per object it gives.
    /// Values are text: numbers as their JSON text, lists and JSON defaults
    /// as JSON.
    #[cfg(feature = "json")]
    pub fn mapping(mapping: Mapping) -> Select {
        Select::new(Fields::Mapping(mapping))
    }

    fn new(fields: Fields) -> Select {
        Select {
            fields,
            filter: None,
            raw: false,
            options: ParseOptions::default(),
            threads: 0,
            batch_bytes: Self::DEFAULT_BATCH_BYTES,
            max_message_size: 256 << 20,
        }
    }

    /// Keeps only the messages `filter` matches (messages that cannot be
    /// read stay, as error rows).
    pub fn filter(mut self, filter: Filter) -> Select {
        self.filter = Some(filter);
        self
    }

    /// Values as written, escape sequences kept (paths only; a mapping says
    /// this per field).
    pub fn raw(mut self, raw: bool) -> Select {
        self.raw = raw;
        self
    }

    /// How each message is parsed; its `max_message_size` also bounds the
    /// chunks a stream is split into.
    pub fn options(mut self, options: ParseOptions) -> Select {
        self.max_message_size = options.max_message_size;
        self.options = options;
        self
    }

    /// How many threads read each batch (0, the default: every core).
    pub fn threads(mut self, threads: usize) -> Select {
        self.threads = threads;
        self
    }

    /// About how many bytes of input each batch holds (at least one message).
    pub fn batch_bytes(mut self, bytes: usize) -> Select {
        self.batch_bytes = bytes.max(1);
        self
    }

    /// The number of columns.
    pub fn width(&self) -> usize {
        match &self.fields {
            Fields::Paths(paths, _) => paths.len(),
            #[cfg(feature = "json")]
            Fields::Mapping(m) => m.keys().count(),
        }
    }

    /// The batches of a stream (a file, a batch file, an MLLP capture, a
    /// concatenated feed), read with memory bounded by a batch and its output.
    pub fn read<R: Read>(&self, input: R) -> BatchReader<&Select, R> {
        BatchReader::new(self, input)
    }

    /// The batches of the messages that start in bytes `start..end` of a
    /// file (the last may run past `end`): cut a file at any byte positions,
    /// and the ranges' rows, put together, are the whole file's. The split
    /// starts at the last sync point before `start` ([`sync_point`]: an
    /// MLLP end byte, or a header right after a line break), so it finds
    /// the chunks a split of the whole file finds.
    pub fn read_range<R: Read + Seek>(
        &self,
        file: R,
        start: u64,
        end: u64,
    ) -> io::Result<BatchReader<&Select, R>> {
        BatchReader::range(self, file, start, end)
    }

    /// The rows of the messages in `batch` (read on the threads asked for):
    /// for chunks taken from a [`Splitter`](crate::stream::Splitter) with
    /// [`Batch::take`], when the input is pushed rather than read.
    pub fn columns(&self, batch: &Batch) -> Columns {
        self.read_batch(&messages(batch.items(), 0), batch)
    }

    /// Reads the messages of one batch on the threads asked for.
    fn read_batch(&self, items: &[BatchItem], batch: &Batch) -> Columns {
        let parts = crate::par::map_parts(
            items,
            self.threads,
            |part, _| self.read_items(part, batch),
            |part| {
                // a thread that panicked (none should) fails its messages
                let mut out = Columns::new(self.width());
                for item in part {
                    out.error_row(item.offset(), "internal_error", None);
                }
                out
            },
        );
        let mut out = Columns::new(self.width());
        for part in parts {
            out.append(part);
        }
        out
    }

    fn read_items(&self, items: &[BatchItem], batch: &Batch) -> Columns {
        let mut out = Columns::new(self.width());
        let mut parser = Parser::with_options(self.options.lazy(true));
        let mut separators = Vec::new();
        for item in items {
            let offset = item.offset();
            if let BatchItem::TooLarge { .. } = item {
                out.messages += 1;
                out.error_row(offset, "message_too_large", None);
                continue;
            }
            let bytes = batch.bytes(item);
            out.messages += 1;
            if let Some(filter) = self.filter.as_ref().filter(|f| f.reads_header_only()) {
                // Only MSH is read: no message is parsed for a filter that says no.
                match filter.matches_bytes(bytes) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) => {
                        out.error_row(offset, e.code(), Some((e, bytes)));
                        continue;
                    }
                }
            }
            let msg = match parser.parse(bytes) {
                Ok(msg) => msg,
                Err(e) => {
                    out.error_row(offset, e.code(), Some((e, bytes)));
                    continue;
                }
            };
            if let Some(filter) = self.filter.as_ref().filter(|f| !f.reads_header_only()) {
                if !filter.matches(&msg) {
                    continue;
                }
            }
            match &self.fields {
                Fields::Paths(paths, plan) => {
                    let raw = self.raw;
                    plan.read(&msg, paths, &mut separators, |c, v| {
                        let text = v.map(|v| if raw { v.raw() } else { v.value() });
                        out.columns[c].push(text.as_deref());
                    });
                    out.offsets.push(offset);
                }
                #[cfg(feature = "json")]
                Fields::Mapping(mapping) => {
                    for row in mapping.apply(&msg) {
                        for (column, (_, value)) in out.columns.iter_mut().zip(&row) {
                            column.push(value.to_text().as_deref());
                        }
                        out.offsets.push(offset);
                    }
                }
            }
        }
        out
    }
}

/// The messages among `items` (and those too large to read) that start at
/// `start` or after.
fn messages(items: &[BatchItem], start: u64) -> Vec<BatchItem> {
    items
        .iter()
        .filter(|i| i.is_message() && i.offset() >= start)
        .cloned()
        .collect()
}

/// The last position at or before `start` in `file` where a split of the
/// whole file has no chunk running across (see [`Select::read_range`]):
/// found by reading back from `start`, at most about `limit` bytes; `None`
/// when there is none that close.
pub fn sync_point<R: Read + Seek>(file: &mut R, start: u64, limit: u64) -> io::Result<Option<u64>> {
    const BLOCK: u64 = 64 << 10;
    let mut high = start;
    let mut buf = Vec::new();
    loop {
        let low = high.saturating_sub(BLOCK);
        file.seek(SeekFrom::Start(low))?;
        buf.clear();
        // a few bytes past `high`: enough to read a header that starts there
        file.by_ref().take(high - low + 4).read_to_end(&mut buf)?;
        if let Some(at) = crate::stream::sync_before(&buf, low, high.min(start)) {
            return Ok(Some(at));
        }
        if low == 0 {
            return Ok(Some(0));
        }
        if start - low > limit {
            return Ok(None);
        }
        high = low;
    }
}

/// The batches of a stream or a file range, from [`Select::read`] or
/// [`Select::read_range`], or made with a [`Select`] it owns (`S` is
/// `&Select`, `Select`, `Arc<Select>`...). An I/O error ends it.
#[derive(Debug)]
pub struct BatchReader<S, R> {
    select: S,
    reader: MessageReader<R>,
    batch: Batch,
    /// Chunks before this offset (read from a sync point before a range) are dropped.
    start: u64,
    end: Option<u64>,
    done: bool,
}

impl<S: Borrow<Select>, R: Read> BatchReader<S, R> {
    /// See [`Select::read`].
    pub fn new(select: S, input: R) -> Self {
        let limit = select.borrow().max_message_size;
        BatchReader {
            select,
            reader: MessageReader::with_limit(input, limit),
            batch: Batch::default(),
            start: 0,
            end: None,
            done: false,
        }
    }

    /// See [`Select::read_range`].
    pub fn range(select: S, mut file: R, start: u64, end: u64) -> io::Result<Self>
    where
        R: Seek,
    {
        let limit = select.borrow().max_message_size;
        let reader = match sync_point(&mut file, start, limit as u64)? {
            Some(at) => {
                file.seek(SeekFrom::Start(at))?;
                MessageReader::at(file, at, limit)
            }
            None => {
                // No sync point within a message's size: what starts a line
                // after the range's start begins the first chunk.
                let lead_in = start.saturating_sub(2);
                file.seek(SeekFrom::Start(lead_in))?;
                MessageReader::mid_stream_from(file, lead_in, start, limit)
            }
        };
        Ok(BatchReader {
            select,
            reader,
            batch: Batch::default(),
            start,
            end: Some(end),
            done: start >= end,
        })
    }

    /// The [`Select`] read with.
    pub fn select(&self) -> &Select {
        self.select.borrow()
    }
}

impl<S: Borrow<Select>, R: Read> Iterator for BatchReader<S, R> {
    type Item = io::Result<Columns>;

    fn next(&mut self) -> Option<io::Result<Columns>> {
        let select = self.select.borrow();
        loop {
            if self.done {
                return None;
            }
            if let Err(e) = self.reader.read_batch(&mut self.batch, select.batch_bytes) {
                self.done = true;
                return Some(Err(e));
            }
            let items = self.batch.items();
            // A range ends with the last message that starts in it.
            let end = self.end.unwrap_or(u64::MAX);
            let in_range = items.iter().take_while(|i| i.offset() < end).count();
            self.done = items.is_empty() || in_range < items.len();
            let messages = messages(&items[..in_range], self.start);
            if !messages.is_empty() {
                return Some(Ok(select.read_batch(&messages, &self.batch)));
            }
        }
    }
}
