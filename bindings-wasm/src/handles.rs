//! The plumbing of the hot path: a scratch buffer in WebAssembly memory
//! through which paths and values cross without per-call string
//! conversions, compiled paths, messages addressed by small handles, and a
//! pool of freed message buffers. It carries bytes only.

use crate::errors::{parse_error, path_error};
use crate::message::NativeMessage;
use crate::options::parse_options;
use pipehat::{OwnedMessage, ParseOptions};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

// A reusable byte buffer in WebAssembly memory through which the facade passes
// message bytes and paths in, and values out, without wasm-bindgen's per-call
// string conversions. It carries bytes only; every HL7 decision stays in the core.
thread_local! {
    pub(crate) static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Where `getCompiled` leaves a value that is not stored as is (decoded).
    pub(crate) static VALUE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    pub(crate) static LAST_ERROR: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    /// Paths parsed once by `compilePath`, addressed by index.
    pub(crate) static PATHS: RefCell<Vec<pipehat::Path>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with the first `len` bytes of the scratch buffer.
pub(crate) fn with_scratch<T>(len: usize, f: impl FnOnce(&[u8]) -> T) -> T {
    SCRATCH.with(|s| {
        let s = s.borrow();
        f(&s[..len.min(s.len())])
    })
}

/// Parses the path in the first `len` scratch bytes and keeps it; returns its
/// id, or -2 on a path error (see takeError).
#[wasm_bindgen(js_name = compilePath)]
pub fn compile_path(len: usize) -> i32 {
    let parsed = with_scratch(len, |bytes| match std::str::from_utf8(bytes) {
        Ok(p) => p.parse::<pipehat::Path>(),
        Err(_) => "".parse::<pipehat::Path>(),
    });
    match parsed {
        Ok(p) => PATHS.with(|paths| {
            let mut paths = paths.borrow_mut();
            paths.push(p);
            paths.len() as i32 - 1
        }),
        Err(e) => {
            LAST_ERROR.with(|l| *l.borrow_mut() = Some(path_error(&e)));
            -2
        }
    }
}

/// Whether the text in the first `len` scratch bytes reads as an ERR
/// segment's location (the core's `ErrLocation::parse`, which
/// `Issue::location` and `AckError::from_parts` use): `ackErrors` passes an
/// issue's path only then, as the core's `Report::ack_errors` does.
#[wasm_bindgen(js_name = readsAsLocation)]
pub fn reads_as_location(len: usize) -> bool {
    with_scratch(len, |bytes| {
        std::str::from_utf8(bytes).is_ok_and(|t| pipehat::ack::ErrLocation::parse(t).is_ok())
    })
}

/// Makes the scratch buffer at least `len` bytes long and returns its
/// address. It never shrinks, so its address changes only when it grows and
/// the facade can keep one view of it.
#[wasm_bindgen(js_name = scratchReserve)]
pub fn scratch_reserve(len: usize) -> usize {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < len {
            s.resize(len, 0);
        }
        s.as_mut_ptr() as usize
    })
}

/// Turns text the facade wrote into the scratch buffer as UTF-16 (`units`
/// little-endian code units from byte `units` on) into UTF-8 from the
/// buffer's start, and returns its length in bytes: Node copies a string's
/// code units at the same speed whatever V8 holds it as, where its UTF-8
/// encoders are many times slower for some strings (a slice of a longer
/// string in Node 24, a string with a character above U+00FF in every
/// version). A lone surrogate becomes U+FFFD, as in `TextEncoder`.
///
/// The buffer must already hold `3 * units` bytes (the facade reserves
/// them: growing it here could move it under the facade's view); returns -1,
/// having changed nothing, when it does not. The UTF-8 never overtakes the
/// text still to be read: after `k` units it holds at most `3 * k` bytes,
/// and the next unit starts at byte `units + 2 * k`.
#[wasm_bindgen(js_name = utf16ToUtf8)]
pub fn utf16_to_utf8(units: usize) -> i32 {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let end = match units.checked_mul(3) {
            Some(end) if end <= s.len() && end <= i32::MAX as usize => end,
            _ => return -1,
        };
        let (mut r, mut w) = (units, 0);
        let unit_at = |s: &[u8], at: usize| u16::from_le_bytes([s[at], s[at + 1]]);
        while r < end {
            // The usual message is all ASCII: runs of it many units at a time.
            (r, w) = ascii_units(&mut s, r, w, end);
            if r >= end {
                break;
            }
            let unit = unit_at(&s, r);
            r += 2;
            if unit < 0x80 {
                s[w] = unit as u8;
                w += 1;
                continue;
            }
            let c = match unit {
                0xD800..=0xDBFF if r < end && (0xDC00..=0xDFFF).contains(&unit_at(&s, r)) => {
                    let low = unit_at(&s, r);
                    r += 2;
                    let scalar =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    char::from_u32(scalar).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
                // A surrogate without its other half is not a character.
                _ => char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER),
            };
            // Three bytes at most for one unit, four for two: after `k`
            // units the UTF-8 ends by byte `3 * k`, which is at most `r`.
            let bytes = c.len_utf8();
            c.encode_utf8(&mut s[w..w + bytes]);
            w += bytes;
        }
        w as i32
    })
}

/// Narrows the ASCII code units from byte `r` of `s` to bytes from `w`
/// (`w <= r`), sixteen at a time, up to the first sixteen that hold another
/// unit or reach past `end`; returns where reading and writing stopped.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn ascii_units(s: &mut [u8], mut r: usize, mut w: usize, end: usize) -> (usize, usize) {
    use core::arch::wasm32::*;
    let not_ascii = u16x8_splat(0xFF80);
    let end = end.min(s.len());
    let p = s.as_mut_ptr();
    // Thirty-two units a step while they last, then sixteen.
    while r + 64 <= end {
        // SAFETY: bytes r to r + 64 are within `s` (end <= s.len()), and so
        // are w to w + 32 (w <= r); v128 loads and stores need no alignment.
        // The stores may cover bytes already loaded, never ones still to be read.
        unsafe {
            let a = v128_load(p.add(r) as *const v128);
            let b = v128_load(p.add(r + 16) as *const v128);
            let c = v128_load(p.add(r + 32) as *const v128);
            let d = v128_load(p.add(r + 48) as *const v128);
            if v128_any_true(v128_and(v128_or(v128_or(a, b), v128_or(c, d)), not_ascii)) {
                break;
            }
            v128_store(p.add(w) as *mut v128, u8x16_narrow_i16x8(a, b));
            v128_store(p.add(w + 16) as *mut v128, u8x16_narrow_i16x8(c, d));
        }
        (r, w) = (r + 64, w + 32);
    }
    while r + 32 <= end {
        // SAFETY: as above, for bytes r to r + 32 and w to w + 16.
        unsafe {
            let a = v128_load(p.add(r) as *const v128);
            let b = v128_load(p.add(r + 16) as *const v128);
            if v128_any_true(v128_and(v128_or(a, b), not_ascii)) {
                break;
            }
            // Units below 0x80 narrow to themselves.
            v128_store(p.add(w) as *mut v128, u8x16_narrow_i16x8(a, b));
        }
        (r, w) = (r + 32, w + 16);
    }
    (r, w)
}

/// Without vector instructions (never in a build that ships: the npm
/// package's are made with simd128), no run is taken ahead and the general
/// loop converts every unit.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn ascii_units(_: &mut [u8], r: usize, w: usize, _: usize) -> (usize, usize) {
    (r, w)
}

/// The module's memory, for the facade's views of the scratch buffer.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The error of the last call that returned -2.
#[wasm_bindgen(js_name = takeError)]
pub fn take_error() -> JsValue {
    LAST_ERROR
        .with(|e| e.borrow_mut().take())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Messages parsed by `parseHandle`, addressed by a small number. The
/// facade's `Message` holds the number and, if it is still alive when the
/// event loop turns, registers itself with the number as held value in a
/// FinalizationRegistry of its own, usually without an unregister token: in
/// V8 a wasm-bindgen object's registration and unregistration cost about as
/// much as parsing a short message (see `Slot::Spent`, and `track()` and SPENT_LIMIT
/// in npm/lib/api.mjs). A message that needs a method beyond the hot ones
/// below is moved out into a `NativeMessage` object (`messageTake`).
pub(crate) struct Handles {
    pub(crate) slots: Vec<Slot>,
    /// Slots that can be given out again.
    pub(crate) vacant: Vec<u32>,
}

pub(crate) enum Slot {
    Live(NativeMessage),
    /// Freed or moved out, but its `Message` may still be alive: the slot is
    /// not given out again until the FinalizationRegistry releases it, so
    /// that a late release can never free another message.
    Spent,
    Vacant,
}

thread_local! {
    // Made at compile time: no check for a first use on every call.
    pub(crate) static MESSAGES: RefCell<Handles> = const {
        RefCell::new(Handles {
            slots: Vec::new(),
            vacant: Vec::new(),
        })
    };
}

/// Runs `f` on the message at `handle`, or returns `absent`.
pub(crate) fn with_handle<T>(handle: u32, absent: T, f: impl FnOnce(&mut NativeMessage) -> T) -> T {
    MESSAGES.with(|m| match m.borrow_mut().slots.get_mut(handle as usize) {
        Some(Slot::Live(message)) => f(message),
        _ => absent,
    })
}

/// Parses the first `len` bytes of the scratch buffer with the default
/// options; returns the new message's handle, or -1 with the error left for
/// `takeError`.
///
/// The options go to another export, `parseHandleWith`: an optional
/// argument would cost a call back into JavaScript on every parse (to tell
/// `undefined` apart).
#[wasm_bindgen(js_name = parseHandle)]
pub fn parse_handle(len: usize) -> i32 {
    status(parse_into_slot(len, &ParseOptions::default()))
}

/// `parseHandle` with parse options.
#[wasm_bindgen(js_name = parseHandleWith)]
pub fn parse_handle_with(len: usize, options: JsValue) -> i32 {
    status(parse_options(&options).and_then(|o| parse_into_slot(len, &o)))
}

/// A handle or 0 as is; an error as -1, left for `takeError`.
pub(crate) fn status(result: Result<i32, JsValue>) -> i32 {
    result.unwrap_or_else(|e| {
        LAST_ERROR.with(|l| *l.borrow_mut() = Some(e));
        -1
    })
}

/// Parses the first `len` scratch bytes into a new slot; the message moves
/// straight from the parser into its slot.
pub(crate) fn parse_into_slot(len: usize, options: &ParseOptions) -> Result<i32, JsValue> {
    let message = match pooled(len) {
        // A freed message's buffers, parsed into again.
        Some(mut message) => match message.reparse_scratch_with(len, options) {
            Ok(()) => message,
            Err(e) => {
                recycle(message);
                return Err(e);
            }
        },
        None => {
            let bytes = with_scratch(len, <[u8]>::to_vec);
            let message = OwnedMessage::parse_with(bytes, &options.lazy(true))
                .map_err(|e| with_scratch(len, |input| parse_error(&e, input)))?;
            NativeMessage::new(message)
        }
    };
    Ok(MESSAGES.with(|m| {
        let mut m = m.borrow_mut();
        let slot = Slot::Live(message);
        match m.vacant.pop() {
            Some(at) => {
                m.slots[at as usize] = slot;
                at as i32
            }
            None => {
                m.slots.push(slot);
                m.slots.len() as i32 - 1
            }
        }
    }))
}

/// Parses the first `len` scratch bytes into the message at `handle` with
/// the default options, reusing its buffers; returns 0, or -1 with the error
/// left for `takeError` (the message is then empty).
#[wasm_bindgen(js_name = reparseHandle)]
pub fn reparse_handle(handle: u32, len: usize) -> i32 {
    status(reparse_slot(handle, len, &ParseOptions::default()))
}

/// `reparseHandle` with parse options.
#[wasm_bindgen(js_name = reparseHandleWith)]
pub fn reparse_handle_with(handle: u32, len: usize, options: JsValue) -> i32 {
    status(parse_options(&options).and_then(|o| reparse_slot(handle, len, &o)))
}

pub(crate) fn reparse_slot(
    handle: u32,
    len: usize,
    options: &ParseOptions,
) -> Result<i32, JsValue> {
    with_handle(handle, Ok(()), |m| m.reparse_scratch_with(len, options)).map(|()| 0)
}

/// `NativeMessage.getCompiled` on the message at `handle` (-1 once freed).
#[wasm_bindgen(js_name = messageGet)]
pub fn message_get(handle: u32, id: usize, raw: bool) -> f64 {
    with_handle(handle, -1.0, |m| m.get_compiled(id, raw))
}

/// Where the bytes of the message at `handle` lie in this module's memory,
/// for the facade to copy them into the full module without moving the
/// message out of its handle: `length * 2^32 + address`, or -1 when the
/// handle is not live and -2 from 2 MiB on (a double holds both exactly only
/// below that; the facade then copies through `toBytes`).
#[wasm_bindgen(js_name = messageInput)]
pub fn message_input(handle: u32) -> f64 {
    with_handle(handle, -1.0, |m| {
        let message = m.quick();
        let bytes = message.as_bytes();
        if bytes.len() >= 1 << 21 {
            return -2.0;
        }
        bytes.len() as f64 * 4_294_967_296.0 + f64::from(bytes.as_ptr() as usize as u32)
    })
}

/// `NativeMessage::get_all` of the message at `handle`.
#[wasm_bindgen(js_name = messageGetAll)]
pub fn message_get_all(handle: u32, path: &str) -> Result<Vec<String>, JsValue> {
    with_handle(handle, Ok(Vec::new()), |m| m.get_all(path))
}

/// `NativeMessage::diagnostics_json` of the message at `handle`.
#[wasm_bindgen(js_name = messageDiagnostics)]
pub fn message_diagnostics(handle: u32) -> String {
    with_handle(handle, String::from("[]"), |m| m.diagnostics_json())
}

/// `NativeMessage::to_json_string` (`lossless`: `to_lossless_json_string`)
/// of the message at `handle`, which stays there (moving it into an object
/// costs more than writing a short message's JSON).
#[wasm_bindgen(js_name = messageJson)]
pub fn message_json(handle: u32, lossless: bool) -> String {
    with_handle(handle, String::new(), |m| {
        if lossless {
            m.to_lossless_json_string()
        } else {
            m.to_json_string()
        }
    })
}

/// Header value `k` of the message at `handle` (see `NativeMessage::header_value`).
#[wasm_bindgen(js_name = messageHeaderValue)]
pub fn message_header_value(handle: u32, k: u32) -> Option<String> {
    with_handle(handle, None, |m| m.header_value(k))
}

/// Moves the message at `handle` out into an object. The slot is then
/// spent, or vacant when `vacate` (its registration was removed).
#[wasm_bindgen(js_name = messageTake)]
pub fn message_take(handle: u32, vacate: bool) -> Option<NativeMessage> {
    MESSAGES.with(|m| {
        let mut m = m.borrow_mut();
        let slot = m.slots.get_mut(handle as usize)?;
        if !matches!(slot, Slot::Live(_)) {
            return None;
        }
        let next = if vacate { Slot::Vacant } else { Slot::Spent };
        let Slot::Live(message) = std::mem::replace(slot, next) else {
            return None;
        };
        if vacate {
            m.vacant.push(handle);
        }
        Some(message)
    })
}

/// Frees the message at `handle` now (`free()`); the slot is then spent, or
/// vacant when `vacate`.
#[wasm_bindgen(js_name = messageFree)]
pub fn message_free(handle: u32, vacate: bool) {
    if let Some(message) = message_take(handle, vacate) {
        recycle(message);
    }
}

// A few messages freed by `free()`, kept for `parseHandle` to parse into:
// their byte buffer and index are reused instead of allocated and freed
// again for every message of a parse-read-free loop. Only small ones are
// kept, so the pool holds at most POOL_SIZE * POOL_MAX_BYTES.
pub(crate) const POOL_SIZE: usize = 4;
pub(crate) const POOL_MAX_BYTES: usize = 64 * 1024;

thread_local! {
    pub(crate) static POOL: RefCell<Vec<NativeMessage>> = const { RefCell::new(Vec::new()) };
}

/// A pooled message whose buffers suit an input of `len` bytes: not much
/// larger than a fresh parse would make them, since the message may be kept.
pub(crate) fn pooled(len: usize) -> Option<NativeMessage> {
    POOL.with(|p| {
        let mut pool = p.borrow_mut();
        let at = pool.iter().rposition(|m| m.heap_size() <= 2 * len + 1024)?;
        Some(pool.swap_remove(at))
    })
}

/// Keeps `message` for a later parse when it is small, in place of the one
/// kept longest if the pool is full (so that the pool follows the sizes
/// parsed lately); frees it otherwise.
pub(crate) fn recycle(message: NativeMessage) {
    if message.heap_size() <= POOL_MAX_BYTES {
        POOL.with(|p| {
            let mut pool = p.borrow_mut();
            if pool.len() == POOL_SIZE {
                pool.remove(0);
            }
            pool.push(message);
        });
    }
}

/// The FinalizationRegistry's call once the `Message` holding `handle` is
/// collected: frees its message if still there and gives the slot out again.
/// Returns whether the slot was spent (freed earlier).
#[wasm_bindgen(js_name = messageRelease)]
pub fn message_release(handle: u32) -> bool {
    let (was_spent, released) = MESSAGES.with(|m| {
        let mut m = m.borrow_mut();
        let Some(slot) = m.slots.get_mut(handle as usize) else {
            return (false, None);
        };
        if matches!(slot, Slot::Vacant) {
            return (false, None);
        }
        let old = std::mem::replace(slot, Slot::Vacant);
        m.vacant.push(handle);
        (matches!(old, Slot::Spent), Some(old))
    });
    drop(released);
    was_spent
}
