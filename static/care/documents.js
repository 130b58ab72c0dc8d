// The care client: writing a document (文書) for the patient: the panel with a template's
// form, and the message form it takes turns with.
import { ApiError, apiError } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { authorized, clearFieldErrors, current, draftKey, failure, setText, showBox, state } from "./base.js";
import { documentForm, documentValues, loadTemplates, showDocumentErrors, templateOf } from "./templates.js";
import { prependPost } from "./timeline.js";

export async function openDocumentPanel() {
  const panel = $("doc-panel");
  if (!panel.hidden) { closeDocumentPanel(); return; }
  panel.hidden = false;
  togglePostForm(false);
  $("doc-new").setAttribute("aria-expanded", "true");
  bilingual($("doc-new"), "通常の投稿に戻る", "Back to a message");
  setText("doc-status", "");
  const select = $("doc-template");
  if (!select.options.length) {
    setText("doc-status", "様式を読み込んでいます…");
    try {
      const templates = await loadTemplates();
      select.textContent = "";
      templates.forEach((t) => {
        const option = el("option", null, pick(t.name_ja, t.name_en));
        option.value = t.id;
        select.appendChild(option);
      });
      setText("doc-status", "");
    } catch (e) {
      const lines = failure(e);
      if (lines) setText("doc-status", lines.join(" / "));
      return;
    }
  }
  renderDocumentForm();
  select.focus();
}

// The message form, folded away until the person asks to write.
export function togglePostForm(open) {
  const show = open === undefined ? $("post-form").hidden : open;
  if (show && !$("doc-panel").hidden) closeDocumentPanel();
  $("post-form").hidden = !show;
  $("post-new").setAttribute("aria-expanded", String(show));
  $("post-new").textContent = show ? "書くのをやめる" : "投稿を書く";
  if (show) $("post-body").focus();
}

export function closeDocumentPanel() {
  $("doc-panel").hidden = true;
  $("doc-form-box").textContent = "";
  $("post-form").hidden = true;
  $("doc-new").setAttribute("aria-expanded", "false");
  bilingual($("doc-new"), "文書を作成", "New document");
  state.docDraft = null;
}

export function renderDocumentForm() {
  const box = $("doc-form-box");
  box.textContent = "";
  const template = templateOf($("doc-template").value);
  if (!template) return;
  box.appendChild(documentForm(template, null, "doc", false));
}

export async function submitDocument(form) {
  if (state.posting) return;
  const patient = state.patientId;
  const template = templateOf(form.dataset.template);
  if (!template) return;
  const input = { template: template.id, fields: documentValues(form) };
  clearFieldErrors(form);
  showBox(form.querySelector(".doc-errors"), []);
  // The same document sent again (after a dropped connection) keeps its key.
  draftKey("docDraft", patient, input);
  const button = form.querySelector("button[type=submit]");
  state.posting = true;
  button.disabled = true;
  setText("doc-status", "送信しています…");
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(patient) + "/posts", {
      json: input, headers: { "idempotency-key": state.docDraft.key },
    });
    if (!resp.ok) throw await apiError(resp);
    const post = await resp.json();
    if (!current(patient)) return;
    closeDocumentPanel();
    prependPost(post);
    setText("post-status", template.name_ja + "を投稿しました。");
  } catch (e) {
    if (!current(patient)) return;
    setText("doc-status", "");
    if (e instanceof ApiError) showDocumentErrors(form, e);
    else {
      const lines = failure(e);
      if (lines) showBox(form.querySelector(".doc-errors"), e instanceof TypeError
        ? ["送信できませんでした。もう一度「文書を投稿する」を押してください（二重には投稿されません）。"]
        : lines, false);
    }
  } finally {
    state.posting = false;
    button.disabled = false;
  }
}
