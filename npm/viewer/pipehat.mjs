// The package's API for the viewer page. The page's Content-Security-Policy
// has no connect-src, so fetch() is refused even for the page's own files:
// the two .wasm modules come as base64 in script modules (wasm/core.mjs,
// wasm/full.mjs, written by scripts/build.mjs) and are instantiated from
// bytes. Otherwise this is lib/web.mjs: the core module now, the full one
// when load() is awaited.
import init, * as native from "../pkg/web/pipehat_wasm.js";
import { createApi } from "../lib/api.mjs";
import coreWasm from "./wasm/core.mjs";

function bytes(base64) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(base64);
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

await init({ module_or_path: bytes(coreWasm) });

export const api = createApi(native, {
  async: async () => {
    const [full, wasm] = await Promise.all([import("../pkg/web-full/pipehat_wasm.js"), import("./wasm/full.mjs")]);
    await full.default({ module_or_path: bytes(wasm.default) });
    return full;
  },
});
