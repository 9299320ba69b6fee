//! Splitting a byte stream into messages: files with several messages (blank
//! lines, line feeds or nothing between them), MLLP-framed captures
//! (`0x0B … 0x1C 0x0D`) and batch files (`FHS`/`BHS` … `BTS`/`FTS`).
//!
//! The splitter looks only at line starts: a message begins at a line that
//! starts with `MSH` and runs until the next line that starts a message or an
//! envelope segment (`FHS`, `BHS`, `BTS`, `FTS`), or an MLLP end byte. A line
//! feed inside a message is kept (note text holds them). It needs no
//! allocation and runs at `memchr` speed.

/// What a [`Chunk`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChunkKind {
    /// A message, from its `MSH` to its last segment terminator.
    Message,
    /// An `FHS` file header segment.
    FileHeader,
    /// A `BHS` batch header segment.
    BatchHeader,
    /// A `BTS` batch trailer segment.
    BatchTrailer,
    /// An `FTS` file trailer segment.
    FileTrailer,
    /// Lines that are not HL7 (comments, stray text) before the next header.
    Unrecognized,
}

impl ChunkKind {
    /// A stable lower-case name: `message`, `file_header`, `batch_header`,
    /// `batch_trailer`, `file_trailer`, `unrecognized`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Message => "message",
            ChunkKind::FileHeader => "file_header",
            ChunkKind::BatchHeader => "batch_header",
            ChunkKind::BatchTrailer => "batch_trailer",
            ChunkKind::FileTrailer => "file_trailer",
            ChunkKind::Unrecognized => "unrecognized",
        }
    }

    /// The kind [`as_str`](Self::as_str) names; `None` for any other text.
    ///
    /// ```
    /// use pipehat::stream::ChunkKind;
    /// assert_eq!(ChunkKind::from_name("batch_trailer"), Some(ChunkKind::BatchTrailer));
    /// assert_eq!(ChunkKind::from_name("BTS"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ChunkKind> {
        ChunkKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Every kind, in declaration order.
    pub const ALL: [ChunkKind; 6] = [
        ChunkKind::Message,
        ChunkKind::FileHeader,
        ChunkKind::BatchHeader,
        ChunkKind::BatchTrailer,
        ChunkKind::FileTrailer,
        ChunkKind::Unrecognized,
    ];
}

/// One piece of a stream: a message or an envelope segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    kind: ChunkKind,
    bytes: &'a [u8],
    offset: usize,
    counted: Option<u64>,
}

impl<'a> Chunk<'a> {
    /// What the chunk holds.
    pub const fn kind(&self) -> ChunkKind {
        self.kind
    }
    /// The chunk's bytes (a message keeps its final segment terminator).
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// 0-based byte offset of the chunk in the stream.
    pub const fn offset(&self) -> usize {
        self.offset
    }
    /// For a `BTS`: the messages counted since its `BHS`; for an `FTS`: the
    /// batches counted since its `FHS` (or messages, in a file without batches).
    pub const fn counted(&self) -> Option<u64> {
        self.counted
    }
    /// For a trailer: the count it declares (BTS-1 or FTS-1), when it is a number.
    pub fn declared_count(&self) -> Option<u64> {
        if !matches!(self.kind, ChunkKind::BatchTrailer | ChunkKind::FileTrailer)
            || self.bytes.len() < 5
        {
            return None;
        }
        let field = self.bytes[3];
        let rest = &self.bytes[4..];
        let end = rest
            .iter()
            .position(|&b| b == field || b == b'\r' || b == b'\n')
            .unwrap_or(rest.len());
        parse_count(&rest[..end])
    }
    /// For a trailer: whether its declared count matches what was counted
    /// (`None` when it declares none).
    pub fn count_matches(&self) -> Option<bool> {
        Some(self.declared_count()? == self.counted?)
    }
}

/// A trailer count (BTS-1, FTS-1): ASCII digits only, at most 18 of them.
pub(crate) fn parse_count(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |n, d| n * 10 + (d - b'0') as u64))
}

/// The envelope name at `at`, when a line starting there begins with one.
fn boundary_kind(buf: &[u8], at: usize) -> Option<ChunkKind> {
    let name = buf.get(at..at + 3)?;
    let kind = match name {
        b"MSH" => ChunkKind::Message,
        b"FHS" => ChunkKind::FileHeader,
        b"BHS" => ChunkKind::BatchHeader,
        b"BTS" => ChunkKind::BatchTrailer,
        b"FTS" => ChunkKind::FileTrailer,
        _ => return None,
    };
    match buf.get(at + 3) {
        // A trailer may be the bare name.
        None | Some(b'\r' | b'\n' | 0x1C) => (kind != ChunkKind::Message).then_some(kind),
        Some(b) if b.is_ascii_alphanumeric() => None,
        Some(_) => Some(kind),
    }
}

/// The last position at or before `start` (a stream offset) where a split of
/// the whole stream has no chunk running across: an MLLP end byte, or a
/// header (`MSH`, `FHS`, `BHS`, `BTS`, `FTS`) right after a line break, or
/// the stream's start. `buf` holds the stream's bytes from offset `base`
/// (and a few past `start`, to read a header there). Splitting from that
/// position gives the chunks a split of the whole gives from there on.
#[cfg(feature = "std")] // used by columns::read_range
pub(crate) fn sync_before(buf: &[u8], base: u64, start: u64) -> Option<u64> {
    let last = usize::try_from(start.checked_sub(base)?)
        .ok()?
        .min(buf.len());
    for s in (0..=last).rev() {
        if s < buf.len() && buf[s] == 0x1C {
            return Some(base + s as u64);
        }
        if s == 0 {
            return (base == 0).then_some(0);
        }
        if matches!(buf[s - 1], b'\r' | b'\n') && boundary_kind(buf, s).is_some() {
            return Some(base + s as u64);
        }
    }
    None
}

fn is_gap(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0x0B | 0x1C | 0)
}

/// Where the next chunk lies in `buf`: `(kind, start, end)`, with `end` the
/// byte after the chunk. `None` when `buf` holds no complete chunk yet (with
/// `at_eof` false) or nothing at all.
pub(crate) fn next_chunk(
    buf: &[u8],
    pos: usize,
    at_eof: bool,
) -> Option<(ChunkKind, usize, usize)> {
    find_chunk(buf, pos, at_eof, 0).ok()
}

/// [`next_chunk`], for a buffer that grows: `Err(resume)` when `buf` holds
/// no complete chunk, where every line break before `resume` is already
/// known not to end the chunk at `pos`. A later search from the same `pos`
/// over more bytes may pass that `resume` as `from` and skip those breaks.
pub(crate) fn find_chunk(
    buf: &[u8],
    pos: usize,
    at_eof: bool,
    from: usize,
) -> Result<(ChunkKind, usize, usize), usize> {
    let (kind, start) = chunk_start(buf, pos, at_eof).ok_or(0usize)?;
    let single_line = !matches!(kind, ChunkKind::Message | ChunkKind::Unrecognized);
    // One pass over the line breaks and MLLP end bytes from `start`: `found`
    // is set once the chunk's end (or the need for more input) is known.
    let from = from.clamp(start, buf.len());
    let mut found = None;
    let mut resume = from;
    crate::parse::simd_search::for_each_match3(&buf[from..], b'\r', b'\n', 0x1C, |p| {
        let brk = from + p;
        if brk < resume {
            return true; // inside the blank lines already looked past
        }
        match chunk_end_at(buf, brk, at_eof, single_line) {
            Some(Step::Next(next)) => {
                resume = next;
                true
            }
            Some(Step::End(end)) => {
                found = Some(Ok(end));
                false
            }
            None => {
                found = Some(Err(brk));
                false
            }
        }
    });
    match found {
        Some(Ok(end)) => Ok((kind, start, end)),
        Some(Err(undecided)) => Err(undecided),
        None if at_eof => Ok((kind, start, buf.len())),
        None => Err(buf.len()),
    }
}

/// The kind and start of the chunk at or after `pos`, past gaps and
/// byte-order marks; `None` when nothing is left, or (with `at_eof` false)
/// too little to tell.
fn chunk_start(buf: &[u8], mut pos: usize, at_eof: bool) -> Option<(ChunkKind, usize)> {
    loop {
        if buf[pos..].starts_with(b"\xEF\xBB\xBF") {
            pos += 3;
        } else if pos < buf.len() && is_gap(buf[pos]) {
            pos += 1;
        } else {
            break;
        }
    }
    if pos >= buf.len() {
        return None;
    }
    let kind = boundary_kind(buf, pos).unwrap_or(ChunkKind::Unrecognized);
    if !at_eof && buf.len() - pos < 4 {
        return None;
    }
    Some((kind, pos))
}

/// What a line break or MLLP end byte means for the chunk around it.
enum Step {
    /// The chunk ends before this position.
    End(usize),
    /// The chunk goes on: look for the next break from this position.
    Next(usize),
}

/// Decides what the break (`\r`, `\n` or 0x1C) at `brk` means for the chunk
/// that holds it; `None` when that takes more input than `buf` holds (and
/// `at_eof` is false).
#[inline]
fn chunk_end_at(buf: &[u8], brk: usize, at_eof: bool, single_line: bool) -> Option<Step> {
    if buf[brk] == 0x1C {
        return Some(Step::End(brk));
    }
    // Include this line's terminator (`\r`, `\n` or `\r\n`); a `\r` at the
    // end of what was read so far may still be followed by its `\n`.
    if buf[brk] == b'\r' && brk + 1 == buf.len() && !at_eof {
        return None;
    }
    let mut line_end = brk + 1;
    if buf[brk] == b'\r' && buf.get(line_end) == Some(&b'\n') {
        line_end += 1;
    }
    if single_line {
        return Some(Step::End(line_end));
    }
    // Look past blank lines for the next line's start.
    let mut next = line_end;
    while next < buf.len() && matches!(buf[next], b'\r' | b'\n') {
        next += 1;
    }
    if next >= buf.len() {
        return at_eof.then_some(Step::End(line_end));
    }
    if buf[next] == 0x0B || buf[next] == 0x1C {
        return Some(Step::End(line_end));
    }
    // A byte-order mark may open the next line: files that each began with
    // one, concatenated (`cat a.hl7 b.hl7`), still hold one message each.
    let mut head = next;
    if buf[next] == 0xEF {
        if buf.len() - next < 3 && !at_eof {
            return None;
        }
        if buf[next..].starts_with(b"\xEF\xBB\xBF") {
            head += 3;
        }
    }
    if head + 4 > buf.len() && !at_eof {
        return None;
    }
    if boundary_kind(buf, head).is_some() {
        return Some(Step::End(line_end));
    }
    Some(Step::Next(next))
}

/// The search [`next_chunk`] used before, a `memchr3` call per line, with
/// the same decision at each break: the reference its one pass is tested
/// against.
#[cfg(test)]
fn next_chunk_by_lines(buf: &[u8], pos: usize, at_eof: bool) -> Option<(ChunkKind, usize, usize)> {
    let (kind, start) = chunk_start(buf, pos, at_eof)?;
    let single_line = !matches!(kind, ChunkKind::Message | ChunkKind::Unrecognized);
    let mut i = start;
    loop {
        let Some(p) = memchr::memchr3(b'\r', b'\n', 0x1C, &buf[i..]) else {
            return at_eof.then_some((kind, start, buf.len()));
        };
        match chunk_end_at(buf, i + p, at_eof, single_line)? {
            Step::End(end) => return Some((kind, start, end)),
            Step::Next(next) => i = next,
        }
    }
}

/// Counts messages and batches to fill [`Chunk::counted`] on trailers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counter {
    batch_messages: u64,
    file_batches: u64,
    file_messages: u64,
}

impl Counter {
    pub(crate) fn count(&mut self, kind: ChunkKind) -> Option<u64> {
        match kind {
            ChunkKind::Message => {
                self.batch_messages += 1;
                self.file_messages += 1;
                None
            }
            ChunkKind::BatchHeader => {
                self.batch_messages = 0;
                self.file_batches += 1;
                None
            }
            ChunkKind::FileHeader => {
                *self = Counter::default();
                None
            }
            ChunkKind::BatchTrailer => Some(self.batch_messages),
            ChunkKind::FileTrailer => Some(if self.file_batches == 0 {
                self.file_messages
            } else {
                self.file_batches
            }),
            ChunkKind::Unrecognized => None,
        }
    }
}

/// Iterator over the chunks of a byte slice; see [`split`].
#[derive(Debug, Clone)]
pub struct Split<'a> {
    input: &'a [u8],
    pos: usize,
    counter: Counter,
}

/// Splits a byte slice holding any number of messages, envelopes and MLLP
/// frames into [`Chunk`]s.
///
/// ```
/// use pipehat::stream::{split, ChunkKind};
/// let file = b"\x0bMSH|^~\\&|A\rPID|1\r\x1c\r\x0bMSH|^~\\&|B\rPID|2\r\x1c\r";
/// let chunks: Vec<_> = split(file).collect();
/// assert_eq!(chunks.len(), 2);
/// assert_eq!(chunks[1].as_bytes(), b"MSH|^~\\&|B\rPID|2\r");
/// assert!(chunks.iter().all(|c| c.kind() == ChunkKind::Message));
/// ```
pub fn split(input: &[u8]) -> Split<'_> {
    Split {
        input,
        pos: 0,
        counter: Counter::default(),
    }
}

/// Only the messages of [`split`], as byte slices.
///
/// ```
/// let file = b"MSH|^~\\&|A\rPID|1\r\nMSH|^~\\&|B\rPID|2\r\n";
/// assert_eq!(pipehat::stream::messages(file).count(), 2);
/// ```
pub fn messages(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    split(input)
        .filter(|c| c.kind() == ChunkKind::Message)
        .map(|c| c.as_bytes())
}

impl<'a> Iterator for Split<'a> {
    type Item = Chunk<'a>;
    fn next(&mut self) -> Option<Chunk<'a>> {
        let (kind, start, end) = next_chunk(self.input, self.pos, true)?;
        self.pos = end.max(start + 1);
        let counted = self.counter.count(kind);
        Some(Chunk {
            kind,
            bytes: &self.input[start..end],
            offset: start,
            counted,
        })
    }
}

#[cfg(feature = "alloc")]
pub use splitter::{OwnedChunk, Splitter, StreamError, Taken};

#[cfg(feature = "std")]
pub use reader::{Batch, BatchItem, MessageReader};

#[cfg(feature = "alloc")]
mod splitter {
    use super::{find_chunk, ChunkKind, Counter};
    use alloc::vec::Vec;

    /// A chunk taken from a [`Splitter`] or a
    /// [`MessageReader`](super::MessageReader), owning its bytes.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OwnedChunk {
        /// What the chunk holds.
        pub kind: ChunkKind,
        /// The chunk's bytes.
        pub bytes: Vec<u8>,
        /// 0-based byte offset of the chunk in the stream.
        pub offset: u64,
        /// For trailers, what was counted (see [`Chunk::counted`](super::Chunk::counted)).
        pub counted: Option<u64>,
    }

    impl OwnedChunk {
        /// The same chunk, borrowed: for [`Chunk::declared_count`](super::Chunk::declared_count)
        /// and [`Chunk::count_matches`](super::Chunk::count_matches).
        /// Its `offset()` is the stream offset, saturated to `usize`.
        pub fn as_chunk(&self) -> super::Chunk<'_> {
            super::Chunk {
                kind: self.kind,
                bytes: &self.bytes,
                offset: usize::try_from(self.offset).unwrap_or(usize::MAX),
                counted: self.counted,
            }
        }
    }

    /// What [`Splitter::next_chunk_into`] gives for a chunk: its kind,
    /// stream offset and, for trailers, what was counted.
    pub type Taken = (ChunkKind, u64, Option<u64>);

    /// An error while splitting a stream.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum StreamError {
        /// The reader failed.
        #[cfg(feature = "std")]
        Io(std::io::Error),
        /// A chunk grew past the size limit without ending; it was skipped
        /// up to the next message start. Holds the chunk's stream offset.
        ChunkTooLarge {
            /// 0-based byte offset of the chunk in the stream.
            offset: u64,
        },
    }

    impl StreamError {
        /// A stable code: `io_error` or `message_too_large`.
        pub fn code(&self) -> &'static str {
            match self {
                #[cfg(feature = "std")]
                StreamError::Io(_) => "io_error",
                StreamError::ChunkTooLarge { .. } => "message_too_large",
            }
        }

        /// The stream offset of the chunk too large; `None` for a read error.
        pub fn offset(&self) -> Option<u64> {
            match self {
                #[cfg(feature = "std")]
                StreamError::Io(_) => None,
                StreamError::ChunkTooLarge { offset } => Some(*offset),
            }
        }
    }

    impl core::fmt::Display for StreamError {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            match self {
                #[cfg(feature = "std")]
                StreamError::Io(e) => {
                    crate::error::write_error(f, "reading the stream failed", self.code(), [])?;
                    write!(f, ": {e}")
                }
                StreamError::ChunkTooLarge { offset } => crate::error::write_error(
                    f,
                    "a chunk exceeds the size limit and was skipped",
                    self.code(),
                    [crate::error::Place::Byte(*offset)],
                ),
            }
        }
    }

    #[cfg(feature = "std")]
    impl std::error::Error for StreamError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                StreamError::Io(e) => Some(e),
                StreamError::ChunkTooLarge { .. } => None,
            }
        }
    }

    /// Splits a stream that arrives in pieces (a socket, an HTTP body, a file
    /// read in blocks) into the chunks [`split`](super::split) finds in the
    /// whole: [`push`](Self::push) the bytes as they come, take the chunks
    /// complete so far with [`next_chunk`](Self::next_chunk), and call
    /// [`finish`](Self::finish) at the end so that the last chunk is given too.
    ///
    /// It holds at most one unfinished chunk plus what was pushed after it,
    /// and refuses chunks over its size limit (256 MiB unless set): such a
    /// chunk is skipped up to the next line that starts a header, and
    /// `next_chunk` gives a [`StreamError::ChunkTooLarge`] in its place.
    /// Each byte is looked at once, however small the pieces.
    ///
    /// ```
    /// use pipehat::stream::{ChunkKind, Splitter};
    /// let mut splitter = Splitter::new();
    /// let mut ids = Vec::new();
    /// for piece in [&b"MSH|^~\\&|A\rPID|1\rMS"[..], b"H|^~\\&|B\rPID|2\r"] {
    ///     splitter.push(piece);
    ///     while let Some(chunk) = splitter.next_chunk() {
    ///         ids.push(chunk.unwrap().offset);
    ///     }
    /// }
    /// assert_eq!(ids, [0]); // the second message may go on in the next piece
    /// splitter.finish();
    /// let last = splitter.next_chunk().unwrap().unwrap();
    /// assert_eq!((last.kind, last.offset), (ChunkKind::Message, 17));
    /// assert!(splitter.next_chunk().is_none());
    /// ```
    #[derive(Debug, Clone)]
    pub struct Splitter {
        buf: Vec<u8>,
        /// Where the next chunk search starts in `buf`.
        pos: usize,
        /// Stream offset of `buf[0]`.
        base: u64,
        eof: bool,
        max_chunk_size: usize,
        counter: Counter,
        /// Dropping an oversized chunk up to the next header.
        skipping: bool,
        /// For a search from `pos`: no break before this ends the chunk.
        resume: usize,
        /// A stream read from the middle of a file: no chunk starts before
        /// this stream offset.
        first_allowed: u64,
    }

    impl Default for Splitter {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Splitter {
        /// A splitter refusing chunks over 256 MiB.
        pub fn new() -> Self {
            Self::with_limit(256 << 20)
        }

        /// A splitter refusing chunks over `max_chunk_size` bytes (at least 16).
        pub fn with_limit(max_chunk_size: usize) -> Self {
            Splitter {
                buf: Vec::new(),
                pos: 0,
                base: 0,
                eof: false,
                max_chunk_size: max_chunk_size.max(16),
                counter: Counter::default(),
                skipping: false,
                resume: 0,
                first_allowed: 0,
            }
        }

        /// A splitter for a stream whose first byte is at `offset` in the
        /// whole, a position where no chunk runs across (a sync point of
        /// [`columns`](crate::columns)): offsets count from there.
        pub fn at(offset: u64, max_chunk_size: usize) -> Self {
            let mut s = Self::with_limit(max_chunk_size);
            s.base = offset;
            s
        }

        /// A splitter for a stream read from the middle of a file where no
        /// sync point is near: its first byte is at `offset` in the whole and
        /// is not taken as a line start, so everything up to the first line
        /// at or after `first` that starts a header (after a line break, or
        /// after an MLLP start byte that follows one) is dropped: the end of
        /// a message that began earlier.
        pub fn mid_stream_from(offset: u64, first: u64, max_chunk_size: usize) -> Self {
            let mut s = Self::with_limit(max_chunk_size);
            s.base = offset;
            s.first_allowed = first;
            s.skipping = true;
            s
        }

        /// Adds the next bytes of the stream. After [`finish`](Self::finish),
        /// pushing goes on with the same stream: offsets and batch counts
        /// continue.
        pub fn push(&mut self, bytes: &[u8]) {
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.base += self.pos as u64;
                self.resume = self.resume.saturating_sub(self.pos);
                self.pos = 0;
            }
            self.buf.extend_from_slice(bytes);
            self.eof = false;
        }

        /// [`push`](Self::push) for bytes the caller owns: when nothing is
        /// buffered, the splitter takes them without a copy.
        pub fn push_vec(&mut self, bytes: Vec<u8>) {
            if self.buffered() == 0 {
                self.base += self.buf.len() as u64;
                self.buf = bytes;
                self.pos = 0;
                self.resume = 0;
                self.eof = false;
            } else {
                self.push(&bytes);
            }
        }

        /// Declares the end of the stream: what is left becomes the last chunks.
        pub fn finish(&mut self) {
            self.eof = true;
        }

        /// Bytes pushed and not yet given out as chunks (nor skipped).
        pub fn buffered(&self) -> usize {
            self.buf.len() - self.pos
        }

        /// Stream offset of the first byte not yet given out.
        pub fn position(&self) -> u64 {
            self.base + self.pos as u64
        }

        /// The next complete chunk; `None` when the bytes pushed so far hold
        /// no other (until more are pushed, or `finish` is called).
        pub fn next_chunk(&mut self) -> Option<Result<OwnedChunk, StreamError>> {
            let mut bytes = Vec::new();
            let item = self.next_chunk_into(&mut bytes)?;
            Some(item.map(|(kind, offset, counted)| OwnedChunk {
                kind,
                bytes,
                offset,
                counted,
            }))
        }

        /// [`next_chunk`](Self::next_chunk) appending the chunk's bytes to
        /// `out` instead of allocating them: its kind, stream offset and,
        /// for trailers, what was counted.
        pub fn next_chunk_into(&mut self, out: &mut Vec<u8>) -> Option<Result<Taken, StreamError>> {
            if self.skipping {
                self.skip_oversized();
                if self.skipping {
                    return None;
                }
            }
            let from = self.resume;
            match find_chunk(&self.buf, self.pos, self.eof, from) {
                Ok((kind, start, end)) => {
                    self.resume = 0;
                    if end - start > self.max_chunk_size {
                        let offset = self.base + start as u64;
                        self.pos = start;
                        self.skip_oversized();
                        return Some(Err(StreamError::ChunkTooLarge { offset }));
                    }
                    self.pos = end.max(start + 1);
                    let counted = self.counter.count(kind);
                    out.extend_from_slice(&self.buf[start..end]);
                    Some(Ok((kind, self.base + start as u64, counted)))
                }
                Err(resume) => {
                    self.resume = resume;
                    if self.eof {
                        // Everything left was looked at: nothing but gaps.
                        self.pos = self.buf.len();
                        self.resume = 0;
                        return None;
                    }
                    if self.buf.len() - self.pos > self.max_chunk_size.saturating_add(8) {
                        let offset = self.base + self.pos as u64;
                        self.resume = 0;
                        self.skip_oversized();
                        return Some(Err(StreamError::ChunkTooLarge { offset }));
                    }
                    None
                }
            }
        }

        /// Skips an oversized chunk: drops bytes up to the next line that
        /// starts with a header.
        fn skip_oversized(&mut self) {
            let from = (self.pos + 1).max(self.first_allowed.saturating_sub(self.base) as usize);
            let (buf, base) = (&self.buf, self.base);
            // A line start: the stream's first byte, or a byte after a line
            // break or an MLLP end byte.
            let line_start =
                |j: usize| base + j as u64 == 0 || matches!(buf[j - 1], b'\r' | b'\n' | 0x1C);
            let keep_from = (from..buf.len()).find(|&i| {
                (line_start(i) || (buf[i - 1] == 0x0B && line_start(i - 1)))
                    && super::boundary_kind(buf, i).is_some()
            });
            match keep_from {
                Some(i) => {
                    self.pos = i;
                    self.skipping = false;
                }
                None if self.eof => {
                    self.pos = self.buf.len();
                    self.skipping = false;
                }
                None => {
                    // Keep a few bytes: a header may straddle the next push.
                    self.pos = self.buf.len().saturating_sub(4).max(self.pos);
                    self.skipping = true;
                }
            }
        }
    }
}

#[cfg(feature = "std")]
mod reader {
    use super::{ChunkKind, OwnedChunk, Splitter, StreamError};
    use core::ops::Range;
    use std::io::{self, Read};
    use std::vec;
    use std::vec::Vec;

    /// Reads chunks from any [`Read`] with bounded memory: it buffers at most
    /// one chunk plus one read, and refuses chunks over `max_chunk_size`.
    /// A [`Splitter`] fed by the reader.
    ///
    /// ```
    /// let data: &[u8] = b"MSH|^~\\&|A\r\nMSH|^~\\&|B\r\n";
    /// let ids: Vec<_> = pipehat::stream::MessageReader::new(data)
    ///     .map(|c| c.unwrap().bytes)
    ///     .collect();
    /// assert_eq!(ids, [b"MSH|^~\\&|A\r\n".to_vec(), b"MSH|^~\\&|B\r\n".to_vec()]);
    /// ```
    #[derive(Debug)]
    pub struct MessageReader<R> {
        reader: R,
        splitter: Splitter,
        block: Vec<u8>,
        read_size: usize,
        done: bool,
    }

    impl<R: Read> MessageReader<R> {
        /// A reader with a 256 MiB chunk limit, reading 256 KiB at a time.
        pub fn new(reader: R) -> Self {
            Self::with_limit(reader, 256 << 20)
        }

        /// A reader refusing chunks over `max_chunk_size` bytes.
        pub fn with_limit(reader: R, max_chunk_size: usize) -> Self {
            MessageReader {
                reader,
                splitter: Splitter::with_limit(max_chunk_size),
                block: Vec::new(),
                read_size: 256 << 10,
                done: false,
            }
        }

        /// See [`Splitter::at`].
        pub fn at(reader: R, offset: u64, max_chunk_size: usize) -> Self {
            let mut r = Self::with_limit(reader, max_chunk_size);
            r.splitter = Splitter::at(offset, max_chunk_size);
            r
        }

        /// See [`Splitter::mid_stream_from`].
        pub fn mid_stream_from(reader: R, offset: u64, first: u64, max_chunk_size: usize) -> Self {
            let mut r = Self::with_limit(reader, max_chunk_size);
            r.splitter = Splitter::mid_stream_from(offset, first, max_chunk_size);
            r
        }

        /// Reads the next chunks into `batch` (emptied first) until it holds
        /// `max_bytes` or more, or the input ends: the chunks' bytes are
        /// copied one after another into one buffer, with no allocation per
        /// chunk. Returns `false`, with `batch` empty, at the end of the
        /// input. A chunk over the size limit is a [`BatchItem::TooLarge`];
        /// a read error stops the batch and is returned.
        ///
        /// ```
        /// use pipehat::stream::{Batch, BatchItem, MessageReader};
        /// let data: &[u8] = b"MSH|^~\\&|A\rMSH|^~\\&|B\r";
        /// let mut reader = MessageReader::new(data);
        /// let mut batch = Batch::default();
        /// assert!(reader.read_batch(&mut batch, 1 << 20)?);
        /// let offsets: Vec<u64> = batch.items().iter().map(|i| i.offset()).collect();
        /// assert_eq!(offsets, [0, 11]);
        /// assert_eq!(batch.bytes(&batch.items()[1]), b"MSH|^~\\&|B\r");
        /// assert!(!reader.read_batch(&mut batch, 1 << 20)?);
        /// # Ok::<(), std::io::Error>(())
        /// ```
        pub fn read_batch(&mut self, batch: &mut Batch, max_bytes: usize) -> io::Result<bool> {
            batch.clear();
            loop {
                if !batch.take(&mut self.splitter, max_bytes) || self.done {
                    break;
                }
                self.fill()?;
            }
            Ok(!batch.items.is_empty())
        }

        /// Sets how many bytes each `read` call asks for (default 256 KiB).
        pub fn read_size(mut self, bytes: usize) -> Self {
            self.read_size = bytes.max(1);
            self
        }

        /// Reads once into the splitter; at the end of the input, finishes it.
        fn fill(&mut self) -> io::Result<()> {
            if self.block.len() != self.read_size {
                self.block = vec![0; self.read_size];
            }
            let n = loop {
                match self.reader.read(&mut self.block) {
                    Ok(n) => break n.min(self.block.len()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.splitter.finish();
                self.done = true;
            } else {
                self.splitter.push(&self.block[..n]);
            }
            Ok(())
        }
    }

    /// Chunks read together by [`MessageReader::read_batch`]: their bytes
    /// in one buffer, reused from batch to batch.
    #[derive(Debug, Clone, Default)]
    pub struct Batch {
        data: Vec<u8>,
        items: Vec<BatchItem>,
    }

    /// One chunk of a [`Batch`], or a chunk that was over the size limit.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum BatchItem {
        /// A chunk: its bytes are [`Batch::bytes`].
        Chunk {
            /// What the chunk holds.
            kind: ChunkKind,
            /// 0-based byte offset of the chunk in the stream.
            offset: u64,
            /// For trailers, what was counted (see [`Chunk::counted`](super::Chunk::counted)).
            counted: Option<u64>,
            /// Where its bytes are in the batch's buffer.
            range: Range<usize>,
        },
        /// A chunk over the size limit, skipped (its code is `message_too_large`).
        TooLarge {
            /// 0-based byte offset of the chunk in the stream.
            offset: u64,
        },
    }

    impl BatchItem {
        /// The chunk's stream offset.
        pub fn offset(&self) -> u64 {
            match self {
                BatchItem::Chunk { offset, .. } | BatchItem::TooLarge { offset } => *offset,
            }
        }

        /// Whether the item is a message (or a message too large to read).
        pub fn is_message(&self) -> bool {
            match self {
                BatchItem::Chunk { kind, .. } => *kind == ChunkKind::Message,
                BatchItem::TooLarge { .. } => true,
            }
        }
    }

    impl Batch {
        /// The chunks, in stream order.
        pub fn items(&self) -> &[BatchItem] {
            &self.items
        }

        /// An item's bytes (empty for [`BatchItem::TooLarge`]).
        pub fn bytes(&self, item: &BatchItem) -> &[u8] {
            match item {
                BatchItem::Chunk { range, .. } => self.data.get(range.clone()).unwrap_or_default(),
                BatchItem::TooLarge { .. } => &[],
            }
        }

        /// The bytes of every chunk.
        pub fn len_bytes(&self) -> usize {
            self.data.len()
        }

        /// Drops the chunks, keeping the buffer's memory.
        pub fn clear(&mut self) {
            self.data.clear();
            self.items.clear();
        }

        /// Moves the chunks `splitter` has complete into the batch (after
        /// those it holds) until it holds `max_bytes` or more: for streams
        /// pushed in pieces (sockets, JavaScript streams). Returns whether
        /// there is room for more, that is, the splitter ran out of complete
        /// chunks first.
        ///
        /// ```
        /// use pipehat::stream::{Batch, Splitter};
        /// let mut splitter = Splitter::new();
        /// let mut batch = Batch::default();
        /// splitter.push(b"MSH|^~\\&|A\rMSH|^~\\&|B");
        /// assert!(batch.take(&mut splitter, 1 << 20));
        /// assert_eq!(batch.items().len(), 1); // B may go on
        /// splitter.finish();
        /// batch.take(&mut splitter, 1 << 20);
        /// assert_eq!(batch.items().len(), 2);
        /// ```
        pub fn take(&mut self, splitter: &mut Splitter, max_bytes: usize) -> bool {
            while self.data.len() < max_bytes {
                let start = self.data.len();
                match splitter.next_chunk_into(&mut self.data) {
                    Some(Ok((kind, offset, counted))) => self.items.push(BatchItem::Chunk {
                        kind,
                        offset,
                        counted,
                        range: start..self.data.len(),
                    }),
                    Some(Err(StreamError::ChunkTooLarge { offset })) => {
                        self.items.push(BatchItem::TooLarge { offset })
                    }
                    #[cfg(feature = "std")]
                    Some(Err(StreamError::Io(_))) => {}
                    None => return true,
                }
            }
            false
        }
    }

    impl<R: Read> Iterator for MessageReader<R> {
        type Item = Result<OwnedChunk, StreamError>;

        fn next(&mut self) -> Option<Self::Item> {
            loop {
                if let Some(item) = self.splitter.next_chunk() {
                    return Some(item);
                }
                if self.done {
                    return None;
                }
                if let Err(e) = self.fill() {
                    return Some(Err(StreamError::Io(e)));
                }
            }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    /// The one-pass search finds every chunk boundary the line-by-line search
    /// found, from any start position, with or without more input to come.
    fn same_as_by_lines(input: &[u8]) {
        // Every position of short inputs; about 100 spread over long ones.
        let step = (input.len() / 100).max(1);
        for at_eof in [true, false] {
            for pos in (0..input.len()).step_by(step) {
                assert_eq!(
                    next_chunk(input, pos, at_eof),
                    next_chunk_by_lines(input, pos, at_eof),
                    "at {pos}, at_eof {at_eof}, {:?}",
                    std::string::String::from_utf8_lossy(input)
                );
            }
        }
    }

    #[test]
    fn one_pass_search_matches_the_line_by_line_search() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/");
        let mut files = 0;
        for dir in ["corpus/messages", "fuzz-regressions"] {
            for entry in std::fs::read_dir(std::format!("{root}{dir}")).unwrap() {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                // Whole files, and their first halves (what a reader holds mid-stream).
                same_as_by_lines(&bytes);
                same_as_by_lines(&bytes[..bytes.len() / 2]);
                files += 1;
            }
        }
        assert!(files > 200, "{files} files");
        // Random strings of the pieces where the two could part: breaks at
        // 64-byte block edges, MLLP bytes, envelopes, blank-line runs, a
        // byte-order mark, a \r as the last byte read.
        let pieces: [&[u8]; 12] = [
            b"MSH|^~\\&|A",
            b"\r",
            b"\n",
            b"\r\n",
            b"\x0b",
            b"\x1c",
            b"PID|1",
            b"BHS|^~\\&",
            b"FTS|1",
            b"\xEF\xBB\xBF",
            b"NTE|x",
            b"OBX|1|TX|||aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut input = Vec::new();
            let mut state = seed;
            for _ in 0..(seed % 24) {
                input.extend_from_slice(pieces[(state % 12) as usize]);
                state = state.rotate_left(5).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            same_as_by_lines(&input);
        }
    }

    fn kinds(input: &[u8]) -> Vec<(ChunkKind, &[u8])> {
        split(input).map(|c| (c.kind(), c.as_bytes())).collect()
    }

    #[test]
    fn back_to_back_messages_without_separator() {
        let input = b"MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\rPID|2\r";
        let k = kinds(input);
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].1, b"MSH|^~\\&|A\rPID|1\r");
    }

    #[test]
    fn line_feed_inside_a_message_is_kept() {
        let input = b"MSH|^~\\&|A\rNTE|1||line one\nline two\rMSH|^~\\&|B\r";
        let k = kinds(input);
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].1, b"MSH|^~\\&|A\rNTE|1||line one\nline two\r");
    }

    #[test]
    fn batch_envelopes_and_counts() {
        let input = b"FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A\rMSH|^~\\&|B\rBTS|2\rFTS|1\r";
        let chunks: Vec<_> = split(input).collect();
        let k: Vec<_> = chunks.iter().map(|c| c.kind()).collect();
        use ChunkKind::*;
        assert_eq!(
            k,
            [
                FileHeader,
                BatchHeader,
                Message,
                Message,
                BatchTrailer,
                FileTrailer
            ]
        );
        assert_eq!(chunks[4].counted(), Some(2));
        assert_eq!(chunks[4].count_matches(), Some(true));
        assert_eq!(chunks[5].count_matches(), Some(true));
        let bad = b"BHS|^~\\&\rMSH|^~\\&|A\rBTS|3\r";
        let trailer = split(bad).last().unwrap();
        assert_eq!(
            (trailer.declared_count(), trailer.counted()),
            (Some(3), Some(1))
        );
    }

    #[test]
    fn comment_lines_are_unrecognized() {
        let k = kinds(b"# exported\nMSH|^~\\&|A\r");
        assert_eq!(k[0], (ChunkKind::Unrecognized, &b"# exported\n"[..]));
        assert_eq!(k[1].0, ChunkKind::Message);
    }

    #[test]
    fn reader_matches_split_for_any_read_size() {
        let mut input = Vec::new();
        for i in 0..50u32 {
            input.extend_from_slice(b"\x0bMSH|^~\\&|APP|FAC|||2024||ADT^A01|");
            input.extend_from_slice(i.to_string().as_bytes());
            input.extend_from_slice(b"|P|2.5\rPID|1||X\r\x1c\r");
        }
        let expected: Vec<_> = split(&input).map(|c| c.as_bytes().to_vec()).collect();
        for read_size in [1, 3, 7, 64, 1000] {
            let reader = MessageReader::new(&input[..]).read_size(read_size);
            let got: Vec<_> = reader.map(|c| c.unwrap().bytes).collect();
            assert_eq!(got, expected, "read size {read_size}");
        }
    }

    #[test]
    fn reader_keeps_crlf_of_envelope_segments_across_reads() {
        // Found by the stream fuzz target: a read ending between `\r` and `\n`.
        let input =
            b"FHS|^~\\&|||||\r\nBHS|^~\\&|||||\r\nMSH|^~\\&|A\r\nPID|1\r\nBTS|1\r\nFTS|1\r\n";
        let expected: Vec<_> = split(input).map(|c| c.as_bytes().to_vec()).collect();
        assert_eq!(expected[0], b"FHS|^~\\&|||||\r\n");
        for read_size in 1..=20 {
            let got: Vec<_> = MessageReader::new(&input[..])
                .read_size(read_size)
                .map(|c| c.unwrap().bytes)
                .collect();
            assert_eq!(got, expected, "read size {read_size}");
        }
    }

    /// A chunk as `(kind, offset, bytes, counted)`, or the offset of one too large.
    type Pushed = Result<(ChunkKind, u64, Vec<u8>, Option<u64>), u64>;

    /// The chunks of `input` pushed into a [`Splitter`] in pieces of `size`
    /// bytes, then finished: `(kind, offset, bytes, counted)` each, and
    /// `Err(offset)` for a chunk too large.
    fn pushed(input: &[u8], size: usize, limit: usize) -> Vec<Pushed> {
        let mut splitter = Splitter::with_limit(limit);
        let mut out = Vec::new();
        let mut take = |s: &mut Splitter| {
            while let Some(item) = s.next_chunk() {
                out.push(match item {
                    Ok(c) => Ok((c.kind, c.offset, c.bytes, c.counted)),
                    Err(e) => Err(e.offset().unwrap_or(u64::MAX)),
                });
            }
        };
        for piece in input.chunks(size.max(1)) {
            splitter.push(piece);
            take(&mut splitter);
        }
        splitter.finish();
        take(&mut splitter);
        assert_eq!(splitter.buffered(), 0);
        assert_eq!(splitter.position(), input.len() as u64);
        out
    }

    fn split_owned(input: &[u8]) -> Vec<Pushed> {
        split(input)
            .map(|c| {
                Ok((
                    c.kind(),
                    c.offset() as u64,
                    c.as_bytes().to_vec(),
                    c.counted(),
                ))
            })
            .collect()
    }

    #[test]
    fn splitter_gives_the_chunks_of_split_for_any_piece_size() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/");
        let mut all = Vec::new();
        for dir in ["corpus/messages", "fuzz-regressions"] {
            let mut entries: Vec<_> = std::fs::read_dir(std::format!("{root}{dir}"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                let bytes = std::fs::read(path).unwrap();
                let expected = split_owned(&bytes);
                for size in [1, 2, 3, 7, 64, 1000] {
                    assert_eq!(
                        pushed(&bytes, size, usize::MAX),
                        expected,
                        "piece size {size}"
                    );
                }
                all.extend_from_slice(&bytes);
                all.extend_from_slice(b"\r\n");
            }
        }
        // Every file one after the other: chunks across file boundaries,
        // batch counts running on.
        let expected = split_owned(&all);
        assert!(expected.len() > 250, "{} chunks", expected.len());
        for size in [5, 4096, 65536] {
            assert_eq!(
                pushed(&all, size, usize::MAX),
                expected,
                "piece size {size}"
            );
        }
    }

    #[test]
    fn splitter_skips_a_chunk_too_large_at_any_piece_size() {
        let mut input = b"MSH|^~\\&|A\rPID|1\r".to_vec();
        input.extend_from_slice(b"MSH|^~\\&|B\rOBX|1||");
        input.extend(std::iter::repeat_n(b'x', 1000));
        input.extend_from_slice(b"\rMSH|^~\\&|C\rPID|3\r");
        for size in [1, 7, 64, 100, 5000] {
            let got = pushed(&input, size, 100);
            let kept: Vec<_> = got.iter().map(|c| c.clone().map(|c| c.2)).collect();
            assert_eq!(
                kept,
                [
                    Ok(b"MSH|^~\\&|A\rPID|1\r".to_vec()),
                    Err(17),
                    Ok(b"MSH|^~\\&|C\rPID|3\r".to_vec())
                ],
                "piece size {size}"
            );
        }
        // Too large and never ended: skipped to the end of the stream.
        let got = pushed(&input[..1000], 64, 100);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], Err(17));
    }

    #[test]
    fn splitter_goes_on_after_finish() {
        let mut splitter = Splitter::new();
        splitter.push(b"BHS|^~\\&\rMSH|^~\\&|A\r");
        splitter.finish();
        let first: Vec<_> = std::iter::from_fn(|| splitter.next_chunk())
            .map(|c| c.unwrap())
            .collect();
        assert_eq!(first.len(), 2);
        splitter.push_vec(b"MSH|^~\\&|B\r".to_vec());
        splitter.push_vec(b"BTS|2\r".to_vec());
        splitter.finish();
        let rest: Vec<_> = std::iter::from_fn(|| splitter.next_chunk())
            .map(|c| c.unwrap())
            .collect();
        assert_eq!(rest.len(), 2);
        assert_eq!((rest[0].offset, rest[1].offset), (20, 31));
        assert_eq!(rest[1].counted, Some(2));
        assert_eq!(rest[1].as_chunk().count_matches(), Some(true));
    }

    #[test]
    fn reader_skips_oversized_chunks() {
        let mut input = b"MSH|^~\\&|A\rOBX|1||".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1000));
        input.extend_from_slice(b"\rMSH|^~\\&|B\r");
        let reader = MessageReader::with_limit(&input[..], 100).read_size(64);
        let items: Vec<_> = reader.collect();
        assert_eq!(items.len(), 2);
        assert!(matches!(
            items[0],
            Err(StreamError::ChunkTooLarge { offset: 0 })
        ));
        assert_eq!(items[1].as_ref().unwrap().bytes, b"MSH|^~\\&|B\r");
    }
}
