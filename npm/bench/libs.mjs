// What the JavaScript benchmark measures, in one place for both of its ways
// of running (each contender alone in its own process, and all interleaved in
// one): every task, the input it is timed over, the peer its ratios are
// against, and each contender as a loader that requires its library only when
// called, so that a process measuring one contender loads no other.
//
// A contender's function takes the task's input, {msgs, bufs, buf}: the
// workload's messages as strings and as Buffers, and the whole file.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { FIVE, DOTTED } from "./common.mjs";

const require = createRequire(import.meta.url);
const pipehat = () => require("../lib/node.cjs");
// hl7parser rejects the empty segment after a message's final CR.
const trimmed = (m) => m.replace(/\r$/, "");

/** pipehat's contender that parses each message, does `work(message, api)` and frees it. */
function eachMessage(work) {
  return () => {
    const p = pipehat();
    return ({ msgs }) => {
      for (const m of msgs) {
        const x = p.parse(m);
        work(x, p);
        x.free();
      }
    };
  };
}

const pipehatFive = eachMessage((x) => {
  for (const f of FIVE) x.get(f);
});

function hl7parserFive() {
  const hl7parser = require("hl7parser");
  return ({ msgs }) => {
    for (const m of msgs) {
      const x = hl7parser.create(trimmed(m));
      for (const f of DOTTED) x.get(f).toString();
    }
  };
}

// -- The floor: what any WebAssembly design pays with no parsing at all ---------
//
// - Per message, `parse(text)` + five `get()` + `free()`: the UTF-8 encoding
//   of the message into WebAssembly memory (a copy, from bytes), seven calls
//   into WebAssembly (to an export that returns at once), the Message
//   object, and a string per value made as `get` makes them.
// - Bulk, `extract(buf, paths)`: the input copied into WebAssembly memory,
//   the values' text decoded, one string per value.
// The values are those pipehat reads, laid out as the WebAssembly side lays
// them out (one text, and where each value starts and ends in it), made
// before timing.

/** get()'s own string maker: asciiIn of lib/api/scratch.mjs over `heap`, from its source (a copy could drift). */
function readAsciiOf(heap) {
  const source = readFileSync(new URL("../lib/api/scratch.mjs", import.meta.url), "utf8").match(
    /\nfunction asciiIn\(h, at, len\) \{\n[\s\S]*?\n\}\n/,
  );
  if (!source) throw new Error("asciiIn not found in lib/api/scratch.mjs");
  const asciiIn = new Function(`const char = String.fromCharCode;${source[0]}return asciiIn;`)();
  return (at, len) => asciiIn(heap, at, len);
}

/** The five values of every message of `buf` as `extract` gives them, packed. */
export function floorValues(buf, msgs) {
  const extracted = pipehat().extract(buf, FIVE);
  const columns = FIVE.map((f) => extracted[f]);
  if (columns[0].length !== msgs.length) throw new Error("rows and messages differ");
  let packed = "";
  let packedLength = 0; // in UTF-8 bytes
  const cells = []; // UTF-16 positions in `packed`, as extract slices them
  const byteCells = []; // UTF-8 positions, as get() reads them
  for (let row = 0; row < msgs.length; row++) {
    for (const column of columns) {
      const v = column[row];
      if (v === null) {
        cells.push(-1, 0);
        byteCells.push(-1, 0);
      } else {
        cells.push(packed.length, packed.length + v.length);
        byteCells.push(packedLength, (packedLength += Buffer.byteLength(v)));
        packed += v;
      }
    }
  }
  const bytes = new TextEncoder().encode(packed);
  return { bytes, cells, byteCells, readAscii: readAsciiOf(bytes) };
}

class Floor {
  #handle;
  #registration = 0;
  constructor(handle) {
    this.#handle = handle;
  }
}

/** The per-message floor over `msgs` (strings, or Buffers: copied instead of encoded). */
export function messageFloor(msgs, values) {
  const native = require("../pkg/node/pipehat_wasm.js"); // the instance pipehat uses
  const ids = new Map(FIVE.map((f, i) => [f, i]));
  const encoder = new TextEncoder();
  const { byteCells: cells, readAscii } = values;
  let v = 0;
  let [view, viewAt] = [new Uint8Array(0), -1];
  for (const m of msgs) {
    const at = native.scratchReserve(m.length * 3);
    if (at !== viewAt || view.length < m.length * 3) {
      [view, viewAt] = [new Uint8Array(native.wasmMemory().buffer, at, m.length * 3), at];
    }
    if (typeof m === "string") encoder.encodeInto(m, view);
    else view.set(m);
    const p = new Floor(native.messageGet(0x7fffffff, 0, false));
    for (const f of FIVE) {
      native.messageGet(0x7fffffff, ids.get(f), false);
      const [start, end] = [cells[v], cells[v + 1]];
      v += 2;
      if (start >= 0) readAscii(start, end - start);
    }
    native.messageGet(0x7fffffff, 0, false);
    if (!p) throw new Error("unreachable");
  }
}

/** The bulk floor: `buf` copied in, the values' text decoded, a string per value. */
export function bulkFloor(buf, rows, values, memory = new Uint8Array(buf.length)) {
  memory.set(buf);
  const text = new TextDecoder().decode(values.bytes);
  const { cells } = values;
  const out = Array.from({ length: FIVE.length }, () => new Array(rows));
  for (let row = 0, c = 0; row < rows; row++) {
    for (let col = 0; col < FIVE.length; col++, c += 2) {
      out[col][row] = cells[c] < 0 ? null : text.slice(cells[c], cells[c + 1]);
    }
  }
  return out;
}

/** A floor contender: the values made on the first (warm-up) run, untimed. */
function floorOf(run) {
  return () => {
    let values;
    return (input) => {
      values ??= floorValues(input.buf, input.msgs);
      return run(input, values);
    };
  };
}

/**
 * validate()'s floor: the WebAssembly work alone. Each message is encoded
 * straight into the full module, parsed and validated there and its report
 * laid out in memory, through the exports validate() itself calls; left out
 * are the parse in the core module, the copy between the modules and the
 * reading of the report into objects.
 */
export const VALIDATE_FLOOR = "floor of validate(): parsing and validating inside WebAssembly alone, the report left in memory";
function validateFloor() {
  const full = require("../pkg/node-full/pipehat_wasm.js");
  const encoder = new TextEncoder();
  return ({ msgs }) => {
    for (const m of msgs) {
      const at = full.scratchReserve(m.length * 3);
      const { written } = encoder.encodeInto(m, new Uint8Array(full.wasmMemory().buffer, at, m.length * 3));
      const handle = full.parseHandle(written);
      if (handle < 0) throw new Error("a workload message did not parse");
      full.validateHandle(handle, undefined);
      full.messageFree(handle, true);
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
      "floor of parse() + 5 get(): the WebAssembly calls and strings alone, no parsing": floorOf(({ msgs }, values) =>
        messageFloor(msgs, values),
      ),
      "floor of extract(): the input copied in and the strings made, no parsing": floorOf(({ buf, msgs }, values) =>
        bulkFloor(buf, msgs.length, values),
      ),
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
      "floor of parse() + 5 get(): the WebAssembly calls and strings alone, no parsing": floorOf(({ bufs }, values) =>
        messageFloor(bufs, values),
      ),
    },
  },
  json: {
    title: "parse + objects (toJSON)",
    peer: "hl7-standard",
    slice: 1000,
    libs: {
      pipehat: eachMessage((x) => x.toJSON()),
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
      pipehat: eachMessage((x, p) => p.validate(x)),
      [VALIDATE_FLOOR]: validateFloor,
    },
  },
  ack: {
    title: "parse + ACK, serialized",
    peer: "@medplum/core",
    slice: 1000,
    libs: {
      pipehat: eachMessage((x) => {
        const a = x.ack({ controlId: "ACK1", timestamp: "20240101120000" });
        a.toString();
        a.free();
      }),
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
  let text = buf.toString("utf8");
  // PIPEHAT_BENCH_STRINGS=wide: the messages as slices of a text that holds
  // a character above U+00FF (one curly quote in a file is enough), which V8
  // stores two bytes a character. Otherwise one byte a character, as the
  // workload's own characters allow.
  if (process.env.PIPEHAT_BENCH_STRINGS === "wide") text = `\u2019${text}`.slice(1);
  let msgs = text.split("\n").filter(Boolean);
  const sliced = task.slice !== undefined || task.pid;
  if (task.pid) msgs = msgs.filter((m) => m.includes("\rPID|"));
  if (task.slice !== undefined) msgs = msgs.slice(0, task.slice);
  const bufs = msgs.map((m) => Buffer.from(m));
  const bytes = sliced ? bufs.reduce((n, b) => n + b.length, 0) : buf.length;
  return { msgs, bufs, buf, bytes };
}
