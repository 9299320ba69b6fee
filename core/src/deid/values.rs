//! The values a policy writes: keyed tokens, shifted and generalized dates,
//! three-digit ZIP codes, capped ages.

use crate::datatype::{civil_from_days, days_from_civil};
use alloc::vec::Vec;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub(crate) type Keyed = Hmac<Sha256>;

/// The key, ready for HMAC-SHA256 (its pads are worked out once).
pub(crate) fn keyed(key: &[u8]) -> Keyed {
    // HMAC takes a key of any length.
    <Keyed as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// HMAC-SHA256 of `domain`, a NUL and `value`: each use of the key has its
/// own domain, so a token never equals an offset's bytes.
pub(crate) fn mac(key: &Keyed, domain: &[u8], value: &[u8]) -> [u8; 32] {
    let mut m = key.clone();
    m.update(domain);
    m.update(&[0]);
    m.update(value);
    m.finalize().into_bytes().into()
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The token of a value: 12 characters of RFC 4648 base32 (60 bits of the
/// HMAC), never a delimiter or an escape.
pub(crate) fn token(key: &Keyed, value: &[u8], out: &mut Vec<u8>) {
    let h = mac(key, b"pipehat-deid-token", value);
    let bits = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    for i in 0..12 {
        out.push(BASE32[(bits >> (59 - 5 * i) & 31) as usize]);
    }
}

/// A token with the value's shape: each ASCII digit becomes a digit, each
/// letter a letter of the same case (a non-ASCII character an upper-case
/// letter), everything else stays. Text, decoded; the result is ASCII.
pub(crate) fn shaped(key: &Keyed, value: &str, out: &mut Vec<u8>) {
    let mut block = 0u32;
    let mut h = [0u8; 32];
    let mut used = 32;
    let mut next = |n: u8| {
        if used == 32 {
            // The block's number in the domain: each block of 32 bytes differs.
            let mut domain = *b"pipehat-deid-shape-....";
            domain[19..].copy_from_slice(&block.to_be_bytes());
            h = mac(key, &domain, value.as_bytes());
            block += 1;
            used = 0;
        }
        let b = h[used];
        used += 1;
        b % n
    };
    for c in value.chars() {
        match c {
            '0'..='9' => out.push(b'0' + next(10)),
            'a'..='z' => out.push(b'a' + next(26)),
            'A'..='Z' => out.push(b'A' + next(26)),
            c if c.is_alphanumeric() => out.push(b'A' + next(26)),
            c if c.is_ascii() => out.push(c as u8),
            // Other non-ASCII (symbols, spaces of other scripts) keep their place as a space.
            _ => out.push(b' '),
        }
    }
}

/// The days of `patient`'s shift: ±1 to ±`days`, from the key.
pub(crate) fn offset(key: &Keyed, patient: &[u8], days: u32) -> i64 {
    let h = mac(key, b"pipehat-deid-shift", patient);
    let x = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    let magnitude = (x >> 1) % u64::from(days.max(1)) + 1;
    if x & 1 == 1 {
        -(magnitude as i64)
    } else {
        magnitude as i64
    }
}

/// A date's leading parts: year, and month and day when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub year: i64,
    pub month: Option<u32>,
    pub day: Option<u32>,
    /// Bytes of the value the date took (4, 6 or 8).
    pub len: usize,
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0')))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The date at the start of an HL7 DT/DTM/TS value (`YYYY[MM[DD]]…`).
pub(crate) fn parse_date(value: &[u8]) -> Option<Date> {
    let year = i64::from(digits(value.get(..4)?)?);
    let two = |at: usize| value.get(at..at + 2).and_then(digits);
    let more = |at: usize| value.get(at).is_some_and(u8::is_ascii_digit);
    let (month, day, len) = match (more(4), more(6)) {
        (false, _) => (None, None, 4),
        (true, false) => (Some(two(4)?), None, 6),
        (true, true) => (Some(two(4)?), Some(two(6)?), 8),
    };
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return None;
    }
    if let (Some(m), Some(d)) = (month, day) {
        if d == 0 || d > days_in_month(year, m) {
            return None;
        }
    }
    Some(Date {
        year,
        month,
        day,
        len,
    })
}

/// `date` moved by `days`, written with the precision it had (a missing
/// month or day counts as the first); `None` when the year leaves 0–9999.
pub(crate) fn shift(date: Date, days: i64, out: &mut Vec<u8>) -> Option<()> {
    let base = days_from_civil(date.year, date.month.unwrap_or(1), date.day.unwrap_or(1));
    let (y, m, d) = civil_from_days(base + days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    push_number(out, y as u32, 4);
    if date.len >= 6 {
        push_number(out, m, 2);
    }
    if date.len >= 8 {
        push_number(out, d, 2);
    }
    Some(())
}

pub(crate) fn push_number(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = buf.len() - i;
    out.extend(core::iter::repeat_n(b'0', width.saturating_sub(len)));
    out.extend_from_slice(&buf[i..]);
}

/// Whole years between a birth date and a reference date (a missing month
/// or day counts as the earliest, so the age is never understated).
pub(crate) fn age(birth: Date, at: Date) -> i64 {
    let mut years = at.year - birth.year;
    let b = (birth.month.unwrap_or(1), birth.day.unwrap_or(1));
    let a = (at.month.unwrap_or(12), at.day.unwrap_or(31));
    if a < b {
        years -= 1;
    }
    years
}

/// Three-digit ZIP areas of 20,000 people or fewer (HHS guidance on the
/// Safe Harbor method, 2000 census): written as `000`.
const SMALL_ZIP3: &[&[u8; 3]] = &[
    b"036", b"059", b"063", b"102", b"203", b"556", b"692", b"790", b"821", b"823", b"830", b"831",
    b"878", b"879", b"884", b"890", b"893",
];

/// The first three digits of a ZIP code (`000` for small areas); `None`
/// when the value does not start with three digits.
pub(crate) fn zip3(value: &[u8]) -> Option<[u8; 3]> {
    let z: [u8; 3] = value.get(..3)?.try_into().ok()?;
    if !z.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(if SMALL_ZIP3.contains(&&z) { *b"000" } else { z })
}

/// A number over `max` (years) as `max + 1`; the value when it is not over.
pub(crate) fn capped_age(value: &[u8], max: u32) -> Option<u32> {
    let text = core::str::from_utf8(value).ok()?.trim();
    let whole = text.split('.').next()?;
    let n: u64 = whole.parse().ok()?;
    (n > u64::from(max)).then_some(max + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn dates_shift_with_their_precision() {
        let mut out = Vec::new();
        shift(parse_date(b"20240131").unwrap(), 30, &mut out).unwrap();
        assert_eq!(out, b"20240301");
        out.clear();
        shift(parse_date(b"202401").unwrap(), -1, &mut out).unwrap();
        assert_eq!(out, b"202312");
        out.clear();
        shift(parse_date(b"2000").unwrap(), 366, &mut out).unwrap();
        assert_eq!(out, b"2001");
        assert_eq!(parse_date(b"20230229"), None);
        assert_eq!(parse_date(b"20241301"), None);
        assert_eq!(parse_date(b"19"), None);
        assert_eq!(parse_date(b"2024-01-01").map(|d| d.len), Some(4));
        for days in [-800_000, -1, 0, 1, 59, 365, 800_000] {
            assert_eq!(days_from_civil_of(civil_from_days(days)), days);
        }
    }

    fn days_from_civil_of((y, m, d): (i64, u32, u32)) -> i64 {
        days_from_civil(y, m, d)
    }

    #[test]
    fn ages_round_down_and_small_zip_areas_become_000() {
        let b = parse_date(b"19340615").unwrap();
        assert_eq!(age(b, parse_date(b"20240614").unwrap()), 89);
        assert_eq!(age(b, parse_date(b"20240615").unwrap()), 90);
        assert_eq!(age(b, parse_date(b"2024").unwrap()), 90);
        assert_eq!(zip3(b"03601"), Some(*b"000"));
        assert_eq!(zip3(b"90210-1234"), Some(*b"902"));
        assert_eq!(zip3(b"K1A 0B1"), None);
        assert_eq!(capped_age(b"93", 89), Some(90));
        assert_eq!(capped_age(b"89.5", 89), None);
        assert_eq!(capped_age(b"old", 89), None);
    }

    #[test]
    fn tokens_depend_on_the_key_and_keep_shapes() {
        let (a, b) = (keyed(b"0123456789abcdef"), keyed(b"0123456789abcdeF"));
        let (mut x, mut y) = (vec![], vec![]);
        token(&a, b"12345", &mut x);
        token(&b, b"12345", &mut y);
        assert_eq!(x.len(), 12);
        assert_ne!(x, y);
        assert!(x.iter().all(|c| BASE32.contains(c)));
        let mut s = vec![];
        shaped(&a, "123-45-6789 Ab", &mut s);
        assert_eq!(s.len(), 14);
        assert!(s[..3].iter().all(u8::is_ascii_digit) && s[3] == b'-' && s[11] == b' ');
        assert!(s[12].is_ascii_uppercase() && s[13].is_ascii_lowercase());
        let long = "9".repeat(70);
        let mut l = vec![];
        shaped(&a, &long, &mut l);
        assert_eq!(l.len(), 70);
        assert_ne!(&l[..32], &l[32..64]);
        assert!((1..=365).contains(&offset(&a, b"42", 365).unsigned_abs()));
    }
}
