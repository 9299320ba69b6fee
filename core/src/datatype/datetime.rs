//! DTM and TS: date-times at the precision they were written.

use super::{DatatypeError, DatatypeErrorKind};
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

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day counted from 1970-01-01.
#[cfg_attr(not(feature = "alloc"), allow(dead_code))] // timestamps and date shifts
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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
        let days = days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
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
