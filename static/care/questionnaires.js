// The care client: questionnaires (問診・アンケート, issue #34), on the 家族 tab. The team
// sends a form to the patient and family (POST …/questionnaire-requests {questionnaire}):
// the built-in 基本チェックリスト, or a form of the professional's town or organization (GET
// /api/v1/care/questionnaires lists the ones they may send). The family answers on their
// page (or the team at a visit: questionnaire-visit.js); the requests are listed here, the
// open ones (未回答) first, then the answered ones with their answers and, for the
// checklist, the result and places nearby (questionnaire-result.js).
import { apiError } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { english } from "../lib/i18n.js";
import { asWritten, authorized, clearFieldErrors, current, failure, getJson, placeErrors, setText, showBox, state } from "./base.js";
import { answersBox, formOf, KIHON, kihonBox, requestMeta, togglePlaces } from "./questionnaire-result.js";
import { closeVisit, openVisit, submitVisit } from "./questionnaire-visit.js";

// The forms this professional may send, for the select: the built-in ones by their
// publisher, a town's or an organization's by their title as written.
function optionOf(form) {
  const builtIn = form.owner === "builtin";
  const option = el("option", null, builtIn && form.publisher ? form.title + "（" + form.publisher + "）" : form.title);
  option.value = form.id;
  return builtIn ? option : asWritten(option);
}

export function resetQuestionnaires() {
  state.qRequests = [];
  $("q-form").reset();
  clearFieldErrors($("q-form"));
  showBox($("q-errors"), []);
  ["q-status", "q-list-status"].forEach((i) => setText(i, ""));
  ["q-open", "q-answered"].forEach((i) => { $(i).textContent = ""; });
  $("q-open-title").hidden = true;
  $("q-answered-title").hidden = true;
}

export async function loadQuestionnaires() {
  loadForms();
  await loadRequests();
}

async function loadForms() {
  const select = $("q-select");
  try {
    const json = await getJson("/api/v1/care/questionnaires");
    const chosen = select.value;
    select.textContent = "";
    (json.items || []).forEach((f) => select.appendChild(optionOf(f)));
    if (chosen && Array.from(select.options).some((o) => o.value === chosen)) select.value = chosen;
  } catch (e) {
    const lines = failure(e);
    if (lines) showBox($("q-errors"), lines, false);
  }
}

// quiet: the page came back into view; the lists are drawn again only when a request was
// sent or answered meanwhile, and not while the team is filling one in.
export async function loadRequests(quiet) {
  const id = state.patientId;
  const signature = (items) => JSON.stringify(items.map((r) => [r.id, r.answered_at]));
  if (quiet && $("questionnaires").querySelector("form.q-visit-form")) return;
  if (!quiet) setText("q-list-status", "読み込んでいます…");
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/questionnaire-requests");
    if (!current(id)) return;
    if (quiet && signature(json.items || []) === signature(state.qRequests)) return;
    if (quiet && $("questionnaires").querySelector("form.q-visit-form")) return;
    state.qRequests = json.items || [];
    await renderRequests();
    if (!current(id)) return;
    setText("q-list-status", state.qRequests.length ? "" : "まだ問診票を送っていません。");
  } catch (e) {
    if (!current(id) || quiet) return;
    const lines = failure(e);
    if (lines) setText("q-list-status", lines.join(" / "));
  }
}

function requestItem(request, form) {
  const item = el("li", "member q-request");
  item.dataset.id = request.id;
  item.dataset.questionnaire = request.questionnaire;
  const who = el("div", "member-who");
  const head = el("span", "invitation-head");
  const title = el("strong", "member-name q-title", request.title || request.questionnaire);
  title.id = "q-request-" + request.id;
  head.append(request.questionnaire === KIHON ? title : asWritten(title), " ");
  const answered = Boolean(request.answered_at);
  head.appendChild(bilingual(el("span", "state-badge " + (answered ? "state-used" : "state-open")),
    answered ? "回答済み" : "未回答", answered ? "Answered" : "Not answered yet"));
  who.append(head, requestMeta(request));
  item.appendChild(who);
  if (!answered) {
    const visit = el("button", "secondary small q-visit");
    visit.type = "button";
    visit.dataset.visit = request.id;
    visit.setAttribute("aria-expanded", "false");
    visit.setAttribute("aria-describedby", title.id);
    bilingual(visit, "訪問時に代わりに記入する", "Fill in at a visit");
    item.appendChild(visit);
    return item;
  }
  const detail = el("div", "q-detail");
  if (request.questionnaire === KIHON && request.result) detail.appendChild(kihonBox(request));
  if (form) detail.appendChild(answersBox(request, form));
  else detail.appendChild(el("p", "muted", "問診票を読み込めませんでした。回答を表示できません。"));
  item.appendChild(detail);
  return item;
}

export async function renderRequests() {
  const id = state.patientId;
  const answered = state.qRequests.filter((r) => r.answered_at);
  const open = state.qRequests.filter((r) => !r.answered_at);
  // The forms the answered requests need, fetched before anything is drawn (once each).
  const forms = {};
  await Promise.all([...new Set(answered.map((r) => r.questionnaire))].map(async (q) => {
    try { forms[q] = await formOf(q); } catch (e) { forms[q] = null; }
  }));
  if (!current(id)) return;
  const openList = $("q-open");
  openList.textContent = "";
  open.forEach((r) => openList.appendChild(requestItem(r, null)));
  const doneList = $("q-answered");
  doneList.textContent = "";
  answered.forEach((r) => doneList.appendChild(requestItem(r, forms[r.questionnaire])));
  $("q-open-title").hidden = open.length === 0;
  setText("q-open-title", "未回答（" + open.length + "件）");
  $("q-answered-title").hidden = answered.length === 0;
  setText("q-answered-title", "回答済み（" + answered.length + "件）");
}

export async function sendQuestionnaire(event) {
  event.preventDefault();
  const form = $("q-form");
  const id = state.patientId;
  clearFieldErrors(form);
  showBox($("q-errors"), []);
  const select = $("q-select");
  const chosen = select.value;
  if (!chosen) {
    placeErrors({ errors: [{ pointer: "#/questionnaire", detail: "Choose a form.", detail_ja: "送る問診票を選んでください。" }], lines: [] }, fieldOf, $("q-errors"));
    return;
  }
  $("q-send").disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/questionnaire-requests", { json: { questionnaire: chosen } });
    if (!resp.ok) throw await apiError(resp);
    const made = await resp.json();
    if (!current(id)) return;
    state.qRequests = [made].concat(state.qRequests.filter((r) => r.id !== made.id));
    await renderRequests();
    setText("q-list-status", "");
    // What was sent, its title as written (a town's own words stay as they are in English).
    const status = $("q-status");
    const title = el("strong", null, made.title || chosen);
    status.textContent = "";
    status.append(el("span", null, "問診票を送りました（ご家族のページに表示されます）："), english() ? " " : "", made.questionnaire === KIHON ? title : asWritten(title));
  } catch (e) {
    if (!current(id)) return;
    if (e.errors && e.errors.length) placeErrors(e, fieldOf, $("q-errors"));
    else {
      const lines = failure(e);
      if (lines) showBox($("q-errors"), lines, false);
    }
  } finally {
    $("q-send").disabled = false;
  }
}

function fieldOf(pointer) {
  return pointer === "#/questionnaire" ? { line: $("q-select-error"), input: $("q-select") } : null;
}

// The lists' buttons: places near home, filling in at a visit.
export async function onQuestionnaireClick(event) {
  const places = event.target.closest("button[data-places]");
  if (places) { await togglePlaces(places); return; }
  const visit = event.target.closest("button[data-visit]");
  if (visit) {
    if (visit.getAttribute("aria-expanded") === "true") closeVisit(visit);
    else await openVisit(visit);
    return;
  }
  const cancel = event.target.closest("button[data-visit-cancel]");
  if (cancel) closeVisit($("q-open").querySelector("button[data-visit=\"" + CSS.escape(cancel.dataset.visitCancel) + "\"]"));
}

export async function onQuestionnaireSubmit(event) {
  const form = event.target.closest("form.q-visit-form");
  if (!form) return;
  event.preventDefault();
  const id = state.patientId;
  const outcome = await submitVisit(form);
  if (!outcome || !current(id)) return;
  if (outcome.conflict) {
    await loadRequests();
    setText("q-status", outcome.conflict.join(" / "));
    $("q-heading").focus(); // the form is gone: the section's heading, the status under it
    return;
  }
  const done = outcome.done;
  state.qRequests = state.qRequests.map((r) => (r.id === done.id ? done : r));
  await renderRequests();
  setText("q-status", "回答を記録しました。");
  const item = $("q-answered").querySelector("li[data-id=\"" + CSS.escape(done.id) + "\"]");
  const title = item && item.querySelector(".q-title");
  if (title) { title.tabIndex = -1; title.focus(); }
}
