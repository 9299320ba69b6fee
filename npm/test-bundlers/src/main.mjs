// A page as an application writes it: import pipehat through the package's
// exports map, as the bundler resolves it, and report what it read.
import { parse, ack, MllpDecoder, mllpEncode, fromJSON, HL7ParseError, load, validate } from "pipehat";

const text = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01^ORU_R01|MSG42|P|2.5.1\rPID|1||123^^^H||DOE^JANE\rOBX|1|TX|||a\\T\\b\r";
const result = {};
try {
  const msg = parse(text);
  result.family = msg.get("PID-5.1");
  result.decoded = msg.get("OBX-5");
  result.ack = msg.ack({ controlId: "A1", timestamp: "20240115" }).toString();
  result.edited = msg.edit().set("PID-5.2", "J&B").get("PID-5.2");
  result.lossless = fromJSON(msg.toLosslessJSON()).toString() === text;
  const frames = new MllpDecoder().push(mllpEncode(text));
  result.mllp = frames.length === 1 && parse(frames[0]).controlId === "MSG42";
  result.nak = ack("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rZZZ|0123456789\r", { maxFieldLength: 8 }).get("MSA-1");
  try {
    parse("PID|1");
  } catch (e) {
    result.error = e instanceof HL7ParseError ? e.code : String(e);
  }
  // The full module, a second chunk and .wasm asset the bundler must emit.
  await load();
  result.validated = validate(msg).issues[0].code;
} catch (e) {
  result.failure = String(e && e.stack || e);
}
window.__result = result;
