// The viewer page: every HL7 reading is the package's API (./pipehat.mjs);
// this file only lays out what the API answers. Paths, names, values,
// diagnostics, validation, ACKs, JSON, FHIR, de-identification and
// differences all come from pipehat; the page adds lists, trees and text.
import { api } from "./pipehat.mjs";

const { split, parse, Parser, Filter, diff, validate, ackErrors, Profile, explain, Deidentifier, load, DEFAULT_VERSION } =
  api;

const $ = (id) => document.getElementById(id);
const ROW = 28; // px, the message list's row height (viewer.css .row)
const SHOWN = 160; // characters of a value the tree shows before "…"
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

const state = {
  files: [], // {name, bytes}
  messages: [], // {file, offset, bytes}
  others: { envelopes: 0, stray: 0 }, // chunks that are not messages: FHS/BHS/BTS/FTS, text that is no message
  visible: null, // Int32Array of message indices the filter keeps, or null for all
  rows: new Map(), // message index -> {type, time, id} or {error}
  active: -1,
  activePosition: -1, // the active message's row in the (filtered) list, or -1
  message: null,
  version: DEFAULT_VERSION,
  versionNote: "",
  layout: null, // the active message's segments, fields and their text positions
  selected: null, // the selected element's descriptor
  full: false,
  profile: null,
  profileName: "",
  deidKey: randomKey(),
  tab: "message",
  dirty: new Set(),
  validated: null, // {message, profile, report}: what validation() last made
  names: new Map(), // dictionary answers for the message's version, by path without positions
};

const parser = new Parser();

// ---------------------------------------------------------------- loading

function randomKey() {
  const b = new Uint8Array(24);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Shows `files` ([{name, bytes}]): every message of each, in order. */
function open(files) {
  const messages = [];
  const others = { envelopes: 0, stray: 0 };
  files.forEach((f, file) => {
    for (const c of split(f.bytes)) {
      if (c.kind === "message") messages.push({ file, offset: c.offset, bytes: c.bytes });
      else if (c.kind === "unrecognized") others.stray++;
      else others.envelopes++;
    }
  });
  Object.assign(state, { files, messages, others, visible: null, rows: new Map(), active: -1, activePosition: -1 });
  $("filter").value = "";
  setFilterError("");
  $("empty").hidden = messages.length > 0;
  $("viewer").hidden = messages.length === 0;
  renderList();
  const what = `${messages.length.toLocaleString("en")} message${messages.length === 1 ? "" : "s"}`;
  const where = files.length === 1 ? files[0].name : `${files.length} files`;
  announce(messages.length ? `${what} in ${where}` : `No message found in ${where}`);
  if (messages.length) select(0);
  else showEmptyReason(files);
}

function showEmptyReason(files) {
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  $("count").textContent = total ? "No message found: the text has no MSH segment." : "No messages";
}

async function openFileList(list) {
  const files = [];
  for (const f of list) files.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
  if (files.length) open(files);
}

function openText(text, name = "pasted text") {
  // Pasted text arrives with the browser's line breaks: the parser reads \n and \r\n as terminators.
  open([{ name, bytes: new TextEncoder().encode(text) }]);
}

// ---------------------------------------------------------------- the message list

function rowInfo(i) {
  let info = state.rows.get(i);
  if (info) return info;
  try {
    const m = parser.parse(state.messages[i].bytes);
    info = {
      type: [m.messageType, m.triggerEvent].filter(Boolean).join("^"),
      time: m.timestamp ?? "",
      id: m.controlId ?? "",
    };
  } catch (e) {
    info = { error: e.code ?? "unreadable" };
  }
  if (state.rows.size > 5000) state.rows.clear();
  state.rows.set(i, info);
  return info;
}

const visibleCount = () => (state.visible ? state.visible.length : state.messages.length);
const messageAt = (position) => (state.visible ? state.visible[position] : position);
const positionOf = (index) => (state.visible ? state.visible.indexOf(index) : index);

function renderList() {
  const list = $("list");
  const n = visibleCount();
  $("list-sizer").style.height = `${n * ROW}px`;
  const total = state.messages.length;
  const { envelopes, stray } = state.others;
  const unlisted = [
    envelopes ? `${envelopes} batch envelope segment${envelopes === 1 ? "" : "s"}` : "",
    stray ? `${stray} piece${stray === 1 ? "" : "s"} of text that ${stray === 1 ? "is" : "are"} no message` : "",
  ].filter(Boolean);
  $("count").textContent =
    (state.visible === null
      ? `${total.toLocaleString("en")} message${total === 1 ? "" : "s"}`
      : `${n.toLocaleString("en")} of ${total.toLocaleString("en")} messages match`) +
    (unlisted.length ? ` (not listed: ${unlisted.join(", ")})` : "");
  list.setAttribute("aria-label", `Messages (${n.toLocaleString("en")})`);
  drawRows();
}

function drawRows() {
  const list = $("list");
  const sizer = $("list-sizer");
  const n = visibleCount();
  const first = Math.max(0, Math.floor(list.scrollTop / ROW) - 5);
  const last = Math.min(n, Math.ceil((list.scrollTop + list.clientHeight) / ROW) + 5);
  const rows = [];
  for (let p = first; p < last; p++) {
    const i = messageAt(p);
    const info = rowInfo(i);
    const row = document.createElement("div");
    row.className = "row";
    row.id = `msg-${i}`;
    row.setAttribute("role", "option");
    row.setAttribute("aria-posinset", String(p + 1));
    row.setAttribute("aria-setsize", String(n));
    row.setAttribute("aria-selected", String(i === state.active));
    row.dataset.index = String(i);
    row.style.transform = `translateY(${p * ROW}px)`;
    const cells = info.error
      ? [String(i + 1), "unreadable", info.error, ""]
      : [String(i + 1), info.type || "—", formatTime(info.time), info.id];
    for (const text of cells) {
      const cell = document.createElement("span");
      cell.textContent = text;
      row.append(cell);
    }
    if (info.error) row.classList.add("bad");
    if (state.files.length > 1) row.title = state.files[state.messages[i].file].name;
    rows.push(row);
  }
  sizer.replaceChildren(...rows);
  if (state.activePosition >= 0) list.setAttribute("aria-activedescendant", `msg-${state.active}`);
  else list.removeAttribute("aria-activedescendant");
}

/** "20240101120000" as "2024-01-01 12:00:00" (the text itself when it is not a plain timestamp). */
function formatTime(t) {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?/.exec(t);
  if (!m) return t;
  const time = [m[4], m[5], m[6]].filter(Boolean).join(":");
  return `${m[1]}-${m[2]}-${m[3]}${time ? ` ${time}` : ""}`;
}

function scrollToPosition(p) {
  const list = $("list");
  const top = p * ROW;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + ROW > list.scrollTop + list.clientHeight) list.scrollTop = top + ROW - list.clientHeight;
}

function moveInList(delta, absolute) {
  const n = visibleCount();
  if (!n) return;
  const current = state.activePosition;
  const page = Math.max(1, Math.floor($("list").clientHeight / ROW) - 1);
  let p = absolute ?? (current < 0 ? 0 : current + delta * (Math.abs(delta) === 2 ? page / 2 : 1));
  p = Math.max(0, Math.min(n - 1, Math.round(p)));
  scrollToPosition(p);
  select(messageAt(p));
}

// ---------------------------------------------------------------- filtering

function setFilterError(text) {
  $("filter-error").textContent = text;
  $("filter").setAttribute("aria-invalid", String(Boolean(text)));
}

async function applyFilter() {
  const expression = $("filter").value.trim();
  setFilterError("");
  if (!expression) {
    state.visible = null;
  } else {
    await loadFull();
    let filter;
    try {
      filter = new Filter(expression);
    } catch (e) {
      setFilterError(`${e.message}`);
      return;
    }
    try {
      const keep = [];
      let base = 0;
      state.files.forEach((f, file) => {
        const starts = new Map();
        for (let i = base; i < state.messages.length && state.messages[i].file === file; i++) {
          starts.set(state.messages[i].offset, i);
        }
        base += starts.size;
        for (const m of filter.scan(f.bytes).matched) {
          const i = starts.get(m.byteOffset - f.bytes.byteOffset);
          if (i !== undefined) keep.push(i);
        }
      });
      state.visible = Int32Array.from(keep);
    } finally {
      filter.free();
    }
  }
  state.activePosition = state.active >= 0 ? positionOf(state.active) : -1;
  $("list").scrollTop = 0;
  renderList();
  announce($("count").textContent);
  if (visibleCount() && state.activePosition < 0) select(messageAt(0));
}

// ---------------------------------------------------------------- the full module

let fullLoading;
function loadFull() {
  fullLoading ??= load().then(() => {
    state.full = true;
    document.documentElement.dataset.full = "loaded";
    if (state.message) {
      state.names = new Map();
      renderMessage();
    }
  });
  return fullLoading;
}

// ---------------------------------------------------------------- one message

/** Makes message `i` the one shown. */
function select(i) {
  if (i < 0 || i >= state.messages.length) return;
  state.message?.free();
  state.message = null;
  state.active = i;
  state.activePosition = positionOf(i);
  state.selected = null;
  drawRows();
  try {
    state.message = parse(state.messages[i].bytes);
  } catch (e) {
    $("summary").textContent = `Message ${i + 1} cannot be read: ${e.message}`;
    for (const id of ["tree", "text", "details", "issues", "ack", "json-out", "fhir-out", "fhir-report", "deid", "diff"]) {
      $(id).replaceChildren();
    }
    return;
  }
  chooseVersion();
  renderMessage();
}

function chooseVersion() {
  const declared = state.message.version;
  state.version = DEFAULT_VERSION;
  state.versionNote = declared ? "" : ` (no MSH-12: names of ${DEFAULT_VERSION})`;
  state.names = new Map();
  if (!declared || !state.full) {
    if (declared) state.version = declared;
    return;
  }
  try {
    explain("MSH-1", declared);
    state.version = declared;
  } catch {
    state.versionNote = ` (version ${declared} unknown: names of ${DEFAULT_VERSION})`;
  }
}

function renderMessage() {
  if (!state.message) return;
  if (state.full) chooseVersion();
  const m = state.message;
  const info = [
    `Message ${state.active + 1}`,
    [m.messageType, m.triggerEvent, m.messageStructure].filter(Boolean).join("^"),
    m.version ? `version ${m.version}` : "no version",
    m.controlId ? `control ID ${m.controlId}` : "",
    `${m.segments.length} segments`,
    `terminator ${TERMINATORS[m.segmentTerminator]?.name ?? "?"}`,
  ].filter(Boolean);
  $("summary").textContent = info.join(" · ") + state.versionNote;
  state.layout = layoutOf(m);
  renderTree();
  renderText();
  renderDetails();
  state.dirty = new Set(["issues", "ack", "json", "fhir", "deid", "diff"]);
  renderTab(state.tab);
}

const TERMINATORS = {
  "\r": { name: "CR", symbol: "CR" },
  "\n": { name: "LF", symbol: "LF" },
  "\r\n": { name: "CR LF", symbol: "CRLF" },
  "": { name: "none (end of message)", symbol: "" },
};

/**
 * The message as the API reads it: per segment its name, path, fields (the
 * API's Elements) and each field's start in the segment's text, which is
 * the name and the fields' raw texts joined by the field separator. Where
 * that join is not the segment's text, the segment is shown as its text
 * alone (`exact` false).
 */
function layoutOf(m) {
  const sep = m.delimiters.field;
  const counts = new Map();
  const segments = m.segments;
  for (const s of segments) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  const seen = new Map();
  const bytes = m.toBytes();
  return segments.map((s, k) => {
    const occurrence = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, occurrence);
    const path = counts.get(s.name) > 1 ? `${s.name}[${occurrence}]` : s.name;
    const text = s.toString();
    const fields = s.fields;
    const starts = [];
    let at = s.name.length;
    let joined = s.name;
    fields.forEach((f, j) => {
      // MSH-1 is the field separator itself, and MSH-2 follows it directly.
      if (!(s.name === "MSH" && j < 2)) {
        joined += sep;
        at += sep.length;
      }
      starts.push(at);
      joined += f.raw;
      at += f.raw.length;
    });
    const end = s.offset + new TextEncoder().encode(text).length;
    let terminator = "";
    if (bytes[end] === 13) terminator = bytes[end + 1] === 10 ? "\r\n" : "\r";
    else if (bytes[end] === 10) terminator = "\n";
    return { index: k, name: s.name, path, text, fields, starts, exact: joined === text, terminator, offset: s.offset };
  });
}

/** A descriptor's path: "PID-3(2).4.1", "OBX[2]-5". */
function pathOf(d) {
  const seg = state.layout[d.seg];
  let p = seg.path;
  if (d.field == null) return p;
  p += `-${d.field}`;
  if (d.rep != null) p += `(${d.rep + 1})`;
  if (d.comp != null) p += `.${d.comp + 1}`;
  if (d.sub != null) p += `.${d.sub + 1}`;
  return p;
}

/** The API's Element a descriptor stands for (undefined for a segment). */
function elementOf(d) {
  if (d.field == null) return undefined;
  let e = state.layout[d.seg].fields[d.field - 1];
  if (d.rep != null) e = e.repetitions[d.rep];
  if (d.comp != null) e = e.components[d.comp];
  if (d.sub != null) e = e.subcomponents[d.sub];
  return e;
}

/** Children of an element: repetitions of a repeated field, else components, else subcomponents. */
function childrenOf(d) {
  const seg = state.layout[d.seg];
  if (d.field == null) return seg.fields.map((_, j) => ({ ...d, field: j + 1 }));
  if (seg.name === "MSH" && d.field <= 2) return [];
  if (d.sub != null) return [];
  const e = elementOf(d);
  if (d.comp != null) {
    const subs = e.subcomponents;
    return subs.length > 1 ? subs.map((_, s) => ({ ...d, sub: s })) : [];
  }
  if (d.rep == null) {
    const reps = e.repetitions;
    if (reps.length > 1) return reps.map((_, r) => ({ ...d, rep: r }));
  }
  const comps = e.components;
  return comps.length > 1 ? comps.map((_, c) => ({ ...d, comp: c })) : [];
}

/**
 * Where a descriptor's text lies in its segment's text, as [start, end)
 * in characters: its field's start, then the raw texts of the
 * repetitions, components and subcomponents before it, each followed by
 * its one-character delimiter.
 */
function rangeOf(d) {
  const seg = state.layout[d.seg];
  if (d.field == null) return [0, seg.text.length];
  let start = seg.starts[d.field - 1];
  let e = seg.fields[d.field - 1];
  const skip = (list, n) => {
    for (let i = 0; i < n; i++) start += list[i].raw.length + 1;
    return list[n];
  };
  if (d.rep != null) e = skip(e.repetitions, d.rep);
  if (d.comp != null) e = skip(e.components, d.comp);
  if (d.sub != null) e = skip(e.subcomponents, d.sub);
  return [start, start + e.raw.length];
}

/** What the dictionary says of a descriptor in the message's version (full module), or null. */
function describe(d) {
  if (!state.full || d.field == null) return null;
  const seg = state.layout[d.seg];
  const key = `${seg.name}-${d.field}${d.comp != null ? `.${d.comp + 1}` : ""}${d.sub != null ? `.${d.sub + 1}` : ""}`;
  if (state.names.has(key)) return state.names.get(key);
  let e = null;
  try {
    e = explain(key, state.version) ?? null;
  } catch {
    e = null;
  }
  state.names.set(key, e);
  return e;
}

function shortValue(text) {
  const shown = text.length > SHOWN ? `${text.slice(0, SHOWN)}… (${text.length.toLocaleString("en")} characters)` : text;
  return shown.replace(CONTROL, (c) => controlPicture(c));
}

function controlPicture(c) {
  const code = c.charCodeAt(0);
  return code === 0x7f ? "␡" : String.fromCharCode(0x2400 + code);
}

// ---------------------------------------------------------------- the tree

const treeItems = new Map(); // path -> li

function renderTree() {
  treeItems.clear();
  const tree = $("tree");
  const items = state.layout.map((seg) => treeItem({ seg: seg.index }, 1));
  tree.replaceChildren(...items);
  const first = items[0];
  if (first) first.tabIndex = 0;
}

function isEmptyField(d) {
  const e = elementOf(d);
  return e.isEmpty && !e.isNull;
}

function treeItem(d, level) {
  const li = document.createElement("li");
  li.setAttribute("role", "treeitem");
  li.setAttribute("aria-level", String(level));
  li.tabIndex = -1;
  const path = pathOf(d);
  li.dataset.path = path;
  li.descriptor = d;
  treeItems.set(path, li);
  const row = document.createElement("span");
  row.className = "node";
  const key = document.createElement("span");
  key.className = "key";
  key.textContent = path;
  row.append(key);
  const e = elementOf(d);
  const info = describe(d);
  if (info) {
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = info.name;
    const dt = document.createElement("span");
    dt.className = "dt";
    dt.textContent = info.datatype;
    row.append(name, dt);
    row.title = hoverText(info);
  } else if (d.field == null) {
    const n = document.createElement("span");
    n.className = "name";
    n.textContent = `segment ${d.seg + 1}`;
    row.append(n);
  }
  if (e) {
    const value = document.createElement("span");
    value.className = "val";
    if (e.isNull) {
      value.textContent = '"" (null)';
      value.classList.add("null");
    } else {
      value.textContent = shortValue(e.value);
      if (e.raw !== e.value) {
        value.classList.add("escaped");
        value.title = `As written: ${shortValue(e.raw)}`;
      }
    }
    row.append(value);
  }
  li.append(row);
  const children = childrenOf(d);
  if (children.length) {
    const expanded = d.field == null;
    li.setAttribute("aria-expanded", String(expanded));
    if (expanded) li.append(groupOf(d, level));
  }
  if (d.field != null && d.rep == null && d.comp == null && isEmptyField(d)) li.classList.add("empty-field");
  return li;
}

function hoverText(info) {
  const parts = [info.datatype, info.optionality === "R" ? "required" : "optional"];
  if (info.repeatable) parts.push(info.maxRepetitions ? `repeats up to ${info.maxRepetitions}` : "repeatable");
  if (info.length) parts.push(`length ${info.length}`);
  if (info.table) parts.push(`table ${String(info.table).padStart(4, "0")}`);
  return `${info.name}: ${parts.join(", ")}`;
}

function groupOf(d, level) {
  const ul = document.createElement("ul");
  ul.setAttribute("role", "group");
  ul.append(...childrenOf(d).map((c) => treeItem(c, level + 1)));
  return ul;
}

function setExpanded(li, expanded) {
  if (!li.hasAttribute("aria-expanded")) return;
  li.setAttribute("aria-expanded", String(expanded));
  if (expanded && !li.querySelector(":scope > ul")) {
    li.append(groupOf(li.descriptor, Number(li.getAttribute("aria-level"))));
  }
}

/** The tree item of a descriptor, its ancestors expanded (built on the way). */
function reveal(d) {
  const chain = [{ seg: d.seg }];
  if (d.field != null) chain.push({ seg: d.seg, field: d.field });
  if (d.rep != null) chain.push({ seg: d.seg, field: d.field, rep: d.rep });
  if (d.comp != null) chain.push({ seg: d.seg, field: d.field, rep: d.rep, comp: d.comp });
  if (d.sub != null) chain.push(d);
  let li;
  for (const step of chain) {
    // Opening the parent builds its children.
    if (li) setExpanded(li, true);
    const next = treeItems.get(pathOf(normal(step)));
    if (!next) break;
    li = next;
    if (li.classList.contains("empty-field")) li.classList.add("revealed");
  }
  return li;
}

/** Drops the undefined keys a descriptor built by hand carries. */
function normal(d) {
  const out = { seg: d.seg };
  for (const k of ["field", "rep", "comp", "sub"]) if (d[k] != null) out[k] = d[k];
  return out;
}

function focusItem(li) {
  for (const other of $("tree").querySelectorAll('[role="treeitem"][tabindex="0"]')) other.tabIndex = -1;
  li.tabIndex = 0;
  li.focus();
}

function selectNode(d, { focus = false } = {}) {
  const li = reveal(d);
  for (const s of $("tree").querySelectorAll('[aria-selected="true"]')) s.removeAttribute("aria-selected");
  state.selected = d;
  if (li) {
    li.setAttribute("aria-selected", "true");
    if (focus) focusItem(li);
    else {
      for (const other of $("tree").querySelectorAll('[role="treeitem"][tabindex="0"]')) other.tabIndex = -1;
      li.tabIndex = 0;
    }
    li.querySelector(".node").scrollIntoView({ block: "nearest" });
  }
  highlight(d);
  renderDetails();
}

function visibleItems() {
  return [...$("tree").querySelectorAll('[role="treeitem"]')].filter(
    (li) => li.offsetParent !== null && !li.closest('[aria-expanded="false"] > ul'),
  );
}

function onTreeKey(event) {
  const li = event.target.closest('[role="treeitem"]');
  if (!li) return;
  const items = visibleItems();
  const i = items.indexOf(li);
  let next;
  switch (event.key) {
    case "ArrowDown":
      next = items[i + 1];
      break;
    case "ArrowUp":
      next = items[i - 1];
      break;
    case "Home":
      next = items[0];
      break;
    case "End":
      next = items[items.length - 1];
      break;
    case "ArrowRight":
      if (li.getAttribute("aria-expanded") === "false") setExpanded(li, true);
      else if (li.getAttribute("aria-expanded") === "true") next = li.querySelector(':scope > ul > [role="treeitem"]');
      break;
    case "ArrowLeft":
      if (li.getAttribute("aria-expanded") === "true") setExpanded(li, false);
      else next = li.parentElement.closest('[role="treeitem"]');
      break;
    case "Enter":
    case " ":
      selectNode(li.descriptor, { focus: true });
      break;
    default:
      return;
  }
  event.preventDefault();
  if (next) {
    focusItem(next);
    selectNode(next.descriptor, { focus: true });
  }
}

function onTreeClick(event) {
  const li = event.target.closest('[role="treeitem"]');
  if (!li) return;
  if (event.target.closest(".node") && li.hasAttribute("aria-expanded") && event.detail !== 0) {
    const expanded = li.getAttribute("aria-expanded") === "true";
    if (state.selected && pathOf(state.selected) === li.dataset.path) setExpanded(li, !expanded);
    else if (!expanded) setExpanded(li, true);
  }
  selectNode(li.descriptor, { focus: true });
}

// ---------------------------------------------------------------- the text

function renderText() {
  const text = $("text");
  const sep = state.message.delimiters.field;
  const lines = state.layout.map((seg) => {
    const line = document.createElement("div");
    line.className = "line";
    line.dataset.seg = String(seg.index);
    if (!seg.exact) {
      line.append(visible(seg.text));
    } else {
      const name = document.createElement("span");
      name.className = "sname";
      name.textContent = seg.name;
      line.append(name);
      seg.fields.forEach((f, j) => {
        const isMsh = seg.name === "MSH" && j < 2;
        if (!isMsh) {
          const s = document.createElement("span");
          s.className = "sep";
          s.textContent = sep;
          line.append(s);
        }
        const span = document.createElement("span");
        span.className = "f";
        span.dataset.field = String(j + 1);
        span.append(visible(f.raw));
        line.append(span);
      });
    }
    const t = TERMINATORS[seg.terminator];
    if (t.symbol) {
      const term = document.createElement("span");
      term.className = "term";
      term.textContent = t.symbol;
      term.title = `Segment terminator: ${t.name}`;
      line.append(term);
    }
    return line;
  });
  text.replaceChildren(...lines);
  markIssues();
}

/**
 * Text with control characters shown as their Unicode control pictures
 * (one UTF-16 unit for one, so positions stay the same), each in a span
 * that names it.
 */
function visible(raw) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of raw.matchAll(CONTROL)) {
    if (m.index > last) frag.append(raw.slice(last, m.index));
    const s = document.createElement("span");
    s.className = "np";
    s.textContent = controlPicture(m[0]);
    s.title = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    frag.append(s);
    last = m.index + m[0].length;
  }
  if (last < raw.length) frag.append(raw.slice(last));
  return frag;
}

/** The text node and offset at character `at` of a segment line's text. */
function pointIn(line, at) {
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement.classList.contains("term") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  let seen = 0;
  let node;
  let lastNode;
  while ((node = walker.nextNode())) {
    lastNode = node;
    if (at <= seen + node.length) return [node, at - seen];
    seen += node.length;
  }
  return lastNode ? [lastNode, lastNode.length] : [line, 0];
}

function highlight(d) {
  if (!globalThis.CSS?.highlights) return;
  CSS.highlights.delete("pipehat-selected");
  if (!d) return;
  const line = $("text").querySelector(`.line[data-seg="${d.seg}"]`);
  if (!line) return;
  const [start, end] = rangeOf(d);
  const range = new Range();
  range.setStart(...pointIn(line, start));
  range.setEnd(...pointIn(line, end));
  CSS.highlights.set("pipehat-selected", new Highlight(range));
  line.classList.add("current");
  for (const other of $("text").querySelectorAll(".line.current")) if (other !== line) other.classList.remove("current");
  line.scrollIntoView({ block: "nearest" });
}

/** The deepest element at character `at` of segment `k`'s text. */
function descriptorAt(k, at) {
  const seg = state.layout[k];
  let d = { seg: k };
  if (!seg.exact) return d;
  let field = 0;
  for (let j = 0; j < seg.fields.length; j++) if (seg.starts[j] <= at) field = j + 1;
  if (!field) return d;
  d = { seg: k, field };
  for (;;) {
    const kids = childrenOf(d);
    const hit = kids.find((c) => {
      const [s, e] = rangeOf(c);
      return at >= s && at <= e;
    });
    if (!hit) return d;
    d = hit;
  }
}

function onTextClick() {
  const sel = window.getSelection();
  if (!sel || !sel.isCollapsed || !sel.anchorNode) return;
  const line = sel.anchorNode.parentElement?.closest(".line") ?? sel.anchorNode.closest?.(".line");
  if (!line) return;
  const range = document.createRange();
  range.setStart(line, 0);
  range.setEnd(sel.anchorNode, sel.anchorOffset);
  const at = range.toString().length;
  selectNode(descriptorAt(Number(line.dataset.seg), at));
}

// ---------------------------------------------------------------- details

function renderDetails() {
  const box = $("details");
  const d = state.selected;
  if (!d) {
    box.replaceChildren(paragraph("Select a segment, field or component in the tree or the text to see its path, name and value."));
    return;
  }
  const path = pathOf(d);
  const e = elementOf(d);
  const info = describe(d);
  const rows = [["Path", path]];
  if (info) {
    rows.push(["Name", info.name], ["Datatype", info.datatype]);
    if (d.comp == null) rows.push(["Optionality", info.optionality === "R" ? "Required" : "Optional"]);
    if (d.comp == null) rows.push(["Repeatable", info.repeatable ? (info.maxRepetitions ? `up to ${info.maxRepetitions}` : "yes") : "no"]);
    if (info.length) rows.push(["Length", String(info.length)]);
    if (info.table) rows.push(["Table", `HL7${String(info.table).padStart(4, "0")}`]);
  } else if (d.field != null && state.full) {
    rows.push(["Name", `not defined in version ${state.version}`]);
  }
  if (e) {
    rows.push(["Value", e.isNull ? '"" (null)' : shortValue(e.value)]);
    if (e.raw !== e.value) rows.push(["As written", shortValue(e.raw)]);
    rows.push(["Byte offset", String(e.offset)]);
  } else {
    const seg = state.layout[d.seg];
    rows.push(["Fields", String(seg.fields.length)], ["Byte offset", String(seg.offset)]);
  }
  const dl = document.createElement("dl");
  for (const [k, v] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    if (k === "Path") {
      dd.id = "selected-path";
      const b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = "Copy path";
      b.addEventListener("click", () => copy(path));
      dd.append(" ", b);
    }
    if (k === "Value") dd.id = "selected-value";
    dl.append(dt, dd);
  }
  box.replaceChildren(dl);
}

/** A table with a caption (when given) and a header row of `headings`; rows go in `body`. */
function tableWith(className, headings, caption) {
  const table = document.createElement("table");
  table.className = className;
  if (caption) table.createCaption().textContent = caption;
  const head = table.createTHead().insertRow();
  for (const h of headings) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    head.append(th);
  }
  return { table, body: table.createTBody() };
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    announce("Copied");
  } catch {
    announce("The browser refused the clipboard; select the text instead");
  }
}

// ---------------------------------------------------------------- tabs

function showTab(name, { focus = false } = {}) {
  state.tab = name;
  for (const tab of $("tabs").querySelectorAll('[role="tab"]')) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    if (on && focus) tab.focus();
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
  renderTab(name);
}

async function renderTab(name) {
  if (!state.message || !state.dirty.has(name)) return;
  state.dirty.delete(name);
  const renderers = { issues: renderIssues, ack: renderAck, json: renderJson, fhir: renderFhir, deid: renderDeid, diff: renderDiff };
  const needsFull = name !== "json" || $("json-form").value === "named";
  if (needsFull && !state.full && name !== "ack") {
    $(`panel-${name}`).setAttribute("aria-busy", "true");
    await loadFull();
    $(`panel-${name}`).removeAttribute("aria-busy");
    return; // loadFull re-renders the message, which renders this tab
  }
  renderers[name]?.();
}

// ---------------------------------------------------------------- issues

/** The message's validation report (the full module), made once per message and profile. */
function validation() {
  if (!state.full) return null;
  const { message, profile } = state;
  if (state.validated?.message !== message || state.validated.profile !== profile) {
    let report;
    try {
      report = validate(message, profile ? { profile } : undefined);
    } catch (e) {
      report = { error: e };
    }
    state.validated = { message, profile, report };
  }
  return state.validated.report;
}

/** The descriptor of an issue's segment and field (its path's field number), for selecting it. */
function issueTarget(segment, field) {
  if (segment == null || !state.layout[segment]) return null;
  const seg = state.layout[segment];
  return field && field <= seg.fields.length ? { seg: segment, field } : { seg: segment };
}

function fieldOfPath(path) {
  const m = /-(\d+)/.exec(path);
  return m ? Number(m[1]) : null;
}

function allIssues() {
  const out = state.message.diagnostics.map((d) => ({
    source: "parser",
    severity: d.severity,
    code: d.code,
    where: d.segment != null ? pathOf(normal({ seg: d.segment, field: d.field ?? undefined })) : `line ${d.line}, column ${d.column}`,
    message: d.message,
    target: issueTarget(d.segment, d.field),
  }));
  const report = validation();
  if (report?.error) {
    out.push({ source: "validation", severity: "error", code: report.error.code, where: "", message: report.error.message, target: null });
  } else if (report) {
    for (const i of report.issues) {
      out.push({
        source: "validation",
        severity: i.severity,
        code: i.code,
        where: i.path,
        message: i.message,
        target: issueTarget(i.segment, fieldOfPath(i.path)),
      });
    }
  }
  return { issues: out, report };
}

function markIssues() {
  for (const el of $("text").querySelectorAll(".issue")) el.classList.remove("issue", "issue-error");
  const { issues } = allIssues();
  for (const i of issues) {
    if (!i.target) continue;
    const line = $("text").querySelector(`.line[data-seg="${i.target.seg}"]`);
    const el = i.target.field ? line?.querySelector(`.f[data-field="${i.target.field}"]`) : line;
    if (!el) continue;
    el.classList.add("issue");
    if (i.severity === "error") el.classList.add("issue-error");
    el.title = `${i.code}: ${i.message}`;
  }
  const errors = issues.filter((i) => i.severity === "error").length;
  $("tab-issues").textContent = issues.length ? `Issues (${issues.length}${errors ? `, ${errors} errors` : ""})` : "Issues";
  return issues;
}

function renderIssues() {
  const { issues, report } = allIssues();
  const box = $("issues");
  const parts = [];
  if (report && !report.error) {
    const what = state.profile ? `the profile ${state.profileName} and version ${report.version ?? "?"}` : `version ${report.version ?? "?"}`;
    parts.push(paragraph(`${report.valid ? "Valid" : "Not valid"} against ${what}${report.structure ? `, structure ${report.structure}` : ""}.`, report.valid ? "ok" : "bad"));
  }
  if (!issues.length) {
    parts.push(paragraph("No diagnostics and no validation issues."));
    box.replaceChildren(...parts);
    return;
  }
  const { table, body } = tableWith("issues", ["Severity", "Code", "Where", "What", "From"]);
  for (const i of issues) {
    const row = body.insertRow();
    row.className = i.severity;
    row.insertCell().textContent = i.severity;
    row.insertCell().textContent = i.code;
    const where = row.insertCell();
    if (i.target) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.textContent = i.where;
      b.addEventListener("click", () => {
        showTab("message");
        selectNode(i.target, { focus: true });
      });
      where.append(b);
    } else {
      where.textContent = i.where;
    }
    row.insertCell().textContent = i.message;
    row.insertCell().textContent = i.source;
  }
  parts.push(table);
  box.replaceChildren(...parts);
}

async function loadProfile(file) {
  $("profile-error").textContent = "";
  await loadFull();
  const text = await file.text();
  let profile;
  try {
    profile = new Profile(text);
  } catch (e) {
    $("profile-error").textContent = e.message;
    return;
  }
  state.profile?.free();
  state.profile = profile;
  state.profileName = file.name;
  $("profile-name").textContent = `Profile: ${file.name}`;
  $("profile-clear").hidden = false;
  refreshIssues();
}

function refreshIssues() {
  markIssues();
  state.dirty.add("issues");
  state.dirty.add("ack");
  renderTab(state.tab);
}

// ---------------------------------------------------------------- ACK, JSON, FHIR

function textBlock(text, label) {
  const pre = document.createElement("pre");
  pre.className = "code hl7-block";
  pre.tabIndex = 0;
  pre.setAttribute("aria-label", label);
  const lines = text.split(/(\r\n|\r|\n)/);
  let start = 0;
  for (let i = 0; i < lines.length; i += 2) {
    const line = document.createElement("div");
    line.className = "line";
    // Where the line starts in `text` (terminators count, though shown as marks).
    line.dataset.start = String(start);
    line.dataset.length = String(lines[i].length);
    start += lines[i].length + (lines[i + 1] ?? "").length;
    line.append(visible(lines[i]));
    const t = TERMINATORS[lines[i + 1] ?? ""];
    if (t?.symbol) {
      const term = document.createElement("span");
      term.className = "term";
      term.textContent = t.symbol;
      term.title = `Segment terminator: ${t.name}`;
      line.append(term);
    }
    if (lines[i] || t?.symbol) pre.append(line);
  }
  return pre;
}

function renderAck() {
  const report = $("ack-validation").checked ? validation() : null;
  const errors = report && !report.error ? ackErrors(report) : [];
  let ack;
  try {
    ack = state.message.ack({ errors });
  } catch (e) {
    $("ack").replaceChildren(paragraph(e.message, "error"));
    return;
  }
  const note = `MSA-1 ${ack.get("MSA-1") ?? ""}: ${errors.length} validation issue${errors.length === 1 ? "" : "s"} and the parser's diagnostics as ERR segments. MSH-7 and MSH-10 are made anew each time.`;
  $("ack").replaceChildren(paragraph(note), textBlock(ack.toString(), "ACK"));
  ack.free();
}

function renderJson() {
  const form = $("json-form").value;
  const m = state.message;
  let value;
  try {
    value = form === "lossless" ? m.toLosslessJSON() : form === "friendly" ? m.toFriendlyJSON() : m.toNamedJSON(state.version);
  } catch (e) {
    $("json-out").textContent = e.message;
    return;
  }
  $("json-out").textContent = JSON.stringify(value, null, 2);
}

function renderFhir() {
  let result;
  try {
    result = state.message.toFHIR({ report: true });
  } catch (e) {
    $("fhir-report").replaceChildren(paragraph(`No FHIR Bundle: ${e.message}`, "error"));
    $("fhir-out").textContent = "";
    return;
  }
  const { bundle, report } = result;
  const types = new Map();
  for (const e of bundle.entry) types.set(e.resource.resourceType, (types.get(e.resource.resourceType) ?? 0) + 1);
  const list = [...types].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(", ");
  const parts = [paragraph(`A ${bundle.type} Bundle of ${bundle.entry.length} resources (${list}) by the v2-to-FHIR maps for ${report.structure}.`)];
  const left = [
    ["Segments without a map", report.unmapped_segments],
    ["Fields without a map", report.unmapped_fields],
    ["Values that are not valid", report.invalid_values],
    ["Codes without a mapping", report.unknown_codes.map((c) => `${c.field} (${c.vocabulary})`)],
    ["Resources left out", report.dropped.map((d) => `${d.resource}: no ${d.missing}`)],
  ].filter(([, items]) => items.length);
  if (left.length) {
    const dl = document.createElement("dl");
    for (const [k, items] of left) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = items.join(", ");
      dl.append(dt, dd);
    }
    parts.push(dl);
  }
  $("fhir-report").replaceChildren(...parts);
  $("fhir-out").textContent = JSON.stringify(bundle, null, 2);
}

// ---------------------------------------------------------------- de-identified

function renderDeid() {
  $("deid-error").textContent = "";
  const key = $("deid-key").value || state.deidKey;
  const policy = $("deid-policy").value.trim() || undefined;
  let d;
  try {
    d = new Deidentifier({ key, policy });
  } catch (e) {
    $("deid-error").textContent = e.message;
    $("deid").replaceChildren();
    return;
  }
  try {
    const out = d.deidentify(state.message);
    const report = d.report();
    const changed = diff(state.message, out, { details: true });
    const { table, body } = tableWith("report", ["Path", "Action", "Count"], "What the policy changed (counts, never values)");
    for (const c of report.changes) {
      const row = body.insertRow();
      row.insertCell().textContent = c.path;
      row.insertCell().textContent = c.action;
      row.insertCell().textContent = String(c.count);
    }
    const note = paragraph(
      `${changed.length} path${changed.length === 1 ? "" : "s"} differ from the original. ${
        $("deid-key").value ? "Your key" : "A random key made for this page"
      }; the policy is ${policy ? "yours" : "safe-harbor"}.`,
    );
    $("deid").replaceChildren(note, textBlock(out.toString(), "De-identified message"), table);
    out.free();
  } catch (e) {
    $("deid-error").textContent = e.message;
  } finally {
    d.free();
  }
}

// ---------------------------------------------------------------- diff

function renderDiff() {
  $("diff-error").textContent = "";
  globalThis.CSS?.highlights?.delete("pipehat-diff");
  const number = $("diff-with").value;
  const text = $("diff-text").value;
  if (!number && !text.trim()) {
    $("diff").replaceChildren(paragraph("Give another message's number in the list, or paste a message, then Compare."));
    return;
  }
  let other;
  try {
    if (text.trim()) other = parse(text);
    else {
      const n = Number(number);
      if (!Number.isInteger(n) || n < 1 || n > state.messages.length) {
        $("diff-error").textContent = `There is no message ${number}: the list has 1 to ${state.messages.length}.`;
        return;
      }
      other = parse(state.messages[n - 1].bytes);
    }
  } catch (e) {
    $("diff-error").textContent = e.message;
    return;
  }
  try {
    const ignore = $("diff-ignore").value.split(/[\s,]+/).filter(Boolean);
    let changes;
    try {
      changes = diff(state.message, other, { ignore, details: true });
    } catch (e) {
      $("diff-error").textContent = e.message;
      return;
    }
    const label = text.trim() ? "the pasted message" : `message ${number}`;
    if (!changes.length) {
      $("diff").replaceChildren(paragraph(`No difference from ${label}${ignore.length ? ` (ignoring ${ignore.join(", ")})` : ""}.`));
      return;
    }
    const { table, body } = tableWith(
      "diff",
      ["Path", "Change", `Message ${state.active + 1}`, label],
      `${changes.length} difference${changes.length === 1 ? "" : "s"} from ${label}`,
    );
    for (const c of changes) {
      const row = body.insertRow();
      row.className = c.kind;
      row.insertCell().textContent = c.path;
      row.insertCell().textContent = c.kind;
      row.insertCell().textContent = shortValue(valueAt(state.message, c.path));
      row.insertCell().textContent = shortValue(valueAt(other, c.path));
    }
    // Both messages side by side, each difference highlighted where it lies.
    const mine = textBlock(state.message.toString(), `Message ${state.active + 1}, differences highlighted`);
    const theirs = textBlock(other.toString(), `${label}, differences highlighted`);
    const sides = document.createElement("div");
    sides.className = "split diff-texts";
    sides.append(mine, theirs);
    $("diff").replaceChildren(sides, table);
    if (globalThis.CSS?.highlights) {
      const paths = changes.map((c) => c.path);
      CSS.highlights.set("pipehat-diff", new Highlight(...rangesIn(mine, state.message, paths), ...rangesIn(theirs, other, paths)));
    }
  } finally {
    other.free();
  }
}

/**
 * The text ranges of `paths` in a text block of message `m` (textBlock of
 * m.toString()): each path's bytes (Message.locate) as characters, cut
 * line by line. Paths that locate nothing there (an added or removed
 * segment, a path only the other message has) give none.
 */
function rangesIn(pre, m, paths) {
  const chars = byteToChar(m);
  const lines = [...pre.querySelectorAll(".line")];
  const ranges = [];
  for (const path of paths) {
    let at;
    try {
      at = m.locate(path);
    } catch {
      at = undefined; // a segment alone ("NK1[2]") is no value path
    }
    if (!at) continue;
    const from = chars(at.offset);
    const to = chars(at.offset + Math.max(at.length, 1));
    for (const line of lines) {
      const start = Number(line.dataset.start);
      const end = start + Number(line.dataset.length);
      if (end < from || start >= to) continue;
      const range = new Range();
      range.setStart(...pointIn(line, Math.max(0, from - start)));
      range.setEnd(...pointIn(line, Math.min(end, to) - start));
      ranges.push(range);
    }
  }
  return ranges;
}

/**
 * Byte offsets of `m` as character positions in m.toString(): the same where
 * every character is one byte; else (UTF-8) a table made in one pass.
 */
function byteToChar(m) {
  const text = m.toString();
  const size = m.toBytes().length;
  if (size === text.length) return (n) => n;
  const table = new Uint32Array(size + 1);
  let at = 0;
  let char = 0;
  for (const c of text) {
    const code = c.codePointAt(0);
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width && at < size; k++) table[at++] = char;
    char += c.length;
  }
  table.fill(char, at);
  return (n) => table[Math.min(n, size)];
}

/** A difference's value in a message: a path's raw text, or a segment's text. */
function valueAt(m, path) {
  try {
    if (!path.includes("-")) {
      const named = /^([A-Z0-9]{3})(?:\[(\d+)\])?$/.exec(path);
      if (!named) return "";
      return m.segmentsNamed(named[1])[Number(named[2] ?? 1) - 1]?.toString() ?? "";
    }
    return m.getRaw(path) ?? "";
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------- page

function announce(text) {
  $("status").textContent = text;
}

function applyTheme(value) {
  if (value === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = value;
  try {
    localStorage.setItem("pipehat-viewer-theme", value);
  } catch {
    // storage refused (private mode): the choice lasts this page
  }
}

function wire() {
  // Each input is emptied once read, so that choosing the same file again (edited since) reads it again.
  $("open-files").addEventListener("change", async (e) => {
    await openFileList([...e.target.files]);
    e.target.value = "";
  });
  $("paste-view").addEventListener("click", () => openText($("paste").value));
  $("paste").addEventListener("paste", (e) => {
    const text = e.clipboardData?.getData("text");
    if (text) {
      e.preventDefault();
      openText(text);
    }
  });
  document.addEventListener("paste", (e) => {
    if (e.target.closest?.("input, textarea")) return;
    const text = e.clipboardData?.getData("text");
    if (text) openText(text);
  });
  let dragDepth = 0;
  document.addEventListener("dragenter", (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes("Files")) return;
    dragDepth++;
    $("drop").hidden = false;
  });
  document.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) $("drop").hidden = true;
  });
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    dragDepth = 0;
    $("drop").hidden = true;
    if (e.dataTransfer?.files?.length) openFileList(e.dataTransfer.files);
  });

  const list = $("list");
  let frame = 0;
  list.addEventListener("scroll", () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(drawRows);
  });
  list.addEventListener("click", (e) => {
    const row = e.target.closest('[role="option"]');
    if (row) select(Number(row.dataset.index));
  });
  list.addEventListener("keydown", (e) => {
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 2, PageUp: -2 };
    if (e.key in moves) moveInList(moves[e.key]);
    else if (e.key === "Home") moveInList(0, 0);
    else if (e.key === "End") moveInList(0, visibleCount() - 1);
    else return;
    e.preventDefault();
  });
  new ResizeObserver(() => drawRows()).observe(list);

  $("filter-form").addEventListener("submit", (e) => {
    e.preventDefault();
    applyFilter();
  });
  $("filter").addEventListener("search", () => {
    if (!$("filter").value) applyFilter();
  });

  $("tree").addEventListener("keydown", onTreeKey);
  $("tree").addEventListener("click", onTreeClick);
  $("text").addEventListener("click", onTextClick);
  $("show-empty").addEventListener("change", (e) => $("tree").classList.toggle("show-empty", e.target.checked));

  const tabs = [...$("tabs").querySelectorAll('[role="tab"]')];
  for (const tab of tabs) tab.addEventListener("click", () => showTab(tab.id.slice(4)));
  $("tabs").addEventListener("keydown", (e) => {
    const i = tabs.indexOf(e.target);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    showTab(tabs[(to + tabs.length) % tabs.length].id.slice(4), { focus: true });
  });

  $("profile-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (file) await loadProfile(file);
  });
  $("profile-clear").addEventListener("click", () => {
    state.profile?.free();
    state.profile = null;
    $("profile-name").textContent = "No profile: the standard for the message's version.";
    $("profile-clear").hidden = true;
    refreshIssues();
  });
  $("ack-validation").addEventListener("change", () => {
    state.dirty.add("ack");
    renderTab("ack");
  });
  $("json-form").addEventListener("change", () => {
    state.dirty.add("json");
    renderTab("json");
  });
  $("deid-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.dirty.add("deid");
    renderTab("deid");
  });
  $("diff-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.dirty.add("diff");
    renderTab("diff");
  });
  for (const b of document.querySelectorAll("button[data-copy]")) {
    b.addEventListener("click", () => copy($(b.dataset.copy).textContent));
  }

  let theme = "auto";
  try {
    theme = localStorage.getItem("pipehat-viewer-theme") ?? "auto";
  } catch {
    // no storage: the system's theme
  }
  $("theme").value = theme;
  applyTheme(theme);
  $("theme").addEventListener("change", (e) => applyTheme(e.target.value));

  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && !e.target.closest?.("input, textarea, select")) {
      e.preventDefault();
      $("filter").focus();
    }
  });
}

const decode = (b64) =>
  typeof Uint8Array.fromBase64 === "function"
    ? Uint8Array.fromBase64(b64)
    : Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/**
 * A file the local server (pipehat view FILE) hands over, when the address
 * asks for it: ./open.mjs says its name, size and parts, and ./open/N.mjs
 * holds part N in base64, loaded in parallel.
 */
async function openGiven() {
  if (location.hash !== "#open") return;
  const { default: given } = await import("./open.mjs");
  if (!given) return;
  const bytes = new Uint8Array(given.size);
  await Promise.all(
    Array.from({ length: given.parts }, async (_, i) => {
      const { default: part } = await import(`./open/${i}.mjs`);
      bytes.set(decode(part), i * given.part);
    }),
  );
  performance.mark("pipehat-viewer-file-read");
  open([{ name: given.name, bytes }]);
  performance.mark("pipehat-viewer-file-listed");
}

wire();
performance.mark("pipehat-viewer-interactive");
document.documentElement.dataset.ready = "core";
// For tests and benchmarks: the page's state and its entry points, and the API it uses.
window.pipehatViewer = { api, state, open, openText, select, selectNode, pathOf, loadFull, applyFilter, showTab };
try {
  await openGiven();
} catch {
  $("count").textContent = "The file could not be read from the local server: restart pipehat view.";
}
document.documentElement.dataset.opened = "true";
loadFull();
