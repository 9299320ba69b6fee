// Derives lib/api.cjs from lib/api.mjs (the only export is createApi).
import { readFileSync, writeFileSync } from "node:fs";

const source = readFileSync(new URL("../lib/api.mjs", import.meta.url), "utf8");
if (!source.includes("export function createApi(")) throw new Error("api.mjs changed shape");
const cjs =
  '"use strict";\n// Generated from api.mjs by scripts/build.mjs; do not edit.\n' +
  source.replace("export function createApi(", "function createApi(") +
  "\nmodule.exports = { createApi };\n";
writeFileSync(new URL("../lib/api.cjs", import.meta.url), cjs);
