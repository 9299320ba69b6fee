// The viewer's local server for `pipehat view` (bin/pipehat.mjs), and its
// static copy (`pipehat view --export DIR`). What is served, and with which
// headers, is in viewer/serve.json and viewer/files.json, which Python's
// `pipehat view` reads too.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync, mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { transport } from "../lib/node.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (name) => JSON.parse(readFileSync(join(ROOT, name), "utf8"));

/** What the servers follow: serve.json with the file list. */
export function viewerConfig() {
  let files;
  try {
    files = read("viewer/files.json").files;
  } catch {
    throw Object.assign(new Error("the viewer is not built: run `npm run build` (make npm-build) [viewer_missing]"), {
      code: "viewer_missing",
    });
  }
  return { ...read("viewer/serve.json"), files };
}

/**
 * The modules that hand a file to the page, by name under viewer/: open.mjs
 * (the page imports it when its address ends in #open) says the file's name,
 * size and number of parts, and open/N.mjs holds part N in base64 (`part`
 * bytes each; several modules load and parse in parallel, one huge one does
 * not). Without a file, open.mjs says null.
 */
export function openModules(name, bytes, part) {
  const modules = new Map();
  const parts = bytes ? Math.ceil(bytes.length / part) : 0;
  modules.set("open.mjs", () => `export default ${bytes ? JSON.stringify({ name, size: bytes.length, part, parts }) : "null"};\n`);
  for (let i = 0; i < parts; i++) {
    modules.set(`open/${i}.mjs`, () => `export default "${Buffer.from(bytes.buffer, bytes.byteOffset + i * part, Math.min(part, bytes.length - i * part)).toString("base64")}";\n`);
  }
  return modules;
}

/**
 * Starts the viewer on a loopback address. options: file (a path or file URL, shown on
 * opening), host ("127.0.0.1" or another loopback address), port (0: any
 * free one). Every address carries a random token, and requests naming
 * another host are refused, so that neither another local user's guess nor
 * a web page through DNS rebinding can read the file.
 * Resolves to {url, server, close()}.
 */
export async function startViewer(options = {}) {
  const config = viewerConfig();
  const host = options.host ?? config.host;
  if (!transport.isLoopback(host)) {
    throw transport.error("public_address");
  }
  const file = options.file instanceof URL ? fileURLToPath(options.file) : options.file;
  const given = file ? readFileSync(file) : null;
  const open = openModules(file ? basename(file) : "", given, config.part);
  const token = randomBytes(16).toString("hex");
  const served = new Set(config.files);
  const headers = { "content-security-policy": config.csp, ...config.headers };

  // requireHostHeader off: a request without Host gets the 403 below (with the headers), as from Python.
  let hosts; // the Host headers that name this server, once it listens
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    if (!hosts.has(req.headers.host ?? "")) return res.writeHead(403, headers).end();
    if (req.method !== "GET" && req.method !== "HEAD") return res.writeHead(405, { ...headers, allow: "GET, HEAD" }).end();
    const path = new URL(req.url, "http://localhost").pathname;
    const prefix = `/${token}/`;
    if (path === `/${token}` || path === prefix) {
      return res.writeHead(302, { ...headers, location: `${prefix}${config.index}` }).end();
    }
    if (!path.startsWith(prefix)) return res.writeHead(404, headers).end();
    const name = path.slice(prefix.length);
    let body;
    const made = name.startsWith("viewer/") && open.get(name.slice("viewer/".length));
    if (made) body = Buffer.from(made());
    else if (served.has(name)) body = readFileSync(join(ROOT, name));
    else return res.writeHead(404, headers).end();
    res.writeHead(200, { ...headers, "content-type": config.types[extname(name)] ?? "application/octet-stream", "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const port = server.address().port;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${port}/${token}/${config.index}${given ? "#open" : ""}`;
  return { url, server, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Copies the viewer into `dir` as a static site (`dir/index.html` leads to the page). */
export function exportViewer(dir) {
  const config = viewerConfig();
  for (const name of config.files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    copyFileSync(join(ROOT, name), join(dir, name));
  }
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${config.index}"><title>pipehat viewer</title><a href="${config.index}">pipehat viewer</a>\n`,
  );
  return config.files.length + 1;
}
