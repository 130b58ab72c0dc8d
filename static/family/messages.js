// The family page: 「ケアチームへの連絡」, messages from the family to the care team (issue
// #34). A big text box, 「送る」, and the messages this patient's family sent, newest first,
// each with its time and who wrote it (「今日 午前9:30　清須 一郎（子）」). The team reads them
// in working hours: this is no emergency channel, and the section says so. A message keeps
// one Idempotency-Key until it is sent, so a phone that lost the answer and sends again
// stores it once; a changed text is another message with a new key. The text stays in the
// box until the server has it.
import { apiError, newKey } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { loadAccess } from "./access.js";
import { api, asWritten, failure, isToday, patientPath, RELATION, setText, showLines, state, when } from "./base.js";

const PAGE = 20;
const MAX = 2000;
// The count shows from here on: below it, it would only be noise.
const COUNT_FROM = 1800;
const SHOWN = 5; // messages listed before 「前の連絡を見る」

const messages = { items: [], cursor: null, loading: false, all: false };
// The message being sent: its text (as the server keeps it, trimmed) and its key.
let draft = null;
let sending = false;
let announce = null;

// Characters as the server counts them (Unicode scalar values, not UTF-16 units).
const length = (text) => [...text].length;

function keyFor(text) {
  const signature = JSON.stringify([state.me.patient.id, text]);
  if (!draft || draft.signature !== signature) draft = { signature: signature, key: newKey() };
  return draft.key;
}

// --- the form -----------------------------------------------------------------------------

function fieldError(text) {
  const line = $("message-error");
  line.textContent = text || "";
  line.hidden = !text;
  if (text) $("message-body").setAttribute("aria-invalid", "true");
  else $("message-body").removeAttribute("aria-invalid");
}

function countWords(n) {
  if (n > MAX) return pick((n - MAX) + " 文字多すぎます（" + MAX + " 文字まで）。", (n - MAX) + " characters too many (up to " + MAX + ").");
  return pick("あと " + (MAX - n) + " 文字書けます（" + MAX + " 文字まで）。", (MAX - n) + " characters left (up to " + MAX + ").");
}

// The count beside the box near the limit; said to a screen reader once typing pauses.
export function typed() {
  $("message-done").hidden = true;
  const n = length($("message-body").value);
  const count = $("message-count");
  count.hidden = n < COUNT_FROM;
  count.classList.toggle("over", n > MAX);
  count.textContent = n < COUNT_FROM ? "" : countWords(n);
  // A fault the text no longer has goes (still too long: it stays).
  if (!$("message-error").hidden && !(n > MAX && $("message-error").dataset.kind === "long")) {
    fieldError("");
    delete $("message-error").dataset.kind;
  }
  clearTimeout(announce);
  announce = setTimeout(() => setText("message-count-live", n < COUNT_FROM ? "" : countWords(n)), 1000);
}

function clearErrors() {
  fieldError("");
  delete $("message-error").dataset.kind;
  showLines("message-errors", []);
}

// A 422's faults: #/body beside the box, anything else above the button.
function placeErrors(error) {
  const rest = [];
  let body = false;
  (error.errors || []).forEach((e) => {
    const text = pick(e.detail_ja || e.message_ja, e.detail || e.message);
    if (e.pointer === "#/body") { fieldError(text); body = true; } else rest.push(text);
  });
  if (!(error.errors || []).length) rest.push(...error.lines);
  showLines("message-errors", rest);
  if (body) $("message-body").focus();
}

async function post(text, retried) {
  const resp = await api.authorized("POST", patientPath("/family-messages"), {
    json: { body: text }, headers: { "idempotency-key": keyFor(text) },
  });
  // The key was spent on another text (one the server trimmed otherwise): a new key, once.
  if (resp.status === 409 && !retried) {
    draft = null;
    return post(text, true);
  }
  if (!resp.ok) {
    const error = await apiError(resp);
    error.status = resp.status;
    throw error;
  }
  return resp.json();
}

export async function send(event) {
  event.preventDefault();
  if (sending || !state.me) return;
  clearErrors();
  $("message-done").hidden = true;
  const box = $("message-body");
  const text = box.value.trim();
  if (!text) {
    fieldError(pick("ケアチームに伝えたいことを書いてから「送る」を押してください。", "Write what you want to tell the care team, then press “Send”."));
    box.focus();
    return;
  }
  if (length(text) > MAX) {
    fieldError(pick("長すぎます。" + MAX + " 文字までにしてください（いま " + length(text) + " 文字）。",
      "Too long. Please keep it to " + MAX + " characters (now " + length(text) + ")."));
    $("message-error").dataset.kind = "long";
    box.focus();
    return;
  }
  const patient = state.me.patient.id;
  sending = true;
  // Not `disabled`: a disabled button drops the keyboard's focus. `sending` refuses a second press.
  $("message-send").setAttribute("aria-disabled", "true");
  setText("message-sending", pick("送っています…", "Sending…"));
  try {
    const sent = await post(text, false);
    if (!state.me || state.me.patient.id !== patient) return;
    draft = null;
    // Only what was sent leaves the box (a word typed while it went stays).
    if (box.value.trim() === text) box.value = "";
    typed();
    setText("message-sending", "");
    $("message-done").hidden = false;
    $("message-done").focus();
    remember(sent);
    render(sent.id);
    await loadMessages(false, sent.id);
    // 「記録を見た人」 says it too: 「…がケアチームに連絡しました」.
    loadAccess(false);
  } catch (e) {
    setText("message-sending", "");
    if (e && e.status === 422) {
      placeErrors(e);
    } else if (e instanceof TypeError) {
      showLines("message-errors", [pick(
        "送れませんでした。インターネットにつながっていないようです。書いた文はそのまま残っています。電波のよい所で、もう一度「送る」を押してください（二重には届きません）。",
        "Not sent: there seems to be no internet connection. What you wrote is still in the box. Where the signal is good, press “Send” again (it will not arrive twice).")]);
    } else {
      const lines = failure(e);
      if (lines) {
        showLines("message-errors", [pick("送れませんでした。書いた文はそのまま残っています。", "Not sent. What you wrote is still in the box.")].concat(lines));
      }
    }
  } finally {
    sending = false;
    $("message-send").removeAttribute("aria-disabled");
  }
}

// --- the list -----------------------------------------------------------------------------

function remember(message) {
  if (!messages.items.some((m) => m.id === message.id)) messages.items.unshift(message);
}

function card(message, fresh) {
  const item = el("li", "message" + (message.id === fresh ? " fresh" : ""));
  item.dataset.id = message.id;
  const head = el("p", "message-head");
  head.appendChild(el(isToday(message.created_at) ? "strong" : "span", "message-when", when(message.created_at)));
  head.append(pick("　", "  "));
  const who = el("span", "message-who");
  who.appendChild(asWritten(el("span", "message-author", message.author_name || "")));
  const relation = RELATION[message.relation];
  if (relation) who.append(pick("（" + relation + "）", " (" + relation + ")"));
  head.appendChild(who);
  // People's own words: as text, their line breaks kept (white-space: pre-wrap).
  item.append(head, asWritten(el("p", "message-body", message.body || "")));
  return item;
}

function render(fresh) {
  const list = $("messages");
  list.textContent = "";
  const shown = messages.all ? messages.items : messages.items.slice(0, SHOWN);
  shown.forEach((m) => list.appendChild(card(m, fresh)));
  $("messages-more").hidden = !(messages.cursor || messages.items.length > shown.length);
  $("messages-list-title").hidden = !messages.items.length;
}

// The first page again (`fresh`: the message just sent, marked), or (`older`) the next one.
export async function loadMessages(older, fresh) {
  if (!state.me || messages.loading) return;
  const patient = state.me.patient.id;
  messages.loading = true;
  if (!fresh) setText("messages-status", pick("読み込んでいます…", "Loading…"));
  try {
    const cursor = older && messages.cursor ? "&cursor=" + encodeURIComponent(messages.cursor) : "";
    const page = await api.getJson(patientPath("/family-messages?limit=" + PAGE + cursor));
    if (!state.me || state.me.patient.id !== patient) return;
    const known = new Set(older ? messages.items.map((m) => m.id) : []);
    const items = (page.items || []).filter((m) => !known.has(m.id));
    messages.items = older ? messages.items.concat(items) : items;
    // Newest first, whatever order a page came in.
    messages.items.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
    messages.cursor = page.next_cursor || null;
    render(fresh);
    setText("messages-status", messages.items.length ? "" : pick("まだ連絡はありません。", "No messages yet."));
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("messages-status", lines.join(" "));
  } finally {
    messages.loading = false;
  }
}

// 「前の連絡を見る」: all those loaded, then the next page; the first newly shown takes the
// focus, where the reader goes on reading.
async function showOlder() {
  const before = $("messages").children.length;
  const loaded = messages.items.length > before;
  messages.all = true;
  if (loaded) render();
  else await loadMessages(true);
  const first = $("messages").children[before];
  if (first) { first.tabIndex = -1; first.focus(); }
}

export function resetMessages() {
  messages.items = [];
  messages.cursor = null;
  messages.all = false;
  draft = null;
  clearTimeout(announce);
  $("messages").textContent = "";
  $("messages-more").hidden = true;
  $("messages-list-title").hidden = true;
  $("message-body").value = "";
  $("message-done").hidden = true;
  ["messages-status", "message-sending", "message-count-live"].forEach((id) => setText(id, ""));
  $("message-count").hidden = true;
  clearErrors();
}

export function wireMessages() {
  $("message-form").addEventListener("submit", send);
  $("message-body").addEventListener("input", typed);
  $("messages-more").addEventListener("click", showOlder);
}
