// The care client: the timeline.
import { $, bilingual, el, enc } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { attachmentList } from "./attachments.js";
import { asWritten, authorized, CATEGORY, current, failure, folded, getJson, setText, SIGNED_OUT, state, timeOf, withOlder } from "./base.js";
import { commentSection } from "./comments.js";
import { countedHere } from "./menu.js";
import { baseline } from "./news.js";
import { documentView, loadTemplates, templateOf } from "./templates.js";

export async function loadTimeline(more) {
  const id = state.patientId;
  const path = "/api/v1/patients/" + enc(id) + "/posts?limit=20" + (more && state.nextCursor ? "&cursor=" + enc(state.nextCursor) : "");
  setText("timeline-status", "読み込んでいます…");
  $("timeline-more").disabled = true;
  try {
    // Documents are shown by their template's labels: the templates first (once).
    const [page] = await Promise.all([getJson(path), loadTemplates().catch(() => null)]);
    if (!current(id)) return;
    const items = page.items || [];
    items.forEach((p) => { if (isUnread(p)) state.seenUnread.add(p.id); });
    if (more) {
      state.posts = withOlder(state.posts, items);
    } else {
      state.posts = items;
    }
    state.nextCursor = page.next_cursor || null;
    renderTimeline();
    setText("timeline-status", state.posts.length ? "" : "まだ投稿はありません。");
    if (!more) baseline(id);
    await markRead(id, items);
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) setText("timeline-status", lines.join(" / "));
  } finally {
    $("timeline-more").disabled = false;
  }
}

export function isUnread(post) {
  return !!state.me && post.author_id !== state.me.id && !(post.read_by || []).some((r) => r.id === state.me.id);
}

// Read receipts for the posts by others this page has just shown.
export async function markRead(id, posts) {
  let marked = 0;
  for (const post of posts) {
    if (!isUnread(post)) continue;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/posts/" + enc(post.id) + "/read");
      if (!resp.ok) continue;
      marked += 1;
      const updated = await resp.json();
      if (current(id)) replacePost(updated);
    } catch (e) {
      if (e === SIGNED_OUT) return;
    }
  }
  const summary = state.patients.find((p) => p.id === id);
  if (summary && marked) {
    summary.unread = Math.max(0, (summary.unread || 0) - marked);
    countedHere("patients", state.patients);
  }
}

// The loaded posts of one category, or with the words searched for (in the text, the
// author or a comment); 「さらに表示」 loads older ones to search too.
export function shownPosts() {
  const category = $("timeline-category").value;
  const words = folded($("timeline-filter").value);
  return state.posts.filter((post) => (!category || post.category === category) &&
    (!words || folded([post.body, post.author_name].concat((post.comments || []).map((c) => c.body)).join(" ")).includes(words)));
}

export function renderTimeline() {
  const box = $("timeline");
  box.textContent = "";
  const shown = shownPosts();
  shown.forEach((post) => box.appendChild(postCard(post)));
  $("timeline-more").hidden = !state.nextCursor;
  const filtering = $("timeline-category").value || $("timeline-filter").value.trim();
  if (filtering && state.posts.length) setText("timeline-status", "読み込んだ " + state.posts.length + "件中 " + shown.length + "件");
}

export function replacePost(post) {
  const index = state.posts.findIndex((p) => p.id === post.id);
  if (index >= 0) state.posts[index] = post;
  const old = document.querySelector('#timeline article.post[data-id="' + CSS.escape(post.id) + '"]');
  if (!old) return;
  if (old.classList.contains("editing")) return; // do not throw away an edit being typed
  const open = old.querySelector("details.read-receipts");
  const card = postCard(post);
  if (open && open.open) card.querySelector("details.read-receipts").open = true;
  // A comment being written stays, with its key.
  const draft = old.querySelector("form.comment-form");
  if (draft && !draft.hidden) {
    const form = card.querySelector("form.comment-form");
    form.hidden = false;
    form.querySelector("textarea").value = draft.querySelector("textarea").value;
    if (draft.dataset.key) { form.dataset.key = draft.dataset.key; form.dataset.signature = draft.dataset.signature; }
    card.querySelector("button.comment-open").setAttribute("aria-expanded", "true");
  }
  old.replaceWith(card);
}

// A post the server has just accepted: on top of the timeline, once.
export function prependPost(post) {
  if (state.posts.some((p) => p.id === post.id)) { replacePost(post); return; }
  state.posts.unshift(post);
  $("timeline").prepend(postCard(post));
  setText("timeline-status", "");
}

// The handout link the introduce route writes into the post becomes a real link.
export const PRINT_LINK = /(\/resources\/print\?ids=[0-9A-Za-z,]+)/;
export function bodyText(node, text) {
  node.textContent = "";
  String(text).split(PRINT_LINK).forEach((part, i) => {
    if (i % 2 === 1) {
      const a = el("a", null, part);
      a.href = part;
      a.target = "_blank";
      a.rel = "noopener";
      node.appendChild(a);
    } else if (part) {
      node.appendChild(document.createTextNode(part));
    }
  });
}

export function postCard(post) {
  const card = el("article", "post");
  card.dataset.id = post.id;
  card.dataset.category = post.category;
  const cat = CATEGORY[post.category] || { ja: post.category, en: "" };

  const head = el("header", "post-head");
  const badge = el("span", "category category-" + post.category);
  bilingual(badge, cat.ja, cat.en);
  head.appendChild(badge);
  if (state.seenUnread.has(post.id)) head.appendChild(bilingual(el("span", "new-badge"), "新着", "New"));
  // Shown on the family's page too (issue #34): said on the card, not by colour alone.
  if (post.share_with_family) head.appendChild(el("span", "shared-badge", "家族と共有中"));
  const who = el("span", "post-author");
  who.append(asWritten(el("strong", null, post.author_name)), " ", asWritten(el("span", "org", post.author_organization)));
  const when = el("time", "post-time", timeOf(post.created_at));
  when.dateTime = post.created_at;
  head.append(who, when);
  card.appendChild(head);

  const template = post.template ? templateOf(post.template) : null;
  if (template && post.fields && typeof post.fields === "object") {
    card.dataset.template = post.template;
    card.appendChild(documentView(template, post.fields));
  } else {
    // A plain post, or a document whose template this page does not know: its text.
    const body = asWritten(el("div", "post-body"));
    bodyText(body, post.body);
    card.appendChild(body);
  }

  if (post.edited_at) {
    const edited = el("p", "edited");
    bilingual(edited, "編集済み（" + timeOf(post.edited_at) + (post.previous_versions ? "・以前の版 " + post.previous_versions + "件" : "") + "）", "edited");
    card.appendChild(edited);
  }

  const attachments = post.attachments || [];
  if (attachments.length) card.appendChild(attachmentList(post.patient_id || state.patientId, attachments));

  const foot = el("footer", "post-foot");
  const readers = post.read_by || [];
  const receipts = el("details", "read-receipts");
  const summary = el("summary", "read-count");
  summary.dataset.count = String(readers.length);
  bilingual(summary, "既読 " + readers.length + "人", "read by " + readers.length);
  receipts.appendChild(summary);
  const list = el("ul", "readers");
  if (readers.length === 0) list.appendChild(el("li", "muted", say("まだ誰も読んでいません。")));
  readers.forEach((r) => {
    const item = el("li", "reader");
    item.append(el("span", "reader-name", r.name), " ", el("span", "muted", timeOf(r.read_at)));
    list.appendChild(item);
  });
  receipts.appendChild(list);
  foot.appendChild(receipts);
  const actions = el("span", "post-actions");
  const comment = el("button", "secondary small comment-open");
  comment.type = "button";
  comment.setAttribute("aria-expanded", "false");
  bilingual(comment, "コメントする", "Comment");
  actions.appendChild(comment);
  if (state.me && post.author_id === state.me.id && (!post.template || template)) {
    const edit = el("button", "secondary small edit-post");
    edit.type = "button";
    bilingual(edit, "編集", "Edit");
    actions.appendChild(edit);
  }
  // Only the author shares a post with the family, or stops sharing it.
  if (state.me && post.author_id === state.me.id) {
    const share = el("button", "secondary small share-toggle");
    share.type = "button";
    share.dataset.share = post.share_with_family ? "false" : "true";
    share.textContent = post.share_with_family ? "共有をやめる" : "家族と共有する";
    actions.appendChild(share);
  }
  foot.appendChild(actions);
  card.appendChild(foot);
  card.appendChild(commentSection(post));
  return card;
}
