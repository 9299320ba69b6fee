// MLLP framing: mllpEncode() and the incremental MllpDecoder.

export function installMllp(api) {
  const { native, call, release } = api;
  /** One MLLP frame around the input: 0x0B input 0x1C 0x0D. */
  function mllpEncode(input) {
    return call(() => native.mllpEncode(input));
  }

  /** Frames from MLLP bytes arriving in chunks of any size. */
  class MllpDecoder {
    #native;
    constructor(options) {
      const max = options?.maxFrameSize;
      this.#native = new native.NativeMllpDecoder(max === undefined ? undefined : Number(max));
    }
    /** Feeds a chunk; returns the frames it completed (Uint8Array each). */
    push(chunk) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError("chunk must be a Uint8Array");
      return call(() => this.#native.push(chunk));
    }
    /** Declares the end of the stream. */
    finish() {
      this.#native.finish();
    }
    /** Warnings so far: {code, severity, offset, length, message}. */
    get issues() {
      return this.#native.issues().map(({ kind, ...rest }) => rest);
    }
    get buffered() {
      return this.#native.buffered();
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  Object.assign(api, { mllpEncode, MllpDecoder });
}
