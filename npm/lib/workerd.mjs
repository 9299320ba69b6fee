// Cloudflare Workers (workerd): the .wasm is imported as a compiled module
// by the Workers bundler and instantiated synchronously.
import * as native from "../pkg/web/pipehat_wasm.js";
import wasmModule from "../pkg/web/pipehat_wasm_bg.wasm";
import { createApi } from "./api.mjs";

native.initSync({ module: wasmModule });
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
