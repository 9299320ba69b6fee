//! Conformance profiles: rules that add to or override the standard, read from JSON or YAML.

use crate::error::SpecErrorKind;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Usage of a field in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "json"), allow(dead_code))] // profiles are read from JSON
pub(super) enum Usage {
    Required,
    Optional,
    Forbidden,
}

#[derive(Debug, Clone, Default)]
pub(super) struct FieldRule {
    pub(super) usage: Option<Usage>,
    pub(super) max: Option<u32>,
    pub(super) values: Option<Vec<String>>,
    pub(super) datatype: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct SegmentRule {
    pub(super) min: Option<u32>,
    pub(super) max: Option<u32>,
    pub(super) fields: BTreeMap<u32, FieldRule>,
}

/// A conformance profile: JSON that overrides the standard.
///
/// ```json
/// { "version": "2.5.1",
///   "structure": "ADT_A01",
///   "segments": {
///     "PID": { "min": 1, "max": 1,
///              "fields": { "3": { "usage": "R", "max": 2 },
///                          "8": { "values": ["F", "M", "U"] },
///                          "19": { "usage": "X" } } },
///     "ZPD": { "min": 1, "fields": { "1": { "usage": "R", "datatype": "DTM" } } } } }
/// ```
///
/// `usage`: `R` (required), `RE`/`O` (optional, no check), `X` (forbidden);
/// `max`: most repetitions; `values`: allowed codes (first component);
/// `datatype`: a format to check (DTM, DT, TS, NM, SI, ID, IS; any other
/// name is not checked). A segment's `min`/`max` count its occurrences.
/// Unknown keys are errors, so a misspelt rule is not silently ignored.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub(super) version: Option<String>,
    pub(super) structure: Option<String>,
    pub(super) segments: BTreeMap<String, SegmentRule>,
}

/// A profile that could not be read (see [`SpecError`](crate::SpecError)):
/// `invalid_json` (or `invalid_yaml`), `invalid_profile` or `unknown_key`,
/// with a JSON pointer.
pub type ProfileError = crate::SpecError;

#[cfg(feature = "json")]
pub(super) fn profile_error(kind: SpecErrorKind, pointer: impl Into<String>) -> ProfileError {
    crate::SpecError::new("profile", kind, pointer)
}

#[cfg(feature = "json")]
impl Profile {
    /// Reads a profile from JSON text.
    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        let doc: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| profile_error(SpecErrorKind::InvalidJson, ""))?;
        Self::from_value(&doc)
    }

    /// Reads a profile from YAML text (the same keys as JSON; field numbers
    /// may be written as plain numbers). Feature `yaml`.
    ///
    /// ```
    /// let profile = pipehat::validate::Profile::parse_yaml(
    ///     "version: '2.5.1'\nsegments:\n  PID:\n    fields:\n      3: {usage: R, max: 2}\n",
    /// )?;
    /// # Ok::<(), pipehat::validate::ProfileError>(())
    /// ```
    #[cfg(feature = "yaml")]
    pub fn parse_yaml(text: &str) -> Result<Profile, ProfileError> {
        let doc: serde_json::Value = yaml_serde::from_str(text)
            .map_err(|_| profile_error(SpecErrorKind::InvalidYaml, ""))?;
        Self::from_value(&doc)
    }

    pub(super) fn from_value(doc: &serde_json::Value) -> Result<Profile, ProfileError> {
        use serde_json::Value;
        let top = doc
            .as_object()
            .ok_or_else(|| profile_error(SpecErrorKind::InvalidProfile, ""))?;
        let mut profile = Profile::default();
        let count = |v: &Value, at: &str| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| profile_error(SpecErrorKind::InvalidProfile, at))
        };
        for (key, value) in top {
            match key.as_str() {
                "version" | "structure" => {
                    // A version written as a YAML number (2.5) reads as its text.
                    let number = (key == "version")
                        .then(|| value.as_number().map(|n| n.to_string()))
                        .flatten();
                    let s = value.as_str().or(number.as_deref()).ok_or_else(|| {
                        profile_error(SpecErrorKind::InvalidProfile, format!("/{key}"))
                    })?;
                    if key == "version" {
                        profile.version = Some(s.into());
                    } else {
                        profile.structure = Some(s.into());
                    }
                }
                "name" | "description" => {}
                "segments" => {
                    let segs = value
                        .as_object()
                        .ok_or_else(|| profile_error(SpecErrorKind::InvalidProfile, "/segments"))?;
                    for (name, rule) in segs {
                        let at = format!("/segments/{name}");
                        if name.len() != 3 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
                            return Err(profile_error(SpecErrorKind::InvalidProfile, at));
                        }
                        let obj = rule.as_object().ok_or_else(|| {
                            profile_error(SpecErrorKind::InvalidProfile, at.clone())
                        })?;
                        let mut seg = SegmentRule::default();
                        for (k, v) in obj {
                            let here = format!("{at}/{k}");
                            match k.as_str() {
                                "min" => seg.min = Some(count(v, &here)?),
                                "max" => seg.max = Some(count(v, &here)?),
                                "fields" => {
                                    let fields = v.as_object().ok_or_else(|| {
                                        profile_error(SpecErrorKind::InvalidProfile, here.clone())
                                    })?;
                                    for (n, f) in fields {
                                        let fat = format!("{here}/{n}");
                                        let number =
                                            n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(
                                                || {
                                                    profile_error(
                                                        SpecErrorKind::InvalidProfile,
                                                        fat.clone(),
                                                    )
                                                },
                                            )?;
                                        seg.fields.insert(number, field_rule(f, &fat)?);
                                    }
                                }
                                _ => return Err(profile_error(SpecErrorKind::UnknownKey, here)),
                            }
                        }
                        profile.segments.insert(name.clone(), seg);
                    }
                }
                _ => return Err(profile_error(SpecErrorKind::UnknownKey, format!("/{key}"))),
            }
        }
        Ok(profile)
    }
}

#[cfg(feature = "json")]
pub(super) fn field_rule(v: &serde_json::Value, at: &str) -> Result<FieldRule, ProfileError> {
    let obj = v
        .as_object()
        .ok_or_else(|| profile_error(SpecErrorKind::InvalidProfile, at))?;
    let mut rule = FieldRule::default();
    for (k, v) in obj {
        let here = format!("{at}/{k}");
        let bad = || profile_error(SpecErrorKind::InvalidProfile, here.clone());
        match k.as_str() {
            "usage" => {
                rule.usage = Some(match v.as_str().ok_or_else(bad)? {
                    "R" => Usage::Required,
                    "RE" | "O" | "C" | "CE" => Usage::Optional,
                    "X" => Usage::Forbidden,
                    _ => return Err(bad()),
                })
            }
            "max" => {
                rule.max = Some(
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(bad)?,
                )
            }
            "values" => {
                let list = v.as_array().ok_or_else(bad)?;
                let mut values = Vec::new();
                for x in list {
                    // Codes written as numbers (1 for "1") read as their text.
                    let code = match x.as_number() {
                        Some(n) => n.to_string(),
                        None => String::from(x.as_str().ok_or_else(bad)?),
                    };
                    values.push(code);
                }
                rule.values = Some(values);
            }
            "datatype" => rule.datatype = Some(String::from(v.as_str().ok_or_else(bad)?)),
            "name" | "description" => {}
            _ => return Err(profile_error(SpecErrorKind::UnknownKey, here)),
        }
    }
    Ok(rule)
}
