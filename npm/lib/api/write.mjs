// Writing: EditableMessage, build() and acknowledgements.

export function installWrite(api) {
  const { native, call, Message, release } = api;
  /** A message being edited; untouched parts stay byte for byte. */
  class EditableMessage {
    #native;
    constructor(input) {
      this.#native =
        input && typeof input === "object" && !(input instanceof Uint8Array)
          ? input
          : call(() => new native.NativeEditable(input));
    }
    /** Sets the decoded value at path (delimiters are escaped; missing parts created). */
    set(path, value) {
      call(() => this.#native.set(path, String(value)));
      return this;
    }
    /** Sets already-encoded text at path. */
    setRaw(path, text) {
      call(() => this.#native.setRaw(path, String(text)));
      return this;
    }
    /** Inserts a repetition, component or subcomponent before the one path names. */
    insert(path, value) {
      call(() => this.#native.insert(path, String(value)));
      return this;
    }
    insertRaw(path, text) {
      call(() => this.#native.insertRaw(path, String(text)));
      return this;
    }
    /** Removes the repetition, component or subcomponent path names (a field path clears the field). */
    remove(path) {
      call(() => this.#native.remove(path));
      return this;
    }
    appendRepetition(path, value) {
      call(() => this.#native.appendRepetition(path, String(value)));
      return this;
    }
    /** Inserts a segment (encoded text such as "NTE|1||note") before index at. */
    insertSegment(at, text) {
      call(() => this.#native.insertSegment(at, text));
      return this;
    }
    appendSegment(text) {
      call(() => this.#native.appendSegment(text));
      return this;
    }
    removeSegment(at) {
      call(() => this.#native.removeSegment(at));
      return this;
    }
    get(path) {
      return call(() => this.#native.get(path));
    }
    get segmentCount() {
      return this.#native.segmentCount();
    }
    /** A parsed, read-only snapshot. */
    toMessage() {
      return new Message(this.#native.toMessage());
    }
    toString() {
      return this.#native.toText();
    }
    toBytes() {
      return this.#native.toBytes();
    }
    free() {
      this.#native = release(this.#native);
    }
  }

  /** A new message with an MSH built from options (encoded text values). */
  function build(options) {
    return new EditableMessage(call(() => native.buildMessage(options ?? {})));
  }

  /** Acknowledges input whether or not it parses (parse options and ack options together). */
  function ack(input, options) {
    return new Message(call(() => native.ackInput(input, options ?? {})));
  }

  Object.assign(api, { EditableMessage, build, ack });
}
