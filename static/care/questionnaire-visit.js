// The care client: a questionnaire filled in by the team at a visit (issue #34), for a request
// still open: the form's questions under the request (はい/いいえ and choices as radio
// buttons, numbers with their unit, text), sent as a FHIR QuestionnaireResponse
// (POST …/questionnaire-requests/{request}/response, answered_by "professional"). A question
// left unanswered is said beside it before anything is sent; the server's faults come back by
// pointer (#/item/3/answer/0: the fourth answer sent) and stand beside that question. An
// answer the family sent first is 409: said, and the list read again.
import { apiError } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { asWritten, authorized, clearFieldErrors, current, failure, numberOf, placeErrors, showBox, state } from "./base.js";
import { formOf, KIHON } from "./questionnaire-result.js";

let seq = 0;

function unitOf(item) {
  const ext = (item.extension || []).find((x) => /questionnaire-unit$/.test(x.url || ""));
  return ext && ext.valueCoding ? ext.valueCoding.code || "" : "";
}

// A group of radio buttons (はい/いいえ, or a choice's options) in a fieldset.
function radios(legend, name, choices, own, errorId) {
  const set = el("fieldset", "q-field q-radios");
  set.appendChild(legend);
  set.setAttribute("aria-describedby", errorId);
  choices.forEach((c) => {
    const label = el("label", "choice");
    const input = el("input");
    input.type = "radio";
    input.name = name;
    input.value = c.value;
    const text = el("span", null, c.text);
    label.append(input, " ", own ? asWritten(text) : text);
    set.appendChild(label);
  });
  return set;
}

// One question as a field: { node, read() → answer object | null, focus target }.
function field(item, index, own) {
  const id = "qv-" + (++seq);
  const errorId = id + "-error";
  const question = () => {
    const span = el("span", "q-question", item.text);
    return own ? asWritten(span) : span;
  };
  const prefix = item.prefix ? el("span", "q-prefix", item.prefix) : null;
  let node;
  let read;
  let focus;
  if (item.type === "boolean" || item.type === "choice") {
    const legend = el("legend");
    if (prefix) legend.append(prefix, " ");
    legend.appendChild(question());
    const choices = item.type === "boolean"
      ? [{ value: "true", text: "はい" }, { value: "false", text: "いいえ" }]
      : (item.answerOption || []).map((o) => ({ value: o.valueCoding.code, text: o.valueCoding.display }));
    node = radios(legend, id, choices, own && item.type === "choice", errorId);
    read = () => {
      const on = node.querySelector("input:checked");
      if (!on) return null;
      if (item.type === "boolean") return { valueBoolean: on.value === "true" };
      const option = (item.answerOption || []).find((o) => o.valueCoding.code === on.value);
      return { valueCoding: Object.assign({}, option ? option.valueCoding : { code: on.value }) };
    };
    focus = () => node.querySelector("input");
  } else {
    node = el("div", "q-field");
    const label = el("label");
    label.htmlFor = id;
    if (prefix) label.append(prefix, " ");
    label.appendChild(question());
    const input = el(item.type === "text" ? "textarea" : "input");
    input.id = id;
    input.setAttribute("aria-describedby", errorId);
    if (item.type === "text") { input.rows = 3; input.maxLength = 2000; } else { input.inputMode = "decimal"; input.autocomplete = "off"; }
    node.appendChild(label);
    const unit = item.type === "text" ? "" : unitOf(item);
    if (unit) {
      const row = el("span", "q-unit-row");
      row.append(input, el("span", "q-unit", unit));
      node.appendChild(row);
    } else {
      node.appendChild(input);
    }
    read = () => {
      const text = input.value.trim();
      if (!text) return null;
      if (item.type === "text") return { valueString: text };
      const value = numberOf(text);
      return isNaN(value) ? { typo: true } : { valueDecimal: value };
    };
    focus = () => input;
  }
  const error = el("p", "field-error");
  error.id = errorId;
  error.hidden = true;
  node.appendChild(error);
  return { item, index, node, read, focus, error };
}

// The form under the request's line, its first question focused.
export async function openVisit(button) {
  const id = state.patientId;
  const request = (state.qRequests || []).find((r) => r.id === button.dataset.visit);
  if (!request) return;
  const item = button.closest("li");
  button.disabled = true;
  let questionnaire;
  try {
    questionnaire = await formOf(request.questionnaire);
  } catch (e) {
    button.disabled = false;
    const lines = failure(e);
    if (lines && current(id)) showBox($("q-errors"), lines, false);
    return;
  }
  button.disabled = false;
  if (!current(id) || !item.isConnected) return;
  const own = request.questionnaire !== KIHON;
  const form = el("form", "q-visit-form post-form");
  form.noValidate = true;
  form.dataset.request = request.id;
  form.id = "q-visit-" + request.id;
  form.appendChild(el("p", "muted", "ご本人・ご家族に伺いながら記入します。送ると回答済みになり、ご家族は回答できなくなります。"));
  const fields = (questionnaire.item || []).map((q, i) => field(q, i, own));
  fields.forEach((f) => form.appendChild(f.node));
  form.fields = fields;
  form.questionnaire = questionnaire;
  const errors = el("div", "errors q-visit-errors");
  errors.dataset.extra = "q-visit-errors"; // kept when showBox sets the box's state
  errors.setAttribute("role", "alert");
  errors.hidden = true;
  form.appendChild(errors);
  const actions = el("p", "actions");
  const submit = el("button", "q-visit-submit");
  submit.type = "submit";
  bilingual(submit, "回答を記録する", "Record the answers");
  const cancel = el("button", "secondary q-visit-cancel");
  cancel.type = "button";
  cancel.dataset.visitCancel = request.id;
  bilingual(cancel, "記入をやめる", "Cancel");
  actions.append(submit, cancel);
  form.appendChild(actions);
  item.appendChild(form);
  button.setAttribute("aria-expanded", "true");
  button.setAttribute("aria-controls", form.id);
  const first = fields[0] && fields[0].focus();
  if (first) first.focus();
}

export function closeVisit(button) {
  if (!button) return;
  const form = $("q-visit-" + button.dataset.visit);
  if (form) form.remove();
  button.setAttribute("aria-expanded", "false");
  button.removeAttribute("aria-controls");
  button.focus();
}

// → { done: the request as answered } or { conflict: lines } (answered by someone else
// first), or null (the reasons shown in the form).
export async function submitVisit(form) {
  const id = state.patientId;
  const fields = form.fields || [];
  const box = form.querySelector(".q-visit-errors");
  clearFieldErrors(form);
  showBox(box, []);
  const slotOf = (f) => ({ line: f.error, input: f.focus() });
  const sent = [];
  const faults = [];
  fields.forEach((f) => {
    const answer = f.read();
    if (answer && answer.typo) faults.push({ f, ja: "数字で入力してください。", en: "Enter a number." });
    else if (answer) sent.push({ f, item: { linkId: f.item.linkId, answer: [answer] } });
    else if (f.item.required) faults.push({ f, ja: "回答してください。", en: "Answer this question." });
  });
  if (faults.length) {
    const errors = faults.map((x) => ({ pointer: "field:" + x.f.index, detail: x.en, detail_ja: x.ja }));
    placeErrors({ errors, lines: [] }, (p) => slotOf(fields[Number(p.slice(6))]), box);
    return null;
  }
  const q = form.questionnaire;
  const body = { resourceType: "QuestionnaireResponse", questionnaire: q.url || q.id, status: "completed", item: sent.map((s) => s.item) };
  const submit = form.querySelector(".q-visit-submit");
  submit.disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/questionnaire-requests/" + enc(form.dataset.request) + "/response", { json: body });
    // Answered meanwhile (by the family): the caller reads the list again and says why.
    if (resp.status === 409) return current(id) ? { conflict: (await apiError(resp)).lines } : null;
    if (!resp.ok) throw await apiError(resp);
    const done = await resp.json();
    return current(id) ? { done } : null;
  } catch (e) {
    if (!current(id)) return null;
    // #/item/{i}/…: the i-th answer sent.
    const find = (pointer) => {
      const m = /^#\/item\/(\d+)(\/|$)/.exec(pointer);
      const s = m && sent[Number(m[1])];
      return s ? slotOf(s.f) : null;
    };
    if (e.errors && e.errors.length) placeErrors(e, find, box);
    else {
      const lines = failure(e);
      if (lines) showBox(box, lines, false);
    }
    return null;
  } finally {
    submit.disabled = false;
  }
}
