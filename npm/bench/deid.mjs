// De-identification throughput from JavaScript (Node), on the shared
// workload, with the built-in Safe Harbor policy: Deidentifier.deidentify(m)
// for each message (a Message each; the full module). Each workload runs
// alone in its own process, alternated over several rounds; medians and
// ranges of MB/s of HL7 input. No HL7 v2 de-identification peer runs here.
// Not a test.
//
//     node npm/bench/deid.mjs [rounds]
import { fileURLToPath } from "node:url";
import { alternate, oneWorkload } from "./common.mjs";

const here = fileURLToPath(import.meta.url);

if (process.argv[2] === "--one") {
  const api = await import("../lib/node.mjs");
  const { bytes, messages } = oneWorkload(api);
  const d = new api.Deidentifier({ key: "pipehat benchmark key" });
  const started = performance.now();
  let n = 0;
  for (const m of messages) n += d.deidentify(m).toBytes().length;
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ mbs: bytes.length / seconds / 1e6, msgs: messages.length / seconds, n }));
} else {
  alternate(here, "deidentify", Number(process.argv[2] ?? 3));
}
