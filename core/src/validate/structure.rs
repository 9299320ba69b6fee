//! The structure matcher: segment order, groups and cardinality.

use super::check::same;
use crate::dictionary::Item;
use alloc::vec::Vec;

/// Matches segment names against a structure greedily, as HL7 structures
/// are designed to be read: each item takes as many segments as it may.
pub(super) struct Matcher<'n> {
    pub(super) names: &'n [(usize, &'n str)],
    pub(super) pos: usize,
    /// (segment index where expected, name) of required segments not found.
    pub(super) missing: Vec<(usize, &'static str)>,
}

/// Whether `item` can begin with segment `name`.
pub(super) fn starts(item: &Item, name: &str) -> bool {
    match item {
        Item::Segment { name: n, .. } => same(n.as_bytes(), name.as_bytes()),
        Item::Group { items, .. } => {
            for i in items.iter() {
                if starts(i, name) {
                    return true;
                }
                let optional = match i {
                    Item::Segment { min, .. } | Item::Group { min, .. } => *min == 0,
                };
                if !optional {
                    return false;
                }
            }
            false
        }
    }
}

impl Matcher<'_> {
    pub(super) fn current(&self) -> Option<&str> {
        self.names.get(self.pos).map(|(_, n)| *n)
    }

    pub(super) fn at(&self) -> usize {
        self.names.get(self.pos).map_or(usize::MAX, |(i, _)| *i)
    }

    /// Matches a sequence of items, each taking as many segments as it may.
    pub(super) fn sequence(&mut self, items: &'static [Item]) {
        for item in items {
            let (min, max) = match item {
                Item::Segment { min, max, .. } | Item::Group { min, max, .. } => {
                    (u32::from(*min), u32::from(*max))
                }
            };
            let mut count = 0u32;
            while max == 0 || count < max {
                let Some(name) = self.current() else { break };
                if !starts(item, name) {
                    break;
                }
                match item {
                    Item::Segment { .. } => self.pos += 1,
                    Item::Group { items, .. } => {
                        let before = self.pos;
                        self.sequence(items);
                        if self.pos == before {
                            break;
                        }
                    }
                }
                count += 1;
            }
            if count < min {
                let name = match item {
                    Item::Segment { name, .. } => *name,
                    Item::Group { items, .. } => first_required(items)
                        .or_else(|| first_segment(items))
                        .unwrap_or("?"),
                };
                self.missing.push((self.at(), name));
            }
        }
    }
}

/// The first segment a group names (for a group whose segments are all optional).
pub(super) fn first_segment(items: &'static [Item]) -> Option<&'static str> {
    items.iter().find_map(|i| match i {
        Item::Segment { name, .. } => Some(*name),
        Item::Group { items, .. } => first_segment(items),
    })
}

pub(super) fn first_required(items: &'static [Item]) -> Option<&'static str> {
    items.iter().find_map(|i| match i {
        Item::Segment { name, min, .. } if *min > 0 => Some(*name),
        Item::Group { items, min, .. } if *min > 0 => first_required(items),
        _ => None,
    })
}
