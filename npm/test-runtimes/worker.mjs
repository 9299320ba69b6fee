// A Cloudflare Worker that parses the HL7 message POSTed to it; on /ack it
// answers with an HL7 acknowledgement, even for a message that does not parse.
import { parse, ack, validate, splitStream, HL7ParseError } from "./lib/workerd.mjs";
import { hl7Http } from "./lib/http-workerd.mjs";
import { connect } from "./lib/mllp-workerd.mjs";

// HL7 over HTTP on /hl7 (pipehat/http's fetch handler, as a Worker uses it).
const hl7 = hl7Http((message) => (message.controlId === "NAK" ? message.ack({ code: "AR" }) : undefined));

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/hl7") return hl7(request);
    if (path === "/mllp") {
      // The MLLP client over cloudflare:sockets: send the body to the port given, answer with the ACK.
      const port = Number(new URL(request.url).searchParams.get("port"));
      const client = await connect({ host: "127.0.0.1", port, ackTimeout: 5000 });
      try {
        const reply = await client.send(new Uint8Array(await request.arrayBuffer()));
        return new Response(reply.toBytes());
      } catch (e) {
        return Response.json({ error: e.code ?? String(e) }, { status: 502 });
      } finally {
        await client.close();
      }
    }
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
