//! `Message`: a parsed message borrowing its input, and the reusable `Parser`.

use crate::delimiters::is_header_name;
use crate::parse::index::Index;
use crate::path::IntoPath;
use crate::view::{resolve, Ctx, Segment, Seps, Value};
use crate::{
    Charset, Delimiters, Diagnostic, DiagnosticCode, ParseError, ParseOptions, PathError,
    SegmentTerminator, Severity,
};
use alloc::borrow::Cow;
use alloc::vec::Vec;

#[derive(Debug, Clone)]
enum IndexRef<'a> {
    Owned(Index),
    Borrowed(&'a Index),
}

/// What `Message::parse` costs beyond a reused [`Parser`] is the index's
/// buffers, allocated for each message and freed with it. With `std`, each
/// thread keeps the buffers of the last message dropped and the next
/// `Message::parse` takes them, so that parsing message after message
/// allocates nothing once they have grown. Buffers larger than 1 MiB are
/// freed instead.
impl Drop for IndexRef<'_> {
    fn drop(&mut self) {
        if let IndexRef::Owned(index) = self {
            spare::give(core::mem::take(index));
        }
    }
}

#[cfg(feature = "std")]
mod spare {
    use super::Index;
    use core::cell::Cell;

    /// The largest index kept (its buffers' capacity in bytes): one of a
    /// 1 MB message of short fields, about.
    pub(super) const SPARE_LIMIT: usize = 1 << 20;

    std::thread_local! {
        static SPARE: Cell<Option<Index>> = const { Cell::new(None) };
    }

    /// The thread's spare index, or a new one.
    pub(super) fn take() -> Index {
        SPARE
            .try_with(Cell::take)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Keeps `index` as the thread's spare (while the thread lives).
    pub(super) fn give(index: Index) {
        if index.heap_size() <= SPARE_LIMIT {
            let _ = SPARE.try_with(|s| s.set(Some(index)));
        }
    }
}

#[cfg(not(feature = "std"))]
mod spare {
    use super::Index;

    pub(super) fn take() -> Index {
        Index::new()
    }

    pub(super) fn give(_: Index) {}
}

/// A parsed HL7 v2 message (or a whole batch file), borrowing its input.
///
/// Parsing builds a compact index of segment and field positions in one
/// pass; everything else (repetitions, components, escapes, character sets)
/// is worked out when read. Lenient by default: once a header is readable,
/// parsing records [`diagnostics`](Self::diagnostics) instead of failing.
///
/// ```
/// let msg = pipehat::Message::parse(b"MSH|^~\\&|LAB|HOSP|||20240101||ORU^R01|42|P|2.5.1\rPID|1||123^^^HOSP^MR||DOE^JANE\r")?;
/// assert_eq!(msg.get("MSH-9.1")?.as_deref(), Some("ORU"));
/// assert_eq!(msg.get("PID-5.2")?.as_deref(), Some("JANE"));
/// assert_eq!(msg.get("PID-3")?.as_deref(), Some("123^^^HOSP^MR")); // a composite reads as encoded
/// assert_eq!(msg.get("PID-8")?, None);                                // absent
/// assert_eq!(msg.control_id().as_deref(), Some("42"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Message<'a> {
    input: &'a [u8],
    index: IndexRef<'a>,
}

impl<'a> Message<'a> {
    /// Parses with the default [`ParseOptions`].
    pub fn parse(input: &'a [u8]) -> Result<Message<'a>, ParseError> {
        Self::parse_with(input, &ParseOptions::default())
    }

    /// Parses with the given options.
    pub fn parse_with(input: &'a [u8], options: &ParseOptions) -> Result<Message<'a>, ParseError> {
        let mut index = spare::take();
        if let Err(e) = index.build(input, options) {
            spare::give(index);
            return Err(e);
        }
        let message = Message {
            input,
            index: IndexRef::Owned(index),
        };
        message.enforce(options)?;
        Ok(message)
    }

    pub(crate) fn from_parts(input: &'a [u8], index: &'a Index) -> Message<'a> {
        Message {
            input,
            index: IndexRef::Borrowed(index),
        }
    }

    pub(crate) fn enforce(&self, options: &ParseOptions) -> Result<(), ParseError> {
        if options.strict {
            if let Some(d) = self
                .diagnostics()
                .into_iter()
                .find(|d| d.severity() >= Severity::Warning)
            {
                return Err(ParseError::strict(d));
            }
        }
        Ok(())
    }

    pub(crate) fn index(&self) -> &Index {
        match &self.index {
            IndexRef::Owned(i) => i,
            IndexRef::Borrowed(i) => i,
        }
    }

    pub(crate) fn ctx(&self) -> Ctx {
        Ctx {
            delimiters: self.index().delimiters,
            charset: self.index().charset,
        }
    }

    /// The whole input, exactly as given.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }

    /// The delimiters declared by the header.
    pub fn delimiters(&self) -> Delimiters {
        self.index().delimiters
    }

    /// The segment terminator detected (or forced by option).
    pub fn segment_terminator(&self) -> SegmentTerminator {
        self.index().terminator.unwrap_or(SegmentTerminator::Cr)
    }

    /// The character set declared in MSH-18.
    pub fn charset(&self) -> Charset {
        self.index().charset
    }

    /// The number of segments.
    pub fn segment_count(&self) -> usize {
        self.index().segments.len()
    }

    /// Segment `i` (0-based).
    pub fn segment_at(&self, i: usize) -> Option<Segment<'_>> {
        (i < self.segment_count()).then(|| self.segment_unchecked(i))
    }

    /// How segment `i` finds its fields: from the index when it holds them,
    /// else by scanning.
    #[inline]
    fn seps(&self, i: usize) -> Seps<'_> {
        self.index()
            .indexed_separators(i)
            .map_or(Seps::Scan, Seps::Indexed)
    }

    /// Segment `i`, which must be below `segment_count()`.
    fn segment_unchecked(&self, i: usize) -> Segment<'_> {
        let index = self.index();
        let entry = &index.segments[i];
        Segment::new(
            self.input,
            entry.start as usize,
            entry.end as usize,
            self.seps(i),
            self.ctx(),
            i,
        )
    }

    /// The segment names in order, straight from the index (what
    /// `segments().map(|s| s.name_bytes())` gives, without building views).
    #[cfg(feature = "dictionary")]
    pub(crate) fn segment_names(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let index = self.index();
        let input = self.input;
        let mut from = 0usize;
        let field = index.delimiters.field();
        index.segments.iter().map(move |e| {
            let end = e.separators_end as usize;
            let name_end = match index.separators.get(from) {
                _ if index.lazy => input
                    .get(e.start as usize..e.end as usize)
                    .and_then(|s| memchr::memchr(field, s))
                    .map_or(e.end, |p| e.start + p as u32),
                Some(&p) if from < end => p,
                _ => e.end,
            };
            from = end;
            input
                .get(e.start as usize..name_end as usize)
                .unwrap_or_default()
        })
    }

    /// All segments in order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = Segment<'_>> + '_ {
        (0..self.segment_count()).map(move |i| self.segment_unchecked(i))
    }

    /// The segments named `name` (`"OBX"`), in order.
    pub fn segments_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Segment<'s>> + 's {
        let field = self.index().delimiters.field();
        self.segments()
            .filter(move |s| has_name(s.as_bytes(), name.as_bytes(), field))
    }

    /// The first segment named `name`.
    pub fn segment(&self, name: &str) -> Option<Segment<'_>> {
        let field = self.index().delimiters.field();
        self.segments()
            .find(|s| has_name(s.as_bytes(), name.as_bytes(), field))
    }

    /// How many segments are named `name`.
    pub(crate) fn count_named(&self, name: &[u8; 3]) -> u32 {
        let field = self.index().delimiters.field();
        self.segments()
            .filter(|s| has_name(s.as_bytes(), name, field))
            .count() as u32
    }

    pub(crate) fn nth_named(&self, name: &[u8; 3], occurrence: u32) -> Option<Segment<'_>> {
        let i = self.nth_named_index(name, occurrence)?;
        Some(self.segment_unchecked(i))
    }

    /// The position of occurrence `occurrence` (from 1) of the segments named `name`.
    fn nth_named_index(&self, name: &[u8; 3], occurrence: u32) -> Option<usize> {
        let index = self.index();
        let field = index.delimiters.field();
        let occurrence = occurrence.checked_sub(1)? as usize;
        // Names are compared on the index entries; only the match becomes a
        // view. A name and the field separator after it are four bytes,
        // compared at once.
        let key = u32::from_ne_bytes([name[0], name[1], name[2], field]);
        let input = self.input;
        let mut left = occurrence;
        for (i, e) in index.segments.iter().enumerate() {
            let (start, end) = (e.start as usize, e.end as usize);
            let hit = if end >= start + 4 {
                input.get(start..start + 4).is_some_and(|head| {
                    u32::from_ne_bytes([head[0], head[1], head[2], head[3]]) == key
                })
            } else {
                input.get(start..end) == Some(&name[..])
            };
            if hit {
                if left == 0 {
                    return Some(i);
                }
                left -= 1;
            }
        }
        None
    }

    /// [`get`](Self::get) for the usual read, straight from the index
    /// without building views: a value of at most 32 bytes, ASCII, with no
    /// escape byte, in a field after MSH-2. `Some(None)` when absent or
    /// empty; `None` for anything else, which `get` reads through the views.
    fn plain_get(&self, path: &crate::Path) -> Option<Option<&str>> {
        let Some(i) = self.nth_named_index(path.segment_bytes(), path.occurrence()) else {
            return Some(None);
        };
        let index = self.index();
        let d = index.delimiters;
        let entry = &index.segments[i];
        let (start, end) = (entry.start as usize, entry.end as usize);
        let segment = self.input.get(start..end)?;
        // A header numbers its fields from the separator after its name.
        let n = path.field() as usize;
        let k = if is_header_name(segment.get(..3)?) {
            n.checked_sub(1).filter(|&k| k >= 2)?
        } else {
            n
        };
        let Some((before, after)) =
            crate::view::separators_around(self.input, start, end, self.seps(i), d.field(), k)
        else {
            return Some(None);
        };
        let mut bytes = self.input.get(before + 1..after.unwrap_or(end))?;
        if path.repetition().is_some() || path.component().is_some() {
            let r = path.repetition().unwrap_or(1) as usize;
            let Some(part) = crate::view::nth_part(bytes, d.repetition(), r) else {
                return Some(None);
            };
            bytes = part;
        }
        for (level, sep) in [
            (path.component(), d.component()),
            (path.subcomponent(), d.subcomponent()),
        ] {
            if let Some(n) = level {
                let Some(part) = crate::view::nth_part(bytes, sep, n as usize) else {
                    return Some(None);
                };
                bytes = part;
            }
        }
        if bytes.is_empty() {
            return Some(None);
        }
        crate::view::short_plain_text(bytes, d.escape()).map(Some)
    }

    /// What `path` points at, or `None` when absent.
    pub fn value(&self, path: impl IntoPath) -> Result<Option<Value<'_>>, PathError> {
        let path = path.into_path()?;
        Ok(self
            .nth_named(path.segment_bytes(), path.occurrence())
            .and_then(|s| resolve(&s, &path)))
    }

    /// The value at numeric coordinates: segment index (0-based), then field,
    /// repetition, component and subcomponent numbers (1-based; 0 stops at the
    /// level before). What bindings use to address elements they handed out.
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A\rPID|1||7^^^H&X~8\r")?;
    /// assert_eq!(msg.value_at(1, [3, 1, 4, 2]).map(|v| v.value().into_owned()).as_deref(), Some("X"));
    /// assert_eq!(msg.value_at(1, [3, 2, 0, 0]).map(|v| v.value().into_owned()).as_deref(), Some("8"));
    /// assert!(msg.value_at(1, [3, 3, 0, 0]).is_none());
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn value_at(&self, segment: usize, at: [usize; 4]) -> Option<Value<'_>> {
        let field = self.segment_at(segment)?.field(at[0])?;
        Some(match at {
            [_, 0, _, _] => Value::Field(field),
            [_, r, 0, _] => Value::Repetition(field.repetition(r)?),
            [_, r, c, 0] => Value::Component(field.repetition(r)?.component(c)?),
            [_, r, c, s] => {
                Value::Subcomponent(field.repetition(r)?.component(c)?.subcomponent(s)?)
            }
        })
    }

    /// The decoded text at `path`: escape sequences decoded and the character
    /// set applied; for a composite (a value holding separators), its encoded
    /// text. `None` when absent or empty.
    ///
    /// A path that stops at field level without a repetition reads the whole
    /// field, every repetition included; one that stops at component level
    /// reads the whole component.
    pub fn get(&self, path: impl IntoPath) -> Result<Option<Cow<'_, str>>, PathError> {
        let path = path.into_path()?;
        if let Some(plain) = self.plain_get(&path) {
            return Ok(plain.map(Cow::Borrowed));
        }
        Ok(self
            .value(path)?
            .filter(|v| !v.is_empty())
            .map(|v| v.value()))
    }

    /// The text at `path` exactly as in the message (escape sequences kept),
    /// read in the message's character set. `None` when absent or empty.
    pub fn get_raw(&self, path: impl IntoPath) -> Result<Option<Cow<'_, str>>, PathError> {
        Ok(self.value(path)?.filter(|v| !v.is_empty()).map(|v| v.raw()))
    }

    /// The bytes at `path` exactly as in the message. `None` when absent or empty.
    pub fn get_bytes(&self, path: impl IntoPath) -> Result<Option<&[u8]>, PathError> {
        Ok(self
            .value(path)?
            .filter(|v| !v.is_empty())
            .map(|v| v.as_bytes()))
    }

    /// The decoded text of every repetition of the field at `path` (empty
    /// repetitions as `""`, so positions are kept). With a component or
    /// subcomponent in the path, that part of each repetition. A repetition
    /// given in the path is ignored. Empty when the field is absent.
    pub fn get_all(&self, path: impl IntoPath) -> Result<Vec<Cow<'_, str>>, PathError> {
        let path = path.into_path()?;
        let Some(segment) = self.nth_named(path.segment_bytes(), path.occurrence()) else {
            return Ok(Vec::new());
        };
        let Some(field) = segment.field(path.field() as usize) else {
            return Ok(Vec::new());
        };
        Ok(field
            .repetitions()
            .map(|rep| match path.component() {
                None => rep.value(),
                Some(c) => match rep.component(c as usize) {
                    None => Cow::Borrowed(""),
                    Some(comp) => match path.subcomponent() {
                        None => comp.value(),
                        Some(s) => comp
                            .subcomponent(s as usize)
                            .map_or(Cow::Borrowed(""), |v| v.value()),
                    },
                },
            })
            .collect())
    }

    fn header_value(&self, field: usize, component: usize) -> Option<Cow<'_, str>> {
        let msh = self.segment("MSH")?;
        let value = msh.field(field)?.component(component)?;
        (!value.is_empty()).then(|| value.value())
    }

    /// MSH-9.1, the message type (`"ADT"`).
    pub fn message_type(&self) -> Option<Cow<'_, str>> {
        self.header_value(9, 1)
    }
    /// MSH-9.2, the trigger event (`"A01"`).
    pub fn trigger_event(&self) -> Option<Cow<'_, str>> {
        self.header_value(9, 2)
    }
    /// MSH-9.3, the message structure (`"ADT_A01"`).
    pub fn message_structure(&self) -> Option<Cow<'_, str>> {
        self.header_value(9, 3)
    }
    /// MSH-10, the message control id.
    pub fn control_id(&self) -> Option<Cow<'_, str>> {
        self.header_value(10, 1)
    }
    /// MSH-11.1, the processing id (`"P"`, `"T"`, `"D"`).
    pub fn processing_id(&self) -> Option<Cow<'_, str>> {
        self.header_value(11, 1)
    }
    /// MSH-12.1, the version id (`"2.5.1"`).
    pub fn version(&self) -> Option<Cow<'_, str>> {
        self.header_value(12, 1)
    }
    /// MSH-7.1, the date/time of the message.
    pub fn timestamp(&self) -> Option<Cow<'_, str>> {
        self.header_value(7, 1)
    }
    /// MSH-3.1, the sending application.
    pub fn sending_application(&self) -> Option<Cow<'_, str>> {
        self.header_value(3, 1)
    }
    /// MSH-4.1, the sending facility.
    pub fn sending_facility(&self) -> Option<Cow<'_, str>> {
        self.header_value(4, 1)
    }
    /// MSH-5.1, the receiving application.
    pub fn receiving_application(&self) -> Option<Cow<'_, str>> {
        self.header_value(5, 1)
    }
    /// MSH-6.1, the receiving facility.
    pub fn receiving_facility(&self) -> Option<Cow<'_, str>> {
        self.header_value(6, 1)
    }

    /// The diagnostics found while indexing (terminators, segment names,
    /// envelopes): cheap, recorded by the parse itself.
    pub fn structural_diagnostics(&self) -> &[Diagnostic] {
        &self.index().diagnostics
    }

    /// Every diagnostic: the structural ones, then malformed escape
    /// sequences and character-set problems, found by reading every field.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.index().diagnostics.clone();
        let delimiters = self.delimiters();
        let charset = self.charset();
        for segment in self.segments() {
            let header = segment.is_header();
            // Only a field holding the escape character or a byte above 0x7F
            // adds a diagnostic: a segment with neither is not walked (for a
            // header, from MSH-3 on: MSH-2 holds the escape character).
            let bytes = segment.as_bytes();
            let from = match header {
                // MSH-3 starts after the separator that ends MSH-2 (byte 4 on).
                true => bytes
                    .get(4..)
                    .and_then(|b| memchr::memchr(delimiters.field(), b))
                    .map_or(bytes.len(), |p| 4 + p + 1),
                false => 0,
            };
            let rest = &bytes[from..];
            if rest.is_ascii() && memchr::memchr(delimiters.escape(), rest).is_none() {
                continue;
            }
            for (n, field) in segment.fields().enumerate() {
                let number = n as u32 + 1;
                if header && number <= 2 {
                    continue;
                }
                let bytes = field.as_bytes();
                let base = field.offset();
                crate::escape::find_malformed(bytes, &delimiters, |o| {
                    out.push(Diagnostic::new(
                        DiagnosticCode::MalformedEscape,
                        base + o,
                        Some(segment.index() as u32),
                        Some(number),
                    ));
                });
                if let Some(code) = charset.check(bytes) {
                    if !out.iter().any(|d| d.code() == code) {
                        out.push(Diagnostic::new(
                            code,
                            base,
                            Some(segment.index() as u32),
                            Some(number),
                        ));
                    }
                }
            }
        }
        out
    }

    /// 1-based line and column of a byte offset (`\r`, `\n` and `\r\n` each end a line).
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        crate::error::line_column(self.input, offset)
    }
}

/// Whether a segment's bytes start with `name` followed by the field separator (or end).
fn has_name(segment: &[u8], name: &[u8], field: u8) -> bool {
    segment.starts_with(name) && segment.get(name.len()).is_none_or(|&b| b == field)
}

/// A parser that keeps its index buffers between messages: after the first
/// few messages, parsing a stream allocates nothing.
///
/// ```
/// let mut parser = pipehat::Parser::new();
/// for bytes in [&b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\r"[..], b"MSH|^~\\&|B||||||ADT^A08|2|P|2.5\r"] {
///     let msg = parser.parse(bytes)?;
///     assert!(msg.trigger_event().is_some());
/// }
/// # Ok::<(), pipehat::ParseError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Parser {
    options: ParseOptions,
    index: Index,
}

impl Parser {
    /// A parser with default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser with the given options.
    pub fn with_options(options: ParseOptions) -> Self {
        Parser {
            options,
            index: Index::new(),
        }
    }

    /// The options in use.
    pub fn options(&self) -> &ParseOptions {
        &self.options
    }

    /// Parses `input`, reusing this parser's buffers. The message borrows the
    /// parser until it is dropped.
    pub fn parse<'a>(&'a mut self, input: &'a [u8]) -> Result<Message<'a>, ParseError> {
        self.index.build(input, &self.options)?;
        let message = Message::from_parts(input, &self.index);
        message.enforce(&self.options)?;
        Ok(message)
    }

    /// Bytes of memory held by the reusable index.
    pub fn heap_size(&self) -> usize {
        self.index.heap_size()
    }
}

/// A message that owns its bytes and index: what bindings and long-lived
/// collections hold, since it has no lifetime.
///
/// ```
/// let owned = pipehat::OwnedMessage::parse(b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\r".to_vec())?;
/// assert_eq!(owned.message().message_type().as_deref(), Some("ADT"));
/// # Ok::<(), pipehat::ParseError>(())
/// ```
///
/// An owned message can also be parsed again in place with
/// [`reparse_with`](Self::reparse_with), reusing its buffers: the
/// allocation-free way to walk a stream when the binding needs an owner.
#[derive(Debug, Clone, Default)]
pub struct OwnedMessage {
    bytes: Vec<u8>,
    index: Index,
}

impl OwnedMessage {
    /// Parses with default options.
    pub fn parse(bytes: impl Into<alloc::boxed::Box<[u8]>>) -> Result<Self, ParseError> {
        Self::parse_with(bytes, &ParseOptions::default())
    }

    /// Parses with the given options.
    pub fn parse_with(
        bytes: impl Into<alloc::boxed::Box<[u8]>>,
        options: &ParseOptions,
    ) -> Result<Self, ParseError> {
        let bytes: Vec<u8> = bytes.into().into_vec();
        let mut index = Index::new();
        index.build(&bytes, options)?;
        // Owned messages are kept around (collections, bindings): give back spare capacity.
        index.shrink_to_fit();
        let owned = OwnedMessage { bytes, index };
        owned.message().enforce(options)?;
        Ok(owned)
    }

    /// Replaces this message with `input`, reusing the byte and index
    /// buffers (no allocation once they have grown). On error the message is
    /// left empty: no segments, every path absent.
    ///
    /// ```
    /// let mut owned = pipehat::OwnedMessage::default();
    /// let options = pipehat::ParseOptions::default();
    /// owned.reparse_with(b"MSH|^~\\&|A||||||ADT^A01|1\r", &options)?;
    /// assert_eq!(owned.message().control_id().as_deref(), Some("1"));
    /// assert!(owned.reparse_with(b"PID|1\r", &options).is_err());
    /// assert_eq!(owned.message().segment_count(), 0);
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn reparse_with(&mut self, input: &[u8], options: &ParseOptions) -> Result<(), ParseError> {
        self.bytes.clear();
        self.bytes.extend_from_slice(input);
        let result = self
            .index
            .build(&self.bytes, options)
            .and_then(|()| self.message().enforce(options));
        if result.is_err() {
            self.bytes.clear();
            self.index.clear();
        }
        result
    }

    /// Completes the index of a message parsed with
    /// [`ParseOptions::lazy`]: field separators are indexed, so walking every
    /// field (JSON, validation) costs what it does after a full parse. Values,
    /// errors and diagnostics do not change. A no-op for a full index.
    ///
    /// ```
    /// let options = pipehat::ParseOptions::default().lazy(true);
    /// let mut owned = pipehat::OwnedMessage::parse_with(b"MSH|^~\\&|A\rPID|1||42\r".to_vec(), &options)?;
    /// assert_eq!(owned.message().get("PID-3")?.as_deref(), Some("42"));
    /// owned.index_fields();
    /// assert_eq!(owned.message().get("PID-3")?.as_deref(), Some("42"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index_fields(&mut self) {
        if self.index.lazy {
            self.index.index_fields(&self.bytes);
            // Owned messages are kept around: no spare capacity.
            self.index.shrink_to_fit();
        }
    }

    /// A borrowed view with the full [`Message`] API; creating it costs nothing.
    pub fn message(&self) -> Message<'_> {
        Message::from_parts(&self.bytes, &self.index)
    }

    pub(crate) fn from_parts(bytes: Vec<u8>, mut index: Index) -> Self {
        index.shrink_to_fit();
        OwnedMessage { bytes, index }
    }

    /// The bytes, exactly as given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Bytes of memory held: the input plus the index.
    pub fn heap_size(&self) -> usize {
        self.bytes.capacity() + self.index.heap_size()
    }
}

#[cfg(all(test, feature = "dictionary", feature = "std"))]
mod tests {
    extern crate std;
    use super::*;

    /// `segment_names` reads the index as the segment views do, on every
    /// corpus message and on odd shapes (no separator, empty name, header).
    #[test]
    fn segment_names_match_the_views() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/messages");
        let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .expect("corpus")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("message"))
            .collect();
        inputs.push(b"MSH|^~\\&|A\rPID\r|x\rZ|1|2\rOBX|1".to_vec());
        inputs.push(b"MSH|^~\\&\r\rEVN".to_vec());
        let mut checked = 0;
        for input in &inputs {
            let Ok(msg) = Message::parse(input) else {
                continue;
            };
            let names: Vec<&[u8]> = msg.segment_names().collect();
            let views: Vec<&[u8]> = msg.segments().map(|s| s.name_bytes()).collect();
            assert_eq!(names, views);
            checked += 1;
        }
        assert!(checked > 150, "only {checked} messages parsed");
    }

    /// The escape and charset diagnostics `diagnostics` adds, found by
    /// walking every field of every segment: the reference for its skip.
    fn walked(msg: &Message<'_>) -> Vec<Diagnostic> {
        let mut out = msg.index().diagnostics.clone();
        let delimiters = msg.delimiters();
        for segment in msg.segments() {
            for (n, field) in segment.fields().enumerate() {
                if segment.is_header() && n < 2 {
                    continue;
                }
                let at = (
                    field.offset(),
                    Some(segment.index() as u32),
                    Some(n as u32 + 1),
                );
                crate::escape::find_malformed(field.as_bytes(), &delimiters, |o| {
                    out.push(Diagnostic::new(
                        DiagnosticCode::MalformedEscape,
                        at.0 + o,
                        at.1,
                        at.2,
                    ));
                });
                if let Some(code) = msg.charset().check(field.as_bytes()) {
                    if !out.iter().any(|d| d.code() == code) {
                        out.push(Diagnostic::new(code, at.0, at.1, at.2));
                    }
                }
            }
        }
        out
    }

    /// Segments with no escape character and no byte above 0x7F are not
    /// walked: the diagnostics are those of walking them all, on the corpus
    /// and on copies with an escape character, a cut escape sequence or a
    /// non-ASCII byte put in each quarter (the header's fields included).
    #[test]
    fn diagnostics_skip_only_segments_that_cannot_add_one() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/messages");
        let mut checked = 0;
        let mut found = 0;
        for entry in std::fs::read_dir(dir).expect("corpus") {
            let input = std::fs::read(entry.expect("entry").path()).expect("message");
            let mut inputs = std::vec![input.clone()];
            for insert in [&b"\\"[..], b"\\H", b"\xE9", b"\xC3\xA9"] {
                for at in [12, input.len() / 4, input.len() / 2, input.len() * 3 / 4] {
                    let mut copy = input.clone();
                    let at = at.min(copy.len());
                    copy.splice(at..at, insert.iter().copied());
                    inputs.push(copy);
                }
            }
            for input in &inputs {
                let Ok(msg) = Message::parse(input) else {
                    continue;
                };
                let want = walked(&msg);
                found += want.len() - msg.index().diagnostics.len();
                assert_eq!(msg.diagnostics(), want);
                checked += 1;
            }
        }
        assert!(
            checked > 2000 && found > 1000,
            "{checked} messages, {found} diagnostics"
        );
    }

    /// A message parsed with the index of the one before (the thread's
    /// spare) reads as it would with a new one: nothing of the earlier
    /// message's segments, separators or diagnostics is left; an index
    /// larger than the limit is freed, not kept.
    #[test]
    fn a_spare_index_keeps_nothing_of_the_message_before() {
        let messy = b"MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\nPID|1||7^^^H~8||DOE^JOHN\nZZ1|a|b|c|d|e|f\r\n";
        let clean: &[u8] = b"MSH|^~\\&|C|D|||20240102||ORU^R01|2|P|2.5.1\rOBX|1|ST|X||v\r";
        let before = Message::parse(messy).expect("messy");
        assert!(!before.diagnostics().is_empty());
        drop(before);
        let reused = Message::parse(clean).expect("clean");
        let mut fresh_index = Index::new();
        fresh_index
            .build(clean, &ParseOptions::default())
            .expect("clean");
        let fresh = Message::from_parts(clean, &fresh_index);
        assert_eq!(reused.diagnostics(), fresh.diagnostics());
        assert_eq!(reused.segment_count(), 2);
        for path in ["MSH-9", "MSH-10", "OBX-5", "PID-5.2", "ZZ1-6", "OBX-2"] {
            assert_eq!(
                reused.get(path).expect("path"),
                fresh.get(path).expect("path"),
                "{path}"
            );
        }
        drop(reused);
        assert!(spare::take().heap_size() > 0, "the spare index is kept");
        let big: Vec<u8> = [b"MSH|^~\\&|A".as_slice(), &b"|x".repeat(600_000), b"\r"].concat();
        drop(Message::parse(&big).expect("big"));
        assert_eq!(
            spare::take().heap_size(),
            0,
            "an index over the limit is freed"
        );
    }
}
