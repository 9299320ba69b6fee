# workerd configuration for the smoke test: one worker, the package's workerd entry.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "lib/workerd.mjs", esModule = embed "../lib/workerd.mjs"),
    (name = "lib/api.mjs", esModule = embed "../lib/api.mjs"),
    (name = "pkg/web/pipehat_wasm.js", esModule = embed "../pkg/web/pipehat_wasm.js"),
    (name = "pkg/web/pipehat_wasm_bg.wasm", wasm = embed "../pkg/web/pipehat_wasm_bg.wasm"),
    (name = "pkg/web-full/pipehat_wasm.js", esModule = embed "../pkg/web-full/pipehat_wasm.js"),
    (name = "pkg/web-full/pipehat_wasm_bg.wasm", wasm = embed "../pkg/web-full/pipehat_wasm_bg.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
