// Deno loads the web build (ESM, top-level await; the .wasm via a file: URL).
import api from "../lib/web.mjs";
import { smoke } from "./smoke.mjs";

if (smoke(api, `deno ${Deno.version.deno}`) > 0) Deno.exit(1);
