// The care client: documents' templates (文書の様式): a template's fields as a form and as a
// list of labelled values.
import { dateJa } from "../lib/dates.js";
import { bilingual, el } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { getJson, placeErrors, state } from "./base.js";

export let templatesPending = null;
export function loadTemplates() {
  if (state.templates) return Promise.resolve(state.templates);
  if (!templatesPending) {
    templatesPending = getJson("/api/v1/care/templates")
      .then((json) => { state.templates = json.items || []; return state.templates; })
      .finally(() => { templatesPending = null; });
  }
  return templatesPending;
}

export function templateOf(id) {
  return (state.templates || []).find((t) => t.id === id) || null;
}

// How one stored value reads: a choice by its Japanese label, a date with its 和暦.
export function fieldText(field, value) {
  if (field.type === "choice") {
    const option = (field.options || []).find((o) => o[0] === value);
    return option ? option[1] : value;
  }
  if (field.type === "date") return dateJa(value);
  return value;
}

export function documentView(template, fields) {
  const box = el("section", "document");
  box.appendChild(bilingual(el("h3", "doc-title"), template.name_ja, template.name_en));
  const list = el("dl", "facts doc-fields");
  template.fields.forEach((f) => {
    const value = fields[f.key];
    if (value === undefined || value === null || value === "") return;
    const dt = bilingual(el("dt"), f.label_ja, f.label_en);
    const dd = el("dd", f.type === "long_text" ? "long" : null, fieldText(f, String(value)));
    dd.dataset.key = f.key;
    list.append(dt, dd);
  });
  box.appendChild(list);
  return box;
}

// The form of a template, filled with `values` (editing) or empty (a new document). Each
// field has its own error line, for the server's field errors (#/fields/{key}).
export function documentForm(template, values, prefix, editing) {
  const form = el("form", "doc-form" + (editing ? " edit-form doc-edit" : ""));
  form.noValidate = true;
  form.dataset.template = template.id;
  template.fields.forEach((f) => {
    const id = prefix + "-" + f.key;
    const wrap = el("div", "doc-field");
    wrap.dataset.key = f.key;
    const label = el("label");
    label.htmlFor = id;
    bilingual(label, f.label_ja, f.label_en);
    if (f.required) label.append(" ", el("span", "required-mark", "必須"));
    let input;
    if (f.type === "long_text") {
      input = el("textarea");
      input.rows = 4;
    } else if (f.type === "choice") {
      input = el("select");
      const blank = el("option", null, say("選んでください"));
      blank.value = "";
      input.appendChild(blank);
      (f.options || []).forEach((o) => {
        const option = el("option", null, o[1]);
        option.value = o[0];
        input.appendChild(option);
      });
    } else {
      input = el("input");
      // Dates are typed as people write them on paper: 和暦 (令和8年11月25日, R8.11.25) or
      // 2026-11-25; a date picker can not take 和暦, so the server reads the text.
      input.type = "text";
      input.autocomplete = "off";
      if (f.type === "date") {
        input.placeholder = "例：令和8年11月25日";
        input.classList.add("date-text");
      }
    }
    if (f.max && f.type !== "choice") input.maxLength = f.max;
    input.id = id;
    input.name = f.key;
    input.dataset.key = f.key;
    if (f.required) { input.required = true; input.setAttribute("aria-required", "true"); }
    const line = el("p", "field-error");
    line.id = id + "-error";
    line.hidden = true;
    input.setAttribute("aria-describedby", line.id);
    const value = values && values[f.key];
    if (value !== undefined && value !== null) input.value = String(value);
    wrap.append(label, input, line);
    form.appendChild(wrap);
  });
  const errors = el("div", "errors doc-errors");
  errors.dataset.extra = "doc-errors";
  errors.hidden = true;
  errors.setAttribute("role", "alert");
  const actions = el("p", "actions");
  const save = el("button", editing ? null : "wide");
  save.type = "submit";
  if (editing) bilingual(save, "保存", "Save");
  else bilingual(save, "文書を投稿する", "Post the document");
  actions.appendChild(save);
  const cancel = el("button", "secondary");
  cancel.type = "button";
  cancel.dataset.cancel = "1";
  bilingual(cancel, "取消", "Cancel");
  actions.appendChild(cancel);
  form.append(errors, actions);
  return form;
}

export function documentValues(form) {
  const fields = {};
  form.querySelectorAll("[data-key]").forEach((input) => {
    if (input.matches("input, select, textarea")) fields[input.dataset.key] = input.value.trim();
  });
  return fields;
}

export function showDocumentErrors(form, error) {
  placeErrors(error, (pointer) => {
    const m = /^#\/fields\/(.+)$/.exec(pointer);
    const wrap = m && form.querySelector('.doc-field[data-key="' + CSS.escape(m[1]) + '"]');
    return wrap ? { line: wrap.querySelector(".field-error"), input: wrap.querySelector("[data-key]") } : null;
  }, form.querySelector(".doc-errors"));
}
