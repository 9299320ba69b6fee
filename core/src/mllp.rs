//! MLLP framing: `0x0B` message `0x1C 0x0D`, as HL7 travels over TCP.
//!
//! [`Decoder`] takes bytes in chunks of any size (as they arrive from a
//! socket) and gives back whole frames. It never fails on odd input: bytes
//! between frames, a missing final `0x0D`, a frame cut short by the next
//! start byte, or a stream that ends inside a frame are
//! [`issues`](Decoder::issues) with a code and a stream offset. Only a frame
//! longer than the limit is an error ([`MllpIssueKind::FrameTooLarge`]),
//! reported once; the decoder skips that frame and carries on with the next.
//!
//! ```
//! use pipehat::mllp::{encode, Decoder};
//! let wire = [encode(b"MSH|^~\\&|A\rPID|1\r"), encode(b"MSH|^~\\&|B\r")].concat();
//! let mut decoder = Decoder::new();
//! let mut frames = Vec::new();
//! for chunk in wire.chunks(7) {            // any chunking
//!     decoder.push(chunk);
//!     decoder.read_frames(&mut frames)?;
//! }
//! decoder.finish();
//! assert_eq!(frames, [&b"MSH|^~\\&|A\rPID|1\r"[..], &b"MSH|^~\\&|B\r"[..]]);
//! assert!(decoder.issues().is_empty());
//! # Ok::<(), pipehat::mllp::MllpIssue>(())
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

/// Start of a frame (VT).
pub const START_BLOCK: u8 = 0x0B;
/// End of a frame (FS), followed by [`CARRIAGE_RETURN`].
pub const END_BLOCK: u8 = 0x1C;
/// The byte after [`END_BLOCK`].
pub const CARRIAGE_RETURN: u8 = 0x0D;

/// The largest frame [`Decoder::new`] accepts: 64 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 64 << 20;

/// Writes `message` as one MLLP frame.
pub fn encode_into(message: &[u8], out: &mut Vec<u8>) {
    out.reserve(message.len() + 3);
    out.push(START_BLOCK);
    out.extend_from_slice(message);
    out.push(END_BLOCK);
    out.push(CARRIAGE_RETURN);
}

/// `message` as one MLLP frame.
pub fn encode(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    encode_into(message, &mut out);
    out
}

/// What the decoder found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MllpIssueKind {
    /// Bytes other than whitespace outside any frame; skipped.
    Garbage,
    /// A frame's end byte was not followed by a carriage return; the frame was kept.
    MissingCarriageReturn,
    /// A start byte arrived inside a frame; the unfinished frame was dropped.
    UnterminatedFrame,
    /// The stream ended inside a frame; the unfinished frame was dropped.
    TruncatedFrame,
    /// A frame grew past the size limit; it was skipped (an error).
    FrameTooLarge,
}

impl MllpIssueKind {
    /// The stable code, e.g. `"mllp_garbage"`.
    pub const fn code(self) -> &'static str {
        match self {
            MllpIssueKind::Garbage => "mllp_garbage",
            MllpIssueKind::MissingCarriageReturn => "mllp_missing_carriage_return",
            MllpIssueKind::UnterminatedFrame => "mllp_unterminated_frame",
            MllpIssueKind::TruncatedFrame => "mllp_truncated_frame",
            MllpIssueKind::FrameTooLarge => "mllp_frame_too_large",
        }
    }

    /// `"error"` for a frame too large, `"warning"` otherwise.
    pub const fn severity(self) -> crate::Severity {
        match self {
            MllpIssueKind::FrameTooLarge => crate::Severity::Error,
            _ => crate::Severity::Warning,
        }
    }

    const fn describe(self) -> &'static str {
        match self {
            MllpIssueKind::Garbage => "bytes outside any MLLP frame were skipped",
            MllpIssueKind::MissingCarriageReturn => {
                "an MLLP end block was not followed by a carriage return"
            }
            MllpIssueKind::UnterminatedFrame => {
                "an MLLP frame was interrupted by a new start block and dropped"
            }
            MllpIssueKind::TruncatedFrame => "the stream ended inside an MLLP frame",
            MllpIssueKind::FrameTooLarge => "an MLLP frame exceeds the size limit and was skipped",
        }
    }
}

/// An issue with its position: the byte offset in the stream (counting from
/// the first byte pushed) and how many bytes it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MllpIssue {
    kind: MllpIssueKind,
    offset: u64,
    length: u64,
}

impl MllpIssue {
    /// What was found.
    pub const fn kind(&self) -> MllpIssueKind {
        self.kind
    }
    /// The stable code of the kind.
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// Offset in the stream where it starts.
    pub const fn offset(&self) -> u64 {
        self.offset
    }
    /// How many bytes it concerns (skipped or dropped bytes; for a frame too
    /// large, the limit that was passed).
    pub const fn length(&self) -> u64 {
        self.length
    }
}

impl fmt::Display for MllpIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::error::{write_error, Place};
        write_error(
            f,
            self.kind.describe(),
            self.code(),
            [Place::Byte(self.offset), Place::Length(self.length)],
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for MllpIssue {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames.
    Idle,
    /// Inside a frame.
    Frame,
    /// Saw an end block; a carriage return should follow.
    AfterEnd,
    /// Inside a frame that passed the size limit.
    Skipping,
}

/// An incremental MLLP decoder.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
    frame: Vec<u8>,
    frame_start: u64,
    max_frame_size: usize,
    /// Stream offset of the next byte pushed.
    offset: u64,
    /// Start and length of the garbage run being skipped, if any.
    garbage: Option<(u64, u64)>,
    ready: VecDeque<Result<Vec<u8>, MllpIssue>>,
    issues: Vec<MllpIssue>,
    /// An error held back so the frames before it could be returned first.
    held: Option<MllpIssue>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder accepting frames up to [`DEFAULT_MAX_FRAME_SIZE`].
    pub fn new() -> Self {
        Self::with_max_frame_size(DEFAULT_MAX_FRAME_SIZE)
    }

    /// A decoder accepting frames up to `max` bytes of content.
    pub fn with_max_frame_size(max: usize) -> Self {
        Decoder {
            state: State::Idle,
            frame: Vec::new(),
            frame_start: 0,
            max_frame_size: max,
            offset: 0,
            garbage: None,
            ready: VecDeque::new(),
            issues: Vec::new(),
            held: None,
        }
    }

    /// The warnings found so far (bytes skipped, frames dropped), in stream order.
    pub fn issues(&self) -> &[MllpIssue] {
        &self.issues
    }

    /// Takes the warnings found so far.
    pub fn take_issues(&mut self) -> Vec<MllpIssue> {
        core::mem::take(&mut self.issues)
    }

    /// Bytes held for an unfinished frame.
    pub fn buffered(&self) -> usize {
        self.frame.len()
    }

    /// Feeds bytes; complete frames become available from
    /// [`next_frame`](Self::next_frame) or [`read_frames`](Self::read_frames).
    pub fn push(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let base = self.offset;
            let used = match self.state {
                State::Idle => self.idle(data, base),
                State::Frame => self.in_frame(data, base),
                State::AfterEnd => {
                    self.state = State::Idle;
                    if data[0] == CARRIAGE_RETURN {
                        1
                    } else {
                        self.issues.push(MllpIssue {
                            kind: MllpIssueKind::MissingCarriageReturn,
                            offset: base,
                            length: 0,
                        });
                        0
                    }
                }
                State::Skipping => match memchr::memchr2(END_BLOCK, START_BLOCK, data) {
                    Some(p) if data[p] == END_BLOCK => {
                        self.state = State::AfterEnd;
                        p + 1
                    }
                    Some(p) => {
                        self.start_frame(base + p as u64);
                        p + 1
                    }
                    None => data.len(),
                },
            };
            self.offset += used as u64;
            data = &data[used..];
        }
    }

    fn idle(&mut self, data: &[u8], base: u64) -> usize {
        let end = memchr::memchr(START_BLOCK, data);
        let between = &data[..end.unwrap_or(data.len())];
        for (i, &b) in between.iter().enumerate() {
            if matches!(b, b'\r' | b'\n' | b' ' | b'\t') {
                continue;
            }
            let at = base + i as u64;
            match &mut self.garbage {
                Some((start, len)) => *len = at + 1 - *start,
                None => self.garbage = Some((at, 1)),
            }
        }
        match end {
            Some(p) => {
                self.flush_garbage();
                self.start_frame(base + p as u64);
                p + 1
            }
            None => data.len(),
        }
    }

    fn flush_garbage(&mut self) {
        if let Some((offset, length)) = self.garbage.take() {
            self.issues.push(MllpIssue {
                kind: MllpIssueKind::Garbage,
                offset,
                length,
            });
        }
    }

    fn start_frame(&mut self, at: u64) {
        self.state = State::Frame;
        self.frame_start = at;
        self.frame.clear();
    }

    fn in_frame(&mut self, data: &[u8], base: u64) -> usize {
        let found = memchr::memchr2(END_BLOCK, START_BLOCK, data);
        let chunk = &data[..found.unwrap_or(data.len())];
        if self.frame.len() + chunk.len() > self.max_frame_size {
            self.ready.push_back(Err(MllpIssue {
                kind: MllpIssueKind::FrameTooLarge,
                offset: self.frame_start,
                length: self.max_frame_size as u64,
            }));
            self.frame = Vec::new();
            self.state = State::Skipping;
            return chunk.len();
        }
        self.frame.extend_from_slice(chunk);
        match found {
            Some(p) if data[p] == END_BLOCK => {
                let frame = core::mem::take(&mut self.frame);
                self.ready.push_back(Ok(frame));
                self.state = State::AfterEnd;
                p + 1
            }
            Some(p) => {
                self.issues.push(MllpIssue {
                    kind: MllpIssueKind::UnterminatedFrame,
                    offset: self.frame_start,
                    length: base + p as u64 - self.frame_start,
                });
                self.start_frame(base + p as u64);
                p + 1
            }
            None => data.len(),
        }
    }

    /// The next complete frame (its content, without framing bytes), or the
    /// error for a frame that was too large; `None` until more bytes arrive.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, MllpIssue>> {
        if let Some(e) = self.held.take() {
            return Some(Err(e));
        }
        self.ready.pop_front()
    }

    /// Appends every complete frame to `out`. When a frame was too large,
    /// the frames before it are appended and its error is returned by the
    /// next call (at once, when none came before it), so nothing is lost.
    pub fn read_frames(&mut self, out: &mut Vec<Vec<u8>>) -> Result<(), MllpIssue> {
        let before = out.len();
        while let Some(item) = self.next_frame() {
            match item {
                Ok(frame) => out.push(frame),
                Err(e) if out.len() == before => return Err(e),
                Err(e) => {
                    self.held = Some(e);
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Declares the end of the stream: an unfinished frame or trailing
    /// garbage becomes an issue. The decoder can be reused afterwards.
    pub fn finish(&mut self) {
        self.flush_garbage();
        if self.state == State::Frame {
            self.issues.push(MllpIssue {
                kind: MllpIssueKind::TruncatedFrame,
                offset: self.frame_start,
                length: self.offset - self.frame_start,
            });
            self.frame.clear();
        }
        self.state = State::Idle;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn decode_all(
        wire: &[u8],
        chunk: usize,
        max: usize,
    ) -> (Vec<Vec<u8>>, Vec<MllpIssue>, Vec<MllpIssue>) {
        let mut d = Decoder::with_max_frame_size(max);
        let mut frames = Vec::new();
        let mut errors = Vec::new();
        for c in wire.chunks(chunk.max(1)) {
            d.push(c);
            while let Some(item) = d.next_frame() {
                match item {
                    Ok(f) => frames.push(f),
                    Err(e) => errors.push(e),
                }
            }
        }
        d.finish();
        (frames, d.take_issues(), errors)
    }

    #[test]
    fn any_chunking_gives_the_same_frames() {
        let wire = [
            encode(b"MSH|A\r"),
            b"\r\n".to_vec(),
            encode(b"MSH|B\rPID|1\r"),
            encode(b""),
        ]
        .concat();
        for chunk in 1..=wire.len() {
            let (frames, issues, errors) = decode_all(&wire, chunk, 100);
            assert_eq!(
                frames,
                vec![b"MSH|A\r".to_vec(), b"MSH|B\rPID|1\r".to_vec(), vec![]]
            );
            assert!(issues.is_empty() && errors.is_empty(), "chunk {chunk}");
        }
    }

    #[test]
    fn odd_framing_gives_issues_not_failures() {
        // garbage, frame without CR after FS, a frame cut by a new VT, a truncated tail
        let wire = b"xx\x0bA\x1cB\x0bC\x0bD\x1c\rzz\x0bE";
        for chunk in 1..=wire.len() {
            let (frames, issues, errors) = decode_all(wire, chunk, 100);
            assert_eq!(frames, vec![b"A".to_vec(), b"D".to_vec()], "chunk {chunk}");
            assert!(errors.is_empty());
            let got: Vec<_> = issues
                .iter()
                .map(|i| (i.code(), i.offset(), i.length()))
                .collect();
            assert_eq!(
                got,
                vec![
                    ("mllp_garbage", 0, 2),
                    ("mllp_missing_carriage_return", 5, 0),
                    ("mllp_garbage", 5, 1),
                    ("mllp_unterminated_frame", 6, 2),
                    ("mllp_garbage", 12, 2),
                    ("mllp_truncated_frame", 14, 2),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn oversized_frames_are_skipped_with_an_error() {
        let wire = [encode(b"ok"), encode(b"0123456789"), encode(b"next")].concat();
        for chunk in 1..=wire.len() {
            let (frames, issues, errors) = decode_all(&wire, chunk, 5);
            assert_eq!(frames, vec![b"ok".to_vec(), b"next".to_vec()]);
            assert!(issues.is_empty());
            assert_eq!(errors.len(), 1);
            assert_eq!(
                (errors[0].code(), errors[0].offset(), errors[0].length()),
                ("mllp_frame_too_large", 5, 5)
            );
        }
    }

    #[test]
    fn read_frames_returns_frames_before_the_error() {
        let wire = [encode(b"ok"), encode(b"0123456789"), encode(b"next")].concat();
        let mut d = Decoder::with_max_frame_size(5);
        d.push(&wire);
        let mut out = Vec::new();
        assert!(d.read_frames(&mut out).is_ok());
        assert_eq!(out, vec![b"ok".to_vec()]);
        assert_eq!(
            d.read_frames(&mut out).unwrap_err().code(),
            "mllp_frame_too_large"
        );
        assert!(d.read_frames(&mut out).is_ok());
        assert_eq!(out, vec![b"ok".to_vec(), b"next".to_vec()]);
    }
}
