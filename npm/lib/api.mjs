// The JavaScript face of pipehat: camelCase names, Error subclasses, lazy
// element objects. No HL7 logic lives here: every decision is made in the
// Rust core, reached through the wasm-bindgen modules passed to createApi().
// This file is the single source; scripts/build.mjs derives api.cjs from it.
//
// Two WebAssembly modules: `native`, the core module (parsing, reading, JSON,
// editing, acknowledgements, MLLP, splitting, extract), loaded up front; and
// the full module (the dictionary and validation, filters, routes, change
// detection, mappings), which `loadFull` gives: `{ sync }`, a function that
// loads it at once (Node, workerd), or `{ async }`, one that returns a
// promise of it (browsers, Deno: see load()).

export function createApi(native, loadFull = {}) {
  /**
   * An Error subclass named `name` that copies `fields` from the plain error
   * object the Rust side throws (absent fields become null). Messages name
   * positions and codes, never message content.
   */
  /** The HL7 version assumed where none is given (from the core). */
  const DEFAULT_VERSION = native.defaultVersion();

  function errorClass(name, Base, fields) {
    const C = class extends Base {
      constructor(info) {
        super(info.message);
        this.name = name;
        for (const f of fields) this[f] = info[f] ?? null;
      }
    };
    Object.defineProperty(C, "name", { value: name });
    return C;
  }

  /** A message cannot be read. */
  const HL7ParseError = errorClass("HL7ParseError", SyntaxError, ["code", "offset", "line", "column", "segment", "field"]);
  /** A malformed path such as "PID-0". */
  const HL7PathError = errorClass("HL7PathError", SyntaxError, ["code", "offset"]);
  /** An edit was refused (the message is unchanged). */
  const HL7EditError = errorClass("HL7EditError", Error, ["code", "offset", "segment"]);
  /** A Splitter met a chunk larger than its maxChunkSize (skipped); offset is its offset in the stream. */
  const HL7StreamError = errorClass("HL7StreamError", Error, ["code", "offset"]);
  /** MllpDecoder.push() met a frame larger than maxFrameSize. */
  const HL7MllpError = errorClass("HL7MllpError", Error, ["code", "offset", "length"]);
  /** fromJSON() was given input that is not pipehat-lossless JSON. */
  const HL7JsonError = errorClass("HL7JsonError", SyntaxError, ["code", "offset"]);
  /** A value does not have its datatype's format. */
  const HL7DatatypeError = errorClass("HL7DatatypeError", TypeError, ["code", "offset"]);
  /** A filter expression does not compile; offset is a character position in it. */
  const HL7FilterError = errorClass("HL7FilterError", SyntaxError, ["code", "offset"]);
  /** A conformance profile is not valid; pointer is a JSON pointer into it. */
  const HL7ProfileError = errorClass("HL7ProfileError", Error, ["code", "pointer"]);
  /** A function needs the full module, which is not loaded yet (code not_loaded): call `await load()` once first. */
  const HL7LoadError = errorClass("HL7LoadError", Error, ["code"]);
  /** The dictionary cannot answer (unknown_version). */
  const HL7DictionaryError = errorClass("HL7DictionaryError", RangeError, ["code"]);
  /** A mapping spec is not valid; pointer is a JSON pointer into it. */
  const HL7MappingError = errorClass("HL7MappingError", Error, ["code", "pointer"]);

  function rethrow(e) {
    if (e && typeof e === "object" && !(e instanceof Error)) {
      if (e.kind === "parse") throw new HL7ParseError(e);
      if (e.kind === "path") throw new HL7PathError(e);
      if (e.kind === "edit") throw new HL7EditError(e);
      if (e.kind === "mllp") throw new HL7MllpError(e);
      if (e.kind === "stream") throw new HL7StreamError(e);
      if (e.kind === "json") throw new HL7JsonError(e);
      if (e.kind === "datatype") throw new HL7DatatypeError(e);
      if (e.kind === "filter") throw new HL7FilterError(e);
      if (e.kind === "mapping") throw new HL7MappingError(e);
      if (e.kind === "profile") throw new HL7ProfileError(e);
      if (e.kind === "dictionary") throw new HL7DictionaryError(e);
      if (e.kind === "type") throw new TypeError(e.message);
    }
    throw e;
  }

  function call(fn) {
    try {
      return fn();
    } catch (e) {
      return rethrow(e);
    }
  }

  // Bytes cross into and out of WebAssembly through one reusable scratch
  // buffer: cheaper than a string conversion per call for short values.
  const memory = native.wasmMemory();
  const encoder = new TextEncoder();
  // ignoreBOM keeps a U+FEFF at the start of a value, as the core reads it
  // (by default TextDecoder drops it).
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  /** Writes text into the scratch buffer as UTF-8; returns its length. */
  function writeText(text) {
    let capacity = text.length;
    for (;;) {
      const { read, written } = encoder.encodeInto(text, scratch(capacity));
      if (read === text.length) return written;
      capacity = text.length * 3;
    }
  }

  function writeBytes(bytes) {
    scratch(bytes.length).set(bytes);
    return bytes.length;
  }

  // A view of the scratch buffer, kept while the buffer stays where it is.
  let scratchView = new Uint8Array(0);
  /** A view of at least `capacity` scratch bytes (possibly more). */
  function scratch(capacity) {
    // Only scratchReserve moves the buffer (it never shrinks), so a view
    // long enough is still valid and no call is needed. Growing memory
    // detaches the view, which then has length 0 and is made again.
    if (scratchView.length < capacity) {
      const at = native.scratchReserve(capacity);
      scratchView = view().subarray(at, at + capacity);
    }
    return scratchView;
  }

  // A view of all of WebAssembly memory. Growing the memory detaches the old
  // buffer, which leaves the old view empty: then a new view is made (cheaper
  // than reading memory.buffer on every call).
  let heap = new Uint8Array(memory.buffer);
  function view() {
    if (heap.length === 0) heap = new Uint8Array(memory.buffer);
    return heap;
  }

  const char = String.fromCharCode;
  /**
   * `len` bytes of ASCII at `at` in WebAssembly memory as a string: for the
   * short values paths usually read, String.fromCharCode with the bytes as
   * arguments is several times cheaper than TextDecoder. Up to 16 bytes in
   * one call: timestamps (14) and message types with their structure (15)
   * are common values.
   */
  function readAscii(at, len) {
    const h = heap;
    switch (len) {
      case 0: return "";
      case 1: return char(h[at]);
      case 2: return char(h[at], h[at + 1]);
      case 3: return char(h[at], h[at + 1], h[at + 2]);
      case 4: return char(h[at], h[at + 1], h[at + 2], h[at + 3]);
      case 5: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4]);
      case 6: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5]);
      case 7: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6]);
      case 8: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7]);
      case 9: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8]);
      case 10: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9]);
      case 11: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10]);
      case 12: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11]);
      case 13: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12]);
      case 14: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12], h[at + 13]);
      case 15: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12], h[at + 13], h[at + 14]);
      case 16: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12], h[at + 13], h[at + 14], h[at + 15]);
      default: {
        // Longer values in pieces of 16 (one call each, then concatenated).
        let text = "";
        for (let i = 0; i < len; i += 16) text += readAscii(at + i, Math.min(16, len - i));
        return text;
      }
    }
  }


  // Paths are parsed once in Rust and then addressed by id (bounded cache).
  const compiled = new Map();
  function pathId(path) {
    let id = compiled.get(path);
    if (id === undefined) {
      id = native.compilePath(writeText(String(path)));
      if (id === -2) return rethrow(native.takeError());
      if (compiled.size < 4096) compiled.set(path, id);
    }
    return id;
  }

  /**
   * The value getCompiled / messageGet found: -1 when absent; -2 when too
   * long to pass this way (`slow` then reads it); else the value's address
   * times 2^21, plus its UTF-8 length times two, plus one unless ASCII.
   */
  function readValue(r, slow) {
    if (r < 0) return r === -1 ? undefined : call(slow);
    const at = Math.floor(r / 2097152);
    const low = r - at * 2097152;
    const len = low >>> 1;
    if ((low & 1) === 0 && len <= 64) {
      view();
      return readAscii(at, len);
    }
    return decoder.decode(view().subarray(at, at + len));
  }

  // Messages from parse() live in WebAssembly under a handle (parseHandle in
  // bindings-wasm), and a FinalizationRegistry frees those never freed.
  //
  // A registration costs about as much as parsing a short message, so it waits
  // until the event loop turns (a microtask): a message freed before then,
  // as in a loop that parses, reads and frees, is never registered. Until
  // then it is held in `pending`, which keeps it alive, as the registry
  // would keep its WebAssembly memory until its cleanup ran, which also
  // needs the event loop to turn.
  //
  // Messages still alive at that point register without an unregister token
  // (a third of the cost of registering with one and unregistering): such a
  // registration stays until the Message is collected and the registry's
  // cleanup runs, and until then free() leaves the handle "spent" (memory
  // freed, the number not given out again, so that a late cleanup can never
  // free another message). Past SPENT_LIMIT spent handles, messages register
  // with a token instead, which free() removes at once.
  // (Where a runtime has no FinalizationRegistry, only free() frees.)
  const SPENT_LIMIT = 4096;
  let spent = 0;
  const handles =
    typeof FinalizationRegistry === "function"
      ? new FinalizationRegistry((handle) => {
          if (native.messageRelease(handle)) spent--;
        })
      : { register() {}, unregister() {} };
  // The message parsed last waits apart from the others (in `last`, the
  // others in the Set `pending`): the usual loop frees the message it parsed
  // last before parsing the next, which then costs no Set operation (an add
  // and a delete cost about a fifth of parsing and freeing a short message).
  const REGISTER = Symbol("register");
  const pending = new Set();
  let last;
  let registering = false;
  const later = typeof queueMicrotask === "function" ? queueMicrotask : (fn) => Promise.resolve().then(fn);
  function registerPending() {
    registering = false;
    for (const message of pending) message[REGISTER]();
    pending.clear();
    last?.[REGISTER]();
    last = undefined;
  }
  /** Registers `message` once the event loop turns, unless untracked before. */
  function track(message) {
    if (last !== undefined) pending.add(last);
    last = message;
    if (!registering) {
      registering = true;
      later(registerPending);
    }
  }
  /** Forgets a pending message (freed, or moved into an object). */
  function untrack(message) {
    if (message === last) last = undefined;
    else pending.delete(message);
  }
  // How a Message under a handle is registered.
  const PENDING = 0;
  const CHEAP = 1;
  const TOKEN = 2;

  // "field", "repetition", "component", "subcomponent", by depth (from the core).
  const KINDS = native.elementKinds();

  /** A field, repetition, component or subcomponent, read when accessed. */
  class Element {
    #native;
    #segment;
    #at;
    #data;
    constructor(nativeMessage, segment, at) {
      this.#native = nativeMessage;
      this.#segment = segment;
      this.#at = at;
    }
    #load() {
      return (this.#data ??= this.#native.element(this.#segment, Uint32Array.from(this.#at)));
    }
    get kind() {
      return KINDS[this.#at.length - 1];
    }
    /** Decoded text (a composite reads as encoded). */
    get value() {
      return this.#load()[0];
    }
    /** Text exactly as written. */
    get raw() {
      return this.#load()[1];
    }
    get offset() {
      return this.#load()[2];
    }
    get isNull() {
      return this.#load()[3];
    }
    get isEmpty() {
      return this.raw === "";
    }
    #children() {
      const n = this.#native.childCount(this.#segment, Uint32Array.from(this.#at));
      const out = [];
      for (let i = 1; i <= n; i++) out.push(new Element(this.#native, this.#segment, [...this.#at, i]));
      return out;
    }
    get repetitions() {
      if (this.#at.length !== 1) throw new TypeError("only a field has repetitions");
      return this.#children();
    }
    get components() {
      if (this.#at.length === 1) return new Element(this.#native, this.#segment, [this.#at[0], 1]).components;
      if (this.#at.length !== 2) throw new TypeError("only a field or a repetition has components");
      return this.#children();
    }
    get subcomponents() {
      if (this.#at.length !== 3) throw new TypeError("only a component has subcomponents");
      return this.#children();
    }
    toString() {
      return this.value;
    }
  }

  /** One segment; fields are numbered from 1 (MSH-1 is the field separator). */
  class Segment {
    #native;
    constructor(nativeMessage, index, name) {
      this.#native = nativeMessage;
      this.index = index;
      this.name = name;
    }
    get offset() {
      return this.#native.segmentOffset(this.index);
    }
    get fieldCount() {
      return this.#native.fieldCount(this.index);
    }
    field(number) {
      if (!Number.isInteger(number) || number < 1 || number > this.fieldCount) return undefined;
      return new Element(this.#native, this.index, [number]);
    }
    get fields() {
      const out = [];
      for (let i = 1; i <= this.fieldCount; i++) out.push(new Element(this.#native, this.index, [i]));
      return out;
    }
    toString() {
      return this.#native.segmentText(this.index);
    }
  }

  /** Frees a native object now (once); what a class's free() keeps: undefined. */
  function release(nativeObject) {
    nativeObject?.free();
    return undefined;
  }

  const REPARSE = Symbol("reparse");
  const OPTIONS = Symbol("options");
  const NATIVE = Symbol("native");

  /** A parsed HL7 v2 message, held in WebAssembly memory until free(). */
  class Message {
    /** A NativeMessage object, once there is one. */
    #native;
    /** The handle while the message lives under one, else -1. */
    #handle = -1;
    /** How the handle is registered: PENDING, CHEAP or TOKEN. */
    #registration = PENDING;
    #options;
    [NATIVE]() {
      return this.#n();
    }
    /** From a NativeMessage object, or (nativeMessage undefined) from a handle. */
    constructor(nativeMessage, options, handle) {
      this.#native = nativeMessage;
      this.#options = options;
      if (handle !== undefined) {
        this.#handle = handle;
        track(this);
      }
    }
    /** Registers the message with the FinalizationRegistry (see track()). */
    [REGISTER]() {
      if (this.#handle < 0) return;
      if (spent < SPENT_LIMIT) {
        this.#registration = CHEAP;
        handles.register(this, this.#handle);
      } else {
        this.#registration = TOKEN;
        handles.register(this, this.#handle, this);
      }
    }
    /**
     * Gives up the handle (the message is freed or moves into an object);
     * returns whether its slot can be given out again at once.
     */
    #leaveHandle() {
      this.#handle = -1;
      switch (this.#registration) {
        case PENDING:
          untrack(this);
          return true;
        case TOKEN:
          handles.unregister(this);
          return true;
        default:
          spent++;
          return false;
      }
    }
    /** The NativeMessage object; a message under a handle moves into one. */
    #n() {
      if (this.#native) return this.#native;
      const h = this.#handle;
      if (h < 0) throw new TypeError("the message was freed");
      this.#native = native.messageTake(h, this.#leaveHandle());
      return this.#native;
    }
    /** Parses the first len scratch bytes into this message (the reused Parser). */
    [REPARSE](len) {
      const h = this.#handle;
      if (h < 0) return call(() => this.#n().reparseScratch(len, this.#options));
      const options = this.#options;
      const status =
        options === undefined ? native.reparseHandle(h, len) : native.reparseHandleWith(h, len, options);
      if (status < 0) rethrow(native.takeError());
    }
    /** The parse options, to parse the same bytes the same way in the full module. */
    [OPTIONS]() {
      return this.#options;
    }
    /** Decoded value at path, or undefined when absent or empty. */
    get(path) {
      return this.#read(path, false);
    }
    /** Value at path exactly as written, or undefined. */
    getRaw(path) {
      return this.#read(path, true);
    }
    #read(path, raw) {
      const id = pathId(path);
      const h = this.#handle;
      const r = h >= 0 ? native.messageGet(h, id, raw) : this.#n().getCompiled(id, raw);
      return readValue(r, () => (raw ? this.#n().getRaw(path) : this.#n().get(path)));
    }
    /** Decoded value of every repetition of the field at path. */
    getAll(path) {
      const h = this.#handle;
      return call(() => (h >= 0 ? native.messageGetAll(h, path) : this.#n().getAll(path)));
    }
    /** Header value k, numbered as NativeMessage::header_value numbers them. */
    #hv(k) {
      const h = this.#handle;
      return h >= 0 ? native.messageHeaderValue(h, k) : this.#n().headerValue(k);
    }
    get messageType() { return this.#hv(0); }
    get triggerEvent() { return this.#hv(1); }
    get messageStructure() { return this.#hv(2); }
    get controlId() { return this.#hv(3); }
    get processingId() { return this.#hv(4); }
    get version() { return this.#hv(5); }
    get timestamp() { return this.#hv(6); }
    get sendingApplication() { return this.#hv(7); }
    get sendingFacility() { return this.#hv(8); }
    get receivingApplication() { return this.#hv(9); }
    get receivingFacility() { return this.#hv(10); }
    get charset() { return this.#hv(11); }
    get segmentTerminator() { return this.#hv(12); }
    get delimiters() { return this.#n().delimiters(); }
    get diagnostics() {
      const h = this.#handle;
      return JSON.parse(h >= 0 ? native.messageDiagnostics(h) : this.#n().diagnosticsJson());
    }
    get segments() {
      const n = this.#n();
      return JSON.parse(n.segmentNames()).map((name, i) => new Segment(n, i, name));
    }
    segment(name) {
      return this.segmentsNamed(name)[0];
    }
    segmentsNamed(name) {
      const n = this.#n();
      const key = String(name);
      return Array.from(n.segmentsNamed(key), (i) => new Segment(n, i, key));
    }
    /** The message as plain objects (see the README for the shape). */
    toJSON() {
      return JSON.parse(this.#n().toJsonString());
    }
    /** Lossless JSON as an object: fromJSON() rebuilds the exact bytes (see the README). */
    toLosslessJSON() {
      return JSON.parse(this.#n().toLosslessJsonString());
    }
    /** The friendly form, keyed by segment and field number, values decoded. */
    toFriendlyJSON() {
      return JSON.parse(this.#n().toFriendlyJsonString());
    }
    /** The friendly form keyed by field and component names (MSH-12's version, or the one given). */
    toNamedJSON(version) {
      const v = version === undefined ? undefined : String(version);
      return JSON.parse(withFull(this, (m) => m.toNamedJsonString(v)));
    }
    /** The original text. */
    toString() {
      return this.#n().toText();
    }
    /** The original bytes. */
    toBytes() {
      return this.#n().toBytes();
    }
    /** Bytes held in WebAssembly memory (input plus index). */
    get heapSize() {
      return this.#n().heapSize();
    }
    /**
     * The DTM (or TS first component) at path: {precision, iso, offsetMinutes,
     * isNull, date}, undefined when absent. `date` is a Date (UTC instant when
     * the value has an offset, local time otherwise), null for the HL7 null.
     */
    getDateTime(path) {
      const json = call(() => this.#n().getDateTime(path));
      if (json === undefined) return undefined;
      const v = JSON.parse(json);
      const { parts, utcMillis, ...rest } = v;
      let date = null;
      if (!v.isNull) date = v.offsetMinutes === null ? new Date(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], parts[6]) : new Date(utcMillis);
      if (date && !v.isNull && v.offsetMinutes === null && parts[0] < 100) date.setFullYear(parts[0]);
      return { ...rest, date };
    }
    /** The NM at path as a number, or undefined (HL7DatatypeError when malformed). */
    getNumber(path) {
      return call(() => this.#n().getNumber(path));
    }
    /** The SI at path as a number, or undefined. */
    getSequenceId(path) {
      return call(() => this.#n().getSequenceId(path));
    }
    /** The value at path read as "XPN", "CX", "XAD", "XTN", "CWE", "CE", "HD", "EI": named components (camelCase), null when empty. */
    getTyped(path, datatype) {
      const json = call(() => this.#n().getTyped(path, datatype));
      return json === undefined ? undefined : JSON.parse(json);
    }
    /** Every repetition of the field at path read as the datatype. */
    getTypedAll(path, datatype) {
      return JSON.parse(call(() => this.#n().getTypedAll(path, datatype)));
    }
    /** An editable copy of this message. */
    edit() {
      return new EditableMessage(this.#n().edit());
    }
    /**
     * An acknowledgement (a new Message): options {code, text, errors,
     * diagnostics, controlId, timestamp}; see the README.
     */
    ack(options) {
      return new Message(call(() => this.#n().ack(options ?? {})));
    }
    /** "original" or "enhanced" (MSH-15/16 valued). */
    get ackMode() {
      return this.#n().ackMode();
    }
    /** Whether MSH-15/16 ask for an acknowledgement with this code. */
    wantsAck(code) {
      return call(() => this.#n().wantsAck(code));
    }
    /** Releases the WebAssembly memory now (otherwise a FinalizationRegistry does it). */
    free() {
      this.#native = release(this.#native);
      const h = this.#handle;
      if (h >= 0) native.messageFree(h, this.#leaveHandle());
    }
  }

  function writeInput(input) {
    if (typeof input === "string") return writeText(input);
    if (input instanceof Uint8Array) return writeBytes(input);
    throw new TypeError("input must be a string or a Uint8Array");
  }

  /** Parses one message (or a whole batch file). */
  function parse(input, options) {
    const len = writeInput(input);
    // Without options, an export that takes none (see parseHandle in bindings-wasm).
    const handle = options === undefined ? native.parseHandle(len) : native.parseHandleWith(len, options);
    if (handle < 0) rethrow(native.takeError());
    return new Message(undefined, options, handle);
  }

  /**
   * Parses a stream of messages reusing one buffer: no allocation per message.
   * The Message that parse() returns is the same object every time and is
   * overwritten by the next call; use the top-level parse() for messages you keep.
   */
  class Parser {
    #options;
    #message;
    constructor(options) {
      this.#options = options;
    }
    parse(input) {
      if (!this.#message) return (this.#message = parse(input, this.#options));
      this.#message[REPARSE](writeInput(input));
      return this.#message;
    }
    /** Releases the WebAssembly memory of the reused message. */
    free() {
      this.#message?.free();
      this.#message = undefined;
    }
  }

  /** A message being edited; untouched parts stay byte for byte. */
  class EditableMessage {
    #native;
    constructor(input) {
      this.#native =
        input && typeof input === "object" && !(input instanceof Uint8Array)
          ? input
          : call(() => new native.NativeEditable(input));
    }
    /** Sets the decoded value at path (delimiters are escaped; missing parts created). */
    set(path, value) {
      call(() => this.#native.set(path, String(value)));
      return this;
    }
    /** Sets already-encoded text at path. */
    setRaw(path, text) {
      call(() => this.#native.setRaw(path, String(text)));
      return this;
    }
    /** Inserts a repetition, component or subcomponent before the one path names. */
    insert(path, value) {
      call(() => this.#native.insert(path, String(value)));
      return this;
    }
    insertRaw(path, text) {
      call(() => this.#native.insertRaw(path, String(text)));
      return this;
    }
    /** Removes the repetition, component or subcomponent path names (a field path clears the field). */
    remove(path) {
      call(() => this.#native.remove(path));
      return this;
    }
    appendRepetition(path, value) {
      call(() => this.#native.appendRepetition(path, String(value)));
      return this;
    }
    /** Inserts a segment (encoded text such as "NTE|1||note") before index at. */
    insertSegment(at, text) {
      call(() => this.#native.insertSegment(at, text));
      return this;
    }
    appendSegment(text) {
      call(() => this.#native.appendSegment(text));
      return this;
    }
    removeSegment(at) {
      call(() => this.#native.removeSegment(at));
      return this;
    }
    get(path) {
      return call(() => this.#native.get(path));
    }
    get segmentCount() {
      return this.#native.segmentCount();
    }
    /** A parsed, read-only snapshot. */
    toMessage() {
      return new Message(this.#native.toMessage());
    }
    toString() {
      return this.#native.toText();
    }
    toBytes() {
      return this.#native.toBytes();
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /** A new message with an MSH built from options (encoded text values). */
  function build(options) {
    return new EditableMessage(call(() => native.buildMessage(options ?? {})));
  }

  /** Acknowledges input whether or not it parses (parse options and ack options together). */
  function ack(input, options) {
    return new Message(call(() => native.ackInput(input, options ?? {})));
  }

  /** Rebuilds a message from lossless JSON (an object or its text). */
  function fromJSON(json) {
    const text = typeof json === "string" ? json : JSON.stringify(json);
    return new Message(call(() => native.fromLosslessJson(text)));
  }

  /** One MLLP frame around the input: 0x0B input 0x1C 0x0D. */
  function mllpEncode(input) {
    return call(() => native.mllpEncode(input));
  }

  /** Frames from MLLP bytes arriving in chunks of any size. */
  class MllpDecoder {
    #native;
    constructor(options) {
      const max = options?.maxFrameSize;
      this.#native = new native.NativeMllpDecoder(max === undefined ? undefined : Number(max));
    }
    /** Feeds a chunk; returns the frames it completed (Uint8Array each). */
    push(chunk) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError("chunk must be a Uint8Array");
      return call(() => this.#native.push(chunk));
    }
    /** Declares the end of the stream. */
    finish() {
      this.#native.finish();
    }
    /** Warnings so far: {code, severity, offset, length, message}. */
    get issues() {
      return this.#native.issues().map(({ kind, ...rest }) => rest);
    }
    get buffered() {
      return this.#native.buffered();
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  // Chunks cross as five numbers each (kind, offset, end of its bytes,
  // declared and counted counts, -1 for none): one call for all of them.
  const CHUNK_KINDS = native.chunkKinds();
  const NUMBERS_PER_CHUNK = 5;
  /** The chunk at `numbers[i]`, its bytes `bytes[start..end]` (copied). */
  function chunkAt(numbers, i, bytes, start) {
    const kind = CHUNK_KINDS[numbers[i]];
    const chunk = { kind, offset: numbers[i + 1], bytes: bytes.slice(start, numbers[i + 2]) };
    // The core counts what a trailer closes (and only a trailer): that is
    // what gives a chunk its two count properties.
    if (numbers[i + 4] >= 0) {
      chunk.declaredCount = numbers[i + 3] < 0 ? null : numbers[i + 3];
      chunk.countedCount = numbers[i + 4] < 0 ? null : numbers[i + 4];
    }
    return chunk;
  }

  /** Splits files, batches and MLLP captures into chunks: {kind, offset, bytes}. */
  function split(input) {
    const bytes = typeof input === "string" ? encoder.encode(input) : input;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("input must be a string or a Uint8Array");
    const numbers = native.splitPacked(bytes);
    const chunks = [];
    for (let i = 0; i < numbers.length; i += NUMBERS_PER_CHUNK) {
      chunks.push(chunkAt(numbers, i, bytes, numbers[i + 1]));
    }
    return chunks;
  }

  /**
   * Splits a stream that arrives in pieces into the chunks split() finds in
   * the whole: push() each piece, take the complete chunks by iterating (or
   * read()), and finish() at the end, then iterate once more for the last.
   * Holds at most one unfinished chunk; maxChunkSize (default 256 MiB) bounds it.
   */
  class Splitter {
    #native;
    /** Chunks (and errors) complete and not read yet, from #next on. */
    #ready = [];
    #next = 0;
    constructor(options) {
      const max = options?.maxChunkSize;
      if (max !== undefined && !(typeof max === "number" && max >= 0)) {
        throw new TypeError("options.maxChunkSize must be a number >= 0");
      }
      this.#native = new native.NativeSplitter(max);
    }
    /** Adds the next piece of the stream: a Uint8Array, or a string (as UTF-8). */
    push(piece) {
      if (typeof piece !== "string" && !(piece instanceof Uint8Array)) {
        throw new TypeError("a piece must be a string or a Uint8Array");
      }
      call(() => this.#native.push(piece));
      this.#take();
      return this;
    }
    /** Declares the end of the stream: what is left becomes the last chunks. */
    finish() {
      this.#native.finish();
      this.#take();
      return this;
    }
    /** Moves the chunks complete in WebAssembly to #ready, in one call. */
    #take() {
      const [numbers, bytes, errors] = this.#native.drain();
      if (numbers.length === 0) return;
      if (this.#next > 0) {
        // Drop what was read already.
        this.#ready = this.#ready.slice(this.#next);
        this.#next = 0;
      }
      for (let i = 0, start = 0, e = 0; i < numbers.length; i += NUMBERS_PER_CHUNK) {
        if (numbers[i] < 0) {
          this.#ready.push(new HL7StreamError(errors[e++]));
          continue;
        }
        this.#ready.push(chunkAt(numbers, i, bytes, start));
        start = numbers[i + 2];
      }
    }
    /**
     * The next complete chunk, or undefined. Throws HL7StreamError for a chunk
     * over maxChunkSize, which is skipped: the next call goes on after it.
     */
    read() {
      if (this.#next === this.#ready.length) return undefined;
      const item = this.#ready[this.#next++];
      if (item instanceof HL7StreamError) throw item;
      return item;
    }
    /** Takes every complete chunk (see read()). */
    *[Symbol.iterator]() {
      for (let chunk = this.read(); chunk !== undefined; chunk = this.read()) yield chunk;
    }
    /** Bytes pushed and not yet in a complete chunk (nor skipped). */
    get buffered() {
      return this.#native.buffered();
    }
    /** Stream offset of the first byte not yet in a complete chunk. */
    get position() {
      return this.#native.position();
    }
    free() {
      this.#native = release(this.#native);
      this.#ready = [];
      this.#next = 0;
    }
  }

  /** The pieces of a ReadableStream, an async iterable or an iterable. */
  async function* piecesOf(source) {
    if (source && typeof source[Symbol.asyncIterator] === "function") {
      yield* source;
    } else if (source && typeof source.getReader === "function") {
      // A ReadableStream where it is not async iterable (Safari).
      const reader = source.getReader();
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
      } finally {
        reader.releaseLock();
      }
    } else if (source && typeof source[Symbol.iterator] === "function" && typeof source !== "string") {
      yield* source;
    } else {
      throw new TypeError("source must be a ReadableStream, an async iterable or an iterable of pieces");
    }
  }

  /**
   * The chunks of a stream (a ReadableStream such as a fetch() body, a Node
   * stream, or any async iterable of Uint8Array or string pieces), as they
   * complete, with bounded memory. Throws HL7StreamError for a chunk over
   * maxChunkSize.
   */
  async function* splitStream(source, options) {
    const splitter = new Splitter(options);
    try {
      for await (const piece of piecesOf(source)) {
        yield* splitter.push(piece);
      }
      yield* splitter.finish();
    } finally {
      splitter.free();
    }
  }

  /** Parses every message of a file, batch or MLLP capture. */
  function parseAll(input, options) {
    return split(input)
      .filter((c) => c.kind === "message")
      .map((c) => parse(c.bytes, options));
  }

  /**
   * Reads paths from every message in one call: {path: (string|null)[]}.
   * Options: raw, details, and the parse options of parse(). With {details: true}: {columns, offsets, errors}, where offsets[row] is
   * each message's byte offset in the input and errors lists {row, error}
   * for each message that could not be parsed (error: the HL7ParseError that
   * parsing that message alone throws; its row's values are null).
   */
  function extract(input, paths, options) {
    const raw = Boolean(options && options.raw);
    // One string holds every value; each cell is a slice of it.
    const [text, cells, offsets, errors] = call(() => native.extractPacked(input, paths, raw, options));
    const width = paths.length;
    const rows = width === 0 ? 0 : cells.length / (2 * width);
    const columns = paths.map(() => new Array(rows));
    for (let row = 0, at = 0; row < rows; row++) {
      for (let c = 0; c < width; c++, at += 2) {
        const start = cells[at];
        columns[c][row] = start === 0xffffffff ? null : text.slice(start, cells[at + 1]);
      }
    }
    const out = {};
    paths.forEach((path, c) => (out[path] = columns[c]));
    if (!(options && options.details)) return out;
    return {
      columns: out,
      offsets: Array.from(offsets),
      errors: errors.map((e) => ({ row: e.row, error: new HL7ParseError(e) })),
    };
  }

  let fullNative;
  /** The full module, loaded now when the platform can (else HL7LoadError). */
  function full() {
    if (fullNative) return fullNative;
    if (loadFull.sync) return (fullNative = loadFull.sync());
    throw new HL7LoadError({
      code: "not_loaded",
      message: "this function is in pipehat's full module: call `await load()` once before using it [not_loaded]",
    });
  }

  /**
   * Loads the full module (the dictionary and validation, filters, routes,
   * change detection, mappings). Needed once, before their first use, in
   * browsers and Deno; elsewhere it loads on first use and this resolves at once.
   */
  let loading;
  function load() {
    if (fullNative) return Promise.resolve();
    // One load for concurrent calls; a failed one (a network error) can be retried.
    loading ??= (async () => (loadFull.sync ? loadFull.sync() : await loadFull.async()))().then(
      (module) => {
        fullNative = module;
      },
      (e) => {
        loading = undefined;
        throw e;
      },
    );
    return loading;
  }

  /**
   * Runs fn on the message parsed in the full module (a Message's bytes
   * with the options it was parsed with, or text or bytes given), then
   * frees it. fn gets that native message and the full module.
   */
  function withFull(message, fn) {
    const f = full();
    const bytes = message instanceof Message ? message.toBytes() : inputBytes(message);
    const options = message instanceof Message ? message[OPTIONS]() : undefined;
    const m = call(() => f.parseBytes(bytes, options));
    try {
      return fn(m, f);
    } finally {
      m.free();
    }
  }

  function inputBytes(input) {
    if (typeof input === "string") return encoder.encode(input);
    if (input instanceof Uint8Array) return input;
    throw new TypeError("input must be a string or a Uint8Array");
  }

  /**
   * A compiled filter expression, such as
   * `MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A08")` (see the README).
   */
  class Filter {
    #native;
    constructor(expression) {
      if (typeof expression !== "string") throw new TypeError("expression must be a string");
      const f = full();
      this.#native = call(() => new f.NativeFilter(expression));
    }
    /**
     * Whether the filter holds for one message's text or bytes (only MSH is
     * read when that suffices), or for a Message (its bytes are read again
     * in the full module: text or bytes are faster).
     */
    matches(message) {
      if (message instanceof Message) return withFull(message, (m) => this.#native.matches(m));
      return call(() => this.#native.matchesInput(inputBytes(message)));
    }
    /**
     * Splits a file, batch or MLLP capture and filters every message:
     * {matched (strings for string input, Uint8Arrays otherwise), total, unreadable [{offset, code}]}.
     */
    scan(input) {
      const bytes = inputBytes(input);
      const [ranges, total, unreadable] = this.#native.scan(bytes);
      const matched = [];
      for (let i = 0; i < ranges.length; i += 2) {
        const part = bytes.subarray(ranges[i], ranges[i + 1]);
        matched.push(typeof input === "string" ? decoder.decode(part) : part);
      }
      return { matched, total, unreadable };
    }
    /** The matching messages of a file (unreadable ones left out; see scan()). */
    select(input) {
      return this.scan(input).matched;
    }
    /** How many messages of a file match. */
    count(input) {
      return this.scan(input).matched.length;
    }
    /** Whether evaluation reads only MSH (then no message is parsed). */
    get readsHeaderOnly() {
      return this.#native.readsHeaderOnly;
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /** Named routes: new Router({ destination: expression, ... }) or [[destination, expression], ...]. */
  class Router {
    #native;
    constructor(routes) {
      this.#native = new (full().NativeRouter)();
      const list = Array.isArray(routes) ? routes : Object.entries(routes ?? {});
      for (const [destination, expression] of list) this.add(destination, expression);
    }
    /** Adds a route after the others. */
    add(destination, expression) {
      call(() => this.#native.add(String(destination), String(expression)));
      return this;
    }
    /** Every destination whose filter holds, in route order. */
    destinations(message) {
      return withFull(message, (m) => this.#native.destinations(m));
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /**
   * Answers "does this update change anything that matters?" without state:
   * new ChangeDetector(["MSH-7", "MSH-10", "EVN-2", "PV1-44"]).
   */
  class ChangeDetector {
    #native;
    constructor(ignore) {
      const f = full();
      this.#native = call(() => new f.NativeChangeDetector((ignore ?? []).map(String)));
    }
    /** The differing paths that are not ignored ({path, kind} objects with details: true). */
    changes(previous, current, options) {
      const list = withFull(previous, (a) => withFull(current, (b) => this.#native.changes(a, b)));
      return options?.details ? list : list.map((d) => d.path);
    }
    /** Whether current differs from previous only where ignored. */
    isUnchanged(previous, current) {
      return this.changes(previous, current).length === 0;
    }
    /** A 16-hex-digit digest of everything not ignored, the same in every language. */
    fingerprint(message) {
      return withFull(message, (m) => this.#native.fingerprint(m));
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /** The paths that differ between two messages: options {ignore, details}. */
  function diff(a, b, options) {
    const detector = new ChangeDetector(options?.ignore);
    try {
      return detector.changes(a, b, options);
    } finally {
      detector.free();
    }
  }

  /** A declarative mapping spec (an object or its JSON text; see the README). */
  class Mapping {
    #native;
    constructor(spec) {
      const text = typeof spec === "string" ? spec : JSON.stringify(spec);
      const f = full();
      this.#native = call(() => new f.NativeMapping(text));
    }
    /** An object per message, or an array of rows when the spec has "rows". */
    apply(message) {
      return JSON.parse(withFull(message, (m) => this.#native.applyJson(m)));
    }
    get hasRows() {
      return this.#native.hasRows;
    }
    /** The output keys, in order. */
    get keys() {
      return this.#native.keys();
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /** What a field, component or subcomponent is in a version (default DEFAULT_VERSION, 2.5.1), or undefined. */
  function explain(path, version) {
    const f = full();
    return call(() => f.explain(String(path), version === undefined ? undefined : String(version)));
  }

  /** The name of a segment's field in a version (default DEFAULT_VERSION, 2.5.1), or undefined. */
  function fieldName(segment, field, version) {
    return full().fieldName(String(segment), field, version === undefined ? undefined : String(version));
  }

  /** A conformance profile (an object, e.g. from a YAML library, or its JSON text; see the README). */
  class Profile {
    #native;
    constructor(spec) {
      const text = typeof spec === "string" ? spec : JSON.stringify(spec);
      const f = full();
      this.#native = call(() => new f.NativeProfile(text));
    }
    [NATIVE]() {
      return this.#native;
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /**
   * Validates a message against its version (MSH-12) or options.version, and
   * options.profile (a Profile or a profile object): {version, structure,
   * valid, issues: [{code, severity, path, segment, offset, message, hl7Code}]}.
   */
  function validate(message, options) {
    const version = options?.version ?? undefined;
    let profile = options?.profile;
    const temporary = profile && !(profile instanceof Profile) ? new Profile(profile) : undefined;
    if (temporary) profile = temporary;
    try {
      return JSON.parse(
        withFull(message, (m, f) =>
          profile ? f.validateWithProfile(m, version, profile[NATIVE]()) : f.validate(m, version),
        ),
      );
    } finally {
      temporary?.free();
    }
  }

  /**
   * A report's issues as `errors` for message.ack(): each issue's own values,
   * which ack() reads as the core's Report::ack_errors does (a path or a
   * segment alone as ERR-2, the issue code as ERR-7, its sentence as ERR-8).
   */
  function ackErrors(report) {
    return report.issues.map((i) => ({
      code: i.hl7Code,
      severity: i.severity,
      path: i.path,
      text: i.message,
      diagnostic: i.code,
    }));
  }

  // `using` frees every native-backed object at the end of its scope.
  if (typeof Symbol.dispose === "symbol") {
    for (const C of [Message, Parser, EditableMessage, MllpDecoder, Splitter, Filter, Router, ChangeDetector, Mapping, Profile]) {
      C.prototype[Symbol.dispose] = C.prototype.free;
    }
  }

  return {
    load,
    DEFAULT_VERSION,
    HL7LoadError,
    parse,
    parseAll,
    split,
    Splitter,
    splitStream,
    extract,
    build,
    ack,
    fromJSON,
    mllpEncode,
    Parser,
    Message,
    EditableMessage,
    MllpDecoder,
    Segment,
    Element,
    HL7ParseError,
    HL7PathError,
    HL7EditError,
    HL7MllpError,
    HL7StreamError,
    HL7JsonError,
    HL7DatatypeError,
    Filter,
    Router,
    ChangeDetector,
    diff,
    Mapping,
    HL7FilterError,
    HL7MappingError,
    explain,
    fieldName,
    validate,
    ackErrors,
    Profile,
    HL7ProfileError,
    HL7DictionaryError,
  };
}
