// The family page: blood pressure measured at home (家庭血圧). A simple form (上・下, 脈拍
// if taken, the time: now unless changed), each field's problem beside it, and the last
// seven days' readings, those measured at home marked 自己測定. The mornings' average is the
// server's (GET …/vitals/home-bp, after the Japanese Society of Hypertension's guideline).
import { apiError, newKey } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { api, asWritten, badge, failure, nowLocal, numberOf, patientPath, setText, showLines, state, when } from "./base.js";

const DAY_MS = 86400000;
const FIELDS = { sys: "bp-sys", dia: "bp-dia", pulse: "bp-pulse", at: "bp-at" };
// The Idempotency-Key of each reading being sent: the same reading keeps its key across
// retries (a lost answer is sent again and stored once), a changed one gets a new key.
const drafts = {};
let timeTouched = false;

function keyFor(kind, body) {
  const signature = JSON.stringify([state.me.patient.id, body]);
  if (!drafts[kind] || drafts[kind].signature !== signature) drafts[kind] = { signature: signature, key: newKey() };
  return drafts[kind].key;
}

// --- the form ---------------------------------------------------------------------------

export function openForm() {
  $("bp-panel").hidden = false;
  $("bp-open").setAttribute("aria-expanded", "true");
  $("bp-result").hidden = true;
  if (!timeTouched) $(FIELDS.at).value = nowLocal();
  $(FIELDS.sys).focus();
}

export function closeForm() {
  $("bp-panel").hidden = true;
  $("bp-open").setAttribute("aria-expanded", "false");
  clearErrors();
  $("bp-open").focus();
}

export function touchTime() {
  timeTouched = true;
}

function clearErrors() {
  Object.values(FIELDS).forEach((id) => {
    $(id).removeAttribute("aria-invalid");
    const line = $(id + "-error");
    line.hidden = true;
    line.textContent = "";
  });
  showLines("bp-errors", []);
}

function fieldError(id, text) {
  const line = $(id + "-error");
  line.textContent = text;
  line.hidden = false;
  $(id).setAttribute("aria-invalid", "true");
}

// The form's values, or the fields' problems (written beside them) → null.
function readForm() {
  const sys = numberOf($(FIELDS.sys).value);
  const dia = numberOf($(FIELDS.dia).value);
  const pulseText = $(FIELDS.pulse).value.trim();
  const pulse = pulseText ? numberOf(pulseText) : null;
  const problems = [];
  if (!$(FIELDS.sys).value.trim()) problems.push([FIELDS.sys, "上の血圧を入れてください。"]);
  else if (isNaN(sys)) problems.push([FIELDS.sys, "上の血圧は数字で入れてください（例：128）。"]);
  if (!$(FIELDS.dia).value.trim()) problems.push([FIELDS.dia, "下の血圧を入れてください。"]);
  else if (isNaN(dia)) problems.push([FIELDS.dia, "下の血圧は数字で入れてください（例：82）。"]);
  if (pulse !== null && isNaN(pulse)) problems.push([FIELDS.pulse, "脈拍は数字で入れてください（例：70）。"]);
  const at = $(FIELDS.at).value;
  if (timeTouched && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(at)) problems.push([FIELDS.at, "測った日時を入れてください。"]);
  problems.forEach(([id, text]) => fieldError(id, text));
  if (problems.length) {
    showLines("bp-errors", ["入力を確かめてください（" + problems.length + "か所）。"]);
    $(problems[0][0]).focus();
    return null;
  }
  // Japan time as typed ("2026-12-07T07:30"), only when changed: otherwise the server's now.
  return { sys: sys, dia: dia, pulse: pulse, at: timeTouched ? at.slice(0, 16) : null };
}

// A 422's field errors beside their fields. `fields`: pointer → field id for this request.
function placeErrors(error, fields) {
  const rest = [];
  let first = null;
  (error.errors || []).forEach((e) => {
    const id = fields[e.pointer];
    const text = pick(e.detail_ja || e.message_ja, e.detail || e.message);
    if (!id) { rest.push(text); return; }
    fieldError(id, text);
    if (!first) first = id;
  });
  if (!(error.errors || []).length) rest.push(...error.lines);
  if (first) rest.unshift("入力を確かめてください。");
  showLines("bp-errors", rest);
  if (first) $(first).focus();
}

async function post(kind, body, fields) {
  const resp = await api.authorized("POST", patientPath("/vitals"), {
    json: body, headers: { "idempotency-key": keyFor(kind, body) },
  });
  if (resp.status === 403 || resp.status === 404) {
    throw Object.assign(new Error("unavailable"), { unavailable: true });
  }
  if (!resp.ok) {
    const error = await apiError(resp);
    error.fields = fields;
    throw error;
  }
  return resp.json();
}

export async function submit(event) {
  event.preventDefault();
  if (state.busy) return;
  clearErrors();
  const values = readForm();
  if (!values) return;
  state.busy = true;
  $("bp-submit").disabled = true;
  setText("readings-status", "記録しています…");
  const pressure = { kind: "blood_pressure", value: values.sys, value2: values.dia };
  if (values.at) pressure.measured_at = values.at;
  try {
    const saved = await post("blood_pressure", pressure, { "#/value": FIELDS.sys, "#/value2": FIELDS.dia, "#/measured_at": FIELDS.at });
    let pulse = null;
    if (values.pulse !== null) {
      // Taken with the pressure: at the same time.
      pulse = await post("pulse", { kind: "pulse", value: values.pulse, measured_at: saved.measured_at }, { "#/value": FIELDS.pulse, "#/measured_at": FIELDS.at });
    }
    delete drafts.blood_pressure;
    delete drafts.pulse;
    showSaved(saved, pulse);
    await loadReadings(saved.id);
  } catch (e) {
    setText("readings-status", "");
    if (e.unavailable) {
      showLines("bp-errors", ["血圧の記録は準備中です。もうしばらくお待ちください。"]);
      $("bp-errors").dataset.unavailable = "true";
    } else if (e.fields) {
      placeErrors(e, e.fields);
    } else {
      const lines = failure(e);
      if (lines) showLines("bp-errors", lines);
    }
  } finally {
    state.busy = false;
    $("bp-submit").disabled = false;
  }
}

function pressureText(sys, dia) {
  return pick("上 " + sys + " ／ 下 " + dia + " mmHg", sys + " / " + dia + " mmHg");
}

function pulseText(value) {
  return pick("脈拍 " + value + " 回/分", "Pulse " + value + " /min");
}

function showSaved(pressure, pulse) {
  $(FIELDS.sys).value = "";
  $(FIELDS.dia).value = "";
  $(FIELDS.pulse).value = "";
  timeTouched = false;
  $("bp-panel").hidden = true;
  $("bp-open").setAttribute("aria-expanded", "false");
  setText("bp-result-text", pressureText(pressure.value, pressure.value2) + (pulse ? pick("　", "  ") + pulseText(pulse.value) : ""));
  setText("bp-result-when", pick("測った日時：", "Measured: ") + when(pressure.measured_at));
  $("bp-result").hidden = false;
  $("bp-result-title").focus();
}

// --- the last seven days ----------------------------------------------------------------

// The pulse taken with a reading: the same person's, within five minutes.
function pulseWith(reading, pulses) {
  const at = Date.parse(reading.measured_at);
  const who = (reading.recorded_by || {}).id;
  return pulses.find((p) => Math.abs(Date.parse(p.measured_at) - at) <= 5 * 60000 && (p.recorded_by || {}).id === who) || null;
}

function byWhom(reading) {
  const by = reading.recorded_by || {};
  if (by.kind === "family") return badge(pick("自己測定", "Home reading"), "self");
  const span = el("span", "by");
  span.append(pick("記録：", "By "), asWritten(el("span", null, by.name || "")));
  return span;
}

function renderReadings(items, pulses, fresh) {
  const list = $("readings");
  list.textContent = "";
  items.forEach((r) => {
    const li = el("li", "reading" + (r.id === fresh ? " fresh" : ""));
    li.dataset.id = r.id;
    if (r.recorded_by && r.recorded_by.kind === "family") li.dataset.self = "true";
    const head = el("p", "reading-when", when(r.measured_at));
    const value = el("p", "reading-value", pressureText(r.value, r.value2));
    const pulse = pulseWith(r, pulses);
    if (pulse) value.append(el("span", "reading-pulse", pulseText(pulse.value)));
    const who = el("p", "reading-who");
    who.appendChild(byWhom(r));
    if (r.id === fresh) who.appendChild(badge(pick("今回", "Just now"), "new"));
    li.append(head, value, who);
    list.appendChild(li);
  });
}

function renderSummary(s) {
  const box = $("home-bp");
  box.textContent = "";
  if (!s || !s.occasions) { box.hidden = true; return; }
  box.hidden = false;
  const days = s.days_with_readings || 0;
  if (typeof s.systolic_mean === "number" && typeof s.diastolic_mean === "number") {
    const line = el("p", "summary-line", pick("朝の血圧の平均（" + days + "日分）", "Morning average (" + days + " days)"));
    line.appendChild(el("span", "summary-value", pressureText(Math.round(s.systolic_mean), Math.round(s.diastolic_mean))));
    box.appendChild(line);
  }
  if (!s.sufficient) {
    box.appendChild(el("p", "muted", pick("朝の血圧を毎日測ると、平均がより確かになります（目安：5日以上）。",
      "Measure every morning for a more reliable average (at least 5 days).")));
  } else if (s.home_hypertension === true) {
    box.appendChild(el("p", "caution", pick("朝の平均が、家庭血圧の目安（上 135・下 85 mmHg）より高めです。次の受診や訪問のときにお伝えください。",
      "The morning average is above the home guideline (135/85 mmHg). Please mention it at the next visit.")));
  } else if (s.home_hypertension === false) {
    box.appendChild(el("p", null, pick("朝の平均は、家庭血圧の目安（上 135・下 85 mmHg）の範囲内です。",
      "The morning average is within the home guideline (135/85 mmHg).")));
  }
}

async function getItems(path) {
  const resp = await api.authorized("GET", path);
  if (resp.status === 403 || resp.status === 404) return null;
  if (!resp.ok) throw await apiError(resp);
  return resp.json();
}

// The last seven days' blood pressure, newest first. `fresh`: the reading just saved.
export async function loadReadings(fresh) {
  if (!state.me) return;
  const patient = state.me.patient.id;
  if (!fresh) setText("readings-status", "読み込んでいます…");
  try {
    const [pressure, pulse, summary] = await Promise.all([
      getItems(patientPath("/vitals?kind=blood_pressure")),
      getItems(patientPath("/vitals?kind=pulse")),
      getItems(patientPath("/vitals/home-bp?days=7")).catch(() => null),
    ]);
    if (!state.me || state.me.patient.id !== patient) return;
    if (pressure === null) {
      $("readings").textContent = "";
      setText("readings-status", "血圧の一覧は準備中です。");
      return;
    }
    const since = Date.now() - 7 * DAY_MS;
    const recent = (pressure.items || []).filter((r) => Date.parse(r.measured_at) >= since).reverse();
    renderReadings(recent, (pulse && pulse.items) || [], fresh);
    renderSummary(summary);
    setText("readings-status", recent.length ? "" : "この7日間の記録はまだありません。");
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("readings-status", lines.join(" "));
  }
}

export function resetVitals() {
  timeTouched = false;
  Object.keys(drafts).forEach((k) => delete drafts[k]);
  $("readings").textContent = "";
  $("home-bp").hidden = true;
  $("bp-result").hidden = true;
  $("bp-panel").hidden = true;
  ["bp-sys", "bp-dia", "bp-pulse"].forEach((id) => { $(id).value = ""; });
  clearErrors();
  setText("readings-status", "");
}
