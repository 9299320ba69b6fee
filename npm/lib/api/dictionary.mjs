// The dictionary and validation: explain(), fieldName(), Profile,
// validate(), ackErrors() (the full module).

export function installDictionary(api) {
  const { native, call, release, full, withFullHandle, NATIVE } = api;
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
      return JSON.parse(
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

  Object.assign(api, { DEFAULT_VERSION, explain, fieldName, Profile, validate, ackErrors });
}
