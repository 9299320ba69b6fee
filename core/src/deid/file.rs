//! Whole files de-identified on every core, in bounded memory, with their
//! framing: MLLP bytes, batch envelopes and line breaks between messages
//! are written back as they were.

use super::Deidentifier;
use crate::stream::{ChunkKind, OwnedChunk, Splitter, StreamError};
use crate::{Message, ParseOptions};
use std::io::{self, Read, Write};
use std::string::ToString;
use std::vec::Vec;

/// What a file de-identification did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// Messages read.
    pub messages: u64,
    /// Messages written, de-identified.
    pub written: u64,
    /// Messages left out because they do not parse: (0-based message
    /// number, byte offset, error code). Nothing of them is written.
    pub errors: Vec<(u64, u64, &'static str)>,
    /// Bytes left out that were neither a message, an envelope nor framing
    /// (stray text between messages, a chunk over the size limit).
    pub dropped_bytes: u64,
}

const BATCH_BYTES: usize = 16 << 20;
const READ_BYTES: usize = 1 << 20;

/// Bytes between chunks that are framing and written back: MLLP's start
/// and end bytes, line breaks, spaces and tabs, NUL padding and a byte-order mark.
fn is_framing(b: u8) -> bool {
    matches!(
        b,
        0x0B | 0x1C | b'\r' | b'\n' | b' ' | b'\t' | 0 | 0xEF | 0xBB | 0xBF
    )
}

/// De-identifies every message `input` holds (one message, a batch file, an
/// MLLP capture, a concatenated feed) into `out` with the same framing, on
/// `threads` threads (0: every core). `deid`'s report (and crosswalk, when
/// kept) gathers every message's. File and batch headers are de-identified
/// like messages; a trailer keeps its counts and loses its comment.
///
/// ```
/// use pipehat::deid::{deidentify_file, Deidentifier, Policy};
/// let file = b"\x0bMSH|^~\\&|A|B|||20240115||ADT^A08|1|P|2.5.1\rPID|1||42^^^^MR||DOE^JO\r\x1c\r\
/// \x0bMSH|^~\\&|A|B|||20240116||ADT^A08|2|P|2.5.1\rPID|1||42^^^^MR||DOE^JO\r\x1c\r";
/// let mut d = Deidentifier::new(b"0123456789abcdef", &Policy::safe_harbor()).unwrap();
/// let mut out = Vec::new();
/// let s = deidentify_file(&file[..], &mut out, &mut d, &Default::default(), 0)?;
/// assert_eq!((s.messages, s.written), (2, 2));
/// assert!(out.starts_with(b"\x0bMSH|^~\\&|A|B|||2024||ADT^A08|1|P|2.5.1\rPID|1||"));
/// assert!(out.ends_with(b"^^^^MR||\r\x1c\r"));
/// assert_eq!(d.report().count("PID-5", "remove"), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn deidentify_file<R: Read, W: Write + ?Sized>(
    mut input: R,
    out: &mut W,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
    threads: usize,
) -> io::Result<FileSummary> {
    let mut summary = FileSummary::default();
    let mut splitter = Splitter::new();
    // The input not yet written or skipped: raw[0] is at stream offset `base`.
    let mut raw: Vec<u8> = Vec::new();
    let mut base = 0u64;
    let mut block = std::vec![0u8; READ_BYTES];
    let mut batch: Vec<OwnedChunk> = Vec::new();
    let mut bytes = 0usize;
    let mut eof = false;
    while !eof {
        let n = match input.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            splitter.finish();
            eof = true;
        } else {
            splitter.push(&block[..n]);
            raw.extend_from_slice(&block[..n]);
        }
        while let Some(next) = splitter.next_chunk() {
            match next {
                Ok(chunk) => {
                    bytes += chunk.bytes.len();
                    batch.push(chunk);
                }
                // A chunk over the limit is skipped; its bytes are not framing.
                Err(StreamError::ChunkTooLarge { .. }) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            }
        }
        if bytes >= BATCH_BYTES || eof {
            let done = write_batch(&batch, &raw, base, out, deid, parse, threads, &mut summary)?;
            raw.drain(..(done - base) as usize);
            base = done;
            batch.clear();
            bytes = 0;
        }
    }
    write_gap(&raw, out, &mut summary)?;
    Ok(summary)
}

/// Writes the framing in `gap` and counts what is left out.
fn write_gap<W: Write + ?Sized>(
    gap: &[u8],
    out: &mut W,
    summary: &mut FileSummary,
) -> io::Result<()> {
    if gap.iter().all(|&b| is_framing(b)) {
        return out.write_all(gap);
    }
    let kept: Vec<u8> = gap.iter().copied().filter(|&b| is_framing(b)).collect();
    summary.dropped_bytes += (gap.len() - kept.len()) as u64;
    out.write_all(&kept)
}

/// De-identifies a batch of chunks in parallel and writes them in order
/// with the framing before each; returns the stream offset written up to.
#[allow(clippy::too_many_arguments)] // the file's state, passed down once per batch
fn write_batch<W: Write + ?Sized>(
    batch: &[OwnedChunk],
    raw: &[u8],
    base: u64,
    out: &mut W,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
    threads: usize,
    summary: &mut FileSummary,
) -> io::Result<u64> {
    let template = &*deid;
    let parts = crate::par::map_parts(
        batch,
        threads,
        |part, _| {
            let mut worker = template.worker();
            let results: Vec<_> = part.iter().map(|c| one(c, &mut worker, parse)).collect();
            (results, Some(worker))
        },
        |part| (part.iter().map(|_| Err("internal_error")).collect(), None),
    );
    let mut at = base;
    let mut results = Vec::with_capacity(batch.len());
    for (part, worker) in parts {
        results.extend(part);
        if let Some(w) = worker {
            deid.absorb(w);
        }
    }
    for (chunk, result) in batch.iter().zip(results) {
        let start = (chunk.offset - base) as usize;
        write_gap(&raw[(at - base) as usize..start], out, summary)?;
        at = chunk.offset + chunk.bytes.len() as u64;
        let message = chunk.kind == ChunkKind::Message;
        if message {
            summary.messages += 1;
        }
        match result {
            Ok(bytes) => {
                out.write_all(&bytes)?;
                summary.written += u64::from(message);
            }
            Err(code) if message => {
                summary
                    .errors
                    .push((summary.messages - 1, chunk.offset, code));
            }
            Err(_) => summary.dropped_bytes += chunk.bytes.len() as u64,
        }
    }
    Ok(at)
}

/// One chunk de-identified, or why it is left out.
fn one(
    chunk: &OwnedChunk,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
) -> Result<Vec<u8>, &'static str> {
    match chunk.kind {
        ChunkKind::Message | ChunkKind::FileHeader | ChunkKind::BatchHeader => {
            let msg = Message::parse_with(&chunk.bytes, parse).map_err(|e| e.code())?;
            let mut out = Vec::with_capacity(chunk.bytes.len());
            if chunk.kind == ChunkKind::Message {
                deid.apply_into(&msg, &mut out);
            } else {
                // An envelope is not a message: not counted as one.
                deid.apply_into(&msg, &mut out);
                deid.report.messages -= 1;
            }
            Ok(out)
        }
        ChunkKind::BatchTrailer | ChunkKind::FileTrailer => Ok(trailer(&chunk.bytes)),
        ChunkKind::Unrecognized => Err("unrecognized"),
    }
}

/// A BTS or FTS with its comment (field 2) emptied.
fn trailer(bytes: &[u8]) -> Vec<u8> {
    let Some(&sep) = bytes.get(3) else {
        return bytes.to_vec();
    };
    let end = bytes
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |p| p + 1);
    let (body, terminator) = bytes.split_at(end);
    let mut fields: Vec<&[u8]> = body.split(|&b| b == sep).collect();
    if let Some(comment) = fields.get_mut(2) {
        *comment = b"";
    }
    let mut out = fields.join(&sep);
    out.extend_from_slice(terminator);
    out
}
