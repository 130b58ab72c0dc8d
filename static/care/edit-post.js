// The care client: editing one's own post.
import { ApiError, apiError, problemLines } from "../lib/api.js";
import { bilingual, el, enc } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { download } from "./attachments.js";
import { authorized, clearFieldErrors, current, failure, setText, showBox, state } from "./base.js";
import { sendComment, toggleComment } from "./comments.js";
import { documentForm, documentValues, showDocumentErrors, templateOf } from "./templates.js";
import { replacePost } from "./timeline.js";

export function startEdit(card) {
  const post = state.posts.find((p) => p.id === card.dataset.id);
  if (!post || card.classList.contains("editing")) return;
  const template = post.template ? templateOf(post.template) : null;
  if (post.template) {
    // A document is edited in its own form, all fields at once.
    if (!template) return;
    card.classList.add("editing");
    const form = documentForm(template, post.fields || {}, "edit-" + post.id, true);
    const view = card.querySelector(".document");
    view.hidden = true;
    view.after(form);
    const first = form.querySelector("input, select, textarea");
    if (first) first.focus();
    return;
  }
  card.classList.add("editing");
  const form = el("form", "edit-form");
  form.noValidate = true;
  const label = el("label");
  const areaId = "edit-" + post.id;
  label.htmlFor = areaId;
  bilingual(label, "本文を編集", "Edit message");
  const area = el("textarea");
  area.id = areaId;
  area.rows = 4;
  area.maxLength = 10000;
  area.value = post.body;
  const errors = el("div", "errors");
  errors.hidden = true;
  errors.setAttribute("role", "alert");
  const actions = el("p", "actions");
  const save = el("button");
  save.type = "submit";
  bilingual(save, "保存", "Save");
  const cancel = el("button", "secondary");
  cancel.type = "button";
  cancel.dataset.cancel = "1";
  bilingual(cancel, "取消", "Cancel");
  actions.append(save, cancel);
  form.append(label, area, errors, actions);
  card.querySelector(".post-body").after(form);
  area.focus();
}

export function endEdit(card) {
  card.classList.remove("editing");
  const form = card.querySelector(".edit-form");
  if (form) form.remove();
  const view = card.querySelector(".document");
  if (view) view.hidden = false;
}

export async function saveDocumentEdit(form) {
  const card = form.closest("article.post");
  const id = state.patientId;
  clearFieldErrors(form);
  showBox(form.querySelector(".doc-errors"), []);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const resp = await authorized("PUT", "/api/v1/patients/" + enc(id) + "/posts/" + enc(card.dataset.id), {
      json: { fields: documentValues(form) },
    });
    if (!resp.ok) throw await apiError(resp);
    const post = await resp.json();
    if (!current(id)) return;
    endEdit(card);
    replacePost(post);
  } catch (e) {
    if (e instanceof ApiError) showDocumentErrors(form, e);
    else {
      const lines = failure(e);
      if (lines) showBox(form.querySelector(".doc-errors"), lines, false);
    }
    button.disabled = false;
  }
}

export async function saveEdit(form) {
  const card = form.closest("article.post");
  const id = state.patientId;
  const body = form.querySelector("textarea").value;
  const errors = form.querySelector(".errors");
  const show = (lines) => {
    errors.textContent = "";
    errors.hidden = !lines.length;
    lines.forEach((l) => errors.appendChild(el("p", null, l)));
  };
  if (!body.trim()) { show(["本文を入力してください。"]); return; }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const resp = await authorized("PUT", "/api/v1/patients/" + enc(id) + "/posts/" + enc(card.dataset.id), { json: { body: body } });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const post = await resp.json();
    if (!current(id)) return;
    endEdit(card);
    replacePost(post);
  } catch (e) {
    const lines = failure(e);
    if (lines) show(lines);
    button.disabled = false;
  }
}

// The author shares the post with the family, or stops (PUT …/posts/{post}
// {share_with_family}: no new version, no edit mark). Sharing asks first: the family reads it.
export async function toggleShare(card, button) {
  const id = state.patientId;
  const share = button.dataset.share === "true";
  if (share && !window.confirm(say("この投稿を、招待したご家族のページにも表示します。よろしいですか？"))) return;
  button.disabled = true;
  try {
    const resp = await authorized("PUT", "/api/v1/patients/" + enc(id) + "/posts/" + enc(card.dataset.id), { json: { share_with_family: share } });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const post = await resp.json();
    if (!current(id)) return;
    replacePost(post);
    setText("post-status", share ? "家族と共有しました。" : "家族との共有をやめました。");
    // The card was drawn again: the focus stays on its button.
    const again = document.querySelector('#timeline article.post[data-id="' + CSS.escape(post.id) + '"] button.share-toggle');
    if (again) again.focus();
  } catch (e) {
    button.disabled = false;
    const lines = failure(e);
    if (lines && current(id)) setText("post-status", lines.join(" / "));
  }
}

export function onTimelineClick(event) {
  const card = event.target.closest("article.post");
  if (!card) return;
  if (event.target.closest("button.edit-post")) { startEdit(card); return; }
  const share = event.target.closest("button.share-toggle");
  if (share) { toggleShare(card, share); return; }
  if (event.target.closest("button[data-cancel]")) { endEdit(card); return; }
  if (event.target.closest("button.comment-open")) {
    toggleComment(card, card.querySelector("form.comment-form").hidden);
    return;
  }
  if (event.target.closest("button[data-comment-cancel]")) { toggleComment(card, false); return; }
  const thumb = event.target.closest("button.thumb-button");
  if (thumb) { thumb.classList.toggle("expanded"); return; }
  const file = event.target.closest("button.attachment-download");
  if (file) download(file);
}

export function onTimelineSubmit(event) {
  const form = event.target.closest("form");
  if (!form) return;
  event.preventDefault();
  if (form.classList.contains("comment-form")) sendComment(form);
  else if (form.classList.contains("doc-edit")) saveDocumentEdit(form);
  else if (form.classList.contains("edit-form")) saveEdit(form);
}
