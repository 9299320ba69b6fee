// Derives the generated files of lib/ from lib/api.mjs, the single source:
// - lib/api.cjs: the same createApi() for require();
// - lib/node.mjs, lib/web.mjs, lib/workerd.mjs: the ESM entries, each making
//   the api its own way and exporting every name createApi() returns (the
//   list is read from api.mjs, so a new export is added in one place).
import { readFileSync, writeFileSync } from "node:fs";

const lib = (name) => new URL(`../lib/${name}`, import.meta.url);
const source = readFileSync(lib("api.mjs"), "utf8");
if (!source.includes("export function createApi(")) throw new Error("api.mjs changed shape");
const GENERATED = "// Generated from api.mjs by scripts/build.mjs; do not edit.\n";

writeFileSync(
  lib("api.cjs"),
  '"use strict";\n' +
    GENERATED +
    source.replace("export function createApi(", "function createApi(") +
    "\nmodule.exports = { createApi };\n",
);

// The names in createApi()'s final `return { ... };`.
const block = source.slice(source.lastIndexOf("  return {"));
const names = block
  .slice(block.indexOf("{") + 1, block.indexOf("}"))
  .split(",")
  .map((n) => n.trim())
  .filter(Boolean);
if (!names.includes("parse") || names.some((n) => !/^[A-Za-z0-9_]+$/.test(n))) {
  throw new Error("could not read the names createApi() returns");
}
const exportsBlock = `export const {\n${names.map((n) => `  ${n},\n`).join("")}} = api;\nexport default api;\n`;

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
