//! HL7 v2 values written as FHIR primitives: dates and times with the
//! precision and offset HL7 gave them, numbers, booleans, codes.

use super::model::Prim;
use alloc::string::String;

/// What a time without an offset becomes (see [`super::Options::timezone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone<'a> {
    /// Kept as a date: FHIR does not allow a time without an offset.
    DateOnly,
    /// The offset to assume (`+01:00`, `Z`).
    Assume(&'a str),
}

/// `value` as primitive `prim`, or `None` when it is not one (a number that
/// is not a number, a date that is not a date); `Err` names why.
pub(crate) fn convert(prim: Prim, value: &str, zone: Zone<'_>) -> Result<String, &'static str> {
    let v = value.trim();
    if v.is_empty() {
        return Err("empty");
    }
    match prim {
        Prim::Text => Ok(String::from(value)),
        Prim::Code | Prim::Id => {
            if v.chars().any(|c| c.is_control()) {
                return Err("not_a_code");
            }
            // R4 codes have no leading or trailing space, and single inner spaces
            let mut out = String::with_capacity(v.len());
            for w in v.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(w);
            }
            if prim == Prim::Id
                && (out.len() > 64
                    || !out
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
            {
                return Err("not_an_id");
            }
            Ok(out)
        }
        Prim::Uri => {
            if v.chars().any(char::is_whitespace) {
                return Err("not_a_uri");
            }
            Ok(String::from(v))
        }
        Prim::Base64 => {
            let clean: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            if clean
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
            {
                Ok(clean)
            } else {
                Err("not_base64")
            }
        }
        Prim::Boolean => match v {
            "Y" | "y" | "T" | "true" | "1" => Ok(String::from("true")),
            "N" | "n" | "F" | "false" | "0" => Ok(String::from("false")),
            _ => Err("not_a_boolean"),
        },
        Prim::Integer | Prim::PositiveInt | Prim::UnsignedInt => {
            let digits = v.strip_prefix('+').unwrap_or(v);
            let (neg, digits) = match digits.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, digits),
            };
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err("not_an_integer");
            }
            let n: i64 = digits.parse().map_err(|_| "not_an_integer")?;
            let n = if neg { -n } else { n };
            let ok = match prim {
                Prim::PositiveInt => n >= 1,
                Prim::UnsignedInt => n >= 0,
                _ => true,
            };
            if !ok {
                return Err("out_of_range");
            }
            Ok(alloc::format!("{n}"))
        }
        Prim::Decimal => decimal(v).ok_or("not_a_number"),
        Prim::Date => date(v).ok_or("not_a_date"),
        Prim::DateTime => datetime(v, zone, false).ok_or("not_a_date_time"),
        Prim::Instant => datetime(v, zone, true).ok_or("not_an_instant"),
        Prim::Time => time(v).ok_or("not_a_time"),
    }
}

/// A decimal as JSON writes it: `-1.50`, `.5` → `0.5`; no exponent.
fn decimal(v: &str) -> Option<String> {
    let (sign, rest) = match v.as_bytes()[0] {
        b'-' => ("-", &v[1..]),
        b'+' => ("", &v[1..]),
        _ => ("", v),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        || (int.is_empty() && frac.is_none())
        || rest.len() > 30
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let mut out = String::from(sign);
    out.push_str(if int.is_empty() { "0" } else { int });
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if out == "-0" {
        out = String::from("0");
    }
    Some(out)
}

fn digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn two(s: &str, max: u32) -> bool {
    s.len() == 2 && digits(s) && s.parse::<u32>().is_ok_and(|n| n <= max)
}

/// `YYYY[MM[DD]]` → `YYYY[-MM[-DD]]`, from the start of a DTM.
fn date(v: &str) -> Option<String> {
    let d = v.split(['+', '-']).next().unwrap_or(v);
    let d = d.get(..d.len().min(8))?;
    if !(d.len() == 4 || d.len() == 6 || d.len() == 8) || !digits(d) {
        return None;
    }
    if d.starts_with("0000") {
        return None;
    }
    let mut out = String::from(&d[..4]);
    if d.len() >= 6 {
        let m = &d[4..6];
        if !two(m, 12) || m == "00" {
            return None;
        }
        out.push('-');
        out.push_str(m);
    }
    if d.len() == 8 {
        let day = &d[6..8];
        if !two(day, 31) || day == "00" {
            return None;
        }
        out.push('-');
        out.push_str(day);
    }
    Some(out)
}

/// `HHMM[SS[.S+]]` (a TM) → `hh:mm:ss[.s]`.
fn time(v: &str) -> Option<String> {
    let t = v.split(['+', '-']).next().unwrap_or(v);
    clock(t, true)
}

fn clock(t: &str, seconds_needed: bool) -> Option<String> {
    let (main, frac) = match t.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (t, None),
    };
    if !(main.len() == 2 || main.len() == 4 || main.len() == 6) || !digits(main) {
        return None;
    }
    let _ = seconds_needed;
    if !two(&main[..2], 23) {
        return None;
    }
    let mm = if main.len() >= 4 { &main[2..4] } else { "00" };
    let ss = if main.len() == 6 { &main[4..6] } else { "00" };
    if !two(mm, 59) || !two(ss, 60) {
        return None;
    }
    let mut out = alloc::format!("{}:{}:{}", &main[..2], mm, ss);
    if let Some(f) = frac {
        if f.is_empty() || !digits(f) || main.len() != 6 {
            return None;
        }
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// `YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]` → an R4 dateTime (or instant):
/// the date as given; a time only with an offset, as given or as `zone`
/// assumes; without either, the date alone (an instant then has none).
fn datetime(v: &str, zone: Zone<'_>, instant: bool) -> Option<String> {
    let (main, offset) = match v.find(['+', '-']) {
        Some(i) => (&v[..i], Some(&v[i..])),
        None => (v, None),
    };
    let d = date(main.get(..main.len().min(8))?)?;
    let t = main.get(8..).unwrap_or("");
    if t.is_empty() {
        return if instant { None } else { Some(d) };
    }
    if main.len() < 8 {
        return None;
    }
    let clock = clock(t, false)?;
    let off = match offset {
        Some(o) => {
            let o = o.as_bytes();
            if o.len() != 5 || !digits(core::str::from_utf8(&o[1..]).ok()?) {
                return None;
            }
            let s = core::str::from_utf8(o).ok()?;
            let (hh, mm) = (&s[1..3], &s[3..5]);
            if !two(hh, 14) || !two(mm, 59) {
                return None;
            }
            alloc::format!("{}{}:{}", &s[..1], hh, mm)
        }
        None => match zone {
            Zone::DateOnly => return if instant { None } else { Some(d) },
            Zone::Assume(z) => String::from(z),
        },
    };
    Some(alloc::format!("{d}T{clock}{off}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_their_precision_and_offset() {
        let z = Zone::DateOnly;
        assert_eq!(convert(Prim::DateTime, "2024", z).unwrap(), "2024");
        assert_eq!(convert(Prim::DateTime, "202401", z).unwrap(), "2024-01");
        assert_eq!(
            convert(Prim::DateTime, "20240115", z).unwrap(),
            "2024-01-15"
        );
        // a time without an offset: FHIR has no way to say it, the date stays
        assert_eq!(
            convert(Prim::DateTime, "202401151030", z).unwrap(),
            "2024-01-15"
        );
        assert_eq!(
            convert(Prim::DateTime, "202401151030-0500", z).unwrap(),
            "2024-01-15T10:30:00-05:00"
        );
        assert_eq!(
            convert(Prim::DateTime, "20240115103059.123+0100", z).unwrap(),
            "2024-01-15T10:30:59.123+01:00"
        );
        assert_eq!(
            convert(Prim::DateTime, "202401151030", Zone::Assume("Z")).unwrap(),
            "2024-01-15T10:30:00Z"
        );
        assert_eq!(convert(Prim::Instant, "20240115", z), Err("not_an_instant"));
        assert_eq!(convert(Prim::Date, "19800230", z).unwrap(), "1980-02-30");
        assert_eq!(convert(Prim::Date, "1980x", z), Err("not_a_date"));
        assert_eq!(
            convert(Prim::DateTime, "20241315", z),
            Err("not_a_date_time")
        );
        assert_eq!(convert(Prim::Time, "1030", z).unwrap(), "10:30:00");
    }

    #[test]
    fn numbers_and_codes() {
        let z = Zone::DateOnly;
        assert_eq!(convert(Prim::Decimal, "007.50", z).unwrap(), "7.50");
        assert_eq!(convert(Prim::Decimal, ".5", z).unwrap(), "0.5");
        assert_eq!(convert(Prim::Decimal, "1e5", z), Err("not_a_number"));
        assert_eq!(convert(Prim::PositiveInt, "0", z), Err("out_of_range"));
        assert_eq!(convert(Prim::Code, "  a   b ", z).unwrap(), "a b");
        assert_eq!(convert(Prim::Boolean, "Y", z).unwrap(), "true");
    }
}
