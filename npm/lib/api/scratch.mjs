// The plumbing of the hot path: bytes cross into and out of WebAssembly
// memory through a scratch buffer, values are read straight out of memory,
// and paths are compiled once (see bindings-wasm/src/handles.rs).

export function installScratch(api) {
  const { native, rethrow } = api;
  // Bytes cross into and out of WebAssembly through one reusable scratch
  // buffer: cheaper than a string conversion per call for short values.
  const memory = native.wasmMemory();
  const encoder = new TextEncoder();
  // ignoreBOM keeps a U+FEFF at the start of a value, as the core reads it
  // (by default TextDecoder drops it).
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  const { ucs2Write } = api.host;

  /** Writes text into the scratch buffer as UTF-8; returns its length. */
  function writeText(text) {
    const n = text.length;
    // Where the platform copies a string's UTF-16 code units (Node), a
    // message's are copied and made UTF-8 in WebAssembly (see utf16ToUtf8
    // in bindings-wasm/src/handles.rs). encodeInto takes 7 to 12 times as
    // long for a string V8 stores two bytes a character (one that holds a
    // character above U+00FF, or a slice of one), and in Node 24 for any
    // slice of a longer string (a message split from a file's text); this
    // costs the same for all, a little more than encodeInto's best case.
    if (n >= UTF16_FROM && n <= UTF16_UP_TO && ucs2Write !== undefined) {
      ucs2Write.call(scratch(3 * n), text, n, 2 * n);
      const len = native.utf16ToUtf8(n);
      if (len >= 0) return len;
    }
    let capacity = n;
    for (;;) {
      const { read, written } = encoder.encodeInto(text, scratch(capacity));
      if (read === text.length) return written;
      capacity = text.length * 3;
    }
  }

  function writeBytes(bytes) {
    scratch(bytes.length).set(bytes);
    return bytes.length;
  }

  // A view of the scratch buffer, kept while the buffer stays where it is.
  let scratchView = new Uint8Array(0);
  /** A view of at least `capacity` scratch bytes (possibly more). */
  function scratch(capacity) {
    // Only scratchReserve moves the buffer (it never shrinks), so a view
    // long enough is still valid and no call is needed. Growing memory
    // detaches the view, which then has length 0 and is made again.
    if (scratchView.length < capacity) {
      const at = native.scratchReserve(capacity);
      scratchView = view().subarray(at, at + capacity);
    }
    return scratchView;
  }

  // A view of all of WebAssembly memory. Growing the memory detaches the old
  // buffer, which leaves the old view empty: then a new view is made (cheaper
  // than reading memory.buffer on every call).
  let heap = new Uint8Array(memory.buffer);
  function view() {
    if (heap.length === 0) heap = new Uint8Array(memory.buffer);
    return heap;
  }

  // Paths are parsed once in Rust and then addressed by id (bounded cache).
  const compiled = new Map();
  function pathId(path) {
    let id = compiled.get(path);
    if (id === undefined) {
      id = native.compilePath(writeText(String(path)));
      if (id === -2) return rethrow(native.takeError());
      if (compiled.size < 4096) compiled.set(path, id);
    }
    return id;
  }

  /**
   * The value getCompiled / messageGet found: -1 when absent; else the
   * value's address times 2^21, plus its UTF-8 length times two, plus one
   * unless ASCII. (-2, a value too long to pass this way, is the caller's to
   * read otherwise.)
   */
  function readValue(r) {
    if (r < 0) return undefined;
    const at = Math.floor(r / 2097152);
    const low = r - at * 2097152;
    const len = low >>> 1;
    if ((low & 1) === 0 && len <= 64) {
      view();
      return readAscii(at, len);
    }
    return decoder.decode(view().subarray(at, at + len));
  }

  /** `len` bytes of ASCII at `at` in this module's memory (see asciiIn). */
  function readAscii(at, len) {
    return asciiIn(heap, at, len);
  }

  Object.assign(api, { encoder, decoder, writeText, writeBytes, pathId, readValue, heap: view, asciiIn });
}

/** The shortest text copied as UTF-16 (shorter ones cost less to encode than a second call). */
const UTF16_FROM = 64;
/** The longest (its copy takes three bytes a unit of scratch buffer, which never shrinks). */
const UTF16_UP_TO = 1 << 24;

const char = String.fromCharCode;
/**
 * `len` bytes of ASCII at `at` in `h` (a view of a WebAssembly module's
 * memory) as a string: for the short values paths usually read,
 * String.fromCharCode with the bytes as arguments is several times cheaper
 * than TextDecoder. Up to 16 bytes in one call: timestamps (14) and message
 * types with their structure (15) are common values.
 */
function asciiIn(h, at, len) {
  switch (len) {
    case 0: return "";
    case 1: return char(h[at]);
    case 2: return char(h[at], h[at + 1]);
    case 3: return char(h[at], h[at + 1], h[at + 2]);
    case 4: return char(h[at], h[at + 1], h[at + 2], h[at + 3]);
    case 5: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4]);
    case 6: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5]);
    case 7: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6]);
    case 8: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7]);
    case 9: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8]);
    case 10: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9]);
    case 11: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10]);
    case 12: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11]);
    case 13: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12]);
    case 14: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12], h[at + 13]);
    case 15: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12], h[at + 13], h[at + 14]);
    case 16: return char(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8], h[at + 9], h[at + 10], h[at + 11], h[at + 12], h[at + 13], h[at + 14], h[at + 15]);
    default: {
      // Longer values in pieces of 16 (one call each, then concatenated).
      let text = "";
      for (let i = 0; i < len; i += 16) text += asciiIn(h, at + i, Math.min(16, len - i));
      return text;
    }
  }
}
