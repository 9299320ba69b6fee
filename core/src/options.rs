//! Parse options: terminator, strictness and resource limits.

use crate::SegmentTerminator;

/// How to parse. Every option has a documented default; build with
/// `ParseOptions::default()` and the setter methods.
///
/// ```
/// use pipehat::{ParseOptions, SegmentTerminator};
/// let options = ParseOptions::default().strict(true).segment_terminator(Some(SegmentTerminator::Lf));
/// assert!(options.is_strict());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Force the segment terminator instead of detecting it. Default `None`:
    /// detected from the first terminator after the header (`\r`, `\n` or `\r\n`).
    pub segment_terminator: Option<SegmentTerminator>,
    /// Reject the message when a diagnostic of warning or error severity is
    /// found (malformed escapes and charset problems included). Default `false`.
    pub strict: bool,
    /// Largest input accepted, in bytes. Default 256 MiB (inputs are indexed with u32 offsets: at most 4 GiB).
    pub max_message_size: usize,
    /// Most segments accepted. Default 1,000,000.
    pub max_segments: usize,
    /// Longest field accepted, in bytes. Default 64 MiB (a base64 PDF in OBX-5 fits).
    pub max_field_length: usize,
    /// Index segment boundaries only and find a segment's fields when it is
    /// read. Default `false`. Parsing costs a fraction as much, and reading a
    /// few paths from each message is faster; reading every field (JSON,
    /// validation, walking all fields) is slower, because each access scans
    /// its segment. Errors, diagnostics and values are the same either way.
    pub lazy: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            segment_terminator: None,
            strict: false,
            max_message_size: 256 << 20,
            max_segments: 1_000_000,
            max_field_length: 64 << 20,
            lazy: false,
        }
    }
}

impl ParseOptions {
    /// Sets [`segment_terminator`](Self::segment_terminator).
    pub const fn segment_terminator(mut self, terminator: Option<SegmentTerminator>) -> Self {
        self.segment_terminator = terminator;
        self
    }
    /// Sets [`strict`](Self::strict).
    pub const fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
    /// Whether strict mode is on.
    pub const fn is_strict(&self) -> bool {
        self.strict
    }
    /// Sets [`max_message_size`](Self::max_message_size).
    pub const fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }
    /// Sets [`max_segments`](Self::max_segments).
    pub const fn max_segments(mut self, segments: usize) -> Self {
        self.max_segments = segments;
        self
    }
    /// Sets [`max_field_length`](Self::max_field_length).
    pub const fn max_field_length(mut self, bytes: usize) -> Self {
        self.max_field_length = bytes;
        self
    }
    /// Sets [`lazy`](Self::lazy).
    pub const fn lazy(mut self, lazy: bool) -> Self {
        self.lazy = lazy;
        self
    }
}
