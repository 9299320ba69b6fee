// pipehat/http: the fetch handler (as Workers, Deno and Bun call it), the
// same handler behind node:http on loopback, and the Lambda adapter.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Readable } from "node:stream";
import { hl7Http, nodeHttp, lambda } from "pipehat/http";
import { parse } from "pipehat";

const MSG = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ORU^R01|H1|P|2.5.1\rPID|1||7\r";
const post = (body, headers = {}) =>
  new Request("http://localhost/hl7", { method: "POST", body, headers: { "content-type": "application/hl7-v2", ...headers } });

test("an accepted message: 200 with its AA, in the request's media type and charset", async () => {
  const seen = [];
  const endpoint = hl7Http((m) => void seen.push(m.get("MSH-10")));
  const res = await endpoint(post(MSG, { "content-type": "x-application/hl7-v2+er7; charset=ISO-8859-1" }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "x-application/hl7-v2+er7; charset=ISO-8859-1");
  const ack = parse(await res.text());
  assert.deepEqual([ack.get("MSA-1"), ack.get("MSA-2")], ["AA", "H1"]);
  assert.deepEqual(seen, ["H1"]);
});

test("handler failures answer 500 with the AE; unparsable messages 400 with the AR", async () => {
  const endpoint = hl7Http(() => {
    throw new Error("no");
  }, { parse: { strict: true } });
  const failed = await endpoint(post(MSG));
  assert.equal(failed.status, 500);
  assert.equal(parse(await failed.text()).get("ERR-7"), "handler_failed");
  const bad = await endpoint(post(MSG + "NTE|1||\\Q\\\r"));
  assert.equal(bad.status, 400);
  assert.equal(parse(await bad.text()).get("MSA-1"), "AR");
  const unreadable = await endpoint(post("hello"));
  assert.equal(unreadable.status, 400);
  assert.match(await unreadable.text(), /\(unreadable_frame\)/);
});

test("refusals: method, media type, size, credentials; their texts name no content", async () => {
  const endpoint = hl7Http(() => {}, { maxBodySize: 100, credentials: ["hl7", "s3cret"] });
  const auth = { authorization: "Basic " + btoa("hl7:s3cret") };
  const cases = [
    [post(MSG), 401, "unauthorized"],
    [post(MSG, { authorization: "Basic " + btoa("hl7:wrong") }), 401, "unauthorized"],
    [new Request("http://localhost/", { headers: auth }), 405, "method_not_allowed"],
    [post(MSG, { ...auth, "content-type": "application/json" }), 415, "unsupported_media_type"],
    [post(MSG + "x".repeat(100), auth), 413, "body_too_large"],
    [post("", auth), 400, "empty_body"],
  ];
  for (const [request, status, code] of cases) {
    const res = await endpoint(request);
    const text = await res.text();
    assert.equal(res.status, status, code);
    assert.ok(text.includes(`(${code}`), text);
    assert.ok(!text.includes("MSH"), text);
    if (status === 401) assert.match(res.headers.get("www-authenticate"), /^Basic realm=/);
  }
  assert.equal((await endpoint(post(MSG.slice(0, 90), auth))).status, 200);
});

test("a chunked body over the limit is cut off, not read whole", async () => {
  const endpoint = hl7Http(() => {}, { maxBodySize: 1000 });
  let pulled = 0;
  const body = new ReadableStream({
    pull(controller) {
      pulled += 1;
      if (pulled > 1000) return controller.close();
      controller.enqueue(new TextEncoder().encode("x".repeat(100)));
    },
  });
  const res = await endpoint(new Request("http://localhost/", { method: "POST", body, duplex: "half", headers: { "content-type": "text/plain" } }));
  assert.equal(res.status, 413);
  assert.ok(pulled < 20, `${pulled} chunks read`);
});

test("duplicate suppression replays the first ACK", async () => {
  let calls = 0;
  const endpoint = hl7Http(() => void calls++, { replay: 10 });
  const a = await (await endpoint(post(MSG))).text();
  const b = await (await endpoint(post(MSG))).text();
  assert.equal(a, b);
  assert.equal(calls, 1);
});

test("node:http on loopback: nodeHttp, and the fetch handler behind an adapter", async () => {
  const seen = [];
  const direct = http.createServer(nodeHttp((m) => void seen.push(m.get("MSH-10")), { maxBodySize: 1000 }));
  const fetchHandler = hl7Http((m) => void seen.push(m.get("MSH-10")));
  const adapted = http.createServer(async (req, res) => {
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "POST" ? Readable.toWeb(req) : undefined,
      duplex: "half",
    });
    const response = await fetchHandler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  for (const server of [direct, adapted]) {
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${server.address().port}/`;
    const res = await fetch(url, { method: "POST", body: MSG, headers: { "content-type": "application/hl7-v2" } });
    assert.equal(res.status, 200);
    assert.equal(parse(await res.text()).get("MSA-1"), "AA");
  }
  const big = await fetch(`http://127.0.0.1:${direct.address().port}/`, {
    method: "POST",
    body: MSG + "x".repeat(2000),
    headers: { "content-type": "application/hl7-v2" },
  });
  assert.equal(big.status, 413);
  assert.deepEqual(seen, ["H1", "H1"]);
  direct.close();
  adapted.close();
});

test("AWS Lambda (API Gateway v2 events, base64 bodies)", async () => {
  const handler = lambda((m) => void m);
  const event = (body, base64) => ({
    requestContext: { http: { method: "POST" } },
    headers: { "content-type": "application/hl7-v2" },
    body: base64 ? Buffer.from(body, "latin1").toString("base64") : body,
    isBase64Encoded: base64,
  });
  for (const base64 of [false, true]) {
    const out = await handler(event(MSG, base64));
    assert.equal(out.statusCode, 200);
    assert.equal(out.headers["content-type"], "application/hl7-v2");
    assert.equal(parse(out.body).get("MSA-2"), "H1");
  }
  const refused = await handler({ ...event(MSG, false), requestContext: { http: { method: "GET" } } });
  assert.equal(refused.statusCode, 405);
});
