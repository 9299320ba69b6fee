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

mod composite;
mod datetime;
mod number;
#[cfg(feature = "alloc")]
mod typed;

pub use composite::Datatype;
// The checks validation and filters use (not every build has them).
#[allow(unused_imports)]
pub(crate) use datetime::{civil_from_days, days_from_civil, plain_datetime_ok};
pub use datetime::{DateTime, Precision};
#[allow(unused_imports)]
pub(crate) use number::{is_ascii_space, is_number, is_sequence_id, trim_ascii};
pub use number::{parse_number, parse_sequence_id};
#[cfg(feature = "alloc")]
pub use typed::{Composite, Dtm, TypedPart};

use core::fmt;

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
            [Place::Byte(self.offset as u64)],
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DatatypeError {}

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
