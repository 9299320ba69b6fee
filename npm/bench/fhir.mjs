// HL7 v2 -> FHIR R4 throughput from JavaScript (Node), on the shared
// workload: parse(m).toFHIR() for each message (an object per Bundle). Each
// workload runs alone in its own process, alternated over several rounds;
// medians and ranges of MB/s of HL7 input. No peer converter runs here.
// Not a test.
//
//     node npm/bench/fhir.mjs [rounds]
import { fileURLToPath } from "node:url";
import { alternate, oneWorkload } from "./common.mjs";

const here = fileURLToPath(import.meta.url);

if (process.argv[2] === "--one") {
  const api = await import("../lib/node.mjs");
  const { bytes, messages } = oneWorkload(api);
  const started = performance.now();
  let n = 0;
  for (const m of messages) {
    try {
      api.parse(m).toFHIR();
      n++;
    } catch (e) {
      if (!(e instanceof api.HL7FhirError)) throw e;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ mbs: bytes.length / seconds / 1e6, msgs: messages.length / seconds, n }));
} else {
  alternate(here, "toFHIR", Number(process.argv[2] ?? 3));
}
