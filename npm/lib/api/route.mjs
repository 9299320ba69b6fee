// Filters, routes, change detection, diffs and mappings (the full module).

export function installRoute(api) {
  const { call, release, decoder, Message, full, withFull, inputBytes } = api;
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

  Object.assign(api, { Filter, Router, ChangeDetector, diff, Mapping });
}
