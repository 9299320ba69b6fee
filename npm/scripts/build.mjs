// Derives the generated files of lib/ from lib/api.mjs and lib/api/*.mjs:
// - lib/api.cjs: the same createApi() for require(): the topic files and
//   api.mjs joined into one script (their imports dropped, `export` removed);
// - lib/node.mjs, lib/web.mjs, lib/workerd.mjs: the ESM entries, each making
//   the api its own way and exporting the names of EXPORTS (api.mjs), the
//   package's one explicit list.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { EXPORTS } from "../lib/api.mjs";

const lib = (name) => new URL(`../lib/${name}`, import.meta.url);
const GENERATED = "// Generated from api.mjs and api/*.mjs by scripts/build.mjs; do not edit.\n";

// The topic files in the order api.mjs imports them.
const api = readFileSync(lib("api.mjs"), "utf8");
const topics = [...api.matchAll(/^import \{ (\w+) \} from "\.\/(api\/\w+\.mjs)";$/gm)];
if (topics.length === 0) throw new Error("api.mjs imports no topic file");

/** A module's text as part of a script: no imports, no `export` keywords. */
function asScript(text, file) {
  const lines = text.split("\n").filter((line) => !line.startsWith("import "));
  const out = lines.map((line) => line.replace(/^export (function|const) /, "$1 "));
  if (out.some((line) => line.startsWith("export "))) throw new Error(`${file}: an export build.mjs cannot convert`);
  return out.join("\n");
}

const parts = topics.map(([, install, file]) => {
  const text = readFileSync(lib(file), "utf8");
  if (!text.includes(`export function ${install}(api) {`)) throw new Error(`${file} does not define ${install}(api)`);
  return `// --- ${file}\n${asScript(text, file)}`;
});
writeFileSync(
  lib("api.cjs"),
  '"use strict";\n' +
    GENERATED +
    parts.join("\n") +
    "\n// --- api.mjs\n" +
    asScript(api, "api.mjs") +
    "\nmodule.exports = { createApi, EXPORTS };\n",
);

if (!EXPORTS.includes("parse") || EXPORTS.some((n) => !/^[A-Za-z0-9_]+$/.test(n))) {
  throw new Error("EXPORTS in api.mjs is not a list of names");
}
const exportsBlock = `export const {\n${EXPORTS.map((n) => `  ${n},\n`).join("")}} = api;\nexport default api;\n`;

const ENTRIES = {
  "node.mjs": `// Node (import): the same instance as require("pipehat").
import api from "./node.cjs";
`,
  "web.mjs": `// Browsers, bundlers (Vite, webpack) and Deno: the wasm-bindgen web builds.
// The core module is instantiated by top-level await; the full one (its
// .wasm several times larger) only when load() is awaited. Each .wasm is found
// next to its glue through import.meta.url, which bundlers rewrite.
import init, * as native from "../pkg/web/pipehat_wasm.js";
import { createApi } from "./api.mjs";

await init();
const api = createApi(native, {
  async: async () => {
    const full = await import("../pkg/web-full/pipehat_wasm.js");
    await full.default();
    return full;
  },
});
`,
  "workerd.mjs": `// Cloudflare Workers (workerd): both .wasm files are imported as compiled
// modules by the Workers bundler; each is instantiated synchronously, the
// full one on first use.
import * as native from "../pkg/web/pipehat_wasm.js";
import wasmModule from "../pkg/web/pipehat_wasm_bg.wasm";
import * as full from "../pkg/web-full/pipehat_wasm.js";
import fullWasmModule from "../pkg/web-full/pipehat_wasm_bg.wasm";
import { createApi } from "./api.mjs";

native.initSync({ module: wasmModule });
const api = createApi(native, {
  sync: () => {
    full.initSync({ module: fullWasmModule });
    return full;
  },
});
`,
};
for (const [file, prelude] of Object.entries(ENTRIES)) {
  writeFileSync(lib(file), GENERATED + prelude + "\n" + exportsBlock);
}

// The viewer (viewer/): its page's CSP has no connect-src, so its .wasm
// modules cannot be fetched; each is written as base64 in a script module.
// viewer/files.json lists every file the page loads, relative to the
// package: what the local servers (bin/view.mjs, Python's pipehat.view)
// serve and nothing else, and what `pipehat view --export` copies.
const pkg = (name) => new URL(`../${name}`, import.meta.url);
if (existsSync(pkg("pkg/web/pipehat_wasm_bg.wasm")) && existsSync(pkg("pkg/web-full/pipehat_wasm_bg.wasm"))) {
  mkdirSync(pkg("viewer/wasm"), { recursive: true });
  for (const [module, out] of [["web", "core"], ["web-full", "full"]]) {
    const wasm = readFileSync(pkg(`pkg/${module}/pipehat_wasm_bg.wasm`));
    writeFileSync(pkg(`viewer/wasm/${out}.mjs`), `${GENERATED}export default "${wasm.toString("base64")}";\n`);
  }
  const files = [
    "viewer/index.html",
    "viewer/viewer.css",
    "viewer/viewer.mjs",
    "viewer/pipehat.mjs",
    "viewer/serve.json",
    "viewer/files.json",
    "viewer/wasm/core.mjs",
    "viewer/wasm/full.mjs",
    "lib/api.mjs",
    ...topics.map(([, , file]) => `lib/${file}`),
    "pkg/web/pipehat_wasm.js",
    "pkg/web-full/pipehat_wasm.js",
  ];
  for (const f of files) if (f !== "viewer/files.json" && !existsSync(pkg(f))) throw new Error(`the viewer needs ${f}, which is missing`);
  writeFileSync(pkg("viewer/files.json"), JSON.stringify({ "//": GENERATED.slice(3).trim(), files }, null, 2) + "\n");
}
