//! Borrowed views: segment → field → repetition → component → subcomponent.
//!
//! Segments know their field boundaries from the index (or find them on
//! access in the allocation-free [`Scanner`](crate::Scanner)); repetitions,
//! components and subcomponents are split on access, so nothing below the
//! field level costs anything until it is read.

use crate::{Charset, Delimiters};
#[cfg(feature = "alloc")]
use alloc::borrow::Cow;

/// What every view needs to split and decode its bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub delimiters: Delimiters,
    pub charset: Charset,
}

/// How a segment finds its fields.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seps<'a> {
    /// Absolute offsets of the segment's field separators, from the index.
    Indexed(&'a [u32]),
    /// Found on access by scanning the segment.
    Scan,
}

/// One segment: its name, then fields numbered from 1.
///
/// In `MSH`, `BHS` and `FHS`, field 1 is the field separator itself and
/// field 2 the encoding characters, as the standard numbers them.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    input: &'a [u8],
    start: usize,
    end: usize,
    seps: Seps<'a>,
    ctx: Ctx,
    index: usize,
    header: bool,
}

impl<'a> Segment<'a> {
    pub(crate) fn new(
        input: &'a [u8],
        start: usize,
        end: usize,
        seps: Seps<'a>,
        ctx: Ctx,
        index: usize,
    ) -> Self {
        let bytes = &input[start..end];
        let header = bytes.len() >= 4
            && crate::delimiters::is_header_name(&bytes[..3])
            && bytes[3] == ctx.delimiters.field();
        Segment {
            header,
            input,
            start,
            end,
            seps,
            ctx,
            index,
        }
    }

    /// The segment's bytes, without its terminator.
    pub fn as_bytes(&self) -> &'a [u8] {
        &self.input[self.start..self.end]
    }

    /// 0-based byte offset of the segment in the input.
    pub fn offset(&self) -> usize {
        self.start
    }

    /// 0-based position of the segment in the message.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The segment name as bytes (everything before the first field separator).
    pub fn name_bytes(&self) -> &'a [u8] {
        let bytes = self.as_bytes();
        let end = match self.seps {
            // The first field separator is indexed.
            Seps::Indexed(seps) => seps.first().map(|&p| p as usize - self.start),
            Seps::Scan => memchr::memchr(self.ctx.delimiters.field(), bytes),
        };
        &bytes[..end.unwrap_or(bytes.len())]
    }

    /// The segment name (`"PID"`), or `""` when it is not valid UTF-8.
    pub fn name(&self) -> &'a str {
        core::str::from_utf8(self.name_bytes()).unwrap_or("")
    }

    /// The segment name as text, decoded like values: a name that is not
    /// valid UTF-8 (HL7 allows none, feeds have some) reads in the message's
    /// character set instead of as `""`. What the JSON forms and the
    /// bindings show.
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A\rZZ\xe9|1\r")?;
    /// let segment = msg.segment_at(1).unwrap();
    /// assert_eq!((segment.name(), &*segment.name_text()), ("", "ZZ\u{e9}"));
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn name_text(&self) -> Cow<'a, str> {
        crate::charset::decode(self.name_bytes(), self.ctx.charset)
    }

    /// Whether this is a header segment (`MSH`, `BHS`, `FHS`) numbered from the separator.
    pub fn is_header(&self) -> bool {
        self.header
    }

    fn separator(&self, k: usize) -> Option<usize> {
        match self.seps {
            Seps::Indexed(seps) => seps.get(k).map(|&p| p as usize),
            Seps::Scan => memchr::memchr_iter(self.ctx.delimiters.field(), self.as_bytes())
                .nth(k)
                .map(|p| self.start + p),
        }
    }

    /// The segment's field separators as absolute offsets, when indexed.
    #[cfg_attr(not(feature = "dictionary"), allow(dead_code))] // used by validation
    pub(crate) fn indexed_separators(&self) -> Option<&'a [u32]> {
        match self.seps {
            Seps::Indexed(seps) => Some(seps),
            Seps::Scan => None,
        }
    }

    fn separator_count(&self) -> usize {
        match self.seps {
            Seps::Indexed(seps) => seps.len(),
            Seps::Scan => memchr::memchr_iter(self.ctx.delimiters.field(), self.as_bytes()).count(),
        }
    }

    /// The number of fields (the highest field number present).
    pub fn field_count(&self) -> usize {
        let n = self.separator_count();
        if self.is_header() && n > 0 {
            n + 1
        } else {
            n
        }
    }

    /// Field `number` (from 1), or `None` when the segment has fewer fields.
    pub fn field(&self, number: usize) -> Option<Field<'a>> {
        if number == 0 {
            return None;
        }
        let mut k = number;
        if self.is_header() {
            if number == 1 {
                let at = self.separator(0)?;
                return Some(Field(Span::literal(&self.input[at..at + 1], at, self.ctx)));
            }
            k -= 1;
            if k == 1 {
                let start = self.separator(0)? + 1;
                let end = self.separator(1).unwrap_or(self.end);
                return Some(Field(Span::literal(
                    &self.input[start..end],
                    start,
                    self.ctx,
                )));
            }
        }
        let (before, after) = self.separators_around(k)?;
        let (start, end) = (before + 1, after.unwrap_or(self.end));
        Some(Field(Span::new(&self.input[start..end], start, self.ctx)))
    }

    /// This segment with its field separators indexed in `buf`, up to what
    /// field `last` needs: several fields of a lazily parsed segment are then
    /// read without a scan each. Fields after `last` read as absent.
    #[cfg(feature = "alloc")] // used by bulk extraction and de-identification
    #[cfg_attr(not(any(feature = "std", feature = "deid")), allow(dead_code))]
    pub(crate) fn indexed_in<'b>(
        &self,
        buf: &'b mut alloc::vec::Vec<u32>,
        last: usize,
    ) -> Segment<'b>
    where
        'a: 'b,
    {
        if let Seps::Scan = self.seps {
            buf.clear();
            let field = self.ctx.delimiters.field();
            crate::parse::simd_search::for_each_match2(self.as_bytes(), field, field, |p| {
                buf.push((self.start + p) as u32);
                buf.len() <= last
            });
            return Segment {
                seps: Seps::Indexed(buf),
                ..*self
            };
        }
        *self
    }

    /// Separators `k - 1` and `k` (what bounds field `k` of a segment not
    /// numbered from its separator); the second is `None` at the end.
    #[inline]
    fn separators_around(&self, k: usize) -> Option<(usize, Option<usize>)> {
        let field = self.ctx.delimiters.field();
        separators_around(self.input, self.start, self.end, self.seps, field, k)
    }

    /// The bytes of each field in order, from field 1, straight from the
    /// index: for a segment parsed fully that is not a header (whose first
    /// two fields read otherwise); `None` for any other.
    #[inline]
    pub(crate) fn indexed_field_bytes(&self) -> Option<impl Iterator<Item = &'a [u8]> + 'a> {
        let Seps::Indexed(seps) = self.seps else {
            return None;
        };
        if self.header {
            return None;
        }
        let (input, end) = (self.input, self.end);
        Some(seps.iter().enumerate().map(move |(k, &at)| {
            let stop = seps.get(k + 1).map_or(end, |&next| next as usize);
            input.get(at as usize + 1..stop).unwrap_or_default()
        }))
    }

    /// The fields in order, from field 1.
    pub fn fields(&self) -> impl Iterator<Item = Field<'a>> + '_ {
        // MSH-1 and MSH-2 as field() reads them; then each field from one
        // separator to the next, in one walk over the separators (indexed,
        // or found by a single scan of a lazily parsed segment).
        // A header with a separator has both (MSH-2 may be empty); knowing
        // that takes the first separator, not a count of them all.
        let literal = if self.is_header() && self.separator(0).is_some() {
            2
        } else {
            0
        };
        let first = usize::from(self.is_header());
        let (start, end, input, ctx) = (self.start, self.end, self.input, self.ctx);
        let mut bounds = match self.seps {
            Seps::Indexed(seps) => Bounds::Indexed(seps.get(first..).unwrap_or(&[]).iter()),
            Seps::Scan => Bounds::Scan(
                memchr::memchr_iter(self.ctx.delimiters.field(), self.as_bytes())
                    .skip(first)
                    .map(move |p| start + p),
            ),
        }
        .peekable();
        let rest = core::iter::from_fn(move || {
            let before = bounds.next()?;
            let after = bounds.peek().copied().unwrap_or(end);
            Some(Field(Span::new(&input[before + 1..after], before + 1, ctx)))
        });
        (1..=literal).filter_map(move |n| self.field(n)).chain(rest)
    }
}

/// Separators `k - 1` and `k` (`k` from 1) of the segment at
/// `input[start..end]`, as absolute offsets; the second is `None` at the end.
/// What [`Segment::field`] reads, and `Message::get` without a view.
#[inline]
pub(crate) fn separators_around(
    input: &[u8],
    start: usize,
    end: usize,
    seps: Seps<'_>,
    field: u8,
    k: usize,
) -> Option<(usize, Option<usize>)> {
    match seps {
        Seps::Indexed(seps) => {
            let before = *seps.get(k.checked_sub(1)?)? as usize;
            Some((before, seps.get(k).map(|&p| p as usize)))
        }
        Seps::Scan => {
            // One pass over the segment, stopping after separator k.
            match crate::parse::simd_search::nth_pair(input.get(start..end)?, field, k) {
                (Some(before), after) => Some((start + before, after.map(|p| start + p))),
                (None, _) => None,
            }
        }
    }
}

/// A segment's field separators in order, as absolute offsets: from the
/// index, or from a scan of the segment.
enum Bounds<'a, S> {
    Indexed(core::slice::Iter<'a, u32>),
    Scan(S),
}

impl<S: Iterator<Item = usize>> Iterator for Bounds<'_, S> {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        match self {
            Bounds::Indexed(seps) => seps.next().map(|&p| p as usize),
            Bounds::Scan(positions) => positions.next(),
        }
    }
}

/// The bytes of one value and what is needed to split and decode them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span<'a> {
    pub bytes: &'a [u8],
    pub offset: usize,
    pub ctx: Ctx,
    /// MSH-1 and MSH-2: never split, never unescaped.
    pub literal: bool,
}

impl<'a> Span<'a> {
    pub(crate) fn new(bytes: &'a [u8], offset: usize, ctx: Ctx) -> Self {
        Span {
            bytes,
            offset,
            ctx,
            literal: false,
        }
    }
    fn literal(bytes: &'a [u8], offset: usize, ctx: Ctx) -> Self {
        Span {
            bytes,
            offset,
            ctx,
            literal: true,
        }
    }

    /// Splits on `sep` and returns part `n` (from 1).
    fn part(&self, sep: u8, n: usize) -> Option<Span<'a>> {
        if n == 0 {
            return None;
        }
        if self.literal {
            return (n == 1).then_some(*self);
        }
        let part = nth_part(self.bytes, sep, n)?;
        Some(Span {
            bytes: part,
            // Both slices of the same bytes.
            offset: self.offset + (part.as_ptr() as usize - self.bytes.as_ptr() as usize),
            ..*self
        })
    }

    fn parts(&self, sep: u8) -> Parts<'a> {
        Parts::new(*self, (!self.literal).then_some(sep))
    }

    /// Whether the value contains a separator at or below `level`.
    pub(crate) fn is_composite(&self, separators: &[u8]) -> bool {
        !self.literal && self.bytes.iter().any(|b| separators.contains(b))
    }

    #[cfg(feature = "alloc")]
    pub(crate) fn raw(&self) -> Cow<'a, str> {
        crate::charset::decode(self.bytes, self.ctx.charset)
    }

    /// The bytes, when `value(separators)` would return them unchanged and
    /// they are ASCII (so every character set reads them the same).
    pub(crate) fn plain_ascii(&self, separators: &[u8]) -> Option<&'a [u8]> {
        if self.bytes.len() <= 32 {
            // The usual short value: both questions in one pass, without
            // the setup of a search.
            let (ascii, escaped) = ascii_and_escaped(self.bytes, self.ctx.delimiters.escape());
            let plain = !escaped || self.literal || self.is_composite(separators);
            return (plain && ascii).then_some(self.bytes);
        }
        let plain = self.literal
            || !crate::escape::has_escape(self.bytes, &self.ctx.delimiters)
            || self.is_composite(separators);
        (plain && self.bytes.is_ascii()).then_some(self.bytes)
    }

    #[cfg(feature = "alloc")]
    pub(crate) fn value(&self, separators: &[u8]) -> Cow<'a, str> {
        // Most values are short, ASCII and hold no escape byte: one pass
        // settles them (a literal or composite value with an escape byte,
        // left to the general case below, reads the same there).
        if let Some(text) = short_plain_text(self.bytes, self.ctx.delimiters.escape()) {
            return Cow::Borrowed(text);
        }
        // Otherwise one search for the escape byte, and the composite check
        // (a pass per separator) only when there is one.
        if self.literal
            || !crate::escape::has_escape(self.bytes, &self.ctx.delimiters)
            || self.is_composite(separators)
        {
            return self.raw();
        }
        match crate::escape::decode(self.bytes, &self.ctx.delimiters) {
            Cow::Borrowed(b) => crate::charset::decode(b, self.ctx.charset),
            Cow::Owned(v) => Cow::Owned(crate::charset::decode(&v, self.ctx.charset).into_owned()),
        }
    }
}

/// Part `n` (from 1) of `bytes` split on `sep`, or `None` when there are
/// fewer parts.
#[inline]
pub(crate) fn nth_part(bytes: &[u8], sep: u8, n: usize) -> Option<&[u8]> {
    // Past n - 1 separators, then up to the next one.
    let mut rest = bytes;
    for _ in 1..n {
        let i = find_byte(rest, sep)?;
        rest = &rest[i + 1..];
    }
    let len = find_byte(rest, sep).unwrap_or(rest.len());
    Some(&rest[..len])
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `word` equal to the byte repeated in
/// `pattern`; the lowest one set is exact (a borrow can set bits only above
/// a true match).
#[inline]
fn matches(word: u64, pattern: u64) -> u64 {
    let x = word ^ pattern;
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The first position of `byte` in `bytes`, eight bytes at a time: values
/// are short, and a search's set-up costs more than such a loop.
#[inline]
pub(crate) fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let n = bytes.len();
    if n < 8 {
        return bytes.iter().position(|&b| b == byte);
    }
    let pattern = ONES * u64::from(byte);
    // Little-endian words, so that the lowest bit is the first byte.
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let mut at = 0;
    while at + 8 <= n {
        let m = matches(word(at), pattern);
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if at < n {
        // The last eight bytes: those before `at` hold no match.
        let m = matches(word(n - 8), pattern);
        if m != 0 {
            return Some(n - 8 + (m.trailing_zeros() / 8) as usize);
        }
    }
    None
}

/// Which of the three bytes `needles` occur in `bytes`, eight bytes at a
/// time (see [`find_byte`]).
pub(crate) fn contains3(bytes: &[u8], needles: [u8; 3]) -> [bool; 3] {
    classify(bytes, needles).0
}

/// Which of `needles` occur in `bytes`, and whether `bytes` are all ASCII:
/// one pass, eight bytes at a time (a word's high bits, and the word XOR
/// each needle repeated tested for a zero byte). Words may overlap (the last
/// one ends with the bytes): the answers are unions, which reading a byte
/// twice leaves as is.
#[inline]
pub(crate) fn classify<const N: usize>(bytes: &[u8], needles: [u8; N]) -> ([bool; N], bool) {
    let patterns = needles.map(|needle| ONES * u64::from(needle));
    let mut found = [0u64; N];
    let mut high = 0u64;
    let mut take = |word: u64| {
        high |= word;
        for (f, &p) in found.iter_mut().zip(&patterns) {
            *f |= matches(word, p);
        }
    };
    match bytes.len() {
        0 => return ([false; N], true),
        1..8 => take(short_word(bytes)),
        _ => each_word(bytes, take),
    }
    (found.map(|f| f != 0), high & HIGHS == 0)
}

/// One to seven bytes as a word each of whose lanes holds one of them (all
/// of them appear): for questions about the bytes as a set, without a copy.
#[inline(always)]
fn short_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if n >= 4 {
        // Two overlapping halves.
        let half = |at: usize| {
            let word = bytes.get(at..at + 4).and_then(|w| w.try_into().ok());
            u64::from(u32::from_ne_bytes(word.unwrap_or_default()))
        };
        return half(0) | (half(n - 4) << 32);
    }
    // Up to three bytes: the first, the middle and the last, then the
    // first again, in each half.
    let byte = |at: usize| u32::from(bytes.get(at).copied().unwrap_or(0));
    let first = byte(0);
    let half = first | (byte(n / 2) << 8) | (byte(n.saturating_sub(1)) << 16) | (first << 24);
    u64::from(half) * 0x1_0000_0001
}

/// Calls `take` with every eight bytes of `bytes` (at least eight long) as
/// a word, the last one overlapping the one before when the length is not a
/// multiple of eight: for questions about the bytes as a set.
#[inline(always)]
fn each_word(bytes: &[u8], mut take: impl FnMut(u64)) {
    let n = bytes.len();
    let word = |at: usize| u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let mut at = 0;
    while at + 8 <= n {
        take(word(at));
        at += 8;
    }
    if at < n && n >= 8 {
        take(word(n - 8));
    }
}

/// `bytes` as text when they are the usual value, read as they are: at most
/// 32 bytes, ASCII, without the escape byte.
#[inline]
pub(crate) fn short_plain_text(bytes: &[u8], escape: u8) -> Option<&str> {
    if bytes.len() > 32 {
        return None;
    }
    crate::parse::simd_search::ascii_unescaped_str(bytes, escape)
}

/// Whether `bytes` are all ASCII, and whether they hold `escape` (see
/// [`classify`]), for short values where a search's set-up would cost more
/// than the search.
#[inline]
pub(crate) fn ascii_and_escaped(bytes: &[u8], escape: u8) -> (bool, bool) {
    let ([escaped], ascii) = classify(bytes, [escape]);
    (ascii, escaped)
}

/// Iterator over the parts of a span split on one separator.
#[derive(Debug, Clone)]
pub(crate) struct Parts<'a> {
    /// What is left, from the part `next` gives; `None` once done.
    rest: Option<&'a [u8]>,
    offset: usize,
    ctx: Ctx,
    literal: bool,
    /// The separator; `None` when the span is not split (MSH-1 and MSH-2).
    sep: Option<u8>,
}

impl<'a> Parts<'a> {
    fn new(span: Span<'a>, sep: Option<u8>) -> Self {
        Parts {
            rest: Some(span.bytes),
            offset: span.offset,
            ctx: span.ctx,
            literal: span.literal,
            sep,
        }
    }
}

impl<'a> Iterator for Parts<'a> {
    type Item = Span<'a>;
    #[inline]
    fn next(&mut self) -> Option<Span<'a>> {
        let bytes = self.rest?;
        // Values are short: a word-at-a-time loop beats a SIMD search's
        // set-up cost here.
        let (part, rest) = match self.sep.and_then(|sep| find_byte(bytes, sep)) {
            Some(i) => (&bytes[..i], Some(&bytes[i + 1..])),
            None => (bytes, None),
        };
        let span = Span {
            bytes: part,
            offset: self.offset,
            ctx: self.ctx,
            literal: self.literal,
        };
        self.offset += part.len() + 1;
        self.rest = rest;
        Some(span)
    }
}

macro_rules! value_type {
    ($(#[$doc:meta])* $name:ident, composite: |$d:ident| $composite:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a>(pub(crate) Span<'a>);

        impl<'a> $name<'a> {
            /// The bytes exactly as in the message (escape sequences included).
            pub fn as_bytes(&self) -> &'a [u8] {
                self.0.bytes
            }

            /// 0-based byte offset of the value in the input.
            pub fn offset(&self) -> usize {
                self.0.offset
            }

            /// Whether the value is empty (absent). The HL7 null `""` is not empty.
            pub fn is_empty(&self) -> bool {
                self.0.bytes.is_empty()
            }

            /// Whether the value is the HL7 null `""` (an explicit "delete this value").
            pub fn is_null(&self) -> bool {
                self.0.bytes == b"\"\""
            }

            fn separators(&self) -> [u8; 3] {
                let $d = &self.0.ctx.delimiters;
                $composite
            }

            /// Whether the value holds separators of a lower level (then
            /// [`value`](Self::value) returns the encoded text).
            pub fn is_composite(&self) -> bool {
                self.0.is_composite(&self.separators())
            }

            /// The text exactly as in the message, escape sequences included,
            /// read in the message's character set.
            #[cfg(feature = "alloc")]
            pub fn raw(&self) -> Cow<'a, str> {
                self.0.raw()
            }

            /// The stored bytes when they already are the decoded text
            /// ([`value`](Self::value)): all ASCII, with no escape sequence to
            /// decode. The common case, read without a UTF-8 check or a copy.
            pub fn plain_ascii(&self) -> Option<&'a [u8]> {
                self.0.plain_ascii(&self.separators())
            }

            /// The text with escape sequences decoded; for a composite value,
            /// its encoded text (decoding would make separators ambiguous).
            #[cfg(feature = "alloc")]
            pub fn value(&self) -> Cow<'a, str> {
                self.0.value(&self.separators())
            }

            /// Decodes escape sequences into `out` without allocating (bytes in the
            /// message's character set). Composite values are copied as encoded.
            pub fn decode_into(&self, out: &mut [u8]) -> Result<usize, crate::escape::BufferTooSmall> {
                if self.0.literal || self.is_composite() {
                    let n = self.0.bytes.len();
                    return match out.get_mut(..n) {
                        Some(dst) => {
                            dst.copy_from_slice(self.0.bytes);
                            Ok(n)
                        }
                        None => Err(crate::escape::BufferTooSmall::new(n)),
                    };
                }
                crate::escape::decode_into(self.0.bytes, &self.0.ctx.delimiters, out)
            }
        }
    };
}

value_type!(
    /// A field: repetitions separated by `~`.
    Field, composite: |d| [d.repetition(), d.component(), d.subcomponent()]
);
value_type!(
    /// One repetition of a field: components separated by `^`.
    Repetition, composite: |d| [d.component(), d.subcomponent(), d.component()]
);
value_type!(
    /// One component: subcomponents separated by `&`.
    Component, composite: |d| [d.subcomponent(), d.subcomponent(), d.subcomponent()]
);
value_type!(
    /// One subcomponent: a leaf value.
    Subcomponent, composite: |d| [d.field(), d.field(), d.field()]
);

impl<'a> Field<'a> {
    /// The repetitions, at least one (an empty field has one empty repetition).
    pub fn repetitions(&self) -> impl Iterator<Item = Repetition<'a>> {
        self.0
            .parts(self.0.ctx.delimiters.repetition())
            .map(Repetition)
    }
    /// Repetition `n` (from 1).
    pub fn repetition(&self, n: usize) -> Option<Repetition<'a>> {
        self.0
            .part(self.0.ctx.delimiters.repetition(), n)
            .map(Repetition)
    }
    /// The components of the first repetition.
    pub fn components(&self) -> impl Iterator<Item = Component<'a>> {
        self.first().components()
    }
    /// Component `n` (from 1) of the first repetition.
    pub fn component(&self, n: usize) -> Option<Component<'a>> {
        self.first().component(n)
    }
    fn first(&self) -> Repetition<'a> {
        self.repetition(1).unwrap_or(Repetition(self.0))
    }
}

impl<'a> Repetition<'a> {
    /// The components, at least one.
    pub fn components(&self) -> impl Iterator<Item = Component<'a>> {
        self.0
            .parts(self.0.ctx.delimiters.component())
            .map(Component)
    }
    /// Component `n` (from 1).
    pub fn component(&self, n: usize) -> Option<Component<'a>> {
        self.0
            .part(self.0.ctx.delimiters.component(), n)
            .map(Component)
    }
}

impl<'a> Component<'a> {
    /// The subcomponents, at least one.
    pub fn subcomponents(&self) -> impl Iterator<Item = Subcomponent<'a>> {
        self.0
            .parts(self.0.ctx.delimiters.subcomponent())
            .map(Subcomponent)
    }
    /// Subcomponent `n` (from 1).
    pub fn subcomponent(&self, n: usize) -> Option<Subcomponent<'a>> {
        self.0
            .part(self.0.ctx.delimiters.subcomponent(), n)
            .map(Subcomponent)
    }
}

/// Whatever a path points at: a whole field, a repetition, a component or a subcomponent.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A whole field (the path stops at field level without a repetition).
    Field(Field<'a>),
    /// One repetition (the path names a repetition and stops there).
    Repetition(Repetition<'a>),
    /// One component.
    Component(Component<'a>),
    /// One subcomponent.
    Subcomponent(Subcomponent<'a>),
}

impl Value<'_> {
    /// The kinds' names by depth: a path that stops at a field, a repetition,
    /// a component or a subcomponent (`KINDS[depth - 1]`).
    pub const KINDS: [&'static str; 4] = ["field", "repetition", "component", "subcomponent"];

    /// `"field"`, `"repetition"`, `"component"` or `"subcomponent"`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Value::Field(_) => Self::KINDS[0],
            Value::Repetition(_) => Self::KINDS[1],
            Value::Component(_) => Self::KINDS[2],
            Value::Subcomponent(_) => Self::KINDS[3],
        }
    }
}

macro_rules! forward {
    ($self:ident, $v:ident => $e:expr) => {
        match $self {
            Value::Field($v) => $e,
            Value::Repetition($v) => $e,
            Value::Component($v) => $e,
            Value::Subcomponent($v) => $e,
        }
    };
}

impl<'a> Value<'a> {
    /// The bytes exactly as in the message.
    pub fn as_bytes(&self) -> &'a [u8] {
        forward!(self, v => v.as_bytes())
    }
    /// 0-based byte offset in the input.
    pub fn offset(&self) -> usize {
        forward!(self, v => v.offset())
    }
    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        forward!(self, v => v.is_empty())
    }
    /// Whether the value is the HL7 null `""`.
    pub fn is_null(&self) -> bool {
        forward!(self, v => v.is_null())
    }
    /// Whether the value holds lower-level separators.
    pub fn is_composite(&self) -> bool {
        forward!(self, v => v.is_composite())
    }
    /// The text as encoded, read in the message's character set.
    #[cfg(feature = "alloc")]
    pub fn raw(&self) -> Cow<'a, str> {
        forward!(self, v => v.raw())
    }
    /// The decoded text (for a composite, its encoded text).
    #[cfg(feature = "alloc")]
    pub fn value(&self) -> Cow<'a, str> {
        forward!(self, v => v.value())
    }
    /// The stored bytes when they already are the decoded text: ASCII, no
    /// escape sequence to decode (see [`Field::plain_ascii`]).
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A\rPID|1||42||DOE\\T\\CO|\xC9\r")?;
    /// assert_eq!(msg.value("PID-3")?.unwrap().plain_ascii(), Some(&b"42"[..]));
    /// assert_eq!(msg.value("PID-5")?.unwrap().plain_ascii(), None); // \T\ to decode
    /// assert_eq!(msg.value("PID-6")?.unwrap().plain_ascii(), None); // not ASCII
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plain_ascii(&self) -> Option<&'a [u8]> {
        forward!(self, v => v.plain_ascii())
    }
    /// Decodes into a caller's buffer without allocating.
    pub fn decode_into(&self, out: &mut [u8]) -> Result<usize, crate::escape::BufferTooSmall> {
        forward!(self, v => v.decode_into(out))
    }
}

/// Resolves the field-and-below part of `path` within `segment`.
pub(crate) fn resolve<'a>(segment: &Segment<'a>, path: &crate::Path) -> Option<Value<'a>> {
    let field = segment.field(path.field() as usize)?;
    let (Some(c), rep) = (path.component(), path.repetition()) else {
        return match path.repetition() {
            None => Some(Value::Field(field)),
            Some(r) => field.repetition(r as usize).map(Value::Repetition),
        };
    };
    let repetition = field.repetition(rep.unwrap_or(1) as usize)?;
    let component = repetition.component(c as usize)?;
    match path.subcomponent() {
        None => Some(Value::Component(component)),
        Some(s) => component.subcomponent(s as usize).map(Value::Subcomponent),
    }
}

#[cfg(all(test, feature = "std", feature = "json"))]
mod tests {
    extern crate std;
    use crate::{Message, ParseOptions};
    use alloc::vec::Vec;

    /// The word-at-a-time searches (`ascii_and_escaped`, `find_byte`,
    /// `contains3`, `classify`) answer as byte loops do: every length up to 40 (whole
    /// words, overlapping last words, the byte loop under eight), a sought,
    /// high or other byte at each position and a second one after it, and
    /// sought bytes that equal the padding or sit next to it.
    #[test]
    fn word_at_a_time_searches_answer_as_byte_loops() {
        for needle in [b'\\', b' ', b'!', 0x00, 0x01, 0x7f, 0x80, 0xff] {
            let needles = [needle, b'^', needle.wrapping_add(1)];
            for len in 0..=40usize {
                let base: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
                let mut cases = alloc::vec![base.clone()];
                for at in 0..len {
                    for byte in [needle, 0x80, 0xc9, 0x00, b' ', b'^', needle.wrapping_add(1)] {
                        let mut bytes = base.clone();
                        bytes[at] = byte;
                        cases.push(bytes.clone());
                        if at + 3 < len {
                            bytes[at + 3] = needle;
                            cases.push(bytes);
                        }
                    }
                }
                for bytes in &cases {
                    let bytes = &bytes[..];
                    assert_eq!(
                        super::ascii_and_escaped(bytes, needle),
                        (bytes.is_ascii(), bytes.contains(&needle)),
                        "{bytes:?} {needle}"
                    );
                    assert_eq!(
                        super::find_byte(bytes, needle),
                        bytes.iter().position(|&b| b == needle),
                        "{bytes:?} {needle}"
                    );
                    assert_eq!(
                        super::contains3(bytes, needles),
                        needles.map(|n| bytes.contains(&n)),
                        "{bytes:?} {needles:?}"
                    );
                    let four = [needle, b'^', b'~', b'\\'];
                    assert_eq!(
                        super::classify(bytes, four),
                        (four.map(|n| bytes.contains(&n)), bytes.is_ascii()),
                        "{bytes:?} {four:?}"
                    );
                }
            }
        }
    }

    /// `(offset, bytes)` of the pieces of `bytes` (at `offset`) between `sep`.
    fn split(bytes: &[u8], offset: usize, sep: u8) -> Vec<(usize, Vec<u8>)> {
        let mut at = offset;
        bytes
            .split(|&b| b == sep)
            .map(|piece| {
                let out = (at, piece.to_vec());
                at += piece.len() + 1;
                out
            })
            .collect()
    }

    /// That `got` (each part's offset and bytes) is `bytes` (at `offset`)
    /// split on `sep`, or whole without one.
    fn check_parts<'a>(
        offset: usize,
        bytes: &[u8],
        sep: Option<u8>,
        got: impl Iterator<Item = (usize, &'a [u8])>,
    ) {
        let expected = match sep {
            Some(sep) => split(bytes, offset, sep),
            None => alloc::vec![(offset, bytes.to_vec())],
        };
        let got: Vec<_> = got.map(|(o, b)| (o, b.to_vec())).collect();
        assert_eq!(got, expected);
    }

    /// Walking every field, repetition, component and subcomponent with the
    /// iterators gives what reading each by number and splitting the bytes
    /// by hand give: over the corpus, its broken copies (tests/mutations.jsonl)
    /// and odd shapes, parsed fully and lazily (fields found by a scan).
    #[test]
    fn the_walk_matches_reads_by_number_and_plain_splits() {
        let mut leaves = 0;
        for input in &inputs() {
            for lazy in [false, true] {
                let Ok(msg) = Message::parse_with(input, &ParseOptions::default().lazy(lazy))
                else {
                    continue;
                };
                let d = msg.delimiters();
                for segment in msg.segments() {
                    let fields: Vec<_> = segment.fields().collect();
                    assert_eq!(fields.len(), segment.field_count());
                    for (n, field) in fields.iter().enumerate() {
                        let by_number = segment.field(n + 1).expect("field by number");
                        assert_eq!(
                            (field.offset(), field.as_bytes()),
                            (by_number.offset(), by_number.as_bytes())
                        );
                        // MSH-1 and MSH-2 are never split.
                        let literal = segment.is_header() && n < 2;
                        let on = |sep: u8| (!literal).then_some(sep);
                        let reps: Vec<_> = field.repetitions().collect();
                        let parts = reps.iter().map(|r| (r.offset(), r.as_bytes()));
                        check_parts(field.offset(), field.as_bytes(), on(d.repetition()), parts);
                        for rep in &reps {
                            let comps: Vec<_> = rep.components().collect();
                            let parts = comps.iter().map(|c| (c.offset(), c.as_bytes()));
                            check_parts(rep.offset(), rep.as_bytes(), on(d.component()), parts);
                            for comp in &comps {
                                let subs = comp.subcomponents().map(|s| (s.offset(), s.as_bytes()));
                                if d.has_subcomponent() {
                                    check_parts(
                                        comp.offset(),
                                        comp.as_bytes(),
                                        on(d.subcomponent()),
                                        subs,
                                    );
                                }
                                leaves += comp.subcomponents().count();
                            }
                        }
                    }
                }
            }
        }
        assert!(leaves > 100_000, "{leaves}");
    }

    /// `Message::get` reads as the views do (`value(path)`, empty as
    /// absent, then `value()`), though it takes the usual values straight
    /// from the index: every segment occurrence, field and level of the
    /// inputs, with short, long, escaped and non-ASCII values, parsed fully
    /// and lazily.
    #[test]
    fn get_reads_as_the_views_read() {
        let mut inputs = inputs();
        inputs.push(
            b"MSH|^~\\&|A|B\rPID|1|\\T\\x|\xc3\xa9^b|0123456789012345678901234567890123^x|a\\S\\b^c~d\rPID|2\rPID\r"
                .to_vec(),
        );
        inputs.push(b"MSH|^~\\\rPID|1|a^b&c~d^e\r".to_vec());
        let (mut reads, mut present) = (0, 0);
        for input in &inputs {
            for lazy in [false, true] {
                let Ok(msg) = Message::parse_with(input, &ParseOptions::default().lazy(lazy))
                else {
                    continue;
                };
                let mut seen: Vec<&[u8]> = Vec::new();
                for segment in msg.segments() {
                    let name = segment.name();
                    let addressable = crate::Path::parse(&std::format!("{name}-1")).is_ok();
                    if !addressable || seen.contains(&name.as_bytes()) {
                        continue;
                    }
                    seen.push(name.as_bytes());
                    let count = msg.segments_named(name).count();
                    for occurrence in 1..=count + 1 {
                        for field in 1..=segment.field_count() + 1 {
                            for tail in [
                                "", "(1)", "(2)", ".1", ".2", ".3", ".1.1", ".1.2", "(2).1",
                                "(2).2.1",
                            ] {
                                let path = std::format!("{name}[{occurrence}]-{field}{tail}");
                                let views = msg
                                    .value(path.as_str())
                                    .unwrap()
                                    .filter(|v| !v.is_empty())
                                    .map(|v| v.value());
                                let got = msg.get(path.as_str()).unwrap();
                                assert_eq!(got, views, "{path} lazy {lazy}");
                                reads += 1;
                                present += usize::from(got.is_some());
                            }
                        }
                    }
                }
            }
        }
        assert!(reads > 500_000 && present > 100_000, "{reads} {present}");
    }

    /// The messages the view tests read: the corpus, its broken copies
    /// (tests/mutations.jsonl) and odd shapes.
    #[allow(clippy::unwrap_used)] // a test helper: a missing file fails the tests
    fn inputs() -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for entry in std::fs::read_dir(root.join("corpus/messages")).unwrap() {
            inputs.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
        let mutations = std::fs::read_to_string(root.join("mutations.jsonl")).unwrap();
        for line in mutations.lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let file = root.join("corpus").join(case["file"].as_str().unwrap());
            let mut bytes = std::fs::read(file).unwrap();
            for edit in case["edits"].as_array().unwrap() {
                let at = (edit[0].as_u64().unwrap() as usize).min(bytes.len());
                let end = (at + edit[1].as_u64().unwrap() as usize).min(bytes.len());
                let hex = edit[2].as_str().unwrap().as_bytes();
                let insert: Vec<u8> = hex
                    .chunks(2)
                    .map(|h| u8::from_str_radix(core::str::from_utf8(h).unwrap(), 16).unwrap())
                    .collect();
                bytes.splice(at..end, insert);
            }
            inputs.push(bytes);
        }
        inputs.push(
            b"MSH|^~\\&|A~B^C&D||\rPID|1||~|^|&|~~^&|a&b|a^b&c~d|^^|x~|~x||\rZ1|\rZ2\r|\r".to_vec(),
        );
        inputs.push(b"MSH|^~\\&\rMSH|\rMSH\rBHS|^~\\&|x|y\r".to_vec());
        inputs
    }
}
