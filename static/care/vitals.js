// The care client: vitals.
import { ApiError, newKey, problemLines } from "../lib/api.js";
import { JST } from "../lib/dates.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { authorized, current, failure, fixed, getJson, numberOf, setText, shortTime, showLines, state, svg, timeOf, VITALS } from "./base.js";

export function vitalKind(code) {
  return VITALS.find((k) => k.code === code) || { code: code, ja: code, en: code, unit: "", digits: 1 };
}

// datetime-local in Japan time: "2026-11-25T09:30". Shows now until a time is typed in.
export function resetMeasuredAt() {
  state.measuredSet = false;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date());
  const v = (t) => (parts.find((p) => p.type === t) || {}).value;
  $("vital-measured-at").value = v("year") + "-" + v("month") + "-" + v("day") + "T" + v("hour") + ":" + v("minute");
}

export async function loadVitals() {
  const id = state.patientId;
  setText("vital-status", "読み込んでいます…");
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/vitals");
    if (!current(id)) return;
    state.vitals = json.items || [];
    renderVitals();
    setText("vital-status", "");
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) setText("vital-status", lines.join(" / "));
  }
}

export function clearChart() {
  const chart = $("vitals-chart");
  Array.from(chart.childNodes).forEach((n) => { if (n.nodeName !== "title") n.remove(); });
  chart.setAttribute("viewBox", "0 0 360 10");
  chart.classList.add("empty");
}

export function reading(v) {
  const k = vitalKind(v.kind);
  const value = v.kind === "blood_pressure" && v.value2 !== null && v.value2 !== undefined
    ? fixed(v.value, 0) + "/" + fixed(v.value2, 0)
    : fixed(v.value, k.digits);
  return value + " " + k.unit;
}

export function renderVitals() {
  const byKind = new Map();
  state.vitals
    .slice()
    .sort((a, b) => Date.parse(a.measured_at) - Date.parse(b.measured_at))
    .forEach((v) => {
      if (!byKind.has(v.kind)) byKind.set(v.kind, []);
      byKind.get(v.kind).push(v);
    });
  const kinds = VITALS.map((k) => k.code).filter((c) => byKind.has(c))
    .concat(Array.from(byKind.keys()).filter((c) => !VITALS.some((k) => k.code === c)));

  // The latest of each kind, as text (the chart's summary for everyone).
  const latest = $("vitals-latest");
  latest.textContent = "";
  if (kinds.length) {
    const list = el("dl", "facts latest");
    kinds.forEach((c) => {
      const series = byKind.get(c);
      const last = series[series.length - 1];
      const k = vitalKind(c);
      list.append(bilingual(el("dt"), k.ja, k.en), el("dd", null, reading(last) + "（" + timeOf(last.measured_at) + "）"));
    });
    latest.appendChild(list);
  }
  $("vitals-empty").hidden = kinds.length > 0;

  clearChart();
  const chart = $("vitals-chart");
  const panelHeight = 170;
  // One time axis for every chart, so that a visit's readings line up one above another.
  const times = state.vitals.map((v) => Date.parse(v.measured_at));
  const span = [Math.min.apply(null, times), Math.max.apply(null, times)];
  kinds.forEach((c, i) => chart.appendChild(vitalPanel(vitalKind(c), byKind.get(c), i * panelHeight, panelHeight, span)));
  if (!kinds.length) $("vital-record").open = true;
  chart.setAttribute("viewBox", "0 0 360 " + Math.max(10, kinds.length * panelHeight));
  chart.classList.toggle("empty", kinds.length === 0);

  // Every reading as a table, newest first.
  if (kinds.length) {
    const details = el("details", "vitals-table");
    details.appendChild(bilingual(el("summary"), "記録の一覧（" + state.vitals.length + "件）", "All readings"));
    const wrap = el("div", "table-wrap");
    const table = el("table");
    const head = el("tr");
    ["日時", "種類", "値"].forEach((h) => head.appendChild(el("th", null, h)));
    table.appendChild(el("thead")).appendChild(head);
    const tbody = el("tbody");
    state.vitals.slice().sort((a, b) => Date.parse(b.measured_at) - Date.parse(a.measured_at)).slice(0, 200).forEach((v) => {
      const row = el("tr");
      row.append(el("td", null, timeOf(v.measured_at)), el("td", null, vitalKind(v.kind).ja), el("td", "num", reading(v)));
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    details.appendChild(wrap);
    latest.appendChild(details);
  }
}

// One small line chart: the y axis around the readings, at least the kind's `span` high
// (the lowest and highest reading labelled), the x axis the time span shared by every
// chart (dated); blood pressure as two lines.
export function vitalPanel(k, series, top, height, span) {
  const left = 46, right = 350, plotTop = top + 34, plotBottom = top + height - 30;
  const g = svg("g", { class: "vital-panel", "data-kind": k.code });
  const bp = k.code === "blood_pressure";
  g.appendChild(svg("text", { x: 4, y: top + 20, class: "panel-title" }, pick(k.ja + "（" + k.unit + "）", k.en + " (" + k.unit + ")")));
  if (bp) g.appendChild(svg("text", { x: 356, y: top + 20, class: "panel-legend", "text-anchor": "end" }, "実線 上 ／ 点線 下"));

  const values = [];
  series.forEach((v) => {
    values.push(v.value);
    if (bp && typeof v.value2 === "number") values.push(v.value2);
  });
  const lo = Math.min.apply(null, values);
  const hi = Math.max.apply(null, values);
  const pad = hi > lo ? (hi - lo) * 0.12 : 0;
  const middle = (hi + lo) / 2;
  const half = Math.max((hi - lo) / 2 + pad, (k.span || Math.max(1, Math.abs(hi) * 0.1)) / 2);
  const y0 = middle - half, y1 = middle + half;
  const y = (v) => plotBottom - (v - y0) / (y1 - y0) * (plotBottom - plotTop);
  const [t0, t1] = span;
  const x = (t) => (t1 > t0 ? left + (t - t0) / (t1 - t0) * (right - left) : (left + right) / 2);

  // Axes, and guide lines at the highest and lowest reading.
  g.appendChild(svg("line", { x1: left, y1: plotTop - 6, x2: left, y2: plotBottom, class: "axis" }));
  g.appendChild(svg("line", { x1: left, y1: plotBottom, x2: right, y2: plotBottom, class: "axis" }));
  [[hi, "max"], [lo, "min"]].forEach(([v, cls], i) => {
    if (i === 1 && hi === lo) return;
    g.appendChild(svg("line", { x1: left, y1: y(v), x2: right, y2: y(v), class: "guide" }));
    g.appendChild(svg("text", { x: left - 4, y: y(v) + 4, class: "axis-label " + cls, "text-anchor": "end" }, fixed(v, k.digits)));
  });
  g.appendChild(svg("text", { x: left, y: plotBottom + 18, class: "axis-label date", "text-anchor": "start" }, shortTime(t0)));
  if (t1 > t0) g.appendChild(svg("text", { x: right, y: plotBottom + 18, class: "axis-label date", "text-anchor": "end" }, shortTime(t1)));

  const line = (pick, cls) => {
    const points = series.filter((v) => typeof pick(v) === "number");
    g.appendChild(svg("polyline", {
      class: "series " + cls,
      points: points.map((v) => x(Date.parse(v.measured_at)).toFixed(1) + "," + y(pick(v)).toFixed(1)).join(" "),
    }));
    points.forEach((v) => {
      const dot = svg("circle", { cx: x(Date.parse(v.measured_at)).toFixed(1), cy: y(pick(v)).toFixed(1), r: 3.5, class: "dot " + cls });
      dot.appendChild(svg("title", {}, timeOf(v.measured_at) + " " + reading(v)));
      g.appendChild(dot);
    });
  };
  line((v) => v.value, bp ? "systolic" : "value");
  if (bp) line((v) => v.value2, "diastolic");
  return g;
}

export async function recordVital(event) {
  event.preventDefault();
  const id = state.patientId;
  const problems = [];
  const readings = [];
  const filled = (field) => $(field).value.trim() !== "";
  VITALS.forEach((k) => {
    const field = "vital-" + k.code;
    const bp = k.code === "blood_pressure";
    if (!filled(field) && !(bp && filled(field + "2"))) return;
    const value = numberOf($(field).value);
    const reading = { kind: k.code, value: value };
    if (isNaN(value)) problems.push(k.ja + (bp ? "（上）" : "") + "を数字で入力してください。");
    if (bp) {
      reading.value2 = numberOf($(field + "2").value);
      if (isNaN(reading.value2)) problems.push("血圧（下）を数字で入力してください。");
    }
    readings.push(reading);
  });
  if (!readings.length && !problems.length) problems.push("測った値を1つ以上入力してください。");
  const input = { readings: readings };
  const at = $("vital-measured-at").value;
  if (at && state.measuredSet) {
    // Japan time, sent as UTC like the server's own timestamps, so readings sort by time.
    const ms = Date.parse(at + (at.length === 16 ? ":00" : "") + "+09:00");
    if (isNaN(ms)) problems.push("測定日時を正しく入力してください。");
    else input.measured_at = new Date(ms).toISOString();
  }
  showLines("vital-errors", problems);
  if (problems.length) return;
  $("vital-submit").disabled = true;
  setText("vital-status", "記録しています…");
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/vitals/visits", {
      json: input, headers: { "idempotency-key": newKey() },
    });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const saved = (await resp.json()).items || [];
    if (!current(id)) return;
    state.vitals.push.apply(state.vitals, saved);
    renderVitals();
    VITALS.forEach((k) => { $("vital-" + k.code).value = ""; });
    $("vital-blood_pressure2").value = "";
    resetMeasuredAt();
    const order = (v) => VITALS.findIndex((k) => k.code === v.kind);
    const said = saved.slice().sort((a, b) => order(a) - order(b)).map((v) => vitalKind(v.kind).ja + " " + reading(v));
    setText("vital-status", said.join("、") + " を記録しました。");
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) { showLines("vital-errors", lines); setText("vital-status", ""); }
  } finally {
    $("vital-submit").disabled = false;
  }
}
