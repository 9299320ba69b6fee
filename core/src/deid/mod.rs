//! De-identification (feature `deid`): a message without who the patient
//! is, with the same segments, fields, delimiters, escapes and terminators,
//! only the values a [`Policy`] names changed.
//!
//! - **Policies.** [`Policy::safe_harbor`] (the default) covers the HIPAA
//!   Safe Harbor identifiers wherever HL7 v2 carries them in every version
//!   of the dictionary; `docs/deid-coverage.md` lists each field it covers
//!   per version. A policy file (JSON, or YAML with feature `yaml`) extends
//!   it or starts from nothing (`"extends": "none"`). Rules name a segment,
//!   a field or a component (`fields`), a datatype or one of its components
//!   (`datatypes`), a piece of a field's dictionary name (`names`), or the
//!   value type of an OBX-5 (`observations`); the most specific wins, and
//!   a path beats a datatype, which beats a name.
//! - **Actions.** `remove`, `pseudonymize` (a keyed HMAC-SHA256 token: the
//!   same value under the same key gives the same token in every message and
//!   every language), `shift` (dates moved by a patient's offset, from the
//!   key and the patient identifier, keeping precision and intervals),
//!   `generalize` (year, three-digit ZIP, ages over the limit), `replace`
//!   and `keep`.
//! - **Reports, never content.** A [`Report`] counts what changed per path
//!   and action; the crosswalk (token → original) is kept only on request.
//!
//! ```
//! use pipehat::{deid, Message};
//! let msg = Message::parse(b"MSH|^~\\&|ADT|HOSP|||20240115103000||ADT^A01|1|P|2.5.1\r\
//! PID|1||12345^^^HOSP^MR||DOE^JANE||19800101|F|||1 MAIN ST^^BOSTON^MA^02134||^PRN^PH^^^617^5551234\r\
//! ZPI|secret\r")?;
//! let mut d = deid::Deidentifier::new(b"a key of sixteen bytes or more", &deid::Policy::safe_harbor())?;
//! let out = d.apply(&msg);
//! let text = std::str::from_utf8(&out).unwrap();
//! assert!(text.starts_with("MSH|^~\\&|ADT|HOSP|||2024||ADT^A01|1|P|2.5.1\rPID|1||"));
//! assert!(text.contains("^^^HOSP^MR||||1980|F|||^^^MA^021||\r"));
//! assert!(!text.contains("12345") && !text.contains("DOE") && !text.contains("ZPI"));
//! assert_eq!(d.report().count("PID-5", "remove"), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "std")]
mod file;
mod policy;
mod values;

use crate::dictionary::{self, ComponentDef, VersionDef};
use crate::error::{kinds, write_error, Place};
use crate::{Delimiters, Message};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "std")]
pub use file::{deidentify_file, FileSummary};
pub use policy::{Action, Generalize, Policy, BUILTIN};

kinds! {
    /// Why a de-identifier could not be made.
    pub enum DeidErrorKind {
        /// The policy is not JSON (or YAML), or a part has the wrong shape or an unknown key.
        InvalidPolicy => "deid_invalid_policy", "the de-identification policy is not valid";
        /// The key is shorter than 16 bytes.
        KeyTooShort => "deid_key_too_short", "the key has fewer than 16 bytes";
    }
}

/// A policy or key that cannot be used: a kind and, for policies, a JSON
/// pointer to the part at fault (never content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeidError {
    /// What went wrong.
    pub kind: DeidErrorKind,
    /// For policies: where (`""`: the whole text).
    pub pointer: Option<String>,
}

impl DeidError {
    pub(crate) fn new(kind: DeidErrorKind, pointer: Option<String>) -> Self {
        DeidError { kind, pointer }
    }
    /// The stable code (`deid_invalid_policy`, `deid_key_too_short`).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for DeidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.pointer.as_deref().map(Place::Pointer);
        write_error(f, self.kind.describe(), self.kind.code(), place)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DeidError {}

/// The shortest key accepted.
pub const MIN_KEY_BYTES: usize = 16;

/// What was changed: a count per path (`PID-5`; a segment name for removed
/// segments) and action, over every message applied. Never content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Messages de-identified.
    pub messages: u64,
    counts: BTreeMap<([u8; 3], u16, u8), u64>,
}

/// The actions a report counts, by index (in their names' order).
const COUNTED: [&str; 5] = ["generalize", "pseudonymize", "remove", "replace", "shift"];
const GENERALIZE: usize = 0;
const PSEUDONYMIZE: usize = 1;
const REMOVE: usize = 2;
const REPLACE: usize = 3;
const SHIFT: usize = 4;

/// What one field had done to it, counted before it goes into a report.
type Tally = [u64; 5];

impl Report {
    fn add(&mut self, segment: &[u8], field: usize, tally: &Tally) {
        let mut name = [b'?'; 3];
        if segment.len() == 3 {
            name.copy_from_slice(segment);
        }
        for (action, &n) in tally.iter().enumerate() {
            if n > 0 {
                *self
                    .counts
                    .entry((name, field as u16, action as u8))
                    .or_insert(0) += n;
            }
        }
    }

    /// (path, action, count) in path order; a path without a field number is a removed segment.
    pub fn entries(&self) -> impl Iterator<Item = (String, &'static str, u64)> + '_ {
        self.counts.iter().map(|(&(seg, field, action), &n)| {
            let action = COUNTED[action as usize % COUNTED.len()];
            let seg = core::str::from_utf8(&seg).unwrap_or("???");
            let path = if field == 0 {
                String::from(seg)
            } else {
                alloc::format!("{seg}-{field}")
            };
            (path, action, n)
        })
    }

    /// How many values (or segments) `path` had `action` applied to.
    pub fn count(&self, path: &str, action: &str) -> u64 {
        self.entries()
            .filter(|(p, a, _)| p == path && *a == action)
            .map(|(_, _, n)| n)
            .sum()
    }

    /// Adds another report's counts (work done in parallel).
    pub fn merge(&mut self, other: &Report) {
        self.messages += other.messages;
        for (k, n) in &other.counts {
            *self.counts.entry(*k).or_insert(0) += n;
        }
    }

    /// `{"messages":n,"changes":[{"path":"PID-5","action":"remove","count":3},…]}`.
    pub fn to_json(&self) -> String {
        let mut out = alloc::format!("{{\"messages\":{},\"changes\":[", self.messages);
        for (i, (path, action, n)) in self.entries().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"path\":");
            crate::json::write_string(&mut out, &path);
            out.push_str(&alloc::format!(",\"action\":\"{action}\",\"count\":{n}}}"));
        }
        out.push_str("]}");
        out
    }
}

/// What a policy does to a value, resolved for one field of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Keep,
    Act(Action),
    /// Per component (or subcomponent); `rest` for the ones past the list.
    Parts(Box<[Node]>, Box<Node>),
    /// Typed by the message (OBX-5 by OBX-2).
    Varies,
}

use alloc::boxed::Box;

impl Node {
    fn act(a: Option<&Action>) -> Option<Node> {
        a.map(|a| match a {
            Action::Keep => Node::Keep,
            a => Node::Act(a.clone()),
        })
    }
    /// Parts that all do the same thing, as that thing.
    fn parts(children: Vec<Node>, rest: Node) -> Node {
        if children.iter().all(|c| *c == rest) {
            return rest;
        }
        Node::Parts(children.into_boxed_slice(), Box::new(rest))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SegKind {
    Drop,
    Copy,
    Fields,
}

/// What a policy does to one segment of one version.
#[derive(Debug)]
struct SegPlan {
    kind: SegKind,
    fields: Vec<Node>,
    rest: Node,
    /// Fields holding a birth date (ages over the limit are capped there).
    birth: Vec<bool>,
    /// The numbers of the fields in `fields` whose node is not `Keep` (in order).
    active: Vec<usize>,
}

impl SegPlan {
    fn node(&self, n: usize) -> &Node {
        self.fields.get(n - 1).unwrap_or(&self.rest)
    }
}

const DATES: &[&str] = &["DT", "DTM", "TS"];
/// Coded datatypes: the dates inside them date code systems, not patients.
const CODED: &[&str] = &["CE", "CNE", "CWE", "CF"];
const PRIMITIVES: &[&str] = &[
    "DT", "DTM", "TS", "TM", "NM", "SI", "ST", "TX", "FT", "ID", "IS", "GTS", "TN", "PN", "AD",
    "CF", "ED", "RP",
];

/// The policy read against the dictionary: plans made once per version and segment.
#[derive(Debug)]
struct Planner {
    policy: Policy,
    shifts: bool,
}

/// The explicit rules under `prefix` (`PID-3.` → component 3's rule), by number.
fn numbered<'p>(map: &'p BTreeMap<String, Action>, prefix: &str) -> Vec<(usize, &'p Action)> {
    map.range::<str, _>((
        core::ops::Bound::Included(prefix),
        core::ops::Bound::Unbounded,
    ))
    .take_while(|(k, _)| k.starts_with(prefix))
    .filter_map(|(k, a)| Some((k[prefix.len()..].parse().ok()?, a)))
    .collect()
}

fn find(list: &[(usize, &Action)], n: usize) -> Option<Action> {
    list.iter()
        .find(|(c, _)| *c == n)
        .map(|(_, a)| (*a).clone())
}

impl Planner {
    fn date_rule(&self, datatype: &str) -> Option<Action> {
        DATES.contains(&datatype).then(|| match &self.policy.dates {
            // A date generalized is its year.
            Action::Generalize(Generalize::Auto) => Action::Generalize(Generalize::Year),
            a => a.clone(),
        })
    }

    /// The date rule for a TS's first component: a date however the
    /// version types it (ST before 2.5, DTM from 2.5).
    fn ts_time(&self, datatype: &str, component: usize) -> Option<Action> {
        (datatype == "TS" && component == 1)
            .then(|| self.date_rule("DTM"))
            .flatten()
    }

    fn name_rule(&self, name: &str) -> Option<Action> {
        let lower = name.to_lowercase();
        self.policy
            .names
            .iter()
            .find(|(piece, _)| lower.contains(piece.as_str()))
            .map(|(_, a)| a.clone())
    }

    /// A datatype's rule resolved at `node`: `strong` (a path's) over the
    /// datatype's component rules over the datatype's over a name's.
    fn typed(
        &self,
        datatype: &str,
        comps: &'static [ComponentDef],
        strong: Option<Action>,
        strong_comps: &[(usize, &Action)],
        field_name: Option<&str>,
    ) -> Node {
        let p = &self.policy;
        if strong.is_some() && strong_comps.is_empty() {
            return Node::act(strong.as_ref()).unwrap_or(Node::Keep);
        }
        let comps = if CODED.contains(&datatype) {
            &[]
        } else {
            comps
        };
        let whole = p.datatypes.get(datatype).cloned();
        let prefix = alloc::format!("{datatype}.");
        let by_comp = numbered(&p.datatypes, &prefix);
        let named = (whole.is_none() && by_comp.is_empty())
            .then(|| field_name.and_then(|n| self.name_rule(n)))
            .flatten();
        let leaf_date = comps.is_empty().then(|| self.date_rule(datatype)).flatten();
        let weak = whole.or(named).or(leaf_date);
        if strong.is_none() && by_comp.is_empty() && strong_comps.is_empty() {
            if let Some(w) = Node::act(weak.as_ref()) {
                return w;
            }
            if comps.is_empty() {
                return Node::Keep;
            }
        }
        let slots = [
            comps.len(),
            strong_comps.iter().map(|c| c.0).max().unwrap_or(0),
            by_comp.iter().map(|c| c.0).max().unwrap_or(0),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let inherited = strong.clone().or(weak);
        let children = (1..=slots)
            .map(|c| {
                let rule = find(strong_comps, c)
                    .or_else(|| strong.clone())
                    .or_else(|| find(&by_comp, c))
                    .or_else(|| inherited.clone())
                    .or_else(|| self.ts_time(datatype, c));
                match (Node::act(rule.as_ref()), comps.get(c - 1)) {
                    (Some(node), _) => node,
                    (None, Some(def)) => self.component(def),
                    (None, None) => Node::Keep,
                }
            })
            .collect();
        Node::parts(
            children,
            Node::act(inherited.as_ref()).unwrap_or(Node::Keep),
        )
    }

    /// A component without a path's rule: its datatype's, or its subcomponents'.
    fn component(&self, def: &'static ComponentDef) -> Node {
        let p = &self.policy;
        let whole = p.datatypes.get(def.datatype).cloned();
        let prefix = alloc::format!("{}.", def.datatype);
        let by_sub = numbered(&p.datatypes, &prefix);
        if by_sub.is_empty() {
            if let Some(n) = Node::act(whole.as_ref()) {
                return n;
            }
        }
        if def.components.is_empty() || CODED.contains(&def.datatype) {
            return Node::act(self.date_rule(def.datatype).as_ref()).unwrap_or(Node::Keep);
        }
        let children = def
            .components
            .iter()
            .enumerate()
            .map(|(i, sub)| {
                let rule = find(&by_sub, i + 1)
                    .or_else(|| whole.clone())
                    .or_else(|| p.datatypes.get(sub.datatype).cloned())
                    .or_else(|| self.ts_time(def.datatype, i + 1))
                    .or_else(|| {
                        sub.components
                            .is_empty()
                            .then(|| self.date_rule(sub.datatype))
                            .flatten()
                    });
                Node::act(rule.as_ref()).unwrap_or(Node::Keep)
            })
            .collect();
        Node::parts(children, Node::act(whole.as_ref()).unwrap_or(Node::Keep))
    }

    fn segment(&self, v: &'static VersionDef, name: &[u8]) -> SegPlan {
        let p = &self.policy;
        let text = core::str::from_utf8(name).unwrap_or("");
        let def = v.segment(name);
        let header = crate::delimiters::is_header_name(name);
        let rule = p.fields.get(text).cloned();
        let prefix = alloc::format!("{text}-");
        let field_rules = if text.is_empty() {
            Vec::new()
        } else {
            numbered_fields(&p.fields, &prefix)
        };
        let plan = |kind| SegPlan {
            kind,
            fields: Vec::new(),
            rest: Node::Keep,
            birth: Vec::new(),
            active: Vec::new(),
        };
        match rule {
            Some(Action::Remove) if !header => return plan(SegKind::Drop),
            Some(Action::Keep) => return plan(SegKind::Copy),
            _ => {}
        }
        let named = rule.is_some() || !field_rules.is_empty();
        if def.is_none() && !named {
            let drop = p.drop_unknown_segments && !header;
            return plan(if drop { SegKind::Drop } else { SegKind::Copy });
        }
        let defs: &[&dictionary::FieldDef] = def.map_or(&[], |d| d.fields);
        let last = field_rules
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(defs.len());
        let unknown = match &rule {
            Some(a) => Node::act(Some(a)).unwrap_or(Node::Keep),
            None if def.is_some() && p.remove_unknown_fields => Node::Act(Action::Remove),
            None => Node::Keep,
        };
        let mut fields = Vec::with_capacity(last);
        let mut birth = Vec::with_capacity(last);
        for n in 1..=last {
            if header && n <= 2 {
                fields.push(Node::Keep);
                birth.push(false);
                continue;
            }
            let key = alloc::format!("{text}-{n}");
            let strong = p.fields.get(&key).cloned().or_else(|| rule.clone());
            let comp_rules = numbered(&p.fields, &alloc::format!("{key}."));
            let f = defs.get(n - 1).filter(|f| !f.name.is_empty());
            let lower = f.map(|f| f.name.to_lowercase()).unwrap_or_default();
            birth.push(
                lower.contains("birth") && (lower.contains("date") || lower.contains("time")),
            );
            let node = match f {
                None => {
                    let base = strong.clone().map_or_else(
                        || unknown.clone(),
                        |a| Node::act(Some(&a)).unwrap_or(Node::Keep),
                    );
                    if comp_rules.is_empty() {
                        base
                    } else {
                        let slots = comp_rules.iter().map(|c| c.0).max().unwrap_or(0);
                        let children = (1..=slots)
                            .map(|c| {
                                Node::act(find(&comp_rules, c).as_ref()).unwrap_or(base.clone())
                            })
                            .collect();
                        Node::parts(children, base)
                    }
                }
                Some(f) if f.datatype == "varies" && strong.is_none() && comp_rules.is_empty() => {
                    Node::Varies
                }
                Some(f) => self.typed(f.datatype, f.components, strong, &comp_rules, Some(f.name)),
            };
            fields.push(node);
        }
        let active = (1..=fields.len())
            .filter(|&n| !matches!(fields[n - 1], Node::Keep))
            .collect();
        SegPlan {
            kind: SegKind::Fields,
            fields,
            rest: unknown,
            birth,
            active,
        }
    }

    /// OBX-5's rule for the value type OBX-2 gives.
    fn observation(&self, v: &'static VersionDef, value_type: &str) -> Node {
        let p = &self.policy;
        if let Some(n) = Node::act(p.observations.get(value_type)) {
            return n;
        }
        let known = match v.datatype(value_type) {
            Some(d) => Some(d.components),
            None => PRIMITIVES.contains(&value_type).then_some(&[][..]),
        };
        match known {
            Some(comps) if !value_type.is_empty() => self.typed(value_type, comps, None, &[], None),
            _ => Node::act(p.observations.get("*")).unwrap_or(Node::Keep),
        }
    }
}

/// The field numbers that rules under `SEG-` name (`SEG-n` and `SEG-n.c`).
fn numbered_fields(map: &BTreeMap<String, Action>, prefix: &str) -> Vec<usize> {
    map.range::<str, _>((
        core::ops::Bound::Included(prefix),
        core::ops::Bound::Unbounded,
    ))
    .take_while(|(k, _)| k.starts_with(prefix))
    .filter_map(|(k, _)| {
        let rest = &k[prefix.len()..];
        let n = rest.split('.').next()?;
        n.parse().ok()
    })
    .collect()
}

/// One field a policy changes in one version: what [`Policy::coverage`] lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    /// `PID-5`.
    pub path: String,
    /// The field's dictionary name.
    pub name: &'static str,
    /// The field's datatype in that version.
    pub datatype: &'static str,
    /// What happens, in words: `remove`, `pseudonymize .1`,
    /// `remove, except .4 keep, .5 generalize (zip3)`.
    pub what: String,
}

fn describe_action(a: &Action) -> String {
    match a {
        Action::Pseudonymize { shape: true } => String::from("pseudonymize (shape kept)"),
        Action::Generalize(Generalize::Zip3) => String::from("generalize (zip3)"),
        Action::Generalize(Generalize::Age) => String::from("generalize (age)"),
        Action::Generalize(Generalize::Year) => String::from("generalize (year)"),
        Action::Replace(_) => String::from("replace"),
        a => String::from(a.name()),
    }
}

/// `node` in words, its parts named from `at` (`.5`, `.12.1`).
fn describe(node: &Node, at: &str) -> String {
    match node {
        Node::Keep => String::from("keep"),
        Node::Varies => String::from("by value type (observations)"),
        Node::Act(a) => describe_action(a),
        Node::Parts(children, rest) => {
            let mut parts = Vec::new();
            for (i, c) in children.iter().enumerate() {
                if c != &**rest {
                    let here = alloc::format!("{at}.{}", i + 1);
                    match c {
                        Node::Parts(..) => parts.push(describe(c, &here)),
                        c => parts.push(alloc::format!("{here} {}", describe(c, &here))),
                    }
                }
            }
            let list = parts.join(", ");
            match &**rest {
                Node::Keep => list,
                r => alloc::format!("{}, except {list}", describe(r, at)),
            }
        }
    }
}

impl Policy {
    /// Every field of every segment `version` defines that this policy
    /// changes, in segment order (`None` for a version the dictionary does
    /// not know). `docs/deid-coverage.md` is written from it.
    pub fn coverage(&self, version: &str) -> Option<Vec<Covered>> {
        let v = dictionary::version(version)?;
        let planner = Planner {
            policy: self.clone(),
            shifts: false,
        };
        let mut out = Vec::new();
        for seg in v.segments {
            let plan = planner.segment(v, seg.name.as_bytes());
            for (i, f) in seg.fields.iter().enumerate() {
                if f.name.is_empty() {
                    continue;
                }
                let what = match plan.kind {
                    SegKind::Drop => String::from("segment removed"),
                    SegKind::Copy => continue,
                    SegKind::Fields => match plan.node(i + 1) {
                        Node::Keep => continue,
                        node => describe(node, ""),
                    },
                };
                out.push(Covered {
                    path: alloc::format!("{}-{}", seg.name, i + 1),
                    name: f.name,
                    datatype: f.datatype,
                    what,
                });
            }
        }
        Some(out)
    }
}

/// The dictionary version a message is read with: its own, the newest
/// for a later 2.x, else pipehat's default.
fn version_of(msg: &Message<'_>) -> &'static VersionDef {
    let declared = msg.version();
    let v = declared.as_deref().unwrap_or("").trim();
    if let Some(d) = dictionary::version(v) {
        return d;
    }
    let newest = dictionary::VERSIONS[dictionary::VERSIONS.len() - 1];
    let later = v.starts_with("2.") && {
        let parts =
            |s: &str| -> Vec<u32> { s.split('.').map(|x| x.parse().unwrap_or(0)).collect() };
        parts(v) > parts(newest)
    };
    dictionary::version(if later {
        newest
    } else {
        crate::DEFAULT_VERSION
    })
    .unwrap_or_else(|| unreachable!("the default version is in the dictionary"))
}

/// Removes identifiers from messages under a key and a policy; keeps a
/// [`Report`] of what it changed (and, on request, the crosswalk).
/// Plans are made once per version and segment and kept.
#[derive(Debug, Clone)]
pub struct Deidentifier {
    key: values::Keyed,
    planner: Arc<Planner>,
    /// Plans by version and segment name (a short list: a scan beats a tree).
    plans: Vec<(&'static str, [u8; 3], Arc<SegPlan>)>,
    /// OBX-5's rules by version and value type.
    observed: Vec<(&'static str, String, Arc<Node>)>,
    /// Counts not yet in `report`: by plan (as `plans` lists them), then
    /// field number (0: the segment removed). Adding to an array is what
    /// keeps counting cheap; `report()` puts them together.
    tallies: Vec<Vec<Tally>>,
    report: Report,
    crosswalk: Option<BTreeMap<String, String>>,
    text: Vec<u8>,
    /// Field separators of the segment being rewritten (lazily parsed messages).
    seps: Vec<u32>,
}

/// What one message's values are rewritten with.
struct Ctx<'m> {
    delims: Delimiters,
    charset: crate::Charset,
    offset: i64,
    /// The message, for its date (MSH-7), read when a birth date needs it.
    msg: &'m Message<'m>,
    reference: core::cell::OnceCell<Option<values::Date>>,
    age_max: Option<u32>,
}

impl Deidentifier {
    /// A de-identifier for `key` (at least [`MIN_KEY_BYTES`] bytes; keep it
    /// secret: whoever has it can test guesses against the tokens) and `policy`.
    pub fn new(key: &[u8], policy: &Policy) -> Result<Deidentifier, DeidError> {
        if key.len() < MIN_KEY_BYTES {
            return Err(DeidError::new(DeidErrorKind::KeyTooShort, None));
        }
        Ok(Deidentifier {
            key: values::keyed(key),
            planner: Arc::new(Planner {
                shifts: policy.shifts(),
                policy: policy.clone(),
            }),
            plans: Vec::new(),
            observed: Vec::new(),
            tallies: Vec::new(),
            report: Report::default(),
            crosswalk: None,
            text: Vec::new(),
            seps: Vec::new(),
        })
    }

    /// Keeps each token's original from now on ([`crosswalk`](Self::crosswalk)).
    pub fn keep_crosswalk(&mut self, keep: bool) {
        if keep {
            self.crosswalk.get_or_insert_with(BTreeMap::new);
        } else {
            self.crosswalk = None;
        }
    }

    /// Token → original value, when kept (re-identifies: store it apart from the data).
    pub fn crosswalk(&self) -> Option<&BTreeMap<String, String>> {
        self.crosswalk.as_ref()
    }

    /// What was changed so far.
    pub fn report(&self) -> Report {
        let mut report = self.report.clone();
        for ((_, name, _), fields) in self.plans.iter().zip(&self.tallies) {
            for (n, tally) in fields.iter().enumerate() {
                report.add(name, n, tally);
            }
        }
        report
    }

    /// The report so far, leaving an empty one.
    pub fn take_report(&mut self) -> Report {
        let report = self.report();
        self.report = Report::default();
        self.tallies.clear();
        report
    }

    /// Takes another de-identifier's report and crosswalk (a parallel worker's).
    #[cfg(feature = "std")]
    pub(crate) fn absorb(&mut self, other: Deidentifier) {
        self.report.merge(&other.report());
        // A worker starts from these plans and adds to them: keep its longer
        // list (the next batch's workers then plan nothing again).
        if other.plans.len() > self.plans.len() {
            self.plans.clone_from(&other.plans);
        }
        if other.observed.len() > self.observed.len() {
            self.observed.clone_from(&other.observed);
        }
        if let (Some(mine), Some(theirs)) = (self.crosswalk.as_mut(), other.crosswalk) {
            mine.extend(theirs);
        }
    }

    /// A fresh worker: the same key and policy, no report or crosswalk entries.
    #[cfg(feature = "std")]
    pub(crate) fn worker(&self) -> Deidentifier {
        Deidentifier {
            key: self.key.clone(),
            planner: self.planner.clone(),
            plans: self.plans.clone(),
            observed: self.observed.clone(),
            tallies: Vec::new(),
            report: Report::default(),
            crosswalk: self.crosswalk.as_ref().map(|_| BTreeMap::new()),
            text: Vec::new(),
            seps: Vec::new(),
        }
    }

    /// The days this message's dates move by (0 when no rule shifts).
    fn offset(&self, msg: &Message<'_>) -> i64 {
        if !self.planner.shifts {
            return 0;
        }
        let p = &self.planner.policy;
        let patient = p
            .patient
            .iter()
            .find_map(|path| msg.get(path).ok().flatten().filter(|v| !v.is_empty()));
        let id = patient.as_deref().unwrap_or("");
        values::offset(&self.key, id.as_bytes(), p.shift_days)
    }

    /// The plan of a segment, and its place in `plans` (`None`: a name
    /// of other than three bytes, planned each time).
    fn plan(&mut self, v: &'static VersionDef, name: &[u8]) -> (Option<usize>, Arc<SegPlan>) {
        let Ok(short) = <[u8; 3]>::try_from(name) else {
            return (None, Arc::new(self.planner.segment(v, name)));
        };
        let found = self
            .plans
            .iter()
            .position(|(version, seg, _)| *seg == short && core::ptr::eq(*version, v.name));
        if let Some(i) = found {
            return (Some(i), self.plans[i].2.clone());
        }
        let plan = Arc::new(self.planner.segment(v, name));
        self.plans.push((v.name, short, plan.clone()));
        (Some(self.plans.len() - 1), plan)
    }

    /// Counts what was done to field `n` (0: the segment) of a segment planned at `id`.
    fn tally(&mut self, id: Option<usize>, name: &[u8], n: usize, tally: &Tally) {
        let Some(id) = id else {
            return self.report.add(name, n, tally);
        };
        if self.tallies.len() <= id {
            self.tallies.resize_with(id + 1, Vec::new);
        }
        let fields = &mut self.tallies[id];
        if fields.len() <= n {
            fields.resize(n + 1, Tally::default());
        }
        for (sum, add) in fields[n].iter_mut().zip(tally) {
            *sum += add;
        }
    }

    fn observation(&mut self, v: &'static VersionDef, value_type: &str) -> Arc<Node> {
        let found = self
            .observed
            .iter()
            .find(|(version, t, _)| t == value_type && core::ptr::eq(*version, v.name));
        if let Some((_, _, n)) = found {
            return n.clone();
        }
        let node = Arc::new(self.planner.observation(v, value_type));
        self.observed
            .push((v.name, String::from(value_type), node.clone()));
        node
    }

    /// The message de-identified: its bytes with the policy's values
    /// changed and the segments it drops left out.
    pub fn apply(&mut self, msg: &Message<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(msg.as_bytes().len());
        self.apply_into(msg, &mut out);
        out
    }

    /// [`apply`](Self::apply), appending to `out`.
    pub fn apply_into(&mut self, msg: &Message<'_>, out: &mut Vec<u8>) {
        let input = msg.as_bytes();
        let v = version_of(msg);
        let ctx = Ctx {
            delims: msg.delimiters(),
            charset: msg.charset(),
            offset: self.offset(msg),
            msg,
            reference: core::cell::OnceCell::new(),
            age_max: self.planner.policy.age_max,
        };
        let mut cursor = 0;
        let mut seps = core::mem::take(&mut self.seps);
        let count = msg.segment_count();
        for i in 0..count {
            let Some(seg) = msg.segment_at(i) else {
                continue;
            };
            let start = seg.offset();
            let name = seg.name_bytes();
            let (id, plan) = self.plan(v, name);
            match plan.kind {
                SegKind::Copy => continue,
                SegKind::Drop => {
                    let next = msg.segment_at(i + 1).map_or(input.len(), |s| s.offset());
                    out.extend_from_slice(&input[cursor..start]);
                    cursor = next;
                    let mut tally = Tally::default();
                    tally[REMOVE] = 1;
                    self.tally(id, name, 0, &tally);
                    continue;
                }
                SegKind::Fields => {}
            }
            let obx = name == b"OBX";
            // Separators indexed once, up to the last field read (a lazily
            // parsed segment would be scanned again for each).
            let last = match plan.rest {
                Node::Keep => plan.active.last().copied().unwrap_or(0),
                _ => usize::MAX,
            };
            let seg = seg.indexed_in(&mut seps, last);
            let count = seg.field_count();
            // The fields the plan changes, then (when the rest changes too)
            // every field past the plan's list.
            let listed = plan.active.iter().copied().take_while(|&n| n <= count);
            let rest = match plan.rest {
                Node::Keep => 0..0,
                _ => plan.fields.len() + 1..count + 1,
            };
            for n in listed.chain(rest) {
                let mut node = plan.node(n);
                let observed;
                if matches!(node, Node::Varies) {
                    let value_type = if obx {
                        seg.field(2).map(|f| f.value()).unwrap_or_default()
                    } else {
                        Default::default()
                    };
                    observed = self.observation(v, value_type.trim());
                    node = &observed;
                }
                let age_cap;
                if obx && n == 5 && matches!(node, Node::Keep) && self.is_age(&seg) {
                    age_cap = Node::Act(Action::Generalize(Generalize::Age));
                    node = &age_cap;
                }
                if matches!(node, Node::Keep) {
                    continue;
                }
                let Some(field) = seg.field(n) else { continue };
                let raw = field.as_bytes();
                if raw.is_empty() {
                    continue;
                }
                out.extend_from_slice(&input[cursor..field.offset()]);
                cursor = field.offset() + raw.len();
                let birth = plan.birth.get(n - 1).copied().unwrap_or(false);
                let mut site = Site {
                    ctx: &ctx,
                    key: &self.key,
                    tally: Tally::default(),
                    crosswalk: self.crosswalk.as_mut(),
                    text: &mut self.text,
                    birth,
                };
                site.field(node, raw, out);
                let tally = site.tally;
                if tally.iter().any(|&t| t > 0) {
                    self.tally(id, name, n, &tally);
                }
            }
        }
        out.extend_from_slice(&input[cursor..]);
        self.seps = seps;
        self.report.messages += 1;
    }

    /// Whether this OBX's OBX-3.1 is one of the policy's age codes.
    fn is_age(&self, seg: &crate::Segment<'_>) -> bool {
        let p = &self.planner.policy;
        if p.age_max.is_none() || p.age_codes.is_empty() {
            return false;
        }
        let code = seg
            .field(3)
            .and_then(|f| f.component(1))
            .map(|c| c.value())
            .unwrap_or_default();
        p.age_codes.iter().any(|c| *c == code.trim())
    }
}

/// One field being rewritten, and where its changes are counted.
struct Site<'a> {
    ctx: &'a Ctx<'a>,
    key: &'a values::Keyed,
    tally: Tally,
    crosswalk: Option<&'a mut BTreeMap<String, String>>,
    text: &'a mut Vec<u8>,
    birth: bool,
}

fn split(bytes: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    bytes.split(move |&b| b == sep)
}

impl Site<'_> {
    fn field(&mut self, node: &Node, raw: &[u8], out: &mut Vec<u8>) {
        let d = self.ctx.delims;
        match node {
            Node::Keep | Node::Varies => out.extend_from_slice(raw),
            Node::Act(a) => self.whole(
                a,
                raw,
                out,
                &[d.repetition(), d.component(), d.subcomponent()],
            ),
            Node::Parts(children, rest) => {
                for (r, rep) in split(raw, d.repetition()).enumerate() {
                    if r > 0 {
                        out.push(d.repetition());
                    }
                    for (c, comp) in split(rep, d.component()).enumerate() {
                        if c > 0 {
                            out.push(d.component());
                        }
                        let child = children.get(c).unwrap_or(rest);
                        self.component(child, comp, out);
                    }
                }
            }
        }
    }

    fn component(&mut self, node: &Node, raw: &[u8], out: &mut Vec<u8>) {
        let d = self.ctx.delims;
        match node {
            Node::Keep | Node::Varies => out.extend_from_slice(raw),
            Node::Act(a) => self.whole(a, raw, out, &[d.subcomponent()]),
            Node::Parts(children, rest) => {
                for (s, sub) in split(raw, d.subcomponent()).enumerate() {
                    if s > 0 {
                        out.push(d.subcomponent());
                    }
                    match children.get(s).unwrap_or(rest) {
                        Node::Act(a) => self.leaf(a, sub, out),
                        _ => out.extend_from_slice(sub),
                    }
                }
            }
        }
    }

    /// An action over a whole value: removed or replaced at once, else leaf by leaf.
    fn whole(&mut self, action: &Action, raw: &[u8], out: &mut Vec<u8>, seps: &[u8]) {
        match action {
            Action::Keep | Action::Remove | Action::Replace(_) => self.leaf(action, raw, out),
            _ => self.leaves(action, raw, out, seps),
        }
    }

    fn leaves(&mut self, action: &Action, raw: &[u8], out: &mut Vec<u8>, seps: &[u8]) {
        let Some((&sep, inner)) = seps.split_first() else {
            return self.leaf(action, raw, out);
        };
        for (i, part) in split(raw, sep).enumerate() {
            if i > 0 {
                out.push(sep);
            }
            self.leaves(action, part, out, inner);
        }
    }

    fn count(&mut self, action: usize) {
        self.tally[action] += 1;
    }

    /// One subcomponent (or a value with no lower separators).
    fn leaf(&mut self, action: &Action, raw: &[u8], out: &mut Vec<u8>) {
        if raw.is_empty() || raw == b"\"\"" {
            out.extend_from_slice(raw);
            return;
        }
        let ctx = self.ctx;
        match action {
            Action::Keep => out.extend_from_slice(raw),
            Action::Remove => self.count(REMOVE),
            Action::Replace(text) => {
                crate::escape::encode_into(text.as_bytes(), &ctx.delims, out);
                self.count(REPLACE);
            }
            Action::Pseudonymize { shape } => {
                // Plain ASCII without escapes is its own decoded text.
                let plain = raw.is_ascii() && !raw.contains(&ctx.delims.escape());
                let text = if plain {
                    alloc::borrow::Cow::Borrowed(core::str::from_utf8(raw).unwrap_or_default())
                } else {
                    let decoded = crate::escape::decode(raw, &ctx.delims);
                    alloc::borrow::Cow::Owned(
                        crate::charset::decode(&decoded, ctx.charset).into_owned(),
                    )
                };
                self.text.clear();
                if *shape {
                    values::shaped(self.key, &text, self.text);
                } else {
                    values::token(self.key, text.as_bytes(), self.text);
                }
                if let Some(cw) = self.crosswalk.as_deref_mut() {
                    let token = String::from_utf8_lossy(self.text).into_owned();
                    cw.entry(token).or_insert_with(|| text.into_owned());
                }
                if *shape {
                    // A shape keeps punctuation, which may be a delimiter.
                    crate::escape::encode_into(self.text, &ctx.delims, out);
                } else {
                    // Base32 is never a delimiter or an escape.
                    out.extend_from_slice(self.text);
                }
                self.count(PSEUDONYMIZE);
            }
            // Only a valid DTM is shifted (its time and zone kept as they
            // are); anything else, `2024-01-15` say, would keep a tail.
            Action::Shift => match values::parse_date(raw).filter(|_| {
                core::str::from_utf8(raw).is_ok_and(|t| crate::datatype::DateTime::parse(t).is_ok())
            }) {
                Some(date) => {
                    if let Some(year) = self.capped_birth_year(date) {
                        values::push_number(out, year, 4);
                        self.count(GENERALIZE);
                    } else if values::shift(date, ctx.offset, out).is_some() {
                        out.extend_from_slice(&raw[date.len..]);
                        self.count(SHIFT);
                    } else {
                        self.count(REMOVE);
                    }
                }
                None => self.count(REMOVE),
            },
            Action::Generalize(g) => self.generalize(*g, raw, out),
        }
    }

    /// A birth date's year when the patient was older than the limit at the
    /// message's time: the year that makes them the limit plus one.
    fn capped_birth_year(&self, date: values::Date) -> Option<u32> {
        let max = self.ctx.age_max?;
        if !self.birth {
            return None;
        }
        let reference = self.ctx.reference.get_or_init(|| {
            let at = self.ctx.msg.timestamp()?;
            values::parse_date(at.as_bytes())
        });
        let at = (*reference)?;
        if values::age(date, at) <= i64::from(max) {
            return None;
        }
        u32::try_from(at.year - i64::from(max) - 1).ok()
    }

    fn generalize(&mut self, g: Generalize, raw: &[u8], out: &mut Vec<u8>) {
        let date = || values::parse_date(raw);
        match g {
            Generalize::Year | Generalize::Auto => {
                let date = match g {
                    Generalize::Year => date(),
                    // Without a date type, only a whole date counts as one.
                    _ => date().filter(|d| d.len == 8),
                };
                match date {
                    Some(d) => {
                        let year = self.capped_birth_year(d).unwrap_or(d.year as u32);
                        values::push_number(out, year, 4);
                        self.count(GENERALIZE);
                    }
                    None => self.count(REMOVE),
                }
            }
            Generalize::Zip3 => match values::zip3(raw) {
                Some(z) => {
                    out.extend_from_slice(&z);
                    self.count(GENERALIZE);
                }
                None => self.count(REMOVE),
            },
            Generalize::Age => {
                let Some(max) = self.ctx.age_max else {
                    return out.extend_from_slice(raw);
                };
                match values::capped_age(raw, max) {
                    Some(cap) => {
                        values::push_number(out, cap, 1);
                        self.count(GENERALIZE);
                    }
                    None => out.extend_from_slice(raw),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
