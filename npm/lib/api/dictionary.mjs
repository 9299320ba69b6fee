// The dictionary and validation: explain(), fieldName(), Profile,
// validate(), ackErrors() (the full module).

export function installDictionary(api) {
  const { native, call, release, full, withFullHandle, fullMemory, NATIVE, decoder, asciiIn, writeText } = api;
  /** The HL7 version assumed where none is given (from the core). */
  const DEFAULT_VERSION = native.defaultVersion();

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
      return readReport(
        withFullHandle(
          message,
          (h, f) =>
            profile ? f.validateHandleWithProfile(h, version, profile[NATIVE]()) : f.validateHandle(h, version),
          (m, f) => (profile ? f.validateWithProfile(m, version, profile[NATIVE]()) : f.validate(m, version)),
        ),
      );
    } finally {
      temporary?.free();
    }
  }

  /** Strings of the full module's constant text, by address (see readReport). */
  const constants = new Map();

  /**
   * The report the full module laid out at `at` (see pack_report in
   * bindings-wasm/src/dictionary.rs), read in place: an object per issue
   * and a string per value, where JSON text would cost a parse as long as
   * the validation itself.
   */
  function readReport(at) {
    const { bytes, words: w } = fullMemory();
    let i = at >>> 2;
    const base = w[i];
    const flags = w[i + 1];
    const count = w[i + 2];
    // The text made into one string, each value a slice of it (its start
    // and length in UTF-16 units): one TextDecoder call, not one a value.
    const all = decoder.decode(bytes.subarray(base, base + w[i + 3]));
    const text = (k) => all.slice(w[k], w[k] + w[k + 1]);
    // The core's constant text (issue codes, severities): its address in
    // memory never changes, so each is made into a string once, found again
    // by address and length.
    const constant = (k) => {
      const key = w[k] * 65536 + w[k + 1];
      let s = constants.get(key);
      if (s === undefined) constants.set(key, (s = asciiIn(bytes, w[k], w[k + 1])));
      return s;
    };
    const report = {
      version: flags & 2 ? text(i + 4) : null,
      structure: flags & 4 ? text(i + 6) : null,
      valid: (flags & 1) === 1,
      issues: [],
    };
    for (i += 8; report.issues.length < count; i += 11) {
      const segment = w[i + 6];
      report.issues.push({
        code: constant(i),
        severity: constant(i + 2),
        path: text(i + 4),
        segment: segment === 0xffffffff ? null : segment,
        offset: w[i + 7],
        message: text(i + 8),
        hl7Code: w[i + 10],
      });
    }
    return report;
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
      // Left out when it does not read as a location (a segment named `PiD`),
      // as the core's Report::ack_errors leaves it out.
      path: native.readsAsLocation(writeText(String(i.path))) ? i.path : undefined,
      text: i.message,
      diagnostic: i.code,
    }));
  }

  Object.assign(api, { DEFAULT_VERSION, explain, fieldName, Profile, validate, ackErrors });
}
