// A Cloudflare Worker that parses the HL7 message POSTed to it.
import { parse, HL7ParseError } from "./lib/workerd.mjs";

export default {
  async fetch(request) {
    try {
      const msg = parse(new Uint8Array(await request.arrayBuffer()));
      const body = { type: msg.messageType, trigger: msg.triggerEvent, id: msg.controlId, family: msg.get("PID-5.1") };
      msg.free();
      return Response.json(body);
    } catch (e) {
      if (e instanceof HL7ParseError) return Response.json({ error: e.code, offset: e.offset }, { status: 400 });
      throw e;
    }
  },
};
