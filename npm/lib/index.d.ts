/**
 * pipehat: fast, correct HL7 v2 parsing in WebAssembly.
 *
 * Options and their defaults (in one place):
 * - `strict` (false): reject messages with warning- or error-level diagnostics.
 * - `segmentTerminator` (detected): force "\r", "\n" or "\r\n".
 * - `maxMessageSize` (256 MiB), `maxSegments` (1,000,000), `maxFieldLength` (64 MiB).
 * - `extract(..., { raw })` (false): values as written instead of decoded.
 * - `extract(..., { details })` (false): also each message's offset and every parse error.
 * - `extract` also takes the parse options above, applied to each message.
 *
 * Two WebAssembly modules: the core one (parsing, reading, JSON, editing,
 * acknowledgements, MLLP, splitting, extract) loads with the package; the
 * full one (validate, explain, fieldName, toNamedJSON, Profile, Filter,
 * Router, ChangeDetector, diff, Mapping) loads on first use in Node, Bun and
 * workerd, and needs `await load()` once in browsers and Deno (before that,
 * those functions throw HL7LoadError).
 */

/** Input: text (encoded as UTF-8) or bytes. */
export type Input = string | Uint8Array;

export interface ParseOptions {
  /** Reject messages with warning- or error-level diagnostics. Default false. */
  strict?: boolean;
  /** Force the segment terminator instead of detecting it. */
  segmentTerminator?: "\r" | "\n" | "\r\n" | "cr" | "lf" | "crlf";
  /** Largest input accepted, in bytes. Default 256 MiB. */
  maxMessageSize?: number;
  /** Most segments accepted. Default 1,000,000. */
  maxSegments?: number;
  /** Longest field accepted, in bytes. Default 64 MiB. */
  maxFieldLength?: number;
}

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  /** Undefined when MSH-2 declares only three encoding characters. */
  subcomponent: string | undefined;
  /** The HL7 2.7 truncation character, when declared. */
  truncation: string | undefined;
}

export interface Diagnostic {
  /** Stable snake_case code, e.g. "non_standard_segment_terminator". */
  code: string;
  severity: "info" | "warning" | "error";
  /** 0-based byte offset. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** 0-based segment index, or null. */
  segment: number | null;
  /** HL7 field number, or null. */
  field: number | null;
  /** A sentence with positions and no message content. */
  message: string;
}

/**
 * The base of every pipehat error (as Python's pipehat.HL7Error): `e instanceof
 * HL7Error` holds for each HL7*Error class, while each also extends the
 * built-in error of its kind (SyntaxError for text that does not read).
 * Texts have one shape: what happened, then (code, where); never content.
 */
export class HL7Error extends Error {
  readonly code: string;
}

/** Thrown when a value does not have its datatype's format (a SyntaxError). */
export class HL7DatatypeError extends SyntaxError {
  readonly name: "HL7DatatypeError";
  /** "invalid_datetime", "invalid_number" or "invalid_sequence_id". */
  readonly code: string;
  /** Byte offset in the value. */
  readonly offset: number;
}

/** An HL7 date-time at its own precision. */
export interface DateTimeValue {
  precision: "year" | "month" | "day" | "hour" | "minute" | "second" | "fraction" | null;
  /** ISO 8601 at the value's precision ("1980-01", "2024-01-15T10:30:00.25-05:00"); null for the HL7 null. */
  iso: string | null;
  offsetMinutes: number | null;
  /** True for the HL7 null (""). */
  isNull: boolean;
  /** The instant (with an offset) or local time (without); missing parts are their minimum. Null for the HL7 null. */
  date: Date | null;
}

export type Datatype = "XPN" | "CX" | "XAD" | "XTN" | "CWE" | "CE" | "HD" | "EI" | "FN" | "SAD";
/** Component names (HL7 v2.5.1, camelCase) to decoded text, null when empty; nested composites as objects. */
export interface TypedValue {
  [component: string]: string | null | TypedValue;
}

/** Thrown by fromJSON() for input that is not pipehat-lossless JSON version 1. */
export class HL7JsonError extends SyntaxError {
  readonly name: "HL7JsonError";
  /** "invalid_json", "unsupported_format", "invalid_shape" or "invalid_encoding". */
  readonly code: string;
  /** Byte offset into the JSON text (invalid_json), or the segment index. */
  readonly offset: number;
}

/** Lossless JSON leaves are the text as encoded; a string stands for a value with no separator below it. */
export type LosslessComponent = string | string[];
export type LosslessRepetition = string | LosslessComponent[];
export type LosslessField = string | LosslessRepetition[];
/** pipehat-lossless JSON, version 1 (schema: core/schema/pipehat-lossless-v1.schema.json). */
export interface LosslessJson {
  format: "pipehat-lossless";
  version: 1;
  encoding: "utf-8" | "latin-1";
  delimiters: string;
  terminator: "\r" | "\n" | "\r\n";
  prefix?: string;
  segments: { name: string; fields: LosslessField[]; end?: string }[];
}
/** Components and subcomponents keyed by number, values decoded. */
export type FriendlyValue = string | { [n: string]: string | { [n: string]: string } };
/** Segment name -> occurrences; field number -> value (or repetitions). */
export type FriendlyJson = Record<string, Record<string, FriendlyValue | FriendlyValue[]>[]>;

/** A leaf value, components, or `{repetitions}` for a repeated field. */
export type JsonComponent = string | string[];
export type JsonRepetition = string | JsonComponent[];
export type JsonField = JsonRepetition | { repetitions: JsonRepetition[] };
export interface MessageJson {
  segments: { name: string; fields: JsonField[] }[];
}

export type ChunkKind = "message" | "file_header" | "batch_header" | "batch_trailer" | "file_trailer" | "unrecognized";
export interface Chunk {
  kind: ChunkKind;
  /** 0-based byte offset in the input. */
  offset: number;
  bytes: Uint8Array;
  /** Trailers only: the count BTS-1/FTS-1 declares, or null. */
  declaredCount?: number | null;
  /** Trailers only: the messages (BTS) or batches (FTS) actually counted. */
  countedCount?: number | null;
}

/** Thrown when a message cannot be read. Its message never quotes message content. */
export class HL7ParseError extends SyntaxError {
  /** "HL7ParseError", or "HL7StreamError" for that subclass. */
  readonly name: string;
  readonly code: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly segment: number | null;
  readonly field: number | null;
}

/** Thrown for a malformed path such as "PID-0". */
export class HL7PathError extends SyntaxError {
  readonly name: "HL7PathError";
  readonly code: string;
  /** 0-based character offset in the path. */
  readonly offset: number;
}

/** Thrown when an edit is refused; the message is unchanged. */
export class HL7EditError extends Error {
  readonly name: "HL7EditError";
  /** "read_only", "invalid_value", "segment_not_found", "invalid_segment", "invalid_path", "unencodable_character", or a path error's code. */
  readonly code: string;
  /** Byte offset into the value (invalid_value) or character offset into the path. */
  readonly offset: number;
  /** 0-based segment index concerned, or null (a path that does not parse). */
  readonly segment: number | null;
}

/** Thrown by MllpDecoder.push() for a frame larger than maxFrameSize (the frame is skipped). */
export class HL7MllpError extends Error {
  readonly name: "HL7MllpError";
  readonly code: "mllp_frame_too_large";
  /** Offset of the frame in the stream. */
  readonly offset: number;
  /** The limit that was passed. */
  readonly length: number;
}

/** An ERR segment the caller adds to an acknowledgement. */
export interface AckErrorSpec {
  /** HL7 table 0357: 100 segment sequence, 101 required field missing, 102 data type, 103 table value, 200-207 ... */
  code: number;
  /** "E" (default), "W", "I", "F" or "error", "warning", "info", "fatal". */
  severity?: "E" | "W" | "I" | "F" | "error" | "warning" | "info" | "fatal";
  /** Where (ERR-2): a path such as "PID-3(2).1" or "OBX[2]-5", or a segment alone ("PV1", "OBX[3]"). */
  path?: string;
  /** User message (ERR-8), escaped when written. */
  text?: string;
  /** Technical detail (ERR-7), e.g. a validation issue's code. */
  diagnostic?: string;
}

export interface AckOptions {
  /** MSA-1. Default: AA (CA in enhanced mode), or AE (CE) when an error-severity ERR is written. */
  code?: "AA" | "AE" | "AR" | "CA" | "CE" | "CR";
  /** MSA-3, escaped when written. */
  text?: string;
  /** ERR segments to add after those from diagnostics. */
  errors?: AckErrorSpec[];
  /** Which diagnostics become ERR segments. Default "warnings" (warnings and errors). */
  diagnostics?: "none" | "errors" | "warnings";
  /** MSH-10 of the ACK. Default: 20 random characters. */
  controlId?: string;
  /** MSH-7 of the ACK. Default: now, UTC ("YYYYMMDDHHMMSS+0000"). */
  timestamp?: string;
}

export interface BuildOptions {
  /** MSH-9 as encoded text, e.g. "ADT^A01^ADT_A01". */
  messageType: string;
  /** MSH-10. Default: 20 random characters. */
  controlId?: string;
  /** MSH-7. Default: now, UTC. */
  timestamp?: string;
  sendingApplication?: string;
  sendingFacility?: string;
  receivingApplication?: string;
  receivingFacility?: string;
  /** MSH-11. Default "P". */
  processingId?: string;
  /** MSH-12. Default "2.5.1". */
  version?: string;
  /** MSH-18, e.g. "UNICODE UTF-8". */
  charset?: string;
  /** MSH-1 and MSH-2 together. Default "|^~\\&". */
  delimiters?: string;
  /** Default "\r". */
  segmentTerminator?: "\r" | "\n" | "\r\n" | "cr" | "lf" | "crlf";
}

/** A message being edited. Each method returns the message, for chaining. */
export class EditableMessage {
  /** Parses input for editing. Throws HL7ParseError. */
  constructor(input: Input);
  /** Sets the decoded value at path: delimiters are escaped, missing fields, repetitions, components and the next occurrence of a segment are created. */
  set(path: string, value: string): this;
  /** Sets already-encoded text at path (lower-level separators and escapes as given). */
  setRaw(path: string, text: string): this;
  /** Inserts a repetition, component or subcomponent before the one path names. */
  insert(path: string, value: string): this;
  insertRaw(path: string, text: string): this;
  /** Removes the repetition, component or subcomponent path names; a field path clears the field. */
  remove(path: string): this;
  appendRepetition(path: string, value: string): this;
  /** Inserts a segment (encoded text without terminator) before index `at`. */
  insertSegment(at: number, text: string): this;
  appendSegment(text: string): this;
  /** Removes segment `at`; the header cannot be removed. */
  removeSegment(at: number): this;
  get(path: string): string | undefined;
  readonly segmentCount: number;
  /** A parsed, read-only snapshot. */
  toMessage(): Message;
  toString(): string;
  toBytes(): Uint8Array;
  free(): void;
  [Symbol.dispose](): void;
}

export interface MllpIssue {
  /** "mllp_garbage", "mllp_missing_carriage_return", "mllp_unterminated_frame", "mllp_truncated_frame". */
  code: string;
  severity: "warning" | "error";
  /** Offset in the stream. */
  offset: number;
  /** Bytes concerned. */
  length: number;
  message: string;
}

/** Frames from MLLP bytes arriving in chunks of any size. */
export class MllpDecoder {
  /** maxFrameSize defaults to 64 MiB. */
  constructor(options?: { maxFrameSize?: number });
  /** Feeds a chunk; returns the frames it completed. Throws HL7MllpError for a frame too large (after returning the frames before it). */
  push(chunk: Uint8Array): Uint8Array[];
  /** Declares the end of the stream: an unfinished frame becomes an issue. */
  finish(): void;
  readonly issues: MllpIssue[];
  /** Bytes held for an unfinished frame. */
  readonly buffered: number;
  free(): void;
  [Symbol.dispose](): void;
}

/** A field, repetition, component or subcomponent, read when accessed. */
export class Element {
  private constructor();
  readonly kind: "field" | "repetition" | "component" | "subcomponent";
  /** Decoded text (a composite reads as encoded). */
  readonly value: string;
  /** Text exactly as written. */
  readonly raw: string;
  readonly offset: number;
  readonly isNull: boolean;
  readonly isEmpty: boolean;
  /** A field's repetitions (TypeError on other kinds). */
  readonly repetitions: Element[];
  /** A field's (first repetition's) or a repetition's components. */
  readonly components: Element[];
  /** A component's subcomponents. */
  readonly subcomponents: Element[];
  toString(): string;
}

export class Segment {
  private constructor();
  /** "PID"; bytes that are not UTF-8 read in the message's character set, as values do. */
  readonly name: string;
  /** 0-based position in the message. */
  readonly index: number;
  readonly offset: number;
  readonly fieldCount: number;
  /** Field `number` from 1 (MSH-1 is the field separator), or undefined. */
  field(number: number): Element | undefined;
  readonly fields: Element[];
  toString(): string;
}

export class Message {
  private constructor();
  /** Decoded value at `path` ("PID-5.1", "OBX[2]-5", "PID-3(2).1"), or undefined when absent or empty. */
  get(path: string): string | undefined;
  /** Value at `path` exactly as written, or undefined. */
  getRaw(path: string): string | undefined;
  /** Decoded value of every repetition of the field at `path`. */
  getAll(path: string): string[];
  /** Where the value at `path` lies in toBytes(): byte offset and length (0 when empty); undefined when absent. */
  locate(path: string): { offset: number; length: number } | undefined;
  readonly messageType: string | undefined;
  readonly triggerEvent: string | undefined;
  readonly messageStructure: string | undefined;
  readonly controlId: string | undefined;
  readonly processingId: string | undefined;
  readonly version: string | undefined;
  readonly timestamp: string | undefined;
  readonly sendingApplication: string | undefined;
  readonly sendingFacility: string | undefined;
  readonly receivingApplication: string | undefined;
  readonly receivingFacility: string | undefined;
  /** The MSH-18 character set recognised ("UNICODE UTF-8", "8859/1", ...). */
  readonly charset: string | undefined;
  readonly segmentTerminator: "\r" | "\n" | "\r\n";
  readonly delimiters: Delimiters;
  readonly diagnostics: Diagnostic[];
  readonly segments: Segment[];
  segment(name: string): Segment | undefined;
  segmentsNamed(name: string): Segment[];
  toJSON(): MessageJson;
  /** Lossless JSON: fromJSON() rebuilds the exact bytes. */
  toLosslessJSON(): LosslessJson;
  /** Keyed by segment and field number, values decoded, empty values left out; for people to read. */
  toFriendlyJSON(): FriendlyJson;
  /** The friendly form keyed by field and component names from the dictionary (MSH-12's version, or the one given); numbers where no name is known. */
  toNamedJSON(version?: string): Record<string, Record<string, unknown>[]>;
  /** The message as a FHIR R4 Bundle, by the v2-to-FHIR IG's maps (the full module). */
  toFHIR(options?: FhirOptions & { report?: false }): FhirBundle;
  toFHIR(options: FhirOptions & { report: true }): { bundle: FhirBundle; report: FhirReport };
  /** The original text. */
  toString(): string;
  /** The original bytes. */
  toBytes(): Uint8Array;
  /** Bytes held in WebAssembly memory (input plus index). */
  readonly heapSize: number;
  /** The DTM (or TS first component) at path, undefined when absent. Throws HL7DatatypeError when malformed. */
  getDateTime(path: string): DateTimeValue | undefined;
  /** The NM at path. */
  getNumber(path: string): number | undefined;
  /** The SI at path. */
  getSequenceId(path: string): number | undefined;
  /** The value at path read as a composite datatype, undefined when empty. */
  getTyped(path: string, datatype: Datatype): TypedValue | undefined;
  /** Every repetition of the field at path read as a composite datatype. */
  getTypedAll(path: string, datatype: Datatype): TypedValue[];
  /** An editable copy of this message. */
  edit(): EditableMessage;
  /** An acknowledgement: MSH from this one with sender and receiver swapped, MSA, ERR segments. */
  ack(options?: AckOptions): Message;
  /** "enhanced" when MSH-15 or MSH-16 is valued. */
  readonly ackMode: "original" | "enhanced";
  /** Whether MSH-15/16 ask for an acknowledgement with `code`. */
  wantsAck(code: "AA" | "AE" | "AR" | "CA" | "CE" | "CR"): boolean;
  /** Releases the WebAssembly memory now; a FinalizationRegistry does it otherwise. */
  free(): void;
  [Symbol.dispose](): void;
}

/**
 * Parses a stream of messages reusing one buffer (no allocation per message).
 * parse() returns the same Message object every time, overwritten by the next
 * call; after a failed parse it reads as empty. Use the top-level parse() for
 * messages you keep.
 */
export class Parser {
  constructor(options?: ParseOptions);
  parse(input: Input): Message;
  free(): void;
  [Symbol.dispose](): void;
}

/** Parses one message (or a whole batch file). Throws HL7ParseError. */
export function parse(input: Input, options?: ParseOptions): Message;
/** Parses every message of a file, batch or MLLP capture. */
export function parseAll(input: Input, options?: ParseOptions): Message[];
/** Splits files, batches and MLLP captures into chunks. */
export function split(input: Input): Chunk[];
/**
 * Splits a stream that arrives in pieces (a socket, an HTTP body, a file read
 * in blocks) into the chunks `split()` finds in the whole. Holds at most one
 * unfinished chunk; each byte is looked at once, however small the pieces.
 *
 * ```js
 * const splitter = new Splitter();
 * for (const chunk of splitter.push(piece)) ...   // the chunks this piece completed
 * for (const chunk of splitter.finish()) ...      // at the end: the last ones
 * ```
 */
export class Splitter implements Iterable<Chunk> {
  /** maxChunkSize defaults to 256 MiB (at least 16). */
  constructor(options?: { maxChunkSize?: number });
  /** Adds the next piece (a string is taken as UTF-8). Returns the splitter, to iterate. */
  push(piece: Input): this;
  /** Declares the end of the stream: what is left becomes the last chunks. Pushing again goes on with the same stream. */
  finish(): this;
  /** The next complete chunk, or undefined. Throws HL7StreamError for a chunk over maxChunkSize, which is skipped: the next call goes on after it. */
  read(): Chunk | undefined;
  /** Takes every complete chunk (see read()). */
  [Symbol.iterator](): Iterator<Chunk>;
  /** Bytes pushed and not yet given out (nor skipped). */
  readonly buffered: number;
  /** Stream offset of the first byte not yet given out. */
  readonly position: number;
  free(): void;
  [Symbol.dispose](): void;
}
/** Where splitStream() takes its pieces from: a ReadableStream (a fetch() body), a Node stream, or any (async) iterable. */
export type PieceSource = ReadableStream<Uint8Array> | AsyncIterable<Input> | Iterable<Input>;
/** The chunks of a stream as they complete, with bounded memory. Throws HL7StreamError for a chunk over maxChunkSize. */
export function splitStream(source: PieceSource, options?: { maxChunkSize?: number }): AsyncGenerator<Chunk, void, undefined>;
/** Thrown by a Splitter (and splitStream) for a chunk over maxChunkSize; the chunk was skipped. Never quotes content. */
export class HL7StreamError extends HL7ParseError {
  readonly name: "HL7StreamError";
  /** "message_too_large". */
  readonly code: string;
  /** 0-based byte offset of the chunk in the stream. */
  readonly offset: number;
}
/** What `extract(..., { details: true })` returns. */
export interface ExtractDetails {
  /** path -> one value per message (null when absent, empty or unparsable). */
  columns: Record<string, (string | null)[]>;
  /** Each message's 0-based byte offset in the input. */
  offsets: number[];
  /** Messages that could not be parsed: their row, and the error that parsing that message alone throws. */
  errors: { row: number; error: HL7ParseError }[];
}
/** Reads `paths` from every message in one call: path -> values (null when absent). */
export function extract(input: Input, paths: string[], options?: ParseOptions & { raw?: boolean; details?: false }): Record<string, (string | null)[]>;
/** Reads `paths` from every message in one call, with each message's offset and every parse error. */
export function extract(input: Input, paths: string[], options: ParseOptions & { raw?: boolean; details: true }): ExtractDetails;

/** One batch from `extractStream`: rows within the batch, offsets in the stream. */
export interface ExtractBatch {
  /** name (a path, or a mapping key) -> one value per row (null when absent, empty or unreadable). */
  columns: Record<string, (string | null)[]>;
  /** Each row's message: its 0-based byte offset in the stream. */
  offsets: number[];
  /** Rows whose message could not be read: HL7ParseError, or HL7StreamError for one over maxMessageSize. */
  errors: { row: number; error: HL7ParseError | HL7StreamError }[];
}
/** Options of `extractStream`: a mapping instead of paths, a filter, raw values, and the parse options. */
export interface ExtractStreamOptions extends ParseOptions {
  /** A mapping spec (an object or its JSON text): a column per field, a row per object. Pass `null` as `fields`. */
  mapping?: object | string;
  /** A filter expression: only matching messages give rows (unreadable ones stay, as error rows). */
  filter?: string;
  /** Values as written, escape sequences kept (default false). */
  raw?: boolean;
}
/**
 * The rows of every message of a stream (a fetch() body, a Node stream, any async iterable of pieces),
 * a batch at a time as pieces complete messages, in bounded memory (the full module: `await load()` first in browsers).
 */
export function extractStream(source: PieceSource, fields: string[] | null, options?: ExtractStreamOptions): AsyncGenerator<ExtractBatch, void, undefined>;
/** What `Filter.scanStream` resolves to. */
export interface StreamScan {
  /** Messages seen. */
  total: number;
  /** Messages that matched. */
  count: number;
  /** Messages that could not be read: their stream offset and error code. */
  unreadable: { offset: number; code: string }[];
}

/** A new message holding an MSH built from options. Throws HL7EditError for a separator in a value. */
export function build(options: BuildOptions): EditableMessage;
/** Acknowledges input whether or not it parses: a parse failure becomes an ERR segment (AE/CE) as long as MSH is readable. */
export function ack(input: Input, options?: AckOptions & ParseOptions): Message;
/** Rebuilds a message from lossless JSON (object or text). Throws HL7JsonError, or HL7ParseError when the rebuilt text is not a message. */
export function fromJSON(json: LosslessJson | string): Message;
/** One MLLP frame: 0x0B input 0x1C 0x0D. */
export function mllpEncode(input: Input): Uint8Array;

/** Thrown when a filter expression does not compile. The text names no literal. */
export class HL7FilterError extends SyntaxError {
  readonly name: "HL7FilterError";
  /** "empty_expression", "unexpected_character", "unexpected_token", "unexpected_end", "expected_value", "expected_operator", "expected_path", "unterminated_string", "unterminated_regex", "invalid_regex", "invalid_path", "too_deep". */
  readonly code: string;
  /** 0-based byte offset in the expression (UTF-8). */
  readonly offset: number;
}

/** Thrown when a mapping spec is not valid. */
export class HL7MappingError extends Error {
  readonly name: "HL7MappingError";
  /** "invalid_json", "invalid_spec", "unknown_key", "missing_fields", "invalid_path", "unknown_transform", "unknown_table", "invalid_rows". */
  readonly code: string;
  /** JSON pointer to the part of the spec at fault, e.g. "/fields/born/transform". */
  readonly pointer: string;
}

/** What Filter.scan() found in a file. */
export interface FilterScan<T extends Input> {
  /** The matching messages, as strings for string input and Uint8Arrays (views of the input) otherwise. */
  matched: T extends string ? string[] : Uint8Array[];
  /** Messages seen. */
  total: number;
  /** Messages that could not be read. */
  unreadable: { offset: number; code: string }[];
}

/** A compiled filter expression (see the README for the language). Throws HL7FilterError. */
export class Filter {
  constructor(expression: string);
  /** Whether the filter holds for a Message, or for one message's text or bytes (HL7ParseError when unreadable). */
  matches(message: Message | Input): boolean;
  /** Splits a file, batch or MLLP capture and filters every message. */
  scan<T extends Input>(input: T): FilterScan<T>;
  /** The matching messages of a file. */
  select<T extends Input>(input: T): T extends string ? string[] : Uint8Array[];
  /** How many messages of a file match. */
  count(input: Input): number;
  /** scan() over a stream in bounded memory; each match's bytes go to options.onMatch (awaited) as found. */
  scanStream(source: PieceSource, options?: { onMatch?: (message: Uint8Array) => unknown; maxChunkSize?: number }): Promise<StreamScan>;
  /** How many messages of a stream match. */
  countStream(source: PieceSource, options?: { maxChunkSize?: number }): Promise<number>;
  /** Whether evaluation reads only MSH (then no message is parsed). */
  readonly readsHeaderOnly: boolean;
  free(): void;
  [Symbol.dispose](): void;
}

/** Named routes: a message goes to every destination whose filter holds. */
export class Router {
  constructor(routes?: Record<string, string> | [string, string][]);
  add(destination: string, expression: string): this;
  /** Matching destinations, in route order, each once. */
  destinations(message: Message | Input): string[];
  free(): void;
  [Symbol.dispose](): void;
}

/** One difference between two messages. */
export interface Difference {
  /** "PID-5.2", "OBX[3]-5", "PID-3(2)", or a segment such as "NK1[2]". */
  path: string;
  kind: "added" | "removed" | "changed";
}

/** Compares and fingerprints messages, leaving out segments and paths (e.g. ["MSH-7", "MSH-10", "EVN-2", "PV1-44"]). Throws HL7PathError. */
export class ChangeDetector {
  constructor(ignore?: string[]);
  changes(previous: Message | Input, current: Message | Input): string[];
  changes(previous: Message | Input, current: Message | Input, options: { details: true }): Difference[];
  isUnchanged(previous: Message | Input, current: Message | Input): boolean;
  /** 16 hex digits; equal exactly when isUnchanged() holds (barring a 64-bit collision). */
  fingerprint(message: Message | Input): string;
  free(): void;
  [Symbol.dispose](): void;
}

/** The paths that differ between two messages. */
export function diff(a: Message | Input, b: Message | Input, options?: { ignore?: string[]; details?: false }): string[];
export function diff(a: Message | Input, b: Message | Input, options: { ignore?: string[]; details: true }): Difference[];

/** A JSON value a mapping gives. */
export type MappedValue = string | number | boolean | null | MappedValue[] | { [key: string]: MappedValue };

/** A declarative mapping spec (object or JSON text; see the README). Throws HL7MappingError. */
export class Mapping {
  constructor(spec: string | object);
  /** One object per message, or an array of rows when the spec has "rows". */
  apply(message: Message | Input): Record<string, MappedValue> | Record<string, MappedValue>[];
  /** What apply() gives, as JSON text. */
  applyJSON(message: Message | Input): string;
  readonly hasRows: boolean;
  readonly keys: string[];
  free(): void;
  [Symbol.dispose](): void;
}

/** What explain() tells about a field, component or subcomponent. */
export interface Explanation {
  /** "Patient Name". */
  name: string;
  /** "XPN". */
  datatype: string;
  /** "R" (required) or "O" (optional). */
  optionality: "R" | "O";
  repeatable: boolean;
  maxRepetitions: number | null;
  /** Maximum length, when the dictionary knows it. */
  length: number | null;
  /** HL7 table number (1 for HL70001). */
  table: number | null;
  /** Components of a composite datatype, in order. */
  components: { name: string; datatype: string }[];
}

/**
 * Loads the full module. Needed once in browsers and Deno before the
 * functions it holds; elsewhere it resolves at once. Idempotent.
 */
export function load(): Promise<void>;
/** The HL7 version assumed where none is given ("2.5.1"): what build() declares and explain() answers for. */
export const DEFAULT_VERSION: string;

/** Thrown by a function of the full module called before `await load()` (browsers, Deno). */
export class HL7LoadError extends Error {
  readonly name: "HL7LoadError";
  readonly code: "not_loaded";
}

/** Thrown by explain() for an unknown version. */
/** Options of Message.toFHIR(). */
export interface FhirOptions {
  /** Default "message" (MessageHeader first). */
  bundleType?: "message" | "transaction" | "batch" | "collection";
  /** The UUID that resource ids are made in (name-based UUIDs). */
  namespace?: string;
  /** The offset assumed for times without one ("+01:00", "Z"); default none (such times keep their date). */
  timezone?: string;
  /** Local additions to the maps: fields as extensions or identifiers, codes, resource types to leave out. */
  overrides?: FhirOverrides | string;
}

/** Local additions to the v2-to-FHIR maps (docs/fhir.md). */
export interface FhirOverrides {
  fields?: Record<string, { resource: string; extension?: string; identifier?: string; type?: "string" | "code" | "uri" | "boolean" | "integer" | "decimal" | "date" | "dateTime" }>;
  codes?: Record<string, Record<string, string>>;
  drop?: string[];
}

/** A FHIR R4 Bundle (JSON). */
export interface FhirBundle {
  resourceType: "Bundle";
  id: string;
  type: "message" | "transaction" | "batch" | "collection";
  identifier?: { value: string };
  timestamp?: string;
  entry: { fullUrl: string; resource: { resourceType: string; id: string; [k: string]: unknown }; request?: { method: "PUT"; url: string } }[];
}

/** What a conversion left behind: names and paths, never values. */
export interface FhirReport {
  structure: string;
  resources: number;
  unmapped_segments: string[];
  unmapped_fields: string[];
  invalid_values: string[];
  unknown_codes: { vocabulary: string; field: string }[];
  dropped: { resource: string; missing: string }[];
}

/** A message cannot be converted to FHIR: `fhir_no_map` or `fhir_invalid_option` (`option` names it). */
export class HL7FhirError extends RangeError {
  readonly name: "HL7FhirError";
  readonly code: "fhir_no_map" | "fhir_invalid_option" | "fhir_invalid_overrides";
  readonly option: "bundle_type" | "timezone" | "namespace" | "overrides" | null;
  /** For overrides: a JSON pointer to the part at fault. */
  readonly pointer: string | null;
}

export class HL7DictionaryError extends RangeError {
  readonly name: "HL7DictionaryError";
  readonly code: "unknown_version";
}

/** Thrown when a conformance profile is not valid. */
export class HL7ProfileError extends Error {
  readonly name: "HL7ProfileError";
  /** "invalid_json", "invalid_profile" or "unknown_key". */
  readonly code: string;
  /** JSON pointer to the part at fault. */
  readonly pointer: string;
}

/** A conformance profile (see the README). Throws HL7ProfileError. */
export class Profile {
  constructor(spec: string | object);
  free(): void;
  [Symbol.dispose](): void;
}

/** One validation finding. */
export interface ValidationIssue {
  /** Stable code, e.g. "required_field_missing", "invalid_datetime", "unexpected_segment". */
  code: string;
  severity: "error" | "warning";
  /** "PID-7", "PID-3(2).4", "OBX[2]-5", or a segment such as "PV1". */
  path: string;
  /** 0-based segment index, when there is one. */
  segment: number | null;
  /** Byte offset in the message. */
  offset: number;
  /** A sentence without content. */
  message: string;
  /** HL7 table 0357 code for an ERR segment. */
  hl7Code: number;
}

/** What validate() found. */
export interface ValidationReport {
  version: string | null;
  structure: string | null;
  /** No issue is an error. */
  valid: boolean;
  issues: ValidationIssue[];
}

/** What a path is in a version (default "2.5.1"); undefined when not defined there. */
export function explain(path: string, version?: string): Explanation | undefined;
/** The name of a segment's field in a version (default "2.5.1"). */
export function fieldName(segment: string, field: number, version?: string): string | undefined;
/** Validates against MSH-12's version (or options.version) and an optional profile. */
export function validate(message: Message | Input, options?: { version?: string; profile?: Profile | object | string }): ValidationReport;
/** A report's issues as `errors` for message.ack(); an issue's path is left out when it does not read as a location (a segment named "PiD"). */
export function ackErrors(report: ValidationReport): AckErrorSpec[];

/** A de-identification policy (docs/deid.md): what paths, datatypes, field names and OBX-5 value types become. */
export type DeidAction =
  | "keep" | "remove" | "pseudonymize" | "shift" | "generalize"
  | { action: "pseudonymize"; shape?: boolean }
  | { action: "generalize"; to?: "auto" | "year" | "zip3" | "age" }
  | { action: "replace"; value: string }
  | { action: "keep" | "remove" | "shift" };

export interface DeidPolicy {
  /** The base: "safe-harbor" (the default) or "none". */
  extends?: "safe-harbor" | "none";
  /** "SEG", "SEG-n" or "SEG-n.c" → action. */
  fields?: Record<string, DeidAction>;
  /** "XPN" or "XAD.5" → action. */
  datatypes?: Record<string, DeidAction>;
  /** A piece of a field's dictionary name (any case) → action, where the datatype has no rule. */
  names?: Record<string, DeidAction>;
  /** OBX-2 value type ("*": missing or unknown) → what OBX-5 gets. */
  observations?: Record<string, DeidAction>;
  /** What dates (DT, DTM, TS) get where nothing else names them. */
  dates?: DeidAction;
  unknown_segments?: "remove" | "keep";
  unknown_fields?: "remove" | "keep";
  shift?: { days?: number; patient?: string | string[] };
  ages?: { max?: number | null; codes?: string[] };
}

export interface DeidOptions {
  /** At least 16 bytes; keep it secret. */
  key: string | Uint8Array;
  /** A built-in policy's name ("safe-harbor", the default), a policy object or its JSON text. */
  policy?: string | DeidPolicy;
  /** Keep each token's original value (crosswalk()). Default false. */
  crosswalk?: boolean;
}

/** What a Deidentifier changed: counts per path and action, never content. */
export interface DeidReport {
  messages: number;
  changes: { path: string; action: "keep" | "remove" | "pseudonymize" | "shift" | "generalize" | "replace"; count: number }[];
}

/** Removes identifiers from messages under a key and a policy (the full module). Throws HL7DeidError. */
export class Deidentifier {
  constructor(options: DeidOptions);
  /** A new Message: the same segments, fields, delimiters and terminators, the policy's values changed. */
  deidentify(message: Message | Input): Message;
  report(): DeidReport;
  /** Token → original value, when made with crosswalk: true; else null. */
  crosswalk(): Record<string, string> | null;
  free(): void;
  [Symbol.dispose](): void;
}

/** One message de-identified (for many, reuse one Deidentifier). */
export function deidentify(message: Message | Input, options: DeidOptions): Message;

/** A de-identifier cannot be made: `deid_invalid_policy` (`pointer`: where) or `deid_key_too_short`. */
export class HL7DeidError extends RangeError {
  readonly name: "HL7DeidError";
  readonly code: "deid_invalid_policy" | "deid_key_too_short";
  readonly pointer: string | null;
}

/** Every HL7TransportError code (transport.ERROR_CODES). */
export type TransportErrorCode =
  | "connect_failed" | "connect_timeout" | "ack_timeout" | "connection_closed" | "frame_too_large"
  | "frame_timeout" | "idle_timeout" | "too_many_connections" | "handler_failed" | "handler_timeout"
  | "unreadable_frame" | "not_an_ack" | "negative_commit" | "unmatched_ack" | "no_control_id"
  | "duplicate_in_flight" | "closed" | "tls_failed" | "public_address" | "body_too_large" | "empty_body"
  | "unsupported_media_type" | "method_not_allowed" | "unauthorized";

/** Moving a message failed (pipehat/mllp, pipehat/http). */
export class HL7TransportError extends Error {
  readonly name: "HL7TransportError" | "HL7TransportTimeoutError" | "HL7TransportConnectionError";
  readonly code: TransportErrorCode;
  /** The limit or size concerned, where there is one. */
  readonly length: number | null;
  /** The HTTP status HL7 over HTTP answers this with. */
  readonly status: number;
}

/** A transport timeout: connect_timeout, ack_timeout, frame_timeout, idle_timeout, handler_timeout. */
export class HL7TransportTimeoutError extends HL7TransportError {}
/** A connection that could not be opened or ended: connect_failed, connection_closed, tls_failed, closed. */
export class HL7TransportConnectionError extends HL7TransportError {}

/** Limits and timeouts every server and client starts from (times in ms; 0 turns a timeout off). */
export interface TransportLimits {
  maxFrameSize: number;
  maxConnections: number;
  frameTimeout: number;
  handlerTimeout: number;
  idleTimeout: number;
  connectTimeout: number;
  ackTimeout: number;
  keepAlive: number;
  maxBodySize: number;
  reconnectAttempts: number;
  reconnectMin: number;
  reconnectMax: number;
}

/** A reply as transport.readReply reads it. */
export type Reply =
  | { kind: "ack"; code: "AA" | "AE" | "AR" | "CA" | "CE" | "CR"; answers: string; controlId: string; settlesApplication: boolean }
  | { kind: "commit" | "negative_commit"; settlesApplication: boolean };

/** The MSH fields that identify a message: MSH-3, MSH-4, MSH-10. */
export interface MessageKey {
  sendingApplication: string;
  sendingFacility: string;
  controlId: string;
}

/** Acknowledgements of recent messages by key, to answer a resent message without handling it twice. */
export declare class ReplayCache {
  constructor(capacity: number);
  get(message: Input): Uint8Array | undefined;
  set(message: Input, ack: Input): void;
  readonly size: number;
}

/** The core's transport answers without I/O: what pipehat/mllp and pipehat/http are built on. */
export declare const transport: {
  readonly LIMITS: Readonly<TransportLimits>;
  readonly ERROR_CODES: readonly TransportErrorCode[];
  readonly AUTHENTICATE: string;
  error(code: TransportErrorCode, length?: number): HL7TransportError;
  readReply(frame: Input): Reply;
  answers(frame: Input, controlId: string): boolean;
  replyId(frame: Input): string | undefined;
  controlId(message: Message | Input): string | undefined;
  messageKey(message: Message | Input): MessageKey | undefined;
  isLoopback(host: string): boolean;
  expectsAck(message: Message | Input): boolean;
  accept(message: Message, failure?: "handler_failed" | "handler_timeout", options?: { controlId?: string; timestamp?: string }): Message;
  reply(message: Message, failure?: "handler_failed" | "handler_timeout", options?: { controlId?: string; timestamp?: string }): Message | undefined;
  replyFrame(message: Message, failure?: "handler_failed" | "handler_timeout", options?: { controlId?: string; timestamp?: string }): Uint8Array | undefined;
  reject(frame: Input, options?: ParseOptions & { controlId?: string; timestamp?: string }): Message;
  httpCheck(
    request: { method: string; contentType?: string | null; authorization?: string | null; bodyLength: number },
    options?: { maxBodySize?: number; credentials?: [string, string] },
  ): { mediaType: string; charset?: string; contentType: string };
  httpStatus(reply: Message | Input): number;
  backoff(attempt: number, minDelay: number, maxDelay: number, jitter?: number): number;
  bytes(reply: Message | Input): Uint8Array;
  ReplayCache: typeof ReplayCache;
};

declare const api: {
  load: typeof load;
  DEFAULT_VERSION: typeof DEFAULT_VERSION;
  HL7LoadError: typeof HL7LoadError;
  HL7Error: typeof HL7Error;
  parse: typeof parse;
  parseAll: typeof parseAll;
  split: typeof split;
  Splitter: typeof Splitter;
  splitStream: typeof splitStream;
  extract: typeof extract;
  extractStream: typeof extractStream;
  build: typeof build;
  ack: typeof ack;
  fromJSON: typeof fromJSON;
  mllpEncode: typeof mllpEncode;
  Parser: typeof Parser;
  Message: typeof Message;
  EditableMessage: typeof EditableMessage;
  MllpDecoder: typeof MllpDecoder;
  Segment: typeof Segment;
  Element: typeof Element;
  HL7ParseError: typeof HL7ParseError;
  HL7PathError: typeof HL7PathError;
  HL7EditError: typeof HL7EditError;
  HL7MllpError: typeof HL7MllpError;
  HL7StreamError: typeof HL7StreamError;
  HL7JsonError: typeof HL7JsonError;
  HL7DatatypeError: typeof HL7DatatypeError;
  Filter: typeof Filter;
  Router: typeof Router;
  ChangeDetector: typeof ChangeDetector;
  diff: typeof diff;
  Mapping: typeof Mapping;
  HL7FilterError: typeof HL7FilterError;
  HL7MappingError: typeof HL7MappingError;
  explain: typeof explain;
  fieldName: typeof fieldName;
  validate: typeof validate;
  ackErrors: typeof ackErrors;
  Profile: typeof Profile;
  HL7ProfileError: typeof HL7ProfileError;
  HL7DictionaryError: typeof HL7DictionaryError;
  HL7FhirError: typeof HL7FhirError;
  Deidentifier: typeof Deidentifier;
  deidentify: typeof deidentify;
  HL7DeidError: typeof HL7DeidError;
  HL7TransportError: typeof HL7TransportError;
  HL7TransportTimeoutError: typeof HL7TransportTimeoutError;
  HL7TransportConnectionError: typeof HL7TransportConnectionError;
  transport: typeof transport;
};
export default api;
