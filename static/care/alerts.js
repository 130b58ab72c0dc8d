// The care client: a patient's alerts (issue #34). A reading outside the team's thresholds
// raises one (GET …/alerts, newest first); the open ones stand at the top of the patient's
// page, above the tabs, until someone on the team presses 「確認しました」 (POST …/ack; the
// first acknowledgement stands). The acknowledged ones are listed below, folded, with who
// and when. A push of kind `alert` opens this page (sw.js) and makes it load them again.
import { apiError } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { asWritten, authorized, current, dayTime, failure, fixed, getJson, setText, state, VITALS } from "./base.js";

// The thresholds of blood pressure are on the systolic value: the alert names it so.
// In the reader's language: the alert's text is composed with data, so no dictionary
// entry could hold it whole.
export function alertKindLabel(kind) {
  if (kind === "blood_pressure") return pick("上の血圧", "Systolic blood pressure");
  const k = VITALS.find((v) => v.code === kind);
  return k ? pick(k.ja, k.en) : kind;
}

function digitsOf(kind) {
  const k = VITALS.find((v) => v.code === kind);
  return k ? k.digits : 1;
}

// 「上の血圧 172（しきい値 160 超）」, or 「SpO2 89（しきい値 92 未満）」.
export function alertText(alert) {
  const reading = alert.reading || {};
  const bound = alert.threshold || {};
  const digits = digitsOf(alert.kind);
  const label = alertKindLabel(alert.kind);
  if (typeof reading.value !== "number") return label;
  const value = fixed(reading.value, digits);
  const num = (v) => String(Number(v));
  if (typeof bound.above === "number" && reading.value > bound.above) {
    return label + " " + value + pick("（しきい値 " + num(bound.above) + " 超）", " (above the threshold of " + num(bound.above) + ")");
  }
  if (typeof bound.below === "number" && reading.value < bound.below) {
    return label + " " + value + pick("（しきい値 " + num(bound.below) + " 未満）", " (below the threshold of " + num(bound.below) + ")");
  }
  return label + " " + value;
}

// Who recorded the reading: the alert says only the kind ("family" | "professional"); a
// reading object's form ({ kind, … }) is taken too.
export function byFamily(reading) {
  const by = reading && reading.recorded_by;
  return by === "family" || Boolean(by && by.kind === "family");
}

export function resetAlerts() {
  state.alerts = [];
  $("alerts").hidden = true;
  $("alert-list").textContent = "";
  $("alert-done-list").textContent = "";
  setText("alert-status", "");
}

export async function loadAlerts() {
  const id = state.patientId;
  if (!id) return;
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/alerts");
    if (!current(id)) return;
    state.alerts = json.items || [];
    renderAlerts();
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) { $("alerts").hidden = false; setText("alert-status", lines.join(" / ")); }
  }
}

function alertItem(alert, open) {
  const item = el("li", open ? "alert-item open" : "alert-item");
  item.dataset.id = alert.id;
  const what = el("p", "alert-what");
  what.appendChild(el("strong", "alert-value", alertText(alert)));
  if (byFamily(alert.reading)) what.append(" ", el("span", "badge self", "自己測定"));
  const at = (alert.reading && alert.reading.measured_at) || alert.raised_at;
  const time = el("time", "alert-time", dayTime(at));
  time.dateTime = at;
  what.append(" ", time);
  item.appendChild(what);
  if (open) {
    const ack = el("button", "alert-ack");
    ack.type = "button";
    ack.dataset.ack = alert.id;
    bilingual(ack, "確認しました", "Acknowledge");
    // Which alert the button is for, when a screen reader lists the buttons alone.
    ack.setAttribute("aria-label", pick("確認しました：", "Acknowledge: ") + alertText(alert));
    item.appendChild(ack);
  } else {
    const who = alert.acknowledged_by ? alert.acknowledged_by.name : "";
    const done = el("p", "alert-ack-by muted");
    done.append(el("span", null, "確認："), asWritten(el("span", null, who || "—")), " ", el("span", null, dayTime(alert.acknowledged_at)));
    item.appendChild(done);
  }
  return item;
}

export function renderAlerts() {
  const open = state.alerts.filter((a) => !a.acknowledged_at);
  const done = state.alerts.filter((a) => a.acknowledged_at);
  const box = $("alerts");
  box.hidden = state.alerts.length === 0;
  box.classList.toggle("has-open", open.length > 0);
  setText("alerts-title", open.length ? "確認が必要なアラート（" + open.length + "件）" : "アラート");
  const list = $("alert-list");
  list.textContent = "";
  open.forEach((a) => list.appendChild(alertItem(a, true)));
  $("alerts-none").hidden = open.length > 0;
  const doneList = $("alert-done-list");
  doneList.textContent = "";
  done.forEach((a) => doneList.appendChild(alertItem(a, false)));
  $("alert-done").hidden = done.length === 0;
  setText("alert-done-summary", "確認済みのアラート（" + done.length + "件）");
}

export async function onAlertClick(event) {
  const button = event.target.closest("button[data-ack]");
  if (!button) return;
  const id = state.patientId;
  const alertId = button.dataset.ack;
  button.disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/alerts/" + enc(alertId) + "/ack");
    if (!resp.ok) throw await apiError(resp);
    const updated = await resp.json();
    if (!current(id)) return;
    state.alerts = state.alerts.map((a) => (a.id === updated.id ? updated : a));
    renderAlerts();
    setText("alert-status", "確認済みにしました。");
    // The focus goes on to the next open alert, or to the box's heading.
    const next = $("alert-list").querySelector("button[data-ack]");
    if (next) next.focus();
    else $("alerts-title").focus();
  } catch (e) {
    if (!current(id)) return;
    button.disabled = false;
    const lines = failure(e);
    if (lines) setText("alert-status", lines.join(" / "));
  }
}
