import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { split, parse, Splitter, splitStream, HL7StreamError } from "pipehat";
import { CORPUS, corpusBytes } from "./helpers.mjs";

const BATCH = "messages/pyhl7__adt_a04__file2.hl7";
const shape = (chunks) => chunks.map((c) => ({ ...c, bytes: Array.from(c.bytes) }));

test("a Splitter fed in pieces of any size gives split()'s chunks, counts included", () => {
  const bytes = corpusBytes(BATCH);
  const whole = shape(split(bytes));
  assert.equal(whole.length, 9);
  for (const size of [1, 2, 5, 64, bytes.length]) {
    const splitter = new Splitter();
    const got = [];
    for (let at = 0; at < bytes.length; at += size) {
      got.push(...splitter.push(bytes.subarray(at, at + size)));
      assert.equal(splitter.position + splitter.buffered, Math.min(at + size, bytes.length));
    }
    got.push(...splitter.finish());
    assert.deepEqual(shape(got), whole, `pieces of ${size}`);
    assert.equal(splitter.buffered, 0);
    assert.equal(splitter.position, bytes.length);
    splitter.free();
  }
});

test("a Splitter takes string pieces as UTF-8; offsets count bytes", () => {
  const text = "MSH|^~\\&|A\rPID|1||Zoë\r\nMSH|^~\\&|B\rPID|2\r\n";
  const splitter = new Splitter();
  for (const piece of ["MSH|^~\\&|A\rPID|1||Z", "oë\r", "\nMSH|^~\\&|B\rPID|2\r\n"]) splitter.push(piece);
  const chunks = [...splitter.finish()];
  assert.deepEqual(chunks.map((c) => c.offset), [0, 24]); // 23 characters, 24 bytes
  assert.deepEqual(shape(chunks), shape(split(text)));
  assert.equal(parse(chunks[0].bytes).get("PID-3"), "Zoë");
});

test("a chunk over maxChunkSize throws HL7StreamError, is skipped, and splitting goes on", () => {
  const big = "MSH|^~\\&|A\rPID|1\rMSH|^~\\&|SECRET\rOBX|1||" + "x".repeat(1000) + "\rMSH|^~\\&|C\rPID|3\r";
  for (const size of [1, 7, 100, big.length]) {
    const splitter = new Splitter({ maxChunkSize: 100 });
    const got = [];
    for (let at = 0; at < big.length; at += size) {
      splitter.push(big.slice(at, at + size));
      for (;;) {
        try {
          const chunk = splitter.read();
          if (chunk === undefined) break;
          got.push(new TextDecoder().decode(chunk.bytes));
        } catch (e) {
          assert.ok(e instanceof HL7StreamError && e instanceof Error, String(e));
          assert.deepEqual([e.name, e.code, e.offset], ["HL7StreamError", "message_too_large", 17]);
          assert.ok(!e.message.includes("SECRET"));
          got.push(e.code);
        }
      }
    }
    got.push(...[...splitter.finish()].map((c) => new TextDecoder().decode(c.bytes)));
    assert.deepEqual(got, ["MSH|^~\\&|A\rPID|1\r", "message_too_large", "MSH|^~\\&|C\rPID|3\r"], `pieces of ${size}`);
  }
});

test("finish() then push() goes on with the same stream", () => {
  const splitter = new Splitter();
  assert.deepEqual([...splitter.push("BHS|^~\\&\rMSH|^~\\&|A\r").finish()].map((c) => c.kind), ["batch_header", "message"]);
  const rest = [...splitter.push("MSH|^~\\&|B\rBTS|2\r").finish()];
  assert.deepEqual(rest.map((c) => [c.kind, c.offset]), [["message", 20], ["batch_trailer", 31]]);
  assert.deepEqual([rest[1].declaredCount, rest[1].countedCount], [2, 2]);
});

test("Splitter refuses what it cannot take, and free() ends it", () => {
  assert.throws(() => new Splitter({ maxChunkSize: -1 }), TypeError);
  assert.throws(() => new Splitter({ maxChunkSize: "10" }), TypeError);
  const splitter = new Splitter();
  assert.throws(() => splitter.push(42), TypeError);
  assert.throws(() => splitter.push(new ArrayBuffer(4)), TypeError);
  assert.equal(splitter.read(), undefined);
  splitter[Symbol.dispose]();
  assert.throws(() => splitter.push("MSH|^~\\&|A\r"));
  splitter.free(); // a second free is harmless
});

test("splitStream reads a Node stream, a web ReadableStream and async iterables", async () => {
  const bytes = corpusBytes(BATCH);
  const whole = shape(split(bytes));
  const collect = async (source, options) => {
    const out = [];
    for await (const c of splitStream(source, options)) out.push(c);
    return shape(out);
  };
  assert.deepEqual(await collect(createReadStream(CORPUS + BATCH, { highWaterMark: 64 })), whole);
  assert.deepEqual(await collect(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)])), whole);
  const web = new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 33) controller.enqueue(bytes.slice(at, at + 33));
      controller.close();
    },
  });
  assert.deepEqual(await collect(web), whole);
  // A ReadableStream without Symbol.asyncIterator (as in Safari) is read through getReader().
  const bare = new Response(bytes).body;
  const reader = { getReader: () => bare.getReader() };
  assert.deepEqual(await collect(reader), whole);
  const text = new TextDecoder().decode(bytes);
  assert.deepEqual(await collect((async function* () { yield text.slice(0, 500); yield text.slice(500); })()), whole);
  assert.deepEqual(await collect([text]), whole);
  await assert.rejects(collect(42), TypeError);
  await assert.rejects(collect("MSH|^~\\&|A\r"), TypeError);
  const big = "MSH|^~\\&|A\rOBX|1||" + "x".repeat(500) + "\r";
  await assert.rejects(collect([big], { maxChunkSize: 100 }), (e) => e instanceof HL7StreamError && e.offset === 0);
});

test("leaving splitStream early cancels the source", async () => {
  let cancelled = false;
  let pulled = 0;
  const endless = new ReadableStream({
    pull(controller) {
      pulled++;
      controller.enqueue(new TextEncoder().encode(`MSH|^~\\&|A||||||ADT^A08|${pulled}|P|2.5\r`));
    },
    cancel() {
      cancelled = true;
    },
  });
  const ids = [];
  for await (const chunk of splitStream(endless)) {
    ids.push(parse(chunk.bytes).controlId);
    if (ids.length === 3) break;
  }
  assert.deepEqual(ids, ["1", "2", "3"]);
  assert.ok(cancelled);
});
