// The HQ screen: the map of districts, drawn without a tile server: where nobody has
// reported yet, and how far the reports have come.
import { $, el } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { districtName, percent, reportedOf, shareOf, svg, townName } from "./base.js";

// The share of people reported, in five steps of the viridis scale: each step differs in
// lightness, so it reads at a glance and for colour-blind people (red→green did neither).
// Gray: nobody on the register there.
const STEPS = [
  { below: 0.2, fill: "#440154", label: "0〜19%" },
  { below: 0.4, fill: "#3b528b", label: "20〜39%" },
  { below: 0.6, fill: "#21918c", label: "40〜59%" },
  { below: 0.8, fill: "#5ec962", label: "60〜79%" },
  { below: 1.01, fill: "#fde725", label: "80〜100%" },
];
const GRAY = "#9e9e9e";

function fillOf(d) {
  const share = shareOf(d);
  if (share === null) return GRAY;
  return STEPS.find((s) => share < s.below).fill;
}

// Equirectangular projection of the districts' bounding box into the drawing, keeping
// the aspect (longitude shrunk by cos(latitude)) and centred.
function projection(points, width, height, pad) {
  const lat0 = points.reduce((s, p) => s + p.lat, 0) / points.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p.lng * k);
  const ys = points.map((p) => -p.lat);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const spanX = maxX - minX, spanY = maxY - minY;
  const fits = [spanX > 0 ? (width - 2 * pad) / spanX : Infinity, spanY > 0 ? (height - 2 * pad) / spanY : Infinity];
  const scale = Math.min(fits[0], fits[1]);
  const s = isFinite(scale) ? scale : 0; // one place only: put it in the middle
  const offX = (width - spanX * s) / 2, offY = (height - spanY * s) / 2;
  return (p) => [offX + (p.lng * k - minX) * s, offY + (-p.lat - minY) * s];
}

function allDistricts(towns) {
  const list = [];
  towns.forEach((town) => (town.districts || []).forEach((d) => list.push(Object.assign({ town: town.code }, d))));
  return list;
}

function located(d) {
  return typeof d.lat === "number" && typeof d.lng === "number" && isFinite(d.lat) && isFinite(d.lng);
}

function unreported(d) {
  return d.total > 0 && reportedOf(d) === 0;
}

// Area proportional to the number of people: radius by the square root.
function radiusOf(d, maxTotal) {
  return 10 + 26 * Math.sqrt((d.total || 0) / Math.max(maxTotal, 1));
}

function districtMark(d, x, y, r) {
  const group = svg("g", { class: "district-mark" });
  const circle = svg("circle", {
    class: unreported(d) ? "district unreported" : "district",
    cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1), fill: fillOf(d),
    stroke: unreported(d) ? "#000" : "#fff", "stroke-width": unreported(d) ? 6 : 2,
    "data-code": d.code,
  });
  circle.appendChild(svg("title", {}, districtName(d) + "：報告 " + reportedOf(d) + "/" + d.total + "（" + percent(d) + "）"));
  const label = svg("text", {
    x: x.toFixed(1), y: (y + r + 18).toFixed(1), "text-anchor": "middle", "font-size": 16, "font-weight": 700,
    fill: "#111", stroke: "#fff", "stroke-width": 4, "paint-order": "stroke",
  }, districtName(d) + " " + percent(d));
  group.append(circle, label);
  return group;
}

export function renderMap(towns) {
  const box = $("district-map");
  box.textContent = "";
  const districts = allDistricts(towns);
  const placed = districts.filter(located);
  renderUnreported(districts);
  renderNoLocation(districts.filter((d) => !located(d)));
  renderLegend();
  if (!placed.length) {
    box.appendChild(el("p", "muted", say("位置（緯度・経度）のある地区がありません。")));
    return;
  }
  const width = 800, height = 520, pad = 60;
  const map = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "district-map-title", id: "district-map-svg" });
  map.appendChild(svg("title", { id: "district-map-title" }, "地区別の報告状況（色：報告率、太い枠：報告0件、円の大きさ：対象者数）"));
  const at = projection(placed, width, height, pad);
  const maxTotal = Math.max(...placed.map((d) => d.total || 0));
  // Big circles first, so small ones stay visible on top.
  placed.slice().sort((a, b) => (b.total || 0) - (a.total || 0)).forEach((d) => {
    const [x, y] = at(d);
    map.appendChild(districtMark(d, x, y, radiusOf(d, maxTotal)));
  });
  box.appendChild(map);
}

function renderUnreported(districts) {
  const list = $("unreported-list");
  list.textContent = "";
  const missing = districts.filter(unreported);
  if (!missing.length) { list.appendChild(el("li", null, say("ありません"))); return; }
  const towns = new Set(districts.map((d) => d.town));
  missing.forEach((d) => {
    const where = towns.size > 1 ? townName(d.town) + " " : "";
    list.appendChild(el("li", null, where + districtName(d) + "（" + d.code + "）対象者 " + d.total + "人"));
  });
}

function renderNoLocation(districts) {
  const note = $("no-location");
  note.hidden = !districts.length;
  note.textContent = districts.length ? "地図にない地区（位置が未登録か、対象者が3人未満のため位置を伏せています）：" + districts.map(districtName).join("、") : "";
}

function legendItem(box, graphic, text) {
  const item = el("span", "legend-item");
  item.append(graphic, document.createTextNode(" " + text));
  box.appendChild(item);
}

function legendCircle(fill, stroke, width) {
  const s = svg("svg", { viewBox: "0 0 32 32", width: 32, height: 32, "aria-hidden": "true" });
  s.appendChild(svg("circle", { cx: 16, cy: 16, r: 11, fill: fill, stroke: stroke, "stroke-width": width }));
  return s;
}

function renderLegend() {
  const box = $("map-legend");
  if (box.childNodes.length) return; // drawn once; it never changes
  box.appendChild(el("span", "legend-item", "報告率："));
  STEPS.forEach((step) => legendItem(box, legendCircle(step.fill, "#fff", 2), step.label));
  legendItem(box, legendCircle(GRAY, "#fff", 2), "対象者なし");
  legendItem(box, legendCircle(STEPS[0].fill, "#000", 5), "未報告（報告0件）");
  box.appendChild(el("span", "legend-item", "円の大きさ＝対象者数"));
}
