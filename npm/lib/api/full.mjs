// The full module (the dictionary and validation, filters, routes, change
// detection, mappings): loaded on first use where the platform can, or by
// load(); withFull() runs a function on a message parsed in it.

export function installFull(api) {
  const { loadFull, call, encoder, Message, OPTIONS, HL7LoadError } = api;
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

  Object.assign(api, { full, load, withFull, inputBytes });
}
