// The care client: vitals. Each reading says who recorded it (recorded_by): the team at a
// visit, or the family at home (自己測定, issue #34), drawn hollow in the charts and named in
// the list; beside the charts, the mornings' home blood pressure (GET …/vitals/home-bp).
import { ApiError, newKey, problemLines } from "../lib/api.js";
import { JST } from "../lib/dates.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { loadAlerts } from "./alerts.js";
import { asWritten, authorized, current, failure, fixed, getJson, numberOf, setText, shortTime, showLines, state, svg, timeOf, VITALS } from "./base.js";

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
  loadHomeBp();
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

// Recorded at home by the patient or their family (自己測定).
export function atHome(v) {
  return Boolean(v.recorded_by && v.recorded_by.kind === "family");
}

// The mornings' home blood pressure of the last seven days, as the guideline (JSH 2019)
// reads it: the server averages; this says it.
export async function loadHomeBp() {
  const id = state.patientId;
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/vitals/home-bp?days=7");
    if (!current(id)) return;
    state.homeBp = json;
    renderHomeBp();
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) { $("home-bp").hidden = false; $("home-bp").textContent = ""; $("home-bp").appendChild(el("p", null, lines.join(" / "))); }
  }
}

export function renderHomeBp() {
  const s = state.homeBp;
  const box = $("home-bp");
  box.textContent = "";
  box.hidden = !s;
  if (!s) return;
  const head = pick("家庭血圧（朝・" + s.days + "日間）：", "Home blood pressure (mornings, " + s.days + " days): ");
  const main = el("p", "home-bp-main");
  if (typeof s.systolic_mean === "number" && typeof s.diastolic_mean === "number") {
    const sys = Math.round(s.systolic_mean), dia = Math.round(s.diastolic_mean);
    main.append(head, el("strong", null, pick("上 " + sys + " / 下 " + dia, sys + "/" + dia) + " mmHg"),
      pick("（" + s.days_with_readings + "日分）", " (" + s.days_with_readings + " days)"));
  } else {
    main.append(head, pick("記録がありません", "no readings"));
  }
  box.appendChild(main);
  if (s.home_hypertension === true) box.appendChild(el("p", "home-bp-high", "家庭高血圧の基準（135/85以上）に該当"));
  if (s.home_hypertension === false && s.sufficient) box.appendChild(el("p", null, "家庭高血圧の基準（135/85以上）には該当しません"));
  if (!s.sufficient) box.appendChild(el("p", "muted", "日数が足りません（5日以上で判定）"));
  box.appendChild(el("p", "muted", "ご家族が朝（4時〜12時）に家で測った血圧の平均です。"));
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
      const dd = el("dd", null, reading(last) + "（" + timeOf(last.measured_at) + "）");
      if (atHome(last)) dd.append(" ", el("span", "badge self", "自己測定"));
      list.append(bilingual(el("dt"), k.ja, k.en), dd);
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
  // Hollow points are the family's: said in a legend, and in each point's title.
  $("vitals-legend").hidden = !state.vitals.some(atHome);

  // Every reading as a table, newest first.
  if (kinds.length) {
    const details = el("details", "vitals-table");
    details.appendChild(bilingual(el("summary"), "記録の一覧（" + state.vitals.length + "件）", "All readings"));
    const wrap = el("div", "table-wrap");
    const table = el("table");
    const head = el("tr");
    ["日時", "種類", "値", "記録した人"].forEach((h) => head.appendChild(el("th", null, h)));
    table.appendChild(el("thead")).appendChild(head);
    const tbody = el("tbody");
    state.vitals.slice().sort((a, b) => Date.parse(b.measured_at) - Date.parse(a.measured_at)).slice(0, 200).forEach((v) => {
      const row = el("tr");
      row.append(el("td", null, timeOf(v.measured_at)), el("td", "kind", vitalKind(v.kind).ja), el("td", "num", reading(v)), recorder(v));
      if (atHome(v)) row.dataset.self = "true";
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    details.appendChild(wrap);
    latest.appendChild(details);
  }
}

// Who recorded a reading: 「自己測定（name）」 for the family, else the professional's name.
function recorder(v) {
  const by = v.recorded_by || {};
  const cell = el("td", "recorded-by");
  if (atHome(v)) {
    // The name stays as written in either language; the words around it are translated.
    cell.append(el("span", "badge self", "自己測定"), asWritten(el("span", "recorder-name", pick("（", " (") + (by.name || "") + pick("）", ")"))));
  }
  else cell.appendChild(asWritten(el("span", null, by.name || "")));
  return cell;
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
  // The team's thresholds for this kind are drawn too, inside the y axis (the guides stay
  // at the highest and lowest reading).
  const limits = [];
  const threshold = (state.thresholds || []).find((t) => t.kind === k.code);
  if (threshold) ["above", "below"].forEach((b) => { if (typeof threshold[b] === "number") limits.push(threshold[b]); });
  const lo = Math.min.apply(null, values);
  const hi = Math.max.apply(null, values);
  const floor = Math.min(lo, ...limits);
  const ceiling = Math.max(hi, ...limits);
  const pad = ceiling > floor ? (ceiling - floor) * 0.12 : 0;
  const middle = (ceiling + floor) / 2;
  const half = Math.max((ceiling - floor) / 2 + pad, (k.span || Math.max(1, Math.abs(ceiling) * 0.1)) / 2);
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
  limits.forEach((v) => {
    g.appendChild(svg("line", { x1: left, y1: y(v), x2: right, y2: y(v), class: "threshold-line" }));
    g.appendChild(svg("text", { x: left + 4, y: y(v) - 4, class: "axis-label threshold-label", "text-anchor": "start" }, pick("しきい値 ", "threshold ") + fixed(v, k.digits)));
  });
  g.appendChild(svg("text", { x: left, y: plotBottom + 18, class: "axis-label date", "text-anchor": "start" }, shortTime(t0)));
  if (t1 > t0) g.appendChild(svg("text", { x: right, y: plotBottom + 18, class: "axis-label date", "text-anchor": "end" }, shortTime(t1)));

  const line = (valueOf, cls) => {
    const points = series.filter((v) => typeof valueOf(v) === "number");
    g.appendChild(svg("polyline", {
      class: "series " + cls,
      points: points.map((v) => x(Date.parse(v.measured_at)).toFixed(1) + "," + y(valueOf(v)).toFixed(1)).join(" "),
    }));
    points.forEach((v) => {
      const home = atHome(v);
      const dot = svg("circle", { cx: x(Date.parse(v.measured_at)).toFixed(1), cy: y(valueOf(v)).toFixed(1), r: home ? 4.5 : 3.5, class: "dot " + cls + (home ? " self" : "") });
      dot.appendChild(svg("title", {}, timeOf(v.measured_at) + " " + reading(v) + (home ? pick(" 自己測定", " home reading") : "")));
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
    // A reading outside a threshold raised an alert in its own batch.
    loadAlerts();
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) { showLines("vital-errors", lines); setText("vital-status", ""); }
  } finally {
    $("vital-submit").disabled = false;
  }
}
