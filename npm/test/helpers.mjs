import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const TESTS = fileURLToPath(new URL("../../tests/", import.meta.url));
export const CORPUS = TESTS + "corpus/";

export function readJsonl(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

const cache = new Map();
export function corpusBytes(rel) {
  if (!cache.has(rel)) cache.set(rel, new Uint8Array(readFileSync(CORPUS + rel)));
  return cache.get(rel);
}

