//! Expressions compiled: the parser, and what it builds.

use super::lexer::{CmpOp, PathRef, Tok};
use super::{FilterError, FilterErrorKind, MAX_DEPTH};
use crate::datatype::{parse_number, DateTime};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Debug, Clone)]
pub(super) enum Operand {
    Path(PathRef),
    Literal(Literal),
}

#[derive(Debug, Clone)]
pub(super) struct Literal {
    pub(super) text: String,
    pub(super) quoted: bool,
    pub(super) number: Option<f64>,
    pub(super) date: Option<DateTime>,
}

impl Literal {
    pub(super) fn new(text: String, quoted: bool) -> Literal {
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
pub(super) enum Quant {
    /// Outside any quantifier: first occurrence, first repetition.
    First,
    Any,
    All,
}

#[derive(Debug)]
pub(super) enum Expr {
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
pub(super) type Pattern = regex_lite::Regex;
#[cfg(not(feature = "regex"))]
pub(super) type Pattern = ();

pub(super) struct Parser {
    pub(super) toks: Vec<(Tok, usize)>,
    pub(super) pos: usize,
    pub(super) end: usize,
    pub(super) depth: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    pub(super) fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.1)
    }
    pub(super) fn next(&mut self) -> Option<(Tok, usize)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    pub(super) fn expect(&mut self, want: &Tok) -> Result<(), FilterError> {
        match self.next() {
            Some((t, _)) if &t == want => Ok(()),
            Some((_, at)) => Err(FilterError::new(FilterErrorKind::UnexpectedToken, at)),
            None => Err(FilterError::new(FilterErrorKind::UnexpectedEnd, self.end)),
        }
    }
    /// One more level of nesting, for the token at `at`.
    pub(super) fn deeper(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(FilterErrorKind::TooDeep, at));
        }
        Ok(())
    }

    pub(super) fn or(&mut self) -> Result<Expr, FilterError> {
        self.chain(&Tok::Or, Parser::and, Expr::Or)
    }

    pub(super) fn and(&mut self) -> Result<Expr, FilterError> {
        self.chain(&Tok::And, Parser::unary, Expr::And)
    }

    /// `operand (op operand)*`, left-associative; each link is a level of nesting.
    pub(super) fn chain(
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

    pub(super) fn unary(&mut self) -> Result<Expr, FilterError> {
        let Some((tok, at)) = self.next() else {
            return Err(FilterError::new(FilterErrorKind::UnexpectedEnd, self.end));
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
                    Some((_, at)) => {
                        return Err(FilterError::new(FilterErrorKind::ExpectedPath, at))
                    }
                    None => return Err(FilterError::new(FilterErrorKind::UnexpectedEnd, self.end)),
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

    pub(super) fn comparison(&mut self, left: Operand) -> Result<Expr, FilterError> {
        let Some((tok, at)) = self.next() else {
            return Err(FilterError::new(FilterErrorKind::UnexpectedEnd, self.end));
        };
        match tok {
            Tok::Op(op) => {
                let Some((tok, at)) = self.next() else {
                    return Err(FilterError::new(FilterErrorKind::ExpectedValue, self.end));
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
                        Some((_, at)) => {
                            return Err(FilterError::new(FilterErrorKind::ExpectedValue, at))
                        }
                        None => {
                            return Err(FilterError::new(FilterErrorKind::ExpectedValue, self.end))
                        }
                    }
                    match self.next() {
                        Some((Tok::Comma, _)) => {}
                        Some((Tok::RParen, _)) => return Ok(Expr::In(left, list)),
                        Some((_, at)) => {
                            return Err(FilterError::new(FilterErrorKind::UnexpectedToken, at))
                        }
                        None => {
                            return Err(FilterError::new(FilterErrorKind::UnexpectedEnd, self.end))
                        }
                    }
                }
            }
            Tok::Match(negated) => match self.next() {
                Some((Tok::Regex(pattern, insensitive), at)) => Ok(Expr::Match(
                    left,
                    compile(&pattern, insensitive, at)?,
                    negated,
                )),
                Some((_, at)) => Err(FilterError::new(FilterErrorKind::ExpectedValue, at)),
                None => Err(FilterError::new(FilterErrorKind::ExpectedValue, self.end)),
            },
            _ => Err(FilterError::new(FilterErrorKind::ExpectedOperator, at)),
        }
    }
}

pub(super) fn operand(tok: Tok, at: usize) -> Result<Operand, FilterError> {
    match tok {
        Tok::Path(p) => Ok(Operand::Path(p)),
        Tok::Str(s) => Ok(Operand::Literal(Literal::new(s, true))),
        Tok::Num(s) => Ok(Operand::Literal(Literal::new(s, false))),
        _ => Err(FilterError::new(FilterErrorKind::ExpectedValue, at)),
    }
}

#[cfg(feature = "regex")]
pub(super) fn compile(pattern: &str, insensitive: bool, at: usize) -> Result<Pattern, FilterError> {
    regex_lite::RegexBuilder::new(pattern)
        .case_insensitive(insensitive)
        .nest_limit(64)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| FilterError::new(FilterErrorKind::InvalidRegex, at))
}

#[cfg(not(feature = "regex"))]
pub(super) fn compile(_: &str, _: bool, at: usize) -> Result<Pattern, FilterError> {
    Err(FilterError::new(FilterErrorKind::RegexUnsupported, at))
}

/// The segments named without an occurrence, for a quantifier to bind (an
/// inner quantifier binds its own).
pub(super) fn free_segments(expr: &Expr, names: &mut Vec<[u8; 3]>) {
    walk(expr, false, &mut |p: &PathRef| {
        let name = *p.path.segment_bytes();
        if !p.occurrence_given && !names.contains(&name) {
            names.push(name);
        }
    });
}

/// Calls `f` on every path of `expr`, inside quantifiers too when `into_quantifiers`.
pub(super) fn walk(expr: &Expr, into_quantifiers: bool, f: &mut impl FnMut(&PathRef)) {
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
