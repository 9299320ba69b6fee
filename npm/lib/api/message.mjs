// The read side of a message: parse(), Parser, Message, Segment, Element,
// and the registry that frees the messages parse() leaves in WebAssembly.

export function installMessage(api) {
  const { native, rethrow, call, writeText, writeBytes, pathId, readValue } = api;
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
  const INPUT = Symbol("input");
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
    /**
     * Where this message's bytes lie in WebAssembly memory, [address, length],
     * while it lives under a handle (else undefined: toBytes() then copies).
     */
    [INPUT]() {
      const h = this.#handle;
      const r = h >= 0 ? native.messageInput(h) : -1;
      if (r < 0) return undefined;
      const length = Math.floor(r / 4294967296);
      return [r - length * 4294967296, length];
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
      if (r === -2) return call(() => (raw ? this.#n().getRaw(path) : this.#n().get(path)));
      return readValue(r);
    }
    /** Where the value at path lies in toBytes(): {offset, length} (length 0 when empty), or undefined when absent. */
    locate(path) {
      const r = call(() => this.#n().locate(String(path)));
      return r === undefined ? undefined : { offset: r[0], length: r[1] };
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
      const h = this.#handle;
      return JSON.parse(h >= 0 ? native.messageJson(h, false) : this.#n().toJsonString());
    }
    /** Lossless JSON as an object: fromJSON() rebuilds the exact bytes (see the README). */
    toLosslessJSON() {
      const h = this.#handle;
      return JSON.parse(h >= 0 ? native.messageJson(h, true) : this.#n().toLosslessJsonString());
    }
    /** The friendly form, keyed by segment and field number, values decoded. */
    toFriendlyJSON() {
      return JSON.parse(this.#n().toFriendlyJsonString());
    }
    /** The friendly form keyed by field and component names (MSH-12's version, or the one given). */
    toNamedJSON(version) {
      const v = version === undefined ? undefined : String(version);
      return JSON.parse(api.withFull(this, (m) => m.toNamedJsonString(v)));
    }
    /**
     * The message as a FHIR R4 Bundle (an object), converted by the
     * v2-to-FHIR IG's maps (the full module). options: bundleType
     * ("message", "transaction", "batch", "collection"; default "message"),
     * namespace (the UUID resource ids are made in), timezone (the offset
     * assumed for times without one, "+01:00" or "Z"), overrides (local
     * additions to the maps: an object or its JSON text), report (true:
     * return {bundle, report}). Throws HL7FhirError.
     */
    toFHIR(options) {
      const o = options ?? {};
      const str = (v) => (v === undefined || v === null ? undefined : String(v));
      const overrides = o.overrides === undefined || o.overrides === null ? undefined
        : typeof o.overrides === "string" ? o.overrides : JSON.stringify(o.overrides);
      const out = JSON.parse(
        api.withFull(this, (m) =>
          api.call(() => m.toFhirString(str(o.bundleType), str(o.namespace), str(o.timezone), overrides)),
        ),
      );
      return o.report ? out : out.bundle;
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
      return new api.EditableMessage(this.#n().edit());
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

  Object.assign(api, { Element, Segment, Message, Parser, parse, writeInput, release, REPARSE, OPTIONS, INPUT, NATIVE });
}
