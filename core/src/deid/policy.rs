//! De-identification policies: what each path, datatype, field name and
//! observation type becomes, read from JSON (or YAML) and merged onto a base.

use super::{DeidError, DeidErrorKind};
use crate::Path;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// What a policy does to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Leave the value as it is.
    Keep,
    /// Empty the value (a segment rule drops the segment).
    Remove,
    /// A keyed token: the same value under the same key gives the same
    /// token. `shape`: keep the length and character classes (digits stay
    /// digits, letters letters, punctuation in place).
    Pseudonymize {
        /// Keep the value's shape.
        shape: bool,
    },
    /// Move a date by the patient's offset (other values are removed).
    Shift,
    /// Make the value coarser.
    Generalize(Generalize),
    /// A constant in place of the value.
    Replace(String),
}

/// What [`Action::Generalize`] makes of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generalize {
    /// From the value's datatype: a date becomes its year; anything else is removed.
    Auto,
    /// The year of a date.
    Year,
    /// The first three digits of a US ZIP code (`000` for the areas of fewer than 20,000 people).
    Zip3,
    /// A number over the policy's age limit becomes the limit plus one.
    Age,
}

impl Action {
    /// The action's name in policies and reports: `keep`, `remove`,
    /// `pseudonymize`, `shift`, `generalize`, `replace`.
    pub const fn name(&self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Remove => "remove",
            Action::Pseudonymize { .. } => "pseudonymize",
            Action::Shift => "shift",
            Action::Generalize(_) => "generalize",
            Action::Replace(_) => "replace",
        }
    }
}

/// A de-identification policy (see the module's documentation for the
/// format). Built-in: [`Policy::safe_harbor`]; others are read with
/// [`Policy::parse`] and extend a built-in or start from nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `SEG`, `SEG-n` or `SEG-n.c` → action.
    pub(crate) fields: BTreeMap<String, Action>,
    /// Lower-case pieces of dictionary field names → action.
    pub(crate) names: Vec<(String, Action)>,
    /// `DT` or `DT.c` → action.
    pub(crate) datatypes: BTreeMap<String, Action>,
    /// OBX-2 value type (`*`: missing or unknown) → action for OBX-5.
    pub(crate) observations: BTreeMap<String, Action>,
    /// What dates (DT, DTM, TS) get where no other rule names them.
    pub(crate) dates: Action,
    /// Drop segments the dictionary does not define and no rule names.
    pub(crate) drop_unknown_segments: bool,
    /// Empty fields the dictionary does not define (past a segment's last, or withdrawn).
    pub(crate) remove_unknown_fields: bool,
    /// Shifts are within ±`shift_days` (never 0).
    pub(crate) shift_days: u32,
    /// Where a message's patient identifier is read (the first non-empty).
    pub(crate) patient: Vec<Path>,
    /// Ages over this are reported as this plus one (`None`: ages kept).
    pub(crate) age_max: Option<u32>,
    /// OBX-3.1 codes whose OBX-5 is an age.
    pub(crate) age_codes: Vec<String>,
}

/// The built-in policies by name.
pub const BUILTIN: &[&str] = &["safe-harbor"];

const SAFE_HARBOR: &str = include_str!("../../deid/safe-harbor.json");

fn err(pointer: impl Into<String>) -> DeidError {
    DeidError::new(DeidErrorKind::InvalidPolicy, Some(pointer.into()))
}

/// `~` and `/` escaped as a JSON pointer's reference token.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl Policy {
    /// Keeps everything: the base of a policy with `"extends": "none"`.
    pub fn empty() -> Policy {
        Policy {
            fields: BTreeMap::new(),
            names: Vec::new(),
            datatypes: BTreeMap::new(),
            observations: BTreeMap::new(),
            dates: Action::Keep,
            drop_unknown_segments: false,
            remove_unknown_fields: false,
            shift_days: 365,
            patient: ["PID-3.1", "PID-2.1", "PID-4.1"]
                .iter()
                .filter_map(|p| Path::parse(p).ok())
                .collect(),
            age_max: None,
            age_codes: Vec::new(),
        }
    }

    /// The HIPAA Safe Harbor policy (`core/deid/safe-harbor.json`): names,
    /// addresses below the state (ZIP codes to three digits), every date to
    /// its year, phone and fax numbers, e-mail, identifiers of patients,
    /// accounts, visits, orders, specimens and devices (pseudonymized), free
    /// text, ages over 89, and segments and fields the dictionary does not
    /// define.
    pub fn safe_harbor() -> Policy {
        let doc: Value = serde_json::from_str(SAFE_HARBOR).unwrap_or(Value::Null);
        let mut policy = Policy::empty();
        // The file is the crate's own and tested: it always reads.
        let _ = policy.overlay(&doc);
        policy
    }

    /// A built-in policy by name (see [`BUILTIN`]).
    pub fn builtin(name: &str) -> Option<Policy> {
        (name == "safe-harbor").then(Policy::safe_harbor)
    }

    /// Reads a policy from JSON text; errors carry a JSON pointer to the part at fault.
    ///
    /// ```
    /// let p = pipehat::deid::Policy::parse(r#"{"fields": {"ZPI": "keep", "PID-8": "remove"}}"#)?;
    /// let bad = pipehat::deid::Policy::parse(r#"{"fields": {"PID-8": "scramble"}}"#).unwrap_err();
    /// assert_eq!((bad.code(), bad.pointer.as_deref()), ("deid_invalid_policy", Some("/fields/PID-8")));
    /// # Ok::<(), pipehat::deid::DeidError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Policy, DeidError> {
        let doc: Value = serde_json::from_str(text).map_err(|_| err(""))?;
        Self::from_value(&doc)
    }

    /// Reads a policy from YAML text (the same keys). Feature `yaml`.
    #[cfg(feature = "yaml")]
    pub fn parse_yaml(text: &str) -> Result<Policy, DeidError> {
        let doc: Value = yaml_serde::from_str(text).map_err(|_| err(""))?;
        Self::from_value(&doc)
    }

    /// A built-in policy's name ([`BUILTIN`]), or a policy's text: JSON
    /// (text starting with `{`), else YAML (feature `yaml`). What the
    /// bindings and the command line accept wherever a policy is named.
    ///
    /// ```
    /// use pipehat::deid::Policy;
    /// assert_eq!(Policy::load("safe-harbor")?, Policy::safe_harbor());
    /// assert_ne!(Policy::load(r#"{"dates": "shift"}"#)?, Policy::safe_harbor());
    /// assert_eq!(Policy::load("hipaa").unwrap_err().code(), "deid_invalid_policy");
    /// # Ok::<(), pipehat::deid::DeidError>(())
    /// ```
    pub fn load(text: &str) -> Result<Policy, DeidError> {
        let t = text.trim();
        if let Some(p) = Policy::builtin(t) {
            return Ok(p);
        }
        if t.starts_with('{') {
            return Policy::parse(t);
        }
        #[cfg(feature = "yaml")]
        if t.contains(':') {
            return Policy::parse_yaml(t);
        }
        Err(err(""))
    }

    fn from_value(doc: &Value) -> Result<Policy, DeidError> {
        let top = doc.as_object().ok_or_else(|| err(""))?;
        let mut policy = match top.get("extends") {
            None => Policy::safe_harbor(),
            Some(Value::String(s)) if s == "none" => Policy::empty(),
            Some(Value::String(s)) => Policy::builtin(s).ok_or_else(|| err("/extends"))?,
            Some(_) => return Err(err("/extends")),
        };
        policy.overlay(doc)?;
        Ok(policy)
    }

    /// Lays the keys of `doc` over this policy: maps key by key, the rest replaced.
    fn overlay(&mut self, doc: &Value) -> Result<(), DeidError> {
        let top = doc.as_object().ok_or_else(|| err(""))?;
        for (key, value) in top {
            let at = format!("/{}", token(key));
            match key.as_str() {
                "extends" => {}
                "fields" => {
                    for (k, v) in object(value, &at)? {
                        let p = format!("{at}/{}", token(k));
                        let k = field_key(k).ok_or_else(|| err(&*p))?;
                        let action = action(v, &p)?;
                        if k == "MSH" && action != Action::Keep || matches!(&*k, "MSH-1" | "MSH-2")
                        {
                            return Err(err(p));
                        }
                        self.fields.insert(k, action);
                    }
                }
                "names" => {
                    for (k, v) in object(value, &at)? {
                        let p = format!("{at}/{}", token(k));
                        if k.trim().is_empty() {
                            return Err(err(p));
                        }
                        let k = k.to_lowercase();
                        let a = action(v, &p)?;
                        match self.names.iter_mut().find(|(n, _)| *n == k) {
                            Some(slot) => slot.1 = a,
                            None => self.names.push((k, a)),
                        }
                    }
                }
                "datatypes" => {
                    for (k, v) in object(value, &at)? {
                        let p = format!("{at}/{}", token(k));
                        if !datatype_key(k) {
                            return Err(err(p));
                        }
                        self.datatypes.insert(k.clone(), action(v, &p)?);
                    }
                }
                "observations" => {
                    for (k, v) in object(value, &at)? {
                        let p = format!("{at}/{}", token(k));
                        if k != "*" && !datatype_key(k) || k.contains('.') {
                            return Err(err(p));
                        }
                        self.observations.insert(k.clone(), action(v, &p)?);
                    }
                }
                "dates" => self.dates = action(value, &at)?,
                "unknown_segments" => self.drop_unknown_segments = remove_or_keep(value, &at)?,
                "unknown_fields" => self.remove_unknown_fields = remove_or_keep(value, &at)?,
                "shift" => {
                    for (k, v) in object(value, &at)? {
                        let p = format!("{at}/{}", token(k));
                        match k.as_str() {
                            "days" => {
                                self.shift_days = v
                                    .as_u64()
                                    .filter(|&d| (1..=36_500).contains(&d))
                                    .ok_or_else(|| err(&*p))?
                                    as u32
                            }
                            "patient" => {
                                let list = match v {
                                    Value::String(_) => core::slice::from_ref(v),
                                    Value::Array(a) if !a.is_empty() => a.as_slice(),
                                    _ => return Err(err(p)),
                                };
                                self.patient = list
                                    .iter()
                                    .enumerate()
                                    .map(|(i, s)| {
                                        s.as_str()
                                            .and_then(|s| Path::parse(s).ok())
                                            .ok_or_else(|| err(format!("{p}/{i}")))
                                    })
                                    .collect::<Result<_, _>>()?;
                            }
                            _ => return Err(err(p)),
                        }
                    }
                }
                "ages" => {
                    for (k, v) in object(value, &at)? {
                        let p = format!("{at}/{}", token(k));
                        match k.as_str() {
                            "max" => {
                                self.age_max = match v {
                                    Value::Null => None,
                                    v => Some(
                                        v.as_u64()
                                            .and_then(|n| u32::try_from(n).ok())
                                            .ok_or_else(|| err(&*p))?,
                                    ),
                                }
                            }
                            "codes" => {
                                let list = v.as_array().ok_or_else(|| err(&*p))?;
                                self.age_codes = list
                                    .iter()
                                    .enumerate()
                                    .map(|(i, s)| {
                                        s.as_str()
                                            .map(ToString::to_string)
                                            .ok_or_else(|| err(format!("{p}/{i}")))
                                    })
                                    .collect::<Result<_, _>>()?;
                            }
                            _ => return Err(err(p)),
                        }
                    }
                }
                _ => return Err(err(at)),
            }
        }
        Ok(())
    }

    /// Whether some rule shifts dates (then each message's offset is worked out).
    pub(crate) fn shifts(&self) -> bool {
        let all = self
            .fields
            .values()
            .chain(self.datatypes.values())
            .chain(self.observations.values())
            .chain(self.names.iter().map(|(_, a)| a));
        self.dates == Action::Shift || all.into_iter().any(|a| *a == Action::Shift)
    }
}

fn object<'v>(value: &'v Value, at: &str) -> Result<&'v Map<String, Value>, DeidError> {
    value.as_object().ok_or_else(|| err(at))
}

fn remove_or_keep(value: &Value, at: &str) -> Result<bool, DeidError> {
    match value.as_str() {
        Some("remove") => Ok(true),
        Some("keep") => Ok(false),
        _ => Err(err(at)),
    }
}

/// `SEG`, `SEG-n` or `SEG-n.c` in its canonical form, or `None`.
fn field_key(key: &str) -> Option<String> {
    let key = key.trim();
    if key.len() == 3
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some(key.to_string());
    }
    let path = Path::parse(key).ok()?;
    if path.occurrence() != 1 || path.repetition().is_some() || path.subcomponent().is_some() {
        return None;
    }
    Some(match path.component() {
        Some(c) => format!("{}-{}.{c}", path.segment(), path.field()),
        None => format!("{}-{}", path.segment(), path.field()),
    })
}

/// `XAD` or `XAD.5`: a datatype name, optionally a component number.
fn datatype_key(key: &str) -> bool {
    let (name, comp) = match key.split_once('.') {
        Some((n, c)) => (n, Some(c)),
        None => (key, None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 24
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let comp_ok = comp.is_none_or(|c| c.parse::<u16>().is_ok_and(|n| n > 0));
    name_ok && comp_ok
}

/// An action: its name, or `{"action": name, ...options}`.
fn action(value: &Value, at: &str) -> Result<Action, DeidError> {
    let simple = |name: &str| match name {
        "keep" => Some(Action::Keep),
        "remove" => Some(Action::Remove),
        "pseudonymize" => Some(Action::Pseudonymize { shape: false }),
        "shift" => Some(Action::Shift),
        "generalize" => Some(Action::Generalize(Generalize::Auto)),
        _ => None,
    };
    match value {
        Value::String(s) => simple(s).ok_or_else(|| err(at)),
        Value::Object(o) => {
            let name = o
                .get("action")
                .and_then(Value::as_str)
                .ok_or_else(|| err(format!("{at}/action")))?;
            let mut a = match name {
                "replace" => {
                    let v = o.get("value").and_then(Value::as_str);
                    Action::Replace(v.ok_or_else(|| err(format!("{at}/value")))?.to_string())
                }
                other => simple(other).ok_or_else(|| err(format!("{at}/action")))?,
            };
            for (k, v) in o {
                let p = format!("{at}/{}", token(k));
                match (k.as_str(), &mut a) {
                    ("action", _) | ("value", Action::Replace(_)) => {}
                    ("shape", Action::Pseudonymize { shape }) => {
                        *shape = v.as_bool().ok_or_else(|| err(&*p))?
                    }
                    ("to", Action::Generalize(g)) => {
                        *g = match v.as_str() {
                            Some("year") => Generalize::Year,
                            Some("zip3") => Generalize::Zip3,
                            Some("age") => Generalize::Age,
                            Some("auto") => Generalize::Auto,
                            _ => return Err(err(p)),
                        }
                    }
                    _ => return Err(err(p)),
                }
            }
            Ok(a)
        }
        _ => Err(err(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_policy_reads() {
        let doc: Value = serde_json::from_str(SAFE_HARBOR).unwrap();
        let mut p = Policy::empty();
        p.overlay(&doc).unwrap();
        assert_eq!(p, Policy::safe_harbor());
        assert_eq!(p.fields.get("NTE-3"), Some(&Action::Remove));
        assert!(p.drop_unknown_segments && p.remove_unknown_fields);
    }

    #[test]
    fn bad_policies_point_at_the_part() {
        let cases = [
            ("[]", ""),
            ("{\"colour\": 1}", "/colour"),
            ("{\"extends\": \"hipaa\"}", "/extends"),
            ("{\"fields\": {\"PID-3(2)\": \"keep\"}}", "/fields/PID-3(2)"),
            ("{\"fields\": {\"MSH-2\": \"remove\"}}", "/fields/MSH-2"),
            ("{\"fields\": {\"MSH\": \"remove\"}}", "/fields/MSH"),
            (
                "{\"fields\": {\"PID-5\": {\"action\": \"replace\"}}}",
                "/fields/PID-5/value",
            ),
            (
                "{\"fields\": {\"PID-5\": {\"action\": \"remove\", \"to\": \"year\"}}}",
                "/fields/PID-5/to",
            ),
            ("{\"datatypes\": {\"xpn\": \"keep\"}}", "/datatypes/xpn"),
            (
                "{\"observations\": {\"NM.1\": \"keep\"}}",
                "/observations/NM.1",
            ),
            ("{\"shift\": {\"days\": 0}}", "/shift/days"),
            (
                "{\"shift\": {\"patient\": [\"PID-3\", \"?\"]}}",
                "/shift/patient/1",
            ),
            ("{\"ages\": {\"codes\": [1]}}", "/ages/codes/0"),
            ("{\"unknown_segments\": \"drop\"}", "/unknown_segments"),
            ("{\"names\": {\"a/b\": 3}}", "/names/a~1b"),
        ];
        for (text, pointer) in cases {
            let e = Policy::parse(text).unwrap_err();
            assert_eq!(e.pointer.as_deref(), Some(pointer), "{text}");
            assert_eq!(e.code(), "deid_invalid_policy");
        }
    }

    #[test]
    fn policies_extend_a_base_key_by_key() {
        let p = Policy::parse(
            r#"{"dates": "shift", "fields": {"ZPI-2": {"action": "pseudonymize", "shape": true}}}"#,
        )
        .unwrap();
        assert_eq!(p.dates, Action::Shift);
        assert_eq!(p.fields.get("NTE-3"), Some(&Action::Remove));
        assert_eq!(
            p.fields.get("ZPI-2"),
            Some(&Action::Pseudonymize { shape: true })
        );
        let none = Policy::parse(r#"{"extends": "none", "fields": {"PID-5": "remove"}}"#).unwrap();
        assert_eq!(none.fields.len(), 1);
        assert!(!none.drop_unknown_segments);
        assert!(!none.shifts() && p.shifts());
    }
}
