//! Batch and file envelopes: FHS/BHS headers, BTS/FTS trailers and their counts.

use crate::parse::index::Index;
use crate::{Diagnostic, DiagnosticCode};

/// Checks the envelope structure of an indexed input and records diagnostics:
/// segments outside a message, repeated headers, unbalanced trailers, and
/// BTS-1/FTS-1 counts that do not match. The index builder calls it only for
/// inputs with a batch or file segment, or more than one MSH.
pub(crate) fn check(index: &mut Index, input: &[u8]) {
    // The checks below read header fields through the separator index.
    index.index_fields(input);
    let found = findings(index, input);
    index.diagnostics.extend(found);
}

/// The envelope diagnostics of a fully indexed input.
fn findings(index: &Index, input: &[u8]) -> alloc::vec::Vec<Diagnostic> {
    let name = |i: usize| -> &[u8] {
        let s = &index.segments[i];
        let bytes = &input[s.start as usize..s.end as usize];
        &bytes[..bytes.len().min(3)]
    };
    let mut found = alloc::vec::Vec::new();
    let mut push = |code, i: usize, field| {
        found.push(Diagnostic::new(
            code,
            index.segments[i].start as usize,
            Some(i as u32),
            field,
        ))
    };
    let (mut file_open, mut file_seen, mut batch_open) = (false, false, false);
    let (mut in_message, mut batch_messages, mut file_batches, mut loose_messages) =
        (false, 0u64, 0u64, 0u64);
    for i in 0..index.segments.len() {
        match name(i) {
            b"FHS" => {
                if file_seen {
                    push(DiagnosticCode::UnexpectedBatchHeader, i, None);
                }
                file_seen = true;
                file_open = true;
                in_message = false;
            }
            b"BHS" => {
                if batch_open {
                    push(DiagnosticCode::UnexpectedBatchHeader, i, None);
                }
                batch_open = true;
                batch_messages = 0;
                file_batches += 1;
                in_message = false;
            }
            b"MSH" => {
                in_message = true;
                if batch_open {
                    batch_messages += 1;
                } else {
                    loose_messages += 1;
                }
            }
            b"BTS" => {
                if !batch_open {
                    push(DiagnosticCode::UnbalancedBatch, i, None);
                } else if let Some(n) = count_field(index, input, i) {
                    if n != batch_messages {
                        push(DiagnosticCode::TrailerCountMismatch, i, Some(1));
                    }
                }
                batch_open = false;
                in_message = false;
            }
            b"FTS" => {
                if !file_open || batch_open {
                    push(DiagnosticCode::UnbalancedBatch, i, None);
                } else if let Some(n) = count_field(index, input, i) {
                    // FTS-1 counts batches; a file holding bare messages counts those.
                    let expected = if file_batches == 0 {
                        loose_messages
                    } else {
                        file_batches
                    };
                    if n != expected {
                        push(DiagnosticCode::TrailerCountMismatch, i, Some(1));
                    }
                }
                file_open = false;
                batch_open = false;
                in_message = false;
            }
            _ if !in_message => push(DiagnosticCode::SegmentOutsideMessage, i, None),
            _ => {}
        }
    }
    if batch_open || file_open {
        let last = index.segments.len() - 1;
        found.push(Diagnostic::new(
            DiagnosticCode::MissingTrailer,
            index.segments[last].end as usize,
            Some(last as u32),
            None,
        ));
    }
    found
}

/// Field 1 of segment `i` as a count; `None` when empty or not a number
/// (read as [`Chunk::declared_count`](crate::stream::Chunk::declared_count) reads it).
fn count_field(index: &Index, input: &[u8], i: usize) -> Option<u64> {
    let seps = index.separators_of(i);
    let start = *seps.first()? as usize + 1;
    let end = seps
        .get(1)
        .map_or(index.segments[i].end as usize, |&e| e as usize);
    crate::stream::parse_count(&input[start..end])
}
