//! Change detection: which fields and components differ between two
//! messages, and a fingerprint that tells an update flood's repeats apart.
//!
//! Segments are paired by name and occurrence (the second OBX of one message
//! with the second OBX of the other), so segments of other names may move
//! without counting as a change. Within a pair, values are compared field by
//! field and component by component: equal bytes are equal, and so are
//! values that decode to the same text (`\T\` and `\X26\`); an empty value
//! equals an absent one (`A^` equals `A`, `PID|1|` equals `PID|1`).
//!
//! A difference is named by the shortest path that locates it: `PID-8` when
//! neither side has components, `PID-5.2` for a component, `PID-3(2).1` for a
//! later repetition, `OBX[3]-5` for a later occurrence, and `NK1[2]` for a
//! segment only one side has.
//!
//! ```
//! use pipehat::{diff::diff, Message};
//! let a = Message::parse(b"MSH|^~\\&|A||||202401010000||ADT^A08|1|P|2.5\rPID|1||7||DOE^JO||1980|F\r")?;
//! let b = Message::parse(b"MSH|^~\\&|A||||202401020000||ADT^A08|2|P|2.5\rPID|1||7||DOE^JOE||1980|F\rPV1|1|I\r")?;
//! let paths: Vec<String> = diff(&a, &b).into_iter().map(|d| d.path).collect();
//! assert_eq!(paths, ["MSH-7", "MSH-10", "PID-5.2", "PV1"]);
//! # Ok::<(), pipehat::ParseError>(())
//! ```

use crate::{Message, Path, PathError, Segment};
use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// How a value differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// Empty or absent in the first message, present in the second.
    Added,
    /// Present in the first message, empty or absent in the second.
    Removed,
    /// Present in both with different values.
    Changed,
}

impl ChangeKind {
    /// `"added"`, `"removed"` or `"changed"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One difference between two messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Difference {
    /// Where: `PID-5.2`, `OBX[3]-5`, `PID-3(2)`, or a segment name such as `NK1[2]`.
    pub path: String,
    /// Added, removed or changed.
    pub kind: ChangeKind,
}

/// Coordinates of one leaf: field, repetition, component (1-based; 0 for
/// the segment itself).
type Leaf = (u32, u32, u32);

/// What to leave out of a comparison: a segment (`ZPD`), a field
/// (`PV1-44`), a repetition (`PID-3(2)`) or a component (`PID-5.1`). Without
/// an occurrence (`OBX-14`) every occurrence is left out; `OBX[2]-14` only
/// the second.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    entries: Vec<IgnoreEntry>,
}

#[derive(Debug, Clone, Copy)]
struct IgnoreEntry {
    segment: [u8; 3],
    occurrence: Option<u32>,
    /// `None` for the whole segment.
    path: Option<Path>,
}

impl Ignore {
    /// Nothing ignored.
    pub fn none() -> Ignore {
        Ignore::default()
    }

    /// Reads a list of segment names and paths.
    ///
    /// ```
    /// let ignore = pipehat::diff::Ignore::parse(["MSH-7", "MSH-10", "EVN-2", "PV1-44", "ZPD"])?;
    /// assert_eq!(ignore.len(), 5);
    /// assert!(pipehat::diff::Ignore::parse(["PID-0"]).is_err());
    /// # Ok::<(), pipehat::PathError>(())
    /// ```
    pub fn parse<I, S>(paths: I) -> Result<Ignore, PathError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut entries = Vec::new();
        for text in paths {
            let text = text.as_ref().trim();
            let bytes = text.as_bytes();
            let entry = if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_alphanumeric) {
                IgnoreEntry {
                    segment: [bytes[0], bytes[1], bytes[2]],
                    occurrence: None,
                    path: None,
                }
            } else {
                let path = Path::parse(text)?;
                IgnoreEntry {
                    segment: *path.segment_bytes(),
                    occurrence: text.contains('[').then(|| path.occurrence()),
                    path: Some(path),
                }
            };
            entries.push(entry);
        }
        Ok(Ignore { entries })
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is ignored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the leaf (or, with field 0, the segment) is left out.
    fn covers(&self, name: &[u8], occurrence: u32, (f, r, c): Leaf) -> bool {
        self.entries.iter().any(|e| {
            if e.segment[..] != *name || e.occurrence.is_some_and(|o| o != occurrence) {
                return false;
            }
            let Some(p) = e.path else {
                return true;
            };
            f != 0
                && p.field() == f
                && p.repetition().is_none_or(|pr| pr == r)
                && p.component().is_none_or(|pc| pc == c)
        })
    }
}

/// Every difference between `a` and `b`, in the order of `a`'s segments
/// (then segments only `b` has).
pub fn diff(a: &Message<'_>, b: &Message<'_>) -> Vec<Difference> {
    diff_ignoring(a, b, &Ignore::none())
}

/// [`diff`] without the differences `ignore` covers.
pub fn diff_ignoring(a: &Message<'_>, b: &Message<'_>, ignore: &Ignore) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut names: Vec<&[u8]> = Vec::new();
    for s in a.segments().chain(b.segments()) {
        if !names.contains(&s.name_bytes()) {
            names.push(s.name_bytes());
        }
    }
    for name in names {
        let left: Vec<Segment<'_>> = a.segments().filter(|s| s.name_bytes() == name).collect();
        let right: Vec<Segment<'_>> = b.segments().filter(|s| s.name_bytes() == name).collect();
        for k in 0..left.len().max(right.len()) {
            let occurrence = k as u32 + 1;
            match (left.get(k), right.get(k)) {
                (Some(x), Some(y)) => compare_segments(x, y, occurrence, ignore, &mut out),
                (x, _) => {
                    if !ignore.covers(name, occurrence, (0, 0, 0)) {
                        let kind = if x.is_some() {
                            ChangeKind::Removed
                        } else {
                            ChangeKind::Added
                        };
                        let path = segment_label(name, occurrence);
                        out.push(Difference { path, kind });
                    }
                }
            }
        }
    }
    out
}

fn segment_label(name: &[u8], occurrence: u32) -> String {
    let mut s = String::from_utf8_lossy(name).into_owned();
    if occurrence > 1 {
        let _ = write!(s, "[{occurrence}]");
    }
    s
}

fn equal_values(x: &crate::Component<'_>, y: &crate::Component<'_>) -> bool {
    x.as_bytes() == y.as_bytes() || (!x.is_composite() && x.value() == y.value())
}

fn repetitions<'a>(field: Option<crate::Field<'a>>) -> Vec<crate::Repetition<'a>> {
    field.map_or_else(Vec::new, |f| f.repetitions().collect())
}

fn components<'a>(rep: Option<&crate::Repetition<'a>>) -> Vec<crate::Component<'a>> {
    rep.map_or_else(Vec::new, |r| r.components().collect())
}

fn compare_segments(
    x: &Segment<'_>,
    y: &Segment<'_>,
    occurrence: u32,
    ignore: &Ignore,
    out: &mut Vec<Difference>,
) {
    let name = x.name_bytes();
    let label = segment_label(name, occurrence);
    for f in 1..=x.field_count().max(y.field_count()) {
        let fx = x.field(f).filter(|v| !v.is_empty());
        let fy = y.field(f).filter(|v| !v.is_empty());
        if fx.map(|v| v.as_bytes()) == fy.map(|v| v.as_bytes()) {
            continue;
        }
        let f32 = f as u32;
        if x.is_header() && f <= 2 {
            let kind = if fx.is_none() {
                ChangeKind::Added
            } else if fy.is_none() {
                ChangeKind::Removed
            } else {
                ChangeKind::Changed
            };
            if !ignore.covers(name, occurrence, (f32, 1, 1)) {
                let path = format!("{label}-{f}");
                out.push(Difference { path, kind });
            }
            continue;
        }
        let (rx, ry) = (repetitions(fx), repetitions(fy));
        for r in 1..=rx.len().max(ry.len()) {
            let px = rx.get(r - 1).filter(|v| !v.is_empty());
            let py = ry.get(r - 1).filter(|v| !v.is_empty());
            if px.map(|v| v.as_bytes()) == py.map(|v| v.as_bytes()) {
                continue;
            }
            let (cx, cy) = (components(px), components(py));
            let simple = cx.len() <= 1 && cy.len() <= 1;
            let rep = if r > 1 {
                format!("({r})")
            } else {
                String::new()
            };
            for c in 1..=cx.len().max(cy.len()) {
                let vx = cx.get(c - 1).filter(|v| !v.is_empty());
                let vy = cy.get(c - 1).filter(|v| !v.is_empty());
                let kind = match (vx, vy) {
                    (None, None) => continue,
                    (Some(p), Some(q)) if equal_values(p, q) => continue,
                    (None, Some(_)) => ChangeKind::Added,
                    (Some(_), None) => ChangeKind::Removed,
                    _ => ChangeKind::Changed,
                };
                if ignore.covers(name, occurrence, (f32, r as u32, c as u32)) {
                    continue;
                }
                let path = if simple {
                    format!("{label}-{f}{rep}")
                } else {
                    format!("{label}-{f}{rep}.{c}")
                };
                out.push(Difference { path, kind });
            }
        }
    }
}

/// Answers "does this update change anything that matters?" without state:
/// the caller keeps the previous message for the same key (say PID-3), or
/// just its [`fingerprint`](ChangeDetector::fingerprint), wherever it likes.
///
/// ```
/// use pipehat::{diff::ChangeDetector, Message};
/// let detector = ChangeDetector::new(["MSH-7", "MSH-10", "EVN-2", "PV1-44"])?;
/// let first = Message::parse(b"MSH|^~\\&|A||||20240101||ADT^A08|1|P|2.5\rEVN|A08|20240101\rPID|1||7||DOE^JO\r")?;
/// let again = Message::parse(b"MSH|^~\\&|A||||20240102||ADT^A08|2|P|2.5\rEVN|A08|20240102\rPID|1||7||DOE^JO\r")?;
/// let moved = Message::parse(b"MSH|^~\\&|A||||20240103||ADT^A08|3|P|2.5\rEVN|A08|20240103\rPID|1||7||DOE^JO||1980\r")?;
/// assert!(detector.is_unchanged(&first, &again));
/// assert_eq!(detector.fingerprint(&first), detector.fingerprint(&again));
/// assert_eq!(detector.changes(&again, &moved)[0].path, "PID-7");
/// assert_ne!(detector.fingerprint(&again), detector.fingerprint(&moved));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChangeDetector {
    ignore: Ignore,
}

impl ChangeDetector {
    /// A detector that leaves out the given segments and paths (see [`Ignore`]).
    pub fn new<I, S>(ignore: I) -> Result<ChangeDetector, PathError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Ok(ChangeDetector {
            ignore: Ignore::parse(ignore)?,
        })
    }

    /// The differences that are not ignored.
    pub fn changes(&self, previous: &Message<'_>, current: &Message<'_>) -> Vec<Difference> {
        diff_ignoring(previous, current, &self.ignore)
    }

    /// Whether `current` differs from `previous` only where ignored.
    pub fn is_unchanged(&self, previous: &Message<'_>, current: &Message<'_>) -> bool {
        self.changes(previous, current).is_empty()
    }

    /// A 16-hex-digit digest of everything not ignored: two messages have the
    /// same fingerprint exactly when [`is_unchanged`](Self::is_unchanged)
    /// holds between them (barring a 64-bit hash collision). Independent of
    /// the order of segments of different names, and the same in every
    /// language and on every platform.
    pub fn fingerprint(&self, message: &Message<'_>) -> String {
        let mut sum = 0u64;
        let mut counts: Vec<(&[u8], u32)> = Vec::new();
        for segment in message.segments() {
            let name = segment.name_bytes();
            let occurrence = match counts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, k)) => {
                    *k += 1;
                    *k
                }
                None => {
                    counts.push((name, 1));
                    1
                }
            };
            if self.ignore.covers(name, occurrence, (0, 0, 0)) {
                continue;
            }
            sum = sum.wrapping_add(leaf_hash(name, occurrence, (0, 0, 0), b""));
            for (f, field) in segment.fields().enumerate() {
                let f = f as u32 + 1;
                if field.is_empty() {
                    continue;
                }
                if segment.is_header() && f <= 2 {
                    if !self.ignore.covers(name, occurrence, (f, 1, 1)) {
                        let leaf = (f, 1, 1);
                        sum = sum.wrapping_add(leaf_hash(name, occurrence, leaf, field.as_bytes()));
                    }
                    continue;
                }
                for (r, rep) in field.repetitions().enumerate() {
                    for (c, comp) in rep.components().enumerate() {
                        let leaf = (f, r as u32 + 1, c as u32 + 1);
                        if comp.is_empty() || self.ignore.covers(name, occurrence, leaf) {
                            continue;
                        }
                        let value: Cow<'_, [u8]> = if comp.is_composite() {
                            Cow::Borrowed(comp.as_bytes())
                        } else {
                            match comp.value() {
                                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
                            }
                        };
                        sum = sum.wrapping_add(leaf_hash(name, occurrence, leaf, &value));
                    }
                }
            }
        }
        format!("{sum:016x}")
    }
}

/// FNV-1a over the leaf's coordinates and value, finished with the
/// SplitMix64 mixer so that summing leaves keeps the bits spread.
fn leaf_hash(name: &[u8], occurrence: u32, (f, r, c): Leaf, value: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(name);
    eat(&[0xFF]);
    for n in [occurrence, f, r, c] {
        eat(&n.to_le_bytes());
    }
    eat(value);
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
