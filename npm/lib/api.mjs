// The JavaScript face of pipehat: camelCase names, Error subclasses, lazy
// element objects. No HL7 logic lives here: every decision is made in the
// Rust core, reached through the wasm-bindgen module passed to createApi().
// This file is the single source; scripts/build.mjs derives api.cjs from it.

export function createApi(native) {
  /** Thrown when a message cannot be read. Never quotes message content. */
  class HL7ParseError extends SyntaxError {
    constructor(info) {
      super(info.message);
      this.name = "HL7ParseError";
      this.code = info.code;
      this.offset = info.offset;
      this.line = info.line;
      this.column = info.column;
      this.segment = info.segment ?? null;
      this.field = info.field ?? null;
    }
  }

  /** Thrown for a malformed path such as "PID-0". */
  class HL7PathError extends SyntaxError {
    constructor(info) {
      super(info.message);
      this.name = "HL7PathError";
      this.code = info.code;
      this.offset = info.offset;
    }
  }

  function rethrow(e) {
    if (e && typeof e === "object" && !(e instanceof Error)) {
      if (e.kind === "parse") throw new HL7ParseError(e);
      if (e.kind === "path") throw new HL7PathError(e);
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

  const KINDS = ["field", "repetition", "component", "subcomponent"];

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

  /** A parsed HL7 v2 message, held in WebAssembly memory until free(). */
  class Message {
    #native;
    #header;
    constructor(nativeMessage) {
      this.#native = nativeMessage;
    }
    #h() {
      return (this.#header ??= this.#native.header());
    }
    /** Decoded value at path, or undefined when absent or empty. */
    get(path) {
      return call(() => this.#native.get(path));
    }
    /** Value at path exactly as written, or undefined. */
    getRaw(path) {
      return call(() => this.#native.getRaw(path));
    }
    /** Decoded value of every repetition of the field at path. */
    getAll(path) {
      return call(() => this.#native.getAll(path));
    }
    get messageType() { return this.#h().messageType; }
    get triggerEvent() { return this.#h().triggerEvent; }
    get messageStructure() { return this.#h().messageStructure; }
    get controlId() { return this.#h().controlId; }
    get processingId() { return this.#h().processingId; }
    get version() { return this.#h().version; }
    get timestamp() { return this.#h().timestamp; }
    get sendingApplication() { return this.#h().sendingApplication; }
    get sendingFacility() { return this.#h().sendingFacility; }
    get receivingApplication() { return this.#h().receivingApplication; }
    get receivingFacility() { return this.#h().receivingFacility; }
    get charset() { return this.#h().charset; }
    get segmentTerminator() { return this.#h().segmentTerminator; }
    get delimiters() { return { ...this.#h().delimiters }; }
    get diagnostics() {
      return this.#native.diagnostics();
    }
    get segments() {
      return this.#native.segmentNames().map((name, i) => new Segment(this.#native, i, name));
    }
    segment(name) {
      return this.segments.find((s) => s.name === name);
    }
    segmentsNamed(name) {
      return this.segments.filter((s) => s.name === name);
    }
    /** The message as plain objects (see the README for the shape). */
    toJSON() {
      return JSON.parse(this.#native.toJsonString());
    }
    /** The original text. */
    toString() {
      return this.#native.toText();
    }
    /** The original bytes. */
    toBytes() {
      return this.#native.toBytes();
    }
    /** Bytes held in WebAssembly memory (input plus index). */
    get heapSize() {
      return this.#native.heapSize();
    }
    /** Releases the WebAssembly memory now (otherwise a FinalizationRegistry does it). */
    free() {
      if (this.#native) {
        this.#native.free();
        this.#native = undefined;
      }
    }
  }
  if (typeof Symbol.dispose === "symbol") {
    Message.prototype[Symbol.dispose] = Message.prototype.free;
  }

  /** Parses one message (or a whole batch file). */
  // Encoding text in JavaScript and passing bytes is faster than the glue's
  // string copy, and gives the same UTF-8.
  const encoder = new TextEncoder();

  function parse(input, options) {
    if (typeof input === "string") return new Message(call(() => native.parseBytes(encoder.encode(input), options)));
    if (input instanceof Uint8Array) return new Message(call(() => native.parseBytes(input, options)));
    throw new TypeError("input must be a string or a Uint8Array");
  }

  /** Splits files, batches and MLLP captures into chunks: {kind, offset, bytes}. */
  function split(input) {
    return call(() => native.split(input));
  }

  /** Parses every message of a file, batch or MLLP capture. */
  function parseAll(input, options) {
    return split(input)
      .filter((c) => c.kind === "message")
      .map((c) => parse(c.bytes, options));
  }

  /** Reads paths from every message in one call: {path: (string|null)[]}. */
  function extract(input, paths, options) {
    const raw = Boolean(options && options.raw);
    return JSON.parse(call(() => native.extractJson(input, paths, raw))).columns;
  }

  return { parse, parseAll, split, extract, Message, Segment, Element, HL7ParseError, HL7PathError };
}
