// Bun resolves the package like Node: ESM entry over the CommonJS wasm glue.
import api from "../lib/node.mjs";
import { smoke } from "./smoke.mjs";

if (smoke(api, `bun ${Bun.version}`) > 0) process.exit(1);
