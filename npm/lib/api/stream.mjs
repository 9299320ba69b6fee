// Streams and bulk reads: split(), Splitter, splitStream(), parseAll(),
// extract().

export function installStream(api) {
  const { native, call, release, encoder, parse, HL7StreamError, HL7ParseError } = api;
  // Chunks cross as five numbers each (kind, offset, end of its bytes,
  // declared and counted counts, -1 for none): one call for all of them.
  const CHUNK_KINDS = native.chunkKinds();
  const NUMBERS_PER_CHUNK = 5;
  /** The chunk at `numbers[i]`, its bytes `bytes[start..end]` (copied). */
  function chunkAt(numbers, i, bytes, start) {
    const kind = CHUNK_KINDS[numbers[i]];
    const chunk = { kind, offset: numbers[i + 1], bytes: bytes.slice(start, numbers[i + 2]) };
    // The core counts what a trailer closes (and only a trailer): that is
    // what gives a chunk its two count properties.
    if (numbers[i + 4] >= 0) {
      chunk.declaredCount = numbers[i + 3] < 0 ? null : numbers[i + 3];
      chunk.countedCount = numbers[i + 4] < 0 ? null : numbers[i + 4];
    }
    return chunk;
  }

  /** Splits files, batches and MLLP captures into chunks: {kind, offset, bytes}. */
  function split(input) {
    const bytes = typeof input === "string" ? encoder.encode(input) : input;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("input must be a string or a Uint8Array");
    const numbers = native.splitPacked(bytes);
    const chunks = [];
    for (let i = 0; i < numbers.length; i += NUMBERS_PER_CHUNK) {
      chunks.push(chunkAt(numbers, i, bytes, numbers[i + 1]));
    }
    return chunks;
  }

  /**
   * Splits a stream that arrives in pieces into the chunks split() finds in
   * the whole: push() each piece, take the complete chunks by iterating (or
   * read()), and finish() at the end, then iterate once more for the last.
   * Holds at most one unfinished chunk; maxChunkSize (default 256 MiB) bounds it.
   */
  class Splitter {
    #native;
    /** Chunks (and errors) complete and not read yet, from #next on. */
    #ready = [];
    #next = 0;
    constructor(options) {
      const max = options?.maxChunkSize;
      if (max !== undefined && !(typeof max === "number" && max >= 0)) {
        throw new TypeError("options.maxChunkSize must be a number >= 0");
      }
      this.#native = new native.NativeSplitter(max);
    }
    /** Adds the next piece of the stream: a Uint8Array, or a string (as UTF-8). */
    push(piece) {
      if (typeof piece !== "string" && !(piece instanceof Uint8Array)) {
        throw new TypeError("a piece must be a string or a Uint8Array");
      }
      call(() => this.#native.push(piece));
      this.#take();
      return this;
    }
    /** Declares the end of the stream: what is left becomes the last chunks. */
    finish() {
      this.#native.finish();
      this.#take();
      return this;
    }
    /** Moves the chunks complete in WebAssembly to #ready, in one call. */
    #take() {
      const [numbers, bytes, errors] = this.#native.drain();
      if (numbers.length === 0) return;
      if (this.#next > 0) {
        // Drop what was read already.
        this.#ready = this.#ready.slice(this.#next);
        this.#next = 0;
      }
      for (let i = 0, start = 0, e = 0; i < numbers.length; i += NUMBERS_PER_CHUNK) {
        if (numbers[i] < 0) {
          this.#ready.push(new HL7StreamError(errors[e++]));
          continue;
        }
        this.#ready.push(chunkAt(numbers, i, bytes, start));
        start = numbers[i + 2];
      }
    }
    /**
     * The next complete chunk, or undefined. Throws HL7StreamError for a chunk
     * over maxChunkSize, which is skipped: the next call goes on after it.
     */
    read() {
      if (this.#next === this.#ready.length) return undefined;
      const item = this.#ready[this.#next++];
      if (item instanceof HL7StreamError) throw item;
      return item;
    }
    /** Takes every complete chunk (see read()). */
    *[Symbol.iterator]() {
      for (let chunk = this.read(); chunk !== undefined; chunk = this.read()) yield chunk;
    }
    /** Bytes pushed and not yet in a complete chunk (nor skipped). */
    get buffered() {
      return this.#native.buffered();
    }
    /** Stream offset of the first byte not yet in a complete chunk. */
    get position() {
      return this.#native.position();
    }
    free() {
      this.#native = release(this.#native);
      this.#ready = [];
      this.#next = 0;
    }
  }

  /** The pieces of a ReadableStream, an async iterable or an iterable. */
  async function* piecesOf(source) {
    if (source && typeof source[Symbol.asyncIterator] === "function") {
      yield* source;
    } else if (source && typeof source.getReader === "function") {
      // A ReadableStream where it is not async iterable (Safari).
      const reader = source.getReader();
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
      } finally {
        reader.releaseLock();
      }
    } else if (source && typeof source[Symbol.iterator] === "function" && typeof source !== "string") {
      yield* source;
    } else {
      throw new TypeError("source must be a ReadableStream, an async iterable or an iterable of pieces");
    }
  }

  /**
   * The chunks of a stream (a ReadableStream such as a fetch() body, a Node
   * stream, or any async iterable of Uint8Array or string pieces), as they
   * complete, with bounded memory. Throws HL7StreamError for a chunk over
   * maxChunkSize.
   */
  async function* splitStream(source, options) {
    const splitter = new Splitter(options);
    try {
      for await (const piece of piecesOf(source)) {
        yield* splitter.push(piece);
      }
      yield* splitter.finish();
    } finally {
      splitter.free();
    }
  }

  /** Parses every message of a file, batch or MLLP capture. */
  function parseAll(input, options) {
    return split(input)
      .filter((c) => c.kind === "message")
      .map((c) => parse(c.bytes, options));
  }

  /**
   * Reads paths from every message in one call: {path: (string|null)[]}.
   * Options: raw, details, and the parse options of parse(). With {details: true}: {columns, offsets, errors}, where offsets[row] is
   * each message's byte offset in the input and errors lists {row, error}
   * for each message that could not be parsed (error: the HL7ParseError that
   * parsing that message alone throws; its row's values are null).
   */
  function extract(input, paths, options) {
    const raw = Boolean(options && options.raw);
    // One string holds every value; each cell is a slice of it.
    const [text, cells, offsets, errors] = call(() => native.extractPacked(input, paths, raw, options));
    const width = paths.length;
    const rows = width === 0 ? 0 : cells.length / (2 * width);
    const columns = paths.map(() => new Array(rows));
    for (let row = 0, at = 0; row < rows; row++) {
      for (let c = 0; c < width; c++, at += 2) {
        const start = cells[at];
        columns[c][row] = start === 0xffffffff ? null : text.slice(start, cells[at + 1]);
      }
    }
    const out = {};
    paths.forEach((path, c) => (out[path] = columns[c]));
    if (!(options && options.details)) return out;
    return {
      columns: out,
      offsets: Array.from(offsets),
      errors: errors.map((e) => ({ row: e.row, error: new HL7ParseError(e) })),
    };
  }

  Object.assign(api, { split, Splitter, splitStream, parseAll, extract, piecesOf });
}
