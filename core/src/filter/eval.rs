//! Evaluation: a compiled expression against one message.

use super::lexer::{CmpOp, PathRef};
use super::parser::{Expr, Literal, Operand, Pattern, Quant};
use crate::datatype::{parse_number, DateTime};
use crate::{Message, Segment};
use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// Where evaluation finds segments: a parsed message, or only the header
/// segment of raw bytes when the expression reads nothing else.
pub(super) enum Source<'s> {
    Message(&'s Message<'s>),
    Header(Option<Segment<'s>>),
}

impl<'s> Source<'s> {
    pub(super) fn nth(&self, name: &[u8; 3], occurrence: u32) -> Option<Segment<'s>> {
        match self {
            Source::Message(m) => m.nth_named(name, occurrence),
            Source::Header(h) => h.filter(|h| occurrence == 1 && h.name_bytes() == name),
        }
    }
    pub(super) fn count(&self, name: &[u8; 3]) -> u32 {
        match self {
            Source::Message(m) => m.count_named(name),
            Source::Header(h) => u32::from(h.is_some_and(|h| h.name_bytes() == name)),
        }
    }
}

/// Occurrences chosen by the enclosing quantifiers.
pub(super) struct Env<'b> {
    pub(super) quant: Quant,
    pub(super) bound: &'b [([u8; 3], u32)],
}

impl Env<'_> {
    pub(super) fn occurrence(&self, p: &PathRef) -> u32 {
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
    pub(super) fn test(
        &self,
        src: &Source<'_>,
        p: &PathRef,
        f: &mut dyn FnMut(&str) -> bool,
    ) -> bool {
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

pub(super) fn compare_literal(value: &str, op: CmpOp, lit: &Literal) -> bool {
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

pub(super) fn compare_values(a: &str, op: CmpOp, b: &str) -> bool {
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
pub(super) fn apply(op: CmpOp, ord: Option<Ordering>) -> bool {
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

pub(super) struct Eval<'s, 'r> {
    pub(super) src: &'r Source<'s>,
    /// Occurrences bound by enclosing quantifiers (allocated only inside one).
    pub(super) bound: Vec<([u8; 3], u32)>,
}

impl Eval<'_, '_> {
    pub(super) fn eval(&mut self, expr: &Expr, quant: Quant) -> bool {
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
    pub(super) fn bind(&mut self, quant: Quant, inner: &Expr, names: &[[u8; 3]]) -> bool {
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
pub(super) fn is_match(pattern: &Pattern, value: &str) -> bool {
    pattern.is_match(value)
}

#[cfg(not(feature = "regex"))]
pub(super) fn is_match(_: &Pattern, _: &str) -> bool {
    false
}

pub(super) const fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}
