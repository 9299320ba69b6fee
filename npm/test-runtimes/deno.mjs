// Deno loads the web build (ESM, top-level await; the .wasm via a file: URL);
// the full module needs `await load()`, and until then its functions throw.
import api from "../lib/web.mjs";
import { smoke } from "./smoke.mjs";
import { transportSmoke } from "./transport-smoke.mjs";
import { hl7Http } from "../lib/http-web.mjs";
// pipehat/mllp resolves to the Node entry in Deno (node:net, node:tls).
import { createServer, connect } from "../lib/mllp.mjs";

let before;
try {
  api.validate("MSH|^~\\&|A\r");
} catch (e) {
  before = e;
}
if (!(before instanceof api.HL7LoadError) || before.code !== "not_loaded") {
  console.log("FAIL deno: validate() before load() did not throw HL7LoadError");
  Deno.exit(1);
}
await api.load();
if (smoke(api, `deno ${Deno.version.deno}`) > 0) Deno.exit(1);
if ((await transportSmoke({ createServer, connect, hl7Http, parse: api.parse }, `deno ${Deno.version.deno}`)) > 0) Deno.exit(1);
