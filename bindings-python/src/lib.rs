//! `pipehat._native`: thin PyO3 wrappers over the pipehat core. Every HL7
//! decision is made in the core; this crate converts arguments, results and
//! errors, and releases the GIL around long work.

mod columns;
mod datatype;
mod deid;
mod dictionary;
mod errors;
mod fhir;
mod json;
mod message;
mod mllp;
mod options;
mod route;
mod stream;
mod strings;
mod transport;
mod write;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    columns::register(m)?;
    datatype::register(m)?;
    deid::register(m)?;
    dictionary::register(m)?;
    fhir::register(m)?;
    json::register(m)?;
    message::register(m)?;
    mllp::register(m)?;
    route::register(m)?;
    stream::register(m)?;
    transport::register(m)?;
    write::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_VERSION", pipehat::DEFAULT_VERSION)?;
    Ok(())
}
