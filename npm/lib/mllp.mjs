// pipehat/mllp for Node, Bun and Deno: an MLLP server and client over
// node:net, or node:tls when `tls` options are given. No dependency beyond
// Node's standard library; every protocol decision is the core's
// (api.transport): which acknowledgement to send, whether a reply answers
// a message, the limits and their defaults.
import net from "node:net";
import tls from "node:tls";
import { EventEmitter } from "node:events";
import api from "./node.cjs";
import { makeClient, withTimeout } from "./transport/client.mjs";

const { transport, parse, MllpDecoder, mllpEncode, Message, HL7ParseError, HL7MllpError, HL7TransportError } = api;
const L = transport.LIMITS;
const COMMIT = Uint8Array.of(0x0b, 0x06, 0x1c, 0x0d);
const NEGATIVE_COMMIT = Uint8Array.of(0x0b, 0x15, 0x1c, 0x0d);

/**
 * An MLLP server. `handler(message, info)` (a function or async function)
 * gets each message as a pipehat Message and `info` {peer, controlId}; it
 * returns nothing (the server acknowledges AA, or CA when the message asks
 * for enhanced mode) or a reply (Message, text or bytes) sent instead. The
 * acknowledgement goes back only once the handler has returned.
 */
export class MllpServer extends EventEmitter {
  #handler;
  #options;
  #server;
  #sockets = new Set();
  #busy = new Set();
  #replay;

  constructor(handler, options = {}) {
    super();
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    this.#handler = handler;
    this.#options = {
      maxFrameSize: L.maxFrameSize,
      maxConnections: L.maxConnections,
      frameTimeout: L.frameTimeout,
      handlerTimeout: L.handlerTimeout,
      idleTimeout: L.idleTimeout,
      keepAlive: L.keepAlive,
      mllpRelease2: false,
      replay: 0,
      allowPublic: false,
      parse: undefined,
      tls: undefined,
      ...options,
    };
    this.#replay = this.#options.replay > 0 ? new transport.ReplayCache(this.#options.replay) : null;
    const onSocket = (socket) => this.#accept(socket);
    this.#server = this.#options.tls
      ? tls.createServer({ minVersion: "TLSv1.2", ...this.#options.tls }, onSocket)
      : net.createServer(onSocket);
    this.#server.on("tlsClientError", (e, socket) => {
      this.emit("issue", { code: "tls_failed", peer: peerOf(socket) });
    });
    this.#server.on("error", (e) => this.emit("issue", { code: "listen_failed", cause: e }));
  }

  /** Starts listening (port 0 picks a free one); resolves to address(). */
  async listen(port = 0, host = "127.0.0.1") {
    if (!transport.isLoopback(host) && !this.#options.allowPublic) throw transport.error("public_address");
    await new Promise((resolve, reject) => {
      const fail = (e) => reject(e);
      this.#server.once("error", fail);
      this.#server.listen(port, host, () => {
        this.#server.off("error", fail);
        resolve();
      });
    });
    return this.address();
  }

  /** {address, family, port} once listening. */
  address() {
    return this.#server.address();
  }

  /** How many connections are open. */
  get connections() {
    return this.#sockets.size;
  }

  /** Replaces the TLS certificate, key or CA for new connections (no restart). */
  setSecureContext(options) {
    if (!this.#options.tls) throw new TypeError("the server was not created with tls options");
    this.#server.setSecureContext({ ...this.#options.tls, ...options });
  }

  /**
   * Stops accepting, lets every handler that is running finish and its
   * acknowledgement go out (up to `drainTimeout` ms, default the handler
   * timeout), then closes every connection.
   */
  async close({ drainTimeout = this.#options.handlerTimeout } = {}) {
    const closed = new Promise((r) => this.#server.close(() => r()));
    for (const s of this.#sockets) if (!this.#busy.has(s)) s.end();
    const started = Date.now();
    while (this.#busy.size > 0 && (drainTimeout <= 0 || Date.now() - started < drainTimeout)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }

  #accept(socket) {
    const o = this.#options;
    const peer = peerOf(socket);
    if (this.#sockets.size >= o.maxConnections) {
      this.emit("issue", { code: "too_many_connections", peer });
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    if (o.keepAlive > 0) socket.setKeepAlive(true, o.keepAlive);
    if (o.idleTimeout > 0) {
      socket.setTimeout(o.idleTimeout, () => {
        if (this.#busy.has(socket)) return;
        this.emit("issue", { code: "idle_timeout", peer });
        socket.destroy();
      });
    }
    this.emit("connection", { peer });
    const decoder = new MllpDecoder({ maxFrameSize: o.maxFrameSize });
    let chain = Promise.resolve();
    let pending = 0;
    let frameTimer = null;
    const armFrameTimer = () => {
      if (decoder.buffered > 0 && o.frameTimeout > 0) {
        frameTimer ??= setTimeout(() => {
          this.emit("issue", { code: "frame_timeout", peer, size: decoder.buffered });
          socket.destroy();
        }, o.frameTimeout);
      } else if (frameTimer) {
        clearTimeout(frameTimer);
        frameTimer = null;
      }
    };
    socket.on("data", (chunk) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        if (!(e instanceof HL7MllpError)) throw e;
        // The frame was skipped unread: nothing can answer it, so the
        // connection closes and the sender learns it at once.
        this.emit("issue", { code: "frame_too_large", peer, length: e.length });
        socket.destroy();
        return;
      }
      armFrameTimer();
      // Several frames in one read (a pipelining client): their ACKs leave in one write.
      if (frames.length > 1) socket.cork();
      for (const frame of frames) {
        pending += 1;
        if (pending > 64) socket.pause();
        chain = chain.then(() =>
          this.#handle(socket, peer, frame).finally(() => {
            pending -= 1;
            if (pending < 16) socket.resume();
          }),
        );
      }
      if (frames.length > 1) chain = chain.then(() => socket.uncork());
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(frameTimer);
      this.#sockets.delete(socket);
      decoder.free();
      this.emit("disconnect", { peer });
    });
  }

  async #handle(socket, peer, frame) {
    const o = this.#options;
    if (socket.destroyed) return;
    this.#busy.add(socket);
    try {
      await this.#answer(socket, peer, frame, o);
    } finally {
      this.#busy.delete(socket);
      if (!this.#server.listening) socket.end();
    }
  }

  async #answer(socket, peer, frame, o) {
    const send = (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const earlier = this.#replay?.get(frame);
    if (earlier) {
      send(mllpEncode(earlier));
      this.emit("ack", { peer, controlId: transport.controlId(frame), code: codeOf(earlier), duplicate: true });
      return;
    }
    let message;
    try {
      message = parse(frame, o.parse);
    } catch (e) {
      if (!(e instanceof HL7ParseError)) throw e;
      this.emit("issue", { code: e.code, peer, size: frame.length, offset: e.offset });
      if (o.mllpRelease2) return send(NEGATIVE_COMMIT);
      try {
        const nak = transport.reject(frame, o.parse);
        send(mllpEncode(nak.toBytes()));
        this.emit("ack", { peer, controlId: transport.controlId(frame), code: "AR", duplicate: false });
      } catch (err) {
        if (!(err instanceof HL7TransportError)) throw err;
        this.emit("issue", { code: err.code, peer, size: frame.length });
      }
      return;
    }
    // The control id costs a call into the core: read only when someone asks.
    let controlId = null;
    const idOf = () => (controlId ??= transport.controlId(frame));
    const info = {
      peer,
      get controlId() {
        return idOf();
      },
    };
    if (this.listenerCount("message") > 0) this.emit("message", { peer, controlId: idOf(), size: frame.length });
    let failure;
    let reply;
    try {
      reply = this.#handler(message, info);
      if (reply !== null && typeof reply === "object" && typeof reply.then === "function") {
        reply = await withTimeout(reply, o.handlerTimeout, () => transport.error("handler_timeout"));
      }
    } catch (e) {
      failure = e instanceof HL7TransportError && e.code === "handler_timeout" ? "handler_timeout" : "handler_failed";
      this.emit("issue", { code: failure, peer, controlId: idOf(), cause: e });
    }
    if (o.mllpRelease2) {
      send(failure ? NEGATIVE_COMMIT : COMMIT);
      if (!failure && reply != null) send(mllpEncode(transport.bytes(reply)));
      this.emit("ack", { peer, controlId: idOf(), code: failure ? "negative_commit" : "commit", duplicate: false });
      return;
    }
    const frames = [];
    // The ACK the core makes (AA, CA, AE, CE), unless MSH-15/16 want none; in
    // enhanced mode it comes before the handler's own reply (the application ACK).
    if (failure !== undefined || reply == null || message.ackMode === "enhanced") {
      const ack = transport.replyFrame(message, failure);
      if (ack !== undefined) frames.push(ack);
    }
    if (failure === undefined && reply != null) frames.push(mllpEncode(transport.bytes(reply)));
    const watching = this.#replay !== null || this.listenerCount("ack") > 0;
    for (const framed of frames) {
      send(framed);
      if (!watching) continue;
      const bytes = framed.subarray(1, framed.length - 2);
      const code = codeOf(bytes);
      if (this.#replay && (code === "AA" || code === "CA")) this.#replay.set(frame, bytes);
      this.emit("ack", { peer, controlId: idOf(), code, duplicate: false });
    }
  }
}

function codeOf(bytes) {
  try {
    return transport.readReply(bytes).code;
  } catch {
    return undefined;
  }
}

function peerOf(socket) {
  const a = socket?.remoteAddress;
  return a ? `${a.includes(":") ? `[${a}]` : a}:${socket.remotePort}` : "unknown";
}

/** createServer(handler, options): an MllpServer; call listen(). */
export function createServer(handler, options) {
  return new MllpServer(handler, options);
}

/** A connected link over node:net or node:tls for the client. */
function openNode(o) {
  return new Promise((resolve, reject) => {
    const options = { host: o.host, port: o.port };
    const socket = o.tls
      ? tls.connect({ ...options, servername: net.isIP(o.host) ? undefined : o.host, minVersion: "TLSv1.2", ...o.tls })
      : net.connect(options);
    const ready = o.tls ? "secureConnect" : "connect";
    let timer = null;
    const fail = (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    if (o.connectTimeout > 0) timer = setTimeout(() => fail(transport.error("connect_timeout")), o.connectTimeout);
    socket.once("error", (e) => fail(o.tls && e?.code?.startsWith?.("ERR_TLS") || /SSL|certificate|TLS/i.test(e?.code ?? "") ? transport.error("tls_failed") : transport.error("connect_failed")));
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.on("error", () => {});
      socket.setNoDelay(true);
      if (o.keepAlive > 0) socket.setKeepAlive(true, o.keepAlive);
      // Writes made in one turn of the event loop (pipelined sends) leave together.
      let corked = false;
      resolve({
        write: (bytes) => {
          if (!corked) {
            corked = true;
            socket.cork();
            setImmediate(() => {
              corked = false;
              socket.uncork();
            });
          }
          socket.write(bytes);
        },
        close: () =>
          new Promise((r) => {
            if (socket.destroyed) return r();
            socket.once("close", () => r());
            socket.end();
            setTimeout(() => socket.destroy(), 1000).unref();
          }),
        onData: (fn) => socket.on("data", fn),
        onClose: (fn) => socket.on("close", fn),
      });
    });
  });
}

export const { MllpClient, connect } = makeClient(api, openNode);
export { HL7TransportError, Message };
