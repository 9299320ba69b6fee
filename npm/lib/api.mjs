// The JavaScript face of pipehat: camelCase names, Error subclasses, lazy
// element objects. No HL7 logic lives here: every decision is made in the
// Rust core, reached through the wasm-bindgen modules passed to createApi().
//
// One file per topic in api/, the same topics as bindings-wasm/src and
// bindings-python/src (errors, message, json, stream, write, mllp, route,
// dictionary, deid; scratch is the hot path's plumbing, full the loading of the
// full module). Each installs its names into `api` and reads those of the
// topics before it. scripts/build.mjs makes api.cjs from these files, and
// the ESM entries export EXPORTS.
//
// Two WebAssembly modules: `native`, the core module (parsing, reading, JSON,
// editing, acknowledgements, MLLP, splitting, extract), loaded up front; and
// the full module (the dictionary and validation, filters, routes, change
// detection, mappings), which `loadFull` gives: `{ sync }`, a function that
// loads it at once (Node, workerd), or `{ async }`, one that returns a
// promise of it (browsers, Deno: see load()).

import { installErrors } from "./api/errors.mjs";
import { installScratch } from "./api/scratch.mjs";
import { installMessage } from "./api/message.mjs";
import { installWrite } from "./api/write.mjs";
import { installJson } from "./api/json.mjs";
import { installMllp } from "./api/mllp.mjs";
import { installTransport } from "./api/transport.mjs";
import { installStream } from "./api/stream.mjs";
import { installFull } from "./api/full.mjs";
import { installRoute } from "./api/route.mjs";
import { installDictionary } from "./api/dictionary.mjs";
import { installDeid } from "./api/deid.mjs";

/** Every name the package exports, in the order of index.d.ts's sections. */
export const EXPORTS = [
  "load",
  "DEFAULT_VERSION",
  "parse",
  "parseAll",
  "split",
  "Splitter",
  "splitStream",
  "extract",
  "extractStream",
  "build",
  "ack",
  "fromJSON",
  "mllpEncode",
  "Parser",
  "Message",
  "EditableMessage",
  "MllpDecoder",
  "Segment",
  "Element",
  "Filter",
  "Router",
  "ChangeDetector",
  "diff",
  "Mapping",
  "explain",
  "fieldName",
  "validate",
  "ackErrors",
  "Profile",
  "Deidentifier",
  "deidentify",
  "HL7Error",
  "HL7LoadError",
  "HL7ParseError",
  "HL7PathError",
  "HL7EditError",
  "HL7MllpError",
  "HL7StreamError",
  "HL7JsonError",
  "HL7DatatypeError",
  "HL7FilterError",
  "HL7MappingError",
  "HL7ProfileError",
  "HL7DictionaryError",
  "HL7FhirError",
  "HL7DeidError",
  "HL7TransportError",
  "HL7TransportTimeoutError",
  "HL7TransportConnectionError",
  "transport",
];

/** The classes whose objects hold WebAssembly memory: `using` frees them. */
const DISPOSABLE = [
  "Message",
  "Parser",
  "EditableMessage",
  "MllpDecoder",
  "Splitter",
  "Filter",
  "Router",
  "ChangeDetector",
  "Mapping",
  "Profile",
  "Deidentifier",
];

/**
 * The API over `native` (the core module's wasm-bindgen exports).
 * `loadFull`: how to load the full module ({sync} or {async}). `host`: what
 * the platform offers beyond the web's APIs, from its entry point (Node's:
 * `ucs2Write`, Buffer's copy of a string's UTF-16 code units).
 */
export function createApi(native, loadFull = {}, host = {}) {
  const api = { native, loadFull, host };
  installErrors(api);
  installScratch(api);
  installMessage(api);
  installWrite(api);
  installJson(api);
  installMllp(api);
  installStream(api);
  installFull(api);
  installTransport(api);
  installRoute(api);
  installDictionary(api);
  installDeid(api);

  if (typeof Symbol.dispose === "symbol") {
    for (const name of DISPOSABLE) api[name].prototype[Symbol.dispose] = api[name].prototype.free;
  }
  const exported = {};
  for (const name of EXPORTS) {
    if (api[name] === undefined) throw new Error(`pipehat: ${name} is not defined (npm/lib/api)`);
    exported[name] = api[name];
  }
  return exported;
}
