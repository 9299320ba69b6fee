// `pipehat view`'s server (bin/view.mjs) over HTTP: the shared cases of
// tests/viewer_server_cases.json, which Python's server answers alike. The
// page itself runs in Chromium in test-viewer/run.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startViewer, exportViewer, viewerConfig, openModules } from "../bin/view.mjs";
import { HL7TransportError } from "../lib/node.mjs";

const root = new URL("../../", import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL("tests/viewer_server_cases.json", root), "utf8"));
const sample = new URL("samples/nhl7c__adt_a08__1.hl7", root);
const SERVE = JSON.parse(readFileSync(new URL("../viewer/serve.json", import.meta.url), "utf8"));

function get(url, path, host, method = "GET") {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = host ? { host: host.replace("PORT", u.port) } : {};
    const r = request({ host: u.hostname.replace(/^\[(.*)\]$/, "$1"), port: u.port, path, method, headers, setHost: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on("error", reject);
    r.end();
  });
}

test("the viewer's server answers the shared cases", async () => {
  const viewer = await startViewer({ file: sample });
  try {
    const token = new URL(viewer.url).pathname.split("/")[1];
    assert.match(token, /^[0-9a-f]{32}$/);
    assert.ok(viewer.url.startsWith("http://127.0.0.1:") && viewer.url.endsWith("/viewer/index.html#open"));
    for (const c of cases) {
      const path = c.bare ? c.path : `/${token}/${c.path}`;
      const res = await get(viewer.url, path, c.host, c.method);
      assert.equal(res.status, c.status, c.name);
      assert.equal(res.headers["content-security-policy"], SERVE.csp, `${c.name}: the CSP on every answer`);
      if (c.type) assert.equal(res.headers["content-type"], c.type, c.name);
      if (c.location) assert.equal(res.headers.location, `/${token}/${c.location}`, c.name);
    }
    const open = await get(viewer.url, `/${token}/${SERVE.open}`, "127.0.0.1:PORT");
    const given = JSON.parse(/^export default (.*);\n$/s.exec(open.body.toString())[1]);
    const bytes = readFileSync(sample);
    assert.deepEqual(given, { name: "nhl7c__adt_a08__1.hl7", size: bytes.length, part: SERVE.part, parts: 1 });
    const part = await get(viewer.url, `/${token}/viewer/open/0.mjs`, "127.0.0.1:PORT");
    assert.deepEqual(Buffer.from(/^export default "(.*)";\n$/s.exec(part.body.toString())[1], "base64"), bytes);
  } finally {
    await viewer.close();
  }
});

test("without a file the page gets none; other addresses than loopback are refused", async () => {
  const viewer = await startViewer({ host: "::1" });
  try {
    assert.ok(viewer.url.startsWith("http://[::1]:") && viewer.url.endsWith("/viewer/index.html"));
    const token = new URL(viewer.url).pathname.split("/")[1];
    const open = await get(viewer.url, `/${token}/${SERVE.open}`, "[::1]:PORT");
    assert.equal(open.body.toString(), "export default null;\n");
  } finally {
    await viewer.close();
  }
  await assert.rejects(startViewer({ host: "0.0.0.0" }), (e) => e instanceof HL7TransportError && e.code === "public_address");
  await assert.rejects(startViewer({ file: "no/such/file.hl7" }), { code: "ENOENT" });
});

test("--export writes the page's files and an index", () => {
  const dir = mkdtempSync(join(tmpdir(), "pipehat-view-"));
  try {
    const n = exportViewer(dir);
    const { files } = viewerConfig();
    assert.equal(n, files.length + 1);
    for (const f of [...files, "index.html"]) assert.ok(existsSync(join(dir, f)), f);
    assert.match(readFileSync(join(dir, "index.html"), "utf8"), /url=viewer\/index\.html/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("index.html preloads every module the page needs before it is interactive", () => {
  const html = readFileSync(new URL("../viewer/index.html", import.meta.url), "utf8");
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => new URL(m[1], "http://x/viewer/").pathname.slice(1)));
  const later = new Set(["viewer/viewer.mjs", "viewer/wasm/full.mjs", "pkg/web-full/pipehat_wasm.js"]);
  const needed = viewerConfig().files.filter((f) => /\.m?js$/.test(f) && !later.has(f));
  assert.deepEqual([...preloaded].sort(), needed.sort());
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)[1];
  assert.equal(csp, SERVE.csp.replace(/; frame-ancestors 'none'$/, ""), "the meta tag is the servers' policy less frame-ancestors");
});

test("a file is handed over in parts of `part` bytes, base64 each", () => {
  const bytes = Buffer.from("MSH|^~\\&|0123456789");
  const modules = openModules("f.hl7", bytes, 6);
  assert.deepEqual([...modules.keys()], ["open.mjs", "open/0.mjs", "open/1.mjs", "open/2.mjs", "open/3.mjs"]);
  assert.equal(modules.get("open.mjs")(), `export default {"name":"f.hl7","size":${bytes.length},"part":6,"parts":4};\n`);
  const back = [0, 1, 2, 3].map((i) => Buffer.from(/"(.*)"/.exec(modules.get(`open/${i}.mjs`)())[1], "base64"));
  assert.deepEqual(Buffer.concat(back), bytes);
  assert.deepEqual([...openModules("", null, 6).keys()], ["open.mjs"]);
  assert.equal(SERVE.part % 3, 0, "parts are whole base64 groups");
});
