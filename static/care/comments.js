// The care client: comments under a post.
import { apiError, newKey, send } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { asWritten, authorized, current, failure, PROFESSION, showBox, state, timeOf } from "./base.js";

export function commentItem(c) {
  const item = el("li", "comment");
  item.dataset.id = c.id;
  const head = el("p", "comment-head");
  const when = el("time", "post-time", timeOf(c.created_at));
  when.dateTime = c.created_at;
  head.append(asWritten(el("strong", "comment-author", c.author_name)), " ", when);
  item.append(head, asWritten(el("p", "comment-body", c.body)));
  return item;
}

export function commentSection(post) {
  const box = el("section", "comments");
  box.setAttribute("aria-label", say("コメント"));
  const comments = post.comments || [];
  const count = el("p", "comment-count");
  box.appendChild(count);
  const list = el("ul", "comment-list");
  comments.forEach((c) => list.appendChild(commentItem(c)));
  box.appendChild(list);
  showCommentCount(box, comments.length);
  const form = el("form", "comment-form");
  form.noValidate = true;
  form.hidden = true;
  const label = el("label");
  const areaId = "comment-" + post.id;
  label.htmlFor = areaId;
  bilingual(label, "コメント", "Comment");
  const area = el("textarea");
  area.id = areaId;
  area.rows = 2;
  area.maxLength = 4000;
  area.required = true;
  const errors = el("div", "errors");
  errors.hidden = true;
  errors.setAttribute("role", "alert");
  const actions = el("p", "actions");
  const send = el("button", "small");
  send.type = "submit";
  bilingual(send, "送信", "Send");
  const cancel = el("button", "secondary small");
  cancel.type = "button";
  cancel.dataset.commentCancel = "1";
  bilingual(cancel, "取消", "Cancel");
  actions.append(send, cancel);
  form.append(label, area, errors, actions);
  attachMentions(area);
  box.appendChild(form);
  return box;
}

// @mentions: typing @ (and the start of a name) offers the patient's team, without
// oneself; a tap puts 「@名前 」 in the text. The server notifies whoever is mentioned,
// even those who asked for 相談 only, and matches the name with or without its spaces.
export function attachMentions(area) {
  const choices = el("div", "mention-choices");
  choices.hidden = true;
  choices.setAttribute("aria-live", "polite");
  area.insertAdjacentElement("afterend", choices);
  const fragment = () => {
    const before = area.value.slice(0, area.selectionStart);
    const m = /(^|\s)@([^\s@]{0,20})$/.exec(before);
    return m ? { start: before.length - m[2].length - 1, typed: m[2] } : null;
  };
  const bare = (name) => name.replace(/[\s\u3000]+/g, "");
  const offer = () => {
    choices.textContent = "";
    const at = fragment();
    const team = ((state.patient && state.patient.team) || []).filter((m) => !state.me || m.id !== state.me.id);
    const typed = at ? at.typed.toLowerCase() : "";
    const found = at ? team.filter((m) => bare(m.name).toLowerCase().includes(typed)).slice(0, 6) : [];
    choices.hidden = found.length === 0;
    if (!found.length) return;
    choices.appendChild(el("span", "muted", "宛先："));
    found.forEach((m) => {
      const b = el("button", "secondary small mention", "@" + bare(m.name));
      b.type = "button";
      b.setAttribute("aria-label", "@" + bare(m.name) + "（" + (PROFESSION[m.profession] || m.profession) + "）を宛先に入れる");
      b.addEventListener("click", () => {
        const now = fragment() || at;
        const insert = "@" + bare(m.name) + " ";
        area.value = area.value.slice(0, now.start) + insert + area.value.slice(area.selectionStart);
        const caret = now.start + insert.length;
        area.focus();
        area.setSelectionRange(caret, caret);
        choices.hidden = true;
        choices.textContent = "";
      });
      choices.appendChild(b);
    });
  };
  area.addEventListener("input", offer);
  area.addEventListener("click", offer);
}

export function toggleComment(card, open) {
  const form = card.querySelector("form.comment-form");
  form.hidden = !open;
  card.querySelector("button.comment-open").setAttribute("aria-expanded", String(open));
  if (open) form.querySelector("textarea").focus();
  else { form.querySelector("textarea").value = ""; showBox(form.querySelector(".errors"), []); delete form.dataset.key; }
}

export async function sendComment(form) {
  const card = form.closest("article.post");
  const id = state.patientId;
  const postId = card.dataset.id;
  const body = form.querySelector("textarea").value.trim();
  const errors = form.querySelector(".errors");
  if (!body) { showBox(errors, ["コメントを入力してください。"], false); return; }
  const signature = JSON.stringify([postId, body]);
  if (form.dataset.signature !== signature || !form.dataset.key) { form.dataset.signature = signature; form.dataset.key = newKey(); }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/posts/" + enc(postId) + "/comments", {
      json: { body: body }, headers: { "idempotency-key": form.dataset.key },
    });
    if (!resp.ok) throw await apiError(resp);
    const comment = await resp.json();
    if (!current(id)) return;
    const post = state.posts.find((p) => p.id === postId);
    if (post) {
      post.comments = (post.comments || []).filter((c) => c.id !== comment.id).concat([comment]);
      replaceCommentList(card, post);
    }
    toggleComment(card, false);
  } catch (e) {
    const lines = failure(e);
    if (lines) showBox(errors, lines, false);
  } finally {
    button.disabled = false;
  }
}

export function replaceCommentList(card, post) {
  const list = card.querySelector("ul.comment-list");
  list.textContent = "";
  (post.comments || []).forEach((c) => list.appendChild(commentItem(c)));
  showCommentCount(card.querySelector("section.comments"), (post.comments || []).length);
}

export function showCommentCount(box, n) {
  bilingual(box.querySelector(".comment-count"), "コメント " + n + "件", n === 1 ? "1 comment" : n + " comments");
  box.querySelector(".comment-count").hidden = n === 0;
  box.querySelector("ul.comment-list").hidden = n === 0;
}
