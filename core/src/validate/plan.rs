//! What the checker needs of a version, looked up once and kept: each segment's
//! field plans, and table codes packed for quick lookups.

use super::check::{check_code, pack};
use crate::dictionary::{ComponentDef, Item, SegmentDef, StructureDef, TableDef, VersionDef};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// What one version's checks looked up in the dictionary, kept between
/// messages by a [`Validator`].
#[derive(Debug)]
pub(super) struct Cache {
    pub(super) version: &'static VersionDef,
    /// Segment definitions by packed name, with their plans once built.
    pub(super) segments: Vec<(u32, Option<&'static SegmentDef>, Option<SegmentPlan>)>,
    /// Tables by id, with their codes packed for lookups.
    pub(super) tables: Vec<(u16, Option<Codes>)>,
    /// The last structure used and the packed names of the segments it mentions.
    pub(super) structure: Option<(&'static StructureDef, Vec<u32>)>,
    /// Leaf checks of datatypes named by OBX-2 or a profile.
    pub(super) named: Vec<(String, Arc<[PartCheck]>)>,
    /// Structures looked up by name.
    pub(super) structures: Vec<(String, Option<&'static StructureDef>)>,
    /// A buffer for the separator bits of the message being checked.
    pub(super) stops: Vec<u64>,
    /// Structure matches of recent sequences of segment names.
    pub(super) shapes: Vec<Shape>,
    /// A buffer for the packed segment names of the message being checked.
    pub(super) shape: Vec<u32>,
    pub(super) next_shape: usize,
}

/// How many structure matches a [`Cache`] keeps.
pub(super) const SHAPES: usize = 64;

/// The structure match of one sequence of segment names.
#[derive(Debug)]
pub(super) struct Shape {
    /// [`shape_key`] of `names`.
    pub(super) key: u64,
    pub(super) structure: &'static StructureDef,
    pub(super) names: Vec<u32>,
    pub(super) missing: Vec<(usize, &'static str)>,
    pub(super) unexpected: Vec<usize>,
}

impl Cache {
    pub(super) fn new(version: &'static VersionDef) -> Self {
        Cache {
            version,
            segments: Vec::new(),
            tables: Vec::new(),
            structure: None,
            named: Vec::new(),
            structures: Vec::new(),
            stops: Vec::new(),
            shapes: Vec::new(),
            shape: Vec::new(),
            next_shape: 0,
        }
    }

    /// Where table `id`'s codes are kept (from 1); 0 when there are none to check.
    pub(super) fn table_slot(&mut self, id: u16) -> u16 {
        if id == 0 {
            return 0;
        }
        let i = match self.tables.iter().position(|(k, _)| *k == id) {
            Some(i) => i,
            None => {
                let codes = self.version.table(id).map(Codes::new);
                self.tables.push((id, codes));
                self.tables.len() - 1
            }
        };
        match &self.tables[i].1 {
            Some(codes) if !codes.is_empty() => u16::try_from(i + 1).unwrap_or(0),
            _ => 0,
        }
    }

    /// Resolves the tables of `checks` to their slots.
    pub(super) fn resolve(&mut self, checks: &mut [PartCheck]) {
        for c in checks {
            c.codes = if c.check == 4 {
                self.table_slot(c.table)
            } else {
                0
            };
        }
    }

    pub(super) fn slot(&mut self, name: &[u8]) -> Option<usize> {
        let key = pack(name);
        if key == 0 {
            return None;
        }
        Some(match self.segments.iter().position(|(k, ..)| *k == key) {
            Some(i) => i,
            None => {
                self.segments.push((key, self.version.segment(name), None));
                self.segments.len() - 1
            }
        })
    }

    pub(super) fn segment(&mut self, name: &[u8]) -> Option<&'static SegmentDef> {
        match self.slot(name) {
            Some(i) => self.segments[i].1,
            None => self.version.segment(name),
        }
    }

    /// The definition of segment `name` and its plan, lent out until
    /// [`give_back`](Self::give_back).
    pub(super) fn take_plan(&mut self, name: &[u8]) -> Option<(Option<usize>, SegmentPlan)> {
        let Some(i) = self.slot(name) else {
            let def = self.version.segment(name)?;
            return Some((None, SegmentPlan::new(def, self)));
        };
        let def = self.segments[i].1?;
        let plan = match self.segments[i].2.take() {
            Some(plan) => plan,
            None => SegmentPlan::new(def, self),
        };
        Some((Some(i), plan))
    }

    /// The leaf checks of datatype `name` (checked as a primitive when the
    /// version does not define it as a composite).
    pub(super) fn named_checks(&mut self, name: &str) -> Arc<[PartCheck]> {
        if let Some((_, checks)) = self.named.iter().find(|(n, _)| n == name) {
            return checks.clone();
        }
        let components = self
            .version
            .datatype(name)
            .map_or(&[][..], |d| d.components);
        let check = if components.is_empty() {
            check_code(name)
        } else {
            0
        };
        let mut checks = Vec::new();
        part_checks(check, 0, components, &mut checks);
        self.resolve(&mut checks);
        let checks: Arc<[PartCheck]> = checks.into();
        if self.named.len() < 64 {
            self.named.push((String::from(name), checks.clone()));
        }
        checks
    }

    pub(super) fn give_back(&mut self, slot: Option<usize>, plan: SegmentPlan) {
        if let Some(entry) = slot.and_then(|i| self.segments.get_mut(i)) {
            entry.2 = Some(plan);
        }
    }

    /// The structure called `name`.
    pub(super) fn structure_named(&mut self, name: &str) -> Option<&'static StructureDef> {
        if let Some((_, s)) = self.structures.iter().find(|(n, _)| n == name) {
            return *s;
        }
        let s = self.version.structure(name);
        if self.structures.len() < 64 {
            self.structures.push((String::from(name), s));
        }
        s
    }

    /// The packed names of the segments `structure` mentions.
    pub(super) fn mentioned(&mut self, structure: &'static StructureDef) -> &[u32] {
        let fresh = !matches!(&self.structure, Some((s, _)) if core::ptr::eq(*s, structure));
        if fresh {
            let mut names = Vec::new();
            collect_names(structure.items, &mut names);
            self.structure = Some((structure, names));
        }
        self.structure.as_ref().map_or(&[][..], |(_, n)| n)
    }
}

/// What validation needs of one field definition, laid out together.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldPlan {
    /// Whether the field is defined (the dictionary has unnamed gaps).
    pub(super) defined: bool,
    pub(super) required: bool,
    /// Most repetitions; 0: unbounded.
    pub(super) max: u16,
    /// 0: not known.
    pub(super) length: u16,
    /// The datatype is `varies` (OBX-5 takes OBX-2's).
    pub(super) varies: bool,
    /// The field's leaf checks: `SegmentPlan::checks[start..end]`.
    pub(super) checks: (u16, u16),
}

/// One value a datatype checks: the whole value of a primitive, a
/// component, or a nested composite's first subcomponent.
#[derive(Debug, Clone, Copy)]
pub(super) struct PartCheck {
    /// The component (from 1; 1 for a primitive).
    pub(super) component: usize,
    /// The value is a primitive's (its path names no component).
    pub(super) whole: bool,
    /// The value is the component's first subcomponent.
    pub(super) sub: bool,
    pub(super) check: u8,
    /// The HL7 table of an ID (0: none).
    pub(super) table: u16,
    /// Where [`Cache`] keeps that table's codes (from 1; 0: nothing to look up).
    pub(super) codes: u16,
}

/// The leaf checks of a datatype (`check` for a primitive, `components` for
/// a composite), in component order.
pub(super) fn part_checks(
    check: u8,
    table: u16,
    components: &[ComponentDef],
    out: &mut Vec<PartCheck>,
) {
    if components.is_empty() {
        if check != 0 {
            out.push(PartCheck {
                component: 1,
                whole: true,
                sub: false,
                check,
                table,
                codes: 0,
            });
        }
        return;
    }
    for (i, c) in components.iter().enumerate() {
        let (check, table, sub) = match c.components.first() {
            Some(first) => (first.check, first.table, true),
            None => (c.check, c.table, false),
        };
        if check != 0 {
            out.push(PartCheck {
                component: i + 1,
                whole: false,
                sub,
                check,
                table,
                codes: 0,
            });
        }
    }
}

/// A segment definition's fields as validation reads them.
#[derive(Debug)]
pub(super) struct SegmentPlan {
    pub(super) fields: Vec<FieldPlan>,
    pub(super) checks: Vec<PartCheck>,
    /// The highest required field number (0: none).
    pub(super) last_required: usize,
}

impl SegmentPlan {
    pub(super) fn new(def: &'static SegmentDef, cache: &mut Cache) -> Self {
        let mut checks = Vec::new();
        let fields: Vec<FieldPlan> = def
            .fields
            .iter()
            .map(|d| {
                let start = checks.len() as u16;
                part_checks(d.check, d.table, d.components, &mut checks);
                FieldPlan {
                    defined: !d.name.is_empty(),
                    required: !d.name.is_empty() && d.min > 0,
                    max: d.max,
                    length: d.length,
                    varies: d.datatype == "varies",
                    checks: (start, checks.len() as u16),
                }
            })
            .collect();
        let last_required = fields.iter().rposition(|f| f.required).map_or(0, |i| i + 1);
        cache.resolve(&mut checks);
        SegmentPlan {
            fields,
            checks,
            last_required,
        }
    }
}

/// A field only a profile defines.
pub(super) const UNDEFINED: FieldPlan = FieldPlan {
    defined: false,
    required: false,
    max: 0,
    length: 0,
    varies: false,
    checks: (0, 0),
};

/// A table's codes for membership tests: once a table has been looked up a
/// few times, its codes of up to 8 bytes are packed into numbers and kept
/// in an open-addressing hash set (a multiply, a shift, a probe or two).
#[derive(Debug)]
pub(super) struct Codes {
    pub(super) table: &'static TableDef,
    /// Slots of packed codes (0: empty); the length is a power of two.
    pub(super) set: Vec<u64>,
    pub(super) lookups: u32,
    /// Family codes added to `set` once found (up to a quarter of its slots).
    pub(super) added: usize,
    /// The last few packed codes not in the table, replaced in turn from `next_miss`.
    pub(super) misses: Vec<u64>,
    pub(super) next_miss: usize,
    /// Codes longer than 8 bytes found in the table.
    pub(super) long: Vec<&'static str>,
}

/// How many unknown codes, and codes longer than 8 bytes, a [`Codes`] keeps.
pub(super) const MISSES: usize = 4;

/// Lookups of a table before its codes are packed.
pub(super) const PACK_AFTER: u32 = 8;

/// Packs a code of 1 to 8 bytes into a non-zero number; others give `None`.
pub(super) fn pack_code(code: &[u8]) -> Option<u64> {
    if code.is_empty() || code.len() > 8 {
        return None;
    }
    // The bytes, then the length in the top bits so that "A" and "A\0" differ.
    let word = code.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Some(word ^ ((code.len() as u64) << 60) ^ (1 << 63))
}

impl Codes {
    pub(super) fn new(table: &'static TableDef) -> Self {
        Codes {
            table,
            set: Vec::new(),
            lookups: 0,
            added: 0,
            misses: Vec::new(),
            next_miss: 0,
            long: Vec::new(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.table.values.is_empty()
    }

    pub(super) fn slot(&self, packed: u64) -> usize {
        let bits = self.set.len().trailing_zeros();
        (packed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    pub(super) fn build(&mut self) {
        let codes: Vec<u64> = self
            .table
            .values()
            .filter_map(|v| pack_code(v.as_bytes()))
            .collect();
        self.set = alloc::vec![0; (codes.len() * 2).next_power_of_two().max(2)];
        let mask = self.set.len() - 1;
        for code in codes {
            let mut i = self.slot(code);
            while self.set[i] != 0 && self.set[i] != code {
                i = (i + 1) & mask;
            }
            self.set[i] = code;
        }
    }

    #[inline]
    pub(super) fn contains(&mut self, code: &[u8]) -> bool {
        let packed = match pack_code(code) {
            Some(packed) if !self.set.is_empty() => packed,
            _ => return self.contains_unpacked(code),
        };
        let mask = self.set.len() - 1;
        let mut i = self.slot(packed);
        loop {
            match self.set.get(i) {
                Some(&x) if x == packed => return true,
                Some(&0) | None => return self.in_family(code, packed, i),
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// Whether `code`, not among the packed codes, is in one of the
    /// table's families (`HL7nnnn`); a code that is gets packed into free
    /// slot `free` (up to a quarter of the slots) so that it is found next time.
    #[cold]
    #[inline(never)]
    pub(super) fn in_family(&mut self, code: &[u8], packed: u64, free: usize) -> bool {
        if self.misses.contains(&packed) {
            return false;
        }
        let found = self.table.matches_family(code);
        if !found {
            // A feed repeats its unknown codes too: the last few are kept.
            if self.misses.len() < MISSES {
                self.misses.push(packed);
            } else {
                self.misses[self.next_miss % MISSES] = packed;
                self.next_miss += 1;
            }
        } else if self.added < self.set.len() / 4 {
            if let Some(slot) = self.set.get_mut(free) {
                *slot = packed;
                self.added += 1;
            }
        }
        found
    }

    /// [`contains`](Self::contains) from the table itself: before the codes
    /// are packed (counting the lookups), or for a code longer than 8 bytes.
    #[cold]
    #[inline(never)]
    pub(super) fn contains_unpacked(&mut self, code: &[u8]) -> bool {
        if self.lookups < PACK_AFTER {
            self.lookups += 1;
            if self.lookups == PACK_AFTER {
                self.build();
            }
            return self.table.contains(code);
        }
        // A long code (`UNICODE UTF-8`): the last few found are kept.
        if self.long.iter().any(|v| v.as_bytes() == code) {
            return true;
        }
        match self.table.values().find(|v| v.as_bytes() == code) {
            Some(v) => {
                if self.long.len() < MISSES {
                    self.long.push(v);
                }
                true
            }
            None => self.table.matches_family(code),
        }
    }
}

pub(super) fn collect_names(items: &[Item], out: &mut Vec<u32>) {
    for item in items {
        match item {
            Item::Segment { name, .. } => {
                let key = pack(name.as_bytes());
                if !out.contains(&key) {
                    out.push(key);
                }
            }
            Item::Group { items, .. } => collect_names(items, out),
        }
    }
}
