// The family page's questionnaire: one screen of questions drawn, and what was typed read
// back. はい/いいえ and a choice's options are big buttons (a tap answers; the form moves on);
// a number and words are typed, read when 次へ is pressed, a fault said beside the box. An
// optional question says so under it and has 「答えない（次へ）」. A town's or an
// organization's form is shown as written (translate="no": its wording is data).
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { asWritten, setText } from "./base.js";
import { bare, decimalOf, lengthOf, MAX_NUMBER, MAX_TEXT, optional, optionsOf, RANGE, unitOf } from "./questionnaire-items.js";

// A double tap answers one question, not the next one too: the buttons wait this long.
const SETTLE_MS = 350;
// The count under the words shows from here on: below it, it would only be noise.
const COUNT_FROM = 1800;
// Each kind of screen's part of the page.
const PARTS = { yesno: "q-yesno", choice: "q-choice", measure: "q-measure", text: "q-textform" };

const timers = { settle: 0, announce: 0 };

// A text of the form: as written for a town's or an organization's (`own`), else the page's.
export function words(tag, className, text, own) {
  const node = el(tag, className, text);
  return own ? asWritten(node) : node;
}

export function heading(text, own) {
  const h = $("q-heading");
  h.textContent = "";
  h.appendChild(words("span", "q-text", text, own));
  window.scrollTo(0, 0);
  h.focus();
}

// Not tappable for a moment: the second tap of a double tap lands on nothing.
function hold(buttons) {
  buttons.forEach((b) => { b.disabled = true; });
  clearTimeout(timers.settle);
  timers.settle = setTimeout(() => buttons.forEach((b) => { b.disabled = false; }), SETTLE_MS);
}

function pressed(button, on) {
  if (on === undefined) button.removeAttribute("aria-pressed");
  else button.setAttribute("aria-pressed", String(on));
}

// 「いまの答え：…」 under the buttons, when the question was answered before.
function chosen(id, text, own) {
  const line = $(id);
  line.textContent = "";
  line.hidden = text === null;
  if (text !== null) line.append(pick("いまの答え：", "Your answer: "), words("span", null, text, own));
}

function yesNo(item, answer, own) {
  const known = typeof answer === "boolean";
  pressed($("q-yes"), known ? answer : undefined);
  pressed($("q-no"), known ? !answer : undefined);
  chosen("q-chosen", known ? (answer ? pick("はい", "Yes") : pick("いいえ", "No")) : null, false);
  heading(item.text || "", own);
}

function choice(item, answer, own) {
  const box = $("q-options");
  box.textContent = "";
  let picked = null;
  optionsOf(item).forEach((option) => {
    const button = el("button", "answer");
    button.type = "button";
    button.dataset.code = option.code;
    const mark = el("span", "answer-mark", "✓");
    mark.setAttribute("aria-hidden", "true");
    button.append(mark, words("span", null, option.display, own));
    pressed(button, typeof answer === "string" ? answer === option.code : undefined);
    if (answer === option.code) picked = option.display;
    box.appendChild(button);
  });
  chosen("q-choice-chosen", picked, own);
  heading(item.text || "", own);
}

// A town's number: the question is the heading, the box says 「答え（数字）」.
const plainNumber = (items) => items.length === 1 && !unitOf(items[0]);

function measure(items, answers, own) {
  const fields = $("q-fields");
  fields.textContent = "";
  const plain = plainNumber(items);
  items.forEach((item, i) => {
    const id = "q-field-" + i;
    const label = plain ? el("label", null, pick("答え（数字）", "Answer (a number)")) : words("label", null, item.text || "", own);
    label.htmlFor = id;
    label.id = id + "-label";
    const input = el("input");
    input.id = id;
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.maxLength = plain ? 20 : 6;
    input.dataset.linkId = item.linkId;
    if (plain) input.setAttribute("aria-labelledby", "q-heading " + label.id);
    input.setAttribute("aria-describedby", id + "-error");
    const value = answers[item.linkId];
    input.value = typeof value === "number" ? String(value) : "";
    const error = el("p", "field-error");
    error.id = id + "-error";
    error.hidden = true;
    fields.append(label, input, error);
  });
  if (plain) heading(items[0].text || "", own);
  else heading(items.map((item) => bare(item.text)).join("と") + "を入れてください", own);
}

function text(item, answer, own) {
  const box = $("q-words");
  box.value = typeof answer === "string" ? answer : "";
  fault(box, "q-words-error", "");
  typedWords();
  setText("q-words-live", "");
  heading(item.text || "", own);
}

// The screen `screen` of a form (`own`: a town's or an organization's), with `answers` so far.
export function drawScreen(screen, answers, own) {
  quiet();
  Object.entries(PARTS).forEach(([kind, id]) => { $(id).hidden = kind !== screen.kind; });
  const may = optional(screen);
  $("q-optional-hint").hidden = !may;
  $("q-skip-part").hidden = !may;
  const item = screen.items[0];
  if (screen.kind === "yesno") yesNo(item, answers[item.linkId], own);
  else if (screen.kind === "choice") choice(item, answers[item.linkId], own);
  else if (screen.kind === "text") text(item, answers[item.linkId], own);
  else measure(screen.items, answers, own);
  const buttons = screen.kind === "yesno" ? [$("q-yes"), $("q-no")]
    : screen.kind === "choice" ? Array.from($("q-options").querySelectorAll("button")) : [];
  hold(may ? buttons.concat([$("q-skip")]) : buttons);
}

// No question shown (the review, 回答済み).
export function hideScreens() {
  quiet();
  Object.values(PARTS).forEach((id) => { $(id).hidden = true; });
  $("q-optional-hint").hidden = true;
  $("q-skip-part").hidden = true;
}

export function quiet() {
  clearTimeout(timers.settle);
  clearTimeout(timers.announce);
}

export function clearScreens() {
  quiet();
  $("q-fields").textContent = "";
  $("q-options").textContent = "";
  $("q-words").value = "";
  setText("q-words-live", "");
}

// --- reading what was typed -----------------------------------------------------------------

function fault(input, lineId, message) {
  const line = $(lineId);
  line.textContent = message;
  line.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// The numbers typed, { linkId: number }, or null with each fault said beside its box.
export function readMeasure(screen) {
  const plain = plainNumber(screen.items);
  const values = {};
  let first = null;
  Array.from($("q-fields").querySelectorAll("input")).forEach((input, i) => {
    const item = screen.items[i];
    const unit = unitOf(item);
    const range = RANGE[unit];
    const value = decimalOf(input.value, plain);
    const example = range ? range[2] : "50";
    let problem = "";
    if (!input.value.trim()) {
      if (!plain) problem = pick(bare(item.text) + "を入れてください。", "Please enter a number.");
      else if (optional(screen)) problem = pick("数字を入れるか、「答えない（次へ）」を押してください。", "Enter a number, or press \u201cSkip this question\u201d.");
      else problem = pick("数字を入れてください。", "Please enter a number.");
    } else if (isNaN(value)) {
      problem = pick("数字で入れてください（例：" + example + "）。", "Please enter a number (e.g. " + example + ").");
    } else if (range && (value < range[0] || value > range[1])) {
      problem = pick(bare(item.text) + "は " + range[0] + "〜" + range[1] + " " + unit + " で入れてください。",
        "Please enter " + range[0] + " to " + range[1] + " " + unit + ".");
    } else if (Math.abs(value) > MAX_NUMBER) {
      problem = pick("1,000,000 までの数字で入れてください。", "Please enter a number up to 1,000,000.");
    }
    fault(input, input.id + "-error", problem);
    if (problem && !first) first = input;
    if (!problem) values[item.linkId] = value;
  });
  if (first) { first.focus(); return null; }
  return values;
}

function countWords(n) {
  if (n > MAX_TEXT) return pick((n - MAX_TEXT) + " 文字多すぎます（" + MAX_TEXT + " 文字まで）。", (n - MAX_TEXT) + " characters too many (up to " + MAX_TEXT + ").");
  return pick("あと " + (MAX_TEXT - n) + " 文字書けます（" + MAX_TEXT + " 文字まで）。", (MAX_TEXT - n) + " characters left (up to " + MAX_TEXT + ").");
}

// The count under the box near the limit; said to a screen reader once typing pauses.
export function typedWords() {
  const box = $("q-words");
  const n = lengthOf(box.value);
  const count = $("q-words-count");
  count.hidden = n < COUNT_FROM;
  count.classList.toggle("over", n > MAX_TEXT);
  count.textContent = n < COUNT_FROM ? "" : countWords(n);
  // A fault the words no longer have goes (still too long: it stays).
  if (!$("q-words-error").hidden && !(n > MAX_TEXT && $("q-words-error").dataset.kind === "long")) fault(box, "q-words-error", "");
  clearTimeout(timers.announce);
  timers.announce = setTimeout(() => setText("q-words-live", n < COUNT_FROM ? "" : countWords(n)), 1000);
}

// The words written, { linkId: words }, or null with the fault said under the box.
export function readText(screen) {
  const box = $("q-words");
  const value = box.value.trim();
  const line = $("q-words-error");
  delete line.dataset.kind;
  let problem = "";
  if (!value) {
    problem = optional(screen) ? pick("答えを書くか、「答えない（次へ）」を押してください。", "Write an answer, or press \u201cSkip this question\u201d.")
      : pick("答えを書いてください。", "Please write an answer.");
  } else if (lengthOf(value) > MAX_TEXT) {
    // How many too many: the count above says it.
    problem = pick("長すぎます。" + MAX_TEXT + " 文字までにしてください。", "Too long: please keep it to " + MAX_TEXT + " characters.");
    line.dataset.kind = "long";
  }
  fault(box, "q-words-error", problem);
  if (problem) { box.focus(); return null; }
  return { [screen.items[0].linkId]: value };
}
