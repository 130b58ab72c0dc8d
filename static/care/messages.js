// The care client: direct messages.
import { ApiError, problemLines } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { asWritten, authorized, draftKey, failure, getJson, PROFESSION, setText, showLines, showOnly, state, timeOf, withOlder } from "./base.js";
import { countedHere, loadCounted } from "./menu.js";

export async function showMessages() {
  showOnly("messages-view");
  document.title = "メッセージ | RainbowNet";
  renderConversations();
  await loadConversations();
}

export function loadConversations() {
  return loadCounted("messages", "messages-status", "メッセージはまだありません。", renderConversations);
}

export function excerpt(text, n) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length > n ? chars.slice(0, n).join("") + "…" : flat;
}

export function renderConversations() {
  const list = $("conversation-list");
  list.textContent = "";
  state.conversations.forEach((c) => {
    const item = el("li");
    const link = el("a", "patient-link conversation-link");
    link.href = "#/messages/" + enc(c.with.id);
    link.dataset.id = c.with.id;
    const main = el("span", "patient-main");
    main.append(el("span", "patient-name", c.with.name),
      el("span", "patient-meta", [PROFESSION[c.with.profession] || c.with.profession, c.with.organization].join("・")));
    const last = c.last_message;
    if (last) {
      const mine = state.me && last.sender_id === state.me.id;
      main.appendChild(el("span", "last-message", (mine ? "あなた：" : "") + excerpt(last.body, 40) + "（" + timeOf(last.created_at) + "）"));
    }
    const badge = el("span", "unread");
    badge.append("未読 ", el("span", "unread-count", String(c.unread || 0)), "件");
    badge.hidden = !c.unread;
    link.append(main, badge);
    item.appendChild(link);
    list.appendChild(item);
  });
}

export function resetThread(id) {
  state.threadWith = id;
  state.thread = [];
  state.threadCursor = null;
  state.messageDraft = null;
  $("message-form").reset();
  showLines("message-errors", []);
  ["thread-name", "thread-org", "thread-status"].forEach((i) => setText(i, ""));
  $("thread").textContent = "";
  $("thread-more").hidden = true;
}

export async function openThread(id) {
  showOnly("thread-view");
  if (state.threadWith !== id) resetThread(id);
  await loadThread(false);
  if (state.threadWith === id && state.thread.length) $("message-form").scrollIntoView({ block: "end" });
}

// Opening the thread marks the messages to me read (the server does, as it answers).
export async function loadThread(more) {
  const id = state.threadWith;
  const path = "/api/v1/care/messages/" + enc(id) + "?limit=30" + (more && state.threadCursor ? "&cursor=" + enc(state.threadCursor) : "");
  setText("thread-status", "読み込んでいます…");
  $("thread-more").disabled = true;
  try {
    const page = await getJson(path);
    if (state.threadWith !== id) return;
    const w = page.with || {};
    document.title = (w.name || "") + " | メッセージ | RainbowNet";
    setText("thread-name", w.name);
    setText("thread-org", [PROFESSION[w.profession] || w.profession, w.organization].filter(Boolean).join("・"));
    const items = page.items || [];
    if (more) {
      state.thread = withOlder(state.thread, items);
      state.threadCursor = page.next_cursor || null;
    } else {
      // The newest page (read receipts may have changed); older pages already shown stay.
      const had = state.thread.length > 0;
      const byId = new Map(state.thread.map((m) => [m.id, m]));
      items.forEach((m) => byId.set(m.id, m));
      state.thread = Array.from(byId.values());
      if (!had) state.threadCursor = page.next_cursor || null;
    }
    renderThread();
    setText("thread-status", state.thread.length ? "" : "まだメッセージはありません。下の欄から送れます。");
    const summary = state.conversations.find((c) => c.with.id === id);
    if (summary && summary.unread) { summary.unread = 0; countedHere("messages", state.conversations); }
  } catch (e) {
    if (state.threadWith !== id) return;
    const lines = failure(e);
    if (lines) setText("thread-status", lines.join(" / "));
  } finally {
    $("thread-more").disabled = false;
  }
}

// Oldest at the top, newest at the bottom next to the send box.
export function renderThread() {
  const list = $("thread");
  list.textContent = "";
  state.thread.slice().sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0)).forEach((m) => {
    const mine = state.me && m.sender_id === state.me.id;
    const item = el("li", "message " + (mine ? "mine" : "theirs"));
    item.dataset.id = m.id;
    const head = el("p", "message-head");
    const when = el("time", "post-time", timeOf(m.created_at));
    when.dateTime = m.created_at;
    head.append(el("strong", "message-author", mine ? "あなた" : $("thread-name").textContent), " ", when);
    item.append(head, asWritten(el("p", "message-body", m.body)));
    if (mine) {
      const read = el("p", "message-read");
      if (m.read_at) bilingual(read, "既読", "read");
      else bilingual(read, "未読", "not read yet");
      item.appendChild(read);
    }
    list.appendChild(item);
  });
  $("thread-more").hidden = !state.threadCursor;
}

export async function sendMessage(event) {
  event.preventDefault();
  const id = state.threadWith;
  const body = $("message-body").value;
  if (!body.trim()) {
    showLines("message-errors", ["メッセージを入力してください。"]);
    $("message-body").focus();
    return;
  }
  showLines("message-errors", []);
  draftKey("messageDraft", id, body);
  $("message-send").disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/care/messages/" + enc(id), {
      json: { body: body }, headers: { "idempotency-key": state.messageDraft.key },
    });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const message = await resp.json();
    if (state.threadWith !== id) return;
    state.messageDraft = null;
    $("message-body").value = "";
    if (!state.thread.some((m) => m.id === message.id)) state.thread.unshift(message);
    renderThread();
    setText("thread-status", "送信しました。");
  } catch (e) {
    if (state.threadWith !== id) return;
    const lines = failure(e);
    if (lines) showLines("message-errors", e instanceof TypeError
      ? ["送信できませんでした。もう一度「送信」を押してください（二重には送られません）。"]
      : lines);
  } finally {
    $("message-send").disabled = false;
  }
}
