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

use crate::datatype::{parse_number, DateTime};
use crate::{Message, ParseError, Path, Segment};
use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

/// How deeply expressions may nest (parentheses, `not`, `and`/`or` chains
/// count one level each); deeper expressions are refused with `too_deep`.
pub const MAX_DEPTH: usize = 64;

/// An expression that could not be compiled. The text names the problem and
/// its character offset in the expression, never the expression's literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterError {
    code: &'static str,
    offset: usize,
}

impl FilterError {
    const fn new(code: &'static str, offset: usize) -> Self {
        FilterError { code, offset }
    }
    /// A stable identifier: `empty_expression`, `unexpected_character`,
    /// `unexpected_token`, `unexpected_end`, `expected_value`,
    /// `expected_operator`, `expected_path`, `unterminated_string`,
    /// `unterminated_regex`, `invalid_regex`, `invalid_path`, `too_deep`,
    /// `regex_unsupported` (built without the `regex` feature).
    pub const fn code(&self) -> &'static str {
        self.code
    }
    /// 0-based byte offset in the expression where the problem starts.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.code {
            "empty_expression" => "the expression is empty",
            "unexpected_character" => "a character that starts no token",
            "unexpected_token" => "a token out of place",
            "unexpected_end" => "the expression ends too early",
            "expected_value" => "expected a path, a string or a number",
            "expected_operator" => "expected a comparison operator",
            "expected_path" => "expected a path",
            "unterminated_string" => "a string is not closed",
            "unterminated_regex" => "a regular expression is not closed",
            "invalid_regex" => "the regular expression does not compile",
            "invalid_path" => "the path does not parse",
            "too_deep" => "the expression nests too deeply",
            _ => "regular expressions are not available in this build",
        };
        write!(
            f,
            "invalid filter: {what} ({}, at character {})",
            self.code, self.offset
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FilterError {}

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Path(PathRef),
    Str(String),
    Num(String),
    Regex(String, bool),
    Op(CmpOp),
    Match(bool),
    LParen,
    RParen,
    Comma,
    And,
    Or,
    Not,
    In,
    Exists,
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A path with a note of which indexes were written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PathRef {
    path: Path,
    occurrence_given: bool,
    repetition_given: bool,
}

struct Lexer<'e> {
    text: &'e str,
    pos: usize,
}

impl Lexer<'_> {
    fn tokens(mut self) -> Result<Vec<(Tok, usize)>, FilterError> {
        let mut out = Vec::new();
        loop {
            let bytes = self.text.as_bytes();
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            let start = self.pos;
            let Some(&c) = bytes.get(start) else {
                return Ok(out);
            };
            let (tok, len) = match c {
                b'(' => (Tok::LParen, 1),
                b')' => (Tok::RParen, 1),
                b',' => (Tok::Comma, 1),
                b'=' if bytes.get(start + 1) == Some(&b'=') => (Tok::Op(CmpOp::Eq), 2),
                b'=' => (Tok::Op(CmpOp::Eq), 1),
                b'!' if bytes.get(start + 1) == Some(&b'=') => (Tok::Op(CmpOp::Ne), 2),
                b'!' if bytes.get(start + 1) == Some(&b'~') => (Tok::Match(true), 2),
                b'<' if bytes.get(start + 1) == Some(&b'=') => (Tok::Op(CmpOp::Le), 2),
                b'<' if bytes.get(start + 1) == Some(&b'>') => (Tok::Op(CmpOp::Ne), 2),
                b'<' => (Tok::Op(CmpOp::Lt), 1),
                b'>' if bytes.get(start + 1) == Some(&b'=') => (Tok::Op(CmpOp::Ge), 2),
                b'>' => (Tok::Op(CmpOp::Gt), 1),
                b'~' => (Tok::Match(false), 1),
                b'"' | b'\'' => self.string(c)?,
                b'/' => self.regex()?,
                b'-' | b'+' | b'0'..=b'9' => self.number()?,
                c if c.is_ascii_alphabetic() => self.word()?,
                _ => return Err(FilterError::new("unexpected_character", start)),
            };
            out.push((tok, start));
            self.pos = start + len;
        }
    }

    /// A quoted string; returns its unescaped text and its length with quotes.
    fn string(&self, quote: u8) -> Result<(Tok, usize), FilterError> {
        let rest = &self.text[self.pos + 1..];
        let mut value = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '\\' => match chars.next() {
                    Some((_, next)) => value.push(next),
                    None => break,
                },
                c if c as u32 == u32::from(quote) => return Ok((Tok::Str(value), i + 2)),
                c => value.push(c),
            }
        }
        Err(FilterError::new("unterminated_string", self.pos))
    }

    /// `/pattern/flags`; `\/` stands for a slash, other escapes go to the regex.
    fn regex(&self) -> Result<(Tok, usize), FilterError> {
        let rest = &self.text[self.pos + 1..];
        let mut pattern = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '\\' => match chars.next() {
                    Some((_, '/')) => pattern.push('/'),
                    Some((_, next)) => {
                        pattern.push('\\');
                        pattern.push(next);
                    }
                    None => break,
                },
                '/' => {
                    let after = &rest[i + 1..];
                    let flags = after.bytes().take_while(u8::is_ascii_alphabetic).count();
                    let mut insensitive = false;
                    for (k, f) in after.bytes().take(flags).enumerate() {
                        match f {
                            b'i' => insensitive = true,
                            _ => {
                                return Err(FilterError::new("invalid_regex", self.pos + i + 2 + k))
                            }
                        }
                    }
                    return Ok((Tok::Regex(pattern, insensitive), i + 2 + flags));
                }
                c => pattern.push(c),
            }
        }
        Err(FilterError::new("unterminated_regex", self.pos))
    }

    fn number(&self) -> Result<(Tok, usize), FilterError> {
        let bytes = &self.text.as_bytes()[self.pos..];
        let mut n = usize::from(matches!(bytes[0], b'-' | b'+'));
        let digits_start = n;
        while n < bytes.len() && (bytes[n].is_ascii_digit() || bytes[n] == b'.') {
            n += 1;
        }
        let text = &self.text[self.pos..self.pos + n];
        if n == digits_start || parse_number(text).is_err() {
            return Err(FilterError::new("unexpected_character", self.pos));
        }
        Ok((Tok::Num(String::from(text)), n))
    }

    /// A keyword, or a path: `SEG[n]-f(r).c.s` (or `SEG.f.c`).
    fn word(&self) -> Result<(Tok, usize), FilterError> {
        let bytes = &self.text.as_bytes()[self.pos..];
        let name = bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let next = bytes.get(name).copied();
        if matches!(next, Some(b'-' | b'.' | b'[')) {
            let len = bytes
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || b"-.[]()".contains(b)))
                .unwrap_or(bytes.len());
            // A path's own parentheses hold a repetition number; a closing
            // parenthesis without its opening one belongs to the expression.
            let mut depth = 0i32;
            let mut end = len;
            for (i, &b) in bytes[..len].iter().enumerate() {
                match b {
                    b'(' => depth += 1,
                    b')' if depth == 0 => {
                        end = i;
                        break;
                    }
                    b')' => depth -= 1,
                    _ => {}
                }
            }
            let text = &self.text[self.pos..self.pos + end];
            let path = Path::parse(text)
                .map_err(|e| FilterError::new("invalid_path", self.pos + e.offset()))?;
            let tok = Tok::Path(PathRef {
                path,
                occurrence_given: text.contains('['),
                repetition_given: text.contains('('),
            });
            return Ok((tok, end));
        }
        let word = &self.text[self.pos..self.pos + name];
        let tok = match word.to_ascii_lowercase().as_str() {
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "in" => Tok::In,
            "exists" => Tok::Exists,
            "any" => Tok::Any,
            "all" => Tok::All,
            _ => return Err(FilterError::new("unexpected_token", self.pos)),
        };
        Ok((tok, name))
    }
}

// ---------------------------------------------------------------- tree

#[derive(Debug, Clone)]
enum Operand {
    Path(PathRef),
    Literal(Literal),
}

#[derive(Debug, Clone)]
struct Literal {
    text: String,
    quoted: bool,
    number: Option<f64>,
    date: Option<DateTime>,
}

impl Literal {
    fn new(text: String, quoted: bool) -> Literal {
        let (number, date) = if quoted {
            (None, None)
        } else {
            let date = matches!(text.len(), 8 | 10 | 12 | 14)
                .then(|| DateTime::parse(&text).ok())
                .flatten();
            (parse_number(&text).ok(), date)
        };
        Literal {
            text,
            quoted,
            number,
            date,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quant {
    /// Outside any quantifier: first occurrence, first repetition.
    First,
    Any,
    All,
}

#[derive(Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(PathRef),
    Quantified(Quant, Box<Expr>, Vec<[u8; 3]>),
    Compare(Operand, CmpOp, Operand),
    In(Operand, Vec<Literal>),
    Match(Operand, Pattern, bool),
}

#[cfg(feature = "regex")]
type Pattern = regex_lite::Regex;
#[cfg(not(feature = "regex"))]
type Pattern = ();

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.1)
    }
    fn next(&mut self) -> Option<(Tok, usize)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, want: &Tok) -> Result<(), FilterError> {
        match self.next() {
            Some((t, _)) if &t == want => Ok(()),
            Some((_, at)) => Err(FilterError::new("unexpected_token", at)),
            None => Err(FilterError::new("unexpected_end", self.end)),
        }
    }
    /// One more level of nesting, for the token at `at`.
    fn deeper(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new("too_deep", at));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        self.chain(&Tok::Or, Parser::and, Expr::Or)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        self.chain(&Tok::And, Parser::unary, Expr::And)
    }

    /// `operand (op operand)*`, left-associative; each link is a level of nesting.
    fn chain(
        &mut self,
        op: &Tok,
        operand: fn(&mut Parser) -> Result<Expr, FilterError>,
        join: fn(Box<Expr>, Box<Expr>) -> Expr,
    ) -> Result<Expr, FilterError> {
        let mut left = operand(self)?;
        while self.peek() == Some(op) {
            self.deeper(self.offset())?;
            self.pos += 1;
            left = join(Box::new(left), Box::new(operand(self)?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        let Some((tok, at)) = self.next() else {
            return Err(FilterError::new("unexpected_end", self.end));
        };
        match tok {
            Tok::Not => {
                self.deeper(at)?;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Tok::LParen => {
                self.deeper(at)?;
                let inner = self.or()?;
                self.expect(&Tok::RParen)?;
                Ok(inner)
            }
            Tok::Exists => {
                self.expect(&Tok::LParen)?;
                let path = match self.next() {
                    Some((Tok::Path(p), _)) => p,
                    Some((_, at)) => return Err(FilterError::new("expected_path", at)),
                    None => return Err(FilterError::new("unexpected_end", self.end)),
                };
                self.expect(&Tok::RParen)?;
                Ok(Expr::Exists(path))
            }
            Tok::Any | Tok::All => {
                self.deeper(at)?;
                self.expect(&Tok::LParen)?;
                let inner = self.or()?;
                self.expect(&Tok::RParen)?;
                let mut names = Vec::new();
                free_segments(&inner, &mut names);
                let quant = if tok == Tok::Any {
                    Quant::Any
                } else {
                    Quant::All
                };
                Ok(Expr::Quantified(quant, Box::new(inner), names))
            }
            tok => {
                let left = operand(tok, at)?;
                self.comparison(left)
            }
        }
    }

    fn comparison(&mut self, left: Operand) -> Result<Expr, FilterError> {
        let Some((tok, at)) = self.next() else {
            return Err(FilterError::new("unexpected_end", self.end));
        };
        match tok {
            Tok::Op(op) => {
                let Some((tok, at)) = self.next() else {
                    return Err(FilterError::new("expected_value", self.end));
                };
                Ok(Expr::Compare(left, op, operand(tok, at)?))
            }
            Tok::In => {
                self.expect(&Tok::LParen)?;
                let mut list = Vec::new();
                loop {
                    match self.next() {
                        Some((Tok::Str(s), _)) => list.push(Literal::new(s, true)),
                        Some((Tok::Num(s), _)) => list.push(Literal::new(s, false)),
                        Some((_, at)) => return Err(FilterError::new("expected_value", at)),
                        None => return Err(FilterError::new("expected_value", self.end)),
                    }
                    match self.next() {
                        Some((Tok::Comma, _)) => {}
                        Some((Tok::RParen, _)) => return Ok(Expr::In(left, list)),
                        Some((_, at)) => return Err(FilterError::new("unexpected_token", at)),
                        None => return Err(FilterError::new("unexpected_end", self.end)),
                    }
                }
            }
            Tok::Match(negated) => match self.next() {
                Some((Tok::Regex(pattern, insensitive), at)) => Ok(Expr::Match(
                    left,
                    compile(&pattern, insensitive, at)?,
                    negated,
                )),
                Some((_, at)) => Err(FilterError::new("expected_value", at)),
                None => Err(FilterError::new("expected_value", self.end)),
            },
            _ => Err(FilterError::new("expected_operator", at)),
        }
    }
}

fn operand(tok: Tok, at: usize) -> Result<Operand, FilterError> {
    match tok {
        Tok::Path(p) => Ok(Operand::Path(p)),
        Tok::Str(s) => Ok(Operand::Literal(Literal::new(s, true))),
        Tok::Num(s) => Ok(Operand::Literal(Literal::new(s, false))),
        _ => Err(FilterError::new("expected_value", at)),
    }
}

#[cfg(feature = "regex")]
fn compile(pattern: &str, insensitive: bool, at: usize) -> Result<Pattern, FilterError> {
    regex_lite::RegexBuilder::new(pattern)
        .case_insensitive(insensitive)
        .nest_limit(64)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| FilterError::new("invalid_regex", at))
}

#[cfg(not(feature = "regex"))]
fn compile(_: &str, _: bool, at: usize) -> Result<Pattern, FilterError> {
    Err(FilterError::new("regex_unsupported", at))
}

/// The segments named without an occurrence, for a quantifier to bind (an
/// inner quantifier binds its own).
fn free_segments(expr: &Expr, names: &mut Vec<[u8; 3]>) {
    walk(expr, false, &mut |p: &PathRef| {
        let name = *p.path.segment_bytes();
        if !p.occurrence_given && !names.contains(&name) {
            names.push(name);
        }
    });
}

/// Calls `f` on every path of `expr`, inside quantifiers too when `into_quantifiers`.
fn walk(expr: &Expr, into_quantifiers: bool, f: &mut impl FnMut(&PathRef)) {
    let operand = |o: &Operand, f: &mut dyn FnMut(&PathRef)| {
        if let Operand::Path(p) = o {
            f(p);
        }
    };
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            walk(a, into_quantifiers, f);
            walk(b, into_quantifiers, f);
        }
        Expr::Not(a) => walk(a, into_quantifiers, f),
        Expr::Quantified(_, a, _) => {
            if into_quantifiers {
                walk(a, into_quantifiers, f);
            }
        }
        Expr::Exists(p) => f(p),
        Expr::Compare(a, _, b) => {
            operand(a, f);
            operand(b, f);
        }
        Expr::In(o, _) | Expr::Match(o, ..) => operand(o, f),
    }
}

// ---------------------------------------------------------------- evaluation

/// Where evaluation finds segments: a parsed message, or only the header
/// segment of raw bytes when the expression reads nothing else.
enum Source<'s> {
    Message(&'s Message<'s>),
    Header(Option<Segment<'s>>),
}

impl<'s> Source<'s> {
    fn nth(&self, name: &[u8; 3], occurrence: u32) -> Option<Segment<'s>> {
        match self {
            Source::Message(m) => m.nth_named(name, occurrence),
            Source::Header(h) => h.filter(|h| occurrence == 1 && h.name_bytes() == name),
        }
    }
    fn count(&self, name: &[u8; 3]) -> u32 {
        match self {
            Source::Message(m) => m.count_named(name),
            Source::Header(h) => u32::from(h.is_some_and(|h| h.name_bytes() == name)),
        }
    }
}

/// Occurrences chosen by the enclosing quantifiers.
struct Env<'b> {
    quant: Quant,
    bound: &'b [([u8; 3], u32)],
}

impl Env<'_> {
    fn occurrence(&self, p: &PathRef) -> u32 {
        if p.occurrence_given {
            return p.path.occurrence();
        }
        let name = p.path.segment_bytes();
        self.bound
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(1, |&(_, o)| o)
    }

    /// Tests the values `p` reads: every repetition inside a quantifier (one
    /// must pass for `any`, all for `all`), the first or the named one
    /// otherwise. An absent value is tested as the empty string.
    fn test(&self, src: &Source<'_>, p: &PathRef, f: &mut dyn FnMut(&str) -> bool) -> bool {
        let segment = src.nth(p.path.segment_bytes(), self.occurrence(p));
        let field = segment
            .as_ref()
            .and_then(|s| s.field(p.path.field() as usize));
        let (Some(segment), Some(field)) = (segment, field) else {
            return f("");
        };
        let read = |r: u32| {
            crate::view::resolve(&segment, &p.path.with_repetition(r))
                .map_or(Cow::Borrowed(""), |v| v.value())
        };
        if segment.is_header() && p.path.field() <= 2 {
            // MSH-1 and MSH-2 are literal: no repetitions or components.
            return match p.path.component() {
                None => f(&field.value()),
                Some(_) => f(""),
            };
        }
        if p.repetition_given || self.quant == Quant::First {
            return f(&read(p.path.repetition().unwrap_or(1)));
        }
        let count = field.repetitions().count() as u32;
        match self.quant {
            Quant::All => (1..=count).all(|r| f(&read(r))),
            _ => (1..=count).any(|r| f(&read(r))),
        }
    }
}

fn compare_literal(value: &str, op: CmpOp, lit: &Literal) -> bool {
    let ord = if lit.quoted {
        Some(value.cmp(lit.text.as_str()))
    } else if let (Some(d), false) = (&lit.date, matches!(op, CmpOp::Eq | CmpOp::Ne)) {
        DateTime::parse(value).ok().map(|v| v.compare_coarse(d))
    } else {
        let v = parse_number(value).ok();
        v.zip(lit.number).and_then(|(a, b)| a.partial_cmp(&b))
    };
    apply(op, ord)
}

fn compare_values(a: &str, op: CmpOp, b: &str) -> bool {
    let ord = match (DateTime::parse(a), DateTime::parse(b)) {
        (Ok(x), Ok(y)) if !matches!(op, CmpOp::Eq | CmpOp::Ne) => Some(x.compare_coarse(&y)),
        _ => match (parse_number(a), parse_number(b)) {
            (Ok(x), Ok(y)) => x.partial_cmp(&y),
            _ => Some(a.cmp(b)),
        },
    };
    apply(op, ord)
}

/// An ordering that could not be found (not a number) satisfies only `!=`.
fn apply(op: CmpOp, ord: Option<Ordering>) -> bool {
    match (op, ord) {
        (CmpOp::Ne, None) => true,
        (_, None) => false,
        (CmpOp::Eq, Some(o)) => o == Ordering::Equal,
        (CmpOp::Ne, Some(o)) => o != Ordering::Equal,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

struct Eval<'s, 'r> {
    src: &'r Source<'s>,
    /// Occurrences bound by enclosing quantifiers (allocated only inside one).
    bound: Vec<([u8; 3], u32)>,
}

impl Eval<'_, '_> {
    fn eval(&mut self, expr: &Expr, quant: Quant) -> bool {
        let env = Env {
            quant,
            bound: &self.bound,
        };
        let src = self.src;
        match expr {
            Expr::And(a, b) => self.eval(a, quant) && self.eval(b, quant),
            Expr::Or(a, b) => self.eval(a, quant) || self.eval(b, quant),
            Expr::Not(a) => !self.eval(a, quant),
            Expr::Exists(p) => env.test(src, p, &mut |v| !v.is_empty()),
            Expr::Quantified(q, inner, names) => self.bind(*q, inner, names),
            Expr::Compare(left, op, right) => match (left, right) {
                (Operand::Path(p), Operand::Literal(l)) => {
                    env.test(src, p, &mut |v| compare_literal(v, *op, l))
                }
                (Operand::Literal(l), Operand::Path(p)) => {
                    env.test(src, p, &mut |v| compare_literal(v, flip(*op), l))
                }
                (Operand::Path(p), Operand::Path(q)) => env.test(src, p, &mut |x| {
                    env.test(src, q, &mut |y| compare_values(x, *op, y))
                }),
                (Operand::Literal(x), Operand::Literal(y)) => {
                    let ord = match (x.number, y.number) {
                        (Some(a), Some(b)) if !x.quoted && !y.quoted => a.partial_cmp(&b),
                        _ => Some(x.text.cmp(&y.text)),
                    };
                    apply(*op, ord)
                }
            },
            Expr::In(o, list) => {
                let mut test = |v: &str| list.iter().any(|l| compare_literal(v, CmpOp::Eq, l));
                match o {
                    Operand::Path(p) => env.test(src, p, &mut test),
                    Operand::Literal(l) => test(&l.text),
                }
            }
            Expr::Match(o, pattern, negated) => {
                let mut test = |v: &str| is_match(pattern, v) != *negated;
                match o {
                    Operand::Path(p) => env.test(src, p, &mut test),
                    Operand::Literal(l) => test(&l.text),
                }
            }
        }
    }

    /// Tries every choice of occurrences for `names[..]`.
    fn bind(&mut self, quant: Quant, inner: &Expr, names: &[[u8; 3]]) -> bool {
        let Some((name, rest)) = names.split_first() else {
            return self.eval(inner, quant);
        };
        let count = self.src.count(name).max(1);
        for occurrence in 1..=count {
            self.bound.push((*name, occurrence));
            let holds = self.bind(quant, inner, rest);
            self.bound.pop();
            match quant {
                Quant::All if !holds => return false,
                Quant::Any | Quant::First if holds => return true,
                _ => {}
            }
        }
        quant == Quant::All
    }
}

#[cfg(feature = "regex")]
fn is_match(pattern: &Pattern, value: &str) -> bool {
    pattern.is_match(value)
}

#[cfg(not(feature = "regex"))]
fn is_match(_: &Pattern, _: &str) -> bool {
    false
}

const fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

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
            return Err(FilterError::new("empty_expression", 0));
        }
        let mut parser = Parser {
            toks,
            pos: 0,
            end: expression.len(),
            depth: 0,
        };
        let expr = parser.or()?;
        if parser.pos < parser.toks.len() {
            return Err(FilterError::new("unexpected_token", parser.offset()));
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
