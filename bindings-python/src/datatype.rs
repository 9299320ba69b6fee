//! Typed values: date-times and composite datatypes.

use crate::options::one_of;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// An HL7 date-time (DTM, or a TS's first component) at its precision.
#[pyclass(frozen, get_all, module = "pipehat")]
pub(crate) struct DateTimeValue {
    /// "year", "month", "day", "hour", "minute", "second" or "fraction"; None for the HL7 null.
    pub(crate) precision: Option<&'static str>,
    /// ISO 8601 at the value's own precision ("1980-01", "2024-01-15T10:30:00.25-05:00"); None for the HL7 null.
    pub(crate) iso: Option<String>,
    /// A datetime.datetime (aware when an offset was given; missing parts are their minimum); None for the HL7 null.
    pub(crate) datetime: Py<PyAny>,
    /// Offset from UTC in minutes, when given.
    pub(crate) offset_minutes: Option<i16>,
    /// True for the HL7 null ("").
    pub(crate) is_null: bool,
}

#[pymethods]
impl DateTimeValue {
    fn __repr__(&self) -> String {
        match &self.iso {
            Some(iso) => format!(
                "<pipehat.DateTimeValue {iso} ({})>",
                self.precision.unwrap_or("")
            ),
            None => "<pipehat.DateTimeValue null>".into(),
        }
    }
}

pub(crate) fn datetime_value(py: Python<'_>, v: pipehat::datatype::Dtm) -> PyResult<DateTimeValue> {
    let t = match v {
        pipehat::datatype::Dtm::Null => {
            return Ok(DateTimeValue {
                precision: None,
                iso: None,
                datetime: py.None(),
                offset_minutes: None,
                is_null: true,
            })
        }
        pipehat::datatype::Dtm::Value(t) => t,
    };
    let dt = py.import("datetime")?;
    let tz = match t.offset_minutes() {
        Some(m) => {
            let delta = dt.getattr("timedelta")?.call1((0, i32::from(m) * 60))?;
            dt.getattr("timezone")?.call1((delta,))?.unbind()
        }
        None => py.None(),
    };
    let value = dt.getattr("datetime")?.call1((
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanos() / 1000,
        tz,
    ))?;
    Ok(DateTimeValue {
        precision: Some(t.precision().as_str()),
        iso: Some(t.to_iso8601()),
        datetime: value.unbind(),
        offset_minutes: t.offset_minutes(),
        is_null: false,
    })
}

pub(crate) fn composite_dict<'py>(
    py: Python<'py>,
    c: &pipehat::datatype::Composite<'_>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, part) in &c.parts {
        match part {
            pipehat::datatype::TypedPart::Text(t) => d.set_item(*name, t.as_deref())?,
            pipehat::datatype::TypedPart::Composite(n) => {
                d.set_item(*name, composite_dict(py, n)?)?
            }
        }
    }
    Ok(d)
}

pub(crate) fn datatype_arg(name: &str) -> PyResult<pipehat::datatype::Datatype> {
    use pipehat::datatype::Datatype;
    Datatype::parse(name).ok_or_else(|| one_of("datatype", &Datatype::NAMES))
}

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DateTimeValue>()?;
    Ok(())
}
