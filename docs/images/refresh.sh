#!/usr/bin/env bash
# Refreshes the README's pictures from the browser tests' own screenshots.
#
# Runs the browser tests that take the chosen screenshots (Playwright in Debian's chromium,
# against a demo local host each), then copies those screenshots from tests/output/ to
# docs/images/ under stable names. The tests take whole pages, some of them many screens
# long; each picture keeps one or two screens of its page (most the top, as a phone or a
# desktop shows it first). Commit the pictures that changed.
#
#   docs/images/refresh.sh            (needs target/release/rainbownet and /usr/bin/chromium;
#                                      RAINBOWNET_BIN and CHROMIUM override them)
set -euo pipefail
export LC_ALL=C.UTF-8
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

# name in docs/images/ | screenshot in tests/output/ | the test file that takes it |
# first row kept | rows kept. The admin pictures start partway down a long page: after a
# change to the admin page, look at them and move their first row if the list or the form
# moved.
pictures=(
    "resident-results-390.png     portal-1-results.png          portal    0     1266"
    "resident-evacuation-390.png  search-1-evacuation.png       search    0     1266"
    "resident-resource-390.png    portal-2-resource.png         portal    0     1266"
    "care-patients-390.png        care-1-patients.png           care      0     844"
    "care-timeline-390.png        care-2-posted.png             care      0     1541"
    "care-timeline-1280.png       live-1-office-1280.png        live      0     972"
    "hq-totals-1280.png           disaster-3-hq.png             disaster  0     1400"
    "hq-totals-390.png            disaster-3b-hq-390.png        disaster  0     1266"
    "supporter-offline-390.png    disaster-1-offline.png        disaster  0     1266"
    "admin-list-390.png           admin-1-managed-list-390.png  admin     3640  1266"
    "admin-edit-1024.png          search-3-admin-hazards.png    search    9000  1280"
    "family-join-390.png          family-1-join.png             family    0     1266"
    "family-record-390.png        family-3-readings.png         family    0     1266"
    "family-question-390.png      family-q-2-question.png       family-questionnaire  0  1266"
    "care-family-alert-390.png    care-family-4-alert.png       care-family  0  1266"
)

bin="${RAINBOWNET_BIN:-$root/target/release/rainbownet}"
[ -x "$bin" ] || { echo "no $bin: build it with cargo build --release -p rainbownet" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "no chromium: apt-get install chromium fonts-noto-cjk" >&2; exit 1; }
[ -d tests/node_modules/playwright-core ] || (cd tests && npm ci)

# The test files to run, each once; their old screenshots go first, so none is stale.
files=()
for line in "${pictures[@]}"; do
    read -r _ shot test _ _ <<<"$line"
    rm -f "tests/output/$shot"
    file="tests/browser/$test.test.mjs"
    [[ " ${files[*]} " == *" $file "* ]] || files+=("$file")
done
node --test "${files[@]}"

# Keeps ROWS rows of a PNG from row TOP down (8-bit RGB or RGBA, not interlaced, as
# Chromium writes them), with Node's own zlib: no dependency.
crop() {
    node - "$@" <<'JS'
const { readFileSync, writeFileSync } = require("node:fs");
const { inflateSync, deflateSync } = require("node:zlib");
const [src, dst, top, rows] = process.argv.slice(2);
const png = readFileSync(src);
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
};
let ihdr;
const idat = [];
const others = [];
for (let at = 8; at < png.length; ) {
  const length = png.readUInt32BE(at);
  const type = png.toString("latin1", at + 4, at + 8);
  const data = png.subarray(at + 8, at + 8 + length);
  if (type === "IHDR") ihdr = Buffer.from(data);
  else if (type === "IDAT") idat.push(data);
  else if (type !== "IEND") others.push(chunk(type, data));
  at += 12 + length;
}
const [width, height] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)];
const bpp = { 2: 3, 6: 4 }[ihdr[9]];
if (ihdr[8] !== 8 || !bpp || ihdr[12] !== 0) throw new Error(`${src}: not an 8-bit RGB(A) PNG without interlace`);
const first = Math.min(Number(top), height - 1);
const last = Math.min(height, first + Number(rows));
const stride = width * bpp;
const raw = inflateSync(Buffer.concat(idat));
// Undo each row's filter (PNG spec, 9.2) down to the last row kept.
let prev = Buffer.alloc(stride);
const kept = [];
for (let r = 0; r < last; r++) {
  const line = Buffer.from(raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1)));
  const filter = raw[r * (stride + 1)];
  for (let i = 0; i < stride; i++) {
    const a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
    const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    const guess = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
    line[i] = (line[i] + guess) & 0xff;
  }
  if (r >= first) kept.push(line);
  prev = line;
}
// Written again with the Up filter (each row less the one above): flat pages pack well.
const out = kept.map((line, k) => {
  const above = k ? kept[k - 1] : Buffer.alloc(stride);
  const row = Buffer.alloc(stride + 1);
  row[0] = 2;
  for (let i = 0; i < stride; i++) row[i + 1] = (line[i] - above[i]) & 0xff;
  return row;
});
ihdr.writeUInt32BE(kept.length, 4);
writeFileSync(dst, Buffer.concat([
  png.subarray(0, 8), chunk("IHDR", ihdr), ...others,
  chunk("IDAT", deflateSync(Buffer.concat(out), { level: 9 })), chunk("IEND", Buffer.alloc(0)),
]));
JS
}

for line in "${pictures[@]}"; do
    read -r name shot _ top rows <<<"$line"
    [ -f "tests/output/$shot" ] || { echo "no tests/output/$shot: did a test stop taking it?" >&2; exit 1; }
    crop "tests/output/$shot" "docs/images/$name" "$top" "$rows"
    printf '%-28s <- %-30s rows %5s+%-5s %4s KB\n' "$name" "$shot" "$top" "$rows" "$(( $(stat -c %s "docs/images/$name") / 1024 ))"
done
