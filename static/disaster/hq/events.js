// The HQ screen: the disaster events: choosing one, declaring and closing.
import { problemLines } from "../../lib/api.js";
import { $, el, enc } from "../../lib/dom.js";
import { authorized, getAll, isOpen, KINDS, reportError, setStatus, showDeclareResult, SIGNED_OUT, state, timeOf } from "./base.js";
import { clearReport, loadReport } from "./report.js";

function eventLabel(e) {
  const kind = KINDS[e.kind] || e.kind;
  return e.name + "（" + kind + "・" + timeOf(e.started_at, true) + "〜" + (isOpen(e) ? "発生中" : "終了") + "）";
}

// The one asked for, else the one shown, else the newest open one, else the newest.
function pickEvent(preferId) {
  const sorted = state.events.slice().sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  const current = state.event && state.event.id;
  return sorted.find((e) => e.id === preferId) || sorted.find((e) => e.id === current) ||
    sorted.find(isOpen) || sorted[0] || null;
}

function fillEventSelect() {
  const select = $("event-select");
  select.textContent = "";
  state.events.slice().sort((a, b) => String(b.started_at).localeCompare(String(a.started_at))).forEach((e) => {
    const option = el("option", null, eventLabel(e));
    option.value = e.id;
    select.appendChild(option);
  });
  if (state.event) select.value = state.event.id;
}

export async function loadEvents(preferId) {
  try {
    state.events = await getAll("/api/v1/disaster/events");
  } catch (e) {
    reportError(e);
    return;
  }
  state.event = pickEvent(preferId);
  fillEventSelect();
  if (!state.event) {
    clearReport();
    setStatus(["発生中の災害はありません。必要なら「災害を宣言する」から宣言してください。"], true);
    return;
  }
  await loadReport();
}

export async function declare(event) {
  event.preventDefault();
  const codes = [...$("declare-municipalities").querySelectorAll("input:checked")].map((box) => box.value);
  if (!codes.length) { showDeclareResult(["対象の市区町村を1つ以上選んでください。"], false); return; }
  const body = { name: $("declare-name").value.trim(), kind: $("declare-kind").value, municipalities: codes };
  try {
    const resp = await authorized("POST", "/api/v1/disaster/events", body);
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false); return; }
    const created = await resp.json();
    showDeclareResult(["宣言しました：" + created.name], true);
    $("declare-name").value = "";
    $("declare").open = false;
    await loadEvents(created.id);
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["送信できませんでした。通信状態を確認してください。"], false);
  }
}

export async function closeEvent() {
  const event = state.event;
  if (!event || !window.confirm("「" + event.name + "」を終了しますか？ 終了後、要確認の方は継続支援リストになります。")) return;
  try {
    const resp = await authorized("POST", "/api/v1/disaster/events/" + enc(event.id) + "/close");
    if (!resp.ok) { setStatus(await problemLines(resp), false); return; }
    await loadEvents(event.id);
  } catch (e) {
    reportError(e);
  }
}
