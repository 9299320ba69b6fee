// The transport in another runtime: pipehat/http's fetch handler, and an MLLP
// server and client on loopback (node:net, which Bun and Deno provide).
export async function transportSmoke({ createServer, connect, hl7Http, parse }, label) {
  let failed = 0;
  const check = (ok, what) => {
    if (!ok) {
      failed++;
      console.log(`FAIL ${label}: ${what}`);
    }
  };
  const endpoint = hl7Http((m) => (m.controlId === "NAK" ? m.ack({ code: "AR" }) : undefined));
  const post = (body) =>
    endpoint(new Request("http://localhost/", { method: "POST", body, headers: { "content-type": "application/hl7-v2" } }));
  const ok = await post("MSH|^~\\&|A|B|C|D|1||ADT^A08|H1|P|2.5\r");
  check(ok.status === 200 && parse(await ok.text()).get("MSA-2") === "H1", "hl7Http accepts");
  check((await post("MSH|^~\\&|A|B|C|D|1||ADT^A08|NAK|P|2.5\r")).status === 400, "hl7Http maps AR to 400");
  if (createServer) {
    const seen = [];
    const server = createServer((m) => void seen.push(m.controlId));
    const { port } = await server.listen(0, "127.0.0.1");
    const client = await connect({ port, ackTimeout: 5000 });
    const ids = ["M1", "M2", "M3"];
    const acks = [];
    for (const id of ids) acks.push((await client.send(`MSH|^~\\&|A|B|C|D|1||ADT^A08|${id}|P|2.5\rPID|1\r`)).get("MSA-2"));
    await client.close();
    await server.close();
    check(JSON.stringify([acks, seen]) === JSON.stringify([ids, ids]), "MLLP round trip");
  }
  console.log(`${label} transport: ${failed ? "failed" : "passed"}`);
  return failed;
}
