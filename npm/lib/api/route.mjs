// Filters, routes, change detection, diffs and mappings (the full module).

export function installRoute(api) {
  const { call, release, decoder, Message, full, withFull, withFullHandle, inputBytes, piecesOf, splitStream, HL7ParseError, HL7StreamError } = api;
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
     * read when that suffices), or for a Message (its bytes are parsed again
     * in the full module: text or bytes are faster).
     */
    matches(message) {
      if (message instanceof Message) {
        return withFullHandle(
          message,
          (h) => this.#native.matchesHandle(h),
          (m) => this.#native.matches(m),
        );
      }
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
    /**
     * scan() over a stream (a ReadableStream, a Node stream, an async
     * iterable of pieces), in bounded memory: resolves to {total, count,
     * unreadable [{offset, code}]}, handing each matching message's bytes to
     * options.onMatch (awaited, when given) as it is found.
     */
    scanStream(source, options) {
      return scanStream(this, source, options);
    }
    /** How many messages of a stream match (see scanStream()). */
    async countStream(source, options) {
      return (await scanStream(this, source, options)).count;
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
      return withFullHandle(
        message,
        (h) => this.#native.destinationsHandle(h),
        (m) => this.#native.destinations(m),
      );
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
      return JSON.parse(this.applyJSON(message));
    }
    /** What apply() gives, as JSON text (as the core writes it). */
    applyJSON(message) {
      return withFull(message, (m) => this.#native.applyJson(m));
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

  /**
   * The rows of every message of a stream (a ReadableStream such as a fetch()
   * body, a Node stream, or any async iterable of Uint8Array or string
   * pieces), a batch at a time as pieces complete messages, in bounded
   * memory. `fields` are paths; or options.mapping (a spec object or its
   * JSON text) gives a row per mapping object. Options: filter (an
   * expression: only matching messages give rows), raw, and the parse
   * options. Yields {columns: {name: (string|null)[]}, offsets, errors:
   * [{row, error}]} per batch: rows within the batch, offsets in the stream,
   * and for each message that could not be read, its row (values null) and
   * its HL7ParseError or HL7StreamError.
   */
  async function* extractStream(source, fields, options) {
    const mapping = options?.mapping;
    if ((fields == null) === (mapping == null)) throw new TypeError("give either fields (paths) or options.mapping");
    if (fields != null && !Array.isArray(fields)) throw new TypeError("fields must be an array of paths");
    const spec = mapping == null ? undefined : typeof mapping === "string" ? mapping : JSON.stringify(mapping);
    const filter = options?.filter;
    if (filter != null && typeof filter !== "string") throw new TypeError("options.filter must be an expression");
    const f = full();
    const reader = call(() => new f.NativeColumnReader(fields?.map(String), spec, filter, Boolean(options?.raw), options));
    const names = reader.names();
    const unpack = ([text, cells, offsets, errors]) => {
      const width = names.length;
      const rows = offsets.length;
      const columns = {};
      names.forEach((name, c) => {
        const values = new Array(rows);
        for (let row = 0; row < rows; row++) {
          const at = (row * width + c) * 2;
          values[row] = cells[at] === 0xffffffff ? null : text.slice(cells[at], cells[at + 1]);
        }
        columns[name] = values;
      });
      return {
        columns,
        offsets: Array.from(offsets),
        errors: errors.map((e) => ({ row: e.row, error: e.kind === "stream" ? new HL7StreamError(e) : new HL7ParseError(e) })),
      };
    };
    try {
      for await (const piece of piecesOf(source)) {
        const batch = call(() => reader.push(piece));
        if (batch[2].length > 0) yield unpack(batch);
      }
      const last = reader.finish();
      if (last[2].length > 0) yield unpack(last);
    } finally {
      reader.free();
    }
  }

  /** Filter.scanStream(): splitStream() and matches() on each message. */
  async function scanStream(filter, source, options) {
    const onMatch = options?.onMatch;
    if (onMatch !== undefined && typeof onMatch !== "function") throw new TypeError("options.onMatch must be a function");
    let total = 0;
    let count = 0;
    const unreadable = [];
    for await (const chunk of splitStream(source, options)) {
      if (chunk.kind !== "message") continue;
      total++;
      let matched;
      try {
        matched = filter.matches(chunk.bytes);
      } catch (e) {
        if (!(e instanceof HL7ParseError)) throw e;
        unreadable.push({ offset: chunk.offset, code: e.code });
        continue;
      }
      if (matched) {
        count++;
        if (onMatch) await onMatch(chunk.bytes);
      }
    }
    return { total, count, unreadable };
  }

  Object.assign(api, { Filter, Router, ChangeDetector, diff, Mapping, extractStream });
}
