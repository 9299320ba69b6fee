// Bun resolves the package like Node: ESM entry over the CommonJS wasm glue.
import api from "../lib/node.mjs";
import { smoke } from "./smoke.mjs";
import { transportSmoke } from "./transport-smoke.mjs";
import { createServer, connect } from "../lib/mllp.mjs";
import { hl7Http } from "../lib/http-node.mjs";

if (smoke(api, `bun ${Bun.version}`) > 0) process.exit(1);
if ((await transportSmoke({ createServer, connect, hl7Http, parse: api.parse }, `bun ${Bun.version}`)) > 0) process.exit(1);
