//! Short strings made once and shared. Real feeds repeat most of their
//! short values from message to message (segment names, message types,
//! facilities, codes, units, flags); making a Python string costs an
//! allocation, a copy and later a free, while finding it again costs a hash
//! and a 16-byte comparison. Measured on the benchmark workload, a cache of
//! 1,024 slots finds 86-92% of the non-empty values of 16 bytes or fewer.
//!
//! One cache per thread (its strings are used with the GIL held, by the
//! thread that made them), direct-mapped: a value replaces whatever its
//! slot held. A tree walk borrows the thread's cache for its whole length
//! ([`Strings::take`]), so that each value costs no thread-local lookup.
//! Strings are immutable, so sharing one is invisible to users except
//! through `is`.

use pyo3::prelude::*;
use pyo3::types::PyString;
use std::cell::RefCell;

/// Values longer than this are made every time (few repeat).
const LONGEST: usize = 16;
/// Slots in a thread's cache: 2^BITS.
const BITS: u32 = 10;

#[derive(Default)]
struct Slot {
    /// The value's bytes as [`key`] packs them, and its length.
    key: (u64, u64),
    len: u8,
    text: Option<Py<PyString>>,
}

thread_local! {
    static CACHE: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// The bytes of a value of 1 to 16 bytes in two words, without a copy:
/// overlapping reads that cover every byte (with the length, the two words
/// tell values apart exactly).
fn key(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    let word = |at: usize| {
        let bytes = b.get(at..at + 8).and_then(|w| w.try_into().ok());
        u64::from_le_bytes(bytes.unwrap_or_default())
    };
    let half = |at: usize| {
        let bytes = b.get(at..at + 4).and_then(|w| w.try_into().ok());
        u64::from(u32::from_le_bytes(bytes.unwrap_or_default()))
    };
    let byte = |at: usize| u64::from(b.get(at).copied().unwrap_or(0));
    match n {
        8.. => (word(0), word(n - 8)),
        4.. => (half(0) | half(n - 4) << 32, 0),
        _ => (
            byte(0) | byte(n / 2) << 8 | byte(n.saturating_sub(1)) << 16,
            0,
        ),
    }
}

/// A thread's cache, lent to one tree walk: given back when dropped.
pub(crate) struct Strings {
    slots: Vec<Slot>,
}

impl Strings {
    /// The thread's cache (a new one when another walk on this thread,
    /// run from inside the first, holds it).
    pub(crate) fn take() -> Strings {
        let mut slots: Vec<Slot> = CACHE
            .try_with(|cache| {
                cache
                    .try_borrow_mut()
                    .map(|mut c| std::mem::take(&mut *c))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        if slots.is_empty() {
            slots.resize_with(1 << BITS, Slot::default);
        }
        Strings { slots }
    }

    /// `text` as a Python string: the cached one when it is short and was
    /// made lately on this thread, else a new one (then cached if short).
    pub(crate) fn get<'py>(&mut self, py: Python<'py>, text: &str) -> Bound<'py, PyString> {
        let bytes = text.as_bytes();
        if bytes.is_empty() || bytes.len() > LONGEST {
            return PyString::new(py, text);
        }
        let key = key(bytes);
        let mixed = (key.0 ^ key.1.rotate_left(29) ^ bytes.len() as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let Some(slot) = self.slots.get_mut((mixed >> (64 - BITS)) as usize) else {
            return PyString::new(py, text);
        };
        if usize::from(slot.len) == bytes.len() && slot.key == key {
            if let Some(found) = &slot.text {
                return found.bind(py).clone();
            }
        }
        let made = PyString::new(py, text);
        *slot = Slot {
            key,
            len: bytes.len() as u8,
            text: Some(made.clone().unbind()),
        };
        made
    }
}

impl Drop for Strings {
    fn drop(&mut self) {
        let slots = std::mem::take(&mut self.slots);
        let _ = CACHE.try_with(|cache| {
            if let Ok(mut c) = cache.try_borrow_mut() {
                // A walk run from inside this one gave its cache back first:
                // this one, the older, replaces it.
                *c = slots;
            }
        });
    }
}
