// What the JavaScript benchmark measures, in one place for both of its ways
// of running (each contender alone in its own process, and all interleaved in
// one): every task, the input it is timed over, the peer its ratios are
// against, and each contender as a loader that requires its library only when
// called, so that a process measuring one contender loads no other.
//
// A contender's function takes the task's input, {msgs, bufs, buf}: the
// workload's messages as strings and as Buffers, and the whole file.
import { createRequire } from "node:module";
import { FIVE, DOTTED } from "./common.mjs";

const require = createRequire(import.meta.url);
const pipehat = () => require("../lib/node.cjs");
// hl7parser rejects the empty segment after a message's final CR.
const trimmed = (m) => m.replace(/\r$/, "");

function pipehatFive() {
  const p = pipehat();
  return ({ msgs }) => {
    for (const m of msgs) {
      const x = p.parse(m);
      for (const f of FIVE) x.get(f);
      x.free();
    }
  };
}

function hl7parserFive() {
  const hl7parser = require("hl7parser");
  return ({ msgs }) => {
    for (const m of msgs) {
      const x = hl7parser.create(trimmed(m));
      for (const f of DOTTED) x.get(f).toString();
    }
  };
}

const TYPE_FILTER = 'MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")';
const WANTED = new Set(["A01", "A04", "A08"]);

/**
 * Each task: `title`, `peer` (the contender ratios are taken against),
 * `slice` (how many of the workload's messages it runs over; all if absent),
 * `pid` (only messages with a PID segment), and `libs` (name → loader).
 */
export const TASKS = {
  five: {
    title: "parse + 5 fields",
    peer: "hl7parser",
    libs: {
      pipehat: pipehatFive,
      "pipehat (Parser, reused)": () => {
        const reused = new (pipehat().Parser)();
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = reused.parse(m);
            for (const f of FIVE) x.get(f);
          }
        };
      },
      "pipehat.extract() (one call over the file)": () => {
        const p = pipehat();
        return ({ buf }) => p.extract(buf, FIVE);
      },
      hl7parser: hl7parserFive,
      "simple-hl7": () => {
        const simple = require("simple-hl7");
        const parser = new simple.Parser();
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = parser.parse(m);
            x.header.getField(7);
            x.header.getField(8);
            const pid = x.getSegment("PID");
            pid.getComponent(3, 1);
            pid.getComponent(5, 1);
            pid.getField(7);
          }
        };
      },
      "@medplum/core": () => {
        const { Hl7Message } = require("@medplum/core");
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = Hl7Message.parse(m);
            const msh = x.getSegment("MSH");
            const pid = x.getSegment("PID");
            msh.getField(9).toString();
            msh.getField(10).toString();
            pid.getComponent(3, 1);
            pid.getComponent(5, 1);
            pid.getField(7).toString();
          }
        };
      },
      "node-hl7-client": () => {
        const nhc = require("node-hl7-client");
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = new nhc.Message({ text: m });
            for (const f of DOTTED) x.get(f).toString();
          }
        };
      },
      "hl7-standard": () => {
        const HL7Standard = require("hl7-standard");
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = new HL7Standard(m);
            x.transform();
            for (const f of DOTTED) x.get(f);
          }
        };
      },
    },
  },
  // Messages as received over HTTP or from a socket: bytes. pipehat parses
  // them as they are; hl7parser needs them decoded first.
  bytes: {
    title: "parse + 5 fields, from bytes",
    peer: "hl7parser (after toString())",
    libs: {
      pipehat: () => {
        const five = pipehatFive();
        return ({ bufs }) => five({ msgs: bufs });
      },
      "hl7parser (after toString())": () => {
        const five = hl7parserFive();
        return ({ bufs }) => five({ msgs: bufs.map(String) });
      },
    },
  },
  json: {
    title: "parse + objects (toJSON)",
    peer: "hl7-standard",
    slice: 1000,
    libs: {
      pipehat: () => {
        const p = pipehat();
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = p.parse(m);
            x.toJSON();
            x.free();
          }
        };
      },
      "hl7-standard": () => {
        const HL7Standard = require("hl7-standard");
        return ({ msgs }) => {
          for (const m of msgs) new HL7Standard(m).transform();
        };
      },
      "@redoxengine/redox-hl7-v2": () => {
        const redox = require("@redoxengine/redox-hl7-v2");
        const parser = new redox.Parser();
        return ({ msgs }) => {
          for (const m of msgs) parser.parse(m);
        };
      },
    },
  },
  validate: {
    title: "parse + validate against the declared version",
    libs: {
      pipehat: () => {
        const p = pipehat();
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = p.parse(m);
            p.validate(x);
            x.free();
          }
        };
      },
    },
  },
  ack: {
    title: "parse + ACK, serialized",
    peer: "@medplum/core",
    slice: 1000,
    libs: {
      pipehat: () => {
        const p = pipehat();
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = p.parse(m);
            const a = x.ack({ controlId: "ACK1", timestamp: "20240101120000" });
            a.toString();
            a.free();
            x.free();
          }
        };
      },
      "@medplum/core": () => {
        const { Hl7Message } = require("@medplum/core");
        return ({ msgs }) => {
          for (const m of msgs) Hl7Message.parse(m).buildAck().toString();
        };
      },
    },
  },
  edit: {
    title: "parse + set PID-5.1 + serialize",
    peer: "@medplum/core",
    slice: 1000,
    pid: true,
    libs: {
      pipehat: () => {
        const p = pipehat();
        return ({ msgs }) => {
          for (const m of msgs) {
            const e = new p.EditableMessage(m);
            e.set("PID-5.1", "EDITED");
            e.toString();
            e.free();
          }
        };
      },
      "@medplum/core": () => {
        const { Hl7Message } = require("@medplum/core");
        return ({ msgs }) => {
          for (const m of msgs) {
            const x = Hl7Message.parse(m);
            x.getSegment("PID").setComponent(5, 1, "EDITED");
            x.toString();
          }
        };
      },
    },
  },
  // Keep ADT^A01/A04/A08, one message at a time; each returns its count.
  filter: {
    title: "keep ADT^A01/A04/A08 (type filter)",
    peer: "hl7parser",
    libs: {
      pipehat: () => {
        const filter = new (pipehat().Filter)(TYPE_FILTER);
        return ({ msgs }) => msgs.filter((m) => filter.matches(m)).length;
      },
      "pipehat Filter.count() (one call over the file)": () => {
        const filter = new (pipehat().Filter)(TYPE_FILTER);
        return ({ buf }) => filter.count(buf);
      },
      "pipehat (parse + header getters)": () => {
        const p = pipehat();
        return ({ msgs }) =>
          msgs.filter((m) => {
            const x = p.parse(m);
            const keep = x.messageType === "ADT" && WANTED.has(x.triggerEvent);
            x.free();
            return keep;
          }).length;
      },
      hl7parser: () => {
        const hl7parser = require("hl7parser");
        return ({ msgs }) =>
          msgs.filter((m) => {
            const x = hl7parser.create(trimmed(m));
            return x.get("MSH.9.1").toString() === "ADT" && WANTED.has(x.get("MSH.9.2").toString());
          }).length;
      },
      "@medplum/core": () => {
        const { Hl7Message } = require("@medplum/core");
        return ({ msgs }) =>
          msgs.filter((m) => {
            const h = Hl7Message.parse(m).getSegment("MSH");
            return h.getComponent(9, 1) === "ADT" && WANTED.has(h.getComponent(9, 2));
          }).length;
      },
    },
  },
};

/**
 * The input of `task` over a workload's bytes: {msgs, bufs, buf, bytes},
 * where `bytes` is what rates are per (the messages' size; the whole file's
 * when the task has no slice).
 */
export function taskInput(task, buf) {
  let msgs = buf.toString("utf8").split("\n").filter(Boolean);
  const sliced = task.slice !== undefined || task.pid;
  if (task.pid) msgs = msgs.filter((m) => m.includes("\rPID|"));
  if (task.slice !== undefined) msgs = msgs.slice(0, task.slice);
  const bufs = msgs.map((m) => Buffer.from(m));
  const bytes = sliced ? bufs.reduce((n, b) => n + b.length, 0) : buf.length;
  return { msgs, bufs, buf, bytes };
}
