// Every JavaScript example in README.md, npm/README.md and docs/*.md runs in Node, from the
// repository root (so that samples/ is at hand), importing the package as a
// user does ("pipehat"): each is written to a module inside the package and
// imported.
import { test } from "node:test";
import { readFileSync, readdirSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const scratch = fileURLToPath(new URL("./.examples/", import.meta.url));
const pages = ["README.md", "npm/README.md", ...readdirSync(root + "docs").filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
for (const page of pages) {
  const text = readFileSync(root + page, "utf8");
  for (const m of text.matchAll(/^```js\n([\s\S]*?)^```/gm)) {
    const line = text.slice(0, m.index).split("\n").length;
    const name = `${page.replace(/[/.]/g, "_")}_${line}.mjs`;
    writeFileSync(scratch + name, m[1]);
    test(`example ${page}:${line}`, async () => {
      const cwd = process.cwd();
      process.chdir(root);
      try {
        await import(pathToFileURL(scratch + name).href);
      } finally {
        process.chdir(cwd);
      }
    });
  }
}
