// De-identification (the full module): Deidentifier and deidentify().

export function installDeid(api) {
  const { call, release, encoder, parse, full, withFull } = api;

  /** A policy option as the core reads it: a built-in name or JSON text. */
  function policyText(policy) {
    if (policy === undefined || policy === null) return undefined;
    if (typeof policy === "string") return policy;
    if (typeof policy === "object") return JSON.stringify(policy);
    throw new TypeError("policy must be a built-in policy's name, JSON text or an object");
  }

  function keyBytes(key) {
    if (typeof key === "string") return encoder.encode(key);
    if (key instanceof Uint8Array) return key;
    throw new TypeError("key must be a string or a Uint8Array");
  }

  /**
   * Removes identifiers from messages: new Deidentifier({key, policy,
   * crosswalk}). key: a string or Uint8Array of at least 16 bytes (the
   * same key gives the same pseudonyms and date offsets in every message
   * and language). policy: undefined ("safe-harbor"), a built-in name, an
   * object or its JSON text (docs/deid.md). crosswalk: keep each token's
   * original value (default false). Throws HL7DeidError.
   */
  class Deidentifier {
    #native;
    constructor(options) {
      const o = options ?? {};
      const f = full();
      this.#native = call(() => new f.NativeDeidentifier(keyBytes(o.key), policyText(o.policy), Boolean(o.crosswalk)));
    }
    /**
     * A message (a Message, text or bytes) de-identified, as a new Message:
     * the same segments, fields, delimiters and terminators, the policy's values changed.
     */
    deidentify(message) {
      const bytes = withFull(message, (m) => this.#native.apply(m));
      return parse(bytes);
    }
    /** What was changed so far: {messages, changes: [{path, action, count}]}; never content. */
    report() {
      return JSON.parse(this.#native.reportJson());
    }
    /** {token: original} when made with crosswalk: true, else null (it re-identifies: keep it apart). */
    crosswalk() {
      const text = this.#native.crosswalkJson();
      return text === undefined ? null : JSON.parse(text);
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /**
   * One message de-identified: deidentify(message, {key, policy}) (see
   * Deidentifier; for many messages make one and reuse it).
   */
  function deidentify(message, options) {
    const d = new Deidentifier(options);
    try {
      return d.deidentify(message);
    } finally {
      d.free();
    }
  }

  Object.assign(api, { Deidentifier, deidentify });
}
