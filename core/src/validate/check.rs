//! The checker: segment by segment, field by field, against the plans.

use super::plan::{Cache, FieldPlan, PartCheck, SegmentPlan, Shape, SHAPES, UNDEFINED};
use super::profile::{Profile, SegmentRule, Usage};
use super::report::{Issue, IssueKind};
use super::structure::{starts, Matcher};
use crate::dictionary::StructureDef;
use crate::{Message, Segment, Severity};
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Where a repetition is: segment name, occurrence and index, field and
/// repetition numbers (the path is written only for an issue).
#[derive(Clone, Copy)]
pub(super) struct At<'l> {
    /// The segment name (read as UTF-8 only for a path).
    pub(super) name: &'l [u8],
    pub(super) occurrence: u32,
    pub(super) field: usize,
    pub(super) rep: usize,
    pub(super) seg: usize,
}

impl At<'_> {
    pub(super) fn path(&self, component: Option<usize>, sub: bool) -> String {
        let name = core::str::from_utf8(self.name).unwrap_or("");
        let mut s = segment_label(name, self.occurrence);
        s.push('-');
        push_number(&mut s, self.field);
        if self.rep > 1 {
            s.push('(');
            push_number(&mut s, self.rep);
            s.push(')');
        }
        if let Some(c) = component {
            s.push('.');
            push_number(&mut s, c);
        }
        if sub {
            s.push_str(".1");
        }
        s
    }
}

pub(super) fn push_number(s: &mut String, n: usize) {
    s.push_str(decimal(n, &mut [0; 20]));
}

/// `n` in decimal digits, written at the end of `digits`.
pub(super) fn decimal(mut n: usize, digits: &mut [u8; 20]) -> &str {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: only ASCII digits were written from `i` on.
    unsafe { core::str::from_utf8_unchecked(&digits[i..]) }
}

pub(super) struct Checker<'m, 'a> {
    pub(super) msg: &'m Message<'a>,
    pub(super) profile: Option<&'m Profile>,
    pub(super) issues: Vec<Issue>,
    pub(super) cache: &'m mut Cache,
    pub(super) escape: u8,
    /// Where the message's repetition, component and subcomponent
    /// separators are, one bit per byte.
    pub(super) stops: &'m [u64],
    /// The segment being checked (its field and repetition unset).
    pub(super) here: At<'m>,
}

/// `PID`, or `OBX[3]` from the second occurrence on; [`UNNAMED`] for a name
/// that is not a segment name.
pub(super) fn segment_label(name: &str, occurrence: u32) -> String {
    if !crate::parse::index::valid_segment_name(name.as_bytes()) {
        return String::from(UNNAMED);
    }
    let mut s = String::with_capacity(name.len() + 12);
    s.push_str(name);
    if occurrence > 1 {
        s.push('[');
        push_number(&mut s, occurrence as usize);
        s.push(']');
    }
    s
}

/// What paths and sentences say for a segment whose name is not three
/// uppercase letters or digits: such a "name" is often the start of a broken
/// line (a line break inside a field), that is, message content, which an
/// issue never quotes. The issue's segment index and offset still place it.
pub(super) const UNNAMED: &str = "???";

/// A hash of a sequence of packed segment names, to tell sequences apart quickly.
pub(super) fn shape_key(names: &[u32]) -> u64 {
    names.iter().fold(names.len() as u64, |h, &n| {
        (h ^ u64::from(n)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// A segment name packed into a number (names of 1 to 3 bytes; 0 otherwise).
pub(super) fn pack(name: &[u8]) -> u32 {
    match *name {
        [a, b, c] => u32::from_le_bytes([a, b, c, 3]),
        [a, b] => u32::from_le_bytes([a, b, 0, 2]),
        [a] => u32::from_le_bytes([a, 0, 0, 1]),
        _ => 0,
    }
}

pub(super) fn is_z(name: &str) -> bool {
    name.starts_with('Z')
}

/// The check a primitive datatype gets, as the generator encodes it: 0 none,
/// 1 date/time (DTM, DT, TS, DIN), 2 number (NM), 3 sequence id (SI), 4 ID
/// (code shape and HL7 table), 5 IS (code shape).
pub(super) fn check_code(datatype: &str) -> u8 {
    match datatype.as_bytes() {
        b"DTM" | b"DT" | b"TS" | b"DIN" => 1,
        b"NM" => 2,
        b"SI" => 3,
        b"ID" => 4,
        b"IS" => 5,
        _ => 0,
    }
}

/// The format check of a primitive (decoded text, not the null `""`);
/// `None` when the value is fine.
pub(super) fn check_format(check: u8, text: &str) -> Option<IssueKind> {
    match check {
        1 => crate::datatype::DateTime::parse(text)
            .err()
            .map(|_| IssueKind::InvalidDatetime),
        2 => (!crate::datatype::is_number(text.trim().as_bytes()))
            .then_some(IssueKind::InvalidNumber),
        3 => crate::datatype::parse_sequence_id(text)
            .err()
            .map(|_| IssueKind::InvalidSequenceId),
        4 | 5 => (text.trim() != text || text.chars().any(char::is_control))
            .then_some(IssueKind::InvalidCode),
        _ => None,
    }
}

/// [`check_format`] of ASCII text without escape sequences, read as bytes.
pub(super) fn check_ascii(check: u8, b: &[u8]) -> Option<IssueKind> {
    use crate::datatype::{is_ascii_space, trim_ascii};
    match check {
        1 => {
            if let Some(ok) = crate::datatype::plain_datetime_ok(b) {
                return (!ok).then_some(IssueKind::InvalidDatetime);
            }
            let t = trim_ascii(b);
            let lead = b
                .iter()
                .position(|&c| !is_ascii_space(c))
                .unwrap_or(b.len());
            crate::datatype::DateTime::parse_trimmed(t, lead)
                .err()
                .map(|_| IssueKind::InvalidDatetime)
        }
        2 => (!crate::datatype::is_number(b)).then_some(IssueKind::InvalidNumber),
        3 => (!crate::datatype::is_sequence_id(b)).then_some(IssueKind::InvalidSequenceId),
        4 | 5 => {
            let edge = |c: Option<&u8>| c.is_some_and(|&c| is_ascii_space(c));
            (edge(b.first()) || edge(b.last()) || b.iter().any(|&c| c < 0x20 || c == 0x7f))
                .then_some(IssueKind::InvalidCode)
        }
        _ => None,
    }
}

/// [`check_ascii`] of printable ASCII (no controls, so the only space
/// that trimming would remove is `' '`).
#[inline]
pub(super) fn check_printable(check: u8, b: &[u8]) -> Option<IssueKind> {
    match check {
        4 | 5 => {
            (b.first() == Some(&b' ') || b.last() == Some(&b' ')).then_some(IssueKind::InvalidCode)
        }
        0 => None,
        _ => check_ascii(check, b),
    }
}

/// The first position at or after `from`, and before `end`, that `stops`
/// marks (one bit per byte of the message); `end` when there is none.
#[inline]
pub(super) fn next_stop(stops: &[u64], from: usize, end: usize) -> usize {
    let mut word = from >> 6;
    let Some(&first) = stops.get(word) else {
        return end;
    };
    let mut bits = first & (!0u64 << (from & 63));
    loop {
        if bits != 0 {
            return ((word << 6) + bits.trailing_zeros() as usize).min(end);
        }
        word += 1;
        if word << 6 >= end {
            return end;
        }
        bits = match stops.get(word) {
            Some(&b) => b,
            None => return end,
        };
    }
}

/// Marks in `stops` (one bit per byte) every repetition, component and
/// subcomponent separator of `message`.
pub(super) fn mark_stops(message: &Message<'_>, stops: &mut Vec<u64>) {
    let d = message.delimiters();
    crate::parse::simd_search::bitmap3(
        message.as_bytes(),
        d.repetition(),
        d.component(),
        d.subcomponent(),
        stops,
    );
}

impl<'m> Checker<'m, '_> {
    /// Where field `field`, repetition `rep` of the segment being checked is.
    pub(super) fn at(&self, field: usize, rep: usize) -> At<'m> {
        At {
            field,
            rep,
            ..self.here
        }
    }

    /// A field the segment's definition does not have.
    #[cold]
    pub(super) fn unexpected_field(&mut self, field: usize, offset: usize) {
        let at = self.at(field, 1);
        self.push(
            IssueKind::UnexpectedField,
            Severity::Warning,
            at.path(None, false),
            Some(at.seg),
            offset,
        );
    }

    /// The datatype OBX-2 names for OBX-5 (`varies` in the dictionary).
    pub(super) fn obx5_checks(&mut self, segment: &Segment<'_>) -> Option<Arc<[PartCheck]>> {
        let name = segment
            .field(2)
            .map(|v| v.value())
            .filter(|n| !n.is_empty())?;
        Some(self.cache.named_checks(&name))
    }

    pub(super) fn push(
        &mut self,
        kind: IssueKind,
        severity: Severity,
        path: String,
        segment: Option<usize>,
        offset: usize,
    ) {
        self.issues.push(Issue {
            kind,
            severity,
            path,
            segment: segment.and_then(|s| u32::try_from(s).ok()),
            offset,
        });
    }

    #[cold]
    pub(super) fn required_missing(&mut self, at: At<'_>, offset: usize) {
        let path = at.path(None, false);
        self.push(
            IssueKind::RequiredFieldMissing,
            Severity::Error,
            path,
            Some(at.seg),
            offset,
        );
    }

    /// Checks a leaf value (check code from the generator) and its HL7
    /// table. `bytes` are as encoded; a value with an escape sequence or
    /// bytes outside ASCII is decoded first.
    #[inline]
    pub(super) fn leaf(
        &mut self,
        part: &PartCheck,
        bytes: &[u8],
        offset: usize,
        field: usize,
        rep: usize,
    ) {
        if bytes.is_empty() || bytes == b"\"\"" {
            return;
        }
        // One pass, without branches: printable ASCII and no escape.
        let escape = self.escape;
        let plain = bytes.iter().fold(true, |ok, &b| {
            ok & (b.wrapping_sub(0x20) < 0x5f) & (b != escape)
        });
        let issue = if plain {
            check_printable(part.check, bytes)
        } else if bytes.iter().all(|&b| b < 0x80 && b != escape) {
            check_ascii(part.check, bytes)
        } else {
            return self.decoded_leaf(part, bytes, offset, field, rep);
        };
        if let Some(code) = issue {
            return self.leaf_issue(code, part, offset, field, rep);
        }
        if part.codes != 0 && !self.known_code(part.codes, bytes) {
            self.leaf_issue(IssueKind::UnknownCode, part, offset, field, rep);
        }
    }

    /// [`leaf`](Self::leaf) for a value to decode first.
    #[cold]
    #[inline(never)]
    pub(super) fn decoded_leaf(
        &mut self,
        part: &PartCheck,
        bytes: &[u8],
        offset: usize,
        field: usize,
        rep: usize,
    ) {
        let span = crate::view::Span::new(bytes, offset, self.msg.ctx());
        let decoded = if part.sub {
            crate::Subcomponent(span).value()
        } else {
            crate::Component(span).value()
        };
        if decoded.is_empty() || decoded == "\"\"" {
            return;
        }
        if let Some(code) = check_format(part.check, &decoded) {
            return self.leaf_issue(code, part, offset, field, rep);
        }
        if part.codes != 0 && !self.known_code(part.codes, decoded.as_bytes()) {
            self.leaf_issue(IssueKind::UnknownCode, part, offset, field, rep);
        }
    }

    /// Whether the table in slot `codes` has `code`.
    #[inline(never)]
    pub(super) fn known_code(&mut self, codes: u16, code: &[u8]) -> bool {
        match self.cache.tables.get_mut(usize::from(codes) - 1) {
            Some((_, Some(t))) => t.contains(code),
            _ => true,
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn leaf_issue(
        &mut self,
        kind: IssueKind,
        part: &PartCheck,
        offset: usize,
        field: usize,
        rep: usize,
    ) {
        let at = self.at(field, rep);
        let severity = match kind {
            IssueKind::InvalidCode | IssueKind::UnknownCode => Severity::Warning,
            _ => Severity::Error,
        };
        let component = (!part.whole).then_some(part.component);
        let path = at.path(component, part.sub);
        self.push(kind, severity, path, Some(at.seg), offset);
    }

    #[inline(always)]
    pub(super) fn walk(
        &mut self,
        bytes: &[u8],
        offset: usize,
        checks: &[PartCheck],
        length: usize,
        field: usize,
    ) -> (usize, bool) {
        let d = self.msg.delimiters();
        let (rs, cs, ss) = (d.repetition(), d.component(), d.subcomponent());
        let n = bytes.len();
        if checks.is_empty() {
            let reps = 1 + bytes.iter().filter(|&&b| b == rs).count();
            // No repetition is longer than the whole field.
            let too_long =
                length != 0 && n > length && bytes.split(|&b| b == rs).any(|r| r.len() > length);
            return (reps, too_long);
        }
        let mut reps = 1;
        let mut too_long = false;
        let mut rep_start = 0;
        let mut i = 0;
        loop {
            // One repetition: its components in order, until the last check.
            let mut component = 1;
            let mut start = i;
            let mut sub_end = usize::MAX;
            let mut next = 0;
            loop {
                let j = next_stop(self.stops, offset + i, offset + n) - offset;
                let b = bytes.get(j).copied().unwrap_or(rs);
                if b == ss && j < n {
                    sub_end = sub_end.min(j);
                    i = j + 1;
                    continue;
                }
                // Component `component` is bytes[start..j].
                if let Some(&c) = checks.get(next) {
                    if c.component == component {
                        let end = if c.sub { sub_end.min(j) } else { j };
                        self.leaf(&c, &bytes[start..end], offset + start, field, reps);
                        next += 1;
                    }
                }
                if b == cs && j < n {
                    i = j + 1;
                    if next == checks.len() {
                        // Nothing more to check here: on to the repetition's end.
                        while i < n && bytes[i] != rs {
                            i = next_stop(self.stops, offset + i + 1, offset + n) - offset;
                        }
                        break;
                    }
                    component += 1;
                    start = i;
                    sub_end = usize::MAX;
                } else {
                    i = j;
                    break;
                }
            }
            too_long |= length != 0 && i - rep_start > length;
            if i >= n {
                break;
            }
            reps += 1;
            i += 1;
            rep_start = i;
        }
        (reps, too_long)
    }

    /// Reports a field's repetitions beyond `max` and its length, before
    /// the issues found in it (those from `issues` on).
    #[cold]
    #[inline(never)]
    pub(super) fn field_issues(
        &mut self,
        issues: usize,
        at: At<'_>,
        max: Option<u32>,
        too_long: bool,
        offset: usize,
    ) {
        let later = self.issues.split_off(issues);
        if let Some(max) = max {
            let code = if max == 1 {
                IssueKind::FieldRepeated
            } else {
                IssueKind::TooManyRepetitions
            };
            self.push(
                code,
                Severity::Error,
                at.path(None, false),
                Some(at.seg),
                offset,
            );
        }
        if too_long {
            self.push(
                IssueKind::ValueTooLong,
                Severity::Error,
                at.path(None, false),
                Some(at.seg),
                offset,
            );
        }
        self.issues.extend(later);
    }

    /// The fields of a segment that the dictionary defines, that no profile
    /// rule touches and that is not a header: the general loop of
    /// [`segment`](Self::segment) without its rules, kept tight because
    /// nearly every segment takes it.
    pub(super) fn standard_fields(
        &mut self,
        segment: &Segment<'_>,
        seps: &[u32],
        plan: &SegmentPlan,
    ) {
        let input = self.msg.as_bytes();
        let end = segment.offset() + segment.as_bytes().len();
        let is_obx = self.here.name == b"OBX";
        for (k, &sep) in seps.iter().enumerate() {
            let f = k + 1;
            let start = sep as usize + 1;
            let stop = seps.get(f).map_or(end, |&p| p as usize);
            let Some(p) = plan.fields.get(k) else {
                if start < stop {
                    self.unexpected_field(f, start);
                }
                continue;
            };
            if start >= stop {
                if p.required {
                    self.required_missing(self.at(f, 1), start);
                }
                continue;
            }
            if !p.defined {
                continue;
            }
            let owned;
            let mut checks = &plan.checks[usize::from(p.checks.0)..usize::from(p.checks.1)];
            if is_obx && f == 5 && p.varies {
                if let Some(named) = self.obx5_checks(segment) {
                    owned = named;
                    checks = &owned[..];
                }
            }
            if p.max == 0 && p.length == 0 && checks.is_empty() {
                continue;
            }
            let issues = self.issues.len();
            let bytes = &input[start..stop];
            let (reps, too_long) = self.walk(bytes, start, checks, usize::from(p.length), f);
            let repeated = (p.max != 0 && reps > usize::from(p.max)).then_some(u32::from(p.max));
            if repeated.is_some() || too_long {
                self.field_issues(issues, self.at(f, 1), repeated, too_long, start);
            }
        }
        for f in seps.len() + 1..=plan.last_required {
            if plan.fields.get(f - 1).is_some_and(|p| p.required) {
                self.required_missing(self.at(f, 1), end);
            }
        }
    }

    pub(super) fn segment(&mut self, segment: &Segment<'m>, occurrence: u32) {
        let name_bytes = segment.name_bytes();
        self.here = At {
            name: name_bytes,
            occurrence,
            field: 0,
            rep: 1,
            seg: segment.index(),
        };
        let rule = self.profile.and_then(|p| p.segments.get(segment.name()));
        let seg = segment.index();
        let standard = rule.is_none() && !segment.is_header();
        let taken = match (
            standard,
            segment.indexed_separators(),
            self.cache.take_plan(name_bytes),
        ) {
            (true, Some(seps), Some((slot, plan))) => {
                self.standard_fields(segment, seps, &plan);
                self.cache.give_back(slot, plan);
                return;
            }
            (.., taken) => taken,
        };
        let name = segment.name();
        if taken.is_none() && rule.is_none() {
            if !is_z(name) {
                let label = segment_label(name, occurrence);
                self.push(
                    IssueKind::UnknownSegment,
                    Severity::Error,
                    label,
                    Some(seg),
                    segment.offset(),
                );
            }
            return;
        }
        let (defined, plan, checks) = match &taken {
            Some((_, plan)) => (true, &plan.fields[..], &plan.checks[..]),
            None => (false, &[][..], &[][..]),
        };
        let last_required = taken.as_ref().map_or(0, |(_, p)| p.last_required);
        let count = segment.field_count();
        let end = segment.offset() + segment.as_bytes().len();
        let header = segment.is_header();
        let is_obx = name_bytes == b"OBX";
        let input = self.msg.as_bytes();
        let seps = segment.indexed_separators();
        for f in 1..=count {
            // Straight from the index (what `segment.field(f)` reads).
            let (bytes, offset) = match seps {
                Some(seps) if !(header && f == 1) => {
                    let k = if header { f - 1 } else { f };
                    let Some(&start) = seps.get(k - 1) else {
                        continue;
                    };
                    let start = start as usize + 1;
                    let stop = seps.get(k).map_or(end, |&p| p as usize);
                    (&input[start..stop], start)
                }
                _ => match segment.field(f) {
                    Some(field) => (field.as_bytes(), field.offset()),
                    None => continue,
                },
            };
            let fplan = plan.get(f - 1).filter(|p| p.defined);
            let frule = rule.and_then(|r| r.fields.get(&(f as u32)));
            let usage = frule.and_then(|r| r.usage);
            if bytes.is_empty() {
                if is_required(rule, plan, f) {
                    self.required_missing(self.at(f, 1), offset);
                }
                continue;
            }
            if usage == Some(Usage::Forbidden) {
                let path = self.at(f, 1).path(None, false);
                self.push(
                    IssueKind::ForbiddenField,
                    Severity::Error,
                    path,
                    Some(seg),
                    offset,
                );
                continue;
            }
            if header && f <= 2 {
                continue;
            }
            let Some(p) = fplan.copied().or(frule.map(|_| UNDEFINED)) else {
                if defined && f > plan.len() {
                    self.unexpected_field(f, offset);
                }
                continue;
            };
            let max = frule
                .and_then(|r| r.max)
                .or_else(|| (p.max != 0).then_some(u32::from(p.max)));
            // Field-level issues come first (max, length, then allowed values).
            let issues = self.issues.len();
            if let Some(values) = frule.and_then(|r| r.values.as_ref()) {
                let field = segment.field(f).into_iter();
                for (r, rep) in field.flat_map(|v| v.repetitions()).enumerate() {
                    let v = rep.component(1).map_or(Cow::Borrowed(""), |c| c.value());
                    if !v.is_empty() && !values.iter().any(|a| *a == v) {
                        let path = self.at(f, r + 1).path(None, false);
                        self.push(
                            IssueKind::ValueNotAllowed,
                            Severity::Error,
                            path,
                            Some(seg),
                            rep.offset(),
                        );
                    }
                }
            }
            // The checks: the profile's datatype, OBX-2's for OBX-5, or the
            // dictionary's (resolved when the plan was made).
            let named = match frule.and_then(|r| r.datatype.as_deref()) {
                Some(n) => Some(self.cache.named_checks(n)),
                None if is_obx && f == 5 && p.varies => self.obx5_checks(segment),
                None => None,
            };
            let checks = match &named {
                Some(named) => &named[..],
                None => &checks[usize::from(p.checks.0)..usize::from(p.checks.1)],
            };
            if max.is_none() && p.length == 0 && checks.is_empty() {
                continue;
            }
            let (reps, too_long) = self.walk(bytes, offset, checks, usize::from(p.length), f);
            let repeated = max.filter(|&m| reps as u64 > u64::from(m));
            if repeated.is_some() || too_long {
                self.field_issues(issues, self.at(f, 1), repeated, too_long, offset);
            }
        }
        // Fields after the last one present: only a required one matters.
        let last = match rule {
            Some(r) => plan
                .len()
                .max(r.fields.keys().next_back().map_or(0, |&k| k as usize)),
            None => last_required,
        };
        for f in count + 1..=last {
            if is_required(rule, plan, f) {
                self.required_missing(self.at(f, 1), end);
            }
        }
        if let Some((slot, plan)) = taken {
            self.cache.give_back(slot, plan);
        }
    }

    pub(super) fn structure(&mut self, structure: &'static StructureDef) {
        // The result depends only on the sequence of segment names: a feed
        // repeats a few sequences, so the last few results are kept.
        let mut shape = core::mem::take(&mut self.cache.shape);
        shape.clear();
        shape.extend(self.msg.segment_names().map(pack));
        let known = !shape.contains(&0);
        let key = shape_key(&shape);
        let hit =
            self.cache.shapes.iter().find(|s| {
                s.key == key && core::ptr::eq(s.structure, structure) && s.names == shape
            });
        let (missing, unexpected) = match hit {
            Some(s) if known => (s.missing.clone(), s.unexpected.clone()),
            _ => {
                let (missing, unexpected) = self.match_structure(structure);
                if known {
                    let entry = Shape {
                        key,
                        structure,
                        names: shape.clone(),
                        missing: missing.clone(),
                        unexpected: unexpected.clone(),
                    };
                    if self.cache.shapes.len() < SHAPES {
                        self.cache.shapes.push(entry);
                    } else {
                        let slot = self.cache.next_shape % SHAPES;
                        self.cache.shapes[slot] = entry;
                        self.cache.next_shape += 1;
                    }
                }
                (missing, unexpected)
            }
        };
        self.cache.shape = shape;
        self.report_structure(missing, unexpected);
    }

    /// Matches the message's segments against `structure`: the required
    /// segments missing (segment index where expected, name) and the
    /// indexes of unexpected segments.
    pub(super) fn match_structure(
        &mut self,
        structure: &'static StructureDef,
    ) -> (Vec<(usize, &'static str)>, Vec<usize>) {
        let items = structure.items;
        // Z-segments may stand anywhere; a segment the structure never
        // names is unexpected wherever it stands and is left out of matching.
        let mut names: Vec<(usize, &str)> = Vec::with_capacity(self.msg.segment_count());
        let mut unexpected = Vec::new();
        for s in self.msg.segments() {
            let name = s.name();
            if is_z(name) {
                continue;
            }
            let key = pack(s.name_bytes());
            if key != 0 && self.cache.mentioned(structure).contains(&key) {
                names.push((s.index(), name));
            } else if self.cache.segment(s.name_bytes()).is_some() {
                unexpected.push(s.index());
            }
            // A segment the version does not define is reported once, as unknown_segment.
        }
        let mut m = Matcher {
            names: &names,
            pos: 0,
            missing: Vec::new(),
        };
        m.sequence(items);
        let missing = core::mem::take(&mut m.missing);
        while m.pos < names.len() {
            // Out of order or one too many: report it and carry on after it
            // from the first item that can take the next segment.
            unexpected.push(names[m.pos].0);
            m.pos += 1;
            if let Some(name) = m.current() {
                if let Some(k) = items.iter().position(|i| starts(i, name)) {
                    m.sequence(&items[k..]);
                    m.missing.clear();
                }
            }
        }
        (missing, unexpected)
    }

    pub(super) fn report_structure(
        &mut self,
        missing: Vec<(usize, &'static str)>,
        unexpected: Vec<usize>,
    ) {
        for (at, name) in missing {
            let (seg, offset) = match self.msg.segment_at(at) {
                Some(s) => (Some(s.index()), s.offset()),
                None => (None, self.msg.as_bytes().len()),
            };
            self.push(
                IssueKind::MissingSegment,
                Severity::Error,
                String::from(name),
                seg,
                offset,
            );
        }
        for index in unexpected {
            if let Some(s) = self.msg.segment_at(index) {
                let occurrence = self
                    .msg
                    .segments()
                    .take(index + 1)
                    .filter(|x| x.name_bytes() == s.name_bytes())
                    .count() as u32;
                let label = segment_label(s.name(), occurrence);
                self.push(
                    IssueKind::UnexpectedSegment,
                    Severity::Error,
                    label,
                    Some(index),
                    s.offset(),
                );
            }
        }
    }
}

/// Whether field `f` is required: the profile's usage when it gives one,
/// else the dictionary's optionality.
pub(super) fn is_required(rule: Option<&SegmentRule>, plan: &[FieldPlan], f: usize) -> bool {
    match rule
        .and_then(|r| r.fields.get(&(f as u32)))
        .and_then(|r| r.usage)
    {
        Some(u) => u == Usage::Required,
        None => plan.get(f - 1).is_some_and(|p| p.required),
    }
}

/// Segment names are short: a byte loop beats a call to memcmp.
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}
