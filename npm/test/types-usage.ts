// Compiled by `tsc --noEmit` in the tests: every export used with its declared types.
import pipehat, { parse, parseAll, split, extract, HL7ParseError, HL7PathError, type Message, type Diagnostic, type Chunk } from "pipehat";

const msg: Message = parse("MSH|^~\\&|A\r", { strict: false, segmentTerminator: "\r", maxMessageSize: 1 << 20 });
const name: string | undefined = msg.get("PID-5.1");
const raw: string | undefined = msg.getRaw("PID-5");
const all: string[] = msg.getAll("PID-3");
const type: string | undefined = msg.messageType;
const term: "\r" | "\n" | "\r\n" = msg.segmentTerminator;
const diags: Diagnostic[] = msg.diagnostics;
const first = msg.segments[0];
const fieldValue: string | undefined = first?.field(3)?.components[0]?.value;
const json = msg.toJSON();
const segName: string = json.segments[0].name;
const text: string = msg.toString();
const bytes: Uint8Array = msg.toBytes();
const many: Message[] = parseAll(new Uint8Array([77, 83, 72]));
const kinds = split("MSH|^~\\&|A\r").map((c) => c.kind);
const cols: Record<string, (string | null)[]> = extract("MSH|^~\\&|A\r", ["MSH-3"], { raw: true });
const extractReport = extract("MSH|^~\\&|A\r", ["MSH-3"], { details: true });
const firstError: [number, string, number] | undefined = extractReport.errors.map((e): [number, string, number] => [e.row, e.error.code, extractReport.offsets[e.row]])[0];
const extractColumn: (string | null)[] = extractReport.columns["MSH-3"];
void firstError;
void extractColumn;
try {
  parse("PID|1");
} catch (e) {
  if (e instanceof HL7ParseError) {
    const where: [string, number, number, number, number | null, number | null] = [e.code, e.offset, e.line, e.column, e.segment, e.field];
    void where;
  }
  if (e instanceof HL7PathError) void e.offset;
}
const parser = new pipehat.Parser({ strict: true });
const reused: Message = parser.parse("MSH|^~\\&|B\r");
void reused.get("MSH-3");
parser.free();
msg.free();
{
  using disposable = pipehat.parse("MSH|^~\\&|A\r");
  void disposable.controlId;
}
void [name, raw, all, type, term, diags, fieldValue, segName, text, bytes, many, kinds, cols];

// Writing: editing, building, acknowledging, MLLP.
import { build, ack, mllpEncode, EditableMessage, MllpDecoder, HL7EditError, HL7MllpError } from "pipehat";
import type { AckOptions, BuildOptions, MllpIssue } from "pipehat";
const editable: EditableMessage = pipehat.parse("MSH|^~\\&|A\rPID|1\r").edit().set("PID-5.1", "DOE").setRaw("PID-3", "1^^^H");
editable.insert("PID-3(1)", "0").remove("PID-3(2)").appendRepetition("PID-3", "9").insertSegment(1, "EVN|A01");
editable.appendSegment("NTE|1").removeSegment(2).insertRaw("PID-5.2", "J");
const editedText: string = editable.toString();
const editedBytes: Uint8Array = editable.toBytes();
const snapshot: Message = editable.toMessage();
const count: number = editable.segmentCount;
const buildOptions: BuildOptions = { messageType: "ADT^A01", controlId: "1", segmentTerminator: "\n" };
const built: EditableMessage = build(buildOptions);
const ackOptions: AckOptions = { code: "AE", text: "bad", errors: [{ code: 101, path: "PID-3", severity: "E" }], diagnostics: "errors" };
const acked: Message = snapshot.ack(ackOptions);
const mode: "original" | "enhanced" = acked.ackMode;
const wants: boolean = snapshot.wantsAck("CA");
const rawAck: Message = ack("MSH|^~\\&|A\r", { maxFieldLength: 10, code: "AA" });
const framed: Uint8Array = mllpEncode(editedBytes);
const mllp = new MllpDecoder({ maxFrameSize: 1 << 20 });
const frames: Uint8Array[] = mllp.push(framed);
mllp.finish();
const issues: MllpIssue[] = mllp.issues;
try {
  new EditableMessage("MSH|^~\\&|A\r").set("MSH-2", "x");
} catch (e) {
  if (e instanceof HL7EditError) void [e.code, e.offset, e.segment];
  if (e instanceof HL7MllpError) void [e.code, e.offset, e.length];
}
void [editedText, snapshot, count, built, mode, wants, rawAck, frames, issues];
import { fromJSON, HL7JsonError } from "pipehat";
import type { LosslessJson, FriendlyJson } from "pipehat";
const lossless: LosslessJson = snapshot.toLosslessJSON();
const friendly: FriendlyJson = snapshot.toFriendlyJSON();
const rebuilt: Message = fromJSON(lossless);
try {
  fromJSON("{");
} catch (e) {
  if (e instanceof HL7JsonError) void [e.code, e.offset];
}
void [friendly, rebuilt];
import { HL7DatatypeError } from "pipehat";
import type { DateTimeValue, TypedValue } from "pipehat";
const when: DateTimeValue | undefined = snapshot.getDateTime("MSH-7");
const whenDate: Date | null | undefined = when?.date;
const amount: number | undefined = snapshot.getNumber("OBX-5");
const seq: number | undefined = snapshot.getSequenceId("OBX-1");
const person: TypedValue | undefined = snapshot.getTyped("PID-5", "XPN");
const ids: TypedValue[] = snapshot.getTypedAll("PID-3", "CX");
try {
  snapshot.getNumber("PID-5");
} catch (e) {
  if (e instanceof HL7DatatypeError) void [e.code, e.offset];
}
void [whenDate, amount, seq, person, ids];
import { Filter, Router, ChangeDetector, diff, Mapping, HL7FilterError, HL7MappingError } from "pipehat";
import type { Difference, FilterScan, MappedValue } from "pipehat";
using filter = new Filter('MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A08")');
const hit: boolean = filter.matches(snapshot) || filter.matches("MSH|^~\\&|A\r");
const scanned: FilterScan<string> = filter.scan("MSH|^~\\&|A\r");
const texts: string[] = scanned.matched;
const views: Uint8Array[] = filter.select(new Uint8Array(0));
const howMany: number = filter.count("MSH|^~\\&|A\r");
const headerOnly: boolean = filter.readsHeaderOnly;
const router = new Router({ adt: 'MSH-9.1 = "ADT"' }).add("labs", 'MSH-9.1 = "ORU"');
const where: string[] = router.destinations(snapshot);
const detector = new ChangeDetector(["MSH-7", "MSH-10"]);
const paths: string[] = detector.changes(snapshot, snapshot);
const detailed: Difference[] = detector.changes(snapshot, snapshot, { details: true });
const same: boolean = detector.isUnchanged(snapshot, "MSH|^~\\&|A\r");
const print: string = detector.fingerprint(snapshot);
const plain: string[] = diff(snapshot, snapshot, { ignore: ["MSH-7"] });
const changeKinds: Difference["kind"][] = diff(snapshot, snapshot, { details: true }).map((d) => d.kind);
const mapping = new Mapping({ fields: { mrn: "PID-3.1" } });
const mapped = mapping.apply(snapshot);
const firstValue: MappedValue = Array.isArray(mapped) ? null : mapped["mrn"];
const keys: string[] = mapping.keys;
try {
  new Filter("PID-5 = ");
  new Mapping("{");
} catch (e) {
  if (e instanceof HL7FilterError) void [e.code, e.offset];
  if (e instanceof HL7MappingError) void [e.code, e.pointer];
}
router.free();
detector.free();
mapping.free();
void [hit, texts, views, howMany, headerOnly, where, paths, detailed, same, print, plain, changeKinds, firstValue, keys];
import { explain, fieldName, validate, ackErrors, Profile, HL7ProfileError, HL7DictionaryError, load, HL7LoadError } from "pipehat";
const loaded: Promise<void> = load();
const notLoaded = (e: HL7LoadError): "not_loaded" => e.code;
void [loaded, notLoaded];
import type { Explanation, ValidationReport, ValidationIssue } from "pipehat";
const explained: Explanation | undefined = explain("PID-5", "2.5.1");
const fname: string | undefined = fieldName("PID", 5);
const profile = new Profile({ segments: { PID: { fields: { "3": { usage: "R" } } } } });
const report: ValidationReport = validate(snapshot, { version: "2.5.1", profile });
const firstIssue: ValidationIssue | undefined = report.issues[0];
const errs = ackErrors(report);
try {
  explain("PID-5", "9.9");
  new Profile("{");
} catch (e) {
  if (e instanceof HL7DictionaryError) void e.code;
  if (e instanceof HL7ProfileError) void [e.code, e.pointer];
}
profile.free();
void [explained, fname, firstIssue, errs];
const named: Record<string, Record<string, unknown>[]> = snapshot.toNamedJSON("2.5");
void named;

// Streams: a push Splitter and splitStream over a fetch() body or any (async) iterable.
{
  using splitter = new pipehat.Splitter({ maxChunkSize: 1 << 20 });
  const completed: Chunk[] = [...splitter.push(new Uint8Array([77, 83, 72])).push("|^~\\&|A\r")];
  const next: Chunk | undefined = splitter.read();
  const rest: Chunk[] = [...splitter.finish()];
  const held: [number, number] = [splitter.buffered, splitter.position];
  void [completed, next, rest, held];
}
async function streamed(body: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  try {
    for await (const chunk of pipehat.splitStream(body, { maxChunkSize: 1 << 20 })) if (chunk.kind === "message") n++;
    for await (const chunk of pipehat.splitStream(["MSH|^~\\&|A\r"])) void chunk.offset;
  } catch (e) {
    if (e instanceof pipehat.HL7StreamError) void [e.code, e.offset];
  }
  return n;
}
void streamed;

// Transport: pipehat/mllp and pipehat/http.
import { transport, HL7TransportError } from "pipehat";
import { createServer, connect } from "pipehat/mllp";
import { hl7Http, lambda } from "pipehat/http";
{
  const limits: number = transport.LIMITS.maxFrameSize;
  const server = createServer((m: Message) => (m.get("MSH-10") === "X" ? m.ack({ code: "AE" }) : undefined), { handlerTimeout: 1000 });
  server.on("ack", (info) => info.controlId);
  void (async () => {
    const { port } = await server.listen(0);
    const client = await connect({ port, maxInFlight: 4 });
    const ack = await client.send("MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\r");
    const code: string | undefined = ack?.get("MSA-1");
    await client.close();
    await server.close();
    return [limits, code];
  });
  const fetchHandler: (r: Request) => Promise<Response> = hl7Http(() => {}, { maxBodySize: 1 << 20 });
  const onLambda = lambda(() => {});
  void [fetchHandler, onLambda];
  const e: unknown = null;
  if (e instanceof HL7TransportError) console.log(e.code, e.status);
}
import { Deidentifier, deidentify, HL7DeidError, type DeidPolicy } from "pipehat";
{
  const policy: DeidPolicy = { dates: "shift", fields: { ZPI: "keep", "PID-19": { action: "pseudonymize", shape: true } } };
  const d = new Deidentifier({ key: "a key of sixteen bytes", policy, crosswalk: true });
  const out: Message = d.deidentify("MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\r");
  const changes: number = d.report().changes.length;
  const crosswalk: Record<string, string> | null = d.crosswalk();
  const one: Message = deidentify(new Uint8Array(0), { key: new Uint8Array(16), policy: "safe-harbor" });
  d.free();
  const e: unknown = null;
  if (e instanceof HL7DeidError) console.log(e.code, e.pointer);
  void [out, changes, crosswalk, one];
}
