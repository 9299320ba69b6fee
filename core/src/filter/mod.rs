//! Filter expressions and routes: decide which messages go where.
//!
//! An expression is compiled once ([`Filter::parse`]) and evaluated on each
//! message, reading only the values it names:
//!
//! ```text
//! MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")
//! PV1-2 != "O"
//! exists(PID-29)
//! OBX-5 ~ /^pos/i
//! PID-7 < 19500101
//! any(OBX-3.1 = "2345-7" and OBX-5 > 200)
//! not (MSH-11 = "T" or all(OBX-11 = "P"))
//! ```
//!
//! **Values.** A path reads the decoded value (escapes decoded, character set
//! applied) of the first occurrence of its segment and the first repetition
//! of its field, unless the path names them (`OBX[2]-5`, `PID-3(2).1`). An
//! absent value reads as the empty string, so `PV1-2 != "O"` holds when PV1 is
//! missing, and `PID-29 = ""` when PID-29 is empty or absent.
//!
//! **Comparisons.** `=` and `!=` compare text with a quoted literal, and
//! numbers with an unquoted one (`OBX-5 = 10` holds for `10.0`). `<`, `<=`,
//! `>`, `>=` compare numbers, or dates when the literal is a date written as
//! 8, 10, 12 or 14 digits (`YYYYMMDD[HH[MM[SS]]]`, compared at the coarser
//! of the two precisions, offsets ignored), or text when the literal is
//! quoted. A value that is not a number (or not a date) makes an ordering
//! comparison false. Between two paths, dates are tried first, then numbers,
//! then text. `in ("A", "B")` holds when the value equals one of the
//! literals; `~ /re/` when the regular expression matches somewhere in the
//! value (`!~` when it does not; flag `i` ignores ASCII case; classes such as
//! `\d` and `\w` are ASCII).
//!
//! **Quantifiers.** Inside `any(...)`, the expression is tried with every
//! occurrence of each segment it names without an explicit occurrence (the
//! same occurrence for every path of one segment, so `any(OBX-3.1 = "X" and
//! OBX-5 > 1)` looks at one OBX at a time), and every comparison holds when
//! one repetition satisfies it. `all(...)` holds when the expression is true
//! for every occurrence and every comparison holds for every repetition. A
//! segment that is absent counts as one occurrence with empty values.
//!
//! **Syntax.** `and` binds tighter than `or`; `not` applies to what follows;
//! parentheses group. Keywords are case-insensitive. Strings use double or
//! single quotes with `\` escaping the quote and `\` itself. A compiled
//! filter is at most [`MAX_DEPTH`] levels deep.
//!
//! ```
//! use pipehat::{filter::Filter, Message};
//! let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5\rPID|1||7^^^H||DOE^JO||19480202\r")?;
//! let f = Filter::parse(r#"MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A08") and PID-7 < 19500101"#)?;
//! assert!(f.matches(&msg));
//! assert!(!Filter::parse("exists(PV1-2)")?.matches(&msg));
//! assert_eq!(Filter::parse("PID-5 = ").unwrap_err().code(), "expected_value");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod eval;
mod lexer;
mod parser;

use crate::{Message, ParseError};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use eval::{Eval, Source};
use lexer::Lexer;
use parser::{walk, Expr, Parser, Quant};

/// How deeply expressions may nest (parentheses, `not`, `and`/`or` chains
/// count one level each); deeper expressions are refused with `too_deep`.
pub const MAX_DEPTH: usize = 64;

crate::error::kinds! {
    /// What is wrong with a filter expression.
    pub enum FilterErrorKind {
        /// The expression is empty.
        EmptyExpression => "empty_expression", "the expression is empty";
        /// A character that starts no token.
        UnexpectedCharacter => "unexpected_character", "a character that starts no token";
        /// A token out of place.
        UnexpectedToken => "unexpected_token", "a token out of place";
        /// The expression ends too early.
        UnexpectedEnd => "unexpected_end", "the expression ends too early";
        /// A path, a string or a number was expected.
        ExpectedValue => "expected_value", "expected a path, a string or a number";
        /// A comparison operator was expected.
        ExpectedOperator => "expected_operator", "expected a comparison operator";
        /// A path was expected.
        ExpectedPath => "expected_path", "expected a path";
        /// A string is not closed.
        UnterminatedString => "unterminated_string", "a string is not closed";
        /// A regular expression is not closed.
        UnterminatedRegex => "unterminated_regex", "a regular expression is not closed";
        /// The regular expression does not compile.
        InvalidRegex => "invalid_regex", "the regular expression does not compile";
        /// A path does not parse.
        InvalidPath => "invalid_path", "the path does not parse";
        /// The expression nests deeper than [`MAX_DEPTH`].
        TooDeep => "too_deep", "the expression nests too deeply";
        /// `~ /re/` in a build without the `regex` feature.
        RegexUnsupported => "regex_unsupported", "regular expressions are not available in this build";
    }
}

/// An expression that could not be compiled. The text names the problem and
/// its character offset in the expression, never the expression's literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterError {
    kind: FilterErrorKind,
    offset: usize,
}

impl FilterError {
    pub(super) const fn new(kind: FilterErrorKind, offset: usize) -> Self {
        FilterError { kind, offset }
    }
    /// What is wrong.
    pub const fn kind(&self) -> FilterErrorKind {
        self.kind
    }
    /// The stable code of the kind (see [`FilterErrorKind`]).
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// 0-based byte offset in the expression where the problem starts.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::error::{write_error, Place};
        f.write_str("invalid filter: ")?;
        write_error(
            f,
            self.kind.describe(),
            self.code(),
            [Place::Character(self.offset)],
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FilterError {}

// ---------------------------------------------------------------- API

/// A compiled filter expression; see the [module documentation](self) for the language.
#[derive(Debug)]
pub struct Filter {
    expr: Expr,
    header_only: bool,
}

impl Filter {
    /// Compiles an expression.
    pub fn parse(expression: &str) -> Result<Filter, FilterError> {
        let toks = Lexer {
            text: expression,
            pos: 0,
        }
        .tokens()?;
        if toks.is_empty() {
            return Err(FilterError::new(FilterErrorKind::EmptyExpression, 0));
        }
        let mut parser = Parser {
            toks,
            pos: 0,
            end: expression.len(),
            depth: 0,
        };
        let expr = parser.or()?;
        if parser.pos < parser.toks.len() {
            return Err(FilterError::new(
                FilterErrorKind::UnexpectedToken,
                parser.offset(),
            ));
        }
        let mut header_only = true;
        walk(&expr, true, &mut |p| {
            header_only &= p.path.segment_bytes() == b"MSH" && p.path.occurrence() == 1;
        });
        Ok(Filter { expr, header_only })
    }

    /// Whether the expression holds for `message`.
    pub fn matches(&self, message: &Message<'_>) -> bool {
        self.eval(&Source::Message(message))
    }

    /// Whether the expression holds for the message in `bytes`. When the
    /// expression reads only MSH, only the header segment is read (no
    /// index is built); otherwise the message is parsed with default options.
    pub fn matches_bytes(&self, bytes: &[u8]) -> Result<bool, ParseError> {
        if self.header_only {
            let mut seps = [0u32; 64];
            let msh = crate::parse::scanner::header_segment(bytes, &mut seps)?;
            return Ok(self.eval(&Source::Header(msh)));
        }
        Ok(self.matches(&Message::parse(bytes)?))
    }

    /// Splits `input` (a file, batch or MLLP capture) into messages and
    /// evaluates the filter on each: the byte ranges of the matching messages
    /// and the messages that could not be read, with their errors.
    ///
    /// ```
    /// let f = pipehat::filter::Filter::parse(r#"MSH-9.1 = "ADT""#)?;
    /// let file = b"MSH|^~\\&|||||||ADT^A01|1|P|2.5\rMSH|^~\\&|||||||ORU^R01|2|P|2.5\r";
    /// let scan = f.scan(file);
    /// assert_eq!((scan.total, scan.matched.len(), scan.unreadable.len()), (2, 1, 0));
    /// assert!(file[scan.matched[0].clone()].ends_with(b"|1|P|2.5\r"));
    /// # Ok::<(), pipehat::filter::FilterError>(())
    /// ```
    pub fn scan(&self, input: &[u8]) -> Scan {
        let mut out = Scan::default();
        for chunk in crate::stream::split(input) {
            if chunk.kind() != crate::stream::ChunkKind::Message {
                continue;
            }
            out.total += 1;
            let start = chunk.offset();
            match self.matches_bytes(chunk.as_bytes()) {
                Ok(true) => out.matched.push(start..start + chunk.as_bytes().len()),
                Ok(false) => {}
                Err(e) => out.unreadable.push((start, e)),
            }
        }
        out
    }

    /// The matching messages of `input` (a file, batch or MLLP capture), as
    /// slices of it; unreadable messages are left out (see [`scan`](Self::scan)).
    pub fn select<'i>(&self, input: &'i [u8]) -> Vec<&'i [u8]> {
        self.scan(input)
            .matched
            .into_iter()
            .map(|range| &input[range])
            .collect()
    }

    /// How many messages of `input` match.
    pub fn count(&self, input: &[u8]) -> usize {
        self.scan(input).matched.len()
    }

    /// [`scan`](Self::scan) for a stream of any size (a file, a socket),
    /// in bounded memory: messages are read a batch at a time (about 16
    /// MiB), filtered on `threads` threads (0: every core), and each match
    /// is handed to `matched(offset, bytes)` in stream order. Messages that
    /// cannot be read are listed with their offset and error code (a parse
    /// error's, or `message_too_large` for one over 256 MiB).
    ///
    /// ```
    /// let f = pipehat::filter::Filter::parse(r#"MSH-9.1 = "ADT""#)?;
    /// let file: &[u8] = b"MSH|^~\\&|||||||ADT^A01|1|P|2.5\rMSH|^~\\&|||||||ORU^R01|2|P|2.5\r";
    /// let mut offsets = Vec::new();
    /// let scan = f.scan_reader(file, 0, |offset, _| offsets.push(offset))?;
    /// assert_eq!((scan.total, scan.matched, offsets), (2, 1, vec![0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn scan_reader<R: std::io::Read>(
        &self,
        input: R,
        threads: usize,
        mut matched: impl FnMut(u64, &[u8]),
    ) -> std::io::Result<ReaderScan> {
        use crate::stream::{Batch, BatchItem, MessageReader};
        let mut out = ReaderScan::default();
        let mut reader = MessageReader::new(input);
        let mut batch = Batch::default();
        while reader.read_batch(&mut batch, 16 << 20)? {
            let items: Vec<&BatchItem> = batch.items().iter().filter(|i| i.is_message()).collect();
            let results = crate::par::map_parts(
                &items,
                threads,
                |part, _| {
                    part.iter()
                        .map(|item| match item {
                            BatchItem::TooLarge { .. } => Err("message_too_large"),
                            _ => self.matches_bytes(batch.bytes(item)).map_err(|e| e.code()),
                        })
                        .collect::<Vec<_>>()
                },
                |part| alloc::vec![Err("internal_error"); part.len()],
            );
            for (item, result) in items.iter().zip(results.into_iter().flatten()) {
                out.total += 1;
                match result {
                    Ok(true) => {
                        out.matched += 1;
                        matched(item.offset(), batch.bytes(item));
                    }
                    Ok(false) => {}
                    Err(code) => out.unreadable.push((item.offset(), code)),
                }
            }
        }
        Ok(out)
    }

    /// Whether evaluation reads only the MSH segment.
    pub fn reads_header_only(&self) -> bool {
        self.header_only
    }

    fn eval(&self, src: &Source<'_>) -> bool {
        Eval {
            src,
            bound: Vec::new(),
        }
        .eval(&self.expr, Quant::First)
    }
}

/// What [`Filter::scan`] found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Messages seen.
    pub total: usize,
    /// Byte ranges of the matching messages in the input.
    pub matched: Vec<core::ops::Range<usize>>,
    /// Messages that could not be read: their offset in the input and the error.
    pub unreadable: Vec<(usize, ParseError)>,
}

/// What [`Filter::scan_reader`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderScan {
    /// Messages seen.
    pub total: usize,
    /// Messages that matched.
    pub matched: usize,
    /// Messages that could not be read: their offset in the stream and the
    /// error code.
    pub unreadable: Vec<(u64, &'static str)>,
}

impl core::str::FromStr for Filter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Filter, FilterError> {
        Filter::parse(s)
    }
}

/// Named routes: each a filter and a destination name; a message goes to
/// every destination whose filter holds, in the order the routes were added.
///
/// ```
/// use pipehat::{filter::Router, Message};
/// let mut router = Router::new();
/// router.add("adt", r#"MSH-9.1 = "ADT""#)?;
/// router.add("updates", r#"MSH-9 ~ /^ADT\^A08/"#)?;
/// router.add("labs", r#"MSH-9.1 = "ORU""#)?;
/// let msg = Message::parse(b"MSH|^~\\&|||||||ADT^A08|1|P|2.5\r")?;
/// assert_eq!(router.destinations(&msg), ["adt", "updates"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Router {
    routes: Vec<(String, Filter)>,
}

impl Router {
    /// A router without routes.
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds a route; the expression's error is returned unchanged.
    pub fn add(&mut self, destination: &str, expression: &str) -> Result<(), FilterError> {
        let filter = Filter::parse(expression)?;
        self.routes.push((String::from(destination), filter));
        Ok(())
    }

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether no route was added.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The destinations whose filters hold for `message`, in route order (a
    /// destination named by several matching routes appears once).
    pub fn destinations(&self, message: &Message<'_>) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (name, filter) in &self.routes {
            if !out.contains(&name.as_str()) && filter.matches(message) {
                out.push(name);
            }
        }
        out
    }
}
