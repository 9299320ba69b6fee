"use strict";
// Node (require): the wasm-bindgen nodejs builds load their .wasm synchronously:
// the core module now, the full one on first use of what needs it.
const native = require("../pkg/node/pipehat_wasm.js");
const { createApi } = require("./api.cjs");

module.exports = createApi(
  native,
  { sync: () => require("../pkg/node-full/pipehat_wasm.js") },
  // Node's copy of a string's UTF-16 code units into memory (see writeText
  // in api/scratch.mjs).
  { ucs2Write: Buffer.prototype.ucs2Write },
);
