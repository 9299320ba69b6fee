//! `pipehat._native`: thin PyO3 wrappers over the pipehat core. Every HL7
//! decision is made in the core; this crate converts arguments, results and
//! errors, and releases the GIL around long work.

mod datatype;
mod dictionary;
mod errors;
mod json;
mod message;
mod mllp;
mod options;
mod route;
mod stream;
mod write;

use datatype::DateTimeValue;
use dictionary::{explain, field_name, validate, Explanation, Issue, Profile, Report};
use json::from_json;
use message::{parse, Diagnostic, Element, Message, Segment};
use mllp::{mllp_encode, MllpDecoder, MllpIssue};
use pyo3::prelude::*;
use route::{diff, ChangeDetector, Filter, FilterScan, Mapping, Router};
use stream::{extract, iter_messages, split, Chunk, ChunkIterator, MessageIterator, Splitter};
use write::{ack, build, EditableMessage};

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(iter_messages, m)?)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_class::<Message>()?;
    m.add_class::<Segment>()?;
    m.add_class::<Element>()?;
    m.add_class::<Diagnostic>()?;
    m.add_class::<MessageIterator>()?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_class::<Chunk>()?;
    m.add_class::<ChunkIterator>()?;
    m.add_class::<Splitter>()?;
    m.add_class::<FilterScan>()?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add_function(wrap_pyfunction!(from_json, m)?)?;
    m.add_function(wrap_pyfunction!(ack, m)?)?;
    m.add_function(wrap_pyfunction!(mllp_encode, m)?)?;
    m.add_class::<EditableMessage>()?;
    m.add_class::<MllpDecoder>()?;
    m.add_class::<MllpIssue>()?;
    m.add_class::<DateTimeValue>()?;
    m.add_class::<Filter>()?;
    m.add_class::<Router>()?;
    m.add_class::<ChangeDetector>()?;
    m.add_class::<Mapping>()?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(field_name, m)?)?;
    m.add_class::<Explanation>()?;
    m.add_class::<Profile>()?;
    m.add_class::<Issue>()?;
    m.add_class::<Report>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_VERSION", pipehat::DEFAULT_VERSION)?;
    Ok(())
}
