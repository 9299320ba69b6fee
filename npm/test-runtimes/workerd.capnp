# workerd configuration for the smoke test: one worker, the package's workerd entry.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Outgoing connections (the MLLP client test) may reach loopback only.
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "lib/workerd.mjs", esModule = embed "../lib/workerd.mjs"),
    (name = "lib/http-workerd.mjs", esModule = embed "../lib/http-workerd.mjs"),
    (name = "lib/mllp-workerd.mjs", esModule = embed "../lib/mllp-workerd.mjs"),
    (name = "lib/transport/http.mjs", esModule = embed "../lib/transport/http.mjs"),
    (name = "lib/transport/client.mjs", esModule = embed "../lib/transport/client.mjs"),
    (name = "lib/api.mjs", esModule = embed "../lib/api.mjs"),
    (name = "lib/api/errors.mjs", esModule = embed "../lib/api/errors.mjs"),
    (name = "lib/api/scratch.mjs", esModule = embed "../lib/api/scratch.mjs"),
    (name = "lib/api/message.mjs", esModule = embed "../lib/api/message.mjs"),
    (name = "lib/api/write.mjs", esModule = embed "../lib/api/write.mjs"),
    (name = "lib/api/json.mjs", esModule = embed "../lib/api/json.mjs"),
    (name = "lib/api/mllp.mjs", esModule = embed "../lib/api/mllp.mjs"),
    (name = "lib/api/stream.mjs", esModule = embed "../lib/api/stream.mjs"),
    (name = "lib/api/transport.mjs", esModule = embed "../lib/api/transport.mjs"),
    (name = "lib/api/full.mjs", esModule = embed "../lib/api/full.mjs"),
    (name = "lib/api/route.mjs", esModule = embed "../lib/api/route.mjs"),
    (name = "lib/api/dictionary.mjs", esModule = embed "../lib/api/dictionary.mjs"),
    (name = "lib/api/deid.mjs", esModule = embed "../lib/api/deid.mjs"),
    (name = "pkg/web/pipehat_wasm.js", esModule = embed "../pkg/web/pipehat_wasm.js"),
    (name = "pkg/web/pipehat_wasm_bg.wasm", wasm = embed "../pkg/web/pipehat_wasm_bg.wasm"),
    (name = "pkg/web-full/pipehat_wasm.js", esModule = embed "../pkg/web-full/pipehat_wasm.js"),
    (name = "pkg/web-full/pipehat_wasm_bg.wasm", wasm = embed "../pkg/web-full/pipehat_wasm_bg.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
