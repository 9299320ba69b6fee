"use strict";
// Node (require): the wasm-bindgen nodejs build loads the .wasm synchronously.
const native = require("../pkg/node/pipehat_wasm.js");
const { createApi } = require("./api.cjs");

module.exports = createApi(native);
