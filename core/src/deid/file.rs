//! Whole files de-identified on every core, in bounded memory, with their
//! framing: MLLP bytes, batch envelopes and line breaks between messages
//! are written back as they were.

use super::Deidentifier;
use crate::stream::{Chunk, ChunkKind};
use crate::{Message, ParseOptions};
use std::io::{self, Read, Write};
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
/// A buffer with no place to cut grows to this, then is split as it is (a
/// chunk that long is over the splitter's limit anyway).
const MAX_BUFFER: usize = 256 << 20;

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
/// The input is read about 16 MiB at a time and cut where no chunk runs
/// across (see [`crate::stream::split`]); the chunks are read in place.
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
    input: R,
    out: &mut W,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
    threads: usize,
) -> io::Result<FileSummary> {
    in_batches(input, out, deid, parse, threads, BATCH_BYTES)
}

/// Reads into `buf` from `len`, past interruptions; the bytes read.
fn read_at<R: Read>(input: &mut R, buf: &mut Vec<u8>, len: usize) -> io::Result<usize> {
    loop {
        match input.read(&mut buf[len..]) {
            Ok(n) => {
                buf.truncate(len + n);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
}

/// [`deidentify_file`] cutting the input every `batch` bytes or so.
pub(crate) fn in_batches<R: Read, W: Write + ?Sized>(
    mut input: R,
    out: &mut W,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
    threads: usize,
    batch: usize,
) -> io::Result<FileSummary> {
    let mut summary = FileSummary::default();
    // The threads' output buffers, kept from batch to batch (new memory is
    // paid for page by page).
    let pool = std::sync::Mutex::new(Vec::new());
    // The input not yet written: buf[0] is at stream offset `base`.
    let mut buf: Vec<u8> = Vec::with_capacity(batch.saturating_add(1 << 16));
    let mut base = 0u64;
    let mut eof = false;
    while !eof {
        // Fill to a batch's worth (or the end).
        if buf.len() < batch {
            // Read up to a batch without zeroing the buffer first.
            let want = (batch - buf.len()) as u64;
            let got = (&mut input).take(want).read_to_end(&mut buf)?;
            eof = (got as u64) < want;
        }
        // Where to cut: the end, or the last place no chunk runs across
        // (a few bytes before the end, to read a header there).
        let cut = if eof {
            buf.len()
        } else {
            let near = (base + buf.len() as u64).saturating_sub(16);
            match crate::stream::sync_before(&buf, base, near) {
                Some(at) if at > base => (at - base) as usize,
                _ if buf.len() < MAX_BUFFER => {
                    // No place to cut yet: read more before splitting.
                    // Twice the bytes (the search for a cut is then linear overall).
                    let target = buf.len() * 2;
                    while buf.len() < target {
                        let len = buf.len();
                        buf.resize(target, 0);
                        if read_at(&mut input, &mut buf, len)? == 0 {
                            eof = true;
                            break;
                        }
                    }
                    if !eof {
                        continue;
                    }
                    buf.len()
                }
                _ => buf.len(),
            }
        };
        write_part(
            &buf[..cut],
            base,
            out,
            deid,
            parse,
            threads,
            &mut summary,
            &pool,
        )?;
        buf.drain(..cut);
        base += cut as u64;
    }
    Ok(summary)
}

/// The framing in `gap` (written to `out`), counting what is left out.
fn gap_into(gap: &[u8], out: &mut Vec<u8>, dropped: &mut u64) {
    if gap.iter().all(|&b| is_framing(b)) {
        return out.extend_from_slice(gap);
    }
    let before = out.len();
    out.extend(gap.iter().copied().filter(|&b| is_framing(b)));
    *dropped += (gap.len() - (out.len() - before)) as u64;
}

/// What one thread made of its run of chunks.
#[derive(Default)]
struct Part {
    out: Vec<u8>,
    messages: u64,
    written: u64,
    /// (message number within the part, offset, code)
    errors: Vec<(u64, u64, &'static str)>,
    dropped: u64,
    worker: Option<Deidentifier>,
}

/// De-identifies the chunks of `bytes` (stream offset `base`; cut where no
/// chunk runs across) on every core and writes them in order with the
/// framing between them.
#[allow(clippy::too_many_arguments)] // the file's state, passed down once per batch
fn write_part<W: Write + ?Sized>(
    bytes: &[u8],
    base: u64,
    out: &mut W,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
    threads: usize,
    summary: &mut FileSummary,
    pool: &std::sync::Mutex<Vec<Vec<u8>>>,
) -> io::Result<()> {
    let chunks: Vec<Chunk<'_>> = crate::stream::split(bytes).collect();
    // Segments indexed, fields found when a plan reads them: most are not.
    let parse = &parse.lazy(true);
    let template = &*deid;
    let parts = crate::par::map_parts(
        &chunks,
        threads,
        |part, first| {
            let mut p = Part {
                out: Vec::with_capacity(
                    part.iter().map(|c| c.as_bytes().len()).sum::<usize>() + 64,
                ),
                worker: Some(template.worker()),
                ..Part::default()
            };
            let worker = p.worker.as_mut().unwrap_or_else(|| unreachable!());
            // The framing before each chunk, from the end of the one before.
            let mut at = match first {
                0 => 0,
                i => chunks[i - 1].offset() + chunks[i - 1].as_bytes().len(),
            };
            for c in part {
                gap_into(&bytes[at..c.offset()], &mut p.out, &mut p.dropped);
                at = c.offset() + c.as_bytes().len();
                let message = c.kind() == ChunkKind::Message;
                p.messages += u64::from(message);
                match one(c, worker, parse, &mut p.out) {
                    Ok(()) => p.written += u64::from(message),
                    Err(code) if message => {
                        p.errors
                            .push((p.messages - 1, base + c.offset() as u64, code))
                    }
                    Err(_) => p.dropped += c.as_bytes().len() as u64,
                }
            }
            p
        },
        |_| Part {
            errors: std::vec![(0, base, "internal_error")],
            ..Part::default()
        },
    );
    for mut p in parts {
        out.write_all(&p.out)?;
        if let Ok(mut free) = pool.lock() {
            free.push(core::mem::take(&mut p.out));
        }
        for (n, offset, code) in p.errors {
            summary.errors.push((summary.messages + n, offset, code));
        }
        summary.messages += p.messages;
        summary.written += p.written;
        summary.dropped_bytes += p.dropped;
        if let Some(w) = p.worker {
            deid.absorb(w);
        }
    }
    // The framing after the last chunk.
    let end = chunks.last().map_or(0, |c| c.offset() + c.as_bytes().len());
    let mut tail = Vec::new();
    gap_into(&bytes[end..], &mut tail, &mut summary.dropped_bytes);
    out.write_all(&tail)
}

/// One chunk de-identified into `out`, or why it is left out.
fn one(
    chunk: &Chunk<'_>,
    deid: &mut Deidentifier,
    parse: &ParseOptions,
    out: &mut Vec<u8>,
) -> Result<(), &'static str> {
    match chunk.kind() {
        ChunkKind::Message | ChunkKind::FileHeader | ChunkKind::BatchHeader => {
            let msg = Message::parse_with(chunk.as_bytes(), parse).map_err(|e| e.code())?;
            deid.apply_into(&msg, out);
            if chunk.kind() != ChunkKind::Message {
                // An envelope is not a message: not counted as one.
                deid.report.messages -= 1;
            }
            Ok(())
        }
        ChunkKind::BatchTrailer | ChunkKind::FileTrailer => {
            trailer_into(chunk.as_bytes(), out);
            Ok(())
        }
        ChunkKind::Unrecognized => Err("unrecognized"),
    }
}

/// A BTS or FTS with its comment (field 2) emptied, written to `out`.
fn trailer_into(bytes: &[u8], out: &mut Vec<u8>) {
    let Some(&sep) = bytes.get(3) else {
        return out.extend_from_slice(bytes);
    };
    let end = bytes
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |p| p + 1);
    let (body, terminator) = bytes.split_at(end);
    for (i, field) in body.split(|&b| b == sep).enumerate() {
        if i > 0 {
            out.push(sep);
        }
        if i != 2 {
            out.extend_from_slice(field);
        }
    }
    out.extend_from_slice(terminator);
}
