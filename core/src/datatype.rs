//! Typed values: DTM/TS date-times at every precision, NM numbers, SI
//! sequence ids, and named views of the common composites (XPN, CX, XAD,
//! XTN, CWE, CE, HD, EI). Component names follow HL7 v2.5.1.
//!
//! ```
//! use pipehat::datatype::{DateTime, Precision};
//! let t = DateTime::parse("20240115103000.25-0500")?;
//! assert_eq!((t.precision(), t.offset_minutes()), (Precision::Fraction(2), Some(-300)));
//! assert_eq!(t.to_iso8601(), "2024-01-15T10:30:00.25-05:00");
//! assert_eq!(DateTime::parse("202401")?.to_iso8601(), "2024-01");
//! assert_eq!(DateTime::parse("20240230").unwrap_err().code(), "invalid_datetime");
//! # Ok::<(), pipehat::datatype::DatatypeError>(())
//! ```

use core::fmt;

/// How much of a date-time was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYYMM`
    Month,
    /// `YYYYMMDD`
    Day,
    /// `YYYYMMDDHH`
    Hour,
    /// `YYYYMMDDHHMM`
    Minute,
    /// `YYYYMMDDHHMMSS`
    Second,
    /// `YYYYMMDDHHMMSS.S…`, with the number of fraction digits (1–9).
    Fraction(u8),
}

impl Precision {
    /// `"year"`, `"month"`, `"day"`, `"hour"`, `"minute"`, `"second"` or `"fraction"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
            Precision::Hour => "hour",
            Precision::Minute => "minute",
            Precision::Second => "second",
            Precision::Fraction(_) => "fraction",
        }
    }
}

crate::error::kinds! {
    /// Which format a value did not have.
    pub enum DatatypeErrorKind {
        /// Not an HL7 date-time.
        InvalidDatetime => "invalid_datetime", "not an HL7 date-time (YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ])";
        /// Not an HL7 number.
        InvalidNumber => "invalid_number", "not an HL7 number ([+|-]digits[.digits])";
        /// Not an HL7 sequence id.
        InvalidSequenceId => "invalid_sequence_id", "not an HL7 sequence id (digits)";
    }
}

/// A value did not have its datatype's format. `offset` is the byte
/// position in the value where it went wrong; the text names no content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatatypeError {
    kind: DatatypeErrorKind,
    offset: usize,
}

impl DatatypeError {
    const fn new(kind: DatatypeErrorKind, offset: usize) -> Self {
        DatatypeError { kind, offset }
    }
    /// Which format the value did not have.
    pub const fn kind(&self) -> DatatypeErrorKind {
        self.kind
    }
    /// `invalid_datetime`, `invalid_number` or `invalid_sequence_id`.
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// Byte offset in the value.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for DatatypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::error::{write_error, Place};
        f.write_str("the value is ")?;
        write_error(
            f,
            self.kind.describe(),
            self.code(),
            &[Place::Byte(self.offset as u64)],
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DatatypeError {}

/// An HL7 DTM (or the first component of a TS) at the precision it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
    precision: Precision,
    offset: Option<i16>,
}

fn digits(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = bytes.get(at..at + n)?;
    part.iter().all(u8::is_ascii_digit).then(|| {
        part.iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    })
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Whether `b` is a valid date/time of digits only (`YYYY[MM[DD[HH[MM[SS]]]]]`),
/// as [`DateTime::parse`] reads it; `None` when it is not digits only or its
/// length is not one of those (then only the full parse can tell).
#[cfg_attr(not(feature = "dictionary"), allow(dead_code))] // used by validation
pub(crate) fn plain_datetime_ok(b: &[u8]) -> Option<bool> {
    if !matches!(b.len(), 4 | 6 | 8 | 10 | 12 | 14) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |at: usize| {
        b.get(at..at + 2)
            .map(|p| (p[0] - b'0') * 10 + (p[1] - b'0'))
    };
    let year = b[..4]
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    let ok = match (two(4), two(6)) {
        (Some(month), day) => {
            (1..=12).contains(&month)
                && day.is_none_or(|d| d >= 1 && d <= days_in_month(year, month))
                && two(8).is_none_or(|h| h <= 23)
                && two(10).is_none_or(|m| m <= 59)
                && two(12).is_none_or(|s| s <= 59)
        }
        (None, _) => true,
    };
    Some(ok)
}

impl DateTime {
    /// Reads `YYYY[MM[DD[HH[MM[SS[.S[S…]]]]]]][+/-ZZZZ]` (spaces around it ignored).
    pub fn parse(text: &str) -> Result<DateTime, DatatypeError> {
        let lead = text.len() - text.trim_start().len();
        Self::parse_trimmed(text.trim().as_bytes(), lead)
    }

    /// [`parse`](Self::parse) of text already trimmed; `lead` is how many
    /// bytes the trimming removed in front (for error offsets).
    pub(crate) fn parse_trimmed(b: &[u8], lead: usize) -> Result<DateTime, DatatypeError> {
        let err = |at: usize| DatatypeError::new(DatatypeErrorKind::InvalidDatetime, lead + at);
        // The time-zone offset, if any, starts at the first sign.
        let (body, zone) = match b.iter().position(|&c| c == b'+' || c == b'-') {
            Some(p) => (&b[..p], Some(p)),
            None => (b, None),
        };
        let (main, fraction) = match body.iter().position(|&c| c == b'.') {
            Some(p) => (&body[..p], Some(&body[p + 1..])),
            None => (body, None),
        };
        if main.len() < 4 {
            return Err(err(main.len()));
        }
        if main.len() > 14 || main.len() % 2 != 0 {
            // Where the extra or incomplete part starts.
            return Err(err(main.len().min(15) - 1));
        }
        if let Some(bad) = main.iter().position(|c| !c.is_ascii_digit()) {
            return Err(err(bad));
        }
        let get = |at: usize| digits(main, at, 2).unwrap_or(0) as u8;
        let mut t = DateTime {
            year: digits(main, 0, 4).unwrap_or(0) as u16,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            precision: Precision::Year,
            offset: None,
        };
        let levels = [
            Precision::Month,
            Precision::Day,
            Precision::Hour,
            Precision::Minute,
            Precision::Second,
        ];
        for (i, level) in levels.iter().enumerate() {
            let at = 4 + 2 * i;
            if main.len() <= at {
                break;
            }
            let v = get(at);
            let ok = match level {
                Precision::Month => (1..=12).contains(&v),
                Precision::Day => v >= 1 && v <= days_in_month(t.year, t.month),
                Precision::Hour => v <= 23,
                Precision::Minute => v <= 59,
                _ => v <= 59,
            };
            if !ok {
                return Err(err(at));
            }
            match level {
                Precision::Month => t.month = v,
                Precision::Day => t.day = v,
                Precision::Hour => t.hour = v,
                Precision::Minute => t.minute = v,
                _ => t.second = v,
            }
            t.precision = *level;
        }
        if let Some(f) = fraction {
            let at = main.len() + 1;
            if t.precision != Precision::Second || f.is_empty() || f.len() > 9 {
                return Err(err(at));
            }
            if let Some(bad) = f.iter().position(|c| !c.is_ascii_digit()) {
                return Err(err(at + bad));
            }
            let value = digits(f, 0, f.len()).unwrap_or(0);
            t.nanos = value * 10u32.pow(9 - f.len() as u32);
            t.precision = Precision::Fraction(f.len() as u8);
        }
        if let Some(p) = zone {
            let z = &b[p + 1..];
            let (Some(h), Some(m), 4) = (digits(z, 0, 2), digits(z, 2, 2), z.len()) else {
                return Err(err(p));
            };
            if h > 23 || m > 59 {
                return Err(err(p));
            }
            let minutes = (h * 60 + m) as i16;
            t.offset = Some(if b[p] == b'-' { -minutes } else { minutes });
        }
        Ok(t)
    }

    /// The year.
    pub const fn year(&self) -> u16 {
        self.year
    }
    /// The month (1 when not given).
    pub const fn month(&self) -> u8 {
        self.month
    }
    /// The day (1 when not given).
    pub const fn day(&self) -> u8 {
        self.day
    }
    /// The hour (0 when not given).
    pub const fn hour(&self) -> u8 {
        self.hour
    }
    /// The minute (0 when not given).
    pub const fn minute(&self) -> u8 {
        self.minute
    }
    /// The second (0 when not given).
    pub const fn second(&self) -> u8 {
        self.second
    }
    /// Nanoseconds of the fraction (0 when not given).
    pub const fn nanos(&self) -> u32 {
        self.nanos
    }
    /// How much was given.
    pub const fn precision(&self) -> Precision {
        self.precision
    }
    /// The offset from UTC in minutes, when given.
    pub const fn offset_minutes(&self) -> Option<i16> {
        self.offset
    }

    /// Compares two date-times on the parts both give (the coarser
    /// precision of the two), offsets ignored: `19800101` and `198001011230`
    /// are equal; `1980` is before `19810101`.
    ///
    /// ```
    /// use core::cmp::Ordering;
    /// use pipehat::datatype::DateTime;
    /// let day = DateTime::parse("19800101").unwrap();
    /// let minute = DateTime::parse("198001011230").unwrap();
    /// assert_eq!(day.compare_coarse(&minute), Ordering::Equal);
    /// assert_eq!(DateTime::parse("1979").unwrap().compare_coarse(&day), Ordering::Less);
    /// ```
    pub fn compare_coarse(&self, other: &DateTime) -> core::cmp::Ordering {
        let precision = self.precision.min(other.precision);
        let parts = |d: &DateTime| {
            let mut p = [
                u32::from(d.year),
                u32::from(d.month),
                u32::from(d.day),
                u32::from(d.hour),
                u32::from(d.minute),
                u32::from(d.second),
                d.nanos,
            ];
            let keep = match precision {
                Precision::Year => 1,
                Precision::Month => 2,
                Precision::Day => 3,
                Precision::Hour => 4,
                Precision::Minute => 5,
                Precision::Second => 6,
                Precision::Fraction(_) => 7,
            };
            p[keep..].fill(0);
            p
        };
        parts(self).cmp(&parts(other))
    }

    /// Milliseconds since the Unix epoch, reading the time in its own
    /// offset, or in `assumed_offset_minutes` when it has none.
    pub fn unix_millis(&self, assumed_offset_minutes: i32) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        let offset = self.offset.map_or(assumed_offset_minutes, i32::from);
        (secs - i64::from(offset) * 60) * 1000 + i64::from(self.nanos / 1_000_000)
    }

    /// Writes the ISO 8601 form at the value's own precision:
    /// `2024`, `2024-01`, `2024-01-15`, `2024-01-15T10`, `2024-01-15T10:30`,
    /// `2024-01-15T10:30:00`, `2024-01-15T10:30:00.25`, then `+01:00` or `Z`-free
    /// offset when one was given.
    pub fn write_iso8601(&self, f: &mut impl fmt::Write) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        let p = self.precision;
        if p >= Precision::Month {
            write!(f, "-{:02}", self.month)?;
        }
        if p >= Precision::Day {
            write!(f, "-{:02}", self.day)?;
        }
        if p >= Precision::Hour {
            write!(f, "T{:02}", self.hour)?;
        }
        if p >= Precision::Minute {
            write!(f, ":{:02}", self.minute)?;
        }
        if p >= Precision::Second {
            write!(f, ":{:02}", self.second)?;
        }
        if let Precision::Fraction(n) = p {
            let scaled = self.nanos / 10u32.pow(9 - u32::from(n));
            write!(f, ".{:0width$}", scaled, width = usize::from(n))?;
        }
        if let Some(o) = self.offset {
            let sign = if o < 0 { '-' } else { '+' };
            let a = o.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", a / 60, a % 60)?;
        }
        Ok(())
    }

    /// The ISO 8601 form (see [`write_iso8601`](Self::write_iso8601)).
    #[cfg(feature = "alloc")]
    pub fn to_iso8601(&self) -> alloc::string::String {
        let mut s = alloc::string::String::with_capacity(32);
        let _ = self.write_iso8601(&mut s);
        s
    }
}

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

/// CWE's components (HL7 v2.5.1); CE has the first six.
const CWE_PARTS: &[Part] = &[
    ("identifier", None),
    ("text", None),
    ("name_of_coding_system", None),
    ("alternate_identifier", None),
    ("alternate_text", None),
    ("name_of_alternate_coding_system", None),
    ("coding_system_version_id", None),
    ("alternate_coding_system_version_id", None),
    ("original_text", None),
];

/// A composite datatype with a named view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Datatype {
    /// Extended person name.
    XPN,
    /// Extended composite id with check digit.
    CX,
    /// Extended address.
    XAD,
    /// Extended telecommunication number.
    XTN,
    /// Coded with exceptions.
    CWE,
    /// Coded element.
    CE,
    /// Hierarchic designator.
    HD,
    /// Entity identifier.
    EI,
    /// Family name (inside XPN.1).
    FN,
    /// Street address (inside XAD.1).
    SAD,
}

/// One named part of a composite: its name and, when it is itself a composite, its datatype.
type Part = (&'static str, Option<Datatype>);

impl Datatype {
    /// Every composite datatype with a named view.
    pub const ALL: [Datatype; 10] = [
        Datatype::XPN,
        Datatype::CX,
        Datatype::XAD,
        Datatype::XTN,
        Datatype::CWE,
        Datatype::CE,
        Datatype::HD,
        Datatype::EI,
        Datatype::FN,
        Datatype::SAD,
    ];

    /// The codes of [`ALL`](Self::ALL), in its order.
    pub const NAMES: [&'static str; 10] = {
        let mut names = [""; 10];
        let mut i = 0;
        while i < names.len() {
            names[i] = Self::ALL[i].name();
            i += 1;
        }
        names
    };

    /// Reads `XPN`, `CX`, `XAD`, `XTN`, `CWE`, `CE`, `HD`, `EI`, `FN`, `SAD` (any case).
    pub fn parse(name: &str) -> Option<Datatype> {
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// The datatype's code, e.g. `"XPN"`.
    pub const fn name(self) -> &'static str {
        match self {
            Datatype::XPN => "XPN",
            Datatype::CX => "CX",
            Datatype::XAD => "XAD",
            Datatype::XTN => "XTN",
            Datatype::CWE => "CWE",
            Datatype::CE => "CE",
            Datatype::HD => "HD",
            Datatype::EI => "EI",
            Datatype::FN => "FN",
            Datatype::SAD => "SAD",
        }
    }

    /// The component names in order (HL7 v2.5.1), with nested datatypes.
    pub const fn parts(self) -> &'static [Part] {
        match self {
            Datatype::XPN => &[
                ("family_name", Some(Datatype::FN)),
                ("given_name", None),
                ("second_names", None),
                ("suffix", None),
                ("prefix", None),
                ("degree", None),
                ("name_type_code", None),
                ("name_representation_code", None),
                ("name_context", Some(Datatype::CE)),
                ("name_validity_range", None),
                ("name_assembly_order", None),
                ("effective_date", None),
                ("expiration_date", None),
                ("professional_suffix", None),
            ],
            Datatype::FN => &[
                ("surname", None),
                ("own_surname_prefix", None),
                ("own_surname", None),
                ("surname_prefix_from_partner", None),
                ("surname_from_partner", None),
            ],
            Datatype::CX => &[
                ("id_number", None),
                ("check_digit", None),
                ("check_digit_scheme", None),
                ("assigning_authority", Some(Datatype::HD)),
                ("identifier_type_code", None),
                ("assigning_facility", Some(Datatype::HD)),
                ("effective_date", None),
                ("expiration_date", None),
                ("assigning_jurisdiction", Some(Datatype::CWE)),
                ("assigning_agency", Some(Datatype::CWE)),
            ],
            Datatype::XAD => &[
                ("street_address", Some(Datatype::SAD)),
                ("other_designation", None),
                ("city", None),
                ("state_or_province", None),
                ("zip_or_postal_code", None),
                ("country", None),
                ("address_type", None),
                ("other_geographic_designation", None),
                ("county_parish_code", None),
                ("census_tract", None),
                ("address_representation_code", None),
                ("address_validity_range", None),
                ("effective_date", None),
                ("expiration_date", None),
            ],
            Datatype::SAD => &[
                ("street_or_mailing_address", None),
                ("street_name", None),
                ("dwelling_number", None),
            ],
            Datatype::XTN => &[
                ("telephone_number", None),
                ("telecommunication_use_code", None),
                ("telecommunication_equipment_type", None),
                ("email_address", None),
                ("country_code", None),
                ("area_city_code", None),
                ("local_number", None),
                ("extension", None),
                ("any_text", None),
                ("extension_prefix", None),
                ("speed_dial_code", None),
                ("unformatted_telephone_number", None),
            ],
            Datatype::CWE => CWE_PARTS,
            // CE is CWE's first six components.
            Datatype::CE => CWE_PARTS.split_at(6).0,
            Datatype::HD => &[
                ("namespace_id", None),
                ("universal_id", None),
                ("universal_id_type", None),
            ],
            Datatype::EI => &[
                ("entity_identifier", None),
                ("namespace_id", None),
                ("universal_id", None),
                ("universal_id_type", None),
            ],
        }
    }
}

#[cfg(feature = "alloc")]
pub use typed::{Composite, TypedPart};

#[cfg(feature = "alloc")]
mod typed {
    use super::{Datatype, DateTime};
    use crate::view::{Component, Repetition};
    use crate::{Message, PathError, Value};
    use alloc::borrow::Cow;
    use alloc::vec::Vec;

    /// One named part of a [`Composite`].
    #[derive(Debug, Clone, PartialEq)]
    pub enum TypedPart<'a> {
        /// Decoded text; `None` when empty or absent.
        Text(Option<Cow<'a, str>>),
        /// A nested composite (XPN.1 family name, CX.4 assigning authority, …).
        Composite(Composite<'a>),
    }

    /// A composite read through its datatype's component names.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Composite<'a> {
        /// Which datatype.
        pub datatype: Datatype,
        /// Every component name of the datatype, in order, with its value.
        pub parts: Vec<(&'static str, TypedPart<'a>)>,
    }

    impl<'a> Composite<'a> {
        fn from_repetition(rep: &Repetition<'a>, dt: Datatype) -> Composite<'a> {
            let parts = dt
                .parts()
                .iter()
                .enumerate()
                .map(|(i, &(name, nested))| {
                    let comp = rep.component(i + 1);
                    let part = match (nested, comp) {
                        (Some(sub), Some(c)) => {
                            TypedPart::Composite(Composite::from_component(&c, sub))
                        }
                        (Some(sub), None) => TypedPart::Composite(Composite::empty(sub)),
                        (None, c) => {
                            TypedPart::Text(c.filter(|c| !c.is_empty()).map(|c| c.value()))
                        }
                    };
                    (name, part)
                })
                .collect();
            Composite {
                datatype: dt,
                parts,
            }
        }

        fn from_component(comp: &Component<'a>, dt: Datatype) -> Composite<'a> {
            let parts = dt
                .parts()
                .iter()
                .enumerate()
                .map(|(i, &(name, _))| {
                    let v = comp
                        .subcomponent(i + 1)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.value());
                    (name, TypedPart::Text(v))
                })
                .collect();
            Composite {
                datatype: dt,
                parts,
            }
        }

        fn empty(dt: Datatype) -> Composite<'a> {
            Composite {
                datatype: dt,
                parts: dt
                    .parts()
                    .iter()
                    .map(|&(n, _)| (n, TypedPart::Text(None)))
                    .collect(),
            }
        }

        /// The text of the part named `name` (`None` when empty, absent or nested).
        pub fn text(&self, name: &str) -> Option<&str> {
            self.parts
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, p)| match p {
                    TypedPart::Text(t) => t.as_deref(),
                    TypedPart::Composite(_) => None,
                })
        }

        /// The nested composite named `name`.
        pub fn composite(&self, name: &str) -> Option<&Composite<'a>> {
            self.parts
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, p)| match p {
                    TypedPart::Composite(c) => Some(c),
                    TypedPart::Text(_) => None,
                })
        }

        /// Whether every part is empty.
        pub fn is_empty(&self) -> bool {
            self.parts.iter().all(|(_, p)| match p {
                TypedPart::Text(t) => t.is_none(),
                TypedPart::Composite(c) => c.is_empty(),
            })
        }
    }

    /// The HL7 null (`""`) or a date-time.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Dtm {
        /// The value was `""`: explicitly no value.
        Null,
        /// A date-time.
        Value(DateTime),
    }

    impl Message<'_> {
        /// The DTM (or TS first component) at `path`: `Ok(None)` when absent
        /// or empty, `Ok(Some(Err(..)))` when present but not a date-time.
        ///
        /// ```
        /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A|||||||1|P|2.3\rPID|1||||||19800101^D||\"\"\r")?;
        /// let dob = msg.datetime("PID-7")?.unwrap().unwrap();
        /// assert_eq!(dob, pipehat::datatype::Dtm::Value(pipehat::datatype::DateTime::parse("19800101").unwrap()));
        /// assert_eq!(msg.datetime("PID-9")?.unwrap().unwrap(), pipehat::datatype::Dtm::Null);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[allow(clippy::type_complexity)]
        pub fn datetime(
            &self,
            path: impl crate::IntoPath,
        ) -> Result<Option<Result<Dtm, super::DatatypeError>>, PathError> {
            let Some(text) = self.first_text(path)? else {
                return Ok(None);
            };
            if text == "\"\"" {
                return Ok(Some(Ok(Dtm::Null)));
            }
            Ok(Some(DateTime::parse(&text).map(Dtm::Value)))
        }

        /// The decoded text of the first component of what `path` names.
        fn first_text(
            &self,
            path: impl crate::IntoPath,
        ) -> Result<Option<Cow<'_, str>>, PathError> {
            let text = match self.value(path)? {
                None => None,
                Some(Value::Field(f)) => f
                    .repetition(1)
                    .and_then(|r| r.component(1))
                    .map(|c| c.value()),
                Some(Value::Repetition(r)) => r.component(1).map(|c| c.value()),
                Some(v) => Some(v.value()),
            };
            Ok(text.filter(|t| !t.is_empty()))
        }

        /// The NM at `path` (see [`parse_number`](super::parse_number)).
        pub fn number(
            &self,
            path: impl crate::IntoPath,
        ) -> Result<Option<Result<f64, super::DatatypeError>>, PathError> {
            Ok(self.first_text(path)?.map(|t| super::parse_number(&t)))
        }

        /// The SI at `path` (see [`parse_sequence_id`](super::parse_sequence_id)).
        pub fn sequence_id(
            &self,
            path: impl crate::IntoPath,
        ) -> Result<Option<Result<u32, super::DatatypeError>>, PathError> {
            Ok(self.first_text(path)?.map(|t| super::parse_sequence_id(&t)))
        }

        /// The value at `path` read as `datatype`: a field or repetition path
        /// reads its (first) repetition's components; a component path reads
        /// its subcomponents. `None` when absent or empty.
        ///
        /// ```
        /// use pipehat::datatype::Datatype;
        /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A\rPID|1||123^^^HOSP&1.2.3&ISO^MR~9||DOE^JANE^Q\r")?;
        /// let cx = msg.typed("PID-3", Datatype::CX)?.unwrap();
        /// assert_eq!(cx.text("id_number"), Some("123"));
        /// assert_eq!(cx.composite("assigning_authority").unwrap().text("universal_id"), Some("1.2.3"));
        /// let name = msg.typed("PID-5", Datatype::XPN)?.unwrap();
        /// assert_eq!(name.composite("family_name").unwrap().text("surname"), Some("DOE"));
        /// assert_eq!(name.text("given_name"), Some("JANE"));
        /// assert_eq!(msg.typed("PID-3(2)", Datatype::CX)?.unwrap().text("id_number"), Some("9"));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn typed(
            &self,
            path: impl crate::IntoPath,
            datatype: Datatype,
        ) -> Result<Option<Composite<'_>>, PathError> {
            let composite = match self.value(path)? {
                None => None,
                Some(Value::Field(f)) => f
                    .repetition(1)
                    .map(|r| Composite::from_repetition(&r, datatype)),
                Some(Value::Repetition(r)) => Some(Composite::from_repetition(&r, datatype)),
                Some(Value::Component(c)) => Some(Composite::from_component(&c, datatype)),
                Some(Value::Subcomponent(_)) => None,
            };
            Ok(composite.filter(|c| !c.is_empty()))
        }

        /// Every repetition of the field at `path` read as `datatype` (empty ones included).
        pub fn typed_all(
            &self,
            path: impl crate::IntoPath,
            datatype: Datatype,
        ) -> Result<Vec<Composite<'_>>, PathError> {
            let path = path.into_path()?;
            let field_path = path.field_path();
            Ok(match self.value(field_path)? {
                Some(Value::Field(f)) => f
                    .repetitions()
                    .map(|r| Composite::from_repetition(&r, datatype))
                    .collect(),
                _ => Vec::new(),
            })
        }
    }
}

#[cfg(feature = "alloc")]
pub use typed::Dtm;

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{format, string::ToString, vec};

    #[test]
    fn the_digits_only_check_agrees_with_the_parser() {
        // Every length, and values around each field's limits (leap years,
        // month ends, 23:59:59), against the full parse.
        let years = ["1900", "2000", "2023", "2024", "0000"];
        let parts = [
            "00", "01", "02", "09", "12", "13", "23", "24", "28", "29", "30", "31", "59", "60",
            "99",
        ];
        let mut checked = 0;
        for y in years {
            let mut texts = vec![y.to_string()];
            for m in parts {
                for d in parts {
                    texts.push(format!("{y}{m}"));
                    texts.push(format!("{y}{m}{d}"));
                    for t in ["00", "23", "24", "59", "60"] {
                        texts.push(format!("{y}{m}{d}{t}"));
                        texts.push(format!("{y}{m}{d}12{t}"));
                        texts.push(format!("{y}{m}{d}1230{t}"));
                    }
                }
            }
            for text in texts {
                let fast = plain_datetime_ok(text.as_bytes()).expect("digits only");
                assert_eq!(fast, DateTime::parse(&text).is_ok(), "{text}");
                checked += 1;
            }
        }
        assert!(checked > 10_000);
        for other in [
            "2024011",
            "202401151",
            "2024-01",
            "20240115.5",
            " 2024",
            "",
            "202401151030591",
        ] {
            assert_eq!(plain_datetime_ok(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn byte_checks_agree_with_the_parsers() {
        for text in [
            "1",
            "+1.5",
            "-.5",
            ".",
            "1.2.3",
            " 7 ",
            "\u{b}3",
            "1e5",
            "",
            "-",
            "4294967295",
            "4294967296",
            "007",
        ] {
            assert_eq!(
                is_number(text.as_bytes()),
                parse_number(text).is_ok(),
                "{text:?}"
            );
            assert_eq!(
                is_sequence_id(text.as_bytes()),
                parse_sequence_id(text).is_ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn every_precision_and_offsets() {
        let cases = [
            ("2024", "2024", Precision::Year),
            ("202401", "2024-01", Precision::Month),
            ("20240229", "2024-02-29", Precision::Day),
            ("2024011510", "2024-01-15T10", Precision::Hour),
            ("202401151030", "2024-01-15T10:30", Precision::Minute),
            ("20240115103059", "2024-01-15T10:30:59", Precision::Second),
            (
                "20240115103059.1",
                "2024-01-15T10:30:59.1",
                Precision::Fraction(1),
            ),
            (
                "20240115103059.1234",
                "2024-01-15T10:30:59.1234",
                Precision::Fraction(4),
            ),
            ("20240115+0100", "2024-01-15+01:00", Precision::Day),
            (
                " 202401151030-0330 ",
                "2024-01-15T10:30-03:30",
                Precision::Minute,
            ),
        ];
        for (text, iso, precision) in cases {
            let t = DateTime::parse(text).unwrap();
            assert_eq!(
                (t.to_iso8601().as_str(), t.precision()),
                (iso, precision),
                "{text}"
            );
        }
        for (bad, at) in [
            ("", 0),
            ("202", 3),
            ("20241", 4),
            ("20231301", 4),
            ("20230229", 6),
            ("2024011524", 8),
            ("20240115103060", 12),
            ("2024011510.5", 11),
            ("20240115103000.", 15),
            ("20240115103000.1234567890", 15),
            ("20240115+01", 8),
            ("2024X1", 4),
        ] {
            let e = DateTime::parse(bad).unwrap_err();
            assert_eq!((e.code(), e.offset()), ("invalid_datetime", at), "{bad}");
        }
    }

    #[test]
    fn unix_millis() {
        assert_eq!(DateTime::parse("19700101").unwrap().unix_millis(0), 0);
        assert_eq!(
            DateTime::parse("20240115103000.5+0100")
                .unwrap()
                .unix_millis(0),
            1_705_311_000_500
        );
        assert_eq!(
            DateTime::parse("20240115093000").unwrap().unix_millis(0),
            1_705_311_000_000
        );
        assert_eq!(
            DateTime::parse("20240115103000").unwrap().unix_millis(60),
            1_705_311_000_000
        );
    }

    #[test]
    fn numbers_and_sequence_ids() {
        assert_eq!(parse_number("+1.50"), Ok(1.5));
        assert_eq!(parse_number(" 42 "), Ok(42.0));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert_eq!(parse_number("1.2.3").unwrap_err().offset(), 3);
        assert_eq!(parse_number("-").unwrap_err().code(), "invalid_number");
        assert_eq!(parse_number("12a").unwrap_err().offset(), 2);
        assert_eq!(parse_sequence_id("12"), Ok(12));
        assert_eq!(parse_sequence_id("1.0").unwrap_err().offset(), 1);
        assert_eq!(
            parse_sequence_id("99999999999").unwrap_err().code(),
            "invalid_sequence_id"
        );
    }

    #[test]
    fn datatype_names() {
        assert_eq!(Datatype::parse("xpn"), Some(Datatype::XPN));
        assert_eq!(Datatype::parse("ZZZ"), None);
        assert_eq!(
            Datatype::CX.parts()[3],
            ("assigning_authority", Some(Datatype::HD))
        );
    }
}
