// pipehat/mllp: MLLP servers (Node, Bun, Deno) and clients (there and in Cloudflare Workers).
import type { EventEmitter } from "node:events";
import type { SecureContextOptions, TlsOptions, ConnectionOptions } from "node:tls";
import type { AddressInfo } from "node:net";
import type { Message, Input, ParseOptions, HL7TransportError } from "./index.js";
export { HL7TransportError, Message } from "./index.js";

/** What a handler returns: nothing (the server acknowledges), or the reply to send. */
export type HandlerResult = void | undefined | null | Message | Input;

export interface ServerOptions {
  /** node:tls server options (key, cert, ca, requestCert, ...): MLLP over TLS 1.2 or 1.3. */
  tls?: TlsOptions;
  /** Listen on addresses other than loopback (default false). */
  allowPublic?: boolean;
  /** Largest frame in bytes (default 16 MiB); a larger one closes its connection. */
  maxFrameSize?: number;
  /** Most connections at once (default 10,000). */
  maxConnections?: number;
  /** ms from a frame's first byte to its last (default 30,000). */
  frameTimeout?: number;
  /** ms a handler may take before the sender gets an AE (default 30,000). */
  handlerTimeout?: number;
  /** ms a connection may stay silent (default 0: no limit). */
  idleTimeout?: number;
  /** TCP keep-alive delay in ms (default 60,000; 0 turns it off). */
  keepAlive?: number;
  /** Answer with MLLP release 2 commit blocks (default false). */
  mllpRelease2?: boolean;
  /** Remember this many acknowledgements to answer resent messages without handling them again (default 0). */
  replay?: number;
  /** How frames are parsed (strict, limits). */
  parse?: ParseOptions;
}

export interface PeerInfo {
  /** "address:port" of the sender. */
  peer: string;
}
export interface MessageInfo extends PeerInfo {
  controlId: string | undefined;
}

export declare class MllpServer extends EventEmitter {
  constructor(handler: (message: Message, info: MessageInfo) => HandlerResult | Promise<HandlerResult>, options?: ServerOptions);
  /** Starts listening (port 0 picks a free one; host defaults to 127.0.0.1). */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  address(): AddressInfo;
  readonly connections: number;
  /** Replaces the certificate, key or CA for new connections. */
  setSecureContext(options: SecureContextOptions): void;
  /** Stops accepting, lets running handlers finish (up to drainTimeout ms), closes every connection. */
  close(options?: { drainTimeout?: number }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  on(event: "connection" | "disconnect", listener: (info: PeerInfo) => void): this;
  on(event: "message", listener: (info: MessageInfo & { size: number }) => void): this;
  on(event: "ack", listener: (info: MessageInfo & { code: string | undefined; duplicate: boolean }) => void): this;
  on(event: "issue", listener: (info: { code: string; peer?: string; controlId?: string; size?: number; length?: number; cause?: unknown }) => void): this;
}

export declare function createServer(
  handler: (message: Message, info: MessageInfo) => HandlerResult | Promise<HandlerResult>,
  options?: ServerOptions,
): MllpServer;

export interface ClientOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** node:tls connect options (ca, key, cert, minVersion, ...), or true in Workers. */
  tls?: ConnectionOptions | boolean;
  /** ms to connect (default 10,000). */
  connectTimeout?: number;
  /** ms a message waits for its acknowledgement (default 30,000). */
  ackTimeout?: number;
  /** Largest reply frame (default 16 MiB). */
  maxFrameSize?: number;
  keepAlive?: number;
  /** Reconnects before failing the messages waiting (default 5). */
  reconnectAttempts?: number;
  /** First reconnect delay in ms, doubled each time (default 100). */
  reconnectMinDelay?: number;
  /** Longest reconnect delay in ms (default 5,000). */
  reconnectMaxDelay?: number;
  /** Messages in flight at once (default 1: stop-and-wait). */
  maxInFlight?: number;
  /** Wait past a CA for the application acknowledgement (default false). */
  applicationAck?: boolean;
}

export declare class MllpClient {
  constructor(options: ClientOptions);
  connect(): Promise<this>;
  /** Sends a message; resolves to its acknowledgement (null for an MLLP release 2 commit). */
  send(message: Message | Input): Promise<Message | null>;
  readonly inFlight: number;
  on(event: "issue", listener: (info: { code: string; controlId?: string; size?: number; length?: number }) => void): this;
  on(event: "reconnect", listener: (info: { attempt: number; delay: number; code: string }) => void): this;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export declare function connect(options: ClientOptions): Promise<MllpClient>;
