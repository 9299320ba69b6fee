//! Errors: the plain objects (`kind`, `code`, positions, a message without
//! content) that the facade turns into its `HL7*Error` classes.

use crate::options::{opt_u32, set};
use js_sys::Object;
use wasm_bindgen::prelude::*;

pub(crate) fn parse_error(e: &pipehat::ParseError, input: &[u8]) -> JsValue {
    parse_error_at(e, e.line_column(input))
}

/// [`parse_error`] with the line and column already counted.
pub(crate) fn parse_error_at(e: &pipehat::ParseError, (line, column): (usize, usize)) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "parse");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    set(&o, "line", line as u32);
    set(&o, "column", column as u32);
    set(&o, "segment", opt_u32(e.segment()));
    set(&o, "field", opt_u32(e.field()));
    o.into()
}

pub(crate) fn path_error(e: &pipehat::PathError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "path");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    o.into()
}

/// A TypeError saying which names `option` takes (names from the core).
pub(crate) fn one_of(option: &str, names: &[&str]) -> JsValue {
    type_error(&format!("{option} must be one of {}", names.join(", ")))
}

pub(crate) fn type_error(message: &str) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "type");
    set(&o, "message", message);
    o.into()
}

pub(crate) fn edit_error(e: &pipehat::EditError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "edit");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    set(&o, "segment", opt_u32(e.segment()));
    o.into()
}

pub(crate) fn datatype_error(e: &pipehat::datatype::DatatypeError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "datatype");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    o.into()
}
