// The family page: answering a questionnaire the team sent (問診), made for an older person
// on a phone. One question a screen in large type, 「はい」「いいえ」 as two big buttons (a tap
// answers and moves on), 「3 / 25」, 「前の質問に戻る」; numbers (height, weight) on one screen
// with 次へ; at the end every answer to check (each tappable to change) and 「回答を送る」.
// The form is the server's FHIR R4 Questionnaire; the answers go back as a
// QuestionnaireResponse. While answering they stay in sessionStorage (this tab only), so a
// reload loses nothing; sending, or the session's end, removes them.
import { apiError } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { api, failure, patientPath, setText, showLines } from "./base.js";
import { bare, decimalOf, draftOf, dropDraft, keepDraft, RANGE, responseBody, unitOf } from "./questionnaire-items.js";

// A double tap answers one question, not the next one too: the buttons wait this long.
const SETTLE_MS = 350;

const form = {
  request: null, // the questionnaire request being answered
  questionnaire: null, // its FHIR Questionnaire
  screens: [], // [{ kind: "yesno" | "measure", items: [Questionnaire.item] }]
  answers: {}, // linkId → true / false / a number
  index: 0, // the screen shown; screens.length is the review
  editing: false, // came from the review: answering returns there
  faults: {}, // linkId → the server's words (a 422), shown on the review
  sending: false,
  done: null, // (answered request) → the page goes on
  settle: 0, // the timer that makes はい・いいえ tappable again
};

const answered = (screen) => screen.items.every((item) => form.answers[item.linkId] !== undefined);

function saveDraft() {
  keepDraft(form.request.id, { answers: form.answers, index: form.index, editing: form.editing });
}

// --- showing a screen ---------------------------------------------------------------------

function meta() {
  const total = form.screens.length;
  const at = Math.min(form.index + 1, total);
  setText("q-progress", at + " / " + total);
  $("q-bar").max = total;
  $("q-bar").value = form.index >= total ? total : form.index;
}

function heading(text) {
  const h = $("q-heading");
  h.textContent = "";
  h.appendChild(el("span", "q-text", text));
  window.scrollTo(0, 0);
  h.focus();
}

function show(index) {
  form.index = Math.max(0, Math.min(index, form.screens.length));
  saveDraft();
  meta();
  $("q-answered").hidden = true;
  $("q-back").hidden = form.index === 0;
  $("q-kept").hidden = false;
  setText("q-close", "いったん閉じる");
  $("q-close").hidden = false;
  if (form.index === form.screens.length) return review();
  const screen = form.screens[form.index];
  $("q-review-part").hidden = true;
  $("q-yesno").hidden = screen.kind !== "yesno";
  $("q-measure").hidden = screen.kind !== "measure";
  if (screen.kind === "yesno") yesNo(screen.items[0]);
  else measure(screen.items);
}

function yesNo(item) {
  const answer = form.answers[item.linkId];
  [["q-yes", true], ["q-no", false]].forEach(([id, value]) => {
    const button = $(id);
    if (answer === undefined) button.removeAttribute("aria-pressed");
    else button.setAttribute("aria-pressed", String(answer === value));
    // Not tappable for a moment: the second tap of a double tap lands on nothing.
    button.disabled = true;
  });
  clearTimeout(form.settle);
  form.settle = setTimeout(() => { $("q-yes").disabled = false; $("q-no").disabled = false; }, SETTLE_MS);
  const chosen = $("q-chosen");
  chosen.hidden = answer === undefined;
  chosen.textContent = answer === undefined ? "" : pick("いまの答え：" + (answer ? "はい" : "いいえ"), "Your answer: " + (answer ? "Yes" : "No"));
  heading(item.text || "");
}

function measure(items) {
  const fields = $("q-fields");
  fields.textContent = "";
  items.forEach((item, i) => {
    const id = "q-field-" + i;
    const label = el("label", null, item.text || "");
    label.htmlFor = id;
    const input = el("input");
    input.id = id;
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.maxLength = 6;
    input.dataset.linkId = item.linkId;
    input.setAttribute("aria-describedby", id + "-error");
    const value = form.answers[item.linkId];
    input.value = value === undefined ? "" : String(value);
    const error = el("p", "field-error");
    error.id = id + "-error";
    error.hidden = true;
    fields.append(label, input, error);
  });
  const names = items.map((item) => bare(item.text));
  heading(names.join("と") + "を入れてください");
}

function fieldError(input, text) {
  const line = $(input.id + "-error");
  line.textContent = text;
  line.hidden = false;
  input.setAttribute("aria-invalid", "true");
}

// --- answering ----------------------------------------------------------------------------

function next() {
  const screen = form.screens[form.index];
  screen.items.forEach((item) => delete form.faults[item.linkId]);
  if (form.editing) {
    form.editing = false;
    show(form.screens.length);
  } else {
    show(form.index + 1);
  }
}

function answerYesNo(event) {
  const screen = form.screens[form.index];
  if (!screen || screen.kind !== "yesno") return;
  form.answers[screen.items[0].linkId] = event.currentTarget.dataset.answer === "yes";
  next();
}

function answerMeasure(event) {
  event.preventDefault();
  const screen = form.screens[form.index];
  if (!screen || screen.kind !== "measure") return;
  const inputs = Array.from($("q-fields").querySelectorAll("input"));
  const values = {};
  let first = null;
  inputs.forEach((input, i) => {
    const item = screen.items[i];
    const unit = unitOf(item);
    const range = RANGE[unit];
    const value = decimalOf(input.value);
    input.removeAttribute("aria-invalid");
    $(input.id + "-error").hidden = true;
    let problem = null;
    if (!input.value.trim()) problem = pick(bare(item.text) + "を入れてください。", "Please enter a number.");
    else if (isNaN(value)) problem = pick("数字で入れてください（例：" + (range ? range[2] : "50") + "）。", "Please enter a number (e.g. " + (range ? range[2] : "50") + ").");
    else if (range && (value < range[0] || value > range[1])) {
      problem = pick(bare(item.text) + "は " + range[0] + "〜" + range[1] + " " + unit + " で入れてください。",
        "Please enter " + range[0] + " to " + range[1] + " " + unit + ".");
    }
    if (problem) {
      fieldError(input, problem);
      if (!first) first = input;
    } else {
      values[item.linkId] = value;
    }
  });
  if (first) { first.focus(); return; }
  Object.assign(form.answers, values);
  next();
}

function back() {
  if (form.index > 0) show(form.index - 1);
}

// --- the review ---------------------------------------------------------------------------

function answerText(screen) {
  const line = el("span", "q-review-answer");
  if (!answered(screen)) {
    line.classList.add("missing");
    line.textContent = pick("まだ答えていません", "Not answered yet");
    return line;
  }
  if (screen.kind === "yesno") {
    line.textContent = form.answers[screen.items[0].linkId] ? pick("はい", "Yes") : pick("いいえ", "No");
    return line;
  }
  screen.items.forEach((item, i) => {
    if (i) line.append(pick("／", " / "));
    line.append(el("span", null, bare(item.text)), " " + form.answers[item.linkId] + " " + unitOf(item));
  });
  return line;
}

function review() {
  $("q-yesno").hidden = true;
  $("q-measure").hidden = true;
  $("q-review-part").hidden = false;
  setText("q-progress", pick("確認", "Check"));
  const list = $("q-review");
  list.textContent = "";
  form.screens.forEach((screen, i) => {
    const item = el("li", "q-review-item");
    const button = el("button", "q-review-button");
    button.type = "button";
    button.dataset.index = String(i);
    const number = screen.items[0].prefix || String(i + 1);
    button.append(el("span", "q-review-number", number));
    const words = el("span", "q-review-words");
    words.append(el("span", "q-review-question", screen.kind === "yesno" ? screen.items[0].text : screen.items.map((x) => bare(x.text)).join("・")));
    words.append(answerText(screen));
    button.append(words);
    item.appendChild(button);
    const faults = screen.items.map((x) => form.faults[x.linkId]).filter(Boolean);
    if (faults.length) {
      const line = el("p", "field-error", faults.join(" "));
      line.id = "q-fault-" + i;
      button.setAttribute("aria-describedby", line.id);
      item.classList.add("faulty");
      item.appendChild(line);
    }
    list.appendChild(item);
  });
  // Every refused answer changed: the refusal's box goes too (sending again says anew).
  if (!list.querySelector(".faulty")) showLines("q-errors", []);
  heading("回答の確認");
}

function changeFrom(event) {
  const button = event.target.closest(".q-review-button");
  if (!button || form.sending) return;
  form.editing = true;
  show(Number(button.dataset.index));
}

// --- sending ------------------------------------------------------------------------------

// A 422's faults beside their questions: `#/item/12/answer/0` is the 13th item sent.
function placeFaults(error, sent) {
  const general = [];
  (error.errors || []).forEach((e) => {
    const text = pick(e.detail_ja, e.detail);
    const match = /^#\/item\/(\d+)(\/|$)/.exec(e.pointer || "");
    const item = match ? sent.item[Number(match[1])] : null;
    if (item) form.faults[item.linkId] = text;
    else general.push(text);
  });
  if (!(error.errors || []).length) general.push(...error.lines);
  review();
  const firstFaulty = $("q-review").querySelector(".faulty .q-review-button");
  showLines("q-errors", (firstFaulty ? [pick("送れませんでした。「！」の付いた質問を押して、答えを直してください。",
    "Not sent. Tap the questions marked \u201c!\u201d and correct the answers.")] : []).concat(general));
  if (firstFaulty) firstFaulty.focus();
}

function showAnswered() {
  dropDraft(form.request.id);
  $("q-review-part").hidden = true;
  $("q-back").hidden = true;
  $("q-kept").hidden = true;
  $("q-answered").hidden = false;
  setText("q-close", "ページに戻る");
  heading(pick("回答済みの問診です", "Already answered"));
}

async function send() {
  if (form.sending) return;
  const missing = form.screens.findIndex((s) => !answered(s));
  showLines("q-errors", []);
  if (missing >= 0) {
    form.editing = true;
    show(missing);
    return;
  }
  form.sending = true;
  setText("q-send-status", "送っています…");
  const body = responseBody(form.questionnaire, form.answers, form.request.questionnaire);
  try {
    const path = patientPath("/questionnaire-requests/" + encodeURIComponent(form.request.id) + "/response");
    const resp = await api.authorized("POST", path, { json: body });
    if (resp.status === 409) { showAnswered(); return; }
    if (resp.status === 422) { placeFaults(await apiError(resp), body); return; }
    if (!resp.ok) throw await apiError(resp);
    const saved = await resp.json();
    dropDraft(form.request.id);
    if (form.done) form.done(saved);
  } catch (e) {
    const lines = failure(e);
    if (lines) showLines("q-errors", lines.concat([pick("答えはこのページに残っています。もう一度「回答を送る」を押してください。",
      "Your answers are kept on this page. Press \u201cSend the answers\u201d again.")]));
  } finally {
    form.sending = false;
    setText("q-send-status", "");
  }
}

// --- the view -----------------------------------------------------------------------------

// Answering `request` with `questionnaire` (its screens made by screensOf); `done` gets the
// answered request.
export function begin(request, questionnaire, screens, done) {
  const draft = draftOf(request.id);
  Object.assign(form, {
    request: request, questionnaire: questionnaire, screens: screens, done: done,
    answers: (draft && draft.answers) || {}, faults: {}, editing: !!(draft && draft.editing), sending: false,
  });
  setText("q-form-title", request.title || questionnaire.title || "");
  showLines("q-errors", []);
  // Where it was left: that screen, else the first unanswered one.
  const firstOpen = screens.findIndex((s) => !answered(s));
  show(draft && typeof draft.index === "number" ? draft.index : firstOpen < 0 ? screens.length : firstOpen);
}

export function answering() {
  return form.request ? form.request.id : null;
}

export function end() {
  form.request = null;
  form.questionnaire = null;
  form.screens = [];
  form.answers = {};
  form.faults = {};
  form.done = null;
  $("q-heading").textContent = "";
  $("q-review").textContent = "";
  $("q-fields").textContent = "";
  showLines("q-errors", []);
}

export function wire() {
  $("q-yes").addEventListener("click", answerYesNo);
  $("q-no").addEventListener("click", answerYesNo);
  $("q-measure").addEventListener("submit", answerMeasure);
  $("q-back").addEventListener("click", back);
  $("q-review").addEventListener("click", changeFrom);
  $("q-send").addEventListener("click", send);
}
