// The full module (the dictionary and validation, filters, routes, change
// detection, mappings): loaded on first use where the platform can, or by
// load(); withFull() runs a function on a message parsed in it.

export function installFull(api) {
  const { loadFull, call, rethrow, encoder, heap, Message, OPTIONS, INPUT, HL7LoadError } = api;
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

  /**
   * Runs byHandle(handle, f) on a Message parsed in the full module under a
   * handle: its bytes copied from memory to memory, no object made on either
   * side (a Message read through toBytes() moves into an object, and the
   * copy parsed through parseBytes() is one more). Anything else (text,
   * bytes, a message no longer under a handle, 2 MiB or more) goes through
   * withFull(message, byObject).
   */
  function withFullHandle(message, byHandle, byObject) {
    const at = message instanceof Message ? message[INPUT]() : undefined;
    if (at === undefined) return withFull(message, byObject);
    const f = full();
    const [address, length] = at;
    const target = f.scratchReserve(length);
    fullMemory().bytes.set(heap().subarray(address, address + length), target);
    const options = message[OPTIONS]();
    const handle = options === undefined ? f.parseHandle(length) : f.parseHandleWith(length, options);
    if (handle < 0) return rethrow(f.takeError());
    try {
      return byHandle(handle, f);
    } finally {
      f.messageFree(handle, true);
    }
  }

  // Views of the full module's memory, made again after it grows (growing
  // detaches the old buffer, which leaves the old views empty).
  const views = { bytes: new Uint8Array(0), words: new Uint32Array(0) };
  /** The full module's memory as bytes and as 32-bit words. */
  function fullMemory() {
    if (views.bytes.length === 0) {
      const buffer = full().wasmMemory().buffer;
      views.bytes = new Uint8Array(buffer);
      views.words = new Uint32Array(buffer);
    }
    return views;
  }

  function inputBytes(input) {
    if (typeof input === "string") return encoder.encode(input);
    if (input instanceof Uint8Array) return input;
    throw new TypeError("input must be a string or a Uint8Array");
  }

  Object.assign(api, { full, load, withFull, withFullHandle, inputBytes, fullMemory });
}
