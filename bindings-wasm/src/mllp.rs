//! MLLP framing: `mllpEncode` and the incremental `NativeMllpDecoder`.

use crate::options::{input_bytes, set};
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;

pub(crate) fn mllp_issue(i: &pipehat::mllp::MllpIssue) -> Object {
    let o = Object::new();
    set(&o, "kind", "mllp");
    set(&o, "message", i.to_string());
    set(&o, "code", i.code());
    set(&o, "severity", i.kind().severity().as_str());
    set(&o, "offset", i.offset() as f64);
    set(&o, "length", i.length() as f64);
    o
}

/// One MLLP frame around the input.
#[wasm_bindgen(js_name = mllpEncode)]
pub fn mllp_encode(input: JsValue) -> Result<Vec<u8>, JsValue> {
    Ok(pipehat::mllp::encode(&input_bytes(&input)?))
}

/// An incremental MLLP decoder.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeMllpDecoder {
    pub(crate) inner: pipehat::mllp::Decoder,
}

#[wasm_bindgen]
impl NativeMllpDecoder {
    #[wasm_bindgen(constructor)]
    pub fn new(max_frame_size: Option<f64>) -> NativeMllpDecoder {
        let inner = match max_frame_size {
            Some(n) if n >= 0.0 => pipehat::mllp::Decoder::with_max_frame_size(n as usize),
            _ => pipehat::mllp::Decoder::new(),
        };
        NativeMllpDecoder { inner }
    }
    /// Feeds a chunk; returns the completed frames (throws for a frame too
    /// large, after the frames before it were returned).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Array, JsValue> {
        self.inner.push(chunk);
        let mut frames = Vec::new();
        self.inner
            .read_frames(&mut frames)
            .map_err(|e| JsValue::from(mllp_issue(&e)))?;
        Ok(frames
            .iter()
            .map(|f| JsValue::from(Uint8Array::from(&f[..])))
            .collect())
    }
    pub fn finish(&mut self) {
        self.inner.finish();
    }
    pub fn issues(&self) -> Array {
        self.inner
            .issues()
            .iter()
            .map(|i| JsValue::from(mllp_issue(i)))
            .collect()
    }
    pub fn buffered(&self) -> usize {
        self.inner.buffered()
    }
}
