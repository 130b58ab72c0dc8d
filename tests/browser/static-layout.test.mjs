// The shape of the web clients' code under static/, read from the files alone (no browser,
// no server): every script stays short enough to read in one sitting, and the ES modules
// import each other without a loop. A loop makes which module runs first depend on which
// page imported what first, so a module can meet another's names still uninitialized.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const staticDir = join(root, "static");
const MAX_LINES = 400;
// Not code we write or read as code: vendored libraries (Leaflet, minified); the English
// dictionary, a flat list of Japanese → English pairs that grows with every text the pages
// show; and the domain's lists, written from the Rust code (functions/core/src/lists.rs).
const EXEMPT = [/^vendor\//, /^lang\/en\.js$/, /^lang\/vocabulary\.js$/];

function scripts(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return scripts(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

const files = scripts(staticDir)
  .map((path) => relative(staticDir, path).split("\\").join("/"))
  .filter((name) => !EXEMPT.some((re) => re.test(name)))
  .sort();

test("no script under static/ is over " + MAX_LINES + " lines", () => {
  const long = files
    .map((name) => ({ name, lines: readFileSync(join(staticDir, name), "utf8").split("\n").length - 1 }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => "static/" + f.name + ": " + f.lines + " lines");
  assert.deepEqual(long, [], "split these into one module per view or job:\n" + long.join("\n"));
});

// Static imports and re-exports with a relative specifier ("./x.js", "../lib/x.js"); a
// dynamic import() runs later and can not take part in a loop at load time.
const IMPORT = /^\s*(?:import|export)\s[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gms;

function importsOf(name) {
  const text = readFileSync(join(staticDir, name), "utf8");
  const found = new Set();
  for (const match of text.matchAll(IMPORT)) {
    const target = relative(staticDir, resolve(dirname(join(staticDir, name)), match[1] || match[2])).split("\\").join("/");
    found.add(target);
  }
  return [...found].sort();
}

// Every elementary loop would be too many to read: one loop per strongly connected group
// (Tarjan), found by a walk inside the group, is enough to show where to cut.
function cycles(graph) {
  let index = 0;
  const indices = new Map(), low = new Map(), onStack = new Set(), stack = [], groups = [];
  function connect(v) {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) || []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), indices.get(w)));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const group = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); group.push(w); } while (w !== v);
      const self = (graph.get(v) || []).includes(v);
      if (group.length > 1 || self) groups.push(group.sort());
    }
  }
  for (const v of graph.keys()) if (!indices.has(v)) connect(v);
  return groups.map((group) => {
    const members = new Set(group);
    const path = [group[0]];
    const seen = new Set(path);
    for (;;) {
      const next = (graph.get(path[path.length - 1]) || []).filter((w) => members.has(w));
      const back = next.find((w) => seen.has(w));
      if (back) return { group, loop: path.slice(path.indexOf(back)).concat(back) };
      path.push(next[0]);
      seen.add(next[0]);
    }
  });
}

test("the ES modules under static/ import each other without a loop", () => {
  const graph = new Map(files.map((name) => [name, importsOf(name)]));
  const found = cycles(graph);
  const report = found.map(({ group, loop }) =>
    "loop: " + loop.map((n) => "static/" + n).join(" → ") + "\n  (" + group.length + " modules tied: " + group.join(", ") + ")");
  assert.deepEqual(report, [], "move what both sides need into a module that imports neither:\n" + report.join("\n"));
});

// The supporter's page must open with no signal: every script it loads, and every module
// those import, is in its service worker's offline shell.
test("the supporter's offline shell holds every script its page loads", () => {
  const page = readFileSync(join(staticDir, "disaster/index.html"), "utf8");
  const worker = readFileSync(join(staticDir, "disaster/sw.js"), "utf8");
  const shell = new Set([...worker.matchAll(/"(\/app\/[^"]+)"/g)].map((m) => m[1]));
  const loaded = new Set();
  const visit = (name) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    if (name.endsWith(".js")) importsOf(name).forEach(visit);
  };
  for (const m of page.matchAll(/<script[^>]*\ssrc="\/app\/([^"]+)"/g)) visit(m[1]);
  const missing = [...loaded].map((name) => "/app/" + name).filter((url) => !shell.has(url));
  assert.ok(loaded.size > 1, "no scripts found in static/disaster/index.html");
  assert.deepEqual(missing, [], "add these to SHELL in static/disaster/sw.js (and bump CACHE):\n" + missing.join("\n"));
});
