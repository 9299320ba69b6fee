//! NM numbers and SI sequence ids.

use super::{DatatypeError, DatatypeErrorKind};

/// Reads an NM: `[+|-]digits[.digits]` (spaces around it ignored).
///
/// ```
/// assert_eq!(pipehat::datatype::parse_number("-12.50"), Ok(-12.5));
/// assert_eq!(pipehat::datatype::parse_number("1e3").unwrap_err().code(), "invalid_number");
/// ```
pub fn parse_number(text: &str) -> Result<f64, DatatypeError> {
    let lead = text.len() - text.trim_start().len();
    let t = text.trim();
    let b = t.as_bytes();
    let body = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let start = b.len() - body.len();
    let mut seen_digit = false;
    let mut seen_point = false;
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_point => seen_point = true,
            _ => {
                return Err(DatatypeError::new(
                    DatatypeErrorKind::InvalidNumber,
                    lead + start + i,
                ))
            }
        }
    }
    if !seen_digit {
        return Err(DatatypeError::new(DatatypeErrorKind::InvalidNumber, lead));
    }
    t.trim_start_matches('+')
        .parse::<f64>()
        .map_err(|_| DatatypeError::new(DatatypeErrorKind::InvalidNumber, lead))
}

/// Whitespace as `str::trim` sees it, within ASCII (tab to carriage return, space).
#[cfg_attr(not(feature = "dictionary"), allow(dead_code))] // used by validation
pub(crate) const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// ASCII bytes without the whitespace `str::trim` removes.
#[cfg_attr(not(feature = "dictionary"), allow(dead_code))] // used by validation
pub(crate) fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&c| !is_ascii_space(c))
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| !is_ascii_space(c))
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Whether ASCII `b` is an NM, as [`parse_number`] reads it, without converting it.
#[cfg_attr(not(feature = "dictionary"), allow(dead_code))] // used by validation
pub(crate) fn is_number(b: &[u8]) -> bool {
    let b = trim_ascii(b);
    let body = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let mut seen_digit = false;
    let mut seen_point = false;
    for &c in body {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_point => seen_point = true,
            _ => return false,
        }
    }
    seen_digit
}

/// Whether ASCII `b` is an SI, as [`parse_sequence_id`] reads it.
#[cfg_attr(not(feature = "dictionary"), allow(dead_code))] // used by validation
pub(crate) fn is_sequence_id(b: &[u8]) -> bool {
    let t = trim_ascii(b);
    !t.is_empty()
        && t.iter()
            .try_fold(0u32, |acc, &c| {
                c.is_ascii_digit()
                    .then_some(())
                    .and_then(|()| acc.checked_mul(10)?.checked_add(u32::from(c - b'0')))
            })
            .is_some()
}

/// Reads an SI: a non-negative integer (spaces around it ignored).
///
/// ```
/// assert_eq!(pipehat::datatype::parse_sequence_id("0003"), Ok(3));
/// assert_eq!(pipehat::datatype::parse_sequence_id("-1").unwrap_err().code(), "invalid_sequence_id");
/// ```
pub fn parse_sequence_id(text: &str) -> Result<u32, DatatypeError> {
    let lead = text.len() - text.trim_start().len();
    let t = text.trim();
    if let Some(bad) = t.bytes().position(|c| !c.is_ascii_digit()) {
        return Err(DatatypeError::new(
            DatatypeErrorKind::InvalidSequenceId,
            lead + bad,
        ));
    }
    t.parse::<u32>()
        .map_err(|_| DatatypeError::new(DatatypeErrorKind::InvalidSequenceId, lead))
}
