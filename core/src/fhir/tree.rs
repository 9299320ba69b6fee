//! The resource tree the maps write into: objects keep their keys in the
//! order they were first written, arrays their elements in the order their
//! instances were first made.

use super::model::{Kind, Step};
use super::tables::TYPES;
use alloc::string::String;
use alloc::vec::Vec;

/// Which instance of an array element a row writes: the map's instance
/// number, the field (when the map gives no number), the repetition and a
/// datatype map's leading index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    pub field: u16,
    pub slot: u16,
    pub rep: u32,
    pub lead: u16,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Obj(Obj),
    Arr(Vec<(Key, Node)>),
    /// A JSON string.
    Str(String),
    /// A JSON number or boolean, written as is.
    Lit(String),
    /// A reference to resource `n` of the conversion.
    Ref(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct Obj {
    pub ty: u16,
    pub fields: Vec<(&'static str, Node)>,
}

impl Obj {
    pub(crate) fn new(ty: u16) -> Obj {
        Obj {
            ty,
            fields: Vec::new(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, n)| n)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Whether another key of choice element `choice` (`value[x]`) is set.
    fn other_choice(&self, choice: &str, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| {
            *k != key
                && k.len() > choice.len()
                && k.starts_with(choice)
                && k.as_bytes()[choice.len()].is_ascii_uppercase()
        })
    }

    fn slot(&mut self, key: &'static str, make: impl FnOnce() -> Node) -> &mut Node {
        let i = match self.fields.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.fields.push((key, make()));
                self.fields.len() - 1
            }
        };
        &mut self.fields[i].1
    }

    pub(crate) fn set(&mut self, key: &'static str, node: Node) {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some(f) => f.1 = node,
            None => self.fields.push((key, node)),
        }
    }
}

fn new_node(step: &Step) -> Node {
    if TYPES
        .get(usize::from(step.ty))
        .is_some_and(|t| t.kind == Kind::Primitive)
    {
        Node::Str(String::new())
    } else {
        Node::Obj(Obj::new(step.ty))
    }
}

/// Walks `steps` from `obj`, making what is missing, and returns the node
/// at the end; `None` when a choice element already has another type or the
/// path runs into a value of another shape.
pub(crate) fn place<'n>(
    obj: &'n mut Obj,
    steps: &[Step],
    field: u16,
    rep: u32,
    lead: u16,
) -> Option<&'n mut Node> {
    let mut cur = obj;
    let mut first_array = true;
    for (i, step) in steps.iter().enumerate() {
        if !step.choice.is_empty() && cur.other_choice(step.choice, step.key) {
            return None;
        }
        let last = i + 1 == steps.len();
        let node = if step.array {
            let key = Key {
                field: if step.slot == 0 { field } else { 0 },
                slot: step.slot,
                rep: if first_array { rep } else { 0 },
                lead: if first_array { lead } else { 1 },
            };
            first_array = false;
            let Node::Arr(items) = cur.slot(step.key, || Node::Arr(Vec::new())) else {
                return None;
            };
            let at = match items.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None => {
                    items.push((key, new_node(step)));
                    items.len() - 1
                }
            };
            &mut items[at].1
        } else {
            cur.slot(step.key, || new_node(step))
        };
        if last {
            return Some(node);
        }
        match node {
            Node::Obj(o) => cur = o,
            _ => return None,
        }
    }
    None
}

/// Whether a node holds nothing (an empty string, object or array).
pub(crate) fn is_empty(node: &Node) -> bool {
    match node {
        Node::Obj(o) => o.fields.is_empty(),
        Node::Arr(a) => a.is_empty(),
        Node::Str(s) | Node::Lit(s) => s.is_empty(),
        Node::Ref(_) => false,
    }
}

/// Drops empty values and objects that lack an element R4 requires of their
/// type; returns the name of the first missing element when `obj` itself is
/// left incomplete. `dead(n)` says whether resource `n` was dropped.
pub(crate) fn prune(obj: &mut Obj, dead: &dyn Fn(usize) -> bool) -> Option<&'static str> {
    obj.fields.retain_mut(|(_, node)| keep(node, dead));
    // tim-8: a countMax only with a count
    if obj.has("countMax") && !obj.has("count") {
        obj.fields.retain(|(k, _)| *k != "countMax");
    }
    let def = TYPES.get(usize::from(obj.ty))?;
    for r in def.required {
        // a primitive may be absent when its `_name` carries an extension
        // (a data-absent reason)
        if !obj.has(r)
            && !obj
                .fields
                .iter()
                .any(|(k, _)| k.strip_prefix('_') == Some(r))
        {
            return Some(r);
        }
    }
    // R4 invariants the maps can break: ext-1 (an extension has a value or
    // extensions, not both) and pat-1 (a patient contact has details)
    match def.name {
        "Extension" if obj.other_choice("value", "") == obj.has("extension") => {
            return Some("value");
        }
        "Appointment.participant" if !obj.has("type") && !obj.has("actor") => {
            return Some("actor");
        }
        "Patient.contact"
            if !["name", "telecom", "address", "organization"]
                .iter()
                .any(|k| obj.has(k)) =>
        {
            return Some("name");
        }
        _ => {}
    }
    def.required_choice
        .iter()
        .find(|c| !obj.other_choice(c, ""))
        .copied()
}

fn keep(node: &mut Node, dead: &dyn Fn(usize) -> bool) -> bool {
    match node {
        Node::Obj(o) => {
            // a reference to a dropped resource goes with its Reference
            if let Some(Node::Ref(n)) = o.get("reference") {
                if dead(*n) {
                    return false;
                }
            }
            prune(o, dead).is_none() && !o.fields.is_empty()
        }
        Node::Arr(items) => {
            items.retain_mut(|(_, n)| keep(n, dead));
            !items.is_empty()
        }
        Node::Str(s) | Node::Lit(s) => !s.is_empty(),
        Node::Ref(n) => !dead(*n),
    }
}
