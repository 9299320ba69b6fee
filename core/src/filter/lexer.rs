//! The expression's tokens.

use super::{FilterError, FilterErrorKind};
use crate::datatype::parse_number;
use crate::Path;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A path with a note of which indexes were written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PathRef {
    pub(super) path: Path,
    pub(super) occurrence_given: bool,
    pub(super) repetition_given: bool,
}

pub(super) struct Lexer<'e> {
    pub(super) text: &'e str,
    pub(super) pos: usize,
}

impl Lexer<'_> {
    pub(super) fn tokens(mut self) -> Result<Vec<(Tok, usize)>, FilterError> {
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
                _ => {
                    return Err(FilterError::new(
                        FilterErrorKind::UnexpectedCharacter,
                        start,
                    ))
                }
            };
            out.push((tok, start));
            self.pos = start + len;
        }
    }

    /// A quoted string; returns its unescaped text and its length with quotes.
    pub(super) fn string(&self, quote: u8) -> Result<(Tok, usize), FilterError> {
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
        Err(FilterError::new(
            FilterErrorKind::UnterminatedString,
            self.pos,
        ))
    }

    /// `/pattern/flags`; `\/` stands for a slash, other escapes go to the regex.
    pub(super) fn regex(&self) -> Result<(Tok, usize), FilterError> {
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
                                return Err(FilterError::new(
                                    FilterErrorKind::InvalidRegex,
                                    self.pos + i + 2 + k,
                                ))
                            }
                        }
                    }
                    return Ok((Tok::Regex(pattern, insensitive), i + 2 + flags));
                }
                c => pattern.push(c),
            }
        }
        Err(FilterError::new(
            FilterErrorKind::UnterminatedRegex,
            self.pos,
        ))
    }

    pub(super) fn number(&self) -> Result<(Tok, usize), FilterError> {
        let bytes = &self.text.as_bytes()[self.pos..];
        let mut n = usize::from(matches!(bytes[0], b'-' | b'+'));
        let digits_start = n;
        while n < bytes.len() && (bytes[n].is_ascii_digit() || bytes[n] == b'.') {
            n += 1;
        }
        let text = &self.text[self.pos..self.pos + n];
        if n == digits_start || parse_number(text).is_err() {
            return Err(FilterError::new(
                FilterErrorKind::UnexpectedCharacter,
                self.pos,
            ));
        }
        Ok((Tok::Num(String::from(text)), n))
    }

    /// A keyword, or a path: `SEG[n]-f(r).c.s` (or `SEG.f.c`).
    pub(super) fn word(&self) -> Result<(Tok, usize), FilterError> {
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
            let path = Path::parse(text).map_err(|e| {
                FilterError::new(FilterErrorKind::InvalidPath, self.pos + e.offset())
            })?;
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
            _ => return Err(FilterError::new(FilterErrorKind::UnexpectedToken, self.pos)),
        };
        Ok((tok, name))
    }
}
