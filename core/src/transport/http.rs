//! HL7 over HTTP (the HAPI "HL7 over HTTP" specification): which requests
//! to take, the status an acknowledgement maps to, and the reply's content
//! type. A POST whose body is one message gets that message's
//! acknowledgement as the response body.
//!
//! ```
//! use pipehat::ack::AckCode;
//! use pipehat::transport::http::{check, status_for, HttpRequest, HttpOptions};
//! let request = HttpRequest {
//!     method: "POST",
//!     content_type: Some("application/hl7-v2; charset=UTF-8"),
//!     authorization: None,
//!     body_length: 120,
//! };
//! let accepted = check(&request, &HttpOptions::default())?;
//! assert_eq!(accepted.charset, Some("UTF-8"));
//! assert_eq!(status_for(AckCode::AA), 200);
//! assert_eq!(status_for(AckCode::AR), 400);
//! assert_eq!(status_for(AckCode::AE), 500);
//! # Ok::<(), pipehat::transport::TransportError>(())
//! ```

use super::{Limits, TransportError, TransportErrorKind};
use crate::ack::AckCode;
use alloc::string::String;
use base64::Engine as _;
use subtle::ConstantTimeEq as _;

/// The request media types taken (case-insensitive), in the order of the
/// specification: `application/hl7-v2`, its `+er7` forms, and `text/plain`.
pub const MEDIA_TYPES: [&str; 4] = [
    "application/hl7-v2",
    "application/hl7-v2+er7",
    "x-application/hl7-v2+er7",
    "text/plain",
];

/// What [`check`] looks at in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The body's size in bytes (the `Content-Length`, or what was read).
    pub body_length: u64,
}

/// Options of an HL7-over-HTTP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// The largest body accepted ([`Limits::DEFAULT`]'s `max_body_size`, 16 MiB).
    pub max_body_size: u64,
    /// HTTP Basic credentials (user, password) every request must carry; none by default.
    pub credentials: Option<(String, String)>,
}

impl Default for HttpOptions {
    fn default() -> HttpOptions {
        HttpOptions {
            max_body_size: Limits::DEFAULT.max_body_size as u64,
            credentials: None,
        }
    }
}

/// A request [`check`] took: its media type and charset parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted<'a> {
    /// One of [`MEDIA_TYPES`], as listed there.
    pub media_type: &'static str,
    /// The `charset` parameter, if any (quotes removed).
    pub charset: Option<&'a str>,
}

/// Decides whether to take a request, before reading its message. The
/// checks run in this order, each with its status ([`error_status`]):
/// credentials (401), method (405), media type (415), size (413), empty
/// body (400).
pub fn check<'a>(
    request: &HttpRequest<'a>,
    options: &HttpOptions,
) -> Result<Accepted<'a>, TransportError> {
    use TransportErrorKind::*;
    if let Some((user, password)) = &options.credentials {
        if !authorized(request.authorization, user, password) {
            return Err(Unauthorized.into());
        }
    }
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(MethodNotAllowed.into());
    }
    let accepted = read_content_type(request.content_type.unwrap_or(""))
        .ok_or(TransportError::new(UnsupportedMediaType))?;
    if request.body_length > options.max_body_size {
        return Err(TransportError::with_length(
            BodyTooLarge,
            options.max_body_size,
        ));
    }
    if request.body_length == 0 {
        return Err(EmptyBody.into());
    }
    Ok(accepted)
}

/// Reads a `Content-Type` header: `None` unless its media type is one of [`MEDIA_TYPES`].
pub fn read_content_type(header: &str) -> Option<Accepted<'_>> {
    let mut parts = header.split(';');
    let media = parts.next().unwrap_or("").trim();
    let media_type = MEDIA_TYPES
        .iter()
        .copied()
        .find(|m| m.eq_ignore_ascii_case(media))?;
    let charset = parts.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches('"').trim();
        (!value.is_empty()).then_some(value)
    });
    Some(Accepted {
        media_type,
        charset,
    })
}

/// The status for an acknowledgement: 200 for AA and CA, 400 for AR and CR,
/// 500 for AE and CE.
pub const fn status_for(code: AckCode) -> u16 {
    match code {
        AckCode::AA | AckCode::CA => 200,
        AckCode::AR | AckCode::CR => 400,
        AckCode::AE | AckCode::CE => 500,
    }
}

/// The status for a request refused before any acknowledgement could be
/// made: 401, 405, 413, 415, 400 (empty body or unreadable message), 500
/// for anything else.
pub const fn error_status(kind: TransportErrorKind) -> u16 {
    use TransportErrorKind::*;
    match kind {
        Unauthorized => 401,
        MethodNotAllowed => 405,
        BodyTooLarge => 413,
        UnsupportedMediaType => 415,
        EmptyBody | UnreadableFrame => 400,
        _ => 500,
    }
}

/// The response's `Content-Type`: the request's media type, with its
/// charset when it named one.
pub fn reply_content_type(accepted: &Accepted<'_>) -> String {
    let mut out = String::from(accepted.media_type);
    if let Some(charset) = accepted.charset {
        out.push_str("; charset=");
        out.push_str(charset);
    }
    out
}

/// The `WWW-Authenticate` header a 401 response carries.
pub const AUTHENTICATE: &str = "Basic realm=\"HL7\", charset=\"UTF-8\"";

/// Whether an `Authorization` header carries HTTP Basic credentials equal
/// to `user` and `password`. The comparison takes the same time wherever
/// the two differ.
pub fn authorized(header: Option<&str>, user: &str, password: &str) -> bool {
    let Some(header) = header else {
        return false;
    };
    let header = header.trim();
    let Some((scheme, token)) = header.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("Basic") {
        return false;
    }
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return false;
    };
    let mut expected = alloc::vec::Vec::with_capacity(user.len() + password.len() + 1);
    expected.extend_from_slice(user.as_bytes());
    expected.push(b':');
    expected.extend_from_slice(password.as_bytes());
    bool::from(given.ct_eq(&expected))
}
