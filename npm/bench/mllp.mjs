// MLLP and HL7-over-HTTP throughput: pipehat against the Node MLLP libraries,
// server and client on this machine. Each contender runs alone in its own
// process (so that no library pays for another's garbage or heap sizing),
// the contenders alternate, over several rounds; the table gives medians
// and ranges. Not a test.
//
//   node mllp.mjs [--rounds 3] [--messages 5000]
//
// The first tenth of each run's messages warms up and is not timed.
//
// Messages: the shared workload's adt.hl7 (ADT^A01, each with its own MSH-10).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { opt, workload, median, ROOT } from "./common.mjs";

const require = createRequire(import.meta.url);

// Peers whose servers call listen(port) with no host would bind every
// address; here such a call binds loopback instead.
const net = await import("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) args.splice(1, 0, "127.0.0.1");
  return listen.apply(this, args);
};

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
const HERE = fileURLToPath(import.meta.url);
const ROUNDS = Number(opt("--rounds", 3));
const N = Number(opt("--messages", 5000));

const CONTENDERS = {
  "pipehat (stop-and-wait)": { run: pipehat },
  "pipehat (32 in flight)": { run: (m) => pipehat(m, { maxInFlight: 32 }) },
  "pipehat over TLS": { run: (m) => pipehat(m, { tls: true }) },
  "@medplum/hl7 4.5.2": { run: medplum },
  "simple-hl7 3.3.0": { run: simpleHl7 },
  // node-hl7-server handles every earlier message of a connection again
  // with each new one (its issue #102): measured on 300 messages only.
  "node-hl7-server 2.5.0 + node-hl7-client": { run: nodeHl7, messages: 300 },
  "pipehat 100 active + 1,000 idle connections": { run: crowd },
  "pipehat/http nodeHttp on node:http": { run: (m) => http(m, "node") },
  "pipehat/http hl7Http (fetch handler) on node:http": { run: (m) => http(m, "fetch") },
  "bare node:http (fixed reply)": { run: (m) => http(m, false) },
};

function messages(n) {
  const text = workload("adt").toString("latin1");
  return text.split("\n").filter((m) => m.startsWith("MSH")).slice(0, n);
}

/**
 * Sends `list` with `send`, `inFlight` at a time; returns per-message
 * latencies (ms) of all but the first tenth, which warms the JIT up.
 */
async function timed(all, send, inFlight = 1) {
  const warm = Math.floor(all.length / 10);
  for (let i = 0; i < warm; i++) await send(all[i]);
  const list = all.slice(warm);
  const latencies = new Array(list.length);
  let next = 0;
  async function worker() {
    while (next < list.length) {
      const i = next++;
      const t = performance.now();
      await send(list[i]);
      latencies[i] = performance.now() - t;
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { seconds: (performance.now() - started) / 1000, latencies };
}

async function pipehat(list, { maxInFlight = 1, tls = false } = {}) {
  const { createServer, connect } = await import("../lib/mllp.mjs");
  const pem = (name) => readFileSync(`${ROOT}tests/tls/${name}`);
  const server = createServer(() => {}, tls ? { tls: { key: pem("server.key"), cert: pem("server.crt") } } : {});
  const { port } = await server.listen(0, "127.0.0.1");
  const client = await connect({ host: tls ? "localhost" : "127.0.0.1", port, maxInFlight, tls: tls ? { ca: pem("ca.crt") } : undefined });
  const result = await timed(list, (m) => client.send(m), maxInFlight);
  await client.close();
  await server.close();
  return result;
}

async function medplum(list) {
  const { Hl7Server, Hl7Client } = require("@medplum/hl7");
  const { Hl7Message } = require("@medplum/core");
  const server = new Hl7Server((connection) => {
    connection.addEventListener("message", ({ message }) => connection.send(message.buildAck()));
  });
  const port = await freePort();
  server.start(port);
  await new Promise((r) => setTimeout(r, 100));
  const client = new Hl7Client({ host: "127.0.0.1", port });
  const result = await timed(list, (m) => client.sendAndWait(Hl7Message.parse(m)));
  await client.close();
  await server.stop({ forceDrainTimeoutMs: 100 });
  return result;
}

async function simpleHl7(list) {
  const hl7 = require("simple-hl7");
  const parser = new hl7.Parser();
  const app = hl7.tcp();
  app.use((req, res) => res.end());
  const port = await freePort();
  app.start(port);
  await new Promise((r) => setTimeout(r, 100));
  const client = hl7.Server.createTcpClient("127.0.0.1", port);
  const result = await timed(list, (m) => new Promise((resolve, reject) => client.send(parser.parse(m), (e, ack) => (e ? reject(e) : resolve(ack)))));
  client.close();
  app.stop();
  return result;
}

async function nodeHl7(list) {
  const { Server } = require("node-hl7-server");
  const { Client, Message } = require("node-hl7-client");
  const port = await freePort();
  const server = new Server({ bindAddress: "127.0.0.1" });
  const inbound = server.createInbound({ port }, async (req, res) => res.sendResponse("AA"));
  let acked = 0;
  const client = new Client({ host: "127.0.0.1" });
  const outbound = client.createConnection({ port, waitAck: true }, async () => void acked++);
  await new Promise((r) => outbound.on("connect", r));
  await new Promise((r) => setTimeout(r, 200));
  const result = await timed(list, async (m) => {
    const want = acked + 1;
    await outbound.sendMessage(new Message({ text: m }));
    while (acked < want) await new Promise((r) => setImmediate(r));
  });
  await outbound.close();
  await inbound.close();
  return result;
}

async function crowd(list) {
  const { createServer, connect } = await import("../lib/mllp.mjs");
  const server = createServer(() => {});
  const { port } = await server.listen(0, "127.0.0.1");
  const idle = [];
  for (let i = 0; i < 1000; i++) {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.on("error", () => {});
    idle.push(s);
  }
  await Promise.all(idle.map((s) => new Promise((r) => s.once("connect", r))));
  const clients = await Promise.all(Array.from({ length: 100 }, () => connect({ port })));
  let k = 0;
  const result = await timed(list, (m) => clients[k++ % 100].send(m), 100);
  await Promise.all(clients.map((c) => c.close()));
  for (const s of idle) s.destroy();
  await server.close();
  return result;
}

async function http(list, hl7) {
  const nodeHttpModule = await import("node:http");
  const { Readable } = await import("node:stream");
  const { hl7Http, nodeHttp } = await import("../lib/http-node.mjs");
  const endpoint = hl7Http(() => {});
  const direct = nodeHttp(() => {});
  const fixed = Buffer.from("MSH|^~\\&|A|B|||20240115||ACK|1|P|2.5\rMSA|AA|1\r");
  const server = nodeHttpModule.createServer(async (req, res) => {
    if (hl7 === "node") return direct(req, res);
    if (!hl7) {
      for await (const _ of req);
      res.writeHead(200, { "content-type": "application/hl7-v2" });
      return res.end(fixed);
    }
    const response = await endpoint(
      new Request(`http://${req.headers.host}/`, { method: "POST", headers: req.headers, body: Readable.toWeb(req), duplex: "half" }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const agent = new nodeHttpModule.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (m) =>
    new Promise((resolve, reject) => {
      const req = nodeHttpModule.request(url, { method: "POST", agent, headers: { "content-type": "application/hl7-v2" } }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end(m);
    });
  const result = await timed(list, post);
  agent.destroy();
  server.close();
  return result;
}

async function child(name) {
  const c = CONTENDERS[name];
  const list = messages(c.messages ?? N);
  const { seconds, latencies } = await c.run(list);
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
  const timedCount = latencies.length;
  const out = { rate: timedCount / seconds, p50: at(0.5), p99: at(0.99), rss: process.memoryUsage().rss / 2 ** 20, n: list.length };
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

if (opt("--child", null)) {
  await child(opt("--child"));
} else {
  const results = Object.fromEntries(Object.keys(CONTENDERS).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(CONTENDERS)) {
      const r = spawnSync(process.execPath, [HERE, "--child", name, "--messages", String(N)], { encoding: "utf8", timeout: 300_000 });
      const line = r.stdout.trim().split("\n").pop();
      try {
        results[name].push(JSON.parse(line));
      } catch {
        process.stderr.write(`${name}: no result (${r.status}) ${r.stderr.slice(-300)}\n`);
      }
    }
  }
  const fmt = (v, d = 0) => v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`Node ${process.version}, ${ROUNDS} rounds, each contender alone in its own process; messages/s median (range), latency p50/p99 ms, RSS MB`);
  console.log("| contender | messages/s | p50 ms | p99 ms | RSS MB |");
  console.log("|---|---|---|---|---|");
  for (const [name, rs] of Object.entries(results)) {
    if (!rs.length) continue;
    const rates = rs.map((r) => r.rate);
    console.log(
      `| ${name} (${rs[0].n} msgs) | ${fmt(median(rates))} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}) | ${fmt(median(rs.map((r) => r.p50)), 3)} | ${fmt(median(rs.map((r) => r.p99)), 3)} | ${fmt(median(rs.map((r) => r.rss)))} |`,
    );
  }
}
