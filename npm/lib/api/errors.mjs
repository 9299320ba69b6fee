// Errors: one class per kind of failure, each an Error subclass with the
// code and positions the core gives (never message content), and the
// translation of the plain error objects bindings-wasm throws into them.

export function installErrors(api) {
  // Every pipehat error class, for HL7Error's instanceof.
  const classes = [];

  /**
   * The base of every pipehat error, as Python's pipehat.HL7Error is:
   * `e instanceof HL7Error` holds for each HL7*Error below. (Each extends
   * the built-in error its kind is, SyntaxError for text that does not
   * read, so HL7Error is a base by instanceof rather than by prototype.)
   */
  class HL7Error extends Error {
    static [Symbol.hasInstance](value) {
      if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
      return this === HL7Error && classes.some((C) => value instanceof C);
    }
  }

  /**
   * An Error subclass named `name` that copies `fields` from the plain error
   * object the Rust side throws (absent fields become null). Messages name
   * positions and codes, never message content.
   */
  function errorClass(name, Base, fields) {
    // A subclass of another pipehat error hands it the whole object.
    const ours = classes.includes(Base);
    const C = class extends Base {
      constructor(info) {
        super(ours ? info : info.message);
        this.name = name;
        for (const f of fields) this[f] = info[f] ?? null;
      }
    };
    Object.defineProperty(C, "name", { value: name });
    classes.push(C);
    return C;
  }

  /** A message cannot be read. */
  const HL7ParseError = errorClass("HL7ParseError", SyntaxError, ["code", "offset", "line", "column", "segment", "field"]);
  /** A malformed path such as "PID-0". */
  const HL7PathError = errorClass("HL7PathError", SyntaxError, ["code", "offset"]);
  /** An edit was refused (the message is unchanged). */
  const HL7EditError = errorClass("HL7EditError", Error, ["code", "offset", "segment"]);
  /** A Splitter met a chunk larger than its maxChunkSize (skipped); offset is its offset in the stream. */
  // An HL7ParseError, as Python's StreamError is a ParseError.
  const HL7StreamError = errorClass("HL7StreamError", HL7ParseError, ["code", "offset"]);
  /** MllpDecoder.push() met a frame larger than maxFrameSize. */
  const HL7MllpError = errorClass("HL7MllpError", Error, ["code", "offset", "length"]);
  /** fromJSON() was given input that is not pipehat-lossless JSON. */
  const HL7JsonError = errorClass("HL7JsonError", SyntaxError, ["code", "offset"]);
  /** A value does not have its datatype's format. */
  const HL7DatatypeError = errorClass("HL7DatatypeError", SyntaxError, ["code", "offset"]);
  /** A filter expression does not compile; offset is a character position in it. */
  const HL7FilterError = errorClass("HL7FilterError", SyntaxError, ["code", "offset"]);
  /** A conformance profile is not valid; pointer is a JSON pointer into it. */
  const HL7ProfileError = errorClass("HL7ProfileError", Error, ["code", "pointer"]);
  /** A function needs the full module, which is not loaded yet (code not_loaded): call `await load()` once first. */
  const HL7LoadError = errorClass("HL7LoadError", Error, ["code"]);
  /** The dictionary cannot answer (unknown_version). */
  const HL7DictionaryError = errorClass("HL7DictionaryError", RangeError, ["code"]);
  /** A message cannot be converted to FHIR: fhir_no_map, fhir_invalid_option (option names it) or fhir_invalid_overrides (pointer). */
  const HL7FhirError = errorClass("HL7FhirError", RangeError, ["code", "option", "pointer"]);
  /** A de-identifier cannot be made: deid_invalid_policy (pointer: where in the policy) or deid_key_too_short. */
  const HL7DeidError = errorClass("HL7DeidError", RangeError, ["code", "pointer"]);
  /** A mapping spec is not valid; pointer is a JSON pointer into it. */
  const HL7MappingError = errorClass("HL7MappingError", Error, ["code", "pointer"]);

  /**
   * Moving a message failed (pipehat/mllp, pipehat/http): `code` is one of
   * transport.ERROR_CODES; `length` the limit or size where one is concerned;
   * `status` the HTTP status HL7 over HTTP answers it with.
   */
  const HL7TransportError = errorClass("HL7TransportError", Error, ["code", "length", "status"]);
  /** A transport timeout (connect_timeout, ack_timeout, frame_timeout, idle_timeout, handler_timeout). */
  const HL7TransportTimeoutError = errorClass("HL7TransportTimeoutError", HL7TransportError, ["code", "length", "status"]);
  /** A connection that could not be opened or ended (connect_failed, connection_closed, tls_failed, closed). */
  const HL7TransportConnectionError = errorClass("HL7TransportConnectionError", HL7TransportError, ["code", "length", "status"]);

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
      if (e.kind === "fhir") throw new HL7FhirError(e);
      if (e.kind === "deid") throw new HL7DeidError(e);
      if (e.kind === "transport") {
        if (e.group === "timeout") throw new HL7TransportTimeoutError(e);
        if (e.group === "connection") throw new HL7TransportConnectionError(e);
        throw new HL7TransportError(e);
      }
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

  Object.assign(api, { HL7Error, HL7ParseError, HL7PathError, HL7EditError, HL7StreamError, HL7MllpError, HL7JsonError, HL7DatatypeError, HL7FilterError, HL7ProfileError, HL7LoadError, HL7DictionaryError, HL7FhirError, HL7DeidError, HL7MappingError, HL7TransportError, HL7TransportTimeoutError, HL7TransportConnectionError, rethrow, call });
}
