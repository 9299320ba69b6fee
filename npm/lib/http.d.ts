// pipehat/http: HL7 over HTTP as a fetch handler and an AWS Lambda handler.
import type { Message, Input, ParseOptions } from "./index.js";
export { HL7TransportError } from "./index.js";

export interface HttpOptions {
  /** Largest body in bytes (default 16 MiB). */
  maxBodySize?: number;
  /** ms a handler may take before the answer is an AE with status 500 (default 30,000). */
  handlerTimeout?: number;
  /** HTTP Basic credentials every request must carry. */
  credentials?: [user: string, password: string];
  /** Remember this many acknowledgements to answer resent messages without handling them again (default 0). */
  replay?: number;
  parse?: ParseOptions;
  /** Called for handler failures and timeouts, with codes only. */
  onIssue?: (info: { code: string; controlId: string | undefined; cause: unknown }) => void;
}

export type HttpHandler = (message: Message, info: { request: Request }) => void | null | Message | Input | Promise<void | null | Message | Input>;

export declare function hl7Http(handler: HttpHandler, options?: HttpOptions): (request: Request) => Promise<Response>;

/** The same endpoint for node:http (and frameworks that hand over its req and res), without Request and Response objects. */
export declare function nodeHttp(
  handler: (message: Message, info: { req: import("node:http").IncomingMessage }) => void | null | Message | Input | Promise<void | null | Message | Input>,
  options?: HttpOptions,
): (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => Promise<void>;

export interface LambdaEvent {
  requestContext?: { http?: { method?: string } };
  httpMethod?: string;
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}
export interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}
export declare function lambda(handler: HttpHandler, options?: HttpOptions): (event: LambdaEvent) => Promise<LambdaResult>;
