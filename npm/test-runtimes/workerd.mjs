// Starts workerd on a free loopback port, POSTs messages to the worker, and
// prints "N passed, N failed".
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createServer as createMllpServer } from "../lib/mllp.mjs";
import { parse } from "../lib/node.mjs";

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const child = spawn("./node_modules/.bin/workerd", ["serve", "workerd.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
  stdio: ["ignore", "inherit", "inherit"],
});
const url = `http://127.0.0.1:${port}/`;
let failed = 0;
let passed = 0;
try {
  let ready = false;
  for (let i = 0; i < 100 && !ready; i++) {
    try {
      await fetch(url, { method: "POST", body: "MSH|^~\\&|X\r" });
      ready = true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const ok = await (await fetch(url, { method: "POST", body: "MSH|^~\\&|A||||||ADT^A08|77|P|2.5\rPID|1||1||DOE^JO\r" })).json();
  if (ok.type === "ADT" && ok.trigger === "A08" && ok.id === "77" && ok.family === "DOE" && ok.valid === false) passed++;
  else failed++, console.log("FAIL parse", ok);
  const long = "x".repeat(100);
  const ackText = await (await fetch(url + "ack", { method: "POST", body: `MSH|^~\\&|A|B|C|D|1||ADT^A08|77|P|2.5\rZZZ|${long}\r` })).text();
  if (/^MSH\|\^~\\&\|C\|D\|A\|B\|\d{14}\+0000\|\|ACK\^A08\^ACK\|[0-9A-Z]{20}\|P\|2\.5\rMSA\|AE\|77\rERR\|\|ZZZ\^1\^1\|102\^/.test(ackText)) passed++;
  else failed++, console.log("FAIL ack", JSON.stringify(ackText));
  const batch = ["FHS|^~\\&\r", "BHS|^~\\&\r", ...Array.from({ length: 300 }, (_, i) => `MSH|^~\\&|A||||||ADT^A08|${i}|P|2.5\rPID|1||${"9".repeat(200)}\r`), "BTS|300\r", "FTS|1\r"];
  const split = await (await fetch(url + "batch", { method: "POST", body: batch.join("") })).json();
  const want = ["file_header", "batch_header", ...Array.from({ length: 300 }, (_, i) => String(i)), "batch_trailer", "file_trailer"];
  if (JSON.stringify(split) === JSON.stringify(want)) passed++;
  else failed++, console.log("FAIL batch", JSON.stringify(split).slice(0, 200));
  const post = (body) => fetch(url + "hl7", { method: "POST", body, headers: { "content-type": "application/hl7-v2" } });
  const accepted = await post("MSH|^~\\&|A|B|C|D|1||ADT^A08|H7|P|2.5\r");
  const refused = await post("MSH|^~\\&|A|B|C|D|1||ADT^A08|NAK|P|2.5\r");
  const wrongType = await fetch(url + "hl7", { method: "POST", body: "x", headers: { "content-type": "application/json" } });
  const got = [accepted.status, parse(await accepted.text()).get("MSA-2"), refused.status, wrongType.status];
  if (JSON.stringify(got) === JSON.stringify([200, "H7", 400, 415])) passed++;
  else failed++, console.log("FAIL hl7 over http", got);
  // The Workers MLLP client (cloudflare:sockets) against pipehat's Node server on loopback.
  const seen = [];
  const mllp = createMllpServer((m) => void seen.push(m.controlId));
  const { port: mllpPort } = await mllp.listen(0, "127.0.0.1");
  const viaWorker = await fetch(`${url}mllp?port=${mllpPort}`, { method: "POST", body: "MSH|^~\\&|A|B|C|D|1||ADT^A08|W1|P|2.5\rPID|1\r" });
  const reply = await viaWorker.text();
  await mllp.close();
  if (viaWorker.status === 200 && parse(reply).get("MSA-2") === "W1" && seen[0] === "W1") passed++;
  else failed++, console.log("FAIL mllp client in workerd", viaWorker.status, reply.slice(0, 100));
  const bad = await fetch(url, { method: "POST", body: "PID|1" });
  const err = await bad.json();
  if (bad.status === 400 && err.error === "missing_header" && err.offset === 0) passed++;
  else failed++, console.log("FAIL error", err);
} catch (e) {
  failed++;
  console.log("FAIL", e);
} finally {
  child.kill();
}
console.log(`workerd: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
