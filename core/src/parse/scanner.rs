//! `Scanner`: the allocation-free reading API (works without `alloc`).

use crate::delimiters::{detect_terminator, read_header};
use crate::view::{Ctx, Segment, Seps};
use crate::{Charset, Delimiters, ParseError, SegmentTerminator};

/// Reads a message without allocating: segments are found one at a time and
/// fields on access. Use it on targets without an allocator; elsewhere
/// [`Message`](crate::Message) is faster for repeated access.
///
/// ```
/// let scanner = pipehat::Scanner::new(b"MSH|^~\\&|LAB\rPID|1||42^^^HOSP||DOE^JANE\r")?;
/// let pid = scanner.segments().find(|s| s.name() == "PID").unwrap();
/// assert_eq!(pid.field(5).unwrap().component(2).unwrap().as_bytes(), b"JANE");
/// # Ok::<(), pipehat::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Scanner<'a> {
    input: &'a [u8],
    start: usize,
    delimiters: Delimiters,
    terminator: SegmentTerminator,
    charset: Charset,
}

impl<'a> Scanner<'a> {
    /// Reads the header and detects the segment terminator.
    pub fn new(input: &'a [u8]) -> Result<Self, ParseError> {
        let mut scanner = Scanner::new_without_charset(input)?;
        scanner.read_charset();
        Ok(scanner)
    }

    fn new_without_charset(input: &'a [u8]) -> Result<Self, ParseError> {
        let mut start = 0;
        if input.starts_with(b"\xEF\xBB\xBF") {
            start = 3;
        }
        while start < input.len() && matches!(input[start], b'\r' | b'\n' | b' ' | b'\t' | 0x0B) {
            start += 1;
        }
        if start >= input.len() {
            return Err(ParseError::new(crate::ErrorKind::Empty, input.len()));
        }
        let header = read_header(input, start)?;
        let terminator = detect_terminator(input, header.after_encoding, input.len());
        Ok(Scanner {
            input,
            start,
            delimiters: header.delimiters,
            terminator,
            charset: Charset::Unspecified,
        })
    }

    fn read_charset(&mut self) {
        if let Some(msh) = self.segments().find(|s| s.name_bytes() == b"MSH") {
            if let Some(f) = msh.field(18) {
                self.charset = Charset::from_msh18(f.as_bytes());
            }
        }
    }

    /// The delimiters declared by the header.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// The segment terminator detected from the first segment.
    pub fn segment_terminator(&self) -> SegmentTerminator {
        self.terminator
    }

    /// The character set declared in MSH-18.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The segments, found one at a time.
    pub fn segments(&self) -> ScanSegments<'a> {
        ScanSegments {
            scanner: *self,
            pos: self.start,
            index: 0,
        }
    }
}

/// The first MSH segment of `input` with its field separators recorded in
/// `seps` (when they fit): what a filter that reads only the header needs,
/// without the per-field searches of [`Scanner`]. A batch or file header
/// (`BHS`, `FHS`) first is handled by scanning on to the MSH.
pub(crate) fn header_segment<'a>(
    input: &'a [u8],
    seps: &'a mut [u32; 64],
) -> Result<Option<Segment<'a>>, ParseError> {
    let scanner = Scanner::new_without_charset(input)?;
    let start = scanner.start;
    if &input[start..start + 3] != b"MSH" || input.len() > u32::MAX as usize {
        let mut scanner = scanner;
        scanner.read_charset();
        return Ok(scanner.segments().find(|s| s.name_bytes() == b"MSH"));
    }
    let term = if scanner.terminator == SegmentTerminator::Lf {
        b'\n'
    } else {
        b'\r'
    };
    let end = memchr::memchr2(term, 0x1C, &input[start..]).map_or(input.len(), |p| start + p);
    let field = scanner.delimiters.field();
    let mut n = 0;
    for (i, &b) in input[start..end].iter().enumerate() {
        if b == field {
            if n == seps.len() {
                // More fields than fit: find them on access instead.
                let mut scanner = scanner;
                scanner.read_charset();
                return Ok(scanner.segments().next());
            }
            seps[n] = (start + i) as u32;
            n += 1;
        }
    }
    let seps: &'a [u32] = seps;
    let seps = &seps[..n];
    // MSH-18 is after the 17th separator (MSH-1 is the first one).
    let charset = match (seps.get(16), seps.get(17)) {
        (Some(&a), b) => {
            let b = b.map_or(end, |&b| b as usize);
            Charset::from_msh18(&input[a as usize + 1..b])
        }
        _ => Charset::Unspecified,
    };
    let ctx = Ctx {
        delimiters: scanner.delimiters,
        charset,
    };
    Ok(Some(Segment::new(
        input,
        start,
        end,
        Seps::Indexed(seps),
        ctx,
        0,
    )))
}

/// Iterator returned by [`Scanner::segments`].
#[derive(Debug, Clone)]
pub struct ScanSegments<'a> {
    scanner: Scanner<'a>,
    pos: usize,
    index: usize,
}

impl<'a> Iterator for ScanSegments<'a> {
    type Item = Segment<'a>;
    fn next(&mut self) -> Option<Segment<'a>> {
        let input = self.scanner.input;
        let term = if self.scanner.terminator == SegmentTerminator::Lf {
            b'\n'
        } else {
            b'\r'
        };
        loop {
            while self.pos < input.len() && matches!(input[self.pos], b'\r' | b'\n') {
                self.pos += 1;
            }
            if self.pos >= input.len() || input[self.pos] == 0x1C {
                return None;
            }
            let start = self.pos;
            let end =
                memchr::memchr2(term, 0x1C, &input[start..]).map_or(input.len(), |p| start + p);
            self.pos = end;
            if end > start {
                let ctx = Ctx {
                    delimiters: self.scanner.delimiters,
                    charset: self.scanner.charset,
                };
                let segment = Segment::new(input, start, end, Seps::Scan, ctx, self.index);
                self.index += 1;
                return Some(segment);
            }
        }
    }
}
