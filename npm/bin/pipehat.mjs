#!/usr/bin/env node
// `npx pipehat view [FILE]`: the viewer page on a loopback address, opened
// in the browser. The HL7 command line is Python's (`pip install pipehat`);
// this one is the viewer's.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { startViewer, exportViewer } from "./view.mjs";

const USAGE = `usage: pipehat view [FILE] [--port N] [--host ADDRESS] [--no-open]
       pipehat view --export DIR

  Shows HL7 v2 messages in the browser: a page served from this machine's
  loopback address that cannot send anything anywhere.

  FILE           a message, batch file or MLLP capture to open (or paste and
                 drop files in the page)
  --port N       the port (default: any free one)
  --host ADDR    a loopback address (default 127.0.0.1; ::1 works too)
  --no-open      print the address without opening a browser
  --export DIR   write the page as a static site to DIR and exit
`;

function openBrowser(url) {
  const [command, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  const child = spawn(command, args, { stdio: "ignore", detached: true });
  child.on("error", () => console.error("pipehat view: no browser could be started; open the address above"));
  child.unref();
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "no-open": { type: "boolean" },
        export: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    console.error(`pipehat: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, file, ...rest] = positionals;
  if (command !== "view" || rest.length) {
    console.error(USAGE);
    return 2;
  }
  if (values.export) {
    const n = exportViewer(values.export);
    console.log(`pipehat view: ${n} files written to ${values.export}; serve that folder and open index.html`);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("pipehat view: --port takes a number from 0 to 65535");
    return 2;
  }
  let viewer;
  try {
    viewer = await startViewer({ file, port, host: values.host });
  } catch (e) {
    console.error(`pipehat view: ${e.code === "ENOENT" ? `no file ${file}` : e.message}`);
    return 2;
  }
  console.log(`pipehat viewer: ${viewer.url}`);
  console.log("Ctrl-C stops it.");
  if (!values["no-open"]) openBrowser(viewer.url);
  await new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await viewer.close();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
