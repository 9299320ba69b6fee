//! HL7 v2 → FHIR R4: `Message.to_fhir(...)` (the conversion is the core's).

use crate::errors::{attrs_of, obj, raise};
use pyo3::prelude::*;

fn fhir_error(py: Python<'_>, e: &pipehat::fhir::FhirError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.kind.code())),
        ("option", obj(py, e.option)),
        ("pointer", obj(py, e.pointer.clone())),
    ]);
    raise(py, "FhirError", e.to_string(), &attrs)
}

/// Converts a parsed message; returns the Bundle's JSON text and the
/// report's, or raises FhirError.
pub(crate) fn convert(
    py: Python<'_>,
    message: &pipehat::Message<'_>,
    bundle_type: &str,
    namespace: Option<String>,
    timezone: Option<String>,
    overrides: Option<String>,
) -> PyResult<(String, String)> {
    let bundle_type =
        pipehat::fhir::BundleType::from_name(bundle_type).map_err(|e| fhir_error(py, &e))?;
    let overrides = overrides
        .map(|t| pipehat::fhir::Overrides::parse(&t))
        .transpose()
        .map_err(|e| fhir_error(py, &e))?;
    let options = pipehat::fhir::Options {
        bundle_type,
        namespace,
        timezone,
        overrides,
    };
    let out = pipehat::fhir::to_fhir(message, &options).map_err(|e| fhir_error(py, &e))?;
    Ok((out.bundle, out.report.to_json()))
}
