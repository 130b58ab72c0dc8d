// The HQ screen: the report of one event: totals, district tables, the map, the 要確認
// list, refreshed while the screen is open; and its CSVs.
import { problemLines } from "../../lib/api.js";
import { $, bilingual, el, enc, filenameFrom } from "../../lib/dom.js";
import { renderAttention, seenAttention } from "./attention.js";
import { authorized, getAll, getJson, isHq, isOpen, reportError, setStatus, state, timeOf } from "./base.js";
import { renderMap } from "./map.js";
import { renderTables } from "./tables.js";

export function clearReport() {
  state.summary = null;
  // Another event: its 要確認 rows are not "new" to this page.
  seenAttention.ready = false;
  seenAttention.keys.clear();
  ["total-total", "total-safe", "total-attention", "total-not-yet"].forEach((id) => { $(id).textContent = "–"; });
  $("generated-at").textContent = "—";
  $("district-tables").textContent = "";
  $("district-map").textContent = "";
  $("unreported-list").textContent = "";
  $("attention-list").textContent = "";
  $("report-title").textContent = "安否確認";
  $("event-state").textContent = "";
  $("close-event").hidden = true;
}

// One load at a time; a request while loading (a new event picked) runs right after.
export async function loadReport() {
  if (!state.event) return;
  if (state.loading) { state.again = true; return; }
  state.loading = true;
  state.again = false;
  const id = state.event.id;
  try {
    const base = "/api/v1/disaster/events/" + enc(id);
    const [summary, attention] = await Promise.all([getJson(base + "/summary"), getAll(base + "/attention")]);
    if (!state.event || state.event.id !== id) return; // another event was picked meanwhile
    renderReport(summary, attention);
    setStatus([], true);
  } catch (e) {
    reportError(e);
  } finally {
    state.loading = false;
    if (state.again) loadReport();
  }
}

function renderReport(summary, attention) {
  state.summary = summary;
  if (summary.event) state.event = Object.assign({}, state.event, summary.event);
  const event = state.event;
  const closed = !isOpen(event);
  $("report-title").textContent = "安否確認の状況：" + event.name;
  bilingual($("event-state"), closed ? "終了（" + timeOf(event.closed_at) + "）" : "発生中", closed ? "Closed" : "Open");
  const when = $("generated-at");
  when.textContent = timeOf(summary.generated_at);
  when.dateTime = summary.generated_at || "";
  $("close-event").hidden = closed || !isHq();
  renderTotals(summary.totals || {});
  renderTables(summary.municipalities || []);
  renderMap(summary.municipalities || []);
  renderAttention(attention, closed);
}

function renderTotals(t) {
  $("total-total").textContent = String(t.total ?? 0);
  $("total-safe").textContent = String(t.safe ?? 0);
  $("total-attention").textContent = String(t.needs_attention ?? 0);
  $("total-not-yet").textContent = String(t.not_yet ?? 0);
}

// --- CSV downloads: the API needs the bearer token, so fetch and hand over a Blob ------

export async function download(suffix, label) {
  const event = state.event;
  if (!event) return;
  try {
    const resp = await authorized("GET", "/api/v1/disaster/events/" + enc(event.id) + "/" + suffix);
    if (!resp.ok) { setStatus(await problemLines(resp), false); return; }
    const blob = await resp.blob();
    const safeName = event.name.replace(/[\\/:*?"<>|\s]+/g, "_");
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = filenameFrom(resp.headers.get("content-disposition")) || "安否確認_" + label + "_" + safeName + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    // Revoke later: the download reads the Blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (e) {
    reportError(e);
  }
}
