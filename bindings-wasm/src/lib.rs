//! `pipehat-wasm`: wasm-bindgen wrappers over the pipehat core. They convert
//! arguments and results; every HL7 decision is made in the core. The npm
//! package's facade (npm/src/api.js) turns the plain error objects thrown here
//! into `HL7ParseError` / `HL7PathError` and gives the API its final shape.

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod alloc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use pipehat::stream::{split as split_chunks, ChunkKind};
use pipehat::{OwnedMessage, ParseOptions, SegmentTerminator, Severity};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

// A reusable byte buffer in WebAssembly memory through which the facade passes
// message bytes and paths in, and values out, without wasm-bindgen's per-call
// string conversions. It carries bytes only; every HL7 decision stays in the core.
thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Where `getCompiled` leaves a value that is not stored as is (decoded).
    static VALUE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static LAST_ERROR: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    /// Paths parsed once by `compilePath`, addressed by index.
    static PATHS: RefCell<Vec<pipehat::Path>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with the first `len` bytes of the scratch buffer.
fn with_scratch<T>(len: usize, f: impl FnOnce(&[u8]) -> T) -> T {
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
#[derive(Default)]
struct Handles {
    slots: Vec<Slot>,
    /// Slots that can be given out again.
    vacant: Vec<u32>,
}

enum Slot {
    Live(NativeMessage),
    /// Freed or moved out, but its `Message` may still be alive: the slot is
    /// not given out again until the FinalizationRegistry releases it, so
    /// that a late release can never free another message.
    Spent,
    Vacant,
}

thread_local! {
    static MESSAGES: RefCell<Handles> = RefCell::new(Handles::default());
}

/// Runs `f` on the message at `handle`, or returns `absent`.
fn with_handle<T>(handle: u32, absent: T, f: impl FnOnce(&mut NativeMessage) -> T) -> T {
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
fn status(result: Result<i32, JsValue>) -> i32 {
    result.unwrap_or_else(|e| {
        LAST_ERROR.with(|l| *l.borrow_mut() = Some(e));
        -1
    })
}

/// Parses the first `len` scratch bytes into a new slot; the message moves
/// straight from the parser into its slot.
fn parse_into_slot(len: usize, options: &ParseOptions) -> Result<i32, JsValue> {
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

fn reparse_slot(handle: u32, len: usize, options: &ParseOptions) -> Result<i32, JsValue> {
    with_handle(handle, Ok(()), |m| m.reparse_scratch_with(len, options)).map(|()| 0)
}

/// `NativeMessage.getCompiled` on the message at `handle` (-1 once freed).
#[wasm_bindgen(js_name = messageGet)]
pub fn message_get(handle: u32, id: usize, raw: bool) -> f64 {
    with_handle(handle, -1.0, |m| m.get_compiled(id, raw))
}

/// `NativeMessage.header` on the message at `handle`.
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
const POOL_SIZE: usize = 4;
const POOL_MAX_BYTES: usize = 64 * 1024;

thread_local! {
    static POOL: RefCell<Vec<NativeMessage>> = const { RefCell::new(Vec::new()) };
}

/// A pooled message whose buffers suit an input of `len` bytes: not much
/// larger than a fresh parse would make them, since the message may be kept.
fn pooled(len: usize) -> Option<NativeMessage> {
    POOL.with(|p| {
        let mut pool = p.borrow_mut();
        let at = pool.iter().rposition(|m| m.heap_size() <= 2 * len + 1024)?;
        Some(pool.swap_remove(at))
    })
}

/// Keeps `message` for a later parse when it is small, in place of the one
/// kept longest if the pool is full (so that the pool follows the sizes
/// parsed lately); frees it otherwise.
fn recycle(message: NativeMessage) {
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

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

fn opt_u32(v: Option<u32>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from)
}

fn parse_error(e: &pipehat::ParseError, input: &[u8]) -> JsValue {
    let (line, column) = e.line_column(input);
    let o = Object::new();
    set(&o, "kind", "parse");
    set(&o, "message", format!("{e} [{}]", e.code()));
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    set(&o, "line", line as u32);
    set(&o, "column", column as u32);
    set(&o, "segment", opt_u32(e.segment()));
    set(&o, "field", opt_u32(e.field()));
    o.into()
}

fn path_error(e: &pipehat::PathError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "path");
    set(&o, "message", format!("{e} [{}]", e.code()));
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    o.into()
}

fn type_error(message: &str) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "type");
    set(&o, "message", message);
    o.into()
}

/// Bytes from a `string` (UTF-8) or a `Uint8Array`.
fn input_bytes(input: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    // A view of the caller's array, copied once into WebAssembly memory
    // (`Uint8Array::new` would first copy it into a new JavaScript array).
    if let Some(bytes) = input.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    Err(type_error("input must be a string or a Uint8Array"))
}

fn get_opt(options: &JsValue, key: &str) -> Option<JsValue> {
    if options.is_undefined() || options.is_null() {
        return None;
    }
    Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The parse options of a JS options object (the defaults for undefined or null).
fn parse_options(options: &JsValue) -> Result<ParseOptions, JsValue> {
    let mut o = ParseOptions::default();
    if options.is_undefined() || options.is_null() {
        return Ok(o);
    }
    if let Some(v) = get_opt(options, "strict") {
        o = o.strict(
            v.as_bool()
                .ok_or_else(|| type_error("options.strict must be a boolean"))?,
        );
    }
    if let Some(v) = get_opt(options, "segmentTerminator") {
        let t = match v.as_string().as_deref() {
            Some("\r") | Some("cr") => SegmentTerminator::Cr,
            Some("\n") | Some("lf") => SegmentTerminator::Lf,
            Some("\r\n") | Some("crlf") => SegmentTerminator::CrLf,
            _ => {
                return Err(type_error(
                    "options.segmentTerminator must be '\\r', '\\n' or '\\r\\n'",
                ))
            }
        };
        o = o.segment_terminator(Some(t));
    }
    for (key, set_limit) in [
        (
            "maxMessageSize",
            ParseOptions::max_message_size as fn(ParseOptions, usize) -> ParseOptions,
        ),
        ("maxSegments", ParseOptions::max_segments),
        ("maxFieldLength", ParseOptions::max_field_length),
    ] {
        if let Some(v) = get_opt(options, key) {
            let n = v.as_f64().filter(|n| *n >= 0.0 && n.fract() == 0.0).ok_or_else(|| {
                type_error("options.maxMessageSize, maxSegments and maxFieldLength must be non-negative integers")
            })?;
            o = set_limit(o, n as usize);
        }
    }
    Ok(o)
}

/// Parses one message (or a whole batch file) from bytes.
#[wasm_bindgen(js_name = parseBytes)]
pub fn parse_bytes(input: &[u8], options: JsValue) -> Result<NativeMessage, JsValue> {
    let options = parse_options(&options)?.lazy(true);
    OwnedMessage::parse_with(input.to_vec(), &options)
        .map(NativeMessage::new)
        .map_err(|e| parse_error(&e, input))
}

/// A parsed message held in WebAssembly memory (free it, or let the
/// FinalizationRegistry do so).
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeMessage {
    /// Parsed lazily (segment boundaries only): path reads scan just the
    /// segments they name. Whatever walks every field first completes the
    /// index through `indexed()`.
    inner: RefCell<OwnedMessage>,
}

impl NativeMessage {
    fn new(inner: OwnedMessage) -> Self {
        NativeMessage {
            inner: RefCell::new(inner),
        }
    }

    /// Parses the first `len` scratch bytes into this message, reusing its
    /// buffers; on error the message is left empty.
    fn reparse_scratch_with(&mut self, len: usize, options: &ParseOptions) -> Result<(), JsValue> {
        with_scratch(len, |input| {
            self.inner
                .get_mut()
                .reparse_with(input, &options.lazy(true))
                .map_err(|e| parse_error(&e, input))
        })
    }

    /// The message as parsed: for reads of a few paths.
    fn quick(&self) -> std::cell::Ref<'_, OwnedMessage> {
        self.inner.borrow()
    }

    /// The message with its field index complete: for walks over every field.
    fn indexed(&self) -> std::cell::Ref<'_, OwnedMessage> {
        // Busy only while another view of this message is alive, which
        // then reads it lazily: the same values, more slowly.
        if let Ok(mut m) = self.inner.try_borrow_mut() {
            m.index_fields();
        }
        self.inner.borrow()
    }
}

fn opt_string(v: Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    v.map(|s| s.into_owned())
}

/// Coordinates from JS (field, repetition, component, subcomponent; missing = 0).
fn coordinates(at: &[usize]) -> [usize; 4] {
    let mut out = [0; 4];
    for (o, a) in out.iter_mut().zip(at) {
        *o = *a;
    }
    out
}

#[wasm_bindgen]
impl NativeMessage {
    /// Decoded value at `path`, or undefined.
    pub fn get(&self, path: &str) -> Result<Option<String>, JsValue> {
        self.quick()
            .message()
            .get(path)
            .map(opt_string)
            .map_err(|e| path_error(&e))
    }
    /// Parses the first `len` scratch bytes into this message, reusing its
    /// buffers (the JS `Parser`). On error the message is left empty.
    #[wasm_bindgen(js_name = reparseScratch)]
    pub fn reparse_scratch(&mut self, len: usize, options: JsValue) -> Result<(), JsValue> {
        self.reparse_scratch_with(len, &parse_options(&options)?)
    }

    /// Finds the value at compiled path `id` (decoded, or as written when
    /// `raw`); returns -1 when absent or empty, -2 when 1 MiB or longer, else
    /// `address * 2^21 + length * 2 + (1 unless all ASCII)`, with its UTF-8
    /// bytes at `address`: inside the message when the text is as stored,
    /// else in the scratch buffer, valid until the next call. (A 32-bit
    /// address and a 20-bit length fit exactly in a double.)
    #[wasm_bindgen(js_name = getCompiled)]
    pub fn get_compiled(&self, id: usize, raw: bool) -> f64 {
        let Some(path) = PATHS.with(|p| p.borrow().get(id).copied()) else {
            return -1.0;
        };
        let owned = self.quick();
        let m = owned.message();
        let Ok(Some(value)) = m.value(path) else {
            return -1.0;
        };
        if value.is_empty() {
            return -1.0;
        }
        let bytes_at = |bytes: &[u8], ascii: bool| {
            if bytes.len() >= 1 << 20 {
                return -2.0; // 1 MiB or more: the caller uses `get`/`getRaw`.
            }
            let address = bytes.as_ptr() as usize as u32;
            f64::from(address) * 2_097_152.0 + (bytes.len() * 2 + usize::from(!ascii)) as f64
        };
        // ASCII as stored: handed over in place, with no copy.
        let stored = if raw {
            Some(value.as_bytes()).filter(|b| b.is_ascii())
        } else {
            value.plain_ascii()
        };
        if let Some(bytes) = stored {
            return bytes_at(bytes, true);
        }
        let text = if raw { value.raw() } else { value.value() };
        VALUE.with(|s| {
            let mut s = s.borrow_mut();
            s.clear();
            s.extend_from_slice(text.as_bytes());
            bytes_at(&s, s.is_ascii())
        })
    }

    /// Value at `path` as written, or undefined.
    #[wasm_bindgen(js_name = getRaw)]
    pub fn get_raw(&self, path: &str) -> Result<Option<String>, JsValue> {
        self.quick()
            .message()
            .get_raw(path)
            .map(opt_string)
            .map_err(|e| path_error(&e))
    }
    /// Decoded value of every repetition at `path`.
    #[wasm_bindgen(js_name = getAll)]
    pub fn get_all(&self, path: &str) -> Result<Vec<String>, JsValue> {
        self.quick()
            .message()
            .get_all(path)
            .map(|v| v.into_iter().map(|s| s.into_owned()).collect())
            .map_err(|e| path_error(&e))
    }
    /// Header value `k`: 0 message type, 1 trigger event, 2 message
    /// structure, 3 control id, 4 processing id, 5 version, 6 timestamp,
    /// 7 and 8 sending application and facility, 9 and 10 receiving
    /// application and facility (the order of the facade's getters). One
    /// value per call: building them all as one object cost more than the
    /// parse (about 10 µs).
    #[wasm_bindgen(js_name = headerValue)]
    pub fn header_value(&self, k: u32) -> Option<String> {
        let owned = self.quick();
        let m = owned.message();
        let value = match k {
            0 => m.message_type(),
            1 => m.trigger_event(),
            2 => m.message_structure(),
            3 => m.control_id(),
            4 => m.processing_id(),
            5 => m.version(),
            6 => m.timestamp(),
            7 => m.sending_application(),
            8 => m.sending_facility(),
            9 => m.receiving_application(),
            10 => m.receiving_facility(),
            11 => return m.charset().name().map(str::to_string),
            12 => return Some(m.segment_terminator().as_str().to_string()),
            _ => None,
        };
        value.map(|v| v.into_owned())
    }
    /// The delimiters as one object.
    pub fn delimiters(&self) -> Object {
        let owned = self.quick();
        let d = owned.message().delimiters();
        let delims = Object::new();
        let ch = |b: u8| JsValue::from_str(&(b as char).to_string());
        set(&delims, "field", ch(d.field()));
        set(&delims, "component", ch(d.component()));
        set(&delims, "repetition", ch(d.repetition()));
        set(&delims, "escape", ch(d.escape()));
        set(
            &delims,
            "subcomponent",
            if d.has_subcomponent() {
                ch(d.subcomponent())
            } else {
                JsValue::UNDEFINED
            },
        );
        set(
            &delims,
            "truncation",
            d.truncation().map_or(JsValue::UNDEFINED, ch),
        );
        delims
    }
    /// Diagnostics as JSON text, an array of `{code, severity, offset, line,
    /// column, segment, field, message}` (the facade parses it: one string
    /// is cheaper to cross than an object built property by property).
    #[wasm_bindgen(js_name = diagnosticsJson)]
    pub fn diagnostics_json(&self) -> String {
        use std::fmt::Write;
        // The lazy index will do: only segments holding an escape character
        // or a non-ASCII byte have their fields read.
        let owned = self.quick();
        let input = owned.as_bytes();
        let mut out = String::from("[");
        for (i, d) in owned.message().diagnostics().iter().enumerate() {
            let (line, column) = pipehat::line_column(input, d.offset());
            let severity = match d.severity() {
                Severity::Info => "info",
                Severity::Warning => "warning",
                _ => "error",
            };
            let number = |n: Option<u32>| n.map_or("null".to_string(), |n| n.to_string());
            // Writing to a String cannot fail.
            let _ = write!(
                out,
                "{}{{\"code\":\"{}\",\"severity\":\"{severity}\",\"offset\":{},\"line\":{line},\"column\":{column},\"segment\":{},\"field\":{},\"message\":",
                if i == 0 { "" } else { "," },
                d.code().code(),
                d.offset(),
                number(d.segment()),
                number(d.field()),
            );
            pipehat::json::write_string(&mut out, &d.message().to_string());
            out.push('}');
        }
        out.push(']');
        out
    }
    /// The message as JSON text (the facade's toJSON() parses it).
    #[wasm_bindgen(js_name = toJsonString)]
    pub fn to_json_string(&self) -> String {
        self.indexed().message().to_json()
    }
    /// Lossless JSON text (rebuilds the exact bytes).
    #[wasm_bindgen(js_name = toLosslessJsonString)]
    pub fn to_lossless_json_string(&self) -> String {
        self.indexed().message().to_lossless_json()
    }
    /// The friendly JSON form, for people.
    /// The friendly form keyed by names from the dictionary.
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = toNamedJsonString)]
    pub fn to_named_json_string(&self, version: Option<String>) -> String {
        self.indexed().message().to_named_json(version.as_deref())
    }
    #[wasm_bindgen(js_name = toFriendlyJsonString)]
    pub fn to_friendly_json_string(&self) -> String {
        self.indexed().message().to_friendly_json()
    }
    /// The original text (invalid UTF-8 replaced).
    #[wasm_bindgen(js_name = toText)]
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(self.quick().as_bytes()).into_owned()
    }
    /// The original bytes.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.quick().as_bytes().to_vec()
    }
    /// Segment names in order.
    #[wasm_bindgen(js_name = segmentNames)]
    pub fn segment_names(&self) -> String {
        // One JSON array crosses faster than an array of strings.
        let mut out = String::from("[");
        for (i, s) in self.quick().message().segments().enumerate() {
            if i > 0 {
                out.push(',');
            }
            pipehat::json::write_string(&mut out, &s.name_text());
        }
        out.push(']');
        out
    }
    /// Number of fields in segment `seg`.
    #[wasm_bindgen(js_name = fieldCount)]
    pub fn field_count(&self, seg: usize) -> usize {
        self.indexed()
            .message()
            .segment_at(seg)
            .map_or(0, |s| s.field_count())
    }
    /// Text of segment `seg` as written.
    #[wasm_bindgen(js_name = segmentText)]
    pub fn segment_text(&self, seg: usize) -> Option<String> {
        let owned = self.indexed();
        let m = owned.message();
        m.segment_at(seg)
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
    }
    /// Byte offset of segment `seg`.
    #[wasm_bindgen(js_name = segmentOffset)]
    pub fn segment_offset(&self, seg: usize) -> Option<usize> {
        self.quick().message().segment_at(seg).map(|s| s.offset())
    }
    /// Number of children (repetitions of a field, components of a repetition,
    /// subcomponents of a component) of the element at `at`.
    #[wasm_bindgen(js_name = childCount)]
    pub fn child_count(&self, seg: usize, at: &[usize]) -> usize {
        let owned = self.indexed();
        let m = owned.message();
        match m.value_at(seg, coordinates(at)) {
            Some(pipehat::Value::Field(f)) => f.repetitions().count(),
            Some(pipehat::Value::Repetition(r)) => r.components().count(),
            Some(pipehat::Value::Component(c)) => c.subcomponents().count(),
            _ => 0,
        }
    }
    /// [decoded value, raw value, byte offset, isNull] of the element at `at`, or undefined.
    pub fn element(&self, seg: usize, at: &[usize]) -> JsValue {
        let owned = self.indexed();
        let m = owned.message();
        match m.value_at(seg, coordinates(at)) {
            Some(v) => {
                let a = Array::new();
                a.push(&JsValue::from_str(&v.value()));
                a.push(&JsValue::from_str(&v.raw()));
                a.push(&JsValue::from(v.offset() as u32));
                a.push(&JsValue::from(v.is_null()));
                a.into()
            }
            None => JsValue::UNDEFINED,
        }
    }
    /// Bytes held in WebAssembly memory (input and index).
    #[wasm_bindgen(js_name = heapSize)]
    pub fn heap_size(&self) -> usize {
        self.quick().heap_size()
    }
}

/// A chunk as numbers: its kind (its index in `chunkKinds()`), offset in the
/// stream, end (of its bytes, where they are given), and the counts a
/// trailer declares and counted (-1: none).
fn push_chunk_numbers(out: &mut Vec<f64>, c: &pipehat::stream::Chunk<'_>, offset: f64, end: f64) {
    let kind = ChunkKind::ALL.iter().position(|k| *k == c.kind());
    let count = |n: Option<u64>| n.map_or(-1.0, |n| n as f64);
    out.extend_from_slice(&[
        kind.map_or(-1.0, |k| k as f64),
        offset,
        end,
        count(c.declared_count()),
        count(c.counted()),
    ]);
}

/// The names of the chunk kinds, in the order `splitPacked` numbers them.
#[wasm_bindgen(js_name = chunkKinds)]
pub fn chunk_kinds() -> Vec<String> {
    ChunkKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect()
}

/// Splits a stream into chunks, five numbers each (see `push_chunk_numbers`;
/// the offset is where the chunk's bytes start in `input`).
#[wasm_bindgen(js_name = splitPacked)]
pub fn split_packed(input: &[u8]) -> Vec<f64> {
    let mut out = Vec::new();
    for c in split_chunks(input) {
        let start = c.offset() as f64;
        push_chunk_numbers(&mut out, &c, start, start + c.as_bytes().len() as f64);
    }
    out
}

/// `pipehat::stream::Splitter`: chunks of a stream pushed in pieces.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeSplitter {
    inner: pipehat::stream::Splitter,
}

#[wasm_bindgen]
impl NativeSplitter {
    #[wasm_bindgen(constructor)]
    pub fn new(max_chunk_size: Option<f64>) -> NativeSplitter {
        let inner = match max_chunk_size {
            Some(n) if n >= 0.0 => pipehat::stream::Splitter::with_limit(n as usize),
            _ => pipehat::stream::Splitter::new(),
        };
        NativeSplitter { inner }
    }
    /// Adds the next piece: a string (UTF-8) or a Uint8Array.
    pub fn push(&mut self, input: JsValue) -> Result<(), JsValue> {
        // Owned bytes: taken without a second copy when nothing is buffered.
        if let Some(s) = input.as_string() {
            self.inner.push_vec(s.into_bytes());
        } else if let Some(bytes) = input.dyn_ref::<Uint8Array>() {
            self.inner.push_vec(bytes.to_vec());
        } else {
            return Err(type_error("a piece must be a string or a Uint8Array"));
        }
        Ok(())
    }
    pub fn finish(&mut self) {
        self.inner.finish();
    }
    /// Every chunk complete so far, as `[numbers, bytes, errors]`: five
    /// numbers per chunk (see `push_chunk_numbers`; the end is where its
    /// bytes end in `bytes`, which holds them all one after the other). A
    /// chunk too large (skipped) has kind -1, its offset, no bytes, and its
    /// `{kind: "stream", code, offset}` error next in `errors`.
    pub fn drain(&mut self) -> Array {
        let mut numbers = Vec::new();
        let mut bytes = Vec::new();
        let errors = Array::new();
        while let Some(item) = self.inner.next_chunk() {
            match item {
                Ok(c) => {
                    bytes.extend_from_slice(&c.bytes);
                    let end = bytes.len() as f64;
                    push_chunk_numbers(&mut numbers, &c.as_chunk(), c.offset as f64, end);
                }
                Err(e) => {
                    let offset = e.offset().unwrap_or(0) as f64;
                    numbers.extend_from_slice(&[-1.0, offset, bytes.len() as f64, -1.0, -1.0]);
                    let o = Object::new();
                    set(&o, "kind", "stream");
                    set(&o, "message", format!("{e} [{}]", e.code()));
                    set(&o, "code", e.code());
                    set(&o, "offset", offset);
                    errors.push(&o);
                }
            }
        }
        let out = Array::new();
        out.push(&js_sys::Float64Array::from(&numbers[..]));
        out.push(&Uint8Array::from(&bytes[..]));
        out.push(&errors);
        out
    }
    pub fn buffered(&self) -> f64 {
        self.inner.buffered() as f64
    }
    pub fn position(&self) -> f64 {
        self.inner.position() as f64
    }
}

/// Reads `paths` from every message of `input` in one call, as
/// `[text, cells, offsets, errors]`: every value in one string; two UTF-16
/// positions per cell, row by row (start 0xFFFFFFFF: no value; see
/// `pipehat::extract::Packed`); each message's byte offset in the input; and
/// for each message that could not be parsed, its parse error (positions
/// within that message) with its `row`.
/// `options` holds the parse options (`strict`, limits...) as for `parse`.
#[wasm_bindgen(js_name = extractPacked)]
pub fn extract_packed(
    input: JsValue,
    paths: Vec<String>,
    raw: bool,
    options: JsValue,
) -> Result<Array, JsValue> {
    let parsed: Vec<pipehat::Path> = paths
        .iter()
        .map(|p| p.parse::<pipehat::Path>())
        .collect::<Result<_, _>>()
        .map_err(|e| path_error(&e))?;
    let options = parse_options(&options)?;
    let bytes = input_bytes(&input)?;
    let packed = pipehat::extract::extract_packed(&bytes, &parsed, raw, &options);
    let out = Array::new();
    out.push(&JsValue::from_str(&packed.text));
    out.push(&js_sys::Uint32Array::from(&packed.cells[..]));
    let offsets: Vec<f64> = packed.offsets.iter().map(|&o| o as f64).collect();
    out.push(&js_sys::Float64Array::from(&offsets[..]));
    let errors = Array::new();
    for (row, e) in &packed.errors {
        let message = bytes
            .get(packed.offsets[*row] as usize..)
            .unwrap_or_default();
        let error = parse_error(e, message);
        set(&Object::from(error.clone()), "row", *row as u32);
        errors.push(&error);
    }
    out.push(&errors);
    Ok(out)
}

// ---------------------------------------------------------------------------
// writing: editable messages, acknowledgements, MLLP

fn edit_error(e: &pipehat::EditError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "edit");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    set(&o, "segment", e.segment());
    o.into()
}

fn mllp_issue(i: &pipehat::mllp::MllpIssue) -> Object {
    let o = Object::new();
    set(&o, "kind", "mllp");
    set(&o, "message", i.to_string());
    set(&o, "code", i.code());
    set(
        &o,
        "severity",
        if i.kind().severity() == Severity::Error {
            "error"
        } else {
            "warning"
        },
    );
    set(&o, "offset", i.offset() as f64);
    set(&o, "length", i.length() as f64);
    o
}

fn opt_string_field(options: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    match get_opt(options, key) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| type_error(&format!("options.{key} must be a string"))),
    }
}

/// The new message's MSH-7 (UTC) and MSH-10 when the caller gives none.
fn stamp(options: &JsValue) -> Result<(String, String), JsValue> {
    let id = match opt_string_field(options, "controlId")? {
        Some(id) => id,
        None => {
            let entropy = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
                ^ (js_sys::Date::now() as u64).rotate_left(32);
            pipehat::edit::control_id(entropy)
        }
    };
    let ts = match opt_string_field(options, "timestamp")? {
        Some(ts) => ts,
        None => pipehat::edit::format_timestamp((js_sys::Date::now() / 1000.0) as i64, 0),
    };
    Ok((id, ts))
}

fn ack_options(options: &JsValue) -> Result<pipehat::ack::AckOptions, JsValue> {
    use pipehat::ack::{AckCode, AckError, ErrLocation, ErrSeverity, IncludeDiagnostics};
    let (control_id, timestamp) = stamp(options)?;
    let mut o = pipehat::ack::AckOptions::new(control_id, timestamp);
    if let Some(code) = opt_string_field(options, "code")? {
        o.code = Some(
            AckCode::parse(&code)
                .ok_or_else(|| type_error("options.code must be AA, AE, AR, CA, CE or CR"))?,
        );
    }
    o.text = opt_string_field(options, "text")?;
    o.diagnostics = match opt_string_field(options, "diagnostics")?.as_deref() {
        None | Some("warnings") => IncludeDiagnostics::Warnings,
        Some("errors") => IncludeDiagnostics::Errors,
        Some("none") => IncludeDiagnostics::None,
        Some(_) => {
            return Err(type_error(
                "options.diagnostics must be 'none', 'errors' or 'warnings'",
            ))
        }
    };
    if let Some(errors) = get_opt(options, "errors") {
        if !Array::is_array(&errors) {
            return Err(type_error("options.errors must be an array"));
        }
        for item in Array::from(&errors).iter() {
            let code = get_opt(&item, "code")
                .and_then(|c| c.as_f64())
                .filter(|c| *c >= 0.0 && *c <= 65535.0 && c.fract() == 0.0)
                .ok_or_else(|| type_error("each error needs a numeric code (HL7 table 0357)"))?;
            let mut e = AckError::new(code as u16);
            if let Some(sev) = opt_string_field(&item, "severity")? {
                e.severity = ErrSeverity::parse(&sev).ok_or_else(|| {
                    type_error("severity must be E, W, I or F (or error, warning, info, fatal)")
                })?;
            }
            if let Some(p) = opt_string_field(&item, "path")? {
                let path = pipehat::Path::parse(&p).map_err(|e| path_error(&e))?;
                e.location = Some(ErrLocation::from_path(&path));
            }
            e.text = opt_string_field(&item, "text")?;
            o.errors.push(e);
        }
    }
    Ok(o)
}

fn owned(buf: pipehat::MessageBuf) -> NativeMessage {
    NativeMessage::new(buf.into_owned())
}

#[wasm_bindgen]
impl NativeMessage {
    /// An editable copy.
    pub fn edit(&self) -> NativeEditable {
        NativeEditable {
            inner: pipehat::MessageBuf::from(&self.indexed().message()),
        }
    }

    /// An acknowledgement of this message.
    pub fn ack(&self, options: JsValue) -> Result<NativeMessage, JsValue> {
        let o = ack_options(&options)?;
        self.quick()
            .message()
            .ack(&o)
            .map(owned)
            .map_err(|e| edit_error(&e))
    }

    /// "original" or "enhanced".
    #[wasm_bindgen(js_name = ackMode)]
    pub fn ack_mode(&self) -> String {
        match self.quick().message().ack_mode() {
            pipehat::ack::AckMode::Original => "original".into(),
            _ => "enhanced".into(),
        }
    }

    /// Whether MSH-15/16 ask for an acknowledgement with `code`.
    #[wasm_bindgen(js_name = wantsAck)]
    pub fn wants_ack(&self, code: &str) -> Result<bool, JsValue> {
        let code = pipehat::ack::AckCode::parse(code)
            .ok_or_else(|| type_error("code must be AA, AE, AR, CA, CE or CR"))?;
        Ok(self.quick().message().ack_mode().wants(code))
    }
}

/// Acknowledges raw input whether or not it parses.
#[wasm_bindgen(js_name = ackInput)]
pub fn ack_input(input: JsValue, options: JsValue) -> Result<NativeMessage, JsValue> {
    let bytes = input_bytes(&input)?;
    let parse = parse_options(&options)?;
    let o = ack_options(&options)?;
    match pipehat::ack::ack_bytes(&bytes, &parse, &o) {
        Ok(buf) => Ok(owned(buf)),
        Err(pipehat::ack::AckBytesError::Parse(e)) => Err(parse_error(&e, &bytes)),
        Err(pipehat::ack::AckBytesError::Edit(e)) => Err(edit_error(&e)),
    }
}

/// A new message from header options.
#[wasm_bindgen(js_name = buildMessage)]
pub fn build_message(options: JsValue) -> Result<NativeEditable, JsValue> {
    let (control_id, timestamp) = stamp(&options)?;
    let text = |k: &str, default: &str| -> Result<String, JsValue> {
        Ok(opt_string_field(&options, k)?.unwrap_or_else(|| default.to_string()))
    };
    let delimiters = text("delimiters", "|^~\\&")?.into_bytes();
    if !(delimiters.len() == 5 || delimiters.len() == 6) {
        return Err(type_error(
            "options.delimiters is 5 or 6 characters: field, component, repetition, escape, subcomponent[, truncation]",
        ));
    }
    let d = &delimiters;
    let delimiters = pipehat::Delimiters::new(d[0], d[1], d[2], d[3], d[4], d.get(5).copied())
        .map_err(|e| parse_error(&e, &[]))?;
    let terminator = match text("segmentTerminator", "\r")?.as_str() {
        "\r" | "cr" => SegmentTerminator::Cr,
        "\n" | "lf" => SegmentTerminator::Lf,
        "\r\n" | "crlf" => SegmentTerminator::CrLf,
        _ => {
            return Err(type_error(
                "options.segmentTerminator must be '\\r', '\\n' or '\\r\\n'",
            ))
        }
    };
    let header = pipehat::edit::Header {
        delimiters,
        terminator,
        sending_application: text("sendingApplication", "")?,
        sending_facility: text("sendingFacility", "")?,
        receiving_application: text("receivingApplication", "")?,
        receiving_facility: text("receivingFacility", "")?,
        timestamp,
        message_type: text("messageType", "")?,
        control_id,
        processing_id: text("processingId", "P")?,
        version: text("version", "2.5.1")?,
        charset: opt_string_field(&options, "charset")?,
    };
    pipehat::MessageBuf::new(&header)
        .map(|inner| NativeEditable { inner })
        .map_err(|e| edit_error(&e))
}

/// A message being edited.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeEditable {
    inner: pipehat::MessageBuf,
}

#[wasm_bindgen]
impl NativeEditable {
    /// Parses input for editing.
    #[wasm_bindgen(constructor)]
    pub fn new(input: JsValue) -> Result<NativeEditable, JsValue> {
        let bytes = input_bytes(&input)?;
        pipehat::MessageBuf::parse(bytes.clone())
            .map(|inner| NativeEditable { inner })
            .map_err(|e| {
                let (line, column) = e.line_column(&bytes);
                let o = Object::from(parse_error(&e, &bytes));
                set(&o, "line", line as u32);
                set(&o, "column", column as u32);
                o.into()
            })
    }
    pub fn set(&mut self, path: &str, value: &str) -> Result<(), JsValue> {
        self.inner.set(path, value).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = setRaw)]
    pub fn set_raw(&mut self, path: &str, text: &str) -> Result<(), JsValue> {
        self.inner.set_raw(path, text).map_err(|e| edit_error(&e))
    }
    pub fn insert(&mut self, path: &str, value: &str) -> Result<(), JsValue> {
        self.inner.insert(path, value).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = insertRaw)]
    pub fn insert_raw(&mut self, path: &str, text: &str) -> Result<(), JsValue> {
        self.inner
            .insert_raw(path, text)
            .map_err(|e| edit_error(&e))
    }
    pub fn remove(&mut self, path: &str) -> Result<(), JsValue> {
        self.inner.remove(path).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = appendRepetition)]
    pub fn append_repetition(&mut self, path: &str, value: &str) -> Result<(), JsValue> {
        self.inner
            .push_repetition(path, value)
            .map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = insertSegment)]
    pub fn insert_segment(&mut self, at: usize, text: &str) -> Result<(), JsValue> {
        self.inner
            .insert_segment(at, text)
            .map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = appendSegment)]
    pub fn append_segment(&mut self, text: &str) -> Result<(), JsValue> {
        self.inner.push_segment(text).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = removeSegment)]
    pub fn remove_segment(&mut self, at: usize) -> Result<(), JsValue> {
        self.inner.remove_segment(at).map_err(|e| edit_error(&e))
    }
    pub fn get(&self, path: &str) -> Result<Option<String>, JsValue> {
        self.inner
            .message()
            .get(path)
            .map(opt_string)
            .map_err(|e| path_error(&e))
    }
    #[wasm_bindgen(js_name = toMessage)]
    pub fn to_message(&self) -> NativeMessage {
        owned(self.inner.clone())
    }
    #[wasm_bindgen(js_name = toText)]
    pub fn to_text(&self) -> String {
        self.inner.to_string()
    }
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.as_bytes().to_vec()
    }
    #[wasm_bindgen(js_name = segmentCount)]
    pub fn segment_count(&self) -> usize {
        self.inner.segment_count()
    }
}

/// One MLLP frame around the input.
#[wasm_bindgen(js_name = mllpEncode)]
pub fn mllp_encode(input: JsValue) -> Result<Vec<u8>, JsValue> {
    Ok(pipehat::mllp::encode(&input_bytes(&input)?))
}

/// An incremental MLLP decoder.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeMllpDecoder {
    inner: pipehat::mllp::Decoder,
}

#[wasm_bindgen]
impl NativeMllpDecoder {
    #[wasm_bindgen(constructor)]
    pub fn new(max_frame_size: Option<f64>) -> NativeMllpDecoder {
        let inner = match max_frame_size {
            Some(n) if n >= 0.0 => pipehat::mllp::Decoder::with_max_frame_size(n as usize),
            _ => pipehat::mllp::Decoder::new(),
        };
        NativeMllpDecoder { inner }
    }
    /// Feeds a chunk; returns the completed frames (throws for a frame too
    /// large, after the frames before it were returned).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Array, JsValue> {
        self.inner.push(chunk);
        let mut frames = Vec::new();
        self.inner
            .read_frames(&mut frames)
            .map_err(|e| JsValue::from(mllp_issue(&e)))?;
        Ok(frames
            .iter()
            .map(|f| JsValue::from(Uint8Array::from(&f[..])))
            .collect())
    }
    pub fn finish(&mut self) {
        self.inner.finish();
    }
    pub fn issues(&self) -> Array {
        self.inner
            .issues()
            .iter()
            .map(|i| JsValue::from(mllp_issue(i)))
            .collect()
    }
    pub fn buffered(&self) -> usize {
        self.inner.buffered()
    }
}

/// Rebuilds a message from lossless JSON text.
#[wasm_bindgen(js_name = fromLosslessJson)]
pub fn from_lossless_json(json: &str) -> Result<NativeMessage, JsValue> {
    match pipehat::MessageBuf::from_lossless_json(json) {
        Ok(buf) => Ok(owned(buf)),
        Err(e) => Err(match e.parse_error() {
            Some(p) => parse_error(&p, &[]),
            None => {
                let o = Object::new();
                set(&o, "kind", "json");
                set(&o, "message", e.to_string());
                set(&o, "code", e.code());
                set(&o, "offset", e.offset() as u32);
                o.into()
            }
        }),
    }
}

// ---------------------------------------------------------------------------
// typed values

fn datatype_error(e: &pipehat::datatype::DatatypeError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "datatype");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    o.into()
}

/// A composite as JSON text, its component names in camelCase (the facade
/// parses it: one string crosses instead of an object set key by key).
fn composite_json(c: &pipehat::datatype::Composite<'_>, out: &mut String) {
    out.push('{');
    for (i, (name, part)) in c.parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        let mut upper = false;
        for ch in name.chars() {
            match ch {
                '_' => upper = true,
                _ if upper => {
                    out.push(ch.to_ascii_uppercase());
                    upper = false;
                }
                _ => out.push(ch),
            }
        }
        out.push_str("\":");
        match part {
            pipehat::datatype::TypedPart::Text(Some(t)) => pipehat::json::write_string(out, t),
            pipehat::datatype::TypedPart::Text(None) => out.push_str("null"),
            pipehat::datatype::TypedPart::Composite(n) => composite_json(n, out),
        }
    }
    out.push('}');
}

fn datatype_arg(name: &str) -> Result<pipehat::datatype::Datatype, JsValue> {
    pipehat::datatype::Datatype::parse(name).ok_or_else(|| {
        type_error("datatype must be one of XPN, CX, XAD, XTN, CWE, CE, HD, EI, FN, SAD")
    })
}

#[wasm_bindgen]
impl NativeMessage {
    /// The date-time at `path` as JSON text, `{isNull, precision, iso,
    /// offsetMinutes, parts, utcMillis}` (parts: year, month, day, hour,
    /// minute, second, milliseconds; the facade adds a Date), or undefined.
    #[wasm_bindgen(js_name = getDateTime)]
    pub fn get_datetime(&self, path: &str) -> Result<Option<String>, JsValue> {
        let owned = self.quick();
        let msg = owned.message();
        let v = match msg.datetime(path).map_err(|e| path_error(&e))? {
            None => return Ok(None),
            Some(Err(e)) => return Err(datatype_error(&e)),
            Some(Ok(v)) => v,
        };
        Ok(Some(match v {
            pipehat::datatype::Dtm::Null => {
                r#"{"isNull":true,"precision":null,"iso":null,"offsetMinutes":null}"#.to_string()
            }
            pipehat::datatype::Dtm::Value(t) => {
                let offset = t
                    .offset_minutes()
                    .map_or("null".to_string(), |m| m.to_string());
                format!(
                    r#"{{"isNull":false,"precision":"{}","iso":"{}","offsetMinutes":{offset},"parts":[{},{},{},{},{},{},{}],"utcMillis":{}}}"#,
                    t.precision().as_str(),
                    t.to_iso8601(),
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.nanos() / 1_000_000,
                    t.unix_millis(0),
                )
            }
        }))
    }

    /// The NM at `path`, or undefined.
    #[wasm_bindgen(js_name = getNumber)]
    pub fn get_number(&self, path: &str) -> Result<Option<f64>, JsValue> {
        match self
            .quick()
            .message()
            .number(path)
            .map_err(|e| path_error(&e))?
        {
            None => Ok(None),
            Some(r) => r.map(Some).map_err(|e| datatype_error(&e)),
        }
    }

    /// The SI at `path`, or undefined.
    #[wasm_bindgen(js_name = getSequenceId)]
    pub fn get_sequence_id(&self, path: &str) -> Result<Option<u32>, JsValue> {
        match self
            .quick()
            .message()
            .sequence_id(path)
            .map_err(|e| path_error(&e))?
        {
            None => Ok(None),
            Some(r) => r.map(Some).map_err(|e| datatype_error(&e)),
        }
    }

    /// The value at `path` read as a composite datatype, as JSON text with camelCase
    /// names, or undefined.
    #[wasm_bindgen(js_name = getTyped)]
    pub fn get_typed(&self, path: &str, datatype: &str) -> Result<Option<String>, JsValue> {
        let dt = datatype_arg(datatype)?;
        let owned = self.quick();
        let msg = owned.message();
        Ok(msg.typed(path, dt).map_err(|e| path_error(&e))?.map(|c| {
            let mut out = String::new();
            composite_json(&c, &mut out);
            out
        }))
    }

    /// Every repetition of the field at `path` read as a composite datatype (a JSON array).
    #[wasm_bindgen(js_name = getTypedAll)]
    pub fn get_typed_all(&self, path: &str, datatype: &str) -> Result<String, JsValue> {
        let dt = datatype_arg(datatype)?;
        let owned = self.quick();
        let msg = owned.message();
        let mut out = String::from("[");
        for (i, c) in msg
            .typed_all(path, dt)
            .map_err(|e| path_error(&e))?
            .iter()
            .enumerate()
        {
            if i > 0 {
                out.push(',');
            }
            composite_json(c, &mut out);
        }
        out.push(']');
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// The measurement build (`--features serde-objects`): the toJSON() tree made
// into JavaScript objects by serde-wasm-bindgen, to compare with JSON text and
// JSON.parse (what the package ships; see npm/bench).

#[cfg(feature = "serde-objects")]
mod serde_objects {
    use super::NativeMessage;
    use serde::Serialize;
    use wasm_bindgen::prelude::*;

    #[derive(Serialize)]
    #[serde(untagged)]
    enum Node {
        Text(String),
        List(Vec<Node>),
        Reps { repetitions: Vec<Node> },
    }

    #[derive(Serialize)]
    struct Segment {
        name: String,
        fields: Vec<Node>,
    }

    #[derive(Serialize)]
    struct Tree {
        segments: Vec<Segment>,
    }

    /// Builds the tree through the core's TreeSink.
    #[derive(Default)]
    struct Builder {
        segments: Vec<Segment>,
        stack: Vec<Vec<Node>>,
        reps: Vec<bool>,
    }

    impl pipehat::json::TreeSink for Builder {
        fn begin_segment(&mut self, name: &str) {
            self.segments.push(Segment {
                name: name.to_string(),
                fields: Vec::new(),
            });
            self.stack.push(Vec::new());
        }
        fn end_segment(&mut self) {
            let fields = self.stack.pop().unwrap_or_default();
            if let Some(s) = self.segments.last_mut() {
                s.fields = fields;
            }
        }
        fn begin_repetitions(&mut self) {
            self.stack.push(Vec::new());
            self.reps.push(true);
        }
        fn end_repetitions(&mut self) {
            let items = self.stack.pop().unwrap_or_default();
            self.reps.pop();
            self.push(Node::Reps { repetitions: items });
        }
        fn begin_list(&mut self) {
            self.stack.push(Vec::new());
        }
        fn end_list(&mut self) {
            let items = self.stack.pop().unwrap_or_default();
            self.push(Node::List(items));
        }
        fn text(&mut self, value: &str) {
            self.push(Node::Text(value.to_string()));
        }
    }

    impl Builder {
        fn push(&mut self, node: Node) {
            if let Some(top) = self.stack.last_mut() {
                top.push(node);
            }
        }
    }

    #[wasm_bindgen]
    impl NativeMessage {
        /// The toJSON() tree as objects made by serde-wasm-bindgen.
        #[wasm_bindgen(js_name = toSerdeValue)]
        pub fn to_serde_value(&self) -> Result<JsValue, JsValue> {
            let mut b = Builder::default();
            self.indexed().message().walk_tree(&mut b);
            serde_wasm_bindgen::to_value(&Tree {
                segments: b.segments,
            })
            .map_err(JsValue::from)
        }
    }
}

#[cfg(feature = "full")]
mod full;
