/**
 * pipehat: fast, correct HL7 v2 parsing in WebAssembly.
 *
 * Options and their defaults (in one place):
 * - `strict` (false): reject messages with warning- or error-level diagnostics.
 * - `segmentTerminator` (detected): force "\r", "\n" or "\r\n".
 * - `maxMessageSize` (256 MiB), `maxSegments` (1,000,000), `maxFieldLength` (64 MiB).
 * - `extract(..., { raw })` (false): values as written instead of decoded.
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
  readonly name: "HL7ParseError";
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
  /** The original text. */
  toString(): string;
  /** The original bytes. */
  toBytes(): Uint8Array;
  /** Bytes held in WebAssembly memory (input plus index). */
  readonly heapSize: number;
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
/** Reads `paths` from every message in one call: path -> values (null when absent). */
export function extract(input: Input, paths: string[], options?: { raw?: boolean }): Record<string, (string | null)[]>;

declare const api: {
  parse: typeof parse;
  parseAll: typeof parseAll;
  split: typeof split;
  extract: typeof extract;
  Parser: typeof Parser;
  Message: typeof Message;
  Segment: typeof Segment;
  Element: typeof Element;
  HL7ParseError: typeof HL7ParseError;
  HL7PathError: typeof HL7PathError;
};
export default api;
