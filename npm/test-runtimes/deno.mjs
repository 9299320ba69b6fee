// Deno loads the web build (ESM, top-level await; the .wasm via a file: URL);
// the full module needs `await load()`, and until then its functions throw.
import api from "../lib/web.mjs";
import { smoke } from "./smoke.mjs";

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
