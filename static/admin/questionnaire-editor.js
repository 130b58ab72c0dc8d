// The administration page: writing a questionnaire (問診票) of one's own town (municipal
// staff) or organization (org admins): a title and questions, each with its text, how it is
// answered (はい／いいえ, 選択 with 2–10 options, 数値, 自由記述) and whether an answer is
// required; questions are added, removed and moved up and down. Saved with
// POST /api/v1/care/questionnaires; the server's faults come back by pointer
// (#/items/2/options) and stand beside that question's field. A form is not changed once
// saved (requests sent name it): a new one is written instead, from an old one if wished.
import { $, el } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";
import { api, show, SIGNED_OUT } from "./base.js";

// How a question is answered, in the reader's language here: 選択 alone already reads
// "Selected:" elsewhere in the dictionary.
export const TYPES = [
  ["boolean", "はい／いいえ", "Yes / no"],
  ["choice", "選択", "Choice"],
  ["decimal", "数値", "Number"],
  ["text", "自由記述", "Free text"],
];
const MAX_OPTIONS = 10;

// The questions being written: { key, text, type, options: [text], required, errors }
// (errors: the server's faults by field name, kept with the question when it moves).
let rows = [];
let keys = 0;
let saved = () => {};

const newRow = (from) => Object.assign({ key: ++keys, text: "", type: "boolean", options: [], required: true }, from || {}, { errors: {} });
const rowOf = (node) => rows.find((r) => String(r.key) === node.closest("li.q-item").dataset.key);
const fieldId = (row, name) => "qe-" + row.key + "-" + name;

// What to do once a form is saved (the list is read again: questionnaires.js).
export function whenSaved(work) {
  saved = work;
}

export function resetEditor(from) {
  rows = from && from.items && from.items.length ? from.items.map((i) => newRow(i)) : [newRow()];
  $("q-title").value = from ? from.title || "" : "";
  clearErrors();
  renderRows();
}

function labelled(text, control) {
  const label = el("label", null, text);
  label.htmlFor = control.id;
  return label;
}

// A field's fault line, with the fault the server found there (if any).
function errorLine(id, text) {
  const line = el("p", "field-error", text || "");
  line.id = id;
  line.hidden = !text;
  return line;
}

// The fault of a question's field, said again when the question is drawn again.
function faulted(row, name, input) {
  if (row.errors[name] && input) input.setAttribute("aria-invalid", "true");
  return errorLine(fieldId(row, name + "-error"), row.errors[name]);
}

function button(text, action, label, className) {
  const b = el("button", "button secondary " + (className || ""), text);
  b.type = "button";
  b.dataset.action = action;
  if (label) b.setAttribute("aria-label", label);
  return b;
}

function optionsBox(row, n) {
  const box = el("fieldset", "q-options");
  box.setAttribute("aria-describedby", fieldId(row, "options-error"));
  box.appendChild(el("legend", null, "選択肢（2〜" + MAX_OPTIONS + "個）"));
  const list = el("ol", "q-option-list");
  row.options.forEach((text, j) => {
    const item = el("li", "q-option");
    item.dataset.index = String(j);
    const input = el("input");
    input.id = fieldId(row, "option-" + j);
    input.maxLength = 100;
    input.autocomplete = "off";
    input.value = text;
    input.dataset.option = String(j);
    const line = el("div", "copy-row");
    line.append(input, button("削除", "remove-option", say("質問" + n + "の選択肢" + (j + 1) + "を削除")));
    item.append(labelled("選択肢 " + (j + 1), input), line);
    list.appendChild(item);
  });
  box.appendChild(list);
  const add = button("選択肢を追加", "add-option", say("質問" + n + "に選択肢を追加"));
  add.disabled = row.options.length >= MAX_OPTIONS;
  const more = el("p");
  more.appendChild(add);
  box.appendChild(more);
  box.appendChild(faulted(row, "options", list.querySelector("input")));
  box.hidden = row.type !== "choice";
  return box;
}

function rowItem(row, i) {
  const n = i + 1;
  const item = el("li", "q-item");
  item.dataset.key = String(row.key);
  const box = el("fieldset", "q-item-box");
  box.appendChild(el("legend", null, "質問 " + n));
  const text = el("textarea");
  text.id = fieldId(row, "text");
  text.rows = 2;
  text.maxLength = 500;
  text.value = row.text;
  text.dataset.field = "text";
  text.setAttribute("aria-describedby", fieldId(row, "text-error"));
  const type = el("select");
  type.id = fieldId(row, "type");
  type.dataset.field = "type";
  type.setAttribute("aria-describedby", fieldId(row, "type-error"));
  TYPES.forEach(([code, ja, en]) => { const o = el("option", null, pick(ja, en)); o.value = code; type.appendChild(o); });
  type.value = row.type;
  const required = el("input");
  required.type = "checkbox";
  required.id = fieldId(row, "required");
  required.dataset.field = "required";
  required.checked = row.required;
  const check = el("label", "check");
  check.htmlFor = required.id;
  check.append(required, " ", el("span", "check-text", "回答を必須にする"));
  const moves = el("p", "actions q-item-actions");
  const up = button("上へ", "up", say("質問" + n + "を上へ移動"));
  up.disabled = i === 0;
  const down = button("下へ", "down", say("質問" + n + "を下へ移動"));
  down.disabled = i === rows.length - 1;
  const remove = button("この質問を削除", "remove", say("この質問を削除（質問" + n + "）"), "danger");
  remove.disabled = rows.length === 1;
  moves.append(up, down, remove);
  box.append(labelled("質問文", text), text, faulted(row, "text", text),
    labelled("答え方", type), type, faulted(row, "type", type),
    optionsBox(row, n), check, faulted(row, "required", required), moves);
  item.appendChild(box);
  return item;
}

function renderRows() {
  const list = $("q-items");
  list.textContent = "";
  rows.forEach((row, i) => list.appendChild(rowItem(row, i)));
}

// Redrawn, then the focus where the hand is: `target(row)` → the element's id.
function redraw(row, target) {
  renderRows();
  const next = row && $(target(row));
  if (next && !next.disabled) next.focus();
}

export function addQuestion() {
  const row = newRow();
  rows.push(row);
  redraw(row, (r) => fieldId(r, "text"));
}

export function onEditorInput(event) {
  const row = event.target.closest("li.q-item") && rowOf(event.target);
  if (!row) return;
  const t = event.target;
  if (t.dataset.field === "text") row.text = t.value;
  if (t.dataset.option !== undefined) row.options[Number(t.dataset.option)] = t.value;
  if (t.dataset.field === "required") row.required = t.checked;
  if (t.dataset.field === "type" && event.type === "change") {
    row.type = t.value;
    if (row.type === "choice" && row.options.length < 2) {
      // A choice starts with two empty options: drawn again, the focus kept on 答え方.
      row.options = row.options.concat(["", ""]).slice(0, 2);
      redraw(row, (r) => fieldId(r, "type"));
      return;
    }
    t.closest("li.q-item").querySelector("fieldset.q-options").hidden = row.type !== "choice";
  }
}

export function onEditorClick(event) {
  const b = event.target.closest("button[data-action]");
  if (!b || !b.closest("li.q-item")) return;
  const row = rowOf(b);
  const i = rows.indexOf(row);
  const action = b.dataset.action;
  if (action === "up" || action === "down") {
    const j = action === "up" ? i - 1 : i + 1;
    if (j < 0 || j >= rows.length) return;
    [rows[i], rows[j]] = [rows[j], rows[i]];
    renderRows();
    // The same button on the moved question, or the other one at an end.
    const li = $("q-items").querySelector("li[data-key=\"" + row.key + "\"]");
    const same = li.querySelector("button[data-action=" + action + "]");
    (same.disabled ? li.querySelector("button[data-action=" + (action === "up" ? "down" : "up") + "]") : same).focus();
    $("q-editor-status").textContent = say("質問" + (i + 1) + "を" + (j + 1) + "番目に移動しました。");
  } else if (action === "remove") {
    if (rows.length === 1) return;
    rows.splice(i, 1);
    const next = rows[Math.min(i, rows.length - 1)];
    redraw(next, (r) => fieldId(r, "text"));
    $("q-editor-status").textContent = say("質問" + (i + 1) + "を削除しました。");
  } else if (action === "add-option") {
    if (row.options.length >= MAX_OPTIONS) return;
    row.options.push("");
    redraw(row, (r) => fieldId(r, "option-" + (r.options.length - 1)));
  } else if (action === "remove-option") {
    const j = Number(b.closest("li.q-option").dataset.index);
    row.options.splice(j, 1);
    renderRows();
    // The option before it, or 選択肢を追加 when none is left.
    const li = $("q-items").querySelector("li[data-key=\"" + row.key + "\"]");
    const next = row.options.length ? $(fieldId(row, "option-" + Math.max(0, j - 1))) : li.querySelector("button[data-action=add-option]");
    if (next) next.focus();
  }
}

function clearErrors() {
  const form = $("q-editor");
  for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  for (const row of rows) row.errors = {};
  show("q-editor-errors", [], false);
  $("q-editor-status").textContent = "";
}

// A pointer's field: { line, input } (#/title, #/items, #/items/{i}/{text|type|options|required}).
function slotOf(pointer) {
  if (pointer === "#/title") return { line: $("q-title-error"), input: $("q-title") };
  if (pointer === "#/items") return { line: $("q-items-error"), input: null };
  const m = /^#\/items\/(\d+)\/(text|type|options|required)(\/\d+)?$/.exec(pointer);
  const row = m && rows[Number(m[1])];
  if (!row) return null;
  const name = m[2];
  const input = name === "options"
    ? $(fieldId(row, "option-0")) || $(fieldId(row, "type"))
    : $(fieldId(row, name));
  return { line: $(fieldId(row, name + "-error")), input, row, name };
}

function showProblem(status, problem) {
  const rest = [];
  let first = null;
  let placed = 0;
  for (const e of problem.errors || []) {
    const slot = slotOf(e.pointer || "");
    const text = pick(e.detail_ja, e.detail);
    if (!slot || !slot.line) { rest.push(text); continue; }
    slot.line.textContent = text;
    slot.line.hidden = false;
    if (slot.row) slot.row.errors[slot.name] = text;
    if (slot.input) { slot.input.setAttribute("aria-invalid", "true"); first = first || slot.input; }
    placed += 1;
  }
  if (!(problem.errors || []).length) {
    rest.push(status === 403
      ? "問診票を作れるのは市町の職員（市町の問診票）と事業所の管理者（事業所の問診票）です。"
      : (pick(problem.detail_ja, problem.detail) || pick(problem.title_ja, problem.title) || "HTTP " + status));
  }
  if (placed) rest.unshift("入力内容を確認してください（" + placed + "項目）。");
  show("q-editor-errors", rest, false);
  if (first) first.focus();
}

export async function saveQuestionnaire(event) {
  event.preventDefault();
  clearErrors();
  const body = {
    title: $("q-title").value.trim(),
    items: rows.map((r) => {
      const item = { text: r.text.trim(), type: r.type, required: r.required };
      if (r.type === "choice") item.options = r.options.map((o) => o.trim()).filter(Boolean);
      return item;
    }),
  };
  $("q-save").disabled = true;
  try {
    const res = await api("POST", "/api/v1/care/questionnaires", { body: JSON.stringify(body) });
    if (!res.ok) { showProblem(res.status, res.json || {}); return; }
    resetEditor(null);
    show("q-editor-errors", [], false);
    show("q-result", ["保存しました：「" + res.json.title + "」（" + res.json.items.length + "問）。専門職が利用者に送れるようになりました。"], true);
    await saved(res.json);
  } catch (e) {
    if (e !== SIGNED_OUT) show("q-editor-errors", ["送信できませんでした。通信状態を確認してください。"], false);
  } finally {
    $("q-save").disabled = false;
  }
}
