// The family page: questionnaires the care team sent (問診). One still to answer is said first
// on the page (「ケアチームから問診が届いています：基本チェックリスト」 and a big 「回答する」);
// those answered are listed with their date in the 問診 section. Answering is its own view
// (questionnaire-form.js) at #questionnaire=ID, so the phone's back button returns here and a
// reload goes on where it was. What the answers score is for the team to read: the family
// page shows nothing of `result`.
import { $, el } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";
import { loadAccess } from "./access.js";
import { api, asWritten, failure, patientPath, setText, showLines, showOnly, state, when } from "./base.js";
import { answering, begin, end, wire } from "./questionnaire-form.js";
import { answeredCount, draftOf, dropAllDrafts, ownWords, screensOf } from "./questionnaire-items.js";

const HASH = "questionnaire";
// pushed: the view added its own history entry; leaving: closed, history.back() under way.
const list = { items: [], loading: false, forms: {}, pushed: false, leaving: null, title: "" };

function hashRequest() {
  const fragment = location.hash.replace(/^#/, "");
  return fragment ? new URLSearchParams(fragment).get(HASH) : null;
}

// The form as a FHIR Questionnaire, fetched once.
async function formOf(id) {
  if (!list.forms[id]) list.forms[id] = await api.getJson("/api/v1/care/questionnaires/" + encodeURIComponent(id));
  return list.forms[id];
}

// --- the list -----------------------------------------------------------------------------

// The form's title: a town's or an organization's as written, the checklist's in the reader's language.
function titleOf(request, className) {
  const title = el("span", className || null, request.title || request.questionnaire);
  return ownWords(request.questionnaire) ? asWritten(title) : title;
}

function openCard(request) {
  const card = el("section", "q-request");
  card.dataset.id = request.id;
  const titleId = "q-request-" + request.id;
  card.setAttribute("aria-labelledby", titleId);
  const title = el("h2", "q-request-title");
  title.id = titleId;
  title.append(el("span", null, "ケアチームから問診が届いています："), titleOf(request));
  card.appendChild(title);
  const from = el("p", "muted");
  if (request.requested_by) from.append(asWritten(el("span", "q-request-by", request.requested_by)), pick("さんから　", " sent it, "));
  from.append(when(request.requested_at));
  card.appendChild(from);
  const draft = draftOf(request.id);
  const form = list.forms[request.questionnaire];
  const screens = form && screensOf(form);
  const done = draft && screens ? answeredCount(screens, draft.answers || {}) : 0;
  if (done) {
    card.appendChild(el("p", "q-request-draft", pick("途中まで答えています（" + done + " / " + screens.length + "）。続きから答えられます。",
      "Partly answered (" + done + " / " + screens.length + "). You can go on where you left off.")));
  }
  const button = el("button", "big q-answer", done ? pick("続きから回答する", "Continue answering") : pick("回答する", "Answer"));
  button.type = "button";
  button.setAttribute("aria-describedby", titleId);
  button.addEventListener("click", () => open(request.id, true));
  card.appendChild(button);
  return card;
}

function answeredLine(request) {
  const item = el("li", "q-done");
  item.dataset.id = request.id;
  item.appendChild(titleOf(request, "q-done-title"));
  item.appendChild(el("span", "badge", pick("回答済み", "Answered")));
  const by = request.answered_by === "professional" ? pick("（ケアチームが記入）", " (filled in by the care team)") : "";
  item.appendChild(el("span", "q-done-when muted", pick("回答：", "Answered: ") + when(request.answered_at) + by));
  return item;
}

function render() {
  // A card's button that had the focus keeps it when the cards are drawn again.
  const focused = document.activeElement && document.activeElement.closest(".q-request");
  const open = list.items.filter((r) => !r.answered_at);
  const done = list.items.filter((r) => r.answered_at);
  const top = $("questionnaire-open");
  top.textContent = "";
  open.forEach((r) => top.appendChild(openCard(r)));
  const past = $("questionnaire-answered");
  past.textContent = "";
  done.forEach((r) => past.appendChild(answeredLine(r)));
  if (!list.items.length) setText("questionnaire-status", pick("ケアチームからの問診は、いまはありません。", "There are no questionnaires from the care team."));
  else if (!done.length) setText("questionnaire-status", pick("回答した問診は、まだありません。届いている問診は、このページのいちばん上にあります。",
    "No questionnaire answered yet. The one to answer is at the top of this page."));
  else setText("questionnaire-status", "");
  if (focused) focusCard(focused.dataset.id);
}

function focusCard(id) {
  const button = $("questionnaire-open").querySelector(".q-request[data-id=\"" + CSS.escape(id || "") + "\"] button");
  if (button) button.focus();
  return !!button;
}

export async function loadQuestionnaires() {
  if (!state.me || list.loading) return;
  const patient = state.me.patient.id;
  list.loading = true;
  setText("questionnaire-status", pick("読み込んでいます…", "Loading…"));
  try {
    const page = await api.getJson(patientPath("/questionnaire-requests"));
    if (!state.me || state.me.patient.id !== patient) return;
    list.items = page.items || [];
    // The forms of those still open, to say how far a draft has come.
    await Promise.all(list.items.filter((r) => !r.answered_at && draftOf(r.id)).map((r) => formOf(r.questionnaire).catch(() => null)));
    render();
    followHash();
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("questionnaire-status", lines.join(" "));
  } finally {
    list.loading = false;
  }
}

// --- answering ----------------------------------------------------------------------------

async function open(id, push) {
  const request = list.items.find((r) => r.id === id && !r.answered_at);
  if (!request || !state.me) {
    if (hashRequest()) history.replaceState(null, "", location.pathname + location.search);
    return;
  }
  showLines("questionnaire-done", []);
  let form;
  try {
    form = await formOf(request.questionnaire);
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("questionnaire-status", lines.join(" "));
    return;
  }
  const screens = screensOf(form);
  if (!screens) {
    setText("questionnaire-status", pick("この問診は、このページではまだ答えられません。ケアチームにお伝えください。",
      "This questionnaire can not be answered on this page yet. Please tell the care team."));
    return;
  }
  if (push && hashRequest() !== id) {
    history.pushState(null, "", location.pathname + location.search + "#" + HASH + "=" + encodeURIComponent(id));
    list.pushed = true;
  }
  if (!answering()) list.title = document.title;
  document.title = pick("問診：", "Questionnaire: ") + say(request.title || request.questionnaire) + " | RainbowNet";
  showOnly("questionnaire-view");
  begin(request, form, screens, sent);
}

// Back on the record, the focus on the questionnaire's card (answered: on the 問診 heading).
function close() {
  const id = answering();
  if (!id) return;
  end();
  document.title = list.title || document.title;
  showOnly("home-view");
  if (hashRequest()) {
    if (list.pushed) {
      list.leaving = id;
      history.back();
    } else {
      history.replaceState(null, "", location.pathname + location.search);
    }
  }
  list.pushed = false;
  render();
  if (!focusCard(id)) $("questionnaire-title").focus();
}

function sent(request) {
  list.items = list.items.map((r) => (r.id === request.id ? request : r));
  close();
  showLines("questionnaire-done", [pick("回答を送りました。ケアチームが確認します。", "Your answers were sent. The care team will look at them.")], true);
  $("questionnaire-done").focus();
  loadQuestionnaires();
  // 「…が問診に回答しました」 joins the access log.
  loadAccess(false);
}

// The address says which questionnaire is open (a reload, the back button).
export function followHash() {
  if (!state.me) return;
  const id = hashRequest();
  if (list.leaving && id === list.leaving) return;
  list.leaving = null;
  if (id && answering() !== id) open(id, false);
  else if (!id && answering()) close();
}

export function resetQuestionnaires() {
  if (answering()) end();
  list.items = [];
  list.pushed = false;
  list.leaving = null;
  dropAllDrafts();
  $("questionnaire-open").textContent = "";
  $("questionnaire-answered").textContent = "";
  showLines("questionnaire-done", []);
  setText("questionnaire-status", "");
}

export function wireQuestionnaires() {
  wire();
  // Closed (the answers kept), or back after 「回答済み」: the list as the server has it now.
  $("q-close").addEventListener("click", () => {
    close();
    loadQuestionnaires();
  });
}
