//! Whole files to NDJSON on every core, in bounded memory: messages are read
//! a batch at a time, converted in parallel and written in their order.

use super::{to_fhir, Options};
use crate::stream::{ChunkKind, MessageReader, StreamError};
use crate::{Message, ParseOptions};
use std::io::{self, Read, Write};
use std::string::{String, ToString};
use std::vec::Vec;

/// What a file conversion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// Messages read.
    pub messages: u64,
    /// Bundles written (one line each).
    pub bundles: u64,
    /// Messages not converted: (0-based message number, byte offset, code),
    /// the code a parse or conversion error's (`fhir_no_map`, `missing_header`).
    pub errors: Vec<(u64, u64, &'static str)>,
}

/// How many messages, and bytes, a batch holds at most.
const BATCH_MESSAGES: usize = 4096;
const BATCH_BYTES: usize = 16 << 20;

/// Converts every message `input` holds (one message, a batch, an MLLP
/// capture, a concatenated feed) and writes one Bundle per line to `out`.
/// `threads` = 0 uses every available core. A message that does not parse or
/// has no map is skipped and counted in [`FileSummary::errors`]; an I/O error,
/// or a chunk over 256 MiB, stops the conversion.
///
/// ```
/// let file = b"MSH|^~\\&|A|B|||20240115||ADT^A08|1|P|2.5.1\rPID|1||42^^^^MR\r\
/// MSH|^~\\&|A|B|||20240115||MFN^M01|2|P|2.5.1\r";
/// let mut out = Vec::new();
/// let s = pipehat::fhir::convert_file(&file[..], &mut out, &Default::default(), &Default::default(), 0)?;
/// assert_eq!((s.messages, s.bundles), (2, 1));
/// assert_eq!(s.errors[0].2, "fhir_no_map");
/// assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn convert_file<R: Read, W: Write + ?Sized>(
    input: R,
    out: &mut W,
    options: &Options,
    parse: &ParseOptions,
    threads: usize,
) -> io::Result<FileSummary> {
    options
        .check()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let threads = crate::par::threads(threads);
    let mut summary = FileSummary::default();
    let mut reader = MessageReader::new(input);
    let mut batch: Vec<(u64, u64, Vec<u8>)> = Vec::new();
    let mut bytes = 0usize;
    loop {
        let next = reader.next();
        let end = next.is_none();
        match next {
            Some(Ok(chunk)) if chunk.kind == ChunkKind::Message => {
                bytes += chunk.bytes.len();
                batch.push((summary.messages, chunk.offset, chunk.bytes));
                summary.messages += 1;
            }
            Some(Ok(_)) => {}
            Some(Err(StreamError::Io(e))) => return Err(e),
            Some(Err(e)) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            None => {}
        }
        if batch.len() >= BATCH_MESSAGES || bytes >= BATCH_BYTES || (end && !batch.is_empty()) {
            let lines = convert_batch(&batch, options, parse, threads);
            for ((n, offset, _), line) in batch.iter().zip(lines) {
                match line {
                    Ok(text) => {
                        out.write_all(text.as_bytes())?;
                        out.write_all(b"\n")?;
                        summary.bundles += 1;
                    }
                    Err(code) => summary.errors.push((*n, *offset, code)),
                }
            }
            batch.clear();
            bytes = 0;
        }
        if end {
            break;
        }
    }
    out.flush()?;
    Ok(summary)
}

fn convert_one(
    bytes: &[u8],
    options: &Options,
    parse: &ParseOptions,
) -> Result<String, &'static str> {
    let msg = Message::parse_with(bytes, parse).map_err(|e| e.kind().code())?;
    to_fhir(&msg, options)
        .map(|c| c.bundle)
        .map_err(|e| e.kind.code())
}

fn convert_batch(
    batch: &[(u64, u64, Vec<u8>)],
    options: &Options,
    parse: &ParseOptions,
    threads: usize,
) -> Vec<Result<String, &'static str>> {
    crate::par::map_parts(
        batch,
        threads,
        |part, _| {
            part.iter()
                .map(|(_, _, b)| convert_one(b, options, parse))
                .collect::<Vec<_>>()
        },
        // a thread that panicked (none should) fails its messages
        |part| std::vec![Err("internal_error"); part.len()],
    )
    .into_iter()
    .flatten()
    .collect()
}
