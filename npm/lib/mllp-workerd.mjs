// pipehat/mllp under the workerd condition (Cloudflare Workers): the MLLP
// client over cloudflare:sockets connect(). Workers cannot listen, so
// there is no server here; `tls: true` (or any tls object) turns on
// secureTransport, with the platform's own certificate checks.
import { connect as openSocket } from "cloudflare:sockets";
import api from "./workerd.mjs";
import { makeClient } from "./transport/client.mjs";

const { transport } = api;

async function openWorkers(o) {
  const socket = openSocket({ hostname: o.host, port: o.port }, { secureTransport: o.tls ? "on" : "off", allowHalfOpen: false });
  let timer;
  try {
    await Promise.race([
      socket.opened,
      new Promise((_, reject) => {
        if (o.connectTimeout > 0) timer = setTimeout(() => reject(transport.error("connect_timeout")), o.connectTimeout);
      }),
    ]);
  } catch (e) {
    socket.close().catch(() => {});
    throw e?.code === "connect_timeout" ? e : transport.error("connect_failed");
  } finally {
    clearTimeout(timer);
  }
  const writer = socket.writable.getWriter();
  const onData = [];
  const onClose = [];
  (async () => {
    const reader = socket.readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const fn of onData) fn(value);
      }
    } catch {
      // a reset ends the connection like a close
    }
    for (const fn of onClose) fn();
  })();
  return {
    write: (bytes) => writer.write(bytes).catch(() => {}),
    close: () => socket.close().catch(() => {}),
    onData: (fn) => onData.push(fn),
    onClose: (fn) => onClose.push(fn),
  };
}

export const { MllpClient, connect } = makeClient(api, openWorkers);
export const { HL7TransportError } = api;
