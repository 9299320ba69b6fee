//! HL7 v2 → FHIR R4, following the HL7 v2-to-FHIR Implementation Guide
//! (feature `fhir`).
//!
//! The IG's message, segment, datatype and vocabulary maps are read at build
//! time by `core/fhir/generate.py` into static tables (as the dictionary is);
//! this module walks a message against its message map, applies each row,
//! completes what R4 requires, checks every resource against R4's required
//! elements, gives each resource a stable name-based UUID and writes a
//! Bundle. What the maps do not cover is listed in a [`Report`], which never
//! quotes the message's content.
//!
//! ```
//! use pipehat::{fhir, Message};
//! let msg = Message::parse(b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240115103000-0500||ORU^R01^ORU_R01|MSG1|P|2.5.1\r\
//! PID|1||12345^^^HOSP^MR||DOE^JANE||19800101|F\r\
//! OBR|1||F1|718-7^Hemoglobin^LN\r\
//! OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL|||||F\r")?;
//! let out = fhir::to_fhir(&msg, &fhir::Options::default())?;
//! assert!(out.bundle.starts_with(r#"{"resourceType":"Bundle""#));
//! assert!(out.bundle.contains(r#""birthDate":"1980-01-01""#));
//! assert!(out.bundle.contains(r#""valueQuantity":{"value":13.2"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod convert;
#[cfg(feature = "std")]
mod file;
mod model;
mod overrides;
#[rustfmt::skip]
mod tables;
mod tree;
mod values;

use crate::error::{kinds, write_error, Place};
use crate::Message;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use convert::{type_id, Res, Run};
use core::fmt;
use model::{Kind, NONE};
use tables::{MESSAGES, TYPES};
use tree::{Node, Obj};

#[cfg(feature = "std")]
pub use file::{convert_file, FileSummary};
pub use overrides::Overrides;

kinds! {
    /// Why a message could not be converted.
    pub enum FhirErrorKind {
        /// MSH-9 names no structure the IG maps (directly or through the structure its event shares).
        NoMap => "fhir_no_map", "the message's structure has no v2-to-FHIR map";
        /// An option is not one of its allowed values.
        InvalidOption => "fhir_invalid_option", "an option has a value it does not allow";
        /// The overrides file is not JSON, has an unknown key or a value of the wrong shape.
        InvalidOverrides => "fhir_invalid_overrides", "the FHIR overrides are not valid";
    }
}

/// A conversion error: a kind and, for options, which one (never content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirError {
    /// What went wrong.
    pub kind: FhirErrorKind,
    /// The option at fault (`"bundle_type"`, `"timezone"`, `"namespace"`,
    /// `"overrides"`), if any.
    pub option: Option<&'static str>,
    /// For overrides: a JSON pointer to the part at fault (`""`: the text).
    pub pointer: Option<String>,
}

impl fmt::Display for FhirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places = match &self.pointer {
            Some(p) => Some(Place::Pointer(p)),
            None => self.option.map(Place::Pointer),
        };
        write_error(f, self.kind.describe(), self.kind.code(), places)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FhirError {}

/// The Bundle's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BundleType {
    /// A FHIR message: the MessageHeader first (the IG's choice).
    #[default]
    Message,
    /// Entries with `PUT Type/id` requests, ready to post to a FHIR server.
    Transaction,
    /// As `transaction`, processed entry by entry.
    Batch,
    /// Resources only.
    Collection,
}

impl BundleType {
    /// Every type, in the order they are declared.
    pub const ALL: &'static [BundleType] = &[
        BundleType::Message,
        BundleType::Transaction,
        BundleType::Batch,
        BundleType::Collection,
    ];

    /// The name FHIR (and every binding) uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            BundleType::Message => "message",
            BundleType::Transaction => "transaction",
            BundleType::Batch => "batch",
            BundleType::Collection => "collection",
        }
    }

    /// The type named `name`.
    pub fn from_name(name: &str) -> Result<BundleType, FhirError> {
        BundleType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == name)
            .ok_or(FhirError {
                kind: FhirErrorKind::InvalidOption,
                option: Some("bundle_type"),
                pointer: None,
            })
    }
}

/// The namespace ids are made in when the caller gives none: the UUID v5 of
/// the URL `https://github.com/pipehat/pipehat/fhir` in the URL namespace.
pub const DEFAULT_NAMESPACE: &str = "9da62195-2777-580e-a1ee-a0c6efbfb209";

/// How to convert.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The Bundle's type (default `message`).
    pub bundle_type: BundleType,
    /// The namespace of the resources' name-based UUIDs (default
    /// [`DEFAULT_NAMESPACE`]): the same identifiers give the same ids in
    /// every message under the same namespace.
    pub namespace: Option<String>,
    /// The offset assumed for times HL7 gives without one (`"+01:00"`,
    /// `"Z"`). Default: none; FHIR does not allow a time without an offset,
    /// so such a value keeps its date only.
    pub timezone: Option<String>,
    /// Local additions to the maps ([`Overrides`]).
    pub overrides: Option<Overrides>,
}

impl Options {
    /// Options from their names and texts, as the bindings receive them
    /// (`bundle_type` by name, the overrides as JSON text), checked.
    ///
    /// ```
    /// let o = pipehat::fhir::Options::from_parts("transaction", None, Some("Z".into()), Some(r#"{"drop": ["Provenance"]}"#))?;
    /// assert_eq!(o.bundle_type, pipehat::fhir::BundleType::Transaction);
    /// assert_eq!(pipehat::fhir::Options::from_parts("document", None, None, None).unwrap_err().option, Some("bundle_type"));
    /// # Ok::<(), pipehat::fhir::FhirError>(())
    /// ```
    pub fn from_parts(
        bundle_type: &str,
        namespace: Option<String>,
        timezone: Option<String>,
        overrides: Option<&str>,
    ) -> Result<Options, FhirError> {
        let options = Options {
            bundle_type: BundleType::from_name(bundle_type)?,
            namespace,
            timezone,
            overrides: overrides.map(Overrides::parse).transpose()?,
        };
        options.check()?;
        Ok(options)
    }

    /// Checks the options' values.
    pub fn check(&self) -> Result<(), FhirError> {
        if let Some(z) = &self.timezone {
            let b = z.as_bytes();
            let ok = z == "Z"
                || (b.len() == 6
                    && (b[0] == b'+' || b[0] == b'-')
                    && b[1..3].iter().all(u8::is_ascii_digit)
                    && b[3] == b':'
                    && b[4..6].iter().all(u8::is_ascii_digit)
                    && &z[1..3] <= "14"
                    && &z[4..6] <= "59");
            if !ok {
                return Err(FhirError {
                    kind: FhirErrorKind::InvalidOption,
                    option: Some("timezone"),
                    pointer: None,
                });
            }
        }
        if let Some(ns) = &self.namespace {
            if parse_uuid(ns).is_none() {
                return Err(FhirError {
                    kind: FhirErrorKind::InvalidOption,
                    option: Some("namespace"),
                    pointer: None,
                });
            }
        }
        Ok(())
    }
}

/// What a conversion left behind: names and paths only, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The message map used (`ORU_R01`).
    pub structure: String,
    /// Resources in the Bundle.
    pub resources: usize,
    /// Segments no map row applies to (`ZPI`, `NTE`), in message order.
    pub unmapped_segments: Vec<String>,
    /// Fields with a value that no row read (`PID-10`).
    pub unmapped_fields: Vec<String>,
    /// Codes a vocabulary map does not know: (vocabulary, field).
    pub unknown_codes: Vec<(String, String)>,
    /// Fields whose value is not what FHIR needs (a date that is not one).
    pub invalid_values: Vec<String>,
    /// Resources left out because R4 requires an element the message does
    /// not give: (resource type, element).
    pub dropped: Vec<(String, String)>,
    seg: String,
}

impl Report {
    fn unknown_code(&mut self, vocab: &str, field: u16) {
        let path = alloc::format!("{}-{}", self.seg, field);
        if !self
            .unknown_codes
            .iter()
            .any(|(v, p)| v == vocab && *p == path)
        {
            self.unknown_codes.push((vocab.to_string(), path));
        }
    }
    fn bad_value(&mut self, field: u16) {
        let path = alloc::format!("{}-{}", self.seg, field);
        if !self.invalid_values.contains(&path) {
            self.invalid_values.push(path);
        }
    }
    fn unmapped_field(&mut self, seg: &str, field: u16) {
        let path = alloc::format!("{seg}-{field}");
        if !self.unmapped_fields.contains(&path) {
            self.unmapped_fields.push(path);
        }
    }

    /// The report as JSON (`{"structure":…,"resources":…,"unmapped_segments":[…],…}`).
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        out.extend_from_slice(b"{\"structure\":");
        crate::json::json_bytes(&mut out, self.structure.as_bytes());
        out.extend_from_slice(alloc::format!(",\"resources\":{}", self.resources).as_bytes());
        for (name, list) in [
            ("unmapped_segments", &self.unmapped_segments),
            ("unmapped_fields", &self.unmapped_fields),
            ("invalid_values", &self.invalid_values),
        ] {
            out.extend_from_slice(alloc::format!(",\"{name}\":[").as_bytes());
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                crate::json::json_bytes(&mut out, s.as_bytes());
            }
            out.push(b']');
        }
        for (name, list, a, b) in [
            ("unknown_codes", &self.unknown_codes, "vocabulary", "field"),
            ("dropped", &self.dropped, "resource", "missing"),
        ] {
            out.extend_from_slice(alloc::format!(",\"{name}\":[").as_bytes());
            for (i, (x, y)) in list.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(alloc::format!("{{\"{a}\":").as_bytes());
                crate::json::json_bytes(&mut out, x.as_bytes());
                out.extend_from_slice(alloc::format!(",\"{b}\":").as_bytes());
                crate::json::json_bytes(&mut out, y.as_bytes());
                out.push(b'}');
            }
            out.push(b']');
        }
        out.push(b'}');
        String::from_utf8(out).unwrap_or_default()
    }
}

/// A Bundle (JSON text) and what the conversion left behind.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The Bundle as compact JSON.
    pub bundle: String,
    /// What was not mapped.
    pub report: Report,
}

/// The message structures the IG maps, and the structure each other trigger
/// event shares (HL7 v2.5+ event table, Chapter 3/4/7/10).
pub fn structure_for(message_type: &str, event: &str, structure: &str) -> Option<&'static str> {
    if let Some(m) = MESSAGES.iter().find(|m| m.name == structure) {
        return Some(m.name);
    }
    let name = match (message_type, event) {
        // A03 has no map of its own; its segments are ADT_A01's
        ("ADT", "A01" | "A03" | "A04" | "A08" | "A13") => "ADT_A01",
        ("ADT", "A02") => "ADT_A02",
        ("ADT", "A05" | "A14" | "A28" | "A31") => "ADT_A05",
        ("ADT", "A06" | "A07") => "ADT_A06",
        ("ADT", "A11") => "ADT_A11",
        (
            "ADT",
            "A09" | "A10" | "A12" | "A21" | "A22" | "A23" | "A25" | "A26" | "A27" | "A29" | "A32"
            | "A33",
        ) => "ADT_A09",
        ("ADT", "A17") => "ADT_A17",
        ("ORU", "R01" | "R30" | "R31" | "R32") => "ORU_R01",
        ("ORM", "O01") => "ORM_O01",
        ("OML", "O21") => "OML_O21",
        ("VXU", "V04") => "VXU_V04",
        ("SIU", _) => "SIU_S12",
        ("MDM", _) => "MDM_T02",
        _ => return None,
    };
    MESSAGES.iter().find(|m| m.name == name).map(|m| m.name)
}

/// Converts `message` to a FHIR R4 Bundle.
pub fn to_fhir(message: &Message<'_>, options: &Options) -> Result<Conversion, FhirError> {
    options.check()?;
    let mtype = header(message, "MSH-9.1");
    let event = header(message, "MSH-9.2");
    let structure = header(message, "MSH-9.3");
    let Some(name) = structure_for(&mtype, &event, &structure) else {
        return Err(FhirError {
            kind: FhirErrorKind::NoMap,
            option: None,
            pointer: None,
        });
    };
    let def = convert::message_def(name).ok_or(FhirError {
        kind: FhirErrorKind::NoMap,
        option: None,
        pointer: None,
    })?;
    let mut run = Run::new(message, options);
    run.report.structure = name.to_string();
    let ns = options
        .namespace
        .as_deref()
        .and_then(parse_uuid)
        .or_else(|| parse_uuid(DEFAULT_NAMESPACE))
        .unwrap_or([0; 16]);
    walk(&mut run, def);
    for r in run.res.iter_mut() {
        systems(&mut r.body);
    }
    complete(&mut run, ns);
    if let Some(o) = &options.overrides {
        for r in run.res.iter_mut() {
            if o.drop.iter().any(|t| t == TYPES[usize::from(r.ty)].name) {
                r.dead = true;
            }
        }
    }
    check(&mut run);
    number(&mut run, ns);
    let bundle = write_bundle(&run, options.bundle_type, ns);
    let mut report = run.report;
    report.resources = run.res.iter().filter(|r| !r.dead).count();
    Ok(Conversion { bundle, report })
}

// ---------------------------------------------------------------- the walk

/// Matches each segment to a row of the message map (in order, looping
/// back to start a new instance of a repeating group), makes or finds the
/// row's resource in the group instance, and applies the segment map.
fn walk(run: &mut Run<'_, '_>, def: &'static model::MessageDef) {
    let items = def.items;
    // positions: the first item of each run of items for one segment
    let mut starts: Vec<usize> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if i == 0 || items[i - 1].seg != it.seg || items[i - 1].group != it.group {
            starts.push(i);
        }
    }
    let ngroups = def.groups.len();
    let mut inst: Vec<u32> = alloc::vec![0; ngroups];
    let mut counter: u32 = 0;
    let mut cursor: Option<usize> = None; // index into starts
    let ancestors = |g: u16| -> Vec<u16> {
        let mut out = Vec::new();
        let mut g = g;
        loop {
            out.push(g);
            if g == 0 {
                break;
            }
            g = def.groups[usize::from(g)].parent;
        }
        out
    };
    let msg = run.msg;
    for seg in msg.segments() {
        let name = seg.name();
        run.report.seg.clear();
        run.report.seg.push_str(name);
        let candidates: Vec<usize> = (0..starts.len())
            .filter(|&p| items[starts[p]].seg == name)
            .collect();
        if candidates.is_empty() {
            if !local_fields(run, seg) {
                run.report.unmapped_segments.push(name.to_string());
            }
            continue;
        }
        // how many groups a move from the current row to `p` enters, and
        // whether the segment can begin them all
        let enterable = |p: usize, from: Option<usize>| -> bool {
            let it = &items[starts[p]];
            let chain = ancestors(it.group);
            let entered = match from {
                Some(c) => {
                    let prev = ancestors(items[starts[c]].group);
                    chain.iter().take_while(|g| !prev.contains(g)).count()
                }
                None => chain.len() - 1,
            };
            entered <= usize::from(it.enter)
        };
        // looping back to `p` restarts the deepest repeating group it shares
        // with the current row: the segment must be able to begin it
        let restartable = |p: usize, c: usize| -> bool {
            let it = &items[starts[p]];
            if p == c && it.repeats {
                return true;
            }
            let chain = ancestors(it.group);
            let prev = ancestors(items[starts[c]].group);
            chain
                .iter()
                .position(|g| prev.contains(g) && def.groups[usize::from(*g)].repeats)
                .is_some_and(|k| k < usize::from(it.enter))
        };
        let pick = match cursor {
            Some(c) => candidates
                .iter()
                .copied()
                .find(|&p| p == c && restartable(p, c))
                .or_else(|| {
                    candidates
                        .iter()
                        .copied()
                        .find(|&p| p > c && enterable(p, Some(c)))
                })
                .or_else(|| {
                    candidates
                        .iter()
                        .copied()
                        .find(|&p| p < c && restartable(p, c))
                })
                .or_else(|| candidates.iter().copied().find(|&p| p > c))
                .unwrap_or(candidates[0]),
            None => candidates
                .iter()
                .copied()
                .find(|&p| enterable(p, None))
                .unwrap_or(candidates[0]),
        };
        let item = &items[starts[pick]];
        let chain = ancestors(item.group);
        match cursor {
            Some(c) if pick <= c => {
                // looping back: a new instance of the deepest repeating group
                // holding both rows (or of the segment itself)
                let prev = ancestors(items[starts[c]].group);
                if !(pick == c && item.repeats) {
                    if let Some(&g) = chain
                        .iter()
                        .find(|g| prev.contains(g) && def.groups[usize::from(**g)].repeats)
                    {
                        for &x in chain.iter().take_while(|x| **x != g) {
                            counter += 1;
                            inst[usize::from(x)] = counter;
                        }
                        counter += 1;
                        inst[usize::from(g)] = counter;
                    }
                }
            }
            Some(c) => {
                let prev = ancestors(items[starts[c]].group);
                for &x in chain.iter().filter(|x| !prev.contains(x)) {
                    counter += 1;
                    inst[usize::from(x)] = counter;
                }
            }
            None => {
                for &x in &chain {
                    counter += 1;
                    inst[usize::from(x)] = counter;
                }
            }
        }
        cursor = Some(pick);
        // the scope chain, innermost first: the segment itself when it repeats
        let mut scopes: Vec<u32> = Vec::new();
        if item.repeats {
            counter += 1;
            scopes.push(counter | 0x8000_0000);
        }
        for &g in &chain {
            if g == 0 || def.groups[usize::from(g)].repeats {
                scopes.push(inst[usize::from(g)]);
            }
        }
        let end = starts.get(pick + 1).copied().unwrap_or(items.len());
        let mut applied = false;
        for it in &items[starts[pick]..end] {
            if it.map == NONE || it.ty == NONE {
                continue;
            }
            if !run.test(convert::Src::Seg(seg, 0, 0), &it.cond) {
                continue;
            }
            let r = find_or_make(run, it.ty, it.slot, &scopes);
            run.apply_segment(it.map, seg, r);
            applied = true;
            for rf in it.refs {
                let from = if rf.from == it.ty {
                    Some(r)
                } else {
                    find(run, rf.from, rf.from_slot, &scopes)
                };
                let to = if rf.to == it.ty {
                    Some(r)
                } else {
                    find(run, rf.to, rf.to_slot, &scopes)
                };
                if let (Some(from), Some(to)) = (from, to) {
                    if from != to {
                        link(run, from, rf.steps, to);
                    }
                }
            }
            for (from, steps, to) in tables::LINKS {
                if *from == it.ty && !run.res[r].body.has(steps[0].key) {
                    if let Some(t) = find(run, *to, "", &scopes) {
                        link(run, r, steps, t);
                    }
                }
            }
        }
        let local = local_fields(run, seg);
        if seg.is_header() {
            // the Bundle's identifier and timestamp
            run.mark(seg.index(), 7);
            run.mark(seg.index(), 10);
        }
        if applied || local {
            run.unmapped_fields(seg);
        } else {
            run.report.unmapped_segments.push(name.to_string());
        }
    }
}

/// Applies the overrides' fields of `seg`: each value becomes an extension
/// or identifier of the latest resource of the named type. Whether any did.
fn local_fields(run: &mut Run<'_, '_>, seg: crate::view::Segment<'_>) -> bool {
    let Some(o) = run.opts.overrides.as_ref() else {
        return false;
    };
    let mut any = false;
    for f in o.fields.iter().filter(|f| f.seg == seg.name()) {
        let ty = type_id(&f.resource);
        let Some(r) = run.res.iter().rposition(|r| r.ty == ty && !r.derived) else {
            continue;
        };
        let Some(field) = seg.field(usize::from(f.field)) else {
            continue;
        };
        for rep in field.repetitions() {
            let text = if f.comp == 0 {
                convert::first_text(rep)
            } else {
                rep.component(usize::from(f.comp))
                    .map(|c| c.value().into_owned())
                    .unwrap_or_default()
            };
            if text.trim().is_empty() {
                continue;
            }
            let node = match &f.target {
                overrides::Target::Extension(url, prim, key) => {
                    let Ok(v) = values::convert(*prim, &text, run.zone()) else {
                        run.report
                            .invalid_values
                            .push(alloc::format!("{}-{}", f.seg, f.field));
                        continue;
                    };
                    let mut e = Obj::new(type_id("Extension"));
                    e.set("url", Node::Str(url.clone()));
                    e.set(key, convert::lit(*prim, v));
                    ("extension", e)
                }
                overrides::Target::Identifier(system) => {
                    let mut id = Obj::new(type_id("Identifier"));
                    if !system.is_empty() {
                        id.set("system", Node::Str(system.clone()));
                    }
                    id.set("value", Node::Str(text.trim().to_string()));
                    ("identifier", id)
                }
            };
            let body = &mut run.res[r].body;
            let n = body.fields.iter().position(|(k, _)| *k == node.0);
            let key = tree::Key {
                field: f.field,
                slot: 0,
                rep: u32::MAX - 1,
                lead: 0,
            };
            match n {
                Some(i) => {
                    if let Node::Arr(items) = &mut body.fields[i].1 {
                        items.push((key, Node::Obj(node.1)));
                    }
                }
                None => body.set(node.0, Node::Arr(alloc::vec![(key, Node::Obj(node.1))])),
            }
            any = true;
        }
        run.mark(seg.index(), f.field);
    }
    any
}

fn find(run: &Run<'_, '_>, ty: u16, slot: &str, scopes: &[u32]) -> Option<usize> {
    for s in scopes {
        if let Some(i) = run.res.iter().rposition(|r| {
            !r.derived && r.ty == ty && (slot.is_empty() || r.slot == slot) && r.scope == *s
        }) {
            return Some(i);
        }
    }
    None
}

fn find_or_make(run: &mut Run<'_, '_>, ty: u16, slot: &'static str, scopes: &[u32]) -> usize {
    if let Some(i) = find(run, ty, slot, scopes) {
        return i;
    }
    run.res.push(Res {
        ty,
        slot,
        scope: scopes.first().copied().unwrap_or(0),
        body: Obj::new(ty),
        dead: false,
        id: String::new(),
        derived: false,
    });
    run.res.len() - 1
}

fn link(run: &mut Run<'_, '_>, from: usize, steps: &[model::Step], to: usize) {
    let body = &mut run.res[from].body;
    // each reference its own array element
    if let Some(Node::Obj(o)) = tree::place(body, steps, u16::MAX, to as u32, 1) {
        if !o.has("reference") {
            o.set("reference", Node::Ref(to));
        }
    }
}

// ---------------------------------------------------------------- completion

/// A header field's text, trimmed (`""` when absent).
fn header(msg: &Message<'_>, path: &str) -> String {
    msg.get(path)
        .ok()
        .flatten()
        .map(|c| c.trim().to_string())
        .unwrap_or_default()
}

/// Fills what R4 requires and the maps leave out, where a value is implied
/// (the decisions table in docs/fhir.md lists each).
fn complete(run: &mut Run<'_, '_>, ns: [u8; 16]) {
    let g = |p: &str| header(run.msg, p);
    let source_key = alloc::format!("endpoint|{}|{}", g("MSH-3"), g("MSH-4"));
    let destination_key = alloc::format!("endpoint|{}|{}", g("MSH-5"), g("MSH-6"));
    let patient_ty = type_id("Patient");
    let patient = run
        .res
        .iter()
        .position(|r| r.ty == patient_ty && !r.derived);
    let coding_ty = type_id("Coding");
    for i in 0..run.res.len() {
        let ty = run.res[i].ty;
        let name = TYPES[usize::from(ty)].name;
        let body = &mut run.res[i].body;
        let status = match name {
            "Observation" | "DiagnosticReport" | "Encounter" | "ServiceRequest" | "Procedure" => {
                Some("unknown")
            }
            "Immunization" => Some("completed"),
            // an insurance a current message lists is in force
            "Coverage" => Some("active"),
            _ => None,
        };
        if let Some(s) = status {
            if !body.has("status") && TYPES[usize::from(ty)].required.contains(&"status") {
                body.set("status", Node::Str(s.to_string()));
            }
        }
        if name == "ServiceRequest" && !body.has("intent") {
            body.set("intent", Node::Str("order".to_string()));
        }
        if name == "Encounter" && !body.has("class") {
            let mut c = Obj::new(coding_ty);
            c.set(
                "system",
                Node::Str("http://terminology.hl7.org/CodeSystem/v3-NullFlavor".to_string()),
            );
            c.set("code", Node::Str("UNK".to_string()));
            body.set("class", Node::Obj(c));
        }
        if name == "MessageHeader" && !body.has("eventCoding") && !body.has("eventUri") {
            // MSH-9 without an event: R4 requires event[x]; the v2 event table, no code
            let mut c = Obj::new(coding_ty);
            c.set(
                "system",
                Node::Str("http://terminology.hl7.org/CodeSystem/v2-0003".to_string()),
            );
            body.set("eventCoding", Node::Obj(c));
        }
        if name == "MessageHeader" {
            // R4 requires source.endpoint and destination.endpoint; where
            // MSH-24/25 and MSH-3/5 give no URI, a name-based UUID of the
            // application and facility (in place of the IG's data-absent
            // reason, which R4 validators refuse for a required element)
            let src_ty = type_id("MessageHeader.source");
            let mut src = match body.get("source") {
                Some(Node::Obj(o)) => o.clone(),
                _ => Obj::new(src_ty),
            };
            endpoint(&mut src, || uuid5(ns, &source_key));
            body.set("source", Node::Obj(src));
            if let Some(Node::Arr(items)) = body
                .fields
                .iter_mut()
                .find(|(k, _)| *k == "destination")
                .map(|(_, n)| n)
            {
                for (_, d) in items.iter_mut() {
                    if let Node::Obj(o) = d {
                        endpoint(o, || uuid5(ns, &destination_key));
                    }
                }
            }
        }
        // the patient a resource is about, where R4 requires one and where
        // the IG's message maps leave the reference out
        if let Some(p) = patient {
            if p != i {
                let about = matches!(
                    name,
                    "DiagnosticReport"
                        | "Observation"
                        | "Encounter"
                        | "Specimen"
                        | "ServiceRequest"
                );
                for key in ["subject", "patient", "beneficiary"] {
                    let wanted = TYPES[usize::from(ty)].required.contains(&key)
                        || (about && key == "subject" && !body.fields.is_empty());
                    if wanted && !body.has(key) {
                        let mut r = Obj::new(type_id("Reference"));
                        r.set("reference", Node::Ref(p));
                        body.set(key, Node::Obj(r));
                    }
                }
            }
        }
    }
}

/// HL7 coding system names (table 0396) and the URIs FHIR knows them by;
/// `HL7nnnn` becomes the v2 table's code system. Others stay as written.
const CODING_SYSTEMS: &[(&str, &str)] = &[
    ("C4", "http://www.ama-assn.org/go/cpt"),
    ("CPT", "http://www.ama-assn.org/go/cpt"),
    ("CVX", "http://hl7.org/fhir/sid/cvx"),
    ("I10", "http://hl7.org/fhir/sid/icd-10"),
    ("I10C", "http://hl7.org/fhir/sid/icd-10-cm"),
    ("I10P", "http://www.cms.gov/Medicare/Coding/ICD10"),
    ("I9", "http://hl7.org/fhir/sid/icd-9-cm"),
    ("I9C", "http://hl7.org/fhir/sid/icd-9-cm"),
    ("ICD10CM", "http://hl7.org/fhir/sid/icd-10-cm"),
    ("ISO+", "urn:iso:std:iso:11073:10101"),
    ("LN", "http://loinc.org"),
    ("LOINC", "http://loinc.org"),
    ("MVX", "http://hl7.org/fhir/sid/mvx"),
    ("NCIT", "http://ncimeta.nci.nih.gov"),
    ("NDC", "http://hl7.org/fhir/sid/ndc"),
    ("NPI", "http://hl7.org/fhir/sid/us-npi"),
    ("RXNORM", "http://www.nlm.nih.gov/research/umls/rxnorm"),
    ("SCT", "http://snomed.info/sct"),
    ("SNM", "http://snomed.info/sct"),
    ("SNOMEDCT", "http://snomed.info/sct"),
    ("UCUM", "http://unitsofmeasure.org"),
    ("UMLS", "http://www.nlm.nih.gov/research/umls"),
];

/// Replaces v2 coding system names in Coding.system and Quantity.system.
fn systems(obj: &mut Obj) {
    let ty = TYPES.get(usize::from(obj.ty)).map_or("", |t| t.name);
    for (k, node) in obj.fields.iter_mut() {
        match node {
            Node::Str(s) if *k == "system" && matches!(ty, "Coding" | "Quantity") => {
                if let Some(uri) = system_uri(s) {
                    *s = uri;
                }
            }
            Node::Obj(o) => systems(o),
            Node::Arr(items) => {
                for (_, n) in items.iter_mut() {
                    if let Node::Obj(o) = n {
                        systems(o);
                    }
                }
            }
            _ => {}
        }
    }
}

fn system_uri(name: &str) -> Option<String> {
    let n = name.trim();
    if let Some(&(_, uri)) = CODING_SYSTEMS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(n))
    {
        return Some(uri.to_string());
    }
    let digits = n.strip_prefix("HL7").or_else(|| n.strip_prefix("hl7"))?;
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(alloc::format!(
            "http://terminology.hl7.org/CodeSystem/v2-{digits}"
        ));
    }
    None
}

/// Gives a MessageHeader source or destination its endpoint when it has
/// none (dropping a data-absent `_endpoint`).
fn endpoint(o: &mut Obj, make: impl FnOnce() -> String) {
    let has = matches!(o.get("endpoint"), Some(Node::Str(e)) if !e.is_empty());
    if !has {
        o.fields
            .retain(|(k, _)| *k != "_endpoint" && *k != "endpoint");
        o.set("endpoint", Node::Str(alloc::format!("urn:uuid:{}", make())));
    }
}

/// Drops what R4 does not allow: empty values, incomplete elements, then
/// resources that still lack a required element (and references to them).
fn check(run: &mut Run<'_, '_>) {
    loop {
        let dead: Vec<bool> = run.res.iter().map(|r| r.dead).collect();
        let mut changed = false;
        for i in 0..run.res.len() {
            if run.res[i].dead {
                continue;
            }
            let missing = tree::prune(&mut run.res[i].body, &|n| dead[n]);
            let empty = run.res[i].body.fields.is_empty();
            if missing.is_some() || empty {
                run.res[i].dead = true;
                changed = true;
                if !run.res[i].derived || missing.is_some() {
                    let ty = TYPES[usize::from(run.res[i].ty)].name.to_string();
                    let m = missing.unwrap_or("(all)").to_string();
                    if !run.report.dropped.contains(&(ty.clone(), m.clone())) {
                        run.report.dropped.push((ty, m));
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
}

// ---------------------------------------------------------------- ids

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    uuid::Uuid::parse_str(s.trim()).ok().map(|u| *u.as_bytes())
}

fn uuid5(ns: [u8; 16], name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::from_bytes(ns), name.as_bytes())
        .hyphenated()
        .to_string()
}

/// Gives each resource its id: derived resources (an Organization from an
/// HD) by their content, so identical ones merge; others by their first
/// identifier (system, value, assigner), else by the message and their
/// place in it.
fn number(run: &mut Run<'_, '_>, ns: [u8; 16]) {
    let msg_key = {
        let g = |p: &str| header(run.msg, p);
        alloc::format!("{}|{}|{}", g("MSH-3"), g("MSH-4"), g("MSH-10"))
    };
    // derived first (they reference nothing), then the rest in order
    let n = run.res.len();
    let mut order: Vec<usize> = (0..n).filter(|&i| run.res[i].derived).collect();
    order.extend((0..n).filter(|&i| !run.res[i].derived));
    let mut ordinal: Vec<(u16, &str, usize)> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for i in order {
        if run.res[i].dead {
            continue;
        }
        let ty = run.res[i].ty;
        let tname = TYPES[usize::from(ty)].name;
        let key = if run.res[i].derived {
            let mut s = Vec::new();
            write_obj(&mut s, &run.res[i].body, &run.res, false);
            alloc::format!("{tname}|content|{}", String::from_utf8_lossy(&s))
        } else if let Some(idk) = identifier_key(&run.res[i].body, &run.res) {
            alloc::format!("{tname}|identifier|{idk}")
        } else {
            let slot = run.res[i].slot;
            let k = match ordinal.iter_mut().find(|(t, s, _)| *t == ty && *s == slot) {
                Some(e) => {
                    e.2 += 1;
                    e.2
                }
                None => {
                    ordinal.push((ty, slot, 0));
                    0
                }
            };
            alloc::format!("{tname}|message|{msg_key}|{slot}|{k}")
        };
        let mut id = uuid5(ns, &key);
        if !run.res[i].derived {
            // two resources of one message with the same identifier stay two
            let mut k = 1;
            while taken.contains(&id) {
                id = uuid5(ns, &alloc::format!("{key}|{k}"));
                k += 1;
            }
        }
        taken.push(id.clone());
        run.res[i].id = id;
    }
    // identical derived resources: keep the first, point the others at it
    let mut keeper: Vec<usize> = (0..n).collect();
    let mut any = false;
    let mut seen: alloc::collections::BTreeMap<&str, usize> = alloc::collections::BTreeMap::new();
    for (i, r) in run.res.iter().enumerate() {
        if r.dead || !r.derived {
            continue;
        }
        match seen.get(r.id.as_str()) {
            Some(&j) => {
                keeper[i] = j;
                any = true;
            }
            None => {
                seen.insert(r.id.as_str(), i);
            }
        }
    }
    drop(seen);
    if any {
        for (i, r) in run.res.iter_mut().enumerate() {
            if keeper[i] != i {
                r.dead = true;
            }
        }
        for r in run.res.iter_mut() {
            redirect(&mut r.body, &keeper);
        }
    }
}

fn redirect(obj: &mut Obj, keeper: &[usize]) {
    for (_, node) in obj.fields.iter_mut() {
        redirect_node(node, keeper);
    }
}

fn redirect_node(node: &mut Node, keeper: &[usize]) {
    match node {
        Node::Obj(o) => redirect(o, keeper),
        Node::Arr(items) => items.iter_mut().for_each(|(_, n)| redirect_node(n, keeper)),
        Node::Ref(n) => *n = keeper[*n],
        _ => {}
    }
}

fn identifier_key(body: &Obj, res: &[Res]) -> Option<String> {
    let Some(Node::Arr(ids)) = body.get("identifier") else {
        return None;
    };
    for (_, id) in ids {
        let Node::Obj(o) = id else { continue };
        let Some(Node::Str(value)) = o.get("value") else {
            continue;
        };
        let system = match o.get("system") {
            Some(Node::Str(s)) => s.as_str(),
            _ => "",
        };
        let assigner = match o.get("assigner") {
            Some(Node::Obj(a)) => match a.get("reference") {
                Some(Node::Ref(n)) => res[*n].id.as_str(),
                _ => "",
            },
            _ => "",
        };
        return Some(alloc::format!("{system}|{value}|{assigner}"));
    }
    None
}

// ---------------------------------------------------------------- JSON

fn write_node(out: &mut Vec<u8>, node: &Node, res: &[Res]) {
    match node {
        Node::Obj(o) => write_obj(out, o, res, true),
        Node::Arr(items) => {
            out.push(b'[');
            for (i, (_, n)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_node(out, n, res);
            }
            out.push(b']');
        }
        Node::Str(s) => crate::json::json_bytes(out, s.as_bytes()),
        Node::Lit(s) => out.extend_from_slice(s.as_bytes()),
        Node::Ref(n) => {
            out.extend_from_slice(b"\"urn:uuid:");
            out.extend_from_slice(res[*n].id.as_bytes());
            out.push(b'"');
        }
    }
}

fn write_obj(out: &mut Vec<u8>, o: &Obj, res: &[Res], braces: bool) {
    if braces {
        out.push(b'{');
    }
    for (i, (k, n)) in o.fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"\":");
        write_node(out, n, res);
    }
    if braces {
        out.push(b'}');
    }
}

fn write_bundle(run: &Run<'_, '_>, ty: BundleType, ns: [u8; 16]) -> String {
    // a Bundle is about ten times its message's size
    let mut out = Vec::with_capacity(run.msg.as_bytes().len() * 12 + 1024);
    let control = header(run.msg, "MSH-10");
    let sender = header(run.msg, "MSH-3");
    out.extend_from_slice(b"{\"resourceType\":\"Bundle\",\"id\":\"");
    out.extend_from_slice(uuid5(ns, &alloc::format!("Bundle|{sender}|{control}")).as_bytes());
    out.extend_from_slice(b"\",\"type\":\"");
    out.extend_from_slice(ty.as_str().as_bytes());
    out.push(b'"');
    if !control.is_empty() {
        out.extend_from_slice(b",\"identifier\":{\"value\":");
        crate::json::json_bytes(&mut out, control.as_bytes());
        out.push(b'}');
    }
    if let Some(ts) = run.msg.get("MSH-7").ok().flatten() {
        if let Ok(t) = values::convert(model::Prim::Instant, &ts, run.zone()) {
            out.extend_from_slice(b",\"timestamp\":\"");
            out.extend_from_slice(t.as_bytes());
            out.push(b'"');
        }
    }
    out.extend_from_slice(b",\"entry\":[");
    let header = type_id("MessageHeader");
    let mut order: Vec<usize> = (0..run.res.len())
        .filter(|&i| !run.res[i].dead && run.res[i].ty == header)
        .collect();
    if ty != BundleType::Message {
        order.clear();
    }
    order.extend(
        (0..run.res.len()).filter(|&i| {
            !run.res[i].dead && (ty != BundleType::Message || run.res[i].ty != header)
        }),
    );
    for (k, &i) in order.iter().enumerate() {
        let r = &run.res[i];
        let tname = TYPES[usize::from(r.ty)].name;
        if TYPES[usize::from(r.ty)].kind != Kind::Resource {
            continue;
        }
        if k > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"fullUrl\":\"urn:uuid:");
        out.extend_from_slice(r.id.as_bytes());
        out.extend_from_slice(b"\",\"resource\":{\"resourceType\":\"");
        out.extend_from_slice(tname.as_bytes());
        out.extend_from_slice(b"\",\"id\":\"");
        out.extend_from_slice(r.id.as_bytes());
        out.push(b'"');
        if !r.body.fields.is_empty() {
            out.push(b',');
            write_obj(&mut out, &r.body, &run.res, false);
        }
        out.push(b'}');
        if matches!(ty, BundleType::Transaction | BundleType::Batch) {
            out.extend_from_slice(b",\"request\":{\"method\":\"PUT\",\"url\":\"");
            out.extend_from_slice(tname.as_bytes());
            out.push(b'/');
            out.extend_from_slice(r.id.as_bytes());
            out.extend_from_slice(b"\"}");
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    // every piece is UTF-8 text
    String::from_utf8(out).unwrap_or_default()
}
