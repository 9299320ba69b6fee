// A Cloudflare Worker that parses the HL7 message POSTed to it; on /ack it
// answers with an HL7 acknowledgement, even for a message that does not parse.
import { parse, ack, validate, splitStream, HL7ParseError } from "./lib/workerd.mjs";

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/batch") {
      // A batch file, split as its body streams in: each chunk's kind, and each message's control ID.
      const chunks = [];
      for await (const chunk of splitStream(request.body)) {
        chunks.push(chunk.kind === "message" ? parse(chunk.bytes).controlId : chunk.kind);
      }
      return Response.json(chunks);
    }
    if (new URL(request.url).pathname === "/ack") {
      const body = new Uint8Array(await request.arrayBuffer());
      try {
        const reply = ack(body, { maxFieldLength: 64 });
        return new Response(reply.toBytes(), { headers: { "content-type": "x-application/hl7-v2+er7" } });
      } catch (e) {
        if (e instanceof HL7ParseError) return Response.json({ error: e.code }, { status: 400 });
        throw e;
      }
    }
    try {
      const msg = parse(new Uint8Array(await request.arrayBuffer()));
      const body = {
        type: msg.messageType,
        trigger: msg.triggerEvent,
        id: msg.controlId,
        family: msg.get("PID-5.1"),
        // From the full module, instantiated on this first use.
        valid: validate(msg).valid,
      };
      msg.free();
      return Response.json(body);
    } catch (e) {
      if (e instanceof HL7ParseError) return Response.json({ error: e.code, offset: e.offset }, { status: 400 });
      throw e;
    }
  },
};
