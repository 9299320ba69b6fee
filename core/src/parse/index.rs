//! The structural index: one pass over the input records every segment and
//! every field separator as u32 offsets. Nothing below field level is indexed.

use crate::delimiters::{detect_terminator, read_header};
use crate::error::{ErrorKind, ParseError};
use crate::parse::simd_search as scan;
use crate::{Charset, Delimiters, Diagnostic, DiagnosticCode, ParseOptions, SegmentTerminator};
use alloc::vec::Vec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentEntry {
    pub start: u32,
    pub end: u32,
    /// One past this segment's last entry in `Index::separators`.
    pub separators_end: u32,
}

/// A reusable structural index. Building into an existing one reuses its
/// buffers, so a stream of messages costs no allocation once they have grown.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub(crate) delimiters: Delimiters,
    pub(crate) terminator: Option<SegmentTerminator>,
    pub(crate) charset: Charset,
    pub(crate) segments: Vec<SegmentEntry>,
    pub(crate) separators: Vec<u32>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Only segment boundaries are indexed (`ParseOptions::lazy`), and the
    /// first segment's field separators: the other segments find their
    /// fields by scanning.
    pub(crate) lazy: bool,
}

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes of memory the index holds (its buffers' capacity).
    pub fn heap_size(&self) -> usize {
        self.segments.capacity() * core::mem::size_of::<SegmentEntry>()
            + self.separators.capacity() * 4
            + self.diagnostics.capacity() * core::mem::size_of::<Diagnostic>()
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.segments.shrink_to_fit();
        self.separators.shrink_to_fit();
        self.diagnostics.shrink_to_fit();
    }

    pub(crate) fn separators_of(&self, i: usize) -> &[u32] {
        let start = if i == 0 {
            0
        } else {
            self.segments[i - 1].separators_end as usize
        };
        &self.separators[start..self.segments[i].separators_end as usize]
    }

    /// The field separators of segment `i` when the index holds them: those
    /// of every segment of a full index, of the first one of a lazy index.
    pub(crate) fn indexed_separators(&self, i: usize) -> Option<&[u32]> {
        (!self.lazy || i == 0).then(|| self.separators_of(i))
    }

    /// A lazy index holds the first segment's field separators all the same:
    /// the header, where the character set and the reads of MSH fields look,
    /// each of which would otherwise scan it again.
    fn index_first_segment(&mut self, input: &[u8]) {
        self.separators.clear();
        let Some(first) = self.segments.first() else {
            return;
        };
        let (start, end) = (first.start as usize, first.end as usize);
        push_separators_of(
            &mut self.separators,
            input,
            start,
            end,
            self.delimiters.field(),
        );
        let n = self.separators.len() as u32;
        for segment in &mut self.segments {
            segment.separators_end = n;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.segments.clear();
        self.separators.clear();
        self.diagnostics.clear();
        self.terminator = None;
        self.charset = Charset::Unspecified;
        self.lazy = false;
    }

    /// Indexes the field separators of a lazily built index (no-op otherwise).
    pub(crate) fn index_fields(&mut self, input: &[u8]) {
        if !self.lazy {
            return;
        }
        let field = self.delimiters.field();
        self.separators.clear();
        for segment in self.segments.iter_mut() {
            let (start, end) = (segment.start as usize, segment.end as usize);
            let separators = &mut self.separators;
            push_separators_of(separators, input, start, end, field);
            segment.separators_end = separators.len() as u32;
        }
        self.lazy = false;
    }

    /// Indexes `input`, replacing what the index held.
    pub(crate) fn build(&mut self, input: &[u8], options: &ParseOptions) -> Result<(), ParseError> {
        self.clear();
        if input.len() > options.max_message_size || input.len() > u32::MAX as usize - 1 {
            return Err(ParseError::new(
                ErrorKind::MessageTooLarge,
                options.max_message_size.min(input.len()),
            ));
        }
        let (start, end) = trim_envelope(input, &mut self.diagnostics);
        if start >= end {
            return Err(ParseError::new(ErrorKind::Empty, input.len()));
        }
        let header = read_header(input, start)?;
        self.delimiters = header.delimiters;
        if header.doubled_escape {
            self.diagnostics.push(Diagnostic::new(
                DiagnosticCode::DoubledEscapeCharacter,
                start + 4,
                Some(0),
                Some(2),
            ));
        }
        if !header.delimiters.has_subcomponent() {
            self.diagnostics.push(Diagnostic::new(
                DiagnosticCode::MissingSubcomponentSeparator,
                start + 4,
                Some(0),
                Some(2),
            ));
        }
        let terminator = options
            .segment_terminator
            .unwrap_or_else(|| detect_terminator(input, header.after_encoding, end));
        self.terminator = Some(terminator);
        if terminator != SegmentTerminator::Cr {
            self.diagnostics.push(Diagnostic::new(
                DiagnosticCode::NonStandardSegmentTerminator,
                start,
                None,
                None,
            ));
        }

        let mut builder = Builder {
            input,
            end,
            field: header.delimiters.field(),
            index: self,
            segment_start: start,
            last_boundary: start,
            max_field_length: options.max_field_length,
            max_segments: options.max_segments,
            mixed_reported: false,
            forced: options.segment_terminator.is_some(),
            error: None,
            headers: 0,
            envelope: false,
        };
        if options.lazy && terminator != SegmentTerminator::CrLf {
            // One allocation instead of a doubling series: segments are
            // rarely shorter than 40 bytes (an owned message shrinks the
            // excess; a long input's first 1,024 only are reserved).
            builder
                .index
                .segments
                .reserve(((end - start) / 40 + 1).min(1024));
            if !builder.scan_segments(start, terminator) {
                // Both line breaks (the general scan decides which end
                // segments), or a segment longer than the longest field
                // allowed (which may hold a field too long): a full build.
                return self.build(input, &options.lazy(false));
            }
            return builder.complete();
        }
        if builder.index.separators.capacity() == 0 {
            // A fresh index (Message::parse): one allocation each instead of
            // a doubling series. Fields average more than 8 bytes and
            // segments more than 40 in real feeds; a long input reserves
            // for its first 64 KiB only, and an owned message shrinks the excess.
            let n = end - start;
            builder.index.separators.reserve((n / 8 + 8).min(8 * 1024));
            builder.index.segments.reserve((n / 40 + 1).min(1024));
        }
        let body = &input[start..end];
        let slow = match terminator {
            SegmentTerminator::Cr => memchr::memchr(b'\n', body).is_some(),
            SegmentTerminator::Lf => memchr::memchr(b'\r', body).is_some(),
            SegmentTerminator::CrLf => true,
        };
        if slow {
            builder.scan_mixed(start, terminator);
        } else {
            let primary = if terminator == SegmentTerminator::Lf {
                b'\n'
            } else {
                b'\r'
            };
            let field = builder.field;
            if builder.max_field_length >= 64 && !one_by_one() {
                scan::for_each_block2(body, field, primary, |base, fields, ends| {
                    builder.block(start + base, fields, ends)
                });
            } else {
                scan::for_each_match2(body, field, primary, |p| {
                    let at = start + p;
                    if input[at] == field {
                        builder.field_separator(at)
                    } else {
                        builder.terminator(at, at + 1)
                    }
                });
            }
        }
        builder.complete()
    }

    /// Updates the index after the bytes of segment `seg` were replaced in
    /// `text` by `new_len` bytes, without scanning other segments: the
    /// segment's field separators are found again and everything after it
    /// moves by the change in length. `Err` (index unchanged) when the edit
    /// broke a limit of `options`; `Ok(false)` (index unchanged) when the
    /// segment is a batch header or trailer, whose envelope checks need a
    /// full rebuild.
    pub(crate) fn segment_replaced(
        &mut self,
        text: &[u8],
        seg: usize,
        new_len: usize,
        options: &ParseOptions,
    ) -> Result<bool, ParseError> {
        let entry = self.segments[seg];
        let start = entry.start as usize;
        let name = text.get(start..start + 3).unwrap_or(&[]);
        if matches!(name, b"BHS" | b"BTS" | b"FHS" | b"FTS") {
            return Ok(false);
        }
        if text.len() > options.max_message_size || text.len() > u32::MAX as usize - 1 {
            return Err(ParseError::new(
                ErrorKind::MessageTooLarge,
                options.max_message_size.min(text.len()),
            ));
        }
        let new_end = start + new_len;
        let field = self.delimiters.field();
        let mut seps: Vec<u32> = Vec::new();
        let mut last = start;
        for p in memchr::memchr_iter(field, &text[start..new_end]) {
            let at = start + p;
            if at - last > options.max_field_length {
                return Err(ParseError::at(
                    ErrorKind::FieldTooLong,
                    last,
                    seg as u32,
                    None,
                ));
            }
            seps.push(at as u32);
            last = at;
        }
        if new_end - last > options.max_field_length {
            return Err(ParseError::at(
                ErrorKind::FieldTooLong,
                last,
                seg as u32,
                None,
            ));
        }
        let delta = new_len as i64 - (entry.end - entry.start) as i64;
        let first = if seg == 0 {
            0
        } else {
            self.segments[seg - 1].separators_end as usize
        };
        let old_count = entry.separators_end as usize - first;
        let count_delta = seps.len() as i64 - old_count as i64;
        let new_count = seps.len();
        self.separators.splice(first..first + old_count, seps);
        let shift = |v: u32, d: i64| (i64::from(v) + d) as u32;
        for s in &mut self.separators[first + new_count..] {
            *s = shift(*s, delta);
        }
        self.segments[seg].end = new_end as u32;
        for (j, e) in self.segments.iter_mut().enumerate().skip(seg) {
            e.separators_end = shift(e.separators_end, count_delta);
            if j > seg {
                e.start = shift(e.start, delta);
                e.end = shift(e.end, delta);
            }
        }
        for d in &mut self.diagnostics {
            if d.offset() >= entry.end as usize {
                d.shift(delta);
            }
        }
        self.charset = self.read_charset(text);
        Ok(true)
    }

    fn read_charset(&self, input: &[u8]) -> Charset {
        let Some(i) = self
            .segments
            .iter()
            .position(|s| input[s.start as usize..].starts_with(b"MSH"))
        else {
            return Charset::Unspecified;
        };
        // MSH-18 is the 17th separator-delimited field after the name.
        if self.indexed_separators(i).is_none() {
            let segment = &self.segments[i];
            let (start, end) = (segment.start as usize, segment.end as usize);
            return match scan::nth_pair(&input[start..end], self.delimiters.field(), 17) {
                (Some(at), stop) => {
                    Charset::from_msh18(&input[start + at + 1..start + stop.unwrap_or(end - start)])
                }
                (None, _) => Charset::Unspecified,
            };
        }
        let seps = self.separators_of(i);
        match seps.get(16) {
            Some(&at) => {
                let end = seps.get(17).map_or(self.segments[i].end, |&e| e) as usize;
                Charset::from_msh18(&input[at as usize + 1..end])
            }
            None => Charset::Unspecified,
        }
    }
}

/// Skips a byte order mark, MLLP framing and blank lines around the message.
fn trim_envelope(input: &[u8], diagnostics: &mut Vec<Diagnostic>) -> (usize, usize) {
    let mut start = 0;
    let mut end = input.len();
    loop {
        let rest = &input[start..end];
        if rest.starts_with(b"\xEF\xBB\xBF") {
            diagnostics.push(Diagnostic::new(
                DiagnosticCode::ByteOrderMark,
                start,
                None,
                None,
            ));
            start += 3;
        } else if rest.first() == Some(&0x0B) {
            diagnostics.push(Diagnostic::new(
                DiagnosticCode::MllpFraming,
                start,
                None,
                None,
            ));
            start += 1;
        } else if matches!(rest.first(), Some(b'\r' | b'\n' | b' ' | b'\t')) {
            start += 1;
        } else {
            break;
        }
    }
    while end > start && matches!(input[end - 1], b'\r' | b'\n' | b' ' | b'\t' | 0x1C) {
        if input[end - 1] == 0x1C
            && !diagnostics
                .iter()
                .any(|d| d.code() == DiagnosticCode::MllpFraming)
        {
            diagnostics.push(Diagnostic::new(
                DiagnosticCode::MllpFraming,
                end - 1,
                None,
                None,
            ));
        }
        end -= 1;
    }
    // Keep the final segment terminator inside the message: it is part of its text.
    // (One byte is enough: a `\n` after a final `\r` would only push the scan
    // onto its slower mixed-terminator path.)
    if matches!(input.get(end), Some(b'\r' | b'\n')) {
        end += 1;
    }
    (start, end)
}

struct Builder<'i, 'x> {
    input: &'i [u8],
    end: usize,
    field: u8,
    index: &'x mut Index,
    segment_start: usize,
    last_boundary: usize,
    max_field_length: usize,
    max_segments: usize,
    mixed_reported: bool,
    /// The terminator was forced by option: no other line break ends a segment.
    forced: bool,
    error: Option<ParseError>,
    /// Segments named MSH so far.
    headers: u32,
    /// Whether a batch or file header or trailer was seen.
    envelope: bool,
}

impl Builder<'_, '_> {
    #[inline(always)]
    fn field_separator(&mut self, at: usize) -> bool {
        if at - self.last_boundary > self.max_field_length {
            return self.field_too_long();
        }
        self.last_boundary = at;
        self.index.separators.push(at as u32);
        true
    }

    /// The field separators (`fields`, bit i for byte `base + i`) and
    /// segment terminators (`ends`) of one 64-byte block, in order, as
    /// `field_separator` and `terminator` take them one by one; the
    /// separators between two terminators are pushed in one go. Needs a
    /// longest field of at least 64 bytes: then only a block's first
    /// boundary can end a field too long, since the others follow one
    /// within the block. When it does, the block goes one by one (which
    /// reports the error as they do).
    #[inline(always)]
    fn block(&mut self, base: usize, mut fields: u64, mut ends: u64) -> bool {
        let all = fields | ends;
        if all == 0 {
            return true;
        }
        if base + all.trailing_zeros() as usize - self.last_boundary > self.max_field_length {
            let mut bits = all;
            while bits != 0 {
                let at = base + bits.trailing_zeros() as usize;
                let ok = if fields & (bits & bits.wrapping_neg()) != 0 {
                    self.field_separator(at)
                } else {
                    self.terminator(at, at + 1)
                };
                if !ok {
                    return false;
                }
                bits &= bits - 1;
            }
            return true;
        }
        while ends != 0 {
            let at = ends.trailing_zeros();
            let before = fields & ((1u64 << at) - 1);
            self.separators(base, before);
            fields ^= before;
            let at = base + at as usize;
            if !self.terminator(at, at + 1) {
                return false;
            }
            ends &= ends - 1;
        }
        self.separators(base, fields);
        true
    }

    /// Pushes the field separators of `bits` (bit i for byte `base + i`),
    /// in order; the last becomes `last_boundary`.
    #[inline(always)]
    fn separators(&mut self, base: usize, bits: u64) {
        if bits == 0 {
            return;
        }
        self.last_boundary = base + 63 - bits.leading_zeros() as usize;
        push_positions(&mut self.index.separators, base, bits);
    }

    /// Reports the field that started after `last_boundary` as too long.
    #[cold]
    fn field_too_long(&mut self) -> bool {
        let segment = self.index.segments.len();
        let first = if segment == 0 {
            0
        } else {
            self.index.segments[segment - 1].separators_end as usize
        };
        let mut number = (self.index.separators.len() - first) as u32;
        if crate::delimiters::is_header_name(
            self.input
                .get(self.segment_start..self.segment_start + 3)
                .unwrap_or(&[]),
        ) {
            number += 1;
        }
        let start = if self.last_boundary == self.segment_start {
            self.segment_start
        } else {
            self.last_boundary + 1
        };
        self.error = Some(ParseError::at(
            ErrorKind::FieldTooLong,
            start,
            segment as u32,
            (number > 0).then_some(number),
        ));
        false
    }

    /// Closes the segment ending at `at`; the next one starts at `next`.
    #[inline(always)]
    fn terminator(&mut self, at: usize, next: usize) -> bool {
        if at - self.last_boundary > self.max_field_length {
            return self.field_too_long();
        }
        let ok = self.close(at);
        self.segment_start = next;
        self.last_boundary = next;
        ok
    }

    #[inline(always)]
    fn close(&mut self, at: usize) -> bool {
        let start = self.segment_start;
        if at <= start {
            self.index.diagnostics.push(Diagnostic::new(
                DiagnosticCode::EmptySegment,
                at,
                None,
                None,
            ));
            return true;
        }
        let segment = self.index.segments.len();
        if segment >= self.max_segments {
            self.error = Some(ParseError::at(
                ErrorKind::TooManySegments,
                start,
                segment as u32,
                None,
            ));
            return false;
        }
        self.index.segments.push(SegmentEntry {
            start: start as u32,
            end: at as u32,
            separators_end: self.index.separators.len() as u32,
        });
        let first_sep = if self.index.lazy {
            let bytes = &self.input[start..at];
            match bytes {
                // The usual case, a three-letter name, without a search.
                [a, b, c, f, ..]
                    if *f == self.field
                        && *a != self.field
                        && *b != self.field
                        && *c != self.field =>
                {
                    start + 3
                }
                _ => memchr::memchr(self.field, bytes).map_or(at, |p| start + p),
            }
        } else {
            self.index
                .separators_of(segment)
                .first()
                .map_or(at, |&p| p as usize)
        };
        let name = &self.input[start..first_sep];
        // The usual segment, settled by its first byte: a valid name that
        // is neither a message header nor an envelope segment.
        if let [a, b, c] = *name {
            if a.is_ascii_uppercase()
                && !matches!(a, b'M' | b'F' | b'B')
                && is_name_byte(b)
                && is_name_byte(c)
            {
                return true;
            }
        }
        // What the envelope checks need to know (see `complete`).
        match self.input[start..at].get(..3) {
            Some(b"MSH") => self.headers += 1,
            Some(b"FHS" | b"BHS" | b"BTS" | b"FTS") => self.envelope = true,
            _ => {}
        }
        if !valid_segment_name(name) {
            self.index.diagnostics.push(Diagnostic::new(
                DiagnosticCode::InvalidSegmentName,
                start,
                Some(segment as u32),
                None,
            ));
        }
        true
    }

    /// The lazy scan: segment boundaries only, in one pass over both line
    /// breaks. Returns `false`, having stopped, when the other line break
    /// occurs or a segment is longer than the longest field allowed (the
    /// caller then builds the full index); `true` when done or when `close`
    /// recorded an error.
    fn scan_segments(&mut self, start: usize, terminator: SegmentTerminator) -> bool {
        self.index.lazy = true;
        let (primary, other) = if terminator == SegmentTerminator::Lf {
            (b'\n', b'\r')
        } else {
            (b'\r', b'\n')
        };
        let input = self.input;
        let mut lazy = true;
        scan::for_each_sparse2(&input[start..self.end], primary, other, |p| {
            let at = start + p;
            if input[at] == other || at - self.segment_start > self.max_field_length {
                lazy = false;
                return false;
            }
            if !self.close(at) {
                return false;
            }
            self.segment_start = at + 1;
            self.last_boundary = at + 1;
            true
        });
        lazy && self.end - self.segment_start <= self.max_field_length
    }

    /// Closes the last segment, then reads the character set and checks
    /// batch envelopes.
    fn complete(mut self) -> Result<(), ParseError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.finish()?;
        let (index, input) = (self.index, self.input);
        if index.lazy {
            index.index_first_segment(input);
        }
        index.charset = index.read_charset(input);
        // Envelopes are checked only in inputs that hold a batch or file
        // segment, or more than one message header.
        if self.envelope || self.headers > 1 {
            crate::batch::check(index, input);
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ParseError> {
        if self.end > self.segment_start {
            if self.end - self.last_boundary > self.max_field_length {
                self.field_too_long();
            } else {
                self.close(self.end);
            }
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn mixed(&mut self, at: usize) {
        if !self.mixed_reported {
            self.mixed_reported = true;
            let segment = self.index.segments.len() as u32;
            self.index.diagnostics.push(Diagnostic::new(
                DiagnosticCode::MixedSegmentTerminators,
                at,
                Some(segment),
                None,
            ));
        }
    }

    /// Whether a segment seems to start at `at`: three letters or digits, then
    /// the field separator or the end of a line.
    fn segment_starts_at(&self, at: usize) -> bool {
        let input = &self.input[..self.end];
        at + 3 <= input.len()
            && input[at..at + 3]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && input
                .get(at + 3)
                .is_none_or(|&b| b == self.field || b == b'\r' || b == b'\n')
    }

    /// The general scan for inputs that hold both `\r` and `\n`: a line feed
    /// inside a `\r`-terminated message is text (notes hold them) unless a
    /// segment visibly starts after it.
    fn scan_mixed(&mut self, start: usize, terminator: SegmentTerminator) {
        let input = self.input;
        let mut i = start;
        while i < self.end {
            let b = input[i];
            if b == self.field {
                if !self.field_separator(i) {
                    return;
                }
                i += 1;
                continue;
            }
            let crlf = b == b'\r' && i + 1 < self.end && input[i + 1] == b'\n';
            let next = match (b, terminator) {
                (b'\r', SegmentTerminator::Cr) if crlf => {
                    if i + 2 < self.end {
                        self.mixed(i);
                    }
                    Some((i, i + 2))
                }
                (b'\r', SegmentTerminator::Cr) => Some((i, i + 1)),
                (b'\r', SegmentTerminator::CrLf) if crlf => Some((i, i + 2)),
                // The message's end keeps one byte of its final terminator:
                // the `\r` of a final `\r\n` ends the last segment.
                (b'\r', SegmentTerminator::CrLf) if i + 1 == self.end => Some((i, i + 1)),
                (b'\r', SegmentTerminator::Lf) if crlf => {
                    self.mixed(i);
                    Some((i, i + 2))
                }
                (b'\n', SegmentTerminator::Lf) => Some((i, i + 1)),
                (b'\r' | b'\n', _)
                    if !self.forced && (self.segment_starts_at(i + 1) || i + 1 == self.end) =>
                {
                    if i + 1 < self.end {
                        self.mixed(i);
                    }
                    Some((i, i + 1))
                }
                _ => None,
            };
            match next {
                Some((at, next)) => {
                    if !self.terminator(at, next) {
                        return;
                    }
                    i = next;
                }
                None => i += 1,
            }
        }
    }
}

/// Pushes the positions of the set bits of `bits` (bit i for `base + i`), in order.
#[inline(always)]
fn push_positions(separators: &mut Vec<u32>, base: usize, mut bits: u64) {
    separators.reserve(bits.count_ones() as usize);
    while bits != 0 {
        separators.push((base + bits.trailing_zeros() as usize) as u32);
        bits &= bits - 1;
    }
}

/// Pushes the field separators of the segment at `input[start..end]`, in order.
fn push_separators_of(
    separators: &mut Vec<u32>,
    input: &[u8],
    start: usize,
    end: usize,
    field: u8,
) {
    scan::for_each_block(&input[start..end], field, |base, bits| {
        push_positions(separators, start + base, bits);
        true
    });
}

/// Whether `name` is a segment name: three uppercase letters or digits, the
/// first a letter.
pub(crate) fn valid_segment_name(name: &[u8]) -> bool {
    name.len() == 3 && name[0].is_ascii_uppercase() && name[1..].iter().all(|&b| is_name_byte(b))
}

/// A byte a segment name may hold after its first: an uppercase letter or a digit.
#[inline(always)]
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// Whether `build` walks delimiters one by one instead of by blocks: only
/// the test that compares the two asks.
#[cfg(not(all(test, feature = "std")))]
#[inline(always)]
fn one_by_one() -> bool {
    false
}

#[cfg(all(test, feature = "std"))]
fn one_by_one() -> bool {
    tests::ONE_BY_ONE.with(core::cell::Cell::get)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    extern crate std;
    use super::*;
    use std::cell::Cell;

    std::thread_local! {
        /// Set while a test wants `build` to walk one delimiter at a time.
        pub(super) static ONE_BY_ONE: Cell<bool> = const { Cell::new(false) };
    }

    /// The index (or the error) built by blocks of 64 bytes is the one built
    /// delimiter by delimiter, for fields and segments of every length
    /// around the blocks' edges, the longest field allowed from 64 bytes
    /// up (a field too long at every place in a block) and few segments
    /// allowed.
    #[test]
    fn blocks_index_as_one_delimiter_at_a_time_does() {
        let mut inputs = Vec::new();
        for long in [0usize, 1, 40, 62, 63, 64, 65, 66, 100, 127, 128, 129, 200] {
            for shift in 0..70 {
                let mut m = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\r".to_vec();
                m.extend_from_slice(b"PID|1||");
                m.extend(core::iter::repeat_n(b'x', shift));
                m.extend_from_slice(b"|");
                m.extend(core::iter::repeat_n(b'y', long));
                m.extend_from_slice(b"|z\rOBX|1|TX|||");
                m.extend(core::iter::repeat_n(b'w', long / 2));
                m.extend_from_slice(b"\rZZ1\r\rNTE|||a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u\r");
                inputs.push(m);
            }
        }
        let mut differed = 0;
        for input in &inputs {
            for (max_field_length, max_segments) in (64..140)
                .map(|m| (m, 100))
                .chain((1..7).map(|s| (1 << 20, s)))
            {
                let options = ParseOptions {
                    max_field_length,
                    max_segments,
                    ..ParseOptions::default()
                };
                let (mut blocks, mut one) = (Index::new(), Index::new());
                let a = blocks.build(input, &options);
                ONE_BY_ONE.with(|f| f.set(true));
                let b = one.build(input, &options);
                ONE_BY_ONE.with(|f| f.set(false));
                assert_eq!(
                    a, b,
                    "max field {max_field_length}, segments {max_segments}"
                );
                if a.is_ok() {
                    assert_eq!(blocks.segments, one.segments);
                    assert_eq!(blocks.separators, one.separators);
                    assert_eq!(blocks.diagnostics, one.diagnostics);
                } else {
                    differed += 1;
                }
            }
        }
        // Many of the cases fail (a field too long, too many segments).
        assert!(differed > 1000, "only {differed} errors");
    }

    /// A lazy index completed by `index_fields` is the full index, entry for
    /// entry, on every corpus message.
    #[test]
    fn completed_lazy_index_is_the_full_index() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/messages");
        let mut compared = 0;
        for entry in std::fs::read_dir(dir).expect("corpus") {
            let input = std::fs::read(entry.expect("entry").path()).expect("message");
            let options = ParseOptions::default();
            let (mut full, mut lazy) = (Index::new(), Index::new());
            let (a, b) = (
                full.build(&input, &options),
                lazy.build(&input, &options.lazy(true)),
            );
            assert_eq!(a, b);
            if a.is_err() {
                continue;
            }
            lazy.index_fields(&input);
            assert_eq!(lazy.segments, full.segments);
            assert_eq!(lazy.separators, full.separators);
            assert_eq!(lazy.diagnostics, full.diagnostics);
            assert_eq!(
                (lazy.charset, lazy.terminator),
                (full.charset, full.terminator)
            );
            assert!(!lazy.lazy);
            compared += 1;
        }
        assert!(compared > 150, "only {compared} messages indexed");
    }
}
