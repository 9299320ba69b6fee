//! Columns from streams pushed in pieces (`pipehat::columns`): what
//! `extractStream` reads (the full module: filters and mappings).

use crate::errors::{parse_error_at, path_error};
use crate::options::{input_bytes, parse_options, set};
use crate::route::{filter_error, spec_error};
use js_sys::{Array, Object};
use pipehat::columns::{Columns, Select};
use pipehat::stream::{Batch, Splitter};
use wasm_bindgen::prelude::*;

/// Reads the rows of a stream as its pieces arrive.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeColumnReader {
    select: Select,
    splitter: Splitter,
    batch: Batch,
    names: Vec<String>,
}

#[wasm_bindgen]
impl NativeColumnReader {
    /// Paths (`fields`) or a mapping spec (JSON text), an optional filter
    /// expression, raw values, and the parse options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        fields: Option<Vec<String>>,
        mapping: Option<String>,
        filter: Option<String>,
        raw: bool,
        options: JsValue,
    ) -> Result<NativeColumnReader, JsValue> {
        let options = parse_options(&options)?;
        let (select, names) = match (fields, mapping) {
            (Some(fields), None) => {
                let paths = fields
                    .iter()
                    .map(|p| p.parse::<pipehat::Path>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| path_error(&e))?;
                (Select::paths(paths), fields)
            }
            (None, Some(spec)) => {
                let mapping = pipehat::mapping::Mapping::parse(&spec)
                    .map_err(|e| spec_error("mapping", &e))?;
                let names = mapping.keys().map(str::to_owned).collect();
                (Select::mapping(mapping), names)
            }
            _ => return Err(crate::errors::type_error("give either fields or mapping")),
        };
        let mut select = select.raw(raw).options(options).threads(1);
        if let Some(expression) = filter {
            let f = pipehat::filter::Filter::parse(&expression).map_err(|e| filter_error(&e))?;
            select = select.filter(f);
        }
        Ok(NativeColumnReader {
            select,
            splitter: Splitter::with_limit(options.max_message_size),
            batch: Batch::default(),
            names,
        })
    }

    /// The column names: the paths, or the mapping's keys.
    pub fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Adds a piece (a Uint8Array, or a string as UTF-8) and returns the rows
    /// of the messages it completed (see `take`).
    pub fn push(&mut self, piece: JsValue) -> Result<Array, JsValue> {
        self.splitter.push(&input_bytes(&piece)?);
        Ok(self.take())
    }

    /// Ends the stream: the rows of the last messages.
    pub fn finish(&mut self) -> Array {
        self.splitter.finish();
        self.take()
    }

    /// [text, cells, offsets, errors]: as extractPacked gives them (cells as
    /// UTF-16 start and end positions in text, row by row, 0xFFFFFFFF for
    /// none), offsets in the stream, and errors with their row.
    fn take(&mut self) -> Array {
        self.batch.clear();
        self.batch.take(&mut self.splitter, usize::MAX);
        packed(&self.select.columns(&self.batch))
    }
}

fn packed(batch: &Columns) -> Array {
    let width = batch.columns.len();
    let mut text = String::new();
    let mut units = 0u32;
    let mut cells = vec![u32::MAX; batch.rows() * width * 2];
    for row in 0..batch.rows() {
        for (c, column) in batch.columns.iter().enumerate() {
            let Some(value) = column.get(row) else {
                continue;
            };
            let at = (row * width + c) * 2;
            cells[at] = units;
            text.push_str(value);
            units += if value.is_ascii() {
                value.len() as u32
            } else {
                value.encode_utf16().count() as u32
            };
            cells[at + 1] = units;
        }
    }
    let errors = Array::new();
    for e in &batch.errors {
        let error = match &e.error {
            Some(parse) => parse_error_at(parse, (e.line, e.column)),
            None => {
                let o = Object::new();
                set(&o, "kind", "stream");
                let error = pipehat::stream::StreamError::ChunkTooLarge { offset: e.offset };
                set(&o, "message", error.to_string());
                set(&o, "code", e.code);
                set(&o, "offset", e.offset as f64);
                o.into()
            }
        };
        set(&Object::from(error.clone()), "row", e.row as u32);
        errors.push(&error);
    }
    let offsets: Vec<f64> = batch.offsets.iter().map(|&o| o as f64).collect();
    let out = Array::new();
    out.push(&JsValue::from_str(&text));
    out.push(&js_sys::Uint32Array::from(&cells[..]));
    out.push(&js_sys::Float64Array::from(&offsets[..]));
    out.push(&errors);
    out
}
