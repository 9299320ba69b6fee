// The smoke test run in each runtime: parse, read, fail cleanly. Prints the
// plain closing line "N passed, N failed".
export function smoke(api, runtime) {
  const checks = [];
  const check = (name, fn) => {
    try {
      checks.push([name, fn() === true]);
    } catch (e) {
      checks.push([name, false, String(e)]);
    }
  };
  const msg = api.parse("MSH|^~\\&|LAB|HOSP|||20240101||ORU^R01|42|P|2.5.1\rPID|1||7^^^H||DOE^JANE\rOBX|1|TX|||a\\T\\b\r");
  check("get", () => msg.get("PID-5.2") === "JANE" && msg.get("OBX-5") === "a&b" && msg.getRaw("OBX-5") === "a\\T\\b");
  check("header", () => msg.messageType === "ORU" && msg.controlId === "42");
  check("json", () => msg.toJSON().segments[1].name === "PID");
  check("bytes", () => api.parse(new TextEncoder().encode("MSH|^~\\&|X\r")).get("MSH-3") === "X");
  check("error", () => {
    try {
      api.parse("PID|1");
    } catch (e) {
      return e instanceof SyntaxError && e.name === "HL7ParseError" && e.code === "missing_header";
    }
    return false;
  });
  check("extract", () => api.extract("MSH|^~\\&|A\rMSH|^~\\&|B\r", ["MSH-3"])["MSH-3"].join() === "A,B");
  check("ack", () => {
    const a = msg.ack({ code: "AA", controlId: "A1", timestamp: "20240101" });
    return a.toString() === "MSH|^~\\&|||LAB|HOSP|20240101||ACK^R01^ACK|A1|P|2.5.1\rMSA|AA|42\r";
  });
  check("edit", () => msg.edit().set("PID-5.2", "J&B").toString().includes("|DOE^J\\T\\B\r"));
  check("mllp", () => {
    const d = new api.MllpDecoder();
    const frames = d.push(api.mllpEncode("MSH|^~\\&|A\r"));
    return frames.length === 1 && api.parse(frames[0]).get("MSH-3") === "A";
  });
  check("splitter", () => {
    const s = new api.Splitter();
    const kinds = [...s.push("BHS|^~\\&\rMSH|^~\\&|A\rMS"), ...s.push("H|^~\\&|B\rBTS|2\r").finish()].map((c) => c.kind);
    s.free();
    return kinds.join() === "batch_header,message,message,batch_trailer";
  });
  // The full module: loaded on first use, or by `await api.load()` before
  // smoke() runs (browsers, Deno).
  check("full module", () => {
    const report = api.validate(msg); // ORU^R01 without its OBR
    return report.valid === false && report.issues[0].code === "missing_segment" && new api.Filter('MSH-9.1 = "ORU"').matches(msg.toString());
  });
  msg.free();
  for (const [name, ok, why] of checks) if (!ok) console.log(`FAIL ${runtime} ${name} ${why ?? ""}`);
  const failed = checks.filter((c) => !c[1]).length;
  console.log(`${runtime}: ${checks.length - failed} passed, ${failed} failed`);
  return failed;
}
