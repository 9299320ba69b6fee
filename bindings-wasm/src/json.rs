//! JSON forms: `fromLosslessJson`, and the `serde-objects` measurement build.

use crate::errors::parse_error;
use crate::message::NativeMessage;
use crate::options::set;
use crate::write::owned;
use js_sys::Object;
use wasm_bindgen::prelude::*;

/// Rebuilds a message from lossless JSON text.
#[wasm_bindgen(js_name = fromLosslessJson)]
pub fn from_lossless_json(json: &str) -> Result<NativeMessage, JsValue> {
    match pipehat::MessageBuf::from_lossless_json(json) {
        Ok(buf) => Ok(owned(buf)),
        Err(e) => Err(match e.parse_error() {
            Some(p) => parse_error(&p, &[]),
            None => {
                let o = Object::new();
                set(&o, "kind", "json");
                set(&o, "message", e.to_string());
                set(&o, "code", e.code());
                set(&o, "offset", e.offset() as u32);
                o.into()
            }
        }),
    }
}

#[cfg(feature = "serde-objects")]
mod serde_objects {
    use super::NativeMessage;
    use serde::Serialize;
    use wasm_bindgen::prelude::*;

    #[derive(Serialize)]
    #[serde(untagged)]
    enum Node {
        Text(String),
        List(Vec<Node>),
        Reps { repetitions: Vec<Node> },
    }

    #[derive(Serialize)]
    struct Segment {
        name: String,
        fields: Vec<Node>,
    }

    #[derive(Serialize)]
    struct Tree {
        segments: Vec<Segment>,
    }

    /// Builds the tree through the core's TreeSink.
    #[derive(Default)]
    struct Builder {
        segments: Vec<Segment>,
        stack: Vec<Vec<Node>>,
        reps: Vec<bool>,
    }

    impl pipehat::json::TreeSink for Builder {
        fn begin_segment(&mut self, name: &str) {
            self.segments.push(Segment {
                name: name.to_string(),
                fields: Vec::new(),
            });
            self.stack.push(Vec::new());
        }
        fn end_segment(&mut self) {
            let fields = self.stack.pop().unwrap_or_default();
            if let Some(s) = self.segments.last_mut() {
                s.fields = fields;
            }
        }
        fn begin_repetitions(&mut self) {
            self.stack.push(Vec::new());
            self.reps.push(true);
        }
        fn end_repetitions(&mut self) {
            let items = self.stack.pop().unwrap_or_default();
            self.reps.pop();
            self.push(Node::Reps { repetitions: items });
        }
        fn begin_list(&mut self) {
            self.stack.push(Vec::new());
        }
        fn end_list(&mut self) {
            let items = self.stack.pop().unwrap_or_default();
            self.push(Node::List(items));
        }
        fn text(&mut self, value: &str) {
            self.push(Node::Text(value.to_string()));
        }
    }

    impl Builder {
        fn push(&mut self, node: Node) {
            if let Some(top) = self.stack.last_mut() {
                top.push(node);
            }
        }
    }

    #[wasm_bindgen]
    impl NativeMessage {
        /// The toJSON() tree as objects made by serde-wasm-bindgen.
        #[wasm_bindgen(js_name = toSerdeValue)]
        pub fn to_serde_value(&self) -> Result<JsValue, JsValue> {
            let mut b = Builder::default();
            self.indexed().message().walk_tree(&mut b);
            serde_wasm_bindgen::to_value(&Tree {
                segments: b.segments,
            })
            .map_err(JsValue::from)
        }
    }
}
