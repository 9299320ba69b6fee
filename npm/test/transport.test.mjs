// tests/transport_cases.jsonl (shared with Rust and Python): the core's
// transport answers as the JavaScript API gives them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MllpDecoder, parse, transport, HL7TransportError } from "pipehat";
import { TESTS, readJsonl } from "./helpers.mjs";

const CASES = readJsonl(TESTS + "transport_cases.jsonl");
const cases = (op) => {
  const some = CASES.filter((c) => c.op === op);
  assert.ok(some.length > 0, `no ${op} cases`);
  return some;
};
const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const latin1 = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const STAMP = { controlId: "ACK1", timestamp: "20240115103000" };

/** The chunk sizes of tests/transport_cases.py's pieces(). */
function pieces(n) {
  const sizes = [];
  let x = 7n;
  while (n > 0) {
    x = (x * 1103515245n + 12345n) % 2n ** 31n;
    const size = Math.min(n, 1 + Number(x % 17n));
    sizes.push(size);
    n -= size;
  }
  return sizes;
}

test("framing: the same frames and issues however the stream is cut", () => {
  for (const c of cases("framing")) {
    const stream = hex(c.input_hex);
    for (const sizes of [[stream.length], Array(stream.length).fill(1), pieces(stream.length)]) {
      const d = new MllpDecoder();
      const frames = [];
      let at = 0;
      for (const size of sizes) {
        frames.push(...d.push(stream.subarray(at, at + size)));
        at += size;
      }
      d.finish();
      assert.deepEqual(frames.map((f) => Buffer.from(f).toString("hex")), c.frames_hex, `${c.name} in ${sizes.length} pieces`);
      assert.deepEqual(d.issues.map((i) => [i.code, i.offset]), c.issues, c.name);
      d.free();
    }
  }
});

test("replies: read, and matched to the control id sent", () => {
  for (const c of cases("reply")) {
    const frame = latin1(c.frame);
    if (c.expect.error) {
      assert.throws(() => transport.readReply(frame), (e) => e instanceof HL7TransportError && e.code === c.expect.error, c.name);
      continue;
    }
    const r = transport.readReply(frame);
    assert.equal(r.kind, c.expect.kind, c.name);
    if (r.kind === "ack") {
      assert.deepEqual([r.code, r.answers, r.controlId], [c.expect.code, c.expect.answers, c.expect.control_id], c.name);
    }
    for (const [id, want] of c.answers) {
      assert.equal(transport.answers(frame, id), want, `${c.name}: ${JSON.stringify(id)}`);
    }
  }
});

test("message keys", () => {
  for (const c of cases("key")) {
    const k = transport.messageKey(c.message);
    assert.deepEqual(k && [k.sendingApplication, k.sendingFacility, k.controlId], c.expect ?? undefined, c.name);
    assert.equal(transport.controlId(c.message), c.expect?.[2], c.name);
  }
});

test("the acknowledgements a server sends, and their HTTP statuses", () => {
  for (const c of cases("accept")) {
    const failure = c.outcome === "accepted" ? undefined : c.outcome;
    const ack = transport.accept(parse(c.message), failure, STAMP);
    assert.equal(ack.toString(), c.ack, c.name);
    assert.equal(transport.httpStatus(ack), c.status, c.name);
  }
  for (const c of cases("reject")) {
    const opts = { ...STAMP, ...c.options };
    if (c.error) {
      assert.throws(() => transport.reject(c.frame, opts), (e) => e instanceof HL7TransportError && e.code === c.error, c.name);
      continue;
    }
    const nak = transport.reject(c.frame, opts);
    assert.equal(nak.toString(), c.ack, c.name);
    assert.equal(transport.httpStatus(nak), c.status, c.name);
  }
});

test("HL7 over HTTP: which requests are taken, with which status the others are refused", () => {
  for (const c of cases("http")) {
    const r = c.request;
    const request = { method: r.method, contentType: r.content_type, authorization: r.authorization, bodyLength: r.body_length };
    const options = { maxBodySize: c.options.max_body_size, credentials: c.options.credentials };
    if (c.expect.error) {
      assert.throws(
        () => transport.httpCheck(request, options),
        (e) => e instanceof HL7TransportError && e.code === c.expect.error && e.status === c.expect.status,
        c.name,
      );
      continue;
    }
    const got = transport.httpCheck(request, options);
    assert.deepEqual([got.mediaType, got.charset ?? null], [c.expect.media_type, c.expect.charset], c.name);
  }
});

test("loopback addresses", () => {
  for (const c of cases("loopback")) assert.equal(transport.isLoopback(c.host), c.expect, JSON.stringify(c.host));
});

test("limits and error codes come from the core", () => {
  assert.equal(transport.LIMITS.maxFrameSize, 16 * 1024 * 1024);
  assert.equal(transport.LIMITS.idleTimeout, 0);
  assert.ok(transport.ERROR_CODES.includes("ack_timeout"));
  const e = transport.error("frame_too_large", 1024);
  assert.ok(e instanceof HL7TransportError);
  assert.equal(e.message, "an MLLP frame exceeds the size limit (frame_too_large, 1024 bytes)");
  assert.equal(e.length, 1024);
  assert.throws(() => transport.error("no_such_code"), TypeError);
  const delays = [0, 1, 2, 3, 10].map((a) => transport.backoff(a, 100, 5000, 0));
  assert.deepEqual(delays, [50, 100, 200, 400, 2500]);
});

test("whether a sender waits for an acknowledgement", () => {
  for (const c of cases("expects_ack")) assert.equal(transport.expectsAck(c.message), c.expect, c.name);
});

test("what a server sends follows MSH-15/16", () => {
  for (const c of cases("server_reply")) {
    const failure = c.outcome === "accepted" ? undefined : c.outcome;
    const sent = transport.reply(parse(c.message), failure, STAMP);
    assert.equal(sent === undefined ? null : sent.get("MSA-1"), c.code, c.name);
  }
});
