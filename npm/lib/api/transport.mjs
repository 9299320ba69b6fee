// Transport without I/O: the core's answers to every protocol question an
// MLLP or HTTP server or client asks (pipehat/mllp and pipehat/http are
// built on these; anyone can build another transport on them).

export function installTransport(api) {
  const { native, call, rethrow, parse, Message, NATIVE, inputBytes } = api;

  /** Frames a reply, whatever form the caller gave it: Message, bytes or text. */
  function replyBytes(reply) {
    if (reply instanceof Message) return reply.toBytes();
    return inputBytes(reply);
  }

  class ReplayCache {
    #native;
    /** Acknowledgements of the last `capacity` messages, by MSH-3, MSH-4 and MSH-10. */
    constructor(capacity) {
      this.#native = new native.NativeReplayCache(Number(capacity));
    }
    /** The acknowledgement bytes sent for an earlier message with this one's key, or undefined. */
    get(message) {
      return this.#native.get(inputBytes(message));
    }
    /** Remembers the acknowledgement sent for `message`. */
    set(message, ack) {
      this.#native.insert(inputBytes(message), inputBytes(ack));
    }
    get size() {
      return this.#native.size;
    }
  }

  const transport = Object.freeze({
    /** The default limits and timeouts (times in ms) every server and client starts from. */
    LIMITS: Object.freeze(native.transportLimits()),
    /** Every HL7TransportError code. */
    ERROR_CODES: Object.freeze(native.transportErrorCodes()),
    /** The HL7TransportError for `code` (and a size, for limits). */
    error(code, length) {
      const info = call(() => native.transportError(code, length));
      try {
        return rethrow(info);
      } catch (e) {
        return e;
      }
    },
    /**
     * Reads a reply frame: {kind: "ack", code, answers, controlId,
     * settlesApplication} or {kind: "commit" | "negative_commit"}; throws
     * HL7TransportError not_an_ack.
     */
    readReply(frame) {
      return call(() => native.readReply(inputBytes(frame)));
    },
    /** MSA-2 of a reply frame (the control id it answers), "" for a commit block, undefined when it is no acknowledgement. */
    replyId(frame) {
      return native.replyId(inputBytes(frame));
    },
    /** Whether a reply frame answers the message whose MSH-10 is `controlId` (commit blocks answer any). */
    answers(frame, controlId) {
      return native.replyAnswers(inputBytes(frame), String(controlId));
    },
    /** MSH-10 of a message or its bytes (even unparsable), or undefined. */
    controlId(message) {
      return call(() => native.controlIdOf(replyBytes(message)));
    },
    /** {sendingApplication, sendingFacility, controlId}, or undefined. */
    messageKey(message) {
      return call(() => native.messageKey(replyBytes(message)));
    },
    /** Whether the sender of a message waits for an acknowledgement on success (false for enhanced mode NE/NE, ER/ER...). */
    expectsAck(message) {
      return native.expectsAck(replyBytes(message));
    },
    /** Whether a server may listen on `host` without allowPublic. */
    isLoopback(host) {
      return native.isLoopback(String(host));
    },
    /**
     * The acknowledgement a server sends once its handler is done:
     * `failure` undefined (AA, or CA in enhanced mode), "handler_failed" or
     * "handler_timeout" (AE or CE, with an ERR naming the failure only).
     */
    accept(message, failure, options) {
      return new Message(call(() => message[NATIVE]().transportAccept(failure, options ?? {})));
    },
    /**
     * What a server sends when its handler returned no reply: accept()'s
     * acknowledgement, or undefined when MSH-15/16 want none for it.
     */
    reply(message, failure, options) {
      const bytes = call(() => message[NATIVE]().transportReply(failure, options ?? {}, false));
      return bytes === undefined ? undefined : parse(bytes);
    },
    /** reply() as the MLLP frame a server writes (Uint8Array), or undefined: one call into the core. */
    replyFrame(message, failure, options) {
      return call(() => message[NATIVE]().transportReply(failure, options, true));
    },
    /** The AR (or CR) for a frame that does not parse; throws unreadable_frame without a readable MSH. */
    reject(frame, options) {
      return new Message(call(() => native.transportReject(inputBytes(frame), options ?? {})));
    },
    /**
     * Checks an HL7-over-HTTP request ({method, contentType, authorization,
     * bodyLength}) against {maxBodySize, credentials: [user, password]}:
     * {mediaType, charset, contentType}, or throws HL7TransportError with a status.
     */
    httpCheck(request, options = {}) {
      const [user, password] = options.credentials ?? [];
      return call(() =>
        native.httpCheck(
          String(request.method),
          request.contentType ?? undefined,
          request.authorization ?? undefined,
          Number(request.bodyLength),
          options.maxBodySize === undefined ? undefined : Number(options.maxBodySize),
          user === undefined ? undefined : String(user),
          password === undefined ? undefined : String(password),
        ),
      );
    },
    /** The HTTP status for a reply: its MSA-1's (200, 400, 500), 200 when it is not an acknowledgement. */
    httpStatus(reply) {
      return native.httpStatusOf(replyBytes(reply));
    },
    /** The WWW-Authenticate header of a 401. */
    AUTHENTICATE: native.httpAuthenticate(),
    /** Milliseconds before reconnect attempt `attempt` (0-based), jittered by `jitter` in [0, 1). */
    backoff(attempt, minDelay, maxDelay, jitter = Math.random()) {
      return native.transportBackoff(attempt, minDelay, maxDelay, jitter);
    },
    /** The bytes of a reply given as Message, bytes or text. */
    bytes: replyBytes,
    ReplayCache,
  });

  Object.assign(api, { transport });
}
