//! Moving messages over the wire, without the wire: what a server answers to
//! a frame, whether a reply answers the message a client sent, the key that
//! spots a resent message, the limits both ends enforce, and (in [`http`])
//! HL7 over HTTP.
//!
//! Nothing here opens a socket or reads a clock: the JavaScript and Python
//! servers and clients do the I/O, timers and TLS with their own standard
//! libraries and ask this module every protocol question, so that the
//! answers are the same in every language.
//!
//! ```
//! use pipehat::transport::{accept, Outcome, Reply};
//! use pipehat::Message;
//! let frame = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01|MSG42|P|2.5.1\rPID|1\r";
//! let msg = Message::parse(frame)?;
//! // The handler returned: acknowledge (AA, or CA when MSH-15/16 ask for enhanced mode).
//! let ack = accept(&msg, Outcome::Accepted, "ACK1", "20240115103000")?;
//! // The client reads the reply and checks that it answers MSG42.
//! let reply = Reply::read(ack.as_bytes())?;
//! assert!(reply.answers(b"MSG42"));
//! assert!(!reply.answers(b"MSG43"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod http;

use crate::ack::{AckCode, AckError, AckMode, AckOptions, ErrSeverity, IncludeDiagnostics, Source};
use crate::edit::MessageBuf;
use crate::error::{kinds, write_error, Place};
use crate::Message;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::fmt;

kinds! {
    /// What went wrong moving a message; the `code` every language's
    /// transport error carries.
    pub enum TransportErrorKind {
        /// The peer refused the connection or could not be reached.
        ConnectFailed => "connect_failed", "the connection could not be opened";
        /// The connection was not open within the connect timeout.
        ConnectTimeout => "connect_timeout", "the connection was not opened in time";
        /// No acknowledgement answered the message within the ACK timeout.
        AckTimeout => "ack_timeout", "no acknowledgement answered the message in time";
        /// The connection closed while a message waited for its acknowledgement.
        ConnectionClosed => "connection_closed", "the connection closed before the acknowledgement arrived";
        /// A frame grew past the size limit.
        FrameTooLarge => "frame_too_large", "an MLLP frame exceeds the size limit";
        /// A frame was started but not finished within the frame timeout (a slow sender).
        FrameTimeout => "frame_timeout", "an MLLP frame was not completed in time";
        /// Nothing arrived within the idle timeout.
        IdleTimeout => "idle_timeout", "the connection was idle longer than its limit";
        /// The server already holds as many connections as it accepts.
        TooManyConnections => "too_many_connections", "the server holds as many connections as it accepts";
        /// The handler raised an error; the sender got an AE (or CE) acknowledgement.
        HandlerFailed => "handler_failed", "the handler raised an error";
        /// The handler did not return within the handler timeout; the sender got an AE (or CE).
        HandlerTimeout => "handler_timeout", "the handler did not return in time";
        /// A frame that did not parse has no readable MSH either, so no acknowledgement can answer it.
        UnreadableFrame => "unreadable_frame", "a frame has no readable MSH segment to acknowledge";
        /// A reply has no readable MSA segment with a known acknowledgement code.
        NotAnAck => "not_an_ack", "a reply is not an acknowledgement";
        /// The receiver answered with an MLLP release 2 negative commit.
        NegativeCommit => "negative_commit", "the receiver refused the message (MLLP release 2 negative commit)";
        /// An acknowledgement arrived that answers no message waiting for one (late, or for another sender); it was dropped.
        UnmatchedAck => "unmatched_ack", "an acknowledgement answers no message waiting for one";
        /// The message has no MSH-10, so no acknowledgement can be matched to it.
        NoControlId => "no_control_id", "the message has no MSH-10 control id";
        /// A message with the same MSH-10 is already waiting for its acknowledgement.
        DuplicateInFlight => "duplicate_in_flight", "a message with the same control id is already waiting for its acknowledgement";
        /// The client or server was closed.
        Closed => "closed", "the connection was closed by this side";
        /// The TLS handshake failed (certificate, protocol or a plain-text peer).
        TlsFailed => "tls_failed", "the TLS handshake failed";
        /// Listening on an address other than loopback was not asked for.
        PublicAddress => "public_address", "listening beyond loopback must be asked for explicitly";
        /// An HTTP body larger than the limit.
        BodyTooLarge => "body_too_large", "the request body exceeds the size limit";
        /// An HTTP body without a message.
        EmptyBody => "empty_body", "the request body is empty";
        /// An HTTP Content-Type that is not one of the HL7 v2 media types.
        UnsupportedMediaType => "unsupported_media_type", "the request's content type is not an HL7 v2 media type";
        /// An HTTP method other than POST.
        MethodNotAllowed => "method_not_allowed", "HL7 over HTTP accepts POST only";
        /// Missing or wrong HTTP Basic credentials.
        Unauthorized => "unauthorized", "the request's credentials are missing or wrong";
    }
}

impl TransportErrorKind {
    /// How languages group the kind: `"timeout"` (a limit of time passed),
    /// `"connection"` (a connection could not be opened or ended) or
    /// `"other"`. Python raises the first two as `TimeoutError` and
    /// `ConnectionError` subclasses; JavaScript has a class for each.
    pub const fn group(self) -> &'static str {
        use TransportErrorKind::*;
        match self {
            ConnectTimeout | AckTimeout | FrameTimeout | IdleTimeout | HandlerTimeout => "timeout",
            ConnectFailed | ConnectionClosed | TlsFailed | Closed => "connection",
            _ => "other",
        }
    }
}

/// A transport failure: a kind and, where it concerns a size, the limit or size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    length: Option<u64>,
}

impl TransportError {
    /// An error of `kind`.
    pub const fn new(kind: TransportErrorKind) -> TransportError {
        TransportError { kind, length: None }
    }
    /// An error of `kind` about `length` bytes (a limit passed, a size seen).
    pub const fn with_length(kind: TransportErrorKind, length: u64) -> TransportError {
        TransportError {
            kind,
            length: Some(length),
        }
    }
    /// What happened.
    pub const fn kind(&self) -> TransportErrorKind {
        self.kind
    }
    /// The stable code of the kind.
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// The size it concerns, if any.
    pub const fn length(&self) -> Option<u64> {
        self.length
    }
}

impl From<TransportErrorKind> for TransportError {
    fn from(kind: TransportErrorKind) -> TransportError {
        TransportError::new(kind)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_error(
            f,
            self.kind.describe(),
            self.code(),
            self.length.map(Place::Length),
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TransportError {}

/// Limits and timeouts, with the defaults every language's servers and
/// clients use. Times are in milliseconds; `0` turns a timeout off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest frame a server or client accepts: 16 MiB.
    pub max_frame_size: usize,
    /// The most connections a server holds at once: 10,000.
    pub max_connections: usize,
    /// Time from a frame's first byte to its last: 30 s.
    pub frame_timeout_ms: u64,
    /// Time a handler may take before the sender gets an AE: 30 s.
    pub handler_timeout_ms: u64,
    /// Time a server connection may stay silent: off (MLLP links stay open for days).
    pub idle_timeout_ms: u64,
    /// Time to open a client connection (TLS handshake included): 10 s.
    pub connect_timeout_ms: u64,
    /// Time a client waits for the acknowledgement of one message: 30 s.
    pub ack_timeout_ms: u64,
    /// TCP keep-alive probe delay on every socket: 60 s.
    pub keep_alive_ms: u64,
    /// The largest HTTP body accepted: 16 MiB.
    pub max_body_size: usize,
    /// How many times a client reconnects after losing its connection before
    /// the messages waiting for acknowledgements fail: 5.
    pub reconnect_attempts: u32,
    /// The first reconnect delay, doubled at each attempt: 100 ms (see [`backoff_ms`]).
    pub reconnect_min_ms: u64,
    /// The longest reconnect delay: 5 s.
    pub reconnect_max_ms: u64,
}

impl Limits {
    /// The defaults, usable in constants.
    pub const DEFAULT: Limits = Limits {
        max_frame_size: 16 << 20,
        max_connections: 10_000,
        frame_timeout_ms: 30_000,
        handler_timeout_ms: 30_000,
        idle_timeout_ms: 0,
        connect_timeout_ms: 10_000,
        ack_timeout_ms: 30_000,
        keep_alive_ms: 60_000,
        max_body_size: 16 << 20,
        reconnect_attempts: 5,
        reconnect_min_ms: 100,
        reconnect_max_ms: 5_000,
    };

    /// Each limit with its option name (snake_case; bindings write it in their own case) and value.
    pub const fn entries(&self) -> [(&'static str, u64); 12] {
        [
            ("max_frame_size", self.max_frame_size as u64),
            ("max_connections", self.max_connections as u64),
            ("frame_timeout_ms", self.frame_timeout_ms),
            ("handler_timeout_ms", self.handler_timeout_ms),
            ("idle_timeout_ms", self.idle_timeout_ms),
            ("connect_timeout_ms", self.connect_timeout_ms),
            ("ack_timeout_ms", self.ack_timeout_ms),
            ("keep_alive_ms", self.keep_alive_ms),
            ("max_body_size", self.max_body_size as u64),
            ("reconnect_attempts", self.reconnect_attempts as u64),
            ("reconnect_min_ms", self.reconnect_min_ms),
            ("reconnect_max_ms", self.reconnect_max_ms),
        ]
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// The delay before reconnect attempt `attempt` (0 for the first):
/// `min_ms` doubled at each attempt up to `max_ms`, then jittered into its
/// upper half by `jitter` (a random number in `[0, 1)`), so that clients
/// cut off together do not come back together.
pub fn backoff_ms(attempt: u32, min_ms: u64, max_ms: u64, jitter: f64) -> u64 {
    let full = min_ms
        .saturating_mul(1u64.checked_shl(attempt.min(62)).unwrap_or(u64::MAX))
        .min(max_ms);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    full / 2 + ((full - full / 2) as f64 * jitter) as u64
}

/// Whether `host` names a loopback address (`localhost`, `127.0.0.0/8`,
/// `::1`): servers listen anywhere else only when asked explicitly.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") || host == "::1" || host == "0:0:0:0:0:0:0:1" {
        return true;
    }
    let v4 = host.strip_prefix("::ffff:").unwrap_or(host);
    let mut parts = v4.split('.');
    let first = parts.next();
    let rest: Vec<&str> = parts.collect();
    first == Some("127")
        && rest.len() == 3
        && rest
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// The MSH fields that identify a message: MSH-3 (sending application),
/// MSH-4 (sending facility) and MSH-10 (control id), as encoded bytes.
/// A sender that resends a message keeps all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageKey<'a> {
    /// MSH-3.
    pub sending_application: &'a [u8],
    /// MSH-4.
    pub sending_facility: &'a [u8],
    /// MSH-10.
    pub control_id: &'a [u8],
}

impl<'a> MessageKey<'a> {
    /// Reads the key from a message's bytes, even one that does not parse;
    /// `None` when there is no readable MSH or MSH-10 is empty.
    pub fn read(message: &'a [u8]) -> Option<MessageKey<'a>> {
        let source = Source::from_bytes(message)?;
        let control_id = trim(source.field(10));
        if control_id.is_empty() {
            return None;
        }
        Some(MessageKey {
            sending_application: source.field(3),
            sending_facility: source.field(4),
            control_id,
        })
    }

    /// The three fields in one byte string (joined by `0x1F`), for use as a map key.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.sending_application.len()
                + self.sending_facility.len()
                + self.control_id.len()
                + 2,
        );
        out.extend_from_slice(self.sending_application);
        out.push(0x1F);
        out.extend_from_slice(self.sending_facility);
        out.push(0x1F);
        out.extend_from_slice(self.control_id);
        out
    }
}

/// MSH-10 of a message's bytes (even one that does not parse), spaces and
/// tabs trimmed; `None` when there is no readable MSH or MSH-10 is empty.
pub fn control_id(message: &[u8]) -> Option<&[u8]> {
    MessageKey::read(message).map(|k| k.control_id)
}

/// Without the spaces and tabs around it (peers pad ids; written ACKs drop trailing whitespace).
fn trim(bytes: &[u8]) -> &[u8] {
    let pad = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !pad(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !pad(b)).map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// Whether a receiver acknowledges this message when all goes well, so
/// that its sender should wait for a reply: always in original mode; in
/// enhanced mode (MSH-15 or MSH-16 valued) only when the accept or the
/// application condition asks for an acknowledgement on success (`AL`,
/// `SU`, or empty). A message sent with `NE`/`NE`, `ER`/`ER` and the like
/// gets no reply when it succeeds. Bytes without a readable MSH: `true`.
pub fn expects_ack(message: &[u8]) -> bool {
    match Source::from_bytes(message).map(|s| s.mode()) {
        Some(AckMode::Enhanced {
            accept,
            application,
        }) => accept.wants(true) || application.wants(true),
        _ => true,
    }
}

/// An acknowledgement's MSA segment, as a client reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckInfo<'a> {
    /// MSA-1.
    pub code: AckCode,
    /// MSA-2: the control id of the message this acknowledges (spaces trimmed).
    pub answers: &'a [u8],
    /// MSH-10 of the acknowledgement itself.
    pub control_id: &'a [u8],
    /// MSA-3, the text message (encoded bytes; empty when absent).
    pub text: &'a [u8],
}

/// What came back for a message a client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply<'a> {
    /// MLLP release 2 commit acknowledgement (`0x06` framed): the receiver stored the message.
    Commit,
    /// MLLP release 2 negative commit (`0x15` framed): the receiver did not store it.
    NegativeCommit,
    /// An HL7 acknowledgement message.
    Ack(AckInfo<'a>),
}

impl<'a> Reply<'a> {
    /// Reads a frame's content as a reply. Commit blocks are the one byte
    /// [`COMMIT`] or [`NEGATIVE_COMMIT`]; anything else must have an MSH and
    /// an MSA whose MSA-1 is an acknowledgement code (any case, spaces
    /// ignored), else the error is [`TransportErrorKind::NotAnAck`].
    pub fn read(frame: &'a [u8]) -> Result<Reply<'a>, TransportError> {
        match frame {
            [COMMIT] => return Ok(Reply::Commit),
            [NEGATIVE_COMMIT] => return Ok(Reply::NegativeCommit),
            _ => {}
        }
        let not_an_ack = TransportError::new(TransportErrorKind::NotAnAck);
        let source = Source::from_bytes(frame).ok_or(not_an_ack)?;
        let sep = source.delimiters.field();
        let msa = frame
            .split(|&b| b == b'\r' || b == b'\n')
            .map(|line| line.strip_prefix(b"\x0B").unwrap_or(line))
            .find(|line| line.len() > 3 && line.starts_with(b"MSA") && line[3] == sep)
            .ok_or(not_an_ack)?;
        let mut fields = msa[4..].split(|&b| b == sep);
        let code = fields.next().unwrap_or(&[]);
        let code = core::str::from_utf8(trim(code))
            .ok()
            .and_then(AckCode::parse)
            .ok_or(not_an_ack)?;
        let answers = trim(fields.next().unwrap_or(&[]));
        let text = fields.next().unwrap_or(&[]);
        Ok(Reply::Ack(AckInfo {
            code,
            answers,
            control_id: trim(source.field(10)),
            text,
        }))
    }

    /// Whether this reply answers the message whose MSH-10 is `control_id`:
    /// an acknowledgement whose MSA-2 is that id, or a commit block (which
    /// carries no id; MLLP release 2 is stop-and-wait).
    pub fn answers(&self, control_id: &[u8]) -> bool {
        match self {
            Reply::Commit | Reply::NegativeCommit => true,
            Reply::Ack(ack) => ack.answers == trim(control_id),
        }
    }

    /// Whether this settles a message that waits for an application
    /// acknowledgement: a commit acknowledgement (CA, CE, CR, or a commit
    /// block) does not, except a refusal (CE, CR, negative commit), which
    /// means no application acknowledgement will follow.
    pub fn settles_application(&self) -> bool {
        match self {
            Reply::Commit => false,
            Reply::NegativeCommit => true,
            Reply::Ack(ack) => ack.code != AckCode::CA,
        }
    }

    /// The acknowledgement code, `None` for commit blocks.
    pub fn code(&self) -> Option<AckCode> {
        match self {
            Reply::Ack(ack) => Some(ack.code),
            _ => None,
        }
    }
}

/// The content of an MLLP release 2 commit acknowledgement block (ACK, `0x06`).
pub const COMMIT: u8 = 0x06;
/// The content of an MLLP release 2 negative commit block (NAK, `0x15`).
pub const NEGATIVE_COMMIT: u8 = 0x15;

/// How a handler dealt with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It returned: the message is the receiver's now.
    Accepted,
    /// It failed ([`TransportErrorKind::HandlerFailed`]) or did not return in
    /// time ([`TransportErrorKind::HandlerTimeout`]).
    Failed(TransportErrorKind),
}

/// HL7 table 0357 code for "application internal error", used for handler failures.
pub const APPLICATION_INTERNAL_ERROR: u16 = 207;

/// The acknowledgement a server sends for a message that parsed, once the
/// handler is done: AA for [`Outcome::Accepted`] and AE for a failure, or CA
/// and CE when the message asks for enhanced mode (MSH-15 or MSH-16 valued).
/// A failure carries one ERR (207, application internal error) whose text
/// is the failure's description and whose ERR-7 is its code, never message
/// content. Parse diagnostics are not listed: the handler accepted the
/// message as it was.
pub fn accept(
    message: &Message<'_>,
    outcome: Outcome,
    control_id: &str,
    timestamp: &str,
) -> Result<MessageBuf, crate::EditError> {
    let code = code_for(outcome, message.ack_mode());
    acknowledge(message, outcome, code, control_id, timestamp)
}

/// What a server sends once the handler is done and returned no reply of
/// its own: [`accept`]'s acknowledgement, or `None` when the message's
/// MSH-15/16 ask for no acknowledgement with that code (enhanced mode: `NE`,
/// or `ER`/`SU` for the other outcome).
pub fn reply(
    message: &Message<'_>,
    outcome: Outcome,
    control_id: &str,
    timestamp: &str,
) -> Result<Option<MessageBuf>, crate::EditError> {
    let mode = message.ack_mode();
    let code = code_for(outcome, mode);
    if !mode.wants(code) {
        return Ok(None);
    }
    acknowledge(message, outcome, code, control_id, timestamp).map(Some)
}

/// AA or AE in original mode, CA or CE in enhanced mode.
fn code_for(outcome: Outcome, mode: AckMode) -> AckCode {
    let enhanced = matches!(mode, AckMode::Enhanced { .. });
    match (outcome, enhanced) {
        (Outcome::Accepted, false) => AckCode::AA,
        (Outcome::Accepted, true) => AckCode::CA,
        (Outcome::Failed(_), false) => AckCode::AE,
        (Outcome::Failed(_), true) => AckCode::CE,
    }
}

fn acknowledge(
    message: &Message<'_>,
    outcome: Outcome,
    code: AckCode,
    control_id: &str,
    timestamp: &str,
) -> Result<MessageBuf, crate::EditError> {
    let mut options = AckOptions::new(control_id, timestamp);
    options.diagnostics = IncludeDiagnostics::None;
    options.code = Some(code);
    if let Outcome::Failed(kind) = outcome {
        options.errors.push(AckError {
            code: APPLICATION_INTERNAL_ERROR,
            severity: ErrSeverity::Error,
            location: None,
            text: Some(kind.describe().into()),
            diagnostic: Some(kind.code().into()),
        });
    }
    message.ack(&options)
}

/// The acknowledgement a server sends for a frame that did not parse: AR
/// (or CR when its MSH asks for enhanced mode) with an ERR for the parse
/// error, built from the frame's MSH. A frame without a readable MSH cannot
/// be answered: [`TransportErrorKind::UnreadableFrame`].
pub fn reject(
    frame: &[u8],
    options: &crate::ParseOptions,
    control_id: &str,
    timestamp: &str,
) -> Result<MessageBuf, TransportError> {
    let unreadable = TransportError::new(TransportErrorKind::UnreadableFrame);
    let source = Source::from_bytes(frame).ok_or(unreadable)?;
    let enhanced = matches!(source.mode(), AckMode::Enhanced { .. });
    let mut ack = AckOptions::new(control_id, timestamp);
    ack.code = Some(if enhanced { AckCode::CR } else { AckCode::AR });
    ack.diagnostics = IncludeDiagnostics::None;
    crate::ack::ack_bytes(frame, options, &ack).map_err(|_| unreadable)
}

/// The acknowledgements of recent messages, by [`MessageKey`], so that a
/// message sent again (the sender missed the first acknowledgement) is
/// answered with the same acknowledgement instead of being handled twice.
/// Holds at most `capacity` entries and forgets the oldest first.
#[derive(Debug, Clone, Default)]
pub struct ReplayCache {
    capacity: usize,
    order: VecDeque<Vec<u8>>,
    acks: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl ReplayCache {
    /// A cache of at most `capacity` acknowledgements (`0` remembers nothing).
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity,
            order: VecDeque::new(),
            acks: BTreeMap::new(),
        }
    }

    /// The acknowledgement sent for an earlier message with `message`'s key.
    pub fn get(&self, message: &[u8]) -> Option<&[u8]> {
        let key = MessageKey::read(message)?.to_bytes();
        self.acks.get(&key).map(Vec::as_slice)
    }

    /// Remembers the acknowledgement sent for `message` (nothing when it has
    /// no key). Only accepting acknowledgements are worth replaying; the
    /// caller decides which to remember.
    pub fn insert(&mut self, message: &[u8], ack: &[u8]) {
        let Some(key) = MessageKey::read(message) else {
            return;
        };
        if self.capacity == 0 {
            return;
        }
        let key = key.to_bytes();
        if self.acks.insert(key.clone(), ack.to_vec()).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.acks.remove(&old);
            }
        }
    }

    /// How many acknowledgements it holds.
    pub fn len(&self) -> usize {
        self.acks.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.acks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_stays_in_its_upper_half() {
        assert_eq!(backoff_ms(0, 100, 5000, 0.0), 50);
        assert_eq!(backoff_ms(0, 100, 5000, 0.999), 99);
        assert_eq!(backoff_ms(3, 100, 5000, 0.0), 400);
        assert_eq!(backoff_ms(10, 100, 5000, 0.5), 3750);
        assert_eq!(backoff_ms(200, 100, 5000, 1.0), 5000);
        assert_eq!(backoff_ms(1, 100, 5000, f64::NAN), 100);
    }

    #[test]
    fn replay_cache_forgets_the_oldest() {
        let m = |id: &str| alloc::format!("MSH|^~\\&|A|B|||||ADT^A01|{id}|P|2.5\r").into_bytes();
        let mut cache = ReplayCache::new(2);
        cache.insert(&m("1"), b"ack1");
        cache.insert(&m("2"), b"ack2");
        cache.insert(&m("1"), b"ack1b");
        assert_eq!(cache.get(&m("1")), Some(&b"ack1b"[..]));
        cache.insert(&m("3"), b"ack3");
        assert_eq!((cache.get(&m("1")), cache.len()), (None, 2));
        assert_eq!(cache.get(&m("3")), Some(&b"ack3"[..]));
        cache.insert(b"PID|1\r", b"x");
        assert_eq!(cache.len(), 2);
        let mut none = ReplayCache::new(0);
        none.insert(&m("1"), b"ack1");
        assert!(none.is_empty());
    }
}
