// The MLLP client, over any byte connection: Node's net/tls sockets
// (pipehat/mllp) or a Cloudflare Workers socket (the workerd build). It
// frames, matches each acknowledgement to its message by MSA-2 = MSH-10,
// times out, reconnects with jittered backoff and resends what was not
// acknowledged. Protocol answers come from the core (api.transport).

/**
 * @param api the pipehat API (parse, MllpDecoder, mllpEncode, transport)
 * @param open (options) => Promise<link>: a connected link
 *   {write(bytes), close(), onData(fn), onClose(fn)}, or a rejection with
 *   HL7TransportError connect_timeout or connect_failed (it applies
 *   options.connectTimeout itself, so that a late connection is not left open)
 */
export function makeClient(api, open) {
  const { transport, MllpDecoder, mllpEncode, parse, HL7MllpError } = api;
  const L = transport.LIMITS;

  class MllpClient {
    #options;
    #link = null;
    #connecting = null;
    #decoder = null;
    /** control id -> {bytes, resolve, reject, timer, sent} in send order */
    #waiting = new Map();
    #queue = [];
    #closed = false;
    /** Connections lost in a row without a reply on them. */
    #drops = 0;
    #listeners = new Map();

    constructor(options = {}) {
      if (options.port === undefined) throw new TypeError("options.port is required");
      this.#options = {
        host: "127.0.0.1",
        connectTimeout: L.connectTimeout,
        ackTimeout: L.ackTimeout,
        maxFrameSize: L.maxFrameSize,
        keepAlive: L.keepAlive,
        reconnectAttempts: L.reconnectAttempts,
        reconnectMinDelay: L.reconnectMin,
        reconnectMaxDelay: L.reconnectMax,
        maxInFlight: 1,
        applicationAck: false,
        ...options,
      };
    }

    /** Listens to "issue" ({code, controlId?}) and "reconnect" ({attempt, delay}) events. */
    on(event, fn) {
      if (!this.#listeners.has(event)) this.#listeners.set(event, []);
      this.#listeners.get(event).push(fn);
      return this;
    }
    #emit(event, info) {
      for (const fn of this.#listeners.get(event) ?? []) fn(info);
    }

    /** Opens the connection now (send() opens it when needed). */
    async connect() {
      await this.#ensure();
      return this;
    }

    /** How many messages wait for their acknowledgement. */
    get inFlight() {
      return this.#waiting.size;
    }

    /**
     * Sends one message (Message, text or bytes) and resolves to its
     * acknowledgement (a Message whose MSA-2 is the message's MSH-10), or
     * null for an MLLP release 2 commit block, or once written when the
     * message asks for no acknowledgement on success (MSH-15/16 NE, ER). Rejects with
     * HL7TransportError: no_control_id, duplicate_in_flight, ack_timeout,
     * connect_failed, connect_timeout, connection_closed (reconnects
     * exhausted), negative_commit, closed.
     */
    async send(message) {
      if (this.#closed) throw transport.error("closed");
      const bytes = transport.bytes(message);
      const id = transport.controlId(bytes);
      if (id === undefined) throw transport.error("no_control_id");
      if (this.#waiting.has(id)) throw transport.error("duplicate_in_flight");
      while (this.#waiting.size >= Math.max(1, this.#options.maxInFlight)) {
        await new Promise((r) => this.#queue.push(r));
        if (this.#closed) throw transport.error("closed");
        if (this.#waiting.has(id)) throw transport.error("duplicate_in_flight");
      }
      return new Promise((resolve, reject) => {
        const entry = { id, bytes, resolve, reject, timer: null, sent: false, expectsAck: transport.expectsAck(bytes) };
        const settle = () => {
          clearTimeout(entry.timer);
          this.#waiting.delete(id);
          this.#queue.shift()?.();
        };
        entry.resolve = (v) => (settle(), resolve(v));
        entry.reject = (e) => (settle(), reject(e));
        if (this.#options.ackTimeout > 0) {
          entry.timer = setTimeout(() => entry.reject(transport.error("ack_timeout")), this.#options.ackTimeout);
        }
        this.#waiting.set(id, entry);
        this.#ensure().then(
          () => this.#write(entry),
          (e) => entry.reject(e),
        );
      });
    }

    #write(entry) {
      if (!this.#link || entry.sent || this.#waiting.get(entry.id) !== entry) return;
      entry.sent = true;
      this.#link.write(mllpEncode(entry.bytes));
      // Enhanced mode with NE/NE (ER/ER...): the receiver sends nothing when all goes well.
      if (!entry.expectsAck) entry.resolve(null);
    }

    async #ensure() {
      if (this.#link) return;
      if (!this.#connecting) {
        this.#connecting = this.#open().finally(() => (this.#connecting = null));
      }
      await this.#connecting;
    }

    async #open() {
      const o = this.#options;
      let attempt = 0;
      for (;;) {
        if (this.#closed) throw transport.error("closed");
        try {
          const link = await open(o);
          this.#attach(link);
          return;
        } catch (e) {
          const err = e?.code && transport.ERROR_CODES.includes(e.code) ? e : transport.error("connect_failed");
          if (attempt >= o.reconnectAttempts) throw err;
          const delay = transport.backoff(attempt, o.reconnectMinDelay, o.reconnectMaxDelay);
          this.#emit("reconnect", { attempt: attempt + 1, delay, code: err.code });
          attempt += 1;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }

    #attach(link) {
      this.#link = link;
      this.#decoder = new MllpDecoder({ maxFrameSize: this.#options.maxFrameSize });
      link.onData((chunk) => this.#data(chunk));
      link.onClose(() => this.#lost(link));
      for (const entry of this.#waiting.values()) this.#write(entry);
    }

    #data(chunk) {
      let frames;
      try {
        frames = this.#decoder.push(chunk);
      } catch (e) {
        if (!(e instanceof HL7MllpError)) throw e;
        this.#emit("issue", { code: "frame_too_large", length: e.length });
        frames = [];
      }
      for (const frame of frames) this.#reply(frame);
    }

    #reply(frame) {
      // The common case in one call into the core: the control id answered.
      const id = transport.replyId(frame);
      if (id === undefined) {
        this.#emit("issue", { code: "not_an_ack", size: frame.length });
        return;
      }
      this.#drops = 0;
      if (id === "") {
        // A commit block (or an ACK without MSA-2): read it whole.
        const reply = transport.readReply(frame);
        if (reply.kind === "ack") return this.#emit("issue", { code: "unmatched_ack", controlId: "" });
        // MLLP release 2 is stop-and-wait: a commit block answers the oldest message sent.
        const oldest = [...this.#waiting.values()].find((w) => w.sent);
        if (!oldest) return this.#emit("issue", { code: "unmatched_ack" });
        if (reply.kind === "commit") oldest.resolve(null);
        else oldest.reject(transport.error("negative_commit"));
        return;
      }
      const entry = this.#waiting.get(id);
      if (!entry || !entry.sent) {
        this.#emit("issue", { code: "unmatched_ack", controlId: id });
        return;
      }
      if (this.#options.applicationAck && !transport.readReply(frame).settlesApplication) return;
      entry.resolve(parse(frame));
    }

    #lost(link) {
      if (this.#link !== link) return;
      this.#link = null;
      this.#decoder?.free();
      this.#decoder = null;
      if (this.#closed || this.#waiting.size === 0) return;
      // Whatever was not acknowledged goes again on a new connection, unless
      // connections keep dropping before any reply (a peer that refuses us).
      for (const entry of this.#waiting.values()) entry.sent = false;
      const o = this.#options;
      const fail = (err) => {
        for (const entry of [...this.#waiting.values()]) entry.reject(err);
      };
      this.#drops += 1;
      if (this.#drops > o.reconnectAttempts) return fail(transport.error("connection_closed"));
      const delay = transport.backoff(this.#drops - 1, o.reconnectMinDelay, o.reconnectMaxDelay);
      this.#emit("reconnect", { attempt: this.#drops, delay, code: "connection_closed" });
      setTimeout(() => {
        if (this.#closed || this.#waiting.size === 0) return;
        this.#ensure().catch((e) => fail(e?.code === "closed" ? e : transport.error("connection_closed")));
      }, delay);
    }

    /** Closes the connection; messages still waiting fail with `closed`. */
    async close() {
      this.#closed = true;
      const link = this.#link;
      this.#link = null;
      for (const entry of [...this.#waiting.values()]) entry.reject(transport.error("closed"));
      for (const wake of this.#queue.splice(0)) wake();
      if (link) await link.close();
      this.#decoder?.free();
      this.#decoder = null;
    }

    async [Symbol.asyncDispose]() {
      await this.close();
    }
  }

  /** Opens a client: `await connect({host, port, tls, ...})`. */
  async function connect(options) {
    return new MllpClient(options).connect();
  }

  return { MllpClient, connect };
}

export function withTimeout(promise, ms, error) {
  if (!(ms > 0)) return promise;
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
