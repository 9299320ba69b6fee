// pipehat/mllp over loopback: round trips, faults, limits and TLS. Every
// test binds 127.0.0.1, sends a bounded number of messages and closes what
// it opened.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { createServer, connect, MllpClient } from "pipehat/mllp";
import { parse, mllpEncode, MllpDecoder, HL7TransportError } from "pipehat";
import { TESTS } from "./helpers.mjs";

const msg = (id, extra = "") => `MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A01|${id}|P|2.5.1${extra}\rPID|1||${id}^^^HOSP^MR\r`;
const cert = (name) => readFileSync(`${TESTS}tls/${name}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isCode = (code) => (e) => e instanceof HL7TransportError && e.code === code;

async function serve(handler, options) {
  const server = createServer(handler, options);
  const issues = [];
  server.on("issue", (i) => issues.push(i.code));
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, issues };
}

/** A raw socket that writes `chunks` (with pauses) and collects the frames it gets back. */
async function raw(port, chunks, { wait = 300, pause = 0 } = {}) {
  const socket = net.connect({ port, host: "127.0.0.1" });
  await new Promise((r) => socket.once("connect", r));
  const decoder = new MllpDecoder();
  const frames = [];
  socket.on("data", (d) => frames.push(...decoder.push(d).map((f) => parse(f))));
  const closed = new Promise((r) => socket.once("close", r));
  socket.on("error", () => {});
  for (const c of chunks) {
    socket.write(c);
    if (pause) await sleep(pause);
  }
  await Promise.race([sleep(wait), closed]);
  const wasClosed = socket.destroyed || socket.readyState === "closed";
  socket.destroy();
  decoder.free();
  return { frames, closed: wasClosed };
}

test("a message goes over and its AA comes back; the handler sees it parsed", async () => {
  const seen = [];
  const { server, port } = await serve((m, info) => {
    seen.push([m.get("PID-3.1"), info.controlId, info.peer.startsWith("127.0.0.1:")]);
  });
  const client = await connect({ port });
  const ack = await client.send(msg("A1"));
  assert.equal(ack.get("MSA-1"), "AA");
  assert.equal(ack.get("MSA-2"), "A1");
  assert.equal(ack.get("MSH-9"), "ACK^A01^ACK");
  assert.deepEqual(seen, [["A1", "A1", true]]);
  await client.close();
  await server.close();
});

test("a handler's reply (Message or text) is sent instead of the AA", async () => {
  const { server, port } = await serve((m) =>
    m.get("MSH-10") === "T" ? m.ack({ code: "AE", text: "not today" }) : "MSH|^~\\&|X|Y|||||ACK|Z|P|2.5\rMSA|AA|M\r",
  );
  const client = await connect({ port });
  assert.equal((await client.send(msg("T"))).get("MSA-3"), "not today");
  assert.equal((await client.send(msg("M"))).get("MSH-10"), "Z");
  await client.close();
  await server.close();
});

test("a handler that throws or hangs gets an AE and the server keeps serving", async () => {
  const { server, port, issues } = await serve(
    async (m) => {
      if (m.get("MSH-10") === "THROW") throw new Error("boom with PHI that must not leak");
      if (m.get("MSH-10") === "HANG") await sleep(5000);
    },
    { handlerTimeout: 100 },
  );
  const client = await connect({ port });
  const failed = await client.send(msg("THROW"));
  assert.equal(failed.get("MSA-1"), "AE");
  assert.equal(failed.get("ERR-3.1"), "207");
  assert.equal(failed.get("ERR-7"), "handler_failed");
  assert.ok(!failed.toString().includes("PHI"));
  const hung = await client.send(msg("HANG"));
  assert.equal(hung.get("MSA-1"), "AE");
  assert.equal(hung.get("ERR-7"), "handler_timeout");
  assert.equal((await client.send(msg("OK"))).get("MSA-1"), "AA");
  assert.deepEqual(issues, ["handler_failed", "handler_timeout"]);
  await client.close();
  await server.close({ drainTimeout: 50 });
});

test("framing: whole, byte by byte, in random pieces, several frames per write, garbage between", async () => {
  const got = [];
  const { server, port } = await serve((m) => {
    got.push(m.get("MSH-10"));
  });
  const stream = Buffer.concat([mllpEncode(msg("F1")), Buffer.from("\r\nnoise"), mllpEncode(msg("F2")), mllpEncode(msg("F3"))]);
  const ways = {
    whole: [stream],
    bytes: [...stream].map((b) => Uint8Array.of(b)),
    pieces: (() => {
      const out = [];
      let seed = 11;
      for (let at = 0; at < stream.length; ) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const n = 1 + (seed % 23);
        out.push(stream.subarray(at, at + n));
        at += n;
      }
      return out;
    })(),
  };
  for (const [way, chunks] of Object.entries(ways)) {
    got.length = 0;
    const { frames } = await raw(port, chunks, { wait: 400 });
    assert.deepEqual(got, ["F1", "F2", "F3"], way);
    assert.deepEqual(frames.map((f) => f.get("MSA-2")), ["F1", "F2", "F3"], way);
  }
  await server.close();
});

test("a 10 MB message arrives whole in one frame", async () => {
  let size = 0;
  const { server, port } = await serve((m) => {
    size = m.get("OBX-5.5").length;
  });
  const body = "QUJD".repeat(2.5 * 1024 * 1024);
  const client = await connect({ port });
  const ack = await client.send(msg("BIG") + `OBX|1|ED|PDF||^AP^PDF^Base64^${body}\r`);
  assert.equal(ack.get("MSA-1"), "AA");
  assert.equal(size, body.length);
  await client.close();
  await server.close();
});

test("a frame that does not parse gets an AR when its MSH is readable; without one, nothing", async () => {
  const { server, port, issues } = await serve(() => {}, { parse: { strict: true } });
  const { frames } = await raw(port, [mllpEncode(msg("BAD") + "NTE|1||\\Q\\\r"), mllpEncode("PID|1||42\r"), mllpEncode(msg("GOOD"))]);
  assert.deepEqual(frames.map((f) => [f.get("MSA-1"), f.get("MSA-2")]), [["AR", "BAD"], ["AA", "GOOD"]]);
  assert.deepEqual(issues, ["malformed_escape", "missing_header", "unreadable_frame"]);
  await server.close();
});

test("a frame over the size limit closes that connection; the server goes on", async () => {
  const { server, port, issues } = await serve(() => {}, { maxFrameSize: 1000 });
  const { frames, closed } = await raw(port, [mllpEncode(msg("X") + "NTE|1||" + "x".repeat(2000) + "\r")]);
  assert.deepEqual([frames.length, closed], [0, true]);
  assert.deepEqual(issues, ["frame_too_large"]);
  const client = await connect({ port });
  assert.equal((await client.send(msg("after"))).get("MSA-1"), "AA");
  await client.close();
  await server.close();
});

test("10 MB of random bytes: nothing handled, the server survives", async () => {
  let handled = 0;
  const { server, port } = await serve(() => void handled++, { maxFrameSize: 1 << 20 });
  let seed = 3;
  const junk = Buffer.alloc(10 << 20);
  for (let i = 0; i < junk.length; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    junk[i] = seed >>> 24;
  }
  await raw(port, [junk], { wait: 500 });
  const client = await connect({ port });
  assert.equal((await client.send(msg("alive"))).get("MSA-1"), "AA");
  assert.ok(handled <= 1 + 2, `random bytes made ${handled - 1} messages`);
  await client.close();
  await server.close();
});

test("a client killed mid-frame: nothing handled, nothing acknowledged", async () => {
  let handled = 0;
  const { server, port } = await serve(() => void handled++);
  const half = mllpEncode(msg("HALF")).subarray(0, 40);
  const { frames } = await raw(port, [half], { wait: 50 });
  await sleep(100);
  assert.deepEqual([handled, frames.length], [0, 0]);
  await server.close();
});

test("slow senders hit the frame timeout; idle connections the idle timeout", async () => {
  const { server, port, issues } = await serve(() => {}, { frameTimeout: 150, idleTimeout: 300 });
  const slow = await raw(port, [Uint8Array.of(0x0b), Buffer.from("MSH|")], { wait: 600, pause: 10 });
  assert.ok(slow.closed);
  const idle = await raw(port, [], { wait: 700 });
  assert.ok(idle.closed);
  assert.deepEqual(issues.sort(), ["frame_timeout", "idle_timeout"]);
  await server.close();
});

test("connections past maxConnections are refused; listening beyond loopback must be asked for", async () => {
  const { server, port, issues } = await serve(() => {}, { maxConnections: 2 });
  const a = net.connect({ port, host: "127.0.0.1" });
  const b = net.connect({ port, host: "127.0.0.1" });
  await Promise.all([a, b].map((s) => new Promise((r) => s.once("connect", r))));
  await sleep(50);
  const third = await raw(port, [mllpEncode(msg("3"))], { wait: 300 });
  assert.deepEqual([third.frames.length, third.closed], [0, true]);
  assert.deepEqual(issues, ["too_many_connections"]);
  a.destroy();
  b.destroy();
  await server.close();
  const open = createServer(() => {});
  await assert.rejects(open.listen(0, "0.0.0.0"), isCode("public_address"));
});

test("a late ACK is never taken for the next message", async () => {
  // A peer that answers the first message only after the client gave up on it.
  const peer = net.createServer((s) => {
    const d = new MllpDecoder();
    let first = null;
    s.on("data", async (chunk) => {
      for (const f of d.push(chunk)) {
        const m = parse(f);
        if (!first) {
          first = m;
          continue;
        }
        s.write(mllpEncode(first.ack({ controlId: "L1" }).toBytes()));
        await sleep(20);
        s.write(mllpEncode(m.ack({ controlId: "L2" }).toBytes()));
      }
    });
    s.on("error", () => {});
  });
  await new Promise((r) => peer.listen(0, "127.0.0.1", r));
  const client = new MllpClient({ port: peer.address().port, ackTimeout: 100 });
  const issues = [];
  client.on("issue", (i) => issues.push([i.code, i.controlId]));
  await assert.rejects(client.send(msg("FIRST")), isCode("ack_timeout"));
  const ack = await client.send(msg("SECOND"));
  assert.equal(ack.get("MSA-2"), "SECOND");
  assert.deepEqual(issues, [["unmatched_ack", "FIRST"]]);
  await client.close();
  peer.close();
});

test("pipelined: 500 messages, 32 in flight, ACKs answered out of order, each matched", async () => {
  const peer = net.createServer((s) => {
    const d = new MllpDecoder();
    let held = [];
    let timer = null;
    // ACKs in reverse order, four at a time (or whatever came within 5 ms).
    const flush = () => {
      clearTimeout(timer);
      timer = null;
      for (const m of held.reverse()) s.write(mllpEncode(m.ack().toBytes()));
      held = [];
    };
    s.on("data", (chunk) => {
      held.push(...d.push(chunk).map((f) => parse(f)));
      if (held.length >= 4) flush();
      else timer ??= setTimeout(flush, 5);
    });
    s.on("error", () => {});
  });
  await new Promise((r) => peer.listen(0, "127.0.0.1", r));
  const client = await connect({ port: peer.address().port, maxInFlight: 32, ackTimeout: 5000 });
  const ids = Array.from({ length: 500 }, (_, i) => `P${i}`);
  const acks = await Promise.all(ids.map((id) => client.send(msg(id))));
  assert.deepEqual(acks.map((a) => a.get("MSA-2")), ids);
  await client.close();
  peer.close();
});

test("a message already waiting for its ACK cannot be sent again; one without MSH-10 not at all", async () => {
  const { server, port } = await serve(() => sleep(100));
  const client = await connect({ port, maxInFlight: 4 });
  const first = client.send(msg("SAME"));
  await assert.rejects(client.send(msg("SAME")), isCode("duplicate_in_flight"));
  await assert.rejects(client.send("MSH|^~\\&|A|B|||||ADT^A01||P|2.5\r"), isCode("no_control_id"));
  assert.equal((await first).get("MSA-1"), "AA");
  await client.close();
  await assert.rejects(client.send(msg("late")), isCode("closed"));
  await server.close();
});

test("server restarts while a client sends 2,000 messages: all acknowledged, none lost", async () => {
  const handled = new Map();
  const handler = (m) => void handled.set(m.get("MSH-10"), (handled.get(m.get("MSH-10")) ?? 0) + 1);
  let { server, port } = await serve(handler);
  const client = await connect({ port, reconnectMinDelay: 20, reconnectMaxDelay: 200, reconnectAttempts: 20 });
  let restarts = 0;
  const N = 2000;
  for (let i = 0; i < N; i++) {
    if (i % 500 === 250) {
      await server.close({ drainTimeout: 0 });
      server = createServer(handler);
      await server.listen(port, "127.0.0.1");
      restarts += 1;
    }
    assert.equal((await client.send(msg(`R${i}`))).get("MSA-2"), `R${i}`);
  }
  assert.equal(restarts, 4);
  assert.equal(handled.size, N);
  // Handled twice only where the ACK was lost to the restart and the message resent.
  const twice = [...handled.values()].filter((n) => n > 1).length;
  assert.ok(twice <= restarts, `${twice} handled twice`);
  await client.close();
  await server.close();
});

test("close() lets a running handler finish and its ACK go out", async () => {
  const { server, port } = await serve(() => sleep(200));
  const client = await connect({ port });
  const pending = client.send(msg("DRAIN"));
  await sleep(50);
  const closing = server.close();
  assert.equal((await pending).get("MSA-1"), "AA");
  await closing;
  await client.close();
});

test("enhanced mode: a CA, then the handler's application ACK; the client can wait for the latter", async () => {
  const { server, port } = await serve((m) => m.ack({ code: "AA" }));
  const commit = await connect({ port });
  assert.equal((await commit.send(msg("E1", "|||AL|AL"))).get("MSA-1"), "CA");
  await commit.close();
  const app = await connect({ port, applicationAck: true });
  assert.equal((await app.send(msg("E2", "|||AL|AL"))).get("MSA-1"), "AA");
  await app.close();
  await server.close();
});

test("MLLP release 2: commit blocks, and a negative commit for a failed handler", async () => {
  const { server, port } = await serve((m) => {
    if (m.get("MSH-10") === "NO") throw new Error("refused");
  }, { mllpRelease2: true });
  const client = await connect({ port });
  assert.equal(await client.send(msg("YES")), null);
  await assert.rejects(client.send(msg("NO")), isCode("negative_commit"));
  await client.close();
  await server.close();
});

test("duplicate suppression: a resent message gets the first ACK, the handler runs once", async () => {
  let calls = 0;
  const { server, port } = await serve(() => void calls++, { replay: 100 });
  const client = await connect({ port });
  const a = await client.send(msg("DUP"));
  const b = await client.send(msg("DUP"));
  assert.equal(a.toString(), b.toString());
  assert.equal(calls, 1);
  await client.close();
  await server.close();
});

test("200 slow connections do not hold up a normal client", async () => {
  const { server, port } = await serve(() => {}, { frameTimeout: 10000 });
  const slow = [];
  for (let i = 0; i < 200; i++) {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.on("error", () => {});
    slow.push(s);
  }
  await Promise.all(slow.map((s) => new Promise((r) => s.once("connect", r))));
  let stop = false;
  const drip = (async () => {
    const frame = mllpEncode(msg("SLOW"));
    for (let at = 0; !stop && at < 20; at++) {
      for (const s of slow) s.write(frame.subarray(at, at + 1));
      await sleep(100);
    }
  })();
  const client = await connect({ port });
  const times = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await client.send(msg(`N${i}`));
    times.push(performance.now() - t);
  }
  stop = true;
  await drip;
  times.sort((x, y) => x - y);
  const p99 = times[Math.floor(times.length * 0.99)];
  assert.ok(p99 < 250, `p99 ${p99.toFixed(1)} ms`);
  for (const s of slow) s.destroy();
  await client.close();
  await server.close();
});

const TLS_SERVER = { key: cert("server.key"), cert: cert("server.crt") };
const TRUST = { ca: cert("ca.crt") };

test("TLS 1.2 and 1.3: handshake and traffic", async () => {
  const { server, port } = await serve(() => {}, { tls: TLS_SERVER });
  for (const version of ["TLSv1.2", "TLSv1.3"]) {
    const client = await connect({ port, host: "localhost", tls: { ...TRUST, minVersion: version, maxVersion: version } });
    assert.equal((await client.send(msg(version))).get("MSA-2"), version);
    await client.close();
  }
  await server.close();
});

test("mutual TLS refuses a missing, expired or wrong-CA client certificate", async () => {
  const { server, port, issues } = await serve(() => {}, {
    tls: { ...TLS_SERVER, ca: cert("ca.crt"), requestCert: true, rejectUnauthorized: true },
  });
  const client = (name) => ({ ...TRUST, key: cert(`${name}.key`), cert: cert(`${name}.crt`) });
  const ok = await connect({ port, tls: client("client") });
  assert.equal((await ok.send(msg("MTLS"))).get("MSA-1"), "AA");
  await ok.close();
  for (const tlsOptions of [TRUST, client("client-expired"), client("client-other")]) {
    const c = new MllpClient({ port, tls: tlsOptions, reconnectAttempts: 0, ackTimeout: 1000 });
    // TLS 1.3 reports a refused client certificate after the handshake: the
    // send fails when the server closes the connection.
    await assert.rejects(c.send(msg("NO")), (e) => e instanceof HL7TransportError && ["tls_failed", "connection_closed"].includes(e.code));
    await c.close();
  }
  assert.ok(issues.filter((c) => c === "tls_failed").length >= 3, issues.join());
  await server.close();
});

test("a plain-text client to a TLS port fails cleanly; so does TLS to a plain port", async () => {
  const secure = await serve(() => {}, { tls: TLS_SERVER });
  const plain = new MllpClient({ port: secure.port, reconnectAttempts: 0, ackTimeout: 2000 });
  await assert.rejects(plain.send(msg("PLAIN")), (e) => e instanceof HL7TransportError && ["connection_closed", "ack_timeout"].includes(e.code));
  await plain.close();
  await secure.server.close();
  const open = await serve(() => {});
  const wrong = new MllpClient({ port: open.port, tls: TRUST, reconnectAttempts: 0, connectTimeout: 1000 });
  await assert.rejects(wrong.send(msg("TLS")), (e) => e instanceof HL7TransportError && ["tls_failed", "connect_failed", "connect_timeout"].includes(e.code));
  await wrong.close();
  await open.server.close();
});

test("certificates reload without a restart", async () => {
  const { server, port } = await serve(() => {}, { tls: TLS_SERVER });
  const serial = () =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ port, host: "127.0.0.1", servername: "localhost", ...TRUST }, () => {
        resolve(s.getPeerCertificate().serialNumber);
        s.destroy();
      });
      s.on("error", reject);
    });
  const before = await serial();
  server.setSecureContext({ key: cert("server2.key"), cert: cert("server2.crt") });
  const after = await serial();
  assert.notEqual(before, after);
  await server.close();
});
