// The family page: answering a questionnaire the team sent (問診), made for an older person
// on a phone. One question a screen in large type, 「はい」「いいえ」 or a choice's options as
// big buttons (a tap answers and moves on), 「3 / 25」, 「前の質問に戻る」; numbers (height
// and weight together) and words with 次へ; an optional question has 「答えない（次へ）」
// (questionnaire-screens.js draws each screen); at the end every answer to check (each
// tappable to change, one left unanswered said so) and 「回答を送る」.
// The form is the server's FHIR R4 Questionnaire; the answers go back as a
// QuestionnaireResponse. While answering they stay in sessionStorage (this tab only), so a
// reload loses nothing; sending, or the session's end, removes them.
import { apiError } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { api, failure, patientPath, setText, showLines } from "./base.js";
import { bare, draftOf, dropDraft, keepDraft, optional, optionsOf, ownWords, responseBody, unitOf } from "./questionnaire-items.js";
import { clearScreens, drawScreen, heading, hideScreens, readMeasure, readText, typedWords, words } from "./questionnaire-screens.js";

const form = {
  request: null, // the questionnaire request being answered
  questionnaire: null, // its FHIR Questionnaire
  own: false, // a town's or an organization's form: its wording shown as written
  screens: [], // [{ kind: "yesno" | "choice" | "measure" | "text", items: [Questionnaire.item] }]
  answers: {}, // linkId → true / false / a number / an option's code / words; null: left unanswered
  index: 0, // the screen shown; screens.length is the review
  editing: false, // came from the review: answering returns there
  faults: {}, // linkId → the server's words (a 422), shown on the review
  sending: false,
  done: null, // (answered request) → the page goes on
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
  $("q-review-part").hidden = true;
  drawScreen(form.screens[form.index], form.answers, form.own);
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

// The screen shown, if it is of `kinds`.
function shown(...kinds) {
  const screen = form.screens[form.index];
  return screen && kinds.includes(screen.kind) ? screen : null;
}

function answerYesNo(event) {
  const screen = shown("yesno");
  if (!screen) return;
  form.answers[screen.items[0].linkId] = event.currentTarget.dataset.answer === "yes";
  next();
}

function answerOption(event) {
  const button = event.target.closest("button[data-code]");
  const screen = shown("choice");
  if (!button || button.disabled || !screen) return;
  form.answers[screen.items[0].linkId] = button.dataset.code;
  next();
}

// 次へ under a number or words: what was typed, or its fault beside the box.
function answerTyped(event) {
  event.preventDefault();
  const screen = shown("measure", "text");
  if (!screen) return;
  const values = screen.kind === "text" ? readText(screen) : readMeasure(screen);
  if (!values) return;
  Object.assign(form.answers, values);
  next();
}

// 「答えない（次へ）」: left unanswered on purpose (null), and left out of the response.
function skip() {
  const screen = form.screens[form.index];
  if (!screen || !optional(screen)) return;
  screen.items.forEach((item) => { form.answers[item.linkId] = null; });
  next();
}

function back() {
  if (form.index > 0) show(form.index - 1);
}

// --- the review ---------------------------------------------------------------------------

// Words written, as the review shows them: the first line's start, the rest on its screen.
const SHORT = 80;
const shortened = (text) => {
  const flat = String(text).replace(/\s+/g, " ");
  return [...flat].length > SHORT ? [...flat].slice(0, SHORT).join("") + "…" : flat;
};

function answerText(screen) {
  const line = el("span", "q-review-answer");
  if (!answered(screen)) {
    line.classList.add("missing");
    line.textContent = pick("まだ答えていません", "Not answered yet");
    return line;
  }
  const item = screen.items[0];
  const value = form.answers[item.linkId];
  if (screen.items.every((x) => form.answers[x.linkId] === null)) {
    line.classList.add("skipped");
    line.textContent = pick("（答えていません）", "(not answered)");
  } else if (screen.kind === "yesno") {
    line.textContent = value ? pick("はい", "Yes") : pick("いいえ", "No");
  } else if (screen.kind === "choice") {
    const option = optionsOf(item).find((o) => o.code === value);
    line.appendChild(words("span", null, option ? option.display : value, form.own));
  } else if (screen.kind === "text") {
    line.appendChild(words("span", "q-review-written", shortened(value), true)); // the family's own words
  } else if (screen.items.length === 1 && !unitOf(item)) {
    line.textContent = String(value);
  } else {
    screen.items.forEach((x, i) => {
      if (i) line.append(pick("／", " / "));
      line.append(el("span", null, bare(x.text)), " " + form.answers[x.linkId] + " " + unitOf(x));
    });
  }
  return line;
}

// The question as the review names it: 「身長・体重」 for numbers of one question.
function questionText(screen) {
  const text = screen.kind === "measure" && screen.items.length > 1 ? screen.items.map((x) => bare(x.text)).join("・") : screen.items[0].text;
  return words("span", "q-review-question", text, form.own);
}

function review() {
  hideScreens();
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
    const said = el("span", "q-review-words");
    said.append(questionText(screen), answerText(screen));
    button.append(said);
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
  hideScreens();
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
    own: ownWords(request.questionnaire),
  });
  setText("q-form-title", request.title || questionnaire.title || "");
  $("q-form-title").translate = !form.own;
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
  clearScreens();
  showLines("q-errors", []);
}

export function wire() {
  $("q-yes").addEventListener("click", answerYesNo);
  $("q-no").addEventListener("click", answerYesNo);
  $("q-options").addEventListener("click", answerOption);
  $("q-measure").addEventListener("submit", answerTyped);
  $("q-textform").addEventListener("submit", answerTyped);
  $("q-words").addEventListener("input", typedWords);
  $("q-skip").addEventListener("click", skip);
  $("q-back").addEventListener("click", back);
  $("q-review").addEventListener("click", changeFrom);
  $("q-send").addEventListener("click", send);
}
