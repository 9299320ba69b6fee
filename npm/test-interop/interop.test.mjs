// pipehat/mllp against the Node MLLP libraries people use, both directions
// where they have both ends: @medplum/hl7 4.5.2 (Hl7Client, Hl7Server),
// node-hl7-client 3.2.0, node-hl7-server 2.5.0, simple-hl7 3.3.0. Loopback
// only (the peers' servers that listen on every address are made to bind
// 127.0.0.1), bounded in count and time.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { createRequire } from "node:module";
import { createServer, connect } from "../lib/mllp.mjs";

const require = createRequire(import.meta.url);
const N = 20;
const msg = (id) => `MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A01|${id}|P|2.5\rPID|1||${id}^^^HOSP^MR\r`;
const ids = (p) => Array.from({ length: N }, (_, i) => `${p}${i}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Peers whose servers call listen(port) with no host would bind every
// address; in this process, such a call binds loopback instead.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) args.splice(1, 0, "127.0.0.1");
  return listen.apply(this, args);
};
after(() => {
  net.Server.prototype.listen = listen;
});

async function pipehatServer() {
  const got = [];
  const server = createServer((m) => void got.push(m.get("MSH-10")));
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, got };
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

test("@medplum/hl7 Hl7Client -> pipehat server", async () => {
  const { Hl7Client } = require("@medplum/hl7");
  const { Hl7Message } = require("@medplum/core");
  const { server, port, got } = await pipehatServer();
  const client = new Hl7Client({ host: "127.0.0.1", port });
  for (const id of ids("M")) {
    const ack = await client.sendAndWait(Hl7Message.parse(msg(id)));
    assert.deepEqual([ack.getSegment("MSA").getField(1).toString(), ack.getSegment("MSA").getField(2).toString()], ["AA", id]);
  }
  await client.close();
  await server.close();
  assert.deepEqual(got, ids("M"));
});

test("pipehat client -> @medplum/hl7 Hl7Server", async () => {
  const { Hl7Server } = require("@medplum/hl7");
  const got = [];
  const peer = new Hl7Server((connection) => {
    connection.addEventListener("message", ({ message }) => {
      got.push(message.getSegment("MSH").getField(10).toString());
      connection.send(message.buildAck());
    });
  });
  const port = await freePort();
  peer.start(port);
  await sleep(100);
  const client = await connect({ port, ackTimeout: 5000 });
  for (const id of ids("D")) {
    const ack = await client.send(msg(id));
    assert.deepEqual([ack.get("MSA-1"), ack.get("MSA-2")], ["AA", id]);
  }
  await client.close();
  await peer.stop({ forceDrainTimeoutMs: 100 });
  assert.deepEqual(got, ids("D"));
});

test("node-hl7-client -> pipehat server", async () => {
  const { Client, Message } = require("node-hl7-client");
  const { server, port, got } = await pipehatServer();
  const acks = [];
  const client = new Client({ host: "127.0.0.1" });
  const outbound = client.createConnection({ port, waitAck: true }, async (res) => {
    const ack = res.getMessage();
    acks.push([ack.get("MSA.1").toString(), ack.get("MSA.2").toString()]);
  });
  await new Promise((resolve, reject) => {
    outbound.on("connect", resolve);
    setTimeout(() => reject(new Error("node-hl7-client did not connect")), 5000);
  });
  await sleep(200); // its "connect" comes before it is ready to send
  for (const [i, id] of ids("C").entries()) {
    await outbound.sendMessage(new Message({ text: msg(id) }));
    const deadline = Date.now() + 5000;
    while (acks.length <= i && Date.now() < deadline) await sleep(2);
  }
  await outbound.close();
  await server.close();
  assert.deepEqual(got, ids("C"));
  assert.deepEqual(acks, ids("C").map((id) => ["AA", id]));
});

test("pipehat client -> node-hl7-server", async () => {
  const { Server } = require("node-hl7-server");
  const got = [];
  const peer = new Server({ bindAddress: "127.0.0.1" });
  const port = await freePort();
  const inbound = peer.createInbound({ port }, async (req, res) => {
    got.push(req.getMessage().get("MSH.10").toString());
    await res.sendResponse("AA");
  });
  await sleep(100);
  const client = await connect({ port, ackTimeout: 5000 });
  const unmatched = [];
  client.on("issue", (i) => i.code === "unmatched_ack" && unmatched.push(i.controlId));
  for (const id of ids("S")) {
    const ack = await client.send(msg(id));
    assert.deepEqual([ack.get("MSA-1"), ack.get("MSA-2")], ["AA", id]);
  }
  await sleep(100);
  await client.close();
  await inbound.close();
  // node-hl7-server 2.5.0 handles every earlier message of a kept-open
  // connection again with each new one (its issue #102), and acknowledges
  // each again: pipehat matched every ACK to its own message and dropped
  // the repeats as unmatched_ack instead of taking them for the next one.
  assert.deepEqual([...new Set(got)], ids("S"));
  assert.equal(got.length, (N * (N + 1)) / 2);
  assert.equal(unmatched.length, got.length - N);
});

test("simple-hl7 client -> pipehat server, and pipehat client -> simple-hl7 server", async () => {
  const hl7 = require("simple-hl7");
  const parser = new hl7.Parser();
  const { server, port, got } = await pipehatServer();
  const client = hl7.Server.createTcpClient("127.0.0.1", port);
  for (const id of ids("T")) {
    const ack = await new Promise((resolve, reject) => client.send(parser.parse(msg(id)), (err, a) => (err ? reject(err) : resolve(a))));
    assert.deepEqual([ack.getSegment("MSA").getField(1), ack.getSegment("MSA").getField(2)], ["AA", id]);
  }
  client.close();
  await server.close();
  assert.deepEqual(got, ids("T"));

  const peerGot = [];
  const app = hl7.tcp();
  app.use((req, res) => {
    peerGot.push(req.msg.header.getField(8));
    res.end();
  });
  const peerPort = await freePort();
  app.start(peerPort);
  await sleep(100);
  const ours = await connect({ port: peerPort, ackTimeout: 5000 });
  for (const id of ids("U")) {
    const ack = await ours.send(msg(id));
    assert.deepEqual([ack.get("MSA-1"), ack.get("MSA-2")], ["AA", id]);
  }
  await ours.close();
  app.stop();
  assert.deepEqual(peerGot, ids("U"));
});

test("over TLS: node-hl7-client -> pipehat server, pipehat client -> node-hl7-server", async () => {
  const { readFileSync } = await import("node:fs");
  const pem = (name) => readFileSync(new URL(`../../tests/tls/${name}`, import.meta.url));
  const { Client, Message } = require("node-hl7-client");
  const got = [];
  const server = createServer((m) => void got.push(m.get("MSH-10")), { tls: { key: pem("server.key"), cert: pem("server.crt") } });
  const { port } = await server.listen(0, "127.0.0.1");
  const acks = [];
  const client = new Client({ host: "localhost", tls: { ca: pem("ca.crt") } });
  const outbound = client.createConnection({ port, waitAck: true }, async (res) => {
    acks.push(res.getMessage().get("MSA.2").toString());
  });
  await new Promise((resolve, reject) => {
    outbound.on("connect", resolve);
    setTimeout(() => reject(new Error("node-hl7-client did not connect over TLS")), 5000);
  });
  await sleep(200);
  for (const [i, id] of ids("X").entries()) {
    await outbound.sendMessage(new Message({ text: msg(id) }));
    const deadline = Date.now() + 5000;
    while (acks.length <= i && Date.now() < deadline) await sleep(2);
  }
  await outbound.close();
  await server.close();
  assert.deepEqual([got, acks], [ids("X"), ids("X")]);

  const { Server } = require("node-hl7-server");
  const peerGot = [];
  const peer = new Server({ bindAddress: "127.0.0.1", tls: { key: pem("server.key"), cert: pem("server.crt") } });
  const peerPort = await freePort();
  const inbound = peer.createInbound({ port: peerPort }, async (req, res) => {
    peerGot.push(req.getMessage().get("MSH.10").toString());
    await res.sendResponse("AA");
  });
  await sleep(100);
  // One message per connection: this peer handles earlier messages of a connection again (see above).
  for (const id of ids("Y").slice(0, 5)) {
    const ours = await connect({ host: "localhost", port: peerPort, tls: { ca: pem("ca.crt") }, ackTimeout: 5000 });
    const ack = await ours.send(msg(id));
    assert.deepEqual([ack.get("MSA-1"), ack.get("MSA-2")], ["AA", id]);
    await ours.close();
  }
  await inbound.close();
  assert.deepEqual(peerGot, ids("Y").slice(0, 5));
});
