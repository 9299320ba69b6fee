//! Streams and bulk reads: `split`, `NativeSplitter`, `extract`.

use crate::errors::{parse_error, path_error, type_error};
use crate::options::{input_bytes, parse_options, set};
use js_sys::{Array, Object, Uint8Array};
use pipehat::stream::{split as split_chunks, ChunkKind};
use wasm_bindgen::prelude::*;

/// A chunk as numbers: its kind (its index in `chunkKinds()`), offset in the
/// stream, end (of its bytes, where they are given), and the counts a
/// trailer declares and counted (-1: none).
pub(crate) fn push_chunk_numbers(
    out: &mut Vec<f64>,
    c: &pipehat::stream::Chunk<'_>,
    offset: f64,
    end: f64,
) {
    let kind = ChunkKind::ALL.iter().position(|k| *k == c.kind());
    let count = |n: Option<u64>| n.map_or(-1.0, |n| n as f64);
    out.extend_from_slice(&[
        kind.map_or(-1.0, |k| k as f64),
        offset,
        end,
        count(c.declared_count()),
        count(c.counted()),
    ]);
}

/// The names of the chunk kinds, in the order `splitPacked` numbers them.
#[wasm_bindgen(js_name = chunkKinds)]
pub fn chunk_kinds() -> Vec<String> {
    ChunkKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect()
}

/// Splits a stream into chunks, five numbers each (see `push_chunk_numbers`;
/// the offset is where the chunk's bytes start in `input`).
#[wasm_bindgen(js_name = splitPacked)]
pub fn split_packed(input: &[u8]) -> Vec<f64> {
    let mut out = Vec::new();
    for c in split_chunks(input) {
        let start = c.offset() as f64;
        push_chunk_numbers(&mut out, &c, start, start + c.as_bytes().len() as f64);
    }
    out
}

/// `pipehat::stream::Splitter`: chunks of a stream pushed in pieces.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeSplitter {
    pub(crate) inner: pipehat::stream::Splitter,
}

#[wasm_bindgen]
impl NativeSplitter {
    #[wasm_bindgen(constructor)]
    pub fn new(max_chunk_size: Option<f64>) -> NativeSplitter {
        let inner = match max_chunk_size {
            Some(n) if n >= 0.0 => pipehat::stream::Splitter::with_limit(n as usize),
            _ => pipehat::stream::Splitter::new(),
        };
        NativeSplitter { inner }
    }
    /// Adds the next piece: a string (UTF-8) or a Uint8Array.
    pub fn push(&mut self, input: JsValue) -> Result<(), JsValue> {
        // Owned bytes: taken without a second copy when nothing is buffered.
        if let Some(s) = input.as_string() {
            self.inner.push_vec(s.into_bytes());
        } else if let Some(bytes) = input.dyn_ref::<Uint8Array>() {
            self.inner.push_vec(bytes.to_vec());
        } else {
            return Err(type_error("a piece must be a string or a Uint8Array"));
        }
        Ok(())
    }
    pub fn finish(&mut self) {
        self.inner.finish();
    }
    /// Every chunk complete so far, as `[numbers, bytes, errors]`: five
    /// numbers per chunk (see `push_chunk_numbers`; the end is where its
    /// bytes end in `bytes`, which holds them all one after the other). A
    /// chunk too large (skipped) has kind -1, its offset, no bytes, and its
    /// `{kind: "stream", code, offset}` error next in `errors`.
    pub fn drain(&mut self) -> Array {
        let mut numbers = Vec::new();
        let mut bytes = Vec::new();
        let errors = Array::new();
        while let Some(item) = self.inner.next_chunk() {
            match item {
                Ok(c) => {
                    bytes.extend_from_slice(&c.bytes);
                    let end = bytes.len() as f64;
                    push_chunk_numbers(&mut numbers, &c.as_chunk(), c.offset as f64, end);
                }
                Err(e) => {
                    let offset = e.offset().unwrap_or(0) as f64;
                    numbers.extend_from_slice(&[-1.0, offset, bytes.len() as f64, -1.0, -1.0]);
                    let o = Object::new();
                    set(&o, "kind", "stream");
                    set(&o, "message", e.to_string());
                    set(&o, "code", e.code());
                    set(&o, "offset", offset);
                    errors.push(&o);
                }
            }
        }
        let out = Array::new();
        out.push(&js_sys::Float64Array::from(&numbers[..]));
        out.push(&Uint8Array::from(&bytes[..]));
        out.push(&errors);
        out
    }
    pub fn buffered(&self) -> f64 {
        self.inner.buffered() as f64
    }
    pub fn position(&self) -> f64 {
        self.inner.position() as f64
    }
}

/// Reads `paths` from every message of `input` in one call, as
/// `[text, cells, offsets, errors]`: every value in one string; two UTF-16
/// positions per cell, row by row (start 0xFFFFFFFF: no value; see
/// `pipehat::extract::Packed`); each message's byte offset in the input; and
/// for each message that could not be parsed, its parse error (positions
/// within that message) with its `row`.
/// `options` holds the parse options (`strict`, limits...) as for `parse`.
#[wasm_bindgen(js_name = extractPacked)]
pub fn extract_packed(
    input: JsValue,
    paths: Vec<String>,
    raw: bool,
    options: JsValue,
) -> Result<Array, JsValue> {
    let parsed: Vec<pipehat::Path> = paths
        .iter()
        .map(|p| p.parse::<pipehat::Path>())
        .collect::<Result<_, _>>()
        .map_err(|e| path_error(&e))?;
    let options = parse_options(&options)?;
    let bytes = input_bytes(&input)?;
    let packed = pipehat::extract::extract_packed(&bytes, &parsed, raw, &options);
    let out = Array::new();
    out.push(&JsValue::from_str(&packed.text));
    out.push(&js_sys::Uint32Array::from(&packed.cells[..]));
    let offsets: Vec<f64> = packed.offsets.iter().map(|&o| o as f64).collect();
    out.push(&js_sys::Float64Array::from(&offsets[..]));
    let errors = Array::new();
    for (row, e) in &packed.errors {
        let message = bytes
            .get(packed.offsets[*row] as usize..)
            .unwrap_or_default();
        let error = parse_error(e, message);
        set(&Object::from(error.clone()), "row", *row as u32);
        errors.push(&error);
    }
    out.push(&errors);
    Ok(out)
}
