//! Local additions to the IG's maps, from a small JSON file: fields (of
//! Z-segments or of standard segments the IG leaves out) written as
//! extensions or identifiers of a resource, vocabulary codes, resource types
//! to leave out.
//!
//! ```json
//! {
//!   "fields": {
//!     "ZPI-2": {"resource": "Patient", "extension": "https://example.org/fhir/pet-name"},
//!     "ZPI-3": {"resource": "Patient", "identifier": "https://example.org/ids/member"},
//!     "PID-10": {"resource": "Patient", "extension": "https://example.org/fhir/race", "type": "code"}
//!   },
//!   "codes": {"AdministrativeSex": {"X": "other"}},
//!   "drop": ["Provenance"]
//! }
//! ```

use super::model::Prim;
use super::{FhirError, FhirErrorKind};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// What one field becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An extension with this URL and a value of this type.
    Extension(String, Prim, &'static str),
    /// An identifier with this system (empty: none).
    Identifier(String),
}

/// One field's override: `SEG-n[.c]` → a resource's extension or identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldOverride {
    pub seg: String,
    pub field: u16,
    pub comp: u16,
    pub resource: String,
    pub target: Target,
}

/// Local additions to the maps (see the module's documentation), read once
/// and used for any number of conversions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub(crate) fields: Vec<FieldOverride>,
    /// (vocabulary, v2 code, FHIR code)
    pub(crate) codes: Vec<(String, String, String)>,
    pub(crate) drop: Vec<String>,
}

/// The value types an extension may take, with their JSON key suffix.
const TYPES: &[(&str, Prim, &str)] = &[
    ("string", Prim::Text, "valueString"),
    ("code", Prim::Code, "valueCode"),
    ("uri", Prim::Uri, "valueUri"),
    ("boolean", Prim::Boolean, "valueBoolean"),
    ("integer", Prim::Integer, "valueInteger"),
    ("decimal", Prim::Decimal, "valueDecimal"),
    ("date", Prim::Date, "valueDate"),
    ("dateTime", Prim::DateTime, "valueDateTime"),
];

fn invalid(pointer: impl Into<String>) -> FhirError {
    FhirError {
        kind: FhirErrorKind::InvalidOverrides,
        option: Some("overrides"),
        pointer: Some(pointer.into()),
    }
}

/// `SEG-n` or `SEG-n.c` → (segment, field, component).
fn field_path(key: &str) -> Option<(String, u16, u16)> {
    let (seg, rest) = key.split_once('-')?;
    let b = seg.as_bytes();
    if b.len() != 3
        || !b[0].is_ascii_uppercase()
        || !b
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return None;
    }
    let (f, c) = match rest.split_once('.') {
        Some((f, c)) => (f, Some(c)),
        None => (rest, None),
    };
    let num = |s: &str| -> Option<u16> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u16>().ok().filter(|n| *n > 0)
    };
    let field = num(f)?;
    let comp = match c {
        Some(c) => num(c)?,
        None => 0,
    };
    Some((seg.to_string(), field, comp))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl Overrides {
    /// Reads overrides from JSON text; unknown keys are refused with a JSON
    /// pointer to them (`fhir_invalid_overrides`).
    pub fn parse(text: &str) -> Result<Overrides, FhirError> {
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|_| invalid(""))?;
        let top = doc.as_object().ok_or_else(|| invalid(""))?;
        let mut out = Overrides::default();
        for (key, value) in top {
            match key.as_str() {
                "fields" => {
                    let fields = value.as_object().ok_or_else(|| invalid("/fields"))?;
                    for (path, spec) in fields {
                        let at = alloc::format!("/fields/{}", escape(path));
                        let (seg, field, comp) =
                            field_path(path).ok_or_else(|| invalid(at.clone()))?;
                        let spec = spec.as_object().ok_or_else(|| invalid(at.clone()))?;
                        let mut resource = None;
                        let mut extension = None;
                        let mut identifier = None;
                        let mut ty = None;
                        for (k, v) in spec {
                            let here = alloc::format!("{at}/{}", escape(k));
                            let text = v.as_str().ok_or_else(|| invalid(here.clone()))?;
                            match k.as_str() {
                                "resource" => {
                                    if text.is_empty()
                                        || !text.bytes().all(|b| b.is_ascii_alphabetic())
                                    {
                                        return Err(invalid(here));
                                    }
                                    resource = Some(text.to_string());
                                }
                                "extension" => {
                                    if text.is_empty() || text.chars().any(char::is_whitespace) {
                                        return Err(invalid(here));
                                    }
                                    extension = Some(text.to_string());
                                }
                                "identifier" => {
                                    if text.chars().any(char::is_whitespace) {
                                        return Err(invalid(here));
                                    }
                                    identifier = Some(text.to_string());
                                }
                                "type" => {
                                    ty = Some(
                                        TYPES
                                            .iter()
                                            .find(|t| t.0 == text)
                                            .ok_or_else(|| invalid(here.clone()))?,
                                    );
                                }
                                _ => return Err(invalid(here)),
                            }
                        }
                        let resource =
                            resource.ok_or_else(|| invalid(alloc::format!("{at}/resource")))?;
                        let target = match (extension, identifier) {
                            (Some(url), None) => {
                                let t = ty.unwrap_or(&TYPES[0]);
                                Target::Extension(url, t.1, t.2)
                            }
                            (None, Some(system)) if ty.is_none() => Target::Identifier(system),
                            _ => return Err(invalid(at)),
                        };
                        out.fields.push(FieldOverride {
                            seg,
                            field,
                            comp,
                            resource,
                            target,
                        });
                    }
                }
                "codes" => {
                    let vocabs = value.as_object().ok_or_else(|| invalid("/codes"))?;
                    for (vocab, map) in vocabs {
                        let at = alloc::format!("/codes/{}", escape(vocab));
                        let map = map.as_object().ok_or_else(|| invalid(at.clone()))?;
                        for (code, to) in map {
                            let here = alloc::format!("{at}/{}", escape(code));
                            let to = to
                                .as_str()
                                .filter(|t| !t.trim().is_empty())
                                .ok_or_else(|| invalid(here))?;
                            out.codes
                                .push((vocab.clone(), code.clone(), to.trim().to_string()));
                        }
                    }
                }
                "drop" => {
                    let list = value.as_array().ok_or_else(|| invalid("/drop"))?;
                    for (i, v) in list.iter().enumerate() {
                        let t = v
                            .as_str()
                            .ok_or_else(|| invalid(alloc::format!("/drop/{i}")))?;
                        out.drop.push(t.to_string());
                    }
                }
                _ => return Err(invalid(alloc::format!("/{}", escape(key)))),
            }
        }
        Ok(out)
    }

    /// The FHIR code an override gives `code` in `vocab`.
    pub(crate) fn code(&self, vocab: &str, code: &str) -> Option<&str> {
        self.codes
            .iter()
            .find(|(v, c, _)| v == vocab && c == code)
            .map(|(_, _, to)| to.as_str())
    }
}
