// Browsers, bundlers (Vite, webpack) and Deno: the wasm-bindgen web build,
// instantiated once by top-level await (the .wasm is found next to the glue
// through import.meta.url, which bundlers rewrite).
import init, * as native from "../pkg/web/pipehat_wasm.js";
import { createApi } from "./api.mjs";

await init();
const api = createApi(native);

export const {
  parse,
  parseAll,
  split,
  extract,
  build,
  ack,
  fromJSON,
  mllpEncode,
  Parser,
  Message,
  EditableMessage,
  MllpDecoder,
  Segment,
  Element,
  HL7ParseError,
  HL7PathError,
  HL7EditError,
  HL7MllpError,
  HL7JsonError,
  HL7DatatypeError,
} = api;
export default api;
