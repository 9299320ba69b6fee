//! The shapes of the generated tables (`tables.rs`, written by
//! `core/fhir/generate.py` from the v2-to-FHIR IG's maps and FHIR R4).

/// "No map", "no vocabulary", "no type".
pub(crate) const NONE: u16 = u16::MAX;

/// Where a value is: in a segment map a field (`seg` names the segment when
/// a condition looks at another one), in a datatype map a component
/// (`field` 0) of the value the map is applied to. 0: the whole value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loc {
    pub seg: &'static str,
    pub field: u16,
    pub comp: u16,
    pub sub: u16,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Cmp {
    Eq,
    Gt,
    Le,
}

/// A map row's condition.
#[derive(Debug)]
pub(crate) enum Cond {
    True,
    /// A segment of this name is in the message.
    Present(&'static str),
    Valued(Loc),
    Not(&'static Cond),
    Eq(Loc, &'static str),
    In(Loc, &'static [&'static str]),
    LenGt(Loc, u16),
    Count(Loc, Cmp, u16),
    All(&'static [Cond]),
    Any(&'static [Cond]),
}

/// One step of a target path: a JSON key, whether R4 makes it an array,
/// the map's instance number (`identifier[2]`; 0 none) and the FHIR type
/// (an index into `TYPES`); `choice` is the `value` of `value[x]`.
#[derive(Debug)]
pub(crate) struct Step {
    pub key: &'static str,
    pub array: bool,
    pub slot: u16,
    pub ty: u16,
    pub choice: &'static str,
}

/// How a FHIR primitive is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prim {
    Text,
    Code,
    Uri,
    Id,
    Base64,
    Boolean,
    Integer,
    PositiveInt,
    UnsignedInt,
    Decimal,
    Date,
    DateTime,
    Instant,
    Time,
}

#[derive(Debug)]
pub(crate) enum Part {
    Lit(&'static str),
    At(Loc),
}

#[derive(Debug)]
pub(crate) enum Action {
    /// The value as a primitive, through a vocabulary (or `NONE`), limited
    /// to a required binding's codes (empty: any).
    Value(Prim, u16, &'static [&'static str]),
    /// A constant (or a concatenation with values).
    Const(Prim, &'static [Part]),
    /// A datatype map applied to the value, then a vocabulary on its coding.
    Map(u16, u16),
    /// A new resource (type) made by a datatype map, referenced here.
    Resource(u16, u16),
    /// An element of the resource (type) referenced here: the action at
    /// the steps inside it (`performer(Organization.address)`).
    Into(u16, &'static [Step], &'static Action),
}

#[derive(Debug)]
pub(crate) struct Row {
    pub src: Loc,
    pub cond: Cond,
    pub steps: &'static [Step],
    /// A datatype map's leading `[n]`: which instance of the target array.
    pub lead: u16,
    pub action: Action,
}

#[derive(Debug)]
pub(crate) struct MapDef {
    #[allow(dead_code)] // read in tests and by debuggers
    pub name: &'static str,
    #[allow(dead_code)]
    pub root: u16,
    pub rows: &'static [Row],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Resource,
    Complex,
    Primitive,
}

/// A FHIR type and the elements R4 requires of it.
#[derive(Debug)]
pub(crate) struct TypeDef {
    pub name: &'static str,
    pub kind: Kind,
    pub required: &'static [&'static str],
    pub required_choice: &'static [&'static str],
}

/// A vocabulary map: v2 code → (FHIR code, display, system), sorted.
#[derive(Debug)]
pub(crate) struct VocabDef {
    pub name: &'static str,
    pub entries: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

#[derive(Debug)]
pub(crate) struct Group {
    pub parent: u16,
    pub repeats: bool,
}

/// `from[from_slot].path.reference = to[to_slot].id`.
#[derive(Debug)]
pub(crate) struct Ref {
    pub from: u16,
    pub from_slot: &'static str,
    pub steps: &'static [Step],
    pub to: u16,
    pub to_slot: &'static str,
}

/// A message map row: a segment of a group and the resource it feeds.
#[derive(Debug)]
pub(crate) struct Item {
    pub seg: &'static str,
    pub group: u16,
    pub repeats: bool,
    /// How many enclosing groups, innermost first, this segment can begin.
    pub enter: u16,
    pub cond: Cond,
    pub ty: u16,
    pub slot: &'static str,
    pub map: u16,
    pub refs: &'static [Ref],
}

#[derive(Debug)]
pub(crate) struct MessageDef {
    pub name: &'static str,
    pub groups: &'static [Group],
    pub items: &'static [Item],
}
