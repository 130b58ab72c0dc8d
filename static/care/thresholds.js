// The care client: the team's thresholds for a patient's readings (issue #34), on the
// vitals tab. A reading strictly above `above` or below `below` raises an alert for the
// team (alerts.js); for blood pressure the systolic value is compared. The form holds every
// kind at once, as the API takes the whole set (PUT …/vital-thresholds replaces it): a kind
// left empty has no threshold. The server's refusals come back per field
// (#/thresholds/1/below) and are shown beside that field.
import { apiError } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { asWritten, authorized, clearFieldErrors, current, failure, getJson, numberOf, placeErrors, setText, showBox, state, timeOf, VITALS } from "./base.js";
import { renderVitals } from "./vitals.js";

const BOUNDS = [
  { field: "above", ja: "上限（これを超えたら）", en: "Upper (alert above)" },
  { field: "below", ja: "下限（これを下回ったら）", en: "Lower (alert below)" },
];

// The label of a kind's threshold: blood pressure is judged on the systolic value.
export function thresholdLabel(k) {
  return k.code === "blood_pressure" ? "上の血圧（mmHg）" : k.ja + "（" + k.unit + "）";
}

const inputId = (code, field) => "threshold-" + code + "-" + field;

// The form's rows, one per kind (the kinds the vitals form has, in its order).
export function setUpThresholds() {
  const box = $("threshold-fields");
  box.textContent = "";
  VITALS.forEach((k) => {
    const row = el("fieldset", "threshold-row");
    row.dataset.kind = k.code;
    row.appendChild(el("legend", null, thresholdLabel(k)));
    const pair = el("div", "pair");
    BOUNDS.forEach((b) => {
      const cell = el("div");
      const id = inputId(k.code, b.field);
      const label = bilingual(el("label"), b.ja, b.en);
      label.htmlFor = id;
      const input = el("input");
      input.id = id;
      input.inputMode = "decimal";
      input.autocomplete = "off";
      input.setAttribute("aria-describedby", id + "-error");
      const error = el("p", "field-error");
      error.id = id + "-error";
      error.hidden = true;
      cell.append(label, input, error);
      pair.appendChild(cell);
    });
    row.appendChild(pair);
    box.appendChild(row);
  });
}

export function resetThresholds() {
  state.thresholds = [];
  $("threshold-form").reset();
  clearFieldErrors($("threshold-form"));
  showBox($("threshold-errors"), []);
  $("threshold-summary").textContent = "";
  setText("threshold-status", "");
}

export async function loadThresholds() {
  const id = state.patientId;
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/vital-thresholds");
    if (!current(id)) return;
    state.thresholds = json.items || [];
    renderThresholds(true);
    if (state.vitals.length) renderVitals();
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) setText("threshold-status", lines.join(" / "));
  }
}

const number = (v) => String(Number(v));

// 「上の血圧：160 を超えたら」「体温：37.5 を超えたら・35 を下回ったら」
export function thresholdText(t) {
  const k = VITALS.find((v) => v.code === t.kind) || { code: t.kind, ja: t.kind, en: t.kind, unit: "" };
  const name = t.kind === "blood_pressure" ? pick("上の血圧", "Systolic blood pressure") : pick(k.ja, k.en);
  const parts = [];
  if (typeof t.above === "number") parts.push(pick(number(t.above) + " を超えたら", "above " + number(t.above)));
  if (typeof t.below === "number") parts.push(pick(number(t.below) + " を下回ったら", "below " + number(t.below)));
  return name + pick("：", ": ") + parts.join(pick("・", ", "));
}

// The current set as text (with who set it, when known) and, when `fill`, in the form.
export function renderThresholds(fill) {
  const box = $("threshold-summary");
  box.textContent = "";
  if (!state.thresholds.length) {
    box.appendChild(el("p", "muted", "しきい値は設定されていません。"));
  } else {
    const list = el("ul", "threshold-list");
    const order = (t) => { const i = VITALS.findIndex((k) => k.code === t.kind); return i < 0 ? 99 : i; };
    state.thresholds.slice().sort((a, b) => order(a) - order(b)).forEach((t) => list.appendChild(el("li", null, thresholdText(t))));
    box.appendChild(list);
    const latest = state.thresholds.reduce((a, b) => (a.set_at >= b.set_at ? a : b));
    const member = ((state.patient && state.patient.team) || []).find((m) => m.id === latest.set_by);
    const by = el("p", "muted");
    by.textContent = pick("設定 ", "set ") + timeOf(latest.set_at) + (member ? pick("・", " by ") : "");
    if (member) by.appendChild(asWritten(el("span", null, member.name)));
    box.appendChild(by);
  }
  if (fill) {
    VITALS.forEach((k) => {
      const t = state.thresholds.find((x) => x.kind === k.code) || {};
      BOUNDS.forEach((b) => { $(inputId(k.code, b.field)).value = typeof t[b.field] === "number" ? number(t[b.field]) : ""; });
    });
  }
}

export async function saveThresholds(event) {
  event.preventDefault();
  const id = state.patientId;
  const form = $("threshold-form");
  clearFieldErrors(form);
  showBox($("threshold-errors"), []);
  const sent = [];
  const typos = [];
  VITALS.forEach((k) => {
    const entry = { kind: k.code };
    BOUNDS.forEach((b) => {
      const text = $(inputId(k.code, b.field)).value.trim();
      if (!text) return;
      const value = numberOf(text);
      if (isNaN(value)) typos.push({ pointer: k.code + "/" + b.field, detail: "Enter a number.", detail_ja: "数字で入力してください。" });
      else entry[b.field] = value;
    });
    if ("above" in entry || "below" in entry) sent.push(entry);
  });
  if (typos.length) {
    placeErrors({ errors: typos, lines: [] }, (p) => slot(p.split("/")[0], p.split("/")[1]), $("threshold-errors"));
    return;
  }
  $("threshold-submit").disabled = true;
  setText("threshold-status", "保存しています…");
  try {
    const resp = await authorized("PUT", "/api/v1/patients/" + enc(id) + "/vital-thresholds", { json: { thresholds: sent } });
    if (!resp.ok) throw await apiError(resp);
    const json = await resp.json();
    if (!current(id)) return;
    state.thresholds = json.items || [];
    renderThresholds(true);
    if (state.vitals.length) renderVitals();
    setText("threshold-status", sent.length ? "しきい値を保存しました。" : "しきい値をすべて外しました。");
  } catch (e) {
    if (!current(id)) return;
    setText("threshold-status", "");
    // #/thresholds/{i}/{field}: the i-th kind sent.
    const find = (pointer) => {
      const m = /^#\/thresholds\/(\d+)\/(above|below|kind)$/.exec(pointer);
      const entry = m && sent[Number(m[1])];
      return entry ? slot(entry.kind, m[2] === "kind" ? "above" : m[2]) : null;
    };
    if (e.errors && e.errors.length) placeErrors(e, find, $("threshold-errors"));
    else {
      const lines = failure(e);
      if (lines) showBox($("threshold-errors"), lines, false);
    }
  } finally {
    $("threshold-submit").disabled = false;
  }
}

function slot(code, field) {
  const input = $(inputId(code, field));
  return input ? { line: $(inputId(code, field) + "-error"), input: input } : null;
}
