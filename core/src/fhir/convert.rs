//! The interpreter: walks a message against its message map, applies the
//! segment and datatype maps' rows, then completes, checks and numbers the
//! resources and writes the Bundle.

use super::model::*;
use super::tables::{MAPS, MESSAGES, TYPES, VOCABS};
use super::tree::{self, Node, Obj};
use super::values::{self, Zone};
use super::{Options, Report};
use crate::view::{Component, Repetition, Segment, Subcomponent};
use crate::Message;
use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// A v2 value a map reads: a field repetition, a component or a subcomponent.
#[derive(Clone, Copy)]
pub(crate) enum Val<'a> {
    Rep(Repetition<'a>),
    Comp(Component<'a>),
    Sub(Subcomponent<'a>),
}

impl<'a> Val<'a> {
    fn child(self, n: u16) -> Option<Val<'a>> {
        if n == 0 {
            return Some(self);
        }
        match self {
            Val::Rep(r) => r.component(usize::from(n)).map(Val::Comp),
            Val::Comp(c) => c.subcomponent(usize::from(n)).map(Val::Sub),
            Val::Sub(s) => (n == 1).then_some(Val::Sub(s)),
        }
    }

    fn at(self, comp: u16, sub: u16) -> Option<Val<'a>> {
        self.child(comp)?.child(sub)
    }

    fn bytes(self) -> &'a [u8] {
        match self {
            Val::Rep(r) => r.as_bytes(),
            Val::Comp(c) => c.as_bytes(),
            Val::Sub(s) => s.as_bytes(),
        }
    }

    /// The decoded text of a primitive: the first component of a composite.
    fn text(self) -> Cow<'a, str> {
        match self {
            Val::Rep(r) => match r.component(1) {
                Some(c) if r.is_composite() => Val::Comp(c).text(),
                _ => r.value(),
            },
            Val::Comp(c) => match c.subcomponent(1) {
                Some(s) if c.is_composite() => s.value(),
                _ => c.value(),
            },
            Val::Sub(s) => s.value(),
        }
    }

    /// Whether the value has content (not empty, not `""`, not only
    /// separators and spaces).
    fn valued(self) -> bool {
        let b = self.bytes();
        b != b"\"\"" && b.iter().any(|c| !matches!(c, b'^' | b'&' | b'~' | b' '))
    }
}

/// A resource being built.
pub(crate) struct Res {
    pub ty: u16,
    pub slot: &'static str,
    /// Scope chain id of the group instance it belongs to.
    pub scope: u32,
    pub body: Obj,
    pub dead: bool,
    pub id: String,
    /// Made by a datatype map (Organization from an HD): merged with
    /// identical ones.
    pub derived: bool,
}

/// Where a row is applied: a segment (field rows) or a value (datatype rows).
#[derive(Clone, Copy)]
pub(crate) enum Src<'a> {
    Seg(Segment<'a>, u16, u32),
    Val(Val<'a>),
}

pub(crate) struct Run<'m, 'o> {
    pub msg: &'m Message<'m>,
    pub opts: &'o Options,
    pub res: Vec<Res>,
    pub report: Report,
    /// Fields some row read (segment index, field) with a value.
    /// A bit per field (1 to 127) per segment index.
    used: Vec<u128>,
    /// The field the current segment row reads (for the report).
    field: u16,
}

/// The index of FHIR type `name` in the tables (`NONE` when absent).
pub(crate) fn type_id(name: &str) -> u16 {
    TYPES
        .iter()
        .position(|t| t.name == name)
        .map_or(NONE, |i| i as u16)
}

impl<'m, 'o> Run<'m, 'o> {
    pub(crate) fn new(msg: &'m Message<'m>, opts: &'o Options) -> Self {
        Run {
            msg,
            opts,
            res: Vec::new(),
            report: Report::default(),
            used: Vec::new(),
            field: 0,
        }
    }

    pub(crate) fn zone(&self) -> Zone<'o> {
        match self.opts.timezone.as_deref() {
            Some(z) => Zone::Assume(z),
            None => Zone::DateOnly,
        }
    }

    // ------------------------------------------------------------ conditions

    fn loc_val(&self, src: Src<'m>, loc: &Loc) -> Option<Val<'m>> {
        match src {
            Src::Val(v) => v.at(loc.comp, loc.sub),
            Src::Seg(seg, field, rep) => {
                let seg = if loc.seg.is_empty() || loc.seg == seg.name() {
                    seg
                } else {
                    self.msg.segment(loc.seg)?
                };
                let f = seg.field(usize::from(loc.field))?;
                let r = if loc.field == field {
                    f.repetitions().nth(rep as usize)?
                } else {
                    f.repetitions().next()?
                };
                Val::Rep(r).at(loc.comp, loc.sub)
            }
        }
    }

    fn count(&self, src: Src<'m>, loc: &Loc) -> u16 {
        match src {
            Src::Seg(seg, ..) => {
                let seg = if loc.seg.is_empty() || loc.seg == seg.name() {
                    Some(seg)
                } else {
                    self.msg.segment(loc.seg)
                };
                seg.and_then(|s| s.field(usize::from(loc.field)))
                    .map_or(0, |f| {
                        f.repetitions().filter(|r| !r.as_bytes().is_empty()).count() as u16
                    })
            }
            Src::Val(v) => u16::from(v.at(loc.comp, loc.sub).is_some_and(Val::valued)),
        }
    }

    pub(crate) fn test(&self, src: Src<'m>, cond: &Cond) -> bool {
        match cond {
            Cond::True => true,
            Cond::Present(name) => self.msg.segment(name).is_some(),
            Cond::Valued(l) => self.loc_val(src, l).is_some_and(Val::valued),
            Cond::Not(c) => !self.test(src, c),
            Cond::Eq(l, v) => self
                .loc_val(src, l)
                .is_some_and(|x| x.text().trim().eq_ignore_ascii_case(v)),
            Cond::In(l, vs) => self.loc_val(src, l).is_some_and(|x| {
                let t = x.text();
                vs.iter().any(|v| t.trim().eq_ignore_ascii_case(v))
            }),
            Cond::LenGt(l, n) => self
                .loc_val(src, l)
                .is_some_and(|x| x.text().trim().len() > usize::from(*n)),
            Cond::Count(l, cmp, n) => {
                let c = self.count(src, l);
                match cmp {
                    Cmp::Eq => c == *n,
                    Cmp::Gt => c > *n,
                    Cmp::Le => c <= *n,
                }
            }
            Cond::All(cs) => cs.iter().all(|c| self.test(src, c)),
            Cond::Any(cs) => cs.iter().any(|c| self.test(src, c)),
        }
    }

    // ------------------------------------------------------------ maps

    /// Applies segment map `map` to `seg` in resource `res`.
    pub(crate) fn apply_segment(&mut self, map: u16, seg: Segment<'m>, res: usize) {
        let def = &MAPS[usize::from(map)];
        let mut body = core::mem::replace(&mut self.res[res].body, Obj::new(0));
        for row in def.rows {
            let field = row.src.field;
            self.field = field;
            if field == 0 {
                // a row of the segment as a whole: a constant
                if self.test(Src::Seg(seg, 0, 0), &row.cond) {
                    self.apply_row(&mut body, row, None, Src::Seg(seg, 0, 0), 0, 0);
                }
                continue;
            }
            let Some(f) = seg.field(usize::from(field)) else {
                continue;
            };
            for (rep, r) in f.repetitions().enumerate() {
                let src = Src::Seg(seg, field, rep as u32);
                let v = Val::Rep(r).at(row.src.comp, row.src.sub);
                let valued = v.is_some_and(Val::valued);
                if !valued && !matches!(row.action, Action::Const(..)) {
                    continue;
                }
                if !self.test(src, &row.cond) {
                    continue;
                }
                if !valued && !absent_test(&row.cond, &row.src) {
                    // a constant tied to a field applies when the field has a
                    // value, or when the condition asks for it to be absent
                    continue;
                }
                if valued {
                    self.mark(seg.index(), field);
                }
                self.apply_row(&mut body, row, v, src, field, rep as u32);
            }
        }
        self.res[res].body = body;
    }

    /// Notes that field `field` of segment `seg` was read (for the report).
    pub(crate) fn mark(&mut self, seg: usize, field: u16) {
        if self.used.len() <= seg {
            self.used.resize(seg + 1, 0);
        }
        if field < 128 {
            self.used[seg] |= 1u128 << field;
        }
    }

    /// Applies datatype map `map` to `val`, writing into `obj` (rows with a
    /// leading index make further instances of the array `obj` is in).
    fn apply_datatype(&mut self, obj: &mut Obj, map: u16, val: Val<'m>) {
        self.apply_instance(obj, map, val, 1);
    }

    /// Applies the rows of datatype map `map` that write instance `lead`
    /// (a map's leading `[n]`; rows without one write the first).
    fn apply_instance(&mut self, obj: &mut Obj, map: u16, val: Val<'m>, lead: u16) {
        let def = &MAPS[usize::from(map)];
        // the value's components, split once for all the rows
        let mut parts: [Option<Val<'m>>; 32] = [None; 32];
        match val {
            Val::Rep(r) => {
                for (p, c) in parts.iter_mut().skip(1).zip(r.components()) {
                    *p = Some(Val::Comp(c));
                }
            }
            Val::Comp(c) => {
                for (p, s) in parts.iter_mut().skip(1).zip(c.subcomponents()) {
                    *p = Some(Val::Sub(s));
                }
            }
            Val::Sub(s) => parts[1] = Some(Val::Sub(s)),
        }
        for row in def.rows {
            if row.lead.max(1) != lead {
                continue;
            }
            let v = match (row.src.comp, parts.get(usize::from(row.src.comp))) {
                (0, _) => Some(val),
                (_, Some(p)) => p.and_then(|p| p.child(row.src.sub)),
                (_, None) => val.at(row.src.comp, row.src.sub),
            };
            let valued = v.is_some_and(Val::valued);
            if !valued && !matches!(row.action, Action::Const(..)) {
                continue;
            }
            if !valued && !absent_test(&row.cond, &row.src) {
                // a constant tied to a component applies when it has a value,
                // or when the condition asks for it to be absent (a
                // data-absent reason)
                continue;
            }
            if !self.test(Src::Val(val), &row.cond) {
                continue;
            }
            self.apply_row(obj, row, v, Src::Val(val), 0, 0);
        }
    }

    fn apply_row(
        &mut self,
        obj: &mut Obj,
        row: &'static Row,
        v: Option<Val<'m>>,
        src: Src<'m>,
        field: u16,
        rep: u32,
    ) {
        self.act(obj, row.steps, &row.action, row.lead, v, src, field, rep);
    }

    /// Does `action` at `steps` from `obj`.
    #[allow(clippy::too_many_arguments)] // a row, taken apart
    fn act(
        &mut self,
        obj: &mut Obj,
        steps: &'static [Step],
        action: &'static Action,
        lead: u16,
        v: Option<Val<'m>>,
        src: Src<'m>,
        field: u16,
        rep: u32,
    ) {
        // `$value` rows (a map onto a primitive) have no steps
        match action {
            Action::Value(prim, vocab, allowed) => {
                let Some(v) = v else { return };
                let text = v.text();
                let Some(out) = self.primitive(*prim, &text, *vocab, allowed) else {
                    return;
                };
                if let Some(node) = tree::place(obj, steps, field, rep, lead.max(1)) {
                    if tree::is_empty(node) {
                        *node = out;
                    }
                }
                // a vocabulary's code in a Coding brings its system and display
                let n = steps.len();
                if *vocab != NONE && n >= 1 && steps[n - 1].key == "code" {
                    let hit = lookup(&VOCABS[usize::from(*vocab)], text.trim());
                    let parent = if n == 1 {
                        Some(obj)
                    } else {
                        match tree::place(obj, &steps[..n - 1], field, rep, lead.max(1)) {
                            Some(Node::Obj(o)) => Some(o),
                            _ => None,
                        }
                    };
                    if let (Some((_, display, system)), Some(p)) = (hit, parent) {
                        if TYPES
                            .get(usize::from(p.ty))
                            .is_some_and(|t| t.name == "Coding")
                        {
                            if !system.is_empty() && !p.has("system") {
                                p.set("system", Node::Str(system.to_string()));
                            }
                            if !display.is_empty() && !p.has("display") {
                                p.set("display", Node::Str(display.to_string()));
                            }
                        }
                    }
                }
            }
            Action::Const(prim, parts) => {
                let mut s = String::new();
                for p in parts.iter() {
                    match p {
                        Part::Lit(l) => s.push_str(l),
                        Part::At(l) => {
                            if let Some(x) = self.loc_val(src, l) {
                                s.push_str(&x.text());
                            }
                        }
                    }
                }
                let Ok(out) = values::convert(*prim, &s, self.zone()) else {
                    return;
                };
                if let Some(node) = tree::place(obj, steps, field, rep, lead.max(1)) {
                    if tree::is_empty(node) {
                        *node = lit(*prim, out);
                    }
                }
            }
            Action::Map(map, vocab) => {
                let Some(v) = v else { return };
                if steps.is_empty() {
                    // a map onto the element itself (FN inside XPN)
                    self.apply_datatype(obj, *map, v);
                    return;
                }
                let Some(node) = tree::place(obj, steps, field, rep, lead.max(1)) else {
                    return;
                };
                match node {
                    Node::Obj(o) => {
                        self.apply_datatype(o, *map, v);
                        if *vocab != NONE {
                            self.translate(o, *vocab, v);
                        }
                    }
                    Node::Str(_) => {
                        // a map that computes a primitive: the first row with a value
                        if let Some(out) = self.compute(*map, v) {
                            *node = out;
                        }
                    }
                    _ => {}
                }
            }
            Action::Into(ty, inner_steps, inner) => {
                // an element of the resource the reference points to: the
                // one this reference already names, or a new one
                let Some(Node::Obj(r)) = tree::place(obj, steps, field, rep, lead.max(1)) else {
                    return;
                };
                let n = match r.get("reference") {
                    // the maps give some references two kinds of target
                    // (performer[2]: Organization, PractitionerRole): the first made stays
                    Some(Node::Ref(n)) if self.res[*n].ty == *ty => *n,
                    Some(_) => return,
                    None => {
                        let n = self.res.len();
                        self.res.push(Res {
                            ty: *ty,
                            slot: "",
                            scope: 0,
                            body: Obj::new(*ty),
                            dead: false,
                            id: String::new(),
                            derived: true,
                        });
                        r.set("reference", Node::Ref(n));
                        n
                    }
                };
                let mut body = core::mem::replace(&mut self.res[n].body, Obj::new(0));
                self.act(&mut body, inner_steps, inner, 1, v, src, field, rep);
                self.res[n].body = body;
            }
            Action::Resource(map, ty) => {
                let Some(v) = v else { return };
                // a map with leading indexes makes several resources (PL: bed,
                // room, floor, point of care, building, facility), each
                // part of the next one given
                let last = MAPS[usize::from(*map)]
                    .rows
                    .iter()
                    .map(|r| r.lead.max(1))
                    .max()
                    .unwrap_or(1);
                let mut made: Vec<usize> = Vec::new();
                for lead in 1..=last {
                    let mut body = Obj::new(*ty);
                    self.apply_instance(&mut body, *map, v, lead);
                    if body.fields.is_empty() {
                        continue;
                    }
                    made.push(self.res.len());
                    self.res.push(Res {
                        ty: *ty,
                        slot: "",
                        scope: 0,
                        body,
                        dead: false,
                        id: String::new(),
                        derived: true,
                    });
                }
                let Some(&first) = made.first() else { return };
                if TYPES
                    .get(usize::from(*ty))
                    .is_some_and(|t| t.name == "Location")
                {
                    for w in made.windows(2) {
                        let mut r = Obj::new(type_id("Reference"));
                        r.set("reference", Node::Ref(w[1]));
                        self.res[w[0]].body.set("partOf", Node::Obj(r));
                    }
                }
                if let Some(Node::Obj(r)) = tree::place(obj, steps, field, rep, lead.max(1)) {
                    if !r.has("reference") {
                        r.set("reference", Node::Ref(first));
                    }
                }
            }
        }
    }

    /// The first value a datatype map's `$value` rows give for `val`.
    fn compute(&mut self, map: u16, val: Val<'m>) -> Option<Node> {
        let def = &MAPS[usize::from(map)];
        for row in def.rows {
            if !row.steps.is_empty() || !self.test(Src::Val(val), &row.cond) {
                continue;
            }
            let x = val.at(row.src.comp, row.src.sub).filter(|x| x.valued());
            let out = match &row.action {
                Action::Value(prim, vocab, allowed) => {
                    x.and_then(|x| self.primitive(*prim, &x.text(), *vocab, allowed))
                }
                Action::Const(prim, parts) if x.is_some() => {
                    let mut s = String::new();
                    for p in parts.iter() {
                        match p {
                            Part::Lit(l) => s.push_str(l),
                            Part::At(l) => {
                                if let Some(y) = self.loc_val(Src::Val(val), l) {
                                    s.push_str(&y.text());
                                }
                            }
                        }
                    }
                    values::convert(*prim, &s, self.zone())
                        .ok()
                        .map(|o| lit(*prim, o))
                }
                _ => None,
            };
            if out.is_some() {
                return out;
            }
        }
        None
    }

    /// A value as a primitive node, through a vocabulary; unknown codes and
    /// values R4 does not allow are reported, never written.
    fn primitive(&mut self, prim: Prim, text: &str, vocab: u16, allowed: &[&str]) -> Option<Node> {
        let mut value: Cow<'_, str> = Cow::Borrowed(text);
        let local = self.opts.overrides.as_ref().and_then(|o| {
            (vocab != NONE)
                .then(|| o.code(VOCABS[usize::from(vocab)].name, text.trim()))
                .flatten()
        });
        if let Some(code) = local {
            value = Cow::Owned(code.to_string());
        } else if vocab != NONE {
            let voc = &VOCABS[usize::from(vocab)];
            match lookup(voc, text.trim()) {
                Some((code, _, _)) => value = Cow::Borrowed(code),
                None => {
                    // kept as written unless R4 requires a code from a fixed set
                    self.report.unknown_code(voc.name, self.field);
                    if !allowed.is_empty() {
                        return None;
                    }
                }
            }
        }
        if !allowed.is_empty() && !allowed.contains(&value.trim()) {
            // `Booked` for `booked`: the code in the case R4 writes it
            if let Some(c) = allowed
                .iter()
                .find(|c| c.eq_ignore_ascii_case(value.trim()))
            {
                value = Cow::Borrowed(c);
            }
        }
        if !allowed.is_empty() && !allowed.contains(&value.trim()) {
            self.report.unknown_code("(required binding)", self.field);
            return None;
        }
        match values::convert(prim, &value, self.zone()) {
            Ok(out) => Some(lit(prim, out)),
            Err(_) => {
                self.report.bad_value(self.field);
                None
            }
        }
    }

    /// Puts a vocabulary's FHIR coding first in a CodeableConcept or Coding.
    fn translate(&mut self, obj: &mut Obj, vocab: u16, v: Val<'m>) {
        let voc = &VOCABS[usize::from(vocab)];
        let code = v.at(1, 0).map(|c| c.text().trim().to_string());
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            return;
        };
        let local = self
            .opts
            .overrides
            .as_ref()
            .and_then(|o| o.code(voc.name, &code));
        let Some((fcode, display, system)) =
            local.map(|c| (c, "", "")).or_else(|| lookup(voc, &code))
        else {
            self.report.unknown_code(voc.name, self.field);
            return;
        };
        let coding_ty = type_id("Coding");
        let mut c = Obj::new(coding_ty);
        if !system.is_empty() {
            c.set("system", Node::Str(system.to_string()));
        }
        c.set("code", Node::Str(fcode.to_string()));
        if !display.is_empty() {
            c.set("display", Node::Str(display.to_string()));
        }
        if TYPES[usize::from(obj.ty)].name == "Coding" {
            *obj = c;
            return;
        }
        let key = tree::Key {
            field: 0,
            slot: 0,
            rep: u32::MAX,
            lead: 0,
        };
        match obj.fields.iter_mut().find(|(k, _)| *k == "coding") {
            Some((_, Node::Arr(items))) => items.insert(0, (key, Node::Obj(c))),
            _ => obj
                .fields
                .insert(0, ("coding", Node::Arr(alloc::vec![(key, Node::Obj(c))]))),
        }
    }

    /// The fields with a value that no row read, per segment.
    pub(crate) fn unmapped_fields(&mut self, seg: Segment<'m>) {
        for n in 1..=seg.field_count() {
            if seg.is_header() && n <= 2 {
                continue;
            }
            let Some(f) = seg.field(n) else { continue };
            if f.as_bytes().is_empty() {
                continue;
            }
            let used = n >= 128
                || self
                    .used
                    .get(seg.index())
                    .is_some_and(|b| b & (1u128 << n) != 0);
            if !used {
                self.report.unmapped_field(seg.name(), n as u16);
            }
        }
    }
}

/// Whether `cond` holds only when the value at `src` is absent.
fn absent_test(cond: &Cond, src: &Loc) -> bool {
    match cond {
        Cond::Not(inner) => {
            matches!(inner, Cond::Valued(l) if l.field == src.field && l.comp == src.comp && l.sub == src.sub)
        }
        Cond::All(cs) => cs.iter().any(|c| absent_test(c, src)),
        _ => false,
    }
}

/// The decoded text of a repetition's first component (a primitive's value).
pub(crate) fn first_text(rep: Repetition<'_>) -> String {
    Val::Rep(rep).text().into_owned()
}

/// A primitive's node: numbers and booleans written as JSON literals.
pub(crate) fn lit(prim: Prim, out: String) -> Node {
    match prim {
        Prim::Boolean | Prim::Integer | Prim::PositiveInt | Prim::UnsignedInt | Prim::Decimal => {
            Node::Lit(out)
        }
        _ => Node::Str(out),
    }
}

fn lookup(voc: &VocabDef, code: &str) -> Option<(&'static str, &'static str, &'static str)> {
    voc.entries
        .binary_search_by(|e| e.0.cmp(code))
        .ok()
        .map(|i| (voc.entries[i].1, voc.entries[i].2, voc.entries[i].3))
        .or_else(|| {
            voc.entries
                .iter()
                .find(|e| e.0.eq_ignore_ascii_case(code))
                .map(|e| (e.1, e.2, e.3))
        })
}

/// The message map for a structure name.
pub(crate) fn message_def(name: &str) -> Option<&'static MessageDef> {
    MESSAGES.iter().find(|m| m.name == name)
}
