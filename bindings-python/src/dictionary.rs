//! The dictionary and validation: `explain`, `field_name`, `Profile`,
//! `validate`.

use crate::errors::{dictionary_error, os_error, spec_error};
use crate::message::with_message;
use crate::route::spec_text;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// What explain() tells about a field, component or subcomponent.
#[pyclass(frozen, get_all, module = "pipehat")]
pub(crate) struct Explanation {
    /// "Patient Name".
    pub(crate) name: &'static str,
    /// "XPN".
    pub(crate) datatype: &'static str,
    /// "R" (required) or "O" (optional).
    pub(crate) optionality: &'static str,
    pub(crate) repeatable: bool,
    pub(crate) max_repetitions: Option<u16>,
    /// The maximum length when the dictionary knows it.
    pub(crate) length: Option<u16>,
    /// The HL7 table number (1 for HL70001).
    pub(crate) table: Option<u16>,
    /// (name, datatype) of each component of a composite datatype.
    pub(crate) components: Vec<(&'static str, &'static str)>,
}

#[pymethods]
impl Explanation {
    fn __repr__(&self) -> String {
        format!("<pipehat.Explanation {} ({})>", self.name, self.datatype)
    }
}

/// explain(path, /, *, version=None) -> Explanation | None (version None: DEFAULT_VERSION)
#[pyfunction]
#[pyo3(signature = (path, /, *, version=None))]
pub(crate) fn explain(
    py: Python<'_>,
    path: &str,
    version: Option<&str>,
) -> PyResult<Option<Explanation>> {
    let version = version.unwrap_or(pipehat::DEFAULT_VERSION);
    let e = pipehat::dictionary::explain(path, version).map_err(|e| dictionary_error(py, &e))?;
    Ok(e.map(|e| Explanation {
        name: e.name,
        datatype: e.datatype,
        optionality: e.optionality,
        repeatable: e.repeatable,
        max_repetitions: e.max_repetitions,
        length: e.length,
        table: e.table,
        components: e.components,
    }))
}

/// Profile(spec): a conformance profile (JSON text, a dict, or a path to a JSON or YAML file).
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Profile {
    pub(crate) inner: pipehat::validate::Profile,
}

#[pymethods]
impl Profile {
    #[new]
    fn py_new(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        if spec.hasattr("__fspath__")? {
            let path: std::path::PathBuf = spec.extract()?;
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                let text = std::fs::read_to_string(&path).map_err(|e| os_error(py, &e, &path))?;
                return Self::from_yaml(py, &text);
            }
        }
        let text = spec_text(py, spec)?;
        pipehat::validate::Profile::parse(&text)
            .map(|inner| Profile { inner })
            .map_err(|e| spec_error(py, "ProfileError", &e))
    }

    /// Profile.from_yaml(text): a profile written in YAML.
    #[staticmethod]
    fn from_yaml(py: Python<'_>, text: &str) -> PyResult<Self> {
        pipehat::validate::Profile::parse_yaml(text)
            .map(|inner| Profile { inner })
            .map_err(|e| spec_error(py, "ProfileError", &e))
    }
}

/// One validation finding.
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Issue {
    /// Stable code, e.g. "required_field_missing".
    #[pyo3(get)]
    pub(crate) code: &'static str,
    /// "error" or "warning".
    #[pyo3(get)]
    pub(crate) severity: &'static str,
    /// "PID-7", "PID-3(2).4", "OBX[2]-5", or a segment such as "PV1".
    #[pyo3(get)]
    pub(crate) path: String,
    /// 0-based segment index, when there is one.
    #[pyo3(get)]
    pub(crate) segment: Option<u32>,
    /// Byte offset in the message.
    #[pyo3(get)]
    pub(crate) offset: usize,
    /// A sentence without content.
    #[pyo3(get)]
    pub(crate) message: String,
    /// HL7 table 0357 code for an ERR segment.
    #[pyo3(get)]
    pub(crate) hl7_code: u16,
    /// Whether the path reads as an ERR location (the core's
    /// `Issue::location`): ack_errors() leaves it out otherwise.
    pub(crate) located: bool,
}

#[pymethods]
impl Issue {
    fn __repr__(&self) -> String {
        format!(
            "<pipehat.Issue {} {} {}>",
            self.severity, self.code, self.path
        )
    }
}

/// What validate() found.
#[pyclass(frozen, get_all, module = "pipehat")]
pub(crate) struct Report {
    /// The version checked against ("2.5.1"), None when unknown.
    pub(crate) version: Option<&'static str>,
    /// The message structure used ("ADT_A01"), None when unknown.
    pub(crate) structure: Option<&'static str>,
    /// Whether no issue is an error.
    pub(crate) valid: bool,
    pub(crate) issues: Vec<Py<Issue>>,
}

#[pymethods]
impl Report {
    /// The issues as `errors=` for Message.ack(): dicts with code (table
    /// 0357), severity, path (a field path, or a segment alone; left out
    /// when it does not read as one, as the core's Report::ack_errors leaves
    /// it out), text and diagnostic (the issue code), read by ack() as the
    /// core reads them.
    fn ack_errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for issue in &self.issues {
            let i = issue.get();
            let d = PyDict::new(py);
            // The issue's own values; ack() reads them as the core's
            // Report::ack_errors does (AckError::from_parts).
            d.set_item("code", i.hl7_code)?;
            d.set_item("severity", i.severity)?;
            if i.located {
                d.set_item("path", &i.path)?;
            }
            d.set_item("text", &i.message)?;
            d.set_item("diagnostic", i.code)?;
            out.append(d)?;
        }
        Ok(out)
    }

    fn __bool__(&self) -> bool {
        self.valid
    }

    fn __repr__(&self) -> String {
        format!(
            "<pipehat.Report {} {} issues>",
            if self.valid { "valid" } else { "invalid" },
            self.issues.len()
        )
    }
}

/// validate(message, /, *, version=None, profile=None) -> Report
#[pyfunction]
#[pyo3(signature = (message, /, *, version=None, profile=None))]
pub(crate) fn validate(
    py: Python<'_>,
    message: &Bound<'_, PyAny>,
    version: Option<&str>,
    profile: Option<&Bound<'_, PyAny>>,
) -> PyResult<Report> {
    let owned_profile;
    let profile_ref: Option<&pipehat::validate::Profile> = match profile {
        None => None,
        Some(p) if p.is_none() => None,
        Some(p) => match p.cast::<Profile>() {
            Ok(p) => {
                owned_profile = p.get().inner.clone();
                Some(&owned_profile)
            }
            Err(_) => {
                owned_profile = Profile::py_new(py, p)?.inner;
                Some(&owned_profile)
            }
        },
    };
    let options = pipehat::validate::Options {
        version,
        profile: profile_ref,
    };
    let report = with_message(py, message, |m| {
        Ok(pipehat::validate::validate(m, &options))
    })?;
    let issues = report
        .issues
        .iter()
        .map(|i| {
            Py::new(
                py,
                Issue {
                    code: i.code(),
                    severity: i.severity.as_str(),
                    path: i.path.clone(),
                    segment: i.segment,
                    offset: i.offset,
                    message: i.message(),
                    hl7_code: i.hl7_code(),
                    located: i.location().is_some(),
                },
            )
        })
        .collect::<PyResult<_>>()?;
    Ok(Report {
        version: report.version,
        structure: report.structure,
        valid: report.is_valid(),
        issues,
    })
}

/// field_name(segment, field, /, *, version=None) -> str | None (version None: DEFAULT_VERSION)
#[pyfunction]
#[pyo3(signature = (segment, field, /, *, version=None))]
pub(crate) fn field_name(
    segment: &str,
    field: usize,
    version: Option<&str>,
) -> Option<&'static str> {
    pipehat::dictionary::field_name(segment, field, version.unwrap_or(pipehat::DEFAULT_VERSION))
}

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(field_name, m)?)?;
    m.add_class::<Explanation>()?;
    m.add_class::<Profile>()?;
    m.add_class::<Issue>()?;
    m.add_class::<Report>()?;
    Ok(())
}
