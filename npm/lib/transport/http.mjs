// HL7 over HTTP (the HAPI specification), for any runtime with the Fetch
// API's Request and Response: Cloudflare Workers, Deno, Bun, Node 18+.
// Which requests to take, which status an acknowledgement maps to, and
// every acknowledgement are the core's (api.transport).
import { withTimeout } from "./client.mjs";

export function makeHttp(api) {
  const { transport, parse, HL7ParseError, HL7TransportError } = api;
  const L = transport.LIMITS;

  const TEXT = { "content-type": "text/plain; charset=utf-8" };
  const encoder = new TextEncoder();

  /** {status, headers, body} for a refused request: the code, never content. */
  function refusal(e) {
    const headers = e.code === "unauthorized" ? { ...TEXT, "www-authenticate": transport.AUTHENTICATE } : TEXT;
    return { status: e.status ?? 500, headers, body: encoder.encode(`${e.message}\n`) };
  }

  /**
   * The exchange every adapter shares: `head` {method, contentType,
   * authorization, contentLength} is checked first, then `read(limit)` gives
   * the body (or {size} once past the limit); returns {status, headers, body}.
   */
  function endpoint(handler, options = {}) {
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    const o = { maxBodySize: L.maxBodySize, handlerTimeout: L.handlerTimeout, replay: 0, ...options };
    const replay = o.replay > 0 ? new transport.ReplayCache(o.replay) : null;
    return async function exchange(head, read, info) {
      const declared = Number(head.contentLength ?? NaN);
      const req = {
        method: head.method,
        contentType: head.contentType,
        authorization: head.authorization,
        bodyLength: Number.isFinite(declared) ? declared : 1,
      };
      let accepted;
      let body;
      try {
        accepted = transport.httpCheck(req, o);
        body = await read(o.maxBodySize);
        accepted = transport.httpCheck({ ...req, bodyLength: body.length ?? body.size }, o);
      } catch (e) {
        if (e instanceof HL7TransportError) return refusal(e);
        throw e;
      }
      const headers = { "content-type": accepted.contentType };
      const earlier = replay?.get(body);
      if (earlier) return { status: transport.httpStatus(earlier), headers, body: earlier };
      let message;
      try {
        message = parse(body, o.parse);
      } catch (e) {
        if (!(e instanceof HL7ParseError)) throw e;
        try {
          const nak = transport.reject(body, o.parse).toBytes();
          return { status: transport.httpStatus(nak), headers, body: nak };
        } catch (err) {
          if (err instanceof HL7TransportError) return refusal(err);
          throw err;
        }
      }
      let reply;
      let failure;
      try {
        reply = handler(message, info);
        if (reply !== null && typeof reply === "object" && typeof reply.then === "function") {
          reply = await withTimeout(reply, o.handlerTimeout, () => transport.error("handler_timeout"));
        }
      } catch (e) {
        failure = e instanceof HL7TransportError && e.code === "handler_timeout" ? "handler_timeout" : "handler_failed";
        o.onIssue?.({ code: failure, controlId: transport.controlId(body), cause: e });
      }
      const bytes = !failure && reply != null ? transport.bytes(reply) : transport.accept(message, failure).toBytes();
      const status = transport.httpStatus(bytes);
      if (replay && status === 200) replay.set(body, bytes);
      return { status, headers, body: bytes };
    };
  }

  /** Joins chunks; past `max` bytes stops and returns {size} (the rest is never held). */
  async function collect(chunks, max, cancel) {
    const parts = [];
    let size = 0;
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > max) {
        await cancel?.();
        return { size };
      }
      parts.push(chunk);
    }
    if (parts.length === 1) return new Uint8Array(parts[0].buffer, parts[0].byteOffset, parts[0].length);
    const body = new Uint8Array(size);
    let at = 0;
    for (const c of parts) {
      body.set(c, at);
      at += c.length;
    }
    return body;
  }

  async function* streamChunks(reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }

  /**
   * hl7Http(handler, options) -> (request: Request) => Promise<Response>.
   * `handler(message, {request})` returns nothing (AA, or CA in enhanced
   * mode) or a reply (Message, text or bytes); a throw or a timeout answers
   * AE with status 500. Options: maxBodySize, handlerTimeout, credentials
   * [user, password] (HTTP Basic), replay (how many acknowledgements to
   * keep for duplicate suppression; 0, the default, keeps none), parse.
   */
  function hl7Http(handler, options) {
    const exchange = endpoint(handler, options);
    return async function hl7OverHttp(request) {
      const h = request.headers;
      const head = {
        method: request.method,
        contentType: h.get("content-type"),
        authorization: h.get("authorization"),
        contentLength: h.get("content-length"),
      };
      const read = async (max) => {
        if (!request.body) return new Uint8Array(0);
        const reader = request.body.getReader();
        return collect(streamChunks(reader), max, () => reader.cancel().catch(() => {}));
      };
      const out = await exchange(head, read, { request });
      return new Response(out.body, { status: out.status, headers: out.headers });
    };
  }

  /**
   * nodeHttp(handler, options) -> (req, res) => Promise<void>: the same
   * endpoint for node:http (and Express, Fastify's raw mode, ...), without
   * the Fetch API's Request and Response objects.
   */
  function nodeHttp(handler, options) {
    const exchange = endpoint(handler, options);
    return async function hl7OverNodeHttp(req, res) {
      const h = req.headers;
      const head = {
        method: req.method,
        contentType: h["content-type"],
        authorization: h["authorization"],
        contentLength: h["content-length"],
      };
      const read = (max) => collect(req, max, () => req.destroy());
      const out = await exchange(head, read, { req });
      res.writeHead(out.status, { ...out.headers, "content-length": out.body.length });
      res.end(out.body);
    };
  }

  const utf8 = new TextDecoder("utf-8", { fatal: true });

  /**
   * lambda(handler, options) -> an AWS Lambda handler for API Gateway HTTP
   * APIs (payload 2.0) and function URLs: the same endpoint as hl7Http.
   */
  function lambda(handler, options) {
    const exchange = endpoint(handler, options);
    return async function hl7Lambda(event) {
      const method = event?.requestContext?.http?.method ?? event?.httpMethod ?? "POST";
      const headers = {};
      for (const [k, v] of Object.entries(event?.headers ?? {})) if (v != null) headers[k.toLowerCase()] = String(v);
      const raw = event?.body ?? "";
      const body = event?.isBase64Encoded ? Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)) : encoder.encode(raw);
      const head = { method, contentType: headers["content-type"], authorization: headers["authorization"], contentLength: body.length };
      const out = await exchange(head, async (max) => (body.length > max ? { size: body.length } : body), { event });
      const result = { statusCode: out.status, headers: out.headers };
      try {
        return { ...result, body: utf8.decode(out.body), isBase64Encoded: false };
      } catch {
        let text = "";
        for (const b of out.body) text += String.fromCharCode(b);
        return { ...result, body: btoa(text), isBase64Encoded: true };
      }
    };
  }

  return { hl7Http, nodeHttp, lambda };
}
