// The viewer page in headless Chromium (Debian's, through playwright-core),
// served by `pipehat view` as users start it: bin/pipehat.mjs, and Python's
// `python -m pipehat view` when PIPEHAT_PYTHON names an interpreter with the
// wheel. Every view is checked against what the API itself answers for the
// same message, in the same page. Every request is intercepted: any to
// another address fails the run.
//
//   node test-viewer/run.mjs                      the tests
//   node test-viewer/run.mjs --screenshots DIR    the README's screenshots, taken anew
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createServer, request } from "node:http";
import { mkdtempSync, readFileSync, readdirSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { applyEdits } from "../test/robustness.mjs";

const NPM = fileURLToPath(new URL("../", import.meta.url));
const REPO = join(NPM, "..");
const CORPUS = join(REPO, "tests/corpus/messages");
const SERVE = JSON.parse(readFileSync(join(NPM, "viewer/serve.json"), "utf8"));
const FILES = JSON.parse(readFileSync(join(NPM, "viewer/files.json"), "utf8")).files;
const AXE = readFileSync(join(NPM, "node_modules/axe-core/axe.min.js"), "utf8");
const shotsAt = process.argv.indexOf("--screenshots");
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;

const tmp = mkdtempSync(join(tmpdir(), "pipehat-viewer-"));
const corpusNames = readdirSync(CORPUS).filter((f) => f.endsWith(".hl7")).sort();
const corpus = (name) => readFileSync(join(CORPUS, name));

/** A file of several corpus messages (ADT, ORU, a batch-less mix), \r\n between them. */
const MIXED = [
  "hapi__adt__adt_a03.hl7",
  "nhl7c__adt_a08__1.hl7",
  "msfhirconv__lab_oru_1.hl7",
  "lfh__vxu_v04__mixed_cr_lf.hl7",
  "v2tofhir__mdm_t02__1.hl7",
].map((n) => readFileSync(join(REPO, "samples", n)));
const mixedPath = join(tmp, "mixed.hl7");
const writeBytes = writeFileSync;
/** Each test stops by itself. */
const T = { timeout: 180_000 };

let browser;
let viewer; // the Node CLI's server: {url, origin, token, child}

/** Starts `pipehat view FILE --no-open` (argv) and reads the address it prints. */
function startCli(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no address from ${argv.join(" ")} in 20 s: ${out}`));
    }, 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = new URL(m[1]);
        resolve({ url: m[1], origin: url.origin, token: url.pathname.split("/")[1], child });
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => reject(new Error(`${argv.join(" ")} exited ${code}: ${out}`)));
  });
}

function stopCli(server) {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.once("exit", resolve);
    server.child.kill("SIGINT");
    setTimeout(() => server.child.kill("SIGKILL"), 5000).unref();
  });
}

/**
 * A page in a fresh context that records every request and refuses any
 * that is not one of the viewer's own files at `origin`.
 */
async function newPage(origin, prefix, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const requests = [];
  const refused = [];
  const allowed = new Set([...FILES, SERVE.open].map((f) => `${origin}${prefix}${f}`));
  allowed.add(`${origin}${prefix}`);
  await context.route("**/*", (route) => {
    const url = route.request().url().split("#")[0];
    requests.push(url);
    const part = url.startsWith(`${origin}${prefix}viewer/open/`) && /\/open\/\d+\.mjs$/.test(url);
    if (allowed.has(url) || part) return route.continue();
    refused.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("websocket", (w) => refused.push(w.url()));
  return { page, context, requests, refused, errors };
}

async function openViewer(server, { hash = true, ...options } = {}) {
  const p = await newPage(server.origin, `/${server.token}/`, options);
  const url = hash ? server.url : server.url.split("#")[0];
  p.response = await p.page.goto(url);
  await p.page.waitForSelector('html[data-opened="true"]');
  return p;
}

async function fullLoaded(page) {
  await page.evaluate(() => window.pipehatViewer.loadFull());
  await page.waitForSelector('html[data-full="loaded"]');
}

async function done(p) {
  assert.deepEqual(p.refused, [], "no request leaves the viewer's own files");
  assert.deepEqual(p.errors, [], "no error in the page");
  await p.context.close();
}

before(async () => {
  MIXED.forEach((bytes, i) => writeBytes(join(tmp, `m${i}.hl7`), bytes));
  writeBytes(mixedPath, Buffer.concat(MIXED.flatMap((b) => [b, Buffer.from("\r\n")])));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  viewer = await startCli([process.execPath, join(NPM, "bin/pipehat.mjs"), "view", mixedPath, "--no-open"]);
});

after(async () => {
  await stopCli(viewer);
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

if (SHOTS) {
  test("screenshots", T, async () => {
    mkdirSync(SHOTS, { recursive: true });
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    await page.evaluate(() => window.pipehatViewer.select(2));
    await page.evaluate(() => {
      const { selectNode } = window.pipehatViewer;
      selectNode({ ...document.querySelector('#tree [data-path="OBX[1]-3"]').descriptor, comp: 1 }, { focus: true });
    });
    await page.screenshot({ path: join(SHOTS, "message.png") });
    await page.selectOption("#theme", "dark");
    await page.screenshot({ path: join(SHOTS, "message-dark.png") });
    await page.selectOption("#theme", "light");
    await page.evaluate(() => window.pipehatViewer.select(0));
    await page.click("#tab-issues");
    await page.screenshot({ path: join(SHOTS, "issues.png") });
    await page.click("#tab-json");
    await page.screenshot({ path: join(SHOTS, "json.png") });
    await page.click("#tab-diff");
    await page.fill("#diff-with", "2");
    await page.click('#diff-form button[type="submit"]');
    await page.screenshot({ path: join(SHOTS, "diff.png") });
    await page.click("#tab-message");
    await page.fill("#filter", 'MSH-9.1 = "ADT"');
    await page.press("#filter", "Enter");
    await page.waitForFunction(() => document.getElementById("count").textContent.includes("match"));
    await page.screenshot({ path: join(SHOTS, "filter.png") });
    await done(p);
  });
} else {
  registerTests();
}

function registerTests() {
  test("npx pipehat view serves the page with its CSP, behind a token, to loopback names only", T, async () => {
    const p = await openViewer(viewer);
    const headers = p.response.headers();
    assert.equal(headers["content-security-policy"], SERVE.csp);
    assert.match(SERVE.csp, /default-src 'none'/);
    assert.doesNotMatch(SERVE.csp, /connect-src/);
    for (const [k, v] of Object.entries(SERVE.headers)) assert.equal(headers[k], v);
    const meta = await p.page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
    assert.equal(meta, SERVE.csp.replace(/; frame-ancestors 'none'$/, ""), "the meta tag is the header less frame-ancestors");
    // The page cannot send: fetch, XHR, WebSocket and beacons are refused by the CSP.
    const before = p.requests.length;
    const attempts = await p.page.evaluate(async () => {
      const seen = [];
      document.addEventListener("securitypolicyviolation", (e) => seen.push(e.violatedDirective));
      const fetched = await fetch(location.href).then(
        () => "sent",
        () => "refused",
      );
      const xhr = await new Promise((resolve) => {
        const x = new XMLHttpRequest();
        x.open("GET", location.href);
        x.onload = () => resolve("sent");
        x.onerror = () => resolve("refused");
        try {
          x.send();
        } catch {
          resolve("refused");
        }
      });
      const socket = await new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/`);
        ws.onopen = () => resolve("opened");
        ws.onerror = () => resolve("refused");
      });
      navigator.sendBeacon(location.href, "x");
      await new Promise((r) => setTimeout(r, 200));
      return { fetched, xhr, socket, seen };
    });
    assert.equal(attempts.fetched, "refused");
    assert.equal(attempts.xhr, "refused");
    assert.equal(attempts.socket, "refused");
    assert.ok(attempts.seen.filter((d) => d === "connect-src").length >= 4, `connect-src violations: ${attempts.seen}`);
    assert.equal(p.requests.length, before, "none of them reached the network");
    // Every request was one of files.json's, under the token.
    for (const url of p.requests) assert.ok(url.startsWith(`${viewer.origin}/${viewer.token}/`), url);
    await done(p);

    const status = (path, host) =>
      new Promise((resolve, reject) => {
        const u = new URL(viewer.url);
        const r = request({ host: u.hostname, port: u.port, path, headers: host ? { host } : {} }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        r.on("error", reject);
        r.end();
      });
    assert.equal(await status(`/${viewer.token}/viewer/index.html`), 200);
    assert.equal(await status(`/${viewer.token}/viewer/index.html`, "attacker.example:80"), 403);
    assert.equal(await status("/viewer/index.html"), 404, "no token, no page");
    assert.equal(await status(`/${viewer.token}/package.json`), 404, "only the page's files");
    assert.equal(await status(`/${viewer.token}/viewer/../package.json`), 404);
  });

  test("the given file's messages are listed with type, time and control id", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    const rows = await page.$$eval("#list [role=option]", (els) => els.map((e) => [...e.children].map((c) => c.textContent)));
    const expected = await page.evaluate(() => {
      const { api, state } = window.pipehatViewer;
      return state.messages.map((m, i) => {
        const msg = api.parse(m.bytes);
        const row = [String(i + 1), [msg.messageType, msg.triggerEvent].filter(Boolean).join("^"), msg.timestamp, msg.controlId];
        msg.free();
        return row;
      });
    });
    assert.equal(expected.length, MIXED.length);
    assert.equal(rows.length, MIXED.length);
    rows.forEach((row, i) => {
      assert.deepEqual([row[0], row[1], row[3]], [expected[i][0], expected[i][1], expected[i][3]]);
      assert.equal(row[2].replace(/\D/g, ""), expected[i][2].replace(/[^\d]/g, "").slice(0, row[2].replace(/\D/g, "").length));
    });
    assert.equal(await page.textContent("#count"), `${MIXED.length} messages`);
    await done(p);
  });

  test("the tree: every node's path reads its value through the API, with the dictionary's names", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    for (let i = 0; i < MIXED.length; i++) {
      const report = await page.evaluate((i) => {
        const { api, state, select } = window.pipehatViewer;
        select(i);
        // Expand everything: each item's children are built when it opens.
        for (;;) {
          const closed = document.querySelector('#tree [aria-expanded="false"]');
          if (!closed) break;
          const click = () => closed.querySelector(".node").dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
          click();
          if (closed.getAttribute("aria-expanded") === "false") click();
          if (closed.getAttribute("aria-expanded") === "false") throw new Error(`${closed.dataset.path} does not open`);
        }
        const m = state.message;
        const out = { checked: 0, named: 0, bad: [] };
        for (const li of document.querySelectorAll("#tree [role=treeitem]")) {
          const path = li.dataset.path;
          if (!path.includes("-")) continue;
          const shown = li.querySelector(":scope > .node > .val")?.textContent;
          const leaf = !li.hasAttribute("aria-expanded");
          if (leaf && shown !== undefined && shown.length < 150 && !/[\u2400-\u2421]/.test(shown)) {
            const want = m.get(path) ?? "";
            const isNull = shown === '"" (null)';
            if (!isNull && want !== shown) out.bad.push([path, shown, want]);
            out.checked++;
          }
          const name = li.querySelector(":scope > .node > .name")?.textContent;
          const key = path.replace(/\[\d+\]/, "").replace(/\(\d+\)/, "");
          let e;
          try {
            e = api.explain(key, state.version);
          } catch {
            e = undefined; // not a path the dictionary reads (a segment name it does not know)
          }
          if ((e?.name ?? undefined) !== name) out.bad.push([path, name, e?.name]);
          else if (name) out.named++;
        }
        return out;
      }, i);
      assert.deepEqual(report.bad, [], `message ${i + 1}`);
      assert.ok(report.checked > 20 && report.named > 20, `message ${i + 1}: ${JSON.stringify(report)}`);
    }
    await done(p);
  });

  test("clicking the text selects that element; the details show its path, name, datatype and value", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    await page.evaluate(() => window.pipehatViewer.select(0));
    // PID-5 of the first message: "ZZZ^ZZZ"; click its second component.
    const point = await page.evaluate(() => {
      const span = document.querySelector('#text .line[data-seg="2"] .f[data-field="5"]');
      const node = span.firstChild;
      const range = document.createRange();
      const at = node.data.indexOf("^") + 2;
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const r = range.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
    await page.mouse.click(point.x, point.y);
    assert.equal(await page.textContent("#selected-path"), "PID-5.2 Copy path");
    const details = await page.$$eval("#details dt", (d) => d.map((x) => [x.textContent, x.nextElementSibling.textContent]));
    const info = Object.fromEntries(details);
    const want = await page.evaluate(() => {
      const { api, state } = window.pipehatViewer;
      return { value: state.message.get("PID-5.2"), e: api.explain("PID-5.2", state.message.version) };
    });
    assert.equal(info.Name, want.e.name);
    assert.equal(info.Datatype, want.e.datatype);
    assert.equal(info.Value, want.value);
    assert.equal(await page.getAttribute('#tree [aria-selected="true"]', "data-path"), "PID-5.2");
    // The tree's selection is highlighted in the text.
    const highlighted = await page.evaluate(() => {
      const h = CSS.highlights.get("pipehat-selected");
      return [...h][0].toString();
    });
    assert.equal(highlighted, want.value);
    await done(p);
  });

  test("escapes show decoded with the raw form on hover; control characters and terminators are visible", T, async () => {
    const p = await openViewer(viewer, { hash: false });
    const { page } = p;
    await page.evaluate(() =>
      window.pipehatViewer.openText("MSH|^~\\&|A|B|||20240101||ADT^A01|X1|P|2.5\r\nPID|1||9^^^H||O\\T\\BRIEN^ANN\x07\r\n"),
    );
    await page.click('#tree [data-path="PID-5"] > .node');
    const v = page.locator('#tree [data-path="PID-5.1"] .val');
    assert.equal(await v.textContent(), "O&BRIEN");
    assert.equal(await v.getAttribute("title"), "As written: O\\T\\BRIEN");
    assert.equal(await page.textContent('#tree [data-path="PID-5.2"] .val'), "ANN\u2407");
    assert.equal(await page.getAttribute('#text .line[data-seg="1"] .np', "title"), "U+0007");
    assert.deepEqual(await page.$$eval("#text .term", (t) => t.map((x) => x.title)), [
      "Segment terminator: CR LF",
      "Segment terminator: CR LF",
    ]);
    assert.match(await page.textContent("#summary"), /terminator CR LF/);
    await done(p);
  });

  test("keyboard: the list, the tree and the tabs", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    await page.focus("#list");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => window.pipehatViewer.state.active), 1);
    assert.equal(await page.getAttribute("#list", "aria-activedescendant"), "msg-1");
    await page.keyboard.press("End");
    assert.equal(await page.evaluate(() => window.pipehatViewer.state.active), MIXED.length - 1);
    await page.keyboard.press("Home");
    assert.equal(await page.evaluate(() => window.pipehatViewer.state.active), 0);
    await page.focus('#tree [role=treeitem][tabindex="0"]');
    await page.keyboard.press("ArrowDown"); // MSH-1
    await page.keyboard.press("ArrowDown"); // MSH-2
    await page.keyboard.press("ArrowDown"); // MSH-3
    assert.equal(await page.evaluate(() => document.activeElement.dataset.path), "MSH-3");
    await page.keyboard.press("ArrowLeft"); // to the parent
    assert.equal(await page.evaluate(() => document.activeElement.dataset.path), "MSH");
    await page.keyboard.press("ArrowLeft"); // collapses MSH
    assert.equal(await page.getAttribute('#tree [data-path="MSH"]', "aria-expanded"), "false");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getAttribute('#tree [data-path="MSH"]', "aria-expanded"), "true");
    await page.focus("#tab-message");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getAttribute("#tab-issues", "aria-selected"), "true");
    assert.equal(await page.isHidden("#panel-message"), true);
    await page.keyboard.press("End");
    assert.equal(await page.getAttribute("#tab-diff", "aria-selected"), "true");
    await done(p);
  });

  test("issues: the parser's diagnostics and validation, then with a conformance profile", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    for (let i = 0; i < MIXED.length; i++) {
      await page.evaluate((i) => window.pipehatViewer.select(i), i);
      await page.click("#tab-issues");
      const shown = await page.$$eval("#issues tbody tr", (rows) => rows.map((r) => [r.cells[1].textContent, r.cells[4].textContent]));
      const want = await page.evaluate(() => {
        const { api, state } = window.pipehatViewer;
        const m = state.message;
        return [
          ...m.diagnostics.map((d) => [d.code, "parser"]),
          ...api.validate(m).issues.map((x) => [x.code, "validation"]),
        ];
      });
      assert.deepEqual(shown, want, `message ${i + 1}`);
    }
    const profile = {
      version: "2.5.1",
      segments: { PID: { fields: { 8: { values: ["F", "M", "U"] }, 19: { usage: "R" }, 3: { max: 1 } } } },
    };
    const file = join(tmp, "profile.json");
    writeBytes(file, Buffer.from(JSON.stringify(profile)));
    await page.evaluate(() => window.pipehatViewer.select(0));
    await page.setInputFiles("#profile-file", file);
    await page.waitForSelector("#profile-clear:not([hidden])");
    const codes = await page.$$eval("#issues tbody tr", (rows) => rows.map((r) => r.cells[1].textContent));
    const want = await page.evaluate((profile) => {
      const { api, state } = window.pipehatViewer;
      return [...state.message.diagnostics.map((d) => d.code), ...api.validate(state.message, { profile }).issues.map((x) => x.code)];
    }, profile);
    assert.deepEqual(codes, want);
    assert.ok(codes.length > 0);
    // A bad profile: its code and pointer, and the previous profile kept.
    writeBytes(file, Buffer.from('{"version": "2.5.1", "segments": {"PID": {"fields": {"8": {"colour": 1}}}}}'));
    await page.setInputFiles("#profile-file", file);
    await page.waitForFunction(() => document.getElementById("profile-error").textContent);
    assert.match(await page.textContent("#profile-error"), /unknown_key|invalid_profile/);
    // An issue's link selects its place in the message.
    const link = page.locator("#issues tbody button.link").first();
    const where = await link.textContent();
    await link.click();
    assert.equal(await page.getAttribute("#tab-message", "aria-selected"), "true");
    assert.ok(where.startsWith(await page.getAttribute('#tree [aria-selected="true"]', "data-path")));
    await done(p);
  });

  test("ACK, JSON and FHIR views equal the API's answers", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    for (let i = 0; i < MIXED.length; i++) {
      await page.evaluate((i) => window.pipehatViewer.select(i), i);
      await page.click("#tab-ack");
      const ackText = await page.$eval("#ack pre", (pre) =>
        [...pre.querySelectorAll(".line")].map((l) => [...l.childNodes].filter((n) => !n.classList?.contains("term")).map((n) => n.textContent).join("")).join("\r"),
      );
      const ackDiff = await page.evaluate((text) => {
        const { api, state } = window.pipehatViewer;
        const m = state.message;
        const want = m.ack({ errors: api.ackErrors(api.validate(m)) });
        return api.diff(text + "\r", want, { ignore: ["MSH-7", "MSH-10"] });
      }, ackText);
      assert.deepEqual(ackDiff, [], `message ${i + 1}: the ACK`);
      await page.click("#tab-json");
      for (const form of ["lossless", "friendly", "named"]) {
        await page.selectOption("#json-form", form);
        const shown = JSON.parse(await page.textContent("#json-out"));
        const want = await page.evaluate((form) => {
          const m = window.pipehatViewer.state.message;
          return form === "lossless" ? m.toLosslessJSON() : form === "friendly" ? m.toFriendlyJSON() : m.toNamedJSON(m.version);
        }, form);
        assert.deepEqual(shown, want, `message ${i + 1}: ${form} JSON`);
      }
      await page.selectOption("#json-form", "lossless");
      await page.click("#tab-fhir");
      const fhir = await page.textContent("#fhir-out");
      const want = await page.evaluate(() => {
        try {
          return window.pipehatViewer.state.message.toFHIR();
        } catch (e) {
          return { code: e.code };
        }
      });
      if (want.code) assert.match(await page.textContent("#fhir-report"), new RegExp(want.code));
      else assert.deepEqual(JSON.parse(fhir), want, `message ${i + 1}: FHIR`);
    }
    await done(p);
  });

  test("the de-identified view equals deidentify() under the key given, and reports counts", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    await page.evaluate(() => window.pipehatViewer.select(2));
    await page.click("#tab-deid");
    await page.fill("#deid-key", "a key of sixteen bytes or more");
    await page.click('#deid-form button[type="submit"]');
    const text = await page.$eval("#deid pre", (pre) =>
      [...pre.querySelectorAll(".line")].map((l) => [...l.childNodes].filter((n) => !n.classList?.contains("term")).map((n) => n.textContent).join("")),
    );
    const want = await page.evaluate(() => {
      const { api, state } = window.pipehatViewer;
      const d = new api.Deidentifier({ key: "a key of sixteen bytes or more" });
      const out = d.deidentify(state.message).toString();
      const report = d.report();
      d.free();
      return { lines: out.split(/\r\n|\r|\n/).filter(Boolean), changes: report.changes };
    });
    assert.deepEqual(text, want.lines);
    const rows = await page.$$eval("#deid tbody tr", (r) => r.map((x) => [...x.cells].map((c) => c.textContent)));
    assert.deepEqual(rows, want.changes.map((c) => [c.path, c.action, String(c.count)]));
    assert.ok(rows.length > 3);
    await page.fill("#deid-key", "short");
    await page.click('#deid-form button[type="submit"]');
    assert.match(await page.textContent("#deid-error"), /deid_key_too_short/);
    await done(p);
  });

  test("diff: another message of the list, or a pasted one", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    await page.click("#tab-diff");
    await page.fill("#diff-with", "2");
    await page.click('#diff-form button[type="submit"]');
    const rows = await page.$$eval("#diff tbody tr", (r) => r.map((x) => [x.cells[0].textContent, x.cells[1].textContent]));
    const want = await page.evaluate(() => {
      const { api, state } = window.pipehatViewer;
      return api.diff(state.message, state.messages[1].bytes, { ignore: ["MSH-7", "MSH-10"], details: true });
    });
    assert.deepEqual(rows, want.map((d) => [d.path, d.kind]));
    assert.ok(rows.length > 5);
    const pasted = MIXED[0].toString("latin1").replace("ZZZ^ZZZ", "DOE^JANE");
    await page.fill("#diff-with", "");
    await page.fill("#diff-text", pasted);
    await page.click('#diff-form button[type="submit"]');
    const one = await page.$$eval("#diff tbody tr", (r) => r.map((x) => [...x.cells].map((c) => c.textContent)));
    assert.deepEqual(one, [
      ["PID-5.1", "changed", "ZZZ", "DOE"],
      ["PID-5.2", "changed", "ZZZ", "JANE"],
    ]);
    // Both texts side by side, each difference highlighted where Message.locate puts it.
    const highlighted = await page.evaluate(() => [...CSS.highlights.get("pipehat-diff")].map((r) => r.toString()));
    assert.deepEqual(highlighted, ["ZZZ", "ZZZ", "DOE", "JANE"]);
    assert.equal(await page.locator("#diff .diff-texts pre").count(), 2);
    await page.fill("#diff-text", "");
    await page.fill("#diff-with", "99");
    await page.click('#diff-form button[type="submit"]');
    assert.match(await page.textContent("#diff-error"), /no message 99/);
    await done(p);
  });

  test("paste text, drop files, filter them", T, async () => {
    const p = await openViewer(viewer, { hash: false });
    const { page } = p;
    assert.equal(await page.isVisible("#empty"), true, "no file: the paste area");
    // Paste (a ClipboardEvent with the text) into the page.
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData("text/plain", text);
      document.getElementById("paste").dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, MIXED[1].toString("latin1").replace(/\r/g, "\n"));
    assert.equal(await page.textContent("#count"), "1 message");
    assert.match(await page.textContent("#summary"), /ADT\^A08/);
    // A batch file: its envelope segments and stray text are counted, not lost silently.
    await page.evaluate(() =>
      window.pipehatViewer.openText("FHS|^~\\&|A\rBHS|^~\\&|A\rMSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\rPID|1\rBTS|1\rFTS|1\rnot HL7\r"),
    );
    assert.equal(await page.textContent("#count"), "1 message (not listed: 4 batch envelope segments, 1 piece of text that is no message)");
    // Drop two files: every message of both.
    const dropped = [MIXED[0], Buffer.concat([MIXED[2], Buffer.from("\n"), MIXED[3]])].map((b) => b.toString("base64"));
    await page.evaluate((files) => {
      const data = new DataTransfer();
      files.forEach((b64, i) => data.items.add(new File([Uint8Array.fromBase64(b64)], `drop${i}.hl7`)));
      document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }, dropped);
    await page.waitForFunction(() => document.getElementById("count").textContent === "3 messages");
    assert.equal(await page.getAttribute("#msg-2", "title"), "drop1.hl7");
    // A filter: the rows it keeps are those Filter.scan() matches.
    await page.fill("#filter", 'MSH-9.1 = "ORU" or MSH-9.1 = "VXU"');
    await page.press("#filter", "Enter");
    await page.waitForFunction(() => document.getElementById("count").textContent.includes("match"));
    assert.equal(await page.textContent("#count"), "2 of 3 messages match");
    assert.deepEqual(await page.$$eval("#list [role=option]", (r) => r.map((x) => x.children[1].textContent)), ["ORU^R01", "VXU^V04"]);
    await page.fill("#filter", 'MSH-9.1 = = "ADT"');
    await page.press("#filter", "Enter");
    await page.waitForFunction(() => document.getElementById("filter-error").textContent);
    assert.match(await page.textContent("#filter-error"), /\(expected_value|unexpected_token/);
    assert.equal(await page.getAttribute("#filter", "aria-invalid"), "true");
    await page.fill("#filter", "");
    await page.press("#filter", "Enter");
    await page.waitForFunction(() => document.getElementById("count").textContent === "3 messages");
    // Opening files with the file picker.
    await page.setInputFiles("#open-files", [join(tmp, "m0.hl7"), join(tmp, "m4.hl7")]);
    await page.waitForFunction(() => document.getElementById("count").textContent === "2 messages");
    await done(p);
  });

  test("a 100,000-message file through pipehat view: handed over in parts, listed in a few rows, any message selectable", T, async () => {
    const parts = [];
    for (let i = 0; i < 100_000; i++) {
      const type = i % 3 ? "ADT^A08" : "ORU^R01";
      parts.push(`MSH|^~\\&|APP|FAC|||2024010112${String(i % 60).padStart(2, "0")}||${type}|C${i}|P|2.5.1\rPID|1||${i}^^^H||DOE^JO\r\n`);
    }
    const big = join(tmp, "100k.hl7");
    writeBytes(big, parts.join(""));
    assert.ok(readFileSync(big).length > 2 * SERVE.part, "several parts");
    const server = await startCli([process.execPath, join(NPM, "bin/pipehat.mjs"), "view", big, "--no-open"]);
    try {
      const p = await openViewer(server);
      const { page } = p;
      await fullLoaded(page);
      assert.equal(await page.textContent("#count"), "100,000 messages");
      const result = await page.evaluate(() => {
        const { select, state } = window.pipehatViewer;
        const rows = document.querySelectorAll("#list [role=option]").length;
        select(99_999);
        return { rows, active: state.active, id: state.message.controlId };
      });
      assert.ok(result.rows < 100, `${result.rows} rows in the DOM`);
      assert.deepEqual([result.active, result.id], [99_999, "C99999"]);
      assert.equal(
        await page.evaluate(() => new TextDecoder().decode(window.pipehatViewer.state.files[0].bytes)),
        parts.join(""),
        "the parts make the file again",
      );
      await page.fill("#filter", 'MSH-9.1 = "ORU"');
      await page.press("#filter", "Enter");
      await page.waitForFunction(() => document.getElementById("count").textContent.includes("match"), null, { timeout: 60_000 });
      assert.equal(await page.textContent("#count"), "33,334 of 100,000 messages match");
      await page.$eval("#list", (l) => (l.scrollTop = l.scrollHeight));
      await page.waitForFunction(() => document.querySelector("#list [aria-posinset='33334']"));
      await done(p);
    } finally {
      await stopCli(server);
    }
  });

  test("themes: light and dark, and no serious accessibility violation (axe-core) in either", T, async () => {
    const p = await openViewer(viewer);
    const { page } = p;
    await fullLoaded(page);
    await page.evaluate(AXE);
    const check = async (what) => {
      const found = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`);
      });
      assert.deepEqual(found, [], what);
    };
    const backgrounds = [];
    for (const theme of ["light", "dark"]) {
      await page.selectOption("#theme", theme);
      backgrounds.push(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
      await page.evaluate(() => window.pipehatViewer.select(2));
      await page.click('#tree [data-path="PID"] > .node');
      await check(`${theme}: message`);
      for (const tab of ["issues", "ack", "json", "fhir", "deid", "diff"]) {
        await page.click(`#tab-${tab}`);
        await check(`${theme}: ${tab}`);
      }
      await page.click("#tab-message");
    }
    assert.notEqual(backgrounds[0], backgrounds[1]);
    const empty = await openViewer(viewer, { hash: false, colorScheme: "dark" });
    await empty.page.evaluate(AXE);
    const found = await empty.page.evaluate(async () => (await window.axe.run()).violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id));
    assert.deepEqual(found, [], "the empty page, dark from the system");
    await done(empty);
    await done(p);
  });

  test("every corpus message, and each broken one of tests/mutations.jsonl, opens without an error in the page", T, async () => {
    const p = await openViewer(viewer, { hash: false });
    const { page } = p;
    await fullLoaded(page);
    const names = corpusNames;
    const mutations = readFileSync(join(REPO, "tests/mutations.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const broken = mutations.map((m) => Buffer.from(applyEdits(readFileSync(join(REPO, "tests/corpus", m.file)), m.edits)));
    const files = [...names.map((n) => corpus(n)), ...broken].map((b) => b.toString("base64"));
    const shown = await page.evaluate((files) => {
      const { open, showTab, state } = window.pipehatViewer;
      let seen = 0;
      for (const b64 of files) {
        open([{ name: "x.hl7", bytes: Uint8Array.fromBase64(b64) }]);
        for (let i = 0; i < state.messages.length; i++) {
          window.pipehatViewer.select(i);
          for (const tab of ["issues", "ack", "json", "fhir", "deid", "message"]) showTab(tab);
          seen++;
        }
      }
      return seen;
    }, files);
    assert.ok(shown >= names.length + broken.length / 2, `${shown} messages shown`);
    await done(p);
  });

  test("pipehat view --export: a static copy works with the meta CSP alone", T, async () => {
    const dir = join(tmp, "site");
    execFileSync(process.execPath, [join(NPM, "bin/pipehat.mjs"), "view", "--export", dir]);
    const types = SERVE.types;
    const server = createServer((req, res) => {
      const path = join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname));
      try {
        const body = readFileSync(path.endsWith("/") ? join(path, "index.html") : path);
        res.writeHead(200, { "content-type": types[extname(path)] ?? "text/html" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${server.address().port}`;
    const p = await newPage(origin, "/");
    await p.page.goto(`${origin}/`);
    await p.page.waitForSelector('html[data-opened="true"]');
    await p.page.fill("#paste", MIXED[0].toString("latin1"));
    await p.page.click("#paste-view");
    assert.equal(await p.page.textContent("#count"), "1 message");
    const fetched = await p.page.evaluate(() => fetch(location.href).then(() => "sent", () => "refused"));
    assert.equal(fetched, "refused");
    await done(p);
    server.close();
  });

  test("Python's pipehat view serves the same page and file", { ...T, skip: !process.env.PIPEHAT_PYTHON && "PIPEHAT_PYTHON not set" }, async () => {
    // The file in several parts: MIXED over and over.
    const copies = Math.ceil((2.5 * SERVE.part) / readFileSync(mixedPath).length);
    const many = join(tmp, "many.hl7");
    writeBytes(many, Buffer.concat(Array.from({ length: copies }, () => readFileSync(mixedPath))));
    const py = await startCli([process.env.PIPEHAT_PYTHON, "-m", "pipehat", "view", many, "--no-open"]);
    try {
      const p = await openViewer(py);
      assert.equal(p.response.headers()["content-security-policy"], SERVE.csp);
      assert.equal(await p.page.textContent("#count"), `${(copies * MIXED.length).toLocaleString("en")} messages`);
      const same = await p.page.evaluate((b64) => {
        const want = Uint8Array.fromBase64(b64);
        const got = window.pipehatViewer.state.files[0].bytes;
        return got.length === want.length && got.every((b, i) => b === want[i]);
      }, readFileSync(many).toString("base64"));
      assert.ok(same, "the parts make the file again");
      await fullLoaded(p.page);
      assert.match(await p.page.textContent("#summary"), /ADT\^A03/);
      await done(p);
    } finally {
      await stopCli(py);
    }
  });
}
