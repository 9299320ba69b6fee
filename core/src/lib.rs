//! # pipehat
//!
//! Fast, correct HL7 v2 parsing for messy real-world feeds.
//!
//! - **Bytes in, zero copies.** [`Message::parse`] builds a compact index of
//!   segment and field positions in one SIMD pass and borrows the input;
//!   repetitions, components, escapes and character sets are worked out only
//!   when a value is read.
//! - **Lenient by default, strict by option.** Once a header is readable,
//!   parsing records [`Diagnostic`]s (`\n` terminators, bad segment names,
//!   malformed escapes, charset fallbacks, batch counts) instead of failing.
//!   [`ParseOptions::strict`] turns warnings and errors into a [`ParseError`].
//! - **Errors never quote the message.** HL7 carries patient data and error
//!   text ends up in logs: errors and diagnostics carry a stable code, a byte
//!   offset and segment/field positions, nothing else.
//! - **`no_std`.** Without `alloc`, [`Scanner`] and the views still read
//!   messages and [`escape::decode_into`] decodes into a caller's buffer.
//!
//! ```
//! let bytes = b"MSH|^~\\&|EPIC|HOSP|||20240115||ADT^A01^ADT_A01|MSG001|P|2.5.1\r\
//!               PID|1||12345^^^HOSP^MR~99^^^SSA^SS||DOE^JOHN^Q||19800101|M\r\
//!               AL1|1|DA|1605^Penicillin|SV|Hives\\T\\Rash\r";
//! let msg = pipehat::Message::parse(bytes)?;
//! assert_eq!(msg.message_type().as_deref(), Some("ADT"));
//! assert_eq!(msg.get("MSH-1")?.as_deref(), Some("|"));          // MSH-1 is the separator
//! assert_eq!(msg.get("MSH-2")?.as_deref(), Some("^~\\&"));
//! assert_eq!(msg.get("PID-3(2).1")?.as_deref(), Some("99"));     // second repetition
//! assert_eq!(msg.get("AL1-5")?.as_deref(), Some("Hives&Rash"));  // escapes decoded
//! assert_eq!(msg.get_raw("AL1-5")?.as_deref(), Some("Hives\\T\\Rash"));
//! for obx in msg.segments_named("OBX") {
//!     let _ = obx.field(5);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//! - `std` (default): `std::error::Error`, [`stream::MessageReader`], AVX2 detection.
//! - `alloc`: [`Message`], [`Parser`], [`OwnedMessage`], decoded text as `Cow<str>`.
//! - `json` (default): [`MessageBuf::from_lossless_json`] and [`mapping`] specs (adds serde_json, no_std with alloc).
//! - `regex` (default): `~ /re/` in [`filter`] expressions (adds regex-lite; needs `std`).
//! - `dictionary`: [`dictionary`] (field names, datatypes, structures and tables
//!   for 2.1 to 2.8.2) and [`validate`](mod@validate); adds about a megabyte of tables.
//! - `yaml`: conformance profiles written in YAML (`validate::Profile::parse_yaml`;
//!   adds yaml_serde, needs `std`).
//! - `deid`: [`deid`] (de-identification by policy; adds hmac and sha2, implies `dictionary`).
//! - `serde`: `Serialize` for errors, diagnostics and terminators.

#![no_std]
#![deny(missing_docs)]
// Without `alloc`, the helpers that only the allocating API calls are unused.
#![cfg_attr(not(feature = "alloc"), allow(dead_code))]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
pub mod ack;
#[cfg(feature = "alloc")]
mod batch;
mod charset;
mod charset_tables;
#[cfg(feature = "std")]
pub mod columns;
pub mod datatype;
#[cfg(feature = "deid")]
pub mod deid;
mod delimiters;
mod diagnostics;
#[cfg(feature = "dictionary")]
pub mod dictionary;
#[cfg(feature = "alloc")]
pub mod diff;
#[cfg(feature = "alloc")]
pub mod edit;
mod error;
pub mod escape;
#[cfg(feature = "std")]
pub mod extract;
#[cfg(feature = "fhir")]
pub mod fhir;
#[cfg(feature = "alloc")]
pub mod filter;
#[cfg(feature = "alloc")]
pub mod json;
#[cfg(feature = "alloc")]
pub mod lossless;
#[cfg(feature = "json")]
pub mod mapping;
#[cfg(feature = "alloc")]
mod message;
#[cfg(feature = "alloc")]
pub mod mllp;
mod options;
#[cfg(feature = "std")]
mod par;
mod parse;
mod path;
pub mod stream;
#[cfg(feature = "alloc")]
pub mod transport;
#[cfg(feature = "dictionary")]
pub mod validate;
mod view;

/// The HL7 version pipehat assumes where none is given: what a new message
/// declares in MSH-12, and the version the dictionary answers for.
pub const DEFAULT_VERSION: &str = "2.5.1";

pub use charset::Charset;
pub use delimiters::{Delimiters, SegmentTerminator};
pub use diagnostics::{Diagnostic, DiagnosticCode, DiagnosticMessage, Severity};
#[cfg(feature = "alloc")]
pub use edit::MessageBuf;
#[cfg(feature = "alloc")]
pub use error::SpecError;
pub use error::SpecErrorKind;
pub use error::{
    line_column, EditError, EditErrorKind, ErrorKind, ParseError, PathError, PathErrorKind,
};
#[cfg(feature = "alloc")]
pub use message::{Message, OwnedMessage, Parser};
pub use options::ParseOptions;
#[cfg(feature = "alloc")]
pub use parse::index::Index;
pub use parse::scanner::{ScanSegments, Scanner};
pub use path::{IntoPath, Path};
pub use view::{Component, Field, Repetition, Segment, Subcomponent, Value};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The Rust examples of docs/reading.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/reading.md")]
pub struct DocsReading;

/// The Rust examples of docs/streams.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/streams.md")]
pub struct DocsStreams;

/// The Rust examples of docs/writing.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/writing.md")]
pub struct DocsWriting;

/// The Rust examples of docs/routing-and-mapping.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/routing-and-mapping.md")]
pub struct DocsRoutingAndMapping;

/// The Rust examples of docs/dictionary-and-validation.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/dictionary-and-validation.md")]
pub struct DocsDictionaryAndValidation;

/// The Rust examples of docs/errors.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/errors.md")]
pub struct DocsErrors;

/// The Rust examples of docs/cli.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/cli.md")]
pub struct DocsCli;

/// The Rust examples of docs/performance.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/performance.md")]
pub struct DocsPerformance;

/// The Rust examples of docs/engines.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/engines.md")]
pub struct DocsEngines;

/// The Rust examples of docs/transport.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/transport.md")]
pub struct DocsTransport;

/// The Rust examples of docs/deid.md, run as doctests.
#[cfg(all(doctest, feature = "deid"))]
#[doc = include_str!("../../docs/deid.md")]
pub struct DocsDeid;

/// The Rust examples of docs/README.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/README.md")]
pub struct DocsReadme;
