//! Editing and building messages: [`MessageBuf`].
//!
//! A `MessageBuf` owns the message text and its index. Every edit rewrites
//! only the bytes it addresses and re-indexes, so everything it does not
//! touch — the envelope, other segments, other fields, escape sequences,
//! terminators, a missing final terminator — stays byte for byte as it was,
//! and [`MessageBuf::as_bytes`] of an unedited message is exactly its input.
//!
//! ```
//! use pipehat::MessageBuf;
//! let mut msg = MessageBuf::parse(&b"MSH|^~\\&|APP|FAC|||20240115||ADT^A08|1|P|2.5.1\rPID|1||123^^^H||DOE^JOHN\r"[..])?;
//! msg.set("PID-5.2", "JANE & CO")?;          // text: delimiters are escaped
//! msg.set_raw("PID-3(2)", "456^^^SSA")?;     // encoded text: written as given
//! msg.set("PV1-2", "I")?;                    // a missing segment is appended
//! assert_eq!(msg.to_string(),
//!     "MSH|^~\\&|APP|FAC|||20240115||ADT^A08|1|P|2.5.1\rPID|1||123^^^H~456^^^SSA||DOE^JANE \\T\\ CO\rPV1||I\r");
//! assert_eq!(msg.message().get("PID-5.2")?.as_deref(), Some("JANE & CO"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::charset;
use crate::error::{EditError, EditErrorKind};
use crate::parse::index::Index;
use crate::path::{IntoPath, Path};
use crate::{Delimiters, Message, ParseError, ParseOptions, SegmentTerminator};
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

/// An owned message that can be edited, and serialized back to text.
#[derive(Debug, Clone)]
pub struct MessageBuf {
    text: Vec<u8>,
    index: Index,
    options: ParseOptions,
}

/// Which level of a value an edit addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Field,
    Repetition,
    Component,
    Subcomponent,
}

impl MessageBuf {
    /// Parses `bytes` into an editable message (default options).
    pub fn parse(bytes: impl Into<Vec<u8>>) -> Result<Self, ParseError> {
        Self::parse_with(bytes, &ParseOptions::default())
    }

    /// Parses `bytes` into an editable message with `options`; later edits
    /// re-index with the same options.
    pub fn parse_with(
        bytes: impl Into<Vec<u8>>,
        options: &ParseOptions,
    ) -> Result<Self, ParseError> {
        let text = bytes.into();
        // Edits update the separator index in place: it is always complete.
        let options = options.lazy(false);
        let mut index = Index::new();
        index.build(&text, &options)?;
        Message::from_parts(&text, &index).enforce(&options)?;
        Ok(MessageBuf {
            text,
            index,
            options,
        })
    }

    /// A new message holding only the MSH segment described by `header`.
    ///
    /// ```
    /// use pipehat::{MessageBuf, edit::Header};
    /// let msg = MessageBuf::new(&Header {
    ///     message_type: "ADT^A01^ADT_A01".into(),
    ///     control_id: "MSG0001".into(),
    ///     timestamp: "20240115103000".into(),
    ///     sending_application: "PIPEHAT".into(),
    ///     ..Header::default()
    /// })?;
    /// assert_eq!(msg.to_string(), "MSH|^~\\&|PIPEHAT||||20240115103000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r");
    /// # Ok::<(), pipehat::EditError>(())
    /// ```
    pub fn new(header: &Header) -> Result<Self, EditError> {
        let mut fields: [&[u8]; 19] = [&[]; 19];
        fields[3] = header.sending_application.as_bytes();
        fields[4] = header.sending_facility.as_bytes();
        fields[5] = header.receiving_application.as_bytes();
        fields[6] = header.receiving_facility.as_bytes();
        fields[7] = header.timestamp.as_bytes();
        fields[9] = header.message_type.as_bytes();
        fields[10] = header.control_id.as_bytes();
        fields[11] = header.processing_id.as_bytes();
        fields[12] = header.version.as_bytes();
        if let Some(charset) = &header.charset {
            fields[18] = charset.as_bytes();
        }
        Self::from_header_fields(header.delimiters, header.terminator, &fields)
    }

    /// A message holding only an MSH made of `fields` (index = field number,
    /// from 3; encoded bytes, written as given after checking for separators).
    pub(crate) fn from_header_fields(
        d: Delimiters,
        terminator: SegmentTerminator,
        fields: &[&[u8]; 19],
    ) -> Result<Self, EditError> {
        Self::from_header_fields_and(d, terminator, fields, &[])
    }

    /// [`from_header_fields`](Self::from_header_fields) followed by whole
    /// segments (checked as `insert_segment_bytes` checks them), read once.
    pub(crate) fn from_header_fields_and(
        d: Delimiters,
        terminator: SegmentTerminator,
        fields: &[&[u8]; 19],
        segments: &[&[u8]],
    ) -> Result<Self, EditError> {
        let (enc, n) = d.encoding_characters();
        let mut text = Vec::with_capacity(128);
        text.extend_from_slice(b"MSH");
        text.push(d.field());
        text.extend_from_slice(&enc[..n]);
        for value in &fields[3..] {
            text.push(d.field());
            check_raw(value, &d, Level::Field)?;
            text.extend_from_slice(value);
        }
        while text.last() == Some(&d.field()) {
            text.pop();
        }
        text.extend_from_slice(terminator.as_str().as_bytes());
        for (i, segment) in segments.iter().enumerate() {
            check_segment(segment, &d, i as u32 + 1)?;
            text.extend_from_slice(segment);
            text.extend_from_slice(terminator.as_str().as_bytes());
        }
        let options = ParseOptions::default().segment_terminator(Some(terminator));
        MessageBuf::parse_with(text, &options).map_err(EditError::from_parse)
    }

    /// The message as read-only views (paths, segments, header accessors).
    pub fn message(&self) -> Message<'_> {
        Message::from_parts(&self.text, &self.index)
    }

    /// The message text: the input with the edits applied.
    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }

    /// The message text, consuming the buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.text
    }

    /// The message as an [`OwnedMessage`](crate::OwnedMessage) (its index is kept, nothing is parsed again).
    pub fn into_owned(self) -> crate::OwnedMessage {
        crate::OwnedMessage::from_parts(self.text, self.index)
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.index.delimiters
    }

    /// The terminator written after added segments.
    pub fn segment_terminator(&self) -> SegmentTerminator {
        self.index.terminator.unwrap_or(SegmentTerminator::Cr)
    }

    /// The number of segments.
    pub fn segment_count(&self) -> usize {
        self.index.segments.len()
    }

    /// Sets the value at `path` to `value`, escaping delimiters and line
    /// breaks ([`escape::encode_into`](crate::escape::encode_into)) and writing
    /// it in the message's character set. Missing fields, repetitions and
    /// components are created; a missing segment is appended when the path
    /// names the next occurrence (`OBX[3]` when there are two OBX). A path
    /// that stops at a field without a repetition replaces the whole field.
    pub fn set(&mut self, path: impl IntoPath, value: &str) -> Result<(), EditError> {
        let path = path.into_path().map_err(EditError::from_path)?;
        let escaped = self.escaped(value)?;
        self.replace(&path, &escaped)
    }

    /// Sets the value at `path` to already-encoded `text`: escape sequences
    /// and lower-level separators are written as given (`set_raw("PID-5",
    /// "DOE^JOHN")`). The text may not hold a segment terminator, nor a
    /// separator of its own level or above.
    pub fn set_raw(&mut self, path: impl IntoPath, text: &str) -> Result<(), EditError> {
        let path = path.into_path().map_err(EditError::from_path)?;
        let bytes = self.checked_raw(&path, text)?;
        self.replace(&path, &bytes)
    }

    /// Inserts `value` (escaped, as by [`set`](Self::set)) as a new
    /// repetition, component or subcomponent before the one `path` names
    /// (`PID-3(1)` inserts a first repetition); past the end, it is appended.
    /// The path must name a repetition, component or subcomponent.
    pub fn insert(&mut self, path: impl IntoPath, value: &str) -> Result<(), EditError> {
        let path = path.into_path().map_err(EditError::from_path)?;
        let escaped = self.escaped(value)?;
        self.insert_bytes(&path, &escaped)
    }

    /// Like [`insert`](Self::insert), with already-encoded text.
    pub fn insert_raw(&mut self, path: impl IntoPath, text: &str) -> Result<(), EditError> {
        let path = path.into_path().map_err(EditError::from_path)?;
        let bytes = self.checked_raw(&path, text)?;
        self.insert_bytes(&path, &bytes)
    }

    /// The old name of [`append_repetition`](Self::append_repetition).
    #[deprecated(note = "use append_repetition, the name every language uses")]
    pub fn push_repetition(&mut self, path: impl IntoPath, value: &str) -> Result<(), EditError> {
        self.append_repetition(path, value)
    }

    /// Appends `value` (escaped) as a new last repetition of the field at
    /// `path` (an empty field just takes the value).
    pub fn append_repetition(&mut self, path: impl IntoPath, value: &str) -> Result<(), EditError> {
        let path = path.into_path().map_err(EditError::from_path)?;
        let count = self
            .message()
            .value(path.field_path())
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
            .map_or(0, |v| match v {
                crate::Value::Field(f) => f.repetitions().count(),
                _ => 1,
            });
        self.set(path.field_path().with_repetition(count as u32 + 1), value)
    }

    /// Removes what `path` names, with its separator: a subcomponent,
    /// component or repetition (later ones move up). A path that stops at a
    /// field without a repetition clears the field (fields keep their
    /// numbers). Removing something absent changes nothing.
    pub fn remove(&mut self, path: impl IntoPath) -> Result<(), EditError> {
        let path = path.into_path().map_err(EditError::from_path)?;
        let level = level_of(&path);
        if level == Level::Field {
            return self.replace(&path, b"");
        }
        let Some(seg) = self.find_segment(&path) else {
            return Ok(());
        };
        self.edit_segment(seg, |bytes, d, header| {
            let Some((parent, n, sep)) = parent_range(bytes, d, header, &path, false)? else {
                return Ok(());
            };
            let pieces = split(&bytes[parent.clone()], sep);
            if n > pieces.len() {
                return Ok(());
            }
            let piece = pieces[n - 1].clone();
            let cut = if pieces.len() == 1 {
                parent.start + piece.start..parent.start + piece.end
            } else if n == 1 {
                parent.start + piece.start..parent.start + piece.end + 1
            } else {
                parent.start + piece.start - 1..parent.start + piece.end
            };
            bytes.drain(cut);
            Ok(())
        })
    }

    /// Inserts a segment, given as encoded text without terminator
    /// (`"NTE|1||note"`), before segment `at` (0-based; the segment count appends).
    pub fn insert_segment(&mut self, at: usize, text: &str) -> Result<(), EditError> {
        let count = self.segment_count();
        if at > count {
            return Err(EditError::new(EditErrorKind::SegmentNotFound, at as u32));
        }
        if at == 0 {
            return Err(EditError::new(EditErrorKind::ReadOnly, 0));
        }
        let bytes = self.encode_text(text)?;
        self.insert_segment_bytes(at, &bytes)
    }

    /// Inserts a segment given as encoded bytes (already in the message's charset).
    pub(crate) fn insert_segment_bytes(
        &mut self,
        at: usize,
        bytes: &[u8],
    ) -> Result<(), EditError> {
        let count = self.segment_count();
        check_segment(bytes, &self.delimiters(), at as u32)?;
        let term = self.segment_terminator().as_str().as_bytes();
        let mut insert = Vec::with_capacity(bytes.len() + 2);
        let pos = if at < count {
            insert.extend_from_slice(bytes);
            insert.extend_from_slice(term);
            self.index.segments[at].start as usize
        } else {
            let last = self.index.segments[count - 1];
            let after = last.end as usize;
            let rest = &self.text[after..];
            let terminated = rest.starts_with(b"\r") || rest.starts_with(b"\n");
            if terminated {
                let t = if rest.starts_with(b"\r\n") { 2 } else { 1 };
                insert.extend_from_slice(bytes);
                insert.extend_from_slice(term);
                after + t
            } else {
                insert.extend_from_slice(term);
                insert.extend_from_slice(bytes);
                after
            }
        };
        self.splice(pos..pos, &insert)
    }

    /// Appends a segment (encoded text without terminator).
    pub fn append_segment(&mut self, text: &str) -> Result<(), EditError> {
        self.insert_segment(self.segment_count(), text)
    }

    /// The old name of [`append_segment`](Self::append_segment).
    #[deprecated(note = "use append_segment, the name every language uses")]
    pub fn push_segment(&mut self, text: &str) -> Result<(), EditError> {
        self.append_segment(text)
    }

    /// Removes segment `at` (0-based) with its terminator. The first
    /// segment (the header) cannot be removed.
    pub fn remove_segment(&mut self, at: usize) -> Result<(), EditError> {
        let count = self.segment_count();
        if at == 0 {
            return Err(EditError::new(EditErrorKind::ReadOnly, 0));
        }
        if at >= count {
            return Err(EditError::new(EditErrorKind::SegmentNotFound, at as u32));
        }
        let seg = self.index.segments[at];
        let range = if at + 1 < count {
            seg.start as usize..self.index.segments[at + 1].start as usize
        } else {
            let rest = &self.text[seg.end as usize..];
            let t = if rest.starts_with(b"\r\n") {
                2
            } else if rest.starts_with(b"\r") || rest.starts_with(b"\n") {
                1
            } else {
                0
            };
            if t > 0 {
                seg.start as usize..seg.end as usize + t
            } else {
                self.index.segments[at - 1].end as usize..seg.end as usize
            }
        };
        self.splice(range, b"")
    }

    /// Whether the index kept up to date by edits equals one built afresh
    /// from the text (for tests and fuzzing).
    #[doc(hidden)]
    pub fn index_is_consistent(&self) -> bool {
        let mut fresh = Index::new();
        if fresh.build(&self.text, &self.options).is_err() {
            return false;
        }
        let i = &self.index;
        fresh.segments == i.segments
            && fresh.separators == i.separators
            && fresh.charset == i.charset
            && fresh.delimiters == i.delimiters
            && fresh.terminator == i.terminator
            && fresh.diagnostics == i.diagnostics
    }

    /// The 0-based index of the `occurrence`th (from 1) segment named `name`.
    pub fn find(&self, name: &str, occurrence: u32) -> Option<usize> {
        self.message()
            .segments()
            .filter(|s| s.name_bytes() == name.as_bytes())
            .nth(occurrence.checked_sub(1)? as usize)
            .map(|s| s.index())
    }

    /// Encoded `text` in the message's character set, checked for what it
    /// may not hold at the level `path` names.
    fn checked_raw<'t>(&self, path: &Path, text: &'t str) -> Result<Cow<'t, [u8]>, EditError> {
        let bytes = self.encode_text(text)?;
        check_raw(&bytes, &self.delimiters(), level_of(path)).map_err(|e| {
            // The segment the value was for, when it is there already.
            e.in_segment(
                self.find(path.segment(), path.occurrence())
                    .map(|i| i as u32),
            )
        })?;
        Ok(bytes)
    }

    /// `value` in the message's character set with its delimiters escaped.
    fn escaped(&self, value: &str) -> Result<Vec<u8>, EditError> {
        let bytes = self.encode_text(value)?;
        let mut escaped = Vec::with_capacity(bytes.len() + 8);
        crate::escape::encode_into(&bytes, &self.delimiters(), &mut escaped);
        Ok(escaped)
    }

    fn encode_text<'t>(&self, text: &'t str) -> Result<Cow<'t, [u8]>, EditError> {
        // A message whose non-ASCII bytes are UTF-8 stays UTF-8 whatever MSH-18 says.
        let utf8 = !self.text.is_ascii() && core::str::from_utf8(&self.text).is_ok();
        charset::encode(text, self.index.charset, utf8)
            .map_err(|_| EditError::new(EditErrorKind::Unencodable, 0))
    }

    fn find_segment(&self, path: &Path) -> Option<usize> {
        self.find(path.segment(), path.occurrence())
    }

    /// The segment `path` names, appending it when it is the next occurrence.
    fn segment_for(&mut self, path: &Path) -> Result<usize, EditError> {
        if let Some(i) = self.find_segment(path) {
            return Ok(i);
        }
        let existing = self
            .message()
            .segments()
            .filter(|s| s.name_bytes() == path.segment_bytes())
            .count();
        if path.occurrence() as usize != existing + 1
            || crate::delimiters::is_header_name(path.segment_bytes())
        {
            return Err(EditError::new(
                EditErrorKind::SegmentNotFound,
                self.segment_count() as u32,
            ));
        }
        self.append_segment(path.segment())?;
        Ok(self.segment_count() - 1)
    }

    fn replace(&mut self, path: &Path, value: &[u8]) -> Result<(), EditError> {
        let seg = self.segment_for(path)?;
        self.edit_segment(seg, |bytes, d, header| {
            let range = element_range(bytes, d, header, path, true)?
                .ok_or(EditErrorKind::SegmentNotFound)?;
            bytes.splice(range, value.iter().copied());
            Ok(())
        })
    }

    fn insert_bytes(&mut self, path: &Path, value: &[u8]) -> Result<(), EditError> {
        if level_of(path) == Level::Field {
            return Err(EditError::new(EditErrorKind::InvalidPath, 0));
        }
        let seg = self.segment_for(path)?;
        self.edit_segment(seg, |bytes, d, header| {
            let (parent, n, sep) = parent_range(bytes, d, header, path, true)?
                .ok_or(EditErrorKind::SegmentNotFound)?;
            let pieces = split(&bytes[parent.clone()], sep);
            if n > pieces.len() {
                let pad = n - pieces.len();
                let at = parent.end;
                let mut ins = Vec::with_capacity(pad + value.len());
                ins.extend(core::iter::repeat_n(sep, pad));
                ins.extend_from_slice(value);
                bytes.splice(at..at, ins);
            } else if parent.is_empty() {
                bytes.splice(parent.start..parent.start, value.iter().copied());
            } else {
                let at = parent.start + pieces[n - 1].start;
                let mut ins = Vec::with_capacity(value.len() + 1);
                ins.extend_from_slice(value);
                ins.push(sep);
                bytes.splice(at..at, ins);
            }
            Ok(())
        })
    }

    /// Rewrites segment `seg` through `f`, then splices it back.
    fn edit_segment(
        &mut self,
        seg: usize,
        f: impl FnOnce(&mut Vec<u8>, &Delimiters, bool) -> Result<(), EditErrorKind>,
    ) -> Result<(), EditError> {
        let entry = self.index.segments[seg];
        let range = entry.start as usize..entry.end as usize;
        let mut bytes = self.text[range.clone()].to_vec();
        let header = self
            .message()
            .segment_at(seg)
            .is_some_and(|s| s.is_header());
        f(&mut bytes, &self.index.delimiters, header)
            .map_err(|kind| EditError::new(kind, seg as u32))?;
        if self.text[range.clone()] == bytes[..] {
            return Ok(());
        }
        // The edit stays inside one segment: update the index in place
        // instead of indexing the whole message again.
        let start = range.start;
        let old: Vec<u8> = self.text.splice(range, bytes.iter().copied()).collect();
        match self
            .index
            .segment_replaced(&self.text, seg, bytes.len(), &self.options)
        {
            Ok(true) => Ok(()),
            Ok(false) => match self.index.build(&self.text, &self.options) {
                Ok(()) => Ok(()),
                Err(e) => {
                    self.text.splice(start..start + bytes.len(), old);
                    let _ = self.index.build(&self.text, &self.options);
                    Err(EditError::from_parse(e))
                }
            },
            Err(e) => {
                self.text.splice(start..start + bytes.len(), old);
                Err(EditError::from_parse(e))
            }
        }
    }

    fn splice(&mut self, range: Range<usize>, with: &[u8]) -> Result<(), EditError> {
        let start = range.start;
        let old: Vec<u8> = self.text.splice(range, with.iter().copied()).collect();
        if let Err(e) = self.index.build(&self.text, &self.options) {
            self.text.splice(start..start + with.len(), old);
            // The previous text indexed before; restore its index.
            let _ = self.index.build(&self.text, &self.options);
            return Err(EditError::from_parse(e));
        }
        Ok(())
    }
}

impl core::fmt::Display for MessageBuf {
    /// The message text (non-UTF-8 bytes read in the message's character set).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&charset::decode(&self.text, self.index.charset))
    }
}

impl<'a> From<&Message<'a>> for MessageBuf {
    /// Copies a parsed message into an editable one (its index is reused).
    fn from(msg: &Message<'a>) -> Self {
        MessageBuf {
            text: msg.as_bytes().to_vec(),
            index: msg.index().clone(),
            options: ParseOptions::default(),
        }
    }
}

/// What [`MessageBuf::new`] writes into MSH. Fields are encoded text
/// (`message_type: "ADT^A01^ADT_A01"`); empty ones stay empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// MSH-1 and MSH-2 (`|^~\&` by default).
    pub delimiters: Delimiters,
    /// Segment terminator (`\r` by default).
    pub terminator: SegmentTerminator,
    /// MSH-3.
    pub sending_application: String,
    /// MSH-4.
    pub sending_facility: String,
    /// MSH-5.
    pub receiving_application: String,
    /// MSH-6.
    pub receiving_facility: String,
    /// MSH-7 (see [`format_timestamp`]).
    pub timestamp: String,
    /// MSH-9, e.g. `ADT^A01^ADT_A01`.
    pub message_type: String,
    /// MSH-10 (see [`control_id`]).
    pub control_id: String,
    /// MSH-11, `P` by default.
    pub processing_id: String,
    /// MSH-12, [`DEFAULT_VERSION`](crate::DEFAULT_VERSION) (`2.5.1`) by default.
    pub version: String,
    /// MSH-18 when set, e.g. `UNICODE UTF-8`.
    pub charset: Option<String>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            delimiters: Delimiters::default(),
            terminator: SegmentTerminator::Cr,
            sending_application: String::new(),
            sending_facility: String::new(),
            receiving_application: String::new(),
            receiving_facility: String::new(),
            timestamp: String::new(),
            message_type: String::new(),
            control_id: String::new(),
            processing_id: "P".into(),
            version: crate::DEFAULT_VERSION.into(),
            charset: None,
        }
    }
}

/// Formats a moment as an HL7 DTM, `YYYYMMDDHHMMSS±ZZZZ`, from seconds since
/// the Unix epoch and the local offset from UTC in minutes. The core reads no
/// clock; callers (and the bindings) pass the time.
///
/// ```
/// assert_eq!(pipehat::edit::format_timestamp(1_705_314_600, 60), "20240115113000+0100");
/// assert_eq!(pipehat::edit::format_timestamp(0, 0), "19700101000000+0000");
/// ```
pub fn format_timestamp(unix_seconds: i64, offset_minutes: i32) -> String {
    let local = unix_seconds + i64::from(offset_minutes) * 60;
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = crate::datatype::civil_from_days(local.div_euclid(86_400));
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    alloc::format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}{sign}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

/// A message control id (MSH-10) from caller-supplied entropy: 20
/// characters of `0-9A-Z`, within MSH-10's length in every version.
///
/// ```
/// let id = pipehat::edit::control_id(0x0123_4567_89ab_cdef);
/// assert_eq!(id.len(), 20);
/// assert!(id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
/// assert_ne!(id, pipehat::edit::control_id(0x0123_4567_89ab_cdee));
/// ```
pub fn control_id(entropy: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    // Spread the bits (splitmix64) so nearby seeds differ everywhere.
    let mut x = entropy;
    let mut next = || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = String::with_capacity(20);
    let mut bits = next();
    for i in 0..20 {
        if i == 10 {
            bits = next();
        }
        out.push(DIGITS[(bits % 36) as usize] as char);
        bits /= 36;
    }
    out
}

fn level_of(path: &Path) -> Level {
    match (path.repetition(), path.component(), path.subcomponent()) {
        (_, Some(_), Some(_)) => Level::Subcomponent,
        (_, Some(_), None) => Level::Component,
        (Some(_), None, _) => Level::Repetition,
        _ => Level::Field,
    }
}

/// Checks encoded text for what it may not hold at `level`.
fn check_raw(bytes: &[u8], d: &Delimiters, level: Level) -> Result<(), EditError> {
    let bad = |b: u8| {
        b == b'\r'
            || b == b'\n'
            || b == d.field()
            || (level != Level::Field && b == d.repetition())
            || (matches!(level, Level::Component | Level::Subcomponent) && b == d.component())
            || (level == Level::Subcomponent && d.has_subcomponent() && b == d.subcomponent())
    };
    match bytes.iter().position(|&b| bad(b)) {
        // The header's fields are checked here too (segment 0); callers with
        // a path say which segment.
        Some(at) => Err(EditError::new(EditErrorKind::InvalidValue, 0).at_offset(at)),
        None => Ok(()),
    }
}

fn check_segment(bytes: &[u8], d: &Delimiters, segment: u32) -> Result<(), EditError> {
    let name_ok = bytes.len() >= 3
        && bytes[0].is_ascii_uppercase()
        && bytes[1..3]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && bytes.get(3).is_none_or(|&b| b == d.field());
    if !name_ok {
        return Err(EditError::new(EditErrorKind::InvalidSegment, segment));
    }
    match bytes.iter().position(|&b| b == b'\r' || b == b'\n') {
        Some(at) => Err(EditError::new(EditErrorKind::InvalidValue, segment).at_offset(at)),
        None => Ok(()),
    }
}

/// The pieces of `bytes` between `sep`s (always at least one).
fn split(bytes: &[u8], sep: u8) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for p in memchr::memchr_iter(sep, bytes) {
        out.push(start..p);
        start = p + 1;
    }
    out.push(start..bytes.len());
    out
}

/// The range of piece `n` (from 1) of `bytes[range]` split on `sep`; with
/// `create`, separators are added at the end until it exists.
fn nth_piece(
    bytes: &mut Vec<u8>,
    range: Range<usize>,
    sep: u8,
    n: usize,
    create: bool,
) -> Option<Range<usize>> {
    // Walk the separators up to piece `n` without collecting the others.
    let region = &bytes[range.clone()];
    let mut start = 0;
    let mut count = 1;
    for p in memchr::memchr_iter(sep, region) {
        if count == n {
            return Some(range.start + start..range.start + p);
        }
        start = p + 1;
        count += 1;
    }
    if count == n {
        return Some(range.start + start..range.end);
    }
    if !create {
        return None;
    }
    let pad = n - count;
    bytes.splice(range.end..range.end, core::iter::repeat_n(sep, pad));
    let end = range.end + pad;
    Some(end..end)
}

/// The byte range of the field `path` names, inside segment `bytes`.
fn field_range(
    bytes: &mut Vec<u8>,
    d: &Delimiters,
    header: bool,
    path: &Path,
    create: bool,
) -> Result<Option<Range<usize>>, EditErrorKind> {
    let field = path.field() as usize;
    let piece = if header {
        if field <= 2 {
            return Err(EditErrorKind::ReadOnly);
        }
        field - 1
    } else {
        field
    };
    // Piece 0 is the segment name.
    let len = bytes.len();
    Ok(nth_piece(bytes, 0..len, d.field(), piece + 1, create))
}

/// The range of what `path` names, creating missing parts with `create`.
fn element_range(
    bytes: &mut Vec<u8>,
    d: &Delimiters,
    header: bool,
    path: &Path,
    create: bool,
) -> Result<Option<Range<usize>>, EditErrorKind> {
    let Some(mut range) = field_range(bytes, d, header, path, create)? else {
        return Ok(None);
    };
    let level = level_of(path);
    if level == Level::Field {
        return Ok(Some(range));
    }
    let steps = [
        (d.repetition(), path.repetition().unwrap_or(1)),
        (d.component(), path.component().unwrap_or(0)),
        (
            d.subcomponent(),
            if d.has_subcomponent() {
                path.subcomponent().unwrap_or(0)
            } else {
                0
            },
        ),
    ];
    for (sep, n) in steps {
        if n == 0 {
            break;
        }
        match nth_piece(bytes, range, sep, n as usize, create) {
            Some(r) => range = r,
            None => return Ok(None),
        }
    }
    Ok(Some(range))
}

/// The range of the parent of what `path` names, the position in it, and
/// the separator between its pieces.
fn parent_range(
    bytes: &mut Vec<u8>,
    d: &Delimiters,
    header: bool,
    path: &Path,
    create: bool,
) -> Result<Option<(Range<usize>, usize, u8)>, EditErrorKind> {
    let level = level_of(path);
    let (parent, n, sep) = match level {
        Level::Field => return Err(EditErrorKind::InvalidPath),
        Level::Repetition => (
            path.field_path(),
            path.repetition().unwrap_or(1),
            d.repetition(),
        ),
        Level::Component => (
            path.field_path()
                .with_repetition(path.repetition().unwrap_or(1)),
            path.component().unwrap_or(1),
            d.component(),
        ),
        Level::Subcomponent => {
            if !d.has_subcomponent() {
                return Err(EditErrorKind::InvalidPath);
            }
            (
                path.without_subcomponent(),
                path.subcomponent().unwrap_or(1),
                d.subcomponent(),
            )
        }
    };
    Ok(element_range(bytes, d, header, &parent, create)?.map(|r| (r, n as usize, sep)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const ADT: &[u8] = b"MSH|^~\\&|APP|FAC|||20240115||ADT^A08|1|P|2.5.1\rPID|1||123^^^H~456||DOE^JOHN&X^Q\rNTE|1||a\\T\\b\r";

    fn buf() -> MessageBuf {
        MessageBuf::parse(ADT).unwrap()
    }

    fn text(m: &MessageBuf) -> String {
        m.to_string()
    }

    #[test]
    fn unedited_is_byte_identical() {
        for input in [
            ADT,
            b"\x0bMSH|^~\\&|A\nPID|1\n\x1c\r",
            b"MSH|^~\\&|A\r\nPID|1",
        ] {
            assert_eq!(MessageBuf::parse(input).unwrap().as_bytes(), input);
        }
    }

    #[test]
    fn set_escapes_and_pads() {
        let mut m = buf();
        m.set("PID-5.2", "JANE|X").unwrap();
        assert!(text(&m).contains("DOE^JANE\\F\\X^Q"));
        m.set("PID-3(4).2", "Z").unwrap();
        assert!(text(&m).contains("|123^^^H~456~~^Z|"));
        m.set("PID-8", "M").unwrap();
        assert!(text(&m).contains("^Q|||M\r"));
        m.set("MSH-10", "ID2").unwrap();
        assert_eq!(m.message().control_id().as_deref(), Some("ID2"));
        let note = m.message().get("NTE-3").unwrap().unwrap().into_owned();
        m.set("NTE-3", &note).unwrap();
        assert!(text(&m).contains("NTE|1||a\\T\\b\r"), "no double escape");
    }

    #[test]
    fn set_whole_field_and_subcomponent() {
        let mut m = buf();
        m.set("PID-3", "X~Y").unwrap();
        assert!(text(&m).contains("PID|1||X\\R\\Y||"));
        m.set("PID-5.2.2", "K").unwrap();
        assert!(text(&m).contains("DOE^JOHN&K^Q"));
        m.set("PID-5.3.3", "S").unwrap();
        assert!(text(&m).contains("DOE^JOHN&K^Q&&S"));
    }

    #[test]
    fn set_raw_checks_its_level() {
        let mut m = buf();
        m.set_raw("PID-5", "ROE^ANN").unwrap();
        assert_eq!(m.message().get("PID-5.2").unwrap().as_deref(), Some("ANN"));
        let e = m.set_raw("PID-5.1", "A^B").unwrap_err();
        assert_eq!((e.code(), e.offset()), ("invalid_value", 1));
        assert_eq!(
            m.set_raw("PID-5", "A|B").unwrap_err().code(),
            "invalid_value"
        );
        assert_eq!(
            m.set_raw("PID-5", "A\rB").unwrap_err().code(),
            "invalid_value"
        );
        assert_eq!(m.set("MSH-2", "x").unwrap_err().code(), "read_only");
        assert_eq!(m.set("MSH-1", "x").unwrap_err().code(), "read_only");
    }

    #[test]
    fn segments_are_created_inserted_removed() {
        let mut m = buf();
        m.set("OBX[1]-5", "7").unwrap();
        assert!(text(&m).ends_with("NTE|1||a\\T\\b\rOBX|||||7\r"));
        assert_eq!(
            m.set("OBX[3]-5", "7").unwrap_err().code(),
            "segment_not_found"
        );
        m.insert_segment(1, "EVN|A08").unwrap();
        assert_eq!(m.message().segment_at(1).unwrap().name(), "EVN");
        m.remove_segment(2).unwrap();
        assert_eq!(m.find("PID", 1), None);
        m.remove_segment(m.segment_count() - 1).unwrap();
        assert!(text(&m).ends_with("NTE|1||a\\T\\b\r"));
        assert_eq!(m.remove_segment(0).unwrap_err().code(), "read_only");
        assert_eq!(
            m.insert_segment(1, "pid|1").unwrap_err().code(),
            "invalid_segment"
        );
        let mut open = MessageBuf::parse(&b"MSH|^~\\&|A\rPID|1"[..]).unwrap();
        open.append_segment("PV1|1|I").unwrap();
        assert_eq!(open.as_bytes(), b"MSH|^~\\&|A\rPID|1\rPV1|1|I");
        open.remove_segment(2).unwrap();
        assert_eq!(open.as_bytes(), b"MSH|^~\\&|A\rPID|1");
    }

    #[test]
    fn repetitions_and_components_inserted_and_removed() {
        let mut m = buf();
        m.insert("PID-3(1)", "000").unwrap();
        assert!(text(&m).contains("|000~123^^^H~456|"));
        m.remove("PID-3(2)").unwrap();
        assert!(text(&m).contains("|000~456|"));
        m.append_repetition("PID-3", "789").unwrap();
        assert!(text(&m).contains("|000~456~789|"));
        m.remove("PID-5.2").unwrap();
        assert!(text(&m).contains("|DOE^Q\r"));
        m.insert("PID-5.2", "MID").unwrap();
        assert!(text(&m).contains("|DOE^MID^Q\r"));
        m.remove("PID-5.1").unwrap();
        assert!(text(&m).contains("|MID^Q\r"));
        m.remove("PID-3").unwrap();
        assert!(text(&m).contains("PID|1||||MID^Q\r"));
        m.remove("PID-30(2)").unwrap();
        m.append_repetition("PID-13", "555").unwrap();
        assert_eq!(m.message().get("PID-13").unwrap().as_deref(), Some("555"));
        assert_eq!(m.insert("PID-3", "x").unwrap_err().code(), "invalid_path");
    }

    #[test]
    fn builds_a_header() {
        let m = MessageBuf::new(&Header {
            message_type: "ORU^R01^ORU_R01".into(),
            control_id: control_id(7),
            timestamp: format_timestamp(1_700_000_000, -300),
            charset: Some("UNICODE UTF-8".into()),
            ..Header::default()
        })
        .unwrap();
        let msg = m.message();
        assert_eq!(msg.message_type().as_deref(), Some("ORU"));
        assert_eq!(msg.timestamp().as_deref(), Some("20231114171320-0500"));
        assert_eq!(msg.version().as_deref(), Some("2.5.1"));
        assert_eq!(msg.get("MSH-18").unwrap().as_deref(), Some("UNICODE UTF-8"));
        assert_eq!(msg.get("MSH-10").unwrap().map(|s| s.len()), Some(20));
        let bad = MessageBuf::new(&Header {
            control_id: "a|b".into(),
            ..Header::default()
        });
        assert_eq!(bad.unwrap_err().code(), "invalid_value");
    }

    #[test]
    fn writes_in_the_declared_charset() {
        let mut latin =
            MessageBuf::parse(&b"MSH|^~\\&|A|||||||||||||||8859/1\rPID|1||||M\xfcller\r"[..])
                .unwrap();
        latin.set("PID-5.2", "Jos\u{e9}").unwrap();
        assert!(latin.as_bytes().ends_with(b"M\xfcller^Jos\xe9\r"));
        assert_eq!(
            latin.set("PID-6", "\u{4e2d}").unwrap_err().code(),
            "unencodable_character"
        );
        let mut utf8 = buf();
        utf8.set("PID-6", "\u{4e2d}").unwrap();
        assert!(utf8.to_string().contains("|\u{4e2d}"));
    }

    #[test]
    fn from_message_keeps_bytes() {
        let msg = Message::parse(ADT).unwrap();
        let mut m = MessageBuf::from(&msg);
        assert_eq!(m.as_bytes(), ADT);
        m.set("PID-1", "2").unwrap();
        assert_eq!(m.message().get("PID-1").unwrap().as_deref(), Some("2"));
        assert_eq!(m.to_string().len(), ADT.len());
        let _ = text(&m).to_string();
    }
}
