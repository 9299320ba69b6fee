// webpack 5: the same entry; the .wasm next to pipehat's web glue becomes an
// emitted asset through `new URL(..., import.meta.url)`.
const path = require("node:path");

module.exports = {
  mode: "production",
  target: "web",
  entry: "./src/main.mjs",
  output: { path: path.resolve(__dirname, "dist-webpack"), filename: "main.js", clean: true },
  experiments: { topLevelAwait: true },
  performance: { hints: false },
};
