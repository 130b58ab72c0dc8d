// The administration page: usage (利用状況): the totals, a table and a chart per month, the CSV.
import { problemOf } from "../lib/api.js";
import { $, bilingual, el, filenameFrom } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { api, dateTime, hasRole, session, SIGNED_OUT } from "./base.js";
import { townNames } from "./choices.js";

const SVG = "http://www.w3.org/2000/svg";
const TOTALS = [
  ["organizations", "事業所", "Organizations"],
  ["professionals", "専門職", "Professionals"],
  ["patients", "登録患者", "Patients"],
  ["patients_consent_revoked", "同意撤回", "Consent revoked"],
  ["resources_published", "公開中の地域資源", "Resources published"],
  ["posts", "投稿", "Posts"],
  ["projects", "プロジェクト", "Projects"],
  ["messages", "メッセージ", "Messages"],
];
const MONTH_COLUMNS = ["professionals_joined", "patients_registered", "posts", "vitals", "active_professionals"];

function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function usageQuery() {
  const town = hasRole("sysadmin") ? $("usage-municipality").value : "";
  return town ? "?municipality=" + encodeURIComponent(town) : "";
}

export async function loadUsage() {
  const status = $("usage-status");
  status.textContent = say("集計しています…");
  try {
    const res = await api("GET", "/api/v1/care/usage" + usageQuery());
    if (!res.ok) { status.textContent = problemOf(res.json, res.status).join(" "); $("usage-report").hidden = true; return; }
    renderUsage(res.json);
    status.textContent = "";
  } catch (e) {
    status.textContent = e === SIGNED_OUT ? "" : say("読み込めませんでした。");
  }
}

function renderUsage(u) {
  $("usage-report").hidden = false;
  const scope = u.municipality_code ? (townNames[u.municipality_code] || "") + "（" + u.municipality_code + "）" : "地域全体";
  $("usage-scope").textContent = scope + "・" + dateTime(u.generated_at) + " 集計";
  const totals = $("usage-totals");
  totals.textContent = "";
  for (const [key, ja, english] of TOTALS) {
    const item = el("li", "figure");
    item.dataset.key = key;
    const value = u.totals ? u.totals[key] : null;
    const label = bilingual(el("span", "figure-label"), ja, english);
    item.append(el("span", "figure-value", value === null || value === undefined ? "—" : Number(value).toLocaleString("ja-JP")), label);
    totals.appendChild(item);
  }
  const body = $("usage-table").querySelector("tbody");
  body.textContent = "";
  for (const m of u.months || []) {
    const row = el("tr");
    row.dataset.month = m.month;
    row.appendChild(el("th", null, m.month)).scope = "row";
    for (const c of MONTH_COLUMNS) row.appendChild(el("td", "num", String(m[c])));
    body.appendChild(row);
  }
  drawChart(u.months || []);
}

// Posts per month as bars, each with its count above it and its month below.
function drawChart(months) {
  const chart = $("usage-chart");
  for (const n of [...chart.childNodes]) if (n.nodeName !== "title") n.remove();
  const left = 8, right = 352, top = 22, bottom = 160;
  const max = Math.max(1, ...months.map((m) => m.posts));
  const slot = (right - left) / Math.max(1, months.length);
  chart.appendChild(svgNode("line", { x1: left, y1: bottom, x2: right, y2: bottom, class: "axis" }));
  months.forEach((m, i) => {
    const h = (bottom - top) * m.posts / max;
    const x = left + i * slot + slot * 0.15;
    const middle = (x + slot * 0.35).toFixed(1);
    const bar = svgNode("rect", { x: x.toFixed(1), y: (bottom - h).toFixed(1), width: (slot * 0.7).toFixed(1), height: h.toFixed(1), class: "bar" });
    bar.appendChild(svgNode("title", {}, m.month + "：投稿 " + m.posts + "件"));
    chart.appendChild(bar);
    chart.appendChild(svgNode("text", { x: middle, y: (bottom - h - 4).toFixed(1), "text-anchor": "middle", class: "bar-value" }, String(m.posts)));
    chart.appendChild(svgNode("text", { x: middle, y: bottom + 16, "text-anchor": "middle", class: "bar-label" }, Number(m.month.slice(5)) + "月"));
    if (i === 0 || m.month.slice(5) === "01") {
      chart.appendChild(svgNode("text", { x: middle, y: bottom + 30, "text-anchor": "middle", class: "bar-year" }, m.month.slice(0, 4)));
    }
  });
}

export function showUsage(event) {
  event.preventDefault();
  loadUsage();
}

// The CSV needs the bearer token: fetched here and handed over as a file.
export async function downloadUsage() {
  const town = usageQuery();
  $("usage-csv").disabled = true;
  try {
    const resp = await session.withRetry((token) => fetch("/api/v1/care/usage.csv" + town, { headers: { authorization: "Bearer " + token }, cache: "no-store" }));
    if (!resp.ok) { $("usage-status").textContent = problemOf(await resp.json()).join(" "); return; }
    const blob = await resp.blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = filenameFrom(resp.headers.get("content-disposition")) ||
      "利用状況_" + (town ? town.replace(/\D/g, "") : "地域全体") + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    // Revoke later: the download reads the Blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (e) {
    if (e !== SIGNED_OUT) $("usage-status").textContent = say("ダウンロードできませんでした。");
  } finally {
    $("usage-csv").disabled = false;
  }
}
