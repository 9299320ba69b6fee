// HL7 over HTTP (the HAPI specification), for any runtime with the Fetch
// API's Request and Response: Cloudflare Workers, Deno, Bun, Node 18+.
// Which requests to take, which status an acknowledgement maps to, and
// every acknowledgement are the core's (api.transport).
import { withTimeout } from "./client.mjs";

export function makeHttp(api) {
  const { transport, parse, HL7ParseError, HL7TransportError } = api;
  const L = transport.LIMITS;

  function plain(status, text, extra = {}) {
    return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", ...extra } });
  }

  function refusal(e) {
    const extra = e.code === "unauthorized" ? { "www-authenticate": transport.AUTHENTICATE } : {};
    return plain(e.status ?? 500, `${e.message}\n`, extra);
  }

  /** Reads at most `max` + 1 bytes of a body, so an oversized one is never held whole. */
  async function readBody(request, max) {
    if (!request.body) return new Uint8Array(0);
    const reader = request.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > max) {
        await reader.cancel().catch(() => {});
        return { size };
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    return body;
  }

  /**
   * hl7Http(handler, options) -> (request: Request) => Promise<Response>.
   * `handler(message, {request})` returns nothing (AA, or CA in enhanced
   * mode) or a reply (Message, text or bytes); a throw or a timeout answers
   * AE with status 500. Options: maxBodySize, handlerTimeout, credentials
   * [user, password] (HTTP Basic), replay (how many acknowledgements to
   * keep for duplicate suppression; 0, the default, keeps none), parse.
   */
  function hl7Http(handler, options = {}) {
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    const o = { maxBodySize: L.maxBodySize, handlerTimeout: L.handlerTimeout, replay: 0, ...options };
    const replay = o.replay > 0 ? new transport.ReplayCache(o.replay) : null;
    return async function hl7OverHttp(request) {
      const declared = Number(request.headers.get("content-length") ?? NaN);
      const req = {
        method: request.method,
        contentType: request.headers.get("content-type"),
        authorization: request.headers.get("authorization"),
        bodyLength: Number.isFinite(declared) ? declared : 1,
      };
      let accepted;
      let body;
      try {
        accepted = transport.httpCheck(req, o);
        body = await readBody(request, o.maxBodySize);
        accepted = transport.httpCheck({ ...req, bodyLength: body.length ?? body.size }, o);
      } catch (e) {
        if (e instanceof HL7TransportError) return refusal(e);
        throw e;
      }
      const headers = { "content-type": accepted.contentType };
      const earlier = replay?.get(body);
      if (earlier) return new Response(earlier, { status: transport.httpStatus(earlier), headers });
      let message;
      try {
        message = parse(body, o.parse);
      } catch (e) {
        if (!(e instanceof HL7ParseError)) throw e;
        try {
          const nak = transport.reject(body, o.parse).toBytes();
          return new Response(nak, { status: transport.httpStatus(nak), headers });
        } catch (err) {
          if (err instanceof HL7TransportError) return refusal(err);
          throw err;
        }
      }
      let reply;
      let failure;
      try {
        reply = await withTimeout(
          Promise.resolve().then(() => handler(message, { request })),
          o.handlerTimeout,
          () => transport.error("handler_timeout"),
        );
      } catch (e) {
        failure = e instanceof HL7TransportError && e.code === "handler_timeout" ? "handler_timeout" : "handler_failed";
        o.onIssue?.({ code: failure, controlId: transport.controlId(body), cause: e });
      }
      const bytes = !failure && reply != null ? transport.bytes(reply) : transport.accept(message, failure).toBytes();
      const status = transport.httpStatus(bytes);
      if (replay && status === 200) replay.set(body, bytes);
      return new Response(bytes, { status, headers });
    };
  }

  const utf8 = new TextDecoder("utf-8", { fatal: true });

  /**
   * lambda(handler, options) -> an AWS Lambda handler for API Gateway HTTP
   * APIs (payload 2.0) and function URLs: the same endpoint as hl7Http.
   */
  function lambda(handler, options) {
    const endpoint = hl7Http(handler, options);
    return async function hl7Lambda(event) {
      const method = event?.requestContext?.http?.method ?? event?.httpMethod ?? "POST";
      const headers = new Headers();
      for (const [k, v] of Object.entries(event?.headers ?? {})) if (v != null) headers.set(k, String(v));
      const raw = event?.body ?? "";
      const body = event?.isBase64Encoded ? Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)) : new TextEncoder().encode(raw);
      headers.set("content-length", String(body.length));
      const init = { method, headers };
      if (method !== "GET" && method !== "HEAD") init.body = body;
      const response = await endpoint(new Request("http://lambda.invalid/", init));
      const out = new Uint8Array(await response.arrayBuffer());
      const result = { statusCode: response.status, headers: Object.fromEntries(response.headers) };
      try {
        return { ...result, body: utf8.decode(out), isBase64Encoded: false };
      } catch {
        let text = "";
        for (const b of out) text += String.fromCharCode(b);
        return { ...result, body: btoa(text), isBase64Encoded: true };
      }
    };
  }

  return { hl7Http, lambda };
}
