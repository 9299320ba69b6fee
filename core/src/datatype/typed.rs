//! Typed reads of a message: date-times, numbers, sequence ids and
//! composites at a path.

use super::{Datatype, DateTime};
use crate::view::{Component, Repetition};
use crate::{Message, PathError, Value};
use alloc::borrow::Cow;
use alloc::vec::Vec;

/// One named part of a [`Composite`].
#[derive(Debug, Clone, PartialEq)]
pub enum TypedPart<'a> {
    /// Decoded text; `None` when empty or absent.
    Text(Option<Cow<'a, str>>),
    /// A nested composite (XPN.1 family name, CX.4 assigning authority, …).
    Composite(Composite<'a>),
}

/// A composite read through its datatype's component names.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite<'a> {
    /// Which datatype.
    pub datatype: Datatype,
    /// Every component name of the datatype, in order, with its value.
    pub parts: Vec<(&'static str, TypedPart<'a>)>,
}

impl<'a> Composite<'a> {
    fn from_repetition(rep: &Repetition<'a>, dt: Datatype) -> Composite<'a> {
        let parts = dt
            .parts()
            .iter()
            .enumerate()
            .map(|(i, &(name, nested))| {
                let comp = rep.component(i + 1);
                let part = match (nested, comp) {
                    (Some(sub), Some(c)) => {
                        TypedPart::Composite(Composite::from_component(&c, sub))
                    }
                    (Some(sub), None) => TypedPart::Composite(Composite::empty(sub)),
                    (None, c) => TypedPart::Text(c.filter(|c| !c.is_empty()).map(|c| c.value())),
                };
                (name, part)
            })
            .collect();
        Composite {
            datatype: dt,
            parts,
        }
    }

    fn from_component(comp: &Component<'a>, dt: Datatype) -> Composite<'a> {
        let parts = dt
            .parts()
            .iter()
            .enumerate()
            .map(|(i, &(name, _))| {
                let v = comp
                    .subcomponent(i + 1)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.value());
                (name, TypedPart::Text(v))
            })
            .collect();
        Composite {
            datatype: dt,
            parts,
        }
    }

    fn empty(dt: Datatype) -> Composite<'a> {
        Composite {
            datatype: dt,
            parts: dt
                .parts()
                .iter()
                .map(|&(n, _)| (n, TypedPart::Text(None)))
                .collect(),
        }
    }

    /// The text of the part named `name` (`None` when empty, absent or nested).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, p)| match p {
                TypedPart::Text(t) => t.as_deref(),
                TypedPart::Composite(_) => None,
            })
    }

    /// The nested composite named `name`.
    pub fn composite(&self, name: &str) -> Option<&Composite<'a>> {
        self.parts
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, p)| match p {
                TypedPart::Composite(c) => Some(c),
                TypedPart::Text(_) => None,
            })
    }

    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|(_, p)| match p {
            TypedPart::Text(t) => t.is_none(),
            TypedPart::Composite(c) => c.is_empty(),
        })
    }
}

/// The HL7 null (`""`) or a date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtm {
    /// The value was `""`: explicitly no value.
    Null,
    /// A date-time.
    Value(DateTime),
}

impl Message<'_> {
    /// The DTM (or TS first component) at `path`: `Ok(None)` when absent
    /// or empty, `Ok(Some(Err(..)))` when present but not a date-time.
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A|||||||1|P|2.3\rPID|1||||||19800101^D||\"\"\r")?;
    /// let dob = msg.datetime("PID-7")?.unwrap().unwrap();
    /// assert_eq!(dob, pipehat::datatype::Dtm::Value(pipehat::datatype::DateTime::parse("19800101").unwrap()));
    /// assert_eq!(msg.datetime("PID-9")?.unwrap().unwrap(), pipehat::datatype::Dtm::Null);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn datetime(
        &self,
        path: impl crate::IntoPath,
    ) -> Result<Option<Result<Dtm, super::DatatypeError>>, PathError> {
        let Some(text) = self.first_text(path)? else {
            return Ok(None);
        };
        if text == "\"\"" {
            return Ok(Some(Ok(Dtm::Null)));
        }
        Ok(Some(DateTime::parse(&text).map(Dtm::Value)))
    }

    /// The decoded text of the first component of what `path` names.
    fn first_text(&self, path: impl crate::IntoPath) -> Result<Option<Cow<'_, str>>, PathError> {
        let text = match self.value(path)? {
            None => None,
            Some(Value::Field(f)) => f
                .repetition(1)
                .and_then(|r| r.component(1))
                .map(|c| c.value()),
            Some(Value::Repetition(r)) => r.component(1).map(|c| c.value()),
            Some(v) => Some(v.value()),
        };
        Ok(text.filter(|t| !t.is_empty()))
    }

    /// The NM at `path` (see [`parse_number`](super::parse_number)).
    pub fn number(
        &self,
        path: impl crate::IntoPath,
    ) -> Result<Option<Result<f64, super::DatatypeError>>, PathError> {
        Ok(self.first_text(path)?.map(|t| super::parse_number(&t)))
    }

    /// The SI at `path` (see [`parse_sequence_id`](super::parse_sequence_id)).
    pub fn sequence_id(
        &self,
        path: impl crate::IntoPath,
    ) -> Result<Option<Result<u32, super::DatatypeError>>, PathError> {
        Ok(self.first_text(path)?.map(|t| super::parse_sequence_id(&t)))
    }

    /// The value at `path` read as `datatype`: a field or repetition path
    /// reads its (first) repetition's components; a component path reads
    /// its subcomponents. `None` when absent or empty.
    ///
    /// ```
    /// use pipehat::datatype::Datatype;
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A\rPID|1||123^^^HOSP&1.2.3&ISO^MR~9||DOE^JANE^Q\r")?;
    /// let cx = msg.typed("PID-3", Datatype::CX)?.unwrap();
    /// assert_eq!(cx.text("id_number"), Some("123"));
    /// assert_eq!(cx.composite("assigning_authority").unwrap().text("universal_id"), Some("1.2.3"));
    /// let name = msg.typed("PID-5", Datatype::XPN)?.unwrap();
    /// assert_eq!(name.composite("family_name").unwrap().text("surname"), Some("DOE"));
    /// assert_eq!(name.text("given_name"), Some("JANE"));
    /// assert_eq!(msg.typed("PID-3(2)", Datatype::CX)?.unwrap().text("id_number"), Some("9"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn typed(
        &self,
        path: impl crate::IntoPath,
        datatype: Datatype,
    ) -> Result<Option<Composite<'_>>, PathError> {
        let composite = match self.value(path)? {
            None => None,
            Some(Value::Field(f)) => f
                .repetition(1)
                .map(|r| Composite::from_repetition(&r, datatype)),
            Some(Value::Repetition(r)) => Some(Composite::from_repetition(&r, datatype)),
            Some(Value::Component(c)) => Some(Composite::from_component(&c, datatype)),
            Some(Value::Subcomponent(_)) => None,
        };
        Ok(composite.filter(|c| !c.is_empty()))
    }

    /// Every repetition of the field at `path` read as `datatype` (empty ones included).
    pub fn typed_all(
        &self,
        path: impl crate::IntoPath,
        datatype: Datatype,
    ) -> Result<Vec<Composite<'_>>, PathError> {
        let path = path.into_path()?;
        let field_path = path.field_path();
        Ok(match self.value(field_path)? {
            Some(Value::Field(f)) => f
                .repetitions()
                .map(|r| Composite::from_repetition(&r, datatype))
                .collect(),
            _ => Vec::new(),
        })
    }
}
