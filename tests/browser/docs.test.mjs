// The documents a newcomer reads: the README stays short (350 lines at most), and every
// relative link in the README, ARCHITECTURE.md and docs/*.md (Markdown links and images,
// and HTML src/href) points at a file that exists, so pages and pictures render on GitHub.
// A link to a heading (file.md#heading) must name a heading of that file, and every
// repository path they name as code exists. No browser.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const documents = [
  "README.md",
  "ARCHITECTURE.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];

// Text outside fenced code blocks and inline code, where a link is a link.
function prose(text) {
  return text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

// Every link target: [text](target), ![alt](target), <img src="target">, <a href="target">.
function links(text) {
  const found = [];
  for (const m of prose(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push(m[1]);
  for (const m of prose(text).matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"/g)) found.push(m[1]);
  return found;
}

// GitHub's anchors: headings lower-cased, punctuation dropped, spaces as hyphens.
function anchors(text) {
  const slugs = new Set();
  for (const m of text.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = m[1]
      .replace(/`/g, "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    let unique = slug;
    for (let n = 1; slugs.has(unique); n++) unique = `${slug}-${n}`;
    slugs.add(unique);
  }
  return slugs;
}

test("the README is 350 lines or fewer", () => {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  assert.ok(lines.length <= 350, `README.md has ${lines.length} lines; move the rest to docs/`);
});

test("every relative link of the README, ARCHITECTURE.md and docs/ points at a file that exists", () => {
  const broken = [];
  for (const doc of documents) {
    const text = readFileSync(join(root, doc), "utf8");
    for (const target of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // http:, mailto:…
      const [path, anchor] = target.split("#");
      const file = path === "" ? join(root, doc) : resolve(root, dirname(doc), decodeURI(path));
      if (!file.startsWith(root + "/") || !existsSync(file)) {
        broken.push(`${doc}: ${target} (no ${relative(root, file)})`);
        continue;
      }
      if (anchor && file.endsWith(".md") && statSync(file).isFile()) {
        const heading = decodeURIComponent(anchor).toLowerCase();
        if (!anchors(readFileSync(file, "utf8")).has(heading)) broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

// Paths a document names as code (`functions/core/src/geo.rs`): files move, and the map must
// move with them. Patterns (`static/care/<view>.js`, `schema/*/…`) and what a run makes are
// not checked.
const GENERATED = ["tests/.venv", "tests/output", "tests/node_modules", "target"];
test("every repository path the documents name exists", () => {
  const missing = [];
  for (const doc of documents) {
    for (const m of readFileSync(join(root, doc), "utf8").matchAll(/`([^`\s]+)`/g)) {
      const path = m[1].replace(/[.,:;]$/, "");
      if (!/^(functions|schema|static|tests|edge-config|docs|\.ci)\/|^(spin|Cargo)\.toml$/.test(path)) continue;
      if (/[<>*{}…]/.test(path) || GENERATED.some((g) => path === g || path.startsWith(`${g}/`))) continue;
      if (!existsSync(join(root, path))) missing.push(`${doc}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("every picture in docs/images/ is shown somewhere, and none is huge", () => {
  const shown = documents.map((doc) => readFileSync(join(root, doc), "utf8")).join("\n");
  for (const picture of readdirSync(join(root, "docs/images")).filter((f) => f.endsWith(".png"))) {
    assert.ok(shown.includes(`images/${picture}`), `docs/images/${picture} is not shown in any document`);
    const size = statSync(join(root, "docs/images", picture)).size;
    assert.ok(size <= 1024 * 1024, `docs/images/${picture} is ${Math.round(size / 1024)} KB: keep pictures under 1 MiB`);
  }
});
